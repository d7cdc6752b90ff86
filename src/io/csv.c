/* csv.c - a strict RFC 4180 CSV reader for tabular classification data (plain or gzip through zlib),
 * a stratified seeded split and per-feature standardization statistics. The format is described in
 * rm_csv.h.
 *
 * The whole (decompressed) file is read into one buffer, grown geometrically up to RM_CSV_MAX_BYTES,
 * then parsed in one pass. Quoted fields are unescaped in place (the unescaped text is never longer),
 * numbers are read by strtod on a temporarily NUL-terminated field. The row count is bounded above by
 * the number of LFs + 1, so the feature matrix is allocated once. Nothing in the file is trusted: every
 * error is an RM_ERR_IO message of one line naming the file, the line and the column. */
#define _POSIX_C_SOURCE 200809L
#include "rm_csv.h"
#include "rm_gzfile.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rm_rng.h"

/* ---------------------------------------------------------------------------------------------- */
/* Reading the file */

/* A gzip file's buffer starts at GZ_RATIO times its compressed size (at least GZ_START) and doubles. */
#define GZ_START ((size_t)1 << 16)
#define GZ_RATIO 8

/* The whole file at path, decompressed if gzip, into *out (malloc, NUL-terminated at *len). */
static int read_all(const char *path, char **out, size_t *len, rm_err *e)
{
    *out = NULL;
    *len = 0;
    struct stat st;
    gzFile f = rm_gzopen(path, &st, e);
    if (!f) return e->code;
    size_t packed = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 0;
    size_t cap = GZ_START;
    if (packed > 0 && gzdirect(f))
        cap = packed + 1; /* a raw file: its size, plus one byte to see that it ends there */
    else if (packed > GZ_START / GZ_RATIO)
        cap = packed < RM_CSV_MAX_BYTES / GZ_RATIO ? packed * GZ_RATIO : RM_CSV_MAX_BYTES + 1;
    if (cap > RM_CSV_MAX_BYTES + 1) cap = RM_CSV_MAX_BYTES + 1;
    char *buf = malloc(cap + 1);
    size_t have = 0;
    int rc = RM_OK;
    if (!buf) {
        rc = rm_fail(e, RM_ERR_RUN, "out of memory: %s (%zu bytes)", path, cap + 1);
        goto out;
    }
    for (;;) {
        if (have == cap) {
            if (cap > RM_CSV_MAX_BYTES) {
                rc = rm_fail(e, RM_ERR_IO, "%s: larger than %zu bytes (1 GiB)%s, the CSV reader's limit", path,
                             (size_t)RM_CSV_MAX_BYTES, gzdirect(f) ? "" : " uncompressed");
                goto out;
            }
            size_t next = cap > RM_CSV_MAX_BYTES / 2 ? RM_CSV_MAX_BYTES + 1 : 2 * cap;
            char *grown = realloc(buf, next + 1);
            if (!grown) {
                rc = rm_fail(e, RM_ERR_RUN, "out of memory: %s (%zu bytes)", path, next + 1);
                goto out;
            }
            buf = grown;
            cap = next;
        }
        size_t ask = cap - have;
        int got = gzread(f, buf + have, ask > (1u << 30) ? (1u << 30) : (unsigned)ask);
        int zerr;
        if (got < 0) {
            const char *msg = rm_gz_msg(f, path, &zerr);
            rc = rm_fail(e, RM_ERR_IO, "%s: corrupt or unreadable (%s)", path, msg);
            goto out;
        }
        if (got == 0) {
            const char *msg = rm_gz_msg(f, path, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END) {
                rc = rm_fail(e, RM_ERR_IO, "%s: corrupt or truncated gzip data (%s)", path, msg);
                goto out;
            }
            break;
        }
        have += (size_t)got;
    }
out:
    if (gzclose_r(f) != Z_OK && rc == RM_OK) rc = rm_fail(e, RM_ERR_IO, "%s: corrupt gzip data (bad trailer)", path);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[have] = '\0';
    *out = buf;
    *len = have;
    return RM_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Fields */

/* A byte string in the buffer. */
typedef struct span {
    const char *s;
    uint32_t n;
    uint32_t row; /* for label sorting: the row it came from */
} span;

/* The parser's position in the buffer. */
typedef struct parser {
    char *b;          /* the file, writable: quoted fields are unescaped in place; b[len] is writable */
    size_t len;
    const char *path;
    size_t pos;       /* next byte */
    uint32_t line;    /* physical line of pos, 1-based */
    size_t rec_start; /* where the current record starts */
    uint32_t rec_line;
    const struct span *head; /* (ncols) the header's names once read, for messages; NULL while reading it */
    uint32_t ncols;
    rm_err *e;
} parser;

/* What ended a field. */
enum { END_COMMA, END_LINE, END_FILE };

/* A field: its (unescaped) bytes b[start, start + n). */
typedef struct field {
    size_t start, n;
    int quoted;
    int end; /* END_* */
} field;

/* s (n bytes) made fit for a one-line message: at most 40 bytes, then "..." (rm_fail escapes controls). */
static const char *show(char out[48], const char *s, size_t n)
{
    size_t k = n > 40 ? 40 : n;
    memcpy(out, s, k);
    if (n > 40)
        memcpy(out + k, "...", 4);
    else
        out[k] = '\0';
    for (size_t i = 0; i < k; i++)
        if (out[i] == '\0') out[i] = '?';
    return out;
}

/* "line L, column C" (the record's first line), with the column's name once the header is read. */
static const char *where(char out[128], const parser *p, uint32_t col)
{
    char nm[48];
    if (p->head && col < p->ncols)
        snprintf(out, 128, "line %u, column %u (%s)", p->rec_line, col + 1,
                 show(nm, p->head[col].s, p->head[col].n > 24 ? 24 : p->head[col].n));
    else
        snprintf(out, 128, "line %u, column %u", p->rec_line, col + 1);
    return out;
}

/* Parse the field at p->pos (column col of the current record) into f and move past its delimiter. */
static int next_field(parser *p, uint32_t col, field *f)
{
    char *b = p->b, loc[128];
    /* the record's content may end at max_end at the latest; scanning stops one byte past it */
    size_t r = p->pos, max_end = p->rec_start + RM_CSV_MAX_LINE, limit = max_end + 1;
    if (limit > p->len) limit = p->len;
    f->start = r;
    f->quoted = r < p->len && b[r] == '"';
    uint32_t open_line = p->line;
    if (f->quoted) {
        size_t w = r++;
        for (;;) {
            if (r >= limit) {
                if (r > max_end) break; /* too long: reported below */
                return rm_fail(p->e, RM_ERR_IO, "%s: %s: unterminated quoted field (it opens at line %u and runs to "
                               "the end of the file)", p->path, where(loc, p, col), open_line);
            }
            char c = b[r];
            if (c == '"') {
                if (r + 1 < p->len && b[r + 1] == '"') {
                    b[w++] = '"';
                    r += 2;
                    continue;
                }
                r++;
                break;
            }
            if (c == '\0')
                return rm_fail(p->e, RM_ERR_IO, "%s: line %u: NUL byte (is this a text file?)", p->path, p->line);
            if (c == '\n') p->line++;
            b[w++] = c;
            r++;
        }
        f->n = w - f->start;
        if (r > max_end)
            return rm_fail(p->e, RM_ERR_IO,
                           "%s: line %u: record longer than %zu bytes (1 MiB), in a quoted field that opens at line "
                           "%u, column %u (an unterminated quote?)",
                           p->path, p->rec_line, (size_t)RM_CSV_MAX_LINE, open_line, col + 1);
        if (r < p->len && b[r] != ',' && b[r] != '\n' && !(b[r] == '\r' && r + 1 < p->len && b[r + 1] == '\n')) {
            char s[48];
            return rm_fail(p->e, RM_ERR_IO, "%s: %s: '%s' after the closing quote of a quoted field (expected a "
                           "comma or the line end; a quote inside a quoted field is written \"\")",
                           p->path, where(loc, p, col), show(s, b + r, 1));
        }
    } else {
        while (r < limit) {
            char c = b[r];
            if (c == ',' || c == '\n' || c == '\r' || c == '"' || c == '\0') break;
            r++;
        }
        if (r > max_end)
            return rm_fail(p->e, RM_ERR_IO, "%s: line %u: record longer than %zu bytes (1 MiB)", p->path, p->rec_line,
                           (size_t)RM_CSV_MAX_LINE);
        f->n = r - f->start;
        if (r < p->len && b[r] == '"')
            return rm_fail(p->e, RM_ERR_IO, "%s: %s: stray quote inside an unquoted field (quote the whole field, "
                           "and write a quote inside it as \"\")", p->path, where(loc, p, col));
        if (r < p->len && b[r] == '\0')
            return rm_fail(p->e, RM_ERR_IO, "%s: line %u: NUL byte (is this a text file?)", p->path, p->line);
        if (r < p->len && b[r] == '\r' && !(r + 1 < p->len && b[r + 1] == '\n'))
            return rm_fail(p->e, RM_ERR_IO, "%s: %s: carriage return (CR) not followed by a line feed (LF): lines "
                           "must end in LF or CRLF", p->path, where(loc, p, col));
    }
    if (r >= p->len) {
        f->end = END_FILE;
    } else if (b[r] == ',') {
        f->end = END_COMMA;
        r++;
    } else {
        f->end = END_LINE;
        r += b[r] == '\r' ? 2 : 1;
        p->line++;
    }
    p->pos = r;
    return RM_OK;
}

/* s[0, n) is a decimal number: [+-] (digits [. digits*] | . digits) [eE [+-] digits]. */
static int is_number(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    }
    if (digits == 0) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, ed++;
        if (ed == 0) return 0;
    }
    return i == n;
}

