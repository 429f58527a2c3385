/*
 * serve/h_status.c — POST /api/status: one person's status (what `relief
 * status` shows: determination, review decision, challenge reason, motion,
 * court order, DOJ report, with dates) across every finished run's review
 * store, every agency's items. The public defender's search: read-only, each
 * recorded in the searched store's audit trail, never in the server log.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "review/review.h"
#include "serve/handlers.h"
#include "serve/run.h"

/* A store's date (YYYYMMDD, or an ISO time YYYY-MM-DDTHH:MM:SSZ) as
 * YYYY-MM-DD; "" when there is none. */
static json_t *day_json(const char *d) {
  char out[16] = "";
  if (strlen(d) >= 10 && d[4] == '-')
    snprintf(out, sizeof out, "%.10s", d);
  else if (strlen(d) == 8)
    snprintf(out, sizeof out, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
  else
    snprintf(out, sizeof out, "%.15s", d);
  return json_string(out);
}

/* Store text as a JSON string: UTF-8, an extract's Windows-1252 byte
 * converted (json_string refuses what is not UTF-8). */
static json_t *text_json(const char *s) {
  size_t n;
  char *utf8 = text_to_utf8(s, strlen(s), &n);
  json_t *j = json_stringn(utf8, n);
  free(utf8);
  return j;
}

typedef struct {
  json_t *items;
  int run;
} found_items;

static void add_status(void *user, const review_person_item *it) {
  found_items *f = user;
  bool denied = !strcmp(it->decision, "Deny");
  json_t *o = json_object();
  json_object_set_new(o, "run", json_integer(f->run));
  json_object_set_new(o, "item", json_string(it->item));
  json_object_set_new(o, "kind", json_string(it->kind));
  json_object_set_new(o, "agency", text_json(it->agency));
  json_object_set_new(o, "name", text_json(it->name));
  json_object_set_new(o, "dob", day_json(it->dob));
  json_object_set_new(o, "cii", text_json(it->cii));
  json_object_set_new(o, "caseNumber", text_json(it->case_number));
  json_object_set_new(o, "counts", text_json(it->counts));
  json_object_set_new(o, "determination", json_string(it->proposed));
  json_object_set_new(o, "reason", text_json(it->reason));
  json_object_set_new(o, "decision", json_string(it->decision));
  json_object_set_new(o, "decidedOn", day_json(it->decided_at));
  json_object_set_new(o, "notes", text_json(denied ? "" : it->notes));
  json_object_set_new(o, "challenge", text_json(denied ? it->notes : ""));
  json_object_set_new(o, "filedOn", day_json(it->filed_on));
  json_object_set_new(o, "filedIn", text_json(*it->filed_on ? it->county : ""));
  json_object_set_new(o, "order", json_string(it->order));
  json_object_set_new(o, "orderDate", day_json(it->order_day));
  json_object_set_new(o, "reportedOn", day_json(it->reported_on));
  json_array_append_new(f->items, o);
}

/* The body's person: {"cii"} or {"name", "dob"}; false with rep set. */
static bool take_person(json_t *root, const char **cii, const char **name, const char **dob,
                        serve_reply *rep) {
  static const char *const keys[] = {"cii", "name", "dob"};
  if (!json_is_object(root)) {
    serve_reply_error(rep, 400, "the body must be {cii} or {name, dob}");
    return false;
  }
  if (!request_keys_known(root, keys, 3, "the body", rep)) return false;
  *cii = json_string_value(json_object_get(root, "cii"));
  *name = json_string_value(json_object_get(root, "name"));
  *dob = json_string_value(json_object_get(root, "dob"));
  bool by_cii = *cii && **cii && strlen(*cii) <= 64 && !*name && !*dob;
  bool by_name = !*cii && *name && strlen(*name) >= 2 && strlen(*name) <= 200 && *dob && **dob &&
                 strlen(*dob) <= 20;
  if (!by_cii && !by_name) {
    serve_reply_error(rep, 400,
                      "the body must be {cii} (1-64 characters) or {name, dob} (the name 2-200 "
                      "characters, the date of birth MM/DD/YYYY)");
    return false;
  }
  return true;
}

void h_person_status(serve_server *s, const serve_request *req, serve_reply *rep) {
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  const char *cii = NULL, *name = NULL, *dob = NULL;
  if (!take_person(root, &cii, &name, &dob, rep)) {
    json_decref(root);
    return;
  }
  /* recorded in each store as the account (or "local": the token) */
  const char *searcher = req->who ? req->who->name : "local";
  found_items f = {json_array(), 0};
  json_t *searched = json_array(), *failed = json_array();
  int n = 0;
  serve_run **runs = runs_snapshot(s, &n);
  for (int i = 0; i < n; i++) {
    pthread_mutex_lock(&s->lock);
    bool done = runs[i]->status == RUN_DONE;
    pthread_mutex_unlock(&s->lock);
    if (!done || !review_store_exists(runs[i]->dir)) continue;
    f.run = runs[i]->id;
    int found = 0;
    relief_error err = {0};
    /* a store whose audit trail cannot take the search shows nothing */
    if (review_person_search(runs[i]->dir, cii, name, dob, searcher, "relief serve", add_status, &f,
                             &found, &err))
      json_array_append_new(failed, json_integer(runs[i]->id));
    else
      json_array_append_new(searched, json_integer(runs[i]->id));
  }
  free(runs);
  json_decref(root);
  json_t *o = json_object();
  json_object_set_new(o, "items", f.items);
  json_object_set_new(o, "runs", searched);
  json_object_set_new(o, "unreadable", failed);
  serve_reply_json(rep, 200, o);
}
