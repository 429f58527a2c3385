/*
 * job_settings.c — relief_settings, the one opaque settings object of the
 * public API, and relief_run / relief_statewide, which turn it into the
 * configuration their job reads (job/job_config.h). A key table says each
 * key's type, range and job, so a new setting is a row, not a new struct.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/error.h"
#include "job/job_config.h"
#include "rules/rules.h"

#define N_KEYS ((int)RELIEF_S_OFFICE + 1) /* key 0 is none */
enum { TYPE_INT = 1, TYPE_BOOL, TYPE_TEXT };
enum { FOR_BOTH = 0, FOR_RUN, FOR_STATEWIDE };

static const struct {
  const char *name;
  char type, job;
  int64_t lo, hi;
} keys[N_KEYS] = {
    [RELIEF_S_COMPUTE_DAY] = {"RELIEF_S_COMPUTE_DAY", TYPE_INT, FOR_BOTH, INT32_MIN, INT32_MAX},
    [RELIEF_S_THREADS] = {"RELIEF_S_THREADS", TYPE_INT, FOR_BOTH, 0, 4096},
    [RELIEF_S_TRACE] = {"RELIEF_S_TRACE", TYPE_BOOL, FOR_BOTH, 0, 1},
    [RELIEF_S_REVIEW_FILES] = {"RELIEF_S_REVIEW_FILES", TYPE_BOOL, FOR_BOTH, 0, 1},
    [RELIEF_S_FORMS] = {"RELIEF_S_FORMS", TYPE_BOOL, FOR_BOTH, 0, 1},
    [RELIEF_S_REPORT] = {"RELIEF_S_REPORT", TYPE_BOOL, FOR_BOTH, 0, 1},
    [RELIEF_S_FILINGS_ONLY] = {"RELIEF_S_FILINGS_ONLY", TYPE_BOOL, FOR_BOTH, 0, 1},
    [RELIEF_S_OUTPUTS] = {"RELIEF_S_OUTPUTS", TYPE_TEXT, FOR_BOTH, 0, 0},
    [RELIEF_S_COUNTY] = {"RELIEF_S_COUNTY", TYPE_TEXT, FOR_RUN, 0, 0},
    [RELIEF_S_SUFFIX] = {"RELIEF_S_SUFFIX", TYPE_TEXT, FOR_RUN, 0, 0},
    [RELIEF_S_GOGEN_NAMING] = {"RELIEF_S_GOGEN_NAMING", TYPE_BOOL, FOR_RUN, 0, 1},
    [RELIEF_S_SUMMARY_ONLY] = {"RELIEF_S_SUMMARY_ONLY", TYPE_BOOL, FOR_STATEWIDE, 0, 1},
    [RELIEF_S_MEMORY_LIMIT] = {"RELIEF_S_MEMORY_LIMIT", TYPE_INT, FOR_STATEWIDE, 0, INT64_MAX},
    [RELIEF_S_OFFICE] = {"RELIEF_S_OFFICE", TYPE_TEXT, FOR_RUN, 0, 0},
};

struct relief_settings {
  int64_t ints[N_KEYS];
  char *texts[N_KEYS];
  bool compute_day_given; /* else the job decides at today's date */
  char **inputs, **command_line;
  int n_inputs, n_command_line;
  const relief_options *options;
  const relief_flow *flow;
  relief_county_policy *policies; /* county names owned */
  int n_policies;
  relief_not_taken *not_taken; /* both strings owned */
  int n_not_taken;
  relief_progress_fn progress;
  void *progress_user;
  relief_redaction redaction;
  relief_filing_filter filter;
  const relief_filer *filer;
  bool has_redaction, has_filter;
};

/* What a job is given when it has a flow and no options: the jobs read
 * options for every county, and a flow decides without them. */
static const relief_options no_options;

static bool known(relief_setting key) {
  return (int)key > 0 && (int)key < N_KEYS && keys[key].name;
}

static relief_status wrong_key(relief_setting key, const char *what, relief_error *err) {
  if (!known(key))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: unknown key %d", (int)key);
  return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: %s is not %s", keys[key].name,
                   what);
}

relief_settings *relief_settings_new(void) { return xcalloc(1, sizeof(relief_settings)); }

static void free_strings(char **list, int n) {
  for (int i = 0; i < n; i++) free(list[i]);
  free(list);
}

void relief_settings_free(relief_settings *s) {
  if (!s) return;
  for (int k = 0; k < N_KEYS; k++) free(s->texts[k]);
  free_strings(s->inputs, s->n_inputs);
  free_strings(s->command_line, s->n_command_line);
  for (int i = 0; i < s->n_policies; i++) free((char *)s->policies[i].county);
  free(s->policies);
  for (int i = 0; i < s->n_not_taken; i++) {
    free((char *)s->not_taken[i].path);
    free((char *)s->not_taken[i].reason);
  }
  free(s->not_taken);
  free(s);
}

