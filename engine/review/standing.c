/*
 * review/standing.c — where relief stands, from the store (cases before the
 * review and approved; motions filed, granted, denied, pending and reported,
 * as review_court_status counts them), published as its own page and as a
 * section of the bundle's report.html and report.pdf, drawn again whole
 * from the source the page carries. A report is replaced only when it is a
 * regular file with the very bytes manifest.json says relief wrote, and the
 * manifest's entries follow, all in one publication.
 */
#define RELIEF_REVIEW_INTERNAL
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "impact/impact.h"
#include "output/output.h"
#include "review/review.h"

#define MANIFEST "manifest.json"
#define REPORT_HTML "report.html"
#define REPORT_PDF "report.pdf"
#define REPORT_MAX_BYTES (512u << 20)

static const char *const stage_keys[] = {"determined", "approved", "filed",   "granted",
                                         "denied",     "pending",  "reported"};

/* by[name], made with every stage at 0 when missing. */
static json_t *stages_of(json_t *by, const char *name) {
  json_t *o = json_object_get(by, name);
  if (o) return o;
  o = json_object();
  for (size_t k = 0; k < sizeof stage_keys / sizeof *stage_keys; k++)
    json_object_set_new(o, stage_keys[k], json_integer(0));
  json_object_set_new(by, name, o);
  return o;
}

static void set_motions(json_t *o, const review_court_counts *c) {
  const long long v[] = {c->filed, c->granted, c->denied, c->pending, c->reported};
  for (int k = 0; k < 5; k++) json_object_set_new(o, stage_keys[2 + k], json_integer(v[k]));
}

/* Cases (person and court case) before the review and approved, grouped by
 * group ("i.agency", "i.court", or "'All'"), into by[group value]. */
static relief_status count_cases(sqlite3 *db, const char *group, json_t *by, relief_error *err) {
  char sql[1024];
  snprintf(sql, sizeof sql,
           "SELECT %s, COUNT(DISTINCT i.person||x'1f'||i.case_key), COUNT(DISTINCT CASE WHEN"
           " (SELECT decision FROM decisions WHERE item=i.id ORDER BY id DESC LIMIT 1)="
           "'Approve' THEN i.person||x'1f'||i.case_key END) FROM items i GROUP BY 1 ORDER BY 1",
           group);
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
    return review_sql_error(db, REVIEW_STORE_NAME, err);
  while (sqlite3_step(q) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(q, 0);
    json_t *o = stages_of(by, name ? name : "");
    json_object_set_new(o, "determined", json_integer(sqlite3_column_int64(q, 1)));
    json_object_set_new(o, "approved", json_integer(sqlite3_column_int64(q, 2)));
  }
  sqlite3_finalize(q);
  return RELIEF_OK;
}

