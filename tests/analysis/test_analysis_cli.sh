#!/usr/bin/env bash
# `ihsweep analyze` and `ihsweep plot` on a small synthetic results file (one run pending):
# tables and CSV, the same output under mpirun -n 2, --by, /analysis readable by h5py and xarray,
# every figure in PNG/SVG/PDF with real content, the PCA benchmark, usage errors (exit 64), and
# errors under mpirun reported once.
# Usage: test_analysis_cli.sh MAKER   (MAKER: the test_analysis_file executable)
set -u
maker=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$PWD/analysis_cli
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
py=/usr/bin/python3
fail=0 passed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
expect() { # description, expected status, command...
  local what=$1 want=$2; shift 2
  "$@" >out.txt 2>err.txt; local got=$?
  if [ "$got" != "$want" ]; then
    bad "$what: exit $got, expected $want"; cat out.txt err.txt
  else
    ok
  fi
}

"$MPIEXEC" --oversubscribe -n 2 "$maker" --make sweep.h5 || { echo "FAIL: cannot make sweep.h5"; exit 1; }

expect "analyze --csv into a missing directory" 74 "$IHSWEEP" analyze sweep.h5 --csv no/such/t.csv
mkdir -p tables
expect "analyze --csv" 0 "$IHSWEEP" analyze sweep.h5 --csv tables/timing.csv
grep -q "1 pending run skipped" out.txt && ok || bad "no pending note"
grep -q "^condition  *n_train_classes  *fs_relabel  *runs  *done  *crossed" out.txt && ok || bad "table header"
grep -q "replicates are the seeds" out.txt && ok || bad "table: replicates not named"
grep -q "^none  *50  *5  *3  *2  *1/2  *1  *[0-9.]*k  *\[[0-9.]*k, >[0-9.]*k\]" out.txt && ok ||
  bad "censored group: KM median with an open interval"
grep -q "explained variance ratio" out.txt && ok || bad "no PCA summary"
grep -q "stored /analysis" out.txt && ok || bad "not stored"
[ "$(grep -c '^none  *[0-9]' out.txt)" = 6 ] && ok || bad "expected 6 table rows of condition none"
head -1 tables/timing.csv | grep -q "^condition,n_train_classes,fs_relabel,n_runs,n_done,n_crossed" && ok || bad "csv header"
[ "$(wc -l <tables/timing.csv)" = 25 ] && ok || bad "csv rows: $(wc -l <tables/timing.csv)"
[ -s tables/timing_fits.csv ] && ok || bad "no fits csv"
cp out.txt serial.txt

expect "analyze under mpirun -n 2" 0 "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" analyze sweep.h5
[ "$(grep -c '^condition ' out.txt)" = 2 ] && ok || bad "mpirun output not printed once (table + fits headers)"
diff <(grep -v 'time:\|grid\|^wrote\|^$' serial.txt) <(grep -v 'time:\|grid\|^$' out.txt) >/dev/null \
  && ok || bad "mpirun -n 2 output differs from the serial one"

# an error under mpirun: one report, from one rank, with the message of the rank that failed
expect "analyze --csv into a missing directory, mpirun -n 2" 74 \
  "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" analyze sweep.h5 --csv no/such/t.csv --no-store
[ "$(grep -c '^ihsweep analyze: error:' err.txt)" = 1 ] && ok || bad "mpirun -n 2: not one error line"
grep -q '^ihsweep analyze: error: .*no/such/t.csv' err.txt && ok || bad "mpirun -n 2: path not named"
expect "plot unknown --x, mpirun -n 2" 64 \
  "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" plot sweep.h5 -o figs/x --x nope
[ "$(grep -c '^ihsweep plot: error:' err.txt)" = 1 ] && ok || bad "plot, mpirun -n 2: not one error line"

expect "analyze --by" 0 "$IHSWEEP" analyze sweep.h5 --by n_train_classes --no-store --no-pca
grep -q "^condition  *n_train_classes  *runs" out.txt && ok || bad "--by header"
expect "analyze --by unknown" 64 "$IHSWEEP" analyze sweep.h5 --by nope --no-store
[ "$(wc -l <err.txt)" = 1 ] && ok || bad "--by unknown: not one line"
expect "analyze without file" 64 "$IHSWEEP" analyze
expect "analyze missing file" 66 "$IHSWEEP" analyze missing.h5

