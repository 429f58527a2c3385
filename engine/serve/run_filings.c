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
static json_t *agencies_json(const char *dir, const review_filing *s, char *refused, size_t cap) {
  json_t *list = json_array();
  size_t used = 0;
  refused[0] = '\0';
  for (int a = 0; a < s->n; a++) {
    long long approved = (long long)review_filing_approved(s, a);
    char folder[256], path[4600];
    folder_name(folder, sizeof folder, s->names[a]);
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
  review_filing fs = {0};
  memset(res, 0, sizeof *res);
  /* a motion names a person: decide again only from the bytes the bundle
   * was decided from, and only from files under a --data folder */
  relief_status st = run_inputs_unchanged(s, r, err);
  if (!st) st = review_filing_load(r->dir, agency, NULL, &fs, err);
  if (!st) {
    filings_job job = {.outputs_dir = r->dir,
                       .reviewed = true,
                       .items = fs.job_items,
                       .n_items = fs.n_items,
                       .agencies = fs.agencies,
                       .n_agencies = fs.n,
                       .held_cases = fs.held,
                       .n_held_cases = fs.n_held,
                       .one_agency = agency != NULL,
                       .threads = s->cfg.threads};
    st = job_filings(&job, res, err);
  }
  long long challenges = 0, filed = 0; /* as relief filings: what follows a filing */
  if (!st) st = review_after_filing(r->dir, &fs, &challenges, &filed, err);
  review_report_outcome report; /* the run's report shows where relief stands */
  if (!st) st = review_publish_standing(r->dir, &report, err);
  if (!st) {
    *n_approved = fs.n_items;
    json_t *list = agencies_json(r->dir, &fs, refused, cap);
    *per_agency = json_dumps(list, JSON_COMPACT);
    json_decref(list);
  }
  review_filing_free(&fs);
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
