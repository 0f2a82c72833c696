# shellcheck shell=bash
# Shared by the Slurm tests (sourced after `set -u`): the cluster helper, paths, check counters,
# a reference sweep outside Slurm and the comparison of two results files. Expects from CTest:
# $IHSWEEP (the program), $IHSWEEP_SOURCE_DIR, $IHSWEEP_TEST_DATA (this folder), $MPIEXEC.
lib_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/cluster.sh
. "$lib_here/cluster.sh"

IHSWEEP=${IHSWEEP:?run through ctest, or set IHSWEEP=/path/to/ihsweep}
# shellcheck disable=SC2034 # used by the tests that source this file
SLURM_DIR=${IHSWEEP_SOURCE_DIR:-$lib_here/../..}/slurm
TINY=${IHSWEEP_TEST_DATA:-$lib_here}/tiny.json
MPIEXEC=${MPIEXEC:-mpiexec}
export IHSWEEP HDF5_USE_FILE_LOCKING=FALSE
passes=0
fails=0
work=""

ok()
{
    echo "ok: $*"
    passes=$((passes + 1))
}

bad()
{
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# check WHAT COMMAND...: ok when COMMAND succeeds, else bad.
check()
{
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# Ends the test: exit 1 when any check failed (the EXIT trap tears the cluster down).
finish()
{
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ] || exit 1
    exit 0
}

# Removes the work folder after a passing test; keeps it (and says where) after a failure or
# when IH_SLURM_KEEP=1.
cluster_after_down()
{
    [ -n "$work" ] && [ -d "$work" ] || return 0
    if [ "$1" -eq 0 ] && [ "${IH_SLURM_KEEP:-0}" != 1 ]; then
        rm -rf "$work"
    else
        echo "kept the work folder for inspection: $work" >&2
    fi
}

# slurm_test_start NAME: skip unless Slurm can run; a fresh work folder (cwd) with a cluster.
slurm_test_start()
{
    cluster_require
    work=$(mktemp -d "/tmp/ih_slurm_$1.XXXXXX") || fail "mktemp"
    chmod 755 "$work" # slurmctld runs as user slurm and keeps its state below this folder
    cd "$work" || fail "cd $work"
    cp "$TINY" tiny.json
    cluster_up "$work/cluster"
}

# ref_run OUT [ihsweep run options]: the tiny sweep on 2 ranks under mpiexec, outside Slurm.
ref_run()
{
    local out=$1
    shift
    (unset SLURM_CONF && "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" run tiny.json -o "$out" "$@") \
        >"$out.log" 2>&1 || fail "reference sweep failed: $(tail -n 5 "$out.log")"
}

# results_done FILE N: `ihsweep status` counts N of N runs done.
results_done()
{
    local line
    line=$("$IHSWEEP" status "$1" 2>&1 | grep '^progress:')
    if [[ "$line" == "progress: $2/$2 done"* ]]; then
        return 0
    fi
    echo "  $1: expected 'progress: $2/$2 done', got '$line'" >&2
    return 1
}

# results_same A B: identical files but for what may differ between two sessions of one sweep:
# /runs/wall_seconds, the root attribute slurm_job_ids and dimension-scale back references
# (DIMENSION_LIST/REFERENCE_LIST hold object addresses). Prints the differences otherwise.
results_same()
{
    local diffs rc
    diffs=$(h5diff -v --exclude-path /runs/wall_seconds "$1" "$2" 2>&1)
    rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "  h5diff $1 $2 failed ($rc): $(printf '%s\n' "$diffs" | tail -n 3)" >&2
        return 1
    fi
    diffs=$(printf '%s\n' "$diffs" | awk '
        /^ +x +x +\// { next }                                # an object in both files
        /^ +x +\// { print "only in one file: " $0; next }
        /^(attribute|dataset|group|datatype|link|Not comparable)/ { what = $0 }
        /[Nn]ot comparable/ { print $0 }
        /^[0-9]+ differences? found/ && $1 > 0 {
            if (what ~ /^attribute: <(slurm_job_ids of <\/>|DIMENSION_LIST of|REFERENCE_LIST of)/) next
            print $1 " differences in " what
        }')
    if [ -n "$diffs" ]; then
        printf '  %s and %s differ:\n%s\n' "$1" "$2" "$(printf '%s\n' "$diffs" | head -n 20)" >&2
        return 1
    fi
    return 0
}

# log_has FILE PATTERN: FILE has a line matching the extended regex PATTERN (else prints its tail).
# For output held in a variable: log_has <(echo "$out") PATTERN.
log_has()
{
    local text
    text=$(cat -- "$1" 2>/dev/null) # once: $1 may be a pipe, <(...)
    if grep -Eq -- "$2" <<<"$text"; then
        return 0
    fi
    echo "  $1 has no line matching '$2'; it ends with:" >&2
    tail -n 15 <<<"$text" >&2
    return 1
}

# job_field_is ID FIELD VALUE: `scontrol show job` has FIELD=VALUE.
job_field_is()
{
    local got
    got=$(cluster_job_field "$1" "$2")
    [ "$got" = "$3" ] && return 0
    echo "  job $1: $2=$got, expected $3" >&2
    return 1
}
