/*
 * parse.c — reading for `run` and `statewide`: inputs cut into segments
 * (chunks of a mapped text at row boundaries, or zstd frames decompressed on
 * demand), every row parsed in parallel into a compact record, distinct code
 * sections classified once, and rows grouped into people.
 */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/bits.h"
#include "pipeline/pipeline_int.h"

/* ---- segments ---- */

/* The text of segment s: mapped memory, or frame decompressed into buf. */
const char *pipeline_segment_text(const pipeline *pl, const segment_t *s, field_scratch *buf,
                                  relief_error *err) {
  const relief_input *in = &pl->inputs[s->input];
  if (s->frame == SEGMENT_STREAMED) return s->stream_text;
  if (s->frame == SEGMENT_MAPPED) return in->data + s->begin;
  field_scratch_reserve(buf, s->end - s->begin + 1);
  if (input_frame_text(in, (size_t)s->frame, buf->data, err) != RELIEF_OK) return NULL;
  return buf->data;
}

static void release_input(void *input, size_t offset, size_t len) {
  input_release(input, offset, len);
}

static segment_t *add_segment(segment_t **segs, size_t *n, size_t *cap) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 64;
    *segs = xrealloc(*segs, *cap * sizeof **segs);
  }
  segment_t *s = &(*segs)[(*n)++];
  memset(s, 0, sizeof *s);
  s->index = *n - 1;
  return s;
}

/* Cuts a materialised text into chunks at row boundaries (after its header). */
static void segment_mapped(pipeline *pl, int input, segment_t **segs, size_t *n, size_t *cap) {
  relief_input *in = &pl->inputs[input];
  /* a CR-only file keeps its "header" in the first segment, whose parse
   * then reports the line endings (else it would read as a header alone) */
  size_t header = cr_only_line_ends(in->data, in->size) ? 0 : header_length(in->data, in->size);
  size_t wanted = in->size / (4u << 20) + 1, threads = (size_t)pl->n_threads;
  if (wanted < threads * 4 && in->size > (threads << 20)) wanted = threads * 4;
  size_t *bounds = xmalloc((wanted + 2) * sizeof *bounds);
  size_t count = chunk_text(in->data, header, in->size, wanted, bounds,
                            in->map_size ? release_input : NULL, in, pl->n_threads);
  for (size_t c = 0; c < count; c++) {
    segment_t *s = add_segment(segs, n, cap);
    s->input = input;
    s->frame = -1;
    s->begin = bounds[c];
    s->end = bounds[c + 1];
  }
  free(bounds);
}

/* ---- parsing ---- */

/* A thread's buffers, reused from one segment to the next. */
typedef struct {
  field_scratch text, values[4], key, row, order;
} parse_scratch;

static void parse_scratch_free(parse_scratch *ps) {
  field_scratch_free(&ps->text);
  for (int k = 0; k < 4; k++) field_scratch_free(&ps->values[k]);
  field_scratch_free(&ps->key);
  field_scratch_free(&ps->row);
  field_scratch_free(&ps->order);
}

/* Whether a parsed segment is final: it will not be parsed again (only a
 * framed input whose frames do not end on rows is). */
static bool segment_final(const pipeline *pl, const segment_t *s) {
  if (s->failed) return false;
  return s->frame < 0 || s->ends_clean || s->end == pl->inputs[s->input].size;
}

/* Whether a parsed segment's rows may leave memory. */
static bool spillable(const pipeline *pl, const segment_t *s) {
  return pl->spill && segment_final(pl, s);
}

/* Hands a final segment's keys to the assigner and frees them; buf is the
 * thread's (NULL: none). */
static void assign_people(pipeline *pl, segment_t *s, field_scratch *buf) {
  if (!pl->assigner || !s->keys) return;
  uint32_t *scratch = NULL;
  if (buf) {
    field_scratch_reserve(buf, (s->n_rows + 1) * sizeof *scratch);
    scratch = (uint32_t *)(void *)buf->data;
  }
  people_assign(pl->assigner, s->keys, s->rows, s->n_rows, s->input, s->index, scratch);
  free(s->keys);
  s->keys = NULL;
}

relief_columns pipeline_decision_columns(void) {
  static const int cols[] = {
      RELIEF_COL_SUBJECT_ID,        RELIEF_COL_CII_NUMBER,     RELIEF_COL_PRI_NAME,
      RELIEF_COL_PRI_DOB,           RELIEF_COL_STP_EVENT_DATE, RELIEF_COL_STP_TYPE_DESCR,
      RELIEF_COL_STP_ORI_CNTY_NAME, RELIEF_COL_CNT_ORDER,      RELIEF_COL_OFN,
      RELIEF_COL_OFFENSE_DESCR,     RELIEF_COL_OFFENSE_TOC,    RELIEF_COL_DISP_DESCR,
      RELIEF_COL_CONV_STAT_DESCR,   RELIEF_COL_SENT_LENGTH,    RELIEF_COL_SENT_TIME_CODE,
      RELIEF_COL_COMMENT_TEXT};
  relief_columns c = {{0, 0}};
  for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
    c.bits[cols[i] / 64] |= 1ull << (cols[i] % 64);
  return c;
}

