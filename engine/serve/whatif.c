/*
 * whatif.c — the compact decided data behind what-if summaries, collected
 * by the run's own pipeline (plan_collector): per person and county
 * decided, each relevant conviction's feature bits and the option
 * thresholds that would add a bit; the rest of each summary (counts that
 * no option changes) is kept from the run's evaluate pass as is.
 */
#include <jansson.h>
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
  uint8_t own;        /* of the county deciding it (statewide person counts) */
} wi_conviction;

/* A person as one county decides them. */
typedef struct {
  uint32_t first, n;   /* its relevant convictions in its shard */
  uint32_t age;        /* bit N-40: age_threshold holds at age N */
  uint16_t crime_free; /* bit N: crime_free_n_years holds with N years */
  uint16_t county;     /* the table's county */
  /* the person's other convictions, always undecided */
  uint32_t n_convictions, other_felonies, other_recent;
} wi_person;

/* A person over every county decided (statewide's person counts). */
typedef struct {
  uint32_t first, n; /* its wi_person records in its shard */
  uint32_t n_convictions, felonies, recent;
} wi_whole;

/* What one thread collected. */
typedef struct {
  wi_conviction *conv;
  size_t n_conv, cap_conv;
  wi_person *people;
  size_t n_people, cap_people;
  wi_whole *wholes;
  size_t n_wholes, cap_wholes;
} wi_shard;

typedef struct {
  char *name;
  bool configurable;      /* follows the options asked; else its flow is fixed */
  relief_flow flow;       /* fixed, or configurable with no options (thresholds apart) */
  relief_options options; /* statewide, fixed: the options its summary names */
  relief_summary base;    /* what no option changes */
} wi_county;

struct whatif_table {
  bool statewide;
  wi_county *counties; /* a county run: one */
  size_t n_counties;
  wi_shard *shards;
  int n_shards;
  relief_summary persons; /* statewide: each person once (what no option changes) */
  char *frame;            /* statewide: the run's statewide_summary.json */
};

struct whatif_collector {
  whatif_table *t;
  char **fixed; /* statewide: the counties with a policy of their own */
  int n_fixed;
  const relief_flow *run_flow;
  plan_collector plan;
};

#define GROW(arr, n, cap, first)                                                                   \
  do {                                                                                             \
    if ((n) == (cap)) {                                                                            \
      (cap) = (cap) ? (cap)*2 : (first);                                                           \
      (arr) = xreallocarray((arr), (cap), sizeof *(arr));                                          \
    }                                                                                              \
  } while (0)

/* One county's record of p (its relevant convictions under the county's
 * base flow); false when none is relevant there. */
static bool keep_county(wi_shard *sh, const wi_county *wc, uint16_t k, uint32_t county,
                        relief_person *p, const relief_eval_ctx *ctx) {
  const relief_flow *flow = &wc->flow;
  for (int i = 0; i < p->n_convictions; i++)
    p->convictions[i].in_county = p->convictions[i].county == (int)county;
  relief_person_facts facts = person_features(ctx, flow, p);
  int32_t seven_ago = doj_add_years(ctx->compute_day, -7);
  wi_person rec = {
      .first = (uint32_t)sh->n_conv, .county = k, .n_convictions = (uint32_t)p->n_convictions};
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    uint64_t f = rules_features(ctx, flow, p, i, &facts);
    bool recent = c->disp_day > seven_ago;
    if (!flow_relevant(flow, f)) {
      rec.other_felonies += c->felony;
      rec.other_recent += recent;
      continue;
    }
    GROW(sh->conv, sh->n_conv, sh->cap_conv, 4096);
    wi_conviction *w = &sh->conv[sh->n_conv++];
    *w = (wi_conviction){.features = (uint32_t)f, .recent = recent, .own = c->in_county};
    if (wc->configurable) /* the same test as rules_features with N years */
      for (int n = 1; n <= YEARS_MAX; n++)
        if (c->disp_day <= doj_add_years(ctx->compute_day, -n)) w->years_ago |= 1u << n;
    rec.n++;
  }
  if (!rec.n) return false;
  if (wc->configurable) { /* the same tests as person_features */
    for (int n = AGE_MIN; n <= AGE_MAX; n++)
      if (doj_add_years(p->dob_day, n) <= ctx->compute_day) rec.age |= 1u << (n - AGE_MIN);
    int32_t latest = person_latest_disposition(p);
    for (int n = 1; n <= YEARS_MAX; n++)
      if (latest < doj_add_years(ctx->compute_day, -n)) rec.crime_free |= 1u << n;
  }
  GROW(sh->people, sh->n_people, sh->cap_people, 1024);
  sh->people[sh->n_people++] = rec;
  return true;
}

