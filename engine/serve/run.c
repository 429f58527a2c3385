/*
 * serve/run.c — the server's runs: each freed with all it owns, numbered
 * and queued for the worker, found by the id in a request's path. Runs are
 * only added while the server answers, so a pointer found stays valid.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "serve/run.h"

const char *const run_status_names[] = {"queued", "running", "done", "failed"};

void run_free(serve_run *r) {
  for (int i = 0; i < r->n_inputs; i++) free(r->inputs[i]);
  free(r->inputs);
  free(r->dir);
  free(r->summary);
  free(r->error);
  free(r->filings_agency);
  free(r->filings_agencies);
  free(r->filings_error);
  free(r->options_json);
  free(r->flow_path);
  free(r->policies);
  free(r->policies_json);
  free(r->whatif_error);
  whatif_free(r->whatif);
  free(r);
}

void runs_free(serve_server *s) {
  for (int i = 0; i < s->n_runs; i++) run_free(s->runs[i]);
  free(s->runs);
  s->runs = NULL;
  s->n_runs = 0;
}

void runs_append(serve_server *s, serve_run *r) {
  if (s->n_runs == s->cap_runs)
    s->runs = xreallocarray(s->runs, (size_t)(s->cap_runs = s->cap_runs ? s->cap_runs * 2 : 16),
                            sizeof *s->runs);
  s->runs[s->n_runs++] = r;
}

/* The run's id and folder: the first runs/<id> from s->next_id that this
 * server makes itself (mkdir fails on one that exists), so two writers on a
 * workspace can never share a folder. False when none can be made. */
static bool take_folder(serve_server *s, serve_run *r) {
  char dir[4200];
  for (int tries = 0; tries < 1000000 && s->next_id < 1000000000; tries++) {
    int id = s->next_id++;
    snprintf(dir, sizeof dir, "%s/runs/%d", s->workspace, id);
    if (mkdir(dir, 0700) == 0) {
      r->id = id;
      r->dir = xstrdup(dir);
      return true;
    }
    if (errno != EEXIST) return false;
  }
  return false;
}

bool runs_number(serve_server *s, serve_run *r) {
  pthread_mutex_lock(&s->lock);
  bool ok = take_folder(s, r);
  pthread_mutex_unlock(&s->lock);
  return ok;
}

void runs_queue(serve_server *s, serve_run *r) {
  pthread_mutex_lock(&s->lock);
  runs_append(s, r);
  snprintf(r->phase, sizeof r->phase, "queued");
  pthread_cond_broadcast(&s->wake);
  pthread_mutex_unlock(&s->lock);
}

serve_run *run_of_request(serve_server *s, const serve_request *req, serve_reply *rep) {
  const char *id_text = request_param(req, "id");
  char *end;
  long id = id_text ? strtol(id_text, &end, 10) : 0;
  serve_run *found = NULL;
  if (id_text && end != id_text && !*end) {
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->n_runs; i++)
      if (s->runs[i]->id == id) found = s->runs[i];
    pthread_mutex_unlock(&s->lock);
  }
  if (!found) serve_reply_error(rep, 404, "no such run");
  return found;
}

serve_run *county_run_of_request(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = run_of_request(s, req, rep);
  if (r && r->statewide) {
    serve_reply_error(rep, 409,
                      "a statewide run has a bundle per county: review, search and file a "
                      "county's with `relief review` on its folder, or run that county");
    return NULL;
  }
  return r;
}

serve_run **runs_snapshot(serve_server *s, int *n) {
  pthread_mutex_lock(&s->lock);
  *n = s->n_runs;
  serve_run **copy = xcalloc((size_t)*n + 1, sizeof *copy);
  if (*n) memcpy(copy, s->runs, (size_t)*n * sizeof *copy);
  pthread_mutex_unlock(&s->lock);
  return copy;
}

bool run_parse_options(json_t *o, relief_options *opt, char *why, size_t cap) {
  relief_error err = {0};
  if (o && !json_is_object(o) && !json_is_null(o)) {
    snprintf(why, cap, "options must be an object");
    return false;
  }
  char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("{}");
  relief_status st = options_parse(text, strlen(text), "options", true, opt, &err);
  free(text);
  if (st) {
    relief_error_format(&err, why, cap);
    serve_scrub(why, cap);
  }
  return st == RELIEF_OK;
}

char *run_options_text(json_t *options) {
  return json_is_object(options) ? json_dumps(options, JSON_COMPACT) : xstrdup("{}");
}
