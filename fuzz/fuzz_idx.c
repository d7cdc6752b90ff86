/* fuzz_idx.c - libFuzzer harness for the IDX reader (rm_idx_load, rm_idx_load_labels), raw and gzip.
 *
 * Input: 3 control bytes, then the payload P.
 *   byte 0, bits 0-1, how P becomes a file:
 *       0  as is (a raw IDX file, or a gzip file the fuzzer mutates directly: the reader sniffs which)
 *       1  P gzip-compressed by zlib (one member)
 *       2  P gzip-compressed as two concatenated members (split in the middle)
 *       3  P gzip-compressed, then the last trailer byte flipped: must always fail
 *   byte 0, bits 2-3, what the file is:
 *       0  the images file of rm_idx_load; labels: a valid raw file of byte 1 labels
 *       1  a labels file for rm_idx_load_labels
 *       2  the labels file of rm_idx_load; images: a valid raw file of (byte 1 mod 8) images
 *       3  both files of rm_idx_load: P[0, cut) images and P[cut, end) labels, cut = byte 1 << 8 | byte 2
 *   byte 0, bits 4-7: the compression level (0-9; 10-15 mean zlib's default)
 * Properties: a failure is RM_ERR_IO with a one-line message starting with the path of one of the
 * files, and leaves no buffer behind; a success holds n >= 1 items, labels < 10, and exactly the bytes
 * the (decompressed) files hold after a well-formed header; the dataset is freed (leaks are crashes).
 *
 * FUZZ_OPTIONS: -max_len=262144
 */
#define _GNU_SOURCE
#include <zlib.h>

#include "fuzz_common.h"
#include "rm_idx.h"

static fz_file g_img, g_lab;
static uint8_t *g_buf; /* encoder output, grown as needed */
static size_t g_cap;

static void *grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return *buf;
    size_t c = *cap ? *cap : 4096;
    while (c < need) c *= 2;
    uint8_t *p = realloc(*buf, c);
    if (!p) fz_fail("out of memory in the harness (%zu bytes)", c);
    *buf = p;
    *cap = c;
    return p;
}

/* gzip-compress src into out at offset *len (one member). */
static void gzip_member(const uint8_t *src, size_t n, int level, size_t *len)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fz_fail("deflateInit2");
    size_t bound = deflateBound(&s, (uLong)n);
    grow(&g_buf, &g_cap, *len + bound);
    s.next_in = (Bytef *)src;
    s.avail_in = (uInt)n;
    s.next_out = g_buf + *len;
    s.avail_out = (uInt)bound;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END) fz_fail("deflate did not finish");
    *len += bound - s.avail_out;
    deflateEnd(&s);
}

/* Write payload p as file f, encoded as enc says. */
static void put(fz_file *f, const uint8_t *p, size_t n, int enc, int level)
{
    if (enc == 0) {
        fz_file_set(f, p, n);
        return;
    }
    size_t len = 0;
    if (enc == 2) {
        gzip_member(p, n / 2, level, &len);
        gzip_member(p + n / 2, n - n / 2, level, &len);
    } else {
        gzip_member(p, n, level, &len);
    }
    if (enc == 3) g_buf[len - 1] ^= 0x01; /* the top byte of ISIZE: the length check must fail */
    fz_file_set(f, g_buf, len);
}

static void be32_put(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* A valid raw file of n labels (i mod 10) or n images (a byte pattern), as the other file of a pair. */
static void companion(fz_file *f, int images, uint32_t n)
{
    size_t item = images ? RM_IMG_SIZE : 1, hlen = images ? 16 : 8, len = hlen + n * item;
    uint8_t *b = malloc(len);
    if (!b) fz_fail("out of memory in the harness");
    be32_put(b, images ? 0x803 : 0x801);
    be32_put(b + 4, n);
    if (images) {
        be32_put(b + 8, RM_IMG_SIDE);
        be32_put(b + 12, RM_IMG_SIDE);
    }
    for (size_t i = 0; i < n * item; i++) b[hlen + i] = (uint8_t)(images ? i * 7u : i % 10);
    fz_file_set(f, b, len);
    free(b);
}

/* The file's content as zlib's reader sees it (what the loader should have parsed). */
static uint8_t *inflate_file(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    if (!g) fz_fail("gzopen %s for the oracle", path);
    uint8_t *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        grow(&buf, &cap, *len + 65536);
        int got = gzread(g, buf + *len, 65536);
        if (got < 0) fz_fail("the loader accepted %s but zlib reports it corrupt", path);
        if (got == 0) break;
        *len += (size_t)got;
    }
    gzclose_r(g);
    return buf;
}

