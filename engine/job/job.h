/*
 * job/job.h — what the three jobs (run, statewide, explain) share. The job
 * layer drives the stages below it (pipeline, output, filings, impact) and
 * publishes their files as one bundle; it implements relief/relief.h.
 */
#ifndef RELIEF_JOB_H
#define RELIEF_JOB_H

#include "common/error.h"
#include "filings/filings.h"
#include "job/job_config.h"
#include "output/output.h"
#include "pipeline/pipeline.h"

/* The thread count a job runs with: requested when > 0, else the cores. */
int job_threads(int requested);

/* The filing options of a run: its filer (may be NULL), prepared today. */
filings_options job_filings_options(const relief_filer *filer);

/* The regular files under OUTPUTS/Court_Filings/ (paths relative to the
 * folder), which a filings-only publication replaces: with a filter filing
 * only some agencies (groups_only), only those under their folders. */
void job_previous_filings(const char *outputs_dir, const relief_filing_filter *filter,
                          char ***paths, size_t *n);

/* ---- relief filings: the job ---- */

/* One approved review item, as `relief filings` accounts for it. reason is
 * the item's reason (a withheld count's in words, see
 * filings_withhold_reason). */
typedef struct {
  const char *item, *kind, *agency, *person, *court_case, *case_number, *reason;
} filings_item;

/* An agency that files, and who signs for it (NULL: it has no filer
 * profile, so its items are refused and listed as not filed). */
typedef struct {
  const char *agency;
  const relief_filer *filer;
} filings_agency;

/* A court case of a person (court_case: the first six characters of
 * CNT_ORDER). */
typedef struct {
  const char *person, *court_case;
  bool unchecked; /* false: its relief item is not approved (no motion); true: a
                     count withheld for its date is not approved (the motion
                     leaves out every count withheld for its date) */
} filings_case;

typedef struct {
  const char *outputs_dir;   /* the bundle, with manifest.json */
  bool reviewed;             /* a review store: only items[] are filed, by agency */
  const relief_filer *filer; /* not reviewed: who files every motion */
  const filings_item *items; /* reviewed: the approved items to file */
  size_t n_items;
  const filings_agency *agencies; /* reviewed: the agencies filing now */
  int n_agencies;
  /* reviewed: cases whose relief item is not approved (pending, held or
   * denied): a motion carries every relieved count of a case, so none is
   * made for them, and their approved items are listed as not filed; and
   * (unchecked) cases with a count withheld for its date not approved */
  const filings_case *held_cases;
  size_t n_held_cases;
  bool one_agency; /* --agency: only its folder is replaced, not all of Court_Filings/ */
  int threads;     /* 0 = all cores */
  relief_progress_fn progress;
  void *progress_user;
} filings_job;

typedef struct {
  int64_t motions;
  int64_t filed;       /* approved items in a motion */
  int64_t not_filed;   /* approved items in a not_filed.csv */
  const char *command; /* "run" or "statewide": what made the bundle */
} filings_job_result;

/* relief filings: decides the bundle again from what its manifest recorded
 * (inputs, county, compute date, options, flows, county policies), checks
 * the inputs are the bytes it was decided from, and runs the run or
 * statewide job writing Court_Filings/ only. Reviewed: each agency's motions
 * under Court_Filings/<agency>/<COUNTY>/ with its own filer, and every
 * approved item not in a motion listed in Court_Filings/<agency>/
 * not_filed.csv with its reason. A bundle made with --redact is refused
 * (RELIEF_E_USAGE): its motions would name the people it keeps anonymous. */
relief_status job_filings(const filings_job *job, filings_job_result *res, relief_error *err);
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

/* statewide_summary.json's "totals" (a new object): the county summaries
 * of counties (summary.json objects) added up, the person counts each
 * person once (persons), and the time and lines given. */
struct json_t *job_statewide_totals(struct json_t *counties, const relief_summary *persons,
                                    double seconds, int64_t lines);

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
