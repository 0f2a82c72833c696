#!/usr/bin/python3
"""Reads the results file of tests/sweep/tiny.json (every run done) with h5py and with xarray
(engine="h5netcdf") and checks named dimensions, the swept parameters and their labels,
conditions, stages, heads, and the phase timing of every row recomputed from its stored curve:
crossed, t* (NaN when never crossed: censored) and t_censor (the last usable eval).

usage: check_sweep.py FILE [--none-crossed]
  --none-crossed  the sweep was cut short: every run must be censored (t* NaN)
Exits non-zero on the first failed check, printing expected and actual values.
"""
import sys

import h5py
import numpy as np
import xarray as xr

PARAMS = ["data.class_split[0]", "data.class_split[1]", "init_seed"]


def expect(cond, what, want=None, got=None):
    if not cond:
        sys.exit(f"check_sweep: FAIL: {what}: expected {want!r}, got {got!r}")


def check_timing(f, n):
    """crossed, t_star and t_censor of every row against the stored fsl_train loss curve."""
    seq = f["curves/eval_seq"][...]
    loss = f["curves/fsl_train/loss"][...].astype(np.float64)
    threshold = 0.4 * np.log(2.0)
    crossed, t_star, t_censor = (f["summary/" + k][...] for k in ("crossed", "t_star", "t_censor"))
    for r in range(n):
        usable = (seq[r] >= 0) & np.isfinite(loss[r])
        x, y = seq[r][usable], loss[r][usable]
        expect(len(x) > 0, f"run {r}: usable evals")
        below = np.nonzero(y < threshold)[0]
        want_crossed = int(len(below) > 0)
        expect(crossed[r] == want_crossed, f"run {r}: crossed", want_crossed, crossed[r])
        if want_crossed:
            expect(t_star[r] == x[below[0]], f"run {r}: t*", x[below[0]], t_star[r])
        else:
            expect(np.isnan(t_star[r]), f"run {r}: t* of a censored run", "nan", t_star[r])
            expect(np.isnan(f["summary/t_steepest"][r]), f"run {r}: t_steepest censored")
        expect(t_censor[r] == x[-1], f"run {r}: t_censor", x[-1], t_censor[r])
    return int(crossed.sum())


def main(path, none_crossed=False):
    if none_crossed:
        with h5py.File(path, "r") as f:
            n = f["run"].shape[0]
            expect(check_timing(f, n) == 0, "no run crossed")
            expect(np.isnan(f["summary/t_star"][...]).all(), "t* NaN in every row")
            med = f["analysis/timing/t_star_km_median"][...]
            expect(np.isnan(med).all(), "/analysis: KM medians NaN", "nan", med)
            top = f["analysis/timing/t_star_max_observed"][...]
            expect(np.isfinite(top).all() and (top > 0).all(), "/analysis: max observed", ">0", top)
            mean = f["analysis/timing/t_star_mean_event"][...]
            expect(np.isnan(mean).all(), "/analysis: means of crossed runs NaN", "nan", mean)
        print(f"check_sweep: ok ({n} runs, none crossed)")
        return

    with h5py.File(path, "r") as f:
        n = f["run"].shape[0]
        expect(n == 12, "runs", 12, n)
        expect(list(f.attrs["param_names"]) == PARAMS, "param_names", PARAMS,
               list(f.attrs["param_names"]))
        expect('"name": "tiny"' in f.attrs["sweep_text"], "sweep_text holds the sweep file")
        status = f["runs/status"][...]
        expect((status == 1).all(), "every run done", [1] * n, list(status))
        seeds = f["runs/seed"][...]
        want = [5, 6, 5, 6] + [5, 5, 6, 6, 5, 5, 6, 6]
        expect(list(seeds) == want, "init_seed per run", want, list(seeds))
        k = f["runs/K"][...]
        want = [50, 50, 100, 100, 50, 50, 50, 50, 100, 100, 100, 100]
        expect(list(k) == want, "data.class_split[0] per run", want, list(k))
        cond = [c.decode() for c in f["runs/condition"][...]]
        want = ["none"] * 4 + ["ablate_rest", "pt_pattern"] * 4
        expect(cond == want, "conditions", want, cond)
        expect(list(f["runs/stage"][...]) == [0] * 4 + [1] * 8, "stages")
        expect((f["runs/strongest_ih"][...] >= 0).all(), "strongest_ih measured")
        expect(list(f.attrs["param_labels"]) == ["K", "", "seed"], "param_labels",
               ["K", "", "seed"], list(f.attrs["param_labels"]))
        check_timing(f, n)
        # the rows carry every per-run measure, not only the curves: layer ablations (design 4.6)
        # at eval 0 and the post-hoc head measures (4.5) of the final model
        for ds in ["curves/loss_no_l0_direct", "curves/loss_no_last_layer"]:
            expect(np.isfinite(f[ds][:, 0]).all(), f"{ds} written for every run")
        for ds in ["posthoc/only_head_acc", "posthoc/remove_head_loss", "posthoc/composition_k"]:
            expect(np.isfinite(f[ds][...]).all(), f"{ds} written for every run")
        names = [list(d.keys()) for d in f["curves/induction_strength"].dims]
        expect(names == [["run"], ["eval"], ["head"]], "dimension names", "run eval head", names)
    runs = xr.open_dataset(path, group="runs", engine="h5netcdf")
    expect(runs["seed"].dims == ("run",), "xarray dims of seed", ("run",), runs["seed"].dims)
    expect(int(runs["K"].sel(run=9)) == 100, "xarray selection by run")
    summary = xr.open_dataset(path, group="summary", engine="h5netcdf")
    ts = summary["t_star"]
    expect(ts.dims == ("run",) and ts.sizes["run"] == 12, "xarray t_star", ("run",), ts.dims)
    curves = xr.open_dataset(path, group="curves", engine="h5netcdf")
    expect(curves["induction_strength"].dims == ("run", "eval", "head"),
           "xarray induction_strength dims", ("run", "eval", "head"),
           curves["induction_strength"].dims)
    print(f"check_sweep: ok ({n} runs, t* mean {float(ts.mean()):.0f})")


if __name__ == "__main__":
    main(sys.argv[1], "--none-crossed" in sys.argv[2:])
