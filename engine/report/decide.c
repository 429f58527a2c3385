/*
 * decide.c — each person once: their rows (in input order) become the person
 * of eligibility spec §2, each decided county's flow table gives every
 * conviction its determination, result columns are formatted once onto the
 * conviction's row, and per-thread summaries count what the office reads.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/pipeline.h"

struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  char data[];
};

static char *arena_alloc(arena_block **head, size_t n) {
  arena_block *b = *head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > (1 << 20) ? n : (1 << 20);
    arena_block *nb = malloc(sizeof *nb + cap);
    if (!nb) abort();
    nb->next = b;
    nb->used = 0;
    nb->cap = cap;
    *head = b = nb;
  }
  char *p = b->data + b->used;
  b->used += n;
  return p;
}

void pipeline_free_arenas(pipeline *pl) {
  for (int t = 0; pl->arenas && t < pl->n_threads; t++)
    for (arena_block *b = pl->arenas[t], *next; b; b = next) {
      next = b->next;
      free(b);
    }
  free(pl->arenas);
  pl->arenas = NULL;
}

typedef struct {
  relief_conviction *conv;
  uint64_t *seen; /* CNT_ORDER keys already taken as convictions */
  relief_case_number *cases;
  size_t cap;
  relief_determination *det_current, *det_all;
  relief_buf line, cases_text, strikes, pc290;
  uint32_t *arrest_cycles; /* cycles with a Prop 64 charge at arrest */
  int n_arrest_cycles;
  uint32_t *pairs; /* statewide: (person, county) pairs decided */
  size_t n_pairs, cap_pairs;
  uint32_t *motion_pairs; /* --forms: (person, county) pairs with relief */
  size_t n_motion_pairs, cap_motion_pairs;
  uint32_t person; /* the person being decided */
} person_scratch;

static void reserve_person(person_scratch *ps, size_t n_rows) {
  if (n_rows <= ps->cap) return;
  ps->cap = n_rows * 2;
  ps->conv = realloc(ps->conv, ps->cap * sizeof *ps->conv);
  ps->seen = realloc(ps->seen, ps->cap * sizeof *ps->seen);
  ps->cases = realloc(ps->cases, ps->cap * sizeof *ps->cases);
  ps->det_current = realloc(ps->det_current, ps->cap * sizeof *ps->det_current);
  ps->det_all = realloc(ps->det_all, ps->cap * sizeof *ps->det_all);
  ps->arrest_cycles = realloc(ps->arrest_cycles, ps->cap * sizeof *ps->arrest_cycles);
}

static void person_scratch_free(person_scratch *ps) {
  free(ps->conv);
  free(ps->seen);
  free(ps->cases);
  free(ps->det_current);
  free(ps->det_all);
  free(ps->arrest_cycles);
  relief_buf_free(&ps->line);
  relief_buf_free(&ps->cases_text);
  relief_buf_free(&ps->strikes);
  relief_buf_free(&ps->pc290);
}

static const __int128 ns_per_day = (__int128)86400 * 1000000000;

