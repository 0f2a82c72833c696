/* The row of a run that could not start and of a simulated run, and what the run table publishes
 * of a finished row. Plain values; no MPI, no HDF5.
 * (Padding a run's result to the file's sizes is run_result_copy_padded.) */
#include "sweep/internal.h"

#include <math.h>

void sweep__result_failed(RunResult *p)
{
    p->status = RUN_FAILED;
    p->n_evals = 0;
    p->wall_seconds = 0;
}

void sweep__result_simulated(const SweepRun *run, int n_heads, double seconds, RunResult *p)
{
    p->status = RUN_DONE;
    p->n_evals = 0;
    p->timing.t_star = NAN;
    p->timing.crossed = 0;
    p->strongest_ih = (int)(run->hash % (uint64_t)n_heads);
    p->pt_head = (int)((run->hash >> 32) % (uint64_t)n_heads);
    p->wall_seconds = seconds;
}

void sweep__row_info(const RunResult *row, int rank, SweepRunInfo *info)
{
    *info = (SweepRunInfo){.state = SWEEP_FINISHED,
                           .rank = rank,
                           .status = row->status,
                           .strongest_ih = row->strongest_ih,
                           .pt_head = row->pt_head,
                           .crossed = row->timing.crossed,
                           .t_star = metrics_phase_observed(&row->timing),
                           .wall = row->wall_seconds};
}
