/*
 * review/list.c — the review screen's store queries: a page of items the
 * SQL filters, sorts and pages (on the `latest` table and the items'
 * indexes), one item with its counts and decision history, and a decision
 * recorded on many items at once, in the audit trail the import writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELIEF_REVIEW_INTERNAL
#include "common/alloc.h"
#include "common/buf.h"
#include "review/review.h"

static const char *text(sqlite3_stmt *q, int col) {
  const char *s = (const char *)sqlite3_column_text(q, col);
  return s ? s : "";
}

static const char *given(const char *s) { return s && *s ? s : NULL; }

static void buf_puts(relief_buf *b, const char *s) { buf_append(b, s, strlen(s)); }

/* The decision a status names ("" pending), or NULL when it names none. */
static const char *status_decision(const char *status) {
  static const char *const names[][2] = {
      {"pending", ""},        {"approved", "Approve"}, {"denied", "Deny"}, {"held", "Hold"},
      {"Approve", "Approve"}, {"Deny", "Deny"},        {"Hold", "Hold"}};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(status, names[i][0])) return names[i][1];
  return NULL;
}

/* The ORDER BY of a sort, or NULL when it names no column. */
static const char *sort_column(const char *sort, bool *desc) {
  static const char *const cols[][2] = {
      {"item", "i.seq"},        {"agency", "i.agency"},     {"name", "i.name"},
      {"dob", "i.dob"},         {"cii", "i.cii"},           {"case", "i.case_number"},
      {"court", "i.court"},     {"proposed", "i.proposed"}, {"kind", "i.kind"},
      {"status", "l.decision"}, {"decision", "l.decision"}, {"counts", "i.counts"}};
  *desc = sort && *sort == '-';
  if (*desc) sort++;
  if (!sort || !*sort) return "i.seq";
  for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
    if (!strcmp(sort, cols[i][0])) return cols[i][1];
  return NULL;
}

#define LIST_FROM                                                                                  \
  " FROM items i LEFT JOIN latest l ON l.item = i.id"                                              \
  " LEFT JOIN decisions d ON d.id = l.decision_id"

/* The WHERE of filter f (and item, when given) into b: only the conditions
 * asked, so an index serves them; parameters ?1..?7 whatever is used. */
static relief_status filter_where(relief_buf *b, const review_filter *f, const char *item,
                                  relief_error *err) {
  buf_puts(b, " WHERE 1");
  if (given(f->account)) buf_puts(b, " AND i.agency = ?1");
  if (given(f->agency)) buf_puts(b, " AND i.agency = ?2");
  if (given(f->status)) {
    const char *d = status_decision(f->status);
    if (!d)
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                       "status must be pending, approved, denied or held");
    buf_puts(b, *d ? " AND l.decision = ?3" : " AND l.decision IS NULL");
  }
  if (given(f->court)) buf_puts(b, " AND i.court = ?4");
  if (given(f->proposed)) buf_puts(b, " AND instr(i.proposed, ?5) > 0");
  if (given(f->q))
    buf_puts(b, " AND (i.id = ?6 OR i.cii = ?6 OR i.subject_id = ?6"
                " OR i.name LIKE ?8 ESCAPE '\\' OR i.case_number LIKE ?8 ESCAPE '\\')");
  if (item) buf_puts(b, " AND i.id = ?7");
  return RELIEF_OK;
}

static void bind_opt(sqlite3_stmt *q, int at, const char *v) {
  if (given(v)) sqlite3_bind_text(q, at, v, -1, SQLITE_TRANSIENT);
}

static void filter_bind(sqlite3_stmt *q, const review_filter *f, const char *item) {
  bind_opt(q, 1, f->account);
  bind_opt(q, 2, f->agency);
  if (given(f->status)) bind_opt(q, 3, status_decision(f->status));
  bind_opt(q, 4, f->court);
  bind_opt(q, 5, f->proposed);
  bind_opt(q, 6, f->q);
  bind_opt(q, 7, item);
  if (given(f->q)) { /* a part of the name or case number, any case: %q% with % _ \ escaped */
    size_t n = strlen(f->q);
    char *like = xmalloc(2 * n + 3), *o = like;
    *o++ = '%';
    for (const char *p = f->q; *p; p++) {
      if (*p == '%' || *p == '_' || *p == '\\') *o++ = '\\';
      *o++ = *p;
    }
    *o++ = '%';
    *o = '\0';
    sqlite3_bind_text(q, 8, like, -1, free);
  }
}

