/* tfevents.c - TensorBoard event files: TFRecord framing with masked CRC-32C around hand-encoded
 * tensorflow.Event protobuf messages (scalars and histograms), as PyTorch's SummaryWriter writes them.
 *
 * The messages (tensorflow/core/util/event.proto, tensorflow/core/framework/summary.proto), only the
 * fields written here:
 *   Event          { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary        { repeated Value value = 1; }
 *   Summary.Value  { string tag = 1; float simple_value = 2; HistogramProto histo = 5;
 *                    SummaryMetadata metadata = 9; }
 *   SummaryMetadata { PluginData plugin_data = 1; }  PluginData { string plugin_name = 1; bytes content = 2; }
 *   HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
 *                    repeated double bucket_limit = 6 [packed]; repeated double bucket = 7 [packed]; }
 * Every message's size is computed first, so each record is encoded front to back into one buffer (kept
 * between records) and written with one fwrite. The fields are written even when zero (proto3 readers
 * accept explicit defaults), except the first record's step, as TensorFlow writes it, and the HParams
 * plugin's version 0, as PyTorch writes it. Over 600 lines: the framing, the three kinds of record
 * and the resume share the encoder's static helpers, and a split would only export them. */
#define _POSIX_C_SOURCE 200809L
#include "rm_tfevents.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* CRC-32C, reflected polynomial 0x82F63B78: table[i] is the CRC of the byte i (tests check the vectors). */
static const uint32_t CRC_TABLE[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
    0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
    0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
    0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
    0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
    0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
    0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
    0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
    0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
    0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
    0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
    0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
    0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
    0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
    0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
    0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
    0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
    0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
    0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
    0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
    0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
    0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
    0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
    0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
    0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
    0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
    0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
    0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
    0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
    0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
    0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
    0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
    0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t rm_crc32c(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

uint32_t rm_crc32c_masked(const void *p, size_t n)
{
    uint32_t c = rm_crc32c(p, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

double rm_tfevents_wall_time(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return (double)time(NULL);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---------------------------------------------------------------------------------------------- */
/* Protobuf encoding: keys are (field << 3) | wire type; 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */

enum { WT_VARINT = 0, WT_F64 = 1, WT_LEN = 2, WT_F32 = 5 };

#define KEY(field, wt) ((uint8_t)((field) << 3 | (wt))) /* every field number here is < 16: one byte */

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Bytes of a length-delimited field (one-byte key) whose payload is n bytes. */
static size_t len_field(size_t n) { return 1 + varint_len(n) + n; }

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_double(uint8_t *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return put_le(p, u, 8);
}

static uint8_t *put_key_double(uint8_t *p, int field, double d)
{
    *p++ = KEY(field, WT_F64);
    return put_double(p, d);
}

/* Key and length of a length-delimited field with n bytes of payload (the payload follows). */
static uint8_t *put_len(uint8_t *p, int field, size_t n)
{
    *p++ = KEY(field, WT_LEN);
    return put_varint(p, n);
}

static uint8_t *put_bytes(uint8_t *p, int field, const void *s, size_t n)
{
    p = put_len(p, field, n);
    memcpy(p, s, n);
    return p + n;
}

/* ---------------------------------------------------------------------------------------------- */
/* Records */

#define HEAD 12 /* u64 length + u32 masked CRC of it */
#define FOOT 4  /* u32 masked CRC of the data */

/* Make w->buf hold a record of n data bytes; returns the data's start (HEAD bytes in) or NULL. */
static uint8_t *reserve(rm_tfevents *w, size_t n, rm_err *e)
{
    if (n > SIZE_MAX / 2) {
        rm_fail(e, RM_ERR_IO, "%s: a record of %zu bytes is too large", w->path, n);
        return NULL;
    }
    size_t need = HEAD + n + FOOT;
    if (need > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < need) cap *= 2;
        uint8_t *b = rm_alloc(cap, 1, "an event record", e);
        if (!b) return NULL;
        rm_free(w->buf);
        w->buf = b;
        w->cap = cap;
    }
    return w->buf + HEAD;
}

/* Frame the n data bytes already at w->buf + HEAD and write the record. */
static int write_record(rm_tfevents *w, size_t n, rm_err *e)
{
    uint8_t *b = w->buf;
    put_le(b, n, 8);
    put_le(b + 8, rm_crc32c_masked(b, 8), 4);
    put_le(b + HEAD + n, rm_crc32c_masked(b + HEAD, n), 4);
    errno = 0;
    size_t total = HEAD + n + FOOT;
    if (fwrite(b, 1, total, w->f) != total) {
        w->broken = 1;
        return rm_fail(e, RM_ERR_IO, "%s: write failed: %s", w->path, strerror(errno ? errno : EIO));
    }
    return RM_OK;
}

/* Strict UTF-8: no overlong forms, surrogates or code points above U+10FFFF (proto3 strings must be UTF-8). */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
            k = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else
            return 0;
        if (n - i <= k) return 0;
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xbf) return 0;
        i += k + 1;
    }
    return 1;
}

/* w open and not broken by a failed write. */
static int check_open(const rm_tfevents *w, rm_err *e)
{
    if (!w->f) return rm_fail(e, RM_ERR_IO, "%s: the event file is not open", w->path[0] ? w->path : "tfevents");
    if (w->broken) return rm_fail(e, RM_ERR_IO, "%s: an earlier write failed; no more records", w->path);
    return RM_OK;
}

/* Check the writer and a tag, and set *len. */
static int check_tag(const rm_tfevents *w, const char *tag, size_t *len, rm_err *e)
{
    if (check_open(w, e)) return e->code;
    size_t n = tag ? strnlen(tag, RM_TFEVENTS_MAX_TAG + 1) : 0;
    if (n == 0 || n > RM_TFEVENTS_MAX_TAG)
        return rm_fail(e, RM_ERR_IO, "%s: a tag must have 1 to %d bytes", w->path, RM_TFEVENTS_MAX_TAG);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)tag[i] < 0x20 || tag[i] == 0x7f)
            return rm_fail(e, RM_ERR_IO, "%s: a tag may not hold control characters", w->path);
    if (!valid_utf8((const unsigned char *)tag, n))
        return rm_fail(e, RM_ERR_IO, "%s: tag is not valid UTF-8", w->path);
    *len = n;
    return RM_OK;
}