/* s[0, n) spells NaN or Inf as strtod would take them (any case, a sign, "nan(...)"). */
static int is_nan_inf(const char *s, size_t n)
{
    if (n > 0 && (s[0] == '+' || s[0] == '-')) s++, n--;
    char low[9] = {0};
    for (size_t i = 0; i < n && i < 8; i++) low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    if (n == 3 && (!strcmp(low, "nan") || !strcmp(low, "inf"))) return 1;
    if (n == 8 && !strcmp(low, "infinity")) return 1;
    return n >= 5 && !strncmp(low, "nan(", 4) && s[n - 1] == ')';
}

/* The value of the decimal number b[start, start + n) (is_number holds); b[start + n] is writable. */
static double number_at(char *b, size_t start, size_t n)
{
    char keep = b[start + n];
    b[start + n] = '\0';
    double v = strtod(b + start, NULL);
    b[start + n] = keep;
    return v;
}

/* s[0, n) is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
static int is_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k) return 0;
        unsigned cp = c & (0x3fu >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + j] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += k + 1;
    }
    return 1;
}

/* s[0, n) is an unsigned decimal integer of at most 9 digits: its value, else -1. */
static long digits_value(const char *s, size_t n)
{
    if (n == 0 || n > 9) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = 10 * v + (s[i] - '0');
    }
    return v;
}

