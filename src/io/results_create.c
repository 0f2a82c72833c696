/* results_create: makes a results file at its final shape (see the schema in results.h).
 *
 * Every group, dataset, scale and attribute is created collectively with identical arguments;
 * datasets are contiguous, allocated early and filled at allocation (parallel HDF5 writes
 * contiguous fill values from rank 0 and then waits at a barrier, so later writes by any rank
 * cannot be overwritten by fill). Rank 0 then writes the per-run metadata and the scale values
 * independently, the root attributes are written (schema_version last), and the file is flushed
 * once: from then on nothing changes HDF5 metadata, so a killed process leaves a readable file.
 */
#include "io/internal.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PATH_MAX_LEN = 1024 };

static const int shape_axes[RESULT_N_SHAPES][4] = {
    {RESULTS__DIM_RUN},
    {RESULTS__DIM_RUN, RESULTS__DIM_EVAL},
    {RESULTS__DIM_RUN, RESULTS__DIM_EVAL, RESULTS__DIM_HEAD},
    {RESULTS__DIM_RUN, RESULTS__DIM_EVAL, RESULTS__DIM_PROBE, RESULTS__DIM_LABEL},
    {RESULTS__DIM_RUN, RESULTS__DIM_HEAD},
    {RESULTS__DIM_RUN, RESULTS__DIM_SRC_HEAD, RESULTS__DIM_HEAD}};
static const int shape_rank[RESULT_N_SHAPES] = {1, 2, 3, 4, 2, 3};

typedef struct {
    hid_t scale[RESULTS__N_DIMS]; /* -1 where absent (probe when n_probe == 0) */
    hsize_t size[RESULTS__N_DIMS];
} Scales;

/* Creates dataset `path` (type, axes given as ResultsDim indices) contiguous, early-allocated,
 * filled with *fill (memory type fill_type) or zeros when fill is NULL, and attaches the scales
 * (when scales is not NULL). No H5DSset_label: xarray would show DIMENSION_LABELS as a stray
 * attribute; h5py finds the names as dims[i].keys(). Collective. */
