/*
 * pipeline.c — reading for `run` and `statewide`: inputs cut into segments
 * (chunks of a mapped text at row boundaries, or zstd frames decompressed on
 * demand), every row parsed in parallel into a compact record, distinct code
 * sections classified once, and rows grouped into people.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/pipeline.h"

/* ---- segments ---- */

typedef struct {
  char *data;
  size_t cap;
} scratch_t;

static void scratch_reserve(scratch_t *s, size_t n) {
  if (s->cap >= n) return;
  s->cap = n * 2 + 64;
  free(s->data);
  s->data = malloc(s->cap);
  if (!s->data) abort();
}

/* The text of segment s: mapped memory, or frame decompressed into buf. */
static const char *segment_text(const pipeline *pl, const segment_t *s, scratch_t *buf,
                                relief_error *err) {
  const relief_input *in = &pl->inputs[s->input];
  if (s->frame == SEGMENT_STREAMED) return s->stream_text;
  if (s->frame == SEGMENT_MAPPED) return in->data + s->begin;
  scratch_reserve(buf, s->end - s->begin + 1);
  if (relief_input_frame_text(in, (size_t)s->frame, buf->data, err) != RELIEF_OK) return NULL;
  return buf->data;
}

static void release_input(void *input, size_t offset, size_t len) {
  relief_input_release(input, offset, len);
}

static segment_t *add_segment(segment_t **segs, size_t *n, size_t *cap) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 64;
    *segs = realloc(*segs, *cap * sizeof **segs);
  }
  segment_t *s = &(*segs)[(*n)++];
  memset(s, 0, sizeof *s);
  return s;
}

/* Cuts a materialised text into chunks at row boundaries (after its header). */
static void segment_mapped(pipeline *pl, int input, segment_t **segs, size_t *n, size_t *cap) {
  relief_input *in = &pl->inputs[input];
  size_t header = relief_header_length(in->data, in->size);
  size_t wanted = in->size / (4u << 20) + 1, threads = (size_t)pl->n_threads;
  if (wanted < threads * 4 && in->size > (threads << 20)) wanted = threads * 4;
  size_t *bounds = malloc((wanted + 2) * sizeof *bounds);
  size_t count = relief_chunk_text(in->data, header, in->size, wanted, bounds,
                                   in->map_size ? release_input : NULL, in);
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
static void parse_segment(pipeline *pl, segment_t *s, scratch_t *text_buf);

static const char *value_of(const relief_field *f, scratch_t *s, size_t *len) {
  if (f->flags & RELIEF_FIELD_ESCAPED) scratch_reserve(s, f->len);
  uint32_t n;
  const char *v = relief_field_value(f, s->data, &n);
  *len = n;
  return v;
}

static int equals(const char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  return n == m && memcmp(s, lit, m) == 0;
}

/* Go strconv.Atoi as the reference used it: sign, digits, saturating on
 * overflow; anything else is 0. */
static int64_t atoi_like_go(const char *s, size_t n) {
  size_t i = 0;
  int neg = 0;
  if (n && (s[0] == '+' || s[0] == '-')) neg = s[i++] == '-';
  if (i == n) return 0;
  uint64_t v = 0;
  int overflow = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    if (v > (UINT64_MAX - 9) / 10)
      overflow = 1;
    else
      v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (neg) return overflow || v > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - v);
  return overflow || v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int64_t sentence_part_ns(const char *len_s, size_t len_n, const char *code, size_t code_n) {
  const int64_t hour = 3600LL * 1000000000LL;
  int64_t unit = 0;
  if (equals(code, code_n, "D"))
    unit = 24 * hour;
  else if (equals(code, code_n, "M"))
    unit = 732 * hour;
  else if (equals(code, code_n, "Y"))
    unit = 8784 * hour;
  if (!unit) return 0;
  /* Go's Duration multiplication wraps around */
  return (int64_t)((uint64_t)atoi_like_go(len_s, len_n) * (uint64_t)unit);
}

static size_t trimmed(const char **s, size_t n) {
  while (n && ((*s)[0] == ' ' || (*s)[0] == '\t')) (*s)++, n--;
  while (n && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t')) n--;
  return n;
}

/* Statewide person key: CII number, else SUBJECT_ID, else the name's letters
 * and the birth date; seeded apart so the kinds never collide. */
static XXH128_hash_t merged_key(const relief_field *f, scratch_t *scratch) {
  size_t n;
  const char *v = value_of(&f[RELIEF_COL_CII_NUMBER], scratch, &n);
  if ((n = trimmed(&v, n))) return XXH3_128bits_withSeed(v, n, 1);
  v = value_of(&f[RELIEF_COL_SUBJECT_ID], scratch, &n);
  if ((n = trimmed(&v, n))) return XXH3_128bits_withSeed(v, n, 2);
  char key[512];
  size_t k = 0;
  v = value_of(&f[RELIEF_COL_PRI_NAME], scratch, &n);
  for (size_t i = 0; i < n && k < 400; i++) {
    char c = v[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || c == ',') key[k++] = c;
  }
  key[k++] = '|';
  v = value_of(&f[RELIEF_COL_PRI_DOB], scratch, &n);
  n = trimmed(&v, n);
  if (n > 64) n = 64;
  memcpy(key + k, v, n);
  return XXH3_128bits_withSeed(key, k + n, 3);
}

/* XXH3 of the 95 values, each length-prefixed: equal rows hash equal
 * whatever their quoting or line ends. */
static uint64_t content_hash(const relief_field *f, scratch_t *buf, scratch_t *scratch) {
  size_t total = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) total += f[i].len + 4;
  scratch_reserve(buf, total);
  size_t o = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    size_t n;
    const char *v = value_of(&f[i], scratch, &n);
    uint32_t len = (uint32_t)n;
    memcpy(buf->data + o, &len, 4);
    memcpy(buf->data + o + 4, v, n);
    o += n + 4;
  }
  return XXH3_64bits(buf->data, o);
}

