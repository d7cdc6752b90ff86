/* rm_augment.h - data-side regularizers: a random affine per training sample and Gaussian input noise.
 *
 * Every random number is a counter-based hash of (run seed, stream, epoch, sample) or (run seed, stream,
 * step, element), never a position in a sequential stream, so any thread can compute any sample and the
 * result does not depend on the thread count, the batch size or the order in which samples are seen. */
#ifndef RM_AUGMENT_H
#define RM_AUGMENT_H

#include <stdint.h>

#include "rm_common.h"
#include "rm_data.h"

/* Stream ids mixed into the hash keys (continuing rm_rng.h's 1..4 and train.c's train_eval 5); record
 * them in summary.json's rng_streams like the others. */
enum { RM_STREAM_AUGMENT = 6, RM_STREAM_NOISE = 7 };

/* data.augment: torchvision RandomAffine(degrees=rotate_deg, translate=(shift, shift),
 * scale=(scale_lo, scale_hi)) with bilinear resampling and fill 0. Absent keys: rotate_deg 0, shift 0,
 * scale_lo = scale_hi = 1. on = 0 makes rm_augment_gather a plain rm_gather. */
typedef struct rm_augment_cfg {
    double rotate_deg;         /* angle ~ U(-rotate_deg, rotate_deg) degrees, >= 0 */
    double shift;              /* tx, ty = round(U(-shift*28, shift*28)) pixels, in [0, 1] */
    double scale_lo, scale_hi; /* scale ~ U(scale_lo, scale_hi), 0 < lo <= hi */
    int on;
} rm_augment_cfg;

/* One sample's drawn transform (torchvision get_params' outputs). */
typedef struct rm_affine {
    double angle; /* degrees; positive turns the image clockwise on screen, as torchvision F.affine */
    int tx, ty;   /* pixels; positive moves the content right / down */
    double scale; /* > 0; about the image centre (13.5, 13.5) */
} rm_affine;

/* Check a config's ranges; records "data.augment.KEY: ..." errors (RM_ERR_USAGE). */
int rm_augment_check(const rm_augment_cfg *a, rm_err *e);

/* The transform drawn for training image `sample` (its index in the training set) in `epoch`. */
rm_affine rm_augment_draw(const rm_augment_cfg *a, uint64_t seed, long epoch, uint32_t sample);

/* Apply t to one 28x28 image as torchvision's tensor path does for uint8: inverse-map each output pixel
 * centre, sample bilinearly with zeros outside, round half to even, clamp to [0, 255]. */
void rm_affine_apply(const rm_affine *t, const uint8_t *src /* (784) */, uint8_t *dst /* (784) */);

/* rm_gather with augmentation: image idx[i] gets rm_augment_draw(a, seed, epoch, idx[i]), is resampled
 * to uint8 and mapped through lut (so identity draws give exactly rm_gather's floats); labels into y
 * (may be NULL). Spread over the thread pool; no allocation. */
void rm_augment_gather(const rm_augment_cfg *a, uint64_t seed, long epoch, const rm_dataset *d,
                       const uint32_t *idx, int B, const float lut[256], float *x /* (B, 784) */,
                       uint8_t *y /* (B) */);

/* The uint8 images rm_augment_gather would feed (before the lut), for augment.png. */
void rm_augment_images(const rm_augment_cfg *a, uint64_t seed, long epoch, const rm_dataset *d,
                       const uint32_t *idx, int B, uint8_t *out /* (B, 784) */);

/* x[k] += std * z_k with z_k ~ N(0, 1) keyed by (seed, step, k): Marsaglia's polar method on hashed
 * uniforms, elements 2m and 2m+1 sharing pair m. Spread over the pool; no allocation. */
void rm_noise_add(float *x /* (n) */, long n, float std, uint64_t seed, uint64_t step);

#endif
