/* Sweeps: a grid of training runs planned from one sweep file, run across MPI ranks into one
 * results file, resumable after any interruption.
 *
 * A SweepPlan (sweep_plan.h; built by sweep_plan_parse in config/, schema in
 * src/config/sweep_config.c) lists
 * every run with its id, stage, condition, data setting, seed, the run whose heads it binds, and
 * its config as JSON text. sweep_run hands runs to ranks dynamically (a shared table in an MPI
 * window on rank 0, longest critical path first), trains each with train_run, writes each finished
 * run's row independently (or sends it to rank 0, which writes every row: SweepWriteMode) and
 * resumes from the file and per-run checkpoints. What a row holds
 * depends only on the run's config: never on ranks, scheduling order or interruptions.
 * This module does not parse JSON (config/ does), train (train/) or define the file (io/).
 *
 * Stage binding rules (design 9.5): a run whose clamps name the symbolic heads "strongest_ih",
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
#include "ihsweep/sweep_plan.h"
#include "ihsweep/train.h"

#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

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

/* Totals of the selected runs (sel NULL: all) from the plan's cost estimates. */
typedef struct {
    int n_runs;
    double sequences, gflop;
    double core_seconds;          /* estimated seconds on one core */
    double critical_path_seconds; /* longest chain of runs that bind heads from each other */
    int busy_ranks;      /* ranks the selection keeps busy: core_seconds / critical path, <= runs */
    int ranks;           /* the ranks wall_seconds is for */
    double wall_seconds; /* max(core_seconds / ranks, critical path) */
} SweepPlanTotals;

/* Fills *t for the selection and ranks (>= 1). Local; cannot fail. */
void sweep_plan_totals(const SweepPlan *plan, const unsigned char *sel, int ranks,
                       SweepPlanTotals *t);

/* The listing as one JSON object: sweep, file, seconds_per_gflop, params (field paths), runs
 * (id, stage, condition, binds_from, setting, seed_field, seed, params, sequences, evals,
 * est_gflop, est_seconds, chain_seconds, hash), totals (SweepPlanTotals for ranks) and layout.
 * Local. */
void sweep_plan_print_json(const SweepPlan *plan, const unsigned char *sel, int ranks, FILE *out);

/* Who trains: every rank including rank 0 (shared), or every rank but rank 0, which only
 * schedules and reports (dedicated). Auto picks dedicated when one-sided access to rank 0's
 * memory does not progress while rank 0 computes (measured at start: osc/pt2pt, UCX without RDMA
 * hardware), shared otherwise (osc/sm on one node, RDMA networks). */
typedef enum { SWEEP_SCHED_AUTO = 0, SWEEP_SCHED_SHARED, SWEEP_SCHED_DEDICATED } SweepScheduler;

/* Who writes rows into the results file: every rank its own runs' rows, with independent MPI-IO
 * writes into the one file (parallel; needs a file system where concurrent writes from several
 * nodes are coherent: local, Lustre, GPFS, BeeGFS), or rank 0 alone, which opens the file on
 * MPI_COMM_SELF and writes the rows the other ranks send it as messages (funnel; safe on NFS and
 * other network file systems). Auto picks funnel where the results file's folder is on a file
 * system of the NFS kind (NFS, SMB, FUSE), parallel elsewhere. The file's bytes are the same. */
typedef enum { SWEEP_WRITE_AUTO = 0, SWEEP_WRITE_PARALLEL, SWEEP_WRITE_FUNNEL } SweepWriteMode;

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
    SweepWriteMode write_mode;
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
    int funnel;           /* 1 when rank 0 wrote every row (SWEEP_WRITE_FUNNEL, chosen or auto) */
} SweepRunReport;

/* Runs the selected runs of plan into opts->output (see the file comment). Collective on comm:
 * every rank passes the same plan, options and selection. Creates the file (refusing an existing
 * one unless opts->resume); with resume, opens it (a file that cannot be opened is moved aside to
 * "<output>.broken-<n>" and a new one created), refuses a file whose layout or run hashes differ
 * from the plan's (unless opts->force and only hashes or texts differ), verifies every row whose
 * status is done/diverged/failed against its checksum, resets torn ones, and skips complete
 * done/diverged rows. Checkpoints live in "<checkpoint_dir>/run-<id>.ckpt" and are removed once
 * the row is written; a node-local checkpoint_dir works too (a run resumed on another node
 * starts afresh, with the same result). In funnel mode (opts->write_mode) only rank 0 opens the
 * file (on MPI_COMM_SELF), verifies its rows and writes every row; the other ranks never open it,
 * and a run's checkpoint is removed once rank 0 has written its row. On *opts->stop: in-flight runs
 * checkpoint, dispatch stops, the file is closed and report->stopped = 1 everywhere (return 0).
 * Progress goes to opts->log on rank 0. Errors (the same on every rank; report->local_error marks
 * the rank that failed): IH_EIO (file exists without resume), IH_EDATA (layout mismatch),
 * IH_ECONFIG, IH_EHDF5, IH_EMPI, IH_ENOMEM. */
int sweep_run(MPI_Comm comm, const SweepPlan *plan, const SweepRunOptions *opts,
              SweepRunReport *report);

/* Prints the progress summary and t* table of the results file at path (opened read-only on
 * MPI_COMM_SELF); sel (NULL: all runs) restricts the table and, when given, lists those runs one
 * per line. Unfinished runs are running (a checkpoint "<path>.ckpt/run-<id>.ckpt" written in the
 * last 15 minutes), interrupted (an older one) or pending; the ETA assumes as many ranks as runs
 * are running and the speed of the done runs. json != 0 prints one JSON object instead (counts
 * by state, ETA, one object per run). The sweep's stages and data settings are rebuilt from the
 * file's sweep text. Local (MPI initialised). Errors: IH_ENOENT, RESULTS_EBROKEN, IH_EHDF5,
 * IH_ENOMEM. */
int sweep_status_print(const char *path, const char *runs_spec, int json, FILE *out);

/* A broken Slurm launch seen before MPI_Init, from the environment alone: srun tasks (SLURM_PROCID,
 * more than one task in the step) with neither PMIx (PMIX_RANK) nor mpirun (OMPI_COMM_WORLD_SIZE).
 * Debian's Open MPI aborts inside MPI_Init in that case, so this runs first. Local.
 * Errors: IH_EUSAGE naming the fix. */
int sweep_check_launch_env(void);

/* Fails with IH_EUSAGE and a message naming the fix when the job looks like a broken Slurm launch:
 * SLURM_NTASKS (or SLURM_STEP_NUM_TASKS) > 1 while comm has one rank (srun without PMIx starts
 * every task as its own singleton MPI job). Local. */
int sweep_check_launch(MPI_Comm comm);

#endif
