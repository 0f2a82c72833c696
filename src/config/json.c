/* JSON helpers (see json.h): strict parsing and path-naming getters over cJSON. */
#include "config/json.h"

#include "ihsweep/error.h"
#include "ihsweep/suggest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void json_line_col(const char *text, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at && *p; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Rejects \u0000 and \u escapes that are not 4 hex digits (cJSON turns them into truncation). */
static int json_check_escapes(const char *text, const char *source)
{
    int rc = 0;
    int in_string = 0;
    for (const char *p = text; *p; p++) {
        if (!in_string) {
            if (*p == '"')
                in_string = 1;
            continue;
        }
        if (*p == '"') {
            in_string = 0;
        } else if (*p == '\\') {
            p++;
            if (*p == 'u') {
                unsigned value = 0;
                for (int i = 1; i <= 4; i++) {
                    char c = p[i];
                    int digit = (c >= '0' && c <= '9')   ? c - '0'
                                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                         : -1;
                    if (digit < 0) {
                        int line, col;
                        json_line_col(text, p, &line, &col);
                        IH_FAIL(IH_EDATA, "%s:%d:%d: invalid \\u escape", source, line, col);
                    }
                    value = value * 16 + (unsigned)digit;
                }
                if (value == 0) {
                    int line, col;
                    json_line_col(text, p, &line, &col);
                    IH_FAIL(IH_EDATA, "%s:%d:%d: \\u0000 is not allowed in strings", source, line,
                            col);
                }
            } else if (*p == '\0') {
                break;
            }
        }
    }
cleanup:
    return rc;
}

static int json_check_duplicates(const cJSON *node, const char *source, const char *path)
{
    int rc = 0;
    char child_path[512];
    for (const cJSON *a = node ? node->child : NULL; a; a = a->next) {
        if (cJSON_IsObject(node)) {
            for (const cJSON *b = a->next; b; b = b->next)
                if (strcmp(a->string, b->string) == 0)
                    IH_FAIL(IH_EDATA, "%s: duplicate key \"%s\" in %s", source, a->string,
                            path[0] ? path : "(top level)");
            json_path_join(child_path, sizeof child_path, path, a->string);
        } else {
            snprintf(child_path, sizeof child_path, "%s[]", path);
        }
        IH_TRY(json_check_duplicates(a, source, child_path));
    }
cleanup:
    return rc;
}

int json_parse(const char *text, const char *source, cJSON **out)
{
    int rc = 0;
    cJSON *root = NULL;
    *out = NULL;
    IH_TRY(json_check_escapes(text, source));
    const char *end = NULL;
    root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        int line = 0, col = 0;
        if (at)
            json_line_col(text, at, &line, &col);
        IH_FAIL(IH_EDATA, "%s:%d:%d: JSON syntax error", source, line, col);
    }
    IH_TRY(json_check_duplicates(root, source, ""));
    *out = root;
    root = NULL;
cleanup:
    cJSON_Delete(root);
    return rc;
}

int config_read_file(const char *path, char **text_out)
{
    return json_read_file(path, text_out);
}

int json_read_file(const char *path, char **text_out)
{
    int rc = 0;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    *text_out = NULL;
    struct stat st;
    if (!f)
        IH_FAIL(errno == ENOENT ? IH_ENOENT : IH_EIO, "cannot open %s: %s", path,
                strerror(errno));
    if (fstat(fileno(f), &st) != 0)
        IH_FAIL(IH_EIO, "cannot stat %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        IH_FAIL(IH_ENOENT, "%s is a directory, not a config file", path);
    if (fseek(f, 0, SEEK_END) != 0)
        IH_FAIL(IH_EIO, "cannot seek %s", path);
    long n = ftell(f);
    if (n < 0)
        IH_FAIL(IH_EIO, "cannot size %s", path);
    rewind(f);
    IH_ALLOC(text, (size_t)n + 1);
    if (fread(text, 1, (size_t)n, f) != (size_t)n)
        IH_FAIL(IH_EIO, "cannot read %s", path);
    text[n] = '\0';
    if (strlen(text) != (size_t)n)
        IH_FAIL(IH_EDATA, "%s contains a NUL byte", path);
    *text_out = text;
    text = NULL;
cleanup:
    if (f)
        fclose(f);
    free(text);
    return rc;
}

const char *json_path_join(char *buf, int size, const char *parent, const char *key)
{
    if (parent && parent[0])
        snprintf(buf, (size_t)size, "%s.%s", parent, key);
    else
        snprintf(buf, (size_t)size, "%s", key);
    return buf;
}

int json_check_keys(const cJSON *obj, const char *path, const char *const *allowed)
{
    int rc = 0;
    if (!cJSON_IsObject(obj))
        IH_FAIL(IH_ECONFIG, "%s: expected an object", path[0] ? path : "(top level)");
    for (const cJSON *c = obj->child; c; c = c->next) {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, c->string) == 0;
        if (!known) {
            char full[512];
            int n = 0;
            while (allowed[n])
                n++;
            const char *near = ih_suggest(c->string, allowed, n);
            IH_FAIL(IH_ECONFIG, "%s: unknown field%s%s%s",
                    json_path_join(full, sizeof full, path, c->string),
                    near ? "; did you mean \"" : "", near ? near : "", near ? "\"?" : "");
        }
    }
cleanup:
    return rc;
}

static int json_number_to_long(const cJSON *item, const char *full, long min, long max,
                               long *out)
{
    int rc = 0;
    if (!cJSON_IsNumber(item))
        IH_FAIL(IH_ECONFIG, "%s: expected an integer", full);
    double v = item->valuedouble;
    if (!isfinite(v) || v != floor(v) || fabs(v) > 9007199254740992.0)
        IH_FAIL(IH_ECONFIG, "%s: expected an integer, got %g", full, v);
    if (v < (double)min || v > (double)max)
        IH_FAIL(IH_ECONFIG, "%s: %.0f is out of range [%ld, %ld]", full, v, min, max);
    *out = (long)v;
cleanup:
    return rc;
}