/* After a success: file path holds exactly the header (magic, n, 28x28 for images) and data. */
static void check_file(const char *path, int images, const uint8_t *data, uint32_t n, const uint8_t *payload,
                       size_t payload_len)
{
    size_t len, hlen = images ? 16 : 8, item = images ? RM_IMG_SIZE : 1;
    uint8_t *b = inflate_file(path, &len);
    if (payload) FZ_CHECK(len == payload_len && !memcmp(b, payload, len), "%s: zlib round trip differs", path);
    FZ_CHECK(len == hlen + (size_t)n * item, "%s: accepted with %zu bytes, but %u %s need %zu", path, len, n,
             images ? "images" : "labels", hlen + (size_t)n * item);
    FZ_CHECK(be32_get(b) == (images ? 0x803u : 0x801u), "%s: accepted with magic 0x%08x", path, be32_get(b));
    FZ_CHECK(be32_get(b + 4) == n, "%s: header says %u items, loaded %u", path, be32_get(b + 4), n);
    if (images)
        FZ_CHECK(be32_get(b + 8) == RM_IMG_SIDE && be32_get(b + 12) == RM_IMG_SIDE, "%s: accepted %ux%u", path,
                 be32_get(b + 8), be32_get(b + 12));
    FZ_CHECK(!memcmp(b + hlen, data, (size_t)n * item), "%s: loaded data differs from the file's", path);
    free(b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_file_open(&g_img, "images");
    fz_file_open(&g_lab, "labels");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    int enc = data[0] & 3, role = (data[0] >> 2) & 3, level = data[0] >> 4;
    if (level > 9) level = Z_DEFAULT_COMPRESSION;
    const uint8_t *p = data + 3;
    size_t n = size - 3, cut = (size_t)data[1] << 8 | data[2];
    if (cut > n) cut = n;

    rm_dataset d;
    rm_err e = {0};
    int rc;
    switch (role) {
    case 0:
        put(&g_img, p, n, enc, level);
        companion(&g_lab, 0, data[1]);
        rc = rm_idx_load(&d, g_img.path, g_lab.path, &e);
        break;
    case 1:
        put(&g_lab, p, n, enc, level);
        rc = rm_idx_load_labels(&d, g_lab.path, &e);
        break;
    case 2:
        companion(&g_img, 1, data[1] % 8u);
        put(&g_lab, p, n, enc, level);
        rc = rm_idx_load(&d, g_img.path, g_lab.path, &e);
        break;
    default:
        put(&g_img, p, cut, enc, level);
        put(&g_lab, p + cut, n - cut, enc, level);
        rc = rm_idx_load(&d, g_img.path, g_lab.path, &e);
        break;
    }

    if (fz_verbose())
        fprintf(stderr, "fuzz_idx: enc %d role %d: %s%s\n", enc, role, rc ? "error: " : "ok", rc ? e.msg : "");
    if (rc != RM_OK) {
        FZ_CHECK(rc == e.code, "returned %d but recorded code %d", rc, e.code);
        fz_check_err(&e, RM_ERR_IO, "idx");
        FZ_CHECK(fz_names(e.msg, g_img.path) || fz_names(e.msg, g_lab.path), "message names no file: %s", e.msg);
        FZ_CHECK(!d.images && !d.labels, "failure left buffers in the dataset: %s", e.msg);
        return 0;
    }

    FZ_CHECK(enc != 3, "a gzip file with a corrupt trailer was accepted");
    FZ_CHECK(d.n >= 1 && d.labels, "success with n = %u, labels %p", d.n, (void *)d.labels);
    for (uint32_t i = 0; i < d.n; i++) FZ_CHECK(d.labels[i] < RM_CLASSES, "label %u at %u accepted", d.labels[i], i);
    const uint8_t *plain_img = NULL, *plain_lab = NULL; /* the uncompressed payloads, when known */
    size_t plain_img_len = 0, plain_lab_len = 0;
    if (enc != 0) {
        if (role == 0) plain_img = p, plain_img_len = n;
        if (role == 1 || role == 2) plain_lab = p, plain_lab_len = n;
        if (role == 3) plain_img = p, plain_img_len = cut, plain_lab = p + cut, plain_lab_len = n - cut;
    }
    if (role == 1) {
        FZ_CHECK(!d.images, "rm_idx_load_labels returned images");
    } else {
        FZ_CHECK(d.images != NULL, "rm_idx_load returned no images");
        check_file(g_img.path, 1, d.images, d.n, plain_img, plain_img_len);
    }
    check_file(g_lab.path, 0, d.labels, d.n, plain_lab, plain_lab_len);
    if (role == 0) FZ_CHECK(d.n == data[1], "loaded %u items with a companion of %u labels", d.n, data[1]);
    if (role == 2) FZ_CHECK(d.n == data[1] % 8u, "loaded %u items with a companion of %u images", d.n, data[1] % 8u);
    rm_dataset_free(&d);
    return 0;
}
