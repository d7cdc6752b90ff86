/* test_tfevents.c - the TensorBoard event writer: CRC-32C against the RFC 3720 vectors and a bitwise
 * reference, the masked CRC, and a written file read back here with a decoder of our own (TFRecord framing,
 * both CRCs, the Event/Summary/HistogramProto fields), which must reject any corrupted byte or wrong value;
 * the errors, each naming the file.
 *
 * usage: test_tfevents [-v]          the checks (-v prints each rejection)
 *        test_tfevents --write DIR   write an example run into DIR for tests/tfevents.sh: an event file with
 *                                    the per-epoch scalars and histograms a run writes, and the matching
 *                                    metrics.csv; prints the event file's path */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <float.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rm_tfevents.h"
#include "test_util.h"

static int verbose;

/* ---------------------------------------------------------------------------------------------- */
/* An independent reader */

/* CRC-32C bit by bit: the definition, no table. */
static uint32_t ref_crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

static uint32_t ref_masked(const uint8_t *p, size_t n)
{
    uint32_t c = ref_crc(p, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static double get_double(const uint8_t *p)
{
    uint64_t u = get_le(p, 8);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

#define MAX_BUCKETS 2000

/* One decoded Event with at most one Summary.Value. */
typedef struct event {
    double wall_time;
    int has_step;
    int64_t step;
    char version[32];
    int has_value;
    char tag[256];
    int has_simple;
    float simple;
    int has_histo;
    double h[6]; /* [1..5]: min, max, num, sum, sum_squares */
    int h_has[6];
    size_t n_limit, n_bucket;
    double limit[MAX_BUCKETS], bucket[MAX_BUCKETS];
} event;

/* The next field of a message in [*p, end): its number, wire type and value (varint / fixed) or payload.
 * 1 when read, 0 at the end, -1 when malformed. */
static int pb_next(const uint8_t **p, const uint8_t *end, int *field, int *wt, uint64_t *v, const uint8_t **data,
                   size_t *len)
{
    if (*p == end) return 0;
    uint64_t key = 0;
    for (int s = 0;; s += 7) {
        if (*p == end || s > 63) return -1;
        uint8_t b = *(*p)++;
        key |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) break;
    }
    *field = (int)(key >> 3);
    *wt = (int)(key & 7);
    if (*wt == 0 || *wt == 2) {
        uint64_t x = 0;
        for (int s = 0;; s += 7) {
            if (*p == end || s > 63) return -1;
            uint8_t b = *(*p)++;
            x |= (uint64_t)(b & 0x7f) << s;
            if (!(b & 0x80)) break;
        }
        if (*wt == 0) {
            *v = x;
            return 1;
        }
        if (x > (uint64_t)(end - *p)) return -1;
        *data = *p;
        *len = (size_t)x;
        *p += x;
        return 1;
    }
    size_t k = *wt == 1 ? 8 : *wt == 5 ? 4 : 0;
    if (!k || (size_t)(end - *p) < k) return -1;
    *v = get_le(*p, (int)k);
    *p += k;
    return 1;
}

/* Decode a packed repeated double into out (at most MAX_BUCKETS). */
static int decode_packed(const uint8_t *d, size_t len, double *out, size_t *n)
{
    if (len % 8 || len / 8 > MAX_BUCKETS) return -1;
    for (size_t i = 0; i < len / 8; i++) out[(*n)++] = get_double(d + 8 * i);
    return 0;
}

static int decode_histo(const uint8_t *p, const uint8_t *end, event *ev)
{
    int f, wt, r;
    uint64_t v;
    const uint8_t *d;
    size_t len;
    while ((r = pb_next(&p, end, &f, &wt, &v, &d, &len)) == 1) {
        if (f >= 1 && f <= 5 && wt == 1) {
            memcpy(&ev->h[f], &v, 8);
            ev->h_has[f] = 1;
        } else if (f == 6 && wt == 2) {
            if (decode_packed(d, len, ev->limit, &ev->n_limit)) return -1;
        } else if (f == 7 && wt == 2) {
            if (decode_packed(d, len, ev->bucket, &ev->n_bucket)) return -1;
        } else
            return -1; /* nothing else is written */
    }
    return r;
}

static int decode_value(const uint8_t *p, const uint8_t *end, event *ev)
{
    int f, wt, r;
    uint64_t v;
    const uint8_t *d;
    size_t len;
    ev->has_value++;
    while ((r = pb_next(&p, end, &f, &wt, &v, &d, &len)) == 1) {
        if (f == 1 && wt == 2 && len < sizeof ev->tag) {
            memcpy(ev->tag, d, len);
            ev->tag[len] = '\0';
        } else if (f == 2 && wt == 5) {
            uint32_t u = (uint32_t)v;
            memcpy(&ev->simple, &u, 4);
            ev->has_simple = 1;
        } else if (f == 5 && wt == 2) {
            ev->has_histo = 1;
            if (decode_histo(d, d + len, ev)) return -1;
        } else
            return -1;
    }
    return r;
}

static int decode_event(const uint8_t *p, size_t n, event *ev)
{
    memset(ev, 0, sizeof *ev);
    const uint8_t *end = p + n, *d;
    int f, wt, r;
    uint64_t v;
    size_t len;
    while ((r = pb_next(&p, end, &f, &wt, &v, &d, &len)) == 1) {
        if (f == 1 && wt == 1)
            memcpy(&ev->wall_time, &v, 8);
        else if (f == 2 && wt == 0) {
            ev->has_step = 1;
            ev->step = (int64_t)v;
        } else if (f == 3 && wt == 2 && len < sizeof ev->version) {
            memcpy(ev->version, d, len);
            ev->version[len] = '\0';
        } else if (f == 5 && wt == 2) { /* Summary: repeated Value value = 1 */
            const uint8_t *q = d, *qe = d + len, *vd;
            size_t vl;
            while ((r = pb_next(&q, qe, &f, &wt, &v, &vd, &vl)) == 1) {
                if (f != 1 || wt != 2 || decode_value(vd, vd + vl, ev)) return -1;
            }
            if (r < 0) return -1;
        } else
            return -1;
    }
    return r;
}

/* Split the file's n bytes into records, checking the framing and both CRCs: the count, or -1 with why. */
static int read_records(const uint8_t *b, size_t n, event *evs, int max, char *why, size_t why_n)
{
    size_t at = 0;
    int k = 0;
    while (at < n) {
        if (n - at < 12) return snprintf(why, why_n, "record %d: truncated length at byte %zu", k, at), -1;
        uint64_t len = get_le(b + at, 8);
        if ((uint32_t)get_le(b + at + 8, 4) != ref_masked(b + at, 8))
            return snprintf(why, why_n, "record %d: length CRC mismatch", k), -1;
        if (len > n - at - 12 || n - at - 12 - len < 4)
            return snprintf(why, why_n, "record %d: truncated data (%" PRIu64 " bytes)", k, len), -1;
        const uint8_t *data = b + at + 12;
        if ((uint32_t)get_le(data + len, 4) != ref_masked(data, (size_t)len))
            return snprintf(why, why_n, "record %d: data CRC mismatch", k), -1;
        if (k >= max) return snprintf(why, why_n, "more than %d records", max), -1;
        if (decode_event(data, (size_t)len, &evs[k]))
            return snprintf(why, why_n, "record %d: malformed Event", k), -1;
        at += 12 + len + 4;
        k++;
    }
    return k;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    *n = fread(b, 1, (size_t)sz, f);
    fclose(f);
    return b;
}

/* ---------------------------------------------------------------------------------------------- */
/* What the test writes, and checking it */

typedef struct scalar {
    const char *tag;
    int64_t step;
    double wall_time;
    float value;
} scalar;

static const scalar SCALARS[] = {
    {"train/loss", 1, 1700000000.25, 2.3025851f}, {"train/acc", 1, 1700000000.25, 91.2345f},
    {"lr", 1, 1700000000.5, 0.001f},              {"penalty", 1, 1700000000.5, 0.0f},
    {"train/loss", 2, 1700000060.0, 0.125f},      {"val/loss", 0, 0.0, -1.5e-7f},
    {"big/step", INT64_C(1) << 40, 1.0, 3.0e38f}, {"neg/step", -3, 2.0, -0.0f},
    {"utf8/ünï", 7, 3.0, 1.0f / 3.0f},
};
#define N_SCALARS (sizeof SCALARS / sizeof SCALARS[0])

#define N_X 1000

/* Deterministic values for a histogram: mostly small, with zeros, negatives, tiny, huge and non-finite ones. */
static void fill_x(float *x)
{
    uint32_t s = 12345;
    for (int i = 0; i < N_X; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.1f;
    }
    x[0] = 0.0f;
    x[1] = -0.0f;
    x[2] = 1e-14f;
    x[3] = -1e-14f;
    x[4] = 1e25f;  /* beyond the last edge (~1e20): the top bucket */
    x[5] = -3e38f; /* below the first: the bottom bucket */
    x[6] = NAN;
    x[7] = INFINITY;
    x[8] = 0.05f;
    x[9] = 1e-12f; /* close to an edge (float 1e-12 is not double 1e-12) */
}

/* The default edges, computed here independently of the module, as SummaryWriter does. */
static size_t edges(double *out)
{
    double pos[1000];
    size_t k = 0;
    for (double v = 1e-12; v < 1e20; v *= 1.1) pos[k++] = v;
    for (size_t i = 0; i < k; i++) {
        out[i] = -pos[k - 1 - i];
        out[k + 1 + i] = pos[i];
    }
    out[k] = 0.0;
    return 2 * k + 1;
}

/* Problems with a histogram event of the n values at x; each one printed when verbose. */
static int check_histo(const event *ev, const char *tag, int64_t step, const float *x, size_t n)
{
    int bad = 0;
#define EXPECT(cond)                                                                       \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            bad++;                                                                         \
            if (verbose) fprintf(stderr, "  histogram %s step %" PRId64 ": %s\n", tag, step, #cond); \
        }                                                                                  \
    } while (0)
    EXPECT(ev->has_histo && !ev->has_simple && strcmp(ev->tag, tag) == 0 && ev->has_step && ev->step == step);
    for (int f = 1; f <= 5; f++) EXPECT(ev->h_has[f]);
    double lo = 0, hi = 0, sum = 0, sq = 0, num = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (!isfinite(v)) continue;
        if (num == 0 || v < lo) lo = v;
        if (num == 0 || v > hi) hi = v;
        num++;
        sum += v;
        sq += v * v;
    }
    EXPECT(ev->h[1] == lo && ev->h[2] == hi && ev->h[3] == num);
    EXPECT(fabs(ev->h[4] - sum) <= 1e-9 * (1 + sq));
    EXPECT(fabs(ev->h[5] - sq) <= 1e-9 * sq);
    size_t k = ev->n_limit;
    EXPECT(k >= 1 && ev->n_bucket == k);
    if (bad || k < 1 || ev->n_bucket != k) return bad + 1;
    if (num == 0) {
        EXPECT(k == 1 && ev->limit[0] == DBL_MAX && ev->bucket[0] == 0);
        return bad;
    }
    /* every limit is one of the default edges, consecutive ones adjacent */
    static double ed[2000];
    size_t ne = edges(ed), first = 0;
    while (first < ne && ed[first] != ev->limit[0]) first++;
    EXPECT(first < ne && first + k <= ne);
    for (size_t j = 0; j < k && first + k <= ne; j++) EXPECT(ev->limit[j] == ed[first + j]);
    /* bucket 0 is the empty one before the first non-empty; bucket j >= 1 is [limit[j-1], limit[j]), the
     * outermost ones taking the values beyond the edges */
    double want[MAX_BUCKETS] = {0}, total = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (!isfinite(v)) continue;
        size_t j = 0;
        while (j < k && ev->limit[j] <= v) j++;
        if (j < 1) j = 1;
        if (j > k - 1) j = k - 1;
        want[j]++;
    }
    for (size_t j = 0; j < k; j++) {
        EXPECT(ev->bucket[j] == want[j]);
        total += ev->bucket[j];
    }
    EXPECT(ev->bucket[0] == 0 && ev->bucket[1] > 0 && ev->bucket[k - 1] > 0 && total == num);
