#!/usr/bin/env bash
# --write-mode funnel (rank 0 alone opens the results file and writes every row; the others send
# theirs) gives the same rows as parallel writes on 1, 2 and 3 ranks; auto picks funnel where the
# file system is of the NFS kind (IHSWEEP_FS_TYPE stands in for statfs) and parallel elsewhere;
# kill -9 of a training rank or of the writer, then --resume: nothing reported done is lost or
# retrained, and the file is complete and identical; SIGUSR1 drains (exit 75) and a resume in
# parallel mode finishes the file; rank 0 as a dedicated scheduler (one-sided table, or the
# table served by messages) writes rows too.
TOOL=$1
source "$(dirname "$0")/lib.sh"
S=$DATA/tiny.json

# mode_line LOG: the start-up line naming the file system and the write mode
mode_line() { grep "results file system:" "$1"; }

for np in 1 2 3; do
  for mode in parallel funnel; do
    sweep "$np" run "$S" -o "$dir/$mode$np.h5" --write-mode $mode --progress-every 0 \
      >"$dir/$mode$np.log" 2>&1
    expect_rc 0 $? "$mode on $np rank(s)" "$dir/$mode$np.log"
    mode_line "$dir/$mode$np.log" | grep -q "; write mode $mode (--write-mode $mode)" &&
      ok "$mode on $np: the log names the mode" || bad "$mode on $np: $(mode_line "$dir/$mode$np.log")"
    [ "$(trained "$dir/$mode$np.log")" = 12 ] && ok "$mode on $np trained each of the 12 runs once" ||
      bad "$mode on $np trained $(trained "$dir/$mode$np.log") runs, expected 12"
  done
done
for np in 1 2 3; do
  [ $np = 1 ] || same "$dir/parallel1.h5" "$dir/parallel$np.h5" "parallel: 1 vs $np ranks"
  same "$dir/parallel1.h5" "$dir/funnel$np.h5" "parallel on 1 vs funnel on $np ranks"
done
# rank 0 as a dedicated scheduler (osc/pt2pt: the start-up probe sees one-sided access stall)
# writes the others' rows while it schedules
"$MPIEXEC" --oversubscribe --mca osc pt2pt -n 3 "$IHSWEEP" run "$S" -o "$dir/pt2pt.h5" \
  --write-mode funnel --progress-every 0 >"$dir/pt2pt.log" 2>&1
expect_rc 0 $? "funnel on 3 ranks with osc/pt2pt" "$dir/pt2pt.log"
grep -q "scheduler: rank 0 schedules only" "$dir/pt2pt.log" &&
  ok "osc/pt2pt: rank 0 schedules (and writes) only" || bad "osc/pt2pt: $(grep scheduler: "$dir/pt2pt.log")"
same "$dir/parallel1.h5" "$dir/pt2pt.h5" "funnel with a dedicated scheduler vs parallel on 1 rank"
# no one-sided component at all (as between hosts on TCP with Debian's Open MPI): the run table
# is served by messages, and rank 0 serves it and writes every row
"$MPIEXEC" --oversubscribe --mca osc ^sm,pt2pt,rdma,ucx,monitoring -n 3 "$IHSWEEP" run "$S" \
  -o "$dir/served.h5" --write-mode funnel --progress-every 0 >"$dir/served.log" 2>&1
expect_rc 0 $? "funnel on 3 ranks with a served run table" "$dir/served.log"
grep -q "it answers requests by messages" "$dir/served.log" && ok "the run table is served" ||
  bad "no served table: $(grep scheduler: "$dir/served.log")"
same "$dir/parallel1.h5" "$dir/served.h5" "funnel with a served table vs parallel on 1 rank"
h5dump -a /library_versions "$dir/funnel3.h5" 2>/dev/null | grep -q "rows written: funnel" &&
  ok "the file records the funnel mode (library_versions)" || bad "no write mode in library_versions"
h5dump -a /library_versions "$dir/parallel3.h5" 2>/dev/null | grep -q "rows written: parallel" &&
  ok "the file records the parallel mode" || bad "no parallel mode in library_versions"

# auto: funnel on NFS (and its kin), parallel on a parallel file system; forced parallel on NFS warns
for fs in nfs fuse lustre; do
  "$MPIEXEC" --oversubscribe -x IHSWEEP_FS_TYPE=$fs -n 2 "$IHSWEEP" run "$S" -o "$dir/auto_$fs.h5" \
    --progress-every 0 >"$dir/auto_$fs.log" 2>&1
  expect_rc 0 $? "auto on $fs" "$dir/auto_$fs.log"
  want=parallel
  [ $fs = lustre ] || want=funnel
  mode_line "$dir/auto_$fs.log" |
    grep -q "system: $fs (IHSWEEP_FS_TYPE); write mode $want (--write-mode auto)" &&
    ok "auto on $fs picks $want" || bad "auto on $fs: $(mode_line "$dir/auto_$fs.log")"
