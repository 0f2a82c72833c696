/* train_run: the training loop of design 2.5 (counted in sequences; evals before the step on the
 * schedule, a final eval at the end; checkpoints on their own schedule and on a stop request),
 * divergence handling and the end-of-run summaries. */
#include "train/internal.h"

#include "ihsweep/clock.h"
#include "ihsweep/checkpoint.h"
#include "ihsweep/error.h"
#include "ihsweep/hash.h"
#include "ihsweep/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t run_config_hash(const RunConfig *cfg)
{
    return ih_fnv1a(IH_FNV1A_OFFSET, cfg, sizeof *cfg);
}

int run_config_validate(const RunConfig *cfg)
{
    int rc = 0;
    const ModelConfig *m = &cfg->model;
    IH_TRY(model_config_validate(m));
    IH_TRY(data_config_validate(&cfg->data, "data"));
    if (m->input_dim != cfg->data.source.dim && cfg->data.source.type != DATA_SOURCE_HDF5)
        IH_FAIL(IH_ECONFIG, "model.input_dim: %d differs from data.source.dim %d", m->input_dim,
                cfg->data.source.dim);
    if (m->n_labels != cfg->data.n_labels)
        IH_FAIL(IH_ECONFIG, "model.n_labels: %d differs from data.n_labels %d", m->n_labels,
                cfg->data.n_labels);
    if (m->context_pairs != cfg->data.context_pairs)
        IH_FAIL(IH_ECONFIG, "model.context_pairs: %d differs from data.context_pairs %d",
                m->context_pairs, cfg->data.context_pairs);
    if (cfg->init_seed == cfg->train_seed || cfg->init_seed == cfg->eval_seed ||
        cfg->train_seed == cfg->eval_seed)
        IH_FAIL(IH_ECONFIG, "init_seed, train_seed, eval_seed: must be pairwise different (got "
                            "%u, %u, %u; design 2.4)",
                cfg->init_seed, cfg->train_seed, cfg->eval_seed);
    if (cfg->batch_size < 1 || cfg->batch_size > 65536)
        IH_FAIL(IH_ECONFIG, "batch_size: %d is out of range [1, 65536]", cfg->batch_size);
    if (cfg->train_iters < 0)
        IH_FAIL(IH_ECONFIG, "train_iters: must be >= 0");
    if (cfg->eval_every < 1)
        IH_FAIL(IH_ECONFIG, "eval_every: must be >= 1");
    if (cfg->train_iters / cfg->eval_every > 1000000)
        IH_FAIL(IH_ECONFIG, "eval_every: %ld gives more than 1e6 evals over %ld sequences",
                cfg->eval_every, cfg->train_iters);
    if (cfg->train_iters / cfg->batch_size > 2000000000L)
        IH_FAIL(IH_ECONFIG, "train_iters: %ld sequences is more than 2e9 steps of %d",
                cfg->train_iters, cfg->batch_size);
    if (cfg->ckpt_every > 0 && cfg->train_iters / cfg->ckpt_every > 1000000)
        IH_FAIL(IH_ECONFIG, "ckpt_every: %ld gives more than 1e6 checkpoints", cfg->ckpt_every);
    if (cfg->ckpt_every < 0)
        IH_FAIL(IH_ECONFIG, "ckpt_every: must be >= 0");
    if (cfg->progress_heads.strongest_ih >= m->n_heads || cfg->progress_heads.pt_head >= m->n_heads)
        IH_FAIL(IH_ECONFIG, "progress_heads: head out of range [0, %d)", m->n_heads);
    if (m->n_heads > 64)
        IH_FAIL(IH_ECONFIG, "model.n_heads: progress measures support at most 64 heads");
    if (clamp_config_has_symbols(&cfg->clamps))
        IH_FAIL(IH_ECONFIG, "clamps: symbolic heads (strongest_ih, pt_head, rest_ih) must be "
                            "resolved by a sweep stage before a run starts");
    IH_TRY(clamp_config_validate(&cfg->clamps, m, "clamps"));
cleanup:
    return rc;
}

