/* Compares the C model with the PyTorch twin (tests/reference/twin.py) tensor by tensor, on every
 * committed fixture case: forward activations, logits and loss; every parameter gradient; the
 * parameters after 3 Adam steps. The fixtures hold the float64 answer rounded once to float32, so
 * any difference is the C model's float32 rounding (or a bug).
 *
 * Usage: test_model_reference [FIXTURE_DIR]   (default $IHSWEEP_TEST_DATA/fixtures)
 *
 * Tolerance, per tensor: |c - ref| <= RTOL * max|ref| + ATOL elementwise, RTOL 1e-4, ATOL 1e-6.
 * Why: float32 has unit roundoff u = 6e-8; the longest accumulations are the D = 512 term input
 * projection and the B*T <= 48 term weight-gradient sums, and the worst-case bound n*u for
 * n = 512 is 3e-5 relative to the sum of |terms|, which for these random O(1/sqrt(fan_in))
 * scales is a few times max|ref|. 1e-4 is above that bound; an index or formula bug moves values
 * by O(max|ref|), four orders of magnitude more. ATOL keeps all-but-zero tensors (gradients that
 * vanish analytically, e.g. key biases without RoPE) from demanding relative accuracy of noise.
 *
 * Adam (3 steps, lr 1e-3 in the fixtures): the update lr*mhat/(sqrt(vhat)+eps) is scale-free in g,
 * so an absolute gradient error d moves one step by about lr*d/|g|, and by at most ~lr when |g| is
 * at the noise level (e.g. key-bias gradients without RoPE vanish analytically and are pure
 * rounding noise in float32). The gradient check above accepts d <= RTOL*max|g|, so each element
 * gets slack sum over steps of lr*min(1.2, RTOL*max|g_t|/|g_t|) on top of the base tolerance
 * 2e-5*(max|ref| + 1) (2% of one step; float32 rounding of O(1) parameters over 3 updates is
 * ~2e-7). Elements whose gradient was exactly zero at every step get no slack (their update must
 * be zero). The number of elements with slack >= lr (whose update direction is rounding noise) is
 * printed, and so is any tensor that comes within 10x of its tolerance (measured with the first C
 * model: every forward and gradient tensor within 1% of its tolerance).
 */
#include "harness.h"

#include "ihsweep/error.h"
#include "ihsweep/model.h"
#include "reference/fixture.h"

#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

enum { ADAM_STEPS = 3, MAX_PRINT = 5 };
static const double RTOL = 1e-4, ATOL = 1e-6;
static const double ADAM_RTOL = 2e-5;

static const char *const CASES[] = {"paper",    "no_ln",    "ape",         "sinusoidal",
                                    "pos_none", "mlp",      "depth1",      "depth3",
                                    "no_bias",  "context3", "weight_decay"};

typedef struct {
    Fixture *fx;
    ModelConfig cfg;
    AdamConfig adam;
    ModelBatch batch;
    Model *m;
    ModelActs *acts, *dacts;
    const char *case_name;
} Case;

/* Formats the multi-index of flat element i of a tensor with the given dims. */
static void format_index(char *buf, int size, const int *dims, int ndim, size_t i)
{
    int idx[FIXTURE_MAX_DIMS];
    for (int d = ndim - 1; d >= 0; d--) {
        idx[d] = (int)(i % (size_t)dims[d]);
        i /= (size_t)dims[d];
    }
    int off = snprintf(buf, (size_t)size, "[");
    for (int d = 0; d < ndim && off < size; d++)
        off += snprintf(buf + off, (size_t)(size - off), d ? ",%d" : "%d", idx[d]);
    if (off < size)
        snprintf(buf + off, (size_t)(size - off), "]");
}

/* Compares c against reference entry `name` elementwise, with tolerance rtol*max|ref| + atol
 * (plus slack[i] per element when slack is given). Counts one CHECK per tensor; prints the first
 * mismatches with index, both values and the error. */
