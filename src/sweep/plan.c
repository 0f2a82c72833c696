/* A planned sweep outside the parser: run selection (--runs, --shard, plus the sources selected
 * runs need), the results layout it implies, and the dry-run listing of `ihsweep plan`. Nothing
 * here trains, opens files or calls MPI.
 */
#include "sweep/internal.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/json_out.h"
#include "ihsweep/version.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sweep_runs_parse(const char *spec, int n_runs, unsigned char *sel)
{
    int rc = 0;
    const char *s = spec;
    memset(sel, 0, (size_t)n_runs);
    if (!*s)
        IH_FAIL(IH_EUSAGE, "--runs: empty list (expected ids like 0-3,7)");
    while (*s) {
        char *end = NULL;
        long a = strtol(s, &end, 10), b = a;
        if (end == s || a < 0)
            IH_FAIL(IH_EUSAGE, "--runs %s: expected a run id or a range a-b at \"%s\"", spec, s);
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            if (end == s + 1 || b < a)
                IH_FAIL(IH_EUSAGE, "--runs %s: bad range ending at \"%s\"", spec, s);
            s = end;
        }
        if (b >= n_runs)
            IH_FAIL(IH_EUSAGE, "--runs %s: run %ld does not exist (the sweep has runs 0-%d)", spec,
                    b, n_runs - 1);
        for (long i = a; i <= b; i++)
            sel[i] = 1;
        if (*s == ',')
            s++;
        else if (*s)
            IH_FAIL(IH_EUSAGE, "--runs %s: unexpected \"%s\"", spec, s);
    }
cleanup:
    return rc;
}

int sweep_shard_parse(const char *spec, int *index, int *count)
{
    int rc = 0;
    char *end = NULL;
    long i = strtol(spec, &end, 10);
    if (end == spec || *end != '/')
        IH_FAIL(IH_EUSAGE, "--shard %s: expected i/n (e.g. 0/4)", spec);
    const char *s = end + 1;
    long n = strtol(s, &end, 10);
    if (end == s || *end || n < 1 || n > 1000000 || i < 0 || i >= n)
        IH_FAIL(IH_EUSAGE, "--shard %s: expected i/n with 0 <= i < n", spec);
    *index = (int)i;
    *count = (int)n;
cleanup:
    return rc;
}

int sweep_select(const SweepPlan *plan, const char *runs_spec, int shard_index, int shard_count,
                 int add_sources, unsigned char *sel, int *n_added)
{
    int rc = 0;
    if (runs_spec)
        IH_TRY(sweep_runs_parse(runs_spec, plan->n_runs, sel));
    else
        memset(sel, 1, (size_t)plan->n_runs);
    if (shard_count > 0)
        for (int i = 0; i < plan->n_runs; i++)
            sel[i] = sel[i] && i % shard_count == shard_index;
    int added = 0;
    /* a source always has a smaller id than the runs that bind from it */
    for (int i = plan->n_runs - 1; add_sources && i >= 0; i--) {
        int src = plan->runs[i].source;
        if (sel[i] && src >= 0 && !sel[src]) {
            sel[src] = 1;
            added++;
        }
    }
    if (n_added)
        *n_added = added;
cleanup:
    return rc;
}

int sweep_layout_build(const SweepPlan *plan, ResultsLayout *out)
{
    int rc = 0;
    const int n = plan->n_runs;
    memset(out, 0, sizeof *out);
    out->n_runs = n;
    out->max_evals = plan->max_evals;
    out->n_evaluators = plan->n_evaluators;
    out->evaluator_names = plan->evaluator_names;
    out->n_heads = plan->n_heads;
    out->n_probe = plan->max_probe;
    out->n_labels = plan->max_labels;
    out->n_params = plan->n_params;
    out->param_names = plan->param_names;
    out->param_labels = plan->param_labels;
    out->param_values = plan->param_values;
    out->sweep_text = plan->text;
    out->ihsweep_version = (char *)ih_version_string();
    out->git_hash = (char *)ih_git_hash();
    IH_ALLOC(out->conditions, n);
    IH_ALLOC(out->stages, n);
    IH_ALLOC(out->hashes, n);
    IH_ALLOC(out->configs, n);
    for (int i = 0; i < n; i++) {
        const SweepRun *r = &plan->runs[i];
        out->conditions[i] = plan->condition_names[r->condition];
        out->stages[i] = r->stage;
        out->hashes[i] = r->hash;
        out->configs[i] = r->config;
    }
    IH_ALLOC(out->library_versions, 512);
    results_library_versions(out->library_versions, 512);
    IH_ALLOC(out->slurm_job_ids, 64);
    const char *array = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
    const char *job = getenv("SLURM_JOB_ID");
    if (array && task)
        snprintf(out->slurm_job_ids, 64, "%s_%s", array, task);
    else if (job)
        snprintf(out->slurm_job_ids, 64, "%s", job);
cleanup:
    if (rc < 0)
        sweep_layout_release(out);
    return rc;
}

