/* Text that `ihsweep run` (rank 0) and `ihsweep status` print: timestamps, durations, a run's
 * grid point, counts, and the t* table (per stage, condition and data setting: the Kaplan-Meier
 * median of t* over the seeds of done runs, censoring respected). Plain lines, no carriage
 * returns. No MPI, no files.
 */
#include "sweep/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sweep__timestamp(char *buf)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

void sweep__duration(double s, char *buf)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, 32, "?");
    else if (s >= 3600)
        snprintf(buf, 32, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60)
        snprintf(buf, 32, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, 32, "%.1fs", s);
}

void sweep__describe(const SweepPlan *plan, int r, char *buf, int size)
{
    const SweepRun *run = &plan->runs[r];
    const char *setting = plan->setting_labels[run->setting];
    snprintf(buf, (size_t)size, "stage %s, condition %s, %s%s%s=%ld", plan->stage_names[run->stage],
             plan->condition_names[run->condition], setting, setting[0] ? ", " : "",
             plan->seed_field, plan->seed_values[run->seed]);
}

void sweep__count(const SweepPlan *plan, const SweepRunInfo *info, const unsigned char *sel,
                  int counts[4])
{
    memset(counts, 0, 4 * sizeof *counts);
    for (int r = 0; r < plan->n_runs; r++) {
        if (sel && !sel[r])
            continue;
        if (info[r].state != SWEEP_FINISHED)
            counts[RUN_PENDING]++;
        else if (info[r].status >= RUN_DONE && info[r].status <= RUN_FAILED)
            counts[info[r].status]++;
        else
            counts[RUN_PENDING]++;
    }
}

typedef struct {
    int first_run;
    int total, done, diverged, failed, crossed;
} Group;

/* "400k", "1.2M": a time in sequences, short. */
static void short_count(double v, char *buf, size_t size)
{
    if (v >= 1e6)
        snprintf(buf, size, "%.3gM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, size, "%.3gk", v / 1e3);
    else
        snprintf(buf, size, "%.0f", v);
}

/* The Kaplan-Meier median of the group's done runs (row key k) with its interval, as text. */
static void group_median(const SweepPlan *plan, const SweepRunInfo *info, const unsigned char *sel,
                         size_t k, double *t, int8_t *ev, char *med, char *ci)
{
    int n = 0;
    for (int r = 0; r < plan->n_runs; r++) {
        const SweepRun *run = &plan->runs[r];
        size_t kr = ((size_t)run->stage * plan->n_conditions + run->condition) * plan->n_settings +
                    run->setting;
        if (kr != k || (sel && !sel[r]) || info[r].state != SWEEP_FINISHED ||
            info[r].status != RUN_DONE)
            continue;
        t[n] = info[r].t_star;
        ev[n++] = info[r].crossed == 1;
    }
    KmMedian km;
    char a[16], b[16];
    snprintf(med, 24, "-");
    snprintf(ci, 48, "-");
    if (n == 0 || metrics_km_median(t, ev, n, &km) != 0)
        return;
    if (isnan(km.median)) {
        short_count(km.t_max, a, sizeof a);
        snprintf(med, 24, ">%s", a);
    } else {
        short_count(km.median, a, sizeof a);
        snprintf(med, 24, "%s", a);
    }
    if (isnan(km.ci_lo)) {
        snprintf(ci, 48, "-");
        return;
    }
    short_count(km.ci_lo, a, sizeof a);
    if (isnan(km.ci_hi)) {
        short_count(km.t_max, b, sizeof b);
        snprintf(ci, 48, "[%s, >%s]", a, b);
    } else {
        short_count(km.ci_hi, b, sizeof b);
        snprintf(ci, 48, "[%s, %s]", a, b);
    }
}

void sweep__print_table(const SweepPlan *plan, const SweepRunInfo *info, const unsigned char *sel,
                        FILE *out)
{
    const size_t n_groups =
        (size_t)plan->n_stages * (size_t)plan->n_conditions * (size_t)plan->n_settings;
    Group *g = calloc(n_groups, sizeof *g);
    int *rows = calloc((size_t)plan->n_runs, sizeof *rows);
    double *t = malloc((size_t)plan->n_runs * sizeof *t + 1);
    int8_t *ev = malloc((size_t)plan->n_runs + 1);
    if (!g || !rows || !t || !ev) {
        fprintf(out, "(out of memory for the t* table)\n");
        free(g);
        free(rows);
        free(t);
        free(ev);
        return;
    }
    int n_rows = 0;
    for (int r = 0; r < plan->n_runs; r++) {
        if (sel && !sel[r])
            continue;
        const SweepRun *run = &plan->runs[r];
        size_t k = ((size_t)run->stage * plan->n_conditions + run->condition) * plan->n_settings +
                   run->setting;
        Group *gr = &g[k];
        if (gr->total++ == 0) {
            gr->first_run = r;
            rows[n_rows++] = (int)k;
        }
        if (info[r].state != SWEEP_FINISHED)
            continue;
        if (info[r].status == RUN_DIVERGED)
            gr->diverged++;
        if (info[r].status == RUN_FAILED)
            gr->failed++;
        if (info[r].status != RUN_DONE)
            continue;
        gr->crossed += info[r].crossed == 1;
        gr->done++;
    }
    fprintf(out, "t* = first eval with mean fsl_train loss < 0.4 ln 2 (sequences); replicates are "
                 "the seeds; median = Kaplan-Meier median over the done runs (a run that has not "
                 "crossed counts as censored at its last eval; >T: not reached by T)\n");
    fprintf(out, "%-10s %-22s %5s/%-5s %8s %6s %7s %9s %20s  %s\n", "stage", "condition", "done",
            "runs", "diverged", "failed", "crossed", "t*_median", "95% interval", "setting");
    for (int i = 0; i < n_rows; i++) {
        const Group *gr = &g[rows[i]];
        const SweepRun *run = &plan->runs[gr->first_run];
        char med[24], ci[48];
        group_median(plan, info, sel, (size_t)rows[i], t, ev, med, ci);
        const char *setting = plan->setting_labels[run->setting];
        fprintf(out, "%-10s %-22s %5d/%-5d %8d %6d %7d %9s %20s  %s\n",
                plan->stage_names[run->stage], plan->condition_names[run->condition], gr->done,
                gr->total, gr->diverged, gr->failed, gr->crossed, med, ci,
                setting[0] ? setting : "-");
    }
    free(g);
    free(rows);
    free(t);
    free(ev);
}
