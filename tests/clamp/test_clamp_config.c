/* Clamp lists: JSON parsing (fields, defaults, symbols), every validation error with the JSON path
 * it must name, symbol resolution, and the example clamp lists in sweeps/examples (each must parse,
 * resolve with the reference scripts' heads, validate against the paper model and, except the
 * graft example that needs a checkpoint file, compile into the expected number of passes).
 */
#include "harness.h"

#include "ihsweep/clamp.h"
#include "ihsweep/config.h"
#include "ihsweep/error.h"

#include <stdlib.h>
#include <string.h>

TEST_COUNTS_DECLARE;

/* json must fail to parse with code, and the message must contain needle. */
static void expect_parse_error(const char *json, int code, const char *needle)
{
    ClampConfig c;
    int rc = clamp_config_parse(json, "test.json", &c);
    int ok = rc == code && strstr(ih_error_message(), needle) != NULL;
    if (!ok)
        fprintf(stderr, "parse %s: rc %d (expected %d), message \"%s\" (expected \"%s\")\n", json,
                rc, code, ih_error_message(), needle);
    CHECK(ok);
}

/* json parses but fails clamp_config_validate on model with a message containing needle. */
static void expect_invalid(const char *json, const ModelConfig *model, const char *needle)
{
    ClampConfig c;
    CHECK_OK(clamp_config_parse(json, "test.json", &c));
    int rc = clamp_config_validate(&c, model, "clamps");
    int ok = rc == IH_ECONFIG && strstr(ih_error_message(), needle) != NULL;
    if (!ok)
        fprintf(stderr, "validate %s: rc %d, message \"%s\" (expected \"%s\")\n", json, rc,
                ih_error_message(), needle);
    CHECK(ok);
}

static void test_parse_fields(void)
{
    ClampConfig c;
    const char *json =
        "[{\"type\":\"ablate_heads\",\"heads\":[\"1:0\",\"rest_ih\"]},"
        "{\"type\":\"prev_token_pattern\",\"heads\":[\"pt_head\"],\"only_label\":true},"
        "{\"type\":\"induction_pattern\",\"heads\":[\"strongest_ih\"],\"strength\":0.25},"
        "{\"type\":\"perfect_copy\",\"head\":\"12:34\"},"
        "{\"type\":\"preserve\",\"what\":[\"keys\",\"patterns\"]},"
        "{\"type\":\"head_temperature\",\"heads\":[\"1:3\"],\"temperature\":2},"
        "{\"type\":\"disallow_prev_token\",\"heads\":[\"0:2\"]},"
        "{\"type\":\"silence_non_label\",\"heads\":[\"1:3\"]},"
        "{\"type\":\"match_heads\",\"heads\":[\"1:3\"],\"temperature\":0},"
        "{\"type\":\"ablate_embedding\"},"
        "{\"type\":\"graft_in\",\"checkpoint\":\"a/b.ckpt\",\"till_layer\":1}]";
    CHECK_OK(clamp_config_parse(json, "test.json", &c));
    CHECK_INT_EQ(c.n, 11);
    CHECK_INT_EQ(c.items[0].type, CLAMP_ABLATE_HEADS);
    CHECK_INT_EQ(c.items[0].n_heads, 2);
    CHECK_INT_EQ(c.items[0].heads[0].symbol, CLAMP_HEAD_LITERAL);
    CHECK_INT_EQ(c.items[0].heads[0].layer, 1);
    CHECK_INT_EQ(c.items[0].heads[1].symbol, CLAMP_HEAD_REST_IH);
    CHECK_INT_EQ(c.items[1].heads[0].symbol, CLAMP_HEAD_PT_HEAD);
    CHECK_INT_EQ(c.items[1].only_label, 1);
    CHECK_NEAR(c.items[1].strength, 1.0, 0); /* default */
    CHECK_NEAR(c.items[2].strength, 0.25, 0);
    CHECK_INT_EQ(c.items[3].n_heads, 1);
    CHECK_INT_EQ(c.items[3].heads[0].layer, 12);
    CHECK_INT_EQ(c.items[3].heads[0].head, 34);
    CHECK_INT_EQ(c.items[4].preserve, CLAMP_PRESERVE_KEYS | CLAMP_PRESERVE_PATTERNS);
    CHECK_NEAR(c.items[5].temperature, 2.0, 0);
    CHECK_INT_EQ(c.items[6].only_label, 0);
    CHECK_NEAR(c.items[8].temperature, 0.0, 0);
    CHECK_STR_EQ(c.items[10].checkpoint, "a/b.ckpt");
    CHECK_INT_EQ(c.items[10].layer, 1);
    CHECK(clamp_config_has_symbols(&c));
    for (int t = 0; t < CLAMP_TYPE_COUNT; t++)
        CHECK(strcmp(clamp_type_name((ClampType)t), "unknown") != 0);
    CHECK_STR_EQ(clamp_type_name(CLAMP_PERFECT_PREV_TOKEN_INPUT), "perfect_prev_token_input");
    CHECK_OK(clamp_config_parse("[]", "empty.json", &c));
    CHECK_INT_EQ(c.n, 0);
}

