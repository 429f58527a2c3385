/*
 * impact/impact_standing.c — the impact report's "where relief stands"
 * section: determined -> approved -> filed -> granted -> reported, in cases,
 * in all and per agency and per court, as a self-contained HTML page (no
 * script, font or link that leaves it). Names of agencies and courts only,
 * never a person's.
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "impact/impact.h"

static void put(relief_buf *b, const char *s) { buf_append(b, s, strlen(s)); }

static void esc(relief_buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '&':
      put(b, "&amp;");
      break;
    case '<':
      put(b, "&lt;");
      break;
    case '>':
      put(b, "&gt;");
      break;
    case '"':
      put(b, "&quot;");
      break;
    case '\'':
      put(b, "&#39;");
      break;
    default:
      buf_putc(b, *p < 0x20 ? ' ' : (char)*p);
    }
  }
}

static void row(relief_buf *b, const impact_stage_row *r, const char *cls) {
  char cells[256];
  put(b, "<tr><th scope=\"row\">");
  esc(b, r->name);
  snprintf(cells, sizeof cells,
           "</th><td class=\"%s\">%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>"
           "</tr>\n",
           cls, r->determined, r->approved, r->filed, r->granted, r->reported);
  put(b, cells);
}

static void table(relief_buf *b, const char *caption, const char *first,
                  const impact_stage_row *rows, int n, const impact_stage_row *total) {
  put(b, "<table><caption>");
  put(b, caption);
  put(b, "</caption>\n<tr><th scope=\"col\">");
  put(b, first);
  put(b, "</th><th scope=\"col\">Determined</th><th scope=\"col\">Approved</th>"
         "<th scope=\"col\">Filed</th><th scope=\"col\">Granted</th>"
         "<th scope=\"col\">Reported to DOJ</th></tr>\n");
  for (int i = 0; i < n; i++) row(b, &rows[i], "stage");
  if (total) row(b, total, "stage total");
  put(b, "</table>\n");
}

relief_status impact_write_standing(publication *pub, const char *html_name,
                                    const impact_standing *s, relief_error *err) {
  relief_buf b = {0};
  char line[512];
  put(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>Where relief stands</title><style>body{font-family:serif;max-width:60em;"
          "margin:2em auto}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid "
          "#999;padding:.2em .6em}td{text-align:right}caption{text-align:left;font-weight:bold}"
          "</style></head><body>\n<section id=\"where-relief-stands\">\n"
          "<h2>Where relief stands</h2>\n");
  snprintf(line, sizeof line,
           "<p>Of %lld cases determined eligible, %lld were approved by a reviewer, %lld filed "
           "with the court, %lld granted and %lld reported to the Department of Justice "
           "(HS 11361.9). Counts are of cases (one per person per court case).</p>\n",
           s->total.determined, s->total.approved, s->total.filed, s->total.granted,
           s->total.reported);
  put(&b, line);
  table(&b, "By agency", "Agency", s->agencies, s->n_agencies, &s->total);
  table(&b, "By court", "Court", s->courts, s->n_courts, &s->total);
  put(&b, "</section>\n</body></html>\n");
  relief_status st = publication_write_file(pub, html_name, b.data, b.len, err);
  buf_free(&b);
  return st;
}
