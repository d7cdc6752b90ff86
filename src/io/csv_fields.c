/* csv_fields.c - the CSV reader's bytes and fields (private to io/, declared in csv_fields.h): the whole
 * file read into one buffer (plain or gzip through zlib), the RFC 4180 field scanner, the checks of a
 * field's text (number, NaN/Inf, UTF-8, digits) and the blocks of NUL-terminated names.
 *
 * The buffer is grown geometrically up to RM_CSV_MAX_BYTES. Quoted fields are unescaped in place (the
 * unescaped text is never longer), numbers are read by strtod on a temporarily NUL-terminated field.
 * Every error is an RM_ERR_IO message of one line naming the file, the line and the column. */
#define _POSIX_C_SOURCE 200809L
#include "csv_fields.h"
#include "gzfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* ---------------------------------------------------------------------------------------------- */
/* Reading the file */

/* A gzip file's buffer starts at GZ_RATIO times its compressed size (at least GZ_START) and doubles. */
#define GZ_START ((size_t)1 << 16)
#define GZ_RATIO 8

/* The whole file at path, decompressed if gzip, into *out (malloc, NUL-terminated at *len). */
int rm_csv_read_all(const char *path, char **out, size_t *len, rm_err *e)
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

/* s (n bytes) made fit for a one-line message: at most 40 bytes, then "..." (rm_fail escapes controls). */
const char *rm_csv_show(char out[48], const char *s, size_t n)
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
const char *rm_csv_where(char out[128], const csv_parser *p, uint32_t col)
{
    char nm[48];
    if (p->head && col < p->ncols)
        snprintf(out, 128, "line %u, column %u (%s)", p->rec_line, col + 1,
                 rm_csv_show(nm, p->head[col].s, p->head[col].n > 24 ? 24 : p->head[col].n));
    else
        snprintf(out, 128, "line %u, column %u", p->rec_line, col + 1);
    return out;
}

/* Parse the field at p->pos (column col of the current record) into f and move past its delimiter. */
int rm_csv_next_field(csv_parser *p, uint32_t col, csv_field *f)
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
                               "the end of the file)", p->path, rm_csv_where(loc, p, col), open_line);
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
                           p->path, rm_csv_where(loc, p, col), rm_csv_show(s, b + r, 1));
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
                           "and write a quote inside it as \"\")", p->path, rm_csv_where(loc, p, col));
        if (r < p->len && b[r] == '\0')
            return rm_fail(p->e, RM_ERR_IO, "%s: line %u: NUL byte (is this a text file?)", p->path, p->line);
        if (r < p->len && b[r] == '\r' && !(r + 1 < p->len && b[r + 1] == '\n'))
            return rm_fail(p->e, RM_ERR_IO, "%s: %s: carriage return (CR) not followed by a line feed (LF): lines "
                           "must end in LF or CRLF", p->path, rm_csv_where(loc, p, col));
    }
    if (r >= p->len) {
        f->end = CSV_END_FILE;
    } else if (b[r] == ',') {
        f->end = CSV_END_COMMA;
        r++;
    } else {
        f->end = CSV_END_LINE;
        r += b[r] == '\r' ? 2 : 1;
        p->line++;
    }
    p->pos = r;
    return RM_OK;
}

/* s[0, n) is a decimal number: [+-] (digits [. digits*] | . digits) [eE [+-] digits]. */
int rm_csv_is_number(const char *s, size_t n)
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
int rm_csv_is_nan_inf(const char *s, size_t n)
{
    if (n > 0 && (s[0] == '+' || s[0] == '-')) s++, n--;
    char low[9] = {0};
    for (size_t i = 0; i < n && i < 8; i++) low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    if (n == 3 && (!strcmp(low, "nan") || !strcmp(low, "inf"))) return 1;
    if (n == 8 && !strcmp(low, "infinity")) return 1;
    return n >= 5 && !strncmp(low, "nan(", 4) && s[n - 1] == ')';
}

/* The value of the decimal number b[start, start + n) (rm_csv_is_number holds); b[start + n] is writable. */
double rm_csv_number_at(char *b, size_t start, size_t n)
{
    char keep = b[start + n];
    b[start + n] = '\0';
    double v = strtod(b + start, NULL);
    b[start + n] = keep;
    return v;
}

/* s[0, n) is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
int rm_csv_is_utf8(const char *str, size_t n)
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
long rm_csv_digits_value(const char *s, size_t n)
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

int rm_csv_span_cmp(const csv_span *a, const csv_span *b)
{
    int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

int rm_csv_span_qsort(const void *a, const void *b)
{
    const csv_span *x = a, *y = b;
    int c = rm_csv_span_cmp(x, y);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* One allocation holding k pointers then the k NUL-terminated strings they point to (free() it). */
char **rm_csv_names_block(const csv_span *v, size_t k, rm_err *e)
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
char **rm_csv_names_copy(char *const *names, size_t k, rm_err *e)
{
    csv_span *v = malloc((k ? k : 1) * sizeof *v);
    if (!v) {
        rm_fail(e, RM_ERR_RUN, "out of memory: CSV names");
        return NULL;
    }
    for (size_t i = 0; i < k; i++) v[i] = (csv_span){names[i], (uint32_t)strlen(names[i]), 0};
    char **out = rm_csv_names_block(v, k, e);
    free(v);
    return out;
}
