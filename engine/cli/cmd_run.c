/*
 * cmd_run.c — `relief run` (and `gogen run`): one county's determinations from
 * one or more DOJ extracts, each file processed on its own as the reference
 * did, written as the bundle of eligibility spec §7 plus the summary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "cli/cli.h"
#include "io/publish.h"
#include "cli/counties.h"
#include "cli/redact_key.h"

static char *split_inputs(const char *list, const char ***out, int *n) {
  char *copy = xstrdup(list);
  int cap = 8;
  *out = xmalloc(cap * sizeof **out);
  *n = 0;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    if (*n == cap) *out = xrealloc(*out, (cap *= 2) * sizeof **out);
    (*out)[(*n)++] = tok;
  }
  return copy;
}

/* The options of `run`, as given. */
typedef struct {
  const char *inputs, *county, *compute_at, *options_path, *outputs, *suffix, *threads, *flow_name,
      *age, *years_free, *redact_key, *filer_path, *office;
  bool trace, review_files, forms, redact;
} run_args;

/* What a run holds until it ends. */
typedef struct {
  relief_settings *settings;
  relief_options *options;
  relief_flow *flow;
  relief_filer filer;
  bool have_filer;
  unsigned char *key;
  char *inputs_copy;
  const char **files;
} run_held;

static int parse_args(int argc, char **argv, const cli_env *env, run_args *a) {
  *a = (run_args){0};
  const cli_option opts[] = {
      {"input-doj", 0, &a->inputs, NULL, "DOJ extract(s), comma-separated (plain or zstd)"},
      {"county", 'c', &a->county, NULL,
       "the county to decide for, one of the 58 as in STP_ORI_CNTY_NAME (any case; gogen: "
       "exactly)"},
      {"compute-at", 0, &a->compute_at, NULL,
       "date eligibility is decided at, YYYY-MM-DD (default today, UTC)"},
      {"eligibility-options", 0, &a->options_path, NULL, "options JSON (eligibility spec 6.1)"},
      {"outputs", 0, &a->outputs, NULL, "folder for the bundle and summary"},
      {"file-name-suffix", 0, &a->suffix, NULL, "appended to every output file name as _SUFFIX"},
      {"threads", 0, &a->threads, NULL, "worker threads (default: all cores)"},
      {"flow", 0, &a->flow_name, NULL,
       "configurable (default, uses --eligibility-options), los-angeles, or a flow file"},
      {"individual-age", 0, &a->age, NULL, "los-angeles flow: age that dismisses (default 50)"},
      {"years-conviction-free", 0, &a->years_free, NULL,
       "los-angeles flow: conviction-free years (default 10)"},
      {"trace", 0, NULL, &a->trace, "add a Rule column naming the rule that decided each row"},
      {"forms", 0, NULL, &a->forms,
       "write court motions under Court_Filings/<COUNTY>/ (PDFs, court_list.csv)"},
      {"filer", 0, &a->filer_path, NULL,
       "with --forms: filer profile JSON (office, attorney, bar number, address...)"},
      {"office", 0, &a->office, NULL,
       "the office the impact report names (default: the --filer profile's, else \"not given\")"},
      {"review-files", 0, NULL, &a->review_files,
       "also write Hand_Review.csv and Prop64_Results_Extended.csv (HS 11361.8 remedy, plea "
       "bargains)"},
      {"redact", 0, NULL, &a->redact,
       "blank names, birth dates, SSNs, licence and ID numbers; hash CII numbers (not with "
       "--forms: court motions must name the person)"},
      {"redact-key", 0, &a->redact_key, NULL, "with --redact: file whose bytes key the CII hash"},
  };
  return cli_parse(argc, argv, opts, (int)(sizeof opts / sizeof *opts),
                   "run --input-doj=F[,F...] --county=NAME --eligibility-options=FILE "
                   "--outputs=DIR [--compute-at=YYYY-MM-DD] [--file-name-suffix=S] [--threads=N] "
                   "[--redact --redact-key=FILE]",
                   env);
}

static bool configurable(const run_args *a) {
  return !a->flow_name || !strcmp(a->flow_name, "configurable");
}

