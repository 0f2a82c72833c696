/* JSON -> SweepPlan: a sweep file. Schema (only "name" is required):
 * {
 *   "name": "quickstart",           [A-Za-z0-9_.+-]+, at most 63 characters
 *   "description": "...",           free text, ignored
 *   "base": {...},                  a run config (src/config/run_config.c); default {} = the paper
 *                                   baseline of design 5.1
 *   "axes": [                       Cartesian product of the axes, the first axis slowest
 *     {"field": "data.class_split", "values": [[50, 1473, 100], [100, 1423, 100]], "label": "K"},
 *     {"zip": [{"field": "data.n_labels", "values": [5, 10]},       a zipped axis: the i-th values
 *              {"field": "data.relabel_split", "values": [[8, 2, 0], [36, 9, 0]]}],  go together
 *      "label": "L"}
 *   ],                              "label" (optional): the axis' short name in tables, fits and
 *                                   figures; default sweep_param_label of its first parameter
 *   "seeds": {"field": "init_seed", "values": [5, 6, 7]},   or just [5, 6, 7] (field init_seed);
 *                                   default: the base's init_seed alone
 *   "conditions": {                 named clamp lists (src/config/clamp_config.c), in this order;
 *     "none": [],                   a condition replaces the run's "clamps"; default: one
 *     "ablate_rest": [{"type": "ablate_heads", "heads": ["rest_ih"]}]   condition "base" that
 *   },                              keeps the base's clamps
 *   "stages": [                     default: one stage "main" with every condition
 *     {"name": "baseline", "conditions": ["none"]},
 *     {"name": "clamps", "conditions": ["ablate_rest"],
 *      "overrides": {"train_iters": 600000, "data.eval_size": 500},   field path -> value
 *      "bind_from": "baseline", "bind_condition": "none"}   both optional (sweep.h: binding rules,
 * applied by sweep/)
 *   ]
 * }
 * Field paths: keys separated by '.', array elements as [i] ("data.class_split[0]"). Setting a
 * field replaces its value (objects are not merged) and creates missing parent objects.
 * A run's config is the base, then its axis values, its seed, its stage's overrides, its
 * condition (the "clamps" field), then the command line's --set FIELD=VALUE (VALUE is JSON, or
 * else taken as a string), later ones winning. Fields swept by an axis or the seeds cannot be set
 * by a stage or --set, and "clamps" cannot be swept or set when conditions are given; no field is
 * swept twice.
 * Run ids: stages in file order; within a stage the data settings (the axes' product, first axis
 * slowest, zipped members together), then the seeds in order, then the stage's conditions in
 * order: id = first id of the stage + (setting * n_seeds + seed) * n_stage_conditions + condition.
 * Swept parameters stored per run in the results file (/runs/<name>): every axis member whose
 * values are all numbers (named by its field path); for a member whose values are numeric arrays
 * of one length, each component that differs between the values ("data.class_split[0]"; every
 * component when the axis has one value); and the seed field. Booleans, strings and objects are
 * recorded only in each run's config and in the data-setting labels. Each axis is one parameter
 * for analysis: its first stored parameter carries the axis label (SweepPlan.param_labels), the
 * others (the rest of a zipped axis, other varying components of an array) carry "" because they
 * move with it.
 * Result dims: every run must have the same model.n_heads, model.depth and evaluator names; the
 * file's eval, label and probe axes take the largest run's size (smaller runs are padded).
 */
#include "config/json.h"
#include "config/sweep_internal.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config__sweep_fail(const SweepParse *sp, const ConfigPath *loc, const char *fmt, ...)
{
    char msg[2048], where[512] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (loc) {
        int line = 1, col = 1;
        char path[512];
        config__text_locate(sp->text, loc, &line, &col);
        snprintf(where, sizeof where, "%s:%d:%d: %s: ", sp->source, line, col,
                 config__path_format(loc, path, (int)sizeof path));
    } else {
        snprintf(where, sizeof where, "%s: ", sp->source);
    }
    ih_error_set(__FILE__, __LINE__, __func__, IH_ECONFIG, "%s%s", where, msg);
    return IH_ECONFIG;
}

