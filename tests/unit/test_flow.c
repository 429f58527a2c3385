/*
 * test_flow.c — flows as tables: the configurable flow's rows in the order of
 * spec §6.1, feature bits of convictions (age, under 21, years ago, crime
 * free, unknown dates) and first-row-wins decisions; the impact flows.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "doj/doj.h"
#include "rules/rules.h"

static relief_code_class classes[4];
static relief_classifier *cls;
static void setup(void) {
  cls = classifier_new();
  classes[0] = rules_classify(cls, "11357 HS", 8);
  classes[1] = rules_classify(cls, "11359 HS", 8);
  classes[2] = rules_classify(cls, "459 PC", 6);
  classes[3] = rules_classify(cls, "11364 HS", 8);
}
static void teardown(void) { classifier_free(cls); }
TestSuite(flow, .init = setup, .fini = teardown);

static relief_options example(void) {
  relief_options o = {.dismiss = {1, 2},
                      .n_dismiss = 2,
                      .reduce = {3, 4},
                      .n_reduce = 2,
                      .under21_at_conviction = true,
                      .only_prop64 = true,
                      .deceased = true,
                      .age_threshold = 57,
                      .years_since_conviction = 10};
  return o;
}

static int32_t day(int y, int m, int d) { return doj_days_from_civil(y, m, d); }

/* Decides conviction 0 of a person under the example options at 2019-11-11. */
static const relief_flow_row *decide(relief_person *p, const relief_flow *flow) {
  relief_eval_ctx ctx = {.classes = classes, .compute_day = day(2019, 11, 11)};
  relief_person_facts pf = person_features(&ctx, flow, p);
  uint64_t f = rules_features(&ctx, flow, p, 0, &pf);
  if (!flow_relevant(flow, f)) return NULL;
  return flow_decide(flow, f);
}

Test(flow, configurable_rows_follow_the_spec_order) {
  relief_options o = example();
  relief_flow flow;
  flow_configurable(&flow, &o);
  const char *reasons[] = {"Misdemeanor or Infraction",
                           "Dismiss all HS 11357 convictions",
                           "Dismiss all HS 11358 convictions",
                           "21 years or younger",
                           "57 years or older",
                           "Conviction occurred 10 or more years ago",
                           "Only has 11357-60 charges",
                           "Individual is deceased",
                           "Reduce all HS 11359 convictions",
                           "Reduce all HS 11360 convictions"};
  cr_assert_eq(flow.n_rows, 10);
  for (int i = 0; i < 10; i++) cr_assert_str_eq(flow.rows[i].reason, reasons[i]);
  cr_assert_eq(flow.rows[8].determination, RELIEF_DET_REDUCE);
}

Test(flow, decisions_for_one_person) {
  relief_options o = example();
  relief_flow flow;
  flow_configurable(&flow, &o);
  relief_conviction conv[2] = {
      {.disp_day = day(2015, 1, 1), .class_id = 1, .felony = 1, .in_county = 1},
      {.disp_day = day(2016, 1, 1), .class_id = 2, .felony = 1, .in_county = 1},
  };
  relief_person p = {.dob_day = day(1980, 5, 5), .convictions = conv, .n_convictions = 2};
  /* an 11359 felony, 4 years ago, age 39, with another conviction: reduce */
  cr_assert_str_eq(decide(&p, &flow)->reason, "Reduce all HS 11359 convictions");
  conv[0].felony = 0;
  cr_assert_str_eq(decide(&p, &flow)->reason, "Misdemeanor or Infraction");
  conv[0].felony = 1;
  p.deceased = true;
  cr_assert_str_eq(decide(&p, &flow)->reason, "Individual is deceased");
  p.n_convictions = 1; /* only Prop 64 now */
  cr_assert_str_eq(decide(&p, &flow)->reason, "Only has 11357-60 charges");
  conv[0].disp_day = day(2009, 11, 11); /* exactly 10 years: holds */
  cr_assert_str_eq(decide(&p, &flow)->reason, "Conviction occurred 10 or more years ago");
  p.dob_day = day(1962, 11, 11); /* 57 on the compute date */
  cr_assert_str_eq(decide(&p, &flow)->reason, "57 years or older");
  p.dob_day = day(1990, 1, 1); /* 19 at conviction */
  cr_assert_str_eq(decide(&p, &flow)->reason, "21 years or younger");
  conv[0].class_id = 0;
  cr_assert_str_eq(decide(&p, &flow)->reason, "Dismiss all HS 11357 convictions");
}

Test(flow, unknown_birth_date_always_meets_the_age_threshold) {
  relief_options o = {.age_threshold = 65, .reduce = {3}, .n_reduce = 1};
  relief_flow flow;
  flow_configurable(&flow, &o);
  relief_conviction conv = {
      .disp_day = day(2018, 1, 1), .class_id = 1, .felony = 1, .in_county = 1};
  relief_person p = {.dob_day = RELIEF_DAY_UNKNOWN, .convictions = &conv, .n_convictions = 1};
  cr_assert_str_eq(decide(&p, &flow)->reason, "65 years or older");
}

