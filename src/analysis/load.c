/* Fills an AnalysisInput from an open results file (schema in results.h): layout metadata,
 * status, timing summaries and the curves analysis draws; probe logits stay in the file and are
 * read on demand, one run's evals at a time. Does not write and does not compute anything. */
#include "ihsweep/analysis.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the whole dataset `path` (n elements expected) as mem_type into buf. Independent. */
static int read_whole(hid_t file, const char *path, hid_t mem_type, size_t n, void *buf)
{
    int rc = 0;
    hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
    if ((ds = H5Dopen2(file, path, H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "results file has no dataset /%s", path);
    if ((space = H5Dget_space(ds)) < 0)
        IH_FAIL(IH_EHDF5, "cannot read the shape of /%s", path);
    hssize_t have = H5Sget_simple_extent_npoints(space);
    if (have < 0 || (size_t)have != n)
        IH_FAIL(IH_EDATA, "/%s has %lld values, the layout implies %zu", path, (long long)have, n);
    if (n > 0 && H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        IH_FAIL(IH_EHDF5, "cannot read /%s", path);
cleanup:
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

typedef struct {
    hid_t dataset; /* curves/probe_logits [run, eval, probe, label] */
    int n_probe;
    int n_labels;
} ProbeReader;

static int probe_read(void *ctx, int run, int e0, int ne, float *out)
{
    int rc = 0;
    ProbeReader *p = ctx;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    hsize_t start[4] = {(hsize_t)run, (hsize_t)e0, 0, 0};
    hsize_t count[4] = {1, (hsize_t)ne, (hsize_t)p->n_probe, (hsize_t)p->n_labels};
    hsize_t n = (hsize_t)ne * p->n_probe * p->n_labels;
    if ((fspace = H5Dget_space(p->dataset)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (mspace = H5Screate_simple(1, &n, NULL)) < 0 ||
        H5Dread(p->dataset, H5T_NATIVE_FLOAT, mspace, fspace, H5P_DEFAULT, out) < 0)
        IH_FAIL(IH_EHDF5, "cannot read probe logits of run %d, evals %d..%d", run, e0, e0 + ne - 1);
cleanup:
    if (fspace >= 0)
        H5Sclose(fspace);
    if (mspace >= 0)
        H5Sclose(mspace);
    return rc;
}

static void probe_free(void *ctx)
{
    ProbeReader *p = ctx;
    if (!p)
        return;
    if (p->dataset >= 0)
        H5Dclose(p->dataset);
    free(p);
}

static int attach_probe_reader(hid_t file, AnalysisInput *in)
{
    int rc = 0;
    ProbeReader *p = NULL;
    IH_ALLOC(p, 1);
    p->n_probe = in->n_probe;
    p->n_labels = in->n_labels;
    if ((p->dataset = H5Dopen2(file, "curves/probe_logits", H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "results file has no dataset /curves/probe_logits");
    in->read_probe = probe_read;
    in->probe_ctx = p;
    in->probe_ctx_free = probe_free;
    p = NULL;
cleanup:
    free(p);
    return rc;
}

/* Everything after the status: independent reads of data that no longer changes. */
static int load_rows(ResultsFile *f, AnalysisInput *in);

int analysis_input_load(ResultsFile *f, AnalysisInput **out)
{
    int rc = 0, worst = 0;
    AnalysisInput *in = NULL;
    int rank = 0;
    const ResultsLayout *l = results_layout(f);
    MPI_Comm comm = results_comm(f);
    const char *const *names = (const char *const *)l->param_names;
    *out = NULL;
    MPI_Comm_rank(comm, &rank);
    IH_TRY(analysis_input_create(l->n_runs, l->n_params, names, l->max_evals, l->n_heads,
                                 l->n_probe, l->n_labels, 0, &in));
    for (int r = 0; r < l->n_runs; r++) {
        IH_TRY(analysis_input_set_condition(in, r, l->conditions[r]));
        for (int p = 0; p < l->n_params; p++)
            in->params[(size_t)r * l->n_params + p] = l->param_values[(size_t)r * l->n_params + p];
    }
    /* A sweep may be writing the file right now: rank 0's view of which runs are done is the
     * one every rank uses, so that collective steps see the same rows. Done rows do not change. */
    if (rank == 0)
        rc = results_read_status(f, in->status, NULL);
    if (MPI_Bcast(&rc, 1, MPI_INT, 0, comm) != MPI_SUCCESS ||
        MPI_Bcast(in->status, l->n_runs, MPI_INT8_T, 0, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "broadcasting run status failed");
    if (rc < 0) {
        if (rank != 0)
            ih_error_set(__FILE__, __LINE__, __func__, rc, "reading run status failed on rank 0");
        goto cleanup;
    }
    rc = load_rows(f, in);
    if (MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "agreeing on the load status failed");
    if (worst < 0 && rc == 0)
        IH_FAIL(worst, "reading the results file failed on another rank");
    IH_TRY(rc);
    *out = in;
    in = NULL;
cleanup:
    analysis_input_destroy(&in);
    return rc;
}

static int load_rows(ResultsFile *f, AnalysisInput *in)
{
    int rc = 0;
    double *column = NULL;
    const ResultsLayout *l = results_layout(f);
    hid_t file = results_file_id(f);
    size_t R = (size_t)l->n_runs, RE = R * (size_t)l->max_evals;
    static const char *const time_paths[ANALYSIS_N_TIMES] = {"summary/t_star", "summary/t_09",
                                                             "summary/t_05", "summary/t_steepest"};
    IH_ALLOC(column, R);
    for (int t = 0; t < ANALYSIS_N_TIMES; t++) {
        IH_TRY(read_whole(file, time_paths[t], H5T_NATIVE_DOUBLE, R, column));
        for (size_t r = 0; r < R; r++)
            in->times[r * ANALYSIS_N_TIMES + t] = column[r];
    }
    IH_TRY(read_whole(file, "summary/crossed", H5T_NATIVE_INT8, R, in->crossed));
    for (size_t r = 0; r < R; r++)
        if (in->crossed[r] < 0)
            in->crossed[r] = 0;

    if (l->max_evals > 0) {
        char path[512];
        IH_TRY(read_whole(file, "curves/eval_seq", H5T_NATIVE_INT64, RE, in->eval_seq));
        IH_TRY(read_whole(file, "curves/train_loss", H5T_NATIVE_FLOAT, RE, in->train_loss));
        IH_TRY(read_whole(file, "curves/induction_strength", H5T_NATIVE_FLOAT,
                          RE * (size_t)l->n_heads, in->induction_strength));
        if (l->n_evaluators > 0) {
            snprintf(path, sizeof path, "curves/%s/loss", l->evaluator_names[0]);
            IH_TRY(read_whole(file, path, H5T_NATIVE_FLOAT, RE, in->eval_loss));
            free(in->loss_name);
            in->loss_name = NULL;
            IH_ALLOC(in->loss_name, strlen(path));
            memcpy(in->loss_name, path + 7, strlen(path) - 6); /* without "curves/" */
        }
        if (l->n_probe > 0)
            IH_TRY(attach_probe_reader(file, in));
    }
cleanup:
    free(column);
    return rc;
}