#define SWEEP_FAIL(loc, ...)                                                                       \
    do {                                                                                           \
        rc = config__sweep_fail(sp, (loc), __VA_ARGS__);                                           \
        goto cleanup;                                                                              \
    } while (0)

static ConfigPath loc_key(const char *key)
{
    ConfigPath p = {0};
    config__path_key(&p, key);
    return p;
}

static ConfigPath loc_key_index(const char *key, int index)
{
    ConfigPath p = loc_key(key);
    config__path_index(&p, index);
    return p;
}

static int valid_name(const char *s)
{
    if (!s[0])
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_.+-", *s)))
            return 0;
    return 1;
}

/* A short name ([A-Za-z0-9_.+-]+, < 64 chars) from a string item at loc. */
static int get_name(const SweepParse *sp, const cJSON *item, const ConfigPath *loc, char *out)
{
    int rc = 0;
    if (!cJSON_IsString(item) || !valid_name(item->valuestring) || strlen(item->valuestring) >= 64)
        SWEEP_FAIL(loc, "expected a name of 1-63 characters from [A-Za-z0-9_.+-]");
    strcpy(out, item->valuestring);
cleanup:
    return rc;
}

static int check_keys(const SweepParse *sp, const cJSON *obj, const ConfigPath *loc,
                      const char *const *allowed)
{
    int rc = 0;
    if (!cJSON_IsObject(obj))
        SWEEP_FAIL(loc, "expected an object");
    for (const cJSON *c = obj->child; c; c = c->next) {
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            ok |= strcmp(c->string, allowed[i]) == 0;
        if (!ok) {
            ConfigPath at = *loc;
            config__path_key(&at, c->string);
            char list[256] = "";
            for (int i = 0; allowed[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         allowed[i]);
            SWEEP_FAIL(&at, "unknown field (expected one of: %s)", list);
        }
    }
cleanup:
    return rc;
}

/* Reads an axis' optional "label" (a short name for figures and tables) into label[32]. */
static int parse_label(const SweepParse *sp, const cJSON *obj, const ConfigPath *loc, char *label)
{
    int rc = 0;
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(obj, "label");
    ConfigPath at = *loc;
    config__path_key(&at, "label");
    label[0] = '\0';
    if (!l)
        return 0;
    if (!cJSON_IsString(l) || !l->valuestring[0] || strlen(l->valuestring) > 31)
        SWEEP_FAIL(&at, "expected a short name (1 to 31 characters), e.g. \"K\"");
    snprintf(label, 32, "%s", l->valuestring);
cleanup:
    return rc;
}

/* Reads one {"field", "values"} member at loc into m; a plain axis (not in_zip) may also have
 * "label", which the axis reads. */
static int parse_member(const SweepParse *sp, const cJSON *obj, const ConfigPath *loc,
                        SweepMember *m, int in_zip)
{
    static const char *const plain_keys[] = {"field", "values", "label", NULL};
    static const char *const zip_keys[] = {"field", "values", NULL};
    const char *const *keys = in_zip ? zip_keys : plain_keys;
    int rc = 0;
    char what[512];
    IH_TRY(check_keys(sp, obj, loc, keys));
    ConfigPath at = *loc;
    config__path_key(&at, "field");
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(obj, "field");
    if (!cJSON_IsString(field) || strlen(field->valuestring) >= sizeof m->field)
        SWEEP_FAIL(cJSON_IsString(field) ? &at : loc, "needs \"field\": a field path string");
    snprintf(m->field, sizeof m->field, "%s", field->valuestring);
    rc = config__path_parse(m->field, "field", &m->path);
    if (rc < 0) {
        snprintf(what, sizeof what, "%s", ih_error_message());
        SWEEP_FAIL(&at, "%s", what);
    }
    m->loc = *loc;
    at = *loc;
    config__path_key(&at, "values");
    m->values = cJSON_GetObjectItemCaseSensitive(obj, "values");
    if (!cJSON_IsArray(m->values) || cJSON_GetArraySize(m->values) < 1)
        SWEEP_FAIL(m->values ? &at : loc, "needs \"values\": a non-empty array");
    /* numeric: all numbers, or all numeric arrays of one length */
    int all_num = 1, all_arr = 1, len = -1;
    for (const cJSON *v = m->values->child; v; v = v->next) {
        all_num &= cJSON_IsNumber(v);
        if (!cJSON_IsArray(v) || (len >= 0 && cJSON_GetArraySize(v) != len) ||
            cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > 64) {
            all_arr = 0;
            continue;
        }
        len = cJSON_GetArraySize(v);
        for (const cJSON *c = v->child; c; c = c->next)
            all_arr &= cJSON_IsNumber(c);
    }
    m->numeric = all_num ? 1 : all_arr ? 2 : 0;
    if (m->numeric == 2) {
        m->n_components = len;
        const int single = cJSON_GetArraySize(m->values) == 1;
        for (int i = 0; i < len; i++) {
            double first = cJSON_GetArrayItem(m->values->child, i)->valuedouble;
            int varies = single;
            for (const cJSON *v = m->values->child; v; v = v->next)
                varies |= cJSON_GetArrayItem(v, i)->valuedouble != first;
            if (varies)
                m->varying |= 1ULL << i;
        }
    }
cleanup:
    return rc;
}

static int parse_axes(SweepParse *sp)
{
    int rc = 0;
    const cJSON *axes = cJSON_GetObjectItemCaseSensitive(sp->root, "axes");
    ConfigPath loc = loc_key("axes");
    if (!axes)
        return 0;
    if (!cJSON_IsArray(axes))
        SWEEP_FAIL(&loc, "expected an array of axes");
    sp->n_axes = cJSON_GetArraySize(axes);
    int n_members = 0, a = 0;
    for (const cJSON *ax = axes->child; ax; ax = ax->next) {
        const cJSON *zip = cJSON_GetObjectItemCaseSensitive(ax, "zip");
        n_members += cJSON_IsArray(zip) ? cJSON_GetArraySize(zip) : 1;
    }
    IH_ALLOC(sp->axes, sp->n_axes);
    IH_ALLOC(sp->members, n_members + 1);
    for (const cJSON *ax = axes->child; ax; ax = ax->next, a++) {
        ConfigPath al = loc_key_index("axes", a);
        SweepAxis *axis = &sp->axes[a];
        axis->first_member = sp->n_members;
        const cJSON *zip = cJSON_GetObjectItemCaseSensitive(ax, "zip");
        if (cJSON_IsObject(ax) && zip) {
            static const char *const keys[] = {"zip", "label", NULL};
            IH_TRY(check_keys(sp, ax, &al, keys));
            IH_TRY(parse_label(sp, ax, &al, axis->label));
            ConfigPath zl = al;
            config__path_key(&zl, "zip");
            if (!cJSON_IsArray(zip) || cJSON_GetArraySize(zip) < 1)
                SWEEP_FAIL(&zl, "expected a non-empty array of {\"field\", \"values\"}");
            int k = 0;
            for (const cJSON *m = zip->child; m; m = m->next, k++) {
                ConfigPath ml = zl;
                config__path_index(&ml, k);
                SweepMember *mem = &sp->members[sp->n_members];
                IH_TRY(parse_member(sp, m, &ml, mem, 1));
                mem->axis = a;
                int n = cJSON_GetArraySize(mem->values);
                if (k > 0 && n != axis->n_values) {
                    config__path_key(&ml, "values");
                    SWEEP_FAIL(&ml,
                               "a zipped axis needs equally long value lists (%d here, %d in "
                               "its first member)",
                               n, axis->n_values);
                }
                axis->n_values = n;
                sp->n_members++;
            }
        } else {
            SweepMember *mem = &sp->members[sp->n_members];
            IH_TRY(parse_member(sp, ax, &al, mem, 0));
            IH_TRY(parse_label(sp, ax, &al, axis->label));
            mem->axis = a;
            axis->n_values = cJSON_GetArraySize(mem->values);
            sp->n_members++;
        }
        axis->n_members = sp->n_members - axis->first_member;
    }
cleanup:
    return rc;
}

static int parse_seeds(SweepParse *sp)
{
    int rc = 0;
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(sp->root, "seeds");
    ConfigPath loc = loc_key("seeds");
    snprintf(sp->seed_field, sizeof sp->seed_field, "init_seed");
    if (seeds) {
        sp->seeds_given = 1;
        if (cJSON_IsArray(seeds)) {
            sp->seeds_shorthand = 1;
            sp->seed_values = seeds;
        } else {
            static const char *const keys[] = {"field", "values", NULL};
            IH_TRY(check_keys(sp, seeds, &loc, keys));
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(seeds, "field");
            ConfigPath fl = loc;
            config__path_key(&fl, "field");
            if (f && (!cJSON_IsString(f) || strlen(f->valuestring) >= sizeof sp->seed_field))
                SWEEP_FAIL(&fl, "expected a field path (a string)");
            if (f)
                snprintf(sp->seed_field, sizeof sp->seed_field, "%s", f->valuestring);
            sp->seed_values = cJSON_GetObjectItemCaseSensitive(seeds, "values");
            config__path_key(&loc, "values");
        }
        if (!cJSON_IsArray(sp->seed_values) || cJSON_GetArraySize(sp->seed_values) < 1)
            SWEEP_FAIL(&loc, "expected a non-empty array of seeds");
        int i = 0;
        for (const cJSON *v = sp->seed_values->child; v; v = v->next, i++) {
            ConfigPath vl = loc;
            config__path_index(&vl, i);
            if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
                v->valuedouble != (double)(long long)v->valuedouble)
                SWEEP_FAIL(&vl, "a seed must be an integer in [0, 4294967295]");
            for (const cJSON *w = sp->seed_values->child; w != v; w = w->next)
                if (w->valuedouble == v->valuedouble)
                    SWEEP_FAIL(&vl, "seed %.0f is listed twice", v->valuedouble);
        }
        sp->n_seeds = i;
    } else {
        sp->n_seeds = 1;
    }
    rc = config__path_parse(sp->seed_field, "seeds.field", &sp->seed_path);
    if (rc < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", ih_error_message());
        ConfigPath fl = loc_key("seeds");
        SWEEP_FAIL(&fl, "%s", msg);
    }
cleanup:
    return rc;
}

