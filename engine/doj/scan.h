/*
 * scan.h — the row scanner's shared part. The SIMD drivers (scan_sse2.c,
 * scan_avx2.c) classify 64 bytes of a row at a time into four bitmasks
 * (quote, comma, LF, CR; and NUL, which sends the row to the scalar parser
 * for its error) and the in-quotes mask (prefix-XOR of the quote
 * mask, carried across blocks); scan_block turns them into field boundaries.
 *
 * Why the masks are enough. Blocks start at the row's first byte, outside
 * quotes, so bit i of `in` is the parity of the quotes in [row start, i]:
 * an opening quote and the bytes it quotes have it set, a closing quote and
 * unquoted bytes have it clear. Commas and LFs with it clear separate fields.
 * That reading matches parse_row_scalar exactly as long as
 *   - every opening quote starts a field or directly follows a closing quote
 *     (a doubled quote inside a quoted field), and
 *   - every closing quote is followed by a quote, a comma, an LF or CR LF,
 * up to the row's LF. A row that breaks either rule (a bare or stray quote)
 * or runs to the end of the text without an LF goes back to the scalar
 * parser, which then gives the exact error. Fields a driver wrote before
 * giving up are a prefix of the ones the scalar parser writes for the same
 * row (the first broken rule sits in or after the field the scalar parser
 * stops at), so results stay identical, fields included.
 */
#ifndef RELIEF_DOJ_SCAN_H
#define RELIEF_DOJ_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "doj/doj.h"

int parse_row_scalar(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
                     size_t *row_start, relief_parse_error *perr);
#if defined(__x86_64__) || defined(__i386__)
#define RELIEF_SCAN_X86 1
int parse_row_sse2(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
                   size_t *row_start, relief_parse_error *perr);
int parse_row_avx2(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
                   size_t *row_start, relief_parse_error *perr);
int parse_row_sse2_lean(const char *text, size_t size, size_t *pos,
                        relief_field fields[RELIEF_NCOLS], size_t *row_start,
                        relief_parse_error *perr, const relief_columns *want,
                        relief_row_extent *ext);
int parse_row_avx2_lean(const char *text, size_t size, size_t *pos,
                        relief_field fields[RELIEF_NCOLS], size_t *row_start,
                        relief_parse_error *perr, const relief_columns *want,
                        relief_row_extent *ext);
#endif
int parse_row_scalar_lean(const char *text, size_t size, size_t *pos,
                          relief_field fields[RELIEF_NCOLS], size_t *row_start,
                          relief_parse_error *perr, const relief_columns *want,
                          relief_row_extent *ext);

#define SCAN_INLINE static inline __attribute__((always_inline))

/* One row in progress. */
_Static_assert(offsetof(relief_field, flags) == offsetof(relief_field, len) + 4,
               "len and flags are written as one 64-bit store");

typedef struct {
  const char *text;
  size_t size;
  relief_field *fields;
  size_t base;                /* offset of the current block */
  size_t s;                   /* start of the field being read */
  size_t end;                 /* when done: offset of the row's LF */
  int nf;                     /* fields seen so far */
  int esc_pending;            /* the open field holds a quote or CR in earlier blocks */
  uint64_t in_carry;          /* all ones when the block starts inside quotes */
  uint64_t sep_carry;         /* 1 when a field starts at the block's first byte */
  uint64_t close_carry;       /* 1 when the byte before the block is a closing quote */
  const relief_columns *want; /* lean: the columns scan_finish_lean cuts */
  uint32_t *sep_at;           /* lean: the row's separators so far (nf), from its start; room for
                                 RELIEF_NCOLS + 8 (a flattener writes up to 8 past the last) */
  uint32_t *quote_at;         /* lean: where its quoted fields start, from its start */
  int n_quoted;
  uint64_t escapes; /* lean: nonzero once a quote or CR inside quotes (a doubled quote's
                       second half, a quoted CR) was seen: only then is a value unescaped */
} scan_row;

enum { SCAN_MORE, SCAN_DONE, SCAN_FALLBACK };

