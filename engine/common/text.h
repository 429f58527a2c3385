/*
 * common/text.h — text for relief's own outputs (XLSX, HTML, PDF, JSON, the
 * review store), which are UTF-8: input bytes that are not UTF-8 are read as
 * Windows-1252, the code page of the DOJ's exporter, and converted.
 */
#ifndef RELIEF_COMMON_TEXT_H
#define RELIEF_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the n bytes at s are well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing past U+10FFFF). */
bool text_is_utf8(const char *s, size_t n);

/* s (n bytes) as NUL-terminated UTF-8, newly allocated: well-formed UTF-8
 * sequences are kept, every other byte is read as Windows-1252 (iconv); the
 * five bytes Windows-1252 leaves undefined become U+FFFD. *out_len, if not
 * NULL, receives the length. */
char *text_to_utf8(const char *s, size_t n, size_t *out_len);

/* The valid length of the UTF-8 sequence at s (n bytes left), 0 if none. */
size_t text_utf8_seq(const unsigned char *s, size_t n);

#endif
