/* The paper's point figures: Fig 4a (each layer-2 head's accuracy when it is the only active one
 * against its final induction strength, all-heads baseline), Fig 4b (t* of the single-head runs
 * per head) and Fig 15 (t* against the strength s of a clamped induction pattern). A point is one
 * seed; a run that never crossed 0.4 ln 2 is an upward arrow from its last eval (its t* is
 * later), never a point; Kaplan-Meier medians over seeds summarise each x. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SEEDS = 10, MAX_X = 32, LABEL = 128 };

#define KEY_STRONGEST "\u25cf the seed's strongest head"
#define KEY_OTHERS "\u25cb its other layer-2 heads"
#define KEY_CENSORED "\u25b2 not crossed: t* above its last eval"
#define KEY_LINE "black line: median over seeds (Kaplan-Meier)"
#define KEY_BAR "black bar: median over seeds (Kaplan-Meier)"

/* The distinct seeds of the finished runs, ascending (at most MAX_SEEDS; later ones share the
 * last colour). */
typedef struct {
    int n;
    double v[MAX_SEEDS];
    char labels[MAX_SEEDS][32];
} Seeds;

static void seeds_collect(const PaperData *d, const int *runs, int n, Seeds *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < n; i++) {
        double v = plot__paper_seed(d, runs[i]);
        int k = 0;
        while (k < s->n && s->v[k] < v)
            k++;
        if ((k < s->n && s->v[k] == v) || s->n == MAX_SEEDS)
            continue;
        memmove(s->v + k + 1, s->v + k, (size_t)(s->n - k) * sizeof *s->v);
        s->v[k] = v;
        s->n++;
    }
    for (int k = 0; k < s->n; k++)
        snprintf(s->labels[k], sizeof s->labels[k], "seed %g", s->v[k]);
}

static int seed_colour(const Seeds *s, double v)
{
    for (int k = 0; k < s->n; k++)
        if (s->v[k] == v)
            return k;
    return s->n > 0 ? s->n - 1 : 0;
}

/* Legend room (plot__panel_room) for seed_legend with these extras. */
static double seed_room(const char *extra0, const char *extra1)
{
    int n = 10;
    n = extra0 && plot__text_width(extra0) > n ? plot__text_width(extra0) : n;
    n = extra1 && plot__text_width(extra1) > n ? plot__text_width(extra1) : n;
    return -(double)n;
}

static void seed_legend(const Seeds *s, const char *extra0, const char *extra1)
{
    const char *labels[MAX_SEEDS + 2];
    int colors[MAX_SEEDS + 2], n = 0;
    for (int k = 0; k < s->n; k++) {
        labels[n] = s->labels[k];
        colors[n++] = PLOT__LINE0 + k % PLOT__N_LINES;
    }
    if (extra0) {
        labels[n] = extra0;
        colors[n++] = PLOT__BG;
    }
    if (extra1) {
        labels[n] = extra1;
        colors[n++] = PLOT__BG;
    }
    plot__legend_outside(n, labels, colors, NULL);
}

static void point(double x, double y, int colour, const char *glyph)
{
    PLFLT px = x, py = y;
    plcol0(PLOT__LINE0 + colour % PLOT__N_LINES);
    plstring(1, &px, &py, glyph);
}

/* An upward arrow from (x, y0) of length len: the run's t* is above y0. */
static void arrow_up(double x, double y0, double len, int colour)
{
    PLFLT ax[2] = {x, x}, ay[2] = {y0, y0 + len};
    plcol0(PLOT__LINE0 + colour % PLOT__N_LINES);
    plwidth(1.5);
    plline(2, ax, ay);
    plwidth(1.0);
    plstring(1, ax + 1, ay + 1, "\u25b2");
}

/* t* (log10) of run r, or NaN with *censor = log10 t_censor. */
static double log_tstar(const AnalysisInput *in, int r, double *censor)
{
    const double t = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
    *censor = in->t_censor[r] > 0 ? log10(in->t_censor[r]) : NAN;
    return in->crossed[r] && isfinite(t) && t > 0 ? log10(t) : NAN;
}

