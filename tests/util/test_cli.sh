#!/usr/bin/env bash
# The CLI's contract: --version, --help, and exit 64 with one line for bad commands and flags.
set -u
fail=0
check() { # description, expected status, command...
  local what=$1 want=$2; shift 2
  "$@" >/tmp/ih_cli_out.$$ 2>&1; local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; cat /tmp/ih_cli_out.$$; fail=$((fail+1))
  else
    passed=$((passed+1))
  fi
}
passed=0
check "--version" 0 "$IHSWEEP" --version
grep -q "^ihsweep [0-9]" /tmp/ih_cli_out.$$ || { echo "FAIL: version line"; fail=$((fail+1)); }
grep -q "HDF5 1\." /tmp/ih_cli_out.$$ || { echo "FAIL: HDF5 version missing"; fail=$((fail+1)); }
grep -q "MPI" /tmp/ih_cli_out.$$ || { echo "FAIL: MPI version missing"; fail=$((fail+1)); }
check "--help" 0 "$IHSWEEP" --help
check "no arguments" 64 "$IHSWEEP"
check "unknown command" 64 "$IHSWEEP" frobnicate
[ "$(wc -l </tmp/ih_cli_out.$$)" -eq 1 ] || { echo "FAIL: unknown command message is not one line"; fail=$((fail+1)); }
check "unknown flag" 64 "$IHSWEEP" --frobnicate
# every subcommand is reachable (a command compiled but missing from the table fails here)
want="version train plan run status merge sample bench toy analyze plot export"
got=$("$IHSWEEP" --help | awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}' | tr '\n' ' ')
[ "$(echo $got | tr ' ' '\n' | sort | tr '\n' ' ')" = "$(echo $want | tr ' ' '\n' | sort | tr '\n' ' ')" ] &&
  passed=$((passed+1)) || { echo "FAIL: commands: want '$want', got '$got'"; fail=$((fail+1)); }
for cmd in $("$IHSWEEP" --help | awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}'); do
  check "$cmd --help" 0 "$IHSWEEP" "$cmd" --help
  [ "$cmd" = version ] && continue
  check "$cmd bad flag" 64 "$IHSWEEP" "$cmd" --no-such-flag
done
rm -f /tmp/ih_cli_out.$$
echo "test_cli: $passed passed, $fail failed"
[ $fail -eq 0 ]
