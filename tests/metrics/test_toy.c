/* Tests of the toy model (design 4.8): closed-form gradient against central differences, the exact
 * loss against the expanded closed form, the clamps, the analytic decay of the b,c-clamped run, the
 * qualitative ordering of the conditions, determinism and config checks. */
#include "harness.h"

#include "ihsweep/error.h"
#include "ihsweep/rng.h"
#include "ihsweep/toy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

enum { N = 7 };

static void random_vecs(uint64_t index, double *v, int len)
{
    Rng rng;
    rng_init(&rng, 11, RNG_PURPOSE_TEST, index);
    for (int i = 0; i < len; i++)
        v[i] = (double)rng_normal(&rng);
}

static double dot(const double *u, const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += u[i] * v[i];
    return s;
}

static void test_loss_and_gradient(void)
{
    double target[3 * N], x[3 * N], grad[3 * N];
    random_vecs(0, target, 3 * N);
    random_vecs(1, x, 3 * N);
    CHECK_NEAR(toy_loss(N, target, target), 0.0, 0.0);

    /* The exact sum equals the expanded form |A|^2 - 2<A,X> + |X|^2 (over 2 n^3) at a far point. */
    double n3 = (double)N * N * N, pt = 1, px = 1, pc = 1;
    for (int v = 0; v < 3; v++) {
        pt *= dot(target + v * N, target + v * N, N);
        px *= dot(x + v * N, x + v * N, N);
        pc *= dot(target + v * N, x + v * N, N);
    }
    double expanded = 0.5 * (pt - 2 * pc + px) / n3;
    CHECK_NEAR(toy_loss(N, target, x), expanded, 1e-12 * expanded);

    toy_gradient(N, target, x, grad);
    double h = 1e-5, worst = 0;
    for (int i = 0; i < 3 * N; i++) {
        double keep = x[i];
        x[i] = keep + h;
        double lp = toy_loss(N, target, x);
        x[i] = keep - h;
        double lm = toy_loss(N, target, x);
        x[i] = keep;
        double fd = (lp - lm) / (2 * h);
        double err = fabs(fd - grad[i]) / (1e-8 + fabs(grad[i]));
        if (err > worst)
            worst = err;
        CHECK_NEAR(grad[i], fd, 1e-7 * (1.0 + fabs(fd)));
    }
    printf("toy gradient: worst relative error vs central differences %.2e\n", worst);
}

static int first_below(const ToyResult *r, double fraction)
{
    for (int k = 0; k <= r->config.iters; k++)
        if (r->loss[k] < fraction * r->loss[0])
            return k;
    return -1;
}

static void test_runs(void)
{
    ToyConfig cfg;
    toy_config_default(&cfg);
    CHECK_INT_EQ(cfg.n, 20);
    CHECK_INT_EQ(cfg.iters, 1000);
    CHECK_INT_EQ(cfg.seed, 1);
    CHECK_NEAR(cfg.lr, 1.0, 0.0);
    ToyResult *r[TOY_CONDITION_COUNT] = {NULL};
    for (int c = 0; c < TOY_CONDITION_COUNT; c++) {
        cfg.condition = (ToyCondition)c;
        CHECK_OK(toy_run(&cfg, &r[c]));
    }
    if (!r[0] || !r[1] || !r[2])
        return;
    int n = cfg.n, iters = cfg.iters;
    ToyResult *none = r[TOY_NONE], *cc = r[TOY_CLAMP_C], *bc = r[TOY_CLAMP_BC];

    /* Same targets and same initial a in every condition. */
    CHECK(memcmp(none->target, bc->target, 3 * (size_t)n * sizeof(double)) == 0);
    CHECK_NEAR(none->one_minus_cos2_a[0], bc->one_minus_cos2_a[0], 0.0);
    CHECK_NEAR(none->loss_at_true_bc[0], cc->loss_at_true_bc[0], 0.0);

    /* Clamps hold to the last bit; the unclamped vectors moved. */
    CHECK(memcmp(bc->final + n, bc->target + n, 2 * (size_t)n * sizeof(double)) == 0);
    CHECK(memcmp(cc->final + 2 * n, cc->target + 2 * n, (size_t)n * sizeof(double)) == 0);
    CHECK(memcmp(cc->final + n, cc->target + n, (size_t)n * sizeof(double)) != 0);

    /* With b, c clamped, GD on a is linear: a - a* shrinks by rho = 1 - lr |b*|^2 |c*|^2 / n^3 per
     * step, so loss_k = loss_0 rho^(2k). loss_at_true_bc is a minimum over the sign of a, so it
     * never exceeds the loss and equals it once a is nearer +a* than -a*. */
    double rho = 1.0 - cfg.lr * dot(bc->target + n, bc->target + n, n) *
                           dot(bc->target + 2 * n, bc->target + 2 * n, n) / ((double)n * n * n);
    int ks[3] = {1, 10, 50};
    for (int i = 0; i < 3; i++) {
        double want = bc->loss[0] * pow(rho, 2.0 * ks[i]);
        CHECK_NEAR(bc->loss[ks[i]], want, 1e-9 * want);
    }
    CHECK_NEAR(bc->loss_at_true_bc[50], bc->loss[50], 1e-9 * bc->loss[50]);
    /* Rounding: each residual is a difference of two rounded products, so the direct sum carries an
     * absolute error of about eps * sqrt(loss). */
    for (int k = 0; k <= iters; k++)
        if (!(bc->loss_at_true_bc[k] <= bc->loss[k] * (1 + 1e-9) + 1e-14 * sqrt(bc->loss[k]))) {
            CHECK_NEAR(bc->loss_at_true_bc[k], bc->loss[k], 0.0);
            break;
        }

    /* Qualitative ordering (design 4.8): clamped b, c decay at once, "none" sits on a plateau. */
    int t_none = first_below(none, 0.01), t_c = first_below(cc, 0.01), t_bc = first_below(bc, 0.01);
    printf("toy: iterations to 1%% of the initial loss: none %d, clamp_c %d, clamp_bc %d\n", t_none,
           t_c, t_bc);
    CHECK(t_bc > 0 && t_none > 0 && t_c > 0);
    CHECK(2 * t_bc < t_none);
    CHECK(t_c < t_none);
    CHECK(none->loss[100] > 0.3 * none->loss[0]); /* still on the plateau */
    CHECK(bc->loss[100] < 1e-3 * bc->loss[0]);
    /* Everything converges by the end; the progress measures fall with the loss. */
    for (int c = 0; c < TOY_CONDITION_COUNT; c++) {
        CHECK(r[c]->loss[iters] < 1e-12);
        CHECK(r[c]->one_minus_cos2_a[iters] < 1e-12);
        CHECK(r[c]->one_minus_cos2_a[0] > 0.1);
    }

    /* Deterministic: a second run gives the same bits. */
    ToyResult *again = NULL;
    cfg.condition = TOY_NONE;
    CHECK_OK(toy_run(&cfg, &again));
    if (again)
        CHECK(memcmp(again->loss, none->loss, ((size_t)iters + 1) * sizeof(double)) == 0);
    toy_result_destroy(&again);
    CHECK(again == NULL);
    for (int c = 0; c < TOY_CONDITION_COUNT; c++)
        toy_result_destroy(&r[c]);
    toy_result_destroy(&r[0]); /* NULL-safe */
    toy_result_destroy(NULL);
}

