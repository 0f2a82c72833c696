/* The paper's curve figures: Fig 3 (loss of the all-heads baseline and each seed's induction
 * strength per last-layer head), Fig 5b (the subcircuit clamps), Fig 7 (the graft runs: a panel
 * per source model, a curve per receiver seed), Fig 8 (previous-token pattern variants) and the
 * Fig 6 grid (rows data settings, columns normal training and the three
 * subcircuit runs). Curves are medians over seeds with their range as a band; every seed's t* is
 * marked on the 0.4 ln 2 line (a dot), or its last eval where it never crossed (a triangle
 * pointing right: its t* is later). Conditions are those of the sweep files in sweeps/paper/. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CURVES = 20, LABEL = 128, NOTE = 256, MAX_SEED_PANELS = 8 };

/* The legend's key to the t* marks. */
#define MARK_KEY0 "\u25cf t* of a seed"
#define MARK_KEY1 "\u25b6 not crossed by then"

typedef struct {
    PlotBand band;
    char label[LABEL];
    int color;
    int style;
    int *runs; /* [n_runs] whose t* is marked (NULL: none) */
    int n_runs;
} Curve;

typedef struct {
    char title[LABEL * 2];
    const char *ylabel;
    int n;
    Curve curves[MAX_CURVES];
    double xlo, xhi, ylo, yhi; /* log10 x */
    int legend;                /* legend right of the data */
    int ln2;                   /* draw ln 2 and 0.4 ln 2 */
    double vline;              /* a dashed vertical line at this log10 x (NaN: none) */
    char subtitle[LABEL];      /* a second title line (may be "") */
    char empty[LABEL];         /* text shown in a panel without curves */
} Panel;

typedef struct {
    const AnalysisInput *in;
    int nx, ny;
    int n_panels;
    Panel *panels;
} Figure;

static void figure_free(Figure *f)
{
    for (int p = 0; f->panels && p < f->n_panels; p++)
        for (int i = 0; i < f->panels[p].n; i++) {
            plot__band_free(&f->panels[p].curves[i].band);
            free(f->panels[p].curves[i].runs);
        }
    free(f->panels);
    memset(f, 0, sizeof *f);
}

static int figure_alloc(Figure *f, const AnalysisInput *in, int n_panels)
{
    int rc = 0;
    memset(f, 0, sizeof *f);
    f->in = in;
    IH_ALLOC(f->panels, n_panels);
    f->n_panels = n_panels;
    for (int p = 0; p < n_panels; p++) {
        f->panels[p].xlo = f->panels[p].ylo = INFINITY;
        f->panels[p].xhi = f->panels[p].yhi = -INFINITY;
        f->panels[p].vline = NAN;
    }
cleanup:
    return rc;
}

/* Adds the median-and-range curve of values over runs to panel p; marks: keep the runs for t*
 * marks. A curve without finite points is left out. */
static int add_curve(const AnalysisInput *in, Panel *p, const float *values, int stride, int offset,
                     const int *runs, int n, const char *label, int color, int style, int marks)
{
    int rc = 0;
    if (p->n == MAX_CURVES || n <= 0)
        return 0;
    Curve *c = &p->curves[p->n];
    memset(c, 0, sizeof *c);
    IH_TRY(plot__band(in, values, stride, offset, runs, n, &c->band));
    if (c->band.n == 0) {
        plot__band_free(&c->band);
        goto cleanup;
    }
    if (marks) {
        IH_ALLOC(c->runs, n);
        memcpy(c->runs, runs, (size_t)n * sizeof *runs);
        c->n_runs = n;
    }
    snprintf(c->label, sizeof c->label, "%s", label);
    c->color = color;
    c->style = style;
    plot__band_range(&c->band, &p->xlo, &p->xhi, &p->ylo, &p->yhi);
    p->n++;
cleanup:
    return rc;
}

