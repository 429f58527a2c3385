/*
 * row_facts.c — reading a row's values as the reference did: field values
 * unescaped into reusable scratch, Go's strconv.Atoi with its saturation, and
 * a sentence part as Go's Duration (wrapping on overflow).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "common/alloc.h"
#include "doj/row_facts.h"

void field_scratch_reserve(field_scratch *s, size_t n) {
  if (s->cap >= n) return;
  s->cap = n * 2 + 64;
  free(s->data);
  s->data = xmalloc(s->cap);
}

void field_scratch_free(field_scratch *s) {
  free(s->data);
  s->data = NULL;
  s->cap = 0;
}

const char *field_value_escaped(const relief_field *f, field_scratch *s, size_t *len) {
  field_scratch_reserve(s, f->len);
  uint32_t n;
  const char *v = doj_field_value(f, s->data, &n);
  *len = n;
  return v;
}

static int equals(const char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  return n == m && memcmp(s, lit, m) == 0;
}

int64_t atoi_like_go(const char *s, size_t n) {
  size_t i = 0;
  int neg = 0;
  if (n && (s[0] == '+' || s[0] == '-')) neg = s[i++] == '-';
  if (i == n) return 0;
  uint64_t v = 0;
  int overflow = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    if (v > (UINT64_MAX - 9) / 10)
      overflow = 1;
    else
      v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (neg) return overflow || v > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - v);
  return overflow || v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

int64_t sentence_part_ns(const char *len_s, size_t len_n, const char *code, size_t code_n) {
  const int64_t hour = 3600LL * 1000000000LL;
  int64_t unit = 0;
  if (equals(code, code_n, "D"))
    unit = 24 * hour;
  else if (equals(code, code_n, "M"))
    unit = 732 * hour;
  else if (equals(code, code_n, "Y"))
    unit = 8784 * hour;
  if (!unit) return 0;
  /* Go's Duration multiplication wraps around */
  return (int64_t)((uint64_t)atoi_like_go(len_s, len_n) * (uint64_t)unit);
}