void sweep_layout_release(ResultsLayout *layout)
{
    free(layout->conditions);
    free(layout->stages);
    free(layout->hashes);
    free(layout->configs);
    free(layout->library_versions);
    free(layout->slurm_job_ids);
    memset(layout, 0, sizeof *layout);
}

int sweep_run_config(const SweepPlan *plan, int run, RunConfig *out)
{
    int rc = 0;
    char name[64];
    if (run < 0 || run >= plan->n_runs)
        IH_FAIL(IH_EINTERNAL, "run %d is not in the plan", run);
    snprintf(name, sizeof name, "run %d", run);
    IH_TRY(run_config_parse(plan->runs[run].config, name, out));
cleanup:
    return rc;
}

void sweep_plan_print(const SweepPlan *plan, const unsigned char *sel, FILE *out)
{
    double total_cost = 0, total_seq = 0;
    int n_sel = 0;
    fprintf(out,
            "sweep %s (%s): %d runs = %d stage%s; %d data setting%s x %d seed%s x "
            "conditions per stage\n",
            plan->name, plan->source_name, plan->n_runs, plan->n_stages,
            plan->n_stages == 1 ? "" : "s", plan->n_settings, plan->n_settings == 1 ? "" : "s",
            plan->n_seeds, plan->n_seeds == 1 ? "" : "s");
    fprintf(out, "%5s  %-10s %-22s %-6s %10s %6s %10s %9s  %s\n", "id", "stage", "condition",
            "binds", "sequences", "evals", "est_GFLOP", "est_time", "setting");
    for (int i = 0; i < plan->n_runs; i++) {
        if (sel && !sel[i])
            continue;
        const SweepRun *r = &plan->runs[i];
        char binds[16] = "-", dur[32], seed[96];
        if (r->source >= 0)
            snprintf(binds, sizeof binds, "%d", r->source);
        sweep__duration(r->cost * sweep_seconds_per_gflop(), dur);
        snprintf(seed, sizeof seed, "%s=%ld", plan->seed_field, plan->seed_values[r->seed]);
        fprintf(out, "%5d  %-10s %-22s %-6s %10ld %6d %10.1f %9s  %s%s%s\n", i,
                plan->stage_names[r->stage], plan->condition_names[r->condition], binds,
                r->train_iters, r->n_evals, r->cost, dur, plan->setting_labels[r->setting],
                plan->setting_labels[r->setting][0] ? " " : "", seed);
        total_cost += r->cost;
        total_seq += (double)r->train_iters;
        n_sel++;
    }
    char dur[32];
    sweep__duration(total_cost * sweep_seconds_per_gflop(), dur);
    fprintf(out,
            "total: %d run%s, %.4g sequences, est %.4g GFLOP = %s on one core (%.2f "
            "core-hours)\n",
            n_sel, n_sel == 1 ? "" : "s", total_seq, total_cost, dur,
            total_cost * sweep_seconds_per_gflop() / 3600.0);
    fprintf(out, "results layout: %d rows, evals %d, evaluators", plan->n_runs, plan->max_evals);
    for (int e = 0; e < plan->n_evaluators; e++)
        fprintf(out, "%s%s", e ? "," : " ", plan->evaluator_names[e]);
    fprintf(out, ", heads %d, labels %d, probe %d; params", plan->n_heads, plan->max_labels,
            plan->max_probe);
    for (int p = 0; p < plan->n_params; p++)
        fprintf(out, "%s%s", p ? "," : " ", plan->param_names[p]);
    fprintf(out, "\n");
}

/* Estimated seconds of run i plus those of the runs it waits for (its source chain). */
static double chain_seconds(const SweepPlan *plan, int i)
{
    double s = 0;
    for (int r = i; r >= 0; r = plan->runs[r].source)
        s += plan->runs[r].cost * sweep_seconds_per_gflop();
    return s;
}

