/* Internals of src/sweep/: the shared run table (an MPI window on rank 0 through which ranks claim
 * runs, publish finished runs' heads and summaries, and ask each other to stop), the per-run
 * record the progress printer and the t* table read, and small helpers.
 */
#ifndef IHSWEEP_SWEEP_INTERNAL_H
#define IHSWEEP_SWEEP_INTERNAL_H

#include "ihsweep/error.h"
#include "ihsweep/metrics.h"
#include "ihsweep/sweep.h"

#include <stdint.h>

/* Inside a function with `int rc` and a cleanup label: IH_FAIL with IH_EMPI when call fails. */
#define MPI_CHECK(call, what)                                                                      \
    do {                                                                                           \
        if ((call) != MPI_SUCCESS)                                                                 \
            IH_FAIL(IH_EMPI, "sweep: %s failed", what);                                            \
    } while (0)

/* Message tags on the sweep's communicator, every module's: the served run table (table.c), the
 * funnelled rows (funnel.c) and the end of dispatch (run.c). */
enum {
    SWEEP_TAG_TABLE_REQUEST = 7301,
    SWEEP_TAG_TABLE_ANSWER = 7302,
    SWEEP_TAG_ROW = 7311,
    SWEEP_TAG_ROW_ANSWER = 7312,
    SWEEP_TAG_DONE = 7321,
    SWEEP_TAG_GO = 7322
};

/* State of a run in the table. SWEEP_HEADS: trained, its heads published for the runs that bind
 * from it, its row still being written (it counts as running until SWEEP_FINISHED). */
enum { SWEEP_TODO = 0, SWEEP_CLAIMED = 1, SWEEP_FINISHED = 2, SWEEP_SKIPPED = 3, SWEEP_HEADS = 4 };

/* What the table and the printers know of one run. */
typedef struct {
    int64_t state;  /* SWEEP_* */
    int64_t rank;   /* rank that ran it this session; -1: finished before (in the file) */
    int64_t status; /* RunStatus of a finished run */
    int64_t strongest_ih, pt_head;
    int64_t crossed;
    double t_star; /* t* when crossed is 1, else the censoring time (metrics_phase_observed) */
    double wall;   /* seconds of training (this session, or as stored) */
} SweepRunInfo;

typedef struct {
    MPI_Comm comm;
    int rank, size;
    int n_runs;
    MPI_Win win;  /* MPI_WIN_NULL in served mode */
    int served;   /* 1: no window could span the ranks; rank 0 answers requests (table.c) */
    int64_t *mem; /* the table: window memory or, served, owned (rank 0 only) */
    int64_t *owned;
    int *order; /* [n_runs] dispatch order: longest critical path first, then id */
    const SweepPlan *plan;
    double seconds; /* time spent in table operations by this rank */
} SweepTable;

/* Fills order[n_runs] with the dispatch order: longest critical path first (a run's estimated
 * cost plus the longest chain of runs binding heads from it), ties by id. Local.
 * Errors: IH_ENOMEM. */
int sweep__dispatch_order(const SweepPlan *plan, int *order);
/* The makespan of handing out runs in `order` to `ranks` ranks when claims, row writes and
 * waking up cost nothing: whenever a rank is free it takes the first run of the order whose
 * source has finished, as the run table does. seconds[n_runs]: each run's time, negative for
 * runs not to do (counted as finished). Local. Errors: IH_ENOMEM. */
int sweep__list_makespan(const SweepPlan *plan, const int *order, const double *seconds, int ranks,
                         double *makespan);

/* Creates the table: init[n_runs] (significant on rank 0) gives every run's initial state and,
 * for finished ones, their info. Where MPI_Win_allocate fails on comm (no one-sided component
 * spans the ranks), the table is served by rank 0 instead (t->served). Collective on comm.
 * Errors: IH_EMPI, IH_ENOMEM. */
int sweep__table_create(MPI_Comm comm, const SweepPlan *plan, const SweepRunInfo *init,
                        SweepTable *t);
/* Frees the window. Collective. */
void sweep__table_destroy(SweepTable *t);

