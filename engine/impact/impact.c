/*
 * impact.c — the impact report written: the run's summary and extras become
 * the report model (impact_model.c), rendered once as HTML and once as PDF
 * into the run's publication. The page carries its own source (hex JSON in
 * a comment) so that it can be drawn again with where relief stands.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "impact/impact.h"
#include "impact/impact_model.h"

#define SOURCE_MARK "<!-- relief-report-source:"

/* The report's source (summary and extra, never the standing) as hex. */
static char *source_hex(const json_t *root) {
  json_t *source = json_object();
  static const char *const keys[] = {"summary", "extra"};
  for (int k = 0; k < 2; k++)
    if (json_object_get(root, keys[k]))
      json_object_set(source, keys[k], json_object_get(root, keys[k]));
  char *text = json_dumps(source, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(source);
  if (!text) return NULL;
  static const char digits[] = "0123456789abcdef";
  size_t n = strlen(text);
  char *hex = xmalloc(2 * n + 1);
  for (size_t i = 0; i < n; i++) {
    hex[2 * i] = digits[(unsigned char)text[i] >> 4];
    hex[2 * i + 1] = digits[(unsigned char)text[i] & 15];
  }
  hex[2 * n] = 0;
  free(text);
  return hex;
}

static relief_status write_model(publication *pub, const char *html_name, const char *pdf_name,
                                 json_t *root, relief_error *err) {
  report_model m = {0};
  relief_status st = impact_build_model(&m, root, err);
  char *hex = st ? NULL : source_hex(root);
  m.source = hex;
  size_t html_len = 0;
  char *html = st ? NULL : report_html(&m, &html_len);
  if (!st) st = publication_write_file(pub, html_name, html, html_len, err);
  if (!st && pdf_name) st = report_pdf(&m, pub, pdf_name, err);
  free(html);
  free(hex);
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

static int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The report source old_html carries, parsed; NULL when it has none. */
static json_t *source_of(const char *html, size_t len) {
  const char *mark = memmem(html, len, SOURCE_MARK, strlen(SOURCE_MARK));
  if (!mark) return NULL;
  const char *p = mark + strlen(SOURCE_MARK), *end = html + len;
  size_t n = 0;
  while (p + n < end && hex_digit(p[n]) >= 0) n++;
  if (n % 2 || p + n + 4 > end || memcmp(p + n, " -->", 4)) return NULL;
  char *text = xmalloc(n / 2 + 1);
  for (size_t i = 0; i < n / 2; i++)
    text[i] = (char)(hex_digit(p[2 * i]) << 4 | hex_digit(p[2 * i + 1]));
  json_t *root = json_loadb(text, n / 2, 0, NULL);
  free(text);
  if (!json_is_object(root) || !json_is_object(json_object_get(root, "summary"))) {
    json_decref(root);
    return NULL;
  }
  return root;
}

relief_status impact_rewrite(publication *pub, const char *html_name, const char *pdf_name,
                             const char *old_html, size_t old_len, const json_t *standing,
                             relief_error *err) {
  json_t *root = source_of(old_html, old_len);
  if (!root)
    return error_set(err, RELIEF_E_DATA, html_name, 0, -1,
                     "the page carries no report source of relief's (made by another program "
                     "or an earlier relief)");
  if (standing) json_object_set(root, "standing", (json_t *)standing);
  relief_status st = write_model(pub, html_name, pdf_name, root, err);
  json_decref(root);
  return st;
}
