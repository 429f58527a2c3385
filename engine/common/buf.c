/*
 * buf.c — the one growable byte buffer (after git's strbuf): formatting,
 * CSV rows, JSON and HTML text are all built in a relief_buf. Growth goes
 * through the allocation policy, so appending never fails.
 */
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
