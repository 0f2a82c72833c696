/* Text that `ihsweep run` (rank 0) and `ihsweep status` print: timestamps, durations, a run's
 * grid point, counts, and the t* table (per stage, condition and data setting: mean and sd of t*
 * over the seeds of done runs). Plain lines, no carriage returns. No MPI, no files.
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
    double mean, m2; /* Welford over the done runs' t* */
} Group;

void sweep__print_table(const SweepPlan *plan, const SweepRunInfo *info, const unsigned char *sel,
                        FILE *out)
{
    const size_t n_groups =
        (size_t)plan->n_stages * (size_t)plan->n_conditions * (size_t)plan->n_settings;
    Group *g = calloc(n_groups, sizeof *g);
    int *rows = calloc((size_t)plan->n_runs, sizeof *rows);
    if (!g || !rows) {
        fprintf(out, "(out of memory for the t* table)\n");
        free(g);
        free(rows);
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
        double d = info[r].t_star - gr->mean;
        gr->mean += d / gr->done;
        gr->m2 += d * (info[r].t_star - gr->mean);
    }
    fprintf(out, "t* = first eval with mean fsl_train loss < 0.4 ln 2 (sequences; the last eval "
                 "when never crossed); mean and sd over the seeds of done runs\n");
    fprintf(out, "%-10s %-22s %5s/%-5s %8s %6s %7s %12s %12s  %s\n", "stage", "condition", "done",
            "runs", "diverged", "failed", "crossed", "t*_mean", "t*_sd", "setting");
    for (int i = 0; i < n_rows; i++) {
        const Group *gr = &g[rows[i]];
        const SweepRun *run = &plan->runs[gr->first_run];
        char mean[32] = "-", sd[32] = "-";
        if (gr->done > 0)
            snprintf(mean, sizeof mean, "%.0f", gr->mean);
        if (gr->done > 1)
            snprintf(sd, sizeof sd, "%.0f", sqrt(gr->m2 / (gr->done - 1)));
        const char *setting = plan->setting_labels[run->setting];
        fprintf(out, "%-10s %-22s %5d/%-5d %8d %6d %7d %12s %12s  %s\n",
                plan->stage_names[run->stage], plan->condition_names[run->condition], gr->done,
                gr->total, gr->diverged, gr->failed, gr->crossed, mean, sd,
                setting[0] ? setting : "-");
    }
    free(g);
    free(rows);
}
