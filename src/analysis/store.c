/* Writes the analysis into the results file under /analysis, replacing what an earlier analyze
 * stored, through the io layer's derived tables (results.h: results_table_*); no HDF5 here.
 *
 *   /analysis/timing [group]   (absent while no run has finished) condition, key parameters (named
 * by their labels, e.g. "K"), n_runs, n_done, n_crossed, n_diverged, n_failed, and per measure
 *                              <m>_km_median, <m>_km_ci_lo, <m>_km_ci_hi (Kaplan-Meier over the
 *                              seeds; NaN: not reached), <m>_max_observed (a NaN median means
 *                              "> this"), <m>_n_event, <m>_mean_event, <m>_sd_event,
 *                              <m>_gm_ci_lo_event, <m>_gm_ci_hi_event (runs with the event only;
 *                              log-scale interval); attributes n_pending, replicates, censoring
 *   /analysis/fits [fit]       condition, parameter (label), parameter_path, n, n_censored,
 *                              converged, slope, slope_se, slope_ci_lo, slope_ci_hi, intercept,
 *                              sigma (censored log-normal fits); attribute model
 *   /analysis/pca              components[component, feature], mean[feature],
 *                              explained_variance[component], explained_variance_ratio,
 *                              trajectory[run, eval, component]; attributes n_rows,
 *                              total_variance
 */