static void parse_segment(pipeline *pl, segment_t *s, scratch_t *text_buf) {
  relief_field f[RELIEF_NCOLS];
  scratch_t scratch = {0}, scratch2 = {0}, row_buf = {0};
  relief_intern_init(&s->sections);
  relief_intern_init(&s->counties);
  relief_error err;
  const char *text = segment_text(pl, s, text_buf, &err);
  size_t size = s->end - s->begin, pos = 0, start, n;
  if (!text) { /* a frame that does not decompress */
    s->failed = true;
    s->perr.code = RELIEF_PARSE_OK;
    return;
  }
  if (s->frame != SEGMENT_MAPPED && s->begin == 0) pos = relief_header_length(text, size);
  for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + size - p))); p++) s->newlines++;
  s->ends_clean = size == 0 || text[size - 1] == '\n';
  relief_parse_error perr;
  int r;
  while ((r = relief_parse_row(text, size, &pos, f, &start, &perr)) == 1) {
    if (s->n_rows == s->cap_rows) {
      s->cap_rows = s->cap_rows ? s->cap_rows * 2 : 4096;
      s->rows = realloc(s->rows, s->cap_rows * sizeof *s->rows);
      s->keys = realloc(s->keys, s->cap_rows * sizeof *s->keys);
      if (pl->merged) s->content = realloc(s->content, s->cap_rows * sizeof *s->content);
    }
    size_t row = s->n_rows++;
    row_rec *rec = &s->rows[row];
    memset(rec, 0, sizeof *rec);
    const char *v = value_of(&f[RELIEF_COL_SUBJECT_ID], &scratch, &n);
    if (pl->merged) {
      s->keys[row] = merged_key(f, &scratch);
      s->content[row] = content_hash(f, &row_buf, &scratch);
    } else {
      s->keys[row] = relief_person_key(v, n);
      if (!n) rec->flags |= ROW_SUBJECT_EMPTY;
    }
    v = value_of(&f[RELIEF_COL_PRI_DOB], &scratch, &n);
    rec->dob_day = relief_parse_yyyymmdd(v, n);
    v = value_of(&f[RELIEF_COL_STP_EVENT_DATE], &scratch, &n);
    rec->disp_day = relief_parse_yyyymmdd(v, n);
    v = value_of(&f[RELIEF_COL_CNT_ORDER], &scratch, &n);
    rec->cnt_key = XXH3_64bits(v, n);
    rec->step_key = XXH3_64bits(v, n < 6 ? n : 6);
    rec->cycle_key = (uint32_t)XXH3_64bits(v, n < 3 ? n : 3);
    v = value_of(&f[RELIEF_COL_DISP_DESCR], &scratch, &n);
    if (n >= 9 && memcmp(v, "CONVICTED", 9) == 0) rec->flags |= ROW_CONVICTED;
    v = value_of(&f[RELIEF_COL_STP_TYPE_DESCR], &scratch, &n);
    int court = equals(v, n, "COURT ACTION"), registration = equals(v, n, "REGISTRATION");
    int arrest = n >= 6 && memcmp(v, "ARREST", 6) == 0;
    if (equals(v, n, "DECEASED")) rec->flags |= ROW_DECEASED;
    if (court) {
      rec->flags |= ROW_COURT_ACTION;
      v = value_of(&f[RELIEF_COL_OFN], &scratch, &n);
      if (n) { /* most case numbers are distinct: stored, not interned */
        rec->ofn_id = (uint32_t)s->ofns.len + 1;
        relief_buf_append(&s->ofns, v, n);
        relief_buf_putc(&s->ofns, 0);
      }
    }
    if (arrest) {
      size_t off_n, com_n, cs_n;
      bool from_comment;
      const char *off = value_of(&f[RELIEF_COL_OFFENSE_DESCR], &scratch, &off_n);
      const char *com = value_of(&f[RELIEF_COL_COMMENT_TEXT], &scratch2, &com_n);
      const char *cs = relief_code_section(off, off_n, com, com_n, &cs_n, &from_comment);
      if (relief_find_prop64_section(cs, cs_n)) rec->flags |= ROW_ARREST_PROP64;
    }
    if (registration) {
      v = value_of(&f[RELIEF_COL_OFFENSE_DESCR], &scratch, &n);
      if (n >= 3 && memcmp(v, "290", 3) == 0) rec->flags |= ROW_REGISTRATION;
    }
    if (!(rec->flags & ROW_CONVICTED)) continue;
    v = value_of(&f[RELIEF_COL_STP_ORI_CNTY_NAME], &scratch, &n);
    rec->county = (uint16_t)relief_intern_get(&s->counties, v, n);
    size_t stat_n, toc_n;
    const char *stat = value_of(&f[RELIEF_COL_CONV_STAT_DESCR], &scratch, &stat_n);
    int felony = equals(stat, stat_n, "FELONY");
    if (!stat_n) {
      const char *toc = value_of(&f[RELIEF_COL_OFFENSE_TOC], &scratch, &toc_n);
      felony = equals(toc, toc_n, "F");
    }
    if (felony) rec->flags |= ROW_FELONY;
    size_t len_n, code_n;
    const char *len_s = value_of(&f[RELIEF_COL_SENT_LENGTH], &scratch, &len_n);
    char len_copy[32];
    if (len_n > sizeof len_copy) len_n = sizeof len_copy; /* longer is never a valid int */
    memcpy(len_copy, len_s, len_n);
    const char *code = value_of(&f[RELIEF_COL_SENT_TIME_CODE], &scratch, &code_n);
    rec->sentence_ns = sentence_part_ns(len_copy, len_n, code, code_n);
    size_t off_n, com_n, cs_n;
    bool from_comment;
    const char *off = value_of(&f[RELIEF_COL_OFFENSE_DESCR], &scratch, &off_n);
    const char *com = value_of(&f[RELIEF_COL_COMMENT_TEXT], &scratch2, &com_n);
    const char *cs = relief_code_section(off, off_n, com, com_n, &cs_n, &from_comment);
    rec->class_id = relief_intern_get(&s->sections, cs, cs_n);
  }
  free(scratch.data);
  free(scratch2.data);
  free(row_buf.data);
  if (s->cap_rows > s->n_rows + s->n_rows / 16) { /* give back the growth slack */
    size_t keep = s->n_rows ? s->n_rows : 1;
    row_rec *fit = realloc(s->rows, keep * sizeof *s->rows);
    XXH128_hash_t *keys = realloc(s->keys, keep * sizeof *s->keys);
    if (fit) s->rows = fit;
    if (keys) s->keys = keys;
    if (s->content) {
      uint64_t *content = realloc(s->content, keep * sizeof *s->content);
      if (content) s->content = content;
    }
    if (fit && keys) s->cap_rows = s->n_rows;
  }
  if (r < 0) {
    s->failed = true;
    s->perr = perr;
  }
}

