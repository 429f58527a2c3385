/*
 * test_output.c — what a run writes about its decisions: CSV quoting as Go's
 * encoding/csv, the result columns formatted from one decision, the summary
 * JSON's key order, redaction with a keyed CII hash, and manifest.json
 * listing every file of a publication with its size and XXH3-128.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/arena.h"
#include "io/input.h"
#include "output/output.h"
#include "output/result_row.h"
#include "scratch.h"

/* ---- CSV quoting ---- */

static const char *q(const char *s, size_t n) {
  static relief_buf b;
  b.len = 0;
  csv_append(&b, s, n);
  buf_putc(&b, 0);
  return b.data;
}
#define Q(lit) q(lit, sizeof lit - 1)

Test(csv_append, leaves_plain_and_empty_fields_bare) {
  cr_assert_str_eq(Q(""), "");
  cr_assert_str_eq(Q("11357(A) HS"), "11357(A) HS");
  cr_assert_str_eq(Q("trailing "), "trailing ");
  cr_assert_str_eq(Q("in side"), "in side");
  cr_assert_str_eq(Q("semi;colon"), "semi;colon");
  cr_assert_not(csv_needs_quotes("x", 1));
}

Test(csv_append, quotes_comma_quote_cr_and_lf_anywhere) {
  cr_assert_str_eq(Q("SKYWALKER,LUKE"), "\"SKYWALKER,LUKE\"");
  cr_assert_str_eq(Q("x,"), "\"x,\"");
  cr_assert_str_eq(Q("\""), "\"\"\"\"");
  cr_assert_str_eq(Q("a\"b\"c"), "\"a\"\"b\"\"c\"");
  cr_assert_str_eq(Q("end\r"), "\"end\r\"");
  cr_assert_str_eq(Q("two\nlines"), "\"two\nlines\"");
  cr_assert_str_eq(Q("crlf\r\n"), "\"crlf\r\n\"");
}

Test(csv_append, quotes_a_leading_unicode_space) {
  cr_assert_str_eq(Q(" lead"), "\" lead\"");
  cr_assert_str_eq(Q("\tlead"), "\"\tlead\"");
  cr_assert_str_eq(Q("\vx"), "\"\vx\"");
  cr_assert_str_eq(Q("\fx"), "\"\fx\"");
  cr_assert_str_eq(Q("\xc2\x85x"), "\"\xc2\x85x\"");         /* U+0085 */
  cr_assert_str_eq(Q("\xc2\xa0x"), "\"\xc2\xa0x\"");         /* U+00A0 */
  cr_assert_str_eq(Q("\xe1\x9a\x80x"), "\"\xe1\x9a\x80x\""); /* U+1680 */
  cr_assert_str_eq(Q("\xe2\x80\x80x"), "\"\xe2\x80\x80x\""); /* U+2000 */
  cr_assert_str_eq(Q("\xe2\x80\x8a"), "\"\xe2\x80\x8a\"");   /* U+200A */
  cr_assert_str_eq(Q("\xe2\x80\xa8"), "\"\xe2\x80\xa8\"");   /* U+2028 */
  cr_assert_str_eq(Q("\xe2\x80\xa9"), "\"\xe2\x80\xa9\"");   /* U+2029 */
  cr_assert_str_eq(Q("\xe2\x80\xaf"), "\"\xe2\x80\xaf\"");   /* U+202F */
  cr_assert_str_eq(Q("\xe2\x81\x9f"), "\"\xe2\x81\x9f\"");   /* U+205F */
  cr_assert_str_eq(Q("\xe3\x80\x80x"), "\"\xe3\x80\x80x\""); /* U+3000 */
}

Test(csv_append, leaves_other_leading_characters_bare) {
  cr_assert_str_eq(Q("\xe2\x80\x8bx"), "\xe2\x80\x8bx"); /* U+200B is not a space */
  cr_assert_str_eq(Q("\xc2\xa9x"), "\xc2\xa9x");         /* U+00A9 */
  cr_assert_str_eq(Q("\xe3\x80\x81"), "\xe3\x80\x81");   /* U+3001 */
  cr_assert_str_eq(Q("x\xc2\xa0"), "x\xc2\xa0");         /* a space later on */
  cr_assert_str_eq(Q("\xc2"), "\xc2");                   /* a cut sequence */
  cr_assert_str_eq(Q("\x01x"), "\x01x");
}

