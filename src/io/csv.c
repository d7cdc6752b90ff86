/* csv.c - the CSV table reader (rm_csv_read): the header and its label column, the data rows, the labels
 * made classes. The format is described in rm_csv.h; the file's bytes and fields are csv_fields.c's, the
 * stratified split and the feature statistics csv_split.c's.
 *
 * The whole (decompressed) file is read into one buffer, then parsed in one pass. The row count is
 * bounded above by the number of LFs + 1, so the feature matrix is allocated once. Nothing in the file
 * is trusted: every error is an RM_ERR_IO message of one line naming the file, the line and the column. */
#define _POSIX_C_SOURCE 200809L
#include "csv_fields.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of one read, freed by read_free. */
typedef struct reader {
    csv_parser p;
    csv_span *head;         /* (ncols) the header's names */
    uint32_t ncols;
    uint32_t label_col;
    char **feat_names;  /* (d) NUL-terminated, for messages and the table */
    float *x;           /* (rows_cap, d) */
    uint16_t *y;        /* (rows_cap) */
    csv_span *labels;       /* (rows_cap) string labels, allocated at the first one */
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

/* The header's fields into r->head (after a UTF-8 byte order mark); the file may not be empty nor start
 * with a blank line. */
static int header_fields(reader *r)
{
    csv_parser *p = &r->p;
    rm_err *e = p->e;
    if (p->len >= 3 && memcmp(p->b, "\xef\xbb\xbf", 3) == 0) p->pos = 3; /* a UTF-8 byte order mark */
    if (p->pos >= p->len)
        return rm_fail(e, RM_ERR_IO, "%s: empty file (a header row of column names is required)", p->path);
    size_t cap = 16;
    r->head = malloc(cap * sizeof *r->head);
    if (!r->head) return rm_fail(e, RM_ERR_RUN, "out of memory: %s header", p->path);
    p->rec_start = p->pos;
    p->rec_line = p->line;
    csv_field f;
    do {
        if (rm_csv_next_field(p, r->ncols, &f)) return e->code;
        if (r->ncols == 0 && !f.quoted && f.n == 0 && f.end != CSV_END_COMMA)
            return rm_fail(e, RM_ERR_IO, "%s: line 1 is blank (a header row of column names is required; blank lines "
                           "are not allowed)", p->path);
        if (r->ncols == cap) {
            csv_span *g = realloc(r->head, 2 * cap * sizeof *g);
            if (!g) return rm_fail(e, RM_ERR_RUN, "out of memory: %s header", p->path);
            r->head = g;
            cap *= 2;
        }
        r->head[r->ncols++] = (csv_span){p->b + f.start, (uint32_t)f.n, 0};
    } while (f.end == CSV_END_COMMA);
    return RM_OK;
}

/* Each name: not empty, UTF-8 (NUL-terminated in place is not possible, the delimiter follows: the
 * feature names are copied by feature_names). */
static int check_names(const reader *r)
{
    const csv_parser *p = &r->p;
    char s1[48];
    for (uint32_t j = 0; j < r->ncols; j++) {
        if (r->head[j].n == 0)
            return rm_fail(p->e, RM_ERR_IO, "%s: line 1, column %u: empty column name in the header (every column "
                           "needs a name)", p->path, j + 1);
        if (!rm_csv_is_utf8(r->head[j].s, r->head[j].n))
            return rm_fail(p->e, RM_ERR_IO, "%s: line 1, column %u: column name '%s' is not valid UTF-8", p->path,
                           j + 1, rm_csv_show(s1, r->head[j].s, r->head[j].n));
    }
    return RM_OK;
}

/* The label column, by name (o->label) or by index (o->label_index, negative from the end). */
static int find_label(reader *r, const rm_csv_opts *o)
{
    const csv_parser *p = &r->p;
    char s2[48];
    if (o->label) {
        size_t ln = strlen(o->label);
        uint32_t j = 0;
        while (j < r->ncols && !(r->head[j].n == ln && memcmp(r->head[j].s, o->label, ln) == 0)) j++;
        if (j == r->ncols) {
            char list[160] = "", nm[48];
            size_t k = 0;
            for (uint32_t i = 0; i < r->ncols && k < 100; i++)
                k += (size_t)snprintf(list + k, sizeof list - k, "%s'%s'", i ? ", " : "",
                                      rm_csv_show(nm, r->head[i].s, r->head[i].n > 24 ? 24 : r->head[i].n));
            return rm_fail(p->e, RM_ERR_IO, "%s: no column named '%s' for the label (the header has %u columns: %s%s)",
                           p->path, rm_csv_show(s2, o->label, ln), r->ncols, list, k >= 100 ? ", ..." : "");
        }
        r->label_col = j;
    } else {
        long long j = o->label_index < 0 ? (long long)r->ncols + o->label_index : o->label_index;
        if (j < 0 || j >= r->ncols)
            return rm_fail(p->e, RM_ERR_IO, "%s: label column index %d is out of range: the header has %u columns "
                           "(0 to %u, or -1 to -%u from the end)", p->path, o->label_index, r->ncols, r->ncols - 1,
                           r->ncols);
        r->label_col = (uint32_t)j;
    }
    return RM_OK;
}

/* No two columns share a name. */
static int check_distinct(const reader *r)
{
    const csv_parser *p = &r->p;
    char s1[48];
    csv_span *sorted = malloc(r->ncols * sizeof *sorted);
    if (!sorted) return rm_fail(p->e, RM_ERR_RUN, "out of memory: %s header", p->path);
    for (uint32_t j = 0; j < r->ncols; j++) sorted[j] = (csv_span){r->head[j].s, r->head[j].n, j};
    qsort(sorted, r->ncols, sizeof *sorted, rm_csv_span_qsort);
    for (uint32_t j = 1; j < r->ncols; j++)
        if (rm_csv_span_cmp(&sorted[j - 1], &sorted[j]) == 0) {
            uint32_t a = sorted[j - 1].row, b = sorted[j].row;
            free(sorted);
            return rm_fail(p->e, RM_ERR_IO, "%s: line 1: duplicate column name '%s' (columns %u and %u)", p->path,
                           rm_csv_show(s1, r->head[a].s, r->head[a].n), a + 1, b + 1);
        }
    free(sorted);
    return RM_OK;
}

/* The header is not a data line: not scikit-learn's "rows,features,class names..." first line (r->sklearn
 * notes one that may be, for the ragged-row message), not a row of numbers (a missing header). */
static int check_not_data(reader *r)
{
    const csv_parser *p = &r->p;
    char s1[48], s2[48];
    long features = rm_csv_digits_value(r->head[1].s, r->head[1].n);
    r->sklearn = r->ncols >= 3 && rm_csv_digits_value(r->head[0].s, r->head[0].n) >= 0 && features >= 0;
    if (r->sklearn && features == (long)r->ncols - 1)
        return rm_fail(p->e, RM_ERR_IO, "%s: line 1 ('%s,%s,...') looks like the first line of a scikit-learn data "
                       "file (rows, features, class names), not a header of column names; scripts/get-data.sh "
                       "converts those", p->path, rm_csv_show(s1, r->head[0].s, r->head[0].n),
                       rm_csv_show(s2, r->head[1].s, r->head[1].n));
    uint32_t d = r->ncols - 1, numeric = 0;
    for (uint32_t j = 0; j < r->ncols; j++)
        if (j != r->label_col) numeric += (uint32_t)rm_csv_is_number(r->head[j].s, r->head[j].n);
    if (numeric == d) {
        uint32_t j0 = r->label_col == 0 ? 1 : 0;
        return rm_fail(p->e, RM_ERR_IO, "%s: line 1: the feature columns' names are all numbers ('%s', ...): a "
                       "header row of column names is required (is it missing?)", p->path,
                       rm_csv_show(s1, r->head[j0].s, r->head[j0].n));
    }
    return RM_OK;
}

/* The feature columns' names, NUL-terminated, into r->feat_names; a file read like another (o->like)
 * must have the same feature columns. */
static int feature_names(reader *r, const rm_csv_opts *o)
{
    const csv_parser *p = &r->p;
    rm_err *e = p->e;
    char s1[48], s2[48];
    const uint32_t d = r->ncols - 1;
    csv_span *fs = malloc(d * sizeof *fs);
    if (!fs) return rm_fail(e, RM_ERR_RUN, "out of memory: %s header", p->path);
    for (uint32_t j = 0, k = 0; j < r->ncols; j++)
        if (j != r->label_col) fs[k++] = r->head[j];
    r->feat_names = rm_csv_names_block(fs, d, e);
    free(fs);
    if (!r->feat_names) return e->code;
    const rm_csv_table *like = o->like;
    if (like) {
        if (like->d != d)
            return rm_fail(e, RM_ERR_IO, "%s: %u feature columns, but the training data has %u", p->path, d, like->d);
        for (uint32_t k = 0; k < d; k++)
            if (strcmp(r->feat_names[k], like->feature_names[k]) != 0)
                return rm_fail(e, RM_ERR_IO, "%s: feature column %u is '%s', but the training data's is '%s'", p->path,
                               k + 1, rm_csv_show(s1, r->feat_names[k], strlen(r->feat_names[k])),
                               rm_csv_show(s2, like->feature_names[k], strlen(like->feature_names[k])));
    }
    return RM_OK;
}

/* The feature matrix and labels for the most rows the rest of the file can hold: one per LF after the
 * header, plus one without a final line end, within RM_CSV_MAX_VALUES. */
static int alloc_rows(reader *r)
{
    csv_parser *p = &r->p;
    const uint32_t d = r->ncols - 1;
    size_t rows = 1;
    for (const char *q = p->b + p->pos, *end = p->b + p->len; (q = memchr(q, '\n', (size_t)(end - q))); q++) rows++;
    size_t most = RM_CSV_MAX_VALUES / d;
    r->rows_cap = rows < most ? rows : most;
    r->x = rm_alloc(r->rows_cap * d, sizeof(float), p->path, p->e);
    r->y = r->x ? rm_alloc(r->rows_cap, sizeof(uint16_t), p->path, p->e) : NULL;
    return r->y ? RM_OK : p->e->code;
}

/* The header: names, the label column, the checks; allocates the feature matrix. */
static int read_header(reader *r, const rm_csv_opts *o)
{
    csv_parser *p = &r->p;
    char s1[48];
    if (header_fields(r) || check_names(r) || find_label(r, o)) return p->e->code;
    if (r->ncols < 2)
        return rm_fail(p->e, RM_ERR_IO, "%s: the header has only the label column '%s': at least one feature column "
                       "is needed", p->path, rm_csv_show(s1, r->head[0].s, r->head[0].n));
    if (check_distinct(r) || check_not_data(r) || feature_names(r, o) || alloc_rows(r)) return p->e->code;
    p->head = r->head;
    p->ncols = r->ncols;
    return RM_OK;
}

/* A label field of row i: check it and keep it (y for numbers, labels for strings). */
static int read_label(reader *r, const rm_csv_opts *o, uint32_t i, const csv_field *f)
{
    csv_parser *p = &r->p;
    rm_err *e = p->e;
    const char *s = p->b + f->start, *path = p->path;
    char loc[128], s1[48];
    const rm_csv_table *like = o->like;
    rm_csv_where(loc, p, r->label_col);
    if (f->n == 0) return rm_fail(e, RM_ERR_IO, "%s: %s: empty label", path, loc);
    if (like && like->class_names) { /* the training data's class names */
        int lo = 0, hi = like->classes - 1;
        while (lo <= hi) {
            int mid = lo + (hi - lo) / 2;
            csv_span a = {s, (uint32_t)f->n, 0}, b = {like->class_names[mid], (uint32_t)strlen(like->class_names[mid]), 0};
            int c = rm_csv_span_cmp(&a, &b);
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
                       rm_csv_show(s1, s, f->n), like->classes);
    }
    if (rm_csv_is_number(s, f->n)) {
        double v = rm_csv_number_at(p->b, f->start, f->n);
        if (v != floor(v) || !isfinite(v))
            return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is not an integer: numeric labels must be the integers 0 to "
                           "K-1", path, loc, rm_csv_show(s1, s, f->n));
        if (v < 0)
            return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is negative: integer labels must be 0 to K-1", path, loc,
                           rm_csv_show(s1, s, f->n));
        double top = like ? like->classes - 1 : RM_CSV_MAX_CLASSES - 1;
        if (v > top) {
            if (like)
                return rm_fail(e, RM_ERR_IO, "%s: %s: label %s is out of range: the training data has %d classes "
                               "(0 to %d)", path, loc, rm_csv_show(s1, s, f->n), like->classes, like->classes - 1);
            return rm_fail(e, RM_ERR_IO, "%s: %s: label %s is out of range: at most %d classes (0 to %d)", path, loc,
                           rm_csv_show(s1, s, f->n), RM_CSV_MAX_CLASSES, RM_CSV_MAX_CLASSES - 1);
        }
        r->y[i] = (uint16_t)v;
        if (r->y[i] > r->max_label) r->max_label = r->y[i];
        if (!r->num_line) {
            r->num_line = p->rec_line;
            rm_csv_show(r->num_text, s, f->n);
        }
        return RM_OK;
    }
    if (like)
        return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is not an integer: the training data has integer labels (0 to %d)",
                       path, loc, rm_csv_show(s1, s, f->n), like->classes - 1);
    if (!rm_csv_is_utf8(s, f->n))
        return rm_fail(e, RM_ERR_IO, "%s: %s: '%s' is not valid UTF-8", path, loc, rm_csv_show(s1, s, f->n));
    if (!r->labels) {
        r->labels = malloc(r->rows_cap * sizeof *r->labels);
        if (!r->labels) return rm_fail(e, RM_ERR_RUN, "out of memory: %s labels", path);
    }
    r->labels[i] = (csv_span){s, (uint32_t)f->n, i};
    if (!r->str_line) {
        r->str_line = p->rec_line;
        rm_csv_show(r->str_text, s, f->n);
    }
    return RM_OK;
}

