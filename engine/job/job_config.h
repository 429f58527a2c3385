/*
 * job/job_config.h — the configuration each job runs with, as plain structs
 * inside the engine: relief_settings (relief.h) is turned into one of these
 * by job_settings.c, and the jobs (and the server, which builds a run's
 * configuration itself) read their fields. Not part of the public API.
 */
#ifndef RELIEF_JOB_CONFIG_H
#define RELIEF_JOB_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "relief/relief.h"
#include "rules/rules.h" /* relief_county_policy */

struct plan_collector; /* pipeline/pipeline.h */

typedef struct {
  const char *const *inputs; /* input paths: DOJ extracts, plain or zstd */
  int n_inputs;
  const char *county;
  int32_t compute_day;
  const relief_options *options; /* required */
  const char *outputs_dir;
  const char *suffix;      /* file-name suffix, or NULL */
  bool gogen_naming;       /* summary gogen.json instead of summary.json */
  const relief_flow *flow; /* the flow to decide with; NULL = configurable from options */
  bool trace;              /* a Rule column after the 18 */
  bool review_files;       /* also Hand_Review.csv and Prop64_Results_Extended.csv */
  bool forms;              /* court filings under Court_Filings/<COUNTY>[_<index>]/ */
  bool report;             /* report.html and report.pdf */
  int threads;             /* 0 = all cores */
  relief_progress_fn progress;
  void *progress_user;
  const relief_redaction *redaction; /* NULL: the bundle keeps every field */
  const char *const *command_line;   /* for the manifest; may be NULL */
  int n_command_line;
  const relief_filer *filer;          /* forms: who files; NULL leaves the lines blank */
  const char *office; /* the impact report's office; NULL: the filer's, else "not given" */
  const relief_filing_filter *filter; /* forms: NULL files every motion */
  bool filings_only;                  /* write Court_Filings/ only (relief filings) */
  /* also sees each decided person (the server's what-if); NULL: none */
  const struct plan_collector *collect;
} relief_run_config;


/* A file of an --inputs folder that statewide did not take, and why. */
typedef struct {
  const char *path, *reason;
} relief_not_taken;

typedef struct {
  const char *const *inputs; /* files (folders are expanded by the caller) */
  int n_inputs;
  const relief_not_taken *not_taken; /* what the caller's folders held but it did not take: */
  int n_not_taken;                   /* listed in statewide_summary.json as "notTaken" */
  int32_t compute_day;
  const relief_options *options; /* for counties without a policy of their own */
  const relief_county_policy *policies;
  int n_policies;
  const char *outputs_dir;
  bool summary_only;        /* no row files */
  bool trace, review_files; /* as in relief_run_config */
  bool forms, report;
  const char *const *command_line; /* for the manifest; may be NULL */
  int n_command_line;
  int threads; /* 0 = all cores */
  relief_progress_fn progress;
  void *progress_user;
  const relief_filer *filer;          /* as in relief_run_config */
  const relief_filing_filter *filter; /* as in relief_run_config */
  bool filings_only;                  /* as in relief_run_config */
  /* bytes the run should stay under (rows spill to compressed files in the
   * output folder's staging area when the input would not fit); 0 = 60 %
   * of physical memory */
  uint64_t memory_limit;
  const struct plan_collector *collect; /* as in relief_run_config */
} relief_statewide_config;

/* relief_run's job on a configuration (relief_run builds cfg from its
 * settings; the server fills one in itself). */
relief_status job_run(const relief_run_config *cfg, relief_run_result *res, relief_error *err);

/* relief_statewide's job on a configuration. */
relief_status job_statewide(const relief_statewide_config *cfg, relief_statewide_result *res,
                            relief_error *err);

/* Fills *cfg from s for relief_run: RELIEF_E_USAGE naming a setting that
 * only relief_statewide takes. cfg points into s (valid while s is
 * unchanged); a flow without options gets empty options, as the jobs
 * require some. */
relief_status job_run_config_of(const relief_settings *s, relief_run_config *cfg,
                                relief_error *err);

/* The same for relief_statewide (and relief-mpi, which runs the same
 * configuration across ranks). */
relief_status job_statewide_config_of(const relief_settings *s, relief_statewide_config *cfg,
                                      relief_error *err);

#endif
