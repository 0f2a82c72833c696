/* ih_mpi_agree (see mpi_agree.h): one MPI_Allreduce of the error codes. Prints nothing. */
#include "ihsweep/mpi_agree.h"

#include "ihsweep/error.h"

int ih_mpi_agree(MPI_Comm comm, int rc)
{
    int worst = rc;
    if (MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EMPI,
                     "agreeing on an error code: "
                     "MPI_Allreduce failed");
        return IH_EMPI;
    }
    if (rc == 0 && worst < 0)
        ih_error_set(__FILE__, __LINE__, __func__, worst,
                     IH_MPI_AGREE_OTHER " (%s); see its message", ih_strerror(worst));
    return rc < 0 ? rc : worst;
}
