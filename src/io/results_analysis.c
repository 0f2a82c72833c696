/* Derived tables in a results file: the /analysis group that `ihsweep analyze` replaces on every
 * run. A ResultsTable is one subgroup (/analysis/<name>) with its own index dimension scales, so
 * that deleting /analysis leaves no reference in the rest of the file and xarray
 * (engine="h5netcdf") opens each subgroup with named dimensions. Columns are written collectively:
 * every rank passes the same arguments, rank 0's data go in. Does not know what analysis computes.
 */
#include "io/internal.h"

#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TABLE_MAX_DIMS = 8 };

struct ResultsTable {
    hid_t group;
    hid_t dxpl; /* collective transfer */
    int rank;
    int n_dims;
    char dim_names[TABLE_MAX_DIMS][64];
    hsize_t dim_sizes[TABLE_MAX_DIMS];
    hid_t scales[TABLE_MAX_DIMS];
};

int results_analysis_reset(ResultsFile *f)
{
    int rc = 0;
    hid_t top = H5I_INVALID_HID;
    htri_t exists = H5Lexists(f->file, "analysis", H5P_DEFAULT);
    RESULTS_H5(exists, "cannot look up /analysis");
    if (exists > 0)
        RESULTS_H5(H5Ldelete(f->file, "analysis", H5P_DEFAULT), "cannot delete the old /analysis");
    RESULTS_H5(top = H5Gcreate2(f->file, "analysis", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "cannot create group /analysis");
cleanup:
    if (top >= 0)
        H5Gclose(top);
    return rc;
}

/* Creates dataset name in t->group with the given types and dims, attaches the scales, writes
 * data from rank 0 (the others select nothing). Collective. */
static int put(ResultsTable *t, const char *name, hid_t type, hid_t mem_type, int ndims,
               const hsize_t *dims, const hid_t *scales, const void *data, hid_t *keep)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    RESULTS_H5(space = H5Screate_simple(ndims, dims, NULL), "cannot make a dataspace for %s", name);
    RESULTS_H5(ds = H5Dcreate2(t->group, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "cannot create /analysis dataset %s", name);
    for (int i = 0; scales && i < ndims; i++)
        RESULTS_H5(H5DSattach_scale(ds, scales[i], (unsigned)i), "cannot attach a dimension to %s",
                   name);
    if (t->rank != 0)
        RESULTS_H5(H5Sselect_none(space), "cannot select");
    RESULTS_H5(H5Dwrite(ds, mem_type, space, space, t->dxpl, data), "cannot write /analysis %s",
               name);
    if (keep) {
        *keep = ds;
        ds = H5I_INVALID_HID;
    }
cleanup:
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

int results_table_create(ResultsFile *f, const char *name, ResultsTable **out)
{
    int rc = 0;
    ResultsTable *t = NULL;
    char path[256];
    *out = NULL;
    IH_ALLOC(t, 1);
    t->group = t->dxpl = H5I_INVALID_HID;
    MPI_Comm_rank(f->comm, &t->rank);
    RESULTS_H5(t->dxpl = H5Pcreate(H5P_DATASET_XFER), "cannot make a transfer property list");
    RESULTS_H5(H5Pset_dxpl_mpio(t->dxpl, H5FD_MPIO_COLLECTIVE), "cannot set collective transfer");
    snprintf(path, sizeof path, "analysis/%s", name);
    RESULTS_H5(t->group = H5Gcreate2(f->file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "cannot create group /%s", path);
    *out = t;
    t = NULL;
cleanup:
    results_table_close(&t);
    return rc;
}

int results_table_add_dim(ResultsTable *t, const char *dim, int n)
{
    int rc = 0;
    int *idx = NULL;
    if (t->n_dims == TABLE_MAX_DIMS || strlen(dim) >= sizeof t->dim_names[0] || n < 0)
        IH_FAIL(IH_EINTERNAL, "analysis table: cannot add dimension %s", dim);
    IH_ALLOC(idx, n > 0 ? n : 1);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    hsize_t size = (hsize_t)n;
    hid_t scale = H5I_INVALID_HID;
    IH_TRY(put(t, dim, H5T_STD_I32LE, H5T_NATIVE_INT, 1, &size, NULL, idx, &scale));
    t->scales[t->n_dims] = scale;
    RESULTS_H5(H5DSset_scale(scale, dim), "cannot make %s a dimension scale", dim);
    snprintf(t->dim_names[t->n_dims], sizeof t->dim_names[0], "%s", dim);
    t->dim_sizes[t->n_dims++] = size;
cleanup:
    free(idx);
    return rc;
}

/* The scales and sizes of the named dims. */
static int find_dims(const ResultsTable *t, int ndims, const char *const *dims, hsize_t *sizes,
                     hid_t *scales)
{
    int rc = 0;
    if (ndims < 1 || ndims > 4)
        IH_FAIL(IH_EINTERNAL, "analysis table: %d dimensions", ndims);
    for (int i = 0; i < ndims; i++) {
        int k = 0;
        while (k < t->n_dims && strcmp(t->dim_names[k], dims[i]) != 0)
            k++;
        if (k == t->n_dims)
            IH_FAIL(IH_EINTERNAL, "analysis table: no dimension %s", dims[i]);
        sizes[i] = t->dim_sizes[k];
        scales[i] = t->scales[k];
    }
cleanup:
    return rc;
}

static int put_units(ResultsTable *t, const char *name, const char *units)
{
    int rc = 0;
    hid_t ds = H5I_INVALID_HID;
    if (!units || !units[0])
        return 0;
    RESULTS_H5(ds = H5Dopen2(t->group, name, H5P_DEFAULT), "cannot open /analysis %s", name);
    IH_TRY(results__attr_write_string(ds, "units", units));
cleanup:
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

int results_table_write_f64(ResultsTable *t, const char *name, int ndims, const char *const *dims,
                            const double *data, const char *units)
{
    int rc = 0;
    hsize_t sizes[4];
    hid_t scales[4];
    IH_TRY(find_dims(t, ndims, dims, sizes, scales));
    IH_TRY(put(t, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ndims, sizes, scales, data, NULL));
    IH_TRY(put_units(t, name, units));
cleanup:
    return rc;
}

int results_table_write_i32(ResultsTable *t, const char *name, const char *dim, const int *data,
                            const char *units)
{
    int rc = 0;
    hsize_t size;
    hid_t scale;
    IH_TRY(find_dims(t, 1, &dim, &size, &scale));
    IH_TRY(put(t, name, H5T_STD_I32LE, H5T_NATIVE_INT, 1, &size, &scale, data, NULL));
    IH_TRY(put_units(t, name, units));
cleanup:
    return rc;
}

/* Fixed-length NUL-terminated strings (parallel HDF5 cannot write variable-length ones). */
int results_table_write_strings(ResultsTable *t, const char *name, const char *dim,
                                const char *const *values)
{
    int rc = 0;
    hid_t type = H5I_INVALID_HID, scale;
    char *buf = NULL;
    hsize_t n;
    size_t width = 1;
    IH_TRY(find_dims(t, 1, &dim, &n, &scale));
    for (hsize_t i = 0; i < n; i++) {
        size_t len = strlen(values[i]) + 1;
        width = len > width ? len : width;
    }
    IH_ALLOC(buf, (size_t)(n > 0 ? n : 1) * width);
    for (hsize_t i = 0; i < n; i++)
        memcpy(buf + (size_t)i * width, values[i], strlen(values[i]) + 1);
    RESULTS_H5(type = H5Tcopy(H5T_C_S1), "cannot make a string type");
    RESULTS_H5(H5Tset_size(type, width), "cannot make a string type");
    RESULTS_H5(H5Tset_strpad(type, H5T_STR_NULLTERM), "cannot make a string type");
    IH_TRY(put(t, name, type, type, 1, &n, &scale, buf, NULL));
cleanup:
    if (type >= 0)
        H5Tclose(type);
    free(buf);
    return rc;
}

int results_table_attr_i32(ResultsTable *t, const char *name, int value)
{
    return results_attr_write(t->group, name, H5T_STD_I32LE, H5T_NATIVE_INT, &value);
}

int results_table_attr_f64(ResultsTable *t, const char *name, double value)
{
    return results_attr_write(t->group, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

int results_table_attr_string(ResultsTable *t, const char *name, const char *value)
{
    return results__attr_write_string(t->group, name, value);
}

int results_table_close(ResultsTable **t)
{
    if (!t || !*t)
        return 0;
    ResultsTable *x = *t;
    for (int i = 0; i < x->n_dims; i++)
        H5Dclose(x->scales[i]);
    if (x->group >= 0)
        H5Gclose(x->group);
    if (x->dxpl >= 0)
        H5Pclose(x->dxpl);
    free(x);
    *t = NULL;
    return 0;
}