#undef EXPECT
    return bad;
}

/* Problems in the file's bytes against what test_file wrote (x: the histogram's values). */
static int check_bytes(const uint8_t *b, size_t n, const float *x, double t_open)
{
    static event evs[32];
    char why[256];
    int k = read_records(b, n, evs, 32, why, sizeof why);
    if (k < 0) {
        if (verbose) fprintf(stderr, "  rejected: %s\n", why);
        return 1;
    }
    int bad = 0;
    if (k != (int)N_SCALARS + 4) {
        if (verbose) fprintf(stderr, "  %d records, expected %d\n", k, (int)N_SCALARS + 4);
        return 1;
    }
    const event *v = &evs[0];
    if (strcmp(v->version, "brain.Event:2") != 0 || v->has_step || v->has_value || fabs(v->wall_time - t_open) > 5)
        bad++;
    for (size_t i = 0; i < N_SCALARS; i++) {
        const event *ev = &evs[1 + i];
        const scalar *s = &SCALARS[i];
        if (!ev->has_simple || ev->has_histo || ev->has_value != 1 || strcmp(ev->tag, s->tag) != 0 ||
            !ev->has_step || ev->step != s->step || ev->wall_time != s->wall_time ||
            memcmp(&ev->simple, &s->value, 4) != 0) {
            bad++;
            if (verbose)
                fprintf(stderr, "  scalar %zu: got %s step %" PRId64 " = %.9g, expected %s step %" PRId64 " = %.9g\n",
                        i, ev->tag, ev->step, ev->simple, s->tag, s->step, s->value);
        }
    }
    float half = 0.5f, nan1 = NAN;
    bad += check_histo(&evs[1 + N_SCALARS], "weights/fc1.weight", 4, x, N_X);
    bad += check_histo(&evs[2 + N_SCALARS], "const", 5, &half, 1);
    bad += check_histo(&evs[3 + N_SCALARS], "empty", 6, &nan1, 1);
    return bad;
}

