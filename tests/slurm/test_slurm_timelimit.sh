#!/bin/bash
# The real time-limit path: a sweep far longer than its limit (--time=1) gets Slurm's own
# --signal=B:USR1@59 before the limit, checkpoints, exits 75 and is requeued by the script; the
# requeued job resumes (and would go on like this up to IHSWEEP_MAX_REQUEUES times). The test
# then cancels it: the cancelled job checkpoints again but is not requeued. Completion with
# identical results after a requeue is test_slurm_requeue's (a sweep that always outlasts Slurm's
# signal jitter of up to 30 s here would be too long to also run to the end and compare).
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_start timelimit

# Runs 0 and 1 with 4e6 sequences: minutes each on any current CPU; the limit stops them first.
id=$(sbatch --parsable -n 2 --time=1 --signal=B:USR1@59 "$SLURM_DIR/ihsweep.sbatch" tiny.json \
    tl.h5 --runs 0-1 --set train_iters=4000000)
log=ihsweep-$id.out
start=$SECONDS
until [ "$(cluster_job_field "$id" Restarts)" = 1 ]; do
    [ $((SECONDS - start)) -lt 120 ] || fail "job $id was not requeued within 120 s: $(tail -n 5 "$log")"
    [ -n "$(squeue -h -j "$id" -o %A)" ] || fail "job $id ended without a requeue: $(tail -n 5 "$log")"
    sleep 0.5
done
scontrol hold "$id"
ok "job $id requeued after $((SECONDS - start)) s"
check "Slurm's signal reached the batch shell" log_has "$log" "batch shell got SIGUSR1"
t_start=$(sed -n 's/^\[\([-0-9]* [0-9:]*\) ihsweep-job [0-9]*\] attempt 1 .*/\1/p' "$log")
t_sig=$(sed -n 's/^\[\([-0-9]* [0-9:]*\) ihsweep-job [0-9]*\] batch shell got SIGUSR1.*/\1/p' "$log" | head -n 1)
if [ -n "$t_start" ] && [ -n "$t_sig" ]; then
    lead=$(($(date -d "$t_sig" +%s) - $(date -d "$t_start" +%s)))
    check "the signal came before the 60 s limit (after $lead s)" [ "$lead" -lt 60 ]
else
    bad "cannot read the attempt and signal times from $log"
fi
check "ihsweep checkpointed and exited 75" log_has "$log" "ihsweep exited with 75$"
check "the job requeued itself" log_has "$log" "checkpointed: requeueing job $id \(requeue 1 of at most 10\)"
check "not killed by the limit" job_field_is "$id" JobState PENDING
check "checkpoint of run 0" test -f tl.h5.ckpt/run-0.ckpt
check "checkpoint of run 1" test -f tl.h5.ckpt/run-1.ckpt
sums=$(md5sum tl.h5.ckpt/run-0.ckpt tl.h5.ckpt/run-1.ckpt 2>/dev/null)
scontrol release "$id"

# The second attempt resumes; cancel it a few seconds in.
start=$SECONDS
until grep -q "2 selected, 0 complete in tl.h5, 2 to do" <(sed -n '/attempt 2 /,$p' "$log"); do
    [ $((SECONDS - start)) -lt 60 ] || fail "attempt 2 did not start within 60 s: $(tail -n 5 "$log")"
    sleep 0.5
done
ok "attempt 2 resumed the sweep"
sleep 3
scancel "$id"
state=$(cluster_wait_job "$id" 60)
check "cancelled job stays CANCELLED (got $state)" [ "$state" = CANCELLED ]
check "cancelled job was not requeued" job_field_is "$id" Restarts 1
check "SIGTERM reached the batch shell" log_has "$log" "batch shell got SIGTERM"
check "cancelled attempt checkpointed and exited 75" \
    test "$(grep -c "ihsweep exited with 75$" "$log")" -eq 2
check "the script said why it did not requeue" log_has "$log" "stopped by SIGTERM .*not requeueing"
check "attempt 2 wrote new checkpoints" \
    test -n "$sums" -a "$sums" != "$(md5sum tl.h5.ckpt/run-0.ckpt tl.h5.ckpt/run-1.ckpt 2>/dev/null)"
finish
