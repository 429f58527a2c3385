/*
 * scan_avx2.c — the row scanner on AVX2: two 32-byte compares per class make
 * a block's masks, and the in-quotes mask is one carry-less multiply of the
 * quote mask by all ones (PCLMUL), the prefix-XOR; BMI1 for the bit loops.
 * The lean scan flattens a block's separators eight at a time through a
 * table of bit positions (flatten_avx2) instead of one loop turn each.
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

/* Lane j of entry b: the position of the j-th set bit of byte b. */
static const uint64_t bit_positions[256] = {
    0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000001ull, 0x0000000000000100ull,
    0x0000000000000002ull, 0x0000000000000200ull, 0x0000000000000201ull, 0x0000000000020100ull,
    0x0000000000000003ull, 0x0000000000000300ull, 0x0000000000000301ull, 0x0000000000030100ull,
    0x0000000000000302ull, 0x0000000000030200ull, 0x0000000000030201ull, 0x0000000003020100ull,
    0x0000000000000004ull, 0x0000000000000400ull, 0x0000000000000401ull, 0x0000000000040100ull,
    0x0000000000000402ull, 0x0000000000040200ull, 0x0000000000040201ull, 0x0000000004020100ull,
    0x0000000000000403ull, 0x0000000000040300ull, 0x0000000000040301ull, 0x0000000004030100ull,
    0x0000000000040302ull, 0x0000000004030200ull, 0x0000000004030201ull, 0x0000000403020100ull,
    0x0000000000000005ull, 0x0000000000000500ull, 0x0000000000000501ull, 0x0000000000050100ull,
    0x0000000000000502ull, 0x0000000000050200ull, 0x0000000000050201ull, 0x0000000005020100ull,
    0x0000000000000503ull, 0x0000000000050300ull, 0x0000000000050301ull, 0x0000000005030100ull,
    0x0000000000050302ull, 0x0000000005030200ull, 0x0000000005030201ull, 0x0000000503020100ull,
    0x0000000000000504ull, 0x0000000000050400ull, 0x0000000000050401ull, 0x0000000005040100ull,
    0x0000000000050402ull, 0x0000000005040200ull, 0x0000000005040201ull, 0x0000000504020100ull,
    0x0000000000050403ull, 0x0000000005040300ull, 0x0000000005040301ull, 0x0000000504030100ull,
    0x0000000005040302ull, 0x0000000504030200ull, 0x0000000504030201ull, 0x0000050403020100ull,
    0x0000000000000006ull, 0x0000000000000600ull, 0x0000000000000601ull, 0x0000000000060100ull,
    0x0000000000000602ull, 0x0000000000060200ull, 0x0000000000060201ull, 0x0000000006020100ull,
    0x0000000000000603ull, 0x0000000000060300ull, 0x0000000000060301ull, 0x0000000006030100ull,
    0x0000000000060302ull, 0x0000000006030200ull, 0x0000000006030201ull, 0x0000000603020100ull,
    0x0000000000000604ull, 0x0000000000060400ull, 0x0000000000060401ull, 0x0000000006040100ull,
    0x0000000000060402ull, 0x0000000006040200ull, 0x0000000006040201ull, 0x0000000604020100ull,
    0x0000000000060403ull, 0x0000000006040300ull, 0x0000000006040301ull, 0x0000000604030100ull,
    0x0000000006040302ull, 0x0000000604030200ull, 0x0000000604030201ull, 0x0000060403020100ull,
    0x0000000000000605ull, 0x0000000000060500ull, 0x0000000000060501ull, 0x0000000006050100ull,
    0x0000000000060502ull, 0x0000000006050200ull, 0x0000000006050201ull, 0x0000000605020100ull,
    0x0000000000060503ull, 0x0000000006050300ull, 0x0000000006050301ull, 0x0000000605030100ull,
    0x0000000006050302ull, 0x0000000605030200ull, 0x0000000605030201ull, 0x0000060503020100ull,
    0x0000000000060504ull, 0x0000000006050400ull, 0x0000000006050401ull, 0x0000000605040100ull,
    0x0000000006050402ull, 0x0000000605040200ull, 0x0000000605040201ull, 0x0000060504020100ull,
    0x0000000006050403ull, 0x0000000605040300ull, 0x0000000605040301ull, 0x0000060504030100ull,
    0x0000000605040302ull, 0x0000060504030200ull, 0x0000060504030201ull, 0x0006050403020100ull,
    0x0000000000000007ull, 0x0000000000000700ull, 0x0000000000000701ull, 0x0000000000070100ull,
    0x0000000000000702ull, 0x0000000000070200ull, 0x0000000000070201ull, 0x0000000007020100ull,
    0x0000000000000703ull, 0x0000000000070300ull, 0x0000000000070301ull, 0x0000000007030100ull,
    0x0000000000070302ull, 0x0000000007030200ull, 0x0000000007030201ull, 0x0000000703020100ull,
    0x0000000000000704ull, 0x0000000000070400ull, 0x0000000000070401ull, 0x0000000007040100ull,
    0x0000000000070402ull, 0x0000000007040200ull, 0x0000000007040201ull, 0x0000000704020100ull,
    0x0000000000070403ull, 0x0000000007040300ull, 0x0000000007040301ull, 0x0000000704030100ull,
    0x0000000007040302ull, 0x0000000704030200ull, 0x0000000704030201ull, 0x0000070403020100ull,
    0x0000000000000705ull, 0x0000000000070500ull, 0x0000000000070501ull, 0x0000000007050100ull,
    0x0000000000070502ull, 0x0000000007050200ull, 0x0000000007050201ull, 0x0000000705020100ull,
    0x0000000000070503ull, 0x0000000007050300ull, 0x0000000007050301ull, 0x0000000705030100ull,
    0x0000000007050302ull, 0x0000000705030200ull, 0x0000000705030201ull, 0x0000070503020100ull,
    0x0000000000070504ull, 0x0000000007050400ull, 0x0000000007050401ull, 0x0000000705040100ull,
    0x0000000007050402ull, 0x0000000705040200ull, 0x0000000705040201ull, 0x0000070504020100ull,
    0x0000000007050403ull, 0x0000000705040300ull, 0x0000000705040301ull, 0x0000070504030100ull,
    0x0000000705040302ull, 0x0000070504030200ull, 0x0000070504030201ull, 0x0007050403020100ull,
    0x0000000000000706ull, 0x0000000000070600ull, 0x0000000000070601ull, 0x0000000007060100ull,
    0x0000000000070602ull, 0x0000000007060200ull, 0x0000000007060201ull, 0x0000000706020100ull,
    0x0000000000070603ull, 0x0000000007060300ull, 0x0000000007060301ull, 0x0000000706030100ull,
    0x0000000007060302ull, 0x0000000706030200ull, 0x0000000706030201ull, 0x0000070603020100ull,
    0x0000000000070604ull, 0x0000000007060400ull, 0x0000000007060401ull, 0x0000000706040100ull,
    0x0000000007060402ull, 0x0000000706040200ull, 0x0000000706040201ull, 0x0000070604020100ull,
    0x0000000007060403ull, 0x0000000706040300ull, 0x0000000706040301ull, 0x0000070604030100ull,
    0x0000000706040302ull, 0x0000070604030200ull, 0x0000070604030201ull, 0x0007060403020100ull,
    0x0000000000070605ull, 0x0000000007060500ull, 0x0000000007060501ull, 0x0000000706050100ull,
    0x0000000007060502ull, 0x0000000706050200ull, 0x0000000706050201ull, 0x0000070605020100ull,
    0x0000000007060503ull, 0x0000000706050300ull, 0x0000000706050301ull, 0x0000070605030100ull,
    0x0000000706050302ull, 0x0000070605030200ull, 0x0000070605030201ull, 0x0007060503020100ull,
    0x0000000007060504ull, 0x0000000706050400ull, 0x0000000706050401ull, 0x0000070605040100ull,
    0x0000000706050402ull, 0x0000070605040200ull, 0x0000070605040201ull, 0x0007060504020100ull,
    0x0000000706050403ull, 0x0000070605040300ull, 0x0000070605040301ull, 0x0007060504030100ull,
    0x0000070605040302ull, 0x0007060504030200ull, 0x0007060504030201ull, 0x0706050403020100ull,
};

