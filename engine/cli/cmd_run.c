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

int cli_parse_common(const cli_env *env, const char *compute_at, const char *threads,
                     int32_t *compute_day, int *n_threads, relief_error *err) {
  if (compute_at) {
    if (relief_parse_iso_date(compute_at, compute_day) != 0) {
      if (env->gogen)
        relief_error_set(
            err, RELIEF_E_USAGE, NULL, 0, -1,
            "invalid --compute-at date: Must be a valid date in the format YYYY-MM-DD");
      else
        relief_error_set(
            err, RELIEF_E_USAGE, NULL, 0, -1,
            "invalid --compute-at date '%.40s': must be a valid date in the form YYYY-MM-DD",
            compute_at);
      return 1;
    }
  } else {
    *compute_day = (int32_t)(time(NULL) / 86400);
  }
  *n_threads = 0;
  if (threads) {
    char *end;
    long t = strtol(threads, &end, 10);
    if (*end || t < 1 || t > 4096) {
      relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                       "invalid --threads '%.20s': must be a whole number from 1", threads);
      return 1;
    }
    *n_threads = (int)t;
  }
  return 0;
}

int cli_parse_count(const char *text, const char *option, int lo, int hi, int *out,
                    relief_error *err) {
  if (!text) return 0;
  char *end;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < lo || v > hi) {
    relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "invalid --%s '%.20s': must be a whole number from %d to %d", option, text, lo,
                     hi);
    return 1;
  }
  *out = (int)v;
  return 0;
}

int cli_parse_size(const char *text, const char *option, uint64_t *out, relief_error *err) {
  if (!text) return 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  int shift = 0;
  if (*end == 'K' || *end == 'k')
    shift = 10, end++;
  else if (*end == 'M' || *end == 'm')
    shift = 20, end++;
  else if (*end == 'G' || *end == 'g')
    shift = 30, end++;
  if (!*text || *text == '-' || *end || errno || v > (UINT64_MAX >> shift) ||
      (v << shift) < (1u << 20)) {
    relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "invalid --%s '%.20s': must be a size of at least 1M (K, M or G suffix)",
                     option, text);
    return 1;
  }
  *out = (uint64_t)v << shift;
  return 0;
}

int cli_load_flow(const char *name, const relief_flow_overrides *ov, relief_flow *flow,
                  relief_error *err) {
  if (!strcmp(name, "los-angeles")) return relief_flow_los_angeles(ov, flow, err) != RELIEF_OK;
  return relief_flow_load(name, ov, flow, err) != RELIEF_OK;
}

