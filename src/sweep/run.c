/* sweep_run: the sweep across ranks. Every rank (rank 0 included, unless the start-up probe finds
 * that one-sided access to rank 0 needs its help: then it only schedules) claims the next ready
 * run from the shared table (table.c), binds its symbolic heads from its source's published heads,
 * trains it with a per-run checkpoint, writes its row (independent write) and publishes its heads
 * and t*; in funnel mode (fs.c chooses it) only rank 0 opens the file and the others send it
 * their rows, which it writes and publishes (funnel.c). A signal (the caller's stop flag) or any
 * rank's request stops dispatch; in-flight runs checkpoint at their next step. Rank 0 prints one
 * line per finished run and a periodic summary from the table, in its eval callback, between runs
 * and while waiting. Collective phases (open, verify, table, close) end with an agreement on errors
 * so no rank is left in a collective.
 */
#include "sweep/internal.h"

#include "ihsweep/clock.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/exemplar_file.h"
#include "ihsweep/mpi_agree.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    MPI_Comm comm;
    int rank, size;
    const SweepPlan *plan;
    const SweepRunOptions *opts;
    ResultsLayout dims; /* the file's row sizes (only the sizes are set) */
    ResultsFile *file;  /* NULL on ranks other than 0 in funnel mode */
    SweepFunnel funnel;
    int fs_kind;      /* SWEEP_FS_* of the results file (rank 0) */
    char fs_name[96]; /* its name (rank 0) */
    SweepTable table;
    int table_ready;
    int dedicated; /* rank 0 schedules and reports only */
    int dealt;     /* the run of the first round (sweep__table_deal), -1 once taken or none */
    SweepRunInfo dealt_source;
    unsigned char *is_source; /* [n_runs] 1: some run binds heads from it */
    RunConfig *cfg;           /* scratch for the run in hand */
    char ckpt_dir[4200];
    int stop_published;
    double last_check;
    /* rank 0: progress */
    SweepRunInfo *info;
    unsigned char *reported;
    double t_start, last_summary, cost_done;
    double sim_even, sim_chain; /* simulate: lower bounds of the dispatch time (print_end) */
    double sim_schedule;        /* simulate: the dispatch order's schedule without overhead */
    /* accounting (seconds) */
    double t_train, t_io, t_idle;
    int n_ran;
} SweepCtx;

