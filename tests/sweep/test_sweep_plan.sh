#!/usr/bin/env bash
# `ihsweep plan` lists every run and touches no file; bad sweeps and options fail with the file
# position and field; the repository's sweeps plan; a broken Slurm launch is caught (exit 64).
TOOL=
source "$(dirname "$0")/lib.sh"
cd "$dir" || exit 1
"$IHSWEEP" plan "$DATA/tiny.json" >plan.txt 2>&1
expect_rc 0 $? "plan" plan.txt
[ "$(grep -c '^ *[0-9]* *\(baseline\|clamps\) ' plan.txt)" = 12 ] && ok "plan lists 12 runs" ||
  { bad "plan does not list 12 runs"; cat plan.txt; }
grep -q "^total: 12 runs" plan.txt && ok "plan prints totals" || bad "no totals"
grep -q "^    7  clamps *pt_pattern *1 " plan.txt && ok "run 7 binds heads from run 1" ||
  bad "run 7's row: $(grep '^    7 ' plan.txt)"
[ "$(ls | sort | tr '\n' ' ')" = "plan.txt " ] && ok "plan wrote no file" || bad "plan wrote $(ls)"
"$IHSWEEP" plan "$DATA/tiny.json" --runs 7 --set train_iters=2000 >sel.txt 2>&1
expect_rc 0 $? "plan --runs 7 --set" sel.txt
grep -q "^total: 2 runs" sel.txt && grep -q "1 run added" sel.txt &&
  ok "--runs 7 lists run 7 and its source" || { bad "--runs 7"; cat sel.txt; }
grep -q "^    1 .* 2000 " sel.txt && ok "--set shortens the runs" || bad "--set train_iters"
"$IHSWEEP" plan "$DATA/tiny.json" --set seeds=3 >err.txt 2>&1
expect_rc 78 $? "--set of an unknown field" err.txt
"$IHSWEEP" plan "$DATA/tiny.json" --set init_seed=3 >err.txt 2>&1
expect_rc 64 $? "--set of a swept field" err.txt
printf '{"name": "bad",\n "axes": [{"field": "data.class_split",\n  "values": [[50, 1473, 100], [9]]}]}\n' >bad.json
"$IHSWEEP" plan bad.json >err.txt 2>&1
expect_rc 78 $? "plan of a bad sweep" err.txt
grep -q "bad.json:3:31: axes\[0\].values\[1\]: run 1 .*data.class_split: expected 3 entries" err.txt &&
  ok "the error names file:line:col and the field" || { bad "error message"; cat err.txt; }
for f in quickstart paper/main paper/data_dependence; do
  log=$(echo "$f" | tr / _).txt
  "$IHSWEEP" plan "$IHSWEEP_SOURCE_DIR/sweeps/$f.json" >"$log" 2>&1
  expect_rc 0 $? "plan sweeps/$f.json ($(grep '^total' "$log"))" "$log"
done
# srun without PMIx: every task is a singleton MPI job
SLURM_NTASKS=2 SLURM_PROCID=0 "$IHSWEEP" run "$DATA/tiny.json" -o slurm.h5 >slurm.txt 2>&1
expect_rc 64 $? "a broken Slurm launch" slurm.txt
grep -q "srun --mpi=pmix" slurm.txt && ok "the error names the fix" || { bad "message"; cat slurm.txt; }
[ ! -e slurm.h5 ] && ok "nothing was written" || bad "slurm.h5 was written"
finish
