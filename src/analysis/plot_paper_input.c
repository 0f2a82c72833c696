/* What the paper's figures read beyond an AnalysisInput (head choices, post-hoc measures, the
 * held-out-class loss), the choice of their runs (condition, data setting, seeds) and the
 * median-and-range bands and t* marks they share. Reads through the io layer; draws nothing of
 * its own but bands and marks. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"
#include "ihsweep/results.h"
#include "ihsweep/sweep_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const composition_paths[3] = {"posthoc/composition_q", "posthoc/composition_k",
                                                 "posthoc/composition_v"};

int plot_paper_input_load(ResultsFile *f, const AnalysisInput *in, PlotPaperInput **out)
{
    int rc = 0;
    PlotPaperInput *p = NULL;
    const ResultsLayout *l = results_layout(f);
    const size_t R = (size_t)in->n_runs, H = (size_t)in->n_heads;
    *out = NULL;
    IH_ALLOC(p, 1);
    p->n_runs = in->n_runs;
    p->n_heads = in->n_heads;
    IH_ALLOC(p->strongest_ih, R);
    IH_ALLOC(p->pt_head, R);
    IH_ALLOC(p->only_head_acc, R * H);
    IH_ALLOC(p->composition, 3 * R * H * H);
    IH_TRY(results_read_column(f, "runs/strongest_ih", H5T_NATIVE_INT, p->strongest_ih));
    IH_TRY(results_read_column(f, "runs/pt_head", H5T_NATIVE_INT, p->pt_head));
    IH_TRY(results_read_column(f, "posthoc/only_head_acc", H5T_NATIVE_FLOAT, p->only_head_acc));
    for (int s = 0; s < 3; s++)
        IH_TRY(results_read_column(f, composition_paths[s], H5T_NATIVE_FLOAT,
                                   p->composition + (size_t)s * R * H * H));
    for (int e = 0; e < l->n_evaluators && in->max_evals > 0; e++) {
        if (strcmp(l->evaluator_names[e], "fsl_test_class") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "curves/%s/%s", l->evaluator_names[e],
                 metric_name(METRIC_LOSS));
        IH_ALLOC(p->test_loss, R * (size_t)in->max_evals);
        IH_TRY(results_read_column(f, path, H5T_NATIVE_FLOAT, p->test_loss));
        IH_ALLOC(p->test_loss_name, strlen(path));
        memcpy(p->test_loss_name, path + 7, strlen(path) - 6); /* without "curves/" */
    }
    *out = p;
    p = NULL;
cleanup:
    plot_paper_input_destroy(&p);
    return rc;
}

void plot_paper_input_destroy(PlotPaperInput **pp)
{
    if (!pp || !*pp)
        return;
    PlotPaperInput *p = *pp;
    free(p->strongest_ih);
    free(p->pt_head);
    free(p->only_head_acc);
    free(p->composition);
    free(p->test_loss_name);
    free(p->test_loss);
    free(p);
    *pp = NULL;
}

static int same_setting(const PaperData *d, int a, int b)
{
    const AnalysisInput *in = d->in;
    for (int j = 0; j < d->n_keys; j++) {
        double va = in->params[(size_t)a * in->n_params + d->keys[j]];
        double vb = in->params[(size_t)b * in->n_params + d->keys[j]];
        if (!(va == vb || (isnan(va) && isnan(vb))))
            return 0;
    }
    return 1;
}

static double key_at(const PaperData *d, int r, int j)
{
    return d->in->params[(size_t)r * d->in->n_params + d->keys[j]];
}

/* named[j]: a labelled key names settings, and an unlabelled one does when it tells apart
 * finished runs that the keys named before it and the labelled ones cannot (a zipped data-variant
 * axis labelled K that pairs K = 50 with L = 5, 10 and 15 needs L in its row titles). */
