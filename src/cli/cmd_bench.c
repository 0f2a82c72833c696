/* ihsweep bench: times training steps (forward, backward, Adam) of the paper model on synthetic
 * inputs, single-threaded, and prints steps/s, sequences/s, GFLOP/s and peak RSS. With --clamp FILE
 * the steps are clamped (clamp_forward + clamp_backward + Adam) under the clamp list in FILE. A
 * benchmark, not a test: it reports what it measures. */
#include "cli/cli.h"

#include "ihsweep/clock.h"
#include "ihsweep/clamp.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/model.h"
#include "ihsweep/rng.h"

#include <getopt.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

void openblas_set_num_threads(int n);

static void bench_usage(FILE *out)
{
    fprintf(out,
            "usage: ihsweep bench [--steps N] [--warmup N] [--clamp FILE]\n\n"
            "Trains the paper configuration (batch 32, 5 tokens, D 512, d_model 64, 8 heads,\n"
            "2 layers, 5 labels) on synthetic inputs (50 classes, one exemplar each) on one\n"
            "thread and prints steps/s, sequences/s, GFLOP/s and peak RSS. The last line is\n"
            "steps_per_sec=<number>.\n\n"
            "  --steps N     timed steps (default 3000)\n"
            "  --warmup N    untimed steps first (default 100)\n"
            "  --clamp FILE  clamped steps under the clamp list in FILE (a JSON array, as\n"
            "                sweeps/examples/clamps_*.json); head symbols are resolved with the\n"
            "                reference scripts' heads (strongest_ih 1:3, pt_head 0:2)\n");
}

typedef struct {
    ModelBatch batch;
    float *rows;
    int *example_row, *labels, *targets;
} BenchData;

/* One synthetic batch per step: 50 class vectors (non-negative, like CNN features), two distinct
 * context classes, the query repeating one of them, random labels. */
static void bench_batch(BenchData *d, Rng *r, int B, int K)
{
    for (int b = 0; b < B; b++) {
        int c0 = (int)rng_below(r, (uint32_t)K);
        int c1 = (int)((c0 + 1 + rng_below(r, (uint32_t)K - 1)) % K);
        int which = (int)rng_below(r, 2);
        d->example_row[b * 3 + 0] = c0;
        d->example_row[b * 3 + 1] = c1;
        d->example_row[b * 3 + 2] = which ? c1 : c0;
        d->labels[b * 2 + 0] = (int)rng_below(r, 5);
        d->labels[b * 2 + 1] = (int)rng_below(r, 5);
        d->targets[b] = d->labels[b * 2 + which];
    }
}

/* Reads, resolves and compiles the clamp list in path for the paper model. */
static int bench_clamp_plan(const char *path, const ModelConfig *cfg, int B, int K, ClampPlan **out)
{
    int rc = 0;
    char *text = NULL;
    ClampConfig *cc = NULL;
    const ClampHeadBindings bindings = {.strongest_ih = 3, .pt_head = 2};
    IH_ALLOC(cc, 1);
    IH_TRY(config_read_file(path, &text));
    IH_TRY(clamp_config_parse(text, path, cc));
    IH_TRY(clamp_config_resolve(cc, &bindings, cfg->n_heads, cfg->depth));
    IH_TRY(clamp_config_validate(cc, cfg, path));
    IH_TRY(clamp_plan_create(cc, cfg, B, K, out));
cleanup:
    free(text);
    free(cc);
    return rc;
}