static int create_dataset(hid_t file, const Scales *scales, const hsize_t *sizes, const char *path,
                          hid_t type, const int *axes, int n_axes, hid_t fill_type,
                          const void *fill, hid_t *out)
{
    int rc = 0;
    hid_t dcpl = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hsize_t dims[4];
    for (int i = 0; i < n_axes; i++)
        dims[i] = sizes[axes[i]];
    RESULTS_H5(dcpl = H5Pcreate(H5P_DATASET_CREATE), "results: cannot make a property list");
    RESULTS_H5(H5Pset_layout(dcpl, H5D_CONTIGUOUS), "results: cannot set contiguous layout");
    RESULTS_H5(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "results: cannot set alloc time");
    RESULTS_H5(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "results: cannot set fill time");
    if (fill)
        RESULTS_H5(H5Pset_fill_value(dcpl, fill_type, fill), "results: cannot set %s's fill", path);
    RESULTS_H5(space = H5Screate_simple(n_axes, dims, NULL), "results: cannot make a dataspace");
    RESULTS_H5(*out = H5Dcreate2(file, path, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
               "results: cannot create dataset /%s", path);
    for (int i = 0; scales && i < n_axes; i++)
        RESULTS_H5(H5DSattach_scale(*out, scales->scale[axes[i]], (unsigned)i),
                   "results: cannot attach dimension %s to /%s", results__dim_names[axes[i]], path);
cleanup:
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    return rc;
}

static int make_group(hid_t file, const char *path)
{
    int rc = 0;
    hid_t g = H5I_INVALID_HID;
    RESULTS_H5(g = H5Gcreate2(file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "results: cannot create group /%s", path);
cleanup:
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

static int join_path(char *buf, const char *a, const char *b, const char *c)
{
    int rc = 0;
    int n = c ? snprintf(buf, PATH_MAX_LEN, "%s/%s/%s", a, b, c)
              : snprintf(buf, PATH_MAX_LEN, "%s/%s", a, b);
    if (n < 0 || n >= PATH_MAX_LEN)
        IH_FAIL(IH_ECONFIG, "results layout: name \"%s\" is too long", b);
cleanup:
    return rc;
}

static int create_scales(ResultsFile *f, Scales *s)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    s->size[RESULTS__DIM_RUN] = (hsize_t)l->n_runs;
    s->size[RESULTS__DIM_EVAL] = (hsize_t)l->max_evals;
    s->size[RESULTS__DIM_HEAD] = (hsize_t)l->n_heads;
    s->size[RESULTS__DIM_PROBE] = (hsize_t)l->n_probe;
    s->size[RESULTS__DIM_LABEL] = (hsize_t)l->n_labels;
    s->size[RESULTS__DIM_SRC_HEAD] = (hsize_t)l->n_heads;
    for (int d = 0; d < RESULTS__N_DIMS; d++) {
        if (s->size[d] == 0)
            continue;
        IH_TRY(create_dataset(f->file, NULL, s->size, results__dim_names[d], H5T_STD_I32LE, &d, 1,
                              H5T_NATIVE_INT, NULL, &s->scale[d]));
        RESULTS_H5(H5DSset_scale(s->scale[d], results__dim_names[d]),
                   "results: cannot make /%s a dimension scale", results__dim_names[d]);
    }
cleanup:
    return rc;
}

/* A fixed-length NUL-terminated string type long enough for every string in s[n]. */
static hid_t fixed_string_type(char *const *s, int n)
{
    size_t longest = 0;
    for (int i = 0; i < n; i++)
        longest = strlen(s[i]) > longest ? strlen(s[i]) : longest;
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, longest + 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static int create_metadata(ResultsFile *f, const Scales *s, hid_t *cond_type, hid_t *cfg_type)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    const int run_axis = RESULTS__DIM_RUN;
    char path[PATH_MAX_LEN];
    IH_TRY(create_dataset(f->file, s, s->size, "runs/id", H5T_STD_I32LE, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->id));
    IH_TRY(create_dataset(f->file, s, s->size, "runs/stage", H5T_STD_I32LE, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->stage));
    IH_TRY(create_dataset(f->file, s, s->size, "runs/hash", H5T_STD_U64LE, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->hash));
    RESULTS_H5(*cond_type = fixed_string_type(l->conditions, l->n_runs),
               "results: cannot make a string type");
    RESULTS_H5(*cfg_type = fixed_string_type(l->configs, l->n_runs),
               "results: cannot make a string type");
    IH_TRY(create_dataset(f->file, s, s->size, "runs/condition", *cond_type, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->condition));
    IH_TRY(create_dataset(f->file, s, s->size, "runs/config", *cfg_type, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->config));
    for (int p = 0; p < l->n_params; p++) {
        IH_TRY(join_path(path, "runs", l->param_names[p], NULL));
        IH_TRY(create_dataset(f->file, s, s->size, path, H5T_IEEE_F64LE, &run_axis, 1,
                              H5T_NATIVE_INT, NULL, &f->param[p]));
    }
cleanup:
    return rc;
}

static int create_payload(ResultsFile *f, const Scales *s)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    const int run_axis = RESULTS__DIM_RUN;
    const int *eval_axes = shape_axes[RESULT_SHAPE_EVAL];
    char path[PATH_MAX_LEN];
    unsigned char fill[8];
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        if (rf->shape == RESULT_SHAPE_EVAL_PROBE_LABEL && l->n_probe == 0)
            continue;
        results__value_as(rf->mem_type, rf->fill, fill);
        IH_TRY(create_dataset(f->file, s, s->size, rf->path, results__h5_type(rf->file_type, 1),
                              shape_axes[rf->shape], shape_rank[rf->shape],
                              results__h5_type(rf->mem_type, 0), fill, &f->row[i]));
    }
    const float nan_fill = NAN;
    for (int e = 0; e < l->n_evaluators; e++) {
        IH_TRY(join_path(path, "curves", l->evaluator_names[e], NULL));
        IH_TRY(make_group(f->file, path));
        for (int m = 0; m < METRIC_COUNT; m++) {
            IH_TRY(join_path(path, "curves", l->evaluator_names[e], metric_name((Metric)m)));
            IH_TRY(create_dataset(f->file, s, s->size, path, H5T_IEEE_F32LE, eval_axes, 2,
                                  H5T_NATIVE_FLOAT, &nan_fill, &f->metric[e * METRIC_COUNT + m]));
        }
    }
    const uint64_t zero_u64 = 0;
    const int8_t zero_i8 = 0;
    IH_TRY(create_dataset(f->file, s, s->size, "runs/checksum", H5T_STD_U64LE, &run_axis, 1,
                          H5T_NATIVE_UINT64, &zero_u64, &f->checksum));
    IH_TRY(create_dataset(f->file, s, s->size, "runs/status", H5T_STD_I8LE, &run_axis, 1,
                          H5T_NATIVE_INT8, &zero_i8, &f->status));
cleanup:
    return rc;
}