/* Builds the person of eligibility spec §2 from their rows in input order. */
static void build_person(pipeline *pl, const row_ref *refs, size_t n, person_scratch *ps,
                         relief_person *p) {
  reserve_person(ps, n);
  memset(p, 0, sizeof *p);
  p->convictions = ps->conv;
  p->case_numbers = ps->cases;
  int n_seen = 0;
  bool first = true;
  ps->n_arrest_cycles = 0;
  for (size_t k = 0; k < n; k++) {
    segment_t *seg = &pl->segs[refs[k].seg];
    const row_rec *r = &seg->rows[refs[k].j];
    if (r->flags & ROW_DUPLICATE) continue;
    if (first || (r->flags & ROW_SUBJECT_EMPTY)) {
      /* the reference re-initialised a person whose id is empty on every row */
      p->dob_day = r->dob_day;
      n_seen = 0;
      p->n_case_numbers = 0;
      first = false;
    }
    int seen = 0;
    if (r->flags & ROW_CONVICTED)
      for (int i = 0; i < n_seen && !seen; i++) seen = ps->seen[i] == r->cnt_key;
    if (seen) p->convictions[p->n_convictions - 1].sentence_end_ns += r->sentence_ns;
    if (r->flags & ROW_DECEASED) p->deceased = true;
    if (r->ofn_id) {
      const char *ofn = seg->ofns.data + r->ofn_id - 1;
      int dup = 0;
      for (int i = 0; i < p->n_case_numbers && !dup; i++)
        dup = p->case_numbers[i].step_key == r->step_key && !strcmp(p->case_numbers[i].ofn, ofn);
      if (!dup) p->case_numbers[p->n_case_numbers++] = (relief_case_number){r->step_key, ofn};
    }
    if (r->flags & ROW_REGISTRATION) p->registered = true;
    if (r->flags & ROW_ARREST_PROP64) ps->arrest_cycles[ps->n_arrest_cycles++] = r->cycle_key;
    if ((r->flags & ROW_CONVICTED) && !seen) {
      relief_conviction *c = &p->convictions[p->n_convictions++];
      c->disp_day = r->disp_day;
      c->class_id = (int32_t)r->class_id;
      c->step_key = r->step_key;
      c->cycle_key = r->cycle_key;
      c->sentence_end_ns = r->disp_day * ns_per_day + r->sentence_ns;
      c->row = (uint32_t)k;
      c->county = r->county;
      c->felony = (r->flags & ROW_FELONY) != 0;
      ps->seen[n_seen++] = r->cnt_key;
    }
  }
}

static void append_years(relief_buf *b, int32_t day, int32_t compute_day) {
  char tmp[64];
  int n = day == RELIEF_DAY_UNKNOWN
              ? snprintf(tmp, sizeof tmp, "-1.0")
              : snprintf(tmp, sizeof tmp, "%.1f", relief_years_between(day, compute_day));
  relief_buf_append(b, tmp, (size_t)n);
}

static void append_int(relief_buf *b, long long v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%lld", v);
  relief_buf_append(b, tmp, (size_t)n);
}

static void append_str(relief_buf *b, const char *s) { relief_buf_append(b, s, strlen(s)); }

/* Code sections of the person's convictions whose class has bit, joined. */
static void join_sections(const pipeline *pl, const relief_person *p, uint32_t bit,
                          relief_buf *out) {
  out->len = 0;
  for (int i = 0; i < p->n_convictions; i++) {
    if (!(pl->classes[p->convictions[i].class_id].bits & bit)) continue;
    size_t len;
    const char *s = relief_intern_str(&pl->sections, (uint32_t)p->convictions[i].class_id, &len);
    if (out->len) relief_buf_putc(out, ';');
    relief_buf_append(out, s, len);
  }
  if (!out->len) relief_buf_putc(out, '-');
}

/* The extended columns (HS 11361.8 remedy, basis, possible plea bargain). */
static void append_extended(relief_buf *b, relief_determination det, bool serving, bool plea) {
  const char *remedy = "", *basis = "";
  if (det == RELIEF_DET_DISMISS || det == RELIEF_DET_REDUCE) {
    remedy = serving                     ? "Recall and resentence"
             : det == RELIEF_DET_DISMISS ? "Dismiss and seal"
                                         : "Redesignate as misdemeanor or infraction";
    basis = serving ? "HS 11361.8(a); HS 11361.9" : "HS 11361.8(e); HS 11361.9";
  }
  relief_buf_putc(b, ',');
  relief_csv_append(b, remedy, strlen(remedy));
  relief_buf_putc(b, ',');
  relief_csv_append(b, basis, strlen(basis));
  append_str(b, plea ? ",Y" : ",N");
  relief_buf_putc(b, 0);
}

/* A Prop 64 charge at arrest in the same cycle as this conviction. */
static bool prop64_arrest_in_cycle(const person_scratch *ps, const relief_conviction *c) {
  for (int k = 0; k < ps->n_arrest_cycles; k++)
    if (ps->arrest_cycles[k] == c->cycle_key) return true;
  return false;
}

/* Formats the 17 result columns other than §8's (plus the rule id with
 * --trace, and the extended columns) as a result record in the arena. */
