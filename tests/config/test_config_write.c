/* The canonical run-config JSON (run_config_write): for the default config and for every run of
 * every file under the sweeps folder given as argv[1] (sweep files, run configs, data configs and
 * clamp lists), parse(write(cfg)) equals cfg byte for byte, write(parse(write(cfg))) is the same
 * text, the run hash is the hash of that text, and the text holds every key the default config's
 * text holds (clamp lists, mixed samplers and the source's type-specific keys aside, which vary by
 * design).
 */
#include "harness.h"

#include "ihsweep/config.h"
#include "ihsweep/error.h"
#include "ihsweep/sweep.h"
#include "ihsweep/sweep_plan.h"
#include "ihsweep/train.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TEST_COUNTS_DECLARE;

#define MAX_KEYS 512
typedef struct {
    int n;
    char key[MAX_KEYS][128];
} KeySet;

/* The paths of obj's leaves and objects ("data.evaluators[].name"), skipping the parts that vary
 * by design. */
static void collect(const cJSON *obj, const char *prefix, KeySet *ks)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        char path[128];
        if (cJSON_IsArray(obj))
            snprintf(path, sizeof path, "%s[]", prefix);
        else
            snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", c->string);
        if (strcmp(path, "clamps") == 0 || strcmp(path, "data.mixing") == 0 ||
            strcmp(path, "data.source") == 0)
            continue;
        int seen = 0;
        for (int i = 0; i < ks->n && !seen; i++)
            seen = strcmp(ks->key[i], path) == 0;
        if (!seen && ks->n < MAX_KEYS)
            snprintf(ks->key[ks->n++], sizeof ks->key[0], "%s", path);
        if (cJSON_IsObject(c) || cJSON_IsArray(c))
            collect(c, path, ks);
    }
}

static int keys_of(const char *text, KeySet *ks)
{
    cJSON *root = cJSON_Parse(text);
    ks->n = 0;
    if (!root)
        return -1;
    collect(root, "", ks);
    cJSON_Delete(root);
    return 0;
}

static KeySet default_keys;

/* The round trip of one config; what names it in messages. */
static void check_config(const RunConfig *cfg, const char *what)
{
    char *text = NULL, *again = NULL;
    RunConfig *back = calloc(1, sizeof *back);
    KeySet *ks = calloc(1, sizeof *ks);
    int ok = back && ks && run_config_write(cfg, &text) == 0 &&
             run_config_parse(text, what, back) == 0 && run_config_write(back, &again) == 0;
    if (!ok)
        fprintf(stderr, "%s: %s\n", what, ih_error_message());
    CHECK(ok);
    if (ok) {
        int same = memcmp(back, cfg, sizeof *cfg) == 0;
        if (!same)
            fprintf(stderr, "%s: parse(write(cfg)) != cfg; text %s\n", what, text);
        CHECK(same);
        same = strcmp(text, again) == 0;
        if (!same)
            fprintf(stderr, "%s: second write differs:\n%s\n%s\n", what, text, again);
        CHECK(same);
        CHECK(strstr(text, "\": ") == NULL);
        CHECK(keys_of(text, ks) == 0);
        for (int i = 0; i < default_keys.n; i++) {
            int found = 0;
            for (int k = 0; k < ks->n && !found; k++)
                found = strcmp(ks->key[k], default_keys.key[i]) == 0;
            if (!found)
                fprintf(stderr, "%s: key %s missing from %s\n", what, default_keys.key[i], text);
            CHECK(found);
        }
        CHECK_INT_EQ(ks->n, default_keys.n);
    }
    free(text);
    free(again);
    free(back);
    free(ks);
}

static void check_file(const char *path)
{
    char *text = NULL;
    RunConfig *cfg = calloc(1, sizeof *cfg);
    SweepPlan *plan = NULL;
    int rc = -1, n_checked = 0;
    REQUIRE(cfg && config_read_file(path, &text) == 0);
    const char *p = text;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    run_config_default(cfg);
    if (*p == '[') {
        rc = clamp_config_parse(text, path, &cfg->clamps);
    } else if (strstr(text, "\"data\"") && data_config_parse(text, path, &cfg->data) == 0) {
        ih_error_clear();
        rc = 0;
    } else if (run_config_parse(text, path, cfg) == 0) {
        rc = 0;
    } else {
        ih_error_clear();
        rc = sweep_plan_parse(text, path, NULL, 0, &plan);
    }
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", path, ih_error_message());
    CHECK_INT_EQ(rc, 0);
    if (rc == 0 && !plan) {
        check_config(cfg, path);
        n_checked = 1;
    }
    for (int i = 0; plan && i < plan->n_runs; i++) {
        char what[4200];
        snprintf(what, sizeof what, "%s run %d", path, i);
        CHECK_INT_EQ(sweep_run_config(plan, i, cfg), 0);
        check_config(cfg, what);
        char *text_i = NULL;
        CHECK_INT_EQ(run_config_write(cfg, &text_i), 0);
        /* the plan stores the canonical text and hashes it */
        CHECK(text_i && strcmp(text_i, plan->runs[i].config) == 0);
        CHECK(plan->runs[i].hash == run_config_text_hash(plan->runs[i].config));
        free(text_i);
        n_checked++;
    }
    printf("%s: %d config%s\n", path, n_checked, n_checked == 1 ? "" : "s");
    sweep_plan_destroy(&plan);
    free(text);
    free(cfg);
}