/* Zero iterations: the result holds the (clamped) initial point, so the progress measures can be
 * checked against toy_loss directly, including the minimum over the sign of a. */
static void test_initial_measures(void)
{
    int negative_wins = 0;
    for (uint32_t seed = 1; seed <= 8; seed++) {
        ToyConfig cfg;
        ToyResult *r = NULL;
        toy_config_default(&cfg);
        cfg.iters = 0;
        cfg.seed = seed;
        cfg.condition = TOY_CLAMP_BC;
        CHECK_OK(toy_run(&cfg, &r));
        if (!r)
            return;
        int n = cfg.n;
        CHECK(memcmp(r->final + n, r->target + n, 2 * (size_t)n * sizeof(double)) == 0);
        double flipped[3 * 20];
        memcpy(flipped, r->final, sizeof flipped);
        for (int i = 0; i < n; i++)
            flipped[i] = -flipped[i];
        double lp = toy_loss(n, r->target, r->final), lm = toy_loss(n, r->target, flipped);
        CHECK_NEAR(r->loss[0], lp, 1e-12 * lp);
        CHECK_NEAR(r->loss_at_true_bc[0], lm < lp ? lm : lp, 1e-12 * lp);
        double ad = dot(r->final, r->target, n), aa = dot(r->final, r->final, n);
        double tt = dot(r->target, r->target, n);
        CHECK_NEAR(r->one_minus_cos2_a[0], 1.0 - ad * ad / (aa * tt), 1e-12);
        negative_wins += lm < lp;
        toy_result_destroy(&r);
    }
    CHECK(negative_wins > 0); /* the sign minimum was exercised */
}

static void test_config(void)
{
    ToyConfig cfg;
    ToyResult *r = NULL;
    toy_config_default(&cfg);
    cfg.n = 0;
    CHECK_ERR(toy_run(&cfg, &r), IH_ECONFIG);
    CHECK(r == NULL);
    CHECK(strstr(ih_error_message(), "n:") != NULL);
    cfg.n = TOY_MAX_N + 1;
    CHECK_ERR(toy_config_check(&cfg), IH_ECONFIG);
    toy_config_default(&cfg);
    cfg.lr = NAN;
    CHECK_ERR(toy_config_check(&cfg), IH_ECONFIG);
    cfg.lr = -1;
    CHECK_ERR(toy_config_check(&cfg), IH_ECONFIG);
    toy_config_default(&cfg);
    cfg.iters = -1;
    CHECK_ERR(toy_config_check(&cfg), IH_ECONFIG);
    cfg.iters = 0;
    CHECK_OK(toy_run(&cfg, &r));
    if (r)
        CHECK(r->loss[0] > 0);
    toy_result_destroy(&r);

    ToyCondition c = TOY_NONE;
    CHECK_OK(toy_condition_parse("clamp_bc", &c));
    CHECK_INT_EQ(c, TOY_CLAMP_BC);
    CHECK_ERR(toy_condition_parse("clamp_b", &c), IH_ECONFIG);
    CHECK_STR_EQ(toy_condition_name(TOY_CLAMP_C), "clamp_c");
    CHECK_STR_EQ(toy_condition_name((ToyCondition)7), "?");
}

int main(void)
{
    test_loss_and_gradient();
    test_runs();
    test_initial_measures();
    test_config();
    TEST_MAIN_END("test_toy");
}
