/* What `ihsweep status` adds to the stored rows: which unfinished runs are running (a checkpoint
 * written in the last RUNNING_SECONDS), interrupted (an older checkpoint: resume continues it) or
 * pending (nothing yet), the estimated time to finish, and the JSON form of the status.
 * Reads checkpoint files' times only; never opens the results file.
 */
#include "sweep/internal.h"

#include "ihsweep/json_out.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { RUNNING_SECONDS = 900 };

static const char *const state_names[SWEEP_ROW_N] = {"pending", "running",  "interrupted",
                                                     "done",    "diverged", "failed"};

const char *sweep__row_state_name(int state)
{
    return state >= 0 && state < SWEEP_ROW_N ? state_names[state] : "pending";
}

void sweep__row_states(const char *path, const SweepPlan *plan, const SweepRunInfo *info,
                       int *state)
{
    char ckpt[4300], ckpt_dir[4200];
    time_t now = time(NULL);
    /* the default checkpoint folder; runs checkpointed elsewhere (run --checkpoint-dir, e.g.
     * node-local disks) show as pending */
    snprintf(ckpt_dir, sizeof ckpt_dir, "%s.ckpt", path);
    for (int r = 0; r < plan->n_runs; r++) {
        struct stat st;
        if (info[r].state == SWEEP_FINISHED && info[r].status >= RUN_DONE &&
            info[r].status <= RUN_FAILED) {
            state[r] = SWEEP_ROW_DONE + (int)info[r].status - RUN_DONE;
            continue;
        }
        sweep__ckpt_path(ckpt_dir, r, ckpt, (int)sizeof ckpt);
        if (stat(ckpt, &st) != 0)
            state[r] = SWEEP_ROW_PENDING;
        else
            state[r] = difftime(now, st.st_mtime) <= RUNNING_SECONDS ? SWEEP_ROW_RUNNING
                                                                     : SWEEP_ROW_INTERRUPTED;
    }
}

void sweep__eta(const SweepPlan *plan, const SweepRunInfo *info, const int *state,
                const unsigned char *sel, SweepEta *eta)
{
    double done_cost = 0, done_wall = 0;
    memset(eta, 0, sizeof *eta);
    for (int r = 0; r < plan->n_runs; r++) {
        if (sel && !sel[r])
            continue;
        eta->counts[state[r]]++;
        if (state[r] == SWEEP_ROW_DONE && isfinite(info[r].wall) && info[r].wall > 0) {
            done_cost += plan->runs[r].cost;
            done_wall += info[r].wall;
        }
    }
    /* seconds per GFLOP: measured on this sweep's done runs, else the plan's constant */
    eta->seconds_per_gflop = done_cost > 0 ? done_wall / done_cost : sweep_seconds_per_gflop();
    eta->measured = done_cost > 0;
    double chain = 0;
    for (int r = 0; r < plan->n_runs; r++) {
        if ((sel && !sel[r]) || state[r] >= SWEEP_ROW_DONE)
            continue;
        double c = 0;
        for (int s = r; s >= 0 && state[s] < SWEEP_ROW_DONE; s = plan->runs[s].source)
            c += plan->runs[s].cost * eta->seconds_per_gflop;
        chain = c > chain ? c : chain;
        eta->remaining_core_seconds += plan->runs[r].cost * eta->seconds_per_gflop;
    }
    eta->ranks = eta->counts[SWEEP_ROW_RUNNING] > 0 ? eta->counts[SWEEP_ROW_RUNNING] : 1;
    eta->seconds = eta->remaining_core_seconds / eta->ranks;
    eta->seconds = chain > eta->seconds ? chain : eta->seconds;
}

void sweep__status_json(const char *path, const SweepPlan *plan, const SweepRunInfo *info,
                        const int *state, const unsigned char *sel, int n_torn, int n_unselected,
                        const SweepEta *eta, FILE *out)
{
    fputs("{\"file\": ", out);
    ih_json_string(out, path);
    fputs(", \"sweep\": ", out);
    ih_json_string(out, plan->name);
    fprintf(out, ", \"runs\": %d,\n \"counts\": {", plan->n_runs);
    for (int s = 0; s < SWEEP_ROW_N; s++)
        fprintf(out, "%s\"%s\": %d", s ? ", " : "", state_names[s], eta->counts[s]);
    fprintf(out, ", \"torn\": %d, \"not_selected\": %d},\n \"eta_seconds\": ", n_torn,
            n_unselected);
    ih_json_number(out, eta->seconds);
    fputs(", \"remaining_core_seconds\": ", out);
    ih_json_number(out, eta->remaining_core_seconds);
    fprintf(out, ", \"eta_ranks\": %d, \"seconds_per_gflop\": ", eta->ranks);
    ih_json_number(out, eta->seconds_per_gflop);
    fprintf(out, ", \"speed_measured\": %s,\n \"rows\": [", eta->measured ? "true" : "false");
    int first = 1;
    for (int r = 0; r < plan->n_runs; r++) {
        if (sel && !sel[r])
            continue;
        const SweepRun *run = &plan->runs[r];
        const SweepRunInfo *in = &info[r];
        int finished = state[r] >= SWEEP_ROW_DONE;
        fprintf(out, "%s\n  {\"id\": %d, \"state\": \"%s\", \"stage\": ", first ? "" : ",", r,
                state_names[state[r]]);
        first = 0;
        ih_json_string(out, plan->stage_names[run->stage]);
        fputs(", \"condition\": ", out);
        ih_json_string(out, plan->condition_names[run->condition]);
        fputs(", \"setting\": ", out);
        ih_json_string(out, plan->setting_labels[run->setting]);
        fprintf(out, ", \"seed\": %ld, \"crossed\": ", plan->seed_values[run->seed]);
        if (finished && in->crossed >= 0)
            fprintf(out, "%d", (int)in->crossed);
        else
            fputs("null", out);
        fputs(", \"t_star\": ", out);
        ih_json_number(out, finished && in->crossed == 1 ? in->t_star : NAN);
        fputs(", \"wall_seconds\": ", out);
        ih_json_number(out, finished ? in->wall : NAN);
        fputs(", \"est_seconds\": ", out);
        ih_json_number(out, run->cost * eta->seconds_per_gflop);
        fputs(", \"strongest_ih\": ", out);
        ih_json_number(out, finished && in->strongest_ih >= 0 ? (double)in->strongest_ih : NAN);
        fputs(", \"pt_head\": ", out);
        ih_json_number(out, finished && in->pt_head >= 0 ? (double)in->pt_head : NAN);
        fputs("}", out);
    }
    fputs("]}\n", out);
}
