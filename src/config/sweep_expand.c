/* Expands a parsed sweep into its runs (order and rules: src/config/sweep_config.c): builds each
 * run's config tree, parses and validates it (symbolic heads with placeholder bindings), and
 * records its hash, dims, cost, swept parameters and the run whose heads it binds. A problem in
 * one run is reported with the run and the place in the sweep file (or the --set) that the
 * offending field came from. Does not decide what runs where (src/sweep/).
 */
#include "config/json.h"
#include "config/sweep_internal.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SWEEP_MAX_RUNS = 1000000 };

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Appends the segments of f from index `from` to loc. */
static void append_tail(ConfigPath *loc, const ConfigPath *f, int from)
{
    for (int i = from; i < f->n && loc->n < CONFIG_PATH_MAX_SEGS; i++)
        loc->seg[loc->n++] = f->seg[i];
}

static int related(const ConfigPath *a, const ConfigPath *b)
{
    return config__path_is_prefix(a, b) || config__path_is_prefix(b, a);
}

/* What one run is made of. */
typedef struct {
    int id, stage, cond, seed, setting;
    const int *digits; /* value index per axis */
} RunPos;

/* Where the value at run-config path f of run pos comes from: the --set field (*cli) or a path in
 * the sweep file (loc). Later sources win, so they are checked first. */
static void provenance(const SweepParse *sp, const RunPos *pos, const ConfigPath *f,
                       ConfigPath *loc, const char **cli)
{
    const ConfigPath clamps = {1, {{0, 0, "clamps"}}};
    *cli = NULL;
    memset(loc, 0, sizeof *loc);
    for (int i = sp->n_sets - 1; i >= 0; i--)
        if (related(f, &sp->sets[i].path)) {
            *cli = sp->sets[i].field;
            return;
        }
    if (sp->conds_given && related(f, &clamps)) {
        config__path_key(loc, "conditions");
        config__path_key(loc, sp->conds[pos->cond].name);
        append_tail(loc, f, 1);
        return;
    }
    const SweepStage *st = &sp->stages[pos->stage];
    int i = 0;
    for (const cJSON *o = st->overrides ? st->overrides->child : NULL; o; o = o->next, i++)
        if (related(f, &st->override_paths[i])) {
            config__path_key(loc, "stages");
            config__path_index(loc, pos->stage);
            config__path_key(loc, "overrides");
            config__path_key(loc, o->string);
            append_tail(loc, f, st->override_paths[i].n);
            return;
        }
    if (sp->seeds_given && related(f, &sp->seed_path)) {
        config__path_key(loc, "seeds");
        if (!sp->seeds_shorthand)
            config__path_key(loc, "values");
        config__path_index(loc, pos->seed);
        return;
    }
    for (int m = sp->n_members - 1; m >= 0; m--) {
        const SweepMember *mem = &sp->members[m];
        if (!related(f, &mem->path))
            continue;
        *loc = mem->loc;
        config__path_key(loc, "values");
        config__path_index(loc, pos->digits[mem->axis]);
        append_tail(loc, f, mem->path.n);
        return;
    }
    config__path_key(loc, "base");
    append_tail(loc, f, 0);
}

/* Re-records the current error (a run-config error "path: message") against the sweep file. */
static int run_fail(const SweepParse *sp, const SweepPlan *plan, const RunPos *pos)
{
    char inner[2048], ctx[1024], path_text[512];
    snprintf(inner, sizeof inner, "%s", ih_error_message());
    snprintf(ctx, sizeof ctx, "run %d (stage %s, condition %s%s%s, %s=%ld)", pos->id,
             sp->stages[pos->stage].name, sp->conds[pos->cond].name,
             plan->setting_labels[pos->setting][0] ? ", " : "", plan->setting_labels[pos->setting],
             sp->seed_field, plan->seed_values[pos->seed]);
    const char *colon = strstr(inner, ": ");
    ConfigPath f;
    int have_path = 0;
    if (colon && (size_t)(colon - inner) < sizeof path_text && !memchr(inner, ' ', colon - inner)) {
        snprintf(path_text, sizeof path_text, "%.*s", (int)(colon - inner), inner);
        have_path = config__path_parse(path_text, "", &f) == 0;
    }
    ih_error_clear();
    if (!have_path)
        return config__sweep_fail(sp, NULL, "%s: %s", ctx, inner);
    ConfigPath loc;
    const char *cli = NULL;
    provenance(sp, pos, &f, &loc, &cli);
    if (cli)
        return config__sweep_fail(sp, NULL, "--set %s: %s: %s", cli, ctx, inner);
    return config__sweep_fail(sp, &loc, "%s: %s", ctx, inner);
}

