/*
 * flow.c — flows as data. A conviction's facts become a 64-bit feature mask
 * once; a flow is a short table of (mask, value) → determination + reason
 * rows, and the first row whose masked bits equal its value decides. The
 * built-in flows of eligibility spec §6.1 and §6.3 are built here as tables.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "relief/doj.h"
#include "relief/rules.h"

const char *const relief_determination_names[RELIEF_DET_COUNT] = {
    "", "Eligible for Dismissal", "Eligible for Reduction", "Not eligible", "Hand Review",
    "To be reviewed by City Attorneys",
};

const char *const relief_feature_names[RELIEF_F_COUNT_BITS] = {
    "in_county", "prop64", "related", "felony", "has_11357", "has_11358", "has_11359",
    "has_11360", "under_21_at_conviction", "age_threshold", "conviction_n_years_ago",
    "crime_free_n_years", "only_prop64", "deceased", "pc290_registered", "superstrike", "pc290",
    "prop64_or_related",
};

static void add_row(relief_flow *flow, uint64_t mask, uint64_t value, relief_determination det,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_row(relief_flow *flow, uint64_t mask, uint64_t value, relief_determination det,
                    const char *fmt, ...) {
  if (flow->n_rows == RELIEF_FLOW_MAX_ROWS) return;
  relief_flow_row *r = &flow->rows[flow->n_rows++];
  r->mask = mask;
  r->value = value;
  r->determination = det;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->reason, sizeof r->reason, fmt, ap);
  va_end(ap);
}

static uint64_t has_section_bit(int section) { return RELIEF_F_HAS_11357 << (section - 1); }

void relief_flow_configurable(relief_flow *flow, const relief_options *opt) {
  memset(flow, 0, sizeof *flow);
  snprintf(flow->name, sizeof flow->name, "configurable");
  flow->relevance_mask = flow->relevance_value = RELIEF_F_IN_COUNTY | RELIEF_F_PROP64;
  flow->age_threshold = opt->age_threshold;
  flow->years_since_conviction = opt->years_since_conviction;
  flow->years_crime_free = opt->years_crime_free;
  const relief_determination dismiss = RELIEF_DET_DISMISS;
  add_row(flow, RELIEF_F_FELONY, 0, dismiss, "Misdemeanor or Infraction");
  for (int i = 0; i < opt->n_dismiss; i++) {
    uint64_t bit = has_section_bit(opt->dismiss[i]);
    add_row(flow, bit, bit, dismiss, "Dismiss all HS %s convictions",
            relief_prop64_sections[opt->dismiss[i]]);
  }
  if (opt->under21_at_conviction)
    add_row(flow, RELIEF_F_UNDER_21_AT_CONVICTION, RELIEF_F_UNDER_21_AT_CONVICTION, dismiss,
            "21 years or younger");
  if (opt->age_threshold)
    add_row(flow, RELIEF_F_AGE_THRESHOLD, RELIEF_F_AGE_THRESHOLD, dismiss, "%d years or older",
            opt->age_threshold);
  if (opt->years_since_conviction)
    add_row(flow, RELIEF_F_CONVICTION_N_YEARS_AGO, RELIEF_F_CONVICTION_N_YEARS_AGO, dismiss,
            "Conviction occurred %d or more years ago", opt->years_since_conviction);
  if (opt->years_crime_free)
    add_row(flow, RELIEF_F_CRIME_FREE_N_YEARS, RELIEF_F_CRIME_FREE_N_YEARS, dismiss,
            "No convictions in the past %d years", opt->years_crime_free);
  if (opt->only_prop64)
    add_row(flow, RELIEF_F_ONLY_PROP64, RELIEF_F_ONLY_PROP64, dismiss, "Only has 11357-60 charges");
  if (opt->deceased)
    add_row(flow, RELIEF_F_DECEASED, RELIEF_F_DECEASED, dismiss, "Individual is deceased");
  for (int i = 0; i < opt->n_reduce; i++) {
    uint64_t bit = has_section_bit(opt->reduce[i]);
    add_row(flow, bit, bit, RELIEF_DET_REDUCE, "Reduce all HS %s convictions",
            relief_prop64_sections[opt->reduce[i]]);
  }
}

void relief_flow_dismiss_all_prop64(relief_flow *flow) {
  memset(flow, 0, sizeof *flow);
  snprintf(flow->name, sizeof flow->name, "dismiss-all-prop64");
  flow->relevance_mask = flow->relevance_value = RELIEF_F_IN_COUNTY | RELIEF_F_PROP64;
  add_row(flow, 0, 0, RELIEF_DET_DISMISS, "Dismiss all Prop 64 charges");
}

void relief_flow_dismiss_all_prop64_and_related(relief_flow *flow) {
  memset(flow, 0, sizeof *flow);
  snprintf(flow->name, sizeof flow->name, "dismiss-all-prop64-and-related");
  flow->relevance_mask = flow->relevance_value = RELIEF_F_IN_COUNTY | RELIEF_F_PROP64_OR_RELATED;
  add_row(flow, 0, 0, RELIEF_DET_DISMISS, "Dismiss all Prop 64 and related charges");
}

int32_t relief_person_latest_disposition(const relief_person *p) {
  int32_t latest = RELIEF_DAY_UNKNOWN;
  for (int i = 0; i < p->n_convictions; i++)
    if (p->convictions[i].disp_day > latest) latest = p->convictions[i].disp_day;
  return latest;
}

uint64_t relief_person_features(const relief_eval_ctx *ctx, const relief_flow *flow,
                                const relief_person *p) {
  uint64_t f = 0;
  if (p->deceased) f |= RELIEF_F_DECEASED;
  if (p->registered) f |= RELIEF_F_PC290_REGISTERED;
  int prop64 = 0;
  for (int i = 0; i < p->n_convictions; i++)
    prop64 += (ctx->classes[p->convictions[i].class_id].bits & RELIEF_CS_PROP64) != 0;
  if (prop64 == p->n_convictions) f |= RELIEF_F_ONLY_PROP64;
  if (flow->age_threshold &&
      relief_add_years(p->dob_day, flow->age_threshold) <= ctx->compute_day)
    f |= RELIEF_F_AGE_THRESHOLD;
  if (flow->years_crime_free &&
      relief_person_latest_disposition(p) < relief_add_years(ctx->compute_day, -flow->years_crime_free))
    f |= RELIEF_F_CRIME_FREE_N_YEARS;
  return f;
}

uint64_t relief_features(const relief_eval_ctx *ctx, const relief_flow *flow,
                         const relief_person *p, int i, uint64_t person_features) {
  const relief_conviction *c = &p->convictions[i];
  const relief_code_class *k = &ctx->classes[c->class_id];
  uint64_t f = person_features;
  if (c->in_county) f |= RELIEF_F_IN_COUNTY;
  if (c->felony) f |= RELIEF_F_FELONY;
  if (k->bits & RELIEF_CS_PROP64) f |= RELIEF_F_PROP64 | RELIEF_F_PROP64_OR_RELATED;
  if (k->bits & RELIEF_CS_RELATED) f |= RELIEF_F_RELATED | RELIEF_F_PROP64_OR_RELATED;
  if (k->bits & RELIEF_CS_SUPERSTRIKE) f |= RELIEF_F_SUPERSTRIKE;
  if (k->bits & RELIEF_CS_PC290) f |= RELIEF_F_PC290;
  /* RELIEF_CS_HAS_11357..11360 are bits 1..4; the features are bits 4..7 */
  f |= (uint64_t)((k->bits >> 1) & 0xF) << 4;
  if (relief_add_years(p->dob_day, 21) > c->disp_day) f |= RELIEF_F_UNDER_21_AT_CONVICTION;
  if (flow->years_since_conviction &&
      c->disp_day <= relief_add_years(ctx->compute_day, -flow->years_since_conviction))
    f |= RELIEF_F_CONVICTION_N_YEARS_AGO;
  return f;
}

const relief_flow_row *relief_flow_decide(const relief_flow *flow, uint64_t features) {
  for (int i = 0; i < flow->n_rows; i++)
    if ((features & flow->rows[i].mask) == flow->rows[i].value) return &flow->rows[i];
  return NULL;
}
