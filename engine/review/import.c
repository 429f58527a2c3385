/*
 * import.c — records the decisions of edited review sheets, all sheets in
 * one transaction: an unknown Item, a changed identifying column, a bad
 * Decision, a Deny without its reason in Notes, an item named twice, or a
 * stale row (its item decided after the sheet's Revision; --force records
 * it, with the override) refuses them all. Values a spreadsheet changed on
 * import (leading zeros, 1.2E+11, a reformatted date) are recognised as the
 * exported value. Only changes are recorded, each with the previous
 * decision and notes, reviewer, time. Messages name the sheet, row, column
 * and item, never a cell's value.
 */
#define RELIEF_REVIEW_INTERNAL
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/buf.h"
#include "common/text.h"
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

/* ---- values a spreadsheet program changed ---- */

static bool all_digits(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return false;
  return true;
}

static const char *no_leading_zeros(const char *s) {
  while (s[0] == '0' && s[1]) s++;
  return s;
}

/* Whether want (digits, no leading zeros) cut to the m digits of mant is
 * mant, with exp + 1 digits in all: rounded either way, since past 2^53 a
 * spreadsheet rounds the nearest double, not the decimal. */
static bool rounds_to(const char *want, const char *mant, size_t m, long exp) {
  size_t n = strlen(want);
  while (m > 1 && mant[m - 1] == '0') m--; /* trailing zeros of the mantissa */
  if ((long)n - 1 != exp || m > n || m > 63) return false;
  if (!memcmp(want, mant, m)) return true; /* rounded down */
  char r[64];
  memcpy(r, want, m);
  bool up = m < n;
  for (size_t i = m; up && i-- > 0;) {
    if (r[i] == '9') {
      r[i] = '0';
    } else {
      r[i]++;
      up = false;
    }
  }
  if (up) return false; /* 999.. rounded to 1000..: the exponent would differ */
  return !memcmp(r, mant, m);
}

/* got is want (all digits) as a spreadsheet keeps a long number: in
 * scientific notation (1.01002E+11), or with its digits past the 15th
 * lost (12345678901234600). */
static bool same_long_number(const char *want, const char *got) {
  want = no_leading_zeros(want);
  char mant[64];
  size_t m = 0;
  const char *p = got;
  if (all_digits(got)) {
    got = no_leading_zeros(got);
    size_t n = strlen(got);
    return n > 15 && n == strlen(want) && rounds_to(want, got, n, (long)n - 1);
  }
  if (!isdigit((unsigned char)*p)) return false;
  mant[m++] = *p++;
  if (*p == '.' || *p == ',')
    for (p++; isdigit((unsigned char)*p) && m < sizeof mant - 1; p++) mant[m++] = *p;
  if (*p != 'E' && *p != 'e') return false;
  p++;
  if (*p == '+') p++;
  if (!all_digits(p) || strlen(p) > 4) return false;
  return rounds_to(want, mant, m, strtol(p, NULL, 10));
}

/* A date a spreadsheet wrote for want (YYYYMMDD): M/D/YY[YY], YYYY-MM-DD,
 * or a serial day number (days since 1899-12-30, an XLSX date cell). */
