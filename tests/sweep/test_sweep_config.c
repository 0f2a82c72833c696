/* Sweep files -> plans (MPI-free): run order and ids, stages and their source runs, zipped axes,
 * seeds, swept parameters, overrides and --set, selections (--runs, --shard), the results layout,
 * cost estimates, the error messages (file:line:col and the JSON path of the offending field), and
 * the repository's sweep files (quickstart, paper/main, paper/data_dependence) plan cleanly.
 */
#include "harness.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/sweep.h"

#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

#define TINY_BASE                                                                                  \
    "\"base\": {\"train_iters\": 4000, \"eval_every\": 500, \"model\": {\"d_model\": 16, "         \
    "\"n_heads\": 4}, \"data\": {\"source\": {\"type\": \"synthetic\", \"dim\": 32}, "             \
    "\"eval_size\": 100, \"n_probe\": 8, \"dense_subset\": 100}}"

static const char *const staged =
    "{\"name\": \"t\", " TINY_BASE ",\n"
    " \"axes\": [{\"field\": \"data.class_split\", \"values\": [[50, 1473, 100], [100, 1423, "
    "100]]},\n"
    "          {\"zip\": [{\"field\": \"optimizer.lr\", \"values\": [0.001, 0.002, 0.003]},\n"
    "                   {\"field\": \"data.noise_scale\", \"values\": [0, 0, 0.5]}]}],\n"
    " \"seeds\": {\"field\": \"init_seed\", \"values\": [5, 6]},\n"
    " \"conditions\": {\"none\": [], \"rest\": [{\"type\": \"ablate_heads\", \"heads\": "
    "[\"rest_ih\"]}],\n"
    "                \"pt\": [{\"type\": \"prev_token_pattern\", \"heads\": [\"pt_head\"]}]},\n"
    " \"stages\": [{\"name\": \"baseline\", \"conditions\": [\"none\"]},\n"
    "            {\"name\": \"clamps\", \"conditions\": [\"rest\", \"pt\"], \"overrides\": "
    "{\"train_iters\": 3000, \"data.eval_size\": 50}}]}\n";

static int param_index(const SweepPlan *p, const char *name)
{
    for (int k = 0; k < p->n_params; k++)
        if (strcmp(p->param_names[k], name) == 0)
            return k;
    return -1;
}

