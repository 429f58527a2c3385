/*
 * review/review.h — the human review of a bundle's proposed relief: items
 * (one per person per court case with relief, one per Hand_Review.csv row),
 * routed to agencies, exported as sheets, decided, imported back into a
 * SQLite store (OUTPUTS/review.sqlite) that keeps every decision with its
 * reviewer, time and previous value. Like the rest of the library this
 * never prints; messages name files, sheets, rows and columns, never values.
 */
#ifndef RELIEF_REVIEW_H
#define RELIEF_REVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "job/job.h" /* filings_agency, filings_item */

/* ---- a general CSV reader (RFC 4180 with Go encoding/csv semantics) ---- */

/* Reads records from an in-memory text: fields separated by commas, quoted
 * fields with "" for a quote (and commas, CR, LF inside), CRLF read as LF,
 * a CR or LF inside quotes kept (CRLF in quotes as LF), blank lines skipped,
 * a bare quote in an unquoted field or text after a closing quote refused,
 * every record the same number of fields as the first. */
typedef struct {
  const char *data;
  size_t size, pos;
  long long line;     /* physical line the next record starts on (1-based) */
  long long rec_line; /* line the current record started on */
  char *buf;          /* the current record's fields, each NUL-terminated */
  size_t buf_len, buf_cap;
  size_t *offs;  /* offsets of the fields in buf */
  char **fields; /* the current record */
  int n_fields, cap_fields;
  int want_fields;  /* fields of the first record (0 until read) */
  const char *name; /* for messages */
} review_csv_reader;

void review_csv_init(review_csv_reader *r, const char *data, size_t size, const char *name);
/* 1: a record in r->fields/r->n_fields; 0: end of text; -1: err set (status
 * RELIEF_E_DATA, naming the file and line). */
int review_csv_next(review_csv_reader *r, relief_error *err);
void review_csv_free(review_csv_reader *r);

/* ---- a sheet: all rows of a CSV or XLSX file, as text ---- */
typedef struct {
  int n;
  char **cells;
  long long line; /* CSV: line; XLSX: spreadsheet row number */
} review_row;

typedef struct {
  review_row *rows;
  int n_rows;
} review_sheet;

relief_status review_sheet_read_csv(const char *path, review_sheet *sheet, relief_error *err);
relief_status review_sheet_read_xlsx(const char *path, review_sheet *sheet, relief_error *err);
void review_sheet_free(review_sheet *sheet);

/* ---- routing ---- */
typedef struct {
  char *agency;
  char *court;   /* substring of STP_ORI_DESCR; NULL = any */
  int felony;    /* -1 any, 0 misdemeanor, 1 felony */
  char *section; /* code-section prefix; NULL = any */
} review_route;

typedef struct {
  char *default_agency;
  review_route *routes;
  int n_routes;
} review_routing;

/* Loads and strictly validates a routing file; path NULL gives the default
 * ("District Attorney", no routes). Errors are RELIEF_E_USAGE naming the key. */
relief_status review_routing_load(const char *path, review_routing *rt, relief_error *err);
/* Same from JSON text (for tests); name is used in messages. */
relief_status review_routing_parse(const char *json, const char *name, review_routing *rt,
                                   relief_error *err);
/* The agency of an item: the first route that matches, else the default. */
const char *review_route_match(const review_routing *rt, const char *court, bool felony,
                               const char *section);
void review_routing_free(review_routing *rt);
/* The index of the route that takes an item, -1 for the default agency. */
int review_route_index(const review_routing *rt, const char *court, bool felony,
                       const char *section);

/* How a routing file fits a store's items, so setup mistakes are loud: per
 * route, the items it took; for a route with `court` that took none, the
 * court values (STP_ORI_DESCR) in the data nearest to it. */
typedef struct {
  long long matched;
  char nearest[3][128];
  int n_nearest;
} review_route_result;
typedef struct {
  review_routing rt;
  review_route_result *routes; /* rt.n_routes of them */
  long long default_items;
} review_route_report;
relief_status review_routes_report(const char *outputs_dir, const char *routing_path,
                                   review_route_report *out, relief_error *err);
void review_route_report_free(review_route_report *r);
/* The same report before the review starts: the items the routing file
 * would make (*n_items), built in a private store that is then removed. */