static void progress(const pipeline *pl, const char *phase, uint64_t done, uint64_t total,
                     uint64_t rows) {
  if (pl->progress) pl->progress(pl->progress_user, phase, done, total, rows);
}

/* Parses segments [from, to) in parallel. */
static void parse_segments(pipeline *pl, size_t from, size_t to, uint64_t total_bytes) {
  uint64_t parsed = 0, rows_seen = 0;
#pragma omp parallel
  {
    scratch_t text_buf = {0};
#pragma omp for schedule(dynamic, 1)
    for (size_t i = from; i < to; i++) {
      segment_t *s = &pl->segs[i];
      if (s->parsed) continue;
      parse_segment(pl, s, &text_buf);
      s->parsed = true;
      if (s->frame < 0) relief_input_release(&pl->inputs[s->input], s->begin, s->end - s->begin);
      uint64_t done, rows;
#pragma omp atomic capture
      done = parsed += s->end - s->begin;
#pragma omp atomic capture
      rows = rows_seen += s->n_rows;
      if (omp_get_thread_num() == 0) progress(pl, "parse", done, total_bytes, rows);
    }
    free(text_buf.data);
  }
}

static void free_segment(segment_t *s) {
  for (size_t k = 0; k < s->n_captured; k++) {
    free(s->captured[k].name);
    free(s->captured[k].dob);
    free(s->captured[k].cii);
    free(s->captured[k].offense);
    free(s->captured[k].cnt);
  }
  free(s->captured);
  free(s->capture);
  free(s->keys);
  free(s->content);
  free(s->stream_text);
  free(s->rows);
  free(s->class_map);
  free(s->county_map);
  free(s->result);
  relief_intern_free(&s->sections);
  relief_buf_free(&s->ofns);
  relief_intern_free(&s->counties);
  memset(s, 0, sizeof *s);
}

