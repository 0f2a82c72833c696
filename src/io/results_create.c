/* results_create: makes a results file at its final shape (see the schema in results.h).
 *
 * Every group, dataset, scale and attribute is created collectively with identical arguments;
 * datasets are contiguous, allocated early and filled at allocation (parallel HDF5 writes
 * contiguous fill values from rank 0 and then waits at a barrier, so later writes by any rank
 * cannot be overwritten by fill). Rank 0 then writes the per-run metadata and the scale values
 * independently, the root attributes are written (schema_version last), and the file is flushed
 * once: from then on nothing changes HDF5 metadata, so a killed process leaves a readable file.
 *
 * Readers (schema 2): every dataset carries long_name, units and description (row fields from
 * result.h's tables), _FillValue where its fill means "not written", and a `coordinates`
 * attribute; every group holds an index variable per dimension it uses (attached to the root
 * scale) and hard links to the per-run coordinates (condition, stage, each parameter under its
 * short name, and seq = curves/eval_seq where there is an eval axis), so xarray and netCDF tools
 * label every group without copies. Strings are fixed-length UTF-8 (parallel HDF5 cannot write
 * variable-length strings to datasets) with `_Encoding = "utf-8"`, which xarray decodes to str.
 */
#include "io/internal.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <libgen.h>
#include <string.h>
#include <sys/statvfs.h>
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

/* Datasets that rank 0 fills with 0..n-1 after creation: the per-group index variables. */
enum { MAX_INDEX = 256 };
typedef struct {
    int n;
    hid_t ds[MAX_INDEX];
    int dim[MAX_INDEX];
} IndexVars;

/* Readers' names: the parameters' short names and the `coordinates` attribute of a dataset
 * without / with an eval axis. */
typedef struct {
    char (*param)[RESULTS__NAME_MAX]; /* borrowed from the ResultsFile */
    char *coords, *coords_eval;
} ReaderNames;

static const char *const dim_long_names[RESULTS__N_DIMS][2] = {
    {"run", "run id: the row of every per-run dataset"},
    {"eval slot", "eval slot of a run; the sequences seen at each slot are the seq coordinate"},
    {"head", "attention head within a layer"},
    {"probe sequence", "probe sequence whose query logits are kept (essential dynamics)"},
    {"label", "output label of the few-shot task"},
    {"first-layer head", "first-layer head of a composition or wiring score"}};

/* Creates dataset `path` (type, axes given as ResultsDim indices) contiguous, early-allocated,
 * filled with *fill (memory type fill_type) or zeros when fill is NULL, and attaches the scales
 * (when scales is not NULL). No H5DSset_label: xarray would show DIMENSION_LABELS as a stray
 * attribute; h5py finds the names as dims[i].keys(). Collective on comm, and the outcome is
 * agreed on: a rank whose part of the fill failed (a full disk) must not leave the others
 * waiting in the next dataset's collective fill. */
static int create_dataset(MPI_Comm comm, hid_t file, const Scales *scales, const hsize_t *sizes,
                          const char *path, hid_t type, const int *axes, int n_axes,
                          hid_t fill_type, const void *fill, hid_t *out)
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
    return ih_mpi_agree(comm, rc);
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

/* The CF attributes every dataset has. Collective. */
static int describe(hid_t ds, const char *long_name, const char *units, const char *description)
{
    int rc = 0;
    IH_TRY(results__attr_write_string(ds, "long_name", long_name));
    IH_TRY(results__attr_write_string(ds, "units", units && units[0] ? units : "1"));
    IH_TRY(results__attr_write_string(ds, "description", description));
cleanup:
    return rc;
}

/* long_name from a dataset name: underscores as spaces. */
static void long_name_of(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s", name);
    for (char *c = buf; *c; c++)
        if (*c == '_')
            *c = ' ';
}

