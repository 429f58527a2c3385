/*
 * scan_avx2.c — the row scanner on AVX2: two 32-byte compares per class make
 * a block's masks, and the in-quotes mask is one carry-less multiply of the
 * quote mask by all ones (PCLMUL), the prefix-XOR; BMI1 for the bit loops.
 * Only these functions are compiled for AVX2; scan_dispatch.c calls them
 * when the CPU has all three. See scan.h for how masks become fields.
 */
#include "doj/scan.h"

#if defined(RELIEF_SCAN_X86)
#include <immintrin.h>

#define SCAN_AVX2 __attribute__((target("avx2,pclmul,bmi")))

/* Bit i of the result: parity of the set bits of x at or below i. */
SCAN_AVX2 static inline uint64_t prefix_xor_clmul(uint64_t x) {
  __m128i p = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)x), _mm_set1_epi8(-1), 0);
  return (uint64_t)_mm_cvtsi128_si64(p);
}

SCAN_AVX2 static inline uint64_t eq_mask(__m256i lo, __m256i hi, __m256i v) {
  uint32_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v));
  uint32_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v));
  return (uint64_t)a | (uint64_t)b << 32;
}

SCAN_AVX2 static inline __attribute__((always_inline)) int
parse_avx2(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
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
  const __m256i vq = _mm256_set1_epi8('"'), vc = _mm256_set1_epi8(','), vn = _mm256_set1_epi8('\n'),
                vr = _mm256_set1_epi8('\r');
  for (;;) {
    const char *b = text + st.base;
    char tail[64];
    if (size - st.base < 64) { /* the text's last bytes: zeros match no class */
      memset(tail, 0, sizeof tail);
      memcpy(tail, b, size - st.base);
      b = tail;
    }
    __m256i lo = _mm256_loadu_si256((const __m256i *)b);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(b + 32));
    uint64_t q = eq_mask(lo, hi, vq), c = eq_mask(lo, hi, vc), n = eq_mask(lo, hi, vn),
             r = eq_mask(lo, hi, vr);
    uint64_t in = prefix_xor_clmul(q) ^ st.in_carry;
    int k = scan_block(&st, q, c, n, r, in);
    if (k == SCAN_MORE) continue;
    if (k == SCAN_DONE) {
      if (ext) ext->end = st.value_end, ext->canonical = st.canonical;
      return scan_finish(&st, p, pos, perr);
    }
    if (want)
      return relief_parse_row_scalar_lean(text, size, pos, fields, row_start, perr, want, ext);
    return relief_parse_row_scalar(text, size, pos, fields, row_start, perr);
  }
}

SCAN_AVX2 int relief_parse_row_avx2(const char *text, size_t size, size_t *pos,
                                    relief_field fields[RELIEF_NCOLS], size_t *row_start,
                                    relief_parse_error *perr) {
  return parse_avx2(text, size, pos, fields, row_start, perr, NULL, NULL);
}

SCAN_AVX2 int relief_parse_row_avx2_lean(const char *text, size_t size, size_t *pos,
                                         relief_field fields[RELIEF_NCOLS], size_t *row_start,
                                         relief_parse_error *perr, const relief_columns *want,
                                         relief_row_extent *ext) {
  return parse_avx2(text, size, pos, fields, row_start, perr, want, ext);
}
#endif
