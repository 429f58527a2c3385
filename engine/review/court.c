/*
 * review/court.c — after the decision (HS 11361.9): the store keeps what
 * was filed (from the court lists `relief filings` wrote), the court's
 * orders, what DOJ was told and who searched for whom, each as a row of an
 * append-only events table (the audit trail beside decisions). Denied
 * items are challenges, noticed to the public defender per agency.
 */
#define RELIEF_REVIEW_INTERNAL
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/paths.h"
#include "io/input.h"
#include "io/read_small.h"
#include "rules/rules.h"
#include "filings/filings.h"
#include "output/output.h"
#include "review/review.h"

/* ---- the tables (made on first use, so older stores keep working) ---- */

static const char loop_schema[] =
    "CREATE TABLE IF NOT EXISTS filed(item TEXT PRIMARY KEY REFERENCES items(id),"
    " agency TEXT NOT NULL, county TEXT NOT NULL, case_number TEXT NOT NULL, cii TEXT NOT NULL,"
    " filed_on TEXT NOT NULL, source TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS filed_case ON filed(cii, case_number);"
    "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY AUTOINCREMENT, item TEXT,"
    " event TEXT NOT NULL CHECK(event IN ('filed','order','reported','search')),"
    " value TEXT NOT NULL, day TEXT NOT NULL, source TEXT NOT NULL, actor TEXT NOT NULL,"
    " at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_item ON events(item, event, id);"
    "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;";

static relief_status loop_open(const char *outputs_dir, sqlite3 **db, relief_error *err) {
  relief_status st = review_store_open(outputs_dir, db, err);
  if (st) return st;
  if (sqlite3_exec(*db, loop_schema, NULL, NULL, NULL) != SQLITE_OK) {
    st = review_sql_error(*db, REVIEW_STORE_NAME, err);
    sqlite3_close(*db);
    *db = NULL;
  }
  return st;
}

static void today(char out[16]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 16, "%Y%m%d", &tm);
}

static relief_status add_event(sqlite3 *db, const char *item, const char *event, const char *value,
                               const char *day, const char *source, const char *actor,
                               relief_error *err) {
  sqlite3_stmt *q = NULL;
  char now[32];
  review_now(now);
  relief_status st = RELIEF_OK;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO events(item, event, value, day, source, actor, at)"
                         " VALUES(?1,?2,?3,?4,?5,?6,?7)",
                         -1, &q, NULL) != SQLITE_OK)
    return review_sql_error(db, REVIEW_STORE_NAME, err);
  const char *v[] = {item, event, value, day, source, actor, now};
  for (int i = 0; i < 7; i++)
    if (v[i]) sqlite3_bind_text(q, i + 1, v[i], -1, SQLITE_TRANSIENT);
  if (sqlite3_step(q) != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  sqlite3_finalize(q);
  return st;
}

static const char *col_text(sqlite3_stmt *q, int c) {
  const char *v = (const char *)sqlite3_column_text(q, c);
  return v ? v : "";
}

/* ---- the bundle's county (a run's manifest names it) ---- */

/* The county a run's bundle was decided for; true (out "UNKNOWN COUNTY")
 * for a statewide bundle, whose items each have their own. */
static bool bundle_county(const char *outputs_dir, char *out, size_t cap) {
  char path[4096], *text = NULL;
  size_t len;
  relief_error ignored = {0};
  snprintf(out, cap, "UNKNOWN COUNTY");
  snprintf(path, sizeof path, "%s/manifest.json", outputs_dir);
  if (read_small_file(path, 64u << 20, "manifest", RELIEF_E_DATA, &text, &len, &ignored))
    return true;
  json_t *m = json_loadb(text, len, 0, NULL);
  free(text);
  const char *c = json_string_value(json_object_get(m, "county"));
  bool statewide = !c || !strcmp(c, "(all counties)");
  if (!statewide) snprintf(out, cap, "%s", c);
  json_decref(m);
  return statewide;
}

/* ---- recording what was filed ---- */

/* A court list's cell with relief's formula guard taken off. */
static const char *unguarded(const char *v) {
  return v[0] == '\'' && review_cell_needs_guard(v + 1) ? v + 1 : v;
}

static int header_index(const review_row *hdr, const char *name) {
  for (int i = 0; i < hdr->n; i++)
    if (hdr->cells[i] && !strcmp(hdr->cells[i], name)) return i;
  return -1;
}

static const char *row_cell(const review_row *r, int c) {
  return c >= 0 && c < r->n && r->cells[c] ? unguarded(r->cells[c]) : "";
}

