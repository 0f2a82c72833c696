/* Figures of a sweep drawn with PLplot (cairo drivers): loss curves per condition with a band
 * over seeds, induction strength by head role, the t* map, the clamp comparison (train loss of
 * every condition on one axis), essential-dynamics trajectories on PC1-PC2 per data setting, the
 * phase-change map (median t* against a data parameter) and one run's curves. Each figure is
 * written once per requested format as DIR/<name>.<ext>. Parameters are named by their labels
 * ("K"); runs that have not crossed are shown as censored (">T", arrows), never as values.
 *
 * Plotting is local and serial (call it on one rank); it reads an AnalysisInput and the results
 * of analysis.h/pca.h and computes only what it draws (means and sds over seeds).
 */
#ifndef IHSWEEP_PLOT_H
#define IHSWEEP_PLOT_H

#include "ihsweep/analysis.h"
#include "ihsweep/pca.h"
#include "ihsweep/toy.h"

#include <stdio.h>

typedef enum { PLOT_PNG = 1, PLOT_SVG = 2, PLOT_PDF = 4 } PlotFormat;

enum { PLOT_SKIPPED = 1, PLOT_WHY_SIZE = 256 };

typedef struct {
    const char *dir; /* output directory; must exist */
    int formats;     /* PlotFormat bits */
    int x_param;     /* t* map axes (parameter indices); -1: the first two swept primary */
    int y_param;     /*   parameters; y_param -1 then: conditions as rows (also --y none) */
    int width;       /* page size in pixels (PNG); 0: 1400 x 900 */
    int height;
} PlotOptions;

/* Each plot_* draws one figure in every format of o. Returns 0 when drawn, PLOT_SKIPPED when
 * there is nothing to draw (why, PLOT_WHY_SIZE bytes, says why), or a negative IH_E code
 * (IH_EIO: an output file cannot be written, IH_ENOMEM). Local. Borrows everything. */

/* loss_curves: the first evaluator's eval loss against sequences seen (log axis), one panel per
 * condition, one line per group (mean over seeds, band mean +- sd), threshold 0.4 ln 2 dashed
 * over the data, legend right of the data. */
int plot_loss_curves(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                     char *why);

/* induction_strength: by role, one panel per condition: each run's strongest last-layer head
 * (by its own final induction strength) and the mean of its other heads, averaged over seeds per
 * data setting (solid: strongest, dashed: the others). */
int plot_induction_strength(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                            char *why);

/* tstar_heatmap: Kaplan-Meier median t* per cell over two parameters (one panel per condition),
 * or over one parameter and the conditions (one panel); colour bar in sequences; cells whose
 * median was not reached marked ">T" in a colour of their own; no swept parameter skips. */
int plot_tstar_heatmap(const AnalysisInput *in, const PlotOptions *o, char *why);

/* clamp_comparison: train loss of every condition on one axis (mean over seeds at the reference
 * setting, band mean +- sd) with the threshold line, like the paper's subcircuit figure. */
int plot_clamp_comparison(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                          char *why);

/* essential_dynamics: one panel per data setting s with its own PCA eds[s] (NULL: the panel says
 * there is nothing to show; see analysis_settings): every done run's trajectory on PC1-PC2,
 * coloured by condition, start and end marked; axis labels give each component's share of
 * variance. Skipped when every eds[s] is NULL. */
int plot_essential_dynamics(const AnalysisInput *in, const AnalysisGroups *g,
                            const EssentialDynamics *const *eds, int n_settings,
                            const PlotOptions *o, char *why);

/* phase_change_map: Kaplan-Meier median t* with its 95% interval against a swept parameter
 * (o->x_param or the first swept primary one), a line per condition, log-log axes; medians not
 * reached are upward arrows from the longest run. */
int plot_phase_map(const AnalysisInput *in, const PlotOptions *o, char *why);

/* run_<ID>: one run's eval and train loss and the induction strength of each last-layer head
 * (its strongest solid), threshold line; skipped for a pending or unknown run. */
int plot_run(const AnalysisInput *in, int run, const PlotOptions *o, char *why);

/* Draws every figure of a sweep (eds[n_settings] as for plot_essential_dynamics), printing one
 * line per figure to log ("wrote DIR/x.png DIR/x.svg" or "skipped x: why"). Stops at the first
 * error. Returns 0 or a negative IH_E code. Local. */
int plot_all(const AnalysisInput *in, const AnalysisGroups *g, const EssentialDynamics *const *eds,
             int n_settings, const PlotOptions *o, FILE *log);

/* Logs the outcome r of a plot_* call for figure `name` like plot_all ("wrote ..." when r is 0,
 * nothing for PLOT_SKIPPED) and returns 0, or r when it is an error. Local. */
