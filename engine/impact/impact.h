/*
 * impact/impact.h — the impact report: what a run changes for people, in an
 * office's words, as a self-contained HTML page and a PDF.
 */
#ifndef RELIEF_IMPACT_H
#define RELIEF_IMPACT_H

#include "common/error.h"
#include "io/publish.h"

struct json_t;

/* Writes html_name and pdf_name into pub from summary_json (the run's
 * summary object, or for statewide runs the statewide summary with
 * "counties") and extra (see output/output.h report_extra:
 * {"convictionsBySectionAndOutcome": {section: {determination: count}},
 * "handReview": n, "processingTimeInSeconds": s, "inputBytes": n,
 * "people": n, "statewide": bool}). */
relief_status impact_write(publication *pub, const char *html_name, const char *pdf_name,
                           const char *summary_json, struct json_t *extra, relief_error *err);

/* The same from one report JSON object {"summary": ..., "extra": ...}; a
 * text that is not a JSON object is RELIEF_E_USAGE. */
relief_status impact_write_json(publication *pub, const char *html_name, const char *pdf_name,
                                const char *report_json, relief_error *err);

/* Where relief stands, in cases: determined -> approved -> filed ->
 * granted -> reported to DOJ, in all and per agency and court. */
typedef struct {
  char name[256];
  long long determined, approved, filed, granted, reported;
} impact_stage_row;
typedef struct {
  impact_stage_row total, *agencies, *courts;
  int n_agencies, n_courts;
} impact_standing;

/* Writes html_name into pub: the report's "where relief stands" section,
 * as its own page (the figures live in the review store, not the run). */
relief_status impact_write_standing(publication *pub, const char *html_name,
                                    const impact_standing *s, relief_error *err);

#endif
