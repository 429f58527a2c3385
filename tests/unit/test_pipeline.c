/*
 * test_pipeline.c — the pipeline driven directly (parse → group → evaluate)
 * on small DOJ files written to a temporary folder: row and people counts,
 * the county summary's tallies, identical results on 1 and 2 threads, parse
 * errors with their line, the explain step, and adding up summaries.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"
#include "output/result_row.h"
#include "pipeline/pipeline_int.h" /* white-box: the stages one by one */

static const char spec_options[] =
    "{\"baselineEligibility\": {\"dismiss\": [\"11357\", \"11358\"], \"reduce\": [\"11359\", "
    "\"11360\"]}, \"additionalRelief\": {\"subjectUnder21AtConviction\": true, "
    "\"subjectAgeThreshold\": 57, \"yearsSinceConvictionThreshold\": 10, "
    "\"yearsCrimeFreeThreshold\": 0, \"subjectIsDeceased\": true, "
    "\"subjectHasOnlyProp64Charges\": true}}";

/* The configurable flow's rows under spec_options, by index. */
enum {
  ROW_MISDEMEANOR = 0,
  ROW_DISMISS_11357,
  ROW_DISMISS_11358,
  ROW_UNDER_21,
  ROW_AGE,
  ROW_YEARS_SINCE,
  ROW_ONLY_PROP64,
  ROW_DECEASED_RULE,
  ROW_REDUCE_11359,
  ROW_REDUCE_11360
};

static char dir[] = "/tmp/relief-pipeline-XXXXXX";
static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
static void teardown(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}
TestSuite(pipeline, .init = setup, .fini = teardown);

/* ---- writing inputs ---- */

typedef struct {
  char *data;
  size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    t->cap = (t->len + n + 1) * 2;
    t->data = realloc(t->data, t->cap);
  }
  memcpy(t->data + t->len, s, n);
  t->len += n;
  t->data[t->len] = 0;
}

static void header(text *t) {
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    if (i) put(t, ",", 1);
    put(t, doj_column_names[i], strlen(doj_column_names[i]));
  }
  put(t, "\n", 1);
}

/* One 95-field row: (column, raw text) pairs ended by -1. */
static void row(text *t, int first_col, ...) {
  const char *cells[RELIEF_NCOLS] = {0};
  va_list ap;
  va_start(ap, first_col);
  for (int col = first_col; col >= 0; col = va_arg(ap, int)) cells[col] = va_arg(ap, const char *);
  va_end(ap);
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    if (i) put(t, ",", 1);
    if (cells[i]) put(t, cells[i], strlen(cells[i]));
  }
  put(t, "\n", 1);
}

/* A court action: subject, CNT_ORDER, date, county, offense, disposition,
 * conviction status, OFN, birth date. */
static void court(text *t, const char *subject, const char *cnt, const char *date,
                  const char *county, const char *offense, const char *disp, const char *stat,
                  const char *ofn, const char *dob) {
  row(t, 0, "x", RELIEF_COL_SUBJECT_ID, subject, RELIEF_COL_PRI_DOB, dob, RELIEF_COL_STP_EVENT_DATE,
      date, RELIEF_COL_STP_TYPE_DESCR, "COURT ACTION", RELIEF_COL_STP_ORI_CNTY_NAME, county,
      RELIEF_COL_CNT_ORDER, cnt, RELIEF_COL_OFN, ofn, RELIEF_COL_OFFENSE_DESCR, offense,
      RELIEF_COL_DISP_DESCR, disp, RELIEF_COL_CONV_STAT_DESCR, stat, -1);
}

static char *write_file(const char *name, const text *t) {
  static char paths[4][512];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, 512, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  if (t->len) cr_assert_eq(fwrite(t->data, 1, t->len, f), t->len);
  fclose(f);
  return p;
}

/* Five people, seven rows (compute 2019-11-11, county SACRAMENTO):
 *  3001: arrest for 11358 in 1979, then an 11358 felony → dismiss 11358
 *  3002: 11357(A) misdemeanor 2018 → misdemeanor
 *  3003: 11360 felony in LOS ANGELES (no result), 11359 felony 2016 → only Prop 64
 *  3004: 11359 felony 2017 and 459 PC felony → reduce 11359
 *  3005: a dismissed charge only (no conviction) */
