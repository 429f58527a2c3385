/*
 * emit.c — the row files of the bundle. The inputs are streamed again
 * segment by segment:
 * threads format each segment's rows (95 fields quoted once, then the 18
 * result columns) into buffers per destination bundle, and the buffers are
 * written in input order, so the bundle's bytes do not depend on threads.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "output/output.h"
#include "output/result_row.h"
#include "pipeline/pipeline_int.h" /* until emit reads through accessors */

const char *const bundle_names[BUNDLE_FILES] = {"All_Results", "All_Results_Condensed",
                                                "Prop64_Results", "Hand_Review",
                                                "Prop64_Results_Extended"};

typedef struct {
  relief_buf file[BUNDLE_FILES];
} bundle_bufs;

typedef struct {
  bundle_bufs *per_plan; /* by plan */
  relief_buf line, result_tail, empty_tail;
  char *scratch;
  size_t scratch_cap;
  relief_error err;
} emit_state;

static void append_header(relief_buf *b, const int *pick, int n, bool trace, bool extended) {
  for (int i = 0; i < n; i++) {
    if (i) relief_buf_putc(b, ',');
    const char *s = relief_column_names[pick ? pick[i] : i];
    relief_csv_append(b, s, strlen(s));
  }
  for (int i = 0; i < 18; i++) {
    relief_buf_putc(b, ',');
    relief_csv_append(b, relief_result_columns[i], strlen(relief_result_columns[i]));
  }
  if (trace) relief_buf_append(b, ",Rule", 5);
  if (extended) {
    static const char cols[] = ",Remedy,Statutory Basis,Possible Plea Bargain,Filing Check";
    relief_buf_append(b, cols, sizeof cols - 1);
  }
  relief_buf_putc(b, '\n');
}

/* Formats one row: the 95 fields into st->line, the condensed 20 into
 * condensed_line, and both tails (with and without the result). */
static void format_row(const relief_field *f, const row_result *result, bool trace,
                       const relief_redaction *redaction, emit_state *st,
                       relief_buf *condensed_line) {
  const char *values[RELIEF_NCOLS];
  size_t lens[RELIEF_NCOLS], escaped_total = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++)
    if (f[i].flags & RELIEF_FIELD_ESCAPED) escaped_total += f[i].len;
  if (escaped_total > st->scratch_cap) {
    st->scratch_cap = escaped_total * 2;
    free(st->scratch);
    st->scratch = xmalloc(st->scratch_cap);
  }
  char *scratch = st->scratch;
  /* an unquoted field holds no comma, quote or LF; when the row has no CR
   * either, only its first character can make it need quotes */
  const char *row_end = f[RELIEF_NCOLS - 1].ptr + f[RELIEF_NCOLS - 1].len;
  bool no_cr = !memchr(f[0].ptr, '\r', (size_t)(row_end - f[0].ptr));
  uint8_t simple[RELIEF_NCOLS];
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    uint32_t n;
    values[i] = relief_field_value(&f[i], scratch, &n);
    lens[i] = n;
    if (f[i].flags & RELIEF_FIELD_ESCAPED) scratch += f[i].len;
    simple[i] = no_cr && !(f[i].flags & RELIEF_FIELD_QUOTED);
  }
  size_t where[RELIEF_NCOLS + 1];
  st->line.len = 0;
  const char *redacted[RELIEF_NCOLS];
  size_t redacted_lens[RELIEF_NCOLS];
  char cii_hex[2][33];
  if (redaction) relief_redact_row(redaction, values, lens, redacted, redacted_lens, cii_hex);
  relief_csv_append_fields(&st->line, redaction ? redacted : values,
                           redaction ? redacted_lens : lens, RELIEF_NCOLS, where, simple);
  condensed_line->len = 0;
  for (int k = 0; k < 20; k++) {
    int col = relief_condensed_columns[k];
    if (k) relief_buf_putc(condensed_line, ',');
    relief_buf_append(condensed_line, st->line.data + where[col], where[col + 1] - 1 - where[col]);
  }
  const char *comment = values[RELIEF_COL_COMMENT_TEXT];
  size_t comment_n = lens[RELIEF_COL_COMMENT_TEXT];
  bool other = relief_possible_other_p64(values[RELIEF_COL_OFFENSE_DESCR],
                                         lens[RELIEF_COL_OFFENSE_DESCR], comment, comment_n);
  relief_buf *e = &st->empty_tail;
  e->len = 0;
  relief_buf_append(e, ",,,", 3);
  if (other) relief_csv_append(e, comment, comment_n);
  relief_buf_append(e, ",,,,,,,,,,,,,,,", 15);
  if (trace) relief_buf_putc(e, ',');
  if (!result || (result->flags & RESULT_PLEA_ONLY)) return;
  relief_buf *t = &st->result_tail;
  t->len = 0;
  relief_buf_putc(t, ',');
  relief_buf_append(t, row_result_head(result), result->head_len);
  relief_buf_putc(t, ',');
  if (other) relief_csv_append(t, comment, comment_n);
  relief_buf_append(t, row_result_tail(result), result->tail_len);
}