/* _FillValue, in the dataset's own type. Collective. */
static int fill_attr(hid_t ds, ResultsType file_type, double fill)
{
    unsigned char buf[8];
    results__value_as(file_type, fill, buf);
    return results_attr_write(ds, "_FillValue", results__h5_type(file_type, 1),
                              results__h5_type(file_type, 0), buf);
}

/* A 1-D attribute of n values. Collective. */
static int array_attr(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, int n,
                      const void *values)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    hsize_t dim = (hsize_t)n;
    RESULTS_H5(space = H5Screate_simple(1, &dim, NULL), "results: cannot make a dataspace");
    RESULTS_H5(attr = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT),
               "results: cannot create attribute %s", name);
    RESULTS_H5(H5Awrite(attr, mem_type, values), "results: cannot write attribute %s", name);
cleanup:
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
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
        IH_TRY(create_dataset(f->comm, f->file, NULL, s->size, results__dim_names[d], H5T_STD_I32LE,
                              &d, 1, H5T_NATIVE_INT, NULL, &s->scale[d]));
        RESULTS_H5(H5DSset_scale(s->scale[d], results__dim_names[d]),
                   "results: cannot make /%s a dimension scale", results__dim_names[d]);
        IH_TRY(describe(s->scale[d], dim_long_names[d][0], "1", dim_long_names[d][1]));
    }
cleanup:
    return rc;
}

/* A fixed-length NUL-terminated UTF-8 string type of width bytes. */
static hid_t utf8_string_type(size_t width)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, width) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* The string type long enough for every string in s[n]. */
static hid_t fixed_string_type(char *const *s, int n)
{
    size_t longest = 0;
    for (int i = 0; i < n; i++)
        longest = strlen(s[i]) > longest ? strlen(s[i]) : longest;
    return utf8_string_type(longest + 1);
}

/* 1 when every value of parameter p is an integer that an int64 holds exactly (not -0). */
static int param_is_integral(const ResultsLayout *l, int p)
{
    for (int r = 0; r < l->n_runs; r++) {
        double v = l->param_values[(size_t)r * (size_t)l->n_params + (size_t)p];
        if (!(v == floor(v)) || fabs(v) > 9007199254740992.0 || (v == 0 && signbit(v)))
            return 0;
    }
    return 1;
}

/* The string type of runs/resolved_config: room for each planned config once its symbolic heads
 * are bound ("rest_ih" becomes n_heads - 1 heads "L:H") and progress_heads is set. */
static hid_t resolved_string_type(const ResultsLayout *l)
{
    size_t longest = 0;
    for (int i = 0; i < l->n_runs; i++) {
        size_t n = strlen(l->configs[i]) + 96, rest = 0;
        for (const char *p = l->configs[i]; (p = strstr(p, "rest_ih")) != NULL; p++)
            rest++;
        n += rest * (size_t)l->n_heads * 16;
        longest = n > longest ? n : longest;
    }
    return utf8_string_type(longest + 1);
}