static text small_input(void) {
  text t = {0};
  header(&t);
  row(&t, 0, "x", RELIEF_COL_SUBJECT_ID, "3001", RELIEF_COL_PRI_DOB, "19600314",
      RELIEF_COL_STP_EVENT_DATE, "19790525", RELIEF_COL_STP_TYPE_DESCR, "ARREST/DETAINED/CITED",
      RELIEF_COL_STP_ORI_CNTY_NAME, "SACRAMENTO", RELIEF_COL_CNT_ORDER, "101001001000",
      RELIEF_COL_OFFENSE_DESCR, "11358 HS-CULTIVATE", -1);
  court(&t, "3001", "101001002000", "19790601", "SACRAMENTO", "11358 HS-CULTIVATE",
        "CONVICTED-JAIL", "FELONY", "140189", "19600314");
  court(&t, "3002", "101001001000", "20180101", "SACRAMENTO", "11357(A) HS-POSSESS",
        "CONVICTED-JAIL", "MISDEMEANOR", "222", "19910101");
  court(&t, "3003", "101001001000", "20150601", "LOS ANGELES", "11360 HS-TRANSPORT", "CONVICTED",
        "FELONY", "333", "19700101");
  court(&t, "3003", "102001001000", "20160101", "SACRAMENTO", "11359 HS-SELL", "CONVICTED",
        "FELONY", "444", "19700101");
  court(&t, "3004", "101001001000", "20170101", "SACRAMENTO", "11359 HS-SELL", "CONVICTED",
        "FELONY", "555", "19800101");
  court(&t, "3004", "102001001000", "20170201", "SACRAMENTO", "459 PC-BURGLARY", "CONVICTED",
        "FELONY", "556", "19800101");
  court(&t, "3005", "101001001000", "20170201", "SACRAMENTO", "11357 HS", "DISMISSED", "", "557",
        "19800101");
  return t;
}

/* ---- running the pipeline as job_run.c does ---- */

typedef struct {
  relief_classifier *classifier;
  county_plan plan;
  pipeline pl;
} run;

static relief_status run_start(run *r, const char *path, int threads, relief_error *err) {
  memset(r, 0, sizeof *r);
  r->classifier = classifier_new();
  cr_assert_not_null(r->classifier);
  relief_options opt;
  cr_assert_eq(options_parse(spec_options, strlen(spec_options), "spec", true, &opt, err),
               RELIEF_OK);
  r->plan = (county_plan){.name = "SACRAMENTO", .options = opt, .n_files = 0};
  flow_configurable(&r->plan.flow, &opt);
  r->pl = (pipeline){.classifier = r->classifier,
                     .compute_day = doj_days_from_civil(2019, 11, 11),
                     .format_result = output_result_formatter,
                     .n_threads = threads};
  flow_dismiss_all_prop64(&r->pl.dismiss_all);
  return pipeline_parse(&r->pl, &path, 1, err);
}

static void run_decide(run *r) {
  r->pl.run_county = (int)intern_get(&r->pl.counties, "SACRAMENTO", 10);
  r->pl.plans = &r->plan;
  r->pl.n_plans = 1;
  pipeline_group(&r->pl);
  pipeline_evaluate(&r->pl);
}

static void run_free(run *r) {
  pipeline_free_arenas(&r->pl);
  pipeline_free(&r->pl);
  classifier_free(r->classifier);
}

/* The row rec and result of the k-th data row. */
static const row_rec *rec_at(const pipeline *pl, size_t k, const row_result **result) {
  for (size_t s = 0; s < pl->n_segs; s++) {
    if (k < pl->segs[s].n_rows) {
      if (result) *result = pl->segs[s].result[k];
      return &pl->segs[s].rows[k];
    }
    k -= pl->segs[s].n_rows;
  }
  cr_assert_fail("no data row %zu", k);
  return NULL;
}

static char *result_text(const row_result *r) {
  if (!r) return strdup("(none)");
  size_t n = r->head_len + r->tail_len + r->extended_len;
  char *s = malloc(n + 1);
  memcpy(s, r->text, n);
  s[n] = 0;
  return s;
}

/* ---- counts and tallies ---- */

Test(pipeline, counts_rows_and_people_of_a_small_file) {
  text t = small_input();
  const char *path = write_file("small.csv", &t);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 2, &err), RELIEF_OK, "%s", err.message);
  run_decide(&r);
  cr_assert_eq(r.pl.n_rows, 8);
  cr_assert_eq(r.pl.n_people, 5);
  /* rows of one subject are one person, others another */
  uint32_t p3001 = rec_at(&r.pl, 0, NULL)->person;
  cr_assert_eq(rec_at(&r.pl, 1, NULL)->person, p3001);
  cr_assert_eq(rec_at(&r.pl, 3, NULL)->person, rec_at(&r.pl, 4, NULL)->person);
  cr_assert_neq(rec_at(&r.pl, 2, NULL)->person, p3001);
  /* results on exactly the in-county Prop 64 convictions */
  int want_result[8] = {0, 1, 1, 0, 1, 1, 0, 0};
  for (size_t k = 0; k < 8; k++) {
    const row_result *res;
    rec_at(&r.pl, k, &res);
    cr_assert_eq(res != NULL, want_result[k], "data row %zu", k + 1);
  }
  run_free(&r);
  free(t.data);
}

