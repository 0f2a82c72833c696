#!/bin/bash
# The Slurm scripts without running a sweep: syntax (bash -n, shellcheck when installed), their
# #SBATCH headers (signal margin >= 120 s, requeue, appended logs), sbatch --test-only on each
# against a one-node cluster (and that --test-only can refuse), and slurm/submit: the resources it
# derives from `ihsweep plan`, --dry-run submitting nothing, --test-only, argument errors.
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_start scripts

for f in "$SLURM_DIR"/ihsweep.sbatch "$SLURM_DIR"/ihsweep-array.sbatch "$SLURM_DIR"/submit \
    "$SLURM_DIR"/ihsweep-job.sh; do
    check "bash -n $(basename "$f")" bash -n "$f"
done
if command -v shellcheck >/dev/null 2>&1; then
    # from the repository root: the "# shellcheck source=" paths are relative to it
    # shellcheck disable=SC2016 # $1 is expanded by the inner shell
    check "shellcheck slurm/* tests/slurm/*.sh" bash -c 'cd "$1/.." && shellcheck -x slurm/ihsweep.sbatch \
        slurm/ihsweep-array.sbatch slurm/submit slurm/ihsweep-job.sh tests/slurm/*.sh' _ "$SLURM_DIR"
else
    echo "note: shellcheck not installed; syntax checked with bash -n only"
fi

# Headers: checkpoint signal to the batch shell with >= 120 s margin, requeue, appended logs.
for f in ihsweep.sbatch ihsweep-array.sbatch; do
    margin=$(sed -n 's/^#SBATCH --signal=B:USR1@\([0-9]*\)$/\1/p' "$SLURM_DIR/$f")
    if [ -n "$margin" ] && [ "$margin" -ge 120 ]; then
        ok "$f signals the batch shell $margin s before the limit"
    else
        bad "$f: no '#SBATCH --signal=B:USR1@N' with N >= 120 (got '$margin')"
    fi
    check "$f appends its log across requeues" grep -qx '#SBATCH --open-mode=append' "$SLURM_DIR/$f"
done

# sbatch --test-only: the cluster accepts each script's header with typical options ...
out=$(sbatch --test-only -n 2 --time=10 "$SLURM_DIR/ihsweep.sbatch" tiny.json r.h5 2>&1)
check "sbatch --test-only ihsweep.sbatch" log_has <(echo "$out") "Job [0-9]+ to start at"
out=$(sbatch --test-only --array=0-2 -n 1 --time=10 "$SLURM_DIR/ihsweep-array.sbatch" tiny.json r.h5 2>&1)
check "sbatch --test-only ihsweep-array.sbatch" log_has <(echo "$out") "Job [0-9]+ to start at"
# ... and refuses what the node cannot give (so the checks above can fail).
if sbatch --test-only -n 64 "$SLURM_DIR/ihsweep.sbatch" tiny.json r.h5 >/dev/null 2>&1; then
    bad "sbatch --test-only accepted 64 tasks on a $(nproc --all)-CPU node"
else
    ok "sbatch --test-only refuses 64 tasks"
fi

# A held job shows what the header set: name, requeue, log file in the submit directory.
id=$(sbatch --parsable --hold -n 1 "$SLURM_DIR/ihsweep.sbatch" tiny.json r.h5)
check "header: job name" job_field_is "$id" JobName ihsweep
check "header: requeue allowed" job_field_is "$id" Requeue 1
check "header: log ihsweep-<id>.out in the submit directory" job_field_is "$id" StdOut "$work/ihsweep-$id.out"
scancel "$id"
id=$(sbatch --parsable --hold --array=0-1 -n 1 "$SLURM_DIR/ihsweep-array.sbatch" tiny.json r.h5)
check "array header: log ihsweep-<array>_<index>.out" \
    job_field_is "${id}_0" StdOut "$work/ihsweep-${id}_0.out"
scancel "$id"

