/*
 * job_run.c — relief_run, the reference-compatible run: each input file on
 * its own (people grouped by SUBJECT_ID within the file), one county
 * decided, the bundle of eligibility spec §7 per file, one summary, and the
 * filings, report and manifest, all in one publication committed only when
 * every input succeeded.
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

/* The flow `run` decides with: the given one, else the configurable flow. */
static void run_flow(const relief_run_config *cfg, relief_flow *flow) {
  if (cfg->flow)
    *flow = *cfg->flow;
  else
    relief_flow_configurable(flow, cfg->options);
}

/* One input file through the whole pipeline into its bundle files. */
static relief_status run_file(const relief_run_config *cfg, const relief_classifier *classifier,
                              publication *pub, int index, relief_summary *sum,
                              manifest_input *described, relief_run_result *res,
                              relief_error *err) {
  const char *path = cfg->inputs[index];
  pipeline pl = {
      .trace = cfg->trace,
      .review_files = cfg->review_files,
      .forms = cfg->forms,
      .redaction = cfg->redaction,
      .classifier = classifier,
      .compute_day = cfg->compute_day,
      .progress = cfg->progress,
      .progress_user = cfg->progress_user,
      .format_result = output_result_formatter,
      .n_threads = job_threads(cfg->threads),
  };
  int numbered = cfg->n_inputs > 1 ? index + 1 : 0;
  county_plan plan = {.name = cfg->county,
                      .options = *cfg->options,
                      .n_files = cfg->filings_only   ? 0
                                 : cfg->review_files ? BUNDLE_FILES
                                                     : 3};
  run_flow(cfg, &plan.flow);
  relief_status st = RELIEF_OK;
  for (int k = 0; k < plan.n_files && !st; k++) {
    char name[1024];
    relief_output_path(name, sizeof name, "", bundle_names[k], numbered, cfg->suffix, ".csv");
    st = publication_create(pub, name + 1, &plan.files[k], err); /* past the leading '/' */
  }
  relief_flow_dismiss_all_prop64(&pl.dismiss_all);
  if (!st) st = pipeline_parse(&pl, &path, 1, err);
  for (int i = 0; i < pl.n_inputs; i++) res->input_bytes += pl.inputs[i].stored_size;
  if (!st) {
    pl.run_county = (int)relief_intern_get(&pl.counties, cfg->county, strlen(cfg->county));
    if (!res->warning[0]) /* the county check: most rows another county's */
      pipeline_county_warning(&pl, cfg->county, res->warning, sizeof res->warning);
    pl.plans = &plan;
    pl.n_plans = 1;
    pipeline_group(&pl);
    pipeline_evaluate(&pl);
    st = output_emit(&pl, err);
    if (!st && cfg->forms) {
      filings_options fo = job_filings_options(cfg->filer);
      st = filings_write_county(&pl, pl.run_county, pub, numbered, &fo, cfg->filter, &res->motions,
                                err);
    }
    /* the bytes decided must still be the file's: else nothing is published */
    if (!st) st = pipeline_check_inputs(&pl, err);
    /* the manifest describes the bytes read, hashed as they were mapped */
    const relief_input *in = &pl.inputs[0];
    *described = (manifest_input){.path = path, .size = in->stored_size};
    memcpy(described->xxh3_128, in->xxh3_128, sizeof described->xxh3_128);
    pipeline_input_rows(&pl, 0, &described->rows_read, &described->rows_duplicate);
    described->rows_decided = described->rows_read - described->rows_duplicate;
    plan.summary.line_count = (int64_t)pl.n_rows;
    *sum = plan.summary;
    res->people += (int64_t)pl.n_people;
    res->rows += (int64_t)pl.n_rows;
  }
  for (int k = 0; k < plan.n_files; k++) {
    relief_status closed = pub_file_close(plan.files[k], st ? NULL : err);
    if (!st) st = closed;
  }
  pipeline_free_arenas(&pl);
  pipeline_free(&pl);
  return st;
}

