/*
 * whatif.c — the compact decided data behind what-if summaries: per person
 * with an in-county Prop 64 conviction, each such conviction's feature bits
 * and the option thresholds that would add a bit; the rest of the summary
 * (counts that no option changes) is kept from an evaluate pass as is.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "job/job.h"
#include "output/output.h"
#include "serve/whatif.h"

/* Thresholds the options accept (eligibility spec §6.1). */
enum { AGE_MIN = 40, AGE_MAX = 65, YEARS_MAX = 15 };

typedef struct {
  uint32_t features;  /* with the threshold bits left out (configurable flow) */
  uint16_t years_ago; /* bit N: conviction_n_years_ago holds with N years */
  uint8_t recent;     /* disposition within 7 years of the compute date */
} wi_conviction;

typedef struct {
  uint32_t first, n;   /* its relevant convictions in the table */
  uint32_t age;        /* bit N-40: age_threshold holds at age N */
  uint16_t crime_free; /* bit N: crime_free_n_years holds with N years */
  /* the person's other convictions, always undecided */
  uint32_t n_convictions, other_felonies, other_recent;
} wi_person;

struct whatif_table {
  char *county;
  bool configurable;
  relief_flow flow;    /* the fixed flow, when not configurable */
  relief_summary base; /* what no option changes */
  wi_person *people;
  size_t n_people, cap_people;
  wi_conviction *conv;
  size_t n_conv, cap_conv;
};

static const struct row_result *no_result(const decision *d, format_scratch *s,
                                          arena_block **arena) {
  (void)d, (void)s, (void)arena;
  return NULL;
}

/* What the collect stage of one input keeps people with. */
typedef struct {
  whatif_table *t;
  const pipeline *pl;
} wi_collect;

/* One person's record, when some conviction is relevant under flow. */
static void keep_person(void *user, relief_person *p) {
  wi_collect *wc = user;
  whatif_table *t = wc->t;
  int county = pipeline_run_county(wc->pl);
  const relief_flow *flow = &t->flow;
  relief_eval_ctx ctx = pipeline_eval_ctx(wc->pl);
  for (int i = 0; i < p->n_convictions; i++)
    p->convictions[i].in_county = p->convictions[i].county == county;
  relief_person_facts facts = person_features(&ctx, flow, p);
  int32_t seven_ago = doj_add_years(ctx.compute_day, -7);
  wi_person rec = {.first = (uint32_t)t->n_conv, .n_convictions = (uint32_t)p->n_convictions};
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    uint64_t f = rules_features(&ctx, flow, p, i, &facts);
    bool recent = c->disp_day > seven_ago;
    if (!flow_relevant(flow, f)) {
      rec.other_felonies += c->felony;
      rec.other_recent += recent;
      continue;
    }
    if (t->n_conv == t->cap_conv) {
      t->cap_conv = t->cap_conv ? t->cap_conv * 2 : 4096;
      t->conv = xreallocarray(t->conv, t->cap_conv, sizeof *t->conv);
    }
    wi_conviction *w = &t->conv[t->n_conv++];
    *w = (wi_conviction){.features = (uint32_t)f, .recent = recent};
    if (t->configurable) /* the same test as rules_features with N years */
      for (int n = 1; n <= YEARS_MAX; n++)
        if (c->disp_day <= doj_add_years(ctx.compute_day, -n)) w->years_ago |= 1u << n;
    rec.n++;
  }
  if (!rec.n) return;
  if (t->configurable) { /* the same tests as person_features */
    for (int n = AGE_MIN; n <= AGE_MAX; n++)
      if (doj_add_years(p->dob_day, n) <= ctx.compute_day) rec.age |= 1u << (n - AGE_MIN);
    int32_t latest = person_latest_disposition(p);
    for (int n = 1; n <= YEARS_MAX; n++)
      if (latest < doj_add_years(ctx.compute_day, -n)) rec.crime_free |= 1u << n;
  }
  if (t->n_people == t->cap_people) {
    t->cap_people = t->cap_people ? t->cap_people * 2 : 1024;
    t->people = xreallocarray(t->people, t->cap_people, sizeof *t->people);
  }
  t->people[t->n_people++] = rec;
}

/* The collect stage: every decided person's record. */
static relief_status collect(void *user, pipeline *pl, relief_error *err) {
  (void)err;
  wi_collect wc = {user, pl};
  pipeline_each_person(pl, keep_person, &wc);
  return RELIEF_OK;
}

