/*
 * person_key.c — who a row belongs to. Statewide, a person is their CII
 * number across every county file (SUBJECT_ID, then name + birth date when
 * it is missing); a row copied into several files is recognised by the hash
 * of its 95 values.
 */
#include <stdbool.h>
#include <string.h>

#include "people/people.h"

size_t person_id_trim(const char **s, size_t n) {
  while (n && ((*s)[0] == ' ' || (*s)[0] == '\t')) (*s)++, n--;
  while (n && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t')) n--;
  return n;
}

XXH128_hash_t person_key_merged(const relief_field f[RELIEF_NCOLS], field_scratch *scratch) {
  size_t n;
  const char *v = field_value(&f[RELIEF_COL_CII_NUMBER], scratch, &n);
  if ((n = person_id_trim(&v, n))) return XXH3_128bits_withSeed(v, n, 1);
  v = field_value(&f[RELIEF_COL_SUBJECT_ID], scratch, &n);
  if ((n = person_id_trim(&v, n))) return XXH3_128bits_withSeed(v, n, 2);
  char key[512];
  size_t k = 0;
  v = field_value(&f[RELIEF_COL_PRI_NAME], scratch, &n);
  for (size_t i = 0; i < n && k < 400; i++) {
    char c = v[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || c == ',') key[k++] = c;
  }
  key[k++] = '|';
  v = field_value(&f[RELIEF_COL_PRI_DOB], scratch, &n);
  n = person_id_trim(&v, n);
  if (n > 64) n = 64;
  memcpy(key + k, v, n);
  return XXH3_128bits_withSeed(key, k + n, 3);
}

uint64_t row_content_hash(const relief_field f[RELIEF_NCOLS], field_scratch *buf,
                          field_scratch *scratch) {
  /* equal values, equal hash, however they were quoted: the values joined
   * by commas when none holds a comma (an unquoted row's own bytes, hashed
   * where they lie), else each value after its length, under another seed */
  uint32_t any = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) any |= f[i].flags;
  const relief_field *last = &f[RELIEF_NCOLS - 1];
  if (!(any & RELIEF_FIELD_QUOTED))
    return XXH3_64bits(f[0].ptr, (size_t)(last->ptr + last->len - f[0].ptr));
  size_t total = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) total += f[i].len + 4;
  field_scratch_reserve(buf, total);
  size_t o = 0;
  bool comma = false;
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    size_t n;
    const char *v = field_value(&f[i], scratch, &n);
    comma = comma || memchr(v, ',', n);
    memcpy(buf->data + o, v, n);
    o += n;
    buf->data[o++] = ',';
  }
  if (!comma) return XXH3_64bits(buf->data, o - 1);
  o = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    size_t n;
    const char *v = field_value(&f[i], scratch, &n);
    uint32_t len = (uint32_t)n;
    memcpy(buf->data + o, &len, 4);
    memcpy(buf->data + o + 4, v, n);
    o += n + 4;
  }
  return XXH3_64bits_withSeed(buf->data, o, 1);
}