/* Skips empty lines from *p as the scalar parser does; 0 at the end. */
SCAN_INLINE int scan_skip_empty(const char *text, size_t size, size_t *p) {
  size_t q = *p;
  for (;;) {
    if (q >= size) {
      *p = q;
      return 0;
    }
    if (text[q] == '\n') {
      q++;
    } else if (text[q] == '\r' && (q + 1 == size || text[q + 1] == '\n')) {
      q += q + 1 == size ? 1 : 2;
    } else {
      *p = q;
      return 1;
    }
  }
}

SCAN_INLINE void scan_start(scan_row *st, const char *text, size_t size, relief_field *fields,
                            size_t row_start) {
  st->text = text;
  st->size = size;
  st->fields = fields;
  st->base = row_start;
  st->s = row_start;
  st->end = 0;
  st->nf = 0;
  st->esc_pending = 0;
  st->in_carry = 0;
  st->sep_carry = 1;
  st->close_carry = 0;
  st->want = NULL;
  st->sep_at = st->quote_at = NULL;
  st->n_quoted = 0;
  st->escapes = 0;
}

/* Writes the field [st->s, e) that the separator at e ends. esc: the block's
 * quotes and CRs inside quotes (a doubled quote's second half, a quoted CR). */
SCAN_INLINE void scan_emit(scan_row *st, size_t e, uint64_t esc) {
  const char *text = st->text;
  size_t s = st->s;
  if (st->nf < RELIEF_NCOLS) {
    relief_field *f = &st->fields[st->nf];
    if (text[s] == '"') {
      /* the closing quote sits just before e, or before a CR before the LF */
      size_t cq = e - 1 - (text[e - 1] == '\r');
      size_t lo = s + 1 > st->base ? s + 1 - st->base : 0, hi = e - st->base;
      uint64_t m = (esc >> lo) & ((1ull << (hi - lo)) - 1);
      int escaped = st->esc_pending | (m != 0);
      f->ptr = text + s + 1;
      f->len = (uint32_t)(cq - s - 1);
      f->flags = RELIEF_FIELD_QUOTED | (escaped ? RELIEF_FIELD_ESCAPED : 0);
    } else {
      size_t len = e - s;
      if (text[e] == '\n' && len && text[e - 1] == '\r') len--;
      f->ptr = text + s;
      f->len = (uint32_t)len;
      f->flags = 0;
    }
  }
  st->nf++;
  st->s = e + 1;
  st->esc_pending = 0;
}

/* Consumes the block at st->base: q/c/n/r are its quote, comma, LF and CR
 * masks (0 past the end of the text), in its in-quotes mask. */
/* A block's separators under the rules of the header above: 0 when the
 * block breaks one (the scalar parser takes the row), else 1 with sep
 * (commas and LFs outside quotes), nl (the row's LF, if here), lim (the bits
 * up to it), starts (the first bytes of fields) and closer (closing quotes). */
SCAN_INLINE int scan_check(const scan_row *st, uint64_t q, uint64_t c, uint64_t n, uint64_t r,
                           uint64_t z, uint64_t in, uint64_t *sep_out, uint64_t *nl_out,
                           uint64_t *lim_out, uint64_t *starts_out, uint64_t *closer_out) {
  const char *text = st->text;
  size_t base = st->base, size = st->size;
  if (!q && !in) { /* no quote in or around the block: the rules hold */
    uint64_t lim = n ? n ^ (n - 1) : ~0ull;
    if (z & lim) return 0;
    if (!n && base + 64 >= size) return 0;
    *sep_out = c | n, *nl_out = n, *lim_out = lim, *closer_out = 0;
    *starts_out = ((c | n) << 1) | st->sep_carry;
    return 1;
  }
  uint64_t sep = (c | n) & ~in, nl = n & ~in;
  uint64_t lim = nl ? nl ^ (nl - 1) : ~0ull; /* bits up to the row's LF */
  uint64_t opener = q & in, closer = q & ~in;
  uint64_t starts = (sep << 1) | st->sep_carry; /* first bytes of fields */
  uint64_t after_close = (closer << 1) | st->close_carry;
  uint64_t nl_next = base + 64 < size && text[base + 64] == '\n';
  uint64_t follow = q | c | n | (r & ((n >> 1) | (nl_next << 63)));
  uint64_t bad = (opener & ~starts & ~after_close) | (closer & ~(follow >> 1) & ~(1ull << 63));
  if ((closer & lim) >> 63) { /* the byte after it is in the next block */
    size_t a = base + 64;
    int ok = a < size && (text[a] == '"' || text[a] == ',' || text[a] == '\n' ||
                          (text[a] == '\r' && a + 1 < size && text[a + 1] == '\n'));
    if (!ok) return 0;
  }
  if ((bad | z) & lim) return 0;          /* z: NUL bytes, which the scalar parser names */
  if (!nl && base + 64 >= size) return 0; /* no LF before the end */
  *sep_out = sep, *nl_out = nl, *lim_out = lim, *starts_out = starts, *closer_out = closer;
  return 1;
}

