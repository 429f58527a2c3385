/*
 * test_cli_args.c — the CLI's shared parsing and loading (args.c,
 * common_opts.c, loaders.c): option forms, repeated, unknown and missing
 * options; --compute-at, --threads, whole numbers and sizes with their
 * limits; a flow's --individual-age and --years-conviction-free; and
 * cli_statewide_main handing its settings to the runner it is given; the
 * progress bar's whole-run ETA (progress.c) on a made-up clock.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "scratch.h"

static const cli_env relief_env = {"relief", false}, gogen_env = {"gogen", true};

/* The options of a small command, parsed from args (argv[0] is added). */
typedef struct {
  const char *outputs, *county;
  bool trace;
} parsed;

static int parse(parsed *p, int n, const char **args) {
  *p = (parsed){0};
  const cli_option opts[] = {
      {"outputs", 'o', &p->outputs, NULL, "folder"},
      {"county", 0, &p->county, NULL, "county"},
      {"trace", 0, NULL, &p->trace, "trace"},
  };
  char *argv[16] = {"cmd"};
  for (int i = 0; i < n; i++) argv[i + 1] = (char *)args[i];
  return cli_parse(n + 1, argv, opts, 3, "cmd [options]", &relief_env);
}

Test(cli_parse, the_three_forms_of_a_value) {
  parsed p;
  const char *eq[] = {"--outputs=out", "--county", "LOS ANGELES", "--trace"};
  cr_assert_eq(parse(&p, 4, eq), 0);
  cr_expect_str_eq(p.outputs, "out");
  cr_expect_str_eq(p.county, "LOS ANGELES");
  cr_expect(p.trace);
  const char *short_form[] = {"-o", "dir"};
  cr_assert_eq(parse(&p, 2, short_form), 0);
  cr_expect_str_eq(p.outputs, "dir");
  cr_expect_null(p.county);
  cr_expect_not(p.trace);
  const char *empty[] = {"--outputs="};
  cr_assert_eq(parse(&p, 1, empty), 0);
  cr_expect_str_eq(p.outputs, "");
}

Test(cli_parse, help_stops_with_1) {
  parsed p;
  const char *help[] = {"--outputs=x", "--help"}, *h[] = {"-h"};
  cr_expect_eq(parse(&p, 2, help), 1);
  cr_expect_eq(parse(&p, 1, h), 1);
}

Test(cli_parse, errors_are_minus_1) {
  parsed p;
  const char *twice[] = {"--outputs=a", "--outputs", "b"};
  const char *flag_twice[] = {"--trace", "--trace"};
  const char *flag_value[] = {"--trace=yes"};
  const char *unknown[] = {"--output=a"};
  const char *no_value[] = {"--county"};
  const char *bare[] = {"LOS ANGELES"};
  const char *unknown_short[] = {"-x", "1"};
  cr_expect_eq(parse(&p, 3, twice), -1);
  cr_expect_eq(parse(&p, 2, flag_twice), -1);
  cr_expect_eq(parse(&p, 1, flag_value), -1);
  cr_expect_eq(parse(&p, 1, unknown), -1);
  cr_expect_eq(parse(&p, 1, no_value), -1);
  cr_expect_eq(parse(&p, 1, bare), -1);
  cr_expect_eq(parse(&p, 2, unknown_short), -1);
}

Test(cli_parse_common, compute_at_and_threads) {
  int32_t day = -1;
  int threads = -1;
  relief_error err = {0};
  cr_assert_eq(cli_parse_common(&relief_env, "2020-07-01", "8", &day, &threads, &err), 0);
  cr_expect_eq(day, 18444); /* days from 1970-01-01 */
  cr_expect_eq(threads, 8);
  cr_assert_eq(cli_parse_common(&relief_env, NULL, NULL, &day, &threads, &err), 0);
  cr_expect_eq(threads, 0, "no --threads is all cores");
  cr_expect_eq(day, (int32_t)(time(NULL) / 86400), "no --compute-at is today (UTC)");
}

Test(cli_parse_common, a_bad_date_names_the_option) {
  int32_t day;
  int threads;
  relief_error err = {0};
  cr_assert_eq(cli_parse_common(&relief_env, "2020-02-30", NULL, &day, &threads, &err), 1);
  cr_expect_eq(err.status, RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "--compute-at") && strstr(err.message, "2020-02-30"), "%s",
            err.message);
  /* the drop-in says what the reference said, without the value */
  cr_assert_eq(cli_parse_common(&gogen_env, "07/01/2020", NULL, &day, &threads, &err), 1);
  cr_expect_str_eq(err.message,
                   "invalid --compute-at date: Must be a valid date in the format YYYY-MM-DD");
}