/* ---------------------------------------------------------------------------------------------- */
/* Names */

static int span_cmp(const span *a, const span *b)
{
    int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

static int span_qsort(const void *a, const void *b)
{
    const span *x = a, *y = b;
    int c = span_cmp(x, y);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* One allocation holding k pointers then the k NUL-terminated strings they point to (free() it). */
static char **names_block(const span *v, size_t k, rm_err *e)
{
    size_t bytes = k * sizeof(char *);
    for (size_t i = 0; i < k; i++) bytes += (size_t)v[i].n + 1;
    char **out = malloc(bytes ? bytes : 1);
    if (!out) {
        rm_fail(e, RM_ERR_RUN, "out of memory: CSV names (%zu bytes)", bytes);
        return NULL;
    }
    char *p = (char *)(out + k);
    for (size_t i = 0; i < k; i++) {
        out[i] = p;
        memcpy(p, v[i].s, v[i].n);
        p[v[i].n] = '\0';
        p += (size_t)v[i].n + 1;
    }
    return out;
}

/* A copy of another table's names block (k names). */
static char **names_copy(char *const *names, size_t k, rm_err *e)
{
    span *v = malloc((k ? k : 1) * sizeof *v);
    if (!v) {
        rm_fail(e, RM_ERR_RUN, "out of memory: CSV names");
        return NULL;
    }
    for (size_t i = 0; i < k; i++) v[i] = (span){names[i], (uint32_t)strlen(names[i]), 0};
    char **out = names_block(v, k, e);
    free(v);
    return out;
}

/* ---------------------------------------------------------------------------------------------- */
/* The table */

/* The state of one read, freed by read_free. */
typedef struct reader {
    parser p;
    span *head;         /* (ncols) the header's names */
    uint32_t ncols;
    uint32_t label_col;
    char **feat_names;  /* (d) NUL-terminated, for messages and the table */
    float *x;           /* (rows_cap, d) */
    uint16_t *y;        /* (rows_cap) */
    span *labels;       /* (rows_cap) string labels, allocated at the first one */
    size_t rows_cap;
    /* label kinds seen, for the mixed-labels error: the first of each */
    uint32_t num_line, str_line;
    char num_text[48], str_text[48];
    uint32_t max_label;
    int sklearn;        /* the header starts with two integers, as scikit-learn's "150,4,setosa,..." line */
} reader;

static void read_free(reader *r)
{
    free(r->p.b);
    free(r->head);
    free(r->feat_names);
    rm_free(r->x);
    rm_free(r->y);
    free(r->labels);
}

/* The header: names, the label column, the checks; allocates the feature matrix. */
static int read_header(reader *r, const rm_csv_opts *o)
{
    parser *p = &r->p;
    rm_err *e = p->e;
    const char *path = p->path;
    char s1[48], s2[48];
    if (p->len >= 3 && memcmp(p->b, "\xef\xbb\xbf", 3) == 0) p->pos = 3; /* a UTF-8 byte order mark */
    if (p->pos >= p->len)
        return rm_fail(e, RM_ERR_IO, "%s: empty file (a header row of column names is required)", path);
    size_t cap = 16;
    r->head = malloc(cap * sizeof *r->head);
    if (!r->head) return rm_fail(e, RM_ERR_RUN, "out of memory: %s header", path);
    p->rec_start = p->pos;
    p->rec_line = p->line;
    field f;
    do {
        if (next_field(p, r->ncols, &f)) return e->code;
        if (r->ncols == 0 && !f.quoted && f.n == 0 && f.end != END_COMMA)
            return rm_fail(e, RM_ERR_IO, "%s: line 1 is blank (a header row of column names is required; blank lines "
                           "are not allowed)", path);
        if (r->ncols == cap) {
            span *g = realloc(r->head, 2 * cap * sizeof *g);
            if (!g) return rm_fail(e, RM_ERR_RUN, "out of memory: %s header", path);
            r->head = g;
            cap *= 2;
        }
        r->head[r->ncols++] = (span){p->b + f.start, (uint32_t)f.n, 0};
    } while (f.end == END_COMMA);
    /* each name: not empty, UTF-8; NUL-terminated in place is not possible (the delimiter follows), so the
     * names are copied below */
    for (uint32_t j = 0; j < r->ncols; j++) {
        if (r->head[j].n == 0)
            return rm_fail(e, RM_ERR_IO, "%s: line 1, column %u: empty column name in the header (every column "
                           "needs a name)", path, j + 1);
        if (!is_utf8(r->head[j].s, r->head[j].n))
            return rm_fail(e, RM_ERR_IO, "%s: line 1, column %u: column name '%s' is not valid UTF-8", path, j + 1,
                           show(s1, r->head[j].s, r->head[j].n));
    }
    /* the label column */
    if (o->label) {
        size_t ln = strlen(o->label);
        uint32_t j = 0;
        while (j < r->ncols && !(r->head[j].n == ln && memcmp(r->head[j].s, o->label, ln) == 0)) j++;
        if (j == r->ncols) {
            char list[160] = "", nm[48];
            size_t k = 0;
            for (uint32_t i = 0; i < r->ncols && k < 100; i++)
                k += (size_t)snprintf(list + k, sizeof list - k, "%s'%s'", i ? ", " : "",
                                      show(nm, r->head[i].s, r->head[i].n > 24 ? 24 : r->head[i].n));
            return rm_fail(e, RM_ERR_IO, "%s: no column named '%s' for the label (the header has %u columns: %s%s)",
                           path, show(s2, o->label, ln), r->ncols, list, k >= 100 ? ", ..." : "");
        }
        r->label_col = j;
    } else {
        long long j = o->label_index < 0 ? (long long)r->ncols + o->label_index : o->label_index;
        if (j < 0 || j >= r->ncols)
            return rm_fail(e, RM_ERR_IO, "%s: label column index %d is out of range: the header has %u columns "
                           "(0 to %u, or -1 to -%u from the end)", path, o->label_index, r->ncols, r->ncols - 1,
                           r->ncols);
        r->label_col = (uint32_t)j;
    }
    if (r->ncols < 2)
        return rm_fail(e, RM_ERR_IO, "%s: the header has only the label column '%s': at least one feature column "
                       "is needed", path, show(s1, r->head[0].s, r->head[0].n));
    /* distinct names */
    span *sorted = malloc(r->ncols * sizeof *sorted);
    if (!sorted) return rm_fail(e, RM_ERR_RUN, "out of memory: %s header", path);
    for (uint32_t j = 0; j < r->ncols; j++) sorted[j] = (span){r->head[j].s, r->head[j].n, j};
    qsort(sorted, r->ncols, sizeof *sorted, span_qsort);
    for (uint32_t j = 1; j < r->ncols; j++)
        if (span_cmp(&sorted[j - 1], &sorted[j]) == 0) {
            uint32_t a = sorted[j - 1].row, b = sorted[j].row;
            free(sorted);
            return rm_fail(e, RM_ERR_IO, "%s: line 1: duplicate column name '%s' (columns %u and %u)", path,
                           show(s1, r->head[a].s, r->head[a].n), a + 1, b + 1);
        }
    free(sorted);
    /* scikit-learn's own data files start with "rows,features,class names...": not a header */
    long features = digits_value(r->head[1].s, r->head[1].n);
    r->sklearn = r->ncols >= 3 && digits_value(r->head[0].s, r->head[0].n) >= 0 && features >= 0;
    if (r->sklearn && features == (long)r->ncols - 1)
        return rm_fail(e, RM_ERR_IO, "%s: line 1 ('%s,%s,...') looks like the first line of a scikit-learn data file "
                       "(rows, features, class names), not a header of column names; scripts/get-data.sh converts "
                       "those", path, show(s1, r->head[0].s, r->head[0].n), show(s2, r->head[1].s, r->head[1].n));
    /* a header of numbers is a data row: the header is missing */
    uint32_t d = r->ncols - 1, numeric = 0;
    for (uint32_t j = 0; j < r->ncols; j++)
        if (j != r->label_col) numeric += (uint32_t)is_number(r->head[j].s, r->head[j].n);
    if (numeric == d) {
        uint32_t j0 = r->label_col == 0 ? 1 : 0;
        return rm_fail(e, RM_ERR_IO, "%s: line 1: the feature columns' names are all numbers ('%s', ...): a header "
                       "row of column names is required (is it missing?)", path,
                       show(s1, r->head[j0].s, r->head[j0].n));
    }
    /* feature names, NUL-terminated */
    span *fs = malloc(d * sizeof *fs);
    if (!fs) return rm_fail(e, RM_ERR_RUN, "out of memory: %s header", path);
    for (uint32_t j = 0, k = 0; j < r->ncols; j++)
        if (j != r->label_col) fs[k++] = r->head[j];
    r->feat_names = names_block(fs, d, e);
    free(fs);
    if (!r->feat_names) return e->code;
    /* a file read like another: the same feature columns */
    const rm_csv_table *like = o->like;
    if (like) {
        if (like->d != d)
            return rm_fail(e, RM_ERR_IO, "%s: %u feature columns, but the training data has %u", path, d, like->d);
        for (uint32_t k = 0; k < d; k++)
            if (strcmp(r->feat_names[k], like->feature_names[k]) != 0)
                return rm_fail(e, RM_ERR_IO, "%s: feature column %u is '%s', but the training data's is '%s'", path,
                               k + 1, show(s1, r->feat_names[k], strlen(r->feat_names[k])),
                               show(s2, like->feature_names[k], strlen(like->feature_names[k])));
    }
    /* rows: at most one per LF after the header, plus one without a final line end */
    size_t rows = 1;
    for (const char *q = p->b + p->pos, *end = p->b + p->len; (q = memchr(q, '\n', (size_t)(end - q))); q++) rows++;
    size_t most = RM_CSV_MAX_VALUES / d;
    r->rows_cap = rows < most ? rows : most;
    r->x = rm_alloc(r->rows_cap * d, sizeof(float), path, e);
    r->y = r->x ? rm_alloc(r->rows_cap, sizeof(uint16_t), path, e) : NULL;
    p->head = r->head;
    p->ncols = r->ncols;
    return r->y ? RM_OK : e->code;
}

/* A label field of row i: check it and keep it (y for numbers, labels for strings). */
static int read_label(reader *r, const rm_csv_opts *o, uint32_t i, const field *f)
{
    parser *p = &r->p;
    rm_err *e = p->e;
    const char *s = p->b + f->start, *path = p->path;
    char loc[128], s1[48];
    const rm_csv_table *like = o->like;
    where(loc, p, r->label_col);
    if (f->n == 0) return rm_fail(e, RM_ERR_IO, "%s: %s: empty label", path, loc);
    if (like && like->class_names) { /* the training data's class names */
        int lo = 0, hi = like->classes - 1;
        while (lo <= hi) {
            int mid = lo + (hi - lo) / 2;
            span a = {s, (uint32_t)f->n, 0}, b = {like->class_names[mid], (uint32_t)strlen(like->class_names[mid]), 0};
            int c = span_cmp(&a, &b);
            if (c == 0) {
                r->y[i] = (uint16_t)mid;
                return RM_OK;
            }
            if (c < 0)
                hi = mid - 1;
            else
                lo = mid + 1;
        }
        return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is not one of the training data's %d classes", path, loc,
                       show(s1, s, f->n), like->classes);
    }
    if (is_number(s, f->n)) {
        double v = number_at(p->b, f->start, f->n);
        if (v != floor(v) || !isfinite(v))
            return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is not an integer: numeric labels must be the integers 0 to "
                           "K-1", path, loc, show(s1, s, f->n));
        if (v < 0)
            return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is negative: integer labels must be 0 to K-1", path, loc,
                           show(s1, s, f->n));
        double top = like ? like->classes - 1 : RM_CSV_MAX_CLASSES - 1;
        if (v > top) {
            if (like)
                return rm_fail(e, RM_ERR_IO, "%s: %s: label %s is out of range: the training data has %d classes "
                               "(0 to %d)", path, loc, show(s1, s, f->n), like->classes, like->classes - 1);
            return rm_fail(e, RM_ERR_IO, "%s: %s: label %s is out of range: at most %d classes (0 to %d)", path, loc,
                           show(s1, s, f->n), RM_CSV_MAX_CLASSES, RM_CSV_MAX_CLASSES - 1);
        }
        r->y[i] = (uint16_t)v;
        if (r->y[i] > r->max_label) r->max_label = r->y[i];
        if (!r->num_line) {
            r->num_line = p->rec_line;
            show(r->num_text, s, f->n);
        }
        return RM_OK;
    }
    if (like)
        return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is not an integer: the training data has integer labels (0 to %d)",
                       path, loc, show(s1, s, f->n), like->classes - 1);
    if (!is_utf8(s, f->n))
        return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is not valid UTF-8", path, loc, show(s1, s, f->n));
    if (!r->labels) {
        r->labels = malloc(r->rows_cap * sizeof *r->labels);
        if (!r->labels) return rm_fail(e, RM_ERR_RUN, "out of memory: %s labels", path);
    }
    r->labels[i] = (span){s, (uint32_t)f->n, i};
    if (!r->str_line) {
        r->str_line = p->rec_line;
        show(r->str_text, s, f->n);
    }
    return RM_OK;
}