int train_result_create(const RunConfig *cfg, RunResult **out)
{
    int rc = 0;
    int n_evals = train_eval_count(cfg->train_iters, cfg->eval_every, cfg->batch_size);
    int n_probe = cfg->keep_probe_logits ? cfg->data.n_probe : 0;
    IH_TRY(run_result_create(n_evals, cfg->data.n_evaluators, cfg->model.n_heads, n_probe,
                             cfg->model.n_labels, out));
cleanup:
    return rc;
}

static int train_checkpoint(const TrainState *s, const char *path)
{
    int rc = 0;
    void *state = NULL;
    size_t size = 0;
    IH_TRY(train__state_save(s, &state, &size));
    IH_TRY(checkpoint_write(path, s->model, run_config_hash(s->cfg), state, size));
cleanup:
    free(state);
    return rc;
}

/* Restores model and loop state from path when it holds this run's checkpoint. *resumed = 1 then. */
static int train_resume(TrainState *s, const char *path, int *resumed)
{
    int rc = 0;
    Model *saved = NULL;
    void *state = NULL;
    size_t size = 0;
    *resumed = 0;
    rc = checkpoint_read(path, run_config_hash(s->cfg), &saved, &state, &size);
    if (rc == IH_ENOENT) {
        ih_error_clear();
        return 0;
    }
    if (rc < 0) {
        ih_error_trace(__FILE__, __LINE__, __func__);
        goto cleanup;
    }
    if (model_param_count(saved) != model_param_count(s->model))
        IH_FAIL(IH_EDATA, "%s: checkpoint model does not match the run's model", path);
    size_t n = model_param_count(saved);
    memcpy(model_params(s->model), model_params(saved), n * sizeof(float));
    memcpy(model_adam_m(s->model), model_adam_m(saved), n * sizeof(float));
    memcpy(model_adam_v(s->model), model_adam_v(saved), n * sizeof(float));
    model_set_adam_t(s->model, model_adam_t(saved));
    IH_TRY(train__state_restore(s, state, size));
    *resumed = 1;
cleanup:
    model_destroy(&saved);
    free(state);
    return rc;
}

static int argmax_head(const float *v, int H)
{
    int best = -1;
    for (int h = 0; h < H; h++)
        if (isfinite(v[h]) && (best < 0 || v[h] > v[best]))
            best = h;
    return best;
}

/* Fills timing and head identities from the finished curves. */
static int train_summarise(TrainState *s)
{
    int rc = 0;
    RunResult *r = s->result;
    IH_TRY(metrics_phase_timing(r->eval_seq, run_result_metric(r, s->fsl_train, METRIC_LOSS),
                                r->n_evals, &r->timing));
    /* heads from the last eval that has progress measures */
    for (int e = r->n_evals - 1; e >= 0; e--) {
        const float *is = r->induction_strength + (size_t)e * r->n_heads;
        const float *pt = r->prev_token_score + (size_t)e * r->n_heads;
        if (argmax_head(is, r->n_heads) >= 0) {
            r->strongest_ih = argmax_head(is, r->n_heads);
            r->pt_head = argmax_head(pt, r->n_heads);
            break;
        }
    }
cleanup:
    return rc;
}

