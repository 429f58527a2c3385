/*
 * queue.c — the review queue one item at a time, for `relief serve`: record
 * a decision with notes and the reviewer, appended to the same audit trail
 * the sheet import writes (sheet "web"). The list is review/list.c's.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RELIEF_REVIEW_INTERNAL
#include "review/review.h"

static const char *text(sqlite3_stmt *q, int col) {
  const char *s = (const char *)sqlite3_column_text(q, col);
  return s ? s : "";
}

relief_status review_decide(const char *outputs_dir, const char *item, const char *agency,
                            const char *decision, const char *notes, const char *reviewer,
                            relief_error *err) {
  if (strcmp(decision, "Approve") && strcmp(decision, "Deny") && strcmp(decision, "Hold"))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "decision must be Approve, Deny or Hold");
  /* a Deny is a challenge: the law expects its grounds, as import does */
  if (!strcmp(decision, "Deny") && (!notes || !notes[strspn(notes, " \t\r\n")]))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "a Deny needs its reason in notes (the public defender is told its "
                     "grounds)");
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  char now[32];
  review_now(now);
  sqlite3_stmt *get = NULL, *add = NULL;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "SELECT i.agency, d.decision, d.notes FROM items i LEFT JOIN decisions d"
                         " ON d.id = (SELECT MAX(id) FROM decisions WHERE item=i.id) WHERE i.id=?1",
                         -1, &get, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, REVIEW_INSERT_DECISION, -1, &add, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else {
    sqlite3_bind_text(get, 1, item, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(get);
    if (rc == SQLITE_ROW && (!agency || !strcmp(text(get, 0), agency))) {
      sqlite3_bind_text(add, 1, item, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(add, 2, decision, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(add, 3, notes ? notes : "", -1, SQLITE_TRANSIENT);
      if (sqlite3_column_type(get, 1) == SQLITE_NULL) {
        sqlite3_bind_null(add, 4);
        sqlite3_bind_null(add, 5);
      } else {
        sqlite3_bind_text(add, 4, text(get, 1), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(add, 5, text(get, 2), -1, SQLITE_TRANSIENT);
      }
      sqlite3_bind_text(add, 6, reviewer, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(add, 7, now, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(add, 8, "web", -1, SQLITE_STATIC); /* decided on the page */
      if (sqlite3_step(add) != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) { /* another agency's item is not shown */
      st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "no such review item");
    } else {
      st = review_sql_error(db, REVIEW_STORE_NAME, err);
    }
  }
  sqlite3_finalize(get);
  sqlite3_finalize(add);
  if (!st && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (st) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(db);
  return st;
}