/* The collector's person: a record per county decided, and the whole. */
static void collect_person(void *user, int thread, relief_person *p, const uint32_t *counties,
                           int n_counties, const relief_eval_ctx *ctx) {
  whatif_table *t = ((whatif_collector *)user)->t;
  wi_shard *sh = &t->shards[thread];
  wi_whole w = {.first = (uint32_t)sh->n_people, .n_convictions = (uint32_t)p->n_convictions};
  for (int j = 0; j < n_counties; j++) {
    uint16_t k = t->statewide ? (uint16_t)counties[j] : 0;
    if (k < t->n_counties) w.n += keep_county(sh, &t->counties[k], k, counties[j], p, ctx);
  }
  if (!w.n) return;
  int32_t seven_ago = doj_add_years(ctx->compute_day, -7);
  for (int i = 0; i < p->n_convictions; i++) {
    w.felonies += p->convictions[i].felony;
    w.recent += p->convictions[i].disp_day > seven_ago;
  }
  GROW(sh->wholes, sh->n_wholes, sh->cap_wholes, 1024);
  sh->wholes[sh->n_wholes++] = w;
}

static bool is_fixed(const whatif_collector *c, const char *county) {
  for (int i = 0; i < c->n_fixed; i++)
    if (!strcmp(c->fixed[i], county)) return true;
  return false;
}

/* Before the first person: a shard per thread, and the counties (a county
 * run: its one, set up on its first input). */
static void collect_begin(void *user, const pipeline *pl, int threads) {
  whatif_collector *c = user;
  whatif_table *t = c->t;
  if (threads > t->n_shards) {
    t->shards = xreallocarray(t->shards, (size_t)threads, sizeof *t->shards);
    memset(t->shards + t->n_shards, 0, (size_t)(threads - t->n_shards) * sizeof *t->shards);
    t->n_shards = threads;
  }
  if (!t->statewide) return;
  size_t n;
  county_plan *plans = pipeline_plans(pl, &n);
  t->counties = xcalloc(n + 1, sizeof *t->counties);
  t->n_counties = n;
  relief_options none = {0};
  for (size_t k = 0; k < n; k++) {
    wi_county *wc = &t->counties[k];
    wc->name = xstrdup(plans[k].name);
    wc->configurable = !is_fixed(c, plans[k].name);
    wc->options = plans[k].options;
    if (wc->configurable)
      flow_configurable(&wc->flow, &none);
    else
      wc->flow = plans[k].flow;
  }
}

/* Once everyone is decided: the counts no option changes. */
static void collect_end(void *user, const pipeline *pl) {
  whatif_table *t = ((whatif_collector *)user)->t;
  size_t n;
  county_plan *plans = pipeline_plans(pl, &n);
  if (!t->statewide) { /* each input's summary, added up as the run adds them */
    relief_summary file_sum = plans[0].summary;
    file_sum.line_count = (int64_t)pipeline_rows(pl);
    summary_accumulate(&t->counties[0].base, &file_sum);
    return;
  }
  for (size_t k = 0; k < n && k < t->n_counties; k++) t->counties[k].base = plans[k].summary;
  t->persons = *pipeline_person_totals(pl);
}

whatif_collector *whatif_collector_new(const whatif_setup *setup) {
  whatif_collector *c = xcalloc(1, sizeof *c);
  whatif_table *t = c->t = xcalloc(1, sizeof *t);
  t->statewide = setup->statewide != NULL;
  if (t->statewide) {
    const relief_statewide_config *cfg = setup->statewide;
    c->fixed = xcalloc((size_t)cfg->n_policies + 1, sizeof *c->fixed);
    for (int i = 0; i < cfg->n_policies; i++)
      c->fixed[c->n_fixed++] = xstrdup(cfg->policies[i].county);
  } else {
    t->counties = xcalloc(1, sizeof *t->counties);
    t->n_counties = 1;
    wi_county *wc = &t->counties[0];
    wc->name = xstrdup(setup->county);
    wc->configurable = setup->flow == NULL;
    if (setup->flow) {
      wc->flow = *setup->flow;
    } else { /* the thresholds are masks of their own; the rest is the same for all options */
      relief_options none = {0};
      flow_configurable(&wc->flow, &none);
    }
  }
  c->plan = (plan_collector){collect_begin, collect_person, collect_end, c};
  return c;
}

