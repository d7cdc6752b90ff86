/* rm_rng.h - seeded xoshiro256** generator with independent named streams, and a counter-based
 * generator for dropout masks. */
#ifndef RM_RNG_H
#define RM_RNG_H

#include <stdint.h>

/* Stream ids: one independent stream per use, all derived from the run seed. */
enum { RM_STREAM_SPLIT = 1, RM_STREAM_INIT = 2, RM_STREAM_SHUFFLE = 3, RM_STREAM_DROPOUT = 4, RM_STREAM_SAMPLE = 5 };

/* Generator state: xoshiro256** for the sequential streams; for a counter-based stream (rm_ctr_*)
 * s[0], s[1] hold the key, s[2] the number of draws made and s[3] is 0. Either way the four words
 * are the whole state (state.safetensors saves them as rng.*). */
typedef struct rm_rng {
    uint64_t s[4];
} rm_rng;

/* Seed r for stream `stream` of run seed `seed` (splitmix64 of both). */
void rm_rng_seed(rm_rng *r, uint64_t seed, uint64_t stream);

/* Next 64 random bits. */
uint64_t rm_rng_next(rm_rng *r);

/* Uniform float in [0, 1) with 24 random bits. */
float rm_rng_uniform(rm_rng *r);

/* Uniform integer in [0, n) without modulo bias (n > 0). */
uint32_t rm_rng_below(rm_rng *r, uint32_t n);

/* Fisher-Yates shuffle of n indices in place. */
void rm_rng_shuffle(rm_rng *r, uint32_t *idx, uint32_t n);

/* Counter-based stream: the random bits of element e of site `site` (a dropout layer) in draw `draw`
 * (a training step) are a fixed function of (key, draw, site, e). Any thread can compute any element,
 * in any order, so masks do not depend on how the work is split. */

/* Key r from run seed and stream; no draws made yet. */
void rm_ctr_seed(rm_rng *r, uint64_t seed, uint64_t stream);

/* Start the next draw: returns its number (0, 1, ...) and counts it in r->s[2]. */
uint64_t rm_ctr_next_draw(rm_rng *r);

/* The 64-bit subkey of (draw, site) under r's key; elements then go through rm_ctr_bits. */
uint64_t rm_ctr_subkey(const rm_rng *r, uint64_t draw, uint32_t site);

/* 32-bit avalanche mix, a bijection (two multiply-xorshift rounds). */
static inline uint32_t rm_mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x21f0aaadu;
    x ^= x >> 15;
    x *= 0x735a2d97u;
    x ^= x >> 15;
    return x;
}

/* 32 random bits of element e under a subkey: a keyed permutation of e, so the elements of one
 * (draw, site) never repeat a value; plain 32-bit integer maths that vectorizes. */
static inline uint32_t rm_ctr_bits(uint64_t subkey, uint32_t e)
{
    return rm_mix32(rm_mix32(e ^ (uint32_t)subkey) + (uint32_t)(subkey >> 32));
}

#endif
