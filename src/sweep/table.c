/* The shared run table: one MPI window on rank 0, accessed by every rank (rank 0 included) with
 * passive-target one-sided operations under MPI_Win_lock, so no rank has to serve requests and
 * rank 0 trains like the others. Layout, in int64 words: [0] stop flag, [1] unused, then the
 * state of every run (a column, so a claim reads one small block), then SWEEP_INFO_WORDS words
 * of info per run. A claim first reads the states under a shared lock; only when a run is ready
 * does it take an exclusive lock, read the states again, mark the first ready run of the
 * dispatch order claimed and read its source's info, all in one epoch.
 * On one node Debian's Open MPI 4.1 picks osc/rdma over its shared-memory transport (osc/sm
 * only when asked for); across nodes osc/ucx or osc/rdma, which need no progress from rank 0 on
 * RDMA networks (on TCP-only networks rank 0 makes progress when it calls MPI, at least once per
 * eval: see run.c). Why locks and not one MPI_Win_lock_all epoch with atomic operations
 * (MPI_Compare_and_swap to claim), which would spare waiting for locks: osc/rdma over shared
 * memory crashes (segmentation fault in MPI_Win_flush after MPI_Get_accumulate and
 * MPI_Compare_and_swap; Open MPI 4.1.4, tried), while osc/sm runs the same code.
 * Where no one-sided component can span the ranks (Debian's Open MPI disables osc/pt2pt and
 * osc/ucx, so between hosts on TCP MPI_Win_allocate fails), the same table lives in rank 0's
 * memory and rank 0 answers requests sent as messages (served mode): it then only schedules.
 * The dispatch order (schedule.c) is computed identically on every rank.
 */
#include "sweep/internal.h"

#include "ihsweep/clock.h"
#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { HEADER_WORDS = 2, INFO_WORDS = 7 };

/* Served mode: a request is {op, run, info[INFO_WORDS]} with SWEEP_TAG_TABLE_REQUEST to rank 0;
 * the answer {result, run, info[INFO_WORDS]} comes back with SWEEP_TAG_TABLE_ANSWER. Every request
 * is answered, so no message is left in flight when a rank reaches the end of the sweep. */
enum { OP_CLAIM = 1, OP_FINISH, OP_HEADS, OP_STOP, OP_STOP_QUERY };
enum { MSG_WORDS = 2 + INFO_WORDS };

static MPI_Aint state_at(int run)
{
    return HEADER_WORDS + run;
}

static MPI_Aint info_at(const SweepTable *t, int run)
{
    return HEADER_WORDS + t->n_runs + (MPI_Aint)run * INFO_WORDS;
}

static void info_pack(const SweepRunInfo *in, int64_t *w)
{
    w[0] = in->rank;
    w[1] = in->status;
    w[2] = in->strongest_ih;
    w[3] = in->pt_head;
    w[4] = in->crossed;
    memcpy(&w[5], &in->t_star, sizeof(double));
    memcpy(&w[6], &in->wall, sizeof(double));
}

static void info_unpack(const int64_t *w, int64_t state, SweepRunInfo *out)
{
    out->state = state;
    out->rank = w[0];
    out->status = w[1];
    out->strongest_ih = w[2];
    out->pt_head = w[3];
    out->crossed = w[4];
    memcpy(&out->t_star, &w[5], sizeof(double));
    memcpy(&out->wall, &w[6], sizeof(double));
}

