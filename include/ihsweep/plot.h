/* Figures of a sweep drawn with PLplot (cairo drivers): loss curves per condition with a band
 * over seeds, induction strength per head, a heatmap of t* over two data parameters, the
 * clamp comparison (train loss of every condition on one axis) and essential-dynamics
 * trajectories on PC1-PC2. Each figure is written once per requested format as DIR/<name>.<ext>.
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
    int x_param;     /* heatmap axes (parameter indices); -1: the first two swept non-seed */
    int y_param;     /*   parameters with more than one value */
    int width;       /* page size in pixels (PNG); 0: 1400 x 900 */
    int height;
} PlotOptions;

/* Each plot_* draws one figure in every format of o. Returns 0 when drawn, PLOT_SKIPPED when
 * there is nothing to draw (why, PLOT_WHY_SIZE bytes, says why), or a negative IH_E code
 * (IH_EIO: an output file cannot be written, IH_ENOMEM). Local. Borrows everything. */

/* loss_curves: the first evaluator's eval loss against sequences seen (log axis), one panel per
 * condition, one line per group (mean over seeds, band mean +- sd), threshold 0.4 ln 2 dashed. */
int plot_loss_curves(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                     char *why);

/* induction_strength: induction strength of every last-layer head over training, one panel per
 * condition (its runs at the reference setting of the key parameters), mean over seeds. */
int plot_induction_strength(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                            char *why);

/* tstar_heatmap: mean t* over two parameters (o->x_param, o->y_param or automatic), one panel
 * per condition, cells coloured by log10 t* and annotated with the mean; one parameter gives a
 * one-row heatmap, none skips. */
int plot_tstar_heatmap(const AnalysisInput *in, const PlotOptions *o, char *why);

/* clamp_comparison: train loss of every condition on one axis (mean over seeds at the reference
 * setting, band mean +- sd), like the paper's subcircuit figure. */
int plot_clamp_comparison(const AnalysisInput *in, const AnalysisGroups *g, const PlotOptions *o,
                          char *why);

/* essential_dynamics: every done run's trajectory on PC1-PC2, coloured by condition, start and
 * end marked; axis labels give each component's share of variance. ed may be NULL (skipped). */
int plot_essential_dynamics(const AnalysisInput *in, const EssentialDynamics *ed,
                            const PlotOptions *o, char *why);

/* Draws every figure, printing one line per figure to log ("wrote DIR/x.png, DIR/x.svg" or
 * "skipped x: why"). Stops at the first error. Returns 0 or a negative IH_E code. Local. */
int plot_all(const AnalysisInput *in, const AnalysisGroups *g, const EssentialDynamics *ed,
             const PlotOptions *o, FILE *log);

#endif
