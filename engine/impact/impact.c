/*
 * impact.c — the impact report written: the run's summary and extras become
 * the report model (impact_model.c), rendered once as HTML and once as PDF
 * into the run's publication.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "impact/impact.h"
#include "impact/impact_model.h"

static relief_status write_model(publication *pub, const char *html_name, const char *pdf_name,
                                 json_t *root, relief_error *err) {
  report_model m = {0};
  relief_status st = impact_build_model(&m, root, err);
  size_t html_len = 0;
  char *html = st ? NULL : report_html(&m, &html_len);
  if (!st) st = publication_write_file(pub, html_name, html, html_len, err);
  if (!st) st = report_pdf(&m, pub, pdf_name, err);
  free(html);
  impact_model_free(&m);
  return st;
}

relief_status impact_write(publication *pub, const char *html_name, const char *pdf_name,
                           const char *summary_json, json_t *extra, relief_error *err) {
  json_t *root = json_object();
  json_t *summary = json_loads(summary_json, 0, NULL);
  json_object_set_new(root, "summary", summary ? summary : json_object());
  json_object_set(root, "extra", extra);
  relief_status st = write_model(pub, html_name, pdf_name, root, err);
  json_decref(root);
  return st;
}

relief_status impact_write_json(publication *pub, const char *html_name, const char *pdf_name,
                                const char *report_json, relief_error *err) {
  if (!report_json) return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "report: no JSON given");
  json_error_t jerr;
  json_t *root = json_loads(report_json, 0, &jerr);
  if (!json_is_object(root)) {
    json_decref(root);
    return error_set(err, RELIEF_E_USAGE, NULL, jerr.line > 0 ? jerr.line : 0, -1,
                     "report: the JSON is not an object (line %d, column %d)", jerr.line,
                     jerr.column);
  }
  relief_status st = write_model(pub, html_name, pdf_name, root, err);
  json_decref(root);
  return st;
}
