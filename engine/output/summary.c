/*
 * summary.c — the run summary of eligibility spec §7: accumulating file
 * summaries and rendering the JSON with the reference's key order (its Go
 * struct order; nested maps sorted by key) and compact formatting.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doj/doj.h"
#include "output/output.h"

json_t *report_extra(const relief_summary *s, double seconds, uint64_t input_bytes, int64_t people,
                     bool statewide) {
  json_t *extra = json_object(), *by = json_object();
  for (int i = 0; i < 5; i++) {
    json_t *outcomes = json_object();
    for (int d = 0; d < RELIEF_DET_COUNT; d++)
      if (s->by_section_outcome[i][d])
        json_object_set_new(outcomes, d ? determination_names[d] : "No determination",
                            json_integer(s->by_section_outcome[i][d]));
    if (json_object_size(outcomes))
      json_object_set_new(by, i ? prop64_sections[i] : "other", outcomes);
    else
      json_decref(outcomes);
  }
  json_object_set_new(extra, "convictionsBySectionAndOutcome", by);
  json_object_set_new(extra, "handReview", json_integer(s->hand_review));
  json_object_set_new(extra, "convictionsWithoutKnownDate", json_integer(s->unknown_date));
  json_object_set_new(extra, "processingTimeInSeconds", json_real(seconds));
  json_object_set_new(extra, "inputBytes", json_integer((json_int_t)input_bytes));
  json_object_set_new(extra, "people", json_integer(people));
  json_object_set_new(extra, "statewide", json_boolean(statewide));
  if (s->has_earliest_known) {
    int y, m, d;
    doj_civil_from_days(s->earliest_known_day, &y, &m, &d);
    char date[32];
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    json_object_set_new(extra, "earliestKnownConviction", json_string(date));
  }
  return extra;
}

static json_t *relief_counts_json(const relief_relief_counts *c) {
  json_t *o = json_object();
  json_object_set_new(o, "CountSubjectsNoConviction", json_integer(c->no_conviction));
  json_object_set_new(o, "CountSubjectsNoConvictionLast7Years",
                      json_integer(c->no_conviction_last7));
  json_object_set_new(o, "CountSubjectsNoFelony", json_integer(c->no_felony));
  return o;
}

/* Count of results whose deciding row has this determination and reason. */
static int64_t count_reason(const relief_summary *s, const relief_flow *flow,
                            relief_determination det, const char *reason) {
  int64_t n = 0;
  for (int i = 0; i < flow->n_rows; i++)
    if (flow->rows[i].determination == det && strcmp(flow->rows[i].reason, reason) == 0)
      n += s->count_by_flow_row[i];
  return n;
}

/* An object of section → count for the listed sections, keys sorted. */
static json_t *sections_json(const relief_summary *s, const relief_flow *flow, const uint8_t *list,
                             int n, relief_determination det, const char *verb) {
  json_t *o = json_object();
  for (int section = 1; section <= 4; section++) {
    int listed = 0;
    for (int i = 0; i < n; i++) listed |= list[i] == section;
    if (!listed) continue;
    char reason[64];
    snprintf(reason, sizeof reason, "%s all HS %s convictions", verb, prop64_sections[section]);
    json_object_set_new(o, prop64_sections[section],
                        json_integer(count_reason(s, flow, det, reason)));
  }
  return o;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *additional_relief_json(const relief_summary *s, const relief_flow *flow) {
  const char *reasons[RELIEF_FLOW_MAX_ROWS];
  int n = 0;
  for (int i = 0; i < flow->n_rows; i++) {
    const relief_flow_row *r = &flow->rows[i];
    if (r->determination != RELIEF_DET_DISMISS || !s->count_by_flow_row[i]) continue;
    if (!strncmp(r->reason, "Dismiss all HS", 14) ||
        !strncmp(r->reason, "Misdemeanor or Infraction", 25))
      continue;
    int dup = 0;
    for (int k = 0; k < n; k++) dup |= strcmp(reasons[k], r->reason) == 0;
    if (!dup) reasons[n++] = r->reason;
  }
  qsort(reasons, (size_t)n, sizeof *reasons, cmp_str);
  json_t *o = json_object();
  for (int i = 0; i < n; i++)
    json_object_set_new(o, reasons[i],
                        json_integer(count_reason(s, flow, RELIEF_DET_DISMISS, reasons[i])));
  return o;
}

char *output_summary_json(const relief_summary *s, const char *county, const relief_flow *flow,
                          const relief_options *opt, double seconds, int64_t now_unix) {
  char earliest[64];
  if (s->earliest_state == RELIEF_EARLIEST_DAY) {
    int y, m, d;
    doj_civil_from_days(s->earliest_day, &y, &m, &d);
    snprintf(earliest, sizeof earliest, "%04d-%02d-%02dT00:00:00Z", y, m, d);
  } else {
    time_t t = (time_t)now_unix;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(earliest, sizeof earliest, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  json_t *root = json_object();
  json_t *county_json = json_string(county);
  if (!county_json) county_json = json_string("");
  json_object_set_new(root, "county", county_json);
  json_object_set_new(root, "earliestConviction", json_string(earliest));
  json_object_set_new(root, "lineCount", json_integer(s->line_count));
  json_object_set_new(root, "processingTimeInSeconds", json_real(seconds));
  json_object_set_new(root, "reliefWithCurrentEligibilityChoices", relief_counts_json(&s->current));
  json_object_set_new(root, "reliefWithDismissAllProp64", relief_counts_json(&s->dismiss_all));
  json_t *by_section = json_object();
  for (int i = 1; i <= 4; i++)
    if (s->prop64_by_section[i])
      json_object_set_new(by_section, prop64_sections[i], json_integer(s->prop64_by_section[i]));
  json_object_set_new(root, "prop64ConvictionsCountInCountyByCodeSection", by_section);
  json_object_set_new(root, "subjectsWithProp64ConvictionCountInCounty",
                      json_integer(s->subjects_with_prop64_in_county));
  json_object_set_new(root, "prop64FelonyConvictionsCountInCounty", json_integer(s->prop64_felony));
  json_object_set_new(root, "prop64NonFelonyConvictionsCountInCounty",
                      json_integer(s->prop64_nonfelony));
  json_object_set_new(root, "subjectsWithSomeReliefCount", json_integer(s->subjects_with_relief));
  json_object_set_new(
      root, "convictionDismissalCountByCodeSection",
      sections_json(s, flow, opt->dismiss, opt->n_dismiss, RELIEF_DET_DISMISS, "Dismiss"));
  json_object_set_new(
      root, "convictionReductionCountByCodeSection",
      sections_json(s, flow, opt->reduce, opt->n_reduce, RELIEF_DET_REDUCE, "Reduce"));
  json_object_set_new(root, "convictionDismissalCountByAdditionalRelief",
                      additional_relief_json(s, flow));
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
  json_decref(root);
  return text;
}
