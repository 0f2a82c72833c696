#!/usr/bin/env bash
# Runs one fuzz target: replays its regression inputs (every crash ever found, as a file under
# regressions/<target>/), then fuzzes from the seed corpus for SECONDS of wall time.
#   run_fuzz.sh TARGET SECONDS [WORK_DIR]
# Environment: FUZZ_BIN_DIR (where the fuzz executables are), IHSWEEP_SOURCE_DIR (the source
# tree), FUZZ_FLAGS extra libFuzzer flags. WORK_DIR (default ./TARGET.work) keeps the corpus, so a
# long local run continues where the last one stopped. Exit status: 0 clean, 1 a crash (the
# input is saved in WORK_DIR/artifacts/: add it to regressions/TARGET/ with the fix).
set -euo pipefail
target=$1
seconds=$2
work=${3:-$PWD/$target.work}
src=${IHSWEEP_SOURCE_DIR:?}
bin=${FUZZ_BIN_DIR:?}/$target
here=$src/tests/fuzz
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
# Open MPI's and HDF5's own allocations are not ours to fix (see tests/sanitize/lsan_mpi.supp).
export LSAN_OPTIONS="suppressions=$src/tests/sanitize/lsan_mpi.supp:print_suppressions=0"

# Seeds: committed ones plus, for the config parser, every JSON file of sweeps/ and the tests
# with the selector byte of its parser (0 run, 1 data, 2 clamp list, 3 sweep) in front.
case $target in
  fuzz_config)
    for f in "$src"/sweeps/*.json "$src"/sweeps/paper/*.json "$src"/sweeps/examples/*.json "$src"/tests/sweep/*.json \
             "$src"/tests/slurm/*.json; do
      case $(basename "$f") in
        run_*) sel='\x00' ;; data_*) sel='\x01' ;; clamps_*) sel='\x02' ;; *) sel='\x03' ;;
      esac
      { printf "$sel"; cat "$f"; } > "$work/seeds/$(basename "$f")"
    done ;;
  fuzz_results)
    mkdir -p "$work/files"
    ASAN_OPTIONS=detect_leaks=0 "${FUZZ_BIN_DIR}/fuzz_results_seed" "$work/files" ;;
esac
[ -d "$here/corpus/${target#fuzz_}" ] && cp "$here/corpus/${target#fuzz_}"/* "$work/seeds/" 2>/dev/null || true

max_len=4096
if [ "$target" = fuzz_results ]; then
  # HDF5 1.10 allocates whatever length a damaged variable-length string claims (up to 4 GiB)
  # before it finds the heap object missing. Allocations above 512 MiB fail instead (as they
  # would on a small node), which HDF5 and ihsweep report as errors. Leaks are checked after
  # every input, not at exit, where Open MPI's frames no longer symbolize.
  max_len=65536
  export ASAN_OPTIONS="max_allocation_size_mb=512:allocator_may_return_null=1"
  LSAN_OPTIONS="$LSAN_OPTIONS:leak_check_at_exit=0"
  # the inputs are edit lists applied to this file (see fuzz_results.c)
  export FUZZ_RESULTS_SEED="$work/files/seed-probe1.h5"
  # whole damaged files found by the byte-level mode (FUZZ_RESULTS_RAW=1)
  if [ -d "$here/regressions/fuzz_results_raw" ]; then
    echo "== $target: replaying $(ls "$here/regressions/fuzz_results_raw" | wc -l) raw file(s)"
    FUZZ_RESULTS_RAW=1 "$bin" -rss_limit_mb=2048 -timeout=30 "$here/regressions/fuzz_results_raw"/*
  fi
fi

regressions=$here/regressions/$target
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  echo "== $target: replaying $(ls "$regressions" | wc -l) regression input(s)"
  "$bin" -rss_limit_mb=2048 -timeout=30 "$regressions"/*
fi

echo "== $target: fuzzing for ${seconds}s"
set +e
"$bin" -max_total_time="$seconds" -max_len=$max_len -rss_limit_mb=2048 -timeout=30 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_FLAGS:-} \
  "$work/corpus" "$work/seeds" 2>&1 | tee "$work/last.log" | grep -E "^(#[0-9]+ +(INITED|DONE)|stat::|==[0-9]+==ERROR|SUMMARY|Done)" 
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "$target: FAILED (status $status); see $work/last.log and $work/artifacts/" >&2
  tail -40 "$work/last.log" >&2
  exit 1
fi
echo "$target: no crash"
