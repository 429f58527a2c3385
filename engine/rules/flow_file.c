/*
 * flow_file.c — flows as files: a JSON list of rows, each a set of feature
 * conditions → determination + reason (reasons may name parameters such as
 * {age}). Validated at load with errors that name the row and field; the
 * built-in Los Angeles flow is such a file, compiled in.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "io/read_small.h"
#include "rules/rules.h"

static const struct {
  const char *name;
  size_t offset;
} parameters[] = {
    {"age", offsetof(relief_flow, age_threshold)},
    {"yearsConvictionFree", offsetof(relief_flow, years_conviction_free)},
    {"yearsSinceConviction", offsetof(relief_flow, years_since_conviction)},
    {"yearsCrimeFree", offsetof(relief_flow, years_crime_free)},
    {"beforeYear", offsetof(relief_flow, before_year)},
};
#define N_PARAMETERS (sizeof parameters / sizeof *parameters)

/* Which parameter each parameterised feature reads. */
static const struct {
  uint64_t feature;
  const char *parameter;
} needs[] = {
    {RELIEF_F_AGE_THRESHOLD, "age"},
    {RELIEF_F_NO_CONVICTIONS_N_YEARS, "yearsConvictionFree"},
    {RELIEF_F_CONVICTION_N_YEARS_AGO, "yearsSinceConviction"},
    {RELIEF_F_CRIME_FREE_N_YEARS, "yearsCrimeFree"},
    {RELIEF_F_DISPOSITION_BEFORE_YEAR, "beforeYear"},
};

static const struct {
  const char *name, *alias;
  relief_determination det;
} determinations[] = {
    {"Eligible for Dismissal", "dismiss", RELIEF_DET_DISMISS},
    {"Eligible for Reduction", "reduce", RELIEF_DET_REDUCE},
    {"Not eligible", "not-eligible", RELIEF_DET_NOT_ELIGIBLE},
    {"Hand Review", "hand-review", RELIEF_DET_HAND_REVIEW},
    {"To be reviewed by City Attorneys", "city-attorneys", RELIEF_DET_CITY_ATTORNEYS},
    {"", "none", RELIEF_DET_NONE},
};

static int *param_slot(relief_flow *flow, const char *name) {
  for (size_t i = 0; i < N_PARAMETERS; i++)
    if (!strcmp(parameters[i].name, name)) return (int *)((char *)flow + parameters[i].offset);
  return NULL;
}

static relief_status fail(relief_error *err, const char *source, const char *fmt, const char *a,
                          const char *b) {
  return error_set(err, RELIEF_E_USAGE, source, 0, -1, fmt, a, b);
}

/* Sets a mask/value pair from a list of names (all true) or an object of
 * name → bool. */
static relief_status read_conditions(json_t *when, const char *where, const char *source,
                                     uint64_t *mask, uint64_t *value, relief_error *err) {
  *mask = *value = 0;
  if (json_is_array(when)) {
    size_t i;
    json_t *v;
    json_array_foreach(when, i, v) {
      int bit = json_is_string(v) ? feature_index(json_string_value(v)) : -1;
      if (bit < 0)
        return fail(err, source, "%s: unknown feature %s", where,
                    json_is_string(v) ? json_string_value(v) : "(not a string)");
      *mask |= 1ull << bit;
      *value |= 1ull << bit;
    }
    return RELIEF_OK;
  }
  if (!json_is_object(when))
    return fail(err, source, "%s: %s must be an object of feature: true/false", where, "\"when\"");
  const char *name;
  json_t *v;
  json_object_foreach(when, name, v) {
    int bit = feature_index(name);
    if (bit < 0)
      return fail(err, source, "%s: unknown feature \"%.60s\" (see docs/flows.md)", where, name);
    if (!json_is_boolean(v))
      return fail(err, source, "%s: feature %s must be true or false", where, name);
    *mask |= 1ull << bit;
    if (json_is_true(v)) *value |= 1ull << bit;
  }
  return RELIEF_OK;
}

