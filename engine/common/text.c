/*
 * common/text.c — text_to_utf8: relief's outputs are UTF-8, and what is
 * not UTF-8 in an extract is Windows-1252 (the DOJ exporter's code page),
 * converted byte by byte with iconv from the C library.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "common/alloc.h"
#include "common/text.h"

size_t text_utf8_seq(const unsigned char *s, size_t n) {
  if (!n) return 0;
  if (s[0] < 0x80) return 1;
  size_t len = s[0] >= 0xC2 && s[0] <= 0xDF   ? 2
               : (s[0] & 0xF0) == 0xE0        ? 3
               : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                              : 0;
  if (!len || n < len) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (len == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
  if (len == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0; /* a surrogate */
  if (len == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
  if (len == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0; /* past U+10FFFF */
  return len;
}

bool text_is_utf8(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    if (u[i] < 0x80) {
      i++;
      continue;
    }
    size_t len = text_utf8_seq(u + i, n - i);
    if (!len) return false;
    i += len;
  }
  return true;
}

/* One Windows-1252 byte as UTF-8 into out (room for 3); returns its length. */
static size_t cp1252_byte(iconv_t cd, unsigned char byte, char *out) {
  char in[1] = {(char)byte};
  char *ip = in, *op = out;
  size_t il = 1, ol = 3;
  if (cd != (iconv_t)-1 && iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0)
    return (size_t)(op - out);
  if (cd != (iconv_t)-1) iconv(cd, NULL, NULL, NULL, NULL); /* reset after EILSEQ */
  if (cd == (iconv_t)-1 && byte >= 0xA0) { /* no iconv: Latin-1 agrees above 0x9F */
    out[0] = (char)(0xC0 | (byte >> 6));
    out[1] = (char)(0x80 | (byte & 0x3F));
    return 2;
  }
  memcpy(out, "\xEF\xBF\xBD", 3); /* U+FFFD: undefined in Windows-1252 */
  return 3;
}

char *text_to_utf8(const char *s, size_t n, size_t *out_len) {
  const unsigned char *u = (const unsigned char *)s;
  if (text_is_utf8(s, n)) {
    char *copy = xmalloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = 0;
    if (out_len) *out_len = n;
    return copy;
  }
  iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
  char *out = xmalloc(3 * n + 1); /* a byte becomes at most 3 */
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t len = u[i] < 0x80 ? 1 : text_utf8_seq(u + i, n - i);
    if (len) {
      memcpy(out + o, s + i, len);
      o += len;
      i += len;
    } else {
      o += cp1252_byte(cd, u[i], out + o);
      i++;
    }
  }
  if (cd != (iconv_t)-1) iconv_close(cd);
  out[o] = 0;
  if (out_len) *out_len = o;
  return out;
}