const struct plan_collector *whatif_collector_plan(whatif_collector *c) { return &c->plan; }

void whatif_collector_free(whatif_collector *c) {
  if (!c) return;
  whatif_free(c->t);
  for (int i = 0; i < c->n_fixed; i++) free(c->fixed[i]);
  free(c->fixed);
  free(c);
}

whatif_table *whatif_collector_finish(whatif_collector *c, const char *statewide_summary) {
  whatif_table *t = c->t;
  c->t = NULL;
  whatif_collector_free(c);
  if (t->statewide) t->frame = xstrdup(statewide_summary ? statewide_summary : "{}");
  return t;
}

static const struct row_result *no_result(const decision *d, format_scratch *s,
                                          arena_block **arena) {
  (void)d, (void)s, (void)arena;
  return NULL;
}

/* The plan of a rebuild: decide and collect, format and write nothing. */
static pipeline_plan rebuild_plan(const whatif_setup *setup, const relief_classifier *classifier,
                                  const char *const *inputs, int n_inputs, int32_t compute_day,
                                  int threads, county_plan *county) {
  pipeline_plan plan;
  if (setup->statewide) {
    plan = job_statewide_plan(setup->statewide, classifier);
    plan.no_results = true;
    plan.review_files = plan.forms = plan.trace = false;
  } else {
    plan = (pipeline_plan){.mode = PLAN_PER_FILE,
                           .stages = PLAN_DECIDE,
                           .county = setup->county,
                           .plan = county,
                           .classifier = classifier,
                           .threads = job_threads(threads)};
  }
  plan.inputs = inputs;
  plan.n_inputs = n_inputs;
  plan.compute_day = compute_day;
  plan.format_result = no_result;
  plan.progress = NULL;
  return plan;
}

whatif_table *whatif_build(const whatif_setup *setup, const char *const *inputs, int n_inputs,
                           int32_t compute_day, int threads, const char *statewide_summary,
                           relief_error *err) {
  relief_classifier *classifier = classifier_new();
  if (!classifier) {
    error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
    return NULL;
  }
  whatif_collector *c = whatif_collector_new(setup);
  relief_status st = RELIEF_OK;
  /* a county run decides each input on its own, as the run did */
  for (int i = 0; i < (setup->statewide ? 1 : n_inputs) && !st; i++) {
    county_plan county = {.name = setup->county};
    if (!setup->statewide) county.flow = c->t->counties[0].flow;
    pipeline_plan plan =
        rebuild_plan(setup, classifier, setup->statewide ? inputs : &inputs[i],
                     setup->statewide ? n_inputs : 1, compute_day, threads, &county);
    plan.collector = whatif_collector_plan(c);
    pipeline *pl;
    st = pipeline_drive(&plan, &pl, err);
    pipeline_destroy(pl);
  }
  classifier_free(classifier);
  if (st) {
    whatif_collector_free(c);
    return NULL;
  }
  return whatif_collector_finish(c, statewide_summary);
}

static bool relieved(relief_determination d) {
  return d == RELIEF_DET_DISMISS || d == RELIEF_DET_REDUCE;
}

/* Decisions already made under a county's flow in one answer: a feature
 * set recurs across people, so flow_decide runs about once for each. */
enum { MEMO_SIZE = 256 };

/* A county's flow under opt, the threshold bits that opt sets, and its
 * summary reset to what no option changes. */
typedef struct {
  relief_flow flow;
  uint32_t age_bit, years_ago_bit, crime_free_bit;
  relief_summary s;
  uint64_t memo_key[MEMO_SIZE];
  int16_t memo_rule[MEMO_SIZE]; /* 0: empty; -1: no rule; else its index + 1 */
} wi_answer;

static const relief_flow_row *decide(wi_answer *a, uint64_t f) {
  size_t h = (size_t)((f * 0x9E3779B97F4A7C15ull) >> 56); /* MEMO_SIZE slots */
  if (a->memo_rule[h] && a->memo_key[h] == f)
    return a->memo_rule[h] > 0 ? &a->flow.rows[a->memo_rule[h] - 1] : NULL;
  const relief_flow_row *rule = flow_decide(&a->flow, f);
  a->memo_key[h] = f;
  a->memo_rule[h] = rule ? (int16_t)(rule - a->flow.rows + 1) : -1;
  return rule;
}