int cmd_run(int argc, char **argv, const cli_env *env) {
  const char *inputs = NULL, *county = NULL, *compute_at = NULL, *options_path = NULL,
             *outputs = NULL, *suffix = NULL, *threads = NULL, *flow_name = NULL, *age = NULL,
             *years_free = NULL, *redact_key = NULL, *filer_path = NULL, *office = NULL;
  bool trace = false, review_files = false, forms = false, redact = false;
  const cli_option opts[] = {
      {"input-doj", 0, &inputs, NULL, "DOJ extract(s), comma-separated (plain or zstd)"},
      {"county", 'c', &county, NULL,
       "the county to decide for, one of the 58 as in STP_ORI_CNTY_NAME (any case; gogen: "
       "exactly)"},
      {"compute-at", 0, &compute_at, NULL,
       "date eligibility is decided at, YYYY-MM-DD (default today, UTC)"},
      {"eligibility-options", 0, &options_path, NULL, "options JSON (eligibility spec 6.1)"},
      {"outputs", 0, &outputs, NULL, "folder for the bundle and summary"},
      {"file-name-suffix", 0, &suffix, NULL, "appended to every output file name as _SUFFIX"},
      {"threads", 0, &threads, NULL, "worker threads (default: all cores)"},
      {"flow", 0, &flow_name, NULL,
       "configurable (default, uses --eligibility-options), los-angeles, or a flow file"},
      {"individual-age", 0, &age, NULL, "los-angeles flow: age that dismisses (default 50)"},
      {"years-conviction-free", 0, &years_free, NULL,
       "los-angeles flow: conviction-free years (default 10)"},
      {"trace", 0, NULL, &trace, "add a Rule column naming the rule that decided each row"},
      {"forms", 0, NULL, &forms,
       "write court motions under Court_Filings/<COUNTY>/ (PDFs, court_list.csv)"},
      {"filer", 0, &filer_path, NULL,
       "with --forms: filer profile JSON (office, attorney, bar number, address...)"},
      {"office", 0, &office, NULL,
       "the office the impact report names (default: the --filer profile's, else \"not given\")"},
      {"review-files", 0, NULL, &review_files,
       "also write Hand_Review.csv and Prop64_Results_Extended.csv (HS 11361.8 remedy, plea "
       "bargains)"},
      {"redact", 0, NULL, &redact,
       "blank names, birth dates, SSNs, licence and ID numbers; hash CII numbers (not with "
       "--forms: court motions must name the person)"},
      {"redact-key", 0, &redact_key, NULL, "with --redact: file whose bytes key the CII hash"},
  };
  int n_opts = (int)(sizeof opts / sizeof *opts);
  int parsed =
      cli_parse(argc, argv, opts, n_opts,
                "run --input-doj=F[,F...] --county=NAME --eligibility-options=FILE "
                "--outputs=DIR [--compute-at=YYYY-MM-DD] [--file-name-suffix=S] [--threads=N] "
                "[--redact --redact-key=FILE]",
                env);
  if (parsed) return parsed > 0 ? 0 : 1;
  cli_prepare_error_file(env, outputs, suffix); /* before anything else allocates */
  relief_error err = {0};
  bool configurable = !flow_name || !strcmp(flow_name, "configurable");
  if (!outputs || !inputs || !county || (configurable && !options_path)) {
    if (env->gogen) { /* the reference's own words, which the BEAR app shows */
      relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
                       "missing required field: Run gogen --help for more info");
    } else {
      relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
                       "missing required option: --%s (see `%s run --help`)",
                       !inputs         ? "input-doj"
                       : !county       ? "county"
                       : !options_path ? "eligibility-options"
                                       : "outputs",
                       env->program);
    }
    return cli_fail(env, outputs, suffix, NULL, &err);
  }
  relief_run_config cfg = {
      .county = county, .outputs_dir = outputs, .suffix = suffix, .gogen_naming = env->gogen};
  if (cli_parse_common(env, compute_at, threads, &cfg.compute_day, &cfg.threads, &err))
    return cli_fail(env, outputs, suffix, NULL, &err);
  if (!*county) {
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, "--county must not be empty");
    return cli_fail(env, outputs, suffix, NULL, &err);
  }
  if (suffix && strchr(suffix, '/')) {
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
                     "invalid --file-name-suffix: must not contain '/' (files stay in --outputs)");
    return cli_fail(env, outputs, NULL, NULL, &err);
  }
  if (env->gogen) {
    cli_check_county(env, county);
  } else { /* relief decides for the canonical name: "Los Angeles" is LOS ANGELES */
    if (cli_resolve_county("--county", county, &cfg.county, &err))
      return cli_fail(env, outputs, suffix, NULL, &err);
  }
  relief_options options = {0};
  cfg.options = &options;
  if (options_path && relief_options_load(options_path, !env->gogen, &options, &err) != RELIEF_OK)
    return cli_fail(env, outputs, suffix, NULL, &err);
  relief_flow flow;
  if (!configurable) {
    relief_flow_overrides ov = {-1, -1, -1, -1};
    if (cli_parse_count(age, "individual-age", 1, 150, &ov.age, &err) ||
        cli_parse_count(years_free, "years-conviction-free", 1, 100, &ov.years_conviction_free,
                        &err))
      return cli_fail(env, outputs, suffix, NULL, &err);
    if (cli_load_flow(flow_name, &ov, &flow, &err))
      return cli_fail(env, outputs, suffix, NULL, &err);
    cfg.flow = &flow;
  } else if (age || years_free) {
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--%s applies to a flow with that parameter (e.g. --flow=los-angeles), not "
                     "the configurable flow",
                     age ? "individual-age" : "years-conviction-free");
    return cli_fail(env, outputs, suffix, NULL, &err);
  }
  if (redact && forms) {
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--redact cannot be combined with --forms: court motions must name the "
                     "person");
    return cli_fail(env, outputs, suffix, NULL, &err);
  }
  if (configurable && !env->gogen) { /* the drop-in says what the reference said */
    char warnings[4][192];
    int n = relief_options_warnings(&options, "options: ", warnings);
    for (int k = 0; k < n; k++) fprintf(stderr, "%s: warning: %s\n", env->program, warnings[k]);
  }
  cfg.trace = trace;
  cfg.review_files = review_files;
  cfg.forms = forms;
  cfg.report = !env->gogen; /* the drop-in writes exactly the reference's files */
  relief_filer filer;
  bool have_filer = false;
  if (cli_load_filer(filer_path, &filer, &have_filer, &err))
    return cli_fail(env, outputs, suffix, NULL, &err);
  if (have_filer) cfg.filer = &filer;
  cfg.office = office;
  if (cli_filings_mode) {
    cfg.forms = cfg.filings_only = true;
    cfg.report = false;
    cfg.filer = cli_filings_mode->filer;
    cfg.filter = cli_filings_mode->filter;
  }
  if (mkdir(outputs, 0700) != 0 && errno != EEXIST) {
    relief_error_set(&err, RELIEF_E_IO, outputs, 0, -1, "cannot create the output folder: %s",
                     strerror(errno));
    return cli_fail(env, NULL, suffix, NULL, &err);
  }
  const char **files;
  int n_files;
  char *inputs_copy = split_inputs(inputs, &files, &n_files);
  if (n_files == 0) {
    free(inputs_copy);
    free(files);
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, "--input-doj names no file");
    return cli_fail(env, outputs, suffix, NULL, &err);
  }
  relief_redaction redaction;
  unsigned char *key = NULL;
  if (cli_load_redaction(redact, redact_key, &redaction, &key, &err) != RELIEF_OK) {
    free(inputs_copy);
    free(files);
    return cli_fail(env, outputs, suffix, NULL, &err);
  }
  cfg.redaction = key ? &redaction : NULL;
  const char **command_line = xmalloc((size_t)(argc + 1) * sizeof *command_line);
  command_line[0] = env->program;
  memcpy(command_line + 1, argv, (size_t)argc * sizeof *argv);
  cfg.command_line = command_line;
  cfg.n_command_line = argc + 1;
  cfg.inputs = files;
  cfg.n_inputs = n_files;
  cli_progress progress;
  cli_progress_init(&progress);
  cfg.progress = cli_progress_update;
  cfg.progress_user = &progress;
  relief_run_result res;
  relief_status st = relief_run(&cfg, &res, &err);
  cli_progress_finish(&progress);
  int code;
  if (st != RELIEF_OK) {
    code = cli_fail(env, outputs, suffix, err.file[0] ? err.file : NULL, &err);
  } else {
    /* a stale error file from an earlier failed run no longer applies */
    char name[1024];
    relief_output_path(name, sizeof name, "", env->gogen ? "gogen" : "errors", 0, suffix,
                       env->gogen ? ".err" : ".json");
    publish_remove_own_file(outputs, name + 1);
    fprintf(stderr, "%s: %lld rows, %lld people, %.2f s (%.0f rows/s) -> %s\n", env->program,
            (long long)res.rows, (long long)res.people, res.seconds,
            res.seconds > 0 ? (double)res.rows / res.seconds : 0.0, outputs);
    if (cfg.forms) fprintf(stderr, "%s: %lld motions\n", env->program, (long long)res.motions);
    if (res.warning[0]) fprintf(stderr, "%s: warning: %s\n", env->program, res.warning);
    code = 0;
  }
  free(command_line);
  if (have_filer) relief_filer_free(&filer);
  free(key);
  free(inputs_copy);
  free(files);
  return code;
}