static bool same_date(const char *want, const char *got) {
  if (strlen(want) != 8 || !all_digits(want)) return false;
  int wy = (want[0] - '0') * 1000 + (want[1] - '0') * 100 + (want[2] - '0') * 10 + want[3] - '0';
  int wm = (want[4] - '0') * 10 + want[5] - '0', wd = (want[6] - '0') * 10 + want[7] - '0';
  int y, m, d, used = 0;
  if (all_digits(got) && strlen(got) <= 6) {
    struct tm tm = {.tm_year = 1899 - 1900, .tm_mon = 11, .tm_mday = 30 + atoi(got), .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm out;
    gmtime_r(&t, &out);
    return out.tm_year + 1900 == wy && out.tm_mon + 1 == wm && out.tm_mday == wd;
  }
  if (sscanf(got, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && !got[used])
    return y == wy && m == wm && d == wd;
  if (sscanf(got, "%2d/%2d/%4d%n", &m, &d, &y, &used) == 3 && !got[used]) {
    const char *slash = strrchr(got, '/');
    if (strlen(slash + 1) == 2) return y == wy % 100 && m == wm && d == wd;
    return y == wy && m == wm && d == wd;
  }
  return false;
}

/* Whether got is how a spreadsheet's default import shows want. */
static bool spreadsheet_same(int col, const char *want, const char *got) {
  if (col == RV_COL_DOB) return same_date(want, got);
  if (col != RV_COL_CII && col != RV_COL_SUBJECT && col != RV_COL_CASE) return false;
  if (!all_digits(want)) return false;
  if (all_digits(got) && !strcmp(no_leading_zeros(want), no_leading_zeros(got))) return true;
  return same_long_number(want, got);
}

/* Whether got looks like a spreadsheet's rewrite: a bare number, a number
 * in scientific notation, or a date. */
static bool spreadsheet_shaped(const char *got) {
  if (all_digits(got)) return true;
  int a, b, c, used = 0;
  if ((sscanf(got, "%d/%d/%d%n", &a, &b, &c, &used) == 3 ||
       sscanf(got, "%d-%d-%d%n", &a, &b, &c, &used) == 3) &&
      !got[used])
    return true;
  const char *e = strpbrk(got, "Ee");
  return e && isdigit((unsigned char)got[0]) && (e[1] == '+' || isdigit((unsigned char)e[1]));
}

/* Whether a sheet's value is the exported one (as stored, as the sheet
 * shows it, or as a spreadsheet rewrote it). */
static bool ident_same(int col, const char *want, const char *got) {
  if (!strcmp(want, got)) return true;
  if (col == RV_COL_DOB) {
    char shown[16];
    review_sheet_date(want, shown);
    if (!strcmp(shown, got)) return true;
  }
  return spreadsheet_same(col, want, got);
}

/* ---- one import ---- */

typedef struct {
  sqlite3 *db;
  const char *reviewer, *now;
  bool force;
  sqlite3_stmt *get, *add, *seen_add, *seen_get;
  long long *n_recorded;
  relief_buf stale; /* "I000123 (sheet row 5), ..." */
  long long n_stale;
  const char *stale_path;
} import_ctx;

typedef struct {
  const char *path, *label;
  bool csv;
  int col[RV_COL_COUNT];
} sheet_ctx;

static relief_status find_columns(review_sheet *sh, sheet_ctx *s, bool force, relief_error *err) {
  for (int c = 0; c < RV_COL_COUNT; c++) s->col[c] = -1;
  if (!sh->n_rows)
    return error_set(err, RELIEF_E_DATA, s->path, 0, -1, "empty sheet (no header row)");
  review_row *hdr = &sh->rows[0];
  for (int i = 0; i < hdr->n; i++)
    for (int c = 0; c < RV_COL_COUNT; c++)
      if (!strcmp(hdr->cells[i] ? hdr->cells[i] : "", review_sheet_columns[c])) s->col[c] = i;
  static const int required[] = {RV_COL_ITEM, RV_COL_AGENCY, RV_COL_NAME,    RV_COL_DOB,
                                 RV_COL_CII,  RV_COL_CASE,   RV_COL_DECISION};
  for (size_t k = 0; k < sizeof required / sizeof *required; k++)
    if (s->col[required[k]] < 0)
      return error_set(err, RELIEF_E_DATA, s->path, hdr->line, -1, "missing column '%s'",
                       review_sheet_columns[required[k]]);
  if (s->col[RV_COL_REVISION] < 0 && !force)
    return error_set(err, RELIEF_E_DATA, s->path, hdr->line, -1,
                     "missing column 'Revision' (a sheet exported before revisions cannot "
                     "be checked for stale decisions): export the sheet again, or --force");
  return RELIEF_OK;
}

/* An item named once across all the sheets of an import. */
static relief_status check_once(import_ctx *x, const sheet_ctx *s, const char *item, long long line,
                                relief_error *err) {
  sqlite3_reset(x->seen_add);
  sqlite3_bind_text(x->seen_add, 1, item, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(x->seen_add, 2, s->label, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(x->seen_add, 3, line);
  int rc = sqlite3_step(x->seen_add);
  if (rc == SQLITE_DONE) return RELIEF_OK;
  if (rc != SQLITE_CONSTRAINT) return review_sql_error(x->db, s->path, err);
  sqlite3_reset(x->seen_get);
  sqlite3_bind_text(x->seen_get, 1, item, -1, SQLITE_TRANSIENT);
  const char *first = "?";
  long long first_line = 0;
  if (sqlite3_step(x->seen_get) == SQLITE_ROW) {
    first = (const char *)sqlite3_column_text(x->seen_get, 0);
    first_line = sqlite3_column_int64(x->seen_get, 1);
  }
  relief_status st = error_set(
      err, RELIEF_E_DATA, s->path, line, -1,
      "item %s is named twice: sheet %s, row %lld and sheet %s, row %lld (name each item once)",
      item, first, first_line, s->label, line);
  sqlite3_reset(x->seen_get);
  return st;
}

/* The identifying columns of a row against the item (get's columns 0-5). */
static relief_status check_identity(const import_ctx *x, const sheet_ctx *s, const review_row *row,
                                    relief_error *err) {
  static const struct {
    int col, db;
  } ident[] = {{RV_COL_AGENCY, 0}, {RV_COL_NAME, 1},    {RV_COL_DOB, 2},
               {RV_COL_CII, 3},    {RV_COL_SUBJECT, 4}, {RV_COL_CASE, 5}};
  for (size_t k = 0; k < sizeof ident / sizeof *ident; k++) {
    int c = s->col[ident[k].col];
    if (c < 0) continue; /* Subject ID is optional */
    const char *want = (const char *)sqlite3_column_text(x->get, ident[k].db);
    const char *got =
        unguard(c < row->n && row->cells[c] ? row->cells[c] : "", s->csv, ident[k].col);
    char *owned = NULL; /* as export wrote it: UTF-8 */
    if (want && !text_is_utf8(want, strlen(want)))
      want = owned = text_to_utf8(want, strlen(want), NULL);
    bool same = ident_same(ident[k].col, want ? want : "", got);
    free(owned);
    if (same) continue;
    const char *name = review_sheet_columns[ident[k].col];
    if (spreadsheet_shaped(got))
      return error_set(err, RELIEF_E_DATA, s->path, row->line, -1,
                       "sheet %s, row %lld, column '%s' differs from the item exported; the "
                       "change looks like a spreadsheet program's (leading zeros dropped, a "
                       "long number shown as 1.2E+11, or a date reformatted): use the XLSX "
                       "sheet (--format=xlsx), or import the column as text",
                       s->label, row->line, name);
    return error_set(err, RELIEF_E_DATA, s->path, row->line, -1,
                     "sheet %s, row %lld, column '%s' differs from the item exported "
                     "(identifying columns must not be edited)",
                     s->label, row->line, name);
  }
  return RELIEF_OK;
}

static const char *cell_of(const sheet_ctx *s, const review_row *row, int c) {
  int i = s->col[c];
  return i >= 0 && i < row->n && row->cells[i] ? row->cells[i] : "";
}

/* The Decision of a row (NULL: blank), or -1 when it is not one. */
static int parse_decision(const char *d, const char **decision) {
  *decision = NULL;
  while (isspace((unsigned char)*d)) d++;
  size_t dn = strlen(d);
  while (dn && isspace((unsigned char)d[dn - 1])) dn--;
  if (!dn) return 0;
  static const char *const allowed[] = {"Approve", "Deny", "Hold"};
  for (int k = 0; k < 3; k++)
    if (dn == strlen(allowed[k]) && !strncasecmp(d, allowed[k], dn)) *decision = allowed[k];
  return *decision ? 0 : -1;
}

static bool has_text(const char *s) {
  for (; *s; s++)
    if (!isspace((unsigned char)*s)) return true;
  return false;
}

/* The row's Revision: the store's revision at export; -1 when the sheet has
 * none (only with --force). */
static relief_status row_revision(const sheet_ctx *s, const review_row *row, long long *rev,
                                  relief_error *err) {
  *rev = -1;
  if (s->col[RV_COL_REVISION] < 0) return RELIEF_OK;
  const char *v = cell_of(s, row, RV_COL_REVISION);
  if (!all_digits(v) || strlen(v) > 18)
    return error_set(err, RELIEF_E_DATA, s->path, row->line, -1,
                     "sheet %s, row %lld, column 'Revision' must be the number exported "
                     "(the column is read-only)",
                     s->label, row->line);
  *rev = atoll(v);
  return RELIEF_OK;
}

static relief_status record(import_ctx *x, const sheet_ctx *s, const char *item,
                            const char *decision, const char *notes, const char *override) {
  const char *prev = (const char *)sqlite3_column_text(x->get, 6);
  const char *prev_notes = (const char *)sqlite3_column_text(x->get, 7);
  sqlite3_stmt *add = x->add;
  sqlite3_reset(add);
  sqlite3_clear_bindings(add);
  sqlite3_bind_text(add, 1, item, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(add, 2, decision, -1, SQLITE_STATIC);
  sqlite3_bind_text(add, 3, notes, -1, SQLITE_TRANSIENT);
  if (prev) {
    sqlite3_bind_text(add, 4, prev, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(add, 5, prev_notes ? prev_notes : "", -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_text(add, 6, x->reviewer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(add, 7, x->now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(add, 8, s->label, -1, SQLITE_TRANSIENT);
  if (override) sqlite3_bind_text(add, 9, override, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(add) != SQLITE_DONE) return RELIEF_E_IO;
  (*x->n_recorded)++;
  return RELIEF_OK;
}

static relief_status import_row(import_ctx *x, const sheet_ctx *s, const review_row *row,
                                relief_error *err) {
  const char *item = cell_of(s, row, RV_COL_ITEM);
  sqlite3_reset(x->get);
  sqlite3_bind_text(x->get, 1, item, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(x->get);
  if (rc == SQLITE_DONE)
    return error_set(err, RELIEF_E_DATA, s->path, row->line, -1,
                     "sheet %s, row %lld, column 'Item' names no item of this store", s->label,
                     row->line);
  if (rc != SQLITE_ROW) return review_sql_error(x->db, s->path, err);
  relief_status st = check_once(x, s, item, row->line, err);
  if (!st) st = check_identity(x, s, row, err);
  if (st) return st;
  const char *decision;
  if (parse_decision(cell_of(s, row, RV_COL_DECISION), &decision))
    return error_set(err, RELIEF_E_DATA, s->path, row->line, -1,
                     "sheet %s, row %lld, column 'Decision' must be Approve, Deny, Hold "
                     "or blank",
                     s->label, row->line);
  if (!decision) return RELIEF_OK; /* pending: nothing to record */
  long long rev;
  if ((st = row_revision(s, row, &rev, err))) return st;
  const char *notes = unguard(cell_of(s, row, RV_COL_NOTES), s->csv, RV_COL_NOTES);
  /* a deny is a challenge, and a challenge states its grounds (HS 11361.9) */
  if (!strcmp(decision, "Deny") && !has_text(notes))
    return error_set(err, RELIEF_E_DATA, s->path, row->line, -1,
                     "sheet %s, row %lld: a Deny needs its reason in column 'Notes' (a "
                     "denied item is a challenge, and the public defender is told why)",
                     s->label, row->line);
  const char *prev = (const char *)sqlite3_column_text(x->get, 6);
  const char *prev_notes = (const char *)sqlite3_column_text(x->get, 7);
  if (prev && !strcmp(prev, decision) && !strcmp(prev_notes ? prev_notes : "", notes))
    return RELIEF_OK; /* unchanged */
  long long decided = sqlite3_column_type(x->get, 8) == SQLITE_NULL
                          ? -1
                          : sqlite3_column_int64(x->get, 8); /* its latest decision's revision */
  char override[160];
  bool stale = decided >= 0 && decided > rev;
  if (stale && !x->force) {
    char one[96];
    snprintf(one, sizeof one, "%s%s (sheet %.40s, row %lld)", x->n_stale ? ", " : "", item,
             s->label, row->line);
    if (x->n_stale < 10) buf_append(&x->stale, one, strlen(one));
    if (!x->n_stale) x->stale_path = s->path;
    x->n_stale++;
    return RELIEF_OK;
  }
  if (stale && rev >= 0)
    snprintf(override, sizeof override,
             "--force: stale sheet (exported at revision %lld, item decided at revision %lld)", rev,
             decided);
  else if (stale)
    snprintf(override, sizeof override,
             "--force: sheet without a Revision (item decided at revision %lld)", decided);
  if (record(x, s, item, decision, notes, stale ? override : NULL))
    return review_sql_error(x->db, s->path, err);
  return RELIEF_OK;
}

static relief_status import_sheet(import_ctx *x, const char *path, relief_error *err) {
  review_sheet sh;
  sheet_ctx s = {.path = path, .label = sheet_label(path), .csv = !ends_with(path, ".xlsx")};
  relief_status st =
      s.csv ? review_sheet_read_csv(path, &sh, err) : review_sheet_read_xlsx(path, &sh, err);
  if (st) return st;
  st = find_columns(&sh, &s, x->force, err);
  for (int r = 1; r < sh.n_rows && !st; r++) {
    const review_row *row = &sh.rows[r];
    bool blank = true;
    for (int i = 0; i < row->n; i++)
      if (row->cells[i] && row->cells[i][0]) blank = false;
    if (!blank) st = import_row(x, &s, row, err);
  }
  sqlite3_reset(x->get);
  review_sheet_free(&sh);
  return st;
}

static relief_status prepare(import_ctx *x) {
  if (sqlite3_exec(x->db,
                   "BEGIN IMMEDIATE;"
                   "CREATE TEMP TABLE IF NOT EXISTS import_seen(item TEXT PRIMARY KEY,"
                   " sheet TEXT NOT NULL, line INTEGER NOT NULL);"
                   "DELETE FROM temp.import_seen;",
                   NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x->db,
                         "SELECT agency, name, dob, cii, subject_id, case_number, d.decision,"
                         " d.notes, d.id FROM items i LEFT JOIN decisions d ON d.id ="
                         " (SELECT MAX(id) FROM decisions WHERE item=i.id) WHERE i.id=?1",
                         -1, &x->get, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x->db, REVIEW_INSERT_DECISION, -1, &x->add, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x->db, "INSERT INTO temp.import_seen VALUES(?1, ?2, ?3)", -1, &x->seen_add,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x->db, "SELECT sheet, line FROM temp.import_seen WHERE item=?1", -1,
                         &x->seen_get, NULL) != SQLITE_OK)
    return RELIEF_E_IO;
  return RELIEF_OK;
}

relief_status review_import(const char *outputs_dir, const char *reviewer, char **sheets,
                            int n_sheets, bool force, long long *n_recorded, relief_error *err) {
  *n_recorded = 0;
  import_ctx x = {.reviewer = reviewer, .force = force, .n_recorded = n_recorded};
  relief_status st = review_store_open(outputs_dir, &x.db, err);
  if (st) return st;
  char now[32];
  review_now(now);
  x.now = now;
  if (prepare(&x)) {
    st = review_sql_error(x.db, REVIEW_STORE_NAME, err);
  } else {
    for (int i = 0; i < n_sheets && !st; i++) st = import_sheet(&x, sheets[i], err);
  }
  if (!st && x.n_stale) {
    buf_putc(&x.stale, 0);
    st = error_set(err, RELIEF_E_DATA, x.stale_path, 0, -1,
                   "stale sheet: %lld item(s) were decided after the sheet was exported: "
                   "%s%s; nothing was recorded: export the sheet again and redo these rows, "
                   "or --force to record them anyway (the override is recorded)",
                   x.n_stale, x.stale.data, x.n_stale > 10 ? ", ..." : "");
  }
  sqlite3_finalize(x.get);
  sqlite3_finalize(x.add);
  sqlite3_finalize(x.seen_add);
  sqlite3_finalize(x.seen_get);
  buf_free(&x.stale);
  if (!st && sqlite3_exec(x.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(x.db, REVIEW_STORE_NAME, err);
  if (st) {
    sqlite3_exec(x.db, "ROLLBACK", NULL, NULL, NULL);
    *n_recorded = 0;
  }
  sqlite3_close(x.db);
  return st;
}
