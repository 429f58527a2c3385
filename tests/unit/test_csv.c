/*
 * test_csv.c — output quoting exactly as Go's encoding/csv writer.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "output/output.h"

static const char *q(const char *s) {
  static relief_buf b;
  b.len = 0;
  csv_append(&b, s, strlen(s));
  buf_putc(&b, 0);
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

static const char *safe(const char *s) {
  static relief_buf b;
  b.len = 0;
  csv_append_safe(&b, s, strlen(s));
  buf_putc(&b, 0);
  return b.data;
}

static const char *guard(const char *line) {
  static relief_buf b;
  b.len = 0;
  buf_append(&b, "KEEP\n", 5); /* only the line from start is rewritten */
  buf_append(&b, line, strlen(line));
  csv_guard_line(&b, 5);
  buf_putc(&b, 0);
  return b.data;
}

Test(csv, formula_leading_cells_are_guarded) {
  cr_assert_str_eq(safe("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  cr_assert_str_eq(safe("+1"), "'+1");
  cr_assert_str_eq(safe("-2"), "'-2");
  cr_assert_str_eq(safe("@SUM(A1)"), "'@SUM(A1)");
  cr_assert_str_eq(safe("\tx"), "'\tx");
  cr_assert_str_eq(safe("\rx"), "\"'\rx\"");
  cr_assert_str_eq(safe("a=b"), "a=b");
  cr_assert_str_eq(safe("-"), "'-"); /* the result columns' "none" too */
  cr_assert_str_eq(safe(""), "");
}

Test(csv, guard_line_rewrites_only_dangerous_cells) {
  cr_assert_str_eq(guard("a,b,,c"), "KEEP\na,b,,c");
  cr_assert_str_eq(guard("\"x,=y\",b"), "KEEP\n\"x,=y\",b"); /* a comma inside a cell */
  cr_assert_str_eq(guard("=1,b,\"=c,d\",-2,"), "KEEP\n'=1,b,\"'=c,d\",'-2,");
  cr_assert_str_eq(guard("a,\"=say \"\"hi\"\"\",@x"), "KEEP\na,\"'=say \"\"hi\"\"\",'@x");
  cr_assert_str_eq(guard("+"), "KEEP\n'+");
  cr_assert_str_eq(guard("-,a,-1.0"), "KEEP\n'-,a,'-1.0");
  cr_assert_str_eq(guard(""), "KEEP\n");
}
