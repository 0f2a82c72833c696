#!/usr/bin/env bash
# The same sweep on 1, 2 and 3 ranks (and with rank 0 as a dedicated scheduler) gives identical
# result datasets; every run is trained once; status prints the same table; h5py and xarray read
# the file; --runs keeps the layout and ids; shards (--shard i/n) merge into the same file.
TOOL=$1
PY=$2
source "$(dirname "$0")/lib.sh"
S=$DATA/tiny.json
for np in 1 2 3; do
  sweep "$np" run "$S" -o "$dir/np$np.h5" --progress-every 1 >"$dir/np$np.log" 2>&1
  expect_rc 0 $? "run on $np rank(s)" "$dir/np$np.log"
  [ "$(trained "$dir/np$np.log")" = 12 ] && ok "np $np trained each of the 12 runs once" ||
    bad "np $np trained $(trained "$dir/np$np.log") runs, expected 12"
done
# osc/pt2pt needs rank 0's help for one-sided access: the start-up probe must see it and let
# rank 0 only schedule; the results stay the same
"$MPIEXEC" --oversubscribe --mca osc pt2pt -n 3 "$IHSWEEP" run "$S" -o "$dir/pt2pt.h5" \
  --progress-every 0 >"$dir/pt2pt.log" 2>&1
expect_rc 0 $? "run on 3 ranks with osc/pt2pt" "$dir/pt2pt.log"
grep -q "scheduler: rank 0 schedules only" "$dir/pt2pt.log" &&
  ok "osc/pt2pt: rank 0 schedules only" || bad "osc/pt2pt: $(grep scheduler: "$dir/pt2pt.log")"
grep -q "scheduler: every rank trains" "$dir/np2.log" && ok "osc/sm: every rank trains" ||
  bad "osc/sm: $(grep scheduler: "$dir/np2.log")"
same "$dir/np1.h5" "$dir/pt2pt.h5" "1 rank vs 3 ranks with a dedicated scheduler"
same "$dir/np1.h5" "$dir/np2.h5" "1 vs 2 ranks"
same "$dir/np1.h5" "$dir/np3.h5" "1 vs 3 ranks"
grep -q "^clamps *pt_pattern *2/2 " "$dir/np2.log" && ok "run prints the t* table" ||
  bad "no t* table row for clamps/pt_pattern in the run log"
grep -q $'\r' "$dir/np2.log" && bad "carriage return in the progress output" ||
  ok "no carriage returns in the progress output"
"$IHSWEEP" status "$dir/np2.h5" >"$dir/status.txt" 2>&1
expect_rc 0 $? "status" "$dir/status.txt"
grep -q "^progress: 12/12 done, 0 diverged, 0 failed, 0 pending" "$dir/status.txt" &&
  ok "status counts" || { bad "status counts"; cat "$dir/status.txt"; }
diff <(grep -A20 '^t\* = ' "$dir/np2.log" | grep -v '^results:') \
     <(grep -A20 '^t\* = ' "$dir/status.txt") >/dev/null &&
  ok "status prints the same t* table as run" || bad "status and run tables differ"
/usr/bin/python3 "$PY" "$dir/np2.h5" >"$dir/py.log" 2>&1 && ok "h5py and xarray: $(tail -n 1 "$dir/py.log")" ||
  { bad "python check"; cat "$dir/py.log"; }

# a sweep cut short so that no run crosses: t* NaN in every row, censored medians (">T") in the
# tables of run, status and analyze, NaN medians in /analysis
sweep 2 run "$S" -o "$dir/short.h5" --set train_iters=2000 --progress-every 0 >"$dir/short.log" 2>&1
expect_rc 0 $? "run cut short" "$dir/short.log"
grep -q "^clamps *pt_pattern *2/2 *0 *0 *0 *>2k " "$dir/short.log" &&
  ok "run table: censored median >2k" || { bad "run table: no >2k"; cat "$dir/short.log"; }
"$IHSWEEP" status "$dir/short.h5" >"$dir/short_status.txt" 2>&1
grep -q "^baseline *none *2/2 *0 *0 *0 *>2k " "$dir/short_status.txt" &&
  ok "status: censored median >2k" || { bad "status: no >2k"; cat "$dir/short_status.txt"; }
"$IHSWEEP" analyze "$dir/short.h5" --no-pca >"$dir/short_analyze.txt" 2>&1
expect_rc 0 $? "analyze of the cut-short sweep" "$dir/short_analyze.txt"
[ "$(grep -c '^[a-z_]* *[0-9]* *[0-9]* *[0-9] *0/[0-9] *0 *>2k ' "$dir/short_analyze.txt")" = 6 ] &&
  ok "analyze: >2k in all 6 rows" || { bad "analyze: >2k rows"; cat "$dir/short_analyze.txt"; }
/usr/bin/python3 "$PY" "$dir/short.h5" --none-crossed >"$dir/short_py.log" 2>&1 &&
  ok "$(tail -n 1 "$dir/short_py.log")" || { bad "python check (none crossed)"; cat "$dir/short_py.log"; }

# --runs: one clamp run (its baseline source is added); then the rest on resume
sweep 2 run "$S" -o "$dir/runs.h5" --runs 7 >"$dir/runs.log" 2>&1
expect_rc 0 $? "run --runs 7" "$dir/runs.log"
st=$("$TOOL" status "$dir/runs.h5" | awk '$2 != 0 {printf "%s,", $1}')
[ "$st" = "1,7," ] && ok "--runs 7 ran runs 1 (its source) and 7" || bad "--runs 7 finished rows $st"
sweep 2 run "$S" -o "$dir/runs.h5" --resume >"$dir/runs2.log" 2>&1
expect_rc 0 $? "resume after --runs" "$dir/runs2.log"
[ "$(trained "$dir/runs2.log")" = 10 ] && ok "the resume trained the other 10 runs" ||
  bad "the resume trained $(trained "$dir/runs2.log") runs, expected 10"
same "$dir/np1.h5" "$dir/runs.h5" "--runs then resume vs one sweep"

# shards and merge
for i in 0 1 2; do
  sweep 1 run "$S" -o "$dir/shard$i.h5" --shard $i/3 >"$dir/shard$i.log" 2>&1
  expect_rc 0 $? "run --shard $i/3" "$dir/shard$i.log"
done
sweep 2 merge "$dir/merged.h5" "$dir/shard0.h5" "$dir/shard1.h5" "$dir/shard2.h5" >"$dir/merge.log" 2>&1
expect_rc 0 $? "merge of 3 shards" "$dir/merge.log"
same "$dir/np1.h5" "$dir/merged.h5" "merged shards vs one sweep"
finish
