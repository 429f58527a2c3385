/*
 * pipeline/distribute.c — the driver's stages across a transport's ranks (a
 * merged plan, relief-mpi): each rank parses its share of the segments,
 * groups and decides the people of its partitions (batch by batch when they
 * spilled), the counts are reduced, and each rank writes its contiguous
 * share of every county file, which rank 0 gathers in rank order.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pipeline/exchange.h"
#include "pipeline/wire.h"

static relief_status agree(const pipeline_dist *d, relief_status st, relief_error *err) {
  return d->t->agree(d->t->user, st, err);
}

void dist_begin(pipeline *pl, const pipeline_plan *plan) {
  pipeline_dist *d = pl->dist = xcalloc(1, sizeof *d);
  d->t = plan->transport;
  d->result_bytes = plan->result_bytes;
  if (d->t->rank) pl->progress = NULL; /* rank 0 reports */
  /* segmenting depends on the thread count: every rank must use the same */
  uint64_t threads = (uint64_t)pl->n_threads;
  d->t->reduce(d->t->user, &threads, 1, TRANSPORT_MIN);
  pl->n_threads = (int)threads;
  if (pl->no_results) { /* rows spill by partition when a rank's share would not fit */
    pl->spill_ways = d->t->size;
  } else { /* a bundle's rows stay in memory */
    d->bundle_limit = pl->memory_limit;
    pl->memory_limit = 0;
  }
  exchange_install(pl);
}

/* A bundle's rows stay in memory: a given limit must hold each rank's. */
static relief_status check_bundle_limit(const pipeline *pl, relief_error *err) {
  uint64_t text = 0;
  for (int i = 0; i < pl->n_inputs; i++) text += pl->inputs[i].size;
  uint64_t need = spill_need(text, pl->dist->t->size);
  if (need <= pl->dist->bundle_limit) return RELIEF_OK;
  return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                   "--memory-limit: a bundle's rows stay in memory, about %llu MB per "
                   "rank here; give more ranks, a higher limit, or --summary-only (whose "
                   "rows spill by partition)",
                   (unsigned long long)(need >> 20));
}

/* Adds what decider dp decided to this rank's counts (pl->statewide holds
 * its person totals until they are folded). */
static void tally_decider(pipeline *pl, const pipeline *dp) {
  pipeline_dist *d = pl->dist;
  summary_add_partial(&pl->statewide, &dp->statewide);
  d->people += (int64_t)dp->n_people;
  d->duplicate_rows += dp->duplicate_rows;
  for (int i = 0; i < pl->n_inputs; i++) {
    int64_t read, dup;
    pipeline_input_rows(dp, i, &read, &dup);
    d->input_rows[2 * i] += read;
    d->input_rows[2 * i + 1] += dup;
  }
}

/* Groups and decides the rows of one batch, sent to their partitions' ranks. */
static void decide_batch(pipeline *pl, spill_batch *b) {
  for (size_t i = 0; i < pl->n_segs; i++) { /* the batch becomes the segments' rows */
    segment_t *seg = &pl->segs[i];
    seg->rows = b->rows[i], seg->keys = b->keys[i], seg->content = b->content[i];
    seg->ofns = (relief_buf){b->ofns[i], 0, 0};
    seg->n_rows = b->n_rows[i];
    b->rows[i] = NULL, b->keys[i] = NULL, b->content[i] = NULL, b->ofns[i] = NULL;
    b->cap_rows[i] = b->cap_bytes[i] = 0; /* they are the segment's now: the next batch's are new */
  }
  pipeline dp;
  exchange_rows(pl, &dp, b->j);
  spill_batch_clear(b, pl->n_segs);
  pipeline_group(&dp);
  dp.plans = pl->plans;
  dp.n_plans = pl->n_plans;
  pipeline_evaluate(&dp);
  tally_decider(pl, &dp);
  exchange_free_decider(&dp);
}

