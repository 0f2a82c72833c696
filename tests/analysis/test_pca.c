/* Distributed PCA (ScaLAPACK) against a serial LAPACK computation on the same data.
 *
 * Run under mpirun with 1, 2 and 4 ranks. Each rank computes the serial reference itself (dsyevd
 * on the covariance of the full matrix) and checks eigenvalues to 1e-10 relative, components up
 * to sign and projections to 1e-10 of their scale, on every process grid that fits the rank
 * count (1x1, 2x1, 1x2, 2x2, 4x1, and grids smaller than the communicator), with block sizes that
 * split the matrix over every grid rank. Also: essential dynamics on an in-memory AnalysisInput
 * (rows of done runs only, NaN trajectories elsewhere), and errors on one rank reaching every
 * rank without a hang: a failing fill callback (on grids that leave some ranks outside), and an
 * allocation failing on one rank only (its address space capped with setrlimit) where the other
 * ranks' allocations succeed and they would otherwise go on into ScaLAPACK.
 */
#include "harness.h"

#include "ihsweep/analysis.h"
#include "ihsweep/error.h"
#include "ihsweep/pca.h"
#include "ihsweep/rng.h"

#include <mpi.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

/* ASan reserves terabytes of address space and aborts on a failed allocation: no RLIMIT_AS test. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_PCA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_PCA_ASAN 1
#endif
#endif

TEST_COUNTS_DECLARE;

void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);

/* Synthetic rows: X[i] = offset + sum_c z_ic sig_c basis_c + noise, z and noise from stream i. */
typedef struct {
    int n_cols;
    int n_latent;
    double *basis;  /* [n_latent][n_cols] */
    double *offset; /* [n_cols] */
    int fail_row;   /* a row whose fill fails (-1: none) */
} Synth;

static void synth_init(Synth *s, int n_cols, int n_latent)
{
    Rng r;
    rng_init(&r, 11, RNG_PURPOSE_TEST, 1u << 30);
    s->n_cols = n_cols;
    s->n_latent = n_latent;
    s->fail_row = -1;
    s->basis = malloc(sizeof(double) * n_latent * n_cols);
    s->offset = malloc(sizeof(double) * n_cols);
    for (int i = 0; i < n_latent * n_cols; i++)
        s->basis[i] = rng_normal(&r);
    for (int j = 0; j < n_cols; j++)
        s->offset[j] = 5.0 * rng_normal(&r);
}

static void synth_row(const Synth *s, int64_t i, double *row)
{
    Rng r;
    rng_init(&r, 12, RNG_PURPOSE_TEST, (uint64_t)i);
    for (int j = 0; j < s->n_cols; j++)
        row[j] = s->offset[j] + 0.05 * rng_normal(&r);
    for (int c = 0; c < s->n_latent; c++) {
        double z = rng_normal(&r) * 8.0 / (1.0 + 0.7 * c);
        for (int j = 0; j < s->n_cols; j++)
            row[j] += z * s->basis[c * s->n_cols + j];
    }
}

static int synth_fill(void *ctx, int64_t row0, int n, double *rows)
{
    const Synth *s = ctx;
    for (int i = 0; i < n; i++) {
        if (row0 + i == s->fail_row) {
            ih_error_set(__FILE__, __LINE__, __func__, IH_EDATA, "row %d is bad", s->fail_row);
            return IH_EDATA;
        }
        synth_row(s, row0 + i, rows + (size_t)i * s->n_cols);
    }
    return 0;
}

/* Serial reference with LAPACK: mean [N], comps [k][N] (sign: largest entry positive),
 * var [k] descending, proj [M][k], total variance. X is row-major M x N. */