static void test_parse_errors(void)
{
    expect_parse_error("{\"type\":\"ablate_heads\"}", IH_ECONFIG, "clamps: expected an array");
    expect_parse_error("[{\"type\":\"ablate_heads\",]", IH_EDATA, "test.json");
    expect_parse_error("[{\"type\":\"ablate_heads\",\"type\":\"preserve\"}]", IH_EDATA,
                       "duplicate");
    expect_parse_error("[{\"type\":\"nope\"}]", IH_ECONFIG, "clamps[0].type: unknown value");
    expect_parse_error("[{\"heads\":[\"1:0\"]}]", IH_ECONFIG, "clamps[0].type: required");
    expect_parse_error("[3]", IH_ECONFIG, "clamps[0]: expected a clamp object");
    expect_parse_error("[{\"type\":\"ablate_heads\",\"heads\":[\"1:0\"],\"strength\":1}]",
                       IH_ECONFIG, "clamps[0].strength: unknown field");
    expect_parse_error("[{\"type\":\"ablate_heads\"}]", IH_ECONFIG, "clamps[0].heads: required");
    expect_parse_error("[{\"type\":\"ablate_heads\",\"heads\":[]}]", IH_ECONFIG,
                       "clamps[0].heads: expected an array of 1 to 64 heads");
    expect_parse_error("[{\"type\":\"ablate_heads\",\"heads\":\"1:0\"}]", IH_ECONFIG,
                       "clamps[0].heads: expected an array");
    static const char *const bad_heads[] = {"1-0",   "a:b",  "1:",   ":1",           "12345:0",
                                            "1:2:3", " 1:2", "-1:2", "Strongest_IH", ""};
    for (size_t i = 0; i < sizeof bad_heads / sizeof bad_heads[0]; i++) {
        char json[256];
        snprintf(json, sizeof json,
                 "[{\"type\":\"ablate_embedding\"},"
                 "{\"type\":\"ablate_heads\",\"heads\":[\"1:0\",\"%s\"]}]",
                 bad_heads[i]);
        expect_parse_error(json, IH_ECONFIG, "clamps[1].heads[1]: \"");
    }
    expect_parse_error("[{\"type\":\"ablate_heads\",\"heads\":[1]}]", IH_ECONFIG,
                       "clamps[0].heads[0]: expected a head");
    expect_parse_error("[{\"type\":\"ablate_heads\",\"heads\":[\"1:0\",\"0:1\",\"1:0\"]}]",
                       IH_ECONFIG, "clamps[0].heads[2]: repeats clamps[0].heads[0]");
    expect_parse_error("[{\"type\":\"ablate_heads\",\"heads\":[\"rest_ih\",\"rest_ih\"]}]",
                       IH_ECONFIG, "clamps[0].heads[1]: repeats");
    expect_parse_error("[{\"type\":\"perfect_copy\",\"head\":\"rest_ih\"}]", IH_ECONFIG,
                       "clamps[0].head: \"rest_ih\" stands for several heads");
    expect_parse_error("[{\"type\":\"perfect_copy\",\"heads\":[\"1:3\"]}]", IH_ECONFIG,
                       "clamps[0].heads: unknown field");
    expect_parse_error("[{\"type\":\"perfect_copy\"}]", IH_ECONFIG, "clamps[0].head: required");
    expect_parse_error("[{\"type\":\"induction_pattern\",\"heads\":[\"1:3\"],\"strength\":1.5}]",
                       IH_ECONFIG, "clamps[0].strength: 1.5 is out of range [0, 1]");
    expect_parse_error("[{\"type\":\"prev_token_pattern\",\"heads\":[\"0:2\"],\"only_label\":1}]",
                       IH_ECONFIG, "clamps[0].only_label: expected true or false");
    expect_parse_error("[{\"type\":\"head_temperature\",\"heads\":[\"1:3\"]}]", IH_ECONFIG,
                       "clamps[0].temperature: required");
    expect_parse_error("[{\"type\":\"head_temperature\",\"heads\":[\"1:3\"],\"temperature\":0}]",
                       IH_ECONFIG, "clamps[0].temperature: must be a finite number > 0");
    expect_parse_error("[{\"type\":\"match_heads\",\"heads\":[\"1:3\"],\"temperature\":-1}]",
                       IH_ECONFIG, "clamps[0].temperature: -1 is out of range");
    expect_parse_error("[{\"type\":\"match_heads\",\"heads\":[\"1:3\"]}]", IH_ECONFIG,
                       "clamps[0].temperature: required");
    expect_parse_error("[{\"type\":\"preserve\",\"what\":[]}]", IH_ECONFIG,
                       "clamps[0].what: expected a non-empty array");
    expect_parse_error("[{\"type\":\"preserve\",\"what\":[\"values\",\"bogus\"]}]", IH_ECONFIG,
                       "clamps[0].what[1]: expected one of");
    expect_parse_error("[{\"type\":\"preserve\",\"what\":[\"values\",\"values\"]}]", IH_ECONFIG,
                       "clamps[0].what[1]: \"values\" listed twice");
    expect_parse_error("[{\"type\":\"graft_in\",\"till_layer\":0}]", IH_ECONFIG,
                       "clamps[0].checkpoint: required");
    expect_parse_error("[{\"type\":\"graft_out\",\"checkpoint\":\"x\"}]", IH_ECONFIG,
                       "clamps[0].from_layer: required");
    expect_parse_error("[{\"type\":\"graft_out\",\"checkpoint\":\"x\",\"from_layer\":-1}]",
                       IH_ECONFIG, "clamps[0].from_layer: -1 is out of range");
    expect_parse_error("[{\"type\":\"graft_out\",\"checkpoint\":\"\",\"from_layer\":0}]",
                       IH_ECONFIG, "clamps[0].checkpoint: a checkpoint file is required");
    expect_parse_error("[{\"type\":\"ablate_embedding\",\"heads\":[\"1:0\"]}]", IH_ECONFIG,
                       "clamps[0].heads: unknown field");
    /* combinations */
    expect_parse_error(
        "[{\"type\":\"perfect_copy\",\"head\":\"1:3\"},{\"type\":\"ablate_embedding\"},"
        "{\"type\":\"perfect_copy\",\"head\":\"1:2\"}]",
        IH_ECONFIG, "clamps[2]: a second perfect_copy clamp (the first is clamps[0])");
    expect_parse_error("[{\"type\":\"preserve\",\"what\":[\"values\"]},"
                       "{\"type\":\"preserve\",\"what\":[\"keys\"]}]",
                       IH_ECONFIG, "clamps[1]: a second preserve clamp");
    expect_parse_error("[{\"type\":\"graft_in\",\"checkpoint\":\"x\",\"till_layer\":0},"
                       "{\"type\":\"graft_out\",\"checkpoint\":\"x\",\"from_layer\":0}]",
                       IH_ECONFIG, "clamps[1]: graft_out cannot be combined with graft_in");
    expect_parse_error("[{\"type\":\"graft_out\",\"checkpoint\":\"x\",\"from_layer\":0},"
                       "{\"type\":\"perfect_copy\",\"head\":\"1:3\"}]",
                       IH_ECONFIG, "clamps[1]: perfect_copy writes the output that graft_out");
    expect_parse_error("[{\"type\":\"perfect_prev_token_input\"},"
                       "{\"type\":\"preserve\",\"what\":[\"patterns\"]}]",
                       IH_ECONFIG,
                       "clamps[1]: preserve cannot be combined with "
                       "perfect_prev_token_input (clamps[0])");
    expect_parse_error("[{\"type\":\"induction_pattern\",\"heads\":[\"1:3\"]},"
                       "{\"type\":\"perfect_prev_token_input\"}]",
                       IH_ECONFIG, "clamps[0]: induction_pattern cannot be combined");
    char many[2048] = "[";
    for (int i = 0; i <= CLAMP_MAX_SPECS; i++)
        strcat(many, i ? ",{\"type\":\"ablate_heads\",\"heads\":[\"1:0\"]}"
                       : "{\"type\":\"ablate_heads\",\"heads\":[\"1:0\"]}");
    strcat(many, "]");
    expect_parse_error(many, IH_ECONFIG, "clamps: 17 clamps, at most 16 allowed");
}

