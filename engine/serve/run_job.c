/*
 * serve/run_job.c — what the worker does with one run: the CLI's job (run
 * or statewide, so the bundle is the CLI's to the byte), with the progress
 * bar fed from its phases and the what-if table collected in the same
 * pass; summary.json (or statewide_summary.json) read back; the run's
 * record kept (the motions: run_filings.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/alloc.h"
#include "io/read_small.h"
#include "job/job_config.h"
#include "pipeline/pipeline.h"
#include "serve/run_job.h"
#include "serve/run_record.h"
#include "serve/server_log.h"

/* summary.json is a few kilobytes; the run record's own reader takes 1 MiB. */
#define SUMMARY_MAX (1u << 20)

typedef struct {
  serve_server *s;
  serve_run *r;
} progress_ctx;

/* The phases of one input, as parts of the whole run's bar. */
static void on_progress(void *user, const char *phase, uint64_t done, uint64_t total,
                        uint64_t rows) {
  (void)rows;
  progress_ctx *pc = user;
  static const struct {
    const char *name;
    double from, to;
  } phases[] = {
      {"parse", 0.0, 0.45}, {"group", 0.45, 0.55}, {"evaluate", 0.55, 0.65}, {"write", 0.65, 0.8}};
  for (size_t i = 0; i < sizeof phases / sizeof *phases; i++) {
    if (strcmp(phase, phases[i].name)) continue;
    double f = total ? (double)done / (double)total : 0;
    double v = phases[i].from + (phases[i].to - phases[i].from) * (f > 1 ? 1 : f);
    pthread_mutex_lock(&pc->s->lock);
    if (v > pc->r->progress) pc->r->progress = v;
    snprintf(pc->r->phase, sizeof pc->r->phase, "%s", phase);
    pthread_mutex_unlock(&pc->s->lock);
  }
}

static const char *const serve_command_line[] = {"relief", "serve"};

/* The library configuration of run r, as its POST asked for it. */
static void run_config(const serve_server *s, const serve_run *r, relief_run_config *cfg) {
  *cfg = (relief_run_config){.inputs = (const char *const *)r->inputs,
                             .n_inputs = r->n_inputs,
                             .county = r->county,
                             .compute_day = r->compute_day,
                             .options = &r->options,
                             .outputs_dir = r->dir,
                             .flow = r->fixed_flow ? &r->flow : NULL,
                             .report = true,
                             .review_files = r->review_files,
                             .threads = s->cfg.threads,
                             .command_line = serve_command_line,
                             .n_command_line = 2};
}

relief_statewide_config run_statewide_config(const serve_server *s, const serve_run *r,
                                             const relief_county_policy *policies) {
  return (relief_statewide_config){.inputs = (const char *const *)r->inputs,
                                   .n_inputs = r->n_inputs,
                                   .compute_day = r->compute_day,
                                   .options = &r->options,
                                   .policies = policies,
                                   .n_policies = r->n_policies,
                                   .outputs_dir = r->dir,
                                   .review_files = true,
                                   .report = true,
                                   .command_line = serve_command_line,
                                   .n_command_line = 2,
                                   .threads = s->cfg.threads};
}

/* The job of r (run or statewide) into r->dir, its what-if table collected
 * by collector; res gets the rows and people. */
static relief_status run_the_job(serve_server *s, serve_run *r, whatif_collector *collector,
                                 relief_run_result *res, relief_error *err) {
  progress_ctx pc = {s, r};
  if (!r->statewide) {
    relief_run_config cfg;
    run_config(s, r, &cfg);
    cfg.progress = on_progress;
    cfg.progress_user = &pc;
    cfg.collect = whatif_collector_plan(collector);
    return job_run(&cfg, res, err);
  }
  relief_county_policy *policies = run_policies(r);
  relief_statewide_config cfg = run_statewide_config(s, r, policies);
  cfg.progress = on_progress;
  cfg.progress_user = &pc;
  cfg.collect = whatif_collector_plan(collector);
  relief_statewide_result sw;
  relief_status st = job_statewide(&cfg, &sw, err);
  res->rows = sw.rows;
  res->people = sw.people;
  free(policies);
  return st;
}

/* The job into r->dir with its what-if table collected in the same pass,
 * then its summary read back: RELIEF_OK with *summary and *wi set, else
 * err. */
static relief_status decide(serve_server *s, serve_run *r, relief_run_result *res, char **summary,
                            whatif_table **wi, relief_error *err) {
  relief_status st = RELIEF_OK;
  memset(res, 0, sizeof *res);
  if (mkdir(r->dir, 0700) != 0 && errno != EEXIST)
    st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot create the run folder: %s",
                   strerror(errno));
  relief_county_policy *policies = run_policies(r);
  relief_statewide_config sw_cfg = run_statewide_config(s, r, policies);
  whatif_setup setup = {.county = r->county,
                        .flow = r->fixed_flow ? &r->flow : NULL,
                        .statewide = r->statewide ? &sw_cfg : NULL};
  whatif_collector *collector = whatif_collector_new(&setup);
  if (!st) st = run_the_job(s, r, collector, res, err);
  if (!st) {
    char path[4200];
    size_t len;
    relief_error read_err = {0};
    snprintf(path, sizeof path, "%s/%s", r->dir,
             r->statewide ? "statewide_summary.json" : "summary.json");
    if (read_small_file(path, SUMMARY_MAX, "summary", RELIEF_E_IO, summary, &len, &read_err))
      st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot read the summary back");
  }
  if (!st)
    *wi = whatif_collector_finish(collector, r->statewide ? *summary : NULL);
  else
    whatif_collector_free(collector);
  free(policies);
  return st;
}

void run_job_decide(serve_server *s, serve_run *r) {
  relief_error err = {0}; /* its record, as stopped, was kept when it was queued */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  relief_run_result res;
  char *summary = NULL;
  whatif_table *wi = NULL;
  relief_status st = decide(s, r, &res, &summary, &wi, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  char why[2200] = "";
  if (st) relief_error_format(&err, why, sizeof why);
  serve_scrub(why, sizeof why); /* shown to the API's users */
  pthread_mutex_lock(&s->lock);
  r->seconds = seconds;
  if (st) {
    r->status = RUN_FAILED;
    r->error = xstrdup(why);
    snprintf(r->phase, sizeof r->phase, "failed");
  } else {
    r->summary = summary;
    r->whatif = wi;
    r->status = RUN_DONE;
    r->progress = 1;
    snprintf(r->phase, sizeof r->phase, "done");
    summary = NULL;
  }
  pthread_mutex_unlock(&s->lock);
  free(summary);
  relief_error rec_err = {0};
  if (run_record_save(r, &rec_err)) /* the run stands; it is not listed after a restart */
    server_log(s, "run %d: its record was not kept (status %d)", r->id, (int)rec_err.status);
  if (st) {
    server_log(s, "run %d failed (status %d) after %.2f s", r->id, (int)st, seconds);
  } else {
    size_t people, conv, bytes;
    whatif_stats(wi, &people, &conv, &bytes);
    server_log(s,
               "run %d done: %lld rows, %lld people, %.2f s; what-if table %zu people, %zu "
               "convictions, %zu bytes",
               r->id, (long long)res.rows, (long long)res.people, seconds, people, conv, bytes);
  }
}
