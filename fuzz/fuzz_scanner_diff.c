/*
 * fuzz_scanner_diff.c — the bitmask row scanners (SSE2, and AVX2 where the
 * CPU has it) against the scalar parser on the same bytes, row by row: the
 * same return value, fields (pointers, lengths, flags, and which entries are
 * written), row start, position and error. Any difference aborts.
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
static int n_paths;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  paths[n_paths++] = relief_row_parser("scalar");
  const char *simd[] = {"sse2", "avx2"};
  for (int i = 0; i < 2; i++) {
    relief_parse_row_fn fn = relief_row_parser(simd[i]);
    if (fn) paths[n_paths++] = fn;
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

static void check_text(const char *text, size_t size) {
  size_t pos = 0;
  outcome want, got;
  for (int rows = 0; rows < 4096; rows++) {
    run(paths[0], text, size, pos, &want);
    for (int i = 1; i < n_paths; i++) {
      run(paths[i], text, size, pos, &got);
      if (memcmp(&want, &got, sizeof want) != 0) abort();
    }
    if (want.ret == 0) return;
    if (want.ret == 1 || want.perr.code == RELIEF_PARSE_FIELD_COUNT) {
      if (want.pos <= pos) abort(); /* no progress */
      pos = want.pos;
      continue;
    }
    /* a quote error: go on after the line it was found on, for more rows */
    const char *nl = memchr(text + want.perr.offset, '\n', size - want.perr.offset);
    if (!nl) return;
    pos = (size_t)(nl - text) + 1;
  }
}

static const char expand_fields[] = ",a,\"b\"\"c\",d\r,,\"x\r\ny\",e,\"\",\"\"\"\"";
static const char expand_plain[] = ",f,g,h,i,j,k,l,";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* its own allocation, so ASan sees any read past the end */
  char *text = malloc(size ? size : 1);
  memcpy(text, data, size);
  check_text(text, size);
  free(text);

  size_t big = 0;
  int any = 0;
  for (size_t i = 0; i < size; i++) {
    if (data[i] == 1) big += sizeof expand_fields - 1, any = 1;
    else if (data[i] == 2) big += sizeof expand_plain - 1, any = 1;
    else big++;
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
