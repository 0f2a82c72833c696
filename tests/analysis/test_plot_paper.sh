#!/usr/bin/env bash
# `ihsweep plot --figure` for the paper's figure types on a small file shaped like the paper
# sweeps (paper_results: known t*, some runs never cross, post-hoc measures on the all-heads
# runs, graft and head-pair runs): every figure is written and is a real image, Table 1 names
# each seed's strongest IH and PT head, censored runs are reported as such, the t* medians of
# fig7 and fig17 match the maker's runs, a file with only the baselines (or only the graft runs)
# skips the other figures with one line each, the toy model's figures are drawn from short
# `ihsweep toy` files with the solved iterations `toy` printed, and a mistyped figure name gets a
# suggestion.
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
"$maker" graft.h5 --graft-only >graft_runs.txt || { echo "FAIL: cannot make graft.h5"; exit 1; }

figs="fig3 fig4a fig4b fig5b fig6 fig7 fig8 fig15 fig17"
expect "plot --figure paper" 0 "$IHSWEEP" plot paper.h5 -o figs --figure paper
cp out.txt paper_out.txt
[ "$(grep -c '^wrote figs/fig' out.txt)" = 9 ] && ok || bad "expected 9 figures written"
grep -q '^wrote figs/table1.txt$' out.txt && ok || bad "table1.txt not reported"
# the toy model's figures are skipped (they read toy-model files), nothing else
[ "$(grep -c '^skipped' out.txt)" = 2 ] && ok || bad "expected only fig5a and fig9 skipped"
for f in fig5a fig9; do
  grep -q "^skipped $f: drawn from toy-model files" out.txt && ok || bad "$f: no toy-file skip line"
done
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

# fig7 and fig17: medians over seeds of the maker's t* (runs.txt: "run N COND K L seed crossed t")
median_k() { # condition -> median t* of its crossed runs in k ("" unless all crossed)
  awk -v c="$1" '$3 == c && $7 == 1 {print $8}' runs.txt | sort -n |
    awk '{v[NR] = $1} END {if (NR == 3) printf "%gk", v[2] / 1000}'
}
for c in graft_l0_from_is5 graft_l0_from_is7; do
  m=$(median_k $c)
  [ -n "$m" ] && grep -q "^  fig7 $c: t\* $m, 3/3 crossed$" paper_out.txt && ok || bad "fig7 $c: median $m not reported"
done
t=$(awk '$3 == "graft_l0_from_is6" && $6 == 7 {printf "%gk", $8 / 1000}' runs.txt)
grep -q "^  fig7 graft_l0_from_is6 seed 7: t\* $t$" paper_out.txt && ok || bad "fig7: seed 7's t* ($t) from is6"
grep -q "^  fig7 all_heads: t\* 105k, 3/3 crossed$" paper_out.txt && ok || bad "fig7: the all_heads reference"
m=$(awk '$3 ~ /^graft_l0_from_is/ && substr($3, 17) == $6 && $7 == 1 {print $8}' runs.txt | sort -n |
  awk '{v[NR] = $1} END {if (NR == 3) printf "%gk", v[2] / 1000}')
[ -n "$m" ] && grep -q "^  fig7 into the source's seed: t\* $m, 3/3 crossed$" paper_out.txt && ok ||
  bad "fig7: grafts into the source's own seed, median '$m' not reported"
grep -q "^  fig7 into other seeds: t\* [0-9]*k, 6/6 crossed$" paper_out.txt && ok || bad "fig7: grafts into other seeds"
for c in pair_l2h0_l2h1 pair_l2h2_l2h5 pair_l2h3_l2h7; do
  m=$(median_k $c)
  [ -n "$m" ] && grep -q "^  fig17 $c: t\* $m, 3/3 crossed$" paper_out.txt && ok || bad "fig17 $c: median $m not reported"
done
[ "$(grep -c '^  fig17 pair_l2h' paper_out.txt)" = 28 ] && ok || bad "fig17: expected 28 pairs"
grep -q "^  fig17 pair_l2h4_l2h7: t\* >195k, 0/3 crossed$" paper_out.txt && ok || bad "fig17: a censored pair"
grep -q "^  fig17 all_heads: t\* 105k, 3/3 crossed$" paper_out.txt && ok || bad "fig17: the baseline at the pairs' setting"
# the pairs holding the seed's strongest IH (from its all_heads run at K = 50, L = 5): all crossed
m=$(awk '$3 == "all_heads" && $4 == 50 && $5 == 5 {ih[$6] = $9}
         $3 ~ /^pair_l2h/ {split($3, p, /[^0-9]+/); if (p[3] == ih[$6] || p[5] == ih[$6]) print $7, $8}' runs.txt |
  sort -k2 -n | awk '$1 != 1 {bad = 1} {v[NR] = $2} END {if (!bad && NR == 21) printf "%gk", v[11] / 1000}')
[ -n "$m" ] && grep -q "^  fig17 pairs with the seed's strongest IH: t\* $m, 21/21 runs crossed$" paper_out.txt && ok ||
  bad "fig17: pairs with the strongest IH, median '$m' not reported"

# the graft file alone (as graft.json writes it): fig7 without a reference, said so; fig17 skipped
expect "plot fig7,fig17 on the graft runs" 0 "$IHSWEEP" plot graft.h5 -o graft --figure fig7,fig17 --format png
grep -q '^wrote graft/fig7.png$' out.txt && ok || bad "fig7 not drawn from the graft runs alone"
grep -q '^note fig7: no all_heads runs in this file' out.txt && ok || bad "fig7: no note on the missing reference"
[ "$(grep -c '^skipped fig17: no finished run of conditions pair_l2hA_l2hB' out.txt)" = 1 ] && ok ||
  bad "fig17 not skipped with one line"