int sweep__table_create(MPI_Comm comm, const SweepPlan *plan, const SweepRunInfo *init,
                        SweepTable *t)
{
    int rc = 0;
    memset(t, 0, sizeof *t);
    t->win = MPI_WIN_NULL;
    t->comm = comm;
    t->plan = plan;
    t->n_runs = plan->n_runs;
    MPI_Comm_rank(comm, &t->rank);
    MPI_Comm_size(comm, &t->size);
    IH_ALLOC(t->order, t->n_runs);
    IH_TRY(sweep__dispatch_order(plan, t->order));
    const MPI_Aint words = t->rank == 0 ? info_at(t, t->n_runs) : 0;
    /* a window no one-sided component can span fails; agreed, since the component choice is the
     * same on every rank (it depends on where the ranks are) */
    MPI_Errhandler previous;
    MPI_CHECK(MPI_Comm_get_errhandler(comm, &previous), "MPI_Comm_get_errhandler");
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    int failed = MPI_Win_allocate(words * (MPI_Aint)sizeof(int64_t), sizeof(int64_t), MPI_INFO_NULL,
                                  comm, &t->mem, &t->win) != MPI_SUCCESS;
    MPI_Comm_set_errhandler(comm, previous);
    MPI_Errhandler_free(&previous);
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm), "MPI_Allreduce");
    if (failed) {
        t->win = MPI_WIN_NULL; /* see above: a window made on some ranks only cannot be freed */
        t->served = 1;
        t->mem = NULL;
        if (t->rank == 0) {
            IH_ALLOC(t->mem, words);
            t->owned = t->mem;
        }
    }
    if (t->rank == 0) {
        if (!failed)
            MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, t->win), "MPI_Win_lock");
        memset(t->mem, 0, (size_t)words * sizeof(int64_t));
        for (int r = 0; r < t->n_runs; r++) {
            t->mem[state_at(r)] = init[r].state;
            info_pack(&init[r], t->mem + info_at(t, r));
        }
        if (!failed)
            MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
    }
    MPI_CHECK(MPI_Barrier(comm), "MPI_Barrier");
cleanup:
    return rc;
}

void sweep__table_destroy(SweepTable *t)
{
    if (t->win != MPI_WIN_NULL)
        MPI_Win_free(&t->win);
    free(t->owned);
    t->owned = NULL;
    free(t->order);
    t->order = NULL;
}

/* The claim decision on a copy of the header and states (words[HEADER_WORDS + n_runs]). */
static int claim_choose(const SweepTable *t, const int64_t *words, int *run)
{
    if (words[0])
        return SWEEP_CLAIM_STOP;
    int result = SWEEP_CLAIM_NONE;
    for (int k = 0; k < t->n_runs; k++) {
        const int r = t->order[k];
        if (words[HEADER_WORDS + r] != SWEEP_TODO)
            continue;
        const int src = t->plan->runs[r].source;
        if (src >= 0 && words[HEADER_WORDS + src] != SWEEP_FINISHED &&
            words[HEADER_WORDS + src] != SWEEP_HEADS) {
            result = SWEEP_CLAIM_WAIT;
            continue;
        }
        *run = r;
        return SWEEP_CLAIM_RUN;
    }
    return result;
}

int sweep__table_deal(SweepTable *t, const SweepRunInfo *init, int first_rank, int *run,
                      SweepRunInfo *source_info)
{
    int rc = 0, locked = 0;
    *run = -1;
    if (t->rank == 0 && t->win != MPI_WIN_NULL) {
        MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, t->win), "MPI_Win_lock");
        locked = 1;
    }
    for (int k = 0, to = first_rank; k < t->n_runs && to < t->size; k++) {
        const int r = t->order[k], src = t->plan->runs[r].source;
        if (init[r].state != SWEEP_TODO || (src >= 0 && init[src].state != SWEEP_FINISHED))
            continue;
        if (to == t->rank) {
            *run = r;
            if (src >= 0)
                *source_info = init[src];
        }
        if (t->rank == 0)
            t->mem[state_at(r)] = SWEEP_CLAIMED;
        to++;
    }
    if (locked) {
        locked = 0;
        MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
    }
    MPI_CHECK(MPI_Barrier(t->comm), "MPI_Barrier");
cleanup:
    if (locked)
        MPI_Win_unlock(0, t->win);
    return rc;
}

