/* test_common.c - rm_read_file and rm_read_text, the one whole-file reader (issue 17): a file of
 * exactly the limit is read, one byte more is refused, an empty file is read as "", a missing file
 * keeps ENOENT, a directory and a FIFO are refused at once, a NUL byte is refused as text only. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rm_common.h"
#include "test_util.h"

static char dir[64];

/* dir/name holding n bytes of text; its path in path. */
static const char *put(const char *name, const char *text, size_t n)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        exit(1);
    }
    return path;
}

/* Reading path with limit max fails with code and a message holding want. */
static void expect_err(const char *path, size_t max, int text, int code, const char *want)
{
    rm_err e = {0};
    size_t len = 7;
    char *b = text ? rm_read_text(path, max, &len, &e) : rm_read_file(path, max, &len, &e);
    CHECK(b == NULL);
    CHECK(len == 0);
    CHECK(e.code == code);
    CHECK_CONTAINS(e.msg, want);
    CHECK(strncmp(e.msg, path, strlen(path)) == 0); /* the message names the file first */
    CHECK(!strchr(e.msg, '\n'));
    free(b);
}

static void test_limits(void)
{
    rm_err e = {0};
    size_t len = 7;
    const char *p = put("ten", "0123456789", 10);
    char *b = rm_read_file(p, 10, &len, &e); /* exactly the limit */
    CHECK(b && len == 10 && memcmp(b, "0123456789", 11) == 0); /* NUL-terminated */
    free(b);
    errno = ENOENT; /* left over from an earlier call: not to be taken for a missing file */
    expect_err(p, 9, 0, RM_ERR_IO, "larger than 9 bytes, the limit for this file");
    CHECK(errno == EFBIG);
    expect_err(p, 0, 0, RM_ERR_IO, "larger than 0 bytes");
    b = rm_read_text(p, RM_CONFIG_MAX, &len, &e);
    CHECK(b && len == 10 && strcmp(b, "0123456789") == 0);
    free(b);
    /* the limit is named as given: MiB and GiB */
    char *big = malloc((1u << 20) + 1);
    memset(big, 'x', (1u << 20) + 1);
    p = put("big", big, (1u << 20) + 1);
    free(big);
    expect_err(p, (size_t)1 << 20, 1, RM_ERR_IO, "larger than 1 MiB, the limit for this file");
    b = rm_read_text(p, ((size_t)1 << 20) + 1, &len, &e);
    CHECK(b && len == (1u << 20) + 1 && b[len - 1] == 'x' && b[len] == '\0');
    free(b);
    /* an empty file is "" */
    p = put("empty", "", 0);
    len = 7;
    b = rm_read_text(p, 0, &len, &e);
    CHECK(b && len == 0 && b[0] == '\0');
    free(b);
}

static void test_refused(void)
{
    char path[128];
    /* a missing file: RM_ERR_IO with errno ENOENT, which callers use to tell it from a bad one */
    snprintf(path, sizeof path, "%s/missing.json", dir);
    errno = 0;
    expect_err(path, RM_JSON_MAX, 0, RM_ERR_IO, "No such file or directory");
    rm_err e = {0};
    size_t len;
    errno = 0;
    CHECK(rm_read_file(path, RM_JSON_MAX, &len, &e) == NULL && errno == ENOENT);
    /* a directory and a FIFO (which would block a plain read) are refused */
    expect_err(dir, RM_JSON_MAX, 0, RM_ERR_IO, "is a directory, not a regular file");
    snprintf(path, sizeof path, "%s/fifo", dir);
    CHECK(mkfifo(path, 0600) == 0);
    expect_err(path, RM_JSON_MAX, 1, RM_ERR_IO, "is a FIFO (named pipe), not a regular file");
    /* a NUL byte: refused as text, kept as bytes */
    const char *p = put("nul.json", "{\"a\":\0 1}", 9);
    expect_err(p, RM_CONFIG_MAX, 1, RM_ERR_IO, "contains a NUL byte (at offset 5), expected text");
    CHECK(errno == EILSEQ);
    char *b = rm_read_file(p, RM_CONFIG_MAX, &len, &e);
    CHECK(b && len == 9 && b[5] == '\0' && b[8] == '}');
    free(b);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_common.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_limits();
    test_refused();
    const char *names[] = {"ten", "big", "empty", "fifo", "nul.json"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return t_done("test_common");
}
