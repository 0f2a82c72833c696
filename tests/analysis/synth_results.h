/* A small synthetic results file with known phase-change times, written through the io API, for
 * the analysis and plot tests.
 *
 * Runs: conditions x K x L x seeds, in that nesting order, parameters "data.n_train_classes" (K),
 * "data.fs_relabel" (L) and "seed". Each run's t* is a known eval (synth_t_star) and its loss
 * curve crosses 0.4 ln 2 exactly there; run 1 never crosses, run 2 diverges and the last run is
 * left pending. Probe logits move smoothly with training so that PCA has structure to find.
 */
#ifndef IHSWEEP_TEST_SYNTH_RESULTS_H
#define IHSWEEP_TEST_SYNTH_RESULTS_H

#include <mpi.h>

enum { SYNTH_EVAL_EVERY = 1000, SYNTH_MAX_EVALS = 40 };

typedef struct {
    int n_conditions; /* at most 4 */
    int n_k;          /* K values 50, 100, 200 (first n_k) */
    int n_l;          /* L values 5, 10 (first n_l) */
    int n_seeds;
    int n_heads;
    int n_probe;
    int n_labels;
    int no_runs; /* 1: write the layout only (every run pending) */
} SynthSpec;

/* Number of runs of spec. */
int synth_n_runs(const SynthSpec *s);

/* Condition name, K, L and seed of run r. */
const char *synth_condition(int c);
void synth_run_params(const SynthSpec *s, int r, int *c, double *K, double *L, int *seed);

/* Status the file gives run r (1 done, 2 diverged, 0 pending). */
int synth_status(const SynthSpec *s, int r);

/* Known t* of run r in sequences seen (NaN unless done and crossed); *crossed gets 0 for the run
 * that never crosses (censored at synth_t_censor). */
double synth_t_star(const SynthSpec *s, int r, int *crossed);

/* Run r's last eval in sequences seen (its censoring time). */
double synth_t_censor(const SynthSpec *s, int r);

/* Evals recorded by run r (some runs stop early). */
int synth_n_evals(const SynthSpec *s, int r);

/* Probe logit (probe p, label l) of run r at eval e. */
float synth_probe_logit(const SynthSpec *s, int r, int e, int p, int l);

/* Creates path (overwriting) and writes every non-pending run (none with no_runs), run r by
 * rank r % size.
 * Collective on comm. Returns 0 or an IH_E code. */
int synth_results_write(MPI_Comm comm, const char *path, const SynthSpec *s);

#endif
