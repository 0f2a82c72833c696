/* The row of a run that could not start. Plain values; no MPI, no HDF5. (Padding a run's result to
 * the file's sizes is run_result_copy_padded.) */
#include "sweep/internal.h"

void sweep__result_failed(RunResult *p)
{
    p->status = RUN_FAILED;
    p->n_evals = 0;
    p->wall_seconds = 0;
}
