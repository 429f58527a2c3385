/*
 * serve/h_runs.c — POST /api/runs (a run checked and queued for the
 * worker), GET /api/runs and /api/runs/{id} (status, progress, summary),
 * and POST /api/runs/{id}/filings (motions queued for the worker).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "doj/doj.h"
#include "review/review.h"
#include "rules/counties.h"
#include "serve/handlers.h"
#include "serve/inputs.h"
#include "serve/run.h"
#include "serve/run_record.h"
#include "serve/server_log.h"

/* Why a POST /api/runs body is refused, and with which status. */
typedef struct {
  char text[1200];
  int status;
} refusal;

static void refuse(refusal *why, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(refusal *why, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why->text, sizeof why->text, fmt, ap);
  va_end(ap);
  why->status = status;
}

/* "county": one of the 58, matched as the CLI's --county is (any case,
 * surrounding spaces); an unknown one is refused naming the nearest, never
 * echoing what was sent. */
static void take_county(json_t *county, serve_run *r, refusal *why) {
  bool text = json_is_string(county) &&
              strlen(json_string_value(county)) == json_string_length(county); /* no NUL */
  const char *canonical = text ? county_canonical(json_string_value(county)) : NULL;
  if (canonical) {
    snprintf(r->county, sizeof r->county, "%s", canonical);
    return;
  }
  if (!json_is_string(county)) return refuse(why, 400, "county must be a county name");
  int d;
  refuse(why, 400, "county is not one of California's 58 counties; did you mean %s?",
         county_nearest(json_string_value(county), &d));
}

/* "inputs" and "county" (none statewide): each input a file under a
 * --data folder. */
static void take_inputs(serve_server *s, json_t *root, serve_run *r, refusal *why) {
  json_t *inputs = json_object_get(root, "inputs"), *county = json_object_get(root, "county");
  if (!json_is_array(inputs) || !json_array_size(inputs) ||
      json_array_size(inputs) > SERVE_MAX_INPUTS)
    return refuse(why, 400, "inputs must be a list of 1 to %d paths", SERVE_MAX_INPUTS);
  if (r->statewide && county && !json_is_null(county))
    return refuse(why, 400, "a statewide run decides every county: send no county");
  if (!r->statewide) take_county(county, r, why);
  if (why->text[0]) return;
  r->inputs = xcalloc(json_array_size(inputs), sizeof *r->inputs);
  for (size_t i = 0; i < json_array_size(inputs); i++) {
    json_t *p = json_array_get(inputs, i);
    char *real = json_is_string(p) ? inputs_resolve(s, json_string_value(p)) : NULL;
    if (!real) return refuse(why, 403, "input %zu is not a file under a --data folder", i + 1);
    r->inputs[r->n_inputs++] = real;
  }
}

/* "computeAt": a date, or today when absent or null. */
static void take_compute_day(json_t *root, serve_run *r, refusal *why) {
  json_t *compute = json_object_get(root, "computeAt");
  if (!compute || json_is_null(compute)) {
    r->compute_day = (int32_t)(time(NULL) / 86400);
    return;
  }
  relief_error err = {0};
  if (!json_is_string(compute) ||
      relief_date_parse(json_string_value(compute), &r->compute_day, &err) != RELIEF_OK)
    refuse(why, 400, "computeAt must be a date YYYY-MM-DD");
}

/* "flow": configurable (the default), los-angeles, or a flow file under
 * --data like the inputs. */
static void take_flow(serve_server *s, json_t *root, serve_run *r, refusal *why) {
  json_t *flow = json_object_get(root, "flow");
  const char *name = json_is_string(flow) ? json_string_value(flow) : "configurable";
  relief_flow_overrides ov = {-1, -1, -1, -1};
  relief_error err = {0};
  if (flow && !json_is_null(flow) && !json_is_string(flow))
    return refuse(why, 400, "flow must be a name");
  if (!strcmp(name, "configurable")) {
    snprintf(r->flow_name, sizeof r->flow_name, "configurable");
    return;
  }
  r->fixed_flow = true;
  if (!strcmp(name, "los-angeles")) {
    snprintf(r->flow_name, sizeof r->flow_name, "los-angeles");
    if (flow_los_angeles(&ov, &r->flow, &err)) {
      why->status = 400;
      relief_error_format(&err, why->text, sizeof why->text);
      serve_scrub(why->text, sizeof why->text);
    }
    return;
  }
  snprintf(r->flow_name, sizeof r->flow_name, "file");
  char *real = inputs_resolve(s, name);
  if (!real)
    return refuse(why, 403, "flow is not configurable, los-angeles or a file under --data");
  if (flow_load(real, &ov, &r->flow, &err)) {
    free(real);
    refuse(why, 400, "the flow file is not valid: %s", err.message);
    return serve_scrub(why->text, sizeof why->text);
  }
  r->flow_path = real;
}

