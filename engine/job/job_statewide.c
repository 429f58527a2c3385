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

/* The names statewide writes at the top of its folder, which no county
 * folder may take. */
static const char *const top_level_names[] = {
    "statewide_summary.json", "manifest.json", "report.html",  "report.pdf",
    "Court_Filings",          "errors.json",   "review.sqlite"};

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Gives each county with Prop 64 convictions its folder: the counties by
 * name (byte order, so that the names do not depend on input order), each
 * folder_name'd, a name already taken or a top-level output's name
 * getting _2, _3, ... Returns how many; the lists are in that order. */
size_t job_assign_folders(county_plan *plans, size_t n_plans, const char ***counties,
                          char ***folders) {
  size_t n = 0;
  *counties = xcalloc(n_plans + 1, sizeof **counties);
  for (size_t k = 0; k < n_plans; k++)
    if (plans[k].summary.earliest_state == RELIEF_EARLIEST_DAY) (*counties)[n++] = plans[k].name;
  qsort(*counties, n, sizeof **counties, cmp_names);
  *folders = xcalloc(n + 1, sizeof **folders);
  folder_names_unique(*counties, n, top_level_names,
                      sizeof top_level_names / sizeof *top_level_names, *folders);
  for (size_t k = 0; k < n_plans; k++) {
    county_plan *plan = &plans[k];
    if (plan->summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    const char **at = bsearch(&plan->name, *counties, n, sizeof **counties, cmp_names);
    plan->folder = (*folders)[at - *counties];
  }
  return n;
}

/* The person counts of the totals, each person once across counties (the
 * county summaries count a person in every county they were decided in). */
static void person_totals(json_t *totals, const relief_summary *s) {
  json_t *counts[2] = {json_object(), json_object()};
  const relief_relief_counts *c[2] = {&s->current, &s->dismiss_all};
  for (int i = 0; i < 2; i++) {
    json_object_set_new(counts[i], "CountSubjectsNoConviction", json_integer(c[i]->no_conviction));
    json_object_set_new(counts[i], "CountSubjectsNoConvictionLast7Years",
                        json_integer(c[i]->no_conviction_last7));
    json_object_set_new(counts[i], "CountSubjectsNoFelony", json_integer(c[i]->no_felony));
  }
  json_object_set_new(totals, "reliefWithCurrentEligibilityChoices", counts[0]);
  json_object_set_new(totals, "reliefWithDismissAllProp64", counts[1]);
  json_object_set_new(totals, "subjectsWithProp64ConvictionCountInCounty",
                      json_integer(s->subjects_with_prop64_in_county));
  json_object_set_new(totals, "subjectsWithSomeReliefCount", json_integer(s->subjects_with_relief));
}

/* Each county folder's summary.json, written in parallel: texts[k] keeps
 * plan k's summary text, counties gets each as an object, in plan order. */
static relief_status county_summaries(const statewide_bundle *bundle, publication *pub,
                                      double seconds, json_t *counties, char **texts,
                                      relief_error *err) {
  size_t n = bundle->n_plans;
  relief_status st = RELIEF_OK, *sts = xcalloc(n + 1, sizeof *sts);
  relief_error *errs = xcalloc(n + 1, sizeof *errs);
  int64_t now = (int64_t)time(NULL);
#pragma omp parallel for schedule(dynamic, 1) num_threads(bundle->threads_used)
  for (size_t k = 0; k < n; k++) {
    county_plan *plan = &bundle->plans[k];
    if (plan->summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    texts[k] =
        output_summary_json(&plan->summary, plan->name, &plan->flow, &plan->options, seconds, now);
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", plan->folder);
    sts[k] = publication_write_file(pub, path, texts[k], strlen(texts[k]), &errs[k]);
  }
  for (size_t k = 0; k < n && !st; k++) {
    if (sts[k]) {
      st = sts[k];
      *err = errs[k];
    } else if (texts[k]) {
      json_object_set_new(counties, bundle->plans[k].name, json_loads(texts[k], 0, NULL));
    }
  }
  free(sts);
  free(errs);
  return st;
}

/* County k's own report, in its folder, from its summary text. */
static relief_status county_report(const relief_statewide_config *cfg,
                                   const statewide_bundle *bundle, publication *pub, double seconds,
                                   const char *text, size_t k, relief_error *err) {
  county_plan *plan = &bundle->plans[k];
  json_t *extra = report_extra(&plan->summary, seconds, 0, 0, false);
  json_object_del(extra, "people");
  json_object_del(extra, "inputBytes");
  job_report_context(extra, cfg->compute_day, &plan->options, &plan->flow, cfg->filer);
  char html[4200], pdf[4200];
  snprintf(html, sizeof html, "%s/report.html", plan->folder);
  snprintf(pdf, sizeof pdf, "%s/report.pdf", plan->folder);
  relief_status st = impact_write(pub, html, pdf, text, extra, err);
  json_decref(extra);
  return st;
}

static relief_status statewide_report(const relief_statewide_config *cfg,
                                      const statewide_bundle *bundle, publication *pub,
                                      const relief_statewide_result *res, json_t *root,
                                      relief_error *err);

/* Each county's own report, in its folder, and the statewide report:
 * documents of their own, drawn in parallel (the statewide one, the
 * largest, first); the first failure in county order, then the statewide
 * report's, is reported. */
static relief_status reports(const relief_statewide_config *cfg, const statewide_bundle *bundle,
                             publication *pub, const relief_statewide_result *res, json_t *root,
                             char **texts, relief_error *err) {
  size_t n = bundle->n_plans;
  relief_status st = RELIEF_OK, *sts = xcalloc(n + 1, sizeof *sts);
  relief_error *errs = xcalloc(n + 1, sizeof *errs);
#pragma omp parallel for schedule(dynamic, 1) num_threads(bundle->threads_used)
  for (size_t i = 0; i <= n; i++) {
    size_t k = i ? i - 1 : n; /* the statewide report first */
    if (k == n)
      sts[k] = statewide_report(cfg, bundle, pub, res, root, &errs[k]);
    else if (texts[k])
      sts[k] = county_report(cfg, bundle, pub, res->seconds, texts[k], k, &errs[k]);
  }
  for (size_t k = 0; k <= n && !st; k++)
    if (sts[k]) {
      st = sts[k];
      *err = errs[k];
    }
  free(sts);
  free(errs);
  return st;
}

json_t *job_statewide_totals(json_t *counties, const relief_summary *persons, double seconds,
                             int64_t lines) {
  json_t *totals = json_object(), *county;
  const char *name;
  json_object_foreach(counties, name, county) json_add(totals, county);
  json_object_del(totals, "county");
  person_totals(totals, persons);
  json_object_set_new(totals, "processingTimeInSeconds", json_real(seconds));
  json_object_set_new(totals, "lineCount", json_integer(lines));
  return totals;
}

/* statewide_summary.json's object: the counts, the totals, the counties
 * (taken over), their folders and what was not taken. */
static json_t *statewide_root(const relief_statewide_config *cfg, const statewide_bundle *bundle,
                              const relief_statewide_result *res, json_t *counties) {
  json_t *totals = job_statewide_totals(counties, bundle->persons, res->seconds,
                                        res->rows - res->duplicate_rows);
  json_t *root = json_object();
  json_object_set_new(root, "people", json_integer(res->people));
  json_object_set_new(root, "rows", json_integer(res->rows));
  json_object_set_new(root, "duplicateRows", json_integer(res->duplicate_rows));
  json_object_set_new(root, "processingTimeInSeconds", json_real(res->seconds));
  json_object_set_new(root, "totals", totals);
  json_object_set_new(root, "counties", counties);
  json_t *folder_map = json_object();
  for (size_t k = 0; k < bundle->n_folders; k++)
    json_object_set_new(folder_map, bundle->folder_counties[k], json_string(bundle->folders[k]));
  json_object_set_new(root, "folders", folder_map);
  /* every file of the caller's folders is accounted for: taken, or here */
  json_t *not_taken = json_array();
  for (int i = 0; i < cfg->n_not_taken; i++) {
    json_t *o = json_object(), *p = json_string(cfg->not_taken[i].path);
    json_object_set_new(o, "path", p ? p : json_string("(not UTF-8)"));
    json_object_set_new(o, "reason", json_string(cfg->not_taken[i].reason));
    json_array_append_new(not_taken, o);
  }
  json_object_set_new(root, "notTaken", not_taken);
  return root;
}

/* The statewide report: its headline figures are the statewide totals. */
static relief_status statewide_report(const relief_statewide_config *cfg,
                                      const statewide_bundle *bundle, publication *pub,
                                      const relief_statewide_result *res, json_t *root,
                                      relief_error *err) {
  relief_summary all = {0};
  for (size_t k = 0; k < bundle->n_plans; k++) summary_add_partial(&all, &bundle->plans[k].summary);
  json_t *extra = report_extra(&all, res->seconds, res->input_bytes, res->people, true);
  job_report_context(extra, cfg->compute_day, cfg->options, NULL, cfg->filer);
  json_t *shown = json_deep_copy(root);
  json_object_update(shown, json_object_get(root, "totals"));
  json_object_set_new(shown, "county", json_string("All counties"));
  char *text = json_dumps(shown, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(shown);
  relief_status st = impact_write(pub, "report.html", "report.pdf", text, extra, err);
  free(text);
  json_decref(extra);
  return st;
}

/* The manifest, last: it describes every file of the publication. */
static relief_status statewide_manifest(const relief_statewide_config *cfg,
                                        const statewide_bundle *bundle, publication *pub,
                                        const relief_statewide_result *res, relief_error *err) {
  const relief_flow **flows = xcalloc(bundle->n_plans + 1, sizeof *flows);
  int n_flows = 0;
  for (size_t k = 0; k < bundle->n_plans; k++)
    if (bundle->plans[k].summary.earliest_state == RELIEF_EARLIEST_DAY)
      flows[n_flows++] = &bundle->plans[k].flow;
  relief_flow dismiss_all;
  flow_dismiss_all_prop64(&dismiss_all);
  flows[n_flows++] = &dismiss_all;
  /* options that leave a section undecided: the default's, and each
   * county's own that decides with the configurable flow */
  char(*warning_text)[192] = xcalloc((size_t)cfg->n_policies * 4 + 4, 192);
  const char **warnings = xcalloc((size_t)cfg->n_policies * 4 + 4, sizeof *warnings);
  int n_warnings = options_warnings(cfg->options, "options: ", warning_text);
  for (int p = 0; p < cfg->n_policies; p++) {
    if (cfg->policies[p].flow) continue;
    char prefix[128];
    snprintf(prefix, sizeof prefix, "options for %.64s: ", cfg->policies[p].county);
    n_warnings += options_warnings(cfg->policies[p].options, prefix, warning_text + n_warnings);
  }
  for (int k = 0; k < n_warnings; k++) warnings[k] = warning_text[k];
  manifest_info info = {.command_line = cfg->command_line,
                        .n_command_line = cfg->n_command_line,
                        .compute_day = cfg->compute_day,
                        .county = "(all counties)",
                        .threads = bundle->threads,
                        .options = cfg->options,
                        .flows = flows,
                        .n_flows = n_flows,
                        .policies = cfg->policies,
                        .n_policies = cfg->n_policies,
                        .inputs = bundle->inputs,
                        .n_inputs = bundle->n_inputs,
                        .warnings = warnings,
                        .n_warnings = n_warnings,
                        .run_seconds = res->seconds,
                        .rows = res->rows,
                        .people = res->people,
                        .folder_counties = bundle->folder_counties,
                        .folders = bundle->folders,
                        .n_folders = bundle->n_folders};
  relief_status st = manifest_write(&info, pub, "manifest.json", err);
  free(flows);
  free(warning_text);
  free(warnings);
  return st;
}

/* Everything after the county bundles and filings: each county's summary
 * (and report), the statewide summary and report, and the manifest.
 * Shared by the single-process job and relief-mpi's rank 0, so that both
 * publish the same bytes. The caller commits (job_statewide_commit) or
 * aborts pub. */
relief_status job_statewide_publish(const relief_statewide_config *cfg,
                                    const statewide_bundle *bundle, publication *pub,
                                    relief_statewide_result *res, relief_error *err) {
  json_t *counties = json_object();
  char **texts = xcalloc(bundle->n_plans + 1, sizeof *texts);
  relief_status st = county_summaries(bundle, pub, res->seconds, counties, texts, err);
  json_t *root = statewide_root(cfg, bundle, res, counties);
  if (!st && cfg->report) st = reports(cfg, bundle, pub, res, root, texts, err);
  for (size_t k = 0; k < bundle->n_plans; k++) free(texts[k]);
  free(texts);
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
  if (!st) st = publication_write_file(pub, "statewide_summary.json", text, strlen(text), err);
  free(text);
  json_decref(root);
  if (!st) st = statewide_manifest(cfg, bundle, pub, res, err);
  return st;
}

relief_status job_statewide_commit(const relief_statewide_config *cfg, publication *pub,
                                   relief_error *err) {
  /* the folder's previous bundle goes, but for what this one replaces */
  char **previous = NULL;
  size_t n_previous = 0;
  manifest_read_outputs(cfg->outputs_dir, "manifest.json", &previous, &n_previous, NULL);
  relief_status st = publication_commit(pub, (const char *const *)previous, n_previous, err);
  manifest_outputs_free(previous, n_previous);
  return st;
}

/* A county's plan: its policy's options and flow, else the default
 * options' configurable flow (the driver's plan_county). */
void job_statewide_county(void *user, county_plan *plan) {
  const relief_statewide_config *cfg = user;
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
    flow_configurable(&plan->flow, &plan->options);
}

pipeline_plan job_statewide_plan(const relief_statewide_config *cfg,
                                 const relief_classifier *classifier) {
  return (pipeline_plan){
      .inputs = cfg->inputs,
      .n_inputs = cfg->n_inputs,
      .mode = PLAN_MERGED,
      .stages = PLAN_DECIDE,
      .plan_county = job_statewide_county,
      .plan_user = (void *)cfg,
      .classifier = classifier,
      .compute_day = cfg->compute_day,
      .threads = job_threads(cfg->threads),
      .trace = cfg->trace,
      .review_files = cfg->review_files,
      .forms = cfg->forms,
      .no_results = cfg->summary_only && !cfg->forms,
      .format_result = output_result_formatter,
      .progress = cfg->progress,
      .progress_user = cfg->progress_user,
      .collector = cfg->collect,
  };
}

/* What the statewide emit stage writes into. */
typedef struct {
  const relief_statewide_config *cfg;
  publication *pub;
  relief_statewide_result *res;
  const char **folder_counties;
  char **folders;
  size_t n_folders;
} statewide_sink;

/* Opens the bundle files of each county with Prop 64 convictions. */
static relief_status open_bundles(statewide_sink *ss, county_plan *plans, size_t n,
                                  relief_error *err) {
  const relief_statewide_config *cfg = ss->cfg;
  relief_status st = RELIEF_OK;
  char path[4096];
  for (size_t k = 0; k < n && !st; k++) {
    county_plan *plan = &plans[k];
    if (plan->summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    ss->res->counties++;
    if (cfg->summary_only || cfg->filings_only) continue;
    plan->n_files = cfg->review_files ? BUNDLE_FILES : 3;
    for (int f = 0; f < plan->n_files && !st; f++) {
      snprintf(path, sizeof path, "%s/%s.csv", plan->folder, bundle_names[f]);
      st = publication_create(ss->pub, path, &plan->files[f], err);
    }
  }
  return st;
}

/* The emit stage: counties with Prop 64 convictions get a folder, each a
 * distinct name, and their bundle files; then the motions. */
static relief_status statewide_emit(void *user, pipeline *pl, relief_error *err) {
  statewide_sink *ss = user;
  const relief_statewide_config *cfg = ss->cfg;
  size_t n;
  county_plan *plans = pipeline_plans(pl, &n);
  ss->n_folders = job_assign_folders(plans, n, &ss->folder_counties, &ss->folders);
  relief_status st = open_bundles(ss, plans, n, err);
  if (!st && (!cfg->summary_only || cfg->forms)) st = output_emit(pl, err);
  for (size_t k = 0; k < n; k++)
    for (int f = 0; f < plans[k].n_files; f++) {
      relief_status closed = pub_file_close(plans[k].files[f], st ? NULL : err);
      plans[k].files[f] = NULL;
      if (!st) st = closed;
    }
  filings_options fo = job_filings_options(cfg->filer);
  for (size_t k = 0; k < n && !st && cfg->forms; k++)
    if (plans[k].summary.earliest_state == RELIEF_EARLIEST_DAY)
      st = filings_write_county(pl, (int)k, ss->pub, 0, &fo, cfg->filter, &ss->res->motions, err);
  return st;
}

/* Inputs as read, every row accounted for (malloc'd). */
static manifest_input *describe_inputs(const relief_statewide_config *cfg, const pipeline *pl) {
  int n = pipeline_n_inputs(pl);
  manifest_input *described = xcalloc((size_t)n + 1, sizeof *described);
  for (int i = 0; i < n; i++) {
    manifest_input *d = &described[i];
    *d = (manifest_input){.path = cfg->inputs[i], .size = pipeline_input_stored_size(pl, i)};
    memcpy(d->xxh3_128, pipeline_input_hash(pl, i), sizeof d->xxh3_128);
    pipeline_input_rows(pl, i, &d->rows_read, &d->rows_duplicate);
    d->rows_decided = d->rows_read - d->rows_duplicate;
  }
  return described;
}

/* After the driver: the summaries, reports and manifest, and the commit;
 * or, filings only, Court_Filings/ replaced and nothing else. pub is
 * committed or aborted. */
static relief_status statewide_finish(const relief_statewide_config *cfg, pipeline *pl,
                                      statewide_sink *ss, relief_error *err) {
  relief_status st;
  if (cfg->filings_only) {
    char **previous;
    size_t n_previous;
    job_previous_filings(cfg->outputs_dir, cfg->filter, &previous, &n_previous);
    st = publication_commit(ss->pub, (const char *const *)previous, n_previous, err);
    job_free_paths(previous, n_previous);
    return st;
  }
  manifest_input *described = describe_inputs(cfg, pl);
  size_t n_plans;
  county_plan *plans = pipeline_plans(pl, &n_plans);
  statewide_bundle bundle = {.persons = pipeline_person_totals(pl),
                             .plans = plans,
                             .n_plans = n_plans,
                             .folder_counties = ss->folder_counties,
                             .folders = (const char *const *)ss->folders,
                             .n_folders = ss->n_folders,
                             .inputs = described,
                             .n_inputs = pipeline_n_inputs(pl),
                             .threads = pipeline_threads(pl),
                             .threads_used = pipeline_threads(pl)};
  st = job_statewide_publish(cfg, &bundle, ss->pub, ss->res, err);
  free(described);
  if (!st) return job_statewide_commit(cfg, ss->pub, err); /* committed, or freed */
  publication_abort(ss->pub);
  return st;
}

relief_status job_statewide(const relief_statewide_config *cfg, relief_statewide_result *res,
                            relief_error *err) {
  memset(res, 0, sizeof *res);
  if (!cfg->options)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "statewide: no options given");
  double t0 = omp_get_wtime();
  relief_classifier *classifier = classifier_new();
  if (!classifier) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  statewide_sink ss = {.cfg = cfg, .res = res};
  pipeline_plan plan = job_statewide_plan(cfg, classifier);
  plan.memory_limit = cfg->memory_limit ? cfg->memory_limit : job_default_memory_limit();
  plan.sinks = (plan_sinks){statewide_emit, &ss};
  pipeline *pl = NULL;
  relief_status st = publication_begin(cfg->outputs_dir, &ss.pub, err);
  plan.scratch_pub = ss.pub;
  if (!st) st = pipeline_drive(&plan, &pl, err);
  for (int i = 0; pl && i < pipeline_n_inputs(pl); i++)
    res->input_bytes += pipeline_input_stored_size(pl, i);
  if (pl) pipeline_spill_stats(pl, &res->spilled_partitions, &res->spill_bytes);
  res->memory_limit = plan.memory_limit;
  if (pl) res->memory_estimate = pipeline_memory_estimate(pl);
  if (!st) {
    pipeline_release_rows(pl);
    if (cfg->progress) cfg->progress(cfg->progress_user, "publish", 0, 1, 0);
    res->people = (int64_t)pipeline_people(pl);
    res->rows = (int64_t)pipeline_rows(pl);
    res->duplicate_rows = pipeline_duplicate_rows(pl);
    res->seconds = omp_get_wtime() - t0;
    st = statewide_finish(cfg, pl, &ss, err);
    ss.pub = NULL;
  }
  for (size_t k = 0; k < ss.n_folders; k++) free(ss.folders[k]);
  free(ss.folders);
  free(ss.folder_counties);
  pipeline_destroy(pl); /* closes the files a failure left open, before the abort */
  publication_abort(ss.pub);
  classifier_free(classifier);
  return st;
}
