/* Phase-change timing tables: grouping runs by condition and swept parameters, statistics over
 * seeds, log-log fits of t* against each data parameter, printing, CSV and the /analysis group of a
 * results file.
 *
 * The core works on an AnalysisInput: plain in-memory arrays, one row per run, so everything but
 * analysis_input_load and analysis_store is a pure function testable without files or MPI.
 * Essential dynamics (PCA of the probe-set predictions) is in pca.h; figures are in plot.h.
 */
#ifndef IHSWEEP_ANALYSIS_H
#define IHSWEEP_ANALYSIS_H

#include "ihsweep/metrics.h"
#include "ihsweep/results.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

/* The timing measures of design 4.4, in this order in tables, CSV and files. Each is NaN for a
 * run in which it did not happen; such a run is right-censored at its t_censor. */
typedef enum {
    ANALYSIS_T_STAR = 0, /* first eval below 0.4 ln 2 (NaN if never: censored) */
    ANALYSIS_T_09,       /* first eval below 0.9 ln 2 */
    ANALYSIS_T_05,       /* first eval below 0.5 ln 2 */
    ANALYSIS_T_STEEPEST, /* eval of steepest loss descent */
    ANALYSIS_N_TIMES
} AnalysisTime;

/* Name of timing measure t as stored ("t_star", "t_09", "t_05", "t_steepest"). Static string. */
const char *analysis_time_name(AnalysisTime t);

/* Everything analysis reads from a results file, one row per run. All arrays are owned by the
 * struct. Curves are NULL when not loaded (max_evals 0); probe logits are either in memory
 * (probe_logits) or read on demand through read_probe. */
typedef struct AnalysisInput {
    int n_runs;
    int n_params;
    char **param_names;  /* [n_params] swept/recorded numeric parameters */
    char **param_labels; /* [n_params] short names ("K"); "" for a parameter that moves with an
                            earlier one of its axis (the rest of a zipped axis or array) */
    double *params;      /* [n_runs][n_params] */
    char **condition;    /* [n_runs] condition (clamp) name */
    int8_t *status;      /* [n_runs] RunStatus: 0 pending, 1 done, 2 diverged, 3 failed */
    int n_corrupt;       /* finished rows that failed their checksum: loaded as pending */
    int8_t *crossed;     /* [n_runs] 1 if t* crossed the 0.4 ln 2 threshold */
    double *times;       /* [n_runs][ANALYSIS_N_TIMES] in sequences seen (NaN undefined) */
    double *t_censor;    /* [n_runs] last usable eval: a measure that is NaN is censored there */

    int max_evals;
    int n_heads;
    int n_probe;
    int n_labels;
    char *loss_name;           /* name of the eval-loss curve, e.g. "fsl_train/loss" */
    int64_t *eval_seq;         /* [n_runs][max_evals] sequences seen (-1 unused) */
    float *eval_loss;          /* [n_runs][max_evals] mean loss of the first evaluator */
    float *train_loss;         /* [n_runs][max_evals] mean train loss since the previous eval */
    float *induction_strength; /* [n_runs][max_evals][n_heads] */
    float *probe_logits;       /* [n_runs][max_evals][n_probe][n_labels] or NULL */
    /* When probe_logits is NULL and n_probe > 0: reads run's evals [e0, e0+ne) into
     * out[ne][n_probe*n_labels]. Local (independent I/O). Returns 0 or a negative IH_E code. */
    int (*read_probe)(void *ctx, int run, int e0, int ne, float *out);
    void *probe_ctx;
    void (*probe_ctx_free)(void *ctx); /* frees probe_ctx in analysis_input_destroy (may be NULL) */
} AnalysisInput;

/* Allocates an input for n_runs runs and the named parameters with every array at its final size:
 * status pending, times NaN, params NaN, conditions "", eval_seq -1, curves NaN, labels the
 * defaults of analysis_default_labels. Curves are
 * allocated only when max_evals > 0; probe_logits only when alloc_probe and n_probe > 0.
 * Returns owned *out. Errors: IH_ENOMEM, IH_ECONFIG (negative sizes). Local. */
