/* The dispatch order and the schedule it gives without overhead (src/sweep/schedule.c), on
 * hand-built plans whose schedules are worked out in the comments: a source must finish before
 * its dependents start, a free rank takes the first ready run of the order, a rank with nothing
 * ready waits for the next source to finish, and runs not to do count as finished.
 */
#include "harness.h"

#include "sweep/internal.h"

#include <stdlib.h>

TEST_COUNTS_DECLARE;

enum { MAX_RUNS = 8 };

typedef struct {
    SweepPlan plan;
    SweepRun runs[MAX_RUNS];
    int order[MAX_RUNS];
} TinyPlan;

/* n runs with the given costs and sources (-1: none); its dispatch order filled in. */
static void tiny_plan(TinyPlan *t, int n, const double *cost, const int *source)
{
    memset(t, 0, sizeof *t);
    t->plan.n_runs = n;
    t->plan.runs = t->runs;
    for (int r = 0; r < n; r++)
        t->runs[r] = (SweepRun){.id = r, .source = source[r], .cost = cost[r]};
    CHECK_OK(sweep__dispatch_order(&t->plan, t->order));
}

/* A (4) binds B (2); C (3) and D (1) are independent. Critical paths 6, 2, 3, 1: order A C B D.
 * Two ranks: A 0-4 and C 0-3; at 3 B waits for A, so D 3-4; at 4 B 4-6. Makespan 6; one rank:
 * the sum, 10. */
static void test_chain_and_independents(void)
{
    TinyPlan t;
    const double cost[] = {4, 2, 3, 1};
    const int source[] = {-1, 0, -1, -1};
    tiny_plan(&t, 4, cost, source);
    CHECK(t.order[0] == 0 && t.order[1] == 2 && t.order[2] == 1 && t.order[3] == 3);
    double makespan = -1;
    CHECK_OK(sweep__list_makespan(&t.plan, t.order, cost, 2, &makespan));
    CHECK_NEAR(makespan, 6.0, 0);
    CHECK_OK(sweep__list_makespan(&t.plan, t.order, cost, 1, &makespan));
    CHECK_NEAR(makespan, 10.0, 0);
}

/* A (5) binds B (1) and C (1), nothing else: on three ranks the two idle ranks wait for A, then
 * B and C run side by side, 5-6: makespan 6, the longest chain. */
static void test_waiting_for_a_source(void)
{
    TinyPlan t;
    const double cost[] = {5, 1, 1};
    const int source[] = {-1, 0, 0};
    tiny_plan(&t, 3, cost, source);
    double makespan = -1;
    CHECK_OK(sweep__list_makespan(&t.plan, t.order, cost, 3, &makespan));
    CHECK_NEAR(makespan, 6.0, 0);
}

/* A finished earlier (seconds < 0: not to do), so B (2) bound to it is ready at once; with C (3)
 * on one rank: 5. Nothing to do at all: 0. */
static void test_runs_not_to_do(void)
{
    TinyPlan t;
    const double cost[] = {4, 2, 3};
    const int source[] = {-1, 0, -1};
    tiny_plan(&t, 3, cost, source);
    const double seconds[] = {-1, 2, 3};
    double makespan = -1;
    CHECK_OK(sweep__list_makespan(&t.plan, t.order, seconds, 1, &makespan));
    CHECK_NEAR(makespan, 5.0, 0);
    const double none[] = {-1, -1, -1};
    CHECK_OK(sweep__list_makespan(&t.plan, t.order, none, 4, &makespan));
    CHECK_NEAR(makespan, 0.0, 0);
}

/* Granularity: three equal runs (1 each) on two ranks take 2, above both lower bounds (1.5 and
 * 1): why --simulate reports this schedule next to the bounds. */
static void test_granularity(void)
{
    TinyPlan t;
    const double cost[] = {1, 1, 1};
    const int source[] = {-1, -1, -1};
    tiny_plan(&t, 3, cost, source);
    double makespan = -1;
    CHECK_OK(sweep__list_makespan(&t.plan, t.order, cost, 2, &makespan));
    CHECK_NEAR(makespan, 2.0, 0);
}

int main(void)
{
    test_chain_and_independents();
    test_waiting_for_a_source();
    test_runs_not_to_do();
    test_granularity();
    TEST_MAIN_END("test_sweep_schedule");
}
