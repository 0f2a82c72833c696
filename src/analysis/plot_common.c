/* PLplot plumbing shared by the figures (see plot_internal.h) and plot_all. Each file gets its
 * own stream (plmkstrm ... plend1), so any number of figures can be drawn in one process. */
#include "analysis/plot_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tableau-10 line colours. */
static const int palette[PLOT__N_LINES][3] = {
    {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};

static void set_palette(void)
{
    plscmap0n(PLOT__N_COL0);
    plscol0a(PLOT__BG, 255, 255, 255, 1.0);
    plscol0a(PLOT__FG, 0, 0, 0, 1.0);
    plscol0a(PLOT__GREY, 200, 200, 200, 1.0);
    for (int i = 0; i < PLOT__N_LINES; i++) {
        plscol0a(PLOT__LINE0 + i, palette[i][0], palette[i][1], palette[i][2], 1.0);
        plscol0a(PLOT__BAND0 + i, palette[i][0], palette[i][1], palette[i][2], 0.22);
    }
    plscol0a(PLOT__CENSORED, 235, 200, 190, 1.0);
}

static const struct {
    PlotFormat format;
    const char *device;
    const char *ext;
} formats[] = {
    {PLOT_PNG, "pngcairo", "png"}, {PLOT_SVG, "svgcairo", "svg"}, {PLOT_PDF, "pdfcairo", "pdf"}};

int plot__figure(const PlotOptions *o, const char *name, int nx, int ny, PlotDrawFn draw,
                 const void *ctx)
{
    int rc = 0;
    int w = o->width > 0 ? o->width : 1600, h = o->height > 0 ? o->height : 900;
    if (nx > 2)
        w = w * nx / 2;
    if (ny > 2)
        h = h * ny / 2;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (!(o->formats & formats[i].format))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s", o->dir, name, formats[i].ext);
        /* PLplot exits the process when it cannot open its output: check first. */
        FILE *probe = fopen(path, "wb");
        if (!probe)
            IH_FAIL(IH_EIO, "cannot write %s: %s", path, strerror(errno));
        fclose(probe);
        PLINT previous = 0, stream = 0;
        plgstrm(&previous);
        plmkstrm(&stream);
        plsdev(formats[i].device);
        plsfnam(path);
        plspage(0, 0, w, h, 0, 0);
        set_palette();
        plssub(nx, ny);
        plinit();
        plfontld(1);
        plschr(0, 0.85);
        plwidth(1.0);
        draw(ctx);
        plend1();
        plsstrm(previous);
    }
cleanup:
    return rc;
}

static void log_label_text(double v, double mant, int d, char *text, int size)
{
    if (v >= 1e6)
        snprintf(text, (size_t)size, "%gM", v / 1e6);
    else if (v >= 1e3)
        snprintf(text, (size_t)size, "%gk", v / 1e3);
    else if (v >= 1e-3)
        snprintf(text, (size_t)size, "%g", v);
    else /* "1e-6", not "1e-06" */
        snprintf(text, (size_t)size, "%ge%d", mant, d);
}

/* plot__log_labels for an axis of length_mm millimetres with characters ht mm high: 1, 2 and 5
 * times powers of ten where they fit, else powers of ten only, else every other power; on a
 * range narrower than the gaps of those (fewer than two would show, e.g. 235k to 365k), the
 * finer steps 1, 1.5, 2, 2.5, ... 9, each kept only where it does not touch the previous one. */
