/*
 * test_settings.c — relief_settings, the public job settings: defaults,
 * each key's type and range, copies the object owns, a job refusing
 * another job's setting, and a job that leaves process-wide state (jansson's
 * allocator) as the program set it.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relief/relief.h"
#include "scratch.h"

Test(settings, defaults) {
  relief_settings *s = relief_settings_new();
  relief_error err = {0};
  int64_t v = -1;
  const relief_setting zero[] = {
      RELIEF_S_THREADS,      RELIEF_S_TRACE,        RELIEF_S_REVIEW_FILES,
      RELIEF_S_FORMS,        RELIEF_S_REPORT,       RELIEF_S_FILINGS_ONLY,
      RELIEF_S_GOGEN_NAMING, RELIEF_S_SUMMARY_ONLY, RELIEF_S_MEMORY_LIMIT};
  for (size_t i = 0; i < sizeof zero / sizeof *zero; i++) {
    cr_assert_eq(relief_settings_get_int(s, zero[i], &v, &err), RELIEF_OK);
    cr_expect_eq(v, 0, "key %d", (int)zero[i]);
  }
  cr_assert_eq(relief_settings_get_int(s, RELIEF_S_COMPUTE_DAY, &v, &err), RELIEF_OK);
  cr_expect_eq(v, time(NULL) / 86400, "the compute day defaults to today");
  cr_expect_null(relief_settings_get_text(s, RELIEF_S_OUTPUTS));
  cr_expect_eq(relief_settings_input_count(s), 0);
  relief_settings_free(s);
  relief_settings_free(NULL);
}

Test(settings, set_and_get) {
  relief_settings *s = relief_settings_new();
  relief_error err = {0};
  int64_t v;
  cr_assert_eq(relief_settings_set_int(s, RELIEF_S_COMPUTE_DAY, 18444, &err), RELIEF_OK);
  cr_assert_eq(relief_settings_set_int(s, RELIEF_S_MEMORY_LIMIT, 1 << 30, &err), RELIEF_OK);
  relief_settings_get_int(s, RELIEF_S_COMPUTE_DAY, &v, &err);
  cr_expect_eq(v, 18444);
  relief_settings_get_int(s, RELIEF_S_MEMORY_LIMIT, &v, &err);
  cr_expect_eq(v, 1 << 30);
  char outputs[] = "out";
  cr_assert_eq(relief_settings_set_text(s, RELIEF_S_OUTPUTS, outputs, &err), RELIEF_OK);
  outputs[0] = 'X'; /* the object holds its own copy */
  cr_expect_str_eq(relief_settings_get_text(s, RELIEF_S_OUTPUTS), "out");
  cr_assert_eq(relief_settings_set_text(s, RELIEF_S_OUTPUTS, NULL, &err), RELIEF_OK);
  cr_expect_null(relief_settings_get_text(s, RELIEF_S_OUTPUTS));
  char a[] = "a.csv", b[] = "b.csv.zst";
  const char *inputs[] = {a, b};
  relief_settings_set_inputs(s, inputs, 2);
  a[0] = 'X';
  cr_expect_eq(relief_settings_input_count(s), 2);
  cr_expect_str_eq(relief_settings_input(s, 0), "a.csv");
  cr_expect_str_eq(relief_settings_input(s, 1), "b.csv.zst");
  cr_expect_null(relief_settings_input(s, 2));
  relief_settings_set_inputs(s, inputs + 1, 1); /* replaces */
  cr_expect_eq(relief_settings_input_count(s), 1);
  relief_settings_free(s);
}

Test(settings, types_and_ranges) {
  relief_settings *s = relief_settings_new();
  relief_error err = {0};
  int64_t v;
  struct {
    relief_setting key;
    int64_t value;
  } bad[] = {{RELIEF_S_TRACE, 2},         {RELIEF_S_THREADS, -1},
             {RELIEF_S_THREADS, 4097},    {RELIEF_S_MEMORY_LIMIT, 1000},
             {RELIEF_S_MEMORY_LIMIT, -5}, {RELIEF_S_COMPUTE_DAY, (int64_t)INT32_MAX + 1},
             {RELIEF_S_OUTPUTS, 1},       {(relief_setting)0, 1},
             {(relief_setting)999, 1}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    err.message[0] = 0;
    cr_expect_eq(relief_settings_set_int(s, bad[i].key, bad[i].value, &err), RELIEF_E_USAGE,
                 "row %zu", i);
    cr_expect(err.message[0], "row %zu has no message", i);
  }
  cr_expect(strstr(err.message, "999"), "%s", err.message);
  relief_settings_get_int(s, RELIEF_S_THREADS, &v, &err);
  cr_expect_eq(v, 0, "a refused value leaves the setting");
  cr_expect_eq(relief_settings_set_text(s, RELIEF_S_TRACE, "x", &err), RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "RELIEF_S_TRACE"), "%s", err.message);
  cr_expect_eq(relief_settings_set_text(s, RELIEF_S_COUNTY, "", &err), RELIEF_E_USAGE);
  cr_expect_eq(relief_settings_get_int(s, RELIEF_S_SUFFIX, &v, &err), RELIEF_E_USAGE);
  cr_expect_null(relief_settings_get_text(s, RELIEF_S_THREADS));
  relief_settings_free(s);
}

