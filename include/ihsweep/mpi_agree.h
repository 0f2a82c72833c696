/* Agreeing on an error code across the ranks of a communicator: the one way a local failure
 * becomes every rank's failure before the next collective call, so that no rank is left waiting
 * in a collective that a failed rank skipped. Lives apart from error.h so that serial modules
 * need no MPI. Implemented in src/io/mpi_agree.c.
 */
#ifndef IHSWEEP_MPI_AGREE_H
#define IHSWEEP_MPI_AGREE_H

#include <mpi.h>

/* How the error message of a rank that only learnt of another rank's failure begins (so that a
 * command can show the original message instead). */
#define IH_MPI_AGREE_OTHER "another rank failed"

/* Every rank passes its local result rc (0 or a negative IH_E code). Returns rc itself on a rank
 * that failed (its own error record is kept), otherwise the smallest (worst) code of any rank;
 * a rank that succeeded while another failed records that code with the message
 * IH_MPI_AGREE_OTHER " (<strerror>); see its message". Collective on comm. Errors: as above, or
 * IH_EMPI (recorded) when the reduction itself fails. */
int ih_mpi_agree(MPI_Comm comm, int rc);

#endif
