/*
 * test_row_parser.c — the DOJ row parser against Go encoding/csv's rules:
 * quoting, CRLF, empty lines, malformed rows, header detection, chunking.
 * The parser cases run on every implementation this CPU has (scalar, SSE2,
 * AVX2), and the bitmask scanners are compared with the scalar parser on
 * rows whose quotes, CRs and line ends sit at and across 64-byte blocks.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "doj/doj.h"

static const char *const path_names[] = {"scalar", "sse2", "avx2"};
#define N_PATHS (sizeof path_names / sizeof *path_names)
static relief_parse_row_fn parse_fn = parse_row;

/* A test whose body runs once per implementation, parse_fn set to it. */
#define PATH_TEST(name)                                                                            \
  static void name##_body(void);                                                                   \
  Test(row_parser, name) {                                                                         \
    for (size_t i_ = 0; i_ < N_PATHS; i_++) {                                                      \
      parse_fn = doj_row_parser(path_names[i_]);                                                   \
      if (parse_fn) name##_body();                                                                 \
    }                                                                                              \
  }                                                                                                \
  static void name##_body(void)

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
  return parse_fn(text, strlen(text), pos, f, &start, pe);
}

static char *value(const relief_field *f) {
  static char out[4096];
  char scratch[4096];
  uint32_t len;
  const char *v = doj_field_value(f, scratch, &len);
  memcpy(out, v, len);
  out[len] = 0;
  return out;
}

PATH_TEST(plain_row_has_95_fields) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  const char *row = make_row(95, -1, "", "\n");
  cr_assert_eq(parse_one(row, f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[0]), "f0");
  cr_assert_str_eq(value(&f[94]), "f94");
  cr_assert_eq(pos, strlen(row));
}

PATH_TEST(quoted_comma_quote_and_newline) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(95, 12, "\"SKYWALKER,LUKE \"\"S\"\"\nJR\"", "\n"), f, &pe, &pos),
               1);
  cr_assert_str_eq(value(&f[12]), "SKYWALKER,LUKE \"S\"\nJR");
  cr_assert(f[12].flags & RELIEF_FIELD_QUOTED);
}

PATH_TEST(crlf_is_a_line_end_and_is_lf_inside_quotes) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(95, 93, "\"a\r\nb\"", "\r\n"), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[93]), "a\nb");
  cr_assert_str_eq(value(&f[94]), "f94");
  cr_assert_eq(parse_one(make_row(95, -1, "", "\r\n"), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[94]), "f94");
}

PATH_TEST(last_row_without_line_end_and_trailing_cr) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(95, -1, "", ""), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[94]), "f94");
  cr_assert_eq(parse_one(make_row(95, -1, "", "\r"), f, &pe, &pos), 1);
  cr_assert_str_eq(value(&f[94]), "f94");
}

PATH_TEST(empty_lines_are_skipped) {
  char text[20000];
  snprintf(text, sizeof text, "\n\r\n%s", make_row(95, -1, "", "\n\n"));
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos = 0, start;
  cr_assert_eq(parse_fn(text, strlen(text), &pos, f, &start, &pe), 1);
  cr_assert_eq(start, 3);
  cr_assert_eq(parse_fn(text, strlen(text), &pos, f, &start, &pe), 0);
}

PATH_TEST(wrong_field_count_is_reported_with_count) {
  relief_field f[RELIEF_NCOLS];
  relief_parse_error pe;
  size_t pos;
  cr_assert_eq(parse_one(make_row(94, -1, "", "\n"), f, &pe, &pos), -1);
  cr_assert_eq(pe.code, RELIEF_PARSE_FIELD_COUNT);
  cr_assert_eq(pe.field_count, 94);
  cr_assert_eq(parse_one(make_row(96, -1, "", "\n"), f, &pe, &pos), -1);
  cr_assert_eq(pe.field_count, 96);
}

PATH_TEST(quote_errors) {
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
  cr_assert_eq(header_length(with, strlen(with)), 26);
  cr_assert_eq(header_length("x,RECORD_ID\n", 12), 0);
}

