/* `ihsweep toy`: runs the three-vector toy model of design 4.8 under one or all clamp conditions,
 * writes the curves to a plain (serial) HDF5 file (layout in toy_file.h) and prints how fast each
 * condition learns. No MPI. */
#include "cli/cli.h"

#include "ihsweep/error.h"
#include "ihsweep/toy.h"
#include "ihsweep/toy_file.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOY_CMD "toy"

static void print_help(void)
{
    printf(
        "usage: ihsweep toy [options] -o FILE.h5\n\n"
        "The three-vector toy model of the paper (design 4.8): a, b, c in R^n fit a rank-1 target\n"
        "a* (x) b* (x) c* by full-batch gradient descent, with b and/or c optionally clamped to\n"
        "their targets. Writes one HDF5 group per condition (iteration, loss, one_minus_cos2_a,\n"
        "loss_at_true_bc) and prints the iterations each condition needs to reach a loss below\n"
        "1e-3 of its initial loss.\n\n"
        "options:\n"
        "  --condition C  none | clamp_c | clamp_bc | all (default all)\n"
        "  --iters N      gradient-descent updates (default 1000)\n"
        "  --lr X         learning rate (default 1)\n"
        "  --n N          vector length, 1..%d (default 20)\n"
        "  --seed S       seed of targets and init (default 1)\n"
        "  -o FILE        output HDF5 file (required; overwritten)\n"
        "  -h, --help     this text\n",
        TOY_MAX_N);
}

/* Runs the chosen conditions (all when all != 0) and writes them to path. */
static int toy_write(const ToyConfig *base, int all, const char *path)
{
    int rc = 0;
    ToyFile *file = NULL;
    ToyResult *r = NULL;
    IH_TRY(toy_file_create(path, &file));
    printf("toy model: n %d, lr %g, %d iterations, seed %u\n", base->n, base->lr, base->iters,
           (unsigned)base->seed);
    for (int c = 0; c < TOY_CONDITION_COUNT; c++) {
        if (!all && c != (int)base->condition)
            continue;
        ToyConfig cfg = *base;
        cfg.condition = (ToyCondition)c;
        IH_TRY(toy_run(&cfg, &r));
        IH_TRY(toy_file_write(file, r));
        int64_t solved = toy_solved_iteration(r);
        if (solved >= 0)
            printf("  %-9s loss %.4g -> %.4g; below 1e-3 of initial after %lld iterations\n",
                   toy_condition_name(cfg.condition), r->loss[0], r->loss[cfg.iters],
                   (long long)solved);
        else
            printf("  %-9s loss %.4g -> %.4g; never below 1e-3 of initial\n",
                   toy_condition_name(cfg.condition), r->loss[0], r->loss[cfg.iters]);
        toy_result_destroy(&r);
    }
    IH_TRY(toy_file_close(&file));
cleanup:
    toy_result_destroy(&r);
    toy_file_close(&file);
    return rc;
}

int cmd_toy(int argc, char **argv)
{
    ToyConfig cfg;
    toy_config_default(&cfg);
    int all = 1;
    const char *out = NULL;
    if (cli_wants_help(argc, argv)) {
        print_help();
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        int known = !strcmp(flag, "--condition") || !strcmp(flag, "--iters") ||
                    !strcmp(flag, "--lr") || !strcmp(flag, "--n") || !strcmp(flag, "--seed") ||
                    !strcmp(flag, "-o");
        if (!known)
            return cli_usage_error(TOY_CMD, "unknown option '%s'", flag);
        if (i + 1 >= argc)
            return cli_usage_error(TOY_CMD, "%s needs a value", flag);
        const char *val = argv[++i];
        long v;
        if (!strcmp(flag, "--condition")) {
            all = !strcmp(val, "all");
            if (!all && toy_condition_parse(val, &cfg.condition) < 0)
                return cli_usage_error(TOY_CMD,
                                       "unknown condition '%s' (none, clamp_c, "
                                       "clamp_bc, all)",
                                       val);
        } else if (!strcmp(flag, "--iters")) {
            if (cli_parse_long(val, 0, TOY_MAX_ITERS, &v) < 0)
                return cli_usage_error(TOY_CMD, "--iters must be an integer in 0..%d (got '%s')",
                                       TOY_MAX_ITERS, val);
            cfg.iters = (int)v;
        } else if (!strcmp(flag, "--lr")) {
            if (cli_parse_double(val, &cfg.lr) < 0 || !isfinite(cfg.lr) || !(cfg.lr > 0.0))
                return cli_usage_error(TOY_CMD, "--lr must be a positive number (got '%s')", val);
        } else if (!strcmp(flag, "--n")) {
            if (cli_parse_long(val, 1, TOY_MAX_N, &v) < 0)
                return cli_usage_error(TOY_CMD, "--n must be an integer in 1..%d (got '%s')",
                                       TOY_MAX_N, val);
            cfg.n = (int)v;
        } else if (!strcmp(flag, "--seed")) {
            if (cli_parse_long(val, 0, (long)UINT32_MAX, &v) < 0)
                return cli_usage_error(TOY_CMD, "--seed must be an integer in 0..%lu (got '%s')",
                                       (unsigned long)UINT32_MAX, val);
            cfg.seed = (uint32_t)v;
        } else {
            out = val;
        }
    }
    if (!out)
        return cli_usage_error(TOY_CMD, "missing -o FILE.h5");
    return cli_report_error(TOY_CMD, toy_write(&cfg, all, out));
}
