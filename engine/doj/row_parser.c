/*
 * row_parser.c — the hot loop: one DOJ record into 95 field views, with the
 * exact acceptance rules of Go's encoding/csv (which the reference used):
 * empty lines skipped, CRLF taken as LF, bare quotes and text after a closing
 * quote rejected. Also quote-aware chunking and line numbers for errors.
 */
#include <omp.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "doj/doj.h"
#include "doj/scan.h"

/* Bytes that end an unquoted field, or make it malformed (a quote, a NUL). */
static const unsigned char unquoted_stop[256] = {[','] = 1, ['\n'] = 1, ['"'] = 1, [0] = 1};

/* Finding the next stop byte: a bitmask of the stop bytes in a 64-byte
 * block is computed once and consumed field by field, so short fields cost
 * a bit scan, not a byte loop. */
typedef struct {
  size_t base;   /* offset of the block */
  uint64_t mask; /* bit i: text[base + i] is a stop byte */
} stop_block;

static inline uint64_t block_mask(const char *text, size_t base, size_t size) {
  uint64_t m = 0;
#if defined(__SSE2__)
  if (size - base >= 64) {
    const __m128i comma = _mm_set1_epi8(','), nl = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"'),
                  nul = _mm_setzero_si128();
    for (int k = 0; k < 4; k++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(text + base + 16 * k));
      __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, nl)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, nul)));
      m |= (uint64_t)(uint16_t)_mm_movemask_epi8(hit) << (16 * k);
    }
    return m;
  }
#endif
  size_t n = size - base < 64 ? size - base : 64;
  for (size_t i = 0; i < n; i++) m |= (uint64_t)unquoted_stop[(unsigned char)text[base + i]] << i;
  return m;
}

/* Offset of the first stop byte at or after p, or size. */
static inline size_t next_stop(const char *text, size_t p, size_t size, stop_block *b) {
  if (p < b->base || p >= b->base + 64) {
    b->base = p;
    b->mask = block_mask(text, p, size);
  }
  for (;;) {
    uint64_t m = b->mask & (~0ull << (p - b->base));
    if (m) return b->base + (size_t)__builtin_ctzll(m);
    b->base += 64;
    if (b->base >= size) {
      b->base = (size_t)-1 / 2; /* force a reload next time */
      return size;
    }
    p = b->base;
    b->mask = block_mask(text, p, size);
  }
}

static inline void put_field(relief_field *fields, int n, const char *p, size_t len,
                             uint32_t flags) {
  if (n < RELIEF_NCOLS) {
    fields[n].ptr = p;
    fields[n].len = (uint32_t)len;
    fields[n].flags = flags;
  }
}

/* Sets *perr to code at offset in the row at row_start; returns -1. */
static int parse_error(relief_parse_error *perr, relief_parse_code code, size_t offset,
                       size_t row_start) {
  perr->code = code;
  perr->offset = offset;
  perr->row_offset = row_start;
  return -1;
}

/* The portable parser: the reference the bitmask scanners (scan_*.c) must
 * match exactly, and their fallback for rows they do not finish. */
int parse_row_scalar(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
                     size_t *row_start, relief_parse_error *perr) {
  size_t p = *pos;
  for (;;) { /* empty lines are not records */
    if (p >= size) {
      *pos = p;
      return 0;
    }
    if (text[p] == '\n') {
      p++;
    } else if (text[p] == '\r' && (p + 1 == size || text[p + 1] == '\n')) {
      p += p + 1 == size ? 1 : 2;
    } else {
      break;
    }
  }
  *row_start = p;
  int nf = 0;
  stop_block blk = {(size_t)-1 / 2, 0};
  for (;;) {
    if (p < size && text[p] == '"') {
      size_t start = p + 1, q = start;
      uint32_t flags = RELIEF_FIELD_QUOTED;
      for (;;) {
        const char *k = memchr(text + q, '"', size - q);
        if (!k) {
          return parse_error(perr, RELIEF_PARSE_UNTERMINATED, p, *row_start);
        }
        size_t kq = (size_t)(k - text);
        if (kq + 1 < size && text[kq + 1] == '"') {
          flags |= RELIEF_FIELD_ESCAPED;
          q = kq + 2;
          continue;
        }
        const char *nul = memchr(text + start, 0, kq - start);
        if (nul) {
          return parse_error(perr, RELIEF_PARSE_NUL, (size_t)(nul - text), *row_start);
        }
        if (memchr(text + start, '\r', kq - start)) flags |= RELIEF_FIELD_ESCAPED;
        put_field(fields, nf++, text + start, kq - start, flags);
        size_t after = kq + 1;
        if (after == size || (text[after] == '\r' && after + 1 == size)) {
          p = size;
          goto record_end;
        }
        if (text[after] == ',') {
          p = after + 1;
          break;
        }
        if (text[after] == '\n') {
          p = after + 1;
          goto record_end;
        }
        if (text[after] == '\r' && text[after + 1] == '\n') {
          p = after + 2;
          goto record_end;
        }
        return parse_error(perr, RELIEF_PARSE_QUOTE, after, *row_start);
      }
      continue;
    }
    size_t q = next_stop(text, p, size, &blk);
    if (q < size && (text[q] == '"' || text[q] == 0))
      return parse_error(perr, text[q] ? RELIEF_PARSE_BARE_QUOTE : RELIEF_PARSE_NUL, q, *row_start);
    if (q < size && text[q] == ',') {
      put_field(fields, nf++, text + p, q - p, 0);
      p = q + 1;
      continue;
    }
    /* end of line or of text: one CR before it belongs to the line end */
    size_t len = q - p;
    if (len && text[q - 1] == '\r') len--;
    put_field(fields, nf++, text + p, len, 0);
    p = q < size ? q + 1 : q;
    goto record_end;
  }
record_end:
  *pos = p;
  if (nf != RELIEF_NCOLS) {
    perr->code = RELIEF_PARSE_FIELD_COUNT;
    perr->offset = *row_start;
    perr->row_offset = *row_start;
    perr->field_count = nf;
    return -1;
  }
  return 1;
}

