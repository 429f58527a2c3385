/*
 * motions.c — a county's motions from the run's decisions: one per person
 * per court case (step) with relieved counts, sorted by case number, with
 * the text emit captured for those rows (name, birth date, CII, offense,
 * court) and the person's other name spellings as AKAs. Counts whose charge
 * or date is unknown are withheld (review takes them).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "filings/filings.h"
#include "pipeline/pipeline.h"

const char *filings_withhold_reason(const char *offense, int32_t conviction_day,
                                    int32_t compute_day, bool *checkable) {
  if (checkable) *checkable = false;
  size_t n = offense ? strlen(offense) : 0, len;
  bool from_comment;
  rules_code_section(offense ? offense : "", n, "", 0, &len, &from_comment);
  const char *s = offense ? offense : "";
  while (*s == ' ') s++;
  size_t t = strlen(s);
  while (t && s[t - 1] == ' ') t--;
  if (from_comment || (t == 1 && s[0] == '-'))
    return "charge unknown: enter the charge before filing";
  if (conviction_day == RELIEF_DAY_UNKNOWN)
    return "conviction date unknown: enter the date before filing";
  if (checkable) *checkable = true;
  if (compute_day != RELIEF_DAY_UNKNOWN && conviction_day > compute_day)
    return "conviction after the decision date: check the facts before filing";
  if (conviction_day > doj_days_from_civil(2016, 11, 8))
    return "conviction after 11/08/2016, when Prop 64 took effect: check the facts before filing";
  if (checkable) *checkable = false;
  return NULL;
}

char *filings_written_name(const char *name) {
  if (!name) name = "";
  size_t n = strlen(name);
  char *out = xmalloc(2 * n + 1), *o = out;
  bool space = false; /* a space is pending */
  for (const char *c = name; *c; c++) {
    if (*c == ' ') {
      space = o > out;
      continue;
    }
    if (*c == ',' || *c == ';') {
      *o++ = *c; /* ", " or "; " follows, whatever the record had */
      space = true;
      continue;
    }
    if (space && o > out) *o++ = ' ';
    space = false;
    *o++ = *c;
  }
  *o = 0;
  return out;
}

int filings_rule_discretionary(const char *rule_id) {
  /* the categories a county adds beyond HS 11361.8 (configurable and Los
   * Angeles flows): the person's age, years since, crime-free years, only
   * cannabis charges, death */
  static const char *const added[] = {"under-21",    "21-or-younger",          "age",
                                      "crime-free",  "years-since-conviction", "conviction-free",
                                      "only-prop64", "only-prop64-completed",  "deceased"};
  if (!rule_id) return 0;
  for (size_t i = 0; i < sizeof added / sizeof added[0]; i++)
    if (!strcmp(rule_id, added[i])) return 1;
  return 0;
}

static bool relieved(relief_determination d) {
  return d == RELIEF_DET_DISMISS || d == RELIEF_DET_REDUCE;
}

/* Whether a reviewer approved the count's court case with its facts
 * checked (the filter's say). */
static bool case_checked(const relief_filing_filter *f, const captured_row *who,
                         const captured_row *row) {
  char step[8];
  snprintf(step, sizeof step, "%.6s", row && row->cnt ? row->cnt : "");
  return f->checked(f->user, who->cii[0] ? who->cii : who->subject, step);
}

/* Case number, then name, then court case: the order motions are filed in. */
static int cmp_motion(const void *a, const void *b) {
  const relief_motion *x = a, *y = b;
  int c = strcmp(x->case_numbers, y->case_numbers);
  if (!c) c = strcmp(x->name, y->name);
  if (!c) c = strcmp(x->person, y->person);
  if (!c) c = strcmp(x->step, y->step);
  return c;
}

void filings_sort_motions(relief_motion *motions, size_t n) {
  if (n) qsort(motions, n, sizeof *motions, cmp_motion);
}

/* The person's first captured row names them (*who; NULL when none); the
 * other spellings are their AKAs, "; "-joined, in the arena. */