/* The county check's counts: convicted rows per county of the piece. */
static void count_county_rows(segment_t *s) {
  free(s->county_rows);
  s->county_rows = xcalloc(s->counties.n + 1, sizeof *s->county_rows);
  for (size_t j = 0; j < s->n_rows; j++)
    if (s->rows[j].flags & ROW_CONVICTED) s->county_rows[s->rows[j].county]++;
}

/* Room for more rows of piece s (size bytes of text): at first the rows
 * its bytes hold at the sampled bytes a row and a sixteenth more, so that
 * most pieces never grow (a growth copies the arrays), then twice that. */
static void grow_rows(const pipeline *pl, segment_t *s, size_t size) {
  size_t sure = 0; /* rows the piece is all but sure to hold */
  if (s->cap_rows) {
    s->cap_rows *= 2;
  } else {
    size_t guess = 4096;
    if (pl->text_estimate && pl->rows_estimate)
      guess = (size_t)((double)size * (double)pl->rows_estimate / (double)pl->text_estimate);
    s->cap_rows = guess + guess / 16 + 64;
    sure = guess - guess / 16;
  }
  s->rows = xreallocarray(s->rows, s->cap_rows, sizeof *s->rows);
  s->keys = xreallocarray(s->keys, s->cap_rows, sizeof *s->keys);
  if (pl->copies_possible) s->content = xreallocarray(s->content, s->cap_rows, sizeof *s->content);
  /* the pages of the rows it is sure to write, mapped at once rather than
   * faulted in one by one; not the slack, which must not become resident
   * unless it is used */
  alloc_populate(s->rows, sure * sizeof *s->rows);
  alloc_populate(s->keys, sure * sizeof *s->keys);
  if (s->content) alloc_populate(s->content, sure * sizeof *s->content);
}

/* intern_get, first trying the string *last gave (UINT32_MAX: none): a
 * piece's convictions mostly repeat the county, and a person's counts the
 * code section, of the row before. */
static uint32_t intern_again(relief_intern *t, uint32_t *last, const char *str, size_t len) {
  if (*last != UINT32_MAX) {
    size_t had;
    const char *was = intern_str(t, *last, &had);
    if (had == len && memcmp(was, str, len) == 0) return *last;
  }
  return *last = intern_get(t, str, len);
}

static void parse_segment(pipeline *pl, segment_t *s, parse_scratch *ps) {
  const relief_columns decision_columns = pipeline_decision_columns();
  relief_field f[RELIEF_NCOLS];
  field_scratch *scratch = ps->values, *text_buf = &ps->text;
  intern_init(&s->sections);
  intern_init(&s->counties);
  relief_error err;
  const char *text = pipeline_segment_text(pl, s, text_buf, &err);
  size_t size = s->end - s->begin, pos = 0, start, n;
  if (!text) { /* a frame that does not decompress */
    s->failed = true;
    s->perr.code = RELIEF_PARSE_OK;
    return;
  }
  if (s->begin == 0 && cr_only_line_ends(text, size)) {
    s->failed = true;
    s->perr = (relief_parse_error){.code = RELIEF_PARSE_CR_ONLY};
    return;
  }
  if (s->frame != SEGMENT_MAPPED && s->begin == 0) pos = header_length(text, size);
  /* a streamed piece's text is gone after the parse, and a relief-mpi rank
   * does not read the pieces other ranks parse: they count their lines now;
   * any other piece is read again if an error's line number needs them */
  if (s->frame == SEGMENT_STREAMED || pl->share_segments) {
    s->newlines = (size_t)line_of_offset(text, size) - 1;
    s->newlines_counted = true;
  }
  s->ends_clean = size == 0 || text[size - 1] == '\n';
  relief_parse_error perr;
  relief_row_extent ext;
  /* lean while rows whose quoting must be undone are rare: each such row is
   * parsed twice (lean, then in full for the content hash). A file that
   * quotes values needing no quotes does so on most rows, so once they
   * are more than 1 in 16 of the rows so far (32 at least), the rest of the
   * segment is parsed in full, once. A stray escaped comment on 1 row in
   * 1,000 keeps the segment lean. */
  bool lean = true;
  size_t redone = 0;
  row_memo memo = {0};
  uint32_t last_county = UINT32_MAX, last_section = UINT32_MAX;
  int r;
  while ((r = lean ? parse_row_lean(text, size, &pos, f, &start, &perr, &decision_columns, &ext)
                   : parse_row(text, size, &pos, f, &start, &perr)) == 1) {
    if (s->n_rows == s->cap_rows) grow_rows(pl, s, size);
    size_t row = s->n_rows++;
    row_rec *rec = &s->rows[row];
    row_strings strings;
    row_facts(f, scratch, &memo, rec, &strings);
    if (pl->merged) {
      s->keys[row] = person_key_merged(f, &ps->key);
      if (!pl->copies_possible) {
        /* one input: no row can be a copy, so no row is hashed whole */
      } else if (!lean) {
        s->content[row] = row_content_hash(f, &ps->row, &ps->key);
      } else if (ext.canonical) {
        s->content[row] = row_content_hash_canonical(text + start, ext.end - start);
      } else { /* quoting to undo: every value is read, so the row again in full */
        relief_field all[RELIEF_NCOLS];
        size_t again = start, again_start;
        relief_parse_error again_err;
        parse_row(text, size, &again, all, &again_start, &again_err);
        s->content[row] = row_content_hash(all, &ps->row, &ps->key);
        redone++;
        if (redone >= 32 && redone * 16 > s->n_rows) lean = false;
      }
    } else {
      const char *v = field_value(&f[RELIEF_COL_SUBJECT_ID], &ps->key, &n);
      s->keys[row] = person_key_subject(v, n);
      if (!n) rec->flags |= ROW_SUBJECT_EMPTY;
    }
    /* most case numbers are distinct: stored, not interned; only result
     * rows and motions show them, so a run that formats none keeps none */
    if (strings.ofn_len && !pl->no_results) {
      rec->ofn_id = (uint32_t)s->ofns.len + 1;
      buf_append(&s->ofns, strings.ofn, strings.ofn_len);
      buf_putc(&s->ofns, 0);
    }
    if (!(rec->flags & ROW_CONVICTED)) continue;
    rec->county =
        (uint16_t)intern_again(&s->counties, &last_county, strings.county, strings.county_len);
    rec->class_id = intern_again(&s->sections, &last_section, strings.section, strings.section_len);
  }
  count_county_rows(s);
  if (s->cap_rows > s->n_rows + s->n_rows / 16) { /* give back the growth slack */
    size_t keep = s->n_rows ? s->n_rows : 1;
    s->rows = xreallocarray(s->rows, keep, sizeof *s->rows);
    if (!pl->assigner || !segment_final(pl, s))
      s->keys = xreallocarray(s->keys, keep, sizeof *s->keys);
    if (s->content) s->content = xreallocarray(s->content, keep, sizeof *s->content);
    s->cap_rows = s->n_rows;
  }
  if (r < 0) {
    s->failed = true;
    s->perr = perr;
  }
  if (segment_final(pl, s)) assign_people(pl, s, &ps->order);
}

