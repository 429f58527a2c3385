/*
 * store.c — OUTPUTS/review.sqlite: items built from a bundle and an
 * append-only decisions table (each row: item, decision, notes, the
 * previous decision and notes, reviewer, UTC time, sheet). An item's
 * current decision is its latest row; nothing is updated or deleted.
 * The store is made under a temporary name (mode 0600) and renamed into
 * place; it is opened without following symlinks.
 */
#define RELIEF_REVIEW_INTERNAL
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "io/input.h"
#include "io/read_small.h"
#include "rules/rules.h"
#include "common/alloc.h"
#include "common/text.h"
#include "filings/filings.h"
#include "review/review.h"

const char *const review_sheet_columns[RV_COL_COUNT] = {
    "Item",   "Agency",          "Name",   "Date of Birth", "CII",   "Subject ID", "Case Number",
    "Counts", "Proposed Relief", "Reason", "Decision",      "Notes", "Revision",
};

bool review_column_free_text(int col) {
  return col == RV_COL_AGENCY || col == RV_COL_NAME || col == RV_COL_COUNTS ||
         col == RV_COL_PROPOSED || col == RV_COL_REASON || col == RV_COL_NOTES;
}

static const char schema[] =
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE items(id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,"
    " kind TEXT NOT NULL CHECK(kind IN ('relief','hand_review')),"
    " person TEXT NOT NULL, case_key TEXT NOT NULL, agency TEXT NOT NULL,"
    " name TEXT NOT NULL, dob TEXT NOT NULL, cii TEXT NOT NULL, subject_id TEXT NOT NULL,"
    " case_number TEXT NOT NULL, counts TEXT NOT NULL, proposed TEXT NOT NULL,"
    " reason TEXT NOT NULL, court TEXT NOT NULL, felony INTEGER NOT NULL, section TEXT NOT NULL);"
    "CREATE INDEX items_case ON items(kind, person, case_key);"
    /* each count of an item, as the reviewer verifies it */
    "CREATE TABLE counts(item TEXT NOT NULL REFERENCES items(id), n INTEGER NOT NULL,"
    " cnt_order TEXT NOT NULL, section TEXT NOT NULL, offense TEXT NOT NULL, date TEXT NOT NULL,"
    " level TEXT NOT NULL, court TEXT NOT NULL, proposed TEXT NOT NULL, reason TEXT NOT NULL,"
    " PRIMARY KEY(item, n)) WITHOUT ROWID;"
    "CREATE TABLE decisions(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " item TEXT NOT NULL REFERENCES items(id),"
    " decision TEXT NOT NULL CHECK(decision IN ('Approve','Deny','Hold')),"
    " notes TEXT NOT NULL, previous_decision TEXT, previous_notes TEXT,"
    " reviewer TEXT NOT NULL, decided_at TEXT NOT NULL, sheet TEXT NOT NULL);"
    "CREATE INDEX decisions_item ON decisions(item, id);"
    /* the audit trail is append-only */
    "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions"
    " BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;"
    "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions"
    " BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;";

relief_status review_sql_error(sqlite3 *db, const char *path, relief_error *err) {
  return error_set(err, RELIEF_E_IO, path, 0, -1, "review store: %s",
                   db ? sqlite3_errmsg(db) : "out of memory");
}

static void store_path(const char *dir, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", dir, REVIEW_STORE_NAME);
}

bool review_store_exists(const char *outputs_dir) {
  char path[4096];
  store_path(outputs_dir, path, sizeof path);
  struct stat st;
  return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void review_now(char out[32]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

relief_status review_store_open(const char *outputs_dir, sqlite3 **db, relief_error *err) {
  char path[4096];
  store_path(outputs_dir, path, sizeof path);
  *db = NULL;
  struct stat st;
  if (lstat(path, &st) != 0)
    return error_set(err, RELIEF_E_USAGE, path, 0, -1,
                     "no review store: run `relief review init` first");
  if (!S_ISREG(st.st_mode))
    return error_set(err, RELIEF_E_IO, path, 0, -1, "review store is not a regular file");
  if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
    relief_status s = review_sql_error(*db, path, err);
    sqlite3_close(*db);
    *db = NULL;
    return s;
  }
  sqlite3_busy_timeout(*db, 5000);
  sqlite3_exec(*db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
  relief_status s = review_store_migrate(*db, path, err);
  if (s) {
    sqlite3_close(*db);
    *db = NULL;
  }
  return s;
}

/* ---- revisions: the stale-sheet guard (schema format 2) ---- */

/* Format 1 stores (no revision) are brought up to format 2 when opened:
 * meta 'revision' is the store's revision, bumped by a trigger to the id
 * of every decision appended (AUTOINCREMENT: ids only grow), so an item
 * "decided after revision R" has a decision with id > R; decisions gain
 * an `override` column (why a stale sheet was recorded anyway). */
/* Whether the query's first step gives a row; -1 when it cannot run. */
static int store_has(sqlite3 *db, const char *sql) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) return -1;
  int has = sqlite3_step(q) == SQLITE_ROW;
  sqlite3_finalize(q);
  return has;
}

static relief_status migrate_exec(sqlite3 *db, const char *sql, const char *path,
                                  relief_error *err) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK) return RELIEF_OK;
  relief_status s = review_sql_error(db, path, err);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return s;
}