/* Prepares "SELECT cols FROM ... WHERE filter tail" into *q. */
static relief_status prepare_filtered(sqlite3 *db, const char *cols, const review_filter *f,
                                      const char *item, const char *tail, sqlite3_stmt **q,
                                      relief_error *err) {
  relief_buf b = {0};
  buf_puts(&b, "SELECT ");
  buf_puts(&b, cols);
  buf_puts(&b, LIST_FROM);
  relief_status st = filter_where(&b, f, item, err);
  if (!st && tail) buf_puts(&b, tail);
  buf_putc(&b, '\0');
  if (!st && sqlite3_prepare_v2(db, b.data, -1, q, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (!st) filter_bind(*q, f, item);
  buf_free(&b);
  return st;
}

#define LIST_COLS                                                                                  \
  "i.id, i.agency, i.kind, i.name, i.dob, i.cii, i.case_number, i.counts, i.proposed,"             \
  " i.reason, d.decision, d.notes, d.reviewer, i.subject_id, i.court, d.decided_at"

static void counts_free(review_count *c, int n) {
  for (int i = 0; i < n; i++) {
    const char *all[] = {c[i].cnt_order, c[i].section, c[i].offense,  c[i].date,
                         c[i].level,     c[i].court,   c[i].proposed, c[i].reason};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) free((char *)all[k]);
  }
  free(c);
}

/* Calls fn for each row of q, with its counts read through cq. */
static relief_status list_rows(sqlite3 *db, sqlite3_stmt *q, sqlite3_stmt *cq, review_list_fn fn,
                               void *user, relief_error *err) {
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    review_list_item it = {.item = {text(q, 0), text(q, 1), text(q, 2), text(q, 3), text(q, 4),
                                    text(q, 5), text(q, 6), text(q, 7), text(q, 8), text(q, 9),
                                    text(q, 10), text(q, 11), text(q, 12)},
                           .subject_id = text(q, 13),
                           .court = text(q, 14),
                           .decided_at = text(q, 15)};
    review_count *counts = NULL;
    int n = 0, crc;
    sqlite3_reset(cq);
    sqlite3_bind_text(cq, 1, text(q, 0), -1, SQLITE_TRANSIENT);
    while ((crc = sqlite3_step(cq)) == SQLITE_ROW) {
      counts = xrealloc(counts, (size_t)(n + 1) * sizeof *counts);
      counts[n++] = (review_count){xstrdup(text(cq, 0)), xstrdup(text(cq, 1)), xstrdup(text(cq, 2)),
                                   xstrdup(text(cq, 3)), xstrdup(text(cq, 4)), xstrdup(text(cq, 5)),
                                   xstrdup(text(cq, 6)), xstrdup(text(cq, 7))};
    }
    it.counts = counts;
    it.n_counts = n;
    if (crc == SQLITE_DONE) fn(user, &it);
    counts_free(counts, n);
    if (crc != SQLITE_DONE) return review_sql_error(db, REVIEW_STORE_NAME, err);
  }
  return rc == SQLITE_DONE ? RELIEF_OK : review_sql_error(db, REVIEW_STORE_NAME, err);
}

static relief_status prepare_counts(sqlite3 *db, sqlite3_stmt **cq, relief_error *err) {
  if (sqlite3_prepare_v2(db,
                         "SELECT cnt_order, section, offense, date, level, court, proposed, reason"
                         " FROM counts WHERE item = ?1 ORDER BY n",
                         -1, cq, NULL) != SQLITE_OK)
    return review_sql_error(db, REVIEW_STORE_NAME, err);
  return RELIEF_OK;
}

relief_status review_list(const char *outputs_dir, const review_query *qy, long long *total,
                          review_list_fn fn, void *user, relief_error *err) {
  *total = 0;
  bool desc;
  const char *order = sort_column(qy->sort, &desc);
  if (!order)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "sort must be one of item, agency, name, dob, cii, case, court, proposed, "
                     "kind, status (with '-' before it for descending)");
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *n = NULL, *q = NULL, *cq = NULL;
  char tail[160];
  snprintf(tail, sizeof tail, " ORDER BY %s%s, i.seq%s LIMIT %lld OFFSET %lld", order,
           desc ? " DESC" : "", desc ? " DESC" : "", qy->limit, qy->offset);
  st = prepare_filtered(db, "COUNT(*)", &qy->filter, NULL, NULL, &n, err);
  if (!st && sqlite3_step(n) == SQLITE_ROW) *total = sqlite3_column_int64(n, 0);
  if (!st) st = prepare_filtered(db, LIST_COLS, &qy->filter, NULL, tail, &q, err);
  if (!st) st = prepare_counts(db, &cq, err);
  if (!st) st = list_rows(db, q, cq, fn, user, err);
  sqlite3_finalize(n);
  sqlite3_finalize(q);
  sqlite3_finalize(cq);
  sqlite3_close(db);
  return st;
}

