/*
 * serve/server_log.c — the server's log lines, each flushed at once so that
 * a line is whole in the log even when the server is killed after it.
 */
#include <stdarg.h>
#include <stdio.h>

#include "serve/server_log.h"

void server_log(const serve_server *s, const char *fmt, ...) {
  if (!s->cfg.log) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("relief serve: ", s->cfg.log);
  vfprintf(s->cfg.log, fmt, ap);
  va_end(ap);
  fputc('\n', s->cfg.log);
  fflush(s->cfg.log);
}
