/*
 * serve/run_job.h — a run's life on the worker: a queued run decided by
 * relief_run into its folder (then its what-if table built and its record
 * kept), and the motions asked of a finished run.
 */
#ifndef RELIEF_SERVE_RUN_JOB_H
#define RELIEF_SERVE_RUN_JOB_H

#include "job/job_config.h"
#include "serve/run.h"
#include "serve/server.h"

/* Decides run r (status RUNNING) into workspace/runs/<id>; leaves it DONE
 * or FAILED, its record saved, a line logged. */
void run_job_decide(serve_server *s, serve_run *r);

/* The statewide configuration of run r (policies: run_policies(r)), as
 * `relief statewide` would run it into r->dir. */
relief_statewide_config run_statewide_config(const serve_server *s, const serve_run *r,
                                             const relief_county_policy *policies);

/* Makes the motions of r's approved review items (filings RUNNING) by the
 * job of `relief filings` (run_filings.c): each agency (or only
 * r->filings_agency) under its stored filer profile, in Court_Filings/
 * <agency>/<COUNTY>/; refused if the inputs changed; leaves filings DONE
 * (agencies without a profile named in filings_error) or FAILED. */
void run_job_filings(serve_server *s, serve_run *r);

#endif
