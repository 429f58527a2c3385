/*
 * history.c — one person's history (eligibility spec §2) from their rows in
 * input order: one conviction per count (a repeated count adds its sentence
 * part to the most recent conviction), case numbers per step, PC 290
 * registration and death notices, and the cycles with a Prop 64 arrest.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "people/people.h"

static void reserve(person_history *h, size_t n_rows) {
  if (n_rows <= h->cap) return;
  h->cap = n_rows * 2;
  h->conv = xreallocarray(h->conv, h->cap, sizeof *h->conv);
  h->seen = xreallocarray(h->seen, h->cap, sizeof *h->seen);
  h->cases = xreallocarray(h->cases, h->cap, sizeof *h->cases);
  h->arrest_cycles = xreallocarray(h->arrest_cycles, h->cap, sizeof *h->arrest_cycles);
}

void person_history_free(person_history *h) {
  free(h->conv);
  free(h->seen);
  free(h->cases);
  free(h->arrest_cycles);
  memset(h, 0, sizeof *h);
}

static const __int128 ns_per_day = (__int128)86400 * 1000000000;

void person_build(const row_table *t, const row_ref *refs, size_t n, person_history *h,
                  relief_person *p) {
  reserve(h, n);
  memset(p, 0, sizeof *p);
  p->convictions = h->conv;
  p->case_numbers = h->cases;
  int n_seen = 0;
  bool first = true;
  h->n_arrest_cycles = 0;
  for (size_t k = 0; k < n; k++) {
    const row_rec *r = &t->rows[refs[k].seg][refs[k].j];
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
      for (int i = 0; i < n_seen && !seen; i++) seen = h->seen[i] == r->cnt_key;
    if (seen) p->convictions[p->n_convictions - 1].sentence_end_ns += r->sentence_ns;
    if (r->flags & ROW_DECEASED) p->deceased = true;
    if (r->ofn_id) {
      const char *ofn = t->ofns[refs[k].seg] + r->ofn_id - 1;
      int dup = 0;
      for (int i = 0; i < p->n_case_numbers && !dup; i++)
        dup = p->case_numbers[i].step_key == r->step_key && !strcmp(p->case_numbers[i].ofn, ofn);
      if (!dup) p->case_numbers[p->n_case_numbers++] = (relief_case_number){r->step_key, ofn};
    }
    if (r->flags & ROW_REGISTRATION) p->registered = true;
    if (r->flags & ROW_ARREST_PROP64)
      h->arrest_cycles[h->n_arrest_cycles++] = row_cycle_key(r->step_key);
    if ((r->flags & ROW_CONVICTED) && !seen) {
      relief_conviction *c = &p->convictions[p->n_convictions++];
      c->disp_day = r->disp_day;
      c->class_id = (int32_t)r->class_id;
      c->step_key = r->step_key;
      c->cycle_key = row_cycle_key(r->step_key);
      c->sentence_end_ns = r->disp_day * ns_per_day + r->sentence_ns;
      c->row = (uint32_t)k;
      c->county = r->county;
      c->felony = (r->flags & ROW_FELONY) != 0;
      c->charge_unknown = (r->flags & ROW_CHARGE_UNKNOWN) != 0;
      h->seen[n_seen++] = r->cnt_key;
    }
  }
}

bool person_prop64_arrest_in_cycle(const person_history *h, const relief_conviction *c) {
  for (int k = 0; k < h->n_arrest_cycles; k++)
    if (h->arrest_cycles[k] == c->cycle_key) return true;
  return false;
}