expect "a figure skipped last exits 0" 0 "$IHSWEEP" plot graft.h5 -o graft --figure fig17 --format png

# a file with only the baselines: fig3, fig4a and table1 drawn, the others skipped in one line
expect "plot --figure all on the baselines" 0 "$IHSWEEP" plot base.h5 -o base --figure all --format png
for f in fig4b fig5b fig6 fig7 fig8 fig15 fig17; do
  [ "$(grep -c "^skipped $f: no finished run of" out.txt)" = 1 ] && ok || bad "$f not skipped with one line"
done
grep -q '^skipped fig5b: .*noclamp' out.txt && ok || bad "fig5b skip does not name its conditions"
for f in fig3 fig4a; do
  grep -q "^wrote base/$f.png" out.txt && ok || bad "$f not drawn from the baselines"
done
[ -s base/table1.txt ] && ok || bad "table1 not written from the baselines"
[ ! -e base/fig6.png ] && ok || bad "fig6 drawn without its runs"
grep -q '^wrote base/phase_change_map.png' out.txt && ok || bad "--figure all: the sweep's figures"

# the toy model (fig5a, fig9): short runs of three seeds, read back from their files; the solved
# iterations in the log are the medians of those `ihsweep toy` printed
for s in 1 2 3; do
  "$IHSWEEP" toy --iters 500 --seed $s -o toy_seed$s.h5 >toy_$s.txt || bad "ihsweep toy seed $s"
done
"$IHSWEEP" toy --iters 100 --condition clamp_bc -o toy_bc.h5 >/dev/null || bad "ihsweep toy clamp_bc"
expect "plot fig5a,fig9 from toy files" 0 "$IHSWEEP" plot toy_seed1.h5 toy_seed2.h5 toy_seed3.h5 \
  -o toy --figure fig5a,fig9
cp out.txt toy_out.txt
grep -q '^wrote toy/fig5a.png toy/fig5a.svg$' out.txt && grep -q '^wrote toy/fig9.png' out.txt && ok ||
  bad "toy figures not reported"
/usr/bin/python3 "$here/check_figures.py" toy fig5a fig9 --formats png,svg && ok || bad "toy figures"
for c in clamp_c clamp_bc; do
  m=$(awk -v c=$c '$1 == c && /after/ {print $(NF - 1)}' toy_1.txt toy_2.txt toy_3.txt | sort -n |
    awk '{v[NR] = $1} END {if (NR == 3) print v[2]}')
  [ -n "$m" ] && grep -q "^  fig5a $c: solved at $m \[[0-9]*, [0-9]*\], 3/3 seeds$" toy_out.txt && ok ||
    bad "fig5a $c: solved median '$m' not reported"
done
grep -q '^  fig9 none: solved' toy_out.txt && ok || bad "fig9: no summary line"
expect "fig9 without condition none" 0 "$IHSWEEP" plot toy_bc.h5 -o toybc --figure fig5a,fig9 --format png
[ "$(grep -c '^skipped fig9: no toy run of condition none' out.txt)" = 1 ] && ok || bad "fig9 not skipped with one line"
grep -q '^note fig5a: no toy run of none, clamp_c; drawn without$' out.txt && ok || bad "fig5a: no note on missing conditions"
[ -s toybc/fig5a.png ] && [ ! -e toybc/fig9.png ] && ok || bad "toy_bc.h5: fig5a only"
expect "a results file as a toy file" 65 "$IHSWEEP" plot paper.h5 -o x --figure fig9
grep -q 'not a toy-model file' err.txt && ok || bad "results file read as a toy file: unclear error"
expect "a toy file with the results figures" 64 "$IHSWEEP" plot toy_seed1.h5 -o x
grep -q 'is a toy-model file (ihsweep toy): draw it with --figure fig5a,fig9' err.txt && ok ||
  bad "toy file given for the results figures: unclear error"
expect "several files for a results figure" 64 "$IHSWEEP" plot paper.h5 base.h5 -o x --figure fig3
grep -q 'only the toy model' err.txt && ok || bad "several files: unclear usage error"

# names: did-you-mean, groups, --run conflicts, help
expect "unknown figure" 64 "$IHSWEEP" plot paper.h5 -o x --figure fig5
grep -q "unknown figure 'fig5'; did you mean 'fig5a'?" err.txt && ok || bad "no suggestion for fig5"
expect "fig4 = fig4a + fig4b" 0 "$IHSWEEP" plot paper.h5 -o f4 --figure fig4 --format png
[ "$(grep -c '^wrote' out.txt)" = 2 ] && [ -s f4/fig4a.png ] && [ -s f4/fig4b.png ] && ok || bad "fig4 group"
expect "--figure with --run" 64 "$IHSWEEP" plot paper.h5 -o x --figure fig3 --run 0
"$IHSWEEP" plot --help >help.txt && grep -q -- '--figure LIST' help.txt && grep -q 'table1' help.txt &&
  grep -q 'fig17' help.txt && grep -q 'TOY.h5' help.txt &&
  ok || bad "--help does not describe --figure"

echo "test_plot_paper: $passed passed, $fail failed"
[ $fail -eq 0 ] && [ $passed -gt 0 ]
