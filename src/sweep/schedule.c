/* The order in which the run table hands out runs, and the schedule that order gives when
 * nothing costs time but training: the yardstick `--simulate` measures the scheduler against.
 * Dispatch order: longest critical path first (a run's estimated cost plus the longest chain of
 * runs that bind heads from it), ties by id. Pure functions of the plan; no MPI.
 */
#include "sweep/internal.h"

#include "ihsweep/error.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double path;
    int id;
} OrderKey;

static int order_cmp(const void *a, const void *b)
{
    const OrderKey *x = a, *y = b;
    if (x->path != y->path)
        return x->path > y->path ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

int sweep__dispatch_order(const SweepPlan *plan, int *order)
{
    int rc = 0;
    const int n = plan->n_runs;
    double *child = NULL;
    OrderKey *keys = NULL;
    IH_ALLOC(child, n);
    IH_ALLOC(keys, n);
    for (int i = n - 1; i >= 0; i--) {
        keys[i] = (OrderKey){plan->runs[i].cost + child[i], i};
        int src = plan->runs[i].source;
        if (src >= 0 && keys[i].path > child[src])
            child[src] = keys[i].path;
    }
    qsort(keys, (size_t)n, sizeof *keys, order_cmp);
    for (int i = 0; i < n; i++)
        order[i] = keys[i].id;
cleanup:
    free(child);
    free(keys);
    return rc;
}

/* The first run of the order that is to do, not started, and whose source has finished by t;
 * -1 when none. */
static int first_ready(const SweepPlan *plan, const int *order, const double *seconds,
                       const double *finish, double t)
{
    for (int k = 0; k < plan->n_runs; k++) {
        const int r = order[k];
        const int src = plan->runs[r].source;
        if (seconds[r] >= 0 && isnan(finish[r]) && (src < 0 || finish[src] <= t))
            return r;
    }
    return -1;
}

/* The next time after t at which a started source finishes and frees a waiting run; INFINITY
 * when no started run finishes after t. */
static double next_release(const SweepPlan *plan, const double *seconds, const double *finish,
                           double t)
{
    double next = INFINITY;
    for (int r = 0; r < plan->n_runs; r++) {
        const int src = plan->runs[r].source;
        if (seconds[r] >= 0 && isnan(finish[r]) && src >= 0 && finish[src] > t)
            next = fmin(next, finish[src]);
    }
    return next;
}

int sweep__list_makespan(const SweepPlan *plan, const int *order, const double *seconds, int ranks,
                         double *makespan)
{
    int rc = 0;
    const int n = plan->n_runs;
    double *finish = NULL, *free_at = NULL;
    IH_ALLOC(finish, n);
    IH_ALLOC(free_at, ranks);
    int left = 0;
    for (int r = 0; r < n; r++) {
        finish[r] = seconds[r] >= 0 ? NAN : 0; /* runs not to do count as finished at 0 */
        left += seconds[r] >= 0;
    }
    *makespan = 0;
    while (left > 0) {
        int k = 0;
        for (int j = 1; j < ranks; j++)
            k = free_at[j] < free_at[k] ? j : k;
        const int r = first_ready(plan, order, seconds, finish, free_at[k]);
        if (r < 0) {
            const double next = next_release(plan, seconds, finish, free_at[k]);
            if (isinf(next))
                IH_FAIL(IH_EINTERNAL, "sweep: list schedule stuck with %d runs left", left);
            free_at[k] = next;
            continue;
        }
        finish[r] = free_at[k] + seconds[r];
        free_at[k] = finish[r];
        *makespan = fmax(*makespan, finish[r]);
        left--;
    }
cleanup:
    free(finish);
    free(free_at);
    return rc;
}
