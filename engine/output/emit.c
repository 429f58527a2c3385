/*
 * emit.c — the row files of the bundle, a sink of the pipeline's row walk:
 * threads format each segment's rows (95 fields quoted once, then the 18
 * result columns) into buffers per destination bundle, and the walk flushes
 * the buffers in input order, so the bundle's bytes do not depend on threads.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "output/output.h"
#include "output/result_row.h"
#include "pipeline/pipeline.h"

const char *const bundle_names[BUNDLE_FILES] = {"All_Results", "All_Results_Condensed",
                                                "Prop64_Results", "Hand_Review",
                                                "Prop64_Results_Extended"};

typedef struct {
  relief_buf file[BUNDLE_FILES];
} bundle_bufs;

typedef struct {
  bundle_bufs *per_plan; /* by plan */
  relief_buf line, result_tail, empty_tail, condensed_line;
  char *scratch;
  size_t scratch_cap;
} emit_state;

static void append_header(relief_buf *b, const int *pick, int n, bool trace, bool extended) {
  for (int i = 0; i < n; i++) {
    if (i) buf_putc(b, ',');
    const char *s = doj_column_names[pick ? pick[i] : i];
    csv_append(b, s, strlen(s));
  }
  for (int i = 0; i < 18; i++) {
    buf_putc(b, ',');
    csv_append(b, output_result_columns[i], strlen(output_result_columns[i]));
  }
  if (trace) buf_append(b, ",Rule", 5);
  if (extended) {
    static const char cols[] = ",Remedy,Statutory Basis,Possible Plea Bargain,Filing Check";
    buf_append(b, cols, sizeof cols - 1);
  }
  buf_putc(b, '\n');
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
    values[i] = doj_field_value(&f[i], scratch, &n);
    lens[i] = n;
    if (f[i].flags & RELIEF_FIELD_ESCAPED) scratch += f[i].len;
    simple[i] = no_cr && !(f[i].flags & RELIEF_FIELD_QUOTED);
  }
  size_t where[RELIEF_NCOLS + 1];
  st->line.len = 0;
  const char *redacted[RELIEF_NCOLS];
  size_t redacted_lens[RELIEF_NCOLS];
  char cii_hex[2][33];
  if (redaction) output_redact_row(redaction, values, lens, redacted, redacted_lens, cii_hex);
  csv_append_fields(&st->line, redaction ? redacted : values, redaction ? redacted_lens : lens,
                    RELIEF_NCOLS, where, simple);
  condensed_line->len = 0;
  for (int k = 0; k < 20; k++) {
    int col = condensed_columns[k];
    if (k) buf_putc(condensed_line, ',');
    buf_append(condensed_line, st->line.data + where[col], where[col + 1] - 1 - where[col]);
  }
  const char *comment = values[RELIEF_COL_COMMENT_TEXT];
  size_t comment_n = lens[RELIEF_COL_COMMENT_TEXT];
  bool other = possible_other_p64(values[RELIEF_COL_OFFENSE_DESCR], lens[RELIEF_COL_OFFENSE_DESCR],
                                  comment, comment_n);
  relief_buf *e = &st->empty_tail;
  e->len = 0;
  buf_append(e, ",,,", 3);
  if (other) csv_append(e, comment, comment_n);
  buf_append(e, ",,,,,,,,,,,,,,,", 15);
  if (trace) buf_putc(e, ',');
  if (!result || (result->flags & RESULT_PLEA_ONLY)) return;
  relief_buf *t = &st->result_tail;
  t->len = 0;
  buf_putc(t, ',');
  buf_append(t, row_result_head(result), result->head_len);
  buf_putc(t, ',');
  if (other) csv_append(t, comment, comment_n);
  buf_append(t, row_result_tail(result), result->tail_len);
}

/* Appends one row to a plan's files. result is the row's record when it
 * belongs to this plan, else NULL. */
static void emit_row(bundle_bufs *out, int n_files, const emit_state *st,
                     const relief_buf *condensed_line, const row_result *result) {
  bool has_result = result && !(result->flags & RESULT_PLEA_ONLY);
  const relief_buf *tail = has_result ? &st->result_tail : &st->empty_tail;
  relief_buf *all = &out->file[BUNDLE_ALL];
  size_t start = all->len;
  buf_append(all, st->line.data, st->line.len);
  buf_append(all, tail->data, tail->len);
  size_t end = all->len;
  buf_putc(all, '\n');
  relief_buf *condensed = &out->file[BUNDLE_CONDENSED];
  buf_append(condensed, condensed_line->data, condensed_line->len);
  buf_append(condensed, tail->data, tail->len);
  buf_putc(condensed, '\n');
  if (has_result) buf_append(&out->file[BUNDLE_PROP64], all->data + start, end - start + 1);
  if (n_files <= BUNDLE_HAND_REVIEW || !result) return;
  /* the review files are relief's own: formula-leading cells are guarded */
  if (has_result && (result->flags & RESULT_REVIEW)) {
    relief_buf *review = &out->file[BUNDLE_HAND_REVIEW];
    size_t line = review->len;
    buf_append(review, all->data + start, end - start);
    csv_guard_line(review, line);
    buf_putc(review, '\n');
  }
  relief_buf *ext = &out->file[BUNDLE_EXTENDED];
  size_t line = ext->len;
  buf_append(ext, all->data + start, end - start);
  buf_append(ext, row_result_extended(result), result->extended_len);
  csv_guard_line(ext, line);
  buf_putc(ext, '\n');
}