/* The review screen's paging (format 3): `latest`, each item's latest
 * decision, kept by a trigger as decisions are appended, so a page filters
 * and sorts on decisions through an index; items indexed by agency, court,
 * name and case number; `counts` (empty in a store made before it: items keep their
 * sections). Idempotent. */
static relief_status migrate_latest(sqlite3 *db, const char *path, relief_error *err) {
  int has = store_has(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='latest'");
  if (has < 0) return review_sql_error(db, path, err);
  if (has) return RELIEF_OK;
  static const char migrate[] =
      "BEGIN IMMEDIATE;"
      "CREATE TABLE IF NOT EXISTS latest(item TEXT PRIMARY KEY REFERENCES items(id),"
      " decision_id INTEGER NOT NULL, decision TEXT NOT NULL);"
      "INSERT OR REPLACE INTO latest SELECT item, MAX(id), decision FROM decisions GROUP BY item;"
      "CREATE INDEX IF NOT EXISTS latest_decision ON latest(decision);"
      "CREATE TRIGGER IF NOT EXISTS decisions_latest AFTER INSERT ON decisions BEGIN"
      " INSERT OR REPLACE INTO latest VALUES(NEW.item, NEW.id, NEW.decision); END;"
      "CREATE INDEX IF NOT EXISTS items_agency ON items(agency, seq);"
      "CREATE INDEX IF NOT EXISTS items_court ON items(court, seq);"
      "CREATE INDEX IF NOT EXISTS items_name ON items(name, seq);"
      "CREATE INDEX IF NOT EXISTS items_number ON items(case_number, seq);"
      "CREATE TABLE IF NOT EXISTS counts(item TEXT NOT NULL REFERENCES items(id),"
      " n INTEGER NOT NULL, cnt_order TEXT NOT NULL, section TEXT NOT NULL,"
      " offense TEXT NOT NULL, date TEXT NOT NULL, level TEXT NOT NULL, court TEXT NOT NULL,"
      " proposed TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(item, n)) WITHOUT ROWID;"
      "INSERT OR REPLACE INTO meta VALUES('format', 'relief-review 3');"
      "COMMIT;"
      "ANALYZE;"; /* the planner's statistics: DISTINCT skips ahead, sorts walk an index */
  return migrate_exec(db, migrate, path, err);
}

relief_status review_store_migrate(sqlite3 *db, const char *path, relief_error *err) {
  int has_override =
      store_has(db, "SELECT 1 FROM pragma_table_info('decisions') WHERE name='override'");
  if (has_override < 0) return review_sql_error(db, path, err);
  if (has_override) return migrate_latest(db, path, err);
  static const char migrate[] =
      "BEGIN IMMEDIATE;"
      "ALTER TABLE decisions ADD COLUMN override TEXT;"
      "INSERT OR REPLACE INTO meta VALUES('revision',"
      " (SELECT COALESCE(MAX(id), 0) FROM decisions));"
      "INSERT OR REPLACE INTO meta VALUES('format', 'relief-review 2');"
      "CREATE TRIGGER IF NOT EXISTS decisions_revision AFTER INSERT ON decisions"
      " BEGIN UPDATE meta SET value = NEW.id WHERE key = 'revision'; END;"
      "COMMIT;";
  relief_status st = migrate_exec(db, migrate, path, err);
  return st ? st : migrate_latest(db, path, err);
}

long long review_store_revision(sqlite3 *db) {
  sqlite3_stmt *q = NULL;
  long long rev = 0;
  if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key='revision'", -1, &q,
                         NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    rev = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return rev;
}

/* ---- end of revisions ---- */

/* ---- init ---- */

typedef struct {
  int subject, cii, name, dob, cnt_order, ori, offense, comment, conv_stat, toc, case_number,
      determination, reason, disp_date;
} bundle_cols;

static int col_index(review_csv_reader *r, const char *name) {
  for (int i = 0; i < r->n_fields; i++)
    if (!strcmp(r->fields[i], name)) return i;
  return -1;
}

static relief_status header_cols(review_csv_reader *r, const char *path, bundle_cols *c,
                                 relief_error *err) {
  struct {
    int *slot;
    const char *name;
  } want[] = {{&c->subject, "SUBJECT_ID"},
              {&c->cii, "CII_NUMBER"},
              {&c->name, "PRI_NAME"},
              {&c->dob, "PRI_DOB"},
              {&c->cnt_order, "CNT_ORDER"},
              {&c->ori, "STP_ORI_DESCR"},
              {&c->offense, "OFFENSE_DESCR"},
              {&c->comment, "COMMENT_TEXT"},
              {&c->conv_stat, "CONV_STAT_DESCR"},
              {&c->toc, "OFFENSE_TOC"},
              {&c->case_number, "Case Number"},
              {&c->determination, "Eligibility Determination"},
              {&c->reason, "Eligibility Reason"},
              {&c->disp_date, "STP_EVENT_DATE"}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    *want[i].slot = col_index(r, want[i].name);
    if (*want[i].slot < 0)
      return error_set(err, RELIEF_E_DATA, path, 1, -1, "missing column '%s'", want[i].name);
  }
  return RELIEF_OK;
}

typedef struct {
  sqlite3 *db;
  sqlite3_stmt *find, *insert, *update, *count;
  const review_routing *rt;
  long long seq;
} init_ctx;

/* Appends `add` to a "; "-joined list unless already there. */
static char *join_unique(const char *list, const char *add) {
  if (!*add) return xstrdup(list);
  if (!*list) return xstrdup(add);
  size_t n = strlen(add);
  for (const char *p = list; (p = strstr(p, add)); p++)
    if ((p == list || (p >= list + 2 && p[-2] == ';')) && (p[n] == 0 || p[n] == ';'))
      return xstrdup(list);
  char *out = xmalloc(strlen(list) + n + 3);
  sprintf(out, "%s; %s", list, add);
  return out;
}

/* The level of a count as a reviewer reads it. */
static const char *count_level(bool felony, const char *conv_stat, const char *toc) {
  if (felony) return "felony";
  if (!strcmp(conv_stat, "MISDEMEANOR") || (!*conv_stat && !strcmp(toc, "M"))) return "misdemeanor";
  if (!strcmp(conv_stat, "INFRACTION") || (!*conv_stat && !strcmp(toc, "I"))) return "infraction";
  return "";
}

/* Keeps one count of item id (its section sec, reason as reviewed). */
static relief_status add_count(init_ctx *x, const char *id, char **f, const bundle_cols *c,
                               const char *sec, bool felony, const char *reason, const char *path,
                               relief_error *err) {
  sqlite3_stmt *s = x->count;
  sqlite3_reset(s);
  const char *vals[] = {id,
                        f[c->cnt_order],
                        sec,
                        f[c->offense],
                        f[c->disp_date],
                        count_level(felony, f[c->conv_stat], f[c->toc]),
                        f[c->ori],
                        f[c->determination],
                        reason};
  for (int i = 0; i < 9; i++) sqlite3_bind_text(s, i + 1, vals[i], -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s) != SQLITE_DONE) return review_sql_error(x->db, path, err);
  return RELIEF_OK;
}

