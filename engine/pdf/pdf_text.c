/*
 * pdf_text.c — text as the PDFs need it: UTF-8 (or stray Windows-1252) field
 * values turned into WinAnsiEncoding bytes for the PDFs' fonts, and
 * dates in the court's MM/DD/YYYY form.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"
#include "pdf/pdf.h"
#include "doj/doj.h"

/* Windows-1252 bytes 0x80..0x9F and the code points they stand for. */
static const struct {
  uint16_t code_point;
  unsigned char byte;
} cp1252_high[] = {
    {0x20AC, 0x80}, {0x201A, 0x82}, {0x0192, 0x83}, {0x201E, 0x84}, {0x2026, 0x85}, {0x2020, 0x86},
    {0x2021, 0x87}, {0x02C6, 0x88}, {0x2030, 0x89}, {0x0160, 0x8A}, {0x2039, 0x8B}, {0x0152, 0x8C},
    {0x017D, 0x8E}, {0x2018, 0x91}, {0x2019, 0x92}, {0x201C, 0x93}, {0x201D, 0x94}, {0x2022, 0x95},
    {0x2013, 0x96}, {0x2014, 0x97}, {0x02DC, 0x98}, {0x2122, 0x99}, {0x0161, 0x9A}, {0x203A, 0x9B},
    {0x0153, 0x9C}, {0x017E, 0x9E}, {0x0178, 0x9F},
};

static unsigned char winansi_of(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xA0) return ' ';
  if (cp < 0x100) return (unsigned char)cp;
  for (size_t i = 0; i < sizeof cp1252_high / sizeof cp1252_high[0]; i++)
    if (cp1252_high[i].code_point == cp) return cp1252_high[i].byte;
  return '?';
}

/* Decodes one well-formed UTF-8 sequence at s (n bytes left); returns its
 * length, or 0 when the bytes are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
  static const struct {
    unsigned char mask, lead;
    size_t len;
    uint32_t min;
  } forms[] = {{0xE0, 0xC0, 2, 0x80}, {0xF0, 0xE0, 3, 0x800}, {0xF8, 0xF0, 4, 0x10000}};
  for (size_t f = 0; f < 3; f++) {
    if ((s[0] & forms[f].mask) != forms[f].lead) continue;
    size_t len = forms[f].len;
    if (n < len) return 0;
    uint32_t v = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
      if ((s[i] & 0xC0) != 0x80) return 0;
      v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < forms[f].min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
  }
  return 0;
}

char *pdf_winansi(const char *text) {
  if (!text) text = "";
  /* bytes that are not UTF-8 are Windows-1252, as everywhere (text.c) */
  char *utf8 = text_to_utf8(text, strlen(text), NULL);
  size_t n = strlen(utf8);
  char *out = xmalloc(n + 1);
  const unsigned char *s = (const unsigned char *)utf8;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t len = s[i] < 0x80 ? 1 : utf8_decode(s + i, n - i, &cp);
    if (len == 1 && s[i] < 0x80) {
      out[o++] = (char)winansi_of(s[i]);
    } else if (len) {
      out[o++] = (char)winansi_of(cp);
    } else {
      out[o++] = '?'; /* not reached: text_to_utf8 made it UTF-8 */
      len = 1;
    }
    i += len;
  }
  out[o] = 0;
  free(utf8);
  return out;
}

const char *pdf_us_date(int day, char *out) {
  if (day == RELIEF_DAY_UNKNOWN) {
    strcpy(out, "unknown");
    return out;
  }
  int y, m, d;
  doj_civil_from_days(day, &y, &m, &d);
  snprintf(out, 11, "%02d/%02d/%04d", m, d, y);
  return out;
}
