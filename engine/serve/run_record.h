/*
 * serve/run_record.h — runs kept across restarts: the record of a finished
 * run beside its bundle, the workspace's runs listed again at start, and
 * the what-if table of one listed again, rebuilt from unchanged inputs.
 */
#ifndef RELIEF_SERVE_RUN_RECORD_H
#define RELIEF_SERVE_RUN_RECORD_H

#include <stdbool.h>

#include "common/error.h"
#include "serve/run.h"
#include "serve/server.h"

/* Writes runs/<id>/.serve-run.json for a run that is done or failed. */
relief_status run_record_save(const serve_run *r, relief_error *err);

/* Lists the runs of the workspace again and sets next_id past every
 * numbered folder (before the worker starts). */
void run_record_load_all(serve_server *s);

/* Whether run r may be decided again: each input still a file under a
 * --data folder, with the bytes its manifest recorded (else the error). */
relief_status run_inputs_unchanged(const serve_server *s, const serve_run *r, relief_error *err);

/* Builds the what-if table of a run listed again; false, err set, when its
 * inputs changed or cannot be read. */
bool run_record_rebuild_whatif(serve_server *s, serve_run *r, relief_error *err);

#endif
