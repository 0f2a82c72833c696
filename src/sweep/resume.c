/* Opening a sweep's results file: create a new one, or (resume) open the existing one, move an
 * unopenable one aside, refuse one made from another sweep, and verify its rows: every row whose
 * status says finished is re-read and checked against its checksum; torn or corrupted rows are
 * reset to pending, complete done/diverged rows are kept with their heads and t* (the table's
 * initial state). Rows are verified by all ranks in turn (run % size == rank).
 */
#include "sweep/internal.h"

#include "ihsweep/error.h"
#include "ihsweep/mpi_agree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* With --force: the file must still have the plan's shape (only hashes or texts may differ). */
static int same_shape(const ResultsLayout *a, const ResultsLayout *b)
{
    if (a->n_runs != b->n_runs || a->max_evals != b->max_evals ||
        a->n_evaluators != b->n_evaluators || a->n_heads != b->n_heads ||
        a->n_probe != b->n_probe || a->n_labels != b->n_labels || a->n_params != b->n_params)
        return 0;
    for (int e = 0; e < a->n_evaluators; e++)
        if (strcmp(a->evaluator_names[e], b->evaluator_names[e]) != 0)
            return 0;
    for (int p = 0; p < a->n_params; p++)
        if (strcmp(a->param_names[p], b->param_names[p]) != 0)
            return 0;
    return 1;
}

/* A run whose stored config text differs from the plan's while their hashes agree has a damaged
 * text in the file (the hash identifies the config), not a different sweep: write the plan's text
 * back, so that the row's checksum (which covers the text) decides whether the row is intact.
 * Collective on the file's communicator. */
static int restore_configs(ResultsFile *f, const ResultsLayout *plan, FILE *log, const char *output)
{
    int rc = 0;
    const ResultsLayout *have = results_layout(f);
    if (have->n_runs != plan->n_runs)
        return 0;
    for (int i = 0; i < plan->n_runs; i++) {
        if (have->hashes[i] != plan->hashes[i] || strcmp(have->configs[i], plan->configs[i]) == 0)
            continue;
        if (log)
            fprintf(log,
                    "ihsweep run: run %d's stored config in %s is corrupted (it differs from the "
                    "sweep's although the run hashes agree): restoring it; the row is kept only "
                    "if its checksum then verifies\n",
                    i, output);
        IH_TRY(results_restore_config(f, i, plan->configs[i]));
    }
cleanup:
    return rc;
}

/* Fails unless f's run hashes are of the kind a plan computes (schema 3 on: the hash of the
 * canonical config text), naming name and what else to do. */
static int comparable_hashes(ResultsFile *f, const char *name, const char *instead)
{
    int rc = 0;
    const char *version = results_layout(f)->ihsweep_version;
    if (results_schema_version(f) < 3)
        IH_FAIL(IH_EDATA,
                "%s has results schema %d, whose run hashes cover the config struct's bytes; "
                "this ihsweep recognises runs by the hash of their canonical config text "
                "(schema %d), so it cannot tell which rows match: finish the file with the "
                "ihsweep that wrote it (%s), or %s",
                name, results_schema_version(f), RESULT_SCHEMA_VERSION, version ? version : "?",
                instead);
cleanup:
    return rc;
}