/* One input: the evaluate pass for the fixed counts, then the records. */
static relief_status build_file(whatif_table *t, const relief_classifier *classifier,
                                const char *path, int32_t compute_day, int threads,
                                relief_summary *sum, relief_error *err) {
  county_plan county = {.name = t->county, .flow = t->flow};
  pipeline_plan plan = {.inputs = &path,
                        .n_inputs = 1,
                        .mode = PLAN_PER_FILE,
                        .stages = PLAN_DECIDE,
                        .county = t->county,
                        .plan = &county,
                        .classifier = classifier,
                        .compute_day = compute_day,
                        .threads = job_threads(threads),
                        .format_result = no_result,
                        .sinks = {collect, t}};
  pipeline *pl;
  relief_status st = pipeline_drive(&plan, &pl, err);
  if (!st) {
    county.summary.line_count = (int64_t)pipeline_rows(pl);
    *sum = county.summary;
  }
  pipeline_destroy(pl);
  return st;
}

whatif_table *whatif_build(const char *const *inputs, int n_inputs, const char *county,
                           int32_t compute_day, const relief_flow *flow, int threads,
                           relief_error *err) {
  whatif_table *t = xcalloc(1, sizeof *t);
  t->county = xstrdup(county);
  t->configurable = flow == NULL;
  if (flow) {
    t->flow = *flow;
  } else { /* the thresholds are masks of their own; the rest is the same for all options */
    relief_options none = {0};
    flow_configurable(&t->flow, &none);
  }
  relief_classifier *classifier = classifier_new();
  if (!classifier) {
    error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
    whatif_free(t);
    return NULL;
  }
  relief_status st = RELIEF_OK;
  for (int i = 0; i < n_inputs && !st; i++) {
    relief_summary file_sum = {0};
    st = build_file(t, classifier, inputs[i], compute_day, threads, &file_sum, err);
    if (!st) summary_accumulate(&t->base, &file_sum);
  }
  classifier_free(classifier);
  if (st) {
    whatif_free(t);
    return NULL;
  }
  return t;
}

static bool relieved(relief_determination d) {
  return d == RELIEF_DET_DISMISS || d == RELIEF_DET_REDUCE;
}

char *whatif_summary(const whatif_table *t, const relief_options *opt) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  relief_flow flow = t->flow;
  if (t->configurable) flow_configurable(&flow, opt);
  uint32_t age_bit = flow.age_threshold >= AGE_MIN && flow.age_threshold <= AGE_MAX
                         ? 1u << (flow.age_threshold - AGE_MIN)
                         : 0;
  uint32_t years_ago_bit = flow.years_since_conviction ? 1u << flow.years_since_conviction : 0;
  uint32_t crime_free_bit = flow.years_crime_free ? 1u << flow.years_crime_free : 0;
  relief_summary s = t->base;
  memset(&s.current, 0, sizeof s.current);
  s.subjects_with_relief = 0;
  memset(s.count_by_flow_row, 0, sizeof s.count_by_flow_row);
  for (size_t k = 0; k < t->n_people; k++) {
    const wi_person *p = &t->people[k];
    uint64_t person_bits = 0;
    if (t->configurable) {
      if (p->age & age_bit) person_bits |= RELIEF_F_AGE_THRESHOLD;
      if (p->crime_free & crime_free_bit) person_bits |= RELIEF_F_CRIME_FREE_N_YEARS;
    }
    uint32_t felonies = p->other_felonies, felonies_relieved = 0, dismissed = 0;
    uint32_t recent = p->other_recent, recent_dismissed = 0;
    bool any = false;
    for (uint32_t i = p->first; i < p->first + p->n; i++) {
      const wi_conviction *c = &t->conv[i];
      uint64_t f = c->features | person_bits;
      if (t->configurable && (c->years_ago & years_ago_bit)) f |= RELIEF_F_CONVICTION_N_YEARS_AGO;
      const relief_flow_row *rule = flow_decide(&flow, f);
      relief_determination det = RELIEF_DET_NONE;
      if (rule) {
        det = rule->determination;
        s.count_by_flow_row[rule - flow.rows]++;
      }
      bool felony = (f & RELIEF_F_FELONY) != 0;
      felonies += felony;
      felonies_relieved += felony && relieved(det);
      dismissed += det == RELIEF_DET_DISMISS;
      recent += c->recent;
      recent_dismissed += c->recent && det == RELIEF_DET_DISMISS;
      any |= relieved(det);
    }
    s.current.no_felony += felonies && felonies == felonies_relieved;
    s.current.no_conviction += p->n_convictions == dismissed;
    s.current.no_conviction_last7 += recent && recent == recent_dismissed;
    s.subjects_with_relief += any;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  return output_summary_json(&s, t->county, &flow, opt, seconds, (int64_t)time(NULL));
}

void whatif_stats(const whatif_table *t, size_t *people, size_t *convictions, size_t *bytes) {
  *people = t->n_people;
  *convictions = t->n_conv;
  *bytes = t->n_people * sizeof *t->people + t->n_conv * sizeof *t->conv;
}

void whatif_free(whatif_table *t) {
  if (!t) return;
  free(t->county);
  free(t->people);
  free(t->conv);
  free(t);
}