/* The required options: the first missing one, in the reference's words in
 * the drop-in (which the BEAR app shows). */
static int missing_option(const run_args *a, const cli_env *env, relief_error *err) {
  if (a->outputs && a->inputs && a->county && (!configurable(a) || a->options_path)) return 0;
  if (env->gogen)
    error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
              "missing required field: Run gogen --help for more info");
  else
    error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
              "missing required option: --%s (see `%s run --help`)",
              !a->inputs         ? "input-doj"
              : !a->county       ? "county"
              : !a->options_path ? "eligibility-options"
                                 : "outputs",
              env->program);
  return 1;
}

/* The date, threads, county and suffix. *suffix_ok is false when the
 * suffix itself is what is wrong (the error file is then named without it). */
static relief_status settle_names(const run_args *a, const cli_env *env, relief_settings *s,
                                  bool *suffix_ok, relief_error *err) {
  int32_t day;
  int threads;
  if (cli_parse_common(env, a->compute_at, a->threads, &day, &threads, err)) return err->status;
  relief_status st = relief_settings_set_int(s, RELIEF_S_COMPUTE_DAY, day, err);
  if (!st) st = relief_settings_set_int(s, RELIEF_S_THREADS, threads, err);
  if (st) return st;
  if (!*a->county) return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "--county must not be empty");
  if (a->suffix && strchr(a->suffix, '/')) {
    *suffix_ok = false;
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "invalid --file-name-suffix: must not contain '/' (files stay in --outputs)");
  }
  const char *county = a->county;
  if (env->gogen) {
    cli_check_county(env, county);
  } else { /* relief decides for the canonical name: "Los Angeles" is LOS ANGELES */
    st = cli_resolve_county("--county", a->county, &county, err);
    if (st) return st;
  }
  st = relief_settings_set_text(s, RELIEF_S_COUNTY, county, err);
  if (!st && *a->outputs) /* an empty one fails as a folder that cannot be made */
    st = relief_settings_set_text(s, RELIEF_S_OUTPUTS, a->outputs, err);
  if (!st) st = relief_settings_set_text(s, RELIEF_S_SUFFIX, a->suffix, err);
  return st;
}

/* The options, the flow, the filer and what is written. */
static relief_status settle_policy(const run_args *a, const cli_env *env, run_held *h,
                                   relief_error *err) {
  relief_settings *s = h->settings;
  if (cli_load_options(a->options_path, !env->gogen, &h->options, err)) return err->status;
  relief_settings_set_options(s, h->options);
  if (!configurable(a)) {
    if (cli_load_flow(a->flow_name, a->age, a->years_free, &h->flow, err)) return err->status;
    relief_settings_set_flow(s, h->flow);
  } else if (a->age || a->years_free) {
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--%s applies to a flow with that parameter (e.g. "
                     "--flow=los-angeles), not the configurable flow",
                     a->age ? "individual-age" : "years-conviction-free");
  }
  if (a->redact && a->forms)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--redact cannot be combined with --forms: court motions must name "
                     "the person");
  if (configurable(a) && !env->gogen) { /* the drop-in says what the reference said */
    char warnings[4][192];
    int n = options_warnings(h->options, "options: ", warnings);
    for (int k = 0; k < n; k++) fprintf(stderr, "%s: warning: %s\n", env->program, warnings[k]);
  }
  bool forms = a->forms, report = !env->gogen; /* the drop-in writes the reference's files */
  if (cli_load_filer(a->filer_path, &h->filer, &h->have_filer, err)) return err->status;
  if (h->have_filer) relief_settings_set_filer(s, &h->filer);
  relief_status st = relief_settings_set_int(s, RELIEF_S_TRACE, a->trace, err);
  if (!st) st = relief_settings_set_int(s, RELIEF_S_REVIEW_FILES, a->review_files, err);
  if (!st) st = relief_settings_set_int(s, RELIEF_S_FORMS, forms, err);
  if (!st) st = relief_settings_set_int(s, RELIEF_S_REPORT, report, err);
  if (!st) st = relief_settings_set_int(s, RELIEF_S_GOGEN_NAMING, env->gogen, err);
  if (!st && a->office) st = relief_settings_set_text(s, RELIEF_S_OFFICE, a->office, err);
  return st;
}