# The scripts outside Slurm: usage errors exit 64.
"$SLURM_DIR/ihsweep.sbatch" >/dev/null 2>&1
check "ihsweep.sbatch without arguments exits 64" [ $? -eq 64 ]
"$SLURM_DIR/ihsweep-array.sbatch" tiny.json r.h5 >/dev/null 2>&1
check "ihsweep-array.sbatch outside an array exits 64" [ $? -eq 64 ]

# submit --dry-run: 4 runs of under 2 s each (plan's estimate), at most 2 ranks -> 2 ranks; time =
# ceil((estimate * 1.5 + 300 + 120) / 60) = 7 or 8 minutes (the margins dominate; the estimate
# moves with the cost model). Prints the command, queues nothing.
out=$("$SLURM_DIR/submit" tiny.json -o r.h5 --max-tasks 2 --dry-run 2>&1)
rc=$?
echo "$out"
check "submit --dry-run exits 0" [ "$rc" -eq 0 ]
check "submit --dry-run prints the sbatch command with ranks and time" \
    log_has <(echo "$out") "^IHSWEEP=[^ ]*ihsweep sbatch --ntasks=2 --time=[78] --job-name=ihsweep-slurm-tiny [^ ]*/ihsweep.sbatch tiny.json r.h5$"
check "submit --dry-run queues nothing" [ -z "$(squeue -h -o %A)" ]
out=$("$SLURM_DIR/submit" tiny.json -o r.h5 --max-tasks 2 --max-time 6 --dry-run -- --set train_iters=6400 2>&1)
check "submit --max-time caps the limit and says why" log_has <(echo "$out") "capped at 6 min"
check "submit passes run options on" log_has <(echo "$out") "--time=6 .* tiny.json r.h5 --set train_iters=6400$"
out=$("$SLURM_DIR/submit" tiny.json -o r.h5 --time 1-02 --dry-run 2>&1)
check "submit --time takes Slurm's D-HH" log_has <(echo "$out") "--time=1560 "
out=$("$SLURM_DIR/submit" tiny.json -o r.h5 --time 0:30:01 --sbatch=--job-name=mine --dry-run 2>&1)
check "submit --time takes HH:MM:SS; --job-name overrides the sweep's" \
    log_has <(echo "$out") "--time=31 --job-name=mine "
out=$("$SLURM_DIR/submit" tiny.json -o r.h5 --array 2 --ntasks 1 --dry-run 2>&1)
echo "$out"
check "submit --array: the array job" \
    log_has <(echo "$out") "sbatch --parsable --array=0-1 --ntasks=1 --time=[0-9]+ --job-name=ihsweep-slurm-tiny [^ ]*/ihsweep-array.sbatch tiny.json r.h5$"
check "submit --array: the merge job after it" \
    log_has <(echo "$out") "sbatch '--dependency=afterok:<array job id>' .*merge r.h5 r.shard-0-of-2.h5 r.shard-1-of-2.h5"

# submit --test-only: the cluster checks the real request; still nothing queued.
out=$("$SLURM_DIR/submit" tiny.json -o r.h5 --max-tasks 2 --test-only 2>&1)
check "submit --test-only" log_has <(echo "$out") "Job [0-9]+ to start at"
out=$("$SLURM_DIR/submit" tiny.json -o r.h5 --array 2 --ntasks 1 --test-only 2>&1)
check "submit --array --test-only (array and merge)" [ "$(grep -c "to start at" <<<"$out")" -eq 2 ]
check "submit --test-only queues nothing" [ -z "$(squeue -h -o %A)" ]

# Argument errors: exit 64 with a message.
for args in "tiny.json" "tiny.json -o r.h5 --signal-margin 60" "tiny.json -o r.h5 --ntasks x" \
    "missing.json -o r.h5" "tiny.json -o r.h5 -- --shard 0/2" "tiny.json -o r.h5 --time 5"; do
    # shellcheck disable=SC2086 # the cases are word lists
    "$SLURM_DIR/submit" $args --dry-run >/dev/null 2>&1
    rc=$?
    check "submit $args: exit 64 (got $rc)" [ "$rc" -eq 64 ]
done
finish