/* Reads a streamed zstd input front to back, cutting its text at record
 * boundaries every few MB; each piece is parsed by a task while the next is
 * decompressed, and its text freed once parsed (kept when it failed, for
 * the error's line number). */
static relief_status stream_parse(pipeline *pl, int input, size_t *cap, relief_error *err) {
  relief_input *in = &pl->inputs[input];
  relief_zstd_stream *z = relief_stream_open(in);
  if (!z) return relief_error_set(err, RELIEF_E_IO, in->path, 0, -1, "out of memory");
  const size_t piece = 4u << 20;
  char *pending = NULL;
  size_t len = 0, pending_cap = 0, offset = 0, want = piece, n_pieces = 0, cap_pieces = 64;
  segment_t **pieces = malloc(cap_pieces * sizeof *pieces);
  relief_status st = RELIEF_OK;
  int eof = 0, in_flight = 0;
#pragma omp parallel num_threads(pl->n_threads)
#pragma omp single
  {
    while (!st) {
      st = relief_stream_fill(z, &pending, &len, &pending_cap, want, &eof, err);
      if (st || (eof && len == 0)) break;
      size_t cut = eof ? len : relief_last_row_end(pending, len);
      if (!cut) { /* one record longer than a piece: read on */
        want = len * 2;
        continue;
      }
      segment_t *s = calloc(1, sizeof *s);
      s->input = input;
      s->frame = SEGMENT_STREAMED;
      s->begin = offset;
      s->end = offset + cut;
      s->stream_text = malloc(cut ? cut : 1);
      memcpy(s->stream_text, pending, cut);
      memmove(pending, pending + cut, len - cut);
      len -= cut;
      offset += cut;
      want = piece;
      if (n_pieces == cap_pieces) pieces = realloc(pieces, (cap_pieces *= 2) * sizeof *pieces);
      pieces[n_pieces++] = s;
#pragma omp task firstprivate(s)
      {
        scratch_t unused = {0};
        parse_segment(pl, s, &unused);
        s->parsed = true;
        if (!s->failed) {
          free(s->stream_text);
          s->stream_text = NULL;
        }
      }
      if (++in_flight >= 2 * pl->n_threads) {
#pragma omp taskwait
        in_flight = 0;
      }
    }
#pragma omp taskwait
  }
  free(pending);
  relief_stream_close(z);
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
    line += relief_line_of_offset(in->data, pl->segs[first_seg].begin) - 1; /* header */
  for (size_t i = first_seg; i < bad; i++) line += (long long)pl->segs[i].newlines;
  scratch_t buf = {0};
  const char *text = segment_text(pl, s, &buf, err);
  if (!text) {
    free(buf.data);
    return RELIEF_E_DATA; /* err names the frame's byte offset */
  }
  size_t at = pe->code == RELIEF_PARSE_FIELD_COUNT ? pe->row_offset : pe->offset;
  line += relief_line_of_offset(text, at) - 1;
  free(buf.data);
  long long offset = (long long)(s->begin + at);
  if (pe->code == RELIEF_PARSE_FIELD_COUNT)
    return relief_error_set(err, RELIEF_E_DATA, in->path, line, offset,
                            "wrong number of fields (expected %d, found %d)", RELIEF_NCOLS,
                            pe->field_count);
  return relief_error_set(err, RELIEF_E_DATA, in->path, line, offset, "%s",
                          relief_parse_code_text(pe->code));
}