/* Records the approved items one of agency's court list rows names, filed
 * by agency: the items of the case with the row's CII and case number (a
 * relief item, or a hand-review one approved with its facts checked; routed
 * to agency, or to another whose count the case's motion carries), but
 * those a filing listed in not_filed.csv (a charge still unknown, say). */
static relief_status record_row(sqlite3 *db, const char *agency, const char *county,
                                const char *cii, const char *cases, const char *source,
                                const char *day, long long *n_new, relief_error *err) {
  sqlite3_stmt *find = NULL, *add = NULL;
  relief_status st = RELIEF_OK;
  if (sqlite3_prepare_v2(
          db,
          "SELECT DISTINCT j.id FROM items i JOIN items j ON j.person=i.person AND"
          " j.case_key=i.case_key WHERE i.cii=?2 AND"
          " (i.case_number=?3 OR instr('; '||?3||'; ', '; '||i.case_number||'; ') OR"
          " instr('; '||i.case_number||'; ', '; '||?3||'; ')) AND (SELECT decision FROM"
          " decisions WHERE item=j.id ORDER BY id DESC LIMIT 1)='Approve' AND j.id NOT IN"
          " (SELECT item FROM temp.not_filed)",
          -1, &find, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO filed VALUES(?1,?2,?3,?4,?5,?6,?7)", -1, &add,
                         NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (!st) {
    sqlite3_bind_text(find, 1, agency, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(find, 2, cii, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(find, 3, cases, -1, SQLITE_TRANSIENT);
  }
  while (!st && sqlite3_step(find) == SQLITE_ROW) {
    const char *item = col_text(find, 0);
    const char *v[] = {item, agency, county, cases, cii, day, source};
    sqlite3_reset(add);
    for (int i = 0; i < 7; i++) sqlite3_bind_text(add, i + 1, v[i], -1, SQLITE_TRANSIENT);
    if (sqlite3_step(add) != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
    if (!st && sqlite3_changes(db) == 1) {
      (*n_new)++;
      st = add_event(db, item, "filed", cases, day, source, "relief filings", err);
    }
  }
  sqlite3_finalize(find);
  sqlite3_finalize(add);
  return st;
}

static relief_status record_list(sqlite3 *db, const char *agency, const char *path,
                                 const char *source, const char *day, long long *n_new,
                                 relief_error *err) {
  review_sheet sh;
  relief_status st = review_sheet_read_csv(path, &sh, err);
  if (st) return st;
  int county = -1, cases = -1, cii = -1;
  if (sh.n_rows) {
    county = header_index(&sh.rows[0], "County");
    cases = header_index(&sh.rows[0], "Case Number");
    cii = header_index(&sh.rows[0], "CII_NUMBER");
  }
  for (int r = 1; r < sh.n_rows && !st && cases >= 0 && cii >= 0; r++)
    st = record_row(db, agency, row_cell(&sh.rows[r], county), row_cell(&sh.rows[r], cii),
                    row_cell(&sh.rows[r], cases), source, day, n_new, err);
  review_sheet_free(&sh);
  return st;
}

/* Adds to temp.not_filed the items an agency's filing listed in
 * not_filed.csv (Item column), approved but in no motion. */
static relief_status load_not_filed(sqlite3 *db, const char *agency_dir, relief_error *err) {
  char path[4700];
  snprintf(path, sizeof path, "%s/not_filed.csv", agency_dir);
  struct stat sb;
  if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return RELIEF_OK;
  review_sheet sh;
  relief_status st = review_sheet_read_csv(path, &sh, err);
  if (st) return st;
  int item = sh.n_rows ? header_index(&sh.rows[0], "Item") : -1;
  sqlite3_stmt *add = NULL;
  if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.not_filed VALUES(?1)", -1, &add, NULL) !=
      SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  for (int r = 1; r < sh.n_rows && !st && item >= 0; r++) {
    sqlite3_reset(add);
    sqlite3_bind_text(add, 1, row_cell(&sh.rows[r], item), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(add) != SQLITE_DONE) st = review_sql_error(db, REVIEW_STORE_NAME, err);
  }
  sqlite3_finalize(add);
  review_sheet_free(&sh);
  return st;
}

relief_status review_record_filings(const char *outputs_dir, char **agencies, int n_agencies,
                                    long long *n_new, relief_error *err) {
  *n_new = 0;
  sqlite3 *db;
  relief_status st = loop_open(outputs_dir, &db, err);
  if (st) return st;
  char day[16];
  today(day);
  sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (sqlite3_exec(db,
                   "CREATE TEMP TABLE IF NOT EXISTS not_filed(item TEXT PRIMARY KEY);"
                   "DELETE FROM temp.not_filed",
                   NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  for (int a = 0; a < n_agencies && !st; a++) { /* every agency's list first */
    char folder[256], dir[4600];
    folder_name(folder, sizeof folder, agencies[a]);
    snprintf(dir, sizeof dir, "%s/Court_Filings/%s", outputs_dir, folder);
    st = load_not_filed(db, dir, err);
  }
  for (int a = 0; a < n_agencies && !st; a++) {
    char folder[256], dir[4600];
    folder_name(folder, sizeof folder, agencies[a]);
    snprintf(dir, sizeof dir, "%s/Court_Filings/%s", outputs_dir, folder);
    DIR *d = opendir(dir);
    if (!d) continue;
    for (struct dirent *e; !st && (e = readdir(d));) {
      if (e->d_name[0] == '.') continue;
      char path[4900], source[600];
      snprintf(path, sizeof path, "%s/%s/court_list.csv", dir, e->d_name);
      snprintf(source, sizeof source, "Court_Filings/%s/%s/court_list.csv", folder, e->d_name);
      struct stat sb;
      if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
      st = record_list(db, agencies[a], path, source, day, n_new, err);
    }
    closedir(d);
  }
  if (!st && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (st) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(db);
  return st;
}

/* ---- challenges: denied items, noticed to the public defender ---- */

typedef struct {
  char **keys; /* "person\x1fcase_key\x1fvalue", sorted */
  size_t n;
} key_set;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The value kept for (person, case): "person\x1fcase\x1fvalue" keys, sorted. */
static const char *key_lookup(const key_set *g, const char *person, const char *step) {
  size_t lo = 0, hi = g->n, pl = strlen(person), sl = strlen(step);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const char *k = g->keys[mid];
    int c = strncmp(k, person, pl);
    if (!c) c = k[pl] == '\x1f' ? 0 : (unsigned char)k[pl] - 0x1f;
    if (!c) c = strncmp(k + pl + 1, step, sl);
    if (!c) c = k[pl + 1 + sl] == '\x1f' ? 0 : (unsigned char)k[pl + 1 + sl] - 0x1f;
    if (!c) return k + pl + sl + 2;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static void key_add(key_set *g, const char *person, const char *step, const char *value) {
  size_t len = strlen(person) + strlen(step) + strlen(value) + 3;
  g->keys = xrealloc(g->keys, (g->n + 1) * sizeof *g->keys);
  g->keys[g->n] = xmalloc(len);
  snprintf(g->keys[g->n++], len, "%s\x1f%s\x1f%s", person, step, value);
}

static void key_set_free(key_set *g) {
  for (size_t i = 0; i < g->n; i++) free(g->keys[i]);
  free(g->keys);
  memset(g, 0, sizeof *g);
}

/* A statewide bundle's county of each (person, court case): the
 * STP_ORI_CNTY_NAME of its rows, as statewide filings name the county. */
static void county_map_file(const char *path, key_set *g) {
  relief_input in = {0};
  relief_error ignored = {0};
  if (input_open(&in, path, &ignored)) return;
  review_csv_reader r;
  review_csv_init(&r, in.data, in.size, path);
  static const char *const names[] = {"CII_NUMBER", "SUBJECT_ID", "CNT_ORDER", "STP_ORI_CNTY_NAME"};
  int col[4] = {-1, -1, -1, -1};
  if (review_csv_next(&r, &ignored) == 1)
    for (int k = 0; k < 4; k++)
      for (int i = 0; i < r.n_fields; i++)
        if (!strcmp(r.fields[i], names[k])) col[k] = i;
  while (col[0] >= 0 && col[1] >= 0 && col[2] >= 0 && col[3] >= 0 &&
         review_csv_next(&r, &ignored) == 1) {
    char step[8];
    snprintf(step, sizeof step, "%.6s", r.fields[col[2]]);
    const char *person = *r.fields[col[0]] ? r.fields[col[0]] : r.fields[col[1]];
    if (*r.fields[col[3]]) key_add(g, person, step, r.fields[col[3]]);
  }
  review_csv_free(&r);
  input_close(&in);
}

static void county_map(const char *outputs_dir, key_set *g) {
  char path[4096];
  const char *files[] = {"Prop64_Results.csv", "All_Results.csv", "Hand_Review.csv"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", outputs_dir, files[i]);
    if (i == 1 && g->n) continue; /* All_Results.csv only without Prop64_Results.csv */
    county_map_file(path, g);
  }
  if (g->n) qsort(g->keys, g->n, sizeof *g->keys, cmp_str);
}

typedef struct {
  filings_challenge c;
  const char *county; /* points into the county map, or the bundle's county */
  size_t order;
} denied_item;

static int cmp_denied(const void *a, const void *b) {
  const denied_item *x = a, *y = b;
  int c = strcmp(x->county, y->county);
  if (!c) c = strcmp(x->c.person, y->c.person);
  return c ? c : (x->order < y->order ? -1 : 1);
}

static void denied_free(denied_item *d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const filings_challenge *c = &d[i].c;
    const char *all[] = {c->item,        c->person, c->name,     c->dob,    c->cii,
                         c->case_number, c->counts, c->proposed, c->reason, c->decided};
    for (int k = 0; k < 10; k++) free((char *)all[k]);
  }
  free(d);
}

/* One agency's challenges, a notice per county. */
static relief_status agency_challenges(publication *pub, const char *agency,
                                       const relief_filer *filer, denied_item *d, size_t n,
                                       relief_error *err) {
  qsort(d, n, sizeof *d, cmp_denied);
  filings_challenge *c = xcalloc(n + 1, sizeof *c);
  for (size_t i = 0; i < n; i++) c[i] = d[i].c;
  relief_status st = RELIEF_OK;
  filings_options opt = {.filer = filer, .prepared_day = (int32_t)(time(NULL) / 86400)};
  for (size_t i = 0; i < n && !st;) {
    size_t j = i + 1;
    while (j < n && !strcmp(d[j].county, d[i].county)) j++;
    char folder[256], county_folder[256], dir[1024];
    folder_name(folder, sizeof folder, agency);
    folder_name(county_folder, sizeof county_folder, d[i].county);
    snprintf(dir, sizeof dir, "Court_Filings/%s/%s/Challenges", folder, county_folder);
    st = filings_write_challenges(pub, dir, d[i].county, agency, c + i, j - i, &opt, err);
    i = j;
  }
  free(c);
  return st;
}

#define DENIED_QUERY                                                                               \
  "SELECT i.id, i.person, i.name, i.dob, i.cii, i.case_number, i.counts, i.proposed, d.notes,"     \
  " d.decided_at, i.case_key FROM items i JOIN decisions d ON d.id=(SELECT MAX(id) FROM"           \
  " decisions WHERE item=i.id) WHERE d.decision='Deny' AND i.agency=?1 ORDER BY i.person, i.seq"

relief_status review_write_challenges(const char *outputs_dir, char **agencies,
                                      const relief_filer *const *filers, int n_agencies,
                                      long long *n_challenges, relief_error *err) {
  *n_challenges = 0;
  sqlite3 *db;
  relief_status st = loop_open(outputs_dir, &db, err);
  if (st) return st;
  char county[256];
  key_set counties = {0};
  bool statewide = bundle_county(outputs_dir, county, sizeof county);
  if (statewide) county_map(outputs_dir, &counties);
  sqlite3_stmt *q = NULL;
  publication *pub = NULL;
  if (sqlite3_prepare_v2(db, DENIED_QUERY, -1, &q, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  else
    st = publication_begin(outputs_dir, &pub, err);
  for (int a = 0; a < n_agencies && !st; a++) {
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, agencies[a], -1, SQLITE_TRANSIENT);
    denied_item *d = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
      if (n == cap) d = xrealloc(d, (cap = cap ? 2 * cap : 16) * sizeof *d);
      const char *in = statewide ? key_lookup(&counties, col_text(q, 1), col_text(q, 10)) : NULL;
      d[n] =
          (denied_item){{xstrdup(col_text(q, 0)), xstrdup(col_text(q, 1)), xstrdup(col_text(q, 2)),
                         xstrdup(col_text(q, 3)), xstrdup(col_text(q, 4)), xstrdup(col_text(q, 5)),
                         xstrdup(col_text(q, 6)), xstrdup(col_text(q, 7)), xstrdup(col_text(q, 8)),
                         xstrdup(col_text(q, 9))},
                        in ? in : county,
                        n};
      n++;
    }
    if (n) st = agency_challenges(pub, agencies[a], filers[a], d, n, err);
    *n_challenges += (long long)n;
    denied_free(d, n);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  key_set_free(&counties);
  if (!st) return publication_commit(pub, NULL, 0, err);
  if (pub) publication_abort(pub);
  return st;
}

/* ---- the court's orders ---- */

/* MM/DD/YYYY (or M/D/YYYY, YYYY-MM-DD) as YYYYMMDD; false when not a date. */
static bool order_day(const char *s, char out[16]) {
  int y, m, d, used = 0;
  if (!(sscanf(s, "%2d/%2d/%4d%n", &m, &d, &y, &used) == 3 && !s[used] && y > 1900) &&
      !(sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && !s[used]))
    return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  snprintf(out, 16, "%04d%02d%02d", y, m, d);
  return true;
}

typedef struct {
  sqlite3 *db;
  sqlite3_stmt *filed, *known, *latest;
  const char *actor;
  long long *n_recorded;
} order_ctx;

static relief_status order_row(order_ctx *x, const char *path, const char *label,
                               const review_row *row, const int col[4], relief_error *err) {
  const char *cases = row_cell(row, col[0]), *cii = row_cell(row, col[1]);
  const char *order = row_cell(row, col[2]), *date = row_cell(row, col[3]);
  while (isspace((unsigned char)*order)) order++;
  if (!*order) return RELIEF_OK; /* pending */
  const char *value = !strncasecmp(order, "Granted", 7)  ? "Granted"
                      : !strncasecmp(order, "Denied", 6) ? "Denied"
                                                         : NULL;
  if (!value)
    return error_set(err, RELIEF_E_DATA, path, row->line, -1,
                     "%s, row %lld, column 'Order' must be Granted, Denied or blank; "
                     "nothing was recorded",
                     label, row->line);
  char day[16];
  if (!order_day(date, day))
    return error_set(err, RELIEF_E_DATA, path, row->line, -1,
                     "%s, row %lld, column 'Order Date' must be a date (MM/DD/YYYY); "
                     "nothing was recorded",
                     label, row->line);
  sqlite3_reset(x->filed);
  sqlite3_bind_text(x->filed, 1, cii, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(x->filed, 2, cases, -1, SQLITE_TRANSIENT);
  int found = 0;
  relief_status st = RELIEF_OK;
  char source[700];
  snprintf(source, sizeof source, "%s, row %lld", label, row->line);
  while (!st && sqlite3_step(x->filed) == SQLITE_ROW) {
    found++;
    const char *item = col_text(x->filed, 0);
    sqlite3_reset(x->latest);
    sqlite3_bind_text(x->latest, 1, item, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(x->latest) == SQLITE_ROW && !strcmp(col_text(x->latest, 0), value) &&
        !strcmp(col_text(x->latest, 1), day))
      continue; /* the same order again */
    st = add_event(x->db, item, "order", value, day, source, x->actor, err);
    if (!st) (*x->n_recorded)++;
  }
  if (st || found) return st;
  sqlite3_reset(x->known);
  sqlite3_bind_text(x->known, 1, cii, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(x->known, 2, cases, -1, SQLITE_TRANSIENT);
  bool known = sqlite3_step(x->known) == SQLITE_ROW;
  return error_set(err, RELIEF_E_DATA, path, row->line, -1,
                   known ? "%s, row %lld: an order for an item that was never filed "
                           "(run `relief filings` first); nothing was recorded"
                         : "%s, row %lld: its Case Number and CII_NUMBER name no item of "
                           "the review; nothing was recorded",
                   label, row->line);
}

static relief_status order_file(order_ctx *x, const char *path, relief_error *err) {
  review_sheet sh;
  relief_status st = review_sheet_read_csv(path, &sh, err);
  if (st) return st;
  const char *label = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  static const char *const names[4] = {"Case Number", "CII_NUMBER", "Order", "Order Date"};
  int col[4] = {-1, -1, -1, -1};
  for (int k = 0; k < 4; k++) {
    if (sh.n_rows) col[k] = header_index(&sh.rows[0], names[k]);
    if (col[k] < 0 && !st)
      st = error_set(err, RELIEF_E_DATA, path, 1, -1, "missing column '%s'", names[k]);
  }
  for (int r = 1; r < sh.n_rows && !st; r++) st = order_row(x, path, label, &sh.rows[r], col, err);
  review_sheet_free(&sh);
  return st;
}

/* A returned row names a filed case: the same CII (a spreadsheet may have
 * dropped its leading zeros) and the case number, or one of a motion's
 * "; "-joined case numbers. */
#define SAME_CASE                                                                                  \
  "(cii=?1 OR (ltrim(cii,'0')=ltrim(?1,'0') AND ltrim(?1,'0')<>'')) AND (case_number=?2 OR"        \
  " (?2<>'' AND instr('; '||case_number||'; ', '; '||?2||'; ')))"

relief_status review_court_import(const char *outputs_dir, const char *actor, char **files,
                                  int n_files, long long *n_recorded, relief_error *err) {
  *n_recorded = 0;
  order_ctx x = {.actor = actor, .n_recorded = n_recorded};
  relief_status st = loop_open(outputs_dir, &x.db, err);
  if (st) return st;
  if (sqlite3_exec(x.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(x.db, "SELECT item FROM filed WHERE " SAME_CASE, -1, &x.filed, NULL) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(x.db, "SELECT 1 FROM items WHERE " SAME_CASE, -1, &x.known, NULL) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(x.db,
                         "SELECT value, day FROM events WHERE item=?1 AND event='order'"
                         " ORDER BY id DESC LIMIT 1",
                         -1, &x.latest, NULL) != SQLITE_OK)
    st = review_sql_error(x.db, REVIEW_STORE_NAME, err);
  for (int i = 0; i < n_files && !st; i++) st = order_file(&x, files[i], err);
  sqlite3_finalize(x.filed);
  sqlite3_finalize(x.known);
  sqlite3_finalize(x.latest);
  if (!st && sqlite3_exec(x.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(x.db, REVIEW_STORE_NAME, err);
  if (st) {
    sqlite3_exec(x.db, "ROLLBACK", NULL, NULL, NULL);
    *n_recorded = 0;
  }
  sqlite3_close(x.db);
  return st;
}

/* ---- where the filed motions stand ---- */

static review_court_counts *count_slot(review_court_counts **list, int *n, const char *name) {
  for (int i = 0; i < *n; i++)
    if (!strcmp((*list)[i].name, name)) return &(*list)[i];
  *list = xrealloc(*list, (size_t)(*n + 1) * sizeof **list);
  review_court_counts *c = &(*list)[(*n)++];
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%s", name);
  return c;
}

static void count_motion(review_court_counts *c, const char *order, const char *filed_on,
                         bool reported) {
  c->filed++;
  if (!strcmp(order, "Granted"))
    c->granted++;
  else if (!strcmp(order, "Denied"))
    c->denied++;
  else {
    c->pending++;
    if (!c->oldest_pending[0] || strcmp(filed_on, c->oldest_pending) < 0)
      snprintf(c->oldest_pending, sizeof c->oldest_pending, "%s", filed_on);
  }
  c->reported += reported;
}

#define LATEST_ORDER                                                                               \
  "COALESCE((SELECT value FROM events e WHERE e.item=f.item AND e.event='order'"                   \
  " ORDER BY e.id DESC LIMIT 1), '')"

relief_status review_court_status(const char *outputs_dir, review_court_report *out,
                                  relief_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3 *db;
  relief_status st = loop_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  /* a motion: one agency's filing of one case number for one CII */
  if (sqlite3_prepare_v2(db,
                         "SELECT f.agency, MIN(i.court), MIN(f.filed_on), MAX(" LATEST_ORDER "),"
                         " MAX(EXISTS(SELECT 1 FROM events r WHERE r.item=f.item AND"
                         " r.event='reported')) FROM filed f JOIN items i ON i.id=f.item"
                         " GROUP BY f.agency, f.cii, f.case_number ORDER BY 1, 2",
                         -1, &q, NULL) != SQLITE_OK) {
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
    sqlite3_close(db);
    return st;
  }
  while (sqlite3_step(q) == SQLITE_ROW) {
    const char *order = col_text(q, 3), *on = col_text(q, 2);
    bool reported = sqlite3_column_int(q, 4) != 0;
    count_motion(&out->total, order, on, reported);
    count_motion(count_slot(&out->by_agency, &out->n_agencies, col_text(q, 0)), order, on,
                 reported);
    count_motion(count_slot(&out->by_court, &out->n_courts, col_text(q, 1)), order, on, reported);
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return RELIEF_OK;
}

void review_court_report_free(review_court_report *r) {
  free(r->by_agency);
  free(r->by_court);
  memset(r, 0, sizeof *r);
}

/* ---- DOJ is told: granted relief, one row per count ---- */

static void doj_row(relief_buf *b, review_csv_reader *r, const int col[6], const char *day) {
  char **f = r->fields;
  size_t cs_n;
  bool from_comment;
  const char *off = f[col[3]], *comment = f[col[4]];
  const char *cs =
      rules_code_section(off, strlen(off), comment, strlen(comment), &cs_n, &from_comment);
  char section[256], date[16];
  snprintf(section, sizeof section, "%.*s", (int)(cs && cs_n < 255 ? cs_n : 0), cs ? cs : "");
  review_sheet_date(day, date);
  const char *relief =
      !strcmp(f[col[5]], "Eligible for Reduction") ? "Reduced to misdemeanor" : "Dismissed";
  const char *cells[] = {f[col[0]], f[col[1]], f[col[2]], section, relief, date};
  for (int k = 0; k < 6; k++) {
    csv_append_safe(b, cells[k], strlen(cells[k]));
    buf_putc(b, k == 5 ? '\n' : ',');
  }
}

/* The bundle's relieved counts of the granted cases, as CSV rows. */
static relief_status doj_rows(const char *outputs_dir, const key_set *g, relief_buf *b,
                              long long *n_rows, relief_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/Prop64_Results.csv", outputs_dir);
  if (access(path, F_OK)) snprintf(path, sizeof path, "%s/All_Results.csv", outputs_dir);
  relief_input in = {0};
  relief_status st = input_open(&in, path, err);
  if (st) return st == RELIEF_E_IO ? RELIEF_E_DATA : st;
  review_csv_reader r;
  review_csv_init(&r, in.data, in.size, path);
  static const char *const names[] = {"CII_NUMBER",    "Case Number",  "CNT_ORDER",
                                      "OFFENSE_DESCR", "COMMENT_TEXT", "Eligibility Determination",
                                      "SUBJECT_ID"};
  int col[7];
  if (review_csv_next(&r, err) != 1) st = RELIEF_E_DATA;
  for (int k = 0; k < 7 && !st; k++) {
    col[k] = -1;
    for (int i = 0; i < r.n_fields; i++)
      if (!strcmp(r.fields[i], names[k])) col[k] = i;
    if (col[k] < 0)
      st = error_set(err, RELIEF_E_DATA, path, 1, -1, "missing column '%s'", names[k]);
  }
  int got = 0;
  while (!st && (got = review_csv_next(&r, err)) == 1) {
    const char *det = r.fields[col[5]];
    if (strcmp(det, "Eligible for Dismissal") && strcmp(det, "Eligible for Reduction")) continue;
    const char *person = *r.fields[col[0]] ? r.fields[col[0]] : r.fields[col[6]];
    char step[8];
    snprintf(step, sizeof step, "%.6s", r.fields[col[2]]);
    const char *day = key_lookup(g, person, step);
    if (!day) continue;
    doj_row(b, &r, col, day);
    (*n_rows)++;
  }
  if (!st && got < 0) st = RELIEF_E_DATA;
  review_csv_free(&r);
  input_close(&in);
  return st;
}

static relief_status write_private(const char *to_dir, const char *name, const relief_buf *b,
                                   relief_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", to_dir, name);
  if (mkdir(to_dir, 0700) != 0 && errno != EEXIST)
    return error_set(err, RELIEF_E_IO, to_dir, 0, -1, "cannot make the folder: %s",
                     strerror(errno));
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot write: %s", strerror(errno));
  bool ok = write(fd, b->data, b->len) == (ssize_t)b->len;
  ok = close(fd) == 0 && ok;
  if (!ok) return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot write the file");
  return RELIEF_OK;
}

relief_status review_report_doj(const char *outputs_dir, const char *to_dir, const char *actor,
                                long long *n_items, long long *n_rows, relief_error *err) {
  *n_items = *n_rows = 0;
  sqlite3 *db;
  relief_status st = loop_open(outputs_dir, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  key_set g = {0};
  char **items = NULL;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "SELECT f.item, i.person, i.case_key, (SELECT day FROM events e WHERE"
                         " e.item=f.item AND e.event='order' ORDER BY e.id DESC LIMIT 1) FROM"
                         " filed f JOIN items i ON i.id=f.item WHERE " LATEST_ORDER
                         "='Granted' AND NOT EXISTS(SELECT 1 FROM events r WHERE r.item=f.item"
                         " AND r.event='reported') ORDER BY i.seq",
                         -1, &q, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  while (!st && sqlite3_step(q) == SQLITE_ROW) {
    items = xrealloc(items, (size_t)(*n_items + 1) * sizeof *items);
    items[(*n_items)++] = xstrdup(col_text(q, 0));
    key_add(&g, col_text(q, 1), col_text(q, 2), col_text(q, 3));
  }
  sqlite3_finalize(q);
  if (g.n) qsort(g.keys, g.n, sizeof *g.keys, cmp_str);
  relief_buf csv = {0};
  static const char header[] =
      "CII_NUMBER,Case Number,CNT_ORDER,Code Section,Relief Granted,Order Date\n";
  buf_append(&csv, header, sizeof header - 1);
  if (!st) st = doj_rows(outputs_dir, &g, &csv, n_rows, err);
  if (!st) st = write_private(to_dir, "doj_update.csv", &csv, err);
  char day[16];
  today(day);
  for (long long i = 0; i < *n_items && !st; i++)
    st = add_event(db, items[i], "reported", "doj_update.csv", day, to_dir, actor, err);
  if (!st && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (st) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  for (long long i = 0; i < *n_items; i++) free(items[i]);
  free(items);
  key_set_free(&g);
  buf_free(&csv);
  sqlite3_close(db);
  return st;
}

/* ---- one person's status ---- */

/* A date of birth as given (MM/DD/YYYY, YYYY-MM-DD or YYYYMMDD) as the
 * store keeps it, YYYYMMDD. */
static void dob_key(const char *s, char out[16]) {
  if (!order_day(s, out)) snprintf(out, 16, "%s", s);
}

/* A name compared without case, spaces or commas. */
static void name_key(const char *s, char *out, size_t cap) {
  size_t o = 0;
  for (; *s && o + 1 < cap; s++)
    if (!isspace((unsigned char)*s) && *s != ',') out[o++] = (char)toupper((unsigned char)*s);
  out[o] = 0;
}

static void name_key_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *s = (const char *)sqlite3_value_text(argv[0]);
  char key[512];
  name_key(s ? s : "", key, sizeof key);
  sqlite3_result_text(ctx, key, -1, SQLITE_TRANSIENT);
}

#define PERSON_QUERY                                                                               \
  "SELECT i.id, i.kind, i.agency, i.name, i.dob, i.cii, i.case_number, i.counts, i.proposed,"      \
  " i.reason, d.decision, d.notes, d.decided_at, f.filed_on, f.county,"                            \
  " (SELECT value FROM events e WHERE e.item=i.id AND e.event='order' ORDER BY e.id DESC"          \
  " LIMIT 1), (SELECT day FROM events e WHERE e.item=i.id AND e.event='order' ORDER BY e.id DESC"  \
  " LIMIT 1), (SELECT day FROM events e WHERE e.item=i.id AND e.event='reported' ORDER BY e.id"    \
  " LIMIT 1) FROM items i LEFT JOIN decisions d ON d.id=(SELECT MAX(id) FROM decisions WHERE"      \
  " item=i.id) LEFT JOIN filed f ON f.item=i.id WHERE (?1 IS NOT NULL AND i.cii=?1) OR"            \
  " (?2 IS NOT NULL AND relief_name_key(i.name)=?2 AND i.dob=?3) ORDER BY i.seq"

relief_status review_person_status(const char *outputs_dir, const char *cii, const char *name,
                                   const char *dob, const char *searcher, review_person_fn fn,
                                   void *user, int *n_found, relief_error *err) {
  return review_person_search(outputs_dir, cii, name, dob, searcher, "relief status", fn, user,
                              n_found, err);
}

relief_status review_person_search(const char *outputs_dir, const char *cii, const char *name,
                                   const char *dob, const char *searcher, const char *source,
                                   review_person_fn fn, void *user, int *n_found,
                                   relief_error *err) {
  *n_found = 0;
  sqlite3 *db;
  relief_status st = loop_open(outputs_dir, &db, err);
  if (st) return st;
  char nkey[512], dkey[16], what[700], day[16];
  if (name) name_key(name, nkey, sizeof nkey);
  if (dob) dob_key(dob, dkey);
  if (cii)
    snprintf(what, sizeof what, "CII %s", cii);
  else
    snprintf(what, sizeof what, "name %s, date of birth %s", name ? name : "", dob ? dob : "");
  today(day);
  /* the search is recorded before anything is shown */
  st = add_event(db, NULL, "search", what, day, source, searcher, err);
  sqlite3_stmt *q = NULL;
  if (!st && (sqlite3_create_function(db, "relief_name_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                      NULL, name_key_fn, NULL, NULL) != SQLITE_OK ||
              sqlite3_prepare_v2(db, PERSON_QUERY, -1, &q, NULL) != SQLITE_OK))
    st = review_sql_error(db, REVIEW_STORE_NAME, err);
  if (!st) {
    if (cii) sqlite3_bind_text(q, 1, cii, -1, SQLITE_TRANSIENT);
    if (name) sqlite3_bind_text(q, 2, nkey, -1, SQLITE_TRANSIENT);
    if (dob) sqlite3_bind_text(q, 3, dkey, -1, SQLITE_TRANSIENT);
  }
  while (!st && sqlite3_step(q) == SQLITE_ROW) {
    const char *v[18];
    for (int k = 0; k < 18; k++) v[k] = col_text(q, k);
    review_person_item it = {v[0], v[1],  v[2],  v[3],  v[4],  v[5],  v[6],  v[7],  v[8],
                             v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17]};
    fn(user, &it);
    (*n_found)++;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}
