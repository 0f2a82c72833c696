/* Kaplan-Meier estimate of the median phase-change time over replicate runs, some of which may
 * not have crossed the threshold yet (right-censored at their last eval). Pure; allocates only
 * a sort buffer. Used by analysis tables and by `ihsweep status`, so it lives below both. */
#include "ihsweep/metrics.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double t;
    int event;
} SurvPoint;

/* Time ascending; at equal times events before censorings (a run censored at t was still at
 * risk when another crossed at t). */
static int cmp_point(const void *a, const void *b)
{
    const SurvPoint *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return y->event - x->event;
}

int metrics_km_median(const double *time, const int8_t *event, int n, KmMedian *out)
{
    int rc = 0;
    SurvPoint *p = NULL;
    *out = (KmMedian){0, 0, NAN, NAN, NAN, NAN};
    if (n < 0)
        IH_FAIL(IH_EINTERNAL, "km median: n = %d", n);
    IH_ALLOC(p, n > 0 ? n : 1);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(time[i]) && (event[i] == 0 || event[i] == 1)) {
            p[m].t = time[i];
            p[m].event = event[i];
            out->n_events += event[i];
            if (!(out->t_max >= time[i]))
                out->t_max = time[i];
            m++;
        }
    out->n = m;
    qsort(p, (size_t)m, sizeof *p, cmp_point);
    const double z = 1.959963984540054;
    double s = 1.0, greenwood = 0.0;
    int at_risk = m;
    for (int i = 0; i < m;) {
        int j = i, d = 0;
        while (j < m && p[j].t == p[i].t) {
            d += p[j].event;
            j++;
        }
        if (d > 0) {
            s *= 1.0 - (double)d / at_risk;
            double lo = 0.0, hi = 0.0; /* every run at risk crossed: S is 0 for certain */
            if (d < at_risk) {
                greenwood += (double)d / ((double)at_risk * (at_risk - d));
                double half = z * sqrt(greenwood);
                lo = s * exp(-half);
                hi = fmin(1.0, s * exp(half));
            }
            if (isnan(out->median) && s <= 0.5)
                out->median = p[i].t;
            if (isnan(out->ci_lo) && lo <= 0.5)
                out->ci_lo = p[i].t;
            if (isnan(out->ci_hi) && hi <= 0.5)
                out->ci_hi = p[i].t;
        }
        at_risk -= j - i;
        i = j;
    }
cleanup:
    free(p);
    return rc;
}
