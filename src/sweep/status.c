/* `ihsweep status FILE`: the progress summary and t* table of a results file, read on one process.
 * Rows are verified against their checksums (a torn row counts as pending). The stages, conditions
 * and data settings come from re-planning the sweep text stored in the file; a file without one
 * (e.g. from `ihsweep train`) is grouped by its condition names and swept parameters instead.
 * Read-only: nothing is written.
 */
#include "sweep/internal.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Index of s in names[*n], appending it when new. */
static int intern(char **names, int *n, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    names[*n] = dup_string(s);
    return names[*n] ? (*n)++ : -1;
}

/* A plan with only what the printers need, from the layout alone: stages by number, conditions by
 * name, settings by the values of every parameter but the last (the seed field of sweeps). */
static int plan_from_layout(const ResultsLayout *l, const char *path, SweepPlan **out)
{
    int rc = 0;
    SweepPlan *p = NULL;
    char buf[4096];
    const int n = l->n_runs, np = l->n_params;
    IH_ALLOC(p, 1);
    snprintf(p->name, sizeof p->name, "(unknown)");
    p->source_name = dup_string(path);
    p->text = dup_string("");
    p->n_runs = n;
    IH_ALLOC(p->runs, n);
    IH_ALLOC(p->stage_names, n);
    IH_ALLOC(p->condition_names, n);
    IH_ALLOC(p->setting_labels, n);
    IH_ALLOC(p->seed_values, n);
    snprintf(p->seed_field, sizeof p->seed_field, "%s", np > 0 ? l->param_names[np - 1] : "seed");
    for (int r = 0; r < n; r++) {
        SweepRun *run = &p->runs[r];
        run->id = r;
        run->source = -1;
        snprintf(buf, sizeof buf, "%d", l->stages[r]);
        run->stage = intern(p->stage_names, &p->n_stages, buf);
        run->condition = intern(p->condition_names, &p->n_conditions, l->conditions[r]);
        buf[0] = '\0';
        for (int k = 0; k + 1 < np; k++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s=%.17g", k ? " " : "",
                     l->param_names[k], l->param_values[(size_t)r * np + k]);
        run->setting = intern(p->setting_labels, &p->n_settings, buf);
        long seed = np > 0 ? (long)l->param_values[(size_t)r * np + np - 1] : 0;
        int j = 0;
        while (j < p->n_seeds && p->seed_values[j] != seed)
            j++;
        if (j == p->n_seeds)
            p->seed_values[p->n_seeds++] = seed;
        run->seed = j;
        if (run->stage < 0 || run->condition < 0 || run->setting < 0)
            IH_FAIL(IH_ENOMEM, "out of memory");
    }
    *out = p;
    p = NULL;
cleanup:
    sweep_plan_destroy(&p);
    return rc;
}

/* Reads and verifies every row into info[n_runs]; *n_torn counts rows that fail their checksum. */
static int read_rows(ResultsFile *f, SweepRunInfo *info, int *n_torn)
{
    int rc = 0;
    const ResultsLayout *l = results_layout(f);
    int8_t *status = NULL;
    uint64_t *checksum = NULL;
    RunResult *r = NULL;
    IH_ALLOC(status, l->n_runs);
    IH_ALLOC(checksum, l->n_runs);
    IH_TRY(
        run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels, &r));
    IH_TRY(results_read_status(f, status, checksum));
    *n_torn = 0;
    for (int i = 0; i < l->n_runs; i++) {
        SweepRunInfo *in = &info[i];
        *in = (SweepRunInfo){SWEEP_TODO, -1, RUN_PENDING, -1, -1, 0, 0, 0};
        if (status[i] == RUN_PENDING)
            continue;
        IH_TRY(results_read_run(f, i, r));
        if (results_row_checksum(f, i, r) != checksum[i]) {
            (*n_torn)++;
            continue;
        }
        *in = (SweepRunInfo){SWEEP_FINISHED,
                             0,
                             r->status,
                             r->strongest_ih,
                             r->pt_head,
                             r->timing.crossed,
                             metrics_phase_observed(&r->timing),
                             r->wall_seconds};
    }
cleanup:
    run_result_destroy(&r);
    free(status);
    free(checksum);
    return rc;
}

static void print_run(const SweepPlan *plan, const SweepRunInfo *in, int state, int r, FILE *out)
{
    static const char *const names[] = {"pending", "done", "diverged", "failed"};
    char what[1024], dur[32];
    sweep__describe(plan, r, what, (int)sizeof what);
    sweep__duration(in->wall, dur);
    const int s = in->status >= 0 && in->status <= 3 ? (int)in->status : 0;
    if (in->state != SWEEP_FINISHED)
        fprintf(out, "run %d: %s: %s\n", r, sweep__row_state_name(state), what);
    else
        fprintf(out, "run %d: %s, t*%s%.0f%s, %s, strongest_ih %d, pt_head %d: %s\n", r, names[s],
                in->crossed == 1 ? "=" : ">", in->t_star, in->crossed == 1 ? "" : " (not crossed)",
                dur, (int)in->strongest_ih, (int)in->pt_head, what);
}

/* One line on whether a sweep is writing the file now, stopped and resumable, or complete: from
 * its writer lock, the pending rows and their checkpoints. */
