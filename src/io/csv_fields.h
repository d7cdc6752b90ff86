/* csv_fields.h - the CSV reader's bytes and fields (private to io/: csv_fields.c, used by csv.c). */
#ifndef RM_CSV_FIELDS_H
#define RM_CSV_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "rm_csv.h"

/* A byte string in the buffer. */
typedef struct csv_span {
    const char *s;
    uint32_t n;
    uint32_t row; /* for label sorting: the row it came from */
} csv_span;

/* The parser's position in the buffer. */
typedef struct csv_parser {
    char *b;          /* the file, writable: quoted fields are unescaped in place; b[len] is writable */
    size_t len;
    const char *path;
    size_t pos;       /* next byte */
    uint32_t line;    /* physical line of pos, 1-based */
    size_t rec_start; /* where the current record starts */
    uint32_t rec_line;
    const struct csv_span *head; /* (ncols) the header's names once read, for messages; NULL while reading it */
    uint32_t ncols;
    rm_err *e;
} csv_parser;

/* What ended a field. */
enum { CSV_END_COMMA, CSV_END_LINE, CSV_END_FILE };

/* A field: its (unescaped) bytes b[start, start + n). */
typedef struct csv_field {
    size_t start, n;
    int quoted;
    int end; /* CSV_END_* */
} csv_field;

/* The whole file at path, decompressed if gzip, into *out (malloc, NUL-terminated at *len). */
int rm_csv_read_all(const char *path, char **out, size_t *len, rm_err *e);

/* s (n bytes) made fit for a one-line message: at most 40 bytes, then "..." (rm_fail escapes controls). */
const char *rm_csv_show(char out[48], const char *s, size_t n);

/* "line L, column C" (the record's first line), with the column's name once the header is read. */
const char *rm_csv_where(char out[128], const csv_parser *p, uint32_t col);

/* Parse the field at p->pos (column col of the current record) into f and move past its delimiter. */
int rm_csv_next_field(csv_parser *p, uint32_t col, csv_field *f);

/* s[0, n) is a decimal number: [+-] (digits [. digits*] | . digits) [eE [+-] digits]. */
int rm_csv_is_number(const char *s, size_t n);

/* s[0, n) spells NaN or Inf as strtod would take them (any case, a sign, "nan(...)"). */
int rm_csv_is_nan_inf(const char *s, size_t n);

/* The value of the decimal number b[start, start + n) (rm_csv_is_number holds); b[start + n] is writable. */
double rm_csv_number_at(char *b, size_t start, size_t n);

/* s[0, n) is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
int rm_csv_is_utf8(const char *str, size_t n);

/* s[0, n) is an unsigned decimal integer of at most 9 digits: its value, else -1. */
long rm_csv_digits_value(const char *s, size_t n);

/* Byte order of two spans (a shorter prefix first), as Python's sorted() on bytes. */
int rm_csv_span_cmp(const csv_span *a, const csv_span *b);

/* qsort order of spans: rm_csv_span_cmp, then the row. */
int rm_csv_span_qsort(const void *a, const void *b);

/* One allocation holding k pointers then the k NUL-terminated strings they point to (free() it). */
char **rm_csv_names_block(const csv_span *v, size_t k, rm_err *e);

/* A copy of another table's names block (k names). */
char **rm_csv_names_copy(char *const *names, size_t k, rm_err *e);

#endif
