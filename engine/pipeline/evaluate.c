/*
 * evaluate.c — each person once: their rows (in input order) become the
 * person of eligibility spec §2, each decided county's flow table gives
 * every conviction its determination, the output layer's formatter turns
 * each decision into the row's result, and per-thread summaries count what
 * the office reads.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pipeline/pipeline_int.h"

/* 11/08/2016, the day before Prop 64 took effect, as a day number */
enum { PROP64_EFFECTIVE_DAY = 17113 };

/* What one thread keeps while deciding people. */
typedef struct {
  person_history history;
  relief_determination *det_current, *det_all;
  relief_determination *person_current, *person_all; /* statewide: over all counties */
  uint32_t *decided;                                 /* statewide: the counties decided */
  size_t cap_det;
  format_scratch format;
  uint32_t *pairs; /* statewide: (person, county) pairs decided */
  size_t n_pairs, cap_pairs;
  uint32_t *motion_pairs; /* --forms: (person, county) pairs with relief */
  size_t n_motion_pairs, cap_motion_pairs;
  uint32_t person;   /* the person being decided */
  int32_t seven_ago; /* the compute date less 7 years, worked out once */
} person_scratch;

static void reserve_dets(person_scratch *ps, int n) {
  if ((size_t)n <= ps->cap_det) return;
  ps->cap_det = (size_t)n * 2;
  ps->det_current = xreallocarray(ps->det_current, ps->cap_det, sizeof *ps->det_current);
  ps->det_all = xreallocarray(ps->det_all, ps->cap_det, sizeof *ps->det_all);
  ps->person_current = xreallocarray(ps->person_current, ps->cap_det, sizeof *ps->person_current);
  ps->person_all = xreallocarray(ps->person_all, ps->cap_det, sizeof *ps->person_all);
  ps->decided = xreallocarray(ps->decided, ps->cap_det, sizeof *ps->decided);
}

static void person_scratch_free(person_scratch *ps) {
  person_history_free(&ps->history);
  free(ps->det_current);
  free(ps->det_all);
  free(ps->person_current);
  free(ps->person_all);
  free(ps->decided);
  buf_free(&ps->format.line);
  buf_free(&ps->format.cases_text);
  buf_free(&ps->format.strikes);
  buf_free(&ps->format.pc290);
  free(ps->pairs);
  free(ps->motion_pairs);
}

static void build(pipeline *pl, const row_ref *refs, size_t n, person_scratch *ps,
                  relief_person *p) {
  person_build(&pl->table, refs, n, &ps->history, p);
  reserve_dets(ps, p->n_convictions);
}

static bool relieved(relief_determination d) {
  return d == RELIEF_DET_DISMISS || d == RELIEF_DET_REDUCE;
}

/* The three "people who will no longer have..." counts of one person. */
static void count_relief(const relief_person *p, const relief_determination *det, int32_t seven_ago,
                         relief_relief_counts *out) {
  int felonies = 0, felonies_relieved = 0, dismissed = 0, recent = 0, recent_dismissed = 0;
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    if (c->felony) felonies++, felonies_relieved += relieved(det[i]);
    dismissed += det[i] == RELIEF_DET_DISMISS;
    if (c->disp_day > seven_ago) recent++, recent_dismissed += det[i] == RELIEF_DET_DISMISS;
  }
  out->no_felony += felonies && felonies == felonies_relieved;
  out->no_conviction += p->n_convictions && p->n_convictions == dismissed;
  out->no_conviction_last7 += recent && recent == recent_dismissed;
}

static void push_to(uint32_t **list, size_t *n, size_t *cap, uint32_t person, uint32_t county) {
  if (*n + 2 > *cap) {
    *cap = *cap ? *cap * 2 : 4096;
    *list = xrealloc(*list, *cap * sizeof **list);
  }
  (*list)[(*n)++] = person;
  (*list)[(*n)++] = county;
}

static void push_pair(person_scratch *ps, uint32_t person, uint32_t county) {
  push_to(&ps->pairs, &ps->n_pairs, &ps->cap_pairs, person, county);
}

/* Decides person p for one county under that county's plan. */
/* Where row ref's result goes: its segment's result slot, or NULL when
 * nothing is emitted. */
static const struct row_result **result_slot(pipeline *pl, const row_ref *ref) {
  segment_t *s = &pl->segs[ref->seg];
  if (!s->result) return NULL;
  return &s->result[pl->batch_j ? pl->batch_j[ref->seg][ref->j] : ref->j];
}

