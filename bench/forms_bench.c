/*
 * forms_bench.c — times filings_write on fabricated motions (default
 * 60,000, one to three counts each) and prints seconds and output sizes.
 * Usage: forms-bench [motions] [out-dir]. Not part of CI.
 */
#include <dirent.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doj/doj.h"
#include "filings/filings.h"

static const char *const surnames[] = {"GARCIA",      "NGUYEN",  "SMITH", "O'BRIEN",
                                       "MUNOZ-REYES", "JOHNSON", "KIM",   "WASHINGTON"};
static const char *const given[] = {"MARIA", "JOSE", "JAMES", "LINH", "DESHAWN", "ANNA"};
static const struct {
  const char *section, *offense;
} charges[] = {
    {"11357(B) HS", "11357(B) HS-POSSESS MARIJUANA 28.5 GRAMS OR LESS"},
    {"11358 HS", "11358 HS-CULTIVATE MARIJUANA"},
    {"11359 HS", "11359 HS-POSSESS MARIJUANA FOR SALE"},
    {"11360(A) HS", "11360(A) HS-TRANSPORT/SELL MARIJUANA"},
};

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 60000;
  const char *dir = argc > 2 ? argv[2] : "/tmp/relief-forms-bench";
  relief_motion *motions = calloc(n, sizeof *motions);
  relief_motion_count *counts = calloc(n * 3, sizeof *counts);
  char(*names)[64] = calloc(n, 64), (*ciis)[24] = calloc(n, 24), (*cases)[64] = calloc(n, 64);
  for (size_t i = 0; i < n; i++) {
    int k = 1 + (int)(i % 3);
    for (int c = 0; c < k; c++) {
      relief_motion_count *cnt = &counts[i * 3 + (size_t)c];
      cnt->code_section = charges[(i + (size_t)c) % 4].section;
      cnt->offense = charges[(i + (size_t)c) % 4].offense;
      cnt->conviction_day = doj_days_from_civil(1985 + (int)(i % 30), 1 + (int)(i % 12), 3);
      cnt->felony = (int)((i + (size_t)c) % 2);
      cnt->relief = (relief_sought)((i + (size_t)c) % 3);
      cnt->reason = cnt->felony ? "Dismiss all HS 11357 convictions" : "Misdemeanor or Infraction";
    }
    snprintf(names[i], 64, "%s,%s", surnames[i % 8], given[i % 6]);
    snprintf(ciis[i], 24, "%09zu", 100000000 + i * 7);
    snprintf(cases[i], 64, "CR%07zu; MA%06zu", i * 13 % 9999999, i % 999999);
    motions[i] = (relief_motion){
        .county = "LOS ANGELES",
        .step = "001001",
        .case_numbers = cases[i],
        .name = names[i],
        .akas = i % 5 ? "" : "DOE,JANE; DOE,J",
        .dob_day = i % 11 ? doj_days_from_civil(1960 + (int)(i % 40), 5, 17) : RELIEF_DAY_UNKNOWN,
        .cii = ciis[i],
        .counts = &counts[i * 3],
        .n_counts = k};
  }
  relief_error err;
  double t0 = omp_get_wtime();
  publication *pub;
  relief_status st = publication_begin(dir, &pub, &err);
  if (!st) st = filings_write(pub, "motions", motions, n, omp_get_max_threads(), NULL, &err);
  if (!st)
    st = publication_commit(pub, NULL, 0, &err);
  else
    publication_abort(pub);
  double t1 = omp_get_wtime();
  if (st) {
    fprintf(stderr, "forms-bench: %s\n", err.message);
    return 3;
  }
  unsigned long long total = 0, files = 0;
  struct stat sb;
  char motions_dir[4096];
  snprintf(motions_dir, sizeof motions_dir, "%s/motions", dir);
  DIR *d = opendir(motions_dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", motions_dir, e->d_name);
    if (strncmp(e->d_name, "motion_", 7) == 0 && stat(path, &sb) == 0) {
      total += (unsigned long long)sb.st_size;
      files++;
    }
  }
  if (d) closedir(d);
  char all[4200];
  snprintf(all, sizeof all, "%s/all_motions.pdf", motions_dir);
  long long all_size = stat(all, &sb) == 0 ? (long long)sb.st_size : -1;
  printf("motions %zu threads %d seconds %.2f motion_pdfs %llu bytes %llu (avg %.0f) "
         "all_motions.pdf %lld\n",
         n, omp_get_max_threads(), t1 - t0, files, total, files ? (double)total / files : 0.0,
         all_size);
  free(motions);
  free(counts);
  free(names);
  free(ciis);
  free(cases);
  return 0;
}
