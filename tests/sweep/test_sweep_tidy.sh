#!/usr/bin/env bash
# The results file as a labelled dataset and ihsweep's machine-readable outputs: a 2-rank sweep of
# tiny.json read by xarray (coordinates, units, selection, seq, the tidy t* table: check_tidy.py)
# and by ncdump; stored configs (canonical, hashed, every field; `ihsweep train` on a row's config
# reproduces it bit for bit); export (CSV, JSON, netCDF-4, long curves, --where), plan --json,
# status --json (running / interrupted / pending, ETA); a schema-2 file is not resumed; a schema-1
# file (parameters under their field paths) still opens in status, analyze and export; "did you
# mean" for mistyped names.
TOOL=$1
source "$(dirname "$0")/lib.sh"
cd "$dir" || exit 1
py=/usr/bin/python3
sweep 2 run "$DATA/tiny.json" -o t.h5 >run.txt 2>&1
expect_rc 0 $? "2-rank sweep" run.txt
"$IHSWEEP" export t.h5 -o all.csv >export.txt 2>&1
expect_rc 0 $? "export" export.txt
"$IHSWEEP" export t.h5 --format json --where condition=pt_pattern >pt.json 2>export.txt
expect_rc 0 $? "export --format json --where" export.txt
"$IHSWEEP" export t.h5 --curves loss,train_loss --where seed=5 >curves.csv 2>export.txt
expect_rc 0 $? "export --curves" export.txt
"$IHSWEEP" plan "$DATA/tiny.json" --json --ranks 4 >plan.json 2>plan.txt
expect_rc 0 $? "plan --json" plan.txt
"$IHSWEEP" status t.h5 --json >status.json 2>status.txt
expect_rc 0 $? "status --json" status.txt
out=$("$py" "$(dirname "$0")/check_tidy.py" t.h5 all.csv pt.json curves.csv plan.json \
  status.json 2>&1) && ok "$out" || bad "$out"

# a row's config alone reproduces the row with `ihsweep train`: run 7 binds pt_head and rest_ih
# from run 1 (its /runs/resolved_config holds them), run 0 binds nothing (its resolved_config is
# empty: /runs/config is what it trained with); the curves are bit for bit the same, and the
# trained file stores the same canonical config text and hash
"$py" - t.h5 <<'PY' >cfg.txt 2>&1 && ok "stored configs: canonical, hashed, bound where needed" || { bad "stored configs"; cat cfg.txt; }
import sys, json, h5py
f = h5py.File(sys.argv[1], "r")
def fnv1a(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h
for i in range(f["run"].shape[0]):
    c, r = f["runs/config"][i], f["runs/resolved_config"][i]
    assert fnv1a(c) == int(f["runs/hash"][i]), ("hash", i)
    assert json.dumps(json.loads(c), separators=(",", ":")).encode() == c, ("canonical", i, c)
    assert (r != b"") == (int(f["runs/stage"][i]) == 1), ("resolved only where heads bound", i)
open("r7.json", "wb").write(f["runs/resolved_config"][7])
open("r0.json", "wb").write(f["runs/config"][0])
PY
grep -q '"progress_heads":{"strongest_ih":[0-9]' r7.json && ! grep -q 'rest_ih\|pt_head"\]' r7.json &&
  ok "run 7's resolved config has its heads bound" || { bad "resolved config"; cat r7.json; }
# every field is stored: the key set of a stored config is the default config's (plan --json of a
# sweep that sets nothing but tiny.json's source type: a source writes only its type's keys, and
# the default lowrank has `rank`, synthetic not), clamp lists aside
echo '{"name": "defaults", "base": {"data": {"source": {"type": "synthetic"}}}}' >d.json
"$IHSWEEP" plan d.json --json >d_plan.json 2>err.txt
expect_rc 0 $? "plan --json of a sweep that sets only the source type" err.txt
"$py" - t.h5 d_plan.json <<'PY' >keys.txt 2>&1 && ok "stored configs hold every field" || { bad "key sets"; cat keys.txt; }
import sys, json, h5py
def keys(x, p=""):
    out = set()
    if isinstance(x, dict):
        for k, v in x.items():
            q = p + "." + k if p else k
            if q != "clamps":
                out |= {q} | keys(v, q)
    elif isinstance(x, list):
        for v in x:
            out |= keys(v, p + "[]")
    return out
want = keys(json.load(open(sys.argv[2]))["runs"][0]["config"])
assert len(want) > 60, len(want)
f = h5py.File(sys.argv[1], "r")
for i in [0, 7]:
    got = keys(json.loads(f["runs/config"][i]))
    assert got == want, (i, sorted(want - got), sorted(got - want))
PY
for run in 7 0; do
  "$IHSWEEP" train r$run.json -o r$run.h5 >train.txt 2>&1
  expect_rc 0 $? "train on row $run's config" train.txt
  "$py" - t.h5 r$run.h5 $run <<'PY' >same.txt 2>&1 && ok "train reproduces row $run bit for bit" || { bad "row $run"; cat same.txt; }
import sys, h5py, numpy as np
a, b, i = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), int(sys.argv[3])
n = b["eval"].shape[0]
for k in ["curves/eval_seq", "curves/fsl_train/loss", "curves/fsl_val_rl/acc", "curves/train_loss",
          "curves/induction_strength", "curves/loss_no_last_layer", "curves/probe_logits"]:
    x, y = a[k][i, :n], b[k][0]
    assert x.tobytes() == y.tobytes(), k
    assert not np.isnan(x[:n]).all(), k