static void walk(const char *dir, int *n_files)
{
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) {
            walk(path, n_files);
        } else if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            check_file(path);
            (*n_files)++;
        }
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    RunConfig *cfg = calloc(1, sizeof *cfg);
    char *text = NULL;
    if (!cfg || argc < 2) {
        fprintf(stderr, "usage: test_config_write SWEEPS_DIR\n");
        return 1;
    }
    run_config_default(cfg);
    /* the default as the parser fills it in (model dims from the data) */
    CHECK_INT_EQ(run_config_parse("{}", "{}", cfg), 0);
    CHECK_INT_EQ(run_config_write(cfg, &text), 0);
    CHECK(text && keys_of(text, &default_keys) == 0);
    printf("default config: %d keys: %s\n", default_keys.n, text ? text : "(none)");
    CHECK(default_keys.n > 60);
    check_config(cfg, "default config");
    /* a value the shortest printing must keep exact */
    cfg->adam.lr = 3e-5f;
    cfg->data.zipf_alpha = 0.1 + 0.2;
    cfg->train_iters = 123456789012L;
    check_config(cfg, "edited default");
    /* every clamp type (as the clamp tests list them), each source type, mixed samplers and
     * custom evaluators */
    static const char *const crafted[] = {
        "{\"clamps\":[{\"type\":\"ablate_heads\",\"heads\":[\"1:0\",\"rest_ih\"]},"
        "{\"type\":\"prev_token_pattern\",\"heads\":[\"pt_head\"],\"only_label\":true},"
        "{\"type\":\"induction_pattern\",\"heads\":[\"strongest_ih\"],\"strength\":0.25},"
        "{\"type\":\"perfect_copy\",\"head\":\"12:34\"},"
        "{\"type\":\"preserve\",\"what\":[\"keys\",\"patterns\"]},"
        "{\"type\":\"head_temperature\",\"heads\":[\"1:3\"],\"temperature\":2},"
        "{\"type\":\"disallow_prev_token\",\"heads\":[\"0:2\"]},"
        "{\"type\":\"silence_non_label\",\"heads\":[\"1:3\"]},"
        "{\"type\":\"match_heads\",\"heads\":[\"1:3\"],\"temperature\":0},"
        "{\"type\":\"ablate_embedding\"},"
        "{\"type\":\"graft_in\",\"checkpoint\":\"a/b.ckpt\",\"till_layer\":1}]}",
        "{\"clamps\":[{\"type\":\"perfect_prev_token_input\"}]}",
        "{\"clamps\":[{\"type\":\"graft_out\",\"checkpoint\":\"x "
        "\\\"y\\\".ckpt\",\"from_layer\":0}]}",
        "{\"name\":\"h5 \\u00e9\",\"data\":{\"source\":{\"type\":\"hdf5\",\"path\":\"f.h5\"},"
        "\"mixing\":[{\"weight\":0.3},{\"unique_rest\":true}],"
        "\"evaluators\":[{\"name\":\"a\",\"classes\":\"test\",\"noise_scale\":0.1}]}}",
        "{\"data\":{\"source\":{\"type\":\"lowrank\",\"rank\":3,\"class_scale\":1.1},"
        "\"relabel_split\":[0.7,0.3,0],\"zipf_alpha\":1.3,\"dense_subset\":0},"
        "\"optimizer\":{\"lr\":3e-4,\"weight_decay\":1e-7},\"train_seed\":4294967295}",
        "{\"data\":{\"source\":{\"type\":\"gaussian\",\"dim\":64,\"within_class_noise\":0.3}},"
        "\"model\":{\"pos\":\"ape\",\"mlp_ratio\":4,\"input_dim\":64}}",
    };
    for (int i = 0; i < (int)(sizeof crafted / sizeof crafted[0]); i++) {
        char what[32];
        snprintf(what, sizeof what, "crafted config %d", i);
        int rc = run_config_parse(crafted[i], what, cfg);
        if (rc != 0)
            fprintf(stderr, "%s: %s\n", what, ih_error_message());
        CHECK_INT_EQ(rc, 0);
        if (rc == 0)
            check_config(cfg, what);
    }
    int n_files = 0;
    walk(argv[1], &n_files);
    CHECK(n_files >= 20);
    free(text);
    free(cfg);
    TEST_MAIN_END("test_config_write");
}
