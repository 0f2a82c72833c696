#!/bin/bash
# A sweep as a job array: each element runs one shard (--shard i/n) into its own file; `ihsweep
# merge` makes one file identical in content to a single-job sweep of the same grid. Checks
# slurm/ihsweep-array.sbatch with indices that do not start at 0 (1-3 -> shards 0..2 of 3), an
# element that checkpoints and requeues itself alone (not the whole array), and slurm/submit
# --array 2, whose dependent merge job does the merge.
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_start array

size=(--set train_iters=8000) # runs of one to a few seconds
id_single=$(sbatch --parsable -n 2 --time=10 "$SLURM_DIR/ihsweep.sbatch" tiny.json single.h5 "${size[@]}")
id_array=$(sbatch --parsable --array=1-3 -n 1 --time=10 "$SLURM_DIR/ihsweep-array.sbatch" tiny.json \
    arr.h5 "${size[@]}")
out=$("$SLURM_DIR/submit" tiny.json -o sub.h5 --array 2 --ntasks 1 -- "${size[@]}" 2>&1)
echo "$out"
id_sub=$(sed -n 's/^Submitted array job \([0-9]*\)$/\1/p' <<<"$out")
id_merge=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' <<<"$out")
check "submit --array submitted the array ($id_sub) and the merge job ($id_merge)" \
    test -n "$id_sub" -a -n "$id_merge"
check "submit: the merge job waits for the array" log_has <(echo "$out") "--dependency=afterok:$id_sub "

# Element 1 (shard 0: runs 0 and 3) checkpoints and requeues itself while the others go on.
log1=ihsweep-${id_array}_1.out
start=$SECONDS
until grep -q "sweep slurm-tiny: .* to do on 1 rank" "$log1" 2>/dev/null; do
    [ $((SECONDS - start)) -lt 120 ] || fail "array element 1 did not start its sweep within 120 s"
    sleep 0.2
done
sleep 0.3
scancel --batch --signal=USR1 "${id_array}_1"

state=$(cluster_wait_job "$id_single" 120)
check "single job COMPLETED (got $state)" [ "$state" = COMPLETED ]
check "single job: 4 runs done" results_done single.h5 4

cluster_wait_job "$id_array" 120 >/dev/null
for i in 1 2 3; do
    s=$((i - 1))
    check "array element $i COMPLETED" job_field_is "${id_array}_$i" JobState COMPLETED
    check "array element $i ran shard $s/3" log_has "ihsweep-${id_array}_$i.out" \
        "ihsweep run tiny.json -o arr.shard-$s-of-3.h5 --resume --shard $s/3 --set train_iters=8000$"
done
check "element 1 requeued itself" log_has "$log1" "checkpointed: requeueing job ${id_array}_1 "
check "element 1 restarted once" job_field_is "${id_array}_1" Restarts 1
check "element 2 was not requeued with it" job_field_is "${id_array}_2" Restarts 0
check "element 3 was not requeued with it" job_field_is "${id_array}_3" Restarts 0
# ids 0..3 into 3 shards: {0, 3}, {1}, {2}
# (status counts a shard's own runs; the others are "not selected", not pending)
check "shard 0 holds runs 0 and 3" log_has <("$IHSWEEP" status arr.shard-0-of-3.h5) \
    "^progress: 2/2 done.*; 2 more not selected"
check "shard 1 holds run 1" log_has <("$IHSWEEP" status arr.shard-1-of-3.h5) \
    "^progress: 1/1 done.*; 3 more not selected"
"$IHSWEEP" merge arr.h5 arr.shard-0-of-3.h5 arr.shard-1-of-3.h5 arr.shard-2-of-3.h5 >merge.log 2>&1
check "ihsweep merge of the 3 shards exits 0" [ $? -eq 0 ]
check "merged array: 4 runs done" results_done arr.h5 4
check "merged array = single job" results_same single.h5 arr.h5

if [ -n "$id_merge" ]; then
    state=$(cluster_wait_job "$id_merge" 120)
    check "submit: merge job COMPLETED after the array (got $state)" [ "$state" = COMPLETED ]
    check "submit: merged file = single job" results_same single.h5 sub.h5
fi
finish
