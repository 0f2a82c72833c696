/* Writes the analysis into the results file under /analysis, replacing what an earlier analyze
 * stored. Every object is created collectively with identical arguments on every rank; the data
 * go in with collective writes in which rank 0 selects everything and the other ranks nothing.
 * Each group has its own dimension scales (group, fit; run, eval, component, feature), so that
 * deleting /analysis leaves no reference behind in the rest of the file, and xarray
 * (engine="h5netcdf") opens each group with named dimensions.
 *
 *   /analysis/timing/NAME[group]  condition, key parameters, counts,
 *                              <measure>_{n,mean,sd,ci_lo,ci_hi}
 *   /analysis/fits/NAME[fit]   condition, parameter, n, n_never_crossed, slope, ..., r2
 *   /analysis/pca/             components[component, feature], mean[feature],
 *                              explained_variance[component], explained_variance_ratio,
 *                              trajectory[run, eval, component]
 */
#include "ihsweep/analysis.h"
#include "ihsweep/pca.h"

#include "ihsweep/error.h"
#include "ihsweep/results.h"

#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    hid_t group;
    int rank;
    hid_t dxpl; /* collective transfer */
} Writer;

/* Creates dataset `name` in w->group with the given type and dims, attaches the scales (one per
 * axis, may be NULL), and writes data (rank 0's selection only). Collective. */