/* Encode Event {wall_time, step, summary {value {tag, ...}}} into w's buffer up to the Value's other fields
 * (value_rest bytes, the caller's to write): returns where they go and sets *n to the record's data size;
 * NULL when out of memory. */
static uint8_t *begin_summary(rm_tfevents *w, const char *tag, size_t tag_len, int64_t step, double wall_time,
                              size_t value_rest, size_t *n, rm_err *e)
{
    size_t value_len = len_field(tag_len) + value_rest;
    size_t summary_len = len_field(value_len);
    size_t event_len = 9 + 1 + varint_len((uint64_t)step) + len_field(summary_len);
    uint8_t *p = reserve(w, event_len, e);
    if (!p) return NULL;
    p = put_key_double(p, 1, wall_time);
    *p++ = KEY(2, WT_VARINT);
    p = put_varint(p, (uint64_t)step); /* int64: a negative step is ten bytes, two's complement */
    p = put_len(p, 5, summary_len);
    p = put_len(p, 1, value_len);
    p = put_bytes(p, 1, tag, tag_len);
    *n = event_len;
    return p;
}

/* ---------------------------------------------------------------------------------------------- */
/* The API */

/* The default histogram edges of SummaryWriter (bins="tensorflow"): -b[K-1] .. -b[0], 0, b[0] .. b[K-1]
 * with b[0] = 1e-12, b[i+1] = b[i] * 1.1 (in double, as Python computes them) and b[K-1] < 1e20. */
static size_t default_edges(double *out)
{
    size_t k = 0;
    for (double v = 1e-12; v < 1e20; v *= 1.1) k++;
    if (out) {
        double v = 1e-12;
        for (size_t i = 0; i < k; i++, v *= 1.1) {
            out[k + 1 + i] = v;
            out[k - 1 - i] = -v;
        }
        out[k] = 0.0;
    }
    return 2 * k + 1;
}

