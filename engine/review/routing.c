/*
 * routing.c — which agency reviews an item. A routing file is JSON:
 *   {"default": "District Attorney",
 *    "routes": [{"agency": "...", "court": "PASADENA", "felony": false,
 *                "section": "11359"}, ...]}
 * A route matches when every key it has matches: `court` a substring of the
 * court action's STP_ORI_DESCR, `felony` the conviction's felony flag,
 * `section` a prefix of the code section. The first match wins, else the
 * default. Validation is strict: unknown keys, wrong types and a missing
 * agency are usage errors naming the key.
 */
#define RELIEF_REVIEW_INTERNAL
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "output/output.h"
#include "io/read_small.h"
#include "review/review.h"

#define DEFAULT_AGENCY "District Attorney"

static relief_status bad(relief_error *err, const char *name, const char *fmt, const char *key,
                         int index) {
  char what[512];
  if (index >= 0)
    snprintf(what, sizeof what, "routes[%d].%s", index, key);
  else
    snprintf(what, sizeof what, "%s", key);
  return error_set(err, RELIEF_E_USAGE, name, 0, -1, fmt, what);
}

static char *dup_text(json_t *v) { return xstrdup(json_string_value(v)); }

relief_status review_routing_parse(const char *text, const char *name, review_routing *rt,
                                   relief_error *err) {
  memset(rt, 0, sizeof *rt);
  json_error_t jerr;
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return error_set(err, RELIEF_E_USAGE, name, jerr.line, -1, "invalid JSON: %s", jerr.text);
  relief_status st = RELIEF_OK;
  if (!json_is_object(root)) {
    st = error_set(err, RELIEF_E_USAGE, name, 0, -1, "routing must be a JSON object");
    goto done;
  }
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (strcmp(key, "default") && strcmp(key, "routes")) {
      st = bad(err, name, "unknown key '%s' (allowed: default, routes)", key, -1);
      goto done;
    }
  }
  json_t *def = json_object_get(root, "default");
  if (def && (!json_is_string(def) || !json_string_length(def))) {
    st = bad(err, name, "'%s' must be a non-empty string", "default", -1);
    goto done;
  }
  rt->default_agency = xstrdup(def ? json_string_value(def) : DEFAULT_AGENCY);
  json_t *routes = json_object_get(root, "routes");
  if (routes && !json_is_array(routes)) {
    st = bad(err, name, "'%s' must be an array", "routes", -1);
    goto done;
  }
  size_t n = routes ? json_array_size(routes) : 0;
  rt->routes = xcalloc(n ? n : 1, sizeof *rt->routes);
  for (size_t i = 0; i < n; i++) {
    json_t *r = json_array_get(routes, i);
    int idx = (int)i;
    if (!json_is_object(r)) {
      char k[32];
      snprintf(k, sizeof k, "routes[%d]", idx);
      st = bad(err, name, "'%s' must be an object", k, -1);
      goto done;
    }
    review_route *route = &rt->routes[rt->n_routes++];
    route->felony = -1;
    json_object_foreach(r, key, v) {
      if (!strcmp(key, "agency") || !strcmp(key, "court") || !strcmp(key, "section")) {
        if (!json_is_string(v) || !json_string_length(v)) {
          st = bad(err, name, "'%s' must be a non-empty string", key, idx);
          goto done;
        }
        char **slot = key[0] == 'a'   ? &route->agency
                      : key[0] == 'c' ? &route->court
                                      : &route->section;
        *slot = dup_text(v);
      } else if (!strcmp(key, "felony")) {
        if (!json_is_boolean(v)) {
          st = bad(err, name, "'%s' must be true or false", key, idx);
          goto done;
        }
        route->felony = json_is_true(v);
      } else {
        st = bad(err, name, "unknown key '%s' (allowed: agency, court, felony, section)", key, idx);
        goto done;
      }
    }
    if (!route->agency) {
      st = bad(err, name, "missing key '%s'", "agency", idx);
      goto done;
    }
  }
done:
  json_decref(root);
  if (st) review_routing_free(rt);
  return st;
}

relief_status review_routing_load(const char *path, review_routing *rt, relief_error *err) {
  memset(rt, 0, sizeof *rt);
  if (!path) {
    rt->default_agency = xstrdup(DEFAULT_AGENCY);
    rt->routes = xcalloc(1, sizeof *rt->routes);
    return RELIEF_OK;
  }
  char *text;
  size_t len;
  relief_status read =
      read_small_file(path, 1 << 20, "routing file", RELIEF_E_USAGE, &text, &len, err);
  if (read) return read;
  relief_status st = review_routing_parse(text, path, rt, err);
  free(text);
  return st;
}

