/* Helper program for the sweep script tests (not a test by itself).
 *
 *   sweep_tool compare A.h5 B.h5
 *       the two results files have the same layout (results_layout_compare) and every row the
 *       same status, checksum and values (everything but wall_seconds, bit for bit). Prints the
 *       first difference; exits 0 when identical, 1 when not, 2 on errors.
 *   sweep_tool corrupt FILE RUN
 *       flips the lowest bit of one value of run RUN's payload (curves/train_loss at eval 1) in
 *       place, leaving its status and checksum alone: the row no longer verifies. Exits 0 or 2.
 *   sweep_tool status FILE
 *       prints one line "RUN STATUS" per row (status as stored, 0-3). Exits 0 or 2.
 *   sweep_tool rechecksum FILE
 *       rewrites every finished row (payload and checksum) in the file's own schema: after a test
 *       turned a file into an older schema (attribute schema_version), its rows verify again as
 *       that older ihsweep would have written them. Exits 0 or 2.
 */
#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what)
{
    fprintf(stderr, "sweep_tool: %s: %s\n", what, ih_error_message());
    return 2;
}

/* Compares two rows field by field (the checksum covers all of them but wall_seconds). */
static int rows_equal(const RunResult *a, const RunResult *b, int run)
{
    const size_t E = (size_t)a->max_evals, H = (size_t)a->n_heads;
    const size_t probe = E * (size_t)(a->n_probe ? a->n_probe : 1) * (size_t)a->n_labels;
    struct {
        const char *name;
        const void *x, *y;
        size_t bytes;
    } f[] = {
        {"eval_seq", a->eval_seq, b->eval_seq, E * sizeof(int64_t)},
        {"metrics", a->metrics, b->metrics, (size_t)a->n_evaluators * METRIC_COUNT * E * 4},
        {"train_loss", a->train_loss, b->train_loss, E * 4},
        {"grad_norm", a->grad_norm, b->grad_norm, E * 4},
        {"induction_strength", a->induction_strength, b->induction_strength, E * H * 4},
        {"prev_token_score", a->prev_token_score, b->prev_token_score, E * H * 4},
        {"probe_logits", a->probe_logits, b->probe_logits, probe * 4},
        {"timing", &a->timing, &b->timing, sizeof a->timing},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (memcmp(f[i].x, f[i].y, f[i].bytes) != 0) {
            printf("run %d: %s differs\n", run, f[i].name);
            return 0;
        }
    if (a->status != b->status || a->n_evals != b->n_evals || a->diverged_seq != b->diverged_seq ||
        a->strongest_ih != b->strongest_ih || a->pt_head != b->pt_head) {
        printf("run %d: status %d/%d, n_evals %d/%d, diverged_seq %lld/%lld, heads %d,%d/%d,%d\n",
               run, a->status, b->status, a->n_evals, b->n_evals, (long long)a->diverged_seq,
               (long long)b->diverged_seq, a->strongest_ih, a->pt_head, b->strongest_ih,
               b->pt_head);
        return 0;
    }
    return 1;
}

static int cmd_compare(const char *pa, const char *pb)
{
    ResultsFile *fa = NULL, *fb = NULL;
    RunResult *ra = NULL, *rb = NULL;
    int8_t *sa = NULL, *sb = NULL;
    uint64_t *ca = NULL, *cb = NULL;
    int status = 2;
    if (results_open(MPI_COMM_SELF, pa, 0, &fa) < 0 ||
        results_open(MPI_COMM_SELF, pb, 0, &fb) < 0) {
        fail("open");
        goto done;
    }
    const ResultsLayout *l = results_layout(fa);
    if (results_layout_compare(l, results_layout(fb)) != 0) {
        printf("layouts differ: %s\n", ih_error_message());
        status = 1;
        goto done;
    }
    const int n = l->n_runs;
    sa = calloc((size_t)n, 1);
    sb = calloc((size_t)n, 1);
    ca = calloc((size_t)n, sizeof *ca);
    cb = calloc((size_t)n, sizeof *cb);
    if (!sa || !sb || !ca || !cb ||
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &ra) <
            0 ||
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &rb) <
            0 ||
        results_read_status(fa, sa, ca) < 0 || results_read_status(fb, sb, cb) < 0) {
        fail("read");
        goto done;
    }
    status = 0;
    int done_rows = 0;
    for (int i = 0; i < n; i++) {
        if (sa[i] != sb[i] || ca[i] != cb[i]) {
            printf("run %d: status %d vs %d, checksum %016llx vs %016llx\n", i, sa[i], sb[i],
                   (unsigned long long)ca[i], (unsigned long long)cb[i]);
            status = 1;
            continue;
        }
        if (results_read_run(fa, i, ra) < 0 || results_read_run(fb, i, rb) < 0) {
            status = fail("read_run");
            goto done;
        }
        if (!rows_equal(ra, rb, i))
            status = 1;
        done_rows += sa[i] != 0;
    }
    printf("%s: %d rows (%d finished) %s\n", status ? "DIFFERENT" : "identical", n, done_rows,
           status ? "differ" : "match bit for bit");