#define FLT_MAX_ROUND 0x1.ffffffp127

/* A feature field: a finite decimal number that fits a float. */
static int read_feature(parser *p, uint32_t col, const field *f, float *out)
{
    const char *s = p->b + f->start;
    char loc[128], s1[48];
    if (!is_number(s, f->n)) {
        where(loc, p, col);
        if (f->n == 0) return rm_fail(p->e, RM_ERR_IO, "%s: %s: empty field, expected a number", p->path, loc);
        if (is_nan_inf(s, f->n))
            return rm_fail(p->e, RM_ERR_IO, "%s: %s: '%s': NaN and Inf are not allowed", p->path, loc,
                           show(s1, s, f->n));
        return rm_fail(p->e, RM_ERR_IO, "%s: %s: '%s' is not a number (a decimal like -1.5e3, without spaces)",
                       p->path, loc, show(s1, s, f->n));
    }
    double v = number_at(p->b, f->start, f->n);
    /* FLT_MAX_ROUND: 2^128 - 2^103, halfway between FLT_MAX and 2^128: from there on a value rounds to Inf */
    if (!(fabs(v) < FLT_MAX_ROUND))
        return rm_fail(p->e, RM_ERR_IO, "%s: %s: '%s' is out of the float range (it rounds to infinity; the largest "
                       "float is 3.40282347e+38)", p->path, where(loc, p, col), show(s1, s, f->n));
    /* below the midpoint a value over FLT_MAX rounds to FLT_MAX: done by hand, as C leaves converting a
     * double outside the float range undefined */
    *out = v > FLT_MAX ? FLT_MAX : v < -FLT_MAX ? -FLT_MAX : (float)v;
    return RM_OK;
}

