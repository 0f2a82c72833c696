/* The paper figures by name (plot_paper, plot_paper_is_toy) and Table 1 as text: the composition
 * scores from every layer-1 head into each seed's strongest induction head, read from the
 * all-heads runs' post-hoc measures. The toy model's figures are drawn in plot_toy.c. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef int (*PaperFigureFn)(const PaperData *d, const PlotOptions *o, char *why, FILE *log);

static int fig3(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    (void)log;
    return plot__paper_fig3(d, o, why);
}

static int fig4a(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    (void)log;
    return plot__paper_fig4a(d, o, why);
}

static int table1(const PaperData *d, const PlotOptions *o, char *why, FILE *log);

/* The paper figures in order; draw NULL: a toy-model figure (plot_toy). */
static const struct {
    const char *name;
    PaperFigureFn draw;
} paper_figures[PLOT_N_PAPER] = {
    {"fig3", fig3},
    {"fig4a", fig4a},
    {"fig4b", plot__paper_fig4b},
    {"fig5a", NULL},
    {"fig5b", plot__paper_fig5b},
    {"fig6", plot__paper_fig6},
    {"fig7", plot__paper_fig7},
    {"fig8", plot__paper_fig8},
    {"fig9", NULL},
    {"fig15", plot__paper_fig15},
    {"fig17", plot__paper_fig17},
    {"table1", table1},
};

const char *plot_paper_name(int i)
{
    return i >= 0 && i < PLOT_N_PAPER ? paper_figures[i].name : "";
}

int plot_paper_is_toy(int i)
{
    return i >= 0 && i < PLOT_N_PAPER && !paper_figures[i].draw;
}

/* Composition score X (0 q, 1 k, 2 v) from first-layer head j into last-layer head i of run r. */
static double score(const PlotPaperInput *p, int x, int r, int j, int i)
{
    const size_t R = (size_t)p->n_runs, H = (size_t)p->n_heads;
    return p->composition[(((size_t)x * R + (size_t)r) * H + (size_t)j) * H + (size_t)i];
}

static void write_table(FILE *t, const PaperData *d, const int *runs, int n)
{
    const PlotPaperInput *p = d->p;
    const int H = p->n_heads;
    char setting[128];
    plot__paper_setting(d, runs[0], setting, sizeof setting);
    fprintf(t,
            "Table 1: composition scores from each layer-1 head j into the strongest induction "
            "head i,\nper seed (all-heads runs%s%s, final model).\n",
            setting[0] ? ", " : "", setting);
    fprintf(t, "CS_X(j -> i) = |O_j W_X,i|_F / (|O_j|_F |W_X,i|_F), X = Q, K, V; RoPE and "
               "LayerNorm ignored.\n"
               "PT: the seed's layer-1 head with the highest previous-token score. *: the "
               "highest score of its column.\n");
    int k_is_pt = 0, with_pt = 0;
    for (int s = 0; s < n; s++) {
        const int r = runs[s], ih = p->strongest_ih[r], pt = p->pt_head[r];
        fprintf(t, "\nseed %g (run %d): strongest IH L2H%d, PT head ", plot__paper_seed(d, r), r,
                ih);
        if (pt >= 0)
            fprintf(t, "L1H%d\n", pt);
        else
            fprintf(t, "unknown\n");
        fprintf(t, "  %-12s %8s %8s %8s\n", "layer-1 head", "Q", "K", "V");
        int best[3] = {-1, -1, -1};
        for (int x = 0; x < 3; x++)
            for (int j = 0; j < H; j++)
                if (isfinite(score(p, x, r, j, ih)) &&
                    (best[x] < 0 || score(p, x, r, j, ih) > score(p, x, r, best[x], ih)))
                    best[x] = j;
        for (int j = 0; j < H; j++) {
            char head[32];
            snprintf(head, sizeof head, "L1H%d%s", j, j == pt ? " (PT)" : "");
            fprintf(t, "  %-12s", head);
            for (int x = 0; x < 3; x++) {
                double v = score(p, x, r, j, ih);
                if (isfinite(v))
                    fprintf(t, " %7.3f%c", v, j == best[x] ? '*' : ' ');
                else
                    fprintf(t, " %7s ", "nan");
            }
            fprintf(t, "\n");
        }
        fprintf(t, "  highest: Q L1H%d, K L1H%d, V L1H%d\n", best[0], best[1], best[2]);
        if (pt >= 0) {
            with_pt++;
            k_is_pt += best[1] == pt;
        }
    }
    fprintf(t,
            "\nThe PT head has the highest K-composition into the strongest IH in %d of %d "
            "seeds.\n",
            k_is_pt, with_pt);
}

static int table1(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    const PlotPaperInput *p = d->p;
    int *runs = NULL;
    FILE *t = NULL;
    char path[4096];
    IH_ALLOC(runs, d->in->n_runs);
    int n = d->ref_run >= 0 ? plot__paper_runs(d, "all_heads", d->ref_run, runs) : 0, m = 0;
    for (int i = 0; i < n; i++) { /* runs with a strongest IH and its scores */
        const int r = runs[i], ih = p->strongest_ih[r];
        if (ih >= 0 && ih < p->n_heads && isfinite(score(p, 1, r, 0, ih)))
            runs[m++] = r;
    }
    if (m == 0) {
        snprintf(why, PLOT_WHY_SIZE, "%s",
                 n ? "the all_heads runs have no post-hoc composition scores"
                   : "no finished run of condition all_heads (stage baseline of main.json)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/table1.txt", o->dir);
    t = fopen(path, "w");
    if (!t)
        IH_FAIL(IH_EIO, "cannot write %s: %s", path, strerror(errno));
    write_table(t, d, runs, m);
    if (fclose(t) != 0) {
        t = NULL;
        IH_FAIL(IH_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    t = NULL;
    fprintf(log, "wrote %s\n", path);
cleanup:
    if (t)
        fclose(t);
    free(runs);
    return rc;
}

int plot_paper(const AnalysisInput *in, const PlotPaperInput *p, int i, const PlotOptions *o,
               FILE *log)
{
    int rc = 0, r = 0;
    PaperData d;
    char why[PLOT_WHY_SIZE] = "";
    if (plot_paper_is_toy(i)) {
        fprintf(log,
                "skipped %s: drawn from toy-model files, not a results file ('ihsweep plot -o DIR "
                "--figure fig5a,fig9 toy_seed*.h5'; sweeps/paper/toy.sh writes them)\n",
                paper_figures[i].name);
        return 0;
    }
    IH_TRY(plot__paper_data_init(in, p, &d));
    r = paper_figures[i].draw(&d, o, why, log);
    IH_TRY(r);
    if (r == PLOT_SKIPPED) {
        fprintf(log, "skipped %s: %s\n", paper_figures[i].name, why);
        rc = 0;
    } else if (paper_figures[i].draw != table1)
        IH_TRY(plot_log(paper_figures[i].name, r, o, log));
cleanup:
    plot__paper_data_free(&d);
    return rc;
}
