/* Shared pieces of the io tests: a small results layout, deterministic rows whose values follow
 * closed formulas (check_results.py recomputes them), a bitwise RunResult comparison, and a
 * comparison of two results files dataset by dataset.
 */
#ifndef IHSWEEP_TESTS_RESULTS_FIXTURE_H
#define IHSWEEP_TESTS_RESULTS_FIXTURE_H

#include "ihsweep/results.h"

enum { FIXTURE_HEADS = 3, FIXTURE_LABELS = 4, FIXTURE_SWEEP_BYTES = 200000 };

/* Fills *out (owned: results_layout_free) with n_runs runs, two evaluators ("fsl_train",
 * "fsl_val_rl"), params "data.n_train_classes" and "seed", FIXTURE_HEADS heads, FIXTURE_LABELS
 * labels, a 200 kB sweep text and the given Slurm job ids. */
int fixture_layout(ResultsLayout *out, int n_runs, int max_evals, int n_probe, const char *job_ids);

/* Writes run `run`'s deterministic values into r (created with the layout's dims); salt shifts
 * some values (a different result for the same run). See results_fixture.c for the formulas. */
void fixture_fill_run(RunResult *r, int run, double salt);

/* Returns 1 if a and b hold the same bits everywhere (printing the first difference), else 0. */
int fixture_results_equal(const RunResult *a, const RunResult *b);

/* Compares two results files with the serial driver: the same datasets, each with the same type,
 * shape and bytes. Returns 1 if equal, else 0 after printing the first difference. Local. */
int fixture_files_equal(const char *path_a, const char *path_b);

#endif