/* Appends one row to a plan's files. result is the row's record when it
 * belongs to this plan, else NULL. */
static void emit_row(bundle_bufs *out, int n_files, const emit_state *st,
                     const relief_buf *condensed_line, const row_result *result) {
  bool has_result = result && !(result->flags & RESULT_PLEA_ONLY);
  const relief_buf *tail = has_result ? &st->result_tail : &st->empty_tail;
  relief_buf *all = &out->file[BUNDLE_ALL];
  size_t start = all->len;
  relief_buf_append(all, st->line.data, st->line.len);
  relief_buf_append(all, tail->data, tail->len);
  size_t end = all->len;
  relief_buf_putc(all, '\n');
  relief_buf *condensed = &out->file[BUNDLE_CONDENSED];
  relief_buf_append(condensed, condensed_line->data, condensed_line->len);
  relief_buf_append(condensed, tail->data, tail->len);
  relief_buf_putc(condensed, '\n');
  if (has_result) relief_buf_append(&out->file[BUNDLE_PROP64], all->data + start, end - start + 1);
  if (n_files <= BUNDLE_HAND_REVIEW || !result) return;
  /* the review files are relief's own: formula-leading cells are guarded */
  if (has_result && (result->flags & RESULT_REVIEW)) {
    relief_buf *review = &out->file[BUNDLE_HAND_REVIEW];
    size_t line = review->len;
    relief_buf_append(review, all->data + start, end - start);
    relief_csv_guard_line(review, line);
    relief_buf_putc(review, '\n');
  }
  relief_buf *ext = &out->file[BUNDLE_EXTENDED];
  size_t line = ext->len;
  relief_buf_append(ext, all->data + start, end - start);
  relief_buf_append(ext, row_result_extended(result), result->extended_len);
  relief_csv_guard_line(ext, line);
  relief_buf_putc(ext, '\n');
}

static char *dup_value(const relief_field *f) {
  char *out = xmalloc(f->len + 1);
  uint32_t n;
  const char *v = relief_field_value(f, out, &n);
  if (v != out) memcpy(out, v, n);
  out[n] = 0;
  return out;
}

/* Keeps what a court filing needs of row j (names, CII, offense text). */
static void capture_row(segment_t *s, size_t j, const relief_field *f) {
  if (s->n_captured % 64 == 0)
    s->captured = xrealloc(s->captured, (s->n_captured + 64) * sizeof *s->captured);
  captured_row *c = &s->captured[s->n_captured++];
  c->j = (uint32_t)j;
  c->name = dup_value(&f[RELIEF_COL_PRI_NAME]);
  c->dob = dup_value(&f[RELIEF_COL_PRI_DOB]);
  c->cii = dup_value(&f[RELIEF_COL_CII_NUMBER]);
  c->subject = dup_value(&f[RELIEF_COL_SUBJECT_ID]);
  bool count = s->capture[j] & CAPTURE_COUNT;
  c->court = count ? dup_value(&f[RELIEF_COL_STP_ORI_DESCR]) : NULL;
  c->offense = count ? dup_value(&f[RELIEF_COL_OFFENSE_DESCR]) : NULL;
  c->cnt = count ? dup_value(&f[RELIEF_COL_CNT_ORDER]) : NULL;
}

