/* The one results file of a sweep: parallel HDF5 (MPI-IO driver), one row per run.
 *
 * The file is created collectively with every dataset at its final shape (early allocation, fill
 * values, contiguous storage, no filters) and flushed once; after that, ranks only write raw data
 * into the rows of the runs they own, so a process killed at any point leaves a readable file.
 * A row counts as complete only when its checksum and then its status were written after its
 * payload; resume re-verifies done rows (results_verify_run) and resets torn ones.
 * This module does not schedule runs, decide what to resume, or analyse anything.
 *
 * ---- Schema (schema_version 3; what differs from 1 is marked [2] or [3]; files of schemas 1
 *      and 2 still open and verify, but `ihsweep run --resume` refuses them, see [3]) ---------
 * Dimensions (HDF5 dimension scales, H5DS, in the root group so that h5py and xarray with
 * engine="h5netcdf" see named dimensions in every group; netCDF looks a dimension up in the
 * variable's group and its ancestors only):
 *   /run   int32 [run]    run ids 0..n_runs-1 (the run id is the row)
 *   /eval  int32 [eval]   0..max_evals-1 (eval slot; the sequences seen are in curves/eval_seq)
 *   /head  int32 [head]   0..n_heads-1
 *   /label int32 [label]  0..n_labels-1
 *   /probe int32 [probe]  0..n_probe-1 (absent when n_probe == 0)
 *   /src_head int32 [src_head] 0..n_heads-1 (first-layer head of a composition score)
 * Every dataset below has each of its axes attached to the scale of that name.
 * [2] Readers' attributes and coordinates (CF conventions, root attribute Conventions "CF-1.8"):
 *   every dataset has long_name, units ("sequences", "nats", "s", "1") and description (row
 *   fields: from result.h's tables), row payload datasets a _FillValue equal to their fill value
 *   and a `coordinates` attribute ("condition stage <params>", plus "seq" with an eval axis);
 *   /runs/status has flag_values [0 1 2 3] and flag_meanings; every group (runs, curves,
 *   curves/<evaluator>, summary, posthoc) holds an int32 index variable named after each
 *   dimension it uses (attached to the root scale) and hard links to /runs/condition,
 *   /runs/stage, each /runs/<param> and, with an eval axis, "seq" -> /curves/eval_seq; so xarray
 *   (engine="h5netcdf") labels every group and ncdump reads the file.
 * Per-run metadata, written when the file is created:
 *   /runs/id int32, /runs/stage int32, /runs/hash uint64                           [run]
 *   /runs/condition, /runs/config  fixed-length NUL-terminated strings (longest + 1) [run],
 *       [2] UTF-8 with attribute _Encoding "utf-8" (xarray decodes them to str); config is the
 *       run's config as planned (symbolic heads unbound). [3] config is the canonical JSON of
 *       run_config_write (every field, defaults filled in, the parser's key order) and hash is
 *       run_config_text_hash of it; [1,2] config was the sweep's merged JSON and hash covered
 *       the config struct's bytes, so a schema-3 plan cannot recognise their runs (resume
 *       refuses them with that reason)
 *   [2] /runs/selected int8 [run] (1): the runs the latest `ihsweep run` selected (--runs,
 *       --shard; results_write_selection), so that status leaves the others out
 *   [2] /runs/resolved_config fixed-length UTF-8 string [run]: the config the run trained with
 *       (initially the planned one; rewritten with its bound heads before the row by
 *       results_write_resolved_config); room for "rest_ih" expanded to every head. [3] "" unless
 *       the run bound heads from a source run (then the canonical config with those heads):
 *       the planned config is stored once, in /runs/config
 *   /runs/<param> [run], one per swept parameter: [1] float64 named by its dotted JSON path
 *       ("data.n_train_classes"); [2] named by its short name (results_param_name: "K", "seed",
 *       "n_train_classes"), int64 when every value is an integer (else float64), with the
 *       dotted path in its attribute `field`; a parameter may not take the name of another
 *       /runs dataset (results_layout_check).
 * Per-run payload, written by the rank that ran it (fill value of unwritten rows in brackets):
 *   /runs/status int8 [run] (0): 0 pending, 1 done, 2 diverged, 3 failed (RunStatus)
 *   /runs/checksum uint64 [run] (0): results_row_checksum of the row (from schema 2 it also
 *       covers the row's /runs/config text)
 *   /runs/diverged_seq int64 (-1), /runs/strongest_ih int32 (-1), /runs/pt_head int32 (-1),
 *   /runs/wall_seconds float64 (NaN)                                                [run]
 *   /curves/eval_seq int64 [run, eval] (-1): sequences seen at each eval; -1 past n_evals
 *   /curves/<evaluator>/<metric> float32 [run, eval] (NaN), metric = metric_name(m)
 *   /curves/train_loss, /curves/grad_norm float32 [run, eval] (NaN)
 *   /curves/induction_strength, /curves/prev_token_score float32 [run, eval, head] (NaN)
 *   /curves/probe_logits float32 [run, eval, probe, label] (NaN) (absent when n_probe == 0)
 *   /summary/t_star, /summary/t_09, /summary/t_05, /summary/t_steepest float64 [run] (NaN)
 *   /summary/crossed int8 [run] (-1), /summary/t_censor float64 [run] (NaN; schema 2)
 *       Censoring: a run that never crossed 0.4 ln 2 has crossed 0 and t_star NaN (t_steepest
 *       NaN too), and t_censor = its last usable eval: its t* is only known to exceed t_censor
 *       (right-censored). Schema 1 files stored the last eval in t_star for such runs and have
 *       no t_censor: readers tell the two apart by crossed, never by t_star alone.
 *   /curves/loss_no_l0_direct, /curves/loss_no_last_layer float32 [run, eval] (NaN): dense-set
 *       loss without the first layer's direct path / without the last layer (design 4.6)
 *   /curves/loss_pt_attn_clamp, /curves/loss_match_clamp float32 [run, eval] (NaN): dense-set
 *       loss under the clamp-based progress measures of design 4.7 (runs with clamp_progress)
 *   /posthoc/only_head_acc, only_head_loss, remove_head_acc, remove_head_loss float32
 *       [run, head] (NaN): the final model with only / without last-layer head h (design 4.5)
 *   /posthoc/wiring_{remove,only}_{pp,pv}_acc float32 [run, src_head, head] (NaN): dense-set
 *       accuracy with only last-layer head `head` active and first-layer head `src_head` removed
 *       / kept alone, later patterns (pp) or values (pv) preserved (Fig 11; posthoc_wiring runs)
 *   /posthoc/composition_q, composition_k, composition_v float32 [run, src_head, head] (NaN):
 *       composition scores from first-layer head src_head into last-layer head (design 4.5)
 * Root attributes (variable-length UTF-8 strings unless noted):
 *   schema_version (int32, 2; 1 for files of earlier versions, which still open; written last at
 * creation: a file without it is incomplete), ihsweep_version, git_hash, library_versions,
 * sweep_text, slurm_job_ids (may be ""), evaluator_names (string array, the order of RunResult's
 * evaluators), param_names (string array, the order of ResultsLayout.param_values; absent if no
 * params), param_labels (string array like param_names: the short name of the axis a parameter
 * belongs to ("K") on the axis' first parameter, "" on parameters that move with it, "seed" on the
 *       seed; absent in files written before labels existed).
 * A row's number of evals is not stored: it is the count of leading eval_seq entries >= 0.
 * ---------------------------------------------------------------------------------------------
 */
