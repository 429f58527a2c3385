/*
 * cmd_explain.c — `relief explain`: one person's convictions in order, the
 * feature bits that held for each and the rule that decided it. Names,
 * birth dates and CII numbers appear only with --show-pii.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void print_conviction(void *user, const relief_explain_conviction *c) {
  (void)user;
  printf("\n#%d  data row %zu  %s  disposition %02d/%02d/%04d%s  county %s  %s\n", c->index, c->row,
         c->code_section, c->disposition_month, c->disposition_mday, c->disposition_year,
         c->disposition_known ? "" : " (unknown)", c->county,
         c->felony ? "felony" : "misdemeanor/infraction");
  printf("    features:");
  for (int b = 0; relief_feature_name(b); b++)
    if (c->features & (1ull << b)) printf(" %s", relief_feature_name(b));
  printf("\n");
  char verdict[512];
  relief_explain_verdict(c, verdict, sizeof verdict);
  printf("    %s\n", verdict);
}

/* Finds the person and prints their convictions, then who they are. */
static int explain_person(const cli_env *env, const relief_explain_config *cfg, const char *input,
                          bool show_pii, relief_error *err) {
  relief_explain_person person;
  if (relief_explain(cfg, &person, print_conviction, NULL, err))
    return cli_fail(env, NULL, NULL, err->file[0] ? err->file : NULL, err);
  if (!person.found) {
    error_set(err, RELIEF_E_DATA, input, 0, -1, "no row has that SUBJECT_ID or CII number%s",
              show_pii ? "" : " (value not shown)");
    return cli_fail(env, NULL, NULL, NULL, err);
  }
  printf("\nperson: %d conviction(s)%s%s\n", person.n_convictions,
         person.deceased ? ", deceased" : "", person.registered ? ", PC 290 registered" : "");
  if (show_pii)
    printf("name %s, date of birth %s, CII %s, SUBJECT_ID %s\n", person.name, person.dob,
           person.cii, person.subject_id);
  return 0;
}

int cmd_explain(int argc, char **argv, const cli_env *env) {
  const char *input = NULL, *subject = NULL, *county = NULL, *compute_at = NULL,
             *options_path = NULL, *flow_name = NULL, *age = NULL, *years_free = NULL;
  bool show_pii = false;
  const cli_option opts[] = {
      {"input-doj", 0, &input, NULL, "the DOJ extract (plain or zstd)"},
      {"subject", 0, &subject, NULL, "the person: SUBJECT_ID or CII number"},
      {"county", 'c', &county, NULL, "the county deciding"},
      {"compute-at", 0, &compute_at, NULL,
       "date eligibility is decided at, YYYY-MM-DD (default today)"},
      {"eligibility-options", 0, &options_path, NULL, "options JSON for the configurable flow"},
      {"flow", 0, &flow_name, NULL, "configurable (default), los-angeles, or a flow file"},
      {"individual-age", 0, &age, NULL, "los-angeles flow: age that dismisses (default 50)"},
      {"years-conviction-free", 0, &years_free, NULL,
       "los-angeles flow: conviction-free years (default 10)"},
      {"show-pii", 0, NULL, &show_pii, "also print the person's name, birth date and CII number"},
  };
  int parsed = cli_parse(argc, argv, opts, (int)(sizeof opts / sizeof *opts),
                         "explain --input-doj=F --subject=ID --county=NAME [--flow=...] "
                         "[--eligibility-options=FILE] [--compute-at=YYYY-MM-DD] [--show-pii]",
                         env);
  if (parsed) return parsed > 0 ? 0 : 1;
  relief_error err = {0};
  bool configurable = !flow_name || !strcmp(flow_name, "configurable");
  if (!input || !subject || !county || (configurable && !options_path)) {
    error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, "missing required option: --%s",
              !input     ? "input-doj"
              : !subject ? "subject"
              : !county  ? "county"
                         : "eligibility-options");
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  relief_explain_config cfg = {.input = input, .subject = subject, .county = county};
  int threads;
  if (cli_parse_common(env, compute_at, NULL, &cfg.compute_day, &threads, &err))
    return cli_fail(env, NULL, NULL, NULL, &err);
  cfg.threads = threads;
  relief_options *options = NULL, no_options = {0};
  relief_flow *flow = NULL, configurable_flow;
  if (cli_load_options(options_path, true, &options, &err) ||
      (!configurable && cli_load_flow(flow_name, age, years_free, &flow, &err))) {
    relief_options_free(options);
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  cfg.options = options ? options : &no_options;
  cfg.flow = flow;
  if (configurable) flow_configurable(&configurable_flow, cfg.options);
  const relief_flow *used = flow ? flow : &configurable_flow;
  printf("flow %s, county %s, compute date %s\n", used->name, county,
         compute_at ? compute_at : "today");
  int code = explain_person(env, &cfg, input, show_pii, &err);
  relief_options_free(options);
  relief_flow_free(flow);
  return code;
}
