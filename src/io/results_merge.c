/* results_merge: combines shard files of one sweep (e.g. the tasks of a Slurm job array) into one
 * results file. First pass: every input's layout must match the first one's; second pass: the
 * ranks split the runs (run % size) and copy verified done/diverged rows. Inputs are opened one at
 * a time. Does not repair or re-run anything.
 */
#include "io/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends the comma-separated ids of add that *list does not hold yet. */
static int join_job_ids(char **list, const char *add)
{
    int rc = 0;
    char *grown = NULL;
    const char *p = add ? add : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        int known = 0;
        for (const char *q = *list; len > 0 && *q;) {
            size_t qlen = strcspn(q, ",");
            known |= qlen == len && strncmp(q, p, len) == 0;
            q += qlen + (q[qlen] == ',');
        }
        if (len > 0 && !known) {
            size_t old = strlen(*list);
            IH_ALLOC(grown, old + len + 2);
            memcpy(grown, *list, old);
            if (old > 0)
                grown[old++] = ',';
            memcpy(grown + old, p, len);
            grown[old + len] = '\0';
            free(*list);
            *list = grown;
            grown = NULL;
        }
        p += len + (p[len] == ',');
    }
cleanup:
    free(grown);
    return rc;
}

/* Pass 1, one input: copies the layout of input 0 into merged (and starts the empty job id list
 * *job_ids), checks the others against it, and collects the job ids. Local. */
static int merge_layout_one(ResultsLayout *merged, char **job_ids, const ResultsLayout *l,
                            const char *const *inputs, int k)
{
    int rc = 0;
    if (k == 0) {
        IH_ALLOC(*job_ids, 1);
        IH_TRY(results_layout_copy(merged, l));
    } else {
        rc = results_layout_compare(merged, l);
        if (rc < 0) {
            char why[512];
            snprintf(why, sizeof why, "%s", ih_error_message());
            IH_FAIL(rc, "results_merge: %s does not match %s: %s", inputs[k], inputs[0], why);
        }
        if (strcmp(merged->git_hash, l->git_hash) != 0)
            IH_FAIL(IH_EDATA, "results_merge: %s was written by %s, %s by %s", inputs[k],
                    l->git_hash, inputs[0], merged->git_hash);
    }
    IH_TRY(join_job_ids(job_ids, l->slurm_job_ids));
cleanup:
    return rc;
}

/* Pass 1: the merged layout (first input's, with every input's job ids). Collective. */
static int merged_layout(MPI_Comm comm, const char *const *inputs, int n_inputs,
                         ResultsLayout *merged)
{
    int rc = 0;
    ResultsFile *in = NULL;
    char *job_ids = NULL;
    for (int k = 0; k < n_inputs; k++) {
        IH_TRY(results_open(comm, inputs[k], 0, &in));
        rc = merge_layout_one(merged, &job_ids, results_layout(in), inputs, k);
        IH_TRY(ih_mpi_agree(comm, rc));
        IH_TRY(results_close(&in));
    }
    free(merged->slurm_job_ids);
    merged->slurm_job_ids = job_ids;
    job_ids = NULL;
cleanup:
    results_close(&in);
    free(job_ids);
    return rc;
}

typedef struct {
    char *copied;       /* [n_runs] 1 when this rank copied the run */
    uint64_t *sum;      /* [n_runs] checksum of the copied row */
    int *from;          /* [n_runs] input it came from */
    int8_t *status;     /* [n_runs] scratch */
    uint64_t *checksum; /* [n_runs] scratch */
    RunResult *row;
} MergeState;

/* The buffers of pass 2. Local. */
static int merge_state_alloc(MergeState *st, const ResultsLayout *merged)
{
    int rc = 0;
    size_t n = (size_t)merged->n_runs;
    IH_ALLOC(st->copied, n);
    IH_ALLOC(st->sum, n);
    IH_ALLOC(st->from, n);
    IH_ALLOC(st->status, n);
    IH_ALLOC(st->checksum, n);
    IH_TRY(run_result_create(merged->max_evals, merged->n_evaluators, merged->n_heads,
                             merged->n_probe, merged->n_labels, &st->row));
cleanup:
    return rc;
}

/* Pass 2 for one input, this rank's runs only. Independent. */
static int copy_rows(ResultsFile *in, ResultsFile *out, const char *const *inputs, int k,
                     MergeState *st)
{
    int rc = 0, size = 1;
    char *resolved = NULL;
    const ResultsLayout *l = results_layout(in);
    MPI_Comm_size(in->comm, &size);
    IH_TRY(results_read_status(in, st->status, st->checksum));
    for (int run = in->rank; run < l->n_runs; run += size) {
        if (st->status[run] != RUN_DONE && st->status[run] != RUN_DIVERGED)
            continue;
        IH_TRY(results_read_run(in, run, st->row));
        if (results_row_checksum(in, run, st->row) != st->checksum[run])
            IH_FAIL(IH_EDATA,
                    "results_merge: run %d in %s fails its checksum (a torn row: "
                    "resume that shard first)",
                    run, inputs[k]);
        if (st->copied[run]) {
            if (st->sum[run] != st->checksum[run])
                IH_FAIL(IH_EDATA, "results_merge: run %d differs between %s and %s", run,
                        inputs[st->from[run]], inputs[k]);
            continue;
        }
        IH_TRY(results_read_resolved_config(in, run, &resolved));
        IH_TRY(results_write_resolved_config(out, run, resolved));
        free(resolved);
        resolved = NULL;
        IH_TRY(results_write_run(out, run, st->row));
        st->copied[run] = 1;
        st->sum[run] = st->checksum[run];
        st->from[run] = k;
    }
cleanup:
    free(resolved);
    return rc;
}

int results_merge(MPI_Comm comm, const char *out_path, const char *const *inputs, int n_inputs)
{
    int rc = 0;
    ResultsLayout merged = {0};
    ResultsFile *in = NULL, *out = NULL;
    MergeState st = {0};
    if (n_inputs < 1)
        IH_FAIL(IH_EUSAGE, "results_merge: no input files");
    IH_TRY(merged_layout(comm, inputs, n_inputs, &merged));
    IH_TRY(results_create(comm, out_path, &merged, 0, &out));
    IH_TRY(ih_mpi_agree(comm, merge_state_alloc(&st, &merged)));
    for (int k = 0; k < n_inputs; k++) {
        IH_TRY(results_open(comm, inputs[k], 0, &in));
        rc = copy_rows(in, out, inputs, k, &st);
        if (rc < 0)
            ih_error_trace(__FILE__, __LINE__, __func__);
        IH_TRY(ih_mpi_agree(comm, rc));
        IH_TRY(results_close(&in));
    }
    IH_TRY(results_close(&out));
cleanup:
    results_close(&in);
    results_close(&out);
    run_result_destroy(&st.row);
    free(st.copied);
    free(st.sum);
    free(st.from);
    free(st.status);
    free(st.checksum);
    results_layout_free(&merged);
    return rc;
}