static int put(const Writer *w, const char *name, hid_t type, hid_t mem_type, int ndims,
               const hsize_t *dims, const hid_t *scales, const void *data)
{
    int rc = 0;
    hid_t space = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    RESULTS_H5(space = H5Screate_simple(ndims, dims, NULL), "cannot make a dataspace for %s", name);
    RESULTS_H5(ds = H5Dcreate2(w->group, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "cannot create /analysis dataset %s", name);
    for (int i = 0; scales && i < ndims; i++)
        if (scales[i] >= 0)
            RESULTS_H5(H5DSattach_scale(ds, scales[i], (unsigned)i),
                       "cannot attach a dimension to %s", name);
    if (w->rank != 0)
        RESULTS_H5(H5Sselect_none(space), "cannot select");
    RESULTS_H5(H5Dwrite(ds, mem_type, space, space, w->dxpl, data), "cannot write /analysis %s",
               name);
cleanup:
    if (ds >= 0)
        H5Dclose(ds);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static int put_f64(const Writer *w, const char *name, hsize_t n, hid_t scale, const double *x)
{
    return put(w, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, &scale, x);
}

static int put_i32(const Writer *w, const char *name, hsize_t n, hid_t scale, const int *x)
{
    return put(w, name, H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n, &scale, x);
}

/* A 1-D index scale 0..n-1 called name. */
static int put_scale(const Writer *w, const char *name, hsize_t n, hid_t *out)
{
    int rc = 0;
    int *idx = NULL;
    hid_t space = H5I_INVALID_HID;
    *out = H5I_INVALID_HID;
    IH_ALLOC(idx, n);
    for (hsize_t i = 0; i < n; i++)
        idx[i] = (int)i;
    RESULTS_H5(space = H5Screate_simple(1, &n, NULL), "cannot make a dataspace");
    RESULTS_H5(*out = H5Dcreate2(w->group, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                                 H5P_DEFAULT),
               "cannot create /analysis scale %s", name);
    RESULTS_H5(H5DSset_scale(*out, name), "cannot make %s a dimension scale", name);
    if (w->rank != 0)
        RESULTS_H5(H5Sselect_none(space), "cannot select");
    RESULTS_H5(H5Dwrite(*out, H5T_NATIVE_INT, space, space, w->dxpl, idx), "cannot write scale %s",
               name);
cleanup:
    if (space >= 0)
        H5Sclose(space);
    free(idx);
    return rc;
}

/* Fixed-length NUL-terminated strings (parallel HDF5 cannot write variable-length ones). */
static int put_strings(const Writer *w, const char *name, int n, hid_t scale,
                       const char *(*get)(const void *, int), const void *ctx)
{
    int rc = 0;
    hid_t type = H5I_INVALID_HID;
    char *buf = NULL;
    size_t width = 1;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(get(ctx, i)) + 1;
        width = len > width ? len : width;
    }
    IH_ALLOC(buf, (size_t)(n > 0 ? n : 1) * width);
    for (int i = 0; i < n; i++)
        memcpy(buf + (size_t)i * width, get(ctx, i), strlen(get(ctx, i)) + 1);
    RESULTS_H5(type = H5Tcopy(H5T_C_S1), "cannot make a string type");
    RESULTS_H5(H5Tset_size(type, width), "cannot make a string type");
    RESULTS_H5(H5Tset_strpad(type, H5T_STR_NULLTERM), "cannot make a string type");
    hsize_t dim = (hsize_t)n;
    IH_TRY(put(w, name, type, type, 1, &dim, &scale, buf));
cleanup:
    if (type >= 0)
        H5Tclose(type);
    free(buf);
    return rc;
}

typedef struct {
    const AnalysisInput *in;
    const AnalysisGroups *g;
    const AnalysisFit *fits;
} StoreCtx;

static const char *group_condition(const void *ctx, int i)
{
    const StoreCtx *c = ctx;
    return c->in->condition[c->g->groups[i].first_run];
}

static const char *fit_condition(const void *ctx, int i)
{
    const StoreCtx *c = ctx;
    return c->in->condition[c->fits[i].first_run];
}

static const char *fit_param(const void *ctx, int i)
{
    const StoreCtx *c = ctx;
    return c->in->param_names[c->fits[i].param];
}

static int open_group(hid_t parent, const char *name, hid_t *out)
{
    int rc = 0;
    RESULTS_H5(*out = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "cannot create group /analysis/%s", name);
cleanup:
    return rc;
}

/* Names this module uses in /analysis/timing: a key parameter with one of them is prefixed. */
static int reserved_timing_name(const char *name)
{
    static const char *const names[] = {"group",           "condition",  "n_runs",  "n_done",
                                        "n_never_crossed", "n_diverged", "n_failed"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return strncmp(name, "t_", 2) == 0;
}

static int store_timing(Writer *w, hid_t parent, StoreCtx *ctx)
{
    int rc = 0;
    const AnalysisGroups *g = ctx->g;
    const AnalysisInput *in = ctx->in;
    int n = g->n_groups;
    hid_t scale = H5I_INVALID_HID;
    double *col = NULL;
    int *icol = NULL;
    w->group = H5I_INVALID_HID;
    IH_TRY(open_group(parent, "timing", &w->group));
    IH_ALLOC(col, n);
    IH_ALLOC(icol, n);
    IH_TRY(put_scale(w, "group", (hsize_t)n, &scale));
    IH_TRY(put_strings(w, "condition", n, scale, group_condition, ctx));
    for (int j = 0; j < g->n_keys; j++) {
        const char *pname = in->param_names[g->keys[j]];
        char name[256];
        snprintf(name, sizeof name, "%s%s", reserved_timing_name(pname) ? "param." : "", pname);
        for (int k = 0; k < n; k++)
            col[k] = in->params[(size_t)g->groups[k].first_run * in->n_params + g->keys[j]];
        IH_TRY(put_f64(w, name, (hsize_t)n, scale, col));
    }
    static const char *const count_names[] = {"n_runs", "n_done", "n_never_crossed", "n_diverged",
                                              "n_failed"};
    for (int c = 0; c < 5; c++) {
        for (int k = 0; k < n; k++) {
            const AnalysisGroup *gr = &g->groups[k];
            int v[5] = {gr->n_runs, gr->n_done, gr->n_never_crossed, gr->n_diverged, gr->n_failed};
            icol[k] = v[c];
        }
        IH_TRY(put_i32(w, count_names[c], (hsize_t)n, scale, icol));
    }
    for (int t = 0; t < ANALYSIS_N_TIMES; t++) {
        char name[64];
        const char *tn = analysis_time_name((AnalysisTime)t);
        for (int k = 0; k < n; k++)
            icol[k] = g->groups[k].time[t].n;
        snprintf(name, sizeof name, "%s_n", tn);
        IH_TRY(put_i32(w, name, (hsize_t)n, scale, icol));
        static const char *const stat_names[] = {"mean", "sd", "ci_lo", "ci_hi"};
        for (int s = 0; s < 4; s++) {
            for (int k = 0; k < n; k++) {
                const SampleStats *st = &g->groups[k].time[t];
                double v[4] = {st->mean, st->sd, st->ci_lo, st->ci_hi};
                col[k] = v[s];
            }
            snprintf(name, sizeof name, "%s_%s", tn, stat_names[s]);
            IH_TRY(put_f64(w, name, (hsize_t)n, scale, col));
        }
    }
cleanup:
    if (scale >= 0)
        H5Dclose(scale);
    if (w->group >= 0)
        H5Gclose(w->group);
    free(col);
    free(icol);
    return rc;
}

static int store_fits(Writer *w, hid_t parent, StoreCtx *ctx, int n)
{
    int rc = 0;
    hid_t scale = H5I_INVALID_HID;
    double *col = NULL;
    int *icol = NULL;
    w->group = H5I_INVALID_HID;
    IH_TRY(open_group(parent, "fits", &w->group));
    IH_ALLOC(col, n);
    IH_ALLOC(icol, n);
    IH_TRY(put_scale(w, "fit", (hsize_t)n, &scale));
    IH_TRY(put_strings(w, "condition", n, scale, fit_condition, ctx));
    IH_TRY(put_strings(w, "parameter", n, scale, fit_param, ctx));
    for (int k = 0; k < n; k++)
        icol[k] = ctx->fits[k].fit.n;
    IH_TRY(put_i32(w, "n", (hsize_t)n, scale, icol));
    for (int k = 0; k < n; k++)
        icol[k] = ctx->fits[k].n_never_crossed;
    IH_TRY(put_i32(w, "n_never_crossed", (hsize_t)n, scale, icol));
    static const char *const names[] = {"slope",       "slope_se",  "slope_ci_lo",
                                        "slope_ci_hi", "intercept", "r2"};
    for (int s = 0; s < 6; s++) {
        for (int k = 0; k < n; k++) {
            const OlsFit *f = &ctx->fits[k].fit;
            double v[6] = {f->slope,       f->slope_se,  f->slope_ci_lo,
                           f->slope_ci_hi, f->intercept, f->r2};
            col[k] = v[s];
        }
        IH_TRY(put_f64(w, names[s], (hsize_t)n, scale, col));
    }
cleanup:
    if (scale >= 0)
        H5Dclose(scale);
    if (w->group >= 0)
        H5Gclose(w->group);
    free(col);
    free(icol);
    return rc;
}

static int store_pca(Writer *w, hid_t parent, const EssentialDynamics *ed)
{
    int rc = 0;
    const PcaResult *p = ed->pca;
    hid_t sc[4] = {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID};
    double *ratio = NULL;
    w->group = H5I_INVALID_HID;
    IH_TRY(open_group(parent, "pca", &w->group));
    IH_TRY(put_scale(w, "run", (hsize_t)ed->n_runs, &sc[0]));
    IH_TRY(put_scale(w, "eval", (hsize_t)ed->max_evals, &sc[1]));
    IH_TRY(put_scale(w, "component", (hsize_t)p->k, &sc[2]));
    IH_TRY(put_scale(w, "feature", (hsize_t)p->n_cols, &sc[3]));
    hsize_t cf[2] = {(hsize_t)p->k, (hsize_t)p->n_cols};
    hid_t cf_scales[2] = {sc[2], sc[3]};
    IH_TRY(
        put(w, "components", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, cf, cf_scales, p->components));
    IH_TRY(put_f64(w, "mean", (hsize_t)p->n_cols, sc[3], p->mean));
    IH_TRY(put_f64(w, "explained_variance", (hsize_t)p->k, sc[2], p->variance));
    IH_ALLOC(ratio, p->k);
    for (int c = 0; c < p->k; c++)
        ratio[c] = p->total_variance > 0 ? p->variance[c] / p->total_variance : 0;
    IH_TRY(put_f64(w, "explained_variance_ratio", (hsize_t)p->k, sc[2], ratio));
    hsize_t tr[3] = {(hsize_t)ed->n_runs, (hsize_t)ed->max_evals, (hsize_t)p->k};
    hid_t tr_scales[3] = {sc[0], sc[1], sc[2]};
    IH_TRY(
        put(w, "trajectory", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, tr, tr_scales, ed->trajectory));
    IH_TRY(results_attr_write(w->group, "n_rows", H5T_STD_I32LE, H5T_NATIVE_INT, &ed->n_rows));
    IH_TRY(results_attr_write(w->group, "total_variance", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                              &p->total_variance));
cleanup:
    for (int i = 0; i < 4; i++)
        if (sc[i] >= 0)
            H5Dclose(sc[i]);
    if (w->group >= 0)
        H5Gclose(w->group);
    free(ratio);
    return rc;
}

int analysis_store(hid_t file, MPI_Comm comm, const AnalysisInput *in, const AnalysisGroups *g,
                   const AnalysisFit *fits, int n_fits, const EssentialDynamics *ed)
{
    int rc = 0;
    hid_t top = H5I_INVALID_HID;
    Writer w = {H5I_INVALID_HID, 0, H5I_INVALID_HID};
    StoreCtx ctx = {in, g, fits};
    MPI_Comm_rank(comm, &w.rank);
    RESULTS_H5(w.dxpl = H5Pcreate(H5P_DATASET_XFER), "cannot make a transfer property list");
    RESULTS_H5(H5Pset_dxpl_mpio(w.dxpl, H5FD_MPIO_COLLECTIVE), "cannot set collective transfer");
    htri_t exists = H5Lexists(file, "analysis", H5P_DEFAULT);
    RESULTS_H5(exists, "cannot look up /analysis");
    if (exists > 0)
        RESULTS_H5(H5Ldelete(file, "analysis", H5P_DEFAULT), "cannot delete the old /analysis");
    RESULTS_H5(top = H5Gcreate2(file, "analysis", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               "cannot create group /analysis");
    IH_TRY(results_attr_write(top, "n_pending", H5T_STD_I32LE, H5T_NATIVE_INT, &g->n_pending));
    if (g->n_groups > 0)
        IH_TRY(store_timing(&w, top, &ctx));
    if (n_fits > 0)
        IH_TRY(store_fits(&w, top, &ctx, n_fits));
    if (ed)
        IH_TRY(store_pca(&w, top, ed));
    RESULTS_H5(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush the results file");
cleanup:
    if (top >= 0)
        H5Gclose(top);
    if (w.dxpl >= 0)
        H5Pclose(w.dxpl);
    return rc;
}
