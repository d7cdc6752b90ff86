/* test_threads.c - threads "auto"'s cgroup v2 limit (issue 21): rm_cpu_max_parse on cpu.max texts
 * (ceil(QUOTA / PERIOD), at least 1; "max": no limit; anything else refused), and rm_cgroup_cpus on a
 * cgroup tree built in a temporary directory: the smallest limit from the process's cgroup up to the
 * root, levels without cpu.max skipped, a malformed cpu.max an error naming the file. rm_threads_auto
 * itself is tested through the binary by tests/threads.sh (taskset, the variables, a cgroup). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rm_common.h"
#include "test_util.h"

static char root[64];

static void test_parse(void)
{
    CHECK(rm_cpu_max_parse("50000 100000\n") == 1); /* half a CPU: 1 */
    CHECK(rm_cpu_max_parse("50000 100000") == 1);   /* the newline is optional */
    CHECK(rm_cpu_max_parse("100000 100000\n") == 1);
    CHECK(rm_cpu_max_parse("100001 100000\n") == 2); /* ceil */
    CHECK(rm_cpu_max_parse("150000 100000\n") == 2);
    CHECK(rm_cpu_max_parse("400000 100000\n") == 4);
    CHECK(rm_cpu_max_parse("1000 100000\n") == 1); /* the kernel's smallest quota: at least 1 */
    CHECK(rm_cpu_max_parse("0 100000\n") == 1);
    CHECK(rm_cpu_max_parse("9223372036854775807 1\n") == (1 << 20)); /* huge: capped, not overflowed */
    CHECK(rm_cpu_max_parse("max 100000\n") == 0);                   /* no limit */
    CHECK(rm_cpu_max_parse("max 1\n") == 0);
    const char *bad[] = {"",
                         "\n",
                         "max\n",
                         "50000\n",
                         "50000 0\n",
                         "50000 -100000\n",
                         "-50000 100000\n",
                         "+50000 100000\n",
                         " 50000 100000\n",
                         "50000  100000\n",
                         "50000\t100000\n",
                         "5x000 100000\n",
                         "50000 100000x\n",
                         "50000 100000\n\n",
                         "50000 100000 1\n",
                         "maxx 100000\n",
                         "MAX 100000\n",
                         "max max\n",
                         "99999999999999999999 100000\n",
                         "50000 99999999999999999999\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int n = rm_cpu_max_parse(bad[i]);
        if (n != -1) fprintf(stderr, "rm_cpu_max_parse(\"%s\") = %d, want -1\n", bad[i], n);
        CHECK(n == -1);
    }
}

/* root/dir/cpu.max holding text (dir created), or removed when text is NULL. */
static void put(const char *dir, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s%s", root, dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s%s/cpu.max", root, dir);
    if (!text) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        exit(1);
    }
}

/* rm_cgroup_cpus with self_cgroup as /proc/self/cgroup's text: RM_OK and the count. */
static int cpus(const char *self_cgroup)
{
    rm_err e = {0};
    int n = -7;
    int rc = rm_cgroup_cpus(root, self_cgroup, &n, &e);
    if (rc) fprintf(stderr, "rm_cgroup_cpus: %s\n", e.msg);
    CHECK(rc == RM_OK);
    return n;
}

static void test_tree(void)
{
    put("", NULL); /* the root cgroup has no cpu.max */
    put("/a", "max 100000\n");
    put("/a/b", "300000 100000\n");
    put("/a/b/c", NULL); /* no cpu.max at this level (the cpu controller not enabled) */
    put("/a/b/c/d", "max 100000\n");
    CHECK(cpus("0::/a/b/c/d\n") == 3); /* b's quota limits its descendants */
    CHECK(cpus("0::/a/b\n") == 3);
    CHECK(cpus("0::/a\n") == 0);       /* "max" all the way: no limit */
    CHECK(cpus("0::/\n") == 0);
    CHECK(cpus("0::/a/b/c/d") == 3);   /* no final newline */
    CHECK(cpus("0::/a/b/c/d/\n") == 3); /* a trailing slash */
    /* the v2 line among v1 lines (a hybrid hierarchy), not first */
    CHECK(cpus("12:cpu,cpuacct:/x\n4:memory:/a\n0::/a/b/c/d\n") == 3);
    CHECK(cpus("12:cpu,cpuacct:/a/b\n") == 0); /* v1 only: no cgroup v2 line */
    CHECK(cpus("") == 0);
    CHECK(cpus("0::/a/b/gone (deleted)\n") == 3); /* a removed cgroup: its parents still count */
    CHECK(cpus("0::/elsewhere/x\n") == 0);        /* not under this mount (another namespace's path) */
    put("", "200000 100000\n");                   /* a container's namespace root */
    CHECK(cpus("0::/elsewhere/x\n") == 2);
    CHECK(cpus("0::/a/b/c/d\n") == 2); /* the smallest on the way up */
    put("/a/b/c/d", "50000 100000\n");
    CHECK(cpus("0::/a/b/c/d\n") == 1);
    CHECK(cpus("0::/a/b/c\n") == 2);
    /* a malformed cpu.max on the way: an I/O error naming it, one line */
    put("/a", "lots\n");
    rm_err e = {0};
    int n = -7;
    CHECK(rm_cgroup_cpus(root, "0::/a/b/c/d\n", &n, &e) == RM_ERR_IO);
    char want[256];
    snprintf(want, sizeof want, "%s/a/cpu.max: expected \"max PERIOD\" or \"QUOTA PERIOD\", got 'lots\\n'", root);
    CHECK(strcmp(e.msg, want) == 0);
    if (strcmp(e.msg, want) != 0) fprintf(stderr, "got: %s\n", e.msg);
    put("/a", "max 100000\n");
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/test_threads.XXXXXX");
    if (!mkdtemp(root)) return 1;
    test_parse();
    test_tree();
    const char *dirs[] = {"/a/b/c/d", "/a/b/c", "/a/b", "/a", ""};
    char path[256];
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s%s/cpu.max", root, dirs[i]);
        unlink(path);
        snprintf(path, sizeof path, "%s%s", root, dirs[i]);
        rmdir(path);
    }
    return t_done("test_threads");
}