static void test_staged(void)
{
    SweepPlan *p = NULL, *q = NULL;
    RunConfig *cfg = calloc(1, sizeof *cfg);
    CHECK_OK(sweep_plan_parse(staged, "staged.json", NULL, 0, &p));
    if (!p || !cfg)
        return;
    /* 2 x 3 settings x 2 seeds: 12 baseline runs, then 24 clamp runs */
    CHECK_INT_EQ(p->n_runs, 36);
    CHECK_INT_EQ(p->n_settings, 6);
    CHECK_INT_EQ(p->n_seeds, 2);
    CHECK_INT_EQ(p->n_stages, 2);
    CHECK_INT_EQ(p->n_conditions, 3);
    /* ids: stage, then settings (first axis slowest), then seeds, then conditions */
    CHECK_INT_EQ(p->runs[3].setting, 1);
    CHECK_INT_EQ(p->runs[3].seed, 1);
    CHECK_INT_EQ(p->runs[12].stage, 1);
    CHECK_INT_EQ(p->runs[12].condition, 1);
    CHECK_INT_EQ(p->runs[13].condition, 2);
    CHECK_INT_EQ(p->runs[15].seed, 1);
    CHECK_INT_EQ(p->runs[15].setting, 0);
    CHECK_INT_EQ(p->runs[35].setting, 5);
    CHECK_INT_EQ(p->runs[35].seed, 1);
    /* sources: the baseline run of the same setting and seed */
    CHECK_INT_EQ(p->runs[0].source, -1);
    CHECK_INT_EQ(p->runs[12].source, 0);
    CHECK_INT_EQ(p->runs[13].source, 0);
    CHECK_INT_EQ(p->runs[15].source, 1);
    CHECK_INT_EQ(p->runs[35].source, 11);
    CHECK_STR_EQ(p->setting_labels[5],
                 "data.class_split=[100,1423,100] optimizer.lr=0.003 data.noise_scale=0.5");
    /* params: components that vary, numeric members, then the seed */
    CHECK_INT_EQ(p->n_params, 5);
    CHECK_INT_EQ(param_index(p, "data.class_split[0]"), 0);
    CHECK_INT_EQ(param_index(p, "data.class_split[1]"), 1);
    CHECK_INT_EQ(param_index(p, "data.class_split[2]"), -1);
    CHECK_INT_EQ(param_index(p, "optimizer.lr"), 2);
    CHECK_INT_EQ(param_index(p, "init_seed"), 4);
    CHECK_NEAR(p->param_values[35 * 5 + 0], 100, 0);
    CHECK_NEAR(p->param_values[35 * 5 + 2], 0.003, 0);
    CHECK_NEAR(p->param_values[35 * 5 + 3], 0.5, 0);
    CHECK_NEAR(p->param_values[35 * 5 + 4], 6, 0);
    /* overrides apply to the clamp stage only; the zip sets both members */
    CHECK_OK(sweep_run_config(p, 35, cfg));
    CHECK_INT_EQ(cfg->train_iters, 3000);
    CHECK_INT_EQ(cfg->data.eval_size, 50);
    CHECK_INT_EQ(cfg->init_seed, 6);
    CHECK_INT_EQ(cfg->data.class_split[0], 100);
    CHECK_NEAR(cfg->adam.lr, 0.003f, 0);
    CHECK_NEAR(cfg->data.noise_scale, 0.5f, 0);
    CHECK_INT_EQ(cfg->clamps.n, 1);
    CHECK(clamp_config_has_symbols(&cfg->clamps));
    CHECK_OK(sweep_run_config(p, 0, cfg));
    CHECK_INT_EQ(cfg->train_iters, 4000);
    CHECK_INT_EQ(cfg->clamps.n, 0);
    CHECK_INT_EQ(p->runs[0].n_evals, 9);
    CHECK_INT_EQ(p->max_evals, 9);
    CHECK(p->runs[0].cost > p->runs[12].cost);
    CHECK(p->runs[0].has_measures);
    /* hashes: stable across parses, distinct between runs */
    CHECK_OK(sweep_plan_parse(staged, "staged.json", NULL, 0, &q));
    int same = 1, distinct = 1;
    for (int i = 0; q && i < p->n_runs; i++) {
        same &=
            p->runs[i].hash == q->runs[i].hash && strcmp(p->runs[i].config, q->runs[i].config) == 0;
        for (int j = 0; j < i; j++)
            distinct &= p->runs[i].hash != p->runs[j].hash;
    }
    CHECK(same);
    CHECK(distinct);
    /* the layout it implies is valid */
    ResultsLayout l;
    CHECK_OK(sweep_layout_build(p, &l));
    CHECK_OK(results_layout_check(&l));
    CHECK_INT_EQ(l.n_runs, 36);
    CHECK_STR_EQ(l.conditions[13], "pt");
    CHECK_INT_EQ(l.stages[13], 1);
    sweep_layout_release(&l);
    CHECK(l.conditions == NULL);
    /* selections */
    unsigned char sel[36];
    int added = -1;
    CHECK_OK(sweep_select(p, "13,35", 0, 0, 1, sel, &added));
    CHECK_INT_EQ(added, 2);
    int listed = 0;
    for (int i = 0; i < 36; i++)
        listed += sel[i];
    CHECK_INT_EQ(listed, 4);
    CHECK(sel[0] && sel[11] && sel[13] && sel[35]);
    CHECK_OK(sweep_select(p, "13,35", 0, 0, 0, sel, &added)); /* sources bound elsewhere */
    CHECK_INT_EQ(added, 0);
    CHECK(!sel[0] && !sel[11] && sel[13] && sel[35]);
    CHECK_OK(sweep_select(p, NULL, 1, 3, 1, sel, &added));
    int shard_ok = 1;
    for (int i = 0; i < 36; i++) {
        int want = i % 3 == 1;
        for (int j = 0; j < 36; j++)
            want |= j % 3 == 1 && p->runs[j].source == i;
        shard_ok &= sel[i] == want;
    }
    CHECK(shard_ok);
    CHECK(sel[0] && sel[13] && !sel[14]); /* 13 binds from 0; 14 is in shard 2 */
    CHECK_ERR(sweep_runs_parse("0-", 36, sel), IH_EUSAGE);
    CHECK_ERR(sweep_runs_parse("36", 36, sel), IH_EUSAGE);
    CHECK_ERR(sweep_runs_parse("3-1", 36, sel), IH_EUSAGE);
    CHECK_ERR(sweep_runs_parse("1,,2", 36, sel), IH_EUSAGE);
    CHECK_OK(sweep_runs_parse("0-2,35", 36, sel));
    CHECK(sel[0] && sel[1] && sel[2] && !sel[3] && sel[35]);
    int si = 0, sn = 0;
    CHECK_OK(sweep_shard_parse("2/4", &si, &sn));
    CHECK(si == 2 && sn == 4);
    CHECK_ERR(sweep_shard_parse("4/4", &si, &sn), IH_EUSAGE);
    CHECK_ERR(sweep_shard_parse("1", &si, &sn), IH_EUSAGE);
    sweep_plan_destroy(&p);
    sweep_plan_destroy(&q);
    CHECK(p == NULL);
    sweep_plan_destroy(&p); /* NULL-safe */
    free(cfg);
}

