/* Text output of the timing analysis: aligned tables for the terminal and CSV files. Censored
 * medians print as ">T" (not reached by T sequences); means and sds are over crossed runs only.
 * Formats what groups.c and regression.c computed; computes nothing itself. */
#include "ihsweep/analysis.h"

#include "ihsweep/error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { CELL = 48, MAX_COLS = 32 };

/* A table of short text cells, printed with each column padded to its widest cell. */
typedef struct {
    int n_cols;
    int n_rows;
    int cap_rows;
    char (*cells)[MAX_COLS][CELL];
} TextTable;

static int table_row(TextTable *t)
{
    if (t->n_rows == t->cap_rows) {
        int cap = t->cap_rows ? 2 * t->cap_rows : 16;
        void *p = realloc(t->cells, (size_t)cap * sizeof *t->cells);
        if (!p)
            return -1;
        t->cells = p;
        t->cap_rows = cap;
    }
    memset(t->cells[t->n_rows], 0, sizeof *t->cells);
    return t->n_rows++;
}

static void cell(TextTable *t, int row, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cell(TextTable *t, int row, int col, const char *fmt, ...)
{
    if (row < 0 || col >= MAX_COLS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->cells[row][col], CELL, fmt, ap);
    va_end(ap);
    if (col + 1 > t->n_cols)
        t->n_cols = col + 1;
}

static void table_print(FILE *out, const TextTable *t)
{
    int width[MAX_COLS] = {0};
    for (int r = 0; r < t->n_rows; r++)
        for (int c = 0; c < t->n_cols; c++) {
            int w = (int)strlen(t->cells[r][c]);
            if (w > width[c])
                width[c] = w;
        }
    for (int r = 0; r < t->n_rows; r++) {
        for (int c = 0; c < t->n_cols; c++)
            fprintf(out, c == 0 ? "%-*s" : "  %*s", width[c], t->cells[r][c]);
        fputc('\n', out);
        if (r == 0) {
            int total = 0;
            for (int c = 0; c < t->n_cols; c++)
                total += width[c] + (c ? 2 : 0);
            for (int i = 0; i < total; i++)
                fputc('-', out);
            fputc('\n', out);
        }
    }
}

static void num(TextTable *t, int row, int col, const char *fmt, double v)
{
    if (isfinite(v))
        cell(t, row, col, fmt, v);
    else
        cell(t, row, col, "-");
}

static double key_value(const AnalysisInput *in, int run, int p)
{
    return in->params[(size_t)run * in->n_params + p];
}

/* Value of grouping key k in group a. */
static double group_key(const AnalysisInput *in, const AnalysisGroups *g, int a, int k)
{
    return key_value(in, g->groups[a].first_run, g->keys[k]);
}

/* shown[j] for the first n keys: every labelled (primary) key gets a column, and an unlabelled
 * one does when it tells apart groups that the columns before it and the labelled keys cannot
 * (e.g. the number of labels of a zipped data-variant axis labelled K, where K = 50 occurs with
 * L = 5, 10 and 15); without labelled keys, every key. */
static void keys_shown(const AnalysisInput *in, const AnalysisGroups *g, int n, unsigned char *shown)
{
    int any = 0;
    for (int k = 0; k < n; k++)
        any |= analysis_param_is_primary(in, g->keys[k]);
    for (int j = 0; j < n; j++) {
        shown[j] = (unsigned char)(!any || analysis_param_is_primary(in, g->keys[j]));
        for (int a = 0; a < g->n_groups && !shown[j]; a++)
            for (int b = a + 1; b < g->n_groups && !shown[j]; b++) {
                int same = strcmp(in->condition[g->groups[a].first_run],
                                  in->condition[g->groups[b].first_run]) == 0 &&
                           group_key(in, g, a, j) != group_key(in, g, b, j);
                for (int k = 0; k < n && same; k++)
                    if (k != j && (k < j ? shown[k] : analysis_param_is_primary(in, g->keys[k])))
                        same = group_key(in, g, a, k) == group_key(in, g, b, k);
                shown[j] = (unsigned char)same;
            }
    }
}

/* A time in sequences, short: "320k", "1.2M". */
static void short_time(char *buf, size_t size, double v)
{
    if (!isfinite(v))
        snprintf(buf, size, "-");
    else if (fabs(v) >= 1e6)
        snprintf(buf, size, "%.3gM", v / 1e6);
    else if (fabs(v) >= 1e3)
        snprintf(buf, size, "%.3gk", v / 1e3);
    else
        snprintf(buf, size, "%.0f", v);
}

void analysis_format_median(const KmMedian *km, char *buf, size_t size)
{
    char a[24];
    if (km->n == 0) {
        snprintf(buf, size, "-");
    } else if (isnan(km->median)) {
        short_time(a, sizeof a, km->t_max);
        snprintf(buf, size, ">%s", a);
    } else {
        short_time(buf, size, km->median);
    }
}

void analysis_format_interval(const KmMedian *km, char *buf, size_t size)
{
    char a[24], b[24];
    if (isnan(km->ci_lo)) {
        snprintf(buf, size, "-");
        return;
    }
    short_time(a, sizeof a, km->ci_lo);
    if (isnan(km->ci_hi)) {
        short_time(b, sizeof b, km->t_max);
        snprintf(buf, size, "[%s, >%s]", a, b);
    } else {
        short_time(b, sizeof b, km->ci_hi);
        snprintf(buf, size, "[%s, %s]", a, b);
    }
}

void analysis_print_table(FILE *out, const AnalysisInput *in, const AnalysisGroups *g)
{
    TextTable t = {0};
    int h = table_row(&t);
    if (h < 0) {
        fprintf(out, "(out of memory formatting the table)\n");
        return;
    }
    unsigned char shown[MAX_COLS - 12];
    const int n_shown = g->n_keys < MAX_COLS - 12 ? g->n_keys : MAX_COLS - 12;
    keys_shown(in, g, n_shown, shown);
    int c = 0;
    cell(&t, h, c++, "condition");
    for (int j = 0; j < n_shown; j++)
        if (shown[j])
            cell(&t, h, c++, "%s", analysis_param_label(in, g->keys[j]));
    int c0 = c;
    const char *heads[] = {"runs",        "done",         "crossed",        "div+fail",
                           "t* median",   "95% interval", "mean (crossed)", "sd (crossed)",
                           "t0.9 median", "t0.5 median",  "t_steep median"};
    for (int i = 0; i < 11; i++)
        cell(&t, h, c0 + i, "%s", heads[i]);
    char buf[CELL];
    for (int k = 0; k < g->n_groups; k++) {
        const AnalysisGroup *gr = &g->groups[k];
        int r = table_row(&t);
        if (r < 0)
            break;
        c = 0;
        cell(&t, r, c++, "%s", in->condition[gr->first_run]);
        for (int j = 0; j < n_shown; j++)
            if (shown[j])
                cell(&t, r, c++, "%g", key_value(in, gr->first_run, g->keys[j]));
        cell(&t, r, c++, "%d", gr->n_runs);
        cell(&t, r, c++, "%d", gr->n_done);
        cell(&t, r, c++, "%d/%d", gr->n_done - gr->n_never_crossed, gr->n_done);
        cell(&t, r, c++, "%d", gr->n_diverged + gr->n_failed);
        analysis_format_median(&gr->km[ANALYSIS_T_STAR], buf, sizeof buf);
        cell(&t, r, c++, "%s", buf);
        analysis_format_interval(&gr->km[ANALYSIS_T_STAR], buf, sizeof buf);
        cell(&t, r, c++, "%s", buf);
        const SampleStats *s = &gr->time[ANALYSIS_T_STAR];
        short_time(buf, sizeof buf, s->mean);
        cell(&t, r, c++, "%s", buf);
        short_time(buf, sizeof buf, s->sd);
        cell(&t, r, c++, "%s", buf);
        for (int m = ANALYSIS_T_09; m <= ANALYSIS_T_STEEPEST; m++) {
            analysis_format_median(&gr->km[m], buf, sizeof buf);
            cell(&t, r, c++, "%s", buf);
        }
    }
    table_print(out, &t);
    if (g->n_pending > 0)
        fprintf(out, "(%d pending run%s skipped)\n", g->n_pending, g->n_pending == 1 ? "" : "s");
    free(t.cells);
}

void analysis_print_fits(FILE *out, const AnalysisInput *in, const AnalysisFit *fits, int n_fits)
{
    if (n_fits == 0) {
        fprintf(out, "no log-log fits (no swept positive data parameter with two values)\n");
        return;
    }
    TextTable t = {0};
    int h = table_row(&t);
    if (h < 0)
        return;
    const char *heads[] = {"condition", "parameter",          "runs",      "censored", "slope",
                           "slope se",  "slope 95% interval", "intercept", "sigma"};
    for (int i = 0; i < 9; i++)
        cell(&t, h, i, "%s", heads[i]);
    int n_unfit = 0;
    for (int k = 0; k < n_fits; k++) {
        const AnalysisFit *f = &fits[k];
        int r = table_row(&t);
        if (r < 0)
            break;
        cell(&t, r, 0, "%s", in->condition[f->first_run]);
        cell(&t, r, 1, "%s", analysis_param_label(in, f->param));
        cell(&t, r, 2, "%d", f->fit.n);
        cell(&t, r, 3, "%d", f->n_never_crossed);
        if (!f->fit.converged) {
            cell(&t, r, 4, "no fit*");
            n_unfit++;
            continue;
        }
        num(&t, r, 4, "%.3f", f->fit.slope);
        num(&t, r, 5, "%.3f", f->fit.slope_se);
        if (isfinite(f->fit.slope_ci_lo))
            cell(&t, r, 6, "[%.3f, %.3f]", f->fit.slope_ci_lo, f->fit.slope_ci_hi);
        else
            cell(&t, r, 6, "-");
        num(&t, r, 7, "%.3f", f->fit.intercept);
        num(&t, r, 8, "%.3f", f->fit.sigma);
    }
    fprintf(out, "ln t* = intercept + slope ln(parameter) + N(0, sigma^2), censored maximum "
                 "likelihood (Tobit): runs that did not cross count as t* > their last eval\n");
    table_print(out, &t);
    if (n_unfit > 0)
        fprintf(out, "* no fit: fewer than 2 crossed runs, or no finite slope (e.g. every run at "
                     "one value censored: the slope is only bounded)\n");
    free(t.cells);
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void csv_string(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* CSV number: shortest round-trip form; empty for NaN. */
static void csv_num(FILE *f, double v)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, "%.17g", v);
}

/* Closes f; -1 if any write or the close failed. */
static int close_csv(FILE *f)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return -1;
    return 0;
}

