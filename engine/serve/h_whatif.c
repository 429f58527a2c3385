/*
 * serve/h_whatif.c — POST /api/runs/{id}/whatif {options}: the summary the
 * run would have written under other options, from its what-if table
 * (serve/whatif.h), timed for the log.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "serve/handlers.h"
#include "serve/run.h"
#include "serve/server_log.h"

/* Whether r's table can answer now; else rep is set to why not (409). */
static bool whatif_ready(serve_server *s, serve_run *r, serve_reply *rep) {
  pthread_mutex_lock(&s->lock);
  bool pending = r->whatif_pending;
  char why_not[2300] = "";
  if (r->whatif_error) snprintf(why_not, sizeof why_not, "no what-if: %s", r->whatif_error);
  pthread_mutex_unlock(&s->lock);
  if (r->status != RUN_DONE)
    serve_reply_error(rep, 409, "the run has not finished");
  else if (pending)
    serve_reply_error(rep, 409, "the what-if table is being rebuilt after a restart");
  else if (why_not[0] || !r->whatif)
    serve_reply_error(rep, 409, why_not[0] ? why_not : "no what-if for this run");
  else
    return true;
  return false;
}

void h_whatif_post(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = run_of_request(s, req, rep);
  if (!r || !whatif_ready(s, r, rep)) return;
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  if (!json_is_object(root)) {
    json_decref(root);
    return serve_reply_error(rep, 400, "the body must be a JSON object");
  }
  static const char *const keys[] = {"options"};
  if (!request_keys_known(root, keys, 1, "the body", rep)) {
    json_decref(root);
    return;
  }
  relief_options opt;
  char why[1200] = "";
  run_parse_options(json_object_get(root, "options"), &opt, why, sizeof why);
  json_decref(root);
  if (why[0]) return serve_reply_error(rep, 400, why);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  char *text = whatif_summary(r->whatif, &opt);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  server_log(s, "run %d what-if in %.1f ms", r->id, ms);
  json_t *o = json_object();
  json_object_set_new(o, "summary", json_loads(text, 0, NULL));
  json_object_set_new(o, "milliseconds", json_real(ms));
  free(text);
  serve_reply_json(rep, 200, o);
}
