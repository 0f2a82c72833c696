/* Small-sample statistics for timing tables: Student-t quantiles, mean/sd and a log-scale 95%
 * interval, and ordinary least squares with a slope interval. Pure functions; no I/O, no
 * allocation. Censored times are in survival.c (metrics) and tobit.c. */
#include "ihsweep/analysis.h"

#include <math.h>

/* t_{0.975, dof} for dof = 1..30 (scipy.stats.t.ppf(0.975, dof)). */
static const double t975_table[30] = {
    12.706204736432095, 4.302652729911275,  3.182446305284263,  2.7764451051977987,
    2.5705818366147395, 2.4469118487916806, 2.3646242510102993, 2.3060041350333704,
    2.2621571627409915, 2.2281388519649385, 2.200985160082949,  2.1788128296634177,
    2.1603686564610127, 2.1447866879169273, 2.131449545559323,  2.1199052992210112,
    2.1098155778331806, 2.10092204024096,   2.093024054408263,  2.0859634472658364,
    2.079613844727662,  2.0738730679040147, 2.0686576104190406, 2.0638985616280205,
    2.059538552753294,  2.055529438642871,  2.0518305164802833, 2.048407141795244,
    2.045229642132703,  2.0422724563012373};

double analysis_t975(int dof)
{
    if (dof < 1)
        return NAN;
    if (dof <= 30)
        return t975_table[dof - 1];
    /* Cornish-Fisher expansion around the normal quantile (Abramowitz & Stegun 26.7.5). */
    const double z = 1.959963984540054;
    double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
    double v = (double)dof;
    double g1 = (z3 + z) / 4.0;
    double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96.0;
    double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384.0;
    double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160.0;
    return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

SampleStats analysis_sample_stats(const double *x, int n)
{
    SampleStats s = {0, NAN, NAN, NAN, NAN};
    double sum = 0, sum_log = 0;
    int positive = 1;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) {
            sum += x[i];
            positive &= x[i] > 0;
            sum_log += x[i] > 0 ? log(x[i]) : 0.0;
            s.n++;
        }
    if (s.n == 0)
        return s;
    s.mean = sum / s.n;
    if (s.n == 1)
        return s;
    double ss = 0, ss_log = 0, mean_log = sum_log / s.n;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) {
            ss += (x[i] - s.mean) * (x[i] - s.mean);
            if (positive)
                ss_log += (log(x[i]) - mean_log) * (log(x[i]) - mean_log);
        }
    s.sd = sqrt(ss / (s.n - 1));
    if (!positive)
        return s;
    double half = analysis_t975(s.n - 1) * sqrt(ss_log / (s.n - 1)) / sqrt((double)s.n);
    s.ci_lo = exp(mean_log - half);
    s.ci_hi = exp(mean_log + half);
    return s;
}

OlsFit analysis_ols(const double *x, const double *y, int n)
{
    OlsFit f = {n, NAN, NAN, NAN, NAN, NAN, NAN};
    if (n < 2)
        return f;
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxx = 0, sxy = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (!(sxx > 0))
        return f;
    f.slope = sxy / sxx;
    f.intercept = my - f.slope * mx;
    double sse = 0;
    for (int i = 0; i < n; i++) {
        double e = y[i] - f.intercept - f.slope * x[i];
        sse += e * e;
    }
    f.r2 = syy > 0 ? 1.0 - sse / syy : 1.0;
    if (n >= 3) {
        f.slope_se = sqrt(sse / (n - 2) / sxx);
        double half = analysis_t975(n - 2) * f.slope_se;
        f.slope_ci_lo = f.slope - half;
        f.slope_ci_hi = f.slope + half;
    }
    return f;
}