int analysis_write_csv(const char *path, const AnalysisInput *in, const AnalysisGroups *g)
{
    int rc = 0;
    FILE *f = fopen(path, "w");
    if (!f)
        IH_FAIL(IH_EIO, "cannot write %s: %s", path, strerror(errno));
    fputs("condition", f);
    for (int j = 0; j < g->n_keys; j++) {
        fputc(',', f);
        csv_string(f, analysis_param_label(in, g->keys[j]));
    }
    fputs(",n_runs,n_done,n_crossed,n_diverged,n_failed", f);
    for (int t = 0; t < ANALYSIS_N_TIMES; t++) {
        const char *nm = analysis_time_name((AnalysisTime)t);
        fprintf(f,
                ",%s_km_median,%s_km_ci_lo,%s_km_ci_hi,%s_max_observed,%s_n_event,"
                "%s_mean_event,%s_sd_event,%s_gm_ci_lo_event,%s_gm_ci_hi_event",
                nm, nm, nm, nm, nm, nm, nm, nm, nm);
    }
    fputc('\n', f);
    for (int k = 0; k < g->n_groups; k++) {
        const AnalysisGroup *gr = &g->groups[k];
        csv_string(f, in->condition[gr->first_run]);
        for (int j = 0; j < g->n_keys; j++)
            csv_num(f, key_value(in, gr->first_run, g->keys[j]));
        fprintf(f, ",%d,%d,%d,%d,%d", gr->n_runs, gr->n_done, gr->n_done - gr->n_never_crossed,
                gr->n_diverged, gr->n_failed);
        for (int t = 0; t < ANALYSIS_N_TIMES; t++) {
            const KmMedian *km = &gr->km[t];
            const SampleStats *s = &gr->time[t];
            csv_num(f, km->median);
            csv_num(f, km->ci_lo);
            csv_num(f, km->ci_hi);
            csv_num(f, km->t_max);
            fprintf(f, ",%d", s->n);
            csv_num(f, s->mean);
            csv_num(f, s->sd);
            csv_num(f, s->ci_lo);
            csv_num(f, s->ci_hi);
        }
        fputc('\n', f);
    }
    if (close_csv(f) != 0) {
        f = NULL;
        IH_FAIL(IH_EIO, "error writing %s", path);
    }
    f = NULL;
cleanup:
    if (f)
        fclose(f);
    return rc;
}