/* The input files and the redaction key. */
static relief_status settle_inputs(const run_args *a, run_held *h, relief_error *err) {
  int n_files;
  h->inputs_copy = split_inputs(a->inputs, &h->files, &n_files);
  if (n_files == 0) return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "--input-doj names no file");
  relief_settings_set_inputs(h->settings, h->files, n_files);
  relief_redaction redaction;
  relief_status st = cli_load_redaction(a->redact, a->redact_key, &redaction, &h->key, err);
  if (!st && h->key) relief_settings_set_redaction(h->settings, &redaction);
  return st;
}

static void release(run_held *h) {
  relief_settings_free(h->settings);
  relief_options_free(h->options);
  relief_flow_free(h->flow);
  if (h->have_filer) relief_filer_free(&h->filer);
  free(h->key);
  free(h->inputs_copy);
  free(h->files);
}

/* Runs the job and reports how it went. */
static int run_and_report(int argc, char **argv, const run_args *a, const cli_env *env,
                          run_held *h) {
  relief_settings *s = h->settings;
  const char **command_line = xmalloc((size_t)(argc + 1) * sizeof *command_line);
  command_line[0] = env->program;
  memcpy(command_line + 1, argv, (size_t)argc * sizeof *argv);
  relief_settings_set_command_line(s, command_line, argc + 1);
  free(command_line);
  cli_progress progress;
  cli_progress_init(&progress, true);
  relief_settings_set_progress(s, cli_progress_update, &progress);
  relief_run_result res;
  relief_error err = {0};
  relief_status st = relief_run(s, &res, &err);
  cli_progress_finish(&progress);
  if (st != RELIEF_OK)
    return cli_fail(env, a->outputs, a->suffix, err.file[0] ? err.file : NULL, &err);
  /* a stale error file from an earlier failed run no longer applies */
  char name[1024];
  output_path(name, sizeof name, "", env->gogen ? "gogen" : "errors", 0, a->suffix,
              env->gogen ? ".err" : ".json");
  publish_remove_own_file(a->outputs, name + 1);
  fprintf(stderr, "%s: %lld rows, %lld people, %.2f s (%.0f rows/s) -> %s\n", env->program,
          (long long)res.rows, (long long)res.people, res.seconds,
          res.seconds > 0 ? (double)res.rows / res.seconds : 0.0, a->outputs);
  int64_t forms = 0;
  relief_settings_get_int(s, RELIEF_S_FORMS, &forms, &err);
  if (forms) fprintf(stderr, "%s: %lld motions\n", env->program, (long long)res.motions);
  if (res.warning[0]) fprintf(stderr, "%s: warning: %s\n", env->program, res.warning);
  return 0;
}

int cmd_run(int argc, char **argv, const cli_env *env) {
  run_args a;
  int parsed = parse_args(argc, argv, env, &a);
  if (parsed) return parsed > 0 ? 0 : 1;
  cli_prepare_error_file(env, a.outputs, a.suffix); /* before anything else allocates */
  relief_error err = {0};
  if (missing_option(&a, env, &err)) return cli_fail(env, a.outputs, a.suffix, NULL, &err);
  run_held h = {.settings = relief_settings_new()};
  bool suffix_ok = true;
  int code;
  if (settle_names(&a, env, h.settings, &suffix_ok, &err) || settle_policy(&a, env, &h, &err)) {
    code = cli_fail(env, a.outputs, suffix_ok ? a.suffix : NULL, NULL, &err);
  } else if (mkdir(a.outputs, 0700) != 0 && errno != EEXIST) {
    error_set(&err, RELIEF_E_IO, a.outputs, 0, -1, "cannot create the output folder: %s",
              strerror(errno));
    code = cli_fail(env, NULL, a.suffix, NULL, &err);
  } else if (settle_inputs(&a, &h, &err)) {
    code = cli_fail(env, a.outputs, a.suffix, NULL, &err);
  } else {
    code = run_and_report(argc, argv, &a, env, &h);
  }
  release(&h);
  return code;
}