/* --summary-only under a memory limit: every rank spilled the rows it
 * parsed; batches of partitions (the same on every rank, from the global
 * partition sizes) are read back, sent to the partitions' ranks, grouped
 * and decided one after another. Counts are sums, so the summaries are
 * those of one pass. */
static relief_status decide_spilled(pipeline *pl, relief_error *err) {
  const pipeline_dist *d = pl->dist;
  uint64_t rows[SPILL_PARTS];
  spill_partition_rows(pl, rows);
  d->t->reduce(d->t->user, rows, SPILL_PARTS, TRANSPORT_SUM);
  /* a rank holds its share of a batch about twice over (read back, sent,
   * received) plus grouping's lists, about 160 bytes a row each time: a
   * batch takes a sixth of each rank's limit */
  uint64_t batch_rows = pl->memory_limit / 6 / 160 * (uint64_t)d->t->size;
  if (batch_rows < 1) batch_rows = 1;
  spill_batch b;
  spill_batch_init(pl, &b);
  relief_status st = RELIEF_OK;
  for (int q0 = 0; q0 < SPILL_PARTS && !st;) {
    int q1 = q0 + 1;
    uint64_t n = rows[q0];
    while (q1 < SPILL_PARTS && n + rows[q1] <= batch_rows) n += rows[q1++];
    st = agree(d, spill_load(pl, q0, q1, &b, err), err);
    if (st) break;
    decide_batch(pl, &b);
    if (pl->progress) pl->progress(pl->progress_user, "evaluate", (uint64_t)q1, SPILL_PARTS, 0);
    q0 = q1;
  }
  spill_batch_free(&b, pl->n_segs);
  return st;
}

/* Groups and decides this rank's partitions: spilled batch by batch, or
 * the rows sent here at once. */
static relief_status decide_partitions(pipeline *pl, const pipeline_plan *plan, relief_error *err) {
  pipeline_dist *d = pl->dist;
  double t = omp_get_wtime();
  if (pl->spill) {
    pipeline_county_plans(pl, plan);
    relief_status st = decide_spilled(pl, err);
    int64_t partitions;
    uint64_t spilled[2];
    spill_stats(pl, &partitions, &spilled[1]);
    spilled[0] = (uint64_t)partitions;
    d->t->reduce(d->t->user, spilled, 2, TRANSPORT_SUM);
    d->spilled_partitions = (int64_t)spilled[0];
    d->spill_bytes = spilled[1];
    d->stats.decide = omp_get_wtime() - t - d->stats.rows;
    return st;
  }
  exchange_rows(pl, &d->dp, NULL);
  t = omp_get_wtime();
  pipeline_group(&d->dp);
  pipeline_county_plans(pl, plan);
  d->dp.plans = pl->plans;
  d->dp.n_plans = pl->n_plans;
  pipeline_evaluate(&d->dp);
  tally_decider(pl, &d->dp);
  d->stats.decide = omp_get_wtime() - t;
  return RELIEF_OK;
}

/* Every rank folds every rank's partial counts in rank order: the county
 * summaries and person totals, then the sums of the row counts. */
