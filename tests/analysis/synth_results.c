/* Synthetic results files for the analysis tests (see synth_results.h). */
#include "synth_results.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const conditions[4] = {"none", "layer1_clamp", "match_clamp", "copy_clamp"};
static const double cond_factor[4] = {1.0, 0.6, 0.4, 0.8};
static const double k_values[3] = {50, 100, 200};
static const double l_values[2] = {5, 10};

int synth_n_runs(const SynthSpec *s)
{
    return s->n_conditions * s->n_k * s->n_l * s->n_seeds;
}

const char *synth_condition(int c)
{
    return conditions[c];
}

void synth_run_params(const SynthSpec *s, int r, int *c, double *K, double *L, int *seed)
{
    *seed = r % s->n_seeds;
    r /= s->n_seeds;
    *L = l_values[r % s->n_l];
    r /= s->n_l;
    *K = k_values[r % s->n_k];
    *c = r / s->n_k;
}

int synth_status(const SynthSpec *s, int r)
{
    if (r == synth_n_runs(s) - 1)
        return 0;
    return r == 2 ? 2 : 1;
}

int synth_n_evals(const SynthSpec *s, int r)
{
    (void)s;
    return r % 5 == 4 ? SYNTH_MAX_EVALS - 6 : SYNTH_MAX_EVALS;
}

/* The eval at which run r's loss crosses 0.4 ln 2 (beyond n_evals for the one that never does). */
static int crossing_eval(const SynthSpec *s, int r)
{
    if (r == 1)
        return 1000;
    int c, seed;
    double K, L;
    synth_run_params(s, r, &c, &K, &L, &seed);
    return (int)lround(4.0 * (K / 50.0) * sqrt(L / 5.0) * cond_factor[c]) + 1 + seed;
}

double synth_t_star(const SynthSpec *s, int r, int *crossed)
{
    *crossed = 0;
    if (synth_status(s, r) != 1)
        return NAN;
    int e = crossing_eval(s, r), n = synth_n_evals(s, r);
    if (e >= n)
        return NAN; /* censored at synth_t_censor */
    *crossed = 1;
    return (double)e * SYNTH_EVAL_EVERY;
}

double synth_t_censor(const SynthSpec *s, int r)
{
    return (double)(synth_n_evals(s, r) - 1) * SYNTH_EVAL_EVERY;
}

float synth_probe_logit(const SynthSpec *s, int r, int e, int p, int l)
{
    double x = (double)e / crossing_eval(s, r);
    double a = sin(1.3 * p + 0.7 * l + 0.1), b = cos(0.9 * p - 1.1 * l);
    return (float)(2.0 * a * tanh(2.0 * x) + b * x * x / (1.0 + x * x) + 0.01 * (r % 7));
}

static float loss_at(int e, int e_star)
{
    const double ln2 = log(2.0);
    if (e < e_star)
        return (float)(ln2 * (0.4 + 0.55 * (1.0 - exp(-(e_star - e) / 3.0))) + 1e-3);
    return (float)(ln2 * 0.4 * exp(-(e - e_star + 1) / 4.0));
}

