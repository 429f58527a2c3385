/*
 * csv.c — growable buffers and CSV output with the quoting rule of Go's
 * encoding/csv writer, which produced the reference's files: a field is
 * quoted when it is `\.`, holds a comma, quote, CR or LF, or starts with a
 * Unicode space. relief's own CSVs also neutralise formula-leading cells.
 */
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

const char *const output_result_columns[18] = {
    "Case Number",
    "# of convictions on record",
    "Possible Other P64 Charges",
    "Occurred after 11/9/2016",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Date of Conviction",
    "Years Since This Conviction",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
    "Eligibility Determination",
    "Eligibility Reason",
};

/* Go's unicode.IsSpace for the first rune of s. */
static inline bool starts_with_space(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c > ' ' && c < 0x80) return false; /* the common case */
  if (c == ' ' || (c >= '\t' && c <= '\r')) return true;
  if (c < 0x80 || n < 2) return false;
  if (c == 0xC2) return s[1] == 0x85 || s[1] == 0xA0;
  if (n < 3) return false;
  if (c == 0xE1) return s[1] == 0x9A && s[2] == 0x80; /* U+1680 */
  if (c == 0xE2 && s[1] == 0x80)
    return s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 ||
           s[2] == 0xAF;                              /* U+2000-200A, 2028/9, 202F */
  if (c == 0xE2 && s[1] == 0x81) return s[2] == 0x9F; /* U+205F */
  if (c == 0xE3) return s[1] == 0x80 && s[2] == 0x80; /* U+3000 */
  return false;
}

static const unsigned char needs_quote_byte[256] = {[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1};

static inline bool needs_quotes(const char *s, size_t n) {
  if (n == 0) return false;
  if (n == 2 && s[0] == '\\' && s[1] == '.') return true;
  if (starts_with_space((const unsigned char *)s, n)) return true;
  for (size_t i = 0; i < n; i++)
    if (needs_quote_byte[(unsigned char)s[i]]) return true;
  return false;
}

bool csv_needs_quotes(const char *s, size_t n) { return needs_quotes(s, n); }

static inline char *write_field(char *o, const char *s, size_t n, bool simple) {
  bool quote = simple ? n && ((n == 2 && s[0] == '\\' && s[1] == '.') ||
                              starts_with_space((const unsigned char *)s, n))
                      : needs_quotes(s, n);
  if (!quote) {
    memcpy(o, s, n);
    return o + n;
  }
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') *o++ = '"';
    *o++ = s[i];
  }
  *o++ = '"';
  return o;
}

void csv_append_fields(relief_buf *b, const char *const *values, const size_t *lens, int n,
                       size_t *where, const uint8_t *simple) {
  size_t most = (size_t)n;
  for (int i = 0; i < n; i++) most += 2 * lens[i] + 2;
  buf_reserve(b, most);
  char *o = b->data + b->len;
  for (int i = 0; i < n; i++) {
    if (i) *o++ = ',';
    where[i] = (size_t)(o - b->data);
    o = write_field(o, values[i], lens[i], simple && simple[i]);
  }
  where[n] = (size_t)(o - b->data) + 1; /* as if a comma followed */
  b->len = (size_t)(o - b->data);
}

void csv_append(relief_buf *b, const char *s, size_t n) {
  if (!needs_quotes(s, n)) {
    buf_append(b, s, n);
    return;
  }
  buf_reserve(b, 2 * n + 2);
  char *o = b->data + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') *o++ = '"';
    *o++ = s[i];
  }
  *o++ = '"';
  b->len = (size_t)(o - b->data);
}

static const unsigned char formula_byte[256] = {
    ['='] = 1, ['+'] = 1, ['-'] = 1, ['@'] = 1, ['\t'] = 1, ['\r'] = 1};

bool csv_formula_leading(const char *s, size_t n) { return n && formula_byte[(unsigned char)s[0]]; }

void csv_append_safe(relief_buf *b, const char *s, size_t n) {
  if (!csv_formula_leading(s, n)) {
    csv_append(b, s, n);
    return;
  }
  relief_buf guarded = {0};
  buf_putc(&guarded, '\'');
  buf_append(&guarded, s, n);
  csv_append(b, guarded.data, guarded.len);
  buf_free(&guarded);
}

/* Whether some cell of the line may start with a formula byte: the line's
 * first byte, or one after a comma (or after a comma and an opening
 * quote). A comma inside a quoted cell may give a false alarm, which only
 * costs the careful path. */
static bool line_may_need_guard(const char *line, size_t n) {
  for (const char *c = line, *end = line + n; c < end;) {
    const char *first = *c == '"' ? c + 1 : c;
    if (first < end && formula_byte[(unsigned char)*first]) return true;
    const char *comma = memchr(c, ',', (size_t)(end - c));
    if (!comma) return false;
    c = comma + 1;
  }
  return false;
}

void csv_guard_line(relief_buf *b, size_t start) {
  const char *line = b->data + start;
  size_t n = b->len - start;
  if (!line_may_need_guard(line, n)) return;
  relief_buf copy = {0}, cell = {0};
  buf_append(&copy, line, n);
  line = copy.data;
  b->len = start;
  for (size_t i = 0;;) {
    cell.len = 0;
    if (i < n && line[i] == '"') { /* quoted: "" is a quote; ends at a lone quote */
      for (i++; i < n; i++) {
        if (line[i] == '"' && (i + 1 >= n || line[i + 1] != '"')) {
          i++;
          break;
        }
        if (line[i] == '"') i++;
        buf_putc(&cell, line[i]);
      }
    } else {
      const char *comma = memchr(line + i, ',', n - i);
      size_t end = comma ? (size_t)(comma - line) : n;
      buf_append(&cell, line + i, end - i);
      i = end;
    }
    csv_append_safe(b, cell.len ? cell.data : "", cell.len);
    if (i >= n) break;
    buf_putc(b, ','); /* line[i] is the comma after the cell */
    i++;
  }
  buf_free(&copy);
  buf_free(&cell);
}
