/* A tiny test harness shared by every test executable.
 *
 * CHECK* macros print the failing expression with both operands and count the failure; the test
 * keeps going so one run shows every mismatch. TEST_MAIN_END returns non-zero when anything failed
 * (and prints "N passed, N failed"), so a test cannot silently pass.
 */
#ifndef IHSWEEP_TEST_HARNESS_H
#define IHSWEEP_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int passed;
    int failed;
} TestCounts;

#define TEST_COUNTS_DECLARE static TestCounts test_counts

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            test_counts.passed++;                                                                  \
        } else {                                                                                   \
            test_counts.failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
        }                                                                                          \
    } while (0)

/* REQUIRE(cond): a precondition of the rest of a void subtest (e.g. creating its inputs); when it
 * fails, the failure is counted and the subtest returns. cond is evaluated once. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (cond) {                                                                                \
            test_counts.passed++;                                                                  \
        } else {                                                                                   \
            test_counts.failed++;                                                                  \
            fprintf(stderr, "%s:%d: REQUIRE failed, subtest abandoned: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                                        \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long long ih_a_ = (long long)(a), ih_b_ = (long long)(b);                                  \
        if (ih_a_ == ih_b_) {                                                                      \
            test_counts.passed++;                                                                  \
        } else {                                                                                   \
            test_counts.failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK_INT_EQ(%s, %s) failed: %lld != %lld\n", __FILE__,       \
                    __LINE__, #a, #b, ih_a_, ih_b_);                                               \
        }                                                                                          \
    } while (0)

/* |a-b| <= tol (absolute). */
#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double ih_a_ = (double)(a), ih_b_ = (double)(b);                                           \
        if (fabs(ih_a_ - ih_b_) <= (tol)) {                                                        \
            test_counts.passed++;                                                                  \
        } else {                                                                                   \
            test_counts.failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK_NEAR(%s, %s, %g) failed: %.9g vs %.9g (diff %.3g)\n",   \
                    __FILE__, __LINE__, #a, #b, (double)(tol), ih_a_, ih_b_,                       \
                    fabs(ih_a_ - ih_b_));                                                          \
        }                                                                                          \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *ih_a_ = (a), *ih_b_ = (b);                                                     \
        if (ih_a_ && ih_b_ && strcmp(ih_a_, ih_b_) == 0) {                                         \
            test_counts.passed++;                                                                  \
        } else {                                                                                   \
            test_counts.failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK_STR_EQ(%s, %s) failed: \"%s\" != \"%s\"\n", __FILE__,   \
                    __LINE__, #a, #b, ih_a_ ? ih_a_ : "(null)", ih_b_ ? ih_b_ : "(null)");         \
        }                                                                                          \
    } while (0)

/* A call returning an ihsweep error code must succeed (rc == 0); prints the error record if not. */
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        int ih_rc_ = (expr);                                                                       \
        if (ih_rc_ == 0) {                                                                         \
            test_counts.passed++;                                                                  \
        } else {                                                                                   \
            test_counts.failed++;                                                                  \
            fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, ih_rc_,     \
                    ih_error_message());                                                           \
        }                                                                                          \
    } while (0)

/* A call must fail with exactly the given code. */
#define CHECK_ERR(expr, code)                                                                      \
    do {                                                                                           \
        int ih_rc_ = (expr);                                                                       \
        if (ih_rc_ == (code)) {                                                                    \
            test_counts.passed++;                                                                  \
        } else {                                                                                   \
            test_counts.failed++;                                                                  \
            fprintf(stderr, "%s:%d: %s returned %d, expected %d (%s)\n", __FILE__, __LINE__,      \
                    #expr, ih_rc_, (int)(code), #code);                                            \
        }                                                                                          \
    } while (0)

#define TEST_MAIN_END(name)                                                                        \
    do {                                                                                           \
        printf("%s: %d passed, %d failed\n", (name), test_counts.passed, test_counts.failed);     \
        return (test_counts.failed == 0 && test_counts.passed > 0) ? 0 : 1;                        \
    } while (0)

#endif
