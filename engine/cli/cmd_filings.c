/*
 * cmd_filings.c — `relief filings --outputs=O [--agency=NAME] [--filer=FILE]`:
 * the court filings of a bundle, from its review, by the job_filings job
 * (decided again from what O/manifest.json recorded). With O/review.sqlite
 * each agency files its approved items under its own filer profile; without
 * one, every motion with relief is filed under --filer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "common/paths.h"
#include "job/job.h"
#include "review/review.h"

static int fail(const cli_env *env, const char *fmt, const char *what) {
  relief_error err = {0};
  relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, fmt, what);
  return cli_fail(env, NULL, NULL, NULL, &err);
}

/* The agencies filing now, each with its filer (from --filer, else its
 * profile in the store; NULL when it has none). */
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

static relief_status setup_filers(const char *outputs, const relief_filer *given, filing_setup *s,
                                  relief_error *err) {
  s->agencies = xcalloc((size_t)s->n + 1, sizeof *s->agencies);
  s->filers = xcalloc((size_t)s->n + 1, sizeof *s->filers);
  s->have = xcalloc((size_t)s->n + 1, sizeof *s->have);
  for (int a = 0; a < s->n; a++) {
    s->agencies[a].agency = s->names[a];
    if (given) {
      s->agencies[a].filer = given;
      continue;
    }
    char *json = NULL;
    relief_status st = review_filer_get(outputs, s->names[a], &json, err);
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

/* Two of the store's agencies whose names make the same Court_Filings/
 * folder (compared without case, as file systems may) would file into one
 * folder, and --agency for one would replace the other's motions: refused,
 * naming both (exit 1), before anything is filed. */
static int shared_folder(const cli_env *env, const filing_setup *s) {
  for (int a = 0; a < s->n; a++)
    for (int b = a + 1; b < s->n; b++) {
      char fa[256], fb[256];
      relief_folder_name(fa, sizeof fa, s->names[a]);
      relief_folder_name(fb, sizeof fb, s->names[b]);
      if (strcasecmp(fa, fb)) continue;
      fprintf(stderr,
              "%s: error: agencies '%.100s' and '%.100s' would file into the same folder "
              "Court_Filings/%s: rename one in the routing and run review init again\n",
              env->program, s->names[a], s->names[b], fa);
      return 1;
    }
  return 0;
}

/* The store's agencies (or the one named), approved items and filers. */
static int setup_review(const cli_env *env, const char *outputs, const char *agency,
                        const relief_filer *given, filing_setup *s) {
  relief_error err = {0};
  if (review_agencies(outputs, &s->names, &s->n, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  if (shared_folder(env, s)) return 1;
  if (agency) {
    int keep = -1;
    for (int a = 0; a < s->n; a++)
      if (!strcmp(s->names[a], agency)) keep = a;
    if (keep < 0)
      return fail(env,
                  "no item of the review is routed to agency '%.100s' (see `relief review "
                  "status`)",
                  agency);
    for (int a = 0; a < s->n; a++)
      if (a != keep) free(s->names[a]);
    s->names[0] = s->names[keep];
    s->n = 1;
  }
  if (given && s->n > 1)
    return fail(env, "%s",
                "--filer signs for one agency, and this review has several: name it with "
                "--agency=NAME, or keep a profile per agency with `relief review filer set`");
  if (setup_filers(outputs, given, s, &err) ||
      review_filing_items(outputs, agency, &s->items, &s->n_items, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  s->job_items = xcalloc(s->n_items + 1, sizeof *s->job_items);
  for (size_t i = 0; i < s->n_items; i++) {
    const review_filing_item *it = &s->items[i];
    s->job_items[i] = (filings_item){it->item,       it->kind,        it->agency, it->person,
                                     it->court_case, it->case_number, it->reason};
  }
  return 0;
}

/* Agencies with approved items and no filer: named, and the exit is 1. */
static int refused_agencies(const cli_env *env, const char *outputs, const filing_setup *s) {
  int refused = 0;
  for (int a = 0; a < s->n; a++) {
    if (s->agencies[a].filer) continue;
    size_t n = 0;
    for (size_t i = 0; i < s->n_items; i++) n += !strcmp(s->items[i].agency, s->names[a]);
    if (!n) continue;
    fprintf(stderr,
            "%s: error: agency '%s' has %zu approved item(s) and no filer profile: nothing "
            "filed for it (set one with `%s review filer set --outputs=%s --agency=NAME FILE`)\n",
            env->program, s->names[a], n, env->program, outputs);
    refused++;
  }
  return refused ? 1 : 0;
}

/* What follows a filing (HS 11361.9): the denied items noticed to the
 * public defender as challenges, and the store told what was filed. */
static int after_filing(const cli_env *env, const char *outputs, const filing_setup *s) {
  relief_error err = {0};
  const relief_filer **filers = xcalloc((size_t)s->n + 1, sizeof *filers);
  for (int a = 0; a < s->n; a++) filers[a] = s->agencies[a].filer;
  long long challenges = 0, filed = 0;
  relief_status st = review_write_challenges(outputs, s->names, filers, s->n, &challenges, &err);
  free(filers);
  if (!st) st = review_record_filings(outputs, s->names, s->n, &filed, &err);
  if (st) return cli_fail(env, NULL, NULL, NULL, &err);
  fprintf(stderr,
          "%s: %lld challenge(s) noticed to the public defender; %lld item(s) newly filed\n",
          env->program, challenges, filed);
  return 0;
}

int cmd_filings(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL, *filer_path = NULL, *agency = NULL;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder (with manifest.json)"},
      {"agency", 0, &agency, NULL, "file only this agency's approved items"},
      {"filer", 0, &filer_path, NULL,
       "filer profile JSON: who files (without a review store; or for a review with one "
       "agency, or with --agency)"},
  };
  int parsed =
      cli_parse(argc, argv, opts, 3, "filings --outputs=DIR [--agency=NAME] [--filer=FILE]", env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs) return fail(env, "missing required option: --%s", "outputs");
  bool reviewed = review_store_exists(outputs);
  if (!reviewed && !filer_path)
    return fail(env,
                "missing required option: --%s (no review store: one filer files every "
                "motion)",
                "filer");
  if (!reviewed && agency)
    return fail(env, "%s", "--agency needs a review store (relief review init)");
  relief_error err = {0};
  relief_filer filer;
  bool loaded;
  if (cli_load_filer(filer_path, &filer, &loaded, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  filing_setup s = {0};
  int code = reviewed ? setup_review(env, outputs, agency, loaded ? &filer : NULL, &s) : 0;
  if (code) goto done;
  filings_job job = {.outputs_dir = outputs,
                     .reviewed = reviewed,
                     .filer = loaded ? &filer : NULL,
                     .items = s.job_items,
                     .n_items = s.n_items,
                     .agencies = s.agencies,
                     .n_agencies = s.n,
                     .one_agency = agency != NULL};
  if (reviewed)
    fprintf(stderr, "%s: filing the %zu approved item(s) of the review, %d agenc%s\n", env->program,
            s.n_items, s.n, s.n == 1 ? "y" : "ies");
  else
    fprintf(stderr, "%s: no review store: filing every motion with relief\n", env->program);
  cli_progress progress;
  cli_progress_init(&progress);
  job.progress = cli_progress_update;
  job.progress_user = &progress;
  filings_job_result res;
  relief_status st = job_filings(&job, &res, &err);
  cli_progress_finish(&progress);
  if (st) {
    code = cli_fail(env, NULL, NULL, NULL, &err);
    goto done;
  }
  fprintf(stderr, "%s: %lld motions\n", env->program, (long long)res.motions);
  if (reviewed)
    fprintf(stderr, "%s: of %zu approved item(s): %lld in a motion, %lld listed in not_filed.csv\n",
            env->program, s.n_items, (long long)res.filed, (long long)res.not_filed);
  if (reviewed && (code = after_filing(env, outputs, &s))) goto done;
  code = reviewed ? refused_agencies(env, outputs, &s) : 0;
done:
  setup_free(&s);
  if (loaded) relief_filer_free(&filer);
  return code;
}
