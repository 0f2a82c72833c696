/* Analysis of a real results file with known t* values, under mpirun (1, 2 or 4 ranks):
 * loading (pending runs skipped, status/times/params/curves as written), grouping by the swept
 * data parameters, log-log fits, essential dynamics through the on-demand probe reader, storing
 * /analysis collectively, reading it back, and replacing it on a second store.
 *
 * `test_analysis_file --make PATH` only writes the synthetic file (for the CLI tests);
 * `--make-empty PATH` writes its layout with every run pending.
 */
#include "harness.h"
#include "synth_results.h"

#include "ihsweep/analysis.h"
#include "ihsweep/error.h"
#include "ihsweep/pca.h"
#include "ihsweep/results.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

static const SynthSpec spec = {3, 3, 2, 3, 8, 6, 5, 0};

static double read_scalar(hid_t file, const char *path, int index)
{
    double v = NAN, *buf = NULL;
    hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0)
        return NAN;
    hid_t space = H5Dget_space(ds);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    buf = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (n > index && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)
        v = buf[index];
    free(buf);
    H5Sclose(space);
    H5Dclose(ds);
    return v;
}

static void check_input(const AnalysisInput *in)
{
    int R = synth_n_runs(&spec);
    CHECK_INT_EQ(in->n_runs, R);
    CHECK_INT_EQ(in->n_params, 3);
    CHECK_STR_EQ(in->param_names[0], "data.n_train_classes");
    CHECK_STR_EQ(in->loss_name, "fsl_train/loss");
    int bad_status = 0, bad_time = 0, bad_param = 0, bad_cond = 0, bad_seq = 0;
    for (int r = 0; r < R; r++) {
        int c, seed, crossed = 0;
        double K, L;
        synth_run_params(&spec, r, &c, &K, &L, &seed);
        bad_status += in->status[r] != synth_status(&spec, r);
        double t = synth_t_star(&spec, r, &crossed);
        if (in->status[r] == 1)
            bad_time += !(in->times[r * ANALYSIS_N_TIMES] == t ||
                          (isnan(t) && !crossed && isnan(in->times[r * ANALYSIS_N_TIMES]))) ||
                        in->crossed[r] != crossed || in->t_censor[r] != synth_t_censor(&spec, r);
        bad_param +=
            in->params[r * 3] != K || in->params[r * 3 + 1] != L || in->params[r * 3 + 2] != seed;
        bad_cond += strcmp(in->condition[r], synth_condition(c)) != 0;
        if (in->status[r] == 1)
            bad_seq += in->eval_seq[(size_t)r * in->max_evals + synth_n_evals(&spec, r) - 1] < 0 ||
                       (synth_n_evals(&spec, r) < in->max_evals &&
                        in->eval_seq[(size_t)r * in->max_evals + synth_n_evals(&spec, r)] != -1);
    }
    CHECK_INT_EQ(bad_status, 0);
    CHECK_INT_EQ(bad_time, 0);
    CHECK_INT_EQ(bad_param, 0);
    CHECK_INT_EQ(bad_cond, 0);
    CHECK_INT_EQ(bad_seq, 0);
    /* on-demand probe reads */
    float buf[3 * 6 * 5];
    CHECK(in->read_probe != NULL && in->probe_logits == NULL);
    if (in->read_probe) {
        CHECK_OK(in->read_probe(in->probe_ctx, 5, 10, 3, buf));
        CHECK_NEAR(buf[(1 * 6 + 2) * 5 + 4], synth_probe_logit(&spec, 5, 11, 2, 4), 0);
    }
}

