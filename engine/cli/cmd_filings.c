/*
 * cmd_filings.c — `relief filings --outputs=O --filer=FILE`: the court
 * filings of a bundle, from its review. The decisions are made again from
 * what O/manifest.json recorded (command line, compute date), so the
 * motions carry the same text as a --forms run; with O/review.sqlite only
 * the approved items are filed. Only Court_Filings/ is replaced.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "output/output.h"
#include "common/alloc.h"
#include "review/review.h"

/* Options of the recorded command that `filings` replaces or drops. */
static int skip_recorded(char **argv, int i, int argc) {
  static const char *const with_value[] = {"--outputs", "--filer"};
  static const char *const flags[] = {"--forms"};
  for (size_t k = 0; k < 2; k++) {
    size_t n = strlen(with_value[k]);
    if (!strncmp(argv[i], with_value[k], n)) {
      if (argv[i][n] == '=') return 1;
      if (!argv[i][n]) return i + 1 < argc ? 2 : 1;
    }
  }
  for (size_t k = 0; k < 1; k++)
    if (!strcmp(argv[i], flags[k])) return 1;
  return 0;
}

static int fail(const cli_env *env, relief_status status, const char *file, const char *fmt,
                const char *what) {
  relief_error err = {0};
  relief_error_set(&err, status, file, 0, -1, fmt, what);
  return cli_fail(env, NULL, NULL, NULL, &err);
}

int cmd_filings(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL, *filer_path = NULL;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder (with manifest.json)"},
      {"filer", 0, &filer_path, NULL, "filer profile JSON: who files the motions"},
  };
  int parsed = cli_parse(argc, argv, opts, 2, "filings --outputs=DIR --filer=FILE", env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs || !filer_path)
    return fail(env, RELIEF_E_USAGE, NULL, "missing required option: --%s",
                !outputs ? "outputs" : "filer");
  relief_error err = {0};
  relief_filer filer;
  bool loaded;
  if (cli_load_filer(filer_path, &filer, &loaded, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);

  /* the recorded command */
  char manifest_path[4096];
  snprintf(manifest_path, sizeof manifest_path, "%s/manifest.json", outputs);
  json_t *manifest = NULL;
  if (manifest_load(outputs, "manifest.json", &manifest, &err)) {
    relief_filer_free(&filer);
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  json_t *cl = manifest ? json_object_get(manifest, "commandLine") : NULL;
  int code = 0;
  review_filter *approved = NULL;
  char **args = NULL;
  int n_args = 0;
  if (!manifest || !json_is_array(cl) || json_array_size(cl) < 2 ||
      !json_is_string(json_array_get(cl, 1))) {
    code = fail(env, RELIEF_E_USAGE, manifest_path, "%s",
                "no bundle here: manifest.json with the run's commandLine is needed (make the "
                "bundle with `relief run` or `relief statewide`)");
    goto done;
  }
  /* a motion names a person: the inputs decided again must be the bytes
   * the bundle was decided from, or the filings could name someone else */
  if (manifest_check_inputs(manifest, &err)) {
    code = cli_fail(env, NULL, NULL, NULL, &err);
    goto done;
  }
  const char *command = json_string_value(json_array_get(cl, 1));
  cli_command_fn fn = !strcmp(command, "run")         ? cmd_run
                      : !strcmp(command, "statewide") ? cmd_statewide
                                                      : NULL;
  if (!fn) {
    code = fail(env, RELIEF_E_USAGE, manifest_path,
                "the bundle was made by '%s', not run or statewide", command);
    goto done;
  }
  size_t n_cl = json_array_size(cl);
  char **recorded = xcalloc(n_cl + 1, sizeof *recorded);
  for (size_t i = 0; i < n_cl; i++) {
    json_t *v = json_array_get(cl, i);
    recorded[i] = (char *)(json_is_string(v) ? json_string_value(v) : "");
  }
  args = xcalloc(n_cl + 4, sizeof *args);
  bool has_compute = false;
  for (int i = 1; i < (int)n_cl;) {
    int skip = i > 1 ? skip_recorded(recorded, i, (int)n_cl) : 0;
    if (skip) {
      i += skip;
      continue;
    }
    if (!strncmp(recorded[i], "--compute-at", 12)) has_compute = true;
    args[n_args++] = xstrdup(recorded[i++]);
  }
  free(recorded);
  /* the decisions are made at the recorded compute date, whatever today is */
  json_t *date = json_object_get(manifest, "computeDate");
  if (!has_compute && json_is_string(date)) {
    char opt[64];
    snprintf(opt, sizeof opt, "--compute-at=%.20s", json_string_value(date));
    args[n_args++] = xstrdup(opt);
  }
  char out_opt[4200];
  snprintf(out_opt, sizeof out_opt, "--outputs=%s", outputs);
  args[n_args++] = xstrdup(out_opt);

  /* what to file: approved items when the bundle was reviewed */
  relief_filing_filter filter;
  cli_filings_request request = {&filer, NULL};
  if (review_store_exists(outputs)) {
    size_t n = 0;
    if (review_filter_load(outputs, &approved, &n, &err)) {
      code = cli_fail(env, NULL, NULL, NULL, &err);
      goto done;
    }
    filter = review_filter_of(approved);
    request.filter = &filter;
    fprintf(stderr, "%s: filing the %zu approved item(s) of the review\n", env->program, n);
  } else {
    fprintf(stderr, "%s: no review store: filing every motion with relief\n", env->program);
  }
  cli_filings_mode = &request;
  code = fn(n_args, args, env);
  cli_filings_mode = NULL;
done:
  for (int i = 0; i < n_args; i++) free(args[i]);
  free(args);
  review_filter_free(approved);
  json_decref(manifest);
  relief_filer_free(&filer);
  return code;
}
