#!/bin/bash
# Checkpoint, requeue and resume through slurm/ihsweep.sbatch, with the signal sent at a chosen
# moment: once the first run is done, SIGUSR1 goes to the batch shell (scancel --batch, the same
# delivery as the header's --signal=B:USR1@N). The script must forward it to ihsweep, which
# checkpoints its in-flight runs and exits 75; the job requeues itself (scontrol requeue) and the
# next attempt resumes and completes with results identical to an uninterrupted sweep. Then the
# requeue cap (exit 75, resubmit resumes). The real time-limit signal is test_slurm_timelimit's.
set -u
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
slurm_test_start requeue

size=(--set train_iters=64000) # 4 runs of 4 s or more: two per rank, long enough that a signal
# sent 40% into the second runs reaches ihsweep (batch shell, srun, ranks) before they end
ref_run ref.h5 "${size[@]}"
check "uninterrupted reference: 4 runs done" results_done ref.h5 4

id=$(sbatch --parsable -n 2 --time=10 "$SLURM_DIR/ihsweep.sbatch" tiny.json rq.h5 "${size[@]}")
log=ihsweep-$id.out
start=$SECONDS
until grep -Eq "run [0-9]+ done" "$log" 2>/dev/null; do
    [ $((SECONDS - start)) -lt 120 ] || fail "no run finished within 120 s: $(tail -n 5 "$log")"
    [ -n "$(squeue -h -j "$id" -o %A)" ] || fail "job $id ended before its first run finished"
    sleep 0.2
done
# The ranks are now starting their second runs: signal 40% of a run's time into them.
run_s=$(sed -n 's/.* run [0-9]* done.* in \([0-9.]*\)s on rank.*/\1/p' "$log" | head -n 1)
sleep "$(awk -v s="${run_s:-1}" 'BEGIN { print 0.4 * s }')"
scancel --batch --signal=USR1 "$id" || fail "scancel --batch --signal=USR1 $id"
ok "sent SIGUSR1 to the batch shell of job $id after the first finished run"

# Wait for the requeue and hold the job there, to look at the files between attempts.
start=$SECONDS
until [ "$(cluster_job_field "$id" Restarts)" = 1 ]; do
    [ $((SECONDS - start)) -lt 60 ] || fail "job $id was not requeued within 60 s: $(tail -n 5 "$log")"
    sleep 0.2
done
scontrol hold "$id"
check "requeued job is pending" job_field_is "$id" JobState PENDING
check "the batch shell forwarded the signal" log_has "$log" "batch shell got SIGUSR1"
check "ihsweep checkpointed and exited 75" log_has "$log" "ihsweep exited with 75$"
check "the job requeued itself" log_has "$log" "checkpointed: requeueing job $id \(requeue 1 of at most 10\)"
ckpts=$(find rq.h5.ckpt -type f -name '*.ckpt' 2>/dev/null | wc -l)
check "in-flight runs left checkpoints ($ckpts)" [ "$ckpts" -ge 1 ]
done_before=$("$IHSWEEP" status rq.h5 2>&1 | sed -n 's|^progress: \([0-9]*\)/4 done.*|\1|p')
check "the first attempt stopped mid-sweep ($done_before of 4 done)" \
    test -n "$done_before" -a "${done_before:-0}" -ge 1 -a "${done_before:-4}" -lt 4
scontrol release "$id"

state=$(cluster_wait_job "$id" 180)
check "job COMPLETED after one requeue (got $state)" [ "$state" = COMPLETED ]
check "job exit code 0" job_field_is "$id" ExitCode 0:0
check "job restarted once" job_field_is "$id" Restarts 1
check "log kept both attempts" log_has "$log" "attempt 1 \(restarts so far: 0"
check "attempt 2 appended to the same log" log_has "$log" "attempt 2 \(restarts so far: 1"
check "attempt 2 resumed: skipped the $done_before done runs" \
    log_has "$log" "4 selected, $done_before complete in rq.h5, $((4 - done_before)) to do"
check "attempt 2 exited 0" log_has "$log" "ihsweep exited with 0$"
left=$(find rq.h5.ckpt -type f -name '*.ckpt' 2>/dev/null | wc -l)
check "checkpoints consumed ($left left)" [ "$left" -eq 0 ]
check "4 runs done" results_done rq.h5 4
check "interrupted + requeued sweep = uninterrupted sweep" results_same ref.h5 rq.h5

# The requeue cap: with IHSWEEP_MAX_REQUEUES=0 a checkpointed job ends with exit 75 and says how
# to go on; the same command submitted again resumes the sweep and completes it.
cmd=(sbatch --parsable -n 2 --time=10 "$SLURM_DIR/ihsweep.sbatch" tiny.json cap.h5 "${size[@]}")
id=$(IHSWEEP_MAX_REQUEUES=0 "${cmd[@]}")
log=ihsweep-$id.out
start=$SECONDS
until grep -q "sweep slurm-tiny: " "$log" 2>/dev/null; do
    [ $((SECONDS - start)) -lt 60 ] || fail "job $id did not start its sweep within 60 s"
    sleep 0.2
done
sleep 0.5 # inside the first runs
scancel --batch --signal=USR1 "$id"
state=$(cluster_wait_job "$id" 60)
check "capped job ends FAILED (got $state)" [ "$state" = FAILED ]
check "capped job ends with exit code 75" job_field_is "$id" ExitCode 75:0
check "capped job was not requeued" job_field_is "$id" Restarts 0
check "capped job says why and what to do" log_has "$log" "requeue cap reached .*submit the same command again"
id=$("${cmd[@]}")
state=$(cluster_wait_job "$id" 120)
check "the same command again: COMPLETED (got $state)" [ "$state" = COMPLETED ]
check "the same command again resumed the file" log_has "ihsweep-$id.out" "[0-9] complete in cap.h5"
check "capped + resubmitted sweep = uninterrupted sweep" results_same ref.h5 cap.h5
finish