static void draw_panel(const AnalysisInput *in, const Panel *p)
{
    double ylo = p->ylo, yhi = p->yhi, xlo = p->xlo, xhi = p->xhi;
    const double ln2 = log(2.0);
    if (p->ln2) {
        ylo = fmin(ylo, 0.0);
        yhi = fmax(yhi, ln2);
    }
    if (!(xhi > xlo)) {
        xlo = 3;
        xhi = 6;
    }
    if (!(yhi > ylo)) {
        ylo = 0;
        yhi = 1;
    }
    double pad = 0.05 * (yhi - ylo);
    xhi += 0.02 * (xhi - xlo); /* room for the marks at the last eval */
    int chars = 0, marks = 0;  /* the legend's longest label */
    for (int i = 0; i < p->n; i++) {
        chars = plot__text_width(p->curves[i].label) > chars ? plot__text_width(p->curves[i].label)
                                                             : chars;
        marks |= p->curves[i].runs != NULL;
    }
    if (marks && plot__text_width(MARK_KEY0) > chars)
        chars = plot__text_width(MARK_KEY0);
    plot__panel_room(xlo, xhi, ylo - pad, yhi + pad, 1, 0, "sequences seen", p->ylabel, p->title,
                     p->legend ? -(double)chars : 0.0);
    if (p->subtitle[0]) {
        plot__text_top(0.9, p->subtitle, 0.75);
    }
    if (p->n == 0) {
        plcol0(PLOT__FG);
        plptex(0.5 * (xlo + xhi), 0.5 * (ylo + yhi), 1, 0, 0.5, p->empty);
        return;
    }
    for (int i = 0; i < p->n; i++)
        plot__band_draw(&p->curves[i].band, p->curves[i].color, 1, 0.0, 1);
    for (int i = 0; i < p->n; i++)
        plot__band_draw(&p->curves[i].band, p->curves[i].color, p->curves[i].style, 2.5, 0);
    if (p->ln2) {
        plot__hline(xlo, xhi, ln2, "#u ln 2");
        plot__threshold(xlo, xhi, 0.4 * ln2);
    }
    if (isfinite(p->vline)) {
        PLFLT vx[2] = {p->vline, p->vline}, vy[2] = {ylo - pad, yhi + pad};
        plcol0(PLOT__FG);
        pllsty(2);
        plline(2, vx, vy);
        pllsty(1);
    }
    for (int i = 0; i < p->n; i++)
        if (p->curves[i].runs)
            plot__tstar_marks(in, p->curves[i].runs, p->curves[i].n_runs, p->curves[i].color,
                              0.4 * ln2);
    if (!p->legend)
        return;
    const char *labels[MAX_CURVES + 2];
    int colors[MAX_CURVES + 2], styles[MAX_CURVES + 2], n = 0;
    for (int i = 0; i < p->n; i++) {
        labels[n] = p->curves[i].label;
        colors[n] = PLOT__LINE0 + p->curves[i].color % PLOT__N_LINES;
        styles[n++] = p->curves[i].style;
    }
    if (marks) { /* a key to the marks: text entries with an invisible line */
        labels[n] = MARK_KEY0;
        colors[n] = PLOT__BG;
        styles[n++] = 1;
        labels[n] = MARK_KEY1;
        colors[n] = PLOT__BG;
        styles[n++] = 1;
    }
    plot__legend_outside(n, labels, colors, styles);
}

static void draw_figure(const void *ctx)
{
    const Figure *f = ctx;
    for (int p = 0; p < f->n_panels; p++)
        draw_panel(f->in, &f->panels[p]);
}

/* "t* 220k, 3/3 crossed": the Kaplan-Meier median t* of runs (censored at t_censor), ">T" when
 * not reached. */