/* The ragged first row of a file whose first line looks like scikit-learn's. */
#define SKLEARN_HINT "; line 1 looks like the first line of a scikit-learn data file (rows, features, class names), " \
                     "not a header of column names: scripts/get-data.sh converts those"

/* Every data row. */
static int read_rows(reader *r, const rm_csv_opts *o, uint32_t *n_out)
{
    parser *p = &r->p;
    rm_err *e = p->e;
    const uint32_t d = r->ncols - 1;
    uint32_t n = 0;
    field f;
    while (p->pos < p->len) {
        p->rec_start = p->pos;
        p->rec_line = p->line;
        if ((size_t)n == r->rows_cap)
            return rm_fail(e, RM_ERR_IO, "%s: line %u: more than %zu feature values (%zu rows of %u), the CSV "
                           "reader's limit", p->path, p->rec_line, (size_t)RM_CSV_MAX_VALUES, r->rows_cap, d);
        float *xr = r->x + (size_t)n * d;
        uint32_t j = 0, k = 0;
        do {
            if (next_field(p, j, &f)) return e->code;
            if (j == 0 && !f.quoted && f.n == 0 && f.end != END_COMMA)
                return rm_fail(e, RM_ERR_IO, "%s: line %u is blank (blank lines are not allowed)", p->path,
                               p->rec_line);
            if (j >= r->ncols) {
                while (f.end == END_COMMA)
                    if (next_field(p, ++j, &f)) return e->code;
                return rm_fail(e, RM_ERR_IO, "%s: line %u: %u fields, but the header has %u (a ragged row)%s", p->path,
                               p->rec_line, j + 1, r->ncols, n == 0 && r->sklearn ? SKLEARN_HINT : "");
            }
            if (j == r->label_col) {
                if (read_label(r, o, n, &f)) return e->code;
            } else {
                if (read_feature(p, j, &f, &xr[k++])) return e->code;
            }
            j++;
        } while (f.end == END_COMMA);
        if (j < r->ncols)
            return rm_fail(e, RM_ERR_IO, "%s: line %u: %u field%s, but the header has %u (a ragged row)%s", p->path,
                           p->rec_line, j, j == 1 ? "" : "s", r->ncols, n == 0 && r->sklearn ? SKLEARN_HINT : "");
        n++;
    }
    if (n == 0) return rm_fail(e, RM_ERR_IO, "%s: no data rows: the file holds only the header", p->path);
    *n_out = n;
    return RM_OK;
}