static void serial_pca(const double *X, int M, int N, int k, double *mean, double *comps,
                       double *var, double *proj, double *total)
{
    double *Xc = malloc(sizeof(double) * M * N), *C = calloc((size_t)N * N, sizeof(double));
    double *w = malloc(sizeof(double) * N);
    for (int j = 0; j < N; j++) {
        double s = 0;
        for (int i = 0; i < M; i++)
            s += X[(size_t)i * N + j];
        mean[j] = s / M;
    }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++)
            Xc[(size_t)i * N + j] = X[(size_t)i * N + j] - mean[j];
    for (int a = 0; a < N; a++)
        for (int b = a; b < N; b++) {
            double s = 0;
            for (int i = 0; i < M; i++)
                s += Xc[(size_t)i * N + a] * Xc[(size_t)i * N + b];
            C[(size_t)a * N + b] = C[(size_t)b * N + a] = s / (M - 1);
        }
    *total = 0;
    for (int a = 0; a < N; a++)
        *total += C[(size_t)a * N + a];
    int lwork = -1, liwork = -1, info = 0, iwq = 0;
    double wq = 0;
    dsyevd_("V", "U", &N, C, &N, w, &wq, &lwork, &iwq, &liwork, &info, 1, 1);
    lwork = (int)wq + 1;
    liwork = iwq;
    double *work = malloc(sizeof(double) * lwork);
    int *iwork = malloc(sizeof(int) * liwork);
    dsyevd_("V", "U", &N, C, &N, w, work, &lwork, iwork, &liwork, &info, 1, 1);
    CHECK_INT_EQ(info, 0);
    /* column-major: eigenvector e is C[e*N .. e*N+N) */
    for (int c = 0; c < k; c++) {
        int e = N - 1 - c;
        var[c] = w[e];
        int best = 0;
        for (int j = 1; j < N; j++)
            if (fabs(C[(size_t)e * N + j]) > fabs(C[(size_t)e * N + best]))
                best = j;
        double sign = C[(size_t)e * N + best] < 0 ? -1.0 : 1.0;
        for (int j = 0; j < N; j++)
            comps[(size_t)c * N + j] = sign * C[(size_t)e * N + j];
    }
    for (int i = 0; i < M; i++)
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int j = 0; j < N; j++)
                s += Xc[(size_t)i * N + j] * comps[(size_t)c * N + j];
            proj[(size_t)i * k + c] = s;
        }
    free(Xc);
    free(C);
    free(w);
    free(work);
    free(iwork);
}

static double max_abs(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m)
            m = fabs(x[i]);
    return m;
}

/* Compares a distributed result with the serial reference; components and projections up to
 * the sign of each component. */
static void compare(const PcaResult *r, const double *X, int M, int N, int k)
{
    double *mean = malloc(sizeof(double) * N), *comps = malloc(sizeof(double) * k * N);
    double *var = malloc(sizeof(double) * k), *proj = malloc(sizeof(double) * M * k), total = 0;
    serial_pca(X, M, N, k, mean, comps, var, proj, &total);
    CHECK_INT_EQ(r->k, k);
    CHECK_INT_EQ(r->n_rows, M);
    CHECK_NEAR(r->total_variance, total, 1e-10 * total);
    for (int j = 0; j < N; j++)
        CHECK_NEAR(r->mean[j], mean[j], 1e-12 * (1 + fabs(mean[j])));
    double pscale = max_abs(proj, (size_t)M * k);
    for (int c = 0; c < k; c++) {
        CHECK_NEAR(r->variance[c], var[c], 1e-10 * var[c]);
        double dot = 0;
        for (int j = 0; j < N; j++)
            dot += r->components[(size_t)c * N + j] * comps[(size_t)c * N + j];
        double sign = dot < 0 ? -1.0 : 1.0;
        CHECK(dot > 0); /* same sign convention as the reference */
        double err = 0, perr = 0;
        for (int j = 0; j < N; j++)
            err =
                fmax(err, fabs(sign * r->components[(size_t)c * N + j] - comps[(size_t)c * N + j]));
        for (int i = 0; i < M && r->projection; i++)
            perr =
                fmax(perr, fabs(sign * r->projection[(size_t)i * k + c] - proj[(size_t)i * k + c]));
        CHECK_NEAR(err, 0, 1e-10);
        if (r->projection)
            CHECK_NEAR(perr, 0, 1e-10 * pscale);
    }
    free(mean);
    free(comps);
    free(var);
    free(proj);
}

static void run_case(MPI_Comm comm, int M, int N, int k, int latent, int grid_rows, int grid_cols,
                     int block)
{
    Synth s;
    synth_init(&s, N, latent);
    double *X = malloc(sizeof(double) * M * N);
    synth_fill(&s, 0, M, X);
    PcaOptions opt = {grid_rows, grid_cols, block, 1};
    PcaResult *r = NULL;
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    CHECK_OK(pca_compute(comm, M, N, k, synth_fill, &s, &opt, &r));
    if (r) {
        if (grid_rows > 0) {
            CHECK_INT_EQ(r->grid_rows, grid_rows);
            CHECK_INT_EQ(r->grid_cols, grid_cols);
        }
        compare(r, X, M, N, k < N ? k : N);
        if (rank == 0)
            printf("pca %dx%d k=%d grid %dx%d block %d: ok\n", M, N, k, r->grid_rows, r->grid_cols,
                   block);
    }
    pca_result_destroy(&r);
    free(X);
    free(s.basis);
    free(s.offset);
}