static int tstar_summary(const AnalysisInput *in, const int *runs, int n, char *buf, int size)
{
    int rc = 0;
    double *t = NULL;
    int8_t *ev = NULL;
    KmMedian km;
    IH_ALLOC(t, n);
    IH_ALLOC(ev, n);
    for (int i = 0; i < n; i++) {
        const double v = in->times[(size_t)runs[i] * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
        ev[i] = in->crossed[runs[i]] && isfinite(v);
        t[i] = ev[i] ? v : in->t_censor[runs[i]];
    }
    IH_TRY(metrics_km_median(t, ev, n, &km));
    char med[48];
    analysis_format_median(&km, med, sizeof med);
    snprintf(buf, (size_t)size, "t* %s, %d/%d crossed", med, km.n_events, n);
cleanup:
    free(t);
    free(ev);
    return rc;
}

/* One panel of conditions (names[i], legend labels[i]) at the reference setting: Fig 5b, 8. */
typedef struct {
    const char *name;
    const char *label;
} CondLabel;

static int conditions_figure(const PaperData *d, const char *fig, const char *title,
                             const CondLabel *conds, int n_cond, const char *needs,
                             const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    const AnalysisInput *in = d->in;
    Figure f;
    int *runs = NULL;
    char missing[NOTE] = "", setting[LABEL], ylabel[LABEL];
    memset(&f, 0, sizeof f);
    IH_ALLOC(runs, in->n_runs);
    IH_TRY(figure_alloc(&f, in, 1));
    Panel *p = &f.panels[0];
    int ref = -1;
    for (int c = 0; c < n_cond && ref < 0; c++) /* the reference setting, else the first one */
        if (plot__paper_runs(d, conds[c].name, d->ref_run, runs) > 0)
            ref = d->ref_run;
    for (int c = 0; c < n_cond && ref < 0; c++)
        if (plot__paper_runs(d, conds[c].name, -1, runs) > 0)
            ref = runs[0];
    for (int c = 0; c < n_cond && ref >= 0; c++) {
        int n = plot__paper_runs(d, conds[c].name, ref, runs);
        if (n == 0) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "",
                     conds[c].name);
            continue;
        }
        char label[LABEL], summary[64];
        IH_TRY(tstar_summary(in, runs, n, summary, sizeof summary));
        fprintf(log, "  %s %s: %s\n", fig, conds[c].name, summary);
        snprintf(label, sizeof label, "%s: %s", conds[c].label, summary);
        IH_TRY(add_curve(in, p, in->eval_loss, 1, 0, runs, n, label, c, 1, 1));
    }
    if (p->n == 0) {
        snprintf(why, PLOT_WHY_SIZE, "no finished run of %s", needs);
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    if (missing[0])
        fprintf(log, "note %s: no finished run of %s; drawn without\n", fig, missing);
    plot__paper_setting(d, ref, setting, sizeof setting);
    snprintf(p->title, sizeof p->title, "%s%s%s", title, setting[0] ? ", " : "", setting);
    snprintf(p->subtitle, sizeof p->subtitle,
             "loss: median over seeds, band: range; t*: Kaplan-Meier median over seeds");
    snprintf(ylabel, sizeof ylabel, "%s (nats)", in->loss_name);
    p->ylabel = ylabel;
    p->legend = 1;
    p->ln2 = 1;
    const PlotOptions wide = plot__page_size(o, 2000, 0); /* room for the legend beside the panel */
    rc = plot__figure(&wide, fig, 1, 1, draw_figure, &f);
cleanup:
    figure_free(&f);
    free(runs);
    return rc;
}

int plot__paper_fig5b(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    static const CondLabel conds[] = {
        {"noclamp", "none"},
        {"perfect_prev_tok_attn_single", "1 (PT attention)"},
        {"perfect_l1", "1, 2 (layer 1)"},
        {"perfect_match", "1, 2, 3qk, 4 (match)"},
        {"perfect_copy", "3v, 5 (copy)"},
        {"perfect_l1_and_copy", "1, 2, 3v, 5 (layer 1 + copy)"},
    };
    return conditions_figure(d, "fig5b", "Fig 5b: steps clamped, only the strongest IH", conds, 6,
                             "conditions noclamp, perfect_* (main.json stage clamps, ids 45-74)", o,
                             why, log);
}

