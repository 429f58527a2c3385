/*
 * cmd_review.c — `relief review init|export|import|status`: the human
 * review of a bundle's proposed relief in OUTPUTS/review.sqlite (see
 * engine/review/review.h). Prints counts only, never personal data.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "cli/cli.h"
#include "io/read_small.h"
#include "review/review.h"

static int usage_error(const cli_env *env, const char *fmt, const char *what) {
  relief_error err = {0};
  error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, fmt, what);
  return cli_fail(env, NULL, NULL, NULL, &err);
}

/* What each route matched, and a warning (with the nearest court values
 * in the data) for a route that matched nothing: a misspelt court would
 * otherwise send every item to the default agency silently. */
static int print_route_counts(const char *outputs, const char *routing, const cli_env *env) {
  relief_error err = {0};
  review_route_report r;
  if (review_routes_report(outputs, routing, &r, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  for (int i = 0; i < r.rt.n_routes; i++) {
    const review_route *rt = &r.rt.routes[i];
    char what[600];
    int n = snprintf(what, sizeof what, "route %d (agency \"%s\"", i + 1, rt->agency);
    if (rt->court && n < (int)sizeof what)
      n += snprintf(what + n, sizeof what - (size_t)n, ", court \"%s\"", rt->court);
    if (rt->felony >= 0 && n < (int)sizeof what)
      n +=
          snprintf(what + n, sizeof what - (size_t)n, ", felony %s", rt->felony ? "true" : "false");
    if (rt->section && n < (int)sizeof what)
      n += snprintf(what + n, sizeof what - (size_t)n, ", section \"%s\"", rt->section);
    if (n < (int)sizeof what) snprintf(what + n, sizeof what - (size_t)n, ")");
    printf("%s: %lld items\n", what, r.routes[i].matched);
    if (r.routes[i].matched) continue;
    fprintf(stderr, "%s: warning: %s matched no item", env->program, what);
    if (rt->court) {
      fprintf(stderr, "; `court` is matched, case and all, as part of the court value "
                      "(STP_ORI_DESCR)");
      for (int k = 0; k < r.routes[i].n_nearest; k++)
        fprintf(stderr, "%s\"%s\"",
                k ? ", " : "; nearest court values in the data: ", r.routes[i].nearest[k]);
      if (!r.routes[i].n_nearest) fprintf(stderr, "; no court value in the data is near it");
    }
    fprintf(stderr, "\n");
  }
  printf("default (agency \"%s\"): %lld items\n", r.rt.default_agency, r.default_items);
  review_route_report_free(&r);
  return 0;
}

static int review_init_cmd(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL, *routing = NULL;
  bool force = false;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder (made with --review-files)"},
      {"routing", 0, &routing, NULL,
       "routing JSON: which agency reviews which item. A route's `court` matches when it is "
       "part of the court value STP_ORI_DESCR (case and all: \"CASC PASADENA\" needs "
       "\"PASADENA\"); `section` is a prefix of the code section (\"11359\" matches "
       "11359(B)); `felony` is the conviction's felony flag"},
      {"force", 0, NULL, &force, "replace a store that already has decisions"},
  };
  int parsed =
      cli_parse(argc, argv, opts, 3, "review init --outputs=DIR [--routing=FILE] [--force]", env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs) return usage_error(env, "missing required option: --%s", "outputs");
  relief_error err = {0};
  long long n;
  if (review_init(outputs, routing, force, &n, &err)) return cli_fail(env, NULL, NULL, NULL, &err);
  printf("review store: %lld items\n", n);
  return print_route_counts(outputs, routing, env);
}

static int review_export_cmd(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL, *to = NULL, *format = NULL, *agency = NULL;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"to", 0, &to, NULL, "folder for the sheets (created if missing)"},
      {"format", 0, &format, NULL, "csv or xlsx (default csv)"},
      {"agency", 0, &agency, NULL, "only this agency's sheet"},
  };
  int parsed = cli_parse(argc, argv, opts, 4,
                         "review export --outputs=DIR --to=DIR [--format=csv|xlsx] "
                         "[--agency=NAME]",
                         env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs || !to)
    return usage_error(env, "missing required option: --%s", !outputs ? "outputs" : "to");
  relief_error err = {0};
  int n;
  if (review_export(outputs, to, format ? format : "csv", agency, &n, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  printf("exported %d sheet(s)\n", n);
  return 0;
}

static bool option_takes_value(const char *arg) {
  static const char *const with_value[] = {"--outputs", "-o", "--reviewer"};
  for (size_t i = 0; i < 3; i++)
    if (!strcmp(arg, with_value[i])) return true;
  return false;
}

static int review_import_cmd(int argc, char **argv, const cli_env *env) {
  /* options go to cli_parse, the other arguments are sheets */
  char **opt_argv = xcalloc((size_t)argc + 1, sizeof *opt_argv);
  char **sheets = xcalloc((size_t)argc + 1, sizeof *sheets);
  int n_opt = 1, n_sheets = 0;
  opt_argv[0] = argv[0];
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1]) {
      opt_argv[n_opt++] = argv[i];
      if (option_takes_value(argv[i]) && i + 1 < argc) opt_argv[n_opt++] = argv[++i];
    } else {
      sheets[n_sheets++] = argv[i];
    }
  }
  const char *outputs = NULL, *reviewer = NULL;
  bool force = false;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"reviewer", 0, &reviewer, NULL, "who decided (recorded with each decision)"},
      {"force", 0, NULL, &force,
       "record a stale sheet's decisions anyway (items decided after its export); the override "
       "is kept in the audit trail"},
  };
  int rc = 0;
  int parsed = cli_parse(n_opt, opt_argv, opts, 3,
                         "review import --outputs=DIR --reviewer=NAME [--force] "
                         "SHEET.csv|SHEET.xlsx...",
                         env);
  if (parsed) {
    rc = parsed > 0 ? 0 : 1;
  } else if (!outputs || !reviewer || !*reviewer) {
    rc = usage_error(env, "missing required option: --%s", !outputs ? "outputs" : "reviewer");
  } else if (!n_sheets) {
    rc = usage_error(env, "%s", "no sheets to import");
  } else {
    relief_error err = {0};
    long long n;
    if (review_import(outputs, reviewer, sheets, n_sheets, force, &n, &err))
      rc = cli_fail(env, NULL, NULL, NULL, &err);
    else
      printf("recorded %lld decision(s) from %d sheet(s)\n", n, n_sheets);
  }
  free(opt_argv);
  free(sheets);
  return rc;
}

