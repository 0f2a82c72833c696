/* The results file on one rank (MPI_COMM_SELF): create/open round trip, fill values of unwritten
 * rows, whole-column and eval-range reads against the rows, the scalar attribute writer, checksum
 * verification and corruption detection, invalid rows and layouts, unusable files moved aside,
 * and merging shard files.
 */
#include "harness.h"
#include "results_fixture.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST_COUNTS_DECLARE;

enum { RUNS = 7, EVALS = 5, PROBE = 2 };

static RunResult *new_row(const ResultsLayout *l)
{
    RunResult *r = NULL;
    if (run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &r) !=
        0) {
        fprintf(stderr, "run_result_create failed: %s\n", ih_error_message());
        exit(1);
    }
    return r;
}

/* Creates path with the fixture layout and writes the listed runs (salt 0). */
static void write_file(const char *path, const ResultsLayout *l, const int *runs, int n, int flags)
{
    ResultsFile *f = NULL;
    RunResult *r = new_row(l);
    CHECK_OK(results_create(MPI_COMM_SELF, path, l, flags, &f));
    for (int i = 0; f && i < n; i++) {
        fixture_fill_run(r, runs[i], 0);
        CHECK_OK(results_write_run(f, runs[i], r));
    }
    CHECK_OK(results_close(&f));
    run_result_destroy(&r);
}

static void test_round_trip(const ResultsLayout *l)
{
    const char *path = "io_roundtrip.h5";
    const int written[] = {0, 2, 3, 5, 6};
    unlink(path);
    write_file(path, l, written, 5, 0);

    ResultsFile *f = NULL;
    CHECK_ERR(results_create(MPI_COMM_SELF, path, l, 0, &f), IH_EIO);
    CHECK(f == NULL);
    CHECK_OK(results_open(MPI_COMM_SELF, path, 0, &f));
    if (!f)
        return;
    const ResultsLayout *back = results_layout(f);
    CHECK_OK(results_layout_compare(l, back));
    CHECK_STR_EQ(back->git_hash, "0123abc");
    CHECK_STR_EQ(back->slurm_job_ids, "");
    CHECK_INT_EQ(strlen(back->sweep_text), FIXTURE_SWEEP_BYTES);
    CHECK_INT_EQ(back->n_probe, PROBE);

    int8_t status[RUNS];
    uint64_t checksum[RUNS];
    CHECK_OK(results_read_status(f, status, checksum));
    RunResult *want = new_row(l), *got = new_row(l);
    for (int run = 0; run < RUNS; run++) {
        int is_written = run != 1 && run != 4, ok = -1;
        fixture_fill_run(want, run, 0);
        CHECK_INT_EQ(status[run], is_written ? (int)want->status : RUN_PENDING);
        CHECK(checksum[run] == (is_written ? results_row_checksum(f, run, want) : 0));
        /* the row checksum covers the row's stored config text too (schema 2) */
        CHECK(results_row_checksum(f, run, want) !=
              run_result_checksum(want, RESULT_SCHEMA_VERSION));
        CHECK_OK(results_read_run(f, run, got));
        CHECK_OK(results_verify_run(f, run, &ok));
        CHECK_INT_EQ(ok, is_written);
        if (is_written) {
            CHECK(fixture_results_equal(want, got));
            continue;
        }
        /* Fill values of a row nobody wrote. */
        CHECK_INT_EQ(got->n_evals, 0);
        CHECK_INT_EQ(got->eval_seq[EVALS - 1], -1);
        CHECK(isnan(run_result_metric(got, 1, METRIC_USE_CONTEXT_PROB)[2]));
        CHECK(isnan(got->probe_logits[EVALS * PROBE * FIXTURE_LABELS - 1]));
        CHECK(isnan(got->timing.t_star) && isnan(got->wall_seconds));
        CHECK_INT_EQ(got->diverged_seq, -1);
        CHECK_INT_EQ(got->strongest_ih, -1);
        CHECK_INT_EQ(got->timing.crossed, -1);
    }
    /* The negative NaN of run 3 kept its sign bit. */
    CHECK_OK(results_read_run(f, 3, got));
    CHECK(isnan(got->induction_strength[0]) && signbit(got->induction_strength[0]));

    fixture_fill_run(want, 1, 0);
    CHECK_ERR(results_write_run(f, 1, want), IH_EUSAGE); /* read-only */
    CHECK_ERR(results_read_run(f, RUNS, got), IH_EUSAGE);
    CHECK_OK(results_close(&f));
    CHECK(f == NULL);
    CHECK_OK(results_close(&f)); /* NULL-safe */
    run_result_destroy(&want);
    run_result_destroy(&got);

    /* Overwrite on request: a fresh file with nothing done. */
    CHECK_OK(results_create(MPI_COMM_SELF, path, l, RESULTS_OVERWRITE, &f));
    CHECK_OK(results_read_status(f, status, NULL));
    CHECK_INT_EQ(status[0], RUN_PENDING);
    CHECK_OK(results_close(&f));
    unlink(path);
}

