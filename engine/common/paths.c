/*
 * paths.c — the names outputs get: a county as a folder name, and a bundle
 * file's name with its index and suffix, and statewide's distinct county
 * folders. No personal data ever reaches a file name; these take only
 * county names and fixed base names.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "common/paths.h"

void output_path(char *out, size_t cap, const char *dir, const char *base, int index,
                 const char *suffix, const char *ext) {
  char idx[32] = "";
  if (index > 0) snprintf(idx, sizeof idx, "_%d", index);
  int has_suffix = suffix && *suffix;
  snprintf(out, cap, "%s/%s%s%s%s%s", dir, base, idx, has_suffix ? "_" : "",
           has_suffix ? suffix : "", ext);
}

void folder_name(char *out, size_t cap, const char *county) {
  size_t o = 0;
  for (const char *c = county; *c && o + 1 < cap; c++) {
    char ch = *c;
    bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '.';
    out[o++] = keep ? ch : '_';
  }
  if (o == 0) out[o++] = '_';
  out[o] = 0;
  /* never hidden, ".", "..", or named like relief's own .relief-* files */
  if (out[0] == '.') out[0] = '_';
}

/* Adds name, compared without case, to taken; false if it was there. */
static bool take_name(relief_intern *taken, const char *name) {
  char lower[512];
  size_t n = 0;
  for (; name[n] && n + 1 < sizeof lower; n++)
    lower[n] = (name[n] >= 'A' && name[n] <= 'Z') ? (char)(name[n] - 'A' + 'a') : name[n];
  size_t before = taken->n;
  intern_get(taken, lower, n);
  return taken->n > before;
}

void folder_names_unique(const char *const *counties, size_t n, const char *const *reserved,
                         size_t n_reserved, char **out) {
  relief_intern taken;
  intern_init(&taken);
  for (size_t i = 0; i < n_reserved; i++) take_name(&taken, reserved[i]);
  for (size_t i = 0; i < n; i++) {
    char base[256], name[300];
    folder_name(base, sizeof base, counties[i]);
    snprintf(name, sizeof name, "%s", base);
    for (int k = 2; !take_name(&taken, name); k++) snprintf(name, sizeof name, "%s_%d", base, k);
    out[i] = xstrdup(name);
  }
  intern_free(&taken);
}
