/*
 * serve/request.h — one API request and its reply as the handlers see them
 * (HTTP details stay in http.c): who asks, the path's parameters, the body;
 * a reply from a buffer, or a file streamed from an open descriptor.
 */
#ifndef RELIEF_SERVE_REQUEST_H
#define RELIEF_SERVE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "serve/accounts.h"

struct json_t;

enum { REQUEST_MAX_PARAMS = 4 };

typedef struct {
  const char *method;
  const char *path;        /* without the query */
  const account *who;      /* office mode: the account logged in; NULL with the token */
  const char *session;     /* its session id */
  const char *addr;        /* the client's address (sign-in limits); never logged */
  bool admin;              /* the token: everything; else an account's view, or signed out */
  const char *q, *subject; /* ?q= (people search) and ?subject= (explain); never logged */
  const char *review;      /* ?review= (the zip: "1" adds review.sqlite) */
  /* any other ?name= of the query (NULL: none), through request_arg */
  const char *(*arg)(const void *arg_ctx, const char *name);
  const void *arg_ctx;
  const char *body;
  size_t body_len;
  /* the path's {name} parts, as the route matched them */
  const char *param_names[REQUEST_MAX_PARAMS];
  const char *param_values[REQUEST_MAX_PARAMS];
  int n_params;
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

/* The value of the path parameter name ("id" of /api/runs/{id}), or NULL. */
const char *request_param(const serve_request *req, const char *name);

/* The value of the query's ?name=, or NULL. */
const char *request_arg(const serve_request *req, const char *name);

/* Sets rep to a JSON error {"error": message}. */
void serve_reply_error(serve_reply *rep, int status, const char *message);

/* Replaces in text (a buffer of cap bytes; cut to fit) each double-quoted
 * value by "..." and each absolute path by "(a path)" (single quotes name
 * keys, and stay): a library's error message made fit for a reply, which
 * never carries submitted values or paths. */
void serve_scrub(char *text, size_t cap);

/* Whether JSON object o has only keys among known[0..n); else false with
 * rep set to a 400 naming the first unknown key and where ("the body"). */
bool request_keys_known(struct json_t *o, const char *const *known, size_t n, const char *where,
                        serve_reply *rep);

/* Sets rep to j's compact text with status; takes j's reference. */
void serve_reply_json(serve_reply *rep, int status, struct json_t *j);

/* The one way a file is sent: path opened without following a last
 * symlink, and only a regular file; streamed with type, downloaded as
 * filename. False, rep untouched, when it cannot be. */
bool serve_reply_file(serve_reply *rep, const char *path, const char *type, const char *filename);

#endif