int analysis_input_create(int n_runs, int n_params, const char *const *param_names, int max_evals,
                          int n_heads, int n_probe, int n_labels, int alloc_probe,
                          AnalysisInput **out);

/* Sets run's condition name (copied). Errors: IH_ENOMEM. Local. */
int analysis_input_set_condition(AnalysisInput *in, int run, const char *condition);

/* Reads what analysis needs from an open results file: layout metadata, status (rank 0's read,
 * broadcast, so that every rank sees the same finished runs while a sweep is still writing; every
 * finished row is verified against its checksum like `status` and `--resume` do, and one that
 * fails is counted in n_corrupt and loaded as pending),
 * timing summaries, eval_seq, the first evaluator's loss, train loss and induction strength.
 * Probe logits are not read now: in->read_probe reads them on demand (free the input before
 * closing the file). Collective on results_comm(f); every rank gets identical data. Returns owned
 * *out. Errors: IH_EHDF5, IH_EDATA (a dataset's size disagrees with the layout), IH_EMPI,
 * IH_ENOMEM. */
int analysis_input_load(ResultsFile *f, AnalysisInput **out);

/* Frees in (calling probe_ctx_free) and sets *in = NULL. NULL-safe. */
void analysis_input_destroy(AnalysisInput **in);

/* Default parameter labels from the names alone (files written before labels were stored):
 * a component "X[i]" after an earlier component of the same X moves with it (""); seeds are
 * "seed"; any other parameter gets sweep_param_label ("K" for data.class_split[0]). Errors:
 * IH_ENOMEM. Local. */
int analysis_default_labels(AnalysisInput *in);

/* Replaces the labels with labels[n_params] (copied), e.g. the file's. Errors: IH_ENOMEM. */
int analysis_input_set_labels(AnalysisInput *in, char *const *labels);

/* The short name of parameter p: its label, or its name when the label is "". Borrowed. */
const char *analysis_param_label(const AnalysisInput *in, int p);

/* 1 if parameter p names its axis (a non-empty label): the one to fit, plot and print. Local. */
int analysis_param_is_primary(const AnalysisInput *in, int p);

/* Index of parameter name, or -1. Local. */
int analysis_param_index(const AnalysisInput *in, const char *name);

/* Like analysis_param_index, but a name may also be a parameter's label ("K") or the part after
 * the last '.' of a parameter ("n_train_classes" for "data.n_train_classes"). Returns the index, -1
 * if none matches, -2 if several do. Local. */
int analysis_param_lookup(const AnalysisInput *in, const char *name);

/* 1 if parameter p takes more than one distinct value over all runs (pending ones included, so
 * that a partial sweep groups like a finished one). Local. */
int analysis_param_is_swept(const AnalysisInput *in, int p);

/* 1 if parameter name denotes a seed ("seed" anywhere in it): seeds are what statistics average
 * over, never a grouping key or a regressor. */
int analysis_param_is_seed(const char *name);

/* The default grouping keys: every swept parameter that is not a seed, in parameter order.
 * keys must hold n_params ints. Returns the count. Local. */
int analysis_default_keys(const AnalysisInput *in, int *keys);

/* Summary of a sample of positive quantities (times): n finite values, mean, sample sd, and a
 * 95% interval computed on the log scale, exp(m +- t_{0.975,n-1} s / sqrt(n)) with m, s the mean
 * and sd of ln x (the interval of the geometric mean; it stays positive). n = 0: all NaN; n = 1,
 * or a value <= 0: sd (n = 1) and interval NaN. */
typedef struct {
    int n;
    double mean;
    double sd;
    double ci_lo;
    double ci_hi;
} SampleStats;

/* The 0.975 quantile of Student's t with dof degrees of freedom (exact table to 30, a
 * Cornish-Fisher expansion above, error < 1e-5). dof < 1: NaN. */
double analysis_t975(int dof);

/* Statistics of the finite values among x[0..n) (a NaN is a run without the event: it is left
 * out, so the statistics describe only the runs that crossed; say so where they are shown).
 * Local, pure. */
SampleStats analysis_sample_stats(const double *x, int n);

/* Ordinary least squares y = intercept + slope x over n points. Fields NaN when n < 2 (or when
 * x is constant); se and interval need n >= 3. */