static void nap(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- progress (rank 0) ---- */

static void print_finished(SweepCtx *c, int r)
{
    const SweepRunInfo *in = &c->info[r];
    char stamp[32], dur[32], what[1024], state[96];
    sweep__timestamp(stamp);
    sweep__duration(in->wall, dur);
    sweep__describe(c->plan, r, what, (int)sizeof what);
    if (in->status == RUN_DONE)
        snprintf(state, sizeof state, "done, t*%s%.0f%s", in->crossed == 1 ? "=" : ">", in->t_star,
                 in->crossed == 1 ? "" : " (not crossed)");
    else
        snprintf(state, sizeof state, "%s", in->status == RUN_DIVERGED ? "DIVERGED" : "FAILED");
    fprintf(c->opts->log, "%s run %d %s in %s on rank %d: %s\n", stamp, r, state, dur,
            (int)in->rank, what);
}

static void print_summary(SweepCtx *c, double t)
{
    int counts[4], running = 0;
    double todo_cost = 0;
    char stamp[32], elapsed[32], eta[32] = "?";
    sweep__count(c->plan, c->info, c->opts->selected, counts);
    for (int r = 0; r < c->plan->n_runs; r++) {
        const int64_t st = c->info[r].state;
        running += st == SWEEP_CLAIMED || st == SWEEP_HEADS;
        if (st == SWEEP_CLAIMED || st == SWEEP_HEADS || st == SWEEP_TODO)
            todo_cost += c->plan->runs[r].cost;
    }
    int total = counts[0] + counts[1] + counts[2] + counts[3];
    sweep__timestamp(stamp);
    sweep__duration(t - c->t_start, elapsed);
    if (c->cost_done > 0)
        sweep__duration(todo_cost / (c->cost_done / (t - c->t_start)), eta);
    else if (todo_cost == 0)
        snprintf(eta, sizeof eta, "0s");
    fprintf(c->opts->log,
            "%s progress: %d/%d done, %d diverged, %d failed, %d running, %d to do; "
            "elapsed %s, ETA %s\n",
            stamp, counts[RUN_DONE] + counts[RUN_DIVERGED] + counts[RUN_FAILED], total,
            counts[RUN_DIVERGED], counts[RUN_FAILED], running, counts[RUN_PENDING] - running,
            elapsed, eta);
    c->last_summary = t;
}

/* Reads the table and prints what finished since the last look (rank 0 only). */
static int poll_progress(SweepCtx *c, int force_summary)
{
    int rc = 0;
    if (c->rank != 0 || !c->opts->log)
        return 0;
    IH_TRY(sweep__table_read(&c->table, c->info));
    for (int r = 0; r < c->plan->n_runs; r++) {
        if (c->info[r].state != SWEEP_FINISHED || c->info[r].rank < 0 || c->reported[r])
            continue;
        c->reported[r] = 1;
        c->cost_done += c->plan->runs[r].cost;
        print_finished(c, r);
    }
    double t = ih_clock_seconds();
    if (force_summary ||
        (c->opts->progress_every > 0 && t - c->last_summary >= c->opts->progress_every))
        print_summary(c, t);
    fflush(c->opts->log);
cleanup:
    return rc;
}

/* Publishes this rank's stop request, once. */
static int publish_stop(SweepCtx *c)
{
    int rc = 0;
    if (*c->opts->stop && !c->stop_published) {
        IH_TRY(sweep__table_request_stop(&c->table));
        c->stop_published = 1;
    }
cleanup:
    return rc;
}

/* Publishes this rank's stop request, or picks up another rank's. */
static int sync_stop(SweepCtx *c)
{
    int rc = 0, other = 0;
    if (*c->opts->stop)
        return publish_stop(c);
    IH_TRY(sweep__table_stop_requested(&c->table, &other));
    if (other) {
        *c->opts->stop = 1;
        c->stop_published = 1;
    }
cleanup:
    return rc;
}

/* Funnel mode: moves rows to the writer and its answers back (funnel.c); nothing otherwise. */
static int funnel_poll(SweepCtx *c)
{
    return sweep__funnel_poll(&c->funnel, c->file, &c->table);
}

/* train_run's eval callback: a chance to see stop requests, to move funnelled rows and (rank 0)
 * to report progress. MPI calls here also give rank 0's window progress on networks that need
 * it (table.c). */
static void on_eval(void *ctx, const RunResult *result, int eval_index)
{
    SweepCtx *c = ctx;
    (void)result;
    (void)eval_index;
    double t = ih_clock_seconds();
    if (t - c->last_check < 0.25)
        return;
    c->last_check = t;
    /* errors here resurface at the next table operation of the main loop */
    if (sync_stop(c) < 0 || funnel_poll(c) < 0 || poll_progress(c, 0) < 0)
        ih_error_clear();
}

/* ---- one run ---- */

static int heads_needed(const ClampConfig *cc, int *need_ih, int *need_pt)
{
    *need_ih = *need_pt = 0;
    for (int i = 0; i < cc->n; i++)
        for (int j = 0; j < cc->items[i].n_heads; j++) {
            ClampHeadSymbol s = cc->items[i].heads[j].symbol;
            *need_ih |= s == CLAMP_HEAD_STRONGEST_IH || s == CLAMP_HEAD_REST_IH;
            *need_pt |= s == CLAMP_HEAD_PT_HEAD;
        }
    return *need_ih || *need_pt;
}

/* Binds run's symbolic heads from its source; 0 when bound (*bound receives the heads, left at
 * -1 when the run binds nothing), 1 when the run cannot run (said on stderr), negative on error. */
static int bind_heads(SweepCtx *c, int run, const SweepRunInfo *src, ClampHeadBindings *bound)
{
    int need_ih, need_pt;
    const SweepRun *r = &c->plan->runs[run];
    if (r->source < 0 || !heads_needed(&c->cfg->clamps, &need_ih, &need_pt))
        return 0;
    const char *why = NULL;
    if (src->status == RUN_DIVERGED)
        why = "diverged";
    else if (src->status != RUN_DONE)
        why = "did not finish";
    else if (need_ih && src->strongest_ih < 0)
        why = "measured no strongest_ih";
    else if (need_pt && src->pt_head < 0)
        why = "measured no pt_head";
    if (!why) {
        ClampHeadBindings b = {(int)src->strongest_ih, (int)src->pt_head};
        if (clamp_config_resolve(&c->cfg->clamps, &b, c->plan->n_heads, c->plan->depth) == 0) {
            c->cfg->progress_heads = b; /* the clamp progress measures' heads (design 4.7) */
            *bound = b;
            return 0;
        }
        why = ih_error_message();
    }
    fprintf(stderr,
            "ihsweep run: run %d cannot bind its heads: source run %d %s; marked failed "
            "(--resume retries it)\n",
            run, r->source, why);
    ih_error_clear();
    return 1;
}

/* A simulated run: sleeps its scaled estimated time, looking at stop requests (and, on rank 0,
 * progress) every quarter second as training does at its evals. IH_ESTOP when stopped (nothing
 * to checkpoint: a resume starts the run again). */
static int simulate_one(SweepCtx *c, int run)
{
    const double end = ih_clock_seconds() +
                       c->plan->runs[run].cost * sweep_seconds_per_gflop() * c->opts->simulate;
    for (;;) {
        const double left = end - ih_clock_seconds();
        if (left <= 0)
            return 0;
        nap(left < 0.25 ? left : 0.25);
        on_eval(c, NULL, 0);
        if (*c->opts->stop)
            return IH_ESTOP;
    }
}

/* Trains run `run` and writes its row; *info receives what the table publishes. IH_ESTOP when a
 * stop request interrupted it (checkpointed, row not written). A funnel sender hands the row to
 * the writer instead (*info left unfinished: the writer publishes the run once written). */
static int run_one(SweepCtx *c, int run, const SweepRunInfo *src, SweepRunInfo *info)
{
    int rc = 0;
    char ckpt[4300];
    RunResult *result = NULL, *row = NULL;
    char *resolved = NULL;
    const ResultsLayout *l = &c->dims;
    const int sender = c->funnel.on && c->rank != 0;
    struct stat st;
    sweep__ckpt_path(c->ckpt_dir, run, ckpt, (int)sizeof ckpt);
    IH_TRY(sweep_run_config(c->plan, run, c->cfg));
    IH_TRY(run_result_create(l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels,
                             &row));
    ClampHeadBindings bound = {-1, -1};
    int cannot = bind_heads(c, run, src, &bound);
    IH_TRY(cannot);
    if (!cannot && (bound.strongest_ih >= 0 || bound.pt_head >= 0)) {
        /* the row's config as trained, written before the row (its checksum comes last) */
        IH_TRY(run_config_write(c->cfg, &resolved));
        if (!sender) /* a sender's goes with its row */
            IH_TRY(results_write_resolved_config(c->file, run, resolved));
    }
    if (cannot) {
        sweep__result_failed(row);
    } else if (c->opts->simulate > 0) {
        const double t0 = ih_clock_seconds(), written0 = c->funnel.seconds;
        rc = simulate_one(c, run);
        c->t_train +=
            ih_clock_seconds() - t0 - (c->funnel.seconds - written0); /* rows written meanwhile */
        if (rc == IH_ESTOP)
            goto cleanup;
        sweep__result_simulated(&c->plan->runs[run], c->plan->n_heads, ih_clock_seconds() - t0,
                                row);
    } else {
        TrainOptions to = {.checkpoint_path = ckpt,
                           .stop = c->opts->stop,
                           .observer = {c, on_eval},
                           .data_reader = exemplar_file_read};
        const double t0 = ih_clock_seconds(), written0 = c->funnel.seconds;
        IH_TRY(train_result_create(c->cfg, &result));
        rc = train_run(c->cfg, &to, result);
        if (rc == IH_EDATA && stat(ckpt, &st) == 0) {
            /* a checkpoint of another configuration (e.g. after --force) or a damaged one */
            fprintf(stderr, "ihsweep run: run %d: discarding checkpoint %s (%s); starting afresh\n",
                    run, ckpt, ih_error_message());
            ih_error_clear();
            if (remove(ckpt) != 0)
                IH_FAIL(IH_EIO, "cannot remove %s: %s", ckpt, strerror(errno));
            run_result_destroy(&result);
            IH_TRY(train_result_create(c->cfg, &result));
            rc = train_run(c->cfg, &to, result);
        }
        c->t_train +=
            ih_clock_seconds() - t0 - (c->funnel.seconds - written0); /* rows written meanwhile */
        if (rc == IH_ESTOP) {
            ih_error_clear();
            goto cleanup;
        }
        IH_TRY(rc);
        run_result_copy_padded(result, row);
    }
    if (c->is_source[run]) { /* the runs that bind from it may start while its row is written */
        SweepRunInfo heads;
        sweep__row_info(row, c->rank, &heads);
        IH_TRY(sweep__table_publish(&c->table, run, &heads, SWEEP_HEADS));
    }
    double t0 = ih_clock_seconds();
    if (sender) { /* its checkpoint stays until the writer has written the row */
        IH_TRY(sweep__funnel_send(&c->funnel, run, row, resolved));
        c->t_io += ih_clock_seconds() - t0;
        goto cleanup;
    }
    IH_TRY(results_write_run(c->file, run, row));
    if (remove(ckpt) != 0 && errno != ENOENT)
        IH_FAIL(IH_EIO, "cannot remove %s: %s", ckpt, strerror(errno));
    c->t_io += ih_clock_seconds() - t0;
    c->n_ran++;
    sweep__row_info(row, c->rank, info);
cleanup:
    run_result_destroy(&result);
    run_result_destroy(&row);
    free(resolved);
    return rc;
}

/* ---- dispatch ---- */

/* Runs the dealt run, then claims and runs until nothing is left or a stop; local errors stop
 * every rank. A finished run is published with the next claim (one table operation); the claim
 * also answers a stop that another rank requested. */
static int dispatch(SweepCtx *c)
{
    int rc = 0, finished = -1;
    SweepRunInfo finished_info = {0};
    double wait = 0.01;
    /* waiting ranks poll less often the more of them there are: about 160 polls a second in
     * all, so a run that becomes ready is claimed within milliseconds at any rank count */
    const double wait_max = fmin(2.0, fmax(0.1, 0.1 * c->size / 16));
    for (;;) {
        IH_TRY(publish_stop(c));
        IH_TRY(funnel_poll(c));
        int run = -1, claim;
        SweepRunInfo src = {0}, info = {0};
        if (c->dealt >= 0) {
            run = c->dealt, src = c->dealt_source, c->dealt = -1;
            claim = *c->opts->stop ? SWEEP_CLAIM_STOP : SWEEP_CLAIM_RUN;
        } else {
            claim = sweep__table_claim(&c->table, finished, &finished_info, &run, &src);
            IH_TRY(claim);
            finished = -1;
        }
        if (claim == SWEEP_CLAIM_STOP || claim == SWEEP_CLAIM_NONE)
            break;
        if (claim == SWEEP_CLAIM_WAIT) {
            double t0 = ih_clock_seconds();
            IH_TRY(poll_progress(c, 0));
            nap(wait);
            wait = fmin(wait * 2, wait_max);
            c->t_idle += ih_clock_seconds() - t0;
            continue;
        }
        wait = 0.01;
        rc = run_one(c, run, &src, &info);
        if (rc == IH_ESTOP) {
            rc = 0;
            *c->opts->stop = 1;
            continue; /* publishes the stop, then the claim answers STOP */
        }
        IH_TRY(rc);
        if (info.state == SWEEP_FINISHED)
            finished = run, finished_info = info;
        IH_TRY(poll_progress(c, 0));
    }
cleanup:
    if (finished >= 0 &&
        sweep__table_publish(&c->table, finished, &finished_info, SWEEP_FINISHED) < 0 && rc == 0)
        rc = ih_error_code();
    if (rc < 0 && c->table_ready) {
        *c->opts->stop = 1;
        sweep__table_request_stop(&c->table);
    }
    return rc;
}

/* Rank 0 of a dedicated scheduler: reports progress and keeps calling MPI (which is what makes
 * the other ranks' one-sided operations progress where the transport needs the target's help)
 * until no run is left to claim or a stop. */
static int serve(SweepCtx *c)
{
    int rc = 0;
    double t0 = ih_clock_seconds();
    for (;;) {
        IH_TRY(sync_stop(c));
        if (*c->opts->stop)
            break;
        IH_TRY(sweep__table_read(&c->table, c->info));
        int left = 0;
        for (int r = 0; r < c->plan->n_runs; r++)
            left |= c->info[r].state == SWEEP_TODO;
        if (!left)
            break;
        IH_TRY(poll_progress(c, 0));
        IH_TRY(sweep__table_serve(&c->table));
        IH_TRY(funnel_poll(c));
        nap(0.002);
    }
cleanup:
    c->t_idle += ih_clock_seconds() - t0;
    return rc;
}

/* The end of dispatch, a barrier through rank 0 that wakes no later than END_NAP after the last
 * rank arrives. Each other rank, once its runs are finished or checkpointed and (funnel) its rows
 * answered, says so to rank 0 (SWEEP_TAG_DONE) and waits for its word to go (SWEEP_TAG_GO),
 * napping between looks rather than spinning, since it may share a core with runs still in
 * flight. Rank 0 meanwhile reports progress, answers a served table and writes funnelled rows;
 * when every rank has said it is done it tells each to go. (A tree barrier of napping ranks,
 * such as MPI_Ibarrier polled with MPI_Test, costs a nap per round: log2(ranks) naps, over a
 * second at 256 ranks.) Always completes, even after an error. */
enum { END_NAP_MS = 50 };

static int drain(SweepCtx *c)
{
    int rc = 0;
    const double t0 = ih_clock_seconds();
    if (c->rank == 0) {
        double last_poll = 0;
        for (int arrived = 0; arrived < c->size - 1;) {
            int flag = 0;
            MPI_Status st;
            MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, SWEEP_TAG_DONE, c->comm, &flag, &st),
                      "MPI_Iprobe");
            if (flag) {
                MPI_CHECK(MPI_Recv(NULL, 0, MPI_BYTE, st.MPI_SOURCE, SWEEP_TAG_DONE, c->comm,
                                   MPI_STATUS_IGNORE),
                          "MPI_Recv of a rank's end");
                arrived++;
                continue;
            }
            /* MPI calls, not just sleep: some transports progress others' one-sided operations
             * on rank 0's window only inside rank 0's MPI calls; a served table needs answers */
            if (sweep__table_serve(&c->table) < 0 && rc == 0)
                rc = ih_error_code();
            if (funnel_poll(c) < 0 && rc == 0)
                rc = ih_error_code(); /* a failed write asked every rank to stop */
            if (ih_clock_seconds() - last_poll >= 0.1) {
                last_poll = ih_clock_seconds();
                if (poll_progress(c, 0) < 0)
                    ih_error_clear(); /* reporting only; the end table reads it again */
            }
            nap(0.002);
        }
        for (int r = 1; r < c->size; r++)
            MPI_CHECK(MPI_Send(NULL, 0, MPI_BYTE, r, SWEEP_TAG_GO, c->comm), "MPI_Send of go");
        goto cleanup;
    }
    while (c->funnel.on && sweep__funnel_busy(&c->funnel)) {
        if (funnel_poll(c) < 0 && rc == 0)
            rc = ih_error_code();
        nap(0.005);
    }
    MPI_Request req[2];
    MPI_CHECK(MPI_Isend(NULL, 0, MPI_BYTE, 0, SWEEP_TAG_DONE, c->comm, &req[0]),
              "MPI_Isend of this rank's end");
    MPI_CHECK(MPI_Irecv(NULL, 0, MPI_BYTE, 0, SWEEP_TAG_GO, c->comm, &req[1]), "MPI_Irecv of go");
    double wait = 0.002;
    for (int done = 0;;) {
        MPI_CHECK(MPI_Testall(2, req, &done, MPI_STATUSES_IGNORE), "MPI_Testall");
        if (done)
            break;
        nap(wait);
        wait = fmin(wait * 1.5, END_NAP_MS / 1e3);
    }
