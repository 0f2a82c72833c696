/* The run configuration defaults and the evaluation schedule of design 2.5. */
#include "train/internal.h"

#include <stdio.h>
#include <string.h>

void run_config_default(RunConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->name, sizeof cfg->name, "baseline");
    data_config_default(&cfg->data);
    cfg->data.dense_subset = RUN_DENSE_SUBSET_DEFAULT;
    cfg->model = model_config_paper(cfg->data.n_labels);
    cfg->model.input_dim = cfg->data.source.dim;
    cfg->model.context_pairs = cfg->data.context_pairs;
    cfg->adam = model_adam_paper();
    cfg->init_seed = 5;
    cfg->train_seed = 0;
    cfg->eval_seed = 1;
    cfg->train_iters = 1000000;
    cfg->batch_size = 32;
    cfg->eval_every = 5000;
    cfg->ckpt_every = 0;
    cfg->measure_every = 1;
    cfg->keep_probe_logits = 1;
    cfg->clamp_progress = 0;
    cfg->posthoc_wiring = 0;
    cfg->progress_heads.strongest_ih = -1;
    cfg->progress_heads.pt_head = -1;
}

int train_eval_count(long train_iters, long eval_every, int batch_size)
{
    /* Scheduled points k * eval_every < train_iters; at loop index i (a multiple of the batch)
     * the next point is taken when i >= it, at most one per step; then a final eval. */
    long n_points = eval_every > 0 ? (train_iters + eval_every - 1) / eval_every : 0;
    long next = 0;
    int count = 0;
    for (long i = 0; i < train_iters && next < n_points; i += batch_size) {
        if (i >= next * eval_every) {
            count++;
            next++;
        }
    }
    return count + 1;
}