/* "statewide" and "countyPolicies" (statewide only; no flow then: each
 * county's policy is its flow). */
static void take_statewide(serve_server *s, json_t *root, serve_run *r, refusal *why) {
  json_t *statewide = json_object_get(root, "statewide");
  json_t *policies = json_object_get(root, "countyPolicies"), *flow = json_object_get(root, "flow");
  if (statewide && !json_is_boolean(statewide))
    return refuse(why, 400, "statewide must be true or false");
  r->statewide = json_is_true(statewide);
  if (!r->statewide && policies && !json_is_null(policies))
    return refuse(why, 400, "countyPolicies is for a statewide run");
  if (r->statewide && flow && !json_is_null(flow) &&
      !(json_is_string(flow) && !strcmp(json_string_value(flow), "configurable")))
    return refuse(why, 400, "a statewide run takes a flow per county, in countyPolicies");
  if (r->statewide) r->review_files = true; /* as `relief statewide` writes them */
  if (!run_take_policies(s, policies, r, why->text, sizeof why->text, &why->status)) return;
}

/* The run a POST /api/runs body asks for; why->text empty when it is valid. */
static void take_run(serve_server *s, json_t *root, serve_run *r, refusal *why) {
  take_statewide(s, root, r, why);
  if (!why->text[0]) take_inputs(s, root, r, why);
  if (!why->text[0]) take_compute_day(root, r, why);
  if (!why->text[0]) {
    json_t *options = json_object_get(root, "options");
    if (run_parse_options(options, &r->options, why->text, sizeof why->text))
      r->options_json = run_options_text(options);
  }
  if (!why->text[0]) take_flow(s, root, r, why);
  json_t *review = json_object_get(root, "reviewFiles");
  if (!why->text[0] && review && !json_is_boolean(review))
    refuse(why, 400, "reviewFiles must be true or false");
  r->review_files = r->review_files || json_is_true(review);
}

void h_runs_post(serve_server *s, const serve_request *req, serve_reply *rep) {
  static const char *const keys[] = {"inputs", "county",      "computeAt", "options",
                                     "flow",   "reviewFiles", "statewide", "countyPolicies"};
  json_error_t jerr;
  json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(root)) {
    json_decref(root);
    return serve_reply_error(rep, 400, "the body must be a JSON object (each key once)");
  }
  if (!request_keys_known(root, keys, sizeof keys / sizeof *keys, "the body", rep)) {
    json_decref(root);
    return;
  }
  serve_run *r = xcalloc(1, sizeof *r);
  refusal why = {.status = 400};
  take_run(s, root, r, &why);
  json_decref(root);
  if (why.text[0]) {
    run_free(r);
    return serve_reply_error(rep, why.status, why.text);
  }
  if (!runs_number(s, r)) {
    run_free(r);
    return serve_reply_error(rep, 500, "cannot make the run's folder");
  }
  /* its record, as stopped, before the worker sees it: a server stopped
   * before the run ends lists it, failed, after a restart */
  relief_error err = {0};
  if (run_record_save(r, &err))
    server_log(s, "run %d: its record was not kept (status %d)", r->id, (int)err.status);
  runs_queue(s, r);
  server_log(s, "run %d queued: %d input(s), flow %s%s", r->id, r->n_inputs, r->flow_name,
             r->statewide ? ", statewide" : "");
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  serve_reply_json(rep, 202, o);
}

static json_t *filings_json(const serve_run *r) {
  json_t *f = json_object();
  json_object_set_new(f, "status", json_string(run_status_names[r->filings]));
  if (r->filings == RUN_DONE) {
    json_object_set_new(f, "motions", json_integer(r->motions));
    json_object_set_new(f, "approved", json_integer(r->approved));
    json_t *agencies = r->filings_agencies ? json_loads(r->filings_agencies, 0, NULL) : NULL;
    if (agencies) json_object_set_new(f, "agencies", agencies);
  }
  if (r->filings_agency) json_object_set_new(f, "agency", json_string(r->filings_agency));
  if (r->filings_error) json_object_set_new(f, "error", json_string(r->filings_error));
  return f;
}