/* scan_flatten_fn: eight positions a mask byte, looked up, widened to 32
 * bits and stored whole; the pointer moves on by the byte's bit count. */
SCAN_AVX2 static inline void flatten_avx2(uint32_t *out, uint64_t m, uint32_t base) {
  const __m256i vbase = _mm256_set1_epi32((int)base);
  for (int i = 0; i < 8; i++, m >>= 8) {
    unsigned byte = (unsigned)(m & 0xFF);
    uint64_t lanes = bit_positions[byte] + 0x0808080808080808ull * (uint64_t)i;
    __m256i at = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)lanes));
    _mm256_storeu_si256((__m256i *)out, _mm256_add_epi32(at, vbase));
    out += __builtin_popcount(byte);
  }
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
  uint32_t sep_at[RELIEF_NCOLS + 8], quote_at[RELIEF_NCOLS + 1];
  st.sep_at = sep_at;
  st.quote_at = quote_at;
  const __m256i vq = _mm256_set1_epi8('"'), vc = _mm256_set1_epi8(','), vn = _mm256_set1_epi8('\n'),
                vr = _mm256_set1_epi8('\r');
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
    __m256i lo = _mm256_loadu_si256((const __m256i *)b);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(b + 32));
    uint64_t q = eq_mask(lo, hi, vq), c = eq_mask(lo, hi, vc), n = eq_mask(lo, hi, vn),
             z = eq_mask(lo, hi, _mm256_setzero_si256());
    uint64_t in = q ? prefix_xor_clmul(q) ^ st.in_carry : st.in_carry;
    /* CRs matter only in or around quotes (a quoted CR, a CR before the LF
     * after a closing quote): a block with neither skips their compare */
    uint64_t r = q | in ? eq_mask(lo, hi, vr) : 0;
    int k = want ? scan_block_lean(&st, q, c, n, r, z, in, p, flatten_avx2)
                 : scan_block(&st, q, c, n, r, z, in);
    if (k == SCAN_MORE) continue;
    if (k == SCAN_DONE)
      return want ? scan_finish_lean(&st, p, pos, perr, ext) : scan_finish(&st, p, pos, perr);
    if (want) return parse_row_scalar_lean(text, size, pos, fields, row_start, perr, want, ext);
    return parse_row_scalar(text, size, pos, fields, row_start, perr);
  }
}

SCAN_AVX2 int parse_row_avx2(const char *text, size_t size, size_t *pos,
                             relief_field fields[RELIEF_NCOLS], size_t *row_start,
                             relief_parse_error *perr) {
  return parse_avx2(text, size, pos, fields, row_start, perr, NULL, NULL);
}

SCAN_AVX2 int parse_row_avx2_lean(const char *text, size_t size, size_t *pos,
                                  relief_field fields[RELIEF_NCOLS], size_t *row_start,
                                  relief_parse_error *perr, const relief_columns *want,
                                  relief_row_extent *ext) {
  return parse_avx2(text, size, pos, fields, row_start, perr, want, ext);
}
#endif
