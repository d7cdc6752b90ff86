/* augment.c - random affine augmentation and Gaussian input noise, keyed by counters.
 *
 * Random numbers: a key is built by chaining the splitmix64 finalizer over (seed, stream), then each
 * counter (epoch and sample, or step); the d-th draw of a key is splitmix64's d-th output from that key,
 * mix64(key + (d + 1) * golden). No generator state is carried from one sample to the next, so samples
 * can be computed by any thread in any order.
 *
 * Affine: torchvision 0.14 RandomAffine.get_params draws angle ~ U(-deg, deg), tx ~ round(U(-shift*W,
 * shift*W)) (Python round: half to even), the same for ty with H, and scale ~ U(lo, hi); shear is not
 * supported. F.affine on a uint8 tensor then builds the inverse matrix (_get_inverse_affine_matrix with
 * centre (0, 0) = the image centre), maps each output pixel centre (j - 13.5, i - 13.5) through it,
 * grid_samples bilinearly with zero padding (align_corners=False) and rounds back to uint8. We do the same
 * in double precision (torch uses float32, so a pixel could differ by 1 where the value sits on a .5;
 * tests/test_augment.c finds no difference on its torchvision cases). The four draws (angle, tx, ty, scale)
 * are always made, so turning one key on does not change the others. Cost: about 7 us per image on one
 * core (0.4 s per 60000-image epoch, divided by the pool's threads). */
#include "rm_augment.h"

#include <math.h>
#include <string.h>

#include "rm_pool.h"

#define GOLDEN 0x9E3779B97F4A7C15ull
#define SIDE RM_IMG_SIDE
#define PAD (SIDE + 2)             /* the padded image's side */
#define CENTRE (0.5 * (SIDE - 1)) /* 13.5: the image centre in pixel-index coordinates */

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The key of (seed, stream) then counter a. */
static uint64_t key_of(uint64_t seed, uint64_t stream, uint64_t a)
{
    uint64_t k = mix64(seed ^ (stream * 0xD1B54A32D192ED03ull));
    return mix64(k + GOLDEN * (a + 1));
}

/* The d-th 64-bit draw of key k. */
static inline uint64_t draw(uint64_t k, uint64_t d) { return mix64(k + GOLDEN * (d + 1)); }

/* Uniform double in [0, 1) from 53 bits. */
static inline double unit(uint64_t h) { return (double)(h >> 11) * 0x1p-53; }

int rm_augment_check(const rm_augment_cfg *a, rm_err *e)
{
    if (!(a->rotate_deg >= 0.0 && a->rotate_deg <= 180.0))
        return rm_fail(e, RM_ERR_USAGE, "data.augment.rotate: must be in [0, 180] degrees, got %g", a->rotate_deg);
    if (!(a->shift >= 0.0 && a->shift <= 1.0))
        return rm_fail(e, RM_ERR_USAGE, "data.augment.shift: must be in [0, 1], got %g", a->shift);
    if (!(a->scale_lo > 0.0 && a->scale_lo <= a->scale_hi && isfinite(a->scale_hi)))
        return rm_fail(e, RM_ERR_USAGE, "data.augment.scale: must be [lo, hi] with 0 < lo <= hi, got [%g, %g]",
                       a->scale_lo, a->scale_hi);
    return RM_OK;
}

rm_affine rm_augment_draw(const rm_augment_cfg *a, uint64_t seed, long epoch, uint32_t sample)
{
    const uint64_t k = mix64(key_of(seed, RM_STREAM_AUGMENT, (uint64_t)epoch) + GOLDEN * ((uint64_t)sample + 1));
    const double deg = a->rotate_deg, max_d = a->shift * SIDE; /* float(translate[0] * img_size[0]) */
    rm_affine t;
    t.angle = -deg + (deg - -deg) * unit(draw(k, 0)); /* torch uniform_(lo, hi): lo + (hi - lo) * u */
    t.tx = (int)nearbyint(-max_d + (max_d - -max_d) * unit(draw(k, 1)));
    t.ty = (int)nearbyint(-max_d + (max_d - -max_d) * unit(draw(k, 2)));
    t.scale = a->scale_lo + (a->scale_hi - a->scale_lo) * unit(draw(k, 3));
    return t;
}

