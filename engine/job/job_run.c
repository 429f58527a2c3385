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
    flow_configurable(flow, cfg->options);
}

/* What run_file's emit stage writes into: the bundle files, then filings. */
typedef struct {
  const relief_run_config *cfg;
  publication *pub;
  int numbered;
  relief_run_result *res;
} run_sink;

static relief_status run_emit(void *user, pipeline *pl, relief_error *err) {
  run_sink *rs = user;
  relief_status st = output_emit(pl, err);
  if (!st && rs->cfg->forms) {
    filings_options fo = job_filings_options(rs->cfg->filer);
    st = filings_write_county(pl, pipeline_run_county(pl), rs->pub, rs->numbered, &fo,
                              rs->cfg->filter, &rs->res->motions, err);
  }
  return st;
}

/* Opens plan's bundle files in pub (none for filings only). */
static relief_status open_bundle(const relief_run_config *cfg, publication *pub, int numbered,
                                 county_plan *plan, relief_error *err) {
  plan->n_files = cfg->filings_only ? 0 : cfg->review_files ? BUNDLE_FILES : 3;
  relief_status st = RELIEF_OK;
  for (int k = 0; k < plan->n_files && !st; k++) {
    char name[1024];
    output_path(name, sizeof name, "", bundle_names[k], numbered, cfg->suffix, ".csv");
    st = publication_create(pub, name + 1, &plan->files[k], err); /* past the leading '/' */
  }
  return st;
}

/* The plan of one input file of cfg. */
static pipeline_plan run_plan(const relief_run_config *cfg, const relief_classifier *classifier,
                              const char *const *path, county_plan *county, run_sink *sink) {
  return (pipeline_plan){.inputs = path,
                         .n_inputs = 1,
                         .mode = PLAN_PER_FILE,
                         .stages = PLAN_DECIDE,
                         .county = cfg->county,
                         .plan = county,
                         .classifier = classifier,
                         .compute_day = cfg->compute_day,
                         .threads = job_threads(cfg->threads),
                         .trace = cfg->trace,
                         .review_files = cfg->review_files,
                         .forms = cfg->forms,
                         .redaction = cfg->redaction,
                         .format_result = output_result_formatter,
                         .progress = cfg->progress,
                         .progress_user = cfg->progress_user,
                         .collector = cfg->collect,
                         .sinks = {run_emit, sink}};
}

/* One input file through the whole pipeline into its bundle files. */
static relief_status run_file(const relief_run_config *cfg, const relief_classifier *classifier,
                              publication *pub, int index, relief_summary *sum,
                              manifest_input *described, relief_run_result *res,
                              relief_error *err) {
  const char *path = cfg->inputs[index];
  int numbered = cfg->n_inputs > 1 ? index + 1 : 0;
  county_plan county = {.name = cfg->county, .options = *cfg->options};
  run_flow(cfg, &county.flow);
  run_sink sink = {cfg, pub, numbered, res};
  pipeline_plan plan = run_plan(cfg, classifier, &path, &county, &sink);
  pipeline *pl = NULL;
  relief_status st = open_bundle(cfg, pub, numbered, &county, err);
  if (!st) st = pipeline_drive(&plan, &pl, err);
  for (int i = 0; pl && i < pipeline_n_inputs(pl); i++)
    res->input_bytes += pipeline_input_stored_size(pl, i);
  if (!st) {
    if (!res->warning[0]) /* the county check: most rows another county's */
      pipeline_county_warning(pl, cfg->county, res->warning, sizeof res->warning);
    /* the manifest describes the bytes read, hashed as they were mapped */
    *described = (manifest_input){.path = path, .size = pipeline_input_stored_size(pl, 0)};
    memcpy(described->xxh3_128, pipeline_input_hash(pl, 0), sizeof described->xxh3_128);
    pipeline_input_rows(pl, 0, &described->rows_read, &described->rows_duplicate);
    described->rows_decided = described->rows_read - described->rows_duplicate;
    county.summary.line_count = (int64_t)pipeline_rows(pl);
    *sum = county.summary;
    res->people += (int64_t)pipeline_people(pl);
    res->rows += (int64_t)pipeline_rows(pl);
  }
  for (int k = 0; k < county.n_files; k++) {
    relief_status closed = pub_file_close(county.files[k], st ? NULL : err);
    county.files[k] = NULL;
    if (!st) st = closed;
  }
  pipeline_destroy(pl);
  return st;
}

relief_status job_run(const relief_run_config *cfg, relief_run_result *res, relief_error *err) {
  memset(res, 0, sizeof *res);
  if (!cfg->options) return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "run: no options given");
  double t0 = omp_get_wtime();
  relief_classifier *classifier = classifier_new();
  if (!classifier) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  publication *pub;
  relief_status st = publication_begin(cfg->outputs_dir, &pub, err);
  relief_summary total = {0};
  manifest_input *described = xcalloc((size_t)cfg->n_inputs + 1, sizeof *described);
  for (int i = 0; i < cfg->n_inputs && !st; i++) {
    relief_summary file_sum = {0};
    st = run_file(cfg, classifier, pub, i, &file_sum, &described[i], res, err);
    if (!st) summary_accumulate(&total, &file_sum);
  }
  res->seconds = omp_get_wtime() - t0;
  if (!st && cfg->progress) cfg->progress(cfg->progress_user, "publish", 0, 1, 0);
  if (!st && cfg->filings_only) { /* relief filings: Court_Filings/ replaced, nothing else */
    char **previous;
    size_t n_previous;
    job_previous_filings(cfg->outputs_dir, cfg->filter, &previous, &n_previous);
    st = publication_commit(pub, (const char *const *)previous, n_previous, err);
    pub = NULL;
    job_free_paths(previous, n_previous);
  } else if (!st) {
    relief_flow flow;
    run_flow(cfg, &flow);
    char *json = output_summary_json(&total, cfg->county, &flow, cfg->options, res->seconds,
                                     (int64_t)time(NULL));
    char name[1024];
    output_path(name, sizeof name, "", cfg->gogen_naming ? "gogen" : "summary", 0, cfg->suffix,
                ".json");
    if (cfg->report) { /* one report for all inputs, named with the suffix like the rest */
      char html[1024], pdf[1024];
      output_path(html, sizeof html, "", "report", 0, cfg->suffix, ".html");
      output_path(pdf, sizeof pdf, "", "report", 0, cfg->suffix, ".pdf");
      json_t *extra = report_extra(&total, res->seconds, res->input_bytes, res->people, false);
      job_report_context(extra, cfg->compute_day, cfg->options, &flow, cfg->filer);
      if (cfg->office) json_object_set_new(extra, "office", json_string(cfg->office));
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
      flow_dismiss_all_prop64(&dismiss_all);
      const relief_flow *flows[2] = {&flow, &dismiss_all};
      char warning_text[4][192];
      const char *warnings[5];
      int n_warnings = cfg->flow ? 0 : options_warnings(cfg->options, "options: ", warning_text);
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
      output_path(name, sizeof name, "", "manifest", 0, cfg->suffix, ".json");
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
      output_path(name, sizeof name, "", "manifest", 0, cfg->suffix, ".json");
      manifest_read_outputs(cfg->outputs_dir, name + 1, &previous, &n_previous, NULL);
    }
    st = publication_commit(pub, (const char *const *)previous, n_previous, err);
    manifest_outputs_free(previous, n_previous);
    pub = NULL;
  }
  publication_abort(pub);
  free(described);
  classifier_free(classifier);
  return st;
}
