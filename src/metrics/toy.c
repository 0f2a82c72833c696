/* The three-vector toy model of design 4.8: target and init draws, direct-sum loss, closed-form
 * gradient, clamped full-batch gradient descent and the Fig 9 progress measures. Knows nothing of
 * files. */
#include "ihsweep/toy.h"

#include "ihsweep/error.h"
#include "ihsweep/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const condition_names[TOY_CONDITION_COUNT] = {"none", "clamp_c", "clamp_bc"};

void toy_config_default(ToyConfig *c)
{
    c->n = 20;
    c->lr = 1.0;
    c->iters = 1000;
    c->seed = 1;
    c->condition = TOY_NONE;
}

const char *toy_condition_name(ToyCondition c)
{
    return (c >= 0 && c < TOY_CONDITION_COUNT) ? condition_names[c] : "?";
}

int toy_condition_parse(const char *name, ToyCondition *out)
{
    int rc = 0;
    for (int c = 0; c < TOY_CONDITION_COUNT; c++)
        if (strcmp(name, condition_names[c]) == 0) {
            *out = (ToyCondition)c;
            return 0;
        }
    IH_FAIL(IH_ECONFIG, "condition: unknown toy condition '%s' (none, clamp_c, clamp_bc)", name);
cleanup:
    return rc;
}

int toy_config_check(const ToyConfig *c)
{
    int rc = 0;
    if (c->n < 1 || c->n > TOY_MAX_N)
        IH_FAIL(IH_ECONFIG, "n: toy vector length must be in 1..%d (got %d)", TOY_MAX_N, c->n);
    if (c->iters < 0 || c->iters > TOY_MAX_ITERS)
        IH_FAIL(IH_ECONFIG, "iters: must be in 0..%d (got %d)", TOY_MAX_ITERS, c->iters);
    if (!isfinite(c->lr) || !(c->lr > 0.0))
        IH_FAIL(IH_ECONFIG, "lr: must be finite and positive (got %g)", c->lr);
    if (c->condition < 0 || c->condition >= TOY_CONDITION_COUNT)
        IH_FAIL(IH_ECONFIG, "condition: invalid toy condition %d", (int)c->condition);
cleanup:
    return rc;
}

static double dot(int n, const double *u, const double *v)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += u[i] * v[i];
    return s;
}

double toy_loss(int n, const double *target, const double *x)
{
    const double *as = target, *bs = target + n, *cs = target + 2 * n;
    const double *a = x, *b = x + n, *c = x + 2 * n;
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double u = as[i] * bs[j], v = a[i] * b[j];
            for (int k = 0; k < n; k++) {
                double e = u * cs[k] - v * c[k];
                s += e * e;
            }
        }
    return 0.5 * s / ((double)n * (double)n * (double)n);
}

void toy_gradient(int n, const double *target, const double *x, double *grad)
{
    double N = (double)n * (double)n * (double)n;
    double nrm[3], ovl[3];
    for (int v = 0; v < 3; v++) {
        nrm[v] = dot(n, x + v * n, x + v * n);
        ovl[v] = dot(n, target + v * n, x + v * n);
    }
    for (int v = 0; v < 3; v++) {
        int p = (v + 1) % 3, q = (v + 2) % 3;
        double self = nrm[p] * nrm[q] / N, cross = ovl[p] * ovl[q] / N;
        for (int i = 0; i < n; i++)
            grad[v * n + i] = x[v * n + i] * self - target[v * n + i] * cross;
    }
}

/* 1 - cos^2(a, a*) via Lagrange's identity, which keeps precision as a aligns with a*. */
static double one_minus_cos2(int n, const double *as, const double *a)
{
    double wedge = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double w = a[i] * as[j] - a[j] * as[i];
            wedge += w * w;
        }
    return wedge / (dot(n, a, a) * dot(n, as, as));
}

/* Loss at (s a, b*, c*), minimised over s = +-1: |a* -+ a|^2 |b*|^2 |c*|^2 / (2 n^3), without
 * cancellation. */
static double loss_at_true_bc(int n, const double *target, const double *a)
{
    double dm = 0.0, dp = 0.0;
    for (int i = 0; i < n; i++) {
        dm += (target[i] - a[i]) * (target[i] - a[i]);
        dp += (target[i] + a[i]) * (target[i] + a[i]);
    }
    double bc = dot(n, target + n, target + n) * dot(n, target + 2 * n, target + 2 * n);
    return 0.5 * (dm < dp ? dm : dp) * bc / ((double)n * (double)n * (double)n);
}

static void apply_clamp(int n, ToyCondition cond, const double *target, double *x)
{
    int first = cond == TOY_CLAMP_BC ? 1 : cond == TOY_CLAMP_C ? 2 : 3;
    for (int v = first; v < 3; v++)
        memcpy(x + v * n, target + v * n, (size_t)n * sizeof *x);
}

int toy_run(const ToyConfig *config, ToyResult **out)
{
    int rc = 0;
    ToyResult *r = NULL;
    double *grad = NULL;
    *out = NULL;
    IH_TRY(toy_config_check(config));
    int n = config->n;
    size_t steps = (size_t)config->iters + 1;
    IH_ALLOC(r, 1);
    r->config = *config;
    IH_ALLOC(r->loss, steps);
    IH_ALLOC(r->one_minus_cos2_a, steps);
    IH_ALLOC(r->loss_at_true_bc, steps);
    IH_ALLOC(r->target, 3 * (size_t)n);
    IH_ALLOC(r->final, 3 * (size_t)n);
    IH_ALLOC(grad, 3 * (size_t)n);
    for (int s = 0; s < 6; s++) {
        Rng rng;
        double *dst = s < 3 ? r->target + s * n : r->final + (s - 3) * n;
        rng_init(&rng, config->seed, RNG_PURPOSE_TOY, (uint64_t)s);
        for (int i = 0; i < n; i++)
            dst[i] = (double)rng_normal(&rng);
    }
    double *x = r->final;
    apply_clamp(n, config->condition, r->target, x);
    for (size_t k = 0; k < steps; k++) {
        r->loss[k] = toy_loss(n, r->target, x);
        r->one_minus_cos2_a[k] = one_minus_cos2(n, r->target, x);
        r->loss_at_true_bc[k] = loss_at_true_bc(n, r->target, x);
        if (k + 1 == steps)
            break;
        toy_gradient(n, r->target, x, grad);
        for (int i = 0; i < 3 * n; i++)
            x[i] -= config->lr * grad[i];
        apply_clamp(n, config->condition, r->target, x);
    }
    *out = r;
    r = NULL;
cleanup:
    free(grad);
    toy_result_destroy(&r);
    return rc;
}

int64_t toy_solved_iteration(const ToyResult *r)
{
    for (int k = 0; k <= r->config.iters; k++)
        if (r->loss[k] < TOY_SOLVED_FRACTION * r->loss[0])
            return k;
    return -1;
}

void toy_result_destroy(ToyResult **r)
{
    if (!r || !*r)
        return;
    free((*r)->loss);
    free((*r)->one_minus_cos2_a);
    free((*r)->loss_at_true_bc);
    free((*r)->target);
    free((*r)->final);
    free(*r);
    *r = NULL;
}