int json_get_int(const cJSON *obj, const char *path, const char *key, long min, long max,
                 long *out)
{
    int rc = 0;
    char full[512];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return 0;
    IH_TRY(json_number_to_long(item, json_path_join(full, sizeof full, path, key), min, max, out));
cleanup:
    return rc;
}

int json_get_int32(const cJSON *obj, const char *path, const char *key, int min, int max,
                   int *out)
{
    int rc = 0;
    long v = *out;
    IH_TRY(json_get_int(obj, path, key, min, max, &v));
    *out = (int)v;
cleanup:
    return rc;
}

int json_get_double(const cJSON *obj, const char *path, const char *key, double min, double max,
                    double *out)
{
    int rc = 0;
    char full[512];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return 0;
    json_path_join(full, sizeof full, path, key);
    if (!cJSON_IsNumber(item))
        IH_FAIL(IH_ECONFIG, "%s: expected a number", full);
    if (!isfinite(item->valuedouble))
        IH_FAIL(IH_ECONFIG, "%s: expected a finite number", full);
    if (item->valuedouble < min || item->valuedouble > max)
        IH_FAIL(IH_ECONFIG, "%s: %g is out of range [%g, %g]", full, item->valuedouble, min, max);
    *out = item->valuedouble == 0.0 ? 0.0 : item->valuedouble; /* -0 hashes as 0 */
cleanup:
    return rc;
}

int json_get_float(const cJSON *obj, const char *path, const char *key, double min, double max,
                   float *out)
{
    int rc = 0;
    double v = *out;
    IH_TRY(json_get_double(obj, path, key, min, max, &v));
    *out = (float)v;
cleanup:
    return rc;
}

int json_get_bool(const cJSON *obj, const char *path, const char *key, int *out)
{
    int rc = 0;
    char full[512];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return 0;
    if (!cJSON_IsBool(item))
        IH_FAIL(IH_ECONFIG, "%s: expected true or false",
                json_path_join(full, sizeof full, path, key));
    *out = cJSON_IsTrue(item) ? 1 : 0;
cleanup:
    return rc;
}

int json_get_string(const cJSON *obj, const char *path, const char *key, char *buf, int size)
{
    int rc = 0;
    char full[512];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return 0;
    json_path_join(full, sizeof full, path, key);
    if (!cJSON_IsString(item))
        IH_FAIL(IH_ECONFIG, "%s: expected a string", full);
    if ((int)strlen(item->valuestring) >= size)
        IH_FAIL(IH_ECONFIG, "%s: string longer than %d characters", full, size - 1);
    /* zero the whole buffer: config structs are hashed as bytes (run_config_hash) */
    memset(buf, 0, (size_t)size);
    memcpy(buf, item->valuestring, strlen(item->valuestring));
cleanup:
    return rc;
}

int json_get_enum(const cJSON *obj, const char *path, const char *key, const char *const *names,
                  int *out)
{
    int rc = 0;
    char value[128] = "";
    char full[512];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item)
        return 0;
    IH_TRY(json_get_string(obj, path, key, value, (int)sizeof value));
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], value) == 0) {
            *out = i;
            return 0;
        }
    }
    char choices[512] = "";
    for (int i = 0; names[i]; i++) {
        strncat(choices, i ? ", " : "", sizeof choices - strlen(choices) - 1);
        strncat(choices, names[i], sizeof choices - strlen(choices) - 1);
    }
    IH_FAIL(IH_ECONFIG, "%s: unknown value \"%s\" (expected one of: %s)",
            json_path_join(full, sizeof full, path, key), value, choices);
cleanup:
    return rc;
}

static int json_array_item(const cJSON *obj, const char *path, const char *key, int max_n,
                           const cJSON **arr_out, char *full, int full_size)
{
    int rc = 0;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
    *arr_out = NULL;
    json_path_join(full, full_size, path, key);
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        IH_FAIL(IH_ECONFIG, "%s: expected an array", full);
    int n = cJSON_GetArraySize(arr);
    if (n < 1 || n > max_n)
        IH_FAIL(IH_ECONFIG, "%s: expected 1 to %d entries, got %d", full, max_n, n);
    *arr_out = arr;
cleanup:
    return rc;
}

int json_get_int_array(const cJSON *obj, const char *path, const char *key, int min, int max,
                       int *out, int max_n, int *n_out)
{
    int rc = 0;
    char full[512], item_path[540];
    const cJSON *arr = NULL;
    IH_TRY(json_array_item(obj, path, key, max_n, &arr, full, (int)sizeof full));
    if (!arr)
        return 0;
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        long v = 0;
        snprintf(item_path, sizeof item_path, "%s[%d]", full, i);
        IH_TRY(json_number_to_long(c, item_path, min, max, &v));
        out[i] = (int)v;
    }
    *n_out = i;
cleanup:
    return rc;
}

int json_get_double_array(const cJSON *obj, const char *path, const char *key, double min,
                          double max, double *out, int max_n, int *n_out)
{
    int rc = 0;
    char full[512];
    const cJSON *arr = NULL;
    IH_TRY(json_array_item(obj, path, key, max_n, &arr, full, (int)sizeof full));
    if (!arr)
        return 0;
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble) || c->valuedouble < min ||
            c->valuedouble > max)
            IH_FAIL(IH_ECONFIG, "%s[%d]: expected a number in [%g, %g]", full, i, min, max);
        out[i] = c->valuedouble;
    }
    *n_out = i;
cleanup:
    return rc;
}