/* hostname fit for a file name: '/' and control bytes as '_', "localhost" when unknown. */
static void host_name(char *out, size_t n)
{
    if (gethostname(out, n) != 0) out[0] = '\0';
    out[n - 1] = '\0';
    for (char *c = out; *c; c++)
        if (*c == '/' || (unsigned char)*c < 0x20 || *c == 0x7f) *c = '_';
    if (!out[0]) snprintf(out, n, "localhost");
}

/* Zero w and give it the histogram edges and counts. */
static int init_writer(rm_tfevents *w, rm_err *e)
{
    memset(w, 0, sizeof *w);
    w->n_edges = default_edges(NULL);
    w->edges = rm_alloc(w->n_edges, sizeof *w->edges, "histogram edges", e);
    w->counts = w->edges ? rm_alloc(w->n_edges - 1, sizeof *w->counts, "histogram counts", e) : NULL;
    if (!w->counts) {
        rm_tfevents_close(w, e);
        return e->code;
    }
    default_edges(w->edges);
    return RM_OK;
}

int rm_tfevents_open(rm_tfevents *w, const char *dir, rm_err *e)
{
    memset(w, 0, sizeof *w);
    if (!dir || !dir[0]) return rm_fail(e, RM_ERR_IO, "tfevents: no directory given");
    if (rm_mkdirs(dir, e)) return e->code;
    if (init_writer(w, e)) return e->code;

    char host[256], name[512];
    host_name(host, sizeof host);
    long long now = (long long)time(NULL);
    for (int i = 0; i < 1000 && !w->f; i++) {
        if (i == 0)
            snprintf(name, sizeof name, "events.out.tfevents.%010lld.%s", now, host);
        else
            snprintf(name, sizeof name, "events.out.tfevents.%010lld.%s.%d", now, host, i);
        if (rm_path_join(w->path, sizeof w->path, dir, name, e)) break;
        errno = 0;
        w->f = fopen(w->path, "wbx"); /* never clobber: a second file of the same second gets a suffix */
        if (!w->f && errno != EEXIST) {
            rm_fail(e, RM_ERR_IO, "%s: cannot create: %s", w->path, strerror(errno ? errno : EIO));
            break;
        }
    }
    if (!w->f) {
        if (e->code == RM_OK) rm_fail(e, RM_ERR_IO, "%s: cannot create: every name is taken", w->path);
        int code = e->code;
        rm_tfevents_close(w, e); /* frees; nothing open to fail */
        return code;
    }

    static const char version[] = "brain.Event:2";
    size_t n = 9 + len_field(sizeof version - 1);
    uint8_t *p = reserve(w, n, e);
    if (p) {
        p = put_key_double(p, 1, rm_tfevents_wall_time());
        put_bytes(p, 3, version, sizeof version - 1);
    }
    if (!p || write_record(w, n, e) || rm_tfevents_flush(w, e)) {
        int code = e->code;
        rm_err e2 = {0};
        fclose(w->f);
        w->f = NULL;
        remove(w->path);
        rm_tfevents_close(w, &e2);
        return code;
    }
    return RM_OK;
}

/* The step of a serialized Event (field 2, a varint; 0 when absent), or -1 when it is not a valid message. */
static int64_t event_step(const uint8_t *p, const uint8_t *end)
{
    int64_t step = 0;
    while (p < end) {
        uint64_t key = 0, v = 0;
        for (int s = 0; p < end && s < 64; s += 7) { /* the key */
            key |= (uint64_t)(*p & 0x7f) << s;
            if (!(*p++ & 0x80)) break;
            if (s == 63) return -1;
        }
        switch (key & 7) {
        case 0:
            for (int s = 0;; s += 7) {
                if (p >= end || s > 63) return -1;
                v |= (uint64_t)(*p & 0x7f) << s;
                if (!(*p++ & 0x80)) break;
            }
            if (key >> 3 == 2) step = (int64_t)v;
            break;
        case 1:
            if (end - p < 8) return -1;
            p += 8;
            break;
        case 5:
            if (end - p < 4) return -1;
            p += 4;
            break;
        case 2:
            for (int s = 0;; s += 7) {
                if (p >= end || s > 63) return -1;
                v |= (uint64_t)(*p & 0x7f) << s;
                if (!(*p++ & 0x80)) break;
            }
            if (v > (uint64_t)(end - p)) return -1;
            p += v;
            break;
        default:
            return -1;
        }
    }
    return step;
}