static void answer_begin(const wi_county *wc, const relief_options *opt, wi_answer *a) {
  a->flow = wc->flow;
  if (wc->configurable) flow_configurable(&a->flow, opt);
  const relief_flow *f = &a->flow;
  a->age_bit = wc->configurable && f->age_threshold >= AGE_MIN && f->age_threshold <= AGE_MAX
                   ? 1u << (f->age_threshold - AGE_MIN)
                   : 0;
  a->years_ago_bit =
      wc->configurable && f->years_since_conviction ? 1u << f->years_since_conviction : 0;
  a->crime_free_bit = wc->configurable && f->years_crime_free ? 1u << f->years_crime_free : 0;
  a->s = wc->base;
  memset(&a->s.current, 0, sizeof a->s.current);
  a->s.subjects_with_relief = 0;
  memset(a->s.count_by_flow_row, 0, sizeof a->s.count_by_flow_row);
}

/* What deciding a person's own convictions gives (statewide's person counts). */
typedef struct {
  uint32_t felonies_relieved, dismissed, recent_dismissed;
  bool any;
} wi_own;

/* Decides record p under its county's answer a, counting it into a->s
 * and its own convictions into own. */
static void answer_person(const wi_shard *sh, const wi_person *p, wi_answer *a, wi_own *own) {
  uint64_t person_bits = 0;
  if (p->age & a->age_bit) person_bits |= RELIEF_F_AGE_THRESHOLD;
  if (p->crime_free & a->crime_free_bit) person_bits |= RELIEF_F_CRIME_FREE_N_YEARS;
  uint32_t felonies = p->other_felonies, felonies_relieved = 0, dismissed = 0;
  uint32_t recent = p->other_recent, recent_dismissed = 0;
  bool any = false;
  for (uint32_t i = p->first; i < p->first + p->n; i++) {
    const wi_conviction *c = &sh->conv[i];
    uint64_t f = c->features | person_bits;
    if (c->years_ago & a->years_ago_bit) f |= RELIEF_F_CONVICTION_N_YEARS_AGO;
    const relief_flow_row *rule = decide(a, f);
    relief_determination det = RELIEF_DET_NONE;
    if (rule) {
      det = rule->determination;
      a->s.count_by_flow_row[rule - a->flow.rows]++;
    }
    bool felony = (f & RELIEF_F_FELONY) != 0, dismiss = det == RELIEF_DET_DISMISS;
    felonies += felony;
    felonies_relieved += felony && relieved(det);
    dismissed += dismiss;
    recent += c->recent;
    recent_dismissed += c->recent && dismiss;
    any |= relieved(det);
    if (c->own) {
      own->felonies_relieved += felony && relieved(det);
      own->dismissed += dismiss;
      own->recent_dismissed += c->recent && dismiss;
      own->any |= relieved(det);
    }
  }
  a->s.current.no_felony += felonies && felonies == felonies_relieved;
  a->s.current.no_conviction += p->n_convictions == dismissed;
  a->s.current.no_conviction_last7 += recent && recent == recent_dismissed;
  a->s.subjects_with_relief += any;
}

/* One shard's records decided: into its county answers, and (statewide)
 * the person counts each person once into persons. */
static void answer_shard(const wi_shard *sh, wi_answer *answers, relief_summary *persons) {
  for (size_t w = 0; w < sh->n_wholes; w++) {
    const wi_whole *whole = &sh->wholes[w];
    wi_own own = {0};
    for (uint32_t r = whole->first; r < whole->first + whole->n; r++)
      answer_person(sh, &sh->people[r], &answers[sh->people[r].county], &own);
    persons->current.no_felony += whole->felonies && whole->felonies == own.felonies_relieved;
    persons->current.no_conviction += whole->n_convictions == own.dismissed;
    persons->current.no_conviction_last7 += whole->recent && whole->recent == own.recent_dismissed;
    persons->subjects_with_relief += own.any;
  }
}

/* What options change in a summary, b's added into a. */
static void add_answer(relief_summary *a, const relief_summary *b) {
  a->current.no_felony += b->current.no_felony;
  a->current.no_conviction += b->current.no_conviction;
  a->current.no_conviction_last7 += b->current.no_conviction_last7;
  a->subjects_with_relief += b->subjects_with_relief;
  for (int i = 0; i < RELIEF_FLOW_MAX_ROWS; i++) a->count_by_flow_row[i] += b->count_by_flow_row[i];
}

