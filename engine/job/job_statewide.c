/*
 * job_statewide.c — relief_statewide: every input file is one population. People are
 * recognised across files by CII number, rows copied into several county
 * files count once, and each county with Prop 64 convictions gets its own
 * bundle (its policy deciding, the person's whole history counting) and
 * summary; statewide_summary.json adds them up.
 */
#include <jansson.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/paths.h"
#include "filings/filings.h"
#include "impact/impact.h"
#include "job/job.h"
#include "output/output.h"

/* Adds JSON b into a: numbers add, objects merge, the earliest date wins. */
static void json_add(json_t *a, json_t *b) {
  const char *key;
  json_t *bv;
  json_object_foreach(b, key, bv) {
    json_t *av = json_object_get(a, key);
    if (!av) {
      json_object_set(a, key, bv);
    } else if (json_is_integer(av) && json_is_integer(bv)) {
      json_object_set_new(a, key, json_integer(json_integer_value(av) + json_integer_value(bv)));
    } else if (json_is_real(av) || json_is_real(bv)) {
      json_object_set_new(a, key, json_real(json_number_value(av) + json_number_value(bv)));
    } else if (json_is_object(av) && json_is_object(bv)) {
      json_t *copy = json_deep_copy(av);
      json_add(copy, bv);
      json_object_set_new(a, key, copy);
    } else if (json_is_string(av) && json_is_string(bv) && !strcmp(key, "earliestConviction")) {
      if (strcmp(json_string_value(bv), json_string_value(av)) < 0) json_object_set(a, key, bv);
    }
  }
}

