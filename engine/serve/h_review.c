/*
 * serve/h_review.c — a run's review queue (engine/review's store in the
 * run folder): POST .../review starts it (the administrator, with an
 * optional routing; .../review/routes shows how a routing would route, first),
 * GET .../review pages, filters and sorts the items an account's agency may
 * see, GET .../review/{item} shows one with its history, POST
 * .../review/{item} records a decision by that account, .../review/bulk one
 * decision on many items.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  serve_run *r = county_run_of_request(s, req, rep);
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
                         char *routing_path, size_t cap, const char *stem, relief_status *st,
                         relief_error *err, serve_reply *rep) {
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  json_t *routing = json_object_get(root, "routing");
  static const char *const keys[] = {"routing"};
  bool ok = !json_is_object(root) || request_keys_known(root, keys, 1, "the body", rep);
  if (ok && routing && json_is_object(routing)) {
    char *text = json_dumps(routing, JSON_COMPACT);
    char name[64];
    snprintf(name, sizeof name, "%s-%d.json", stem, r->id);
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
  if (!take_routing(s, r, req, routing_path, sizeof routing_path, "routing", &st, &err, rep))
    return;
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

/* A string of the store (UTF-8) as JSON; "" for what is not. */
static json_t *js(const char *v) {
  json_t *j = json_string(v ? v : "");
  return j ? j : json_string("");
}

static json_t *count_json(const review_count *c) {
  char date[16];
  review_sheet_date(c->date, date);
  json_t *o = json_object();
  json_object_set_new(o, "cntOrder", js(c->cnt_order));
  json_object_set_new(o, "section", js(c->section));
  json_object_set_new(o, "offense", js(c->offense));
  json_object_set_new(o, "date", js(date));
  json_object_set_new(o, "level", js(c->level));
  json_object_set_new(o, "court", js(c->court));
  json_object_set_new(o, "proposed", js(c->proposed));
  json_object_set_new(o, "reason", js(c->reason));
  return o;
}

/* An item's counts; a store made before counts were kept names only their
 * sections. */
static json_t *counts_json(const review_list_item *l) {
  json_t *list = json_array();
  for (int i = 0; i < l->n_counts; i++) json_array_append_new(list, count_json(&l->counts[i]));
  for (const char *p = l->item.counts; !l->n_counts && p && *p;) {
    size_t n = strcspn(p, ";");
    json_t *o = json_object();
    json_object_set_new(o, "section", json_stringn(p, n));
    json_array_append_new(list, o);
    p += n;
    p += strspn(p, "; ");
  }
  return list;
}

static json_t *item_json(const review_list_item *l) {
  const review_queue_item *it = &l->item;
  char dob[16];
  review_sheet_date(it->dob, dob);
  json_t *o = json_object();
  json_object_set_new(o, "item", js(it->item));
  json_object_set_new(o, "agency", js(it->agency));
  json_object_set_new(o, "kind", js(it->kind));
  json_object_set_new(o, "name", js(it->name));
  json_object_set_new(o, "dob", js(dob));
  json_object_set_new(o, "cii", js(it->cii));
  json_object_set_new(o, "subjectId", js(l->subject_id));
  json_object_set_new(o, "caseNumber", js(it->case_number));
  json_object_set_new(o, "court", js(l->court));
  json_object_set_new(o, "sections", js(it->counts));
  json_object_set_new(o, "counts", counts_json(l));
  json_object_set_new(o, "proposed", js(it->proposed));
  json_object_set_new(o, "reason", js(it->reason));
  json_object_set_new(o, "decision", js(it->decision));
  json_object_set_new(o, "notes", js(it->notes));
  json_object_set_new(o, "reviewer", js(it->reviewer));
  json_object_set_new(o, "decidedAt", js(l->decided_at));
  return o;
}

static void add_item(void *user, const review_list_item *l) {
  json_array_append_new(user, item_json(l));
}