static void test_validate(void)
{
    ModelConfig paper = model_config_paper(5);
    expect_invalid(
        "[{\"type\":\"ablate_embedding\"},{\"type\":\"ablate_heads\",\"heads\":[\"1:0\"]},"
        "{\"type\":\"ablate_heads\",\"heads\":[\"1:9\"]}]",
        &paper, "clamps[2].heads[0]: head 9 out of range [0, 8)");
    expect_invalid("[{\"type\":\"ablate_heads\",\"heads\":[\"1:0\",\"2:0\"]}]", &paper,
                   "clamps[0].heads[1]: layer 2 out of range [0, 2)");
    expect_invalid("[{\"type\":\"perfect_copy\",\"head\":\"1:8\"}]", &paper,
                   "clamps[0].head: head 8 out of range");
    expect_invalid("[{\"type\":\"ablate_heads\",\"heads\":[\"rest_ih\"]}]", &paper,
                   "clamps[0].heads[0]: symbolic head not resolved");
    expect_invalid(
        "[{\"type\":\"head_temperature\",\"heads\":[\"1:3\",\"0:3\"],\"temperature\":2}]", &paper,
        "clamps[0].heads[1]: head_temperature applies to one layer");
    expect_invalid("[{\"type\":\"silence_non_label\",\"heads\":[\"0:3\"]}]", &paper,
                   "clamps[0].heads[0]: silence_non_label applies to the last layer (1)");
    expect_invalid("[{\"type\":\"graft_in\",\"checkpoint\":\"x\",\"till_layer\":2}]", &paper,
                   "clamps[0].till_layer: layer 2 out of range [0, 2)");
    expect_invalid("[{\"type\":\"perfect_prev_token_input\"},"
                   "{\"type\":\"ablate_heads\",\"heads\":[\"1:1\",\"0:1\"]}]",
                   &paper, "clamps[1].heads[1]: with perfect_prev_token_input only layer 1");
    ModelConfig deep = paper;
    deep.depth = 3;
    expect_invalid("[{\"type\":\"perfect_prev_token_input\"}]", &deep,
                   "clamps[0]: perfect_prev_token_input needs a 2-layer model");
    ModelConfig ape = paper;
    ape.pos = MODEL_POS_APE;
    expect_invalid("[{\"type\":\"perfect_prev_token_input\"}]", &ape,
                   "without additive positional embeddings");
    ClampPlan *p = NULL;
    ClampConfig c;
    CHECK_OK(clamp_config_parse("[{\"type\":\"ablate_heads\",\"heads\":[\"1:9\"]}]", "t", &c));
    CHECK_ERR(clamp_config_validate(&c, &paper, "clamps"), IH_ECONFIG); /* once, at the edge */
    CHECK_OK(clamp_config_parse("[]", "t", &c));
    CHECK_ERR(clamp_plan_create(&c, &paper, 0, 4, &p), IH_ECONFIG);
    clamp_plan_destroy(&p); /* NULL-safe */
}