relief_status job_run(const relief_run_config *cfg, relief_run_result *res, relief_error *err) {
  memset(res, 0, sizeof *res);
  if (!cfg->options)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "run: no options given");
  double t0 = omp_get_wtime();
  relief_classifier *classifier = relief_classifier_new();
  if (!classifier)
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  publication *pub;
  relief_status st = publication_begin(cfg->outputs_dir, &pub, err);
  relief_summary total = {0};
  manifest_input *described = xcalloc((size_t)cfg->n_inputs + 1, sizeof *described);
  for (int i = 0; i < cfg->n_inputs && !st; i++) {
    relief_summary file_sum = {0};
    st = run_file(cfg, classifier, pub, i, &file_sum, &described[i], res, err);
    if (!st) relief_summary_accumulate(&total, &file_sum);
  }
  res->seconds = omp_get_wtime() - t0;
  if (!st && cfg->filings_only) { /* relief filings: Court_Filings/ replaced, nothing else */
    char **previous;
    size_t n_previous;
    job_previous_filings(cfg->outputs_dir, &previous, &n_previous);
    st = publication_commit(pub, (const char *const *)previous, n_previous, err);
    pub = NULL;
    job_free_paths(previous, n_previous);
  } else if (!st) {
    relief_flow flow;
    run_flow(cfg, &flow);
    char *json = relief_summary_json(&total, cfg->county, &flow, cfg->options, res->seconds,
                                     (int64_t)time(NULL));
    char name[1024];
    relief_output_path(name, sizeof name, "", cfg->gogen_naming ? "gogen" : "summary", 0,
                       cfg->suffix, ".json");
    if (cfg->report) { /* one report for all inputs, named with the suffix like the rest */
      char html[1024], pdf[1024];
      relief_output_path(html, sizeof html, "", "report", 0, cfg->suffix, ".html");
      relief_output_path(pdf, sizeof pdf, "", "report", 0, cfg->suffix, ".pdf");
      json_t *extra =
          relief_report_extra(&total, res->seconds, res->input_bytes, res->people, false);
      job_report_context(extra, cfg->compute_day, cfg->options, &flow, cfg->filer);
      st = impact_write(pub, html + 1, pdf + 1, json, extra, err);
      json_decref(extra);
    }
    if (!st) st = publication_write_file(pub, name + 1, json, strlen(json), err);
    free(json);
    /* the manifest describes every file of the publication, and is written
     * last (not in the gogen drop-in, which writes exactly the reference's
     * files) */
    if (!st && !cfg->gogen_naming) {
      relief_flow dismiss_all;
      relief_flow_dismiss_all_prop64(&dismiss_all);
      const relief_flow *flows[2] = {&flow, &dismiss_all};
      char warning_text[4][192];
      const char *warnings[5];
      int n_warnings =
          cfg->flow ? 0 : relief_options_warnings(cfg->options, "options: ", warning_text);
      for (int k = 0; k < n_warnings; k++) warnings[k] = warning_text[k];
      if (res->warning[0]) warnings[n_warnings++] = res->warning;
      manifest_info info = {.command_line = cfg->command_line,
                            .n_command_line = cfg->n_command_line,
                            .compute_day = cfg->compute_day,
                            .county = cfg->county,
                            .threads = job_threads(cfg->threads),
                            .redacted = cfg->redaction != NULL,
                            .options = cfg->options,
                            .flows = flows,
                            .n_flows = 2,
                            .inputs = described,
                            .n_inputs = cfg->n_inputs,
                            .warnings = warnings,
                            .n_warnings = n_warnings,
                            .run_seconds = res->seconds,
                            .rows = res->rows,
                            .people = res->people};
      relief_output_path(name, sizeof name, "", "manifest", 0, cfg->suffix, ".json");
      st = manifest_write(&info, pub, name + 1, err);
    }
  }
  if (!st && pub) {
    /* the folder's previous bundle (as its manifest listed it) goes, but for
     * what this one replaces; the drop-in writes no manifest and keeps the
     * reference's behaviour */
    char **previous = NULL;
    size_t n_previous = 0;
    if (!cfg->gogen_naming) {
      char name[1024];
      relief_output_path(name, sizeof name, "", "manifest", 0, cfg->suffix, ".json");
      manifest_read_outputs(cfg->outputs_dir, name + 1, &previous, &n_previous, NULL);
    }
    st = publication_commit(pub, (const char *const *)previous, n_previous, err);
    manifest_outputs_free(previous, n_previous);
    pub = NULL;
  }
  publication_abort(pub);
  free(described);
  relief_classifier_free(classifier);
  return st;
}
