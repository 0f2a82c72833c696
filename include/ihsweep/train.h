/* One training run end to end (design 2.4-2.6, 4): the run configuration, the loop counted in
 * sequences with evaluations before the step, metrics and progress measures computed online,
 * phase-change timing, divergence handling and checkpoints. MPI-free: a sweep calls train_run on
 * whichever rank; the result depends only on the RunConfig (and the code version).
 */
#ifndef IHSWEEP_TRAIN_H
#define IHSWEEP_TRAIN_H

#include "ihsweep/clamp.h"
#include "ihsweep/data.h"
#include "ihsweep/model.h"
#include "ihsweep/result.h"

#include <signal.h>
#include <stdint.h>

typedef struct RunConfig {
    char name[128];
    ModelConfig model;
    AdamConfig adam;
    DataConfig data;
    ClampConfig clamps;
    uint32_t init_seed;    /* 5 in the paper scripts */
    uint32_t train_seed;   /* 0 */
    uint32_t eval_seed;    /* 1 */
    long train_iters;      /* sequences (1e6 for the baseline) */
    int batch_size;        /* 32 */
    long eval_every;       /* sequences (5000) */
    long ckpt_every;       /* sequences; 0 = only when stopped by a signal */
    int measure_every;     /* progress measures (IS, PT) at every k-th eval; 0 = never */
    int keep_probe_logits; /* store query logits on the probe set at every eval */
    int clamp_progress;    /* also the clamp-based progress measures of design 4.7 (needs heads) */
    int posthoc_wiring;    /* also the Fig 11 wiring ablations of the final model (design 4.5) */
    ClampHeadBindings progress_heads; /* heads for them (-1: unknown); a sweep binds them from the
                                         run's source run, like symbolic clamp heads */
} RunConfig;

/* Dense-set subset a run measures on unless its data config says otherwise (the full 78,400
 * sequences at every eval would cost several times the training). */
enum { RUN_DENSE_SUBSET_DEFAULT = 1024 };

/* The paper's baseline (design 5.1): K=50, L=5, all heads, 1e6 sequences, eval every 5000. */
void run_config_default(RunConfig *cfg);

/* 64-bit hash identifying a resolved configuration within one binary (FNV-1a over the struct,
 * which parsers fill starting from a zeroed default): what a checkpoint records. The run hash of a
 * results file is the hash of the canonical config text instead (run_config_text_hash, config.h),
 * which does not depend on the struct's layout. */
uint64_t run_config_hash(const RunConfig *cfg);

/* Checks the parts of cfg that span modules: model dimensions against the data (input_dim,
 * n_labels, context_pairs), seeds pairwise different, schedules, clamps against the model.
 * Errors: IH_ECONFIG naming the field. Local. */
int run_config_validate(const RunConfig *cfg);

/* Number of evals the schedule of design 2.5 produces (including the final one). */
int train_eval_count(long train_iters, long eval_every, int batch_size);

/* What train_run reports while running; any callback may be NULL. */
typedef struct {
    void *ctx;
    /* after each eval: result holds evals [0, eval_index] */
    void (*on_eval)(void *ctx, const RunResult *result, int eval_index);
} TrainObserver;

typedef struct {
    const char *checkpoint_path; /* where to checkpoint and resume (NULL: no checkpoints) */
    volatile sig_atomic_t *stop; /* when it becomes non-zero: checkpoint at the next step, return
                                    IH_ESTOP */
    TrainObserver observer;
    DataFileReader data_reader;   /* reads file exemplar sources (NULL: generated sources only) */
    const char *final_model_path; /* when set: a checkpoint of the final model, written after the
                                     final eval of a run that did not diverge (a graft source) */
    int reference_eval; /* 1: evaluate every set through the run's general (clamped) forward in
                           batches of batch_size, one pass per measure: the slower reference
                           that tests compare the forward-only evaluation against */
} TrainOptions;

/* Trains one run into result (created by the caller with run_result_create for
 * train_eval_count(...) evals, the data's evaluators, the model's heads, n_probe, n_labels).
 * cfg is trusted: validated once at the edge (run_config_validate after parsing, as `ihsweep
 * train` and sweep planning do) with its symbolic heads resolved (clamp_config_resolve checks the
 * bound heads); nothing below re-checks it.
 * Resumes from opts->checkpoint_path when it holds a valid checkpoint of the same config. A run
 * that diverges is a result (status RUN_DIVERGED), not an error. Errors: IH_ECONFIG, IH_ENOMEM,
 * IH_EIO, IH_EDATA (a checkpoint of another config), IH_ESTOP (stopped by *opts->stop after a
 * checkpoint). Local. */
int train_run(const RunConfig *cfg, const TrainOptions *opts, RunResult *result);

/* Creates the RunResult train_run expects for cfg. Owned *out. */
int train_result_create(const RunConfig *cfg, RunResult **out);

#endif