static const char *format_result(const pipeline *pl, const relief_person *p, int i,
                                 const relief_flow_row *rule, uint64_t features, person_scratch *ps,
                                 const int64_t section_counts[5], arena_block **arena) {
  const relief_conviction *c = &p->convictions[i];
  relief_buf *b = &ps->line, *cases = &ps->cases_text;
  b->len = cases->len = 0;
  relief_determination det = rule ? rule->determination : RELIEF_DET_NONE;
  bool review =
      det == RELIEF_DET_NONE || det == RELIEF_DET_HAND_REVIEW || det == RELIEF_DET_CITY_ATTORNEYS;
  relief_buf_putc(b, (char)(review ? RESULT_REVIEW : 0));
  for (int k = 0; k < p->n_case_numbers; k++) {
    if (p->case_numbers[k].step_key != c->step_key) continue;
    if (cases->len) relief_buf_append(cases, "; ", 2);
    append_str(cases, p->case_numbers[k].ofn);
  }
  relief_csv_append(b, cases->data ? cases->data : "", cases->len);
  relief_buf_putc(b, ',');
  append_int(b, p->n_convictions);
  relief_buf_putc(b, 0);
  static const int32_t nov_9_2016 = 17114; /* 2016-11-09 */
  append_str(b, c->disp_day > nov_9_2016 ? ",Y," : ",N,");
  relief_csv_append(b, ps->strikes.data, ps->strikes.len);
  relief_buf_putc(b, ',');
  relief_csv_append(b, ps->pc290.data, ps->pc290.len);
  append_str(b, p->registered ? ",Yes," : ",-,");
  int y, m, d;
  relief_civil_from_days(c->disp_day, &y, &m, &d);
  char date[32];
  int dn = snprintf(date, sizeof date, "%02d/%02d/%04d,", m, d, y);
  relief_buf_append(b, date, (size_t)dn);
  append_years(b, c->disp_day, pl->compute_day);
  relief_buf_putc(b, ',');
  append_years(b, relief_person_latest_disposition(p), pl->compute_day);
  for (int k = 0; k < 5; k++) {
    relief_buf_putc(b, ',');
    append_int(b, section_counts[k]);
  }
  append_str(b, p->deceased ? ",Deceased," : ",-,");
  const char *det_name = relief_determination_names[det];
  relief_csv_append(b, det_name, strlen(det_name));
  relief_buf_putc(b, ',');
  if (rule) relief_csv_append(b, rule->reason, strlen(rule->reason));
  if (pl->trace) {
    relief_buf_putc(b, ',');
    if (rule) relief_csv_append(b, rule->id, strlen(rule->id));
  }
  relief_buf_putc(b, 0);
  append_extended(b, det, (features & RELIEF_F_SERVING_THIS_SENTENCE) != 0,
                  prop64_arrest_in_cycle(ps, c));
  char *out = arena_alloc(arena, b->len);
  memcpy(out, b->data, b->len);
  return out;
}

/* A record for a conviction that gets no result but may be a plea bargain:
 * a non-Prop 64 conviction in a cycle where Prop 64 was charged at arrest. */
static const char *format_plea_only(person_scratch *ps, arena_block **arena) {
  relief_buf *b = &ps->line;
  b->len = 0;
  relief_buf_putc(b, RESULT_PLEA_ONLY);
  relief_buf_putc(b, 0);
  relief_buf_putc(b, 0);
  append_extended(b, RELIEF_DET_NONE, false, true);
  char *out = arena_alloc(arena, b->len);
  memcpy(out, b->data, b->len);
  return out;
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
    *list = realloc(*list, *cap * sizeof **list);
  }
  (*list)[(*n)++] = person;
  (*list)[(*n)++] = county;
}

static void push_pair(person_scratch *ps, uint32_t person, uint32_t county) {
  push_to(&ps->pairs, &ps->n_pairs, &ps->cap_pairs, person, county);
}

