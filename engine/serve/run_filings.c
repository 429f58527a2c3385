/*
 * serve/run_filings.c — the motions of a reviewed run, made by job_filings,
 * the job of `relief filings` (so they are the CLI's to the byte): each
 * agency files its approved items under the filer profile kept for it in
 * the run's review.sqlite, in Court_Filings/<agency>/<COUNTY>/; an agency
 * without a profile is named and files nothing. Counted per agency.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/paths.h"
#include "job/job.h"
#include "review/review.h"
#include "serve/run_job.h"
#include "serve/run_record.h"
#include "serve/server_log.h"

/* The agencies filing now, their filers and the approved items. */
typedef struct {
  char **names;
  int n;
  filings_agency *agencies;
  relief_filer *filers;
  bool *have;
  review_filing_item *items;
  size_t n_items;
  filings_item *job_items;
} filing_setup;

static void setup_free(filing_setup *s) {
  for (int a = 0; a < s->n; a++) {
    if (s->have && s->have[a]) relief_filer_free(&s->filers[a]);
    free(s->names[a]);
  }
  free(s->names);
  free(s->agencies);
  free(s->filers);
  free(s->have);
  review_filing_items_free(s->items, s->n_items);
  free(s->job_items);
}

/* Keeps only agency among s->names; RELIEF_E_USAGE when no item is its. */
static relief_status keep_agency(filing_setup *s, const char *agency, relief_error *err) {
  int keep = -1;
  for (int a = 0; a < s->n; a++)
    if (!strcmp(s->names[a], agency)) keep = a;
  if (keep < 0)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "no item of the review is routed to agency '%.100s'", agency);
  for (int a = 0; a < s->n; a++)
    if (a != keep) free(s->names[a]);
  s->names[0] = s->names[keep];
  s->n = 1;
  return RELIEF_OK;
}

static relief_status setup_filers(const char *dir, filing_setup *s, relief_error *err) {
  s->agencies = xcalloc((size_t)s->n + 1, sizeof *s->agencies);
  s->filers = xcalloc((size_t)s->n + 1, sizeof *s->filers);
  s->have = xcalloc((size_t)s->n + 1, sizeof *s->have);
  for (int a = 0; a < s->n; a++) {
    s->agencies[a].agency = s->names[a];
    char *json = NULL;
    relief_status st = review_filer_get(dir, s->names[a], &json, err);
    if (!st && json) {
      char name[300];
      snprintf(name, sizeof name, "filer profile of %.200s", s->names[a]);
      st = relief_filer_parse(json, name, &s->filers[a], err);
      s->have[a] = !st;
      if (!st) s->agencies[a].filer = &s->filers[a];
    }
    free(json);
    if (st) return st;
  }
  return RELIEF_OK;
}

/* The store's agencies (or the one named), their filers, approved items. */
static relief_status setup_load(const char *dir, const char *agency, filing_setup *s,
                                relief_error *err) {
  relief_status st = review_agencies(dir, &s->names, &s->n, err);
  if (!st && agency) st = keep_agency(s, agency, err);
  if (!st) st = setup_filers(dir, s, err);
  if (!st) st = review_filing_items(dir, agency, &s->items, &s->n_items, err);
  if (st) return st;
  s->job_items = xcalloc(s->n_items + 1, sizeof *s->job_items);
  for (size_t i = 0; i < s->n_items; i++) {
    const review_filing_item *it = &s->items[i];
    s->job_items[i] = (filings_item){it->item,       it->kind,        it->agency, it->person,
                                     it->court_case, it->case_number, it->reason};
  }
  return RELIEF_OK;
}

/* The rows of a CSV file after its header (0 when absent). Cells written
 * by relief hold no line break. */
static long long csv_rows(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  long long lines = 0;
  for (int c; (c = fgetc(f)) != EOF;) lines += c == '\n';
  fclose(f);
  return lines ? lines - 1 : 0;
}

/* The motions under Court_Filings/<folder>/: court_list.csv's rows in each
 * county folder. */
static long long agency_motions(const char *dir, const char *folder) {
  char path[4600];
  snprintf(path, sizeof path, "%s/Court_Filings/%s", dir, folder);
  DIR *d = opendir(path);
  if (!d) return 0;
  long long n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char list[4900];
    snprintf(list, sizeof list, "%s/%s/court_list.csv", path, e->d_name);
    n += csv_rows(list);
  }
  closedir(d);
  return n;
}

/* Per agency: its approved items, motions, items not filed and, without a
 * filer profile, why nothing was filed (named in *refused too). */