Test(pipeline, tallies_the_county_summary) {
  text t = small_input();
  const char *path = write_file("small.csv", &t);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 2, &err), RELIEF_OK, "%s", err.message);
  run_decide(&r);
  const relief_summary *s = &r.plan.summary;
  cr_assert_eq(s->earliest_state, RELIEF_EARLIEST_DAY);
  cr_assert_eq(s->earliest_day, doj_days_from_civil(1979, 6, 1));
  cr_assert_eq(s->prop64_by_section[1], 1);
  cr_assert_eq(s->prop64_by_section[2], 1);
  cr_assert_eq(s->prop64_by_section[3], 2);
  cr_assert_eq(s->prop64_by_section[4], 0, "the 11360 is in another county");
  cr_assert_eq(s->prop64_felony, 3);
  cr_assert_eq(s->prop64_nonfelony, 1);
  cr_assert_eq(s->subjects_with_prop64_in_county, 4);
  cr_assert_eq(s->subjects_with_relief, 4);
  cr_assert_eq(s->count_by_flow_row[ROW_MISDEMEANOR], 1);
  cr_assert_eq(s->count_by_flow_row[ROW_DISMISS_11358], 1);
  cr_assert_eq(s->count_by_flow_row[ROW_ONLY_PROP64], 1);
  cr_assert_eq(s->count_by_flow_row[ROW_REDUCE_11359], 1);
  int64_t decided = 0;
  for (int i = 0; i < RELIEF_FLOW_MAX_ROWS; i++) decided += s->count_by_flow_row[i];
  cr_assert_eq(decided, 4);
  /* 3001 has no felony left; 3001 and 3002 no conviction; 3002 none in 7 years */
  cr_assert_eq(s->current.no_felony, 1);
  cr_assert_eq(s->current.no_conviction, 2);
  cr_assert_eq(s->current.no_conviction_last7, 1);
  cr_assert_eq(s->dismiss_all.no_felony, 1);
  cr_assert_eq(s->dismiss_all.no_conviction, 2);
  cr_assert_eq(s->dismiss_all.no_conviction_last7, 1);
  cr_assert_eq(s->by_section_outcome[1][RELIEF_DET_DISMISS], 1);
  cr_assert_eq(s->by_section_outcome[2][RELIEF_DET_DISMISS], 1);
  cr_assert_eq(s->by_section_outcome[3][RELIEF_DET_DISMISS], 1);
  cr_assert_eq(s->by_section_outcome[3][RELIEF_DET_REDUCE], 1);
  /* relief for 3002's 2018 and 3004's 2017 conviction waits for a reviewer's
   * check of the facts (after 11/08/2016), as the review store holds it */
  cr_assert_eq(s->hand_review, 2);
  cr_assert_eq(s->line_count, 0, "lineCount is the job's to set");
  run_free(&r);
  free(t.data);
}

Test(pipeline, a_county_without_prop64_convictions_has_no_earliest_date) {
  text t = {0};
  header(&t);
  court(&t, "1", "101001001000", "20100101", "SACRAMENTO", "459 PC-BURGLARY", "CONVICTED", "FELONY",
        "1", "19700101");
  const char *path = write_file("none.csv", &t);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 1, &err), RELIEF_OK, "%s", err.message);
  run_decide(&r);
  cr_assert_eq(r.plan.summary.earliest_state, RELIEF_EARLIEST_NONE);
  cr_assert_eq(r.plan.summary.subjects_with_prop64_in_county, 0);
  cr_assert_eq(r.pl.n_people, 1);
  run_free(&r);
  free(t.data);
}

/* ---- threads ---- */

static const char *const offenses[] = {"11357(A) HS-POSSESS", "11358 HS-CULTIVATE",
                                       "11359 HS-SELL",       "11360 HS-TRANSPORT",
                                       "459 PC-BURGLARY",     "187 PC-MURDER"};

/* About 3 MB: 1 thread cuts it into 4 segments, 2 threads into 8; each
 * person's rows lie far apart in the file. */
static text big_input(size_t n_rows, size_t n_people) {
  text t = {0};
  header(&t);
  char subject[32], cnt[32], date[32], ofn[32], dob[32], pad[128];
  memset(pad, 'P', sizeof pad - 1);
  pad[sizeof pad - 1] = 0;
  for (size_t i = 0; i < n_rows; i++) {
    size_t p = i % n_people, k = i / n_people;
    snprintf(subject, sizeof subject, "%zu", 100000 + p);
    snprintf(cnt, sizeof cnt, "10%zu001%03zu000", k % 3 + 1, k % 2 + 1);
    snprintf(date, sizeof date, "%04zu%02zu%02zu", 1985 + (i * 7) % 34, 1 + i % 12, 1 + i % 28);
    snprintf(ofn, sizeof ofn, "%zu", 700000 + i % 911);
    snprintf(dob, sizeof dob, "%04zu0101", 1950 + p % 50);
    row(&t, 0, "x", RELIEF_COL_SUBJECT_ID, subject, RELIEF_COL_PRI_DOB, dob,
        RELIEF_COL_STP_EVENT_DATE, date, RELIEF_COL_STP_TYPE_DESCR,
        i % 5 == 0 ? "ARREST/DETAINED/CITED" : "COURT ACTION", RELIEF_COL_STP_ORI_CNTY_NAME,
        i % 4 == 0 ? "LOS ANGELES" : "SACRAMENTO", RELIEF_COL_CNT_ORDER, cnt, RELIEF_COL_OFN, ofn,
        RELIEF_COL_OFFENSE_DESCR, offenses[(i * 5 + p) % 6], RELIEF_COL_DISP_DESCR,
        i % 7 == 0 ? "DISMISSED" : "CONVICTED", RELIEF_COL_CONV_STAT_DESCR,
        i % 3 == 0 ? "MISDEMEANOR" : "FELONY", RELIEF_COL_SENT_LENGTH, "3",
        RELIEF_COL_SENT_TIME_CODE, i % 2 ? "Y" : "M", RELIEF_COL_COMMENT_TEXT, pad, -1);
  }
  return t;
}