/* Expands {parameter} in template into out. */
static relief_status expand_reason(const char *template, const relief_flow *flow, char *out,
                                   size_t cap, const char *where, const char *source,
                                   relief_error *err) {
  size_t o = 0;
  for (const char *p = template; *p; p++) {
    if (*p != '{') {
      if (o + 1 < cap) out[o++] = *p;
      continue;
    }
    const char *close = strchr(p, '}');
    char name[64];
    if (!close || (size_t)(close - p - 1) >= sizeof name)
      return fail(err, source, "%s: reason has an unclosed {%s", where, "");
    memcpy(name, p + 1, (size_t)(close - p - 1));
    name[close - p - 1] = 0;
    int *slot = param_slot((relief_flow *)flow, name);
    if (!slot) return fail(err, source, "%s: reason names unknown parameter {%s}", where, name);
    o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%d", *slot);
    if (o >= cap) o = cap - 1;
    p = close;
  }
  out[o < cap ? o : cap - 1] = 0;
  return RELIEF_OK;
}

/* The flow's "parameters" object (may be absent), then the command line's
 * values, which replace the file's. */
static relief_status read_parameters(json_t *params, const relief_flow_overrides *ov,
                                     relief_flow *flow, const char *source, relief_error *err) {
  if (params) {
    const char *key;
    json_t *v;
    if (!json_is_object(params))
      return fail(err, source, "flow: %s must be an object%s", "\"parameters\"", "");
    json_object_foreach(params, key, v) {
      int *slot = param_slot(flow, key);
      if (!slot)
        return fail(err, source,
                    "flow: unknown parameter \"%.60s\" (known: age, yearsConvictionFree, "
                    "yearsSinceConviction, yearsCrimeFree, beforeYear)%s",
                    key, "");
      json_int_t hi = !strcmp(key, "beforeYear") ? 9999 : 150;
      if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > hi)
        return fail(err, source, "flow: parameter %s must be a positive whole number in range%s",
                    key, "");
      *slot = (int)json_integer_value(v);
    }
  }
  if (ov) {
    const int given[] = {ov->age, ov->years_conviction_free, ov->years_since_conviction,
                         ov->years_crime_free, 0};
    for (size_t i = 0; i < N_PARAMETERS; i++)
      if (given[i] > 0) *(int *)((char *)flow + parameters[i].offset) = given[i];
  }
  return RELIEF_OK;
}

/* Row i of "rows" into r: its id, condition, determination and reason. */
static relief_status read_row(json_t *row, size_t i, relief_flow *flow, relief_flow_row *r,
                              const char *source, relief_error *err) {
  char where[96];
  json_t *id = json_object_get(row, "id"), *when = json_object_get(row, "when"),
         *decide = json_object_get(row, "decide"), *reason = json_object_get(row, "reason");
  snprintf(where, sizeof where, "flow row %zu%s%.40s", i + 1, json_is_string(id) ? " " : "",
           json_is_string(id) ? json_string_value(id) : "");
  if (!json_is_object(row)) return fail(err, source, "%s: must be an object%s", where, "");
  if (!json_is_string(id) || !*json_string_value(id))
    return fail(err, source, "%s: field %s must be a non-empty string", where, "\"id\"");
  snprintf(r->id, sizeof r->id, "%s", json_string_value(id));
  if (!when) return fail(err, source, "%s: field %s is missing", where, "\"when\"");
  relief_status st = read_conditions(when, where, source, &r->mask, &r->value, err);
  if (st) return st;
  if (!json_is_string(decide))
    return fail(err, source, "%s: field %s must be a determination", where, "\"decide\"");
  int found = -1;
  for (size_t d = 0; d < sizeof determinations / sizeof *determinations; d++)
    if (!strcmp(json_string_value(decide), determinations[d].name) ||
        !strcmp(json_string_value(decide), determinations[d].alias))
      found = (int)d;
  if (found < 0)
    return fail(err, source, "%s: field \"decide\": unknown determination \"%.60s\"", where,
                json_string_value(decide));
  r->determination = determinations[found].det;
  if (reason && !json_is_string(reason))
    return fail(err, source, "%s: field %s must be a string", where, "\"reason\"");
  st = expand_reason(reason ? json_string_value(reason) : "", flow, r->reason, sizeof r->reason,
                     where, source, err);
  if (st) return st;
  for (size_t k = 0; k < sizeof needs / sizeof *needs; k++)
    if ((r->mask & needs[k].feature) && !*param_slot(flow, needs[k].parameter))
      return fail(err, source, "%s: its condition needs parameter %s, which the flow does not set",
                  where, needs[k].parameter);
  return RELIEF_OK;
}

