#!/usr/bin/env bash
# kill -9 a results writer part-way through its rows (1 rank, then 2 ranks with one rank killed):
# every killed file must open, and every row whose status says finished must verify against its
# checksum and hold exactly the values written (results_tool check). Rows are written back to back,
# so a kill almost always lands inside a row; at least one trial per rank count must stop part-way.
set -u
tool=$1
mpiexec=${MPIEXEC:-mpiexec}
RUNS=600 EVALS=100 PROBE=64
dir=$(mktemp -d /tmp/ih_io_kill.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail=0 passed=0

trial() { # ranks, name, delay before the kill (s)
  local np=$1 name=$2 delay=$3 f=$dir/$2.h5 ready=$dir/$2.ready
  "$mpiexec" --oversubscribe -n "$np" "$tool" write "$f" $RUNS $EVALS $PROBE $RUNS "$ready" \
    >"$dir/$name.log" 2>&1 &
  local job=$! i
  for i in $(seq 1 400); do [ -f "$ready" ] && break; sleep 0.05; done
  if [ ! -f "$ready" ]; then
    echo "FAIL: $name: the writer never finished creating the file"; cat "$dir/$name.log"
    kill "$job"; wait "$job"; fail=$((fail + 1)); return 1
  fi
  sleep "$delay"
  kill -9 "$(tail -n 1 "$ready")" 2>/dev/null # the last rank
  wait "$job"
  local out rc
  out=$("$mpiexec" -n 1 "$tool" check "$f" $RUNS 2>&1); rc=$?
  echo "$name (np $np, killed after ${delay}s): $out"
  if [ $rc -ne 0 ]; then
    echo "FAIL: $name: check exited $rc"; fail=$((fail + 1)); return 1
  fi
  passed=$((passed + 1))
  local done_rows
  done_rows=$(echo "$out" | awk '/^done/{print $2}')
  rm -f "$f"
  [ "$done_rows" -lt $RUNS ] # part-way?
}

for np in 1 2; do
  partial=0
  for delay in 0 0.02 0.05; do
    trial "$np" "np${np}_$delay" "$delay" && partial=$((partial + 1))
  done
  if [ $partial -eq 0 ]; then
    echo "FAIL: np $np: no kill landed before the writer finished (inconclusive)"
    fail=$((fail + 1))
  fi
done
echo "test_results_kill: $passed passed, $fail failed"
[ $fail -eq 0 ]