Test(csv_append, quotes_the_literal_backslash_dot_only) {
  cr_assert_str_eq(Q("\\."), "\"\\.\"");
  cr_assert_str_eq(Q("\\.x"), "\\.x");
  cr_assert_str_eq(Q(".\\"), ".\\");
  cr_assert_str_eq(Q("\\"), "\\");
}

Test(csv_append, appends_fields_with_their_offsets) {
  relief_buf b = {0};
  buf_append(&b, "pre|", 4);
  const char *values[] = {"a", "b,c", "", " d"};
  size_t lens[] = {1, 3, 0, 2}, where[5];
  csv_append_fields(&b, values, lens, 4, where, NULL);
  buf_putc(&b, 0);
  cr_assert_str_eq(b.data, "pre|a,\"b,c\",,\" d\"");
  size_t want[] = {4, 6, 12, 13, 18};
  cr_assert_arr_eq(where, want, sizeof want);
  buf_free(&b);
}

/* ---- the result columns ---- */

typedef struct {
  const char *section_text[3];
  size_t section_len[3];
  relief_eval_ctx ctx;
  bool trace;
  relief_code_class classes[4];
  relief_conviction conv[4];
  relief_case_number cases[4];
  relief_person person;
  person_history history;
  uint32_t arrest_cycles[2];
  relief_flow_row rule;
  int64_t counts[5];
  format_scratch scratch;
  arena_block *arena;
} result_fixture;

/* A person of three convictions (compute 2019-11-11): an 11357 felony on
 * 2017-01-01 in step 100 (the one decided), a 187 PC superstrike in 2000
 * and a 288 PC (PC 290) in 2005; case numbers "A1" and "A 2,x" in step
 * 100 and "B" in step 200; registered; an arrest for Prop 64 in the
 * 11357's cycle. */
static void result_setup(result_fixture *f) {
  memset(f, 0, sizeof *f);
  const char *sections[] = {"11357 HS", "187 PC", "288 PC"};
  for (int i = 0; i < 3; i++) {
    f->section_text[i] = sections[i];
    f->section_len[i] = strlen(sections[i]);
  }
  f->classes[0] = (relief_code_class){RELIEF_CS_PROP64 | RELIEF_CS_HAS_11357, 1, 0};
  f->classes[1] = (relief_code_class){RELIEF_CS_SUPERSTRIKE, 0, 0};
  f->classes[2] = (relief_code_class){RELIEF_CS_PC290, 0, 0};
  f->ctx = (relief_eval_ctx){f->classes, doj_days_from_civil(2019, 11, 11), f->section_text,
                             f->section_len};
  f->conv[0] = (relief_conviction){.disp_day = doj_days_from_civil(2017, 1, 1),
                                   .class_id = 0,
                                   .step_key = 100,
                                   .cycle_key = 7,
                                   .felony = 1};
  f->conv[1] = (relief_conviction){
      .disp_day = doj_days_from_civil(2000, 1, 1), .class_id = 1, .step_key = 200};
  f->conv[2] = (relief_conviction){
      .disp_day = doj_days_from_civil(2005, 6, 15), .class_id = 2, .step_key = 300};
  f->cases[0] = (relief_case_number){100, "A1"};
  f->cases[1] = (relief_case_number){200, "B"};
  f->cases[2] = (relief_case_number){100, "A 2,x"};
  f->person = (relief_person){.dob_day = doj_days_from_civil(1980, 1, 1),
                              .registered = true,
                              .convictions = f->conv,
                              .n_convictions = 3,
                              .case_numbers = f->cases,
                              .n_case_numbers = 3};
  f->arrest_cycles[0] = 7;
  f->history.arrest_cycles = f->arrest_cycles;
  f->history.n_arrest_cycles = 1;
  f->rule = (relief_flow_row){.determination = RELIEF_DET_DISMISS,
                              .reason = "Dismiss all HS 11357 convictions",
                              .id = "dismiss-11357"};
  f->counts[0] = f->counts[1] = 1;
}

static void result_teardown(result_fixture *f) {
  buf_free(&f->scratch.line);
  buf_free(&f->scratch.cases_text);
  buf_free(&f->scratch.strikes);
  buf_free(&f->scratch.pc290);
  arena_free(&f->arena);
}