/* Decides person p for one county under that county's plan. */
static void decide_for_county(pipeline *pl, const row_ref *refs, relief_person *p, int county,
                              county_plan *plan, person_scratch *ps, relief_summary *sum,
                              arena_block **arena) {
  for (int i = 0; i < p->n_convictions; i++)
    p->convictions[i].in_county = p->convictions[i].county == county;
  const relief_flow *flow = &plan->flow, *all = &pl->dismiss_all;
  relief_eval_ctx ctx = {pl->classes, pl->compute_day, pl->section_text, pl->section_len};
  relief_person_facts facts = relief_person_features(&ctx, flow, p);
  relief_person_facts facts_all = relief_person_features(&ctx, all, p);
  int64_t section_counts[5] = {0};
  int in_county_prop64 = 0, any_relief = 0, formatted_lists = 0;
  for (int i = 0; i < p->n_convictions; i++) {
    int section = pl->classes[p->convictions[i].class_id].prop64_section;
    if (section) section_counts[0]++, section_counts[section]++;
  }
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    uint64_t f = relief_features(&ctx, flow, p, i, &facts);
    ps->det_current[i] = ps->det_all[i] = RELIEF_DET_NONE;
    if (relief_flow_relevant(flow, f)) {
      const relief_flow_row *rule = relief_flow_decide(flow, f);
      if (rule) {
        ps->det_current[i] = rule->determination;
        sum->count_by_flow_row[rule - flow->rows]++;
      }
      relief_determination det = ps->det_current[i];
      sum->by_section_outcome[pl->classes[c->class_id].prop64_section][det]++;
      sum->hand_review += det == RELIEF_DET_NONE || det == RELIEF_DET_HAND_REVIEW ||
                          det == RELIEF_DET_CITY_ATTORNEYS;
      if (!formatted_lists) {
        join_sections(pl, p, RELIEF_CS_SUPERSTRIKE, &ps->strikes);
        join_sections(pl, p, RELIEF_CS_PC290, &ps->pc290);
        formatted_lists = 1;
      }
      const row_ref *ref = &refs[c->row];
      pl->segs[ref->seg].result[ref->j] =
          format_result(pl, p, i, rule, f, ps, section_counts, arena);
    } else if (pl->review_files && c->in_county && !(f & RELIEF_F_PROP64) &&
               prop64_arrest_in_cycle(ps, c)) {
      const row_ref *ref = &refs[c->row];
      pl->segs[ref->seg].result[ref->j] = format_plea_only(ps, arena);
    }
    uint64_t fa = relief_features(&ctx, all, p, i, &facts_all);
    if (relief_flow_relevant(all, fa)) {
      const relief_flow_row *rule = relief_flow_decide(all, fa);
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
      for (size_t k = 0; k < pl->first[ps->person + 1] - pl->first[ps->person]; k++)
        pl->segs[refs[k].seg].capture[refs[k].j] |= CAPTURE_PERSON;
      push_to(&ps->motion_pairs, &ps->n_motion_pairs, &ps->cap_motion_pairs, ps->person,
              (uint32_t)county);
    }
  }
  int32_t seven_ago = relief_add_years(pl->compute_day, -7);
  count_relief(p, ps->det_current, seven_ago, &sum->current);
  count_relief(p, ps->det_all, seven_ago, &sum->dismiss_all);
  sum->subjects_with_prop64_in_county += in_county_prop64;
  sum->subjects_with_relief += any_relief;
}

static int cmp_pair(const void *a, const void *b) {
  const uint32_t *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : x[1] > y[1];
}

