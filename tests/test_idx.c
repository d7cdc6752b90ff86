/* test_idx.c - the IDX reader (raw and gzip) with each malformed case giving its own error (headers
 * that lie about their item count or claim more than RM_IDX_MAX_ITEMS included; FIFOs and directories;
 * one-class training labels), the subset/validation split and batch gathering. */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rm_data.h"
#include "rm_idx.h"
#include "test_files.h"
#include "test_util.h"

static char dir[64];

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static const char *write_file(const char *name, const uint8_t *b, size_t n, int gz)
{
    return t_write_file(dir, name, b, n, gz);
}

/* An image file of n 28x28 images (pixel = (i + j) % 256) with the given magic and dims. */
static size_t make_images(uint8_t *b, uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols)
{
    put32(b, magic);
    put32(b + 4, n);
    put32(b + 8, rows);
    put32(b + 12, cols);
    for (uint32_t i = 0; i < n * rows * cols; i++) b[16 + i] = (uint8_t)((i / (rows * cols) + i) % 256);
    return 16 + (size_t)n * rows * cols;
}

static size_t make_labels(uint8_t *b, uint32_t n)
{
    put32(b, 0x801);
    put32(b + 4, n);
    for (uint32_t i = 0; i < n; i++) b[8 + i] = (uint8_t)(i % 10);
    return 8 + n;
}

static uint8_t img[16 + 6 * 784 + 64], lab[64];

/* Load and expect failure with a message naming the file and containing phrase. */
static void expect_error(const char *ip, const char *lp, const char *named, const char *phrase)
{
    rm_dataset d;
    rm_err e = {0};
    int rc = rm_idx_load(&d, ip, lp, &e);
    CHECK(rc == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, named);
    CHECK_CONTAINS(e.msg, phrase);
}

static void test_reader(void)
{
    size_t ni = make_images(img, 0x803, 5, 28, 28), nl = make_labels(lab, 5);
    char ip[300], lp[300];
    snprintf(ip, sizeof ip, "%s", write_file("img", img, ni, 0));
    snprintf(lp, sizeof lp, "%s", write_file("lab", lab, nl, 0));
    rm_dataset d;
    rm_err e = {0};
    CHECK(rm_idx_load(&d, ip, lp, &e) == RM_OK);
    CHECK(d.n == 5);
    CHECK(d.images[784 * 2 + 3] == img[16 + 784 * 2 + 3]);
    CHECK(d.labels[4] == 4);
    rm_dataset_free(&d);
    /* gzip: same content; names with or without .gz find either form */
    write_file("gimg.gz", img, ni, 1);
    write_file("glab.gz", lab, nl, 1);
    char gi[256], gl[256];
    snprintf(gi, sizeof gi, "%s/gimg", dir);
    snprintf(gl, sizeof gl, "%s/glab.gz", dir);
    CHECK(rm_idx_load(&d, gi, gl, &e) == RM_OK);
    CHECK(d.n == 5 && d.images[784 * 4 + 100] == img[16 + 784 * 4 + 100] && d.labels[3] == 3);
    rm_dataset_free(&d);
    char found[320], raw_gz[320];
    snprintf(raw_gz, sizeof raw_gz, "%s.gz", ip);
    CHECK(rm_idx_find(raw_gz, found, sizeof found, &e) == RM_OK);
    CHECK(strcmp(found, ip) == 0);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/nothere", dir);
    expect_error(missing, lp, "nothere", "not found");
    expect_error(lp, lp, lp, "bad magic");               /* labels given as images */
    expect_error(ip, ip, ip, "bad magic");               /* images given as labels */
    size_t n27 = make_images(img, 0x803, 5, 27, 28);
    expect_error(write_file("i27", img, n27, 0), lp, "i27", "images are 27x28");
    ni = make_images(img, 0x803, 5, 28, 28);
    expect_error(write_file("ihdr", img, 10, 0), lp, "ihdr", "truncated");
    expect_error(write_file("itrunc", img, ni - 100, 0), lp, "itrunc", "truncated");
    img[ni] = 7;
    expect_error(write_file("itrail", img, ni + 1, 0), lp, "itrail", "trailing bytes");
    expect_error(ip, write_file("l4", lab, make_labels(lab, 4), 0), "l4", "4 labels but");
    make_labels(lab, 5);
    lab[8 + 2] = 10;
    expect_error(ip, write_file("l10", lab, nl, 0), "l10", "not a digit class");
    make_labels(lab, 5);
    size_t n0 = make_images(img, 0x803, 0, 28, 28);
    expect_error(write_file("i0", img, n0, 0), lp, "i0", "holds no items");

    /* corrupt and truncated gzip: read the compressed bytes back and damage them */
    ni = make_images(img, 0x803, 5, 28, 28);
    const char *gz = write_file("good.gz", img, ni, 1);
    FILE *f = fopen(gz, "rb");
    static uint8_t buf[1 << 16];
    size_t gn = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_file("half.gz", buf, gn / 2, 0);
    char half[300];
    snprintf(half, sizeof half, "%s/half.gz", dir);
    expect_error(half, lp, "half.gz", "");
    rm_err e2 = {0};
    CHECK(rm_idx_load(&d, half, lp, &e2) == RM_ERR_IO && (strstr(e2.msg, "truncated") || strstr(e2.msg, "corrupt")));
    for (size_t i = 20; i < gn - 12; i += 7) buf[i] ^= 0x5a;
    write_file("bad.gz", buf, gn, 0);
    char bad[300];
    snprintf(bad, sizeof bad, "%s/bad.gz", dir);
    rm_err e3 = {0};
    CHECK(rm_idx_load(&d, bad, lp, &e3) == RM_ERR_IO);
    CHECK_CONTAINS(e3.msg, "bad.gz");
    CHECK(!strstr(e2.msg, "<fd:") && !strstr(e3.msg, "<fd:")); /* zlib's own prefix is dropped */
    printf("corrupt gzip -> %s\ntruncated gzip -> %s\n", e3.msg, e2.msg);
}