/* Served mode, on rank 0: one operation on the table in rank 0's memory. msg is the request,
 * rewritten into the answer. */
static void served_apply(SweepTable *t, int64_t *msg)
{
    int64_t *mem = t->mem;
    const int op = (int)msg[0], run = (int)msg[1];
    msg[0] = 0;
    if (op == OP_CLAIM) {
        int r = -1;
        const int result = claim_choose(t, mem, &r);
        msg[0] = result;
        msg[1] = r;
        if (result == SWEEP_CLAIM_RUN) {
            mem[state_at(r)] = SWEEP_CLAIMED;
            const int src = t->plan->runs[r].source;
            if (src >= 0)
                memcpy(&msg[2], mem + info_at(t, src), INFO_WORDS * sizeof(int64_t));
        }
    } else if ((op == OP_FINISH || op == OP_HEADS) && run >= 0 && run < t->n_runs) {
        memcpy(mem + info_at(t, run), &msg[2], INFO_WORDS * sizeof(int64_t));
        mem[state_at(run)] = op == OP_HEADS ? SWEEP_HEADS : SWEEP_FINISHED;
    } else if (op == OP_STOP) {
        mem[0] = 1;
    } else if (op == OP_STOP_QUERY) {
        msg[0] = mem[0];
    }
}

/* Served mode: applies one operation (locally on rank 0, by a round trip elsewhere). */
static int served_call(SweepTable *t, int64_t *msg)
{
    int rc = 0;
    if (t->rank == 0) {
        served_apply(t, msg);
        return 0;
    }
    MPI_CHECK(MPI_Send(msg, MSG_WORDS, MPI_INT64_T, 0, SWEEP_TAG_TABLE_REQUEST, t->comm),
              "MPI_Send of a request");
    MPI_CHECK(MPI_Recv(msg, MSG_WORDS, MPI_INT64_T, 0, SWEEP_TAG_TABLE_ANSWER, t->comm,
                       MPI_STATUS_IGNORE),
              "MPI_Recv of an answer");
cleanup:
    return rc;
}

int sweep__table_serve(SweepTable *t)
{
    int rc = 0, flag = 0;
    MPI_Status st;
    if (t->rank != 0)
        return 0;
    if (!t->served) { /* an MPI call, so that transports needing the target's help progress */
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, t->comm, &flag, MPI_STATUS_IGNORE);
        return 0;
    }
    for (;;) {
        int64_t msg[MSG_WORDS];
        MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, SWEEP_TAG_TABLE_REQUEST, t->comm, &flag, &st),
                  "MPI_Iprobe");
        if (!flag)
            break;
        const double t0 =
            ih_clock_seconds(); /* scheduling time: answering, not looking for requests */
        MPI_CHECK(MPI_Recv(msg, MSG_WORDS, MPI_INT64_T, st.MPI_SOURCE, SWEEP_TAG_TABLE_REQUEST,
                           t->comm, MPI_STATUS_IGNORE),
                  "MPI_Recv of a request");
        served_apply(t, msg);
        MPI_CHECK(
            MPI_Send(msg, MSG_WORDS, MPI_INT64_T, st.MPI_SOURCE, SWEEP_TAG_TABLE_ANSWER, t->comm),
            "MPI_Send of an answer");
        t->seconds += ih_clock_seconds() - t0;
    }
cleanup:
    return rc;
}

