#!/bin/bash
# An array submission of the default sweep (sweeps/quickstart.json, shortened with --set) trains
# each run exactly once: slurm/submit --array 4 submits one job for the 6 baseline runs the clamp
# runs bind heads from, the 4-element array over the 36 clamp runs (--heads-from the source
# file, after the source job) and the merge; the merged file holds all 42 runs, each trained in
# exactly one of the jobs.
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_start chain

cp "${IHSWEEP_SOURCE_DIR:-$lib_here/../..}/sweeps/quickstart.json" quick.json
size=(--set train_iters=3000 --set eval_every=1000 --set ckpt_every=1000 --set data.eval_size=64)
out=$("$SLURM_DIR/submit" quick.json -o q.h5 --array 4 --ntasks 2 -- "${size[@]}" 2>&1)
echo "$out"
id_src=$(sed -n 's/^Submitted source job \([0-9]*\)$/\1/p' <<<"$out")
id_arr=$(sed -n 's/^Submitted array job \([0-9]*\)$/\1/p' <<<"$out")
id_merge=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' <<<"$out")
check "submit --array chained a source job ($id_src), the array ($id_arr) and the merge ($id_merge)" \
    test -n "$id_src" -a -n "$id_arr" -a -n "$id_merge"
[ -n "$id_merge" ] || finish
check "submit: the source job runs the 6 baselines" log_has <(echo "$out") \
    "ihsweep.sbatch quick.json q.sources.h5 --runs 0-5 "
check "submit: the array waits for the source job and binds from its file" log_has <(echo "$out") \
    "--dependency=afterok:$id_src --array=0-3 .* quick.json q.h5 --runs 6-41 --heads-from q.sources.h5 "
check "submit: the merge includes the source file" log_has <(echo "$out") \
    "merge q.h5 q.sources.h5 q.shard-0-of-4.h5"
state=$(cluster_wait_job "$id_merge" 200)
check "merge job COMPLETED (got $state)" [ "$state" = COMPLETED ]
check "merged: 42 runs done" results_done q.h5 42
logs=(ihsweep-"$id_src".out ihsweep-"${id_arr}"_*.out)
trained=$(cat "${logs[@]}" | sed -n 's/.*(\([0-9]*\) runs trained).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
check "the source job and the 4 elements trained 42 runs in all (got $trained)" [ "$trained" -eq 42 ]
ids=$(cat "${logs[@]}" | sed -n 's/.* run \([0-9]*\) done.*/\1/p' | sort -n)
check "each of the runs 0-41 trained exactly once" [ "$ids" = "$(seq 0 41)" ]
check "no element added source runs" bash -c "! grep -q 'added because' ${logs[*]}"
finish
