/*
 * test_driver.c — the one job driver (pipeline/driver.c) given small plans
 * over DOJ files written to a temporary folder: a run's people and county
 * summary at 1 and 2 threads, a statewide plan's county plans and refused
 * copies, explain's group-only plan, errors from parse and from a sink,
 * and a plan_collector's view of the decided people.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"
#include "pipeline/pipeline.h"

static const char spec_options[] =
    "{\"baselineEligibility\": {\"dismiss\": [\"11357\", \"11358\"], \"reduce\": [\"11359\", "
    "\"11360\"]}, \"additionalRelief\": {\"subjectUnder21AtConviction\": true, "
    "\"subjectAgeThreshold\": 57, \"yearsSinceConvictionThreshold\": 10, "
    "\"yearsCrimeFreeThreshold\": 0, \"subjectIsDeceased\": true, "
    "\"subjectHasOnlyProp64Charges\": true}}";

static char dir[] = "/tmp/relief-driver-XXXXXX";
static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
static void teardown(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}
TestSuite(driver, .init = setup, .fini = teardown);

/* A court action row: the 95 fields with those named set. */
static void court(FILE *f, const char *subject, const char *cii, const char *cnt, const char *date,
                  const char *county, const char *offense, const char *stat, const char *dob) {
  const char *cells[RELIEF_NCOLS] = {0};
  cells[RELIEF_COL_SUBJECT_ID] = subject;
  cells[RELIEF_COL_CII_NUMBER] = cii;
  cells[RELIEF_COL_PRI_NAME] = "DOE JANE";
  cells[RELIEF_COL_PRI_DOB] = dob;
  cells[RELIEF_COL_STP_EVENT_DATE] = date;
  cells[RELIEF_COL_STP_TYPE_DESCR] = "COURT ACTION";
  cells[RELIEF_COL_STP_ORI_CNTY_NAME] = county;
  cells[RELIEF_COL_CNT_ORDER] = cnt;
  cells[RELIEF_COL_OFN] = "777";
  cells[RELIEF_COL_OFFENSE_DESCR] = offense;
  cells[RELIEF_COL_DISP_DESCR] = "CONVICTED";
  cells[RELIEF_COL_CONV_STAT_DESCR] = stat;
  for (int i = 0; i < RELIEF_NCOLS; i++) fprintf(f, "%s%s", i ? "," : "", cells[i] ? cells[i] : "");
  fputc('\n', f);
}

/* Four people, five rows: 11358 felony, 11357 misdemeanor, 11359 felony in
 * SACRAMENTO and 11360 felony in LOS ANGELES (one person), 459 PC only.
 * extra: one more row, a copy of the first (statewide refuses it). */
static char *write_input(const char *name, bool header, bool copy_only) {
  static char paths[4][512];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, 512, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  if (header)
    for (int i = 0; i < RELIEF_NCOLS; i++)
      fprintf(f, "%s%s", doj_column_names[i], i + 1 < RELIEF_NCOLS ? "," : "\n");
  court(f, "1", "A1", "101001001000", "19790601", "SACRAMENTO", "11358 HS-CULTIVATE", "FELONY",
        "19600314");
  if (!copy_only) {
    court(f, "2", "A2", "101001001000", "20180101", "SACRAMENTO", "11357(A) HS-POSSESS",
          "MISDEMEANOR", "19910101");
    court(f, "3", "A3", "101001001000", "20160101", "SACRAMENTO", "11359 HS-SELL", "FELONY",
          "19700101");
    court(f, "3", "A3", "102001001000", "20150601", "LOS ANGELES", "11360 HS-TRANSPORT", "FELONY",
          "19700101");
    court(f, "4", "A4", "101001001000", "20170201", "SACRAMENTO", "459 PC-BURGLARY", "FELONY",
          "19800101");
  }
  fclose(f);
  return p;
}

typedef struct {
  int calls;
  size_t people_seen;
  relief_status fail; /* returned by the sink */
} sink_log;

static void count_person(void *user, relief_person *p) {
  (void)p;
  ((sink_log *)user)->people_seen++;
}

