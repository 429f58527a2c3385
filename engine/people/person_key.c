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

/* A value as the canonical row writes it: bare when it holds no comma and
 * no quote, else quoted with its quotes doubled. Returns the bytes written
 * (out holds 2 * n + 2). */
static size_t canonical_value(const char *v, size_t n, char *out) {
  if (!memchr(v, ',', n) && !memchr(v, '"', n)) {
    memcpy(out, v, n);
    return n;
  }
  size_t o = 0;
  out[o++] = '"';
  for (size_t i = 0; i < n; i++) {
    if (v[i] == '"') out[o++] = '"';
    out[o++] = v[i];
  }
  out[o++] = '"';
  return o;
}

uint64_t row_content_hash(const relief_field f[RELIEF_NCOLS], field_scratch *buf,
                          field_scratch *scratch) {
  /* Equal values, equal hash, however the file quoted them: the hash is of
   * the row's canonical text (its values, each bare or quoted as
   * canonical_value writes it, joined by commas), which decodes to exactly
   * those 95 values. Most rows already are that text where they lie: bare
   * fields, and quoted ones that must be (a comma inside) without escapes;
   * they are hashed in place. */
  const char *from = f[0].ptr - (f[0].flags & RELIEF_FIELD_QUOTED ? 1 : 0);
  relief_row_extent ext; /* the scanner's own test of that, from the fields */
  row_extent_of(from, f, &ext);
  if (ext.canonical) return row_content_hash_canonical(from, ext.end);
  size_t total = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) total += 2 * (size_t)f[i].len + 3;
  field_scratch_reserve(buf, total);
  size_t o = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    size_t n;
    const char *v = field_value(&f[i], scratch, &n);
    if (i) buf->data[o++] = ',';
    o += canonical_value(v, n, buf->data + o);
  }
  return row_content_hash_canonical(buf->data, o);
}

uint64_t row_content_hash_canonical(const char *text, size_t len) {
#ifdef RELIEF_CONTENT_HASH_AVX2
  if (__builtin_cpu_supports("avx2")) return row_content_hash_avx2(text, len);
#endif
  return XXH3_64bits(text, len);
}
