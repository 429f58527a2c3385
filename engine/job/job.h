/*
 * job/job.h — what the three jobs (run, statewide, explain) share. The job
 * layer drives the stages below it (pipeline, output, filings, impact) and
 * publishes their files as one bundle; it implements relief/relief.h.
 */
#ifndef RELIEF_JOB_H
#define RELIEF_JOB_H

#include "common/error.h"
#include "filings/filings.h"
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

#endif
