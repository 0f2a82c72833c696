#!/usr/bin/env bash
# ihsweep train end to end: a small run into a results file, progress lines, refusing to
# overwrite, SIGUSR1 -> checkpoint + exit 75 -> the same command resumes to the same bytes.
set -u
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT; cd "$dir"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
cat > run.json <<'JSON'
{"name": "cli", "train_iters": 64000, "eval_every": 2000, "ckpt_every": 8000,
 "data": {"source": {"type": "synthetic", "dim": 32}, "eval_size": 200, "dense_subset": 200},
 "model": {"d_model": 16, "n_heads": 4}}
JSON
"$IHSWEEP" train run.json -o a.h5 2>a.log && ok || bad "train exited $?"
grep -q "eval 33/33 at 64000 sequences" a.log && ok || bad "no final progress line"
grep -q $'\r' a.log && bad "carriage return in progress" || ok
[ -f a.h5 ] && [ ! -f a.h5.ckpt ] && ok || bad "file or leftover checkpoint"
"$IHSWEEP" train run.json -o a.h5 2>err.log; rc=$?
[ $rc -eq 74 ] && ok || bad "overwrite refused with $rc"
"$IHSWEEP" train 2>/dev/null; [ $? -eq 64 ] && ok || bad "missing config not 64"
echo '{"model": {"d_modle": 3}}' > badf.json
"$IHSWEEP" train badf.json -o b.h5 2>err.log; rc=$?
[ $rc -eq 78 ] && grep -q "model.d_modle: unknown field" err.log && ok || bad "bad field: $rc $(cat err.log)"

# interrupted run: SIGUSR1 after the first evals, then resume with the same command
"$IHSWEEP" train run.json -o b.h5 2>b1.log & pid=$!
for i in $(seq 1 200); do grep -q "eval 4/" b1.log 2>/dev/null && break; sleep 0.05; done
kill -USR1 $pid; wait $pid; rc=$?
if [ $rc -eq 75 ]; then
  ok
  [ -f b.h5.ckpt ] && ok || bad "no checkpoint after stop"
  "$IHSWEEP" train run.json -o b.h5 2>b2.log && ok || bad "resume failed"
else
  bad "stopped run exited $rc (finished too fast?)"
fi
for ds in /curves/fsl_train/loss /curves/induction_strength /curves/train_loss /summary/t_star /runs/checksum; do
  h5diff a.h5 b.h5 "$ds" "$ds" >/dev/null && ok || bad "resumed run differs in $ds"
done
echo "test_train_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
