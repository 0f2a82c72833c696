/* ihsweep analyze: phase-change timing tables, log-log fits and essential dynamics of a results
 * file, printed (rank 0), written as CSV and stored under /analysis. Runs under mpirun: the file
 * is opened collectively and the PCA is distributed over the ranks (ScaLAPACK).
 * `--bench-pca ROWSxCOLS` times the distributed PCA on synthetic data instead. */
#include "cli/cli.h"

#include "ihsweep/analysis.h"
#include "ihsweep/error.h"
#include "ihsweep/mpi_agree.h"
#include "ihsweep/pca.h"
#include "ihsweep/results.h"
#include "ihsweep/rng.h"

#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_BY = 32 };

static const char *const usage =
    "usage: ihsweep analyze FILE [--by PARAM[,PARAM...]]... [--csv OUT.csv] [--pca-k K]\n"
    "                            [--no-pca] [--no-store]\n"
    "       ihsweep analyze --bench-pca ROWSxCOLS [--pca-k K] [--block NB]\n"
    "\n"
    "Phase-change timing of every finished run (t* = first eval with fsl_train loss < 0.4 ln 2,\n"
    "and the 0.9 ln 2 / 0.5 ln 2 crossings and steepest descent), grouped by condition and the\n"
    "swept parameters, the seeds being the replicates. A run that has not crossed is censored at\n"
    "its last eval: each group gets the Kaplan-Meier median of t* with its 95% interval "
    "(\">400k\":\n"
    "not reached by 400k sequences), the fraction crossed, and the mean and sd of the crossed "
    "runs\n"
    "only. Fits of ln t* against ln of each swept data parameter (an axis' label, e.g. K) are\n"
    "censored log-normal (Tobit) maximum-likelihood fits. Essential dynamics: PCA of the\n"
    "probe-set predictions over training, distributed with ScaLAPACK. Pending runs are skipped,\n"
    "so a partial sweep can be analysed. Run it under mpirun to spread the PCA.\n"
    "\n"
    "options:\n"
    "  --by PARAM      group by these parameters instead of every swept one (repeatable,\n"
    "                  comma-separated; a label such as K or a unique suffix is enough;\n"
    "                  'condition' alone groups by condition only)\n"
    "  --csv OUT.csv   write the grouped table to OUT.csv and the fits to OUT_fits.csv\n"
    "  --pca-k K       principal components to keep (default 5)\n"
    "  --no-pca        skip essential dynamics\n"
    "  --no-store      do not write /analysis into FILE (opens it read-only); otherwise FILE is\n"
    "                  replaced by an updated copy once that is complete (needs free space\n"
    "                  for a copy) and no sweep may be writing it (FILE.lock)\n"
    "  --bench-pca RxC time the PCA of a synthetic R x C matrix on the ranks of this job\n"
    "  --block NB      ScaLAPACK block size (default 64)\n"
    "  -h, --help      this text\n";

typedef struct {
    const char *file;
    const char *by[MAX_BY];
    int n_by;
    const char *csv;
    int pca_k;
    int no_pca;
    int no_store;
    long long bench_rows;
    int bench_cols;
    int block;
} AnalyzeArgs;

static int parse_args(int argc, char **argv, AnalyzeArgs *a)
{
    memset(a, 0, sizeof *a);
    a->pca_k = 5;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int has_value = i + 1 < argc;
        long v = 0;
        if (strcmp(s, "--by") == 0 && has_value) {
            if (a->n_by == MAX_BY)
                return cli_usage_error("analyze", "at most %d --by parameters", MAX_BY);
            a->by[a->n_by++] = argv[++i];
        } else if (strcmp(s, "--csv") == 0 && has_value) {
            a->csv = argv[++i];
        } else if (strcmp(s, "--pca-k") == 0 && has_value) {
            if (cli_parse_long(argv[++i], 1, 1000, &v) != 0)
                return cli_usage_error("analyze", "--pca-k needs an integer in 1..1000");
            a->pca_k = (int)v;
        } else if (strcmp(s, "--block") == 0 && has_value) {
            if (cli_parse_long(argv[++i], 1, 4096, &v) != 0)
                return cli_usage_error("analyze", "--block needs an integer in 1..4096");
            a->block = (int)v;
        } else if (strcmp(s, "--bench-pca") == 0 && has_value) {
            long r = 0, c = 0;
            const char *x = strchr(argv[++i], 'x');
            char rows[32];
            if (!x || x - argv[i] >= (long)sizeof rows)
                return cli_usage_error("analyze", "--bench-pca needs ROWSxCOLS, e.g. 200000x320");
            memcpy(rows, argv[i], (size_t)(x - argv[i]));
            rows[x - argv[i]] = '\0';
            if (cli_parse_long(rows, 2, INT_MAX, &r) != 0 ||
                cli_parse_long(x + 1, 1, 100000, &c) != 0)
                return cli_usage_error("analyze", "--bench-pca needs ROWSxCOLS, e.g. 200000x320");
            a->bench_rows = r;
            a->bench_cols = (int)c;
        } else if (strcmp(s, "--no-pca") == 0) {
            a->no_pca = 1;
        } else if (strcmp(s, "--no-store") == 0) {
            a->no_store = 1;
        } else if (s[0] == '-') {
            return cli_usage_error("analyze", "unknown option '%s' or missing value", s);
        } else if (a->file) {
            return cli_usage_error("analyze", "one results file expected, got '%s' and '%s'",
                                   a->file, s);
        } else {
            a->file = s;
        }
    }
    if (!a->file && a->bench_rows == 0)
        return cli_usage_error("analyze", "missing results FILE");
    if (a->file && a->bench_rows)
        return cli_usage_error("analyze", "--bench-pca takes no results FILE");
    return 0;
}