int plot__paper_fig8(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    static const CondLabel conds[] = {
        {"pt_none", "no PT clamp"},
        {"pt_single", "PT pattern on the seed's PT head"},
        {"pt_single_other", "PT pattern on L1H6"},
        {"pt_multi", "PT pattern on L1H1, L1H2, L1H5"},
        {"pt_all", "PT pattern on all layer-1 heads"},
    };
    /* a seed whose own PT head is L1H6 has no "other" head in pt_single_other: say so */
    int *runs = NULL, rc = 0;
    const AnalysisInput *in = d->in;
    IH_ALLOC(runs, in->n_runs);
    rc = conditions_figure(d, "fig8", "Fig 8: previous-token pattern variants", conds, 5,
                           "conditions pt_* (appendix.json stage pt_variants, ids 3-17)", o, why,
                           log);
    int n = rc == 0 && d->ref_run >= 0 ? plot__paper_runs(d, "all_heads", d->ref_run, runs) : 0;
    for (int i = 0; i < n; i++)
        if (d->p->pt_head[runs[i]] == 6)
            fprintf(log,
                    "note fig8: seed %g's own PT head is L1H6, so its 'PT pattern on L1H6' run "
                    "clamps its own PT head\n",
                    plot__paper_seed(d, runs[i]));
cleanup:
    free(runs);
    return rc;
}