/* The first column of each row of sql (?1 bound to account when given). */
static relief_status column_list(sqlite3 *db, const char *sql, const char *account, char ***out,
                                 int *n, relief_error *err) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    return review_sql_error(db, REVIEW_STORE_NAME, err);
  bind_opt(q, 1, account);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
    (*out)[(*n)++] = xstrdup(text(q, 0));
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? RELIEF_OK : review_sql_error(db, REVIEW_STORE_NAME, err);
}

relief_status review_list_facets(const char *outputs_dir, const char *account, review_facets *out,
                                 relief_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  bool mine = given(account) != NULL;
  sqlite3_stmt *q = NULL;
  char sql[256];
  /* the items, then their latest decisions (an item without one is pending) */
  snprintf(
      sql, sizeof sql,
      "SELECT NULL, COUNT(*) FROM items%s UNION ALL SELECT l.decision, COUNT(*) FROM latest l%s"
      " GROUP BY l.decision",
      mine ? " WHERE agency = ?1" : "",
      mine ? " JOIN items i ON i.id = l.item WHERE i.agency = ?1" : "");
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else {
    bind_opt(q, 1, account);
    while (sqlite3_step(q) == SQLITE_ROW) {
      const char *d = (const char *)sqlite3_column_text(q, 0);
      long long c = sqlite3_column_int64(q, 1);
      *(!d                      ? &out->counts.items
        : !strcmp(d, "Approve") ? &out->counts.approved
        : !strcmp(d, "Deny")    ? &out->counts.denied
                                : &out->counts.held) += c;
    }
    out->counts.pending =
        out->counts.items - out->counts.approved - out->counts.denied - out->counts.held;
  }
  sqlite3_finalize(q);
  const char *where = mine ? " WHERE agency = ?1" : "";
  snprintf(sql, sizeof sql, "SELECT DISTINCT agency FROM items%s ORDER BY 1", where);
  if (!st) st = column_list(db, sql, account, &out->agencies, &out->n_agencies, err);
  snprintf(sql, sizeof sql, "SELECT DISTINCT court FROM items%s ORDER BY 1", where);
  if (!st) st = column_list(db, sql, account, &out->courts, &out->n_courts, err);
  sqlite3_close(db);
  if (st) review_facets_free(out);
  return st;
}

void review_facets_free(review_facets *f) {
  for (int i = 0; i < f->n_agencies; i++) free(f->agencies[i]);
  for (int i = 0; i < f->n_courts; i++) free(f->courts[i]);
  free(f->agencies);
  free(f->courts);
  memset(f, 0, sizeof *f);
}

static relief_status history(sqlite3 *db, const char *item, review_history_fn fn, void *user,
                             relief_error *err) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT decision, notes, previous_decision, previous_notes, reviewer,"
                         " decided_at, sheet, override FROM decisions WHERE item = ?1 ORDER BY id",
                         -1, &q, NULL) != SQLITE_OK)
    return review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_bind_text(q, 1, item, -1, SQLITE_TRANSIENT);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    review_history_entry e = {text(q, 0), text(q, 1), text(q, 2), text(q, 3),
                              text(q, 4), text(q, 5), text(q, 6), text(q, 7)};
    fn(user, &e);
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? RELIEF_OK : review_sql_error(db, REVIEW_STORE_NAME, err);
}

/* Counts the rows fn is called for. */
typedef struct {
  review_list_fn fn;
  void *user;
  int n;
} found_ctx;
static void found_one(void *user, const review_list_item *it) {
  found_ctx *f = user;
  f->n++;
  f->fn(f->user, it);
}

relief_status review_item_detail(const char *outputs_dir, const char *item, const char *account,
                                 review_list_fn item_fn, review_history_fn history_fn, void *user,
                                 relief_error *err) {
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL, *cq = NULL;
  review_filter f = {.account = account};
  found_ctx found = {item_fn, user, 0};
  st = prepare_filtered(db, LIST_COLS, &f, item, NULL, &q, err);
  if (!st) st = prepare_counts(db, &cq, err);
  if (!st) st = list_rows(db, q, cq, found_one, &found, err);
  if (!st && !found.n) st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "no such review item");
  if (!st) st = history(db, item, history_fn, user, err);
  sqlite3_finalize(q);
  sqlite3_finalize(cq);
  sqlite3_close(db);
  return st;
}

/* ---- bulk decisions ---- */

