/*
 * test_paths.c — the names outputs get: county folder names, made distinct
 * for statewide runs and never a top-level output's name or a hidden one.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "common/paths.h"

Test(paths, folder_names_are_sanitised_and_never_hidden) {
  char out[64];
  folder_name(out, sizeof out, "LOS ANGELES");
  cr_assert_str_eq(out, "LOS_ANGELES");
  folder_name(out, sizeof out, ".relief.lock");
  cr_assert_str_eq(out, "_relief.lock");
  folder_name(out, sizeof out, "..");
  cr_assert_str_eq(out, "_.");
  folder_name(out, sizeof out, "");
  cr_assert_str_eq(out, "_");
}

Test(paths, unique_folder_names_get_numbered_in_order) {
  const char *counties[] = {"SAN DIEGO",     "SAN_DIEGO",     "san diego", "SAN_DIEGO_2",
                            "manifest.json", "Court_Filings", "ALPINE"};
  const char *reserved[] = {"manifest.json", "Court_Filings"};
  const char *want[] = {"SAN_DIEGO",       "SAN_DIEGO_2",     "san_diego_3", "SAN_DIEGO_2_2",
                        "manifest.json_2", "Court_Filings_2", "ALPINE"};
  char *out[7];
  folder_names_unique(counties, 7, reserved, 2, out);
  for (int i = 0; i < 7; i++) {
    cr_assert_str_eq(out[i], want[i], "county %d", i);
    free(out[i]);
  }
}
