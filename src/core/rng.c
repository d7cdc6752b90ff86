/* rng.c - xoshiro256** seeded through splitmix64, and the counter-based keys for dropout. */
#include "rm_rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rm_rng_seed(rm_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    x = splitmix64(&x) ^ stream;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

uint64_t rm_rng_next(rm_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float rm_rng_uniform(rm_rng *r) { return (float)(rm_rng_next(r) >> 40) * (1.0f / 16777216.0f); }

uint32_t rm_rng_below(rm_rng *r, uint32_t n)
{
    /* Lemire's nearly-divisionless method with rejection. */
    uint64_t m = (uint64_t)(uint32_t)(rm_rng_next(r) >> 32) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t thresh = (uint32_t)(-n) % n;
        while (lo < thresh) {
            m = (uint64_t)(uint32_t)(rm_rng_next(r) >> 32) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void rm_rng_shuffle(rm_rng *r, uint32_t *idx, uint32_t n)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = rm_rng_below(r, i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rm_ctr_seed(rm_rng *r, uint64_t seed, uint64_t stream)
{
    rm_rng_seed(r, seed, stream);
    r->s[2] = 0;
    r->s[3] = 0;
}

uint64_t rm_ctr_next_draw(rm_rng *r) { return r->s[2]++; }

uint64_t rm_ctr_subkey(const rm_rng *r, uint64_t draw, uint32_t site)
{
    uint64_t x = mix64(r->s[0] + draw * 0x9E3779B97F4A7C15ull);
    return mix64(x ^ r->s[1] ^ ((uint64_t)(site + 1) * 0xD1B54A32D192ED03ull));
}
