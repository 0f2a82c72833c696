/* analysis_export: a results file as a tidy table for pandas, R and scripts. One row per run
 * (status, condition, stage, parameters, seeds, t* with its censoring, final metrics, bound
 * heads) or, with curves, one row per (run, eval). CSV (a header line, empty cells for missing
 * values: pandas.read_csv reads it with no options) or JSON (an array of objects, null for
 * missing values). Reads through io/; writes only to the given stream.
 *
 * Censoring: a run that never crossed 0.4 ln 2 has t_star empty, crossed 0 and t_censor = its
 * last evaluated sequence count (files of schema 1 stored the run length in t_star instead).
 */
#include "analysis/export_internal.h"

#include "ihsweep/analysis.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/json_out.h"
#include "ihsweep/suggest.h"
#include "ihsweep/sweep_plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A curve chosen with --curves: its column name and where its values are in the RunResult. */
typedef struct {
    char label[160];
    const float *values; /* [max_evals] of the reused RunResult */
} Curve;

typedef struct {
    const AnalysisExportOptions *o;
    FILE *out;
    ExportColumns *columns;            /* ANALYSIS_EXPORT_NC: the rows gathered */
    int n_rows;                        /* rows written so far */
    const char *field[64], *value[64]; /* --where, split at '=' (pointing into where_text) */
    char *where_text;
} Writer;

static Cell *add(Row *row, const char *name, int type)
{
    Cell *c = &row->c[row->n < MAX_CELLS - 1 ? row->n++ : row->n];
    c->name = name;
    c->kind = CELL_NULL;
    c->type = type;
    return c;
}

static void add_string(Row *row, const char *name, const char *s)
{
    Cell *c = add(row, name, CELL_TYPE_STRING);
    c->kind = CELL_STRING;
    c->str = s;
}

/* Adds a number with that many significant digits; NaN is missing. */
static void add_number(Row *row, const char *name, double v, int digits)
{
    Cell *c = add(row, name, CELL_TYPE_F64);
    if (isnan(v) || isinf(v))
        return;
    c->kind = CELL_NUMBER;
    snprintf(c->num, sizeof c->num, "%.*g", digits, v);
}

/* Adds an integer; a negative one is missing when none_below_zero (the -1 "none" of fields). */
static void add_int(Row *row, const char *name, long long v, int none_below_zero)
{
    Cell *c = add(row, name, CELL_TYPE_I64);
    if (none_below_zero && v < 0)
        return;
    c->kind = CELL_NUMBER;
    snprintf(c->num, sizeof c->num, "%lld", v);
}

