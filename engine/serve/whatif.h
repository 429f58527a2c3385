/*
 * serve/whatif.h — what-if summaries: after a run, each person with an
 * in-county Prop 64 conviction is kept as a compact record (feature bits
 * per conviction, threshold masks per option value), so that the summary
 * under other options is a table lookup, never a re-read of the inputs.
 */
#ifndef RELIEF_SERVE_WHATIF_H
#define RELIEF_SERVE_WHATIF_H

#include "relief/relief.h"
#include "rules/rules.h"

typedef struct whatif_table whatif_table;

/* Reads the run's inputs once more and builds the table; flow NULL means
 * the configurable flow (from whatever options are asked later), else the
 * fixed flow the run decided with. NULL with err set on failure. */
whatif_table *whatif_build(const char *const *inputs, int n_inputs, const char *county,
                           int32_t compute_day, const relief_flow *flow, int threads,
                           relief_error *err);

/* summary.json's text (malloc'd) as a run with opt would write it. */
char *whatif_summary(const whatif_table *t, const relief_options *opt);

/* Records kept and bytes they take, for the log and docs. */
void whatif_stats(const whatif_table *t, size_t *people, size_t *convictions, size_t *bytes);

void whatif_free(whatif_table *t);

#endif