int plot_log(const char *name, int r, const PlotOptions *o, FILE *log);

/* ---- The paper's figures (plot_paper_*.c) ----
 * Each figure picks its runs by the condition names of the paper sweep files (sweeps/paper/)
 * at one data setting (the key values of the first finished baseline run, condition all_heads;
 * else of the first finished run), seeds being the replicates: curves are the median over seeds
 * with their range as a band, and each seed's t* is marked (a dot where it crossed 0.4 ln 2, a
 * right-pointing triangle at its last eval where it did not). Missing runs skip a figure with a
 * one-line reason naming the conditions and stages it needs. */

/* What the paper's figures read beyond an AnalysisInput, one row per run (owned arrays). */
typedef struct {
    int n_runs;
    int n_heads;
    int *strongest_ih;    /* [n_runs] last-layer head with the highest final induction strength */
    int *pt_head;         /* [n_runs] first-layer head with the highest previous-token score */
    float *only_head_acc; /* [n_runs][n_heads] dense-set accuracy, only that last-layer head */
    float *composition;   /* [3][n_runs][n_heads src][n_heads] Q, K, V composition scores */
    char *test_loss_name; /* "fsl_test_class/loss" when the file has that evaluator, else NULL */
    float *test_loss;     /* [n_runs][max_evals] that evaluator's loss, or NULL */
} PlotPaperInput;

/* Reads the per-run head choices, post-hoc measures and the held-out-class loss of f for the
 * runs of in (loaded from f). Independent reads (call it on the rank that draws). Returns owned
 * *out. Errors: IH_EHDF5, IH_EDATA, IH_ENOMEM. */
int plot_paper_input_load(ResultsFile *f, const AnalysisInput *in, PlotPaperInput **out);

/* Frees p and sets *p = NULL. NULL-safe. */
void plot_paper_input_destroy(PlotPaperInput **p);

/* The paper figures, in order: fig3 (loss and induction strength), fig4a (only-head accuracy vs
 * induction strength), fig4b (single-head t*), fig5a (toy model: loss by clamp), fig5b (subcircuit
 * clamps), fig6 (data-dependence grid), fig7 (graft runs), fig8 (previous-token variants), fig9
 * (toy model: progress measures), fig15 (t* vs induction-pattern strength), fig17 (t* of each
 * pair of layer-2 heads), table1 (composition scores, text). fig5a and fig9 are drawn from
 * toy-model files (plot_toy), the others from a results file (plot_paper). */
enum { PLOT_N_PAPER = 12 };

/* Name of paper figure i (0 <= i < PLOT_N_PAPER), e.g. "fig5b". Static string. */
const char *plot_paper_name(int i);

/* 1 if paper figure i is drawn from toy-model files (fig5a, fig9), 0 if from a results file. */
int plot_paper_is_toy(int i);

/* Draws paper figure i into o->dir (table1: o->dir/table1.txt) and logs it like plot_all
 * ("wrote ..." or "skipped NAME: why"; a toy figure is skipped, saying how to draw it). Returns 0
 * (drawn or skipped) or a negative IH_E code (IH_EIO, IH_ENOMEM). Local. Borrows everything. */
int plot_paper(const AnalysisInput *in, const PlotPaperInput *p, int i, const PlotOptions *o,
               FILE *log);

/* Draws toy figure i (plot_paper_is_toy(i)) from the toy-model files of n seeds: toys is
 * [n][TOY_CONDITION_COUNT] (toy_file_read; NULL where a file lacks a condition). fig5a: the loss
 * of conditions none, clamp_c and clamp_bc against iteration, the median over seeds with their
 * range as a band; fig9: a panel per seed (at most 6) with the loss and the progress measures
 * 1 - cos^2(a, a*) and the loss at the true b, c of condition none. Log y axes; the log gets
 * each condition's "solved" iteration (toy_solved_iteration) over seeds. Logs like plot_paper ("skipped NAME: why" when
 * no file holds a condition it needs). Returns 0 or a negative IH_E code. Local. Borrows all. */
int plot_toy(const ToyResult *const *toys, int n, int i, const PlotOptions *o, FILE *log);

/* The generic figures of plot_all, in its order (6 names). Static strings. */
const char *plot_sweep_name(int i);
enum { PLOT_N_SWEEP = 6 };

/* Draws generic figure i of plot_all (eds as there), logging like plot_all. Local. */
int plot_sweep(const AnalysisInput *in, const AnalysisGroups *g,
               const EssentialDynamics *const *eds, int n_settings, int i, const PlotOptions *o,
               FILE *log);

#endif
