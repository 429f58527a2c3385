/*
 * test_routes.c — serve/routes.c: the matcher (method and pattern, {x} and
 * {x*} parameters, 404 and 405), the role check, and the route table of
 * docs/api.md itself: each endpoint reaches its handler with its role.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "serve/routes.h"

static void h_a(serve_server *s, const serve_request *q, serve_reply *r) {
  (void)s, (void)q, (void)r;
}
static void h_b(serve_server *s, const serve_request *q, serve_reply *r) {
  (void)s, (void)q, (void)r;
}
static void h_c(serve_server *s, const serve_request *q, serve_reply *r) {
  (void)s, (void)q, (void)r;
}
static void h_d(serve_server *s, const serve_request *q, serve_reply *r) {
  (void)s, (void)q, (void)r;
}

static const serve_route toy[] = {
    {"GET", "/things", ROUTE_ACCOUNT, h_a},
    {"POST", "/things", ROUTE_ADMIN, h_b},
    {"GET", "/things/{id}", ROUTE_ACCOUNT, h_c},
    {"GET", "/things/{id}/files/{name*}", ROUTE_ADMIN, h_d},
};
static const size_t n_toy = sizeof toy / sizeof *toy;

static const char *param(const route_match *m, const char *name) {
  for (int i = 0; i < m->n_params; i++)
    if (!strcmp(m->names[i], name)) return m->values[i];
  return NULL;
}

Test(routes, method_and_pattern) {
  route_match m;
  route_find(toy, n_toy, "GET", "/things", &m);
  cr_assert_eq(m.status, 200);
  cr_assert_not_null(m.route);
  cr_assert_eq(m.route->handler, h_a);
  cr_assert_eq(m.n_params, 0);
  route_find(toy, n_toy, "POST", "/things", &m);
  cr_assert_eq(m.route->handler, h_b);
  route_find(toy, n_toy, "HEAD", "/things", &m); /* HEAD is answered as GET */
  cr_assert_not_null(m.route);
  cr_assert_eq(m.route->handler, h_a);
}

Test(routes, path_parameters) {
  route_match m;
  route_find(toy, n_toy, "GET", "/things/42", &m);
  cr_assert_not_null(m.route);
  cr_assert_eq(m.route->handler, h_c);
  cr_assert_eq(m.n_params, 1);
  cr_assert_str_eq(param(&m, "id"), "42");
  route_find(toy, n_toy, "GET", "/things/7/files/Court_Filings/LA/a.pdf", &m);
  cr_assert_eq(m.route->handler, h_d);
  cr_assert_str_eq(param(&m, "id"), "7");
  cr_assert_str_eq(param(&m, "name"), "Court_Filings/LA/a.pdf");
  serve_request req = {0};
  route_params_to_request(&m, &req);
  cr_assert_str_eq(request_param(&req, "name"), "Court_Filings/LA/a.pdf");
  cr_assert_null(request_param(&req, "item"));
}

Test(routes, not_found_and_method_not_allowed) {
  route_match m;
  const char *missing[] = {"/",
                           "/thing",
                           "/things/",
                           "/things/7/",
                           "/things//files/a",
                           "/things/7/files/",
                           "/things/7/other",
                           "/thingsx",
                           ""};
  for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
    route_find(toy, n_toy, "GET", missing[i], &m);
    cr_assert_eq(m.status, 404, "%s", missing[i]);
    cr_assert_null(m.route, "%s", missing[i]);
  }
  route_find(toy, n_toy, "DELETE", "/things", &m);
  cr_assert_eq(m.status, 405);
  cr_assert_null(m.route);
  route_find(toy, n_toy, "POST", "/things/9", &m);
  cr_assert_eq(m.status, 405);
  cr_assert_eq(m.n_params, 0);
}

Test(routes, a_path_too_long_for_its_parameters_is_not_found) {
  static char path[9000];
  strcpy(path, "/things/1/files/");
  memset(path + strlen(path), 'a', 8000);
  route_match m;
  route_find(toy, n_toy, "GET", path, &m);
  cr_assert_eq(m.status, 404);
}

