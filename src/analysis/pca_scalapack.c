/* Distributed PCA with ScaLAPACK (see pca.h): X in a 2D block-cyclic layout, pdsyrk for the
 * covariance, pdsyevd for its eigenvectors, pdgemm for the projections, MPI reductions to gather
 * the small results to every rank. Where the rows come from is the caller's business. */
#include "ihsweep/pca.h"

#include "analysis/scalapack.h"
#include "ihsweep/error.h"
#include "ihsweep/mpi_agree.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PCA_DEFAULT_BLOCK = 64 };

void pca_grid_shape(int size, int *grid_rows, int *grid_cols)
{
    int c = 1;
    for (int d = 1; d * d <= size; d++)
        if (size % d == 0)
            c = d;
    *grid_cols = c;
    *grid_rows = size / c;
}

/* The BLACS grid of this call: which block-cyclic coordinates this rank holds. */
typedef struct {
    int handle;  /* system handle of the communicator */
    int context; /* grid context, or -1 outside the grid */
    int nprow, npcol, myrow, mycol;
    int in_grid;
} Grid;

/* Global index of local index l along a dimension split in blocks of nb over np processes. */
static int local_to_global(int l, int nb, int p, int np)
{
    return ((l / nb) * np + p) * nb + l % nb;
}

static int local_count(int n, int nb, int p, int np)
{
    int src = 0;
    return numroc_(&n, &nb, &p, &src, &np);
}

static int make_desc(int *desc, int m, int n, int nb, const Grid *g, int lld)
{
    int zero = 0, info = 0;
    descinit_(desc, &m, &n, &nb, &nb, &zero, &zero, &g->context, &lld, &info);
    return info;
}

/* Records the first failure of a step without leaving the function, so that the collective
 * calls after it still happen on this rank (a later failure keeps the first code). */
#define PCA_NOTE(rc, code, ...)                                                                    \
    do {                                                                                           \
        if ((rc) == 0) {                                                                           \
            ih_error_set(__FILE__, __LINE__, __func__, (code), __VA_ARGS__);                       \
            (rc) = (code);                                                                         \
        }                                                                                          \
    } while (0)

/* Like PCA_NOTE for a call that returns an rc and records its own message. */
#define PCA_KEEP(rc, expr)                                                                         \
    do {                                                                                           \
        int pca_rc_ = (expr);                                                                      \
        if (pca_rc_ < 0 && (rc) == 0) {                                                            \
            ih_error_trace(__FILE__, __LINE__, __func__);                                          \
            (rc) = pca_rc_;                                                                        \
        }                                                                                          \
    } while (0)

/* Fills this rank's local part of X (column-major, lld rows). Row blocks are fetched in batches
 * of about 4 MB: this rank's consecutive blocks are consecutive local rows, so each column is
 * then written in long contiguous runs instead of one nb-row piece per page. */
static int fill_local(const Grid *g, int M, int N, int nb, PcaRowsFn fill, void *ctx, double *A,
                      int lld, int nloc)
{
    int rc = 0;
    double *buf = NULL;
    size_t block_bytes = (size_t)nb * N * sizeof(double);
    int batch = block_bytes >= (4u << 20) ? 1 : (int)((4u << 20) / block_bytes);
    IH_ALLOC(buf, (size_t)batch * nb * N);
    for (int ib0 = g->myrow; (int64_t)ib0 * nb < M; ib0 += batch * g->nprow) {
        int rows = 0; /* rows fetched into buf, in local-row order */
        for (int b = 0, ib = ib0; b < batch && (int64_t)ib * nb < M; b++, ib += g->nprow) {
            int nr = M - ib * nb < nb ? M - ib * nb : nb;
            IH_TRY(fill(ctx, ib * nb, nr, buf + (size_t)rows * N));
            rows += nr;
        }
        int lr0 = (ib0 / g->nprow) * nb;
        for (int j = 0; j < nloc; j++) {
            const double *src = buf + local_to_global(j, nb, g->mycol, g->npcol);
            double *col = A + (size_t)j * lld + lr0;
            for (int i = 0; i < rows; i++)
                col[i] = src[(size_t)i * N];
        }
    }
cleanup:
    free(buf);
    return rc;
}

