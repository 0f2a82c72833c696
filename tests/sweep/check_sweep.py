#!/usr/bin/python3
"""Reads the results file of tests/sweep/tiny.json (every run done) with h5py and with xarray
(engine="h5netcdf") and checks named dimensions, the swept parameters, conditions, stages and
that every done row has t* and heads.

usage: check_sweep.py FILE
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


def main(path):
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
        expect(np.isfinite(f["summary/t_star"][...]).all(), "t* finite")
        # the rows carry every per-run measure, not only the curves: layer ablations (spec 4.6)
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
    main(sys.argv[1])