Test(cli_parse_common, threads_from_1_to_4096) {
  int32_t day;
  int threads;
  relief_error err = {0};
  const char *bad[] = {"0", "-2", "4097", "8x", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_expect_eq(cli_parse_common(&relief_env, NULL, bad[i], &day, &threads, &err), 1, "'%s'",
                 bad[i]);
    cr_expect(strstr(err.message, "--threads"), "%s", err.message);
  }
  cr_expect_eq(cli_parse_common(&relief_env, NULL, "4096", &day, &threads, &err), 0);
  cr_expect_eq(threads, 4096);
}

Test(cli_parse_count, bounds_and_absence) {
  int v = 7;
  relief_error err = {0};
  cr_expect_eq(cli_parse_count(NULL, "individual-age", 1, 150, &v, &err), 0);
  cr_expect_eq(v, 7, "an absent option leaves the value");
  cr_expect_eq(cli_parse_count("150", "individual-age", 1, 150, &v, &err), 0);
  cr_expect_eq(v, 150);
  cr_expect_eq(cli_parse_count("151", "individual-age", 1, 150, &v, &err), 1);
  cr_expect(strstr(err.message, "--individual-age") && strstr(err.message, "1 to 150"), "%s",
            err.message);
  cr_expect_eq(cli_parse_count("", "individual-age", 1, 150, &v, &err), 1);
  cr_expect_eq(cli_parse_count("0", "individual-age", 1, 150, &v, &err), 1);
}

Test(cli_parse_size, suffixes_and_the_1M_floor) {
  uint64_t v = 5;
  relief_error err = {0};
  cr_expect_eq(cli_parse_size(NULL, "memory-limit", &v, &err), 0);
  cr_expect_eq(v, 5);
  struct {
    const char *text;
    uint64_t bytes;
  } good[] = {{"1M", 1u << 20},    {"600m", 600ull << 20}, {"2G", 2ull << 30},
              {"1024K", 1u << 20}, {"1048576", 1u << 20},  {"4g", 4ull << 30}};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    cr_expect_eq(cli_parse_size(good[i].text, "memory-limit", &v, &err), 0, "%s", good[i].text);
    cr_expect_eq(v, good[i].bytes, "%s", good[i].text);
  }
  const char *bad[] = {"1023K", "100", "", "-1G", "1T", "2GB", "99999999999999999999G"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_expect_eq(cli_parse_size(bad[i], "memory-limit", &v, &err), 1, "'%s'", bad[i]);
    cr_expect(strstr(err.message, "--memory-limit"), "%s", err.message);
  }
}

Test(cli_load_flow, parameters_reach_conditions_and_reasons) {
  relief_flow *plain, *flow;
  relief_error err = {0};
  cr_assert_eq(cli_load_flow("los-angeles", NULL, NULL, &plain, &err), 0, "%s", err.message);
  cr_assert_eq(cli_load_flow("los-angeles", "60", "7", &flow, &err), 0, "%s", err.message);
  cr_expect_eq(plain->age_threshold, 50);
  cr_expect_eq(plain->years_conviction_free, 10);
  cr_expect_eq(flow->age_threshold, 60);
  cr_expect_eq(flow->years_conviction_free, 7);
  bool age = false, years = false; /* the reasons that name a parameter say the value given */
  for (int r = 0; r < flow->n_rows; r++) {
    age |= !strcmp(flow->rows[r].reason, "60 years or older");
    years |= !strcmp(flow->rows[r].reason, "No convictions in past 7 years");
  }
  cr_expect(age && years, "the reasons do not name age 60 and 7 conviction-free years");
  relief_flow_free(plain);
  relief_flow_free(flow);
}

Test(cli_load_flow, bad_values_and_names) {
  relief_flow *flow = (relief_flow *)1;
  relief_error err = {0};
  cr_expect_eq(cli_load_flow("los-angeles", "0", NULL, &flow, &err), 1);
  cr_expect(strstr(err.message, "--individual-age"), "%s", err.message);
  cr_expect_eq(cli_load_flow("los-angeles", NULL, "101", &flow, &err), 1);
  cr_expect(strstr(err.message, "--years-conviction-free"), "%s", err.message);
  cr_expect_eq(cli_load_flow("/nonexistent/flow.json", NULL, NULL, &flow, &err), 1);
  cr_expect_null(flow);
}

