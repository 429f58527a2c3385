/*
 * common/buf.h — the one growable byte buffer. A zeroed relief_buf is
 * empty and valid; data may be NULL until something is appended.
 */
#ifndef RELIEF_COMMON_BUF_H
#define RELIEF_COMMON_BUF_H

#include <stddef.h>

typedef struct {
  char *data;
  size_t len, cap;
} relief_buf;

/* Makes room for extra more bytes. */
void buf_reserve(relief_buf *b, size_t extra);
void buf_append(relief_buf *b, const void *p, size_t n);
void buf_free(relief_buf *b);
/* Appends printf's text for fmt, however long. */
void buf_printf(relief_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void buf_putc(relief_buf *b, char c) {
  if (b->len == b->cap) buf_reserve(b, 1);
  b->data[b->len++] = c;
}

#endif
