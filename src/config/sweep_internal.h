/* Internals of the sweep parser shared by sweep_config.c (reading the sweep object) and
 * sweep_expand.c (building every run from it). Only for src/config/.
 */
#ifndef IHSWEEP_CONFIG_SWEEP_INTERNAL_H
#define IHSWEEP_CONFIG_SWEEP_INTERNAL_H

#include "config/sections.h"

#include "ihsweep/sweep_plan.h"

/* One field swept by an axis (a plain axis has one member, a zip several). */
typedef struct {
    ConfigPath path;     /* the field in the run config */
    char field[256];     /* as written */
    ConfigPath loc;      /* "axes[a]" or "axes[a].zip[k]" in the sweep file */
    const cJSON *values; /* the values array (borrowed from the parsed tree) */
    int axis;
    int numeric;                /* 1: every value is a number; 2: every value an array of numbers */
    int n_components;           /* array length when numeric == 2 */
    unsigned long long varying; /* bit i: component i varies (numeric == 2) */
} SweepMember;

typedef struct {
    int first_member, n_members;
    int n_values;
    char label[32]; /* "label" as given, "" for the default (sweep_param_label) */
} SweepAxis;

typedef struct {
    char name[64];
    const cJSON *clamps; /* borrowed clamp list */
    int has_symbols;
} SweepCondition;

typedef struct {
    char name[64];
    int n_conds;
    int *conds;                 /* [n_conds] indices into the conditions; owned */
    const cJSON *overrides;     /* object field path -> value, or NULL; borrowed */
    ConfigPath *override_paths; /* [children of overrides]; owned */
    int n_overrides;
    int needs_source;          /* some condition uses symbolic heads */
    int bind_stage, bind_cond; /* where the source runs come from (when needs_source) */
} SweepStage;

typedef struct {
    ConfigPath path;
    char field[256];
    cJSON *value; /* owned */
} SweepSet;

typedef struct {
    const char *text, *source;
    cJSON *root;
    const cJSON *base;
    int n_axes, n_members;
    SweepAxis *axes;
    SweepMember *members;
    int seeds_given, seeds_shorthand;
    ConfigPath seed_path;
    char seed_field[64];
    const cJSON *seed_values; /* NULL: the base's seed only */
    int n_seeds;
    int conds_given;
    int n_conds;
    SweepCondition *conds;
    int n_stages;
    SweepStage *stages;
    int n_sets;
    SweepSet *sets;
} SweepParse;

/* Records IH_ECONFIG "<source>:<line>:<col>: <loc>: <message>" (line:col of loc in the text, or of
 * its nearest ancestor there; no position when loc is NULL) and returns IH_ECONFIG. */
int config__sweep_fail(const SweepParse *sp, const ConfigPath *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Builds every run of the parsed sweep into plan (runs, settings, params, result dims).
 * Errors: IH_ECONFIG (with the run and the sweep-file location of the offending field),
 * IH_ENOMEM. */
int config__sweep_expand(const SweepParse *sp, SweepPlan *plan);

#endif
