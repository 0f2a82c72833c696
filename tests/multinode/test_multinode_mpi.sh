#!/usr/bin/env bash
# A sweep across three simulated hosts (hosts.sh: network namespaces on a bridge, own hostname and
# own /tmp each, MPI on TCP only): results identical to one rank, with rank 0 alone on node1 and
# the workers on node2/node3, both with Debian's Open MPI defaults (no one-sided component spans
# hosts: rank 0 serves the run table by messages) and with osc/pt2pt (the window spans them);
# node-local checkpoints; kill -9 of a rank on a remote host then --resume loses nothing;
# SIGUSR1 to mpirun drains (exit 75) and --resume finishes.
TOOL=$1
source "$(dirname "$0")/lib.sh"
S=$DATA/tiny.json
mn_start 3
printf 'node1 slots=1\nnode2 slots=2\nnode3 slots=2\n' >"$dir/hosts5"
printf 'node1 slots=1\nnode2 slots=1\nnode3 slots=1\n' >"$dir/hosts3"

# the hosts are what they claim: rank placement, hostnames, private /tmp
mn_mpirun "$dir/hosts5" -n 5 sh -c 'echo "$OMPI_COMM_WORLD_RANK $(hostname) $(ls /tmp | tr "\n" " ")"' \
  >"$dir/map.log" 2>&1
want=$'0 node1 ompi.node1.0 \n1 node2 ompi.node2.0 \n2 node2 ompi.node2.0 \n3 node3 ompi.node3.0 \n4 node3 ompi.node3.0 '
got=$(sed -E 's/ompi\.(node[0-9])\.[0-9]+/ompi.\1.0/g' "$dir/map.log" | sort)
[ "$got" = "$want" ] && ok "5 ranks on 3 hosts: rank 0 on node1, 1-2 on node2, 3-4 on node3, each host its own /tmp" ||
  { bad "rank placement"; cat "$dir/map.log"; }

"$MPIEXEC" --oversubscribe -n 1 "$IHSWEEP" run "$S" -o "$dir/ref.h5" --progress-every 0 >"$dir/ref.log" 2>&1
expect_rc 0 $? "reference sweep on 1 rank" "$dir/ref.log"

# Debian's defaults: the window cannot span hosts, rank 0 serves the table; node-local checkpoints
mn_mpirun "$dir/hosts5" -n 5 "$IHSWEEP" run "$S" -o "$dir/served.h5" --progress-every 1 \
  --checkpoint-dir /tmp/ih-ckpt >"$dir/served.log" 2>&1
expect_rc 0 $? "5 ranks on 3 hosts" "$dir/served.log"
grep -q "scheduler: rank 0 schedules only (no one-sided MPI component spans" "$dir/served.log" &&
  ok "no window across hosts: rank 0 serves the run table" ||
  bad "scheduler line: $(grep scheduler: "$dir/served.log")"
[ "$(trained "$dir/served.log")" = 12 ] && ok "each of the 12 runs trained once" ||
  bad "$(trained "$dir/served.log") runs trained, expected 12"
ranks=$(sed -n 's/.* on rank \([0-9]*\):.*/\1/p' "$dir/served.log" | sort -u | tr '\n' ' ')
[ "$ranks" = "1 2 3 4 " ] && ok "runs trained on node2 and node3 (ranks $ranks)" ||
  bad "runs trained on ranks $ranks, expected 1 2 3 4"
same "$dir/ref.h5" "$dir/served.h5" "3 hosts (served table) vs 1 rank"

# osc/pt2pt: the window spans the hosts; rank 0 alone on node1
mn_mpirun "$dir/hosts3" -n 3 --mca osc pt2pt "$IHSWEEP" run "$S" -o "$dir/window.h5" \
  --progress-every 0 >"$dir/window.log" 2>&1
expect_rc 0 $? "3 ranks on 3 hosts with osc/pt2pt" "$dir/window.log"
grep -q "scheduler: .*one-sided access to rank 0 took" "$dir/window.log" &&
  ok "window across hosts: $(grep -o 'scheduler: .*' "$dir/window.log")" ||
  bad "scheduler line: $(grep scheduler: "$dir/window.log")"
same "$dir/ref.h5" "$dir/window.h5" "3 hosts (one-sided table) vs 1 rank"