static const row_result *format(result_fixture *f, int index, const relief_flow_row *rule,
                                uint64_t features, bool first, bool plea_only) {
  decision d = {&f->ctx, f->trace, &f->person, &f->history, index,
                rule,    features, f->counts,  first,       plea_only};
  return output_result_formatter(&d, &f->scratch, &f->arena);
}

static char *part(const char *s, size_t n) {
  static char buf[3][1024];
  static int next;
  char *o = buf[next++ % 3];
  cr_assert_lt(n, sizeof buf[0]);
  memcpy(o, s, n);
  o[n] = 0;
  return o;
}
#define HEAD(r) part(row_result_head(r), (r)->head_len)
#define TAIL(r) part(row_result_tail(r), (r)->tail_len)
#define EXTENDED(r) part(row_result_extended(r), (r)->extended_len)
/* the Filing Check column of a relieved conviction dated after 11/08/2016 */
#define LATE_CHECK                                                                                 \
  ",\"conviction after 11/08/2016, when Prop 64 took effect: check the facts before filing\""

Test(result_row, formats_a_decided_conviction_column_by_column) {
  result_fixture f;
  result_setup(&f);
  const row_result *r = format(&f, 0, &f.rule, RELIEF_F_IN_COUNTY | RELIEF_F_PROP64, true, false);
  cr_assert_eq(r->flags, 0);
  cr_assert_str_eq(HEAD(r), "\"A1; A 2,x\",3");
  cr_assert_str_eq(TAIL(r), ",Y,187 PC,288 PC,Yes,01/01/2017,2.9,2.9,1,1,0,0,0,-,"
                            "Eligible for Dismissal,Dismiss all HS 11357 convictions");
  /* convicted 01/01/2017, after Prop 64 took effect: held for a check before filing */
  cr_assert_str_eq(EXTENDED(r), ",Dismiss and seal,HS 11361.8(e); HS 11361.9,Y" LATE_CHECK);
  result_teardown(&f);
}

Test(result_row, adds_the_rule_column_with_trace_and_recall_while_serving) {
  result_fixture f;
  result_setup(&f);
  f.trace = true;
  f.person.deceased = true;
  f.person.registered = false;
  f.rule = (relief_flow_row){.determination = RELIEF_DET_REDUCE,
                             .reason = "Reduce all HS 11357 convictions",
                             .id = "reduce-11357"};
  const row_result *r = format(&f, 0, &f.rule, RELIEF_F_SERVING_THIS_SENTENCE, true, false);
  cr_assert_eq(r->flags, 0);
  cr_assert_str_eq(TAIL(r), ",Y,187 PC,288 PC,-,01/01/2017,2.9,2.9,1,1,0,0,0,Deceased,"
                            "Eligible for Reduction,Reduce all HS 11357 convictions,reduce-11357");
  cr_assert_str_eq(EXTENDED(r), ",Recall and resentence,HS 11361.8(a); HS 11361.9,Y" LATE_CHECK);
  result_teardown(&f);
}

Test(result_row, an_undecided_conviction_goes_to_review_with_empty_columns) {
  result_fixture f;
  result_setup(&f);
  f.trace = true;
  f.history.n_arrest_cycles = 0;
  f.conv[0].disp_day = RELIEF_DAY_UNKNOWN;
  f.conv[1].disp_day = f.conv[2].disp_day = RELIEF_DAY_UNKNOWN;
  f.conv[0].step_key = 999; /* no case number in its step */
  const row_result *r = format(&f, 0, NULL, 0, true, false);
  cr_assert_eq(r->flags, RESULT_REVIEW);
  cr_assert_str_eq(HEAD(r), ",3");
  cr_assert_str_eq(TAIL(r), ",N,187 PC,288 PC,Yes,01/01/0001,-1.0,-1.0,1,1,0,0,0,-,,,");
  cr_assert_str_eq(EXTENDED(r), ",,,N,");
  result_teardown(&f);
}

