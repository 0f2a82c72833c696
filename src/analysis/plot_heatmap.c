/* The t* map: the Kaplan-Meier median phase-change time per cell, over two swept parameters (one
 * panel per condition) or over one parameter and the conditions (one panel). Cells are coloured
 * by log10 t* on a scale shared by all panels, with a colour bar in sequences; a cell whose
 * median was not reached is marked ">T" (T its longest run) and drawn in a colour of its own,
 * never as an ordinary value. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LEVELS = 32, MAX_CONDITIONS = 16 };

typedef struct {
    const AnalysisInput *in;
    int px, py; /* parameter indices (py -1: rows are the conditions, one panel) */
    int nx, ny;
    double xs[MAX_LEVELS]; /* distinct values, ascending */
    double ys[MAX_LEVELS];
    int n_cond;
    int cond_run[MAX_CONDITIONS]; /* a run naming each condition */
    int n_panels;
    KmMedian *km;  /* [n_panels][ny][nx] */
    double lo, hi; /* log10 range of the colour scale */
} Heatmap;

/* Sorted distinct values of parameter p over all runs; -1 if more than MAX_LEVELS. */
static int levels(const AnalysisInput *in, int p, double *out)
{
    int n = 0;
    for (int r = 0; r < in->n_runs; r++) {
        double v = in->params[(size_t)r * in->n_params + p];
        int i = 0;
        while (i < n && out[i] < v)
            i++;
        if (i < n && out[i] == v)
            continue;
        if (n == MAX_LEVELS)
            return -1;
        memmove(out + i + 1, out + i, (size_t)(n - i) * sizeof *out);
        out[i] = v;
        n++;
    }
    return n;
}

static int level_index(const double *xs, int n, double v)
{
    for (int i = 0; i < n; i++)
        if (xs[i] == v)
            return i;
    return -1;
}

void plot__colour_bar(double lo, double hi)
{
    plvpor(0.83, 0.855, 0.22, 0.88);
    plwind(0, 1, lo, hi);
    const int steps = 64;
    for (int s = 0; s < steps; s++) {
        PLFLT y0 = lo + (hi - lo) * s / steps, y1 = lo + (hi - lo) * (s + 1) / steps;
        PLFLT bx[4] = {0, 1, 1, 0}, by[4] = {y0, y0, y1, y1};
        plcol1((s + 0.5) / steps);
        plfill(4, bx, by);
    }
    plcol0(PLOT__FG);
    plbox("bc", 0, 0, "bcstvl", 0, 0);
    plot__log_labels("rv", lo, hi);
    plmtex("r", 5.5, 0.5, 0.5, "median t* (sequences)");
    plvpor(0.83, 0.855, 0.10, 0.15);
    plwind(0, 1, 0, 1);
    PLFLT bx[4] = {0, 1, 1, 0}, by[4] = {0, 0, 1, 1};
    plcol0(PLOT__CENSORED);
    plfill(4, bx, by);
    plcol0(PLOT__FG);
    plbox("bc", 0, 0, "bc", 0, 0);
    plmtex("rv", 0.8, 0.5, 0.0, ">T: not yet");
}

void plot__viridis(void)
{
    PLFLT pos[5] = {0, 0.25, 0.5, 0.75, 1}, r[5] = {0.267, 0.231, 0.129, 0.369, 0.993},
          gr[5] = {0.005, 0.322, 0.569, 0.788, 0.906}, b[5] = {0.329, 0.545, 0.549, 0.384, 0.144};
    plscmap1n(256);
    plscmap1l(1, 5, pos, r, gr, b, NULL);
}

static void draw_heatmap(const void *ctx)
{
    const Heatmap *h = ctx;
    const AnalysisInput *in = h->in;
    plot__viridis();
    char xlabel[64], ylabel[64];
    snprintf(xlabel, sizeof xlabel, "%s", analysis_param_label(in, h->px));
    snprintf(ylabel, sizeof ylabel, "%s", h->py >= 0 ? analysis_param_label(in, h->py) : "");
    for (int c = 0; c < h->n_panels; c++) {
        char title[256];
        if (h->py >= 0)
            snprintf(title, sizeof title, "%s: median t* over seeds (crossed/runs)",
                     in->condition[h->cond_run[c]]);
        else
            snprintf(title, sizeof title, "median t* over seeds by condition and %s (crossed/runs)",
                     xlabel);
        pladv(0);
        plvpor(0.16, 0.76, 0.14, 0.88);
        plwind(-0.5, h->nx - 0.5, -0.5, h->ny - 0.5);
        for (int j = 0; j < h->ny; j++)
            for (int i = 0; i < h->nx; i++) {
                const KmMedian *km = &h->km[((size_t)c * h->ny + j) * h->nx + i];
                PLFLT cx[4] = {i - 0.5, i + 0.5, i + 0.5, i - 0.5};
                PLFLT cy[4] = {j - 0.5, j - 0.5, j + 0.5, j + 0.5};
                double frac = 0;
                int dark = 0;
                if (km->n > 0 && isfinite(km->median)) {
                    frac = h->hi > h->lo ? (log10(km->median) - h->lo) / (h->hi - h->lo) : 0.5;
                    plcol1(frac);
                    dark = frac < 0.6;
                } else {
                    plcol0(km->n > 0 ? PLOT__CENSORED : PLOT__BG);
                }
                plfill(4, cx, cy);
                char text[64], num[32];
                if (km->n > 0) {
                    analysis_format_median(km, num, sizeof num);
                    snprintf(text, sizeof text, "%s (%d/%d)", num, km->n_events, km->n);
                } else {
                    snprintf(text, sizeof text, "no runs");
                }
                plcol0(dark ? PLOT__BG : PLOT__FG);
                plptex(i, j, 1, 0, 0.5, text);
            }
        plcol0(PLOT__FG);
        plbox("bc", 0, 0, "bc", 0, 0);
        for (int i = 0; i < h->nx; i++) {
            char v[32];
            snprintf(v, sizeof v, "%g", h->xs[i]);
            plmtex("b", 1.5, (i + 0.5) / h->nx, 0.5, v);
        }
        for (int j = 0; j < h->ny; j++) {
            char v[96];
            if (h->py >= 0)
                snprintf(v, sizeof v, "%g", h->ys[j]);
            else
                snprintf(v, sizeof v, "%s", in->condition[h->cond_run[j]]);
            plmtex("lv", 0.8, (j + 0.5) / h->ny, 1.0, v);
        }
        pllab("", "", title);
        plmtex("b", 3.2, 0.5, 0.5, xlabel);
        if (h->py >= 0)
            plmtex("l", 4.5, 0.5, 0.5, ylabel);
        plot__colour_bar(h->lo, h->hi > h->lo ? h->hi : h->lo + 1);
    }
}

