/* rm_png.h - a PNG encoder (8-bit grayscale and RGB, zlib deflate) and image grids for the run's figures:
 * augment.png (augmented training images) and weights_fc0.png (first-layer weights on a diverging scale). */
#ifndef RM_PNG_H
#define RM_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "rm_common.h"

#define RM_PNG_MAX_SIDE 16384 /* widest and tallest image we encode */
#define RM_PNG_GAP 128        /* the grey of the 1-px lines between and around grid tiles */

/* Encode a w x h image with channels 1 (grey) or 3 (RGB), pixels (h, w, channels), into a new buffer
 * *out (n bytes; release with rm_free). Rows are filtered (libpng's minimum-sum heuristic), deflated at
 * level 9, and written as IHDR, one IDAT, IEND. */
int rm_png_encode(int w, int h, int channels, const uint8_t *pixels, uint8_t **out, size_t *n, rm_err *e);

/* Write an 8-bit grayscale PNG atomically: pixels (h, w). */
int rm_png_write_gray(const char *path, int w, int h, const uint8_t *pixels, rm_err *e);

/* Write an 8-bit RGB PNG atomically: pixels (h, w, 3). */
int rm_png_write_rgb(const char *path, int w, int h, const uint8_t *pixels, rm_err *e);

/* Columns for a grid of k tiles when cols <= 0: ceil(sqrt(k)); else cols. */
int rm_png_grid_cols(int k, int cols);

/* The size of a grid of k tiles (tw x th) in cols columns (rm_png_grid_cols), with 1-px gaps between the
 * tiles and around them: w = cols * (tw + 1) + 1, h = rows * (th + 1) + 1. */
void rm_png_grid_size(int k, int tw, int th, int cols, int *w, int *h);

/* Lay out k tiles (k, th, tw, channels) row by row into out (h, w, channels) of rm_png_grid_size; gaps
 * and empty cells get the grey RM_PNG_GAP. */
void rm_png_tile_grid(const uint8_t *tiles, int k, int tw, int th, int channels, int cols, uint8_t *out);

/* Blue-white-red colour of v on the scale [-scale, scale]: 0 is white, +scale pure red (255, 0, 0),
 * -scale pure blue (0, 0, 255), linear in between and clamped outside; NaN is black. scale <= 0 or not
 * finite: every finite v is white. */
void rm_png_diverging(float v, float scale, uint8_t rgb[3]);

/* The largest finite |v| of v (n); 0 when there is none. */
float rm_png_max_abs(const float *v, size_t n);

/* augment.png: k grey side x side tiles (k, side * side) in a grid (cols as rm_png_grid_cols). */
int rm_png_write_gray_tiles(const char *path, const uint8_t *tiles, int k, int side, int cols, rm_err *e);

/* weights_fc0.png: k rows of side * side weights (k, side * side), each a tile, coloured by
 * rm_png_diverging on one scale shared by all tiles: scale if > 0, else the largest |w| (rm_png_max_abs).
 * The scale used goes to *used (may be NULL). */
int rm_png_write_weight_tiles(const char *path, const float *w, int k, int side, int cols, float scale, float *used,
                              rm_err *e);

#endif