static void fold_counts(pipeline *pl) {
  pipeline_dist *d = pl->dist;
  int n = d->t->size;
  relief_buf mine = {0};
  for (size_t k = 0; k < pl->n_plans; k++)
    wire_put(&mine, &pl->plans[k].summary, sizeof pl->plans[k].summary);
  wire_put(&mine, &pl->statewide, sizeof pl->statewide);
  size_t *at = xcalloc((size_t)n + 1, sizeof *at), size = mine.len;
  char *all = exchange_share_all(d, &mine, at);
  buf_free(&mine);
  for (size_t k = 0; k < pl->n_plans; k++) memset(&pl->plans[k].summary, 0, sizeof(relief_summary));
  memset(&pl->statewide, 0, sizeof pl->statewide);
  for (int r = 0; r < n; r++) {
    if (at[r + 1] - at[r] < size) continue; /* the exchange failed (reported) */
    const relief_summary *s = (const relief_summary *)(const void *)(all + at[r]);
    for (size_t k = 0; k < pl->n_plans; k++) summary_add_partial(&pl->plans[k].summary, &s[k]);
    summary_add_partial(&pl->statewide, &s[pl->n_plans]);
  }
  free(all);
  free(at);
  for (size_t k = 0; k < pl->n_plans; k++)
    if (pl->plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY)
      pl->plans[k].summary.earliest_state = RELIEF_EARLIEST_NONE;
  /* each row and each person is decided by exactly one rank: counts add up */
  size_t n_values = 3 + 2 * (size_t)pl->n_inputs;
  uint64_t *v = xcalloc(n_values, sizeof *v);
  v[0] = (uint64_t)d->rows, v[1] = (uint64_t)d->people, v[2] = (uint64_t)d->duplicate_rows;
  for (int i = 0; i < 2 * pl->n_inputs; i++) v[3 + i] = (uint64_t)d->input_rows[i];
  d->t->reduce(d->t->user, v, n_values, TRANSPORT_SUM);
  d->rows = (int64_t)v[0], d->people = (int64_t)v[1], d->duplicate_rows = (int64_t)v[2];
  for (int i = 0; i < 2 * pl->n_inputs; i++) d->input_rows[i] = (int64_t)v[3 + i];
  free(v);
  d->folded = true;
}

/* ---- the county files: each rank writes its share, rank 0 gathers ---- */

relief_status dist_write(pipeline *pl, size_t plan, int file, const void *data, size_t len,
                         relief_error *err) {
  pipeline_dist *d = pl->dist;
  if (d->t->rank == 0) return pub_file_write(pl->plans[plan].files[file], data, len, err);
  size_t n = pl->n_plans * BUNDLE_FILES, i = plan * BUNDLE_FILES + (size_t)file;
  if (!d->parts) {
    d->parts = xcalloc(n + 1, sizeof *d->parts);
    d->headed = xcalloc(n + 1, sizeof *d->headed);
  }
  if (!d->headed[i]) { /* output_emit's first write to a file is its header: rank 0's */
    d->headed[i] = true;
    return RELIEF_OK;
  }
  buf_append(&d->parts[i], data, len);
  return RELIEF_OK;
}

static void free_parts(pipeline_dist *d, size_t n_plans) {
  for (size_t i = 0; d->parts && i < n_plans * BUNDLE_FILES; i++) buf_free(&d->parts[i]);
  free(d->parts);
  free(d->headed);
  d->parts = NULL;
  d->headed = NULL;
}

/* Where rank 0 appends a gathered share: its file, until a write fails. */
typedef struct {
  pub_file *file;
  relief_status st;
  relief_error *err;
} part_sink;

static relief_status put_part(void *user, int from, const void *piece, size_t n,
                              relief_error *err) {
  (void)from;
  part_sink *ps = user;
  if (!ps->st) ps->st = pub_file_write(ps->file, piece, n, ps->err);
  (void)err;
  return ps->st;
}

/* Each file in plan order; within a file, the ranks' shares in rank order. */
static relief_status gather_parts(pipeline *pl, relief_error *err) {
  pipeline_dist *d = pl->dist;
  part_sink ps = {.err = err};
  relief_error ignored = {0};
  static const relief_buf none = {0};
  for (size_t k = 0; k < pl->n_plans; k++)
    for (int f = 0; f < pl->plans[k].n_files; f++) {
      const relief_buf *part = d->parts ? &d->parts[k * BUNDLE_FILES + (size_t)f] : &none;
      ps.file = d->t->rank == 0 ? pl->plans[k].files[f] : NULL;
      d->t->gather(d->t->user, 0, part->data, part->len, put_part, &ps, &ignored);
    }
  return ps.st;
}