PATH_TEST(chunks_end_on_row_boundaries_outside_quotes) {
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
  size_t n = chunk_text(text, 0, o, 64, bounds, NULL, NULL, 2);
  cr_assert_gt(n, 8);
  int counted = 0;
  for (size_t c = 0; c < n; c++) {
    relief_field f[RELIEF_NCOLS];
    relief_parse_error pe;
    size_t pos = bounds[c], start;
    int r;
    while ((r = parse_fn(text, bounds[c + 1], &pos, f, &start, &pe)) == 1) counted++;
    cr_assert_eq(r, 0, "chunk %zu failed to parse", c);
  }
  cr_assert_eq(counted, rows);
}

Test(row_parser, line_numbers) {
  const char *text = "a\nb\r\nc\n";
  cr_assert_eq(line_of_offset(text, 0), 1);
  cr_assert_eq(line_of_offset(text, 2), 2);
  cr_assert_eq(line_of_offset(text, 5), 3);
}

/* Everything a parse gives, from the same starting bytes for each path. */
typedef struct {
  int ret;
  size_t pos, row_start;
  relief_field fields[RELIEF_NCOLS];
  relief_parse_error perr;
} outcome;

static void run_path(relief_parse_row_fn fn, const char *text, size_t size, size_t pos,
                     outcome *o) {
  memset(o, 0xa5, sizeof *o);
  o->pos = pos;
  o->ret = fn(text, size, &o->pos, o->fields, &o->row_start, &o->perr);
}

/* The lean parsers (only the wanted columns cut; the row's extent) of
 * every path against the scalar parser's whole row, want: every column,
 * then only the decision's; a quoted value's flags (escaped or not) and
 * whether the row is its own canonical text included. */
static void expect_same_lean(const char *text, size_t size, size_t pos, const outcome *full,
                             const char *what) {
  relief_columns every = {{~0ull, ~0ull}}, decision = {{0, 0}};
  static const int used[] = {
      RELIEF_COL_SUBJECT_ID,        RELIEF_COL_CII_NUMBER,     RELIEF_COL_PRI_NAME,
      RELIEF_COL_PRI_DOB,           RELIEF_COL_STP_EVENT_DATE, RELIEF_COL_STP_TYPE_DESCR,
      RELIEF_COL_STP_ORI_CNTY_NAME, RELIEF_COL_CNT_ORDER,      RELIEF_COL_OFN,
      RELIEF_COL_OFFENSE_DESCR,     RELIEF_COL_COMMENT_TEXT};
  for (size_t u = 0; u < sizeof used / sizeof *used; u++)
    decision.bits[used[u] / 64] |= 1ull << (used[u] % 64);
  const relief_columns *sets[] = {&every, &decision};
  relief_row_extent ext_full = {0};
  if (full->ret == 1) row_extent_of(text, full->fields, &ext_full);
  for (size_t i = 0; i < N_PATHS; i++) {
    relief_parse_lean_fn fn = doj_row_parser_lean(path_names[i]);
    if (!fn) continue;
    for (int w = 0; w < 2; w++) {
      outcome got;
      relief_row_extent ext;
      memset(&got, 0xa5, sizeof got);
      memset(&ext, 0xa5, sizeof ext);
      got.pos = pos;
      got.ret = fn(text, size, &got.pos, got.fields, &got.row_start, &got.perr, sets[w], &ext);
      cr_assert_eq(got.ret, full->ret, "%s: lean %s returns %d, scalar %d", what, path_names[i],
                   got.ret, full->ret);
      if (got.ret != 1) continue;
      cr_assert_eq(got.pos, full->pos, "%s: lean %s pos", what, path_names[i]);
      for (int k = 0; k < RELIEF_NCOLS; k++) {
        if (!(sets[w]->bits[k / 64] >> (k % 64) & 1)) continue;
        cr_assert(got.fields[k].ptr == full->fields[k].ptr &&
                      got.fields[k].len == full->fields[k].len &&
                      got.fields[k].flags == full->fields[k].flags,
                  "%s: lean %s field %d differs (flags %u, scalar %u)", what, path_names[i], k,
                  got.fields[k].flags, full->fields[k].flags);
      }
      cr_assert_eq(ext.end, ext_full.end, "%s: lean %s extent", what, path_names[i]);
      cr_assert_eq(ext.canonical, ext_full.canonical, "%s: lean %s canonical", what, path_names[i]);
    }
  }
}