static relief_status emit_segment(pipeline *pl, segment_t *s, emit_state *st, relief_buf *text_buf,
                                  relief_buf *condensed_line) {
  const relief_input *in = &pl->inputs[s->input];
  const char *text;
  if (s->frame == SEGMENT_STREAMED) {
    text = s->stream_text;
  } else if (s->frame == SEGMENT_MAPPED) {
    text = in->data + s->begin;
  } else {
    relief_buf_reserve(text_buf, s->end - s->begin + 1);
    if (relief_input_frame_text(in, (size_t)s->frame, text_buf->data, &st->err))
      return st->err.status;
    text = text_buf->data;
  }
  size_t size = s->end - s->begin, pos = 0, start;
  if (s->frame != SEGMENT_MAPPED && s->begin == 0) pos = relief_header_length(text, size);
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  for (size_t j = 0; relief_parse_row(text, size, &pos, f, &start, &perr) == 1; j++) {
    uint32_t person;
    uint16_t county, flags;
    if (s->emit) { /* the row_rec was spilled */
      person = s->emit[j].person, county = s->emit[j].county, flags = s->emit[j].flags;
    } else {
      person = s->rows[j].person, county = s->rows[j].county, flags = s->rows[j].flags;
    }
    if (flags & ROW_DUPLICATE) continue;
    if (s->capture && s->capture[j]) capture_row(s, j, f);
    const row_result *result = s->result[j];
    format_row(f, result, pl->trace, pl->redaction, st, condensed_line);
    if (!pl->merged) {
      emit_row(&st->per_plan[0], pl->plans[0].n_files, st, condensed_line, result);
      continue;
    }
    for (size_t k = pl->person_county_first[person]; k < pl->person_county_first[person + 1]; k++) {
      uint32_t decided = pl->person_counties[k];
      emit_row(&st->per_plan[decided], pl->plans[decided].n_files, st, condensed_line,
               county == decided ? result : NULL);
    }
  }
  return RELIEF_OK;
}

/* Where a streamed input's second reading stands. */
typedef struct {
  int input;
  relief_zstd_stream *z;
  char *pending;
  size_t len, cap, offset; /* pending[0] is the text at offset */
} stream_reader;

/* The segments of the next wave starting at from; for a streamed input,
 * decompresses their text (it must cut at the same offsets as the first
 * reading). Returns the end of the wave. */
static size_t next_wave(pipeline *pl, size_t from, stream_reader *r, relief_status *status,
                        relief_error *err) {
  int input = pl->segs[from].input;
  size_t to = from;
  if (pl->segs[from].frame != SEGMENT_STREAMED) {
    while (to < pl->n_segs && pl->segs[to].input == input) to++;
    return to;
  }
  if (!r->z || r->input != input) {
    relief_stream_close(r->z);
    r->z = relief_stream_open(&pl->inputs[input]);
    r->input = input;
    r->len = r->offset = 0;
  }
  size_t wave = 2 * (size_t)pl->n_threads;
  const size_t piece = 4u << 20;
  while (to < pl->n_segs && pl->segs[to].input == input && to - from < wave) {
    segment_t *s = &pl->segs[to];
    int eof;
    while (r->offset < s->begin) { /* relief-mpi: this process writes a later share */
      size_t gap = s->begin - r->offset, want = gap < piece ? gap : piece;
      relief_status st = relief_stream_fill(r->z, &r->pending, &r->len, &r->cap, want, &eof, err);
      if (!st && r->len == 0)
        st = relief_error_set(err, RELIEF_E_IO, pl->inputs[input].path, 0, -1,
                              "the input changed while it was read");
      if (st) {
        *status = st;
        return to;
      }
      size_t drop = r->len < gap ? r->len : gap;
      memmove(r->pending, r->pending + drop, r->len - drop);
      r->len -= drop;
      r->offset += drop;
    }
    relief_status st =
        relief_stream_fill(r->z, &r->pending, &r->len, &r->cap, s->end - r->offset, &eof, err);
    if (!st && r->len < s->end - r->offset)
      st = relief_error_set(err, RELIEF_E_IO, pl->inputs[input].path, 0, -1,
                            "the input changed while it was read");
    if (st) {
      *status = st;
      return to;
    }
    size_t n = s->end - s->begin;
    s->stream_text = xmalloc(n ? n : 1);
    memcpy(s->stream_text, r->pending, n);
    memmove(r->pending, r->pending + n, r->len - n);
    r->len -= n;
    r->offset += n;
    to++;
  }
  return to;
}

