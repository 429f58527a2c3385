/*
 * buf.c — the one growable byte buffer (after git's strbuf): formatting,
 * CSV rows, JSON and HTML text are all built in a relief_buf. Growth goes
 * through the allocation policy, so appending never fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"

void buf_reserve(relief_buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void buf_append(relief_buf *b, const void *p, size_t n) {
  if (!n) return; /* an empty buffer's data (and an empty value's p) may be NULL */
  buf_reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void buf_free(relief_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

void buf_printf(relief_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap); /* the length it needs */
  va_end(ap);
  if (n <= 0) return;
  buf_reserve(b, (size_t)n + 1); /* vsnprintf ends with a NUL, not counted */
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}
