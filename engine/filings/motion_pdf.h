/*
 * filings/motion_pdf.h — one motion drawn onto a PDF document.
 */
#ifndef RELIEF_FILINGS_MOTION_PDF_H
#define RELIEF_FILINGS_MOTION_PDF_H

#include "filings/filings.h"
#include "pdf/pdf.h"

/* Whether r is a relief_sought value the forms know. */
int forms_relief_valid(relief_sought r);

/* What relief r is called on the forms and in court_list.csv. */
const char *forms_relief_label(relief_sought r);

/* Draws motion m (numbered number, shown as 6 digits) onto new pages at the
 * end of pdf's document. Every count's relief must be valid. Returns the
 * number of pages drawn. */
int forms_draw_motion(pdf_doc *pdf, const relief_motion *m, size_t number,
                      const filings_options *opt);

/* A count's outcome in words ("Redesignate as a misdemeanor", "Recall the
 * sentence and dismiss, in the interest of justice", ...). */
const char *forms_count_outcome(const relief_motion_count *c);

/* The legal basis cited for a count (PC 1385 for discretionary dismissals). */
const char *forms_count_basis(const relief_motion_count *c);

#endif