/* results_read_column / results_read_evals give the values results_read_run gives, find the
 * metric and marker datasets, and refuse what is not a row dataset; results_attr_write. */
static void test_columns(const ResultsLayout *l)
{
    const char *path = "io_columns.h5";
    const int written[] = {1, 4};
    unlink(path);
    write_file(path, l, written, 2, 0);
    ResultsFile *f = NULL;
    CHECK_OK(results_open(MPI_COMM_SELF, path, 1, &f));
    if (!f)
        return;
    RunResult *want = new_row(l);
    double t_star[RUNS];
    int8_t status[RUNS];
    static float is[RUNS][EVALS][FIXTURE_HEADS], acc[RUNS][EVALS];
    static float probe[2][PROBE][FIXTURE_LABELS];
    CHECK_OK(results_read_column(f, "summary/t_star", H5T_NATIVE_DOUBLE, t_star));
    CHECK_OK(results_read_column(f, "curves/induction_strength", H5T_NATIVE_FLOAT, is));
    CHECK_OK(results_read_column(f, "curves/fsl_val_rl/acc", H5T_NATIVE_FLOAT, acc));
    CHECK_OK(results_read_column(f, "runs/status", H5T_NATIVE_INT8, status));
    CHECK_OK(results_read_evals(f, "curves/probe_logits", 4, 2, 2, H5T_NATIVE_FLOAT, probe));
    fixture_fill_run(want, 4, 0);
    CHECK(t_star[4] == want->timing.t_star);
    CHECK(isnan(t_star[0]));
    CHECK_INT_EQ(status[4], want->status);
    CHECK_INT_EQ(status[2], RUN_PENDING);
    CHECK(memcmp(is[4], want->induction_strength, sizeof is[4]) == 0);
    CHECK(memcmp(acc[4], run_result_metric(want, 1, METRIC_ACC), sizeof acc[4]) == 0);
    CHECK(memcmp(probe, want->probe_logits + 2 * PROBE * FIXTURE_LABELS, sizeof probe) == 0);

    CHECK_ERR(results_read_column(f, "runs/id", H5T_NATIVE_INT, status), IH_EUSAGE);
    CHECK_ERR(results_read_column(f, "curves/nope/loss", H5T_NATIVE_FLOAT, acc), IH_EUSAGE);
    CHECK(strstr(ih_error_message(), "curves/nope/loss") != NULL);
    CHECK_ERR(results_read_evals(f, "summary/t_star", 0, 0, 1, H5T_NATIVE_DOUBLE, t_star),
              IH_EUSAGE);
    CHECK_ERR(results_read_evals(f, "curves/probe_logits", 4, 4, 2, H5T_NATIVE_FLOAT, probe),
              IH_EUSAGE);
    CHECK_ERR(results_read_evals(f, "curves/probe_logits", RUNS, 0, 1, H5T_NATIVE_FLOAT, probe),
              IH_EUSAGE);

    const int answer = 42;
    int back = 0;
    CHECK_OK(
        results_attr_write(results_file_id(f), "answer", H5T_STD_I32LE, H5T_NATIVE_INT, &answer));
    hid_t attr = H5Aopen(results_file_id(f), "answer", H5P_DEFAULT);
    CHECK(attr >= 0 && H5Aread(attr, H5T_NATIVE_INT, &back) >= 0);
    CHECK_INT_EQ(back, 42);
    if (attr >= 0)
        H5Aclose(attr);
    CHECK_ERR(
        results_attr_write(results_file_id(f), "answer", H5T_STD_I32LE, H5T_NATIVE_INT, &answer),
        IH_EHDF5); /* exists */
    CHECK(strstr(ih_error_message(), "answer") && strstr(ih_error_message(), path));
    run_result_destroy(&want);
    CHECK_OK(results_close(&f));

    /* A dataset whose shape disagrees with the layout is a data error. */
    hid_t h = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hsize_t longer = RUNS + 1;
    hid_t space = H5Screate_simple(1, &longer, NULL);
    CHECK(h >= 0 && H5Ldelete(h, "summary/t_05", H5P_DEFAULT) >= 0);
    hid_t ds =
        H5Dcreate2(h, "summary/t_05", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(ds >= 0);
    H5Dclose(ds);
    H5Sclose(space);
    H5Fclose(h);
    CHECK_OK(results_open(MPI_COMM_SELF, path, 0, &f));
    if (f)
        CHECK_ERR(results_read_column(f, "summary/t_05", H5T_NATIVE_DOUBLE, t_star), IH_EDATA);
    CHECK_OK(results_close(&f));
    unlink(path);
}

/* Flips one stored value with a raw H5Dwrite; verification must notice. */
static void corrupt_value(ResultsFile *f, const char *dataset, int run, int col)
{
    hid_t ds = H5Dopen2(results_file_id(f), dataset, H5P_DEFAULT);
    hid_t space = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t start[2] = {(hsize_t)run, (hsize_t)col}, count[2] = {1, 1};
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mem = H5Screate_simple(1, count, NULL);
    CHECK(rank == 1 || rank == 2);
    double old = 0, flipped = 0;
    CHECK(H5Dread(ds, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, &old) >= 0);
    flipped = old + 1;
    CHECK(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, &flipped) >= 0);
    H5Sclose(mem);
    H5Sclose(space);
    H5Dclose(ds);
}

