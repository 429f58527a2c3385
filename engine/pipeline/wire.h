/*
 * pipeline/wire.h — the one wire encoding of relief-mpi's messages: u32 in
 * host order (every rank runs the same binary on the same machine kind),
 * a string as u32 length (UINT32_MAX: none), its bytes and a NUL, so that a
 * string read back points into the received buffer.
 */
#ifndef RELIEF_PIPELINE_WIRE_H
#define RELIEF_PIPELINE_WIRE_H

#include <stdint.h>
#include <string.h>

#include "common/buf.h"

static inline void wire_put(relief_buf *b, const void *p, size_t n) { buf_append(b, p, n); }

static inline void wire_put_u32(relief_buf *b, uint32_t v) { wire_put(b, &v, 4); }

static inline void wire_put_str(relief_buf *b, const char *str) {
  uint32_t len = str ? (uint32_t)strlen(str) : UINT32_MAX;
  wire_put_u32(b, len);
  if (str) wire_put(b, str, (size_t)len + 1);
}

/* Pads b with zeros to a multiple of 8 bytes. */
static inline void wire_pad8(relief_buf *b) {
  static const char zero[8];
  if (b->len % 8) wire_put(b, zero, 8 - b->len % 8);
}

static inline uint32_t wire_get_u32(const char **p) {
  uint32_t v;
  memcpy(&v, *p, 4);
  *p += 4;
  return v;
}

/* The string at *p (NULL: none), in place. */
static inline const char *wire_get_str(const char **p) {
  uint32_t len = wire_get_u32(p);
  if (len == UINT32_MAX) return NULL;
  const char *str = *p;
  *p += (size_t)len + 1;
  return str;
}

/* p moved up to the next multiple of 8 bytes from base. */
static inline const char *wire_align8(const char *base, const char *p) {
  size_t off = (size_t)(p - base);
  return base + (off + 7) / 8 * 8;
}

#endif
