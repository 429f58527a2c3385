/*
 * job_mpi.c — relief_statewide across MPI ranks: each rank parses its share
 * of the segments, decides the people of its partitions and writes its
 * contiguous share of every county file; rank 0 appends the other ranks'
 * shares in rank order (so the files are those of one process), writes the
 * summaries from the reduced counts and alone holds the publication.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/paths.h"
#include "filings/filings.h"
#include "impact/impact.h"
#include "job/job.h"
#include "job/job_mpi.h"
#include "output/output.h"
#include "output/result_row.h"
#include "pipeline/exchange.h"
#include "pipeline/wire.h"

/* Whether every rank is still fine; a rank that is fine learns which rank
 * failed first, and why. When every rank failed (a parse error every rank
 * sees), rank 0 alone reports it. */
static relief_status agree(mpi_job *m, relief_status st, relief_error *err) {
  int mine = st != RELIEF_OK ? m->rank : INT_MAX, first = INT_MAX;
  int failed = st != RELIEF_OK, n_failed = 0;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, m->comm);
  MPI_Allreduce(&failed, &n_failed, 1, MPI_INT, MPI_SUM, m->comm);
  if (first == INT_MAX) return st;
  char line[1024] = "";
  if (m->rank == first) relief_error_format(err, line, sizeof line);
  MPI_Bcast(line, sizeof line, MPI_CHAR, first, m->comm);
  if (!st) {
    st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "rank %d failed: %s", first, line);
    m->told = true;
  } else if (n_failed == m->size && m->rank) {
    m->told = true;
  }
  return st;
}

/* Every rank opens every input: one that a rank cannot read (a node
 * without the file system) is reported before the ranks start parsing
 * together. */
static relief_status inputs_readable(const relief_statewide_config *cfg, relief_error *err) {
  for (int i = 0; i < cfg->n_inputs; i++)
    if (access(cfg->inputs[i], R_OK) != 0)
      return error_set(err, RELIEF_E_IO, cfg->inputs[i], 0, -1, "cannot open: %s", strerror(errno));
  return RELIEF_OK;
}

static size_t result_bytes(const struct row_result *r) {
  return offsetof(row_result, text) + r->head_len + r->tail_len + r->extended_len;
}

/* The manifest's thread count: as requested, else the machine's processors
 * (relief statewide's default, which a rank's binding may narrow). */
