/* The phase-change map: the Kaplan-Meier median t* (over the seeds) against a swept data
 * parameter, one line per condition on log-log axes, with the 95% interval as bars. A condition
 * whose median was not reached at some value is drawn there as an upward arrow from its longest
 * run ("> T"), never as a point; an interval whose upper end was not reached gets an arrow too.
 * The figure a sweep over data parameters is run for. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LEVELS = 32, MAX_CONDITIONS = 16 };

typedef struct {
    const AnalysisInput *in;
    int px;
    int nx;
    double xs[MAX_LEVELS];
    int n_cond;
    int cond_run[MAX_CONDITIONS];
    KmMedian *km;              /* [n_cond][nx] */
    double xlo, xhi, ylo, yhi; /* log10 */
} PhaseMap;

/* An upward arrow at (x, y0) (log10 coordinates) of length len, with a head. */
static void arrow_up(double x, double y0, double len)
{
    PLFLT ax[2] = {x, x}, ay[2] = {y0, y0 + len};
    plline(2, ax, ay);
    plstring(1, ax + 1, ay + 1, "\u25b2");
}

static void draw_phase_map(const void *ctx)
{
    const PhaseMap *m = ctx;
    const AnalysisInput *in = m->in;
    char xlabel[96], title[200];
    snprintf(xlabel, sizeof xlabel, "%s", analysis_param_label(in, m->px));
    snprintf(title, sizeof title,
             "median t* over seeds (Kaplan-Meier); bars: 95%% interval; \u25b2: not reached");
    double ypad = 0.08 * (m->yhi - m->ylo + 0.1), xpad = 0.08 * (m->xhi - m->xlo + 0.1);
    int chars = 0; /* the legend's longest label */
    for (int c = 0; c < m->n_cond; c++)
        if (plot__text_width(in->condition[m->cond_run[c]]) > chars)
            chars = plot__text_width(in->condition[m->cond_run[c]]);
    plot__panel_room(m->xlo - xpad, m->xhi + xpad, m->ylo - ypad, m->yhi + 2 * ypad, 1, 1, xlabel,
                     "t* (sequences seen)", title, -(double)chars);
    const double arrow = 1.2 * ypad;
    const char *labels[MAX_CONDITIONS];
    int colors[MAX_CONDITIONS];
    for (int c = 0; c < m->n_cond; c++) {
        /* condition c drawn slightly apart so that bars at one value do not hide each other */
        double shift = 0.012 * (m->xhi - m->xlo + 0.3) * (c - 0.5 * (m->n_cond - 1));
        PLFLT lx[MAX_LEVELS], ly[MAX_LEVELS];
        int n = 0;
        plcol0(PLOT__LINE0 + c % PLOT__N_LINES);
        plwidth(2.0);
        for (int i = 0; i < m->nx; i++) {
            const KmMedian *km = &m->km[(size_t)c * m->nx + i];
            if (km->n == 0)
                continue;
            double x = log10(m->xs[i]) + shift;
            if (isnan(km->median)) {
                arrow_up(x, log10(km->t_max), arrow);
                continue;
            }
            double y = log10(km->median);
            lx[n] = x;
            ly[n++] = y;
            double lo = isfinite(km->ci_lo) ? log10(km->ci_lo) : y;
            if (isfinite(km->ci_hi)) {
                PLFLT bx[2] = {x, x}, by[2] = {lo, log10(km->ci_hi)};
                plline(2, bx, by);
            } else { /* upper end not reached: a bar to the longest run, then an arrow */
                PLFLT bx[2] = {x, x}, by[2] = {lo, log10(km->t_max)};
                plline(2, bx, by);
                arrow_up(x, log10(km->t_max), 0.5 * arrow);
            }
            plstring(1, lx + n - 1, ly + n - 1, "\u25cf");
        }
        if (n > 1)
            plline(n, lx, ly);
        plwidth(1.0);
        labels[c] = in->condition[m->cond_run[c]];
        colors[c] = PLOT__LINE0 + c % PLOT__N_LINES;
    }
    plot__legend_outside(m->n_cond, labels, colors, NULL);
}