void pipeline_evaluate(pipeline *pl) {
  if (pl->progress) pl->progress(pl->progress_user, "evaluate", 0, 1, pl->n_rows);
  int nt = pl->n_threads;
  pl->arenas = calloc((size_t)nt, sizeof *pl->arenas);
  relief_summary *partial = calloc((size_t)nt * pl->n_plans, sizeof *partial);
  person_scratch *scratch = calloc((size_t)nt, sizeof *scratch);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num();
    person_scratch *ps = &scratch[t];
    relief_summary *sums = partial + (size_t)t * pl->n_plans;
#pragma omp for schedule(dynamic, 256)
    for (size_t p = 0; p < pl->n_people; p++) {
      const row_ref *refs = pl->order + pl->first[p];
      relief_person person;
      ps->person = (uint32_t)p;
      build_person(pl, refs, pl->first[p + 1] - pl->first[p], ps, &person);
      if (!person.n_convictions) continue;
      if (!pl->merged) {
        decide_for_county(pl, refs, &person, pl->run_county, &pl->plans[0], ps, &sums[0],
                          &pl->arenas[t]);
        continue;
      }
      /* statewide: each county where the person has a Prop 64 conviction */
      for (int i = 0; i < person.n_convictions; i++) {
        int county = person.convictions[i].county;
        if (!(pl->classes[person.convictions[i].class_id].bits & RELIEF_CS_PROP64)) continue;
        int done = 0;
        for (int k = 0; k < i && !done; k++)
          done = person.convictions[k].county == county &&
                 (pl->classes[person.convictions[k].class_id].bits & RELIEF_CS_PROP64);
        if (done) continue;
        decide_for_county(pl, refs, &person, county, &pl->plans[county], ps, &sums[county],
                          &pl->arenas[t]);
        push_pair(ps, (uint32_t)p, (uint32_t)county);
      }
    }
  }
  for (int t = 0; t < nt; t++)
    for (size_t k = 0; k < pl->n_plans; k++)
      relief_summary_add_partial(&pl->plans[k].summary, &partial[(size_t)t * pl->n_plans + k]);
  for (size_t k = 0; k < pl->n_plans; k++)
    if (pl->plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY)
      pl->plans[k].summary.earliest_state = RELIEF_EARLIEST_NONE;
  if (pl->merged) { /* person → decided counties, as compressed rows */
    pl->person_county_first = calloc(pl->n_people + 1, sizeof *pl->person_county_first);
    size_t total = 0;
    for (int t = 0; t < nt; t++) {
      total += scratch[t].n_pairs / 2;
      for (size_t i = 0; i < scratch[t].n_pairs; i += 2)
        pl->person_county_first[scratch[t].pairs[i] + 1]++;
    }
    for (size_t p = 0; p < pl->n_people; p++)
      pl->person_county_first[p + 1] += pl->person_county_first[p];
    pl->person_counties = malloc((total ? total : 1) * sizeof *pl->person_counties);
    size_t *fill = malloc((pl->n_people ? pl->n_people : 1) * sizeof *fill);
    memcpy(fill, pl->person_county_first, pl->n_people * sizeof *fill);
    for (int t = 0; t < nt; t++)
      for (size_t i = 0; i < scratch[t].n_pairs; i += 2)
        pl->person_counties[fill[scratch[t].pairs[i]]++] = scratch[t].pairs[i + 1];
    free(fill);
  }
  if (pl->forms) { /* motions in person order, then county */
    size_t n = 0;
    for (int t = 0; t < nt; t++) n += scratch[t].n_motion_pairs;
    pl->motion_pairs = malloc((n ? n : 1) * sizeof *pl->motion_pairs);
    for (int t = 0; t < nt; t++) {
      if (!scratch[t].n_motion_pairs) continue;
      memcpy(pl->motion_pairs + pl->n_motion_pairs, scratch[t].motion_pairs,
             scratch[t].n_motion_pairs * sizeof *pl->motion_pairs);
      pl->n_motion_pairs += scratch[t].n_motion_pairs;
    }
    qsort(pl->motion_pairs, pl->n_motion_pairs / 2, 2 * sizeof *pl->motion_pairs, cmp_pair);
  }
  for (int t = 0; t < nt; t++) {
    person_scratch_free(&scratch[t]);
    free(scratch[t].pairs);
    free(scratch[t].motion_pairs);
  }
  free(scratch);
  free(partial);
}

