/*
 * relief/error.h — how the library reports failure.
 * Every fallible call takes a relief_error* and returns a relief_status; the
 * library never prints or exits. Messages never carry personal data: they
 * name files, lines, byte offsets and options, never field values.
 */
#ifndef RELIEF_ERROR_H
#define RELIEF_ERROR_H

#include <stddef.h>

/* Exit-code compatible status values (DESIGN.md: 0 done, 1 usage/options,
 * 2 bad input data, 3 I/O failure). */
typedef enum {
  RELIEF_OK = 0,
  RELIEF_E_USAGE = 1,
  RELIEF_E_DATA = 2,
  RELIEF_E_IO = 3,
} relief_status;

typedef struct {
  relief_status status;
  char file[1024];    /* input or option file concerned; "" if none */
  long long line;     /* 1-based physical line in file; 0 if not known */
  long long offset;   /* byte offset in file (decompressed for zstd); -1 if none */
  char message[1024]; /* what is wrong, without the file/line prefix */
} relief_error;

/* Fills err (if non-NULL) and returns status. file may be NULL. */
relief_status relief_error_set(relief_error *err, relief_status status, const char *file,
                               long long line, long long offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Formats err as "FILE:LINE: message" (or "FILE: byte N: message", or just the
 * message) into buf. Returns buf. */
const char *relief_error_format(const relief_error *err, char *buf, size_t cap);

/* "PARSING" for bad input data, "OTHER" for everything else: the reference
 * tool's error types, used in gogen.err. */
const char *relief_error_kind(const relief_error *err);

#endif
