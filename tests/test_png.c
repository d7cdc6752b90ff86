/* test_png.c - the PNG encoder, checked by decoding: a strict decoder below (its own CRC-32, zlib's
 * inflate, all five row filters) must give back the exact pixels, and Debian's pngcheck, when installed,
 * must pass every file we write and fail a corrupted one. Also the grid layout and the colour map. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "rm_png.h"
#include "test_util.h"

/* ---------------------------------------------------------------------------------------------- */
/* A strict decoder for what we write: 8-bit grey or RGB, not interlaced. */

typedef struct {
    int w, h, channels;
    uint8_t *pixels;       /* (h, w, channels), malloc'd */
    int filter_count[5];   /* rows per filter type */
} png_image;

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint32_t get_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Decode buf (n) into img; 0 on success, else a message in why. */
static int png_decode(const uint8_t *buf, size_t n, png_image *img, char *why, size_t why_n)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memset(img, 0, sizeof *img);
    if (n < 8 || memcmp(buf, sig, 8) != 0) return snprintf(why, why_n, "bad signature"), 1;
    size_t at = 8, idat_n = 0;
    uint8_t *idat = NULL;
    int seen_ihdr = 0, seen_iend = 0, idat_done = 0, depth = 0, ctype = -1;
    while (at < n && !seen_iend) {
        if (n - at < 12) return snprintf(why, why_n, "truncated chunk header at %zu", at), free(idat), 1;
        const uint32_t len = get_u32be(buf + at);
        if (len > 0x7fffffffu || len > n - at - 12) return snprintf(why, why_n, "chunk overruns the file"), free(idat), 1;
        const uint8_t *type = buf + at + 4, *data = buf + at + 8;
        if (crc_of(type, len + 4) != get_u32be(data + len))
            return snprintf(why, why_n, "CRC mismatch in %.4s", (const char *)type), free(idat), 1;
        if (!seen_ihdr && memcmp(type, "IHDR", 4) != 0) return snprintf(why, why_n, "IHDR not first"), free(idat), 1;
        if (memcmp(type, "IHDR", 4) == 0) {
            if (seen_ihdr || len != 13) return snprintf(why, why_n, "bad IHDR"), free(idat), 1;
            seen_ihdr = 1;
            img->w = (int)get_u32be(data);
            img->h = (int)get_u32be(data + 4);
            depth = data[8];
            ctype = data[9];
            if (img->w < 1 || img->h < 1 || depth != 8 || (ctype != 0 && ctype != 2) || data[10] || data[11] ||
                data[12])
                return snprintf(why, why_n, "unsupported IHDR"), free(idat), 1;
            img->channels = ctype == 0 ? 1 : 3;
        } else if (memcmp(type, "IDAT", 4) == 0) {
            if (idat_done) return snprintf(why, why_n, "IDAT chunks not consecutive"), free(idat), 1;
            uint8_t *grown = realloc(idat, idat_n + len + 1);
            if (!grown) return snprintf(why, why_n, "out of memory"), free(idat), 1;
            idat = grown;
            memcpy(idat + idat_n, data, len);
            idat_n += len;
        } else if (memcmp(type, "IEND", 4) == 0) {
            if (len != 0) return snprintf(why, why_n, "IEND with data"), free(idat), 1;
            seen_iend = 1;
        } else if (!(type[0] & 0x20)) {
            return snprintf(why, why_n, "unknown critical chunk %.4s", (const char *)type), free(idat), 1;
        }
        if (idat_n && memcmp(type, "IDAT", 4) != 0) idat_done = 1;
        at += 12 + len;
    }
    if (!seen_iend) return snprintf(why, why_n, "no IEND"), free(idat), 1;
    if (at != n) return snprintf(why, why_n, "%zu bytes after IEND", n - at), free(idat), 1;
    if (!idat_n) return snprintf(why, why_n, "no IDAT"), free(idat), 1;
    const size_t rb = (size_t)img->w * img->channels, raw_n = (size_t)img->h * (rb + 1);
    uint8_t *raw = malloc(raw_n + 1);
    img->pixels = malloc((size_t)img->h * rb);
    if (!raw || !img->pixels) return snprintf(why, why_n, "out of memory"), free(idat), free(raw), 1;
    uLongf got = (uLongf)raw_n + 1; /* one spare byte: a longer stream is an error, not silently cut */
    int zrc = uncompress(raw, &got, idat, (uLong)idat_n);
    free(idat);
    if (zrc != Z_OK || got != raw_n)
        return snprintf(why, why_n, "inflate: zlib %d, %lu bytes for %zu", zrc, (unsigned long)got, raw_n), free(raw), 1;
    const int bpp = img->channels;
    for (int y = 0; y < img->h; y++) {
        const uint8_t *f = raw + (size_t)y * (rb + 1);
        uint8_t *cur = img->pixels + (size_t)y * rb, *prev = y ? cur - rb : NULL;
        if (f[0] > 4) return snprintf(why, why_n, "row %d: filter type %d", y, f[0]), free(raw), 1;
        img->filter_count[f[0]]++;
        for (size_t i = 0; i < rb; i++) {
            const int a = i >= (size_t)bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0,
                      c = prev && i >= (size_t)bpp ? prev[i - bpp] : 0;
            const int pred = f[0] == 0 ? 0 : f[0] == 1 ? a : f[0] == 2 ? b : f[0] == 3 ? (a + b) / 2 : paeth(a, b, c);
            cur[i] = (uint8_t)(f[1 + i] + pred);
        }
    }
    free(raw);
    return 0;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