static void log_labels_fit(const char *side, double lo, double hi, double length_mm, double ht)
{
    static const double coarse[3] = {1, 2, 5};
    static const double fine[12] = {1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 9};
    const double per_decade = hi > lo ? length_mm / (hi - lo) : INFINITY;
    const double label = side[0] == 'b' ? 4.0 * 0.62 * ht : 1.6 * ht; /* "200k" or one line */
    /* 1, 2, 5: the closest pair (1 and 2) is 0.3 decades apart, room for a label and a gap */
    int n_mant = per_decade >= 4.2 * label ? 3 : 1, shown = 0;
    const int every = per_decade >= 1.3 * label ? 1 : 2;
    for (int d = (int)floor(lo) - 1; d <= (int)ceil(hi); d++)
        for (int m = 0; m < n_mant; m++) {
            const double lv = log10(coarse[m]) + d;
            shown += lv >= lo - 1e-9 && lv <= hi + 1e-9 && (every == 1 || d % 2 == 0);
        }
    const int use_fine = shown < 2;
    const double *mant = use_fine ? fine : coarse;
    if (use_fine)
        n_mant = 12;
    double last = -INFINITY; /* the previous label's position, decades */
    for (int d = (int)floor(lo) - 1; d <= (int)ceil(hi); d++)
        for (int m = 0; m < n_mant; m++) {
            double v = mant[m] * pow(10.0, d), lv = log10(v);
            if (lv < lo - 1e-9 || lv > hi + 1e-9 || (!use_fine && every == 2 && d % 2 != 0))
                continue;
            if (use_fine && (lv - last) * per_decade < 1.3 * label)
                continue;
            last = lv;
            char text[32];
            log_label_text(v, mant[m], d, text, (int)sizeof text);
            double at = (lv - lo) / (hi - lo);
            if (side[0] == 'b')
                plmtex(side, 1.6, at, 0.5, text);
            else
                plmtex(side, 0.8, at, side[0] == 'l' ? 1.0 : 0.0, text);
        }
}

PlotOptions plot__page_size(const PlotOptions *o, int width, int height)
{
    PlotOptions page = *o;
    if (page.width <= 0)
        page.width = width;
    if (page.height <= 0)
        page.height = height;
    return page;
}

void plot__log_labels(const char *side, double lo, double hi)
{
    log_labels_fit(side, lo, hi, INFINITY, 0.0);
}

void plot__panel(double xmin, double xmax, double ymin, double ymax, int logx, const char *xlabel,
                 const char *ylabel, const char *title)
{
    plot__panel_room(xmin, xmax, ymin, ymax, logx, 0, xlabel, ylabel, title, 0.0);
}

void plot__panel_room(double xmin, double xmax, double ymin, double ymax, int logx, int logy,
                      const char *xlabel, const char *ylabel, const char *title, double room)
{
    pladv(0);
    /* margins in character heights, so that tick labels, axis labels and the title fit whatever
     * the page and grid size: left 7 (tick labels and the y label), bottom 4.8 (tick labels at
     * 1.6 and the x label at 3.2), top 3.4 (the title at 2 and a second line below it) */
    PLFLT sx0, sx1, sy0, sy1, def_ht, ht;
    plgspa(&sx0, &sx1, &sy0, &sy1);
    plgchr(&def_ht, &ht);
    const double w = sx1 - sx0 > 1 ? sx1 - sx0 : 1, h = sy1 - sy0 > 1 ? sy1 - sy0 : 1;
    if (room < 0) /* -room characters of legend text, plus its lines and gaps */
        room = fmin(0.6, (-room * 0.55 + 4.5) * ht / w + 0.08);
    const double left = fmin(0.3, 7.0 * ht / w), bottom = fmin(0.35, 4.8 * ht / h);
    const double top = fmin(0.25, 3.4 * ht / h), right = room > 0 ? room : fmin(0.1, 1.5 * ht / w);
    plvpor(left, 1.0 - right, bottom, 1.0 - top);
    if (!(xmax > xmin)) {
        xmin -= 0.5;
        xmax += 0.5;
    }
    if (!(ymax > ymin)) {
        ymin -= 0.5;
        ymax += 0.5;
    }
    plwind(xmin, xmax, ymin, ymax);
    plcol0(PLOT__FG);
    plwidth(1.0);
    plbox(logx ? "bcstl" : "bcnst", 0, 0, logy ? "bcstvl" : "bcnstv", 0, 0);
    if (logx)
        log_labels_fit("b", xmin, xmax, (1.0 - left - right) * w, ht);
    if (logy)
        log_labels_fit("lv", ymin, ymax, (1.0 - top - bottom) * h, ht);
    pllab(xlabel, ylabel, "");
    plot__text_top(2.0, title, 0.85);
}