#ifndef IHSWEEP_RESULTS_H
#define IHSWEEP_RESULTS_H

#include "ihsweep/error.h"
#include "ihsweep/result.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

/* Writes "MPI <library version>; HDF5 <x.y.z>; BLAS <openblas config>; ISA <build -march>" into
 * buf. Local; MPI need not be initialised. */
void results_library_versions(char *buf, int size);

/* results_open's code for a file that exists but cannot be used: HDF5 cannot open it (a process
 * was killed before the file's first flush) or its creation never finished. Move it aside with
 * results_move_aside and start a new one. A code of its own (IH_EBROKEN), so that no other
 * failure (IH_EDATA, IH_ENOENT, IH_EHDF5, IH_EIO, ...) can be taken for it. */
enum { RESULTS_EBROKEN = IH_EBROKEN };

/* What a results file holds, built by the sweep engine before results_create (caller-owned
 * arrays, borrowed by results_create) or read back by results_open (owned by the ResultsFile).
 * Every rank passes an identical layout to the collective calls. */
typedef struct {
    int n_runs;             /* rows; run ids are 0..n_runs-1 */
    int max_evals;          /* capacity of the eval axis */
    int n_evaluators;       /* evaluators, e.g. "fsl_train", "fsl_val_rl", "fsl_test_class" */
    char **evaluator_names; /* [n_evaluators] no '/', unique, not a /curves dataset name */
    int n_heads;            /* heads per layer (H) */
    int n_probe;            /* probe sequences with stored logits (0: no probe_logits dataset) */
    int n_labels;           /* L */
    int n_params;           /* swept numeric parameters (may be 0) */
    char **param_names;     /* [n_params] dotted JSON paths; no '/', unique, not a /runs name */
    char **param_labels;    /* [n_params] short names (SweepPlan.param_labels) or NULL: unknown
                               (files written before labels existed) */
    double *param_values;   /* [n_runs][n_params] */
    char **conditions;      /* [n_runs] condition name of each run */
    int *stages;            /* [n_runs] stage of each run */
    uint64_t *hashes;       /* [n_runs] hash of each run's resolved config */
    char **configs;         /* [n_runs] resolved config JSON text */
    char *sweep_text;       /* the sweep file as given; NULL is stored as "" (same below) */
    char *ihsweep_version;  /* ih_version_string() */
    char *git_hash;         /* ih_git_hash() */
    char *library_versions; /* results_library_versions() */
    char *slurm_job_ids;    /* Slurm job id(s), comma-separated; "" outside Slurm */
} ResultsLayout;

