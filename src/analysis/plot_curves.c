/* Curve figures: eval loss per condition (lines per data setting), induction strength by role
 * (each run's strongest last-layer head against the mean of its others), the clamp comparison of
 * train loss across conditions, and one run's curves. Each prepares its curves (mean +- sd over
 * seeds) once, then draws them in every format through plot__figure. Legends sit right of the
 * data; the 0.4 ln 2 threshold is drawn over the curves. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { LABEL = 96 };

/* A panel of curves sharing axes. */
typedef struct {
    char title[160];
    int n;
    CurveStats *curves; /* [n] */
    char (*labels)[LABEL];
    int *colors; /* [n] curve colour index k (cmap0 PLOT__LINE0 + k) */
    int *styles; /* [n] line style (pllsty) */
} Panel;

typedef struct {
    int n_panels;
    Panel *panels;
    const char *ylabel;
    double threshold;          /* horizontal dashed line (NaN: none) */
    int bands;                 /* draw mean +- sd bands */
    int role_legend;           /* legend: the solid curves' labels, then a key to the styles */
    double xlo, xhi, ylo, yhi; /* shared ranges */
} CurveFigure;

static void figure_free(CurveFigure *f)
{
    for (int p = 0; p < f->n_panels && f->panels; p++) {
        for (int i = 0; i < f->panels[p].n; i++)
            plot__curve_stats_free(&f->panels[p].curves[i]);
        free(f->panels[p].curves);
        free(f->panels[p].labels);
        free(f->panels[p].colors);
        free(f->panels[p].styles);
    }
    free(f->panels);
    memset(f, 0, sizeof *f);
}

static int panel_alloc(Panel *p, int n)
{
    int rc = 0;
    p->n = 0;
    IH_ALLOC(p->curves, n);
    IH_ALLOC(p->labels, n);
    IH_ALLOC(p->colors, n);
    IH_ALLOC(p->styles, n);
cleanup:
    return rc;
}

/* Adds a curve to panel p and widens the figure's ranges. */
static int panel_add(CurveFigure *f, Panel *p, const AnalysisInput *in, const float *values,
                     int stride, int offset, const int *runs, int n_runs, const char *label,
                     int color, int style)
{
    int rc = 0;
    CurveStats *c = &p->curves[p->n];
    IH_TRY(plot__curve_stats(in, values, stride, offset, runs, n_runs, c));
    if (c->n == 0) {
        plot__curve_stats_free(c);
        goto cleanup;
    }
    snprintf(p->labels[p->n], LABEL, "%s", label);
    p->colors[p->n] = color;
    p->styles[p->n] = style;
    p->n++;
    plot__curve_range(c, &f->xlo, &f->xhi, &f->ylo, &f->yhi);
cleanup:
    return rc;
}

static void draw_curves(const void *ctx)
{
    const CurveFigure *f = ctx;
    double ylo = f->ylo, yhi = f->yhi;
    if (isfinite(f->threshold)) {
        ylo = fmin(ylo, f->threshold);
        yhi = fmax(yhi, f->threshold);
    }
    double pad = 0.04 * (yhi - ylo);
    for (int p = 0; p < f->n_panels; p++) {
        const Panel *pn = &f->panels[p];
        int chars = f->role_legend ? 18 : 0; /* the legend's longest label */
        for (int i = 0; i < pn->n; i++)
            if (plot__text_width(pn->labels[i]) > chars)
                chars = plot__text_width(pn->labels[i]);
        plot__panel_room(f->xlo, f->xhi, ylo - pad, yhi + pad, 1, 0, "sequences seen", f->ylabel,
                         pn->title, -(double)chars);
        for (int i = 0; i < pn->n; i++)
            plot__band_line_style(&pn->curves[i], pn->colors[i], pn->styles[i], f->bands);
        if (isfinite(f->threshold))
            plot__threshold(f->xlo, f->xhi, f->threshold);
        const char *labels[66];
        int colors[66], styles[66], n = 0;
        for (int i = 0; i < pn->n && n < 64; i++) {
            if (f->role_legend && pn->styles[i] != 1)
                continue;
            labels[n] = pn->labels[i];
            colors[n] = PLOT__LINE0 + pn->colors[i] % PLOT__N_LINES;
            styles[n++] = f->role_legend ? 1 : pn->styles[i];
        }
        if (f->role_legend) {
            static const char *const keys[2] = {"strongest head", "mean of the others"};
            for (int i = 0; i < 2; i++) {
                labels[n] = keys[i];
                colors[n] = PLOT__FG;
                styles[n++] = i + 1;
            }
        }
        plot__legend_outside(n, labels, colors, styles);
    }
}