int sweep__open(MPI_Comm comm, const SweepPlan *plan, const SweepRunOptions *opts, int funnel,
                ResultsFile **out, int *fresh)
{
    int rc = 0, rank = 0, exists = 0;
    ResultsLayout layout = {0};
    ResultsFile *f = NULL;
    struct stat st;
    MPI_Comm_rank(comm, &rank);
    *out = NULL;
    *fresh = 0;
    if (rank == 0)
        exists = stat(opts->output, &st) == 0;
    MPI_Bcast(&exists, 1, MPI_INT, 0, comm);
    if (exists && !opts->resume)
        IH_FAIL(IH_EIO, "%s exists: pass --resume to continue it, or choose another -o",
                opts->output);
    IH_TRY(sweep_layout_build(plan, &layout));
    if (opts->simulate > 0) { /* the file tells readers its rows are no results */
        const size_t used = strlen(layout.library_versions);
        snprintf(layout.library_versions + used, 512 - used,
                 "; SIMULATED (ihsweep run --simulate %g: no training, placeholder rows)",
                 opts->simulate);
    }
    { /* provenance: how the session that creates the file writes its rows */
        const size_t used = strlen(layout.library_versions);
        snprintf(layout.library_versions + used, 512 - used, "; rows written: %s",
                 funnel ? "funnel (rank 0 alone)" : "parallel (every rank)");
    }
    if (exists) {
        rc = ih_mpi_agree(comm, results_open(comm, opts->output, 1, &f));
        if (rc == RESULTS_EBROKEN) {
            char aside[4200] = "";
            int moved = 0;
            if (rank == 0) {
                char why[1024];
                snprintf(why, sizeof why, "%s", ih_error_message());
                moved = results_move_aside(opts->output, aside, (int)sizeof aside) == 0;
                if (moved && opts->log)
                    fprintf(opts->log,
                            "ihsweep run: %s cannot be opened (%s); moved it to %s "
                            "and starting a new file\n",
                            opts->output, why, aside);
            }
            MPI_Bcast(&moved, 1, MPI_INT, 0, comm);
            if (!moved)
                IH_FAIL(IH_EIO, "%s cannot be opened and cannot be moved aside", opts->output);
            ih_error_clear();
            rc = 0;
            exists = 0;
        }
        IH_TRY(rc);
    }
    if (exists)
        IH_TRY(comparable_hashes(f, opts->output, "start a new one with another -o"));
    if (exists) {
        const ResultsLayout *have = results_layout(f);
        IH_TRY(ih_mpi_agree(
            comm, restore_configs(f, &layout, rank == 0 ? opts->log : NULL, opts->output)));
        if (results_layout_compare(have, &layout) != 0) {
            char diff[1024];
            snprintf(diff, sizeof diff, "%s", ih_error_message());
            ih_error_clear();
            if (!opts->force)
                IH_FAIL(IH_EDATA,
                        "%s was made from a different sweep (%s): resume with the same "
                        "sweep file and --set options, add --force to continue it "
                        "anyway, or choose another -o",
                        opts->output, diff);
            if (!same_shape(have, &layout))
                IH_FAIL(IH_EDATA,
                        "%s has another shape than this sweep (%s); --force cannot "
                        "continue it: choose another -o",
                        opts->output, diff);
            if (rank == 0 && opts->log)
                fprintf(opts->log,
                        "ihsweep run: --force: continuing %s although it differs from "
                        "the sweep (%s); complete rows are kept\n",
                        opts->output, diff);
        }
    } else {
        IH_TRY(results_create(comm, opts->output, &layout, 0, &f));
        *fresh = 1;
    }
    *out = f;
    f = NULL;
cleanup:
    if (f)
        results_close(&f);
    sweep_layout_release(&layout);
    return rc;
}

void sweep__ckpt_path(const char *ckpt_dir, int run, char *buf, int size)
{
    snprintf(buf, (size_t)size, "%s/run-%d.ckpt", ckpt_dir, run);
}

int sweep__verify(MPI_Comm comm, ResultsFile *f, const SweepPlan *plan, const char *ckpt_dir,
                  const unsigned char *sel, SweepRunInfo *init, FILE *log, int *own_error)
{
    int rc = 0, rank = 0, size = 1;
    const ResultsLayout *l = results_layout(f);
    const int n = plan->n_runs;
    int8_t *status = NULL;
    uint64_t *checksum = NULL;
    int64_t *cols = NULL; /* [8][n]: complete, reset, status, ih, pt, crossed, t*, wall */
    RunResult *r = NULL;
    char ckpt[4300];
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    IH_ALLOC(status, n);
    IH_ALLOC(checksum, n);
    IH_ALLOC(cols, 8 * (size_t)n);
    IH_TRY(
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &r));
    IH_TRY(results_read_status(f, status, checksum));
    for (int i = rank; i < n; i += size) {
        if (status[i] == RUN_PENDING)
            continue;
        IH_TRY(results_read_run(f, i, r));
        const int ok = results_row_checksum(f, i, r) == checksum[i];
        if (!ok) {
            IH_TRY(results_mark_pending(f, i));
            cols[1 * n + i] = 1;
            continue;
        }
        if (r->status != RUN_DONE && r->status != RUN_DIVERGED)
            continue;
        cols[0 * n + i] = 1;
        cols[2 * n + i] = r->status;
        cols[3 * n + i] = r->strongest_ih;
        cols[4 * n + i] = r->pt_head;
        cols[5 * n + i] = r->timing.crossed;
        const double t_obs = metrics_phase_observed(&r->timing);
        memcpy(&cols[6 * n + i], &t_obs, sizeof(double));
        memcpy(&cols[7 * n + i], &r->wall_seconds, sizeof(double));
        sweep__ckpt_path(ckpt_dir, i, ckpt, (int)sizeof ckpt);
        if (remove(ckpt) != 0 && errno != ENOENT)
            IH_FAIL(IH_EIO, "cannot remove %s: %s", ckpt, strerror(errno));
    }