static void progress(const pipeline *pl, const char *phase, uint64_t done, uint64_t total,
                     uint64_t rows) {
  if (pl->progress) pl->progress(pl->progress_user, phase, done, total, rows);
}

/* The phase parsing is: a spilled run writes the rows out as it goes. */
static const char *parse_phase(const pipeline *pl) { return pl->spill ? "parse+spill" : "parse"; }

/* Parses segments [from, to) in parallel. */
static void parse_segments(pipeline *pl, size_t from, size_t to, uint64_t total_bytes) {
  uint64_t parsed = 0, rows_seen = 0;
#pragma omp parallel num_threads(pl->n_threads)
  {
    parse_scratch ps = {0};
#pragma omp for schedule(dynamic, 1)
    for (size_t i = from; i < to; i++) {
      segment_t *s = &pl->segs[i];
      if (s->parsed) continue;
      if (pl->owns_segment && !pl->owns_segment(pl, i)) { /* another process parses it */
        intern_init(&s->sections);
        intern_init(&s->counties);
        s->parsed = true;
        if (s->frame < 0) input_release(&pl->inputs[s->input], s->begin, s->end - s->begin);
        continue;
      }
      parse_segment(pl, s, &ps);
      s->parsed = true;
      if (s->frame < 0)
        input_release(&pl->inputs[s->input], s->begin, s->end - s->begin);
      else
        input_release_frame(&pl->inputs[s->input], (size_t)s->frame);
      if (spillable(pl, s)) spill_segment(pl, s);
      uint64_t done, rows;
#pragma omp atomic capture
      done = parsed += s->end - s->begin;
#pragma omp atomic capture
      rows = rows_seen += s->n_rows;
      if (omp_get_thread_num() == 0) progress(pl, parse_phase(pl), done, total_bytes, rows);
    }
    parse_scratch_free(&ps);
  }
}

static void free_segment(segment_t *s) {
  for (size_t k = 0; k < s->n_captured; k++) {
    free(s->captured[k].name);
    free(s->captured[k].dob);
    free(s->captured[k].cii);
    free(s->captured[k].offense);
    free(s->captured[k].cnt);
    free(s->captured[k].subject);
    free(s->captured[k].court);
  }
  free(s->captured);
  free(s->capture);
  free(s->keys);
  free(s->content);
  free(s->content_kept);
  free(s->content_rank);
  free(s->spill_counts);
  free(s->stream_text);
  free(s->rows);
  free(s->class_map);
  free(s->county_map);
  free(s->county_rows);
  free(s->result);
  free(s->emit);
  intern_free(&s->sections);
  buf_free(&s->ofns);
  intern_free(&s->counties);
  memset(s, 0, sizeof *s);
}

