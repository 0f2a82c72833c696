/* The t* heatmap: mean phase-change time over two parameters, one panel per condition, cells
 * coloured by log10 t* on a colour scale shared by all panels and annotated with the mean (and
 * how many runs it averages). One swept parameter gives a one-row heatmap; none skips. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LEVELS = 32, MAX_CONDITIONS = 16 };

typedef struct {
    const AnalysisInput *in;
    int px, py; /* parameter indices (py -1: one row) */
    int nx, ny;
    double xs[MAX_LEVELS]; /* distinct values, ascending */
    double ys[MAX_LEVELS];
    int n_cond;
    int cond_run[MAX_CONDITIONS]; /* a run naming each condition */
    double *mean;                 /* [n_cond][ny][nx] mean t* (NaN: no done run) */
    int *count;                   /* [n_cond][ny][nx] */
    double lo, hi;                /* log10 range of the colour scale */
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

/* Compact sequence count: 850, 12.3k, 1.25M. */
static void format_seq(double t, char *buf, int size)
{
    if (t >= 1e6)
        snprintf(buf, (size_t)size, "%.3gM", t / 1e6);
    else if (t >= 1e3)
        snprintf(buf, (size_t)size, "%.3gk", t / 1e3);
    else
        snprintf(buf, (size_t)size, "%.0f", t);
}

/* A vertical colour bar right of the panel's viewport: cmap1 over [lo, hi] = log10 t*. */
static void draw_colour_bar(double lo, double hi)
{
    plvpor(0.85, 0.875, 0.14, 0.88);
    plwind(0, 1, lo, hi);
    const int steps = 64;
    for (int s = 0; s < steps; s++) {
        PLFLT y0 = lo + (hi - lo) * s / steps, y1 = lo + (hi - lo) * (s + 1) / steps;
        PLFLT bx[4] = {0, 1, 1, 0}, by[4] = {y0, y0, y1, y1};
        plcol1((s + 0.5) / steps);
        plfill(4, bx, by);
    }
    plcol0(PLOT__FG);
    plbox("bc", 0, 0, "bcmstv", 0, 0);
    plmtex("r", 3.6, 0.5, 0.5, "log10 t*");
}

static void draw_heatmap(const void *ctx)
{
    const Heatmap *h = ctx;
    const AnalysisInput *in = h->in;
    /* viridis */
    PLFLT pos[5] = {0, 0.25, 0.5, 0.75, 1}, r[5] = {0.267, 0.231, 0.129, 0.369, 0.993},
          gr[5] = {0.005, 0.322, 0.569, 0.788, 0.906}, b[5] = {0.329, 0.545, 0.549, 0.384, 0.144};
    plscmap1n(256);
    plscmap1l(1, 5, pos, r, gr, b, NULL);
    char xlabel[160], ylabel[160];
    snprintf(xlabel, sizeof xlabel, "%s", in->param_names[h->px]);
    snprintf(ylabel, sizeof ylabel, "%s", h->py >= 0 ? in->param_names[h->py] : "");
    for (int c = 0; c < h->n_cond; c++) {
        char title[200];
        snprintf(title, sizeof title, "%s: mean t* in sequences seen (n runs)",
                 in->condition[h->cond_run[c]]);
        pladv(0);
        plvpor(0.14, 0.80, 0.14, 0.88);
        plwind(-0.5, h->nx - 0.5, -0.5, h->ny - 0.5);
        for (int j = 0; j < h->ny; j++)
            for (int i = 0; i < h->nx; i++) {
                size_t cell = ((size_t)c * h->ny + j) * h->nx + i;
                double m = h->mean[cell];
                PLFLT cx[4] = {i - 0.5, i + 0.5, i + 0.5, i - 0.5};
                PLFLT cy[4] = {j - 0.5, j - 0.5, j + 0.5, j + 0.5};
                double frac = 0;
                if (isfinite(m) && m > 0) {
                    frac = h->hi > h->lo ? (log10(m) - h->lo) / (h->hi - h->lo) : 0.5;
                    plcol1(frac);
                } else {
                    plcol0(PLOT__GREY);
                }
                plfill(4, cx, cy);
                char text[48], num[24];
                if (isfinite(m) && m > 0) {
                    format_seq(m, num, sizeof num);
                    snprintf(text, sizeof text, "%s (n=%d)", num, h->count[cell]);
                } else {
                    snprintf(text, sizeof text, "no runs");
                }
                plcol0(isfinite(m) && frac < 0.6 ? PLOT__BG : PLOT__FG);
                plptex(i, j, 1, 0, 0.5, text);
            }
        plcol0(PLOT__FG);
        plbox("bc", 0, 0, "bc", 0, 0);
        for (int i = 0; i < h->nx; i++) {
            char v[32];
            snprintf(v, sizeof v, "%g", h->xs[i]);
            plmtex("b", 1.5, (i + 0.5) / h->nx, 0.5, v);
        }
        for (int j = 0; j < h->ny && h->py >= 0; j++) {
            char v[32];
            snprintf(v, sizeof v, "%g", h->ys[j]);
            plmtex("lv", 0.8, (j + 0.5) / h->ny, 1.0, v);
        }
        pllab("", "", title);
        plmtex("b", 3.2, 0.5, 0.5, xlabel);
        plmtex("l", 4.5, 0.5, 0.5, ylabel);
        draw_colour_bar(h->lo, h->hi > h->lo ? h->hi : h->lo + 1);
    }
}