Test(flow, crime_free_uses_the_latest_known_date) {
  relief_options o = {.years_crime_free = 5};
  relief_flow flow;
  flow_configurable(&flow, &o);
  relief_conviction conv[2] = {
      {.disp_day = day(2010, 1, 1), .class_id = 1, .felony = 1, .in_county = 1},
      {.disp_day = RELIEF_DAY_UNKNOWN, .class_id = 2, .felony = 1},
  };
  relief_person p = {.dob_day = day(1970, 1, 1), .convictions = conv, .n_convictions = 2};
  cr_assert_str_eq(decide(&p, &flow)->reason, "No convictions in the past 5 years");
  conv[1].disp_day = day(2014, 11, 11); /* exactly 5 years: not strictly before */
  cr_assert_null(decide(&p, &flow));
}

Test(flow, out_of_county_or_not_prop64_gets_no_result) {
  relief_options o = example();
  relief_flow flow;
  flow_configurable(&flow, &o);
  relief_conviction conv = {.disp_day = day(2015, 1, 1), .class_id = 1, .felony = 1};
  relief_person p = {.dob_day = day(1980, 1, 1), .convictions = &conv, .n_convictions = 1};
  relief_eval_ctx ctx = {.classes = classes, .compute_day = day(2019, 11, 11)};
  cr_assert_not(
      flow_relevant(&flow, rules_features(&ctx, &flow, &p, 0,
                                          &(relief_person_facts){.turns_21 = day(2001, 1, 1)})));
  conv.in_county = 1;
  conv.class_id = 2;
  cr_assert_not(
      flow_relevant(&flow, rules_features(&ctx, &flow, &p, 0,
                                          &(relief_person_facts){.turns_21 = day(2001, 1, 1)})));
}

Test(flow, impact_flows) {
  relief_flow all, related;
  flow_dismiss_all_prop64(&all);
  flow_dismiss_all_prop64_and_related(&related);
  relief_conviction conv = {
      .disp_day = day(2015, 1, 1), .class_id = 3, .felony = 1, .in_county = 1};
  relief_person p = {.dob_day = day(1980, 1, 1), .convictions = &conv, .n_convictions = 1};
  cr_assert_null(decide(&p, &all));
  cr_assert_str_eq(decide(&p, &related)->reason, "Dismiss all Prop 64 and related charges");
  conv.class_id = 1;
  cr_assert_str_eq(decide(&p, &all)->reason, "Dismiss all Prop 64 charges");
}

Test(flow, under_21_with_unknown_dates) {
  relief_options o = {.under21_at_conviction = true};
  relief_flow flow;
  flow_configurable(&flow, &o);
  relief_conviction conv = {
      .disp_day = RELIEF_DAY_UNKNOWN, .class_id = 1, .felony = 1, .in_county = 1};
  relief_person p = {.dob_day = RELIEF_DAY_UNKNOWN, .convictions = &conv, .n_convictions = 1};
  cr_assert_str_eq(decide(&p, &flow)->reason, "21 years or younger");
  conv.disp_day = day(1990, 1, 1);
  cr_assert_null(decide(&p, &flow));
}

/* §6.2 check 6: a Prop 64 conviction with two earlier ones of its code
 * section's first five characters has two priors; fewer Prop 64
 * convictions in all (person_features counts them) never do. */
Test(flow, two_priors_need_two_earlier_prop64_convictions) {
  relief_options o = example();
  relief_flow flow;
  flow_configurable(&flow, &o);
  /* class 2's text is made to begin "11357 HS": a conviction outside Prop
   * 64 whose first characters begin two earlier Prop 64 ones has two priors */
  static const char *const text[] = {"11357 HS", "11359 HS", "1135", "11364 HS"};
  static const size_t len[] = {8, 8, 4, 8};
  relief_eval_ctx ctx = {.classes = classes,
                         .compute_day = day(2019, 11, 11),
                         .section_text = text,
                         .section_len = len};
  relief_conviction conv[3] = {{.disp_day = day(2010, 1, 1), .class_id = 0},
                               {.disp_day = day(2011, 1, 1), .class_id = 0},
                               {.disp_day = day(2012, 1, 1), .class_id = 0}};
  relief_person p = {.dob_day = day(1980, 1, 1), .convictions = conv, .n_convictions = 3};
  relief_person_facts pf = person_features(&ctx, &flow, &p);
  cr_assert_eq(pf.n_prop64, 3);
  cr_assert(rules_features(&ctx, &flow, &p, 2, &pf) & RELIEF_F_TWO_PRIORS);
  cr_assert_not(rules_features(&ctx, &flow, &p, 1, &pf) & RELIEF_F_TWO_PRIORS);
  p.n_convictions = 2; /* one Prop 64 conviction before the second */
  pf = person_features(&ctx, &flow, &p);
  cr_assert_eq(pf.n_prop64, 2);
  cr_assert_not(rules_features(&ctx, &flow, &p, 1, &pf) & RELIEF_F_TWO_PRIORS);
  conv[2].class_id = 2; /* two Prop 64 convictions in all, both before the third */
  p.n_convictions = 3;
  pf = person_features(&ctx, &flow, &p);
  cr_assert_eq(pf.n_prop64, 2);
  cr_assert(rules_features(&ctx, &flow, &p, 2, &pf) & RELIEF_F_TWO_PRIORS);
}