for k in ["summary/t_steepest", "runs/strongest_ih", "runs/pt_head", "posthoc/only_head_acc"]:
    assert a[k][i].tobytes() == b[k][0].tobytes(), k
row = a["runs/resolved_config"][i] or a["runs/config"][i]
assert b["runs/config"][0] == row, "train stores the row's canonical config"
if not a["runs/resolved_config"][i]:
    assert b["runs/hash"][0] == a["runs/hash"][i], "and the same hash"
PY
done

# a file of results schema 2 (run hashes over struct bytes) is not resumed: one clear line
cp t.h5 v2.h5
"$py" -c 'import sys, h5py, numpy as np
h5py.File(sys.argv[1], "a").attrs["schema_version"] = np.int32(2)' v2.h5
sweep 1 run "$DATA/tiny.json" -o v2.h5 --resume >v2.txt 2>&1
expect_rc 65 $? "resuming a schema-2 file" v2.txt
grep -q "v2.h5 has results schema 2, whose run hashes cover the config struct's bytes" v2.txt &&
  ok "schema-2 resume refused with the reason" || { bad "schema-2 resume"; cat v2.txt; }
sweep 1 run "$DATA/tiny.json" -o h.h5 --runs 7 --heads-from v2.h5 >v2.txt 2>&1
expect_rc 65 $? "--heads-from a schema-2 file" v2.txt
grep -q "v2.h5 has results schema 2" v2.txt &&
  ok "--heads-from a schema-2 file refused with the reason" || { bad "schema-2 heads"; cat v2.txt; }
"$IHSWEEP" status v2.h5 >v2.txt 2>&1
expect_rc 0 $? "status of a schema-2 file" v2.txt
"$IHSWEEP" export v2.h5 -o v2.csv >v2.txt 2>&1
expect_rc 0 $? "export of a schema-2 file" v2.txt
cmp -s v2.csv all.csv && ok "schema-2 export equals the file's" || { bad "schema-2 export"; diff v2.csv all.csv | head; }

# netCDF tools read the file
if command -v ncdump >/dev/null; then
  ncdump -h t.h5 >nc.txt 2>&1
  expect_rc 0 $? "ncdump -h" nc.txt
  grep -q 'double t_star(run) ;' nc.txt && grep -q 't_star:units = "sequences"' nc.txt &&
    grep -q 'string condition(run) ;' nc.txt && grep -q 'int64 K(run) ;' nc.txt &&
    grep -q 'status:flag_meanings = "pending done diverged failed"' nc.txt &&
    ok "ncdump sees variables, units, flags" || { bad "ncdump header"; head -40 nc.txt; }
else
  bad "ncdump not found (Debian: netcdf-bin, .ci/install-deps test)"
fi

