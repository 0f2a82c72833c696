/* Writing one row (results_write_run) and resetting one (results_mark_pending).
 *
 * Both are independent raw-data writes into datasets that were created (or opened) collectively
 * and stay open, with early allocation and contiguous storage: no HDF5 metadata changes, so no
 * other rank takes part and a kill at any point leaves a readable file. The checksum and then the
 * status are written after the payload, so status != pending implies the row was fully written.
 */
#include "io/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Validates a row against the file before anything is written. */
static int check_row(const ResultsFile *f, int run, const RunResult *r)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    if (!f->writable)
        IH_FAIL(IH_EUSAGE, "results: the file was opened read-only");
    if (run < 0 || run >= l->n_runs)
        IH_FAIL(IH_EUSAGE, "results: run %d is outside 0..%d", run, l->n_runs - 1);
    if (r->max_evals != l->max_evals || r->n_evaluators != l->n_evaluators ||
        r->n_heads != l->n_heads || r->n_probe != l->n_probe || r->n_labels != l->n_labels)
        IH_FAIL(IH_EDATA,
                "results: run %d's result has dims (evals %d, evaluators %d, heads %d, probe %d, "
                "labels %d), the file (%d, %d, %d, %d, %d)",
                run, r->max_evals, r->n_evaluators, r->n_heads, r->n_probe, r->n_labels,
                l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels);
    if (r->status != RUN_DONE && r->status != RUN_DIVERGED && r->status != RUN_FAILED)
        IH_FAIL(IH_EDATA, "results: run %d has status %d; only finished runs are written", run,
                (int)r->status);
    if (r->n_evals < 0 || r->n_evals > r->max_evals)
        IH_FAIL(IH_EDATA, "results: run %d has n_evals %d outside 0..%d", run, r->n_evals,
                r->max_evals);
    /* n_evals is stored as the count of leading eval_seq >= 0: it must read back the same. */
    for (int i = 0; i < r->max_evals; i++)
        if ((r->eval_seq[i] >= 0) != (i < r->n_evals))
            IH_FAIL(IH_EDATA, "results: run %d has eval_seq[%d] = %lld with n_evals %d", run, i,
                    (long long)r->eval_seq[i], r->n_evals);
    if (l->n_probe == 0) {
        /* No probe dataset: the unused buffer reads back as NaN and enters the checksum. */
        const float nan_value = NAN;
        for (size_t i = 0; i < (size_t)r->max_evals * (size_t)r->n_labels; i++)
            if (memcmp(&r->probe_logits[i], &nan_value, sizeof nan_value) != 0)
                IH_FAIL(IH_EDATA,
                        "results: run %d has probe_logits but the file has no probe "
                        "set (n_probe 0)",
                        run);
    }
cleanup:
    return rc;
}

static int write_marker(const ResultsFile *f, hid_t ds, hid_t mem, int run, const void *value)
{
    return results__rows_io(f, ds, RESULT_SHAPE_RUN, run, 1, mem, (void *)value, 1);
}

int results_write_run(ResultsFile *f, int run, const RunResult *r)
{
    int rc = 0;
    IH_TRY(check_row(f, run, r));
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        if (f->row[i] < 0)
            continue;
        IH_TRY(results__rows_io(f, f->row[i], rf->shape, run, 1, results__h5_type(rf->mem_type, 0),
                                results__field_ptr(rf, r), 1));
    }
    for (int e = 0; e < f->layout.n_evaluators; e++)
        for (int m = 0; m < METRIC_COUNT; m++)
            IH_TRY(results__rows_io(f, f->metric[e * METRIC_COUNT + m], RESULT_SHAPE_EVAL, run, 1,
                                    H5T_NATIVE_FLOAT,
                                    (void *)run_result_metric_const(r, e, (Metric)m), 1));
    uint64_t checksum = results_row_checksum(f, run, r);
    int8_t status = (int8_t)r->status;
    IH_TRY(write_marker(f, f->checksum, H5T_NATIVE_UINT64, run, &checksum));
    IH_TRY(write_marker(f, f->status, H5T_NATIVE_INT8, run, &status));
cleanup:
    return rc;
}

