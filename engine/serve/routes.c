/*
 * serve/routes.c — the route table of docs/api.md, and its matcher: a
 * pattern's literal text must equal the path's, a {x} takes one non-empty
 * segment and a {x*} the rest, so /api/runs/7/files/a/b.csv gives id 7 and
 * name a/b.csv. Roles are checked by http.c through route_authorize.
 */
#include <string.h>

#include "serve/routes.h"

const serve_route serve_routes[] = {
    {"GET", "/", ROUTE_PUBLIC, h_page},
    {"GET", "/index.html", ROUTE_PUBLIC, h_page},
    {"POST", "/api/login", ROUTE_PUBLIC, h_login},
    {"POST", "/api/logout", ROUTE_SIGNED_IN, h_logout},
    {"GET", "/api/me", ROUTE_SIGNED_IN, h_me},
    {"GET", "/api/config", ROUTE_SIGNED_IN, h_config},
    {"POST", "/api/status", ROUTE_DEFENDER, h_person_status},
    {"GET", "/api/inputs", ROUTE_ADMIN, h_inputs},
    {"GET", "/api/runs", ROUTE_ACCOUNT, h_runs_list},
    {"POST", "/api/runs", ROUTE_ADMIN, h_runs_post},
    {"GET", "/api/runs/{id}", ROUTE_ACCOUNT, h_run_get},
    {"GET", "/api/runs/{id}/files", ROUTE_ADMIN, h_files_list},
    {"GET", "/api/runs/{id}/files/{name*}", ROUTE_ADMIN, h_file_get},
    {"GET", "/api/runs/{id}/bundle.zip", ROUTE_ADMIN, h_bundle_zip},
    {"GET", "/api/runs/{id}/people", ROUTE_ACCOUNT, h_people_search},
    {"GET", "/api/runs/{id}/explain", ROUTE_ACCOUNT, h_explain},
    {"POST", "/api/runs/{id}/whatif", ROUTE_ADMIN, h_whatif_post},
    {"POST", "/api/runs/{id}/filings", ROUTE_ACCOUNT, h_filings_post},
    {"POST", "/api/runs/{id}/review", ROUTE_ADMIN, h_review_start},
    {"GET", "/api/runs/{id}/review", ROUTE_ACCOUNT, h_review_list},
    {"POST", "/api/runs/{id}/review/routes", ROUTE_ADMIN, h_review_routes},
    {"POST", "/api/runs/{id}/review/bulk", ROUTE_ACCOUNT, h_review_bulk},
    {"GET", "/api/runs/{id}/review/sheet", ROUTE_ACCOUNT, h_review_sheet},
    {"GET", "/api/runs/{id}/review/{item}", ROUTE_ACCOUNT, h_review_item},
    {"POST", "/api/runs/{id}/review/{item}", ROUTE_ACCOUNT, h_review_decide},
    {"GET", "/api/runs/{id}/filer", ROUTE_ACCOUNT, h_filer_get},
    {"POST", "/api/runs/{id}/filer", ROUTE_ACCOUNT, h_filer_post},
    {"GET", "/api/runs/{id}/filings/files", ROUTE_ACCOUNT, h_agency_files},
    {"GET", "/api/runs/{id}/filings/files/{name*}", ROUTE_ACCOUNT, h_agency_file},
};
const size_t serve_n_routes = sizeof serve_routes / sizeof *serve_routes;

/* Appends n bytes of s and a NUL to m->text at *used; NULL when full. */
static const char *keep(route_match *m, size_t *used, const char *s, size_t n) {
  if (*used + n + 1 > sizeof m->text) return NULL;
  char *at = m->text + *used;
  memcpy(at, s, n);
  at[n] = '\0';
  *used += n + 1;
  return at;
}

/* Whether path matches pattern; its parameters go into m. */
static bool matches(const char *pattern, const char *path, route_match *m) {
  const char *p = pattern, *u = path;
  size_t used = 0;
  m->n_params = 0;
  while (*p) {
    if (*p != '{') {
      if (*p++ != *u++) return false;
      continue;
    }
    const char *close = strchr(p, '}');
    if (!close || close == p + 1) return false; /* not a pattern of this table's form */
    bool rest = close[-1] == '*';
    size_t name_len = (size_t)(close - p - 1) - rest;
    size_t value_len = rest ? strlen(u) : strcspn(u, "/");
    if (!value_len || m->n_params == REQUEST_MAX_PARAMS) return false;
    const char *name = keep(m, &used, p + 1, name_len), *value = keep(m, &used, u, value_len);
    if (!name || !value) return false;
    m->names[m->n_params] = name;
    m->values[m->n_params++] = value;
    p = close + 1;
    u += value_len;
  }
  return !*u;
}

static bool method_ok(const serve_route *r, const char *method) {
  return !strcmp(r->method, method) || (!strcmp(r->method, "GET") && !strcmp(method, "HEAD"));
}

void route_find(const serve_route *table, size_t n, const char *method, const char *path,
                route_match *m) {
  m->route = NULL;
  m->status = 404;
  for (size_t i = 0; i < n; i++) {
    if (!matches(table[i].pattern, path, m)) continue;
    if (method_ok(&table[i], method)) {
      m->route = &table[i];
      m->status = 200;
      return;
    }
    m->status = 405;
  }
  m->n_params = 0;
}

int route_authorize(const serve_route *route, bool token, bool account, bool office) {
  return route_authorize_as(route, token, account ? CALLER_AGENCY : CALLER_NONE, office);
}

int route_authorize_as(const serve_route *route, bool token, route_caller caller, bool office) {
  if (token) return 0;
  bool open = office && route && route->role == ROUTE_PUBLIC;
  if (caller == CALLER_NONE && !open) return 401;
  if (!route) return 0; /* 404 or 405 */
  switch (route->role) {
  case ROUTE_PUBLIC:
  case ROUTE_SIGNED_IN:
    return 0;
  case ROUTE_ACCOUNT:
    return caller == CALLER_AGENCY ? 0 : 403;
  case ROUTE_DEFENDER:
    return caller == CALLER_DEFENDER ? 0 : 403;
  case ROUTE_ADMIN:
    return 403;
  }
  return 403; /* a role this switch does not know: nobody but the token */
}

void route_params_to_request(const route_match *m, serve_request *req) {
  req->n_params = m->n_params;
  for (int i = 0; i < m->n_params; i++) {
    req->param_names[i] = m->names[i];
    req->param_values[i] = m->values[i];
  }
}