static void fill_run(const SynthSpec *s, int r, RunResult *res)
{
    int n = synth_n_evals(s, r), e_star = crossing_eval(s, r), crossed = 0;
    res->n_evals = n;
    for (int e = 0; e < n; e++) {
        float loss = loss_at(e, e_star);
        res->eval_seq[e] = (int64_t)e * SYNTH_EVAL_EVERY;
        res->train_loss[e] = loss * 1.02f;
        res->grad_norm[e] = 1.0f;
        for (int m = 0; m < METRIC_COUNT; m++)
            run_result_metric(res, 0, (Metric)m)[e] = m == METRIC_LOSS ? loss : 0.5f;
        for (int h = 0; h < s->n_heads; h++) {
            float top = h == 3 ? 1.0f : 0.25f;
            res->induction_strength[(size_t)e * s->n_heads + h] =
                top / (1.0f + expf(-(float)(e - e_star - h % 3) / 1.5f));
            res->prev_token_score[(size_t)e * s->n_heads + h] = 0.1f;
        }
        for (int p = 0; p < s->n_probe; p++)
            for (int l = 0; l < s->n_labels; l++)
                res->probe_logits[((size_t)e * s->n_probe + p) * s->n_labels + l] =
                    synth_probe_logit(s, r, e, p, l);
    }
    res->status = (RunStatus)synth_status(s, r);
    res->timing.t_star = synth_t_star(s, r, &crossed);
    res->timing.crossed = crossed;
    res->timing.t_09 = (double)(e_star > 3 ? e_star - 3 : 0) * SYNTH_EVAL_EVERY;
    res->timing.t_05 = crossed ? (double)(e_star - 1) * SYNTH_EVAL_EVERY : NAN;
    res->timing.t_steepest = crossed ? (double)e_star * SYNTH_EVAL_EVERY : NAN;
    res->timing.t_censor = synth_t_censor(s, r);
    if (res->status == RUN_DIVERGED) {
        res->timing.t_star = res->timing.t_09 = res->timing.t_05 = res->timing.t_steepest = NAN;
        res->diverged_seq = (int64_t)(n - 1) * SYNTH_EVAL_EVERY;
    }
}

int synth_results_write(MPI_Comm comm, const char *path, const SynthSpec *s)
{
    int rc = 0, rank = 0, size = 1;
    int R = synth_n_runs(s);
    ResultsFile *f = NULL;
    RunResult *res = NULL;
    char *evaluator = "fsl_train";
    char *param_names[3] = {"data.n_train_classes", "data.fs_relabel", "seed"};
    double *values = calloc((size_t)R * 3, sizeof(double));
    char **conds = calloc((size_t)R, sizeof(char *));
    char **configs = calloc((size_t)R, sizeof(char *));
    int *stages = calloc((size_t)R, sizeof(int));
    uint64_t *hashes = calloc((size_t)R, sizeof(uint64_t));
    if (!values || !conds || !configs || !stages || !hashes)
        IH_FAIL(IH_ENOMEM, "out of memory");
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int r = 0; r < R; r++) {
        int c, seed;
        double K, L;
        synth_run_params(s, r, &c, &K, &L, &seed);
        values[r * 3] = K;
        values[r * 3 + 1] = L;
        values[r * 3 + 2] = seed;
        conds[r] = (char *)conditions[c];
        configs[r] = "{}";
        hashes[r] = 1000u + (uint64_t)r;
    }
    ResultsLayout layout = {
        .n_runs = R,
        .max_evals = SYNTH_MAX_EVALS,
        .n_evaluators = 1,
        .evaluator_names = &evaluator,
        .n_heads = s->n_heads,
        .n_probe = s->n_probe,
        .n_labels = s->n_labels,
        .n_params = 3,
        .param_names = param_names,
        .param_values = values,
        .conditions = conds,
        .stages = stages,
        .hashes = hashes,
        .configs = configs,
        .sweep_text = "{\"synthetic\": true}",
        .ihsweep_version = "test",
        .git_hash = "test",
        .library_versions = "test",
        .slurm_job_ids = "",
    };
    IH_TRY(results_create(comm, path, &layout, RESULTS_OVERWRITE, &f));
    IH_TRY(run_result_create(SYNTH_MAX_EVALS, 1, s->n_heads, s->n_probe, s->n_labels, &res));
    for (int r = rank; r < R && !s->no_runs; r += size) {
        if (synth_status(s, r) == 0)
            continue;
        run_result_destroy(&res);
        IH_TRY(run_result_create(SYNTH_MAX_EVALS, 1, s->n_heads, s->n_probe, s->n_labels, &res));
        fill_run(s, r, res);
        IH_TRY(results_write_run(f, r, res));
    }
cleanup:
    if (f) {
        int close_rc = results_close(&f);
        if (rc == 0)
            rc = close_rc;
    }
    run_result_destroy(&res);
    free(values);
    free(conds);
    free(configs);
    free(stages);
    free(hashes);
    return rc;
}