static int have_pngcheck;
static int filters_seen[5];

/* pngcheck's verdict on path: 1 passes, 0 fails. */
static int pngcheck_ok(const char *path)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "pngcheck -q '%s' >/dev/null 2>&1", path);
    return system(cmd) == 0;
}

/* Decode the file at path and check it holds exactly pixels (h, w, channels); and pngcheck passes it. */
static void check_file(const char *path, int w, int h, int channels, const uint8_t *pixels)
{
    size_t n;
    uint8_t *buf = read_all(path, &n);
    CHECK(buf != NULL);
    if (!buf) return;
    png_image img;
    char why[256] = "";
    int bad = png_decode(buf, n, &img, why, sizeof why);
    if (bad) fprintf(stderr, "%s: decode failed: %s\n", path, why);
    CHECK(!bad);
    if (!bad) {
        CHECK(img.w == w && img.h == h && img.channels == channels);
        CHECK(img.w == w && img.h == h && img.channels == channels &&
              memcmp(img.pixels, pixels, (size_t)w * h * channels) == 0);
        for (int f = 0; f < 5; f++) filters_seen[f] += img.filter_count[f];
    }
    free(img.pixels);
    free(buf);
    if (have_pngcheck) CHECK(pngcheck_ok(path));
}

static char dir[64];

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* ---------------------------------------------------------------------------------------------- */

