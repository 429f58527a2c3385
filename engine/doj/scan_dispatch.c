/*
 * scan_dispatch.c — parse_row picks its implementation once: the
 * fastest this CPU runs (AVX2 + PCLMUL, else SSE2, else scalar), or the one
 * RELIEF_SCANNER=scalar|sse2|avx2 names (tests, benchmarks, bisecting a
 * difference). All give identical results; see scan.h.
 */
#include <stdlib.h>
#include <string.h>

#include "doj/scan.h"

relief_parse_row_fn doj_row_parser(const char *name) {
  if (!name) return NULL;
  if (strcmp(name, "scalar") == 0) return parse_row_scalar;
#if defined(RELIEF_SCAN_X86)
  if (strcmp(name, "sse2") == 0) return parse_row_sse2;
  if (strcmp(name, "avx2") == 0) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") &&
        __builtin_cpu_supports("bmi"))
      return parse_row_avx2;
  }
#endif
  return NULL;
}

static const char *const parser_names[] = {"avx2", "sse2", "scalar"};
static relief_parse_row_fn chosen_fn; /* set once; races write the same value */
static const char *chosen_name;

static relief_parse_row_fn choose(void) {
  relief_parse_row_fn fn = __atomic_load_n(&chosen_fn, __ATOMIC_ACQUIRE);
  if (fn) return fn;
  const char *name = getenv("RELIEF_SCANNER");
  fn = name ? doj_row_parser(name) : NULL; /* unknown or unsupported: the best */
  for (size_t i = 0; !fn && i < sizeof parser_names / sizeof *parser_names; i++) {
    name = parser_names[i];
    fn = doj_row_parser(name);
  }
  __atomic_store_n(&chosen_name, name, __ATOMIC_RELAXED);
  __atomic_store_n(&chosen_fn, fn, __ATOMIC_RELEASE);
  return fn;
}

const char *doj_row_parser_name(void) {
  choose();
  return __atomic_load_n(&chosen_name, __ATOMIC_RELAXED);
}

int parse_row(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
              size_t *row_start, relief_parse_error *perr) {
  return choose()(text, size, pos, fields, row_start, perr);
}

relief_parse_lean_fn doj_row_parser_lean(const char *name) {
  relief_parse_row_fn full = doj_row_parser(name); /* the same CPU checks */
  if (!full) return NULL;
#if defined(RELIEF_SCAN_X86)
  if (full == parse_row_avx2) return parse_row_avx2_lean;
  if (full == parse_row_sse2) return parse_row_sse2_lean;
#endif
  return parse_row_scalar_lean;
}

int parse_row_lean(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
                   size_t *row_start, relief_parse_error *perr, const relief_columns *want,
                   relief_row_extent *ext) {
  static relief_parse_lean_fn lean; /* set once; races write the same value */
  relief_parse_lean_fn fn = __atomic_load_n(&lean, __ATOMIC_ACQUIRE);
  if (!fn) {
    fn = doj_row_parser_lean(doj_row_parser_name());
    __atomic_store_n(&lean, fn, __ATOMIC_RELEASE);
  }
  return fn(text, size, pos, fields, row_start, perr, want, ext);
}
