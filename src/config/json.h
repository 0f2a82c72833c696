/* JSON reading helpers for the config module (the only place that includes cJSON).
 *
 * Every getter names the offending field by its JSON path ("run.model.d_model") in the error it
 * records, and rejects what cJSON would silently accept (doc/design.md 14): duplicate keys, NUL or
 * invalid \u escapes, non-finite or non-integral numbers where integers are expected, and keys the
 * schema does not know. Not for use outside src/config/.
 */
#ifndef IHSWEEP_CONFIG_JSON_H
#define IHSWEEP_CONFIG_JSON_H

#include <cjson/cJSON.h>

/* Parses text (NUL-terminated) into an owned tree (*out, free with cJSON_Delete). source names the
 * text in errors ("sweeps/x.json"); a syntax error reports line:col. Duplicate keys and bad escapes
 * are errors. Errors: IH_EDATA. Local. */
int json_parse(const char *text, const char *source, cJSON **out);

/* Reads a whole file into an owned NUL-terminated string. Errors: IH_ENOENT, IH_EIO, IH_ENOMEM. */
int json_read_file(const char *path, char **text_out);

/* Joins a parent path and a key into buf ("run.model" + "d_model"). Returns buf. */
const char *json_path_join(char *buf, int size, const char *parent, const char *key);

/* Fails with IH_ECONFIG if obj (at path) is not an object or has a key outside allowed (NULL-ended). */
int json_check_keys(const cJSON *obj, const char *path, const char *const *allowed);

/* Getters: when the key is absent, *out keeps its value (the default). Present but wrong type or
 * out of range: IH_ECONFIG naming path.key. */
int json_get_int(const cJSON *obj, const char *path, const char *key, long min, long max,
                 long *out);
int json_get_int32(const cJSON *obj, const char *path, const char *key, int min, int max,
                   int *out);
int json_get_double(const cJSON *obj, const char *path, const char *key, double min, double max,
                    double *out);
int json_get_float(const cJSON *obj, const char *path, const char *key, double min, double max,
                   float *out);
int json_get_bool(const cJSON *obj, const char *path, const char *key, int *out);
/* Copies a string value into buf (size bytes, must fit). */
int json_get_string(const cJSON *obj, const char *path, const char *key, char *buf, int size);
/* Maps a string value to an enum index among names (NULL-ended); *out receives the index. */
int json_get_enum(const cJSON *obj, const char *path, const char *key, const char *const *names,
                  int *out);
/* Reads an array of integers (each in [min,max]) of length 1..max_n into out; *n_out = length. */
int json_get_int_array(const cJSON *obj, const char *path, const char *key, int min, int max,
                       int *out, int max_n, int *n_out);
/* Reads an array of numbers of length 1..max_n. */
int json_get_double_array(const cJSON *obj, const char *path, const char *key, double min,
                          double max, double *out, int max_n, int *n_out);

#endif
