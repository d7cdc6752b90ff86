/* fuzz_csv.c - libFuzzer harness for the CSV reader (rm_csv_read), plain and gzip, with the stratified
 * split and the feature statistics run on every table it accepts.
 *
 * Input: 2 control bytes, then the payload P.
 *   byte 0, bit 0: P is the file as is (0) or gzip-compressed by zlib first (1)
 *   byte 0, bits 1-2, the label column: 0 the default (the last), 1 index 0, 2 by the name "label",
 *       3 the index (int8_t) byte 1
 *   byte 0, bit 3: also read the file again with opts.like = the first table (as a test file)
 *   byte 1: the test fraction of the split, (byte 1 % 99 + 1) / 100; the index of mode 3
 * Properties: a failure is RM_ERR_IO with a one-line message starting with the path, and leaves the
 * table zeroed. A success holds n >= 1 rows of d >= 1 finite features, 2 <= classes <= 65535, labels below
 * classes, every class present, class names (string labels) strictly ascending; the table written back
 * as CSV (features as %.9g, names quoted) reads back identically; read like itself, the file gives the
 * same table. For a plain file without quotes and CRs, the rows and values also match a naive
 * split on LF and comma (an independent oracle). The split is disjoint, covers every row, ascending,
 * with the per-class counts rm_csv_split_counts gives; the statistics are finite with std > 0.
 *
 * FUZZ_OPTIONS: -max_len=65536
 */
#define _GNU_SOURCE
#include <math.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "rm_csv.h"

static fz_file g_in, g_back;
static uint8_t *g_buf; /* encoder and writer output, grown as needed */
static size_t g_cap;

static void grow(size_t need)
{
    if (need <= g_cap) return;
    size_t c = g_cap ? g_cap : 4096;
    while (c < need) c *= 2;
    uint8_t *p = realloc(g_buf, c);
    if (!p) fz_fail("out of memory in the harness (%zu bytes)", c);
    g_buf = p;
    g_cap = c;
}

/* gzip-compress src into g_buf; returns the length. */
static size_t gzip_to_buf(const uint8_t *src, size_t n)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        fz_fail("deflateInit2");
    size_t bound = deflateBound(&s, (uLong)n);
    grow(bound);
    s.next_in = (Bytef *)src;
    s.avail_in = (uInt)n;
    s.next_out = g_buf;
    s.avail_out = (uInt)bound;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END) fz_fail("deflate did not finish");
    deflateEnd(&s);
    return bound - s.avail_out;
}

/* A growing text for the write-back. */
typedef struct text {
    size_t len;
} text;

static void put_bytes(text *t, const char *s, size_t n)
{
    grow(t->len + n + 1);
    memcpy(g_buf + t->len, s, n);
    t->len += n;
}