Test(pipeline, one_and_two_threads_group_and_decide_identically) {
  enum { N = 15000, PEOPLE = 4000 };
  text t = big_input(N, PEOPLE);
  cr_assert_gt(t.len, 2u << 20, "the input must be big enough to be cut per thread");
  const char *path = write_file("big.csv", &t);
  run r1, r2;
  relief_error err;
  cr_assert_eq(run_start(&r1, path, 1, &err), RELIEF_OK, "%s", err.message);
  run_decide(&r1);
  cr_assert_eq(run_start(&r2, path, 2, &err), RELIEF_OK, "%s", err.message);
  run_decide(&r2);
  cr_assert_neq(r1.pl.n_segs, r2.pl.n_segs, "the segmentations should differ (%zu)", r1.pl.n_segs);
  cr_assert_eq(r1.pl.n_rows, N);
  cr_assert_eq(r2.pl.n_rows, N);
  cr_assert_eq(r1.pl.n_people, PEOPLE);
  cr_assert_eq(r2.pl.n_people, PEOPLE);
  size_t with_result = 0;
  for (size_t k = 0; k < N; k++) {
    const row_result *a, *b;
    const row_rec *ra = rec_at(&r1.pl, k, &a), *rb = rec_at(&r2.pl, k, &b);
    cr_assert_eq(ra->person, rb->person, "data row %zu", k + 1);
    char *ta = result_text(a), *tb = result_text(b);
    cr_assert_str_eq(ta, tb, "data row %zu", k + 1);
    with_result += a != NULL;
    free(ta);
    free(tb);
  }
  cr_assert_gt(with_result, 1000, "only %zu results: the input decides too little", with_result);
  for (size_t p = 0; p <= r1.pl.n_people; p++) cr_assert_eq(r1.pl.first[p], r2.pl.first[p]);
  cr_assert_eq(memcmp(&r1.plan.summary, &r2.plan.summary, sizeof r1.plan.summary), 0,
               "summaries differ between 1 and 2 threads");
  run_free(&r1);
  run_free(&r2);
  free(t.data);
}

/* ---- errors ---- */

Test(pipeline, a_row_with_too_few_fields_is_bad_data_on_its_line) {
  text t = small_input();
  /* line 5 (header + 3 rows) loses its last field */
  text bad = {0};
  size_t line = 1;
  for (size_t i = 0; i < t.len; i++) {
    if (line == 5 && t.data[i] == '\n') {
      size_t back = bad.len;
      while (bad.data[back - 1] != ',') back--;
      bad.len = back - 1;
    }
    put(&bad, &t.data[i], 1);
    if (t.data[i] == '\n') line++;
  }
  const char *path = write_file("short.csv", &bad);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 2, &err), RELIEF_E_DATA);
  cr_assert_eq(err.line, 5, "line %lld: %s", err.line, err.message);
  cr_assert(strstr(err.message, "found 94"), "%s", err.message);
  cr_assert(strstr(err.file, "short.csv"), "%s", err.file);
  run_free(&r);
  free(t.data);
  free(bad.data);
}

Test(pipeline, an_unterminated_quote_is_bad_data_on_its_line) {
  text t = small_input();
  put(&t, "1,\"never closed,2\n3\n", 20);
  const char *path = write_file("quote.csv", &t);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 1, &err), RELIEF_E_DATA);
  cr_assert_eq(err.line, 10, "line %lld: %s", err.line, err.message);
  run_free(&r);
  free(t.data);
}

Test(pipeline, a_bad_row_deep_in_a_cut_file_reports_its_line) {
  enum { N = 15000, BAD = 12345 }; /* data row BAD is physical line BAD + 1 */
  text t = big_input(N, 4000);
  /* cut the last field off data row BAD */
  size_t line = 1, at = 0;
  for (at = 0; at < t.len && line < BAD + 1; at++)
    if (t.data[at] == '\n') line++;
  char *end = memchr(t.data + at, '\n', t.len - at);
  char *comma = end;
  while (comma[-1] != ',') comma--;
  memmove(comma - 1, end, (size_t)(t.data + t.len - end) + 1);
  t.len -= (size_t)(end - comma) + 1;
  const char *path = write_file("deep.csv", &t);
  for (int threads = 1; threads <= 2; threads++) {
    run r;
    relief_error err;
    cr_assert_eq(run_start(&r, path, threads, &err), RELIEF_E_DATA);
    cr_assert_gt(r.pl.n_segs, 1);
    cr_assert_eq(err.line, BAD + 1, "%d threads: line %lld: %s", threads, err.line, err.message);
    run_free(&r);
  }
  free(t.data);
}