/* Parses text row by row with every path and asserts they agree with the
 * scalar parser in everything; returns the rows the scalar parser accepted. */
static int expect_same(const char *text, size_t size, const char *what) {
  relief_parse_row_fn scalar = doj_row_parser("scalar");
  size_t pos = 0;
  int ok_rows = 0;
  for (int rows = 0; rows < 1000; rows++) {
    outcome want, got;
    run_path(scalar, text, size, pos, &want);
    for (size_t i = 1; i < N_PATHS; i++) {
      relief_parse_row_fn fn = doj_row_parser(path_names[i]);
      if (!fn) continue;
      run_path(fn, text, size, pos, &got);
      cr_assert_eq(got.ret, want.ret, "%s: %s returns %d, scalar %d (row at %zu)", what,
                   path_names[i], got.ret, want.ret, pos);
      cr_assert_eq(got.pos, want.pos, "%s: %s pos %zu, scalar %zu", what, path_names[i], got.pos,
                   want.pos);
      cr_assert_eq(got.row_start, want.row_start, "%s: %s row_start", what, path_names[i]);
      for (int k = 0; k < RELIEF_NCOLS; k++)
        cr_assert(got.fields[k].ptr == want.fields[k].ptr &&
                      got.fields[k].len == want.fields[k].len &&
                      got.fields[k].flags == want.fields[k].flags,
                  "%s: %s field %d differs (row at %zu)", what, path_names[i], k, pos);
      cr_assert(memcmp(&got.perr, &want.perr, sizeof want.perr) == 0,
                "%s: %s error differs (code %d vs %d)", what, path_names[i], got.perr.code,
                want.perr.code);
    }
    expect_same_lean(text, size, pos, &want, what);
    if (want.ret == 0) break;
    if (want.ret == 1) ok_rows++;
    if (want.ret == 1 || want.perr.code == RELIEF_PARSE_FIELD_COUNT) {
      pos = want.pos;
      continue;
    }
    const char *nl = memchr(text + want.perr.offset, '\n', size - want.perr.offset);
    if (!nl) break;
    pos = (size_t)(nl - text) + 1;
  }
  return ok_rows;
}

/* Field 0 padded with `shift` bytes moves everything after it across the
 * 64-byte blocks; each variant of field `at` then meets every alignment. */
