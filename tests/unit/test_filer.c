/*
 * test_filer.c — the filer profile: a full profile parses; every key is
 * required; unknown keys, wrong types, a bad agency, bar number, address or
 * signature are usage errors that name the key and never echo its value.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "relief/relief.h"

#define GOOD                                                                                   \
  "{\"office\": \"Pasadena City Prosecutor\", \"agency\": \"city-prosecutor\", "              \
  "\"attorney\": \"Dana Q. Reyes\", \"barNumber\": \"123456\", "                              \
  "\"address\": [\"100 N. Garfield Ave.\", \"Pasadena, CA 91101\"], "                         \
  "\"phone\": \"(626) 555-0100\", \"email\": \"p@example.gov\", \"signature\": \"/s/ Dana Q. Reyes\"}"

Test(filer, a_full_profile_parses) {
  relief_filer f;
  relief_error err = {0};
  cr_assert_eq(relief_filer_parse(GOOD, "filer.json", &f, &err), RELIEF_OK, "%s", err.message);
  cr_expect_str_eq(f.office, "Pasadena City Prosecutor");
  cr_expect_eq(f.agency, RELIEF_FILER_CITY_PROSECUTOR);
  cr_expect_str_eq(f.attorney, "Dana Q. Reyes");
  cr_expect_str_eq(f.bar_number, "123456");
  cr_expect_eq(f.n_address, 2);
  cr_expect_str_eq(f.address[1], "Pasadena, CA 91101");
  cr_expect_str_eq(f.phone, "(626) 555-0100");
  cr_expect_str_eq(f.email, "p@example.gov");
  cr_expect_str_eq(f.signature, "/s/ Dana Q. Reyes");
  relief_filer_free(&f);
}

Test(filer, every_agency_kind) {
  const char *kinds[] = {"district-attorney", "city-attorney", "city-prosecutor"};
  for (int i = 0; i < 3; i++) {
    char text[1024];
    snprintf(text, sizeof text,
             "{\"office\": \"O\", \"agency\": \"%s\", \"attorney\": \"A\", \"barNumber\": \"1\", "
             "\"address\": [\"L\"], \"phone\": \"P\", \"email\": \"\", \"signature\": \"\"}",
             kinds[i]);
    relief_filer f;
    relief_error err = {0};
    cr_assert_eq(relief_filer_parse(text, "f", &f, &err), RELIEF_OK, "%s", err.message);
    cr_expect_eq((int)f.agency, i);
    relief_filer_free(&f);
  }
}

/* Replaces the first occurrence of from in GOOD with to and parses. */
static void refused(const char *from, const char *to, const char *key) {
  char text[2048];
  const char *at = strstr(GOOD, from);
  cr_assert_not_null(at, "%s", from);
  snprintf(text, sizeof text, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
  relief_filer f;
  relief_error err = {0};
  cr_expect_eq(relief_filer_parse(text, "filer.json", &f, &err), RELIEF_E_USAGE, "%s", text);
  cr_expect(strstr(err.message, key), "'%s' not named in: %s", key, err.message);
  cr_expect_null(f.office, "nothing kept from a refused profile");
}

Test(filer, unknown_and_missing_keys_are_named) {
  refused("\"office\":", "\"offices\":", "offices");
  refused("\"phone\": \"(626) 555-0100\", ", "", "phone");
  refused("\"email\"", "\"emial\"", "emial");
}

Test(filer, bad_values_are_named_without_echoing_them) {
  refused("\"city-prosecutor\"", "\"sheriff\"", "agency");
  refused("\"123456\"", "\"12A456\"", "barNumber");
  refused("\"123456\"", "123456", "barNumber");
  refused("[\"100 N. Garfield Ave.\", \"Pasadena, CA 91101\"]", "\"100 N. Garfield\"", "address");
  refused("[\"100 N. Garfield Ave.\", \"Pasadena, CA 91101\"]", "[]", "address");
  refused("\"/s/ Dana Q. Reyes\"", "\"Dana Q. Reyes\"", "signature");
  refused("\"Dana Q. Reyes\", \"barNumber\"", "\"\", \"barNumber\"", "attorney");
  refused("\"Pasadena City Prosecutor\"", "\"Pasadena\\nCity\"", "office");
  relief_filer f;
  relief_error err = {0};
  cr_expect_eq(relief_filer_parse("[1]", "f", &f, &err), RELIEF_E_USAGE);
  cr_expect_eq(relief_filer_parse("{", "f", &f, &err), RELIEF_E_USAGE);
}
