/*
 * spill.c — statewide in bounded memory: once a segment is parsed, its rows
 * (record, person key, content hash, case number) go by person-key
 * partition into per-thread buffers, written zstd-compressed to scratch
 * files in the publication's staging folder; then partitions are read back
 * in batches that fit the limit, grouped and decided one batch after
 * another, in the same partition order as an unbounded run.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "common/alloc.h"
#include "pipeline/pipeline_int.h"

/* One compressed run of a partition's records in a thread's file, or for a
 * partition kept in memory, the records themselves (mem). */
typedef struct {
  int thread;
  uint64_t offset;
  size_t csize, rsize;
  char *mem;
} spill_chunk;

typedef struct {
  relief_buf part[SPILL_PARTS];
  size_t buffered;
  ZSTD_CCtx *cctx;
  int fd;
  uint64_t file_size;
  relief_buf zbuf;
  relief_status status;
  relief_error err;
} spill_thread;

struct spill {
  spill_thread *threads;
  int n_threads;
  size_t flush_at;
  size_t part_room; /* a partition buffer's first room: its share of flush_at, and a quarter */
  spill_chunk *chunks[SPILL_PARTS];
  size_t n_chunks[SPILL_PARTS], cap_chunks[SPILL_PARTS];
  uint64_t rows[SPILL_PARTS]; /* records written per partition */
  int resident;               /* partitions [0, resident) stay in memory: they fit */
  uint32_t next_id;
  long *seg_of_id; /* spill id -> segment index, -1 for a segment re-parsed */
  omp_lock_t lock;
};

/* Records come in runs: the rows of one person that follow one another in
 * a segment (a person's rows are together in a DOJ file, about 13 of them)
 * share one head: u32 spill id, u32 j of the first, u16 rows, the person
 * key; then each row: row_rec, content hash, u16 case-number length, its
 * bytes. About 60 bytes a row instead of 82 with a head each. */
#define RUN_HEAD (4 + 4 + 2 + sizeof(XXH128_hash_t))
#define ROW_FIXED (sizeof(row_rec) + 8 + 2)
#define RECORD_FIXED (ROW_FIXED + 4) /* a row and its share of a head, for sizing */
#define CASE_NUMBER_BYTES 16u        /* a case number held for a row, on average */

uint64_t spill_need(uint64_t text_bytes, int ways) {
  /* a relief-mpi rank holds its share of the rows and, while they are
   * exchanged, their packed copies sent and received: about 1.2 times its
   * share of the text (measured at 2 and 3) */
  if (ways > 1) return text_bytes / (uint64_t)ways / 5 * 6;
  return text_bytes / 20 * 9;
}

/* What one process holds at its peak whatever the rows (the program, the
 * run tables, the summaries and reports drawn at the end), and per row:
 * measured with /usr/bin/time on generated and reference-shape sets of
 * 145 thousand to 116 million rows (peak RSS less this base, over rows; a
 * summary took 62 bytes a row on 15 and 116 million rows: the more people
 * in several inputs, the more content hashes are kept, 8 bytes a row) */
#define HELD_BASE_SUMMARY (18u << 20)
#define HELD_BASE_BUNDLE (32u << 20)
#define HELD_PER_ROW_SUMMARY 66u /* record, people tables, content hashes of copies */
#define HELD_PER_ROW_BUNDLE 104u /* and case numbers, results, their text */
#define HELD_PER_ROW_COPIES 8u   /* of those, where rows can be copies (several inputs) */

/* LF bytes in the first text of input in (at most want bytes of it), and
 * how many bytes that was; for a zstd input, also the compressed bytes
 * read for them. False when nothing could be read. */
