/*
 * serve/server.h — the state of one `relief serve`: its folders, token,
 * listening socket, the runs it holds (guarded by lock, the worker waiting
 * on wake) and the office accounts. Types only: each file that works on
 * the state has its own header.
 */
#ifndef RELIEF_SERVE_SERVER_H
#define RELIEF_SERVE_SERVER_H

#include <pthread.h>
#include <stdbool.h>

#include "serve/accounts.h"
#include "serve/serve_config.h"

/* A JSON request body is a few hundred bytes; this is far past that. */
enum { SERVE_MAX_BODY = 1 << 20, SERVE_MAX_INPUTS = 64 };
/* An upload (a DOJ extract) may be large, but not without end. */
#define SERVE_MAX_UPLOAD (16ull << 30)

typedef struct serve_server serve_server;
typedef struct serve_run serve_run;

struct serve_server {
  serve_config cfg;
  char **data_dirs; /* realpaths */
  int n_data_dirs;
  char *workspace; /* realpath */
  char *uploads;   /* workspace/uploads: an input root like the --data folders */
  int lock_fd;     /* workspace/.serve.lock, locked for the server's life */
  char token[65];
  char admin_sid[65]; /* the relief_admin cookie the page's token is exchanged for */
  char url[256];
  char host_ip[64];
  int port;
  bool tls;
  bool loopback;
  char *tls_cert_pem, *tls_key_pem;
  struct MHD_Daemon *daemon;
  struct conns *conns; /* serve/conns.h: the header deadline's watchdog */
  int listen_fd;
  /* runs, guarded by lock; the worker waits on wake */
  pthread_mutex_t lock;
  pthread_cond_t wake;
  serve_run **runs;
  int n_runs, cap_runs;
  int next_id; /* where the search for a free runs/<id> folder starts */
  bool stopping, busy;
  pthread_t worker;
  bool worker_started;
  account_book book; /* office mode */
  pthread_mutex_t zip_lock;
};

#endif
