/* A planned sweep as plain data: every run with its id, stage, condition, data setting, seed,
 * source run and config text, plus the sweep's names and the results file's dims. Built by
 * sweep_plan_parse (config.h), consumed by sweep/ (scheduling, files) and the CLI. Also the cost
 * model that plans and schedules by. No MPI, no HDF5, no JSON here.
 */
#ifndef IHSWEEP_SWEEP_PLAN_H
#define IHSWEEP_SWEEP_PLAN_H

#include "ihsweep/train.h"

#include <stdint.h>

/* One planned run. */
typedef struct {
    int id;        /* row in the results file; the order is documented in sweep_config.c */
    int stage;     /* index into SweepPlan.stage_names */
    int condition; /* index into SweepPlan.condition_names */
    int setting;   /* index into SweepPlan.setting_labels (the axis values; same across stages) */
    int seed;      /* index into SweepPlan.seed_values */
    int source;    /* run whose heads bind this run's symbolic heads; -1: none */
    int has_measures; /* 1 when the run computes progress measures (it can be a source) */
    uint64_t hash;    /* run_config_text_hash of config (the run hash a results file stores) */
    long train_iters; /* sequences */
    int n_evals;      /* train_eval_count of the run */
    int n_labels;     /* result dims of the run (the file pads to the largest) */
    int n_probe;
    double cost;  /* estimated GFLOP (sweep_run_cost) */
    char *config; /* owned: the planned config (symbolic heads unresolved) as canonical JSON
                     text (run_config_write; run_config_parse reads it) */
} SweepRun;

/* A planned sweep. Every array is owned by the plan (sweep_plan_destroy). */
typedef struct SweepPlan {
    char name[128];
    char *source_name; /* the file name given to sweep_plan_parse */
    char *text;        /* the sweep file text as given */
    int n_runs;
    SweepRun *runs; /* [n_runs] in id order */
    int n_stages;
    char **stage_names; /* [n_stages] */
    int n_conditions;
    char **condition_names; /* [n_conditions] */
    int n_settings;
    char **setting_labels; /* [n_settings] "field=value field=value" ("" without axes) */
    int n_seeds;
    long *seed_values;   /* [n_seeds] */
    char seed_field[64]; /* JSON path the seeds set ("init_seed") */
    int n_params;
    char **param_names;   /* [n_params] dotted JSON paths ("data.class_split[0]", "init_seed") */
    char **param_labels;  /* [n_params] short names: an axis' label on its first parameter ("K"),
                             "" on parameters that move with it, "seed" on the seed field */
    double *param_values; /* [n_runs][n_params] */
    int n_heads;          /* common to every run */
    int depth;
    int n_evaluators;
    char **evaluator_names;               /* [n_evaluators] common to every run */
    int max_evals, max_labels, max_probe; /* the results file's dims */
} SweepPlan;

/* The default short name of a swept parameter (dotted path, maybe with a component "[i]"):
 * "K" for data.class_split[0] (training classes), "L" for data.n_labels, otherwise the last key
 * of the path with its component ("relabel_split[1]"). Writes into buf and returns it. Local. */
const char *sweep_param_label(const char *param_name, char *buf, size_t size);

/* Frees a plan and sets *plan = NULL. NULL-safe. Local. */
void sweep_plan_destroy(SweepPlan **plan);

/* Estimated cost of training cfg, in GFLOP: forward+backward of every pass over train_iters
 * sequences plus every eval (evaluator sets, probe set, progress measures on the dense subset).
 * Only a relative measure for scheduling and planning. Local; cannot fail. */
double sweep_run_cost(const RunConfig *cfg);

/* Core-seconds per GFLOP that `ihsweep plan` uses to turn costs into time (measured, plan.c). */
double sweep_seconds_per_gflop(void);

#endif