static int parse_conditions(SweepParse *sp)
{
    int rc = 0;
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(sp->root, "conditions");
    ConfigPath loc = loc_key("conditions");
    ClampConfig *cc = NULL;
    if (!conds) {
        IH_ALLOC(sp->conds, 1);
        sp->n_conds = 1;
        snprintf(sp->conds[0].name, sizeof sp->conds[0].name, "base");
        const cJSON *clamps = cJSON_GetObjectItemCaseSensitive(sp->base, "clamps");
        if (clamps) {
            IH_ALLOC(cc, 1);
            if (config__clamps_from_json(clamps, "base.clamps", cc) == 0)
                sp->conds[0].has_symbols = clamp_config_has_symbols(cc);
            ih_error_clear(); /* errors in the base are reported when the base is checked */
        }
        goto cleanup;
    }
    sp->conds_given = 1;
    if (!cJSON_IsObject(conds) || !conds->child)
        SWEEP_FAIL(&loc, "expected an object of named clamp lists, e.g. {\"none\": []}");
    sp->n_conds = cJSON_GetArraySize(conds);
    IH_ALLOC(sp->conds, sp->n_conds);
    IH_ALLOC(cc, 1);
    int i = 0;
    for (const cJSON *c = conds->child; c; c = c->next, i++) {
        ConfigPath cl = loc;
        config__path_key(&cl, c->string);
        SweepCondition *sc = &sp->conds[i];
        if (!valid_name(c->string) || strlen(c->string) >= sizeof sc->name)
            SWEEP_FAIL(&cl, "a condition name needs 1-63 characters from [A-Za-z0-9_.+-]");
        snprintf(sc->name, sizeof sc->name, "%s", c->string);
        sc->clamps = c;
        char path[128];
        snprintf(path, sizeof path, "conditions.%s", c->string);
        rc = config__clamps_from_json(c, path, cc);
        if (rc < 0) {
            /* the clamp parser names "conditions.<name>[i].field": locate that */
            char msg[2048];
            snprintf(msg, sizeof msg, "%s", ih_error_message());
            ConfigPath inner = cl;
            const char *colon = strstr(msg, ": ");
            if (colon && strncmp(msg, path, strlen(path)) == 0) {
                char sub[512];
                snprintf(sub, sizeof sub, "x%.*s", (int)(colon - msg - strlen(path)),
                         msg + strlen(path));
                ConfigPath rel;
                if (config__path_parse(sub, "", &rel) == 0)
                    for (int k = 1; k < rel.n; k++)
                        inner.seg[inner.n < CONFIG_PATH_MAX_SEGS ? inner.n++ : inner.n - 1] =
                            rel.seg[k];
                ih_error_clear();
                SWEEP_FAIL(&inner, "%s", colon + 2);
            }
            SWEEP_FAIL(&cl, "%s", msg);
        }
        sc->has_symbols = clamp_config_has_symbols(cc);
    }
cleanup:
    free(cc);
    return rc;
}

