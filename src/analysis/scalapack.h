/* Prototypes of the BLACS, PBLAS and ScaLAPACK routines analysis uses. Debian's
 * libscalapack-openmpi ships no C headers (doc/design.md 14), so they are declared here, once.
 *
 * Fortran routines taking CHARACTER arguments get the hidden length arguments gfortran appends
 * (size_t, one per character argument): omitting them is undefined behaviour that newer gfortran
 * builds punish. PBLAS (pd*mm, pdsyrk) is C behind a Fortran-style interface and has none.
 * Internal to src/analysis/.
 */
#ifndef IHSWEEP_ANALYSIS_SCALAPACK_H
#define IHSWEEP_ANALYSIS_SCALAPACK_H

#include <mpi.h>
#include <stddef.h>

/* BLACS, C interface. */
void Cblacs_pinfo(int *mypnum, int *nprocs);
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);

/* ScaLAPACK tools. */
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *context, const int *lld, int *info);

/* PBLAS. */
void pdsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
             const double *a, const int *ia, const int *ja, const int *desca, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);

/* ScaLAPACK symmetric eigensolver (divide and conquer). */
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
              const int *descz, double *work, const int *lwork, int *iwork, const int *liwork,
              int *info, size_t jobz_len, size_t uplo_len);

#endif
