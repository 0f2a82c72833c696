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

#endif
