#!/usr/bin/env bash
# A job array across the nodes of a three-node Slurm cluster (slurm.sh): `slurm/submit --array 3`
# with --exclusive elements, released together, puts shard 0, 1 and 2 of the tiny Slurm sweep
# on node1, node2 and node3 at once, each writing its own shard file on the shared file system;
# the dependent merge job (on whichever node) merges them. Every run must be trained exactly once, by one shard,
# and the merged file must be identical to one rank outside Slurm.
TOOL=$1
source "$(dirname "$0")/lib.sh"
source "$IHMN_DIR/slurm.sh"
mns_start 3
cd "$dir" || fail "cd $dir"
cp "$IHSWEEP_SOURCE_DIR/tests/slurm/tiny.json" .
SLURM_DIR=$IHSWEEP_SOURCE_DIR/slurm
size=(--set train_iters=8000) # runs of one to a few seconds: the elements overlap in time

"$MPIEXEC" --oversubscribe -n 1 "$IHSWEEP" run tiny.json -o ref.h5 --progress-every 0 "${size[@]}" \
  >ref.log 2>&1
expect_rc 0 $? "reference sweep on 1 rank outside Slurm" ref.log

# submitted held, then released at once: the three elements start in one scheduling pass
out=$("$IHMN_DIR/onhost.sh" head "$SLURM_DIR/submit" tiny.json -o arr.h5 --array 3 --ntasks 1 \
  --sbatch=--exclusive --sbatch=--hold -- "${size[@]}" 2>&1)
echo "$out"
id=$(sed -n 's/^Submitted array job \([0-9]*\)$/\1/p' <<<"$out")
id_merge=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' <<<"$out")
[ -n "$id" ] && [ -n "$id_merge" ] && ok "submit --array 3: array job $id, merge job $id_merge" ||
  fail "submit --array 3 did not submit an array and a merge job"
scontrol release "$id" && scontrol release "$id_merge" || fail "scontrol release $id $id_merge"

state=$(cluster_wait_job "$id_merge" 170)
[ "$state" = COMPLETED ] && ok "merge job COMPLETED after the array" ||
  { bad "merge job ended $state"; cat ihsweep-merge-"$id_merge".out; }
nodes=""
for i in 0 1 2; do
  s=$(cluster_job_field "${id}_$i" JobState)
  n=$(mns_node_of "${id}_$i")
  [ "$s" = COMPLETED ] && ok "element $i (shard $i/3) COMPLETED on $n" || bad "element $i ended $s on $n"
  grep -q "run tiny.json -o arr.shard-$i-of-3.h5 --resume --shard $i/3" "ihsweep-${id}_$i.out" ||
    bad "element $i did not run shard $i/3 into arr.shard-$i-of-3.h5"
  nodes="$nodes $n"
done
[ "$(tr ' ' '\n' <<<"$nodes" | grep . | sort -u | tr '\n' ' ')" = "node1 node2 node3 " ] &&
  ok "the shards ran on three different nodes:$nodes" || bad "the shards ran on:$nodes"

# every run trained once, by one shard
ids=$(cat ihsweep-"${id}"_*.out | sed -n 's/.* run \([0-9]*\) done.*/\1/p' | sort -n | tr '\n' ' ')
[ "$ids" = "0 1 2 3 " ] && ok "each of the 4 runs trained by exactly one shard" ||
  bad "runs trained across the shards: '$ids', expected 0 1 2 3 once each"
sum=0
for i in 0 1 2; do
  t=$(trained "ihsweep-${id}_$i.out")
  sum=$((sum + ${t:-0}))
done
[ "$sum" = 4 ] && ok "the shards' sessions trained 4 runs in all" || bad "the shards trained $sum runs"
"$IHSWEEP" status arr.h5 2>&1 | grep -q "^progress: 4/4 done" && ok "merged file: 4/4 done" ||
  bad "merged file: $("$IHSWEEP" status arr.h5 2>&1 | grep progress)"
same ref.h5 arr.h5 "3 shards on 3 nodes, merged vs 1 rank"
finish