/* The query's ?name= (at most 200 bytes), NULL when absent. */
static bool arg_text(const serve_request *req, const char *name, const char **out,
                     serve_reply *rep) {
  *out = request_arg(req, name);
  if (*out && strlen(*out) > 200) {
    char why[120];
    snprintf(why, sizeof why, "%s must be at most 200 characters", name);
    serve_reply_error(rep, 400, why);
    return false;
  }
  return true;
}

/* The query's ?name= as a number 0..max (dflt when absent; above max: max). */
static bool arg_number(const serve_request *req, const char *name, long long dflt, long long max,
                       long long *out, serve_reply *rep) {
  const char *v = request_arg(req, name);
  *out = dflt;
  if (!v || !*v) return true;
  char *end;
  long long n = strtoll(v, &end, 10);
  if (*end || n < 0 || strlen(v) > 12) {
    char why[120];
    snprintf(why, sizeof why, "%s must be a whole number, 0 or more", name);
    serve_reply_error(rep, 400, why);
    return false;
  }
  *out = n > max ? max : n;
  return true;
}

/* The review filter of the query (?agency= ?status= ?court= ?proposed=
 * ?q=), limited to the account's agency. */
static bool query_filter(const serve_request *req, review_filter *f, serve_reply *rep) {
  memset(f, 0, sizeof *f);
  f->account = req->who ? req->who->agency : NULL;
  return arg_text(req, "agency", &f->agency, rep) && arg_text(req, "status", &f->status, rep) &&
         arg_text(req, "court", &f->court, rep) && arg_text(req, "proposed", &f->proposed, rep) &&
         arg_text(req, "q", &f->q, rep);
}

static json_t *facets_json(const review_facets *f) {
  json_t *o = json_object(), *t = json_object(), *a = json_array(), *c = json_array();
  json_object_set_new(t, "items", json_integer(f->counts.items));
  json_object_set_new(t, "pending", json_integer(f->counts.pending));
  json_object_set_new(t, "approved", json_integer(f->counts.approved));
  json_object_set_new(t, "denied", json_integer(f->counts.denied));
  json_object_set_new(t, "held", json_integer(f->counts.held));
  for (int i = 0; i < f->n_agencies; i++) json_array_append_new(a, js(f->agencies[i]));
  for (int i = 0; i < f->n_courts; i++) json_array_append_new(c, js(f->courts[i]));
  json_object_set_new(o, "tally", t);
  json_object_set_new(o, "agencies", a);
  json_object_set_new(o, "courts", c);
  return o;
}

/* GET .../review?offset=&limit=&agency=&status=&court=&proposed=&q=&sort=:
 * a page of the items an account's agency may see (the administrator: all),
 * {"total", "offset", "limit", "items", "tally", "agencies", "courts"}. */
void h_review_list(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = done_run(s, req, rep);
  if (!r) return;
  review_query q;
  if (!query_filter(req, &q.filter, rep) || !arg_text(req, "sort", &q.sort, rep) ||
      !arg_number(req, "offset", 0, 1000000000, &q.offset, rep) ||
      !arg_number(req, "limit", 50, 500, &q.limit, rep))
    return;
  relief_error err = {0};
  json_t *list = json_array();
  long long total = 0;
  review_facets facets = {0};
  relief_status st = review_list(r->dir, &q, &total, add_item, list, &err);
  if (!st) st = review_list_facets(r->dir, q.filter.account, &facets, &err);
  if (st == RELIEF_E_USAGE && review_store_exists(r->dir)) {
    json_decref(list);
    return serve_reply_error(rep, 400, err.message);
  }
  if (st) {
    json_decref(list);
    return review_error(rep, st, &err);
  }
  json_t *o = facets_json(&facets);
  review_facets_free(&facets);
  json_object_set_new(o, "total", json_integer(total));
  json_object_set_new(o, "offset", json_integer(q.offset));
  json_object_set_new(o, "limit", json_integer(q.limit));
  json_object_set_new(o, "items", list);
  serve_reply_json(rep, 200, o);
}