static void name_keys(PaperData *d)
{
    const AnalysisInput *in = d->in;
    for (int j = 0; j < d->n_keys; j++) {
        d->named[j] = (unsigned char)analysis_param_is_primary(in, d->keys[j]);
        for (int a = 0; a < in->n_runs && !d->named[j]; a++)
            for (int b = a + 1; b < in->n_runs && !d->named[j]; b++) {
                if (in->status[a] != RUN_DONE || in->status[b] != RUN_DONE ||
                    key_at(d, a, j) == key_at(d, b, j))
                    continue;
                int same = 1;
                for (int k = 0; k < d->n_keys && same; k++)
                    if (k != j && (k < j ? d->named[k] : analysis_param_is_primary(in, d->keys[k])))
                        same = key_at(d, a, k) == key_at(d, b, k);
                d->named[j] = (unsigned char)same;
            }
    }
}

int plot__paper_data_init(const AnalysisInput *in, const PlotPaperInput *p, PaperData *d)
{
    int rc = 0;
    memset(d, 0, sizeof *d);
    d->in = in;
    d->p = p;
    d->seed_param = -1;
    d->ref_run = -1;
    for (int q = 0; q < in->n_params && d->seed_param < 0; q++)
        if (analysis_param_is_seed(in->param_names[q]))
            d->seed_param = q;
    IH_ALLOC(d->keys, in->n_params > 0 ? in->n_params : 1);
    d->n_keys = analysis_default_keys(in, d->keys);
    IH_ALLOC(d->named, in->n_params > 0 ? in->n_params : 1);
    name_keys(d);
    for (int r = 0; r < in->n_runs && d->ref_run < 0; r++)
        if (in->status[r] == RUN_DONE && strcmp(in->condition[r], "all_heads") == 0)
            d->ref_run = r;
    for (int r = 0; r < in->n_runs && d->ref_run < 0; r++)
        if (in->status[r] == RUN_DONE)
            d->ref_run = r;
cleanup:
    return rc;
}

void plot__paper_data_free(PaperData *d)
{
    free(d->keys);
    free(d->named);
    memset(d, 0, sizeof *d);
}

int plot__paper_runs(const PaperData *d, const char *cond, int setting, int *runs)
{
    int n = 0;
    for (int r = 0; r < d->in->n_runs; r++)
        if (d->in->status[r] == RUN_DONE && strcmp(d->in->condition[r], cond) == 0 &&
            (setting < 0 || same_setting(d, r, setting)))
            runs[n++] = r;
    return n;
}

double plot__paper_seed(const PaperData *d, int r)
{
    return d->seed_param < 0 ? r : d->in->params[(size_t)r * d->in->n_params + d->seed_param];
}