/* Re-records the current error, whose message starts with a path in the sweep file ("base.x:
 * ..."), with that path's line:col. */
static int relocate(const SweepParse *sp)
{
    char msg[2048], path_text[512];
    ConfigPath loc;
    snprintf(msg, sizeof msg, "%s", ih_error_message());
    const char *colon = strstr(msg, ": ");
    if (!colon || (size_t)(colon - msg) >= sizeof path_text)
        return config__sweep_fail(sp, NULL, "%s", msg);
    snprintf(path_text, sizeof path_text, "%.*s", (int)(colon - msg), msg);
    ih_error_clear();
    if (config__path_parse(path_text, "", &loc) < 0) {
        ih_error_clear();
        return config__sweep_fail(sp, NULL, "%s", msg);
    }
    return config__sweep_fail(sp, &loc, "%s", colon + 2);
}

/* The run's config tree: base, axis values, seed, stage overrides, condition, --set. Owned *out. */
static int build_tree(const SweepParse *sp, const RunPos *pos, cJSON **out)
{
    int rc = 0;
    char what[320];
    cJSON *t = cJSON_Duplicate(sp->base, 1);
    if (!t)
        IH_FAIL(IH_ENOMEM, "out of memory copying the base config");
    for (int m = 0; m < sp->n_members; m++) {
        const SweepMember *mem = &sp->members[m];
        snprintf(what, sizeof what, "axis field %s", mem->field);
        IH_TRY(config__tree_set(t, &mem->path,
                                cJSON_GetArrayItem(mem->values, pos->digits[mem->axis]), what));
    }
    if (sp->seeds_given)
        IH_TRY(config__tree_set(t, &sp->seed_path, cJSON_GetArrayItem(sp->seed_values, pos->seed),
                                "seeds"));
    const SweepStage *st = &sp->stages[pos->stage];
    int i = 0;
    for (const cJSON *o = st->overrides ? st->overrides->child : NULL; o; o = o->next, i++) {
        snprintf(what, sizeof what, "stage %s override %s", st->name, o->string);
        IH_TRY(config__tree_set(t, &st->override_paths[i], o, what));
    }
    if (sp->conds_given) {
        const ConfigPath clamps = {1, {{0, 0, "clamps"}}};
        IH_TRY(config__tree_set(t, &clamps, sp->conds[pos->cond].clamps, "conditions"));
    }
    for (int k = 0; k < sp->n_sets; k++) {
        snprintf(what, sizeof what, "--set %s", sp->sets[k].field);
        IH_TRY(config__tree_set(t, &sp->sets[k].path, sp->sets[k].value, what));
    }
    *out = t;
    t = NULL;
cleanup:
    cJSON_Delete(t);
    return rc;
}

/* Parameter names: numeric members (components that vary for arrays), then the seed field. */
static int make_params(const SweepParse *sp, SweepPlan *plan)
{
    int rc = 0;
    int n = 1;
    char name[300];
    for (int m = 0; m < sp->n_members; m++) {
        const SweepMember *mem = &sp->members[m];
        if (mem->numeric == 1)
            n++;
        for (int c = 0; mem->numeric == 2 && c < mem->n_components; c++)
            n += (mem->varying >> c) & 1;
    }
    IH_ALLOC(plan->param_names, n);
    IH_ALLOC(plan->param_labels, n);
    int k = 0, labelled_axis = -1;
    for (int m = 0; m < sp->n_members; m++) {
        const SweepMember *mem = &sp->members[m];
        const int n_comp = mem->numeric == 1 ? 1 : mem->numeric == 2 ? mem->n_components : 0;
        for (int c = 0; c < n_comp; c++) {
            if (mem->numeric == 2 && !((mem->varying >> c) & 1))
                continue;
            if (mem->numeric == 2)
                snprintf(name, sizeof name, "%s[%d]", mem->field, c);
            else
                snprintf(name, sizeof name, "%s", mem->field);
            const char *label = "";
            char def[64];
            if (labelled_axis != mem->axis) { /* the axis' first parameter names it */
                labelled_axis = mem->axis;
                label = sp->axes[mem->axis].label;
                if (!label[0])
                    label = sweep_param_label(name, def, sizeof def);
            }
            plan->param_names[k] = dup_string(name);
            plan->param_labels[k] = dup_string(label);
            if (!plan->param_names[k] || !plan->param_labels[k++])
                IH_FAIL(IH_ENOMEM, "out of memory");
        }
    }
    plan->param_names[k] = dup_string(sp->seed_field);
    plan->param_labels[k] = dup_string("seed");
    if (!plan->param_names[k] || !plan->param_labels[k++])
        IH_FAIL(IH_ENOMEM, "out of memory");
    plan->n_params = k;
cleanup:
    return rc;
}