static char dir[64];

/* Write the test file and return its bytes (and path). */
static uint8_t *test_file(float *x, size_t *n, char *path, double *t_open)
{
    rm_err e = {0};
    rm_tfevents w = {0};
    *t_open = rm_tfevents_wall_time();
    CHECK(rm_tfevents_open(&w, dir, &e) == RM_OK);
    if (e.code) fprintf(stderr, "%s\n", e.msg);
    snprintf(path, 4096, "%s", w.path);
    for (size_t i = 0; i < N_SCALARS; i++) {
        const scalar *s = &SCALARS[i];
        CHECK(rm_tfevents_scalar(&w, s->tag, s->step, s->wall_time, s->value, &e) == RM_OK);
    }
    fill_x(x);
    float half = 0.5f, nan1 = NAN;
    CHECK(rm_tfevents_histogram(&w, "weights/fc1.weight", 4, 10.0, x, N_X, &e) == RM_OK);
    CHECK(rm_tfevents_histogram(&w, "const", 5, 11.0, &half, 1, &e) == RM_OK);
    CHECK(rm_tfevents_histogram(&w, "empty", 6, 12.0, &nan1, 1, &e) == RM_OK);
    CHECK(rm_tfevents_flush(&w, &e) == RM_OK);
    CHECK(rm_tfevents_close(&w, &e) == RM_OK);
    CHECK(w.f == NULL && w.buf == NULL);
    CHECK(rm_tfevents_close(&w, &e) == RM_OK); /* twice is fine */
    if (e.code) fprintf(stderr, "%s\n", e.msg);
    return slurp(path, n);
}