cleanup:
    *own_error = rc < 0;
    rc = ih_mpi_agree(comm, rc);
    if (rc == 0 &&
        MPI_Allreduce(MPI_IN_PLACE, cols, 8 * n, MPI_INT64_T, MPI_SUM, comm) != MPI_SUCCESS) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EMPI, "sweep: MPI_Allreduce failed");
        rc = IH_EMPI;
    }
    if (rc == 0) {
        for (int i = 0; i < n; i++) {
            SweepRunInfo *in = &init[i];
            memset(in, 0, sizeof *in);
            in->rank = -1;
            in->strongest_ih = in->pt_head = -1;
            if (cols[1 * n + i] && rank == 0 && log)
                fprintf(log,
                        "ihsweep run: run %d's row fails its checksum (torn or corrupted): "
                        "reset to pending, it will be redone\n",
                        i);
            if (cols[0 * n + i]) {
                in->state = SWEEP_FINISHED;
                in->status = cols[2 * n + i];
                in->strongest_ih = cols[3 * n + i];
                in->pt_head = cols[4 * n + i];
                in->crossed = cols[5 * n + i];
                memcpy(&in->t_star, &cols[6 * n + i], sizeof(double));
                memcpy(&in->wall, &cols[7 * n + i], sizeof(double));
            } else {
                in->state = sel && !sel[i] ? SWEEP_SKIPPED : SWEEP_TODO;
            }
        }
    }
    run_result_destroy(&r);
    free(status);
    free(checksum);
    free(cols);
    return rc;
}

/* sweep__heads_from on rank 0: fills init[s] for every source s that a selected run needs and
 * that is not selected itself, from its complete row in path. */
static int heads_read(const SweepPlan *plan, const char *path, const unsigned char *sel,
                      SweepRunInfo *init)
{
    int rc = 0;
    const int n = plan->n_runs;
    ResultsFile *f = NULL;
    ResultsLayout layout = {0};
    RunResult *r = NULL;
    int8_t *status = NULL;
    uint64_t *checksum = NULL;
    IH_TRY(sweep_layout_build(plan, &layout));
    IH_TRY(results_open(MPI_COMM_SELF, path, 0, &f));
    IH_TRY(comparable_hashes(f, path, "run the source runs again (without --heads-from)"));
    if (results_layout_compare(results_layout(f), &layout) != 0)
        IH_FAIL(IH_EDATA, "--heads-from %s was made from a different sweep (%s)", path,
                ih_error_message());
    const ResultsLayout *l = results_layout(f);
    IH_TRY(
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &r));
    IH_ALLOC(status, n);
    IH_ALLOC(checksum, n);
    IH_TRY(results_read_status(f, status, checksum));
    for (int i = 0; i < n; i++) {
        const int s = plan->runs[i].source;
        if (!sel[i] || s < 0 || sel[s] || init[s].state == SWEEP_FINISHED)
            continue;
        if (status[s] != RUN_DONE && status[s] != RUN_DIVERGED)
            IH_FAIL(IH_EDATA,
                    "run %d binds heads from run %d, which is not done in --heads-from %s: "
                    "finish that file first (e.g. run its sweep with --resume)",
                    i, s, path);
        IH_TRY(results_read_run(f, s, r));
        if (results_row_checksum(f, s, r) != checksum[s])
            IH_FAIL(IH_EDATA, "run %d's row in --heads-from %s fails its checksum", s, path);
        init[s] = (SweepRunInfo){.state = SWEEP_FINISHED,
                                 .rank = -1,
                                 .status = r->status,
                                 .strongest_ih = r->strongest_ih,
                                 .pt_head = r->pt_head,
                                 .crossed = r->timing.crossed,
                                 .t_star = r->timing.t_star,
                                 .wall = r->wall_seconds};
    }
cleanup:
    free(status);
    free(checksum);
    run_result_destroy(&r);
    if (f)
        results_close(&f);
    sweep_layout_release(&layout);
    return rc;
}

int sweep__heads_from(MPI_Comm comm, const SweepPlan *plan, const char *path,
                      const unsigned char *sel, SweepRunInfo *init)
{
    int rc = 0, rank = 0;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0)
        rc = heads_read(plan, path, sel, init);
    IH_TRY(ih_mpi_agree(comm, rc));
    if (MPI_Bcast(init, (int)(plan->n_runs * sizeof *init), MPI_BYTE, 0, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "sweep: MPI_Bcast of the bound sources failed");
cleanup:
    return rc;
}