static json_t *counts_json(const review_counts *c) {
  return json_pack("{sI sI sI sI sI}", "items", (json_int_t)c->items, "pending",
                   (json_int_t)c->pending, "approved", (json_int_t)c->approved, "denied",
                   (json_int_t)c->denied, "held", (json_int_t)c->held);
}

static int review_status_cmd(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL;
  bool as_json = false;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"json", 0, NULL, &as_json, "print JSON"},
  };
  int parsed = cli_parse(argc, argv, opts, 2, "review status --outputs=DIR [--json]", env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs) return usage_error(env, "missing required option: --%s", "outputs");
  relief_error err = {0};
  review_status_report r;
  if (review_status(outputs, &r, &err)) return cli_fail(env, NULL, NULL, NULL, &err);
  if (as_json) {
    json_t *root = counts_json(&r.total), *by = json_object();
    for (int i = 0; i < r.n_agencies; i++)
      json_object_set_new(by, r.by_agency[i].agency, counts_json(&r.by_agency[i].c));
    json_object_set_new(root, "byAgency", by);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text);
    free(text);
    json_decref(root);
  } else {
    printf("%-32s %8s %8s %8s %8s %8s\n", "agency", "items", "pending", "approved", "denied",
           "held");
    for (int i = 0; i < r.n_agencies; i++) {
      const review_counts *c = &r.by_agency[i].c;
      printf("%-32s %8lld %8lld %8lld %8lld %8lld\n", r.by_agency[i].agency, c->items, c->pending,
             c->approved, c->denied, c->held);
    }
    const review_counts *c = &r.total;
    printf("%-32s %8lld %8lld %8lld %8lld %8lld\n", "total", c->items, c->pending, c->approved,
           c->denied, c->held);
  }
  review_status_free(&r);
  return 0;
}

