/*
 * person_key.c — who a row belongs to. Statewide, a person is their CII
 * number across every county file (SUBJECT_ID, then name + birth date when
 * it is missing); a row copied into several files is recognised by the hash
 * of its 95 values.
 */
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
  size_t total = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) total += f[i].len + 4;
  field_scratch_reserve(buf, total);
  size_t o = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    size_t n;
    const char *v = field_value(&f[i], scratch, &n);
    uint32_t len = (uint32_t)n;
    memcpy(buf->data + o, &len, 4);
    memcpy(buf->data + o + 4, v, n);
    o += n + 4;
  }
  return XXH3_64bits(buf->data, o);
}