# kill -9 of rank 4 on node3 mid-sweep, node-local checkpoints; resume on all hosts
mn_mpirun "$dir/hosts5" -n 5 "$IHSWEEP" run "$S" -o "$dir/kill.h5" --progress-every 0 \
  --checkpoint-dir /tmp/ih-ckpt --set train_iters=48000 >"$dir/kill.log" 2>&1 &
job=$!
wait_done "$dir/kill.log" 2 || bad "kill: the sweep never got to 2 finished runs"
# mid-run on node3: a checkpoint there (the first round is dealt, so its runs end together and
# the next ones start together; a kill right at their start would find no checkpoint yet)
for _ in $(seq 1 600); do
  [ -n "$(find "$IHMN_SCRATCH/node3" -name 'run-*.ckpt' 2>/dev/null | head -n 1)" ] && break
  sleep 0.05
done
victim=$(mn_rank_pid node3 4)
[ -n "$victim" ] && kill -9 "$victim"
wait $job
echo "kill: killed pid ${victim:-none} (rank 4 on node3); mpirun exited $?"
ckpts=$(find "$IHMN_SCRATCH" -name 'run-*.ckpt' | wc -l)
[ ! -d "$dir/kill.h5.ckpt" ] && [ "$ckpts" -gt 0 ] &&
  ok "checkpoints stayed node-local ($ckpts left in the hosts' /tmp)" ||
  bad "checkpoints: $ckpts in the hosts' /tmp, folder next to the results file: $(ls -d "$dir/kill.h5.ckpt" 2>&1)"
"$MPIEXEC" --oversubscribe -n 1 "$IHSWEEP" run "$S" -o "$dir/kref.h5" --progress-every 0 \
  --set train_iters=48000 >"$dir/kref.log" 2>&1
expect_rc 0 $? "reference for the kill test" "$dir/kref.log"
mn_mpirun "$dir/hosts5" -n 5 "$IHSWEEP" run "$S" -o "$dir/kill.h5" --resume --progress-every 0 \
  --checkpoint-dir /tmp/ih-ckpt --set train_iters=48000 >"$dir/kill2.log" 2>&1
expect_rc 0 $? "resume after kill -9 on node3" "$dir/kill2.log"
t=$(trained "$dir/kill2.log")
d=$(todo "$dir/kill2.log")
[ -n "$d" ] && [ "$d" -gt 0 ] && [ "$t" = "$d" ] && ok "the resume trained exactly its $d unfinished runs" ||
  bad "the resume had ${d:-?} runs to do and trained ${t:-?} (a kill after the end is inconclusive)"
same "$dir/kref.h5" "$dir/kill.h5" "killed on a remote host and resumed vs uninterrupted"

# SIGUSR1 to mpirun on node1 reaches the ranks on every host: drain, 75, resume
mn_mpirun "$dir/hosts5" -n 5 "$IHSWEEP" run "$S" -o "$dir/usr1.h5" --progress-every 0 \
  --set train_iters=48000 >"$dir/usr1.log" 2>&1 &
job=$!
wait_done "$dir/usr1.log" 2 || bad "usr1: the sweep never got to 2 finished runs"
kill -USR1 "$(mn_mpirun_pid $job)"
wait $job
expect_rc 75 $? "SIGUSR1 to mpirun" "$dir/usr1.log"
grep -q "stopped on request" "$dir/usr1.log" && ok "SIGUSR1: reported as stopped" ||
  bad "SIGUSR1: no 'stopped on request' line"
mn_mpirun "$dir/hosts5" -n 5 "$IHSWEEP" run "$S" -o "$dir/usr1.h5" --resume --progress-every 0 \
  --set train_iters=48000 >"$dir/usr1b.log" 2>&1
expect_rc 0 $? "resume after SIGUSR1" "$dir/usr1b.log"
first=$(trained "$dir/usr1.log")
second=$(trained "$dir/usr1b.log")
[ $((${first:-0} + ${second:-0})) -eq 12 ] && [ "${second:-0}" -gt 0 ] &&
  ok "SIGUSR1: $first + $second runs trained, none twice" ||
  bad "SIGUSR1: ${first:-?} + ${second:-?} runs trained, expected 12 in all, some after the stop"
same "$dir/kref.h5" "$dir/usr1.h5" "drained and resumed vs uninterrupted"
finish
