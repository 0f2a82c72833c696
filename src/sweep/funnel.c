/* The funnel write mode (SweepWriteMode): rank 0 alone opens the results file (on MPI_COMM_SELF)
 * and writes every row; the other ranks send each finished row to it as one message and go on
 * training. A message is {run, resolved config length} (int64), the row packed by the field tables
 * (run_result_pack), then the resolved config text. The writer writes a received row exactly as it
 * writes its own (resolved config, then results_write_run: payload, checksum, status), publishes
 * the run as finished in the run table (so nothing is reported done before its row is written)
 * and answers the sender, which only then removes the run's checkpoint. A kill -9 of any rank
 * thus loses only rows in flight, whose runs --resume continues from their checkpoints.
 * Neither side waits: rows go with MPI_Isend, the writer takes them with MPI_Improbe and
 * MPI_Imrecv (a large row needs the sender's progress on TCP, which comes at its next eval).
 * Not here: choosing the mode (fs.c), opening the file and draining at the end (run.c).
 */
#include "sweep/internal.h"

#include "ihsweep/clock.h"
#include "ihsweep/error.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { HEADER_BYTES = 2 * sizeof(int64_t) };

int sweep__funnel_init(SweepFunnel *fn, MPI_Comm comm, int on, const char *ckpt_dir,
                       const ResultsLayout *dims)
{
    int rc = 0;
    memset(fn, 0, sizeof *fn);
    fn->comm = comm;
    fn->on = on;
    fn->ckpt_dir = ckpt_dir;
    MPI_Comm_rank(comm, &fn->rank);
    if (on && fn->rank == 0)
        IH_TRY(run_result_create(dims->max_evals, dims->n_evaluators, dims->n_heads, dims->n_probe,
                                 dims->n_labels, &fn->row));
cleanup:
    return rc;
}

void sweep__funnel_free(SweepFunnel *fn)
{
    for (int i = 0; i < fn->n_sends; i++)
        if (fn->sends[i].req == MPI_REQUEST_NULL)
            free(fn->sends[i].buf);
    for (int i = 0; i < fn->n_recvs; i++)
        if (fn->recvs[i].req == MPI_REQUEST_NULL)
            free(fn->recvs[i].buf);
    free(fn->sends);
    free(fn->recvs);
    run_result_destroy(&fn->row);
    memset(fn, 0, sizeof *fn);
}

/* Records the first failure (its message is the current error record) and returns it. */
static int remember(SweepFunnel *fn, int rc)
{
    if (rc < 0 && fn->rc == 0) {
        fn->rc = rc;
        snprintf(fn->why, sizeof fn->why, "%s", ih_error_message());
    }
    return rc;
}

int sweep__funnel_send(SweepFunnel *fn, int run, const RunResult *row, const char *resolved)
{
    int rc = 0;
    unsigned char *buf = NULL;
    const size_t packed = run_result_pack_size(row), text = resolved ? strlen(resolved) : 0;
    const size_t bytes = HEADER_BYTES + packed + text;
    if (bytes > INT_MAX)
        IH_FAIL(IH_EDATA, "run %d's row (%zu bytes) does not fit one MPI message", run, bytes);
    if (fn->n_sends == fn->cap_sends) {
        const int cap = fn->cap_sends ? 2 * fn->cap_sends : 4;
        SweepFunnelSend *grown = realloc(fn->sends, (size_t)cap * sizeof *grown);
        if (!grown)
            IH_FAIL(IH_ENOMEM, "out of memory");
        fn->sends = grown;
        fn->cap_sends = cap;
    }
    IH_ALLOC(buf, bytes);
    const int64_t header[2] = {run, (int64_t)text};
    memcpy(buf, header, HEADER_BYTES);
    run_result_pack(row, buf + HEADER_BYTES);
    if (text)
        memcpy(buf + HEADER_BYTES + packed, resolved, text);
    SweepFunnelSend *s = &fn->sends[fn->n_sends];
    MPI_CHECK(MPI_Isend(buf, (int)bytes, MPI_BYTE, 0, SWEEP_TAG_ROW, fn->comm, &s->req),
              "MPI_Isend of a row");
    s->run = run;
    s->buf = buf;
    buf = NULL;
    fn->n_sends++;
cleanup:
    free(buf);
    return rc;
}

/* The writer: writes one received row and publishes it; returns the code to answer with. */
static int write_row(SweepFunnel *fn, const SweepFunnelRecv *in, ResultsFile *f, SweepTable *t,
                     int *run)
{
    int rc = 0;
    int64_t header[2];
    char *text = NULL;
    *run = -1;
    if (in->bytes < (int)HEADER_BYTES)
        IH_FAIL(IH_EDATA, "sweep: a row message from rank %d is too short", in->source);
    memcpy(header, in->buf, HEADER_BYTES);
    *run = (int)header[0];
    if (header[1] < 0 || header[1] > in->bytes - (int64_t)HEADER_BYTES)
        IH_FAIL(IH_EDATA, "sweep: run %d's row message from rank %d is malformed", *run,
                in->source);
    const size_t packed = (size_t)in->bytes - HEADER_BYTES - (size_t)header[1];
    IH_TRY(run_result_unpack(fn->row, in->buf + HEADER_BYTES, packed));
    if (header[1] > 0) {
        IH_ALLOC(text, (size_t)header[1] + 1);
        memcpy(text, in->buf + HEADER_BYTES + packed, (size_t)header[1]);
        IH_TRY(results_write_resolved_config(f, *run, text));
    }
    IH_TRY(results_write_run(f, *run, fn->row));
    SweepRunInfo info;
    sweep__row_info(fn->row, in->source, &info);
    IH_TRY(sweep__table_publish(t, *run, &info, SWEEP_FINISHED));
cleanup:
    free(text);
    return rc;
}

