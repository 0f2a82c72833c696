#!/usr/bin/python3
"""Independent reference for the Kaplan-Meier median of src/metrics/survival.c (numpy only).

Writes km_reference.txt next to this script: random right-censored samples (times on a coarse
grid so that ties occur, censoring mixed in), each with its KM median and 95% interval. The C
test (test_metrics) reads the file and compares, so the check runs without Python. Regenerate
with `/usr/bin/python3 tests/metrics/km_reference.py` after changing the definition.

Definition (the same as R's survfit with conf.type="log"): S(t) = prod over event times u <= t
of (1 - d_u / n_u); median = smallest event time with S <= 0.5; the interval ends are the
smallest event times where S exp(-1.96 se) (lower) or min(1, S exp(+1.96 se)) (upper) is
<= 0.5, se^2 = sum d_u / (n_u (n_u - d_u)); a time where S = 0 has both limits 0.
Computed here from scratch at each distinct event time (no running products shared with C).
"""
import os
import numpy as np

Z = 1.959963984540054


def km_median(t, e):
    t = np.asarray(t, float)
    e = np.asarray(e, int)
    out = [np.nan, np.nan, np.nan]
    for u in np.unique(t[e == 1]):
        times = np.unique(t[(e == 1) & (t <= u)])
        n = np.array([np.sum(t >= v) for v in times], float)
        d = np.array([np.sum((t == v) & (e == 1)) for v in times], float)
        s = np.prod(1.0 - d / n)
        if np.any(d == n):
            lo = hi = 0.0
        else:
            se = np.sqrt(np.sum(d / (n * (n - d))))
            lo, hi = s * np.exp(-Z * se), min(1.0, s * np.exp(Z * se))
        for k, v in enumerate((s, lo, hi)):
            if np.isnan(out[k]) and v <= 0.5:
                out[k] = u
    return out


def main():
    rng = np.random.default_rng(12)
    lines = []
    for case in range(300):
        n = int(rng.integers(1, 13))
        t = rng.integers(1, 12, size=n) * 10000.0
        c = rng.integers(3, 14) * 10000.0 if rng.random() < 0.7 else np.inf
        e = (t <= c).astype(int)
        t = np.minimum(t, c)
        if rng.random() < 0.2:  # runs censored early (a sweep still running)
            k = int(rng.integers(0, n))
            e[k] = 0
        med = km_median(t, e)
        fmt = lambda v: "nan" if np.isnan(v) else "%.17g" % v
        lines.append(" ".join([str(n)] + ["%.17g %d" % (a, b) for a, b in zip(t, e)] +
                              [fmt(v) for v in med]))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "km_reference.txt")
    with open(path, "w") as f:
        f.write("# n, then n pairs (time, crossed), then KM median, ci_lo, ci_hi (km_reference.py)\n")
        f.write("\n".join(lines) + "\n")
    # the textbook example: Freireich 6-MP arm (Gehan 1965); survfit: median 23, 0.95LCL 16, UCL NA
    t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    e = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    print("6-MP:", km_median(t, e))


main()
