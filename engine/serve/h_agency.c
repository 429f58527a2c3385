/*
 * serve/h_agency.c — what each agency of a review keeps for itself: its
 * filer profile (GET/POST .../filer), its sheet (GET .../review/sheet),
 * and the motions, court lists and not_filed.csv it made (GET
 * .../filings/files and .../filings/files/{name}). An office account
 * reaches only its own agency's; the administrator names the agency.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/paths.h"
#include "review/review.h"
#include "serve/handlers.h"
#include "serve/run.h"

/* A finished run with a review store, else NULL with rep set. */
static serve_run *reviewed_run(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = county_run_of_request(s, req, rep);
  if (r && r->status != RUN_DONE) {
    serve_reply_error(rep, 409, "the run has not finished");
    return NULL;
  }
  if (r && !review_store_exists(r->dir)) {
    serve_reply_error(rep, 404, "the run's review has not started");
    return NULL;
  }
  return r;
}

/* The agency asked about, into out: an account's own (another named is
 * 403); the administrator's ?agency= (or a body's agency), which must be
 * one the review's items are routed to (the only one, when none is named).
 * False with rep set. */
static bool agency_of(const serve_run *r, const serve_request *req, const char *named, char *out,
                      size_t cap, serve_reply *rep) {
  if (req->who) {
    if (named && strcmp(named, req->who->agency)) {
      serve_reply_error(rep, 403, "an account reaches only its own agency's");
      return false;
    }
    snprintf(out, cap, "%s", req->who->agency);
    return true;
  }
  char **names = NULL;
  int n = 0;
  relief_error err = {0};
  if (review_agencies(r->dir, &names, &n, &err)) {
    serve_reply_error(rep, 500, "cannot read the review's agencies");
    return false;
  }
  const char *pick = named ? named : n == 1 ? names[0] : NULL; /* one agency: it */
  bool ok = false;
  for (int i = 0; i < n && pick; i++) ok |= !strcmp(names[i], pick);
  ok = ok && pick && strlen(pick) < cap;
  if (ok && pick) snprintf(out, cap, "%s", pick);
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
  if (!ok)
    serve_reply_error(rep, 400,
                      n > 1 && !named ? "the review has several agencies: name one as agency"
                                      : "no item of the review is routed to that agency");
  return ok;
}

/* GET .../filer?agency=: {"agency", "filer": the profile or null}. */
void h_filer_get(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = reviewed_run(s, req, rep);
  char agency[512];
  if (!r || !agency_of(r, req, request_arg(req, "agency"), agency, sizeof agency, rep)) return;
  char *json = NULL;
  relief_error err = {0};
  if (review_filer_get(r->dir, agency, &json, &err))
    return serve_reply_error(rep, 500, "cannot read the agency's filer profile");
  json_t *o = json_object();
  json_object_set_new(o, "agency", json_string(agency));
  json_t *filer = json ? json_loads(json, 0, NULL) : NULL;
  json_object_set_new(o, "filer", filer ? filer : json_null());
  free(json);
  serve_reply_json(rep, 200, o);
}

/* POST .../filer {"agency", "filer": {...}}: keeps the agency's profile
 * (the --filer format, checked as `relief filings` checks it). */
void h_filer_post(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = reviewed_run(s, req, rep);
  if (!r) return;
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  static const char *const keys[] = {"agency", "filer"};
  json_t *a = json_object_get(root, "agency"), *filer = json_object_get(root, "filer");
  if (!json_is_object(root) || !request_keys_known(root, keys, 2, "the body", rep) ||
      (a && !json_is_string(a)) || !json_is_object(filer)) {
    if (rep->status == 200 || !json_is_object(root))
      serve_reply_error(rep, 400, "the body must be {\"agency\": NAME, \"filer\": {...}}");
    json_decref(root);
    return;
  }
  char agency[512];
  bool known = agency_of(r, req, a ? json_string_value(a) : NULL, agency, sizeof agency, rep);
  char *text = known ? json_dumps(filer, JSON_COMPACT) : NULL;
  relief_filer check;
  relief_error err = {0};
  if (text && relief_filer_parse(text, "filer", &check, &err)) {
    char why[1200];
    relief_error_format(&err, why, sizeof why);
    serve_scrub(why, sizeof why);
    serve_reply_error(rep, 400, why);
  } else if (text) {
    relief_filer_free(&check);
    if (review_filer_set(r->dir, agency, text, &err)) {
      serve_reply_error(rep, 500, "cannot keep the agency's filer profile");
    } else {
      json_t *o = json_object();
      json_object_set_new(o, "agency", json_string(agency));
      json_object_set_new(o, "ok", json_true());
      serve_reply_json(rep, 200, o);
    }
  }
  free(text);
  json_decref(root);
}

/* GET .../review/sheet?format=csv|xlsx&agency=: the agency's sheet, as
 * `relief review export` writes it (made in a private folder, then sent). */
void h_review_sheet(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = reviewed_run(s, req, rep);
  char agency[512];
  if (!r || !agency_of(r, req, request_arg(req, "agency"), agency, sizeof agency, rep)) return;
  const char *format = request_arg(req, "format");
  if (!format) format = "csv";
  if (strcmp(format, "csv") && strcmp(format, "xlsx"))
    return serve_reply_error(rep, 400, "format must be csv or xlsx");
  char dir[4200], base[256], name[300], path[4600];
  snprintf(dir, sizeof dir, "%s/.sheet-XXXXXX", s->workspace);
  if (!mkdtemp(dir)) return serve_reply_error(rep, 500, "cannot make the sheet");
  review_sanitize_name(agency, base, sizeof base);
  snprintf(name, sizeof name, "%s.%s", base, format);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int n = 0;
  relief_error err = {0};
  bool ok = !review_export(r->dir, dir, format, agency, &n, &err) && n == 1 &&
            serve_reply_file(rep, path,
                             strcmp(format, "csv") ? "application/vnd.openxmlformats-"
                                                     "officedocument.spreadsheetml.sheet"
                                                   : "text/csv; charset=utf-8",
                             name);
  unlink(path); /* the reply holds the file open */
  rmdir(dir);
  if (!ok) serve_reply_error(rep, 500, "cannot make the sheet");
}

/* The agency's filings folder, Court_Filings/<agency>. */
static void filings_root(const serve_run *r, const char *agency, char *out, size_t cap) {
  char folder[256];
  folder_name(folder, sizeof folder, agency);
  snprintf(out, cap, "%s/Court_Filings/%s", r->dir, folder);
}

/* GET .../filings/files?agency=: {"agency", "files": [{name, size}]}, the
 * names relative to the agency's Court_Filings folder. */
void h_agency_files(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = reviewed_run(s, req, rep);
  char agency[512];
  if (!r || !agency_of(r, req, request_arg(req, "agency"), agency, sizeof agency, rep)) return;
  char root[4600];
  filings_root(r, agency, root, sizeof root);
  json_t *o = json_object();
  json_object_set_new(o, "agency", json_string(agency));
  json_object_set_new(o, "files", serve_file_list(root));
  serve_reply_json(rep, 200, o);
}

/* GET .../filings/files/{name*}?agency=: one file of the agency's folder
 * (no "..", no hidden file, never outside it). */
void h_agency_file(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = reviewed_run(s, req, rep);
  char agency[512];
  if (!r || !agency_of(r, req, request_arg(req, "agency"), agency, sizeof agency, rep)) return;
  char root[4600];
  filings_root(r, agency, root, sizeof root);
  if (!serve_send_file_in(rep, root, request_param(req, "name")))
    serve_reply_error(rep, 404, "no such file of the agency's filings");
}