# export --format nc: the CSV table as a netCDF-4 file (per run over "run"; with --curves the
# long table over "row"), read by ncdump and by xarray with the CSV's values
"$IHSWEEP" export t.h5 --format nc -o all.nc >nc.txt 2>&1
expect_rc 0 $? "export --format nc" nc.txt
"$IHSWEEP" export t.h5 --format nc -o curves.nc --curves loss,train_loss --where seed=5 >nc.txt 2>&1
expect_rc 0 $? "export --format nc --curves" nc.txt
"$IHSWEEP" export t.h5 --format nc >/dev/null 2>nc.txt
expect_rc 64 $? "export --format nc without -o" nc.txt
if command -v ncdump >/dev/null; then
  ncdump -h all.nc >nch.txt 2>&1
  expect_rc 0 $? "ncdump -h of the nc export" nch.txt
  grep -q '^	run = 12 ;' nch.txt && grep -q 'int64 run(run) ;' nch.txt &&
    grep -q 'string condition(run) ;' nch.txt && grep -q 'double t_star(run) ;' nch.txt &&
    grep -q 't_star:_FillValue = NaN ;' nch.txt && grep -q 't_star:units = "sequences" ;' nch.txt &&
    grep -q 'int64 K(run) ;' nch.txt && grep -q 'fsl_train_loss:units = "nats" ;' nch.txt &&
    grep -q ':Conventions = "CF-1.8" ;' nch.txt &&
    ok "ncdump sees the export's dimension, variables, units, fills" || { bad "nc export header"; cat nch.txt; }
  ncdump -h curves.nc >nch.txt 2>&1
  grep -q 'int64 eval(row) ;' nch.txt && grep -q 'seq:units = "sequences" ;' nch.txt &&
    ok "ncdump reads the long nc export" || { bad "nc curves header"; cat nch.txt; }
else
  bad "ncdump not found (Debian: netcdf-bin, .ci/install-deps test)"
fi
"$py" - all.nc all.csv curves.nc curves.csv <<'PY' >nc.txt 2>&1 && ok "xarray reads the nc export with the CSV's values" || { bad "nc vs csv"; cat nc.txt; }
import sys, numpy as np, pandas as pd, xarray as xr
for nc, csv, dim in [(sys.argv[1], sys.argv[2], "run"), (sys.argv[3], sys.argv[4], "row")]:
    ds = xr.open_dataset(nc, engine="h5netcdf")
    df = pd.read_csv(csv, keep_default_na=False, na_values=[""])
    assert list(ds.dims) == [dim] and ds.sizes[dim] == len(df) > 0, (dim, ds.sizes, len(df))
    assert sorted(ds.variables) == sorted(set(df.columns) | {dim}), (list(ds.variables), list(df.columns))
    for col in df.columns:
        a, b = ds[col].values, df[col].values
        if a.dtype.kind in "OU":
            b = ["" if isinstance(x, float) else str(x) for x in b]
            assert [str(x) for x in a] == b, col
        else:
            assert np.array_equal(a.astype(float), b.astype(float), equal_nan=True), (col, a, b)
    assert ds.attrs["Conventions"] == "CF-1.8"
ds = xr.open_dataset(sys.argv[1], engine="h5netcdf")
assert ds["t_star"].attrs["units"] == "sequences" and ds["run"].values.tolist() == list(range(12))
PY

# mistyped names
"$IHSWEEP" export t.h5 --where Kk=50 >/dev/null 2>err.txt
expect_rc 64 $? "export --where of an unknown column" err.txt
grep -q "did you mean K?" err.txt && ok "--where suggests K" || { bad "suggestion"; cat err.txt; }
"$IHSWEEP" exprt t.h5 >/dev/null 2>err.txt
expect_rc 64 $? "a mistyped command" err.txt
grep -q "did you mean 'export'" err.txt && ok "suggests export" || { bad "suggestion"; cat err.txt; }

"$IHSWEEP" plan "$DATA/tiny.json" --set train_iter=100 >/dev/null 2>err.txt
expect_rc 78 $? "--set of a mistyped field" err.txt
grep -q 'did you mean "train_iters"' err.txt && ok "suggests train_iters" || { bad "suggestion"; cat err.txt; }
"$IHSWEEP" plan "$DATA/tiny.json" train_iters=100 >/dev/null 2>err.txt
expect_rc 64 $? "a bare FIELD=VALUE" err.txt
grep -q "pass it as --set train_iters=100" err.txt && ok "hints --set" || { bad "hint"; cat err.txt; }
"$IHSWEEP" plan "$DATA/tiny.json" --sett train_iters=100 >/dev/null 2>err.txt
expect_rc 64 $? "a mistyped option" err.txt
grep -q "did you mean '--set'" err.txt && ok "suggests --set" || { bad "suggestion"; cat err.txt; }