static json_t *agencies_json(const char *dir, const filing_setup *s, char *refused, size_t cap) {
  json_t *list = json_array();
  size_t used = 0;
  refused[0] = '\0';
  for (int a = 0; a < s->n; a++) {
    long long approved = 0;
    for (size_t i = 0; i < s->n_items; i++) approved += !strcmp(s->items[i].agency, s->names[a]);
    char folder[256], path[4600];
    relief_folder_name(folder, sizeof folder, s->names[a]);
    snprintf(path, sizeof path, "%s/Court_Filings/%s/not_filed.csv", dir, folder);
    json_t *o = json_object();
    json_object_set_new(o, "agency", json_string(s->names[a]));
    json_object_set_new(o, "approved", json_integer(approved));
    json_object_set_new(o, "motions", json_integer(agency_motions(dir, folder)));
    json_object_set_new(o, "notFiled", json_integer(approved ? csv_rows(path) : 0));
    if (approved && !s->agencies[a].filer) {
      char why[512];
      snprintf(why, sizeof why,
               "agency '%.200s' has %lld approved item(s) and no filer profile: nothing filed "
               "for it (send its \"filer\" with the agency)",
               s->names[a], approved);
      json_object_set_new(o, "error", json_string(why));
      if (used < cap)
        used += (size_t)snprintf(refused + used, cap - used, "%s%s", used ? "; " : "", why);
    }
    json_array_append_new(list, o);
  }
  return list;
}

/* Files r's approved items (of agency, or every agency): res and the
 * per-agency list set on success. */
static relief_status file_run(serve_server *s, serve_run *r, const char *agency,
                              filings_job_result *res, size_t *n_approved, char **per_agency,
                              char *refused, size_t cap, relief_error *err) {
  filing_setup fs = {0};
  memset(res, 0, sizeof *res);
  /* a motion names a person: decide again only from the bytes the bundle
   * was decided from, and only from files under a --data folder */
  relief_status st = run_inputs_unchanged(s, r, err);
  if (!st) st = setup_load(r->dir, agency, &fs, err);
  if (!st) {
    filings_job job = {.outputs_dir = r->dir,
                       .reviewed = true,
                       .items = fs.job_items,
                       .n_items = fs.n_items,
                       .agencies = fs.agencies,
                       .n_agencies = fs.n,
                       .one_agency = agency != NULL,
                       .threads = s->cfg.threads};
    st = job_filings(&job, res, err);
  }
  if (!st) { /* as relief filings: denied items noticed as challenges, the store told
              * what was filed (court orders are recorded against filed items) */
    const relief_filer **filers = xcalloc((size_t)fs.n + 1, sizeof *filers);
    for (int a = 0; a < fs.n; a++) filers[a] = fs.agencies[a].filer;
    long long challenges = 0, filed = 0;
    st = review_write_challenges(r->dir, fs.names, filers, fs.n, &challenges, err);
    free(filers);
    if (!st) st = review_record_filings(r->dir, fs.names, fs.n, &filed, err);
  }
  if (!st) {
    *n_approved = fs.n_items;
    json_t *list = agencies_json(r->dir, &fs, refused, cap);
    *per_agency = json_dumps(list, JSON_COMPACT);
    json_decref(list);
  }
  setup_free(&fs);
  return st;
}

void run_job_filings(serve_server *s, serve_run *r) {
  relief_error err = {0};
  pthread_mutex_lock(&s->lock);
  char *agency = r->filings_agency ? xstrdup(r->filings_agency) : NULL;
  pthread_mutex_unlock(&s->lock);
  filings_job_result res;
  size_t n_approved = 0;
  char *per_agency = NULL, refused[2048];
  relief_status st =
      file_run(s, r, agency, &res, &n_approved, &per_agency, refused, sizeof refused, &err);
  char why[2200] = "";
  if (st) relief_error_format(&err, why, sizeof why);
  serve_scrub(why, sizeof why); /* shown to the API's users */
  pthread_mutex_lock(&s->lock);
  r->filings = st ? RUN_FAILED : RUN_DONE;
  r->motions = res.motions;
  r->approved = (long long)n_approved;
  free(r->filings_agencies);
  r->filings_agencies = per_agency;
  if (st) r->filings_error = xstrdup(why);
  if (!st && refused[0]) r->filings_error = xstrdup(refused);
  pthread_mutex_unlock(&s->lock);
  if (st)
    server_log(s, "run %d filings failed (status %d)", r->id, (int)st);
  else
    server_log(s, "run %d filings done: %lld motions from %zu approved items%s", r->id,
               (long long)res.motions, n_approved, refused[0] ? ", some agencies refused" : "");
  free(agency);
}
