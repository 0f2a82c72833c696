# Shared pieces of the multi-node tests (sourced): a scratch folder on the shared file system
# (the ctest build folder, never /tmp, which is private to each simulated host), three simulated
# hosts (hosts.sh) torn down on exit, and mpirun across them over TCP only.
# Expects $IHSWEEP, $MPIEXEC and $IHSWEEP_SOURCE_DIR from ctest.
set -u
MPIEXEC=${MPIEXEC:-mpiexec}
DATA=${IHSWEEP_SOURCE_DIR:?}/tests/sweep
fails=0
passes=0
dir=$(mktemp -d "$PWD/ihmn.XXXXXX")
IHMN_ROOT=$dir
source "$(dirname "${BASH_SOURCE[0]}")/hosts.sh"
trap 'mn_down; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM

ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

finish() {
  echo "$(basename "$0"): $passes passed, $fails failed"
  [ $fails -eq 0 ] && [ $passes -gt 0 ]
}

# mn_start N: brings up N hosts, or exits 77 (skipped) with the reason; a failure instead where
# CI requires these tests (IHSWEEP_REQUIRE_SLURM=1 or IHSWEEP_REQUIRE_MULTINODE=1)
mn_start() {
  local rc p
  # Each simulated host mounts its own /tmp, which would hide a checkout or build living under
  # /tmp from the hosts: nothing to test there (run from a checkout elsewhere).
  for p in "$IHSWEEP_SOURCE_DIR" "$(dirname "$IHSWEEP")" "$dir"; do
    case $(cd "$p" && pwd -P) in
      /tmp/*)
        echo "SKIP: $p is under /tmp, which each simulated host replaces by its own"
        exit 77 ;;
    esac
  done
  mn_up "$1"
  rc=$?
  [ $rc -eq 0 ] && return 0
  mn_down
  if [ "${IHSWEEP_REQUIRE_SLURM:-0}" = 1 ] || [ "${IHSWEEP_REQUIRE_MULTINODE:-0}" = 1 ]; then
    echo "FAIL: the multi-node tests are required here (IHSWEEP_REQUIRE_SLURM/MULTINODE=1)"
    exit 1
  fi
  exit 77
}

# mn_mpirun HOSTFILE ARGS...: mpirun started on node1, ranks placed by HOSTFILE, launched on the
# other hosts through agent.sh, MPI traffic on TCP between the hosts' eth0 only (no shared memory)
mn_mpirun() {
  local hf=$1
  shift
  "$IHMN_DIR/onhost.sh" node1 "$MPIEXEC" --hostfile "$hf" --oversubscribe \
    --mca plm_rsh_agent "$IHMN_DIR/agent.sh" --mca plm_rsh_no_tree_spawn 1 \
    --mca btl tcp,self --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0 \
    --mca pml ob1 "$@"
}

# mn_rank_pid HOST RANK: pid of that MPI rank on that host
mn_rank_pid() {
  local p
  for p in $(ip netns pids "$IHMN_PREFIX-$1"); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
      echo "$p"
      return
    fi
  done
}

# mn_mpirun_pid JOB: the mpirun process of a backgrounded mn_mpirun (JOB = $!)
mn_mpirun_pid() {
  local p
  for p in "$1" $(pgrep -P "$1"); do
    case $(readlink "/proc/$p/exe") in
    *orterun | *mpirun | *mpiexec) echo "$p" && return ;;
    esac
  done
}

# the number of runs the session in LOG trained / had to do
trained() { sed -n 's/.*(\([0-9]*\) runs trained).*/\1/p' "$1" | tail -n 1; }
todo() { sed -n 's/.* \([0-9]*\) to do on .*/\1/p' "$1" | head -n 1; }

# same A B WHAT: identical result datasets (sweep_tool compare; $TOOL)
same() {
  local out
  if out=$("$TOOL" compare "$1" "$2" 2>&1); then ok "$3: $out"; else bad "$3: $(echo "$out" | head -5)"; fi
}

# expect_rc WANT GOT WHAT LOG
expect_rc() {
  if [ "$2" -eq "$1" ]; then ok "$3 exits $1"; else bad "$3 exits $2, expected $1"; tail -n 30 "$4"; fi
}

# wait_done LOG K: until LOG shows K finished runs; at most 60 s
wait_done() {
  local i
  for i in $(seq 1 1200); do
    [ "$(grep -c ' run [0-9]* done' "$1")" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}
