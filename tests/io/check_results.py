#!/usr/bin/python3
"""Reads a results file written by `results_tool write` with h5py and with xarray
(engine="h5netcdf") and checks the named dimensions, shapes, attributes, fill values and the
fixture's values (the formulas of tests/io/results_fixture.c, recomputed here).

usage: check_results.py FILE N_RUNS N_WRITTEN   (rows 0..N_WRITTEN-1 were written)
Exits non-zero on the first failed check, printing expected and actual values.
"""
import sys

import h5py
import numpy as np
import xarray as xr

METRICS = ["loss", "acc", "in_context_acc", "out_context_acc", "prob", "in_context_prob",
           "out_context_prob", "use_context_prob"]
EVALUATORS = ["fsl_train", "fsl_val_rl"]
HEADS, LABELS = 3, 4


def expect(cond, what, want=None, got=None):
    if not cond:
        sys.exit(f"check_results: FAIL: {what}: expected {want!r}, got {got!r}")


def fixture_status(run):
    return 3 if run % 7 == 6 else 2 if run % 4 == 3 else 1


def check_h5py(path, n_runs, n_written):
    with h5py.File(path, "r") as f:
        expect(int(f.attrs["schema_version"]) == 3, "schema_version", 3, f.attrs["schema_version"])
        expect(f.attrs["git_hash"] == "0123abc", "git_hash", "0123abc", f.attrs["git_hash"])
        expect(f.attrs["slurm_job_ids"] == "4242", "slurm_job_ids", "4242",
               f.attrs["slurm_job_ids"])
        expect(list(f.attrs["evaluator_names"]) == EVALUATORS, "evaluator_names", EVALUATORS,
               list(f.attrs["evaluator_names"]))
        expect(list(f["run"][...]) == list(range(n_runs)), "/run values")
        max_evals = f["eval"].shape[0]
        n_probe = f["probe"].shape[0]
        status = f["runs/status"][...]
        for run in range(n_runs):
            want = fixture_status(run) if run < n_written else 0
            expect(status[run] == want, f"status of run {run}", want, status[run])
        expect(f["runs/condition"][2] == b"clamp_ih_long_condition", "condition of run 2",
               b"clamp_ih_long_condition", f["runs/condition"][2])
        expect(f["runs/config"][4].decode().startswith('{"run": 4,'), "config of run 4")
        # parameters under their short names, integers stored as integers, the field path kept
        k = f["runs/n_train_classes"]
        expect(k[5] == 102 and k.dtype == np.int64, "n_train_classes of run 5", 102, k[5])
        expect(k.attrs["field"] == "data.n_train_classes", "field attribute",
               "data.n_train_classes", k.attrs["field"])
        expect(f["runs/seed"][7] == 2, "seed of run 7", 2, f["runs/seed"][7])
        # Every dataset has named dimensions that h5py sees.
        for name, want in [("curves/induction_strength", ["run", "eval", "head"]),
                           ("curves/fsl_val_rl/prob", ["run", "eval"]),
                           ("runs/n_train_classes", ["run"])]:
            names = [list(d.keys()) for d in f[name].dims]
            scales = [d[0].name for d in f[name].dims]
            expect(names == [[w] for w in want], f"h5py dimension names of {name}", want, names)
            expect(scales == ["/" + w for w in want], f"h5py dimension scales of {name}",
                   want, scales)
        return max_evals, n_probe


def check_values(ds, run, max_evals, n_probe, salt=0.0):
    """Compares one written row with the fixture's formulas (same float64 ops, then float32)."""
    n_evals = 1 + run % max_evals
    for i in range(max_evals):
        used = i < n_evals
        seq = ds["eval_seq"][run, i]  # xarray masks the fill value -1 as NaN
        seq = -1 if np.isnan(seq) else int(seq)
        expect(seq == (1000 * i if used else -1), f"eval_seq[{run},{i}]", 1000 * i, seq)
        for e, name in enumerate(EVALUATORS):
            for m, metric in enumerate(METRICS):
                got = ds[f"{name}/{metric}"][run, i]
                want = np.float32(run * 100 + e * 10 + m + 0.001 * i + salt) if used else None
                ok = np.isnan(got) if want is None else got == want
                expect(ok, f"{name}/{metric}[{run},{i}]", want, got)
        for h in range(HEADS):
            got = ds["induction_strength"][run, i, h]
            want = np.float32(run + 0.1 * h + 0.01 * i)
            if used and not (run == 3 and i == 0 and h == 0):
                expect(got == want, f"induction_strength[{run},{i},{h}]", want, got)
        for p in range(n_probe):
            for lab in range(LABELS):
                got = ds["probe_logits"][run, i, p, lab]
                want = np.float32(run * 1000 + i + 0.1 * p + 0.01 * lab)
                if used:
                    expect(got == want, f"probe_logits[{run},{i},{p},{lab}]", want, got)
    got = ds["t_star"][run]
    expect(got == 1000.0 * run + 0.5, f"t_star[{run}]", 1000.0 * run + 0.5, got)


