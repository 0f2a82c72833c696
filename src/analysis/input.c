/* AnalysisInput lifecycle and questions about its parameters (which are swept, which are seeds).
 * Reading a results file into an AnalysisInput is in load.c; nothing here does I/O. */
#include "ihsweep/analysis.h"

#include "ihsweep/error.h"
#include "ihsweep/sweep_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const time_names[ANALYSIS_N_TIMES] = {"t_star", "t_09", "t_05", "t_steepest"};

const char *analysis_time_name(AnalysisTime t)
{
    return (t >= 0 && t < ANALYSIS_N_TIMES) ? time_names[t] : "?";
}

static void fill_nan_f(float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = NAN;
}

static int dup_string(const char *s, char **out)
{
    size_t len = strlen(s);
    char *c = malloc(len + 1);
    if (!c)
        return IH_ENOMEM;
    memcpy(c, s, len + 1);
    *out = c;
    return 0;
}

int analysis_input_create(int n_runs, int n_params, const char *const *param_names, int max_evals,
                          int n_heads, int n_probe, int n_labels, int alloc_probe,
                          AnalysisInput **out)
{
    int rc = 0;
    AnalysisInput *in = NULL;
    *out = NULL;
    if (n_runs < 0 || n_params < 0 || max_evals < 0 || n_heads < 0 || n_probe < 0 || n_labels < 0)
        IH_FAIL(IH_ECONFIG,
                "analysis input sizes must not be negative (runs %d, params %d, evals "
                "%d, heads %d, probe %d, labels %d)",
                n_runs, n_params, max_evals, n_heads, n_probe, n_labels);
    IH_ALLOC(in, 1);
    in->n_runs = n_runs;
    in->n_params = n_params;
    in->max_evals = max_evals;
    in->n_heads = n_heads;
    in->n_probe = n_probe;
    in->n_labels = n_labels;
    size_t R = (size_t)n_runs;
    IH_ALLOC(in->param_names, n_params);
    for (int p = 0; p < n_params; p++)
        if (dup_string(param_names[p], &in->param_names[p]) != 0)
            IH_FAIL(IH_ENOMEM, "out of memory copying parameter names");
    IH_ALLOC(in->param_labels, n_params);
    IH_TRY(analysis_default_labels(in));
    IH_ALLOC(in->params, R * (size_t)n_params);
    for (size_t i = 0; i < R * (size_t)n_params; i++)
        in->params[i] = NAN;
    IH_ALLOC(in->condition, R);
    for (size_t r = 0; r < R; r++)
        IH_ALLOC(in->condition[r], 1);
    IH_ALLOC(in->status, R);
    IH_ALLOC(in->crossed, R);
    IH_ALLOC(in->times, R * ANALYSIS_N_TIMES);
    for (size_t i = 0; i < R * ANALYSIS_N_TIMES; i++)
        in->times[i] = NAN;
    IH_ALLOC(in->t_censor, R);
    for (size_t r = 0; r < R; r++)
        in->t_censor[r] = NAN;
    if (dup_string("loss", &in->loss_name) != 0)
        IH_FAIL(IH_ENOMEM, "out of memory");
    if (max_evals > 0) {
        size_t RE = R * (size_t)max_evals;
        IH_ALLOC(in->eval_seq, RE);
        for (size_t i = 0; i < RE; i++)
            in->eval_seq[i] = -1;
        IH_ALLOC(in->eval_loss, RE);
        IH_ALLOC(in->train_loss, RE);
        fill_nan_f(in->eval_loss, RE);
        fill_nan_f(in->train_loss, RE);
        if (n_heads > 0) {
            IH_ALLOC(in->induction_strength, RE * (size_t)n_heads);
            fill_nan_f(in->induction_strength, RE * (size_t)n_heads);
        }
        if (alloc_probe && n_probe > 0 && n_labels > 0) {
            size_t np = RE * (size_t)n_probe * (size_t)n_labels;
            IH_ALLOC(in->probe_logits, np);
            fill_nan_f(in->probe_logits, np);
        }
    }
    *out = in;
    in = NULL;
cleanup:
    analysis_input_destroy(&in);
    return rc;
}

int analysis_input_set_condition(AnalysisInput *in, int run, const char *condition)
{
    int rc = 0;
    char *c = NULL;
    if (run < 0 || run >= in->n_runs)
        IH_FAIL(IH_EINTERNAL, "run %d out of range (0..%d)", run, in->n_runs - 1);
    if (dup_string(condition, &c) != 0)
        IH_FAIL(IH_ENOMEM, "out of memory copying a condition name");
    free(in->condition[run]);
    in->condition[run] = c;
cleanup:
    return rc;
}