void plot__text_top(double disp, const char *text, double scale)
{
    /* left-aligned at the viewport (left margin as in plot__panel_room), running over the legend
     * room too, in smaller letters when it would not fit the subpage (PLplot clips text at the
     * subpage); a letter is about 0.7 character heights wide */
    PLFLT sx0, sx1, sy0, sy1, def_ht, ht;
    plgspa(&sx0, &sx1, &sy0, &sy1);
    plgchr(&def_ht, &ht);
    const double w = sx1 - sx0 > 1 ? sx1 - sx0 : 1, left = fmin(0.3, 7.0 * ht / w);
    const double need = 0.7 * ht * scale / 0.85 * (plot__text_width(text) + 1);
    const double fit = (1.0 - left) * w / need;
    plcol0(PLOT__FG);
    plschr(0, scale * fmax(0.6, fmin(1.0, fit)));
    plmtex("t", disp, 0.0, 0.0, text);
    plschr(0, 0.85);
}

int plot__text_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80; /* UTF-8: count the first byte of each */
    return n;
}

void plot__threshold(double xlo, double xhi, double y)
{
    PLFLT tx[2] = {xlo, xhi}, ty[2] = {y, y};
    plcol0(PLOT__FG);
    plwidth(2.0);
    pllsty(2);
    plline(2, tx, ty);
    pllsty(1);
    plwidth(1.0);
    plptex(xlo + 0.01 * (xhi - xlo), y, 1, 0, 0.0, "#u 0.4 ln 2");
}

void plot__legend_outside(int n, const char *const *labels, const int *colors, const int *styles)
{
    if (n <= 0)
        return;
    PLINT *opt = calloc((size_t)n, sizeof *opt), *tcol = calloc((size_t)n, sizeof *tcol);
    PLINT *lcol = calloc((size_t)n, sizeof *lcol), *lsty = calloc((size_t)n, sizeof *lsty);
    PLFLT *lw = calloc((size_t)n, sizeof *lw);
    if (opt && tcol && lcol && lsty && lw) {
        for (int i = 0; i < n; i++) {
            opt[i] = PL_LEGEND_LINE;
            tcol[i] = PLOT__FG;
            lcol[i] = colors[i];
            lsty[i] = styles ? styles[i] : 1;
            lw[i] = 3.0;
        }
        PLFLT lw_out = 0, lh_out = 0;
        plcol0(PLOT__FG);
        pllegend(&lw_out, &lh_out, 0,
                 PL_POSITION_OUTSIDE | PL_POSITION_RIGHT | PL_POSITION_VIEWPORT, 0.02, 0.0, 0.06,
                 PLOT__BG, PLOT__FG, 1, 0, 0, n, opt, 1.0, 0.75, 1.8, 0.0, tcol, labels, NULL, NULL,
                 NULL, NULL, lcol, lsty, lw, NULL, NULL, NULL, NULL);
    }
    free(opt);
    free(tcol);
    free(lcol);
    free(lsty);
    free(lw);
}

void plot__legend(int n, const char *const *labels, const int *colors, int lines, int position)
{
    if (n <= 0)
        return;
    PLINT *opt = calloc((size_t)n, sizeof *opt), *tcol = calloc((size_t)n, sizeof *tcol);
    PLINT *lcol = calloc((size_t)n, sizeof *lcol), *lsty = calloc((size_t)n, sizeof *lsty);
    PLINT *bpat = calloc((size_t)n, sizeof *bpat);
    PLFLT *lw = calloc((size_t)n, sizeof *lw), *bsc = calloc((size_t)n, sizeof *bsc);
    PLFLT *blw = calloc((size_t)n, sizeof *blw);
    if (opt && tcol && lcol && lsty && bpat && lw && bsc && blw) {
        for (int i = 0; i < n; i++) {
            opt[i] = lines ? PL_LEGEND_LINE : PL_LEGEND_COLOR_BOX;
            tcol[i] = PLOT__FG;
            lcol[i] = colors[i];
            lsty[i] = 1;
            lw[i] = 3.0;
            bsc[i] = 0.8;
            blw[i] = 1.0;
        }
        PLFLT lw_out = 0, lh_out = 0;
        plcol0(PLOT__FG);
        pllegend(&lw_out, &lh_out, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
                 position | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.02, 0.02, 0.08, PLOT__BG,
                 PLOT__FG, 1, 0, 0, n, opt, 1.0, 0.8, 1.8, 0.0, tcol, labels, lcol, bpat, bsc, blw,
                 lcol, lsty, lw, NULL, NULL, NULL, NULL);
    }
    free(opt);
    free(tcol);
    free(lcol);
    free(lsty);
    free(bpat);
    free(lw);
    free(bsc);
    free(blw);
}