typedef struct ResultsFile ResultsFile;

/* results_create flags. */
enum { RESULTS_OVERWRITE = 1 }; /* replace an existing file (default: refuse with IH_EIO) */

/* Checks that a layout is well formed (sizes, names, per-run arrays). Local.
 * Errors: IH_ECONFIG naming the offending layout field. */
int results_layout_check(const ResultsLayout *layout);

/* Compares the structure of two layouts: sizes, evaluator and parameter names, and per run the
 * condition, stage, hash, config text and parameter values (bitwise). Root strings (sweep text,
 * versions, job ids) are not compared. Local. Returns 0 if equal, IH_EDATA with the first
 * difference in the error record otherwise. */
int results_layout_compare(const ResultsLayout *a, const ResultsLayout *b);

/* Deep-copies src into *dst (which it overwrites). The copy owns every array and string; free it
 * with results_layout_free. Local. Errors: IH_ENOMEM. */
int results_layout_copy(ResultsLayout *dst, const ResultsLayout *src);

/* Frees the arrays of a layout made by results_layout_copy and zeroes it. NULL-safe. Local. */
void results_layout_free(ResultsLayout *layout);

/* Creates the results file at path with every dataset and scale of the schema at its final
 * shape, writes the per-run metadata (from rank 0), the root attributes, and flushes. Collective
 * on comm; every rank passes the same path, an identical layout (checked: a mismatch fails on all
 * ranks with IH_EINTERNAL) and the same flags. Refuses an existing file (IH_EIO) unless flags has
 * RESULTS_OVERWRITE. The layout is copied. Returns an owned *out (NULL on error).
 * Errors: IH_ECONFIG (bad layout), IH_EINTERNAL, IH_EIO, IH_EHDF5, IH_EMPI, IH_ENOMEM. */
int results_create(MPI_Comm comm, const char *path, const ResultsLayout *layout, int flags,
                   ResultsFile **out);