Test(result_row, lists_a_dash_when_the_person_has_no_strikes) {
  result_fixture f;
  result_setup(&f);
  f.person.n_convictions = 1;
  f.rule.determination = RELIEF_DET_HAND_REVIEW;
  snprintf(f.rule.reason, sizeof f.rule.reason, "Other 11357");
  const row_result *r = format(&f, 0, &f.rule, 0, true, false);
  cr_assert_eq(r->flags, RESULT_REVIEW);
  cr_assert_str_eq(HEAD(r), "\"A1; A 2,x\",1");
  cr_assert_str_eq(TAIL(r), ",Y,-,-,Yes,01/01/2017,2.9,2.9,1,1,0,0,0,-,Hand Review,Other 11357");
  /* not the first result of the person: the lists are the ones kept */
  f.person.n_convictions = 3;
  r = format(&f, 0, &f.rule, 0, false, false);
  cr_assert(strstr(TAIL(r), ",Y,-,-,Yes,"), "%s", TAIL(r));
  result_teardown(&f);
}

Test(result_row, a_possible_plea_bargain_has_only_extended_columns) {
  result_fixture f;
  result_setup(&f);
  const row_result *r = format(&f, 1, NULL, 0, false, true);
  cr_assert_eq(r->flags, RESULT_PLEA_ONLY);
  cr_assert_eq(r->head_len, 0);
  cr_assert_eq(r->tail_len, 0);
  cr_assert_str_eq(EXTENDED(r), ",,,Y,");
  result_teardown(&f);
}

/* ---- summary JSON ---- */

Test(summary_json, writes_every_key_in_the_references_order) {
  relief_options o = {.dismiss = {1, 2},
                      .n_dismiss = 2,
                      .reduce = {4, 3},
                      .n_reduce = 2,
                      .under21_at_conviction = true,
                      .age_threshold = 57,
                      .only_prop64 = true,
                      .deceased = true};
  relief_flow flow;
  flow_configurable(&flow, &o);
  /* rows: misdemeanor, dismiss-11357, dismiss-11358, under-21, age,
   * only-prop64, deceased, reduce-11360, reduce-11359 */
  cr_assert_eq(flow.n_rows, 9);
  cr_assert_str_eq(flow.rows[5].id, "only-prop64");
  relief_summary s = {.earliest_state = RELIEF_EARLIEST_DAY,
                      .earliest_day = doj_days_from_civil(2001, 2, 3),
                      .line_count = 123,
                      .current = {.no_felony = 1, .no_conviction = 2, .no_conviction_last7 = 3},
                      .dismiss_all = {.no_felony = 4, .no_conviction = 5, .no_conviction_last7 = 6},
                      .subjects_with_prop64_in_county = 7,
                      .prop64_felony = 8,
                      .prop64_nonfelony = 9,
                      .subjects_with_relief = 10};
  s.prop64_by_section[4] = 2;
  s.prop64_by_section[3] = 1;
  int64_t per_row[9] = {11, 12, 13, 14, 15, 16, 0, 17, 18};
  memcpy(s.count_by_flow_row, per_row, sizeof per_row);
  char *json = output_summary_json(&s, "YOLO", &flow, &o, 2.5, 0);
  const char *want =
      "{\"county\":\"YOLO\",\"earliestConviction\":\"2001-02-03T00:00:00Z\",\"lineCount\":123,"
      "\"processingTimeInSeconds\":2.5,"
      "\"reliefWithCurrentEligibilityChoices\":{\"CountSubjectsNoConviction\":2,"
      "\"CountSubjectsNoConvictionLast7Years\":3,\"CountSubjectsNoFelony\":1},"
      "\"reliefWithDismissAllProp64\":{\"CountSubjectsNoConviction\":5,"
      "\"CountSubjectsNoConvictionLast7Years\":6,\"CountSubjectsNoFelony\":4},"
      "\"prop64ConvictionsCountInCountyByCodeSection\":{\"11359\":1,\"11360\":2},"
      "\"subjectsWithProp64ConvictionCountInCounty\":7,"
      "\"prop64FelonyConvictionsCountInCounty\":8,"
      "\"prop64NonFelonyConvictionsCountInCounty\":9,\"subjectsWithSomeReliefCount\":10,"
      "\"convictionDismissalCountByCodeSection\":{\"11357\":12,\"11358\":13},"
      "\"convictionReductionCountByCodeSection\":{\"11359\":18,\"11360\":17},"
      "\"convictionDismissalCountByAdditionalRelief\":{\"21 years or younger\":14,"
      "\"57 years or older\":15,\"Only has 11357-60 charges\":16}}";
  cr_assert_str_eq(json, want);
  json_error_t jerr;
  json_t *parsed = json_loads(json, 0, &jerr);
  cr_assert_not_null(parsed, "not JSON: %s", jerr.text);
  json_decref(parsed);
  free(json);
}