int plot_phase_map(const AnalysisInput *in, const PlotOptions *o, char *why)
{
    int rc = 0;
    PhaseMap m;
    double *t = NULL;
    int8_t *ev = NULL;
    memset(&m, 0, sizeof m);
    m.in = in;
    m.px = o->x_param;
    for (int p = 0; p < in->n_params && m.px < 0; p++)
        if (!analysis_param_is_seed(in->param_names[p]) && analysis_param_is_swept(in, p) &&
            analysis_param_is_primary(in, p))
            m.px = p;
    if (m.px < 0) {
        snprintf(why, PLOT_WHY_SIZE, "no swept data parameter to draw t* against");
        return PLOT_SKIPPED;
    }
    for (int r = 0; r < in->n_runs; r++) {
        double v = in->params[(size_t)r * in->n_params + m.px];
        if (!(v > 0)) {
            snprintf(why, PLOT_WHY_SIZE, "%s takes a value <= 0 (log axis)",
                     analysis_param_label(in, m.px));
            return PLOT_SKIPPED;
        }
        int i = 0;
        while (i < m.nx && m.xs[i] < v)
            i++;
        if (!(i < m.nx && m.xs[i] == v)) {
            if (m.nx == MAX_LEVELS) {
                snprintf(why, PLOT_WHY_SIZE, "more than %d values of the parameter", MAX_LEVELS);
                return PLOT_SKIPPED;
            }
            memmove(m.xs + i + 1, m.xs + i, (size_t)(m.nx - i) * sizeof *m.xs);
            m.xs[i] = v;
            m.nx++;
        }
        int c = 0;
        while (c < m.n_cond && strcmp(in->condition[m.cond_run[c]], in->condition[r]) != 0)
            c++;
        if (c == m.n_cond) {
            if (m.n_cond == MAX_CONDITIONS) {
                snprintf(why, PLOT_WHY_SIZE, "more than %d conditions", MAX_CONDITIONS);
                return PLOT_SKIPPED;
            }
            m.cond_run[m.n_cond++] = r;
        }
    }
    IH_ALLOC(m.km, (size_t)m.n_cond * m.nx);
    IH_ALLOC(t, in->n_runs);
    IH_ALLOC(ev, in->n_runs);
    m.xlo = log10(m.xs[0]);
    m.xhi = log10(m.xs[m.nx - 1]);
    m.ylo = INFINITY;
    m.yhi = -INFINITY;
    for (int c = 0; c < m.n_cond; c++)
        for (int i = 0; i < m.nx; i++) {
            int n = 0;
            for (int r = 0; r < in->n_runs; r++) {
                if (in->status[r] != RUN_DONE ||
                    strcmp(in->condition[r], in->condition[m.cond_run[c]]) != 0 ||
                    in->params[(size_t)r * in->n_params + m.px] != m.xs[i])
                    continue;
                double v = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
                ev[n] = isfinite(v);
                t[n++] = isfinite(v) ? v : in->t_censor[r];
            }
            KmMedian *km = &m.km[(size_t)c * m.nx + i];
            IH_TRY(metrics_km_median(t, ev, n, km));
            const double vals[4] = {km->median, km->ci_lo, km->ci_hi, km->t_max};
            for (int k = 0; k < 4 && km->n > 0; k++)
                if (isfinite(vals[k]) && vals[k] > 0) {
                    m.ylo = fmin(m.ylo, log10(vals[k]));
                    m.yhi = fmax(m.yhi, log10(vals[k]));
                }
        }
    if (!isfinite(m.ylo)) {
        snprintf(why, PLOT_WHY_SIZE, "no finished run");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    IH_TRY(plot__figure(o, "phase_change_map", 1, 1, draw_phase_map, &m));
cleanup:
    free(m.km);
    free(t);
    free(ev);
    return rc;
}