static int writer_poll(SweepFunnel *fn, ResultsFile *f, SweepTable *t)
{
    int rc = 0, flag = 0;
    for (;;) { /* take every row that has arrived */
        MPI_Message msg;
        MPI_Status st;
        int count = 0;
        MPI_CHECK(MPI_Improbe(MPI_ANY_SOURCE, SWEEP_TAG_ROW, fn->comm, &flag, &msg, &st),
                  "MPI_Improbe");
        if (!flag)
            break;
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count), "MPI_Get_count");
        if (fn->n_recvs == fn->cap_recvs) {
            const int cap = fn->cap_recvs ? 2 * fn->cap_recvs : 4;
            SweepFunnelRecv *grown = realloc(fn->recvs, (size_t)cap * sizeof *grown);
            if (!grown)
                IH_FAIL(IH_ENOMEM, "out of memory");
            fn->recvs = grown;
            fn->cap_recvs = cap;
        }
        SweepFunnelRecv *in = &fn->recvs[fn->n_recvs];
        in->buf = malloc(count > 0 ? (size_t)count : 1);
        if (!in->buf)
            IH_FAIL(IH_ENOMEM, "out of memory for a row of %d bytes", count);
        in->bytes = count;
        in->source = st.MPI_SOURCE;
        fn->n_recvs++;
        MPI_CHECK(MPI_Imrecv(in->buf, count, MPI_BYTE, &msg, &in->req), "MPI_Imrecv of a row");
    }
    for (int i = 0; i < fn->n_recvs;) {
        SweepFunnelRecv *in = &fn->recvs[i];
        int done = 0;
        MPI_CHECK(MPI_Test(&in->req, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (!done) {
            i++;
            continue;
        }
        const double t0 = ih_clock_seconds();
        int run = -1, code = fn->rc;
        if (code == 0) {
            code = remember(fn, write_row(fn, in, f, t, &run));
            if (code < 0) /* every rank stops; the row stays pending, its run redone */
                sweep__table_request_stop(t);
        } else if (in->bytes >= (int)sizeof(int64_t)) { /* answered, not written */
            int64_t r;
            memcpy(&r, in->buf, sizeof r);
            run = (int)r;
        }
        fn->seconds += ih_clock_seconds() - t0;
        const int64_t answer[2] = {run, code};
        MPI_CHECK(MPI_Send(answer, 2, MPI_INT64_T, in->source, SWEEP_TAG_ROW_ANSWER, fn->comm),
                  "MPI_Send of a row's answer");
        free(in->buf);
        fn->recvs[i] = fn->recvs[--fn->n_recvs];
    }
cleanup:
    return rc;
}

static int sender_poll(SweepFunnel *fn)
{
    int rc = 0, flag = 0;
    char ckpt[4300];
    for (int i = 0; i < fn->n_sends; i++) /* lets a large row's transfer progress */
        MPI_CHECK(MPI_Test(&fn->sends[i].req, &flag, MPI_STATUS_IGNORE), "MPI_Test");
    for (;;) {
        int64_t answer[2];
        MPI_CHECK(MPI_Iprobe(0, SWEEP_TAG_ROW_ANSWER, fn->comm, &flag, MPI_STATUS_IGNORE),
                  "MPI_Iprobe");
        if (!flag)
            break;
        MPI_CHECK(
            MPI_Recv(answer, 2, MPI_INT64_T, 0, SWEEP_TAG_ROW_ANSWER, fn->comm, MPI_STATUS_IGNORE),
            "MPI_Recv of a row's answer");
        int i = 0;
        while (i < fn->n_sends && fn->sends[i].run != answer[0])
            i++;
        if (i == fn->n_sends)
            IH_FAIL(IH_EINTERNAL,
                    "sweep: the writer answered for run %lld, which this rank did "
                    "not send",
                    (long long)answer[0]);
        /* the writer received the whole row before answering: the send is complete */
        MPI_CHECK(MPI_Wait(&fn->sends[i].req, MPI_STATUS_IGNORE), "MPI_Wait");
        free(fn->sends[i].buf);
        const int run = fn->sends[i].run;
        fn->sends[i] = fn->sends[--fn->n_sends];
        if (answer[1] != 0)
            continue; /* not written: the writer reports why and stops the sweep */
        fn->n_written++;
        sweep__ckpt_path(fn->ckpt_dir, run, ckpt, (int)sizeof ckpt);
        if (remove(ckpt) != 0 && errno != ENOENT)
            IH_FAIL(IH_EIO, "cannot remove %s: %s", ckpt, strerror(errno));
    }
cleanup:
    return rc;
}

int sweep__funnel_poll(SweepFunnel *fn, ResultsFile *f, SweepTable *t)
{
    if (!fn->on)
        return 0;
    remember(fn, fn->rank == 0 ? writer_poll(fn, f, t) : sender_poll(fn));
    if (fn->rc < 0)
        ih_error_set(__FILE__, __LINE__, __func__, fn->rc, "%s", fn->why);
    return fn->rc;
}

int sweep__funnel_busy(const SweepFunnel *fn)
{
    return fn->n_sends + fn->n_recvs;
}