static void test_corruption(const ResultsLayout *l)
{
    const char *path = "io_corrupt.h5";
    const int written[] = {0, 2, 3, 4};
    unlink(path);
    write_file(path, l, written, 4, 0);
    ResultsFile *f = NULL;
    int ok = -1;
    CHECK_OK(results_open(MPI_COMM_SELF, path, 1, &f));
    if (!f)
        return;
    corrupt_value(f, "curves/fsl_val_rl/acc", 2, 0);
    corrupt_value(f, "summary/t_star", 3, 0);
    CHECK_OK(results_verify_run(f, 2, &ok));
    CHECK_INT_EQ(ok, 0);
    CHECK_OK(results_verify_run(f, 3, &ok));
    CHECK_INT_EQ(ok, 0);
    CHECK_OK(results_verify_run(f, 0, &ok));
    CHECK_INT_EQ(ok, 1);
    /* wall_seconds is outside the checksum: changing it keeps the row valid. */
    corrupt_value(f, "runs/wall_seconds", 4, 0);
    CHECK_OK(results_verify_run(f, 4, &ok));
    CHECK_INT_EQ(ok, 1);

    CHECK_OK(results_mark_pending(f, 2));
    int8_t status[RUNS];
    uint64_t checksum[RUNS];
    CHECK_OK(results_read_status(f, status, checksum));
    CHECK_INT_EQ(status[2], RUN_PENDING);
    CHECK(checksum[2] == 0);
    CHECK_ERR(results_mark_pending(f, -1), IH_EUSAGE);

    /* Rewriting the reset row makes it valid again. */
    RunResult *r = new_row(l);
    fixture_fill_run(r, 2, 0);
    CHECK_OK(results_write_run(f, 2, r));
    CHECK_OK(results_verify_run(f, 2, &ok));
    CHECK_INT_EQ(ok, 1);

    /* Rows that could not be read back identically are refused before anything is written. */
    r->status = RUN_PENDING;
    CHECK_ERR(results_write_run(f, 1, r), IH_EDATA);
    fixture_fill_run(r, 1, 0);
    r->eval_seq[r->max_evals - 1] = 7; /* past n_evals */
    CHECK_ERR(results_write_run(f, 1, r), IH_EDATA);
    CHECK_OK(results_read_status(f, status, NULL));
    CHECK_INT_EQ(status[1], RUN_PENDING);
    CHECK_ERR(results_write_run(f, RUNS, r), IH_EUSAGE);
    run_result_destroy(&r);
    CHECK_OK(run_result_create(EVALS + 1, 2, FIXTURE_HEADS, PROBE, FIXTURE_LABELS, &r));
    fixture_fill_run(r, 1, 0);
    CHECK_ERR(results_write_run(f, 1, r), IH_EDATA);
    run_result_destroy(&r);
    CHECK_OK(results_close(&f));
    unlink(path);
}

