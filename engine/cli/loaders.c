/*
 * loaders.c — what several commands load the same way, through the public
 * API: eligibility options, a flow with its --individual-age and
 * --years-conviction-free values, and a --filer profile. Each returns
 * non-zero with err set when the file or a value is invalid.
 */
#include <string.h>

#include "cli/cli.h"

int cli_load_options(const char *path, bool strict, relief_options **options, relief_error *err) {
  *options = NULL;
  if (!path) return 0;
  return relief_options_read(path, strict, options, err) != RELIEF_OK;
}

int cli_load_flow(const char *name, const char *age, const char *years_free, relief_flow **flow,
                  relief_error *err) {
  relief_flow_param params[2];
  int n = 0;
  params[n] = (relief_flow_param){"age", 0};
  if (cli_parse_count(age, "individual-age", 1, 150, &params[n].value, err)) return 1;
  if (age) n++;
  params[n] = (relief_flow_param){"yearsConvictionFree", 0};
  if (cli_parse_count(years_free, "years-conviction-free", 1, 100, &params[n].value, err)) return 1;
  if (years_free) n++;
  return relief_flow_read_with(name, params, n, flow, err) != RELIEF_OK;
}

int cli_load_filer(const char *path, relief_filer *filer, bool *loaded, relief_error *err) {
  *loaded = false;
  if (!path) return 0;
  if (relief_filer_load(path, filer, err)) return 1;
  *loaded = true;
  return 0;
}
