/*
 * scan_sse2.c — the row scanner on SSE2, which every x86-64 CPU has: four
 * 16-byte compares per class make a block's masks, and the in-quotes mask is
 * a prefix-XOR by shifts (no carry-less multiply needed). See scan.h.
 */
#include "doj/scan.h"

#if defined(RELIEF_SCAN_X86)
#include <emmintrin.h>

/* Bit i of the result: parity of the set bits of x at or below i. */
static inline uint64_t prefix_xor_shifts(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

static inline __attribute__((always_inline)) int
parse_sse2(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
           size_t *row_start, relief_parse_error *perr, const relief_columns *want,
           relief_row_extent *ext) {
  size_t p = *pos;
  if (!scan_skip_empty(text, size, &p)) {
    *pos = p;
    return 0;
  }
  *row_start = p;
  scan_row st;
  scan_start(&st, text, size, fields, p);
  st.want = want;
  uint32_t sep_at[RELIEF_NCOLS + 8], quote_at[RELIEF_NCOLS + 1];
  st.sep_at = sep_at;
  st.quote_at = quote_at;
  const __m128i vq = _mm_set1_epi8('"'), vc = _mm_set1_epi8(','), vn = _mm_set1_epi8('\n'),
                vr = _mm_set1_epi8('\r');
  for (;;) {
    const char *b = text + st.base;
    char tail[64];
    if (size - st.base < 64) {
      /* the text's last bytes: zeros past its end match only NUL, which
       * counts only up to the row's LF */
      memset(tail, 0, sizeof tail);
      memcpy(tail, b, size - st.base);
      b = tail;
    }
    uint64_t q = 0, c = 0, n = 0, r = 0, z = 0;
    for (int k = 0; k < 4; k++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(b + 16 * k));
      q |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) << (16 * k);
      c |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vc)) << (16 * k);
      n |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)) << (16 * k);
      r |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vr)) << (16 * k);
      z |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()))
           << (16 * k);
    }
    uint64_t in = prefix_xor_shifts(q) ^ st.in_carry;
    int k = want ? scan_block_lean(&st, q, c, n, r, z, in, p, scan_flatten_bits)
                 : scan_block(&st, q, c, n, r, z, in);
    if (k == SCAN_MORE) continue;
    if (k == SCAN_DONE)
      return want ? scan_finish_lean(&st, p, pos, perr, ext) : scan_finish(&st, p, pos, perr);
    if (want) return parse_row_scalar_lean(text, size, pos, fields, row_start, perr, want, ext);
    return parse_row_scalar(text, size, pos, fields, row_start, perr);
  }
}

int parse_row_sse2(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
                   size_t *row_start, relief_parse_error *perr) {
  return parse_sse2(text, size, pos, fields, row_start, perr, NULL, NULL);
}

int parse_row_sse2_lean(const char *text, size_t size, size_t *pos,
                        relief_field fields[RELIEF_NCOLS], size_t *row_start,
                        relief_parse_error *perr, const relief_columns *want,
                        relief_row_extent *ext) {
  return parse_sse2(text, size, pos, fields, row_start, perr, want, ext);
}
#endif
