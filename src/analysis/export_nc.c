/* `ihsweep export --format nc`: the export's rows gathered into typed columns and handed to the
 * io layer's netCDF-4 table writer (results_table_file_write), with CF units and descriptions
 * taken from the result field tables (result.h) where a column is one of their fields. Makes no
 * HDF5 call of its own.
 */
#include "analysis/export_internal.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"
#include "ihsweep/results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ExportColumns {
    int n_cols, n_rows, cap;
    const char *name[MAX_CELLS]; /* borrowed from the first row */
    int type[MAX_CELLS];
    double *f64[MAX_CELLS];
    long long *i64[MAX_CELLS];
    const char **str[MAX_CELLS];
};

static int grow(ExportColumns *t)
{
    int rc = 0;
    int cap = t->cap ? 2 * t->cap : 64;
    for (int k = 0; k < t->n_cols; k++) {
        void *p;
        if (t->type[k] == CELL_TYPE_F64) {
            if (!(p = realloc(t->f64[k], (size_t)cap * sizeof *t->f64[k])))
                IH_FAIL(IH_ENOMEM, "export: out of memory");
            t->f64[k] = p;
        } else if (t->type[k] == CELL_TYPE_I64) {
            if (!(p = realloc(t->i64[k], (size_t)cap * sizeof *t->i64[k])))
                IH_FAIL(IH_ENOMEM, "export: out of memory");
            t->i64[k] = p;
        } else {
            if (!(p = realloc(t->str[k], (size_t)cap * sizeof *t->str[k])))
                IH_FAIL(IH_ENOMEM, "export: out of memory");
            t->str[k] = p;
        }
    }
    t->cap = cap;
cleanup:
    return rc;
}

int analysis__columns_add(ExportColumns **tp, const Row *row)
{
    int rc = 0;
    ExportColumns *t = *tp;
    if (!t) {
        IH_ALLOC(t, 1);
        *tp = t;
        t->n_cols = row->n;
        for (int k = 0; k < row->n; k++) {
            t->name[k] = row->c[k].name;
            t->type[k] = row->c[k].type;
        }
    }
    if (row->n != t->n_cols)
        IH_FAIL(IH_EINTERNAL, "export: a row of %d columns after rows of %d", row->n, t->n_cols);
    if (t->n_rows == t->cap)
        IH_TRY(grow(t));
    for (int k = 0; k < row->n; k++) {
        const Cell *c = &row->c[k];
        if (strcmp(c->name, t->name[k]) != 0 || c->type != t->type[k])
            IH_FAIL(IH_EINTERNAL, "export: column %s where %s was", c->name, t->name[k]);
        const int have = c->kind == CELL_NUMBER;
        if (t->type[k] == CELL_TYPE_F64)
            t->f64[k][t->n_rows] = have ? strtod(c->num, NULL) : NAN;
        else if (t->type[k] == CELL_TYPE_I64)
            t->i64[k][t->n_rows] = have ? strtoll(c->num, NULL, 10) : -1;
        else
            t->str[k][t->n_rows] = c->kind == CELL_STRING ? c->str : NULL;
    }
    t->n_rows++;
cleanup:
    return rc;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && s[n - m - 1] == '_' && strcmp(s + n - m, suffix) == 0;
}

/* Units and description of a column: a result-table field of that name, else by its form. */
static void column_meta(ResultsColumn *c)
{
#define EXPORT_META_(fld, since, mt, ft, shape, fill, group, unit, desc)                           \
    if (strcmp(c->name, #fld) == 0) {                                                              \
        c->units = unit;                                                                           \
        c->description = desc;                                                                     \
        return;                                                                                    \
    }
    RUN_RESULT_TIMING(EXPORT_META_)
    RUN_RESULT_VALUES(EXPORT_META_)
    RUN_RESULT_UNCHECKED(EXPORT_META_)
    RUN_RESULT_CURVES(EXPORT_META_)
#undef EXPORT_META_
    static const char *const sequences[] = {"seq", "final_seq"};
    for (int i = 0; i < 2; i++)
        if (strcmp(c->name, sequences[i]) == 0) {
            c->units = "sequences";
            c->description = i ? "sequences seen at the run's last eval" : "sequences seen";
            return;
        }
    if (strcmp(c->name, "run") == 0) {
        c->units = "1";
        c->description = "run id (the row of the results file)";
        return;
    }
    for (int m = 0; m < METRIC_COUNT; m++)
        if (ends_with(c->name, metric_name((Metric)m))) {
            c->units = m == METRIC_LOSS ? "nats" : "1";
            return;
        }
}

int analysis__columns_write_nc(const ExportColumns *t, const char *path, const char *dim,
                               const char *title)
{
    int rc = 0;
    ResultsColumn *cols = NULL;
    char(*long_names)[128] = NULL;
    const int n = t ? t->n_cols : 0;
    IH_ALLOC(cols, n > 0 ? n : 1);
    IH_ALLOC(long_names, n > 0 ? n : 1);
    for (int k = 0; k < n; k++) {
        ResultsColumn *c = &cols[k];
        memset(c, 0, sizeof *c);
        c->name = t->name[k];
        c->type = t->type[k] == CELL_TYPE_F64   ? RESULTS_COLUMN_F64
                  : t->type[k] == CELL_TYPE_I64 ? RESULTS_COLUMN_I64
                                                : RESULTS_COLUMN_STRING;
        c->f64 = t->f64[k];
        c->i64 = t->i64[k];
        c->str = t->str[k];
        c->fill_i64 = -1;
        snprintf(long_names[k], sizeof long_names[k], "%s", c->name);
        for (char *p = long_names[k]; *p; p++)
            *p = *p == '_' ? ' ' : *p;
        c->long_name = long_names[k];
        column_meta(c);
    }
    IH_TRY(results_table_file_write(path, dim, t ? t->n_rows : 0, cols, n, title));
cleanup:
    free(cols);
    free(long_names);
    return rc;
}

void analysis__columns_free(ExportColumns **tp)
{
    if (!tp || !*tp)
        return;
    ExportColumns *t = *tp;
    for (int k = 0; k < t->n_cols; k++) {
        free(t->f64[k]);
        free(t->i64[k]);
        free(t->str[k]);
    }
    free(t);
    *tp = NULL;
}
