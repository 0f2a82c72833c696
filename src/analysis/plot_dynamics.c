/* Essential-dynamics figure: one panel per data setting, each with its own PCA (probe sequences
 * come from each setting's training distribution, so one PCA over all settings mostly separates
 * the settings): each done run's trajectory of probe predictions on the first two principal
 * components, coloured by condition, with its start (open circle) and end (filled circle)
 * marked. The PCAs come from essential_dynamics_compute. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CONDITIONS = 32 };

enum { MAX_SETTINGS = 16 };

typedef struct {
    const AnalysisInput *in;
    const AnalysisGroups *g;
    const EssentialDynamics *const *eds;
    int n_settings;
    int setting_group[MAX_SETTINGS];
    int n_cond;
    int cond_run[MAX_CONDITIONS];
    int *run_cond; /* [n_runs] condition index */
} Dynamics;

/* The range of a PCA's trajectories on PC1-PC2. */
static void ed_range(const EssentialDynamics *ed, double *r)
{
    r[0] = r[2] = INFINITY;
    r[1] = r[3] = -INFINITY;
    int k = ed->pca->k;
    for (size_t i = 0; i < (size_t)ed->n_runs * ed->max_evals; i++) {
        const double *t = ed->trajectory + i * k;
        if (isfinite(t[0]) && isfinite(t[1])) {
            r[0] = fmin(r[0], t[0]);
            r[1] = fmax(r[1], t[0]);
            r[2] = fmin(r[2], t[1]);
            r[3] = fmax(r[3], t[1]);
        }
    }
}

static void draw_setting(const Dynamics *d, int s)
{
    const EssentialDynamics *ed = d->eds[s];
    char setting[128], xl[96], yl[96], title[200];
    plot__group_label(d->in, d->g, d->setting_group[s], setting, (int)sizeof setting);
    if (!ed || !ed->pca || ed->pca->k < 2) {
        snprintf(title, sizeof title, "%s: no essential dynamics", setting);
        plot__panel(0, 1, 0, 1, 0, "PC1", "PC2", title);
        return;
    }
    const PcaResult *p = ed->pca;
    int k = p->k, E = ed->max_evals;
    double total = p->total_variance > 0 ? p->total_variance : 1;
    snprintf(xl, sizeof xl, "PC1 (%.1f%% of variance)", 100 * p->variance[0] / total);
    snprintf(yl, sizeof yl, "PC2 (%.1f%% of variance)", 100 * p->variance[1] / total);
    snprintf(title, sizeof title, "%s (\u25cb start, \u25cf end)", setting);
    double rg[4];
    ed_range(ed, rg);
    double px = 0.05 * (rg[1] - rg[0]), py = 0.05 * (rg[3] - rg[2]);
    int chars = 0; /* the legend's longest label */
    for (int c = 0; c < d->n_cond; c++)
        if (plot__text_width(d->in->condition[d->cond_run[c]]) > chars)
            chars = plot__text_width(d->in->condition[d->cond_run[c]]);
    plot__panel_room(rg[0] - px, rg[1] + px, rg[2] - py, rg[3] + py, 0, 0, xl, yl, title,
                     -(double)chars);
    PLFLT *x = malloc(sizeof(PLFLT) * (size_t)E), *y = malloc(sizeof(PLFLT) * (size_t)E);
    if (!x || !y) {
        free(x);
        free(y);
        return;
    }
    for (int r = 0; r < ed->n_runs; r++) {
        if (d->in->status[r] != RUN_DONE)
            continue;
        int n = 0;
        for (int e = 0; e < E; e++) {
            const double *t = ed->trajectory + ((size_t)r * E + e) * k;
            if (isfinite(t[0]) && isfinite(t[1])) {
                x[n] = t[0];
                y[n] = t[1];
                n++;
            }
        }
        if (n == 0)
            continue;
        plcol0(PLOT__LINE0 + d->run_cond[r] % PLOT__N_LINES);
        plwidth(1.5);
        if (n > 1)
            plline(n, x, y);
        plwidth(1.0);
        plstring(1, x, y, "\u25cb");
        plstring(1, x + n - 1, y + n - 1, "\u25cf");
    }
    free(x);
    free(y);
    const char *labels[MAX_CONDITIONS];
    int colors[MAX_CONDITIONS];
    for (int c = 0; c < d->n_cond; c++) {
        labels[c] = d->in->condition[d->cond_run[c]];
        colors[c] = PLOT__LINE0 + c % PLOT__N_LINES;
    }
    plot__legend_outside(d->n_cond, labels, colors, NULL);
}

static void draw_dynamics(const void *ctx)
{
    const Dynamics *d = ctx;
    for (int s = 0; s < d->n_settings; s++)
        draw_setting(d, s);
}

int plot_essential_dynamics(const AnalysisInput *in, const AnalysisGroups *g,
                            const EssentialDynamics *const *eds, int n_settings,
                            const PlotOptions *o, char *why)
{
    int rc = 0;
    Dynamics d;
    int *group_of = NULL, *run_setting = NULL;
    memset(&d, 0, sizeof d);
    int any = 0;
    for (int s = 0; s < n_settings; s++)
        any |= eds[s] && eds[s]->pca && eds[s]->pca->k >= 2;
    if (!any || n_settings > MAX_SETTINGS) {
        snprintf(why, PLOT_WHY_SIZE,
                 n_settings > MAX_SETTINGS ? "more than 16 data settings"
                                           : "no essential dynamics (no probe logits, fewer than "
                                             "two finished (run, eval) rows, or one feature)");
        return PLOT_SKIPPED;
    }
    d.in = in;
    d.g = g;
    d.eds = eds;
    IH_ALLOC(group_of, g->n_groups > 0 ? g->n_groups : 1);
    IH_ALLOC(run_setting, in->n_runs > 0 ? in->n_runs : 1);
    d.n_settings = analysis_settings(in, g, group_of, run_setting);
    if (d.n_settings != n_settings) {
        snprintf(why, PLOT_WHY_SIZE, "%d PCAs for %d data settings", n_settings, d.n_settings);
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    memcpy(d.setting_group, group_of, (size_t)n_settings * sizeof *group_of);
    IH_ALLOC(d.run_cond, in->n_runs);
    for (int r = 0; r < in->n_runs; r++) {
        int c = 0;
        while (c < d.n_cond && strcmp(in->condition[d.cond_run[c]], in->condition[r]) != 0)
            c++;
        if (c == d.n_cond && d.n_cond < MAX_CONDITIONS)
            d.cond_run[d.n_cond++] = r;
        d.run_cond[r] = c < d.n_cond ? c : MAX_CONDITIONS - 1;
    }
    int gx, gy;
    plot__grid(n_settings, &gx, &gy);
    IH_TRY(plot__figure(o, "essential_dynamics", gx, gy, draw_dynamics, &d));
cleanup:
    free(d.run_cond);
    free(group_of);
    free(run_setting);
    return rc;
}