#define FLT_MAX_ROUND 0x1.ffffffp127

/* A feature field: a finite decimal number that fits a float. */
static int read_feature(csv_parser *p, uint32_t col, const csv_field *f, float *out)
{
    const char *s = p->b + f->start;
    char loc[128], s1[48];
    if (!rm_csv_is_number(s, f->n)) {
        rm_csv_where(loc, p, col);
        if (f->n == 0) return rm_fail(p->e, RM_ERR_IO, "%s: %s: empty field, expected a number", p->path, loc);
        if (rm_csv_is_nan_inf(s, f->n))
            return rm_fail(p->e, RM_ERR_IO, "%s: %s: '%s': NaN and Inf are not allowed", p->path, loc,
                           rm_csv_show(s1, s, f->n));
        return rm_fail(p->e, RM_ERR_IO, "%s: %s: '%s' is not a number (a decimal like -1.5e3, without spaces)",
                       p->path, loc, rm_csv_show(s1, s, f->n));
    }
    double v = rm_csv_number_at(p->b, f->start, f->n);
    /* FLT_MAX_ROUND: 2^128 - 2^103, halfway between FLT_MAX and 2^128: from there on a value rounds to Inf */
    if (!(fabs(v) < FLT_MAX_ROUND))
        return rm_fail(p->e, RM_ERR_IO, "%s: %s: '%s' is out of the float range (it rounds to infinity; the largest "
                       "float is 3.40282347e+38)", p->path, rm_csv_where(loc, p, col), rm_csv_show(s1, s, f->n));
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
    csv_parser *p = &r->p;
    rm_err *e = p->e;
    const uint32_t d = r->ncols - 1;
    uint32_t n = 0;
    csv_field f;
    while (p->pos < p->len) {
        p->rec_start = p->pos;
        p->rec_line = p->line;
        if ((size_t)n == r->rows_cap)
            return rm_fail(e, RM_ERR_IO, "%s: line %u: more than %zu feature values (%zu rows of %u), the CSV "
                           "reader's limit", p->path, p->rec_line, (size_t)RM_CSV_MAX_VALUES, r->rows_cap, d);
        float *xr = r->x + (size_t)n * d;
        uint32_t j = 0, k = 0;
        do {
            if (rm_csv_next_field(p, j, &f)) return e->code;
            if (j == 0 && !f.quoted && f.n == 0 && f.end != CSV_END_COMMA)
                return rm_fail(e, RM_ERR_IO, "%s: line %u is blank (blank lines are not allowed)", p->path,
                               p->rec_line);
            if (j >= r->ncols) {
                while (f.end == CSV_END_COMMA)
                    if (rm_csv_next_field(p, ++j, &f)) return e->code;
                return rm_fail(e, RM_ERR_IO, "%s: line %u: %u fields, but the header has %u (a ragged row)%s", p->path,
                               p->rec_line, j + 1, r->ncols, n == 0 && r->sklearn ? SKLEARN_HINT : "");
            }
            if (j == r->label_col) {
                if (read_label(r, o, n, &f)) return e->code;
            } else {
                if (read_feature(p, j, &f, &xr[k++])) return e->code;
            }
            j++;
        } while (f.end == CSV_END_COMMA);
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
    csv_parser *p = &r->p;
    rm_err *e = p->e;
    char s1[48];
    const char *lname = t->label_name;
    if (r->num_line && r->str_line)
        return rm_fail(e, RM_ERR_IO, "%s: label column '%s' mixes numbers (line %u: '%s') and strings (line %u: '%s'): "
                       "labels must be all integers 0 to K-1 or all class names", p->path,
                       rm_csv_show(s1, lname, strlen(lname)),
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
                           rm_csv_show(s1, lname, strlen(lname)));
        if (missing < k)
            return rm_fail(e, RM_ERR_IO, "%s: label column '%s': no row has label %u, but the labels run to %u: "
                           "integer labels must be 0 to K-1 with every class present%s", p->path,
                           rm_csv_show(s1, lname, strlen(lname)), missing, r->max_label,
                           missing == 0 ? " (1-based labels?)" : "");
        t->classes = (int)k;
        return RM_OK;
    }
    /* strings: sort (label, row), number the distinct labels in order */
    csv_span *v = r->labels; /* (n), sorted in place: the spans keep their rows */
    qsort(v, t->n, sizeof *v, rm_csv_span_qsort);
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (i > 0 && rm_csv_span_cmp(&v[i - 1], &v[i]) != 0) k++;
        if (k >= RM_CSV_MAX_CLASSES)
            return rm_fail(e, RM_ERR_IO, "%s: label column '%s' holds more than %d distinct labels, the most classes",
                           p->path, rm_csv_show(s1, lname, strlen(lname)), RM_CSV_MAX_CLASSES);
        t->y[v[i].row] = (uint16_t)k;
    }
    k++;
    if (k < 2)
        return rm_fail(e, RM_ERR_IO, "%s: one class only: every one of the %u rows has label '%s' in column '%s' (at "
                       "least 2 classes are needed)", p->path, t->n, r->str_text, rm_csv_show(s1, lname, strlen(lname)));
    /* the distinct names, in order: compact v to one span per class */
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->n; i++)
        if (i == 0 || rm_csv_span_cmp(&v[m - 1], &v[i]) != 0) v[m++] = v[i];
    t->class_names = rm_csv_names_block(v, m, e);
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
    int rc = rm_csv_read_all(path, &r.p.b, &r.p.len, e);
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
                t->class_names = rm_csv_names_copy(o->like->class_names, (size_t)o->like->classes, e);
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
