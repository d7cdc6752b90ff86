/* plot_gp.c - `regmnist plot`'s gnuplot side: find gnuplot on PATH, write the script with its
 * terminal, send it down a pipe (popen) and report gnuplot's failure as one line; the data
 * directory gnuplot reads; and the helpers the plots share (groups of runs, a pruned sweep's settings
 * at the full budget, metric labels, a column of metrics.csv, whether values are log-spaced). */
#define _POSIX_C_SOURCE 200809L
#include "plot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rm_epoch_log.h"

/* 1 when an executable gnuplot is in a directory of $PATH. */
static int gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    char dir[4096], file[4200];
    for (const char *p = path ? path : ""; *p;) {
        size_t l = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s", (int)(l < sizeof dir ? l : sizeof dir - 1), p);
        snprintf(file, sizeof file, "%s/gnuplot", l ? dir : ".");
        if (access(file, X_OK) == 0) return 1;
        p += l + (p[l] == ':');
    }
    return 0;
}

void plot_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static void terminal(FILE *f, const plot_opts *o)
{
    if (!strcmp(o->format, "svg"))
        fprintf(f, "set terminal svg size %g,%g noenhanced font 'sans,11'\n", o->width, o->height);
    else if (!strcmp(o->format, "pdf"))
        fprintf(f, "set terminal pdfcairo size %gin,%gin noenhanced font 'sans,9'\n", o->width, o->height);
    else fprintf(f, "set terminal pngcairo size %g,%g noenhanced font 'sans,10'\n", o->width, o->height);
}