Test(routes, required_role) {
  const serve_route *pub = &serve_routes[0], *account = &toy[0], *admin = &toy[1];
  cr_assert_eq(pub->role, ROUTE_PUBLIC);
  /* the token opens everything, a path without a route included */
  cr_assert_eq(route_authorize(admin, true, false, true), 0);
  cr_assert_eq(route_authorize(NULL, true, false, false), 0);
  /* no token and no account: only a public route, and only in office mode */
  cr_assert_eq(route_authorize(account, false, false, true), 401);
  cr_assert_eq(route_authorize(NULL, false, false, true), 401);
  cr_assert_eq(route_authorize(pub, false, false, true), 0);
  cr_assert_eq(route_authorize(pub, false, false, false), 401);
  /* an account: its routes, never the administrator's */
  cr_assert_eq(route_authorize(account, false, true, true), 0);
  cr_assert_eq(route_authorize(pub, false, true, true), 0);
  cr_assert_eq(route_authorize(admin, false, true, true), 403);
}

Test(routes, the_public_defender_reads_and_changes_nothing) {
  const serve_route *pub = &serve_routes[0], *account = &toy[0], *admin = &toy[1];
  static const serve_route signed_in = {"GET", "/me", ROUTE_SIGNED_IN, h_a},
                           defender = {"POST", "/status", ROUTE_DEFENDER, h_b};
  /* the public defender: the page, its own sign-in and its search, nothing else */
  cr_assert_eq(route_authorize_as(pub, false, CALLER_DEFENDER, true), 0);
  cr_assert_eq(route_authorize_as(&signed_in, false, CALLER_DEFENDER, true), 0);
  cr_assert_eq(route_authorize_as(&defender, false, CALLER_DEFENDER, true), 0);
  cr_assert_eq(route_authorize_as(account, false, CALLER_DEFENDER, true), 403);
  cr_assert_eq(route_authorize_as(admin, false, CALLER_DEFENDER, true), 403);
  /* an agency's account: not the defender's search; the token: everything */
  cr_assert_eq(route_authorize_as(&defender, false, CALLER_AGENCY, true), 403);
  cr_assert_eq(route_authorize_as(&signed_in, false, CALLER_AGENCY, true), 0);
  cr_assert_eq(route_authorize_as(&defender, true, CALLER_NONE, false), 0);
  cr_assert_eq(route_authorize_as(&defender, false, CALLER_NONE, true), 401);
  cr_assert_eq(route_authorize_as(&signed_in, false, CALLER_NONE, true), 401);
  /* every route of the table that changes something (any POST but the
   * sign-in, sign-out and search) or reads a run is closed to it */
  for (size_t r = 0; r < serve_n_routes; r++) {
    const serve_route *rt = &serve_routes[r];
    bool its_own =
        rt->role == ROUTE_PUBLIC || rt->role == ROUTE_SIGNED_IN || rt->role == ROUTE_DEFENDER;
    cr_assert_eq(route_authorize_as(rt, false, CALLER_DEFENDER, true), its_own ? 0 : 403, "%s %s",
                 rt->method, rt->pattern);
    if (!strcmp(rt->method, "POST"))
      cr_assert(!its_own || !strcmp(rt->pattern, "/api/login") ||
                    !strcmp(rt->pattern, "/api/logout") || !strcmp(rt->pattern, "/api/status"),
                "%s %s is open to the public defender", rt->method, rt->pattern);
  }
}