static int draw_figure(CurveFigure *f, const PlotOptions *o, const char *name, char *why,
                       const char *what)
{
    int drawn = 0;
    for (int p = 0; p < f->n_panels; p++)
        drawn += f->panels[p].n;
    if (drawn == 0) {
        snprintf(why, PLOT_WHY_SIZE, "no finished run has %s", what);
        return PLOT_SKIPPED;
    }
    int nx, ny;
    plot__grid(f->n_panels, &nx, &ny);
    return plot__figure(o, name, nx, ny, draw_curves, f);
}

static void figure_init(CurveFigure *f, const char *ylabel, double threshold)
{
    memset(f, 0, sizeof *f);
    f->ylabel = ylabel;
    f->threshold = threshold;
    f->bands = 1;
    f->xlo = f->ylo = INFINITY;
    f->xhi = f->yhi = -INFINITY;
}

static int no_curves(const AnalysisInput *in, char *why)
{
    if (in->max_evals > 0 && in->eval_seq)
        return 0;
    snprintf(why, PLOT_WHY_SIZE, "the input has no curves");
    return 1;
}

int plot_loss_curves(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                     char *why)
{
    int rc = 0;
    CurveFigure f;
    int *cond_groups = NULL, *runs = NULL;
    char ylabel[128];
    if (no_curves(in, why))
        return PLOT_SKIPPED;
    snprintf(ylabel, sizeof ylabel, "%s (nats)", in->loss_name);
    figure_init(&f, ylabel, 0.4 * log(2.0));
    IH_ALLOC(cond_groups, g->n_groups);
    IH_ALLOC(runs, in->n_runs);
    f.n_panels = plot__condition_groups(in, g, cond_groups);
    IH_ALLOC(f.panels, f.n_panels);
    for (int c = 0; c < f.n_panels; c++) {
        Panel *p = &f.panels[c];
        const char *cond = in->condition[g->groups[cond_groups[c]].first_run];
        snprintf(p->title, sizeof p->title, "condition %s (mean \u00b1 sd over seeds)", cond);
        IH_TRY(panel_alloc(p, g->n_groups));
        for (int k = 0, color = 0; k < g->n_groups; k++) {
            if (strcmp(in->condition[g->groups[k].first_run], cond) != 0)
                continue;
            char label[LABEL];
            plot__group_label(in, g, k, label, sizeof label);
            int n = plot__group_runs(in, g, k, runs);
            IH_TRY(panel_add(&f, p, in, in->eval_loss, 1, 0, runs, n, label, color++, 1));
        }
    }
    rc = draw_figure(&f, o, "loss_curves", why, "an eval-loss curve");
cleanup:
    figure_free(&f);
    free(cond_groups);
    free(runs);
    return rc;
}

