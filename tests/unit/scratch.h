/*
 * scratch.h — a scratch folder for the tests of a Criterion suite: made from
 * a mkdtemp template ("/tmp/relief-NAME-XXXXXX") before each test, removed
 * with all it holds after it. Header only, for tests/unit.
 */
#ifndef RELIEF_TEST_SCRATCH_H
#define RELIEF_TEST_SCRATCH_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes the folder: template's XXXXXX become its unique name. */
static inline void scratch_make(char *template) { cr_assert_not_null(mkdtemp(template)); }

/* Removes the folder and everything in it. */
static inline void scratch_remove(const char *dir) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

#endif