static void fill_params(const SweepParse *sp, const SweepPlan *plan, const RunPos *pos, double *row)
{
    int k = 0;
    for (int m = 0; m < sp->n_members; m++) {
        const SweepMember *mem = &sp->members[m];
        const cJSON *v = cJSON_GetArrayItem(mem->values, pos->digits[mem->axis]);
        if (mem->numeric == 1)
            row[k++] = v->valuedouble;
        for (int c = 0; mem->numeric == 2 && c < mem->n_components; c++)
            if ((mem->varying >> c) & 1)
                row[k++] = cJSON_GetArrayItem(v, c)->valuedouble;
    }
    row[k] = (double)plan->seed_values[pos->seed];
}

/* "field=value field=value" for the setting with the given digits. Owned *out. */
static int make_label(const SweepParse *sp, const int *digits, char **out)
{
    int rc = 0;
    size_t cap = 1, used = 0;
    char *label = NULL, *value = NULL;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            IH_ALLOC(label, cap);
        used = 0;
        for (int m = 0; m < sp->n_members; m++) {
            const SweepMember *mem = &sp->members[m];
            value = cJSON_PrintUnformatted(cJSON_GetArrayItem(mem->values, digits[mem->axis]));
            if (!value)
                IH_FAIL(IH_ENOMEM, "out of memory printing an axis value");
            size_t n = strlen(mem->field) + strlen(value) + 1 + (used ? 1 : 0);
            if (pass == 1)
                snprintf(label + used, cap - used, "%s%s=%s", used ? " " : "", mem->field, value);
            used += n;
            cJSON_free(value);
            value = NULL;
        }
        cap = used + 1;
    }
    *out = label;
    label = NULL;
cleanup:
    cJSON_free(value);
    free(label);
    return rc;
}

static int same_evaluators(const SweepPlan *plan, const RunConfig *cfg)
{
    if (cfg->data.n_evaluators != plan->n_evaluators)
        return 0;
    for (int e = 0; e < plan->n_evaluators; e++)
        if (strcmp(cfg->data.evaluators[e].name, plan->evaluator_names[e]) != 0)
            return 0;
    return 1;
}