relief_status review_routes_preview(const char *outputs_dir, const char *routing_path,
                                    review_route_report *out, long long *n_items,
                                    relief_error *err);

/* ---- the store ---- */
#define REVIEW_STORE_NAME "review.sqlite"

typedef struct {
  long long items, pending, approved, denied, held;
} review_counts;

typedef struct {
  char agency[256];
  review_counts c;
} review_agency_counts;

typedef struct {
  review_counts total;
  review_agency_counts *by_agency;
  int n_agencies;
} review_status_report;

/* Builds OUTPUTS/review.sqlite from the bundle in outputs_dir. An existing
 * store with decisions is refused (RELIEF_E_USAGE) unless force. *n_items
 * gets the number of items made. */
relief_status review_init(const char *outputs_dir, const char *routing_path, bool force,
                          long long *n_items, relief_error *err);

/* Writes one sheet per agency (or only `agency`) into to_dir: CSV (format
 * "csv") or XLSX ("xlsx"). *n_sheets gets the number written. */
relief_status review_export(const char *outputs_dir, const char *to_dir, const char *format,
                            const char *agency, int *n_sheets, relief_error *err);

/* A date of the store (YYYYMMDD) as sheets show it: MM/DD/YYYY (other
 * text as it is). */
void review_sheet_date(const char *yyyymmdd, char out[16]);

/* Imports edited sheets (CSV or XLSX, by extension) in one transaction:
 * any refused sheet records nothing. *n_recorded gets the decisions added.
 * A Deny without its reason in Notes is refused (a denied item is a
 * challenge, and the public defender is told its grounds).
 * A decision on an item decided after the sheet's Revision (a stale sheet)
 * refuses the import, naming the items, unless force, which records it
 * with the override in the audit trail. An item named twice (in one sheet
 * or across sheets) is refused, naming both rows. Identifying values a
 * spreadsheet program changed (leading zeros, 1.2E+11, a reformatted date)
 * are recognised as the exported value. */
relief_status review_import(const char *outputs_dir, const char *reviewer, char **sheets,
                            int n_sheets, bool force, long long *n_recorded, relief_error *err);

relief_status review_status(const char *outputs_dir, review_status_report *out, relief_error *err);
void review_status_free(review_status_report *r);

/* For filings: whether OUTPUTS/review.sqlite exists. */
bool review_store_exists(const char *outputs_dir);

/* One approved item: the person (CII_NUMBER, else SUBJECT_ID) and court case
 * (first 6 characters of CNT_ORDER). */
/* ---- relief filings: approved items and each agency's filer profile ---- */

/* One approved item as filings accounts for it (no personal data but the
 * person key and case number, which stay in files). */
typedef struct {
  char *item, *kind, *agency, *person, *court_case, *case_number, *reason;
} review_filing_item;

/* The items whose latest decision is Approve, of agency (NULL: all), in
 * item order. Free with review_filing_items_free. */
relief_status review_filing_items(const char *outputs_dir, const char *agency,
                                  review_filing_item **items, size_t *n, relief_error *err);
void review_filing_items_free(review_filing_item *items, size_t n);

/* The agencies the store's items are routed to, sorted. Free each and the
 * list. */
relief_status review_agencies(const char *outputs_dir, char ***names, int *n, relief_error *err);

/* Keeps agency's filer profile (JSON text of the --filer format, validated
 * by the caller) in the store, replacing an earlier one. The table is made
 * on first use, so a store made before it existed keeps working. An agency
 * no item is routed to is refused (RELIEF_E_USAGE). */
relief_status review_filer_set(const char *outputs_dir, const char *agency, const char *json,
                               relief_error *err);
/* agency's profile (*json malloc'd), or *json NULL when it has none. */
relief_status review_filer_get(const char *outputs_dir, const char *agency, char **json,
                               relief_error *err);

/* ---- the queue, one item at a time (relief serve) ---- */

/* One item with its latest decision ("" when pending). The strings hold
 * personal data (name, birth date, CII): shown to reviewers, never logged. */
typedef struct {
  const char *item, *agency, *kind, *name, *dob, *cii, *case_number, *counts, *proposed, *reason;
  const char *decision, *notes, *reviewer;
} review_queue_item;

