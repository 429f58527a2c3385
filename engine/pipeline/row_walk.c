/*
 * pipeline/row_walk.c — the inputs read a second time, segment by segment,
 * for the row files and the court filings: threads hand whole segments to a
 * sink, which flushes in input order, so what it writes does not depend on
 * threads. Also what the formatter and the filings read of the pipeline.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pipeline/exchange.h"

static char *dup_value(const relief_field *f) {
  char *out = xmalloc(f->len + 1);
  uint32_t n;
  const char *v = doj_field_value(f, out, &n);
  if (v != out) memcpy(out, v, n);
  out[n] = 0;
  return out;
}

void pipeline_capture_row(pipeline *pl, const pipeline_chunk *c, size_t j, const relief_field *f) {
  segment_t *s = &pl->segs[c->seg];
  if (s->n_captured % 64 == 0)
    s->captured = xrealloc(s->captured, (s->n_captured + 64) * sizeof *s->captured);
  captured_row *r = &s->captured[s->n_captured++];
  r->j = (uint32_t)j;
  r->name = dup_value(&f[RELIEF_COL_PRI_NAME]);
  r->dob = dup_value(&f[RELIEF_COL_PRI_DOB]);
  r->cii = dup_value(&f[RELIEF_COL_CII_NUMBER]);
  r->subject = dup_value(&f[RELIEF_COL_SUBJECT_ID]);
  bool count = s->capture[j] & CAPTURE_COUNT;
  r->court = count ? dup_value(&f[RELIEF_COL_STP_ORI_DESCR]) : NULL;
  r->offense = count ? dup_value(&f[RELIEF_COL_OFFENSE_DESCR]) : NULL;
  r->cnt = count ? dup_value(&f[RELIEF_COL_CNT_ORDER]) : NULL;
}

/* Where a streamed input's second reading stands. */
typedef struct {
  int input;
  relief_zstd_stream *z;
  char *pending;
  size_t len, cap, offset; /* pending[0] is the text at offset */
} stream_reader;

static relief_status changed(const pipeline *pl, int input, relief_error *err) {
  return error_set(err, RELIEF_E_IO, pl->inputs[input].path, 0, -1,
                   "the input changed while it was read");
}

/* Reads the streamed segment s's text into s->stream_text (it must cut at
 * the same offsets as the first reading). */
static relief_status stream_segment(pipeline *pl, segment_t *s, stream_reader *r,
                                    relief_error *err) {
  const size_t piece = 4u << 20;
  int eof;
  while (r->offset < s->begin) { /* relief-mpi: this process writes a later share */
    size_t gap = s->begin - r->offset, want = gap < piece ? gap : piece;
    relief_status st = stream_fill(r->z, &r->pending, &r->len, &r->cap, want, &eof, err);
    if (!st && r->len == 0) st = changed(pl, s->input, err);
    if (st) return st;
    size_t drop = r->len < gap ? r->len : gap;
    memmove(r->pending, r->pending + drop, r->len - drop);
    r->len -= drop;
    r->offset += drop;
  }
  relief_status st =
      stream_fill(r->z, &r->pending, &r->len, &r->cap, s->end - r->offset, &eof, err);
  if (!st && r->len < s->end - r->offset) st = changed(pl, s->input, err);
  if (st) return st;
  size_t n = s->end - s->begin;
  s->stream_text = xmalloc(n ? n : 1);
  memcpy(s->stream_text, r->pending, n);
  memmove(r->pending, r->pending + n, r->len - n);
  r->len -= n;
  r->offset += n;
  return RELIEF_OK;
}

/* The segments of the next wave starting at from; for a streamed input,
 * decompresses their text. Returns the end of the wave. */
static size_t next_wave(pipeline *pl, size_t from, stream_reader *r, relief_status *status,
                        relief_error *err) {
  int input = pl->segs[from].input;
  size_t to = from;
  if (pl->segs[from].frame != SEGMENT_STREAMED) {
    while (to < pl->n_segs && pl->segs[to].input == input) to++;
    return to;
  }
  if (!r->z || r->input != input) {
    stream_close(r->z);
    r->z = stream_open(&pl->inputs[input]);
    r->input = input;
    r->len = r->offset = 0;
  }
  size_t wave = 2 * (size_t)pl->n_threads;
  while (to < pl->n_segs && pl->segs[to].input == input && to - from < wave) {
    relief_status st = stream_segment(pl, &pl->segs[to], r, err);
    if (st) {
      *status = st;
      return to;
    }
    to++;
  }
  return to;
}

/* Hands segment i to the sink: its text found (a frame decompressed into
 * text_buf), then released. */
