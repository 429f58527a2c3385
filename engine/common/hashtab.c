/*
 * hashtab.c — string interning and 128-bit key maps, both open-addressing
 * hash tables on XXH3. A run classifies each distinct code-section string
 * once and groups rows into people through these tables.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/hashtab.h"

void intern_init(relief_intern *t) {
  memset(t, 0, sizeof *t);
  t->n_slots = 256;
  t->slot_hash = xcalloc(t->n_slots, sizeof *t->slot_hash);
  t->slot_id = xcalloc(t->n_slots, sizeof *t->slot_id);
  t->offset_cap = 128;
  t->offset = xmalloc(t->offset_cap * sizeof *t->offset);
  t->offset[0] = 0;
  t->text_cap = 4096;
  t->text = xmalloc(t->text_cap);
}

void intern_free(relief_intern *t) {
  free(t->slot_hash);
  free(t->slot_id);
  free(t->offset);
  free(t->text);
  memset(t, 0, sizeof *t);
}

static void intern_grow(relief_intern *t) {
  size_t n_slots = t->n_slots * 2;
  uint64_t *hash = xcalloc(n_slots, sizeof *hash);
  uint32_t *ids = xcalloc(n_slots, sizeof *ids);
  for (size_t i = 0; i < t->n_slots; i++) {
    if (!t->slot_id[i]) continue;
    size_t j = t->slot_hash[i] & (n_slots - 1);
    while (ids[j]) j = (j + 1) & (n_slots - 1);
    hash[j] = t->slot_hash[i];
    ids[j] = t->slot_id[i];
  }
  free(t->slot_hash);
  free(t->slot_id);
  t->slot_hash = hash;
  t->slot_id = ids;
  t->n_slots = n_slots;
}

/* The slot of s: where it is (*found) or where it would go. */
static size_t probe(const relief_intern *t, const char *s, size_t len, uint64_t h, bool *found) {
  size_t mask = t->n_slots - 1, j = h & mask;
  for (; t->slot_id[j]; j = (j + 1) & mask) {
    if (t->slot_hash[j] != h) continue;
    size_t id_len;
    const char *other = intern_str(t, t->slot_id[j] - 1, &id_len);
    if (id_len == len && memcmp(other, s, len) == 0) {
      *found = true;
      return j;
    }
  }
  *found = false;
  return j;
}

uint32_t intern_find(const relief_intern *t, const char *s, size_t len) {
  bool found;
  size_t j = probe(t, s, len, XXH3_64bits(s, len), &found);
  return found ? t->slot_id[j] - 1 : UINT32_MAX;
}

uint32_t intern_get(relief_intern *t, const char *s, size_t len) {
  uint64_t h = XXH3_64bits(s, len);
  bool found;
  size_t j = probe(t, s, len, h, &found);
  if (found) return t->slot_id[j] - 1;
  uint32_t id = (uint32_t)t->n++;
  if (t->text_len + len + 1 > t->text_cap) {
    while (t->text_len + len + 1 > t->text_cap) t->text_cap *= 2;
    t->text = xrealloc(t->text, t->text_cap);
  }
  memcpy(t->text + t->text_len, s, len);
  t->text[t->text_len + len] = 0;
  t->text_len += len + 1;
  if (t->n + 1 >= t->offset_cap) {
    t->offset_cap *= 2;
    t->offset = xrealloc(t->offset, t->offset_cap * sizeof *t->offset);
  }
  t->offset[t->n] = t->text_len;
  t->slot_hash[j] = h;
  t->slot_id[j] = id + 1;
  if (t->n * 2 > t->n_slots) intern_grow(t);
  return id;
}

void key_map_init(relief_key_map *m, size_t expected) {
  m->n_slots = 1024;
  while (m->n_slots < expected * 2) m->n_slots *= 2;
  m->keys = xmalloc(m->n_slots * sizeof *m->keys);
  m->index = xcalloc(m->n_slots, sizeof *m->index);
  m->n = 0;
}

void key_map_free(relief_key_map *m) {
  free(m->keys);
  free(m->index);
  memset(m, 0, sizeof *m);
}

static void key_map_grow(relief_key_map *m) {
  size_t n_slots = m->n_slots * 2;
  XXH128_hash_t *keys = xmalloc(n_slots * sizeof *keys);
  uint32_t *index = xcalloc(n_slots, sizeof *index);
  for (size_t i = 0; i < m->n_slots; i++) {
    if (!m->index[i]) continue;
    size_t j = m->keys[i].low64 & (n_slots - 1);
    while (index[j]) j = (j + 1) & (n_slots - 1);
    keys[j] = m->keys[i];
    index[j] = m->index[i];
  }
  free(m->keys);
  free(m->index);
  m->keys = keys;
  m->index = index;
  m->n_slots = n_slots;
}

uint32_t key_map_get(relief_key_map *m, XXH128_hash_t key) {
  size_t mask = m->n_slots - 1, j = key.low64 & mask;
  for (; m->index[j]; j = (j + 1) & mask)
    if (m->keys[j].low64 == key.low64 && m->keys[j].high64 == key.high64) return m->index[j] - 1;
  uint32_t idx = (uint32_t)m->n++;
  m->keys[j] = key;
  m->index[j] = idx + 1;
  if (m->n * 2 > m->n_slots) key_map_grow(m);
  return idx;
}