static void print_state(const char *path, int n_runs, const SweepRunInfo *info, FILE *out)
{
    char holder[4600], ckpt[4300], ckpt_dir[4200];
    int pending = 0, checkpointed = 0, failed = 0;
    struct stat st;
    snprintf(ckpt_dir, sizeof ckpt_dir, "%s.ckpt", path);
    for (int r = 0; r < n_runs; r++) {
        if (info[r].state == SWEEP_FINISHED && info[r].status != RUN_FAILED)
            continue;
        failed += info[r].state == SWEEP_FINISHED;
        pending += info[r].state != SWEEP_FINISHED;
        sweep__ckpt_path(ckpt_dir, r, ckpt, (int)sizeof ckpt);
        checkpointed += stat(ckpt, &st) == 0;
    }
    int lock = results_lock_holder(path, holder, (int)sizeof holder);
    if (lock == 1)
        fprintf(out, "state: being written now by %s\n", holder);
    else if (pending + failed == 0)
        fprintf(out, "state: complete\n");
    else
        fprintf(out,
                "state: stopped%s, resumable: %d runs to do (%d with a checkpoint)%s; run the "
                "same `ihsweep run ... --resume` to finish\n",
                lock == 2 ? " abnormally (its writer was killed or crashed)" : "", pending + failed,
                checkpointed, failed ? ", failed ones included" : "");
}

int sweep_status_print(const char *path, const char *runs_spec, int json, FILE *out)
{
    int rc = 0, n_torn = 0, n_unselected = 0;
    int *state = NULL;
    SweepEta eta;
    ResultsFile *f = NULL;
    SweepPlan *plan = NULL;
    SweepRunInfo *info = NULL;
    unsigned char *sel = NULL;
    char source[1100];
    IH_TRY(results_open(MPI_COMM_SELF, path, 0, &f));
    const ResultsLayout *l = results_layout(f);
    snprintf(source, sizeof source, "%s (stored sweep text)", path);
    if (l->sweep_text && l->sweep_text[0] &&
        sweep_plan_parse(l->sweep_text, source, NULL, 0, &plan) == 0 && plan->n_runs != l->n_runs)
        sweep_plan_destroy(&plan);
    ih_error_clear();
    if (!plan)
        IH_TRY(plan_from_layout(l, path, &plan));
    IH_ALLOC(info, l->n_runs);
    IH_TRY(read_rows(f, info, &n_torn));
    IH_ALLOC(sel, l->n_runs);
    if (runs_spec) {
        IH_TRY(sweep_runs_parse(runs_spec, l->n_runs, sel));
    } else {
        /* runs the latest session did not select and that are not finished are left out */
        IH_TRY(results_read_selection(f, sel));
        for (int r = 0; r < l->n_runs; r++) {
            sel[r] = sel[r] || info[r].state == SWEEP_FINISHED;
            n_unselected += !sel[r];
        }
    }
    IH_ALLOC(state, l->n_runs);
    sweep__row_states(path, plan, info, state);
    sweep__eta(plan, info, state, sel, &eta);
    if (json) {
        sweep__status_json(path, plan, info, state, sel, n_torn, n_unselected, &eta, out);
        goto cleanup;
    }
    int counts[4];
    sweep__count(plan, info, sel, counts);
    int total = counts[0] + counts[1] + counts[2] + counts[3];
    fprintf(out, "%s: sweep %s, %d runs; ihsweep %s (git %s)\n", path, plan->name, l->n_runs,
            l->ihsweep_version ? l->ihsweep_version : "?", l->git_hash ? l->git_hash : "?");
    fprintf(out,
            "progress: %d/%d done, %d diverged, %d failed, %d pending, %d running, "
            "%d interrupted",
            total - counts[0], total, counts[RUN_DIVERGED], counts[RUN_FAILED],
            eta.counts[SWEEP_ROW_PENDING], eta.counts[SWEEP_ROW_RUNNING],
            eta.counts[SWEEP_ROW_INTERRUPTED]);
    if (n_torn)
        fprintf(out, " (%d torn or corrupted: --resume redoes them)", n_torn);
    if (n_unselected)
        fprintf(out, "; %d more not selected by the last run's --runs/--shard", n_unselected);
    fprintf(out, "\n");
    if (counts[RUN_PENDING] > 0 && plan->runs[0].cost > 0) {
        char dur[32], left[32];
        sweep__duration(eta.seconds, dur);
        sweep__duration(eta.remaining_core_seconds, left);
        fprintf(out, "eta: about %s with %d rank%s (%s of estimated work left, speed %s)\n", dur,
                eta.ranks, eta.ranks == 1 ? "" : "s", left,
                eta.measured ? "of the done runs" : "of the plan's cost model");
    }
    print_state(path, l->n_runs, info, out);
    for (int r = 0; runs_spec && r < l->n_runs; r++)
        if (sel[r])
            print_run(plan, &info[r], state[r], r, out);
    sweep__print_table(plan, info, sel, out);
cleanup:
    if (f)
        results_close(&f);
    sweep_plan_destroy(&plan);
    free(info);
    free(sel);
    free(state);
    return rc;
}
