#!/usr/bin/env bash
# The scheduler at scale, by simulation (a benchmark, not a test): the paper sweeps of
# sweeps/paper/ (as given and with SEEDS init seeds) under `ihsweep run --simulate SCALE` on 64, 128 and 256 oversubscribed
# ranks on this machine. Each run sleeps its estimated time x SCALE, so the dispatch time can be
# compared with its lower bounds (the runs' total time over the ranks, and the longest chain of
# runs binding heads from each other) and with the schedule the dispatch order gives when nothing
# but the runs costs time (which the granularity of the runs can keep above both bounds);
# ihsweep prints all three. One table row per sweep and rank count.
#   bench_simulate.sh [IHSWEEP] [SCALE] [SEEDS] [RANKS...]
# defaults: build/ihsweep 0.1 16 "64 128 256" (BENCH_TIMEOUT: seconds per run, default 900); BENCH_SWEEPS="main data_dependence_x16 ..." picks
# sweeps (the names of the files in sweeps/paper/, with _xSEEDS for the many-seed variants).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
ih=${1:-$src/build/ihsweep}
scale=${2:-0.1}
seeds=${3:-16}
shift 3 2>/dev/null
ranks=${*:-64 128 256}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PMIX_MCA_gds=hash \
  OPENBLAS_NUM_THREADS=1 OMPI_MCA_mpi_yield_when_idle=1 HDF5_USE_FILE_LOCKING=FALSE
dir=$(mktemp -d "${TMPDIR:-/tmp}/ih_simbench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
sweeps=""
for f in main data_dependence appendix; do
  cp "$src/sweeps/paper/$f.json" "$dir/$f.json"
  /usr/bin/python3 - "$src/sweeps/paper/$f.json" "$dir/${f}_x$seeds.json" "$seeds" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[3])
first = s["seeds"]["values"][0] if isinstance(s["seeds"], dict) else s["seeds"][0]
vals = [first + k for k in range(n)]
if isinstance(s["seeds"], dict):
    s["seeds"]["values"] = vals
else:
    s["seeds"] = vals
s["name"] += "_x%d" % n
json.dump(s, open(sys.argv[2], "w"))
PY
  sweeps="$sweeps $f ${f}_x$seeds"
done
sweeps=${BENCH_SWEEPS:-$sweeps}
printf '| sweep | runs | ranks | dispatch (s) | runs/ranks bound (s) | longest chain (s) | dispatch / bound | schedule without overhead (s) | dispatch / schedule | scheduling | row writes | start + file create + close (s) |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for s in $sweeps; do
  for np in $ranks; do
    log=$dir/$s.$np.log
    # one retry: hundreds of ranks starting on 2 busy cores now and then hang in MPI_Init
    # (PMIx connection), which the time-out ends
    for try in 1 2; do
      rm -f "$dir/$s.$np.h5"
      t0=$(date +%s.%N)
      timeout -k 10 "${BENCH_TIMEOUT:-900}" mpiexec --oversubscribe -n "$np" "$ih" run "$dir/$s.json" \
        -o "$dir/$s.$np.h5" --simulate "$scale" --progress-every 0 >"$log" 2>&1
      rc=$?
      t1=$(date +%s.%N)
      [ $rc -eq 0 ] && break
      grep -q '^simulate:' "$log" && break # finished; only MPI's exit failed (noted below)
    done
    if ! grep -q '^simulate:' "$log"; then
      echo "| $s | ? | $np | failed (exit $rc): $(tail -n 1 "$log") |"
      continue
    fi
    runs=$(sed -n 's/.* sweep [^:]*: \([0-9]*\) runs,.*/\1/p' "$log")
    sim=$(grep '^simulate:' "$log")
    tline=$(grep '^time:' "$log")
    disp=$(echo "$sim" | sed -n 's/.*dispatch \([0-9.]*\)s on.*/\1/p')
    even=$(echo "$sim" | sed -n 's/.*ranks \([0-9.]*\)s, longest.*/\1/p')
    chain=$(echo "$sim" | sed -n 's/.*chain \([0-9.]*\)s;.*/\1/p')
    ratio=$(echo "$sim" | sed -n 's/.*bound = \([0-9.]*\);.*/\1/p')
    ideal=$(echo "$sim" | sed -n 's/.*overhead \([0-9.]*\)s,.*/\1/p')
    over=$(echo "$sim" | sed -n 's/.*schedule = \([0-9.]*\).*/\1/p')
    sched=$(echo "$tline" | sed -n 's/.*scheduling \([0-9.]*%\).*/\1/p')
    rows=$(echo "$tline" | sed -n 's/.*row writes \([0-9.]*%\).*/\1/p')
    rest=$(awk -v a="$t0" -v b="$t1" -v d="$disp" 'BEGIN { printf "%.1f", b - a - d }')
    note=""
    [ $rc -eq 0 ] || note=" (mpiexec exit $rc after the sweep)"
    echo "| $s | $runs | $np | $disp | $even | $chain | $ratio | $ideal | $over | $sched | $rows | $rest$note |"
    rm -f "$dir/$s.$np.h5"
  done
done