/* Records decision (Approve, Deny or Hold) with notes by reviewer on item,
 * keeping the previous value, as an import does. With agency given, an item
 * of another agency is "no such review item" (RELIEF_E_USAGE). */
relief_status review_decide(const char *outputs_dir, const char *item, const char *agency,
                            const char *decision, const char *notes, const char *reviewer,
                            relief_error *err);

/* ---- the review screen: a page of items, one item's detail, bulk decisions ---- */

/* Which items: each field NULL (or empty) for any. status is pending,
 * approved, denied or held (or Approve, Deny, Hold); court is an item's
 * court (STP_ORI_DESCR) exactly; proposed a part of its proposed relief;
 * q a part of the name or case number, or the item, CII or subject id
 * whole. account is the agency an office account may see (NULL: all). */
typedef struct {
  const char *account, *agency, *status, *court, *proposed, *q;
} review_filter;

/* A page of the filtered items: sort is a column (item, agency, name, dob,
 * cii, case, court, proposed, kind, status; '-' before it for descending),
 * NULL or empty for item order. */
typedef struct {
  review_filter filter;
  const char *sort;
  long long offset, limit;
} review_query;

/* One count of an item as the reviewer verifies it (date YYYYMMDD as the
 * extract has it). */
typedef struct {
  const char *cnt_order, *section, *offense, *date, *level, *court, *proposed, *reason;
} review_count;

/* A listed item: the queue's fields, its subject id and court, when its
 * latest decision was made, and its counts (none in a store made before
 * counts were kept: item.counts then names the sections). */
typedef struct {
  review_queue_item item;
  const char *subject_id, *court, *decided_at;
  const review_count *counts;
  int n_counts;
} review_list_item;
typedef void (*review_list_fn)(void *user, const review_list_item *item);

/* Calls fn for each item of q's page, in q's order; *total gets the number
 * of items the filter takes. A bad status or sort is RELIEF_E_USAGE. */
relief_status review_list(const char *outputs_dir, const review_query *q, long long *total,
                          review_list_fn fn, void *user, relief_error *err);

/* The items of account (NULL: all) by latest decision, and the agencies
 * and courts they have (sorted; free each and the lists). */
typedef struct {
  review_counts counts;
  char **agencies, **courts;
  int n_agencies, n_courts;
} review_facets;
relief_status review_list_facets(const char *outputs_dir, const char *account, review_facets *out,
                                 relief_error *err);
void review_facets_free(review_facets *f);

/* One decision of an item's history. */
typedef struct {
  const char *decision, *notes, *previous_decision, *previous_notes, *reviewer, *decided_at, *sheet,
      *override;
} review_history_entry;
typedef void (*review_history_fn)(void *user, const review_history_entry *e);

/* The item (of account, else "no such review item", RELIEF_E_USAGE) with
 * its counts through item_fn, then each of its decisions, oldest first,
 * through history_fn. */
relief_status review_item_detail(const char *outputs_dir, const char *item, const char *account,
                                 review_list_fn item_fn, review_history_fn history_fn, void *user,
                                 relief_error *err);

/* Records decision with notes by reviewer on each of items[0..n) (items
 * NULL: each item filter takes), in one transaction: an item unknown or of
 * another agency than filter->account refuses them all. A Deny needs its
 * reason in notes, as an import does (RELIEF_E_USAGE). *n_decided gets the
 * items decided. */
relief_status review_decide_bulk(const char *outputs_dir, const review_filter *filter, char **items,
                                 size_t n, const char *decision, const char *notes,
                                 const char *reviewer, long long *n_decided, relief_error *err);

/* Whether a person (subject id or CII) has an item of agency. */
relief_status review_person_of_agency(const char *outputs_dir, const char *agency,
                                      const char *person, bool *yes, relief_error *err);

/* The file name for an agency's sheet: letters, digits, '-' and '_' kept,
 * everything else '_' (never empty). */
void review_sanitize_name(const char *agency, char *out, size_t cap);

/* Formula-injection guard for free-text CSV cells: whether a cell starting
 * with = + - @ TAB or CR gets a leading apostrophe. */
bool review_cell_needs_guard(const char *s);

