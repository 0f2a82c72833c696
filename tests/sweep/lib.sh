# Shared pieces of the sweep script tests (sourced). Expects $IHSWEEP (the program), $MPIEXEC,
# $IHSWEEP_TEST_DATA (this folder) from ctest, and the path of sweep_tool as $TOOL.
set -u
MPIEXEC=${MPIEXEC:-mpiexec}
DATA=${IHSWEEP_TEST_DATA:?}
fails=0
passes=0
dir=$(mktemp -d /tmp/ih_sweep_test.XXXXXX)
trap 'rm -rf "$dir"' EXIT

ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# sweep NP ARGS...: ihsweep under mpiexec with NP ranks
sweep() {
  local np=$1
  shift
  "$MPIEXEC" --oversubscribe -n "$np" "$IHSWEEP" "$@"
}

# same A B WHAT: A and B hold identical result datasets (sweep_tool compare)
same() {
  local out rc
  out=$("$TOOL" compare "$1" "$2" 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then ok "$3: $out"; else bad "$3: $(echo "$out" | head -5)"; fi
  return $rc
}

# expect_rc WANT GOT WHAT LOG
expect_rc() {
  if [ "$2" -eq "$1" ]; then ok "$3 exits $1"; else bad "$3 exits $2, expected $1"; cat "$4"; fi
}

# trained LOG: the number of runs the session in LOG trained ("(K runs trained)")
trained() { sed -n 's/.*(\([0-9]*\) runs trained).*/\1/p' "$1" | tail -n 1; }
# todo LOG: the number of runs the session in LOG had to do ("N to do on")
todo() { sed -n 's/.* \([0-9]*\) to do on .*/\1/p' "$1" | head -n 1; }

rank_pid() { # JOB RANK: pid of that rank of the mpiexec job JOB
  local p
  for p in $(pgrep -P "$1"); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
      echo "$p"
      return
    fi
  done
}

wait_for() { # LOG K: until LOG shows K finished runs (K = 0: until dispatch starts); at most 60 s
  local i
  for i in $(seq 1 1200); do
    if [ "$2" -eq 0 ]; then
      grep -q " to do on " "$1" && return 0
    elif [ "$(grep -c ' run [0-9]* done' "$1")" -ge "$2" ]; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

finish() {
  echo "$(basename "$0"): $passes passed, $fails failed"
  [ $fails -eq 0 ]
}
