/*
 * pdf.c — libharu documents shared by the court filings and the impact
 * report: opening one with its two fonts and an error record (libharu
 * reports through a callback), publishing it, and the few drawing
 * primitives the motions and the report use.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "pdf/pdf.h"

/* libharu calls this on every failure; the first one is the one to report. */
static void on_pdf_error(HPDF_STATUS status, HPDF_STATUS detail, void *user) {
  pdf_doc *pdf = user;
  if (pdf->status) return;
  pdf->status = status;
  pdf->detail = detail;
}

relief_status pdf_check(const pdf_doc *pdf, const char *file, relief_error *err) {
  if (!pdf->status) return RELIEF_OK;
  return error_set(err, RELIEF_E_IO, file, 0, -1,
                   "PDF library failed (libharu error 0x%04X, detail %u)", (unsigned)pdf->status,
                   (unsigned)pdf->detail);
}

/* libharu allocates through the engine's policy: out of memory ends the
 * run the same way everywhere */
static void *pdf_alloc(HPDF_UINT size) { return xmalloc(size); }
static void pdf_free(void *p) { free(p); }

static relief_status open_doc(pdf_doc *pdf, const char *title, bool embed, relief_error *err) {
  memset(pdf, 0, sizeof *pdf);
  pdf->doc = HPDF_NewEx(on_pdf_error, pdf_alloc, pdf_free, 0, pdf);
  if (!pdf->doc) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot start a PDF document");
  HPDF_SetCompressionMode(pdf->doc, HPDF_COMP_ALL);
  /* no creation or modification date: libharu leaves them out unless asked,
   * and without encryption it writes no /ID, so the bytes are reproducible */
  HPDF_SetInfoAttr(pdf->doc, HPDF_INFO_CREATOR, "relief " RELIEF_VERSION);
  HPDF_SetInfoAttr(pdf->doc, HPDF_INFO_TITLE, title);
  if (!embed) {
    pdf->regular = HPDF_GetFont(pdf->doc, "Times-Roman", "WinAnsiEncoding");
    pdf->bold = HPDF_GetFont(pdf->doc, "Times-Bold", "WinAnsiEncoding");
    relief_status st = pdf_check(pdf, NULL, err);
    if (st) pdf_close(pdf);
    return st;
  }
  /* fonts are embedded (a court's e-filing portal refuses PDFs that are
   * not): DejaVu Serif from Debian's fonts-dejavu-core */
  const char *files[2] = {PDF_FONT_REGULAR, PDF_FONT_BOLD};
  HPDF_Font *slots[2] = {&pdf->regular, &pdf->bold};
  for (int i = 0; i < 2; i++) {
    if (access(files[i], R_OK) != 0) {
      pdf_close(pdf);
      return error_set(err, RELIEF_E_IO, files[i], 0, -1,
                       "cannot read the PDF font (Debian package fonts-dejavu-core)");
    }
    const char *name = HPDF_LoadTTFontFromFile(pdf->doc, files[i], HPDF_TRUE);
    if (name) *slots[i] = HPDF_GetFont(pdf->doc, name, "WinAnsiEncoding");
  }
  relief_status st = pdf_check(pdf, NULL, err);
  if (st) pdf_close(pdf);
  return st;
}

relief_status pdf_open(pdf_doc *pdf, const char *title, relief_error *err) {
  return open_doc(pdf, title, true, err);
}

relief_status pdf_open_standard(pdf_doc *pdf, const char *title, relief_error *err) {
  return open_doc(pdf, title, false, err);
}

relief_status pdf_publish(pdf_doc *pdf, publication *pub, const char *relpath, relief_error *err) {
  relief_status st = pdf_check(pdf, relpath, err);
  if (st) return st;
  /* the document is rendered in memory and written through the descriptor
   * the publication created: never reopened by path */
  if (HPDF_SaveToStream(pdf->doc) != HPDF_OK && !pdf->status) pdf->status = HPDF_FILE_IO_ERROR;
  if ((st = pdf_check(pdf, relpath, err))) return st;
  pub_file *f;
  if ((st = publication_create(pub, relpath, &f, err))) return st;
  HPDF_ResetStream(pdf->doc);
  static const HPDF_UINT32 chunk = 1 << 16;
  HPDF_BYTE *buf = xmalloc(chunk);
  for (;;) {
    HPDF_UINT32 n = chunk;
    HPDF_STATUS r = HPDF_ReadFromStream(pdf->doc, buf, &n);
    if (n && (st = pub_file_write(f, buf, n, err))) break;
    if (r == HPDF_STREAM_EOF) break;
    if (r != HPDF_OK) {
      st = error_set(err, RELIEF_E_IO, relpath, 0, -1,
                     "PDF library failed reading its stream (0x%04X)", (unsigned)r);
      break;
    }
  }
  free(buf);
  relief_status closed = pub_file_close(f, st ? NULL : err);
  return st ? st : closed;
}