/* Merges each segment's distinct strings into the run tables; the only
 * place a pattern list is run. */
static void merge_tables(pipeline *pl) {
  for (size_t i = 0; i < pl->n_segs; i++) {
    segment_t *s = &pl->segs[i];
    s->class_map = malloc((s->sections.n + 1) * sizeof *s->class_map);
    for (size_t id = 0; id < s->sections.n; id++) {
      size_t len;
      const char *str = relief_intern_str(&s->sections, (uint32_t)id, &len);
      uint32_t gid = relief_intern_get(&pl->sections, str, len);
      if (gid == pl->n_classes) {
        if (pl->n_classes == pl->cap_classes) {
          pl->cap_classes = pl->cap_classes ? pl->cap_classes * 2 : 256;
          pl->classes = realloc(pl->classes, pl->cap_classes * sizeof *pl->classes);
        }
        pl->classes[pl->n_classes++] = relief_classify(pl->classifier, str, len);
      }
      s->class_map[id] = gid;
    }
    s->county_map = malloc((s->counties.n + 1) * sizeof *s->county_map);
    for (size_t id = 0; id < s->counties.n; id++) {
      size_t len;
      const char *str = relief_intern_str(&s->counties, (uint32_t)id, &len);
      s->county_map[id] = relief_intern_get(&pl->counties, str, len);
    }
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < pl->n_segs; i++) {
    segment_t *s = &pl->segs[i];
    for (size_t j = 0; j < s->n_rows; j++)
      if (s->rows[j].flags & ROW_CONVICTED) {
        s->rows[j].class_id = s->class_map[s->rows[j].class_id];
        s->rows[j].county = (uint16_t)s->county_map[s->rows[j].county];
      }
  }
}

