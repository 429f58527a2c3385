/*
 * export.c — one review sheet per agency, named after the agency (letters,
 * digits, '-' and '_' kept). CSV: Go-style quoting; free-text cells (Agency,
 * Name, Counts, Proposed Relief, Reason, Notes) that start with = + - @ TAB
 * or CR get a leading apostrophe so a spreadsheet never runs them as a
 * formula (import removes it again); identifier cells (Item, Date of Birth,
 * CII, Subject ID, Case Number) and Decision are written as they are;
 * dates as MM/DD/YYYY. The last column, Revision, is the store's revision
 * at export (read-only: import uses it to refuse a stale sheet).
 * XLSX (libxlsxwriter): every cell a text cell (so 101002001000 stays that,
 * never 1.01E+11), header row frozen, autofilter. Each sheet is written
 * under a temporary name, mode 0600, and renamed into place.
 */
#define RELIEF_REVIEW_INTERNAL
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "common/alloc.h"
#include "common/text.h"
#include "io/publish.h"
#include "io/read_small.h"
#include "output/output.h"
#include "review/review.h"

#define ITEM_QUERY                                                                                 \
  "SELECT id, agency, name, dob, cii, subject_id, case_number, counts, proposed, reason,"          \
  " (SELECT decision FROM decisions WHERE item=i.id ORDER BY id DESC LIMIT 1),"                    \
  " (SELECT notes FROM decisions WHERE item=i.id ORDER BY id DESC LIMIT 1), ?2"                    \
  " FROM items i WHERE agency=?1 ORDER BY seq"

static const char *cell(sqlite3_stmt *q, int col) {
  const char *v = (const char *)sqlite3_column_text(q, col);
  return v ? v : "";
}

void review_sheet_date(const char *d, char out[16]) {
  bool digits = strlen(d) == 8;
  for (int i = 0; digits && i < 8; i++) digits = d[i] >= '0' && d[i] <= '9';
  if (digits)
    snprintf(out, 16, "%.2s/%.2s/%.4s", d + 4, d + 6, d);
  else
    snprintf(out, 16, "%.15s", d);
}

/* A sheet cell: dates as MM/DD/YYYY, everything else as stored. */
static const char *sheet_value(sqlite3_stmt *q, int col, char date[16]) {
  const char *v = cell(q, col);
  if (col != RV_COL_DOB || strlen(v) != 8) return v;
  review_sheet_date(v, date);
  return date;
}