static void csv_string(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r") && s[0] != ' ' && s[0]) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static int emit(Writer *w, const Row *row)
{
    FILE *out = w->out;
    if (w->o->format == ANALYSIS_EXPORT_NC) {
        int rc = analysis__columns_add(&w->columns, row);
        w->n_rows += rc == 0;
        return rc;
    }
    if (w->o->format == ANALYSIS_EXPORT_CSV) {
        if (w->n_rows == 0) {
            for (int i = 0; i < row->n; i++) {
                fputs(i ? "," : "", out);
                csv_string(out, row->c[i].name);
            }
            fputc('\n', out);
        }
        for (int i = 0; i < row->n; i++) {
            const Cell *c = &row->c[i];
            fputs(i ? "," : "", out);
            if (c->kind == CELL_NUMBER)
                fputs(c->num, out);
            else if (c->kind == CELL_STRING)
                csv_string(out, c->str);
        }
        fputc('\n', out);
    } else {
        fputs(w->n_rows ? ",\n  {" : "[\n  {", out);
        for (int i = 0; i < row->n; i++) {
            const Cell *c = &row->c[i];
            fputs(i ? ", " : "", out);
            ih_json_string(out, c->name);
            fputs(": ", out);
            if (c->kind == CELL_NUMBER)
                fputs(c->num, out);
            else if (c->kind == CELL_STRING)
                ih_json_string(out, c->str);
            else
                fputs("null", out);
        }
        fputc('}', out);
    }
    w->n_rows++;
    return 0;
}

/* 1 when row passes every --where; IH_EUSAGE when a field is no column of the row. */
static int matches(const Writer *w, const Row *row, int n_where, int *pass)
{
    int rc = 0;
    *pass = 1;
    for (int k = 0; k < n_where; k++) {
        const Cell *c = NULL;
        for (int i = 0; i < row->n && !c; i++)
            if (strcmp(row->c[i].name, w->field[k]) == 0)
                c = &row->c[i];
        if (!c) {
            const char *names[MAX_CELLS];
            for (int i = 0; i < row->n; i++)
                names[i] = row->c[i].name;
            const char *near = ih_suggest(w->field[k], names, row->n);
            IH_FAIL(IH_EUSAGE, "--where %s: no column %s%s%s%s", w->field[k], w->field[k],
                    near ? "; did you mean " : " (see the header of the CSV output)",
                    near ? near : "", near ? "?" : "");
        }
        const char *v = w->value[k];
        char *end = NULL;
        double want = strtod(v, &end);
        int ok;
        if (c->kind == CELL_NUMBER && end != v && !*end)
            ok = strtod(c->num, NULL) == want;
        else if (c->kind == CELL_STRING)
            ok = strcmp(c->str, v) == 0;
        else if (c->kind == CELL_NULL)
            ok = !v[0] || strcmp(v, "null") == 0 || strcmp(v, "nan") == 0;
        else
            ok = strcmp(c->num, v) == 0;
        if (!ok)
            *pass = 0;
    }
cleanup:
    return rc;
}

static const char *const status_names[] = {"pending", "done", "diverged", "failed"};

/* Column names of the final metrics: "<evaluator>_loss" and "<evaluator>_acc". */
typedef struct {
    char (*name)[2][96]; /* [n_evaluators] */
    char (*stage)[64];   /* [n_runs] stage names */
    int *param_int;      /* [n_params] 1: every run's value is an integer (an int64 column) */
} Names;

/* The per-run columns of run i (r holds its row; pending rows have only their metadata). */
static void run_row(ResultsFile *f, const RunResult *r, const Names *nm, int i,
                    const RunConfig *cfg, int cfg_ok, Row *row)
{
    const ResultsLayout *l = results_layout(f);
    int status = r->status >= 0 && r->status <= 3 ? (int)r->status : 0;
    int pending = status == RUN_PENDING;
    row->n = 0;
    add_int(row, "run", i, 0);
    add_string(row, "status", status_names[status]);
    add_string(row, "condition", l->conditions[i]);
    add_string(row, "stage", nm->stage[i]);
    for (int p = 0; p < l->n_params; p++) {
        const double v = l->param_values[(size_t)i * l->n_params + p];
        if (nm->param_int[p])
            add_int(row, results_param_name(f, p), (long long)v, 0);
        else
            add_number(row, results_param_name(f, p), v, 17);
    }
    static const char *const seed_cols[3] = {"init_seed", "train_seed", "eval_seed"};
    for (int s = 0; s < 3; s++) {
        int dup = 0;
        for (int p = 0; p < l->n_params; p++)
            dup |= strcmp(results_param_name(f, p), seed_cols[s]) == 0;
        if (dup)
            continue;
        const uint32_t v[3] = {cfg->init_seed, cfg->train_seed, cfg->eval_seed};
        add_int(row, seed_cols[s], cfg_ok ? (long long)v[s] : -1, 1);
    }
    int n = pending ? 0 : r->n_evals;
    double last = n > 0 ? (double)r->eval_seq[n - 1] : NAN;
    int crossed = pending ? -1 : r->timing.crossed;
    add_int(row, "n_evals", n, 0);
    add_number(row, "final_seq", last, 17);
    add_number(row, "t_star", crossed == 1 ? r->timing.t_star : NAN, 17);
    add_int(row, "crossed", crossed, 1);
    add_number(row, "t_censor", crossed == 0 ? last : NAN, 17);
    add_number(row, "t_09", pending ? NAN : r->timing.t_09, 17);
    add_number(row, "t_05", pending ? NAN : r->timing.t_05, 17);
    add_number(row, "t_steepest", pending ? NAN : r->timing.t_steepest, 17);
    add_number(row, "final_train_loss", n > 0 ? r->train_loss[n - 1] : NAN, 9);
    for (int e = 0; e < l->n_evaluators; e++) {
        const float *loss = run_result_metric_const(r, e, METRIC_LOSS);
        const float *acc = run_result_metric_const(r, e, METRIC_ACC);
        add_number(row, nm->name[e][0], n > 0 ? loss[n - 1] : NAN, 9);
        add_number(row, nm->name[e][1], n > 0 ? acc[n - 1] : NAN, 9);
    }
    add_int(row, "strongest_ih", pending ? -1 : r->strongest_ih, 1);
    add_int(row, "pt_head", pending ? -1 : r->pt_head, 1);
    add_int(row, "diverged_seq", pending ? -1 : r->diverged_seq, 1);
    add_number(row, "wall_seconds", pending ? NAN : r->wall_seconds, 6);
}

/* The stage names: from the sweep text stored in the file, else the stage numbers. */
static int stage_names(const ResultsLayout *l, Names *nm)
{
    int rc = 0;
    SweepPlan *plan = NULL;
    IH_ALLOC(nm->stage, l->n_runs);
    if (l->sweep_text && l->sweep_text[0] &&
        sweep_plan_parse(l->sweep_text, "stored sweep text", NULL, 0, &plan) == 0 &&
        plan->n_runs != l->n_runs)
        sweep_plan_destroy(&plan);
    ih_error_clear();
    for (int i = 0; i < l->n_runs; i++) {
        int s = l->stages[i];
        if (plan && s >= 0 && s < plan->n_stages)
            snprintf(nm->stage[i], sizeof nm->stage[i], "%s", plan->stage_names[s]);
        else
            snprintf(nm->stage[i], sizeof nm->stage[i], "%d", s);
    }
cleanup:
    sweep_plan_destroy(&plan);
    return rc;
}

/* Resolves one --curves name against r: "loss" (every evaluator's), "fsl_train/loss", or an
 * eval-shaped curve of the row ("train_loss", "loss_no_last_layer"). */
static int resolve_curve(const ResultsLayout *l, RunResult *r, const char *spec, Curve *out, int *n,
                         int max)
{
    int rc = 0, found = 0;
    const char *candidates[64];
    int n_cand = 0;
#define EXPORT_EVAL_CURVE_(fld, since, mt, ft, shape, fill, group, units, desc)                    \
    if (shape == RESULT_SHAPE_EVAL) {                                                              \
        candidates[n_cand++] = #fld;                                                               \
        if (strcmp(spec, #fld) == 0 && *n < max) {                                                 \
            snprintf(out[*n].label, sizeof out[*n].label, "%s", #fld);                             \
            out[(*n)++].values = (const float *)r->fld;                                            \
            found = 1;                                                                             \
        }                                                                                          \
    }
    RUN_RESULT_CURVES(EXPORT_EVAL_CURVE_)
#undef EXPORT_EVAL_CURVE_
    for (int m = 0; m < METRIC_COUNT; m++) {
        const char *metric = metric_name((Metric)m);
        candidates[n_cand++] = metric;
        for (int e = 0; e < l->n_evaluators; e++) {
            char full[160];
            snprintf(full, sizeof full, "%s/%s", l->evaluator_names[e], metric);
            if ((strcmp(spec, metric) == 0 || strcmp(spec, full) == 0) && *n < max) {
                snprintf(out[*n].label, sizeof out[*n].label, "%s_%s", l->evaluator_names[e],
                         metric);
                out[(*n)++].values = run_result_metric(r, e, (Metric)m);
                found = 1;
            }
        }
    }
    if (!found) {
        const char *near = ih_suggest(spec, candidates, n_cand);
        IH_FAIL(IH_EUSAGE,
                "--curves %s: no such curve%s%s%s (a metric like loss or acc, "
                "EVALUATOR/METRIC, or train_loss, grad_norm, loss_no_last_layer, ...)",
                spec, near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
    }
cleanup:
    return rc;
}

int analysis_export(ResultsFile *f, const AnalysisExportOptions *o, FILE *out)
{
    int rc = 0, n_curves = 0;
    const ResultsLayout *l = results_layout(f);
    Writer w = {.o = o, .out = out};
    Names nm = {0};
    RunResult *r = NULL;
    Row *row = NULL, *erow = NULL;
    Curve curves[64];
    RunConfig *cfg = NULL;
    if (o->n_where > 64)
        IH_FAIL(IH_EUSAGE, "at most 64 --where options");
    for (int k = 0; k < o->n_where; k++) {
        const char *eq = strchr(o->where[k], '=');
        if (!eq || eq == o->where[k])
            IH_FAIL(IH_EUSAGE, "--where %s: expected FIELD=VALUE (e.g. condition=match)",
                    o->where[k]);
    }
    size_t total = 1;
    for (int k = 0; k < o->n_where; k++)
        total += strlen(o->where[k]) + 1;
    IH_ALLOC(w.where_text, total);
    for (int k = 0, at = 0; k < o->n_where; k++) { /* "field\0value\0" per --where */
        char *copy = w.where_text + at, *eq;
        strcpy(copy, o->where[k]);
        at += (int)strlen(o->where[k]) + 1;
        eq = strchr(copy, '=');
        *eq = '\0';
        w.field[k] = copy;
        w.value[k] = eq + 1;
    }
    IH_TRY(
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &r));
    for (int k = 0; k < o->n_curves; k++)
        IH_TRY(resolve_curve(l, r, o->curves[k], curves, &n_curves, 64));
    IH_ALLOC(nm.name, l->n_evaluators);
    for (int e = 0; e < l->n_evaluators; e++) {
        snprintf(nm.name[e][0], sizeof nm.name[e][0], "%s_loss", l->evaluator_names[e]);
        snprintf(nm.name[e][1], sizeof nm.name[e][1], "%s_acc", l->evaluator_names[e]);
    }
    IH_TRY(stage_names(l, &nm));
    IH_ALLOC(nm.param_int, l->n_params > 0 ? l->n_params : 1);
    for (int p = 0; p < l->n_params; p++) { /* as the results file stores them */
        nm.param_int[p] = 1;
        for (int i = 0; i < l->n_runs; i++) {
            const double v = l->param_values[(size_t)i * l->n_params + p];
            nm.param_int[p] &= fabs(v) <= 9007199254740992.0 && v == floor(v);
        }
    }
    IH_ALLOC(row, 1);
    IH_ALLOC(erow, 1);
    IH_ALLOC(cfg, 1);
    for (int i = 0; i < l->n_runs; i++) {
        IH_TRY(results_read_run(f, i, r));
        char source[64];
        snprintf(source, sizeof source, "run %d's stored config", i);
        int cfg_ok = run_config_parse(l->configs[i], source, cfg) == 0;
        ih_error_clear();
        run_row(f, r, &nm, i, cfg, cfg_ok, row);
        int pass = 0;
        IH_TRY(matches(&w, row, o->n_where, &pass));
        if (!pass)
            continue;
        if (n_curves == 0) {
            IH_TRY(emit(&w, row));
            continue;
        }
        if (r->status == RUN_PENDING)
            continue;
        for (int e = 0; e < r->n_evals; e++) {
            *erow = *row;
            erow->n = 4 + l->n_params; /* run, status, condition, stage, parameters */
            add_int(erow, "eval", e, 0);
            add_int(erow, "seq", r->eval_seq[e], 0);
            for (int c = 0; c < n_curves; c++)
                add_number(erow, curves[c].label, curves[c].values[e], 9);
            IH_TRY(emit(&w, erow));
        }
    }
    if (o->format == ANALYSIS_EXPORT_NC) {
        char title[600];
        snprintf(title, sizeof title, "ihsweep export: %s",
                 n_curves ? "one row per (run, eval)" : "one row per run");
        IH_TRY(analysis__columns_write_nc(w.columns, o->nc_path, n_curves ? "row" : "run", title));
        goto cleanup;
    }
    if (o->format == ANALYSIS_EXPORT_JSON)
        fputs(w.n_rows ? "\n]\n" : "[]\n", out);
    if (fflush(out) != 0 || ferror(out))
        IH_FAIL(IH_EIO, "export: writing the output failed");
cleanup:
    run_result_destroy(&r);
    analysis__columns_free(&w.columns);
    free(nm.name);
    free(nm.stage);
    free(nm.param_int);
    free(row);
    free(erow);
    free(cfg);
    free(w.where_text);
    return rc;
}
