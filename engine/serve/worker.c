/*
 * serve/worker.c — the worker thread's loop. It holds s->lock only while
 * it picks the next job and marks it running, and s->busy while it works,
 * so that serve_stop can wait for a job to finish.
 */
#include <stdio.h>

#include "common/alloc.h"
#include "serve/run_job.h"
#include "serve/run_record.h"
#include "serve/worker.h"

/* A queued run or queued motions (*filings set), else NULL (under lock). */
static serve_run *next_job(serve_server *s, bool *filings) {
  serve_run *next = NULL;
  *filings = false;
  for (int i = 0; i < s->n_runs && !next; i++) {
    serve_run *r = s->runs[i];
    if (r->status == RUN_QUEUED) next = r;
    if (r->filings_asked && r->filings == RUN_QUEUED) next = r, *filings = true;
  }
  return next;
}

/* A run listed again after a restart whose what-if table is still to be
 * built: rebuilt with the lock released (under lock on entry and exit). */
static bool rebuild_one(serve_server *s) {
  serve_run *rebuild = NULL;
  for (int i = 0; i < s->n_runs && !rebuild; i++)
    if (s->runs[i]->whatif_pending) rebuild = s->runs[i];
  if (!rebuild) return false;
  s->busy = true;
  pthread_mutex_unlock(&s->lock);
  relief_error err = {0};
  char why[2200] = "";
  if (!run_record_rebuild_whatif(s, rebuild, &err)) relief_error_format(&err, why, sizeof why);
  serve_scrub(why, sizeof why); /* shown to the API's users */
  pthread_mutex_lock(&s->lock);
  s->busy = false;
  rebuild->whatif_pending = false;
  if (why[0]) rebuild->whatif_error = xstrdup(why);
  return true;
}

void *worker_main(void *server) {
  serve_server *s = server;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    bool filings;
    serve_run *next = next_job(s, &filings);
    if (s->stopping) break;
    if (!next && rebuild_one(s)) continue;
    if (!next) {
      pthread_cond_wait(&s->wake, &s->lock);
      continue;
    }
    if (filings) {
      next->filings = RUN_RUNNING;
    } else {
      next->status = RUN_RUNNING;
      snprintf(next->phase, sizeof next->phase, "starting");
    }
    s->busy = true;
    pthread_mutex_unlock(&s->lock);
    if (filings)
      run_job_filings(s, next);
    else
      run_job_decide(s, next);
    pthread_mutex_lock(&s->lock);
    s->busy = false;
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}