/* Parses and validates one run's tree and records it as plan->runs[pos->id]. */
static int make_run(const SweepParse *sp, SweepPlan *plan, const RunPos *pos, const cJSON *tree,
                    RunConfig *cfg, RunConfig *resolved)
{
    int rc = 0;
    SweepRun *r = &plan->runs[pos->id];
    rc = config__run_from_json(tree, "", cfg);
    if (rc == 0) {
        memcpy(resolved, cfg, sizeof *cfg);
        const ClampHeadBindings placeholder = {0, 0};
        rc = clamp_config_resolve(&resolved->clamps, &placeholder, cfg->model.n_heads,
                                  cfg->model.depth);
        if (rc == 0)
            rc = run_config_validate(resolved);
    }
    if (rc == 0 && pos->id == 0) {
        plan->n_heads = cfg->model.n_heads;
        plan->depth = cfg->model.depth;
        plan->n_evaluators = cfg->data.n_evaluators;
        IH_ALLOC(plan->evaluator_names, plan->n_evaluators);
        for (int e = 0; e < plan->n_evaluators; e++)
            if (!(plan->evaluator_names[e] = dup_string(cfg->data.evaluators[e].name)))
                IH_FAIL(IH_ENOMEM, "out of memory");
    }
    if (rc == 0 && (cfg->model.n_heads != plan->n_heads || cfg->model.depth != plan->depth)) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_ECONFIG,
                     "model.n_heads: every run of a sweep needs the same heads and depth (the "
                     "results file has one head axis): %d x %d here, %d x %d in run 0",
                     cfg->model.depth, cfg->model.n_heads, plan->depth, plan->n_heads);
        rc = IH_ECONFIG;
    }
    if (rc == 0 && !same_evaluators(plan, cfg)) {
        ih_error_set(__FILE__, __LINE__, __func__, IH_ECONFIG,
                     "data.evaluators: every run of a sweep needs the same evaluators (names and "
                     "order) as run 0");
        rc = IH_ECONFIG;
    }
    if (rc < 0) {
        rc = run_fail(sp, plan, pos);
        goto cleanup;
    }
    /* canonical: every field, table order; it must read back as the very same config (resolved
     * is free scratch here), else the field tables have a bug */
    IH_TRY(run_config_write(cfg, &r->config));
    IH_TRY(run_config_parse(r->config, "canonical config", resolved));
    if (memcmp(resolved, cfg, sizeof *cfg) != 0)
        IH_FAIL(IH_EINTERNAL,
                "run %d: its canonical config text does not read back as the same "
                "config: %s",
                pos->id, r->config);
    r->id = pos->id;
    r->stage = pos->stage;
    r->condition = pos->cond;
    r->setting = pos->setting;
    r->seed = pos->seed;
    r->source = -1;
    r->has_measures = cfg->measure_every > 0;
    r->hash = run_config_text_hash(r->config);
    r->train_iters = cfg->train_iters;
    r->n_evals = train_eval_count(cfg->train_iters, cfg->eval_every, cfg->batch_size);
    r->n_labels = cfg->model.n_labels;
    r->n_probe = cfg->keep_probe_logits ? cfg->data.n_probe : 0;
    r->cost = sweep_run_cost(cfg);
    if (r->n_evals > plan->max_evals)
        plan->max_evals = r->n_evals;
    if (r->n_labels > plan->max_labels)
        plan->max_labels = r->n_labels;
    if (r->n_probe > plan->max_probe)
        plan->max_probe = r->n_probe;
cleanup:
    return rc;
}

/* Names, seeds and settings: everything the runs index into. */
static int make_tables(const SweepParse *sp, SweepPlan *plan, const RunConfig *base_cfg,
                       int *digits)
{
    int rc = 0;
    plan->n_stages = sp->n_stages;
    IH_ALLOC(plan->stage_names, sp->n_stages);
    for (int s = 0; s < sp->n_stages; s++)
        if (!(plan->stage_names[s] = dup_string(sp->stages[s].name)))
            IH_FAIL(IH_ENOMEM, "out of memory");
    plan->n_conditions = sp->n_conds;
    IH_ALLOC(plan->condition_names, sp->n_conds);
    for (int c = 0; c < sp->n_conds; c++)
        if (!(plan->condition_names[c] = dup_string(sp->conds[c].name)))
            IH_FAIL(IH_ENOMEM, "out of memory");
    plan->n_seeds = sp->n_seeds;
    IH_ALLOC(plan->seed_values, sp->n_seeds);
    for (int j = 0; j < sp->n_seeds; j++)
        plan->seed_values[j] = sp->seeds_given
                                   ? (long)cJSON_GetArrayItem(sp->seed_values, j)->valuedouble
                                   : (long)base_cfg->init_seed;
    IH_ALLOC(plan->setting_labels, plan->n_settings);
    for (int set = 0; set < plan->n_settings; set++) {
        int rem = set;
        for (int a = sp->n_axes - 1; a >= 0; a--) {
            digits[a] = rem % sp->axes[a].n_values;
            rem /= sp->axes[a].n_values;
        }
        IH_TRY(make_label(sp, digits, &plan->setting_labels[set]));
    }
cleanup:
    return rc;
}

/* Links every run with symbolic heads to its source run (sweep.h: binding rules, applied by
 * sweep/). */