static void compare(const Case *k, const char *name, const float *c, size_t n, double rtol,
                    double atol, const double *slack) {
    const FixtureEntry *e = fixture_find(k->fx, name);
    if (!e || e->dtype != FIXTURE_F32 || e->count != n) {
        test_counts.failed++;
        fprintf(stderr, "%s: %s: reference missing or has %zu elements, C has %zu\n", k->case_name,
                name, e ? e->count : 0, n);
        return;
    }
    const float *ref = e->data;
    double maxref = 0;
    for (size_t i = 0; i < n; i++)
        maxref = fmax(maxref, fabs(ref[i]));
    double tol = rtol * maxref + atol, worst = 0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)c[i] - ref[i]);
        double allowed = tol + (slack ? slack[i] : 0);
        if (!(err <= allowed)) { /* also catches NaN */
            if (bad < MAX_PRINT) {
                char idx[96];
                format_index(idx, sizeof idx, e->dims, e->ndim, i);
                fprintf(stderr, "%s: %s%s: C %.9g ref %.9g err %.3g > tol %.3g\n", k->case_name,
                        name, idx, c[i], ref[i], err, allowed);
            }
            bad++;
        }
        worst = fmax(worst, err / allowed);
    }
    if (bad) {
        test_counts.failed++;
        fprintf(stderr, "%s: %s: %zu of %zu elements out of tolerance (max|ref| %.3g)\n",
                k->case_name, name, bad, n, maxref);
    } else {
        test_counts.passed++;
        if (worst > 0.1)
            printf("  %s: %s within tolerance but at %.0f%% of it\n", k->case_name, name,
                   100 * worst);
    }
}

static int case_read_config(Case *k)
{
    int rc = 0, pos;
    ModelConfig *c = &k->cfg;
    const Fixture *f = k->fx;
    IH_TRY(fixture_scalar_i32(f, "cfg.input_dim", &c->input_dim));
    IH_TRY(fixture_scalar_i32(f, "cfg.d_model", &c->d_model));
    IH_TRY(fixture_scalar_i32(f, "cfg.n_heads", &c->n_heads));
    IH_TRY(fixture_scalar_i32(f, "cfg.depth", &c->depth));
    IH_TRY(fixture_scalar_i32(f, "cfg.n_labels", &c->n_labels));
    IH_TRY(fixture_scalar_i32(f, "cfg.context_pairs", &c->context_pairs));
    IH_TRY(fixture_scalar_i32(f, "cfg.pos", &pos));
    c->pos = (ModelPos)pos;
    IH_TRY(fixture_scalar_f32(f, "cfg.pos_base", &c->pos_base));
    IH_TRY(fixture_scalar_i32(f, "cfg.max_positions", &c->max_positions));
    IH_TRY(fixture_scalar_i32(f, "cfg.layer_norm", &c->layer_norm));
    IH_TRY(fixture_scalar_i32(f, "cfg.qkv_bias", &c->qkv_bias));
    IH_TRY(fixture_scalar_i32(f, "cfg.proj_bias", &c->proj_bias));
    IH_TRY(fixture_scalar_i32(f, "cfg.mlp_ratio", &c->mlp_ratio));
    IH_TRY(fixture_scalar_f32(f, "cfg.init_rescale", &c->init_rescale));
    IH_TRY(fixture_scalar_f32(f, "adam.lr", &k->adam.lr));
    IH_TRY(fixture_scalar_f32(f, "adam.beta1", &k->adam.beta1));
    IH_TRY(fixture_scalar_f32(f, "adam.beta2", &k->adam.beta2));
    IH_TRY(fixture_scalar_f32(f, "adam.eps", &k->adam.eps));
    IH_TRY(fixture_scalar_f32(f, "adam.weight_decay", &k->adam.weight_decay));
cleanup:
    return rc;
}