/* ---- after the decision (HS 11361.9): challenges, filings, orders, DOJ ---- */

/* Records, from the court lists `relief filings` wrote under
 * Court_Filings/<agency>/<COUNTY>/court_list.csv, which approved items of
 * agencies[0..n) were filed (the first filing's date kept), each in the
 * audit trail (events). *n_new gets the items newly filed. */
relief_status review_record_filings(const char *outputs_dir, char **agencies, int n_agencies,
                                    long long *n_new, relief_error *err);

/* Writes Court_Filings/<agency>/<COUNTY>/Challenges/ (the notice to the
 * public defender and challenges.csv) for each agency with denied items,
 * signed with filers[a] (NULL: blank lines). */
relief_status review_write_challenges(const char *outputs_dir, char **agencies,
                                      const relief_filer *const *filers, int n_agencies,
                                      long long *n_challenges, relief_error *err);

/* Records the court's orders of files (CSV with Case Number, CII_NUMBER,
 * Order and Order Date: a returned court_list.csv) in one transaction: an
 * unknown row, an order for an item never filed, a bad Order or date
 * refuses them all (RELIEF_E_DATA naming the row). */
relief_status review_court_import(const char *outputs_dir, const char *actor, char **files,
                                  int n_files, long long *n_recorded, relief_error *err);

/* Motions filed, granted, denied, pending (oldest pending filing date,
 * YYYYMMDD) and reported to DOJ. */
typedef struct {
  char name[256];
  long long filed, granted, denied, pending, reported;
  char oldest_pending[16];
} review_court_counts;
typedef struct {
  review_court_counts total;
  review_court_counts *by_agency, *by_court;
  int n_agencies, n_courts;
} review_court_report;
relief_status review_court_status(const char *outputs_dir, review_court_report *out,
                                  relief_error *err);
void review_court_report_free(review_court_report *r);

/* Writes to_dir/doj_update.csv: the granted relief not reported yet, one
 * row per count (CII_NUMBER, Case Number, CNT_ORDER, Code Section, Relief
 * Granted, Order Date), and marks those items reported. */
relief_status review_report_doj(const char *outputs_dir, const char *to_dir, const char *actor,
                                long long *n_items, long long *n_rows, relief_error *err);

/* ---- where relief stands (review/standing.c) ---- */

/* Where relief stands: {"total": S, "byAgency": {agency: S}, "byCourt":
 * {court: S}}, each S {"determined", "approved"} in cases (a person's court
 * case: every one put before the review, and those with an item approved)
 * and {"filed", "granted", "denied", "pending", "reported"} in motions,
 * exactly as review_court_status counts them. */
struct json_t;
relief_status review_standing(const char *outputs_dir, struct json_t **out, relief_error *err);

/* Publishes OUTPUTS/where_relief_stands.html and, when the bundle has them
 * as relief wrote them (a regular file whose bytes manifest.json records;
 * never a link or a file put there by hand), report.html and report.pdf
 * drawn again whole with the section, manifest.json's entries following:
 * one publication, renamed into place together. A report left alone is
 * not an error: out says why. */
#define REVIEW_STANDING_NAME "where_relief_stands.html"
typedef struct {
  bool html, pdf;        /* report.html, report.pdf republished */
  char left_alone[1400]; /* why a report file was left alone; "" when none was */
} review_report_outcome;
relief_status review_publish_standing(const char *outputs_dir, review_report_outcome *out,
                                      relief_error *err);

/* One item of a person, as `relief status` shows it (personal data: shown
 * to the one who asked, never logged). Dates are as the store keeps them. */
typedef struct {
  const char *item, *kind, *agency, *name, *dob, *cii, *case_number, *counts, *proposed, *reason,
      *decision, *notes, *decided_at, *filed_on, *county, *order, *order_day, *reported_on;
} review_person_item;
typedef void (*review_person_fn)(void *user, const review_person_item *item);
/* Calls fn for each item of the person with cii, or with name and dob
 * (MM/DD/YYYY or YYYYMMDD), after recording the search (who, for what,
 * when) in the store's audit trail. */
relief_status review_person_status(const char *outputs_dir, const char *cii, const char *name,
                                   const char *dob, const char *searcher, review_person_fn fn,
                                   void *user, int *n_found, relief_error *err);