relief_status pipeline_parse(pipeline *pl, const char *const *paths, int n, relief_error *err) {
  pl->n_threads = omp_get_max_threads();
  pl->inputs = calloc((size_t)n, sizeof *pl->inputs);
  pl->n_inputs = n;
  relief_intern_init(&pl->sections);
  relief_intern_init(&pl->counties);
  size_t cap = 0;
  uint64_t total = 0;
  for (int i = 0; i < n; i++) {
    relief_status st = relief_input_open_lazy(&pl->inputs[i], paths[i], err);
    if (st) return st;
    if (pl->inputs[i].size == 0 && !pl->inputs[i].streamed)
      return relief_error_set(err, RELIEF_E_DATA, paths[i], 0, 0,
                              "empty file: no header and no rows");
    total += pl->inputs[i].size;
  }
  for (int i = 0; i < n; i++) {
    relief_input *in = &pl->inputs[i];
    size_t from = pl->n_segs;
    if (in->streamed) {
      relief_status st = stream_parse(pl, i, &cap, err);
      if (st) return st;
      if (in->size == 0)
        return relief_error_set(err, RELIEF_E_DATA, paths[i], 0, 0,
                                "empty file: no header and no rows");
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
  progress(pl, "parse", 0, total, 0);
  parse_segments(pl, 0, pl->n_segs, total);
  /* A zstd input whose frames do not each end on a row boundary cannot be
   * parsed frame by frame: decompress it whole and parse it again. */
  for (int i = 0; i < n; i++) {
    relief_input *in = &pl->inputs[i];
    if (!in->frames) continue;
    bool clean = true;
    for (size_t k = 0; k < pl->n_segs; k++) {
      segment_t *s = &pl->segs[k];
      if (s->input == i && (s->failed || (!s->ends_clean && s->end != in->size))) clean = false;
    }
    if (clean) continue;
    relief_status st = relief_input_materialize(in, err);
    if (st) return st;
    segment_t *old = pl->segs;
    size_t n_old = pl->n_segs, n_new = 0, cap_new = 0;
    segment_t *fresh = NULL;
    for (size_t k = 0; k < n_old; k++) {
      if (old[k].input != i) {
        *add_segment(&fresh, &n_new, &cap_new) = old[k];
        continue;
      }
      free_segment(&old[k]);
      if (k == 0 || old[k - 1].input != i) {
        size_t before = n_new;
        segment_mapped(pl, i, &fresh, &n_new, &cap_new);
        pl->segs = fresh;
        pl->n_segs = n_new;
        parse_segments(pl, before, n_new, total);
      }
    }
    free(old);
    pl->segs = fresh;
    pl->n_segs = n_new;
  }
  for (size_t k = 0; k < pl->n_segs; k++) {
    if (!pl->segs[k].failed) continue;
    size_t first = k;
    while (first > 0 && pl->segs[first - 1].input == pl->segs[k].input) first--;
    return segment_error(pl, first, k, err);
  }
  for (size_t k = 0; k < pl->n_segs; k++) pl->n_rows += pl->segs[k].n_rows;
  merge_tables(pl);
  pl->section_text = malloc((pl->n_classes + 1) * sizeof *pl->section_text);
  pl->section_len = malloc((pl->n_classes + 1) * sizeof *pl->section_len);
  for (size_t k = 0; k < pl->n_classes; k++)
    pl->section_text[k] = relief_intern_str(&pl->sections, (uint32_t)k, &pl->section_len[k]);
  return RELIEF_OK;
}

/* ---- grouping ---- */

/* Rows are grouped into people partition by partition (by key), in
 * parallel: within a partition people are numbered in first-seen order and
 * keep their rows in input order, so the grouping does not depend on the
 * number of threads. */
#define GROUP_PARTITIONS 256

void pipeline_group(pipeline *pl) {
  progress(pl, "group", 0, 1, pl->n_rows);
  size_t n_segs = pl->n_segs, P = GROUP_PARTITIONS;
  size_t *count = calloc(n_segs * P + 1, sizeof *count); /* [seg][partition] */
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < n_segs; i++) {
    segment_t *s = &pl->segs[i];
    s->result = calloc(s->n_rows ? s->n_rows : 1, sizeof *s->result);
    if (pl->forms) s->capture = calloc(s->n_rows ? s->n_rows : 1, 1);
    for (size_t j = 0; j < s->n_rows; j++) count[i * P + (s->keys[j].high64 % P)]++;
  }
  /* where each (partition, segment) run of rows starts in the partition list */
  size_t *part_first = calloc(P + 1, sizeof *part_first),
         *at = malloc((n_segs * P + 1) * sizeof *at);
  size_t pos = 0;
  for (size_t q = 0; q < P; q++) {
    part_first[q] = pos;
    for (size_t i = 0; i < n_segs; i++) {
      at[i * P + q] = pos;
      pos += count[i * P + q];
    }
  }
  part_first[P] = pos;
  row_ref *by_part = malloc((pl->n_rows ? pl->n_rows : 1) * sizeof *by_part);
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < n_segs; i++) {
    segment_t *s = &pl->segs[i];
    for (size_t j = 0; j < s->n_rows; j++)
      by_part[at[i * P + (s->keys[j].high64 % P)]++] = (row_ref){(uint32_t)i, (uint32_t)j};
  }
  free(at);
  free(count);
  /* people of each partition, then their global numbers */
  size_t *part_people = calloc(P + 1, sizeof *part_people);
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t q = 0; q < P; q++) {
    size_t n = part_first[q + 1] - part_first[q];
    relief_key_map people;
    relief_key_map_init(&people, n / 8 + 16);
    for (size_t k = part_first[q]; k < part_first[q + 1]; k++) {
      row_rec *r = &pl->segs[by_part[k].seg].rows[by_part[k].j];
      r->person = relief_key_map_get(&people, pl->segs[by_part[k].seg].keys[by_part[k].j]);
    }
    part_people[q] = people.n;
    relief_key_map_free(&people);
  }
  size_t np = 0;
  for (size_t q = 0; q < P; q++) {
    size_t n = part_people[q];
    part_people[q] = np;
    np += n;
  }
  part_people[P] = np;
  pl->n_people = np;
  pl->first = calloc(np + 1, sizeof *pl->first);
  pl->order = malloc((pl->n_rows ? pl->n_rows : 1) * sizeof *pl->order);
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t q = 0; q < P; q++) {
    size_t base = part_people[q], n_local = part_people[q + 1] - base;
    size_t *fill = calloc(n_local + 1, sizeof *fill);
    for (size_t k = part_first[q]; k < part_first[q + 1]; k++) {
      row_rec *r = &pl->segs[by_part[k].seg].rows[by_part[k].j];
      fill[r->person + 1]++;
    }
    for (size_t p = 0; p < n_local; p++) fill[p + 1] += fill[p];
    for (size_t p = 0; p < n_local; p++) pl->first[base + p] = part_first[q] + fill[p];
    for (size_t k = part_first[q]; k < part_first[q + 1]; k++) {
      row_rec *r = &pl->segs[by_part[k].seg].rows[by_part[k].j];
      pl->order[part_first[q] + fill[r->person]++] = by_part[k];
      r->person += (uint32_t)base;
    }
    free(fill);
  }
  pl->first[np] = pl->n_rows;
  free(by_part);
  free(part_first);
  free(part_people);
  for (size_t i = 0; i < n_segs && !pl->keep_keys; i++) {
    free(pl->segs[i].keys);
    pl->segs[i].keys = NULL;
  }
  if (!pl->merged) return;
  /* A row whose content appears in several files is kept from the first
   * file that has it; copies are always the same person's rows, so this
   * is decided person by person. */
  int64_t dropped = 0;
