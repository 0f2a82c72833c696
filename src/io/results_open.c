/* The ResultsFile handle: opening an existing file (reading its layout back and opening every
 * dataset once, so that row I/O afterwards touches no HDF5 metadata), closing, accessors, and
 * moving an unusable file aside. Creation is in results_create.c, row I/O in results_write.c and
 * results_read.c.
 */
#include "io/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int results__file_alloc(MPI_Comm comm, int writable, ResultsFile **out)
{
    int rc = 0;
    ResultsFile *f = NULL;
    MPI_Comm dup = MPI_COMM_NULL;
    *out = NULL;
    if (MPI_Comm_dup(comm, &dup) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "results: cannot duplicate the communicator");
    f = calloc(1, sizeof *f);
    if (!f)
        ih_error_set(__FILE__, __LINE__, __func__, IH_ENOMEM, "results: out of memory");
    rc = ih_mpi_agree(dup, f ? 0 : IH_ENOMEM); /* a failure here is every rank's */
    if (rc < 0) {
        free(f);
        MPI_Comm_free(&dup);
        f = NULL;
        goto cleanup;
    }
    f->comm = dup;
    f->writable = writable;
    f->schema_version = RESULT_SCHEMA_VERSION; /* a new file; results_open reads the file's */
    f->file = f->checksum = f->status = H5I_INVALID_HID;
    f->id = f->stage = f->hash = f->condition = f->config = H5I_INVALID_HID;
    f->resolved = f->selected = H5I_INVALID_HID;
    for (int i = 0; i < RESULTS__N_ROW; i++)
        f->row[i] = H5I_INVALID_HID;
    if (MPI_Comm_rank(f->comm, &f->rank) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "results: cannot get the rank");
    *out = f;
    f = NULL;
cleanup:
    results__file_free(f);
    return rc;
}

int results__file_ids_alloc(ResultsFile *f)
{
    int rc = 0;
    size_t n_metric = (size_t)f->layout.n_evaluators * METRIC_COUNT;
    IH_ALLOC(f->metric, n_metric);
    IH_ALLOC(f->param, f->layout.n_params);
    for (size_t i = 0; i < n_metric; i++)
        f->metric[i] = H5I_INVALID_HID;
    for (int i = 0; i < f->layout.n_params; i++)
        f->param[i] = H5I_INVALID_HID;
    IH_ALLOC(f->param_short, f->layout.n_params > 0 ? f->layout.n_params : 1);
    results__param_short_names(&f->layout, f->param_short);
cleanup:
    return rc;
}

static void close_dataset(hid_t *ds, int *failed)
{
    if (*ds >= 0 && H5Dclose(*ds) < 0)
        *failed = 1;
    *ds = H5I_INVALID_HID;
}

int results__file_free(ResultsFile *f)
{
    if (!f)
        return 0;
    int failed = 0;
    for (int i = 0; i < RESULTS__N_ROW; i++)
        close_dataset(&f->row[i], &failed);
    for (int i = 0; f->metric && i < f->layout.n_evaluators * METRIC_COUNT; i++)
        close_dataset(&f->metric[i], &failed);
    for (int i = 0; f->param && i < f->layout.n_params; i++)
        close_dataset(&f->param[i], &failed);
    hid_t *single[] = {&f->checksum,  &f->status, &f->id,       &f->stage,   &f->hash,
                       &f->condition, &f->config, &f->resolved, &f->selected};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        close_dataset(single[i], &failed);
    if (f->file >= 0 && H5Fclose(f->file) < 0)
        failed = 1;
    if (f->comm != MPI_COMM_NULL)
        MPI_Comm_free(&f->comm);
    free(f->metric);
    free(f->param);
    free(f->param_short);
    results_layout_free(&f->layout);
    free(f);
    if (failed) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EHDF5, "results: closing the file failed");
        return IH_EHDF5;
    }
    return 0;
}