/* The ids filter takes, in item order. */
static relief_status filtered_ids(sqlite3 *db, const review_filter *f, char ***ids, size_t *n,
                                  relief_error *err) {
  sqlite3_stmt *q = NULL;
  relief_status st = prepare_filtered(db, "i.id", f, NULL, " ORDER BY i.seq", &q, err);
  int rc = SQLITE_DONE;
  size_t cap = 0;
  while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (*n == cap) *ids = xrealloc(*ids, (cap = cap ? cap * 2 : 256) * sizeof **ids);
    (*ids)[(*n)++] = xstrdup(text(q, 0));
  }
  if (!st && rc != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_finalize(q);
  return st;
}

/* Appends the decision on item through get (its agency and latest
 * decision) and add (REVIEW_INSERT_DECISION), the rest bound already. */
static relief_status decide_one(sqlite3 *db, sqlite3_stmt *get, sqlite3_stmt *add, const char *item,
                                const char *account, relief_error *err) {
  sqlite3_reset(get);
  sqlite3_reset(add);
  sqlite3_bind_text(get, 1, item, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(get);
  if (rc == SQLITE_DONE || (rc == SQLITE_ROW && given(account) && strcmp(text(get, 0), account)))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "no such review item: %.40s", item);
  if (rc != SQLITE_ROW) return review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_bind_text(add, 1, item, -1, SQLITE_TRANSIENT);
  if (sqlite3_column_type(get, 1) == SQLITE_NULL) {
    sqlite3_bind_null(add, 4);
    sqlite3_bind_null(add, 5);
  } else {
    sqlite3_bind_text(add, 4, text(get, 1), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(add, 5, text(get, 2), -1, SQLITE_TRANSIENT);
  }
  if (sqlite3_step(add) != SQLITE_DONE) return review_sql_error(db, REVIEW_STORE_NAME, err);
  return RELIEF_OK;
}

static relief_status decide_all(sqlite3 *db, char **ids, size_t n, const char *account,
                                const char *decision, const char *notes, const char *reviewer,
                                relief_error *err) {
  char now[32];
  review_now(now);
  sqlite3_stmt *get = NULL, *add = NULL;
  relief_status st = RELIEF_OK;
  if (sqlite3_prepare_v2(db,
                         "SELECT i.agency, d.decision, d.notes FROM items i LEFT JOIN latest l"
                         " ON l.item = i.id LEFT JOIN decisions d ON d.id = l.decision_id"
                         " WHERE i.id = ?1",
                         -1, &get, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, REVIEW_INSERT_DECISION, -1, &add, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (!st) {
    sqlite3_bind_text(add, 2, decision, -1, SQLITE_STATIC);
    sqlite3_bind_text(add, 3, notes, -1, SQLITE_STATIC);
    sqlite3_bind_text(add, 6, reviewer, -1, SQLITE_STATIC);
    sqlite3_bind_text(add, 7, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(add, 8, "web", -1, SQLITE_STATIC); /* decided on the page */
  }
  for (size_t i = 0; !st && i < n; i++) st = decide_one(db, get, add, ids[i], account, err);
  sqlite3_finalize(get);
  sqlite3_finalize(add);
  return st;
}

static bool blank(const char *s) {
  for (; s && *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
  return true;
}

relief_status review_decide_bulk(const char *outputs_dir, const review_filter *filter, char **items,
                                 size_t n, const char *decision, const char *notes,
                                 const char *reviewer, long long *n_decided, relief_error *err) {
  *n_decided = 0;
  if (strcmp(decision, "Approve") && strcmp(decision, "Deny") && strcmp(decision, "Hold"))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "decision must be Approve, Deny or Hold");
  if (!strcmp(decision, "Deny") && blank(notes))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "a Deny needs its reason in notes (the public defender is told its "
                     "grounds)");
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  char **ids = NULL;
  size_t n_ids = 0;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (!st && !items) st = filtered_ids(db, filter, &ids, &n_ids, err);
  if (!st)
    st = items ? decide_all(db, items, n, filter->account, decision, notes, reviewer, err)
               : decide_all(db, ids, n_ids, filter->account, decision, notes, reviewer, err);
  if (!st && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (st) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  if (!st) *n_decided = items ? (long long)n : (long long)n_ids;
  for (size_t i = 0; i < n_ids; i++) free(ids[i]);
  free(ids);
  sqlite3_close(db);
  return st;
}

relief_status review_person_of_agency(const char *outputs_dir, const char *agency,
                                      const char *person, bool *yes, relief_error *err) {
  *yes = false;
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT 1 FROM items WHERE agency = ?1 AND (subject_id = ?2 OR cii = ?2)"
                         " LIMIT 1",
                         -1, &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else {
    sqlite3_bind_text(q, 1, agency, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, person, -1, SQLITE_TRANSIENT);
    *yes = sqlite3_step(q) == SQLITE_ROW;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}