/* What the run was asked (the administrator's page puts it back in its
 * form when the run is reopened): inputs, compute date, options, review. */
static void run_asked_json(json_t *o, const serve_run *r) {
  json_t *inputs = json_array();
  for (int i = 0; i < r->n_inputs; i++) json_array_append_new(inputs, json_string(r->inputs[i]));
  json_object_set_new(o, "inputs", inputs);
  int y, m, d;
  doj_civil_from_days(r->compute_day, &y, &m, &d);
  char day[16];
  snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
  json_object_set_new(o, "computeAt", json_string(day));
  json_t *options = r->options_json ? json_loads(r->options_json, 0, NULL) : NULL;
  if (options) json_object_set_new(o, "options", options);
  json_object_set_new(o, "reviewFiles", json_boolean(r->review_files));
}

static json_t *run_json(serve_server *s, serve_run *r, bool admin) {
  json_t *o = json_object();
  pthread_mutex_lock(&s->lock);
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "status", json_string(run_status_names[r->status]));
  json_object_set_new(o, "progress", json_real(r->progress));
  json_object_set_new(o, "phase", json_string(r->phase));
  json_object_set_new(o, "county", json_string(r->county));
  json_object_set_new(o, "flow", json_string(r->flow_name));
  if (admin) run_asked_json(o, r); /* input paths: not an account's to see */
  if (r->statewide) json_object_set_new(o, "statewide", json_true());
  if (r->status == RUN_DONE) {
    json_t *sum = json_loads(r->summary, 0, NULL);
    if (sum) json_object_set_new(o, "summary", sum);
    json_object_set_new(o, "seconds", json_real(r->seconds));
  }
  if (r->error) json_object_set_new(o, "error", json_string(r->error));
  if (r->filings_asked) json_object_set_new(o, "filings", filings_json(r));
  pthread_mutex_unlock(&s->lock);
  return o;
}

void h_runs_list(serve_server *s, const serve_request *req, serve_reply *rep) {
  int n;
  serve_run **runs = runs_snapshot(s, &n);
  json_t *list = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(list, run_json(s, runs[i], req->admin));
  free(runs);
  serve_reply_json(rep, 200, list);
}

void h_run_get(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = run_of_request(s, req, rep);
  if (r) serve_reply_json(rep, 200, run_json(s, r, req->admin));
}

/* The filer profile of a POST .../filings body, checked (a bad one is a
 * 400 naming its key): its JSON text, NULL for none; false with rep set. */
static bool take_filer(json_t *root, char **filer_json, serve_reply *rep) {
  json_t *filer = json_object_get(root, "filer");
  *filer_json = NULL;
  if (!filer || json_is_null(filer)) return true;
  *filer_json = json_dumps(filer, JSON_COMPACT | JSON_ENCODE_ANY);
  relief_filer check;
  relief_error err = {0};
  if (!*filer_json || relief_filer_parse(*filer_json, "filer", &check, &err)) {
    free(*filer_json);
    *filer_json = NULL;
    char why[1200];
    relief_error_format(&err, why, sizeof why);
    serve_scrub(why, sizeof why);
    serve_reply_error(rep, 400, why);
    return false;
  }
  relief_filer_free(&check);
  return true;
}

/* What a POST .../filings asks: the agency filing (NULL: every agency)
 * and its filer profile's JSON (NULL: the stored one). */
typedef struct {
  char *agency;
  char *filer_json;
} filings_ask;

/* The agency of the body, or the account's own; an account files for no
 * other (403). false with rep set. */
static bool take_agency(const serve_request *req, json_t *root, filings_ask *ask,
                        serve_reply *rep) {
  json_t *a = json_object_get(root, "agency");
  if (a && !json_is_null(a) &&
      (!json_is_string(a) || !json_string_length(a) ||
       strlen(json_string_value(a)) != json_string_length(a))) {
    serve_reply_error(rep, 400, "agency must be an agency's name");
    return false;
  }
  const char *name = a && json_is_string(a) ? json_string_value(a) : NULL;
  if (req->who && name && strcmp(name, req->who->agency)) {
    serve_reply_error(rep, 403, "an account files only for its own agency");
    return false;
  }
  if (req->who && !name) name = req->who->agency;
  ask->agency = name ? xstrdup(name) : NULL;
  return true;
}

/* The agency named must be one the review's items are routed to; a filer
 * without an agency is the single agency's. false with rep set. */
