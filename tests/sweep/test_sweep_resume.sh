#!/usr/bin/env bash
# Interrupted sweeps resume to the same bytes: kill -9 of rank 0 or another rank at several
# times; SIGUSR1 to mpirun and SIGTERM to one rank (drain, exit 75); rows corrupted after the
# fact (detected by their checksums and redone, nothing else); a resume with another sweep is
# refused (unless --force and the shape is the same); an unopenable file is moved aside.
TOOL=$1
source "$(dirname "$0")/lib.sh"
S=$DATA/tiny.json
sweep 2 run "$S" -o "$dir/ref.h5" --progress-every 0 >"$dir/ref.log" 2>&1
expect_rc 0 $? "reference sweep" "$dir/ref.log"

start_bg() { # NAME: a 2-rank sweep into NAME.h5 in the background; JOB = the mpiexec pid
  "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" run "$S" -o "$dir/$1.h5" --progress-every 0 \
    >"$dir/$1.log" 2>&1 &
  JOB=$!
}

# resume_check NAME: resumes $dir/NAME.h5 on 2 ranks and compares it with the reference; LEFT =
# the number of runs the resume had to do
resume_check() {
  local f=$dir/$1.h5 log=$dir/$1.resume.log
  sweep 2 run "$S" -o "$f" --resume --progress-every 0 >"$log" 2>&1
  expect_rc 0 $? "$1: resume" "$log"
  local t d
  t=$(trained "$log")
  d=$(todo "$log")
  [ -n "$t" ] && [ "$t" = "$d" ] && ok "$1: the resume trained exactly its $d unfinished runs" ||
    bad "$1: the resume had $d runs to do and trained ${t:-?}"
  same "$dir/ref.h5" "$f" "$1: resumed vs uninterrupted"
  LEFT=${d:-0}
}

# kill -9 one rank after K runs finished (K = 0: as dispatch starts)
partial=0
for trial in "0 0" "2 1" "5 0" "8 r"; do
  set -- $trial
  k=$1 rank=$2
  [ "$rank" = r ] && rank=$((RANDOM % 2))
  name=kill_after_${k}_rank$rank
  start_bg "$name"
  wait_for "$dir/$name.log" "$k" || bad "$name: the sweep never got to $k finished runs"
  victim=$(rank_pid "$JOB" "$rank")
  [ -n "$victim" ] && kill -9 "$victim"
  wait "$JOB"
  echo "$name: killed pid ${victim:-none} (rank $rank); mpiexec exited $?"
  resume_check "$name"
  [ "$LEFT" -gt 0 ] && partial=$((partial + 1))
done
[ $partial -ge 3 ] && ok "$partial of 4 kills landed mid-sweep" ||
  bad "only $partial of 4 kills landed mid-sweep (inconclusive)"

# SIGUSR1 to mpirun: drain, exit 75, resume
start_bg usr1
wait_for "$dir/usr1.log" 3
kill -USR1 "$JOB"
wait "$JOB"
expect_rc 75 $? "SIGUSR1 to mpirun" "$dir/usr1.log"
grep -q "stopped on request" "$dir/usr1.log" && ok "SIGUSR1: reported as stopped" ||
  bad "SIGUSR1: no 'stopped on request' line"
first=$(trained "$dir/usr1.log")
resume_check usr1
second=$(trained "$dir/usr1.resume.log")
[ $((${first:-0} + ${second:-0})) -eq 12 ] && ok "SIGUSR1: $first + $second runs trained, none twice" ||
  bad "SIGUSR1: ${first:-?} + ${second:-?} runs trained, expected 12 in all"

# SIGTERM to rank 1 only: it checkpoints and asks the others to stop
start_bg term
wait_for "$dir/term.log" 3
kill -TERM "$(rank_pid "$JOB" 1)"
wait "$JOB"
expect_rc 75 $? "SIGTERM to rank 1" "$dir/term.log"
resume_check term

# corrupted rows: exactly those are redone
cp "$dir/ref.h5" "$dir/bad.h5"
"$TOOL" corrupt "$dir/bad.h5" 1 && "$TOOL" corrupt "$dir/bad.h5" 5 || bad "corrupt failed"
"$IHSWEEP" status "$dir/bad.h5" >"$dir/bad.status" 2>&1
grep -q "(2 torn or corrupted" "$dir/bad.status" && ok "status sees 2 corrupted rows" ||
  { bad "status does not see the corrupted rows"; cat "$dir/bad.status"; }
sweep 2 run "$S" -o "$dir/bad.h5" --resume --progress-every 0 >"$dir/bad.log" 2>&1
expect_rc 0 $? "resume of corrupted rows" "$dir/bad.log"
grep -q "run 1's row fails its checksum" "$dir/bad.log" &&
  grep -q "run 5's row fails its checksum" "$dir/bad.log" && ok "corrupted rows 1 and 5 named" ||
  bad "corrupted rows not named"
[ "$(trained "$dir/bad.log")" = 2 ] && ok "only the 2 corrupted runs were redone" ||
  bad "$(trained "$dir/bad.log") runs redone, expected 2"
same "$dir/ref.h5" "$dir/bad.h5" "redone rows vs reference"

# another sweep: refused; --force with the same shape continues; another shape: refused
sweep 1 run "$S" -o "$dir/ref.h5" --resume --set optimizer.lr=0.001 >"$dir/other.log" 2>&1
expect_rc 65 $? "resume with another sweep" "$dir/other.log"
grep -q "made from a different sweep" "$dir/other.log" && ok "refusal names the reason" ||
  bad "refusal message"
sweep 1 run "$S" -o "$dir/ref.h5" --resume --force --set optimizer.lr=0.001 >"$dir/force.log" 2>&1
expect_rc 0 $? "--force with the same shape" "$dir/force.log"
sweep 1 run "$S" -o "$dir/ref.h5" --resume --force --set train_iters=60000 >"$dir/shape.log" 2>&1
expect_rc 65 $? "--force with another shape" "$dir/shape.log"
sweep 1 run "$S" -o "$dir/ref.h5" >"$dir/exists.log" 2>&1
expect_rc 74 $? "a new sweep onto an existing file" "$dir/exists.log"

# an unopenable file is moved aside, never overwritten
echo "not an HDF5 file" >"$dir/broken.h5"
sweep 2 run "$S" -o "$dir/broken.h5" --resume --progress-every 0 >"$dir/broken.log" 2>&1
expect_rc 0 $? "resume onto an unopenable file" "$dir/broken.log"
[ "$(cat "$dir/broken.h5.broken-1" 2>/dev/null)" = "not an HDF5 file" ] &&
  ok "the unopenable file was moved to broken.h5.broken-1 intact" || bad "no broken.h5.broken-1"
same "$dir/ref.h5" "$dir/broken.h5" "new file after the move vs reference"
finish