static int open_dataset(hid_t file, const char *path, hid_t *out)
{
    int rc = 0;
    RESULTS_H5(*out = H5Dopen2(file, path, H5P_DEFAULT), "results: the file has no dataset /%s",
               path);
cleanup:
    return rc;
}

/* Length of the 1-D dimension scale `name` (0 if allow_missing and it does not exist). */
static int scale_size(hid_t file, const char *name, int allow_missing, int *out)
{
    int rc = 0;
    hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hsize_t dim = 0;
    *out = 0;
    if (allow_missing && H5Lexists(file, name, H5P_DEFAULT) <= 0)
        goto cleanup;
    IH_TRY(open_dataset(file, name, &ds));
    RESULTS_H5(space = H5Dget_space(ds), "results: cannot get /%s's dataspace", name);
    if (H5Sget_simple_extent_ndims(space) != 1 ||
        H5Sget_simple_extent_dims(space, &dim, NULL) < 0 || dim > (hsize_t)(1 << 30))
        IH_FAIL(IH_EHDF5, "results: dimension /%s is not a 1-D scale", name);
    *out = (int)dim;
cleanup:
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* Fails unless ds is a 1-D dataset of exactly n elements (a damaged file may say otherwise, and
 * reading it whole into an [n] buffer would then overrun it). */
static int check_extent(hid_t ds, int n, const char *what)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID;
    hsize_t dim = 0;
    RESULTS_H5(space = H5Dget_space(ds), "results: cannot get %s's dataspace", what);
    if (H5Sget_simple_extent_ndims(space) != 1 ||
        H5Sget_simple_extent_dims(space, &dim, NULL) < 0 || dim != (hsize_t)n)
        IH_FAIL(IH_EDATA, "results: %s does not have one entry per run (%d)", what, n);
cleanup:
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Fails when the dims claim more data than the whole file holds (a damaged size must not turn
 * into a huge allocation): every row has at least its eval_seq ([max_evals] int64), its
 * induction strengths ([max_evals][n_heads] float) and its probe logits. */
static int check_dims_fit(hid_t file, const ResultsLayout *l)
{
    int rc = 0;
    hsize_t size = 0;
    RESULTS_H5(H5Fget_filesize(file, &size), "results: cannot get the file's size");
    double runs = l->n_runs, evals = l->max_evals > 0 ? l->max_evals : 1;
    double per_row = evals * 8 + evals * l->n_heads * 4 +
                     evals * (l->n_probe > 0 ? l->n_probe : 0) * l->n_labels * 4 + 16;
    if (runs * per_row > (double)size || l->n_labels > (int)(size / 4) + 1)
        IH_FAIL(IH_EDATA,
                "results: the file's dims (%d runs, %d evals, %d heads, %d probe, %d labels) "
                "need more bytes than the file has (%llu): it is damaged",
                l->n_runs, l->max_evals, l->n_heads, l->n_probe, l->n_labels,
                (unsigned long long)size);
cleanup:
    return rc;
}

/* Reads a fixed-length string dataset [n] into an owned array of owned strings. */
static int read_fixed_strings(hid_t ds, int n, const char *what, char ***out)
{
    int rc = 0;
    hid_t ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    char *buf = NULL, **s = NULL;
    size_t width = 0;
    IH_TRY(check_extent(ds, n, what));
    RESULTS_H5(ftype = H5Dget_type(ds), "results: cannot get %s's type", what);
    if (H5Tget_class(ftype) != H5T_STRING || H5Tis_variable_str(ftype) != 0)
        IH_FAIL(IH_EHDF5, "results: %s is not a fixed-length string dataset", what);
    width = H5Tget_size(ftype);
    if (width == 0 || width > (size_t)1 << 30)
        IH_FAIL(IH_EDATA, "results: %s has strings of %zu bytes", what, width);
    RESULTS_H5(mtype = H5Tcopy(H5T_C_S1), "results: cannot make a string type");
    RESULTS_H5(H5Tset_size(mtype, width), "results: cannot make a string type");
    RESULTS_H5(H5Tset_strpad(mtype, H5T_STR_NULLTERM), "results: cannot make a string type");
    RESULTS_H5(H5Tset_cset(mtype, H5Tget_cset(ftype)), "results: cannot make a string type");
    IH_ALLOC(buf, (size_t)n * width);
    RESULTS_H5(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "results: cannot read %s",
               what);
    IH_ALLOC(s, n);
    for (int i = 0; i < n; i++) {
        const char *src = buf + (size_t)i * width;
        size_t len = strnlen(src, width);
        IH_ALLOC(s[i], len + 1);
        memcpy(s[i], src, len);
    }
    *out = s;
    s = NULL;
cleanup:
    if (s)
        for (int i = 0; i < n; i++)
            free(s[i]);
    free(s);
    free(buf);
    if (mtype >= 0)
        H5Tclose(mtype);
    if (ftype >= 0)
        H5Tclose(ftype);
    return rc;
}

static int read_all(hid_t ds, hid_t mem, void *buf, const char *what)
{
    int rc = 0;
    RESULTS_H5(H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "results: cannot read %s",
               what);
cleanup:
    return rc;
}

/* Reads the layout and opens every dataset. Every rank reads the same objects (independent
 * reads, identical opens). */
static int read_layout(ResultsFile *f)
{
    int rc = 0, n = 0, version = 0;
    ResultsLayout *l = &f->layout;
    hid_t attr = H5I_INVALID_HID;
    char path[1024];
    double *column = NULL;
    htri_t has = H5Aexists(f->file, "schema_version");
    if (has <= 0)
        IH_FAIL(RESULTS_EBROKEN, "results: the file's creation never finished "
                                 "(no schema_version attribute)");
    RESULTS_H5(attr = H5Aopen(f->file, "schema_version", H5P_DEFAULT),
               "results: cannot open attribute schema_version");
    RESULTS_H5(H5Aread(attr, H5T_NATIVE_INT, &version), "results: cannot read schema_version");
    if (version < 1 || version > RESULT_SCHEMA_VERSION)
        IH_FAIL(IH_EDATA,
                "results: schema_version %d, this program reads 1..%d (a newer "
                "ihsweep wrote it?)",
                version, RESULT_SCHEMA_VERSION);
    f->schema_version = version;
    IH_TRY(scale_size(f->file, "run", 0, &l->n_runs));
    IH_TRY(scale_size(f->file, "eval", 0, &l->max_evals));
    IH_TRY(scale_size(f->file, "head", 0, &l->n_heads));
    IH_TRY(scale_size(f->file, "probe", 1, &l->n_probe));
    IH_TRY(scale_size(f->file, "label", 0, &l->n_labels));
    IH_TRY(check_dims_fit(f->file, l));
    IH_TRY(results__attr_read_strings(f->file, "evaluator_names", &l->evaluator_names,
                                      &l->n_evaluators));
    if (H5Aexists(f->file, "param_names") > 0)
        IH_TRY(results__attr_read_strings(f->file, "param_names", &l->param_names, &n));
    l->n_params = n;
    if (n > 0 && H5Aexists(f->file, "param_labels") > 0) {
        int n_labels = 0;
        IH_TRY(results__attr_read_strings(f->file, "param_labels", &l->param_labels, &n_labels));
        if (n_labels != n)
            IH_FAIL(IH_EDATA, "results: %d param_labels for %d param_names", n_labels, n);
    }
    IH_TRY(results__attr_read_string(f->file, "sweep_text", &l->sweep_text));
    IH_TRY(results__attr_read_string(f->file, "ihsweep_version", &l->ihsweep_version));
    IH_TRY(results__attr_read_string(f->file, "git_hash", &l->git_hash));
    IH_TRY(results__attr_read_string(f->file, "library_versions", &l->library_versions));
    IH_TRY(results__attr_read_string(f->file, "slurm_job_ids", &l->slurm_job_ids));
    IH_TRY(results__file_ids_alloc(f));

    IH_TRY(open_dataset(f->file, "runs/id", &f->id));
    IH_TRY(open_dataset(f->file, "runs/stage", &f->stage));
    IH_TRY(open_dataset(f->file, "runs/hash", &f->hash));
    IH_TRY(open_dataset(f->file, "runs/condition", &f->condition));
    IH_TRY(open_dataset(f->file, "runs/config", &f->config));
    if (version >= 2) {
        hid_t type = H5I_INVALID_HID;
        IH_TRY(open_dataset(f->file, "runs/resolved_config", &f->resolved));
        IH_TRY(open_dataset(f->file, "runs/selected", &f->selected));
        RESULTS_H5(type = H5Dget_type(f->resolved), "results: cannot get a dataset's type");
        f->resolved_width = H5Tget_size(type);
        H5Tclose(type);
    }
    IH_ALLOC(l->stages, l->n_runs);
    IH_ALLOC(l->hashes, l->n_runs);
    IH_ALLOC(l->param_values, (size_t)l->n_runs * (size_t)l->n_params);
    IH_ALLOC(column, l->n_runs);
    IH_TRY(check_extent(f->stage, l->n_runs, "runs/stage"));
    IH_TRY(check_extent(f->hash, l->n_runs, "runs/hash"));
    IH_TRY(read_all(f->stage, H5T_NATIVE_INT, l->stages, "runs/stage"));
    IH_TRY(read_all(f->hash, H5T_NATIVE_UINT64, l->hashes, "runs/hash"));
    IH_TRY(read_fixed_strings(f->condition, l->n_runs, "runs/condition", &l->conditions));
    IH_TRY(read_fixed_strings(f->config, l->n_runs, "runs/config", &l->configs));
    /* schema 1 named parameter datasets by their field paths, schema 2 by short names */
    for (int p = 0; p < l->n_params; p++) {
        snprintf(path, sizeof path, "runs/%s",
                 version >= 2 ? f->param_short[p] : l->param_names[p]);
        IH_TRY(open_dataset(f->file, path, &f->param[p]));
        IH_TRY(check_extent(f->param[p], l->n_runs, path));
        IH_TRY(read_all(f->param[p], H5T_NATIVE_DOUBLE, column, path));
        for (int r = 0; r < l->n_runs; r++)
            l->param_values[(size_t)r * (size_t)l->n_params + (size_t)p] = column[r];
    }
    IH_TRY(results_layout_check(l));

    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        /* absent: no probe set, or a field newer than the file (read as its fill value) */
        if ((rf->shape != RESULT_SHAPE_EVAL_PROBE_LABEL || l->n_probe > 0) && rf->since <= version)
            IH_TRY(open_dataset(f->file, rf->path, &f->row[i]));
    }
    for (int e = 0; e < l->n_evaluators; e++)
        for (int m = 0; m < METRIC_COUNT; m++) {
            snprintf(path, sizeof path, "curves/%s/%s", l->evaluator_names[e],
                     metric_name((Metric)m));
            IH_TRY(open_dataset(f->file, path, &f->metric[e * METRIC_COUNT + m]));
        }
    IH_TRY(open_dataset(f->file, "runs/checksum", &f->checksum));
    IH_TRY(open_dataset(f->file, "runs/status", &f->status));
cleanup:
    free(column);
    if (attr >= 0)
        H5Aclose(attr);
    return rc;
}

