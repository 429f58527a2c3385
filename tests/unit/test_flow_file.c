/*
 * test_flow_file.c — flow files: the built-in Los Angeles flow loads with
 * its parameters and overrides, a county policy file decides with no
 * rebuild, and bad files are rejected naming the row and field.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "doj/doj.h"
#include "rules/rules.h"

static relief_status parse(const char *json, relief_flow *flow, relief_error *err) {
  return flow_parse(json, strlen(json), "policy.json", NULL, flow, err);
}

Test(flow_file, los_angeles_builtin) {
  relief_flow flow;
  relief_error err;
  cr_assert_eq(flow_los_angeles(NULL, &flow, &err), RELIEF_OK, "%s", err.message);
  cr_assert_eq(flow.n_rows, 14);
  cr_assert_eq(flow.age_threshold, 50);
  cr_assert_eq(flow.years_conviction_free, 10);
  cr_assert_str_eq(flow.rows[0].id, "misdemeanor");
  cr_assert_eq(flow.rows[0].determination, RELIEF_DET_CITY_ATTORNEYS);
  cr_assert_str_eq(flow.rows[7].reason, "50 years or older");
  cr_assert_str_eq(flow.rows[10].reason, "No convictions in past 10 years");
  cr_assert_str_eq(flow.rows[13].reason, "No applicable eligibility criteria");
  relief_flow_overrides ov = {.age = 40, .years_conviction_free = 5};
  cr_assert_eq(flow_los_angeles(&ov, &flow, &err), RELIEF_OK);
  cr_assert_str_eq(flow.rows[7].reason, "40 years or older");
  cr_assert_str_eq(flow.rows[10].reason, "No convictions in past 5 years");
}

Test(flow_file, county_policy_decides) {
  const char *policy =
      "{\"name\": \"p\", \"parameters\": {\"beforeYear\": 2000}, \"rows\": ["
      "{\"id\": \"strike\", \"when\": {\"person_has_superstrike\": true}, \"decide\": "
      "\"hand-review\", \"reason\": \"strike\"},"
      "{\"id\": \"old\", \"when\": [\"disposition_before_year\"], \"decide\": \"dismiss\", "
      "\"reason\": \"before {beforeYear}\"},"
      "{\"id\": \"rest\", \"when\": {}, \"decide\": \"Hand Review\", \"reason\": \"other\"}]}";
  relief_flow flow;
  relief_error err;
  cr_assert_eq(parse(policy, &flow, &err), RELIEF_OK, "%s", err.message);
  relief_classifier *cls = classifier_new();
  relief_code_class classes[2] = {rules_classify(cls, "11359 HS", 8),
                                  rules_classify(cls, "187 PC", 6)};
  classifier_free(cls);
  relief_conviction conv[2] = {
      {.disp_day = doj_days_from_civil(1995, 1, 1), .class_id = 0, .felony = 1, .in_county = 1},
      {.disp_day = doj_days_from_civil(1990, 1, 1), .class_id = 1, .felony = 1, .in_county = 1},
  };
  relief_person p = {
      .dob_day = doj_days_from_civil(1970, 1, 1), .convictions = conv, .n_convictions = 1};
  relief_eval_ctx ctx = {.classes = classes, .compute_day = doj_days_from_civil(2019, 11, 11)};
  relief_person_facts facts = person_features(&ctx, &flow, &p);
  const relief_flow_row *r = flow_decide(&flow, rules_features(&ctx, &flow, &p, 0, &facts));
  cr_assert_str_eq(r->id, "old");
  cr_assert_str_eq(r->reason, "before 2000");
  p.n_convictions = 2; /* now the person has a superstrike */
  facts = person_features(&ctx, &flow, &p);
  r = flow_decide(&flow, rules_features(&ctx, &flow, &p, 0, &facts));
  cr_assert_str_eq(r->id, "strike");
  conv[0].disp_day = doj_days_from_civil(2001, 1, 1);
  p.n_convictions = 1;
  facts = person_features(&ctx, &flow, &p);
  r = flow_decide(&flow, rules_features(&ctx, &flow, &p, 0, &facts));
  cr_assert_str_eq(r->id, "rest");
}

Test(flow_file, errors_name_row_and_field) {
  struct {
    const char *json, *expect;
  } cases[] = {
      {"{\"name\": \"x\", \"rows\": [{\"id\": \"a\", \"when\": {\"no_such\": true}, \"decide\": "
       "\"dismiss\"}]}",
       "row 1 a: unknown feature"},
      {"{\"name\": \"x\", \"rows\": [{\"id\": \"a\", \"when\": {}, \"decide\": \"dismiss\"}, "
       "{\"id\": \"b\", \"when\": {}, \"decide\": \"maybe\"}]}",
       "row 2 b: field \"decide\""},
      {"{\"name\": \"x\", \"rows\": [{\"when\": {}, \"decide\": \"dismiss\"}]}",
       "row 1: field \"id\""},
      {"{\"name\": \"x\", \"rows\": [{\"id\": \"a\", \"when\": {\"age_threshold\": true}, "
       "\"decide\": \"dismiss\"}]}",
       "needs parameter age"},
      {"{\"name\": \"x\", \"rows\": [{\"id\": \"a\", \"when\": {}, \"decide\": \"dismiss\", "
       "\"reason\": \"{nope}\"}]}",
       "unknown parameter {nope}"},
      {"{\"name\": \"x\", \"rows\": []}", "\"rows\""},
      {"{\"rows\": []}", "\"name\""},
      {"{\"name\": \"x\", \"parameters\": {\"age\": 0}, \"rows\": [{\"id\": \"a\", \"when\": {}, "
       "\"decide\": \"none\"}]}",
       "parameter age"},
      {"not json", "not valid JSON"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    relief_flow flow;
    relief_error err;
    cr_assert_eq(parse(cases[i].json, &flow, &err), RELIEF_E_USAGE, "%s", cases[i].json);
    cr_assert(strstr(err.message, cases[i].expect), "%s -> %s", cases[i].json, err.message);
  }
}
