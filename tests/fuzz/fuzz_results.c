/* libFuzzer target: the results-file reader on mutated files. Each input is written to a scratch
 * file and opened read-only on MPI_COMM_SELF the way `status`, `analyze` and `--resume` open
 * one; then every row is verified and a few columns are read. Any error code is fine (most
 * mutations make HDF5 refuse the file); a crash, a leak or an out-of-bounds access is not.
 * Seeds: fuzz_results_seed writes small valid files.
 */
#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_path[512];

/* MPI stays initialised until the process ends: Open MPI unloads its plugins in MPI_Finalize,
 * which would leave the leak checker's final report with frames it cannot attribute. */
static void fuzz_remove_file(void)
{
    unlink(fuzz_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const char *dir = getenv("TMPDIR");
    snprintf(fuzz_path, sizeof fuzz_path, "%s/ihsweep-fuzz-%ld.h5", dir ? dir : "/tmp",
             (long)getpid());
    atexit(fuzz_remove_file);
    return 0;
}

static void fuzz_read(ResultsFile *f)
{
    const ResultsLayout *l = results_layout(f);
    /* bounded work per input: a mutated size field must not turn one input into minutes */
    if (l->n_runs > 64 || l->max_evals > 4096)
        return;
    int8_t *status = calloc((size_t)l->n_runs, 1);
    uint64_t *checksum = calloc((size_t)l->n_runs, sizeof *checksum);
    double *t_star = calloc((size_t)l->n_runs, sizeof *t_star);
    if (status && checksum && t_star && results_read_status(f, status, checksum) == 0) {
        for (int run = 0; run < l->n_runs; run++) {
            int ok = 0;
            results_verify_run(f, run, &ok);
        }
        results_read_column(f, "summary/t_star", H5T_NATIVE_DOUBLE, t_star);
    }
    free(status);
    free(checksum);
    free(t_star);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *out = fopen(fuzz_path, "wb");
    if (!out)
        return 0;
    size_t wrote = fwrite(data, 1, size, out);
    if (fclose(out) != 0 || wrote != size)
        return 0;
    ResultsFile *f = NULL;
    if (results_open(MPI_COMM_SELF, fuzz_path, 0, &f) == 0)
        fuzz_read(f);
    results_close(&f);
    ih_error_clear();
    return 0;
}