enum { SWEEP_CLAIM_RUN = 0, SWEEP_CLAIM_WAIT = 1, SWEEP_CLAIM_NONE = 2, SWEEP_CLAIM_STOP = 3 };
/* Publishes run `finished` (unless negative) with *finished_info as finished (SWEEP_FINISHED),
 * then claims the first ready run in dispatch order (its source finished): *run and *source_info
 * (the source's info, when it has one). Returns SWEEP_CLAIM_RUN, _WAIT (runs remain but none is
 * ready), _NONE (nothing left to claim) or _STOP (a rank asked to stop; the finished run is
 * published all the same), or a negative error. Local (passive one-sided access). */
int sweep__table_claim(SweepTable *t, int finished, const SweepRunInfo *finished_info, int *run,
                       SweepRunInfo *source_info);
/* Deals the first round without claims: the k-th ready run of the dispatch order in init[n_runs]
 * (known to every rank) goes to training rank first_rank + k, and rank 0 marks the dealt runs
 * claimed before every rank goes on. *run (-1: none) and, when the run binds from a source,
 * *source_info receive this rank's. Spares hundreds of ranks queueing for the table at the
 * start. Collective. Errors: IH_EMPI. */
int sweep__table_deal(SweepTable *t, const SweepRunInfo *init, int first_rank, int *run,
                      SweepRunInfo *source_info);
/* Publishes run's info with `state`: SWEEP_HEADS (trained: runs that bind from it may start while
 * its row is written) or SWEEP_FINISHED (its row is written). Local. Errors: IH_EMPI. */
int sweep__table_publish(SweepTable *t, int run, const SweepRunInfo *info, int64_t state);
/* Asks every rank to stop; reads whether some rank did. Local. Errors: IH_EMPI. */
int sweep__table_request_stop(SweepTable *t);
int sweep__table_stop_requested(SweepTable *t, int *stop);
/* Copies the whole table into info[n_runs]. Local; rank 0 only in served mode.
 * Errors: IH_EMPI, IH_EINTERNAL. */
int sweep__table_read(SweepTable *t, SweepRunInfo *info);
/* Served mode, rank 0: answers every pending request; window mode: one MPI call, which lets
 * transports that need the target's help progress others' accesses. Other ranks: nothing. Call
 * it often (every few ms) on rank 0 while others may be dispatching. Errors: IH_EMPI. */
int sweep__table_serve(SweepTable *t);
/* Measures how long one access to rank 0's window takes while rank 0 computes without calling
 * MPI (rank 0 spins for 50 ms; the last rank times a lock/get/unlock): about a microsecond where
 * one-sided access is truly passive (osc/sm on one node, RDMA networks), up to the whole spin
 * where the target must progress it (osc/pt2pt, UCX without RDMA hardware). *seconds is the same
 * on every rank. Collective. Errors: IH_EMPI. */
int sweep__table_probe(SweepTable *t, double *seconds);

/* ---- printing (progress.c) ---- */

/* "YYYY-mm-dd HH:MM:SS" local time into buf[32]. */
void sweep__timestamp(char *buf);
/* Formats seconds as "1h02m", "3m05s" or "12.3s" into buf[32]. */
void sweep__duration(double seconds, char *buf);
/* One line describing run r's grid point: "stage S, condition C, setting, seed=N". */
void sweep__describe(const SweepPlan *plan, int r, char *buf, int size);
/* Prints the t* table: per stage, condition and data setting, mean +- sd of t* over the seeds of
 * done runs (status 1), with done/diverged/failed counts. info[n_runs] gives status and t*;
 * sel (NULL: all) restricts the runs counted. */
void sweep__print_table(const SweepPlan *plan, const SweepRunInfo *info, const unsigned char *sel,
                        FILE *out);
/* Counts done/diverged/failed/pending among the selected runs. */
void sweep__count(const SweepPlan *plan, const SweepRunInfo *info, const unsigned char *sel,
                  int counts[4]);

/* ---- the results file (resume.c) ---- */

/* Creates opts->output, or with opts->resume opens it (moving an unopenable file aside) and checks
 * it against the plan (sweep.h, sweep_run). *fresh = 1 when the file was created; a new file's
 * library_versions attribute ends with the write mode (funnel: 1). Collective on comm (the
 * ranks that write: MPI_COMM_SELF on rank 0 in funnel mode). Errors: IH_EIO, IH_EDATA, IH_EHDF5,
 * IH_EMPI, IH_ENOMEM. */