static int link_sources(const SweepParse *sp, SweepPlan *plan, const int *stage_first)
{
    int rc = 0;
    for (int i = 0; i < plan->n_runs; i++) {
        SweepRun *r = &plan->runs[i];
        if (!sp->conds[r->condition].has_symbols)
            continue;
        const SweepStage *st = &sp->stages[r->stage];
        const SweepStage *src = &sp->stages[st->bind_stage];
        int pos = 0;
        while (src->conds[pos] != st->bind_cond)
            pos++;
        r->source = stage_first[st->bind_stage] +
                    (r->setting * plan->n_seeds + r->seed) * src->n_conds + pos;
        if (!plan->runs[r->source].has_measures) {
            ConfigPath loc = {0};
            config__path_key(&loc, "stages");
            config__path_index(&loc, r->stage);
            rc =
                config__sweep_fail(sp, &loc,
                                   "run %d binds heads from run %d (stage %s, condition %s), whose "
                                   "measure_every is 0: it measures no heads to bind",
                                   i, r->source, src->name, sp->conds[st->bind_cond].name);
            goto cleanup;
        }
    }
cleanup:
    return rc;
}

int config__sweep_expand(const SweepParse *sp, SweepPlan *plan)
{
    int rc = 0;
    cJSON *tree = NULL;
    RunConfig *cfg = NULL, *resolved = NULL;
    int *digits = NULL, *stage_first = NULL;
    IH_ALLOC(cfg, 1);
    IH_ALLOC(resolved, 1);
    IH_ALLOC(digits, sp->n_axes + 1);
    IH_ALLOC(stage_first, sp->n_stages + 1);
    /* sizes */
    long settings = 1, runs = 0;
    for (int a = 0; a < sp->n_axes; a++) {
        settings *= sp->axes[a].n_values;
        if (settings > SWEEP_MAX_RUNS)
            IH_FAIL(IH_ECONFIG, "%s: axes: more than %d data settings", sp->source, SWEEP_MAX_RUNS);
    }
    for (int s = 0; s < sp->n_stages; s++) {
        stage_first[s] = (int)runs;
        runs += settings * sp->n_seeds * sp->stages[s].n_conds;
        if (runs > SWEEP_MAX_RUNS)
            IH_FAIL(IH_ECONFIG, "%s: the sweep has more than %d runs", sp->source, SWEEP_MAX_RUNS);
    }
    plan->n_settings = (int)settings;
    plan->n_runs = (int)runs;
    IH_ALLOC(plan->runs, runs);
    /* the base's own seed, when no seeds are given */
    rc = config__run_from_json(sp->base, "base", cfg);
    if (rc < 0) {
        rc = relocate(sp);
        goto cleanup;
    }
    IH_TRY(make_tables(sp, plan, cfg, digits));
    IH_TRY(make_params(sp, plan));
    IH_ALLOC(plan->param_values, runs * plan->n_params);
    int id = 0;
    for (int s = 0; s < sp->n_stages; s++) {
        const SweepStage *st = &sp->stages[s];
        for (int set = 0; set < plan->n_settings; set++) {
            int rem = set;
            for (int a = sp->n_axes - 1; a >= 0; a--) {
                digits[a] = rem % sp->axes[a].n_values;
                rem /= sp->axes[a].n_values;
            }
            for (int seed = 0; seed < sp->n_seeds; seed++) {
                for (int c = 0; c < st->n_conds; c++, id++) {
                    RunPos pos = {id, s, st->conds[c], seed, set, digits};
                    rc = build_tree(sp, &pos, &tree);
                    if (rc < 0) {
                        rc = run_fail(sp, plan, &pos);
                        goto cleanup;
                    }
                    IH_TRY(make_run(sp, plan, &pos, tree, cfg, resolved));
                    fill_params(sp, plan, &pos, plan->param_values + (size_t)id * plan->n_params);
                    cJSON_Delete(tree);
                    tree = NULL;
                }
            }
        }
    }
    IH_TRY(link_sources(sp, plan, stage_first));
cleanup:
    cJSON_Delete(tree);
    free(cfg);
    free(resolved);
    free(digits);
    free(stage_first);
    return rc;
}
