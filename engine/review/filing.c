/*
 * review/filing.c — a filing from the review, for `relief filings` and the
 * server alike: the agencies filing now (every one, or the one named), the
 * filer each signs with (given, else its profile in the store), the approved
 * items handed to job_filings; and what follows it (HS 11361.9): the denied
 * items noticed to the public defender, the store told what was filed.
 */
#define RELIEF_REVIEW_INTERNAL
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/paths.h"
#include "review/review.h"

void review_filing_free(review_filing *f) {
  for (int a = 0; a < f->n; a++) {
    if (f->have && f->have[a]) relief_filer_free(&f->filers[a]);
    free(f->names[a]);
  }
  free(f->names);
  free(f->agencies);
  free(f->filers);
  free(f->have);
  review_filing_items_free(f->items, f->n_items);
  free(f->job_items);
  for (size_t i = 0; i < 2 * f->n_held; i++) free(f->held_text[i]);
  free(f->held_text);
  free(f->held);
  memset(f, 0, sizeof *f);
}

/* Two agencies whose names make one Court_Filings/ folder (compared without
 * case, as file systems may) would file into it together, and filing one
 * would replace the other's motions: refused, naming both. */
static relief_status shared_folder(const review_filing *f, relief_error *err) {
  for (int a = 0; a < f->n; a++)
    for (int b = a + 1; b < f->n; b++) {
      char fa[256], fb[256];
      folder_name(fa, sizeof fa, f->names[a]);
      folder_name(fb, sizeof fb, f->names[b]);
      if (strcasecmp(fa, fb)) continue;
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                       "agencies '%.100s' and '%.100s' would file into the same folder "
                       "Court_Filings/%.100s: rename one in the routing and run review "
                       "init again",
                       f->names[a], f->names[b], fa);
    }
  return RELIEF_OK;
}

/* Keeps only agency among f->names. */
static relief_status keep_agency(review_filing *f, const char *agency, relief_error *err) {
  int keep = -1;
  for (int a = 0; a < f->n; a++)
    if (!strcmp(f->names[a], agency)) keep = a;
  if (keep < 0)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "no item of the review is routed to agency '%.100s' (see `relief "
                     "review status`)",
                     agency);
  for (int a = 0; a < f->n; a++)
    if (a != keep) free(f->names[a]);
  f->names[0] = f->names[keep];
  f->n = 1;
  return RELIEF_OK;
}

/* Each agency's filer: given, else its stored profile, else none. */
static relief_status load_filers(const char *dir, const relief_filer *given, review_filing *f,
                                 relief_error *err) {
  f->agencies = xcalloc((size_t)f->n + 1, sizeof *f->agencies);
  f->filers = xcalloc((size_t)f->n + 1, sizeof *f->filers);
  f->have = xcalloc((size_t)f->n + 1, sizeof *f->have);
  for (int a = 0; a < f->n; a++) {
    f->agencies[a].agency = f->names[a];
    if (given) {
      f->agencies[a].filer = given;
      continue;
    }
    char *json = NULL;
    relief_status st = review_filer_get(dir, f->names[a], &json, err);
    if (!st && json) {
      char name[300];
      snprintf(name, sizeof name, "filer profile of %.200s", f->names[a]);
      st = relief_filer_parse(json, name, &f->filers[a], err);
      f->have[a] = !st;
      if (!st) f->agencies[a].filer = &f->filers[a];
    }
    free(json);
    if (st) return st;
  }
  return RELIEF_OK;
}

/* The cases whose relief item's latest decision is not Approve, and those
 * with a count withheld for its date whose item is not approved (of every
 * agency: a case is one motion, whoever files it). */
static relief_status load_held(const char *dir, review_filing *f, relief_error *err) {
  sqlite3 *db;
  relief_status st = review_store_open(dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT person, case_key, kind FROM items i WHERE (kind='relief' OR"
                         " reason LIKE 'conviction after %') AND"
                         " IFNULL((SELECT decision FROM decisions WHERE item=i.id ORDER BY id"
                         " DESC LIMIT 1), '') <> 'Approve'",
                         -1, &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
    sqlite3_close(db);
    return st;
  }
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (f->n_held == cap) {
      cap = cap ? 2 * cap : 64;
      f->held = xreallocarray(f->held, cap, sizeof *f->held);
      f->held_text = xreallocarray(f->held_text, 2 * cap, sizeof *f->held_text);
    }
    char **t = &f->held_text[2 * f->n_held];
    t[0] = xstrdup((const char *)sqlite3_column_text(q, 0) ? (const char *)sqlite3_column_text(q, 0)
                                                           : "");
    t[1] = xstrdup((const char *)sqlite3_column_text(q, 1) ? (const char *)sqlite3_column_text(q, 1)
                                                           : "");
    bool relief = !strcmp((const char *)sqlite3_column_text(q, 2), "relief");
    f->held[f->n_held++] = (filings_case){t[0], t[1], !relief};
  }
  if (rc != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}

relief_status review_filing_load(const char *dir, const char *agency, const relief_filer *given,
                                 review_filing *f, relief_error *err) {
  memset(f, 0, sizeof *f);
  relief_status st = review_agencies(dir, &f->names, &f->n, err);
  if (!st) st = shared_folder(f, err); /* over every agency: any may file later */
  if (!st && agency) st = keep_agency(f, agency, err);
  if (!st && given && f->n > 1)
    st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                   "--filer signs for one agency, and this review has several: name it "
                   "with --agency=NAME, or keep a profile per agency with `relief "
                   "review filer set`");
  if (!st) st = load_filers(dir, given, f, err);
  if (!st) st = review_filing_items(dir, agency, &f->items, &f->n_items, err);
  if (!st) st = load_held(dir, f, err);
  if (st) return st;
  f->job_items = xcalloc(f->n_items + 1, sizeof *f->job_items);
  for (size_t i = 0; i < f->n_items; i++) {
    const review_filing_item *it = &f->items[i];
    f->job_items[i] = (filings_item){it->item,       it->kind,        it->agency, it->person,
                                     it->court_case, it->case_number, it->reason};
  }
  return RELIEF_OK;
}

size_t review_filing_approved(const review_filing *f, int a) {
  size_t n = 0;
  for (size_t i = 0; i < f->n_items; i++) n += !strcmp(f->items[i].agency, f->names[a]);
  return n;
}

relief_status review_after_filing(const char *dir, const review_filing *f, long long *challenges,
                                  long long *filed, relief_error *err) {
  const relief_filer **filers = xcalloc((size_t)f->n + 1, sizeof *filers);
  for (int a = 0; a < f->n; a++) filers[a] = f->agencies[a].filer;
  *challenges = *filed = 0;
  relief_status st = review_write_challenges(dir, f->names, filers, f->n, challenges, err);
  free(filers);
  if (!st) st = review_record_filings(dir, f->names, f->n, filed, err);
  return st;
}