/* Opens an existing results file and reads its layout back; writable != 0 opens it for
 * results_write_run / results_mark_pending. Collective on comm (same arguments on every rank).
 * Returns an owned *out (NULL on error). Errors: IH_ENOENT (no such file), RESULTS_EBROKEN
 * (exists but unusable: see above), IH_EHDF5 (e.g. another schema version), IH_EMPI,
 * IH_ENOMEM. */
int results_open(MPI_Comm comm, const char *path, int writable, ResultsFile **out);

/* The file's layout. Borrowed: valid until results_close. Local. */
const ResultsLayout *results_layout(const ResultsFile *f);

/* The short name of parameter p (0 <= p < n_params) under which readers see it ("K", "seed";
 * the dataset name in files of schema 2). Borrowed: valid until results_close. Local. */
const char *results_param_name(const ResultsFile *f, int p);

/* The file's schema_version (RESULT_SCHEMA_VERSION for a file made by results_create). Local. */
int results_schema_version(const ResultsFile *f);

/* Renames a file that results_open reported as RESULTS_EBROKEN to "<path>.broken-<n>" with the
 * smallest n >= 1 not taken, and writes that name to new_path (size bytes). Never overwrites or
 * deletes anything. Local: call it from one rank only. Errors: IH_ENOENT, IH_EIO. */
int results_move_aside(const char *path, char *new_path, int size);

/* Writes run `run`'s row from r: the payload datasets first, then the checksum
 * (run_result_checksum(r)), then the status, so a row reads as complete only once everything is
 * on disk. Independent: called by the one rank that owns the run; never flushes (a flush is
 * collective) and changes no HDF5 metadata. r must have the layout's dimensions, a status other
 * than RUN_PENDING, eval_seq >= 0 exactly for its first n_evals entries, and (when n_probe == 0)
 * an untouched probe_logits buffer. Borrows r. Errors: IH_EDATA (mismatched dims or an invalid
 * r), IH_EUSAGE (file opened read-only, run out of range), IH_EHDF5. */
int results_write_run(ResultsFile *f, int run, const RunResult *r);

/* Reads run `run`'s row into r (created by run_result_create with the layout's dimensions),
 * including status; n_evals is the count of leading eval_seq entries >= 0. A pending row reads
 * as fill values. Independent. A row another rank wrote while this file is open is visible on
 * POSIX-coherent file systems (local, Lustre, GPFS); on NFS, close and reopen first or pass the
 * values by MPI. Errors: IH_EDATA (mismatched dims), IH_EUSAGE, IH_EHDF5. */
int results_read_run(ResultsFile *f, int run, RunResult *r);

/* Reads every row's status ([n_runs] RunStatus values) and, if checksum is not NULL, stored
 * checksum ([n_runs]). Caller-owned arrays. Independent. Errors: IH_EHDF5. */
int results_read_status(ResultsFile *f, int8_t *status, uint64_t *checksum);

/* The row checksum of r as run `run`'s row in f's schema (results files of older schemas keep
 * verifying): what results_write_run stores and every reader compares. From schema 2 it also
 * covers the row's stored /runs/config text. Local. */
uint64_t results_row_checksum(const ResultsFile *f, int run, const RunResult *r);

/* Sets *ok = 1 when run `run`'s row is complete: status is not pending and the checksum of the
 * re-read payload equals the stored one; *ok = 0 otherwise (pending or torn). Independent.
 * Errors: IH_EUSAGE, IH_EHDF5, IH_ENOMEM. */
int results_verify_run(ResultsFile *f, int run, int *ok);

/* Writes run `run`'s resolved config (the JSON it trains with, symbolic heads bound) into
 * /runs/resolved_config; call it before results_write_run. A text equal to the run's
 * /runs/config is stored as "" (one copy per fact). A file of schema 1 has no such dataset:
 * nothing is written. Independent. Errors: IH_EDATA (text longer than the dataset's
 * strings), IH_EUSAGE, IH_EHDF5, IH_ENOMEM. */