static void put_quoted(text *t, const char *s)
{
    put_bytes(t, "\"", 1);
    for (; *s; s++) put_bytes(t, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    put_bytes(t, "\"", 1);
}

/* t written as CSV: the header names quoted, the label column where it was, features as %.9g. */
static size_t write_back(const rm_csv_table *t)
{
    text o = {0};
    uint32_t cols = t->d + 1, lc = (uint32_t)t->label_column;
    for (uint32_t j = 0, k = 0; j < cols; j++) {
        if (j) put_bytes(&o, ",", 1);
        put_quoted(&o, j == lc ? t->label_name : t->feature_names[k++]);
    }
    put_bytes(&o, "\r\n", 2);
    char num[64];
    for (uint32_t i = 0; i < t->n; i++) {
        for (uint32_t j = 0, k = 0; j < cols; j++) {
            if (j) put_bytes(&o, ",", 1);
            if (j == lc) {
                if (t->class_names)
                    put_quoted(&o, t->class_names[t->y[i]]);
                else
                    put_bytes(&o, num, (size_t)snprintf(num, sizeof num, "%u", t->y[i]));
            } else {
                put_bytes(&o, num, (size_t)snprintf(num, sizeof num, "%.9g", (double)t->x[(size_t)i * t->d + k++]));
            }
        }
        if (i + 1 < t->n) put_bytes(&o, "\n", 1);
    }
    return o.len;
}

/* a and b hold the same table. */
static void same_table(const rm_csv_table *a, const rm_csv_table *b, const char *what)
{
    FZ_CHECK(a->n == b->n && a->d == b->d && a->classes == b->classes, "%s: shape %u x %u, %d classes vs %u x %u, %d",
             what, a->n, a->d, a->classes, b->n, b->d, b->classes);
    FZ_CHECK(a->label_column == b->label_column && !strcmp(a->label_name, b->label_name), "%s: label column differs",
             what);
    FZ_CHECK(!memcmp(a->x, b->x, (size_t)a->n * a->d * sizeof(float)), "%s: features differ", what);
    FZ_CHECK(!memcmp(a->y, b->y, (size_t)a->n * sizeof(uint16_t)), "%s: labels differ", what);
    for (uint32_t k = 0; k < a->d; k++)
        FZ_CHECK(!strcmp(a->feature_names[k], b->feature_names[k]), "%s: feature name %u differs", what, k);
    FZ_CHECK(!a->class_names == !b->class_names, "%s: one has class names, the other not", what);
    for (int c = 0; a->class_names && c < a->classes; c++)
        FZ_CHECK(!strcmp(a->class_names[c], b->class_names[c]), "%s: class name %d differs", what, c);
}

static void check_failure(int rc, const rm_err *e, const rm_csv_table *t, const char *path, const char *what)
{
    FZ_CHECK(rc == e->code, "%s: returned %d but recorded code %d", what, rc, e->code);
    fz_check_err(e, RM_ERR_IO, what);
    FZ_CHECK(fz_names(e->msg, path), "%s: message does not start with the path: %s", what, e->msg);
    FZ_CHECK(!t->x && !t->y && !t->feature_names && !t->class_names && !t->label_name && !t->n && !t->d &&
                 !t->classes,
             "%s: a failure left the table filled: %s", what, e->msg);
}

/* The invariants of an accepted table. */
static void check_table(const rm_csv_table *t)
{
    FZ_CHECK(t->n >= 1 && t->d >= 1 && t->x && t->y, "accepted with n %u, d %u", t->n, t->d);
    FZ_CHECK(t->classes >= 2 && t->classes <= RM_CSV_MAX_CLASSES, "accepted with %d classes", t->classes);
    FZ_CHECK(t->label_name && t->feature_names && t->label_column >= 0 && (uint32_t)t->label_column <= t->d,
             "names or label column %d missing", t->label_column);
    for (size_t i = 0; i < (size_t)t->n * t->d; i++) FZ_CHECK(isfinite(t->x[i]), "feature value %zu is %g", i, t->x[i]);
    uint32_t *count = calloc((size_t)t->classes, sizeof *count);
    for (uint32_t i = 0; i < t->n; i++) {
        FZ_CHECK(t->y[i] < t->classes, "label %u at row %u with %d classes", t->y[i], i, t->classes);
        count[t->y[i]]++;
    }
    for (int c = 0; c < t->classes; c++) FZ_CHECK(count[c] > 0, "class %d has no rows", c);
    for (int c = 1; t->class_names && c < t->classes; c++)
        FZ_CHECK(strcmp(t->class_names[c - 1], t->class_names[c]) < 0, "class names %d, %d not ascending", c - 1, c);
    free(count);
}

/* For a plain payload with no quote, CR or NUL: split it on LF and commas and compare. */
static void naive_oracle(const rm_csv_table *t, const uint8_t *p, size_t n)
{
    if (memchr(p, '"', n) || memchr(p, '\r', n) || memchr(p, '\0', n)) return;
    if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) return;
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    size_t rows = 0;
    char *line = strchr(s, '\n'); /* skip the header */
    FZ_CHECK(line, "accepted a file of one line");
    line++;
    while (*line) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        uint32_t j = 0, k = 0;
        for (char *f = line;; j++) {
            char *comma = strchr(f, ',');
            if (comma) *comma = '\0';
            if (j != (uint32_t)t->label_column) {
                FZ_CHECK(k < t->d && rows < t->n, "oracle: more values than the table holds");
                float v = (float)strtod(f, NULL);
                FZ_CHECK(!memcmp(&v, &t->x[rows * t->d + k], sizeof v), "oracle: row %zu feature %u: '%s' -> %a, table %a",
                         rows, k, f, (double)v, (double)t->x[rows * t->d + k]);
                k++;
            }
            if (!comma) break;
            f = comma + 1;
        }
        FZ_CHECK(j == t->d, "oracle: row %zu has %u fields, table %u", rows, j + 1, t->d + 1);
        rows++;
        if (!end) break;
        line = end + 1;
    }
    FZ_CHECK(rows == t->n, "oracle: %zu rows, table %u", rows, t->n);
    free(s);
}

