/* The results file's row datasets (from result.h's field tables), plus the shape/type helpers and
 * the row I/O that every other results_*.c file uses. Knows nothing of file creation or layouts'
 * contents.
 */
#include "io/internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define ROW_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                           \
    {group "/" #name,           since, RESULTS__##ft, RESULTS__##mt, shape, fill,                  \
     offsetof(RunResult, name), 1,     units,         desc},
#define ROW_VALUE_(name, since, mt, ft, shape, fill, group, units, desc)                           \
    {group "/" #name,           since, RESULTS__##ft, RESULTS__##mt, shape, fill,                  \
     offsetof(RunResult, name), 0,     units,         desc},
#define ROW_TIMING_(name, since, mt, ft, shape, fill, group, units, desc)                          \
    {group "/" #name,                                                                              \
     since,                                                                                        \
     RESULTS__##ft,                                                                                \
     RESULTS__##mt,                                                                                \
     shape,                                                                                        \
     fill,                                                                                         \
     offsetof(RunResult, timing) + offsetof(PhaseTiming, name),                                    \
     0,                                                                                            \
     units,                                                                                        \
     desc},

/* From result.h's tables; the metric curves (one dataset per evaluator and metric) and the two
 * markers have their own code. */
const ResultsRowField results__row_fields[] = {
    RUN_RESULT_EVAL_AXIS(ROW_ARRAY_) RUN_RESULT_CURVES(ROW_ARRAY_) RUN_RESULT_POSTHOC(ROW_ARRAY_)
        RUN_RESULT_TIMING(ROW_TIMING_) RUN_RESULT_VALUES(ROW_VALUE_)
            RUN_RESULT_UNCHECKED(ROW_VALUE_)};

_Static_assert(sizeof results__row_fields / sizeof *results__row_fields == RESULTS__N_ROW,
               "RESULTS__N_ROW counts the row fields");

const char *const results__dim_names[RESULTS__N_DIMS] = {"run",   "eval",  "head",
                                                         "probe", "label", "src_head"};

hid_t results__h5_type(ResultsType t, int in_file)
{
    switch (t) {
    case RESULTS__I8:
        return in_file ? H5T_STD_I8LE : H5T_NATIVE_INT8;
    case RESULTS__I32:
        return in_file ? H5T_STD_I32LE : H5T_NATIVE_INT32;
    case RESULTS__I64:
        return in_file ? H5T_STD_I64LE : H5T_NATIVE_INT64;
    case RESULTS__U64:
        return in_file ? H5T_STD_U64LE : H5T_NATIVE_UINT64;
    case RESULTS__F32:
        return in_file ? H5T_IEEE_F32LE : H5T_NATIVE_FLOAT;
    case RESULTS__F64:
        return in_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
    case RESULTS__INT:
        return H5T_NATIVE_INT;
    }
    return H5I_INVALID_HID;
}

void results__value_as(ResultsType t, double value, void *buf)
{
    switch (t) {
    case RESULTS__I8:
        *(int8_t *)buf = (int8_t)value;
        break;
    case RESULTS__I32:
        *(int32_t *)buf = (int32_t)value;
        break;
    case RESULTS__I64:
        *(int64_t *)buf = (int64_t)value;
        break;
    case RESULTS__U64:
        *(uint64_t *)buf = (uint64_t)value;
        break;
    case RESULTS__F32:
        *(float *)buf = (float)value;
        break;
    case RESULTS__F64:
        *(double *)buf = value;
        break;
    case RESULTS__INT:
        *(int *)buf = (int)value;
        break;
    }
}

int results__row_dims(const ResultsLayout *l, RunResultShape s, hsize_t *dims)
{
    dims[0] = 1;
    dims[1] = (hsize_t)l->max_evals;
    switch (s) {
    case RESULT_SHAPE_RUN:
        return 1;
    case RESULT_SHAPE_EVAL:
        return 2;
    case RESULT_SHAPE_EVAL_HEAD:
        dims[2] = (hsize_t)l->n_heads;
        return 3;
    case RESULT_SHAPE_EVAL_PROBE_LABEL:
        dims[2] = (hsize_t)l->n_probe;
        dims[3] = (hsize_t)l->n_labels;
        return 4;
    case RESULT_SHAPE_HEAD:
        dims[1] = (hsize_t)l->n_heads;
        return 2;
    case RESULT_SHAPE_SRC_HEAD_HEAD:
        dims[1] = (hsize_t)l->n_heads;
        dims[2] = (hsize_t)l->n_heads;
        return 3;
    case RESULT_SHAPE_EVALUATOR_METRIC_EVAL: /* stored as one [run, eval] dataset per curve */
    case RESULT_N_SHAPES:
        break;
    }
    return 1;
}

int results__rows_io(const ResultsFile *f, hid_t ds, RunResultShape s, int run, int n_rows,
                     hid_t mem, void *buf, int write)
{
    int rc = 0;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    hsize_t start[4] = {(hsize_t)run, 0, 0, 0}, count[4];
    int rank = results__row_dims(&f->layout, s, count);
    count[0] = (hsize_t)n_rows;
    RESULTS_H5(fspace = H5Dget_space(ds), "results: cannot get a dataspace");
    RESULTS_H5(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL),
               "results: cannot select rows %d..%d", run, run + n_rows - 1);
    RESULTS_H5(mspace = H5Screate_simple(rank, count, NULL), "results: cannot make a dataspace");
    if (write)
        RESULTS_H5(H5Dwrite(ds, mem, mspace, fspace, H5P_DEFAULT, buf),
                   "results: writing rows %d..%d failed", run, run + n_rows - 1);
    else
        RESULTS_H5(H5Dread(ds, mem, mspace, fspace, H5P_DEFAULT, buf),
                   "results: reading rows %d..%d failed", run, run + n_rows - 1);
cleanup:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}

void *results__field_ptr(const ResultsRowField *field, const RunResult *r)
{
    char *base = (char *)r + field->offset;
    return field->is_array ? *(void **)base : (void *)base;
}
