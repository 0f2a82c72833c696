/* Reading and writing a config object through its field table (fields.h). The reader is the
 * getters of json.c driven by the table; the writer prints every field, numbers as the shortest
 * text that reads back to the same bits. Neither knows any particular section.
 */
#include "config/fields.h"
#include "config/json.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(base, f) ((char *)(base) + (f)->offset)
#define CFIELD(base, f) ((const char *)(base) + (f)->offset)

static int in_variant(const ConfigField *f, unsigned variant)
{
    return f->only == 0 || variant == 0 || (f->only & variant) != 0;
}

void config__fields_keys(const ConfigField *table, int n, unsigned variant, const char **keys,
                         int max)
{
    int k = 0;
    for (int i = 0; i < n && k < max - 1; i++)
        if (in_variant(&table[i], variant))
            keys[k++] = table[i].key;
    keys[k] = NULL;
}

static int get_triple(const cJSON *obj, const char *path, const ConfigField *f, void *base)
{
    int rc = 0, n = 0;
    int iv[3];
    double dv[3];
    if (!cJSON_GetObjectItemCaseSensitive(obj, f->key))
        return 0;
    if (f->kind == CONFIG_INT3)
        IH_TRY(json_get_int_array(obj, path, f->key, 0, 100000000, iv, 3, &n));
    else
        IH_TRY(json_get_double_array(obj, path, f->key, 0.0, 1e12, dv, 3, &n));
    if (n != 3)
        IH_FAIL(IH_ECONFIG, "%s.%s: expected 3 entries [train, val, test], got %d", path, f->key,
                n);
    if (f->kind == CONFIG_INT3)
        memcpy(FIELD(base, f), iv, sizeof iv);
    else
        memcpy(FIELD(base, f), dv, sizeof dv);
cleanup:
    return rc;
}

static int parse_field(const ConfigField *f, const cJSON *obj, const char *path, void *base)
{
    int rc = 0;
    char p[512];
    void *at = FIELD(base, f);
    switch (f->kind) {
    case CONFIG_INT:
        IH_TRY(json_get_int32(obj, path, f->key, (int)f->min, (int)f->max, at));
        break;
    case CONFIG_LONG:
        IH_TRY(json_get_int(obj, path, f->key, (long)f->min, (long)f->max, at));
        break;
    case CONFIG_U32: {
        long v = (long)*(uint32_t *)at;
        IH_TRY(json_get_int(obj, path, f->key, 0, 4294967295L, &v));
        *(uint32_t *)at = (uint32_t)v;
        break;
    }
    case CONFIG_BOOL:
        IH_TRY(json_get_bool(obj, path, f->key, at));
        break;
    case CONFIG_FLOAT:
        IH_TRY(json_get_float(obj, path, f->key, f->min, f->max, at));
        break;
    case CONFIG_DOUBLE:
        IH_TRY(json_get_double(obj, path, f->key, f->min, f->max, at));
        break;
    case CONFIG_ENUM: {
        int v;
        memcpy(&v, at, sizeof v);
        IH_TRY(json_get_enum(obj, path, f->key, f->names(), &v));
        memcpy(at, &v, sizeof v);
        break;
    }
    case CONFIG_STRING:
        IH_TRY(json_get_string(obj, path, f->key, at, (int)f->size));
        break;
    case CONFIG_INT3:
    case CONFIG_DOUBLE3:
        IH_TRY(get_triple(obj, path, f, base));
        break;
    case CONFIG_NESTED:
        IH_TRY(f->parse(cJSON_GetObjectItemCaseSensitive(obj, f->key),
                        json_path_join(p, sizeof p, path, f->key), base));
        break;
    }
cleanup:
    return rc;
}

int config__fields_parse(const ConfigField *table, int n, unsigned variant, const cJSON *obj,
                         const char *path, void *base)
{
    int rc = 0;
    const char *keys[64];
    config__fields_keys(table, n, variant, keys, 64);
    IH_TRY(json_check_keys(obj, path, keys));
    for (int i = 0; i < n; i++)
        if (in_variant(&table[i], variant))
            IH_TRY(parse_field(&table[i], obj, path, base));
cleanup:
    return rc;
}

/* The shortest text of v that reads back as v (through a float when is_float): an integral
 * value as an integer, else the shortest %.{p}g. */
static cJSON *shortest(double v, int max_digits, int is_float)
{
    char buf[40];
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v && !(v == 0 && signbit(v))) {
        snprintf(buf, sizeof buf, "%lld", (long long)v); /* 10000, not 1e+04 */
        return cJSON_CreateRaw(buf);
    }
    for (int p = 1; p <= max_digits; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        double back = strtod(buf, NULL);
        if (is_float ? (float)back == (float)v : back == v)
            break;
    }
    return cJSON_CreateRaw(buf);
}

cJSON *config__number_double(double v)
{
    return shortest(v, 17, 0);
}

cJSON *config__number_float(float v)
{
    return shortest((double)v, 9, 1);
}

cJSON *config__number_long(long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    return cJSON_CreateRaw(buf);
}

static int triple_item(const ConfigField *f, const void *base, cJSON **out)
{
    cJSON *arr = cJSON_CreateArray();
    for (int k = 0; arr && k < 3; k++) {
        cJSON *x;
        if (f->kind == CONFIG_INT3)
            x = config__number_long(((const int *)CFIELD(base, f))[k]);
        else
            x = config__number_double(((const double *)CFIELD(base, f))[k]);
        if (!cJSON_AddItemToArray(arr, x)) {
            cJSON_Delete(x);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    *out = arr;
    return arr ? 0 : IH_ENOMEM;
}

static int field_item(const ConfigField *f, const void *base, cJSON **out)
{
    const void *at = CFIELD(base, f);
    int v = 0;
    *out = NULL;
    switch (f->kind) {
    case CONFIG_INT:
        *out = config__number_long(*(const int *)at);
        break;
    case CONFIG_LONG:
        *out = config__number_long(*(const long *)at);
        break;
    case CONFIG_U32:
        *out = config__number_long((long)*(const uint32_t *)at);
        break;
    case CONFIG_BOOL:
        *out = cJSON_CreateBool(*(const int *)at != 0);
        break;
    case CONFIG_FLOAT:
        *out = config__number_float(*(const float *)at);
        break;
    case CONFIG_DOUBLE:
        *out = config__number_double(*(const double *)at);
        break;
    case CONFIG_ENUM:
        memcpy(&v, at, sizeof v);
        *out = cJSON_CreateString(f->names()[v]);
        break;
    case CONFIG_STRING:
        *out = cJSON_CreateString(at);
        break;
    case CONFIG_INT3:
    case CONFIG_DOUBLE3:
        return triple_item(f, base, out);
    case CONFIG_NESTED:
        return f->write(base, out);
    }
    return *out ? 0 : IH_ENOMEM;
}

int config__fields_write(const ConfigField *table, int n, unsigned variant, const void *base,
                         cJSON *obj)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (!in_variant(&table[i], variant))
            continue;
        cJSON *item = NULL;
        IH_TRY(field_item(&table[i], base, &item));
        if (!cJSON_AddItemToObject(obj, table[i].key, item)) {
            cJSON_Delete(item);
            IH_FAIL(IH_ENOMEM, "out of memory writing config field %s", table[i].key);
        }
    }
cleanup:
    return rc;
}