int results_write_resolved_config(ResultsFile *f, int run, const char *text);

/* Reads the config run `run` trained with into an owned *out (free()): its resolved config, or
 * its planned /runs/config when none is stored (schema 1, or a run that bound no heads). Independent. Errors: IH_EUSAGE, IH_EHDF5, IH_ENOMEM. */
int results_read_resolved_config(ResultsFile *f, int run, char **out);

/* Records which runs the current `ihsweep run` session selected (sel[n_runs], NULL: all) in
 * /runs/selected, so that status does not count unselected runs as pending. Independent: call
 * it from one rank. Files of schema 1: nothing is written. Errors: IH_EUSAGE, IH_EHDF5,
 * IH_ENOMEM. */
int results_write_selection(ResultsFile *f, const unsigned char *sel);

/* Reads the latest selection into sel[n_runs] (all 1 in files of schema 1). Independent.
 * Errors: IH_EHDF5, IH_ENOMEM. */
int results_read_selection(ResultsFile *f, unsigned char *sel);

/* Resets run `run` to pending (status 0, then checksum 0) so that resume runs it again; the old
 * payload stays until overwritten. Independent. Errors: IH_EUSAGE, IH_EHDF5. */
int results_mark_pending(ResultsFile *f, int run);

/* Rewrites run `run`'s stored /runs/config text (damaged on disk) with config, which must fit
 * the dataset's string width, and updates the layout's copy, so that the row's checksum can
 * verify again. Call it on every rank of the file's communicator with the same arguments; only
 * rank 0 writes (an independent raw write). Errors: IH_EUSAGE (read-only, run out of range),
 * IH_EDATA (config too long), IH_EHDF5, IH_ENOMEM. */
int results_restore_config(ResultsFile *f, int run, const char *config);

/* Flushes the file (H5Fflush, then MPI-IO sync). Collective on the file's communicator. Rows
 * are complete without it; use it where durability against node failure matters (stage ends).
 * Errors: IH_EHDF5. */
int results_flush(ResultsFile *f);

/* The HDF5 file id, for modules that add their own objects (e.g. analysis writes /analysis/...).
 * Borrowed. Creating groups, datasets or attributes is collective: every rank of the file's
 * communicator makes the same calls; flush afterwards (results_flush), since metadata changed
 * after creation makes the file unreadable if a process is killed before the next flush. */
hid_t results_file_id(const ResultsFile *f);

/* The file's communicator (a duplicate owned by the file). Borrowed. */
MPI_Comm results_comm(const ResultsFile *f);

/* Reads the whole row dataset `path` of the schema above ("summary/t_star", "curves/eval_seq",
 * "curves/<evaluator>/<metric>", "runs/status", ...; not the per-run metadata) converted to
 * mem_type into buf, which holds n_runs x the dataset's other axes in schema order (e.g.
 * [n_runs][max_evals][n_heads] for "curves/induction_strength"). Uses the datasets opened by
 * results_open. A field newer than the file's schema (e.g. "summary/t_censor" in a schema 1
 * file) reads as its fill value. Independent. Errors: IH_EUSAGE (no such row dataset in this file,
 * e.g. "curves/probe_logits" when n_probe is 0), IH_EDATA (the dataset's shape disagrees with the
 * layout), IH_EHDF5. */
int results_read_column(ResultsFile *f, const char *path, hid_t mem_type, void *buf);

/* Reads evals [e0, e0 + ne) of run `run` of a row dataset with an eval axis ([run, eval, ...],
 * e.g. "curves/probe_logits") converted to mem_type into buf ([ne][the axes after eval]).
 * Independent. Errors: IH_EUSAGE (no such dataset with an eval axis, run or evals out of range),
 * IH_EHDF5. */
int results_read_evals(ResultsFile *f, const char *path, int run, int e0, int ne, hid_t mem_type,
                       void *buf);

/* ---- HDF5 helpers for modules that add objects to HDF5 files (analysis, the toy model) ---- */

