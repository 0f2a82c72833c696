#!/usr/bin/env bash
# `ihsweep toy` end to end: the HDF5 layout, the summary, and the exit statuses of bad command
# lines.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 passed=0
ok() { passed=$((passed+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
expect() { # description, expected status, command...
  local what=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" != "$want" ]; then bad "$what: exit $got, expected $want"; cat "$tmp/out" "$tmp/err"
  else ok; fi
}

# All conditions, paper defaults.
expect "toy all" 0 "$IHSWEEP" toy -o "$tmp/all.h5"
for c in none clamp_c clamp_bc; do
  grep -q "^  $c .*below 1e-3 of initial after [0-9]* iterations" "$tmp/out" \
    && ok || bad "summary line for $c"
  for d in iteration loss one_minus_cos2_a loss_at_true_bc; do
    h5ls "$tmp/all.h5/$c/$d" 2>/dev/null | grep -q "Dataset {1001}" && ok || bad "$c/$d shape"
  done
done
h5ls -v "$tmp/all.h5/none/loss" | grep -q "Type: *native double" \
  && ok || bad "loss is not a double dataset"
h5dump -a /none/n "$tmp/all.h5" | grep -q "(0): 20" && ok || bad "attribute n"
h5dump -a /clamp_bc/condition "$tmp/all.h5" | grep -q '"clamp_bc"' \
  && ok || bad "attribute condition"
h5dump -a /none/seed "$tmp/all.h5" | grep -q "(0): 1$" && ok || bad "attribute seed"
solved=$(sed -n 's/^  none .*after \([0-9]*\) iterations$/\1/p' "$tmp/out")
[ -n "$solved" ] && h5dump -a /none/solved_iteration "$tmp/all.h5" | grep -q "(0): $solved$" \
  && ok || bad "attribute solved_iteration is not the printed $solved"
h5dump -a /ihsweep_version "$tmp/all.h5" | grep -q '"ihsweep ' && ok || bad "root attribute"
h5dump -d /none/iteration -s 1000 -c 1 "$tmp/all.h5" | grep -q "(1000): 1000" \
  && ok || bad "last iteration"
# The loss falls by many orders of magnitude in every condition.
for c in none clamp_c clamp_bc; do
  last=$(h5dump -d /$c/loss -s 1000 -c 1 -m %.3e "$tmp/all.h5" \
    | sed -n 's/.*(1000): \([^ ]*\).*/\1/p')
  # an empty or non-numeric value (h5dump output changed, dataset missing) must fail too
  awk -v v="$last" 'BEGIN { exit !(v ~ /^[0-9.]+e[-+][0-9]+$/ && v + 0 < 1e-12) }' \
    && ok || bad "$c final loss '$last'"
done

# One condition, short run.
expect "toy clamp_bc" 0 "$IHSWEEP" toy --condition clamp_bc --iters 10 --lr 0.5 --n 5 --seed 3 \
  -o "$tmp/one.h5"
[ "$(h5ls "$tmp/one.h5" | wc -l)" -eq 1 ] && ok || bad "one group expected"
h5ls "$tmp/one.h5/clamp_bc/loss" | grep -q "Dataset {11}" && ok || bad "11 entries"
h5dump -a /clamp_bc/lr "$tmp/one.h5" | grep -q "(0): 0.5" && ok || bad "attribute lr"

# Usage errors: exit 64 with one line; I/O errors name the file.
expect "--help" 0 "$IHSWEEP" toy --help
grep -q "usage: ihsweep toy" "$tmp/out" && ok || bad "help text"
expect "missing -o" 64 "$IHSWEEP" toy
expect "bad condition" 64 "$IHSWEEP" toy --condition bogus -o "$tmp/x.h5"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "usage error is not one line"
expect "bad n" 64 "$IHSWEEP" toy --n 0 -o "$tmp/x.h5"
expect "bad lr" 64 "$IHSWEEP" toy --lr nan -o "$tmp/x.h5"
expect "bad iters" 64 "$IHSWEEP" toy --iters 12x -o "$tmp/x.h5"
expect "missing value" 64 "$IHSWEEP" toy --seed
expect "unknown flag" 64 "$IHSWEEP" toy --frobnicate
expect "unwritable file" 74 "$IHSWEEP" toy --iters 1 -o "$tmp/no/such/dir/x.h5"
grep -q "no/such/dir/x.h5" "$tmp/err" && ok || bad "error does not name the file"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "error is not one line"

echo "test_toy_cli: $passed passed, $fail failed"
[ $fail -eq 0 ] && [ $passed -gt 0 ]