void rm_affine_apply(const rm_affine *t, const uint8_t *src, uint8_t *dst)
{
    /* _get_inverse_affine_matrix with shear 0 and centre (0, 0): a = cos, b = -sin, c = sin, d = cos;
     * matrix = [d, -b, 0, -c, a, 0] / scale, then the inverse translation. */
    const double rot = t->angle * (M_PI / 180.0); /* math.radians */
    const double cs = cos(rot), sn = sin(rot);
    const double m0 = cs / t->scale, m1 = sn / t->scale, m3 = -sn / t->scale, m4 = cs / t->scale;
    const double m2 = m0 * (double)-t->tx + m1 * (double)-t->ty;
    const double m5 = m3 * (double)-t->tx + m4 * (double)-t->ty;
    /* The image inside a zero border one pixel wide: every tap of a sample point in (-1, 28)^2 is in it,
     * and the border gives grid_sample's zero padding without a branch per tap. */
    uint8_t pad[PAD * PAD];
    memset(pad, 0, PAD);
    for (int i = 0; i < SIDE; i++) {
        uint8_t *row = pad + (i + 1) * PAD;
        row[0] = 0;
        memcpy(row + 1, src + i * SIDE, SIDE);
        row[PAD - 1] = 0;
    }
    memset(pad + (PAD - 1) * PAD, 0, PAD);
    for (int i = 0; i < SIDE; i++) {
        const double y = (double)i - CENTRE;
        for (int j = 0; j < SIDE; j++) {
            const double x = (double)j - CENTRE;
            const double sx = m0 * x + m1 * y + m2 + CENTRE, sy = m3 * x + m4 * y + m5 + CENTRE;
            double v = 0.0;
            if (sx > -1.0 && sx < SIDE && sy > -1.0 && sy < SIDE) {
                int x0 = (int)sx, y0 = (int)sy; /* truncation, then floor (sx, sy > -1) */
                x0 -= (double)x0 > sx;
                y0 -= (double)y0 > sy;
                const double fx = sx - x0, fy = sy - y0;
                const uint8_t *q = pad + (y0 + 1) * PAD + (x0 + 1); /* x0, y0 in [-1, 27]: inside pad */
                const double p00 = q[0], p01 = q[1], p10 = q[PAD], p11 = q[PAD + 1];
                v = (1.0 - fx) * (1.0 - fy) * p00 + fx * (1.0 - fy) * p01 + (1.0 - fx) * fy * p10 + fx * fy * p11;
                /* torch.round: half to even, as nearbyint in the default mode; v is in [0, 255] here, where
                 * adding and removing 1.5 * 2^52 rounds the same way without a libm call */
                v = (v + 0x1.8p52) - 0x1.8p52;
            }
            dst[i * SIDE + j] = (uint8_t)(v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v);
        }
    }
}

typedef struct {
    const rm_augment_cfg *a;
    uint64_t seed;
    long epoch;
    const rm_dataset *d;
    const uint32_t *idx;
    const float *lut;
    float *x;     /* (B, 784) or NULL */
    uint8_t *y;   /* (B) or NULL */
    uint8_t *u8;  /* (B, 784) or NULL */
} aug_job;

static void aug_range(void *ctx, long begin, long end)
{
    const aug_job *j = ctx;
    uint8_t tmp[RM_IMG_SIZE];
    for (long i = begin; i < end; i++) {
        const uint32_t s = j->idx[i];
        const uint8_t *src = j->d->images + (size_t)s * RM_IMG_SIZE; // (784)
        uint8_t *img = j->u8 ? j->u8 + (size_t)i * RM_IMG_SIZE : tmp; // (784)
        if (j->a->on) {
            const rm_affine t = rm_augment_draw(j->a, j->seed, j->epoch, s);
            rm_affine_apply(&t, src, img);
        } else {
            memcpy(img, src, RM_IMG_SIZE);
        }
        if (j->x) {
            float *dst = j->x + (size_t)i * RM_IMG_SIZE; // (784)
            for (int p = 0; p < RM_IMG_SIZE; p++) dst[p] = j->lut[img[p]];
        }
        if (j->y) j->y[i] = j->d->labels[s];
    }
}

void rm_augment_gather(const rm_augment_cfg *a, uint64_t seed, long epoch, const rm_dataset *d,
                       const uint32_t *idx, int B, const float lut[256], float *x, uint8_t *y)
{
    aug_job j = {a, seed, epoch, d, idx, lut, x, y, NULL};
    rm_pool_run(aug_range, &j, B, 16);
}

void rm_augment_images(const rm_augment_cfg *a, uint64_t seed, long epoch, const rm_dataset *d,
                       const uint32_t *idx, int B, uint8_t *out)
{
    aug_job j = {a, seed, epoch, d, idx, NULL, NULL, NULL, out};
    rm_pool_run(aug_range, &j, B, 16);
}

typedef struct {
    float *x;
    float std;
    uint64_t key;
} noise_job;

/* The standard normal pair (z0, z1) of pair m: Marsaglia's polar method on uniforms hashed from (key, m,
 * attempt), u, v in (-1, 1) with 26 bits each, retried until 0 < s = u^2 + v^2 < 1 (1.27 tries on average;
 * after 64 rejections, probability 0.215^64, the pair is 0). No sin or cos: about 3x faster than
 * Box-Muller in double. */
static void normal_pair(uint64_t key, uint64_t m, double *z0, double *z1)
{
    const uint64_t k = mix64(key + GOLDEN * (m + 1));
    for (uint64_t d = 0; d < 64; d++) {
        const uint64_t h = draw(k, d);
        const double u = ((double)(h >> 38) + 0.5) * 0x1p-25 - 1.0;
        const double v = ((double)((h >> 12) & 0x3ffffff) + 0.5) * 0x1p-25 - 1.0;
        const double s = u * u + v * v;
        if (s < 1.0) { /* s > 0: u, v are never 0 */
            const double f = sqrt(-2.0 * log(s) / s);
            *z0 = u * f;
            *z1 = v * f;
            return;
        }
    }
    *z0 = *z1 = 0.0;
}

static void noise_range(void *ctx, long begin, long end)
{
    const noise_job *j = ctx;
    const double sd = j->std;
    long k = begin;
    while (k < end) {
        double z0, z1;
        normal_pair(j->key, (uint64_t)k >> 1, &z0, &z1);
        if (k & 1) { /* a chunk starting on an odd element uses the pair's second value */
            j->x[k] += (float)(sd * z1);
            k++;
            continue;
        }
        j->x[k] += (float)(sd * z0);
        if (k + 1 < end) j->x[k + 1] += (float)(sd * z1);
        k += 2;
    }
}

void rm_noise_add(float *x, long n, float std, uint64_t seed, uint64_t step)
{
    if (n <= 0 || std == 0.0f) return;
    noise_job j = {x, std, key_of(seed, RM_STREAM_NOISE, step)};
    rm_pool_run(noise_range, &j, n, 4096);
}
