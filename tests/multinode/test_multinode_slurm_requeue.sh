#!/usr/bin/env bash
# Checkpoint on one node, resume on another: slurm/ihsweep.sbatch on one node of a three-node
# Slurm cluster (slurm.sh) gets SIGUSR1 in its batch shell once its first run is done (scancel
# --batch, the delivery of the header's --signal=B:USR1@N), checkpoints its in-flight runs into
# RESULTS.h5.ckpt/ on the shared file system and requeues itself (exit 75). While it is held
# pending, the test excludes the node it ran on (scontrol update ExcNodeList=...), so the
# second attempt starts on another node; it must read the first attempt's checkpoints there,
# train only the unfinished runs, and end with a file identical to an uninterrupted sweep.
TOOL=$1
source "$(dirname "$0")/lib.sh"
source "$IHMN_DIR/slurm.sh"
mns_start 3
cd "$dir" || fail "cd $dir"
cp "$IHSWEEP_SOURCE_DIR/tests/slurm/tiny.json" .
SLURM_DIR=$IHSWEEP_SOURCE_DIR/slurm
size=(--set train_iters=64000) # 4 runs of 4 s or more: two per rank, long enough that a signal
# sent 40% into the second runs reaches ihsweep (batch shell, srun, ranks) before they end

"$MPIEXEC" --oversubscribe -n 1 "$IHSWEEP" run tiny.json -o ref.h5 --progress-every 0 "${size[@]}" \
  >ref.log 2>&1
expect_rc 0 $? "uninterrupted reference on 1 rank outside Slurm" ref.log

id=$(sbatch --parsable -N 1 -n 2 --time=10 "$SLURM_DIR/ihsweep.sbatch" tiny.json rq.h5 "${size[@]}") ||
  fail "sbatch"
log=ihsweep-$id.out
start=$SECONDS
until grep -Eq "run [0-9]+ done" "$log" 2>/dev/null; do
  [ $((SECONDS - start)) -lt 120 ] || fail "no run finished within 120 s: $(tail -n 5 "$log")"
  [ -n "$(squeue -h -j "$id" -o %A)" ] || fail "job $id ended before its first run finished"
  sleep 0.2
done
first=$(mns_node_of "$id")
# the ranks are now in their second runs: signal 40% of a run's time into them
run_s=$(sed -n 's/.* run [0-9]* done.* in \([0-9.]*\)s on rank.*/\1/p' "$log" | head -n 1)
sleep "$(awk -v s="${run_s:-1}" 'BEGIN { print 0.4 * s }')"
scancel --batch --signal=USR1 "$id" || fail "scancel --batch --signal=USR1 $id"
ok "SIGUSR1 to the batch shell of job $id on $first, ${run_s:-?} s x 0.4 after its first finished run"

start=$SECONDS
until [ "$(cluster_job_field "$id" Restarts)" = 1 ]; do
  [ $((SECONDS - start)) -lt 60 ] || fail "job $id was not requeued within 60 s: $(tail -n 5 "$log")"
  sleep 0.2
done
scontrol hold "$id"
grep -q "ihsweep exited with 75$" "$log" && ok "attempt 1 checkpointed and exited 75" ||
  bad "attempt 1: no 'ihsweep exited with 75' line"
grep -q "checkpointed: requeueing job $id (requeue 1 of" "$log" && ok "the job requeued itself" ||
  bad "no 'checkpointed: requeueing job $id' line"
mkdir -p kept
ckpts=0
for f in rq.h5.ckpt/*.ckpt; do
  [ -f "$f" ] || continue
  ln "$f" kept/ && ckpts=$((ckpts + 1)) # a second name, to look at the file after the run ends
done
[ "$ckpts" -ge 1 ] && ok "$ckpts checkpoint(s) of in-flight runs in rq.h5.ckpt/ (shared)" ||
  bad "no checkpoint in rq.h5.ckpt/"
before=$(stat -c '%n %x' kept/* 2>/dev/null)
done1=$("$IHSWEEP" status rq.h5 2>&1 | sed -n 's|^progress: \([0-9]*\)/4 done.*|\1|p')
[ -n "$done1" ] && [ "$done1" -ge 1 ] && [ "$done1" -lt 4 ] && ok "attempt 1 stopped mid-sweep ($done1 of 4 done)" ||
  bad "attempt 1 left ${done1:-?} of 4 runs done, expected some but not all"

# the next attempt may not use the node of the first
scontrol update jobid="$id" ExcNodeList="$first" || bad "scontrol update ExcNodeList=$first"
scontrol release "$id"
state=$(cluster_wait_job "$id" 150)
second=$(mns_node_of "$id")
[ "$state" = COMPLETED ] && [ "$(cluster_job_field "$id" ExitCode)" = 0:0 ] &&
  ok "job COMPLETED with exit code 0 after one requeue" ||
  { bad "job ended $state, exit code $(cluster_job_field "$id" ExitCode)"; tail -n 20 "$log"; }
case $second in
node[1-3]) [ "$second" != "$first" ] && ok "attempt 1 ran on $first, attempt 2 on $second" ||
  bad "both attempts ran on $first" ;;
*) bad "attempt 2 ran on '$second'" ;;
esac
grep -q "attempt 1 (restarts so far: 0, .*) on $first," "$log" &&
  grep -q "attempt 2 (restarts so far: 1, .*) on $second," "$log" &&
  ok "the log (appended by both attempts) names both nodes" || bad "the log does not name $first then $second"
grep -q "4 selected, $done1 complete in rq.h5, $((4 - done1)) to do" "$log" &&
  ok "attempt 2 resumed the file: $((4 - done1)) runs to do" || bad "attempt 2 did not resume the file"
t2=$(sed -n 's/.*(\([0-9]*\) runs trained).*/\1/p' "$log" | tail -n 1)
[ "$t2" = $((4 - done1)) ] && ok "attempt 2 trained only the $t2 unfinished runs" ||
  bad "attempt 2 trained ${t2:-?} runs, expected $((4 - done1))"
grep -q "discarding checkpoint" "$log" && bad "attempt 2 discarded a checkpoint: $(grep discarding "$log")"
left=$(find rq.h5.ckpt -name '*.ckpt' 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && ok "attempt 2 consumed every checkpoint" || bad "$left checkpoints left"
# Each checkpoint was read on the second node: its access time moved (relatime updates it on
# the first read after a change, and the second name changed the inode).
if findmnt -no OPTIONS -T . | grep -Eq '(^|,)noatime(,|$)'; then
  echo "note: the file system is mounted noatime: not checking that the checkpoints were read"
else
  after=$(stat -c '%n %x' kept/* 2>/dev/null)
  same_atime=$(comm -12 <(echo "$before") <(echo "$after") | grep -c .)
  [ -n "$before" ] && [ "$same_atime" -eq 0 ] && ok "attempt 2 on $second read each checkpoint" ||
    bad "$same_atime checkpoint(s) not read by attempt 2: $(comm -12 <(echo "$before") <(echo "$after"))"
fi
same ref.h5 rq.h5 "checkpointed on $first, resumed on $second vs uninterrupted"
finish
