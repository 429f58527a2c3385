/*
 * job/job_mpi.c — relief_statewide across MPI ranks: the statewide plan,
 * driven with an MPI transport (pipeline/transport.h: exchange, reduce,
 * gather, agree). Each rank parses its share of the segments, decides the
 * people of its partitions and writes its share of every county file,
 * which rank 0 appends in rank order (so the files are those of one
 * process); rank 0 alone holds the publication and writes the summaries.
 */
#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/alloc.h"
#include "filings/filings.h"
#include "job/job.h"
#include "job/job_mpi.h"
#include "output/output.h"
#include "pipeline/wire.h"

/* ---- the transport ---- */

typedef struct {
  MPI_Comm comm;
  int rank, size;
  bool told;    /* this rank's failure came from another rank */
  bool settled; /* a failure was agreed: later agreements change nothing */
} mpi_link;

/* Whether every rank is still fine; a rank that is fine learns which rank
 * failed first, and why. When every rank failed (a parse error every rank
 * sees), rank 0 alone reports it. */
static relief_status link_agree(void *user, relief_status st, relief_error *err) {
  mpi_link *m = user;
  int mine = st != RELIEF_OK ? m->rank : INT_MAX, first = INT_MAX;
  int failed = st != RELIEF_OK, n_failed = 0;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, m->comm);
  MPI_Allreduce(&failed, &n_failed, 1, MPI_INT, MPI_SUM, m->comm);
  if (first == INT_MAX) return st;
  char line[1024] = "";
  if (m->rank == first) relief_error_format(err, line, sizeof line);
  MPI_Bcast(line, sizeof line, MPI_CHAR, first, m->comm);
  if (m->settled && st) return st;
  m->settled = true;
  if (!st) {
    st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "rank %d failed: %s", first, line);
    m->told = true;
  } else if (n_failed == m->size && m->rank) {
    m->told = true;
  }
  return st;
}

static void link_reduce(void *user, uint64_t *values, size_t n, transport_op op) {
  const mpi_link *m = user;
  MPI_Op mop = op == TRANSPORT_SUM   ? MPI_SUM
               : op == TRANSPORT_MIN ? MPI_MIN
               : op == TRANSPORT_MAX ? MPI_MAX
                                     : MPI_BOR;
  const size_t piece = (size_t)1 << 28; /* MPI counts are int */
  for (size_t o = 0; o < n; o += piece) {
    size_t k = n - o < piece ? n - o : piece;
    MPI_Allreduce(MPI_IN_PLACE, values + o, (int)k, MPI_UINT64_T, mop, m->comm);
  }
}

/* Whether some rank's counts are over MPI's int, as every rank learns it. */
static bool any_too_big(const mpi_link *m, bool mine) {
  int in = mine, any = 0;
  MPI_Allreduce(&in, &any, 1, MPI_INT, MPI_LOR, m->comm);
  return any;
}

/* MPI_Alltoallv in 8-byte units, so that a rank's share of one exchange
 * may reach 16 GiB; over that, nothing travels and every rank fails. */
static relief_status link_exchange(void *user, const relief_buf *out, char **in, size_t *from,
                                   relief_error *err) {
  const mpi_link *m = user;
  int n = m->size;
  int *scount = xcalloc((size_t)n, sizeof *scount), *sdisp = xcalloc((size_t)n, sizeof *sdisp);
  int *rcount = xcalloc((size_t)n, sizeof *rcount), *rdisp = xcalloc((size_t)n, sizeof *rdisp);
  relief_buf all = {0};
  bool too_big = false;
  for (int r = 0; r < n; r++) {
    too_big |= all.len / 8 > INT_MAX || out[r].len / 8 > INT_MAX;
    sdisp[r] = too_big ? 0 : (int)(all.len / 8);
    scount[r] = too_big ? 0 : (int)(out[r].len / 8);
    if (out[r].len) buf_append(&all, out[r].data, out[r].len);
  }
  size_t total = 0;
  too_big = any_too_big(m, too_big);
  if (!too_big) {
    MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, m->comm);
    for (int r = 0; r < n; r++) {
      from[r] = total * 8;
      too_big |= total > INT_MAX;
      rdisp[r] = too_big ? 0 : (int)total;
      total += (size_t)rcount[r];
    }
    too_big = any_too_big(m, too_big || total > INT_MAX);
  }
  if (too_big) total = 0;
  for (int r = 0; r <= n; r++) from[r] = total && r < n ? from[r] : total * 8;
  *in = xmalloc(total ? total * 8 : 8);
  uint64_t none = 0;
  if (!too_big)
    MPI_Alltoallv(all.data ? all.data : (char *)&none, scount, sdisp, MPI_UINT64_T, *in, rcount,
                  rdisp, MPI_UINT64_T, m->comm);
  buf_free(&all);
  free(scount), free(sdisp), free(rcount), free(rdisp);
  if (!too_big) return RELIEF_OK;
  return error_set(err, RELIEF_E_IO, NULL, 0, -1,
                   "an exchange between two ranks is over MPI's int counts: give more ranks");
}