static int create_metadata(ResultsFile *f, const Scales *s, const ReaderNames *names,
                           hid_t *cond_type, hid_t *cfg_type, hid_t *res_type)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    const int run_axis = RESULTS__DIM_RUN;
    char path[PATH_MAX_LEN], text[PATH_MAX_LEN];
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/id", H5T_STD_I32LE, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->id));
    IH_TRY(describe(f->id, "run id", "1", "run id (equal to the row)"));
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/stage", H5T_STD_I32LE, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->stage));
    IH_TRY(
        describe(f->stage, "stage", "1", "index of the run's stage in the sweep file (0: first)"));
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/hash", H5T_STD_U64LE, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->hash));
    IH_TRY(describe(f->hash, "config hash", "1", "hash of the run's configuration"));
    RESULTS_H5(*cond_type = fixed_string_type(l->conditions, l->n_runs),
               "results: cannot make a string type");
    RESULTS_H5(*cfg_type = fixed_string_type(l->configs, l->n_runs),
               "results: cannot make a string type");
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/condition", *cond_type, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->condition));
    IH_TRY(describe(f->condition, "condition", "1",
                    "clamp condition: a named clamp list of the sweep file"));
    IH_TRY(results__attr_write_string(f->condition, "_Encoding", "utf-8"));
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/config", *cfg_type, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->config));
    IH_TRY(describe(f->config, "run config", "1",
                    "the run's configuration as planned: canonical JSON with every field and "
                    "default filled in (symbolic heads as in the sweep); runs/hash hashes it"));
    IH_TRY(results__attr_write_string(f->config, "_Encoding", "utf-8"));
    IH_TRY(results__attr_write_string(f->config, "coordinates", names->coords));
    RESULTS_H5(*res_type = resolved_string_type(l), "results: cannot make a string type");
    f->resolved_width = H5Tget_size(*res_type);
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/resolved_config", *res_type, &run_axis, 1,
                          H5T_NATIVE_INT, NULL, &f->resolved));
    IH_TRY(describe(f->resolved, "resolved run config", "1",
                    "for a run whose heads were bound from its source run: its canonical config "
                    "with those heads; empty when runs/config is the config it trained with. "
                    "`ihsweep train` on the config reproduces the row"));
    IH_TRY(results__attr_write_string(f->resolved, "_Encoding", "utf-8"));
    IH_TRY(results__attr_write_string(f->resolved, "coordinates", names->coords));
    for (int p = 0; p < l->n_params; p++) {
        IH_TRY(join_path(path, "runs", names->param[p], NULL));
        hid_t type = param_is_integral(l, p) ? H5T_STD_I64LE : H5T_IEEE_F64LE;
        IH_TRY(create_dataset(f->comm, f->file, s, s->size, path, type, &run_axis, 1, H5T_NATIVE_INT, NULL,
                              &f->param[p]));
        snprintf(text, sizeof text, "swept run-config field %s", l->param_names[p]);
        IH_TRY(describe(f->param[p], l->param_names[p], "1", text));
        IH_TRY(results__attr_write_string(f->param[p], "field", l->param_names[p]));
    }
cleanup:
    return rc;
}

/* The reader attributes of a row dataset. Collective. */
static int describe_row(hid_t ds, const char *name, const char *units, const char *description,
                        ResultsType file_type, double fill, int has_eval, const ReaderNames *n)
{
    int rc = 0;
    char long_name[PATH_MAX_LEN];
    long_name_of(name, long_name, sizeof long_name);
    IH_TRY(describe(ds, long_name, units, description));
    IH_TRY(fill_attr(ds, file_type, fill));
    IH_TRY(results__attr_write_string(ds, "coordinates", has_eval ? n->coords_eval : n->coords));
cleanup:
    return rc;
}