Test(pipeline, an_empty_file_is_bad_data) {
  text t = {0};
  const char *path = write_file("empty.csv", &t);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 1, &err), RELIEF_E_DATA);
  cr_assert(strstr(err.message, "empty file"), "%s", err.message);
  run_free(&r);
}

Test(pipeline, a_header_alone_is_a_county_without_rows) {
  text t = {0};
  header(&t);
  const char *path = write_file("header.csv", &t);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 2, &err), RELIEF_OK, "%s", err.message);
  run_decide(&r);
  cr_assert_eq(r.pl.n_rows, 0);
  cr_assert_eq(r.pl.n_people, 0);
  cr_assert_eq(r.plan.summary.earliest_state, RELIEF_EARLIEST_NONE);
  run_free(&r);
  free(t.data);
}

/* ---- explain ---- */

typedef struct {
  int n;
  relief_explain_conviction c[8];
  char section[8][64];
} explained;

static void on_conviction(void *user, const relief_explain_conviction *c) {
  explained *e = user;
  cr_assert_lt(e->n, 8);
  e->c[e->n] = *c;
  snprintf(e->section[e->n], sizeof e->section[0], "%s", c->code_section);
  e->n++;
}

Test(pipeline, explain_sees_each_conviction_with_its_deciding_rule) {
  text t = small_input();
  const char *path = write_file("small.csv", &t);
  run r;
  relief_error err;
  cr_assert_eq(run_start(&r, path, 1, &err), RELIEF_OK, "%s", err.message);
  run_decide(&r);
  /* 3003: data rows 4 (LOS ANGELES 11360) and 5 (SACRAMENTO 11359) */
  explained e = {0};
  relief_explain_person who = {0};
  pipeline_explain(&r.pl, rec_at(&r.pl, 3, NULL)->person, on_conviction, &e, &who);
  cr_assert_eq(who.n_convictions, 2);
  cr_assert_eq(e.n, 2);
  cr_assert_str_eq(who.flow_name, "configurable");
  cr_assert_eq(e.c[0].index, 1);
  cr_assert_eq(e.c[0].row, 4);
  cr_assert_str_eq(e.section[0], "11360 HS");
  cr_assert_str_eq(e.c[0].county, "LOS ANGELES");
  cr_assert_not(e.c[0].relevant, "another county's conviction gets no result");
  cr_assert_not(e.c[0].decided);
  cr_assert_eq(e.c[1].index, 2);
  cr_assert_eq(e.c[1].row, 5);
  cr_assert_str_eq(e.section[1], "11359 HS");
  cr_assert(e.c[1].relevant);
  cr_assert(e.c[1].decided);
  cr_assert_str_eq(e.c[1].rule_id, "only-prop64");
  cr_assert_str_eq(e.c[1].determination, "Eligible for Dismissal");
  cr_assert_str_eq(e.c[1].reason, "Only has 11357-60 charges");
  cr_assert(e.c[1].felony);
  cr_assert(e.c[1].disposition_known);
  cr_assert_eq(e.c[1].disposition_year, 2016);
  cr_assert_eq(e.c[1].disposition_month, 1);
  cr_assert_eq(e.c[1].disposition_mday, 1);
  cr_assert(e.c[1].features & RELIEF_F_IN_COUNTY);
  cr_assert(e.c[1].features & RELIEF_F_ONLY_PROP64);
  /* 3004: the 11359 is reduced, the 459 PC is not relevant */
  explained e4 = {0};
  pipeline_explain(&r.pl, rec_at(&r.pl, 5, NULL)->person, on_conviction, &e4, &who);
  cr_assert_eq(e4.n, 2);
  cr_assert_str_eq(e4.c[0].rule_id, "reduce-11359");
  cr_assert_str_eq(e4.c[0].determination, "Eligible for Reduction");
  cr_assert_str_eq(e4.c[0].reason, "Reduce all HS 11359 convictions");
  cr_assert_not(e4.c[1].relevant);
  cr_assert_str_eq(e4.section[1], "459 PC");
  run_free(&r);
  free(t.data);
}

/* ---- adding up summaries (tally.c) ---- */

static relief_summary summary(int state, int32_t day, int64_t felonies) {
  relief_summary s = {.earliest_state = state, .earliest_day = day, .line_count = 10};
  s.prop64_felony = felonies;
  s.prop64_by_section[2] = felonies;
  s.current.no_felony = 1;
  s.dismiss_all.no_conviction_last7 = 2;
  s.count_by_flow_row[3] = felonies;
  s.by_section_outcome[2][RELIEF_DET_DISMISS] = felonies;
  s.hand_review = 1;
  s.subjects_with_relief = 1;
  s.subjects_with_prop64_in_county = 1;
  s.prop64_nonfelony = 5;
  return s;
}

