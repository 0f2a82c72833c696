/* ResultsLayout helpers: validation, structural comparison, deep copy, and the fingerprint that
 * results_create uses to check every rank passed the same layout. No HDF5 I/O here.
 */
#include "io/internal.h"

#include "ihsweep/hash.h"

#include <stdlib.h>
#include <string.h>

/* Names of per-run datasets that are not row-table fields (a parameter may not take them). */
static const char *const runs_reserved[] = {"id",     "stage",    "hash",  "condition",
                                            "config", "checksum", "status"};

/* 1 if name is already used by a dataset in group ("runs" or "curves"). */
static int name_reserved(const char *group, const char *name)
{
    size_t glen = strlen(group);
    for (int i = 0; i < RESULTS__N_ROW; i++) {
        const char *p = results__row_fields[i].path;
        if (strncmp(p, group, glen) == 0 && p[glen] == '/' && strcmp(p + glen + 1, name) == 0)
            return 1;
    }
    if (strcmp(group, "runs") == 0)
        for (size_t i = 0; i < sizeof runs_reserved / sizeof runs_reserved[0]; i++)
            if (strcmp(runs_reserved[i], name) == 0)
                return 1;
    return 0;
}

/* Checks a list of dataset names that will live in group. */
static int check_names(const char *field, const char *group, char *const *names, int n)
{
    int rc = 0;
    if (n > 0 && !names)
        IH_FAIL(IH_ECONFIG, "results layout: %s is NULL", field);
    for (int i = 0; i < n; i++) {
        const char *s = names[i];
        if (!s || !s[0])
            IH_FAIL(IH_ECONFIG, "results layout: %s[%d] is empty", field, i);
        if (strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
            IH_FAIL(IH_ECONFIG, "results layout: %s[%d] \"%s\" is not a valid dataset name", field,
                    i, s);
        if (name_reserved(group, s))
            IH_FAIL(IH_ECONFIG, "results layout: %s[%d] \"%s\" clashes with /%s/%s", field, i, s,
                    group, s);
        for (int j = 0; j < i; j++)
            if (strcmp(names[j], s) == 0)
                IH_FAIL(IH_ECONFIG, "results layout: %s[%d] \"%s\" repeats %s[%d]", field, i, s,
                        field, j);
    }
cleanup:
    return rc;
}

int results_layout_check(const ResultsLayout *l)
{
    int rc = 0;
    if (l->n_runs < 1 || l->max_evals < 1 || l->n_evaluators < 1 || l->n_heads < 1 ||
        l->n_probe < 0 || l->n_labels < 1 || l->n_params < 0)
        IH_FAIL(IH_ECONFIG,
                "results layout: bad sizes (runs %d, evals %d, evaluators %d, heads %d, probe "
                "%d, labels %d, params %d)",
                l->n_runs, l->max_evals, l->n_evaluators, l->n_heads, l->n_probe, l->n_labels,
                l->n_params);
    IH_TRY(check_names("evaluator_names", "curves", l->evaluator_names, l->n_evaluators));
    IH_TRY(check_names("param_names", "runs", l->param_names, l->n_params));
    if (l->n_params > 0 && !l->param_values)
        IH_FAIL(IH_ECONFIG, "results layout: param_values is NULL");
    if (!l->conditions || !l->stages || !l->hashes || !l->configs)
        IH_FAIL(IH_ECONFIG, "results layout: conditions, stages, hashes and configs are needed");
    for (int i = 0; i < l->n_runs; i++)
        if (!l->conditions[i] || !l->configs[i])
            IH_FAIL(IH_ECONFIG, "results layout: run %d has no %s", i,
                    l->conditions[i] ? "configs" : "conditions");
cleanup:
    return rc;
}

static int str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int results_layout_compare(const ResultsLayout *a, const ResultsLayout *b)
{
    int rc = 0;
#define SAME_SIZE(field)                                                                           \
    if (a->field != b->field)                                                                      \
        IH_FAIL(IH_EDATA, "results layouts differ: " #field " %d vs %d", a->field, b->field);
    SAME_SIZE(n_runs)
    SAME_SIZE(max_evals)
    SAME_SIZE(n_evaluators)
    SAME_SIZE(n_heads)
    SAME_SIZE(n_probe)
    SAME_SIZE(n_labels)
    SAME_SIZE(n_params)
#undef SAME_SIZE
    for (int i = 0; i < a->n_evaluators; i++)
        if (!str_eq(a->evaluator_names[i], b->evaluator_names[i]))
            IH_FAIL(IH_EDATA, "results layouts differ: evaluator %d is %s vs %s", i,
                    a->evaluator_names[i], b->evaluator_names[i]);
    for (int i = 0; i < a->n_params; i++)
        if (!str_eq(a->param_names[i], b->param_names[i]))
            IH_FAIL(IH_EDATA, "results layouts differ: parameter %d is %s vs %s", i,
                    a->param_names[i], b->param_names[i]);
    for (int r = 0; r < a->n_runs; r++) {
        if (a->hashes[r] != b->hashes[r])
            IH_FAIL(IH_EDATA, "results layouts differ: run %d hash %016llx vs %016llx", r,
                    (unsigned long long)a->hashes[r], (unsigned long long)b->hashes[r]);
        if (a->stages[r] != b->stages[r])
            IH_FAIL(IH_EDATA, "results layouts differ: run %d stage %d vs %d", r, a->stages[r],
                    b->stages[r]);
        if (!str_eq(a->conditions[r], b->conditions[r]))
            IH_FAIL(IH_EDATA, "results layouts differ: run %d condition %s vs %s", r,
                    a->conditions[r], b->conditions[r]);
        if (!str_eq(a->configs[r], b->configs[r]))
            IH_FAIL(IH_EDATA, "results layouts differ: run %d resolved config", r);
        if (a->n_params > 0 && memcmp(a->param_values + (size_t)r * (size_t)a->n_params,
                                      b->param_values + (size_t)r * (size_t)a->n_params,
                                      (size_t)a->n_params * sizeof(double)) != 0)
            IH_FAIL(IH_EDATA, "results layouts differ: run %d parameter values", r);
    }
cleanup:
    return rc;
}

static int copy_string(char **dst, const char *src)
{
    int rc = 0;
    const char *s = src ? src : "";
    IH_ALLOC(*dst, strlen(s) + 1);
    memcpy(*dst, s, strlen(s) + 1);
cleanup:
    return rc;
}

static int copy_strings(char ***dst, char *const *src, int n)
{
    int rc = 0;
    IH_ALLOC(*dst, n);
    for (int i = 0; i < n; i++)
        IH_TRY(copy_string(&(*dst)[i], src[i]));
cleanup:
    return rc;
}

static void free_strings(char **s, int n)
{
    if (!s)
        return;
    for (int i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

int results_layout_copy(ResultsLayout *dst, const ResultsLayout *src)
{
    int rc = 0;
    ResultsLayout c = *src;
    c.evaluator_names = c.param_names = c.param_labels = c.conditions = c.configs = NULL;
    c.param_values = NULL;
    c.stages = NULL;
    c.hashes = NULL;
    c.sweep_text = c.ihsweep_version = c.git_hash = c.library_versions = c.slurm_job_ids = NULL;
    size_t runs = (size_t)src->n_runs;
    IH_TRY(copy_strings(&c.evaluator_names, src->evaluator_names, src->n_evaluators));
    IH_TRY(copy_strings(&c.param_names, src->param_names, src->n_params));
    if (src->param_labels)
        IH_TRY(copy_strings(&c.param_labels, src->param_labels, src->n_params));
    IH_TRY(copy_strings(&c.conditions, src->conditions, src->n_runs));
    IH_TRY(copy_strings(&c.configs, src->configs, src->n_runs));
    IH_ALLOC(c.param_values, runs * (size_t)src->n_params);
    if (src->n_params > 0)
        memcpy(c.param_values, src->param_values, runs * (size_t)src->n_params * sizeof(double));
    IH_ALLOC(c.stages, runs);
    memcpy(c.stages, src->stages, runs * sizeof *c.stages);
    IH_ALLOC(c.hashes, runs);
    memcpy(c.hashes, src->hashes, runs * sizeof *c.hashes);
    IH_TRY(copy_string(&c.sweep_text, src->sweep_text));
    IH_TRY(copy_string(&c.ihsweep_version, src->ihsweep_version));
    IH_TRY(copy_string(&c.git_hash, src->git_hash));
    IH_TRY(copy_string(&c.library_versions, src->library_versions));
    IH_TRY(copy_string(&c.slurm_job_ids, src->slurm_job_ids));
cleanup:
    if (rc < 0)
        results_layout_free(&c);
    *dst = c;
    return rc;
}

void results_layout_free(ResultsLayout *l)
{
    if (!l)
        return;
    free_strings(l->evaluator_names, l->n_evaluators);
    free_strings(l->param_names, l->n_params);
    free_strings(l->param_labels, l->n_params);
    free_strings(l->conditions, l->n_runs);
    free_strings(l->configs, l->n_runs);
    free(l->param_values);
    free(l->stages);
    free(l->hashes);
    free(l->sweep_text);
    free(l->ihsweep_version);
    free(l->git_hash);
    free(l->library_versions);
    free(l->slurm_job_ids);
    memset(l, 0, sizeof *l);
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    const char *v = s ? s : "";
    return ih_fnv1a(h, v, strlen(v) + 1);
}

uint64_t results__layout_fingerprint(const ResultsLayout *l)
{
    uint64_t h = IH_FNV1A_OFFSET;
    int sizes[7] = {l->n_runs,  l->max_evals, l->n_evaluators, l->n_heads,
                    l->n_probe, l->n_labels,  l->n_params};
    h = ih_fnv1a(h, sizes, sizeof sizes);
    for (int i = 0; i < l->n_evaluators; i++)
        h = fnv_str(h, l->evaluator_names[i]);
    for (int i = 0; i < l->n_params; i++)
        h = fnv_str(h, l->param_names[i]);
    for (int r = 0; r < l->n_runs; r++) {
        h = fnv_str(h, l->conditions[r]);
        h = fnv_str(h, l->configs[r]);
        h = ih_fnv1a(h, &l->stages[r], sizeof l->stages[r]);
        h = ih_fnv1a(h, &l->hashes[r], sizeof l->hashes[r]);
    }
    if (l->n_params > 0)
        h = ih_fnv1a(h, l->param_values, (size_t)l->n_runs * (size_t)l->n_params * sizeof(double));
    h = fnv_str(h, l->sweep_text);
    h = fnv_str(h, l->ihsweep_version);
    h = fnv_str(h, l->git_hash);
    h = fnv_str(h, l->library_versions);
    return fnv_str(h, l->slurm_job_ids);
}