/* The flow's name, parameters, relevance and rows from root. */
static relief_status read_flow(json_t *root, const char *source, const relief_flow_overrides *ov,
                               relief_flow *flow, relief_error *err) {
  json_t *name = json_object_get(root, "name"), *rows = json_object_get(root, "rows");
  json_t *relevance = json_object_get(root, "relevance");
  if (!json_is_object(root) || !json_is_string(name))
    return fail(err, source, "flow: %s must be a string%s", "\"name\"", "");
  snprintf(flow->name, sizeof flow->name, "%s", json_string_value(name));
  relief_status st = read_parameters(json_object_get(root, "parameters"), ov, flow, source, err);
  if (st) return st;
  if (!relevance)
    relevance = json_pack("[ss]", "in_county", "prop64");
  else
    json_incref(relevance);
  st = read_conditions(relevance, "flow relevance", source, &flow->relevance_mask,
                       &flow->relevance_value, err);
  json_decref(relevance);
  if (st) return st;
  if (!json_is_array(rows) || json_array_size(rows) == 0)
    return fail(err, source, "flow: %s must be a non-empty list of rows%s", "\"rows\"", "");
  if (json_array_size(rows) > RELIEF_FLOW_MAX_ROWS)
    return error_set(err, RELIEF_E_USAGE, source, 0, -1, "flow: at most %d rows",
                     RELIEF_FLOW_MAX_ROWS);
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    if ((st = read_row(row, i, flow, &flow->rows[flow->n_rows], source, err))) return st;
    flow->n_rows++;
  }
  return RELIEF_OK;
}

relief_status flow_parse(const char *json, size_t len, const char *source,
                         const relief_flow_overrides *ov, relief_flow *flow, relief_error *err) {
  memset(flow, 0, sizeof *flow);
  json_error_t jerr;
  json_t *root = json_loadb(json, len, 0, &jerr);
  if (!root)
    return error_set(err, RELIEF_E_USAGE, source, jerr.line, -1, "flow file is not valid JSON: %s",
                     jerr.text);
  relief_status st = read_flow(root, source, ov, flow, err);
  json_decref(root);
  return st;
}

/* A flow file is a few kilobytes; the cap makes a huge file an error. */
enum { MAX_FLOW_BYTES = 1 << 20 };

relief_status flow_load(const char *path, const relief_flow_overrides *ov, relief_flow *flow,
                        relief_error *err) {
  char *buf;
  size_t len;
  relief_status st =
      read_small_file(path, MAX_FLOW_BYTES, "flow file", RELIEF_E_USAGE, &buf, &len, err);
  if (st) return st;
  st = flow_parse(buf, len, path, ov, flow, err);
  free(buf);
  return st;
}

relief_status flow_los_angeles(const relief_flow_overrides *ov, relief_flow *flow,
                               relief_error *err) {
  return flow_parse(builtin_los_angeles_flow, strlen(builtin_los_angeles_flow),
                    "flows/los-angeles.json", ov, flow, err);
}