static int find_condition(const SweepParse *sp, const char *name)
{
    for (int i = 0; i < sp->n_conds; i++)
        if (strcmp(sp->conds[i].name, name) == 0)
            return i;
    return -1;
}

static int parse_stage(SweepParse *sp, const cJSON *obj, int s)
{
    static const char *const keys[] = {"name",      "conditions",     "overrides",
                                       "bind_from", "bind_condition", NULL};
    int rc = 0;
    SweepStage *st = &sp->stages[s];
    ConfigPath sl = loc_key_index("stages", s), at;
    IH_TRY(check_keys(sp, obj, &sl, keys));
    at = sl;
    config__path_key(&at, "name");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!name)
        SWEEP_FAIL(&sl, "needs a \"name\"");
    IH_TRY(get_name(sp, name, &at, st->name));
    for (int k = 0; k < s; k++)
        if (strcmp(sp->stages[k].name, st->name) == 0)
            SWEEP_FAIL(&at, "stage \"%s\" is named twice", st->name);
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(obj, "conditions");
    at = sl;
    config__path_key(&at, "conditions");
    if (conds && (!cJSON_IsArray(conds) || cJSON_GetArraySize(conds) < 1))
        SWEEP_FAIL(&at, "expected a non-empty array of condition names");
    st->n_conds = conds ? cJSON_GetArraySize(conds) : sp->n_conds;
    IH_ALLOC(st->conds, st->n_conds);
    for (int i = 0; i < st->n_conds; i++) {
        if (!conds) {
            st->conds[i] = i;
            continue;
        }
        ConfigPath cl = at;
        config__path_index(&cl, i);
        const cJSON *c = cJSON_GetArrayItem(conds, i);
        int idx = cJSON_IsString(c) ? find_condition(sp, c->valuestring) : -1;
        if (idx < 0)
            SWEEP_FAIL(&cl, "not a condition of this sweep%s",
                       sp->conds_given ? "" : " (it has no \"conditions\"; use \"base\")");
        for (int k = 0; k < i; k++)
            if (st->conds[k] == idx)
                SWEEP_FAIL(&cl, "condition \"%s\" is listed twice", sp->conds[idx].name);
        st->conds[i] = idx;
    }
    for (int i = 0; i < st->n_conds; i++)
        st->needs_source |= sp->conds[st->conds[i]].has_symbols;
    /* overrides */
    st->overrides = cJSON_GetObjectItemCaseSensitive(obj, "overrides");
    at = sl;
    config__path_key(&at, "overrides");
    if (st->overrides) {
        if (!cJSON_IsObject(st->overrides))
            SWEEP_FAIL(&at, "expected an object {\"field.path\": value}");
        st->n_overrides = cJSON_GetArraySize(st->overrides);
        IH_ALLOC(st->override_paths, st->n_overrides + 1);
        int i = 0;
        for (const cJSON *o = st->overrides->child; o; o = o->next, i++) {
            ConfigPath ol = at;
            config__path_key(&ol, o->string);
            rc = config__path_parse(o->string, "override", &st->override_paths[i]);
            if (rc < 0) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s", ih_error_message());
                SWEEP_FAIL(&ol, "%s", msg);
            }
        }
    }
    /* binding */
    const cJSON *bf = cJSON_GetObjectItemCaseSensitive(obj, "bind_from");
    const cJSON *bc = cJSON_GetObjectItemCaseSensitive(obj, "bind_condition");
    at = sl;
    config__path_key(&at, bf ? "bind_from" : "conditions");
    st->bind_stage = 0;
    if (bf) {
        st->bind_stage = -1;
        for (int k = 0; k < s && cJSON_IsString(bf); k++)
            if (strcmp(sp->stages[k].name, bf->valuestring) == 0)
                st->bind_stage = k;
        if (st->bind_stage < 0)
            SWEEP_FAIL(&at, "bind_from must name an earlier stage");
    }
    if (st->needs_source && s == 0)
        SWEEP_FAIL(&at, "a condition of the first stage uses symbolic heads (strongest_ih, "
                        "pt_head, rest_ih), which are bound from an earlier stage's run: add a "
                        "baseline stage first");
    const SweepStage *src = &sp->stages[st->bind_stage];
    st->bind_cond = src->conds[0];
    if (bc) {
        at = sl;
        config__path_key(&at, "bind_condition");
        int idx = cJSON_IsString(bc) ? find_condition(sp, bc->valuestring) : -1;
        int in_src = 0;
        for (int i = 0; idx >= 0 && i < src->n_conds; i++)
            in_src |= src->conds[i] == idx;
        if (!in_src)
            SWEEP_FAIL(&at, "must name a condition of stage \"%s\"", src->name);
        st->bind_cond = idx;
    }
    if ((bf || bc) && !st->needs_source) {
        at = sl;
        config__path_key(&at, bf ? "bind_from" : "bind_condition");
        SWEEP_FAIL(&at, "no condition of this stage uses symbolic heads, so it binds nothing");
    }
