/*
 * dates.c — calendar dates as day numbers (days since 1970-01-01, proleptic
 * Gregorian), parsed as strictly as the reference's Go time.Parse, and the
 * calendar-year arithmetic of Go's AddDate.
 */
#include "doj/doj.h"

int32_t doj_days_from_civil(int64_t y, int m, int d) {
  /* roll months into years first, then count days from March 1 of year 0 */
  y += (m - 1) / 12;
  m = (m - 1) % 12 + 1;
  if (m <= 0) {
    m += 12;
    y -= 1;
  }
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5; /* day of year of the 1st of the month */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + doe - 719468 + (d - 1));
}

void doj_civil_from_days(int32_t day, int *y, int *m, int *d) {
  int64_t z = (int64_t)day + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m) {
  static const int days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m];
}

static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* doj_days_from_civil for a valid date of years 0..9999 (every row has
 * two): the year counted from 400 so that every division is of a positive
 * number by a constant, then the days of the months before. */
static int32_t day_of_valid_date(int y, int m, int d) {
  static const int before_month[13] = {0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  unsigned Y = (unsigned)y + 399; /* years before y, counted from year -400 */
  int32_t years = (int32_t)(365 * Y + Y / 4 - Y / 100 + Y / 400);
  int leap = m > 2 && is_leap(y);
  /* years is the day number of y-01-01 counted from year -400 less 366;
   * 1970-01-01 (day 0) is 865,625 days after -400-01-01 */
  return years - (865625 - 366) + before_month[m] + leap + d - 1;
}

int32_t doj_parse_yyyymmdd(const char *s, size_t len) {
  if (len != 8) return RELIEF_DAY_UNKNOWN;
  int y = digits(s, 4), m = digits(s + 4, 2), d = digits(s + 6, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return RELIEF_DAY_UNKNOWN;
  return day_of_valid_date(y, m, d);
}

int doj_parse_iso_date(const char *s, int32_t *day) {
  if (!s) return -1;
  size_t n = 0;
  while (s[n]) n++;
  if (n != 10 || s[4] != '-' || s[7] != '-') return -1;
  int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return -1;
  *day = doj_days_from_civil(y, m, d);
  return 0;
}

int32_t doj_add_years(int32_t day, int years) {
  int y, m, d;
  doj_civil_from_days(day, &y, &m, &d);
  return doj_days_from_civil((int64_t)y + years, m, d);
}