int plot__paper_fig3(const PaperData *d, const PlotOptions *o, char *why)
{
    int rc = 0;
    const AnalysisInput *in = d->in;
    const int H = in->n_heads;
    Figure f;
    int *runs = NULL;
    char setting[LABEL], label[LABEL];
    memset(&f, 0, sizeof f);
    IH_ALLOC(runs, in->n_runs);
    int n = d->ref_run >= 0 ? plot__paper_runs(d, "all_heads", d->ref_run, runs) : 0;
    if (n == 0 || in->max_evals <= 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no finished run of condition all_heads (stage baseline of main.json, ids 0-4)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    const int n_seed_panels = n < MAX_SEED_PANELS ? n : MAX_SEED_PANELS;
    IH_TRY(figure_alloc(&f, in, 1 + n_seed_panels));
    plot__paper_setting(d, runs[0], setting, sizeof setting);
    Panel *a = &f.panels[0];
    snprintf(a->title, sizeof a->title, "Fig 3a: loss, all heads%s%s%s", setting[0] ? " (" : "",
             setting, setting[0] ? ")" : "");
    a->ylabel = "eval loss (nats)";
    a->legend = 1;
    a->ln2 = 1;
    char summary[64];
    IH_TRY(tstar_summary(in, runs, n, summary, sizeof summary));
    snprintf(a->subtitle, sizeof a->subtitle, "%d %s (median, range): %s", n,
             n == 1 ? "seed" : "seeds", summary);
    IH_TRY(add_curve(in, a, in->eval_loss, 1, 0, runs, n, in->loss_name, 0, 1, 1));
    if (d->p->test_loss)
        IH_TRY(add_curve(in, a, d->p->test_loss, 1, 0, runs, n, d->p->test_loss_name, 1, 1, 0));
    double iylo = INFINITY, iyhi = -INFINITY;
    for (int s = 0; s < n_seed_panels && in->induction_strength; s++) {
        const int r = runs[s];
        Panel *p = &f.panels[1 + s];
        const double t = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
        const int crossed = in->crossed[r] && isfinite(t);
        char ts[64];
        if (crossed)
            snprintf(ts, sizeof ts, "t* = %.0fk (dashed)", t / 1e3);
        else
            snprintf(ts, sizeof ts, "not crossed by %.0fk", in->t_censor[r] / 1e3);
        snprintf(p->title, sizeof p->title, "Fig 3b: seed %g, %s", plot__paper_seed(d, r), ts);
        p->ylabel = "induction strength";
        p->legend = 1;
        p->vline = crossed ? log10(t) : NAN;
        const int strongest = d->p->strongest_ih[r];
        for (int h = 0; h < H; h++) {
            snprintf(label, sizeof label, "L2H%d%s", h, h == strongest ? " (strongest)" : "");
            IH_TRY(add_curve(in, p, in->induction_strength, H, h, &r, 1, label, h,
                             h == strongest ? 1 : 2, 0));
        }
        iylo = fmin(iylo, p->ylo);
        iyhi = fmax(iyhi, p->yhi);
    }
    for (int s = 0; s < n_seed_panels; s++) { /* one y scale for every seed */
        f.panels[1 + s].ylo = iylo;
        f.panels[1 + s].yhi = iyhi;
        snprintf(f.panels[1 + s].empty, LABEL, "no induction-strength curve");
    }
    if (n > n_seed_panels)
        fprintf(stderr, "fig3: induction strength of the first %d seeds of %d\n", n_seed_panels, n);
    plot__grid(f.n_panels, &f.nx, &f.ny);
    const PlotOptions wide = plot__page_size(o, 2400, 1200); /* legends beside each panel */
    rc = plot__figure(&wide, "fig3", f.nx, f.ny, draw_figure, &f);
cleanup:
    figure_free(&f);
    free(runs);
    return rc;
}

/* Fig 6 columns: a condition (or its stand-in from main.json) and a short title. */
static const struct {
    const char *names[2];
    const char *title;
} fig6_columns[4] = {
    {{"normal", "long"}, "normal training"},        /* only the strongest IH active */
    {{"perfect_l1_and_copy", NULL}, "B evolution"}, /* A and C clamped */
    {{"perfect_match", NULL}, "C evolution"},       /* A and B clamped */
    {{"perfect_l1", NULL}, "B, C evolution"},       /* A clamped */
};

/* The runs of Fig 6 column c at the setting of run `setting` (-1: any). */
static int column_runs(const PaperData *d, int c, int setting, int *runs)
{
    int n = plot__paper_runs(d, fig6_columns[c].names[0], setting, runs);
    if (n == 0 && fig6_columns[c].names[1])
        n = plot__paper_runs(d, fig6_columns[c].names[1], setting, runs);
    return n;
}

int plot__paper_fig6(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    const AnalysisInput *in = d->in;
    Figure f;
    int *runs = NULL, *rows = NULL, cols[4], n_cols = 0, n_rows = 0;
    char missing[NOTE] = "", ylabel[LABEL];
    snprintf(ylabel, sizeof ylabel, "%s (nats)", in->loss_name);
    memset(&f, 0, sizeof f);
    IH_ALLOC(runs, in->n_runs);
    IH_ALLOC(rows, in->n_runs);
    for (int c = 0; c < 4; c++) {
        int n = column_runs(d, c, -1, runs);
        if (n > 0) {
            cols[n_cols++] = c;
        } else {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, "%s%s%s%s", used ? ", " : "",
                     fig6_columns[c].names[0], fig6_columns[c].names[1] ? " or " : "",
                     fig6_columns[c].names[1] ? fig6_columns[c].names[1] : "");
        }
        for (int i = 0; i < n; i++) { /* rows: the data settings, in run order */
            int k = 0;
            while (k < n_rows) {
                int one = runs[i];
                int other = rows[k];
                int same = 1;
                for (int j = 0; j < d->n_keys && same; j++)
                    same = in->params[(size_t)one * in->n_params + d->keys[j]] ==
                           in->params[(size_t)other * in->n_params + d->keys[j]];
                if (same)
                    break;
                k++;
            }
            if (k == n_rows)
                rows[n_rows++] = runs[i];
        }
    }
    if (n_cols == 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no finished run of conditions normal, perfect_l1_and_copy, perfect_match, "
                 "perfect_l1 (data_dependence.json stages normal, subcircuits)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    if (missing[0])
        fprintf(log, "note fig6: no finished run of %s; drawn without that column\n", missing);
    /* rows in ascending order of the data parameters (K, then L) */
    for (int i = 1; i < n_rows; i++)
        for (int k = i; k > 0; k--) {
            int a = rows[k - 1], b = rows[k], swap = 0;
            for (int j = 0; j < d->n_keys; j++) {
                double va = in->params[(size_t)a * in->n_params + d->keys[j]];
                double vb = in->params[(size_t)b * in->n_params + d->keys[j]];
                if (va != vb) {
                    swap = va > vb;
                    break;
                }
            }
            if (!swap)
                break;
            rows[k - 1] = b;
            rows[k] = a;
        }
    IH_TRY(figure_alloc(&f, in, n_rows * n_cols));
    f.nx = n_cols;
    f.ny = n_rows;
    double ylo = INFINITY, yhi = -INFINITY;
    for (int r = 0; r < n_rows; r++)
        for (int j = 0; j < n_cols; j++) {
            Panel *p = &f.panels[r * n_cols + j];
            char setting[LABEL], summary[LABEL] = "no finished run";
            plot__paper_setting(d, rows[r], setting, sizeof setting);
            int n = column_runs(d, cols[j], rows[r], runs);
            if (n > 0) {
                IH_TRY(tstar_summary(in, runs, n, summary, sizeof summary));
                fprintf(log, "  fig6 %s%s%s: %s\n", setting, setting[0] ? ", " : "",
                        in->condition[runs[0]], summary);
            }
            snprintf(p->title, sizeof p->title, "%s%s%s", setting[0] ? setting : "",
                     setting[0] ? ": " : "", fig6_columns[cols[j]].title);
            snprintf(p->empty, sizeof p->empty, "no finished run at this setting");
            p->ylabel = ylabel;
            p->ln2 = 1;
            IH_TRY(add_curve(in, p, in->eval_loss, 1, 0, runs, n, summary, j, 1, 1));
            snprintf(p->subtitle, sizeof p->subtitle, "%s: %s",
                     n > 0 ? in->condition[runs[0]] : fig6_columns[cols[j]].names[0], summary);
            ylo = fmin(ylo, p->ylo);
            yhi = fmax(yhi, p->yhi);
        }
    for (int j = 0; j < n_cols; j++) { /* one x range per column, one y range for all */
        double xlo = INFINITY, xhi = -INFINITY;
        for (int r = 0; r < n_rows; r++) {
            xlo = fmin(xlo, f.panels[r * n_cols + j].xlo);
            xhi = fmax(xhi, f.panels[r * n_cols + j].xhi);
        }
        for (int r = 0; r < n_rows; r++) {
            Panel *p = &f.panels[r * n_cols + j];
            p->xlo = xlo;
            p->xhi = xhi;
            p->ylo = ylo;
            p->yhi = yhi;
        }
    }
    PlotOptions tall = *o; /* panels of a readable height */
    if (tall.height <= 0)
        tall.height = 1200;
    rc = plot__figure(&tall, "fig6", f.nx, f.ny, draw_figure, &f);
cleanup:
    figure_free(&f);
    free(runs);
    free(rows);
    return rc;
}

/* ---- Fig 7: graft runs ---- */

enum { MAX_SOURCES = 6 };

/* The graft conditions of the file ("graft_*" with a finished run), in name order. */
static int graft_conditions(const PaperData *d, const char **conds)
{
    const AnalysisInput *in = d->in;
    int n = 0;
    for (int r = 0; r < in->n_runs; r++) {
        const char *c = in->condition[r];
        if (in->status[r] != RUN_DONE || strncmp(c, "graft_", 6) != 0)
            continue;
        int k = 0;
        while (k < n && strcmp(conds[k], c) < 0)
            k++;
        if ((k < n && strcmp(conds[k], c) == 0) || n == MAX_SOURCES)
            continue;
        memmove(conds + k + 1, conds + k, (size_t)(n - k) * sizeof *conds);
        conds[k] = c;
        n++;
    }
    return n;
}

/* The source's seed from a condition named "..._from_isN" (NaN if it has no such suffix). */
static double graft_source_seed(const char *cond)
{
    const char *at = strstr(cond, "_from_is");
    char *end = NULL;
    double v = at ? strtod(at + 8, &end) : NAN;
    return at && end != at + 8 && *end == '\0' ? v : NAN;
}

int plot__paper_fig7(const PaperData *d, const PlotOptions *o, char *why, FILE *log)
{
    int rc = 0;
    const AnalysisInput *in = d->in;
    Figure f;
    int *runs = NULL, *base = NULL;
    const char *conds[MAX_SOURCES];
    char ylabel[LABEL], base_label[LABEL] = "";
    memset(&f, 0, sizeof f);
    IH_ALLOC(runs, in->n_runs);
    IH_ALLOC(base, 2 * (size_t)in->n_runs);
    const int n_src = graft_conditions(d, conds);
    if (n_src == 0 || in->max_evals <= 0) {
        snprintf(why, PLOT_WHY_SIZE,
                 "no finished run of conditions graft_l0_from_is5, _is6, _is7 (graft.json, stage "
                 "main)");
        rc = PLOT_SKIPPED;
        goto cleanup;
    }
    /* receivers: the seeds over all graft runs, ascending, one colour each */
    double seeds[MAX_CURVES];
    int n_seeds = 0;
    for (int c = 0; c < n_src; c++) {
        int n = plot__paper_runs(d, conds[c], -1, runs);
        for (int i = 0; i < n; i++) {
            double v = plot__paper_seed(d, runs[i]);
            int k = 0;
            while (k < n_seeds && seeds[k] < v)
                k++;
            if ((k < n_seeds && seeds[k] == v) || n_seeds == MAX_CURVES - 1)
                continue;
            memmove(seeds + k + 1, seeds + k, (size_t)(n_seeds - k) * sizeof *seeds);
            seeds[k] = v;
            n_seeds++;
        }
    }
    /* the normal-training reference: all_heads runs at the graft runs' setting, if the file has
     * them (graft.json itself has none) */
    plot__paper_runs(d, conds[0], -1, runs);
    const int n_base = plot__paper_runs(d, "all_heads", runs[0], base);
    if (n_base > 0) {
        char summary[64];
        IH_TRY(tstar_summary(in, base, n_base, summary, sizeof summary));
        snprintf(base_label, sizeof base_label, "normal training: %s", summary);
        fprintf(log, "  fig7 all_heads: %s\n", summary);
    }
    snprintf(ylabel, sizeof ylabel, "%s (nats)", in->loss_name);
    IH_TRY(figure_alloc(&f, in, n_src + 1)); /* a panel per source and all graft runs together */
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int c = 0; c < n_src; c++) {
        Panel *p = &f.panels[c];
        const double src = graft_source_seed(conds[c]);
        int n = plot__paper_runs(d, conds[c], -1, runs);
        char setting[40], summary[48];
        IH_TRY(tstar_summary(in, runs, n, summary, sizeof summary));
        fprintf(log, "  fig7 %s: %s\n", conds[c], summary);
        plot__paper_setting(d, runs[0], setting, sizeof setting);
        if (isfinite(src))
            snprintf(p->title, sizeof p->title, "Fig 7: grafted from seed %g%s%s%s", src,
                     setting[0] ? " (" : "", setting, setting[0] ? ")" : "");
        else
            snprintf(p->title, sizeof p->title, "Fig 7: %s%s%s%s", conds[c], setting[0] ? " (" : "",
                     setting, setting[0] ? ")" : "");
        snprintf(p->subtitle, sizeof p->subtitle, "%s",
                 n_base > 0 ? "" : "no normal-training (all_heads) runs in this file");
        p->ylabel = ylabel;
        p->legend = 1;
        p->ln2 = 1;
        for (int k = 0; k < n_seeds; k++)
            for (int i = 0; i < n; i++) {
                const int r = runs[i];
                if (plot__paper_seed(d, r) != seeds[k])
                    continue;
                char label[LABEL], ts[48];
                const double t = in->times[(size_t)r * ANALYSIS_N_TIMES + ANALYSIS_T_STAR];
                if (in->crossed[r] && isfinite(t))
                    snprintf(ts, sizeof ts, "t* %.0fk", t / 1e3);
                else
                    snprintf(ts, sizeof ts, "t* >%.0fk", in->t_censor[r] / 1e3);
                fprintf(log, "  fig7 %s seed %g: %s\n", conds[c], seeds[k], ts);
                snprintf(label, sizeof label, "into seed %g%s: %s", seeds[k],
                         seeds[k] == src ? " (own)" : "", ts);
                IH_TRY(add_curve(in, p, in->eval_loss, 1, 0, &r, 1, label, k,
                                 seeds[k] == src ? 2 : 1, 1));
            }
        if (n_base > 0)
            IH_TRY(add_curve(in, p, in->eval_loss, 1, 0, base, n_base, base_label, 7, 1, 0));
        xlo = fmin(xlo, p->xlo);
        xhi = fmax(xhi, p->xhi);
        ylo = fmin(ylo, p->ylo);
        yhi = fmax(yhi, p->yhi);
    }
    /* every graft run against normal training, those into the source's own seed apart */
    Panel *all = &f.panels[n_src];
    int n_own = 0, n_other = 0, *other = base + in->n_runs; /* base holds 2 n_runs ints */
    for (int c = 0; c < n_src; c++) {
        const double src = graft_source_seed(conds[c]);
        const int start = n_other, n = plot__paper_runs(d, conds[c], -1, other + start);
        for (int i = 0; i < n; i++) {
            const int r = other[start + i];
            if (plot__paper_seed(d, r) == src)
                runs[n_own++] = r;
            else
                other[n_other++] = r; /* compacts in place: n_other <= start + i */
        }
    }
    snprintf(all->title, sizeof all->title, "Fig 7: all %d graft runs%s", n_own + n_other,
             n_base > 0 ? " and normal training (all_heads)" : "");
    snprintf(all->subtitle, sizeof all->subtitle, "median over runs, band: range%s",
             n_base > 0 ? "" : "; no normal-training (all_heads) runs in this file");
    all->ylabel = ylabel;
    all->legend = 1;
    all->ln2 = 1;
    const struct {
        const int *runs;
        int n;
        const char *what;
    } groups[2] = {{runs, n_own, "into the source's seed"},
                   {other, n_other, n_own ? "into other seeds" : "graft runs"}};
    for (int g = 0; g < 2; g++) {
        if (groups[g].n == 0)
            continue;
        char summary[48], label[LABEL];
        IH_TRY(tstar_summary(in, groups[g].runs, groups[g].n, summary, sizeof summary));
        fprintf(log, "  fig7 %s: %s\n", groups[g].what, summary);
        snprintf(label, sizeof label, "%s: %s", groups[g].what, summary);
        IH_TRY(add_curve(in, all, in->eval_loss, 1, 0, groups[g].runs, groups[g].n, label, g + 3, 1,
                         1));
    }
    if (n_base > 0)
        IH_TRY(add_curve(in, all, in->eval_loss, 1, 0, base, n_base, base_label, 7, 1, 1));
    for (int c = 0; c <= n_src; c++) { /* one scale for all panels */
        f.panels[c].xlo = xlo;
        f.panels[c].xhi = xhi;
        f.panels[c].ylo = ylo;
        f.panels[c].yhi = yhi;
    }
    if (n_base == 0)
        fprintf(log, "note fig7: no all_heads runs in this file: no normal-training reference "
                     "drawn (graft.json has none; main.json's baseline has them)\n");
    plot__grid(f.n_panels, &f.nx, &f.ny);
    const PlotOptions wide = plot__page_size(o, 2800, 1300); /* legends beside each panel */
    rc = plot__figure(&wide, "fig7", f.nx, f.ny, draw_figure, &f);
cleanup:
    figure_free(&f);
    free(runs);
    free(base);
    return rc;
}