/* Load and expect an IO error that names the file and says the header and the data disagree. */
static void expect_disagree(const char *ip, const char *lp, const char *named, const char *claim)
{
    rm_dataset d;
    rm_err e = {0};
    int rc = rm_idx_load(&d, ip, lp, &e);
    CHECK(rc == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, named);
    CHECK_CONTAINS(e.msg, claim);
    CHECK_CONTAINS(e.msg, "the header and the data disagree");
    CHECK(strchr(e.msg, '\n') == NULL);
    printf("%s -> rc %d: %s\n", named, rc, e.msg);
}

/* Headers that claim more (or fewer) items than the file holds: an error naming the file, never an
 * allocation sized by the claim (0xFFFFFFFF images would be 3.4 TB). Raw and gzip alike. */
static void test_lying_header(void)
{
    /* 6 images and 6 labels present; one header claims count. A claim over the limit is refused from
     * the header alone; the limit itself or any other wrong count when the data runs out (or is left
     * over), saying that the header and the data disagree. */
    static const struct {
        int labels; /* the claim is in the label file's header (else the image file's) */
        uint32_t count;
        const char *name, *msg;
        int disagree; /* the message also says "the header and the data disagree" */
    } cases[] = {
        {0, 0xFFFFFFFFu, "huge", "the header claims 4294967295 images, more than the 16777216 an IDX file may hold here",
         0},
        {0, RM_IDX_MAX_ITEMS + 1, "over", "the header claims 16777217 images, more than the 16777216", 0},
        {0, RM_IDX_MAX_ITEMS, "limit", "claims 16777216 images but the file holds only 6", 1},
        {0, 1000, "i1000", "claims 1000 images but the file holds only 6", 1},
        {1, 0xFFFFFFFFu, "lhuge", "the header claims 4294967295 labels, more than the", 0},
        {1, RM_IDX_MAX_ITEMS, "llimit", "claims 16777216 labels but the file holds only 6", 1},
        {1, 7, "l7", "claims 7 labels but the file holds only 6", 1},
        {0, 5, "i5of6", "trailing bytes", 1}, /* under-claim: 5 images declared, 6 present */
    };
    size_t nl = make_labels(lab, 6), ni = make_images(img, 0x803, 6, 28, 28);
    char lab6[300], img6[300], claim[300], name[32];
    snprintf(lab6, sizeof lab6, "%s", write_file("lab6", lab, nl, 0));
    for (int gz = 0; gz <= 1; gz++) {
        snprintf(img6, sizeof img6, "%s", write_file(gz ? "img6.gz" : "img6", img, ni, gz));
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            const int before = t_failures, labels = cases[k].labels;
            snprintf(name, sizeof name, "%s%s", cases[k].name, gz ? ".gz" : "");
            uint8_t *b = labels ? lab : img;
            put32(b + 4, cases[k].count);
            snprintf(claim, sizeof claim, "%s", write_file(name, b, labels ? nl : ni, gz));
            put32(b + 4, 6);
            const char *ip = labels ? img6 : claim, *lp = labels ? claim : lab6;
            if (cases[k].disagree) expect_disagree(ip, lp, name, cases[k].msg);
            else expect_error(ip, lp, name, cases[k].msg);
            if (t_failures > before) fprintf(stderr, "  ^ in case %s\n", name);
        }
    }
    /* a truthful gzip file larger than the first buffer (1 MiB) is read whole through the growth */
    static uint8_t big[16 + 3000 * 784], bl[8 + 3000];
    size_t nb = make_images(big, 0x803, 3000, 28, 28), nbl = make_labels(bl, 3000);
    char gi[300], gl[300];
    snprintf(gi, sizeof gi, "%s", write_file("big.gz", big, nb, 1));
    snprintf(gl, sizeof gl, "%s", write_file("bigl.gz", bl, nbl, 1));
    rm_dataset d;
    rm_err e = {0};
    CHECK(rm_idx_load(&d, gi, gl, &e) == RM_OK);
    CHECK(d.n == 3000 && memcmp(d.images, big + 16, 3000 * 784) == 0 && d.labels[2999] == 9);
    rm_dataset_free(&d);
}