static void test_grids(MPI_Comm comm, int size)
{
    int grids[][2] = {{1, 1}, {2, 1}, {1, 2}, {2, 2}, {4, 1}, {0, 0}};
    for (unsigned g = 0; g < sizeof grids / sizeof grids[0]; g++) {
        if (grids[g][0] * grids[g][1] > size)
            continue;
        run_case(comm, 257, 13, 4, 6, grids[g][0], grids[g][1], 4);
        run_case(comm, 120, 40, 5, 8, grids[g][0], grids[g][1], 8);
    }
    run_case(comm, 300, 20, 25, 20, 0, 0, 64); /* k > N: all components; N < block */
    run_case(comm, 40000, 40, 3, 5, 0, 0, 4);  /* rows fetched in several 4 MB batches */
}

static void test_fill_error(MPI_Comm comm, int size)
{
    Synth s;
    synth_init(&s, 10, 3);
    /* row 37: block 4 of size 8, so grid row 0 of 1xN grids and grid row 1 of 2xN grids; grids
     * smaller than the communicator leave ranks outside that only take part in the reductions */
    s.fail_row = 37;
    int grids[][2] = {{0, 0}, {1, 1}, {2, 1}, {1, 2}};
    for (unsigned g = 0; g < sizeof grids / sizeof grids[0]; g++) {
        if (grids[g][0] * grids[g][1] > size)
            continue;
        PcaOptions opt = {grids[g][0], grids[g][1], 8, 1};
        PcaResult *r = NULL;
        CHECK_ERR(pca_compute(comm, 100, 10, 3, synth_fill, &s, &opt, &r), IH_EDATA);
        CHECK(r == NULL);
    }
    PcaOptions opt = {0, 0, 8, 1};
    PcaResult *r = NULL;
    CHECK_ERR(pca_compute(comm, 1, 10, 3, synth_fill, &s, &opt, &r), IH_EUSAGE);
    PcaOptions big = {8, 8, 8, 1};
    CHECK_ERR(pca_compute(comm, 100, 10, 3, synth_fill, &s, &big, &r), IH_EUSAGE);
    free(s.basis);
    free(s.offset);
}