def check_xarray(path, n_runs, n_written, max_evals, n_probe):
    root = xr.open_dataset(path, engine="h5netcdf")
    want_sizes = {"run": n_runs, "eval": max_evals, "head": HEADS, "probe": n_probe,
                  "label": LABELS, "src_head": HEADS}
    expect(dict(root.sizes) == want_sizes, "root dimensions", want_sizes, dict(root.sizes))
    runs = xr.open_dataset(path, engine="h5netcdf", group="runs")
    curves = xr.open_dataset(path, engine="h5netcdf", group="curves")
    summary = xr.open_dataset(path, engine="h5netcdf", group="summary")
    dims = [
        (runs, "status", ("run",)), (runs, "n_train_classes", ("run",)),
        (runs, "condition", ("run",)), (runs, "hash", ("run",)),
        (curves, "eval_seq", ("run", "eval")),
        (curves, "induction_strength", ("run", "eval", "head")),
        (curves, "probe_logits", ("run", "eval", "probe", "label")),
        (summary, "t_star", ("run",)), (summary, "crossed", ("run",)),
    ]
    for ds, name, want in dims:
        expect(ds[name].dims == want, f"xarray dims of {name}", want, ds[name].dims)
        for attr in ["long_name", "units", "description"]:
            expect(attr in ds[name].attrs, f"xarray attribute {attr} of {name}", attr,
                   ds[name].attrs)
    # labelled: run carries the per-run coordinates in every group, strings decode to str
    for ds in [runs, curves, summary]:
        for coord in ["run", "condition", "stage", "n_train_classes", "seed"]:
            expect(coord in ds.coords, f"coordinate {coord}", coord, list(ds.coords))
    expect(summary["condition"].values[2] == "clamp_ih_long_condition", "condition as str",
           "clamp_ih_long_condition", summary["condition"].values[2])
    expect(curves["seq"].dims == ("run", "eval"), "seq coordinate", ("run", "eval"),
           curves["seq"].dims)
    expect(curves["eval_seq"].attrs["units"] == "sequences", "units of eval_seq", "sequences",
           curves["eval_seq"].attrs["units"])
    expect(list(runs["status"].attrs["flag_values"]) == [0, 1, 2, 3], "status flag_values")
    values = {"eval_seq": curves["eval_seq"].values,
              "induction_strength": curves["induction_strength"].values,
              "probe_logits": curves["probe_logits"].values, "t_star": summary["t_star"].values}
    for name in EVALUATORS:
        group = xr.open_dataset(path, engine="h5netcdf", group=f"curves/{name}")
        for metric in METRICS:
            expect(group[metric].dims == ("run", "eval"), f"dims of {name}/{metric}",
                   ("run", "eval"), group[metric].dims)
            values[f"{name}/{metric}"] = group[metric].values
    for run in range(n_written):
        check_values(values, run, max_evals, n_probe)
    for run in range(n_written, n_runs):  # fill values of rows nobody wrote
        expect(np.all(np.isnan(values["eval_seq"][run])), f"eval_seq fill (masked) of run {run}")
        expect(np.all(np.isnan(values["fsl_train/loss"][run])), f"loss fill of run {run}")
        expect(np.isnan(values["t_star"][run]), f"t_star fill of run {run}")
        expect(np.isnan(summary["crossed"].values[run]), f"crossed fill (masked) of run {run}",
               "nan", summary["crossed"].values[run])


def main():
    path, n_runs, n_written = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    max_evals, n_probe = check_h5py(path, n_runs, n_written)
    check_xarray(path, n_runs, n_written, max_evals, n_probe)
    print(f"check_results: OK ({n_written} of {n_runs} rows, h5py and xarray/h5netcdf)")


if __name__ == "__main__":
    main()