relief_status relief_settings_set_int(relief_settings *s, relief_setting key, int64_t value,
                                      relief_error *err) {
  if (!known(key) || keys[key].type == TYPE_TEXT) return wrong_key(key, "a number", err);
  if (value < keys[key].lo || value > keys[key].hi ||
      (key == RELIEF_S_MEMORY_LIMIT && value > 0 && value < (1 << 20)))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: %s out of range", keys[key].name);
  s->ints[key] = value;
  if (key == RELIEF_S_COMPUTE_DAY) s->compute_day_given = true;
  return RELIEF_OK;
}

static int32_t compute_day(const relief_settings *s) {
  return s->compute_day_given ? (int32_t)s->ints[RELIEF_S_COMPUTE_DAY]
                              : (int32_t)(time(NULL) / 86400);
}

relief_status relief_settings_get_int(const relief_settings *s, relief_setting key, int64_t *value,
                                      relief_error *err) {
  if (!known(key) || keys[key].type == TYPE_TEXT) return wrong_key(key, "a number", err);
  *value = key == RELIEF_S_COMPUTE_DAY ? compute_day(s) : s->ints[key];
  return RELIEF_OK;
}

relief_status relief_settings_set_text(relief_settings *s, relief_setting key, const char *value,
                                       relief_error *err) {
  if (!known(key) || keys[key].type != TYPE_TEXT) return wrong_key(key, "a text", err);
  if (value && !*value && key != RELIEF_S_SUFFIX)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: %s must not be empty",
                     keys[key].name);
  free(s->texts[key]);
  s->texts[key] = value ? xstrdup(value) : NULL;
  return RELIEF_OK;
}

const char *relief_settings_get_text(const relief_settings *s, relief_setting key) {
  return known(key) && keys[key].type == TYPE_TEXT ? s->texts[key] : NULL;
}

static char **copy_strings(const char *const *list, int n) {
  char **copy = xcalloc((size_t)n + 1, sizeof *copy);
  for (int i = 0; i < n; i++) copy[i] = xstrdup(list[i]);
  return copy;
}

void relief_settings_set_inputs(relief_settings *s, const char *const *paths, int n) {
  free_strings(s->inputs, s->n_inputs);
  s->n_inputs = n > 0 ? n : 0;
  s->inputs = copy_strings(paths, s->n_inputs);
}

int relief_settings_input_count(const relief_settings *s) { return s->n_inputs; }

const char *relief_settings_input(const relief_settings *s, int i) {
  return i >= 0 && i < s->n_inputs ? s->inputs[i] : NULL;
}

void relief_settings_set_options(relief_settings *s, const relief_options *options) {
  s->options = options;
}

void relief_settings_set_flow(relief_settings *s, const relief_flow *flow) { s->flow = flow; }

relief_status relief_settings_add_policy(relief_settings *s, const char *county,
                                         const relief_options *options, const relief_flow *flow,
                                         relief_error *err) {
  if (!county || !*county || (!options && !flow))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "settings: a county policy needs a county and options or a flow");
  for (int i = 0; i < s->n_policies; i++)
    if (!strcmp(s->policies[i].county, county))
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: %.64s has a policy already",
                       county);
  s->policies = xreallocarray(s->policies, (size_t)s->n_policies + 1, sizeof *s->policies);
  s->policies[s->n_policies++] =
      (relief_county_policy){xstrdup(county), flow || !options ? &no_options : options, flow};
  return RELIEF_OK;
}

void relief_settings_add_not_taken(relief_settings *s, const char *path, const char *reason) {
  s->not_taken = xreallocarray(s->not_taken, (size_t)s->n_not_taken + 1, sizeof *s->not_taken);
  s->not_taken[s->n_not_taken++] = (relief_not_taken){xstrdup(path), xstrdup(reason)};
}

void relief_settings_set_command_line(relief_settings *s, const char *const *argv, int n) {
  free_strings(s->command_line, s->n_command_line);
  s->n_command_line = n > 0 ? n : 0;
  s->command_line = s->n_command_line ? copy_strings(argv, n) : NULL;
}

void relief_settings_set_progress(relief_settings *s, relief_progress_fn fn, void *user) {
  s->progress = fn;
  s->progress_user = user;
}

void relief_settings_set_redaction(relief_settings *s, const relief_redaction *redaction) {
  s->has_redaction = redaction != NULL;
  if (redaction) s->redaction = *redaction;
}

void relief_settings_set_filer(relief_settings *s, const relief_filer *filer) { s->filer = filer; }

void relief_settings_set_filter(relief_settings *s, const relief_filing_filter *filter) {
  s->has_filter = filter != NULL;
  if (filter) s->filter = *filter;
}

/* RELIEF_E_USAGE naming the first setting given that job does not take,
 * or a required text that is missing. */