int plot__curve_stats(const AnalysisInput *in, const float *values, int stride, int offset,
                      const int *runs, int n_sel, CurveStats *out)
{
    int rc = 0;
    int E = in->max_evals;
    memset(out, 0, sizeof *out);
    if (n_sel <= 0)
        return 0;
    IH_ALLOC(out->x, E);
    IH_ALLOC(out->mean, E);
    IH_ALLOC(out->sd, E);
    const int64_t *seq0 = in->eval_seq + (size_t)runs[0] * E;
    for (int e = 0; e < E; e++) {
        if (seq0[e] <= 0)
            continue;
        double s = 0, ss = 0;
        int n = 0;
        for (int i = 0; i < n_sel; i++) {
            size_t row = (size_t)runs[i] * E + e;
            float v = values[row * stride + offset];
            if (in->eval_seq[row] != seq0[e] || !isfinite(v))
                continue;
            s += v;
            n++;
        }
        if (n == 0)
            continue;
        double m = s / n;
        for (int i = 0; i < n_sel; i++) {
            size_t row = (size_t)runs[i] * E + e;
            float v = values[row * stride + offset];
            if (in->eval_seq[row] == seq0[e] && isfinite(v))
                ss += (v - m) * (v - m);
        }
        out->x[out->n] = log10((double)seq0[e]);
        out->mean[out->n] = m;
        out->sd[out->n] = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
        out->n++;
    }
cleanup:
    if (rc != 0)
        plot__curve_stats_free(out);
    return rc;
}

void plot__curve_stats_free(CurveStats *c)
{
    free(c->x);
    free(c->mean);
    free(c->sd);
    memset(c, 0, sizeof *c);
}

/* The band's lower edge: mean - sd, but not below 0 for a non-negative quantity (every curve
 * drawn here: losses, induction strength). */
static double band_low(const CurveStats *c, int i)
{
    double lo = c->mean[i] - c->sd[i];
    return c->mean[i] >= 0 && lo < 0 ? 0.0 : lo;
}

void plot__band_line(const CurveStats *c, int k)
{
    plot__band_line_style(c, k, 1, 1);
}

void plot__band_line_style(const CurveStats *c, int k, int style, int band)
{
    if (c->n < 1)
        return;
    PLFLT *px = malloc(sizeof(PLFLT) * 2 * (size_t)c->n);
    PLFLT *py = malloc(sizeof(PLFLT) * 2 * (size_t)c->n);
    if (px && py && c->n > 1 && band) {
        for (int i = 0; i < c->n; i++) {
            px[i] = c->x[i];
            py[i] = c->mean[i] + c->sd[i];
            px[2 * c->n - 1 - i] = c->x[i];
            py[2 * c->n - 1 - i] = band_low(c, i);
        }
        plcol0(PLOT__BAND0 + k % PLOT__N_LINES);
        plfill(2 * c->n, px, py);
    }
    free(px);
    free(py);
    plcol0(PLOT__LINE0 + k % PLOT__N_LINES);
    plwidth(2.5);
    pllsty(style);
    if (c->n > 1)
        plline(c->n, c->x, c->mean);
    else
        plpoin(1, c->x, c->mean, 4);
    pllsty(1);
    plwidth(1.0);
}

void plot__curve_range(const CurveStats *c, double *xlo, double *xhi, double *ylo, double *yhi)
{
    for (int i = 0; i < c->n; i++) {
        *xlo = fmin(*xlo, c->x[i]);
        *xhi = fmax(*xhi, c->x[i]);
        *ylo = fmin(*ylo, band_low(c, i));
        *yhi = fmax(*yhi, c->mean[i] + c->sd[i]);
    }
}

void plot__group_label(const AnalysisInput *in, const AnalysisGroups *g, int group, char *buf,
                       int size)
{
    int used = 0;
    buf[0] = '\0';
    if (g->n_keys == 0) {
        snprintf(buf, (size_t)size, "all runs");
        return;
    }
    int any = 0;
    for (int j = 0; j < g->n_keys; j++)
        any |= analysis_param_is_primary(in, g->keys[j]);
    for (int j = 0; j < g->n_keys && used < size; j++) {
        if (any && !analysis_param_is_primary(in, g->keys[j]))
            continue; /* moves with an axis that is shown */
        double v = in->params[(size_t)g->groups[group].first_run * in->n_params + g->keys[j]];
        int n = snprintf(buf + used, (size_t)(size - used), "%s%s = %g", used ? ", " : "",
                         analysis_param_label(in, g->keys[j]), v);
        if (n < 0)
            break;
        used += n;
    }
}

