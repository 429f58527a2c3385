/*
 * serve/serve_int.h — what http.c, api.c and page.c share inside the serve
 * layer: the server's state, the runs it holds, and one request and reply
 * as the API handlers see them (HTTP details stay in http.c).
 */
#ifndef RELIEF_SERVE_INT_H
#define RELIEF_SERVE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "serve/accounts.h"
#include "rules/rules.h"
#include "serve/serve.h"
#include "serve/whatif.h"

struct json_t;

/* A JSON request body is a few hundred bytes; this is far past that. */
enum { SERVE_MAX_BODY = 1 << 20, SERVE_MAX_INPUTS = 64 };
/* An upload (a DOJ extract) may be large, but not without end. */
#define SERVE_MAX_UPLOAD (16ull << 30)

typedef enum { RUN_QUEUED, RUN_RUNNING, RUN_DONE, RUN_FAILED } run_status;

typedef struct serve_run {
  int id;
  run_status status;
  double progress; /* 0..1 */
  char phase[16];
  char **inputs; /* resolved paths under a --data folder */
  int n_inputs;
  char county[128];
  int32_t compute_day;
  relief_options options;
  bool fixed_flow;   /* else the configurable flow from options */
  bool review_files; /* Hand_Review.csv too: the bundle can be reviewed */
  relief_flow flow;
  char flow_name[64];
  char *dir;     /* workspace/runs/<id> */
  char *summary; /* summary.json's text once done */
  char *error;   /* why it failed (no personal data) */
  whatif_table *whatif;
  double seconds;
  /* motions for the approved review items (POST .../filings): queued for
   * the worker like a run, which replaces the folder's Court_Filings/ */
  run_status filings; /* RUN_DONE with filings_asked false: never asked */
  bool filings_asked;
  char *filer_json;    /* the filer profile's JSON, or NULL (blank lines) */
  long long motions;   /* written by the last filing */
  long long approved;  /* approved items it filed from */
  char *filings_error; /* why it failed (no personal data) */
  /* kept in the run's record (run_record.c) */
  char *options_json; /* the options object as posted */
  char *flow_path;    /* flow "file": its resolved path */
  /* listed again after a restart: the worker rebuilds the what-if table */
  bool whatif_pending;
  char *whatif_error; /* why it could not (inputs changed) */
} serve_run;

struct serve_server {
  serve_config cfg;
  char **data_dirs; /* realpaths */
  int n_data_dirs;
  char *workspace; /* realpath */
  char *uploads;   /* workspace/uploads: an input root like the --data folders */
  char token[65];
  char url[256];
  char host_ip[64];
  int port;
  bool tls;
  bool loopback;
  char *tls_cert_pem, *tls_key_pem;
  struct MHD_Daemon *daemon;
  int listen_fd;
  /* runs, guarded by lock; the worker waits on wake */
  pthread_mutex_t lock;
  pthread_cond_t wake;
  serve_run **runs;
  int n_runs, cap_runs;
  int next_id; /* after every numbered folder under runs/ */
  bool stopping, busy;
  pthread_t worker;
  bool worker_started;
  account_book book; /* office mode */
  pthread_mutex_t zip_lock;
};

typedef struct {
  const char *method;
  const char *path;        /* without the query */
  const account *who;      /* office mode: the account logged in; NULL with the token */
  const char *session;     /* its session id */
  bool admin;              /* the token: everything; else an account's view, or signed out */
  const char *q, *subject; /* ?q= (people search) and ?subject= (explain); never logged */
  const char *body;
  size_t body_len;
} serve_request;

typedef struct {
  int status;
  const char *type; /* Content-Type */
  relief_buf body;
  int fd; /* >= 0: send this file instead of body */
  uint64_t fd_size;
  char filename[256]; /* for Content-Disposition when fd >= 0 */
  char cookie[256];   /* Set-Cookie, when not empty */
} serve_reply;

/* Answers one authorized request. */
void api_handle(serve_server *s, const serve_request *req, serve_reply *rep);

/* The worker thread: runs queued jobs one at a time until stopping. */
void *api_worker(void *server);

/* Frees every run. */
void api_free_runs(serve_server *s);
void api_free_run(serve_run *r);

/* realpath(path) when it is a regular file under a --data folder (the
 * uploads folder included), else NULL. */
char *api_resolve_input(const serve_server *s, const char *path);

/* Options from a JSON object, as an options file would give them; false
 * with why set when they are not valid. */
bool api_parse_options(struct json_t *o, relief_options *opt, char *why, size_t cap);

/* Runs kept across restarts (run_record.c): the record of a finished run,
 * the runs of the workspace listed again at start (and next_id), and the
 * what-if table of one listed again (false, err set, when its inputs
 * changed or cannot be read). */
relief_status run_record_save(const serve_run *r, relief_error *err);
/* Whether run r may be decided again: each input still a file under a
 * --data folder, with the bytes its manifest recorded (else the error). */
relief_status run_inputs_unchanged(const serve_server *s, const serve_run *r, relief_error *err);
void run_record_load_all(serve_server *s);
bool run_record_rebuild_whatif(serve_server *s, serve_run *r, relief_error *err);

/* The page, with the county list filled in, into out. */
void page_render(const serve_server *s, relief_buf *out);

/* Zips every file of run_dir (hidden ones aside) into out_dir/name. */
relief_status bundle_zip(const char *run_dir, const char *out_dir, const char *name,
                         relief_error *err);

/* Sets rep to a JSON error {"error": message}. */
void serve_reply_error(serve_reply *rep, int status, const char *message);

#endif