static relief_status sink(void *user, pipeline *pl, relief_error *err) {
  sink_log *log = user;
  log->calls++;
  pipeline_each_person(pl, count_person, log);
  if (log->fail) return error_set(err, log->fail, NULL, 0, -1, "sink failed");
  return RELIEF_OK;
}

static relief_options options(void) {
  relief_options opt;
  relief_error err;
  cr_assert_eq(options_parse(spec_options, strlen(spec_options), "spec", true, &opt, &err),
               RELIEF_OK);
  return opt;
}

/* A run plan of one file for SACRAMENTO. */
static pipeline_plan run_plan(const char *const *path, county_plan *county,
                              relief_classifier *classifier, int threads, sink_log *log) {
  *county = (county_plan){.name = "SACRAMENTO", .options = options()};
  flow_configurable(&county->flow, &county->options);
  return (pipeline_plan){.inputs = path,
                         .n_inputs = 1,
                         .mode = PLAN_PER_FILE,
                         .stages = PLAN_DECIDE,
                         .county = "SACRAMENTO",
                         .plan = county,
                         .classifier = classifier,
                         .compute_day = doj_days_from_civil(2019, 11, 11),
                         .threads = threads,
                         .format_result = output_result_formatter,
                         .sinks = {sink, log}};
}

Test(driver, a_run_plan_gives_the_people_and_summary_at_1_and_2_threads) {
  const char *path = write_input("run.csv", true, false);
  relief_classifier *classifier = classifier_new();
  relief_summary sums[2];
  for (int threads = 1; threads <= 2; threads++) {
    county_plan county;
    sink_log log = {0};
    pipeline_plan plan = run_plan(&path, &county, classifier, threads, &log);
    pipeline *pl;
    relief_error err;
    cr_assert_eq(pipeline_drive(&plan, &pl, &err), RELIEF_OK, "%s", err.message);
    cr_assert_eq(log.calls, 1, "the emit sink runs once");
    cr_assert_eq(pipeline_rows(pl), 5);
    cr_assert_eq(pipeline_people(pl), 4);
    cr_assert_eq(log.people_seen, 4, "every person has a conviction");
    int64_t read, dup;
    pipeline_input_rows(pl, 0, &read, &dup);
    cr_assert_eq(read, 5);
    cr_assert_eq(dup, 0);
    cr_assert_eq(pipeline_n_inputs(pl), 1);
    cr_assert_gt(pipeline_input_stored_size(pl, 0), 0);
    const relief_summary *s = &county.summary;
    cr_assert_eq(s->earliest_state, RELIEF_EARLIEST_DAY);
    cr_assert_eq(s->earliest_day, doj_days_from_civil(1979, 6, 1));
    cr_assert_eq(s->prop64_by_section[2], 1);
    cr_assert_eq(s->prop64_by_section[3], 1);
    cr_assert_eq(s->prop64_by_section[4], 0, "the 11360 is in another county");
    cr_assert_eq(s->subjects_with_prop64_in_county, 3);
    cr_assert_eq(s->subjects_with_relief, 3);
    sums[threads - 1] = *s;
    pipeline_destroy(pl);
  }
  cr_assert_eq(memcmp(&sums[0], &sums[1], sizeof sums[0]), 0, "1 and 2 threads decide alike");
  classifier_free(classifier);
}

/* plan_county: the default options' configurable flow, counted. */
static void plan_county(void *user, county_plan *plan) {
  (*(int *)user)++;
  plan->options = options();
  flow_configurable(&plan->flow, &plan->options);
}