/* ---- redaction ---- */

static void hex_of(const void *data, size_t n, char out[33]) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits(data, n));
  for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

typedef struct {
  const char *values[RELIEF_NCOLS];
  size_t lens[RELIEF_NCOLS];
  const char *out[RELIEF_NCOLS];
  size_t out_lens[RELIEF_NCOLS];
  char hex[2][33];
  char cells[RELIEF_NCOLS][16];
} redact_row;

static void redact_fill(redact_row *r) {
  memset(r, 0, sizeof *r);
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    snprintf(r->cells[i], sizeof r->cells[i], "v%d", i);
    r->values[i] = r->cells[i];
    r->lens[i] = strlen(r->cells[i]);
  }
  r->values[RELIEF_COL_CII_NUMBER] = "A12345678";
  r->lens[RELIEF_COL_CII_NUMBER] = 9;
  r->values[4] = "A12345678"; /* REQ_CII_NUMBER */
  r->lens[4] = 9;
}

Test(redact, empties_the_identifying_columns_and_keeps_the_rest) {
  static const unsigned char key[] = "k3y";
  relief_redaction red = {key, 3};
  redact_row r;
  redact_fill(&r);
  output_redact_row(&red, r.values, r.lens, r.out, r.out_lens, r.hex);
  int emptied[] = {5, 7, 8, 9, 12, 14, 15, 16, 17, 18, 19};
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    bool want_empty = false;
    for (size_t k = 0; k < sizeof emptied / sizeof *emptied; k++) want_empty |= emptied[k] == i;
    if (want_empty)
      cr_assert_eq(r.out_lens[i], 0, "column %d (%s) kept", i, doj_column_names[i]);
    else if (i != 4 && i != RELIEF_COL_CII_NUMBER) {
      cr_assert_eq(r.out[i], r.values[i], "column %d changed", i);
      cr_assert_eq(r.out_lens[i], r.lens[i]);
    }
  }
  cr_assert_str_eq(doj_column_names[12], "PRI_NAME");
  cr_assert_str_eq(doj_column_names[4], "REQ_CII_NUMBER");
  /* the input itself is untouched */
  cr_assert_str_eq(r.values[12], "v12");
}

Test(redact, hashes_the_cii_numbers_with_the_key) {
  static const unsigned char key[] = "k3y", other[] = "another";
  relief_redaction red = {key, 3}, red2 = {other, 7};
  redact_row r, r2;
  redact_fill(&r);
  redact_fill(&r2);
  output_redact_row(&red, r.values, r.lens, r.out, r.out_lens, r.hex);
  char want[33];
  hex_of("k3yA12345678", 12, want);
  cr_assert_eq(r.out_lens[RELIEF_COL_CII_NUMBER], 32);
  cr_assert_eq(memcmp(r.out[RELIEF_COL_CII_NUMBER], want, 32), 0, "got %.32s want %s",
               r.out[RELIEF_COL_CII_NUMBER], want);
  cr_assert_eq(r.out_lens[4], 32);
  cr_assert_eq(memcmp(r.out[4], want, 32), 0, "REQ_CII_NUMBER hashes the same way");
  /* same key, same hash; another key, another hash */
  output_redact_row(&red, r2.values, r2.lens, r2.out, r2.out_lens, r2.hex);
  cr_assert_eq(memcmp(r2.out[RELIEF_COL_CII_NUMBER], want, 32), 0);
  output_redact_row(&red2, r2.values, r2.lens, r2.out, r2.out_lens, r2.hex);
  cr_assert_neq(memcmp(r2.out[RELIEF_COL_CII_NUMBER], want, 32), 0);
  char want2[33];
  hex_of("anotherA12345678", 16, want2);
  cr_assert_eq(memcmp(r2.out[RELIEF_COL_CII_NUMBER], want2, 32), 0);
}

Test(redact, an_empty_cii_stays_empty) {
  static const unsigned char key[] = "k3y";
  relief_redaction red = {key, 3};
  redact_row r;
  redact_fill(&r);
  r.values[RELIEF_COL_CII_NUMBER] = "";
  r.lens[RELIEF_COL_CII_NUMBER] = 0;
  output_redact_row(&red, r.values, r.lens, r.out, r.out_lens, r.hex);
  cr_assert_eq(r.out_lens[RELIEF_COL_CII_NUMBER], 0);
  cr_assert_eq(r.out_lens[4], 32, "REQ_CII_NUMBER still hashed");
}