Test(tally, a_partial_adds_counts_and_keeps_the_earliest_day) {
  int32_t d1990 = doj_days_from_civil(1990, 1, 1), d1980 = doj_days_from_civil(1980, 1, 1);
  relief_summary a = summary(RELIEF_EARLIEST_DAY, d1990, 3);
  relief_summary b = summary(RELIEF_EARLIEST_DAY, d1980, 4);
  summary_add_partial(&a, &b);
  cr_assert_eq(a.earliest_state, RELIEF_EARLIEST_DAY);
  cr_assert_eq(a.earliest_day, d1980);
  cr_assert_eq(a.line_count, 10, "lineCount is left alone");
  cr_assert_eq(a.prop64_felony, 7);
  cr_assert_eq(a.prop64_nonfelony, 10);
  cr_assert_eq(a.prop64_by_section[2], 7);
  cr_assert_eq(a.current.no_felony, 2);
  cr_assert_eq(a.dismiss_all.no_conviction_last7, 4);
  cr_assert_eq(a.count_by_flow_row[3], 7);
  cr_assert_eq(a.by_section_outcome[2][RELIEF_DET_DISMISS], 7);
  cr_assert_eq(a.hand_review, 2);
  cr_assert_eq(a.subjects_with_relief, 2);
  cr_assert_eq(a.subjects_with_prop64_in_county, 2);
  /* a later partial does not move it back */
  relief_summary c = summary(RELIEF_EARLIEST_DAY, d1990, 0);
  summary_add_partial(&a, &c);
  cr_assert_eq(a.earliest_day, d1980);
}

Test(tally, a_partial_without_a_date_leaves_the_date) {
  int32_t d1990 = doj_days_from_civil(1990, 1, 1);
  relief_summary a = {0};
  relief_summary none = summary(RELIEF_EARLIEST_UNSET, 0, 1);
  summary_add_partial(&a, &none);
  cr_assert_eq(a.earliest_state, RELIEF_EARLIEST_UNSET);
  relief_summary b = summary(RELIEF_EARLIEST_DAY, d1990, 1);
  summary_add_partial(&a, &b);
  cr_assert_eq(a.earliest_state, RELIEF_EARLIEST_DAY);
  cr_assert_eq(a.earliest_day, d1990);
  summary_add_partial(&a, &none);
  cr_assert_eq(a.earliest_day, d1990);
  /* an unknown date (0001-01-01) is a date, and the earliest */
  relief_summary u = summary(RELIEF_EARLIEST_DAY, RELIEF_DAY_UNKNOWN, 1);
  summary_add_partial(&a, &u);
  cr_assert_eq(a.earliest_day, RELIEF_DAY_UNKNOWN);
}

Test(tally, accumulate_keeps_an_earlier_real_date_and_adds_line_counts) {
  int32_t d1979 = doj_days_from_civil(1979, 1, 1), d1990 = doj_days_from_civil(1990, 1, 1);
  relief_summary run = {0};
  relief_summary f1 = summary(RELIEF_EARLIEST_DAY, d1979, 2);
  summary_accumulate(&run, &f1);
  cr_assert_eq(run.earliest_state, RELIEF_EARLIEST_DAY);
  cr_assert_eq(run.earliest_day, d1979);
  cr_assert_eq(run.line_count, 10);
  relief_summary f2 = summary(RELIEF_EARLIEST_DAY, d1990, 3);
  summary_accumulate(&run, &f2);
  cr_assert_eq(run.earliest_day, d1979, "the earlier running date stays");
  cr_assert_eq(run.line_count, 20);
  cr_assert_eq(run.prop64_felony, 5);
  cr_assert_eq(run.hand_review, 2);
  relief_summary f3 = summary(RELIEF_EARLIEST_NONE, 0, 0);
  summary_accumulate(&run, &f3);
  cr_assert_eq(run.earliest_state, RELIEF_EARLIEST_DAY, "a file without Prop 64 keeps it");
  cr_assert_eq(run.earliest_day, d1979);
  cr_assert_eq(run.line_count, 30);
}

Test(tally, accumulate_takes_the_files_date_when_the_running_one_is_later) {
  int32_t d1979 = doj_days_from_civil(1979, 1, 1), d1990 = doj_days_from_civil(1990, 1, 1);
  relief_summary run = summary(RELIEF_EARLIEST_DAY, d1990, 0);
  relief_summary f = summary(RELIEF_EARLIEST_DAY, d1979, 0);
  summary_accumulate(&run, &f);
  cr_assert_eq(run.earliest_day, d1979);
}