/* Classes from the labels (no opts.like): integers 0..K-1 all present, or sorted distinct strings. */
static int make_classes(reader *r, rm_csv_table *t)
{
    parser *p = &r->p;
    rm_err *e = p->e;
    char s1[48];
    const char *lname = t->label_name;
    if (r->num_line && r->str_line)
        return rm_fail(e, RM_ERR_IO, "%s: label column '%s' mixes numbers (line %u: '%s') and strings (line %u: '%s'): "
                       "labels must be all integers 0 to K-1 or all class names", p->path,
                       show(s1, lname, strlen(lname)),
                       r->num_line, r->num_text, r->str_line, r->str_text);
    if (r->num_line) {
        uint32_t k = r->max_label + 1;
        uint32_t *count = calloc(k, sizeof *count);
        if (!count) return rm_fail(e, RM_ERR_RUN, "out of memory: %s classes", p->path);
        for (uint32_t i = 0; i < t->n; i++) count[t->y[i]]++;
        uint32_t present = 0, missing = k;
        for (uint32_t c = 0; c < k; c++) {
            present += count[c] > 0;
            if (!count[c] && missing == k) missing = c;
        }
        free(count);
        if (present < 2)
            return rm_fail(e, RM_ERR_IO, "%s: one class only: every one of the %u rows has label %u in column '%s' "
                           "(at least 2 classes are needed)", p->path, t->n, r->max_label,
                           show(s1, lname, strlen(lname)));
        if (missing < k)
            return rm_fail(e, RM_ERR_IO, "%s: label column '%s': no row has label %u, but the labels run to %u: "
                           "integer labels must be 0 to K-1 with every class present%s", p->path,
                           show(s1, lname, strlen(lname)), missing, r->max_label,
                           missing == 0 ? " (1-based labels?)" : "");
        t->classes = (int)k;
        return RM_OK;
    }
    /* strings: sort (label, row), number the distinct labels in order */
    span *v = r->labels; /* (n), sorted in place: the spans keep their rows */
    qsort(v, t->n, sizeof *v, span_qsort);
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (i > 0 && span_cmp(&v[i - 1], &v[i]) != 0) k++;
        if (k >= RM_CSV_MAX_CLASSES)
            return rm_fail(e, RM_ERR_IO, "%s: label column '%s' holds more than %d distinct labels, the most classes",
                           p->path, show(s1, lname, strlen(lname)), RM_CSV_MAX_CLASSES);
        t->y[v[i].row] = (uint16_t)k;
    }
    k++;
    if (k < 2)
        return rm_fail(e, RM_ERR_IO, "%s: one class only: every one of the %u rows has label '%s' in column '%s' (at "
                       "least 2 classes are needed)", p->path, t->n, r->str_text, show(s1, lname, strlen(lname)));
    /* the distinct names, in order: compact v to one span per class */
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->n; i++)
        if (i == 0 || span_cmp(&v[m - 1], &v[i]) != 0) v[m++] = v[i];
    t->class_names = names_block(v, m, e);
    if (!t->class_names) return e->code;
    t->classes = (int)k;
    return RM_OK;
}

