/*
 * counties.c — the CLI's checks of a --county: matched as rules/counties.h
 * matches it (the server's API matches the same way), else the run stops
 * naming the nearest. The gogen drop-in only warns, as the reference
 * compared exactly.
 */
#include <stdio.h>
#include <string.h>

#include "cli/counties.h"

const char *cli_nearest_county(const char *name, int *distance) {
  return county_nearest(name, distance);
}

const char *cli_county_canonical(const char *name) { return county_canonical(name); }

int cli_check_county(const cli_env *env, const char *county) {
  for (int i = 0; i < RELIEF_N_COUNTIES; i++)
    if (!strcmp(county, county_names[i])) return 0;
  int d;
  const char *nearest = cli_nearest_county(county, &d);
  fprintf(stderr,
          "%s: warning: --county '%.64s' is not one of California's 58 counties as the DOJ "
          "writes them (upper case); did you mean '%s'? Rows match it only if "
          "STP_ORI_CNTY_NAME is exactly '%.64s'.\n",
          env->program, county, nearest, county);
  return 1;
}

relief_status cli_resolve_county(const char *what, const char *county, const char **canonical,
                                 relief_error *err) {
  *canonical = cli_county_canonical(county);
  if (*canonical) return RELIEF_OK;
  int d;
  const char *nearest = cli_nearest_county(county, &d);
  return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                   "%s '%.64s' is not one of California's 58 counties; did you mean '%s'?", what,
                   county, nearest);
}