void pdf_close(pdf_doc *pdf) {
  if (pdf->doc) HPDF_Free(pdf->doc);
  pdf->doc = NULL;
}

void pdf_text(HPDF_Page page, HPDF_Font font, float size, float x, float y, const char *text) {
  HPDF_Page_BeginText(page);
  HPDF_Page_SetFontAndSize(page, font, size);
  HPDF_Page_TextOut(page, x, y, text);
  HPDF_Page_EndText(page);
}

float pdf_text_width(HPDF_Font font, float size, const char *text) {
  HPDF_TextWidth tw = HPDF_Font_TextWidth(font, (const HPDF_BYTE *)text, (HPDF_UINT)strlen(text));
  return (float)tw.width * size / 1000.0f;
}

size_t pdf_fit(HPDF_Font font, float size, const char *text, size_t len, float width) {
  HPDF_REAL used;
  size_t fit = HPDF_Font_MeasureText(font, (const HPDF_BYTE *)text, (HPDF_UINT)len, width, size, 0,
                                     0, HPDF_TRUE, &used);
  if (fit == 0) /* one word wider than the line: break inside it */
    fit = HPDF_Font_MeasureText(font, (const HPDF_BYTE *)text, (HPDF_UINT)len, width, size, 0, 0,
                                HPDF_FALSE, &used);
  return fit ? fit : 1;
}

/* Calls back (or just counts) each line of text wrapped to width. */
static int wrap(HPDF_Font font, float size, const char *text, float width, int max_lines,
                void (*line)(void *user, int index, const char *s, size_t n, int cut), void *user) {
  size_t len = strlen(text), at = 0;
  int lines = 0;
  while (at < len && text[at] == ' ') at++;
  while (at < len && lines < max_lines) {
    size_t n = pdf_fit(font, size, text + at, len - at, width);
    size_t next = at + n;
    while (next < len && text[next] == ' ') next++;
    size_t shown = n;
    while (shown > 0 && text[at + shown - 1] == ' ') shown--;
    int cut = next < len && lines + 1 == max_lines;
    if (line) line(user, lines, text + at, shown, cut);
    lines++;
    at = next;
  }
  return lines ? lines : 1;
}

int pdf_line_count(HPDF_Font font, float size, const char *text, float width) {
  return wrap(font, size, text, width, 1 << 20, NULL, NULL);
}

typedef struct {
  HPDF_Page page;
  HPDF_Font font;
  float size, x, y, width, leading;
} wrapped_pen;

static void draw_line(void *user, int index, const char *s, size_t n, int cut) {
  wrapped_pen *p = user;
  char line[1024];
  if (n > sizeof line - 4) n = sizeof line - 4;
  memcpy(line, s, n);
  line[n] = 0;
  if (cut) { /* make room for the ellipsis */
    while (n > 0 &&
           pdf_text_width(p->font, p->size, line) + pdf_text_width(p->font, p->size, "...") >
               p->width)
      line[--n] = 0;
    strcpy(line + n, "...");
  }
  pdf_text(p->page, p->font, p->size, p->x, p->y - (float)index * p->leading, line);
}

int pdf_text_wrapped(HPDF_Page page, HPDF_Font font, float size, float x, float y, float width,
                     float leading, int max_lines, const char *text) {
  wrapped_pen pen = {page, font, size, x, y, width, leading};
  return wrap(font, size, text, width, max_lines, draw_line, &pen);
}

void pdf_box(HPDF_Page page, float x, float y, float w, float h, float line_width) {
  HPDF_Page_SetLineWidth(page, line_width);
  HPDF_Page_Rectangle(page, x, y, w, h);
  HPDF_Page_Stroke(page);
}

void pdf_fill(HPDF_Page page, float x, float y, float w, float h, unsigned rgb) {
  HPDF_Page_SetRGBFill(page, (float)((rgb >> 16) & 0xFF) / 255.0f,
                       (float)((rgb >> 8) & 0xFF) / 255.0f, (float)(rgb & 0xFF) / 255.0f);
  HPDF_Page_Rectangle(page, x, y, w, h);
  HPDF_Page_Fill(page);
  HPDF_Page_SetRGBFill(page, 0, 0, 0);
}

void pdf_line(HPDF_Page page, float x0, float y0, float x1, float y1, float line_width) {
  HPDF_Page_SetLineWidth(page, line_width);
  HPDF_Page_MoveTo(page, x0, y0);
  HPDF_Page_LineTo(page, x1, y1);
  HPDF_Page_Stroke(page);
}

HPDF_Page pdf_add_letter_page(HPDF_Doc doc, HPDF_Page **pages, int *n, int *cap) {
  HPDF_Page page = HPDF_AddPage(doc);
  HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_LETTER, HPDF_PAGE_PORTRAIT);
  if (*n == *cap) {
    *cap = *cap ? 2 * *cap : 8;
    *pages = xrealloc(*pages, (size_t)*cap * sizeof **pages);
  }
  (*pages)[(*n)++] = page;
  return page;
}
