/* Whole-column and eval-range reads of the row datasets, for readers such as analysis that want
 * every run at once: the dataset is found through the row table (and the metric and marker
 * datasets) that results_open opened, never by a path of the caller's own. Independent reads;
 * nothing here writes.
 */
#include "io/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The open dataset called path and its shape. */
static int find_dataset(const ResultsFile *f, const char *path, hid_t *ds, RunResultShape *shape)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    char name[1024];
    *ds = H5I_INVALID_HID;
    for (int i = 0; i < RESULTS__N_ROW; i++)
        if (f->row[i] >= 0 && strcmp(path, results__row_fields[i].path) == 0) {
            *ds = f->row[i];
            *shape = results__row_fields[i].shape;
            goto cleanup;
        }
    *shape = RESULT_SHAPE_RUN;
    if (strcmp(path, "runs/status") == 0)
        *ds = f->status;
    else if (strcmp(path, "runs/checksum") == 0)
        *ds = f->checksum;
    for (int e = 0; *ds < 0 && e < l->n_evaluators; e++)
        for (int m = 0; *ds < 0 && m < METRIC_COUNT; m++) {
            snprintf(name, sizeof name, "curves/%s/%s", l->evaluator_names[e],
                     metric_name((Metric)m));
            if (strcmp(path, name) == 0) {
                *ds = f->metric[e * METRIC_COUNT + m];
                *shape = RESULT_SHAPE_EVAL;
            }
        }
    if (*ds < 0)
        IH_FAIL(IH_EUSAGE, "results: /%s is not a row dataset of this file", path);
cleanup:
    return rc;
}

/* A row field newer than the file (its `since` above the file's schema): the field's fill value
 * in every entry, converted to mem_type. 1 if path is such a field, 0 if not, < 0 on error. */
static int fill_newer(const ResultsFile *f, const char *path, hid_t mem_type, void *buf)
{
    int rc = 0;
    double *tmp = NULL;
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        if (strcmp(path, rf->path) != 0 || rf->since <= f->schema_version)
            continue;
        hsize_t dims[4];
        int rank = results__row_dims(&f->layout, rf->shape, dims);
        size_t count = (size_t)f->layout.n_runs, size = H5Tget_size(mem_type);
        for (int d = 1; d < rank; d++)
            count *= (size_t)dims[d];
        IH_ALLOC(tmp, (count ? count : 1) * (size > sizeof(double) ? size : sizeof(double)));
        for (size_t k = 0; k < count; k++)
            tmp[k] = (double)rf->fill;
        RESULTS_H5(H5Tconvert(H5T_NATIVE_DOUBLE, mem_type, count, tmp, NULL, H5P_DEFAULT),
                   "results: cannot convert the fill value of /%s", path);
        memcpy(buf, tmp, count * size);
        rc = 1;
        goto cleanup;
    }
cleanup:
    free(tmp);
    return rc;
}

int results_read_column(ResultsFile *f, const char *path, hid_t mem_type, void *buf)
{
    int rc = 0;
    hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
    RunResultShape shape;
    hsize_t want[4], have[4];
    rc = fill_newer(f, path, mem_type, buf);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    IH_TRY(find_dataset(f, path, &ds, &shape));
    int rank = results__row_dims(&f->layout, shape, want);
    want[0] = (hsize_t)f->layout.n_runs;
    RESULTS_H5(space = H5Dget_space(ds), "results: cannot read the shape of /%s", path);
    int same = H5Sget_simple_extent_ndims(space) == rank &&
               H5Sget_simple_extent_dims(space, have, NULL) == rank;
    for (int d = 0; same && d < rank; d++)
        same = have[d] == want[d];
    if (!same)
        IH_FAIL(IH_EDATA, "results: /%s does not have the shape the layout implies", path);
    RESULTS_H5(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf),
               "results: cannot read /%s", path);
cleanup:
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

int results_read_evals(ResultsFile *f, const char *path, int run, int e0, int ne, hid_t mem_type,
                       void *buf)
{
    int rc = 0;
    hid_t ds = H5I_INVALID_HID, fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    RunResultShape shape;
    hsize_t count[4];
    IH_TRY(find_dataset(f, path, &ds, &shape));
    if (shape != RESULT_SHAPE_EVAL && shape != RESULT_SHAPE_EVAL_HEAD &&
        shape != RESULT_SHAPE_EVAL_PROBE_LABEL)
        IH_FAIL(IH_EUSAGE, "results: /%s has no eval axis", path);
    if (run < 0 || run >= f->layout.n_runs || e0 < 0 || ne < 1 || ne > f->layout.max_evals - e0)
        IH_FAIL(IH_EUSAGE, "results: run %d, evals %d..%d are outside the file", run, e0,
                e0 + ne - 1);
    int rank = results__row_dims(&f->layout, shape, count);
    hsize_t start[4] = {(hsize_t)run, (hsize_t)e0, 0, 0};
    count[1] = (hsize_t)ne;
    RESULTS_H5(fspace = H5Dget_space(ds), "results: cannot read the shape of /%s", path);
    RESULTS_H5(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL),
               "results: cannot select run %d of /%s", run, path);
    RESULTS_H5(mspace = H5Screate_simple(rank, count, NULL), "results: cannot make a dataspace");
    RESULTS_H5(H5Dread(ds, mem_type, mspace, fspace, H5P_DEFAULT, buf),
               "results: cannot read run %d, evals %d..%d of /%s", run, e0, e0 + ne - 1, path);
cleanup:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}
