/* Sweeps: a grid of training runs planned from one sweep file, run across MPI ranks into one
 * results file, resumable after any interruption.
 *
 * A SweepPlan (built by sweep_plan_parse in config/, schema in src/config/sweep_config.c) lists
 * every run with its id, stage, condition, data setting, seed, the run whose heads it binds, and
 * its config as JSON text. sweep_run hands runs to ranks dynamically (a shared table in an MPI
 * window on rank 0, longest critical path first), trains each with train_run, writes each finished
 * run's row independently and resumes from the file and per-run checkpoints. What a row holds
 * depends only on the run's config: never on ranks, scheduling order or interruptions.
 * This module does not parse JSON (config/ does), train (train/) or define the file (io/).
 *
 * Stage binding rules (spec 9.5): a run whose clamps name the symbolic heads "strongest_ih",
 * "pt_head" or "rest_ih" binds them from its source run: the run of its stage's bind_from stage
 * (default: the first stage) with the same data setting (every axis value) and seed, and the
 * bind_condition (default: that stage's first condition). strongest_ih = the source's last-layer
 * head with the highest induction strength at its last measured eval; pt_head = the source's
 * first-layer head with the highest label-position previous-token score there; rest_ih = every
 * last-layer head except strongest_ih. A run is dispatched only once its source is finished; a
 * source that diverged or has no measured heads makes the run "failed" (status 3, redone on
 * resume), never stops the sweep.
 */
#ifndef IHSWEEP_SWEEP_H
#define IHSWEEP_SWEEP_H

#include "ihsweep/results.h"
#include "ihsweep/train.h"

#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

/* One planned run. */
typedef struct {
    int id;        /* row in the results file; the order is documented in sweep_config.c */
    int stage;     /* index into SweepPlan.stage_names */
    int condition; /* index into SweepPlan.condition_names */
    int setting;   /* index into SweepPlan.setting_labels (the axis values; same across stages) */
    int seed;      /* index into SweepPlan.seed_values */
    int source;    /* run whose heads bind this run's symbolic heads; -1: none */
    int has_measures; /* 1 when the run computes progress measures (it can be a source) */
    uint64_t hash;    /* run_config_hash of the planned config (symbolic heads unresolved) */
    long train_iters; /* sequences */
    int n_evals;      /* train_eval_count of the run */
    int n_labels;     /* result dims of the run (the file pads to the largest) */
    int n_probe;
    double cost;  /* estimated GFLOP (sweep_run_cost) */
    char *config; /* owned: the run config as JSON text (run_config_parse reads it) */
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
    double *param_values; /* [n_runs][n_params] */
    int n_heads;          /* common to every run */
    int depth;
    int n_evaluators;
    char **evaluator_names;               /* [n_evaluators] common to every run */
    int max_evals, max_labels, max_probe; /* the results file's dims */
} SweepPlan;

/* Frees a plan and sets *plan = NULL. NULL-safe. Local. */
void sweep_plan_destroy(SweepPlan **plan);

/* Estimated cost of training cfg, in GFLOP: forward+backward of every pass over train_iters
 * sequences plus every eval (evaluator sets, probe set, progress measures on the dense subset).
 * Only a relative measure for scheduling and planning. Local; cannot fail. */
double sweep_run_cost(const RunConfig *cfg);

/* Core-seconds per GFLOP that `ihsweep plan` uses to turn costs into time (measured, plan.c). */
double sweep_seconds_per_gflop(void);

/* Parses a run-id list "0-3,7,10-12" into sel[n_runs] (1 = listed; ids must be < n_runs).
 * Errors: IH_EUSAGE naming the bad item. Local. */
int sweep_runs_parse(const char *spec, int n_runs, unsigned char *sel);

/* Parses a shard "i/n" (0 <= i < n). Errors: IH_EUSAGE. Local. */
int sweep_shard_parse(const char *spec, int *index, int *count);

/* Selects runs into sel[n_runs]: runs_spec (NULL: every run) and, when shard_count > 0, only ids
 * with id % shard_count == shard_index; then, with add_sources, adds the source of every selected
 * run that binds heads (recursively), since it must run first (without: the sources come from
 * another file, SweepRunOptions.heads_from). *n_added (may be NULL) receives how many sources
 * were added. Errors: IH_EUSAGE. Local. */
int sweep_select(const SweepPlan *plan, const char *runs_spec, int shard_index, int shard_count,
                 int add_sources, unsigned char *sel, int *n_added);

/* Fills *out with the plan's results layout (evaluators, dims, params, per-run metadata, sweep
 * text, versions, Slurm job id from the environment). The layout borrows the plan's arrays plus
 * a few owned ones: free it with sweep_layout_release, never results_layout_free. Local.
 * Errors: IH_ENOMEM. */
int sweep_layout_build(const SweepPlan *plan, ResultsLayout *out);
void sweep_layout_release(ResultsLayout *layout);

/* Parses run `run`'s config into *out (symbolic heads unresolved). Errors: IH_ECONFIG. Local. */
int sweep_run_config(const SweepPlan *plan, int run, RunConfig *out);

/* Prints the dry-run listing of the selected runs (sel NULL: all) and the totals. Local. */
void sweep_plan_print(const SweepPlan *plan, const unsigned char *sel, FILE *out);

