/* Field paths for the sweep parser: "data.class_split[0]" parsed into segments, values set at a
 * path in a cJSON tree (axis values, overrides, --set), and a path located in the raw JSON text so
 * that errors can say file:line:col. The locator is a small skipping scanner over text that
 * json_parse already accepted; it does not validate JSON and does not unescape keys (a key with
 * escapes is simply not found, and the nearest ancestor is reported instead).
 */
#include "config/json.h"
#include "config/sections.h"

#include "ihsweep/error.h"

#include <stdio.h>
#include <string.h>

void config__path_key(ConfigPath *p, const char *key)
{
    if (p->n >= CONFIG_PATH_MAX_SEGS)
        return;
    ConfigPathSeg *s = &p->seg[p->n++];
    s->is_index = 0;
    s->index = 0;
    snprintf(s->key, sizeof s->key, "%s", key);
}

void config__path_index(ConfigPath *p, int index)
{
    if (p->n >= CONFIG_PATH_MAX_SEGS)
        return;
    ConfigPathSeg *s = &p->seg[p->n++];
    s->is_index = 1;
    s->index = index;
    s->key[0] = '\0';
}

int config__path_parse(const char *field, const char *what, ConfigPath *out)
{
    int rc = 0;
    const char *s = field;
    memset(out, 0, sizeof *out);
    if (!s[0])
        IH_FAIL(IH_ECONFIG, "%s: empty field path", what);
    while (*s) {
        if (out->n >= CONFIG_PATH_MAX_SEGS)
            IH_FAIL(IH_ECONFIG, "%s: \"%s\" has more than %d parts", what, field,
                    CONFIG_PATH_MAX_SEGS);
        if (*s == '[') {
            long v = 0;
            int digits = 0;
            for (s++; *s >= '0' && *s <= '9' && digits < 6; s++, digits++)
                v = v * 10 + (*s - '0');
            if (!digits || *s != ']')
                IH_FAIL(IH_ECONFIG, "%s: \"%s\" has a bad index (expected [0], [1], ...)", what,
                        field);
            s++;
            config__path_index(out, (int)v);
        } else {
            size_t n = strcspn(s, ".[]");
            if (n == 0 || n >= sizeof out->seg[0].key)
                IH_FAIL(IH_ECONFIG,
                        "%s: \"%s\" is not a field path (keys separated by '.', "
                        "indices as [i])",
                        what, field);
            char key[sizeof out->seg[0].key];
            memcpy(key, s, n);
            key[n] = '\0';
            config__path_key(out, key);
            s += n;
        }
        if (*s == '.') {
            s++;
            if (!*s || *s == '.' || *s == '[')
                IH_FAIL(IH_ECONFIG, "%s: \"%s\" is not a field path (empty key)", what, field);
        } else if (*s && *s != '[') {
            IH_FAIL(IH_ECONFIG, "%s: \"%s\" is not a field path", what, field);
        }
    }
cleanup:
    return rc;
}

const char *config__path_format(const ConfigPath *p, char *buf, int size)
{
    int used = 0;
    buf[0] = '\0';
    for (int i = 0; i < p->n && used < size; i++) {
        const ConfigPathSeg *s = &p->seg[i];
        int n;
        if (s->is_index)
            n = snprintf(buf + used, (size_t)(size - used), "[%d]", s->index);
        else if (strpbrk(s->key, ".[]"))
            n = snprintf(buf + used, (size_t)(size - used), "[\"%s\"]", s->key);
        else
            n = snprintf(buf + used, (size_t)(size - used), "%s%s", i ? "." : "", s->key);
        if (n < 0)
            break;
        used += n;
    }
    return buf;
}

int config__path_is_prefix(const ConfigPath *a, const ConfigPath *b)
{
    if (a->n > b->n)
        return 0;
    for (int i = 0; i < a->n; i++) {
        const ConfigPathSeg *x = &a->seg[i], *y = &b->seg[i];
        if (x->is_index != y->is_index)
            return 0;
        if (x->is_index ? x->index != y->index : strcmp(x->key, y->key) != 0)
            return 0;
    }
    return 1;
}