int results_mark_pending(ResultsFile *f, int run)
{
    int rc = 0;
    const uint64_t checksum = 0;
    const int8_t status = RUN_PENDING;
    if (!f->writable)
        IH_FAIL(IH_EUSAGE, "results: the file was opened read-only");
    if (run < 0 || run >= f->layout.n_runs)
        IH_FAIL(IH_EUSAGE, "results: run %d is outside 0..%d", run, f->layout.n_runs - 1);
    IH_TRY(write_marker(f, f->status, H5T_NATIVE_INT8, run, &status));
    IH_TRY(write_marker(f, f->checksum, H5T_NATIVE_UINT64, run, &checksum));
cleanup:
    return rc;
}

int results_write_resolved_config(ResultsFile *f, int run, const char *text)
{
    int rc = 0;
    hid_t type = H5I_INVALID_HID;
    char *buf = NULL;
    if (!f->writable)
        IH_FAIL(IH_EUSAGE, "results: the file was opened read-only");
    if (run < 0 || run >= f->layout.n_runs)
        IH_FAIL(IH_EUSAGE, "results: run %d is outside 0..%d", run, f->layout.n_runs - 1);
    if (f->resolved < 0)
        goto cleanup; /* a file of schema 1 has no resolved configs */
    if (strlen(text) + 1 > f->resolved_width)
        IH_FAIL(IH_EDATA,
                "results: run %d's resolved config (%zu bytes) does not fit the file's "
                "%zu",
                run, strlen(text) + 1, f->resolved_width);
    IH_ALLOC(buf, f->resolved_width);
    if (strcmp(text, f->layout.configs[run]) != 0) /* else "": the same as runs/config */
        memcpy(buf, text, strlen(text));
    RESULTS_H5(type = H5Dget_type(f->resolved), "results: cannot get a dataset's type");
    IH_TRY(results__rows_io(f, f->resolved, RESULT_SHAPE_RUN, run, 1, type, buf, 1));
cleanup:
    if (type >= 0)
        H5Tclose(type);
    free(buf);
    return rc;
}

int results_write_selection(ResultsFile *f, const unsigned char *sel)
{
    int rc = 0;
    int8_t *column = NULL;
    if (!f->writable)
        IH_FAIL(IH_EUSAGE, "results: the file was opened read-only");
    if (f->selected < 0)
        goto cleanup; /* a file of schema 1 */
    IH_ALLOC(column, f->layout.n_runs);
    for (int r = 0; r < f->layout.n_runs; r++)
        column[r] = (int8_t)(!sel || sel[r]);
    IH_TRY(results__rows_io(f, f->selected, RESULT_SHAPE_RUN, 0, f->layout.n_runs, H5T_NATIVE_INT8,
                            column, 1));
cleanup:
    free(column);
    return rc;
}

int results_restore_config(ResultsFile *f, int run, const char *config)
{
    int rc = 0;
    hid_t ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    char *buf = NULL, *copy = NULL;
    if (!f->writable)
        IH_FAIL(IH_EUSAGE, "results: the file was opened read-only");
    if (run < 0 || run >= f->layout.n_runs)
        IH_FAIL(IH_EUSAGE, "results: run %d is outside 0..%d", run, f->layout.n_runs - 1);
    RESULTS_H5(ftype = H5Dget_type(f->config), "results: cannot get runs/config's type");
    size_t width = H5Tget_size(ftype), len = strlen(config);
    if (len >= width)
        IH_FAIL(IH_EDATA, "results: run %d's config (%zu bytes) does not fit runs/config (%zu)",
                run, len, width);
    IH_ALLOC(buf, width);
    IH_ALLOC(copy, len + 1);
    memcpy(buf, config, len);
    memcpy(copy, config, len);
    RESULTS_H5(mtype = H5Tcopy(H5T_C_S1), "results: cannot make a string type");
    RESULTS_H5(H5Tset_size(mtype, width), "results: cannot make a string type");
    RESULTS_H5(H5Tset_strpad(mtype, H5T_STR_NULLTERM), "results: cannot make a string type");
    RESULTS_H5(H5Tset_cset(mtype, H5Tget_cset(ftype)), "results: cannot make a string type");
    if (f->rank == 0)
        IH_TRY(results__rows_io(f, f->config, RESULT_SHAPE_RUN, run, 1, mtype, buf, 1));
    free(f->layout.configs[run]);
    f->layout.configs[run] = copy;
    copy = NULL;
cleanup:
    if (mtype >= 0)
        H5Tclose(mtype);
    if (ftype >= 0)
        H5Tclose(ftype);
    free(buf);
    free(copy);
    return rc;
}