relief_status relief_statewide(const relief_statewide_config *cfg, relief_statewide_result *res,
                               relief_error *err) {
  memset(res, 0, sizeof *res);
  job_begin();
  if (!cfg->options)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "statewide: no options given");
  double t0 = omp_get_wtime();
  relief_classifier *classifier = relief_classifier_new();
  if (!classifier)
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  pipeline pl = {
      .merged = true,
      .trace = cfg->trace,
      .review_files = cfg->review_files,
      .forms = cfg->forms,
      .classifier = classifier,
      .compute_day = cfg->compute_day,
      .progress = cfg->progress,
      .progress_user = cfg->progress_user,
      .run_county = -1,
      .format_result = output_result_formatter,
      .n_threads = job_threads(cfg->threads),
      .no_results = cfg->summary_only && !cfg->forms,
      .memory_limit = cfg->memory_limit ? cfg->memory_limit : job_default_memory_limit(),
  };
  publication *pub = NULL;
  relief_flow_dismiss_all_prop64(&pl.dismiss_all);
  relief_status st = publication_begin(cfg->outputs_dir, &pub, err);
  pl.scratch_pub = pub;
  if (!st) st = pipeline_parse(&pl, cfg->inputs, cfg->n_inputs, err);
  for (int i = 0; i < pl.n_inputs; i++) res->input_bytes += pl.inputs[i].stored_size;
  if (st) goto done;
  pipeline_group(&pl);
  /* one plan per county seen on a conviction: its policy, else the default */
  pl.n_plans = pl.counties.n;
  pl.plans = xcalloc(pl.n_plans ? pl.n_plans : 1, sizeof *pl.plans);
  for (size_t k = 0; k < pl.n_plans; k++) {
    county_plan *plan = &pl.plans[k];
    plan->name = relief_intern_str(&pl.counties, (uint32_t)k, NULL);
    plan->options = *cfg->options;
    const relief_flow *own = NULL;
    for (int p = 0; p < cfg->n_policies; p++)
      if (!strcmp(cfg->policies[p].county, plan->name)) {
        plan->options = *cfg->policies[p].options;
        own = cfg->policies[p].flow;
      }
    if (own)
      plan->flow = *own;
    else
      relief_flow_configurable(&plan->flow, &plan->options);
  }
  if (pl.spill) {
    st = spill_evaluate(&pl, err);
    spill_stats(&pl, &res->spilled_partitions, &res->spill_bytes);
    if (st) goto done;
  } else {
    pipeline_evaluate(&pl);
  }
  /* counties with Prop 64 convictions get a folder */
  char path[4096], folder[512];
  for (size_t k = 0; k < pl.n_plans && !st; k++) {
    county_plan *plan = &pl.plans[k];
    if (plan->summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    res->counties++;
    if (cfg->summary_only) continue;
    relief_folder_name(folder, sizeof folder, plan->name);
    plan->n_files = cfg->review_files ? BUNDLE_FILES : 3;
    for (int f = 0; f < plan->n_files && !st; f++) {
      snprintf(path, sizeof path, "%s/%s.csv", folder, bundle_names[f]);
      st = publication_create(pub, path, &plan->files[f], err);
    }
  }
  if (!st && (!cfg->summary_only || cfg->forms)) st = output_emit(&pl, err);
  for (size_t k = 0; k < pl.n_plans; k++)
    for (int f = 0; f < pl.plans[k].n_files; f++) {
      relief_status closed = pub_file_close(pl.plans[k].files[f], st ? NULL : err);
      pl.plans[k].files[f] = NULL;
      if (!st) st = closed;
    }
  for (size_t k = 0; k < pl.n_plans && !st && cfg->forms; k++)
    if (pl.plans[k].summary.earliest_state == RELIEF_EARLIEST_DAY)
      st = filings_write_county(&pl, (int)k, pub, 0, &res->motions, err);
  res->people = (int64_t)pl.n_people;
  res->rows = (int64_t)pl.n_rows;
  res->duplicate_rows = pl.duplicate_rows;
  res->seconds = omp_get_wtime() - t0;
  if (!st) {
    /* summaries: per county folder, then the statewide one */
    int64_t now = (int64_t)time(NULL);
    json_t *counties = json_object(), *totals = json_object();
    for (size_t k = 0; k < pl.n_plans && !st; k++) {
      county_plan *plan = &pl.plans[k];
      if (plan->summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
      char *text = relief_summary_json(&plan->summary, plan->name, &plan->flow, &plan->options,
                                       res->seconds, now);
      json_t *obj = json_loads(text, 0, NULL);
      relief_folder_name(folder, sizeof folder, plan->name);
      snprintf(path, sizeof path, "%s/summary.json", folder);
      st = publication_write_file(pub, path, text, strlen(text), err);
      free(text);
      json_object_set(counties, plan->name, obj);
      json_add(totals, obj);
      json_decref(obj);
    }
    json_object_del(totals, "county");
    json_object_set_new(totals, "processingTimeInSeconds", json_real(res->seconds));
    int64_t lines = (int64_t)pl.n_rows - pl.duplicate_rows;
    json_object_set_new(totals, "lineCount", json_integer(lines));
    json_t *root = json_object();
    json_object_set_new(root, "people", json_integer(res->people));
    json_object_set_new(root, "rows", json_integer(res->rows));
    json_object_set_new(root, "duplicateRows", json_integer(res->duplicate_rows));
    json_object_set_new(root, "processingTimeInSeconds", json_real(res->seconds));
    json_object_set_new(root, "totals", totals);
    json_object_set_new(root, "counties", counties);
    if (!st && cfg->report) {
      relief_summary all = {0};
      for (size_t k = 0; k < pl.n_plans; k++)
        relief_summary_add_partial(&all, &pl.plans[k].summary);
      json_t *extra = relief_report_extra(&all, res->seconds, res->input_bytes, res->people, true);
      /* the report's headline figures are the statewide totals */
      json_t *shown = json_deep_copy(root);
      json_object_update(shown, json_object_get(root, "totals"));
      json_object_set_new(shown, "county", json_string("All counties"));
      char *text = json_dumps(shown, JSON_COMPACT | JSON_PRESERVE_ORDER);
      json_decref(shown);
      st = impact_write(pub, "report.html", "report.pdf", text, extra, err);
      free(text);
      json_decref(extra);
    }
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    if (!st) st = publication_write_file(pub, "statewide_summary.json", text, strlen(text), err);
    free(text);
    json_decref(root);
    if (!st) { /* the manifest describes every file of the publication, last */
      const relief_flow **flows = xcalloc(pl.n_plans + 1, sizeof *flows);
      int n_flows = 0;
      for (size_t k = 0; k < pl.n_plans; k++)
        if (pl.plans[k].summary.earliest_state == RELIEF_EARLIEST_DAY)
          flows[n_flows++] = &pl.plans[k].flow;
      flows[n_flows++] = &pl.dismiss_all;
      manifest_info info = {.command_line = cfg->command_line,
                            .n_command_line = cfg->n_command_line,
                            .compute_day = cfg->compute_day,
                            .county = "(all counties)",
                            .threads = pl.n_threads,
                            .options = cfg->options,
                            .flows = flows,
                            .n_flows = n_flows,
                            .inputs = cfg->inputs,
                            .n_inputs = cfg->n_inputs,
                            .run_seconds = res->seconds,
                            .rows = res->rows,
                            .people = res->people};
      st = manifest_write(&info, pub, "manifest.json", err);
      free(flows);
    }
  }
  if (!st) {
    st = publication_commit(pub, NULL, 0, err);
    pub = NULL;
  }
done:
  for (size_t k = 0; k < pl.n_plans; k++)
    for (int f = 0; f < BUNDLE_FILES; f++) pub_file_close(pl.plans[k].files[f], NULL);
  publication_abort(pub);
  free(pl.plans);
  pipeline_free_arenas(&pl);
  pipeline_free(&pl);
  relief_classifier_free(classifier);
  return st;
}
