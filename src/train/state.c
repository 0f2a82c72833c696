/* Checkpoint state of a run in progress: the loop position, the accumulators since the last eval
 * and the result so far, so that a resumed run continues bit-identically. */
#include "train/internal.h"

#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned char *buf;
    size_t pos, size;
} StateCursor;

static void state_io(StateCursor *c, void *data, size_t n, int restore)
{
    if (c->buf && c->pos + n <= c->size) {
        if (restore)
            memcpy(data, c->buf + c->pos, n);
        else
            memcpy(c->buf + c->pos, data, n);
    }
    c->pos += n;
}

/* One list of what the state holds, used to measure, save and restore. */
static void state_walk(StateCursor *c, TrainState *s, int restore)
{
    RunResult *r = s->result;
    int32_t dims[6] = {r->max_evals, r->n_evaluators, r->n_heads, r->n_probe, r->n_labels, 0};
    if (restore)
        c->pos += sizeof dims; /* checked by train__state_restore, never restored */
    else
        state_io(c, dims, sizeof dims, 0);
    state_io(c, &s->step, sizeof s->step, restore);
    state_io(c, &s->next_eval, sizeof s->next_eval, restore);
    state_io(c, &s->next_ckpt, sizeof s->next_ckpt, restore);
    state_io(c, &s->loss_sum, sizeof s->loss_sum, restore);
    state_io(c, &s->gnorm_sum, sizeof s->gnorm_sum, restore);
    state_io(c, &s->n_since_eval, sizeof s->n_since_eval, restore);
    state_io(c, &r->n_evals, sizeof r->n_evals, restore);
#define STATE_ARRAY_(name, since, mt, ft, shape, fill, group, units, desc)                         \
    state_io(c, r->name, run_result_shape_count(r, shape) * sizeof *r->name, restore);
    /* Everything recorded per eval; the post-hoc measures and timing come after the loop. */
    RUN_RESULT_EVAL_AXIS(STATE_ARRAY_)
    RUN_RESULT_METRIC_CURVES(STATE_ARRAY_)
    RUN_RESULT_CURVES(STATE_ARRAY_)
#undef STATE_ARRAY_
}

int train__state_save(const TrainState *s, void **out, size_t *size)
{
    int rc = 0;
    StateCursor c = {0};
    TrainState *mutable_state = (TrainState *)s; /* walked for reading only */
    state_walk(&c, mutable_state, 0);
    c.size = c.pos;
    c.pos = 0;
    IH_ALLOC(c.buf, c.size);
    state_walk(&c, mutable_state, 0);
    *out = c.buf;
    *size = c.size;
    c.buf = NULL;
cleanup:
    free(c.buf);
    return rc;
}

int train__state_restore(TrainState *s, const void *buf, size_t size)
{
    int rc = 0;
    StateCursor measure = {0};
    state_walk(&measure, s, 0);
    if (measure.pos != size)
        IH_FAIL(IH_EDATA, "checkpoint state has %zu bytes, this run needs %zu", size, measure.pos);
    RunResult *r = s->result;
    int32_t dims[6] = {r->max_evals, r->n_evaluators, r->n_heads, r->n_probe, r->n_labels, 0};
    if (memcmp(buf, dims, sizeof dims) != 0)
        IH_FAIL(IH_EDATA, "checkpoint state was written for other result dimensions");
    StateCursor c = {(unsigned char *)buf, 0, size};
    state_walk(&c, s, 1);
cleanup:
    return rc;
}
