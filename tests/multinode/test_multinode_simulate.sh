#!/usr/bin/env bash
# The scheduler at many ranks, by simulation (ihsweep run --simulate): a 96-run staged sweep (the
# sweep test's tiny.json with 16 seeds; clamp runs bind heads from their baselines) on 64
# oversubscribed ranks, each run sleeping its estimated time: every run is dispatched exactly
# once, every row is written and complete, and the file says it holds simulated rows. Timing is
# reported, not asserted (tests/multinode/bench_simulate.sh measures it; README, Benchmarks).
TOOL=$1
NP=${IHMN_SIM_RANKS:-64}
set -u
dir=$(mktemp -d "$PWD/ihsim.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fails=0
passes=0
ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
/usr/bin/python3 - "${IHSWEEP_SOURCE_DIR:?}/tests/sweep/tiny.json" "$dir/sim.json" <<'PY' ||
import json, sys
s = json.load(open(sys.argv[1]))
s["seeds"] = list(range(5, 21))
s["name"] = "tiny_x16"
json.dump(s, open(sys.argv[2], "w"))
PY
  bad "cannot write the 16-seed sweep"
n=$("$IHSWEEP" plan "$dir/sim.json" | sed -n 's/^total: \([0-9]*\) runs.*/\1/p')
[ "$n" = 96 ] && ok "the sweep has 96 runs" || bad "the sweep has ${n:-?} runs, expected 96"
"${MPIEXEC:-mpiexec}" --oversubscribe -n "$NP" "$IHSWEEP" run "$dir/sim.json" -o "$dir/sim.h5" \
  --simulate 1 --progress-every 5 >"$dir/sim.log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "simulated sweep on $NP ranks exits 0" || { bad "exit $rc"; tail -n 20 "$dir/sim.log"; }
ids=$(sed -n 's/.* run \([0-9]*\) done.*/\1/p' "$dir/sim.log" | sort -n)
[ "$ids" = "$(seq 0 95)" ] && ok "each of the 96 runs dispatched exactly once" ||
  bad "runs reported done: $(echo "$ids" | uniq -c | awk '$1 != 1' | head -5 | tr '\n' ' ') ($(echo "$ids" | grep -c .) lines)"
grep -q "(96 runs trained)" "$dir/sim.log" && ok "96 runs in the session's count" ||
  bad "$(grep '^time:' "$dir/sim.log")"
st=$("$TOOL" status "$dir/sim.h5" | awk '$2 == 1' | wc -l)
[ "$st" = 96 ] && ok "96 rows written with status done" || bad "$st rows done, expected 96"
"$IHSWEEP" status "$dir/sim.h5" 2>&1 | grep -q "^progress: 96/96 done, 0 diverged, 0 failed" &&
  ok "status: every row complete (checksums verified)" || bad "status: $("$IHSWEEP" status "$dir/sim.h5" 2>&1 | grep progress)"
h5dump -a /library_versions "$dir/sim.h5" 2>/dev/null | grep -q "SIMULATED" &&
  ok "the file says its rows are simulated" || bad "no SIMULATED mark in /library_versions"
grep '^simulate:\|^time:' "$dir/sim.log"
echo "$(basename "$0"): $passes passed, $fails failed"
[ $fails -eq 0 ]