int plot_begin(plot_job *j, const plot_opts *o, rm_err *e)
{
    memset(j, 0, sizeof *j);
    if (!gnuplot_on_path())
        return rm_fail(e, RM_ERR_USAGE, "gnuplot not found on PATH: install it (apt-get install gnuplot-nox)");
    /* the image's directory must exist: gnuplot would draw on stdout when it cannot open the file */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", o->out);
    char *slash = strrchr(parent, '/');
    if (slash) slash[slash == parent] = '\0';
    if (access(slash ? parent : ".", W_OK) != 0)
        return rm_fail(e, RM_ERR_IO, "%s: cannot write there: %s", o->out, strerror(errno));
    if (o->data) {
        if (rm_mkdirs(o->data, e)) return e->code;
        snprintf(j->dir, sizeof j->dir, "%s", o->data);
    } else {
        const char *t = getenv("TMPDIR");
        snprintf(j->dir, sizeof j->dir, "%s/regmnist-plot-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(j->dir)) return rm_fail(e, RM_ERR_IO, "%s: cannot create: %s", j->dir, strerror(errno));
        j->temporary = 1;
    }
    j->gp = open_memstream(&j->text, &j->len);
    if (!j->gp) {
        plot_abandon(j);
        return rm_fail(e, RM_ERR_RUN, "out of memory");
    }
    fprintf(j->gp, "set encoding utf8\n");
    terminal(j->gp, o);
    fprintf(j->gp, "set output ");
    plot_quote(j->gp, o->out);
    fprintf(j->gp, "\nset grid\nset key below horizontal samplen 2 spacing 1\n");
    return RM_OK;
}

FILE *plot_data_open(plot_job *j, const char *name, char *path, size_t n, rm_err *e)
{
    if (rm_path_join(path, n, j->dir, name, e)) return NULL;
    FILE *f = fopen(path, "w");
    if (!f) rm_fail(e, RM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

void plot_abandon(plot_job *j)
{
    if (j->gp) fclose(j->gp);
    free(j->text);
    if (j->temporary) {
        DIR *d = opendir(j->dir);
        struct dirent *de;
        char p[4400];
        while (d && (de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", j->dir, de->d_name);
                unlink(p);
            }
        if (d) closedir(d);
        rmdir(j->dir);
    }
    memset(j, 0, sizeof *j);
}

/* gnuplot's error: the last line of its stderr that says something ("line 3: ..."), trimmed. */
static void gnuplot_error(const char *path, char *buf, size_t n)
{
    char line[1024];
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        char *s = line + strspn(line, " \t");
        s[strcspn(s, "\r\n")] = '\0';
        if (*s && strcmp(s, "^") && strncmp(s, "gnuplot>", 8)) snprintf(buf, n, "%s", s);
    }
    if (f) fclose(f);
    if (!buf[0]) snprintf(buf, n, "no message");
}

/* Run gnuplot on the script through a pipe, its stderr into DIR/gnuplot.err. */
static int run_gnuplot(plot_job *j, rm_err *e)
{
    char errpath[4200], cmd[8800], msg[600];
    snprintf(errpath, sizeof errpath, "%s/gnuplot.err", j->dir);
    size_t k = (size_t)snprintf(cmd, sizeof cmd, "exec gnuplot >/dev/null 2>'"); /* no image on stdout */
    for (const char *s = errpath; *s && k + 6 < sizeof cmd; s++) {
        if (*s == '\'') k += (size_t)snprintf(cmd + k, sizeof cmd - k, "'\\''");
        else cmd[k++] = *s;
    }
    snprintf(cmd + k, sizeof cmd - k, "'");
    void (*old)(int) = signal(SIGPIPE, SIG_IGN); /* gnuplot may stop reading early on an error */
    FILE *p = popen(cmd, "w");
    int st = -1;
    if (p) {
        fwrite(j->text, 1, j->len, p);
        st = pclose(p);
    }
    signal(SIGPIPE, old);
    if (!p) return rm_fail(e, RM_ERR_RUN, "cannot start gnuplot: %s", strerror(errno));
    gnuplot_error(errpath, msg, sizeof msg);
    unlink(errpath);
    if (st != 0)
        return rm_fail(e, RM_ERR_RUN, "gnuplot failed (%s %d): %s", WIFEXITED(st) ? "exit status" : "signal",
                       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), msg);
    return RM_OK;
}

int plot_finish(plot_job *j, const plot_opts *o, rm_err *e)
{
    int rc = fclose(j->gp) ? rm_fail(e, RM_ERR_RUN, "out of memory") : RM_OK;
    j->gp = NULL;
    char path[4200];
    if (!rc && o->data && !rm_path_join(path, sizeof path, j->dir, "plot.gp", e))
        rc = rm_write_atomic(path, j->text, j->len, e);
    else if (!rc && o->data) rc = e->code;
    if (!rc) rc = run_gnuplot(j, e);
    struct stat st;
    if (!rc && (stat(o->out, &st) != 0 || st.st_size == 0))
        rc = rm_fail(e, RM_ERR_RUN, "%s: gnuplot wrote nothing", o->out);
    plot_abandon(j);
    return rc;
}

/* The "name" of a JSON file, or 0. */
static int json_name(const char *dir, const char *file, char *buf, size_t n)
{
    char path[4200];
    rm_err e = {0};
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len;
    char *text = access(path, R_OK) == 0 ? rm_read_text(path, RM_JSON_MAX, &len, &e) : NULL;
    cJSON *root = text ? cJSON_ParseWithOpts(text, NULL, 1) : NULL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    int ok = cJSON_IsString(name) && name->valuestring[0];
    if (ok) snprintf(buf, n, "%s", name->valuestring);
    cJSON_Delete(root);
    free(text);
    return ok;
}

void plot_study_name(const plot_opts *o, const char *dir, const rm_runs *rs, char *buf, size_t n)
{
    if (o->title) {
        snprintf(buf, n, "%s", o->title);
        return;
    }
    if (json_name(dir, "sweep.json", buf, n)) return;
    /* the runs' config name when they share one (a run, the seeds of a sweep's setting) */
    const cJSON *first = rs->n ? rm_json_at(rs->run[0].config, "name") : NULL;
    int same = cJSON_IsString(first) && first->valuestring[0];
    for (int i = 1; i < rs->n && same; i++) {
        const cJSON *v = rm_json_at(rs->run[i].config, "name");
        same = cJSON_IsString(v) && !strcmp(v->valuestring, first->valuestring);
    }
    if (same) {
        snprintf(buf, n, "%s", first->valuestring);
        return;
    }
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/') l--;
    const char *s = dir + l;
    while (s > dir && s[-1] != '/') s--;
    snprintf(buf, n, "%.*s", (int)(dir + l - s), s);
}

static const rm_runs *g_rs;

static int group_order(const void *a, const void *b)
{
    const plot_group *x = a, *y = b;
    return rm_runs_compare_setting(g_rs, &g_rs->run[x->runs[0]], &g_rs->run[y->runs[0]]);
}

int plot_group_runs(const rm_runs *rs, plot_group **groups, int *ng, rm_err *e)
{
    /* one block: the groups, then the run indices of each (at most rs->n of each) */
    plot_group *g = calloc((size_t)rs->n, sizeof *g + (size_t)rs->n * sizeof(int));
    if (!g) return rm_fail(e, RM_ERR_RUN, "out of memory");
    int n = 0;
    for (int i = 0; i < rs->n; i++) {
        int k = 0;
        while (k < n && rm_runs_compare_setting(rs, &rs->run[g[k].runs[0]], &rs->run[i]) != 0) k++;
        if (k == n) g[n++].runs = (int *)(g + rs->n) + (size_t)k * (size_t)rs->n;
        g[k].runs[g[k].n++] = i;
    }
    g_rs = rs;
    qsort(g, (size_t)n, sizeof *g, group_order);
    *groups = g;
    *ng = n;
    return RM_OK;
}

int plot_keep_final(const rm_runs *rs, plot_group *groups, int *ng)
{
    int k = 0;
    for (int g = 0; g < *ng; g++) {
        int ok = 0;
        for (int i = 0; i < groups[g].n && !ok; i++) ok = rm_run_ok(&rs->run[groups[g].runs[i]]);
        if (ok) groups[k++] = groups[g];
    }
    int left = *ng - k;
    *ng = k;
    return left;
}

void plot_final_key(FILE *gp, int kept, int left)
{
    char text[256];
    int at = snprintf(text, sizeof text, "pruned sweep: the %d setting%s trained to the full budget", kept, kept == 1 ? "" : "s");
    if (left) snprintf(text + at, sizeof text - (size_t)at, " (%d stopped at a rung left out)", left);
    fprintf(gp, "set key title ");
    plot_quote(gp, text);
    fprintf(gp, "\n");
}

/* One run's number of a key, exact and as its label shows it (4 significant digits). */
typedef struct {
    double shown, exact;
} label_value;

static int by_shown(const void *a, const void *b)
{
    const label_value *x = a, *y = b;
    return x->shown < y->shown ? -1 : x->shown > y->shown ? 1 : x->exact < y->exact ? -1 : x->exact > y->exact;
}

/* 1 when no two of the runs' distinct numbers of key read the same with 4 significant digits, so the
 * short labels still tell every setting apart (a series is matched by its label). */
static int short_labels_distinct(const rm_runs *rs, const char *key)
{
    label_value *v = malloc(((size_t)rs->n + 1) * sizeof *v);
    int m = 0, ok = v != NULL;
    for (int i = 0; ok && i < rs->n; i++) {
        const cJSON *x = rm_json_at(rs->run[i].config, key);
        if (!cJSON_IsNumber(x)) continue;
        char text[64];
        snprintf(text, sizeof text, "%.4g", x->valuedouble);
        v[m].shown = strtod(text, NULL), v[m++].exact = x->valuedouble;
    }
    if (ok) qsort(v, (size_t)m, sizeof *v, by_shown);
    for (int i = 1; ok && i < m; i++) ok = !(v[i].shown == v[i - 1].shown && v[i].exact != v[i - 1].exact);
    free(v);
    return ok;
}

void plot_group_label(const rm_runs *rs, const plot_group *g, char (*names)[64], const char *skip, char *buf,
                      size_t n)
{
    const rm_run *r = &rs->run[g->runs[0]];
    char text[128];
    size_t k = 0;
    buf[0] = '\0';
    for (int v = 0; v < rs->nvaried && k < n; v++) {
        if (skip && !strcmp(rs->varied[v], skip)) continue;
        const cJSON *x = rm_json_at(r->config, rs->varied[v]);
        if (cJSON_IsNumber(x) && x->valuedouble == floor(x->valuedouble) && fabs(x->valuedouble) < 1e15)
            snprintf(text, sizeof text, "%.0f", x->valuedouble);
        else if (cJSON_IsNumber(x) && short_labels_distinct(rs, rs->varied[v])) /* a drawn 0.0010320115941706992: 0.001032 */
            snprintf(text, sizeof text, "%.4g", x->valuedouble);
        else
            rm_json_text(x, text, sizeof text);
        k += (size_t)snprintf(buf + k, n - k, "%s%s=%s", k ? ", " : "", names[v], text);
    }
}

int plot_parse_metrics(plot_opts *o, const char *opt, const char *list, rm_err *e)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf) return rm_fail(e, RM_ERR_USAGE, "%s: list too long", opt);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (o->nmetrics == PLOT_MAX_METRICS) return rm_fail(e, RM_ERR_USAGE, "%s: at most 8 metrics", opt);
        if (!rm_metric_canonical(t, o->metrics[o->nmetrics], sizeof o->metrics[0]))
            return rm_fail(e, RM_ERR_USAGE, "%s: unknown metric '%s'; known: %s", opt, t, rm_metric_list());
        o->nmetrics++;
    }
    if (!o->nmetrics) return rm_fail(e, RM_ERR_USAGE, "%s: give at least one metric", opt);
    return RM_OK;
}

