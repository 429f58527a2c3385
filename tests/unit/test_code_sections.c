/*
 * test_code_sections.c — eligibility spec §1, §3 and §8: code sections,
 * their classes (Prop 64, subsections, related, superstrike, PC 290) and the
 * "Possible Other P64 Charges" rule.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rules/rules.h"

static relief_classifier *cls;
static void setup(void) { cls = classifier_new(); }
static void teardown(void) { classifier_free(cls); }

static relief_code_class classify(const char *s) { return rules_classify(cls, s, strlen(s)); }

TestSuite(code_sections, .init = setup, .fini = teardown);

Test(code_sections, prop64_is_the_leftmost_section) {
  relief_code_class k = classify("11359(B) HS");
  cr_assert(k.bits & RELIEF_CS_PROP64);
  cr_assert_eq(k.prop64_section, 3);
  k = classify("11360 11357 HS");
  cr_assert_eq(k.prop64_section, 4);
  cr_assert(k.bits & RELIEF_CS_HAS_11357);
  cr_assert(k.bits & RELIEF_CS_HAS_11360);
  cr_assert_not(classify("1135 HS").bits & RELIEF_CS_PROP64);
  cr_assert_eq(classify("11357(C) HS").subsection_11357, 'C');
  cr_assert_eq(classify("11357C HS").subsection_11357, 0);
  cr_assert_eq(classify("11357(E) HS").subsection_11357, 0);
}

Test(code_sections, related_charges) {
  const char *yes[] = {"647(f) PC", "602 PC",     "466   PC", "148.9 PC", "148 PC",
                       "11364 HS",  "11550 HS",   "4140 BP",  "4149 BP",  "4060 BP",
                       "40508 VC",  "1320(A) PC", "1320 PC"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    cr_assert(classify(yes[i]).bits & RELIEF_CS_RELATED, "%s", yes[i]);
  const char *no[] = {"647(F) PC", "1320.5 PC", "13205 PC", "11364 PC", "459 PC"};
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    cr_assert_not(classify(no[i]).bits & RELIEF_CS_RELATED, "%s", no[i]);
}

Test(code_sections, superstrikes) {
  const char *yes[] = {"187 PC",
                       "664/187 PC",
                       "190.05(A) PC",
                       "261(A)(2) PC",
                       "288(A) PC",
                       "288A(C)(2)(B) PC",
                       "667.61 PC",
                       "1672(A) MV",
                       "246 186.22(B)(4) PC",
                       "186.22(B)(4) 136.1 PC",
                       "11418(B)(2) PC",
                       "289(J) PC"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    cr_assert(classify(yes[i]).bits & RELIEF_CS_SUPERSTRIKE, "%s", yes[i]);
  const char *no[] = {"459 PC", "186.22(B)(4) PC", "11418 PC", "288(C) PC", "187PC"};
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    cr_assert_not(classify(no[i]).bits & RELIEF_CS_SUPERSTRIKE, "%s", no[i]);
}

Test(code_sections, pc290_offenses) {
  const char *yes[] = {"243.4(A) PC", "261 PC",    "261.5(C) PC", "288 PC",    "311.11(A) PC",
                       "647.6(A) PC", "286(C) PC", "314(1) PC",   "653F(B) PC"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    cr_assert(classify(yes[i]).bits & RELIEF_CS_PC290, "%s", yes[i]);
  const char *no[] = {"286.5 PC", "311.2(A) PC", "459 PC", "647(F) PC"};
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    cr_assert_not(classify(no[i]).bits & RELIEF_CS_PC290, "%s", no[i]);
}

Test(code_sections, dot_does_not_cross_a_newline) {
  /* Go's RE2 '.' stops at a newline: 190(...) with a newline inside fails */
  cr_assert_not(classify("190(A\nB) PC").bits & RELIEF_CS_SUPERSTRIKE);
  cr_assert(classify("190(AB) PC").bits & RELIEF_CS_SUPERSTRIKE);
}

Test(code_sections, gang_enhancement_bits_for_los_angeles) {
  cr_assert(classify("186.22(B)(4) PC").bits & RELIEF_CS_GANG_ENHANCEMENT);
  cr_assert(classify("12022.55 PC").bits & RELIEF_CS_ENHANCEABLE);
}

static const char *section_of(const char *offense, const char *comment, bool *from_comment) {
  static char out[256];
  size_t n;
  const char *s =
      rules_code_section(offense, strlen(offense), comment, strlen(comment), &n, from_comment);
  memcpy(out, s, n);
  out[n] = 0;
  return out;
}

Test(code_sections, code_section_of_a_row) {
  bool c;
  cr_assert_str_eq(section_of("11359(B) HS-POSSESS FOR SALE", "", &c), "11359(B) HS");
  cr_assert_not(c);
  cr_assert_str_eq(section_of("11357 HS -X", "", &c), "11357 HS ");
  cr_assert_str_eq(section_of("  SEE COMMENT FOR CHARGE ", "11360 HS-TRANSPORT", &c), "11360 HS");
  cr_assert(c);
  cr_assert_str_eq(section_of("   ", "11358 HS", &c), "11358 HS");
  cr_assert_str_eq(section_of("NO DASH HERE", "", &c), "NO DASH HERE");
  /* Go's TrimSpace removes Unicode white space too */
  cr_assert_str_eq(section_of("\xc2\xa0", "11359 HS-SELL", &c), "11359 HS");
  cr_assert(c);
  cr_assert_str_eq(section_of("\xe2\x80\x83SEE COMMENT FOR CHARGE\xe3\x80\x80", "11357 HS", &c),
                   "11357 HS");
  cr_assert(c);
  cr_assert_str_eq(section_of("\xc2\xa1", "11357 HS", &c), "\xc2\xa1");
  /* visible ASCII at both ends: nothing to trim (the quick path) */
  cr_assert_str_eq(section_of("SEE COMMENT FOR CHARGE", "11358 HS-X", &c), "11358 HS");
  cr_assert(c);
  cr_assert_str_eq(section_of("SEE COMMENT FOR CHARGES", "11358 HS-X", &c),
                   "SEE COMMENT FOR CHARGES");
  cr_assert_not(c);
  cr_assert_str_eq(section_of("SEE COMMENT FOR CHARGE\t", "11358 HS-X", &c), "11358 HS");
  cr_assert(c);
}

static bool other(const char *offense, const char *comment) {
  return possible_other_p64(offense, strlen(offense), comment, strlen(comment));
}

Test(code_sections, possible_other_p64_charges) {
  cr_assert_not(other("SEE COMMENT FOR CHARGE", "11357 HS"));
  cr_assert_not(other("459 PC-BURGLARY", "NOTHING"));
  cr_assert(other("459 PC-BURGLARY", "ALSO 11359 HS"));
  cr_assert(other("11358 HS-CULTIVATE", "11359 HS"));
  cr_assert_not(other("11358 HS-CULTIVATE", "11358 HS"));
  cr_assert(other("11357(A) HS", "11357(C) HS"));
  cr_assert(other("11357(D) HS", "11357(B) HS"));
  cr_assert_not(other("11357(A) HS", "11357(B) HS"));
  cr_assert(other("11357 HS", "11357(C) HS"));
  cr_assert_not(other("11357(C) HS", "11357 HS"));
}