int rm_csv_read(rm_csv_table *t, const char *path, const rm_csv_opts *opts, rm_err *e)
{
    static const rm_csv_opts defaults = RM_CSV_OPTS_INIT;
    const rm_csv_opts *o = opts ? opts : &defaults;
    memset(t, 0, sizeof *t);
    reader r;
    memset(&r, 0, sizeof r);
    r.p.path = path;
    r.p.line = 1;
    r.p.e = e;
    int rc = read_all(path, &r.p.b, &r.p.len, e);
    if (!rc) rc = read_header(&r, o);
    if (!rc) {
        t->d = r.ncols - 1;
        t->label_column = (int)r.label_col;
        t->label_name = malloc((size_t)r.head[r.label_col].n + 1);
        if (!t->label_name) rc = rm_fail(e, RM_ERR_RUN, "out of memory: %s", path);
    }
    if (!rc) {
        memcpy(t->label_name, r.head[r.label_col].s, r.head[r.label_col].n);
        t->label_name[r.head[r.label_col].n] = '\0';
        rc = read_rows(&r, o, &t->n);
    }
    if (!rc) {
        t->x = r.x;
        t->y = r.y;
        t->feature_names = r.feat_names;
        r.x = NULL;
        r.y = NULL;
        r.feat_names = NULL;
        if (o->like) {
            t->classes = o->like->classes;
            if (o->like->class_names) {
                t->class_names = names_copy(o->like->class_names, (size_t)o->like->classes, e);
                if (!t->class_names) rc = e->code;
            }
        } else {
            rc = make_classes(&r, t);
        }
    }
    read_free(&r);
    if (rc) rm_csv_free(t);
    return rc;
}

