/* Distributed PCA with ScaLAPACK (see pca.h): X in a 2D block-cyclic layout, pdsyrk for the
 * covariance, pdsyevd for its eigenvectors, pdgemm for the projections, MPI reductions to gather
 * the small results to every rank. Where the rows come from is the caller's business. */
#include "ihsweep/pca.h"

#include "analysis/scalapack.h"
#include "ihsweep/error.h"

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

/* Every rank learns the worst rc of any rank (errors are negative); a rank that did not fail
 * itself records which rank did. */
static int agree(MPI_Comm comm, int rc)
{
    int worst = rc;
    if (MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        return IH_EMPI;
    if (worst < 0 && rc == 0)
        ih_error_set(__FILE__, __LINE__, __func__, worst, "PCA failed on another rank (%s)",
                     ih_strerror(worst));
    return worst;
}

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

/* pdsyevd with its workspace query. The query underestimates what pdsyevd's call to pdormtr
 * needs when N is small against the block size (pdormtr then rejects LWORK and pdsyevd still
 * returns info 0 with garbage vectors), so the workspace also covers pdormtr's documented need. */
static int eigen(const Grid *g, int N, int nb, double *C, const int *descC, double *w, double *Z,
                 const int *descZ)
{
    int rc = 0, one = 1, info = 0, lwork = -1, liwork = -1, iwq = 0;
    double wq = 0;
    double *work = NULL;
    int *iwork = NULL;
    pdsyevd_("V", "U", &N, C, &one, &one, descC, w, Z, &one, &one, descZ, &wq, &lwork, &iwq,
             &liwork, &info, 1, 1);
    if (info != 0)
        IH_FAIL(IH_EINTERNAL, "pdsyevd workspace query failed (info %d)", info);
    int np = local_count(N, nb, g->myrow, g->nprow), nq = local_count(N, nb, g->mycol, g->npcol);
    double ormtr = (double)nb * (nb - 1) / 2 + (double)(np + nq + 2 * nb) * nb + (double)nb * nb;
    double tridiag = 1 + 6.0 * N + 2.0 * np * nq + 3.0 * N + nb * (np + 1.0) + 3.0 * nb + 2.0 * N;
    double need = (wq > tridiag ? wq : tridiag) + ormtr;
    if (need > INT_MAX)
        IH_FAIL(IH_ENOMEM, "pdsyevd workspace of %.0f doubles is too large", need);
    lwork = (int)need + 1;
    liwork = iwq > 1 ? iwq : 1;
    IH_ALLOC(work, lwork);
    IH_ALLOC(iwork, liwork);
    pdsyevd_("V", "U", &N, C, &one, &one, descC, w, Z, &one, &one, descZ, work, &lwork, iwork,
             &liwork, &info, 1, 1);
    if (info != 0)
        IH_FAIL(IH_EINTERNAL, "pdsyevd failed (info %d)", info);
cleanup:
    free(work);
    free(iwork);
    return rc;
}

/* The ScaLAPACK part, on grid ranks only: fills res->mean, this rank's entries of
 * res->components and res->projection (zeroed global buffers, summed over ranks afterwards),
 * res->variance (descending) and this rank's share of the trace. Signs are fixed later. */
static int pca_on_grid(MPI_Comm comm, const Grid *g, int M, int N, int k, int nb, PcaRowsFn fill,
                       void *ctx, PcaResult *res, double *w_all)
{
    int rc = 0, info = 0, one = 1;
    double *A = NULL, *C = NULL, *Z = NULL, *P = NULL;
    int descA[9], descC[9], descZ[9], descP[9];
    int mloc = local_count(M, nb, g->myrow, g->nprow);
    int nloc = local_count(N, nb, g->mycol, g->npcol);
    int cmloc = local_count(N, nb, g->myrow, g->nprow);
    int cnloc = local_count(N, nb, g->mycol, g->npcol);
    int lldA = mloc > 1 ? mloc : 1, lldC = cmloc > 1 ? cmloc : 1;

    double t0 = MPI_Wtime();
    IH_ALLOC(A, (size_t)lldA * (nloc > 0 ? nloc : 1));
    rc = fill_local(g, M, N, nb, fill, ctx, A, lldA, nloc);
    IH_TRY(agree(comm, rc));
    IH_TRY(centre_columns(comm, g, M, N, nb, A, lldA, mloc, nloc, res->mean));
    double t1 = MPI_Wtime();

    if ((info = make_desc(descA, M, N, nb, g, lldA)) != 0 ||
        (info = make_desc(descC, N, N, nb, g, lldC)) != 0 ||
        (info = make_desc(descZ, N, N, nb, g, lldC)) != 0)
        IH_FAIL(IH_EINTERNAL, "descinit failed (info %d)", info);
    IH_ALLOC(C, (size_t)lldC * (cnloc > 0 ? cnloc : 1));
    IH_ALLOC(Z, (size_t)lldC * (cnloc > 0 ? cnloc : 1));
    double alpha = 1.0 / (M - 1), beta = 0.0;
    pdsyrk_("U", "T", &N, &M, &alpha, A, &one, &one, descA, &beta, C, &one, &one, descC);
    double trace = 0;
    for (int j = 0; j < cnloc; j++) {
        int gj = local_to_global(j, nb, g->mycol, g->npcol);
        for (int i = 0; i < cmloc; i++)
            if (local_to_global(i, nb, g->myrow, g->nprow) == gj)
                trace += C[(size_t)j * lldC + i];
    }
    res->total_variance = trace; /* summed over the grid by the caller */
    double t2 = MPI_Wtime();

    IH_TRY(eigen(g, N, nb, C, descC, w_all, Z, descZ));
    for (int c = 0; c < k; c++)
        res->variance[c] = w_all[N - 1 - c];
    /* components[c] = column N-1-c of Z, as a row of the dense [k][N] buffer */
    for (int j = 0; j < cnloc; j++) {
        int gj = local_to_global(j, nb, g->mycol, g->npcol);
        if (gj < N - k)
            continue;
        int c = N - 1 - gj;
        for (int i = 0; i < cmloc; i++)
            res->components[(size_t)c * N + local_to_global(i, nb, g->myrow, g->nprow)] =
                Z[(size_t)j * lldC + i];
    }
    double t3 = MPI_Wtime();

    if (res->projection) {
        int pnloc = local_count(k, nb, g->mycol, g->npcol);
        int jz = N - k + 1;
        if ((info = make_desc(descP, M, k, nb, g, lldA)) != 0)
            IH_FAIL(IH_EINTERNAL, "descinit failed (info %d)", info);
        IH_ALLOC(P, (size_t)lldA * (pnloc > 0 ? pnloc : 1));
        double a1 = 1.0;
        pdgemm_("N", "N", &M, &k, &N, &a1, A, &one, &one, descA, Z, &one, &jz, descZ, &beta, P,
                &one, &one, descP);
        scatter_projection(g, nb, P, lldA, mloc, pnloc, k, res->projection);
    }
    res->seconds[0] = t1 - t0;
    res->seconds[1] = t2 - t1;
    res->seconds[2] = t3 - t2;
    res->seconds[3] = MPI_Wtime() - t3;
cleanup:
    free(A);
    free(C);
    free(Z);
    free(P);
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
    *out = NULL;
    if (n_rows < 2 || n_rows > INT_MAX || n_cols < 1 || k < 1)
        IH_FAIL(IH_EUSAGE,
                "PCA needs 2 <= rows <= %d, columns >= 1 and k >= 1 (got %lld x %d, "
                "k %d)",
                INT_MAX, (long long)n_rows, n_cols, k);
    if (k > n_cols)
        k = n_cols;
    if (opt && opt->project && n_rows * k > INT_MAX)
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
    IH_ALLOC(res, 1);
    res->n_rows = M;
    res->n_cols = N;
    res->k = k;
    res->grid_rows = nprow;
    res->grid_cols = npcol;
    IH_ALLOC(res->mean, N);
    IH_ALLOC(res->components, (size_t)k * N);
    IH_ALLOC(res->variance, k);
    if (opt && opt->project)
        IH_ALLOC(res->projection, (size_t)M * k);
    IH_ALLOC(w_all, N);

    grid_open(comm, nprow, npcol, &g);
    grid_open_done = 1;
    if (g.in_grid) {
        rc = pca_on_grid(comm, &g, M, N, k, nb, fill, ctx, res, w_all);
    } else {
        /* Outside the grid: take part in the reductions the grid ranks make while filling. */
        rc = agree(comm, 0);
        if (rc == 0 &&
            MPI_Allreduce(MPI_IN_PLACE, res->mean, N, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS)
            rc = IH_EMPI;
        if (rc == 0)
            for (int c = 0; c < N; c++)
                res->mean[c] /= M;
    }
    IH_TRY(agree(comm, rc));

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
