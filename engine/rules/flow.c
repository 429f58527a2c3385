/*
 * flow.c — flows as data. A conviction's facts become a 64-bit feature mask
 * once; a flow is a short table of (mask, value) → determination + reason
 * rows, and the first row whose masked bits equal its value decides. The
 * built-in flows of eligibility spec §6.1 and §6.3 are built here as tables.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doj/doj.h"
#include "rules/rules.h"

const char *const determination_names[RELIEF_DET_COUNT] = {
    "",
    "Eligible for Dismissal",
    "Eligible for Reduction",
    "Not eligible",
    "Hand Review",
    "To be reviewed by City Attorneys",
};

const char *const feature_names[RELIEF_F_COUNT_BITS] = {
    "in_county",
    "prop64",
    "related",
    "felony",
    "has_11357",
    "has_11358",
    "has_11359",
    "has_11360",
    "under_21_at_conviction",
    "age_threshold",
    "conviction_n_years_ago",
    "crime_free_n_years",
    "only_prop64",
    "deceased",
    "pc290_registered",
    "superstrike",
    "pc290",
    "prop64_or_related",
    "after_nov_9_2016",
    "section_11357",
    "begins_11357_ab",
    "earlier_superstrike",
    "earlier_pc290",
    "two_priors",
    "current_age_21",
    "sentences_completed",
    "no_convictions_n_years",
    "serving_this_sentence",
    "person_has_superstrike",
    "disposition_before_year",
};

int feature_index(const char *name) {
  for (int i = 0; i < RELIEF_F_COUNT_BITS; i++)
    if (!strcmp(feature_names[i], name)) return i;
  return -1;
}

static void add_row(relief_flow *flow, const char *id, uint64_t mask, uint64_t value,
                    relief_determination det, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void add_row(relief_flow *flow, const char *id, uint64_t mask, uint64_t value,
                    relief_determination det, const char *fmt, ...) {
  if (flow->n_rows == RELIEF_FLOW_MAX_ROWS) return;
  relief_flow_row *r = &flow->rows[flow->n_rows++];
  snprintf(r->id, sizeof r->id, "%s", id);
  r->mask = mask;
  r->value = value;
  r->determination = det;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->reason, sizeof r->reason, fmt, ap);
  va_end(ap);
}

static uint64_t has_section_bit(int section) { return RELIEF_F_HAS_11357 << (section - 1); }

void flow_configurable(relief_flow *flow, const relief_options *opt) {
  memset(flow, 0, sizeof *flow);
  snprintf(flow->name, sizeof flow->name, "configurable");
  flow->relevance_mask = flow->relevance_value = RELIEF_F_IN_COUNTY | RELIEF_F_PROP64;
  flow->age_threshold = opt->age_threshold;
  flow->years_since_conviction = opt->years_since_conviction;
  flow->years_crime_free = opt->years_crime_free;
  const relief_determination dismiss = RELIEF_DET_DISMISS;
  add_row(flow, "misdemeanor", RELIEF_F_FELONY, 0, dismiss, "Misdemeanor or Infraction");
  for (int i = 0; i < opt->n_dismiss; i++) {
    uint64_t bit = has_section_bit(opt->dismiss[i]);
    char id[32];
    snprintf(id, sizeof id, "dismiss-%s", prop64_sections[opt->dismiss[i]]);
    add_row(flow, id, bit, bit, dismiss, "Dismiss all HS %s convictions",
            prop64_sections[opt->dismiss[i]]);
  }
  if (opt->under21_at_conviction)
    add_row(flow, "under-21", RELIEF_F_UNDER_21_AT_CONVICTION, RELIEF_F_UNDER_21_AT_CONVICTION,
            dismiss, "21 years or younger");
  if (opt->age_threshold)
    add_row(flow, "age", RELIEF_F_AGE_THRESHOLD, RELIEF_F_AGE_THRESHOLD, dismiss,
            "%d years or older", opt->age_threshold);
  if (opt->years_since_conviction)
    add_row(flow, "years-since-conviction", RELIEF_F_CONVICTION_N_YEARS_AGO,
            RELIEF_F_CONVICTION_N_YEARS_AGO, dismiss, "Conviction occurred %d or more years ago",
            opt->years_since_conviction);
  if (opt->years_crime_free)
    add_row(flow, "crime-free", RELIEF_F_CRIME_FREE_N_YEARS, RELIEF_F_CRIME_FREE_N_YEARS, dismiss,
            "No convictions in the past %d years", opt->years_crime_free);
  if (opt->only_prop64)
    add_row(flow, "only-prop64", RELIEF_F_ONLY_PROP64, RELIEF_F_ONLY_PROP64, dismiss,
            "Only has 11357-60 charges");
  if (opt->deceased)
    add_row(flow, "deceased", RELIEF_F_DECEASED, RELIEF_F_DECEASED, dismiss,
            "Individual is deceased");
  for (int i = 0; i < opt->n_reduce; i++) {
    uint64_t bit = has_section_bit(opt->reduce[i]);
    char id[32];
    snprintf(id, sizeof id, "reduce-%s", prop64_sections[opt->reduce[i]]);
    add_row(flow, id, bit, bit, RELIEF_DET_REDUCE, "Reduce all HS %s convictions",
            prop64_sections[opt->reduce[i]]);
  }
}

void flow_dismiss_all_prop64(relief_flow *flow) {
  memset(flow, 0, sizeof *flow);
  snprintf(flow->name, sizeof flow->name, "dismiss-all-prop64");
  flow->relevance_mask = flow->relevance_value = RELIEF_F_IN_COUNTY | RELIEF_F_PROP64;
  add_row(flow, "dismiss-all", 0, 0, RELIEF_DET_DISMISS, "Dismiss all Prop 64 charges");
}

void flow_dismiss_all_prop64_and_related(relief_flow *flow) {
  memset(flow, 0, sizeof *flow);
  snprintf(flow->name, sizeof flow->name, "dismiss-all-prop64-and-related");
  flow->relevance_mask = flow->relevance_value = RELIEF_F_IN_COUNTY | RELIEF_F_PROP64_OR_RELATED;
  add_row(flow, "dismiss-all-related", 0, 0, RELIEF_DET_DISMISS,
          "Dismiss all Prop 64 and related charges");
}

int32_t person_latest_disposition(const relief_person *p) {
  int32_t latest = RELIEF_DAY_UNKNOWN;
  for (int i = 0; i < p->n_convictions; i++)
    if (p->convictions[i].disp_day > latest) latest = p->convictions[i].disp_day;
  return latest;
}

int32_t earliest_date(const relief_eval_ctx *ctx, const relief_person *p, uint32_t bit) {
  bool have = false;
  int32_t earliest = RELIEF_DAY_UNKNOWN;
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    if (!(ctx->classes[c->class_id].bits & bit)) continue;
    if (!have || earliest == RELIEF_DAY_UNKNOWN || c->disp_day < earliest) earliest = c->disp_day;
    have = true;
  }
  return earliest;
}

/* A step (case) holding both a gang enhancement and an enhanceable offense. */
static bool has_gang_enhanced_step(const relief_eval_ctx *ctx, const relief_person *p) {
  for (int i = 0; i < p->n_convictions; i++) {
    if (!(ctx->classes[p->convictions[i].class_id].bits & RELIEF_CS_GANG_ENHANCEMENT)) continue;
    for (int j = 0; j < p->n_convictions; j++)
      if (p->convictions[j].step_key == p->convictions[i].step_key &&
          (ctx->classes[p->convictions[j].class_id].bits & RELIEF_CS_ENHANCEABLE))
        return true;
  }
  return false;
}

