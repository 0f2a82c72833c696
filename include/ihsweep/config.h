/* Configuration files: JSON text in, validated structs out. The config module is the only place
 * that includes cJSON; errors name the offending field by its JSON path. Each module's section
 * below declares the parser for that module's config struct. Local (no MPI) throughout.
 */
#ifndef IHSWEEP_CONFIG_H
#define IHSWEEP_CONFIG_H

#include "ihsweep/clamp.h"

#include <stdint.h>

/* Reads a whole config file into an owned NUL-terminated string (free()); a file holding a NUL
 * byte is refused. Errors: IH_ENOENT, IH_EIO, IH_EDATA, IH_ENOMEM. Local. */
int config_read_file(const char *path, char **text_out);

/* ---- data (data.h) ---- */
struct DataConfig;

/* Parses a standalone data config, a JSON document {"data": {...}} (schema in
 * src/config/data_config.c; `ihsweep sample` reads these). source_name names the text in errors.
 * Fills *out (defaults, then the fields present) and validates it. Errors: IH_EDATA (JSON syntax),
 * IH_ECONFIG (naming the field, e.g. "data.class_split"). Local. */
int data_config_parse(const char *json_text, const char *source_name, struct DataConfig *out);

/* ---- model ---- */

/* ---- clamps (clamp.h) ---- */
struct ClampConfig;

/* Parses a clamp list, a JSON array of clamp objects (schema in src/config/clamp_config.c; `ihsweep
 * bench --clamp` reads these). source names the text in errors; fields are named "clamps[i]...".
 * Fills *out and runs clamp_config_check (symbolic heads allowed). Errors: IH_EDATA (JSON
 * syntax), IH_ECONFIG (naming the field, e.g. "clamps[2].heads[0]"). Local. */
int clamp_config_parse(const char *json_text, const char *source, struct ClampConfig *out);

/* ---- run (train.h) ---- */

struct RunConfig;
/* Parses a run config (schema in src/config/run_config.c) over the paper's defaults; validation of
 * cross-module rules is run_config_validate's (train_run calls it). Errors: IH_EDATA (JSON syntax,
 * with line:col), IH_ECONFIG (naming the field). Local. */
int run_config_parse(const char *json_text, const char *source_name, struct RunConfig *out);

/* ---- sweep (sweep.h) ---- */

struct SweepPlan;
/* Parses a sweep file (schema in src/config/sweep_config.c) into an owned plan *out (free with
 * sweep_plan_destroy): every run's config built from the base, its axis values, seed, stage
 * overrides, condition and then the command-line overrides sets[n_sets] ("FIELD=VALUE", VALUE JSON
 * or else a string), parsed and validated. source_name names the text in errors, which give
 * file:line:col and the JSON path of the offending field, and for a run-level problem the run.
 * Errors: IH_EDATA (JSON syntax), IH_ECONFIG, IH_EUSAGE (a malformed --set), IH_ENOMEM. Local. */
int sweep_plan_parse(const char *text, const char *source_name, const char *const *sets,
                     int n_sets, struct SweepPlan **out);

/* The sweep text with one axis appended per axes[i] = "FIELD=V1,V2,..." (`--axis`): the values
 * are read as a JSON array "[V1,V2,...]" when that parses, else as strings. *out is an owned,
 * re-printed sweep text (free()); the plan is parsed from it as usual. Local.
 * Errors: IH_EDATA (JSON syntax of text), IH_ECONFIG, IH_EUSAGE (a malformed --axis), IH_ENOMEM. */
int sweep_text_add_axes(const char *text, const char *source, const char *const *axes, int n_axes,
                        char **out);

/* The canonical JSON text of a parsed run config: every field the parser accepts, defaults filled
 * in, keys in the order of the parser's field tables (src/config/run_config.c and the sections it
 * embeds), numbers as the shortest text that reads back to the same value, integers as integers,
 * symbolic clamp heads as their symbols, no white space. run_config_parse of it gives cfg back
 * field for field, and writing that again gives the same bytes. This is the text a results file
 * stores per run and the run hash covers. *out is owned (free()). Errors: IH_ENOMEM. Local. */
int run_config_write(const struct RunConfig *cfg, char **out);

/* The run hash: 64-bit FNV-1a over a canonical config text (run_config_write). Local. */
uint64_t run_config_text_hash(const char *text);

#endif
