/* plot_weights.c - `regmnist plot weights RUN_DIR`: the first layer's weights (model.safetensors'
 * fc0.weight) as an image with a colour bar: for image inputs (a square number of them) each unit's
 * weights as a tile, up to 64 tiles; otherwise the whole matrix, a row per unit. The scale is
 * blue-white-red, symmetric about 0. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "rm_safetensors.h"

enum { MAX_TILES = 64 };

/* The image: rows x cols values, row-major, NaN in the gaps between tiles. */
typedef struct {
    int rows, cols, side; /* side: the tiles' edge, 0 for the plain matrix */
    double *v;
} mosaic;

/* Lay out w (h units of d inputs) as tiles of side x side (d a square) or as the h x d matrix. */
static int lay_out(const float *w, int h, int d, mosaic *m, rm_err *e)
{
    int s = (int)lround(sqrt(d)), tiles = h < MAX_TILES ? h : MAX_TILES;
    m->side = s * s == d && s >= 4 ? s : 0;
    int across = m->side ? (int)ceil(sqrt(tiles)) : 0, down = m->side ? (tiles + across - 1) / across : 0;
    m->rows = m->side ? down * (s + 1) - 1 : h;
    m->cols = m->side ? across * (s + 1) - 1 : d;
    m->v = malloc((size_t)m->rows * (size_t)m->cols * sizeof *m->v);
    if (!m->v) return rm_fail(e, RM_ERR_RUN, "out of memory");
    if (!m->side) {
        for (size_t i = 0; i < (size_t)h * (size_t)d; i++) m->v[i] = w[i];
        return RM_OK;
    }
    for (size_t i = 0; i < (size_t)m->rows * (size_t)m->cols; i++) m->v[i] = NAN;
    for (int t = 0; t < tiles; t++)
        for (int r = 0; r < s; r++)
            for (int c = 0; c < s; c++)
                m->v[(size_t)((t / across) * (s + 1) + r) * (size_t)m->cols + (size_t)((t % across) * (s + 1) + c)] =
                    w[(size_t)t * (size_t)d + (size_t)(r * s + c)];
    return RM_OK;
}

/* The mosaic as a gnuplot matrix file (a line per image row); its largest magnitude into *max. */
static int write_matrix(plot_job *j, const mosaic *m, char *path, size_t n, double *max, rm_err *e)
{
    FILE *f = plot_data_open(j, "weights.dat", path, n, e);
    if (!f) return e->code;
    *max = 0;
    for (int r = 0; r < m->rows; r++)
        for (int c = 0; c < m->cols; c++) {
            double v = m->v[(size_t)r * (size_t)m->cols + (size_t)c];
            if (isfinite(v)) *max = fmax(*max, fabs(v));
            if (isfinite(v)) fprintf(f, "%.9g", v);
            else fprintf(f, "NaN");
            fputc(c + 1 < m->cols ? ' ' : '\n', f);
        }
    return rm_fclose(f, path, e);
}

/* The first layer's weights of dir/model.safetensors, (h, d) float32. */
static int read_weights(const char *dir, rm_st_file *f, const rm_st_entry **w, rm_err *e)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (rm_st_read(f, path, e)) return e->code;
    *w = rm_st_find(f, "fc0.weight");
    if (!*w || (*w)->dtype != RM_ST_F32 || (*w)->ndim != 2)
        return rm_fail(e, RM_ERR_IO, "%s: no float32 matrix fc0.weight (a model without a hidden layer?)", path);
    return RM_OK;
}

int plot_weights(const char *dir, const plot_opts *o, rm_err *e)
{
    rm_st_file f = {0};
    const rm_st_entry *w = NULL;
    mosaic m = {0};
    plot_job j = {0};
    rm_runs rs = {0};
    char path[4200], title[512];
    double max = 0;
    int rc = rm_runs_scan(&rs, dir, e);
    if (!rc && rs.n != 1) rc = rm_fail(e, RM_ERR_USAGE, "weights %s: give one run's directory (it holds %d runs)", dir, rs.n);
    if (!rc) rc = read_weights(dir, &f, &w, e);
    if (!rc) rc = lay_out((const float *)w->data, (int)w->shape[0], (int)w->shape[1], &m, e);
    if (!rc) rc = plot_begin(&j, o, e);
    if (!rc) rc = write_matrix(&j, &m, path, sizeof path, &max, e);
    if (!rc) {
        plot_study_name(o, dir, &rs, title, sizeof title);
        snprintf(title + strlen(title), sizeof title - strlen(title), ": first-layer weights%s",
                 m.side && w->shape[0] > MAX_TILES ? " (the first 64 units)" : "");
        fprintf(j.gp, "set title ");
        plot_quote(j.gp, title);
        fprintf(j.gp, "\nunset key\nunset grid\nset cblabel 'weight'\n"
                      "set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')\nset cbrange [%.9g:%.9g]\n"
                      "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n",
                -(max > 0 ? max : 1), max > 0 ? max : 1, m.cols - 1, m.rows - 1);
        if (m.side) fprintf(j.gp, "set size ratio -1\nunset xtics\nunset ytics\nunset border\n");
        else fprintf(j.gp, "set xlabel 'input feature'\nset ylabel 'hidden unit'\n%s", m.cols <= 30 ? "set xtics 1\n" : "");
        fprintf(j.gp, "plot ");
        plot_quote(j.gp, path);
        fprintf(j.gp, " matrix with image\n");
        rc = plot_finish(&j, o, e);
    } else if (j.gp) plot_abandon(&j);
    free(m.v);
    rm_st_free(&f);
    rm_runs_free(&rs);
    return rc;
}
