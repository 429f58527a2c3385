/*
 * impact_html.c — the report model as one self-contained HTML page: inline
 * CSS (responsive for phones, @media print for paper) and inline SVG charts;
 * no script, font, image or link that leaves the page. All text is escaped;
 * every figure carries data-key, the JSON pointer of the value it shows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "impact/impact_model.h"

static const char *const css =
    ":root{--ink:#1d2430;--muted:#5b6472;--line:#d8dde4;--bg:#f6f7f9;--card:#fff;"
    "--accent:#1b7f5b}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.5 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}\n"
    "main{max-width:1040px;margin:0 auto;padding:16px}\n"
    "h1{font-size:1.7rem;line-height:1.2;margin:.5rem 0 .25rem}\n"
    "h2{font-size:1.3rem;margin:2rem 0 .75rem;padding-bottom:.25rem;"
    "border-bottom:2px solid var(--line)}\n"
    "h3{font-size:1.15rem;margin:2.25rem 0 .5rem}\n"
    "h4{font-size:1rem;margin:1.25rem 0 .5rem;color:var(--muted)}\n"
    "p{margin:.5rem 0;max-width:70ch}\n"
    ".figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(165px,1fr));gap:12px;"
    "margin:12px 0}\n"
    ".figure{background:var(--card);border:1px solid var(--line);border-left:6px solid "
    "var(--accent);border-radius:8px;padding:12px 14px}\n"
    ".figure .n{display:block;font-size:2rem;font-weight:700;line-height:1.1;"
    "font-variant-numeric:tabular-nums}\n"
    ".figure .label{color:var(--muted);font-size:.9rem}\n"
    ".table-wrap{overflow-x:auto;margin:12px 0;background:var(--card);border:1px solid "
    "var(--line);border-radius:8px}\n"
    "table{border-collapse:collapse;width:100%;font-size:.95rem}\n"
    "caption{text-align:left;padding:8px 12px;font-weight:600}\n"
    "th,td{padding:6px 12px;border-top:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:#eef1f4;font-size:.85rem;border-top:0;vertical-align:bottom}\n"
    "tbody th{font-weight:400}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "figure.chart{margin:12px 0;background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:12px}\n"
    "figure.chart svg{width:100%;height:auto;display:block}\n"
    "figure.chart text{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,"
    "sans-serif;font-size:15px}\n"
    "figcaption{font-weight:600;margin-bottom:6px}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 8px;padding:0;"
    "list-style:none;font-size:.85rem}\n"
    ".legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;"
    "vertical-align:-1px}\n"
    "footer{margin:32px 0 16px;color:var(--muted);font-size:.85rem}\n"
    "a{color:#1f5fa8}\n"
    "@media (max-width:600px){body{font-size:15px}main{padding:10px}th,td{padding:5px 8px}"
    ".figure .n{font-size:1.6rem}}\n"
    "@media print{body{background:#fff;font-size:10.5pt}main{max-width:none;padding:0}"
    ".figure,.table-wrap,figure.chart{break-inside:avoid;border-color:#999}"
    "h2,h3,h4{break-after:avoid}a{color:inherit;text-decoration:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void put(relief_buf *b, const char *s) { buf_append(b, s, strlen(s)); }

/* Text and attribute values, escaped for HTML. */
static void esc(relief_buf *b, const char *s) {
  static const char *const entity[256] = {
      ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (entity[*p])
      put(b, entity[*p]);
    else if (*p < 0x20 && *p != '\n' && *p != '\t')
      buf_putc(b, ' ');
    else
      buf_putc(b, (char)*p);
  }
}

/* A figure: its text in a span that names its JSON source, then any suffix. */
static void figure(relief_buf *b, const report_cell *c, const char *cls) {
  if (!c->key) {
    esc(b, c->text);
    return;
  }
  buf_printf(b, "<span class=\"%s\" data-key=\"", cls);
  esc(b, c->key);
  put(b, "\">");
  esc(b, c->text);
  put(b, "</span>");
  esc(b, c->suffix);
}

static void heading(relief_buf *b, const report_block *k) {
  int level = k->level < 1 ? 1 : k->level > 4 ? 4 : k->level;
  buf_printf(b, "<h%d", level);
  if (k->anchor) {
    put(b, " id=\"");
    esc(b, k->anchor);
    put(b, "\"");
  }
  put(b, ">");
  esc(b, k->text);
  buf_printf(b, "</h%d>\n", level);
}

static void figures(relief_buf *b, const report_block *k) {
  put(b, "<div class=\"figures\">\n");
  for (int c = 0; c < k->cols; c++) {
    put(b, "<div class=\"figure\">");
    figure(b, report_at(k, 1, c), "n");
    put(b, "<span class=\"label\">");
    esc(b, report_at(k, 0, c)->text);
    put(b, "</span></div>\n");
  }
  put(b, "</div>\n");
}