relief_status pipeline_emit_gather(pipeline *pl, relief_status st, relief_error *err) {
  pipeline_dist *d = pl->dist;
  if (!d) return st;
  d->gathered = true;
  st = agree(d, st, err);
  if (!st && pl->forms) exchange_captured(pl, &d->dp);
  if (!st) st = exchange_check(d, err);
  st = agree(d, st, err);
  if (!st) st = gather_parts(pl, err);
  free_parts(d, pl->n_plans);
  return st;
}

/* The emit sink on this rank's view of its segments, then (--forms) the
 * collect sink on its decided people, their captured text back. */
static relief_status emit_and_collect(const pipeline_plan *plan, pipeline *pl, relief_error *err) {
  pipeline_dist *d = pl->dist;
  pipeline *ep = &d->ep;
  if (!ep->dist) { /* no results were exchanged: the view is the plans alone */
    ep->dist = d;
    ep->merged = true;
    ep->n_threads = pl->n_threads;
  }
  ep->plans = pl->plans;
  ep->n_plans = pl->n_plans;
  relief_status st = RELIEF_OK;
  if (plan->sinks.emit) st = plan->sinks.emit(plan->sinks.user, ep, err);
  if (!d->gathered) st = pipeline_emit_gather(ep, st, err);
  exchange_free_view(ep);
  st = agree(d, st, err);
  if (!st && plan->collect && pl->forms) st = plan->collect(plan->sinks.user, &d->dp, err);
  if (d->dp.segs) exchange_free_decider(&d->dp);
  return agree(d, st, err);
}

relief_status dist_drive(const pipeline_plan *plan, pipeline *pl, relief_error *err) {
  pipeline_dist *d = pl->dist;
  double t = omp_get_wtime();
  relief_status st = pipeline_parse(pl, plan->inputs, plan->n_inputs, err);
  if (!st) st = exchange_check(d, err); /* the segments' facts and strings */
  st = agree(d, st, err);
  if (st) return st;
  exchange_after_parse(pl);
  d->rows = (int64_t)pl->n_rows;
  d->input_rows = xcalloc(2 * (size_t)pl->n_inputs + 2, sizeof *d->input_rows);
  d->stats.parse = omp_get_wtime() - t;
  if (d->bundle_limit) st = agree(d, check_bundle_limit(pl, err), err);
  if (st) return st;
  st = decide_partitions(pl, plan, err);
  if (!st) st = exchange_check(d, err); /* the rows */
  /* the bytes decided must still be the files': else nothing is published */
  if (!st) st = pipeline_check_inputs(pl, err);
  st = agree(d, st, err);
  if (st) return st;
  fold_counts(pl);
  if (!pl->no_results) exchange_results(pl, &d->dp, &d->ep); /* --summary-only: none */
  st = exchange_check(d, err);  /* agreed: nothing is emitted when the results could not move */
  pipeline_free_arenas(&d->dp); /* the results travelled as bytes */
  if (!pl->forms && d->dp.segs) exchange_free_decider(&d->dp);
  if (st) return st;
  return emit_and_collect(plan, pl, err);
}

bool dist_input_rows(const pipeline *pl, int input, int64_t *read, int64_t *duplicates) {
  if (!pl->dist->folded) return false;
  *read = pl->dist->input_rows[2 * input];
  *duplicates = pl->dist->input_rows[2 * input + 1];
  return true;
}

void pipeline_transport_stats_of(const pipeline *pl, pipeline_transport_stats *out) {
  static const pipeline_transport_stats none = {0};
  *out = pl->dist ? pl->dist->stats : none;
}

void dist_free(pipeline *pl) {
  pipeline_dist *d = pl->dist;
  if (!d) return;
  if (d->dp.segs) exchange_free_decider(&d->dp);
  exchange_free_view(&d->ep);
  free_parts(d, pl->n_plans);
  free(d->seg_rows);
  free(d->first_row);
  free(d->capture_rank);
  free(d->results_buf);
  free(d->input_rows);
  free(d);
  pl->dist = NULL;
}
