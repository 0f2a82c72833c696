#!/usr/bin/env bash
# `ihsweep plot --figure` for the paper's figure types on a small file shaped like the paper
# sweeps (paper_results: known t*, some runs never cross, post-hoc measures on the all-heads
# runs): every figure is written and is a real image, Table 1 names each seed's strongest IH and
# PT head, censored runs are reported as such, a file with only the baselines skips the other
# figures with one line each, and a mistyped figure name gets a suggestion.
# Usage: test_plot_paper.sh MAKER   (MAKER: the paper_results executable)
set -u
maker=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$PWD/plot_paper
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail=0 passed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
expect() { # description, expected status, command...
  local what=$1 want=$2; shift 2
  "$@" >out.txt 2>err.txt; local got=$?
  if [ "$got" != "$want" ]; then
    bad "$what: exit $got, expected $want"; cat out.txt err.txt
  else
    ok
  fi
}

"$maker" paper.h5 >runs.txt || { echo "FAIL: cannot make paper.h5"; exit 1; }
"$maker" base.h5 --baseline-only >base_runs.txt || { echo "FAIL: cannot make base.h5"; exit 1; }

figs="fig3 fig4a fig4b fig5b fig6 fig8 fig15"
expect "plot --figure paper" 0 "$IHSWEEP" plot paper.h5 -o figs --figure paper
cp out.txt paper_out.txt
[ "$(grep -c '^wrote figs/fig' out.txt)" = 7 ] && ok || bad "expected 7 figures written"
grep -q '^wrote figs/table1.txt$' out.txt && ok || bad "table1.txt not reported"
! grep -q '^skipped' out.txt && ok || bad "a figure was skipped on the full file"
grep -q "^note fig8: seed 7's own PT head is L1H6" out.txt && ok || bad "fig8: no note on seed 7's PT head"
/usr/bin/python3 "$here/check_figures.py" figs $figs --formats png,svg && ok || bad "figures"

# Table 1: a block per seed naming its strongest IH and PT head (paper_results: seed 6's
# strongest IH is L2H1, seed 7's PT head L1H6), eight layer-1 rows, K highest from the PT head
t=figs/table1.txt
[ "$(grep -c '^seed ' $t)" = 3 ] && ok || bad "table1: expected 3 seed blocks"
grep -q '^seed 5 (run 0): strongest IH L2H3, PT head L1H2$' $t && ok || bad "table1: seed 5 heads"
grep -q '^seed 6 (run 1): strongest IH L2H1, PT head L1H2$' $t && ok || bad "table1: seed 6 heads"
grep -q '^seed 7 (run 2): strongest IH L2H3, PT head L1H6$' $t && ok || bad "table1: seed 7 heads"
[ "$(grep -c '^  L1H[0-7]' $t)" = 24 ] && ok || bad "table1: expected 8 layer-1 rows per seed"
grep -q '^  L1H6 (PT) .* 0.600\*' $t && ok || bad "table1: seed 7's K-composition from its PT head"
grep -q 'highest K-composition into the strongest IH in 3 of 3 seeds' $t && ok || bad "table1: summary"

# censoring: the normal runs at K = 100 and at L = 10 never cross; fig6 must not report a t*
for v in "100 5" "50 10"; do
  n=$(awk -v k="${v% *}" -v l="${v#* }" '$3 == "normal" && $4 == k && $5 == l && $7 == 0' runs.txt | wc -l)
  [ "$n" = 3 ] && ok || bad "paper_results: normal at $v should never cross ($n of 3)"
done
for v in "K = 100, L = 5" "K = 50, L = 10"; do
  grep -q "^  fig6 $v, normal: t\* >195k, 0/3 crossed$" paper_out.txt && ok ||
    bad "fig6 $v: censored cell not reported as >195k, 0/3 crossed"
done
grep -q "^  fig6 K = 50, L = 5, normal: t\* 155k, 3/3 crossed$" paper_out.txt && ok || bad "fig6: crossed cell"
grep -q "^  fig5b perfect_match: t\* [0-9]*k, 3/3 crossed$" paper_out.txt && ok || bad "fig5b: summary line"
grep -q "^  fig4b only_l2h7: t\* >195k, 0/3 crossed$" paper_out.txt && ok || bad "fig4b: L2H7 never crosses"
grep -q "^  fig15 ih_strength_000: t\* >195k, 1/3 crossed$" paper_out.txt && ok ||
  bad "fig15: s = 0 (one seed crossing at the last eval) is not a reached median"
grep -q "^  fig15 ih_strength_100: t\* [0-9]*k, 3/3 crossed$" paper_out.txt && ok || bad "fig15: s = 1"

# a file with only the baselines: fig3, fig4a and table1 drawn, the others skipped in one line
expect "plot --figure all on the baselines" 0 "$IHSWEEP" plot base.h5 -o base --figure all --format png
for f in fig4b fig5b fig6 fig8 fig15; do
  [ "$(grep -c "^skipped $f: no finished run of" out.txt)" = 1 ] && ok || bad "$f not skipped with one line"
done
grep -q '^skipped fig5b: .*noclamp' out.txt && ok || bad "fig5b skip does not name its conditions"
for f in fig3 fig4a; do
  grep -q "^wrote base/$f.png" out.txt && ok || bad "$f not drawn from the baselines"
done
[ -s base/table1.txt ] && ok || bad "table1 not written from the baselines"
[ ! -e base/fig6.png ] && ok || bad "fig6 drawn without its runs"
grep -q '^wrote base/phase_change_map.png' out.txt && ok || bad "--figure all: the sweep's figures"

# names: did-you-mean, groups, --run conflicts, help
expect "unknown figure" 64 "$IHSWEEP" plot paper.h5 -o x --figure fig5
grep -q "unknown figure 'fig5'; did you mean 'fig5b'?" err.txt && ok || bad "no suggestion for fig5"
expect "fig4 = fig4a + fig4b" 0 "$IHSWEEP" plot paper.h5 -o f4 --figure fig4 --format png
[ "$(grep -c '^wrote' out.txt)" = 2 ] && [ -s f4/fig4a.png ] && [ -s f4/fig4b.png ] && ok || bad "fig4 group"
expect "--figure with --run" 64 "$IHSWEEP" plot paper.h5 -o x --figure fig3 --run 0
"$IHSWEEP" plot --help >help.txt && grep -q -- '--figure LIST' help.txt && grep -q 'table1' help.txt &&
  ok || bad "--help does not describe --figure"

echo "test_plot_paper: $passed passed, $fail failed"
[ $fail -eq 0 ] && [ $passed -gt 0 ]
