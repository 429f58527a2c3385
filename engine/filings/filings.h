/*
 * filings/filings.h — what a prosecutor's office files with the court: one
 * motion per person per court case (PDF), a court list CSV and all motions
 * in one PDF. Motions are built from the run's decisions (motions.c) as
 * plain structs; the PDF and CSV writers only format them.
 */
#ifndef RELIEF_FILINGS_H
#define RELIEF_FILINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"
#include "io/publish.h"
#include "pipeline/pipeline.h"

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
  const char *reason;                 /* the deciding rule's reason */
  relief_determination determination; /* reduce: redesignate; otherwise dismissal */
  int discretionary; /* 1: relief beyond the statute (the county's added categories) */
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
  const char *person;       /* CII_NUMBER, else SUBJECT_ID: the review store's person */
  const char *court;        /* STP_ORI_DESCR of the case's first count (may be "") */
  int group;                /* the filter's group (agency) filing it; -1: none */
  const relief_motion_count *counts;
  int n_counts;
} relief_motion;

/* The motions of one county (after emit captured the rows' text), sorted by
 * case number (then name and court case). Only the relieved cannabis counts
 * of a case are listed; a count whose charge or date is unknown is withheld
 * (it goes to review instead), and a case left without counts has no
 * motion. With a filter, only the cases it accepts. Strings live in the
 * arena until motion_list_free. */
typedef struct {
  relief_motion *motions;
  size_t n;
  relief_motion_count *counts;
  arena_block *arena;
  int64_t withheld_counts; /* counts withheld for an unknown charge or date */
} motion_list;
void filings_motions(pipeline *pl, int county, const relief_filing_filter *filter,
                     motion_list *out);

/* Puts motions in filing order: by case number, then name, person, step
 * (relief-mpi gathers them from several ranks and sorts them the same). */
void filings_sort_motions(relief_motion *motions, size_t n);

/* Why a relieved count must not reach a motion, in words for not_filed.csv
 * and the review item, or NULL when it may: its charge is unknown
 * (OFFENSE_DESCR blank, "-" or SEE COMMENT FOR CHARGE), or its conviction
 * date; or it is dated after the decision date (compute_day, unless
 * RELIEF_DAY_UNKNOWN) or after 11/08/2016, when Prop 64 took effect. Those
 * last two are *checkable: a reviewer who approved the case with the facts
 * checked lets it be filed. Review init files such counts as review items. */
const char *filings_withhold_reason(const char *offense, int32_t conviction_day,
                                    int32_t compute_day, bool *checkable);

/* A name as a motion writes it, "LAST, FIRST MIDDLE", from the record's
 * "LAST,FIRST MIDDLE" (a space after each comma, spaces trimmed and
 * collapsed); a "; "-joined list name by name. malloc'd. */
char *filings_written_name(const char *name);

/* Whether a rule's relief goes beyond what HS 11361.8 mandates (an added
 * category such as age or years since conviction), so that it is asked for
 * in the interest of justice (PC 1385) rather than as legally invalid. */
int filings_rule_discretionary(const char *rule_id);

/* How a county's filings are made: who files (NULL: blank lines to fill in)
 * and the day the filings are prepared. */
typedef struct {
  const relief_filer *filer;
  int32_t prepared_day;
} filings_options;
void motion_list_free(motion_list *m);

/* Writes motions into the publication under folder/ (relative to the
 * output folder; "" = the folder itself): one PDF per motion named by motion number only (no
 * personal data in file names), court_list.csv (columns Motion, County,
 * Case Number, CII_NUMBER, PRI_NAME, PRI_DOB, Counts, Relief, File) and
 * all_motions.pdf with an index page. Motions are drawn in parallel on
 * threads and written in the given order. */
relief_status filings_write(publication *pub, const char *folder, const relief_motion *motions,
                            size_t n, int threads, const filings_options *opt, relief_error *err);

/* A county's motions written under Court_Filings/<COUNTY>[_<index>]/. */
relief_status filings_write_county(pipeline *pl, int county, publication *pub, int index,
                                   const filings_options *opt, const relief_filing_filter *filter,
                                   int64_t *n_motions, relief_error *err);

/* One challenged (denied) review item, as the public defender is told of
 * it (HS 11361.9). dob is YYYYMMDD; decided is when it was denied. */
typedef struct {
  const char *item, *person, *name, *dob, *cii, *case_number, *counts, *proposed, *reason, *decided;
} filings_challenge;

/* Writes folder/notice_to_public_defender.pdf (one page per person: c is
 * grouped by person, each case with its counts and the grounds in words,
 * signed with opt's filer) and folder/challenges.csv into pub. */
relief_status filings_write_challenges(publication *pub, const char *folder, const char *county,
                                       const char *agency, const filings_challenge *c, size_t n,
                                       const filings_options *opt, relief_error *err);

#endif
