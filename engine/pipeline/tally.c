/*
 * tally.c — adding up summaries: a thread's partial counts into its file's
 * summary, and file summaries into a run's, the earliest date included the
 * way the reference accumulated it file after file.
 */
#include <stdio.h>
#include <string.h>

#include "pipeline/pipeline_int.h"

static void add_counts(relief_relief_counts *a, const relief_relief_counts *b) {
  a->no_felony += b->no_felony;
  a->no_conviction += b->no_conviction;
  a->no_conviction_last7 += b->no_conviction_last7;
}

static void add_all_counts(relief_summary *a, const relief_summary *b) {
  add_counts(&a->current, &b->current);
  add_counts(&a->dismiss_all, &b->dismiss_all);
  for (int i = 0; i < 5; i++) a->prop64_by_section[i] += b->prop64_by_section[i];
  a->subjects_with_prop64_in_county += b->subjects_with_prop64_in_county;
  a->prop64_felony += b->prop64_felony;
  a->prop64_nonfelony += b->prop64_nonfelony;
  a->subjects_with_relief += b->subjects_with_relief;
  for (int i = 0; i < RELIEF_FLOW_MAX_ROWS; i++) a->count_by_flow_row[i] += b->count_by_flow_row[i];
  for (int i = 0; i < 5; i++)
    for (int d = 0; d < RELIEF_DET_COUNT; d++)
      a->by_section_outcome[i][d] += b->by_section_outcome[i][d];
  a->hand_review += b->hand_review;
  a->unknown_date += b->unknown_date;
  if (b->has_earliest_known &&
      (!a->has_earliest_known || b->earliest_known_day < a->earliest_known_day)) {
    a->has_earliest_known = true;
    a->earliest_known_day = b->earliest_known_day;
  }
}

void summary_add_partial(relief_summary *a, const relief_summary *b) {
  if (b->earliest_state == RELIEF_EARLIEST_DAY &&
      (a->earliest_state != RELIEF_EARLIEST_DAY || b->earliest_day < a->earliest_day)) {
    a->earliest_state = RELIEF_EARLIEST_DAY;
    a->earliest_day = b->earliest_day;
  }
  add_all_counts(a, b);
}

void summary_accumulate(relief_summary *a, const relief_summary *b) {
  /* the running date stays only if it is a real date earlier than the file's
   * (the reference kept it when non-zero and before; zero = 0001-01-01) */
  bool keep = a->earliest_state == RELIEF_EARLIEST_DAY && a->earliest_day != RELIEF_DAY_UNKNOWN &&
              (b->earliest_state == RELIEF_EARLIEST_NONE || a->earliest_day < b->earliest_day);
  if (!keep) {
    a->earliest_state = b->earliest_state;
    a->earliest_day = b->earliest_day;
  }
  a->line_count += b->line_count;
  add_all_counts(a, b);
}

bool pipeline_county_warning(const pipeline *pl, const char *county, char *out, size_t cap) {
  if (!pl->county_rows || !county) return false;
  int64_t total = 0, in = 0, top_rows = 0;
  uint32_t top = 0;
  for (uint32_t id = 0; id < pl->counties.n; id++) {
    int64_t n = pl->county_rows[id];
    total += n;
    if (!strcmp(intern_str(&pl->counties, id, NULL), county)) in += n;
    if (n > top_rows) top_rows = n, top = id;
  }
  if (!total || in * 2 >= total) return false;
  snprintf(out, cap,
           "only %lld of the %lld convicted rows have STP_ORI_CNTY_NAME \"%.60s\" (--county); "
           "most (%lld) are \"%.60s\": is --county right?",
           (long long)in, (long long)total, county, (long long)top_rows,
           intern_str(&pl->counties, top, NULL));
  return true;
}
