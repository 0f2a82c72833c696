/* The results file under several ranks (run with 2 and 3): each rank writes different rows, in a
 * rank-dependent order; every rank then verifies all rows; the file must equal, dataset by dataset
 * and bit for bit, one written by rank 0 alone. Then a parallel merge of two overlapping shards
 * written by all ranks must equal a serial merge and a directly written reference.
 */
#include "harness.h"
#include "results_fixture.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <stdio.h>
#include <unistd.h>

TEST_COUNTS_DECLARE;

enum { RUNS = 11, EVALS = 6, PROBE = 3 };

/* Writes the runs in [first, last] that `mine` assigns to this rank, last to first. */
static void write_rows(ResultsFile *f, const ResultsLayout *l, int first, int last, int rank,
                       int size, int shift)
{
    RunResult *r = NULL;
    CHECK_OK(
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &r));
    for (int run = last; r && run >= first; run--) {
        if ((run * 5 + shift) % size != rank)
            continue;
        fixture_fill_run(r, run, 0);
        CHECK_OK(results_write_run(f, run, r));
    }
    run_result_destroy(&r);
}

static void create_and_write(MPI_Comm comm, const char *path, const ResultsLayout *l, int first,
                             int last, int shift)
{
    int rank = 0, size = 1;
    ResultsFile *f = NULL;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    CHECK_OK(results_create(comm, path, l, 0, &f));
    if (f)
        write_rows(f, l, first, last, rank, size, shift);
    CHECK_OK(results_flush(f));
    CHECK_OK(results_close(&f));
}

/* Every rank reads every row back (rows other ranks wrote included). */
static void verify_all(const char *path, const ResultsLayout *l)
{
    ResultsFile *f = NULL;
    RunResult *want = NULL, *got = NULL;
    CHECK_OK(results_open(MPI_COMM_WORLD, path, 0, &f));
    CHECK_OK(run_result_create(EVALS, 2, FIXTURE_HEADS, PROBE, FIXTURE_LABELS, &want));
    CHECK_OK(run_result_create(EVALS, 2, FIXTURE_HEADS, PROBE, FIXTURE_LABELS, &got));
    if (f && want && got) {
        CHECK_OK(results_layout_compare(l, results_layout(f)));
        for (int run = 0; run < RUNS; run++) {
            int ok = 0;
            fixture_fill_run(want, run, 0);
            CHECK_OK(results_verify_run(f, run, &ok));
            CHECK_INT_EQ(ok, 1);
            CHECK_OK(results_read_run(f, run, got));
            CHECK(fixture_results_equal(want, got));
        }
    }
    CHECK_OK(results_close(&f));
    run_result_destroy(&want);
    run_result_destroy(&got);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char par[64], ref[64], s1[64], s2[64], merged[64], merged_serial[64], ref_merged[64];
    snprintf(par, sizeof par, "io_np%d_parallel.h5", size);
    snprintf(ref, sizeof ref, "io_np%d_serial.h5", size);
    snprintf(s1, sizeof s1, "io_np%d_shard1.h5", size);
    snprintf(s2, sizeof s2, "io_np%d_shard2.h5", size);
    snprintf(merged, sizeof merged, "io_np%d_merged.h5", size);
    snprintf(merged_serial, sizeof merged_serial, "io_np%d_merged_serial.h5", size);
    snprintf(ref_merged, sizeof ref_merged, "io_np%d_ref_merged.h5", size);
    const char *all[] = {par, ref, s1, s2, merged, merged_serial, ref_merged};
    if (rank == 0)
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            unlink(all[i]);
    MPI_Barrier(MPI_COMM_WORLD);

    ResultsLayout l = {0};
    CHECK_OK(fixture_layout(&l, RUNS, EVALS, PROBE, ""));

    create_and_write(MPI_COMM_WORLD, par, &l, 0, RUNS - 1, 3);
    verify_all(par, &l);
    if (rank == 0) {
        create_and_write(MPI_COMM_SELF, ref, &l, 0, RUNS - 1, 0);
        CHECK(fixture_files_equal(ref, par));
    }

    /* Overlapping shards (runs 4 and 5 in both), each written by all ranks. */
    create_and_write(MPI_COMM_WORLD, s1, &l, 0, 5, 1);
    create_and_write(MPI_COMM_WORLD, s2, &l, 4, RUNS - 1, 2);
    const char *inputs[] = {s1, s2};
    CHECK_OK(results_merge(MPI_COMM_WORLD, merged, inputs, 2));
    if (rank == 0) {
        CHECK_OK(results_merge(MPI_COMM_SELF, merged_serial, inputs, 2));
        CHECK(fixture_files_equal(merged_serial, merged));
        /* The reference: every run but the failed one (run 6 stays pending in a merge). */
        ResultsFile *f = NULL;
        RunResult *r = NULL;
        CHECK_OK(results_create(MPI_COMM_SELF, ref_merged, &l, 0, &f));
        CHECK_OK(run_result_create(EVALS, 2, FIXTURE_HEADS, PROBE, FIXTURE_LABELS, &r));
        for (int run = 0; f && r && run < RUNS; run++) {
            fixture_fill_run(r, run, 0);
            if (r->status != RUN_FAILED)
                CHECK_OK(results_write_run(f, run, r));
        }
        CHECK_OK(results_close(&f));
        run_result_destroy(&r);
        CHECK(fixture_files_equal(ref_merged, merged));
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            unlink(all[i]);
    }
    results_layout_free(&l);
    MPI_Finalize();
    char name[64];
    snprintf(name, sizeof name, "test_results_mpi (rank %d of %d)", rank, size);
    TEST_MAIN_END(name);
}
