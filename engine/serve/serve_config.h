/*
 * serve/serve_config.h — what `relief serve` is started with (serve.h's
 * serve_start takes it). A header of types only, so that the server's state
 * (server.h) holds a copy without depending on the functions of serve.h.
 */
#ifndef RELIEF_SERVE_CONFIG_H
#define RELIEF_SERVE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
  const char *listen;           /* "ADDR:PORT" (IPv4); port 0 = a free one */
  const char *const *data_dirs; /* folders whose files may be inputs */
  int n_data_dirs;
  const char *workspace;          /* runs' bundles go under workspace/runs/ */
  const char *tls_cert, *tls_key; /* PEM files, both or neither */
  const char *const *counties;    /* the list the page offers */
  int n_counties;
  int threads;            /* for runs; 0 = all cores */
  bool office;            /* named accounts (workspace/accounts.sqlite) sign in; needs TLS */
  double session_seconds; /* how long a session lasts; 0: 8 hours */
  FILE *log;              /* one line per request and run; no personal data */
} serve_config;

#endif