static void test_roundtrip(void)
{
    rm_err e = {0};
    char p[128];
    /* odd sizes, random grey */
    enum { W1 = 37, H1 = 23 };
    static uint8_t g[W1 * H1];
    uint32_t s = 1;
    for (int i = 0; i < W1 * H1; i++) g[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 16);
    path_of(p, sizeof p, "gray.png");
    CHECK(rm_png_write_gray(p, W1, H1, g, &e) == RM_OK);
    check_file(p, W1, H1, 1, g);
    /* smooth RGB: gradients, where the filters pay */
    enum { W2 = 64, H2 = 40 };
    static uint8_t c[W2 * H2 * 3];
    for (int y = 0; y < H2; y++)
        for (int x = 0; x < W2; x++) {
            uint8_t *px = c + 3 * (y * W2 + x);
            px[0] = (uint8_t)(4 * x);
            px[1] = (uint8_t)(6 * y);
            px[2] = (uint8_t)((x * y) & 255);
        }
    path_of(p, sizeof p, "rgb.png");
    CHECK(rm_png_write_rgb(p, W2, H2, c, &e) == RM_OK);
    check_file(p, W2, H2, 3, c);
    /* patterns that make the Paeth and Average filters win on many rows, with Paeth's ties */
    static uint8_t q[W2 * H2 * 3];
    for (int y = 0; y < H2; y++)
        for (int x = 0; x < W2; x++)
            for (int ch = 0; ch < 3; ch++)
                q[3 * (y * W2 + x) + ch] = (uint8_t)(ch == 0 ? (x ^ y) * 8 : ch == 1 ? x * x + 3 * y * y : (x + y) * (x - y));
    path_of(p, sizeof p, "pattern.png");
    CHECK(rm_png_write_rgb(p, W2, H2, q, &e) == RM_OK);
    check_file(p, W2, H2, 3, q);
    /* 1 x 1, a single row, a single column */
    const uint8_t one[3] = {200, 10, 99};
    path_of(p, sizeof p, "one.png");
    CHECK(rm_png_write_rgb(p, 1, 1, one, &e) == RM_OK);
    check_file(p, 1, 1, 3, one);
    static uint8_t row[1000], col[1000];
    for (int i = 0; i < 1000; i++) row[i] = (uint8_t)(i * 7), col[i] = (uint8_t)(i / 4);
    path_of(p, sizeof p, "row.png");
    CHECK(rm_png_write_gray(p, 1000, 1, row, &e) == RM_OK);
    check_file(p, 1000, 1, 1, row);
    path_of(p, sizeof p, "col.png");
    CHECK(rm_png_write_gray(p, 1, 1000, col, &e) == RM_OK);
    check_file(p, 1, 1000, 1, col);
    /* a large flat image compresses to almost nothing */
    static uint8_t flat[1024 * 1024];
    memset(flat, 17, sizeof flat);
    path_of(p, sizeof p, "flat.png");
    CHECK(rm_png_write_gray(p, 1024, 1024, flat, &e) == RM_OK);
    check_file(p, 1024, 1024, 1, flat);
    size_t n;
    uint8_t *b = read_all(p, &n);
    CHECK(b && n < 4096);
    free(b);
    /* the encoder used more than one filter type over these images */
    int kinds = 0;
    for (int f = 0; f < 5; f++) kinds += filters_seen[f] > 0;
    printf("row filters used (None, Sub, Up, Average, Paeth): %d %d %d %d %d\n", filters_seen[0], filters_seen[1],
           filters_seen[2], filters_seen[3], filters_seen[4]);
    CHECK(kinds >= 3);
}

/* A corrupted file fails the decoder and pngcheck: the checks can fail. */
static void test_corrupt(void)
{
    rm_err e = {0};
    char p[128], q[128];
    static uint8_t g[50 * 50];
    for (int i = 0; i < 2500; i++) g[i] = (uint8_t)(i % 251);
    path_of(p, sizeof p, "ok.png");
    CHECK(rm_png_write_gray(p, 50, 50, g, &e) == RM_OK);
    size_t n;
    uint8_t *b = read_all(p, &n);
    CHECK(b != NULL);
    if (!b) return;
    png_image img;
    char why[256];
    const size_t spots[] = {3, 20, 40, n / 2, n - 5}; /* signature, IHDR data, IDAT, IDAT, IEND CRC */
    for (size_t k = 0; k < sizeof spots / sizeof spots[0]; k++) {
        b[spots[k]] ^= 0x10;
        CHECK(png_decode(b, n, &img, why, sizeof why) != 0);
        free(img.pixels);
        path_of(q, sizeof q, "bad.png");
        FILE *f = fopen(q, "wb");
        CHECK(f && fwrite(b, 1, n, f) == n);
        if (f) fclose(f);
        if (have_pngcheck) CHECK(!pngcheck_ok(q));
        b[spots[k]] ^= 0x10;
    }
    CHECK(png_decode(b, n - 1, &img, why, sizeof why) != 0); /* truncated */
    free(img.pixels);
    CHECK(png_decode(b, n, &img, why, sizeof why) == 0); /* and restored */
    free(img.pixels);
    free(b);
}