Test(cli_loaders, absent_paths_load_nothing) {
  relief_options *options = (relief_options *)1;
  relief_filer filer;
  bool loaded = true;
  relief_error err = {0};
  cr_expect_eq(cli_load_options(NULL, true, &options, &err), 0);
  cr_expect_null(options);
  cr_expect_eq(cli_load_filer(NULL, &filer, &loaded, &err), 0);
  cr_expect_not(loaded);
  cr_expect_eq(cli_load_options("/nonexistent/options.json", true, &options, &err), 1);
  cr_expect_null(options);
  cr_expect_neq(err.status, RELIEF_OK);
}

/* ---- cli_statewide_main with a runner of its own, as relief-mpi calls it ---- */

static char root[] = "/tmp/relief-cli-args-XXXXXX";
static int runs;
static relief_settings *seen; /* a copy of what the runner was given */

static void make_root(void) {
  scratch_make(root);
  char path[256];
  snprintf(path, sizeof path, "%s/in", root);
  cr_assert_eq(mkdir(path, 0700), 0);
  const char *files[] = {"in/a.csv", "in/b.dat.zst", "in/notes.txt", "options.json"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", root, files[i]);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(i < 3 ? "x\n"
                : "{\"baselineEligibility\": {\"dismiss\": [\"11357\", \"11358\", \"11359\", "
                  "\"11360\"], \"reduce\": []}, \"additionalRelief\": {}}",
          f);
    fclose(f);
  }
}

static void remove_root(void) { scratch_remove(root); }

static relief_status fake_run(const relief_settings *s, relief_statewide_result *res,
                              relief_error *err) {
  runs++;
  memset(res, 0, sizeof *res);
  const relief_setting keys[] = {
      RELIEF_S_COMPUTE_DAY,  RELIEF_S_THREADS, RELIEF_S_MEMORY_LIMIT, RELIEF_S_SUMMARY_ONLY,
      RELIEF_S_REVIEW_FILES, RELIEF_S_REPORT,  RELIEF_S_FORMS};
  seen = relief_settings_new();
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    int64_t v;
    relief_settings_get_int(s, keys[i], &v, err);
    relief_settings_set_int(seen, keys[i], v, err);
  }
  relief_settings_set_text(seen, RELIEF_S_OUTPUTS, relief_settings_get_text(s, RELIEF_S_OUTPUTS),
                           err);
  const char *inputs[8];
  int n = relief_settings_input_count(s);
  for (int i = 0; i < n && i < 8; i++) inputs[i] = relief_settings_input(s, i);
  relief_settings_set_inputs(seen, inputs, n < 8 ? n : 8);
  return error_set(err, RELIEF_E_DATA, NULL, 0, -1, "the fake job fails");
}

Test(cli_statewide_main, the_runner_gets_the_settings, .init = make_root, .fini = remove_root) {
  char inputs[300], options[300], outputs[300];
  snprintf(inputs, sizeof inputs, "--inputs=%s/in", root);
  snprintf(options, sizeof options, "--eligibility-options=%s/options.json", root);
  snprintf(outputs, sizeof outputs, "--outputs=%s/out", root);
  char *argv[] = {"statewide",
                  inputs,
                  options,
                  outputs,
                  "--compute-at=2020-07-01",
                  "--threads=3",
                  "--memory-limit=2G",
                  "--summary-only"};
  const cli_statewide_runner quiet = {fake_run, false};
  runs = 0;
  int code = cli_statewide_main(8, argv, &relief_env, &quiet);
  cr_expect_eq(code, RELIEF_E_DATA, "the runner's failure is the exit code");
  cr_assert_eq(runs, 1);
  int64_t v;
  relief_error err;
  relief_settings_get_int(seen, RELIEF_S_COMPUTE_DAY, &v, &err);
  cr_expect_eq(v, 18444);
  relief_settings_get_int(seen, RELIEF_S_THREADS, &v, &err);
  cr_expect_eq(v, 3);
  relief_settings_get_int(seen, RELIEF_S_MEMORY_LIMIT, &v, &err);
  cr_expect_eq(v, 2ll << 30);
  relief_settings_get_int(seen, RELIEF_S_SUMMARY_ONLY, &v, &err);
  cr_expect_eq(v, 1);
  relief_settings_get_int(seen, RELIEF_S_REVIEW_FILES, &v, &err);
  cr_expect_eq(v, 1, "statewide always writes the review files");
  relief_settings_get_int(seen, RELIEF_S_FORMS, &v, &err);
  cr_expect_eq(v, 0);
  cr_expect_str_eq(relief_settings_get_text(seen, RELIEF_S_OUTPUTS),
                   outputs + strlen("--outputs="));
  cr_assert_eq(relief_settings_input_count(seen), 2, "the folder's .csv and .zst files");
  cr_expect(strstr(relief_settings_input(seen, 0), "/in/a.csv"));
  cr_expect(strstr(relief_settings_input(seen, 1), "/in/b.dat.zst"));
  relief_settings_free(seen);
  /* a quiet runner's process writes no error file: another process reports */
  char errors[300];
  snprintf(errors, sizeof errors, "%s/out/errors.json", root);
  cr_expect_neq(access(errors, F_OK), 0, "a quiet process wrote %s", errors);
}