static int by_key(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* by with its keys in name order (the court's motions may add names). */
static json_t *sorted(json_t *by) {
  size_t n = json_object_size(by), i = 0;
  const char **keys = xcalloc(n + 1, sizeof *keys);
  const char *key;
  json_t *v;
  json_object_foreach(by, key, v) keys[i++] = key;
  qsort(keys, n, sizeof *keys, by_key);
  json_t *out = json_object();
  for (i = 0; i < n; i++) json_object_set(out, keys[i], json_object_get(by, keys[i]));
  free(keys);
  json_decref(by);
  return out;
}

relief_status review_standing(const char *outputs_dir, json_t **out, relief_error *err) {
  *out = NULL;
  review_court_report r;
  relief_status st = review_court_status(outputs_dir, &r, err); /* motions, as it counts them */
  if (st) return st;
  sqlite3 *db = NULL;
  st = review_store_open(outputs_dir, &db, err);
  json_t *total = json_object(), *agencies = json_object(), *courts = json_object();
  if (!st) st = count_cases(db, "'All'", total, err);
  if (!st) st = count_cases(db, "i.agency", agencies, err);
  if (!st) st = count_cases(db, "i.court", courts, err);
  if (db) sqlite3_close(db);
  set_motions(stages_of(total, "All"), &r.total);
  for (int i = 0; i < r.n_agencies; i++)
    set_motions(stages_of(agencies, r.by_agency[i].name), &r.by_agency[i]);
  for (int i = 0; i < r.n_courts; i++)
    set_motions(stages_of(courts, r.by_court[i].name), &r.by_court[i]);
  review_court_report_free(&r);
  json_t *root = json_object();
  json_object_set(root, "total", json_object_get(total, "All"));
  json_object_set_new(root, "byAgency", sorted(agencies));
  json_object_set_new(root, "byCourt", sorted(courts));
  json_decref(total);
  if (st)
    json_decref(root);
  else
    *out = root;
  return st;
}

/* ---- the bundle's report, republished ---- */

static void left_alone(review_report_outcome *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void left_alone(review_report_outcome *out, const char *fmt, ...) {
  size_t used = strlen(out->left_alone);
  if (used + 3 >= sizeof out->left_alone) return;
  if (used) used += (size_t)snprintf(out->left_alone + used, sizeof out->left_alone - used, "; ");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out->left_alone + used, sizeof out->left_alone - used, fmt, ap);
  va_end(ap);
}

/* The manifest's entry for path among its outputs, or NULL. */
static json_t *output_entry(json_t *manifest, const char *path) {
  json_t *outputs = json_object_get(manifest, "outputs"), *o;
  size_t i;
  json_array_foreach(outputs, i, o) {
    const char *p = json_string_value(json_object_get(o, "path"));
    if (p && !strcmp(p, path)) return o;
  }
  return NULL;
}

/* Reads dir/name whole when it is a regular file (never through a link)
 * whose size and XXH3-128 are entry's: relief's own file, as it wrote it.
 * false, with why, otherwise. */
static bool own_file(const char *dir, const char *name, const json_t *entry, char **data,
                     size_t *len, char *why, size_t cap) {
  *data = NULL;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int fd = dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  int saved = errno;
  if (dfd >= 0) close(dfd);
  struct stat sb;
  if (fd < 0) {
    snprintf(why, cap, "%s: %s", name, saved == ELOOP ? "a symbolic link" : strerror(saved));
    return false;
  }
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > REPORT_MAX_BYTES) {
    close(fd);
    snprintf(why, cap, "%s is not a regular file relief wrote", name);
    return false;
  }
  size_t size = (size_t)sb.st_size, got = 0;
  char *buf = xmalloc(size + 1);
  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  char hex[33];
  hex128(XXH3_128bits(buf, got), hex);
  const char *want = json_string_value(json_object_get(entry, "xxh3_128"));
  json_int_t want_size = json_integer_value(json_object_get(entry, "size"));
  if (got != size || (json_int_t)got != want_size || !want || strcmp(want, hex)) {
    free(buf);
    snprintf(why, cap, "%s is not the file relief wrote (its bytes differ from %s)", name,
             MANIFEST);
    return false;
  }
  buf[got] = 0;
  *data = buf;
  *len = got;
  return true;
}

/* The manifest's entries of the files pub now holds, as they are written. */
static void follow_entries(json_t *manifest, publication *pub) {
  for (size_t i = 0; i < publication_count(pub); i++) {
    pub_entry e;
    publication_entry(pub, i, &e);
    json_t *o = output_entry(manifest, e.relpath);
    if (!o) continue;
    json_object_set_new(o, "size", json_integer((json_int_t)e.size));
    json_object_set_new(o, "xxh3_128", json_string(e.xxh3_128));
  }
}

static relief_status write_manifest(publication *pub, json_t *manifest, relief_error *err) {
  follow_entries(manifest, pub);
  char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (!text) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot format the manifest");
  size_t len = strlen(text);
  text[len] = '\n'; /* as manifest_write: the file ends in a newline */
  relief_status st = publication_write_file(pub, MANIFEST, text, len + 1, err);
  free(text);
  return st;
}

/* report.html (and report.pdf) drawn again into pub with standing, when
 * they are relief's; *manifest gets the manifest to follow them. */
static relief_status republish(const char *dir, publication *pub, const json_t *standing,
                               review_report_outcome *out, json_t **manifest, relief_error *err) {
  relief_error quiet = {0};
  *manifest = NULL;
  json_t *m = NULL;
  if (manifest_load(dir, MANIFEST, &m, &quiet)) {
    left_alone(out, "%s: %s", MANIFEST, quiet.message);
    return RELIEF_OK;
  }
  json_t *html_entry = m ? output_entry(m, REPORT_HTML) : NULL;
  json_t *pdf_entry = m ? output_entry(m, REPORT_PDF) : NULL;
  char why[600], *html = NULL, *pdf = NULL;
  size_t html_len = 0, pdf_len = 0;
  relief_status st = RELIEF_OK;
  if (!html_entry) { /* a bundle without a report (or without a manifest) */
  } else if (!own_file(dir, REPORT_HTML, html_entry, &html, &html_len, why, sizeof why)) {
    left_alone(out, "%s", why);
  } else {
    bool with_pdf =
        pdf_entry && own_file(dir, REPORT_PDF, pdf_entry, &pdf, &pdf_len, why, sizeof why);
    if (pdf_entry && !with_pdf) left_alone(out, "%s", why);
    st = impact_rewrite(pub, REPORT_HTML, with_pdf ? REPORT_PDF : NULL, html, html_len, standing,
                        &quiet);
    if (st == RELIEF_E_DATA) { /* nothing was written */
      left_alone(out, "%s: %s", REPORT_HTML, quiet.message);
      st = RELIEF_OK;
    } else if (st) {
      *err = quiet;
    } else {
      out->html = true;
      out->pdf = with_pdf;
      *manifest = m;
      m = NULL;
    }
  }
  free(html);
  free(pdf);
  json_decref(m);
  return st;
}

relief_status review_publish_standing(const char *outputs_dir, review_report_outcome *out,
                                      relief_error *err) {
  memset(out, 0, sizeof *out);
  json_t *standing = NULL, *manifest = NULL;
  relief_status st = review_standing(outputs_dir, &standing, err);
  publication *pub = NULL;
  if (!st) st = publication_begin(outputs_dir, &pub, err);
  if (!st) st = impact_write_standing(pub, REVIEW_STANDING_NAME, standing, err);
  if (!st) st = republish(outputs_dir, pub, standing, out, &manifest, err);
  if (!st && manifest) st = write_manifest(pub, manifest, err);
  if (!st) {
    st = publication_commit(pub, NULL, 0, err);
  } else {
    publication_abort(pub);
    out->html = out->pdf = false;
  }
  if (st) out->html = out->pdf = false;
  json_decref(manifest);
  json_decref(standing);
  return st;
}