static void test_sets_and_defaults(void)
{
    SweepPlan *p = NULL;
    RunConfig *cfg = calloc(1, sizeof *cfg);
    /* --set wins over stage overrides; a string value that is not JSON stays a string */
    const char *sets[] = {"train_iters=2000", "data.class_split=[60, 1463, 100]",
                          "name=smoke test"};
    const char *text = "{\"name\": \"d\", " TINY_BASE ", \"stages\": [{\"name\": \"s\", "
                       "\"overrides\": {\"train_iters\": 3000, \"data.class_split\": "
                       "[50, 1473, 100]}}]}";
    CHECK_OK(sweep_plan_parse(text, "d.json", sets, 3, &p));
    if (p && cfg) {
        CHECK_INT_EQ(p->n_runs, 1);
        CHECK_INT_EQ(p->n_conditions, 1);
        CHECK_STR_EQ(p->condition_names[0], "base");
        CHECK_STR_EQ(p->setting_labels[0], "");
        CHECK_INT_EQ(p->n_params, 1);
        CHECK_STR_EQ(p->param_names[0], "init_seed");
        CHECK_NEAR(p->param_values[0], 5, 0);
        CHECK_OK(sweep_run_config(p, 0, cfg));
        CHECK_INT_EQ(cfg->train_iters, 2000);
        CHECK_INT_EQ(cfg->data.class_split[0], 60);
        CHECK_STR_EQ(cfg->name, "smoke test");
    }
    sweep_plan_destroy(&p);
    /* no stages and no conditions: one stage "main", one condition "base" */
    CHECK_OK(sweep_plan_parse("{\"name\": \"m\", " TINY_BASE ", \"seeds\": [2, 7, 9]}", "m.json",
                              NULL, 0, &p));
    if (p) {
        CHECK_INT_EQ(p->n_runs, 3);
        CHECK_STR_EQ(p->stage_names[0], "main");
        CHECK_INT_EQ(p->seed_values[2], 9);
        CHECK_OK(sweep_run_config(p, 2, cfg));
        CHECK_INT_EQ(cfg->init_seed, 9);
    }
    sweep_plan_destroy(&p);
    free(cfg);
}