/* RESULTS_H5(expr, fmt, ...): runs an HDF5 call whose negative result means failure; on failure
 * records IH_EHDF5 with the printf-style message and jumps to cleanup (needs `int rc` and a
 * `cleanup:` label, like IH_FAIL). */
#define RESULTS_H5(expr, ...)                                                                      \
    do {                                                                                           \
        if ((expr) < 0)                                                                            \
            IH_FAIL(IH_EHDF5, __VA_ARGS__);                                                        \
    } while (0)

/* Creates the scalar attribute `name` of obj (a file, group or dataset) stored as file_type and
 * writes *value, converted from mem_type. Collective when obj's file is open on several ranks
 * (every rank writes the same value); local otherwise. Errors: IH_EHDF5 naming the attribute,
 * the object and the file. */
int results_attr_write(hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                       const void *value);

/* ---- Updating a finished file safely: copy, add, swap (results_update.c) ---- */

/* Copies the results file at path to "<path>.update-<pid>" in the same directory (its name is
 * written to tmp, tmp_size bytes) after checking that the file system has room for the copy plus
 * reserve bytes, and opens the copy writable into *out (owned). Add objects through
 * results_file_id(*out) (collectively), then call results_update_commit, or
 * results_update_discard on failure. The file at path is never written. Collective on comm.
 * Errors: IH_EIO (not enough space: naming what is needed and free; a failed copy), IH_ENOENT,
 * and results_open's. On error no copy remains. */
int results_update_open(MPI_Comm comm, const char *path, double reserve, char *tmp, int tmp_size,
                        ResultsFile **out);

/* Flushes and closes the copy (*f = NULL), syncs it and renames it over path (then syncs the
 * directory), so that path holds either the old file or the complete new one. Collective on
 * comm. On error the copy is removed and path is unchanged. Errors: IH_EHDF5, IH_EIO. */
int results_update_commit(MPI_Comm comm, ResultsFile **f, const char *tmp, const char *path);

/* Closes the copy (ignoring its errors) and removes it. NULL-safe. Collective on comm. */
void results_update_discard(MPI_Comm comm, ResultsFile **f, const char *tmp);

/* ---- The writer lock: one writer per results file (results_lock.c) ---- */
typedef struct ResultsLock ResultsLock;

/* Takes the writer lock of the results file at path: rank 0 creates "<path>.lock" atomically
 * (O_EXCL, so it works where HDF5's file locking is off) recording host, pid, Slurm job and
 * restart count, start time and `what` ("run", "analyze"); a lock whose writer is gone (its pid
 * is dead on this host, or it is an earlier incarnation of this requeued Slurm job) is replaced,
 * with a note on log (NULL: silent). Collective on comm, before any collective open of the file;
 * *out is owned on rank 0 (NULL elsewhere): release it with results_lock_release.
 * Errors (on every rank): IH_EIO naming the holder (host, pid, job, since) when another writer
 * holds it or its state cannot be checked (another host), or the lock file cannot be written. */
int results_lock_acquire(MPI_Comm comm, const char *path, const char *what, FILE *log,
                         ResultsLock **out);

/* Removes the lock file if it is still this lock's, frees it and sets *lock = NULL. NULL-safe.
 * Local. */
void results_lock_release(ResultsLock **lock);

/* Describes the writer lock of path in out (size bytes). Returns 0 when there is no lock file,
 * 1 when a writer holds it (or it cannot be checked from this host), 2 when it is stale (the
 * writer is gone: killed or crashed). Local. */
int results_lock_holder(const char *path, char *out, int size);

/* ---- Derived tables under /analysis (what `ihsweep analyze` stores) ----
 * A table is a subgroup /analysis/<name> with its own index dimensions (int32 scales 0..n-1) and
 * columns along them: h5py sees f["analysis/<name>/<column>"], xarray (engine="h5netcdf",
 * group="analysis/<name>") named dimensions. Every call is collective on the file's
 * communicator with identical arguments; rank 0's data are written. Errors: IH_EHDF5,
 * IH_ENOMEM, IH_EINTERNAL (an unknown dimension name). */