/* Recompute the data CRC of the record at byte `at`, so that only its content is wrong. */
static void refix_crcs(uint8_t *b, size_t at)
{
    uint64_t len = get_le(b + at, 8);
    uint32_t c = ref_masked(b + at + 12, (size_t)len);
    for (int i = 0; i < 4; i++) b[at + 12 + len + (size_t)i] = (uint8_t)(c >> (8 * i));
}

static void test_crc(void)
{
    uint8_t b[32];
    memset(b, 0, 32);
    CHECK(rm_crc32c(b, 32) == 0x8A9136AAu);
    memset(b, 0xff, 32);
    CHECK(rm_crc32c(b, 32) == 0x62A8AB43u);
    for (int i = 0; i < 32; i++) b[i] = (uint8_t)i;
    CHECK(rm_crc32c(b, 32) == 0x46DD794Eu);
    for (int i = 0; i < 32; i++) b[i] = (uint8_t)(31 - i);
    CHECK(rm_crc32c(b, 32) == 0x113FDB5Cu);
    CHECK(rm_crc32c("123456789", 9) == 0xE3069283u);
    CHECK(rm_crc32c("", 0) == 0);
    CHECK(ref_crc((const uint8_t *)"123456789", 9) == 0xE3069283u); /* the reference is right too */
    /* the table against the bit-by-bit definition, every length to 300 and every offset */
    uint8_t r[1000];
    uint32_t s = 1;
    for (int i = 0; i < 1000; i++) r[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 16);
    int same = 1;
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n <= 300; n++) same &= rm_crc32c(r + off, n) == ref_crc(r + off, n);
    CHECK(same);
    CHECK(rm_crc32c(r, 1000) == ref_crc(r, 1000));

    /* masked: ((c >> 15) | (c << 17)) + 0xa282ead8, worked out by hand for "123456789" */
    CHECK(rm_crc32c_masked("123456789", 9) == 0xC78AB0E5u);
    /* every TensorFlow event file begins 18 00 00 00 00 00 00 00 a3 7f 4b 22: a 24-byte first record */
    uint8_t len24[8] = {24, 0, 0, 0, 0, 0, 0, 0};
    CHECK(rm_crc32c_masked(len24, 8) == 0x224b7fa3u);
}