Test(row_parser, scanners_match_scalar_across_64_byte_blocks) {
  static const struct {
    int at;
    const char *field, *end;
  } variants[] = {
      {5, "\"q\"", "\n"},
      /* doubled quotes and quoted CRs in columns the decision reads */
      {RELIEF_COL_PRI_NAME, "\"DOE,\"\"J\"\"\"", "\n"},
      {RELIEF_COL_PRI_NAME, "\"DOE\rJ\"", "\n"},
      {RELIEF_COL_COMMENT_TEXT, "\"0123456789\"\"012345678901234567890123456789\"\"01,\"", "\n"},
      {RELIEF_COL_COMMENT_TEXT, "\"a,\r\nb\"", "\r\n"},
      {RELIEF_COL_OFFENSE_DESCR, "\"\"\"\"", "\n"},
      {5, "\"a,b\nc\"", "\n"},
      {5, "\"a\"\"b\"", "\n"},
      {5, "\"\"\"\"", "\n"},
      {5, "\"\"", "\n"},
      {5, "\"a\r\nb\"", "\r\n"},
      {5, "\"a\rb\"", "\n"},
      {5, "\"0123456789012345678901234567890123456789012345678901234567890123456789\"", "\n"},
      {5, "\"0123456789\"\"012345678901234567890123456789\"\"01234567890123456789012345\"", "\n"},
      {94, "\"last\"", "\r\n"},
      {94, "\"last\"", "\n"},
      {94, "\"last\"", ""},
      {94, "\"last\"", "\r"},
      {94, "last\r", "\n"},
      {94, "", "\r\n"},
      {5, "a\rb", "\n"},
      {5, "ab\"c", "\n"},     /* bare quote */
      {5, "\"", "\n"},        /* unterminated, then the rest quoted */
      {5, "\"ab\"c", "\n"},   /* text after the closing quote */
      {5, "\"ab\"\r,", "\n"}, /* CR then not LF after the closing quote */
      {5, "\"ab\" ", "\n"},
      {94, "\"never closed", "\n"},
      {94, "\"ab\"\r", "x\n"},
      {0, "\"", ""},
      {-1, "", "\n"},
  };
  static char text[1 << 16];
  int accepted = 0;
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
    for (int shift = 0; shift < 140; shift++) {
      char pad[160];
      memset(pad, 'x', (size_t)shift);
      pad[shift] = 0;
      size_t o = 0;
      /* the variant between plain rows, and once more at the end of the text */
      const char *rows[3];
      char row0[16384], row1[16384];
      char f0[200];
      snprintf(f0, sizeof f0, "f0%s", pad);
      snprintf(row0, sizeof row0, "%s", make_row(95, 0, f0, "\n"));
      if (variants[v].at == 0) {
        snprintf(row1, sizeof row1, "%s", make_row(95, 0, variants[v].field, variants[v].end));
      } else {
        /* field 0 carries the padding, field `at` the variant */
        char *r = make_row(95, variants[v].at, variants[v].field, variants[v].end);
        snprintf(row1, sizeof row1, "%s%s", pad, r);
      }
      rows[0] = row0, rows[1] = row1, rows[2] = row0;
      for (int k = 0; k < 3; k++) {
        memcpy(text + o, rows[k], strlen(rows[k]));
        o += strlen(rows[k]);
      }
      memcpy(text + o, row1, strlen(row1));
      o += strlen(row1);
      char what[64];
      snprintf(what, sizeof what, "variant %zu shift %d", v, shift);
      accepted += expect_same(text, o, what);
    }
  }
  cr_assert_gt(accepted, 1000); /* most of them parse: the scanners did the work */
}

/* Rows whose length is exactly one or two blocks, and ones a byte either
 * side, so the LF lands on bit 63, bit 0 of the next block, and so on. */
Test(row_parser, scanners_match_scalar_on_rows_of_64_and_128_bytes) {
  static char text[1 << 15];
  for (int target = 60; target <= 260; target++) {
    /* 95 fields, empty ones, with the padding in the last field */
    char row[512];
    size_t o = 0;
    for (int i = 0; i < 94; i++) row[o++] = ',';
    while ((int)o < target - 1) row[o++] = 'y';
    row[o++] = '\n';
    size_t t = 0;
    for (int k = 0; k < 4; k++) {
      memcpy(text + t, row, o);
      t += o;
    }
    /* then quoted last fields with the closing quote and CR LF at the end */
    row[94] = '"';
    if ((int)o >= 98) {
      row[o - 3] = '"', row[o - 2] = '\r';
      for (int k = 0; k < 4; k++) {
        memcpy(text + t, row, o);
        t += o;
      }
    }
    char what[32];
    snprintf(what, sizeof what, "row of %d bytes", target);
    cr_assert_geq(expect_same(text, t, what), 4, "%s", what);
  }
}

Test(row_parser, scanners_match_scalar_on_random_csv_bytes) {
  static char text[4096];
  unsigned x = 12345;
  const char alphabet[] = "\"\",,,,,\n\r\raaaaaaaa";
  for (int it = 0; it < 20000; it++) {
    size_t n = 0, want = (size_t)(it % 300);
    while (n < want) {
      x = x * 1103515245u + 12345u;
      text[n++] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
    }
    expect_same(text, n, "random bytes");
  }
}

Test(row_parser, scanner_chosen_by_environment) {
  setenv("RELIEF_SCANNER", "scalar", 1);
  cr_assert_str_eq(doj_row_parser_name(), "scalar");
  cr_assert_null(doj_row_parser("neon"));
  cr_assert_not_null(doj_row_parser("scalar"));
}

