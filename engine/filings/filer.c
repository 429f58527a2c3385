/*
 * filer.c — the filer profile: who files the motions (office, kind of
 * prosecuting agency, attorney, State Bar number, address, phone, email,
 * conformed signature), read from JSON and validated strictly. Messages
 * name the key at fault, never its value.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/error.h"
#include "relief/relief.h"

static const char *const agency_names[] = {
    [RELIEF_FILER_DISTRICT_ATTORNEY] = "district-attorney",
    [RELIEF_FILER_CITY_ATTORNEY] = "city-attorney",
    [RELIEF_FILER_CITY_PROSECUTOR] = "city-prosecutor",
};

static const char *const keys[] = {"office",  "agency", "attorney", "barNumber",
                                   "address", "phone",  "email",    "signature"};
enum { N_KEYS = sizeof keys / sizeof keys[0] };

static relief_status bad(relief_error *err, const char *name, const char *fmt, const char *key) {
  return error_set(err, RELIEF_E_USAGE, name, 0, -1, fmt, key);
}

/* A string without control characters, at most 200 bytes; empty only when
 * allowed. */
static bool text_ok(json_t *v, bool empty_ok) {
  if (!json_is_string(v)) return false;
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  if (n > 200 || (!n && !empty_ok) || strlen(s) != n) return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return false;
  return true;
}

relief_status relief_filer_parse(const char *text, const char *name, relief_filer *f,
                                 relief_error *err) {
  memset(f, 0, sizeof *f);
  json_error_t jerr;
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return error_set(err, RELIEF_E_USAGE, name, jerr.line, -1, "invalid JSON: %s", jerr.text);
  relief_status st = RELIEF_OK;
  const char *key;
  json_t *v;
  if (!json_is_object(root)) {
    st = error_set(err, RELIEF_E_USAGE, name, 0, -1, "the filer profile must be an object");
    goto done;
  }
  json_object_foreach(root, key, v) {
    bool known = false;
    for (int k = 0; k < N_KEYS && !known; k++) known = !strcmp(key, keys[k]);
    if (!known) {
      st = bad(err, name,
               "unknown key '%s' (allowed: office, agency, attorney, barNumber, address, phone, "
               "email, signature)",
               key);
      goto done;
    }
  }
  for (int k = 0; k < N_KEYS; k++)
    if (!json_object_get(root, keys[k])) {
      st = bad(err, name, "missing key '%s'", keys[k]);
      goto done;
    }
  static const char *const texts[] = {"office", "attorney", "phone", "email", "signature"};
  char **slots[] = {&f->office, &f->attorney, &f->phone, &f->email, &f->signature};
  for (int k = 0; k < 5; k++) {
    bool empty_ok = !strcmp(texts[k], "email") || !strcmp(texts[k], "signature");
    v = json_object_get(root, texts[k]);
    if (!text_ok(v, empty_ok)) {
      st = bad(err, name, "'%s' must be a string of 1 to 200 characters without control characters",
               texts[k]);
      goto done;
    }
    *slots[k] = xstrdup(json_string_value(v));
  }
  v = json_object_get(root, "agency");
  int agency = -1;
  for (int a = 0; a < 3 && json_is_string(v); a++)
    if (!strcmp(json_string_value(v), agency_names[a])) agency = a;
  if (agency < 0) {
    st = bad(err, name, "'%s' must be district-attorney, city-attorney or city-prosecutor",
             "agency");
    goto done;
  }
  f->agency = (relief_filer_agency)agency;
  v = json_object_get(root, "barNumber");
  const char *bar = json_is_string(v) ? json_string_value(v) : "";
  size_t bar_len = strlen(bar);
  bool digits = bar_len >= 1 && bar_len <= 7 && json_string_length(v) == bar_len;
  for (size_t i = 0; i < bar_len && digits; i++) digits = bar[i] >= '0' && bar[i] <= '9';
  if (!digits) {
    st = bad(err, name, "'%s' must be a State Bar number: a string of 1 to 7 digits", "barNumber");
    goto done;
  }
  f->bar_number = xstrdup(bar);
  if (f->signature[0] && strncmp(f->signature, "/s/ ", 4)) {
    st = bad(err, name, "'%s' must be a conformed signature, \"/s/ NAME\"", "signature");
    goto done;
  }
  v = json_object_get(root, "address");
  if (!json_is_array(v) || json_array_size(v) < 1 ||
      json_array_size(v) > RELIEF_FILER_MAX_ADDRESS) {
    st = bad(err, name, "'%s' must be a list of 1 to 6 lines", "address");
    goto done;
  }
  for (size_t i = 0; i < json_array_size(v); i++) {
    json_t *line = json_array_get(v, i);
    if (!text_ok(line, false)) {
      st =
          bad(err, name, "every line of '%s' must be a non-empty string without control characters",
              "address");
      goto done;
    }
    f->address[f->n_address++] = xstrdup(json_string_value(line));
  }
done:
  json_decref(root);
  if (st) relief_filer_free(f);
  return st;
}

relief_status relief_filer_load(const char *path, relief_filer *f, relief_error *err) {
  memset(f, 0, sizeof *f);
  json_error_t jerr;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return error_set(err, RELIEF_E_USAGE, path, jerr.line, -1, "cannot read the filer profile: %s",
                     jerr.text);
  char *text = json_dumps(root, JSON_PRESERVE_ORDER);
  json_decref(root);
  relief_status st = relief_filer_parse(text ? text : "", path, f, err);
  free(text);
  return st;
}

void relief_filer_free(relief_filer *f) {
  free(f->office);
  free(f->attorney);
  free(f->bar_number);
  for (int i = 0; i < f->n_address; i++) free(f->address[i]);
  free(f->phone);
  free(f->email);
  free(f->signature);
  memset(f, 0, sizeof *f);
}