/* Who trains: every rank including rank 0 (shared), or every rank but rank 0, which only
 * schedules and reports (dedicated). Auto picks dedicated when one-sided access to rank 0's
 * memory does not progress while rank 0 computes (measured at start: osc/pt2pt, UCX without RDMA
 * hardware), shared otherwise (osc/sm on one node, RDMA networks). */
typedef enum { SWEEP_SCHED_AUTO = 0, SWEEP_SCHED_SHARED, SWEEP_SCHED_DEDICATED } SweepScheduler;

typedef struct {
    const char *output;            /* results file path */
    const char *checkpoint_dir;    /* per-run checkpoints; NULL: "<output>.ckpt" (may be node-local) */
    const char *heads_from; /* NULL, or a results file of the same sweep holding the complete
                               rows of the sources of selected runs that are not selected
                               themselves: they bind from there (e.g. a merged source stage) */
    int resume;                    /* continue an existing file (created when missing) */
    int force;                     /* resume even if the file's run hashes differ from the plan's */
    const unsigned char *selected; /* [n_runs] runs to do (NULL: all) */
    volatile sig_atomic_t *stop;   /* set by SIGUSR1/SIGTERM: checkpoint and stop (required) */
    double progress_every;         /* seconds between progress summaries on rank 0 (<= 0: none) */
    FILE *log;                     /* rank 0 progress stream (stderr); NULL: silent */
    SweepScheduler scheduler;
    double simulate; /* > 0: no training (scheduler benchmarks): each run sleeps its estimated
                        time (cost x sweep_seconds_per_gflop) times simulate and writes a
                        placeholder row (sweep__result_simulated); the file says so */
} SweepRunOptions;

typedef struct {
    int stopped;     /* 1 on every rank when any rank stopped on a signal: exit 75, resume */
    int local_error; /* 1 on the rank whose own error (already printed by it) failed the sweep */
    int n_done, n_diverged, n_failed, n_pending; /* rows after this session (selected runs) */
    int n_ran;                                   /* runs trained by this session (all ranks) */
    double wall;          /* seconds from the start of dispatch to the end (rank 0) */
    double train_frac;    /* fraction of rank-seconds spent in train_run */
    double io_frac;       /* fraction spent writing rows and checkpoint cleanup */
    double sched_frac;    /* fraction spent in the scheduler table (MPI window) */
    double idle_frac;     /* fraction waiting (no ready run, or finished before the others) */
    double setup_seconds; /* file create/open/verify before dispatch, and close (rank 0) */
    int dedicated;        /* 1 when rank 0 only scheduled */
    double probe_seconds; /* one-sided access time to rank 0 while it computed (see above) */
} SweepRunReport;

/* Runs the selected runs of plan into opts->output (see the file comment). Collective on comm:
 * every rank passes the same plan, options and selection. Creates the file (refusing an existing
 * one unless opts->resume); with resume, opens it (a file that cannot be opened is moved aside to
 * "<output>.broken-<n>" and a new one created), refuses a file whose layout or run hashes differ
 * from the plan's (unless opts->force and only hashes or texts differ), verifies every row whose
 * status is done/diverged/failed against its checksum, resets torn ones, and skips complete
 * done/diverged rows. Checkpoints live in "<checkpoint_dir>/run-<id>.ckpt" and are removed once
 * the row is written; a node-local checkpoint_dir works too (a run resumed on another node
 * starts afresh, with the same result). On *opts->stop: in-flight runs checkpoint, dispatch
 * stops, the file is closed and report->stopped = 1 everywhere (return 0). Progress goes to opts->log on rank 0.
 * Errors (the same on every rank; report->local_error marks the rank that failed): IH_EIO (file
 * exists without resume), IH_EDATA (layout mismatch), IH_ECONFIG, IH_EHDF5, IH_EMPI, IH_ENOMEM. */
int sweep_run(MPI_Comm comm, const SweepPlan *plan, const SweepRunOptions *opts,
              SweepRunReport *report);

/* Prints the progress summary and t* table of the results file at path (opened read-only on
 * MPI_COMM_SELF); sel (NULL: all runs) restricts the table and, when given, lists those runs one
 * per line. The sweep's stages and data settings are rebuilt from the file's sweep text.
 * Local (MPI initialised). Errors: IH_ENOENT, RESULTS_EBROKEN, IH_EHDF5, IH_ENOMEM. */
int sweep_status_print(const char *path, const char *runs_spec, FILE *out);

/* A broken Slurm launch seen before MPI_Init, from the environment alone: srun tasks (SLURM_PROCID, more
 * than one task in the step) with neither PMIx (PMIX_RANK) nor mpirun (OMPI_COMM_WORLD_SIZE).
 * Debian's Open MPI aborts inside MPI_Init in that case, so this runs first. Local.
 * Errors: IH_EUSAGE naming the fix. */
int sweep_check_launch_env(void);

/* Fails with IH_EUSAGE and a message naming the fix when the job looks like a broken Slurm launch:
 * SLURM_NTASKS (or SLURM_STEP_NUM_TASKS) > 1 while comm has one rank (srun without PMIx starts
 * every task as its own singleton MPI job). Local. */
int sweep_check_launch(MPI_Comm comm);

#endif
