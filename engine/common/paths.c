/*
 * paths.c — the names outputs get: a county as a folder name, and a bundle
 * file's name with its index and suffix. No personal data ever reaches a
 * file name; these take only county names and fixed base names.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/paths.h"

void relief_output_path(char *out, size_t cap, const char *dir, const char *base, int index,
                        const char *suffix, const char *ext) {
  char idx[32] = "";
  if (index > 0) snprintf(idx, sizeof idx, "_%d", index);
  int has_suffix = suffix && *suffix;
  snprintf(out, cap, "%s/%s%s%s%s%s", dir, base, idx, has_suffix ? "_" : "",
           has_suffix ? suffix : "", ext);
}

void relief_folder_name(char *out, size_t cap, const char *county) {
  size_t o = 0;
  for (const char *c = county; *c && o + 1 < cap; c++) {
    char ch = *c;
    bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '.';
    out[o++] = keep ? ch : '_';
  }
  if (o == 0 || (o <= 2 && out[0] == '.')) out[o++] = '_';
  out[o] = 0;
}
