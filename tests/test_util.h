/* test_util.h - minimal checks for the C tests: count failures, print them, exit non-zero. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int t_failures = 0, t_checks = 0;

/* Check a condition; on failure print where and what. */
#define CHECK(cond)                                                                  \
    do {                                                                             \
        t_checks++;                                                                  \
        if (!(cond)) {                                                               \
            t_failures++;                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* Check that haystack contains needle. */
#define CHECK_CONTAINS(haystack, needle)                                                                 \
    do {                                                                                                 \
        t_checks++;                                                                                      \
        if (!strstr((haystack), (needle))) {                                                             \
            t_failures++;                                                                                \
            fprintf(stderr, "%s:%d: expected \"%s\" in \"%s\"\n", __FILE__, __LINE__, (needle), (haystack)); \
        }                                                                                                \
    } while (0)

/* Check |a - b| <= tol. */
#define CHECK_NEAR(a, b, tol)                                                                              \
    do {                                                                                                   \
        t_checks++;                                                                                        \
        double a_ = (a), b_ = (b);                                                                         \
        if (!(fabs(a_ - b_) <= (tol))) {                                                                   \
            t_failures++;                                                                                  \
            fprintf(stderr, "%s:%d: %s = %.9g, expected %.9g (tol %g)\n", __FILE__, __LINE__, #a, a_, b_, \
                    (double)(tol));                                                                        \
        }                                                                                                  \
    } while (0)

/* Print the tally and return the process status. */
/* The test's status: failing when a check failed, and when nothing was checked at all (a test whose
 * cases were all skipped or compiled out proves nothing). */
static int t_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
    if (t_checks == 0) fprintf(stderr, "%s: no check ran\n", name);
    return t_failures || t_checks == 0 ? 1 : 0;
}

#endif
