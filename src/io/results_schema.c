/* The results file's row datasets as one table, plus the shape/type helpers and the row I/O that
 * every other results_*.c file uses. Knows nothing of file creation or layouts' contents.
 */
#include "io/internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_FIELD(path, ftype, mtype, shape, fill, member)                                       \
    {                                                                                              \
        path, RESULTS__##ftype, RESULTS__##mtype, RESULTS__SHAPE_##shape, fill,                    \
            offsetof(RunResult, member), 1                                                         \
    }
#define VALUE_FIELD(path, ftype, mtype, fill, member)                                              \
    {                                                                                              \
        path, RESULTS__##ftype, RESULTS__##mtype, RESULTS__SHAPE_RUN, fill,                        \
            offsetof(RunResult, member), 0                                                         \
    }

const ResultsRowField results__row_fields[RESULTS__N_ROW] = {
    ARRAY_FIELD("curves/eval_seq", I64, I64, EVAL, -1, eval_seq),
    ARRAY_FIELD("curves/train_loss", F32, F32, EVAL, NAN, train_loss),
    ARRAY_FIELD("curves/grad_norm", F32, F32, EVAL, NAN, grad_norm),
    ARRAY_FIELD("curves/induction_strength", F32, F32, EVAL_HEAD, NAN, induction_strength),
    ARRAY_FIELD("curves/prev_token_score", F32, F32, EVAL_HEAD, NAN, prev_token_score),
    ARRAY_FIELD("curves/probe_logits", F32, F32, EVAL_PROBE_LABEL, NAN, probe_logits),
    VALUE_FIELD("runs/diverged_seq", I64, I64, -1, diverged_seq),
    VALUE_FIELD("runs/strongest_ih", I32, INT, -1, strongest_ih),
    VALUE_FIELD("runs/pt_head", I32, INT, -1, pt_head),
    VALUE_FIELD("runs/wall_seconds", F64, F64, NAN, wall_seconds),
    VALUE_FIELD("summary/t_star", F64, F64, NAN, timing.t_star),
    VALUE_FIELD("summary/t_09", F64, F64, NAN, timing.t_09),
    VALUE_FIELD("summary/t_05", F64, F64, NAN, timing.t_05),
    VALUE_FIELD("summary/t_steepest", F64, F64, NAN, timing.t_steepest),
    VALUE_FIELD("summary/crossed", I8, INT, -1, timing.crossed),
    ARRAY_FIELD("curves/loss_no_l0_direct", F32, F32, EVAL, NAN, loss_no_l0_direct),
    ARRAY_FIELD("curves/loss_no_last_layer", F32, F32, EVAL, NAN, loss_no_last_layer),
    ARRAY_FIELD("curves/loss_pt_attn_clamp", F32, F32, EVAL, NAN, loss_pt_attn_clamp),
    ARRAY_FIELD("curves/loss_match_clamp", F32, F32, EVAL, NAN, loss_match_clamp),
    ARRAY_FIELD("posthoc/only_head_acc", F32, F32, HEAD, NAN, only_head_acc),
    ARRAY_FIELD("posthoc/only_head_loss", F32, F32, HEAD, NAN, only_head_loss),
    ARRAY_FIELD("posthoc/remove_head_acc", F32, F32, HEAD, NAN, remove_head_acc),
    ARRAY_FIELD("posthoc/remove_head_loss", F32, F32, HEAD, NAN, remove_head_loss),
    ARRAY_FIELD("posthoc/composition_q", F32, F32, SRC_HEAD_HEAD, NAN, composition_q),
    ARRAY_FIELD("posthoc/composition_k", F32, F32, SRC_HEAD_HEAD, NAN, composition_k),
    ARRAY_FIELD("posthoc/composition_v", F32, F32, SRC_HEAD_HEAD, NAN, composition_v),
    ARRAY_FIELD("posthoc/wiring_remove_pp_acc", F32, F32, SRC_HEAD_HEAD, NAN, wiring_remove_pp_acc),
    ARRAY_FIELD("posthoc/wiring_remove_pv_acc", F32, F32, SRC_HEAD_HEAD, NAN, wiring_remove_pv_acc),
    ARRAY_FIELD("posthoc/wiring_only_pp_acc", F32, F32, SRC_HEAD_HEAD, NAN, wiring_only_pp_acc),
    ARRAY_FIELD("posthoc/wiring_only_pv_acc", F32, F32, SRC_HEAD_HEAD, NAN, wiring_only_pv_acc),
};

_Static_assert(RESULTS__PROBE_ROW == 5, "probe_logits is row field 5");

const char *const results__dim_names[RESULTS__N_DIMS] = {"run", "eval", "head", "probe", "label",
                                                            "src_head"};

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

int results__row_dims(const ResultsLayout *l, ResultsShape s, hsize_t *dims)
{
    dims[0] = 1;
    dims[1] = (hsize_t)l->max_evals;
    switch (s) {
    case RESULTS__SHAPE_RUN:
        return 1;
    case RESULTS__SHAPE_EVAL:
        return 2;
    case RESULTS__SHAPE_EVAL_HEAD:
        dims[2] = (hsize_t)l->n_heads;
        return 3;
    case RESULTS__SHAPE_EVAL_PROBE_LABEL:
        dims[2] = (hsize_t)l->n_probe;
        dims[3] = (hsize_t)l->n_labels;
        return 4;
    case RESULTS__SHAPE_HEAD:
        dims[1] = (hsize_t)l->n_heads;
        return 2;
    case RESULTS__SHAPE_SRC_HEAD_HEAD:
        dims[1] = (hsize_t)l->n_heads;
        dims[2] = (hsize_t)l->n_heads;
        return 3;
    case RESULTS__N_SHAPES:
        break;
    }
    return 1;
}

int results__rows_io(const ResultsFile *f, hid_t ds, ResultsShape s, int run, int n_rows, hid_t mem,
                     void *buf, int write)
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