void pipeline_explain(pipeline *pl, size_t person, relief_explain_fn fn, void *user,
                      relief_explain_person *out) {
  person_scratch ps = {0};
  const row_ref *refs = pl->order + pl->first[person];
  relief_person p;
  build_person(pl, refs, pl->first[person + 1] - pl->first[person], &ps, &p);
  out->n_convictions = p.n_convictions;
  out->deceased = p.deceased;
  out->registered = p.registered;
  const relief_flow *flow = &pl->plans[0].flow;
  relief_eval_ctx ctx = {pl->classes, pl->compute_day, pl->section_text, pl->section_len};
  for (int i = 0; i < p.n_convictions; i++)
    p.convictions[i].in_county = p.convictions[i].county == pl->run_county;
  relief_person_facts facts = relief_person_features(&ctx, flow, &p);
  for (int i = 0; i < p.n_convictions; i++) {
    const relief_conviction *c = &p.convictions[i];
    uint64_t f = relief_features(&ctx, flow, &p, i, &facts);
    const row_ref *ref = &refs[c->row];
    size_t row = ref->j;
    for (uint32_t s = 0; s < ref->seg; s++) row += pl->segs[s].n_rows;
    relief_explain_conviction e = {
        .index = i + 1,
        .row = row + 1,
        .code_section = pl->section_text[c->class_id],
        .county = relief_intern_str(&pl->counties, (uint32_t)c->county, NULL),
        .disposition_day = c->disp_day,
        .felony = c->felony,
        .relevant = relief_flow_relevant(flow, f),
        .features = f,
    };
    e.rule = e.relevant ? relief_flow_decide(flow, f) : NULL;
    fn(user, &e);
  }
  person_scratch_free(&ps);
}

/* The captured text of row j of segment s (rows are captured in order). */
static const captured_row *captured(const segment_t *s, uint32_t j) {
  size_t lo = 0, hi = s->n_captured;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->captured[mid].j < j)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->n_captured && s->captured[lo].j == j ? &s->captured[lo] : NULL;
}

static char *arena_strdup(arena_block **arena, const char *s, size_t n) {
  char *out = arena_alloc(arena, n + 1);
  memcpy(out, s, n);
  out[n] = 0;
  return out;
}