Test(row_parser, default_scanner_is_the_fastest_available) {
  unsetenv("RELIEF_SCANNER");
  const char *name = doj_row_parser_name();
  if (doj_row_parser("avx2"))
    cr_assert_str_eq(name, "avx2");
  else if (doj_row_parser("sse2"))
    cr_assert_str_eq(name, "sse2");
  else
    cr_assert_str_eq(name, "scalar");
}

/* A CR-only file (old Mac) used to read as one header line and no rows. */
Test(row_parser, cr_only_line_ends_are_recognised) {
  cr_assert(cr_only_line_ends("RECORD_ID,A\r1,2\r", 16));
  cr_assert(cr_only_line_ends("1,2\r3,4", 7), "headerless too");
  cr_assert_not(cr_only_line_ends("RECORD_ID,A\r\n1,2\r\n", 18), "CRLF is fine");
  cr_assert_not(cr_only_line_ends("RECORD_ID,A\n1,\r2\n", 17), "a CR after line 1");
  cr_assert_not(cr_only_line_ends("1,\"a\rb\"\n", 8), "a CR in a quoted field");
  cr_assert_not(cr_only_line_ends("RECORD_ID,A\r", 12), "a CR that may precede LF");
  cr_assert_not(cr_only_line_ends("", 0));
  cr_assert_str_eq(parse_code_text(RELIEF_PARSE_CR_ONLY),
                   "line endings are CR-only (old Mac format): convert the file to LF or CRLF "
                   "line endings");
}

/* A NUL byte anywhere in a row's fields (unquoted, quoted, the last field,
 * at and across 64-byte blocks) is an error naming the NUL's offset, on
 * every path, full and lean; a NUL-free row beside it still parses. */
Test(row_parser, nul_byte_in_a_field_is_an_error_on_every_path) {
  static char text[20000];
  const relief_columns want = {{~0ull, ~0ull}}, few = {{1ull << 12, 0}};
  for (size_t i = 0; i < N_PATHS; i++) {
    relief_parse_row_fn full = doj_row_parser(path_names[i]);
    relief_parse_lean_fn lean = doj_row_parser_lean(path_names[i]);
    if (!full) continue;
    for (int field = 0; field < RELIEF_NCOLS; field += 3)
      for (int quoted = 0; quoted < 2; quoted++)
        for (int pad = 0; pad < 70; pad += 23) {
          char over[128];
          int n =
              snprintf(over, sizeof over, "%s%.*sA@B%s", quoted ? "\"" : "", pad,
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                       quoted ? "\"" : "");
          const char *row = make_row(95, field, over, "\n");
          size_t size = strlen(row);
          memcpy(text, row, size + 1);
          char *at = strchr(text, '@');
          *at = 0;
          for (int k = 0; k < 3; k++) {
            relief_field f[RELIEF_NCOLS];
            relief_parse_error pe = {0};
            relief_row_extent ext;
            size_t pos = 0, start;
            int r = k == 0   ? full(text, size, &pos, f, &start, &pe)
                    : k == 1 ? lean(text, size, &pos, f, &start, &pe, &want, &ext)
                             : lean(text, size, &pos, f, &start, &pe, &few, &ext);
            cr_assert_eq(r, -1, "%s/%d: field %d quoted %d pad %d: %d", path_names[i], k, field,
                         quoted, pad, r);
            cr_assert_eq(pe.code, RELIEF_PARSE_NUL, "%s: code %d", path_names[i], pe.code);
            cr_assert_eq(pe.offset, (size_t)(at - text), "%s: offset %zu, want %zu", path_names[i],
                         pe.offset, (size_t)(at - text));
          }
          *at = '@';
          relief_field f[RELIEF_NCOLS];
          relief_parse_error pe;
          size_t pos = 0, start;
          cr_assert_eq(full(text, size, &pos, f, &start, &pe), 1);
          (void)n;
        }
  }
  cr_assert_str_eq(parse_code_text(RELIEF_PARSE_NUL),
                   "NUL byte in a field (the file is not a DOJ text extract, or is damaged)");
}