done:
    run_result_destroy(&ra);
    run_result_destroy(&rb);
    free(sa);
    free(sb);
    free(ca);
    free(cb);
    if (fa)
        results_close(&fa);
    if (fb)
        results_close(&fb);
    return status;
}

static int cmd_corrupt(const char *path, int run)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "sweep_tool: cannot open %s\n", path);
        return 2;
    }
    int status = 2;
    hid_t d = H5Dopen2(f, "curves/train_loss", H5P_DEFAULT);
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t start[2] = {(hsize_t)run, 1}, count[2] = {1, 1}, one = 1;
    hid_t ms = H5Screate_simple(1, &one, NULL);
    float v = 0;
    if (fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dread(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, &v) >= 0) {
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        bits ^= 1u;
        memcpy(&v, &bits, sizeof v);
        if (H5Dwrite(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, &v) >= 0)
            status = 0;
    }
    if (status)
        fprintf(stderr, "sweep_tool: cannot corrupt run %d of %s\n", run, path);
    H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(f);
    return status;
}

static int cmd_status(const char *path)
{
    ResultsFile *f = NULL;
    if (results_open(MPI_COMM_SELF, path, 0, &f) < 0)
        return fail("open");
    const int n = results_layout(f)->n_runs;
    int8_t *s = calloc((size_t)n, 1);
    int status = 0;
    if (!s || results_read_status(f, s, NULL) < 0)
        status = fail("read");
    for (int i = 0; status == 0 && i < n; i++)
        printf("%d %d\n", i, s[i]);
    free(s);
    results_close(&f);
    return status;
}

static int cmd_rechecksum(const char *path)
{
    ResultsFile *f = NULL;
    RunResult *r = NULL;
    if (results_open(MPI_COMM_SELF, path, 1, &f) < 0)
        return fail("open");
    const ResultsLayout *l = results_layout(f);
    int status = 0;
    if (run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels,
                          &r) < 0)
        status = fail("allocate");
    for (int i = 0; status == 0 && i < l->n_runs; i++) {
        if (results_read_run(f, i, r) < 0)
            status = fail("read");
        else if (r->status != RUN_PENDING && results_write_run(f, i, r) < 0)
            status = fail("write");
    }
    run_result_destroy(&r);
    if (results_close(&f) < 0 && status == 0)
        status = fail("close");
    return status;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int status = 2;
    if (argc == 4 && strcmp(argv[1], "compare") == 0)
        status = cmd_compare(argv[2], argv[3]);
    else if (argc == 4 && strcmp(argv[1], "corrupt") == 0)
        status = cmd_corrupt(argv[2], atoi(argv[3]));
    else if (argc == 3 && strcmp(argv[1], "status") == 0)
        status = cmd_status(argv[2]);
    else if (argc == 3 && strcmp(argv[1], "rechecksum") == 0)
        status = cmd_rechecksum(argv[2]);
    else
        fprintf(stderr, "usage: sweep_tool compare A B | corrupt FILE RUN | status FILE | rechecksum FILE\n");
    MPI_Finalize();
    return status;
}