/* Only regular files are read: a FIFO (which would block open() forever) or a directory is refused at
 * once with an error naming it; a training set of one class is refused as CSV's are. */
static void test_not_regular_and_one_class(void)
{
    char fifo[300], lp[300], ip[300];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    size_t ni = make_images(img, 0x803, 5, 28, 28), nl = make_labels(lab, 5);
    snprintf(ip, sizeof ip, "%s", write_file("one5", img, ni, 0));
    snprintf(lp, sizeof lp, "%s", write_file("lab5", lab, nl, 0));
    expect_error(fifo, lp, fifo, "is a FIFO (named pipe), not a regular file");
    expect_error(ip, fifo, fifo, "is a FIFO (named pipe), not a regular file");
    expect_error(dir, lp, dir, "is a directory, not a regular file");
    rm_err e = {0};
    CHECK(rm_fopen(fifo, "rb", &e) == NULL);
    CHECK_CONTAINS(e.msg, "is a FIFO");
    FILE *f = rm_fopen(lp, "rb", &e); /* a regular file reads as before, blocking */
    CHECK(f != NULL && fgetc(f) == 0 && fclose(f) == 0);

    rm_dataset d;
    CHECK(rm_idx_load(&d, ip, lp, &e) == RM_OK && rm_idx_require_classes(&d, lp, &e) == RM_OK);
    rm_dataset_free(&d);
    for (int i = 0; i < 5; i++) lab[8 + i] = 7;
    snprintf(lp, sizeof lp, "%s", write_file("lab7s", lab, nl, 0));
    CHECK(rm_idx_load(&d, ip, lp, &e) == RM_OK);
    CHECK(rm_idx_require_classes(&d, lp, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, lp);
    CHECK_CONTAINS(e.msg, "one class only: every one of the 5 labels is 7 (at least 2 classes are needed)");
    rm_dataset_free(&d);
    lab[8 + 4] = 0; /* a second class, in the last label only */
    snprintf(lp, sizeof lp, "%s", write_file("lab7s0", lab, nl, 0));
    CHECK(rm_idx_load(&d, ip, lp, &e) == RM_OK && rm_idx_require_classes(&d, lp, &e) == RM_OK);
    rm_dataset_free(&d);
}

static void test_split(void)
{
    uint8_t labels[1000];
    for (int i = 0; i < 1000; i++) labels[i] = (uint8_t)(i % 10);
    rm_rng r;
    rm_err e;
    uint32_t *tr, *va, nt, nv, *tr2, *va2, nt2, nv2;
    rm_rng_seed(&r, 1, RM_STREAM_SPLIT);
    CHECK(rm_split(labels, 1000, 0.05, 0.2, &r, &tr, &nt, &va, &nv, &e) == RM_OK);
    CHECK(nt == 40 && nv == 10);
    int per[10] = {0}, ok = 1;
    for (uint32_t i = 0; i < nt; i++) {
        per[labels[tr[i]]]++;
        if (i && tr[i] <= tr[i - 1]) ok = 0;
        for (uint32_t k = 0; k < nv; k++) ok &= va[k] != tr[i];
    }
    CHECK(ok);
    for (int c = 0; c < 10; c++) CHECK(per[c] == 4);
    rm_rng_seed(&r, 1, RM_STREAM_SPLIT);
    CHECK(rm_split(labels, 1000, 0.05, 0.2, &r, &tr2, &nt2, &va2, &nv2, &e) == RM_OK);
    CHECK(nt2 == nt && memcmp(tr, tr2, nt * sizeof *tr) == 0);
    rm_free(tr2);
    rm_free(va2);
    rm_rng_seed(&r, 2, RM_STREAM_SPLIT);
    CHECK(rm_split(labels, 1000, 0.05, 0.2, &r, &tr2, &nt2, &va2, &nv2, &e) == RM_OK);
    CHECK(memcmp(tr, tr2, nt * sizeof *tr) != 0);
    rm_free(tr);
    rm_free(va);
    rm_free(tr2);
    rm_free(va2);
    rm_rng_seed(&r, 1, RM_STREAM_SPLIT);
    CHECK(rm_split(labels, 1000, 1.0, 0.0, &r, &tr, &nt, &va, &nv, &e) == RM_OK);
    CHECK(nt == 1000 && nv == 0 && tr[999] == 999);
    rm_free(tr);
    rm_free(va);
    /* unbalanced: class 0 has 2 images; the others make up its shortfall */
    for (int i = 0; i < 1000; i++) labels[i] = (uint8_t)(i < 2 ? 0 : 1 + i % 9);
    CHECK(rm_split(labels, 1000, 0.5, 0.0, &r, &tr, &nt, &va, &nv, &e) == RM_OK);
    CHECK(nt == 500);
    rm_free(tr);
    rm_free(va);
}

static void test_gather(void)
{
    float lut[256];
    rm_norm_table(RM_NORM_UNIT, lut);
    CHECK(lut[255] == 1.0f && lut[0] == 0.0f);
    rm_norm_table(RM_NORM_SYMMETRIC, lut);
    CHECK(lut[0] == -1.0f && lut[255] == 1.0f);
    rm_norm_table(RM_NORM_STANDARD, lut);
    CHECK(lut[0] == (0.0f - 0.1307f) / 0.3081f);
    static uint8_t images[3 * 784];
    uint8_t labels[3] = {7, 8, 9};
    for (int i = 0; i < 3 * 784; i++) images[i] = (uint8_t)(i % 251);
    rm_dataset d = {.images = images, .labels = labels, .n = 3};
    uint32_t idx[2] = {2, 0};
    static float x[2 * 784];
    uint8_t y[2];
    rm_gather(&d, idx, 2, lut, x, y);
    CHECK(y[0] == 9 && y[1] == 7);
    CHECK(x[5] == lut[images[2 * 784 + 5]]);
    CHECK(x[784 + 700] == lut[images[700]]);
}

/* The file at path, whole, into buf (at most cap bytes); its length. */
static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap, f) : 0;
    if (f) fclose(f);
    return n;
}