int sweep__open(MPI_Comm comm, const SweepPlan *plan, const SweepRunOptions *opts, int funnel,
                ResultsFile **out, int *fresh);
/* Verifies every finished row (ranks share the rows), resets torn ones (reported on log by rank
 * 0), removes the checkpoints of complete rows from ckpt_dir (as this rank sees it: a node-local
 * folder keeps those of other nodes, which nothing reads again), and fills init[n_runs] on every
 * rank: complete done/diverged rows FINISHED, other selected runs TODO, the rest SKIPPED.
 * *own_error = 1 on a rank whose own part failed (it then holds the message). Collective. Errors:
 * IH_EHDF5, IH_EIO, IH_EMPI, IH_ENOMEM. */
int sweep__verify(MPI_Comm comm, ResultsFile *f, const SweepPlan *plan, const char *ckpt_dir,
                  const unsigned char *sel, SweepRunInfo *init, FILE *log, int *own_error);
/* SweepRunOptions.heads_from: marks finished, in init[n_runs], every source that a selected run
 * (sel) binds from and that is not selected itself, with the info of its row in the results file
 * at path (rank 0 opens it on MPI_COMM_SELF and checks that it was made from the same sweep and
 * that each row is complete; the others receive init). Collective. Errors: IH_EDATA (another
 * sweep, a source not done there, a torn row), IH_ENOENT, RESULTS_EBROKEN, IH_EHDF5, IH_EMPI,
 * IH_ENOMEM. */
int sweep__heads_from(MPI_Comm comm, const SweepPlan *plan, const char *path,
                      const unsigned char *sel, SweepRunInfo *init);
/* "<ckpt_dir>/run-<id>.ckpt" into buf. */
void sweep__ckpt_path(const char *ckpt_dir, int run, char *buf, int size);

/* ---- the results file's file system (fs.c) ---- */

enum { SWEEP_FS_UNKNOWN = 0, SWEEP_FS_LOCAL, SWEEP_FS_PARALLEL, SWEEP_FS_NFS };
/* The kind of file system holding path's folder (statfs), its name into name[size]
 * ("lustre", "nfs", "ext4", "type 0x...", "unknown"); the environment variable IHSWEEP_FS_TYPE,
 * when set, names the type instead ("nfs (IHSWEEP_FS_TYPE)"). Local; cannot fail. */
int sweep__fs_kind(const char *path, char *name, int size);
/* 1 when rows go through the writer rank (funnel.c): mode funnel, or auto on a file system of
 * kind SWEEP_FS_NFS; 0 for parallel writes. Local. */
int sweep__write_funnel(SweepWriteMode mode, int fs_kind);

/* ---- results rows (rows.c) ---- */

/* The row a run that could not start gets: status failed, no evals. Fills the given result. */
void sweep__result_failed(RunResult *padded);

/* What the table publishes of a finished row that rank `rank` ran. Local. */
void sweep__row_info(const RunResult *row, int rank, SweepRunInfo *info);

/* ---- the funnel write mode: rows sent to rank 0, which writes them (funnel.c) ---- */

/* A row on its way from a training rank to the writer (rank 0): the message buffer and its
 * send request, kept until the writer answers. */
typedef struct {
    int run;
    unsigned char *buf;
    MPI_Request req;
} SweepFunnelSend;

/* A row the writer is receiving. */
typedef struct {
    unsigned char *buf;
    int bytes, source;
    MPI_Request req;
} SweepFunnelRecv;

typedef struct {
    MPI_Comm comm;
    int rank;
    int on;                 /* funnel mode; everything below is unused otherwise */
    const char *ckpt_dir;   /* borrowed: where the senders' checkpoints are */
    SweepFunnelSend *sends; /* training ranks: rows not yet answered */
    int n_sends, cap_sends;
    SweepFunnelRecv *recvs; /* the writer: rows being received */
    int n_recvs, cap_recvs;
    RunResult *row; /* the writer: a row of the file's dims */
    int n_written;  /* training ranks: own rows the writer wrote */
    double seconds; /* the writer: time spent writing the others' rows */
    int rc;         /* first failure (sticky: every later poll returns it) */
    char why[1024]; /* its message */
} SweepFunnel;

