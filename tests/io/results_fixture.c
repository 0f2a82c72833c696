/* The io tests' fixture (see results_fixture.h). The formulas below are repeated in
 * check_results.py: change both together.
 */
#include "results_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fixture_layout(ResultsLayout *out, int n_runs, int max_evals, int n_probe, const char *job_ids)
{
    int rc = 0;
    char *evaluators[2] = {"fsl_train", "fsl_val_rl"};
    char *params[2] = {"data.n_train_classes", "seed"};
    const char *condition_names[3] = {"noclamp", "clamp_pt", "clamp_ih_long_condition"};
    char **conditions = NULL, **configs = NULL, *sweep = NULL;
    int *stages = NULL;
    uint64_t *hashes = NULL;
    double *values = NULL;
    IH_ALLOC(conditions, n_runs);
    IH_ALLOC(configs, n_runs);
    IH_ALLOC(stages, n_runs);
    IH_ALLOC(hashes, n_runs);
    IH_ALLOC(values, 2 * n_runs);
    for (int r = 0; r < n_runs; r++) {
        conditions[r] = (char *)condition_names[r % 3];
        IH_ALLOC(configs[r], 64 + r);
        int len = snprintf(configs[r], 64, "{\"run\": %d, \"pad\": \"", r);
        memset(configs[r] + len, 'p', (size_t)r);
        strcpy(configs[r] + len + r, "\"}");
        stages[r] = r % 2;
        hashes[r] = 0x9E3779B97F4A7C15ULL * (uint64_t)(r + 1);
        values[2 * r] = 100 + r % 3;
        values[2 * r + 1] = r / 3;
    }
    IH_ALLOC(sweep, FIXTURE_SWEEP_BYTES + 1);
    memset(sweep, 's', FIXTURE_SWEEP_BYTES);
    ResultsLayout l = {.n_runs = n_runs,
                       .max_evals = max_evals,
                       .n_evaluators = 2,
                       .evaluator_names = evaluators,
                       .n_heads = FIXTURE_HEADS,
                       .n_probe = n_probe,
                       .n_labels = FIXTURE_LABELS,
                       .n_params = 2,
                       .param_names = params,
                       .param_values = values,
                       .conditions = conditions,
                       .stages = stages,
                       .hashes = hashes,
                       .configs = configs,
                       .sweep_text = sweep,
                       .ihsweep_version = "0.1.0-test",
                       .git_hash = "0123abc",
                       .library_versions = "MPI test; HDF5 test",
                       .slurm_job_ids = (char *)job_ids};
    IH_TRY(results_layout_copy(out, &l));
cleanup:
    for (int r = 0; configs && r < n_runs; r++)
        free(configs[r]);
    free(configs);
    free(conditions);
    free(stages);
    free(hashes);
    free(values);
    free(sweep);
    return rc;
}

void fixture_fill_run(RunResult *r, int run, double salt)
{
    int E = r->max_evals, H = r->n_heads, P = r->n_probe, L = r->n_labels;
    r->n_evals = 1 + run % E;
    for (int i = 0; i < E; i++) {
        int used = i < r->n_evals;
        r->eval_seq[i] = used ? 1000 * (int64_t)i : -1;
        for (int e = 0; e < r->n_evaluators; e++)
            for (int m = 0; m < METRIC_COUNT; m++)
                run_result_metric(r, e, (Metric)m)[i] =
                    used ? (float)(run * 100 + e * 10 + m + 0.001 * i + salt) : NAN;
        r->train_loss[i] = used ? (float)(2.0 - 0.01 * i + run) : NAN;
        r->grad_norm[i] = used ? (float)(0.5 + i + salt) : NAN;
        for (int h = 0; h < H; h++) {
            r->induction_strength[i * H + h] = used ? (float)(run + 0.1 * h + 0.01 * i) : NAN;
            r->prev_token_score[i * H + h] = used ? (float)-(run + 0.1 * h + 0.01 * i) : NAN;
        }
        for (int p = 0; p < P; p++)
            for (int l = 0; l < L; l++)
                r->probe_logits[((size_t)i * P + p) * L + l] =
                    used ? (float)(run * 1000 + i + 0.1 * p + 0.01 * l) : NAN;
    }
    if (run == 3) /* a negative NaN: its sign bit must survive the file */
        r->induction_strength[0] = -NAN;
    r->status = run % 7 == 6 ? RUN_FAILED : run % 4 == 3 ? RUN_DIVERGED : RUN_DONE;
    r->diverged_seq = r->status == RUN_DIVERGED ? r->eval_seq[r->n_evals - 1] : -1;
    r->strongest_ih = run % H;
    r->pt_head = (run + 1) % H;
    r->timing.t_star = 1000.0 * run + 0.5;
    r->timing.crossed = run % 2;
    r->timing.t_09 = run % 2 ? NAN : 10.0 * run;
    r->timing.t_05 = 20.0 * run + salt;
    r->timing.t_steepest = 30.0 * run;
    r->wall_seconds = 1.5 * run;
}

static int same_bytes(const char *what, const void *a, const void *b, size_t n)
{
    if (memcmp(a, b, n) == 0)
        return 1;
    const unsigned char *x = a, *y = b;
    size_t i = 0;
    while (x[i] == y[i])
        i++;
    fprintf(stderr, "RunResult %s differs at byte %zu: %02x vs %02x\n", what, i, x[i], y[i]);
    return 0;
}

