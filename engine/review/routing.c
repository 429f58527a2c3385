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
  return relief_error_set(err, RELIEF_E_USAGE, name, 0, -1, fmt, what);
}

static char *dup_text(json_t *v) { return xstrdup(json_string_value(v)); }

relief_status review_routing_parse(const char *text, const char *name, review_routing *rt,
                                   relief_error *err) {
  memset(rt, 0, sizeof *rt);
  json_error_t jerr;
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return relief_error_set(err, RELIEF_E_USAGE, name, jerr.line, -1, "invalid JSON: %s",
                            jerr.text);
  relief_status st = RELIEF_OK;
  if (!json_is_object(root)) {
    st = relief_error_set(err, RELIEF_E_USAGE, name, 0, -1, "routing must be a JSON object");
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
      relief_read_small_file(path, 1 << 20, "routing file", RELIEF_E_USAGE, &text, &len, err);
  if (read) return read;
  relief_status st = review_routing_parse(text, path, rt, err);
  free(text);
  return st;
}

const char *review_route_match(const review_routing *rt, const char *court, bool felony,
                               const char *section) {
  for (int i = 0; i < rt->n_routes; i++) {
    const review_route *r = &rt->routes[i];
    if (r->court && !(court && strstr(court, r->court))) continue;
    if (r->felony >= 0 && r->felony != (int)felony) continue;
    if (r->section && !(section && !strncmp(section, r->section, strlen(r->section)))) continue;
    return r->agency;
  }
  return rt->default_agency;
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
  return relief_csv_formula_leading(s, strlen(s)); /* one rule for relief's CSVs */
}
