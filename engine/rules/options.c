/*
 * options.c — the eligibility options JSON of spec §6.1, read the way the
 * reference's Go encoding/json read it (keys matched case-insensitively,
 * unknown keys ignored, null = absent, wrong types rejected) and validated.
 * Every error names the option it is about.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "io/read_small.h"
#include "rules/rules.h"

/* The member of obj named key, matched as Go does (exact, else ignoring case). */
static json_t *member(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  if (v) return v;
  const char *k;
  json_object_foreach(obj, k, v) {
    if (strcasecmp(k, key) == 0) return v;
  }
  return NULL;
}

static relief_status bad(relief_error *err, const char *source, const char *option,
                         const char *what) {
  return error_set(err, RELIEF_E_USAGE, source, 0, -1, "option %s: %s", option, what);
}

static relief_status read_sections(json_t *obj, const char *key, const char *name,
                                   const char *source, uint8_t *out, int *n, relief_error *err) {
  *n = 0;
  json_t *list = obj ? member(obj, key) : NULL;
  if (!list || json_is_null(list)) return RELIEF_OK;
  if (!json_is_array(list)) return bad(err, source, name, "must be a list of code sections");
  size_t i;
  json_t *item;
  json_array_foreach(list, i, item) {
    if (!json_is_string(item)) return bad(err, source, name, "must be a list of strings");
    const char *s = json_string_value(item);
    int section = 0;
    for (int k = 1; k <= 4; k++)
      if (strcmp(s, prop64_sections[k]) == 0) section = k;
    if (!section) {
      char what[160];
      snprintf(what, sizeof what, "\"%.40s\" is not one of 11357, 11358, 11359, 11360", s);
      return bad(err, source, name, what);
    }
    int seen = 0;
    for (int k = 0; k < *n; k++) seen |= out[k] == section;
    if (!seen) out[(*n)++] = (uint8_t)section;
  }
  return RELIEF_OK;
}

static relief_status read_bool(json_t *obj, const char *key, const char *source, bool *out,
                               relief_error *err) {
  *out = false;
  json_t *v = obj ? member(obj, key) : NULL;
  if (!v || json_is_null(v)) return RELIEF_OK;
  char name[96];
  snprintf(name, sizeof name, "additionalRelief.%s", key);
  if (!json_is_boolean(v)) return bad(err, source, name, "must be true or false");
  *out = json_is_true(v);
  return RELIEF_OK;
}

static relief_status read_int(json_t *obj, const char *key, int lo, int hi, const char *source,
                              int *out, relief_error *err) {
  *out = 0;
  json_t *v = obj ? member(obj, key) : NULL;
  if (!v || json_is_null(v)) return RELIEF_OK;
  char name[96], what[96];
  snprintf(name, sizeof name, "additionalRelief.%s", key);
  if (!json_is_integer(v)) return bad(err, source, name, "must be a whole number");
  json_int_t x = json_integer_value(v);
  if (x != 0 && (x < lo || x > hi)) {
    snprintf(what, sizeof what, "must be 0 or between %d and %d (got %lld)", lo, hi, (long long)x);
    return bad(err, source, name, what);
  }
  *out = (int)x;
  return RELIEF_OK;
}

/* Strict mode (relief's own): every key must be one the options know, so a
 * misspelt key is an error instead of a silently ignored choice. */
static relief_status check_keys(json_t *obj, const char *const *known, int n, const char *prefix,
                                const char *source, relief_error *err) {
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    (void)value;
    bool ok = false;
    for (int i = 0; i < n && !ok; i++) ok = strcasecmp(key, known[i]) == 0;
    if (ok) continue;
    char name[256];
    snprintf(name, sizeof name, "%s%.200s", prefix, key);
    return bad(err, source, name, "is not an eligibility option (misspelt?)");
  }
  return RELIEF_OK;
}

