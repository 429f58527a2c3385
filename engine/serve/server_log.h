/*
 * serve/server_log.h — the server's log: one line per request and per run
 * event to cfg.log (stderr from the CLI), never with personal data.
 */
#ifndef RELIEF_SERVE_SERVER_LOG_H
#define RELIEF_SERVE_SERVER_LOG_H

#include "serve/server.h"

/* Writes "relief serve: " and the formatted line to s->cfg.log, if any. */
void server_log(const serve_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