static void test_resolve(void)
{
    ClampConfig c;
    ClampHeadBindings bind = {.strongest_ih = 3, .pt_head = 2};
    CHECK_OK(
        clamp_config_parse("[{\"type\":\"prev_token_pattern\",\"heads\":[\"pt_head\",\"0:5\"]},"
                           "{\"type\":\"ablate_heads\",\"heads\":[\"rest_ih\"]},"
                           "{\"type\":\"perfect_copy\",\"head\":\"strongest_ih\"}]",
                           "t", &c));
    CHECK_OK(clamp_config_resolve(&c, &bind, 8, 2));
    CHECK(!clamp_config_has_symbols(&c));
    CHECK_INT_EQ(c.items[0].n_heads, 2);
    CHECK(c.items[0].heads[0].layer == 0 && c.items[0].heads[0].head == 2);
    CHECK(c.items[0].heads[1].layer == 0 && c.items[0].heads[1].head == 5);
    CHECK_INT_EQ(c.items[1].n_heads, 7);
    int seen = 0;
    for (int j = 0; j < c.items[1].n_heads; j++) {
        CHECK_INT_EQ(c.items[1].heads[j].layer, 1);
        seen |= 1 << c.items[1].heads[j].head;
    }
    CHECK_INT_EQ(seen, 0xff & ~(1 << 3));
    CHECK(c.items[2].heads[0].layer == 1 && c.items[2].heads[0].head == 3);
    ModelConfig paper = model_config_paper(5);
    CHECK_OK(clamp_config_validate(&c, &paper, "clamps"));

    /* out-of-range bindings; a literal repeated by a symbol is caught by validate */
    CHECK_OK(clamp_config_parse("[{\"type\":\"ablate_heads\",\"heads\":[\"rest_ih\",\"1:0\"]}]",
                                "t", &c));
    ClampConfig bad = c;
    ClampHeadBindings wrong = {.strongest_ih = 8, .pt_head = 0};
    CHECK_ERR(clamp_config_resolve(&bad, &wrong, 8, 2), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "strongest_ih is bound to head 8") != NULL);
    CHECK_OK(clamp_config_resolve(&c, &bind, 8, 2));
    CHECK_ERR(clamp_config_validate(&c, &paper, "clamps"), IH_ECONFIG);
    CHECK(strstr(ih_error_message(), "clamps[0].heads[7]: repeats clamps[0].heads[0]") != NULL);
}

