/* Attributes: the public scalar writer (results_attr_write) and the results file's string
 * attributes (variable-length UTF-8, scalar or 1-D), which h5py reads as str and xarray as
 * attributes. Writers are collective in a file open on several ranks (every rank writes the same
 * value, which parallel HDF5 supports for attributes); readers are local. Nothing else.
 */
#include "io/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<object path> in <file name>" of obj, for messages ("?" where HDF5 cannot tell). */
static void object_name(hid_t obj, char *buf, size_t size)
{
    char path[256], file[512];
    if (H5Iget_name(obj, path, sizeof path) <= 0)
        snprintf(path, sizeof path, "?");
    if (H5Fget_name(obj, file, sizeof file) <= 0)
        snprintf(file, sizeof file, "?");
    snprintf(buf, size, "%s in %s", path, file);
}

int results_attr_write(hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                       const void *value)
{
    int rc = 0;
    char where[800];
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    if ((space = H5Screate(H5S_SCALAR)) < 0 ||
        (attr = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, mem_type, value) < 0) {
        object_name(obj, where, sizeof where);
        IH_FAIL(IH_EHDF5, "cannot write attribute %s of %s", name, where);
    }
cleanup:
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

hid_t results__vlen_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static int attr_write(hid_t obj, const char *name, hid_t space, const void *buf)
{
    int rc = 0;
    hid_t type = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    RESULTS_H5(type = results__vlen_string_type(), "results: cannot make a string type");
    RESULTS_H5(attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT),
               "results: cannot create attribute %s", name);
    RESULTS_H5(H5Awrite(attr, type, buf), "results: cannot write attribute %s", name);
cleanup:
    if (attr >= 0)
        H5Aclose(attr);
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

int results__attr_write_string(hid_t obj, const char *name, const char *value)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID;
    const char *v = value ? value : "";
    RESULTS_H5(space = H5Screate(H5S_SCALAR), "results: cannot make a dataspace");
    IH_TRY(attr_write(obj, name, space, &v));
cleanup:
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

int results__attr_write_strings(hid_t obj, const char *name, char *const *values, int n)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID;
    hsize_t dim = (hsize_t)n;
    RESULTS_H5(space = H5Screate_simple(1, &dim, NULL), "results: cannot make a dataspace");
    IH_TRY(attr_write(obj, name, space, values));
cleanup:
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Opens attribute name of obj and checks it holds strings; *n_out = its element count. */
static int attr_open(hid_t obj, const char *name, hid_t *attr, hid_t *space, int *n_out)
{
    int rc = 0;
    hid_t ftype = H5I_INVALID_HID;
    hssize_t n = 0;
    RESULTS_H5(*attr = H5Aopen(obj, name, H5P_DEFAULT), "results: no attribute %s", name);
    RESULTS_H5(ftype = H5Aget_type(*attr), "results: cannot get the type of attribute %s", name);
    if (H5Tget_class(ftype) != H5T_STRING)
        IH_FAIL(IH_EHDF5, "results: attribute %s is not a string", name);
    RESULTS_H5(*space = H5Aget_space(*attr), "results: cannot get attribute %s's space", name);
    RESULTS_H5(n = H5Sget_simple_extent_npoints(*space), "results: bad attribute %s", name);
    if (n > (1 << 20))
        IH_FAIL(IH_EDATA, "results: attribute %s claims %lld strings (a damaged file?)", name,
                (long long)n);
    *n_out = (int)n;
cleanup:
    if (ftype >= 0)
        H5Tclose(ftype);
    return rc;
}

int results__attr_read_strings(hid_t obj, const char *name, char ***out, int *n_out)
{
    int rc = 0, n = 0, read = 0;
    hid_t attr = H5I_INVALID_HID, space = H5I_INVALID_HID, type = H5I_INVALID_HID;
    char **raw = NULL, **copy = NULL;
    *out = NULL;
    *n_out = 0;
    IH_TRY(attr_open(obj, name, &attr, &space, &n));
    RESULTS_H5(type = results__vlen_string_type(), "results: cannot make a string type");
    IH_ALLOC(raw, n);
    IH_ALLOC(copy, n);
    RESULTS_H5(H5Aread(attr, type, raw), "results: cannot read attribute %s", name);
    read = 1;
    for (int i = 0; i < n; i++) {
        const char *s = raw[i] ? raw[i] : "";
        IH_ALLOC(copy[i], strlen(s) + 1);
        memcpy(copy[i], s, strlen(s) + 1);
    }
    *out = copy;
    *n_out = n;
    copy = NULL;
cleanup:
    if (read)
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw);
    if (copy)
        for (int i = 0; i < n; i++)
            free(copy[i]);
    free(copy);
    free(raw);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (attr >= 0)
        H5Aclose(attr);
    return rc;
}

int results__attr_read_string(hid_t obj, const char *name, char **out)
{
    int rc = 0, n = 0;
    char **values = NULL;
    *out = NULL;
    IH_TRY(results__attr_read_strings(obj, name, &values, &n));
    if (n != 1)
        IH_FAIL(IH_EHDF5, "results: attribute %s holds %d strings, expected 1", name, n);
    *out = values[0];
    values[0] = NULL;
cleanup:
    for (int i = 0; i < n; i++)
        free(values[i]);
    free(values);
    return rc;
}
