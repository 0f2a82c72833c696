/* Essential-dynamics figure: each done run's trajectory of probe predictions projected on the first
 * two principal components, coloured by condition, with its start (open circle) and end (filled
 * circle) marked. The PCA itself comes from essential_dynamics_compute. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CONDITIONS = 32 };

typedef struct {
    const AnalysisInput *in;
    const EssentialDynamics *ed;
    int n_cond;
    int cond_run[MAX_CONDITIONS];
    int *run_cond; /* [n_runs] condition index */
    double xlo, xhi, ylo, yhi;
} Dynamics;

static void draw_dynamics(const void *ctx)
{
    const Dynamics *d = ctx;
    const EssentialDynamics *ed = d->ed;
    const PcaResult *p = ed->pca;
    int k = p->k, E = ed->max_evals;
    double total = p->total_variance > 0 ? p->total_variance : 1;
    char xl[96], yl[96], title[160];
    snprintf(xl, sizeof xl, "PC1 (%.1f%% of variance)", 100 * p->variance[0] / total);
    snprintf(yl, sizeof yl, "PC2 (%.1f%% of variance)", 100 * p->variance[1] / total);
    snprintf(title, sizeof title,
             "essential dynamics of probe predictions (%d rows): \u25cb start, "
             "\u25cf end",
             ed->n_rows);
    double px = 0.05 * (d->xhi - d->xlo), py = 0.05 * (d->yhi - d->ylo);
    plot__panel(d->xlo - px, d->xhi + px, d->ylo - py, d->yhi + py, 0, xl, yl, title);
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
    plot__legend(d->n_cond, labels, colors, 1, PL_POSITION_TOP | PL_POSITION_RIGHT);
}

int plot_essential_dynamics(const AnalysisInput *in, const EssentialDynamics *ed,
                            const PlotOptions *o, char *why)
{
    int rc = 0;
    Dynamics d;
    memset(&d, 0, sizeof d);
    if (!ed || !ed->pca || ed->pca->k < 2) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no essential dynamics (no probe logits, fewer than two "
                 "finished (run, eval) rows, or one feature)");
        return PLOT_SKIPPED;
    }
    d.in = in;
    d.ed = ed;
    IH_ALLOC(d.run_cond, in->n_runs);
    for (int r = 0; r < in->n_runs; r++) {
        int c = 0;
        while (c < d.n_cond && strcmp(in->condition[d.cond_run[c]], in->condition[r]) != 0)
            c++;
        if (c == d.n_cond && d.n_cond < MAX_CONDITIONS)
            d.cond_run[d.n_cond++] = r;
        d.run_cond[r] = c < d.n_cond ? c : MAX_CONDITIONS - 1;
    }
    d.xlo = d.ylo = INFINITY;
    d.xhi = d.yhi = -INFINITY;
    int k = ed->pca->k;
    for (size_t i = 0; i < (size_t)ed->n_runs * ed->max_evals; i++) {
        const double *t = ed->trajectory + i * k;
        if (isfinite(t[0]) && isfinite(t[1])) {
            d.xlo = fmin(d.xlo, t[0]);
            d.xhi = fmax(d.xhi, t[0]);
            d.ylo = fmin(d.ylo, t[1]);
            d.yhi = fmax(d.yhi, t[1]);
        }
    }
    IH_TRY(plot__figure(o, "essential_dynamics", 1, 1, draw_dynamics, &d));
cleanup:
    free(d.run_cond);
    return rc;
}
