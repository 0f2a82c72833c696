/* A SweepPlan's lifetime and the cost model (sweep_plan.h). */
#include "ihsweep/sweep_plan.h"

#include "ihsweep/clamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_strings(char **v, int n)
{
    for (int i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void sweep_plan_destroy(SweepPlan **plan)
{
    if (!plan || !*plan)
        return;
    SweepPlan *p = *plan;
    for (int i = 0; p->runs && i < p->n_runs; i++)
        free(p->runs[i].config);
    free(p->runs);
    free(p->source_name);
    free(p->text);
    free_strings(p->stage_names, p->n_stages);
    free_strings(p->condition_names, p->n_conditions);
    free_strings(p->setting_labels, p->n_settings);
    free_strings(p->param_names, p->n_params);
    free_strings(p->param_labels, p->n_params);
    free_strings(p->evaluator_names, p->n_evaluators);
    free(p->seed_values);
    free(p->param_values);
    free(p);
    *plan = NULL;
}

/* Model passes one clamped step runs (clamp.h): a reference pass P0 for clamps that read the
 * model's own activations, a pattern pass for the Layer-1 clamp, a frozen pass per graft. */
static int estimate_passes(const ClampConfig *c)
{
    int reference = 0, extra = 0;
    for (int i = 0; i < c->n; i++) {
        switch (c->items[i].type) {
        case CLAMP_PRESERVE:
        case CLAMP_PERFECT_COPY:
        case CLAMP_HEAD_TEMPERATURE:
            reference = 1;
            break;
        case CLAMP_PERFECT_PREV_TOKEN_INPUT:
            reference = 1;
            extra++;
            break;
        case CLAMP_GRAFT_IN:
        case CLAMP_GRAFT_OUT:
            extra++;
            break;
        default:
            break;
        }
    }
    return 1 + reference + extra;
}

double sweep_run_cost(const RunConfig *cfg)
{
    const ModelConfig *m = &cfg->model;
    const double T = 2.0 * m->context_pairs + 1, C = m->d_model, P = m->context_pairs;
    const double F = (double)m->mlp_ratio * C;
    /* multiply-adds of one forward pass over one sequence */
    double macs = (P + 1) * m->input_dim * C + T * C * m->n_labels;
    macs += m->depth * (T * 4.0 * C * C + 2.0 * T * T * C + 2.0 * T * C * F);
    const double fwd = 2e-9 * macs * estimate_passes(&cfg->clamps); /* GFLOP per sequence */
    const DataConfig *d = &cfg->data;
    double eval_seqs = cfg->keep_probe_logits ? d->n_probe : 0;
    for (int e = 0; e < d->n_evaluators; e++)
        eval_seqs += d->evaluators[e].size > 0 ? d->evaluators[e].size : d->eval_size;
    const int n_evals = train_eval_count(cfg->train_iters, cfg->eval_every, cfg->batch_size);
    double measured = cfg->measure_every > 0 ? (double)n_evals / cfg->measure_every : 0;
    double dense = d->dense_subset > 0 ? (double)d->dense_subset : 10000.0;
    return fwd * (3.0 * (double)cfg->train_iters + n_evals * eval_seqs + measured * dense);
}

/* Measured with sweeps/quickstart.json on this project's machine (AMD EPYC Zen 4, 2 ranks,
 * OPENBLAS_NUM_THREADS=1): 26-35 estimated GFLOP per wall second per rank across its conditions
 * while other jobs shared the cores (about 55 per CPU-second); 40 is the planning figure. */
double sweep_seconds_per_gflop(void)
{
    return 1.0 / 40.0;
}

const char *sweep_param_label(const char *param_name, char *buf, size_t size)
{
    static const struct {
        const char *field, *label;
    } known[] = {{"data.class_split[0]", "K"}, {"data.n_labels", "L"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(param_name, known[i].field) == 0) {
            snprintf(buf, size, "%s", known[i].label);
            return buf;
        }
    const char *dot = strrchr(param_name, '.');
    snprintf(buf, size, "%s", dot ? dot + 1 : param_name);
    return buf;
}