Test(redact, a_long_value_is_hashed_whole) {
  static const unsigned char key[] = "k3y";
  relief_redaction red = {key, 3};
  redact_row r;
  redact_fill(&r);
  char big[600], keyed[603];
  memset(big, 'Z', sizeof big);
  memcpy(keyed, "k3y", 3);
  memcpy(keyed + 3, big, sizeof big);
  r.values[RELIEF_COL_CII_NUMBER] = big;
  r.lens[RELIEF_COL_CII_NUMBER] = sizeof big;
  output_redact_row(&red, r.values, r.lens, r.out, r.out_lens, r.hex);
  char want[33];
  hex_of(keyed, sizeof keyed, want);
  cr_assert_eq(memcmp(r.out[RELIEF_COL_CII_NUMBER], want, 32), 0);
}

/* ---- manifest ---- */

static char root[] = "/tmp/relief-output-XXXXXX";
static void manifest_setup(void) { scratch_make(root); }
static void manifest_teardown(void) { scratch_remove(root); }

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return buf;
}

Test(manifest, lists_every_file_of_the_publication, .init = manifest_setup,
     .fini = manifest_teardown) {
  char out[512], input[512];
  snprintf(out, sizeof out, "%s/out", root);
  snprintf(input, sizeof input, "%s/input.csv", root);
  FILE *in = fopen(input, "wb");
  fputs("RECORD_ID\n", in);
  fclose(in);
  relief_error err;
  publication *pub;
  cr_assert_eq(publication_begin(out, &pub, &err), RELIEF_OK, "%s", err.message);
  cr_assert_eq(publication_write_file(pub, "All_Results.csv", "a,b\n1,2\n", 8, &err), RELIEF_OK);
  pub_file *pf;
  cr_assert_eq(publication_create(pub, "Court_Filings/YOLO/letter.txt", &pf, &err), RELIEF_OK);
  cr_assert_eq(pub_file_write(pf, "hello ", 6, &err), RELIEF_OK);
  cr_assert_eq(pub_file_write(pf, "world", 5, &err), RELIEF_OK);
  cr_assert_eq(pub_file_close(pf, &err), RELIEF_OK);
  cr_assert_eq(publication_write_file(pub, "empty.csv", "", 0, &err), RELIEF_OK);
  relief_options o = {.dismiss = {1}, .n_dismiss = 1};
  relief_flow flow;
  flow_configurable(&flow, &o);
  const relief_flow *flows[1] = {&flow};
  const char *argv[] = {"relief", "run", "--county=YOLO"};
  relief_input opened;
  cr_assert_eq(input_open(&opened, input, &err), RELIEF_OK, "%s", err.message);
  manifest_input inputs[1] = {{.path = input,
                               .size = opened.stored_size,
                               .rows_read = 5,
                               .rows_decided = 3,
                               .rows_duplicate = 2}};
  memcpy(inputs[0].xxh3_128, opened.xxh3_128, 33);
  input_close(&opened);
  const char *warnings[] = {"options: 11360 is neither dismissed nor reduced"};
  manifest_info info = {.command_line = argv,
                        .n_command_line = 3,
                        .compute_day = doj_days_from_civil(2019, 11, 11),
                        .county = "YOLO",
                        .threads = 3,
                        .redacted = true,
                        .options = &o,
                        .flows = flows,
                        .n_flows = 1,
                        .inputs = inputs,
                        .n_inputs = 1,
                        .warnings = warnings,
                        .n_warnings = 1,
                        .run_seconds = 1.5,
                        .rows = 42,
                        .people = 7};
  cr_assert_eq(manifest_write(&info, pub, "manifest.json", &err), RELIEF_OK, "%s", err.message);
  cr_assert_eq(publication_commit(pub, NULL, 0, &err), RELIEF_OK, "%s", err.message);

  char path[1024];
  snprintf(path, sizeof path, "%s/manifest.json", out);
  size_t len;
  char *text = slurp(path, &len);
  cr_assert_gt(len, 0);
  cr_assert_eq(text[len - 1], '\n', "the manifest ends with a newline");
  json_error_t jerr;
  json_t *m = json_loads(text, 0, &jerr);
  cr_assert_not_null(m, "manifest.json is not JSON: %s (line %d)", jerr.text, jerr.line);
  cr_assert_str_eq(json_string_value(json_object_get(m, "engine")), "relief");
  cr_assert_str_eq(json_string_value(json_object_get(m, "version")), relief_version());
  cr_assert_str_eq(json_string_value(json_object_get(m, "computeDate")), "2019-11-11");
  cr_assert_str_eq(json_string_value(json_object_get(m, "county")), "YOLO");
  cr_assert_eq(json_integer_value(json_object_get(m, "threads")), 3);
  cr_assert(json_is_true(json_object_get(m, "redacted")));
  json_t *cl = json_object_get(m, "commandLine");
  cr_assert_eq(json_array_size(cl), 3);
  cr_assert_str_eq(json_string_value(json_array_get(cl, 2)), "--county=YOLO");
  json_t *counts = json_object_get(m, "counts");
  cr_assert_eq(json_integer_value(json_object_get(counts, "rows")), 42);
  cr_assert_eq(json_integer_value(json_object_get(counts, "people")), 7);
  json_t *dismiss = json_object_get(
      json_object_get(json_object_get(m, "options"), "baselineEligibility"), "dismiss");
  cr_assert_eq(json_array_size(dismiss), 1);
  cr_assert_str_eq(json_string_value(json_array_get(dismiss, 0)), "11357");
  json_t *fl = json_array_get(json_object_get(m, "flows"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(fl, "name")), "configurable");
  cr_assert_eq(strlen(json_string_value(json_object_get(fl, "hash"))), 16);

  /* inputs: path, size and hash of the bytes */
  json_t *ins = json_object_get(m, "inputs");
  cr_assert_eq(json_array_size(ins), 1);
  char want[33];
  hex_of("RECORD_ID\n", 10, want);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ins, 0), "path")), input);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(ins, 0), "size")), 10);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ins, 0), "xxh3_128")), want);
  /* its rows: read = decided + refused, by reason */
  json_t *rows = json_object_get(json_array_get(ins, 0), "rows");
  cr_assert_eq(json_integer_value(json_object_get(rows, "read")), 5);
  cr_assert_eq(json_integer_value(json_object_get(rows, "decided")), 3);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(rows, "refused"),
                                                  "duplicate of an earlier file's row")),
               2);
  json_t *warned = json_object_get(m, "warnings");
  cr_assert_eq(json_array_size(warned), 1);
  cr_assert_str_eq(json_string_value(json_array_get(warned, 0)), warnings[0]);

  /* outputs: every file written before it, in creation order, with the
   * size and hash of the committed bytes */
  const char *names[] = {"All_Results.csv", "Court_Filings/YOLO/letter.txt", "empty.csv"};
  json_t *outs = json_object_get(m, "outputs");
  cr_assert_eq(json_array_size(outs), 3, "%zu outputs", json_array_size(outs));
  for (size_t i = 0; i < 3; i++) {
    json_t *e = json_array_get(outs, i);
    cr_assert_str_eq(json_string_value(json_object_get(e, "path")), names[i]);
    char file[1024];
    snprintf(file, sizeof file, "%s/%s", out, names[i]);
    size_t n;
    char *bytes = slurp(file, &n);
    hex_of(bytes, n, want);
    cr_assert_eq(json_integer_value(json_object_get(e, "size")), (json_int_t)n, "%s", names[i]);
    cr_assert_str_eq(json_string_value(json_object_get(e, "xxh3_128")), want, "%s", names[i]);
    free(bytes);
  }
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(outs, 1), "size")), 11);
  json_decref(m);
  free(text);
}

