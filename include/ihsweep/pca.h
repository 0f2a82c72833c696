/* Distributed principal component analysis with ScaLAPACK, and "essential dynamics": the PCA of
 * every run's probe-set query logits over training (rows = (run, eval), columns = probe x label).
 *
 * The data matrix X (M x N) lives in a 2D block-cyclic layout on a BLACS process grid built from
 * the communicator (1x1, 2x1, 2x2, ...): each rank fills only its own row blocks through a
 * callback, columns are centred, the covariance X^T X / (M-1) is formed with pdsyrk and
 * diagonalised with pdsyevd, and the top-k components and the projections X V_k (pdgemm) are
 * gathered to every rank. Does not read files itself and does not draw.
 */
#ifndef IHSWEEP_PCA_H
#define IHSWEEP_PCA_H

#include <mpi.h>
#include <stdint.h>

struct AnalysisInput;

/* Fills rows [row0, row0 + n_rows) of X into rows[n_rows][n_cols] (row-major). Called
 * independently by each rank for the row blocks it owns. Returns 0 or a negative IH_E code. */
typedef int (*PcaRowsFn)(void *ctx, int64_t row0, int n_rows, double *rows);

typedef struct {
    int grid_rows; /* process grid; 0 and 0: chosen by pca_grid_shape from the communicator size */
    int grid_cols;
    int block;   /* block-cyclic block size (rows and columns); 0: 64 */
    int project; /* 1: also compute the projections X V_k */
} PcaOptions;

typedef struct {
    int n_rows;    /* M */
    int n_cols;    /* N */
    int k;         /* components kept (min(k asked, N)) */
    int grid_rows; /* the process grid used */
    int grid_cols;
    double *mean;          /* [n_cols] column means */
    double *components;    /* [k][n_cols] unit eigenvectors, decreasing variance; each one's
                              largest-magnitude entry is positive */
    double *variance;      /* [k] eigenvalues of the covariance X^T X / (M - 1) */
    double total_variance; /* trace of the covariance */
    double *projection;    /* [n_rows][k] (X - mean) V_k, or NULL if not asked */
    double seconds[4]; /* rank 0's wall time of fill+centre, pdsyrk, pdsyevd, projection (pdgemm)
                          and gathering the results to every rank */
} PcaResult;

/* Chooses a near-square process grid for size ranks with grid_rows >= grid_cols (1 -> 1x1,
 * 2 -> 2x1, 4 -> 2x2, 6 -> 3x2). Local. */
void pca_grid_shape(int size, int *grid_rows, int *grid_cols);

/* PCA of the n_rows x n_cols matrix given by fill. Collective on comm: every rank passes the same
 * sizes and options; ranks outside the process grid (size not a product of the grid) only take
 * part in the gathers. The result (*out, owned) is identical on every rank. Needs n_rows >= 2,
 * n_rows <= INT_MAX, 1 <= k. Errors: IH_EUSAGE (sizes, grid larger than comm), IH_ENOMEM,
 * IH_EINTERNAL (ScaLAPACK info != 0), or whatever fill returns (the error is agreed on by all ranks
 * before returning). */
int pca_compute(MPI_Comm comm, int64_t n_rows, int n_cols, int k, PcaRowsFn fill, void *ctx,
                const PcaOptions *opt, PcaResult **out);

/* Frees r and sets *r = NULL. NULL-safe. */
void pca_result_destroy(PcaResult **r);

/* Essential dynamics of a set of runs: the PCA of the probe-set predictions (softmax of the stored
 * query logits, see essential_dynamics.c) with each run's trajectory. */
typedef struct EssentialDynamics {
    int n_runs;
    int max_evals;
    int n_features;     /* n_probe * n_labels */
    int n_rows;         /* (run, eval) rows used: done runs, evals with eval_seq >= 0 */
    PcaResult *pca;     /* owned */
    double *trajectory; /* [n_runs][max_evals][k] projection on the components (NaN: no row) */
} EssentialDynamics;

/* Runs the PCA on in's probe logits (in memory or through in->read_probe) with k components.
 * Collective on comm. Returns owned *out, or *out = NULL when there is nothing to analyse
 * (n_probe 0 or fewer than 2 rows). Errors: as pca_compute, IH_EDATA (a non-finite logit in a
 * done run). */
int essential_dynamics_compute(MPI_Comm comm, const struct AnalysisInput *in, int k,
                               const PcaOptions *opt, EssentialDynamics **out);

/* Frees ed and sets *ed = NULL. NULL-safe. */
void essential_dynamics_destroy(EssentialDynamics **ed);

#endif
