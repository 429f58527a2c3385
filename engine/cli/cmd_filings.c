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
  error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, fmt, what);
  return cli_fail(env, NULL, NULL, NULL, &err);
}

/* Agencies with approved items and no filer: named, and the exit is 1. */
static int refused_agencies(const cli_env *env, const char *outputs, const review_filing *f) {
  int refused = 0;
  for (int a = 0; a < f->n; a++) {
    size_t n = review_filing_approved(f, a);
    if (f->agencies[a].filer || !n) continue;
    fprintf(stderr,
            "%s: error: agency '%s' has %zu approved item(s) and no filer profile: nothing "
            "filed for it (set one with `%s review filer set --outputs=%s --agency=NAME FILE`)\n",
            env->program, f->names[a], n, env->program, outputs);
    refused++;
  }
  return refused ? 1 : 0;
}

/* What follows a filing (HS 11361.9): the denied items noticed to the
 * public defender as challenges, and the store told what was filed. */
static int after_filing(const cli_env *env, const char *outputs, const review_filing *f) {
  relief_error err = {0};
  long long challenges = 0, filed = 0;
  if (review_after_filing(outputs, f, &challenges, &filed, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  fprintf(stderr,
          "%s: %lld challenge(s) noticed to the public defender; %lld item(s) newly filed\n",
          env->program, challenges, filed);
  return cli_publish_standing(env, outputs); /* the report shows where relief stands */
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
  review_filing s = {0};
  int code = 0;
  if (reviewed && review_filing_load(outputs, agency, loaded ? &filer : NULL, &s, &err)) {
    code = cli_fail(env, NULL, NULL, NULL, &err);
    goto done;
  }
  filings_job job = {.outputs_dir = outputs,
                     .reviewed = reviewed,
                     .filer = loaded ? &filer : NULL,
                     .items = s.job_items,
                     .n_items = s.n_items,
                     .agencies = s.agencies,
                     .n_agencies = s.n,
                     .held_cases = s.held,
                     .n_held_cases = s.n_held,
                     .one_agency = agency != NULL};
  if (reviewed)
    fprintf(stderr, "%s: filing the %zu approved item(s) of the review, %d agenc%s\n", env->program,
            s.n_items, s.n, s.n == 1 ? "y" : "ies");
  else
    fprintf(stderr, "%s: no review store: filing every motion with relief\n", env->program);
  cli_progress progress;
  cli_progress_init(&progress, false);
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
  review_filing_free(&s);
  if (loaded) relief_filer_free(&filer);
  return code;
}
