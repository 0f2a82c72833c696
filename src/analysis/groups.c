/* Grouping runs by condition and key parameters, with timing statistics over each group's seeds
 * (the replicates): Kaplan-Meier medians that count runs without a crossing as censored, and the
 * sample statistics of the runs that crossed. Pure: works on an AnalysisInput in memory;
 * printing and storing are elsewhere. */
#include "ihsweep/analysis.h"

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Order of a's and b's conditions by first appearance, then key values ascending (NaN last). */
typedef struct {
    const AnalysisInput *in;
    const int *keys;
    int n_keys;
    const int *cond_rank; /* [n_runs] rank of each run's condition by first appearance */
} GroupOrder;

static int compare_runs(const GroupOrder *o, int a, int b)
{
    if (o->cond_rank[a] != o->cond_rank[b])
        return o->cond_rank[a] < o->cond_rank[b] ? -1 : 1;
    int np = o->in->n_params;
    for (int j = 0; j < o->n_keys; j++) {
        double va = o->in->params[(size_t)a * np + o->keys[j]];
        double vb = o->in->params[(size_t)b * np + o->keys[j]];
        if (same_value(va, vb))
            continue;
        if (isnan(va))
            return 1;
        if (isnan(vb))
            return -1;
        return va < vb ? -1 : 1;
    }
    return 0;
}

/* Each measure's statistics: the sample of runs with the event, and the Kaplan-Meier median
 * of all done runs (a run without the event censored at its t_censor). */
static int group_stats(const AnalysisInput *in, const int *run_group, int gi, AnalysisGroup *g,
                       double *buf, double *obs, int8_t *event)
{
    int rc = 0;
    for (int t = 0; t < ANALYSIS_N_TIMES; t++) {
        int n = 0;
        for (int r = 0; r < in->n_runs; r++)
            if (run_group[r] == gi && in->status[r] == RUN_DONE) {
                double v = in->times[(size_t)r * ANALYSIS_N_TIMES + t];
                buf[n] = v;
                event[n] = isfinite(v);
                obs[n++] = isfinite(v) ? v : in->t_censor[r];
            }
        g->time[t] = analysis_sample_stats(buf, n);
        IH_TRY(metrics_km_median(obs, event, n, &g->km[t]));
    }
    for (int r = 0; r < in->n_runs; r++) {
        if (run_group[r] != gi)
            continue;
        g->n_runs++;
        if (in->status[r] == RUN_DONE) {
            g->n_done++;
            if (!in->crossed[r])
                g->n_never_crossed++;
        } else if (in->status[r] == RUN_DIVERGED) {
            g->n_diverged++;
        } else if (in->status[r] == RUN_FAILED) {
            g->n_failed++;
        }
    }
cleanup:
    return rc;
}

int analysis_group(const AnalysisInput *in, const int *keys, int n_keys, AnalysisGroups **out)
{
    int rc = 0;
    AnalysisGroups *g = NULL;
    int *cond_rank = NULL, *reps = NULL, *order = NULL, *remap = NULL;
    double *buf = NULL, *obs = NULL;
    int8_t *event = NULL;
    *out = NULL;
    for (int j = 0; j < n_keys; j++)
        if (keys[j] < 0 || keys[j] >= in->n_params)
            IH_FAIL(IH_EUSAGE, "grouping key %d out of range (%d parameters)", keys[j],
                    in->n_params);
    IH_ALLOC(g, 1);
    g->n_keys = n_keys;
    IH_ALLOC(g->keys, n_keys);
    if (n_keys > 0)
        memcpy(g->keys, keys, (size_t)n_keys * sizeof *keys);
    IH_ALLOC(g->run_group, in->n_runs);
    IH_ALLOC(cond_rank, in->n_runs);
    IH_ALLOC(reps, in->n_runs);
    IH_ALLOC(buf, in->n_runs);
    IH_ALLOC(obs, in->n_runs);
    IH_ALLOC(event, in->n_runs);

    /* Condition ranks by first appearance over all runs (pending included: stable order). */
    int n_conditions = 0; /* reps[0..n_conditions) hold each condition's first run for now */
    for (int r = 0; r < in->n_runs; r++) {
        cond_rank[r] = -1;
        for (int c = 0; c < n_conditions && cond_rank[r] < 0; c++)
            if (strcmp(in->condition[reps[c]], in->condition[r]) == 0)
                cond_rank[r] = c;
        if (cond_rank[r] < 0) {
            reps[n_conditions] = r;
            cond_rank[r] = n_conditions++;
        }
    }
    GroupOrder o = {in, keys, n_keys, cond_rank};

    /* Assign groups in order of first run, remembering each group's first run. */
    int n_groups = 0;
    for (int r = 0; r < in->n_runs; r++) {
        g->run_group[r] = -1;
        if (in->status[r] == RUN_PENDING) {
            g->n_pending++;
            continue;
        }
        for (int k = 0; k < n_groups && g->run_group[r] < 0; k++)
            if (compare_runs(&o, reps[k], r) == 0)
                g->run_group[r] = k;
        if (g->run_group[r] < 0) {
            reps[n_groups] = r;
            g->run_group[r] = n_groups++;
        }
    }

    /* Sort groups (insertion sort on their first runs; groups are few) and renumber. */
    IH_ALLOC(order, n_groups);
    IH_ALLOC(remap, n_groups);
    for (int k = 0; k < n_groups; k++) {
        int j = k;
        while (j > 0 && compare_runs(&o, reps[order[j - 1]], reps[k]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    for (int k = 0; k < n_groups; k++)
        remap[order[k]] = k;
    for (int r = 0; r < in->n_runs; r++)
        if (g->run_group[r] >= 0)
            g->run_group[r] = remap[g->run_group[r]];

    g->n_groups = n_groups;
    IH_ALLOC(g->groups, n_groups);
    for (int k = 0; k < n_groups; k++) {
        g->groups[k].first_run = reps[order[k]];
        IH_TRY(group_stats(in, g->run_group, k, &g->groups[k], buf, obs, event));
    }
    *out = g;
    g = NULL;
cleanup:
    free(cond_rank);
    free(reps);
    free(order);
    free(remap);
    free(buf);
    free(obs);
    free(event);
    analysis_groups_destroy(&g);
    return rc;
}

void analysis_groups_destroy(AnalysisGroups **g)
{
    if (!g || !*g)
        return;
    free((*g)->keys);
    free((*g)->groups);
    free((*g)->run_group);
    free(*g);
    *g = NULL;
}

static int same_keys(const AnalysisInput *in, const AnalysisGroups *g, int a, int b)
{
    for (int j = 0; j < g->n_keys; j++)
        if (!same_value(in->params[(size_t)g->groups[a].first_run * in->n_params + g->keys[j]],
                        in->params[(size_t)g->groups[b].first_run * in->n_params + g->keys[j]]))
            return 0;
    return 1;
}

int analysis_settings(const AnalysisInput *in, const AnalysisGroups *g, int *setting_group,
                      int *run_setting)
{
    int n = 0;
    for (int k = 0; k < g->n_groups; k++) {
        int s = 0;
        while (s < n && !same_keys(in, g, setting_group[s], k))
            s++;
        if (s == n)
            setting_group[n++] = k;
    }
    for (int r = 0; r < in->n_runs; r++) {
        run_setting[r] = -1;
        for (int s = 0; s < n && g->run_group[r] >= 0 && run_setting[r] < 0; s++)
            if (same_keys(in, g, setting_group[s], g->run_group[r]))
                run_setting[r] = s;
    }
    return n;
}
