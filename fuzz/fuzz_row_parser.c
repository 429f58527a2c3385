/*
 * fuzz_row_parser.c — parse_row over arbitrary bytes, and the chunker's
 * promise: parsing chunk by chunk gives exactly the rows (and the first
 * error) that parsing the whole text gives, which the parallel run relies on.
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doj/doj.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  omp_set_num_threads(1); /* determinism and speed; chunking is not thread-dependent */
  return 0;
}

typedef struct {
  size_t start, end;
  relief_field fields[RELIEF_NCOLS];
} parsed_row;

typedef struct {
  parsed_row *rows;
  size_t n, cap;
  int failed;
  relief_parse_error perr;
} parse_result;

/* Parses text[begin, end) as the run does; every value is unescaped once. */
static void parse_range(const char *text, size_t begin, size_t end, parse_result *r,
                        char *scratch) {
  size_t pos = begin, start;
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  int got;
  while ((got = parse_row(text, end, &pos, f, &start, &perr)) == 1) {
    if (pos > end || start >= pos) abort();
    for (int i = 0; i < RELIEF_NCOLS; i++) {
      if (f[i].ptr < text + start || f[i].ptr + f[i].len > text + pos) abort();
      uint32_t len;
      const char *v = doj_field_value(&f[i], scratch, &len);
      if (len > f[i].len || (len && !v)) abort();
    }
    if (r->n == r->cap) {
      r->cap = r->cap ? r->cap * 2 : 16;
      r->rows = realloc(r->rows, r->cap * sizeof *r->rows);
    }
    r->rows[r->n].start = start;
    r->rows[r->n].end = pos;
    memcpy(r->rows[r->n].fields, f, sizeof f);
    r->n++;
  }
  if (got < 0) {
    r->failed = 1;
    r->perr = perr;
    if (perr.offset > end || perr.row_offset > end) abort();
  } else if (pos != end) {
    abort();
  }
}

static void check_text(const char *text, size_t size, size_t n_wanted, char *scratch) {
  size_t header = header_length(text, size);
  if (header > size) abort();
  parse_result whole = {0};
  parse_range(text, header, size, &whole, scratch);
  size_t *bounds = malloc((n_wanted + 2) * sizeof *bounds);
  size_t n = chunk_text(text, header, size, n_wanted, bounds, NULL, NULL, 2);
  if (n < 1 || n > n_wanted || bounds[0] != header || bounds[n] != size) abort();
  parse_result chunked = {0};
  for (size_t c = 0; c < n && !chunked.failed; c++) {
    if (bounds[c + 1] < bounds[c]) abort();
    parse_range(text, bounds[c], bounds[c + 1], &chunked, scratch);
  }
  /* the same rows up to the first error, and the same first error */
  if (whole.failed != chunked.failed) abort();
  if (whole.n != chunked.n) abort();
  for (size_t i = 0; i < whole.n; i++) {
    const parsed_row *a = &whole.rows[i], *b = &chunked.rows[i];
    if (a->start != b->start || a->end != b->end) abort();
    for (int k = 0; k < RELIEF_NCOLS; k++)
      if (a->fields[k].ptr != b->fields[k].ptr || a->fields[k].len != b->fields[k].len ||
          a->fields[k].flags != b->fields[k].flags)
        abort();
  }
  if (whole.failed &&
      (whole.perr.code != chunked.perr.code || whole.perr.offset != chunked.perr.offset ||
       whole.perr.row_offset != chunked.perr.row_offset))
    abort();
  if (whole.failed) (void)line_of_offset(text, whole.perr.offset);
  free(whole.rows);
  free(chunked.rows);
  free(bounds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  /* first byte: how many chunks to ask for; the rest: the text, in its own
   * allocation so ASan sees reads past its end */
  size_t n_wanted = (size_t)(data[0] % 16) + 1;
  size = size - 1;
  char *text = malloc(size ? size : 1);
  memcpy(text, data + 1, size);
  char *scratch = malloc(size + 1);
  check_text(text, size, n_wanted, scratch);
  /* the chunker only splits texts of many pages: repeat the input until it
   * is long enough to be split at many places */
  if (size) {
    size_t reps = (n_wanted * 4096 * 2) / size + 1, big_n = size * reps;
    if (big_n <= (1u << 20)) {
      char *big = malloc(big_n), *big_scratch = malloc(big_n + 1);
      for (size_t r = 0; r < reps; r++) memcpy(big + r * size, text, size);
      check_text(big, big_n, n_wanted, big_scratch);
      free(big);
      free(big_scratch);
    }
  }
  free(text);
  free(scratch);
  return 0;
}