static relief_status walk_segment(pipeline *pl, size_t i, const pipeline_row_sink *sink,
                                  void *thread, relief_buf *text_buf, relief_error *err) {
  segment_t *s = &pl->segs[i];
  const relief_input *in = &pl->inputs[s->input];
  const char *text;
  relief_status st = RELIEF_OK;
  if (s->frame == SEGMENT_STREAMED) {
    text = s->stream_text;
  } else if (s->frame == SEGMENT_MAPPED) {
    text = in->data + s->begin;
  } else {
    buf_reserve(text_buf, s->end - s->begin + 1);
    st = input_frame_text(in, (size_t)s->frame, text_buf->data, err);
    text = text_buf->data;
  }
  if (!st) {
    pipeline_chunk c = {.seg = i,
                        .text = text,
                        .size = s->end - s->begin,
                        .rows = s->emit ? NULL : s->rows,
                        .emit = s->emit,
                        .result = s->result,
                        .capture = s->capture};
    if (s->frame != SEGMENT_MAPPED && s->begin == 0) c.pos = header_length(text, c.size);
    sink->chunk(sink->user, thread, &c);
  }
  if (s->frame == SEGMENT_MAPPED) input_release(&pl->inputs[s->input], s->begin, s->end - s->begin);
  if (s->frame == SEGMENT_STREAMED) {
    free(s->stream_text);
    s->stream_text = NULL;
  }
  return st;
}

relief_status pipeline_walk_rows(pipeline *pl, const pipeline_row_sink *sink, relief_error *err) {
  relief_status status = RELIEF_OK;
  uint64_t total = 0, written = 0, rows_written = 0;
  for (size_t i = 0; i < pl->n_segs; i++) total += pl->segs[i].end - pl->segs[i].begin;
  if (pl->progress) pl->progress(pl->progress_user, "write", 0, total, 0);
  /* Waves of segments: all of a mapped or framed input at once; a streamed
   * input a few pieces at a time, decompressed again front to back. */
  stream_reader reader = {0};
  size_t wave_from = 0, wave_to = 0;
#pragma omp parallel num_threads(pl->n_threads)
  {
    void *thread = sink->thread_begin(sink->user);
    relief_buf text_buf = {0};
    relief_error mine_err = {0};
    for (;;) {
#pragma omp single
      {
        wave_from = wave_to;
        if (wave_from < pl->n_segs && !status)
          wave_to = next_wave(pl, wave_from, &reader, &status, err);
        else
          wave_to = wave_from;
      }
      if (wave_from == wave_to) break;
#pragma omp for ordered schedule(dynamic, 1)
      for (size_t i = wave_from; i < wave_to; i++) {
        relief_status mine =
            status ? status : walk_segment(pl, i, sink, thread, &text_buf, &mine_err);
#pragma omp ordered
        {
          if (mine && !status) {
            status = mine;
            *err = mine_err;
          }
          relief_status st = sink->flush(sink->user, thread, status != RELIEF_OK, err);
          if (st && !status) status = st;
          written += pl->segs[i].end - pl->segs[i].begin;
          rows_written += pl->segs[i].n_rows;
          if (pl->progress) pl->progress(pl->progress_user, "write", written, total, rows_written);
        }
      }
    }
    buf_free(&text_buf);
    sink->thread_end(sink->user, thread);
  }
  stream_close(reader.z);
  free(reader.pending);
  return status;
}

relief_status pipeline_write(pipeline *pl, size_t plan, int file, const void *data, size_t len,
                             relief_error *err) {
  if (pl->dist) return dist_write(pl, plan, file, data, len, err);
  return pub_file_write(pl->plans[plan].files[file], data, len, err);
}

bool pipeline_trace(const pipeline *pl) { return pl->trace; }

const relief_redaction *pipeline_redaction(const pipeline *pl) { return pl->redaction; }

bool pipeline_person_counties(const pipeline *pl, const size_t **first, const uint32_t **counties) {
  *first = pl->person_county_first;
  *counties = pl->person_counties;
  return pl->merged;
}

size_t pipeline_motion_pairs(const pipeline *pl, const uint32_t **pairs) {
  *pairs = pl->motion_pairs;
  if (!pl->motion_to) return pl->n_motion_pairs; /* no window */
  size_t to = pl->motion_to < pl->n_motion_pairs ? pl->motion_to : pl->n_motion_pairs;
  size_t from = pl->motion_from < to ? pl->motion_from : to;
  *pairs += from;
  return to - from;
}

void pipeline_motion_window(pipeline *pl, size_t from, size_t to) {
  pl->motion_from = from;
  pl->motion_to = to;
}

uint32_t pipeline_person_partition(const pipeline *pl, size_t person) {
  const row_ref *first = &pl->order[pl->first[person]];
  return people_partition(pl->segs[first->seg].keys[first->j]);
}

const county_plan *pipeline_county_plan(const pipeline *pl, int county) {
  return &pl->plans[pl->merged ? county : 0];
}

void pipeline_person(const pipeline *pl, size_t person, person_history *ps, relief_person *p,
                     const row_ref **refs, size_t *n_rows) {
  *refs = pl->order + pl->first[person];
  *n_rows = pl->first[person + 1] - pl->first[person];
  person_build(&pl->table, *refs, *n_rows, ps, p);
}

const captured_row *pipeline_captured(const pipeline *pl, const row_ref *ref) {
  const segment_t *s = &pl->segs[ref->seg];
  if (s->rows && (s->rows[ref->j].flags & ROW_DUPLICATE)) return NULL;
  size_t lo = 0, hi = s->n_captured;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->captured[mid].j < ref->j)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->n_captured && s->captured[lo].j == ref->j ? &s->captured[lo] : NULL;
}