void pipeline_motions(pipeline *pl, int county, motion_list *out) {
  memset(out, 0, sizeof *out);
  person_scratch ps = {0};
  size_t cap_motions = 0, cap_counts = 0, n_counts = 0;
  size_t *first_count = NULL; /* per motion, index into counts (pointers set last) */
  relief_eval_ctx ctx = {pl->classes, pl->compute_day, pl->section_text, pl->section_len};
  const relief_flow *flow = &pl->plans[pl->merged ? county : 0].flow;
  const char *county_name = pl->plans[pl->merged ? county : 0].name;
  relief_buf text = {0};
  int *step_of = NULL;
  size_t cap_step = 0;
  for (size_t k = 0; k < pl->n_motion_pairs; k += 2) {
    if ((int)pl->motion_pairs[k + 1] != county) continue;
    uint32_t person = pl->motion_pairs[k];
    const row_ref *refs = pl->order + pl->first[person];
    size_t n_rows = pl->first[person + 1] - pl->first[person];
    relief_person p;
    build_person(pl, refs, n_rows, &ps, &p);
    for (int i = 0; i < p.n_convictions; i++)
      p.convictions[i].in_county = p.convictions[i].county == county;
    relief_person_facts facts = relief_person_features(&ctx, flow, &p);
    /* the person's first row names them; other spellings are AKAs */
    const captured_row *who = NULL;
    text.len = 0;
    for (size_t r = 0; r < n_rows; r++) {
      const segment_t *seg = &pl->segs[refs[r].seg];
      if (seg->rows[refs[r].j].flags & ROW_DUPLICATE) continue;
      const captured_row *c = captured(seg, refs[r].j);
      if (!c) continue;
      if (!who) {
        who = c;
        continue;
      }
      if (!strcmp(c->name, who->name)) continue;
      bool seen = false;
      for (const char *a = text.data; a && a < text.data + text.len && !seen; a += strlen(a) + 1)
        seen = !strcmp(a, c->name);
      if (!seen) relief_buf_append(&text, c->name, strlen(c->name) + 1);
    }
    if (!who) continue;
    size_t aka_len = text.len;
    char *akas = arena_alloc(&out->arena, aka_len + 1);
    size_t o = 0;
    for (const char *a = text.data; a && a < text.data + aka_len; a += strlen(a) + 1) {
      if (o) memcpy(akas + o, "; ", 2), o += 2;
      memcpy(akas + o, a, strlen(a));
      o += strlen(a);
    }
    akas[o] = 0;
    if ((size_t)p.n_convictions > cap_step)
      step_of = realloc(step_of, (cap_step = (size_t)p.n_convictions * 2) * sizeof *step_of);
    /* one motion per step with relieved counts, in the order the steps appear */
    for (int i = 0; i < p.n_convictions; i++) step_of[i] = -1;
    for (int i = 0; i < p.n_convictions; i++) {
      if (step_of[i] != -1 || !p.convictions[i].in_county) continue;
      size_t motion_start = n_counts;
      for (int m = i; m < p.n_convictions; m++) {
        const relief_conviction *c = &p.convictions[m];
        if (!c->in_county || c->step_key != p.convictions[i].step_key) continue;
        step_of[m] = (int)out->n;
        uint64_t f = relief_features(&ctx, flow, &p, m, &facts);
        if (!relief_flow_relevant(flow, f)) continue;
        const relief_flow_row *rule = relief_flow_decide(flow, f);
        if (!rule || !relieved(rule->determination)) continue;
        const row_ref *ref = &refs[c->row];
        const captured_row *row = captured(&pl->segs[ref->seg], ref->j);
        if (n_counts == cap_counts)
          out->counts = realloc(out->counts, (cap_counts = cap_counts ? cap_counts * 2 : 256) *
                                                 sizeof *out->counts);
        out->counts[n_counts++] = (relief_motion_count){
            .code_section = pl->section_text[c->class_id],
            .offense = row && row->offense ? row->offense : "",
            .conviction_day = c->disp_day,
            .felony = c->felony,
            .relief = (f & RELIEF_F_SERVING_THIS_SENTENCE) ? RELIEF_SOUGHT_RECALL_AND_RESENTENCE
                      : rule->determination == RELIEF_DET_DISMISS ? RELIEF_SOUGHT_DISMISS_AND_SEAL
                                                                  : RELIEF_SOUGHT_REDESIGNATE,
            .reason = rule->reason,
        };
        if (n_counts - 1 == motion_start) { /* the step's text comes from its first count */
          const char *cnt = row && row->cnt ? row->cnt : "";
          text.len = 0;
          relief_buf_append(&text, cnt, strlen(cnt) < 6 ? strlen(cnt) : 6);
        }
      }
      if (n_counts == motion_start) continue;
      char *step = arena_strdup(&out->arena, text.data ? text.data : "", text.len);
      relief_buf cases = {0};
      for (int c = 0; c < p.n_case_numbers; c++) {
        if (p.case_numbers[c].step_key != p.convictions[i].step_key) continue;
        if (cases.len) relief_buf_append(&cases, "; ", 2);
        relief_buf_append(&cases, p.case_numbers[c].ofn, strlen(p.case_numbers[c].ofn));
      }
      char *case_numbers = arena_strdup(&out->arena, cases.data ? cases.data : "", cases.len);
      relief_buf_free(&cases);
      if (out->n == cap_motions) {
        cap_motions = cap_motions ? cap_motions * 2 : 256;
        out->motions = realloc(out->motions, cap_motions * sizeof *out->motions);
        first_count = realloc(first_count, cap_motions * sizeof *first_count);
      }
      first_count[out->n] = motion_start;
      out->motions[out->n++] = (relief_motion){
          .county = county_name,
          .step = step,
          .case_numbers = case_numbers,
          .name = who->name,
          .akas = akas,
          .dob_day = relief_parse_yyyymmdd(who->dob, strlen(who->dob)),
          .cii = who->cii,
          .n_counts = (int)(n_counts - motion_start),
      };
    }
  }
  for (size_t m = 0; m < out->n; m++) out->motions[m].counts = out->counts + first_count[m];
  free(first_count);
  free(step_of);
  relief_buf_free(&text);
  person_scratch_free(&ps);
}

void motion_list_free(motion_list *m) {
  free(m->motions);
  free(m->counts);
  for (arena_block *b = m->arena, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  memset(m, 0, sizeof *m);
}