static void check_groups(const AnalysisInput *in, AnalysisGroups *g)
{
    int R = synth_n_runs(&spec);
    CHECK_INT_EQ(g->n_keys, 2);
    CHECK_INT_EQ(g->n_groups, spec.n_conditions * spec.n_k * spec.n_l);
    CHECK_INT_EQ(g->n_pending, 1);
    /* every group's mean t* against a direct average of the known values */
    int bad = 0;
    for (int k = 0; k < g->n_groups; k++) {
        double sum = 0;
        int n = 0, never = 0;
        for (int r = 0; r < R; r++) {
            int crossed = 0;
            double t = synth_t_star(&spec, r, &crossed);
            if (g->run_group[r] != k || synth_status(&spec, r) != 1)
                continue;
            never += !crossed;
            if (!crossed)
                continue; /* the mean is over crossed runs */
            sum += t;
            n++;
        }
        const AnalysisGroup *gr = &g->groups[k];
        if (gr->time[ANALYSIS_T_STAR].n != n ||
            (n > 0 && fabs(gr->time[ANALYSIS_T_STAR].mean - sum / n) > 1e-9) ||
            gr->n_never_crossed != never) {
            bad++;
            fprintf(stderr, "group %d: n %d vs %d, mean %g vs %g\n", k, gr->time[0].n, n,
                    gr->time[0].mean, sum / n);
        }
    }
    CHECK_INT_EQ(bad, 0);
    /* group 0 is none, K=50, L=5 with runs 0 (done), 1 (never crossed), 2 (diverged) */
    CHECK_STR_EQ(in->condition[g->groups[0].first_run], "none");
    CHECK_INT_EQ(g->groups[0].n_runs, 3);
    CHECK_INT_EQ(g->groups[0].n_done, 2);
    CHECK_INT_EQ(g->groups[0].n_diverged, 1);
    CHECK_INT_EQ(g->groups[0].n_never_crossed, 1);
    /* Kaplan-Meier over run 0 (crossed) and run 1 (censored at its last eval): S drops to 1/2 at
     * run 0's t* if run 1 ran longer, otherwise run 1 is censored first and S = 0 there */
    {
        int c0 = 0, c1 = 0;
        double t0 = synth_t_star(&spec, 0, &c0), t1 = synth_t_censor(&spec, 1);
        synth_t_star(&spec, 1, &c1);
        CHECK_INT_EQ(c0, 1);
        CHECK_INT_EQ(c1, 0);
        const KmMedian *km = &g->groups[0].km[ANALYSIS_T_STAR];
        CHECK_INT_EQ(km->n, 2);
        CHECK_NEAR(km->median, t0, 0);
        CHECK_NEAR(km->t_max, t0 > t1 ? t0 : t1, 0);
    }
    /* the last group (copy of the last condition, K=200, L=10) lost its pending run */
    CHECK_INT_EQ(g->groups[g->n_groups - 1].n_runs, spec.n_seeds - 1);
}

static void check_fits(const AnalysisInput *in, const AnalysisFit *fits, int n_fits)
{
    CHECK_INT_EQ(n_fits, spec.n_conditions * 2);
    if (n_fits < 1)
        return;
    /* the first fit: condition none against K, by hand from the known values */
    double x[64], y[64];
    int8_t ev[64];
    int n = 0, R = synth_n_runs(&spec);
    for (int r = 0; r < R; r++) {
        int c, seed, crossed;
        double K, L;
        synth_run_params(&spec, r, &c, &K, &L, &seed);
        double t = synth_t_star(&spec, r, &crossed);
        if (c == 0 && synth_status(&spec, r) == 1) {
            x[n] = log(K);
            y[n] = log(crossed ? t : synth_t_censor(&spec, r));
            ev[n] = (int8_t)crossed;
            n++;
        }
    }
    TobitFit want = analysis_tobit(x, y, ev, n);
    CHECK_STR_EQ(in->condition[fits[0].first_run], "none");
    CHECK_INT_EQ(fits[0].param, 0);
    CHECK_INT_EQ(fits[0].fit.n, n);
    CHECK_INT_EQ(fits[0].n_never_crossed, 1);
    CHECK_NEAR(fits[0].fit.slope, want.slope, 1e-12);
    CHECK(fits[0].fit.slope > 0.5 && fits[0].fit.slope < 1.5);
}

