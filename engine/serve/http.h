/*
 * serve/http.h — the HTTP side of `relief serve` (libmicrohttpd): TLS, the
 * token, the listening socket and the daemon whose requests pass the
 * checks of docs/api.md (token or session, Host and Origin, body limits)
 * before the route table answers them.
 */
#ifndef RELIEF_SERVE_HTTP_H
#define RELIEF_SERVE_HTTP_H

#include "common/error.h"
#include "serve/server.h"

/* With cfg.tls_cert and cfg.tls_key (both or neither: RELIEF_E_USAGE),
 * reads the PEM files (RELIEF_E_IO) and sets s->tls. */
relief_status http_load_tls(serve_server *s, relief_error *err);

/* Makes the token, binds cfg.listen (a non-loopback address only with
 * TLS: RELIEF_E_USAGE), sets s->url and starts answering. */
relief_status http_start(serve_server *s, relief_error *err);

/* Stops answering: no request is in a handler when it returns. */
void http_stop(serve_server *s);

#endif
