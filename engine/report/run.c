/*
 * run.c — the reference-compatible `run`: each input file on its own (people
 * grouped by SUBJECT_ID within the file), one county decided, the bundle of
 * eligibility spec §7 per file and one summary. Every output is committed
 * only when all inputs succeeded.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "report/pipeline.h"

void relief_output_path(char *out, size_t cap, const char *dir, const char *base, int index,
                        const char *suffix, const char *ext) {
  char idx[32] = "";
  if (index > 0) snprintf(idx, sizeof idx, "_%d", index);
  int has_suffix = suffix && *suffix;
  snprintf(out, cap, "%s/%s%s%s%s%s", dir, base, idx, has_suffix ? "_" : "",
           has_suffix ? suffix : "", ext);
}

/* The flow `run` decides with: the given one, else the configurable flow. */
static void run_flow(const relief_run_config *cfg, relief_flow *flow) {
  if (cfg->flow)
    *flow = *cfg->flow;
  else
    relief_flow_configurable(flow, &cfg->options);
}

/* One input file through the whole pipeline into files[0..n_files). */
static relief_status run_file(const relief_run_config *cfg, const relief_classifier *classifier,
                              const char *path, int file_index, relief_outfile *files, int n_files,
                              relief_summary *sum, relief_run_result *res, relief_error *err) {
  pipeline pl = {
      .trace = cfg->trace,
      .review_files = cfg->review_files,
      .forms = cfg->forms,
      .redaction = cfg->redaction,
      .classifier = classifier,
      .compute_day = cfg->compute_day,
      .progress = cfg->progress,
      .progress_user = cfg->progress_user,
  };
  county_plan plan = {.name = cfg->county, .options = cfg->options, .n_files = n_files};
  run_flow(cfg, &plan.flow);
  memcpy(plan.files, files, (size_t)n_files * sizeof *files);
  relief_flow_dismiss_all_prop64(&pl.dismiss_all);
  relief_status st = pipeline_parse(&pl, &path, 1, err);
  if (!st) {
    res->input_bytes += pl.inputs[0].stored_size;
    pl.run_county = (int)relief_intern_get(&pl.counties, cfg->county, strlen(cfg->county));
    pl.plans = &plan;
    pl.n_plans = 1;
    pipeline_group(&pl);
    pipeline_evaluate(&pl);
    st = pipeline_emit(&pl, err);
    if (!st && cfg->forms)
      st = pipeline_write_filings(&pl, pl.run_county, cfg->outputs_dir,
                                  cfg->n_inputs > 1 ? file_index : 0, &res->motions, err);
    plan.summary.line_count = (int64_t)pl.n_rows;
    *sum = plan.summary;
    res->people += (int64_t)pl.n_people;
  } else {
    for (int i = 0; i < pl.n_inputs; i++) res->input_bytes += pl.inputs[i].stored_size;
  }
  memcpy(files, plan.files, (size_t)n_files * sizeof *files);
  pipeline_free_arenas(&pl);
  pipeline_free(&pl);
  return st;
}

relief_status relief_run(const relief_run_config *cfg, relief_run_result *res, relief_error *err) {
  memset(res, 0, sizeof *res);
  if (cfg->threads > 0) omp_set_num_threads(cfg->threads);
  double t0 = omp_get_wtime();
  relief_classifier *classifier = relief_classifier_new();
  if (!classifier)
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  int n_files = cfg->review_files ? BUNDLE_FILES : 3;
  size_t n_outs = (size_t)cfg->n_inputs * (size_t)n_files;
  relief_outfile *outs = calloc(n_outs + 3, sizeof *outs); /* + the report's two files */
  relief_status st = RELIEF_OK;
  for (int i = 0; i < cfg->n_inputs && !st; i++) {
    int index = cfg->n_inputs > 1 ? i + 1 : 0;
    relief_outfile *mine = &outs[(size_t)i * (size_t)n_files];
    for (int k = 0; k < n_files && !st; k++) {
      char path[4096];
      relief_output_path(path, sizeof path, cfg->outputs_dir, bundle_names[k], index, cfg->suffix,
                         ".csv");
      st = relief_outfile_open(&mine[k], path, err);
    }
    relief_summary file_sum = {0};
    if (!st)
      st = run_file(cfg, classifier, cfg->inputs[i], i + 1, mine, n_files, &file_sum, res, err);
    for (int k = 0; k < n_files && !st; k++) st = relief_outfile_finish(&mine[k], err);
    if (!st) relief_summary_accumulate(&res->summary, &file_sum);
  }
  res->seconds = omp_get_wtime() - t0;
  if (!st) {
    relief_flow flow;
    run_flow(cfg, &flow);
    char *json = relief_summary_json(&res->summary, cfg->county, &flow, &cfg->options, res->seconds,
                                     (int64_t)time(NULL));
    char path[4096];
    relief_output_path(path, sizeof path, cfg->outputs_dir, cfg->gogen_naming ? "gogen" : "summary",
                       0, cfg->suffix, ".json");
    relief_outfile summary;
    st = relief_outfile_open(&summary, path, err);
    if (!st) st = relief_outfile_write(&summary, json, strlen(json), err);
    if (!st) st = relief_outfile_finish(&summary, err);
    staged_report report = {0};
    if (!st && cfg->report) {
      json_t *extra =
          relief_report_extra(&res->summary, res->seconds, res->input_bytes, res->people, false);
      st = stage_impact_report(cfg->outputs_dir, json, extra, &report, err);
      json_decref(extra);
    }
    free(json);
    /* the manifest describes the finished temporaries, and is committed last
     * (not in the gogen drop-in, which writes exactly the reference's files) */
    relief_outfile manifest = {0};
    relief_flow dismiss_all;
    relief_flow_dismiss_all_prop64(&dismiss_all);
    const relief_flow *flows[2] = {&flow, &dismiss_all};
    if (report.dir[0]) { /* the report is audited like the bundle */
      outs[n_outs++] = report.files[0];
      outs[n_outs++] = report.files[1];
    }
    if (!st && !cfg->gogen_naming)
      st = relief_manifest_prepare(cfg, res, flows, 2, outs, n_outs, &summary, &manifest, err);
    /* commit: bundle files and report first, the summary, then the manifest */
    for (size_t k = 0; k < n_outs && !st; k++) st = relief_outfile_commit(&outs[k], err);
    staged_report_discard(&report); /* the staging folder, and anything not committed */
    if (!st) st = relief_outfile_commit(&summary, err);
    if (!st && manifest.temp_path[0]) st = relief_outfile_commit(&manifest, err);
    relief_outfile_discard(&summary);
    relief_outfile_discard(&manifest);
  }
  for (size_t k = 0; k < n_outs; k++) relief_outfile_discard(&outs[k]);
  free(outs);
  relief_classifier_free(classifier);
  return st;
}
