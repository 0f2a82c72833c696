#!/usr/bin/env bash
# A diverging grid point is marked diverged (status 2); the clamp run that binds heads from it is
# marked failed (status 3); every other run finishes, and the sweep exits 0. A resume retries the
# failed run only (it fails again: its source stays diverged).
TOOL=$1
source "$(dirname "$0")/lib.sh"
S=$DATA/diverge.json
sweep 2 run "$S" -o "$dir/div.h5" --progress-every 0 >"$dir/div.log" 2>&1
expect_rc 0 $? "sweep with a diverging point" "$dir/div.log"
st=$("$TOOL" status "$dir/div.h5" | awk '{printf "%s,", $2}')
[ "$st" = "1,2,1,1,3,1," ] && ok "statuses $st" || bad "statuses $st, expected 1,2,1,1,3,1,"
grep -q "run 1 DIVERGED" "$dir/div.log" && ok "divergence reported" || bad "no DIVERGED line"
grep -q "run 4 cannot bind its heads: source run 1 diverged" "$dir/div.log" &&
  ok "failed binding explained" || bad "no explanation for run 4"
sweep 2 run "$S" -o "$dir/div.h5" --resume --progress-every 0 >"$dir/div2.log" 2>&1
expect_rc 0 $? "resume" "$dir/div2.log"
[ "$(trained "$dir/div2.log")" = 1 ] && ok "the resume retried only the failed run" ||
  bad "the resume trained $(trained "$dir/div2.log") runs, expected 1"
finish