/* sweeps/examples/clamps_*.json: name, expected passes on the paper model (0: graft, not built) */
static void test_examples(void)
{
    static const struct {
        const char *name;
        int passes;
    } ex[] = {{"ablate_rest", 1},
              {"only_l2h0", 1},
              {"pt_pattern", 1},
              {"perfect_l1", 2},
              {"perfect_match", 1},
              {"perfect_copy", 2},
              {"perfect_l1_and_copy", 2},
              {"graft_l0", 0},
              {"pt_single_other", 1},
              {"pt_multi", 1},
              {"pt_all", 1},
              {"ih_strength_070", 1},
              {"pair_l2h3_l2h0", 1},
              {"no_l0", 2},
              {"no_l2", 1}};
    const char *src = getenv("IHSWEEP_SOURCE_DIR");
    CHECK(src != NULL);
    if (!src)
        return;
    ModelConfig paper = model_config_paper(5);
    ClampHeadBindings bind = {.strongest_ih = 3, .pt_head = 2};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char path[4096], *text = NULL;
        snprintf(path, sizeof path, "%s/sweeps/examples/clamps_%s.json", src, ex[i].name);
        FILE *fp = fopen(path, "rb");
        CHECK(fp != NULL);
        if (!fp)
            continue;
        text = calloc(65536, 1);
        size_t n = text ? fread(text, 1, 65535, fp) : 0;
        fclose(fp);
        CHECK(n > 0);
        ClampConfig c;
        ClampPlan *p = NULL;
        CHECK_OK(clamp_config_parse(text, path, &c));
        CHECK_OK(clamp_config_resolve(&c, &bind, paper.n_heads, paper.depth));
        CHECK_OK(clamp_config_validate(&c, &paper, "clamps"));
        if (ex[i].passes > 0) {
            CHECK_OK(clamp_plan_create(&c, &paper, 4, 4, &p));
            if (p) {
                if (clamp_plan_passes(p) != ex[i].passes)
                    fprintf(stderr, "%s: %d passes, expected %d\n", ex[i].name,
                            clamp_plan_passes(p), ex[i].passes);
                CHECK_INT_EQ(clamp_plan_passes(p), ex[i].passes);
            }
        }
        clamp_plan_destroy(&p);
        free(text);
    }
}

int main(void)
{
    test_parse_fields();
    test_parse_errors();
    test_validate();
    test_resolve();
    test_examples();
    TEST_MAIN_END("test_clamp_config");
}