/* Every record decided under opt, the shards in parallel (each into
 * answers of its own, then added up): the county answers (set up by the
 * caller), and the statewide person counts into persons. */
static void answer_all(const whatif_table *t, const relief_options *opt, wi_answer *answers,
                       relief_summary *persons) {
  size_t nc = t->n_counties, n = (size_t)t->n_shards;
  wi_answer *each = xcalloc(n * nc + 1, sizeof *each);
  relief_summary *each_persons = xcalloc(n + 1, sizeof *each_persons);
#pragma omp parallel for schedule(dynamic, 1) num_threads(t->n_shards > 0 ? t->n_shards : 1)
  for (size_t k = 0; k < n; k++) {
    wi_answer *mine = each + k * nc;
    for (size_t c = 0; c < nc; c++) answer_begin(&t->counties[c], opt, &mine[c]);
    answer_shard(&t->shards[k], mine, &each_persons[k]);
  }
  for (size_t k = 0; k < n; k++) {
    for (size_t c = 0; c < nc; c++) add_answer(&answers[c].s, &each[k * nc + c].s);
    add_answer(persons, &each_persons[k]);
  }
  free(each);
  free(each_persons);
}

/* statewide_summary.json under opt: the run's, its counties' summaries
 * and the totals over them decided again. */
static char *statewide_text(const whatif_table *t, const wi_answer *answers,
                            const relief_summary *persons, const relief_options *opt,
                            double seconds) {
  json_t *root = json_loads(t->frame, 0, NULL);
  if (!json_is_object(root)) root = json_object();
  json_t *old = json_object_get(root, "counties"), *counties = json_object(), *v;
  const char *name;
  int64_t now = (int64_t)time(NULL);
  json_object_foreach(old, name, v) {
    size_t k = 0;
    while (k < t->n_counties && strcmp(t->counties[k].name, name)) k++;
    if (k == t->n_counties) {
      json_object_set(counties, name, v);
      continue;
    }
    const wi_county *wc = &t->counties[k];
    char *text = output_summary_json(&answers[k].s, wc->name, &answers[k].flow,
                                     wc->configurable ? opt : &wc->options, seconds, now);
    json_object_set_new(counties, name, json_loads(text, 0, NULL));
    free(text);
  }
  json_int_t lines =
      json_integer_value(json_object_get(json_object_get(root, "totals"), "lineCount"));
  json_object_set_new(root, "totals", job_statewide_totals(counties, persons, seconds, lines));
  json_object_set_new(root, "counties", counties);
  json_object_set_new(root, "processingTimeInSeconds", json_real(seconds));
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
  json_decref(root);
  return text;
}

char *whatif_summary(const whatif_table *t, const relief_options *opt) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  wi_answer *answers = xcalloc(t->n_counties + 1, sizeof *answers);
  for (size_t k = 0; k < t->n_counties; k++) answer_begin(&t->counties[k], opt, &answers[k]);
  relief_summary persons = t->persons;
  memset(&persons.current, 0, sizeof persons.current);
  persons.subjects_with_relief = 0;
  answer_all(t, opt, answers, &persons);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  char *text = t->statewide
                   ? statewide_text(t, answers, &persons, opt, seconds)
                   : output_summary_json(&answers[0].s, t->counties[0].name, &answers[0].flow, opt,
                                         seconds, (int64_t)time(NULL));
  free(answers);
  return text;
}

void whatif_stats(const whatif_table *t, size_t *people, size_t *convictions, size_t *bytes) {
  *people = *convictions = *bytes = 0;
  for (int k = 0; k < t->n_shards; k++) {
    const wi_shard *sh = &t->shards[k];
    *people += sh->n_wholes;
    *convictions += sh->n_conv;
    *bytes += sh->n_conv * sizeof *sh->conv + sh->n_people * sizeof *sh->people +
              sh->n_wholes * sizeof *sh->wholes;
  }
}

void whatif_free(whatif_table *t) {
  if (!t) return;
  for (size_t k = 0; k < t->n_counties; k++) free(t->counties[k].name);
  free(t->counties);
  for (int k = 0; k < t->n_shards; k++) {
    free(t->shards[k].conv);
    free(t->shards[k].people);
    free(t->shards[k].wholes);
  }
  free(t->shards);
  free(t->frame);
  free(t);
}