static void test_round_trip(void)
{
    static float x[N_X];
    char path[4096];
    size_t n = 0;
    double t_open;
    uint8_t *b = test_file(x, &n, path, &t_open);
    CHECK(b != NULL);
    if (!b) return;

    /* the name: dir/events.out.tfevents.<10 digits>.<host> */
    char host[256] = "";
    gethostname(host, sizeof host);
    host[255] = '\0';
    char want[4096];
    snprintf(want, sizeof want, "%s/events.out.tfevents.", dir);
    CHECK(strncmp(path, want, strlen(want)) == 0);
    const char *t = path + strlen(want);
    long long secs = strtoll(t, NULL, 10);
    CHECK(strspn(t, "0123456789") == 10 && t[10] == '.' && fabs((double)secs - t_open) <= 5);
    CHECK(strcmp(t + 11, host) == 0);
    /* the first record exactly as TensorFlow's: length 24, the masked CRCs, wall_time, "brain.Event:2" */
    static const uint8_t head[] = {24, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22, 0x09};
    CHECK(n > 40 && memcmp(b, head, sizeof head) == 0 && memcmp(b + 21, "\x1a\x0d" "brain.Event:2", 15) == 0);

    CHECK(check_bytes(b, n, x, t_open) == 0);

    /* every single flipped bit of the framing or data of the first records is caught, by a CRC */
    uint8_t *c = malloc(n);
    int caught = 0, tried = 0, was = verbose;
    verbose = 0; /* 200 rejections: too many to print */
    for (size_t i = 0; i < 200 && i < n; i++) {
        memcpy(c, b, n);
        c[i] ^= (uint8_t)(1u << (i % 8));
        tried++;
        caught += check_bytes(c, n, x, t_open) > 0;
    }
    verbose = was;
    CHECK(caught == tried);
    /* a truncated or extended file */
    CHECK(check_bytes(b, n - 1, x, t_open) > 0);
    CHECK(check_bytes(b, n - 200, x, t_open) > 0);
    memcpy(c, b, n);
    /* a wrong value behind valid CRCs: change the first scalar's float (the record's last 4 data bytes) */
    size_t at = 12 + 24 + 4; /* the second record */
    uint64_t len = get_le(c + at, 8);
    c[at + 12 + len - 1] ^= 0x01;
    refix_crcs(c, at);
    static event evs[32];
    char why[256];
    CHECK(read_records(c, n, evs, 32, why, sizeof why) == (int)N_SCALARS + 4);
    CHECK(check_bytes(c, n, x, t_open) > 0);
    /* a wrong bucket count behind valid CRCs: the histogram record's last double (1.0 or more) */
    memcpy(c, b, n);
    size_t rec = 0, pos = 0;
    while (rec < 1 + N_SCALARS) {
        pos += 12 + get_le(c + pos, 8) + 4;
        rec++;
    }
    len = get_le(c + pos, 8);
    double cnt = get_double(c + pos + 12 + len - 8) + 1;
    memcpy(c + pos + 12 + len - 8, &cnt, 8);
    refix_crcs(c, pos);
    CHECK(check_bytes(c, n, x, t_open) > 0);
    free(c);
    free(b);
}

