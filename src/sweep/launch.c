/* Detects a broken Slurm launch: `srun` without the PMIx plugin starts every task as its own
 * singleton MPI job (world size 1), so N tasks would each run the whole sweep into one file.
 * Tasks started by mpirun carry OMPI_COMM_WORLD_SIZE and are not checked (an `mpirun -n 1`
 * inside a larger allocation is deliberate).
 */
#include "sweep/internal.h"

#include "ihsweep/error.h"

#include <stdlib.h>

/* Tasks of this Slurm step, 0 outside Slurm or outside srun. */
static long slurm_step_tasks(void)
{
    if (!getenv("SLURM_PROCID"))
        return 0;
    const char *tasks = getenv("SLURM_STEP_NUM_TASKS");
    if (!tasks)
        tasks = getenv("SLURM_NTASKS");
    return tasks ? strtol(tasks, NULL, 10) : 0;
}

#define SWEEP_LAUNCH_FIX                                                                           \
    "Use `srun --mpi=pmix ...` (or MpiDefault=pmix in slurm.conf), or start the ranks with "       \
    "mpirun inside the allocation"

int sweep_check_launch_env(void)
{
    int rc = 0;
    const long n = slurm_step_tasks();
    /* srun --mpi=pmix sets PMIX_RANK; mpirun's ranks carry OMPI_COMM_WORLD_SIZE. Without either,
     * Open MPI 4 aborts inside MPI_Init with a message that does not name the fix. */
    if (n > 1 && !getenv("PMIX_RANK") && !getenv("OMPI_COMM_WORLD_SIZE"))
        IH_FAIL(IH_EUSAGE,
                "srun started %ld tasks without the PMIx plugin, so they cannot form one MPI "
                "job. " SWEEP_LAUNCH_FIX,
                n);
cleanup:
    return rc;
}

int sweep_check_launch(MPI_Comm comm)
{
    int rc = 0, size = 1;
    MPI_Comm_size(comm, &size);
    const long n = slurm_step_tasks();
    if (size == 1 && n > 1 && !getenv("OMPI_COMM_WORLD_SIZE"))
        IH_FAIL(IH_EUSAGE,
                "Slurm started %ld tasks but MPI sees a world of 1 process: srun launched each "
                "task as its own MPI job (no PMIx). " SWEEP_LAUNCH_FIX,
                n);
cleanup:
    return rc;
}
