#!/usr/bin/env bash
# `ihsweep sample` on the example data configs: JSON lines out, evaluators, the dense set, the
# exit statuses of bad input (64 usage, 66 missing file, 78 config error) with one-line messages.
set -u
fail=0
passed=0
out=$(mktemp)
tmp=$(mktemp -d)
paper="$IHSWEEP_SOURCE_DIR/sweeps/examples/data_paper.json"
zipf="$IHSWEEP_SOURCE_DIR/sweeps/examples/data_zipf_bursty.json"
check() { # description, expected status, command...
  local what=$1 want=$2; shift 2
  "$@" >"$out" 2>&1; local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; head -5 "$out"; fail=$((fail+1))
  else
    passed=$((passed+1))
  fi
}
expect() { # description, condition (evaluated)
  if eval "$2"; then passed=$((passed+1)); else echo "FAIL: $1"; head -5 "$out"; fail=$((fail+1)); fi
}
lines() { wc -l <"$out" | tr -d ' '; }

check "paper train" 0 "$IHSWEEP" sample "$paper" --n 5
expect "paper train: 5 lines" '[ "$(lines)" = 5 ]'
expect "paper train: JSON fields" '[ "$(grep -c "^{\"set\":\"train\",\"step\":0,\"index\":[0-4],\"classes\":\[[0-9]*,[0-9]*,[0-9]*\],\"exemplars\":\[0,0,0\],\"types\":\[.*\],\"labels\":\[[0-4],[0-4]\],\"query_label\":[0-4],\"match\":[01]}$" "$out")" = 5 ]'
cp "$out" "$tmp/a"
check "paper train again" 0 "$IHSWEEP" sample "$paper" --n 5
expect "same seed, same lines" 'cmp -s "$out" "$tmp/a"'
check "other train seed" 0 "$IHSWEEP" sample "$paper" --n 5 --train-seed 3
expect "other train seed, other lines" '! cmp -s "$out" "$tmp/a"'
check "steps" 0 "$IHSWEEP" sample "$paper" --n 40 --step 7 --batch-size 16
expect "steps: 40 lines over steps 7-9" '[ "$(lines)" = 40 ] && grep -q "\"step\":9," "$out" && ! grep -q "\"step\":10," "$out"'

check "evaluator" 0 "$IHSWEEP" sample "$paper" --evaluator fsl_test_class --n 3
expect "evaluator lines" '[ "$(grep -c "^{\"set\":\"fsl_test_class\",\"index\":" "$out")" = 3 ]'
check "evaluator tail" 0 "$IHSWEEP" sample "$paper" --evaluator fsl_val_rl --first 998 --n 10
expect "evaluator tail clipped to the set" '[ "$(lines)" = 2 ]'
check "dense" 0 "$IHSWEEP" sample "$paper" --dense --first 78398 --n 5
expect "dense: last two of 78,400" '[ "$(lines)" = 2 ] && grep -q "\"index\":78399," "$out"'
check "probe" 0 "$IHSWEEP" sample "$paper" --probe --n 4
expect "probe lines" '[ "$(lines)" = 4 ]'
check "stats" 0 "$IHSWEEP" sample "$paper" --stats
expect "stats line" 'grep -q "\"cos_between\":" "$out" && grep -q "\"dense_size\":78400" "$out"'

check "zipf bursty train" 0 "$IHSWEEP" sample "$zipf" --n 20
expect "zipf: 20 lines of 9 items" '[ "$(grep -c "\"classes\":\[\([0-9]*,\)\{8\}[0-9]*\]" "$out")" = 20 ]'
expect "zipf: bursty and plain sequences" 'grep -q "\"bursty\"" "$out" && grep -q "\"other\"" "$out"'
check "zipf evaluator" 0 "$IHSWEEP" sample "$zipf" --evaluator icl_test_01 --n 3
expect "zipf evaluator: 01 labels" '[ "$(grep -c "\"labels\":\[\([01],\)\{7\}[01]\]" "$out")" = 3 ]'
check "zipf dense undefined" 78 "$IHSWEEP" sample "$zipf" --dense

check "--help" 0 "$IHSWEEP" sample --help
check "unknown flag" 64 "$IHSWEEP" sample "$paper" --no-such-flag
expect "unknown flag: one line" '[ "$(lines)" = 1 ]'
check "bad number" 64 "$IHSWEEP" sample "$paper" --n ten
check "no config" 64 "$IHSWEEP" sample
check "unknown evaluator" 64 "$IHSWEEP" sample "$paper" --evaluator nope
check "missing file" 66 "$IHSWEEP" sample "$tmp/none.json"
expect "missing file: one line naming it" '[ "$(lines)" = 1 ] && grep -q "none.json" "$out"'
echo '{"data": {"burstiness": 2}}' >"$tmp/bad.json"
check "impossible config" 78 "$IHSWEEP" sample "$tmp/bad.json"
expect "impossible config: one line naming the field" '[ "$(lines)" = 1 ] && grep -q "data.burstiness" "$out"'
echo '{"data": {"foo": 1}}' >"$tmp/unknown.json"
check "unknown field" 78 "$IHSWEEP" sample "$tmp/unknown.json"
expect "unknown field named" 'grep -q "data.foo" "$out"'
printf '{"data": {"source": {"type": "hdf5", "path": "%s/missing.h5"}}}' "$tmp" >"$tmp/h5.json"
check "missing hdf5 file" 66 "$IHSWEEP" sample "$tmp/h5.json"
expect "missing hdf5 file named" 'grep -q "missing.h5" "$out"'
printf '{"data": {}}\0{"data": {"burstiness": 9}}' >"$tmp/nul.json"
check "NUL byte in the file" 65 "$IHSWEEP" sample "$tmp/nul.json"
expect "NUL byte: one line" '[ "$(lines)" = 1 ] && grep -q "NUL" "$out"'

rm -rf "$out" "$tmp"
echo "test_sample: $passed passed, $fail failed"
[ $fail -eq 0 ]