/* The manifest used to hash inputs by reopening their paths: a file swapped
 * during the run was described instead of the bytes decided. */
Test(manifest, inputs_are_described_as_read_not_as_the_path_is_now, .init = manifest_setup,
     .fini = manifest_teardown) {
  char out[512], input[512];
  snprintf(out, sizeof out, "%s/out", root);
  snprintf(input, sizeof input, "%s/swapped.csv", root);
  FILE *f = fopen(input, "wb");
  fputs("RECORD_ID\n", f);
  fclose(f);
  relief_error err;
  relief_input opened;
  cr_assert_eq(input_open(&opened, input, &err), RELIEF_OK, "%s", err.message);
  manifest_input inputs[1] = {{.path = input, .size = opened.stored_size}};
  memcpy(inputs[0].xxh3_128, opened.xxh3_128, 33);
  input_close(&opened);
  f = fopen(input, "wb"); /* swapped after it was read */
  fputs("something else entirely\n", f);
  fclose(f);
  publication *pub;
  cr_assert_eq(publication_begin(out, &pub, &err), RELIEF_OK, "%s", err.message);
  relief_options o = {0};
  manifest_info info = {.county = "YOLO", .options = &o, .inputs = inputs, .n_inputs = 1};
  cr_assert_eq(manifest_write(&info, pub, "manifest.json", &err), RELIEF_OK, "%s", err.message);
  cr_assert_eq(publication_commit(pub, NULL, 0, &err), RELIEF_OK, "%s", err.message);
  char path[1024], want[33];
  snprintf(path, sizeof path, "%s/manifest.json", out);
  size_t len;
  char *text = slurp(path, &len);
  json_t *m = json_loads(text, 0, NULL);
  cr_assert_not_null(m);
  json_t *in = json_array_get(json_object_get(m, "inputs"), 0);
  hex_of("RECORD_ID\n", 10, want);
  cr_assert_str_eq(json_string_value(json_object_get(in, "xxh3_128")), want);
  cr_assert_eq(json_integer_value(json_object_get(in, "size")), 10);
  json_decref(m);
  free(text);
}