/* Column means of X over all ranks; subtracts them from the local part. */
static int centre_columns(MPI_Comm comm, const Grid *g, int M, int N, int nb, double *A, int lld,
                          int mloc, int nloc, double *mean)
{
    int rc = 0;
    for (int c = 0; c < N; c++)
        mean[c] = 0;
    for (int j = 0; j < nloc; j++) {
        double s = 0;
        const double *col = A + (size_t)j * lld;
        for (int i = 0; i < mloc; i++)
            s += col[i];
        mean[local_to_global(j, nb, g->mycol, g->npcol)] = s;
    }
    if (MPI_Allreduce(MPI_IN_PLACE, mean, N, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "summing PCA column means failed");
    for (int c = 0; c < N; c++)
        mean[c] /= M;
    for (int j = 0; j < nloc; j++) {
        double m = mean[local_to_global(j, nb, g->mycol, g->npcol)];
        double *col = A + (size_t)j * lld;
        for (int i = 0; i < mloc; i++)
            col[i] -= m;
    }
cleanup:
    return rc;
}

/* Copies the local entries of the distributed M x k projection (columns in ascending eigenvalue
 * order) into dense[M][k] (columns in descending order) for a sum-reduction over ranks. */
static void scatter_projection(const Grid *g, int nb, const double *loc, int lld, int mloc,
                               int nloc, int k, double *dense)
{
    for (int j = 0; j < nloc; j++) {
        int c = k - 1 - local_to_global(j, nb, g->mycol, g->npcol);
        for (int i = 0; i < mloc; i++) {
            int gi = local_to_global(i, nb, g->myrow, g->nprow);
            dense[(size_t)gi * k + c] = loc[(size_t)j * lld + i];
        }
    }
}

static void grid_open(MPI_Comm comm, int nprow, int npcol, Grid *g)
{
    int me = 0, np = 0;
    Cblacs_pinfo(&me, &np);
    g->handle = Csys2blacs_handle(comm);
    g->context = g->handle;
    Cblacs_gridinit(&g->context, "Row", nprow, npcol);
    g->nprow = g->npcol = 0;
    g->myrow = g->mycol = -1;
    if (g->context >= 0)
        Cblacs_gridinfo(g->context, &g->nprow, &g->npcol, &g->myrow, &g->mycol);
    g->in_grid = g->context >= 0 && g->myrow >= 0 && g->mycol >= 0;
}

static void grid_close(Grid *g)
{
    if (g->in_grid)
        Cblacs_gridexit(g->context);
    Cfree_blacs_system_handle(g->handle);
    g->in_grid = 0;
}

/* What the grid part of one PCA needs: local sizes, descriptors and every buffer, all allocated
 * before the first ScaLAPACK computation. */
typedef struct {
    int mloc, nloc;   /* local rows and columns of A (M x N) and P (M x k: pnloc columns) */
    int cmloc, cnloc; /* local rows and columns of C and Z (N x N) */
    int pnloc;
    int lldA, lldC;
    int descA[9], descC[9], descZ[9], descP[9];
    int lwork, liwork;
    double *A, *C, *Z, *P, *work; /* P only when projecting */
    int *iwork;
} GridWork;

static void grid_work_free(GridWork *w)
{
    free(w->A);
    free(w->C);
    free(w->Z);
    free(w->P);
    free(w->work);
    free(w->iwork);
}

/* Local sizes, descriptors and pdsyevd's workspace query. The query is collective over the grid,
 * so every grid rank makes it, whatever descinit said. The query underestimates what pdsyevd's
 * call to pdormtr needs when N is small against the block size (pdormtr then rejects LWORK and
 * pdsyevd still returns info 0 with garbage vectors), so *lwork_need also covers pdormtr's
 * documented need; *liwork_need is the query's answer. */
static int grid_work_plan(const Grid *g, int M, int N, int k, int nb, int project, GridWork *w,
                          double *lwork_need, double *liwork_need)
{
    int rc = 0, one = 1, info = 0, query = -1, iwq = 0;
    double wq = 0, none[1] = {0};
    w->mloc = local_count(M, nb, g->myrow, g->nprow);
    w->nloc = local_count(N, nb, g->mycol, g->npcol);
    w->cmloc = local_count(N, nb, g->myrow, g->nprow);
    w->cnloc = local_count(N, nb, g->mycol, g->npcol);
    w->pnloc = local_count(k, nb, g->mycol, g->npcol);
    w->lldA = w->mloc > 1 ? w->mloc : 1;
    w->lldC = w->cmloc > 1 ? w->cmloc : 1;
    int desc_info = make_desc(w->descA, M, N, nb, g, w->lldA);
    if (desc_info == 0)
        desc_info = make_desc(w->descC, N, N, nb, g, w->lldC);
    if (desc_info == 0)
        desc_info = make_desc(w->descZ, N, N, nb, g, w->lldC);
    if (desc_info == 0 && project)
        desc_info = make_desc(w->descP, M, k, nb, g, w->lldA);
    pdsyevd_("V", "U", &N, none, &one, &one, w->descC, none, none, &one, &one, w->descZ, &wq,
             &query, &iwq, &query, &info, 1, 1);
    if (desc_info != 0)
        IH_FAIL(IH_EINTERNAL, "descinit failed (info %d)", desc_info);
    if (info != 0)
        IH_FAIL(IH_EINTERNAL, "pdsyevd workspace query failed (info %d)", info);
    int np = w->cmloc, nq = w->cnloc;
    double ormtr = (double)nb * (nb - 1) / 2 + (double)(np + nq + 2 * nb) * nb + (double)nb * nb;
    double tridiag = 1 + 6.0 * N + 2.0 * np * nq + 3.0 * N + nb * (np + 1.0) + 3.0 * nb + 2.0 * N;
    *lwork_need = (wq > tridiag ? wq : tridiag) + ormtr;
    *liwork_need = iwq > 1 ? iwq : 1;
cleanup:
    return rc;
}

/* Allocates every buffer of w with the workspace sizes agreed by all ranks. Local. */
static int grid_work_alloc(GridWork *w, int project, double lwork_need, double liwork_need)
{
    int rc = 0;
    if (lwork_need > INT_MAX - 1 || liwork_need > INT_MAX)
        IH_FAIL(IH_ENOMEM, "pdsyevd workspace of %.0f doubles and %.0f ints is too large",
                lwork_need, liwork_need);
    w->lwork = (int)lwork_need + 1;
    w->liwork = (int)liwork_need;
    IH_ALLOC(w->A, (size_t)w->lldA * (w->nloc > 0 ? w->nloc : 1));
    IH_ALLOC(w->C, (size_t)w->lldC * (w->cnloc > 0 ? w->cnloc : 1));
    IH_ALLOC(w->Z, (size_t)w->lldC * (w->cnloc > 0 ? w->cnloc : 1));
    if (project)
        IH_ALLOC(w->P, (size_t)w->lldA * (w->pnloc > 0 ? w->pnloc : 1));
    IH_ALLOC(w->work, w->lwork);
    IH_ALLOC(w->iwork, w->liwork);
cleanup:
    return rc;
}

/* The ScaLAPACK part, on grid ranks only, once every rank holds its buffers and its filled part
 * of X: centres the columns (res->mean), forms the covariance, diagonalises it, and fills this
 * rank's entries of res->components and res->projection (zeroed global buffers, summed over ranks
 * afterwards), res->variance (descending) and this rank's share of the trace. Signs are fixed
 * later. A failure does not return early: the remaining collective calls are still made (on
 * whatever the buffers hold) and the caller agrees on the result. */
static int pca_on_grid(MPI_Comm comm, const Grid *g, GridWork *w, int M, int N, int k, int nb,
                       PcaResult *res, double *w_all, double t0)
{
    int rc = 0, info = 0, one = 1;
    const int lldC = w->lldC;
    PCA_KEEP(rc, centre_columns(comm, g, M, N, nb, w->A, w->lldA, w->mloc, w->nloc, res->mean));
    double t1 = MPI_Wtime();

    double alpha = 1.0 / (M - 1), beta = 0.0;
    pdsyrk_("U", "T", &N, &M, &alpha, w->A, &one, &one, w->descA, &beta, w->C, &one, &one,
            w->descC);
    double trace = 0;
    for (int j = 0; j < w->cnloc; j++) {
        int gj = local_to_global(j, nb, g->mycol, g->npcol);
        for (int i = 0; i < w->cmloc; i++)
            if (local_to_global(i, nb, g->myrow, g->nprow) == gj)
                trace += w->C[(size_t)j * lldC + i];
    }
    res->total_variance = trace; /* summed over the grid by the caller */
    double t2 = MPI_Wtime();

    pdsyevd_("V", "U", &N, w->C, &one, &one, w->descC, w_all, w->Z, &one, &one, w->descZ, w->work,
             &w->lwork, w->iwork, &w->liwork, &info, 1, 1);
    if (info != 0)
        PCA_NOTE(rc, IH_EINTERNAL, "pdsyevd failed (info %d)", info);
    for (int c = 0; c < k; c++)
        res->variance[c] = w_all[N - 1 - c];
    /* components[c] = column N-1-c of Z, as a row of the dense [k][N] buffer */
    for (int j = 0; j < w->cnloc; j++) {
        int gj = local_to_global(j, nb, g->mycol, g->npcol);
        if (gj < N - k)
            continue;
        int c = N - 1 - gj;
        for (int i = 0; i < w->cmloc; i++)
            res->components[(size_t)c * N + local_to_global(i, nb, g->myrow, g->nprow)] =
                w->Z[(size_t)j * lldC + i];
    }
    double t3 = MPI_Wtime();

    if (res->projection) {
        int jz = N - k + 1;
        double a1 = 1.0;
        pdgemm_("N", "N", &M, &k, &N, &a1, w->A, &one, &one, w->descA, w->Z, &one, &jz, w->descZ,
                &beta, w->P, &one, &one, w->descP);
        scatter_projection(g, nb, w->P, w->lldA, w->mloc, w->pnloc, k, res->projection);
    }
    res->seconds[0] = t1 - t0;
    res->seconds[1] = t2 - t1;
    res->seconds[2] = t3 - t2;
    res->seconds[3] = MPI_Wtime() - t3;
    return rc;
}

/* Allocates the result (every array zeroed) and the eigenvalue buffer w_all [N]. Local. */
static int result_alloc(int M, int N, int k, int nprow, int npcol, int project, PcaResult **out,
                        double **w_all)
{
    int rc = 0;
    PcaResult *res = NULL;
    IH_ALLOC(res, 1);
    res->n_rows = M;
    res->n_cols = N;
    res->k = k;
    res->grid_rows = nprow;
    res->grid_cols = npcol;
    IH_ALLOC(res->mean, N);
    IH_ALLOC(res->components, (size_t)k * N);
    IH_ALLOC(res->variance, k);
    if (project)
        IH_ALLOC(res->projection, (size_t)M * k);
    IH_ALLOC(*w_all, N);
cleanup:
    *out = res; /* freed by the caller also on failure */
    return rc;
}

/* Makes each component's largest-magnitude entry positive (flipping its projections too). */
static void fix_signs(PcaResult *r)
{
    for (int c = 0; c < r->k; c++) {
        double *v = r->components + (size_t)c * r->n_cols;
        int best = 0;
        for (int i = 1; i < r->n_cols; i++)
            if (fabs(v[i]) > fabs(v[best]))
                best = i;
        if (v[best] >= 0)
            continue;
        for (int i = 0; i < r->n_cols; i++)
            v[i] = -v[i];
        if (r->projection)
            for (int i = 0; i < r->n_rows; i++)
                r->projection[(size_t)i * r->k + c] = -r->projection[(size_t)i * r->k + c];
    }
}

int pca_compute(MPI_Comm comm, int64_t n_rows, int n_cols, int k, PcaRowsFn fill, void *ctx,
                const PcaOptions *opt, PcaResult **out)
{
    int rc = 0, size = 0, rank = 0, grid_open_done = 0;
    PcaResult *res = NULL;
    double *w_all = NULL;
    Grid g = {0};
    GridWork w = {0};
    *out = NULL;
    /* Argument checks: identical on every rank, so an early return here is uniform. */
    if (n_rows < 2 || n_rows > INT_MAX || n_cols < 1 || k < 1)
        IH_FAIL(IH_EUSAGE,
                "PCA needs 2 <= rows <= %d, columns >= 1 and k >= 1 (got %lld x %d, "
                "k %d)",
                INT_MAX, (long long)n_rows, n_cols, k);
    if (k > n_cols)
        k = n_cols;
    int project = opt && opt->project;
    if (project && n_rows * k > INT_MAX)
        IH_FAIL(IH_EUSAGE, "PCA projections of %lld rows x %d components exceed one MPI message",
                (long long)n_rows, k);
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    int nprow = opt ? opt->grid_rows : 0, npcol = opt ? opt->grid_cols : 0;
    int nb = opt && opt->block > 0 ? opt->block : PCA_DEFAULT_BLOCK;
    if (nprow <= 0 || npcol <= 0)
        pca_grid_shape(size, &nprow, &npcol);
    if (nprow * npcol > size)
        IH_FAIL(IH_EUSAGE, "PCA process grid %dx%d needs %d ranks, the communicator has %d", nprow,
                npcol, nprow * npcol, size);
    int M = (int)n_rows, N = n_cols;

    /* Preparation: every rank makes the same collective calls (grid setup, the grid's workspace
     * query, the workspace-size reduction) whatever fails locally; failures of allocation and
     * fill are agreed on once, before the first ScaLAPACK computation. */
    grid_open(comm, nprow, npcol, &g);
    grid_open_done = 1;
    double need[2] = {0, 0}; /* lwork, liwork: the largest of any rank */
    if (g.in_grid)
        PCA_KEEP(rc, grid_work_plan(&g, M, N, k, nb, project, &w, &need[0], &need[1]));
    if (rc == 0)
        PCA_KEEP(rc, result_alloc(M, N, k, nprow, npcol, project, &res, &w_all));
    if (MPI_Allreduce(MPI_IN_PLACE, need, 2, MPI_DOUBLE, MPI_MAX, comm) != MPI_SUCCESS)
        PCA_NOTE(rc, IH_EMPI, "agreeing on the PCA workspace size failed");
    double t0 = MPI_Wtime();
    if (rc == 0 && g.in_grid)
        PCA_KEEP(rc, grid_work_alloc(&w, project, need[0], need[1]));
    if (rc == 0 && g.in_grid)
        PCA_KEEP(rc, fill_local(&g, M, N, nb, fill, ctx, w.A, w.lldA, w.nloc));
    IH_TRY(ih_mpi_agree(comm, rc));

    if (g.in_grid) {
        rc = pca_on_grid(comm, &g, &w, M, N, k, nb, res, w_all, t0);
    } else {
        /* Outside the grid: take part in the column-mean reduction of the grid ranks. */
        if (MPI_Allreduce(MPI_IN_PLACE, res->mean, N, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS)
            PCA_NOTE(rc, IH_EMPI, "summing PCA column means failed");
        for (int c = 0; c < N; c++)
            res->mean[c] /= M;
    }
    IH_TRY(ih_mpi_agree(comm, rc));

    double t_gather = MPI_Wtime();
    if (MPI_Allreduce(MPI_IN_PLACE, res->components, k * N, MPI_DOUBLE, MPI_SUM, comm) !=
            MPI_SUCCESS ||
        MPI_Allreduce(MPI_IN_PLACE, &res->total_variance, 1, MPI_DOUBLE, MPI_SUM, comm) !=
            MPI_SUCCESS ||
        MPI_Bcast(res->variance, k, MPI_DOUBLE, 0, comm) != MPI_SUCCESS ||
        (res->projection && MPI_Allreduce(MPI_IN_PLACE, res->projection, M * k, MPI_DOUBLE, MPI_SUM,
                                          comm) != MPI_SUCCESS))
        IH_FAIL(IH_EMPI, "gathering PCA results failed");
    for (int c = 0; c < k; c++) {
        double n2 = 0;
        for (int j = 0; j < N; j++)
            n2 += res->components[(size_t)c * N + j] * res->components[(size_t)c * N + j];
        if (!(fabs(n2 - 1.0) < 1e-8))
            IH_FAIL(IH_EINTERNAL,
                    "pdsyevd returned a component of squared norm %g (grid %dx%d, "
                    "block %d)",
                    n2, nprow, npcol, nb);
    }
    fix_signs(res);
    res->seconds[3] += MPI_Wtime() - t_gather;
    MPI_Bcast(res->seconds, 4, MPI_DOUBLE, 0, comm);
    *out = res;
    res = NULL;
cleanup:
    if (grid_open_done)
        grid_close(&g);
    grid_work_free(&w);
    free(w_all);
    pca_result_destroy(&res);
    return rc;
}

void pca_result_destroy(PcaResult **r)
{
    if (!r || !*r)
        return;
    free((*r)->mean);
    free((*r)->components);
    free((*r)->variance);
    free((*r)->projection);
    free(*r);
    *r = NULL;
}
