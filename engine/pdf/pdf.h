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
char *forms_winansi(const char *utf8);

/* Writes "MM/DD/YYYY" for a day number into out (at least 11 bytes), or
 * "unknown" for RELIEF_DAY_UNKNOWN. Returns out. */
const char *forms_us_date(int day, char *out);

/* ---- PDF documents ---- */

/* Adds a US-letter portrait page to doc and appends it to the page list
 * *pages (n used of cap, grown as needed). Returns the page. */
HPDF_Page forms_add_letter_page(HPDF_Doc doc, HPDF_Page **pages, int *n, int *cap);

/* A libharu document and what drawing on it needs. libharu reports errors
 * through a callback; the first one is kept in status/detail. */
typedef struct {
  HPDF_Doc doc;
  HPDF_Font regular, bold;
  HPDF_STATUS status, detail;
} forms_pdf;

/* The embedded fonts (Debian fonts-dejavu-core). */
#define FORMS_FONT_REGULAR "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
#define FORMS_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"

/* Starts a document: compression on, DejaVu Serif embedded (WinAnsi), no dates
 * in the info dictionary (so the same input gives the same bytes), title
 * title (WinAnsi). */
relief_status forms_pdf_open(forms_pdf *pdf, const char *title, relief_error *err);

/* The same with the PDF standard Times fonts, which every viewer has and no
 * document embeds: for the impact report (a statewide run draws one per
 * county, and reading and compressing two embedded fonts was most of each
 * one's cost). Court filings keep DejaVu embedded: e-filing portals refuse
 * PDFs whose fonts are not. */
relief_status forms_pdf_open_standard(forms_pdf *pdf, const char *title, relief_error *err);

/* Renders the document and writes it into pub as relpath. */
relief_status forms_pdf_publish(forms_pdf *pdf, publication *pub, const char *relpath,
                                relief_error *err);

/* Frees the document. Safe on a zeroed struct. */
void forms_pdf_close(forms_pdf *pdf);

/* The error for a libharu failure seen while making file, if any. */
relief_status forms_pdf_check(const forms_pdf *pdf, const char *file, relief_error *err);

/* Page geometry: US Letter in points. */
enum { FORMS_PAGE_W = 612, FORMS_PAGE_H = 792 };

/* Draws text (WinAnsi) at x, baseline y. */
void forms_text(HPDF_Page page, HPDF_Font font, float size, float x, float y, const char *text);

/* Width of text (WinAnsi) in points. */
float forms_text_width(HPDF_Font font, float size, const char *text);

/* Bytes of text[0..len) that fit on a line of width points, breaking after a
 * space when one is in reach (else inside a word, at least one byte). */
size_t forms_fit(HPDF_Font font, float size, const char *text, size_t len, float width);

/* Lines text needs when wrapped to width (at least 1). */
int forms_line_count(HPDF_Font font, float size, const char *text, float width);

/* Draws text wrapped to width from baseline y down, leading points apart, at
 * most max_lines lines (the last one ends "..." when text is cut). Returns
 * the lines drawn. */
int forms_text_wrapped(HPDF_Page page, HPDF_Font font, float size, float x, float y, float width,
                       float leading, int max_lines, const char *text);

/* Strokes a rectangle (lower-left x, y). */
void forms_box(HPDF_Page page, float x, float y, float w, float h, float line_width);

/* Fills a rectangle with an RGB colour given as 0xRRGGBB. */
void forms_fill(HPDF_Page page, float x, float y, float w, float h, unsigned rgb);

/* A straight line. */
void forms_line(HPDF_Page page, float x0, float y0, float x1, float y1, float line_width);

#endif