/* The heatmap's axes: o's choice, else the first two swept non-seed parameters. */
static void choose_axes(const AnalysisInput *in, const PlotOptions *o, int *px, int *py)
{
    *px = o->x_param;
    *py = o->y_param;
    if (*px >= 0)
        return;
    for (int p = 0; p < in->n_params; p++) {
        if (analysis_param_is_seed(in->param_names[p]) || !analysis_param_is_swept(in, p))
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
    memset(&h, 0, sizeof h);
    h.in = in;
    choose_axes(in, o, &h.px, &h.py);
    if (h.px < 0) {
        snprintf(why, PLOT_WHY_SIZE, "no swept numeric data parameter to lay out a heatmap");
        return PLOT_SKIPPED;
    }
    h.nx = levels(in, h.px, h.xs);
    h.ny = 1;
    h.ys[0] = 0;
    if (h.py >= 0)
        h.ny = levels(in, h.py, h.ys);
    if (h.nx < 0 || h.ny < 0) {
        snprintf(why, PLOT_WHY_SIZE, "more than %d values on a heatmap axis", MAX_LEVELS);
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
    size_t cells = (size_t)h.n_cond * h.nx * h.ny;
    IH_ALLOC(h.mean, cells);
    IH_ALLOC(h.count, cells);
    for (int r = 0; r < in->n_runs; r++) {
        double t = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
        if (in->status[r] != RUN_DONE || !isfinite(t))
            continue;
        int c = 0;
        while (strcmp(in->condition[h.cond_run[c]], in->condition[r]) != 0)
            c++;
        int i = level_index(h.xs, h.nx, in->params[(size_t)r * in->n_params + h.px]);
        int j =
            h.py >= 0 ? level_index(h.ys, h.ny, in->params[(size_t)r * in->n_params + h.py]) : 0;
        size_t cell = ((size_t)c * h.ny + j) * h.nx + i;
        h.mean[cell] += t;
        h.count[cell]++;
    }
    h.lo = INFINITY;
    h.hi = -INFINITY;
    for (size_t k = 0; k < cells; k++) {
        h.mean[k] = h.count[k] ? h.mean[k] / h.count[k] : NAN;
        if (isfinite(h.mean[k]) && h.mean[k] > 0) {
            h.lo = fmin(h.lo, log10(h.mean[k]));
            h.hi = fmax(h.hi, log10(h.mean[k]));
        }
    }
    if (!isfinite(h.lo)) {
        snprintf(why, PLOT_WHY_SIZE, "no finished run with a positive t*");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    int gx, gy;
    plot__grid(h.n_cond, &gx, &gy);
    IH_TRY(plot__figure(o, "tstar_heatmap", gx, gy, draw_heatmap, &h));
cleanup:
    free(h.mean);
    free(h.count);
    return rc;
}
