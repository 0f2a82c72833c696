#!/usr/bin/env bash
# The layering rule holds for this tree and build (check_layers.sh), and the checker fails on a
# back-edge, on an MPI header in the core and on a core library that references MPI.
set -u
src=$IHSWEEP_SOURCE_DIR
build=$1 # the build directory (one library per module under src/)
checker=$src/tests/util/check_layers.sh
fail=0 passed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if "$checker" "$src" "$build"; then ok; else bad "the tree or the build breaks the layering"; fi

# A copy of the sources with one violation each must fail.
inject() { # name, file relative to the root, line to add
  rm -rf "$tmp/$1" && mkdir -p "$tmp/$1" && cp -r "$src/src" "$src/include" "$tmp/$1/"
  sed -i "1i $3" "$tmp/$1/$2"
  if "$checker" "$tmp/$1" >"$tmp/$1.out" 2>&1; then
    bad "$1: the checker accepted it"
  elif grep -q "$2" "$tmp/$1.out"; then ok; else bad "$1: the report does not name $2"; cat "$tmp/$1.out"; fi
}
inject back_edge src/model/model.c '#include "ihsweep/sweep.h"'
inject mpi_in_core src/data/sampler.c '#include <mpi.h>'
inject header_back_edge include/ihsweep/metrics.h '#include "ihsweep/train.h"'
inject internal_back_edge src/clamp/step.c '#include "train/internal.h"'

# A core library with an MPI reference must fail the symbol check.
mkdir -p "$tmp/build"
cp -r "$build/src" "$tmp/build/" 2>/dev/null
printf 'int MPI_Barrier(void *);\nint ih_bad(void) { return MPI_Barrier(0); }\n' >"$tmp/bad.c"
cc -c "$tmp/bad.c" -o "$tmp/bad.o" && ar rcs "$tmp/build/src/train/libih_train.a" "$tmp/bad.o"
if "$checker" "$src" "$tmp/build" >"$tmp/sym.out" 2>&1; then
  bad "a core library referencing MPI_Barrier was accepted"
elif grep -q "MPI_Barrier" "$tmp/sym.out"; then ok; else bad "symbol report"; cat "$tmp/sym.out"; fi

echo "test_layers.sh: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