done
same "$dir/parallel1.h5" "$dir/auto_nfs.h5" "auto (funnel) on nfs vs parallel on 1 rank"
"$MPIEXEC" --oversubscribe -x IHSWEEP_FS_TYPE=nfs -n 2 "$IHSWEEP" run "$S" -o "$dir/forced.h5" \
  --write-mode parallel --progress-every 0 --runs 0 >"$dir/forced.log" 2>&1
expect_rc 0 $? "parallel forced on nfs" "$dir/forced.log"
mode_line "$dir/forced.log" | grep -q "WARNING.*--write-mode funnel" &&
  ok "parallel on nfs warns and names --write-mode funnel" || bad "no warning: $(mode_line "$dir/forced.log")"
sweep 1 run "$S" -o "$dir/x.h5" --write-mode serial >"$dir/usage.log" 2>&1
expect_rc 64 $? "--write-mode serial" "$dir/usage.log"

# done_runs LOG: the ids of the runs LOG reports finished, one per line
done_runs() { sed -n 's/.* run \([0-9]*\) \(done\|DIVERGED\|FAILED\).*/\1/p' "$1" | sort -n; }

# kill -9 of rank R of a 3-rank funnel sweep after K reported runs; resume on 2 ranks
partial=0
for trial in "1 1" "3 2" "4 0" "6 0"; do
  set -- $trial
  k=$1 rank=$2
  name=kill_${k}_rank$rank
  "$MPIEXEC" --oversubscribe -n 3 "$IHSWEEP" run "$S" -o "$dir/$name.h5" --write-mode funnel \
    --progress-every 0 >"$dir/$name.log" 2>&1 &
  job=$!
  wait_for "$dir/$name.log" "$k" || bad "$name: the sweep never got to $k finished runs"
  victim=$(rank_pid "$job" "$rank")
  if [ -n "$victim" ]; then kill -9 "$victim"; else bad "$name: no pid found for rank $rank"; fi
  wait "$job"
  echo "$name: killed pid ${victim:-none} (rank $rank); mpiexec exited $?"
  sweep 2 run "$S" -o "$dir/$name.h5" --write-mode funnel --resume --progress-every 0 \
    >"$dir/$name.resume.log" 2>&1
  expect_rc 0 $? "$name: resume" "$dir/$name.resume.log"
  t=$(trained "$dir/$name.resume.log")
  d=$(todo "$dir/$name.resume.log")
  [ -n "$t" ] && [ "$t" = "$d" ] && ok "$name: the resume trained exactly its $d unfinished runs" ||
    bad "$name: the resume had $d runs to do and trained ${t:-?}"
  again=$(comm -12 <(done_runs "$dir/$name.log") <(done_runs "$dir/$name.resume.log") | tr '\n' ' ')
  [ -z "$again" ] && ok "$name: no run reported done before the kill was trained again" ||
    bad "$name: runs reported done and then trained again: $again"
  [ $((12 - ${d:-0})) -ge "$(done_runs "$dir/$name.log" | wc -l)" ] &&
    ok "$name: at least as many complete rows as runs reported done" ||
    bad "$name: fewer complete rows than runs reported done"
  same "$dir/parallel1.h5" "$dir/$name.h5" "$name: resumed vs uninterrupted"
  [ "${d:-0}" -gt 0 ] && partial=$((partial + 1))
done
[ $partial -ge 3 ] && ok "$partial of 4 kills landed mid-sweep" ||
  bad "only $partial of 4 kills landed mid-sweep (inconclusive)"

# SIGUSR1 to mpirun: every rank drains (rows in flight are written), exit 75; resume
"$MPIEXEC" --oversubscribe -n 3 "$IHSWEEP" run "$S" -o "$dir/usr1.h5" --write-mode funnel \
  --progress-every 0 >"$dir/usr1.log" 2>&1 &
job=$!
wait_for "$dir/usr1.log" 3 || bad "funnel: the SIGUSR1 sweep never got to 3 finished runs"
kill -USR1 "$job"
wait "$job"
expect_rc 75 $? "funnel: SIGUSR1 to mpirun" "$dir/usr1.log"
# the resume writes in the other mode: a file does not care who wrote its rows
sweep 3 run "$S" -o "$dir/usr1.h5" --write-mode parallel --resume --progress-every 0 \
  >"$dir/usr1.resume.log" 2>&1
expect_rc 0 $? "funnel, SIGUSR1, then a parallel resume" "$dir/usr1.resume.log"
first=$(trained "$dir/usr1.log")
second=$(trained "$dir/usr1.resume.log")
[ $((${first:-0} + ${second:-0})) -eq 12 ] && ok "SIGUSR1: $first + $second runs trained, none twice" ||
  bad "SIGUSR1: ${first:-?} + ${second:-?} runs trained, expected 12 in all"
same "$dir/parallel1.h5" "$dir/usr1.h5" "SIGUSR1 then resume vs uninterrupted"
finish