/* ---- reading back a previous manifest's outputs ---- */

#include <fcntl.h>
#include <sys/stat.h>

static char *manifest_dir(void) {
  static char dir[] = "/tmp/relief-manifest-read-XXXXXX";
  strcpy(dir, "/tmp/relief-manifest-read-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  return dir;
}

static void put_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
}

Test(manifest_read, lists_plain_relative_paths_only) {
  char *dir = manifest_dir();
  put_file(dir, "manifest.json",
           "{\"outputs\": [{\"path\": \"All_Results.csv\"}, {\"path\": \"Court_Filings/X/a.pdf\"},"
           " {\"path\": \"../escape\"}, {\"path\": \"/etc/passwd\"}, {\"path\": \"a/./b\"},"
           " {\"path\": \"a//b\"}, {\"path\": \"dir/\"}, {\"path\": 7}, {\"size\": 1}]}");
  char **list;
  size_t n;
  cr_assert_eq(manifest_read_outputs(dir, "manifest.json", &list, &n, NULL), RELIEF_OK);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(list[0], "All_Results.csv");
  cr_assert_str_eq(list[1], "Court_Filings/X/a.pdf");
  manifest_outputs_free(list, n);
  cr_assert_eq(manifest_read_outputs(dir, "manifest_S.json", &list, &n, NULL), RELIEF_OK);
  cr_assert_eq(n, 0, "no manifest: nothing to remove");
  manifest_outputs_free(list, n);
}

Test(manifest_read, refuses_links_fifos_big_files_and_bad_json) {
  char *dir = manifest_dir();
  char path[512], target[512];
  put_file(dir, "real.json", "{\"outputs\": [{\"path\": \"x.csv\"}]}");
  snprintf(target, sizeof target, "%s/real.json", dir);
  snprintf(path, sizeof path, "%s/link.json", dir);
  cr_assert_eq(symlink(target, path), 0);
  snprintf(path, sizeof path, "%s/fifo.json", dir);
  cr_assert_eq(mkfifo(path, 0600), 0); /* would block a plain open for ever */
  snprintf(path, sizeof path, "%s/big.json", dir);
  int fd = open(path, O_WRONLY | O_CREAT, 0600);
  cr_assert_eq(ftruncate(fd, (off_t)MANIFEST_MAX_BYTES + 1), 0); /* sparse */
  close(fd);
  put_file(dir, "bad.json", "{\"outputs\": ");
  const char *refused[] = {"link.json", "fifo.json", "big.json", "bad.json"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    char **list = (char **)1;
    size_t n = 99;
    relief_error err = {0};
    cr_assert_eq(manifest_read_outputs(dir, refused[i], &list, &n, &err), RELIEF_E_IO, "%s",
                 refused[i]);
    cr_assert_null(list);
    cr_assert_eq(n, 0);
  }
}
