/* test_harness.c - the checks of test_util.h can fail: t_done fails a test that checked nothing, and
 * a failed CHECK makes it fail; a passing check passes. */
#include "test_util.h"

int main(void)
{
    if (t_done("no checks") != 1) {
        fprintf(stderr, "test_harness: t_done passed a test that ran no check\n");
        return 1;
    }
    CHECK(1 + 1 == 3); /* one failure on purpose */
    if (t_done("one failed check") != 1) {
        fprintf(stderr, "test_harness: t_done passed a failed check\n");
        return 1;
    }
    t_failures = 0;
    t_checks = 0;
    CHECK(1 + 1 == 2);
    return t_done("test_harness");
}
