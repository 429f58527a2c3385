/*
 * error.c — filling and formatting relief_error values.
 * In common/, the bottom layer, so that every stage can report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

relief_status error_set(relief_error *err, relief_status status, const char *file, long long line,
                        long long offset, const char *fmt, ...) {
  if (!err) return status;
  err->status = status;
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  err->line = line;
  err->offset = offset;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return status;
}

const char *relief_error_format(const relief_error *err, char *buf, size_t cap) {
  if (err->file[0] && err->line > 0)
    snprintf(buf, cap, "%s:%lld: %s", err->file, err->line, err->message);
  else if (err->file[0] && err->offset >= 0)
    snprintf(buf, cap, "%s: byte %lld: %s", err->file, err->offset, err->message);
  else if (err->file[0])
    snprintf(buf, cap, "%s: %s", err->file, err->message);
  else
    snprintf(buf, cap, "%s", err->message);
  return buf;
}

const char *relief_error_kind(const relief_error *err) {
  return err->status == RELIEF_E_DATA ? "PARSING" : "OTHER";
}