static void decide_for_county(pipeline *pl, const row_ref *refs, size_t n_refs, relief_person *p,
                              int county, county_plan *plan, person_scratch *ps,
                              relief_summary *sum, arena_block **arena) {
  for (int i = 0; i < p->n_convictions; i++)
    p->convictions[i].in_county = p->convictions[i].county == county;
  const relief_flow *flow = &plan->flow, *all = &pl->dismiss_all;
  relief_eval_ctx ctx = {pl->classes, pl->compute_day, pl->section_text, pl->section_len};
  relief_person_facts facts = person_features(&ctx, flow, p);
  relief_person_facts facts_all = person_features(&ctx, all, p);
  int64_t section_counts[5] = {0};
  int in_county_prop64 = 0, any_relief = 0, formatted_lists = 0;
  for (int i = 0; i < p->n_convictions; i++) {
    int section = pl->classes[p->convictions[i].class_id].prop64_section;
    if (section) section_counts[0]++, section_counts[section]++;
  }
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    uint64_t f = rules_features(&ctx, flow, p, i, &facts);
    ps->det_current[i] = ps->det_all[i] = RELIEF_DET_NONE;
    if (flow_relevant(flow, f)) {
      const relief_flow_row *rule = flow_decide(flow, f);
      if (rule) {
        ps->det_current[i] = rule->determination;
        sum->count_by_flow_row[rule - flow->rows]++;
      }
      relief_determination det = ps->det_current[i];
      sum->by_section_outcome[pl->classes[c->class_id].prop64_section][det]++;
      sum->hand_review += det == RELIEF_DET_NONE || det == RELIEF_DET_HAND_REVIEW ||
                          det == RELIEF_DET_CITY_ATTORNEYS;
      /* relief no motion can carry unchecked (charge or date unknown, or a
       * conviction after 11/08/2016 or after the decision date) is a
       * hand-review item of the review store too (filings_withhold_reason) */
      sum->hand_review += (det == RELIEF_DET_DISMISS || det == RELIEF_DET_REDUCE) &&
                          (c->charge_unknown || c->disp_day == RELIEF_DAY_UNKNOWN ||
                           c->disp_day > PROP64_EFFECTIVE_DAY || c->disp_day > pl->compute_day);
      const struct row_result **slot = result_slot(pl, &refs[c->row]);
      if (slot) {
        decision d = {&ctx,           pl->trace,        p,    &ps->history, i, rule, f,
                      section_counts, !formatted_lists, false};
        *slot = pl->format_result(&d, &ps->format, arena);
      }
      formatted_lists = 1;
    } else if (pl->review_files && c->in_county && !(f & RELIEF_F_PROP64) && !pl->no_results &&
               person_prop64_arrest_in_cycle(&ps->history, c)) {
      decision d = {&ctx, pl->trace, p, &ps->history, i, NULL, f, section_counts, false, true};
      const struct row_result **slot = result_slot(pl, &refs[c->row]);
      if (slot) *slot = pl->format_result(&d, &ps->format, arena);
    }
    uint64_t fa = rules_features(&ctx, all, p, i, &facts_all);
    if (flow_relevant(all, fa)) {
      const relief_flow_row *rule = flow_decide(all, fa);
      if (rule) ps->det_all[i] = rule->determination;
    }
    any_relief |= relieved(ps->det_current[i]);
    const relief_code_class *k = &pl->classes[c->class_id];
    if (c->in_county && (k->bits & RELIEF_CS_PROP64)) {
      in_county_prop64 = 1;
      sum->prop64_by_section[k->prop64_section]++;
      if (c->felony)
        sum->prop64_felony++;
      else
        sum->prop64_nonfelony++;
      sum->unknown_date += c->disp_day == RELIEF_DAY_UNKNOWN;
      if (c->disp_day != RELIEF_DAY_UNKNOWN &&
          (!sum->has_earliest_known || c->disp_day < sum->earliest_known_day)) {
        sum->has_earliest_known = true;
        sum->earliest_known_day = c->disp_day;
      }
      if (sum->earliest_state != RELIEF_EARLIEST_DAY || c->disp_day < sum->earliest_day) {
        sum->earliest_state = RELIEF_EARLIEST_DAY;
        sum->earliest_day = c->disp_day;
      }
    }
  }
  if (pl->forms && any_relief) { /* the court filings will need this person's rows */
    bool any_motion = false;
    for (int i = 0; i < p->n_convictions; i++) {
      if (!p->convictions[i].in_county || !relieved(ps->det_current[i])) continue;
      const row_ref *ref = &refs[p->convictions[i].row];
      pl->segs[ref->seg].capture[ref->j] |= CAPTURE_COUNT;
      any_motion = true;
    }
    if (any_motion) {
      for (size_t k = 0; k < n_refs; k++)
        pl->segs[refs[k].seg].capture[refs[k].j] |= CAPTURE_PERSON;
      push_to(&ps->motion_pairs, &ps->n_motion_pairs, &ps->cap_motion_pairs, ps->person,
              (uint32_t)county);
    }
  }
  count_relief(p, ps->det_current, ps->seven_ago, &sum->current);
  count_relief(p, ps->det_all, ps->seven_ago, &sum->dismiss_all);
  sum->subjects_with_prop64_in_county += in_county_prop64;
  sum->subjects_with_relief += any_relief;
}