cleanup:
    return rc;
}

static int parse_stages(SweepParse *sp)
{
    int rc = 0;
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(sp->root, "stages");
    ConfigPath loc = loc_key("stages");
    if (!stages) {
        IH_ALLOC(sp->stages, 1);
        sp->n_stages = 1;
        SweepStage *st = &sp->stages[0];
        snprintf(st->name, sizeof st->name, "main");
        st->n_conds = sp->n_conds;
        IH_ALLOC(st->conds, st->n_conds);
        for (int i = 0; i < st->n_conds; i++) {
            st->conds[i] = i;
            st->needs_source |= sp->conds[i].has_symbols;
        }
        ConfigPath cl = loc_key(sp->conds_given ? "conditions" : "stages");
        if (st->needs_source)
            SWEEP_FAIL(&cl,
                       "a condition uses symbolic heads (strongest_ih, pt_head, rest_ih), which "
                       "are bound from an earlier stage's run: add \"stages\" with a baseline "
                       "stage first");
        return 0;
    }
    if (!cJSON_IsArray(stages) || cJSON_GetArraySize(stages) < 1)
        SWEEP_FAIL(&loc, "expected a non-empty array of stages");
    sp->n_stages = cJSON_GetArraySize(stages);
    IH_ALLOC(sp->stages, sp->n_stages);
    int s = 0;
    for (const cJSON *st = stages->child; st; st = st->next, s++)
        IH_TRY(parse_stage(sp, st, s));
cleanup:
    return rc;
}