typedef struct {
    int n;
    double slope;
    double slope_se;
    double slope_ci_lo; /* slope -+ t_{0.975,n-2} se */
    double slope_ci_hi;
    double intercept;
    double r2;
} OlsFit;

/* Fits y on x over n points. Local, pure. */
OlsFit analysis_ols(const double *x, const double *y, int n);

/* One group: runs of one condition sharing the values of every key parameter. Its condition and
 * key values are those of run `first_run`. The seeds are the replicates. Statistics are over done
 * runs (status 1): km[t] is the Kaplan-Meier median of measure t over all of them (a run without
 * the event is censored at its t_censor; NaN median: not reached, report "> km.t_max");
 * time[t] describes only the runs in which the event happened (crossed runs for t*). */
typedef struct {
    int first_run;
    int n_runs;          /* non-pending runs in the group */
    int n_done;          /* status done: the runs the statistics use */
    int n_never_crossed; /* done runs whose loss never crossed 0.4 ln 2 (t* censored) */
    int n_diverged;
    int n_failed;
    KmMedian km[ANALYSIS_N_TIMES];
    SampleStats time[ANALYSIS_N_TIMES];
} AnalysisGroup;

typedef struct {
    int n_keys;
    int *keys; /* [n_keys] parameter indices */
    int n_groups;
    AnalysisGroup *groups; /* [n_groups], conditions in order of first appearance, keys ascending */
    int *run_group;        /* [n_runs] group of each run, -1 for pending runs */
    int n_pending;         /* runs skipped because they have not finished */
} AnalysisGroups;

/* Groups the non-pending runs of in by condition and the parameters keys[0..n_keys) (borrowed,
 * copied) and computes each group's statistics. Returns owned *out. Errors: IH_ENOMEM,
 * IH_EUSAGE (a key out of range). Local, pure. */
int analysis_group(const AnalysisInput *in, const int *keys, int n_keys, AnalysisGroups **out);

/* Frees g and sets *g = NULL. NULL-safe. */
void analysis_groups_destroy(AnalysisGroups **g);

/* The data settings of g: the distinct key values of its groups, whatever the condition, in group
 * order. setting_group[n_groups] gets each setting's first group, run_setting[n_runs] each run's
 * setting (-1 for pending runs). Returns the number of settings. Local, pure. */
int analysis_settings(const AnalysisInput *in, const AnalysisGroups *g, int *setting_group,
                      int *run_setting);

/* Censored (Tobit) normal regression y = intercept + slope x + sigma e, fitted by maximum
 * likelihood: an observed point (event 1) contributes its density, a censored one (event 0: y is
 * only known to exceed the given value) the probability 1 - Phi((y - mu) / sigma). Newton's
 * method with step control from the least-squares start. The slope's standard error is the Wald
 * error from the observed information scaled by sqrt(n / (n - 2)), and its interval uses
 * t_{0.975, n-2}: with no censored point the fit is exactly ordinary least squares (slope,
 * intercept, se and interval). Fields NaN (converged 0) when n < 3, fewer than 2 events, x
 * constant, or the likelihood has no finite maximum (e.g. every run at one x censored). */
typedef struct {
    int n;        /* points used */
    int n_events; /* observed (uncensored) points */
    int converged;
    double slope;
    double slope_se;
    double slope_ci_lo;
    double slope_ci_hi;
    double intercept;
    double sigma; /* maximum-likelihood residual sd (divisor n) */
} TobitFit;

/* Fits over x[n], y[n], event[n] (1 observed, 0 right-censored at y). Local, pure. */
TobitFit analysis_tobit(const double *x, const double *y, const int8_t *event, int n);

/* A log-normal fit of t* against one parameter over the done runs of one condition: ln t* =
 * intercept + slope ln(param) + normal error, runs that did not cross censored at ln t_censor. */
typedef struct {
    int first_run;       /* a run of the condition (names it) */
    int param;           /* parameter index (a primary one: analysis_param_is_primary) */
    int n_never_crossed; /* censored runs in the fit */
    TobitFit fit;        /* x = ln(param), y = ln(t*) */
} AnalysisFit;

