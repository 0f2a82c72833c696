/* Writes the results fuzzer's seeds: small valid results files (a few runs, some rows written,
 * with and without probe logits) into the directory given as argv[1]. Runs on MPI_COMM_SELF.
 */
#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int seed_write(const char *path, int n_probe)
{
    int rc = 0;
    char *evaluators[1] = {"fsl_train"};
    char *params[1] = {"seed"};
    double values[3] = {5, 6, 7};
    char *conditions[3] = {"none", "none", "ablate"};
    int stages[3] = {0, 0, 1};
    uint64_t hashes[3] = {11, 22, 33};
    char *configs[3] = {"{\"init_seed\": 5}", "{\"init_seed\": 6}", "{\"init_seed\": 7}"};
    ResultsLayout l = {.n_runs = 3,
                       .max_evals = 3,
                       .n_evaluators = 1,
                       .evaluator_names = evaluators,
                       .n_heads = 2,
                       .n_probe = n_probe,
                       .n_labels = 2,
                       .n_params = 1,
                       .param_names = params,
                       .param_values = values,
                       .conditions = conditions,
                       .stages = stages,
                       .hashes = hashes,
                       .configs = configs,
                       .sweep_text = "{\"name\": \"seed\"}",
                       .ihsweep_version = "seed",
                       .git_hash = "seed",
                       .library_versions = "seed",
                       .slurm_job_ids = ""};
    ResultsFile *f = NULL;
    RunResult *r = NULL;
    IH_TRY(results_create(MPI_COMM_SELF, path, &l, RESULTS_OVERWRITE, &f));
    IH_TRY(run_result_create(l.max_evals, l.n_evaluators, l.n_heads, l.n_probe, l.n_labels, &r));
    for (int run = 0; run < 2; run++) {
        r->n_evals = 2;
        for (int e = 0; e < 2; e++) {
            r->eval_seq[e] = 1000 * (e + 1);
            r->train_loss[e] = 1.0f - 0.1f * (float)e;
            for (int m = 0; m < METRIC_COUNT; m++)
                run_result_metric(r, 0, (Metric)m)[e] = 0.5f + 0.1f * (float)(m + run);
        }
        r->status = run == 0 ? RUN_DONE : RUN_DIVERGED;
        r->timing.crossed = run == 0;
        r->timing.t_star = run == 0 ? 1500.0 : NAN;
        r->strongest_ih = run;
        r->pt_head = 1 - run;
        IH_TRY(results_write_run(f, run, r));
    }
    IH_TRY(results_flush(f));
cleanup:
    run_result_destroy(&r);
    if (results_close(&f) < 0 && rc == 0)
        rc = IH_EHDF5;
    return rc;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = argc == 2 ? 0 : IH_EUSAGE;
    char path[4096];
    for (int probe = 0; rc == 0 && probe <= 1; probe++) {
        snprintf(path, sizeof path, "%s/seed-probe%d.h5", argc == 2 ? argv[1] : ".", probe);
        rc = seed_write(path, probe);
    }
    if (rc != 0)
        fprintf(stderr, "fuzz_results_seed: %s\n",
                argc == 2 ? ih_error_message() : "usage: fuzz_results_seed DIR");
    MPI_Finalize();
    return rc == 0 ? 0 : 1;
}
