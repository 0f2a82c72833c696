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

/* ---- clamps ---- */

/* Fills *out from the clamp list arr (a JSON array of clamp objects) found at path ("clamps",
 * "run.clamps"); schema in src/config/clamp_config.c. Symbolic heads are kept; clamp_config_check
 * runs, clamp_config_validate (which needs the model) does not. Errors: IH_ECONFIG. Local. */
int config__clamps_from_json(const cJSON *arr, const char *path, ClampConfig *out);

/* ---- run ---- */

struct RunConfig;
/* Fills *out from a run object at path: run_config_default() first, then every field present.
 * Model dimensions (input_dim, n_labels, context_pairs) default to the data's. Errors: IH_ECONFIG.
 */
int config__run_from_json(const cJSON *obj, const char *path, struct RunConfig *out);

#endif
