/* The toy model's figures (Fig 5a, Fig 9) from toy-model files, one file per seed (toy_file.h,
 * read by the caller through the io layer): Fig 5a the loss of conditions none, clamp_c and
 * clamp_bc against iteration, Fig 9 the loss and the progress measures 1 - cos^2(a, a*) and the
 * loss at the true b, c of condition none, a panel per seed. Log y axes (the quantities fall over
 * many decades); Fig 5a's curves are the median over seeds with their range as a band, on log10
 * values (values <= 0 are left out); the y axis shows at most 14 decades below the highest
 * value. Reads no file itself. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_POINTS = 2000, MAX_TOY_CURVES = 3, LABEL = 160, MAX_DECADES = 14, MAX_PANELS = 6 };

typedef struct {
    PlotBand band; /* x iteration, y log10 */
    char label[LABEL];
    int color;
} ToyCurve;

typedef struct {
    char title[LABEL];
    char subtitle[LABEL];
    const char *ylabel;
    int n;
    ToyCurve curves[MAX_TOY_CURVES];
    double xlo, xhi, ylo, yhi;
    int inside; /* Fig 9's small panels: 1 legend inside, top right; 2 no legend */
} ToyPanel;

typedef struct {
    int n;
    ToyPanel panels[MAX_PANELS];
    int key; /* 1: the panels' key in the next free subpage (Fig 9) */
} ToyFigure;

/* Which curve of a ToyResult a band is made of. */
typedef enum { TOY_LOSS, TOY_COS2, TOY_TRUE_BC } ToyMeasure;