Test(driver, a_statewide_plan_decides_every_county_and_refuses_copies) {
  const char *paths[2] = {write_input("a.csv", true, false), write_input("b.csv", true, true)};
  relief_classifier *classifier = classifier_new();
  for (int threads = 1; threads <= 2; threads++) {
    int planned = 0;
    sink_log log = {0};
    pipeline_plan plan = {.inputs = paths,
                          .n_inputs = 2,
                          .mode = PLAN_MERGED,
                          .stages = PLAN_DECIDE,
                          .plan_county = plan_county,
                          .plan_user = &planned,
                          .classifier = classifier,
                          .compute_day = doj_days_from_civil(2019, 11, 11),
                          .threads = threads,
                          .format_result = output_result_formatter,
                          .sinks = {sink, &log}};
    pipeline *pl;
    relief_error err;
    cr_assert_eq(pipeline_drive(&plan, &pl, &err), RELIEF_OK, "%s", err.message);
    size_t n;
    county_plan *plans = pipeline_plans(pl, &n);
    cr_assert_eq(n, 2, "SACRAMENTO and LOS ANGELES");
    cr_assert_eq(planned, 2);
    cr_assert_eq(pipeline_rows(pl), 6);
    cr_assert_eq(pipeline_duplicate_rows(pl), 1, "b.csv's row is a copy of a.csv's");
    int64_t read, dup;
    pipeline_input_rows(pl, 1, &read, &dup);
    cr_assert_eq(read, 1);
    cr_assert_eq(dup, 1);
    for (size_t k = 0; k < n; k++)
      cr_assert_eq(plans[k].summary.earliest_state, RELIEF_EARLIEST_DAY, "%s", plans[k].name);
    const relief_summary *persons = pipeline_person_totals(pl);
    cr_assert_eq(persons->subjects_with_prop64_in_county, 3, "each person once");
    /* the rows given back while the job publishes: what it reads stays */
    pipeline_release_rows(pl); /* under ASan: nothing is freed twice or read after */
    cr_assert_eq(pipeline_rows(pl), 6);
    cr_assert_eq(pipeline_duplicate_rows(pl), 1);
    pipeline_input_rows(pl, 1, &read, &dup);
    cr_assert_eq(read, 1);
    cr_assert_eq(dup, 1, "counted before the rows went");
    pipeline_input_rows(pl, 0, &read, &dup);
    cr_assert_eq(read, 5);
    cr_assert_eq(dup, 0);
    cr_assert_eq(pipeline_person_totals(pl)->subjects_with_prop64_in_county, 3);
    pipeline_destroy(pl); /* waits for the release; frees nothing twice */
  }
  classifier_free(classifier);
}

/* A transport of one rank: what it sends comes back to it; calls counted. */
typedef struct {
  int exchanges, reduces, gathers, agrees;
} loopback;

static relief_status loop_exchange(void *user, const relief_buf *out, char **in, size_t *from,
                                   relief_error *err) {
  (void)err;
  ((loopback *)user)->exchanges++;
  cr_assert_eq(out[0].len % 8, 0, "the pipeline pads what it sends");
  *in = malloc(out[0].len + 8);
  if (out[0].len) memcpy(*in, out[0].data, out[0].len);
  from[0] = 0;
  from[1] = out[0].len;
  return RELIEF_OK;
}

static void loop_reduce(void *user, uint64_t *values, size_t n, transport_op op) {
  (void)values, (void)n, (void)op;
  ((loopback *)user)->reduces++;
}

static relief_status loop_gather(void *user, int root, const void *data, size_t len,
                                 transport_put put, void *put_user, relief_error *err) {
  ((loopback *)user)->gathers++;
  return len ? put(put_user, root, data, len, err) : RELIEF_OK;
}

static relief_status loop_agree(void *user, relief_status st, relief_error *err) {
  (void)err;
  ((loopback *)user)->agrees++;
  return st;
}

/* The emit sink across ranks: the view of the rows this rank writes. */
static relief_status view_sink(void *user, pipeline *pl, relief_error *err) {
  sink_log *log = user;
  log->calls++;
  return pipeline_emit_gather(
      pl, log->fail ? error_set(err, log->fail, NULL, 0, -1, "sink failed") : RELIEF_OK, err);
}

