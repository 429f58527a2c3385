/*
 * serve/routes.h — the API's route table: each route a method, a path
 * pattern with {name} parameters, the role it needs and its handler; and
 * the two questions http.c asks of it: which route, and may this caller.
 */
#ifndef RELIEF_SERVE_ROUTES_H
#define RELIEF_SERVE_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "serve/handlers.h"
#include "serve/request.h"

/* Who may use a route. Without --office every route takes the token. */
typedef enum {
  ROUTE_PUBLIC,    /* office mode: anyone, signed in or not (the page, the login) */
  ROUTE_ACCOUNT,   /* the token, or an agency's office account signed in */
  ROUTE_ADMIN,     /* the token only: the office administrator */
  ROUTE_SIGNED_IN, /* the token, or any account signed in, the public defender's too */
  ROUTE_DEFENDER   /* the token, or the public defender's account: read-only search */
} route_role;

/* Who asks, signed in: nobody, an agency's account, the public defender's. */
typedef enum { CALLER_NONE, CALLER_AGENCY, CALLER_DEFENDER } route_caller;

typedef struct {
  const char *method;  /* "GET" answers HEAD too */
  const char *pattern; /* {x}: one path segment, not empty; {x*}: the rest of the path */
  route_role role;
  serve_handler *handler;
} serve_route;

/* The routes of docs/api.md (PUT /api/uploads/{name} aside: http.c streams
 * an upload to disk as it arrives, before any route is looked up). */
extern const serve_route serve_routes[];
extern const size_t serve_n_routes;

typedef struct {
  const serve_route *route; /* NULL: none; status is then 404 or 405 */
  int status;
  int n_params;
  const char *names[REQUEST_MAX_PARAMS], *values[REQUEST_MAX_PARAMS];
  char text[4608]; /* the names and values, each NUL-terminated */
} route_match;

/* The route of table (n routes, first match wins) for method and path
 * (without the query): status 200 with route and parameters set; 405 when
 * a pattern matches the path but no route takes the method; else 404. */
void route_find(const serve_route *table, size_t n, const char *method, const char *path,
                route_match *m);

/* Whether a caller may use route (NULL: a path no route answers): 0 yes;
 * 401 for no token and no account, unless the route is public and office
 * true; 403 for an account on a route of the administrator. */
int route_authorize(const serve_route *route, bool token, bool account, bool office);

/* The same for a caller of either role: 403 too for the public defender on
 * any route but the public, signed-in and defender ones (everything that
 * changes or files something), and for an agency on the defender's. */
int route_authorize_as(const serve_route *route, bool token, route_caller caller, bool office);

/* Copies m's parameters into req. */
void route_params_to_request(const route_match *m, serve_request *req);

#endif