static char *person_akas(const pipeline *pl, const row_ref *refs, size_t n_rows, relief_buf *text,
                         arena_block **arena, const captured_row **who) {
  *who = NULL;
  text->len = 0;
  for (size_t r = 0; r < n_rows; r++) {
    const captured_row *c = pipeline_captured(pl, &refs[r]);
    if (!c) continue;
    if (!*who) {
      *who = c;
      continue;
    }
    if (!strcmp(c->name, (*who)->name)) continue;
    bool seen = false;
    for (const char *a = text->data; a && a < text->data + text->len && !seen; a += strlen(a) + 1)
      seen = !strcmp(a, c->name);
    if (!seen) buf_append(text, c->name, strlen(c->name) + 1);
  }
  size_t aka_len = text->len;
  char *akas = arena_alloc(arena, aka_len + 1);
  size_t o = 0;
  for (const char *a = text->data; a && a < text->data + aka_len; a += strlen(a) + 1) {
    if (o) memcpy(akas + o, "; ", 2), o += 2;
    memcpy(akas + o, a, strlen(a));
    o += strlen(a);
  }
  akas[o] = 0;
  return akas;
}

/* The case numbers of a court case (step), "; "-joined, in the arena. */
static char *step_case_numbers(const relief_person *p, uint64_t step_key, arena_block **arena) {
  relief_buf cases = {0};
  for (int c = 0; c < p->n_case_numbers; c++) {
    if (p->case_numbers[c].step_key != step_key) continue;
    if (cases.len) buf_append(&cases, "; ", 2);
    buf_append(&cases, p->case_numbers[c].ofn, strlen(p->case_numbers[c].ofn));
  }
  char *out = arena_strndup(arena, cases.data ? cases.data : "", cases.len);
  buf_free(&cases);
  return out;
}

/* A relieved count as its motion lists it. */
static relief_motion_count motion_count(const relief_eval_ctx *ctx, const relief_conviction *c,
                                        uint64_t f, const relief_flow_row *rule,
                                        const captured_row *row) {
  return (relief_motion_count){
      .code_section = ctx->section_text[c->class_id],
      .offense = row && row->offense ? row->offense : "",
      .conviction_day = c->disp_day,
      .felony = c->felony,
      .relief = (f & RELIEF_F_SERVING_THIS_SENTENCE)        ? RELIEF_SOUGHT_RECALL_AND_RESENTENCE
                : rule->determination == RELIEF_DET_DISMISS ? RELIEF_SOUGHT_DISMISS_AND_SEAL
                                                            : RELIEF_SOUGHT_REDESIGNATE,
      .determination = rule->determination,
      .discretionary = filings_rule_discretionary(rule->id),
      .reason = rule->reason,
  };
}

