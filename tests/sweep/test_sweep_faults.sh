#!/usr/bin/env bash
# Faults a hostile user or a full disk can cause, each checked for the behaviour promised in
# README (Reliability): a directory given as a config or results file (exit 66); an empty
# evaluator list (named field); damaged rows seen by analyze (skipped, reported) and a damaged
# /runs/config (caught by the row checksum, restored by --resume, not blamed on config drift);
# two writers on one file (refused, naming the holder; a stale lock after kill -9 is replaced);
# a disk too small for the results file (exit 74 at once, no hang; --resume on a bigger disk
# works) or for storing /analysis (exit 74, the file untouched); SIGUSR1 (exit 75) and what
# `status` says then. Tmpfs cases need `mount`; they are skipped with a reason where it fails.
TOOL=${1:-}
source "$(dirname "$0")/lib.sh"
S=$DATA/tiny.json
PY=/usr/bin/python3
short=(--set train_iters=4000 --progress-every 0)
mnt=""
cleanup_all() {
  [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup_all EXIT

has() { grep -q -- "$2" "$1" || { bad "$3: expected '$2' in:"; head -5 "$1"; return 1; }; }

# ---- 6: a directory as a config or results file ----
mkdir -p "$dir/adir"
for cmd in "plan $dir/adir" "run $dir/adir -o $dir/x.h5" "train $dir/adir -o $dir/x.h5" \
           "sample $dir/adir" "bench --clamp $dir/adir"; do
  # shellcheck disable=SC2086
  "$IHSWEEP" $cmd >"$dir/d.log" 2>&1
  rc=$?
  expect_rc 66 $rc "ihsweep $cmd" "$dir/d.log"
  has "$dir/d.log" "is a directory" "ihsweep $cmd" && ok "ihsweep $cmd says it is a directory"
done
"$IHSWEEP" status "$dir/adir" >"$dir/d.log" 2>&1
expect_rc 66 $? "status DIR" "$dir/d.log"
n=$(wc -l <"$dir/d.log")
if [ "$n" -le 2 ] && grep -q "is a directory" "$dir/d.log"; then ok "status DIR: one clear line";
else bad "status DIR printed $n lines:"; head -5 "$dir/d.log"; fi

# ---- 8: an empty evaluator list names its field ----
printf '{"train_iters": 2000, "eval_every": 1000, "model": {"d_model": 16, "n_heads": 4},
  "data": {"evaluators": []}}' >"$dir/noeval.json"
"$IHSWEEP" train "$dir/noeval.json" -o "$dir/noeval.h5" >"$dir/e.log" 2>&1
expect_rc 78 $? "train with evaluators []" "$dir/e.log"
has "$dir/e.log" "data.evaluators" "evaluators []" && ok "evaluators []: names data.evaluators"

# ---- a partial sweep to damage: runs 0-7 done, 8-11 never run ----
sweep 2 run "$S" -o "$dir/p.h5" --runs 0-7 "${short[@]}" >"$dir/p.log" 2>&1
expect_rc 0 $? "partial sweep" "$dir/p.log"
cp "$dir/p.h5" "$dir/orig.h5"

# ---- 3: analyze verifies row checksums ----
cp "$dir/p.h5" "$dir/a.h5"
$PY - "$dir/a.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
d = f["curves/fsl_train/loss"]; v = d[0]; v[0] += 0.5; d[0] = v      # a curve byte of done run 0
t = f["summary/t_censor"]; t[1] = t[1] + 1000                        # t_censor of done run 1
s = f["runs/status"]; s[9] = 1                                       # never-run run 9 forged done
f.close()
PYEOF
"$IHSWEEP" status "$dir/a.h5" >"$dir/s.log" 2>&1
has "$dir/s.log" "3 torn or corrupted" "status of a damaged file" && ok "status flags 3 damaged rows"
"$IHSWEEP" analyze "$dir/a.h5" --no-pca --no-store >"$dir/an.out" 2>"$dir/an.err"
expect_rc 0 $? "analyze of a damaged file" "$dir/an.err"
has "$dir/an.err" "3 finished row(s)" "analyze of a damaged file" &&
  ok "analyze skips and reports the 3 damaged rows"
"$IHSWEEP" analyze "$dir/p.h5" --no-pca --no-store >"$dir/an0.out" 2>"$dir/an0.err"
# the "done" column of the none rows, found by its header
done_of() { awk '!t && $1=="condition"{for(i=1;i<=NF;i++) if($i=="done") c=i; t=1} c && NF==0{c=0}
  c && $1=="none"{s+=$c} END{print s+0}' "$1"; }
done_a=$(done_of "$dir/an.out")
done_0=$(done_of "$dir/an0.out")
if [ "$done_0" -gt 0 ] && [ "$done_a" -eq $((done_0 - 2)) ]; then
  ok "analyze counts 2 fewer done baseline runs ($done_a of $done_0)"
else bad "analyze done counts: damaged $done_a, intact $done_0 (expected 2 fewer)"; fi

# ---- 4: /runs/config is inside the row checksum ----
cp "$dir/p.h5" "$dir/c.h5"
$PY - "$dir/c.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
d = f["runs/config"]; s = bytearray(d[2]); i = s.index(b"train_iters"); s[i] ^= 0x20; d[2] = bytes(s)
f.close()
PYEOF
"$IHSWEEP" status "$dir/c.h5" >"$dir/s.log" 2>&1
has "$dir/s.log" "1 torn or corrupted" "status of a changed config" && ok "status flags a changed /runs/config"
sweep 2 run "$S" -o "$dir/c.h5" --runs 0-7 "${short[@]}" --resume >"$dir/c.log" 2>&1
expect_rc 0 $? "resume of a file with a changed config" "$dir/c.log"
if grep -q "different sweep" "$dir/c.log"; then bad "resume blamed config drift"; cat "$dir/c.log";
else has "$dir/c.log" "stored config in .* is corrupted" "resume" && ok "resume reports the damaged config"; fi
"$IHSWEEP" status "$dir/c.h5" >"$dir/s.log" 2>&1
grep -q "torn" "$dir/s.log" && bad "rows still damaged after resume" || ok "resume restored the config"
$PY - "$dir/c.h5" "$dir/orig.h5" <<'PYEOF' && ok "restored config equals the original" || bad "config differs"
import sys, h5py
a, b = (h5py.File(p, "r")["runs/config"][:] for p in sys.argv[1:3])
sys.exit(0 if list(a) == list(b) else 1)
PYEOF

# ---- 5: one writer per file ----
long=(--set train_iters=400000 --progress-every 0) # still running while the checks below run
"$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" run "$S" -o "$dir/w.h5" "${long[@]}" >"$dir/w1.log" 2>&1 &
JOB=$!
for _ in $(seq 1 600); do [ -s "$dir/w.h5.lock" ] && grep -q " to do on " "$dir/w1.log" && break; sleep 0.1; done
if [ -s "$dir/w.h5.lock" ] && kill -0 $JOB 2>/dev/null; then
  sweep 2 run "$S" -o "$dir/w.h5" --resume "${long[@]}" >"$dir/w2.log" 2>&1
  expect_rc 74 $? "a second writer (run --resume)" "$dir/w2.log"
  has "$dir/w2.log" "being written by another ihsweep run (host $(hostname), pid" "second writer" &&
    ok "the second run names the holder"
  "$IHSWEEP" analyze "$dir/w.h5" --no-pca >"$dir/w3.log" 2>&1
  expect_rc 74 $? "analyze (storing) while a sweep writes" "$dir/w3.log"
  "$IHSWEEP" status "$dir/w.h5" >"$dir/ws.log" 2>&1
  has "$dir/ws.log" "state: being written now" "status during a sweep" && ok "status: being written now"
  # kill -9 every rank: the lock stays behind, stale
  for p in $(pgrep -P $JOB); do kill -9 "$p" 2>/dev/null; done
  wait $JOB 2>/dev/null
  [ -e "$dir/w.h5.lock" ] && ok "kill -9 leaves the lock" || bad "no lock left after kill -9"
  "$IHSWEEP" status "$dir/w.h5" >"$dir/ws.log" 2>&1
  has "$dir/ws.log" "stopped abnormally" "status after kill -9" && ok "status: stopped abnormally, resumable"
  # the next writer (here analyze, which is quick) replaces the stale lock and releases its own
  "$IHSWEEP" analyze "$dir/w.h5" --no-pca >"$dir/w4.log" 2>&1
  expect_rc 0 $? "a writer after kill -9" "$dir/w4.log"
  has "$dir/w4.log" "removing the stale lock" "a writer after kill -9" && ok "the stale lock is replaced"
  [ -e "$dir/w.h5.lock" ] && bad "the lock outlived its writer" || ok "the lock is released at the end"
else
  bad "the first writer never took its lock"; cat "$dir/w1.log"
  kill $JOB 2>/dev/null
fi

# ---- 7: SIGUSR1 to mpirun: exit 75, and status says stopped, resumable ----
"$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" run "$S" -o "$dir/u.h5" --progress-every 0 \
  >"$dir/u.log" 2>&1 &
JOB=$!
for _ in $(seq 1 600); do grep -q " to do on " "$dir/u.log" && break; sleep 0.1; done
sleep 1
kill -USR1 $JOB
wait $JOB
rc=$?
if [ $rc -eq 75 ]; then
  ok "SIGUSR1: exit 75"
  "$IHSWEEP" status "$dir/u.h5" >"$dir/us.log" 2>&1
  has "$dir/us.log" "state: stopped, resumable" "status after SIGUSR1" && ok "status: stopped, resumable"
elif [ $rc -eq 0 ]; then
  ok "SIGUSR1 came after the sweep finished (nothing to check)"
else bad "SIGUSR1: exit $rc"; cat "$dir/u.log"; fi

# ---- 1 and 2: a full disk (tmpfs) ----
mnt=$dir/mnt
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>"$dir/m.log"; then
  echo "SKIP: disk-full cases: cannot mount a tmpfs ($(head -1 "$dir/m.log"))"
  mnt=""
else
  start=$(date +%s)
  timeout 120 "$MPIEXEC" --oversubscribe -n 2 "$IHSWEEP" run "$S" -o "$mnt/d.h5" "${short[@]}" \
    >"$dir/f.log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  expect_rc 74 $rc "run on a full disk" "$dir/f.log"
  [ $took -lt 60 ] && ok "the full disk failed in ${took}s" || bad "the full disk took ${took}s"
  has "$dir/f.log" "not enough free space" "run on a full disk" && ok "run says the disk is too small"
  mount -o remount,size=8m "$mnt"
  sweep 2 run "$S" -o "$mnt/d.h5" "${short[@]}" --resume >"$dir/f2.log" 2>&1
  expect_rc 0 $? "resume on a bigger disk" "$dir/f2.log"

  # 2: a disk just big enough for a finished file: analyze must fail cleanly, file untouched
  umount "$mnt"
  size_k=$(( ($(stat -c %s "$dir/orig.h5") + 65535) / 1024 ))
  mount -t tmpfs -o size=${size_k}k tmpfs "$mnt"
  cp "$dir/orig.h5" "$mnt/full.h5"
  before=$(md5sum <"$mnt/full.h5")
  "$IHSWEEP" analyze "$mnt/full.h5" --no-pca >"$dir/g.log" 2>&1
  expect_rc 74 $? "analyze on a full disk" "$dir/g.log"
  [ "$(md5sum <"$mnt/full.h5")" = "$before" ] && ok "the results file is unchanged" ||
    bad "analyze on a full disk changed the file"
  ls "$mnt" | grep -q update && bad "a temporary copy was left behind" || ok "no temporary copy left"
  $PY -c "import h5py,sys; h5py.File(sys.argv[1],'r')['runs/status'][:]" "$mnt/full.h5" &&
    ok "h5py opens it" || bad "h5py cannot open it"
  # with room, the same command stores /analysis
  umount "$mnt"; mount -t tmpfs -o size=8m tmpfs "$mnt"
  cp "$dir/orig.h5" "$mnt/full.h5"
  "$IHSWEEP" analyze "$mnt/full.h5" --no-pca >"$dir/g2.log" 2>&1
  expect_rc 0 $? "analyze with room" "$dir/g2.log"
  $PY -c "import h5py,sys; assert 'analysis' in h5py.File(sys.argv[1],'r')" "$mnt/full.h5" &&
    ok "/analysis stored" || bad "/analysis missing"
fi
finish