/* docs/api.md, endpoint by endpoint: who answers, and who may ask. */
static const struct {
  const char *method, *path;
  serve_handler *handler;
  route_role role;
  const char *id, *extra_name, *extra_value;
} api[] = {
    {"GET", "/", h_page, ROUTE_PUBLIC, NULL, NULL, NULL},
    {"GET", "/index.html", h_page, ROUTE_PUBLIC, NULL, NULL, NULL},
    {"POST", "/api/login", h_login, ROUTE_PUBLIC, NULL, NULL, NULL},
    {"POST", "/api/logout", h_logout, ROUTE_SIGNED_IN, NULL, NULL, NULL},
    {"GET", "/api/me", h_me, ROUTE_SIGNED_IN, NULL, NULL, NULL},
    {"GET", "/api/config", h_config, ROUTE_SIGNED_IN, NULL, NULL, NULL},
    {"POST", "/api/status", h_person_status, ROUTE_DEFENDER, NULL, NULL, NULL},
    {"GET", "/api/inputs", h_inputs, ROUTE_ADMIN, NULL, NULL, NULL},
    {"GET", "/api/runs", h_runs_list, ROUTE_ACCOUNT, NULL, NULL, NULL},
    {"POST", "/api/runs", h_runs_post, ROUTE_ADMIN, NULL, NULL, NULL},
    {"GET", "/api/runs/12", h_run_get, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"GET", "/api/runs/12/files", h_files_list, ROUTE_ADMIN, "12", NULL, NULL},
    {"GET", "/api/runs/12/files/summary.json", h_file_get, ROUTE_ADMIN, "12", "name",
     "summary.json"},
    {"GET", "/api/runs/3/files/Court_Filings/SACRAMENTO/x.pdf", h_file_get, ROUTE_ADMIN, "3",
     "name", "Court_Filings/SACRAMENTO/x.pdf"},
    {"GET", "/api/runs/12/bundle.zip", h_bundle_zip, ROUTE_ADMIN, "12", NULL, NULL},
    {"GET", "/api/runs/12/people", h_people_search, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"GET", "/api/runs/12/explain", h_explain, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"POST", "/api/runs/12/whatif", h_whatif_post, ROUTE_ADMIN, "12", NULL, NULL},
    {"POST", "/api/runs/12/filings", h_filings_post, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"POST", "/api/runs/12/review", h_review_start, ROUTE_ADMIN, "12", NULL, NULL},
    {"GET", "/api/runs/12/review", h_review_list, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"POST", "/api/runs/12/review/R000031", h_review_decide, ROUTE_ACCOUNT, "12", "item",
     "R000031"},
    {"POST", "/api/runs/12/review/routes", h_review_routes, ROUTE_ADMIN, "12", NULL, NULL},
    {"POST", "/api/runs/12/review/bulk", h_review_bulk, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"GET", "/api/runs/12/review/sheet", h_review_sheet, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"GET", "/api/runs/12/review/I000004", h_review_item, ROUTE_ACCOUNT, "12", "item", "I000004"},
    {"GET", "/api/runs/12/filer", h_filer_get, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"POST", "/api/runs/12/filer", h_filer_post, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"GET", "/api/runs/12/filings/files", h_agency_files, ROUTE_ACCOUNT, "12", NULL, NULL},
    {"GET", "/api/runs/12/filings/files/SACRAMENTO/court_list.csv", h_agency_file, ROUTE_ACCOUNT,
     "12", "name", "SACRAMENTO/court_list.csv"},
};

Test(routes, the_table_answers_docs_api_md) {
  for (size_t i = 0; i < sizeof api / sizeof *api; i++) {
    route_match m;
    route_find(serve_routes, serve_n_routes, api[i].method, api[i].path, &m);
    cr_assert_eq(m.status, 200, "%s %s", api[i].method, api[i].path);
    cr_assert_not_null(m.route);
    cr_assert_eq(m.route->handler, api[i].handler, "%s %s", api[i].method, api[i].path);
    cr_assert_eq(m.route->role, api[i].role, "%s %s: role", api[i].method, api[i].path);
    if (api[i].id) cr_assert_str_eq(param(&m, "id"), api[i].id, "%s", api[i].path);
    if (api[i].extra_name)
      cr_assert_str_eq(param(&m, api[i].extra_name), api[i].extra_value, "%s", api[i].path);
  }
}

Test(routes, the_table_has_nothing_else) {
  /* each route is one of docs/api.md's, and none is listed twice */
  for (size_t r = 0; r < serve_n_routes; r++) {
    int found = 0;
    for (size_t i = 0; i < sizeof api / sizeof *api; i++) {
      route_match m;
      route_find(serve_routes, serve_n_routes, api[i].method, api[i].path, &m);
      found += m.route == &serve_routes[r];
    }
    cr_assert_geq(found, 1, "%s %s is not in docs/api.md", serve_routes[r].method,
                  serve_routes[r].pattern);
    for (size_t o = 0; o < r; o++)
      cr_assert(strcmp(serve_routes[o].method, serve_routes[r].method) ||
                    strcmp(serve_routes[o].pattern, serve_routes[r].pattern),
                "%s %s is listed twice", serve_routes[r].method, serve_routes[r].pattern);
  }
}

Test(routes, the_table_refuses_what_docs_api_md_does_not_list) {
  static const char *const refused[][3] = {
      {"PUT", "/", "405"},
      {"DELETE", "/api/runs", "405"},
      {"GET", "/api/whatif", "404"},
      {"POST", "/api/runs/12", "405"},
      {"GET", "/api/runs/12/", "404"},
      {"GET", "/api/runs/12/files/", "404"},
      {"POST", "/api/runs/12/review/a/b", "404"},
      {"GET", "/api/runs/12/nothing", "404"},
  };
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    route_match m;
    route_find(serve_routes, serve_n_routes, refused[i][0], refused[i][1], &m);
    cr_assert_null(m.route, "%s %s", refused[i][0], refused[i][1]);
    cr_assert_eq(m.status, atoi(refused[i][2]), "%s %s", refused[i][0], refused[i][1]);
  }
}
