/*
 * impact/impact.h — the impact report: what a run changes for people, in an
 * office's words, as a self-contained HTML page and a PDF.
 */
#ifndef RELIEF_IMPACT_H
#define RELIEF_IMPACT_H

#include <stddef.h>

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

/* The report's source (its summary and extra, without any standing) rides
 * in report.html as a comment, so that the page can be drawn again later
 * with the review's figures. impact_rewrite draws old_html's report again
 * into html_name (and pdf_name, unless NULL) with standing (see
 * impact_write_standing) as its "where relief stands" section; a page
 * without relief's source comment is RELIEF_E_DATA and nothing is written. */
relief_status impact_rewrite(publication *pub, const char *html_name, const char *pdf_name,
                             const char *old_html, size_t old_len, const struct json_t *standing,
                             relief_error *err);

/* Writes html_name into pub: the report's "where relief stands" section as
 * a page of its own, the same blocks as in the report. standing is
 * {"total": S, "byAgency": {name: S}, "byCourt": {name: S}}, each S
 * {"determined", "approved", "filed", "granted", "denied", "pending",
 * "reported"}: cases before the review and approved, then motions as
 * `relief court status` counts them. */
relief_status impact_write_standing(publication *pub, const char *html_name,
                                    const struct json_t *standing, relief_error *err);

#endif
