/*
 * test_review.c — the review routing matcher (first match wins, strict
 * validation, the index of the route taken), sheet dates (MM/DD/YYYY) and
 * the general CSV sheet reader (Go encoding/csv semantics).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../engine/review/review.h"

static review_routing load(const char *json) {
  review_routing rt;
  relief_error err = {0};
  cr_assert_eq(review_routing_parse(json, "routing.json", &rt, &err), RELIEF_OK, "%s", err.message);
  return rt;
}

static void refused(const char *json, const char *key) {
  review_routing rt;
  relief_error err = {0};
  cr_assert_eq(review_routing_parse(json, "routing.json", &rt, &err), RELIEF_E_USAGE, "%s", json);
  cr_assert(strstr(err.message, key), "'%s' not in '%s'", key, err.message);
}

Test(routing, first_match_wins) {
  review_routing rt =
      load("{\"default\": \"District Attorney\", \"routes\": ["
           "{\"agency\": \"Pasadena City Prosecutor\", \"court\": \"PASADENA\", \"felony\": false},"
           "{\"agency\": \"Felony Unit\", \"felony\": true},"
           "{\"agency\": \"Sales Unit\", \"section\": \"11360\"}]}");
  cr_assert_str_eq(review_route_match(&rt, "CASC PASADENA", false, "11357(A)"),
                   "Pasadena City Prosecutor");
  cr_assert_str_eq(review_route_match(&rt, "CASC PASADENA", true, "11357(A)"), "Felony Unit");
  cr_assert_str_eq(review_route_match(&rt, "CASC LONG BEACH", false, "11360(A)"), "Sales Unit");
  cr_assert_str_eq(review_route_match(&rt, "CASC LONG BEACH", false, "11357(B)"),
                   "District Attorney");
  cr_assert_str_eq(review_route_match(&rt, NULL, false, NULL), "District Attorney");
  review_routing_free(&rt);
}

Test(routing, index_of_the_route_that_takes_an_item) {
  review_routing rt = load("{\"routes\": [{\"agency\": \"P\", \"court\": \"PASADENA\"},"
                           "{\"agency\": \"F\", \"felony\": true}]}");
  cr_assert_eq(review_route_index(&rt, "CASC PASADENA", true, "11357"), 0);
  cr_assert_eq(review_route_index(&rt, "CASC Pasadena", true, "11357"), 1); /* case counts */
  cr_assert_eq(review_route_index(&rt, "CASC COMPTON", false, "11357"), -1);
  review_routing_free(&rt);
}

Test(sheet, dates_show_as_mm_dd_yyyy) {
  char out[16];
  review_sheet_date("19530101", out);
  cr_assert_str_eq(out, "01/01/1953");
  review_sheet_date("20191231", out);
  cr_assert_str_eq(out, "12/31/2019");
  review_sheet_date("1953", out); /* not a date: as it is */
  cr_assert_str_eq(out, "1953");
  review_sheet_date("", out);
  cr_assert_str_eq(out, "");
}

Test(routing, default_without_file) {
  review_routing rt;
  relief_error err = {0};
  cr_assert_eq(review_routing_load(NULL, &rt, &err), RELIEF_OK);
  cr_assert_str_eq(review_route_match(&rt, "CASC X", true, "11359"), "District Attorney");
  review_routing_free(&rt);
  rt = load("{\"routes\": []}");
  cr_assert_str_eq(review_route_match(&rt, "", false, ""), "District Attorney");
  review_routing_free(&rt);
}

Test(routing, strict_validation) {
  refused("{\"default\": \"A\", \"rutes\": []}", "rutes");
  refused("{\"default\": 3}", "default");
  refused("{\"routes\": {}}", "routes");
  refused("{\"routes\": [{\"court\": \"X\"}]}", "routes[0].agency");
  refused("{\"routes\": [{\"agency\": \"A\", \"felony\": \"yes\"}]}", "routes[0].felony");
  refused("{\"routes\": [{\"agency\": \"A\"}, {\"agency\": \"B\", \"county\": \"X\"}]}",
          "routes[1].county");
  refused("{\"routes\": [{\"agency\": \"A\", \"section\": 11357}]}", "routes[0].section");
  refused("[1]", "object");
  refused("{\"default\": \"A\",", "invalid JSON");
}

