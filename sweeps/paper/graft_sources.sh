#!/bin/sh
# The graft sources of Fig 7 (design 5.3): the final models of full baseline runs (all heads,
# K = 50, L = 5, 1e6 sequences, the low-rank exemplar source as in graft.json) of init seeds
# 5, 6, 7, saved where sweeps/paper/graft.json reads them
# (results/paper/graft_sources/is{5,6,7}.ckpt, relative to the directory graft.json runs in).
# A sweep removes its runs' checkpoints when they finish, so the sources are single
# `ihsweep train --save-model` runs. Cost: 3 baseline runs, about 3 core-minutes on an idle core.
# usage: sweeps/paper/graft_sources.sh [IHSWEEP [OUTDIR [TRAIN_ITERS]]]
#   defaults: build/ihsweep, results/paper/graft_sources, 1000000
set -eu
IHSWEEP=${1:-build/ihsweep}
OUT=${2:-results/paper/graft_sources}
ITERS=${3:-1000000}
mkdir -p "$OUT"
for seed in 5 6 7; do
  cat >"$OUT/is$seed.json" <<JSON
{"name": "graft_source_is$seed", "init_seed": $seed, "train_iters": $ITERS, "eval_every": 5000,
 "ckpt_every": 50000, "data": {"source": {"type": "lowrank"}}}
JSON
  "$IHSWEEP" train "$OUT/is$seed.json" -o "$OUT/is$seed.h5" --overwrite \
    --save-model "$OUT/is$seed.ckpt"
done