Test(tally, accumulate_replaces_an_unknown_running_date_by_the_next_files) {
  /* the reference kept its running date only when non-zero: 0001-01-01 is
   * replaced by whatever the next file has, even no date at all */
  int32_t d1990 = doj_days_from_civil(1990, 1, 1);
  relief_summary run = {0};
  relief_summary u = summary(RELIEF_EARLIEST_DAY, RELIEF_DAY_UNKNOWN, 0);
  summary_accumulate(&run, &u);
  cr_assert_eq(run.earliest_day, RELIEF_DAY_UNKNOWN);
  relief_summary f = summary(RELIEF_EARLIEST_DAY, d1990, 0);
  summary_accumulate(&run, &f);
  cr_assert_eq(run.earliest_state, RELIEF_EARLIEST_DAY);
  cr_assert_eq(run.earliest_day, d1990);
  summary_accumulate(&u, &(relief_summary){.earliest_state = RELIEF_EARLIEST_NONE});
  cr_assert_eq(u.earliest_state, RELIEF_EARLIEST_NONE);
}

Test(tally, accumulate_after_a_file_without_prop64_takes_the_next_date) {
  int32_t d1990 = doj_days_from_civil(1990, 1, 1);
  relief_summary run = {0};
  relief_summary none = summary(RELIEF_EARLIEST_NONE, 0, 0);
  summary_accumulate(&run, &none);
  cr_assert_eq(run.earliest_state, RELIEF_EARLIEST_NONE);
  relief_summary f = summary(RELIEF_EARLIEST_DAY, d1990, 0);
  summary_accumulate(&run, &f);
  cr_assert_eq(run.earliest_state, RELIEF_EARLIEST_DAY);
  cr_assert_eq(run.earliest_day, d1990);
}

/* ---- the lean parse reads every column the decision needs ---- */

/* A 95-field line: the (column, raw text) pairs given, ended by -1. */
static const char *lean_line(char *out, int first_col, ...) {
  const char *cells[RELIEF_NCOLS] = {0};
  va_list ap;
  va_start(ap, first_col);
  for (int col = first_col; col >= 0; col = va_arg(ap, int)) cells[col] = va_arg(ap, const char *);
  va_end(ap);
  size_t o = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    if (i) out[o++] = ',';
    const char *c = cells[i] ? cells[i] : "X";
    memcpy(out + o, c, strlen(c));
    o += strlen(c);
  }
  memcpy(out + o, "\n", 2);
  return out;
}

/* The record, strings and keys of a row from the full parse and from the
 * lean one whose other fields are poison (a read of one would crash). */
static void same_facts(const char *line) {
  relief_field full[RELIEF_NCOLS], lean[RELIEF_NCOLS];
  size_t pos = 0, start, n = strlen(line);
  relief_parse_error perr;
  cr_assert_eq(parse_row(line, n, &pos, full, &start, &perr), 1);
  memset(lean, 0xa5, sizeof lean);
  relief_columns want = pipeline_decision_columns();
  relief_row_extent ext;
  pos = 0;
  cr_assert_eq(parse_row_lean(line, n, &pos, lean, &start, &perr, &want, &ext), 1);
  for (int c = 0; c < RELIEF_NCOLS; c++)
    if (!(want.bits[c / 64] >> (c % 64) & 1)) lean[c].ptr = (const char *)16; /* unmapped */
  field_scratch a[4] = {0}, b[4] = {0}, k = {0};
  row_rec ra, rb;
  row_strings sa, sb;
  row_memo ma = {0}, mb = {0};
  row_facts(full, a, &ma, &ra, &sa);
  row_facts(lean, b, &mb, &rb, &sb);
  cr_assert_eq(memcmp(&ra, &rb, sizeof ra), 0, "%s", line);
  cr_assert_eq(sa.section_len, sb.section_len);
  cr_assert_eq(sa.county_len, sb.county_len);
  cr_assert_eq(sa.ofn_len, sb.ofn_len);
  XXH128_hash_t ka = person_key_merged(full, &k), kb = person_key_merged(lean, &k);
  cr_assert(XXH128_isEqual(ka, kb));
  for (int i = 0; i < 4; i++) field_scratch_free(&a[i]), field_scratch_free(&b[i]);
  field_scratch_free(&k);
}

Test(lean_parse, reads_every_column_the_decision_needs) {
  char buf[4][8192];
  same_facts(lean_line(
      buf[0], RELIEF_COL_CII_NUMBER, "", RELIEF_COL_SUBJECT_ID, "", RELIEF_COL_PRI_NAME,
      "\"DOE,JOHN\"", RELIEF_COL_PRI_DOB, "19700101", RELIEF_COL_STP_TYPE_DESCR, "COURT ACTION",
      RELIEF_COL_DISP_DESCR, "CONVICTED", RELIEF_COL_CONV_STAT_DESCR, "", RELIEF_COL_OFFENSE_TOC,
      "F", RELIEF_COL_OFN, "A123", RELIEF_COL_OFFENSE_DESCR, "11359 HS-POSSESS",
      RELIEF_COL_COMMENT_TEXT, "\"SEE, 11360\"", RELIEF_COL_SENT_LENGTH, "3",
      RELIEF_COL_SENT_TIME_CODE, "Y", RELIEF_COL_STP_EVENT_DATE, "20100101",
      RELIEF_COL_STP_ORI_CNTY_NAME, "ALAMEDA", RELIEF_COL_CNT_ORDER, "101002001000", -1));
  same_facts(lean_line(buf[1], RELIEF_COL_CII_NUMBER, "A1", RELIEF_COL_STP_TYPE_DESCR,
                       "ARREST/DETAINED", RELIEF_COL_OFFENSE_DESCR, "11357(A) HS", -1));
  same_facts(lean_line(buf[2], RELIEF_COL_SUBJECT_ID, "S9", RELIEF_COL_STP_TYPE_DESCR,
                       "REGISTRATION", RELIEF_COL_OFFENSE_DESCR, "290 PC", -1));
  same_facts(lean_line(buf[3], RELIEF_COL_CII_NUMBER, "\"B2\"", RELIEF_COL_STP_TYPE_DESCR,
                       "DECEASED", -1));
}

