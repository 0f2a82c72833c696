/* Section parsers of the config module: each reads one module's object out of a parsed JSON tree,
 * so the run-config and sweep parsers can embed it at any path. Only for src/config/ (they take
 * cJSON types). Every parser starts from the module's defaults, rejects unknown keys, and names the
 * offending field by its JSON path (path + "." + key) in IH_ECONFIG errors.
 */
#ifndef IHSWEEP_CONFIG_SECTIONS_H
#define IHSWEEP_CONFIG_SECTIONS_H

#include <cjson/cJSON.h>

#include "ihsweep/clamp.h"
#include "ihsweep/data.h"

/* ---- data ---- */

/* Fills *out from the data object obj found at path ("data", "run.data"): data_config_default()
 * first, then every field present, then data_config_validate(out, path). When "evaluators" is
 * absent the paper's four are used, built from the object's sampler, eval_size and noise_scale.
 * Errors: IH_ECONFIG. Local. */
int config__data_from_json(const cJSON *obj, const char *path, DataConfig *out);
/* The canonical JSON object of cfg (every field, table order; see run_config_write) as an owned
 * tree in *out. Errors: IH_ENOMEM. */
int config__data_to_json(const DataConfig *cfg, cJSON **out);

/* ---- clamps ---- */

/* Fills *out from the clamp list arr (a JSON array of clamp objects) found at path ("clamps",
 * "run.clamps"); schema in src/config/clamp_config.c. Symbolic heads are kept; clamp_config_check
 * runs, clamp_config_validate (which needs the model) does not. Errors: IH_ECONFIG. Local. */
int config__clamps_from_json(const cJSON *arr, const char *path, ClampConfig *out);
/* The canonical JSON array of cfg (each clamp with every key of its type, symbols kept) as an
 * owned tree in *out. Errors: IH_ENOMEM. */
int config__clamps_to_json(const ClampConfig *cfg, cJSON **out);

/* ---- run ---- */

struct RunConfig;
/* Fills *out from a run object at path: run_config_default() first, then every field present.
 * Model dimensions (input_dim, n_labels, context_pairs) default to the data's. Errors: IH_ECONFIG.
 */
int config__run_from_json(const cJSON *obj, const char *path, struct RunConfig *out);

/* ---- sweep (field paths into JSON trees and texts; src/config/sweep_tree.c) ---- */

#define CONFIG_PATH_MAX_SEGS 24
typedef struct {
    int is_index; /* 1: an array index; 0: an object key */
    int index;
    char key[112];
} ConfigPathSeg;
typedef struct {
    int n;
    ConfigPathSeg seg[CONFIG_PATH_MAX_SEGS];
} ConfigPath;

/* Parses a field path "data.class_split[0]" (keys separated by dots, [i] indices) into *out.
 * Errors: IH_ECONFIG naming `what` (e.g. "axes[0].field"). */
int config__path_parse(const char *field, const char *what, ConfigPath *out);
/* Appends a key / an index to p (silently ignored when p is full). */
void config__path_key(ConfigPath *p, const char *key);
void config__path_index(ConfigPath *p, int index);
/* Writes p as text (a key holding '.', '[' or ']' is written ["key"]); returns buf. */
const char *config__path_format(const ConfigPath *p, char *buf, int size);
/* 1 when a is a prefix of b (every segment equal). */
int config__path_is_prefix(const ConfigPath *a, const ConfigPath *b);
/* Sets the value at p in root to a deep copy of value, creating missing objects on the way;
 * indexing needs the array to exist. Errors: IH_ECONFIG naming what, IH_ENOMEM. */
int config__tree_set(cJSON *root, const ConfigPath *p, const cJSON *value, const char *what);
/* Line and column (1-based) in text (valid JSON) of the value at p, or of its deepest ancestor
 * present in the text. Returns the number of segments matched. */
int config__text_locate(const char *text, const ConfigPath *p, int *line, int *col);

#endif
