#!/usr/bin/env bash
# Stages and shards compose without training a run twice: the source runs (those others bind
# heads from) in one file, then shards of the other runs that bind heads from it (--heads-from)
# instead of re-training their sources; merged, the same bytes as one sweep. A --heads-from file
# that lacks a needed source, or comes from another sweep, is refused; plan --heads-from does not
# add sources either.
TOOL=$1
source "$(dirname "$0")/lib.sh"
S=$DATA/tiny.json
sweep 2 run "$S" -o "$dir/ref.h5" --progress-every 0 >"$dir/ref.log" 2>&1
expect_rc 0 $? "reference sweep" "$dir/ref.log"
plan_ids() { "$IHSWEEP" plan "$S" "$@" | awk '$1 ~ /^[0-9]+$/ && NF >= 8 {printf "%s,", $1}'; }
[ "$(plan_ids --runs 4-11 --shard 1/2)" = "0,1,2,3,5,7,9,11," ] && ok "plan --shard adds the sources" ||
  bad "plan --runs 4-11 --shard 1/2 lists $(plan_ids --runs 4-11 --shard 1/2)"
[ "$(plan_ids --runs 4-11 --shard 1/2 --heads-from x.h5)" = "5,7,9,11," ] &&
  ok "plan --heads-from adds no sources" || bad "plan --heads-from lists $(plan_ids --runs 4-11 --shard 1/2 --heads-from x.h5)"

sweep 2 run "$S" -o "$dir/src.h5" --runs 0-3 --progress-every 0 >"$dir/src.log" 2>&1
expect_rc 0 $? "source runs 0-3" "$dir/src.log"
total=$(trained "$dir/src.log")
for i in 0 1; do
  sweep 2 run "$S" -o "$dir/s$i.h5" --runs 4-11 --shard $i/2 --heads-from "$dir/src.h5" \
    --progress-every 0 >"$dir/s$i.log" 2>&1
  expect_rc 0 $? "shard $i/2 of runs 4-11 with --heads-from" "$dir/s$i.log"
  grep -q "runs added because" "$dir/s$i.log" && bad "shard $i added sources"
  total=$((total + $(trained "$dir/s$i.log")))
done
[ "$total" = 12 ] && ok "4 + 4 + 4 runs trained: each of the 12 once" || bad "$total runs trained, expected 12"
sweep 1 merge "$dir/merged.h5" "$dir/src.h5" "$dir/s0.h5" "$dir/s1.h5" >"$dir/merge.log" 2>&1
expect_rc 0 $? "merge of sources and shards" "$dir/merge.log"
same "$dir/ref.h5" "$dir/merged.h5" "chained shards vs one sweep"

sweep 1 run "$S" -o "$dir/bad.h5" --runs 4 --heads-from "$dir/s0.h5" >"$dir/bad.log" 2>&1
expect_rc 65 $? "--heads-from a file without the source" "$dir/bad.log"
grep -q "binds heads from run 0, which is not done in --heads-from" "$dir/bad.log" &&
  ok "the refusal names the missing source" || bad "refusal: $(tail -n 1 "$dir/bad.log")"
sweep 1 run "$S" -o "$dir/other.h5" --runs 4 --heads-from "$dir/src.h5" --set optimizer.lr=0.002 \
  >"$dir/other.log" 2>&1
expect_rc 65 $? "--heads-from a file of another sweep" "$dir/other.log"
finish
