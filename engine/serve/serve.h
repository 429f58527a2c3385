/*
 * serve/serve.h — `relief serve`: an HTTP server (libmicrohttpd) with the
 * JSON API of docs/api.md and the page that uses it. The caller (the CLI)
 * prints the address, waits for a stop signal and stops the server; this
 * layer prints nothing except its log lines to cfg->log.
 */
#ifndef RELIEF_SERVE_H
#define RELIEF_SERVE_H

#include <stdbool.h>

#include "common/error.h"
#include "serve/serve_config.h"

typedef struct serve_server serve_server;

/* Checks the config (a non-loopback address needs TLS), creates the
 * workspace (0700), binds and starts answering. RELIEF_E_USAGE for a bad
 * config, RELIEF_E_IO when it cannot bind or read the TLS files. */
relief_status serve_start(const serve_config *cfg, serve_server **out, relief_error *err);

/* "http://127.0.0.1:PORT/?token=TOKEN" (https with TLS). Static for the
 * server's life. */
const char *serve_url(const serve_server *s);

/* Stops answering, waits up to wait_seconds for a running job to finish,
 * and frees the server. Returns true when no job was cut short (a job that
 * did not finish leaves its publication open: the caller aborts it). */
bool serve_stop(serve_server *s, double wait_seconds);

#endif