void analysis_input_destroy(AnalysisInput **in)
{
    if (!in || !*in)
        return;
    AnalysisInput *x = *in;
    if (x->param_names)
        for (int p = 0; p < x->n_params; p++)
            free(x->param_names[p]);
    free(x->param_names);
    if (x->param_labels)
        for (int p = 0; p < x->n_params; p++)
            free(x->param_labels[p]);
    free(x->param_labels);
    free(x->t_censor);
    free(x->params);
    if (x->condition)
        for (int r = 0; r < x->n_runs; r++)
            free(x->condition[r]);
    free(x->condition);
    free(x->status);
    free(x->crossed);
    free(x->times);
    free(x->loss_name);
    free(x->eval_seq);
    free(x->eval_loss);
    free(x->train_loss);
    free(x->induction_strength);
    free(x->probe_logits);
    if (x->probe_ctx_free)
        x->probe_ctx_free(x->probe_ctx);
    free(x);
    *in = NULL;
}

/* Length of name without a trailing component "[i]". */
static size_t base_length(const char *name)
{
    const char *b = strrchr(name, '[');
    size_t n = strlen(name);
    return b && n > 0 && name[n - 1] == ']' ? (size_t)(b - name) : n;
}

int analysis_default_labels(AnalysisInput *in)
{
    int rc = 0;
    char buf[64];
    for (int p = 0; p < in->n_params; p++) {
        const char *name = in->param_names[p];
        const char *label =
            analysis_param_is_seed(name) ? "seed" : sweep_param_label(name, buf, sizeof buf);
        size_t n = base_length(name);
        for (int q = 0; q < p; q++)
            if (n < strlen(name) && base_length(in->param_names[q]) == n &&
                strncmp(in->param_names[q], name, n) == 0)
                label = "";
        free(in->param_labels[p]);
        in->param_labels[p] = NULL;
        if (dup_string(label, &in->param_labels[p]) != 0)
            IH_FAIL(IH_ENOMEM, "out of memory copying parameter labels");
    }
cleanup:
    return rc;
}

int analysis_input_set_labels(AnalysisInput *in, char *const *labels)
{
    int rc = 0;
    for (int p = 0; p < in->n_params; p++) {
        char *c = NULL;
        if (dup_string(labels[p] ? labels[p] : "", &c) != 0)
            IH_FAIL(IH_ENOMEM, "out of memory copying parameter labels");
        free(in->param_labels[p]);
        in->param_labels[p] = c;
    }
cleanup:
    return rc;
}

const char *analysis_param_label(const AnalysisInput *in, int p)
{
    return in->param_labels[p][0] ? in->param_labels[p] : in->param_names[p];
}

int analysis_param_is_primary(const AnalysisInput *in, int p)
{
    return in->param_labels[p][0] != '\0';
}

int analysis_param_index(const AnalysisInput *in, const char *name)
{
    for (int p = 0; p < in->n_params; p++)
        if (strcmp(in->param_names[p], name) == 0)
            return p;
    return -1;
}

int analysis_param_lookup(const AnalysisInput *in, const char *name)
{
    int found = analysis_param_index(in, name);
    if (found >= 0)
        return found;
    for (int p = 0; p < in->n_params; p++) {
        const char *dot = strrchr(in->param_names[p], '.');
        const int by_label =
            analysis_param_is_primary(in, p) && strcmp(in->param_labels[p], name) == 0; /* "K" */
        if (!by_label && (!dot || strcmp(dot + 1, name) != 0))
            continue;
        if (found >= 0)
            return -2;
        found = p;
    }
    return found;
}

int analysis_param_is_swept(const AnalysisInput *in, int p)
{
    int have = 0;
    double first = 0;
    for (int r = 0; r < in->n_runs; r++) {
        double v = in->params[(size_t)r * in->n_params + p];
        if (!have) {
            first = v;
            have = 1;
        } else if (!(v == first || (isnan(v) && isnan(first)))) {
            return 1;
        }
    }
    return 0;
}

int analysis_param_is_seed(const char *name)
{
    return strstr(name, "seed") != NULL;
}

int analysis_default_keys(const AnalysisInput *in, int *keys)
{
    int n = 0;
    for (int p = 0; p < in->n_params; p++)
        if (!analysis_param_is_seed(in->param_names[p]) && analysis_param_is_swept(in, p))
            keys[n++] = p;
    return n;
}