int review_route_index(const review_routing *rt, const char *court, bool felony,
                       const char *section) {
  for (int i = 0; i < rt->n_routes; i++) {
    const review_route *r = &rt->routes[i];
    if (r->court && !(court && strstr(court, r->court))) continue;
    if (r->felony >= 0 && r->felony != (int)felony) continue;
    if (r->section && !(section && !strncmp(section, r->section, strlen(r->section)))) continue;
    return i;
  }
  return -1;
}

const char *review_route_match(const review_routing *rt, const char *court, bool felony,
                               const char *section) {
  int i = review_route_index(rt, court, felony, section);
  return i >= 0 ? rt->routes[i].agency : rt->default_agency;
}

void review_routing_free(review_routing *rt) {
  for (int i = 0; i < rt->n_routes; i++) {
    free(rt->routes[i].agency);
    free(rt->routes[i].court);
    free(rt->routes[i].section);
  }
  free(rt->routes);
  free(rt->default_agency);
  memset(rt, 0, sizeof *rt);
}

void review_sanitize_name(const char *agency, char *out, size_t cap) {
  size_t n = 0;
  for (const char *p = agency; *p && n + 1 < cap; p++) {
    char c = *p;
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
    out[n++] = keep ? c : '_';
  }
  if (!n && cap > 1) out[n++] = '_';
  out[n] = 0;
}

bool review_cell_needs_guard(const char *s) {
  return csv_formula_leading(s, strlen(s)); /* one rule for relief's CSVs */
}

/* ---- how a routing file fits the store's items ---- */

/* How close a court value is to a route's: the longest run of characters
 * they share, ignoring case; one holding the other whole scores most. */
static int court_likeness(const char *route, const char *value) {
  size_t a = strlen(route), b = strlen(value), best = 0;
  if (strcasestr(value, route) || strcasestr(route, value)) return 1000 + (int)a;
  for (size_t i = 0; i < a; i++)
    for (size_t j = 0; j < b; j++) {
      size_t k = 0;
      while (i + k < a && j + k < b &&
             tolower((unsigned char)route[i + k]) == tolower((unsigned char)value[j + k]))
        k++;
      if (k > best) best = k;
    }
  return (int)best;
}

static void nearest_courts(sqlite3_stmt *courts, const char *route, review_route_result *res) {
  int score[3] = {0, 0, 0};
  sqlite3_reset(courts);
  while (sqlite3_step(courts) == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(courts, 0);
    if (!v || !*v) continue;
    int s = court_likeness(route, v), at = res->n_nearest < 3 ? res->n_nearest : 3;
    while (at > 0 && score[at - 1] < s) at--;
    if (at >= 3 || s < 3) continue;
    for (int k = 2; k > at; k--) {
      score[k] = score[k - 1];
      memcpy(res->nearest[k], res->nearest[k - 1], sizeof res->nearest[k]);
    }
    score[at] = s;
    snprintf(res->nearest[at], sizeof res->nearest[at], "%s", v);
    if (res->n_nearest < 3) res->n_nearest++;
  }
}

relief_status review_routes_count(sqlite3 *db, review_route_report *out, relief_error *err) {
  sqlite3_stmt *q = NULL, *courts = NULL;
  relief_status st = RELIEF_OK;
  if (sqlite3_prepare_v2(db, "SELECT court, felony, section FROM items", -1, &q, NULL) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT DISTINCT court FROM items ORDER BY court", -1, &courts,
                         NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else {
    while (sqlite3_step(q) == SQLITE_ROW) {
      int i = review_route_index(&out->rt, (const char *)sqlite3_column_text(q, 0),
                                 sqlite3_column_int(q, 1) != 0,
                                 (const char *)sqlite3_column_text(q, 2));
      if (i >= 0)
        out->routes[i].matched++;
      else
        out->default_items++;
    }
    for (int i = 0; i < out->rt.n_routes; i++)
      if (!out->routes[i].matched && out->rt.routes[i].court)
        nearest_courts(courts, out->rt.routes[i].court, &out->routes[i]);
  }
  sqlite3_finalize(q);
  sqlite3_finalize(courts);
  return st;
}

relief_status review_routes_report(const char *outputs_dir, const char *routing_path,
                                   review_route_report *out, relief_error *err) {
  memset(out, 0, sizeof *out);
  relief_status st = review_routing_load(routing_path, &out->rt, err);
  if (st) return st;
  out->routes = xcalloc((size_t)out->rt.n_routes + 1, sizeof *out->routes);
  sqlite3 *db;
  if ((st = review_store_open(outputs_dir, &db, err))) {
    review_route_report_free(out);
    return st;
  }
  st = review_routes_count(db, out, err);
  sqlite3_close(db);
  if (st) review_route_report_free(out);
  return st;
}

void review_route_report_free(review_route_report *r) {
  review_routing_free(&r->rt);
  free(r->routes);
  memset(r, 0, sizeof *r);
}