/* Reads a streamed zstd input front to back, cutting its text at record
 * boundaries every few MB; each piece is parsed by a task while the next is
 * decompressed, and its text freed once parsed (kept when it failed, for
 * the error's line number). */
static relief_status stream_parse(pipeline *pl, int input, size_t *cap, relief_error *err) {
  relief_input *in = &pl->inputs[input];
  relief_zstd_stream *z = stream_open(in);
  if (!z) return error_set(err, RELIEF_E_IO, in->path, 0, -1, "out of memory");
  const size_t piece = 4u << 20;
  char *pending = NULL;
  size_t len = 0, pending_cap = 0, offset = 0, want = piece, n_pieces = 0, cap_pieces = 64;
  segment_t **pieces = xmalloc(cap_pieces * sizeof *pieces);
  relief_status st = RELIEF_OK;
  int eof = 0, in_flight = 0;
#pragma omp parallel num_threads(pl->n_threads)
#pragma omp single
  {
    while (!st) {
      st = stream_fill(z, &pending, &len, &pending_cap, want, &eof, err);
      if (st || (eof && len == 0)) break;
      size_t cut = eof ? len : last_row_end(pending, len);
      if (!cut) { /* one record longer than a piece: read on */
        want = len * 2;
        continue;
      }
      segment_t *s = xcalloc(1, sizeof *s);
      s->input = input;
      s->index = pl->n_segs + n_pieces; /* where it is appended below */
      s->frame = SEGMENT_STREAMED;
      s->begin = offset;
      s->end = offset + cut;
      /* the piece keeps the buffer it was read into; only the partial row
       * after the cut is copied into a fresh one */
      s->stream_text = pending;
      pending = xmalloc(pending_cap ? pending_cap : 1);
      memcpy(pending, s->stream_text + cut, len - cut);
      len -= cut;
      offset += cut;
      want = piece;
      if (n_pieces == cap_pieces) pieces = xrealloc(pieces, (cap_pieces *= 2) * sizeof *pieces);
      pieces[n_pieces++] = s;
      if (pl->owns_segment && !pl->owns_segment(pl, pl->n_segs + n_pieces - 1)) {
        intern_init(&s->sections); /* another process parses it */
        intern_init(&s->counties);
        s->parsed = true;
        free(s->stream_text);
        s->stream_text = NULL;
        continue;
      }
#pragma omp task firstprivate(s)
      {
        parse_scratch ps = {0};
        parse_segment(pl, s, &ps);
        parse_scratch_free(&ps);
        s->parsed = true;
        if (!s->failed) {
          free(s->stream_text);
          s->stream_text = NULL;
        }
        if (spillable(pl, s)) spill_segment(pl, s);
      }
      if (++in_flight >= 2 * pl->n_threads) {
#pragma omp taskwait
        in_flight = 0;
      }
    }
#pragma omp taskwait
  }
  free(pending);
  stream_close(z);
  in->size = offset;
  for (size_t k = 0; k < n_pieces; k++) {
    segment_t *s = add_segment(&pl->segs, &pl->n_segs, cap);
    *s = *pieces[k];
    free(pieces[k]);
  }
  free(pieces);
  return st;
}

/* The error of the first failed segment of input, with its line number. */
static relief_status segment_error(pipeline *pl, size_t first_seg, size_t bad, relief_error *err) {
  segment_t *s = &pl->segs[bad];
  relief_input *in = &pl->inputs[s->input];
  const relief_parse_error *pe = &s->perr;
  long long line = 1;
  if (pl->segs[first_seg].frame == SEGMENT_MAPPED && pl->segs[first_seg].begin > 0)
    line += line_of_offset(in->data, pl->segs[first_seg].begin) - 1; /* header */
  field_scratch buf = {0};
  for (size_t i = first_seg; i < bad; i++) {
    segment_t *e = &pl->segs[i];
    if (!e->newlines_counted) {
      const char *t = pipeline_segment_text(pl, e, &buf, err);
      if (!t) {
        free(buf.data);
        return RELIEF_E_DATA; /* err names the frame's byte offset */
      }
      e->newlines = (size_t)line_of_offset(t, e->end - e->begin) - 1;
      e->newlines_counted = true;
    }
    line += (long long)e->newlines;
  }
  const char *text = pipeline_segment_text(pl, s, &buf, err);
  if (!text) {
    free(buf.data);
    return RELIEF_E_DATA; /* err names the frame's byte offset */
  }
  size_t at = pe->code == RELIEF_PARSE_FIELD_COUNT ? pe->row_offset : pe->offset;
  line += line_of_offset(text, at) - 1;
  free(buf.data);
  long long offset = (long long)(s->begin + at);
  if (pe->code == RELIEF_PARSE_FIELD_COUNT)
    return error_set(err, RELIEF_E_DATA, in->path, line, offset,
                     "wrong number of fields (expected %d, found %d)", RELIEF_NCOLS,
                     pe->field_count);
  return error_set(err, RELIEF_E_DATA, in->path, line, offset, "%s", parse_code_text(pe->code));
}

