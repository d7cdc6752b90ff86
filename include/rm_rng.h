/* rm_rng.h - seeded xoshiro256** generator with independent named streams. */
#ifndef RM_RNG_H
#define RM_RNG_H

#include <stdint.h>

/* Stream ids: one independent stream per use, all derived from the run seed. */
enum { RM_STREAM_SPLIT = 1, RM_STREAM_INIT = 2, RM_STREAM_SHUFFLE = 3, RM_STREAM_DROPOUT = 4 };

/* Generator state (xoshiro256**). */
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

#endif