#ifndef TEST_PCA_ASAN
/* This process's mapped address space in bytes (0 if unknown). */
static size_t mapped_bytes(void)
{
    unsigned long pages = 0;
    FILE *fp = fopen("/proc/self/statm", "r");
    if (!fp)
        return 0;
    if (fscanf(fp, "%lu", &pages) != 1)
        pages = 0;
    fclose(fp);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

/* One rank (inside the grid) cannot allocate its share of the covariance (N = 4000: at least
 * 32 MB per rank on up to 4 ranks) while the others can: every rank must return IH_ENOMEM. */
static void test_alloc_error(MPI_Comm comm, int size)
{
#ifdef TEST_PCA_ASAN
    (void)comm;
    (void)size;
    printf("pca allocation failure: skipped under AddressSanitizer\n");
#else
    enum { N = 4000, SLACK = 16 << 20 };
    int rank = 0, victim = size > 1 ? 1 : 0;
    MPI_Comm_rank(comm, &rank);
    Synth s;
    synth_init(&s, N, 3);
    /* connect every pair of ranks first, so that no shared-memory segment is mapped under the cap
     */
    int *a2a = calloc((size_t)size * 2, sizeof(int));
    MPI_Alltoall(a2a, 1, MPI_INT, a2a + size, 1, MPI_INT, comm);
    free(a2a);
    struct rlimit old, capped;
    CHECK(getrlimit(RLIMIT_AS, &old) == 0);
    size_t now = mapped_bytes();
    CHECK(now > 0);
    capped = old;
    capped.rlim_cur = (rlim_t)(now + SLACK);
    int capped_ok = 1;
    if (rank == victim && now > 0 && (old.rlim_cur == RLIM_INFINITY || old.rlim_cur > now + SLACK))
        capped_ok = setrlimit(RLIMIT_AS, &capped) == 0;
    CHECK(capped_ok);
    /* without the cap the PCA of N = 4000 would take minutes: then every rank skips it */
    MPI_Allreduce(MPI_IN_PLACE, &capped_ok, 1, MPI_INT, MPI_MIN, comm);
    if (capped_ok) {
        PcaOptions opt = {0, 0, 64, 1};
        PcaResult *r = NULL;
        int rc = pca_compute(comm, 16, N, 2, synth_fill, &s, &opt, &r);
        if (rank == victim)
            CHECK(setrlimit(RLIMIT_AS, &old) == 0);
        CHECK_ERR(rc, IH_ENOMEM);
        CHECK(r == NULL);
        pca_result_destroy(&r);
        if (rank == 0)
            printf("pca allocation failure on rank %d of %d: every rank returned %d\n", victim,
                   size, rc);
    }
    free(s.basis);
    free(s.offset);
#endif
}

/* Essential dynamics on runs with pending/diverged rows and unused evals. */
static void test_essential_dynamics(MPI_Comm comm)
{
    const char *names[] = {"K"};
    AnalysisInput *in = NULL;
    /* L = 3: with two labels the probabilities p, 1-p make component entries tie in magnitude,
     * and the sign convention (largest entry positive) would depend on rounding */
    const int R = 5, E = 7, P = 3, L = 3, F = P * L;
    CHECK_OK(analysis_input_create(R, 1, names, E, 2, P, L, 1, &in));
    if (!in)
        return;
    const int8_t status[] = {1, 0, 1, 2, 1};
    const int n_used[] = {7, 0, 5, 3, 6};
    Rng rng;
    rng_init(&rng, 3, RNG_PURPOSE_TEST, 99);
    int M = 0;
    for (int r = 0; r < R; r++) {
        in->status[r] = status[r];
        for (int e = 0; e < n_used[r]; e++) {
            in->eval_seq[r * E + e] = 1000 * e;
            for (int x = 0; x < F; x++)
                in->probe_logits[(r * E + e) * F + x] = (float)(rng_normal(&rng) * (1 + x) + e);
        }
        if (status[r] == 1)
            M += n_used[r];
    }
    double *X = malloc(sizeof(double) * M * F);
    int m = 0;
    /* features: each probe's softmax over its L logits (the model's predictions) */
    for (int r = 0; r < R; r++)
        for (int e = 0; e < n_used[r] && status[r] == 1; e++, m++)
            for (int p = 0; p < P; p++) {
                const float *z = in->probe_logits + (r * E + e) * F + p * L;
                double mx = fmax(fmax(z[0], z[1]), z[2]), ex[3], sum = 0;
                for (int c = 0; c < L; c++)
                    sum += ex[c] = expf((float)(z[c] - mx));
                for (int c = 0; c < L; c++)
                    X[m * F + p * L + c] = ex[c] / sum;
            }
    EssentialDynamics *ed = NULL;
    PcaOptions opt = {0, 0, 2, 0};
    CHECK_OK(essential_dynamics_compute(comm, in, 3, &opt, &ed));
    if (ed) {
        CHECK_INT_EQ(ed->n_rows, M);
        CHECK_INT_EQ(ed->n_features, F);
        compare(ed->pca, X, M, F, 3);
        /* trajectory rows line up with the PCA rows; NaN where no row */
        m = 0;
        int nan_ok = 1, match = 1;
        for (int r = 0; r < R; r++)
            for (int e = 0; e < E; e++) {
                const double *t = ed->trajectory + ((size_t)r * E + e) * 3;
                if (status[r] == 1 && e < n_used[r]) {
                    for (int c = 0; c < 3; c++)
                        match &= t[c] == ed->pca->projection[(size_t)m * 3 + c];
                    m++;
                } else {
                    nan_ok &= isnan(t[0]) && isnan(t[2]);
                }
            }
        CHECK(match);
        CHECK(nan_ok);
    }
    essential_dynamics_destroy(&ed);
    /* a non-finite logit in a done run is a data error on every rank */
    in->probe_logits[(4 * E + 2) * F + 1] = NAN;
    CHECK_ERR(essential_dynamics_compute(comm, in, 3, &opt, &ed) < 0 ? IH_EDATA : 0, IH_EDATA);
    free(X);
    analysis_input_destroy(&in);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    test_grids(MPI_COMM_WORLD, size);
    test_fill_error(MPI_COMM_WORLD, size);
    test_alloc_error(MPI_COMM_WORLD, size);
    test_essential_dynamics(MPI_COMM_WORLD);
    MPI_Finalize();
    TEST_MAIN_END("test_pca");
}
