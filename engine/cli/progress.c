/*
 * progress.c — progress on stderr. On a terminal: a bar with rows/s and ETA,
 * redrawn a few times a second (never per row). Otherwise: one line per
 * phase. Only counts and rates are shown, never data.
 */
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_progress_init(cli_progress *p) {
  memset(p, 0, sizeof *p);
  p->tty = isatty(2);
  p->start = p->last_print = p->phase_start = omp_get_wtime();
}

void cli_progress_update(void *user, const char *phase, uint64_t done, uint64_t total,
                         uint64_t rows) {
  cli_progress *p = user;
  double now = omp_get_wtime();
  int new_phase = strcmp(p->phase, phase) != 0;
  if (new_phase) {
    snprintf(p->phase, sizeof p->phase, "%s", phase);
    p->phase_start = now;
    if (!p->tty) {
      fprintf(stderr, "relief: %-8s (%.1f s)\n", phase, now - p->start);
      return;
    }
  }
  if (!p->tty || (!new_phase && now - p->last_print < 0.25)) return;
  p->last_print = now;
  double frac = total ? (double)done / (double)total : 0;
  double elapsed = now - p->phase_start;
  double rate = elapsed > 0 ? (double)rows / elapsed : 0;
  double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  char bar[31];
  int filled = (int)(frac * 30);
  for (int i = 0; i < 30; i++) bar[i] = i < filled ? '=' : ' ';
  bar[30] = 0;
  fprintf(stderr, "\r%-8s [%s] %3.0f%% %10.0f rows/s  ETA %4.0fs ", phase, bar, frac * 100, rate,
          eta);
}

void cli_progress_finish(cli_progress *p) {
  if (p->tty && p->phase[0]) fprintf(stderr, "\r%*s\r", 72, "");
}