int plot_clamp_comparison(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                          char *why)
{
    int rc = 0;
    CurveFigure f;
    int *cond_groups = NULL, *runs = NULL;
    if (no_curves(in, why))
        return PLOT_SKIPPED;
    figure_init(&f, "train loss (nats)", 0.4 * log(2.0));
    IH_ALLOC(cond_groups, g->n_groups);
    IH_ALLOC(runs, in->n_runs);
    int n_cond = plot__condition_groups(in, g, cond_groups);
    if (n_cond == 0) {
        snprintf(why, PLOT_WHY_SIZE, "no finished run");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    f.n_panels = 1;
    IH_ALLOC(f.panels, 1);
    Panel *p = &f.panels[0];
    IH_TRY(panel_alloc(p, n_cond));
    char setting[LABEL];
    plot__group_label(in, g, cond_groups[0], setting, sizeof setting);
    snprintf(p->title, sizeof p->title, "train loss by condition, %s (mean \u00b1 sd over seeds)",
             setting);
    for (int c = 0; c < n_cond; c++) {
        int k = cond_groups[c];
        int n = plot__group_runs(in, g, k, runs);
        IH_TRY(panel_add(&f, p, in, in->train_loss, 1, 0, runs, n,
                         in->condition[g->groups[k].first_run], c, 1));
    }
    rc = draw_figure(&f, o, "clamp_comparison", why, "a train-loss curve");
cleanup:
    figure_free(&f);
    free(cond_groups);
    free(runs);
    return rc;
}

/* Each run's final strongest last-layer head: the highest induction strength at its last eval
 * with finite values (-1 if none). */
static int final_strongest(const AnalysisInput *in, int r)
{
    const int H = in->n_heads, E = in->max_evals;
    for (int e = E - 1; e >= 0; e--) {
        const float *v = in->induction_strength + ((size_t)r * E + e) * H;
        int best = -1;
        for (int h = 0; h < H; h++)
            if (isfinite(v[h]) && (best < 0 || v[h] > v[best]))
                best = h;
        if (best >= 0)
            return best;
    }
    return -1;
}

/* roles[r][e][2]: each run's strongest head (by its own final measures) and the mean of its other
 * heads, so that runs whose strongest head differs can be averaged. Owned *out. */
static int role_curves(const AnalysisInput *in, float **out)
{
    int rc = 0;
    const int H = in->n_heads, E = in->max_evals;
    float *roles = NULL;
    IH_ALLOC(roles, (size_t)in->n_runs * E * 2);
    for (int r = 0; r < in->n_runs; r++) {
        const int s = final_strongest(in, r);
        for (int e = 0; e < E; e++) {
            const float *v = in->induction_strength + ((size_t)r * E + e) * H;
            float *o = roles + ((size_t)r * E + e) * 2;
            o[0] = o[1] = NAN;
            if (s < 0 || !isfinite(v[s]))
                continue;
            double sum = 0;
            int n = 0;
            for (int h = 0; h < H; h++)
                if (h != s && isfinite(v[h])) {
                    sum += v[h];
                    n++;
                }
            o[0] = v[s];
            o[1] = n > 0 ? (float)(sum / n) : NAN;
        }
    }
    *out = roles;
    roles = NULL;
cleanup:
    free(roles);
    return rc;
}

int plot_induction_strength(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                            char *why)
{
    int rc = 0;
    CurveFigure f;
    int *cond_groups = NULL, *runs = NULL;
    float *roles = NULL;
    if (no_curves(in, why))
        return PLOT_SKIPPED;
    if (in->n_heads < 1 || !in->induction_strength) {
        snprintf(why, PLOT_WHY_SIZE, "the input has no induction-strength curves");
        return PLOT_SKIPPED;
    }
    figure_init(&f, "induction strength", NAN);
    f.role_legend = 1;
    IH_TRY(role_curves(in, &roles));
    IH_ALLOC(cond_groups, g->n_groups);
    IH_ALLOC(runs, in->n_runs);
    f.n_panels = plot__condition_groups(in, g, cond_groups);
    IH_ALLOC(f.panels, f.n_panels);
    for (int c = 0; c < f.n_panels; c++) {
        Panel *p = &f.panels[c];
        const char *cond = in->condition[g->groups[cond_groups[c]].first_run];
        snprintf(p->title, sizeof p->title,
                 "condition %s: each run's strongest last-layer head vs its others", cond);
        IH_TRY(panel_alloc(p, 2 * g->n_groups));
        for (int k = 0, color = 0; k < g->n_groups; k++) {
            if (strcmp(in->condition[g->groups[k].first_run], cond) != 0)
                continue;
            char setting[LABEL];
            plot__group_label(in, g, k, setting, sizeof setting);
            int n = plot__group_runs(in, g, k, runs);
            IH_TRY(panel_add(&f, p, in, roles, 2, 0, runs, n, setting, color, 1));
            IH_TRY(panel_add(&f, p, in, roles, 2, 1, runs, n, setting, color, 2));
            color++;
        }
    }
    rc = draw_figure(&f, o, "induction_strength", why, "an induction-strength curve");
cleanup:
    figure_free(&f);
    free(cond_groups);
    free(runs);
    free(roles);
    return rc;
}

int plot_run(const AnalysisInput *in, int run, const PlotOptions *o, char *why)
{
    int rc = 0;
    CurveFigure f;
    char name[64], ylabel[128];
    if (no_curves(in, why))
        return PLOT_SKIPPED;
    if (run < 0 || run >= in->n_runs || in->status[run] == 0) {
        snprintf(why, PLOT_WHY_SIZE, "run %d is not a finished run of the file", run);
        return PLOT_SKIPPED;
    }
    snprintf(ylabel, sizeof ylabel, "loss (nats) / induction strength");
    figure_init(&f, ylabel, 0.4 * log(2.0));
    f.bands = 0;
    f.n_panels = 1;
    IH_ALLOC(f.panels, 1);
    Panel *p = &f.panels[0];
    const double t = in->times[(size_t)run * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
    char ts[48] = "";
    if (isfinite(t))
        snprintf(ts, sizeof ts, "t* = %.0f", t);
    else
        snprintf(ts, sizeof ts, "t* > %.0f (not crossed)", in->t_censor[run]);
    snprintf(p->title, sizeof p->title, "run %d, condition %s: %s", run, in->condition[run], ts);
    IH_TRY(panel_alloc(p, 2 + in->n_heads));
    IH_TRY(panel_add(&f, p, in, in->eval_loss, 1, 0, &run, 1, in->loss_name, 0, 1));
    IH_TRY(panel_add(&f, p, in, in->train_loss, 1, 0, &run, 1, "train loss", 1, 1));
    const int s = in->induction_strength ? final_strongest(in, run) : -1;
    for (int h = 0; h < in->n_heads && in->induction_strength; h++) {
        char label[LABEL];
        snprintf(label, sizeof label, "induction strength, head %d%s", h,
                 h == s ? " (strongest)" : "");
        IH_TRY(panel_add(&f, p, in, in->induction_strength, in->n_heads, h, &run, 1, label, 2 + h,
                         h == s ? 1 : 2));
    }
    snprintf(name, sizeof name, "run_%d", run);
    rc = draw_figure(&f, o, name, why, "a curve");
cleanup:
    figure_free(&f);
    return rc;
}