#define CHUNK (1u << 30)

/* Every rank's bytes to root, in rank order, a chunk at a time. */
static relief_status link_gather(void *user, int root, const void *data, size_t len,
                                 transport_put put, void *put_user, relief_error *err) {
  const mpi_link *m = user;
  if (m->rank != root) {
    uint64_t n = len;
    MPI_Send(&n, 1, MPI_UINT64_T, root, 1, m->comm);
    for (size_t o = 0; o < len; o += CHUNK) {
      size_t k = len - o < CHUNK ? len - o : CHUNK;
      MPI_Send((const char *)data + o, (int)k, MPI_BYTE, root, 2, m->comm);
    }
    return RELIEF_OK;
  }
  relief_status st = len ? put(put_user, root, data, len, err) : RELIEF_OK;
  char *buf = NULL;
  size_t cap = 0;
  for (int r = 0; r < m->size; r++) {
    if (r == root) continue;
    uint64_t n;
    MPI_Recv(&n, 1, MPI_UINT64_T, r, 1, m->comm, MPI_STATUS_IGNORE);
    for (size_t o = 0; o < n; o += CHUNK) {
      size_t k = n - o < CHUNK ? n - o : CHUNK;
      if (k > cap) buf = xrealloc(buf, cap = k);
      MPI_Recv(buf, (int)k, MPI_BYTE, r, 2, m->comm, MPI_STATUS_IGNORE);
      if (!st) st = put(put_user, r, buf, k, err);
    }
  }
  free(buf);
  return st;
}

/* Ranks sharing this rank's node (its memory). */
static int ranks_on_node(const mpi_link *m) {
  MPI_Comm node;
  int n = 1;
  if (MPI_Comm_split_type(m->comm, MPI_COMM_TYPE_SHARED, m->rank, MPI_INFO_NULL, &node) ==
      MPI_SUCCESS) {
    MPI_Comm_size(node, &n);
    MPI_Comm_free(&node);
  }
  return n > 0 ? n : 1;
}

/* ---- phase timings (RELIEF_MPI_STATS) ---- */

enum { PH_PARSE, PH_ROWS, PH_DECIDE, PH_RESULTS, PH_EMIT, PH_GATHER, PH_SUMMARIES, PH_TOTAL, PH_N };
static const char *const phase_names[PH_N] = {
    "parse", "exchange_rows", "group+decide", "exchange_results",
    "emit",  "gather",        "summaries",    "total"};

/* The phase timings, slowest rank's, into out (rank 0; the CLI prints). */
static void report_stats(const mpi_link *m, const pipeline *pl, double *ph, relief_buf *out) {
  pipeline_transport_stats ts;
  pipeline_transport_stats_of(pl, &ts);
  ph[PH_PARSE] = ts.parse, ph[PH_ROWS] = ts.rows, ph[PH_DECIDE] = ts.decide;
  ph[PH_RESULTS] = ts.results;
  double max[PH_N];
  MPI_Reduce(ph, max, PH_N, MPI_DOUBLE, MPI_MAX, 0, m->comm);
  uint64_t bytes[2] = {ts.bytes_rows, ts.bytes_results}, sum[2];
  MPI_Reduce(bytes, sum, 2, MPI_UINT64_T, MPI_SUM, 0, m->comm);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long rss = ru.ru_maxrss, max_rss = 0;
  MPI_Reduce(&rss, &max_rss, 1, MPI_LONG, MPI_MAX, 0, m->comm);
  if (m->rank) return;
  buf_printf(out, "relief-mpi stats: ranks=%d threads=%d people=%lld rows=%lld\n", m->size,
             pipeline_threads(pl), (long long)pipeline_people(pl), (long long)pipeline_rows(pl));
  for (int i = 0; i < PH_N; i++)
    buf_printf(out, "relief-mpi stats: %-16s %.3f s (slowest rank)\n", phase_names[i], max[i]);
  buf_printf(out, "relief-mpi stats: exchanged rows %llu bytes, results %llu bytes\n",
             (unsigned long long)sum[0], (unsigned long long)sum[1]);
  buf_printf(out, "relief-mpi stats: peak RSS per rank (max) %ld KiB\n", max_rss);
}