/* Axis labels: given on a plain and a zipped axis, defaults, and the rest of an axis unlabelled. */
static void test_labels(void)
{
    SweepPlan *p = NULL;
    const char *text =
        "{\"name\": \"l\", " TINY_BASE ", \"axes\": ["
        "{\"field\": \"data.class_split\", \"values\": [[50, 1473, 100], [100, 1423, 100]]},"
        "{\"zip\": [{\"field\": \"data.eval_size\", \"values\": [50, 60]},"
        "         {\"field\": \"measure_every\", \"values\": [1, 2]}], \"label\": \"B\"},"
        "{\"field\": \"batch_size\", \"values\": [16, 32], \"label\": \"batch\"}]}";
    CHECK_OK(sweep_plan_parse(text, "l.json", NULL, 0, &p));
    if (p) {
        const char *names[] = {"data.class_split[0]", "data.class_split[1]", "data.eval_size",
                               "measure_every",       "batch_size",          "init_seed"};
        const char *labels[] = {"K", "", "B", "", "batch", "seed"};
        CHECK_INT_EQ(p->n_params, 6);
        for (int k = 0; k < 6 && k < p->n_params; k++) {
            CHECK_STR_EQ(p->param_names[k], names[k]);
            CHECK_STR_EQ(p->param_labels[k], labels[k]);
        }
    }
    sweep_plan_destroy(&p);
    char buf[64];
    CHECK_STR_EQ(sweep_param_label("data.n_labels", buf, sizeof buf), "L");
    CHECK_STR_EQ(sweep_param_label("data.relabel_split[1]", buf, sizeof buf), "relabel_split[1]");
}

/* The parse must fail with code and a message containing want. */
static void expect_error(const char *text, const char *const *sets, int n_sets, int code,
                         const char *want)
{
    SweepPlan *p = NULL;
    int rc = sweep_plan_parse(text, "x.json", sets, n_sets, &p);
    CHECK_INT_EQ(rc, code);
    CHECK(p == NULL);
    if (!strstr(ih_error_message(), want)) {
        test_counts.failed++;
        fprintf(stderr, "error message \"%s\"\n  lacks \"%s\"\n", ih_error_message(), want);
    } else {
        test_counts.passed++;
    }
    sweep_plan_destroy(&p);
}