static int case_read_batch(Case *k)
{
    int rc = 0;
    const FixtureEntry *rows = fixture_find(k->fx, "batch.rows");
    const FixtureEntry *ex = fixture_find(k->fx, "batch.example_row");
    const FixtureEntry *lab = fixture_find(k->fx, "batch.labels");
    const FixtureEntry *tgt = fixture_find(k->fx, "batch.targets");
    if (!rows || !ex || !lab || !tgt || rows->ndim != 2 || ex->ndim != 2 || lab->ndim != 2 ||
        tgt->ndim != 1)
        IH_FAIL(IH_EDATA, "%s: batch.* entries missing or of wrong rank", k->case_name);
    int B = ex->dims[0];
    if (rows->dims[1] != k->cfg.input_dim || ex->dims[1] != k->cfg.context_pairs + 1 ||
        lab->dims[0] != B || lab->dims[1] != k->cfg.context_pairs || tgt->dims[0] != B)
        IH_FAIL(IH_EDATA, "%s: batch.* shapes disagree with cfg.*", k->case_name);
    k->batch.B = B;
    k->batch.R = rows->dims[0];
    IH_TRY(fixture_f32(k->fx, "batch.rows", &k->batch.exemplar_rows, NULL));
    IH_TRY(fixture_i32(k->fx, "batch.example_row", &k->batch.example_row, NULL));
    IH_TRY(fixture_i32(k->fx, "batch.labels", &k->batch.labels, NULL));
    IH_TRY(fixture_i32(k->fx, "batch.targets", &k->batch.targets, NULL));
cleanup:
    return rc;
}

/* Copies every "param.<name>" into the model, checking that the two tensor lists and shapes
 * agree. Returns the number of problems found (each printed). */
static int case_load_params(Case *k)
{
    int problems = 0, n_tensors;
    const ModelTensor *tensors = model_tensors(k->m, &n_tensors);
    float *params = model_params(k->m);
    for (int i = 0; i < fixture_count(k->fx); i++) {
        const FixtureEntry *e = fixture_entry(k->fx, i);
        if (strncmp(e->name, "param.", 6) != 0)
            continue;
        const ModelTensor *t = model_tensor_find(k->m, e->name + 6);
        int same_shape = t && t->ndim == e->ndim && t->size == e->count;
        for (int d = 0; same_shape && d < t->ndim; d++)
            same_shape = t->shape[d] == e->dims[d];
        if (!same_shape || e->dtype != FIXTURE_F32) {
            fprintf(stderr, "%s: fixture tensor %s: %s\n", k->case_name, e->name,
                    t ? "shape differs from the C model's" : "not in the C model");
            problems++;
            continue;
        }
        memcpy(params + t->offset, e->data, t->size * sizeof(float));
    }
    for (int i = 0; i < n_tensors; i++) {
        char name[64];
        snprintf(name, sizeof name, "param.%s", tensors[i].name);
        if (tensors[i].size > 0 && !fixture_find(k->fx, name)) {
            fprintf(stderr, "%s: C tensor %s (%zu elements) is not in the fixture\n", k->case_name,
                    tensors[i].name, tensors[i].size);
            problems++;
        }
    }
    return problems;
}

static void compare_forward(Case *k, float loss)
{
    const ModelConfig *c = &k->cfg;
    int B = k->batch.B, T = model_tokens(c), L = c->n_labels;
    char name[64];
    for (int l = 0; l < c->depth; l++) {
        int dims[4];
        model_site_shape(c, MODEL_SITE_ATTN, B, dims);
        snprintf(name, sizeof name, "act.l%d.attn", l);
        compare(k, name, model_acts_site(k->acts, MODEL_SITE_ATTN, l),
                (size_t)dims[0] * dims[1] * dims[2] * dims[3], RTOL, ATOL, NULL);
        snprintf(name, sizeof name, "act.l%d.block_out", l);
        compare(k, name, model_acts_site(k->acts, MODEL_SITE_BLOCK_OUT, l),
                (size_t)B * T * c->d_model, RTOL, ATOL, NULL);
    }
    compare(k, "out.logits", model_acts_site(k->acts, MODEL_SITE_LOGITS, 0), (size_t)B * T * L,
            RTOL, ATOL, NULL);
    compare(k, "out.loss", &loss, 1, RTOL, ATOL, NULL);

    /* the query-position views must agree with the full logits and the mean loss */
    const float *all = model_acts_site(k->acts, MODEL_SITE_LOGITS, 0);
    const float *ql = model_acts_query_logits(k->acts), *qloss = model_acts_query_loss(k->acts);
    int same = 1;
    double mean = 0;
    for (int b = 0; b < B; b++) {
        for (int j = 0; j < L; j++)
            same &= ql[b * L + j] == all[((size_t)b * T + T - 1) * L + j];
        mean += qloss[b] / B;
    }
    CHECK(same);
    CHECK_NEAR(mean, loss, 1e-6 * fmax(1, fabs(loss)));
}