static int create_payload(ResultsFile *f, const Scales *s, const ReaderNames *names)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    const int run_axis = RESULTS__DIM_RUN;
    const int *eval_axes = shape_axes[RESULT_SHAPE_EVAL];
    char path[PATH_MAX_LEN], text[PATH_MAX_LEN];
    unsigned char fill[8];
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        if (rf->shape == RESULT_SHAPE_EVAL_PROBE_LABEL && l->n_probe == 0)
            continue;
        results__value_as(rf->mem_type, rf->fill, fill);
        IH_TRY(create_dataset(f->comm, f->file, s, s->size, rf->path, results__h5_type(rf->file_type, 1),
                              shape_axes[rf->shape], shape_rank[rf->shape],
                              results__h5_type(rf->mem_type, 0), fill, &f->row[i]));
        int has_eval = shape_rank[rf->shape] > 1 && shape_axes[rf->shape][1] == RESULTS__DIM_EVAL;
        IH_TRY(describe_row(f->row[i], strrchr(rf->path, '/') + 1, rf->units, rf->description,
                            rf->file_type, rf->fill, has_eval, names));
    }
    const float nan_fill = NAN;
    for (int e = 0; e < l->n_evaluators; e++) {
        IH_TRY(join_path(path, "curves", l->evaluator_names[e], NULL));
        IH_TRY(make_group(f->file, path));
        for (int m = 0; m < METRIC_COUNT; m++) {
            hid_t *ds = &f->metric[e * METRIC_COUNT + m];
            IH_TRY(join_path(path, "curves", l->evaluator_names[e], metric_name((Metric)m)));
            IH_TRY(create_dataset(f->comm, f->file, s, s->size, path, H5T_IEEE_F32LE, eval_axes, 2,
                                  H5T_NATIVE_FLOAT, &nan_fill, ds));
            snprintf(text, sizeof text, "mean %s over the %s evaluator's eval set",
                     metric_name((Metric)m), l->evaluator_names[e]);
            IH_TRY(describe_row(*ds, metric_name((Metric)m), m == METRIC_LOSS ? "nats" : "1", text,
                                RESULTS__F32, NAN, 1, names));
        }
    }
    const uint64_t zero_u64 = 0;
    const int8_t zero_i8 = 0, flags[4] = {RUN_PENDING, RUN_DONE, RUN_DIVERGED, RUN_FAILED};
    const int8_t one_i8 = 1;
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/selected", H5T_STD_I8LE, &run_axis, 1,
                          H5T_NATIVE_INT8, &one_i8, &f->selected));
    IH_TRY(describe(f->selected, "selected", "1",
                    "1 when the latest ihsweep run session selected the run (--runs, --shard)"));
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/checksum", H5T_STD_U64LE, &run_axis, 1,
                          H5T_NATIVE_UINT64, &zero_u64, &f->checksum));
    IH_TRY(describe(f->checksum, "row checksum", "1",
                    "checksum of the row, written after its payload (0: not written)"));
    IH_TRY(create_dataset(f->comm, f->file, s, s->size, "runs/status", H5T_STD_I8LE, &run_axis, 1,
                          H5T_NATIVE_INT8, &zero_i8, &f->status));
    IH_TRY(describe(f->status, "run status", "1",
                    "0 pending, 1 done, 2 diverged, 3 failed; written last"));
    IH_TRY(array_attr(f->status, "flag_values", H5T_STD_I8LE, H5T_NATIVE_INT8, 4, flags));
    IH_TRY(results__attr_write_string(f->status, "flag_meanings", "pending done diverged failed"));
    IH_TRY(results__attr_write_string(f->status, "coordinates", names->coords));
cleanup:
    return rc;
}

/* The dims (bit mask of ResultsDim) of the datasets in group: the row fields stored there, or
 * run and eval for an evaluator's group. */
static unsigned group_dims(const char *group)
{
    unsigned mask = 1u << RESULTS__DIM_RUN;
    size_t n = strlen(group);
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        if (strncmp(rf->path, group, n) == 0 && rf->path[n] == '/')
            for (int a = 0; a < shape_rank[rf->shape]; a++)
                mask |= 1u << shape_axes[rf->shape][a];
    }
    if (strncmp(group, "curves/", 7) == 0)
        mask |= 1u << RESULTS__DIM_EVAL;
    return mask;
}

static int link_into(hid_t file, const char *target, const char *group, const char *name)
{
    int rc = 0;
    char path[PATH_MAX_LEN];
    IH_TRY(join_path(path, group, name, NULL));
    RESULTS_H5(H5Lcreate_hard(file, target, file, path, H5P_DEFAULT, H5P_DEFAULT),
               "results: cannot link /%s as /%s", target, path);
cleanup:
    return rc;
}

/* The coordinates of one group: an index variable per dimension it uses (attached to the root
 * scale; values written by rank 0), and links to the per-run coordinates and seq. Collective. */