static void check_split(const rm_csv_table *t, double fraction)
{
    uint32_t *tr, *te, ntr, nte;
    rm_err e = {0};
    int rc = rm_csv_split_stratified(t->y, t->n, t->classes, fraction, 7, &tr, &ntr, &te, &nte, &e);
    uint32_t *count = calloc((size_t)t->classes, sizeof *count), *want = calloc((size_t)t->classes, sizeof *want),
             *got = calloc((size_t)t->classes, sizeof *got);
    for (uint32_t i = 0; i < t->n; i++) count[t->y[i]]++;
    rm_csv_split_counts(count, t->classes, fraction, want);
    uint32_t total = 0;
    for (int c = 0; c < t->classes; c++) total += want[c];
    if (rc) {
        FZ_CHECK(rc == RM_ERR_USAGE && total == 0, "split failed (%d): %s", rc, e.msg);
        FZ_CHECK(!tr && !te, "a failed split left arrays");
    } else {
        FZ_CHECK(ntr + nte == t->n && nte == total, "split %u + %u of %u rows, %u wanted in test", ntr, nte, t->n, total);
        uint8_t *seen = calloc(t->n, 1);
        for (uint32_t i = 0; i < nte; i++) {
            FZ_CHECK(te[i] < t->n && (i == 0 || te[i - 1] < te[i]), "test indices not ascending in range");
            seen[te[i]]++;
            got[t->y[te[i]]]++;
        }
        for (uint32_t i = 0; i < ntr; i++) {
            FZ_CHECK(tr[i] < t->n && (i == 0 || tr[i - 1] < tr[i]), "train indices not ascending in range");
            seen[tr[i]]++;
        }
        for (uint32_t i = 0; i < t->n; i++) FZ_CHECK(seen[i] == 1, "row %u is in %u sides", i, seen[i]);
        for (int c = 0; c < t->classes; c++) {
            FZ_CHECK(got[c] == want[c], "class %d: %u test rows, %u wanted", c, got[c], want[c]);
            FZ_CHECK(want[c] <= count[c] && (count[c] < 2 || (want[c] >= 1 && want[c] < count[c])),
                     "class %d of %u rows: %u to test", c, count[c], want[c]);
        }
        free(seen);
        rm_free(tr);
        rm_free(te);
    }
    free(count);
    free(want);
    free(got);

    double *mean = malloc(t->d * sizeof *mean), *sd = malloc(t->d * sizeof *sd);
    rm_csv_feature_stats(t->x, t->n, t->d, NULL, 0, mean, sd);
    for (uint32_t j = 0; j < t->d; j++)
        FZ_CHECK(isfinite(mean[j]) && isfinite(sd[j]) && sd[j] > 0, "feature %u: mean %g, std %g", j, mean[j], sd[j]);
    free(mean);
    free(sd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_file_open(&g_in, "csv");
    fz_file_open(&g_back, "csvback");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int gz = data[0] & 1, mode = (data[0] >> 1) & 3, again = (data[0] >> 3) & 1;
    double fraction = (data[1] % 99 + 1) / 100.0;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    if (gz) {
        size_t len = gzip_to_buf(p, n);
        fz_file_set(&g_in, g_buf, len);
    } else {
        fz_file_set(&g_in, p, n);
    }
    rm_csv_opts o = RM_CSV_OPTS_INIT;
    if (mode == 1) o.label_index = 0;
    if (mode == 2) o.label = "label";
    if (mode == 3) o.label_index = (int8_t)data[1];

    rm_csv_table t;
    rm_err e = {0};
    int rc = rm_csv_read(&t, g_in.path, &o, &e);
    if (fz_verbose())
        fprintf(stderr, "fuzz_csv: gz %d mode %d: %s%s\n", gz, mode, rc ? "error: " : "ok", rc ? e.msg : "");
    if (rc) {
        check_failure(rc, &e, &t, g_in.path, "csv");
        return 0;
    }
    check_table(&t);
    if (!gz) naive_oracle(&t, p, n);

    /* read like itself: the same table */
    if (again) {
        rm_csv_opts lo = o;
        lo.like = &t;
        rm_csv_table u;
        rc = rm_csv_read(&u, g_in.path, &lo, &e);
        FZ_CHECK(rc == RM_OK, "read like itself: %s", e.msg);
        same_table(&t, &u, "read like itself");
        rm_csv_free(&u);
    }

    /* written back and read again: the same table */
    size_t back_len = write_back(&t); /* before g_buf is read: writing grows it */
    fz_file_set(&g_back, g_buf, back_len);
    rm_csv_opts bo = RM_CSV_OPTS_INIT;
    bo.label_index = t.label_column;
    rm_csv_table b;
    rc = rm_csv_read(&b, g_back.path, &bo, &e);
    FZ_CHECK(rc == RM_OK, "written back: %s", e.msg);
    same_table(&t, &b, "written back");
    rm_csv_free(&b);

    check_split(&t, fraction);
    rm_csv_free(&t);
    FZ_CHECK(!t.x && !t.y && !t.n, "rm_csv_free left the table filled");
    return 0;
}
