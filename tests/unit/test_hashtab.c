/*
 * test_hashtab.c — interned strings and 128-bit key maps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/hashtab.h"

Test(identity, intern_gives_dense_stable_ids) {
  relief_intern t;
  intern_init(&t);
  char s[32];
  for (int i = 0; i < 5000; i++) {
    snprintf(s, sizeof s, "section-%d", i);
    cr_assert_eq(intern_get(&t, s, strlen(s)), (uint32_t)i);
  }
  for (int i = 0; i < 5000; i += 7) {
    snprintf(s, sizeof s, "section-%d", i);
    cr_assert_eq(intern_get(&t, s, strlen(s)), (uint32_t)i);
    size_t n;
    cr_assert_str_eq(intern_str(&t, (uint32_t)i, &n), s);
    cr_assert_eq(n, strlen(s));
  }
  cr_assert_eq(intern_get(&t, "", 0), 5000);
  intern_free(&t);
}

Test(identity, key_map_first_seen_order) {
  relief_key_map m;
  key_map_init(&m, 4);
  for (int i = 0; i < 10000; i++) {
    char id[16];
    int n = snprintf(id, sizeof id, "%d", i % 3000);
    uint32_t idx = key_map_get(&m, XXH3_128bits(id, (size_t)n));
    cr_assert_eq(idx, (uint32_t)(i % 3000));
  }
  cr_assert_eq(m.n, 3000);
  key_map_free(&m);
}