/* Piece s's rows take the run's code-section and county ids, and
 * (statewide, people numbered while parsed) only the rows of a person with
 * rows in several inputs, the only rows that can be copies, keep a content
 * hash (about a fifth of a statewide extract's rows): bits say which, ranks
 * where each word's first kept hash is; the rest are given back before
 * grouping holds the person order beside them. One pass over the rows. */
static void settle_rows(pipeline *pl, segment_t *s) {
  bool keep = pl->assigner && pl->merged && s->content && !s->content_kept;
  size_t words = (s->n_rows + 63) / 64, kept = 0;
  uint64_t *bits = keep ? xcalloc(words + 1, sizeof *bits) : NULL;
  uint32_t last = 0;
  bool several = false;
  for (size_t j = 0; j < s->n_rows; j++) {
    row_rec *r = &s->rows[j];
    if (r->flags & ROW_CONVICTED) {
      r->class_id = s->class_map[r->class_id];
      r->county = (uint16_t)s->county_map[r->county];
    }
    if (!keep) continue;
    if (!j || r->person != last) { /* a person's rows follow one another */
      last = r->person;
      several = people_several_inputs(pl->assigner, last);
    }
    if (several) bits[j >> 6] |= 1ull << (j & 63);
  }
  if (!keep) return;
  uint32_t *rank = xmalloc((words + 1) * sizeof *rank);
  for (size_t w = 0; w < words; w++) {
    rank[w] = (uint32_t)kept;
    kept += bits_count(bits[w]);
  }
  uint64_t *values = xmalloc((kept ? kept : 1) * sizeof *values);
  for (size_t j = 0, k = 0; j < s->n_rows; j++)
    if (bits[j >> 6] >> (j & 63) & 1) values[k++] = s->content[j];
  alloc_discard(s->content); /* its pages now, by this thread: the hashes sit between */
  free(s->content);          /* the rows in glibc's heaps, where free keeps them */
  s->content = values;
  s->content_kept = bits;
  s->content_rank = rank;
}

/* Merges each segment's distinct strings into the run tables; the only
 * place a pattern list is run. */
static void merge_tables(pipeline *pl) {
  for (size_t i = 0; i < pl->n_segs; i++) {
    segment_t *s = &pl->segs[i];
    s->class_map = xmalloc((s->sections.n + 1) * sizeof *s->class_map);
    for (size_t id = 0; id < s->sections.n; id++) {
      size_t len;
      const char *str = intern_str(&s->sections, (uint32_t)id, &len);
      uint32_t gid = intern_get(&pl->sections, str, len);
      if (gid == pl->n_classes) {
        if (pl->n_classes == pl->cap_classes) {
          pl->cap_classes = pl->cap_classes ? pl->cap_classes * 2 : 256;
          pl->classes = xrealloc(pl->classes, pl->cap_classes * sizeof *pl->classes);
        }
        pl->classes[pl->n_classes++] = rules_classify(pl->classifier, str, len);
      }
      s->class_map[id] = gid;
    }
    s->county_map = xmalloc((s->counties.n + 1) * sizeof *s->county_map);
    for (size_t id = 0; id < s->counties.n; id++) {
      size_t len;
      const char *str = intern_str(&s->counties, (uint32_t)id, &len);
      s->county_map[id] = intern_get(&pl->counties, str, len);
    }
  }
  free(pl->county_rows);
  pl->county_rows = xcalloc(pl->counties.n + 1, sizeof *pl->county_rows);
  for (size_t i = 0; i < pl->n_segs; i++) /* NULL: another process parsed it */
    for (size_t id = 0; pl->segs[i].county_rows && id < pl->segs[i].counties.n; id++)
      pl->county_rows[pl->segs[i].county_map[id]] += pl->segs[i].county_rows[id];
#pragma omp parallel for schedule(dynamic, 1) num_threads(pl->n_threads)
  for (size_t i = 0; i < pl->n_segs; i++)
    if (!pl->segs[i].spilled) settle_rows(pl, &pl->segs[i]); /* else mapped as read back */
}

/* A zstd input whose frames do not each end on a row boundary cannot be
 * parsed frame by frame: decompress input i whole and parse it again. */