/* The label's unit "(%)" (its last parenthesized part), or NULL. */
static const char *unit_of(const char *label)
{
    const char *u = strrchr(label, '(');
    return u && u > label && label[strlen(label) - 1] == ')' ? u : NULL;
}

void plot_metric_stem(const char *metric, char *buf, size_t n)
{
    char label[256];
    rm_metric_label(metric, label, sizeof label);
    const char *u = unit_of(label);
    snprintf(buf, n, "%.*s", u ? (int)(u - label - 1) : (int)strlen(label), label);
}

void plot_y_range(FILE *gp, const plot_opts *o)
{
    char label[256];
    if (o->has_ylo || o->has_yhi) {
        fprintf(gp, "set yrange [");
        o->has_ylo ? fprintf(gp, "%.17g", o->ylo) : fprintf(gp, "*");
        fprintf(gp, ":");
        o->has_yhi ? fprintf(gp, "%.17g", o->yhi) : fprintf(gp, "*");
        fprintf(gp, "]\n");
        return;
    }
    for (int m = 0; m < o->nmetrics; m++) {
        rm_metric_label(o->metrics[m], label, sizeof label);
        const char *u = unit_of(label);
        if (!u || strcmp(u, "(%)")) return;
    }
    fprintf(gp, "set yrange [*:*<100]\n");
}

