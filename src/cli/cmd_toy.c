/* `ihsweep toy`: runs the three-vector toy model of spec 4.8 under one or all clamp conditions,
 * writes the curves to a plain (serial) HDF5 file and prints how fast each condition learns.
 * One group per condition: datasets iteration, loss, one_minus_cos2_a, loss_at_true_bc (iteration
 * is a dimension scale), attributes with the configuration. No MPI. */
#include "cli/cli.h"

#include "ihsweep/error.h"
#include "ihsweep/toy.h"
#include "ihsweep/version.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOY_CMD "toy"
#define TOY_SOLVED_FRACTION 1e-3 /* summary: first iteration with loss < this x initial loss */

static void print_help(void)
{
    printf(
        "usage: ihsweep toy [options] -o FILE.h5\n\n"
        "The three-vector toy model of the paper (spec 4.8): a, b, c in R^n fit a rank-1 target\n"
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

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* HDF5 helpers: each fails with IH_EHDF5 naming the file and the object. */
static int write_attr(hid_t obj, const char *name, hid_t type, const void *value, const char *path)
{
    int rc = 0;
    hid_t space = -1, attr = -1;
    if ((space = H5Screate(H5S_SCALAR)) < 0 ||
        (attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, type, value) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot write attribute '%s'", path, name);
cleanup:
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static int write_string_attr(hid_t obj, const char *name, const char *value, const char *path)
{
    int rc = 0;
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0 || H5Tset_size(type, strlen(value) + 1) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot make string type for '%s'", path, name);
    IH_TRY(write_attr(obj, name, type, value, path));
cleanup:
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

static int write_dataset(hid_t group, const char *name, hid_t file_type, hid_t mem_type,
                         hsize_t len, const void *data, const char *path, hid_t *out)
{
    int rc = 0;
    hid_t space = -1, dset = -1;
    if ((space = H5Screate_simple(1, &len, NULL)) >= 0)
        dset = H5Dcreate2(group, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0 || H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot write dataset '%s'", path, name);
    *out = dset;
    dset = -1;
cleanup:
    if (dset >= 0)
        H5Dclose(dset);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* First iteration whose loss is below TOY_SOLVED_FRACTION of the initial loss, -1 if none. */
static int64_t solved_at(const ToyResult *r)
{
    for (int k = 0; k <= r->config.iters; k++)
        if (r->loss[k] < TOY_SOLVED_FRACTION * r->loss[0])
            return k;
    return -1;
}

static int write_condition(hid_t file, const ToyResult *r, const char *path)
{
    int rc = 0;
    const ToyConfig *c = &r->config;
    const char *name = toy_condition_name(c->condition);
    hid_t group = -1, dsets[4] = {-1, -1, -1, -1};
    int64_t *iteration = NULL;
    hsize_t len = (hsize_t)c->iters + 1;
    IH_ALLOC(iteration, len);
    for (hsize_t k = 0; k < len; k++)
        iteration[k] = (int64_t)k;
    if ((group = H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot create group '%s'", path, name);
    IH_TRY(write_dataset(group, "iteration", H5T_STD_I64LE, H5T_NATIVE_INT64, len, iteration, path,
                         &dsets[0]));
    IH_TRY(write_dataset(group, "loss", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, len, r->loss, path,
                         &dsets[1]));
    IH_TRY(write_dataset(group, "one_minus_cos2_a", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, len,
                         r->one_minus_cos2_a, path, &dsets[2]));
    IH_TRY(write_dataset(group, "loss_at_true_bc", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, len,
                         r->loss_at_true_bc, path, &dsets[3]));
    if (H5DSset_scale(dsets[0], "iteration") < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot make '%s/iteration' a dimension scale", path, name);
    for (int d = 1; d < 4; d++)
        if (H5DSattach_scale(dsets[d], dsets[0], 0) < 0)
            IH_FAIL(IH_EHDF5, "%s: cannot attach the iteration scale in '%s'", path, name);
    int n = c->n, iters = c->iters;
    uint32_t seed = c->seed;
    int64_t solved = solved_at(r);
    IH_TRY(write_string_attr(group, "condition", name, path));
    IH_TRY(write_attr(group, "n", H5T_NATIVE_INT, &n, path));
    IH_TRY(write_attr(group, "iters", H5T_NATIVE_INT, &iters, path));
    IH_TRY(write_attr(group, "lr", H5T_NATIVE_DOUBLE, &c->lr, path));
    IH_TRY(write_attr(group, "seed", H5T_NATIVE_UINT32, &seed, path));
    IH_TRY(write_attr(group, "solved_iteration", H5T_NATIVE_INT64, &solved, path));
cleanup:
    for (int d = 0; d < 4; d++)
        if (dsets[d] >= 0)
            H5Dclose(dsets[d]);
    if (group >= 0)
        H5Gclose(group);
    free(iteration);
    return rc;
}

/* Runs the chosen conditions (all when all != 0) and writes them to path. */
static int toy_write(const ToyConfig *base, int all, const char *path)
{
    int rc = 0;
    hid_t file = -1;
    ToyResult *r = NULL;
    char version[160];
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if ((file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot create HDF5 file", path);
    snprintf(version, sizeof version, "ihsweep %s (git %s)", ih_version_string(), ih_git_hash());
    IH_TRY(write_string_attr(file, "ihsweep_version", version, path));
    IH_TRY(write_string_attr(file, "description", "three-vector toy model, spec 4.8", path));
    printf("toy model: n %d, lr %g, %d iterations, seed %u\n", base->n, base->lr, base->iters,
           (unsigned)base->seed);
    for (int c = 0; c < TOY_CONDITION_COUNT; c++) {
        if (!all && c != (int)base->condition)
            continue;
        ToyConfig cfg = *base;
        cfg.condition = (ToyCondition)c;
        IH_TRY(toy_run(&cfg, &r));
        IH_TRY(write_condition(file, r, path));
        int64_t solved = solved_at(r);
        if (solved >= 0)
            printf("  %-9s loss %.4g -> %.4g; below 1e-3 of initial after %lld iterations\n",
                   toy_condition_name(cfg.condition), r->loss[0], r->loss[cfg.iters],
                   (long long)solved);
        else
            printf("  %-9s loss %.4g -> %.4g; never below 1e-3 of initial\n",
                   toy_condition_name(cfg.condition), r->loss[0], r->loss[cfg.iters]);
        toy_result_destroy(&r);
    }
    hid_t f = file;
    file = -1;
    if (H5Fclose(f) < 0)
        IH_FAIL(IH_EHDF5, "%s: cannot close HDF5 file", path);
cleanup:
    toy_result_destroy(&r);
    if (file >= 0)
        H5Fclose(file);
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
            if (parse_long(val, 0, TOY_MAX_ITERS, &v) < 0)
                return cli_usage_error(TOY_CMD, "--iters must be an integer in 0..%d (got '%s')",
                                       TOY_MAX_ITERS, val);
            cfg.iters = (int)v;
        } else if (!strcmp(flag, "--lr")) {
            if (parse_double(val, &cfg.lr) < 0 || !isfinite(cfg.lr) || !(cfg.lr > 0.0))
                return cli_usage_error(TOY_CMD, "--lr must be a positive number (got '%s')", val);
        } else if (!strcmp(flag, "--n")) {
            if (parse_long(val, 1, TOY_MAX_N, &v) < 0)
                return cli_usage_error(TOY_CMD, "--n must be an integer in 1..%d (got '%s')",
                                       TOY_MAX_N, val);
            cfg.n = (int)v;
        } else if (!strcmp(flag, "--seed")) {
            if (parse_long(val, 0, (long)UINT32_MAX, &v) < 0)
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