void sweep_plan_totals(const SweepPlan *plan, const unsigned char *sel, int ranks,
                       SweepPlanTotals *t)
{
    memset(t, 0, sizeof *t);
    t->ranks = ranks < 1 ? 1 : ranks;
    for (int i = 0; i < plan->n_runs; i++) {
        if (sel && !sel[i])
            continue;
        const SweepRun *r = &plan->runs[i];
        t->n_runs++;
        t->sequences += (double)r->train_iters;
        t->gflop += r->cost;
        double c = chain_seconds(plan, i);
        t->critical_path_seconds = c > t->critical_path_seconds ? c : t->critical_path_seconds;
    }
    t->core_seconds = t->gflop * sweep_seconds_per_gflop();
    t->busy_ranks = t->critical_path_seconds > 0
                        ? (int)ceil(t->core_seconds / t->critical_path_seconds - 1e-9)
                        : t->n_runs;
    if (t->busy_ranks > t->n_runs)
        t->busy_ranks = t->n_runs;
    if (t->busy_ranks < 1)
        t->busy_ranks = 1;
    double per_rank = t->core_seconds / t->ranks;
    t->wall_seconds = per_rank > t->critical_path_seconds ? per_rank : t->critical_path_seconds;
}

static void json_key(FILE *out, const char *key)
{
    ih_json_string(out, key);
    fputs(": ", out);
}

void sweep_plan_print_json(const SweepPlan *plan, const unsigned char *sel, int ranks, FILE *out)
{
    SweepPlanTotals t;
    sweep_plan_totals(plan, sel, ranks, &t);
    fputs("{", out);
    json_key(out, "sweep");
    ih_json_string(out, plan->name);
    fputs(", ", out);
    json_key(out, "file");
    ih_json_string(out, plan->source_name);
    fprintf(out, ", \"seconds_per_gflop\": ");
    ih_json_number(out, sweep_seconds_per_gflop());
    fputs(",\n \"params\": [", out);
    for (int p = 0; p < plan->n_params; p++) {
        fputs(p ? ", " : "", out);
        ih_json_string(out, plan->param_names[p]);
    }
    fputs("],\n \"runs\": [", out);
    int first = 1;
    for (int i = 0; i < plan->n_runs; i++) {
        if (sel && !sel[i])
            continue;
        const SweepRun *r = &plan->runs[i];
        fprintf(out, "%s\n  {\"id\": %d, \"stage\": ", first ? "" : ",", i);
        first = 0;
        ih_json_string(out, plan->stage_names[r->stage]);
        fputs(", \"condition\": ", out);
        ih_json_string(out, plan->condition_names[r->condition]);
        fprintf(out, ", \"binds_from\": ");
        if (r->source >= 0)
            fprintf(out, "%d", r->source);
        else
            fputs("null", out);
        fputs(", \"setting\": ", out);
        ih_json_string(out, plan->setting_labels[r->setting]);
        fputs(", \"seed_field\": ", out);
        ih_json_string(out, plan->seed_field);
        fprintf(out, ", \"seed\": %ld, \"params\": {", plan->seed_values[r->seed]);
        for (int p = 0; p < plan->n_params; p++) {
            fputs(p ? ", " : "", out);
            json_key(out, plan->param_names[p]);
            ih_json_number(out, plan->param_values[(size_t)i * plan->n_params + p]);
        }
        fprintf(out, "}, \"sequences\": %ld, \"evals\": %d, \"est_gflop\": ", r->train_iters,
                r->n_evals);
        ih_json_number(out, r->cost);
        fputs(", \"est_seconds\": ", out);
        ih_json_number(out, r->cost * sweep_seconds_per_gflop());
        fputs(", \"chain_seconds\": ", out);
        ih_json_number(out, chain_seconds(plan, i));
        fprintf(out, ", \"hash\": \"%016llx\", \"config\": %s}", (unsigned long long)r->hash,
                r->config); /* canonical JSON text (run_config_write) */
    }
    fprintf(out, "],\n \"totals\": {\"runs\": %d, \"sequences\": ", t.n_runs);
    ih_json_number(out, t.sequences);
    fputs(", \"est_gflop\": ", out);
    ih_json_number(out, t.gflop);
    fputs(", \"core_seconds\": ", out);
    ih_json_number(out, t.core_seconds);
    fputs(", \"critical_path_seconds\": ", out);
    ih_json_number(out, t.critical_path_seconds);
    fprintf(out, ", \"busy_ranks\": %d, \"ranks\": %d, \"wall_seconds\": ", t.busy_ranks, t.ranks);
    ih_json_number(out, t.wall_seconds);
    fprintf(out,
            "},\n \"layout\": {\"rows\": %d, \"evals\": %d, \"heads\": %d, "
            "\"labels\": %d, \"probe\": %d, \"evaluators\": [",
            plan->n_runs, plan->max_evals, plan->n_heads, plan->max_labels, plan->max_probe);
    for (int e = 0; e < plan->n_evaluators; e++) {
        fputs(e ? ", " : "", out);
        ih_json_string(out, plan->evaluator_names[e]);
    }
    fputs("]}}\n", out);
}