/* Resolves the --by names (exact, or a unique '.'-suffix) to parameter indices. */
static int resolve_keys(const AnalysisInput *in, const AnalyzeArgs *a, int *keys, int *n_keys)
{
    int rc = 0;
    *n_keys = 0;
    for (int b = 0; b < a->n_by; b++) {
        char list[512];
        snprintf(list, sizeof list, "%s", a->by[b]);
        for (char *save = NULL, *name = strtok_r(list, ",", &save); name;
             name = strtok_r(NULL, ",", &save)) {
            if (strcmp(name, "condition") == 0)
                continue;
            int found = analysis_param_lookup(in, name);
            if (found < 0)
                IH_FAIL(IH_EUSAGE, "--by %s: %s parameter of that name in the file", name,
                        found == -2 ? "more than one" : "no");
            for (int j = 0; j < *n_keys; j++)
                if (keys[j] == found)
                    IH_FAIL(IH_EUSAGE, "--by names %s twice", in->param_names[found]);
            keys[(*n_keys)++] = found;
        }
    }
cleanup:
    return rc;
}

static void csv_fits_path(const char *csv, char *buf, size_t size)
{
    size_t n = strlen(csv);
    if (n > 4 && strcmp(csv + n - 4, ".csv") == 0)
        snprintf(buf, size, "%.*s_fits.csv", (int)(n - 4), csv);
    else
        snprintf(buf, size, "%s_fits.csv", csv);
}

static void print_pca(const EssentialDynamics *ed)
{
    const PcaResult *p = ed->pca;
    printf("\nessential dynamics: %d (run, eval) rows x %d features, process grid %dx%d\n",
           ed->n_rows, ed->n_features, p->grid_rows, p->grid_cols);
    printf("  explained variance ratio:");
    for (int c = 0; c < p->k; c++)
        printf(" PC%d %.4f", c + 1, p->total_variance > 0 ? p->variance[c] / p->total_variance : 0);
    printf(
        "\n  time: read+centre %.3f s, pdsyrk %.3f s, pdsyevd %.3f s, projection+gather %.3f s\n",
        p->seconds[0], p->seconds[1], p->seconds[2], p->seconds[3]);
}

static int analyze_file(const AnalyzeArgs *a, int rank)
{
    int rc = 0, n_fits = 0, n_keys = 0;
    ResultsFile *f = NULL;
    AnalysisInput *in = NULL;
    AnalysisGroups *g = NULL;
    AnalysisFit *fits = NULL;
    EssentialDynamics *ed = NULL;
    int *keys = NULL;
    ResultsLock *lock = NULL;
    ResultsFile *copy = NULL;
    char copy_path[4300] = "";
    /* Storing /analysis makes this a writer: one at a time, and never into the file itself (a
     * failure there, such as a full disk, could damage the runs' rows) but into a copy that
     * replaces it once complete. */
    if (!a->no_store)
        IH_TRY(results_lock_acquire(MPI_COMM_WORLD, a->file, "analyze", stderr, &lock));
    IH_TRY(results_open(MPI_COMM_WORLD, a->file, 0, &f));
    IH_TRY(analysis_input_load(f, &in));
    IH_ALLOC(keys, in->n_params > 0 ? in->n_params : 1);
    if (a->n_by > 0)
        IH_TRY(resolve_keys(in, a, keys, &n_keys));
    else
        n_keys = analysis_default_keys(in, keys);
    IH_TRY(analysis_group(in, keys, n_keys, &g));
    IH_TRY(analysis_fit_loglog(in, &fits, &n_fits));
    if (!a->no_pca)
        IH_TRY(essential_dynamics_compute(MPI_COMM_WORLD, in, a->pca_k, NULL, &ed));
    int local = 0;
    if (rank == 0 && in->n_corrupt > 0)
        fprintf(stderr,
                "ihsweep analyze: %d finished row(s) of %s fail their checksum (torn or "
                "corrupted) and are skipped; `ihsweep status` lists the file's state and "
                "`ihsweep run ... --resume` redoes them\n",
                in->n_corrupt, a->file);
    if (rank == 0) {
        printf("%s: %d runs (%d pending skipped); t* in sequences seen, threshold 0.4 ln 2 on "
               "%s;\nreplicates are the seeds; t* median = Kaplan-Meier median (runs that have not "
               "crossed are censored at their last eval; >T: not reached by T)\n\n",
               a->file, in->n_runs, g->n_pending, in->loss_name);
        analysis_print_table(stdout, in, g);
        printf("\n");
        analysis_print_fits(stdout, in, fits, n_fits);
        if (ed)
            print_pca(ed);
        else if (!a->no_pca)
            printf("\nessential dynamics: skipped (no probe logits or fewer than 2 rows)\n");
        if (a->csv) {
            char fits_path[4096];
            csv_fits_path(a->csv, fits_path, sizeof fits_path);
            local = analysis_write_csv(a->csv, in, g);
            if (local == 0)
                local = analysis_write_fits_csv(fits_path, in, fits, n_fits);
            if (local == 0)
                printf("\nwrote %s and %s\n", a->csv, fits_path);
        }
        fflush(stdout);
    }
    IH_TRY(ih_mpi_agree(MPI_COMM_WORLD, local));
    if (!a->no_store) {
        /* room for /analysis: far less than the file it summarises, with a floor for small ones */
        struct stat st;
        double reserve = stat(a->file, &st) == 0 ? 1048576.0 + 0.25 * (double)st.st_size : 0;
        IH_TRY(results_update_open(MPI_COMM_WORLD, a->file, reserve, copy_path,
                                   (int)sizeof copy_path, &copy));
        IH_TRY(analysis_store(copy, in, g, fits, n_fits, ed));
        IH_TRY(results_update_commit(MPI_COMM_WORLD, &copy, copy_path, a->file));
        if (rank == 0)
            printf("stored /analysis in %s\n", a->file);
    }
cleanup:
    if (copy)
        results_update_discard(MPI_COMM_WORLD, &copy, copy_path);
    essential_dynamics_destroy(&ed);
    analysis_input_destroy(&in);
    analysis_groups_destroy(&g);
    free(fits);
    free(keys);
    if (f) {
        int close_rc = results_close(&f);
        if (rc == 0)
            rc = close_rc;
    }
    results_lock_release(&lock);
    return rc;
}