void plot_y_label(const plot_opts *o, char *buf, size_t n)
{
    static const char *const WORDS[] = {"accuracy", "loss", NULL};
    char first[256], label[256], stem[256];
    rm_metric_label(o->metrics[0], first, sizeof first);
    const char *unit = unit_of(first), *word = NULL;
    for (int m = 0; m < o->nmetrics; m++) {
        rm_metric_label(o->metrics[m], label, sizeof label);
        const char *u = unit_of(label);
        if (!u || !unit || strcmp(u, unit)) unit = NULL;
    }
    for (int w = 0; WORDS[w] && !word; w++) {
        int all = 1;
        for (int m = 0; m < o->nmetrics && all; m++) {
            plot_metric_stem(o->metrics[m], stem, sizeof stem);
            all = strstr(stem, WORDS[w]) != NULL;
        }
        if (all) word = WORDS[w];
    }
    if (o->nmetrics == 1) {
        snprintf(buf, n, "%s", first);
        return;
    }
    size_t k = 0;
    buf[0] = '\0';
    if (word) k += (size_t)snprintf(buf, n, "%s", word); /* what they all are: "accuracy (%)" */
    for (int m = 0; !word && m < o->nmetrics && k < n; m++) {
        plot_metric_stem(o->metrics[m], stem, sizeof stem);
        k += (size_t)snprintf(buf + k, n - k, "%s%s", m ? ", " : "", stem);
    }
    if (unit && k < n) snprintf(buf + k, n - k, " %s", unit);
}