/* The record of one row (line), read with the scratch and memo kept from
 * the rows before. */
static row_rec facts_after(const char *line, field_scratch s[4], row_memo *memo) {
  relief_field f[RELIEF_NCOLS];
  size_t pos = 0, start;
  relief_parse_error perr;
  cr_assert_eq(parse_row(line, strlen(line), &pos, f, &start, &perr), 1);
  row_rec rec;
  row_strings strings;
  row_facts(f, s, memo, &rec, &strings);
  return rec;
}

/* The day of a date cell as a fresh parse reads it (a quoted one unquoted). */
static int32_t day_of_cell(const char *cell) {
  bool quoted = cell[0] == '"';
  return doj_parse_yyyymmdd(cell + quoted, strlen(cell) - 2 * quoted);
}

Test(lean_parse, a_birth_date_kept_from_the_last_row_is_the_one_parsed) {
  /* the same date again, another, invalid ones (kept as unknown, and not
   * mistaken for the next), one of 7 characters, quoted, then the first */
  static const char *const dobs[] = {"19700101", "19700101", "19800229", "19810229",
                                     "19810229", "1970010",  "19700101", "\"19900515\"",
                                     "19900515", "19700101"};
  field_scratch s[4] = {0};
  row_memo memo = {0};
  for (size_t i = 0; i < sizeof dobs / sizeof *dobs; i++) {
    char line[8192];
    row_rec rec = facts_after(lean_line(line, RELIEF_COL_PRI_DOB, dobs[i], -1), s, &memo);
    cr_assert_eq(rec.dob_day, day_of_cell(dobs[i]), "row %zu (%s)", i, dobs[i]);
  }
  cr_assert_eq(doj_parse_yyyymmdd("19810229", 8), RELIEF_DAY_UNKNOWN);
  cr_assert_neq(doj_parse_yyyymmdd("19800229", 8), RELIEF_DAY_UNKNOWN);
  for (int i = 0; i < 4; i++) field_scratch_free(&s[i]);
}

Test(lean_parse, a_disposition_date_kept_from_the_last_conviction_is_the_one_parsed) {
  /* convictions' dates as above, with a birth date that repeats one of them
   * (the two columns keep their own), and a row that is no conviction */
  static const char *const dates[] = {"20100101", "20100101", "20120229", "20110229",
                                      "20110229", "2010010",  "19700101", "\"20150515\"",
                                      "20150515", "20100101"};
  field_scratch s[4] = {0};
  row_memo memo = {0};
  for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
    char line[8192];
    lean_line(line, RELIEF_COL_PRI_DOB, "19700101", RELIEF_COL_DISP_DESCR, "CONVICTED",
              RELIEF_COL_STP_EVENT_DATE, dates[i], -1);
    if (i == 6) /* not a conviction: its date is not read */
      lean_line(line, RELIEF_COL_PRI_DOB, "19700101", RELIEF_COL_STP_EVENT_DATE, "20990101", -1);
    row_rec rec = facts_after(line, s, &memo);
    cr_assert_eq(rec.disp_day, i == 6 ? 0 : day_of_cell(dates[i]), "row %zu (%s)", i, dates[i]);
    cr_assert_eq(rec.dob_day, doj_parse_yyyymmdd("19700101", 8));
  }
  for (int i = 0; i < 4; i++) field_scratch_free(&s[i]);
}

Test(lean_parse, the_extent_is_the_rows_canonical_text_or_says_not) {
  char buf[2][8192];
  relief_columns want = pipeline_decision_columns();
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  relief_row_extent ext;
  size_t pos = 0, start;
  const char *a = lean_line(buf[0], RELIEF_COL_PRI_NAME, "\"DOE,JOHN\"", 94, "\"Z,\"", -1);
  cr_assert_eq(parse_row_lean(a, strlen(a), &pos, f, &start, &perr, &want, &ext), 1);
  cr_assert(ext.canonical);
  cr_assert_eq(ext.end, strlen(a) - 1, "through the last closing quote");
  pos = 0;
  const char *b = lean_line(buf[1], RELIEF_COL_PRI_NAME, "\"DOE\"", -1);
  cr_assert_eq(parse_row_lean(b, strlen(b), &pos, f, &start, &perr, &want, &ext), 1);
  cr_assert_not(ext.canonical,
                "a quoted value without a comma is written bare in the canonical text");
}