static void test_errors(void)
{
    rm_err e = {0};
    uint8_t px[4] = {0};
    char p[128];
    path_of(p, sizeof p, "never.png");
    CHECK(rm_png_write_gray(p, 0, 1, px, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "never.png: png: image size 0 x 1");
    CHECK(rm_png_write_gray(p, RM_PNG_MAX_SIDE + 1, 1, px, &e) == RM_ERR_IO);
    uint8_t *out;
    size_t n;
    CHECK(rm_png_encode(1, 1, 2, px, &out, &n, &e) == RM_ERR_IO && out == NULL);
    CHECK_CONTAINS(e.msg, "2 channels");
    CHECK(access(p, F_OK) != 0);
    CHECK(rm_png_write_gray("/nonexistent-dir/x.png", 1, 1, px, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "/nonexistent-dir/x.png");
    CHECK(rm_png_write_gray_tiles(p, px, 0, 28, 0, &e) == RM_ERR_IO);
    CHECK_CONTAINS(e.msg, "never.png: cannot lay out 0 tiles");
    CHECK(rm_png_write_gray_tiles(p, px, 4, 28, 1000, &e) == RM_ERR_IO); /* 1000 columns: 29001 px wide */
    CHECK_CONTAINS(e.msg, "over 16384 pixels");
}

static void test_grid(void)
{
    int w, h;
    rm_png_grid_size(64, 28, 28, 0, &w, &h);
    CHECK(w == 8 * 29 + 1 && h == 8 * 29 + 1);
    rm_png_grid_size(10, 28, 28, 0, &w, &h); /* 4 columns, 3 rows */
    CHECK(w == 4 * 29 + 1 && h == 3 * 29 + 1);
    rm_png_grid_size(256, 28, 28, 0, &w, &h);
    CHECK(w == 16 * 29 + 1 && h == 16 * 29 + 1);
    rm_png_grid_size(5, 3, 2, 2, &w, &h); /* 2 columns, 3 rows of 3 x 2 tiles */
    CHECK(w == 2 * 4 + 1 && h == 3 * 3 + 1);
    CHECK(rm_png_grid_cols(1, 0) == 1 && rm_png_grid_cols(2, 0) == 2 && rm_png_grid_cols(9, 0) == 3 &&
          rm_png_grid_cols(10, 0) == 4 && rm_png_grid_cols(10, 3) == 3);
    /* 5 RGB tiles of 3 x 2 in 2 columns, by hand: tile t's pixel (y, x) channel ch = 10t + 3y + x + 100ch */
    uint8_t tiles[5 * 2 * 3 * 3], out[10 * 9 * 3];
    for (int t = 0; t < 5; t++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                for (int ch = 0; ch < 3; ch++) tiles[((t * 2 + y) * 3 + x) * 3 + ch] = (uint8_t)(10 * t + 3 * y + x + 100 * ch);
    rm_png_tile_grid(tiles, 5, 3, 2, 3, 2, out);
    int bad = 0;
    for (int Y = 0; Y < 10; Y++)
        for (int X = 0; X < 9; X++)
            for (int ch = 0; ch < 3; ch++) {
                int want = RM_PNG_GAP;
                const int r = (Y - 1) / 3, y = (Y - 1) % 3, c = (X - 1) / 4, x = (X - 1) % 4;
                if (Y >= 1 && X >= 1 && y < 2 && x < 3 && r * 2 + c < 5) want = 10 * (r * 2 + c) + 3 * y + x + 100 * ch;
                bad += out[(Y * 9 + X) * 3 + ch] != want;
            }
    CHECK(bad == 0);
    CHECK(out[(7 * 9 + 5) * 3] == RM_PNG_GAP); /* the empty sixth cell */
}

static void test_colors(void)
{
    uint8_t c[3];
#define COLOR(v, s, r, g, b) (rm_png_diverging((v), (s), c), c[0] == (r) && c[1] == (g) && c[2] == (b))
    CHECK(COLOR(0.0f, 2.0f, 255, 255, 255));
    CHECK(COLOR(-0.0f, 2.0f, 255, 255, 255));
    CHECK(COLOR(2.0f, 2.0f, 255, 0, 0));
    CHECK(COLOR(-2.0f, 2.0f, 0, 0, 255));
    CHECK(COLOR(1.0f, 2.0f, 255, 128, 128)); /* 127.5 rounds to even */
    CHECK(COLOR(-0.5f, 2.0f, 191, 191, 255)); /* 191.25 */
    CHECK(COLOR(7.0f, 2.0f, 255, 0, 0));
    CHECK(COLOR(-INFINITY, 2.0f, 0, 0, 255));
    CHECK(COLOR(NAN, 2.0f, 0, 0, 0));
    CHECK(COLOR(1.0f, 0.0f, 255, 255, 255));
    CHECK(COLOR(1.0f, NAN, 255, 255, 255));
    /* symmetric: v and -v have mirrored colours */
    int sym = 1;
    for (int i = 0; i <= 1000; i++) {
        uint8_t a[3], b[3];
        rm_png_diverging(i * 0.0017f, 1.5f, a);
        rm_png_diverging(-i * 0.0017f, 1.5f, b);
        sym &= a[0] == b[2] && a[1] == b[1] && a[2] == b[0];
    }
    CHECK(sym);
#undef COLOR
    const float v[5] = {0.5f, -3.0f, NAN, INFINITY, 2.0f};
    CHECK(rm_png_max_abs(v, 5) == 3.0f);
    CHECK(rm_png_max_abs(v + 2, 2) == 0.0f);
}

/* The two figures, decoded back and compared with what they should show. */
static void test_figures(void)
{
    rm_err e = {0};
    char p[128];
    enum { K = 10, SIDE = 28, N = SIDE * SIDE };
    static float wt[K * N];
    for (int t = 0; t < K; t++)
        for (int i = 0; i < N; i++) wt[t * N + i] = (float)sin(0.01 * (t * N + i)) * (t + 1) * 0.01f;
    float used = 0;
    path_of(p, sizeof p, "weights_fc0.png");
    CHECK(rm_png_write_weight_tiles(p, wt, K, SIDE, 0, 0.0f, &used, &e) == RM_OK);
    CHECK(used == rm_png_max_abs(wt, K * N) && used > 0.09f && used <= 0.1f);
    int w, h;
    rm_png_grid_size(K, SIDE, SIDE, 0, &w, &h);
    static uint8_t want[(4 * 29 + 1) * (3 * 29 + 1) * 3], rgb[K * N * 3];
    for (int i = 0; i < K * N; i++) rm_png_diverging(wt[i], used, rgb + 3 * i);
    rm_png_tile_grid(rgb, K, SIDE, SIDE, 3, 0, want);
    check_file(p, w, h, 3, want);
    /* a weight of 0 (tile 0, pixel 0: sin 0) is white */
    CHECK(want[((1 * w) + 1) * 3] == 255 && want[((1 * w) + 1) * 3 + 1] == 255 && want[((1 * w) + 1) * 3 + 2] == 255);
    /* a given scale is used as given */
    CHECK(rm_png_write_weight_tiles(p, wt, K, SIDE, 5, 0.05f, &used, &e) == RM_OK && used == 0.05f);
    /* augment.png: 64 grey tiles */
    static uint8_t g[64 * N], gw[8 * 29 + 1][8 * 29 + 1];
    for (int i = 0; i < 64 * N; i++) g[i] = (uint8_t)((i * 31) ^ (i >> 5));
    path_of(p, sizeof p, "augment.png");
    CHECK(rm_png_write_gray_tiles(p, g, 64, SIDE, 0, &e) == RM_OK);
    rm_png_tile_grid(g, 64, SIDE, SIDE, 1, 0, &gw[0][0]);
    check_file(p, 8 * 29 + 1, 8 * 29 + 1, 1, &gw[0][0]);
    CHECK(gw[0][0] == RM_PNG_GAP && gw[1][1] == g[0] && gw[1][30] == g[N] && gw[30][1] == g[8 * N]);
}

/* Atomic writes leave no temporary file behind; remove what we made. */
static void cleanup(void)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d) return;
    struct dirent *de;
    int tmp = 0;
    char p[512];
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        tmp += strstr(de->d_name, ".tmp") != NULL;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    CHECK(tmp == 0);
    rmdir(dir);
}

int main(void)
{
    crc_init();
    snprintf(dir, sizeof dir, "/tmp/test_png.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    have_pngcheck = system("command -v pngcheck >/dev/null 2>&1") == 0;
    if (!have_pngcheck) {
        const char *need = getenv("REGMNIST_REQUIRE_PNGCHECK");
        printf("pngcheck not installed: files checked by this test's decoder only%s\n",
               need && *need == '1' ? " (REGMNIST_REQUIRE_PNGCHECK=1: failing)" : "");
        if (need && *need == '1') CHECK(!"pngcheck is required");
    }
    test_roundtrip();
    test_corrupt();
    test_errors();
    test_grid();
    test_colors();
    test_figures();
    cleanup();
    return t_done("test_png");
}