int rm_tfevents_resume(rm_tfevents *w, const char *dir, int64_t last_step, rm_err *e)
{
    /* The run's event file: the last by name (names start with the creation time, zero-padded). */
    char name[512] = "";
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *x; (x = readdir(d));)
            if (strncmp(x->d_name, "events.out.tfevents.", 20) == 0 && strlen(x->d_name) < sizeof name &&
                strcmp(x->d_name, name) > 0)
                snprintf(name, sizeof name, "%s", x->d_name);
        closedir(d);
    }
    if (!name[0]) return rm_tfevents_open(w, dir, e);
    if (init_writer(w, e)) return e->code;
    if (rm_path_join(w->path, sizeof w->path, dir, name, e)) goto fail;
    FILE *f = rm_fopen(w->path, "r+b", e);
    if (!f) goto fail;
    w->f = f;
    /* Keep the records through last_step; a torn record at the end (a killed run) and the records of
     * epochs after the saved state (they are trained again) are cut off. A bad checksum is an error. */
    long keep = 0;
    for (long rec = 0;; rec++) {
        uint8_t head[12], tail[4];
        if (fread(head, 1, 12, f) != 12) break;
        uint64_t len = 0;
        for (int i = 7; i >= 0; i--) len = len << 8 | head[i];
        uint32_t want = (uint32_t)head[8] | (uint32_t)head[9] << 8 | (uint32_t)head[10] << 16 | (uint32_t)head[11] << 24;
        if (rm_crc32c_masked(head, 8) != want) {
            rm_fail(e, RM_ERR_IO, "%s: record %ld: bad length checksum", w->path, rec);
            goto fail;
        }
        if (len > ((uint64_t)1 << 30)) {
            rm_fail(e, RM_ERR_IO, "%s: record %ld: length %llu is too large", w->path, rec, (unsigned long long)len);
            goto fail;
        }
        uint8_t *buf = reserve(w, (size_t)len, e);
        if (!buf) goto fail;
        if (fread(buf, 1, (size_t)len, f) != len || fread(tail, 1, 4, f) != 4) break;
        want = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
        int64_t step = event_step(buf, buf + len);
        if (rm_crc32c_masked(buf, (size_t)len) != want || step < 0) {
            rm_fail(e, RM_ERR_IO, "%s: record %ld: %s", w->path, rec, step < 0 ? "not an Event" : "bad data checksum");
            goto fail;
        }
        if (rec == 0 && step != 0) {
            rm_fail(e, RM_ERR_IO, "%s: does not start with a file_version record", w->path);
            goto fail;
        }
        if (step > last_step) break;
        keep += 16 + (long)len;
    }
    if (keep == 0) {
        rm_fail(e, RM_ERR_IO, "%s: holds no complete record", w->path);
        goto fail;
    }
    if (fflush(f) != 0 || ftruncate(fileno(f), keep) != 0 || fseek(f, keep, SEEK_SET) != 0) {
        rm_fail(e, RM_ERR_IO, "%s: cannot cut to %ld bytes: %s", w->path, keep, strerror(errno ? errno : EIO));
        goto fail;
    }
    return RM_OK;
fail:;
    int code = e->code;
    rm_err ignored = {0};
    rm_tfevents_close(w, &ignored);
    return code;
}

int rm_tfevents_scalar(rm_tfevents *w, const char *tag, int64_t step, double wall_time, float value, rm_err *e)
{
    size_t tag_len, n;
    if (check_tag(w, tag, &tag_len, e)) return e->code;
    uint8_t *p = begin_summary(w, tag, tag_len, step, wall_time, 5, &n, e);
    if (!p) return e->code;
    uint32_t u;
    memcpy(&u, &value, 4);
    *p++ = KEY(2, WT_F32);
    put_le(p, u, 4);
    return write_record(w, n, e);
}