static const double *measure(const ToyResult *r, ToyMeasure m)
{
    return m == TOY_LOSS ? r->loss : m == TOY_COS2 ? r->one_minus_cos2_a : r->loss_at_true_bc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and range over the seeds s holding condition c of log10(measure) at up to MAX_POINTS
 * iterations 0..longest. Errors: IH_ENOMEM. */
static int toy_band(const ToyResult *const *toys, int n, int c, ToyMeasure m, PlotBand *out)
{
    int rc = 0;
    double *v = NULL;
    memset(out, 0, sizeof *out);
    int iters = -1;
    for (int s = 0; s < n; s++)
        if (toys[s * TOY_CONDITION_COUNT + c] &&
            toys[s * TOY_CONDITION_COUNT + c]->config.iters > iters)
            iters = toys[s * TOY_CONDITION_COUNT + c]->config.iters;
    if (iters < 0)
        return 0;
    const int step = iters / MAX_POINTS + 1, points = iters / step + 2;
    IH_ALLOC(out->x, points);
    IH_ALLOC(out->mid, points);
    IH_ALLOC(out->lo, points);
    IH_ALLOC(out->hi, points);
    IH_ALLOC(v, n);
    for (int j = 0;; j++) { /* every step-th iteration, and the last */
        const int k = j * step < iters ? j * step : iters;
        int got = 0;
        for (int s = 0; s < n; s++) {
            const ToyResult *r = toys[s * TOY_CONDITION_COUNT + c];
            if (!r || k > r->config.iters)
                continue;
            const double y = measure(r, m)[k];
            if (isfinite(y) && y > 0)
                v[got++] = log10(y);
        }
        if (got > 0) {
            qsort(v, (size_t)got, sizeof *v, cmp_double);
            out->x[out->n] = k;
            out->mid[out->n] = got % 2 ? v[got / 2] : 0.5 * (v[got / 2 - 1] + v[got / 2]);
            out->lo[out->n] = v[0];
            out->hi[out->n] = v[got - 1];
            out->n++;
        }
        if (k == iters)
            break;
    }
cleanup:
    free(v);
    if (rc != 0)
        plot__band_free(out);
    return rc;
}

static int add_toy_curve(ToyPanel *p, const ToyResult *const *toys, int n, int c, ToyMeasure m,
                         const char *label, int color)
{
    int rc = 0;
    ToyCurve *tc = &p->curves[p->n];
    IH_TRY(toy_band(toys, n, c, m, &tc->band));
    if (tc->band.n == 0) {
        plot__band_free(&tc->band);
        goto cleanup;
    }
    snprintf(tc->label, sizeof tc->label, "%s", label);
    tc->color = color;
    plot__band_range(&tc->band, &p->xlo, &p->xhi, &p->ylo, &p->yhi);
    p->n++;
cleanup:
    return rc;
}

static void draw_panel(const ToyPanel *p)
{
    int chars = 0;
    for (int i = 0; i < p->n; i++)
        if (plot__text_width(p->curves[i].label) > chars)
            chars = plot__text_width(p->curves[i].label);
    /* at most MAX_DECADES below the top: lower values (rounding noise near 1e-30) are clipped */
    const double ylo = fmax(p->ylo, p->yhi - MAX_DECADES), pad = 0.04 * (p->yhi - ylo) + 0.1;
    plot__panel_room(p->xlo, p->xhi, ylo - pad, p->yhi + pad, 0, 1, "iteration", p->ylabel,
                     p->title, p->inside ? 0.0 : -(double)chars);
    plot__text_top(0.9, p->subtitle, 0.75);
    for (int i = 0; i < p->n; i++)
        plot__band_draw(&p->curves[i].band, p->curves[i].color, 1, 0.0, 1);
    for (int i = 0; i < p->n; i++)
        plot__band_draw(&p->curves[i].band, p->curves[i].color, 1, 2.5, 0);
    const char *labels[MAX_TOY_CURVES];
    int colors[MAX_TOY_CURVES];
    for (int i = 0; i < p->n; i++) {
        labels[i] = p->curves[i].label;
        colors[i] = PLOT__LINE0 + p->curves[i].color % PLOT__N_LINES;
    }
    if (p->inside == 1)
        plot__legend(p->n, labels, colors, 1, PL_POSITION_TOP | PL_POSITION_RIGHT);
    else if (!p->inside)
        plot__legend_outside(p->n, labels, colors, NULL);
}

static void draw_toy(const void *ctx)
{
    const ToyFigure *f = ctx;
    for (int i = 0; i < f->n; i++)
        draw_panel(&f->panels[i]);
    if (!f->key || f->n == 0)
        return;
    const ToyPanel *p = &f->panels[0];
    const char *labels[MAX_TOY_CURVES];
    int colors[MAX_TOY_CURVES];
    for (int i = 0; i < p->n; i++) {
        labels[i] = p->curves[i].label;
        colors[i] = PLOT__LINE0 + p->curves[i].color % PLOT__N_LINES;
    }
    pladv(0);
    plvpor(0.1, 0.9, 0.2, 0.8);
    plwind(0, 1, 0, 1);
    plot__legend(p->n, labels, colors, 1, PL_POSITION_TOP | PL_POSITION_LEFT);
}

/* "solved at 230 [190, 260], 5/5 seeds" (or "[190, >1000], 3/5 seeds") for condition c: the
 * iterations at which the loss fell below TOY_SOLVED_FRACTION of its initial value; Kaplan-Meier
 * over seeds, a seed that never got there censored at its last iteration. Errors: IH_ENOMEM. */
static int solved_summary(const ToyResult *const *toys, int n, int c, char *buf, int size)
{
    int rc = 0, m = 0;
    double *t = NULL, lo = INFINITY, hi = -INFINITY;
    int8_t *ev = NULL;
    KmMedian km;
    IH_ALLOC(t, n);
    IH_ALLOC(ev, n);
    for (int s = 0; s < n; s++) {
        const ToyResult *r = toys[s * TOY_CONDITION_COUNT + c];
        if (!r)
            continue;
        const int64_t k = toy_solved_iteration(r);
        ev[m] = k >= 0;
        t[m++] = k >= 0 ? (double)k : r->config.iters;
        if (k >= 0) {
            lo = fmin(lo, (double)k);
            hi = fmax(hi, (double)k);
        }
    }
    IH_TRY(metrics_km_median(t, ev, m, &km));
    if (isfinite(km.median) && km.n_events == m)
        snprintf(buf, (size_t)size, "solved at %.0f [%.0f, %.0f], %d/%d seeds", km.median, lo, hi,
                 km.n_events, m);
    else if (isfinite(km.median)) /* the range's top is a seed that never got there */
        snprintf(buf, (size_t)size, "solved at %.0f [%.0f, >%.0f], %d/%d seeds", km.median, lo,
                 km.t_max, km.n_events, m);
    else
        snprintf(buf, (size_t)size, "solved: median not reached by %.0f, %d/%d seeds", km.t_max,
                 km.n_events, m);
cleanup:
    free(t);
    free(ev);
    return rc;
}

/* Seeds holding condition c. */
static int seeds_with(const ToyResult *const *toys, int n, int c)
{
    int k = 0;
    for (int s = 0; s < n; s++)
        k += toys[s * TOY_CONDITION_COUNT + c] != NULL;
    return k;
}

static void panel_init(ToyPanel *p)
{
    memset(p, 0, sizeof *p);
    p->xlo = p->ylo = INFINITY;
    p->xhi = p->yhi = -INFINITY;
}

static void panel_free(ToyPanel *p)
{
    for (int i = 0; i < p->n; i++)
        plot__band_free(&p->curves[i].band);
}

/* The first seed holding a condition (for n, lr in the subtitle). */
static const ToyResult *first_toy(const ToyResult *const *toys, int n)
{
    for (int i = 0; i < n * TOY_CONDITION_COUNT; i++)
        if (toys[i])
            return toys[i];
    return NULL;
}

static int fig5a(const ToyResult *const *toys, int n, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    ToyFigure *f = NULL;
    IH_ALLOC(f, 1);
    f->n = 1;
    ToyPanel *p = &f->panels[0];
    panel_init(p);
    static const char *const names[TOY_CONDITION_COUNT] = {"none", "clamp_c (c = c*)",
                                                           "clamp_bc (b = b*, c = c*)"};
    char missing[64] = "";
    for (int c = 0; c < TOY_CONDITION_COUNT; c++) {
        const int k = seeds_with(toys, n, c);
        if (k == 0) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "",
                     toy_condition_name((ToyCondition)c));
            continue;
        }
        char summary[96], label[LABEL];
        IH_TRY(solved_summary(toys, n, c, summary, sizeof summary));
        fprintf(log, "  fig5a %s: %s\n", toy_condition_name((ToyCondition)c), summary);
        snprintf(label, sizeof label, "%s: %s", names[c], summary);
        IH_TRY(add_toy_curve(p, toys, n, c, TOY_LOSS, label, c));
    }
    if (p->n == 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no toy run of conditions none, clamp_c, clamp_bc in the files ('ihsweep toy "
                 "--condition all -o F.h5'; sweeps/paper/toy.sh)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    if (missing[0])
        fprintf(log, "note fig5a: no toy run of %s; drawn without\n", missing);
    const ToyResult *r = first_toy(toys, n);
    snprintf(p->title, sizeof p->title, "Fig 5a: toy model, loss by clamp (n = %d, lr %g)",
             r->config.n, r->config.lr);
    snprintf(p->subtitle, sizeof p->subtitle,
             "median over %d %s, band: range; solved: iteration at which the loss is below %g "
             "of its initial value (median [range])",
             n, n == 1 ? "seed" : "seeds", TOY_SOLVED_FRACTION);
    p->ylabel = "loss";
    const PlotOptions wide = plot__page_size(o, 2000, 0); /* room for the legend beside the panel */
    rc = plot__figure(&wide, "fig5a", 1, 1, draw_toy, f);
cleanup:
    if (f)
        panel_free(&f->panels[0]);
    free(f);
    return rc;
}

/* Fig 9: a panel per seed (the measures of one run side by side; a band over seeds would hide
 * which measure moves first), one y range for all. */
static int fig9(const ToyResult *const *toys, int n, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    ToyFigure *f = NULL;
    IH_ALLOC(f, 1);
    const int k = seeds_with(toys, n, TOY_NONE);
    if (k == 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no toy run of condition none in the files ('ihsweep toy --condition all -o "
                 "F.h5'; sweeps/paper/toy.sh)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    char summary[96];
    IH_TRY(solved_summary(toys, n, TOY_NONE, summary, sizeof summary));
    fprintf(log, "  fig9 none: %s\n", summary);
    if (k > MAX_PANELS)
        fprintf(log, "note fig9: the first %d seeds of %d\n", MAX_PANELS, k);
    double ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < n && f->n < MAX_PANELS; s++) {
        const ToyResult *const *one = toys + (size_t)s * TOY_CONDITION_COUNT;
        const ToyResult *r = one[TOY_NONE];
        if (!r)
            continue;
        ToyPanel *p = &f->panels[f->n++];
        panel_init(p);
        IH_TRY(add_toy_curve(p, one, 1, TOY_NONE, TOY_LOSS, "loss", 0));
        IH_TRY(add_toy_curve(p, one, 1, TOY_NONE, TOY_COS2, "1 - cos#u2#d(a, a*)", 1));
        IH_TRY(add_toy_curve(p, one, 1, TOY_NONE, TOY_TRUE_BC, "loss at the true b, c", 2));
        const int64_t solved = toy_solved_iteration(r);
        snprintf(p->title, sizeof p->title, "Fig 9: toy model, no clamp, seed %u",
                 (unsigned)r->config.seed);
        if (solved >= 0)
            snprintf(p->subtitle, sizeof p->subtitle,
                     "n = %d, lr %g; loss below %g x initial at %lld", r->config.n, r->config.lr,
                     TOY_SOLVED_FRACTION, (long long)solved);
        else
            snprintf(p->subtitle, sizeof p->subtitle,
                     "n = %d, lr %g; loss not below %g x initial by %d", r->config.n, r->config.lr,
                     TOY_SOLVED_FRACTION, r->config.iters);
        p->inside = 2; /* the key once (below): every panel has the same curves */
        p->ylabel = "value";
        ylo = fmin(ylo, p->ylo);
        yhi = fmax(yhi, p->yhi);
    }
    for (int i = 0; i < f->n; i++) {
        f->panels[i].ylo = ylo;
        f->panels[i].yhi = yhi;
    }
    int nx, ny;
    plot__grid(f->n, &nx, &ny);
    if (nx * ny > f->n) /* a free subpage for the key */
        f->key = 1;
    else
        f->panels[0].inside = 1;
    /* plot__figure widens it for nx > 2 */
    const PlotOptions page = plot__page_size(o, nx > 1 ? 1800 : 1400, ny > 1 ? 1400 : 900);
    rc = plot__figure(&page, "fig9", nx, ny, draw_toy, f);
cleanup:
    for (int i = 0; f && i < f->n; i++)
        panel_free(&f->panels[i]);
    free(f);
    return rc;
}

int plot_toy(const ToyResult *const *toys, int n, int i, const PlotOptions *o, FILE *log)
{
    int rc = 0, r = 0;
    char why[PLOT_WHY_SIZE] = "";
    const char *name = plot_paper_name(i);
    if (strcmp(name, "fig5a") == 0)
        r = fig5a(toys, n, o, why, log);
    else if (strcmp(name, "fig9") == 0)
        r = fig9(toys, n, o, why, log);
    else
        IH_FAIL(IH_EINTERNAL, "plot_toy: %s is not a toy-model figure", name);
    IH_TRY(r);
    if (r == PLOT_SKIPPED) {
        fprintf(log, "skipped %s: %s\n", name, why);
        rc = 0;
    } else
        IH_TRY(plot_log(name, r, o, log));
cleanup:
    return rc;
}