# --axis adds a swept axis from the command line (shown by plan, stored by run)
"$IHSWEEP" plan "$DATA/tiny.json" --axis optimizer.lr=1e-5,3e-5 --json >axis.json 2>err.txt
expect_rc 0 $? "plan --axis" err.txt
"$py" -c 'import json, sys; p = json.load(open(sys.argv[1]))
assert p["totals"]["runs"] == 24, p["totals"]
assert p["params"] == ["data.class_split[0]", "data.class_split[1]", "optimizer.lr", "init_seed"]
assert [r["params"]["optimizer.lr"] for r in p["runs"][:4]] == [1e-5, 1e-5, 3e-5, 3e-5]' axis.json \
  2>err.txt && ok "--axis doubles the grid" || { bad "--axis"; cat err.txt; }
sweep 1 run "$DATA/tiny.json" -o ax.h5 --axis optimizer.lr=1e-5,3e-5 --runs 0 --set train_iters=2000 \
  >ax.txt 2>&1
expect_rc 0 $? "run --axis" ax.txt
"$IHSWEEP" export ax.h5 --where run=0 >ax.csv 2>ax.txt
head -1 ax.csv | grep -q ",lr," && ok "the axis is a column (lr)" || { bad "axis column"; cat ax.csv; }

# a partial sweep: runs outside the latest --runs selection are not pending; running (fresh
# checkpoint), interrupted (old one), pending; an ETA
sweep 1 run "$DATA/tiny.json" -o p.h5 --runs 0-1 >prun.txt 2>&1
expect_rc 0 $? "partial sweep" prun.txt
"$IHSWEEP" status p.h5 >pst.txt 2>&1
grep -q "^progress: 2/2 done, 0 diverged, 0 failed, 0 pending, 0 running, 0 interrupted; 10 more not selected" pst.txt &&
  ok "runs outside --runs are not pending" || { bad "selection in status"; cat pst.txt; }
sweep 1 run "$DATA/tiny.json" -o p.h5 --runs 0-3 --resume >prun.txt 2>&1
expect_rc 0 $? "resume with a larger selection" prun.txt
mkdir -p p.h5.ckpt && touch p.h5.ckpt/run-4.ckpt && touch -d '2 hours ago' p.h5.ckpt/run-5.ckpt
"$IHSWEEP" status p.h5 --runs 0-11 >pst.txt 2>&1
expect_rc 0 $? "status of a partial file" pst.txt
grep -q "4/12 done, 0 diverged, 0 failed, 6 pending, 1 running, 1 interrupted" pst.txt &&
  grep -q "^eta: about" pst.txt && ok "running, interrupted, pending and an ETA" ||
  { bad "partial status"; cat pst.txt; }
rm -rf p.h5.ckpt

# a schema-1 file: parameters under their field paths, no short names
cp t.h5 old.h5
"$py" - old.h5 <<'PY' >conv.txt 2>&1
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "a") as f:
    for short, field in [("K", "data.class_split[0]"), ("class_split_1", "data.class_split[1]"),
                         ("seed", "init_seed")]:
        for g in ["curves", "summary", "posthoc"]:
            del f[g][short]
        f["runs"].move(short, field)
    f.attrs["schema_version"] = np.int32(1)
PY
expect_rc 0 $? "making a schema-1 file" conv.txt
"$TOOL" rechecksum old.h5 >conv.txt 2>&1 # rows as a schema-1 writer left them
expect_rc 0 $? "rewriting the rows in schema 1" conv.txt
"$IHSWEEP" status old.h5 >old.txt 2>&1
expect_rc 0 $? "status of a schema-1 file" old.txt
grep -q "12/12 done" old.txt && ok "schema-1 rows verify" || { bad "schema-1 status"; cat old.txt; }
"$IHSWEEP" analyze old.h5 --no-store >old.txt 2>&1
expect_rc 0 $? "analyze of a schema-1 file" old.txt
"$IHSWEEP" export old.h5 --where K=100 >old.csv 2>old.txt
expect_rc 0 $? "export of a schema-1 file" old.txt
[ "$(wc -l <old.csv)" = 7 ] && ok "schema-1 export --where K=100: 6 rows" ||
  { bad "schema-1 export"; cat old.csv; }
finish