static const __int128 ns_per_day = (__int128)86400 * 1000000000;

double years_between(int32_t from_day, int32_t to_day) {
  int64_t days = (int64_t)to_day - from_day;
  double hours;
  if (days > 106751)
    hours = 2562047.0 + 2836854775807.0 / 3.6e12;
  else if (days < -106751)
    hours = -2562047.0 - 2836854775808.0 / 3.6e12;
  else
    hours = (double)(days * 24);
  return hours / (24 * 365.25);
}

/* day less n calendar years (doj_add_years): with day the compute date, the
 * same few values for every person, so the last ones are kept, per thread. */
static int32_t years_before(int32_t day, int n) {
  static _Thread_local struct {
    int32_t day, value;
    int n;
    bool set;
  } memo[4];
  unsigned k = (unsigned)n & 3;
  if (!memo[k].set || memo[k].day != day || memo[k].n != n) {
    memo[k].value = doj_add_years(day, -n);
    memo[k].day = day;
    memo[k].n = n;
    memo[k].set = true;
  }
  return memo[k].value;
}

relief_person_facts person_features(const relief_eval_ctx *ctx, const relief_flow *flow,
                                    const relief_person *p) {
  relief_person_facts facts = {0};
  uint64_t f = 0;
  if (p->deceased) f |= RELIEF_F_DECEASED;
  if (p->registered) f |= RELIEF_F_PC290_REGISTERED;
  int prop64 = 0, superstrikes = 0, pc290 = 0;
  bool completed = true, recent = false;
  __int128 compute_ns = ctx->compute_day * ns_per_day;
  int32_t conviction_free_since =
      flow->years_conviction_free ? years_before(ctx->compute_day, flow->years_conviction_free) : 0;
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    uint32_t bits = ctx->classes[c->class_id].bits;
    prop64 += (bits & RELIEF_CS_PROP64) != 0;
    superstrikes += (bits & RELIEF_CS_SUPERSTRIKE) != 0;
    pc290 += (bits & RELIEF_CS_PC290) != 0;
    if (c->sentence_end_ns > compute_ns) completed = false;
    if (flow->years_conviction_free && c->disp_day > conviction_free_since) recent = true;
  }
  facts.n_prop64 = prop64;
  if (prop64 == p->n_convictions) f |= RELIEF_F_ONLY_PROP64;
  if (completed) f |= RELIEF_F_SENTENCES_COMPLETED;
  if (flow->years_conviction_free && !recent) f |= RELIEF_F_NO_CONVICTIONS_N_YEARS;
  /* birthdays as doj_add_years(dob_day, n) finds them, the date split once */
  int dob_y, dob_m, dob_d;
  doj_civil_from_days(p->dob_day, &dob_y, &dob_m, &dob_d);
  if (flow->age_threshold &&
      doj_days_from_civil((int64_t)dob_y + flow->age_threshold, dob_m, dob_d) <= ctx->compute_day)
    f |= RELIEF_F_AGE_THRESHOLD;
  if (years_between(p->dob_day, ctx->compute_day) <= 21) f |= RELIEF_F_CURRENT_AGE_21;
  if (flow->years_crime_free &&
      person_latest_disposition(p) < years_before(ctx->compute_day, flow->years_crime_free))
    f |= RELIEF_F_CRIME_FREE_N_YEARS;
  facts.bits = f;
  facts.turns_21 = doj_days_from_civil((int64_t)dob_y + 21, dob_m, dob_d);
  if (flow->years_since_conviction)
    facts.conviction_n_years = years_before(ctx->compute_day, flow->years_since_conviction);
  if (flow->before_year) facts.before_year = doj_days_from_civil(flow->before_year, 1, 1);
  facts.has_superstrike = superstrikes > 0 || has_gang_enhanced_step(ctx, p);
  if (facts.has_superstrike) facts.bits |= RELIEF_F_PERSON_HAS_SUPERSTRIKE;
  facts.earliest_superstrike = earliest_date(ctx, p, RELIEF_CS_SUPERSTRIKE);
  facts.has_pc290 = pc290 > 0 || p->registered;
  facts.earliest_pc290 = earliest_date(ctx, p, RELIEF_CS_PC290);
  return facts;
}