int sweep__table_claim(SweepTable *t, int finished, const SweepRunInfo *finished_info, int *run,
                       SweepRunInfo *source_info)
{
    int rc = 0, locked = 0, result = SWEEP_CLAIM_NONE;
    const double t0 = ih_clock_seconds();
    const int n = t->n_runs;
    int64_t *states = NULL;
    *run = -1;
    if (t->served) {
        if (finished >= 0)
            IH_TRY(sweep__table_publish(t, finished, finished_info, SWEEP_FINISHED));
        int64_t msg[MSG_WORDS] = {OP_CLAIM, -1};
        IH_TRY(served_call(t, msg));
        result = (int)msg[0];
        if (result == SWEEP_CLAIM_RUN) {
            *run = (int)msg[1];
            if (t->plan->runs[*run].source >= 0)
                info_unpack(&msg[2], SWEEP_FINISHED, source_info);
        }
        rc = result;
        goto cleanup;
    }
    IH_ALLOC(states, HEADER_WORDS + n);
    if (finished < 0) {
        /* a look under a shared lock first: ranks with nothing ready to claim (waiting for a
         * source or for the end) never queue for the exclusive lock, which matters when many of
         * them poll */
        MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, t->win), "MPI_Win_lock");
        locked = 1;
        MPI_CHECK(MPI_Get(states, HEADER_WORDS + n, MPI_INT64_T, 0, 0, HEADER_WORDS + n,
                          MPI_INT64_T, t->win),
                  "MPI_Get of the run states");
        locked = 0;
        MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
        result = claim_choose(t, states, run);
        if (result != SWEEP_CLAIM_RUN) {
            rc = result;
            goto cleanup;
        }
    }
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, t->win), "MPI_Win_lock");
    locked = 1;
    if (finished >= 0) { /* published in the same epoch: one exclusive lock per run, not two */
        int64_t w[INFO_WORDS];
        const int64_t state = SWEEP_FINISHED;
        info_pack(finished_info, w);
        MPI_CHECK(MPI_Put(w, INFO_WORDS, MPI_INT64_T, 0, info_at(t, finished), INFO_WORDS,
                          MPI_INT64_T, t->win),
                  "MPI_Put of a finished run's info");
        MPI_CHECK(MPI_Win_flush(0, t->win), "MPI_Win_flush"); /* the info lands first */
        MPI_CHECK(MPI_Put(&state, 1, MPI_INT64_T, 0, state_at(finished), 1, MPI_INT64_T, t->win),
                  "MPI_Put of a finished run's state");
    }
    MPI_CHECK(
        MPI_Get(states, HEADER_WORDS + n, MPI_INT64_T, 0, 0, HEADER_WORDS + n, MPI_INT64_T, t->win),
        "MPI_Get of the run states");
    MPI_CHECK(MPI_Win_flush(0, t->win), "MPI_Win_flush");
    result = claim_choose(t, states, run);
    if (result == SWEEP_CLAIM_RUN) {
        const int64_t claimed = SWEEP_CLAIMED;
        MPI_CHECK(MPI_Put(&claimed, 1, MPI_INT64_T, 0, state_at(*run), 1, MPI_INT64_T, t->win),
                  "MPI_Put of a claim");
        const int src = t->plan->runs[*run].source;
        if (src >= 0) {
            int64_t w[INFO_WORDS];
            MPI_CHECK(MPI_Get(w, INFO_WORDS, MPI_INT64_T, 0, info_at(t, src), INFO_WORDS,
                              MPI_INT64_T, t->win),
                      "MPI_Get of a source's heads");
            MPI_CHECK(MPI_Win_flush(0, t->win), "MPI_Win_flush");
            info_unpack(w, SWEEP_FINISHED, source_info);
        }
    }
    locked = 0;
    MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
    rc = result;
cleanup:
    if (locked)
        MPI_Win_unlock(0, t->win);
    free(states);
    t->seconds += ih_clock_seconds() - t0;
    return rc;
}