cleanup:
    c->t_idle += ih_clock_seconds() - t0;
    return rc;
}

static void report_times(SweepCtx *c, double wall, SweepRunReport *rep)
{
    double mine[5] = {c->t_train, c->t_io + c->funnel.seconds, c->table.seconds, c->t_idle,
                      (double)(c->n_ran + c->funnel.n_written)};
    double sum[5] = {0};
    MPI_Allreduce(mine, sum, 5, MPI_DOUBLE, MPI_SUM, c->comm);
    MPI_Allreduce(MPI_IN_PLACE, &wall, 1, MPI_DOUBLE, MPI_MAX, c->comm);
    const double denom = wall * c->size > 0 ? wall * c->size : 1;
    rep->wall = wall;
    rep->train_frac = sum[0] / denom;
    rep->io_frac = sum[1] / denom;
    rep->sched_frac = sum[2] / denom;
    rep->idle_frac = sum[3] / denom;
    rep->n_ran = (int)sum[4];
}

/* Simulate: two lower bounds of the dispatch time of the runs to do, in scaled seconds (their
 * total over the training ranks, and the longest chain of runs binding heads from each other; a
 * source id is always below its dependents' ids), and the dispatch order's schedule without
 * overhead (schedule.c), which granularity alone can keep above both bounds. */