/* What every thread reads: the pipeline's plans and, statewide, each
 * person's decided counties. */
typedef struct {
  pipeline *pl;
  county_plan *plans;
  size_t n_plans;
  bool merged, trace;
  const relief_redaction *redaction;
  const size_t *person_county_first;
  const uint32_t *person_counties;
} emit_job;

/* Formats the rows of one segment into the thread's buffers. */
static void emit_chunk(void *user, void *thread, const pipeline_chunk *c) {
  const emit_job *job = user;
  emit_state *st = thread;
  size_t pos = c->pos, start;
  relief_field f[RELIEF_NCOLS];
  relief_parse_error perr;
  relief_buf *condensed_line = &st->condensed_line;
  for (size_t j = 0; parse_row(c->text, c->size, &pos, f, &start, &perr) == 1; j++) {
    uint32_t person;
    uint16_t county, flags;
    if (c->emit) { /* the row_rec was spilled */
      person = c->emit[j].person, county = c->emit[j].county, flags = c->emit[j].flags;
    } else {
      person = c->rows[j].person, county = c->rows[j].county, flags = c->rows[j].flags;
    }
    if (flags & ROW_DUPLICATE) continue;
    if (c->capture && c->capture[j]) pipeline_capture_row(job->pl, c, j, f);
    const row_result *result = c->result[j];
    format_row(f, result, job->trace, job->redaction, st, condensed_line);
    if (!job->merged) {
      emit_row(&st->per_plan[0], job->plans[0].n_files, st, condensed_line, result);
      continue;
    }
    for (size_t k = job->person_county_first[person]; k < job->person_county_first[person + 1];
         k++) {
      uint32_t decided = job->person_counties[k];
      emit_row(&st->per_plan[decided], job->plans[decided].n_files, st, condensed_line,
               county == decided ? result : NULL);
    }
  }
}

/* In input order: writes the thread's buffers (unless failed) and empties them. */
static relief_status emit_flush(void *user, void *thread, bool failed, relief_error *err) {
  const emit_job *job = user;
  emit_state *st = thread;
  relief_status status = RELIEF_OK;
  for (size_t k = 0; k < job->n_plans; k++) {
    bundle_bufs *b = &st->per_plan[k];
    for (int f = 0; f < job->plans[k].n_files && !status && !failed; f++)
      status = pipeline_write(job->pl, k, f, b->file[f].data, b->file[f].len, err);
    for (int f = 0; f < BUNDLE_FILES; f++) {
      b->file[f].len = 0;
      /* statewide, a thread holds buffers for every county: keep only small ones */
      if (job->n_plans > 1 && b->file[f].cap > (256u << 10)) buf_free(&b->file[f]);
    }
  }
  return status;
}

static void *emit_thread_begin(void *user) {
  const emit_job *job = user;
  emit_state *st = xcalloc(1, sizeof *st);
  st->per_plan = xcalloc(job->n_plans, sizeof *st->per_plan);
  return st;
}

static void emit_thread_end(void *user, void *thread) {
  const emit_job *job = user;
  emit_state *st = thread;
  for (size_t k = 0; k < job->n_plans; k++)
    for (int f = 0; f < BUNDLE_FILES; f++) buf_free(&st->per_plan[k].file[f]);
  free(st->per_plan);
  buf_free(&st->line);
  buf_free(&st->result_tail);
  buf_free(&st->empty_tail);
  buf_free(&st->condensed_line);
  free(st->scratch);
  free(st);
}

relief_status output_emit(pipeline *pl, relief_error *err) {
  emit_job job = {.pl = pl, .trace = pipeline_trace(pl), .redaction = pipeline_redaction(pl)};
  job.plans = pipeline_plans(pl, &job.n_plans);
  job.merged = pipeline_person_counties(pl, &job.person_county_first, &job.person_counties);
  relief_buf heads[BUNDLE_FILES] = {0};
  append_header(&heads[BUNDLE_ALL], NULL, RELIEF_NCOLS, job.trace, false);
  append_header(&heads[BUNDLE_CONDENSED], condensed_columns, 20, job.trace, false);
  append_header(&heads[BUNDLE_PROP64], NULL, RELIEF_NCOLS, job.trace, false);
  append_header(&heads[BUNDLE_HAND_REVIEW], NULL, RELIEF_NCOLS, job.trace, false);
  append_header(&heads[BUNDLE_EXTENDED], NULL, RELIEF_NCOLS, job.trace, true);
  relief_status status = RELIEF_OK;
  for (size_t k = 0; k < job.n_plans && !status; k++)
    for (int f = 0; f < job.plans[k].n_files && !status; f++)
      status = pipeline_write(pl, k, f, heads[f].data, heads[f].len, err);
  for (int f = 0; f < BUNDLE_FILES; f++) buf_free(&heads[f]);
  if (status) return status;
  pipeline_row_sink sink = {emit_thread_begin, emit_chunk, emit_flush, emit_thread_end, &job};
  return pipeline_walk_rows(pl, &sink, err);
}