/* The loop proper: from s->step to the end, or until divergence or a stop request. */
static int train_loop(TrainState *s, const TrainOptions *opts)
{
    int rc = 0;
    const RunConfig *cfg = s->cfg;
    const long B = cfg->batch_size;
    const long n_eval_points = (cfg->train_iters + cfg->eval_every - 1) / cfg->eval_every;
    const long n_ckpt_points =
        cfg->ckpt_every > 0 ? (cfg->train_iters + cfg->ckpt_every - 1) / cfg->ckpt_every : 0;
    const char *ckpt = opts ? opts->checkpoint_path : NULL;
    for (;; s->step++) {
        long seq = s->step * B;
        if (seq >= cfg->train_iters)
            break;
        if (opts && opts->stop && *opts->stop) {
            if (!ckpt)
                IH_FAIL(IH_ESTOP, "run '%s' stopped at %ld sequences (no checkpoint path)",
                        cfg->name, seq);
            IH_TRY(train_checkpoint(s, ckpt));
            IH_FAIL(IH_ESTOP, "run '%s' stopped at %ld sequences; checkpoint written", cfg->name,
                    seq);
        }
        if (s->next_eval < n_eval_points && seq >= s->next_eval * cfg->eval_every) {
            IH_TRY(train__evaluate(s, seq));
            s->next_eval++;
            if (opts && opts->observer.on_eval)
                opts->observer.on_eval(opts->observer.ctx, s->result, s->result->n_evals - 1);
        }
        if (ckpt && s->next_ckpt < n_ckpt_points && seq >= s->next_ckpt * cfg->ckpt_every) {
            s->next_ckpt++;
            if (s->step > 0)
                IH_TRY(train_checkpoint(s, ckpt));
        }
        data_train_batch(s->data, s->step, (int)B, s->batch);
        model_zero_grad(s->model);
        float loss = clamp_forward(s->plan, s->model, &s->batch->model);
        clamp_backward(s->plan, s->model, &s->batch->model);
        float gnorm = model_grad_norm(s->model);
        if (!isfinite(loss) || !isfinite(gnorm)) {
            s->result->status = RUN_DIVERGED;
            s->result->diverged_seq = seq;
            return 0;
        }
        model_adam_step(s->model, &cfg->adam);
        if (!model_params_finite(s->model)) {
            s->result->status = RUN_DIVERGED;
            s->result->diverged_seq = seq + B;
            return 0;
        }
        s->loss_sum += loss;
        s->gnorm_sum += gnorm;
        s->n_since_eval++;
    }
cleanup:
    return rc;
}

int train_run(const RunConfig *cfg, const TrainOptions *opts, RunResult *result)
{
    int rc = 0;
    TrainState s = {.cfg = cfg, .result = result};
    double t0 = ih_clock_seconds();
    IH_TRY(data_create(&cfg->data, cfg->train_seed, cfg->eval_seed,
                       opts ? opts->data_reader : NULL, &s.data));
    if (data_input_dim(s.data) != cfg->model.input_dim)
        IH_FAIL(IH_ECONFIG, "model.input_dim: %d differs from the exemplar source's dimension %d",
                cfg->model.input_dim, data_input_dim(s.data));
    if (result->n_evaluators != data_eval_count(s.data) ||
        result->max_evals != train_eval_count(cfg->train_iters, cfg->eval_every, cfg->batch_size))
        IH_FAIL(IH_EINTERNAL, "result was not created for this run (use train_result_create)");
    IH_TRY(model_create(&cfg->model, &s.model));
    model_init_params(s.model, cfg->init_seed);
    IH_TRY(data_batch_create(s.data, cfg->batch_size, &s.batch));
    IH_TRY(clamp_plan_create(&cfg->clamps, &cfg->model, cfg->batch_size, s.batch->max_rows,
                             &s.plan));
    /* without clamps nothing reads the step's activations but its loss */
    if (cfg->clamps.n == 0)
        model_acts_set_query_only(clamp_output_acts(s.plan), 1);
    IH_TRY(train__evaluate_create(&s, opts && opts->reference_eval));
    s.fsl_train = data_eval_find(s.data, "fsl_train");
    if (s.fsl_train < 0)
        s.fsl_train = 0;
    if (opts && opts->checkpoint_path) {
        int resumed = 0;
        IH_TRY(train_resume(&s, opts->checkpoint_path, &resumed));
    }
    IH_TRY(train_loop(&s, opts));
    if (result->status != RUN_DIVERGED) {
        IH_TRY(train__evaluate(&s, cfg->train_iters));
        IH_TRY(train__measure_posthoc(&s));
        if (opts && opts->observer.on_eval)
            opts->observer.on_eval(opts->observer.ctx, result, result->n_evals - 1);
        result->status = RUN_DONE;
        if (opts && opts->final_model_path)
            IH_TRY(train_checkpoint(&s, opts->final_model_path));
    }
    IH_TRY(train_summarise(&s));
    result->wall_seconds = ih_clock_seconds() - t0;
cleanup:
    train__evaluate_destroy(&s);
    clamp_plan_destroy(&s.plan);
    data_batch_destroy(&s.batch);
    model_destroy(&s.model);
    data_destroy(&s.data);
    return rc;
}
