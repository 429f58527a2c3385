/*
 * job_api.c — the small pieces of the public API that are not jobs: the
 * version, opaque options and flows (with their parameters), dates, feature
 * names, and the thread count every job passes down (the process-wide OpenMP setting is never
 * touched).
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "doj/doj.h"
#include "job/job.h"
#include "rules/rules.h"

const char *relief_version(void) { return RELIEF_VERSION; }

int job_threads(int requested) {
  if (requested > 0) return requested;
  int n = omp_get_num_procs();
  return n > 0 ? n : 1;
}

uint64_t job_default_memory_limit(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return (uint64_t)pages * (uint64_t)page / 10 * 6;
}

relief_status relief_options_read(const char *path, bool strict, relief_options **out,
                                  relief_error *err) {
  *out = NULL;
  relief_options *o = xcalloc(1, sizeof *o);
  relief_status st = options_load(path, strict, o, err);
  if (st) {
    free(o);
    return st;
  }
  *out = o;
  return RELIEF_OK;
}

void relief_options_free(relief_options *options) { free(options); }

relief_status relief_flow_read(const char *name, relief_flow **out, relief_error *err) {
  return relief_flow_read_with(name, NULL, 0, out, err);
}

/* The flow parameters a caller may give, and where each goes. */
static int *override_slot(relief_flow_overrides *ov, const char *name) {
  return !strcmp(name, "age")                    ? &ov->age
         : !strcmp(name, "yearsConvictionFree")  ? &ov->years_conviction_free
         : !strcmp(name, "yearsSinceConviction") ? &ov->years_since_conviction
         : !strcmp(name, "yearsCrimeFree")       ? &ov->years_crime_free
                                                 : NULL;
}

relief_status relief_flow_read_with(const char *name, const relief_flow_param *params, int n,
                                    relief_flow **out, relief_error *err) {
  *out = NULL;
  relief_flow_overrides ov = {-1, -1, -1, -1};
  for (int i = 0; i < n; i++) {
    int *slot = params[i].name ? override_slot(&ov, params[i].name) : NULL;
    if (!slot)
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                       "flow parameter \"%.40s\" is not one of age, yearsConvictionFree, "
                       "yearsSinceConviction, yearsCrimeFree",
                       params[i].name ? params[i].name : "");
    if (params[i].value < 1 || params[i].value > 150)
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                       "flow parameter %s must be a whole number from 1 to 150", params[i].name);
    *slot = params[i].value;
  }
  relief_flow *f = xcalloc(1, sizeof *f);
  relief_status st =
      !strcmp(name, "los-angeles") ? flow_los_angeles(&ov, f, err) : flow_load(name, &ov, f, err);
  if (st) {
    free(f);
    return st;
  }
  *out = f;
  return RELIEF_OK;
}

void relief_flow_free(relief_flow *flow) { free(flow); }

relief_status relief_date_parse(const char *text, int32_t *day, relief_error *err) {
  if (!text || doj_parse_iso_date(text, day) != 0)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "not a date in the form YYYY-MM-DD");
  return RELIEF_OK;
}

const char *relief_feature_name(int i) {
  return i >= 0 && i < RELIEF_F_COUNT_BITS ? feature_names[i] : NULL;
}