static int add_group_coords(ResultsFile *f, const Scales *s, const ReaderNames *names,
                            const char *group, IndexVars *index)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    char path[PATH_MAX_LEN];
    unsigned mask = group_dims(group);
    for (int d = 0; d < RESULTS__N_DIMS; d++) {
        if (!(mask & (1u << d)) || s->scale[d] < 0)
            continue;
        if (index->n == MAX_INDEX)
            IH_FAIL(IH_ECONFIG, "results layout: too many groups");
        IH_TRY(join_path(path, group, results__dim_names[d], NULL));
        IH_TRY(create_dataset(f->comm, f->file, s, s->size, path, H5T_STD_I32LE, &d, 1, H5T_NATIVE_INT, NULL,
                              &index->ds[index->n]));
        index->dim[index->n++] = d;
        IH_TRY(describe(index->ds[index->n - 1], dim_long_names[d][0], "1", dim_long_names[d][1]));
    }
    if (strcmp(group, "runs") != 0) {
        IH_TRY(link_into(f->file, "runs/condition", group, "condition"));
        IH_TRY(link_into(f->file, "runs/stage", group, "stage"));
        for (int p = 0; p < l->n_params; p++) {
            IH_TRY(join_path(path, "runs", names->param[p], NULL));
            IH_TRY(link_into(f->file, path, group, names->param[p]));
        }
    }
    if (mask & (1u << RESULTS__DIM_EVAL))
        IH_TRY(link_into(f->file, "curves/eval_seq", group, "seq"));
cleanup:
    return rc;
}

static int add_coords(ResultsFile *f, const Scales *s, const ReaderNames *names, IndexVars *index)
{
    int rc = 0;
    char path[PATH_MAX_LEN];
    static const char *const groups[] = {"runs", "curves", "summary", "posthoc"};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        IH_TRY(add_group_coords(f, s, names, groups[g], index));
    for (int e = 0; e < f->layout.n_evaluators; e++) {
        IH_TRY(join_path(path, "curves", f->layout.evaluator_names[e], NULL));
        IH_TRY(add_group_coords(f, s, names, path, index));
    }
cleanup:
    return rc;
}

/* The parameters' short names and the coordinates attributes. Local. */
static int reader_names_make(const ResultsFile *f, ReaderNames *n)
{
    int rc = 0;
    const ResultsLayout *l = &f->layout;
    size_t len = sizeof "condition stage seq";
    n->param = f->param_short;
    for (int p = 0; p < l->n_params; p++)
        len += strlen(n->param[p]) + 1;
    IH_ALLOC(n->coords, len);
    IH_ALLOC(n->coords_eval, len);
    strcpy(n->coords, "condition stage");
    for (int p = 0; p < l->n_params; p++) {
        strcat(n->coords, " ");
        strcat(n->coords, n->param[p]);
    }
    snprintf(n->coords_eval, len, "seq %s", n->coords);
cleanup:
    return rc;
}

static void reader_names_free(ReaderNames *n)
{
    free(n->coords);
    free(n->coords_eval);
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
static int write_metadata(ResultsFile *f, const Scales *s, const IndexVars *iv, hid_t cond_type,
                          hid_t cfg_type)
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
    for (int i = 0; i < iv->n; i++)
        IH_TRY(write_all(iv->ds[i], H5T_NATIVE_INT, index, results__dim_names[iv->dim[i]]));
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
    IH_TRY(results__attr_write_string(f->file, "Conventions", "CF-1.8"));
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

/* An upper estimate of the created file's size in bytes: every dataset's data (all allocated at
 * creation), the strings and attributes, and HDF5's object headers and scale references. */
static double estimate_bytes(const ResultsLayout *l)
{
    double runs = l->n_runs, bytes = 0, n_datasets = 0, cond = 0, cfg = 0;
    hsize_t dims[4];
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const ResultsRowField *rf = &results__row_fields[i];
        if (rf->shape == RESULT_SHAPE_EVAL_PROBE_LABEL && l->n_probe == 0)
            continue;
        int rank = results__row_dims(l, rf->shape, dims);
        double per_row = (double)H5Tget_size(results__h5_type(rf->file_type, 1));
        for (int d = 1; d < rank; d++)
            per_row *= (double)dims[d];
        bytes += runs * per_row;
        n_datasets++;
    }
    bytes += (double)l->n_evaluators * METRIC_COUNT * runs * l->max_evals * 4;
    n_datasets += (double)l->n_evaluators * (METRIC_COUNT + 1) + l->n_params + 12;
    for (int r = 0; r < l->n_runs; r++) {
        cond = fmax(cond, (double)strlen(l->conditions[r]) + 1);
        cfg = fmax(cfg, (double)strlen(l->configs[r]) + 1);
    }
    bytes += runs * (4 + 4 + 8 + 8 + 1 + 8.0 * l->n_params + cond + cfg);
    const char *attrs[] = {l->sweep_text, l->ihsweep_version, l->git_hash, l->library_versions,
                           l->slurm_job_ids};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        bytes += attrs[i] ? (double)strlen(attrs[i]) : 0;
    return bytes + n_datasets * (4096 + 64 * runs / 64) + 262144;
}