static void test_no_probe(void)
{
    const char *path = "io_noprobe.h5";
    ResultsLayout l = {0};
    ResultsFile *f = NULL;
    RunResult *r = NULL, *back = NULL;
    int ok = 0;
    unlink(path);
    CHECK_OK(fixture_layout(&l, 3, 4, 0, "77"));
    r = new_row(&l);
    back = new_row(&l);
    CHECK_OK(results_create(MPI_COMM_SELF, path, &l, 0, &f));
    fixture_fill_run(r, 1, 0.5);
    CHECK_OK(results_write_run(f, 1, r));
    r->probe_logits[0] = 1.0f; /* no probe set in the file: refused */
    CHECK_ERR(results_write_run(f, 2, r), IH_EDATA);
    r->probe_logits[0] = NAN;
    CHECK(H5Lexists(results_file_id(f), "curves/probe_logits", H5P_DEFAULT) == 0);
    CHECK(H5Lexists(results_file_id(f), "probe", H5P_DEFAULT) == 0);
    CHECK_OK(results_close(&f));
    CHECK_OK(results_open(MPI_COMM_SELF, path, 0, &f));
    if (f) {
        CHECK_INT_EQ(results_layout(f)->n_probe, 0);
        CHECK_STR_EQ(results_layout(f)->slurm_job_ids, "77");
        fixture_fill_run(r, 1, 0.5);
        CHECK_OK(results_read_run(f, 1, back));
        CHECK(fixture_results_equal(r, back));
        CHECK_OK(results_verify_run(f, 1, &ok));
        CHECK_INT_EQ(ok, 1);
    }
    CHECK_OK(results_close(&f));
    run_result_destroy(&r);
    run_result_destroy(&back);
    results_layout_free(&l);
    unlink(path);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (fp) {
        fwrite(data, 1, n, fp);
        fclose(fp);
    }
}

static void test_broken_files(const ResultsLayout *l)
{
    const char *path = "io_broken.h5";
    char moved[512];
    ResultsFile *f = NULL;
    unlink(path);
    unlink("io_broken.h5.broken-1");
    unlink("io_broken.h5.broken-2");
    unlink("io_broken.h5.broken-3");
    /* a code of its own: no other data error reads as "move it aside" */
    const int broken = RESULTS_EBROKEN;
    CHECK_INT_EQ(broken, IH_EBROKEN);
    CHECK(broken != IH_EDATA && broken != IH_EHDF5 && broken != IH_EINTERNAL);
    CHECK_INT_EQ(ih_exit_status(RESULTS_EBROKEN), 65);
    CHECK_STR_EQ(ih_strerror(RESULTS_EBROKEN), "unusable file (moved aside?)");
    CHECK_ERR(results_open(MPI_COMM_SELF, path, 1, &f), IH_ENOENT);
    CHECK_ERR(results_move_aside(path, moved, (int)sizeof moved), IH_ENOENT);

    /* Not HDF5 at all. */
    write_bytes(path, "garbage", 7);
    CHECK_ERR(results_open(MPI_COMM_SELF, path, 1, &f), RESULTS_EBROKEN);
    CHECK(f == NULL);
    CHECK_OK(results_move_aside(path, moved, (int)sizeof moved));
    CHECK_STR_EQ(moved, "io_broken.h5.broken-1");
    CHECK(access(path, F_OK) != 0);

    /* The first 4 kB of a real results file (a torn copy). */
    write_file(path, l, NULL, 0, 0);
    FILE *fp = fopen(path, "rb");
    char head[4096];
    size_t n = fp ? fread(head, 1, sizeof head, fp) : 0;
    if (fp)
        fclose(fp);
    CHECK_INT_EQ(n, sizeof head);
    write_bytes(path, head, n);
    CHECK_ERR(results_open(MPI_COMM_SELF, path, 0, &f), RESULTS_EBROKEN);
    CHECK_OK(results_move_aside(path, moved, (int)sizeof moved));
    CHECK_STR_EQ(moved, "io_broken.h5.broken-2");

    /* An HDF5 file whose creation never reached schema_version. */
    hid_t h = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(h >= 0);
    H5Fclose(h);
    CHECK_ERR(results_open(MPI_COMM_SELF, path, 0, &f), RESULTS_EBROKEN);
    CHECK_OK(results_move_aside(path, moved, (int)sizeof moved));
    CHECK_STR_EQ(moved, "io_broken.h5.broken-3");
    CHECK(access("io_broken.h5.broken-1", F_OK) == 0); /* nothing overwritten */
    unlink("io_broken.h5.broken-1");
    unlink("io_broken.h5.broken-2");
    unlink("io_broken.h5.broken-3");
}