int sweep__table_publish(SweepTable *t, int run, const SweepRunInfo *info, int64_t state)
{
    int rc = 0;
    const double t0 = ih_clock_seconds();
    int64_t w[INFO_WORDS];
    info_pack(info, w);
    if (t->served) {
        int64_t msg[MSG_WORDS] = {state == SWEEP_HEADS ? OP_HEADS : OP_FINISH, run};
        memcpy(&msg[2], w, sizeof w);
        IH_TRY(served_call(t, msg));
        goto cleanup;
    }
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, t->win), "MPI_Win_lock");
    MPI_Put(w, INFO_WORDS, MPI_INT64_T, 0, info_at(t, run), INFO_WORDS, MPI_INT64_T, t->win);
    /* the info must land before the state says finished */
    MPI_Win_flush(0, t->win);
    MPI_Put(&state, 1, MPI_INT64_T, 0, state_at(run), 1, MPI_INT64_T, t->win);
    MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
cleanup:
    t->seconds += ih_clock_seconds() - t0;
    return rc;
}

int sweep__table_request_stop(SweepTable *t)
{
    int rc = 0;
    const int64_t one = 1;
    if (t->served) {
        int64_t msg[MSG_WORDS] = {OP_STOP, -1};
        return served_call(t, msg);
    }
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, t->win), "MPI_Win_lock");
    MPI_Put(&one, 1, MPI_INT64_T, 0, 0, 1, MPI_INT64_T, t->win);
    MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
cleanup:
    return rc;
}

int sweep__table_stop_requested(SweepTable *t, int *stop)
{
    int rc = 0;
    const double t0 = ih_clock_seconds();
    int64_t v = 0;
    if (t->served) {
        int64_t msg[MSG_WORDS] = {OP_STOP_QUERY, -1};
        IH_TRY(served_call(t, msg));
        v = msg[0];
    } else {
        MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, t->win), "MPI_Win_lock");
        MPI_Get(&v, 1, MPI_INT64_T, 0, 0, 1, MPI_INT64_T, t->win);
        MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
    }
    *stop = v != 0;
cleanup:
    t->seconds += ih_clock_seconds() - t0;
    return rc;
}

int sweep__table_read(SweepTable *t, SweepRunInfo *info)
{
    int rc = 0;
    const MPI_Aint words = info_at(t, t->n_runs);
    int64_t *buf = NULL;
    const double t0 = ih_clock_seconds();
    if (t->served && t->rank != 0)
        IH_FAIL(IH_EINTERNAL, "sweep: only rank 0 reads a served run table");
    IH_ALLOC(buf, words);
    if (t->served) {
        memcpy(buf, t->mem, (size_t)words * sizeof(int64_t));
        goto unpack;
    }
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, t->win), "MPI_Win_lock");
    MPI_Get(buf, (int)words, MPI_INT64_T, 0, 0, (int)words, MPI_INT64_T, t->win);
    MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
unpack:
    for (int r = 0; r < t->n_runs; r++)
        info_unpack(buf + info_at(t, r), buf[state_at(r)], &info[r]);
cleanup:
    free(buf);
    t->seconds += ih_clock_seconds() - t0;
    return rc;
}

int sweep__table_probe(SweepTable *t, double *seconds)
{
    int rc = 0;
    double latency = 0;
    int64_t v = 0;
    *seconds = 0;
    if (t->size < 2 || t->served)
        return 0;
    MPI_CHECK(MPI_Barrier(t->comm), "MPI_Barrier");
    if (t->rank == 0) {
        const double end = ih_clock_seconds() + 0.05;
        while (ih_clock_seconds() < end) /* computing: no MPI calls */
            ;
    } else if (t->rank == t->size - 1) {
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
        const double t0 = ih_clock_seconds();
        MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, t->win), "MPI_Win_lock");
        MPI_Get(&v, 1, MPI_INT64_T, 0, 0, 1, MPI_INT64_T, t->win);
        MPI_CHECK(MPI_Win_unlock(0, t->win), "MPI_Win_unlock");
        latency = ih_clock_seconds() - t0;
    }
    MPI_CHECK(MPI_Bcast(&latency, 1, MPI_DOUBLE, t->size - 1, t->comm), "MPI_Bcast");
    *seconds = latency;
cleanup:
    return rc;
}
