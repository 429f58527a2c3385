/*
 * explain_step.c — the explain step: one person's convictions, each with the
 * feature bits that held and the flow row that decided it, so a prosecutor
 * can say exactly why a conviction was or was not cleared.
 */
#include <stdio.h>

#include "pipeline/pipeline_int.h"

void pipeline_explain(pipeline *pl, size_t person, relief_explain_fn fn, void *user,
                      relief_explain_person *out) {
  person_history ps = {0};
  const row_ref *refs = pl->order + pl->first[person];
  relief_person p;
  person_build(&pl->table, refs, pl->first[person + 1] - pl->first[person], &ps, &p);
  out->n_convictions = p.n_convictions;
  out->deceased = p.deceased;
  out->registered = p.registered;
  const relief_flow *flow = &pl->plans[0].flow;
  snprintf(out->flow_name, sizeof out->flow_name, "%s", flow->name);
  relief_eval_ctx ctx = {pl->classes, pl->compute_day, pl->section_text, pl->section_len};
  for (int i = 0; i < p.n_convictions; i++)
    p.convictions[i].in_county = p.convictions[i].county == pl->run_county;
  relief_person_facts facts = person_features(&ctx, flow, &p);
  for (int i = 0; i < p.n_convictions; i++) {
    const relief_conviction *c = &p.convictions[i];
    uint64_t f = rules_features(&ctx, flow, &p, i, &facts);
    const row_ref *ref = &refs[c->row];
    size_t row = ref->j;
    for (uint32_t s = 0; s < ref->seg; s++) row += pl->segs[s].n_rows;
    relief_explain_conviction e = {
        .index = i + 1,
        .row = row + 1,
        .code_section = pl->section_text[c->class_id],
        .county = intern_str(&pl->counties, (uint32_t)c->county, NULL),
        .disposition_day = c->disp_day,
        .felony = c->felony,
        .relevant = flow_relevant(flow, f),
        .features = f,
    };
    doj_civil_from_days(c->disp_day, &e.disposition_year, &e.disposition_month,
                        &e.disposition_mday);
    e.disposition_known = c->disp_day != RELIEF_DAY_UNKNOWN;
    const relief_flow_row *rule = e.relevant ? flow_decide(flow, f) : NULL;
    if (rule) {
      e.decided = true;
      e.rule_id = rule->id;
      e.determination = determination_names[rule->determination];
      e.reason = rule->reason;
    }
    fn(user, &e);
  }
  person_history_free(&ps);
}