static void test_errors(void)
{
    rm_err e = {0};
    rm_tfevents w = {0};
    char path[256];
    /* a directory that cannot be made: under a regular file */
    snprintf(path, sizeof path, "%s/file", dir);
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
    snprintf(path, sizeof path, "%s/file/sub", dir);
    CHECK(rm_tfevents_open(&w, path, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "/file");
    CHECK(w.f == NULL && w.buf == NULL && w.edges == NULL);
    if (verbose) fprintf(stderr, "  %s\n", e.msg);
    CHECK(rm_tfevents_open(&w, "", &e) == RM_ERR_IO);
    /* closed: every call fails cleanly */
    CHECK(rm_tfevents_scalar(&w, "a", 1, 0, 1, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "not open");
    CHECK(rm_tfevents_flush(&w, &e) == RM_ERR_IO);

    /* two writers in the same second: two files, neither clobbered */
    char sub[256];
    snprintf(sub, sizeof sub, "%s/two/deep", dir);
    rm_tfevents a = {0}, b = {0};
    e.code = 0;
    CHECK(rm_tfevents_open(&a, sub, &e) == RM_OK); /* makes the parents */
    CHECK(rm_tfevents_open(&b, sub, &e) == RM_OK);
    CHECK(strcmp(a.path, b.path) != 0);
    if (verbose) fprintf(stderr, "  %s\n  %s\n", a.path, b.path);

    /* bad tags, with the file named */
    CHECK(rm_tfevents_scalar(&a, "", 1, 0, 1, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, a.path);
    CHECK(rm_tfevents_scalar(&a, NULL, 1, 0, 1, &e) == RM_ERR_IO);
    CHECK(rm_tfevents_scalar(&a, "bad\xff", 1, 0, 1, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "UTF-8");
    CHECK(rm_tfevents_scalar(&a, "two\nlines", 1, 0, 1, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "control");
    CHECK(rm_tfevents_scalar(&a, "\xc3", 1, 0, 1, &e) == RM_ERR_IO);     /* cut short */
    CHECK(rm_tfevents_scalar(&a, "\xc0\xaf", 1, 0, 1, &e) == RM_ERR_IO); /* overlong '/' */
    CHECK(rm_tfevents_scalar(&a, "\xed\xa0\x80", 1, 0, 1, &e) == RM_ERR_IO); /* a surrogate */
    static char longtag[RM_TFEVENTS_MAX_TAG + 2];
    memset(longtag, 'a', RM_TFEVENTS_MAX_TAG + 1);
    CHECK(rm_tfevents_scalar(&a, longtag, 1, 0, 1, &e) == RM_ERR_IO);
    longtag[RM_TFEVENTS_MAX_TAG] = '\0';
    CHECK(rm_tfevents_scalar(&a, longtag, 1, 0, 1, &e) == RM_OK);
    CHECK(rm_tfevents_histogram(&a, "h", 1, 0, NULL, 3, &e) == RM_ERR_IO);
    CHECK(rm_tfevents_histogram(&a, "h", 1, 0, NULL, 0, &e) == RM_OK); /* empty is fine */
    CHECK(rm_tfevents_close(&b, &e) == RM_OK);

    /* a full disk (here the file size limit): the write or the flush fails naming the file */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 4096;
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    static float big[20000];
    for (int i = 0; i < 20000; i++) big[i] = (float)i * 1e-3f;
    int rc = RM_OK;
    for (int i = 0; i < 10 && !rc; i++) rc = rm_tfevents_histogram(&a, "big", i, 0, big, 20000, &e);
    if (!rc) rc = rm_tfevents_flush(&a, &e);
    CHECK(rc == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, a.path);
    CHECK_CONTAINS(e.msg, "write failed");
    if (verbose) fprintf(stderr, "  %s\n", e.msg);
    CHECK(a.broken);
    CHECK(rm_tfevents_scalar(&a, "after", 1, 0, 1, &e) == RM_ERR_IO); /* no record after a partial one */
    CHECK_CONTAINS(e.msg, "earlier write failed");
    rm_err e2 = {0};
    static char a_path[sizeof a.path];
    memcpy(a_path, a.path, sizeof a_path);
    CHECK(rm_tfevents_close(&a, &e2) == RM_ERR_IO); /* the buffered part fails too */
    CHECK_CONTAINS(e2.msg, a_path);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
}

/* ---------------------------------------------------------------------------------------------- */
/* --write DIR: an example run as regmnist writes it (3 epochs), for tests/tfevents.sh */

static int write_example(const char *out)
{
    rm_err e = {0};
    rm_tfevents w = {0};
    if (rm_tfevents_open(&w, out, &e)) {
        fprintf(stderr, "test_tfevents: %s\n", e.msg);
        return 1;
    }
    char csv_path[4096];
    snprintf(csv_path, sizeof csv_path, "%s/metrics.csv", out);
    FILE *csv = fopen(csv_path, "w");
    if (!csv) {
        fprintf(stderr, "test_tfevents: cannot write %s\n", csv_path);
        return 1;
    }
    /* as regmnist writes it; no train_eval sample here, so empty cells and no train_eval/ scalars */
    fprintf(csv, "epoch,train_loss,penalty,train_acc,val_loss,val_acc,test_loss,test_acc,gap,lr,seconds,"
                 "train_eval_loss,train_eval_acc\n");
    static float weight[64 * 32], bias[32], grad[64 * 32];
    int rc = 0;
    for (int ep = 1; ep <= 3 && !rc; ep++) {
        double train_loss = 2.0 / ep + 0.123456789, pen = ep == 2 ? 0.0 : 1e-3 / ep, train_acc = 90 + ep * 1.23456;
        double val_loss = 0.3 / ep + 1e-7, val_acc = 91 + ep * 0.98765, test_loss = 0.31 / ep, test_acc = 92.5 + ep;
        double lr = 0.001, t = rm_tfevents_wall_time();
        fprintf(csv, "%d,%.9g,%.9g,%.4f,%.9g,%.4f,%.9g,%.4f,%.4f,%.9g,%.3f,,\n", ep, train_loss, pen, train_acc,
                val_loss, val_acc, test_loss, test_acc, train_acc - test_acc, lr, 0.5);
        const char *tags[] = {"train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc", "lr",
                              "penalty"};
        const double vals[] = {train_loss, train_acc, val_loss, val_acc, test_loss, test_acc, lr, pen};
        for (int i = 0; i < 8 && !rc; i++) rc = rm_tfevents_scalar(&w, tags[i], ep, t, (float)vals[i], &e);
        for (int i = 0; i < 64 * 32; i++) {
            weight[i] = (float)sin(i * 0.37 + ep) * 0.1f;
            grad[i] = (float)cos(i * 0.11 * ep) * 1e-3f;
        }
        for (int i = 0; i < 32; i++) bias[i] = (float)i * 0.01f - 0.1f * ep;
        if (!rc) rc = rm_tfevents_histogram(&w, "weights/fc1.weight", ep, t, weight, 64 * 32, &e);
        if (!rc) rc = rm_tfevents_histogram(&w, "weights/fc1.bias", ep, t, bias, 32, &e);
        if (!rc) rc = rm_tfevents_histogram(&w, "grads/fc1.weight", ep, t, grad, 64 * 32, &e);
        if (!rc) rc = rm_tfevents_flush(&w, &e);
    }
    printf("%s\n", w.path);
    if (fclose(csv) != 0) rc = rm_fail(&e, RM_ERR_IO, "%s: write failed", csv_path);
    if (rm_tfevents_close(&w, &e) && !rc) rc = e.code;
    if (rc) fprintf(stderr, "test_tfevents: %s\n", e.msg);
    return rc ? 1 : 0;
}

/* A resumed run takes up its event file: the records through the saved step stay, a torn last record
 * and the steps trained again go, new ones follow, and each step appears once (issue 16). */
static void test_resume(void)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/resume", dir);
    rm_tfevents w;
    rm_err e = {0};
    CHECK(rm_tfevents_open(&w, sub, &e) == RM_OK);
    for (int ep = 1; ep <= 5; ep++) CHECK(rm_tfevents_scalar(&w, "loss/train", ep, 1.0, (float)ep, &e) == RM_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s", w.path);
    CHECK(rm_tfevents_close(&w, &e) == RM_OK);
    FILE *f = fopen(path, "ab"); /* a killed run's torn record */
    fwrite("\x30\0\0\0\0\0\0\0", 1, 8, f);
    fclose(f);
    CHECK(rm_tfevents_resume(&w, sub, 3, &e) == RM_OK);
    CHECK(strcmp(w.path, path) == 0);
    for (int ep = 4; ep <= 6; ep++) CHECK(rm_tfevents_scalar(&w, "loss/train", ep, 2.0, (float)(10 * ep), &e) == RM_OK);
    CHECK(rm_tfevents_close(&w, &e) == RM_OK);
    size_t n = 0;
    uint8_t *b = slurp(path, &n);
    static event evs[32];
    char why[256] = "";
    int k = b ? read_records(b, n, evs, 32, why, sizeof why) : -1;
    if (k < 0) fprintf(stderr, "  resumed file: %s\n", why);
    CHECK(k == 7); /* the version record and steps 1..6 */
    for (int i = 1; i < k && i < 7; i++) {
        CHECK(evs[i].step == i);
        CHECK(evs[i].simple == (float)(i <= 3 ? i : 10 * i));
    }
    /* a bad checksum in a kept record is an error naming the file, not a silent cut */
    b[12 + 24 + 4 + 14] ^= 1;
    f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    CHECK(rm_tfevents_resume(&w, sub, 6, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "record 1: bad data checksum");
    CHECK(w.f == NULL);
    free(b);
    /* no event file yet: a new one */
    snprintf(sub, sizeof sub, "%s/resume-empty", dir);
    CHECK(rm_tfevents_resume(&w, sub, 3, &e) == RM_OK && w.f != NULL);
    CHECK(rm_tfevents_close(&w, &e) == RM_OK);
}

static int rm_tree(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    return system(cmd);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) return write_example(argv[2]);
    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    snprintf(dir, sizeof dir, "/tmp/test_tfevents.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_crc();
    test_round_trip();
    test_errors();
    test_resume();
    rm_tree(dir);
    return t_done("test_tfevents");
}