/* ---- the sinks: county files, then motions ---- */

/* What the emit and collect sinks of one rank write into. */
typedef struct {
  mpi_link *link;
  const pipeline_transport *transport;
  const relief_statewide_config *cfg;
  publication *pub; /* rank 0 only */
  relief_statewide_result *res;
  const char **folder_counties;
  char **folders;
  size_t n_folders;
  double ph[PH_N];
} mpi_sink;

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
static relief_status write_gathered(pipeline *dp, const char *all, size_t total, publication *pub,
                                    const filings_options *opt, int64_t *n_motions,
                                    relief_error *err) {
  size_t n_plans;
  const county_plan *plans = pipeline_plans(dp, &n_plans);
  size_t n_refs;
  motion_ref *refs = index_motions(all, total, &n_refs);
  motion_ref *sel = xmalloc((n_refs + 1) * sizeof *sel);
  relief_status st = RELIEF_OK;
  char dir[1024];
  for (size_t k = 0; k < n_plans && !st; k++) {
    if (plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
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
      motions[i].county = plans[k].name;
      read_motion(&sel[i], &motions[i], mc + at);
      at += (size_t)motions[i].n_counts;
    }
    filings_sort_motions(motions, n);
    snprintf(dir, sizeof dir, "Court_Filings/%s", plans[k].folder);
    st = filings_write(pub, dir, motions, n, pipeline_threads(dp), opt, err);
    *n_motions += (int64_t)n;
    free(motions);
    free(mc);
  }
  free(sel);
  free(refs);
  return st;
}

/* Root's gathered motions, appended. */
static relief_status append_bytes(void *user, int from, const void *piece, size_t n,
                                  relief_error *err) {
  (void)from, (void)err;
  buf_append(user, piece, n);
  return RELIEF_OK;
}

/* Each rank builds the motions of its people, partition by partition (one
 * process numbers people partition by partition, so motions in partition
 * order are in its person order); rank 0 gathers them, puts each county's
 * in partition order and writes the filings as relief statewide does (the
 * collect sink, on this rank's decided people). */
