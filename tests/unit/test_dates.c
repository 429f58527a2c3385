/*
 * test_dates.c — YYYYMMDD parsing as strict as Go's time.Parse, day-number
 * arithmetic, and AddDate's Feb 29 rule.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "doj/doj.h"

static int32_t parse(const char *s) { return doj_parse_yyyymmdd(s, strlen(s)); }

Test(dates, valid_dates) {
  cr_assert_eq(parse("19700101"), 0);
  cr_assert_eq(parse("19700102"), 1);
  cr_assert_eq(parse("20161109"), 17114);
  cr_assert_eq(parse("00010101"), RELIEF_DAY_UNKNOWN);
  cr_assert_eq(parse("20000229"), doj_days_from_civil(2000, 2, 29));
}

Test(dates, impossible_dates_are_unknown) {
  const char *bad[] = {"19870000",  "00000000", "",         "19870230",  "19000229", "2019010",
                       "201901011", "2019O101", " 2019010", "20190101 ", "20191301", "20190132"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_eq(parse(bad[i]), RELIEF_DAY_UNKNOWN, "%s", bad[i]);
}

Test(dates, civil_round_trip) {
  for (int32_t d = -800000; d < 3000000; d += 997) {
    int y, m, dd;
    doj_civil_from_days(d, &y, &m, &dd);
    cr_assert_eq(doj_days_from_civil(y, m, dd), d);
  }
}

Test(dates, add_years_rolls_feb_29_to_mar_1) {
  int32_t feb29 = doj_days_from_civil(2000, 2, 29);
  cr_assert_eq(doj_add_years(feb29, 1), doj_days_from_civil(2001, 3, 1));
  cr_assert_eq(doj_add_years(feb29, 4), doj_days_from_civil(2004, 2, 29));
  cr_assert_eq(doj_add_years(doj_days_from_civil(2019, 11, 11), -7),
               doj_days_from_civil(2012, 11, 11));
  cr_assert_eq(doj_add_years(RELIEF_DAY_UNKNOWN, 21), doj_days_from_civil(22, 1, 1));
}

Test(dates, iso_compute_date) {
  int32_t d;
  cr_assert_eq(doj_parse_iso_date("2019-11-11", &d), 0);
  cr_assert_eq(d, doj_days_from_civil(2019, 11, 11));
  cr_assert_eq(doj_parse_iso_date("2019-02-30", &d), -1);
  cr_assert_eq(doj_parse_iso_date("2019-1-11", &d), -1);
  cr_assert_eq(doj_parse_iso_date("11/11/2019", &d), -1);
}

Test(dates, every_valid_date_of_years_0_to_9999_parses_to_its_day) {
  /* the parse's own day arithmetic against doj_days_from_civil */
  char text[16];
  int32_t prev = 0;
  for (int y = 0; y <= 9999; y++)
    for (int m = 1; m <= 12; m++)
      for (int d = 1; d <= 31; d++) {
        snprintf(text, sizeof text, "%04d%02d%02d", y, m, d);
        int32_t got = parse(text), want = doj_days_from_civil(y, m, d);
        int yy, mm, dd;
        doj_civil_from_days(want, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d) { /* February 30 and the like */
          cr_assert_eq(got, RELIEF_DAY_UNKNOWN, "%s is no date", text);
          continue;
        }
        cr_assert_eq(got, want, "%s: %d, want %d", text, got, want);
        if (y || m > 1 || d > 1) cr_assert_eq(got, prev + 1, "%s does not follow", text);
        prev = got;
      }
}
