/*
 * import.c — records the decisions of edited review sheets. All sheets go
 * in one SQLite transaction: a sheet with an unknown Item, a changed
 * identifying column (Agency, Name, Date of Birth, CII, Subject ID, Case
 * Number) or a Decision other than Approve, Deny or Hold (any case) is
 * refused whole and nothing at all is recorded. A blank Decision records
 * nothing (the item stays as it is: pending if never decided). Only
 * changes are recorded — a new decision or new notes — each with the
 * previous decision and notes, the reviewer and the time. Messages name
 * the sheet, row and column, never a cell's value.
 */
#define RELIEF_REVIEW_INTERNAL
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "review/review.h"

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcasecmp(s + n - k, suffix);
}

/* A CSV cell as exported: the apostrophe guard of free-text cells removed. */
static const char *unguard(const char *v, bool csv, int col) {
  if (csv && review_column_free_text(col) && v[0] == '\'' && review_cell_needs_guard(v + 1))
    return v + 1;
  return v;
}

static const char *sheet_label(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static relief_status import_sheet(sqlite3 *db, const char *path, const char *reviewer,
                                  const char *now, sqlite3_stmt *get, sqlite3_stmt *add,
                                  long long *n_recorded, relief_error *err) {
  review_sheet sh;
  bool csv = !ends_with(path, ".xlsx");
  relief_status st =
      csv ? review_sheet_read_csv(path, &sh, err) : review_sheet_read_xlsx(path, &sh, err);
  if (st) return st;
  const char *label = sheet_label(path);
  int col[RV_COL_COUNT];
  for (int c = 0; c < RV_COL_COUNT; c++) col[c] = -1;
  if (!sh.n_rows) {
    review_sheet_free(&sh);
    return relief_error_set(err, RELIEF_E_DATA, path, 0, -1, "empty sheet (no header row)");
  }
  review_row *hdr = &sh.rows[0];
  for (int i = 0; i < hdr->n; i++)
    for (int c = 0; c < RV_COL_COUNT; c++)
      if (!strcmp(hdr->cells[i] ? hdr->cells[i] : "", review_sheet_columns[c])) col[c] = i;
  static const int required[] = {RV_COL_ITEM, RV_COL_AGENCY, RV_COL_NAME,    RV_COL_DOB,
                                 RV_COL_CII,  RV_COL_CASE,   RV_COL_DECISION};
  for (size_t k = 0; k < sizeof required / sizeof *required; k++)
    if (col[required[k]] < 0) {
      review_sheet_free(&sh);
      return relief_error_set(err, RELIEF_E_DATA, path, hdr->line, -1, "missing column '%s'",
                              review_sheet_columns[required[k]]);
    }
  static const struct {
    int col, db;
  } ident[] = {{RV_COL_AGENCY, 0}, {RV_COL_NAME, 1},    {RV_COL_DOB, 2},
               {RV_COL_CII, 3},    {RV_COL_SUBJECT, 4}, {RV_COL_CASE, 5}};
  for (int r = 1; r < sh.n_rows && !st; r++) {
    review_row *row = &sh.rows[r];
#define CELL(c) (col[c] >= 0 && col[c] < row->n && row->cells[col[c]] ? row->cells[col[c]] : "")
    bool blank = true;
    for (int i = 0; i < row->n; i++)
      if (row->cells[i] && row->cells[i][0]) blank = false;
    if (blank) continue;
    const char *item = CELL(RV_COL_ITEM);
    sqlite3_reset(get);
    sqlite3_bind_text(get, 1, item, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(get);
    if (rc == SQLITE_DONE) {
      st = relief_error_set(err, RELIEF_E_DATA, path, row->line, -1,
                            "sheet %s, row %lld, column 'Item' names no item of this store", label,
                            row->line);
      break;
    }
    if (rc != SQLITE_ROW) {
      st = review_sql_error(db, path, err);
      break;
    }
    for (size_t k = 0; k < sizeof ident / sizeof *ident; k++) {
      if (col[ident[k].col] < 0) continue; /* Subject ID is optional */
      const char *want = (const char *)sqlite3_column_text(get, ident[k].db);
      const char *got = unguard(CELL(ident[k].col), csv, ident[k].col);
      if (strcmp(want ? want : "", got)) {
        st = relief_error_set(err, RELIEF_E_DATA, path, row->line, -1,
                              "sheet %s, row %lld, column '%s' differs from the item exported "
                              "(identifying columns must not be edited)",
                              label, row->line, review_sheet_columns[ident[k].col]);
        break;
      }
    }
    if (st) break;
    const char *d = CELL(RV_COL_DECISION);
    while (isspace((unsigned char)*d)) d++;
    size_t dn = strlen(d);
    while (dn && isspace((unsigned char)d[dn - 1])) dn--;
    const char *decision = NULL;
    if (!dn) continue; /* pending: nothing to record */
    static const char *const allowed[] = {"Approve", "Deny", "Hold"};
    for (int k = 0; k < 3; k++)
      if (dn == strlen(allowed[k]) && !strncasecmp(d, allowed[k], dn)) decision = allowed[k];
    if (!decision) {
      st = relief_error_set(err, RELIEF_E_DATA, path, row->line, -1,
                            "sheet %s, row %lld, column 'Decision' must be Approve, Deny, Hold "
                            "or blank",
                            label, row->line);
      break;
    }
    const char *notes = unguard(CELL(RV_COL_NOTES), csv, RV_COL_NOTES);
    const char *prev = (const char *)sqlite3_column_text(get, 6);
    const char *prev_notes = (const char *)sqlite3_column_text(get, 7);
    if (prev && !strcmp(prev, decision) && !strcmp(prev_notes ? prev_notes : "", notes))
      continue; /* unchanged */
    sqlite3_reset(add);
    sqlite3_bind_text(add, 1, item, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(add, 2, decision, -1, SQLITE_STATIC);
    sqlite3_bind_text(add, 3, notes, -1, SQLITE_TRANSIENT);
    if (prev)
      sqlite3_bind_text(add, 4, prev, -1, SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(add, 4);
    if (prev)
      sqlite3_bind_text(add, 5, prev_notes ? prev_notes : "", -1, SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(add, 5);
    sqlite3_bind_text(add, 6, reviewer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(add, 7, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(add, 8, label, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(add) != SQLITE_DONE) {
      st = review_sql_error(db, path, err);
      break;
    }
    (*n_recorded)++;
#undef CELL
  }
  sqlite3_reset(get);
  review_sheet_free(&sh);
  return st;
}

relief_status review_import(const char *outputs_dir, const char *reviewer, char **sheets,
                            int n_sheets, long long *n_recorded, relief_error *err) {
  *n_recorded = 0;
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  char now[32];
  review_now(now);
  sqlite3_stmt *get = NULL, *add = NULL;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "SELECT agency, name, dob, cii, subject_id, case_number, d.decision,"
                         " d.notes FROM items i LEFT JOIN decisions d ON d.id ="
                         " (SELECT MAX(id) FROM decisions WHERE item=i.id) WHERE i.id=?1",
                         -1, &get, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, REVIEW_INSERT_DECISION, -1, &add, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else {
    for (int i = 0; i < n_sheets && !st; i++)
      st = import_sheet(db, sheets[i], reviewer, now, get, add, n_recorded, err);
  }
  sqlite3_finalize(get);
  sqlite3_finalize(add);
  if (!st && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (st) {
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    *n_recorded = 0;
  }
  sqlite3_close(db);
  return st;
}