int analysis_write_fits_csv(const char *path, const AnalysisInput *in, const AnalysisFit *fits,
                            int n_fits)
{
    int rc = 0;
    FILE *f = fopen(path, "w");
    if (!f)
        IH_FAIL(IH_EIO, "cannot write %s: %s", path, strerror(errno));
    fputs("condition,parameter,n,n_censored,converged,slope,slope_se,slope_ci_lo,slope_ci_hi,"
          "intercept,sigma\n",
          f);
    for (int k = 0; k < n_fits; k++) {
        const AnalysisFit *x = &fits[k];
        csv_string(f, in->condition[x->first_run]);
        fputc(',', f);
        csv_string(f, analysis_param_label(in, x->param));
        fprintf(f, ",%d,%d,%d", x->fit.n, x->n_never_crossed, x->fit.converged);
        csv_num(f, x->fit.slope);
        csv_num(f, x->fit.slope_se);
        csv_num(f, x->fit.slope_ci_lo);
        csv_num(f, x->fit.slope_ci_hi);
        csv_num(f, x->fit.intercept);
        csv_num(f, x->fit.sigma);
        fputc('\n', f);
    }
    if (close_csv(f) != 0) {
        f = NULL;
        IH_FAIL(IH_EIO, "error writing %s", path);
    }
    f = NULL;
cleanup:
    if (f)
        fclose(f);
    return rc;
}