int config__tree_set(cJSON *root, const ConfigPath *p, const cJSON *value, const char *what)
{
    int rc = 0;
    char at[512];
    cJSON *node = root, *copy = NULL;
    ConfigPath prefix = {0};
    if (p->n == 0)
        IH_FAIL(IH_ECONFIG, "%s: empty field path", what);
    for (int i = 0; i < p->n; i++) {
        const ConfigPathSeg *s = &p->seg[i];
        const int last = i == p->n - 1;
        cJSON *child;
        if (s->is_index) {
            if (!cJSON_IsArray(node) || s->index >= cJSON_GetArraySize(node))
                IH_FAIL(IH_ECONFIG,
                        "%s: the config has no array element %s[%d] to set "
                        "(set the whole array instead)",
                        what, config__path_format(&prefix, at, (int)sizeof at), s->index);
            child = cJSON_GetArrayItem(node, s->index);
        } else {
            if (!cJSON_IsObject(node))
                IH_FAIL(IH_ECONFIG, "%s: %s is not an object, so it has no field \"%s\"", what,
                        prefix.n ? config__path_format(&prefix, at, (int)sizeof at) : "the config",
                        s->key);
            child = cJSON_GetObjectItemCaseSensitive(node, s->key);
        }
        if (last) {
            copy = cJSON_Duplicate(value, 1);
            if (!copy)
                IH_FAIL(IH_ENOMEM, "%s: out of memory copying a value", what);
            cJSON_bool ok;
            if (s->is_index)
                ok = cJSON_ReplaceItemInArray(node, s->index, copy);
            else if (child)
                ok = cJSON_ReplaceItemInObjectCaseSensitive(node, s->key, copy);
            else
                ok = cJSON_AddItemToObject(node, s->key, copy);
            if (!ok)
                IH_FAIL(IH_ENOMEM, "%s: out of memory setting a value", what);
            copy = NULL;
        } else if (!child) {
            child = cJSON_AddObjectToObject(node, s->key);
            if (!child)
                IH_FAIL(IH_ENOMEM, "%s: out of memory adding an object", what);
        }
        node = child;
        prefix.seg[prefix.n++] = *s;
    }
cleanup:
    cJSON_Delete(copy);
    return rc;
}

/* ---- locating a path in the text ---- */

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

static const char *skip_string(const char *s)
{
    for (s++; *s && *s != '"'; s++)
        if (*s == '\\' && s[1])
            s++;
    return *s ? s + 1 : s;
}

static const char *skip_value(const char *s)
{
    s = skip_ws(s);
    if (*s == '"')
        return skip_string(s);
    if (*s == '{' || *s == '[') {
        const char close = *s == '{' ? '}' : ']';
        const int object = *s == '{';
        for (s++;;) {
            s = skip_ws(s);
            if (!*s)
                return s;
            if (*s == close)
                return s + 1;
            if (object) {
                s = skip_ws(skip_string(s));
                if (*s == ':')
                    s++;
            }
            s = skip_ws(skip_value(s));
            if (*s == ',')
                s++;
            else if (*s != close)
                return s;
        }
    }
    while (*s && !strchr(",]} \t\r\n", *s))
        s++;
    return s;
}

/* The value of key in the object at s, or NULL. */
static const char *find_key(const char *s, const char *key)
{
    const size_t klen = strlen(key);
    for (s = skip_ws(s + 1);;) {
        if (*s != '"')
            return NULL;
        const char *k = s + 1, *after = skip_string(s);
        s = skip_ws(after);
        if (*s != ':')
            return NULL;
        s = skip_ws(s + 1);
        if ((size_t)(after - 1 - k) == klen && memcmp(k, key, klen) == 0)
            return s;
        s = skip_ws(skip_value(s));
        if (*s != ',')
            return NULL;
        s = skip_ws(s + 1);
    }
}

/* The element index of the array at s, or NULL. */
static const char *find_index(const char *s, int index)
{
    s = skip_ws(s + 1);
    if (*s == ']')
        return NULL;
    for (int i = 0; i < index; i++) {
        s = skip_ws(skip_value(s));
        if (*s != ',')
            return NULL;
        s = skip_ws(s + 1);
    }
    return s;
}

int config__text_locate(const char *text, const ConfigPath *p, int *line, int *col)
{
    const char *s = skip_ws(text), *found = s;
    int matched = 0;
    for (int i = 0; i < p->n; i++) {
        const ConfigPathSeg *seg = &p->seg[i];
        const char *next = NULL;
        if (seg->is_index && *s == '[')
            next = find_index(s, seg->index);
        else if (!seg->is_index && *s == '{')
            next = find_key(s, seg->key);
        if (!next)
            break;
        s = found = next;
        matched = i + 1;
    }
    *line = 1;
    *col = 1;
    for (const char *c = text; c < found; c++) {
        if (*c == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
    return matched;
}