/* --set FIELD=VALUE: VALUE parsed as JSON, or else taken as a string. */
static int parse_sets(SweepParse *sp, const char *const *sets, int n_sets)
{
    int rc = 0;
    char what[300];
    if (n_sets <= 0)
        return 0;
    IH_ALLOC(sp->sets, n_sets);
    for (int i = 0; i < n_sets; i++) {
        SweepSet *set = &sp->sets[i];
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof set->field)
            IH_FAIL(IH_EUSAGE, "--set %s: expected FIELD=VALUE (e.g. train_iters=2000)", sets[i]);
        snprintf(set->field, sizeof set->field, "%.*s", (int)(eq - sets[i]), sets[i]);
        snprintf(what, sizeof what, "--set %s", set->field);
        rc = config__path_parse(set->field, what, &set->path);
        if (rc < 0) {
            rc = IH_EUSAGE;
            goto cleanup;
        }
        set->value = cJSON_ParseWithOpts(eq + 1, NULL, 1);
        if (!set->value)
            set->value = cJSON_CreateString(eq + 1);
        if (!set->value)
            IH_FAIL(IH_ENOMEM, "%s: out of memory", what);
        sp->n_sets = i + 1;
    }
cleanup:
    return rc;
}

/* Fields may be swept once; stages and --set may not touch swept fields (or clamps when
 * conditions are given). "related" = one path is a prefix of the other. */
