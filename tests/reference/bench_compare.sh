#!/usr/bin/env bash
# Benchmark (not a test): training steps per second of ihsweep's C model against the PyTorch twin
# on the paper configuration, one after the other, both single-threaded. Prints both figures, the
# ratio ihsweep/pytorch and the CPU model. Run on an otherwise idle machine: a busy second core
# roughly halves PyTorch's figure (doc/design.md 14).
#
# Usage: tests/reference/bench_compare.sh [IHSWEEP_BINARY] [STEPS]
#   IHSWEEP_BINARY: default $IHSWEEP, else build/ihsweep.  STEPS: default 2000 (both programs).
#   PYTHON: interpreter with torch (default /usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ihsweep=${1:-${IHSWEEP:-build/ihsweep}}
steps=${2:-2000}
python=${PYTHON:-/usr/bin/python3}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

last_rate() { # extracts <x> from the last line "steps_per_sec=<x>"
  local line
  line=$(printf '%s\n' "$1" | tail -n 1)
  case "$line" in
    steps_per_sec=*) printf '%s\n' "${line#steps_per_sec=}" ;;
    *) echo "bench_compare: expected a last line steps_per_sec=<x>, got: $line" >&2; return 1 ;;
  esac
}

[ -x "$ihsweep" ] || { echo "bench_compare: $ihsweep is not an executable (pass its path)" >&2; exit 66; }
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')

echo "== ihsweep: $ihsweep bench --steps $steps"
c_out=$("$ihsweep" bench --steps "$steps")
printf '%s\n' "$c_out"
c_rate=$(last_rate "$c_out")

echo "== pytorch twin: bench_twin.py --steps $steps"
py_out=$("$python" "$here/bench_twin.py" --steps "$steps")
printf '%s\n' "$py_out"
py_rate=$(last_rate "$py_out")

echo "== summary"
echo "cpu: $cpu"
echo "ihsweep_steps_per_sec=$c_rate"
echo "pytorch_steps_per_sec=$py_rate"
awk -v c="$c_rate" -v p="$py_rate" 'BEGIN { printf "ratio_ihsweep_over_pytorch=%.2f\n", c / p }'