void rm_csv_free(rm_csv_table *t)
{
    rm_free(t->x);
    rm_free(t->y);
    free(t->class_names);
    free(t->feature_names);
    free(t->label_name);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------------------------------------- */
/* Split and statistics */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void rm_csv_split_counts(const uint32_t *class_count, int classes, double fraction, uint32_t *test_count)
{
    for (int c = 0; c < classes; c++) {
        uint32_t m = class_count[c];
        double want = fraction * (double)m;
        uint32_t t = want <= 0 ? 0 : want >= (double)m ? m : (uint32_t)llround(want);
        if (m >= 2) {
            if (t < 1) t = 1;
            if (t > m - 1) t = m - 1;
        } else {
            t = 0;
        }
        test_count[c] = t;
    }
}

int rm_csv_split_stratified(const uint16_t *y, uint32_t n, int classes, double fraction, uint64_t seed,
                            uint32_t **train, uint32_t *n_train, uint32_t **test, uint32_t *n_test, rm_err *e)
{
    *train = *test = NULL;
    *n_train = *n_test = 0;
    if (!(fraction > 0.0 && fraction < 1.0))
        return rm_fail(e, RM_ERR_USAGE, "data.test_fraction: must be in (0, 1), got %g", fraction);
    if (classes < 1 || classes > RM_CSV_MAX_CLASSES)
        return rm_fail(e, RM_ERR_RUN, "stratified split: %d classes (1 to %d)", classes, RM_CSV_MAX_CLASSES);
    size_t k = (size_t)classes;
    /* count (k), start (k + 1), quota (k), then byclass (n): one block */
    uint32_t *block = rm_alloc(3 * k + 1 + (size_t)n, sizeof(uint32_t), "split indices", e);
    if (!block) return e->code;
    uint32_t *count = block, *start = count + k, *quota = start + k + 1, *byclass = quota + k;
    for (uint32_t i = 0; i < n; i++) {
        if (y[i] >= classes) {
            rm_free(block);
            return rm_fail(e, RM_ERR_RUN, "stratified split: label %u of row %u is not below %d classes", y[i], i,
                           classes);
        }
        count[y[i]]++;
    }
    rm_csv_split_counts(count, classes, fraction, quota);
    uint32_t nt = 0;
    for (size_t c = 0; c < k; c++) {
        start[c + 1] = start[c] + count[c];
        nt += quota[c];
    }
    if (nt == 0) {
        rm_free(block);
        return rm_fail(e, RM_ERR_USAGE, "data.test_fraction: %g leaves no test rows (every class has a single row)",
                       fraction);
    }
    *test = rm_alloc(nt, sizeof(uint32_t), "test indices", e);
    *train = *test ? rm_alloc(n - nt, sizeof(uint32_t), "training indices", e) : NULL;
    if (!*train) {
        rm_free(*test);
        *test = NULL;
        rm_free(block);
        return e->code;
    }
    /* each class's rows ascending (a counting sort; count becomes the fill pointer), then shuffled */
    for (size_t c = 0; c < k; c++) count[c] = start[c];
    for (uint32_t i = 0; i < n; i++) byclass[count[y[i]]++] = i;
    rm_rng rng;
    rm_rng_seed(&rng, seed, RM_STREAM_TEST_SPLIT);
    uint32_t it = 0, iv = 0;
    for (size_t c = 0; c < k; c++) {
        uint32_t m = start[c + 1] - start[c], *rows = byclass + start[c];
        rm_rng_shuffle(&rng, rows, m);
        for (uint32_t j = 0; j < m; j++) {
            if (j < quota[c])
                (*test)[iv++] = rows[j];
            else
                (*train)[it++] = rows[j];
        }
    }
    rm_free(block);
    qsort(*train, it, sizeof(uint32_t), cmp_u32);
    qsort(*test, iv, sizeof(uint32_t), cmp_u32);
    *n_train = it;
    *n_test = iv;
    return RM_OK;
}

void rm_csv_feature_stats(const float *x, uint32_t n_all, uint32_t d, const uint32_t *rows, uint32_t n_rows,
                          double *mean, double *std)
{
    if (!rows) n_rows = n_all;
    for (uint32_t j = 0; j < d; j++) mean[j] = 0.0, std[j] = 0.0;
    if (n_rows == 0) {
        for (uint32_t j = 0; j < d; j++) std[j] = 1.0;
        return;
    }
    for (uint32_t i = 0; i < n_rows; i++) {
        const float *xr = x + (size_t)(rows ? rows[i] : i) * d; /* (d) */
        for (uint32_t j = 0; j < d; j++) mean[j] += xr[j];
    }
    for (uint32_t j = 0; j < d; j++) mean[j] /= n_rows;
    for (uint32_t i = 0; i < n_rows; i++) {
        const float *xr = x + (size_t)(rows ? rows[i] : i) * d;
        for (uint32_t j = 0; j < d; j++) {
            double dv = xr[j] - mean[j];
            std[j] += dv * dv;
        }
    }
    for (uint32_t j = 0; j < d; j++) {
        std[j] = sqrt(std[j] / n_rows);
        if (!(std[j] > 0.0)) std[j] = 1.0;
    }
}

void rm_csv_standardize(float *x, uint32_t n, uint32_t d, const double *mean, const double *std)
{
    for (uint32_t i = 0; i < n; i++) {
        float *xr = x + (size_t)i * d; /* (d) */
        for (uint32_t j = 0; j < d; j++) xr[j] = (xr[j] - (float)mean[j]) / (float)std[j];
    }
}
