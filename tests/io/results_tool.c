/* Helper program for the io script tests (not a test by itself).
 *
 *   results_tool write <path> <runs> <evals> <probe> <rows> [<ready-file>]
 *       collective on MPI_COMM_WORLD: creates a fixture file and writes rows 0..rows-1 (rank r
 *       writes runs with run % size == r). After creation, rank 0 writes the pids of all ranks to
 *       <ready-file> (via a rename, so it appears complete) for a kill test.
 *   results_tool check <path> <runs>
 *       one process: opens the file and checks every row that is not pending verifies and holds
 *       the fixture's values. Prints "done D pending P (S of them part-written) torn T"; exits 0
 *       when no row is torn,
 *       1 when some are, 2 when the file cannot be opened.
 */
#include "results_fixture.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, int rc)
{
    fprintf(stderr, "results_tool: %s: %s (%d)\n", what, ih_error_message(), rc);
    return 2;
}

static int announce(const char *ready, MPI_Comm comm)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int pid = (int)getpid(), *pids = calloc((size_t)size, sizeof *pids);
    MPI_Gather(&pid, 1, MPI_INT, pids, 1, MPI_INT, 0, comm);
    if (rank == 0) {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s.tmp", ready);
        FILE *fp = fopen(tmp, "w");
        for (int i = 0; fp && i < size; i++)
            fprintf(fp, "%d\n", pids[i]);
        if (!fp || fclose(fp) != 0 || rename(tmp, ready) != 0) {
            free(pids);
            return 2;
        }
    }
    free(pids);
    return 0;
}

static int cmd_write(int argc, char **argv)
{
    if (argc < 7)
        return 2;
    int runs = atoi(argv[3]), evals = atoi(argv[4]), probe = atoi(argv[5]), rows = atoi(argv[6]);
    int rank = 0, size = 1, rc = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    ResultsLayout l = {0};
    ResultsFile *f = NULL;
    RunResult *r = NULL;
    if ((rc = fixture_layout(&l, runs, evals, probe, "4242")) < 0)
        return fail("layout", rc);
    if ((rc = results_create(MPI_COMM_WORLD, argv[2], &l, 0, &f)) < 0)
        return fail("create", rc);
    if (argc > 7 && announce(argv[7], MPI_COMM_WORLD) != 0)
        return fail("ready file", IH_EIO);
    if ((rc = run_result_create(evals, l.n_evaluators, l.n_heads, probe, l.n_labels, &r)) < 0)
        return fail("row", rc);
    for (int run = rank; run < rows && run < runs; run += size) {
        fixture_fill_run(r, run, 0);
        if ((rc = results_write_run(f, run, r)) < 0)
            return fail("write", rc);
    }
    run_result_destroy(&r);
    if ((rc = results_close(&f)) < 0)
        return fail("close", rc);
    results_layout_free(&l);
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    ResultsFile *f = NULL;
    RunResult *want = NULL, *got = NULL;
    int rc = results_open(MPI_COMM_SELF, argv[2], 0, &f);
    if (rc < 0)
        return fail("open", rc);
    const ResultsLayout *l = results_layout(f);
    if (l->n_runs != atoi(argv[3])) {
        fprintf(stderr, "results_tool: %d runs, expected %s\n", l->n_runs, argv[3]);
        return 2;
    }
    int8_t *status = calloc((size_t)l->n_runs, 1);
    int done = 0, pending = 0, started = 0, torn = 0;
    if (run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels,
                          &want) < 0 ||
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels,
                          &got) < 0 ||
        results_read_status(f, status, NULL) < 0)
        return fail("read", ih_error_code());
    for (int run = 0; run < l->n_runs; run++) {
        int ok = 0;
        if (status[run] == RUN_PENDING) {
            pending++;
            if (results_read_run(f, run, got) < 0)
                return fail("read", ih_error_code());
            started += got->n_evals > 0; /* payload written, markers not: killed inside */
            continue;
        }
        fixture_fill_run(want, run, 0);
        if (results_verify_run(f, run, &ok) < 0 || results_read_run(f, run, got) < 0)
            return fail("verify", ih_error_code());
        if (ok && fixture_results_equal(want, got)) {
            done++;
        } else {
            fprintf(stderr, "run %d: status %d but the row is torn\n", run, status[run]);
            torn++;
        }
    }
    printf("done %d pending %d (%d of them part-written) torn %d\n", done, pending, started, torn);
    free(status);
    run_result_destroy(&want);
    run_result_destroy(&got);
    results_close(&f);
    return torn ? 1 : 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int status = 2;
    if (argc > 1 && strcmp(argv[1], "write") == 0)
        status = cmd_write(argc, argv);
    else if (argc > 1 && strcmp(argv[1], "check") == 0)
        status = cmd_check(argc, argv);
    else
        fprintf(stderr, "usage: results_tool write|check ...\n");
    if (status == 2)
        MPI_Abort(MPI_COMM_WORLD, 2);
    MPI_Finalize();
    return status;
}
