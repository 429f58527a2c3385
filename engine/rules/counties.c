/*
 * rules/counties.c — California's 58 counties, upper case as in the DOJ
 * extracts' STP_ORI_CNTY_NAME; a county a person gives is matched to one of
 * them regardless of case and surrounding spaces, and the nearest
 * (Levenshtein distance) is found for a refusal to name.
 */
#include <ctype.h>
#include <string.h>

#include "rules/counties.h"

const char *const county_names[RELIEF_N_COUNTIES] = {
    "ALAMEDA",        "ALPINE",        "AMADOR",        "BUTTE",       "CALAVERAS",
    "COLUSA",         "CONTRA COSTA",  "DEL NORTE",     "EL DORADO",   "FRESNO",
    "GLENN",          "HUMBOLDT",      "IMPERIAL",      "INYO",        "KERN",
    "KINGS",          "LAKE",          "LASSEN",        "LOS ANGELES", "MADERA",
    "MARIN",          "MARIPOSA",      "MENDOCINO",     "MERCED",      "MODOC",
    "MONO",           "MONTEREY",      "NAPA",          "NEVADA",      "ORANGE",
    "PLACER",         "PLUMAS",        "RIVERSIDE",     "SACRAMENTO",  "SAN BENITO",
    "SAN BERNARDINO", "SAN DIEGO",     "SAN FRANCISCO", "SAN JOAQUIN", "SAN LUIS OBISPO",
    "SAN MATEO",      "SANTA BARBARA", "SANTA CLARA",   "SANTA CRUZ",  "SHASTA",
    "SIERRA",         "SISKIYOU",      "SOLANO",        "SONOMA",      "STANISLAUS",
    "SUTTER",         "TEHAMA",        "TRINITY",       "TULARE",      "TUOLUMNE",
    "VENTURA",        "YOLO",          "YUBA",
};

enum { MAX_COMPARED = 64 }; /* longer input is compared by its first 64 bytes */

static int edit_distance(const char *a, size_t na, const char *b, size_t nb) {
  int row[MAX_COMPARED + 1];
  for (size_t j = 0; j <= nb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= na; i++) {
    int diagonal = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= nb; j++) {
      int above = row[j];
      int cost = toupper((unsigned char)a[i - 1]) != b[j - 1];
      int best = diagonal + cost;
      if (above + 1 < best) best = above + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diagonal = above;
    }
  }
  return row[nb];
}

const char *county_nearest(const char *name, int *distance) {
  size_t n = strlen(name);
  if (n > MAX_COMPARED) n = MAX_COMPARED;
  const char *best = county_names[0];
  int best_d = -1;
  for (int i = 0; i < RELIEF_N_COUNTIES; i++) {
    int d = edit_distance(name, n, county_names[i], strlen(county_names[i]));
    if (best_d < 0 || d < best_d) best = county_names[i], best_d = d;
  }
  *distance = best_d;
  return best;
}

const char *county_canonical(const char *name) {
  while (*name == ' ' || *name == '\t') name++;
  size_t n = strlen(name);
  while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t')) n--;
  for (int i = 0; i < RELIEF_N_COUNTIES; i++) {
    const char *c = county_names[i];
    if (strlen(c) != n) continue;
    size_t k = 0;
    while (k < n && toupper((unsigned char)name[k]) == c[k]) k++;
    if (k == n) return c;
  }
  return NULL;
}
