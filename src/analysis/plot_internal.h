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

/* Labels of a log axis over [lo, hi] (log10 values) at 1, 2 and 5 times powers of ten, written
 * short ("20k", "1M"); side is plmtex's ("b" below, "lv" left, "rv" right). */
void plot__log_labels(const char *side, double lo, double hi);

/* A vertical colour bar right of a t* map (viewport x from 0.83 to 0.855): cmap1 over [lo, hi]
 * = log10 t*, labelled in sequences, and below it the colour of cells whose median t* was not
 * reached (">T: not yet"). */
void plot__colour_bar(double lo, double hi);

/* Sets cmap1 to viridis (the t* maps' colour scale). */
void plot__viridis(void);

/* Draws ctx into the current stream (already initialised with nx x ny subpages). */
typedef void (*PlotDrawFn)(const void *ctx);

/* Writes o->dir/<name>.<ext> for every format in o->formats: a new PLplot stream per file with
 * the palette, page size scaled to the panel grid, readable fonts; draw runs once per file.
 * Errors: IH_EIO (a file cannot be created). */
int plot__figure(const PlotOptions *o, const char *name, int nx, int ny, PlotDrawFn draw,
                 const void *ctx);
/* o with a figure's own page size (pixels) where the user gave none; a size of 0 keeps
 * plot__figure's default. */
PlotOptions plot__page_size(const PlotOptions *o, int width, int height);

/* Advances to the next subpage and draws a framed panel: window [xmin,xmax] x [ymin,ymax]
 * (x given as log10 values when logx), ticks, grid-free box, axis labels and title. */
void plot__panel(double xmin, double xmax, double ymin, double ymax, int logx, const char *xlabel,
                 const char *ylabel, const char *title);

/* plot__panel with log axes as asked (logx, logy: values given as log10) and the right `room`
 * fraction of the subpage left free for plot__legend_outside (room < 0: room for a legend whose
 * longest label has -room characters). Margins for tick labels, axis labels and the title are
 * sized in character heights, so nothing is clipped at any page or grid size. */
void plot__panel_room(double xmin, double xmax, double ymin, double ymax, int logx, int logy,
                      const char *xlabel, const char *ylabel, const char *title, double room);

/* A line of text above the current panel at disp character heights, left-aligned with the
 * viewport, at character scale `scale`, made smaller when it would not fit the subpage. Call it
 * after plot__panel_room (which draws the title with it at 2.0). */
void plot__text_top(double disp, const char *text, double scale);

/* Characters (UTF-8 code points) of s. */
int plot__text_width(const char *s);

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

/* ---- The paper's figures (plot_paper_*.c) ---- */

/* The runs a paper figure can use: PlotPaperInput plus which parameter is the seed, which
 * parameters set the data (the default grouping keys) and the reference setting. */
typedef struct {
    const AnalysisInput *in;
    const PlotPaperInput *p;
    int seed_param; /* -1: no seed parameter (one run per condition and setting) */
    int n_keys;
    int *keys;   /* [n_keys] data parameters */
    unsigned char *named; /* [n_keys] 1: the key appears in setting titles (plot__paper_setting) */
    int ref_run; /* a finished run at the reference setting (-1: no finished run) */
} PaperData;

/* Fills d for in and p (borrowed). Errors: IH_ENOMEM. */
int plot__paper_data_init(const AnalysisInput *in, const PlotPaperInput *p, PaperData *d);
void plot__paper_data_free(PaperData *d);

/* The finished runs (status done) of condition cond whose data parameters equal those of run
 * `setting` (-1: any setting), into runs (n_runs ints), in run order. Returns their count. */
int plot__paper_runs(const PaperData *d, const char *cond, int setting, int *runs);

/* Seed of run r (its seed parameter; r itself when there is none). */
double plot__paper_seed(const PaperData *d, int r);

/* "K = 50, L = 5" for run r's data parameters ("" without any). */
void plot__paper_setting(const PaperData *d, int r, char *buf, int size);

/* Median over runs of one per-eval quantity with the runs' range, at the evals of the longest
 * run (values as for plot__curve_stats; entries whose eval_seq differs or that are not finite
 * are left out). */
typedef struct {
    int n;
    double *x;   /* [n] log10(sequences seen) */
    double *mid; /* [n] median */
    double *lo;  /* [n] minimum */
    double *hi;  /* [n] maximum */
} PlotBand;

/* Errors: IH_ENOMEM. */
int plot__band(const AnalysisInput *in, const float *values, int stride, int offset,
               const int *runs, int n_sel, PlotBand *out);
void plot__band_free(PlotBand *b);

/* Draws the band (translucent colour k) and its median line (style, width). */
void plot__band_draw(const PlotBand *b, int k, int style, double width, int band);

/* Widens [*xlo, *xhi] x [*ylo, *yhi] to cover b. */
void plot__band_range(const PlotBand *b, double *xlo, double *xhi, double *ylo, double *yhi);

/* Each run's t* at height y (x log10): a dot where it crossed, a right-pointing triangle at its
 * t_censor where it did not (its t* is later than that). Colour index k. */
void plot__tstar_marks(const AnalysisInput *in, const int *runs, int n, int k, double y);

/* Number of runs[0..n) that crossed 0.4 ln 2. */
int plot__n_crossed(const AnalysisInput *in, const int *runs, int n);

/* A horizontal dashed reference line at y over [xlo, xhi] labelled text at its left end. */
void plot__hline(double xlo, double xhi, double y, const char *text);

/* The paper figures (plot_paper_curves.c, plot_paper_points.c, plot_paper.c): as plot_*, 0,
 * PLOT_SKIPPED (why says what is missing) or a negative IH_E code; log gets notes on conditions
 * drawn without. */
int plot__paper_fig3(const PaperData *d, const PlotOptions *o, char *why);
int plot__paper_fig4a(const PaperData *d, const PlotOptions *o, char *why);
int plot__paper_fig4b(const PaperData *d, const PlotOptions *o, char *why, FILE *log);
int plot__paper_fig5b(const PaperData *d, const PlotOptions *o, char *why, FILE *log);
int plot__paper_fig6(const PaperData *d, const PlotOptions *o, char *why, FILE *log);
int plot__paper_fig7(const PaperData *d, const PlotOptions *o, char *why, FILE *log);
int plot__paper_fig8(const PaperData *d, const PlotOptions *o, char *why, FILE *log);
int plot__paper_fig15(const PaperData *d, const PlotOptions *o, char *why, FILE *log);
int plot__paper_fig17(const PaperData *d, const PlotOptions *o, char *why, FILE *log);

/* Kaplan-Meier median t* of runs[0..n) (a run that never crossed censored at its t_censor).
 * Errors: IH_ENOMEM. */
int plot__paper_km(const AnalysisInput *in, const int *runs, int n, KmMedian *km);

#endif
