/* Censored normal (Tobit) regression by maximum likelihood, for log phase-change times of which
 * some are only known to exceed the end of their run. Newton's method on (intercept, slope,
 * log sigma) with the analytic gradient and Hessian, halving steps that do not raise the
 * likelihood. Pure; no allocation. */
#include "ihsweep/analysis.h"

#include <math.h>

enum { TOBIT_MAX_ITER = 200 };
#define TOBIT_TWO_PI 6.283185307179586

/* phi(z) / (1 - Phi(z)), the inverse Mills ratio, stable for large z. */
static double mills(double z)
{
    if (z > 30.0)
        return z + 1.0 / z - 2.0 / (z * z * z);
    double q = 0.5 * erfc(z / sqrt(2.0));
    return exp(-0.5 * z * z) / sqrt(TOBIT_TWO_PI) / q;
}

/* log(1 - Phi(z)). */
static double log_q(double z)
{
    if (z > 30.0)
        return -0.5 * z * z - log(z) - 0.5 * log(TOBIT_TWO_PI) + log1p(-1.0 / (z * z));
    return log(0.5 * erfc(z / sqrt(2.0)));
}

/* Log-likelihood (without constants) at th = (a, b, s), and when g/h are not NULL its gradient
 * and Hessian. */
static double loglik(const double *x, const double *y, const int8_t *ev, int n, const double *th,
                     double *g, double h[3][3])
{
    const double sigma = exp(th[2]);
    double ll = 0.0;
    if (g)
        for (int i = 0; i < 3; i++) {
            g[i] = 0.0;
            for (int j = 0; j < 3; j++)
                h[i][j] = 0.0;
        }
    for (int i = 0; i < n; i++) {
        const double z = (y[i] - th[0] - th[1] * x[i]) / sigma;
        double da, ds, daa, das, dss; /* derivatives in mu (per 1/sigma) and s */
        if (ev[i]) {
            ll += -th[2] - 0.5 * z * z;
            da = z;
            ds = -1.0 + z * z;
            daa = -1.0;
            das = -2.0 * z;
            dss = -2.0 * z * z;
        } else {
            const double lam = mills(z);
            ll += log_q(z);
            da = lam;
            ds = lam * z;
            daa = -lam * (lam - z);
            das = -lam * (z * (lam - z) + 1.0);
            dss = -lam * z * (z * (lam - z) + 1.0);
        }
        if (!g)
            continue;
        const double u[2] = {1.0, x[i]};
        for (int p = 0; p < 2; p++) {
            g[p] += da * u[p] / sigma;
            for (int q = 0; q < 2; q++)
                h[p][q] += daa * u[p] * u[q] / (sigma * sigma);
            h[p][2] += das * u[p] / sigma;
            h[2][p] += das * u[p] / sigma;
        }
        g[2] += ds;
        h[2][2] += dss;
    }
    return ll;
}

/* Solves the 3x3 system a d = b (Cramer's rule); 0 if singular. Writes inv when not NULL. */
static int solve3(double a[3][3], const double *b, double *d, double inv[3][3])
{
    double c[3][3];
    c[0][0] = a[1][1] * a[2][2] - a[1][2] * a[2][1];
    c[0][1] = a[0][2] * a[2][1] - a[0][1] * a[2][2];
    c[0][2] = a[0][1] * a[1][2] - a[0][2] * a[1][1];
    c[1][0] = a[1][2] * a[2][0] - a[1][0] * a[2][2];
    c[1][1] = a[0][0] * a[2][2] - a[0][2] * a[2][0];
    c[1][2] = a[0][2] * a[1][0] - a[0][0] * a[1][2];
    c[2][0] = a[1][0] * a[2][1] - a[1][1] * a[2][0];
    c[2][1] = a[0][1] * a[2][0] - a[0][0] * a[2][1];
    c[2][2] = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    double det = a[0][0] * c[0][0] + a[0][1] * c[1][0] + a[0][2] * c[2][0];
    if (!(fabs(det) > 0) || !isfinite(det))
        return 0;
    for (int i = 0; i < 3; i++) {
        d[i] = 0.0;
        for (int j = 0; j < 3; j++) {
            d[i] += c[i][j] * b[j] / det;
            if (inv)
                inv[i][j] = c[i][j] / det;
        }
    }
    return 1;
}

TobitFit analysis_tobit(const double *x, const double *y, const int8_t *event, int n)
{
    TobitFit f = {n, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN};
    for (int i = 0; i < n; i++)
        f.n_events += event[i] != 0;
    if (n < 3 || f.n_events < 2)
        return f;
    OlsFit start = analysis_ols(x, y, n); /* censored values as if observed: a start only */
    if (!isfinite(start.slope))
        return f;
    double sse = 0;
    for (int i = 0; i < n; i++) {
        double e = y[i] - start.intercept - start.slope * x[i];
        sse += e * e;
    }
    if (f.n_events == n) { /* nothing censored: the maximum is least squares (also exact lines) */
        f.converged = 1;
        f.slope = start.slope;
        f.slope_se = start.slope_se;
        f.slope_ci_lo = start.slope_ci_lo;
        f.slope_ci_hi = start.slope_ci_hi;
        f.intercept = start.intercept;
        f.sigma = sqrt(sse / n);
        return f;
    }
    double th[3] = {start.intercept, start.slope, log(fmax(sqrt(sse / n), 1e-3))};
    double g[3], h[3][3], d[3], neg[3][3];
    double ll = loglik(x, y, event, n, th, g, h);
    for (int it = 0; it < TOBIT_MAX_ITER && !f.converged; it++) {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                neg[i][j] = -h[i][j];
        if (!solve3(neg, g, d, NULL))
            return f;
        double step = 1.0, trial[3], ll_new = -INFINITY;
        for (int k = 0; k < 40; k++, step *= 0.5) {
            for (int i = 0; i < 3; i++)
                trial[i] = th[i] + step * d[i];
            ll_new = loglik(x, y, event, n, trial, NULL, NULL);
            if (isfinite(ll_new) && ll_new >= ll - 1e-12)
                break;
        }
        if (!(isfinite(ll_new) && ll_new >= ll - 1e-12))
            return f;
        double change = fabs(d[0]) + fabs(d[1]) + fabs(d[2]);
        for (int i = 0; i < 3; i++)
            th[i] = trial[i];
        ll = loglik(x, y, event, n, th, g, h);
        if (step * change < 1e-10)
            f.converged = 1;
        if (fabs(th[1]) > 1e3 || th[2] < -30 || th[2] > 30) /* no finite maximum */
            return f;
    }
    if (!f.converged)
        return f;
    double inv[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            neg[i][j] = -h[i][j];
    if (!solve3(neg, g, d, inv) || !(inv[1][1] > 0)) {
        f.converged = 0;
        return f;
    }
    f.intercept = th[0];
    f.slope = th[1];
    f.sigma = exp(th[2]);
    f.slope_se = sqrt(inv[1][1] * (double)n / (double)(n - 2));
    double half = analysis_t975(n - 2) * f.slope_se;
    f.slope_ci_lo = f.slope - half;
    f.slope_ci_hi = f.slope + half;
    return f;
}
