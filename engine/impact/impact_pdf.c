/*
 * impact_pdf.c — the report model as a PDF with libharu: the same headings,
 * figures and tables as the HTML page, and the stacked bar charts drawn with
 * filled rectangles. US Letter, Helvetica, a page footer with page numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pdf/pdf.h"
#include "impact/impact_model.h"

enum { LEFT = 48, RIGHT = 564, TOP = 744, BOTTOM = 60, WIDTH = RIGHT - LEFT };

typedef struct {
  pdf_doc *pdf;
  HPDF_Page page;
  float y;
  HPDF_Page *pages;
  int n_pages, cap_pages;
} pen;

static void start_page(pen *p) {
  p->page = pdf_add_letter_page(p->pdf->doc, &p->pages, &p->n_pages, &p->cap_pages);
  p->y = TOP;
}

static void need(pen *p, float height) {
  if (p->y - height < BOTTOM) start_page(p);
}

/* Model text is UTF-8; the PDF's font speaks WinAnsi. */
static char *w(const char *utf8) { return pdf_winansi(utf8); }

static void set_gray(HPDF_Page page, float g) { HPDF_Page_SetRGBFill(page, g, g, g); }

static void heading(pen *p, const report_block *k) {
  static const struct {
    float size, before, after, gray;
  } styles[] = {{18, 0, 14, 0}, {13, 14, 10, 0}, {12, 14, 8, 0}, {10, 10, 6, 0.3f}};
  int level = k->level < 1 ? 1 : k->level > 4 ? 4 : k->level;
  float size = styles[level - 1].size;
  char *text = w(k->text);
  int lines = pdf_line_count(p->pdf->bold, size, text, WIDTH);
  /* keep a heading with what follows it */
  need(p, styles[level - 1].before + (float)lines * size * 1.2f + 60);
  if (p->y < TOP) p->y -= styles[level - 1].before;
  set_gray(p->page, styles[level - 1].gray);
  pdf_text_wrapped(p->page, p->pdf->bold, size, LEFT, p->y - size, WIDTH, size * 1.2f, lines, text);
  set_gray(p->page, 0);
  p->y -= (float)lines * size * 1.2f + 4;
  if (level == 2) pdf_line(p->page, LEFT, p->y, RIGHT, p->y, 1);
  p->y -= styles[level - 1].after;
  free(text);
}

static void paragraph(pen *p, const report_block *k) {
  char *text = w(k->text);
  const float size = 9.5f, leading = 12.5f;
  int lines = pdf_line_count(p->pdf->regular, size, text, WIDTH);
  need(p, (float)lines * leading);
  pdf_text_wrapped(p->page, p->pdf->regular, size, LEFT, p->y - size, WIDTH, leading, lines, text);
  p->y -= (float)lines * leading + 6;
  free(text);
}

/* A figure cell's text with its suffix, in WinAnsi. */
static char *cell_text(const report_cell *c) {
  size_t n = strlen(c->text) + (c->suffix ? strlen(c->suffix) : 0) + 1;
  char *joined = xmalloc(n);
  snprintf(joined, n, "%s%s", c->text, c->suffix ? c->suffix : "");
  char *out = w(joined);
  free(joined);
  return out;
}

static void figures(pen *p, const report_block *k) {
  const float gap = 10, box_w = (WIDTH - gap * (float)(k->cols - 1)) / (float)k->cols;
  int most_lines = 1;
  for (int c = 0; c < k->cols; c++) {
    char *label = w(report_at(k, 0, c)->text);
    int lines = pdf_line_count(p->pdf->regular, 8, label, box_w - 16);
    if (lines > most_lines) most_lines = lines;
    free(label);
  }
  float h = 38 + (float)most_lines * 10;
  need(p, h + 8);
  for (int c = 0; c < k->cols; c++) {
    float x = LEFT + (float)c * (box_w + gap);
    pdf_fill(p->page, x, p->y - h, 4, h, 0x1B7F5B);
    HPDF_Page_SetRGBStroke(p->page, 0.8f, 0.82f, 0.85f);
    pdf_box(p->page, x, p->y - h, box_w, h, 0.6f);
    HPDF_Page_SetRGBStroke(p->page, 0, 0, 0);
    char *number = cell_text(report_at(k, 1, c)), *label = w(report_at(k, 0, c)->text);
    pdf_text(p->page, p->pdf->bold, 20, x + 10, p->y - 26, number);
    set_gray(p->page, 0.3f);
    pdf_text_wrapped(p->page, p->pdf->regular, 8, x + 10, p->y - 40, box_w - 16, 10, most_lines,
                     label);
    set_gray(p->page, 0);
    free(number);
    free(label);
  }
  p->y -= h + 12;
}