static int write_all(hid_t ds, hid_t mem, const void *buf, const char *what)
{
    int rc = 0;
    RESULTS_H5(H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "results: cannot write %s",
               what);
cleanup:
    return rc;
}

static int write_strings(hid_t ds, hid_t type, char *const *s, int n, const char *what)
{
    int rc = 0;
    size_t width = H5Tget_size(type);
    char *buf = NULL;
    IH_ALLOC(buf, (size_t)n * width);
    for (int i = 0; i < n; i++)
        memcpy(buf + (size_t)i * width, s[i], strlen(s[i]));
    IH_TRY(write_all(ds, type, buf, what));
cleanup:
    free(buf);
    return rc;
}

/* Rank 0's independent writes: scale values and per-run metadata. */
static int write_metadata(ResultsFile *f, const Scales *s, hid_t cond_type, hid_t cfg_type)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    int *index = NULL;
    double *column = NULL;
    size_t longest = 0;
    for (int d = 0; d < RESULTS__N_DIMS; d++)
        longest = s->size[d] > longest ? (size_t)s->size[d] : longest;
    IH_ALLOC(index, longest);
    for (size_t i = 0; i < longest; i++)
        index[i] = (int)i;
    for (int d = 0; d < RESULTS__N_DIMS; d++)
        if (s->scale[d] >= 0)
            IH_TRY(write_all(s->scale[d], H5T_NATIVE_INT, index, results__dim_names[d]));
    IH_TRY(write_all(f->id, H5T_NATIVE_INT, index, "runs/id"));
    IH_TRY(write_all(f->stage, H5T_NATIVE_INT, l->stages, "runs/stage"));
    IH_TRY(write_all(f->hash, H5T_NATIVE_UINT64, l->hashes, "runs/hash"));
    IH_TRY(write_strings(f->condition, cond_type, l->conditions, l->n_runs, "runs/condition"));
    IH_TRY(write_strings(f->config, cfg_type, l->configs, l->n_runs, "runs/config"));
    IH_ALLOC(column, l->n_runs);
    for (int p = 0; p < l->n_params; p++) {
        for (int r = 0; r < l->n_runs; r++)
            column[r] = l->param_values[(size_t)r * (size_t)l->n_params + (size_t)p];
        IH_TRY(write_all(f->param[p], H5T_NATIVE_DOUBLE, column, l->param_names[p]));
    }
cleanup:
    free(index);
    free(column);
    return rc;
}

static int write_root_attributes(ResultsFile *f)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    const int version = RESULT_SCHEMA_VERSION;
    IH_TRY(results__attr_write_string(f->file, "ihsweep_version", l->ihsweep_version));
    IH_TRY(results__attr_write_string(f->file, "git_hash", l->git_hash));
    IH_TRY(results__attr_write_string(f->file, "library_versions", l->library_versions));
    IH_TRY(results__attr_write_string(f->file, "sweep_text", l->sweep_text));
    IH_TRY(results__attr_write_string(f->file, "slurm_job_ids", l->slurm_job_ids));
    IH_TRY(results__attr_write_strings(f->file, "evaluator_names", l->evaluator_names,
                                       l->n_evaluators));
    if (l->n_params > 0)
        IH_TRY(results__attr_write_strings(f->file, "param_names", l->param_names, l->n_params));
    if (l->n_params > 0 && l->param_labels)
        IH_TRY(results__attr_write_strings(f->file, "param_labels", l->param_labels, l->n_params));
    IH_TRY(results_attr_write(f->file, "schema_version", H5T_STD_I32LE, H5T_NATIVE_INT, &version));
