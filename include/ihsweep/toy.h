/* The three-vector toy model of design 4.8 (Fig 5a, Fig 9; the reference's simple_model_solver.py).
 *
 * Vectors a, b, c in R^n fit a rank-1 target tensor a* (x) b* (x) c* by full-batch gradient descent
 * on loss = 1/2 mean_{ijk} (a*_i b*_j c*_k - a_i b_j c_k)^2 with optional clamps (c = c*, or b = b*
 * and c = c*) applied at the start and re-applied after every update, as the reference does.
 * Targets and initial values are i.i.d. N(0,1) from rng.h (RNG_PURPOSE_TOY, stream index 0..5 = a*,
 * b*, c*, a, b, c), so every condition of one seed starts from the same point. Double precision
 * throughout; no MPI, no files (toy_file.h, in io, writes HDF5). Vectors are passed as one [3][n]
 * array: rows a, b, c.
 */
#ifndef IHSWEEP_TOY_H
#define IHSWEEP_TOY_H

#include <stdint.h>

typedef enum { TOY_NONE = 0, TOY_CLAMP_C, TOY_CLAMP_BC, TOY_CONDITION_COUNT } ToyCondition;

typedef struct {
    int n;         /* vector length (20); 1..TOY_MAX_N */
    double lr;     /* gradient-descent step (1) */
    int iters;     /* updates (1000); 0..TOY_MAX_ITERS */
    uint32_t seed; /* targets and init (1) */
    ToyCondition condition;
} ToyConfig;

#define TOY_MAX_N 100 /* the loss is a direct n^3 sum */
#define TOY_MAX_ITERS 10000000
#define TOY_SOLVED_FRACTION 1e-3 /* "solved": loss below this fraction of the initial loss */

typedef struct {
    ToyConfig config;
    double *loss;             /* [iters+1] loss before update k (k = iters: after the last) */
    double *one_minus_cos2_a; /* [iters+1] 1 - cos^2(a, a*) */
    double *loss_at_true_bc;  /* [iters+1] min over sign s of the loss at (s a, b*, c*) */
    double *target;           /* [3][n] a*, b*, c* */
    double *final;            /* [3][n] a, b, c after the last update */
} ToyResult;

/* Fills *c with the paper's settings: n 20, lr 1, 1000 iterations, seed 1, condition none. */
void toy_config_default(ToyConfig *c);

/* Static name of a condition ("none", "clamp_c", "clamp_bc"); "?" if out of range. */
const char *toy_condition_name(ToyCondition c);

/* Parses a condition name into *out. Errors: IH_ECONFIG (unknown name, listing the valid ones). */
int toy_condition_parse(const char *name, ToyCondition *out);

/* Checks ranges: n in 1..TOY_MAX_N, iters in 0..TOY_MAX_ITERS, lr finite and > 0, condition valid.
 * Errors: IH_ECONFIG naming the field. Local. */
int toy_config_check(const ToyConfig *c);

/* Loss at x [3][n] for target [3][n], as a direct sum over the n^3 entries: never negative, and its
 * rounding error is about eps * sqrt(loss) (the loss stays meaningful down to about 1e-30), where
 * the expanded closed form |A|^2 - 2<A,X> + |X|^2 cancels to noise below about eps = 1e-16. Local;
 * cannot fail. */
double toy_loss(int n, const double *target, const double *x);

/* The closed-form gradient of design 4.8 of toy_loss into grad [3][n], e.g.
 *   dL/da_i = (a_i |b|^2 |c|^2 - a*_i (b*.b)(c*.c)) / n^3,  and likewise for b and c.
 * Local; cannot fail. */
void toy_gradient(int n, const double *target, const double *x, double *grad);

/* Runs one condition: draws target and init, records the progress measures at iterations 0..iters
 * (before each update and after the last), and returns an owned result in *out.
 * Errors: IH_ECONFIG (see toy_config_check), IH_ENOMEM. Local; deterministic in (n, seed). */
int toy_run(const ToyConfig *config, ToyResult **out);

/* The first iteration k whose loss is below TOY_SOLVED_FRACTION x loss[0], -1 if none. Local. */
int64_t toy_solved_iteration(const ToyResult *r);

/* Frees *r and sets it to NULL. NULL-safe. */
void toy_result_destroy(ToyResult **r);

#endif
