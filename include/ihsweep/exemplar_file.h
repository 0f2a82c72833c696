/* Exemplar vectors from an HDF5 file (the "hdf5" source type, e.g. the paper's Omniglot ResNet
 * features [1623, 5, 512]): the io layer's DataFileReader, passed to data_create/train_run by
 * the commands. Serial HDF5 access; MPI need not be initialised.
 */
#ifndef IHSWEEP_EXEMPLAR_FILE_H
#define IHSWEEP_EXEMPLAR_FILE_H

#include "ihsweep/data.h"

/* Reads cfg->path:cfg->dataset into s, only the classes with needed[c] (NULL: all); the
 * DataFileReader contract of data.h. Local. */
int exemplar_file_read(const DataSourceConfig *cfg, int n_classes, int n_exemplars,
                       const unsigned char *needed, const char *path, DataSource *s);

#endif
