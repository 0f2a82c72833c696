/* Reading rows back: one row into a RunResult, the status/checksum columns, and verifying a row
 * against its stored checksum. All independent reads; nothing here writes.
 */
#include "io/internal.h"

#include "ihsweep/hash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int results_read_run(ResultsFile *f, int run, RunResult *r)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    int8_t status = 0;
    if (run < 0 || run >= l->n_runs)
        IH_FAIL(IH_EUSAGE, "results: run %d is outside 0..%d", run, l->n_runs - 1);
    if (r->max_evals != l->max_evals || r->n_evaluators != l->n_evaluators ||
        r->n_heads != l->n_heads || r->n_probe != l->n_probe || r->n_labels != l->n_labels)
        IH_FAIL(IH_EDATA, "results: the RunResult's dims do not match the file's");
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        if (f->row[i] < 0)
            continue;
        IH_TRY(results__rows_io(f, f->row[i], rf->shape, run, 1, results__h5_type(rf->mem_type, 0),
                                results__field_ptr(rf, r), 0));
    }
    if (l->n_probe == 0)
        for (size_t i = 0; i < (size_t)l->max_evals * (size_t)l->n_labels; i++)
            r->probe_logits[i] = NAN;
    for (int e = 0; e < l->n_evaluators; e++)
        for (int m = 0; m < METRIC_COUNT; m++)
            IH_TRY(results__rows_io(f, f->metric[e * METRIC_COUNT + m], RESULT_SHAPE_EVAL, run, 1,
                                    H5T_NATIVE_FLOAT, run_result_metric(r, e, (Metric)m), 0));
    IH_TRY(results__rows_io(f, f->status, RESULT_SHAPE_RUN, run, 1, H5T_NATIVE_INT8, &status, 0));
    r->status = (RunStatus)status;
    r->n_evals = 0;
    while (r->n_evals < r->max_evals && r->eval_seq[r->n_evals] >= 0)
        r->n_evals++;
cleanup:
    return rc;
}

int results_read_status(ResultsFile *f, int8_t *status, uint64_t *checksum)
{
    int rc = 0;
    int n = f->layout.n_runs;
    IH_TRY(results__rows_io(f, f->status, RESULT_SHAPE_RUN, 0, n, H5T_NATIVE_INT8, status, 0));
    if (checksum)
        IH_TRY(results__rows_io(f, f->checksum, RESULT_SHAPE_RUN, 0, n, H5T_NATIVE_UINT64,
                                checksum, 0));
cleanup:
    return rc;
}

int results_verify_run(ResultsFile *f, int run, int *ok)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    RunResult *r = NULL;
    uint64_t stored = 0;
    *ok = 0;
    IH_TRY(
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &r));
    IH_TRY(results_read_run(f, run, r));
    IH_TRY(results__rows_io(f, f->checksum, RESULT_SHAPE_RUN, run, 1, H5T_NATIVE_UINT64, &stored,
                            0));
    *ok = r->status != RUN_PENDING && results_row_checksum(f, run, r) == stored;
cleanup:
    run_result_destroy(&r);
    return rc;
}

uint64_t results_row_checksum(const ResultsFile *f, int run, const RunResult *r)
{
    uint64_t h = run_result_checksum(r, f->schema_version);
    if (f->schema_version >= 2) { /* the row's stored config (length, then bytes) */
        const char *config = f->layout.configs[run];
        uint64_t len = strlen(config);
        h = ih_fnv1a(h, &len, sizeof len);
        h = ih_fnv1a(h, config, len);
    }
    return h;
}

int results_read_resolved_config(ResultsFile *f, int run, char **out)
{
    int rc = 0;
    hid_t type = H5I_INVALID_HID;
    char *buf = NULL;
    *out = NULL;
    if (run < 0 || run >= f->layout.n_runs)
        IH_FAIL(IH_EUSAGE, "results: run %d is outside 0..%d", run, f->layout.n_runs - 1);
    if (f->resolved >= 0) {
        IH_ALLOC(buf, f->resolved_width + 1);
        RESULTS_H5(type = H5Dget_type(f->resolved), "results: cannot get a dataset's type");
        IH_TRY(results__rows_io(f, f->resolved, RESULT_SHAPE_RUN, run, 1, type, buf, 0));
        buf[f->resolved_width] = '\0';
    }
    if (!buf || !buf[0]) { /* schema 1, or no heads bound: the planned config is the one */
        size_t n = strlen(f->layout.configs[run]) + 1;
        IH_ALLOC(*out, n);
        memcpy(*out, f->layout.configs[run], n);
        goto cleanup;
    }
    *out = buf;
    buf = NULL;
cleanup:
    if (type >= 0)
        H5Tclose(type);
    free(buf);
    return rc;
}

int results_read_selection(ResultsFile *f, unsigned char *sel)
{
    int rc = 0;
    int8_t *column = NULL;
    memset(sel, 1, (size_t)f->layout.n_runs);
    if (f->selected < 0)
        goto cleanup;
    IH_ALLOC(column, f->layout.n_runs);
    IH_TRY(results__rows_io(f, f->selected, RESULT_SHAPE_RUN, 0, f->layout.n_runs, H5T_NATIVE_INT8,
                            column, 0));
    for (int r = 0; r < f->layout.n_runs; r++)
        sel[r] = column[r] != 0;
cleanup:
    free(column);
    return rc;
}