int plot__group_runs(const AnalysisInput *in, const AnalysisGroups *g, int k, int *runs)
{
    int n = 0;
    for (int r = 0; r < in->n_runs; r++)
        if (g->run_group[r] == k && in->status[r] == RUN_DONE)
            runs[n++] = r;
    return n;
}

static int same_keys(const AnalysisInput *in, const AnalysisGroups *g, int a, int b)
{
    for (int j = 0; j < g->n_keys; j++) {
        double va = in->params[(size_t)g->groups[a].first_run * in->n_params + g->keys[j]];
        double vb = in->params[(size_t)g->groups[b].first_run * in->n_params + g->keys[j]];
        if (!(va == vb || (isnan(va) && isnan(vb))))
            return 0;
    }
    return 1;
}

int plot__condition_groups(const AnalysisInput *in, const AnalysisGroups *g, int *cond_groups)
{
    int n = 0;
    for (int k = 0; k < g->n_groups; k++) {
        const char *cond = in->condition[g->groups[k].first_run];
        int c = n - 1;
        if (n == 0 || strcmp(in->condition[g->groups[cond_groups[c]].first_run], cond) != 0) {
            cond_groups[n++] = k; /* the condition's first group until a better one appears */
            continue;
        }
        if (!same_keys(in, g, cond_groups[c], 0) && same_keys(in, g, k, 0))
            cond_groups[c] = k;
    }
    return n;
}

void plot__grid(int n, int *nx, int *ny)
{
    int x = 1;
    while (x * x < n)
        x++;
    *nx = x;
    *ny = (n + x - 1) / x;
}

int plot_log(const char *name, int r, const PlotOptions *o, FILE *log)
{
    if (r == PLOT_SKIPPED)
        return 0;
    if (r < 0)
        return r;
    fprintf(log, "wrote");
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (o->formats & formats[i].format)
            fprintf(log, " %s/%s.%s", o->dir, name, formats[i].ext);
    fprintf(log, "\n");
    return 0;
}

static const char *const sweep_names[PLOT_N_SWEEP] = {"phase_change_map",   "loss_curves",
                                                      "induction_strength", "tstar_heatmap",
                                                      "clamp_comparison",   "essential_dynamics"};

const char *plot_sweep_name(int i)
{
    return i >= 0 && i < PLOT_N_SWEEP ? sweep_names[i] : "";
}

int plot_sweep(const AnalysisInput *in, const AnalysisGroups *g,
               const EssentialDynamics *const *eds, int n_settings, int i, const PlotOptions *o,
               FILE *log)
{
    int rc = 0, r = 0;
    char why[PLOT_WHY_SIZE] = "";
    switch (i) {
    case 0:
        r = plot_phase_map(in, o, why);
        break;
    case 1:
        r = plot_loss_curves(in, g, o, why);
        break;
    case 2:
        r = plot_induction_strength(in, g, o, why);
        break;
    case 3:
        r = plot_tstar_heatmap(in, o, why);
        break;
    case 4:
        r = plot_clamp_comparison(in, g, o, why);
        break;
    default:
        r = plot_essential_dynamics(in, g, eds, n_settings, o, why);
        break;
    }
    IH_TRY(r);
    if (r == PLOT_SKIPPED)
        fprintf(log, "skipped %s: %s\n", sweep_names[i], why);
    IH_TRY(plot_log(sweep_names[i], r, o, log));
cleanup:
    return rc;
}

int plot_all(const AnalysisInput *in, const AnalysisGroups *g, const EssentialDynamics *const *eds,
             int n_settings, const PlotOptions *o, FILE *log)
{
    int rc = 0;
    for (int i = 0; i < PLOT_N_SWEEP; i++)
        IH_TRY(plot_sweep(in, g, eds, n_settings, i, o, log));
cleanup:
    return rc;
}
