/* Phase-change timing of design 4.4: t* (first eval below 0.4 ln 2), the 0.9 ln 2 and 0.5 ln 2
 * crossings, the eval of steepest descent of the smoothed loss against log(sequences), and the
 * censoring time (last usable eval). A run that never crossed has t* NaN and crossed 0: its t* is
 * only known to exceed t_censor. Reads a finished (or partial) eval curve; skips unused slots and
 * non-finite losses. Logarithms
 * use logf so the result does not depend on the CPU's libm variant (doc/design.md 14). */
#include "ihsweep/metrics.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>

#define PHASE_LN2 0.69314718055994531
#define PHASE_SMOOTH_HALF 2 /* centred window of 2*2+1 = 5 evals */

/* First usable eval with loss < threshold, NaN if none. */
static double first_below(const double *x, const double *y, int m, double threshold)
{
    for (int k = 0; k < m; k++)
        if (y[k] < threshold)
            return x[k];
    return NAN;
}

/* Eval of steepest descent of the smoothed loss against log x, over the evals with x > 0 only
 * (x = 0 has no logarithm, and the untrained model's loss must not leak into the smoothing). */
static double steepest(const double *x, const double *y, int m, double *smooth)
{
    while (m > 0 && x[0] <= 0.0) {
        x++;
        y++;
        m--;
    }
    for (int k = 0; k < m; k++) {
        int lo = k - PHASE_SMOOTH_HALF < 0 ? 0 : k - PHASE_SMOOTH_HALF;
        int hi = k + PHASE_SMOOTH_HALF >= m ? m - 1 : k + PHASE_SMOOTH_HALF;
        double s = 0.0;
        for (int i = lo; i <= hi; i++)
            s += y[i];
        smooth[k] = s / (double)(hi - lo + 1);
    }
    double best = 0.0, at = NAN;
    for (int k = 1; k + 1 < m; k++) {
        double dlog = (double)logf((float)x[k + 1]) - (double)logf((float)x[k - 1]);
        if (!(dlog > 0.0))
            continue;
        double d = (smooth[k + 1] - smooth[k - 1]) / dlog;
        if (d < best) {
            best = d;
            at = x[k];
        }
    }
    return at;
}

int metrics_phase_timing(const int64_t *eval_seq, const float *loss, int n, PhaseTiming *out)
{
    int rc = 0;
    double *x = NULL, *y = NULL, *smooth = NULL;
    out->t_star = out->t_09 = out->t_05 = out->t_steepest = out->t_censor = NAN;
    out->crossed = 0;
    if (n < 0 || (n > 0 && (!eval_seq || !loss)))
        IH_FAIL(IH_EINTERNAL, "phase timing: bad curve (n = %d)", n);
    IH_ALLOC(x, n);
    IH_ALLOC(y, n);
    IH_ALLOC(smooth, n);
    int m = 0;
    for (int k = 0; k < n; k++)
        if (eval_seq[k] >= 0 && isfinite(loss[k])) {
            x[m] = (double)eval_seq[k];
            y[m] = (double)loss[k];
            m++;
        }
    if (m == 0)
        goto cleanup;
    out->t_censor = x[m - 1];
    out->t_star = first_below(x, y, m, 0.4 * PHASE_LN2);
    out->crossed = !isnan(out->t_star);
    out->t_09 = first_below(x, y, m, 0.9 * PHASE_LN2);
    out->t_05 = first_below(x, y, m, 0.5 * PHASE_LN2);
    /* Without a phase change the steepest descent is the early drop onto the plateau. */
    if (out->crossed)
        out->t_steepest = steepest(x, y, m, smooth);
cleanup:
    free(x);
    free(y);
    free(smooth);
    return rc;
}

double metrics_phase_observed(const PhaseTiming *t)
{
    if (t->crossed == 1 || isnan(t->t_censor))
        return t->t_star;
    return t->t_censor;
}
