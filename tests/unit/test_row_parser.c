/*
 * test_row_parser.c — the DOJ row parser against Go encoding/csv's rules:
 * quoting, CRLF, empty lines, malformed rows, header detection, chunking.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "doj/doj.h"

/* A row of 95 fields: field i is "f<i>" unless overridden. */
static char *make_row(int n_fields, int override_at, const char *override, const char *end) {
  static char buf[16384];
  size_t o = 0;
  for (int i = 0; i < n_fields; i++) {
    if (i) buf[o++] = ',';
    if (i == override_at) {
      memcpy(buf + o, override, strlen(override));
      o += strlen(override);
    } else {
      o += (size_t)snprintf(buf + o, sizeof buf - o, "f%d", i);
    }
  }
  memcpy(buf + o, end, strlen(end) + 1);
  return buf;
}

static int parse_one(const char *text, relief_field *f, relief_parse_error *pe, size_t *pos) {
  size_t start;
  *pos = 0;
  return relief_parse_row(text, strlen(text), pos, f, &start, pe);
}

static char *value(const relief_field *f) {
  static char out[4096];
  char scratch[4096];
  uint32_t len;
  const char *v = relief_field_value(f, scratch, &len);
  memcpy(out, v, len);
  out[len] = 0;
  return out;
}

Test(row_parser, plain_row_has_95_fields) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  const char *row = make_row(95, -1, "", "\n");
  cr_assert_eq(parse_one(row, f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[0]), "f0");
  cr_assert_str_eq(value(&f[94]), "f94");
  cr_assert_eq(pos, strlen(row));
}

Test(row_parser, quoted_comma_quote_and_newline) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(95, 12, "\"SKYWALKER,LUKE \"\"S\"\"\nJR\"", "\n"), f, &pe, &pos),
               1);
  cr_assert_str_eq(value(&f[12]), "SKYWALKER,LUKE \"S\"\nJR");
  cr_assert(f[12].flags & RELIEF_FIELD_QUOTED);
}

Test(row_parser, crlf_is_a_line_end_and_is_lf_inside_quotes) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(95, 93, "\"a\r\nb\"", "\r\n"), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[93]), "a\nb");
  cr_assert_str_eq(value(&f[94]), "f94");
  cr_assert_eq(parse_one(make_row(95, -1, "", "\r\n"), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[94]), "f94");
}

Test(row_parser, last_row_without_line_end_and_trailing_cr) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(95, -1, "", ""), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[94]), "f94");
  cr_assert_eq(parse_one(make_row(95, -1, "", "\r"), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[94]), "f94");
}

Test(row_parser, empty_lines_are_skipped) {
  char text[20000];
  snprintf(text, sizeof text, "\n\r\n%s", make_row(95, -1, "", "\n\n"));
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos = 0, start;
  cr_assert_eq(relief_parse_row(text, strlen(text), &pos, f, &start, &pe), 1);
  cr_assert_eq(start, 3);
  cr_assert_eq(relief_parse_row(text, strlen(text), &pos, f, &start, &pe), 0);
}

Test(row_parser, wrong_field_count_is_reported_with_count) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(94, -1, "", "\n"), f, &pe, &pos), -1);
  cr_assert_eq(pe.code, RELIEF_PARSE_FIELD_COUNT);
  cr_assert_eq(pe.field_count, 94);
  cr_assert_eq(parse_one(make_row(96, -1, "", "\n"), f, &pe, &pos), -1);
  cr_assert_eq(pe.field_count, 96);
}

Test(row_parser, quote_errors) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(95, 3, "ab\"c", "\n"), f, &pe, &pos), -1);
  cr_assert_eq(pe.code, RELIEF_PARSE_BARE_QUOTE);
  cr_assert_eq(parse_one(make_row(95, 3, "\"ab\"c", "\n"), f, &pe, &pos), -1);
  cr_assert_eq(pe.code, RELIEF_PARSE_QUOTE);
  cr_assert_eq(parse_one(make_row(95, 94, "\"never closed", "\n"), f, &pe, &pos), -1);
  cr_assert_eq(pe.code, RELIEF_PARSE_UNTERMINATED);
}

Test(row_parser, header_detection) {
  const char *with = "RECORD_ID,SUBJECT_STATUS,\nx";
  cr_assert_eq(relief_header_length(with, strlen(with)), 26);
  cr_assert_eq(relief_header_length("x,RECORD_ID\n", 12), 0);
}

Test(row_parser, chunks_end_on_row_boundaries_outside_quotes) {
  /* rows whose quoted field holds newlines, so naive splits would be wrong */
  static char text[1 << 20];
  size_t o = 0;
  int rows = 0;
  while (o < sizeof text - 10000) {
    const char *r = make_row(95, 93, "\"line one\nline two\n\nline four\"", "\n");
    memcpy(text + o, r, strlen(r));
    o += strlen(r);
    rows++;
  }
  size_t bounds[65];
  size_t n = relief_chunk_text(text, 0, o, 64, bounds, NULL, NULL, 2);
  cr_assert_gt(n, 8);
  int counted = 0;
  for (size_t c = 0; c < n; c++) {
    relief_field f[RELIEF_NCOLS];
    relief_parse_error pe;
    size_t pos = bounds[c], start;
    int r;
    while ((r = relief_parse_row(text, bounds[c + 1], &pos, f, &start, &pe)) == 1) counted++;
    cr_assert_eq(r, 0, "chunk %zu failed to parse", c);
  }
  cr_assert_eq(counted, rows);
}

Test(row_parser, line_numbers) {
  const char *text = "a\nb\r\nc\n";
  cr_assert_eq(relief_line_of_offset(text, 0), 1);
  cr_assert_eq(relief_line_of_offset(text, 2), 2);
  cr_assert_eq(relief_line_of_offset(text, 5), 3);
}
