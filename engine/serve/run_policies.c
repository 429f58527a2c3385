/*
 * serve/run_policies.c — a statewide run's "countyPolicies": each county
 * (matched as the CLI matches --county-policies keys) to an options object,
 * "los-angeles", or an options or flow file under a --data folder, with the
 * meaning a --county-policies file gives them.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "io/read_small.h"
#include "rules/counties.h"
#include "serve/inputs.h"
#include "serve/run.h"

/* A file's policy: a flow file when it has "rows", else options. */
static bool policy_file(const serve_server *s, const char *path, serve_policy *pol, char *why,
                        size_t cap, int *status) {
  char *real = inputs_resolve(s, path), *text = NULL;
  size_t len = 0;
  relief_error err = {0};
  relief_flow_overrides ov = {-1, -1, -1, -1};
  if (!real) {
    *status = 403;
    snprintf(why, cap,
             "countyPolicies: %s: not \"los-angeles\", an options object or a file "
             "under --data",
             pol->county);
    return false;
  }
  bool ok = !read_small_file(real, 1 << 20, "county policy", RELIEF_E_USAGE, &text, &len, &err);
  json_t *doc = ok ? json_loadb(text, len, 0, NULL) : NULL;
  pol->has_flow = json_is_object(doc) && json_object_get(doc, "rows");
  json_decref(doc);
  if (ok && pol->has_flow)
    ok = !flow_load(real, &ov, &pol->flow, &err);
  else if (ok)
    ok = !options_parse(text, len, "county policy", true, &pol->options, &err);
  free(text);
  free(real);
  if (!ok) {
    char detail[800];
    relief_error_format(&err, detail, sizeof detail);
    snprintf(why, cap, "countyPolicies: %s: %s", pol->county, detail);
    serve_scrub(why, cap);
  }
  return ok;
}

/* One key and value of the object into pol. */
static bool take_policy(const serve_server *s, const serve_run *r, const char *key, json_t *v,
                        serve_policy *pol, char *why, size_t cap, int *status) {
  pol->county = county_canonical(key);
  if (!pol->county) {
    int d;
    snprintf(why, cap,
             "countyPolicies: a key is not one of California's 58 counties; did you mean %s?",
             county_nearest(key, &d));
    return false;
  }
  for (int i = 0; i < r->n_policies; i++)
    if (!strcmp(r->policies[i].county, pol->county)) {
      snprintf(why, cap, "countyPolicies: %s has a policy already", pol->county);
      return false;
    }
  if (json_is_object(v)) return run_parse_options(v, &pol->options, why, cap);
  if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
    snprintf(why, cap,
             "countyPolicies: %s: the value must be an options object, "
             "\"los-angeles\" or a file",
             pol->county);
    return false;
  }
  if (strcmp(json_string_value(v), "los-angeles"))
    return policy_file(s, json_string_value(v), pol, why, cap, status);
  relief_flow_overrides ov = {-1, -1, -1, -1};
  relief_error err = {0};
  pol->has_flow = true;
  if (flow_los_angeles(&ov, &pol->flow, &err)) {
    relief_error_format(&err, why, cap);
    serve_scrub(why, cap);
    return false;
  }
  return true;
}

bool run_take_policies(const serve_server *s, json_t *o, serve_run *r, char *why, size_t cap,
                       int *status) {
  *status = 400;
  if (!o || json_is_null(o)) return true;
  if (!json_is_object(o)) {
    snprintf(why, cap, "countyPolicies must map county names to policies");
    return false;
  }
  r->policies = xcalloc(json_object_size(o) + 1, sizeof *r->policies);
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    serve_policy *pol = &r->policies[r->n_policies];
    *pol = (serve_policy){0};
    if (!take_policy(s, r, key, v, pol, why, cap, status)) return false;
    r->n_policies++;
  }
  r->policies_json = json_dumps(o, JSON_COMPACT);
  return true;
}

relief_county_policy *run_policies(const serve_run *r) {
  relief_county_policy *p = xcalloc((size_t)r->n_policies + 1, sizeof *p);
  for (int i = 0; i < r->n_policies; i++)
    p[i] = (relief_county_policy){r->policies[i].county, &r->policies[i].options,
                                  r->policies[i].has_flow ? &r->policies[i].flow : NULL};
  return p;
}