/* The item query for one agency, with the store's revision as its last column. */
static int prepare_items(sqlite3 *db, const char *agency, sqlite3_stmt **q) {
  if (sqlite3_prepare_v2(db, ITEM_QUERY, -1, q, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_text(*q, 1, agency, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(*q, 2, review_store_revision(db));
  return 0;
}

/* v as UTF-8: a store made before init converted (or edited by hand) may
 * hold the extract's Windows-1252 bytes, which no sheet may carry. */
static const char *utf8_value(const char *v, char **owned) {
  *owned = NULL;
  if (text_is_utf8(v, strlen(v))) return v;
  return *owned = text_to_utf8(v, strlen(v), NULL);
}

static relief_status write_csv(sqlite3 *db, const char *agency, publication *pub, const char *name,
                               relief_error *err) {
  relief_buf b = {0};
  for (int c = 0; c < RV_COL_COUNT; c++) {
    if (c) buf_putc(&b, ',');
    csv_append(&b, review_sheet_columns[c], strlen(review_sheet_columns[c]));
  }
  buf_putc(&b, '\n');
  sqlite3_stmt *q = NULL;
  if (prepare_items(db, agency, &q)) {
    sqlite3_finalize(q);
    buf_free(&b);
    return review_sql_error(db, REVIEW_STORE_NAME, err);
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    for (int c = 0; c < RV_COL_COUNT; c++) {
      char date[16], *owned;
      const char *v = utf8_value(sheet_value(q, c, date), &owned);
      if (c) buf_putc(&b, ',');
      if (review_column_free_text(c) && review_cell_needs_guard(v)) {
        relief_buf g = {0};
        buf_putc(&g, '\'');
        buf_append(&g, v, strlen(v));
        csv_append(&b, g.data, g.len);
        buf_free(&g);
      } else {
        csv_append(&b, v, strlen(v));
      }
      free(owned);
    }
    buf_putc(&b, '\n');
  }
  relief_status st = RELIEF_OK;
  if (rc != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_finalize(q);
  if (!st) st = publication_write_file(pub, name, b.data ? b.data : "", b.len, err);
  buf_free(&b);
  return st;
}

static relief_status write_xlsx(sqlite3 *db, const char *agency, const char *dir, publication *pub,
                                const char *path, relief_error *err) {
  /* libxlsxwriter writes only by file name: give it a private (0700) folder
   * of our own beside the destination, then publish its bytes like every
   * other output. */
  char priv[4096], inner[4200];
  snprintf(priv, sizeof priv, "%s/.review-export.XXXXXX", dir);
  if (!mkdtemp(priv))
    return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot create a temporary folder: %s",
                     strerror(errno));
  snprintf(inner, sizeof inner, "%s/sheet.xlsx", priv);
  relief_status st = RELIEF_OK;
  lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = priv};
  lxw_workbook *wb = workbook_new_opt(inner, &opt);
  if (!wb) {
    rmdir(priv);
    return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot create the workbook");
  }
  char sheet_name[32];
  snprintf(sheet_name, sizeof sheet_name, "Review");
  lxw_worksheet *ws = workbook_add_worksheet(wb, sheet_name);
  lxw_format *head = workbook_add_format(wb);
  format_set_bold(head);
  lxw_format *text = workbook_add_format(wb);
  format_set_num_format(text, "@");
  for (int c = 0; c < RV_COL_COUNT; c++) {
    worksheet_write_string(ws, 0, (lxw_col_t)c, review_sheet_columns[c], head);
    double width = c == RV_COL_REASON || c == RV_COL_NOTES ? 40 : c == RV_COL_NAME ? 24 : 16;
    worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width, text);
  }
  sqlite3_stmt *q = NULL;
  lxw_row_t row = 0;
  if (prepare_items(db, agency, &q)) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else {
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      row++;
      for (int c = 0; c < RV_COL_COUNT; c++) {
        char date[16], *owned;
        const char *v = utf8_value(sheet_value(q, c, date), &owned);
        if (*v) worksheet_write_string(ws, row, (lxw_col_t)c, v, text);
        free(owned);
      }
    }
    if (rc != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  }
  sqlite3_finalize(q);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_autofilter(ws, 0, 0, row, RV_COL_COUNT - 1);
  static char approve[] = "Approve", deny[] = "Deny", hold[] = "Hold";
  static char *choices[] = {approve, deny, hold, NULL};
  lxw_data_validation dv = {.validate = LXW_VALIDATION_TYPE_LIST,
                            .value_list = choices,
                            .ignore_blank = LXW_VALIDATION_ON};
  if (row) worksheet_data_validation_range(ws, 1, RV_COL_DECISION, row, RV_COL_DECISION, &dv);
  lxw_error e = workbook_close(wb);
  if (!st && e != LXW_NO_ERROR)
    st = error_set(err, RELIEF_E_IO, path, 0, -1, "cannot write the workbook: %s", lxw_strerror(e));
  if (!st) {
    /* the workbook libxlsxwriter made in our private folder, read whole */
    char *bytes = NULL;
    size_t len = 0;
    st = read_small_file(inner, (size_t)1 << 31, "workbook", RELIEF_E_IO, &bytes, &len, err);
    if (!st) st = publication_write_file(pub, path, bytes, len, err);
    free(bytes);
  }
  unlink(inner);
  rmdir(priv);
  return st;
}

relief_status review_export(const char *outputs_dir, const char *to_dir, const char *format,
                            const char *agency, int *n_sheets, relief_error *err) {
  *n_sheets = 0;
  bool xlsx;
  if (!strcmp(format, "csv"))
    xlsx = false;
  else if (!strcmp(format, "xlsx"))
    xlsx = true;
  else
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "--format must be csv or xlsx");
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  publication *pub;
  if ((st = publication_begin(to_dir, &pub, err))) {
    sqlite3_close(db);
    return st;
  }
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT agency FROM items WHERE ?1 IS NULL OR agency=?1"
                         " GROUP BY agency ORDER BY MIN(seq)",
                         -1, &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
    sqlite3_close(db);
    return st;
  }
  if (agency) sqlite3_bind_text(q, 1, agency, -1, SQLITE_TRANSIENT);
  int rc;
  char **names = NULL;
  int n = 0;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    names = xrealloc(names, (size_t)(n + 1) * sizeof *names);
    names[n++] = xstrdup((const char *)sqlite3_column_text(q, 0));
  }
  if (rc != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_finalize(q);
  if (!st && agency && !n)
    st =
        error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "--agency: no items are routed to that agency");
  /* two agencies that sanitise to the same file name would overwrite */
  for (int i = 0; !st && i < n; i++)
    for (int k = 0; k < i; k++) {
      char a[256], b[256];
      review_sanitize_name(names[i], a, sizeof a);
      review_sanitize_name(names[k], b, sizeof b);
      if (!strcmp(a, b)) {
        st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                       "two agencies give the same sheet name '%s'", a);
        break;
      }
    }
  for (int i = 0; !st && i < n; i++) {
    char base[256], name[300];
    review_sanitize_name(names[i], base, sizeof base);
    snprintf(name, sizeof name, "%s.%s", base, xlsx ? "xlsx" : "csv");
    st = xlsx ? write_xlsx(db, names[i], to_dir, pub, name, err)
              : write_csv(db, names[i], pub, name, err);
    if (!st) (*n_sheets)++;
  }
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
  sqlite3_close(db);
  if (!st) return publication_commit(pub, NULL, 0, err);
  publication_abort(pub);
  return st;
}
