#!/usr/bin/python3
"""The results file of tests/sweep/tiny.json as a labelled dataset, and the machine-readable
outputs of ihsweep (export CSV/JSON, plan --json, status --json).

usage: check_tidy.py FILE EXPORT.csv EXPORT.json CURVES.csv PLAN.json STATUS.json
Exits non-zero on the first failed check, printing expected and actual values.
"""
import csv
import json
import sys

import numpy as np
import pandas as pd
import xarray as xr


def expect(cond, what, want=None, got=None):
    if not cond:
        sys.exit(f"check_tidy: FAIL: {what}: expected {want!r}, got {got!r}")


def check_xarray(path):
    s = xr.open_dataset(path, group="summary", engine="h5netcdf")
    for c in ["run", "condition", "stage", "K", "seed"]:
        expect(c in s.coords, f"coordinate {c} of /summary", c, list(s.coords))
    expect(s["seed"].dtype.kind == "i" and s["K"].dtype.kind == "i", "integer seed and K",
           "int", (s["seed"].dtype, s["K"].dtype))
    # selection by coordinate
    sel = s.sel(run=s.condition == "pt_pattern")
    expect(list(sel.run.values) == [5, 7, 9, 11], "runs of pt_pattern", [5, 7, 9, 11],
           list(sel.run.values))
    expect(set(sel.condition.values) == {"pt_pattern"}, "condition decodes to str")
    # the tidy (condition, K, seed, t*) table in one line
    tidy = s.t_star.to_dataframe().reset_index()[["condition", "K", "seed", "t_star"]]
    expect(len(tidy) == 12 and list(tidy.K[:4]) == [50, 50, 100, 100], "tidy table", 12, tidy)
    for name in ["t_star", "crossed"]:
        for a in ["long_name", "units", "description"]:
            expect(a in s[name].attrs, f"{a} of {name}", a, s[name].attrs)
    expect(s.t_star.attrs["units"] == "sequences", "units of t_star", "sequences",
           s.t_star.attrs["units"])
    # loss against the sequences seen (the eval axis' real coordinate)
    c = xr.open_dataset(path, group="curves/fsl_train", engine="h5netcdf")
    expect(c.loss.attrs["units"] == "nats", "units of loss", "nats", c.loss.attrs["units"])
    run7 = c.loss.sel(run=7).dropna("eval").swap_dims(eval="seq")
    expect(list(run7.seq.values[:3]) == [0, 2016, 4000], "seq of run 7", [0, 2016, 4000],
           list(run7.seq.values[:3]))
    expect(int(run7.seq.max()) == 16000, "last seq of a 16k clamp run", 16000,
           int(run7.seq.max()))
    # the fill value is masked: runs shorter than the eval axis end in NaN
    expect(np.isnan(c.seq.sel(run=7).values[-1]), "masked fill of seq")
    # grouping by condition compares like with like: mean over seeds at equal seq
    g = c.loss.where(c.stage == 1, drop=True).groupby("condition").mean("run")
    expect(set(g.condition.values) == {"ablate_rest", "pt_pattern"}, "groupby condition")
    r = xr.open_dataset(path, group="runs", engine="h5netcdf")
    expect(r.status.attrs["flag_meanings"] == "pending done diverged failed", "status flags")
    cfg = json.loads(r.config.values[0])
    expect(isinstance(cfg, dict), "config is JSON text")


def check_export(csv_path, json_path, curves_path):
    df = pd.read_csv(csv_path)
    expect(len(df) == 12, "export rows", 12, len(df))
    for col in ["run", "status", "condition", "stage", "K", "seed", "t_star", "crossed",
                "t_censor", "strongest_ih", "pt_head", "fsl_train_loss"]:
        expect(col in df.columns, f"export column {col}", col, list(df.columns))
    expect(df.seed.dtype.kind == "i" and df.K.dtype.kind == "i", "integer columns",
           "int", (df.seed.dtype, df.K.dtype))
    expect((df.status == "done").all(), "every run done")
    never = df.crossed == 0
    expect(df.t_star[never].isna().all(), "t_star empty when never crossed")
    expect((df.t_censor[never] == df.final_seq[never]).all(), "t_censor = last eval")
    expect(list(df.stage[:5]) == ["baseline"] * 4 + ["clamps"], "stage names")
    with open(json_path) as f:
        rows = json.load(f)
    expect(len(rows) == 4 and {r["condition"] for r in rows} == {"pt_pattern"},
           "export --format json --where condition=pt_pattern", 4, len(rows))
    expect(all(r["K"] in (50, 100) for r in rows), "JSON numbers")
    with open(curves_path) as f:
        long = list(csv.DictReader(f))
    runs = {int(r["run"]) for r in long}
    expect(runs == {0, 4, 5, 8, 9, 2}, "curves rows of seed 5 runs", {0, 2, 4, 5, 8, 9}, runs)
    expect(sum(1 for r in long if r["run"] == "0") == 13, "13 evals of run 0")
    expect("fsl_train_loss" in long[0] and "train_loss" in long[0] and "seq" in long[0],
           "curve columns", "fsl_train_loss, train_loss, seq", list(long[0]))


def check_plan_status(plan_path, status_path):
    with open(plan_path) as f:
        plan = json.load(f)
    t = plan["totals"]
    expect(len(plan["runs"]) == 12 and t["runs"] == 12, "plan --json runs", 12, t["runs"])
    expect(plan["runs"][7]["binds_from"] == 1, "run 7 binds from run 1", 1,
           plan["runs"][7]["binds_from"])
    expect(plan["runs"][7]["params"]["init_seed"] == 6, "run 7's seed")
    total = sum(r["est_seconds"] for r in plan["runs"])
    expect(abs(total - t["core_seconds"]) < 1e-9 * total, "core_seconds is the sum", total,
           t["core_seconds"])
    expect(t["critical_path_seconds"] == max(r["chain_seconds"] for r in plan["runs"]),
           "critical path")
    want = max(t["core_seconds"] / 4, t["critical_path_seconds"])
    expect(t["ranks"] == 4 and abs(t["wall_seconds"] - want) < 1e-12, "wall time for 4 ranks",
           want, t["wall_seconds"])
    with open(status_path) as f:
        st = json.load(f)
    expect(st["counts"]["done"] == 12 and st["counts"]["pending"] == 0, "status --json counts",
           12, st["counts"])
    expect(len(st["rows"]) == 12 and st["rows"][3]["state"] == "done", "status rows")
    expect(st["eta_seconds"] == 0, "nothing left", 0, st["eta_seconds"])


def main():
    path, csv_path, json_path, curves_path, plan_path, status_path = sys.argv[1:7]
    check_xarray(path)
    check_export(csv_path, json_path, curves_path)
    check_plan_status(plan_path, status_path)
    print("check_tidy: ok")


if __name__ == "__main__":
    main()