static relief_status reparse_unclean(pipeline *pl, int i, uint64_t total, relief_error *err) {
  relief_input *in = &pl->inputs[i];
  if (!in->frames) return RELIEF_OK;
  bool clean = true;
  for (size_t k = 0; k < pl->n_segs; k++) {
    segment_t *s = &pl->segs[k];
    if (s->input == i && (s->failed || (!s->ends_clean && s->end != in->size))) clean = false;
  }
  if (clean) return RELIEF_OK;
  /* the pieces after this input's move, and this input's are thrown away */
  if (pl->assigner) people_assigner_moved(pl->assigner);
  relief_status st = input_materialize(in, err);
  if (st) return st;
  segment_t *old = pl->segs;
  size_t n_old = pl->n_segs, n_new = 0, cap_new = 0;
  segment_t *fresh = NULL;
  bool cut_again = false; /* the input's text is cut and parsed once, where its first
                             piece was (free_segment clears old[k], input included) */
  for (size_t k = 0; k < n_old; k++) {
    if (old[k].input != i) {
      segment_t *kept = add_segment(&fresh, &n_new, &cap_new);
      *kept = old[k];
      kept->index = n_new - 1;
      continue;
    }
    free_segment(&old[k]);
    if (!cut_again) {
      cut_again = true;
      size_t before = n_new;
      segment_mapped(pl, i, &fresh, &n_new, &cap_new);
      pl->segs = fresh;
      pl->n_segs = n_new;
      parse_segments(pl, before, n_new, total);
      if (pl->share_segments) pl->share_segments(pl, before, n_new);
    }
  }
  free(old);
  pl->segs = fresh;
  pl->n_segs = n_new;
  return RELIEF_OK;
}

relief_status pipeline_parse(pipeline *pl, const char *const *paths, int n, relief_error *err) {
  progress(pl, "open", 0, (uint64_t)n, 0); /* mapped and hashed, sizes and rows estimated */
  pl->inputs = xcalloc((size_t)n, sizeof *pl->inputs);
  pl->n_inputs = n;
  intern_init(&pl->sections);
  intern_init(&pl->counties);
  size_t cap = 0;
  uint64_t total = 0;
  /* inputs are opened (mapped, hashed whole, their frames found) in
   * parallel; the error is the first input's that failed, as if in turn */
  int first_bad = n;
  relief_status bad_status = RELIEF_OK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(pl->n_threads)
  for (int i = 0; i < n; i++) {
    relief_error e;
    relief_status st = input_open_lazy(&pl->inputs[i], paths[i], &e);
    pl->inputs[i].threads = pl->n_threads;
    if (!st && pl->inputs[i].size == 0 && !pl->inputs[i].streamed)
      st = error_set(&e, RELIEF_E_DATA, paths[i], 0, 0, "empty file: no header and no rows");
    if (st) {
#pragma omp critical(pipeline_open_error)
      if (i < first_bad) {
        first_bad = i;
        bad_status = st;
        *err = e;
      }
    }
  }
  if (first_bad < n) return bad_status;
  for (int i = 0; i < n; i++) total += pl->inputs[i].size;
  /* a copy is a row found again in another input: with one input (and one
   * process) there is none to find */
  pl->copies_possible = pl->merged && (n > 1 || pl->owns_segment || pl->share_segments);
  uint64_t text_estimate = 0; /* a streamed input's text: about 6 times its bytes */
  for (int i = 0; i < n; i++)
    text_estimate += pl->inputs[i].streamed ? pl->inputs[i].stored_size * 6 : pl->inputs[i].size;
  spill_estimate(pl);
  relief_status spill_st = spill_begin(pl, text_estimate, err);
  if (spill_st) return spill_st;
  /* one process holding every row: people are numbered as segments are
   * parsed, so no key per row is held (a spilled run writes its keys out,
   * relief-mpi sends them between ranks, explain looks people up by key) */
  if (!pl->spill && !pl->keep_keys && !pl->owns_segment && !pl->share_segments)
    pl->assigner = people_assigner_new();
  for (int i = 0; i < n; i++) {
    relief_input *in = &pl->inputs[i];
    size_t from = pl->n_segs;
    if (in->streamed) {
      relief_status st = stream_parse(pl, i, &cap, err);
      if (st) return st;
      if (in->size == 0)
        return error_set(err, RELIEF_E_DATA, paths[i], 0, 0, "empty file: no header and no rows");
      total += in->size;
    } else if (in->frames) {
      for (size_t k = 0; k < in->n_frames; k++) {
        segment_t *s = add_segment(&pl->segs, &pl->n_segs, &cap);
        s->input = i;
        s->frame = (long)k;
        s->begin = in->frames[k].text_offset;
        s->end = s->begin + in->frames[k].text_size;
      }
    } else {
      segment_mapped(pl, i, &pl->segs, &pl->n_segs, &cap);
    }
    (void)from;
  }
  progress(pl, parse_phase(pl), 0, total, 0);
  parse_segments(pl, 0, pl->n_segs, total);
  if (pl->share_segments) pl->share_segments(pl, 0, pl->n_segs);
  for (int i = 0; i < n; i++) {
    relief_status st = reparse_unclean(pl, i, total, err);
    if (st) return st;
  }
  for (size_t k = 0; k < pl->n_segs; k++) {
    if (!pl->segs[k].failed) continue;
    size_t first = k;
    while (first > 0 && pl->segs[first - 1].input == pl->segs[k].input) first--;
    return segment_error(pl, first, k, err);
  }
  if (pl->spill) {
    relief_status st = spill_end_parse(pl, err);
    if (st) return st;
  }
  if (pl->assigner) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(pl->n_threads)
    for (size_t k = 0; k < pl->n_segs; k++) assign_people(pl, &pl->segs[k], NULL); /* any left */
    if (people_assigner_full(pl->assigner))
      return error_set(err, RELIEF_E_DATA, NULL, 0, -1,
                       "too many people for one run: more than 16,777,216 in one of "
                       "256 key partitions; split the inputs");
  }
  for (size_t k = 0; k < pl->n_segs; k++) pl->n_rows += pl->segs[k].n_rows;
  merge_tables(pl);
  pl->section_text = xmalloc((pl->n_classes + 1) * sizeof *pl->section_text);
  pl->section_len = xmalloc((pl->n_classes + 1) * sizeof *pl->section_len);
  for (size_t k = 0; k < pl->n_classes; k++)
    pl->section_text[k] = intern_str(&pl->sections, (uint32_t)k, &pl->section_len[k]);
  return RELIEF_OK;
}

