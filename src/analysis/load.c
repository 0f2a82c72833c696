/* Fills an AnalysisInput from an open results file (schema in results.h): layout metadata,
 * status, timing summaries and the curves analysis draws; probe logits stay in the file and are
 * read on demand, one run's evals at a time. Does not write and does not compute anything. */
#include "ihsweep/analysis.h"

#include "ihsweep/error.h"
#include "ihsweep/mpi_agree.h"
#include "ihsweep/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* in->read_probe: the probe logits of one run's evals, straight from the file (the context is
 * the ResultsFile, borrowed: the input is freed before the file is closed). */
static int probe_read(void *ctx, int run, int e0, int ne, float *out)
{
    int rc = results_read_evals(ctx, "curves/probe_logits", run, e0, ne, H5T_NATIVE_FLOAT, out);
    if (rc < 0)
        ih_error_trace(__FILE__, __LINE__, __func__);
    return rc;
}

/* Everything after the status: independent reads of data that no longer changes. */
static int load_rows(ResultsFile *f, AnalysisInput *in);

/* Verifies every finished row against its checksum (rows split across ranks) and turns the ones
 * that fail (torn, corrupted, or a forged status) into pending rows, counted in n_corrupt.
 * Collective on the file's communicator. */
static int verify_rows(ResultsFile *f, AnalysisInput *in)
{
    int rc = 0, rank = 0, size = 1;
    int8_t *bad = NULL;
    MPI_Comm comm = results_comm(f);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    IH_ALLOC(bad, in->n_runs);
    for (int r = rank; r < in->n_runs; r += size) {
        int ok = 1;
        if (in->status[r] != RUN_PENDING)
            IH_TRY(results_verify_run(f, r, &ok));
        bad[r] = !ok;
    }
cleanup:
    rc = ih_mpi_agree(comm, rc);
    if (rc == 0 &&
        MPI_Allreduce(MPI_IN_PLACE, bad, in->n_runs, MPI_INT8_T, MPI_MAX, comm) != MPI_SUCCESS) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EMPI, "verifying rows: MPI_Allreduce failed");
        rc = IH_EMPI;
    }
    for (int r = 0; rc == 0 && r < in->n_runs; r++)
        if (bad[r]) {
            in->status[r] = RUN_PENDING;
            in->n_corrupt++;
        }
    free(bad);
    return rc;
}

/* Everything before the status: the input at its final size with the layout's metadata. Local. */
static int load_layout(const ResultsLayout *l, AnalysisInput **out)
{
    int rc = 0;
    const char *const *names = (const char *const *)l->param_names;
    IH_TRY(analysis_input_create(l->n_runs, l->n_params, names, l->max_evals, l->n_heads,
                                 l->n_probe, l->n_labels, 0, out));
    if (l->param_labels)
        IH_TRY(analysis_input_set_labels(*out, l->param_labels));
    for (int r = 0; r < l->n_runs; r++) {
        IH_TRY(analysis_input_set_condition(*out, r, l->conditions[r]));
        for (int p = 0; p < l->n_params; p++)
            (*out)->params[(size_t)r * l->n_params + p] =
                l->param_values[(size_t)r * l->n_params + p];
    }
cleanup:
    return rc;
}

int analysis_input_load(ResultsFile *f, AnalysisInput **out)
{
    int rc = 0;
    AnalysisInput *in = NULL;
    int rank = 0;
    const ResultsLayout *l = results_layout(f);
    MPI_Comm comm = results_comm(f);
    *out = NULL;
    MPI_Comm_rank(comm, &rank);
    /* A sweep may be writing the file right now: rank 0's view of which runs are done is the
     * one every rank uses, so that collective steps see the same rows. Done rows do not change. */
    int local = load_layout(l, &in);
    if (local == 0 && rank == 0)
        local = results_read_status(f, in->status, NULL);
    IH_TRY(ih_mpi_agree(comm, local));
    if (MPI_Bcast(in->status, l->n_runs, MPI_INT8_T, 0, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "broadcasting run status failed");
    IH_TRY(ih_mpi_agree(comm, verify_rows(f, in)));
    IH_TRY(ih_mpi_agree(comm, load_rows(f, in)));
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
    size_t R = (size_t)l->n_runs;
    IH_ALLOC(column, R);
    for (int t = 0; t < ANALYSIS_N_TIMES; t++) {
        char path[64];
        snprintf(path, sizeof path, "summary/%s", analysis_time_name((AnalysisTime)t));
        IH_TRY(results_read_column(f, path, H5T_NATIVE_DOUBLE, column));
        for (size_t r = 0; r < R; r++)
            in->times[r * ANALYSIS_N_TIMES + t] = column[r];
    }
    IH_TRY(results_read_column(f, "summary/crossed", H5T_NATIVE_INT8, in->crossed));
    IH_TRY(results_read_column(f, "summary/t_censor", H5T_NATIVE_DOUBLE, in->t_censor));
    for (size_t r = 0; r < R; r++) {
        if (in->crossed[r] < 0)
            in->crossed[r] = 0;
        if (in->crossed[r])
            continue;
        /* Not crossed: t* is censored. Files of schema 1 kept the last eval in t_star (and the
         * early drop in t_steepest); both become NaN and the last eval the censoring time. */
        double *t = &in->times[r * ANALYSIS_N_TIMES];
        if (isnan(in->t_censor[r]))
            in->t_censor[r] = t[ANALYSIS_T_STAR];
        t[ANALYSIS_T_STAR] = NAN;
        t[ANALYSIS_T_STEEPEST] = NAN;
    }

    if (l->max_evals > 0) {
        char path[512];
        IH_TRY(results_read_column(f, "curves/eval_seq", H5T_NATIVE_INT64, in->eval_seq));
        IH_TRY(results_read_column(f, "curves/train_loss", H5T_NATIVE_FLOAT, in->train_loss));
        IH_TRY(results_read_column(f, "curves/induction_strength", H5T_NATIVE_FLOAT,
                                   in->induction_strength));
        if (l->n_evaluators > 0) {
            snprintf(path, sizeof path, "curves/%s/%s", l->evaluator_names[0],
                     metric_name(METRIC_LOSS));
            IH_TRY(results_read_column(f, path, H5T_NATIVE_FLOAT, in->eval_loss));
            free(in->loss_name);
            in->loss_name = NULL;
            IH_ALLOC(in->loss_name, strlen(path));
            memcpy(in->loss_name, path + 7, strlen(path) - 6); /* without "curves/" */
        }
        if (l->n_probe > 0) {
            in->read_probe = probe_read;
            in->probe_ctx = f;
        }
    }
cleanup:
    free(column);
    return rc;
}
