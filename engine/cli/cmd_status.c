/*
 * cmd_status.c — `relief status --outputs=O --cii=N | --name=NAME --dob=DATE`:
 * one person's cases and counts with determination, review decision,
 * challenge reason, motion and court order, with dates. It prints personal
 * data because the user asked for that person, on stdout only, never to a
 * log; the search itself is recorded in the store's audit trail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "review/review.h"

static int usage_error(const cli_env *env, const char *fmt, const char *what) {
  relief_error err = {0};
  error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, fmt, what);
  return cli_fail(env, NULL, NULL, NULL, &err);
}

static void us_date(const char *ymd, char out[16]) {
  if (strlen(ymd) >= 10 && ymd[4] == '-')
    snprintf(out, 16, "%.2s/%.2s/%.4s", ymd + 5, ymd + 8, ymd);
  else if (strlen(ymd) == 8)
    snprintf(out, 16, "%.2s/%.2s/%.4s", ymd + 4, ymd + 6, ymd);
  else
    snprintf(out, 16, "%s", *ymd ? ymd : "-");
}

static void print_item(void *user, const review_person_item *it) {
  int *n = user;
  char d1[16], d2[16], d3[16], d4[16];
  if (!(*n)++) {
    us_date(it->dob, d1);
    printf("%s, born %s, CII %s\n", it->name, d1, *it->cii ? it->cii : "-");
  }
  printf("\ncase %s (item %s, %s, agency %s)\n", *it->case_number ? it->case_number : "-", it->item,
         !strcmp(it->kind, "relief") ? "relief" : "hand review", it->agency);
  printf("  counts:        %s\n", it->counts);
  printf("  determination: %s (%s)\n", it->proposed, it->reason);
  us_date(it->decided_at, d2);
  if (*it->decision)
    printf("  review:        %s on %s%s%s\n", it->decision, d2, *it->notes ? ": " : "",
           !strcmp(it->decision, "Deny") ? "" : it->notes);
  else
    printf("  review:        pending\n");
  if (!strcmp(it->decision, "Deny")) printf("  challenged:    %s\n", it->notes);
  us_date(it->filed_on, d3);
  printf("  motion:        %s\n", *it->filed_on ? d3 : "not filed");
  if (*it->filed_on) printf("  filed in:      %s\n", it->county);
  us_date(it->order_day, d4);
  if (*it->order)
    printf("  court order:   %s on %s\n", it->order, d4);
  else
    printf("  court order:   %s\n", *it->filed_on ? "pending" : "-");
  us_date(it->reported_on, d1);
  printf("  DOJ:           %s%s\n", *it->reported_on ? "reported on " : "not reported",
         *it->reported_on ? d1 : "");
}

int cmd_status(int argc, char **argv, const cli_env *env) {
  const char *outputs = NULL, *cii = NULL, *name = NULL, *dob = NULL, *by = NULL;
  const cli_option opts[] = {
      {"outputs", 'o', &outputs, NULL, "the bundle's folder with review.sqlite"},
      {"cii", 0, &cii, NULL, "the person's CII number"},
      {"name", 0, &name, NULL, "the person's name (LAST, FIRST), with --dob"},
      {"dob", 0, &dob, NULL, "the person's date of birth (MM/DD/YYYY), with --name"},
      {"by", 0, &by, NULL, "who searches (default: the login name), kept in the audit trail"},
  };
  int parsed = cli_parse(argc, argv, opts, 5,
                         "status --outputs=DIR (--cii=N | --name=NAME --dob=MM/DD/YYYY) "
                         "[--by=NAME]",
                         env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!outputs) return usage_error(env, "missing required option: --%s", "outputs");
  if (cii && !*cii) return usage_error(env, "%s", "--cii names no one: give the CII number");
  if (!cii && !(name && *name && dob && *dob))
    return usage_error(env, "%s", "name the person: --cii=N, or --name=NAME and --dob=DATE");
  if (!by || !*by) by = getenv("USER");
  relief_error err = {0};
  int shown = 0, found = 0;
  if (review_person_status(outputs, cii, cii ? NULL : name, cii ? NULL : dob,
                           by && *by ? by : "unknown", print_item, &shown, &found, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  if (!found) printf("no item of the review names this person\n");
  return 0;
}