/* The map's axes: o's choice, else the first two swept primary non-seed parameters. */
static void choose_axes(const AnalysisInput *in, const PlotOptions *o, int *px, int *py)
{
    *px = o->x_param;
    *py = o->y_param;
    if (*px >= 0)
        return;
    for (int p = 0; p < in->n_params; p++) {
        if (analysis_param_is_seed(in->param_names[p]) || !analysis_param_is_swept(in, p) ||
            !analysis_param_is_primary(in, p))
            continue;
        if (*px < 0)
            *px = p;
        else if (*py < 0 && p != *px)
            *py = p;
    }
}

int plot_tstar_heatmap(const AnalysisInput *in, const PlotOptions *o, char *why)
{
    int rc = 0;
    Heatmap h;
    double *t = NULL;
    int8_t *ev = NULL;
    int *cell_of = NULL;
    memset(&h, 0, sizeof h);
    h.in = in;
    choose_axes(in, o, &h.px, &h.py);
    if (h.px < 0) {
        snprintf(why, PLOT_WHY_SIZE, "no swept numeric data parameter to lay out a t* map");
        return PLOT_SKIPPED;
    }
    for (int r = 0; r < in->n_runs; r++) {
        int seen = 0;
        for (int c = 0; c < h.n_cond && !seen; c++)
            seen = strcmp(in->condition[h.cond_run[c]], in->condition[r]) == 0;
        if (seen)
            continue;
        if (h.n_cond == MAX_CONDITIONS) {
            snprintf(why, PLOT_WHY_SIZE, "more than %d conditions", MAX_CONDITIONS);
            return PLOT_SKIPPED;
        }
        h.cond_run[h.n_cond++] = r;
    }
    h.nx = levels(in, h.px, h.xs);
    if (h.py >= 0) {
        h.ny = levels(in, h.py, h.ys);
        h.n_panels = h.n_cond;
    } else {
        h.ny = h.n_cond;
        h.n_panels = 1;
    }
    if (h.nx < 0 || h.ny < 0) {
        snprintf(why, PLOT_WHY_SIZE, "more than %d values on a t* map axis", MAX_LEVELS);
        return PLOT_SKIPPED;
    }
    size_t cells = (size_t)h.n_panels * h.nx * h.ny;
    IH_ALLOC(h.km, cells);
    IH_ALLOC(t, in->n_runs > 0 ? in->n_runs : 1);
    IH_ALLOC(ev, in->n_runs > 0 ? in->n_runs : 1);
    IH_ALLOC(cell_of, in->n_runs > 0 ? in->n_runs : 1);
    for (int r = 0; r < in->n_runs; r++) {
        cell_of[r] = -1;
        if (in->status[r] != RUN_DONE)
            continue;
        int c = 0;
        while (strcmp(in->condition[h.cond_run[c]], in->condition[r]) != 0)
            c++;
        int i = level_index(h.xs, h.nx, in->params[(size_t)r * in->n_params + h.px]);
        int j =
            h.py >= 0 ? level_index(h.ys, h.ny, in->params[(size_t)r * in->n_params + h.py]) : c;
        int panel = h.py >= 0 ? c : 0;
        cell_of[r] = (int)(((size_t)panel * h.ny + j) * h.nx + i);
    }
    h.lo = INFINITY;
    h.hi = -INFINITY;
    for (size_t k = 0; k < cells; k++) {
        int n = 0;
        for (int r = 0; r < in->n_runs; r++)
            if (cell_of[r] == (int)k) {
                double v = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
                ev[n] = isfinite(v);
                t[n++] = isfinite(v) ? v : in->t_censor[r];
            }
        IH_TRY(metrics_km_median(t, ev, n, &h.km[k]));
        double m = h.km[k].median;
        if (isfinite(m) && m > 0) {
            h.lo = fmin(h.lo, log10(m));
            h.hi = fmax(h.hi, log10(m));
        }
    }
    if (!isfinite(h.lo)) { /* nothing reached: a scale around the longest runs */
        for (size_t k = 0; k < cells; k++)
            if (h.km[k].n > 0 && h.km[k].t_max > 0)
                h.hi = fmax(h.hi, log10(h.km[k].t_max));
        if (!isfinite(h.hi)) {
            snprintf(why, PLOT_WHY_SIZE, "no finished run");
            rc = PLOT_SKIPPED;
            goto cleanup;
        }
        h.lo = h.hi - 1;
    }
    int gx, gy;
    plot__grid(h.n_panels, &gx, &gy);
    IH_TRY(plot__figure(o, "tstar_heatmap", gx, gy, draw_heatmap, &h));
cleanup:
    free(h.km);
    free(t);
    free(ev);
    free(cell_of);
    return rc;
}