/* Synthetic rows for the benchmark: two strong directions plus uniform noise, keyed by row
 * index (cheap to make, so that the timing is the PCA's). */
typedef struct {
    int n_cols;
    double *u; /* [n_cols] */
    double *v; /* [n_cols] */
} BenchRows;

static int bench_fill(void *ctx, int64_t row0, int n, double *rows)
{
    const BenchRows *b = ctx;
    for (int i = 0; i < n; i++) {
        Rng r;
        rng_init(&r, 1, RNG_PURPOSE_TEST, (uint64_t)(row0 + i));
        double z1 = 3 * rng_normal(&r), z2 = 2 * rng_normal(&r);
        double *row = rows + (size_t)i * b->n_cols;
        for (int j = 0; j < b->n_cols; j++)
            row[j] = z1 * b->u[j] + z2 * b->v[j] + 2.3e-10 * rng_u32(&r);
    }
    return 0;
}

static int bench_pca(const AnalyzeArgs *a, int rank, int size)
{
    int rc = 0;
    PcaResult *res = NULL;
    BenchRows b = {a->bench_cols, NULL, NULL};
    PcaOptions opt = {0, 0, a->block, 1};
    IH_ALLOC(b.u, a->bench_cols);
    IH_ALLOC(b.v, a->bench_cols);
    for (int j = 0; j < a->bench_cols; j++) {
        b.u[j] = sin(0.1 * j);
        b.v[j] = cos(0.07 * j);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    IH_TRY(pca_compute(MPI_COMM_WORLD, a->bench_rows, a->bench_cols, a->pca_k, bench_fill, &b, &opt,
                       &res));
    double total = MPI_Wtime() - t0;
    if (rank == 0) {
        double M = (double)a->bench_rows, N = a->bench_cols;
        printf("pca bench: %lld x %d, k %d, %d ranks, grid %dx%d, block %d\n", a->bench_rows,
               a->bench_cols, res->k, size, res->grid_rows, res->grid_cols,
               a->block ? a->block : 64);
        printf("  fill+centre %.3f s, pdsyrk %.3f s (%.1f GFLOP/s), pdsyevd %.3f s, "
               "pdgemm projection+gather %.3f s, total %.3f s\n",
               res->seconds[0], res->seconds[1],
               res->seconds[1] > 0 ? M * N * (N + 1) / res->seconds[1] / 1e9 : 0.0, res->seconds[2],
               res->seconds[3], total);
        printf("  explained variance ratio PC1 %.4f\n", res->variance[0] / res->total_variance);
    }
cleanup:
    pca_result_destroy(&res);
    free(b.u);
    free(b.v);
    return rc;
}

int cmd_analyze(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    AnalyzeArgs a;
    int status = parse_args(argc, argv, &a);
    if (status != 0)
        return status;
    int rank = 0, size = 1;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = a.bench_rows ? bench_pca(&a, rank, size) : analyze_file(&a, rank);
    status = cli_mpi_finish("analyze", MPI_COMM_WORLD, rc);
    MPI_Finalize();
    return status;
}