typedef struct ResultsTable ResultsTable;

/* Deletes /analysis (if any) and creates it empty. */
int results_analysis_reset(ResultsFile *f);

/* Creates /analysis/<name> (after results_analysis_reset). Returns an owned *out. */
int results_table_create(ResultsFile *f, const char *name, ResultsTable **out);

/* Adds the index dimension `dim` of n entries to the table. */
int results_table_add_dim(ResultsTable *t, const char *dim, int n);

/* Writes a float64 column over the named dimensions (1 to 4, added before; data in C order), with
 * a "units" attribute when units is not NULL or "". */
int results_table_write_f64(ResultsTable *t, const char *name, int ndims, const char *const *dims,
                            const double *data, const char *units);

/* Writes an int32 column over one dimension. */
int results_table_write_i32(ResultsTable *t, const char *name, const char *dim, const int *data,
                            const char *units);

/* Writes a column of strings (fixed-length, NUL-terminated) over one dimension. */
int results_table_write_strings(ResultsTable *t, const char *name, const char *dim,
                                const char *const *values);

/* Attributes of the table's group. */
int results_table_attr_i32(ResultsTable *t, const char *name, int value);
int results_table_attr_f64(ResultsTable *t, const char *name, double value);
int results_table_attr_string(ResultsTable *t, const char *name, const char *value);

/* Closes the table and sets *t = NULL. NULL-safe. Returns 0. */
int results_table_close(ResultsTable **t);

/* Closes the file and frees f, setting *f = NULL. Collective on the file's communicator;
 * NULL-safe (then local, but every rank must agree). Errors: IH_EHDF5 (the handle is freed
 * anyway). */
int results_close(ResultsFile **f);

/* Merges shard files (same layout, e.g. one per Slurm array task, each with only its runs done)
 * into a new file at out_path: layouts and run hashes must agree, the git hashes too; every
 * done or diverged row (status 1 or 2) is verified against its checksum and copied; a run done
 * in several inputs must have the same checksum in each. Failed and pending rows are left
 * pending. The output takes the first input's root attributes, with slurm_job_ids joined from
 * all inputs. Refuses an existing out_path; after an error a partial out_path may remain (it is
 * not deleted). Collective on comm (rows are split across ranks).
 * Errors: IH_EDATA (layouts disagree, a torn row, conflicting duplicates), RESULTS_EBROKEN,
 * IH_ENOENT, IH_EIO, IH_EHDF5, IH_EMPI, IH_ENOMEM. */
int results_merge(MPI_Comm comm, const char *out_path, const char *const *inputs, int n_inputs);

/* ---- A tidy table as a netCDF-4 file (src/io/table_file.c; `ihsweep export --format nc`) ---- */

typedef enum { RESULTS_COLUMN_F64 = 0, RESULTS_COLUMN_I64, RESULTS_COLUMN_STRING } ResultsColumnType;

/* One column of n_rows values (borrowed). Missing values: NaN (F64), fill_i64 (I64), NULL
 * (STRING, stored as ""). long_name, units and description may be NULL (then not written). */
typedef struct {
    const char *name;
    ResultsColumnType type;
    const double *f64;
    const long long *i64;
    long long fill_i64;
    const char *const *str;
    const char *long_name, *units, *description;
} ResultsColumn;

/* Writes a new file at path (replacing one there) holding one 1-D variable per column over the
 * dimension `dim` (n_rows >= 0), as netCDF-4 readers expect: `dim` is an HDF5 dimension scale
 * (the column of that name when there is one, else the row index 0..n_rows-1) attached to every
 * variable; float64 / int64 / variable-length UTF-8 string variables with _FillValue, long_name,
 * units and description where given; root attributes Conventions "CF-1.8" and title. One
 * process, no MPI (the file is not the results file). Errors: IH_EIO (cannot create path),
 * IH_EHDF5, IH_ENOMEM. Local. */
int results_table_file_write(const char *path, const char *dim, int n_rows,
                             const ResultsColumn *cols, int n_cols, const char *title);

#endif
