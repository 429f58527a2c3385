/*
 * fuzz_scanner_diff.c — the bitmask row scanners (SSE2, and AVX2 where the
 * CPU has it) against the scalar parser on the same bytes, row by row: the
 * same return value, fields (pointers, lengths, flags, and which entries are
 * written), row start, position and error. Then each lean parser (only the
 * wanted columns filled, the row's extent) against the scalar parser: the
 * same return, position, row start and error, the wanted fields equal, and
 * the extent row_extent_of gives from the scalar parser's fields.
 * Any difference aborts.
 *
 * Each input is tried as it is and expanded: byte 0x01 becomes a run of
 * fields with quotes, doubled quotes and CRs, 0x02 eight plain fields, so
 * rows of 95 fields (the only ones that parse) are easy to reach.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doj/doj.h"

static relief_parse_row_fn paths[3];
static relief_parse_lean_fn lean[3];
static int n_paths;
static relief_columns want; /* from the input's first bytes */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *names[] = {"scalar", "sse2", "avx2"};
  for (int i = 0; i < 3; i++) {
    relief_parse_row_fn fn = doj_row_parser(names[i]);
    if (!fn) continue;
    lean[n_paths] = doj_row_parser_lean(names[i]);
    if (!lean[n_paths]) abort();
    paths[n_paths++] = fn;
  }
  if (n_paths < 2) abort(); /* nothing to compare */
  return 0;
}

typedef struct {
  int ret;
  size_t pos, row_start;
  relief_field fields[RELIEF_NCOLS];
  relief_parse_error perr;
} outcome;

/* Same starting bytes for every path, so untouched entries compare equal. */
static void run(relief_parse_row_fn fn, const char *text, size_t size, size_t pos, outcome *o) {
  memset(o, 0xa5, sizeof *o);
  o->pos = pos;
  o->ret = fn(text, size, &o->pos, o->fields, &o->row_start, &o->perr);
}

/* The lean parse of the row at pos by path i against the scalar outcome. */
static void check_lean(int i, const char *text, size_t size, size_t pos, const outcome *full) {
  outcome got;
  relief_row_extent ext, expect;
  memset(&got, 0xa5, sizeof got); /* as run() starts: unset error parts compare equal */
  got.pos = pos;
  got.ret = lean[i](text, size, &got.pos, got.fields, &got.row_start, &got.perr, &want, &ext);
  if (got.ret != full->ret || got.pos != full->pos) abort();
  if (got.ret == 0) return;
  if (got.row_start != full->row_start) abort();
  if (got.ret < 0) {
    if (memcmp(&got.perr, &full->perr, sizeof got.perr) != 0) abort();
    return;
  }
  for (int c = 0; c < RELIEF_NCOLS; c++)
    if ((want.bits[c / 64] >> (c % 64) & 1) &&
        memcmp(&got.fields[c], &full->fields[c], sizeof got.fields[c]) != 0)
      abort();
  row_extent_of(text, full->fields, &expect);
  if (ext.end != expect.end || ext.canonical != expect.canonical) abort();
}

static void check_text(const char *text, size_t size) {
  size_t pos = 0;
  outcome want, got;
  for (int rows = 0; rows < 4096; rows++) {
    run(paths[0], text, size, pos, &want);
    for (int i = 1; i < n_paths; i++) {
      run(paths[i], text, size, pos, &got);
      if (memcmp(&want, &got, sizeof want) != 0) abort();
    }
    for (int i = 0; i < n_paths; i++) check_lean(i, text, size, pos, &want);
    if (want.ret == 0) return;
    if (want.ret == 1 || want.perr.code == RELIEF_PARSE_FIELD_COUNT) {
      if (want.pos <= pos) abort(); /* no progress */
      pos = want.pos;
      continue;
    }
    /* a quote or NUL error: go on after the line it was found on, for more rows */
    const char *nl = memchr(text + want.perr.offset, '\n', size - want.perr.offset);
    if (!nl) return;
    pos = (size_t)(nl - text) + 1;
  }
}

static const char expand_fields[] = ",a,\"b\"\"c\",d\r,,\"x\r\ny\",e,\"\",\"\"\"\"";
static const char expand_plain[] = ",f,g,h,i,j,k,l,";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* the wanted columns: a few of the input's bytes, else the usual ones */
  want.bits[0] = want.bits[1] = 0;
  for (size_t i = 0; i < size && i < 24; i++) {
    unsigned c = data[i] % (RELIEF_NCOLS + 8);
    if (c < RELIEF_NCOLS) want.bits[c / 64] |= 1ull << (c % 64);
  }
  if (!want.bits[0] && !want.bits[1]) want.bits[0] = 0x4000000000000804ull;
  /* its own allocation, so ASan sees any read past the end */
  char *text = malloc(size ? size : 1);
  memcpy(text, data, size);
  check_text(text, size);
  free(text);

  size_t big = 0;
  int any = 0;
  for (size_t i = 0; i < size; i++) {
    if (data[i] == 1)
      big += sizeof expand_fields - 1, any = 1;
    else if (data[i] == 2)
      big += sizeof expand_plain - 1, any = 1;
    else
      big++;
  }
  if (!any || big > (1u << 20)) return 0;
  text = malloc(big);
  size_t o = 0;
  for (size_t i = 0; i < size; i++) {
    if (data[i] == 1) {
      memcpy(text + o, expand_fields, sizeof expand_fields - 1);
      o += sizeof expand_fields - 1;
    } else if (data[i] == 2) {
      memcpy(text + o, expand_plain, sizeof expand_plain - 1);
      o += sizeof expand_plain - 1;
    } else {
      text[o++] = (char)data[i];
    }
  }
  check_text(text, big);
  free(text);
  return 0;
}
