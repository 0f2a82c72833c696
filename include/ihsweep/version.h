/* Version of the program and the ISA level it was built for (for --version and result files; the
 * versions of the MPI, HDF5 and BLAS libraries are results_library_versions). */
#ifndef IHSWEEP_VERSION_H
#define IHSWEEP_VERSION_H

/* Project version, e.g. "0.1.0". Static string. */
const char *ih_version_string(void);

/* Git hash of the source tree at build time, "-dirty" appended if modified; "unknown" outside git.
 */
const char *ih_git_hash(void);

/* The -march level the code was built for ("x86-64-v3", "native", "default" for non-Release
 * builds). Float bits may differ between levels. Static string. */
const char *ih_build_isa(void);

#endif