static relief_status add_row(init_ctx *x, review_csv_reader *r, const bundle_cols *c,
                             const char *kind, const char *path, relief_error *err) {
  char **f = r->fields;
  const char *cii = f[c->cii], *subject = f[c->subject];
  const char *person = *cii ? cii : subject;
  char case_key[8];
  snprintf(case_key, sizeof case_key, "%.6s", f[c->cnt_order]);
  size_t cs_n;
  bool from_comment;
  const char *cs = rules_code_section(f[c->offense], strlen(f[c->offense]), f[c->comment],
                                      strlen(f[c->comment]), &cs_n, &from_comment);
  char section[256];
  snprintf(section, sizeof section, "%.*s", (int)(cs_n < 255 ? cs_n : 255), cs ? cs : "");
  /* trim */
  size_t sl = strlen(section);
  while (sl && section[sl - 1] == ' ') section[--sl] = 0;
  char *sec = section;
  while (*sec == ' ') sec++;
  bool felony =
      !strcmp(f[c->conv_stat], "FELONY") || (!*f[c->conv_stat] && !strcmp(f[c->toc], "F"));
  int rc;
  /* a count a motion cannot carry (charge or date unknown) is reviewed as
   * such, never filed: review it as a hand-review item saying why */
  const char *reason = f[c->reason];
  if (!strcmp(kind, "relief")) {
    const char *date = f[c->disp_date]; /* the conviction date motions show */
    const char *withheld = filings_withhold_reason(
        f[c->offense], doj_parse_yyyymmdd(date, strlen(date)), RELIEF_DAY_UNKNOWN, NULL);
    if (withheld) kind = "hand_review", reason = withheld;
  }
  if (!strcmp(kind, "relief")) {
    sqlite3_reset(x->find);
    sqlite3_bind_text(x->find, 1, person, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(x->find, 2, case_key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(x->find);
    if (rc == SQLITE_ROW) { /* another count of the same case */
      char *counts = join_unique((const char *)sqlite3_column_text(x->find, 1), sec);
      char *proposed =
          join_unique((const char *)sqlite3_column_text(x->find, 2), f[c->determination]);
      char *reason = join_unique((const char *)sqlite3_column_text(x->find, 3), f[c->reason]);
      char *cases = join_unique((const char *)sqlite3_column_text(x->find, 4), f[c->case_number]);
      int fel = sqlite3_column_int(x->find, 5) || felony;
      sqlite3_reset(x->update);
      sqlite3_bind_text(x->update, 1, counts, -1, free);
      sqlite3_bind_text(x->update, 2, proposed, -1, free);
      sqlite3_bind_text(x->update, 3, reason, -1, free);
      sqlite3_bind_text(x->update, 4, cases, -1, free);
      sqlite3_bind_int(x->update, 5, fel);
      sqlite3_bind_text(x->update, 6, (const char *)sqlite3_column_text(x->find, 0), -1,
                        SQLITE_TRANSIENT);
      if (sqlite3_step(x->update) != SQLITE_DONE) return review_sql_error(x->db, path, err);
      return add_count(x, (const char *)sqlite3_column_text(x->find, 0), f, c, sec, felony,
                       f[c->reason], path, err);
    }
    if (rc != SQLITE_DONE) return review_sql_error(x->db, path, err);
  }
  const char *agency = review_route_match(x->rt, f[c->ori], felony, sec);
  char id[32];
  snprintf(id, sizeof id, "I%06lld", ++x->seq);
  sqlite3_stmt *s = x->insert;
  sqlite3_reset(s);
  const char *vals[] = {
      id,        kind,      person,  case_key,          agency, f[c->name],
      f[c->dob], cii,       subject, f[c->case_number], sec,    f[c->determination],
      reason,    f[c->ori], sec};
  for (int i = 0; i < 15; i++) sqlite3_bind_text(s, i + 1, vals[i], -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 16, x->seq);
  sqlite3_bind_int(s, 17, felony);
  if (sqlite3_step(s) != SQLITE_DONE) return review_sql_error(x->db, path, err);
  return add_count(x, id, f, c, sec, felony, reason, path, err);
}

static relief_status read_bundle_file(init_ctx *x, const char *path, bool hand_review,
                                      relief_error *err) {
  relief_input in = {0};
  relief_status st = input_open(&in, path, err);
  if (st) return st == RELIEF_E_IO ? RELIEF_E_DATA : st;
  review_csv_reader r;
  review_csv_init(&r, in.data, in.size, path);
  int got = review_csv_next(&r, err);
  bundle_cols c;
  if (got == 0) {
    /* an empty file: no header, no rows */
  } else if (got < 0 || (st = header_cols(&r, path, &c, err))) {
    st = RELIEF_E_DATA;
  } else {
    while ((got = review_csv_next(&r, err)) == 1) {
      /* the bundle's CSVs keep the extract's bytes; the store holds UTF-8 */
      char *converted[r.n_fields > 0 ? r.n_fields : 1];
      int n_converted = 0;
      for (int i = 0; i < r.n_fields; i++)
        if (!text_is_utf8(r.fields[i], strlen(r.fields[i])))
          r.fields[i] = converted[n_converted++] =
              text_to_utf8(r.fields[i], strlen(r.fields[i]), NULL);
      if (hand_review) /* relief's own file: its formula guards come off */
        for (int i = 0; i < r.n_fields; i++)
          if (r.fields[i][0] == '\'' && review_cell_needs_guard(r.fields[i] + 1)) r.fields[i]++;
      const char *det = r.fields[c.determination];
      if (hand_review)
        st = add_row(x, &r, &c, "hand_review", path, err);
      else if (!strcmp(det, "Eligible for Dismissal") || !strcmp(det, "Eligible for Reduction"))
        st = add_row(x, &r, &c, "relief", path, err);
      while (n_converted) free(converted[--n_converted]);
      if (st) break;
    }
    if (got < 0) st = RELIEF_E_DATA;
  }
  review_csv_free(&r);
  input_close(&in);
  return st;
}

static relief_status reroute(init_ctx *x, const char *path, relief_error *err) {
  sqlite3_stmt *q = NULL, *u = NULL;
  relief_status st = RELIEF_OK;
  if (sqlite3_prepare_v2(x->db, "SELECT id, court, felony, section FROM items", -1, &q, NULL) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(x->db, "UPDATE items SET agency=?1 WHERE id=?2", -1, &u, NULL) !=
          SQLITE_OK)
    st = review_sql_error(x->db, path, err);
  while (!st && sqlite3_step(q) == SQLITE_ROW) {
    const char *agency =
        review_route_match(x->rt, (const char *)sqlite3_column_text(q, 1),
                           sqlite3_column_int(q, 2) != 0, (const char *)sqlite3_column_text(q, 3));
    sqlite3_reset(u);
    sqlite3_bind_text(u, 1, agency, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(u, 2, (const char *)sqlite3_column_text(q, 0), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(u) != SQLITE_DONE) st = review_sql_error(x->db, path, err);
  }
  sqlite3_finalize(q);
  sqlite3_finalize(u);
  return st;
}

static bool file_exists(const char *path) { return access(path, F_OK) == 0; }

/* ---- a redacted bundle is never reviewed ---- */

/* Whether the bundle's manifest.json says "redacted": true (its sheets
 * would carry no names, and filings would undo the redaction). */
static bool bundle_redacted(const char *outputs_dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", outputs_dir);
  char *text;
  size_t len;
  relief_error ignored = {0};
  if (read_small_file(path, 64u << 20, "manifest", RELIEF_E_DATA, &text, &len, &ignored))
    return false;
  json_t *root = json_loadb(text, len, 0, NULL);
  free(text);
  bool redacted = json_is_true(json_object_get(root, "redacted"));
  json_decref(root);
  return redacted;
}

/* ---- end of the redacted-bundle check ---- */

/* An existing store may be replaced: a regular file without decisions, or
 * any with force. */
static relief_status may_replace(const char *path, bool force, relief_error *err) {
  struct stat sb;
  if (lstat(path, &sb) != 0) return RELIEF_OK;
  if (!S_ISREG(sb.st_mode))
    return error_set(err, RELIEF_E_IO, path, 0, -1, "review store is not a regular file");
  if (force) return RELIEF_OK;
  sqlite3 *old = NULL;
  long long decided = -1;
  if (sqlite3_open_v2(path, &old, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) == SQLITE_OK) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(old, "SELECT COUNT(*) FROM decisions", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
      decided = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
  }
  sqlite3_close(old);
  if (decided != 0)
    return error_set(err, RELIEF_E_USAGE, path, 0, -1,
                     "review store already has decisions; --force replaces it "
                     "(its decisions are lost)");
  return RELIEF_OK;
}

/* The bundle's results and hand-review files (results: Prop64_Results.csv,
 * else All_Results.csv), refused for a redacted bundle. */
static relief_status bundle_paths(const char *outputs_dir, char results[4096], char hand[4096],
                                  relief_error *err) {
  snprintf(results, 4096, "%s/Prop64_Results.csv", outputs_dir);
  if (!file_exists(results)) {
    snprintf(results, 4096, "%s/All_Results.csv", outputs_dir);
    if (!file_exists(results)) {
      snprintf(results, 4096, "%s/Prop64_Results.csv", outputs_dir);
      return error_set(err, RELIEF_E_DATA, results, 0, -1,
                       "bundle file missing (neither Prop64_Results.csv nor "
                       "All_Results.csv in the outputs folder)");
    }
  }
  if (bundle_redacted(outputs_dir))
    return error_set(err, RELIEF_E_USAGE, outputs_dir, 0, -1,
                     "the bundle was made with --redact (manifest.json: \"redacted\": "
                     "true): a review needs names and case numbers, and what it approves "
                     "is filed; make the bundle again without --redact");
  snprintf(hand, 4096, "%s/Hand_Review.csv", outputs_dir);
  if (!file_exists(hand))
    return error_set(err, RELIEF_E_DATA, hand, 0, -1,
                     "bundle file missing: make the bundle with --review-files");
  return RELIEF_OK;
}

/* Makes a private (0600) file for a store beside path's; false with err. */
static bool store_temp(const char *outputs_dir, const char *path, char tmp[4096],
                       relief_error *err) {
  snprintf(tmp, 4096, "%s/.%s.XXXXXX.tmp", outputs_dir, REVIEW_STORE_NAME);
  int fd = mkstemps(tmp, 4); /* mode 0600, O_EXCL */
  if (fd < 0) {
    error_set(err, RELIEF_E_IO, path, 0, -1, "cannot create the review store: %s", strerror(errno));
    return false;
  }
  close(fd);
  return true;
}

/* Builds the store in tmp from the bundle's results and hand-review files,
 * items routed by rt (routing_path kept in meta). *n_items: items made. */
static relief_status build_store(const char *tmp, const char *path, const char *results,
                                 const char *hand, const review_routing *rt,
                                 const char *routing_path, long long *n_items, relief_error *err) {
  relief_status st;
  init_ctx x = {.rt = rt};
  if (sqlite3_open_v2(tmp, &x.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
          SQLITE_OK ||
      sqlite3_exec(x.db, schema, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec(x.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x.db,
                         "SELECT id, counts, proposed, reason, case_number, felony FROM items"
                         " WHERE kind='relief' AND person=?1 AND case_key=?2",
                         -1, &x.find, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x.db,
                         "INSERT INTO items(id, kind, person, case_key, agency, name, dob, cii,"
                         " subject_id, case_number, counts, proposed, reason, court, section,"
                         " seq, felony) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
                         "?15,?16,?17)",
                         -1, &x.insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x.db,
                         "UPDATE items SET counts=?1, proposed=?2, reason=?3, case_number=?4,"
                         " felony=?5 WHERE id=?6",
                         -1, &x.update, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x.db,
                         "INSERT INTO counts(item, n, cnt_order, section, offense, date, level,"
                         " court, proposed, reason) VALUES(?1, (SELECT COUNT(*) FROM counts"
                         " WHERE item=?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         -1, &x.count, NULL) != SQLITE_OK) {
    st = review_sql_error(x.db, path, err);
  } else {
    st = read_bundle_file(&x, results, false, err);
    /* a case's route is decided on all its counts (felony if any is) */
    if (!st) st = reroute(&x, path, err);
    if (!st) st = read_bundle_file(&x, hand, true, err);
    if (!st) {
      sqlite3_stmt *m = NULL;
      sqlite3_prepare_v2(x.db,
                         "INSERT INTO meta VALUES('format','relief-review 1'),"
                         "('routing', ?1)",
                         -1, &m, NULL);
      sqlite3_bind_text(m, 1, routing_path ? routing_path : "", -1, SQLITE_TRANSIENT);
      if (sqlite3_step(m) != SQLITE_DONE) st = review_sql_error(x.db, path, err);
      sqlite3_finalize(m);
    }
    if (!st && sqlite3_exec(x.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
      st = review_sql_error(x.db, path, err);
    if (!st) st = review_store_migrate(x.db, path, err); /* a new store is of the latest format */
  }
  sqlite3_finalize(x.find);
  sqlite3_finalize(x.insert);
  sqlite3_finalize(x.update);
  sqlite3_finalize(x.count);
  if (sqlite3_close(x.db) != SQLITE_OK && !st) st = review_sql_error(NULL, path, err);
  *n_items = x.seq;
  return st;
}

relief_status review_init(const char *outputs_dir, const char *routing_path, bool force,
                          long long *n_items, relief_error *err) {
  *n_items = 0;
  char path[4096], results[4096], hand[4096], tmp[4096];
  store_path(outputs_dir, path, sizeof path);
  relief_status st = bundle_paths(outputs_dir, results, hand, err);
  if (st) return st;
  review_routing rt;
  if ((st = review_routing_load(routing_path, &rt, err))) return st;
  if ((st = may_replace(path, force, err))) {
    review_routing_free(&rt);
    return st;
  }
  if (!store_temp(outputs_dir, path, tmp, err)) {
    review_routing_free(&rt);
    return err->status;
  }
  long long made = 0;
  st = build_store(tmp, path, results, hand, &rt, routing_path, &made, err);
  review_routing_free(&rt);
  if (!st) {
    chmod(tmp, 0600);
    if (rename(tmp, path) != 0)
      st = error_set(err, RELIEF_E_IO, path, 0, -1, "cannot rename the review store: %s",
                     strerror(errno));
  }
  if (st)
    unlink(tmp);
  else
    *n_items = made;
  return st;
}

relief_status review_routes_preview(const char *outputs_dir, const char *routing_path,
                                    review_route_report *out, long long *n_items,
                                    relief_error *err) {
  memset(out, 0, sizeof *out);
  *n_items = 0;
  char path[4096], results[4096], hand[4096], tmp[4096];
  store_path(outputs_dir, path, sizeof path);
  relief_status st = bundle_paths(outputs_dir, results, hand, err);
  if (st) return st;
  if ((st = review_routing_load(routing_path, &out->rt, err))) return st;
  out->routes = xcalloc((size_t)out->rt.n_routes + 1, sizeof *out->routes);
  if (!store_temp(outputs_dir, path, tmp, err)) {
    review_route_report_free(out);
    return err->status;
  }
  st = build_store(tmp, path, results, hand, &out->rt, routing_path, n_items, err);
  sqlite3 *db = NULL;
  if (!st &&
      sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
    st = review_sql_error(db, path, err);
  if (!st) st = review_routes_count(db, out, err);
  sqlite3_close(db);
  unlink(tmp);
  if (st) review_route_report_free(out);
  return st;
}

/* ---- status and approved items ---- */

static void count_into(review_counts *c, const char *decision) {
  c->items++;
  if (!decision)
    c->pending++;
  else if (!strcmp(decision, "Approve"))
    c->approved++;
  else if (!strcmp(decision, "Deny"))
    c->denied++;
  else if (!strcmp(decision, "Hold"))
    c->held++;
}

#define LATEST_DECISION "(SELECT decision FROM decisions WHERE item=i.id ORDER BY id DESC LIMIT 1)"

relief_status review_status(const char *outputs_dir, review_status_report *out, relief_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, "SELECT agency, " LATEST_DECISION " FROM items i ORDER BY agency, seq",
                         -1, &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
    sqlite3_close(db);
    return st;
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *agency = (const char *)sqlite3_column_text(q, 0);
    const char *decision = (const char *)sqlite3_column_text(q, 1);
    if (!out->n_agencies || strcmp(out->by_agency[out->n_agencies - 1].agency, agency)) {
      review_agency_counts *a = xrealloc(out->by_agency, (size_t)(out->n_agencies + 1) * sizeof *a);
      out->by_agency = a;
      memset(&a[out->n_agencies], 0, sizeof *a);
      snprintf(a[out->n_agencies].agency, sizeof a->agency, "%s", agency);
      out->n_agencies++;
    }
    count_into(&out->by_agency[out->n_agencies - 1].c, decision);
    count_into(&out->total, decision);
  }
  if (rc != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (st) review_status_free(out);
  return st;
}

void review_status_free(review_status_report *r) {
  free(r->by_agency);
  memset(r, 0, sizeof *r);
}

/* ---- relief filings: approved items and filer profiles ---- */

static char *column_dup(sqlite3_stmt *q, int c) {
  const char *v = (const char *)sqlite3_column_text(q, c);
  return xstrdup(v ? v : "");
}

relief_status review_filing_items(const char *outputs_dir, const char *agency,
                                  review_filing_item **items, size_t *n, relief_error *err) {
  *items = NULL;
  *n = 0;
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT id, kind, agency, person, case_key, case_number, reason FROM items"
                         " i WHERE " LATEST_DECISION " = 'Approve' AND (?1 IS NULL OR agency=?1)"
                         " ORDER BY seq",
                         -1, &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
    sqlite3_close(db);
    return st;
  }
  if (agency) sqlite3_bind_text(q, 1, agency, -1, SQLITE_TRANSIENT);
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (*n == cap) *items = xrealloc(*items, (cap = cap ? cap * 2 : 64) * sizeof **items);
    (*items)[(*n)++] =
        (review_filing_item){column_dup(q, 0), column_dup(q, 1), column_dup(q, 2), column_dup(q, 3),
                             column_dup(q, 4), column_dup(q, 5), column_dup(q, 6)};
  }
  if (rc != SQLITE_DONE) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
    review_filing_items_free(*items, *n);
    *items = NULL;
    *n = 0;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}

void review_filing_items_free(review_filing_item *items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    review_filing_item *it = &items[i];
    char *all[] = {it->item,       it->kind,        it->agency, it->person,
                   it->court_case, it->case_number, it->reason};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) free(all[k]);
  }
  free(items);
}

relief_status review_agencies(const char *outputs_dir, char ***names, int *n, relief_error *err) {
  *names = NULL;
  *n = 0;
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  int rc =
      sqlite3_prepare_v2(db, "SELECT DISTINCT agency FROM items ORDER BY agency", -1, &q, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    *names = xrealloc(*names, (size_t)(*n + 1) * sizeof **names);
    (*names)[(*n)++] = column_dup(q, 0);
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}

/* The filer profiles, one per agency; made on first use (a migration that
 * leaves stores made before it working). */
#define FILERS_TABLE                                                                               \
  "CREATE TABLE IF NOT EXISTS filers(agency TEXT PRIMARY KEY, profile TEXT NOT NULL,"              \
  " set_at TEXT NOT NULL)"

relief_status review_filer_set(const char *outputs_dir, const char *agency, const char *json,
                               relief_error *err) {
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM items WHERE agency=?1 LIMIT 1", -1, &q, NULL) !=
      SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else {
    sqlite3_bind_text(q, 1, agency, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_ROW)
      st = error_set(err, RELIEF_E_USAGE, REVIEW_STORE_NAME, 0, -1,
                     "no item of the review is routed to agency '%.100s' (see `relief "
                     "review status`)",
                     agency);
  }
  sqlite3_finalize(q);
  q = NULL;
  char now[32];
  review_now(now);
  if (!st && (sqlite3_exec(db, FILERS_TABLE, NULL, NULL, NULL) != SQLITE_OK ||
              sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO filers VALUES(?1, ?2, ?3)", -1, &q,
                                 NULL) != SQLITE_OK))
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (!st) {
    sqlite3_bind_text(q, 1, agency, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, now, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}

relief_status review_filer_get(const char *outputs_dir, const char *agency, char **json,
                               relief_error *err) {
  *json = NULL;
  sqlite3 *db;
  relief_status st = review_store_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  /* a store made before the table: no agency has a profile */
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='filers'", -1,
                         &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  } else if (sqlite3_step(q) == SQLITE_ROW) {
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT profile FROM filers WHERE agency=?1", -1, &q, NULL) !=
        SQLITE_OK) {
      st = review_sql_error(db, REVIEW_STORE_NAME, err);
    } else {
      sqlite3_bind_text(q, 1, agency, -1, SQLITE_TRANSIENT);
      if (sqlite3_step(q) == SQLITE_ROW) *json = column_dup(q, 0);
    }
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}
