/*
 * serve/h_review.c — a run's review queue (engine/review's store in the
 * run folder): POST .../review starts it (the administrator, with an
 * optional routing), GET .../review lists the items an account's agency
 * may see, POST .../review/{item} records a decision by that account.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/publish.h"
#include "review/review.h"
#include "serve/handlers.h"
#include "serve/run.h"
#include "serve/server_log.h"

static void review_error(serve_reply *rep, relief_status st, const relief_error *err) {
  char why[2200];
  relief_error_format(err, why, sizeof why);
  serve_scrub(why, sizeof why);
  serve_reply_error(rep, st == RELIEF_E_USAGE ? 404 : st == RELIEF_E_DATA ? 409 : 500, why);
}

/* A finished run of the request's {id}, else NULL with rep set. */
static serve_run *done_run(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = run_of_request(s, req, rep);
  if (r && r->status != RUN_DONE) {
    serve_reply_error(rep, 409, "the run has not finished");
    return NULL;
  }
  return r;
}

/* An optional {"routing": {...}} (a routing file's JSON: which agency
 * reviews what), kept as workspace/routing-<id>.json; routing_path stays
 * empty without one. False with rep set when the body is wrong. */
static bool take_routing(serve_server *s, const serve_run *r, const serve_request *req,
                         char *routing_path, size_t cap, relief_status *st, relief_error *err,
                         serve_reply *rep) {
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  json_t *routing = json_object_get(root, "routing");
  static const char *const keys[] = {"routing"};
  bool ok = !json_is_object(root) || request_keys_known(root, keys, 1, "the body", rep);
  if (ok && routing && json_is_object(routing)) {
    char *text = json_dumps(routing, JSON_COMPACT);
    char name[64];
    snprintf(name, sizeof name, "routing-%d.json", r->id);
    snprintf(routing_path, cap, "%s/%s", s->workspace, name);
    *st = publish_single_file(s->workspace, name, text, strlen(text), err);
    free(text);
  } else if (ok && routing && !json_is_null(routing)) {
    serve_reply_error(rep, 400, "routing must be an object (a routing file's JSON)");
    ok = false;
  }
  json_decref(root);
  return ok;
}

void h_review_start(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = done_run(s, req, rep);
  if (!r) return;
  relief_error err = {0};
  relief_status st = RELIEF_OK;
  char routing_path[4200] = "";
  if (!take_routing(s, r, req, routing_path, sizeof routing_path, &st, &err, rep)) return;
  long long n = 0;
  if (!st) st = review_init(r->dir, routing_path[0] ? routing_path : NULL, false, &n, &err);
  if (st == RELIEF_E_USAGE) {
    char why[1200];
    snprintf(why, sizeof why, "%s", err.message);
    serve_scrub(why, sizeof why);
    return serve_reply_error(rep, 400, why);
  }
  if (st) return review_error(rep, st, &err);
  server_log(s, "run %d review store made: %lld items", r->id, n);
  json_t *o = json_object();
  json_object_set_new(o, "items", json_integer(n));
  serve_reply_json(rep, 200, o);
}

static void add_item(void *user, const review_queue_item *it) {
  json_t *o = json_object();
  json_object_set_new(o, "item", json_string(it->item));
  json_object_set_new(o, "agency", json_string(it->agency));
  json_object_set_new(o, "kind", json_string(it->kind));
  json_object_set_new(o, "name", json_string(it->name));
  json_object_set_new(o, "dob", json_string(it->dob));
  json_object_set_new(o, "cii", json_string(it->cii));
  json_object_set_new(o, "caseNumber", json_string(it->case_number));
  json_object_set_new(o, "counts", json_string(it->counts));
  json_object_set_new(o, "proposed", json_string(it->proposed));
  json_object_set_new(o, "reason", json_string(it->reason));
  json_object_set_new(o, "decision", json_string(it->decision));
  json_object_set_new(o, "notes", json_string(it->notes));
  json_object_set_new(o, "reviewer", json_string(it->reviewer));
  json_array_append_new(user, o);
}

void h_review_list(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = done_run(s, req, rep);
  if (!r) return;
  relief_error err = {0};
  json_t *list = json_array();
  relief_status st =
      review_queue_list(r->dir, req->who ? req->who->agency : NULL, add_item, list, &err);
  if (st) {
    json_decref(list);
    return review_error(rep, st, &err);
  }
  json_t *o = json_object();
  json_object_set_new(o, "items", list);
  serve_reply_json(rep, 200, o);
}

void h_review_decide(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = done_run(s, req, rep);
  if (!r) return;
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  json_t *decision = json_object_get(root, "decision"), *notes = json_object_get(root, "notes");
  const char *d = json_is_string(decision) ? json_string_value(decision) : "";
  static const char *const keys[] = {"decision", "notes"};
  if (json_is_object(root) && !request_keys_known(root, keys, 2, "the body", rep)) {
    json_decref(root);
    return;
  }
  if ((strcmp(d, "Approve") && strcmp(d, "Deny") && strcmp(d, "Hold")) ||
      (notes && (!json_is_string(notes) || json_string_length(notes) > 4000))) {
    json_decref(root);
    return serve_reply_error(rep, 400, "the body must be {decision: Approve|Deny|Hold, notes}");
  }
  /* an account decides only its agency's items, and is recorded as the reviewer */
  relief_error err = {0};
  relief_status st = review_decide(
      r->dir, request_param(req, "item"), req->who ? req->who->agency : NULL, d,
      notes ? json_string_value(notes) : "", req->who ? req->who->name : "local", &err);
  json_decref(root);
  if (st) return review_error(rep, st, &err);
  server_log(s, "run %d review decision recorded", r->id);
  json_t *o = json_object();
  json_object_set_new(o, "ok", json_true());
  serve_reply_json(rep, 200, o);
}