void filings_motions(pipeline *pl, int county, const relief_filing_filter *filter,
                     motion_list *out) {
  memset(out, 0, sizeof *out);
  person_history ps = {0};
  size_t cap_motions = 0, cap_counts = 0, n_counts = 0;
  size_t *first_count = NULL; /* per motion, index into counts (pointers set last) */
  relief_eval_ctx ctx = pipeline_eval_ctx(pl);
  const relief_flow *flow = &pipeline_county_plan(pl, county)->flow;
  const char *county_name = pipeline_county_plan(pl, county)->name;
  const uint32_t *pairs;
  size_t n_pairs = pipeline_motion_pairs(pl, &pairs);
  relief_buf text = {0};
  const char *court = "";
  int *step_of = NULL;
  size_t cap_step = 0;
  for (size_t k = 0; k < n_pairs; k += 2) {
    if ((int)pairs[k + 1] != county) continue;
    const row_ref *refs;
    size_t n_rows;
    relief_person p;
    pipeline_person(pl, pairs[k], &ps, &p, &refs, &n_rows);
    for (int i = 0; i < p.n_convictions; i++)
      p.convictions[i].in_county = p.convictions[i].county == county;
    relief_person_facts facts = person_features(&ctx, flow, &p);
    const captured_row *who = NULL;
    char *akas = person_akas(pl, refs, n_rows, &text, &out->arena, &who);
    if (!who) continue;
    if ((size_t)p.n_convictions > cap_step)
      step_of = xrealloc(step_of, (cap_step = (size_t)p.n_convictions * 2) * sizeof *step_of);
    /* one motion per step with relieved counts, in the order the steps appear */
    for (int i = 0; i < p.n_convictions; i++) step_of[i] = -1;
    for (int i = 0; i < p.n_convictions; i++) {
      if (step_of[i] != -1 || !p.convictions[i].in_county) continue;
      size_t motion_start = n_counts;
      for (int m = i; m < p.n_convictions; m++) {
        const relief_conviction *c = &p.convictions[m];
        if (!c->in_county || c->step_key != p.convictions[i].step_key) continue;
        step_of[m] = (int)out->n;
        uint64_t f = rules_features(&ctx, flow, &p, m, &facts);
        if (!flow_relevant(flow, f)) continue;
        const relief_flow_row *rule = flow_decide(flow, f);
        if (!rule || !relieved(rule->determination)) continue;
        const row_ref *ref = &refs[c->row];
        const captured_row *row = pipeline_captured(pl, ref);
        bool checkable;
        if (filings_withhold_reason(row ? row->offense : "", c->disp_day, ctx.compute_day,
                                    &checkable) &&
            !(checkable && filter && filter->checked && case_checked(filter, who, row))) {
          out->withheld_counts++;
          continue;
        }
        if (n_counts == cap_counts)
          out->counts = xrealloc(out->counts, (cap_counts = cap_counts ? cap_counts * 2 : 256) *
                                                  sizeof *out->counts);
        out->counts[n_counts++] = motion_count(&ctx, c, f, rule, row);
        if (n_counts - 1 == motion_start) { /* the step's text comes from its first count */
          const char *cnt = row && row->cnt ? row->cnt : "";
          text.len = 0;
          buf_append(&text, cnt, strlen(cnt) < 6 ? strlen(cnt) : 6);
          court = row && row->court ? row->court : "";
        }
      }
      if (n_counts == motion_start) continue;
      char *step = arena_strndup(&out->arena, text.data ? text.data : "", text.len);
      const char *person = who->cii[0] ? who->cii : who->subject;
      int group = filter && filter->group ? filter->group(filter->user, person, step) : -1;
      if (filter && (!filter->accept(filter->user, person, step) || (filter->group && group < 0))) {
        n_counts = motion_start;
        continue;
      }
      if (filter && filter->filed) filter->filed(filter->user, person, step);
      char *case_numbers = step_case_numbers(&p, p.convictions[i].step_key, &out->arena);
      if (out->n == cap_motions) {
        cap_motions = cap_motions ? cap_motions * 2 : 256;
        out->motions = xrealloc(out->motions, cap_motions * sizeof *out->motions);
        first_count = xrealloc(first_count, cap_motions * sizeof *first_count);
      }
      first_count[out->n] = motion_start;
      out->motions[out->n++] = (relief_motion){
          .county = county_name,
          .step = step,
          .case_numbers = case_numbers,
          .name = who->name,
          .akas = akas,
          .dob_day = doj_parse_yyyymmdd(who->dob, strlen(who->dob)),
          .cii = who->cii,
          .person = person,
          .court = court,
          .group = group,
          .n_counts = (int)(n_counts - motion_start),
      };
    }
  }
  for (size_t m = 0; m < out->n; m++) out->motions[m].counts = out->counts + first_count[m];
  filings_sort_motions(out->motions, out->n);
  free(first_count);
  free(step_of);
  buf_free(&text);
  person_history_free(&ps);
}

void motion_list_free(motion_list *m) {
  free(m->motions);
  free(m->counts);
  arena_free(&m->arena);
  memset(m, 0, sizeof *m);
}