static bool sample_text(const relief_input *in, size_t want, uint64_t *text, uint64_t *lines,
                        uint64_t *packed) {
  *text = *lines = *packed = 0;
  if (in->data && in->size) {
    size_t n = in->size < want ? in->size : want;
    for (const char *p = in->data, *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
      ++*lines;
    *text = n;
    return true;
  }
  if (!in->zsrc || !in->zsrc_size) return false;
  ZSTD_DCtx *d = ZSTD_createDCtx();
  char *out = xmalloc(want);
  ZSTD_inBuffer zin = {in->zsrc, in->zsrc_size, 0};
  ZSTD_outBuffer zout = {out, want, 0};
  while (zout.pos < want && zin.pos < zin.size) {
    size_t r = d ? ZSTD_decompressStream(d, &zout, &zin) : 1;
    if (!d || ZSTD_isError(r) || (r == 0 && zin.pos == zin.size)) break;
  }
  for (const char *p = out, *end = out + zout.pos; (p = memchr(p, '\n', (size_t)(end - p))); p++)
    ++*lines;
  *text = zout.pos;
  *packed = zin.pos;
  free(out);
  ZSTD_freeDCtx(d);
  return zout.pos > 0;
}

void spill_estimate(pipeline *pl) {
  /* rows: each input's text (a stream's from its compression ratio in the
   * sample) over the bytes per row of its first 16 MB, shared out */
  size_t want = (16u << 20) / (size_t)(pl->n_inputs ? pl->n_inputs : 1);
  if (want < (64u << 10)) want = 64u << 10;
  if (want > (1u << 20)) want = 1u << 20;
  uint64_t rows = 0, text_all = 0;
  for (int i = 0; i < pl->n_inputs; i++) {
    const relief_input *in = &pl->inputs[i];
    uint64_t text, lines, packed;
    if (!sample_text(in, want, &text, &lines, &packed)) continue;
    uint64_t size = in->size;
    if (in->streamed) size = packed ? (uint64_t)((double)in->stored_size * text / packed) : text;
    if (!lines) lines = 1;
    rows += (uint64_t)((double)size * (double)lines / (double)text);
    text_all += size;
  }
  pl->text_estimate = text_all;
  pl->rows_estimate = rows;
  uint64_t per_row = pl->no_results ? HELD_PER_ROW_SUMMARY : HELD_PER_ROW_BUNDLE;
  if (!pl->copies_possible) per_row -= HELD_PER_ROW_COPIES; /* no content hash is kept */
  pl->memory_estimate = (pl->no_results ? HELD_BASE_SUMMARY : HELD_BASE_BUNDLE) + rows * per_row;
}

/* How many partitions, from the first, a spilled run keeps in memory: what
 * the limit leaves once the rest of the run is held (the base, and for a
 * bundle what emit needs of every row) and a batch of partitions read back
 * (spill_evaluate's third of the limit, more than the write buffers) */
static int resident_parts(const pipeline *pl) {
  uint64_t rows = pl->rows_estimate ? pl->rows_estimate : 1, limit = pl->memory_limit;
  uint64_t held = limit / 3 + (pl->no_results ? HELD_BASE_SUMMARY : HELD_BASE_BUNDLE + rows * 16);
  if (held >= limit) return 0;
  uint64_t record = RECORD_FIXED + (pl->no_results ? 0 : CASE_NUMBER_BYTES);
  uint64_t per_part = rows / SPILL_PARTS * record + 1;
  uint64_t fit = (limit - held) / 10 * 9 / per_part; /* a tenth spare: partitions differ */
  return fit > SPILL_PARTS ? SPILL_PARTS : (int)fit;
}

uint64_t pipeline_memory_estimate(const pipeline *pl) { return pl->memory_estimate; }

relief_status spill_begin(pipeline *pl, uint64_t text_bytes, relief_error *err) {
  (void)err;
  /* spill when the rows would not fit (spill_estimate, or for a relief-mpi
   * rank spill_need); court filings and run mode need the rows whole */
  if (!pl->memory_limit || !pl->merged || pl->forms || (!pl->scratch_pub && !pl->scratch_dir))
    return RELIEF_OK;
  if (pl->spill_ways > 1) {
    if (spill_need(text_bytes, pl->spill_ways) <= pl->memory_limit) return RELIEF_OK;
  } else if (pl->memory_estimate <= pl->memory_limit) {
    return RELIEF_OK;
  }
  struct spill *sp = xcalloc(1, sizeof *sp);
  sp->n_threads = pl->n_threads;
  sp->threads = xcalloc((size_t)sp->n_threads, sizeof *sp->threads);
  for (int t = 0; t < sp->n_threads; t++) sp->threads[t].fd = -1;
  sp->flush_at = pl->memory_limit / 8 / (size_t)sp->n_threads;
  if (sp->flush_at < (256u << 10)) sp->flush_at = 256u << 10;
  sp->part_room = sp->flush_at / SPILL_PARTS + sp->flush_at / SPILL_PARTS / 4;
  if (pl->spill_ways <= 1) sp->resident = resident_parts(pl);
  omp_init_lock(&sp->lock);
  pl->spill = sp;
  return RELIEF_OK;
}

/* Files chunk c under partition q (any thread). */
static void add_chunk(struct spill *sp, int q, const spill_chunk *c) {
  omp_set_lock(&sp->lock);
  if (sp->n_chunks[q] == sp->cap_chunks[q]) {
    sp->cap_chunks[q] = sp->cap_chunks[q] ? sp->cap_chunks[q] * 2 : 16;
    sp->chunks[q] = xreallocarray(sp->chunks[q], sp->cap_chunks[q], sizeof *sp->chunks[q]);
  }
  sp->chunks[q][sp->n_chunks[q]++] = *c;
  omp_unset_lock(&sp->lock);
}

/* Compresses partition q's buffered records b (thread t's) into writer w's
 * file, or keeps them in memory when the partition fits; more: records will
 * follow (a kept partition's buffer is replaced by one with room for them). */
static void flush_part(pipeline *pl, int t, int w, int q, relief_buf *b, bool more) {
  struct spill *sp = pl->spill;
  spill_thread *th = &sp->threads[w];
  if (!b->len || th->status) return;
  if (q < sp->resident) { /* it fits: its records stay as they are */
    size_t had = b->len, room = had + had / 4 > sp->part_room ? had + had / 4 : sp->part_room;
    spill_chunk c = {t, 0, 0, had, xrealloc(b->data, had)};
    /* the next chunk starts with room for this one's size and a quarter,
     * not at 4 KB doubling to it, each doubling a copy (pages not
     * written are not held) */
    *b = more ? (relief_buf){.data = xmalloc(room), .cap = room} : (relief_buf){0};
    add_chunk(sp, q, &c);
    return;
  }
  if (th->fd < 0) {
    char name[32];
    snprintf(name, sizeof name, "spill-%d", w);
    th->status = pl->scratch_pub ? publication_scratch(pl->scratch_pub, name, &th->fd, &th->err)
                                 : scratch_anonymous(pl->scratch_dir, &th->fd, &th->err);
    if (th->status) return;
  }
  if (!th->cctx) th->cctx = ZSTD_createCCtx();
  if (!th->cctx) alloc_out_of_memory(0);
  size_t bound = ZSTD_compressBound(b->len);
  th->zbuf.len = 0;
  buf_reserve(&th->zbuf, bound);
  /* level -1 (the first fast level): on L's spill records (200 MB, in
   * chunks of 128 KB to 4 MB) it compresses 15-25 % faster than level 1
   * and decompresses 25-40 % faster, for about as many bytes (3.26-3.32x
   * against 3.23-3.39x). The CPU, not the disk, holds a spilled run
   * back: XL under 4G writes 1.36 GB in its 47 s of parsing, 29 MB/s
   * against the disk's synced 93 MB/s */
  size_t c = ZSTD_compressCCtx(th->cctx, th->zbuf.data, bound, b->data, b->len, -1);
  if (ZSTD_isError(c)) {
    th->status =
        error_set(&th->err, RELIEF_E_IO, NULL, 0, -1, "cannot compress: %s", ZSTD_getErrorName(c));
    return;
  }
  for (size_t done = 0; done < c;) {
    ssize_t n = pwrite(th->fd, th->zbuf.data + done, c - done, (off_t)(th->file_size + done));
    if (n <= 0) {
      th->status = error_set(&th->err, RELIEF_E_IO,
                             pl->scratch_pub ? publication_dir(pl->scratch_pub) : pl->scratch_dir,
                             0, -1, "cannot write a spill file (disk full?)");
      return;
    }
    done += (size_t)n;
  }
  add_chunk(sp, q, &(spill_chunk){w, th->file_size, c, b->len, NULL});
  th->file_size += c;
  b->len = 0;
}

/* Compresses and writes thread t's buffered partitions into its own file;
 * those that fit are kept in memory instead. */
static void flush_thread(pipeline *pl, int t) {
  spill_thread *th = &pl->spill->threads[t];
  if (!th->buffered) return;
  for (int q = 0; q < SPILL_PARTS && !th->status; q++) flush_part(pl, t, t, q, &th->part[q], true);
  th->buffered = 0;
}

void spill_segment(pipeline *pl, segment_t *s) {
  struct spill *sp = pl->spill;
  int t = omp_get_thread_num();
  spill_thread *th = &sp->threads[t];
  uint32_t id;
#pragma omp atomic capture
  id = sp->next_id++;
  s->spill_id = id;
  uint64_t local[SPILL_PARTS] = {0};
  /* what the segment puts in each partition, so that reading a batch back
   * knows where each record goes before it decompresses anything */
  uint32_t *counts = xcalloc(2 * SPILL_PARTS, sizeof *counts);
  size_t run_at = 0; /* where the open run's row count sits in its buffer */
  relief_buf *run_buf = NULL;
  uint16_t run_rows = 0;
  for (size_t j = 0; j < s->n_rows; j++) {
    const row_rec *r = &s->rows[j];
    unsigned q = people_partition(s->keys[j]);
    const char *ofn = r->ofn_id ? s->ofns.data + r->ofn_id - 1 : "";
    size_t len = strlen(ofn);
    if (len > UINT16_MAX) len = UINT16_MAX; /* case numbers are short; never reached */
    relief_buf *b = &th->part[q];
    if (b->cap - b->len < RUN_HEAD + ROW_FIXED + len) /* the first time, its share's room */
      buf_reserve(b, b->cap || len > sp->part_room ? RUN_HEAD + ROW_FIXED + len : sp->part_room);
    bool same =
        run_buf == b && run_rows < UINT16_MAX && person_key_equal(s->keys[j], s->keys[j - 1]);
    if (!same) { /* a new run: its head, the count filled in as rows come */
      char *h = b->data + b->len;
      uint32_t jj = (uint32_t)j;
      memcpy(h, &id, 4);
      memcpy(h + 4, &jj, 4);
      memset(h + 8, 0, 2);
      memcpy(h + 10, &s->keys[j], sizeof s->keys[j]);
      run_at = b->len + 8;
      run_buf = b;
      run_rows = 0;
      b->len += RUN_HEAD;
      th->buffered += RUN_HEAD;
    }
    char *w = b->data + b->len;
    uint16_t l16 = (uint16_t)len;
    uint64_t content = s->content ? s->content[j] : 0;
    memcpy(w, r, sizeof *r), w += sizeof *r;
    memcpy(w, &content, 8), w += 8;
    memcpy(w, &l16, 2), w += 2;
    memcpy(w, ofn, len);
    b->len += ROW_FIXED + len;
    th->buffered += ROW_FIXED + len;
    run_rows++;
    memcpy(b->data + run_at, &run_rows, 2);
    local[q]++;
    counts[q]++;
    if (len) counts[SPILL_PARTS + q] += (uint32_t)len + 1;
  }
  free(s->spill_counts);
  s->spill_counts = counts;
  for (int q = 0; q < SPILL_PARTS; q++)
    if (local[q]) {
#pragma omp atomic
      sp->rows[q] += local[q];
    }
  free(s->rows);
  free(s->keys);
  free(s->content);
  buf_free(&s->ofns);
  s->rows = NULL;
  s->keys = NULL;
  s->content = NULL;
  s->cap_rows = 0;
  s->spilled = true;
  if (th->buffered >= sp->flush_at) flush_thread(pl, t);
}

/* A test hook for a spill file that does not hold what was written to it:
 * RELIEF_TEST_SPILL_COUNTS=short (or long) makes the first spilled
 * segment's count of its first partition one less (or more) than the
 * records it wrote, so the read-back must call the file damaged and stop,
 * not place a record outside its segment's share. Unset, it does nothing. */
static void test_spill_counts_hook(pipeline *pl) {
  const char *v = getenv("RELIEF_TEST_SPILL_COUNTS");
  if (!v) return;
  for (size_t k = 0; k < pl->n_segs; k++) {
    uint32_t *counts = pl->segs[k].spill_counts;
    for (int q = 0; counts && q < SPILL_PARTS; q++)
      if (counts[q]) {
        counts[q] += !strcmp(v, "long") ? 1 : -1;
        return;
      }
  }
}

relief_status spill_end_parse(pipeline *pl, relief_error *err) {
  struct spill *sp = pl->spill;
  for (size_t k = 0; k < pl->n_segs; k++) { /* any segment kept back goes now */
    if (!pl->segs[k].spilled) spill_segment(pl, &pl->segs[k]);
  }
  /* every thread's last partitions, shared out among the threads partition
   * by partition (one thread's buffers may hold most of them), each written
   * to its writer's own file; a segment's records of a partition lie in one
   * chunk, so the order chunks are added in (add_chunk locks) does not
   * matter. The pages of the buffers go back as they are freed. */
#pragma omp parallel num_threads(sp->n_threads)
  {
    int w = omp_get_thread_num();
#pragma omp for schedule(dynamic, 4) collapse(2)
    for (int t = 0; t < sp->n_threads; t++)
      for (int q = 0; q < SPILL_PARTS; q++) {
        relief_buf *b = &sp->threads[t].part[q];
        flush_part(pl, t, w, q, b, false);
        alloc_discard(b->data);
        buf_free(b);
      }
  }
  for (int t = 0; t < sp->n_threads; t++) {
    sp->threads[t].buffered = 0;
    buf_free(&sp->threads[t].zbuf);
    ZSTD_freeCCtx(sp->threads[t].cctx);
    sp->threads[t].cctx = NULL;
  }
  for (int t = 0; t < sp->n_threads; t++) {
    if (sp->threads[t].status) {
      *err = sp->threads[t].err;
      return sp->threads[t].status;
    }
  }
  sp->seg_of_id = xmalloc((sp->next_id + 1) * sizeof *sp->seg_of_id);
  for (uint32_t i = 0; i < sp->next_id; i++) sp->seg_of_id[i] = -1;
  for (size_t k = 0; k < pl->n_segs; k++)
    if (pl->segs[k].spilled) sp->seg_of_id[pl->segs[k].spill_id] = (long)k;
  alloc_give_back(); /* the write buffers */
  test_spill_counts_hook(pl);
  return RELIEF_OK;
}

/* A chunk of a batch that is on disk, and where its bytes go in memory. */
typedef struct {
  int thread;
  uint64_t offset;
  size_t csize, *place;
} chunk_ref;

static int cmp_refs(const void *pa, const void *pb) {
  const chunk_ref *a = pa, *b = pb;
  if (a->thread != b->thread) return a->thread < b->thread ? -1 : 1;
  return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Reads the compressed chunks of partitions [q0, q1) into pack, file by
 * file front to back, each run of adjacent chunks in one read (a flush
 * writes its partitions one after another, so a batch's chunks of one
 * flush are one run); place[] gets each chunk's offset in pack, chunks
 * numbered partition by partition. */
static relief_status read_batch(const struct spill *sp, int q0, int q1, relief_buf *pack,
                                size_t *place, relief_error *err) {
  size_t n = 0, total = 0, slot = 0;
  for (int q = q0; q < q1; q++) n += sp->n_chunks[q];
  chunk_ref *refs = xmalloc((n + 1) * sizeof *refs);
  n = 0;
  for (int q = q0; q < q1; q++)
    for (size_t k = 0; k < sp->n_chunks[q]; k++, slot++) {
      const spill_chunk *c = &sp->chunks[q][k];
      if (c->mem) continue;
      refs[n++] = (chunk_ref){c->thread, c->offset, c->csize, &place[slot]};
      total += c->csize;
    }
  qsort(refs, n, sizeof *refs, cmp_refs);
  pack->len = 0;
  buf_reserve(pack, total + 1);
  relief_status st = RELIEF_OK;
  for (size_t i = 0, j; i < n && !st; i = j) {
    uint64_t end = refs[i].offset + refs[i].csize;
    for (j = i + 1; j < n && refs[j].thread == refs[i].thread && refs[j].offset == end; j++)
      end += refs[j].csize;
    size_t want = (size_t)(end - refs[i].offset);
    for (size_t done = 0; done < want && !st;) {
      ssize_t r = pread(sp->threads[refs[i].thread].fd, pack->data + pack->len + done, want - done,
                        (off_t)(refs[i].offset + done));
      if (r <= 0) st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot read a spill file");
      done += r > 0 ? (size_t)r : 0;
    }
    for (size_t k = i, at = pack->len; k < j; at += refs[k++].csize) *refs[k].place = at;
    pack->len += want;
  }
  free(refs);
  return st;
}

/* Where the records of one partition go: per segment, its next row and
 * case-number byte in the batch, and where its share ends. */
typedef struct {
  size_t *c_at, *o_at;
  const size_t *c_end, *o_end;
} record_places;

/* Places the records in data[0, len); false when they are not the records
 * the segments said they wrote (a damaged spill file). */
static bool load_records(pipeline *pl, const char *data, size_t len, const record_places *rp,
                         spill_batch *b) {
  const struct spill *sp = pl->spill;
  for (const char *p = data, *end = data + len; p < end;) {
    uint32_t id, j;
    uint16_t n;
    XXH128_hash_t key;
    if ((size_t)(end - p) < RUN_HEAD) return false;
    memcpy(&id, p, 4);
    memcpy(&j, p + 4, 4);
    memcpy(&n, p + 8, 2);
    memcpy(&key, p + 10, sizeof key);
    p += RUN_HEAD;
    long s = id < sp->next_id ? sp->seg_of_id[id] : -1; /* < 0: a segment parsed again */
    const segment_t *seg = s >= 0 ? &pl->segs[s] : NULL;
    for (uint16_t i = 0; i < n; i++, j++) {
      uint16_t olen;
      if ((size_t)(end - p) < ROW_FIXED) return false;
      memcpy(&olen, p + ROW_FIXED - 2, 2);
      if ((size_t)(end - p) - ROW_FIXED < olen) return false;
      const char *rec = p;
      p += ROW_FIXED + olen;
      if (!seg) continue; /* (an input read whole) */
      if (rp->c_at[s] >= rp->c_end[s] || (olen && rp->o_at[s] + olen + 1 > rp->o_end[s]))
        return false;
      size_t at = rp->c_at[s]++;
      row_rec *r = &b->rows[s][at];
      memcpy(r, rec, sizeof *r);
      b->keys[s][at] = key;
      if (b->content[s]) memcpy(&b->content[s][at], rec + sizeof *r, 8);
      b->j[s][at] = j;
      if (r->flags & ROW_CONVICTED) {
        if (r->class_id >= seg->sections.n || r->county >= seg->counties.n) return false;
        r->class_id = seg->class_map[r->class_id];
        r->county = (uint16_t)seg->county_map[r->county];
      }
      r->ofn_id = 0;
      if (olen) {
        size_t o = rp->o_at[s];
        memcpy(b->ofns[s] + o, rec + ROW_FIXED, olen);
        b->ofns[s][o + olen] = 0;
        r->ofn_id = (uint32_t)o + 1;
        rp->o_at[s] = o + olen + 1;
      }
    }
  }
  return true;
}

/* Counts per (partition, segment) -> places: each segment's arrays hold
 * its rows of the batch partition by partition. */
static void place_batch(pipeline *pl, size_t nq, size_t *cnt, size_t *ob, spill_batch *b) {
  size_t n_segs = pl->n_segs;
  for (size_t s = 0; s < n_segs; s++) {
    size_t rows = 0, bytes = 0;
    for (size_t q = 0; q < nq; q++) {
      size_t c = cnt[q * n_segs + s], o = ob[q * n_segs + s];
      cnt[q * n_segs + s] = rows;
      ob[q * n_segs + s] = bytes;
      rows += c;
      bytes += o;
    }
    b->n_rows[s] = rows;
    if (!rows) continue;
    if (rows > b->cap_rows[s]) { /* a quarter more, as the next batch's share may be larger */
      size_t cap = b->cap_rows[s] ? rows + rows / 4 : rows;
      free(b->rows[s]);
      free(b->keys[s]);
      free(b->content[s]);
      free(b->j[s]);
      b->rows[s] = xmalloc(cap * sizeof **b->rows);
      b->keys[s] = xmalloc(cap * sizeof **b->keys);
      b->content[s] = pl->copies_possible ? xmalloc(cap * sizeof **b->content) : NULL;
      b->j[s] = xmalloc(cap * sizeof **b->j);
      b->cap_rows[s] = cap;
    }
    if (bytes + 1 > b->cap_bytes[s]) {
      size_t cap = b->cap_bytes[s] ? bytes + 1 + bytes / 4 : bytes + 1;
      free(b->ofns[s]);
      b->ofns[s] = xmalloc(cap);
      b->cap_bytes[s] = cap;
    }
  }
}

/* Loads partitions [q0, q1): their compressed bytes read in one sweep,
 * each segment's share of them known from what it wrote (spill_counts),
 * then each chunk decompressed once and its records placed in the
 * segments' arrays, partitions in parallel; records kept in memory are
 * freed as they are placed. */
relief_status spill_load(pipeline *pl, int q0, int q1, spill_batch *b, relief_error *err) {
  struct spill *sp = pl->spill;
  size_t n_segs = pl->n_segs, nq = (size_t)(q1 - q0), n_chunks = 0;
  for (int q = q0; q < q1; q++) n_chunks += sp->n_chunks[q];
  size_t *cnt = xcalloc(nq * n_segs + 1, sizeof *cnt), *ob = xcalloc(nq * n_segs + 1, sizeof *ob);
  size_t *c_end = xcalloc(nq * n_segs + 1, sizeof *c_end),
         *o_end = xcalloc(nq * n_segs + 1, sizeof *o_end);
  size_t *place = xcalloc(n_chunks + 1, sizeof *place), *first = xcalloc(nq + 1, sizeof *first);
  for (size_t qi = 0; qi < nq; qi++) first[qi + 1] = first[qi] + sp->n_chunks[q0 + (int)qi];
  for (size_t s = 0; s < n_segs; s++) {
    const uint32_t *counts = pl->segs[s].spill_counts;
    if (!pl->segs[s].spilled || !counts) continue;
    for (size_t qi = 0; qi < nq; qi++) {
      cnt[qi * n_segs + s] = counts[q0 + (int)qi];
      ob[qi * n_segs + s] = counts[SPILL_PARTS + q0 + (int)qi];
    }
  }
  memcpy(c_end, cnt, nq * n_segs * sizeof *c_end);
  memcpy(o_end, ob, nq * n_segs * sizeof *o_end);
  relief_buf pack = b->pack; /* the last batch's room */
  relief_status status = read_batch(sp, q0, q1, &pack, place, err);
  if (!status) {
    place_batch(pl, nq, cnt, ob, b); /* counts -> where each share starts */
    for (size_t at = 0; at < nq * n_segs; at++) c_end[at] += cnt[at], o_end[at] += ob[at];
#pragma omp parallel num_threads(pl->n_threads)
    {
      relief_buf raw = {0};
      ZSTD_DCtx *dctx = ZSTD_createDCtx();
      if (!dctx) alloc_out_of_memory(0);
      bool damaged = false;
#pragma omp for schedule(dynamic, 1)
      for (size_t qi = 0; qi < nq; qi++) {
        int q = q0 + (int)qi;
        record_places rp = {cnt + qi * n_segs, ob + qi * n_segs, c_end + qi * n_segs,
                            o_end + qi * n_segs};
        for (size_t k = 0; k < sp->n_chunks[q] && !damaged; k++) {
          spill_chunk *ck = &sp->chunks[q][k];
          if (ck->mem) {
            damaged = !load_records(pl, ck->mem, ck->rsize, &rp, b);
            /* read back: its pages go back to the system now, on this
             * thread, not in one serial trim of the heap after the batch */
            alloc_discard(ck->mem);
            free(ck->mem);
            ck->mem = NULL;
            ck->rsize = 0;
            continue;
          }
          raw.len = 0;
          buf_reserve(&raw, ck->rsize);
          size_t got = ZSTD_decompressDCtx(dctx, raw.data, ck->rsize,
                                           pack.data + place[first[qi] + k], ck->csize);
          damaged = ZSTD_isError(got) || got != ck->rsize;
          if (!damaged) damaged = !load_records(pl, raw.data, got, &rp, b);
        }
        /* every record a segment wrote came back */
        for (size_t s = 0; s < n_segs && !damaged; s++)
          damaged = rp.c_at[s] != rp.c_end[s] || rp.o_at[s] != rp.o_end[s];
      }
#pragma omp critical(spill_load_error)
      if (damaged && !status)
        status = error_set(err, RELIEF_E_IO, NULL, 0, -1, "a spill file is damaged");
      buf_free(&raw);
      ZSTD_freeDCtx(dctx);
    }
  }
  b->pack = pack;
  free(cnt);
  free(ob);
  free(c_end);
  free(o_end);
  free(place);
  free(first);
  return status;
}

void spill_batch_init(const pipeline *pl, spill_batch *b) {
  size_t n = pl->n_segs + 1;
  *b = (spill_batch){.rows = xcalloc(n, sizeof *b->rows),
                     .n_rows = xcalloc(n, sizeof *b->n_rows),
                     .keys = xcalloc(n, sizeof *b->keys),
                     .content = xcalloc(n, sizeof *b->content),
                     .j = xcalloc(n, sizeof *b->j),
                     .ofns = xcalloc(n, sizeof *b->ofns),
                     .cap_rows = xcalloc(n, sizeof *b->cap_rows),
                     .cap_bytes = xcalloc(n, sizeof *b->cap_bytes)};
}

void spill_batch_free(spill_batch *b, size_t n_segs) {
  for (size_t s = 0; s < n_segs; s++) {
    free(b->rows[s]);
    free(b->keys[s]);
    free(b->content[s]);
    free(b->j[s]);
    free(b->ofns[s]);
  }
  free(b->cap_rows);
  free(b->cap_bytes);
  buf_free(&b->pack);
  free(b->rows);
  free(b->n_rows);
  free(b->keys);
  free(b->content);
  free(b->j);
  free(b->ofns);
  memset(b, 0, sizeof *b);
}

void spill_partition_rows(const pipeline *pl, uint64_t rows[SPILL_PARTS]) {
  for (int q = 0; q < SPILL_PARTS; q++) rows[q] = pl->spill ? pl->spill->rows[q] : 0;
}

void spill_batch_clear(spill_batch *b, size_t n_segs) {
  for (size_t s = 0; s < n_segs; s++) b->n_rows[s] = 0; /* the arrays stay for the next */
}

relief_status spill_evaluate(pipeline *pl, relief_error *err) {
  struct spill *sp = pl->spill;
  size_t n_segs = pl->n_segs;
  spill_batch b;
  spill_batch_init(pl, &b);
  int *input_of_seg = xcalloc(n_segs + 1, sizeof *input_of_seg);
  for (size_t s = 0; s < n_segs; s++) input_of_seg[s] = pl->segs[s].input;
  /* a batch row costs its record, key, hash, index and case number, and
   * grouping's lists: about 160 bytes; batches take a third of the limit */
  uint64_t batch_rows = pl->memory_limit / 3 / 160;
  if (batch_rows < 1) batch_rows = 1;
  pipeline_evaluate_begin(pl);
  if (pl->progress) pl->progress(pl->progress_user, "read+group+evaluate", 0, SPILL_PARTS, 0);
  size_t base = 0;
  relief_status st = RELIEF_OK;
  for (int q0 = 0; q0 < SPILL_PARTS && !st;) {
    int q1 = q0 + 1;
    uint64_t rows = sp->rows[q0];
    while (q1 < SPILL_PARTS && rows + sp->rows[q1] <= batch_rows) rows += sp->rows[q1++];
    st = spill_load(pl, q0, q1, &b, err);
    if (!st) {
      row_table t = {.n_segs = n_segs,
                     .rows = b.rows,
                     .n_rows = b.n_rows,
                     .keys = b.keys,
                     .content = pl->copies_possible ? b.content : NULL,
                     .input_of_seg = input_of_seg,
                     .ofns = (const char *const *)b.ofns};
      people_groups g;
      people_group(&t, pl->n_threads, &g);
      if (pl->copies_possible) pl->duplicate_rows += people_drop_copies(&t, &g, pl->n_threads);
      pl->table = t;
      pl->batch_j = b.j;
      pipeline_evaluate_people(pl, &g, base);
#pragma omp parallel for schedule(dynamic, 1) num_threads(pl->n_threads)
      for (size_t s = 0; s < n_segs; s++) {
        row_emit *e = pl->segs[s].emit;
        if (!e) continue;
        for (size_t k = 0; k < b.n_rows[s]; k++) {
          const row_rec *r = &b.rows[s][k];
          e[b.j[s][k]] = (row_emit){(uint32_t)(base + r->person), r->county, r->flags};
        }
      }
      base += g.n_people;
      people_groups_free(&g);
      pl->batch_j = NULL;
      memset(&pl->table, 0, sizeof pl->table);
    }
    spill_batch_clear(&b, n_segs);
    if (pl->progress)
      pl->progress(pl->progress_user, "read+group+evaluate", (uint64_t)q1, SPILL_PARTS, 0);
    q0 = q1;
  }
  pl->n_people = base;
  pipeline_evaluate_end(pl);
  spill_batch_free(&b, n_segs);
  free(input_of_seg);
  /* every record is read back: the spill files' pages go now, one file a
   * thread, rather than one file after another when the last descriptor
   * closes (XL under 4G: 1.36 GB of cached pages, half a second a file) */
#pragma omp parallel for schedule(dynamic, 1) num_threads(sp->n_threads)
  for (int t = 0; t < sp->n_threads; t++)
    if (sp->threads[t].fd >= 0 && ftruncate(sp->threads[t].fd, 0) != 0) {
      /* only a hint: the file goes when the run ends, whole */
    }
  return st;
}

void spill_stats(const pipeline *pl, int64_t *partitions, uint64_t *bytes) {
  *partitions = 0;
  *bytes = 0;
  const struct spill *sp = pl->spill;
  if (!sp) return;
  for (int q = sp->resident; q < SPILL_PARTS; q++) {
    *partitions += sp->n_chunks[q] > 0;
    for (size_t k = 0; k < sp->n_chunks[q]; k++) *bytes += sp->chunks[q][k].csize;
  }
}

void spill_free(pipeline *pl) {
  struct spill *sp = pl->spill;
  if (!sp) return;
  for (int t = 0; t < sp->n_threads; t++) {
    spill_thread *th = &sp->threads[t];
    for (int q = 0; q < SPILL_PARTS; q++) buf_free(&th->part[q]);
    buf_free(&th->zbuf);
    ZSTD_freeCCtx(th->cctx);
    if (th->fd >= 0) close(th->fd);
  }
  for (int q = 0; q < SPILL_PARTS; q++) {
    for (size_t k = 0; k < sp->n_chunks[q]; k++) free(sp->chunks[q][k].mem);
    free(sp->chunks[q]);
  }
  free(sp->threads);
  free(sp->seg_of_id);
  omp_destroy_lock(&sp->lock);
  free(sp);
  pl->spill = NULL;
}