Test(settings, policies) {
  relief_settings *s = relief_settings_new();
  relief_error err = {0};
  relief_flow *la;
  cr_assert_eq(relief_flow_read("los-angeles", &la, &err), RELIEF_OK, "%s", err.message);
  cr_expect_eq(relief_settings_add_policy(s, "LOS ANGELES", NULL, la, &err), RELIEF_OK);
  cr_expect_eq(relief_settings_add_policy(s, "LOS ANGELES", NULL, la, &err), RELIEF_E_USAGE);
  cr_expect_eq(relief_settings_add_policy(s, "", NULL, la, &err), RELIEF_E_USAGE);
  cr_expect_eq(relief_settings_add_policy(s, "KERN", NULL, NULL, &err), RELIEF_E_USAGE);
  relief_settings_free(s);
  relief_flow_free(la);
}

Test(flow_read_with, parameters) {
  relief_flow *flow = NULL;
  relief_error err = {0};
  relief_flow_param age = {"age", 70}, unknown = {"beforeYear", 2000}, big = {"age", 151};
  cr_expect_eq(relief_flow_read_with("los-angeles", &age, 1, &flow, &err), RELIEF_OK, "%s",
               err.message);
  cr_expect_not_null(flow);
  relief_flow_free(flow);
  cr_expect_eq(relief_flow_read_with("los-angeles", &unknown, 1, &flow, &err), RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "beforeYear"), "%s", err.message);
  cr_expect_null(flow);
  cr_expect_eq(relief_flow_read_with("los-angeles", &big, 1, &flow, &err), RELIEF_E_USAGE);
}

static char root[] = "/tmp/relief-settings-XXXXXX";
static void setup(void) { scratch_make(root); }
static void teardown(void) { scratch_remove(root); }

static relief_options *write_options(void) {
  char path[256];
  snprintf(path, sizeof path, "%s/options.json", root);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("{\"baselineEligibility\": {\"dismiss\": [\"11357\", \"11358\"], \"reduce\": [\"11359\", "
        "\"11360\"]}, \"additionalRelief\": {\"subjectUnder21AtConviction\": true, "
        "\"subjectAgeThreshold\": 57, \"yearsSinceConvictionThreshold\": 10, "
        "\"yearsCrimeFreeThreshold\": 0, \"subjectIsDeceased\": true, "
        "\"subjectHasOnlyProp64Charges\": true}}",
        f);
  fclose(f);
  relief_options *o;
  relief_error err = {0};
  cr_assert_eq(relief_options_read(path, true, &o, &err), RELIEF_OK, "%s", err.message);
  return o;
}

Test(settings, a_job_refuses_another_jobs_setting, .init = setup, .fini = teardown) {
  relief_options *options = write_options();
  relief_settings *s = relief_settings_new();
  relief_error err = {0};
  relief_settings_set_options(s, options);
  relief_settings_set_text(s, RELIEF_S_OUTPUTS, root, &err);
  relief_settings_set_int(s, RELIEF_S_SUMMARY_ONLY, 1, &err);
  relief_run_result res;
  cr_expect_eq(relief_run(s, &res, &err), RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "RELIEF_S_SUMMARY_ONLY"), "%s", err.message);
  relief_settings_set_int(s, RELIEF_S_SUMMARY_ONLY, 0, &err);
  cr_expect_eq(relief_run(s, &res, &err), RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "RELIEF_S_COUNTY"), "a run needs its county: %s", err.message);
  relief_settings_set_text(s, RELIEF_S_COUNTY, "KERN", &err);
  relief_statewide_result sres;
  cr_expect_eq(relief_statewide(s, &sres, &err), RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "RELIEF_S_COUNTY"), "%s", err.message);
  relief_settings_free(s);
  relief_options_free(options);
}

static void *counting_alloc(size_t n) { return malloc(n); }

/* The program's choice of jansson allocator stays, whatever a job does. */
Test(settings, a_job_leaves_jansson_allocator_alone, .init = setup, .fini = teardown) {
  json_set_alloc_funcs(counting_alloc, free);
  relief_options *options = write_options();
  relief_settings *s = relief_settings_new();
  relief_error err = {0};
  relief_settings_set_options(s, options);
  char outputs[300];
  snprintf(outputs, sizeof outputs, "%s/out", root);
  relief_settings_set_text(s, RELIEF_S_OUTPUTS, outputs, &err);
  relief_settings_set_text(s, RELIEF_S_COUNTY, "KERN", &err);
  const char *inputs[] = {"/nonexistent/input.csv"};
  relief_settings_set_inputs(s, inputs, 1);
  relief_run_result res;
  cr_expect_neq(relief_run(s, &res, &err), RELIEF_OK, "a missing input fails the run");
  json_malloc_t m;
  json_free_t f;
  json_get_alloc_funcs(&m, &f);
  cr_expect(m == counting_alloc, "relief_run changed jansson's allocator");
  relief_settings_free(s);
  relief_options_free(options);
}