static relief_status check_for(const relief_settings *s, int job, const char *job_name,
                               relief_error *err) {
  for (int k = 1; k < N_KEYS; k++)
    if ((keys[k].type == TYPE_TEXT ? s->texts[k] != NULL : s->ints[k] != 0) &&
        keys[k].job != FOR_BOTH && keys[k].job != job)
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: %s is not a setting of %s",
                       keys[k].name, job_name);
  bool run = job == FOR_RUN;
  const char *other = run && (s->n_policies || s->n_not_taken) ? "a county policy or not-taken file"
                      : !run && (s->flow || s->has_redaction)  ? "a flow or a redaction"
                                                               : NULL;
  if (other)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: %s is not for %s", other,
                     job_name);
  relief_setting missing = !s->texts[RELIEF_S_OUTPUTS]         ? RELIEF_S_OUTPUTS
                           : run && !s->texts[RELIEF_S_COUNTY] ? RELIEF_S_COUNTY
                                                               : 0;
  if (missing)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "settings: %s: %s is required", job_name,
                     keys[missing].name);
  return RELIEF_OK;
}

relief_status job_run_config_of(const relief_settings *s, relief_run_config *cfg,
                                relief_error *err) {
  relief_status st = check_for(s, FOR_RUN, "relief_run", err);
  if (st) return st;
  *cfg = (relief_run_config){
      .inputs = (const char *const *)s->inputs,
      .n_inputs = s->n_inputs,
      .county = s->texts[RELIEF_S_COUNTY],
      .compute_day = compute_day(s),
      .options = s->options || !s->flow ? s->options : &no_options,
      .outputs_dir = s->texts[RELIEF_S_OUTPUTS],
      .suffix = s->texts[RELIEF_S_SUFFIX],
      .gogen_naming = s->ints[RELIEF_S_GOGEN_NAMING],
      .flow = s->flow,
      .trace = s->ints[RELIEF_S_TRACE],
      .review_files = s->ints[RELIEF_S_REVIEW_FILES],
      .forms = s->ints[RELIEF_S_FORMS],
      .report = s->ints[RELIEF_S_REPORT],
      .threads = (int)s->ints[RELIEF_S_THREADS],
      .progress = s->progress,
      .progress_user = s->progress_user,
      .redaction = s->has_redaction ? &s->redaction : NULL,
      .command_line = (const char *const *)s->command_line,
      .n_command_line = s->n_command_line,
      .filer = s->filer,
      .office = s->texts[RELIEF_S_OFFICE],
      .filter = s->has_filter ? &s->filter : NULL,
      .filings_only = s->ints[RELIEF_S_FILINGS_ONLY],
  };
  return RELIEF_OK;
}

relief_status job_statewide_config_of(const relief_settings *s, relief_statewide_config *cfg,
                                      relief_error *err) {
  relief_status st = check_for(s, FOR_STATEWIDE, "relief_statewide", err);
  if (st) return st;
  *cfg = (relief_statewide_config){
      .inputs = (const char *const *)s->inputs,
      .n_inputs = s->n_inputs,
      .not_taken = s->not_taken,
      .n_not_taken = s->n_not_taken,
      .compute_day = compute_day(s),
      .options = s->options,
      .policies = s->policies,
      .n_policies = s->n_policies,
      .outputs_dir = s->texts[RELIEF_S_OUTPUTS],
      .summary_only = s->ints[RELIEF_S_SUMMARY_ONLY],
      .trace = s->ints[RELIEF_S_TRACE],
      .review_files = s->ints[RELIEF_S_REVIEW_FILES],
      .forms = s->ints[RELIEF_S_FORMS],
      .report = s->ints[RELIEF_S_REPORT],
      .command_line = (const char *const *)s->command_line,
      .n_command_line = s->n_command_line,
      .threads = (int)s->ints[RELIEF_S_THREADS],
      .progress = s->progress,
      .progress_user = s->progress_user,
      .filer = s->filer,
      .filter = s->has_filter ? &s->filter : NULL,
      .filings_only = s->ints[RELIEF_S_FILINGS_ONLY],
      .memory_limit = (uint64_t)s->ints[RELIEF_S_MEMORY_LIMIT],
  };
  return RELIEF_OK;
}

relief_status relief_run(const relief_settings *s, relief_run_result *res, relief_error *err) {
  memset(res, 0, sizeof *res);
  relief_run_config cfg;
  relief_status st = job_run_config_of(s, &cfg, err);
  return st ? st : job_run(&cfg, res, err);
}

relief_status relief_statewide(const relief_settings *s, relief_statewide_result *res,
                               relief_error *err) {
  memset(res, 0, sizeof *res);
  relief_statewide_config cfg;
  relief_status st = job_statewide_config_of(s, &cfg, err);
  return st ? st : job_statewide(&cfg, res, err);
}