/* The same, the search recorded as made through source ("relief serve":
 * the public defender's search of `relief serve --office`). */
relief_status review_person_search(const char *outputs_dir, const char *cii, const char *name,
                                   const char *dob, const char *searcher, const char *source,
                                   review_person_fn fn, void *user, int *n_found,
                                   relief_error *err);

/* ---- a filing from the review (review/filing.c) ---- */

/* The agencies filing now with the filer each signs with, and the approved
 * items, as job_filings takes them. */
typedef struct {
  char **names; /* the agencies filing now */
  int n;
  filings_agency *agencies; /* names[a] with its filer (NULL: none) */
  relief_filer *filers;
  bool *have;
  review_filing_item *items; /* the approved items */
  size_t n_items;
  filings_item *job_items;
  filings_case *held; /* cases whose relief item is not approved */
  char **held_text;   /* their person and court case strings */
  size_t n_held;
} review_filing;

/* Loads the store's agencies (or agency alone: RELIEF_E_USAGE when no item
 * is routed to it), each one's filer (given, for a review with one agency;
 * else its stored profile) and the approved items. RELIEF_E_USAGE, naming
 * both, when two of the store's agencies would file into one folder. Free
 * with review_filing_free, whatever the result. */
relief_status review_filing_load(const char *outputs_dir, const char *agency,
                                 const relief_filer *given, review_filing *f, relief_error *err);
void review_filing_free(review_filing *f);

/* The approved items of f's agency a. */
size_t review_filing_approved(const review_filing *f, int a);

/* After job_filings (HS 11361.9): the denied items noticed to the public
 * defender as challenges, and the store told which items were filed. */
relief_status review_after_filing(const char *outputs_dir, const review_filing *f,
                                  long long *challenges, long long *filed, relief_error *err);

/* ---- internal to engine/review ---- */
#ifdef RELIEF_REVIEW_INTERNAL
#include <sqlite3.h>
/* The columns of an exported sheet, in order. */
enum {
  RV_COL_ITEM,
  RV_COL_AGENCY,
  RV_COL_NAME,
  RV_COL_DOB,
  RV_COL_CII,
  RV_COL_SUBJECT,
  RV_COL_CASE,
  RV_COL_COUNTS,
  RV_COL_PROPOSED,
  RV_COL_REASON,
  RV_COL_DECISION,
  RV_COL_NOTES,
  RV_COL_REVISION, /* read-only: the store's revision the sheet was exported at */
  RV_COL_COUNT
};
extern const char *const review_sheet_columns[RV_COL_COUNT];
/* Whether a column holds free text (guarded against formulas in CSV). */
bool review_column_free_text(int col);
/* Opens OUTPUTS/review.sqlite read-write (never following a symlink). */
/* Appends one decision to the trail: item, decision, notes, previous
 * decision, previous notes, reviewer, time, source sheet (?1..?8). */
/* ?9, the override (why a stale sheet's decision was recorded anyway), is
 * NULL unless bound. */
#define REVIEW_INSERT_DECISION                                                                     \
  "INSERT INTO decisions(item, decision, notes, previous_decision, previous_notes, reviewer,"      \
  " decided_at, sheet, override) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"

/* The time a decision is recorded at: UTC, ISO 8601 (YYYY-MM-DDTHH:MM:SSZ). */
void review_now(char out[32]);

relief_status review_store_open(const char *outputs_dir, sqlite3 **db, relief_error *err);
/* Counts into out (its rt loaded, routes allocated) how db's items route. */
relief_status review_routes_count(sqlite3 *db, review_route_report *out, relief_error *err);
/* ---- revisions (the stale-sheet guard) ---- */
/* Brings a format-1 store to format 2 (meta 'revision', kept by a trigger
 * at the id of the latest decision; decisions.override). Idempotent;
 * review_store_open runs it. */
relief_status review_store_migrate(sqlite3 *db, const char *path, relief_error *err);
/* The store's revision: the id of its latest decision, 0 when none. */
long long review_store_revision(sqlite3 *db);
/* ---- end of revisions ---- */
relief_status review_sql_error(sqlite3 *db, const char *path, relief_error *err);
#endif

#endif