static int related(const ConfigPath *a, const ConfigPath *b)
{
    return config__path_is_prefix(a, b) || config__path_is_prefix(b, a);
}

static int check_fields(const SweepParse *sp)
{
    int rc = 0;
    ConfigPath clamps = loc_key("clamps");
    for (int i = 0; i < sp->n_members; i++) {
        const SweepMember *m = &sp->members[i];
        ConfigPath fl = m->loc;
        config__path_key(&fl, "field");
        for (int k = 0; k < i; k++)
            if (related(&m->path, &sp->members[k].path))
                SWEEP_FAIL(&fl, "\"%s\" overlaps the field \"%s\" of another axis", m->field,
                           sp->members[k].field);
        if (sp->seeds_given && related(&m->path, &sp->seed_path))
            SWEEP_FAIL(&fl, "\"%s\" overlaps the seeds field \"%s\"", m->field, sp->seed_field);
        if (sp->conds_given && related(&m->path, &clamps))
            SWEEP_FAIL(&fl, "\"clamps\" are set by the conditions; sweep them as conditions");
    }
    for (int s = 0; s < sp->n_stages; s++) {
        const SweepStage *st = &sp->stages[s];
        int i = 0;
        for (const cJSON *o = st->overrides ? st->overrides->child : NULL; o; o = o->next, i++) {
            ConfigPath ol = loc_key_index("stages", s);
            config__path_key(&ol, "overrides");
            config__path_key(&ol, o->string);
            const ConfigPath *p = &st->override_paths[i];
            for (int k = 0; k < sp->n_members; k++)
                if (related(p, &sp->members[k].path))
                    SWEEP_FAIL(&ol, "\"%s\" is swept by an axis (\"%s\")", o->string,
                               sp->members[k].field);
            if (sp->seeds_given && related(p, &sp->seed_path))
                SWEEP_FAIL(&ol, "\"%s\" is swept by the seeds", o->string);
            if (sp->conds_given && related(p, &clamps))
                SWEEP_FAIL(&ol, "\"clamps\" are set by the stage's conditions");
        }
    }
    for (int i = 0; i < sp->n_sets; i++) {
        const SweepSet *set = &sp->sets[i];
        for (int k = 0; k < sp->n_members; k++)
            if (related(&set->path, &sp->members[k].path))
                IH_FAIL(IH_EUSAGE,
                        "--set %s: the field is swept by axis \"%s\"; it cannot be "
                        "overridden",
                        set->field, sp->members[k].field);
        if (sp->seeds_given && related(&set->path, &sp->seed_path))
            IH_FAIL(IH_EUSAGE, "--set %s: the field is swept by the seeds", set->field);
        if (sp->conds_given && related(&set->path, &clamps))
            IH_FAIL(IH_EUSAGE, "--set %s: clamps are set by the sweep's conditions", set->field);
    }
cleanup:
    return rc;
}