int rm_tfevents_histogram(rm_tfevents *w, const char *tag, int64_t step, double wall_time, const float *x, size_t n,
                          rm_err *e)
{
    size_t tag_len;
    if (check_tag(w, tag, &tag_len, e)) return e->code;
    if (n > 0 && !x) return rm_fail(e, RM_ERR_IO, "%s: histogram %s: no data", w->path, tag); /* tag checked */

    /* Count into the default buckets: bucket b is [edges[b], edges[b+1]), the last one closed. */
    const double *ed = w->edges;
    const size_t nb = w->n_edges - 1;
    memset(w->counts, 0, nb * sizeof *w->counts);
    double lo = 0, hi = 0, sum = 0, sum_sq = 0, num = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (!isfinite(v)) continue;
        if (num == 0 || v < lo) lo = v;
        if (num == 0 || v > hi) hi = v;
        num += 1;
        sum += v;
        sum_sq += v * v;
        size_t a = 0, b = w->n_edges; /* the first edge > v: edges[a-1] <= v < edges[a] */
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if (ed[mid] <= v)
                a = mid + 1;
            else
                b = mid;
        }
        size_t bin = a == 0 ? 0 : a - 1;
        if (bin >= nb) bin = nb - 1;
        w->counts[bin] += 1;
    }

    /* Trim as torch's make_histogram: buckets s-1 .. t (s, t the first and last non-empty; "bucket -1" is an
     * empty one), each given by its right edge, edges[s] .. edges[t+1]. */
    size_t s = 0, t = 0, k = 1;
    if (num > 0) {
        while (w->counts[s] == 0) s++;
        t = nb - 1;
        while (w->counts[t] == 0) t--;
        k = t - s + 2;
    }
    size_t packed = 8 * k;
    size_t histo_len = 5 * 9 + 2 * len_field(packed);
    size_t rec;
    uint8_t *p = begin_summary(w, tag, tag_len, step, wall_time, len_field(histo_len), &rec, e);
    if (!p) return e->code;
    p = put_len(p, 5, histo_len);
    p = put_key_double(p, 1, lo);
    p = put_key_double(p, 2, hi);
    p = put_key_double(p, 3, num);
    p = put_key_double(p, 4, sum);
    p = put_key_double(p, 5, sum_sq);
    p = put_len(p, 6, packed);
    for (size_t j = 0; j < k; j++) p = put_double(p, num > 0 ? ed[s + j] : DBL_MAX);
    p = put_len(p, 7, packed);
    for (size_t j = 0; j < k; j++) p = put_double(p, num > 0 && s + j >= 1 ? w->counts[s + j - 1] : 0.0);
    return write_record(w, rec, e);
}

/* ---------------------------------------------------------------------------------------------- */
/* The HParams plugin (tensorboard/plugins/hparams/plugin_data.proto, google/protobuf/struct.proto) */

#define HP_PLUGIN "hparams"

/* Bytes of the google.protobuf.Value of h: number_value = 2 (double), string_value = 3, bool_value = 4. */
static size_t hp_value_len(const rm_hparam *h)
{
    return h->kind == RM_HP_NUMBER ? 9 : h->kind == RM_HP_BOOL ? 2 : len_field(strlen(h->text));
}

/* Bytes of h's hparams map entry {key = 1, value = 2}. */
static size_t hp_entry_len(const rm_hparam *h) { return len_field(strlen(h->name)) + len_field(hp_value_len(h)); }

static uint8_t *put_hp_entry(uint8_t *p, const rm_hparam *h)
{
    p = put_len(p, 1, hp_entry_len(h));
    p = put_bytes(p, 1, h->name, strlen(h->name));
    p = put_len(p, 2, hp_value_len(h));
    if (h->kind == RM_HP_NUMBER) return put_key_double(p, 2, h->number);
    if (h->kind == RM_HP_STRING) return put_bytes(p, 3, h->text, strlen(h->text));
    *p++ = KEY(4, WT_VARINT);
    *p++ = h->number != 0.0;
    return p;
}

/* Append a summary Value {tag, metadata = 9 {plugin_data = 1 {plugin_name = 1 "hparams", content = 2
 * HParamsPluginData {field: the data_len bytes encode writes}}}}; version 0 is proto3's default, so
 * not written (as Python's SerializeToString leaves it out). */