static void test_layout_checks(const ResultsLayout *good)
{
    ResultsLayout l = *good;
    char *bad_params[2] = {"data.n_train_classes", "status"};
    char *dup_params[2] = {"seed", "seed"};
    char *bad_evals[2] = {"fsl_train", "a/b"};
    char *clash_evals[2] = {"fsl_train", "train_loss"};
    CHECK_OK(results_layout_check(&l));
    l.param_names = bad_params;
    CHECK_ERR(results_layout_check(&l), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "param_names[1]") != NULL);
    l.param_names = dup_params;
    CHECK_ERR(results_layout_check(&l), IH_ECONFIG);
    l = *good;
    l.evaluator_names = bad_evals;
    CHECK_ERR(results_layout_check(&l), IH_ECONFIG);
    l.evaluator_names = clash_evals;
    CHECK_ERR(results_layout_check(&l), IH_ECONFIG);
    l = *good;
    l.max_evals = 0;
    CHECK_ERR(results_layout_check(&l), IH_ECONFIG);
    ResultsFile *f = NULL;
    CHECK_ERR(results_create(MPI_COMM_SELF, "io_never.h5", &l, 0, &f), IH_ECONFIG);
    CHECK(access("io_never.h5", F_OK) != 0);

    ResultsLayout copy = {0};
    CHECK_OK(results_layout_copy(&copy, good));
    CHECK_OK(results_layout_compare(good, &copy));
    copy.hashes[4] ^= 1;
    CHECK_ERR(results_layout_compare(good, &copy), IH_EDATA);
    CHECK(strstr(ih_error_message(), "run 4 hash") != NULL);
    copy.hashes[4] ^= 1;
    copy.param_values[3] += 1;
    CHECK_ERR(results_layout_compare(good, &copy), IH_EDATA);
    results_layout_free(&copy);
    results_layout_free(&copy); /* safe twice */
}

static void test_merge(const ResultsLayout *l)
{
    const char *a = "io_shard_a.h5", *b = "io_shard_b.h5", *c = "io_shard_c.h5";
    const char *d = "io_shard_d.h5", *full = "io_full.h5", *merged = "io_merged.h5";
    const char *files[] = {a, b, c, d, full, merged};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(files[i]);
    ResultsLayout la = {0}, lb = {0};
    CHECK_OK(fixture_layout(&la, RUNS, EVALS, PROBE, "101"));
    CHECK_OK(fixture_layout(&lb, RUNS, EVALS, PROBE, "102,101"));
    /* Run 6 is a failed run (not merged), run 3 a diverged one (merged), run 2 in both. */
    const int rows_a[] = {0, 1, 2}, rows_b[] = {2, 3, 6}, rows_full[] = {0, 1, 2, 3};
    write_file(a, &la, rows_a, 3, 0);
    write_file(b, &lb, rows_b, 3, 0);
    write_file(full, l, rows_full, 4, 0);
    ResultsFile *f = NULL;

    const char *inputs[] = {a, b};
    CHECK_OK(results_merge(MPI_COMM_SELF, merged, inputs, 2));
    CHECK(fixture_files_equal(full, merged));
    CHECK(!fixture_files_equal(a, merged)); /* the comparison can fail (run 3 differs) */
    CHECK_OK(results_open(MPI_COMM_SELF, merged, 0, &f));
    if (f)
        CHECK_STR_EQ(results_layout(f)->slurm_job_ids, "101,102");
    CHECK_OK(results_close(&f));
    CHECK_ERR(results_merge(MPI_COMM_SELF, merged, inputs, 2), IH_EIO); /* exists */

    /* Run 2 with other values in a third shard: a conflict. */
    unlink(merged);
    CHECK_OK(results_create(MPI_COMM_SELF, c, &la, 0, &f));
    RunResult *r = new_row(l);
    fixture_fill_run(r, 2, 0.25);
    CHECK_OK(results_write_run(f, 2, r));
    CHECK_OK(results_close(&f));
    const char *conflict[] = {a, c};
    CHECK_ERR(results_merge(MPI_COMM_SELF, merged, conflict, 2), IH_EDATA);
    CHECK(strstr(ih_error_message(), "run 2 differs") != NULL);

    /* A shard of another sweep (one run hash differs). */
    unlink(merged);
    la.hashes[5] += 1;
    write_file(d, &la, rows_a, 1, 0);
    const char *mismatch[] = {a, d};
    CHECK_ERR(results_merge(MPI_COMM_SELF, merged, mismatch, 2), IH_EDATA);
    CHECK(strstr(ih_error_message(), "run 5 hash") != NULL);
    CHECK(access(merged, F_OK) != 0);

    run_result_destroy(&r);
    results_layout_free(&la);
    results_layout_free(&lb);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(files[i]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ResultsLayout l = {0};
    CHECK_OK(fixture_layout(&l, RUNS, EVALS, PROBE, ""));
    test_round_trip(&l);
    test_columns(&l);
    test_corruption(&l);
    test_no_probe();
    test_broken_files(&l);
    test_layout_checks(&l);
    test_merge(&l);
    results_layout_free(&l);
    MPI_Finalize();
    TEST_MAIN_END("test_results");
}
