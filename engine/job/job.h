/*
 * job/job.h — what the three jobs (run, statewide, explain) share. The job
 * layer drives the stages below it (pipeline, output, filings, impact) and
 * publishes their files as one bundle; it implements relief/relief.h.
 */
#ifndef RELIEF_JOB_H
#define RELIEF_JOB_H

#include "common/error.h"
#include "pipeline/pipeline.h"

/* What every job does first: libraries allocate through the engine. */
void job_begin(void);

/* The thread count a job runs with: requested when > 0, else the cores. */
int job_threads(int requested);

/* The memory limit of a job that names none: 60 % of physical memory
 * (from sysconf), safely below it; 0 when that is unknown. */
uint64_t job_default_memory_limit(void);

#endif