static void compare_tensors(Case *k, const char *prefix, const float *buf, double rtol, double atol,
                            const double *slack) {
    int n_tensors;
    const ModelTensor *t = model_tensors(k->m, &n_tensors);
    char name[64];
    for (int i = 0; i < n_tensors; i++) {
        if (t[i].size == 0)
            continue;
        snprintf(name, sizeof name, "%s%s", prefix, t[i].name);
        compare(k, name, buf + t[i].offset, t[i].size, rtol, atol,
                slack ? slack + t[i].offset : NULL);
    }
}

/* Adds this step's per-element slack for the Adam comparison (see the file comment) to slack. */
static void add_adam_slack(const Case *k, double *slack)
{
    int n_tensors;
    const ModelTensor *t = model_tensors(k->m, &n_tensors);
    const float *g = model_grads(k->m);
    for (int i = 0; i < n_tensors; i++) {
        double gmax = 0;
        for (size_t j = 0; j < t[i].size; j++)
            gmax = fmax(gmax, fabs(g[t[i].offset + j]));
        for (size_t j = 0; j < t[i].size; j++) {
            double a = fabs(g[t[i].offset + j]), *s = &slack[t[i].offset + j];
            /* a zero gradient still moves the parameter through the Adam moments of earlier
             * noisy steps: it carries slack only if an earlier step did */
            double rel = a > 0 ? fmin(1.2, RTOL * gmax / a) : (*s > 0 ? 1.2 : 0);
            *s += k->adam.lr * rel;
        }
    }
}

static int run_case(const char *dir, const char *case_name)
{
    int rc = 0, failed_before = test_counts.failed;
    double *slack = NULL;
    char path[4096];
    Case k = {.case_name = case_name};
    if (snprintf(path, sizeof path, "%s/%s.bin", dir, case_name) >= (int)sizeof path)
        IH_FAIL(IH_EUSAGE, "fixture directory path too long");
    IH_TRY(fixture_load(path, &k.fx));
    IH_TRY(case_read_config(&k));
    IH_TRY(case_read_batch(&k));
    IH_TRY(model_create(&k.cfg, &k.m));
    IH_TRY(model_acts_create(&k.cfg, k.batch.B, k.batch.R, &k.acts));
    IH_TRY(model_acts_create(&k.cfg, k.batch.B, k.batch.R, &k.dacts));
    CHECK_INT_EQ(case_load_params(&k), 0);

    float loss = model_forward(k.m, &k.batch, k.acts, NULL);
    compare_forward(&k, loss);

    model_zero_grad(k.m);
    model_acts_zero(k.dacts);
    model_backward(k.m, &k.batch, k.acts, k.dacts, 1.0f, NULL);
    compare_tensors(&k, "grad.", model_grads(k.m), RTOL, ATOL, NULL);

    size_t np = model_param_count(k.m), n_loose = 0;
    IH_ALLOC(slack, np);
    for (int step = 0; step < ADAM_STEPS; step++) {
        model_zero_grad(k.m);
        model_forward(k.m, &k.batch, k.acts, NULL);
        model_acts_zero(k.dacts);
        model_backward(k.m, &k.batch, k.acts, k.dacts, 1.0f, NULL);
        add_adam_slack(&k, slack);
        model_adam_step(k.m, &k.adam);
    }
    CHECK_INT_EQ(model_adam_t(k.m), ADAM_STEPS);
    for (size_t i = 0; i < np; i++)
        n_loose += slack[i] >= k.adam.lr;
    compare_tensors(&k, "adam3.", model_params(k.m), ADAM_RTOL, ADAM_RTOL, slack);
    printf("%s: %zu parameters, %zu with Adam slack >= lr (update direction set by rounding "
           "noise), %s\n",
           case_name, np, n_loose, test_counts.failed == failed_before ? "ok" : "FAILED");
cleanup:
    if (rc) {
        test_counts.failed++;
        fprintf(stderr, "%s: %s\n", case_name, ih_error_message());
    }
    free(slack);
    model_acts_destroy(&k.dacts);
    model_acts_destroy(&k.acts);
    model_destroy(&k.m);
    fixture_destroy(&k.fx);
    return rc;
}

