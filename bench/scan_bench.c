/*
 * scan_bench.c — MB/s of each row-parser implementation (scalar, SSE2, AVX2)
 * over the same bytes, best of 5 passes, one thread, timed in the thread's
 * CPU time (a shared machine's other load does not count against it). The text is the files
 * named on the command line (e.g. relief-gen output, --shape realistic or
 * reference), or without any a synthetic DOJ-shaped text: 95 columns, mostly
 * short or empty, a quoted name with a comma, now and then a quoted comment
 * with doubled quotes or CR LF inside, CR LF line ends on some rows.
 * Every pass must find the same rows and fields as the scalar one. Each
 * implementation is timed again in its lean form (only the columns the
 * decision pass reads, as `relief run` and `statewide` parse).
 * Usage: scan-bench [FILE...]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doj/doj.h"
#include "pipeline/pipeline.h"

static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    return NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return buf;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static char *synthesize(size_t want, size_t *size) {
  char *buf = malloc(want + 4096);
  size_t o = 0;
  static const char *names[] = {"\"SKYWALKER,LUKE\"", "\"ORGANA,LEIA \"\"PRINCESS\"\"\"",
                                "\"SOLO,HAN\"", "\"KENOBI,OBI-WAN\""};
  static const char *comments[] = {"\"SEE COMMENT FOR CHARGE, 11357(A) HS\"",
                                   "\"PRIOR \"\"11360\"\" CASE\r\nDISMISSED\"", "NO COMMENT", ""};
  for (long id = 1; o < want; id++) {
    for (int c = 0; c < RELIEF_NCOLS; c++) {
      if (c) buf[o++] = ',';
      uint32_t x = next();
      const char *s = "";
      char num[32];
      if (c == RELIEF_COL_PRI_NAME) {
        s = names[x % 4];
      } else if (c == RELIEF_COL_COMMENT_TEXT) {
        s = x % 8 == 0 ? comments[x / 8 % 4] : "";
      } else if (c == RELIEF_COL_OFFENSE_DESCR) {
        s = x % 2 ? "11357(A) HS-POSSESS MARIJUANA" : "23152(A) VC-DUI ALCOHOL/DRUGS";
      } else if (c == RELIEF_COL_RECORD_ID || c == RELIEF_COL_CII_NUMBER ||
                 c == RELIEF_COL_CYC_DATE || c == RELIEF_COL_DISP_DATE || x % 3 == 0) {
        snprintf(num, sizeof num, "%u", x % 100000000u);
        s = num;
      } else if (x % 5 == 0) {
        s = "#";
      }
      size_t n = strlen(s);
      memcpy(buf + o, s, n);
      o += n;
    }
    if (next() % 10 == 0) buf[o++] = '\r';
    buf[o++] = '\n';
  }
  *size = o;
  return buf;
}

typedef struct {
  size_t rows, errors;
  uint64_t sum;
} tally;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One pass over the text. check: fold every field into the sum (to compare
 * the implementations; not timed); otherwise touch two fields per row. */
static tally parse_all(relief_parse_row_fn fn, const char *text, size_t size, int check) {
  tally t = {0, 0, 0};
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  size_t pos = header_length(text, size), start;
  int r;
  while ((r = fn(text, size, &pos, f, &start, &perr)) != 0) {
    if (r < 0) {
      t.errors++;
      if (perr.code != RELIEF_PARSE_FIELD_COUNT) break;
      continue;
    }
    t.rows++;
    if (check) {
      for (int i = 0; i < RELIEF_NCOLS; i++)
        t.sum = t.sum * 31 + (uint64_t)(f[i].ptr - text) + f[i].len * 7u + f[i].flags;
    } else {
      t.sum += f[RELIEF_COL_PRI_NAME].len + f[RELIEF_COL_END_OF_REC].flags;
    }
  }
  return t;
}

/* The same in lean form: the decision columns only, and the row's extent. */
static tally parse_all_lean(relief_parse_lean_fn fn, const char *text, size_t size) {
  tally t = {0, 0, 0};
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  relief_row_extent ext;
  const relief_columns want = pipeline_decision_columns();
  size_t pos = header_length(text, size), start;
  int r;
  while ((r = fn(text, size, &pos, f, &start, &perr, &want, &ext)) != 0) {
    if (r < 0) {
      t.errors++;
      if (perr.code != RELIEF_PARSE_FIELD_COUNT) break;
      continue;
    }
    t.rows++;
    t.sum += f[RELIEF_COL_PRI_NAME].len + f[RELIEF_COL_COMMENT_TEXT].len + ext.canonical;
  }
  return t;
}

int main(int argc, char **argv) {
  size_t size = 0;
  char *text;
  if (argc > 1) {
    size_t cap = 0;
    text = NULL;
    for (int i = 1; i < argc; i++) {
      size_t n;
      char *part = read_file(argv[i], &n);
      if (!part) {
        fprintf(stderr, "scan-bench: cannot read %s\n", argv[i]);
        return 1;
      }
      size_t skip = i > 1 ? header_length(part, n) : 0;
      if (size + n > cap) text = realloc(text, cap = (size + n) * 2);
      memcpy(text + size, part + skip, n - skip);
      size += n - skip;
      free(part);
    }
  } else {
    text = synthesize((size_t)64 << 20, &size);
  }
  printf("text: %.1f MB%s; parse_row uses %s\n", (double)size / 1e6, argc > 1 ? "" : " (synthetic)",
         doj_row_parser_name());
  static const char *const names[] = {"scalar", "sse2", "avx2"};
  tally ref = {0, 0, 0};
  int status = 0;
  for (int k = 0; k < 3; k++) {
    relief_parse_row_fn fn = doj_row_parser(names[k]);
    if (!fn) {
      printf("%-7s not supported on this CPU\n", names[k]);
      continue;
    }
    tally t = parse_all(fn, text, size, 1);
    double best = 1e30;
    for (int pass = 0; pass < 5; pass++) {
      double t0 = now();
      parse_all(fn, text, size, 0);
      double dt = now() - t0;
      if (dt < best) best = dt;
    }
    if (k == 0) ref = t;
    int same = t.rows == ref.rows && t.errors == ref.errors && t.sum == ref.sum;
    if (!same) status = 1;
    printf("%-7s %8.1f MB/s  %zu rows, %zu errors%s\n", names[k], (double)size / 1e6 / best, t.rows,
           t.errors, same ? "" : "  DIFFERS FROM SCALAR");
    relief_parse_lean_fn lean = doj_row_parser_lean(names[k]);
    best = 1e30;
    for (int pass = 0; pass < 5; pass++) {
      double t0 = now();
      tally l = parse_all_lean(lean, text, size);
      double dt = now() - t0;
      if (dt < best) best = dt;
      if (l.rows != ref.rows || l.errors != ref.errors) status = 1;
    }
    printf("%-7s %8.1f MB/s  lean\n", names[k], (double)size / 1e6 / best);
  }
  free(text);
  return status;
}
