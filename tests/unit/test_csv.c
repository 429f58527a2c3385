/*
 * test_csv.c — output quoting exactly as Go's encoding/csv writer.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "output/output.h"

static const char *q(const char *s) {
  static relief_buf b;
  b.len = 0;
  relief_csv_append(&b, s, strlen(s));
  relief_buf_putc(&b, 0);
  return b.data;
}

Test(csv, quoting_rule) {
  cr_assert_str_eq(q(""), "");
  cr_assert_str_eq(q("PLAIN"), "PLAIN");
  cr_assert_str_eq(q("SKYWALKER,LUKE S"), "\"SKYWALKER,LUKE S\"");
  cr_assert_str_eq(q("say \"hi\""), "\"say \"\"hi\"\"\"");
  cr_assert_str_eq(q("a\nb"), "\"a\nb\"");
  cr_assert_str_eq(q("a\rb"), "\"a\rb\"");
  cr_assert_str_eq(q("   "), "\"   \"");
  cr_assert_str_eq(q("\tx"), "\"\tx\"");
  cr_assert_str_eq(q("x "), "x ");
  cr_assert_str_eq(q("\\."), "\"\\.\"");
  cr_assert_str_eq(q("\xc2\xa0nbsp"), "\"\xc2\xa0nbsp\"");
  cr_assert_str_eq(q("#"), "#");
}