/* Sets up fn (zeroed) for comm; on = funnel mode. dims gives the file's row sizes (the writer's
 * scratch row). Borrows ckpt_dir. Local. Errors: IH_ENOMEM, IH_ECONFIG. */
int sweep__funnel_init(SweepFunnel *fn, MPI_Comm comm, int on, const char *ckpt_dir,
                       const ResultsLayout *dims);

/* Frees fn's buffers (a buffer whose send never completed is left to the MPI library). Local. */
void sweep__funnel_free(SweepFunnel *fn);

/* A training rank: sends run `run`'s finished row and the config it trained with (resolved:
 * symbolic heads bound; NULL when the run binds none) to the writer as one message, without
 * waiting. The run's checkpoint stays until the writer answers (sweep__funnel_poll). Local.
 * Errors: IH_ENOMEM, IH_EDATA (a row too large for one message), IH_EMPI. */
int sweep__funnel_send(SweepFunnel *fn, int run, const RunResult *row, const char *resolved);

/* Moves rows along without waiting. The writer (f and t given): receives rows, writes each one
 * (resolved config, then results_write_run: payload, checksum, status), publishes it finished in
 * the table t as run by its sender and answers the sender; after a failed write it asks every
 * rank to stop (t) and answers later rows without writing them. A training rank (f NULL): takes
 * the writer's answers, removing the checkpoint of each written row. Returns 0, or the first
 * failure of any poll so far (recorded again each time). Local. Errors: IH_EHDF5, IH_EDATA,
 * IH_EIO, IH_EMPI, IH_ENOMEM. */
int sweep__funnel_poll(SweepFunnel *fn, ResultsFile *f, SweepTable *t);

/* Rows still in flight on this rank: sent and not answered, or being received. Local. */
int sweep__funnel_busy(const SweepFunnel *fn);

/* ---- status of a results file (status_progress.c) ---- */

/* What a row is to `ihsweep status`: the finished states follow RunStatus order. */
enum {
    SWEEP_ROW_PENDING = 0,
    SWEEP_ROW_RUNNING,     /* a checkpoint written in the last 15 minutes */
    SWEEP_ROW_INTERRUPTED, /* an older checkpoint: --resume continues from it */
    SWEEP_ROW_DONE,
    SWEEP_ROW_DIVERGED,
    SWEEP_ROW_FAILED,
    SWEEP_ROW_N
};

/* The state's name ("pending", "running", ...). Static string. */
const char *sweep__row_state_name(int state);

/* state[n_runs] of every row of the results file at path, from info (read and verified rows)
 * and the runs' checkpoint files. Local. */
void sweep__row_states(const char *path, const SweepPlan *plan, const SweepRunInfo *info,
                       int *state);

/* Estimated time to finish the selected runs (sel NULL: all). */
typedef struct {
    int counts[SWEEP_ROW_N];
    double seconds_per_gflop; /* measured on the done runs when measured, else the plan's */
    int measured;
    double remaining_core_seconds; /* estimated cost of every unfinished run */
    int ranks;                     /* running runs (at least 1): the ranks assumed at work */
    double seconds; /* max(remaining core-seconds / ranks, longest remaining chain) */
} SweepEta;

void sweep__eta(const SweepPlan *plan, const SweepRunInfo *info, const int *state,
                const unsigned char *sel, SweepEta *eta);

/* `ihsweep status --json`: counts by state (n_unselected: unfinished runs the last session did
 * not select, left out of sel), ETA and one object per selected row. Local. */
void sweep__status_json(const char *path, const SweepPlan *plan, const SweepRunInfo *info,
                        const int *state, const unsigned char *sel, int n_torn, int n_unselected,
                        const SweepEta *eta, FILE *out);

/* The row of a simulated run (SweepRunOptions.simulate): status done, no evals, t* NaN (never
 * crossed), heads strongest_ih and pt_head derived from the run's hash (so that later stages
 * bind), wall = seconds slept. Fills the given result. */
void sweep__result_simulated(const SweepRun *run, int n_heads, double seconds, RunResult *padded);

#endif