static void test_errors(void)
{
    expect_error("{\"name\": \"e\",\n \"axes\": [{\"field\": \"data.class_split\",\n"
                 "   \"values\": [[50, 1473, 100], [50, 1473]]}]}",
                 NULL, 0, IH_ECONFIG,
                 "x.json:3:32: axes[0].values[1]: run 1 (stage main, condition base, "
                 "data.class_split=[50,1473], init_seed=5): data.class_split: expected 3 entries");
    expect_error("{\"name\": \"e\", \"axis\": []}", NULL, 0, IH_ECONFIG,
                 "x.json:1:23: axis: unknown field");
    expect_error("{\"name\": \"e\", \"base\": {\"train_iter\": 4}}", NULL, 0, IH_ECONFIG,
                 "x.json:1:38: base.train_iter: unknown field");
    expect_error("{\"name\": \"e\", \"axes\": [{\"zip\": [{\"field\": \"train_iters\", \"values\": "
                 "[1, 2]}, {\"field\": \"eval_every\", \"values\": [1]}]}]}",
                 NULL, 0, IH_ECONFIG, "axes[0].zip[1].values: a zipped axis needs equally long");
    expect_error("{\"name\": \"e\", \"axes\": [{\"field\": \"train_iters\", \"values\": [1]}, "
                 "{\"field\": \"train_iters\", \"values\": [2]}]}",
                 NULL, 0, IH_ECONFIG, "axes[1].field: \"train_iters\" overlaps");
    expect_error("{\"name\": \"e\", \"conditions\": {\"c\": [{\"type\": \"ablate_heads\", "
                 "\"heads\": [\"strongest_ih\"]}]}}",
                 NULL, 0, IH_ECONFIG, "conditions: a condition uses symbolic heads");
    expect_error("{\"name\": \"e\", \"conditions\": {\"n\": [], \"c\": [{\"type\": "
                 "\"ablate_heads\", \"heads\": [\"pt_head\"]}]}, \"stages\": [{\"name\": \"a\", "
                 "\"conditions\": [\"c\"]}]}",
                 NULL, 0, IH_ECONFIG, "stages[0].conditions: a condition of the first stage");
    expect_error("{\"name\": \"e\", \"conditions\": {\"c\": [{\"type\": \"ablate_heads\", "
                 "\"heads\": [\"1:x\"]}]}}",
                 NULL, 0, IH_ECONFIG,
                 "x.json:1:71: conditions.c[0].heads[0]: \"1:x\" is not a head");
    expect_error("{\"name\": \"e\", \"conditions\": {\"n\": []}, \"stages\": [{\"name\": \"a\", "
                 "\"conditions\": [\"m\"]}]}",
                 NULL, 0, IH_ECONFIG, "stages[0].conditions[0]: not a condition of this sweep");
    expect_error("{\"name\": \"e\", \"stages\": [{\"name\": \"a\", \"overrides\": "
                 "{\"data.eval_size\": -5}}]}",
                 NULL, 0, IH_ECONFIG,
                 "stages[0].overrides[\"data.eval_size\"]: run 0 (stage a, condition base, "
                 "init_seed=5): data.eval_size: -5 is out of range");
    expect_error("{\"name\": \"e\", \"seeds\": [5, 5]}", NULL, 0, IH_ECONFIG,
                 "seeds[1]: seed 5 is listed twice");
    expect_error("{\"name\": \"e\", \"seeds\": [5, 6]}", (const char *const[]){"init_seed=3"}, 1,
                 IH_EUSAGE, "--set init_seed: the field is swept by the seeds");
    expect_error("{\"name\": \"e\"}", (const char *const[]){"train_iters"}, 1, IH_EUSAGE,
                 "expected FIELD=VALUE");
    expect_error("{\"name\": \"e\"}", (const char *const[]){"batch_size=0"}, 1, IH_ECONFIG,
                 "--set batch_size: run 0");
    expect_error("{\"name\": \"e\", \"base\": {\"measure_every\": 0}, \"conditions\": {\"n\": [], "
                 "\"c\": [{\"type\": \"ablate_heads\", \"heads\": [\"rest_ih\"]}]}, \"stages\": "
                 "[{\"name\": \"a\", \"conditions\": [\"n\"]}, {\"name\": \"b\", \"conditions\": "
                 "[\"c\"]}]}",
                 NULL, 0, IH_ECONFIG, "whose measure_every is 0");
    expect_error(
        "{\"name\": \"e\", \"axes\": [{\"field\": \"model.n_heads\", \"values\": [4, 8]}], "
        "\"base\": {\"model\": {\"d_model\": 16}}}",
        NULL, 0, IH_ECONFIG, "axes[0].values[1]: run 1");
    expect_error("{\"name\": \"e\",", NULL, 0, IH_EDATA, "x.json:1:");
    expect_error("{\"base\": {}}", NULL, 0, IH_ECONFIG, "needs a \"name\"");
    expect_error("{\"name\": \"e\", \"axes\": [{\"field\": \"train_iters\", \"values\": [1, 2], "
                 "\"label\": \"\"}]}",
                 NULL, 0, IH_ECONFIG, "axes[0].label: expected a short name");
    expect_error("{\"name\": \"e\", \"axes\": [{\"zip\": [{\"field\": \"train_iters\", "
                 "\"values\": [1, 2], \"label\": \"T\"}]}]}",
                 NULL, 0, IH_ECONFIG, "unknown field");
}

static void test_repository_sweeps(void)
{
    const char *src = getenv("IHSWEEP_SOURCE_DIR");
    static const char *const files[] = {"quickstart.json", "paper/main.json",
                                        "paper/data_dependence.json"};
    const int want_runs[] = {42, 80, 125};
    if (!src) {
        test_counts.failed++;
        fprintf(stderr, "IHSWEEP_SOURCE_DIR is not set\n");
        return;
    }
    for (int i = 0; i < 3; i++) {
        char path[4096], *text = NULL;
        SweepPlan *p = NULL;
        snprintf(path, sizeof path, "%s/sweeps/%s", src, files[i]);
        CHECK_OK(config_read_file(path, &text));
        if (!text)
            continue;
        CHECK_OK(sweep_plan_parse(text, path, NULL, 0, &p));
        if (p && want_runs[i] >= 0)
            CHECK_INT_EQ(p->n_runs, want_runs[i]);
        sweep_plan_destroy(&p);
        free(text);
    }
}

int main(void)
{
    test_staged();
    test_sets_and_defaults();
    test_labels();
    test_errors();
    test_repository_sweeps();
    TEST_MAIN_END("test_sweep_config");
}