/* Appends to plan k's file f (or where pl->emit_write sends it). */
static relief_status write_file(pipeline *pl, size_t k, int f, const void *data, size_t len,
                                relief_error *err) {
  if (pl->emit_write) return pl->emit_write(pl->emit_user, k, f, data, len, err);
  return pub_file_write(pl->plans[k].files[f], data, len, err);
}

relief_status output_emit(pipeline *pl, relief_error *err) {
  relief_buf heads[BUNDLE_FILES] = {0};
  append_header(&heads[BUNDLE_ALL], NULL, RELIEF_NCOLS, pl->trace, false);
  append_header(&heads[BUNDLE_CONDENSED], relief_condensed_columns, 20, pl->trace, false);
  append_header(&heads[BUNDLE_PROP64], NULL, RELIEF_NCOLS, pl->trace, false);
  append_header(&heads[BUNDLE_HAND_REVIEW], NULL, RELIEF_NCOLS, pl->trace, false);
  append_header(&heads[BUNDLE_EXTENDED], NULL, RELIEF_NCOLS, pl->trace, true);
  relief_status status = RELIEF_OK;
  for (size_t k = 0; k < pl->n_plans && !status; k++)
    for (int f = 0; f < pl->plans[k].n_files && !status; f++)
      status = write_file(pl, k, f, heads[f].data, heads[f].len, err);
  for (int f = 0; f < BUNDLE_FILES; f++) relief_buf_free(&heads[f]);
  uint64_t total = 0, written = 0, rows_written = 0;
  for (size_t i = 0; i < pl->n_segs; i++) total += pl->segs[i].end - pl->segs[i].begin;
  if (pl->progress) pl->progress(pl->progress_user, "write", 0, total, 0);
  /* Waves of segments: all of a mapped or framed input at once; a streamed
   * input a few pieces at a time, decompressed again front to back. */
  stream_reader reader = {0};
  size_t wave_from = 0, wave_to = 0;
#pragma omp parallel num_threads(pl->n_threads)
  {
    emit_state st = {0};
    st.per_plan = xcalloc(pl->n_plans, sizeof *st.per_plan);
    relief_buf text_buf = {0}, condensed_line = {0};
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
        segment_t *s = &pl->segs[i];
        relief_status mine = status ? status : emit_segment(pl, s, &st, &text_buf, &condensed_line);
        if (s->frame == SEGMENT_MAPPED)
          relief_input_release(&pl->inputs[s->input], s->begin, s->end - s->begin);
        if (s->frame == SEGMENT_STREAMED) {
          free(s->stream_text);
          s->stream_text = NULL;
        }
#pragma omp ordered
        {
          if (mine && !status) {
            status = mine;
            *err = st.err;
          }
          for (size_t k = 0; k < pl->n_plans; k++) {
            county_plan *plan = &pl->plans[k];
            bundle_bufs *b = &st.per_plan[k];
            for (int f = 0; f < plan->n_files && !status; f++)
              status = write_file(pl, k, f, b->file[f].data, b->file[f].len, err);
            for (int f = 0; f < BUNDLE_FILES; f++) {
              b->file[f].len = 0;
              /* statewide, a thread holds buffers for every county: keep only small ones */
              if (pl->n_plans > 1 && b->file[f].cap > (256u << 10)) relief_buf_free(&b->file[f]);
            }
          }
          written += s->end - s->begin;
          rows_written += s->n_rows;
          if (pl->progress) pl->progress(pl->progress_user, "write", written, total, rows_written);
        }
      }
    }
    for (size_t k = 0; k < pl->n_plans; k++)
      for (int f = 0; f < BUNDLE_FILES; f++) relief_buf_free(&st.per_plan[k].file[f]);
    free(st.per_plan);
    relief_buf_free(&st.line);
    relief_buf_free(&st.result_tail);
    relief_buf_free(&st.empty_tail);
    relief_buf_free(&text_buf);
    relief_buf_free(&condensed_line);
    free(st.scratch);
  }
  relief_stream_close(reader.z);
  free(reader.pending);
  return status;
}