/* Moves to the next block, carrying what it needs of this one. */
SCAN_INLINE void scan_next_block(scan_row *st, uint64_t in, uint64_t sep, uint64_t closer) {
  st->in_carry = (uint64_t)((int64_t)in >> 63);
  st->sep_carry = sep >> 63;
  st->close_carry = closer >> 63;
  st->base += 64;
}

SCAN_INLINE int scan_block(scan_row *st, uint64_t q, uint64_t c, uint64_t n, uint64_t r, uint64_t z,
                           uint64_t in) {
  const char *text = st->text;
  size_t base = st->base;
  uint64_t sep, nl, lim, starts, closer;
  if (!scan_check(st, q, c, n, r, z, in, &sep, &nl, &lim, &starts, &closer)) return SCAN_FALLBACK;
  uint64_t esc = (q | r) & in, m = sep & lim;
  uint64_t commas = m & ~nl;
  if (!(q & lim) && text[st->s] != '"' && st->nf + __builtin_popcountll(commas) <= RELIEF_NCOLS) {
    /* the common block: no quotes, so the fields its commas end are
     * unquoted (and keep any CR), and there is room for all of them; the
     * row's last field, if here, takes scan_emit */
    relief_field *f = st->fields + st->nf;
    size_t fs = st->s;
    for (; commas; commas &= commas - 1) {
      size_t e = base + (size_t)__builtin_ctzll(commas);
      f->ptr = text + fs;
      uint64_t len_flags = e - fs; /* len, and flags 0 */
      memcpy(&f->len, &len_flags, sizeof len_flags);
      f++;
      fs = e + 1;
    }
    st->nf = (int)(f - st->fields);
    st->s = fs;
    m &= nl;
  }
  for (; m; m &= m - 1) scan_emit(st, base + (size_t)__builtin_ctzll(m), esc);
  if (nl) {
    st->end = base + (size_t)__builtin_ctzll(nl);
    return SCAN_DONE;
  }
  size_t lo = st->s + 1 > base ? st->s + 1 - base : 0;
  if (lo < 64 && (esc >> lo)) st->esc_pending = 1;
  scan_next_block(st, in, sep, closer);
  return SCAN_MORE;
}

/* The row's result once scan_block said SCAN_DONE. */
SCAN_INLINE int scan_finish(scan_row *st, size_t row_start, size_t *pos, relief_parse_error *perr) {
  *pos = st->end + 1;
  if (st->nf != RELIEF_NCOLS) {
    perr->code = RELIEF_PARSE_FIELD_COUNT;
    perr->offset = row_start;
    perr->row_offset = row_start;
    perr->field_count = st->nf;
    return -1;
  }
  return 1;
}

/* ---- the lean scan: only the columns a caller reads ----
 *
 * The blocks of a row are checked as above, but their separators are only
 * noted, flattened into st->sep_at as offsets from the row's start, with
 * where quoted fields start; once the row is done, the wanted fields are
 * cut from consecutive separators. A row of more than RELIEF_NCOLS fields,
 * or longer than 4 GB, goes to the scalar parser, which names the error. */

/* Writes the offsets base + i of m's set bits, in order, to out; may write
 * up to 8 entries past the last (a driver's own flattener may use them). */
typedef void (*scan_flatten_fn)(uint32_t *out, uint64_t m, uint32_t base);

SCAN_INLINE void scan_flatten_bits(uint32_t *out, uint64_t m, uint32_t base) {
  for (; m; m &= m - 1) *out++ = base + (uint32_t)__builtin_ctzll(m);
}