Test(driver, a_statewide_plan_across_a_transport_of_one_rank_decides_as_one_process) {
  const char *paths[2] = {write_input("ta.csv", true, false), write_input("tb.csv", true, true)};
  relief_classifier *classifier = classifier_new();
  pipeline *pl[2];
  loopback calls = {0};
  pipeline_transport t = {.rank = 0,
                          .size = 1,
                          .user = &calls,
                          .exchange = loop_exchange,
                          .reduce = loop_reduce,
                          .gather = loop_gather,
                          .agree = loop_agree};
  sink_log log[2] = {{0}, {0}};
  for (int across = 0; across < 2; across++) {
    int planned = 0;
    pipeline_plan plan = {.inputs = paths,
                          .n_inputs = 2,
                          .mode = PLAN_MERGED,
                          .stages = PLAN_DECIDE,
                          .plan_county = plan_county,
                          .plan_user = &planned,
                          .classifier = classifier,
                          .compute_day = doj_days_from_civil(2019, 11, 11),
                          .threads = 2,
                          .format_result = output_result_formatter,
                          .result_bytes = output_result_bytes,
                          .transport = across ? &t : NULL,
                          .sinks = {across ? view_sink : sink, &log[across]}};
    relief_error err;
    cr_assert_eq(pipeline_drive(&plan, &pl[across], &err), RELIEF_OK, "%s", err.message);
    cr_assert_eq(log[across].calls, 1, "the emit sink runs once");
  }
  cr_assert_gt(calls.exchanges, 0, "rows and results went through the transport");
  cr_assert_gt(calls.reduces, 0, "counts were reduced through it");
  cr_assert_gt(calls.agrees, 0, "the ranks agreed through it");
  cr_assert_eq(pipeline_rows(pl[1]), pipeline_rows(pl[0]));
  cr_assert_eq(pipeline_people(pl[1]), pipeline_people(pl[0]));
  cr_assert_eq(pipeline_duplicate_rows(pl[1]), 1);
  for (int i = 0; i < 2; i++) {
    int64_t read[2], dup[2];
    for (int k = 0; k < 2; k++) pipeline_input_rows(pl[k], i, &read[k], &dup[k]);
    cr_assert_eq(read[1], read[0], "input %d", i);
    cr_assert_eq(dup[1], dup[0], "input %d", i);
  }
  size_t n[2];
  county_plan *plans[2] = {pipeline_plans(pl[0], &n[0]), pipeline_plans(pl[1], &n[1])};
  cr_assert_eq(n[1], n[0]);
  for (size_t k = 0; k < n[0]; k++)
    cr_assert_eq(memcmp(&plans[1][k].summary, &plans[0][k].summary, sizeof(relief_summary)), 0,
                 "%s", plans[0][k].name);
  cr_assert_eq(
      memcmp(pipeline_person_totals(pl[1]), pipeline_person_totals(pl[0]), sizeof(relief_summary)),
      0);
  for (int k = 0; k < 2; k++) pipeline_destroy(pl[k]);
  classifier_free(classifier);
}

static void count_conviction(void *user, const relief_explain_conviction *c) {
  (void)c;
  (*(int *)user)++;
}

Test(driver, a_group_only_plan_keeps_keys_for_explain) {
  const char *path = write_input("explain.csv", true, false);
  relief_classifier *classifier = classifier_new();
  county_plan county;
  sink_log log = {0};
  pipeline_plan plan = run_plan(&path, &county, classifier, 2, &log);
  plan.stages = PLAN_GROUP;
  plan.keep_keys = true;
  plan.format_result = NULL;
  pipeline *pl;
  relief_error err;
  cr_assert_eq(pipeline_drive(&plan, &pl, &err), RELIEF_OK, "%s", err.message);
  cr_assert_eq(log.calls, 1);
  cr_assert_eq(county.summary.earliest_state, RELIEF_EARLIEST_UNSET, "nothing decided");
  size_t person;
  cr_assert(pipeline_find_person(pl, person_key_subject("3", 1), &person));
  cr_assert_not(pipeline_find_person(pl, person_key_subject("9", 1), &person));
  cr_assert(pipeline_find_person(pl, person_key_subject("3", 1), &person));
  int convictions = 0;
  relief_explain_person out = {0};
  pipeline_explain(pl, person, count_conviction, &convictions, &out);
  cr_assert_eq(convictions, 2);
  pipeline_destroy(pl);
  classifier_free(classifier);
}