static int manifest_threads(int requested) {
  if (requested > 0) return requested;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* Phase timings (seconds) kept for RELIEF_MPI_STATS. */
enum { PH_PARSE, PH_ROWS, PH_DECIDE, PH_RESULTS, PH_EMIT, PH_GATHER, PH_SUMMARIES, PH_TOTAL, PH_N };
static const char *const phase_names[PH_N] = {
    "parse", "exchange_rows", "group+decide", "exchange_results",
    "emit",  "gather",        "summaries",    "total"};

/* Appends one formatted line to b. */
static void stats_line(relief_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void stats_line(relief_buf *b, const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) buf_append(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The phase timings, slowest rank's, into out (rank 0; the CLI prints). */
static void report_stats(const mpi_job *m, int threads, const double *ph, int64_t people,
                         int64_t rows, relief_buf *out) {
  double max[PH_N];
  MPI_Reduce(ph, max, PH_N, MPI_DOUBLE, MPI_MAX, 0, m->comm);
  uint64_t bytes[2] = {m->bytes_rows, m->bytes_results}, sum[2];
  MPI_Reduce(bytes, sum, 2, MPI_UINT64_T, MPI_SUM, 0, m->comm);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long rss = ru.ru_maxrss, max_rss = 0;
  MPI_Reduce(&rss, &max_rss, 1, MPI_LONG, MPI_MAX, 0, m->comm);
  if (m->rank) return;
  stats_line(out, "relief-mpi stats: ranks=%d threads=%d people=%lld rows=%lld\n", m->size, threads,
             (long long)people, (long long)rows);
  for (int i = 0; i < PH_N; i++)
    stats_line(out, "relief-mpi stats: %-16s %.3f s (slowest rank)\n", phase_names[i], max[i]);
  stats_line(out, "relief-mpi stats: exchanged rows %llu bytes, results %llu bytes\n",
             (unsigned long long)sum[0], (unsigned long long)sum[1]);
  stats_line(out, "relief-mpi stats: peak RSS per rank (max) %ld KiB\n", max_rss);
}

/* A non-root rank's share of the county files, kept in memory without
 * their header lines (rank 0 wrote those). */
typedef struct {
  relief_buf *file; /* [plan * BUNDLE_FILES + f] */
  bool *headed;
} parts;

static relief_status keep_part(void *user, size_t plan, int file, const void *data, size_t len,
                               relief_error *err) {
  (void)err;
  parts *p = user;
  size_t i = plan * BUNDLE_FILES + (size_t)file;
  if (!p->headed[i]) { /* output_emit's first write to a file is its header */
    p->headed[i] = true;
    return RELIEF_OK;
  }
  buf_append(&p->file[i], data, len);
  return RELIEF_OK;
}

#define CHUNK (1u << 30)

static void send_part(const mpi_job *m, const relief_buf *p) {
  uint64_t len = p->len;
  MPI_Send(&len, 1, MPI_UINT64_T, 0, 1, m->comm);
  for (size_t o = 0; o < p->len; o += CHUNK) {
    size_t n = p->len - o < CHUNK ? p->len - o : CHUNK;
    MPI_Send(p->data + o, (int)n, MPI_BYTE, 0, 2, m->comm);
  }
}

static relief_status recv_part(const mpi_job *m, int from, pub_file *f, relief_status st,
                               relief_error *err, char **buf, size_t *cap) {
  uint64_t len;
  MPI_Recv(&len, 1, MPI_UINT64_T, from, 1, m->comm, MPI_STATUS_IGNORE);
  for (size_t o = 0; o < len; o += CHUNK) {
    size_t n = len - o < CHUNK ? len - o : CHUNK;
    if (n > *cap) *buf = xrealloc(*buf, *cap = n);
    MPI_Recv(*buf, (int)n, MPI_BYTE, from, 2, m->comm, MPI_STATUS_IGNORE);
    if (!st) st = pub_file_write(f, *buf, n, err);
  }
  return st;
}

/* ---- --forms: motions built where people were decided, written by rank 0 ---- */

/* Motions travel in pipeline/wire.h's encoding; a string a motion lacks
 * travels as "" (the filings write it so). */
static void put_str(relief_buf *b, const char *str) { wire_put_str(b, str ? str : ""); }

typedef struct {
  uint32_t county, partition;
  size_t seq;
  const char *at;
} motion_ref;

static int cmp_motion(const void *a, const void *b) {
  const motion_ref *x = a, *y = b;
  if (x->partition != y->partition) return x->partition < y->partition ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One motion on the wire: its county and partition, then its fields. */
static void put_motion(relief_buf *b, uint32_t county, uint32_t part, const relief_motion *mo) {
  wire_put_u32(b, county);
  wire_put_u32(b, part);
  wire_put_u32(b, (uint32_t)mo->dob_day);
  wire_put_u32(b, (uint32_t)mo->n_counts);
  put_str(b, mo->step), put_str(b, mo->case_numbers), put_str(b, mo->name);
  put_str(b, mo->akas), put_str(b, mo->cii);
  put_str(b, mo->person), put_str(b, mo->court);
  for (int c = 0; c < mo->n_counts; c++) {
    const relief_motion_count *mc = &mo->counts[c];
    wire_put_u32(b, (uint32_t)mc->conviction_day);
    wire_put_u32(b, (uint32_t)mc->felony);
    wire_put_u32(b, (uint32_t)mc->relief);
    wire_put_u32(b, (uint32_t)mc->determination);
    wire_put_u32(b, (uint32_t)mc->discretionary);
    put_str(b, mc->code_section), put_str(b, mc->offense);
    put_str(b, mc->reason);
  }
}

/* The motions gathered on rank 0, indexed: each one's county, partition,
 * place among them and bytes. */
static motion_ref *index_motions(const char *all, size_t total, size_t *n) {
  size_t n_refs = 0, cap_refs = 0;
  motion_ref *refs = NULL;
  for (const char *p = all; p < all + total;) {
    if (n_refs == cap_refs)
      refs = xrealloc(refs, (cap_refs = cap_refs ? cap_refs * 2 : 256) * sizeof *refs);
    motion_ref *r = &refs[n_refs];
    r->at = p;
    r->seq = n_refs++;
    r->county = wire_get_u32(&p);
    r->partition = wire_get_u32(&p);
    p += 4;
    uint32_t nc = wire_get_u32(&p);
    for (int i = 0; i < 7; i++) wire_get_str(&p);
    for (uint32_t c = 0; c < nc; c++) {
      p += 20;
      for (int i = 0; i < 3; i++) wire_get_str(&p);
    }
  }
  *n = n_refs;
  return refs;
}

/* Reads motion ref's fields into mo, its counts into mc. */
static void read_motion(const motion_ref *ref, relief_motion *mo, relief_motion_count *mc) {
  const char *p = ref->at + 8;
  mo->dob_day = (int32_t)wire_get_u32(&p);
  mo->n_counts = (int)wire_get_u32(&p);
  mo->step = wire_get_str(&p), mo->case_numbers = wire_get_str(&p);
  mo->name = wire_get_str(&p), mo->akas = wire_get_str(&p), mo->cii = wire_get_str(&p);
  mo->person = wire_get_str(&p), mo->court = wire_get_str(&p);
  mo->counts = mc;
  for (int c = 0; c < mo->n_counts; c++) {
    mc[c].conviction_day = (int32_t)wire_get_u32(&p);
    mc[c].felony = (int)wire_get_u32(&p);
    mc[c].relief = (relief_sought)wire_get_u32(&p);
    mc[c].determination = (relief_determination)wire_get_u32(&p);
    mc[c].discretionary = (int)wire_get_u32(&p);
    mc[c].code_section = wire_get_str(&p), mc[c].offense = wire_get_str(&p);
    mc[c].reason = wire_get_str(&p);
  }
}

/* Rank 0: each county's gathered motions, in partition order, written as
 * relief statewide writes them. */
static relief_status write_gathered(pipeline *pl, const char *all, size_t total, publication *pub,
                                    const filings_options *opt, int64_t *n_motions,
                                    relief_error *err) {
  size_t n_refs;
  motion_ref *refs = index_motions(all, total, &n_refs);
  motion_ref *sel = xmalloc((n_refs + 1) * sizeof *sel);
  relief_status st = RELIEF_OK;
  char dir[1024];
  for (size_t k = 0; k < pl->n_plans && !st; k++) {
    if (pl->plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    size_t n = 0, n_counts = 0;
    for (size_t i = 0; i < n_refs; i++)
      if (refs[i].county == k) sel[n++] = refs[i];
    qsort(sel, n, sizeof *sel, cmp_motion);
    relief_motion *motions = xcalloc(n + 1, sizeof *motions);
    for (size_t i = 0; i < n; i++) {
      const char *p = sel[i].at + 12;
      n_counts += wire_get_u32(&p);
    }
    relief_motion_count *mc = xcalloc(n_counts + 1, sizeof *mc);
    for (size_t i = 0, at = 0; i < n; i++) {
      motions[i].county = pl->plans[k].name;
      read_motion(&sel[i], &motions[i], mc + at);
      at += (size_t)motions[i].n_counts;
    }
    filings_sort_motions(motions, n);
    snprintf(dir, sizeof dir, "Court_Filings/%s", pl->plans[k].folder);
    st = filings_write(pub, dir, motions, n, pl->n_threads, opt, err);
    *n_motions += (int64_t)n;
    free(motions);
    free(mc);
  }
  free(sel);
  free(refs);
  return st;
}

/* Each rank builds the motions of its people, partition by partition (one
 * process numbers people partition by partition, so motions in partition
 * order are in its person order); rank 0 gathers them, puts each county's
 * in partition order and writes the filings as relief statewide does. */
static relief_status write_motions(pipeline *pl, pipeline *dp, mpi_job *m, publication *pub,
                                   const filings_options *opt, const relief_filing_filter *filter,
                                   int64_t *n_motions, relief_error *err) {
  relief_buf mine = {0};
  uint32_t *pairs = dp->motion_pairs;
  size_t n_pairs = dp->n_motion_pairs;
  for (size_t k = 0; k < pl->n_plans; k++) {
    if (pl->plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    for (size_t a = 0; a < n_pairs;) {
      uint32_t person = pairs[a];
      const row_ref *first = &dp->order[dp->first[person]];
      uint32_t part = people_partition(dp->segs[first->seg].keys[first->j]);
      size_t b = a;
      while (b < n_pairs) {
        const row_ref *f = &dp->order[dp->first[pairs[b]]];
        if (people_partition(dp->segs[f->seg].keys[f->j]) != part) break;
        b += 2;
      }
      dp->motion_pairs = pairs + a;
      dp->n_motion_pairs = b - a;
      motion_list list;
      filings_motions(dp, (int)k, filter, &list);
      for (size_t i = 0; i < list.n; i++) put_motion(&mine, (uint32_t)k, part, &list.motions[i]);
      motion_list_free(&list);
      a = b;
    }
  }
  dp->motion_pairs = pairs;
  dp->n_motion_pairs = n_pairs;
  /* MPI counts are int: every rank learns whether one rank's are too many */
  relief_status too_big = mine.len > INT_MAX
                              ? error_set(err, RELIEF_E_IO, NULL, 0, -1,
                                          "a rank's motions are over 2 GiB: give more ranks")
                              : RELIEF_OK;
  too_big = agree(m, too_big, err);
  if (too_big) {
    buf_free(&mine);
    return too_big;
  }
  int len = (int)mine.len, *counts = NULL, *disp = NULL;
  if (m->rank == 0) {
    counts = xcalloc((size_t)m->size, sizeof *counts);
    disp = xcalloc((size_t)m->size, sizeof *disp);
  }
  MPI_Gather(&len, 1, MPI_INT, counts, 1, MPI_INT, 0, m->comm);
  size_t total = 0;
  for (int r = 0; m->rank == 0 && r < m->size; r++) {
    disp[r] = (int)total;
    total += (size_t)counts[r];
  }
  char *all = m->rank == 0 ? xmalloc(total + 1) : NULL;
  MPI_Gatherv(mine.data ? mine.data : (char *)"", len, MPI_BYTE, all, counts, disp, MPI_BYTE, 0,
              m->comm);
  buf_free(&mine);
  relief_status st = RELIEF_OK;
  if (m->rank == 0) st = write_gathered(pl, all, total, pub, opt, n_motions, err);
  free(all);
  free(counts);
  free(disp);
  return st;
}

/* --summary-only under a memory limit: every rank spilled the rows it
 * parsed; batches of partitions (the same on every rank, from the global
 * partition sizes) are read back, sent to the partitions' ranks, grouped
 * and decided one after another. Counts are sums, so the summaries are
 * those of one pass. */
typedef struct {
  relief_summary persons; /* this rank's person totals */
  int64_t people, duplicate_rows;
  int64_t *input_rows; /* [2 * input]: read, refused as copies */
} decided_counts;

static relief_status decide_spilled(pipeline *pl, mpi_job *m, decided_counts *dc,
                                    relief_error *err) {
  uint64_t rows[SPILL_PARTS];
  spill_partition_rows(pl, rows);
  MPI_Allreduce(MPI_IN_PLACE, rows, SPILL_PARTS, MPI_UINT64_T, MPI_SUM, m->comm);
  /* a rank holds its share of a batch about twice over (read back, sent,
   * received) plus grouping's lists, about 160 bytes a row each time: a
   * batch takes a sixth of each rank's limit */
  uint64_t batch_rows = pl->memory_limit / 6 / 160 * (uint64_t)m->size;
  if (batch_rows < 1) batch_rows = 1;
  spill_batch b;
  spill_batch_init(pl, &b);
  relief_status st = RELIEF_OK;
  for (int q0 = 0; q0 < SPILL_PARTS && !st;) {
    int q1 = q0 + 1;
    uint64_t n = rows[q0];
    while (q1 < SPILL_PARTS && n + rows[q1] <= batch_rows) n += rows[q1++];
    st = agree(m, spill_load(pl, q0, q1, &b, err), err);
    if (st) break;
    for (size_t i = 0; i < pl->n_segs; i++) { /* the batch becomes the segments' rows */
      segment_t *seg = &pl->segs[i];
      seg->rows = b.rows[i], seg->keys = b.keys[i], seg->content = b.content[i];
      seg->ofns = (relief_buf){b.ofns[i], 0, 0};
      seg->n_rows = b.n_rows[i];
      b.rows[i] = NULL, b.keys[i] = NULL, b.content[i] = NULL, b.ofns[i] = NULL;
    }
    pipeline dp;
    exchange_rows(pl, m, &dp, b.j);
    spill_batch_clear(&b, pl->n_segs);
    pipeline_group(&dp);
    dp.plans = pl->plans;
    dp.n_plans = pl->n_plans;
    pipeline_evaluate(&dp);
    summary_add_partial(&dc->persons, &dp.statewide);
    dc->people += (int64_t)dp.n_people;
    dc->duplicate_rows += dp.duplicate_rows;
    for (int i = 0; i < pl->n_inputs; i++) {
      int64_t read, dup;
      pipeline_input_rows(&dp, i, &read, &dup);
      dc->input_rows[2 * i] += read;
      dc->input_rows[2 * i + 1] += dup;
    }
    exchange_free_decider(&dp);
    if (pl->progress) pl->progress(pl->progress_user, "evaluate", (uint64_t)q1, SPILL_PARTS, 0);
    q0 = q1;
  }
  spill_batch_free(&b, pl->n_segs);
  return st;
}

/* Ranks sharing this rank's node (its memory). */
static int ranks_on_node(const mpi_job *m) {
  MPI_Comm node;
  int n = 1;
  if (MPI_Comm_split_type(m->comm, MPI_COMM_TYPE_SHARED, m->rank, MPI_INFO_NULL, &node) ==
      MPI_SUCCESS) {
    MPI_Comm_size(node, &n);
    MPI_Comm_free(&node);
  }
  return n > 0 ? n : 1;
}

/* One relief-mpi job's state, shared by its phases below. */
typedef struct {
  const relief_statewide_config *cfg;
  relief_statewide_result *res;
  mpi_job m;
  pipeline_plan plan;
  pipeline pl, dp, ep; /* parsed here; decided here; written here */
  publication *pub;    /* rank 0 only */
  decided_counts dc;
  relief_summary persons;
  int64_t counts[3]; /* rows, people, duplicate rows */
  const char **folder_counties;
  char **folders;
  size_t n_folders;
  double ph[PH_N], t;
} mpi_run;

/* The pipeline's settings on this rank: progress on rank 0, the memory
 * limit and spill folder, and the thread count all ranks share. */
static void mpi_setup(mpi_run *run) {
  const relief_statewide_config *cfg = run->cfg;
  mpi_job *m = &run->m;
  pipeline *pl = &run->pl;
  if (m->rank) pl->progress = NULL; /* rank 0 reports */
  /* each rank stays under the limit; by default the ranks of a node share
   * what relief statewide would take of its memory */
  int per_node = ranks_on_node(m);
  uint64_t limit =
      cfg->memory_limit ? cfg->memory_limit : job_default_memory_limit() / (uint64_t)per_node;
  if (pl->no_results) { /* rows spill by partition when a rank's share would not fit */
    pl->memory_limit = limit;
    pl->spill_ways = m->size;
    const char *tmp = getenv("TMPDIR");
    pl->scratch_dir = tmp && *tmp ? tmp : "/tmp"; /* ranks > 0: on their own node */
  }
  /* segmenting depends on the thread count: every rank must use the same */
  MPI_Allreduce(MPI_IN_PLACE, &pl->n_threads, 1, MPI_INT, MPI_MIN, m->comm);
  exchange_install(pl, m);
}

/* A bundle's rows stay in memory: a given limit must hold them. */
static relief_status check_bundle_limit(mpi_run *run, relief_error *err) {
  const relief_statewide_config *cfg = run->cfg;
  mpi_job *m = &run->m;
  pipeline *pl = &run->pl;
  relief_status st = RELIEF_OK;
  /* a bundle's rows stay in memory: the limit must hold them */
  uint64_t text = 0;
  for (int i = 0; i < pl->n_inputs; i++) text += pl->inputs[i].size;
  uint64_t need = spill_need(text, m->size);
  if (need > cfg->memory_limit)
    st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                   "--memory-limit: a bundle's rows stay in memory, about %llu MB per "
                   "rank here; give more ranks, a higher limit, or --summary-only (whose "
                   "rows spill by partition)",
                   (unsigned long long)(need >> 20));
  return agree(m, st, err);
}

/* Groups and decides this rank's partitions: spilled batch by batch, or
 * the rows sent here at once. */
static relief_status decide_partitions(mpi_run *run, relief_error *err) {
  mpi_job *m = &run->m;
  pipeline *pl = &run->pl;
  relief_status st = RELIEF_OK;
  relief_statewide_result *res = run->res;
  pipeline *dp = &run->dp;
  decided_counts *dc = &run->dc;
  int64_t *input_rows = dc->input_rows;
  double *ph = run->ph, t = run->t;
  if (pl->spill) {
    pipeline_county_plans(pl, &run->plan);
    st = decide_spilled(pl, m, dc, err);
    int64_t spilled[2];
    uint64_t bytes;
    spill_stats(pl, &spilled[0], &bytes);
    spilled[1] = (int64_t)bytes;
    MPI_Allreduce(MPI_IN_PLACE, spilled, 2, MPI_INT64_T, MPI_SUM, m->comm);
    res->spilled_partitions = spilled[0];
    res->spill_bytes = (uint64_t)spilled[1];
    ph[PH_ROWS] = m->t_rows;
    ph[PH_DECIDE] = MPI_Wtime() - t - m->t_rows, t = MPI_Wtime();
  } else {
    exchange_rows(pl, m, dp, NULL);
    ph[PH_ROWS] = MPI_Wtime() - t, t = MPI_Wtime();
    pipeline_group(dp);
    pipeline_county_plans(pl, &run->plan);
    dp->plans = pl->plans;
    dp->n_plans = pl->n_plans;
    pipeline_evaluate(dp);
    dc->persons = dp->statewide;
    dc->people = (int64_t)dp->n_people;
    dc->duplicate_rows = dp->duplicate_rows;
    for (int i = 0; i < pl->n_inputs; i++)
      pipeline_input_rows(dp, i, &input_rows[2 * i], &input_rows[2 * i + 1]);
    ph[PH_DECIDE] = MPI_Wtime() - t, t = MPI_Wtime();
  }
  run->t = t;
  return st;
}

/* Every rank folds every rank's partial counts in rank order: the county
 * summaries, the person totals, the row counts. */
static void fold_counts(mpi_run *run) {
  mpi_job *m = &run->m;
  pipeline *pl = &run->pl;
  relief_statewide_result *res = run->res;
  decided_counts *dc = &run->dc;
  int64_t *counts = run->counts, *input_rows = dc->input_rows;
  /* summaries: every rank folds every rank's partial counts in rank order */
  size_t sum_bytes = pl->n_plans * sizeof(relief_summary);
  relief_summary *all = xmalloc((sum_bytes ? sum_bytes : 1) * (size_t)m->size);
  {
    relief_summary *mine = xmalloc(sum_bytes ? sum_bytes : 1);
    for (size_t k = 0; k < pl->n_plans; k++) mine[k] = pl->plans[k].summary;
    MPI_Allgather(mine, (int)sum_bytes, MPI_BYTE, all, (int)sum_bytes, MPI_BYTE, m->comm);
    free(mine);
  }
  for (size_t k = 0; k < pl->n_plans; k++) {
    memset(&pl->plans[k].summary, 0, sizeof pl->plans[k].summary);
    for (int q = 0; q < m->size; q++)
      summary_add_partial(&pl->plans[k].summary, &all[(size_t)q * pl->n_plans + k]);
    if (pl->plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY)
      pl->plans[k].summary.earliest_state = RELIEF_EARLIEST_NONE;
  }
  free(all);
  /* person totals: each person is decided on one rank, so the partial
   * counts add up to each person once */
  {
    relief_summary *ranks = xmalloc(sizeof *ranks * (size_t)m->size);
    MPI_Allgather(&dc->persons, (int)sizeof dc->persons, MPI_BYTE, ranks, (int)sizeof dc->persons,
                  MPI_BYTE, m->comm);
    for (int q = 0; q < m->size; q++) summary_add_partial(&run->persons, &ranks[q]);
    free(ranks);
  }
  counts[1] = dc->people;
  counts[2] = dc->duplicate_rows;
  MPI_Allreduce(MPI_IN_PLACE, counts, 3, MPI_INT64_T, MPI_SUM, m->comm);
  /* each input's rows, read and refused as copies: each row is decided by
   * exactly one rank, so the ranks' counts add up */
  MPI_Allreduce(MPI_IN_PLACE, input_rows, 2 * pl->n_inputs, MPI_INT64_T, MPI_SUM, m->comm);
  res->rows = counts[0];
  res->people = counts[1];
  res->duplicate_rows = counts[2];
}

/* County files: rank 0 writes its share into the publication; the others
 * keep theirs in memory and send it to rank 0, which appends it in rank
 * order (each rank's segments follow the previous rank's). */
static relief_status emit_bundles(mpi_run *run, relief_status st, relief_error *err) {
  const relief_statewide_config *cfg = run->cfg;
  mpi_job *m = &run->m;
  pipeline *pl = &run->pl;
  relief_statewide_result *res = run->res;
  pipeline *dp = &run->dp, *ep = &run->ep;
  publication *pub = run->pub;
  double *ph = run->ph, t = run->t;
  run->n_folders = job_assign_folders(pl->plans, pl->n_plans, &run->folder_counties, &run->folders);
  char path[4096 + 600];
  parts kept = {xcalloc(pl->n_plans * BUNDLE_FILES + 1, sizeof(relief_buf)),
                xcalloc(pl->n_plans * BUNDLE_FILES + 1, sizeof(bool))};
  for (size_t k = 0; k < pl->n_plans && !st; k++) {
    county_plan *plan = &pl->plans[k];
    if (plan->summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    res->counties++;
    if (cfg->summary_only) continue;
    plan->n_files = cfg->review_files ? BUNDLE_FILES : 3;
    for (int f = 0; f < plan->n_files && !st && m->rank == 0; f++) {
      snprintf(path, sizeof path, "%s/%s.csv", plan->folder, bundle_names[f]);
      st = publication_create(pub, path, &plan->files[f], err);
    }
  }
  ep->plans = pl->plans;
  ep->n_plans = pl->n_plans;
  if (m->rank) {
    ep->emit_write = keep_part;
    ep->emit_user = &kept;
  }
  if (!st && (!cfg->summary_only || cfg->forms)) st = output_emit(ep, err);
  st = agree(m, st, err);
  if (!st && cfg->forms) exchange_captured(ep, dp, m);
  if (!st) st = exchange_check(m, err);
  exchange_free_view(ep);
  ph[PH_EMIT] = MPI_Wtime() - t, t = MPI_Wtime();
  st = agree(m, st, err);
  if (!st && !cfg->summary_only) {
    if (m->rank) {
      for (size_t k = 0; k < pl->n_plans; k++)
        for (int f = 0; f < pl->plans[k].n_files; f++)
          send_part(m, &kept.file[k * BUNDLE_FILES + (size_t)f]);
    } else {
      char *buf = NULL;
      size_t cap = 0;
      for (int r = 1; r < m->size; r++)
        for (size_t k = 0; k < pl->n_plans; k++)
          for (int f = 0; f < pl->plans[k].n_files; f++)
            st = recv_part(m, r, pl->plans[k].files[f], st, err, &buf, &cap);
      free(buf);
    }
  }
  for (size_t i = 0; i < pl->n_plans * BUNDLE_FILES; i++) buf_free(&kept.file[i]);
  free(kept.file);
  free(kept.headed);
  if (m->rank == 0)
    for (size_t k = 0; k < pl->n_plans; k++)
      for (int f = 0; f < pl->plans[k].n_files; f++) {
        relief_status closed = pub_file_close(pl->plans[k].files[f], st ? NULL : err);
        pl->plans[k].files[f] = NULL;
        if (!st) st = closed;
      }
  run->t = t;
  return st;
}

/* Rank 0 writes what one process writes after its bundles, the same
 * bytes; nothing is published unless every rank got here. */
static relief_status publish(mpi_run *run, relief_status st, relief_error *err) {
  const relief_statewide_config *cfg = run->cfg;
  mpi_job *m = &run->m;
  pipeline *pl = &run->pl;
  relief_statewide_result *res = run->res;
  int64_t *input_rows = run->dc.input_rows;
  if (!st && m->rank == 0) { /* what one process writes after its bundles, the same bytes */
    manifest_input *described = xcalloc((size_t)pl->n_inputs + 1, sizeof *described);
    for (int i = 0; i < pl->n_inputs; i++) {
      manifest_input *d = &described[i];
      *d = (manifest_input){.path = cfg->inputs[i],
                            .size = pl->inputs[i].stored_size,
                            .rows_read = input_rows[2 * i],
                            .rows_duplicate = input_rows[2 * i + 1]};
      memcpy(d->xxh3_128, pl->inputs[i].xxh3_128, sizeof d->xxh3_128);
      d->rows_decided = d->rows_read - d->rows_duplicate;
    }
    statewide_bundle bundle = {.persons = &run->persons,
                               .plans = pl->plans,
                               .n_plans = pl->n_plans,
                               .threads_used = pl->n_threads,
                               .folder_counties = run->folder_counties,
                               .folders = (const char *const *)run->folders,
                               .n_folders = run->n_folders,
                               .inputs = described,
                               .n_inputs = pl->n_inputs,
                               /* what one process would use: under mpirun a
                                * rank's cores may be fewer (binding) */
                               .threads = manifest_threads(cfg->threads)};
    st = job_statewide_publish(cfg, &bundle, run->pub, res, err);
    free(described);
  }
  /* nothing is published unless every rank got here */
  st = agree(m, st, err);
  if (!st && m->rank == 0) {
    st = job_statewide_commit(cfg, run->pub, err);
    run->pub = NULL;
  }
  {
    int code = st;
    MPI_Bcast(&code, 1, MPI_INT, 0, m->comm);
    if (code && !st) {
      st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "rank 0 failed");
      m->told = true;
    }
  }
  return st;
}

/* Frees what the job holds, closing the files a failure left open. */
static void mpi_run_free(mpi_run *run) {
  pipeline *pl = &run->pl;
  for (size_t k = 0; k < run->n_folders; k++) free(run->folders[k]);
  free(run->folders);
  free(run->folder_counties);
  free(run->dc.input_rows);
  for (size_t k = 0; k < pl->n_plans; k++)
    for (int f = 0; f < BUNDLE_FILES; f++) pub_file_close(pl->plans[k].files[f], NULL);
  publication_abort(run->pub);
  if (run->dp.segs) exchange_free_decider(&run->dp);
  exchange_free_view(&run->ep);
  free(run->m.results_buf);
  free(run->m.seg_rows);
  free(run->m.first_row);
  free(run->m.capture_rank);
  free(pl->plans);
  pipeline_free(pl);
  free(run);
}

relief_status job_statewide_mpi(const relief_statewide_config *cfg, relief_statewide_result *res,
                                relief_error *err, bool *local, relief_buf *stats) {
  memset(res, 0, sizeof *res);
  *local = false;
  mpi_run *run = xcalloc(1, sizeof *run);
  run->cfg = cfg;
  run->res = res;
  mpi_job *m = &run->m;
  *m = (mpi_job){.comm = MPI_COMM_WORLD, .result_bytes = result_bytes};
  MPI_Comm_rank(m->comm, &m->rank);
  MPI_Comm_size(m->comm, &m->size);
  relief_classifier *classifier = NULL;
  relief_status st = RELIEF_OK;
  if (!cfg->options)
    st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "statewide: no options given");
  else if (!(classifier = classifier_new()))
    st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  if (st) {
    free(run);
    return st;
  }
  double t0 = MPI_Wtime(), *ph = run->ph;
  run->t = t0;
  run->plan = job_statewide_plan(cfg, classifier);
  pipeline *made = pipeline_new(&run->plan);
  run->pl = *made; /* fresh: nothing points into it yet */
  free(made);
  pipeline *pl = &run->pl;
  mpi_setup(run);
  if (m->rank == 0) st = publication_begin(cfg->outputs_dir, &run->pub, err);
  pl->scratch_pub = run->pub; /* rank 0 spills into the staging folder */
  if (!st) st = inputs_readable(cfg, err);
  st = agree(m, st, err);
  if (st) goto done;
  st = pipeline_parse(pl, cfg->inputs, cfg->n_inputs, err);
  for (int i = 0; i < pl->n_inputs; i++) res->input_bytes += pl->inputs[i].stored_size;
  if (!st) st = exchange_check(m, err); /* the segments' facts and strings */
  st = agree(m, st, err);
  if (st) goto done;
  exchange_after_parse(pl, m);
  run->counts[0] = (int64_t)pl->n_rows;
  run->dc.input_rows = xcalloc(2 * (size_t)pl->n_inputs + 2, sizeof(int64_t));
  ph[PH_PARSE] = MPI_Wtime() - run->t, run->t = MPI_Wtime();
  if (!pl->no_results && cfg->memory_limit) st = check_bundle_limit(run, err);
  if (st) goto done;
  st = decide_partitions(run, err);
  /* tests: this rank fails mid-run, or dies as from kill -9 */
  const char *kill_rank = getenv("RELIEF_MPI_KILL_RANK");
  if (kill_rank && atoi(kill_rank) == m->rank) raise(SIGKILL);
  const char *fail = getenv("RELIEF_MPI_FAIL_RANK");
  if (fail && atoi(fail) == m->rank)
    st = error_set(err, RELIEF_E_IO, NULL, 0, -1,
                   "rank %d failed on purpose (RELIEF_MPI_FAIL_RANK)", m->rank);
  if (!st) st = exchange_check(m, err); /* the rows */
  /* the bytes decided must still be the files': else nothing is published */
  if (!st) st = pipeline_check_inputs(pl, err);
  st = agree(m, st, err);
  if (st) goto done;
  fold_counts(run);
  if (!pl->no_results) exchange_results(pl, &run->dp, m, &run->ep); /* --summary-only: none */
  st = exchange_check(m, err);    /* agreed: nothing is emitted when the results were too big */
  pipeline_free_arenas(&run->dp); /* the results travelled as bytes */
  if (!cfg->forms) exchange_free_decider(&run->dp);
  ph[PH_RESULTS] = MPI_Wtime() - run->t, run->t = MPI_Wtime();
  st = emit_bundles(run, st, err);
  st = agree(m, st, err);
  filings_options fo = job_filings_options(cfg->filer);
  if (!st && cfg->forms)
    st = write_motions(pl, &run->dp, m, run->pub, &fo, cfg->filter, &res->motions, err);
  if (run->dp.segs) exchange_free_decider(&run->dp);
  ph[PH_GATHER] = MPI_Wtime() - run->t, run->t = MPI_Wtime();
  res->seconds = MPI_Wtime() - t0;
  MPI_Bcast(&res->seconds, 1, MPI_DOUBLE, 0, m->comm);
  st = publish(run, st, err);
  ph[PH_SUMMARIES] = MPI_Wtime() - run->t;
  ph[PH_TOTAL] = MPI_Wtime() - t0;
  if (stats) report_stats(m, pl->n_threads, ph, res->people, res->rows, stats);
done:
  *local = st != RELIEF_OK && !m->told;
  mpi_run_free(run);
  classifier_free(classifier);
  return st;
}