static int hp_record(rm_tfevents *w, const char *tag, int64_t step, double wall_time, int field, size_t data_len,
                     uint8_t *(*encode)(uint8_t *, const void *), const void *arg, rm_err *e)
{
    size_t n, content = len_field(data_len), plugin = len_field(strlen(HP_PLUGIN)) + len_field(content);
    size_t meta = len_field(plugin);
    if (check_open(w, e)) return e->code;
    uint8_t *p = begin_summary(w, tag, strlen(tag), step, wall_time, len_field(meta), &n, e);
    if (!p) return e->code;
    p = put_len(p, 9, meta);
    p = put_len(p, 1, plugin);
    p = put_bytes(p, 1, HP_PLUGIN, strlen(HP_PLUGIN));
    p = put_len(p, 2, content);
    p = put_len(p, field, data_len);
    encode(p, arg);
    return write_record(w, n, e);
}

typedef struct {
    const rm_hparam *hp;
    int n;
    const char *group;
    double start;
} hp_start;

/* SessionStartInfo {hparams = 1 (map entries), group_name = 4, start_time_secs = 5}. */
static size_t hp_start_len(const hp_start *s)
{
    size_t len = 9 + (s->group[0] ? len_field(strlen(s->group)) : 0);
    for (int i = 0; i < s->n; i++) len += len_field(hp_entry_len(&s->hp[i]));
    return len;
}

static uint8_t *put_hp_start(uint8_t *p, const void *arg)
{
    const hp_start *s = arg;
    for (int i = 0; i < s->n; i++) p = put_hp_entry(p, &s->hp[i]);
    if (s->group[0]) p = put_bytes(p, 4, s->group, strlen(s->group));
    return put_key_double(p, 5, s->start);
}

int rm_tfevents_session_start(rm_tfevents *w, const rm_hparam *hp, int n, const char *group, double wall_time,
                              rm_err *e)
{
    for (int i = 0; i < n; i++) {
        const char *t = hp[i].kind == RM_HP_STRING ? hp[i].text : "";
        if (!valid_utf8((const unsigned char *)hp[i].name, strlen(hp[i].name)) ||
            !valid_utf8((const unsigned char *)t, strlen(t)))
            return rm_fail(e, RM_ERR_IO, "%s: hyper-parameter %d is not valid UTF-8", w->path, i);
    }
    if (!valid_utf8((const unsigned char *)group, strlen(group)))
        return rm_fail(e, RM_ERR_IO, "%s: the session group is not valid UTF-8", w->path);
    const hp_start s = {hp, n, group, wall_time};
    return hp_record(w, "_hparams_/session_start_info", 0, wall_time, 3, hp_start_len(&s), put_hp_start, &s, e);
}

typedef struct {
    int status;
    double end;
} hp_end;

/* SessionEndInfo {status = 1 (enum), end_time_secs = 2}. */
static uint8_t *put_hp_end(uint8_t *p, const void *arg)
{
    const hp_end *s = arg;
    *p++ = KEY(1, WT_VARINT);
    *p++ = (uint8_t)s->status;
    return put_key_double(p, 2, s->end);
}

int rm_tfevents_session_end(rm_tfevents *w, int success, int64_t step, double wall_time, rm_err *e)
{
    const hp_end s = {success ? 1 : 2, wall_time}; /* STATUS_SUCCESS, STATUS_FAILURE (api.proto) */
    return hp_record(w, "_hparams_/session_end_info", step, wall_time, 4, 2 + 9, put_hp_end, &s, e);
}

int rm_tfevents_flush(rm_tfevents *w, rm_err *e)
{
    if (check_open(w, e)) return e->code;
    errno = 0;
    if (fflush(w->f) != 0 || ferror(w->f)) {
        w->broken = 1;
        return rm_fail(e, RM_ERR_IO, "%s: write failed: %s", w->path, strerror(errno ? errno : EIO));
    }
    return RM_OK;
}

int rm_tfevents_close(rm_tfevents *w, rm_err *e)
{
    int rc = RM_OK;
    if (w->f) {
        errno = 0;
        int bad = fflush(w->f) != 0 || ferror(w->f);
        int err = errno;
        if (fclose(w->f) != 0 && !bad) {
            bad = 1;
            err = errno;
        }
        if (bad) rc = rm_fail(e, RM_ERR_IO, "%s: write failed: %s", w->path, strerror(err ? err : EIO));
    }
    rm_free(w->buf);
    rm_free(w->edges);
    rm_free(w->counts);
    memset(w, 0, sizeof *w);
    return rc;
}