static void test_file(MPI_Comm comm, const char *path)
{
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    CHECK_OK(synth_results_write(comm, path, &spec));
    ResultsFile *f = NULL;
    AnalysisInput *in = NULL;
    AnalysisGroups *g = NULL;
    AnalysisFit *fits = NULL;
    EssentialDynamics *ed = NULL;
    int n_fits = 0, keys[3];
    CHECK_OK(results_open(comm, path, 1, &f));
    if (!f)
        return;
    CHECK_OK(analysis_input_load(f, &in));
    if (in) {
        check_input(in);
        int n_keys = analysis_default_keys(in, keys);
        CHECK_OK(analysis_group(in, keys, n_keys, &g));
        if (g)
            check_groups(in, g);
        CHECK_OK(analysis_fit_loglog(in, &fits, &n_fits));
        check_fits(in, fits, n_fits);
        CHECK_OK(essential_dynamics_compute(comm, in, 3, NULL, &ed));
        if (ed) {
            int rows = 0;
            for (int r = 0; r < in->n_runs; r++)
                if (synth_status(&spec, r) == 1)
                    rows += synth_n_evals(&spec, r);
            CHECK_INT_EQ(ed->n_rows, rows);
            CHECK_INT_EQ(ed->n_features, spec.n_probe * spec.n_labels);
            CHECK(ed->pca->variance[0] > ed->pca->variance[1]);
            CHECK(ed->pca->variance[0] / ed->pca->total_variance > 0.5);
        }
        if (g)
            CHECK_OK(analysis_store(f, in, g, fits, n_fits, ed));
    }
    essential_dynamics_destroy(&ed);
    analysis_input_destroy(&in);
    CHECK_OK(results_close(&f));

    /* read back; then store again with fewer groups (the old /analysis must be replaced) */
    CHECK_OK(results_open(comm, path, 1, &f));
    if (!f || !g)
        goto done;
    hid_t file = results_file_id(f);
    CHECK_NEAR(read_scalar(file, "analysis/timing/t_star_mean_event", 0), g->groups[0].time[0].mean,
               0);
    CHECK_NEAR(read_scalar(file, "analysis/timing/t_star_km_median", 0), g->groups[0].km[0].median,
               0);
    CHECK_NEAR(read_scalar(file, "analysis/timing/fs_relabel", 1), 10, 0);
    CHECK_NEAR(read_scalar(file, "analysis/fits/slope", 0), fits[0].fit.slope, 0);
    CHECK(isnan(read_scalar(file, "analysis/pca/trajectory", 2 * SYNTH_MAX_EVALS * 3)));
    CHECK(isfinite(read_scalar(file, "analysis/pca/trajectory", 0)));
    CHECK_OK(analysis_input_load(f, &in));
    analysis_groups_destroy(&g);
    if (in) {
        int one[] = {0};
        CHECK_OK(analysis_group(in, one, 1, &g));
        CHECK_OK(analysis_store(f, in, g, NULL, 0, NULL));
        CHECK(H5Lexists(file, "analysis/timing/fs_relabel", H5P_DEFAULT) == 0);
        CHECK(H5Lexists(file, "analysis/pca", H5P_DEFAULT) == 0);
        CHECK(H5Lexists(file, "analysis/timing/n_train_classes", H5P_DEFAULT) > 0);
    }
    analysis_input_destroy(&in);
    CHECK_OK(results_close(&f));
done:
    analysis_groups_destroy(&g);
    free(fits);
    if (rank == 0)
        printf("test_analysis_file: %s analysed and stored\n", path);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc >= 3 && (strcmp(argv[1], "--make") == 0 || strcmp(argv[1], "--make-empty") == 0)) {
        SynthSpec big = {4, 3, 2, 3, 8, 16, 5, strcmp(argv[1], "--make-empty") == 0};
        int rc = synth_results_write(MPI_COMM_WORLD, argv[2], &big);
        if (rc != 0)
            fprintf(stderr, "test_analysis_file: %s\n", ih_error_message());
        MPI_Finalize();
        return rc == 0 ? 0 : 1;
    }
    char path[64];
    snprintf(path, sizeof path, "analysis_np%d.h5", size);
    test_file(MPI_COMM_WORLD, path);
    MPI_Finalize();
    TEST_MAIN_END("test_analysis_file");
}
