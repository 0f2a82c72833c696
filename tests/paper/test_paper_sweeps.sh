#!/bin/bash
# CI-sized check of the paper's sweep files (sweeps/paper/): every file plans, and a few runs of
# each (per stage its first run and the first seed's last condition, plus the file's last run,
# with the runs they bind heads from) train under mpiexec -n 2 with tiny lengths and finish with
# no failed or diverged run. The graft sweep runs on the final models of short graft-source runs
# (graft_sources.sh with 2000 sequences); the toy command list runs with 50 iterations.
set -u
MPIEXEC=${MPIEXEC:-mpiexec}
SRC=${IHSWEEP_SOURCE_DIR:?}
IHSWEEP=${IHSWEEP:?}
fails=0
passes=0
dir=$(mktemp -d /tmp/ih_paper_test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
TINY=(--set train_iters=2000 --set eval_every=500 --set data.eval_size=100 --progress-every 0)

# picks PLAN.txt: run ids to try (see the header), comma-separated
picks() {
  awk '$1 ~ /^[0-9]+$/ { id = $1; st = $2; last = id
         if (!(st in first)) { first[st] = id; order[n++] = st }
         if (!((st, $3) in seen)) { seen[st, $3] = 1; ncond[st]++ } }
       END { for (i = 0; i < n; i++) { s = order[i]; printf "%d,%d,", first[s], first[s] + ncond[s] - 1 }
             printf "%d\n", last }' "$1"
}

files=$(ls "$SRC"/sweeps/paper/*.json)
[ -n "$files" ] && ok "sweeps/paper holds $(echo "$files" | wc -l) sweep files" || bad "no sweep files"
for f in $files; do
  name=$(basename "$f" .json)
  "$IHSWEEP" plan "$f" >"$name.plan" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && grep -q '^total: ' "$name.plan"; then
    ok "plan $name: $(grep '^total' "$name.plan")"
  else
    bad "plan $name exits $rc"
    cat "$name.plan"
    continue
  fi
  grep -q '"description"' "$f" && ok "$name has a description" || bad "$name has no description"
done

# the graft sources: graft_sources.sh with 2000-sequence runs stands in for the trained models
sh "$SRC/sweeps/paper/graft_sources.sh" "$IHSWEEP" results/paper/graft_sources 2000 >src.log 2>&1
rc=$?
n=$(ls results/paper/graft_sources/is*.ckpt 2>/dev/null | wc -l)
[ $rc -eq 0 ] && [ "$n" -eq 3 ] && ok "graft_sources.sh saved $n final models" ||
  { bad "graft_sources.sh exits $rc, $n models"; cat src.log; }

for f in $files; do
  name=$(basename "$f" .json)
  [ -s "$name.plan" ] || continue
  runs=$(picks "$name.plan")
  "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" run "$f" -o "$name.h5" --runs "$runs" "${TINY[@]}" \
    >"$name.log" 2>&1
  rc=$?
  line=$(grep 'progress: ' "$name.log" | tail -n 1)
  if [ $rc -eq 0 ] && echo "$line" | grep -Eq 'progress: ([0-9]+)/\1 done, 0 diverged, 0 failed'; then
    ok "run $name --runs $runs: $line"
  else
    bad "run $name --runs $runs exits $rc: $line"
    tail -n 20 "$name.log"
  fi
done

sh "$SRC/sweeps/paper/toy.sh" "$IHSWEEP" toy 50 >toy.log 2>&1
rc=$?
n=$(ls toy/toy_seed*.h5 2>/dev/null | wc -l)
[ $rc -eq 0 ] && [ "$n" -eq 5 ] && ok "toy.sh wrote $n files" || { bad "toy.sh exits $rc, $n files"; cat toy.log; }

echo "$(basename "$0"): $passes passed, $fails failed"
[ $fails -eq 0 ] && [ $passes -gt 0 ]