#include "ihsweep/analysis.h"
#include "ihsweep/pca.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names this module uses in /analysis/timing: a key parameter with one of them is prefixed. */
static int reserved_timing_name(const char *name)
{
    static const char *const names[] = {"group",     "condition",  "n_runs",  "n_done",
                                        "n_crossed", "n_diverged", "n_failed"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return strncmp(name, "t_", 2) == 0;
}

static int store_timing(ResultsFile *f, const AnalysisInput *in, const AnalysisGroups *g)
{
    int rc = 0;
    const int n = g->n_groups;
    ResultsTable *t = NULL;
    double *col = NULL;
    int *icol = NULL;
    const char **names = NULL;
    const char *dim[1] = {"group"};
    IH_ALLOC(col, n > 0 ? n : 1);
    IH_ALLOC(icol, n > 0 ? n : 1);
    IH_ALLOC(names, n > 0 ? n : 1);
    IH_TRY(results_table_create(f, "timing", &t));
    IH_TRY(results_table_add_dim(t, "group", n));
    for (int k = 0; k < n; k++)
        names[k] = in->condition[g->groups[k].first_run];
    IH_TRY(results_table_write_strings(t, "condition", "group", names));
    for (int j = 0; j < g->n_keys; j++) {
        const int p = g->keys[j];
        const char *label = analysis_param_label(in, p);
        char name[256];
        snprintf(name, sizeof name, "%s%s", reserved_timing_name(label) ? "param." : "", label);
        for (int k = 0; k < n; k++)
            col[k] = in->params[(size_t)g->groups[k].first_run * in->n_params + p];
        IH_TRY(results_table_write_f64(t, name, 1, dim, col, NULL));
    }
    static const char *const count_names[] = {"n_runs", "n_done", "n_crossed", "n_diverged",
                                              "n_failed"};
    for (int c = 0; c < 5; c++) {
        for (int k = 0; k < n; k++) {
            const AnalysisGroup *gr = &g->groups[k];
            int v[5] = {gr->n_runs, gr->n_done, gr->n_done - gr->n_never_crossed, gr->n_diverged,
                        gr->n_failed};
            icol[k] = v[c];
        }
        IH_TRY(results_table_write_i32(t, count_names[c], "group", icol, NULL));
    }
    static const char *const stat_names[] = {"km_median",      "km_ci_lo",      "km_ci_hi",
                                             "max_observed",   "mean_event",    "sd_event",
                                             "gm_ci_lo_event", "gm_ci_hi_event"};
    for (int m = 0; m < ANALYSIS_N_TIMES; m++) {
        char name[64];
        const char *tn = analysis_time_name((AnalysisTime)m);
        for (int s = 0; s < 8; s++) {
            for (int k = 0; k < n; k++) {
                const KmMedian *km = &g->groups[k].km[m];
                const SampleStats *st = &g->groups[k].time[m];
                double v[8] = {km->median, km->ci_lo, km->ci_hi, km->t_max,
                               st->mean,   st->sd,    st->ci_lo, st->ci_hi};
                col[k] = v[s];
            }
            snprintf(name, sizeof name, "%s_%s", tn, stat_names[s]);
            IH_TRY(results_table_write_f64(t, name, 1, dim, col, "sequences"));
        }
        for (int k = 0; k < n; k++)
            icol[k] = g->groups[k].time[m].n;
        snprintf(name, sizeof name, "%s_n_event", tn);
        IH_TRY(results_table_write_i32(t, name, "group", icol, NULL));
    }
    IH_TRY(results_table_attr_i32(t, "n_pending", g->n_pending));
    IH_TRY(results_table_attr_string(t, "replicates", "seeds"));
    IH_TRY(results_table_attr_string(
        t, "censoring",
        "a done run without the event is right-censored at its last eval; km_*: Kaplan-Meier "
        "median and 95% interval over the done runs (NaN: not reached, > max_observed); "
        "*_event: statistics of the runs with the event only"));
cleanup:
    results_table_close(&t);
    free(col);
    free(icol);
    free(names);
    return rc;
}

static int store_fits(ResultsFile *f, const AnalysisInput *in, const AnalysisFit *fits, int n)
{
    int rc = 0;
    ResultsTable *t = NULL;
    double *col = NULL;
    int *icol = NULL;
    const char **names = NULL;
    const char *dim[1] = {"fit"};
    IH_ALLOC(col, n);
    IH_ALLOC(icol, n);
    IH_ALLOC(names, n);
    IH_TRY(results_table_create(f, "fits", &t));
    IH_TRY(results_table_add_dim(t, "fit", n));
    for (int k = 0; k < n; k++)
        names[k] = in->condition[fits[k].first_run];
    IH_TRY(results_table_write_strings(t, "condition", "fit", names));
    for (int k = 0; k < n; k++)
        names[k] = analysis_param_label(in, fits[k].param);
    IH_TRY(results_table_write_strings(t, "parameter", "fit", names));
    for (int k = 0; k < n; k++)
        names[k] = in->param_names[fits[k].param];
    IH_TRY(results_table_write_strings(t, "parameter_path", "fit", names));
    static const char *const int_names[] = {"n", "n_censored", "converged"};
    for (int c = 0; c < 3; c++) {
        for (int k = 0; k < n; k++) {
            int v[3] = {fits[k].fit.n, fits[k].n_never_crossed, fits[k].fit.converged};
            icol[k] = v[c];
        }
        IH_TRY(results_table_write_i32(t, int_names[c], "fit", icol, NULL));
    }
    static const char *const names_f[] = {"slope",       "slope_se",  "slope_ci_lo",
                                          "slope_ci_hi", "intercept", "sigma"};
    for (int s = 0; s < 6; s++) {
        for (int k = 0; k < n; k++) {
            const TobitFit *x = &fits[k].fit;
            double v[6] = {x->slope,       x->slope_se,  x->slope_ci_lo,
                           x->slope_ci_hi, x->intercept, x->sigma};
            col[k] = v[s];
        }
        IH_TRY(results_table_write_f64(t, names_f[s], 1, dim, col, NULL));
    }
    IH_TRY(results_table_attr_string(
        t, "model",
        "ln t* = intercept + slope ln(parameter) + N(0, sigma^2); censored (Tobit) maximum "
        "likelihood, runs that did not cross censored at ln t_censor; Wald interval with "
        "t(n-2) and se scaled by sqrt(n/(n-2))"));
cleanup:
    results_table_close(&t);
    free(col);
    free(icol);
    free(names);
    return rc;
}

static int store_pca(ResultsFile *f, const EssentialDynamics *ed)
{
    int rc = 0;
    const PcaResult *p = ed->pca;
    ResultsTable *t = NULL;
    double *ratio = NULL;
    IH_TRY(results_table_create(f, "pca", &t));
    IH_TRY(results_table_add_dim(t, "run", ed->n_runs));
    IH_TRY(results_table_add_dim(t, "eval", ed->max_evals));
    IH_TRY(results_table_add_dim(t, "component", p->k));
    IH_TRY(results_table_add_dim(t, "feature", p->n_cols));
    const char *cf[2] = {"component", "feature"}, *tr[3] = {"run", "eval", "component"};
    IH_TRY(results_table_write_f64(t, "components", 2, cf, p->components, NULL));
    IH_TRY(results_table_write_f64(t, "mean", 1, cf + 1, p->mean, NULL));
    IH_TRY(results_table_write_f64(t, "explained_variance", 1, cf, p->variance, NULL));
    IH_ALLOC(ratio, p->k);
    for (int c = 0; c < p->k; c++)
        ratio[c] = p->total_variance > 0 ? p->variance[c] / p->total_variance : 0;
    IH_TRY(results_table_write_f64(t, "explained_variance_ratio", 1, cf, ratio, NULL));
    IH_TRY(results_table_write_f64(t, "trajectory", 3, tr, ed->trajectory, NULL));
    IH_TRY(results_table_attr_i32(t, "n_rows", ed->n_rows));
    IH_TRY(results_table_attr_f64(t, "total_variance", p->total_variance));
cleanup:
    results_table_close(&t);
    free(ratio);
    return rc;
}

int analysis_store(ResultsFile *f, const AnalysisInput *in, const AnalysisGroups *g,
                   const AnalysisFit *fits, int n_fits, const EssentialDynamics *ed)
{
    int rc = 0;
    IH_TRY(results_analysis_reset(f));
    if (g->n_groups > 0) /* nothing finished yet: an empty /analysis */
        IH_TRY(store_timing(f, in, g));
    if (n_fits > 0)
        IH_TRY(store_fits(f, in, fits, n_fits));
    if (ed)
        IH_TRY(store_pca(f, ed));
    IH_TRY(results_flush(f));
cleanup:
    return rc;
}
