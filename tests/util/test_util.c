/* Tests of the shared utilities: error records, the counter-based RNG, strict JSON reading. */
#include "harness.h"

#include "config/json.h"
#include "ihsweep/error.h"
#include "ihsweep/rng.h"

#include <stdlib.h>

TEST_COUNTS_DECLARE;

static int fails_with_config_error(void)
{
    int rc = 0;
    IH_FAIL(IH_ECONFIG, "model.d_model: bad value %d", 3);
cleanup:
    return rc;
}

static int calls_failing(void)
{
    int rc = 0;
    IH_TRY(fails_with_config_error());
cleanup:
    return rc;
}

static void test_error_record(void)
{
    CHECK_ERR(calls_failing(), IH_ECONFIG);
    CHECK_STR_EQ(ih_error_message(), "model.d_model: bad value 3");
    char trace[1024];
    ih_error_traceback(trace, (int)sizeof trace);
    CHECK(strstr(trace, "fails_with_config_error") != NULL);
    CHECK(strstr(trace, "calls_failing") != NULL);
    CHECK_INT_EQ(ih_exit_status(IH_ECONFIG), 78);
    CHECK_INT_EQ(ih_exit_status(IH_ESTOP), 75);
    CHECK_INT_EQ(ih_exit_status(IH_EUSAGE), 64);
}

static void test_rng_streams(void)
{
    Rng a, b, c;
    rng_init(&a, 7, RNG_PURPOSE_TEST, 3);
    rng_init(&b, 7, RNG_PURPOSE_TEST, 3);
    rng_init(&c, 7, RNG_PURPOSE_TEST, 4);
    int same = 1, differs = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = rng_u32(&a), y = rng_u32(&b), z = rng_u32(&c);
        same &= x == y;
        differs |= x != z;
    }
    CHECK(same);
    CHECK(differs);

    /* Moments of the normal and truncated normal (JAX's truncated normal on [-2,2] has
     * std 0.87962566103423978). n = 200000: standard errors ~0.0022 (mean), ~0.0016 (std). */
    const int n = 200000;
    double s1 = 0, s2 = 0, t1 = 0, t2 = 0, tmax = 0;
    rng_init(&a, 1, RNG_PURPOSE_TEST, 0);
    for (int i = 0; i < n; i++) {
        double x = rng_normal(&a), t = rng_truncated_normal(&a);
        s1 += x;
        s2 += x * x;
        t1 += t;
        t2 += t * t;
        tmax = fmax(tmax, fabs(t));
    }
    CHECK_NEAR(s1 / n, 0.0, 0.01);
    CHECK_NEAR(sqrt(s2 / n), 1.0, 0.01);
    CHECK_NEAR(t1 / n, 0.0, 0.01);
    CHECK_NEAR(sqrt(t2 / n), 0.87962566103423978, 0.008);
    CHECK(tmax <= 2.0);

    /* rng_below is uniform: chi-square over 10 cells, 9 dof, 99.9% quantile 27.9. */
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++)
        counts[rng_below(&a, 10)]++;
    double chi2 = 0;
    for (int i = 0; i < 10; i++)
        chi2 += (counts[i] - 10000.0) * (counts[i] - 10000.0) / 10000.0;
    CHECK(chi2 < 27.9);
}

static void test_json_strict(void)
{
    cJSON *root = NULL;
    CHECK_ERR(json_parse("{\"a\": 1, \"a\": 2}", "t.json", &root), IH_EDATA);
    CHECK(strstr(ih_error_message(), "duplicate key") != NULL);
    CHECK_ERR(json_parse("{\"a\": \"x\\u0000y\"}", "t.json", &root), IH_EDATA);
    CHECK_ERR(json_parse("{\"a\": \"\\uZZZZ\"}", "t.json", &root), IH_EDATA);
    CHECK_ERR(json_parse("{\n  \"a\": [1,\n  }", "t.json", &root), IH_EDATA);
    CHECK(strstr(ih_error_message(), "t.json:3:") != NULL);

    CHECK_OK(json_parse("{\"n\": 1.5, \"big\": 1e999, \"k\": 3, \"s\": \"rope\", \"x\": 1}",
                        "t.json", &root));
    long v = 0;
    CHECK_ERR(json_get_int(root, "run", "n", 0, 10, &v), IH_ECONFIG);
    CHECK_STR_EQ(ih_error_message(), "run.n: expected an integer, got 1.5");
    double d = 0;
    CHECK_ERR(json_get_double(root, "run", "big", 0, 1e300, &d), IH_ECONFIG);
    CHECK_ERR(json_get_int(root, "run", "k", 4, 10, &v), IH_ECONFIG);
    CHECK_OK(json_get_int(root, "run", "k", 0, 10, &v));
    CHECK_INT_EQ(v, 3);
    v = 42;
    CHECK_OK(json_get_int(root, "run", "absent", 0, 100, &v));
    CHECK_INT_EQ(v, 42);
    static const char *const names[] = {"rope", "ape", NULL};
    int e = -1;
    CHECK_OK(json_get_enum(root, "run", "s", names, &e));
    CHECK_INT_EQ(e, 0);
    static const char *const allowed[] = {"n", "big", "k", "s", NULL};
    CHECK_ERR(json_check_keys(root, "run", allowed), IH_ECONFIG);
    CHECK_STR_EQ(ih_error_message(), "run.x: unknown field");
    cJSON_Delete(root);
}

int main(void)
{
    test_error_record();
    test_rng_streams();
    test_json_strict();
    TEST_MAIN_END("test_util");
}