/* The first n UTF-8 characters of s (as Go's []rune slicing counted them). */
static size_t rune_prefix(const char *s, size_t len, int n) {
  size_t i = 0;
  for (int k = 0; k < n && i < len; k++) {
    unsigned char c = (unsigned char)s[i];
    size_t w = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    i = i + w > len ? len : i + w;
  }
  return i;
}

/* §6.2 check 6: two or more earlier Prop 64 convictions sharing the first 5
 * characters of this one's code section. */
static bool two_priors(const relief_eval_ctx *ctx, const relief_person *p, int i) {
  if (!ctx->section_text) return false;
  const relief_conviction *c = &p->convictions[i];
  const char *s = ctx->section_text[c->class_id];
  size_t prefix = rune_prefix(s, ctx->section_len[c->class_id], 5);
  int priors = 0;
  for (int k = 0; k < p->n_convictions; k++) {
    const relief_conviction *o = &p->convictions[k];
    if (!(ctx->classes[o->class_id].bits & RELIEF_CS_PROP64) || !(o->disp_day < c->disp_day))
      continue;
    if (ctx->section_len[o->class_id] >= prefix &&
        !memcmp(ctx->section_text[o->class_id], s, prefix))
      priors++;
  }
  return priors >= 2;
}

uint64_t rules_features(const relief_eval_ctx *ctx, const relief_flow *flow, const relief_person *p,
                        int i, const relief_person_facts *facts) {
  const relief_conviction *c = &p->convictions[i];
  const relief_code_class *k = &ctx->classes[c->class_id];
  uint64_t f = facts->bits;
  if (c->in_county) f |= RELIEF_F_IN_COUNTY;
  if (c->felony) f |= RELIEF_F_FELONY;
  if (k->bits & RELIEF_CS_PROP64) f |= RELIEF_F_PROP64 | RELIEF_F_PROP64_OR_RELATED;
  if (k->bits & RELIEF_CS_RELATED) f |= RELIEF_F_RELATED | RELIEF_F_PROP64_OR_RELATED;
  if (k->bits & RELIEF_CS_SUPERSTRIKE) f |= RELIEF_F_SUPERSTRIKE;
  if (k->bits & RELIEF_CS_PC290) f |= RELIEF_F_PC290;
  if (k->bits & RELIEF_CS_BEGINS_11357_AB) f |= RELIEF_F_BEGINS_11357_AB;
  if (k->prop64_section == 1) f |= RELIEF_F_SECTION_11357;
  /* RELIEF_CS_HAS_11357..11360 are bits 1..4; the features are bits 4..7 */
  f |= (uint64_t)((k->bits >> 1) & 0xF) << 4;
  if (facts->turns_21 > c->disp_day) f |= RELIEF_F_UNDER_21_AT_CONVICTION;
  if (flow->years_since_conviction && c->disp_day <= facts->conviction_n_years)
    f |= RELIEF_F_CONVICTION_N_YEARS_AGO;
  static const int32_t nov_9_2016 = 17114;
  if (c->disp_day >= nov_9_2016) f |= RELIEF_F_AFTER_NOV_9_2016;
  if (facts->has_superstrike && facts->earliest_superstrike < c->disp_day)
    f |= RELIEF_F_EARLIER_SUPERSTRIKE;
  if (facts->has_pc290 && facts->earliest_pc290 < c->disp_day) f |= RELIEF_F_EARLIER_PC290;
  if (c->sentence_end_ns > ctx->compute_day * ns_per_day) f |= RELIEF_F_SERVING_THIS_SENTENCE;
  if (flow->before_year && c->disp_day < facts->before_year) f |= RELIEF_F_DISPOSITION_BEFORE_YEAR;
  /* two earlier Prop 64 convictions need two at least */
  if (facts->n_prop64 >= 2 && two_priors(ctx, p, i)) f |= RELIEF_F_TWO_PRIORS;
  return f;
}

const relief_flow_row *flow_decide(const relief_flow *flow, uint64_t features) {
  for (int i = 0; i < flow->n_rows; i++)
    if ((features & flow->rows[i].mask) == flow->rows[i].value) return &flow->rows[i];
  return NULL;
}