/* Load gzip images path with labels lp; 1 when it loads 5 images whose pixel at 784 * 2 + 3 is want. */
static int loads_pixel(const char *path, const char *lp, uint8_t want)
{
    rm_dataset d;
    rm_err e = {0};
    int ok = rm_idx_load(&d, path, lp, &e) == RM_OK && d.n == 5 && d.images[784 * 2 + 3] == want;
    if (ok) rm_dataset_free(&d);
    return ok;
}

/* A gzip file's decoded copy beside it (idx_cache.c): written on the first load, read on the next,
 * and ignored (then rewritten) when stale, short, corrupt or not a file. */
static void test_decoded_copy(void)
{
    static uint8_t copy[16 + 6 * 784 + 256];
    size_t ni = make_images(img, 0x803, 5, 28, 28), nl = make_labels(lab, 5), hdr = 64;
    char lp[300], gz[300], dc[320];
    snprintf(lp, sizeof lp, "%s", write_file("clab", lab, nl, 0));
    snprintf(gz, sizeof gz, "%s", write_file("cimg.gz", img, ni, 1));
    snprintf(dc, sizeof dc, "%s.decoded", gz);
    const uint8_t px = img[16 + 784 * 2 + 3];
    CHECK(loads_pixel(gz, lp, px));
    size_t n = slurp(dc, copy, sizeof copy);
    CHECK(n == hdr + ni && memcmp(copy, "RMIDXGZ1", 8) == 0 && memcmp(copy + hdr, img, ni) == 0);
    char raw_dc[320];
    snprintf(raw_dc, sizeof raw_dc, "%s.decoded", lp);
    CHECK(access(raw_dc, F_OK) != 0); /* a raw file has no copy */

    /* the copy is what the next load reads: change a pixel in it, with a matching CRC */
    copy[hdr + 16 + 784 * 2 + 3] = (uint8_t)(px + 1);
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), copy + hdr, (uInt)(n - hdr));
    for (int k = 0; k < 4; k++) copy[56 + k] = (uint8_t)(crc >> (8 * k));
    t_write_file(dir, "cimg.gz.decoded", copy, n, 0);
    CHECK(loads_pixel(gz, lp, (uint8_t)(px + 1)));

    /* a wrong CRC: the gzip file is read, and the copy rewritten from it */
    copy[hdr + 16 + 784 * 2 + 3] = (uint8_t)(px + 2);
    t_write_file(dir, "cimg.gz.decoded", copy, n, 0);
    CHECK(loads_pixel(gz, lp, px));
    CHECK(slurp(dc, copy, sizeof copy) == n && copy[hdr + 16 + 784 * 2 + 3] == px);

    /* short, or a header for another gzip file (size changed), or a bad IDX header inside: not used */
    t_write_file(dir, "cimg.gz.decoded", copy, n - 1, 0);
    CHECK(loads_pixel(gz, lp, px));
    CHECK(slurp(dc, copy, sizeof copy) == n);
    copy[8] ^= 1;
    copy[hdr + 16 + 784 * 2 + 3] = (uint8_t)(px + 3);
    t_write_file(dir, "cimg.gz.decoded", copy, n, 0);
    CHECK(loads_pixel(gz, lp, px));
    slurp(dc, copy, sizeof copy);
    copy[hdr + 3] = 0x01; /* magic 0x801 inside, CRC made to match */
    crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), copy + hdr, (uInt)(n - hdr));
    for (int k = 0; k < 4; k++) copy[56 + k] = (uint8_t)(crc >> (8 * k));
    t_write_file(dir, "cimg.gz.decoded", copy, n, 0);
    CHECK(loads_pixel(gz, lp, px));

    /* the gzip file replaced (new content, another mtime): its copy is stale */
    img[16 + 784 * 2 + 3] = (uint8_t)(px + 4);
    write_file("cimg.gz", img, ni, 1);
    struct timespec later[2] = {{0, UTIME_OMIT}, {2000000000, 0}};
    CHECK(utimensat(AT_FDCWD, gz, later, 0) == 0);
    CHECK(loads_pixel(gz, lp, (uint8_t)(px + 4)));

    /* rewritten in place with the same size and mtime (within one timestamp tick): the gzip trailer
     * tells the contents apart */
    struct stat before, after;
    CHECK(stat(gz, &before) == 0);
    img[16 + 784 * 2 + 3] = (uint8_t)(px + 5);
    write_file("cimg.gz", img, ni, 1);
    struct timespec same[2] = {{0, UTIME_OMIT}, before.st_mtim};
    CHECK(utimensat(AT_FDCWD, gz, same, 0) == 0 && stat(gz, &after) == 0);
    CHECK(after.st_ino == before.st_ino && after.st_size == before.st_size);
    CHECK(loads_pixel(gz, lp, (uint8_t)(px + 5)));
    img[16 + 784 * 2 + 3] = (uint8_t)(px + 4);
    write_file("cimg.gz", img, ni, 1);
    CHECK(utimensat(AT_FDCWD, gz, later, 0) == 0);
    img[16 + 784 * 2 + 3] = px;

    /* a directory where the copy would go: loads as before, nothing written */
    unlink(dc);
    CHECK(mkdir(dc, 0755) == 0);
    CHECK(loads_pixel(gz, lp, (uint8_t)(px + 4)));
    CHECK(loads_pixel(gz, lp, (uint8_t)(px + 4)));
    rmdir(dc);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rm_idx_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_reader();
    test_lying_header();
    test_not_regular_and_one_class();
    test_split();
    test_gather();
    test_decoded_copy();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return t_done("test_idx");
}
