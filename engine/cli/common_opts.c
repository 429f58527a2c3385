/*
 * common_opts.c — the options several commands (and relief-mpi) parse the
 * same way: --compute-at and --threads, whole-number and size options.
 * Each returns non-zero with err set, naming the option, when invalid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

int cli_parse_common(const cli_env *env, const char *compute_at, const char *threads,
                     int32_t *compute_day, int *n_threads, relief_error *err) {
  if (compute_at) {
    if (doj_parse_iso_date(compute_at, compute_day) != 0) {
      if (env->gogen)
        error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                  "invalid --compute-at date: Must be a valid date in the format YYYY-MM-DD");
      else
        error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                  "invalid --compute-at date '%.40s': must be a valid date in the form YYYY-MM-DD",
                  compute_at);
      return 1;
    }
  } else {
    *compute_day = (int32_t)(time(NULL) / 86400);
  }
  *n_threads = 0;
  if (threads) {
    char *end;
    long t = strtol(threads, &end, 10);
    if (*end || t < 1 || t > 4096) {
      error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                "invalid --threads '%.20s': must be a whole number from 1", threads);
      return 1;
    }
    *n_threads = (int)t;
  }
  return 0;
}

int cli_parse_count(const char *text, const char *option, int lo, int hi, int *out,
                    relief_error *err) {
  if (!text) return 0;
  char *end;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < lo || v > hi) {
    error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
              "invalid --%s '%.20s': must be a whole number from %d to %d", option, text, lo, hi);
    return 1;
  }
  *out = (int)v;
  return 0;
}

int cli_parse_size(const char *text, const char *option, uint64_t *out, relief_error *err) {
  if (!text) return 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  int shift = 0;
  if (*end == 'K' || *end == 'k')
    shift = 10, end++;
  else if (*end == 'M' || *end == 'm')
    shift = 20, end++;
  else if (*end == 'G' || *end == 'g')
    shift = 30, end++;
  if (!*text || *text == '-' || *end || errno || v > (UINT64_MAX >> shift) ||
      (v << shift) < (1u << 20)) {
    error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
              "invalid --%s '%.20s': must be a size of at least 1M (K, M or G suffix)", option,
              text);
    return 1;
  }
  *out = (uint64_t)v << shift;
  return 0;
}

int cli_subcommand_run(int argc, char **argv, const cli_env *env, const char *what,
                       const char *usage, const cli_subcommand *subs, size_t n) {
  const char *sub = argc >= 2 ? argv[1] : NULL;
  if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h"))) {
    printf(usage, env->program);
    return 0;
  }
  for (size_t i = 0; sub && i < n; i++)
    if (!strcmp(sub, subs[i].name)) return subs[i].fn(argc - 1, argv + 1, env);
  if (sub) fprintf(stderr, "%s: unknown %s command '%s'\n", env->program, what, sub);
  fprintf(stderr, usage, env->program);
  return 1;
}
