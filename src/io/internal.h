/* Internals shared by the results_*.c files: the ResultsFile handle, the table of row datasets
 * (written once, it drives creation, opening, writing and reading of a row) and small HDF5
 * helpers. Not a public interface.
 */
#ifndef IHSWEEP_IO_INTERNAL_H
#define IHSWEEP_IO_INTERNAL_H

#include "ihsweep/mpi_agree.h"
#include "ihsweep/results.h"

#include <stddef.h>

/* Element types: in the file (little-endian, fixed size) or in memory (the RunResult field). */
typedef enum {
    RESULTS__I8 = 0,
    RESULTS__I32,
    RESULTS__I64,
    RESULTS__U64,
    RESULTS__F32,
    RESULTS__F64,
    RESULTS__INT /* memory only: C int (RunResult's int fields) */
} ResultsType;

/* One payload dataset of a row, other than the per-evaluator metric curves and the two markers
 * (checksum, status), which have their own code. */
typedef struct {
    const char *path;      /* relative to the root, e.g. "curves/train_loss" */
    int since;             /* first schema version with the dataset */
    ResultsType file_type; /* element type in the file */
    ResultsType mem_type;  /* element type of the RunResult field */
    RunResultShape shape;
    double fill;   /* fill value of unwritten rows (converted to mem_type) */
    size_t offset; /* offsetof the RunResult field */
    int is_array;  /* 1: the field points to the row's array; 0: the field is the value */
    const char *units, *description;
} ResultsRowField;

#define RESULTS__COUNT_(...) +1
/* Row datasets: every field of result.h's tables but the metric curves. */
enum {
    RESULTS__N_ROW = 0 RUN_RESULT_EVAL_AXIS(RESULTS__COUNT_) RUN_RESULT_CURVES(RESULTS__COUNT_)
        RUN_RESULT_POSTHOC(RESULTS__COUNT_) RUN_RESULT_TIMING(RESULTS__COUNT_)
            RUN_RESULT_VALUES(RESULTS__COUNT_) RUN_RESULT_UNCHECKED(RESULTS__COUNT_)
};

/* The row datasets in write order. */
extern const ResultsRowField results__row_fields[RESULTS__N_ROW];

/* Dimension scale names in the root group, indexed by ResultsDim. */
typedef enum {
    RESULTS__DIM_RUN = 0,
    RESULTS__DIM_EVAL,
    RESULTS__DIM_HEAD,
    RESULTS__DIM_PROBE,
    RESULTS__DIM_LABEL,
    RESULTS__DIM_SRC_HEAD, /* first-layer head of a composition score */
    RESULTS__N_DIMS
} ResultsDim;

extern const char *const results__dim_names[RESULTS__N_DIMS];

/* Longest short parameter name + 1 (results_names.c). */
enum { RESULTS__NAME_MAX = 64 };

struct ResultsFile {
    MPI_Comm comm; /* duplicate of the communicator the file was created/opened on */
    int rank;
    int writable;
    int schema_version;   /* of the file (RESULT_SCHEMA_VERSION for a new one) */
    ResultsLayout layout; /* owned deep copy */
    hid_t file;
    hid_t row[RESULTS__N_ROW]; /* payload datasets in table order (probe_logits -1 if absent) */
    hid_t *metric;             /* [n_evaluators][METRIC_COUNT] curves/<evaluator>/<metric> */
    hid_t checksum, status;    /* row markers, written after the payload */
    hid_t id, stage, hash, condition, config; /* per-run metadata */
    hid_t resolved;        /* runs/resolved_config (schema 2; -1 in older files) */
    hid_t selected;        /* runs/selected (schema 2; -1 in older files) */
    size_t resolved_width; /* its fixed string size, NUL included */
    hid_t *param;                             /* [n_params] runs/<param> */
    char (*param_short)[RESULTS__NAME_MAX];   /* [n_params] short names (results_names.c) */
};

/* Allocates an empty ResultsFile (empty layout, every id -1) holding a duplicate of comm.
 * Collective on comm (MPI_Comm_dup; an allocation failure is agreed on). */
int results__file_alloc(MPI_Comm comm, int writable, ResultsFile **out);

/* Allocates the metric and parameter id arrays (all -1) and the parameters' short names once
 * f->layout is set. Local. */
int results__file_ids_alloc(ResultsFile *f);

/* Closes every open dataset and the file, frees the handle. Collective when the file is open.
 * Returns IH_EHDF5 if a close failed (the handle is freed anyway). */
int results__file_free(ResultsFile *f);

/* Closes a file that is being abandoned after an error (the caller removes it): rank 0 passes
 * its path, which is truncated first so that closing cannot fail for lack of space, the others
 * NULL. Keeps the current error record. Collective on comm. */
void results__close_doomed(MPI_Comm comm, ResultsFile **f, const char *path);

/* The HDF5 type of t (a predefined type: do not close it). */
hid_t results__h5_type(ResultsType t, int in_file);

/* Writes *value (a double) converted to type t into buf (at least 8 bytes). Local. */
void results__value_as(ResultsType t, double value, void *buf);

/* The dims of one row of shape s (dims[0] = 1, at most 4 axes); returns the rank. Local. */
int results__row_dims(const ResultsLayout *l, RunResultShape s, hsize_t *dims);

/* Reads or writes rows [run, run + n_rows) of dataset ds of the given shape from/to buf with the
 * memory type mem. Independent. Errors: IH_EHDF5. */
int results__rows_io(const ResultsFile *f, hid_t ds, RunResultShape s, int run, int n_rows,
                     hid_t mem, void *buf, int write);

/* Scalar string attribute of object obj (variable-length UTF-8). Writing is collective (all
 * ranks write the same value); reading returns an owned malloc'ed copy. */
int results__attr_write_string(hid_t obj, const char *name, const char *value);
int results__attr_read_string(hid_t obj, const char *name, char **out);

/* The variable-length UTF-8 string type (owned: H5Tclose it); negative on failure. */
hid_t results__vlen_string_type(void);

/* String-array attribute [n] (variable-length UTF-8). Write: collective; n >= 1.
 * Read: *out owned array of owned strings, *n its length. */
int results__attr_write_strings(hid_t obj, const char *name, char *const *values, int n);
int results__attr_read_strings(hid_t obj, const char *name, char ***out, int *n);

/* The short names of l's parameters (schema 2: their datasets and coordinates), into
 * names[n_params]: the paper's symbol for fields it sweeps ("K" for data.class_split[0], "L",
 * "B", "seed" for init_seed), else the last path segment ("class_split_1"), else the whole path
 * made an identifier, else "param_<p>"; never a name already used in a group. Local. */
void results__param_short_names(const ResultsLayout *l, char (*names)[RESULTS__NAME_MAX]);

/* A hash of every field of a checked layout (to check ranks agree). Local. */
uint64_t results__layout_fingerprint(const ResultsLayout *l);

/* The address of a RunResult field's data (the array for is_array fields). */
void *results__field_ptr(const ResultsRowField *field, const RunResult *r);

#endif
