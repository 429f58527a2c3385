/*
 * relief/forms.h — what a prosecutor's office files and reads besides the
 * spreadsheets: court motions (one PDF per person per court case, a court
 * list CSV, all motions in one PDF) and the impact report (HTML and PDF).
 * The pipeline fills these plain structs; the forms stage only formats.
 */
#ifndef RELIEF_FORMS_H
#define RELIEF_FORMS_H

#include <stddef.h>
#include <stdint.h>

#include "relief/error.h"

/* Relief sought for one count (HS 11361.8). */
typedef enum {
  RELIEF_SOUGHT_DISMISS_AND_SEAL = 0,     /* sentence completed, eligible for dismissal */
  RELIEF_SOUGHT_REDESIGNATE = 1,          /* sentence completed, eligible for reduction */
  RELIEF_SOUGHT_RECALL_AND_RESENTENCE = 2 /* still serving the sentence */
} relief_sought;

typedef struct {
  const char *code_section; /* e.g. "11359(B) HS" */
  const char *offense;      /* OFFENSE_DESCR text (may be "") */
  int32_t conviction_day;   /* day number; RELIEF_DAY_UNKNOWN if unknown */
  int felony;               /* 1 felony, 0 misdemeanor/infraction */
  relief_sought relief;
  const char *reason; /* the deciding rule's reason */
} relief_motion_count;

/* One motion: one person, one court case (a conviction step). */
typedef struct {
  const char *county;       /* county the motion is filed in */
  const char *step;         /* first 6 characters of CNT_ORDER */
  const char *case_numbers; /* the step's case numbers joined by "; " (may be "") */
  const char *name;         /* PRI_NAME of the person's first row */
  const char *akas;         /* other PRI_NAME spellings seen, joined by "; " (may be "") */
  int32_t dob_day;          /* RELIEF_DAY_UNKNOWN if unknown */
  const char *cii;          /* CII_NUMBER */
  const relief_motion_count *counts;
  int n_counts;
} relief_motion;

/* Writes dir/ (created if missing): one PDF per motion named by motion
 * number only (no personal data in file names), court_list.csv (columns
 * Motion, County, Case Number, CII_NUMBER, PRI_NAME, PRI_DOB, Counts,
 * Relief, File) and all_motions.pdf with an index page. Motions are written
 * in the given order, in parallel; output files are created mode 0600 and
 * appear under their final names only when complete. */
relief_status relief_forms_write(const char *dir, const relief_motion *motions, size_t n,
                                 relief_error *err);

/* Writes dir/report.html (self-contained: inline CSS and SVG, no network)
 * and dir/report.pdf from report_json, a JSON object holding at least
 * "summary" (the run's summary object, or for statewide runs the statewide
 * summary with "counties"), and "extra": {"convictionsBySectionAndOutcome":
 * {section: {determination: count}}, "handReview": count,
 * "processingTimeInSeconds": s, "inputBytes": n, "people": n,
 * "statewide": bool}. */
relief_status relief_report_write(const char *dir, const char *report_json, relief_error *err);

#endif