/* Statewide, once per person after every county decided: the person counts
 * with each conviction's own county's determination. */
static void count_person(const relief_person *p, const person_scratch *ps, relief_summary *sum) {
  bool any_relief = false;
  for (int i = 0; i < p->n_convictions; i++) any_relief |= relieved(ps->person_current[i]);
  sum->subjects_with_prop64_in_county++;
  sum->subjects_with_relief += any_relief;
  count_relief(p, ps->person_current, ps->seven_ago, &sum->current);
  count_relief(p, ps->person_all, ps->seven_ago, &sum->dismiss_all);
}

void pipeline_free_arenas(pipeline *pl) {
  for (int t = 0; pl->arenas && t < pl->n_threads; t++) arena_free(&pl->arenas[t]);
  free(pl->arenas);
  pl->arenas = NULL;
}

static int cmp_pair(const void *a, const void *b) {
  const uint32_t *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : x[1] > y[1];
}

struct evaluate_state {
  relief_summary *partial;        /* [thread][plan] */
  relief_summary *person_partial; /* [thread]: statewide person totals */
  person_scratch *scratch;        /* [thread] */
};

void pipeline_evaluate_begin(pipeline *pl) {
  /* a spilled run reports its batches (read+group+evaluate) */
  if (pl->progress && !pl->spill) pl->progress(pl->progress_user, "evaluate", 0, 1, pl->n_rows);
  int nt = pl->n_threads;
  pl->arenas = xcalloc((size_t)nt, sizeof *pl->arenas);
  pl->eval = xcalloc(1, sizeof *pl->eval);
  pl->eval->partial = xcalloc((size_t)nt * pl->n_plans + 1, sizeof *pl->eval->partial);
  pl->eval->person_partial = xcalloc((size_t)nt, sizeof *pl->eval->person_partial);
  pl->eval->scratch = xcalloc((size_t)nt, sizeof *pl->eval->scratch);
  if (pl->collect && pl->collect->begin) pl->collect->begin(pl->collect->user, pl, nt);
}

/* Hands a decided person to the plan's collector, if any. */
static void collect_person(pipeline *pl, int t, relief_person *p, const uint32_t *counties,
                           int n_counties) {
  if (!pl->collect || !pl->collect->person) return;
  relief_eval_ctx ctx = {pl->classes, pl->compute_day, pl->section_text, pl->section_len};
  pl->collect->person(pl->collect->user, t, p, counties, n_counties, &ctx);
}

