#!/bin/sh
# The toy model of Fig 5a and Fig 9 (design 4.8) over several seeds. The sweep file format
# describes transformer training runs only, so the toy model's "sweep" is this command list:
# `ihsweep toy` runs all three conditions (none, clamp_c, clamp_bc) of one seed into one file.
# The paper ran seed 1; seeds 1-5 here. Cost: well under a core-second per seed.
# usage: sweeps/paper/toy.sh [IHSWEEP [OUTDIR [ITERS]]]
#   defaults: build/ihsweep, results/paper/toy, 1000 (the paper's iteration count)
set -eu
IHSWEEP=${1:-build/ihsweep}
OUT=${2:-results/paper/toy}
ITERS=${3:-1000}
mkdir -p "$OUT"
for seed in 1 2 3 4 5; do
  "$IHSWEEP" toy --condition all --iters "$ITERS" --seed "$seed" -o "$OUT/toy_seed$seed.h5"
done
