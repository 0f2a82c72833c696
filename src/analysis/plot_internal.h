/* Shared pieces of the PLplot figures (plot_*.c): one figure per PLplot stream and format, the
 * colour palette, panels with labelled axes, legends, curve statistics over seeds and the choice
 * of which group stands for a condition. Internal to src/analysis/.
 */
#ifndef IHSWEEP_ANALYSIS_PLOT_INTERNAL_H
#define IHSWEEP_ANALYSIS_PLOT_INTERNAL_H

#include "ihsweep/plot.h"

#include <plplot.h>

/* cmap0 indices: background, foreground (axes, text), light grey, 10 line colours, the same
 * 10 colours translucent (bands), and the colour of censored cells (t* not reached). */
enum {
    PLOT__BG = 0,
    PLOT__FG = 1,
    PLOT__GREY = 2,
    PLOT__LINE0 = 3,
    PLOT__N_LINES = 10,
    PLOT__BAND0 = PLOT__LINE0 + PLOT__N_LINES,
    PLOT__CENSORED = PLOT__BAND0 + PLOT__N_LINES,
    PLOT__N_COL0 = PLOT__CENSORED + 1
};

/* Fraction of a panel's width kept free on the right for a legend outside the data. */
#define PLOT__LEGEND_ROOM 0.27

/* Labels of a log axis over [lo, hi] (log10 values) at 1, 2 and 5 times powers of ten, written
 * short ("20k", "1M"); side is plmtex's ("b" below, "lv" left, "rv" right). */
void plot__log_labels(const char *side, double lo, double hi);

/* Draws ctx into the current stream (already initialised with nx x ny subpages). */
typedef void (*PlotDrawFn)(const void *ctx);

/* Writes o->dir/<name>.<ext> for every format in o->formats: a new PLplot stream per file with
 * the palette, page size scaled to the panel grid, readable fonts; draw runs once per file.
 * Errors: IH_EIO (a file cannot be created). */
int plot__figure(const PlotOptions *o, const char *name, int nx, int ny, PlotDrawFn draw,
                 const void *ctx);

/* Advances to the next subpage and draws a framed panel: window [xmin,xmax] x [ymin,ymax]
 * (x given as log10 values when logx), ticks, grid-free box, axis labels and title. */
void plot__panel(double xmin, double xmax, double ymin, double ymax, int logx, const char *xlabel,
                 const char *ylabel, const char *title);

/* plot__panel with log axes as asked (logx, logy: values given as log10) and the right `room`
 * fraction of the subpage left free for plot__legend_outside. */
void plot__panel_room(double xmin, double xmax, double ymin, double ymax, int logx, int logy,
                      const char *xlabel, const char *ylabel, const char *title, double room);

/* A legend inside the current panel at position (PL_POSITION_* flags): lines (lines != 0) or
 * filled boxes of the given cmap0 colours. */
void plot__legend(int n, const char *const *labels, const int *colors, int lines, int position);

/* A legend of lines right of the current panel's viewport, top-aligned (the room left by
 * plot__panel_room): colours as in plot__legend, line styles (pllsty; NULL: solid). */
void plot__legend_outside(int n, const char *const *labels, const int *colors, const int *styles);

/* The dashed threshold line y = 0.4 ln 2 across [xlo, xhi], drawn over the data, labelled. */
void plot__threshold(double xlo, double xhi, double y);

/* Mean and sd over runs of one per-eval quantity, at the eval slots of the first run that are
 * used (eval_seq > 0, value finite in at least one run with the same eval_seq there). */
typedef struct {
    int n;        /* points */
    double *x;    /* [n] log10(sequences seen) */
    double *mean; /* [n] */
    double *sd;   /* [n] 0 where a single run */
} CurveStats;

/* values is [n_runs][max_evals][stride], the quantity at offset within each eval's stride.
 * runs[0..n_sel) picks the runs. Errors: IH_ENOMEM. */
int plot__curve_stats(const AnalysisInput *in, const float *values, int stride, int offset,
                      const int *runs, int n_sel, CurveStats *out);
void plot__curve_stats_free(CurveStats *c);

/* Draws the mean line in colour index (PLOT__LINE0 + k) over its band mean +- sd. */
void plot__band_line(const CurveStats *c, int k);

/* plot__band_line with line style (pllsty) and the band optional. */
void plot__band_line_style(const CurveStats *c, int k, int style, int band);

/* Widens [*lo, *hi] to cover the curve and its band. */
void plot__curve_range(const CurveStats *c, double *xlo, double *xhi, double *ylo, double *yhi);

/* "K = 50, L = 5" for a group's key values (each axis by its label; parameters that move with
 * an axis are left out), "all runs" without keys. */
void plot__group_label(const AnalysisInput *in, const AnalysisGroups *g, int group, char *buf,
                       int size);

/* The done runs of group k, into runs (n_runs ints). Returns their count. */
int plot__group_runs(const AnalysisInput *in, const AnalysisGroups *g, int k, int *runs);

/* One group per condition, in order: the group whose key values equal those of the first group
 * (the reference setting), else the condition's first group. cond_groups holds n_groups ints.
 * Returns the number of conditions. */
int plot__condition_groups(const AnalysisInput *in, const AnalysisGroups *g, int *cond_groups);

/* Near-square panel grid for n panels. */
void plot__grid(int n, int *nx, int *ny);

#endif
