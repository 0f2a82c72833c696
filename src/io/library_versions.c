/* Versions of the MPI, HDF5 and BLAS libraries actually linked (not the headers compiled against). */
#include "ihsweep/results.h"
#include "ihsweep/version.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

char *openblas_get_config(void);

void results_library_versions(char *buf, int size)
{
    char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(mpi_version, &len);
    char *newline = strchr(mpi_version, '\n');
    if (newline)
        *newline = '\0';
    char *comma = strchr(mpi_version, ',');
    if (comma)
        *comma = '\0';
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
    snprintf(buf, (size_t)size, "MPI %s; HDF5 %u.%u.%u; BLAS %s; ISA %s", mpi_version, major,
             minor, release, openblas_get_config(), ih_build_isa());
}