/* The 0-based index of field name in a CSV header line, or -1. */
static int field_index(const char *line, const char *name)
{
    size_t l = strlen(name);
    for (int i = 0; *line; i++) {
        size_t w = strcspn(line, ",\r\n");
        if (w == l && !strncmp(line, name, l)) return i;
        line += w;
        if (*line != ',') break;
        line++;
    }
    return -1;
}

/* Field i of a CSV line as a number: 1 with *v, 0 when empty. */
static int field_value(const char *line, int i, double *v)
{
    while (i-- > 0 && (line = strchr(line, ','))) line++;
    if (!line || *line == ',' || *line == '\n' || *line == '\r' || !*line) return 0;
    char *end;
    *v = strtod(line, &end);
    return end != line;
}

int plot_read_column(const char *dir, const char *metric, plot_column *c, rm_err *e)
{
    char path[4200];
    size_t len;
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    char *text = rm_read_text(path, (size_t)1 << 30, &len, e);
    if (!text) return e->code;
    int ep = field_index(text, "epoch"), col = field_index(text, metric), rc = RM_OK;
    if (ep < 0 || col < 0) rc = rm_fail(e, RM_ERR_IO, "%s: no column '%s' in its header line", path, ep < 0 ? "epoch" : metric);
    c->n = 0;
    for (char *line = strchr(text, '\n'); !rc && line && line[1]; line = strchr(line + 1, '\n')) {
        double epoch, v;
        if (!field_value(line + 1, ep, &epoch) || epoch < 1 || epoch > SUM_MAX_EPOCHS || epoch != floor(epoch)) {
            rc = rm_fail(e, RM_ERR_IO, "%s: a row without a whole epoch number", path);
            break;
        }
        int k = (int)epoch;
        if (k > c->n) {
            double *p = realloc(c->v, (size_t)k * sizeof *p);
            if (!p) rc = rm_fail(e, RM_ERR_RUN, "out of memory");
            else for (c->v = p; c->n < k; c->n++) c->v[c->n] = NAN;
        }
        if (!rc && field_value(line + 1, col, &v)) c->v[k - 1] = v;
    }
    free(text);
    return rc;
}

int plot_log_spaced(const double *x, int nx)
{
    double lo = HUGE_VAL, hi = 0, *u = calloc((size_t)nx + 1, sizeof *u);
    int n = 0, logx = u != NULL;
    for (int g = 0; g < nx && logx; g++) {
        if (!(x[g] > 0)) logx = 0;
        int dup = 0;
        for (int k = 0; k < n; k++) dup |= u[k] == x[g];
        if (!dup) u[n++] = x[g];
        lo = fmin(lo, x[g]), hi = fmax(hi, x[g]);
    }
    if (logx && hi / lo < 100) {
        logx = n >= 3;
        for (int i = 0; i < n; i++) /* sort the distinct values */
            for (int k = i + 1; k < n; k++)
                if (u[k] < u[i]) { double t = u[i]; u[i] = u[k]; u[k] = t; }
        double rmin = HUGE_VAL, rmax = 0;
        for (int i = 1; i < n; i++) rmin = fmin(rmin, u[i] / u[i - 1]), rmax = fmax(rmax, u[i] / u[i - 1]);
        logx = logx && rmin >= 1.5 && rmax / rmin < 1.3;
    }
    free(u);
    return logx;
}
