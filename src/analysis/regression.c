/* Log-log fits of the phase-change time t* against each swept data parameter, per condition:
 * ln t* = a + b ln(param) + normal error over the condition's done runs, b reported with a 95%
 * interval. Runs that never crossed are censored at ln t_censor (a Tobit fit, tobit.c), never
 * used as observed values. Each fit is against one parameter, the one that names its axis; the
 * parameters that move with it (the rest of its zipped axis) move along, other axes are pooled,
 * and a member of a zipped axis that the fitted parameter does not fix is held at its most common
 * value (so a data-variant axis labelled K that pairs K = 50 with L = 5, 10 and 15 and K = 100,
 * 200 with L = 5 fits K over the L = 5 runs). Pure. */
#include "ihsweep/analysis.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double param_at(const AnalysisInput *in, int r, int p)
{
    return in->params[(size_t)r * in->n_params + p];
}

static int in_condition(const AnalysisInput *in, int r, const char *condition)
{
    return in->status[r] == RUN_DONE && strcmp(in->condition[r], condition) == 0;
}

/* For the fit against p: hold[q] = 1 for each swept, non-seed parameter q != p without an axis
 * of its own (an unlabelled member of a zipped axis) that p does not fix over the condition's
 * done runs (two runs with the same p differ in q), and mode[q] its most
 * common value there (ties: the first met). */
static void held_parameters(const AnalysisInput *in, const char *condition, int p, int *hold,
                            double *mode)
{
    for (int q = 0; q < in->n_params; q++) {
        hold[q] = 0;
        if (q == p || analysis_param_is_seed(in->param_names[q]) ||
            analysis_param_is_primary(in, q) || !analysis_param_is_swept(in, q))
            continue;
        int best = 0;
        for (int a = 0; a < in->n_runs; a++) {
            if (!in_condition(in, a, condition))
                continue;
            int count = 0;
            for (int b = 0; b < in->n_runs; b++) {
                if (!in_condition(in, b, condition))
                    continue;
                count += param_at(in, b, q) == param_at(in, a, q);
                hold[q] |= param_at(in, b, p) == param_at(in, a, p) &&
                           param_at(in, b, q) != param_at(in, a, q);
            }
            if (count > best) {
                best = count;
                mode[q] = param_at(in, a, q);
            }
        }
    }
}

/* Collects the condition's usable (ln param, ln t*) points among the runs whose held parameters
 * (held_parameters) take their most common value; returns -1 if a value of the parameter is not
 * positive (the parameter cannot be fitted on a log scale). */
static int collect_points(const AnalysisInput *in, const char *condition, int p, const int *hold,
                          const double *mode, double *x, double *y, int8_t *event, int *n_never)
{
    int n = 0;
    *n_never = 0;
    for (int r = 0; r < in->n_runs; r++) {
        if (!in_condition(in, r, condition))
            continue;
        int held = 1;
        for (int q = 0; q < in->n_params && held; q++)
            held = !hold[q] || param_at(in, r, q) == mode[q];
        if (!held)
            continue;
        double t = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
        const int crossed = isfinite(t);
        if (!crossed)
            t = in->t_censor[r];
        double v = param_at(in, r, p);
        if (!(isfinite(t) && t > 0))
            continue;
        if (!(isfinite(v) && v > 0))
            return -1;
        x[n] = log(v);
        y[n] = log(t);
        event[n] = (int8_t)crossed;
        *n_never += !crossed;
        n++;
    }
    return n;
}

static int has_two_values(const double *x, int n)
{
    for (int i = 1; i < n; i++)
        if (x[i] != x[0])
            return 1;
    return 0;
}

int analysis_fit_loglog(const AnalysisInput *in, AnalysisFit **fits, int *n_fits)
{
    int rc = 0;
    AnalysisFit *f = NULL;
    double *x = NULL, *y = NULL;
    int8_t *event = NULL;
    int *params = NULL, *conds = NULL, *hold = NULL;
    double *mode = NULL;
    *fits = NULL;
    *n_fits = 0;
    IH_ALLOC(x, in->n_runs);
    IH_ALLOC(y, in->n_runs);
    IH_ALLOC(event, in->n_runs);
    IH_ALLOC(params, in->n_params);
    IH_ALLOC(conds, in->n_runs);
    IH_ALLOC(hold, in->n_params);
    IH_ALLOC(mode, in->n_params);
    int n_params = 0;
    for (int p = 0; p < in->n_params; p++)
        if (!analysis_param_is_seed(in->param_names[p]) && analysis_param_is_primary(in, p) &&
            analysis_param_is_swept(in, p))
            params[n_params++] = p;
    int n_conds = 0;
    for (int r = 0; r < in->n_runs; r++) {
        int seen = 0;
        for (int c = 0; c < n_conds && !seen; c++)
            seen = strcmp(in->condition[conds[c]], in->condition[r]) == 0;
        if (!seen)
            conds[n_conds++] = r;
    }
    IH_ALLOC(f, (size_t)n_conds * n_params);
    int n = 0;
    for (int c = 0; c < n_conds; c++)
        for (int j = 0; j < n_params; j++) {
            int n_never = 0;
            const char *condition = in->condition[conds[c]];
            held_parameters(in, condition, params[j], hold, mode);
            int m = collect_points(in, condition, params[j], hold, mode, x, y, event, &n_never);
            if (m < 2 || !has_two_values(x, m))
                continue;
            f[n].first_run = conds[c];
            f[n].param = params[j];
            f[n].n_never_crossed = n_never;
            f[n].fit = analysis_tobit(x, y, event, m);
            n++;
        }
    if (n > 0) {
        *fits = f;
        *n_fits = n;
        f = NULL;
    }
cleanup:
    free(f);
    free(x);
    free(y);
    free(event);
    free(params);
    free(conds);
    free(hold);
    free(mode);
    return rc;
}