/* Column widths: the label column wide, the figure columns equal. */
static void table_widths(const report_block *k, float *widths) {
  float first = k->cols <= 2 ? WIDTH * 0.62f : k->cols <= 4 ? WIDTH * 0.4f : WIDTH * 0.2f;
  for (int c = 0; c < k->cols; c++) widths[c] = c ? (WIDTH - first) / (float)(k->cols - 1) : first;
}

static float table_header(pen *p, const report_block *k, const float *widths, int draw) {
  const float size = 7.5f, leading = 9;
  int most = 0;
  for (int c = 0; c < k->cols; c++) {
    char *t = w(report_at(k, 0, c)->text);
    if (t[0]) {
      int lines = pdf_line_count(p->pdf->bold, size, t, widths[c] - 8);
      if (lines > most) most = lines;
    }
    free(t);
  }
  if (!most) return 0;
  float h = (float)most * leading + 6;
  if (!draw) return h;
  pdf_fill(p->page, LEFT, p->y - h, WIDTH, h, 0xEEF1F4);
  float x = LEFT;
  for (int c = 0; c < k->cols; c++) {
    char *t = w(report_at(k, 0, c)->text);
    float top = p->y - 3 - size -
                (float)(most - pdf_line_count(p->pdf->bold, size, t, widths[c] - 8)) * leading;
    if (c == 0 || !t[0])
      pdf_text_wrapped(p->page, p->pdf->bold, size, x + 4, top, widths[c] - 8, leading, most, t);
    else /* figure columns: titles right-aligned, line by line */
      for (int line = 0, at = 0, len = (int)strlen(t); at < len && line < most; line++) {
        size_t n = pdf_fit(p->pdf->bold, size, t + at, (size_t)(len - at), widths[c] - 8);
        char piece[256];
        size_t shown = n < sizeof piece - 1 ? n : sizeof piece - 1;
        memcpy(piece, t + at, shown);
        piece[shown] = 0;
        while (shown && piece[shown - 1] == ' ') piece[--shown] = 0;
        pdf_text(p->page, p->pdf->bold, size,
                 x + widths[c] - 4 - pdf_text_width(p->pdf->bold, size, piece),
                 top - (float)line * leading, piece);
        at += (int)n;
        while (at < len && t[at] == ' ') at++;
      }
    free(t);
    x += widths[c];
  }
  p->y -= h;
  return h;
}

static void table(pen *p, const report_block *k) {
  float widths[64];
  if (k->cols > 64) return;
  table_widths(k, widths);
  const float size = 8.5f, leading = 10.5f;
  char *caption = k->text ? w(k->text) : NULL; /* wrapped whole, never cut */
  int caption_lines = caption ? pdf_line_count(p->pdf->bold, 9, caption, WIDTH) : 0;
  float caption_h = caption ? (float)caption_lines * 11 + 3 : 0;
  float header_h = table_header(p, k, widths, 0);
  need(p, caption_h + header_h + 2 * leading + 6);
  if (caption) {
    pdf_text_wrapped(p->page, p->pdf->bold, 9, LEFT, p->y - 9, WIDTH, 11, caption_lines, caption);
    free(caption);
    p->y -= caption_h;
  }
  table_header(p, k, widths, 1);
  for (int r = 1; r < k->rows; r++) {
    char *label = w(report_at(k, r, 0)->text);
    int lines = pdf_line_count(p->pdf->regular, size, label, widths[0] - 8);
    float h = (float)lines * leading + 6;
    if (p->y - h < BOTTOM) {
      start_page(p);
      table_header(p, k, widths, 1);
    }
    pdf_text_wrapped(p->page, p->pdf->regular, size, LEFT + 4, p->y - 3 - size, widths[0] - 8,
                     leading, lines, label);
    float x = LEFT + widths[0];
    for (int c = 1; c < k->cols; c++) {
      char *t = cell_text(report_at(k, r, c));
      pdf_text(p->page, p->pdf->regular, size,
               x + widths[c] - 4 - pdf_text_width(p->pdf->regular, size, t), p->y - 3 - size, t);
      free(t);
      x += widths[c];
    }
    HPDF_Page_SetRGBStroke(p->page, 0.85f, 0.87f, 0.9f);
    pdf_line(p->page, LEFT, p->y - h, RIGHT, p->y - h, 0.5f);
    HPDF_Page_SetRGBStroke(p->page, 0, 0, 0);
    p->y -= h;
    free(label);
  }
  p->y -= 12;
}

