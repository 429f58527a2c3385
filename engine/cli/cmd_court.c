/*
 * cmd_court.c — `relief court import|status|report-doj`: after the motions
 * are filed, the court's orders come back into OUTPUTS/review.sqlite, the
 * motions are counted by agency and court, and the granted relief is
 * written for DOJ (see engine/review/court.c). Each brings where relief
 * stands up to date in the bundle's report. Prints counts only.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "review/review.h"

static int usage_error(const cli_env *env, const char *fmt, const char *what) {
  relief_error err = {0};
  error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, fmt, what);
  return cli_fail(env, NULL, NULL, NULL, &err);
}

/* Who acts: --by, else the login name. */
static const char *actor_of(const char *by) {
  if (by && *by) return by;
  const char *user = getenv("USER");
  return user && *user ? user : "unknown";
}

/* Where relief stands, published after the store's figures change: its own
 * page and the bundle's report.html (and report.pdf), drawn again whole.
 * Returns 0, or cli_fail's code; a report left alone is a warning. */
int cli_publish_standing(const cli_env *env, const char *outputs) {
  relief_error err = {0};
  review_report_outcome out;
  if (review_publish_standing(outputs, &out, &err)) return cli_fail(env, NULL, NULL, NULL, &err);
  if (out.left_alone[0])
    fprintf(stderr, "%s: warning: the report was not brought up to date (%s)\n", env->program,
            out.left_alone);
  return 0;
}

static int court_import_cmd(int argc, char **argv, const cli_env *env) {
  char **opt_argv = xcalloc((size_t)argc + 1, sizeof *opt_argv);
  char **files = xcalloc((size_t)argc + 1, sizeof *files);
  int n_opt = 1, n_files = 0;
  opt_argv[0] = argv[0];
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1]) {
      opt_argv[n_opt++] = argv[i];
      if ((!strcmp(argv[i], "--outputs") || !strcmp(argv[i], "-o") || !strcmp(argv[i], "--by")) &&
          i + 1 < argc)
        opt_argv[n_opt++] = argv[++i];
    } else {
      files[n_files++] = argv[i];
    }
  }
  const char *outputs = NULL, *by = NULL;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"by", 0, &by, NULL, "who records the orders (default: the login name)"},
  };
  int rc = 0;
  int parsed = cli_parse(n_opt, opt_argv, opts, 2,
                         "court import --outputs=DIR [--by=NAME] COURT_LIST.csv...", env);
  if (parsed) {
    rc = parsed > 0 ? 0 : 1;
  } else if (!outputs) {
    rc = usage_error(env, "missing required option: --%s", "outputs");
  } else if (!n_files) {
    rc = usage_error(env, "%s", "no court lists to import");
  } else {
    relief_error err = {0};
    long long n;
    if (review_court_import(outputs, actor_of(by), files, n_files, &n, &err))
      rc = cli_fail(env, NULL, NULL, NULL, &err);
    else
      printf("recorded %lld order(s) from %d file(s)\n", n, n_files);
    if (!rc) rc = cli_publish_standing(env, outputs);
  }
  free(opt_argv);
  free(files);
  return rc;
}

static void us_date(const char *ymd, char out[16]) {
  if (strlen(ymd) == 8)
    snprintf(out, 16, "%.2s/%.2s/%.4s", ymd + 4, ymd + 6, ymd);
  else
    snprintf(out, 16, "%s", ymd);
}

static json_t *court_json(const review_court_counts *c) {
  char oldest[16];
  us_date(c->oldest_pending, oldest);
  return json_pack("{sI sI sI sI sI s:s*}", "filed", (json_int_t)c->filed, "granted",
                   (json_int_t)c->granted, "denied", (json_int_t)c->denied, "pending",
                   (json_int_t)c->pending, "reported", (json_int_t)c->reported,
                   "oldestPendingFiled", c->oldest_pending[0] ? oldest : NULL);
}

static void court_line(const char *name, const review_court_counts *c) {
  char oldest[16];
  us_date(c->oldest_pending, oldest);
  printf("%-40.40s %7lld %7lld %7lld %7lld %8lld  %s\n", name, c->filed, c->granted, c->denied,
         c->pending, c->reported, c->oldest_pending[0] ? oldest : "-");
}

static void print_court_table(const char *title, const review_court_counts *c, int n) {
  printf("%-40s %7s %7s %7s %7s %8s  %s\n", title, "filed", "granted", "denied", "pending",
         "reported", "oldest pending");
  for (int i = 0; i < n; i++) court_line(c[i].name, &c[i]);
}

static int court_status_cmd(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL;
  bool as_json = false;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"json", 0, NULL, &as_json, "print JSON"},
  };
  int parsed = cli_parse(argc, argv, opts, 2, "court status --outputs=DIR [--json]", env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs) return usage_error(env, "missing required option: --%s", "outputs");
  relief_error err = {0};
  review_court_report r;
  if (review_court_status(outputs, &r, &err)) return cli_fail(env, NULL, NULL, NULL, &err);
  /* the impact report's "where relief stands": its page and the bundle's report */
  int code = cli_publish_standing(env, outputs);
  if (code) {
    review_court_report_free(&r);
    return code;
  }
  if (as_json) {
    json_t *root = court_json(&r.total), *agencies = json_object(), *courts = json_object();
    for (int i = 0; i < r.n_agencies; i++)
      json_object_set_new(agencies, r.by_agency[i].name, court_json(&r.by_agency[i]));
    for (int i = 0; i < r.n_courts; i++)
      json_object_set_new(courts, r.by_court[i].name, court_json(&r.by_court[i]));
    json_object_set_new(root, "byAgency", agencies);
    json_object_set_new(root, "byCourt", courts);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text);
    free(text);
    json_decref(root);
  } else {
    print_court_table("agency", r.by_agency, r.n_agencies);
    court_line("total", &r.total);
    printf("\n");
    print_court_table("court", r.by_court, r.n_courts);
  }
  review_court_report_free(&r);
  return 0;
}

static int court_report_cmd(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL, *to = NULL, *by = NULL;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"to", 0, &to, NULL, "the folder doj_update.csv is written to"},
      {"by", 0, &by, NULL, "who reports (default: the login name)"},
  };
  int parsed =
      cli_parse(argc, argv, opts, 3, "court report-doj --outputs=DIR --to=DIR [--by=NAME]", env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs || !to)
    return usage_error(env, "missing required option: --%s", !outputs ? "outputs" : "to");
  relief_error err = {0};
  long long items, rows;
  if (review_report_doj(outputs, to, actor_of(by), &items, &rows, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  printf("reported %lld granted item(s), %lld count(s), to %s/doj_update.csv\n", items, rows, to);
  return cli_publish_standing(env, outputs);
}

int cmd_court(int argc, char **argv, const cli_env *env) {
  static const char usage[] =
      "usage: %s court <import|status|report-doj> [options]\n\n"
      "  import      record the court's orders: returned court_list.csv files (or any CSV\n"
      "              with Case Number, CII_NUMBER, Order and Order Date), all or nothing\n"
      "  status      motions filed, granted, denied and pending, by agency and court\n"
      "  report-doj  write doj_update.csv: the granted relief not reported yet, per count\n";
  static const cli_subcommand subs[] = {
      {"import", court_import_cmd}, {"status", court_status_cmd}, {"report-doj", court_report_cmd}};
  return cli_subcommand_run(argc, argv, env, "court", usage, subs, sizeof subs / sizeof subs[0]);
}