static void set_item(void *user, const review_list_item *l) {
  json_object_set_new(user, "item", item_json(l));
}

static void add_history(void *user, const review_history_entry *e) {
  json_t *o = json_object();
  json_object_set_new(o, "decision", js(e->decision));
  json_object_set_new(o, "notes", js(e->notes));
  json_object_set_new(o, "previousDecision", js(e->previous_decision));
  json_object_set_new(o, "previousNotes", js(e->previous_notes));
  json_object_set_new(o, "reviewer", js(e->reviewer));
  json_object_set_new(o, "decidedAt", js(e->decided_at));
  json_object_set_new(o, "source", js(e->sheet));
  if (e->override && *e->override) json_object_set_new(o, "override", js(e->override));
  json_array_append_new(json_object_get(user, "history"), o);
}

/* GET .../review/{item}: the item with its counts and its history. */
void h_review_item(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = done_run(s, req, rep);
  if (!r) return;
  json_t *o = json_object();
  json_object_set_new(o, "history", json_array());
  relief_error err = {0};
  relief_status st =
      review_item_detail(r->dir, request_param(req, "item"), req->who ? req->who->agency : NULL,
                         set_item, add_history, o, &err);
  if (st) {
    json_decref(o);
    return review_error(rep, st, &err);
  }
  serve_reply_json(rep, 200, o);
}

/* The filter of a bulk body's "filter" object (keys as the list's). */
static bool body_filter(const serve_request *req, json_t *filter, review_filter *f,
                        serve_reply *rep) {
  memset(f, 0, sizeof *f);
  f->account = req->who ? req->who->agency : NULL;
  static const char *const keys[] = {"agency", "status", "court", "proposed", "q"};
  if (!json_is_object(filter) || !request_keys_known(filter, keys, 5, "the filter", rep)) {
    if (!json_is_object(filter)) serve_reply_error(rep, 400, "filter must be an object");
    return false;
  }
  const char **slots[] = {&f->agency, &f->status, &f->court, &f->proposed, &f->q};
  for (int i = 0; i < 5; i++) {
    json_t *v = json_object_get(filter, keys[i]);
    if (!v || json_is_null(v)) continue;
    if (!json_is_string(v) || json_string_length(v) > 200) {
      serve_reply_error(rep, 400, "each filter key must be a string of at most 200 characters");
      return false;
    }
    *slots[i] = json_string_value(v);
  }
  return true;
}

/* The item ids of a bulk body's "items" (strings), into *ids. */
static bool body_items(json_t *items, char ***ids, size_t *n, serve_reply *rep) {
  size_t i, cap = json_array_size(items);
  json_t *v;
  if (!json_is_array(items) || cap > 1000000) {
    serve_reply_error(rep, 400, "items must be a list of review items");
    return false;
  }
  *ids = calloc(cap ? cap : 1, sizeof **ids);
  json_array_foreach(items, i, v) {
    if (!json_is_string(v) || json_string_length(v) > 40) {
      serve_reply_error(rep, 400, "items must be a list of review items");
      return false;
    }
    (*ids)[(*n)++] = (char *)json_string_value(v);
  }
  return true;
}

/* POST .../review/bulk {decision, notes, items | filter}: one decision on
 * many items, all or none: {"decided": N}. */