/* `review filer set --outputs=O --agency=NAME FILE`: the agency's filer
 * profile (the --filer format, validated) kept in the store. */
static int review_filer_cmd(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL, *agency = NULL, *file = NULL;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"agency", 0, &agency, NULL, "the agency (as routed) the profile files for"},
  };
  static const char usage[] = "review filer set --outputs=DIR --agency=NAME FILE";
  if (argc < 2 || strcmp(argv[1], "set")) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
      printf("usage: %s %s\n", env->program, usage);
      return 0;
    }
    return usage_error(env, "usage: %s", usage);
  }
  /* the options, then the profile's path (the one argument not an option) */
  char **opt_argv = xcalloc((size_t)argc + 1, sizeof *opt_argv);
  int n_opt = 0, n_files = 0;
  opt_argv[n_opt++] = argv[1];
  for (int i = 2; i < argc; i++)
    if (!strncmp(argv[i], "-", 1))
      opt_argv[n_opt++] = argv[i];
    else
      file = argv[i], n_files++;
  int parsed = cli_parse(n_opt, opt_argv, opts, 2, usage, env);
  free(opt_argv);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs || !agency)
    return usage_error(env, "missing required option: --%s", !outputs ? "outputs" : "agency");
  if (n_files != 1) return usage_error(env, "%s", "name exactly one filer profile FILE");
  /* read once: the bytes checked are the bytes kept (a file swapped between
   * a check and a second read would keep an unchecked profile) */
  relief_error err = {0};
  char *raw = NULL;
  size_t raw_len = 0;
  relief_filer filer;
  relief_status st =
      read_small_file(file, 1 << 20, "filer profile", RELIEF_E_USAGE, &raw, &raw_len, &err);
  if (!st) st = relief_filer_parse(raw, file, &filer, &err);
  if (st) {
    free(raw);
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  relief_filer_free(&filer);
  json_t *root = json_loadb(raw, raw_len, JSON_REJECT_DUPLICATES, NULL);
  free(raw);
  char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(root);
  st = text ? review_filer_set(outputs, agency, text, &err)
            : error_set(&err, RELIEF_E_USAGE, file, 0, -1, "not a filer profile");
  free(text);
  if (st) return cli_fail(env, NULL, NULL, NULL, &err);
  printf("filer profile set for agency %s\n", agency);
  return 0;
}

int cmd_review(int argc, char **argv, const cli_env *env) {
  static const char usage[] =
      "usage: %s review <init|export|import|status|filer set> [options]\n\n"
      "  init    build OUTPUTS/review.sqlite from a bundle made with --review-files;\n"
      "          routes match `court` as part of STP_ORI_DESCR and `section` as a\n"
      "          prefix of the code section\n"
      "  export  write one review sheet (CSV or XLSX) per agency\n"
      "  import  record the decisions of edited sheets (all or nothing)\n"
      "  status  items, pending, approved, denied and held, by agency\n"
      "  filer set --agency=NAME FILE\n"
      "          keep an agency's filer profile (the --filer JSON) for relief filings\n";
  static const cli_subcommand subs[] = {{"init", review_init_cmd},
                                        {"export", review_export_cmd},
                                        {"import", review_import_cmd},
                                        {"status", review_status_cmd},
                                        {"filer", review_filer_cmd}};
  return cli_subcommand_run(argc, argv, env, "review", usage, subs, sizeof subs / sizeof subs[0]);
}
