/* results_table_file_write: a tidy table (one value per row and column) as a small netCDF-4 file,
 * HDF5 with the conventions netCDF-4 readers need: one dimension scale, one 1-D variable per
 * column attached to it, _FillValue and CF attributes (the string attributes of results_attr.c). It
 * serves `ihsweep export --format nc`; it knows nothing of which columns an export has.
 */
#include "io/internal.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Creates and writes the variable of column c (n rows) in file; returns it open in *out. A
 * coordinate (the dimension's own variable) gets no _FillValue: it has no missing values. */
static int write_column(hid_t file, const ResultsColumn *c, int n, int coordinate, hid_t *out)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, type = H5I_INVALID_HID;
    const char **strings = NULL;
    hsize_t size = (hsize_t)n;
    const double nan = NAN;
    const char *empty = "";
    *out = H5I_INVALID_HID;
    RESULTS_H5(space = H5Screate_simple(1, &size, NULL), "export: cannot make a dataspace");
    RESULTS_H5(dcpl = H5Pcreate(H5P_DATASET_CREATE), "export: cannot make a property list");
    if (c->type == RESULTS_COLUMN_STRING) {
        RESULTS_H5(type = results__vlen_string_type(), "export: cannot make a string type");
        RESULTS_H5(H5Pset_fill_value(dcpl, type, &empty), "export: cannot set %s's fill", c->name);
    } else if (c->type == RESULTS_COLUMN_I64) {
        RESULTS_H5(type = H5Tcopy(H5T_STD_I64LE), "export: cannot copy a type");
        RESULTS_H5(H5Pset_fill_value(dcpl, H5T_NATIVE_LLONG, &c->fill_i64),
                   "export: cannot set %s's fill", c->name);
    } else {
        RESULTS_H5(type = H5Tcopy(H5T_IEEE_F64LE), "export: cannot copy a type");
        RESULTS_H5(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan), "export: cannot set %s's fill",
                   c->name);
    }
    RESULTS_H5(*out = H5Dcreate2(file, c->name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
               "export: cannot create variable %s", c->name);
    if (n > 0) {
        if (c->type == RESULTS_COLUMN_STRING) {
            IH_ALLOC(strings, n);
            for (int i = 0; i < n; i++)
                strings[i] = c->str[i] ? c->str[i] : "";
            RESULTS_H5(H5Dwrite(*out, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, strings),
                       "export: cannot write %s", c->name);
        } else {
            hid_t mem = c->type == RESULTS_COLUMN_I64 ? H5T_NATIVE_LLONG : H5T_NATIVE_DOUBLE;
            const void *data =
                c->type == RESULTS_COLUMN_I64 ? (const void *)c->i64 : (const void *)c->f64;
            RESULTS_H5(H5Dwrite(*out, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                       "export: cannot write %s", c->name);
        }
    }
    if (!coordinate && c->type == RESULTS_COLUMN_STRING)
        IH_TRY(results__attr_write_string(*out, "_FillValue", ""));
    else if (!coordinate && c->type == RESULTS_COLUMN_I64)
        IH_TRY(
            results_attr_write(*out, "_FillValue", H5T_STD_I64LE, H5T_NATIVE_LLONG, &c->fill_i64));
    else if (!coordinate)
        IH_TRY(results_attr_write(*out, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan));
    const char *const attrs[3][2] = {
        {"long_name", c->long_name}, {"units", c->units}, {"description", c->description}};
    for (int a = 0; a < 3; a++)
        if (attrs[a][1])
            IH_TRY(results__attr_write_string(*out, attrs[a][0], attrs[a][1]));
cleanup:
    free(strings);
    if (type >= 0)
        H5Tclose(type);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    if (rc != 0 && *out >= 0) {
        H5Dclose(*out);
        *out = H5I_INVALID_HID;
    }
    return rc;
}

int results_table_file_write(const char *path, const char *dim, int n_rows,
                             const ResultsColumn *cols, int n_cols, const char *title)
{
    int rc = 0;
    hid_t file = H5I_INVALID_HID, fcpl = H5I_INVALID_HID, scale = H5I_INVALID_HID;
    hid_t *vars = NULL;
    long long *index = NULL;
    int scale_col = -1;
    IH_ALLOC(vars, n_cols > 0 ? n_cols : 1);
    for (int k = 0; k < n_cols; k++) {
        vars[k] = H5I_INVALID_HID;
        if (strcmp(cols[k].name, dim) == 0)
            scale_col = k;
    }
    /* netCDF-4 lists variables in creation order when the file tracks it */
    RESULTS_H5(fcpl = H5Pcreate(H5P_FILE_CREATE), "export: cannot make a property list");
    RESULTS_H5(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
               "export: cannot track creation order");
    RESULTS_H5(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
               "export: cannot track creation order");
    file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    if (file < 0)
        IH_FAIL(IH_EIO, "cannot create %s", path);
    if (scale_col < 0) { /* the row index as the dimension */
        IH_ALLOC(index, n_rows > 0 ? n_rows : 1);
        for (int i = 0; i < n_rows; i++)
            index[i] = i;
        const ResultsColumn c = {.name = dim,
                                 .type = RESULTS_COLUMN_I64,
                                 .i64 = index,
                                 .fill_i64 = -1,
                                 .long_name = "row",
                                 .units = "1",
                                 .description = "row of the table"};
        IH_TRY(write_column(file, &c, n_rows, 1, &scale));
    }
    for (int k = 0; k < n_cols; k++) {
        IH_TRY(write_column(file, &cols[k], n_rows, k == scale_col, &vars[k]));
        if (k == scale_col)
            scale = vars[k];
    }
    RESULTS_H5(H5DSset_scale(scale, dim), "export: cannot make %s a dimension", dim);
    for (int k = 0; k < n_cols; k++)
        if (k != scale_col)
            RESULTS_H5(H5DSattach_scale(vars[k], scale, 0), "export: cannot attach %s to %s", dim,
                       cols[k].name);
    IH_TRY(results__attr_write_string(file, "Conventions", "CF-1.8"));
    IH_TRY(results__attr_write_string(file, "title", title));
cleanup:
    for (int k = 0; vars && k < n_cols; k++)
        if (vars[k] >= 0)
            H5Dclose(vars[k]);
    if (scale_col < 0 && scale >= 0)
        H5Dclose(scale);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (file >= 0 && H5Fclose(file) < 0 && rc == 0) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EHDF5, "cannot close %s", path);
        rc = IH_EHDF5;
    }
    free(vars);
    free(index);
    return rc;
}
