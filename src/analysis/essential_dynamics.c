/* Essential dynamics: PCA of every done run's probe-set predictions over training. One row of
 * the data matrix per (run, eval) with eval_seq >= 0; columns are the flattened probe x label
 * softmax probabilities of the stored query logits. Probabilities, not logits: they are what the
 * model predicts, are invariant to a shift of a probe's logits, and stay bounded under clamps that
 * write -1e9 logits (perfect copy), which would otherwise own every component. Rows are handed to
 * pca_compute on demand, from memory or through in->read_probe. */
#include "ihsweep/analysis.h"
#include "ihsweep/pca.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const AnalysisInput *in;
    int n_rows;
    int *row_run;  /* [n_rows] */
    int *row_eval; /* [n_rows] */
    float *buf;    /* [max_evals][n_features] staging for read_probe */
} RowSource;

/* Rows [row0, row0+n) into rows[n][F]; consecutive evals of one run are read in one call. */
static int fill_rows(void *ctx, int64_t row0, int n, double *rows)
{
    int rc = 0;
    RowSource *s = ctx;
    const AnalysisInput *in = s->in;
    size_t F = (size_t)in->n_probe * in->n_labels;
    for (int i = 0; i < n;) {
        int r = s->row_run[row0 + i], e0 = s->row_eval[row0 + i], ne = 1;
        while (i + ne < n && s->row_run[row0 + i + ne] == r &&
               s->row_eval[row0 + i + ne] == e0 + ne)
            ne++;
        const float *src;
        if (in->probe_logits) {
            src = in->probe_logits + ((size_t)r * in->max_evals + e0) * F;
        } else {
            IH_TRY(in->read_probe(in->probe_ctx, r, e0, ne, s->buf));
            src = s->buf;
        }
        for (size_t x = 0; x < (size_t)ne * F; x++)
            if (!isfinite(src[x]))
                IH_FAIL(IH_EDATA, "run %d eval %d: non-finite probe logit in a finished run", r,
                        e0 + (int)(x / F));
        const int L = in->n_labels;
        for (size_t p = 0; p < (size_t)ne * in->n_probe; p++) {
            const float *z = src + p * L;
            double *prob = rows + (size_t)i * F + p * L, mx = z[0], sum = 0;
            for (int c = 1; c < L; c++)
                mx = z[c] > mx ? z[c] : mx;
            for (int c = 0; c < L; c++)
                sum += prob[c] = expf((float)(z[c] - mx)); /* float libm: same bits on any CPU */
            for (int c = 0; c < L; c++)
                prob[c] /= sum;
        }
        i += ne;
    }
cleanup:
    return rc;
}

int essential_dynamics_compute(MPI_Comm comm, const AnalysisInput *in, int k, const PcaOptions *opt,
                               EssentialDynamics **out)
{
    int rc = 0;
    EssentialDynamics *ed = NULL;
    RowSource src = {in, 0, NULL, NULL, NULL};
    *out = NULL;
    if (in->n_probe <= 0 || in->n_labels <= 0 || in->max_evals <= 0 || !in->eval_seq ||
        (!in->probe_logits && !in->read_probe))
        return 0;
    size_t F = (size_t)in->n_probe * in->n_labels;
    size_t cap = (size_t)in->n_runs * in->max_evals;
    IH_ALLOC(src.row_run, cap);
    IH_ALLOC(src.row_eval, cap);
    for (int r = 0; r < in->n_runs; r++) {
        if (in->status[r] != RUN_DONE)
            continue;
        for (int e = 0; e < in->max_evals; e++)
            if (in->eval_seq[(size_t)r * in->max_evals + e] >= 0) {
                src.row_run[src.n_rows] = r;
                src.row_eval[src.n_rows] = e;
                src.n_rows++;
            }
    }
    if (src.n_rows < 2)
        goto cleanup;
    if (!in->probe_logits)
        IH_ALLOC(src.buf, (size_t)in->max_evals * F);
    IH_ALLOC(ed, 1);
    ed->n_runs = in->n_runs;
    ed->max_evals = in->max_evals;
    ed->n_features = (int)F;
    ed->n_rows = src.n_rows;
    PcaOptions o = opt ? *opt : (PcaOptions){0};
    o.project = 1;
    IH_TRY(pca_compute(comm, src.n_rows, (int)F, k, fill_rows, &src, &o, &ed->pca));
    int kk = ed->pca->k;
    IH_ALLOC(ed->trajectory, cap * kk);
    for (size_t i = 0; i < cap * kk; i++)
        ed->trajectory[i] = NAN;
    for (int i = 0; i < src.n_rows; i++) {
        size_t row = (size_t)src.row_run[i] * in->max_evals + src.row_eval[i];
        memcpy(ed->trajectory + row * kk, ed->pca->projection + (size_t)i * kk,
               (size_t)kk * sizeof(double));
    }
    *out = ed;
    ed = NULL;
cleanup:
    free(src.row_run);
    free(src.row_eval);
    free(src.buf);
    essential_dynamics_destroy(&ed);
    return rc;
}

void essential_dynamics_destroy(EssentialDynamics **ed)
{
    if (!ed || !*ed)
        return;
    pca_result_destroy(&(*ed)->pca);
    free((*ed)->trajectory);
    free(*ed);
    *ed = NULL;
}
