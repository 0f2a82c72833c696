/* Field tables of the config module: one table per JSON object (run, model, optimizer, data,
 * source, sampler, evaluator, clamp) lists its keys in canonical order with each key's kind, place
 * in the struct and range. The parser and the canonical writer both walk these tables, so a field
 * is declared once: its key, its accepted range and its place in the canonical JSON. Only for
 * src/config/ (takes cJSON types).
 */
#ifndef IHSWEEP_CONFIG_FIELDS_H
#define IHSWEEP_CONFIG_FIELDS_H

#include <cjson/cJSON.h>
#include <stddef.h>

typedef enum {
    CONFIG_INT,     /* int in [min, max] */
    CONFIG_LONG,    /* long in [min, max] */
    CONFIG_U32,     /* uint32_t (seeds) in [0, 2^32 - 1] */
    CONFIG_BOOL,    /* int 0/1 as JSON true/false */
    CONFIG_FLOAT,   /* float in [min, max] */
    CONFIG_DOUBLE,  /* double in [min, max] */
    CONFIG_ENUM,    /* an enum (int-sized) written as one of names() */
    CONFIG_STRING,  /* char[size] */
    CONFIG_INT3,    /* int[3] (train, val, test), each in [0, 1e8] */
    CONFIG_DOUBLE3, /* double[3] (train, val, test), each in [0, 1e12] */
    CONFIG_NESTED   /* an object or array handled by parse/write below */
} ConfigKind;

typedef struct ConfigField {
    const char *key;
    ConfigKind kind;
    size_t offset; /* into the table's struct */
    size_t size;   /* CONFIG_STRING: buffer size */
    double min, max;
    const char *const *(*names)(void); /* CONFIG_ENUM */
    unsigned only;                     /* nonzero: the field exists only when only & variant */
    /* CONFIG_NESTED: parse fills the field from item (NULL when the key is absent) at path;
     * write returns the field's owned JSON value. */
    int (*parse)(const cJSON *item, const char *path, void *base);
    int (*write)(const void *base, cJSON **out);
} ConfigField;

/* The keys of table[n] for variant (a bit; 0: every key) as a NULL-ended list in keys[max]. */
void config__fields_keys(const ConfigField *table, int n, unsigned variant, const char **keys,
                         int max);

/* Checks obj's keys against the table, then reads every field of the variant in table order into
 * base (absent scalar keys keep base's value; nested fields get their parse callback with the
 * item or NULL). Errors: IH_ECONFIG naming path.key, and the callbacks'. Local. */
int config__fields_parse(const ConfigField *table, int n, unsigned variant, const cJSON *obj,
                         const char *path, void *base);

/* Adds every field of the variant, in table order, from base to the JSON object obj: numbers in
 * the shortest form that reads back to the same value, integers as integers. Errors: IH_ENOMEM
 * and the callbacks'. Local. */
int config__fields_write(const ConfigField *table, int n, unsigned variant, const void *base,
                         cJSON *obj);

/* An owned JSON number item that reads back as exactly v (float: through a double, as the
 * parser reads it). NULL when out of memory. */
cJSON *config__number_double(double v);
cJSON *config__number_float(float v);
cJSON *config__number_long(long v);

#define CONFIG_NFIELDS(t) ((int)(sizeof(t) / sizeof((t)[0])))

#endif