/* For every condition and every swept, primary, non-seed parameter with only positive values,
 * fits ln t* = a + b ln(param) over the done runs (analysis_tobit; crossed runs observed, the
 * others censored at t_censor). Returns an owned array in *fits (NULL when none) and its length.
 * Errors: IH_ENOMEM. Local, pure. */
int analysis_fit_loglog(const AnalysisInput *in, AnalysisFit **fits, int *n_fits);

/* A Kaplan-Meier median as table text: "320k", ">400k" when not reached (by the longest run),
 * "-" without runs; its interval as "[300k, 390k]" or "[300k, >400k]". Local. */
void analysis_format_median(const KmMedian *km, char *buf, size_t size);
void analysis_format_interval(const KmMedian *km, char *buf, size_t size);

/* Prints the grouped timing table, aligned (KM medians of t* with intervals, crossed counts,
 * mean and sd of the crossed runs, medians of the other measures), then the fits. Local. */
void analysis_print_table(FILE *out, const AnalysisInput *in, const AnalysisGroups *g);
void analysis_print_fits(FILE *out, const AnalysisInput *in, const AnalysisFit *fits, int n_fits);

/* Writes the grouped table as CSV (one row per group, every measure's n, mean, sd, interval).
 * Errors: IH_EIO naming path. Local. */
int analysis_write_csv(const char *path, const AnalysisInput *in, const AnalysisGroups *g);

/* Writes the fits as CSV. Errors: IH_EIO naming path. Local. */
int analysis_write_fits_csv(const char *path, const AnalysisInput *in, const AnalysisFit *fits,
                            int n_fits);

struct EssentialDynamics; /* pca.h */

/* Replaces the group /analysis of the open file with the timing table (/analysis/timing), the
 * fits (/analysis/fits) and, when ed is not NULL, essential dynamics (/analysis/pca) (layout in
 * store.c), through the io layer's derived tables. Collective on results_comm(f): every rank
 * passes identical arguments; rank 0 writes the data. Errors: IH_EHDF5, IH_ENOMEM. */
int analysis_store(ResultsFile *f, const AnalysisInput *in, const AnalysisGroups *g,
                   const AnalysisFit *fits, int n_fits, const struct EssentialDynamics *ed);

/* ---- Export (src/analysis/export.c) ---- */

typedef enum {
    ANALYSIS_EXPORT_CSV = 0,
    ANALYSIS_EXPORT_JSON,
    ANALYSIS_EXPORT_NC /* a netCDF-4 file at nc_path (out unused): one variable per column over
                          the dimension "run" (or "row" with curves; run and eval are columns) */
} AnalysisExportFormat;

typedef struct {
    AnalysisExportFormat format;
    const char *nc_path; /* ANALYSIS_EXPORT_NC: the file to write (replaced if there) */
    const char *const *where; /* [n_where] "FIELD=VALUE": keep runs whose column FIELD equals
                                 VALUE (numerically when both are numbers) */
    int n_where;
    /* [n_curves] curves for the long format ("loss": every evaluator's; "fsl_train/loss";
     * "train_loss"); n_curves 0: one row per run */
    const char *const *curves;
    int n_curves;
} AnalysisExportOptions;

/* Writes f as a tidy table to out: one row per run (run, status, condition, stage, each
 * parameter under its short name, init/train/eval seeds, n_evals, final_seq, t_star (empty when
 * not crossed), crossed, t_censor (the last eval of a run that never crossed), t_09, t_05,
 * t_steepest, final train and per-evaluator loss and acc, strongest_ih, pt_head, diverged_seq,
 * wall_seconds), or with curves one row per (run, eval) of finished runs (run, status, condition,
 * stage, parameters, eval, seq, the curves). Rows are not verified against their checksums.
 * CSV, JSON (to out) or netCDF-4 (to o->nc_path: the same columns and values, integers as int64
 * with _FillValue -1, other numbers float64 with NaN, strings as UTF-8 with ""; units from the
 * result tables). Independent reads. Errors: IH_EUSAGE (a --where field or curve that does not exist, naming the
 * nearest), IH_EHDF5, IH_EIO, IH_ENOMEM. */
int analysis_export(ResultsFile *f, const AnalysisExportOptions *o, FILE *out);

#endif