Test(cli_statewide_main, bad_options_never_reach_the_runner, .init = make_root,
     .fini = remove_root) {
  char inputs[300], options[300], outputs[300];
  snprintf(inputs, sizeof inputs, "--inputs=%s/in", root);
  snprintf(options, sizeof options, "--eligibility-options=%s/options.json", root);
  snprintf(outputs, sizeof outputs, "--outputs=%s/out", root);
  char *argv[] = {"statewide", inputs, options, outputs, "--memory-limit=10K"};
  const cli_statewide_runner reporting = {fake_run, true};
  runs = 0;
  cr_expect_eq(cli_statewide_main(5, argv, &relief_env, &reporting), RELIEF_E_USAGE);
  cr_expect_eq(runs, 0);
}

/* A progress display at clock 0, not printing (a "terminal" drawn only by
 * cli_progress_update, which these tests do not call). */
static cli_progress progress_at_zero(bool bundle) {
  cli_progress p;
  cli_progress_init(&p, bundle);
  p.tty = true;
  p.start = p.phase_start = p.last_print = 0;
  return p;
}

Test(cli_progress, eta_is_the_whole_runs_not_the_phases) {
  cli_progress p = progress_at_zero(false);
  cli_progress_update_at(&p, 0.0, "open", 0);
  cr_assert_eq(cli_progress_eta(&p, 0.2, 0, 58), -1, "no pace before parsing");
  cli_progress_update_at(&p, 0.2, "parse", 0);
  cr_assert_eq(cli_progress_eta(&p, 0.5, 5, 1000), -1, "too little parsed to go by");
  /* half parsed in 5 s: 5 s of parse left, then group, evaluate and
   * publish at 0.12, 0.17 and 0.07 of the parse's 10 s */
  double eta = cli_progress_eta(&p, 5.2, 500, 1000);
  cr_assert_float_eq(eta, 5.0 + 3.6, 1e-9, "ETA %f", eta);
  cli_progress_update_at(&p, 10.2, "group", 0);
  cr_assert_float_eq(p.parse_seconds, 10.0, 1e-9);
  eta = cli_progress_eta(&p, 10.7, 0, 1); /* group's 1.2 s less 0.5 s, then 2.4 s */
  cr_assert_float_eq(eta, 0.7 + 2.4, 1e-9, "ETA %f", eta);
  cli_progress_update_at(&p, 12.0, "evaluate", 0);
  eta = cli_progress_eta(&p, 14.0, 0, 1); /* evaluate over its share: only publish */
  cr_assert_float_eq(eta, 0.7, 1e-9, "ETA %f", eta);
}

Test(cli_progress, a_bundle_counts_its_write_and_then_goes_by_it) {
  cli_progress p = progress_at_zero(true);
  cli_progress_update_at(&p, 0.0, "parse", 0);
  double eta = cli_progress_eta(&p, 1.0, 50, 100); /* 1 s left, then 0.1+0.5+6+1 of 2 s */
  cr_assert_float_eq(eta, 1.0 + 15.2, 1e-9, "ETA %f", eta);
  cli_progress_update_at(&p, 2.0, "group", 0);
  cli_progress_update_at(&p, 2.2, "evaluate", 0);
  cli_progress_update_at(&p, 3.2, "write", 0);
  /* a quarter written in 3 s: 9 s more at that pace, then publish's 2 s */
  eta = cli_progress_eta(&p, 6.2, 1000, 4000);
  cr_assert_float_eq(eta, 9.0 + 2.0, 1e-9, "ETA %f", eta);
}

Test(cli_progress, a_spilled_run_has_its_own_phases) {
  cli_progress p = progress_at_zero(false);
  cli_progress_update_at(&p, 0.0, "parse+spill", 0);
  double eta = cli_progress_eta(&p, 10.0, 50, 100); /* 10 s, then 0.45 + 0.1 of 20 s */
  cr_assert_float_eq(eta, 10.0 + 11.0, 1e-9, "ETA %f", eta);
  cli_progress_update_at(&p, 20.0, "read+group+evaluate", 0);
  eta = cli_progress_eta(&p, 24.5, 128, 256); /* half of its parts in 4.5 s, then publish */
  cr_assert_float_eq(eta, 4.5 + 2.0, 1e-9, "ETA %f", eta);
}
