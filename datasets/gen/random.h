/*
 * random.h — deterministic pseudo-random numbers for the generator: xoshiro256** seeded
 * through splitmix64. Every person gets its own stream, derived from the run
 * seed and the person's index, so a person's history never depends on how
 * many people were generated before it. */
#ifndef RELIEF_GEN_RANDOM_H
#define RELIEF_GEN_RANDOM_H

#include <stdint.h>

typedef struct random_stream {
  uint64_t state[4];
} random_stream;

static inline uint64_t splitmix64_next(uint64_t *counter) {
  uint64_t mixed = (*counter += 0x9E3779B97F4A7C15ull);
  mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ull;
  mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBull;
  return mixed ^ (mixed >> 31);
}

static inline void random_seed(random_stream *stream, uint64_t seed, uint64_t salt) {
  uint64_t counter = seed ^ (salt * 0xD1B54A32D192ED03ull);
  for (int i = 0; i < 4; i++) stream->state[i] = splitmix64_next(&counter);
}

static inline uint64_t rotate_left(uint64_t value, int bits) {
  return (value << bits) | (value >> (64 - bits));
}

static inline uint64_t random_next(random_stream *stream) {
  uint64_t *s = stream->state;
  uint64_t result = rotate_left(s[1] * 5, 7) * 9;
  uint64_t shifted = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= shifted;
  s[3] = rotate_left(s[3], 45);
  return result;
}

/* Uniform integer in [0, bound); bound > 0. Lemire's multiply-shift: the
 * tiny bias is irrelevant for synthetic data and it needs no division. */
static inline uint32_t random_below(random_stream *stream, uint32_t bound) {
  return (uint32_t)(((random_next(stream) >> 32) * (uint64_t)bound) >> 32);
}

/* Uniform integer in [low, high], inclusive. */
static inline int32_t random_between(random_stream *stream, int32_t low, int32_t high) {
  return low + (int32_t)random_below(stream, (uint32_t)(high - low + 1));
}

/* Uniform double in [0, 1). */
static inline double random_unit(random_stream *stream) {
  return (double)(random_next(stream) >> 11) * 0x1.0p-53;
}

static inline int random_chance(random_stream *stream, double probability) {
  return random_unit(stream) < probability;
}

#endif