int fixture_results_equal(const RunResult *a, const RunResult *b)
{
    if (a->max_evals != b->max_evals || a->n_evaluators != b->n_evaluators ||
        a->n_heads != b->n_heads || a->n_probe != b->n_probe || a->n_labels != b->n_labels) {
        fprintf(stderr, "RunResult dims differ\n");
        return 0;
    }
    size_t E = (size_t)a->max_evals, H = (size_t)a->n_heads;
    size_t P = (size_t)(a->n_probe ? a->n_probe : 1), L = (size_t)a->n_labels;
    int scalars_a[6] = {a->n_evals, (int)a->status,    a->strongest_ih,
                        a->pt_head, a->timing.crossed, 0};
    int scalars_b[6] = {b->n_evals, (int)b->status,    b->strongest_ih,
                        b->pt_head, b->timing.crossed, 0};
    double t_a[6] = {a->timing.t_star,     a->timing.t_09,  a->timing.t_05,
                     a->timing.t_steepest, a->wall_seconds, (double)a->diverged_seq};
    double t_b[6] = {b->timing.t_star,     b->timing.t_09,  b->timing.t_05,
                     b->timing.t_steepest, b->wall_seconds, (double)b->diverged_seq};
    return same_bytes("eval_seq", a->eval_seq, b->eval_seq, E * sizeof(int64_t)) &&
           same_bytes("metrics", a->metrics, b->metrics,
                      (size_t)a->n_evaluators * METRIC_COUNT * E * sizeof(float)) &&
           same_bytes("train_loss", a->train_loss, b->train_loss, E * sizeof(float)) &&
           same_bytes("grad_norm", a->grad_norm, b->grad_norm, E * sizeof(float)) &&
           same_bytes("induction_strength", a->induction_strength, b->induction_strength,
                      E * H * sizeof(float)) &&
           same_bytes("prev_token_score", a->prev_token_score, b->prev_token_score,
                      E * H * sizeof(float)) &&
           same_bytes("probe_logits", a->probe_logits, b->probe_logits,
                      E * P * L * sizeof(float)) &&
           same_bytes("ints (n_evals, status, strongest_ih, pt_head, crossed)", scalars_a,
                      scalars_b, sizeof scalars_a) &&
           same_bytes("doubles (t_star, t_09, t_05, t_steepest, wall, diverged_seq)", t_a, t_b,
                      sizeof t_a);
}

typedef struct {
    char names[256][256];
    int n;
} DatasetList;

static herr_t collect_dataset(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    DatasetList *list = data;
    hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    if (obj < 0)
        return -1;
    int is_dataset = H5Iget_type(obj) == H5I_DATASET;
    H5Oclose(obj);
    if (is_dataset && list->n < 256)
        snprintf(list->names[list->n++], sizeof list->names[0], "%s", name);
    return 0;
}

/* The raw bytes of dataset name (read with its own file type), owned; NULL on failure. */
static unsigned char *dataset_bytes(hid_t file, const char *name, size_t *n, hid_t *type_out)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0)
        return NULL;
    hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
    hssize_t points = H5Sget_simple_extent_npoints(space);
    *n = (size_t)points * H5Tget_size(type);
    unsigned char *buf = calloc(*n ? *n : 1, 1);
    if (buf && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        free(buf);
        buf = NULL;
    }
    *type_out = type;
    H5Sclose(space);
    H5Dclose(ds);
    return buf;
}

/* Same type, shape and bytes for dataset name_a of fa and name_b of fb; prints a difference. */
static int compare_dataset(hid_t fa, hid_t fb, const char *name_a, const char *name_b)
{
    if (strcmp(name_a, name_b) != 0) {
        fprintf(stderr, "datasets differ: %s vs %s\n", name_a, name_b);
        return 0;
    }
    size_t na = 0, nb = 0;
    hid_t ta = H5I_INVALID_HID, tb = H5I_INVALID_HID;
    unsigned char *a = dataset_bytes(fa, name_a, &na, &ta);
    unsigned char *b = dataset_bytes(fb, name_b, &nb, &tb);
    int same = a && b && na == nb && H5Tequal(ta, tb) > 0 && memcmp(a, b, na) == 0;
    if (!same) {
        size_t k = 0;
        while (a && b && k < na && k < nb && a[k] == b[k])
            k++;
        fprintf(stderr, "/%s differs (%zu vs %zu bytes, first difference at byte %zu)\n", name_a,
                na, nb, k);
    }
    free(a);
    free(b);
    if (ta >= 0)
        H5Tclose(ta);
    if (tb >= 0)
        H5Tclose(tb);
    return same;
}

static int compare_open_files(hid_t fa, hid_t fb, const char *path_a, const char *path_b)
{
    DatasetList *lists = calloc(2, sizeof *lists);
    int same = lists != NULL;
    if (!same)
        return 0;
    H5Lvisit(fa, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &lists[0]);
    H5Lvisit(fb, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &lists[1]);
    if (lists[0].n != lists[1].n || lists[0].n == 0) {
        fprintf(stderr, "%s has %d datasets, %s has %d\n", path_a, lists[0].n, path_b, lists[1].n);
        same = 0;
    }
    for (int i = 0; same && i < lists[0].n; i++)
        same = compare_dataset(fa, fb, lists[0].names[i], lists[1].names[i]);
    free(lists);
    return same;
}

int fixture_files_equal(const char *path_a, const char *path_b)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fa = H5Fopen(path_a, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t fb = H5Fopen(path_b, H5F_ACC_RDONLY, H5P_DEFAULT);
    int same = 0;
    if (fa < 0 || fb < 0)
        fprintf(stderr, "cannot open %s or %s\n", path_a, path_b);
    else
        same = compare_open_files(fa, fb, path_a, path_b);
    if (fa >= 0)
        H5Fclose(fa);
    if (fb >= 0)
        H5Fclose(fb);
    return same;
}