static relief_status check_all_keys(json_t *root, json_t *base, json_t *extra, const char *source,
                                    relief_error *err) {
  static const char *const top[] = {"baselineEligibility", "additionalRelief"};
  static const char *const base_keys[] = {"dismiss", "reduce"};
  static const char *const extra_keys[] = {
      "subjectUnder21AtConviction", "subjectHasOnlyProp64Charges",   "subjectIsDeceased",
      "subjectAgeThreshold",        "yearsSinceConvictionThreshold", "yearsCrimeFreeThreshold"};
  relief_status st = check_keys(root, top, 2, "", source, err);
  if (!st && base) st = check_keys(base, base_keys, 2, "baselineEligibility.", source, err);
  if (!st && extra) st = check_keys(extra, extra_keys, 6, "additionalRelief.", source, err);
  return st;
}

relief_status options_parse(const char *json, size_t len, const char *source, bool strict,
                            relief_options *out, relief_error *err) {
  memset(out, 0, sizeof *out);
  json_error_t jerr;
  json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
  if (!root)
    return error_set(err, RELIEF_E_USAGE, source, jerr.line, -1,
                     "eligibility options are not valid JSON: %s", jerr.text);
  relief_status st = RELIEF_OK;
  json_t *base = NULL, *extra = NULL;
  if (!json_is_object(root)) {
    st = bad(err, source, "(top level)", "must be a JSON object");
    goto done;
  }
  base = member(root, "baselineEligibility");
  extra = member(root, "additionalRelief");
  if (base && json_is_null(base)) base = NULL;
  if (extra && json_is_null(extra)) extra = NULL;
  if (base && !json_is_object(base)) {
    st = bad(err, source, "baselineEligibility", "must be an object");
    goto done;
  }
  if (extra && !json_is_object(extra)) {
    st = bad(err, source, "additionalRelief", "must be an object");
    goto done;
  }
  if (strict && (st = check_all_keys(root, base, extra, source, err))) goto done;
  if ((st = read_sections(base, "dismiss", "baselineEligibility.dismiss", source, out->dismiss,
                          &out->n_dismiss, err)) ||
      (st = read_sections(base, "reduce", "baselineEligibility.reduce", source, out->reduce,
                          &out->n_reduce, err)) ||
      (st = read_bool(extra, "subjectUnder21AtConviction", source, &out->under21_at_conviction,
                      err)) ||
      (st = read_bool(extra, "subjectHasOnlyProp64Charges", source, &out->only_prop64, err)) ||
      (st = read_bool(extra, "subjectIsDeceased", source, &out->deceased, err)) ||
      (st = read_int(extra, "subjectAgeThreshold", 40, 65, source, &out->age_threshold, err)) ||
      (st = read_int(extra, "yearsSinceConvictionThreshold", 1, 15, source,
                     &out->years_since_conviction, err)) ||
      (st = read_int(extra, "yearsCrimeFreeThreshold", 1, 15, source, &out->years_crime_free, err)))
    goto done;
done:
  json_decref(root);
  return st;
}

int options_warnings(const relief_options *o, const char *prefix, char out[4][192]) {
  int n = 0;
  for (int section = 1; section <= 4; section++) {
    bool decided = false;
    for (int k = 0; k < o->n_dismiss; k++) decided |= o->dismiss[k] == section;
    for (int k = 0; k < o->n_reduce; k++) decided |= o->reduce[k] == section;
    if (!decided)
      snprintf(out[n++], 192,
               "%s%s is neither dismissed nor reduced; its felony convictions that no other "
               "option dismisses get no determination",
               prefix, prop64_sections[section]);
  }
  return n;
}

/* An options file is a few hundred bytes; reading stops well past that, so
 * that /dev/zero or a huge file by mistake is an error, not a hang. */
enum { MAX_OPTIONS_BYTES = 1 << 20 };

relief_status options_load(const char *path, bool strict, relief_options *out, relief_error *err) {
  char *buf;
  size_t len;
  relief_status st = read_small_file(path, MAX_OPTIONS_BYTES, "eligibility options", RELIEF_E_USAGE,
                                     &buf, &len, err);
  if (st) return st;
  st = options_parse(buf, len, path, strict, out, err);
  free(buf);
  return st;
}