static bool check_agency(const serve_run *r, filings_ask *ask, serve_reply *rep) {
  char **names = NULL;
  int n = 0;
  relief_error err = {0};
  bool ok = !review_agencies(r->dir, &names, &n, &err);
  char why[600];
  if (!ok)
    serve_reply_error(rep, 500, "cannot read the review's agencies");
  else if (ask->agency) {
    bool found = false;
    for (int i = 0; i < n; i++) found |= !strcmp(names[i], ask->agency);
    snprintf(why, sizeof why, "no item of the review is routed to agency '%.200s'", ask->agency);
    if (!found) serve_reply_error(rep, 400, why);
    ok = found;
  } else if (ask->filer_json && n != 1) {
    serve_reply_error(rep, 400,
                      "the review has several agencies: name the one the filer "
                      "signs for as \"agency\"");
    ok = false;
  } else if (ask->filer_json) {
    ask->agency = xstrdup(names[0]);
  }
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
  return ok;
}

/* The filer sent is kept as the agency's profile (as `relief review filer
 * set` keeps it); a named agency must have one. false with rep set. */
static bool keep_filer(const serve_run *r, const filings_ask *ask, serve_reply *rep) {
  relief_error err = {0};
  char why[600];
  if (ask->filer_json && review_filer_set(r->dir, ask->agency, ask->filer_json, &err)) {
    relief_error_format(&err, why, sizeof why);
    serve_scrub(why, sizeof why);
    serve_reply_error(rep, 400, why);
    return false;
  }
  if (!ask->agency || ask->filer_json) return true;
  char *json = NULL;
  if (review_filer_get(r->dir, ask->agency, &json, &err)) {
    serve_reply_error(rep, 500, "cannot read the agency's filer profile");
    return false;
  }
  free(json);
  if (json) return true;
  snprintf(why, sizeof why,
           "agency '%.200s' has no filer profile: send its \"filer\" with the agency", ask->agency);
  serve_reply_error(rep, 409, why);
  return false;
}

/* The body of a POST .../filings, read and checked; false with rep set. */
static bool take_filings_ask(const serve_request *req, const serve_run *r, filings_ask *ask,
                             serve_reply *rep) {
  json_t *root = req->body_len ? json_loadb(req->body, req->body_len, 0, NULL) : json_object();
  if (!json_is_object(root)) {
    json_decref(root);
    serve_reply_error(rep, 400, "the body must be {}, or {\"agency\": NAME, \"filer\": {...}}");
    return false;
  }
  static const char *const keys[] = {"agency", "filer"};
  bool ok = request_keys_known(root, keys, 2, "the body", rep) &&
            take_agency(req, root, ask, rep) && take_filer(root, &ask->filer_json, rep) &&
            check_agency(r, ask, rep);
  json_decref(root);
  return ok;
}

static bool filings_busy(const serve_run *r) {
  return r->filings_asked && (r->filings == RUN_QUEUED || r->filings == RUN_RUNNING);
}

/* POST /api/runs/{id}/filings {agency?, filer?}: motions for the review's
 * approved items, made by the worker as `relief filings` makes them: of
 * the agency named (an account's own), else of every agency, each under
 * its stored filer profile; a filer sent is stored first. */
void h_filings_post(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = county_run_of_request(s, req, rep);
  if (!r) return;
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!review_store_exists(r->dir))
    return serve_reply_error(rep, 409, "no review yet: start the review and approve items first");
  filings_ask ask = {0};
  pthread_mutex_lock(&s->lock);
  bool busy = filings_busy(r);
  pthread_mutex_unlock(&s->lock);
  if (!busy && take_filings_ask(req, r, &ask, rep) && keep_filer(r, &ask, rep)) {
    pthread_mutex_lock(&s->lock);
    busy = filings_busy(r);
    if (!busy) {
      r->filings_asked = true;
      r->filings = RUN_QUEUED;
      free(r->filings_agency);
      r->filings_agency = ask.agency;
      ask.agency = NULL;
      free(r->filings_error);
      r->filings_error = NULL;
      pthread_cond_broadcast(&s->wake);
    }
    pthread_mutex_unlock(&s->lock);
    if (!busy) {
      server_log(s, "run %d filings queued", r->id);
      json_t *o = json_object();
      json_object_set_new(o, "status", json_string("queued"));
      serve_reply_json(rep, 202, o);
    }
  }
  free(ask.agency);
  free(ask.filer_json);
  if (busy) serve_reply_error(rep, 409, "motions are being made for this run already");
}