static int simulate_bounds(SweepCtx *c, const SweepRunInfo *init)
{
    int rc = 0;
    const int n = c->plan->n_runs;
    double *chain = NULL, *seconds = NULL, total = 0;
    IH_ALLOC(chain, n);
    IH_ALLOC(seconds, n);
    for (int r = 0; r < n; r++) {
        const SweepRun *run = &c->plan->runs[r];
        const int todo = init[r].state == SWEEP_TODO;
        const double t = todo ? run->cost * sweep_seconds_per_gflop() * c->opts->simulate : 0;
        seconds[r] = todo ? t : -1;
        total += t;
        chain[r] = t + (run->source >= 0 ? chain[run->source] : 0);
        c->sim_chain = fmax(c->sim_chain, chain[r]);
    }
    c->sim_even = total / (c->size - c->dedicated);
    IH_TRY(sweep__list_makespan(c->plan, c->table.order, seconds, c->size - c->dedicated,
                                &c->sim_schedule));
cleanup:
    free(chain);
    free(seconds);
    return rc;
}

static void print_end(SweepCtx *c, const SweepRunReport *rep)
{
    FILE *log = c->opts->log;
    char wall[32], setup[32];
    sweep__duration(rep->wall, wall);
    sweep__duration(rep->setup_seconds, setup);
    print_summary(c, ih_clock_seconds());
    fprintf(log,
            "time: %s of dispatch on %d rank%s (%d runs trained): training %.1f%%, row writes "
            "%.2f%%, scheduling %.3f%%, waiting %.1f%% of rank-time; setup and close %s\n",
            wall, c->size, c->size == 1 ? "" : "s", rep->n_ran, 100 * rep->train_frac,
            100 * rep->io_frac, 100 * rep->sched_frac, 100 * rep->idle_frac, setup);
    if (c->opts->simulate > 0) {
        const double bound = fmax(c->sim_even, c->sim_chain);
        fprintf(log,
                "simulate: dispatch %.2fs on %d training rank%s; lower bounds: runs' time / "
                "ranks %.2fs, longest chain %.2fs; dispatch / bound = %.4f; schedule without "
                "overhead %.2fs, dispatch / schedule = %.4f\n",
                rep->wall, c->size - c->dedicated, c->size - c->dedicated == 1 ? "" : "s",
                c->sim_even, c->sim_chain, bound > 0 ? rep->wall / bound : NAN, c->sim_schedule,
                c->sim_schedule > 0 ? rep->wall / c->sim_schedule : NAN);
    }
    sweep__print_table(c->plan, c->info, c->opts->selected, log);
    if (rep->stopped)
        fprintf(log, "stopped on request: in-flight runs were checkpointed; run the same command "
                     "with --resume to finish\n");
    fprintf(log, "results: %s\n", c->opts->output);
    fflush(log);
}