static void chart(pen *p, const report_block *k) {
  const float label_w = 110, bar_x = LEFT + label_w + 8, bar_w = RIGHT - bar_x, row = 16, bar = 11;
  double most = 0;
  for (int r = 1; r < k->rows; r++) {
    double sum = 0;
    for (int c = 1; c < k->cols; c++) sum += report_at(k, r, c)->value;
    if (sum > most) most = sum;
  }
  char *caption = w(k->text);
  int caption_lines = pdf_line_count(p->pdf->bold, 9, caption, WIDTH);
  need(p, 40 + (float)(caption_lines - 1) * 11 + 2 * row);
  pdf_text_wrapped(p->page, p->pdf->bold, 9, LEFT, p->y - 9, WIDTH, 11, caption_lines, caption);
  free(caption);
  p->y -= 18 + (float)(caption_lines - 1) * 11;
  /* the legend, wrapping like words */
  float x = LEFT;
  for (int c = 1; c < k->cols; c++) {
    char *name = w(report_at(k, 0, c)->text);
    float item = 14 + pdf_text_width(p->pdf->regular, 7.5f, name) + 14;
    if (x + item > RIGHT) {
      x = LEFT;
      p->y -= 12;
    }
    pdf_fill(p->page, x, p->y - 8, 8, 8, report_series_color(report_at(k, 0, c)->text, c));
    pdf_text(p->page, p->pdf->regular, 7.5f, x + 12, p->y - 7.5f, name);
    x += item;
    free(name);
  }
  p->y -= 18;
  for (int r = 1; r < k->rows; r++) {
    char *name = w(report_at(k, r, 0)->text); /* a long name wraps in its column */
    int lines = pdf_line_count(p->pdf->regular, 7.5f, name, label_w);
    float h = lines > 1 ? (float)lines * 9 + 4 : row;
    need(p, h);
    if (lines > 1)
      pdf_text_wrapped(p->page, p->pdf->regular, 7.5f, LEFT, p->y - 7.5f, label_w, 9, lines,
                         name);
    else
      pdf_text(p->page, p->pdf->regular, 7.5f,
                 bar_x - 8 - pdf_text_width(p->pdf->regular, 7.5f, name), p->y - bar + 2, name);
    free(name);
    pdf_fill(p->page, bar_x, p->y - bar, bar_w, bar, 0xEEF1F4);
    float at = bar_x;
    for (int c = 1; c < k->cols && most > 0; c++) {
      const report_cell *v = report_at(k, r, c);
      if (v->value <= 0) continue;
      float seg = (float)(v->value / most) * bar_w;
      pdf_fill(p->page, at, p->y - bar, seg, bar, report_series_color(report_at(k, 0, c)->text, c));
      float tw = pdf_text_width(p->pdf->regular, 6.5f, v->text);
      if (tw + 4 <= seg) {
        HPDF_Page_SetRGBFill(p->page, 1, 1, 1);
        pdf_text(p->page, p->pdf->regular, 6.5f, at + (seg - tw) / 2, p->y - bar + 3, v->text);
        HPDF_Page_SetRGBFill(p->page, 0, 0, 0);
      }
      at += seg;
    }
    p->y -= h;
  }
  p->y -= 10;
}

static void footers(pen *p, const char *title) {
  for (int i = 0; i < p->n_pages; i++) {
    char text[160];
    snprintf(text, sizeof text, "%s - page %d of %d", title, i + 1, p->n_pages);
    set_gray(p->pages[i], 0.35f);
    pdf_text(p->pages[i], p->pdf->regular, 7.5f, LEFT, 36, text);
    set_gray(p->pages[i], 0);
  }
}

relief_status report_pdf(const report_model *m, publication *pub, const char *path,
                         relief_error *err) {
  pdf_doc pdf;
  char *title = w(m->title);
  relief_status st = pdf_open_standard(&pdf, title, err);
  if (st) {
    free(title);
    return st;
  }
  pen p = {.pdf = &pdf};
  start_page(&p);
  for (int i = 0; i < m->n_blocks && !pdf.status; i++) {
    const report_block *k = &m->blocks[i];
    switch (k->kind) {
    case REPORT_HEADING:
      heading(&p, k);
      break;
    case REPORT_PARAGRAPH:
      paragraph(&p, k);
      break;
    case REPORT_FIGURES:
      figures(&p, k);
      break;
    case REPORT_TABLE:
      table(&p, k);
      break;
    case REPORT_CHART:
      chart(&p, k);
      break;
    }
  }
  footers(&p, title);
  st = pdf_publish(&pdf, pub, path, err);
  pdf_close(&pdf);
  free(p.pages);
  free(title);
  return st;
}
