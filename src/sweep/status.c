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
        if (results_row_checksum(f, r) != checksum[i]) {
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

static void print_run(const SweepPlan *plan, const SweepRunInfo *in, int r, FILE *out)
{
    static const char *const names[] = {"pending", "done", "diverged", "failed"};
    char what[1024], dur[32];
    sweep__describe(plan, r, what, (int)sizeof what);
    sweep__duration(in->wall, dur);
    const int s = in->status >= 0 && in->status <= 3 ? (int)in->status : 0;
    if (in->state != SWEEP_FINISHED)
        fprintf(out, "run %d: pending: %s\n", r, what);
    else
        fprintf(out, "run %d: %s, t*%s%.0f%s, %s, strongest_ih %d, pt_head %d: %s\n", r, names[s],
                in->crossed == 1 ? "=" : ">", in->t_star, in->crossed == 1 ? "" : " (not crossed)",
                dur, (int)in->strongest_ih, (int)in->pt_head, what);
}

int sweep_status_print(const char *path, const char *runs_spec, FILE *out)
{
    int rc = 0, n_torn = 0;
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
    if (runs_spec) {
        IH_ALLOC(sel, l->n_runs);
        IH_TRY(sweep_runs_parse(runs_spec, l->n_runs, sel));
    }
    int counts[4];
    sweep__count(plan, info, sel, counts);
    int total = counts[0] + counts[1] + counts[2] + counts[3];
    fprintf(out, "%s: sweep %s, %d runs; ihsweep %s (git %s)\n", path, plan->name, l->n_runs,
            l->ihsweep_version ? l->ihsweep_version : "?", l->git_hash ? l->git_hash : "?");
    fprintf(out, "progress: %d/%d done, %d diverged, %d failed, %d pending", total - counts[0],
            total, counts[RUN_DIVERGED], counts[RUN_FAILED], counts[RUN_PENDING]);
    if (n_torn)
        fprintf(out, " (%d torn or corrupted: --resume redoes them)", n_torn);
    fprintf(out, "\n");
    for (int r = 0; sel && r < l->n_runs; r++)
        if (sel[r])
            print_run(plan, &info[r], r, out);
    sweep__print_table(plan, info, sel, out);
cleanup:
    if (f)
        results_close(&f);
    sweep_plan_destroy(&plan);
    free(info);
    free(sel);
    return rc;
}
