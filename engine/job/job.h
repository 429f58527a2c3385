/*
 * job/job.h — what the three jobs (run, statewide, explain) share. The job
 * layer drives the stages below it (pipeline, output, filings, impact) and
 * publishes their files as one bundle; it implements relief/relief.h.
 */
#ifndef RELIEF_JOB_H
#define RELIEF_JOB_H

#include "common/error.h"
#include "filings/filings.h"
#include "output/output.h"
#include "pipeline/pipeline.h"

/* What every job does first: libraries allocate through the engine. */
void job_begin(void);

/* The thread count a job runs with: requested when > 0, else the cores. */
int job_threads(int requested);

/* The filing options of a run: its filer (may be NULL), prepared today. */
filings_options job_filings_options(const relief_filer *filer);

/* The regular files under OUTPUTS/Court_Filings/ (paths relative to the
 * folder), which a filings-only publication replaces. */
void job_previous_filings(const char *outputs_dir, char ***paths, size_t *n);
void job_free_paths(char **paths, size_t n);

/* Adds to a report's extra JSON what a board reads first: runDate,
 * computeDate, office (from the filer, when given) and optionsInWords. */
struct json_t;
void job_report_context(struct json_t *extra, int32_t compute_day, const relief_options *opt,
                        const relief_flow *flow, const relief_filer *filer);

/* The statewide plan of cfg (one population, a plan per county), before
 * its memory limit and sinks: relief statewide and relief-mpi build the
 * same one, so that they decide and write the same. */
pipeline_plan job_statewide_plan(const relief_statewide_config *cfg,
                                 const relief_classifier *classifier);

/* plan_county of that plan (user: the config): the county's policy's
 * options and flow, else the default options' configurable flow. */
void job_statewide_county(void *user, county_plan *plan);

/* Gives each county with Prop 64 convictions a distinct folder name
 * (plan->folder): by county name, sanitised, _2, _3... for a name taken or
 * a top-level output's. Returns how many; the lists are in name order. */
size_t job_assign_folders(county_plan *plans, size_t n_plans, const char ***counties,
                          char ***folders);

/* What the statewide bundle's summaries and manifest need beyond the plans. */
typedef struct {
  const relief_summary *persons; /* person-level totals, each person once */
  county_plan *plans;            /* by county id */
  size_t n_plans;
  const char **folder_counties;
  const char *const *folders;
  size_t n_folders;
  const manifest_input *inputs; /* as read, rows accounted */
  int n_inputs;
  int threads;      /* as recorded in the manifest */
  int threads_used; /* what the reports are drawn with */
} statewide_bundle;

/* County summaries and reports, the statewide summary and report, and the
 * manifest, written into pub (not committed). */
relief_status job_statewide_publish(const relief_statewide_config *cfg,
                                    const statewide_bundle *bundle, publication *pub,
                                    relief_statewide_result *res, relief_error *err);

/* Commits pub, replacing the folder's previous statewide bundle (as its
 * manifest listed it). pub is freed whatever the result. */
relief_status job_statewide_commit(const relief_statewide_config *cfg, publication *pub,
                                   relief_error *err);

/* The memory limit of a job that names none: 60 % of physical memory
 * (from sysconf), safely below it; 0 when that is unknown. */
uint64_t job_default_memory_limit(void);

#endif