cleanup:
    return rc;
}

/* Checks the layout on every rank and that all ranks hold the same one. Collective. */
static int check_layout_everywhere(MPI_Comm comm, const ResultsLayout *layout)
{
    int rc = results_layout_check(layout);
    if (rc < 0)
        ih_error_trace(__FILE__, __LINE__, __func__);
    IH_TRY(ih_mpi_agree(comm, rc));
    uint64_t fp[2], lo[2];
    fp[0] = results__layout_fingerprint(layout);
    fp[1] = ~fp[0];
    if (MPI_Allreduce(fp, lo, 2, MPI_UINT64_T, MPI_MIN, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "results_create: MPI_Allreduce failed");
    if (lo[0] != fp[0] || lo[1] != fp[1])
        IH_FAIL(IH_EINTERNAL, "results_create: ranks passed different layouts");
cleanup:
    return rc;
}

/* Rank 0 looks for an existing file; every rank learns the answer. Collective. */
static int refuse_existing(MPI_Comm comm, int rank, const char *path, int flags)
{
    int rc = 0, exists = 0;
    if (rank == 0)
        exists = access(path, F_OK) == 0;
    if (MPI_Bcast(&exists, 1, MPI_INT, 0, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "results_create: MPI_Bcast failed");
    if (exists && !(flags & RESULTS_OVERWRITE))
        IH_FAIL(IH_EIO, "results file %s already exists (resume it, or move it away)", path);
cleanup:
    return rc;
}

int results_create(MPI_Comm comm, const char *path, const ResultsLayout *layout, int flags,
                   ResultsFile **out)
{
    int rc = 0;
    ResultsFile *f = NULL;
    hid_t fapl = H5I_INVALID_HID, cond_type = H5I_INVALID_HID, cfg_type = H5I_INVALID_HID;
    Scales s;
    for (int d = 0; d < RESULTS__N_DIMS; d++)
        s.scale[d] = H5I_INVALID_HID;
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    IH_TRY(check_layout_everywhere(comm, layout));
    IH_TRY(results__file_alloc(comm, 1, &f));
    IH_TRY(refuse_existing(comm, f->rank, path, flags));
    rc = results_layout_copy(&f->layout, layout);
    if (rc == 0)
        rc = results__file_ids_alloc(f);
    IH_TRY(ih_mpi_agree(f->comm, rc)); /* local allocations, before the collective create */

    RESULTS_H5(fapl = H5Pcreate(H5P_FILE_ACCESS), "results: cannot make a property list");
    RESULTS_H5(H5Pset_fapl_mpio(fapl, f->comm, MPI_INFO_NULL), "results: cannot use MPI-IO");
    RESULTS_H5(f->file = H5Fcreate(path, (flags & RESULTS_OVERWRITE) ? H5F_ACC_TRUNC : H5F_ACC_EXCL,
                                   H5P_DEFAULT, fapl),
               "results: cannot create %s", path);
    IH_TRY(make_group(f->file, "runs"));
    IH_TRY(make_group(f->file, "curves"));
    IH_TRY(make_group(f->file, "summary"));
    IH_TRY(make_group(f->file, "posthoc"));
    IH_TRY(create_scales(f, &s));
    IH_TRY(create_metadata(f, &s, &cond_type, &cfg_type));
    IH_TRY(create_payload(f, &s));
    rc = f->rank == 0 ? write_metadata(f, &s, cond_type, cfg_type) : 0;
    IH_TRY(ih_mpi_agree(f->comm, rc));
    IH_TRY(write_root_attributes(f));
    RESULTS_H5(H5Fflush(f->file, H5F_SCOPE_GLOBAL), "results: cannot flush %s", path);
    IH_TRY(ih_mpi_agree(f->comm, 0));
    *out = f;
    f = NULL;
cleanup:
    for (int d = 0; d < RESULTS__N_DIMS; d++)
        if (s.scale[d] >= 0)
            H5Dclose(s.scale[d]);
    if (cond_type >= 0)
        H5Tclose(cond_type);
    if (cfg_type >= 0)
        H5Tclose(cfg_type);
    if (fapl >= 0)
        H5Pclose(fapl);
    results__file_free(f);
    return rc;
}
