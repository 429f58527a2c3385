/*
 * test_summary.c — the summary JSON's key order and formatting, and the
 * reference's file-by-file carrying of the earliest conviction date.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "doj/doj.h"
#include "output/output.h"

Test(summary, key_order_and_maps) {
  relief_options o = {
      .dismiss = {2, 1}, .n_dismiss = 2, .reduce = {3}, .n_reduce = 1, .deceased = true};
  relief_flow flow;
  flow_configurable(&flow, &o);
  relief_summary s = {.earliest_state = RELIEF_EARLIEST_DAY,
                      .earliest_day = doj_days_from_civil(1979, 6, 1),
                      .line_count = 38};
  s.prop64_by_section[2] = 7;
  s.prop64_by_section[1] = 3;
  s.count_by_flow_row[1] = 6; /* Dismiss all HS 11358 */
  s.count_by_flow_row[3] = 2; /* Individual is deceased */
  char *json = output_summary_json(&s, "SACRAMENTO", &flow, &o, 0.5, 0);
  const char *expect =
      "{\"county\":\"SACRAMENTO\",\"earliestConviction\":\"1979-06-01T00:00:00Z\",\"lineCount\":38,"
      "\"processingTimeInSeconds\":0.5,\"reliefWithCurrentEligibilityChoices\":{"
      "\"CountSubjectsNoConviction\":0,\"CountSubjectsNoConvictionLast7Years\":0,"
      "\"CountSubjectsNoFelony\":0},\"reliefWithDismissAllProp64\":{\"CountSubjectsNoConviction\":"
      "0,"
      "\"CountSubjectsNoConvictionLast7Years\":0,\"CountSubjectsNoFelony\":0},"
      "\"prop64ConvictionsCountInCountyByCodeSection\":{\"11357\":3,\"11358\":7},"
      "\"subjectsWithProp64ConvictionCountInCounty\":0,\"prop64FelonyConvictionsCountInCounty\":0,"
      "\"prop64NonFelonyConvictionsCountInCounty\":0,\"subjectsWithSomeReliefCount\":0,"
      "\"convictionDismissalCountByCodeSection\":{\"11357\":0,\"11358\":6},"
      "\"convictionReductionCountByCodeSection\":{\"11359\":0},"
      "\"convictionDismissalCountByAdditionalRelief\":{\"Individual is deceased\":2}}";
  cr_assert_str_eq(json, expect);
  free(json);
}

Test(summary, no_conviction_prints_the_wall_clock) {
  relief_options o = {0};
  relief_flow flow;
  flow_configurable(&flow, &o);
  relief_summary s = {.earliest_state = RELIEF_EARLIEST_NONE};
  char *json = output_summary_json(&s, "X", &flow, &o, 0, 86400);
  cr_assert(strstr(json, "\"earliestConviction\":\"1970-01-02T00:00:00Z\""));
  free(json);
}

static relief_summary file(int state, int32_t day) {
  relief_summary s = {.earliest_state = state, .earliest_day = day, .line_count = 1};
  return s;
}

Test(summary, earliest_is_carried_file_by_file) {
  int32_t d1979 = doj_days_from_civil(1979, 1, 1), d1990 = doj_days_from_civil(1990, 1, 1);
  relief_summary run = {0}, f;
  f = file(RELIEF_EARLIEST_DAY, d1990);
  summary_accumulate(&run, &f);
  f = file(RELIEF_EARLIEST_DAY, d1979);
  summary_accumulate(&run, &f);
  cr_assert_eq(run.earliest_day, d1979);
  f = file(RELIEF_EARLIEST_NONE, 0);
  summary_accumulate(&run, &f);
  cr_assert_eq(run.earliest_state, RELIEF_EARLIEST_DAY);
  cr_assert_eq(run.line_count, 3);
  /* an unknown running date is replaced by the next file's, even a later one */
  relief_summary run2 = {0};
  f = file(RELIEF_EARLIEST_DAY, RELIEF_DAY_UNKNOWN);
  summary_accumulate(&run2, &f);
  f = file(RELIEF_EARLIEST_DAY, d1990);
  summary_accumulate(&run2, &f);
  cr_assert_eq(run2.earliest_day, d1990);
}