SCAN_INLINE int scan_block_lean(scan_row *st, uint64_t q, uint64_t c, uint64_t n, uint64_t r,
                                uint64_t z, uint64_t in, size_t row_start,
                                scan_flatten_fn flatten) {
  size_t base = st->base;
  uint64_t sep, nl, lim, starts, closer;
  if (!scan_check(st, q, c, n, r, z, in, &sep, &nl, &lim, &starts, &closer)) return SCAN_FALLBACK;
  uint64_t m = sep & lim;
  int count = __builtin_popcountll(m);
  if (st->nf + count > RELIEF_NCOLS || base - row_start > UINT32_MAX - 64) return SCAN_FALLBACK;
  uint32_t off = (uint32_t)(base - row_start);
  flatten(st->sep_at + st->nf, m, off);
  st->nf += count;
  /* an opening quote that starts no field follows a closing one: the two
   * are a doubled quote inside the value */
  st->escapes |= ((q & in & ~starts) | (r & in)) & lim;
  for (uint64_t x = q & starts & lim; x; x &= x - 1) /* a quote that starts a field */
    st->quote_at[st->n_quoted++] = off + (uint32_t)__builtin_ctzll(x);
  if (nl) {
    st->end = base + (size_t)__builtin_ctzll(nl);
    return SCAN_DONE;
  }
  scan_next_block(st, in, sep, closer);
  return SCAN_MORE;
}

/* Field [s, e) of a row the checks passed, e its separator; returns just
 * past its value as written (the closing quote of a quoted one). */
SCAN_INLINE size_t scan_cut(const char *text, size_t s, size_t e, relief_field *f,
                            uint64_t may_escape) {
  if (text[s] == '"') {
    /* the closing quote sits just before e, or before a CR before the LF;
     * a quote between the quotes (half of a doubled one) or a CR means the
     * value must be unescaped, as scan_emit marks it; a row with none of
     * either inside quotes (may_escape 0) has no value to look into */
    size_t cq = e - 1 - (text[e - 1] == '\r'), len = cq - s - 1;
    f->ptr = text + s + 1;
    f->len = (uint32_t)len;
    int escaped =
        may_escape && (memchr(f->ptr, '"', len) != NULL || memchr(f->ptr, '\r', len) != NULL);
    f->flags = RELIEF_FIELD_QUOTED | (escaped ? RELIEF_FIELD_ESCAPED : 0);
    return cq + 1;
  }
  size_t len = e - s;
  if (text[e] == '\n' && len && text[e - 1] == '\r') len--;
  f->ptr = text + s;
  uint64_t len_flags = len; /* len, and flags 0 */
  memcpy(&f->len, &len_flags, sizeof len_flags);
  return s + len;
}

/* The lean row's result once scan_block_lean said SCAN_DONE: the wanted
 * fields, and the row's extent and whether it is its own canonical text
 * (every quoted field holds a comma and needs no unescaping). */
SCAN_INLINE int scan_finish_lean(scan_row *st, size_t row_start, size_t *pos,
                                 relief_parse_error *perr, relief_row_extent *ext) {
  if (scan_finish(st, row_start, pos, perr) < 0) return -1;
  const char *text = st->text;
  const uint32_t *at = st->sep_at;
  for (int w = 0; w < 2; w++)
    for (uint64_t bits = st->want->bits[w]; bits; bits &= bits - 1) {
      int k = w * 64 + __builtin_ctzll(bits);
      if (k >= RELIEF_NCOLS) break;
      scan_cut(text, k ? row_start + at[k - 1] + 1 : row_start, row_start + at[k], &st->fields[k],
               st->escapes);
    }
  if (!ext) return 1;
  relief_field f;
  ext->end = scan_cut(text, row_start + at[RELIEF_NCOLS - 2] + 1, row_start + at[RELIEF_NCOLS - 1],
                      &f, st->escapes);
  int canonical = 1;
  for (int i = 0, k = 0; i < st->n_quoted && canonical; i++) {
    while (at[k] < st->quote_at[i]) k++; /* the separator that ends the field */
    scan_cut(text, row_start + st->quote_at[i], row_start + at[k], &f, st->escapes);
    canonical = quoted_field_canonical(&f);
  }
  ext->canonical = canonical;
  return 1;
}

#endif