Test(driver, a_parse_error_stops_before_the_sink_and_a_sink_error_is_returned) {
  char bad[600];
  snprintf(bad, sizeof bad, "%s/bad.csv", dir);
  FILE *f = fopen(bad, "wb");
  for (int i = 0; i < RELIEF_NCOLS; i++)
    fprintf(f, "%s%s", doj_column_names[i], i + 1 < RELIEF_NCOLS ? "," : "\n");
  fputs("a,b,c\n", f);
  fclose(f);
  const char *path = bad;
  relief_classifier *classifier = classifier_new();
  county_plan county;
  sink_log log = {0};
  pipeline_plan plan = run_plan(&path, &county, classifier, 2, &log);
  pipeline *pl;
  relief_error err;
  cr_assert_eq(pipeline_drive(&plan, &pl, &err), RELIEF_E_DATA);
  cr_assert_eq(err.line, 2);
  cr_assert_eq(log.calls, 0);
  cr_assert_not_null(pl, "what was read stays readable");
  pipeline_destroy(pl);
  path = write_input("good.csv", true, false);
  log.fail = RELIEF_E_IO;
  plan = run_plan(&path, &county, classifier, 2, &log);
  cr_assert_eq(pipeline_drive(&plan, &pl, &err), RELIEF_E_IO);
  cr_assert_eq(log.calls, 1);
  pipeline_destroy(pl);
  classifier_free(classifier);
}

/* What a plan_collector saw: begin and end calls, people, and the counties
 * each person came with (at most 4 threads). */
typedef struct {
  int begins, ends, threads;
  int people[4], counties[4], two_counties[4];
} collect_log;

static void collect_begin(void *user, const pipeline *pl, int threads) {
  (void)pl;
  collect_log *c = user;
  c->begins++;
  c->threads = threads;
}

static void collect_person(void *user, int thread, relief_person *p, const uint32_t *counties,
                           int n_counties, const relief_eval_ctx *ctx) {
  (void)p, (void)counties, (void)ctx;
  collect_log *c = user;
  cr_assert(thread >= 0 && thread < c->threads);
  c->people[thread]++;
  c->counties[thread] += n_counties;
  c->two_counties[thread] += n_counties == 2;
}

static void collect_end(void *user, const pipeline *pl) {
  (void)pl;
  ((collect_log *)user)->ends++;
}

static int sum4(const int *v) { return v[0] + v[1] + v[2] + v[3]; }

Test(driver, a_collector_sees_each_decided_person_once_with_its_counties) {
  const char *path = write_input("collect.csv", true, false);
  relief_classifier *classifier = classifier_new();
  for (int threads = 1; threads <= 2; threads++) {
    /* run mode: each person with a conviction, with the run's county */
    collect_log c = {0};
    plan_collector collector = {collect_begin, collect_person, collect_end, &c};
    county_plan county;
    sink_log log = {0};
    pipeline_plan plan = run_plan(&path, &county, classifier, threads, &log);
    plan.collector = &collector;
    pipeline *pl;
    relief_error err;
    cr_assert_eq(pipeline_drive(&plan, &pl, &err), RELIEF_OK, "%s", err.message);
    cr_assert_eq(c.begins, 1);
    cr_assert_eq(c.ends, 1);
    cr_assert_eq(c.threads, threads);
    cr_assert_eq(sum4(c.people), 4);
    cr_assert_eq(sum4(c.counties), 4, "one county each");
    pipeline_destroy(pl);
    /* statewide: each person with a Prop 64 conviction, once, with every
     * county that decided them (person 3: SACRAMENTO and LOS ANGELES) */
    collect_log s = {0};
    collector.user = &s;
    int planned = 0;
    pipeline_plan merged = {.inputs = &path,
                            .n_inputs = 1,
                            .mode = PLAN_MERGED,
                            .stages = PLAN_DECIDE,
                            .plan_county = plan_county,
                            .plan_user = &planned,
                            .classifier = classifier,
                            .compute_day = doj_days_from_civil(2019, 11, 11),
                            .threads = threads,
                            .format_result = output_result_formatter,
                            .collector = &collector};
    cr_assert_eq(pipeline_drive(&merged, &pl, &err), RELIEF_OK, "%s", err.message);
    cr_assert_eq(s.begins, 1);
    cr_assert_eq(s.ends, 1);
    cr_assert_eq(sum4(s.people), 3, "the 459 PC alone decides nobody");
    cr_assert_eq(sum4(s.counties), 4);
    cr_assert_eq(sum4(s.two_counties), 1);
    pipeline_destroy(pl);
  }
  classifier_free(classifier);
}
