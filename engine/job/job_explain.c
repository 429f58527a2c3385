/*
 * job_explain.c — relief_explain: finds one person in an extract (by
 * SUBJECT_ID or CII number), groups the file as `run` does, and walks the
 * explain step over that person's convictions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job/job.h"

static void copy_value(const relief_field *f, char *out, size_t cap) {
  char scratch[4096];
  uint32_t n = 0;
  const char *v = f->len < sizeof scratch ? relief_field_value(f, scratch, &n) : "";
  if (n >= cap) n = (uint32_t)cap - 1;
  memcpy(out, v, n);
  out[n] = 0;
}

/* The first row whose SUBJECT_ID or CII number is the subject. */
static relief_status find_subject(const char *path, const char *subject, relief_explain_person *out,
                                  relief_error *err) {
  relief_input in;
  relief_status st = relief_input_open(&in, path, err);
  if (st) return st;
  size_t pos = relief_header_length(in.data, in.size), start;
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  size_t want = strlen(subject);
  while (relief_parse_row(in.data, in.size, &pos, f, &start, &perr) == 1) {
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
        relief_input_close(&in);
        return RELIEF_OK;
      }
    }
  }
  relief_input_close(&in);
  return RELIEF_OK; /* parse errors are reported by the full read */
}

relief_status relief_explain(const relief_explain_config *cfg, relief_explain_person *person,
                             relief_explain_fn fn, void *user, relief_error *err) {
  memset(person, 0, sizeof *person);
  relief_classifier *classifier = relief_classifier_new();
  if (!classifier)
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  if (!cfg->flow && !cfg->options) {
    relief_classifier_free(classifier);
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "explain: no flow and no options");
  }
  pipeline pl = {.classifier = classifier,
                 .compute_day = cfg->compute_day,
                 .keep_keys = true,
                 .n_threads = job_threads(cfg->threads)};
  county_plan plan = {.name = cfg->county};
  if (cfg->options) plan.options = *cfg->options;
  if (cfg->flow)
    plan.flow = *cfg->flow;
  else
    relief_flow_configurable(&plan.flow, cfg->options);
  relief_flow_dismiss_all_prop64(&pl.dismiss_all);
  relief_status st = pipeline_parse(&pl, &cfg->input, 1, err);
  if (!st) st = find_subject(cfg->input, cfg->subject, person, err);
  if (!st && person->found) {
    pl.run_county = (int)relief_intern_get(&pl.counties, cfg->county, strlen(cfg->county));
    pl.plans = &plan;
    pl.n_plans = 1;
    pipeline_group(&pl);
    XXH128_hash_t key = person_key_subject(person->subject_id, strlen(person->subject_id));
    for (size_t s = 0; s < pl.n_segs; s++)
      for (size_t j = 0; j < pl.segs[s].n_rows; j++) {
        const row_rec *r = &pl.segs[s].rows[j];
        const XXH128_hash_t *k = &pl.segs[s].keys[j];
        if (k->low64 == key.low64 && k->high64 == key.high64) {
          pipeline_explain(&pl, r->person, fn, user, person);
          goto found;
        }
      }
  }
found:
  pipeline_free(&pl);
  relief_classifier_free(classifier);
  return st;
}
