/*
 * serve/whatif.h — what-if summaries: while a run decides, each person with
 * a Prop 64 conviction is kept as a compact record per county decided
 * (feature bits per conviction, threshold masks per option value), so that
 * the summary (or statewide_summary.json) under other options is a table
 * lookup, never a re-read of the inputs.
 */
#ifndef RELIEF_SERVE_WHATIF_H
#define RELIEF_SERVE_WHATIF_H

#include "job/job_config.h"
#include "relief/relief.h"
#include "rules/rules.h"

typedef struct whatif_table whatif_table;

/* What a table is for: a county run (county, and its fixed flow or NULL
 * for the configurable flow from whatever options are asked later), or a
 * statewide run (statewide set: the counties of its policies keep them,
 * every other county follows the options asked). */
typedef struct {
  const char *county;
  const relief_flow *flow;
  const relief_statewide_config *statewide;
} whatif_setup;

/* Builds a table inside a run's own pass: its plan_collector goes into the
 * run's configuration (collect), then whatif_collector_finish. */
typedef struct whatif_collector whatif_collector;
whatif_collector *whatif_collector_new(const whatif_setup *setup);
const struct plan_collector *whatif_collector_plan(whatif_collector *c);

/* The table the run collected (statewide: statewide_summary is the run's
 * statewide_summary.json text, the answers' frame); frees c. */
whatif_table *whatif_collector_finish(whatif_collector *c, const char *statewide_summary);
void whatif_collector_free(whatif_collector *c);

/* Reads the run's inputs once more (after a restart: no bundle written)
 * and builds the table. NULL with err set on failure. */
whatif_table *whatif_build(const whatif_setup *setup, const char *const *inputs, int n_inputs,
                           int32_t compute_day, int threads, const char *statewide_summary,
                           relief_error *err);

/* summary.json's text (statewide: statewide_summary.json's; malloc'd) as a
 * run with opt would write it. */
char *whatif_summary(const whatif_table *t, const relief_options *opt);

/* Records kept and bytes they take, for the log and docs. */
void whatif_stats(const whatif_table *t, size_t *people, size_t *convictions, size_t *bytes);

void whatif_free(whatif_table *t);

#endif