static int bench_run(long steps, long warmup, const char *clamp_path)
{
    int rc = 0;
    enum { B = 32, K = 50 };
    Model *m = NULL;
    ModelActs *acts = NULL, *dacts = NULL;
    ClampPlan *plan = NULL;
    BenchData d = {0};
    ModelConfig cfg = model_config_paper(5);
    AdamConfig opt = model_adam_paper();
    IH_TRY(model_create(&cfg, &m));
    IH_TRY(model_acts_create(&cfg, B, K, &acts));
    IH_TRY(model_acts_create(&cfg, B, K, &dacts));
    model_acts_set_query_only(acts, 1); /* as a training step without clamps */
    if (clamp_path)
        IH_TRY(bench_clamp_plan(clamp_path, &cfg, B, K, &plan));
    IH_ALLOC(d.rows, (size_t)K * cfg.input_dim);
    IH_ALLOC(d.example_row, B * 3);
    IH_ALLOC(d.labels, B * 2);
    IH_ALLOC(d.targets, B);
    Rng r;
    rng_init(&r, 1, RNG_PURPOSE_TEST, 0);
    for (int i = 0; i < K * cfg.input_dim; i++) {
        float x = 1.0f + 0.5f * rng_normal(&r);
        d.rows[i] = x > 0 ? x : 0;
    }
    d.batch = (ModelBatch){B, K, d.rows, d.example_row, d.labels, d.targets};
    model_init_params(m, 5);

    double t0 = 0, loss = 0;
    for (long s = 0; s < warmup + steps; s++) {
        if (s == warmup)
            t0 = ih_clock_seconds();
        bench_batch(&d, &r, B, K);
        model_zero_grad(m);
        if (plan) {
            loss = clamp_forward(plan, m, &d.batch);
            clamp_backward(plan, m, &d.batch);
        } else {
            model_acts_zero(dacts);
            loss = model_forward(m, &d.batch, acts, NULL);
            model_backward(m, &d.batch, acts, dacts, 1.0f, NULL);
        }
        model_adam_step(m, &opt);
    }
    double secs = ih_clock_seconds() - t0;
    double sps = (double)steps / secs;
    double flops = model_step_flops(&cfg, B, K);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("config: paper (B=%d, T=5, D=%d, C=%d, H=%d, depth=%d, L=5), %zu parameters\n", B,
           cfg.input_dim, cfg.d_model, cfg.n_heads, cfg.depth, model_param_count(m));
    if (plan) {
        char passes[256];
        printf("clamps: %s (passes: %s)\n", clamp_path,
               clamp_plan_describe(plan, passes, sizeof passes));
        printf("passes_per_step=%d\n", clamp_plan_passes(plan));
    }
    printf("steps: %ld in %.3f s (final loss %.4f)\n", steps, secs, loss);
    printf("sequences_per_sec=%.0f\n", sps * B);
    if (!plan)
        printf("flops_per_step=%.3g gflops_per_sec=%.2f\n", flops, flops * sps * 1e-9);
    printf("peak_rss_mib=%.1f\n", (double)ru.ru_maxrss / 1024.0);
    printf("steps_per_sec=%.1f\n", sps);
cleanup:
    clamp_plan_destroy(&plan);
    model_destroy(&m);
    model_acts_destroy(&acts);
    model_acts_destroy(&dacts);
    free(d.rows);
    free(d.example_row);
    free(d.labels);
    free(d.targets);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option options[] = {{"steps", required_argument, NULL, 's'},
                                            {"warmup", required_argument, NULL, 'w'},
                                            {"clamp", required_argument, NULL, 'c'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    long steps = 3000, warmup = 100;
    const char *clamp_path = NULL;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'h': bench_usage(stdout); return 0;
        case 's':
            steps = strtol(optarg, &end, 10);
            if (*end || steps < 1)
                return cli_usage_error("bench", "--steps needs a positive integer, got '%s'",
                                       optarg);
            break;
        case 'c': clamp_path = optarg; break;
        case 'w':
            warmup = strtol(optarg, &end, 10);
            if (*end || warmup < 0)
                return cli_usage_error("bench", "--warmup needs an integer >= 0, got '%s'",
                                       optarg);
            break;
        default: return cli_usage_error("bench", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
    openblas_set_num_threads(1);
    return cli_report_error("bench", bench_run(steps, warmup, clamp_path));
}