/* Rank 0 checks that the directory of path has room for the file, before HDF5 starts filling
 * it (a full disk in the middle of the collective fills is what this avoids). Collective. */
static int check_space(MPI_Comm comm, int rank, const char *path, const ResultsLayout *l)
{
    int rc = 0;
    if (rank == 0) {
        char tmp[4200];
        struct statvfs vfs;
        snprintf(tmp, sizeof tmp, "%s", path);
        const char *dir = dirname(tmp);
        double need = estimate_bytes(l);
        if (statvfs(dir, &vfs) == 0) {
            double free_bytes = (double)vfs.f_bavail * (double)vfs.f_frsize;
            if (free_bytes < need)
                IH_FAIL(IH_EIO,
                        "not enough free space in %s for the results file %s: it needs about "
                        "%.1f MiB, %.1f MiB are free",
                        dir, path, need / 1048576.0, free_bytes / 1048576.0);
        }
    }
cleanup:
    return ih_mpi_agree(comm, rc);
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
    hid_t res_type = H5I_INVALID_HID;
    Scales s;
    IndexVars iv = {0};
    ReaderNames names = {0};
    int f_rank = 0;
    MPI_Comm_rank(comm, &f_rank);
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
    if (rc == 0)
        rc = reader_names_make(f, &names);
    IH_TRY(ih_mpi_agree(f->comm, rc)); /* local allocations, before the collective create */
    IH_TRY(check_space(f->comm, f->rank, path, layout));

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
    IH_TRY(create_metadata(f, &s, &names, &cond_type, &cfg_type, &res_type));
    IH_TRY(create_payload(f, &s, &names));
    IH_TRY(add_coords(f, &s, &names, &iv));
    rc = f->rank == 0 ? write_metadata(f, &s, &iv, cond_type, cfg_type) : 0;
    IH_TRY(ih_mpi_agree(f->comm, rc));
    IH_TRY(write_root_attributes(f));
    rc = H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0 ? IH_EHDF5 : 0;
    if (rc < 0)
        ih_error_set(__FILE__, __LINE__, __func__, rc, "results: cannot flush %s", path);
    IH_TRY(ih_mpi_agree(f->comm, rc));
    *out = f;
    f = NULL;
cleanup:
    for (int d = 0; d < RESULTS__N_DIMS; d++)
        if (s.scale[d] >= 0)
            H5Dclose(s.scale[d]);
    for (int i = 0; i < iv.n; i++)
        H5Dclose(iv.ds[i]);
    reader_names_free(&names);
    if (cond_type >= 0)
        H5Tclose(cond_type);
    if (cfg_type >= 0)
        H5Tclose(cfg_type);
    if (res_type >= 0)
        H5Tclose(res_type);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (f && f->file >= 0) {
        /* an incomplete new file (a full disk, say): close it without needing space, remove it */
        results__close_doomed(f->comm, &f, f->rank == 0 ? path : NULL);
        if (f_rank == 0)
            unlink(path);
    }
    results__file_free(f);
    return rc;
}