static relief_status mpi_collect(void *user, pipeline *dp, relief_error *err) {
  mpi_sink *ms = user;
  double t = MPI_Wtime();
  const relief_statewide_config *cfg = ms->cfg;
  relief_buf mine = {0};
  size_t n_plans;
  const county_plan *plans = pipeline_plans(dp, &n_plans);
  const uint32_t *pairs;
  size_t n_pairs = pipeline_motion_pairs(dp, &pairs);
  for (size_t k = 0; k < n_plans; k++) {
    if (plans[k].summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    for (size_t a = 0; a < n_pairs;) {
      uint32_t part = pipeline_person_partition(dp, pairs[a]);
      size_t b = a;
      while (b < n_pairs && pipeline_person_partition(dp, pairs[b]) == part) b += 2;
      pipeline_motion_window(dp, a, b);
      motion_list list;
      filings_motions(dp, (int)k, cfg->filter, &list);
      for (size_t i = 0; i < list.n; i++) put_motion(&mine, (uint32_t)k, part, &list.motions[i]);
      motion_list_free(&list);
      a = b;
    }
  }
  pipeline_motion_window(dp, 0, 0);
  relief_buf all = {0};
  relief_status st =
      ms->transport->gather(ms->transport->user, 0, mine.data, mine.len, append_bytes, &all, err);
  buf_free(&mine);
  filings_options fo = job_filings_options(cfg->filer);
  if (!st && ms->link->rank == 0)
    st =
        write_gathered(dp, all.data ? all.data : "", all.len, ms->pub, &fo, &ms->res->motions, err);
  buf_free(&all);
  ms->ph[PH_GATHER] = MPI_Wtime() - t;
  return st;
}

/* Opens the bundle files of each county with Prop 64 convictions (rank 0;
 * the others count them and keep their share for it). */
static relief_status open_bundles(mpi_sink *ms, county_plan *plans, size_t n, relief_error *err) {
  const relief_statewide_config *cfg = ms->cfg;
  relief_status st = RELIEF_OK;
  char path[4096 + 600];
  for (size_t k = 0; k < n && !st; k++) {
    county_plan *plan = &plans[k];
    if (plan->summary.earliest_state != RELIEF_EARLIEST_DAY) continue;
    ms->res->counties++;
    if (cfg->summary_only) continue;
    plan->n_files = cfg->review_files ? BUNDLE_FILES : 3;
    for (int f = 0; f < plan->n_files && !st && ms->link->rank == 0; f++) {
      snprintf(path, sizeof path, "%s/%s.csv", plan->folder, bundle_names[f]);
      st = publication_create(ms->pub, path, &plan->files[f], err);
    }
  }
  return st;
}

/* tests: this rank fails, or dies as from kill -9, once the people are decided */
static relief_status test_failure(const mpi_link *m, relief_error *err) {
  const char *kill_rank = getenv("RELIEF_MPI_KILL_RANK");
  if (kill_rank && atoi(kill_rank) == m->rank) raise(SIGKILL);
  const char *fail = getenv("RELIEF_MPI_FAIL_RANK");
  if (fail && atoi(fail) == m->rank)
    return error_set(err, RELIEF_E_IO, NULL, 0, -1,
                     "rank %d failed on purpose (RELIEF_MPI_FAIL_RANK)", m->rank);
  return RELIEF_OK;
}

/* The emit sink, on this rank's view of the segments it writes: counties
 * get their folders; rank 0 writes its share into the publication and
 * appends the others' (pipeline_emit_gather), then closes the files. */
static relief_status mpi_emit(void *user, pipeline *pl, relief_error *err) {
  mpi_sink *ms = user;
  double t = MPI_Wtime();
  const relief_statewide_config *cfg = ms->cfg;
  size_t n;
  county_plan *plans = pipeline_plans(pl, &n);
  ms->n_folders = job_assign_folders(plans, n, &ms->folder_counties, &ms->folders);
  relief_status st = test_failure(ms->link, err);
  if (!st) st = open_bundles(ms, plans, n, err);
  if (!st && (!cfg->summary_only || cfg->forms)) st = output_emit(pl, err);
  st = pipeline_emit_gather(pl, st, err); /* every rank, even one that failed */
  for (size_t k = 0; k < n; k++)
    for (int f = 0; f < plans[k].n_files; f++) {
      relief_status closed = pub_file_close(plans[k].files[f], st ? NULL : err);
      plans[k].files[f] = NULL;
      if (!st) st = closed;
    }
  ms->ph[PH_EMIT] = MPI_Wtime() - t;
  return st;
}

/* ---- the job ---- */

/* The manifest's thread count: as requested, else the machine's processors
 * (relief statewide's default, which a rank's binding may narrow). */
static int manifest_threads(int requested) {
  if (requested > 0) return requested;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
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

/* Rank 0 writes what one process writes after its bundles, the same
 * bytes; nothing is published unless every rank got here. */
static relief_status publish(mpi_sink *ms, const pipeline *pl, relief_status st,
                             relief_error *err) {
  const relief_statewide_config *cfg = ms->cfg;
  mpi_link *m = ms->link;
  int n_inputs = pipeline_n_inputs(pl);
  if (!st && m->rank == 0) {
    manifest_input *described = xcalloc((size_t)n_inputs + 1, sizeof *described);
    for (int i = 0; i < n_inputs; i++) {
      manifest_input *d = &described[i];
      *d = (manifest_input){.path = cfg->inputs[i], .size = pipeline_input_stored_size(pl, i)};
      memcpy(d->xxh3_128, pipeline_input_hash(pl, i), sizeof d->xxh3_128);
      pipeline_input_rows(pl, i, &d->rows_read, &d->rows_duplicate);
      d->rows_decided = d->rows_read - d->rows_duplicate;
    }
    size_t n_plans;
    county_plan *plans = pipeline_plans(pl, &n_plans);
    statewide_bundle bundle = {.persons = pipeline_person_totals(pl),
                               .plans = plans,
                               .n_plans = n_plans,
                               .threads_used = pipeline_threads(pl),
                               .folder_counties = ms->folder_counties,
                               .folders = (const char *const *)ms->folders,
                               .n_folders = ms->n_folders,
                               .inputs = described,
                               .n_inputs = n_inputs,
                               /* what one process would use: under mpirun a
                                * rank's cores may be fewer (binding) */
                               .threads = manifest_threads(cfg->threads)};
    st = job_statewide_publish(cfg, &bundle, ms->pub, ms->res, err);
    free(described);
  }
  st = link_agree(m, st, err); /* nothing is published unless every rank got here */
  if (!st && m->rank == 0) {
    st = job_statewide_commit(cfg, ms->pub, err);
    ms->pub = NULL;
  }
  int code = st;
  MPI_Bcast(&code, 1, MPI_INT, 0, m->comm);
  if (code && !st) {
    st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "rank 0 failed");
    m->told = true;
  }
  return st;
}

/* The statewide plan on this rank: its transport, the memory limit (by
 * default, the ranks of a node share what relief statewide would take of
 * its memory) and where spill files go. */
static pipeline_plan mpi_plan(const relief_statewide_config *cfg, const mpi_link *m,
                              const pipeline_transport *t, const relief_classifier *classifier,
                              mpi_sink *ms) {
  pipeline_plan plan = job_statewide_plan(cfg, classifier);
  plan.transport = t;
  plan.result_bytes = output_result_bytes;
  if (plan.no_results) { /* rows spill by partition when a rank's share would not fit */
    int per_node = ranks_on_node(m);
    plan.memory_limit =
        cfg->memory_limit ? cfg->memory_limit : job_default_memory_limit() / (uint64_t)per_node;
  } else { /* a bundle's rows stay in memory: a given limit must hold them */
    plan.memory_limit = cfg->memory_limit;
  }
  const char *tmp = getenv("TMPDIR");
  plan.scratch_dir = tmp && *tmp ? tmp : "/tmp"; /* ranks > 0: on their own node */
  plan.scratch_pub = ms->pub;                    /* rank 0 spills into the staging folder */
  plan.sinks = (plan_sinks){.emit = mpi_emit, .user = ms};
  plan.collect = mpi_collect;
  return plan;
}

/* What the statewide result reports, every rank's counts. */
static void read_back(const pipeline *pl, relief_statewide_result *res) {
  for (int i = 0; i < pipeline_n_inputs(pl); i++)
    res->input_bytes += pipeline_input_stored_size(pl, i);
  pipeline_spill_stats(pl, &res->spilled_partitions, &res->spill_bytes);
  res->rows = (int64_t)pipeline_rows(pl);
  res->people = (int64_t)pipeline_people(pl);
  res->duplicate_rows = pipeline_duplicate_rows(pl);
}

relief_status job_statewide_mpi(const relief_statewide_config *cfg, relief_statewide_result *res,
                                relief_error *err, bool *local, relief_buf *stats) {
  memset(res, 0, sizeof *res);
  *local = false;
  mpi_link m = {.comm = MPI_COMM_WORLD};
  MPI_Comm_rank(m.comm, &m.rank);
  MPI_Comm_size(m.comm, &m.size);
  pipeline_transport t = {.rank = m.rank,
                          .size = m.size,
                          .user = &m,
                          .exchange = link_exchange,
                          .reduce = link_reduce,
                          .gather = link_gather,
                          .agree = link_agree};
  relief_classifier *classifier = NULL;
  if (!cfg->options)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "statewide: no options given");
  if (!(classifier = classifier_new()))
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  double t0 = MPI_Wtime();
  mpi_sink ms = {.link = &m, .transport = &t, .cfg = cfg, .res = res};
  relief_status st = RELIEF_OK;
  if (m.rank == 0) st = publication_begin(cfg->outputs_dir, &ms.pub, err);
  if (!st) st = inputs_readable(cfg, err);
  st = link_agree(&m, st, err);
  pipeline *pl = NULL;
  if (!st) {
    pipeline_plan plan = mpi_plan(cfg, &m, &t, classifier, &ms);
    st = pipeline_drive(&plan, &pl, err); /* every rank gets the same status */
    read_back(pl, res);
  }
  if (!st) {
    res->seconds = MPI_Wtime() - t0;
    MPI_Bcast(&res->seconds, 1, MPI_DOUBLE, 0, m.comm);
    double t1 = MPI_Wtime();
    st = publish(&ms, pl, st, err);
    ms.ph[PH_SUMMARIES] = MPI_Wtime() - t1;
    ms.ph[PH_TOTAL] = MPI_Wtime() - t0;
    if (stats) report_stats(&m, pl, ms.ph, stats);
  }
  *local = st != RELIEF_OK && !m.told;
  for (size_t k = 0; k < ms.n_folders; k++) free(ms.folders[k]);
  free(ms.folders);
  free(ms.folder_counties);
  pipeline_destroy(pl); /* closes the files a failure left open, before the abort */
  publication_abort(ms.pub);
  classifier_free(classifier);
  return st;
}
