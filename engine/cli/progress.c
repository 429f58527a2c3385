/*
 * progress.c — progress on stderr. On a terminal: a bar with the phase's
 * rate and ETA, redrawn a few times a second (never per row). Otherwise:
 * one line per phase as it ends, with the time spent in it. Only counts and
 * rates are shown, never data.
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

/* The phase that ends at now: its line (not on a terminal). The first
 * phase's time counts from the start, so no time goes unnamed. */
static void end_phase(cli_progress *p, double now) {
  if (p->tty || !p->phase[0]) return;
  fprintf(stderr, "relief: %-8s (%.1f s)\n", p->phase, now - p->phase_start);
}

/* The bar: done of total of the phase, its rate (rows, else bytes or units
 * per second, over the phase so far) and the time its rest will take at
 * that pace, once there is a pace to go by. */
static void draw(const cli_progress *p, double now, uint64_t done, uint64_t total, uint64_t rows) {
  double frac = total ? (double)done / (double)total : 0;
  if (frac > 1) frac = 1;
  double elapsed = now - p->phase_start;
  bool by_rows = rows > p->phase_rows;
  double amount = by_rows ? (double)(rows - p->phase_rows) : (double)(done - p->phase_done);
  double rate = elapsed > 0 ? amount / elapsed : 0;
  double part = total ? (double)(done - p->phase_done) / (double)total : 0;
  char bar[31], eta[16];
  int filled = (int)(frac * 30);
  for (int i = 0; i < 30; i++) bar[i] = i < filled ? '=' : ' ';
  bar[30] = 0;
  if (part > 0.01 && elapsed > 0.5)
    snprintf(eta, sizeof eta, "%4.0fs", elapsed * (1 - frac) / part);
  else
    snprintf(eta, sizeof eta, "   ?");
  fprintf(stderr, "\r%-8s [%s] %3.0f%% %10.0f %s/s  ETA %s ", p->phase, bar, frac * 100, rate,
          by_rows ? "rows" : "units", eta);
}

void cli_progress_update(void *user, const char *phase, uint64_t done, uint64_t total,
                         uint64_t rows) {
  cli_progress *p = user;
  double now = omp_get_wtime();
  int new_phase = strcmp(p->phase, phase) != 0;
  if (new_phase) {
    end_phase(p, now);
    if (p->phase[0]) p->phase_start = now;
    snprintf(p->phase, sizeof p->phase, "%s", phase);
    p->phase_done = done;
    p->phase_rows = rows;
  }
  if (!p->tty || (!new_phase && now - p->last_print < 0.25)) return;
  p->last_print = now;
  draw(p, now, done, total, rows);
}

void cli_progress_finish(cli_progress *p) {
  double now = omp_get_wtime();
  end_phase(p, now);
  if (p->tty && p->phase[0]) fprintf(stderr, "\r%*s\r", 72, "");
}
