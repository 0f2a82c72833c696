#!/usr/bin/env bash
# A results file written by 2 ranks (7 of 9 rows) read by h5py and xarray (engine h5netcdf):
# named dimensions, attributes, fill values and the fixture's values (check_results.py).
set -u
tool=$1
script=$2
dir=$(mktemp -d /tmp/ih_io_py.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"${MPIEXEC:-mpiexec}" --oversubscribe -n 2 "$tool" write "$dir/py.h5" 9 6 3 7 || {
  echo "FAIL: writer exited $?"; exit 1; }
/usr/bin/python3 "$script" "$dir/py.h5" 9 7
