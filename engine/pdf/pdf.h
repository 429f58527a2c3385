/*
 * pdf/pdf.h — libharu helpers shared by the court filings and the impact
 * report: a document with its fonts and error record, text in the PDF's
 * WinAnsi encoding, drawing primitives, and publishing a document.
 */
#ifndef RELIEF_PDF_H
#define RELIEF_PDF_H

#include <hpdf.h>
#include <stddef.h>

#include "common/error.h"
#include "io/publish.h"

/* ---- Text ---- */

/* Converts UTF-8 text to the bytes of the PDF's WinAnsiEncoding (Windows-1252)
 * into a malloc'd NUL-terminated string: code points the encoding has are
 * mapped, other characters become '?', control characters a space, and a byte
 * that is not valid UTF-8 is taken as Latin-1 when printable ('?' if not).
 * NULL becomes "". Never returns NULL (aborts when out of memory). */
char *pdf_winansi(const char *utf8);

/* Writes "MM/DD/YYYY" for a day number into out (at least 11 bytes), or
 * "unknown" for RELIEF_DAY_UNKNOWN. Returns out. */
const char *pdf_us_date(int day, char *out);

/* ---- PDF documents ---- */

/* Adds a US-letter portrait page to doc and appends it to the page list
 * *pages (n used of cap, grown as needed). Returns the page. */
HPDF_Page pdf_add_letter_page(HPDF_Doc doc, HPDF_Page **pages, int *n, int *cap);

/* A libharu document and what drawing on it needs. libharu reports errors
 * through a callback; the first one is kept in status/detail. */
typedef struct {
  HPDF_Doc doc;
  HPDF_Font regular, bold;
  HPDF_STATUS status, detail;
} pdf_doc;

/* The embedded fonts (Debian fonts-dejavu-core). */
#define PDF_FONT_REGULAR "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
#define PDF_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"

/* Starts a document: compression on, DejaVu Serif embedded (WinAnsi), no dates
 * in the info dictionary (so the same input gives the same bytes), title
 * title (WinAnsi). */
relief_status pdf_open(pdf_doc *pdf, const char *title, relief_error *err);

/* The same with the PDF standard Times fonts, which every viewer has and no
 * document embeds: for the impact report (a statewide run draws one per
 * county, and reading and compressing two embedded fonts was most of each
 * one's cost). Court filings keep DejaVu embedded: e-filing portals refuse
 * PDFs whose fonts are not. */
relief_status pdf_open_standard(pdf_doc *pdf, const char *title, relief_error *err);

/* Renders the document and writes it into pub as relpath. */
relief_status pdf_publish(pdf_doc *pdf, publication *pub, const char *relpath, relief_error *err);

/* Frees the document. Safe on a zeroed struct. */
void pdf_close(pdf_doc *pdf);

/* The error for a libharu failure seen while making file, if any. */
relief_status pdf_check(const pdf_doc *pdf, const char *file, relief_error *err);

/* Page geometry: US Letter in points. */
enum { PDF_PAGE_W = 612, PDF_PAGE_H = 792 };

/* Draws text (WinAnsi) at x, baseline y. */
void pdf_text(HPDF_Page page, HPDF_Font font, float size, float x, float y, const char *text);

/* Width of text (WinAnsi) in points. */
float pdf_text_width(HPDF_Font font, float size, const char *text);

/* Bytes of text[0..len) that fit on a line of width points, breaking after a
 * space when one is in reach (else inside a word, at least one byte). */
size_t pdf_fit(HPDF_Font font, float size, const char *text, size_t len, float width);

/* Lines text needs when wrapped to width (at least 1). */
int pdf_line_count(HPDF_Font font, float size, const char *text, float width);

/* Draws text wrapped to width from baseline y down, leading points apart, at
 * most max_lines lines (the last one ends "..." when text is cut). Returns
 * the lines drawn. */
int pdf_text_wrapped(HPDF_Page page, HPDF_Font font, float size, float x, float y, float width,
                     float leading, int max_lines, const char *text);

/* Strokes a rectangle (lower-left x, y). */
void pdf_box(HPDF_Page page, float x, float y, float w, float h, float line_width);

/* Fills a rectangle with an RGB colour given as 0xRRGGBB. */
void pdf_fill(HPDF_Page page, float x, float y, float w, float h, unsigned rgb);

/* A straight line. */
void pdf_line(HPDF_Page page, float x0, float y0, float x1, float y1, float line_width);

#endif