#pragma omp parallel for schedule(dynamic, 256) reduction(+ : dropped)
  for (size_t p = 0; p < np; p++) {
    row_ref *refs = pl->order + pl->first[p];
    size_t n = pl->first[p + 1] - pl->first[p];
    int first_input = pl->segs[refs[0].seg].input;
    if (pl->segs[refs[n - 1].seg].input == first_input) continue; /* one file only */
    for (size_t k = 0; k < n; k++) {
      row_rec *r = &pl->segs[refs[k].seg].rows[refs[k].j];
      uint64_t content = pl->segs[refs[k].seg].content[refs[k].j];
      int input = pl->segs[refs[k].seg].input;
      for (size_t e = 0; e < k; e++) {
        const row_rec *earlier = &pl->segs[refs[e].seg].rows[refs[e].j];
        if (pl->segs[refs[e].seg].input == input) break; /* rows are in input order */
        if (!(earlier->flags & ROW_DUPLICATE) &&
            pl->segs[refs[e].seg].content[refs[e].j] == content) {
          r->flags |= ROW_DUPLICATE;
          dropped++;
          break;
        }
      }
    }
  }
  pl->duplicate_rows = dropped;
  for (size_t i = 0; i < n_segs; i++) {
    free(pl->segs[i].content);
    pl->segs[i].content = NULL;
  }
}

void pipeline_free(pipeline *pl) {
  for (size_t i = 0; i < pl->n_segs; i++) free_segment(&pl->segs[i]);
  free(pl->segs);
  for (int i = 0; i < pl->n_inputs; i++) relief_input_close(&pl->inputs[i]);
  free(pl->inputs);
  relief_intern_free(&pl->sections);
  relief_intern_free(&pl->counties);
  free(pl->classes);
  free(pl->section_text);
  free(pl->section_len);
  free(pl->first);
  free(pl->order);
  free(pl->person_counties);
  free(pl->motion_pairs);
  free(pl->person_county_first);
}
