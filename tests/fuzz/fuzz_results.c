/* libFuzzer target: the results-file reader on damaged files. Each input is a list of edits
 * applied to a small valid results file (FUZZ_RESULTS_SEED, written by fuzz_results_seed): each
 * edit overwrites elements of one of its datasets, or replaces one of its root attributes, with
 * bytes from the input. The edited file is then opened read-only on MPI_COMM_SELF the way
 * `status`, `analyze` and `--resume` open one, every row is verified and a column is read. Any
 * error code is fine; a crash, a leak or an out-of-bounds access is not.
 * With FUZZ_RESULTS_RAW=1 the input is the file itself instead (byte-level mutations): that mode
 * mostly exercises HDF5's own parser, which is not robust against crafted files (README).
 */
#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_path[512];
static unsigned char *seed;
static size_t seed_size;
static int raw_mode;

/* What an edit can target: datasets (elements overwritten) and root attributes (replaced). */
static const char *const fuzz_datasets[] = {"run",
                                            "eval",
                                            "head",
                                            "label",
                                            "probe",
                                            "runs/id",
                                            "runs/stage",
                                            "runs/hash",
                                            "runs/condition",
                                            "runs/config",
                                            "runs/seed",
                                            "runs/status",
                                            "runs/checksum",
                                            "curves/eval_seq",
                                            "curves/fsl_train/loss",
                                            "curves/train_loss",
                                            "curves/induction_strength",
                                            "curves/probe_logits",
                                            "summary/t_star",
                                            "summary/crossed",
                                            "runs/strongest_ih",
                                            "runs/pt_head"};
static const char *const fuzz_attrs[] = {"schema_version", "evaluator_names", "param_names",
                                         "sweep_text", "git_hash"};
enum {
    N_DATASETS = sizeof fuzz_datasets / sizeof fuzz_datasets[0],
    N_ATTRS = sizeof fuzz_attrs / sizeof fuzz_attrs[0]
};

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
    const char *dir = getenv("TMPDIR"), *raw = getenv("FUZZ_RESULTS_RAW");
    snprintf(fuzz_path, sizeof fuzz_path, "%s/ihsweep-fuzz-%ld.h5", dir ? dir : "/tmp",
             (long)getpid());
    atexit(fuzz_remove_file);
    raw_mode = raw && raw[0] == '1';
    const char *seed_path = getenv("FUZZ_RESULTS_SEED");
    FILE *f = seed_path ? fopen(seed_path, "rb") : NULL;
    if (!raw_mode && !f) {
        fprintf(stderr, "fuzz_results: set FUZZ_RESULTS_SEED to a file from fuzz_results_seed\n");
        abort();
    }
    if (f) {
        fseek(f, 0, SEEK_END);
        seed_size = (size_t)ftell(f);
        rewind(f);
        seed = malloc(seed_size);
        if (!seed || fread(seed, 1, seed_size, f) != seed_size)
            abort();
        fclose(f);
    }
    return 0;
}

/* Overwrites up to n bytes of dataset `name`'s raw data (in its own type, which is tiny in the
 * seed) from byte `first` on with data. */
static void edit_dataset(hid_t file, const char *name, unsigned first, const uint8_t *data,
                         size_t n)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0)
        return;
    hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
    hssize_t points = H5Sget_simple_extent_npoints(space);
    size_t bytes = points > 0 ? (size_t)points * H5Tget_size(type) : 0;
    unsigned char *buf = bytes ? malloc(bytes) : NULL;
    if (buf && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) {
        size_t at = first % bytes;
        memcpy(buf + at, data, n < bytes - at ? n : bytes - at);
        H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    }
    free(buf);
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(ds);
}

/* Replaces root attribute `name` with an int (schema_version) or a string array from data. */
static void edit_attr(hid_t file, const char *name, const uint8_t *data, size_t n)
{
    if (H5Aexists(file, name) > 0)
        H5Adelete(file, name);
    if (n == 0)
        return; /* a missing attribute */
    if (strcmp(name, "schema_version") == 0) {
        int32_t v = 0;
        memcpy(&v, data, n < sizeof v ? n : sizeof v);
        hid_t space = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(file, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            H5Awrite(a, H5T_NATIVE_INT32, &v);
            H5Aclose(a);
        }
        H5Sclose(space);
        return;
    }
    /* strings separated by NUL bytes in the input */
    char *text = calloc(n + 1, 1);
    const char *strings[64];
    hsize_t count = 0;
    memcpy(text, data, n);
    for (size_t i = 0; i <= n && count < 64;) {
        strings[count++] = text + i;
        i += strlen(text + i) + 1;
    }
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space =
        count == 1 && data[0] & 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, NULL);
    hid_t a = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        H5Awrite(a, type, strings);
        H5Aclose(a);
    }
    H5Sclose(space);
    H5Tclose(type);
    free(text);
}

/* Applies the input's edits: records of [target][offset lo][offset hi][length] + bytes. */
static int apply_edits(const uint8_t *data, size_t size)
{
    FILE *out = fopen(fuzz_path, "wb");
    if (!out)
        return -1;
    size_t wrote = fwrite(seed, 1, seed_size, out);
    if (fclose(out) != 0 || wrote != seed_size)
        return -1;
    hid_t file = H5Fopen(fuzz_path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (file < 0)
        return -1;
    for (size_t i = 0; i + 4 <= size;) {
        unsigned target = data[i] % (N_DATASETS + N_ATTRS);
        unsigned offset = data[i + 1] | (unsigned)data[i + 2] << 8;
        size_t n = data[i + 3];
        i += 4;
        if (n > size - i)
            n = size - i;
        if (target < N_DATASETS)
            edit_dataset(file, fuzz_datasets[target], offset, data + i, n);
        else
            edit_attr(file, fuzz_attrs[target - N_DATASETS], data + i, n);
        i += n;
    }
    return H5Fclose(file) < 0 ? -1 : 0;
}

static void fuzz_read(ResultsFile *f)
{
    const ResultsLayout *l = results_layout(f);
    /* bounded work per input: a damaged size must not turn one input into minutes */
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
    if (raw_mode) {
        FILE *out = fopen(fuzz_path, "wb");
        if (!out)
            return 0;
        size_t wrote = fwrite(data, 1, size, out);
        if (fclose(out) != 0 || wrote != size)
            return 0;
    } else if (apply_edits(data, size) != 0) {
        return 0;
    }
    ResultsFile *f = NULL;
    if (results_open(MPI_COMM_SELF, fuzz_path, 0, &f) == 0)
        fuzz_read(f);
    results_close(&f);
    ih_error_clear();
    return 0;
}
