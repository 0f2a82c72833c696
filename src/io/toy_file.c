/* The toy model's HDF5 file (see toy_file.h): serial HDF5, default file access, every object
 * written once, and read back whole for the figures. Knows nothing of how the curves are
 * computed.
 */
#include "ihsweep/toy_file.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"
#include "ihsweep/version.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ToyFile {
    hid_t file;
    char *path; /* for messages */
};

/* A scalar fixed-length string attribute. */
static int write_string_attr(hid_t obj, const char *name, const char *value, const char *path)
{
    int rc = 0;
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0 || H5Tset_size(type, strlen(value) + 1) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot make string type for '%s'", path, name);
    IH_TRY(results_attr_write(obj, name, type, type, value));
cleanup:
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

/* A 1-D dataset of len values, written whole; *out (owned) is the open dataset. */
static int write_dataset(hid_t group, const char *name, hid_t file_type, hid_t mem_type,
                         hsize_t len, const void *data, const char *path, hid_t *out)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    if ((space = H5Screate_simple(1, &len, NULL)) >= 0)
        dset = H5Dcreate2(group, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0 || H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot write dataset '%s'", path, name);
    *out = dset;
    dset = H5I_INVALID_HID;
cleanup:
    if (dset >= 0)
        H5Dclose(dset);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Frees f, closing the file without a word (for error paths). */
static void toy_file_free(ToyFile *f)
{
    if (!f)
        return;
    if (f->file >= 0)
        H5Fclose(f->file);
    free(f->path);
    free(f);
}

int toy_file_create(const char *path, ToyFile **out)
{
    int rc = 0;
    ToyFile *f = NULL;
    char version[160];
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    IH_ALLOC(f, 1);
    f->file = H5I_INVALID_HID;
    IH_ALLOC(f->path, strlen(path) + 1);
    memcpy(f->path, path, strlen(path) + 1);
    if ((f->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot create HDF5 file", path);
    snprintf(version, sizeof version, "ihsweep %s (git %s)", ih_version_string(), ih_git_hash());
    IH_TRY(write_string_attr(f->file, "ihsweep_version", version, path));
    IH_TRY(write_string_attr(f->file, "description", "three-vector toy model, design 4.8", path));
    *out = f;
    f = NULL;
cleanup:
    toy_file_free(f);
    return rc;
}

int toy_file_write(ToyFile *f, const ToyResult *r)
{
    int rc = 0;
    const ToyConfig *c = &r->config;
    const char *name = toy_condition_name(c->condition), *path = f->path;
    hid_t group = H5I_INVALID_HID, dsets[4] = {-1, -1, -1, -1};
    int64_t *iteration = NULL;
    hsize_t len = (hsize_t)c->iters + 1;
    IH_ALLOC(iteration, len);
    for (hsize_t k = 0; k < len; k++)
        iteration[k] = (int64_t)k;
    if ((group = H5Gcreate2(f->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot create group '%s'", path, name);
    IH_TRY(write_dataset(group, "iteration", H5T_STD_I64LE, H5T_NATIVE_INT64, len, iteration, path,
                         &dsets[0]));
    IH_TRY(write_dataset(group, "loss", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, len, r->loss, path,
                         &dsets[1]));
    IH_TRY(write_dataset(group, "one_minus_cos2_a", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, len,
                         r->one_minus_cos2_a, path, &dsets[2]));
    IH_TRY(write_dataset(group, "loss_at_true_bc", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, len,
                         r->loss_at_true_bc, path, &dsets[3]));
    if (H5DSset_scale(dsets[0], "iteration") < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot make '%s/iteration' a dimension scale", path, name);
    for (int d = 1; d < 4; d++)
        if (H5DSattach_scale(dsets[d], dsets[0], 0) < 0)
            IH_FAIL(IH_EHDF5, "%s: cannot attach the iteration scale in '%s'", path, name);
    int n = c->n, iters = c->iters;
    uint32_t seed = c->seed;
    int64_t solved = toy_solved_iteration(r);
    IH_TRY(write_string_attr(group, "condition", name, path));
    IH_TRY(results_attr_write(group, "n", H5T_NATIVE_INT, H5T_NATIVE_INT, &n));
    IH_TRY(results_attr_write(group, "iters", H5T_NATIVE_INT, H5T_NATIVE_INT, &iters));
    IH_TRY(results_attr_write(group, "lr", H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE, &c->lr));
    IH_TRY(results_attr_write(group, "seed", H5T_NATIVE_UINT32, H5T_NATIVE_UINT32, &seed));
    IH_TRY(
        results_attr_write(group, "solved_iteration", H5T_NATIVE_INT64, H5T_NATIVE_INT64, &solved));
cleanup:
    for (int d = 0; d < 4; d++)
        if (dsets[d] >= 0)
            H5Dclose(dsets[d]);
    if (group >= 0)
        H5Gclose(group);
    free(iteration);
    return rc;
}

int toy_file_close(ToyFile **f)
{
    int rc = 0;
    if (!f || !*f)
        return 0;
    hid_t file = (*f)->file;
    (*f)->file = H5I_INVALID_HID;
    if (file >= 0 && H5Fclose(file) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot close HDF5 file", (*f)->path);
cleanup:
    toy_file_free(*f);
    *f = NULL;
    return rc;
}

/* Reads the scalar attribute name of obj as mem_type into value. */
static int read_attr(hid_t obj, const char *name, hid_t mem_type, void *value, const char *path,
                     const char *group)
{
    int rc = 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0 || H5Aread(a, mem_type, value) < 0)
        IH_FAIL(IH_EDATA, "%s: group '%s' has no readable attribute '%s'", path, group, name);
cleanup:
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

/* Reads the 1-D dataset name of group (len values) into an owned *out. */
static int read_curve(hid_t group, const char *name, hsize_t len, double **out, const char *path,
                      const char *gname)
{
    int rc = 0;
    hid_t dset = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hsize_t dims[1] = {0};
    double *v = NULL;
    if ((dset = H5Dopen2(group, name, H5P_DEFAULT)) < 0 || (space = H5Dget_space(dset)) < 0)
        IH_FAIL(IH_EDATA, "%s: group '%s' has no dataset '%s'", path, gname, name);
    if (H5Sget_simple_extent_ndims(space) != 1 ||
        H5Sget_simple_extent_dims(space, dims, NULL) != 1 || dims[0] != len)
        IH_FAIL(IH_EDATA, "%s: '%s/%s' holds %llu values, expected %llu (iters + 1)", path, gname,
                name, (unsigned long long)dims[0], (unsigned long long)len);
    IH_ALLOC(v, len);
    if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot read '%s/%s'", path, gname, name);
    *out = v;
    v = NULL;
cleanup:
    free(v);
    if (space >= 0)
        H5Sclose(space);
    if (dset >= 0)
        H5Dclose(dset);
    return rc;
}

/* Reads condition c's group into an owned *out. */
static int read_condition(hid_t file, ToyCondition c, const char *path, ToyResult **out)
{
    int rc = 0;
    const char *name = toy_condition_name(c);
    hid_t group = H5I_INVALID_HID;
    ToyResult *r = NULL;
    IH_ALLOC(r, 1);
    if ((group = H5Gopen2(file, name, H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot open group '%s'", path, name);
    ToyConfig *cfg = &r->config;
    cfg->condition = c;
    IH_TRY(read_attr(group, "n", H5T_NATIVE_INT, &cfg->n, path, name));
    IH_TRY(read_attr(group, "iters", H5T_NATIVE_INT, &cfg->iters, path, name));
    IH_TRY(read_attr(group, "lr", H5T_NATIVE_DOUBLE, &cfg->lr, path, name));
    IH_TRY(read_attr(group, "seed", H5T_NATIVE_UINT32, &cfg->seed, path, name));
    if (cfg->iters < 0 || cfg->iters > TOY_MAX_ITERS)
        IH_FAIL(IH_EDATA, "%s: '%s' has iters %d, outside 0..%d", path, name, cfg->iters,
                TOY_MAX_ITERS);
    const hsize_t len = (hsize_t)cfg->iters + 1;
    IH_TRY(read_curve(group, "loss", len, &r->loss, path, name));
    IH_TRY(read_curve(group, "one_minus_cos2_a", len, &r->one_minus_cos2_a, path, name));
    IH_TRY(read_curve(group, "loss_at_true_bc", len, &r->loss_at_true_bc, path, name));
    *out = r;
    r = NULL;
cleanup:
    if (group >= 0)
        H5Gclose(group);
    toy_result_destroy(&r);
    return rc;
}

int toy_file_read(const char *path, ToyResult *out[TOY_CONDITION_COUNT])
{
    int rc = 0, found = 0;
    hid_t file = H5I_INVALID_HID;
    for (int c = 0; c < TOY_CONDITION_COUNT; c++)
        out[c] = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK) != 0)
        IH_FAIL(IH_ENOENT, "%s: %s", path, strerror(errno));
    if ((file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot open as an HDF5 file", path);
    for (int c = 0; c < TOY_CONDITION_COUNT; c++) {
        const char *name = toy_condition_name((ToyCondition)c);
        htri_t has = H5Lexists(file, name, H5P_DEFAULT);
        if (has < 0)
            IH_FAIL(IH_EHDF5, "%s: cannot look for group '%s'", path, name);
        if (has == 0)
            continue;
        IH_TRY(read_condition(file, (ToyCondition)c, path, &out[c]));
        found++;
    }
    if (found == 0)
        IH_FAIL(IH_EDATA,
                "%s: not a toy-model file (no group none, clamp_c or clamp_bc; write "
                "one with 'ihsweep toy -o FILE')",
                path);
cleanup:
    if (file >= 0)
        H5Fclose(file);
    if (rc != 0)
        for (int c = 0; c < TOY_CONDITION_COUNT; c++)
            toy_result_destroy(&out[c]);
    return rc;
}