# /analysis as h5py and xarray see it (after a full analyze)
expect "analyze again" 0 "$IHSWEEP" analyze sweep.h5
"$py" - <<'EOF' && ok || bad "/analysis not readable by h5py/xarray"
import csv, h5py, numpy as np, xarray as xr
t = xr.open_dataset("sweep.h5", engine="h5netcdf", group="analysis/timing")
f = xr.open_dataset("sweep.h5", engine="h5netcdf", group="analysis/fits")
p = xr.open_dataset("sweep.h5", engine="h5netcdf", group="analysis/pca")
assert t.sizes["group"] == 24, t.sizes
assert p["trajectory"].dims == ("run", "eval", "component"), p["trajectory"].dims
assert p["components"].dims == ("component", "feature")
rows = list(csv.DictReader(open("tables/timing.csv")))
med = np.array([float(r["t_star_km_median"] or "nan") for r in rows])
assert np.allclose(t["t_star_km_median"].values, med, rtol=1e-12, equal_nan=True), med
assert t["t_star_km_median"].attrs["units"] == "sequences"
assert f.sizes["fit"] == 8, f.sizes
assert (f["n_censored"].values >= 0).all() and list(f["parameter"].values[:2]) == [b"n_train_classes", b"fs_relabel"], f["parameter"].values
with h5py.File("sweep.h5", "r") as h:
    assert h["analysis/timing"].attrs["n_pending"] == 1
    assert h["analysis/timing"].attrs["replicates"] == "seeds"
    ratio = h["analysis/pca/explained_variance_ratio"][:]
    assert np.all(np.diff(ratio) <= 0) and 0 < ratio.sum() <= 1 + 1e-12, ratio
print("xarray/h5py: ok")
EOF

figs="phase_change_map loss_curves induction_strength tstar_heatmap clamp_comparison essential_dynamics"
expect "plot --format all" 0 "$IHSWEEP" plot sweep.h5 -o figs/all --format all
[ "$(grep -c '^wrote' out.txt)" = 6 ] && ok || bad "plot did not report 6 figures"
"$py" "$here/check_figures.py" figs/all $figs --formats png,svg,pdf && ok || bad "figures"
expect "plot one-row heatmap" 0 "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" plot sweep.h5 -o figs/row --format png --x n_train_classes
"$py" "$here/check_figures.py" figs/row $figs --formats png && ok || bad "figures (one-row heatmap)"
expect "plot --y none (conditions as rows)" 0 "$IHSWEEP" plot sweep.h5 -o figs/none --format png --y none
"$py" "$here/check_figures.py" figs/none $figs --formats png && ok || bad "figures (--y none)"
expect "plot --x fs_relabel --y n_train_classes" 0 "$IHSWEEP" plot sweep.h5 -o figs/xy --format svg --x fs_relabel --y n_train_classes
expect "plot --run 1 (a censored run)" 0 "$IHSWEEP" plot sweep.h5 -o figs/run --run 1
"$py" "$here/check_figures.py" figs/run run_1 && ok || bad "figure run_1"
expect "plot --run of a pending run" 64 "$IHSWEEP" plot sweep.h5 -o figs/run --run 71
expect "plot --run not a number" 64 "$IHSWEEP" plot sweep.h5 -o figs/run --run x
"$IHSWEEP" plot --help >help.txt && ! grep -q '%%' help.txt && "$IHSWEEP" analyze --help >help.txt &&
  ! grep -q '%%' help.txt && ok || bad "--help prints a doubled %"
expect "plot without -o" 64 "$IHSWEEP" plot sweep.h5
expect "plot bad format" 64 "$IHSWEEP" plot sweep.h5 -o x --format gif
expect "plot unknown --x" 64 "$IHSWEEP" plot sweep.h5 -o figs/x --x nope

# a sweep that has not finished a single run yet
"$MPIEXEC" --oversubscribe -n 1 "$maker" --make-empty empty.h5 || bad "cannot make empty.h5"
expect "analyze, nothing finished" 0 "$IHSWEEP" analyze empty.h5
grep -q "72 pending runs skipped" out.txt && ok || bad "empty: pending note"
expect "plot, nothing finished" 0 "$IHSWEEP" plot empty.h5 -o figs/empty
[ "$(grep -c '^skipped' out.txt)" = 6 ] && ok || bad "empty: expected 6 skipped figures"

expect "bench-pca" 0 "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" analyze --bench-pca 3000x40 --block 16
grep -q "pca bench: 3000 x 40, k 5, 2 ranks, grid 2x1" out.txt && ok || bad "bench output"

echo "test_analysis_cli: $passed passed, $fail failed"
[ $fail -eq 0 ]
