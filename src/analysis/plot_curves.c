/* Curve figures: eval loss per condition (lines per group), induction strength per head, and
 * the clamp comparison of train loss across conditions. Each prepares its curves (mean +- sd over
 * seeds) once, then draws them in every format through plot__figure. */
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
} Panel;

typedef struct {
    int n_panels;
    Panel *panels;
    const char *ylabel;
    double threshold; /* horizontal dashed line (NaN: none) */
    int legend_position;
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
cleanup:
    return rc;
}

/* Adds a curve to panel p and widens the figure's ranges. */
static int panel_add(CurveFigure *f, Panel *p, const AnalysisInput *in, const float *values,
                     int stride, int offset, const int *runs, int n_runs, const char *label,
                     int color)
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
    p->n++;
    plot__curve_range(c, &f->xlo, &f->xhi, &f->ylo, &f->yhi);
cleanup:
    return rc;
}

static void draw_curves(const void *ctx)
{
    const CurveFigure *f = ctx;
    double pad = 0.04 * (f->yhi - f->ylo);
    for (int p = 0; p < f->n_panels; p++) {
        const Panel *pn = &f->panels[p];
        plot__panel(f->xlo, f->xhi, f->ylo - pad, f->yhi + pad, 1, "sequences seen", f->ylabel,
                    pn->title);
        if (isfinite(f->threshold)) {
            PLFLT tx[2] = {f->xlo, f->xhi}, ty[2] = {f->threshold, f->threshold};
            plcol0(PLOT__FG);
            pllsty(2);
            plline(2, tx, ty);
            pllsty(1);
        }
        for (int i = 0; i < pn->n; i++)
            plot__band_line(&pn->curves[i], pn->colors[i]);
        const char *labels[64];
        int colors[64], n = pn->n < 64 ? pn->n : 64;
        for (int i = 0; i < n; i++) {
            labels[i] = pn->labels[i];
            colors[i] = PLOT__LINE0 + pn->colors[i] % PLOT__N_LINES;
        }
        plot__legend(n, labels, colors, 1, f->legend_position);
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

static void figure_init(CurveFigure *f, const char *ylabel, double threshold, int legend)
{
    memset(f, 0, sizeof *f);
    f->ylabel = ylabel;
    f->threshold = threshold;
    f->legend_position = legend;
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
    figure_init(&f, ylabel, 0.4 * log(2.0), PL_POSITION_BOTTOM | PL_POSITION_LEFT);
    IH_ALLOC(cond_groups, g->n_groups);
    IH_ALLOC(runs, in->n_runs);
    f.n_panels = plot__condition_groups(in, g, cond_groups);
    IH_ALLOC(f.panels, f.n_panels);
    for (int c = 0; c < f.n_panels; c++) {
        Panel *p = &f.panels[c];
        const char *cond = in->condition[g->groups[cond_groups[c]].first_run];
        snprintf(p->title, sizeof p->title, "%s: eval loss (mean \u00b1 sd over seeds)", cond);
        IH_TRY(panel_alloc(p, g->n_groups));
        for (int k = 0, color = 0; k < g->n_groups; k++) {
            if (strcmp(in->condition[g->groups[k].first_run], cond) != 0)
                continue;
            char label[LABEL];
            plot__group_label(in, g, k, label, sizeof label);
            int n = plot__group_runs(in, g, k, runs);
            IH_TRY(panel_add(&f, p, in, in->eval_loss, 1, 0, runs, n, label, color++));
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
    figure_init(&f, "train loss (nats)", NAN, PL_POSITION_BOTTOM | PL_POSITION_LEFT);
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
    snprintf(p->title, sizeof p->title, "train loss by condition (%s; mean \u00b1 sd over seeds)",
             setting);
    for (int c = 0; c < n_cond; c++) {
        int k = cond_groups[c];
        int n = plot__group_runs(in, g, k, runs);
        IH_TRY(panel_add(&f, p, in, in->train_loss, 1, 0, runs, n,
                         in->condition[g->groups[k].first_run], c));
    }
    rc = draw_figure(&f, o, "clamp_comparison", why, "a train-loss curve");
cleanup:
    figure_free(&f);
    free(cond_groups);
    free(runs);
    return rc;
}

int plot_induction_strength(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                            char *why)
{
    int rc = 0;
    CurveFigure f;
    int *cond_groups = NULL, *runs = NULL;
    if (no_curves(in, why))
        return PLOT_SKIPPED;
    if (in->n_heads < 1 || !in->induction_strength) {
        snprintf(why, PLOT_WHY_SIZE, "the input has no induction-strength curves");
        return PLOT_SKIPPED;
    }
    figure_init(&f, "induction strength", NAN, PL_POSITION_TOP | PL_POSITION_LEFT);
    IH_ALLOC(cond_groups, g->n_groups);
    IH_ALLOC(runs, in->n_runs);
    f.n_panels = plot__condition_groups(in, g, cond_groups);
    IH_ALLOC(f.panels, f.n_panels);
    for (int c = 0; c < f.n_panels; c++) {
        Panel *p = &f.panels[c];
        int k = cond_groups[c];
        char setting[LABEL];
        plot__group_label(in, g, k, setting, sizeof setting);
        snprintf(p->title, sizeof p->title, "%s (%s): last-layer heads",
                 in->condition[g->groups[k].first_run], setting);
        IH_TRY(panel_alloc(p, in->n_heads));
        int n = plot__group_runs(in, g, k, runs);
        for (int h = 0; h < in->n_heads; h++) {
            char label[LABEL];
            snprintf(label, sizeof label, "head %d", h);
            IH_TRY(panel_add(&f, p, in, in->induction_strength, in->n_heads, h, runs, n, label, h));
        }
    }
    rc = draw_figure(&f, o, "induction_strength", why, "an induction-strength curve");
cleanup:
    figure_free(&f);
    free(cond_groups);
    free(runs);
    return rc;
}