void plot__paper_setting(const PaperData *d, int r, char *buf, int size)
{
    const AnalysisInput *in = d->in;
    int used = 0;
    char label[64];
    buf[0] = '\0';
    for (int j = 0; j < d->n_keys && used < size; j++) {
        if (!d->named[j])
            continue; /* moves with a key that is named */
        const char *name = analysis_param_is_primary(in, d->keys[j])
                               ? analysis_param_label(in, d->keys[j])
                               : sweep_param_label(in->param_names[d->keys[j]], label,
                                                   sizeof label);
        int n = snprintf(buf + used, (size_t)(size - used), "%s%s = %g", used ? ", " : "", name,
                         key_at(d, r, j));
        if (n < 0)
            break;
        used += n;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int plot__band(const AnalysisInput *in, const float *values, int stride, int offset,
               const int *runs, int n_sel, PlotBand *out)
{
    int rc = 0;
    const int E = in->max_evals;
    double *v = NULL;
    memset(out, 0, sizeof *out);
    if (n_sel <= 0 || E <= 0)
        return 0;
    int longest = runs[0], most = -1;
    for (int i = 0; i < n_sel; i++) {
        int n = 0;
        while (n < E && in->eval_seq[(size_t)runs[i] * E + n] >= 0)
            n++;
        if (n > most) {
            most = n;
            longest = runs[i];
        }
    }
    IH_ALLOC(out->x, E);
    IH_ALLOC(out->mid, E);
    IH_ALLOC(out->lo, E);
    IH_ALLOC(out->hi, E);
    IH_ALLOC(v, n_sel);
    const int64_t *seq0 = in->eval_seq + (size_t)longest * E;
    for (int e = 0; e < E; e++) {
        if (seq0[e] <= 0)
            continue;
        int n = 0;
        for (int i = 0; i < n_sel; i++) {
            size_t row = (size_t)runs[i] * E + e;
            float x = values[row * stride + offset];
            if (in->eval_seq[row] == seq0[e] && isfinite(x))
                v[n++] = x;
        }
        if (n == 0)
            continue;
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        out->x[out->n] = log10((double)seq0[e]);
        out->mid[out->n] = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        out->lo[out->n] = v[0];
        out->hi[out->n] = v[n - 1];
        out->n++;
    }
cleanup:
    free(v);
    if (rc != 0)
        plot__band_free(out);
    return rc;
}

void plot__band_free(PlotBand *b)
{
    free(b->x);
    free(b->mid);
    free(b->lo);
    free(b->hi);
    memset(b, 0, sizeof *b);
}

void plot__band_draw(const PlotBand *b, int k, int style, double width, int band)
{
    if (b->n < 1)
        return;
    PLFLT *px = malloc(sizeof(PLFLT) * 2 * (size_t)b->n);
    PLFLT *py = malloc(sizeof(PLFLT) * 2 * (size_t)b->n);
    if (px && py && b->n > 1 && band) {
        for (int i = 0; i < b->n; i++) {
            px[i] = b->x[i];
            py[i] = b->hi[i];
            px[2 * b->n - 1 - i] = b->x[i];
            py[2 * b->n - 1 - i] = b->lo[i];
        }
        plcol0(PLOT__BAND0 + k % PLOT__N_LINES);
        plfill(2 * b->n, px, py);
    }
    free(px);
    free(py);
    plcol0(PLOT__LINE0 + k % PLOT__N_LINES);
    plwidth(width);
    pllsty(style);
    if (b->n > 1)
        plline(b->n, b->x, b->mid);
    else
        plpoin(1, b->x, b->mid, 4);
    pllsty(1);
    plwidth(1.0);
}

void plot__band_range(const PlotBand *b, double *xlo, double *xhi, double *ylo, double *yhi)
{
    for (int i = 0; i < b->n; i++) {
        *xlo = fmin(*xlo, b->x[i]);
        *xhi = fmax(*xhi, b->x[i]);
        *ylo = fmin(*ylo, b->lo[i]);
        *yhi = fmax(*yhi, b->hi[i]);
    }
}

void plot__tstar_marks(const AnalysisInput *in, const int *runs, int n, int k, double y)
{
    plcol0(PLOT__LINE0 + k % PLOT__N_LINES);
    for (int i = 0; i < n; i++) {
        const int r = runs[i];
        const double t = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
        const int crossed = in->crossed[r] && isfinite(t);
        const double at = crossed ? t : in->t_censor[r];
        if (!(at > 0))
            continue;
        PLFLT px = log10(at), py = y;
        plstring(1, &px, &py, crossed ? "\u25cf" : "\u25b6");
    }
}

int plot__n_crossed(const AnalysisInput *in, const int *runs, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += in->crossed[runs[i]] &&
             isfinite(in->times[(size_t)runs[i] * ANALYSIS_N_TIMES + ANALYSIS_T_STAR]);
    return c;
}

void plot__hline(double xlo, double xhi, double y, const char *text)
{
    PLFLT tx[2] = {xlo, xhi}, ty[2] = {y, y};
    plcol0(PLOT__FG);
    plwidth(1.5);
    pllsty(3);
    plline(2, tx, ty);
    pllsty(1);
    plwidth(1.0);
    PLFLT wx0, wx1, wy0, wy1; /* the label just above the line */
    plgvpw(&wx0, &wx1, &wy0, &wy1);
    plptex(xlo + 0.01 * (xhi - xlo), y + 0.03 * (wy1 - wy0), 1, 0, 0.0, text);
}
