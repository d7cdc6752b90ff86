/* png.c - a PNG encoder through zlib, and the grids and colour map of the run's figures.
 *
 * Layout (PNG 1.2 / ISO 15948): the 8-byte signature, then chunks, each a big-endian u32 data length,
 * a 4-byte type, the data and a CRC-32 of type + data. We write IHDR (width, height, bit depth 8,
 * colour type 0 = grey or 2 = RGB, compression 0, filter method 0, no interlace), one IDAT holding the
 * zlib stream of the filtered rows (each row a filter-type byte and w * channels bytes), and IEND.
 * Each row takes the filter (None, Sub, Up, Average, Paeth) whose output has the smallest sum of
 * |signed byte|, libpng's heuristic: it only changes the size, never the pixels. */
#include "rm_png.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Write one chunk at p (12 + n bytes); returns the bytes written. */
static size_t put_chunk(uint8_t *p, const char type[4], const uint8_t *data, size_t n)
{
    put_u32be(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    if (n) memcpy(p + 8, data, n);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, p + 4, 4);
    /* crc32 takes a uInt length: feed large data in pieces */
    for (size_t done = 0; done < n;) {
        size_t part = n - done > 0x40000000u ? 0x40000000u : n - done;
        crc = crc32(crc, p + 8 + done, (uInt)part);
        done += part;
    }
    put_u32be(p + 8 + n, (uint32_t)crc);
    return 12 + n;
}

static inline int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Filter row cur (rb bytes; prev is the row above or NULL) into out[0] (type) + out[1..rb], choosing the
 * type by the minimum sum of |signed byte|. cand: scratch (5, rb). */
static void filter_row(const uint8_t *cur, const uint8_t *prev, size_t rb, int bpp, uint8_t *cand, uint8_t *out)
{
    unsigned long best_sum = 0;
    int best = 0;
    for (int f = 0; f < 5; f++) {
        uint8_t *c = cand + (size_t)f * rb;
        unsigned long sum = 0;
        for (size_t i = 0; i < rb; i++) {
            const int x = cur[i], a = i >= (size_t)bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0;
            const int cc = prev && i >= (size_t)bpp ? prev[i - bpp] : 0;
            int pred = 0;
            switch (f) {
            case 1: pred = a; break;
            case 2: pred = b; break;
            case 3: pred = (a + b) >> 1; break;
            case 4: pred = paeth(a, b, cc); break;
            default: break;
            }
            const uint8_t v = (uint8_t)(x - pred);
            c[i] = v;
            sum += v < 128 ? v : 256u - v;
        }
        if (f == 0 || sum < best_sum) {
            best_sum = sum;
            best = f;
        }
    }
    out[0] = (uint8_t)best;
    memcpy(out + 1, cand + (size_t)best * rb, rb);
}

int rm_png_encode(int w, int h, int channels, const uint8_t *pixels, uint8_t **out, size_t *n, rm_err *e)
{
    *out = NULL;
    *n = 0;
    if (w < 1 || h < 1 || w > RM_PNG_MAX_SIDE || h > RM_PNG_MAX_SIDE)
        return rm_fail(e, RM_ERR_IO, "png: image size %d x %d is not in [1, %d]", w, h, RM_PNG_MAX_SIDE);
    if (channels != 1 && channels != 3)
        return rm_fail(e, RM_ERR_IO, "png: %d channels (1 grey or 3 RGB)", channels);
    const size_t rb = (size_t)w * (size_t)channels, raw_n = (size_t)h * (rb + 1);
    uint8_t *raw = rm_alloc(raw_n, 1, "png rows", e);
    uint8_t *cand = raw ? rm_alloc(5 * rb, 1, "png filter rows", e) : NULL;
    const uLong bound = compressBound((uLong)raw_n);
    uint8_t *file = cand ? rm_alloc(8 + 25 + 12 + (size_t)bound + 12, 1, "png file", e) : NULL;
    if (!file) {
        rm_free(raw);
        rm_free(cand);
        return e->code;
    }
    for (int y = 0; y < h; y++)
        filter_row(pixels + (size_t)y * rb, y ? pixels + (size_t)(y - 1) * rb : NULL, rb, channels, cand,
                   raw + (size_t)y * (rb + 1));
    rm_free(cand);

    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(file, sig, 8);
    uint8_t ihdr[13];
    put_u32be(ihdr, (uint32_t)w);
    put_u32be(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;                          /* bit depth */
    ihdr[9] = channels == 1 ? 0 : 2;      /* colour type: grey, RGB */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;   /* deflate, adaptive filtering, no interlace */
    size_t at = 8 + put_chunk(file + 8, "IHDR", ihdr, sizeof ihdr);
    /* Deflate straight into the IDAT's data field, then frame it. */
    uLongf zn = bound;
    int zrc = compress2(file + at + 8, &zn, raw, (uLong)raw_n, 9);
    rm_free(raw);
    if (zrc != Z_OK || zn > 0x7fffffffu) {
        rm_free(file);
        return rm_fail(e, RM_ERR_IO, "png: deflate failed (zlib error %d)", zrc);
    }
    at += put_chunk(file + at, "IDAT", file + at + 8, (size_t)zn);
    at += put_chunk(file + at, "IEND", NULL, 0);
    *out = file;
    *n = at;
    return RM_OK;
}

static int write_png(const char *path, int w, int h, int channels, const uint8_t *pixels, rm_err *e)
{
    uint8_t *buf;
    size_t n;
    if (rm_png_encode(w, h, channels, pixels, &buf, &n, e)) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        return rm_fail(e, e->code, "%s: %s", path, msg);
    }
    int rc = rm_write_atomic(path, buf, n, e);
    rm_free(buf);
    return rc;
}

