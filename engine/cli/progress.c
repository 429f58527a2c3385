/*
 * progress.c — progress on stderr. On a terminal: a bar with the phase's
 * rate and the whole run's ETA, redrawn a few times a second (never per
 * row). Otherwise: one line per phase as it ends, with the time spent in it.
 * Only counts and rates are shown, never data.
 */
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* A run's phases after it starts parsing, each with its time as a share of
 * the parse's, measured on the bench sets (bench/README.md, "Progress"): on
 * L, summary only, group 0.12, evaluate 0.17 and publish 0.07 of the
 * parse's 5.0-5.7 s; a spilled L reads, groups and evaluates in 0.45 of its
 * parse+spill; a bundle's write takes about 6 times its parse (R, M, L's
 * Los Angeles: 6.3, 6.1, 6.0) and its evaluate and publish more. A phase
 * not listed counts nothing ahead of it. */
typedef struct {
  const char *phase;
  double share;
} phase_share;

static const phase_share summary_phases[] = {
    {"parse", 1}, {"group", 0.12}, {"evaluate", 0.17}, {"publish", 0.07}, {NULL, 0}};
static const phase_share bundle_phases[] = {{"parse", 1}, {"group", 0.1}, {"evaluate", 0.5},
                                            {"write", 6}, {"publish", 1}, {NULL, 0}};
static const phase_share spill_summary_phases[] = {
    {"parse+spill", 1}, {"read+group+evaluate", 0.45}, {"publish", 0.1}, {NULL, 0}};
static const phase_share spill_bundle_phases[] = {
    {"parse+spill", 1}, {"read+group+evaluate", 0.6}, {"write", 6}, {"publish", 1}, {NULL, 0}};

/* The phases of a run like p's, and where phase is among them (-1: not). */
static const phase_share *phases_of(const cli_progress *p, const char *phase, int *at) {
  bool spill = strstr(phase, "spill") || strstr(phase, "read+");
  const phase_share *list = spill ? (p->bundle ? spill_bundle_phases : spill_summary_phases)
                                  : (p->bundle ? bundle_phases : summary_phases);
  *at = -1;
  for (int i = 0; list[i].phase; i++)
    if (!strcmp(list[i].phase, phase)) *at = i;
  return list;
}

void cli_progress_init(cli_progress *p, bool bundle) {
  memset(p, 0, sizeof *p);
  p->tty = isatty(2);
  p->bundle = bundle;
  p->start = p->last_print = p->phase_start = omp_get_wtime();
}

double cli_progress_eta(const cli_progress *p, double now, uint64_t done, uint64_t total) {
  int at;
  const phase_share *list = phases_of(p, p->phase, &at);
  double elapsed = now - p->phase_start;
  double frac = total ? (double)done / (double)total : 0;
  if (frac > 1) frac = 1;
  double part = total ? (double)(done - p->phase_done) / (double)total : 0;
  bool paced = part > 0.01 && elapsed > 0.5;
  double rest = paced ? elapsed * (1 - frac) / part : -1; /* the phase's, at its pace */
  double parse = p->parse_seconds;
  if (at == 0) parse = paced ? elapsed + rest : 0; /* parsing: its whole time, foreseen */
  if (at < 0 || parse <= 0) return at < 0 ? rest : -1;
  if (!paced) { /* a phase without counts (group, evaluate): its share, less its time so far */
    rest = list[at].share * parse - elapsed;
    if (rest < 0) rest = 0;
  }
  for (int i = at + 1; list[i].phase; i++) rest += list[i].share * parse;
  return rest;
}

/* The phase that ends at now: its line (not on a terminal). The first
 * phase's time counts from the start, so no time goes unnamed. */
static void end_phase(cli_progress *p, double now) {
  int at;
  phases_of(p, p->phase, &at);
  if (at == 0) p->parse_seconds = now - p->phase_start;
  if (p->tty || !p->phase[0]) return;
  fprintf(stderr, "relief: %-8s (%.1f s)\n", p->phase, now - p->phase_start);
}

/* The bar: done of total of the phase, its rate (rows, else bytes or units
 * per second, over the phase so far) and the time the run's rest will take. */
static void draw(const cli_progress *p, double now, uint64_t done, uint64_t total, uint64_t rows) {
  double frac = total ? (double)done / (double)total : 0;
  if (frac > 1) frac = 1;
  double elapsed = now - p->phase_start;
  bool by_rows = rows > p->phase_rows;
  double amount = by_rows ? (double)(rows - p->phase_rows) : (double)(done - p->phase_done);
  double rate = elapsed > 0 ? amount / elapsed : 0;
  char bar[31], eta[16];
  int filled = (int)(frac * 30);
  for (int i = 0; i < 30; i++) bar[i] = i < filled ? '=' : ' ';
  bar[30] = 0;
  double left = cli_progress_eta(p, now, done, total);
  if (left >= 0) /* tenths while they matter */
    snprintf(eta, sizeof eta, left < 9.95 ? "%4.1fs" : "%4.0fs", left);
  else
    snprintf(eta, sizeof eta, "   ?");
  fprintf(stderr, "\r%-8s [%s] %3.0f%% %10.0f %s/s  ETA %s ", p->phase, bar, frac * 100, rate,
          by_rows ? "rows" : "units", eta);
}

/* A new phase begins at now: the one before it ends. */
static bool enter_phase(cli_progress *p, double now, const char *phase, uint64_t done,
                        uint64_t rows) {
  if (!strcmp(p->phase, phase)) return false;
  end_phase(p, now);
  if (p->phase[0]) p->phase_start = now;
  snprintf(p->phase, sizeof p->phase, "%s", phase);
  p->phase_done = done;
  p->phase_rows = rows;
  return true;
}

void cli_progress_update_at(cli_progress *p, double now, const char *phase, uint64_t done) {
  enter_phase(p, now, phase, done, 0);
}

void cli_progress_update(void *user, const char *phase, uint64_t done, uint64_t total,
                         uint64_t rows) {
  cli_progress *p = user;
  double now = omp_get_wtime();
  bool new_phase = enter_phase(p, now, phase, done, rows);
  if (!p->tty || (!new_phase && now - p->last_print < 0.25)) return;
  p->last_print = now;
  draw(p, now, done, total, rows);
}

void cli_progress_finish(cli_progress *p) {
  double now = omp_get_wtime();
  end_phase(p, now);
  if (p->tty && p->phase[0]) fprintf(stderr, "\r%*s\r", 72, "");
}