void pipeline_evaluate_people(pipeline *pl, const people_groups *g, size_t base) {
  int nt = pl->n_threads;
  relief_summary *partial = pl->eval->partial, *person_partial = pl->eval->person_partial;
  person_scratch *scratch = pl->eval->scratch;
  int32_t seven_ago = doj_add_years(pl->compute_day, -7);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num();
    person_scratch *ps = &scratch[t];
    ps->seven_ago = seven_ago;
    relief_summary *sums = partial + (size_t)t * pl->n_plans;
#pragma omp for schedule(dynamic, 256)
    for (size_t p = 0; p < g->n_people; p++) {
      const row_ref *refs = g->order + g->first[p];
      size_t n_refs = g->first[p + 1] - g->first[p];
      relief_person person;
      ps->person = (uint32_t)(base + p);
      if (p + 2 < g->n_people) /* the rows of the person after next lie elsewhere in memory */
        for (size_t k = g->first[p + 2]; k < g->first[p + 3]; k++)
          __builtin_prefetch(&pl->table.rows[g->order[k].seg][g->order[k].j]);
      build(pl, refs, n_refs, ps, &person);
      if (!person.n_convictions) continue;
      if (!pl->merged) {
        decide_for_county(pl, refs, n_refs, &person, pl->run_county, &pl->plans[0], ps, &sums[0],
                          &pl->arenas[t]);
        uint32_t county = (uint32_t)pl->run_county;
        collect_person(pl, t, &person, &county, 1);
        continue;
      }
      /* statewide: each county where the person has a Prop 64 conviction;
       * each conviction keeps its own county's determination */
      for (int i = 0; i < person.n_convictions; i++)
        ps->person_current[i] = ps->person_all[i] = RELIEF_DET_NONE;
      int decided = 0;
      for (int i = 0; i < person.n_convictions; i++) {
        int county = person.convictions[i].county;
        if (!(pl->classes[person.convictions[i].class_id].bits & RELIEF_CS_PROP64)) continue;
        int done = 0;
        for (int k = 0; k < i && !done; k++)
          done = person.convictions[k].county == county &&
                 (pl->classes[person.convictions[k].class_id].bits & RELIEF_CS_PROP64);
        if (done) continue;
        decide_for_county(pl, refs, n_refs, &person, county, &pl->plans[county], ps, &sums[county],
                          &pl->arenas[t]);
        if (!pl->no_results) push_pair(ps, (uint32_t)(base + p), (uint32_t)county); /* for emit */
        for (int k = 0; k < person.n_convictions; k++)
          if (person.convictions[k].county == county) {
            ps->person_current[k] = ps->det_current[k];
            ps->person_all[k] = ps->det_all[k];
          }
        ps->decided[decided++] = (uint32_t)county;
      }
      if (decided) {
        count_person(&person, ps, &person_partial[t]);
        collect_person(pl, t, &person, ps->decided, decided);
      }
    }
  }
}

void pipeline_evaluate(pipeline *pl) {
  pipeline_evaluate_begin(pl);
  pipeline_evaluate_people(pl, &pl->groups, 0);
  pipeline_evaluate_end(pl);
}

void pipeline_evaluate_end(pipeline *pl) {
  int nt = pl->n_threads;
  relief_summary *partial = pl->eval->partial;
  person_scratch *scratch = pl->eval->scratch;
  for (int t = 0; t < nt; t++) summary_add_partial(&pl->statewide, &pl->eval->person_partial[t]);
  free(pl->eval->person_partial);
  for (int t = 0; t < nt; t++)
    for (size_t k = 0; k < pl->n_plans; k++)
      summary_add_partial(&pl->plans[k].summary, &partial[(size_t)t * pl->n_plans + k]);
  for (size_t k = 0; k < pl->n_plans; k++)
    if (pl->plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY)
      pl->plans[k].summary.earliest_state = RELIEF_EARLIEST_NONE;
  if (pl->merged && !pl->no_results) { /* person → decided counties, as compressed rows, for emit */
    pl->person_county_first = xcalloc(pl->n_people + 1, sizeof *pl->person_county_first);
    size_t total = 0;
    for (int t = 0; t < nt; t++) {
      total += scratch[t].n_pairs / 2;
      for (size_t i = 0; i < scratch[t].n_pairs; i += 2)
        pl->person_county_first[scratch[t].pairs[i] + 1]++;
    }
    for (size_t p = 0; p < pl->n_people; p++)
      pl->person_county_first[p + 1] += pl->person_county_first[p];
    pl->person_counties = xmalloc((total ? total : 1) * sizeof *pl->person_counties);
    size_t *fill = xmalloc((pl->n_people ? pl->n_people : 1) * sizeof *fill);
    memcpy(fill, pl->person_county_first, pl->n_people * sizeof *fill);
    for (int t = 0; t < nt; t++)
      for (size_t i = 0; i < scratch[t].n_pairs; i += 2)
        pl->person_counties[fill[scratch[t].pairs[i]]++] = scratch[t].pairs[i + 1];
    free(fill);
  }
  if (pl->forms) { /* motions in person order, then county */
    size_t n = 0;
    for (int t = 0; t < nt; t++) n += scratch[t].n_motion_pairs;
    pl->motion_pairs = xmalloc((n ? n : 1) * sizeof *pl->motion_pairs);
    for (int t = 0; t < nt; t++) {
      if (!scratch[t].n_motion_pairs) continue;
      memcpy(pl->motion_pairs + pl->n_motion_pairs, scratch[t].motion_pairs,
             scratch[t].n_motion_pairs * sizeof *pl->motion_pairs);
      pl->n_motion_pairs += scratch[t].n_motion_pairs;
    }
    qsort(pl->motion_pairs, pl->n_motion_pairs / 2, 2 * sizeof *pl->motion_pairs, cmp_pair);
  }
  for (int t = 0; t < nt; t++) person_scratch_free(&scratch[t]);
  free(scratch);
  free(partial);
  free(pl->eval);
  pl->eval = NULL;
}
