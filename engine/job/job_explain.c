/*
 * job_explain.c — relief_explain: finds one person in an extract (by
 * SUBJECT_ID or CII number), groups the file as `run` does, and walks the
 * explain step over that person's convictions; and the words explain
 * uses, in one place for the CLI and the page: a sentence per feature bit,
 * and the line that says what decided a conviction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/input.h"
#include "job/job.h"

static void copy_value(const relief_field *f, char *out, size_t cap) {
  char scratch[4096];
  uint32_t n = 0;
  const char *v = f->len < sizeof scratch ? doj_field_value(f, scratch, &n) : "";
  if (n >= cap) n = (uint32_t)cap - 1;
  memcpy(out, v, n);
  out[n] = 0;
}

/* The first row whose SUBJECT_ID or CII number is the subject. */
static relief_status find_subject(const char *path, const char *subject, relief_explain_person *out,
                                  relief_error *err) {
  relief_input in;
  relief_status st = input_open(&in, path, err);
  if (st) return st;
  size_t pos = header_length(in.data, in.size), start;
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  size_t want = strlen(subject);
  while (parse_row(in.data, in.size, &pos, f, &start, &perr) == 1) {
    int cols[2] = {RELIEF_COL_SUBJECT_ID, RELIEF_COL_CII_NUMBER};
    for (int k = 0; k < 2; k++) {
      const char *v = f[cols[k]].ptr;
      size_t n = person_id_trim(&v, f[cols[k]].len);
      if (n == want && !memcmp(v, subject, n)) {
        out->found = true;
        copy_value(&f[RELIEF_COL_SUBJECT_ID], out->subject_id, sizeof out->subject_id);
        copy_value(&f[RELIEF_COL_PRI_NAME], out->name, sizeof out->name);
        copy_value(&f[RELIEF_COL_PRI_DOB], out->dob, sizeof out->dob);
        copy_value(&f[RELIEF_COL_CII_NUMBER], out->cii, sizeof out->cii);
        input_close(&in);
        return RELIEF_OK;
      }
    }
  }
  input_close(&in);
  return RELIEF_OK; /* parse errors are reported by the full read */
}

/* explain's emit stage, once the file's people are grouped: the subject's
 * row, then the explain step over their person. */
typedef struct {
  const relief_explain_config *cfg;
  relief_explain_person *person;
  relief_explain_fn fn;
  void *user;
} explain_sink;

static relief_status explain_emit(void *user, pipeline *pl, relief_error *err) {
  explain_sink *es = user;
  relief_status st = find_subject(es->cfg->input, es->cfg->subject, es->person, err);
  if (st || !es->person->found) return st;
  const char *id = es->person->subject_id;
  size_t person;
  if (pipeline_find_person(pl, person_key_subject(id, strlen(id)), &person))
    pipeline_explain(pl, person, es->fn, es->user, es->person);
  return RELIEF_OK;
}

relief_status relief_explain(const relief_explain_config *cfg, relief_explain_person *person,
                             relief_explain_fn fn, void *user, relief_error *err) {
  memset(person, 0, sizeof *person);
  relief_classifier *classifier = classifier_new();
  if (!classifier) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  if (!cfg->flow && !cfg->options) {
    classifier_free(classifier);
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "explain: no flow and no options");
  }
  county_plan county = {.name = cfg->county};
  if (cfg->options) county.options = *cfg->options;
  if (cfg->flow)
    county.flow = *cfg->flow;
  else
    flow_configurable(&county.flow, cfg->options);
  explain_sink sink = {cfg, person, fn, user};
  pipeline_plan plan = {.inputs = &cfg->input,
                        .n_inputs = 1,
                        .mode = PLAN_PER_FILE,
                        .stages = PLAN_GROUP,
                        .county = cfg->county,
                        .plan = &county,
                        .classifier = classifier,
                        .compute_day = cfg->compute_day,
                        .threads = job_threads(cfg->threads),
                        .keep_keys = true,
                        .sinks = {explain_emit, &sink}};
  pipeline *pl;
  relief_status st = pipeline_drive(&plan, &pl, err);
  pipeline_destroy(pl);
  classifier_free(classifier);
  return st;
}

/* What each feature bit means when it holds, in the order of feature_names
 * (docs/flows.md's vocabulary, in an office's words). */
static const char *const feature_sentences[RELIEF_F_COUNT_BITS] = {
    "The conviction is in the county deciding.",
    "Its code section is a Prop 64 section (HS 11357 to 11360).",
    "Its code section is a charge related to Prop 64 (such as 647(f) PC or 11364 HS).",
    "It is a felony.",
    "Its code section includes HS 11357.",
    "Its code section includes HS 11358.",
    "Its code section includes HS 11359.",
    "Its code section includes HS 11360.",
    "The person was under 21 when convicted.",
    "The person has reached the chosen age (or their date of birth is unknown).",
    "The conviction is at least the chosen number of years old.",
    "The person has had no conviction for the chosen number of years.",
    "Every conviction the person has is a Prop 64 conviction.",
    "The person is deceased.",
    "The person is registered under PC 290.",
    "This conviction is a superstrike (PC 667(e)(2)(C)(iv)).",
    "This conviction is a PC 290 offense.",
    "It is a Prop 64 conviction or a related charge.",
    "It was decided on or after 11/09/2016.",
    "Its Prop 64 section is HS 11357.",
    "Its code section begins HS 11357(a) or 11357(b).",
    "The person had a superstrike before this conviction.",
    "The person had a PC 290 conviction before this one (or is registered with none dated).",
    "Two or more earlier Prop 64 convictions share this code section.",
    "The person is 21 or younger today.",
    "Every sentence the person had has ended.",
    "The person has had no conviction for the chosen number of years.",
    "The person is still serving this conviction's sentence.",
    "The person has a superstrike (or a gang-enhanced step).",
    "It was decided before the year the county's policy names.",
};

const char *relief_feature_sentence(int i) {
  return i >= 0 && i < RELIEF_F_COUNT_BITS ? feature_sentences[i] : NULL;
}

void relief_explain_verdict(const relief_explain_conviction *c, char *out, size_t cap) {
  if (!c->relevant)
    snprintf(out, cap, "no result: not an in-county Prop 64 conviction under this flow");
  else if (!c->decided)
    snprintf(out, cap, "no rule applied: determination left empty");
  else
    snprintf(out, cap, "decided by rule '%s': %s \xe2\x80\x94 %s", c->rule_id, c->determination,
             c->reason);
}
