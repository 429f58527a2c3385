/*
 * common/hashtab.h — open-addressing hash tables on XXH3: interned strings
 * (each distinct code section or county stored once, with a dense id) and
 * maps from 128-bit keys to dense indices in first-seen order.
 */
#ifndef RELIEF_IDENTITY_H
#define RELIEF_IDENTITY_H

#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

/* A set of distinct strings, each with a dense id (0, 1, 2, ...). */
typedef struct {
  uint64_t *slot_hash;
  uint32_t *slot_id; /* id + 1; 0 = empty slot */
  size_t n_slots;
  size_t n;       /* strings stored */
  size_t *offset; /* offset of string id in text; n + 1 entries used */
  size_t offset_cap;
  char *text; /* the strings, each followed by a NUL */
  size_t text_len, text_cap;
} relief_intern;

void intern_init(relief_intern *t);
void intern_free(relief_intern *t);

/* The id of s (added if new). */
uint32_t intern_get(relief_intern *t, const char *s, size_t len);

/* The id of s, or UINT32_MAX when it is not there (never allocates). */
uint32_t intern_find(const relief_intern *t, const char *s, size_t len);

/* The string of id (NUL-terminated) and its length. */
static inline const char *intern_str(const relief_intern *t, uint32_t id, size_t *len) {
  if (len) *len = t->offset[id + 1] - t->offset[id] - 1;
  return t->text + t->offset[id];
}

/* Writes h as 32 lower-case hex digits in canonical (big-endian) order, as
 * xxhsum prints it, and a NUL. */
static inline void hex128(XXH128_hash_t h, char out[33]) {
  static const char digits[] = "0123456789abcdef";
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  for (int i = 0; i < 16; i++) {
    out[2 * i] = digits[c.digest[i] >> 4];
    out[2 * i + 1] = digits[c.digest[i] & 15];
  }
  out[32] = 0;
}

/* Maps 128-bit keys to dense indices 0..n-1 in first-seen order. */
typedef struct {
  XXH128_hash_t *keys;
  uint32_t *index; /* index + 1; 0 = empty */
  size_t n_slots, n;
} relief_key_map;

void key_map_init(relief_key_map *m, size_t expected);
void key_map_free(relief_key_map *m);

/* The index of key (assigned next if new). */
uint32_t key_map_get(relief_key_map *m, XXH128_hash_t key);

#endif