/* Every rank learns the file's row sizes and whether it was created (rank 0 holds the file in
 * funnel mode). */
static int share_dims(SweepCtx *c, int *fresh)
{
    int rc = 0, v[6] = {0, 0, 0, 0, 0, *fresh};
    if (c->file) {
        const ResultsLayout *l = results_layout(c->file);
        v[0] = l->max_evals, v[1] = l->n_evaluators, v[2] = l->n_heads, v[3] = l->n_probe;
        v[4] = l->n_labels;
    }
    if (MPI_Bcast(v, 6, MPI_INT, 0, c->comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "sweep: MPI_Bcast of the file's sizes failed");
    c->dims.max_evals = v[0], c->dims.n_evaluators = v[1], c->dims.n_heads = v[2];
    c->dims.n_probe = v[3], c->dims.n_labels = v[4];
    *fresh = v[5];
cleanup:
    return rc;
}

/* Funnel mode, after rank 0 verified the rows alone (rc its result): every rank gets the table's
 * initial state and removes the checkpoints of complete rows as it sees the checkpoint folder
 * (a node-local one holds those of its own node). Collective. */
static int funnel_share_verified(SweepCtx *c, int rc, SweepRunInfo *init)
{
    char ckpt[4300];
    int removed = 0;
    IH_TRY(ih_mpi_agree(c->comm, rc));
    if (MPI_Bcast(init, (int)(c->plan->n_runs * sizeof *init), MPI_BYTE, 0, c->comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "sweep: MPI_Bcast of the verified rows failed");
    for (int r = 0; c->rank != 0 && r < c->plan->n_runs && !removed; r++) {
        if (init[r].state != SWEEP_FINISHED)
            continue;
        sweep__ckpt_path(c->ckpt_dir, r, ckpt, (int)sizeof ckpt);
        if (remove(ckpt) != 0 && errno != ENOENT) {
            ih_error_set(__FILE__, __LINE__, __func__, IH_EIO, "cannot remove %s: %s", ckpt,
                         strerror(errno));
            removed = IH_EIO;
        }
    }
    rc = ih_mpi_agree(c->comm, removed);
cleanup:
    return rc;
}

static const char *write_mode_name(SweepWriteMode m)
{
    return m == SWEEP_WRITE_FUNNEL ? "funnel" : m == SWEEP_WRITE_PARALLEL ? "parallel" : "auto";
}

int sweep_run(MPI_Comm comm, const SweepPlan *plan, const SweepRunOptions *opts,
              SweepRunReport *report)
{
    int rc = 0, fresh = 0, loop_rc = 0;
    SweepCtx ctx = {.comm = comm, .plan = plan, .opts = opts}, *c = &ctx;
    SweepRunInfo *init = NULL;
    ResultsLock *lock = NULL; /* one writer per file */
    memset(report, 0, sizeof *report);
    MPI_Comm_rank(comm, &c->rank);
    MPI_Comm_size(comm, &c->size);
    const double t_setup = ih_clock_seconds();
    IH_ALLOC(c->cfg, 1);
    IH_ALLOC(init, plan->n_runs);
    IH_ALLOC(c->info, plan->n_runs);
    IH_ALLOC(c->reported, plan->n_runs);
    IH_ALLOC(c->is_source, plan->n_runs);
    for (int r = 0; r < plan->n_runs; r++)
        if (plan->runs[r].source >= 0)
            c->is_source[plan->runs[r].source] = 1;
    IH_TRY(results_lock_acquire(comm, opts->output, "run", opts->log, &lock));
    if (opts->checkpoint_dir)
        snprintf(c->ckpt_dir, sizeof c->ckpt_dir, "%s", opts->checkpoint_dir);
    else
        snprintf(c->ckpt_dir, sizeof c->ckpt_dir, "%s.ckpt", opts->output);
    /* the write mode: rank 0 looks at the file system; in funnel mode it alone opens the file */
    if (c->rank == 0)
        c->fs_kind = sweep__fs_kind(opts->output, c->fs_name, (int)sizeof c->fs_name);
    int funnel = c->rank == 0 && sweep__write_funnel(opts->write_mode, c->fs_kind);
    if (MPI_Bcast(&funnel, 1, MPI_INT, 0, comm) != MPI_SUCCESS)
        IH_FAIL(IH_EMPI, "sweep: MPI_Bcast of the write mode failed");
    const MPI_Comm file_comm = funnel ? MPI_COMM_SELF : comm;
    rc = funnel && c->rank != 0 ? 0 : sweep__open(file_comm, plan, opts, funnel, &c->file, &fresh);
    IH_TRY(funnel ? ih_mpi_agree(comm, rc) : rc);
    IH_TRY(share_dims(c, &fresh));
    IH_TRY(ih_mpi_agree(comm, sweep__funnel_init(&c->funnel, comm, funnel, c->ckpt_dir, &c->dims)));
    rc = c->rank == 0 ? results_write_selection(c->file, opts->selected) : 0;
    IH_TRY(ih_mpi_agree(comm, rc));
    if (fresh) {
        for (int r = 0; r < plan->n_runs; r++)
            init[r] =
                (SweepRunInfo){opts->selected && !opts->selected[r] ? SWEEP_SKIPPED : SWEEP_TODO,
                               -1,
                               0,
                               -1,
                               -1,
                               0,
                               NAN,
                               NAN};
    } else {
        int own = 0;
        rc = funnel && c->rank != 0 ? 0
                                    : sweep__verify(file_comm, c->file, plan, c->ckpt_dir,
                                                    opts->selected, init, opts->log, &own);
        if (funnel)
            rc = funnel_share_verified(c, rc, init);
        report->local_error = own;
        if (own)
            fprintf(stderr, "ihsweep run: rank %d: error: %s\n", c->rank, ih_error_message());
        IH_TRY(rc);
    }
    if (opts->heads_from && opts->selected)
        IH_TRY(sweep__heads_from(comm, plan, opts->heads_from, opts->selected, init));
    /* every rank: the folder may be node-local */
    int mk = 0;
    if (mkdir(c->ckpt_dir, 0777) != 0 && errno != EEXIST) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_EIO, "cannot create %s: %s", c->ckpt_dir,
                     strerror(errno));
        mk = IH_EIO;
    }
    IH_TRY(ih_mpi_agree(comm, mk));
    IH_TRY(sweep__table_create(comm, plan, init, &c->table));
    c->table_ready = 1;
    IH_TRY(sweep__table_probe(&c->table, &report->probe_seconds));
    c->dedicated =
        c->size > 1 && (c->table.served || opts->scheduler == SWEEP_SCHED_DEDICATED ||
                        (opts->scheduler == SWEEP_SCHED_AUTO && report->probe_seconds > 0.02));
    report->dedicated = c->dedicated;
    IH_TRY(sweep__table_deal(&c->table, init, c->dedicated, &c->dealt, &c->dealt_source));
    memcpy(c->info, init, (size_t)plan->n_runs * sizeof *init);
    if (opts->simulate > 0) /* rank 0 prints them */
        IH_TRY(ih_mpi_agree(comm, c->rank == 0 ? simulate_bounds(c, init) : 0));
    if (c->rank == 0 && opts->log) {
        int counts[4], todo = 0;
        char stamp[32];
        sweep__count(plan, init, opts->selected, counts);
        for (int r = 0; r < plan->n_runs; r++)
            todo += init[r].state == SWEEP_TODO;
        sweep__timestamp(stamp);
        fprintf(opts->log,
                "%s sweep %s: %d runs, %d selected, %d complete in %s, %d to do on %d "
                "rank%s\n",
                stamp, plan->name, plan->n_runs, counts[0] + counts[1] + counts[2] + counts[3],
                counts[1] + counts[2], opts->output, todo, c->size, c->size == 1 ? "" : "s");
        fprintf(opts->log, "%s results file system: %s; write mode %s (--write-mode %s): %s%s\n",
                stamp, c->fs_name, funnel ? "funnel" : "parallel",
                write_mode_name(opts->write_mode),
                funnel ? "rank 0 alone opens the file and writes every row, the others send it "
                         "theirs"
                       : "every rank writes its rows into the file (MPI-IO)",
                !funnel && c->fs_kind == SWEEP_FS_NFS
                    ? " -- WARNING: ranks on several nodes writing one file over NFS (or other "
                      "network file systems without coherent MPI-IO) can lose rows; use "
                      "--write-mode funnel (or auto), a parallel file system (Lustre, GPFS, "
                      "BeeGFS) or one node (README, 'File systems')"
                    : "");
        if (c->table.served)
            fprintf(opts->log,
                    "%s scheduler: rank 0 schedules only (no one-sided MPI component spans these "
                    "ranks: it answers requests by messages)\n",
                    stamp);
        else if (c->size > 1)
            fprintf(opts->log,
                    "%s scheduler: %s (one-sided access to rank 0 took %.3g ms while "
                    "it computed)\n",
                    stamp, c->dedicated ? "rank 0 schedules only" : "every rank trains",
                    1e3 * report->probe_seconds);
        fflush(opts->log);
    }
    report->setup_seconds = ih_clock_seconds() - t_setup;
    c->t_start = c->last_summary = ih_clock_seconds();
    loop_rc = c->dedicated && c->rank == 0 ? serve(c) : dispatch(c);
    report->local_error = loop_rc < 0;
    if (loop_rc < 0)
        fprintf(stderr, "ihsweep run: rank %d: error: %s\n", c->rank, ih_error_message());
    int drain_rc = drain(c);
    const double wall = ih_clock_seconds() - c->t_start;
    int flags[2] = {*opts->stop ? 1 : 0, loop_rc < 0 || drain_rc < 0};
    MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, comm);
    report_times(c, wall, report);
    /* rank 0 alone from here to the agreement: nothing may jump to cleanup */
    int counts[4] = {0, 0, 0, 0};
    if (c->rank == 0) {
        if (sweep__table_read(&c->table, c->info) == 0) {
            for (int r = 0; opts->log && r < plan->n_runs; r++)
                if (c->info[r].state == SWEEP_FINISHED && c->info[r].rank >= 0 && !c->reported[r]) {
                    c->reported[r] = 1;
                    print_finished(c, r);
                }
            sweep__count(plan, c->info, opts->selected, counts);
        } else if (loop_rc == 0) {
            ih_error_clear(); /* the counts stay zero; the table is gone anyway */
        }
    }
    MPI_Bcast(counts, 4, MPI_INT, 0, comm);
    report->n_pending = counts[RUN_PENDING];
    report->n_done = counts[RUN_DONE];
    report->n_diverged = counts[RUN_DIVERGED];
    report->n_failed = counts[RUN_FAILED];
    /* a signal that came when every selected run was already finished stopped nothing */
    report->stopped = flags[0] && counts[RUN_PENDING] > 0;
    rc = ih_mpi_agree(comm, loop_rc < 0 ? loop_rc : drain_rc);
cleanup:
    if (c->table_ready)
        sweep__table_destroy(&c->table);
    if (c->file) {
        double t0 = ih_clock_seconds();
        int close_rc = results_close(&c->file);
        if (rc == 0)
            rc = close_rc;
        report->setup_seconds += ih_clock_seconds() - t0;
    }
    sweep__funnel_free(&c->funnel);
    results_lock_release(&lock);
    if (rc == 0 && c->ckpt_dir[0])
        rmdir(c->ckpt_dir); /* the checkpoint folder once empty (each node's, where node-local) */
    if (rc == 0 && c->rank == 0 && opts->log)
        print_end(c, report);
    free(c->cfg);
    free(c->info);
    free(c->reported);
    free(c->is_source);
    free(init);
    return rc;
}