void h_review_bulk(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = done_run(s, req, rep);
  if (!r) return;
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  static const char *const keys[] = {"decision", "notes", "items", "filter"};
  json_t *d = json_object_get(root, "decision"), *notes = json_object_get(root, "notes");
  json_t *items = json_object_get(root, "items"), *filter = json_object_get(root, "filter");
  review_filter f = {.account = req->who ? req->who->agency : NULL};
  char **ids = NULL;
  size_t n = 0;
  bool ok = json_is_object(root) && request_keys_known(root, keys, 4, "the body", rep);
  if (ok && (!json_is_string(d) ||
             (notes && (!json_is_string(notes) || json_string_length(notes) > 4000)) ||
             !items == !filter)) {
    serve_reply_error(rep, 400,
                      "the body must be {decision: Approve|Deny|Hold, notes, items: [...] or "
                      "filter: {...}}");
    ok = false;
  } else if (!json_is_object(root) && rep->status == 200) {
    serve_reply_error(rep, 400, "the body must be a JSON object");
  }
  ok = ok && (items ? body_items(items, &ids, &n, rep) : body_filter(req, filter, &f, rep));
  long long decided = 0;
  relief_error err = {0};
  relief_status st = RELIEF_OK;
  if (ok)
    st = review_decide_bulk(r->dir, &f, items ? ids : NULL, n, json_string_value(d),
                            notes ? json_string_value(notes) : "",
                            req->who ? req->who->name : "local", &decided, &err);
  free(ids);
  json_decref(root);
  if (!ok) return;
  if (st == RELIEF_E_USAGE && strncmp(err.message, "no such", 7) && review_store_exists(r->dir))
    return serve_reply_error(rep, 400, err.message);
  if (st) return review_error(rep, st, &err);
  server_log(s, "run %d review: %lld decisions recorded at once", r->id, decided);
  json_t *o = json_object();
  json_object_set_new(o, "decided", json_integer(decided));
  serve_reply_json(rep, 200, o);
}

static json_t *route_report_json(const review_route_report *rr, long long items) {
  json_t *o = json_object(), *list = json_array();
  for (int i = 0; i < rr->rt.n_routes; i++) {
    const review_route *rt = &rr->rt.routes[i];
    json_t *e = json_object(), *near = json_array();
    json_object_set_new(e, "agency", js(rt->agency));
    if (rt->court) json_object_set_new(e, "court", js(rt->court));
    if (rt->felony >= 0) json_object_set_new(e, "felony", json_boolean(rt->felony));
    if (rt->section) json_object_set_new(e, "section", js(rt->section));
    json_object_set_new(e, "matched", json_integer(rr->routes[i].matched));
    for (int k = 0; k < rr->routes[i].n_nearest; k++)
      json_array_append_new(near, js(rr->routes[i].nearest[k]));
    json_object_set_new(e, "nearestCourts", near);
    json_array_append_new(list, e);
  }
  json_object_set_new(o, "items", json_integer(items));
  json_object_set_new(o, "default", js(rr->rt.default_agency));
  json_object_set_new(o, "defaultItems", json_integer(rr->default_items));
  json_object_set_new(o, "routes", list);
  return o;
}

/* POST .../review/routes {"routing": {...}}: how a routing file would
 * route the run's items (as `relief review init` prints it), before the
 * review starts; nothing is kept. */
void h_review_routes(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = done_run(s, req, rep);
  if (!r) return;
  relief_error err = {0};
  relief_status st = RELIEF_OK;
  char routing_path[4200] = "";
  if (!take_routing(s, r, req, routing_path, sizeof routing_path, "routing-preview", &st, &err,
                    rep))
    return;
  review_route_report rr;
  long long items = 0;
  if (!st)
    st = review_routes_preview(r->dir, routing_path[0] ? routing_path : NULL, &rr, &items, &err);
  if (routing_path[0]) unlink(routing_path);
  if (st == RELIEF_E_USAGE) {
    char why[1200];
    snprintf(why, sizeof why, "%s", err.message);
    serve_scrub(why, sizeof why);
    return serve_reply_error(rep, 400, why);
  }
  if (st) return review_error(rep, st, &err);
  json_t *o = route_report_json(&rr, items);
  review_route_report_free(&rr);
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
  const char *why = notes ? json_string_value(notes) : "";
  if (!strcmp(d, "Deny") && !why[strspn(why, " \t\r\n")]) { /* a challenge states its grounds */
    json_decref(root);
    return serve_reply_error(rep, 400, "a Deny needs its reason in notes (the public defender is "
                                        "told its grounds)");
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
