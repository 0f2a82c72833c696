/* The file exemplar source (DataFileReader of data.h): one rank-3 float32 dataset [C, E, D] (the
 * authors' file holds [1623, 5, 512] at resnet18/224/feat) read whole with the default (serial)
 * file access. HDF5's automatic error printing is off during the calls and restored after; every
 * return is checked and errors name the file and the dataset.
 */
#include "ihsweep/exemplar_file.h"

#include "ihsweep/error.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int exemplar_file_read(const DataSourceConfig *cfg, int n_classes, int n_exemplars,
                       const unsigned char *needed, const char *path, DataSource *out)
{
    int rc = 0;
    hid_t file = -1, dset = -1, type = -1, space = -1, mem = -1;
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    int restore = H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const char *fname = cfg->path, *dname = cfg->dataset;

    if (access(fname, R_OK) != 0)
        IH_FAIL(errno == ENOENT ? IH_ENOENT : IH_EIO, "%s.path: cannot read %s: %s", path, fname,
                strerror(errno));
    if (H5Fis_hdf5(fname) <= 0)
        IH_FAIL(IH_EDATA, "%s.path: %s is not an HDF5 file", path, fname);
    file = H5Fopen(fname, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        IH_FAIL(IH_EHDF5, "%s.path: cannot open HDF5 file %s", path, fname);
    dset = H5Dopen2(file, dname, H5P_DEFAULT);
    if (dset < 0)
        IH_FAIL(IH_ENOENT, "%s.dataset: %s has no dataset \"%s\"", path, fname, dname);
    type = H5Dget_type(dset);
    if (type < 0)
        IH_FAIL(IH_EHDF5, "%s.dataset: %s:%s: cannot read the datatype", path, fname, dname);
    if (H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 4)
        IH_FAIL(IH_EDATA, "%s.dataset: %s:%s is not float32 (class %d, %zu bytes)", path, fname,
                dname, (int)H5Tget_class(type), H5Tget_size(type));
    space = H5Dget_space(dset);
    if (space < 0)
        IH_FAIL(IH_EHDF5, "%s.dataset: %s:%s: cannot read the dataspace", path, fname, dname);
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank != 3)
        IH_FAIL(IH_EDATA, "%s.dataset: %s:%s has rank %d; expected [classes, exemplars, dim]", path,
                fname, dname, rank);
    hsize_t dims[3];
    if (H5Sget_simple_extent_dims(space, dims, NULL) != 3)
        IH_FAIL(IH_EHDF5, "%s.dataset: %s:%s: cannot read the shape", path, fname, dname);
    if (dims[0] < 1 || dims[1] < 1 || dims[2] < 1 || dims[0] > 10000000 || dims[1] > 100000 ||
        dims[2] > 65536 || dims[0] * dims[1] * dims[2] > ((hsize_t)1 << 32))
        IH_FAIL(IH_EDATA, "%s.dataset: %s:%s has an unsupported shape [%llu, %llu, %llu]", path,
                fname, dname, (unsigned long long)dims[0], (unsigned long long)dims[1],
                (unsigned long long)dims[2]);
    if (n_classes > 0 && dims[0] != (hsize_t)n_classes)
        IH_FAIL(IH_EDATA,
                "%s.dataset: %s:%s has shape [%llu, %llu, %llu], but n_classes_total is %d", path,
                fname, dname, (unsigned long long)dims[0], (unsigned long long)dims[1],
                (unsigned long long)dims[2], n_classes);
    if (n_exemplars > 0 && dims[1] != (hsize_t)n_exemplars)
        IH_FAIL(IH_EDATA, "%s.dataset: %s:%s has shape [%llu, %llu, %llu], but n_exemplars is %d",
                path, fname, dname, (unsigned long long)dims[0], (unsigned long long)dims[1],
                (unsigned long long)dims[2], n_exemplars);
    out->n_classes = (int)dims[0];
    out->n_exemplars = (int)dims[1];
    out->dim = (int)dims[2];
    IH_TRY(data_source_select(out, needed));
    const size_t block = (size_t)(dims[1] * dims[2]), n = (size_t)out->n_loaded * block;
    IH_ALLOC(out->x, n);
    if (!needed) {
        if (H5Dread(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->x) < 0)
            IH_FAIL(IH_EHDF5, "%s.dataset: %s:%s: read failed", path, fname, dname);
    } else {
        /* only the needed classes, one [1, E, D] hyperslab each */
        hsize_t count[3] = {1, dims[1], dims[2]};
        mem = H5Screate_simple(3, count, NULL);
        if (mem < 0)
            IH_FAIL(IH_EHDF5, "%s.dataset: cannot make a dataspace", path);
        for (int c = 0; c < out->n_classes; c++) {
            if (out->class_row[c] < 0)
                continue;
            hsize_t start[3] = {(hsize_t)c, 0, 0};
            if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                H5Dread(dset, H5T_NATIVE_FLOAT, mem, space, H5P_DEFAULT,
                        out->x + (size_t)out->class_row[c] * block) < 0)
                IH_FAIL(IH_EHDF5, "%s.dataset: %s:%s: reading class %d failed", path, fname, dname,
                        c);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(out->x[i]))
            IH_FAIL(IH_EDATA,
                    "%s.dataset: %s:%s holds a non-finite value at flat index %zu of the "
                    "loaded classes",
                    path, fname, dname, i);
cleanup:
    if (mem >= 0)
        H5Sclose(mem);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (dset >= 0)
        H5Dclose(dset);
    if (file >= 0)
        H5Fclose(file);
    if (restore)
        H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return rc;
}