static void parse_free(SweepParse *sp)
{
    for (int s = 0; sp->stages && s < sp->n_stages; s++) {
        free(sp->stages[s].conds);
        free(sp->stages[s].override_paths);
    }
    for (int i = 0; sp->sets && i < sp->n_sets; i++)
        cJSON_Delete(sp->sets[i].value);
    free(sp->stages);
    free(sp->sets);
    free(sp->conds);
    free(sp->axes);
    free(sp->members);
    cJSON_Delete(sp->root);
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int sweep_plan_parse(const char *text, const char *source, const char *const *sets, int n_sets,
                     SweepPlan **out)
{
    static const char *const keys[] = {"name",  "description", "base",   "axes",
                                       "seeds", "conditions",  "stages", NULL};
    int rc = 0;
    SweepParse parse = {.text = text, .source = source}, *sp = &parse;
    SweepPlan *plan = NULL;
    static const cJSON empty_base = {.type = cJSON_Object};
    *out = NULL;
    IH_TRY(json_parse(text, source, &sp->root));
    ConfigPath root_loc = {0};
    IH_TRY(check_keys(sp, sp->root, &root_loc, keys));
    IH_ALLOC(plan, 1);
    ConfigPath nl = loc_key("name");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(sp->root, "name");
    if (!name)
        SWEEP_FAIL(&root_loc, "needs a \"name\"");
    IH_TRY(get_name(sp, name, &nl, plan->name));
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(sp->root, "description");
    if (desc && !cJSON_IsString(desc)) {
        ConfigPath dl = loc_key("description");
        SWEEP_FAIL(&dl, "expected a string");
    }
    sp->base = cJSON_GetObjectItemCaseSensitive(sp->root, "base");
    if (!sp->base)
        sp->base = &empty_base;
    if (!cJSON_IsObject(sp->base)) {
        ConfigPath bl = loc_key("base");
        SWEEP_FAIL(&bl, "expected a run config object");
    }
    IH_TRY(parse_axes(sp));
    IH_TRY(parse_seeds(sp));
    IH_TRY(parse_conditions(sp));
    IH_TRY(parse_stages(sp));
    IH_TRY(parse_sets(sp, sets, n_sets));
    IH_TRY(check_fields(sp));
    plan->text = dup_string(text);
    plan->source_name = dup_string(source);
    if (!plan->text || !plan->source_name)
        IH_FAIL(IH_ENOMEM, "out of memory copying the sweep text");
    memcpy(plan->seed_field, sp->seed_field, sizeof plan->seed_field);
    IH_TRY(config__sweep_expand(sp, plan));
    *out = plan;
    plan = NULL;
cleanup:
    parse_free(sp);
    sweep_plan_destroy(&plan);
    return rc;
}