const char *doj_field_value(const relief_field *f, char *scratch, uint32_t *len) {
  if (!(f->flags & RELIEF_FIELD_ESCAPED)) {
    *len = f->len;
    return f->ptr;
  }
  uint32_t o = 0;
  for (uint32_t i = 0; i < f->len; i++) {
    char c = f->ptr[i];
    if (c == '"')
      i++; /* a doubled quote: keep one */
    else if (c == '\r' && i + 1 < f->len && f->ptr[i + 1] == '\n')
      continue;
    scratch[o++] = c;
  }
  *len = o;
  return scratch;
}

const char *parse_code_text(relief_parse_code code) {
  switch (code) {
  case RELIEF_PARSE_FIELD_COUNT:
    return "wrong number of fields";
  case RELIEF_PARSE_BARE_QUOTE:
    return "bare \" in non-quoted field";
  case RELIEF_PARSE_QUOTE:
    return "extraneous or missing \" in quoted field";
  case RELIEF_PARSE_UNTERMINATED:
    return "unterminated quoted field";
  case RELIEF_PARSE_NUL:
    return "NUL byte in a field (the file is not a DOJ text extract, or is damaged)";
  case RELIEF_PARSE_CR_ONLY:
    return "line endings are CR-only (old Mac format): convert the file to LF or CRLF line "
           "endings";
  default:
    return "ok";
  }
}

bool cr_only_line_ends(const char *text, size_t size) {
  for (size_t i = 0; i < size && text[i] != '\n' && text[i] != '"'; i++)
    if (text[i] == '\r' && i + 1 < size && text[i + 1] != '\n') return true;
  return false;
}

size_t header_length(const char *text, size_t size) {
  if (size < 9 || memcmp(text, "RECORD_ID", 9) != 0) return 0;
  const char *nl = memchr(text, '\n', size);
  return nl ? (size_t)(nl - text) + 1 : size;
}

static size_t count_quotes(const char *p, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += p[i] == '"';
  return c;
}

size_t chunk_text(const char *text, size_t begin, size_t size, size_t n_wanted, size_t *bounds,
                  relief_release_fn release, void *release_user, int threads) {
  size_t span = size - begin;
  if (n_wanted < 1) n_wanted = 1;
  if (span < n_wanted * 4096) n_wanted = span / 4096 + 1;
  size_t seg = span / n_wanted;
  bounds[0] = begin;
  if (n_wanted == 1) {
    bounds[1] = size;
    return 1;
  }
  /* quotes before each candidate, counted in parallel: their parity says
   * whether the candidate sits inside a quoted field */
  size_t parity[n_wanted];
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : 1)
  for (size_t i = 0; i < n_wanted; i++) {
    size_t a = begin + i * seg, b = i + 1 == n_wanted ? size : begin + (i + 1) * seg;
    parity[i] = count_quotes(text + a, b - a) & 1;
    if (release) release(release_user, a, b - a);
  }
  size_t n = 0, inside = 0;
  for (size_t i = 1; i < n_wanted; i++) {
    inside ^= parity[i - 1];
    size_t p = begin + i * seg, in = inside;
    if (p <= bounds[n]) continue;
    while (p < size && !(text[p] == '\n' && !in)) {
      in ^= text[p] == '"';
      p++;
    }
    if (p >= size - 1) break;
    if (p + 1 > bounds[n]) bounds[++n] = p + 1;
  }
  bounds[++n] = size;
  return n;
}

long long line_of_offset(const char *text, size_t offset) {
  long long line = 1;
  const char *p = text, *end = text + offset;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    line++;
    p++;
  }
  return line;
}

size_t last_row_end(const char *text, size_t n) {
  size_t last = 0;
  int inside = 0;
  for (size_t i = 0; i < n; i++) {
    char c = text[i];
    if (c == '"')
      inside ^= 1;
    else if (c == '\n' && !inside)
      last = i + 1;
  }
  return last;
}

void row_extent_of(const char *text, const relief_field fields[RELIEF_NCOLS],
                   relief_row_extent *ext) {
  bool canonical = true;
  for (int i = 0; i < RELIEF_NCOLS && canonical; i++)
    if (fields[i].flags & RELIEF_FIELD_QUOTED) canonical = quoted_field_canonical(&fields[i]);
  const relief_field *last = &fields[RELIEF_NCOLS - 1];
  ext->end = (size_t)(last->ptr - text) + last->len + (last->flags & RELIEF_FIELD_QUOTED ? 1 : 0);
  ext->canonical = canonical;
}

int parse_row_scalar_lean(const char *text, size_t size, size_t *pos,
                          relief_field fields[RELIEF_NCOLS], size_t *row_start,
                          relief_parse_error *perr, const relief_columns *want,
                          relief_row_extent *ext) {
  (void)want; /* fills every field */
  int r = parse_row_scalar(text, size, pos, fields, row_start, perr);
  if (r == 1 && ext) row_extent_of(text, fields, ext);
  return r;
}