int plot__paper_km(const AnalysisInput *in, const int *runs, int n, KmMedian *km)
{
    int rc = 0;
    double *t = NULL;
    int8_t *ev = NULL;
    IH_ALLOC(t, n);
    IH_ALLOC(ev, n);
    for (int i = 0; i < n; i++) { /* the stored times: ties with t_censor stay ties */
        double c, v = in->times[(size_t)runs[i] * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
        ev[i] = isfinite(log_tstar(in, runs[i], &c));
        t[i] = ev[i] ? v : in->t_censor[runs[i]];
    }
    IH_TRY(metrics_km_median(t, ev, n, km));
cleanup:
    free(t);
    free(ev);
    return rc;
}

/* ---- Fig 4a ---- */

typedef struct {
    const PaperData *d;
    const int *runs;
    int n;
    Seeds seeds;
    double xlo, xhi;
    char title[LABEL * 2];
} Fig4a;

/* A run's final induction strength of head h (its last finite eval). */
static double final_is(const AnalysisInput *in, int r, int h)
{
    for (int e = in->max_evals - 1; e >= 0 && in->induction_strength; e--) {
        float v = in->induction_strength[((size_t)r * in->max_evals + e) * in->n_heads + h];
        if (isfinite(v))
            return v;
    }
    return NAN;
}

static void draw_fig4a(const void *ctx)
{
    const Fig4a *f = ctx;
    const AnalysisInput *in = f->d->in;
    const int H = in->n_heads;
    plot__panel_room(f->xlo, f->xhi, 0.0, 1.05, 0, 0, "final induction strength of the head",
                     "accuracy, only this layer-2 head active", f->title,
                     seed_room(KEY_STRONGEST, KEY_OTHERS));
    if (in->n_labels > 0) {
        char chance[48];
        snprintf(chance, sizeof chance, "chance (1/%d)", in->n_labels);
        plot__hline(f->xlo, f->xhi, 1.0 / in->n_labels, chance);
    }
    for (int i = 0; i < f->n; i++) {
        const int r = f->runs[i], s = f->d->p->strongest_ih[r];
        const int colour = seed_colour(&f->seeds, plot__paper_seed(f->d, r));
        for (int h = 0; h < H; h++) {
            double x = final_is(in, r, h), y = f->d->p->only_head_acc[(size_t)r * H + h];
            if (!isfinite(x) || !isfinite(y))
                continue;
            point(x, y, colour, h == s ? "\u25cf" : "\u25cb");
            char text[16];
            snprintf(text, sizeof text, "%d", h % 1000);
            plschr(0, 0.6);
            plptex(x + 0.012 * (f->xhi - f->xlo), y, 1, 0, 0.0, text);
            plschr(0, 0.85);
        }
    }
    seed_legend(&f->seeds, KEY_STRONGEST, KEY_OTHERS);
}

int plot__paper_fig4a(const PaperData *d, const PlotOptions *o, char *why)
{
    int rc = 0;
    const AnalysisInput *in = d->in;
    int *runs = NULL;
    Fig4a f;
    memset(&f, 0, sizeof f);
    IH_ALLOC(runs, in->n_runs);
    int n = d->ref_run >= 0 ? plot__paper_runs(d, "all_heads", d->ref_run, runs) : 0, m = 0;
    f.xlo = INFINITY;
    f.xhi = -INFINITY;
    for (int i = 0; i < n; i++) { /* keep the runs with post-hoc measures */
        int any = 0;
        for (int h = 0; h < in->n_heads; h++) {
            double x = final_is(in, runs[i], h), y = d->p->only_head_acc[runs[i] * in->n_heads + h];
            if (isfinite(x) && isfinite(y)) {
                any = 1;
                f.xlo = fmin(f.xlo, x);
                f.xhi = fmax(f.xhi, x);
            }
        }
        if (any)
            runs[m++] = runs[i];
    }
    if (m == 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 n ? "the all_heads runs have no post-hoc only-head accuracy"
                   : "no finished run of condition all_heads (stage baseline of main.json)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    double pad = 0.06 * (f.xhi - f.xlo) + 0.02;
    f.xlo -= pad;
    f.xhi += 2 * pad;
    f.d = d;
    f.runs = runs;
    f.n = m;
    seeds_collect(d, runs, m, &f.seeds);
    char setting[LABEL];
    plot__paper_setting(d, runs[0], setting, sizeof setting);
    snprintf(f.title, sizeof f.title,
             "Fig 4a: layer-2 heads, all-heads runs%s%s (%d %s; numbers: head)",
             setting[0] ? ", " : "", setting, m, m == 1 ? "seed" : "seeds");
    rc = plot__figure(o, "fig4a", 1, 1, draw_fig4a, &f);
cleanup:
    free(runs);
    return rc;
}

/* ---- Fig 4b and Fig 15: t* against a discrete x, one point per seed ---- */

typedef struct {
    const PaperData *d;
    int nx;
    double xs[MAX_X];
    int *runs[MAX_X]; /* [nx][n[i]] */
    int n[MAX_X];
    KmMedian km[MAX_X];
    Seeds seeds;
    double xlo, xhi, ylo, yhi; /* y log10 */
    double jitter;             /* x offset between seeds */
    const char *xlabel;
    char title[LABEL * 2];
    KmMedian reference;  /* Fig 15: the unclamped all-heads runs (n 0: none) */
    int median_line;     /* join the medians */
    double median_width; /* Fig 4b: a bar of this width per x */
} TimesFigure;

static void times_free(TimesFigure *f)
{
    for (int i = 0; i < f->nx; i++)
        free(f->runs[i]);
}

static void draw_times(const void *ctx)
{
    const TimesFigure *f = ctx;
    const AnalysisInput *in = f->d->in;
    const double ypad = 0.1 * (f->yhi - f->ylo) + 0.05, arrow = 0.8 * ypad;
    const char *key = f->median_line ? KEY_LINE : KEY_BAR;
    plot__panel_room(f->xlo, f->xhi, f->ylo - ypad, f->yhi + 1.6 * ypad, 0, 1, f->xlabel,
                     "t* (sequences seen)", f->title, seed_room(KEY_CENSORED, key));
    if (f->reference.n > 0) {
        char text[96], med[48];
        analysis_format_median(&f->reference, med, sizeof med);
        /* said under the title: a label on the line would lie over the points */
        snprintf(text, sizeof text, "dashed: all heads, no clamp, median t* %s", med);
        double y = isfinite(f->reference.median) ? f->reference.median : f->reference.t_max;
        plot__hline(f->xlo, f->xhi, log10(y), "");
        plot__text_top(0.9, text, 0.75);
    }
    PLFLT mx[MAX_X], my[MAX_X];
    int nm = 0;
    for (int i = 0; i < f->nx; i++) {
        for (int j = 0; j < f->n[i]; j++) {
            const int r = f->runs[i][j];
            const int colour = seed_colour(&f->seeds, plot__paper_seed(f->d, r));
            double x = f->xs[i] + f->jitter * (colour - 0.5 * (f->seeds.n - 1)), c;
            double y = log_tstar(in, r, &c);
            if (isfinite(y))
                point(x, y, colour, "\u25cf");
            else if (isfinite(c))
                arrow_up(x, c, arrow, colour);
        }
        const KmMedian *km = &f->km[i];
        if (km->n == 0)
            continue;
        plcol0(PLOT__FG);
        plwidth(2.5);
        if (isfinite(km->median)) {
            mx[nm] = f->xs[i];
            my[nm++] = log10(km->median);
            if (f->median_width > 0) {
                PLFLT bx[2] = {f->xs[i] - 0.5 * f->median_width, f->xs[i] + 0.5 * f->median_width};
                PLFLT by[2] = {log10(km->median), log10(km->median)};
                plline(2, bx, by);
            }
        } else { /* median not reached: ">T" above the longest run */
            char text[32], med[32];
            analysis_format_median(km, med, sizeof med);
            snprintf(text, sizeof text, "%s", med);
            plschr(0, 0.7);
            plptex(f->xs[i], log10(km->t_max) + 1.5 * arrow, 1, 0, 0.5, text);
            plschr(0, 0.85);
        }
        plwidth(1.0);
    }
    if (f->median_line && nm > 1) {
        plcol0(PLOT__FG);
        plwidth(2.0);
        plline(nm, mx, my);
        plwidth(1.0);
    }
    seed_legend(&f->seeds, KEY_CENSORED, key);
}

/* Adds x with the finished runs of condition cond, logs their median t*, widens the y range. */
static int times_add(TimesFigure *f, double x, const char *cond, const char *fig, FILE *log)
{
    int rc = 0;
    const PaperData *d = f->d;
    int *runs = NULL;
    if (f->nx == MAX_X)
        return 0;
    IH_ALLOC(runs, d->in->n_runs);
    int n = plot__paper_runs(d, cond, -1, runs);
    if (n == 0)
        goto cleanup;
    f->xs[f->nx] = x;
    f->runs[f->nx] = runs;
    f->n[f->nx] = n;
    IH_TRY(plot__paper_km(d->in, runs, n, &f->km[f->nx]));
    runs = NULL;
    char med[48];
    analysis_format_median(&f->km[f->nx], med, sizeof med);
    fprintf(log, "  %s %s: t* %s, %d/%d crossed\n", fig, cond, med, f->km[f->nx].n_events, n);
    for (int j = 0; j < f->n[f->nx]; j++) {
        double c, y = log_tstar(d->in, f->runs[f->nx][j], &c);
        double v = isfinite(y) ? y : c;
        if (isfinite(v)) {
            f->ylo = fmin(f->ylo, v);
            f->yhi = fmax(f->yhi, v);
        }
    }
    f->nx++;
cleanup:
    free(runs);
    return rc;
}

static void times_init(TimesFigure *f, const PaperData *d)
{
    memset(f, 0, sizeof *f);
    f->d = d;
    f->ylo = INFINITY;
    f->yhi = -INFINITY;
}

static void times_seeds(TimesFigure *f)
{
    int total = 0;
    for (int i = 0; i < f->nx; i++)
        total += f->n[i];
    int *all = malloc(sizeof(int) * (size_t)(total > 0 ? total : 1));
    if (!all)
        return; /* colours then all alike; nothing else depends on it */
    total = 0;
    for (int i = 0; i < f->nx; i++)
        for (int j = 0; j < f->n[i]; j++)
            all[total++] = f->runs[i][j];
    seeds_collect(f->d, all, total, &f->seeds);
    free(all);
}

int plot__paper_fig4b(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    TimesFigure f;
    times_init(&f, d);
    for (int h = 0; h < d->in->n_heads; h++) {
        char cond[32];
        snprintf(cond, sizeof cond, "only_l2h%d", h);
        IH_TRY(times_add(&f, h, cond, "fig4b", log));
    }
    if (f.nx == 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no finished run of conditions only_l2h0..only_l2h%d (main.json stage "
                 "single_head, ids 5-44)",
                 d->in->n_heads - 1);
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    times_seeds(&f);
    f.xlo = -0.7;
    f.xhi = d->in->n_heads - 0.3;
    f.jitter = 0.5 / (f.seeds.n > 1 ? f.seeds.n : 1);
    f.median_width = 0.7;
    f.xlabel = "the one active layer-2 head (paper's L2H0..L2H7)";
    snprintf(f.title, sizeof f.title,
             "Fig 4b: t* with one layer-2 head active, the other %d ablated", d->in->n_heads - 1);
    rc = plot__figure(o, "fig4b", 1, 1, draw_times, &f);
cleanup:
    times_free(&f);
    return rc;
}

int plot__paper_fig15(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    TimesFigure f;
    int *runs = NULL;
    times_init(&f, d);
    IH_ALLOC(runs, d->in->n_runs);
    /* conditions ih_strength_XXX: s = XXX / 100, in order of s */
    for (int v = 0; v <= 100; v++) {
        char cond[32];
        snprintf(cond, sizeof cond, "ih_strength_%03d", v);
        IH_TRY(times_add(&f, v / 100.0, cond, "fig15", log));
    }
    if (f.nx == 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no finished run of conditions ih_strength_* (appendix.json stage ih_strength, "
                 "ids 18-65)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    int n = plot__paper_runs(d, "all_heads", -1, runs);
    if (n > 0) {
        IH_TRY(plot__paper_km(d->in, runs, n, &f.reference));
        double y = isfinite(f.reference.median) ? f.reference.median : f.reference.t_max;
        f.ylo = fmin(f.ylo, log10(y));
        f.yhi = fmax(f.yhi, log10(y));
    }
    times_seeds(&f);
    f.xlo = -0.05;
    f.xhi = 1.05;
    f.jitter = 0.008;
    f.median_line = 1;
    f.xlabel = "clamp strength s (induction strength of the pattern: 2s - 1)";
    snprintf(f.title, sizeof f.title,
             "Fig 15: t* with the induction pattern clamped on the strongest IH at strength s");
    rc = plot__figure(o, "fig15", 1, 1, draw_times, &f);
cleanup:
    times_free(&f);
    free(runs);
    return rc;
}