int rm_png_write_gray(const char *path, int w, int h, const uint8_t *pixels, rm_err *e)
{
    return write_png(path, w, h, 1, pixels, e);
}

int rm_png_write_rgb(const char *path, int w, int h, const uint8_t *pixels, rm_err *e)
{
    return write_png(path, w, h, 3, pixels, e);
}

int rm_png_grid_cols(int k, int cols)
{
    if (cols > 0) return cols;
    int c = 1;
    while (c * c < k) c++;
    return c;
}

void rm_png_grid_size(int k, int tw, int th, int cols, int *w, int *h)
{
    cols = rm_png_grid_cols(k, cols);
    const int rows = k > 0 ? (k + cols - 1) / cols : 0;
    *w = cols * (tw + 1) + 1;
    *h = rows * (th + 1) + 1;
}

void rm_png_tile_grid(const uint8_t *tiles, int k, int tw, int th, int channels, int cols, uint8_t *out)
{
    int w, h;
    cols = rm_png_grid_cols(k, cols);
    rm_png_grid_size(k, tw, th, cols, &w, &h);
    memset(out, RM_PNG_GAP, (size_t)w * (size_t)h * (size_t)channels);
    const size_t trow = (size_t)tw * (size_t)channels;
    for (int t = 0; t < k; t++) {
        const int r = t / cols, c = t % cols;
        const uint8_t *src = tiles + (size_t)t * (size_t)th * trow; // (th, tw, channels)
        for (int y = 0; y < th; y++) {
            uint8_t *dst = out + (((size_t)r * (th + 1) + 1 + y) * (size_t)w + (size_t)c * (tw + 1) + 1) * channels;
            memcpy(dst, src + (size_t)y * trow, trow);
        }
    }
}

void rm_png_diverging(float v, float scale, uint8_t rgb[3])
{
    if (isnan(v)) {
        rgb[0] = rgb[1] = rgb[2] = 0;
        return;
    }
    double t = scale > 0.0f && isfinite(scale) ? (double)v / (double)scale : 0.0;
    if (isnan(t)) t = 0.0; /* inf / inf cannot happen (scale is finite); kept for safety */
    t = t > 1.0 ? 1.0 : t < -1.0 ? -1.0 : t;
    const uint8_t pale = (uint8_t)nearbyint(255.0 * (1.0 - fabs(t)));
    rgb[0] = t >= 0.0 ? 255 : pale;
    rgb[1] = pale;
    rgb[2] = t <= 0.0 ? 255 : pale;
}

float rm_png_max_abs(const float *v, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        const float a = fabsf(v[i]);
        if (isfinite(a) && a > m) m = a;
    }
    return m;
}

/* Check k tiles of side x side and the grid size. */
static int check_tiles(const char *path, int k, int side, int cols, int *w, int *h, rm_err *e)
{
    if (k < 1 || side < 1 || side > RM_PNG_MAX_SIDE || k > RM_PNG_MAX_SIDE * RM_PNG_MAX_SIDE)
        return rm_fail(e, RM_ERR_IO, "%s: cannot lay out %d tiles of %d x %d", path, k, side, side);
    cols = rm_png_grid_cols(k, cols);
    const long long rows = (k + (long long)cols - 1) / cols;
    if ((long long)cols * (side + 1) + 1 > RM_PNG_MAX_SIDE || rows * (side + 1) + 1 > RM_PNG_MAX_SIDE)
        return rm_fail(e, RM_ERR_IO, "%s: a grid of %d tiles of %d x %d in %d columns is over %d pixels wide or tall",
                       path, k, side, side, cols, RM_PNG_MAX_SIDE);
    rm_png_grid_size(k, side, side, cols, w, h);
    return RM_OK;
}

int rm_png_write_gray_tiles(const char *path, const uint8_t *tiles, int k, int side, int cols, rm_err *e)
{
    int w = 0, h = 0;
    if (check_tiles(path, k, side, cols, &w, &h, e)) return e->code;
    uint8_t *img = rm_alloc((size_t)w * (size_t)h, 1, "png grid", e);
    if (!img) return e->code;
    rm_png_tile_grid(tiles, k, side, side, 1, cols, img);
    int rc = rm_png_write_gray(path, w, h, img, e);
    rm_free(img);
    return rc;
}

int rm_png_write_weight_tiles(const char *path, const float *wt, int k, int side, int cols, float scale, float *used,
                              rm_err *e)
{
    int w = 0, h = 0;
    if (check_tiles(path, k, side, cols, &w, &h, e)) return e->code;
    const size_t per = (size_t)side * (size_t)side, n = (size_t)k * per;
    if (!(scale > 0.0f && isfinite(scale))) scale = rm_png_max_abs(wt, n);
    if (used) *used = scale;
    uint8_t *rgb = rm_alloc(n, 3, "weight tiles", e);
    uint8_t *img = rgb ? rm_alloc((size_t)w * (size_t)h, 3, "png grid", e) : NULL;
    if (!img) {
        rm_free(rgb);
        return e->code;
    }
    for (size_t i = 0; i < n; i++) rm_png_diverging(wt[i], scale, rgb + 3 * i);
    rm_png_tile_grid(rgb, k, side, side, 3, cols, img);
    rm_free(rgb);
    int rc = rm_png_write_rgb(path, w, h, img, e);
    rm_free(img);
    return rc;
}