/* ---- grouping ---- */

void pipeline_group(pipeline *pl) {
  if (!pl->spill) progress(pl, "group", 0, 1, pl->n_rows); /* spilled: in read+group+evaluate */
  size_t n_segs = pl->n_segs;
  pl->seg_rows = xcalloc(n_segs + 1, sizeof *pl->seg_rows);
  pl->seg_n_rows = xcalloc(n_segs + 1, sizeof *pl->seg_n_rows);
  pl->seg_keys = xcalloc(n_segs + 1, sizeof *pl->seg_keys);
  pl->seg_content = xcalloc(n_segs + 1, sizeof *pl->seg_content);
  pl->seg_content_kept = xcalloc(n_segs + 1, sizeof *pl->seg_content_kept);
  pl->seg_content_rank = xcalloc(n_segs + 1, sizeof *pl->seg_content_rank);
  pl->seg_input = xcalloc(n_segs + 1, sizeof *pl->seg_input);
  pl->seg_ofns = xcalloc(n_segs + 1, sizeof *pl->seg_ofns);
  for (size_t i = 0; i < n_segs; i++) {
    segment_t *s = &pl->segs[i];
    pl->seg_rows[i] = s->rows;
    pl->seg_n_rows[i] = s->n_rows;
    pl->seg_keys[i] = s->keys;
    pl->seg_content[i] = s->content;
    pl->seg_content_kept[i] = s->content_kept;
    pl->seg_content_rank[i] = s->content_rank;
    pl->seg_input[i] = s->input;
    pl->seg_ofns[i] = s->ofns.data;
  }
  pl->table = (row_table){.n_segs = n_segs,
                          .rows = pl->seg_rows,
                          .n_rows = pl->seg_n_rows,
                          .keys = pl->seg_keys,
                          .content = pl->seg_content,
                          .content_kept = pl->seg_content_kept,
                          .content_rank = pl->seg_content_rank,
                          .input_of_seg = pl->seg_input,
                          .ofns = (const char *const *)pl->seg_ofns};
#pragma omp parallel for schedule(dynamic, 1) num_threads(pl->n_threads)
  for (size_t i = 0; i < n_segs; i++) {
    segment_t *s = &pl->segs[i];
    if (!pl->no_results) s->result = xcalloc(s->n_rows ? s->n_rows : 1, sizeof *s->result);
    if (pl->spill && !pl->no_results) s->emit = xcalloc(s->n_rows ? s->n_rows : 1, sizeof *s->emit);
    if (pl->forms) s->capture = xcalloc(s->n_rows ? s->n_rows : 1, 1);
  }
  if (pl->spill) return; /* grouped batch by batch in spill_evaluate */
  if (pl->assigner) {
    people_group_assigned(&pl->table, pl->assigner, pl->n_threads, &pl->groups);
    people_assigner_free(pl->assigner);
    pl->assigner = NULL;
  } else {
    people_group(&pl->table, pl->n_threads, &pl->groups);
  }
  pl->n_people = pl->groups.n_people;
  pl->first = pl->groups.first;
  pl->order = pl->groups.order;
  for (size_t i = 0; i < n_segs && !pl->keep_keys; i++) {
    free(pl->segs[i].keys);
    pl->segs[i].keys = pl->seg_keys[i] = NULL;
  }
  if (!pl->merged) return;
  if (pl->copies_possible) {
    pl->duplicate_rows = people_drop_copies(&pl->table, &pl->groups, pl->n_threads);
  }
  /* each piece's copies, counted here in parallel while its rows are at
   * hand, so that pipeline_input_rows does not read every row again */
#pragma omp parallel for schedule(dynamic, 1) num_threads(pl->n_threads)
  for (size_t i = 0; i < n_segs; i++) {
    segment_t *s = &pl->segs[i];
    free(s->content);
    free(s->content_kept);
    free(s->content_rank);
    s->content = pl->seg_content[i] = NULL;
    s->content_kept = pl->seg_content_kept[i] = NULL;
    s->content_rank = pl->seg_content_rank[i] = NULL;
    int64_t copies = 0;
    for (size_t j = 0; j < s->n_rows; j++) copies += (s->rows[j].flags & ROW_DUPLICATE) != 0;
    s->duplicates = copies;
    s->duplicates_counted = true;
  }
}