static void table(relief_buf *b, const report_block *k) {
  put(b, "<div class=\"table-wrap\"><table>");
  if (k->text) {
    put(b, "<caption>");
    esc(b, k->text);
    put(b, "</caption>");
  }
  int has_titles = 0;
  for (int c = 0; c < k->cols; c++) has_titles |= report_at(k, 0, c)->text[0] != 0;
  if (has_titles) {
    put(b, "\n<thead><tr>");
    for (int c = 0; c < k->cols; c++) {
      put(b, c ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
      esc(b, report_at(k, 0, c)->text);
      put(b, "</th>");
    }
    put(b, "</tr></thead>");
  }
  put(b, "\n<tbody>\n");
  for (int r = 1; r < k->rows; r++) {
    const report_cell *head = report_at(k, r, 0);
    put(b, "<tr><th scope=\"row\">");
    if (head->link) {
      put(b, "<a href=\"#");
      esc(b, head->link);
      put(b, "\">");
      esc(b, head->text);
      put(b, "</a>");
    } else {
      esc(b, head->text);
    }
    put(b, "</th>");
    for (int c = 1; c < k->cols; c++) {
      put(b, "<td class=\"num\">");
      figure(b, report_at(k, r, c), "n");
      put(b, "</td>");
    }
    put(b, "</tr>\n");
  }
  put(b, "</tbody></table></div>\n");
}

/* Horizontal stacked bars: one per category, one segment per series. */
static void chart(relief_buf *b, const report_block *k, int id) {
  enum { W = 640, LABEL_W = 150, BAR_X = LABEL_W + 10, BAR_W = W - BAR_X - 10, ROW = 30, BAR = 22 };
  double most = 0;
  for (int r = 1; r < k->rows; r++) {
    double sum = 0;
    for (int c = 1; c < k->cols; c++) sum += report_at(k, r, c)->value;
    if (sum > most) most = sum;
  }
  int height = (k->rows - 1) * ROW + 10;
  buf_printf(b, "<figure class=\"chart\"><figcaption id=\"chart-%d\">", id);
  esc(b, k->text);
  put(b, "</figcaption>\n<ul class=\"legend\">");
  for (int c = 1; c < k->cols; c++) {
    buf_printf(b, "<li><i style=\"background:#%06X\"></i>",
               report_series_color(report_at(k, 0, c)->text, c));
    esc(b, report_at(k, 0, c)->text);
    put(b, "</li>");
  }
  buf_printf(b,
             "</ul>\n<svg viewBox=\"0 0 %d %d\" role=\"img\" "
             "aria-labelledby=\"chart-%d\">\n",
             W, height, id);
  for (int r = 1; r < k->rows; r++) {
    double y = 5 + (r - 1) * ROW;
    buf_printf(b, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\" dominant-baseline=\"middle\">",
               LABEL_W, y + BAR / 2.0);
    esc(b, report_at(k, r, 0)->text);
    put(b, "</text>\n");
    buf_printf(b, "<rect x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%d\" fill=\"#eef1f4\"/>\n",
               BAR_X, y, BAR_W, BAR);
    double x = BAR_X;
    for (int c = 1; c < k->cols; c++) {
      const report_cell *v = report_at(k, r, c);
      if (most <= 0 || v->value <= 0) continue;
      double w = v->value / most * BAR_W;
      buf_printf(b,
                 "<rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%d\" fill=\"#%06X\"><title>",
                 x, y, w, BAR, report_series_color(report_at(k, 0, c)->text, c));
      esc(b, report_at(k, 0, c)->text);
      put(b, ": ");
      esc(b, v->text);
      put(b, "</title></rect>\n");
      if (w >= 7.5 * (double)strlen(v->text) + 8) {
        buf_printf(
            b,
            "<text x=\"%.2f\" y=\"%.0f\" text-anchor=\"middle\" dominant-baseline=\"middle\" "
            "fill=\"#fff\" data-key=\"",
            x + w / 2, y + BAR / 2.0);
        esc(b, v->key);
        put(b, "\">");
        esc(b, v->text);
        put(b, "</text>\n");
      }
      x += w;
    }
    if (most <= 0)
      buf_printf(b,
                 "<text x=\"%d\" y=\"%.0f\" dominant-baseline=\"middle\" fill=\"#5b6472\">no "
                 "convictions</text>\n",
                 BAR_X + 6, y + BAR / 2.0);
  }
  put(b, "</svg></figure>\n");
}

char *report_html(const report_model *m, size_t *len) {
  relief_buf b = {0};
  put(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
  esc(&b, m->title);
  put(&b, "</title>\n<style>\n");
  put(&b, css);
  put(&b, "</style>\n</head>\n<body>\n<main>\n");
  int charts = 0;
  for (int i = 0; i < m->n_blocks; i++) {
    const report_block *k = &m->blocks[i];
    switch (k->kind) {
    case REPORT_HEADING:
      heading(&b, k);
      break;
    case REPORT_PARAGRAPH:
      put(&b, "<p>");
      esc(&b, k->text);
      put(&b, "</p>\n");
      break;
    case REPORT_FIGURES:
      figures(&b, k);
      break;
    case REPORT_TABLE:
      table(&b, k);
      break;
    case REPORT_CHART:
      chart(&b, k, ++charts);
      break;
    }
  }
  put(&b, "<footer>Written by relief " RELIEF_VERSION);
  /* the report is drawn from its run's summary; where relief stands alone, from the store */
  put(&b, m->source ? " from the run's summary" : " from the review store");
  put(&b, ". This page is self-contained: it loads nothing from the network.</footer>\n"
          "</main>\n");
  if (m->source) { /* hex digits only: nothing in it can end the comment */
    put(&b, "<!-- relief-report-source:");
    put(&b, m->source);
    put(&b, " -->\n");
  }
  put(&b, "</body>\n</html>\n");
  buf_putc(&b, 0);
  *len = b.len - 1;
  return b.data;
}
