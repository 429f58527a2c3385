/*
 * test_options.c — eligibility options JSON: the spec's example, Go-style
 * reading (case-insensitive keys, null, unknown keys) and validation errors
 * that name the option.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/rules.h"

static relief_status parse(const char *json, relief_options *o, relief_error *err) {
  return options_parse(json, strlen(json), "opts.json", false, o, err);
}

Test(options, spec_example) {
  relief_options o;
  relief_error err;
  cr_assert_eq(
      parse("{\"baselineEligibility\": {\"dismiss\": [\"11357\", \"11358\"], \"reduce\": "
            "[\"11359\", \"11360\"]}, \"additionalRelief\": {\"subjectUnder21AtConviction\": "
            "true, \"subjectAgeThreshold\": 57, \"yearsSinceConvictionThreshold\": 10, "
            "\"yearsCrimeFreeThreshold\": 0, \"subjectIsDeceased\": true, "
            "\"subjectHasOnlyProp64Charges\": true}}",
            &o, &err),
      RELIEF_OK);
  cr_assert_eq(o.n_dismiss, 2);
  cr_assert_eq(o.dismiss[0], 1);
  cr_assert_eq(o.dismiss[1], 2);
  cr_assert_eq(o.n_reduce, 2);
  cr_assert(o.under21_at_conviction && o.deceased && o.only_prop64);
  cr_assert_eq(o.age_threshold, 57);
  cr_assert_eq(o.years_since_conviction, 10);
  cr_assert_eq(o.years_crime_free, 0);
}

Test(options, missing_keys_mean_false_and_empty) {
  relief_options o;
  relief_error err;
  cr_assert_eq(parse("{}", &o, &err), RELIEF_OK);
  cr_assert_eq(o.n_dismiss + o.n_reduce + o.age_threshold, 0);
  cr_assert_eq(parse("{\"BaselineEligibility\": {\"DISMISS\": [\"11360\", \"11360\"]}, "
                     "\"additionalRelief\": null, \"other\": 5}",
                     &o, &err),
               RELIEF_OK);
  cr_assert_eq(o.n_dismiss, 1);
  cr_assert_eq(o.dismiss[0], 4);
}

Test(options, invalid_values_name_the_option) {
  relief_options o;
  relief_error err;
  struct {
    const char *json, *option;
  } cases[] = {
      {"{\"additionalRelief\": {\"subjectAgeThreshold\": 30}}", "subjectAgeThreshold"},
      {"{\"additionalRelief\": {\"subjectAgeThreshold\": 66}}", "subjectAgeThreshold"},
      {"{\"additionalRelief\": {\"yearsSinceConvictionThreshold\": 16}}",
       "yearsSinceConvictionThreshold"},
      {"{\"additionalRelief\": {\"yearsCrimeFreeThreshold\": -1}}", "yearsCrimeFreeThreshold"},
      {"{\"additionalRelief\": {\"subjectIsDeceased\": \"yes\"}}", "subjectIsDeceased"},
      {"{\"additionalRelief\": {\"subjectAgeThreshold\": 50.5}}", "subjectAgeThreshold"},
      {"{\"baselineEligibility\": {\"dismiss\": [\"12345\"]}}", "baselineEligibility.dismiss"},
      {"{\"baselineEligibility\": {\"reduce\": \"11359\"}}", "baselineEligibility.reduce"},
      {"[1, 2]", "top level"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    cr_assert_eq(parse(cases[i].json, &o, &err), RELIEF_E_USAGE, "%s", cases[i].json);
    cr_assert(strstr(err.message, cases[i].option), "%s: %s", cases[i].json, err.message);
  }
  cr_assert_eq(parse("{not json", &o, &err), RELIEF_E_USAGE);
  cr_assert(strstr(err.message, "not valid JSON"));
}

Test(options, boundaries_are_accepted) {
  relief_options o;
  relief_error err;
  cr_assert_eq(parse("{\"additionalRelief\": {\"subjectAgeThreshold\": 40, "
                     "\"yearsSinceConvictionThreshold\": 15, \"yearsCrimeFreeThreshold\": 1}}",
                     &o, &err),
               RELIEF_OK);
  cr_assert_eq(parse("{\"additionalRelief\": {\"subjectAgeThreshold\": 65}}", &o, &err), RELIEF_OK);
}

/* Reading /dev/zero as the options file used to grow a buffer until memory
 * ran out: only a regular file is read, and past 1 MiB it is refused. */
Test(options, endless_file_is_refused_not_read_forever) {
  relief_options o;
  relief_error err;
  cr_assert_eq(options_load("/dev/zero", false, &o, &err), RELIEF_E_USAGE);
  cr_assert(strstr(err.message, "not a regular file"), "%s", err.message);
  cr_assert_str_eq(err.file, "/dev/zero");
  char big[] = "/tmp/relief-options-big-XXXXXX";
  int fd = mkstemp(big);
  cr_assert_geq(fd, 0);
  cr_assert_eq(ftruncate(fd, (1 << 20) + 1), 0);
  close(fd);
  cr_assert_eq(options_load(big, false, &o, &err), RELIEF_E_USAGE);
  cr_assert(strstr(err.message, "is over 1048576 bytes"), "%s", err.message);
  unlink(big);
}

/* A section neither dismissed nor reduced used to leave blank
 * determinations without a word: each one is named. */
Test(options, undecided_sections_are_named) {
  relief_options o;
  relief_error err;
  cr_assert_eq(parse("{\"baselineEligibility\": {\"dismiss\": [\"11357\"], \"reduce\": "
                     "[\"11359\"]}}",
                     &o, &err),
               RELIEF_OK);
  char out[4][192];
  cr_assert_eq(options_warnings(&o, "options: ", out), 2);
  cr_assert(!strncmp(out[0], "options: 11358 is neither dismissed nor reduced", 47), "%s", out[0]);
  cr_assert(!strncmp(out[1], "options: 11360 is neither dismissed nor reduced", 47), "%s", out[1]);
  cr_assert_eq(parse("{\"baselineEligibility\": {\"dismiss\": [\"11357\", \"11358\"], "
                     "\"reduce\": [\"11359\", \"11360\"]}}",
                     &o, &err),
               RELIEF_OK);
  cr_assert_eq(options_warnings(&o, "", out), 0);
}