int results_open(MPI_Comm comm, const char *path, int writable, ResultsFile **out)
{
    int rc = 0, exists = 0;
    ResultsFile *f = NULL;
    hid_t fapl = H5I_INVALID_HID;
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    IH_TRY(results__file_alloc(comm, writable, &f));
    if (f->rank == 0) {
        struct stat st;
        exists = stat(path, &st) != 0 ? 0 : S_ISDIR(st.st_mode) ? 2 : 1;
    }
    if (MPI_Bcast(&exists, 1, MPI_INT, 0, f->comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "results_open: MPI_Bcast failed");
    if (!exists)
        IH_FAIL(IH_ENOENT, "results file %s does not exist", path);
    if (exists == 2)
        IH_FAIL(IH_ENOENT, "%s is a directory, not a results file", path);
    RESULTS_H5(fapl = H5Pcreate(H5P_FILE_ACCESS), "results: cannot make a property list");
    RESULTS_H5(H5Pset_fapl_mpio(fapl, f->comm, MPI_INFO_NULL), "results: cannot use MPI-IO");
    f->file = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
    if (f->file < 0)
        IH_FAIL(RESULTS_EBROKEN,
                "results file %s cannot be opened by HDF5 (killed before its first flush, or not "
                "an HDF5 file): move it aside",
                path);
    rc = read_layout(f);
    if (rc < 0)
        ih_error_trace(__FILE__, __LINE__, __func__);
    IH_TRY(ih_mpi_agree(f->comm, rc));
    *out = f;
    f = NULL;
cleanup:
    if (fapl >= 0)
        H5Pclose(fapl);
    results__file_free(f);
    return rc;
}

const ResultsLayout *results_layout(const ResultsFile *f)
{
    return &f->layout;
}

const char *results_param_name(const ResultsFile *f, int p)
{
    return f->param_short[p];
}

int results_schema_version(const ResultsFile *f)
{
    return f->schema_version;
}

hid_t results_file_id(const ResultsFile *f)
{
    return f->file;
}

MPI_Comm results_comm(const ResultsFile *f)
{
    return f->comm;
}

int results_flush(ResultsFile *f)
{
    int rc = 0;
    RESULTS_H5(H5Fflush(f->file, H5F_SCOPE_GLOBAL), "results: flush failed");
cleanup:
    return rc;
}

int results_close(ResultsFile **f)
{
    if (!f || !*f)
        return 0;
    int rc = results__file_free(*f);
    *f = NULL;
    return rc;
}

void results__close_doomed(MPI_Comm comm, ResultsFile **f, const char *path)
{
    int code = ih_error_code();
    char message[1024];
    snprintf(message, sizeof message, "%s", ih_error_message());
    /* HDF5 keeps a file whose close failed open and closes it again at MPI_Finalize, where a
     * full disk then crashes it: truncating first frees the space the final flush needs */
    if (path && truncate(path, 0) != 0)
        ih_error_clear();
    MPI_Barrier(comm);
    results_close(f);
    if (code != IH_OK)
        ih_error_set(__FILE__, __LINE__, __func__, code, "%s", message);
    else
        ih_error_clear();
}

int results_move_aside(const char *path, char *new_path, int size)
{
    int rc = 0;
    char candidate[4096];
    struct stat st;
    if (stat(path, &st) != 0)
        IH_FAIL(IH_ENOENT, "cannot move %s aside: %s", path, strerror(errno));
    for (int n = 1; n < 100000; n++) {
        int len = snprintf(candidate, sizeof candidate, "%s.broken-%d", path, n);
        if (len < 0 || len >= (int)sizeof candidate || len >= size)
            IH_FAIL(IH_EIO, "cannot move %s aside: name too long", path);
        /* link() fails with EEXIST instead of replacing, so nothing is ever overwritten. */
        if (link(path, candidate) == 0) {
            if (unlink(path) != 0)
                IH_FAIL(IH_EIO, "moved %s to %s but cannot remove the old name: %s", path,
                        candidate, strerror(errno));
            memcpy(new_path, candidate, (size_t)len + 1);
            goto cleanup;
        }
        if (errno == EEXIST)
            continue;
        /* File systems without hard links: rename after checking the name is free. */
        if (lstat(candidate, &st) == 0)
            continue;
        if (rename(path, candidate) != 0)
            IH_FAIL(IH_EIO, "cannot move %s to %s: %s", path, candidate, strerror(errno));
        memcpy(new_path, candidate, (size_t)len + 1);
        goto cleanup;
    }
    IH_FAIL(IH_EIO, "cannot move %s aside: every .broken-<n> name is taken", path);
cleanup:
    return rc;
}