/* Writes len bytes of buf to path; returns 0 on success. */
static int write_bytes(const char *path, const void *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t n = fwrite(buf, 1, len, fp);
    return (fclose(fp) == 0 && n == len) ? 0 : -1;
}

/* The reader itself: the uint8 entry of a clamp fixture, and clear failures on a bad magic, a
 * truncated file and a missing file. Temporary files go to the working directory. */
static void test_fixture_reader(const char *dir)
{
    char path[4096];
    Fixture *f = NULL;
    snprintf(path, sizeof path, "%s/clamp_run10_ablate_rest.bin", dir);
    CHECK_OK(fixture_load(path, &f));
    if (f) {
        const unsigned char *text = NULL;
        size_t n = 0;
        CHECK_OK(fixture_u8(f, "clamps.json", &text, &n));
        CHECK(n > 2 && text[0] == '[' && text[n - 1] == ']');
        const float *x;
        CHECK_ERR(fixture_f32(f, "clamps.json", &x, NULL), IH_EDATA); /* wrong type */
        CHECK_ERR(fixture_f32(f, "no.such.entry", &x, NULL), IH_EDATA);
        CHECK(strstr(ih_error_message(), "no.such.entry") != NULL);
        fixture_destroy(&f);
        CHECK(f == NULL);
    }
    static const unsigned char bad_magic[] = "IHFX0002\0\0\0\0";
    static const unsigned char truncated[] = {'I', 'H', 'F', 'X', '0', '0', '0', '1', 1, 0, 0, 0,
                                              4,   0,   0,   0,   'n', 'a', 'm', 'e', 0, 0, 0, 0,
                                              1,   0,   0,   0,   3,   0,   0,   0,   1, 2, 3, 4};
    const char *tmp = "fixture_reader_tmp.bin";
    CHECK(write_bytes(tmp, bad_magic, 12) == 0);
    CHECK_ERR(fixture_load(tmp, &f), IH_EDATA);
    CHECK(f == NULL);
    CHECK(write_bytes(tmp, truncated, sizeof truncated) == 0);
    CHECK_ERR(fixture_load(tmp, &f), IH_EDATA);
    CHECK(strstr(ih_error_message(), "truncated") != NULL);
    remove(tmp);
    CHECK_ERR(fixture_load("no/such/fixture.bin", &f), IH_ENOENT);
    fixture_destroy(&f); /* NULL-safe */
}

int main(int argc, char **argv)
{
    char dir[2048];
    if (argc > 1) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    } else {
        const char *data = getenv("IHSWEEP_TEST_DATA");
        if (!data) {
            fprintf(stderr, "usage: test_model_reference FIXTURE_DIR (or set IHSWEEP_TEST_DATA)\n");
            return 2;
        }
        snprintf(dir, sizeof dir, "%s/fixtures", data);
    }
    test_fixture_reader(dir);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        run_case(dir, CASES[i]);
    TEST_MAIN_END("test_model_reference");
}
