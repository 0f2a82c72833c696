/* ihsweep train RUN.json -o run.h5: one run in one process, its curves written as the single row
 * of a results file with the sweep's layout. Progress on stderr, one line per eval. SIGUSR1 or
 * SIGTERM: checkpoint and exit 75; running the same command again resumes. */
#include "cli/cli.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/exemplar_file.h"
#include "ihsweep/results.h"
#include "ihsweep/train.h"
#include "ihsweep/version.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void openblas_set_num_threads(int n);

static volatile sig_atomic_t train_stop_flag;

static void train_on_signal(int sig)
{
    (void)sig;
    train_stop_flag = 1;
}

static void train_usage(FILE *out)
{
    fprintf(out,
            "usage: ihsweep train RUN.json -o OUT.h5 [--checkpoint PATH] [--save-model PATH]\n"
            "                     [--overwrite]\n\n"
            "Trains one run (schema: README, 'Run config') in this process and writes its\n"
            "curves as the single row of a results file. Progress goes to stderr, one line per\n"
            "eval. On SIGUSR1 or SIGTERM the run checkpoints and exits 75; the same command\n"
            "resumes it.\n\n"
            "  -o, --output FILE    results file to create (refuses to overwrite)\n"
            "  --checkpoint PATH    checkpoint file (default OUT.h5.ckpt)\n"
            "  --save-model PATH    also save the final model there (a checkpoint file: the\n"
            "                       source of a graft_in / graft_out clamp)\n"
            "  --overwrite          replace an existing OUT.h5\n");
}

typedef struct {
    const char *name;
    int fsl_train;
} TrainProgress;

static void train_on_eval(void *ctx, const RunResult *r, int e)
{
    const TrainProgress *p = ctx;
    time_t now = time(NULL);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", localtime(&now));
    fprintf(stderr,
            "%s %s: eval %d/%d at %lld sequences: train_loss %.4f fsl_train loss %.4f acc "
            "%.3f\n",
            stamp, p->name, e + 1, r->max_evals, (long long)r->eval_seq[e], r->train_loss[e],
            run_result_metric_const(r, p->fsl_train, METRIC_LOSS)[e],
            run_result_metric_const(r, p->fsl_train, METRIC_ACC)[e]);
}

static int train_write_file(const char *path, int overwrite, const RunConfig *cfg,
                            const char *config_text, const RunResult *r)
{
    int rc = 0;
    ResultsFile *f = NULL;
    char libs[512];
    results_library_versions(libs, (int)sizeof libs);
    char *names[DATA_MAX_EVALUATORS];
    for (int i = 0; i < cfg->data.n_evaluators; i++)
        names[i] = (char *)cfg->data.evaluators[i].name;
    char *conditions[1] = {(char *)cfg->name};
    char *configs[1] = {(char *)config_text};
    int stages[1] = {0};
    uint64_t hashes[1] = {run_config_text_hash(config_text)};
    ResultsLayout layout = {
        .n_runs = 1,
        .max_evals = r->max_evals,
        .n_evaluators = r->n_evaluators,
        .evaluator_names = names,
        .n_heads = r->n_heads,
        .n_probe = r->n_probe,
        .n_labels = r->n_labels,
        .n_params = 0,
        .conditions = conditions,
        .stages = stages,
        .hashes = hashes,
        .configs = configs,
        .sweep_text = "",
        .ihsweep_version = (char *)ih_version_string(),
        .git_hash = (char *)ih_git_hash(),
        .library_versions = libs,
        .slurm_job_ids = getenv("SLURM_JOB_ID") ? getenv("SLURM_JOB_ID") : "",
    };
    IH_TRY(results_create(MPI_COMM_SELF, path, &layout, overwrite ? RESULTS_OVERWRITE : 0, &f));
    IH_TRY(results_write_run(f, 0, r));
cleanup:
    if (f) {
        int close_rc = results_close(&f);
        if (rc == 0)
            rc = close_rc;
    }
    return rc;
}

static int train_main(const char *config_path, const char *out_path, const char *ckpt_path,
                      const char *model_path, int overwrite)
{
    int rc = 0;
    char *text = NULL, *canonical = NULL;
    RunConfig *cfg = NULL;
    RunResult *result = NULL;
    struct stat st;
    IH_ALLOC(cfg, 1);
    IH_TRY(config_read_file(config_path, &text));
    IH_TRY(run_config_parse(text, config_path, cfg));
    IH_TRY(run_config_validate(cfg));
    if (!overwrite && stat(out_path, &st) == 0)
        IH_FAIL(IH_EIO, "%s exists (use --overwrite to replace it)", out_path);
    IH_TRY(train_result_create(cfg, &result));
    TrainProgress progress = {cfg->name, 0};
    for (int i = 0; i < cfg->data.n_evaluators; i++)
        if (strcmp(cfg->data.evaluators[i].name, "fsl_train") == 0)
            progress.fsl_train = i;
    TrainOptions opts = {.checkpoint_path = ckpt_path,
                         .stop = &train_stop_flag,
                         .observer = {&progress, train_on_eval},
                         .data_reader = exemplar_file_read,
                         .final_model_path = model_path};
    IH_TRY(train_run(cfg, &opts, result));
    IH_TRY(run_config_write(cfg, &canonical)); /* what a sweep's row stores for this config */
    IH_TRY(train_write_file(out_path, overwrite, cfg, canonical, result));
    remove(ckpt_path);
    fprintf(stderr,
            "%s: %s after %.1f s; t* = %.0f sequences (%s); strongest IH head %d, PT head "
            "%d; results in %s\n",
            cfg->name, result->status == RUN_DIVERGED ? "DIVERGED" : "done", result->wall_seconds,
            result->timing.t_star, result->timing.crossed ? "crossed 0.4 ln 2" : "never crossed",
            result->strongest_ih, result->pt_head, out_path);
cleanup:
    run_result_destroy(&result);
    free(cfg);
    free(text);
    free(canonical);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    static const struct option options[] = {{"output", required_argument, NULL, 'o'},
                                            {"checkpoint", required_argument, NULL, 'c'},
                                            {"save-model", required_argument, NULL, 'm'},
                                            {"overwrite", no_argument, NULL, 'w'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *out = NULL, *ckpt = NULL, *model = NULL;
    int overwrite = 0, opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            train_usage(stdout);
            return 0;
        case 'o':
            out = optarg;
            break;
        case 'c':
            ckpt = optarg;
            break;
        case 'm':
            model = optarg;
            break;
        case 'w':
            overwrite = 1;
            break;
        default:
            return cli_usage_error("train", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("train", "expected one run config file");
    if (!out)
        return cli_usage_error("train", "missing -o OUT.h5");
    char default_ckpt[4096];
    if (!ckpt) {
        snprintf(default_ckpt, sizeof default_ckpt, "%s.ckpt", out);
        ckpt = default_ckpt;
    }
    openblas_set_num_threads(1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = train_on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    MPI_Init(&argc, &argv);
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int status;
    if (size > 1) {
        status = cli_usage_error("train",
                                 "trains one run in one process; use 'ihsweep run' "
                                 "for sweeps across %d ranks",
                                 size);
    } else {
        status = cli_report_error("train", train_main(argv[optind], out, ckpt, model, overwrite));
    }
    MPI_Finalize();
    return status;
}