Test(routing, sanitized_names_and_guard) {
  char out[64];
  review_sanitize_name("Pasadena City Prosecutor", out, sizeof out);
  cr_assert_str_eq(out, "Pasadena_City_Prosecutor");
  review_sanitize_name("../etc/pass-wd_1", out, sizeof out);
  cr_assert_str_eq(out, "___etc_pass-wd_1");
  review_sanitize_name("", out, sizeof out);
  cr_assert_str_eq(out, "_");
  cr_assert(review_cell_needs_guard("=SUM(A1)"));
  cr_assert(review_cell_needs_guard("+1"));
  cr_assert(review_cell_needs_guard("-1"));
  cr_assert(review_cell_needs_guard("@x"));
  cr_assert(review_cell_needs_guard("\tx"));
  cr_assert(review_cell_needs_guard("\rx"));
  cr_assert(!review_cell_needs_guard("SMITH,JOHN"));
  cr_assert(!review_cell_needs_guard(""));
}

/* Reads text; returns the records joined as "a|b;c|d;" or "ERR:LINE". */
static const char *read_all(const char *text) {
  static char out[1024];
  review_csv_reader r;
  review_csv_init(&r, text, strlen(text), "t.csv");
  relief_error err = {0};
  size_t n = 0;
  int got;
  out[0] = 0;
  while ((got = review_csv_next(&r, &err)) == 1) {
    for (int i = 0; i < r.n_fields; i++)
      n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? "|" : "", r.fields[i]);
    n += (size_t)snprintf(out + n, sizeof out - n, ";");
  }
  if (got < 0) snprintf(out, sizeof out, "ERR:%lld", err.line);
  review_csv_free(&r);
  return out;
}

Test(sheet_csv, plain_and_quoted) {
  cr_assert_str_eq(read_all("a,b\nc,d\n"), "a|b;c|d;");
  cr_assert_str_eq(read_all("a,b\nc,d"), "a|b;c|d;");
  cr_assert_str_eq(read_all("a,\"b,c\"\n"), "a|b,c;");
  cr_assert_str_eq(read_all("\"say \"\"hi\"\"\",x\n"), "say \"hi\"|x;");
  cr_assert_str_eq(read_all("\"multi\nline\",x\n"), "multi\nline|x;");
  cr_assert_str_eq(read_all(",\n,\n"), "|;|;");
  cr_assert_str_eq(read_all("a,\n"), "a|;");
  cr_assert_str_eq(read_all("a,"), "a|;");
  cr_assert_str_eq(read_all("\"\",x\n"), "|x;");
  cr_assert_str_eq(read_all(""), "");
}

Test(sheet_csv, crlf_and_blank_lines) {
  cr_assert_str_eq(read_all("a,b\r\nc,d\r\n"), "a|b;c|d;");
  cr_assert_str_eq(read_all("a,b\n\n\nc,d\n"), "a|b;c|d;");
  cr_assert_str_eq(read_all("\"x\r\ny\",z\r\n"), "x\ny|z;"); /* CRLF in quotes read as LF */
  cr_assert_str_eq(read_all("a\rb,c\n"), "a\rb|c;");         /* a lone CR stays */
}

Test(sheet_csv, errors_name_the_line) {
  cr_assert_str_eq(read_all("a,b\nc,d\"e\n"), "ERR:2");     /* bare quote */
  cr_assert_str_eq(read_all("a,b\n\"c\"d,e\n"), "ERR:2");   /* text after closing quote */
  cr_assert_str_eq(read_all("a,b\n\n\"open,x\n"), "ERR:3"); /* never closed */
  cr_assert_str_eq(read_all("a,b\nc\n"), "ERR:2");          /* field count */
  cr_assert_str_eq(read_all("a,b\n\"x\ny\",z\nq\n"), "ERR:4");
}