void pipeline_input_rows(const pipeline *pl, int input, int64_t *read, int64_t *duplicates) {
  if (pl->dist && dist_input_rows(pl, input, read, duplicates)) return; /* every rank's */
  *read = *duplicates = 0;
  for (size_t i = 0; i < pl->n_segs; i++) {
    const segment_t *s = &pl->segs[i];
    if (s->input != input) continue;
    *read += (int64_t)s->n_rows;
    if (!pl->merged) continue;
    if (s->duplicates_counted) {
      *duplicates += s->duplicates;
      continue;
    }
    /* a spilled segment keeps only what emit needs of each row */
    if (s->rows)
      for (size_t j = 0; j < s->n_rows; j++) *duplicates += (s->rows[j].flags & ROW_DUPLICATE) != 0;
    else if (s->emit)
      for (size_t j = 0; j < s->n_rows; j++) *duplicates += (s->emit[j].flags & ROW_DUPLICATE) != 0;
  }
}

relief_status pipeline_check_inputs(const pipeline *pl, relief_error *err) {
  for (int i = 0; i < pl->n_inputs; i++) {
    relief_status st = input_check_unchanged(&pl->inputs[i], err);
    if (st) return st;
  }
  return RELIEF_OK;
}

/* Blocks a thread gives back while the job goes on. */
typedef struct {
  void **blocks;
  size_t n;
} released_blocks;

static void *give_back(void *arg) {
  released_blocks *r = arg;
  for (size_t k = 0; k < r->n; k++) {
    alloc_discard(r->blocks[k]);
    free(r->blocks[k]);
  }
  free(r->blocks);
  free(r);
  return NULL;
}

/* Takes block b off its owner (*b = NULL) into r. */
static void take_block(released_blocks *r, void *b_ptr) {
  void **b = b_ptr;
  if (*b) r->blocks[r->n++] = *b;
  *b = NULL;
}

void pipeline_release_rows(pipeline *pl) {
  if (pl->releasing || pl->spill || pl->dist) return;
  /* pipeline_input_rows reads a piece's copies off its rows until grouping
   * counted them: a run that stopped before keeps its rows */
  size_t n_segs = pl->n_segs;
  for (size_t i = 0; i < n_segs && pl->merged; i++)
    if (!pl->segs[i].duplicates_counted) return;
  released_blocks *r = xmalloc(sizeof *r);
  r->n = 0;
  r->blocks = xmalloc((6 * n_segs + 2) * sizeof *r->blocks);
  for (size_t i = 0; i < n_segs; i++) {
    segment_t *s = &pl->segs[i];
    take_block(r, &s->rows);
    take_block(r, &s->keys);
    take_block(r, &s->content);
    take_block(r, &s->content_kept);
    take_block(r, &s->content_rank);
    take_block(r, (void *)&s->result);
    if (pl->seg_rows) pl->seg_rows[i] = NULL;
    if (pl->seg_keys) pl->seg_keys[i] = NULL;
    if (pl->seg_content) pl->seg_content[i] = NULL;
    if (pl->seg_content_kept) pl->seg_content_kept[i] = NULL;
    if (pl->seg_content_rank) pl->seg_content_rank[i] = NULL;
  }
  take_block(r, &pl->groups.order);
  take_block(r, &pl->groups.first);
  pl->order = NULL;
  pl->first = NULL;
  /* on a thread of its own: a job publishing meanwhile waits on the disk
   * more than it computes; pipeline_destroy waits for it */
  pl->releasing = pthread_create(&pl->releaser, NULL, give_back, r) == 0;
  if (!pl->releasing) give_back(r);
}

void pipeline_free(pipeline *pl) {
  if (pl->releasing) pthread_join(pl->releaser, NULL);
  pl->releasing = false;
  spill_free(pl);
  people_assigner_free(pl->assigner);
  /* most of a run's memory: its pages freed by every thread at once (the
   * exit would free them on one) */
#pragma omp parallel for schedule(dynamic, 16) num_threads(pl->n_threads > 0 ? pl->n_threads : 1)
  for (size_t i = 0; i < pl->n_segs; i++) {
    segment_t *s = &pl->segs[i];
    alloc_discard(s->rows);
    alloc_discard(s->keys);
    alloc_discard(s->content);
    free_segment(s);
  }
  free(pl->segs);
  for (int i = 0; i < pl->n_inputs; i++) input_close(&pl->inputs[i]);
  free(pl->inputs);
  intern_free(&pl->sections);
  intern_free(&pl->counties);
  free(pl->county_rows);
  free(pl->classes);
  free(pl->section_text);
  free(pl->section_len);
  people_groups_free(&pl->groups);
  free(pl->seg_rows);
  free(pl->seg_n_rows);
  free(pl->seg_keys);
  free(pl->seg_content);
  free(pl->seg_content_kept);
  free(pl->seg_content_rank);
  free(pl->seg_input);
  free(pl->seg_ofns);
  free(pl->person_counties);
  free(pl->motion_pairs);
  free(pl->person_county_first);
}
