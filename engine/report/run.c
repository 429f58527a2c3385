/*
 * run.c — the reference-compatible `run`: for each input file on its own,
 * map → chunk → parse (parallel) → intern and classify code sections →
 * group rows by SUBJECT_ID → build people and evaluate flows (parallel) →
 * stream the input again and emit the bundle in input order (parallel
 * formatting, ordered writes). Outputs are committed only when all succeed.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relief/doj.h"
#include "relief/identity.h"
#include "relief/io.h"
#include "relief/report.h"
#include "relief/rules.h"

enum {
  ROW_CONVICTED = 1,
  ROW_FELONY = 2,
  ROW_COURT_ACTION = 4,
  ROW_REGISTRATION = 8,
  ROW_DECEASED = 16,
  ROW_IN_COUNTY = 32,
  ROW_SUBJECT_EMPTY = 64,
};

/* One input row as the decision needs it: 64 bytes instead of 95 strings. */
typedef struct {
  XXH128_hash_t key;   /* person key: XXH3-128 of SUBJECT_ID */
  uint64_t cnt_key;    /* XXH3 of CNT_ORDER */
  uint64_t step_key;   /* XXH3 of its first 6 characters */
  int64_t sentence_ns; /* this row's sentence part */
  int32_t disp_day;
  int32_t dob_day;
  uint32_t class_id;   /* code-section class (convicted rows) */
  uint32_t ofn_id;     /* case number id + 1 (COURT ACTION rows), 0 none */
  uint32_t person;
  uint16_t flags;
} row_rec;

typedef struct {
  size_t begin, end;
  row_rec *rows;
  size_t n_rows, cap_rows;
  relief_intern sections; /* distinct code sections of this chunk */
  relief_intern ofns;     /* distinct case numbers of this chunk */
  uint32_t *class_map;    /* chunk section id → run class id */
  const char **result;    /* per row: "A\0B\0" result text, or NULL */
  int failed;
  relief_parse_error perr;
} chunk_t;

typedef struct {
  uint32_t chunk, j;
} row_ref;

/* Pointer-stable bump allocator for result text, one per thread. */
typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  char data[];
} arena_block;

static char *arena_alloc(arena_block **head, size_t n) {
  arena_block *b = *head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > (1 << 20) ? n : (1 << 20);
    arena_block *nb = malloc(sizeof *nb + cap);
    if (!nb) abort();
    nb->next = b;
    nb->used = 0;
    nb->cap = cap;
    *head = b = nb;
  }
  char *p = b->data + b->used;
  b->used += n;
  return p;
}

static void arena_free(arena_block *b) {
  while (b) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
}

/* What every stage of one file's processing shares. */
typedef struct {
  const relief_run_config *cfg;
  const relief_classifier *classifier;
  const relief_flow *flow, *dismiss_all;
  relief_eval_ctx eval;
  size_t county_len;
  const char *text;
  chunk_t *chunks;
  size_t n_chunks;
  relief_intern sections; /* run-wide distinct code sections */
  relief_code_class *classes;
  size_t n_classes, cap_classes;
  arena_block **arenas; /* per thread */
} file_ctx;

/* ---- parsing ---- */

typedef struct {
  char *data;
  size_t cap;
} scratch_t;

static const char *value_of(const relief_field *f, scratch_t *s, size_t *len) {
  if (f->flags & RELIEF_FIELD_ESCAPED && s->cap < f->len) {
    s->cap = f->len * 2 + 64;
    s->data = realloc(s->data, s->cap);
  }
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
    if (v > (UINT64_MAX - 9) / 10) overflow = 1;
    else v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (neg) return overflow || v > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - v);
  return overflow || v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int64_t sentence_part_ns(const char *len_s, size_t len_n, const char *code, size_t code_n) {
  const int64_t hour = 3600LL * 1000000000LL;
  int64_t unit = 0;
  if (equals(code, code_n, "D")) unit = 24 * hour;
  else if (equals(code, code_n, "M")) unit = 732 * hour;
  else if (equals(code, code_n, "Y")) unit = 8784 * hour;
  if (!unit) return 0;
  /* Go's Duration multiplication wraps around */
  return (int64_t)((uint64_t)atoi_like_go(len_s, len_n) * (uint64_t)unit);
}

static void parse_chunk(file_ctx *fc, chunk_t *c) {
  relief_field f[RELIEF_NCOLS];
  scratch_t scratch = {0};
  size_t pos = c->begin, start, n;
  relief_parse_error perr;
  int r;
  relief_intern_init(&c->sections);
  relief_intern_init(&c->ofns);
  const char *county = fc->cfg->county;
  while ((r = relief_parse_row(fc->text, c->end, &pos, f, &start, &perr)) == 1) {
    if (c->n_rows == c->cap_rows) {
      c->cap_rows = c->cap_rows ? c->cap_rows * 2 : 4096;
      c->rows = realloc(c->rows, c->cap_rows * sizeof *c->rows);
    }
    row_rec *rec = &c->rows[c->n_rows++];
    memset(rec, 0, sizeof *rec);
    const char *v = value_of(&f[RELIEF_COL_SUBJECT_ID], &scratch, &n);
    rec->key = relief_person_key(v, n);
    if (!n) rec->flags |= ROW_SUBJECT_EMPTY;
    v = value_of(&f[RELIEF_COL_PRI_DOB], &scratch, &n);
    rec->dob_day = relief_parse_yyyymmdd(v, n);
    v = value_of(&f[RELIEF_COL_STP_EVENT_DATE], &scratch, &n);
    rec->disp_day = relief_parse_yyyymmdd(v, n);
    v = value_of(&f[RELIEF_COL_STP_ORI_CNTY_NAME], &scratch, &n);
    if (n == fc->county_len && memcmp(v, county, n) == 0) rec->flags |= ROW_IN_COUNTY;
    v = value_of(&f[RELIEF_COL_CNT_ORDER], &scratch, &n);
    rec->cnt_key = XXH3_64bits(v, n);
    rec->step_key = XXH3_64bits(v, n < 6 ? n : 6);
    v = value_of(&f[RELIEF_COL_DISP_DESCR], &scratch, &n);
    if (n >= 9 && memcmp(v, "CONVICTED", 9) == 0) rec->flags |= ROW_CONVICTED;
    v = value_of(&f[RELIEF_COL_STP_TYPE_DESCR], &scratch, &n);
    int court = equals(v, n, "COURT ACTION"), registration = equals(v, n, "REGISTRATION");
    if (equals(v, n, "DECEASED")) rec->flags |= ROW_DECEASED;
    if (court) {
      rec->flags |= ROW_COURT_ACTION;
      v = value_of(&f[RELIEF_COL_OFN], &scratch, &n);
      if (n) rec->ofn_id = relief_intern_get(&c->ofns, v, n) + 1;
    }
    if (registration) {
      v = value_of(&f[RELIEF_COL_OFFENSE_DESCR], &scratch, &n);
      if (n >= 3 && memcmp(v, "290", 3) == 0) rec->flags |= ROW_REGISTRATION;
    }
    if (!(rec->flags & ROW_CONVICTED)) continue;
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
    /* the code section: offense and comment values are needed together */
    scratch_t scratch2 = {0};
    size_t off_n, com_n, cs_n;
    bool from_comment;
    const char *off = value_of(&f[RELIEF_COL_OFFENSE_DESCR], &scratch, &off_n);
    const char *com = value_of(&f[RELIEF_COL_COMMENT_TEXT], &scratch2, &com_n);
    const char *cs = relief_code_section(off, off_n, com, com_n, &cs_n, &from_comment);
    rec->class_id = relief_intern_get(&c->sections, cs, cs_n);
    free(scratch2.data);
  }
  free(scratch.data);
  if (r < 0) {
    c->failed = 1;
    c->perr = perr;
  }
}

/* Merges each chunk's distinct code sections into the run table and
 * classifies the new ones: the only place a pattern list is run. */
static void merge_sections(file_ctx *fc) {
  for (size_t c = 0; c < fc->n_chunks; c++) {
    chunk_t *ch = &fc->chunks[c];
    ch->class_map = malloc((ch->sections.n + 1) * sizeof *ch->class_map);
    for (size_t id = 0; id < ch->sections.n; id++) {
      size_t len;
      const char *s = relief_intern_str(&ch->sections, (uint32_t)id, &len);
      uint32_t gid = relief_intern_get(&fc->sections, s, len);
      if (gid == fc->n_classes) {
        if (fc->n_classes == fc->cap_classes) {
          fc->cap_classes = fc->cap_classes ? fc->cap_classes * 2 : 256;
          fc->classes = realloc(fc->classes, fc->cap_classes * sizeof *fc->classes);
        }
        fc->classes[fc->n_classes++] = relief_classify(fc->classifier, s, len);
      }
      ch->class_map[id] = gid;
    }
  }
  fc->eval.classes = fc->classes;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t c = 0; c < fc->n_chunks; c++) {
    chunk_t *ch = &fc->chunks[c];
    for (size_t j = 0; j < ch->n_rows; j++)
      if (ch->rows[j].flags & ROW_CONVICTED) ch->rows[j].class_id = ch->class_map[ch->rows[j].class_id];
  }
}

/* ---- evaluation ---- */

typedef struct {
  relief_conviction *conv;
  uint64_t *seen; /* CNT_ORDER keys already taken as convictions */
  relief_case_number *cases;
  size_t cap_conv, cap_cases;
  relief_determination *det_current, *det_all;
  const relief_flow_row **rule;
  relief_buf line, cases_text, strikes, pc290;
} person_scratch;

static void reserve_person(person_scratch *ps, size_t n_rows) {
  if (n_rows <= ps->cap_conv) return;
  ps->cap_conv = n_rows * 2;
  ps->conv = realloc(ps->conv, ps->cap_conv * sizeof *ps->conv);
  ps->seen = realloc(ps->seen, ps->cap_conv * sizeof *ps->seen);
  ps->det_current = realloc(ps->det_current, ps->cap_conv * sizeof *ps->det_current);
  ps->det_all = realloc(ps->det_all, ps->cap_conv * sizeof *ps->det_all);
  ps->rule = realloc(ps->rule, ps->cap_conv * sizeof *ps->rule);
  ps->cap_cases = n_rows * 2;
  ps->cases = realloc(ps->cases, ps->cap_cases * sizeof *ps->cases);
}

static void person_scratch_free(person_scratch *ps) {
  free(ps->conv);
  free(ps->seen);
  free(ps->cases);
  free(ps->det_current);
  free(ps->det_all);
  free(ps->rule);
  relief_buf_free(&ps->line);
  relief_buf_free(&ps->cases_text);
  relief_buf_free(&ps->strikes);
  relief_buf_free(&ps->pc290);
}

static const __int128 ns_per_day = (__int128)86400 * 1000000000;

/* Builds the person of eligibility spec §2 from their rows in file order. */
static void build_person(file_ctx *fc, const row_ref *refs, size_t n, person_scratch *ps,
                         relief_person *p) {
  reserve_person(ps, n);
  memset(p, 0, sizeof *p);
  p->convictions = ps->conv;
  p->case_numbers = ps->cases;
  int n_seen = 0;
  for (size_t k = 0; k < n; k++) {
    chunk_t *ch = &fc->chunks[refs[k].chunk];
    const row_rec *r = &ch->rows[refs[k].j];
    if (k == 0 || (r->flags & ROW_SUBJECT_EMPTY)) {
      /* the reference re-initialised a person whose id is empty on every row */
      p->dob_day = r->dob_day;
      n_seen = 0;
      p->n_case_numbers = 0;
    }
    int seen = 0;
    if (r->flags & ROW_CONVICTED)
      for (int i = 0; i < n_seen && !seen; i++) seen = ps->seen[i] == r->cnt_key;
    if (seen) p->convictions[p->n_convictions - 1].sentence_end_ns += r->sentence_ns;
    if (r->flags & ROW_DECEASED) p->deceased = true;
    if (r->ofn_id) {
      const char *ofn = relief_intern_str(&ch->ofns, r->ofn_id - 1, NULL);
      int dup = 0;
      for (int i = 0; i < p->n_case_numbers && !dup; i++)
        dup = p->case_numbers[i].step_key == r->step_key && !strcmp(p->case_numbers[i].ofn, ofn);
      if (!dup) p->case_numbers[p->n_case_numbers++] = (relief_case_number){r->step_key, ofn};
    }
    if (r->flags & ROW_REGISTRATION) p->registered = true;
    if ((r->flags & ROW_CONVICTED) && !seen) {
      relief_conviction *c = &p->convictions[p->n_convictions++];
      c->disp_day = r->disp_day;
      c->class_id = (int32_t)r->class_id;
      c->step_key = r->step_key;
      c->sentence_end_ns = r->disp_day * ns_per_day + r->sentence_ns;
      c->row = (uint32_t)k;
      c->felony = (r->flags & ROW_FELONY) != 0;
      c->in_county = (r->flags & ROW_IN_COUNTY) != 0;
      ps->seen[n_seen++] = r->cnt_key;
    }
  }
}

/* (compute − date) in hours / (24 × 365.25), with Go Duration saturation. */
static double years_between(int32_t from_day, int32_t to_day) {
  int64_t days = (int64_t)to_day - from_day;
  double hours;
  if (days > 106751) hours = 2562047.0 + 2836854775807.0 / 3.6e12;
  else if (days < -106751) hours = -2562047.0 - 2836854775808.0 / 3.6e12;
  else hours = (double)(days * 24);
  return hours / (24 * 365.25);
}

static void append_years(relief_buf *b, int32_t day, int32_t compute_day) {
  char tmp[64];
  int n = day == RELIEF_DAY_UNKNOWN ? snprintf(tmp, sizeof tmp, "-1.0")
                                    : snprintf(tmp, sizeof tmp, "%.1f", years_between(day, compute_day));
  relief_buf_append(b, tmp, (size_t)n);
}

static void append_int(relief_buf *b, long long v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%lld", v);
  relief_buf_append(b, tmp, (size_t)n);
}

static void append_str(relief_buf *b, const char *s) { relief_buf_append(b, s, strlen(s)); }

/* Code sections of the person's convictions whose class has bit, joined. */
static void join_sections(file_ctx *fc, const relief_person *p, uint32_t bit, relief_buf *out) {
  out->len = 0;
  for (int i = 0; i < p->n_convictions; i++) {
    if (!(fc->classes[p->convictions[i].class_id].bits & bit)) continue;
    size_t len;
    const char *s = relief_intern_str(&fc->sections, (uint32_t)p->convictions[i].class_id, &len);
    if (out->len) relief_buf_putc(out, ';');
    relief_buf_append(out, s, len);
  }
  if (!out->len) relief_buf_putc(out, '-');
}

/* Formats the 17 result columns other than §8's into "A\0B\0" in the
 * thread's arena: A = columns 1–2, B = "," + columns 4–18. */
static const char *format_result(file_ctx *fc, const relief_person *p, int i,
                                 const relief_flow_row *rule, person_scratch *ps,
                                 const int64_t section_counts[5], arena_block **arena) {
  const relief_conviction *c = &p->convictions[i];
  relief_buf *b = &ps->line;
  b->len = 0;
  relief_buf *cases = &ps->cases_text;
  cases->len = 0;
  for (int k = 0; k < p->n_case_numbers; k++) {
    if (p->case_numbers[k].step_key != c->step_key) continue;
    if (cases->len) relief_buf_append(cases, "; ", 2);
    append_str(cases, p->case_numbers[k].ofn);
  }
  relief_csv_append(b, cases->data ? cases->data : "", cases->len);
  relief_buf_putc(b, ',');
  append_int(b, p->n_convictions);
  relief_buf_putc(b, 0);
  static const int32_t nov_9_2016 = 17114; /* 2016-11-09 */
  append_str(b, c->disp_day > nov_9_2016 ? ",Y," : ",N,");
  relief_csv_append(b, ps->strikes.data, ps->strikes.len);
  relief_buf_putc(b, ',');
  relief_csv_append(b, ps->pc290.data, ps->pc290.len);
  append_str(b, p->registered ? ",Yes," : ",-,");
  int y, m, d;
  relief_civil_from_days(c->disp_day, &y, &m, &d);
  char date[32];
  int dn = snprintf(date, sizeof date, "%02d/%02d/%04d,", m, d, y);
  relief_buf_append(b, date, (size_t)dn);
  append_years(b, c->disp_day, fc->eval.compute_day);
  relief_buf_putc(b, ',');
  append_years(b, relief_person_latest_disposition(p), fc->eval.compute_day);
  for (int k = 0; k < 5; k++) {
    relief_buf_putc(b, ',');
    append_int(b, section_counts[k]);
  }
  append_str(b, p->deceased ? ",Deceased," : ",-,");
  const char *det = relief_determination_names[rule ? rule->determination : RELIEF_DET_NONE];
  relief_csv_append(b, det, strlen(det));
  relief_buf_putc(b, ',');
  if (rule) relief_csv_append(b, rule->reason, strlen(rule->reason));
  relief_buf_putc(b, 0);
  char *out = arena_alloc(arena, b->len);
  memcpy(out, b->data, b->len);
  return out;
}

static bool relieved(relief_determination d) {
  return d == RELIEF_DET_DISMISS || d == RELIEF_DET_REDUCE;
}

/* The three "people who will no longer have..." counts of one person. */
static void count_relief(const relief_person *p, const relief_determination *det, int32_t seven_ago,
                         relief_relief_counts *out) {
  int felonies = 0, felonies_relieved = 0, dismissed = 0, recent = 0, recent_dismissed = 0;
  for (int i = 0; i < p->n_convictions; i++) {
    const relief_conviction *c = &p->convictions[i];
    if (c->felony) felonies++, felonies_relieved += relieved(det[i]);
    dismissed += det[i] == RELIEF_DET_DISMISS;
    if (c->disp_day > seven_ago) recent++, recent_dismissed += det[i] == RELIEF_DET_DISMISS;
  }
  out->no_felony += felonies && felonies == felonies_relieved;
  out->no_conviction += p->n_convictions && p->n_convictions == dismissed;
  out->no_conviction_last7 += recent && recent == recent_dismissed;
}

static void evaluate_person(file_ctx *fc, const row_ref *refs, size_t n, person_scratch *ps,
                            relief_summary *sum, arena_block **arena) {
  relief_person p;
  build_person(fc, refs, n, ps, &p);
  if (!p.n_convictions) return;
  const relief_flow *flow = fc->flow, *all = fc->dismiss_all;
  uint64_t person_bits = relief_person_features(&fc->eval, flow, &p);
  uint64_t person_bits_all = relief_person_features(&fc->eval, all, &p);
  int64_t section_counts[5] = {0};
  int in_county_prop64 = 0, any_relief = 0, formatted_lists = 0;
  for (int i = 0; i < p.n_convictions; i++) {
    int section = fc->classes[p.convictions[i].class_id].prop64_section;
    if (section) section_counts[0]++, section_counts[section]++;
  }
  for (int i = 0; i < p.n_convictions; i++) {
    const relief_conviction *c = &p.convictions[i];
    uint64_t f = relief_features(&fc->eval, flow, &p, i, person_bits);
    ps->det_current[i] = RELIEF_DET_NONE;
    ps->det_all[i] = RELIEF_DET_NONE;
    if (relief_flow_relevant(flow, f)) {
      const relief_flow_row *rule = relief_flow_decide(flow, f);
      if (rule) {
        ps->det_current[i] = rule->determination;
        sum->count_by_flow_row[rule - flow->rows]++;
      }
      if (!formatted_lists) {
        join_sections(fc, &p, RELIEF_CS_SUPERSTRIKE, &ps->strikes);
        join_sections(fc, &p, RELIEF_CS_PC290, &ps->pc290);
        formatted_lists = 1;
      }
      const row_ref *ref = &refs[c->row];
      fc->chunks[ref->chunk].result[ref->j] =
          format_result(fc, &p, i, rule, ps, section_counts, arena);
    }
    uint64_t fa = relief_features(&fc->eval, all, &p, i, person_bits_all);
    if (relief_flow_relevant(all, fa)) {
      const relief_flow_row *rule = relief_flow_decide(all, fa);
      if (rule) ps->det_all[i] = rule->determination;
    }
    any_relief |= relieved(ps->det_current[i]);
    const relief_code_class *k = &fc->classes[c->class_id];
    if (c->in_county && (k->bits & RELIEF_CS_PROP64)) {
      in_county_prop64 = 1;
      sum->prop64_by_section[k->prop64_section]++;
      if (c->felony) sum->prop64_felony++;
      else sum->prop64_nonfelony++;
      if (sum->earliest_state != RELIEF_EARLIEST_DAY || c->disp_day < sum->earliest_day) {
        sum->earliest_state = RELIEF_EARLIEST_DAY;
        sum->earliest_day = c->disp_day;
      }
    }
  }
  int32_t seven_ago = relief_add_years(fc->eval.compute_day, -7);
  count_relief(&p, ps->det_current, seven_ago, &sum->current);
  count_relief(&p, ps->det_all, seven_ago, &sum->dismiss_all);
  sum->subjects_with_prop64_in_county += in_county_prop64;
  sum->subjects_with_relief += any_relief;
}

/* ---- emitting ---- */

typedef struct {
  relief_buf all, condensed, prop64, tail;
} emit_bufs;

static void append_header(relief_buf *b, const char *const *names, const int *pick, int n) {
  for (int i = 0; i < n; i++) {
    if (i) relief_buf_putc(b, ',');
    const char *s = names[pick ? pick[i] : i];
    relief_csv_append(b, s, strlen(s));
  }
  for (int i = 0; i < 18; i++) {
    relief_buf_putc(b, ',');
    relief_csv_append(b, relief_result_columns[i], strlen(relief_result_columns[i]));
  }
  relief_buf_putc(b, '\n');
}

static void emit_chunk(file_ctx *fc, chunk_t *c, emit_bufs *out) {
  relief_field f[RELIEF_NCOLS];
  scratch_t scratch = {0};
  size_t pos = c->begin, start;
  relief_parse_error perr;
  out->all.len = out->condensed.len = out->prop64.len = 0;
  for (size_t j = 0; relief_parse_row(fc->text, c->end, &pos, f, &start, &perr) == 1; j++) {
    size_t line_start = out->all.len, n;
    const char *values[RELIEF_NCOLS];
    size_t lens[RELIEF_NCOLS];
    for (int i = 0; i < RELIEF_NCOLS; i++) {
      if (f[i].flags & RELIEF_FIELD_ESCAPED) {
        /* rare: give each escaped value its own copy */
        const char *v = value_of(&f[i], &scratch, &n);
        char *copy = malloc(n + 1);
        memcpy(copy, v, n);
        values[i] = copy;
        lens[i] = n;
      } else {
        values[i] = f[i].ptr;
        lens[i] = f[i].len;
      }
    }
    size_t where[RELIEF_NCOLS + 1];
    const char *redacted[RELIEF_NCOLS];
    size_t redacted_lens[RELIEF_NCOLS];
    char cii_hex[2][33];
    if (fc->cfg->redaction)
      relief_redact_row(fc->cfg->redaction, values, lens, redacted, redacted_lens, cii_hex);
    relief_csv_append_fields(&out->all, fc->cfg->redaction ? redacted : values,
                             fc->cfg->redaction ? redacted_lens : lens, RELIEF_NCOLS, where);
    /* the tail: the 18 result columns, shared by all three files */
    relief_buf *t = &out->tail;
    t->len = 0;
    const char *offense = values[RELIEF_COL_OFFENSE_DESCR], *comment = values[RELIEF_COL_COMMENT_TEXT];
    size_t offense_n = lens[RELIEF_COL_OFFENSE_DESCR], comment_n = lens[RELIEF_COL_COMMENT_TEXT];
    bool other = relief_possible_other_p64(offense, offense_n, comment, comment_n);
    const char *result = c->result[j];
    relief_buf_putc(t, ',');
    if (result) {
      size_t a_len = strlen(result);
      relief_buf_append(t, result, a_len);
      relief_buf_putc(t, ',');
      if (other) relief_csv_append(t, comment, comment_n);
      append_str(t, result + a_len + 1);
    } else {
      relief_buf_append(t, ",,", 2);
      if (other) relief_csv_append(t, comment, comment_n);
      relief_buf_append(t, ",,,,,,,,,,,,,,,", 15);
    }
    relief_buf_putc(t, '\n');
    relief_buf_append(&out->all, t->data, t->len);
    if (result)
      relief_buf_append(&out->prop64, out->all.data + line_start, out->all.len - line_start);
    /* the condensed line copies the fields already quoted for the full one */
    for (int k = 0; k < 20; k++) {
      int col = relief_condensed_columns[k];
      if (k) relief_buf_putc(&out->condensed, ',');
      relief_buf_append(&out->condensed, out->all.data + where[col], where[col + 1] - 1 - where[col]);
    }
    relief_buf_append(&out->condensed, t->data, t->len);
    for (int i = 0; i < RELIEF_NCOLS; i++)
      if (f[i].flags & RELIEF_FIELD_ESCAPED) free((void *)values[i]);
  }
  free(scratch.data);
}

/* ---- one file ---- */

static relief_status parse_error(const file_ctx *fc, const char *path, const chunk_t *c,
                                 relief_error *err) {
  const relief_parse_error *pe = &c->perr;
  size_t at = pe->code == RELIEF_PARSE_FIELD_COUNT ? pe->row_offset : pe->offset;
  long long line = relief_line_of_offset(fc->text, at);
  if (pe->code == RELIEF_PARSE_FIELD_COUNT)
    return relief_error_set(err, RELIEF_E_DATA, path, line, (long long)at,
                            "wrong number of fields (expected %d, found %d)", RELIEF_NCOLS,
                            pe->field_count);
  return relief_error_set(err, RELIEF_E_DATA, path, line, (long long)at, "%s",
                          relief_parse_code_text(pe->code));
}

static void progress(const relief_run_config *cfg, const char *phase, uint64_t done, uint64_t total,
                     uint64_t rows) {
  if (cfg->progress) cfg->progress(cfg->progress_user, phase, done, total, rows);
}

static void free_chunks(file_ctx *fc) {
  for (size_t c = 0; c < fc->n_chunks; c++) {
    chunk_t *ch = &fc->chunks[c];
    free(ch->rows);
    free(ch->class_map);
    free(ch->result);
    relief_intern_free(&ch->sections);
    relief_intern_free(&ch->ofns);
  }
  free(fc->chunks);
  fc->chunks = NULL;
}

static void release_input(void *input, size_t offset, size_t len) {
  relief_input_release(input, offset, len);
}

static relief_status process_file(file_ctx *fc, const char *path, relief_outfile outs[3],
                                  relief_summary *sum, relief_run_result *res, relief_error *err) {
  const relief_run_config *cfg = fc->cfg;
  relief_input in;
  relief_status st = relief_input_open(&in, path, err);
  if (st) return st;
  res->input_bytes += in.stored_size;
  if (in.size == 0) {
    relief_input_close(&in);
    return relief_error_set(err, RELIEF_E_DATA, path, 0, 0, "empty file: no header and no rows");
  }
  fc->text = in.data;
  size_t header = relief_header_length(in.data, in.size);
  int threads = omp_get_max_threads();
  size_t wanted = in.size / (4u << 20) + 1;
  if (wanted < (size_t)threads * 4 && in.size > ((size_t)threads << 20)) wanted = (size_t)threads * 4;
  size_t *bounds = malloc((wanted + 2) * sizeof *bounds);
  fc->n_chunks = relief_chunk_text(in.data, header, in.size, wanted, bounds, release_input, &in);
  fc->chunks = calloc(fc->n_chunks, sizeof *fc->chunks);
  for (size_t c = 0; c < fc->n_chunks; c++) {
    fc->chunks[c].begin = bounds[c];
    fc->chunks[c].end = bounds[c + 1];
  }
  free(bounds);
  progress(cfg, "parse", 0, in.size, 0);
  uint64_t parsed = 0, rows_seen = 0;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t c = 0; c < fc->n_chunks; c++) {
    parse_chunk(fc, &fc->chunks[c]);
    relief_input_release(&in, fc->chunks[c].begin, fc->chunks[c].end - fc->chunks[c].begin);
    uint64_t done, rows;
#pragma omp atomic capture
    done = parsed += fc->chunks[c].end - fc->chunks[c].begin;
#pragma omp atomic capture
    rows = rows_seen += fc->chunks[c].n_rows;
    if (omp_get_thread_num() == 0) progress(cfg, "parse", done, in.size, rows);
  }
  size_t n_rows = 0;
  for (size_t c = 0; c < fc->n_chunks; c++) {
    if (fc->chunks[c].failed) {
      st = parse_error(fc, path, &fc->chunks[c], err);
      goto done;
    }
    n_rows += fc->chunks[c].n_rows;
  }
  sum->line_count = (int64_t)n_rows;
  merge_sections(fc);

  /* group: people in first-seen order, rows of a person in file order */
  progress(cfg, "group", 0, in.size, n_rows);
  relief_key_map people;
  relief_key_map_init(&people, n_rows / 8 + 16);
  for (size_t c = 0; c < fc->n_chunks; c++)
    for (size_t j = 0; j < fc->chunks[c].n_rows; j++) {
      row_rec *r = &fc->chunks[c].rows[j];
      r->person = relief_key_map_get(&people, r->key);
    }
  size_t n_people = people.n;
  relief_key_map_free(&people);
  size_t *first = calloc(n_people + 1, sizeof *first);
  for (size_t c = 0; c < fc->n_chunks; c++)
    for (size_t j = 0; j < fc->chunks[c].n_rows; j++) first[fc->chunks[c].rows[j].person + 1]++;
  for (size_t p = 0; p < n_people; p++) first[p + 1] += first[p];
  row_ref *order = malloc((n_rows ? n_rows : 1) * sizeof *order);
  size_t *fill = malloc((n_people ? n_people : 1) * sizeof *fill);
  memcpy(fill, first, n_people * sizeof *fill);
  for (size_t c = 0; c < fc->n_chunks; c++) {
    chunk_t *ch = &fc->chunks[c];
    ch->result = calloc(ch->n_rows ? ch->n_rows : 1, sizeof *ch->result);
    for (size_t j = 0; j < ch->n_rows; j++)
      order[fill[ch->rows[j].person]++] = (row_ref){(uint32_t)c, (uint32_t)j};
  }
  free(fill);

  /* evaluate: each person once, results placed on their rows */
  progress(cfg, "evaluate", 0, in.size, n_rows);
  int n_threads = omp_get_max_threads();
  relief_summary *partial = calloc((size_t)n_threads, sizeof *partial);
#pragma omp parallel
  {
    int t = omp_get_thread_num();
    person_scratch ps = {0};
#pragma omp for schedule(dynamic, 256)
    for (size_t p = 0; p < n_people; p++)
      evaluate_person(fc, order + first[p], first[p + 1] - first[p], &ps, &partial[t],
                      &fc->arenas[t]);
    person_scratch_free(&ps);
  }
  for (int t = 0; t < n_threads; t++) relief_summary_add_partial(sum, &partial[t]);
  if (sum->earliest_state != RELIEF_EARLIEST_DAY) sum->earliest_state = RELIEF_EARLIEST_NONE;
  res->people += (int64_t)n_people;
  free(partial);
  free(first);
  free(order);

  /* emit: formatted in parallel, written in input order */
  progress(cfg, "write", 0, in.size, 0);
  uint64_t rows_written = 0;
  emit_bufs heads = {0};
  append_header(&heads.all, relief_column_names, NULL, RELIEF_NCOLS);
  append_header(&heads.condensed, relief_column_names, relief_condensed_columns, 20);
  relief_outfile *all = &outs[0], *condensed = &outs[1], *prop64 = &outs[2];
  st = relief_outfile_write(all, heads.all.data, heads.all.len, err);
  if (!st) st = relief_outfile_write(condensed, heads.condensed.data, heads.condensed.len, err);
  if (!st) st = relief_outfile_write(prop64, heads.all.data, heads.all.len, err);
  relief_buf_free(&heads.all);
  relief_buf_free(&heads.condensed);
  relief_status write_status = st;
  uint64_t written = 0;
#pragma omp parallel
  {
    emit_bufs bufs = {0};
#pragma omp for ordered schedule(dynamic, 1)
    for (size_t c = 0; c < fc->n_chunks; c++) {
      emit_chunk(fc, &fc->chunks[c], &bufs);
      relief_input_release(&in, fc->chunks[c].begin, fc->chunks[c].end - fc->chunks[c].begin);
#pragma omp ordered
      {
        relief_error local;
        if (!write_status) {
          relief_status w = relief_outfile_write(all, bufs.all.data, bufs.all.len, &local);
          if (!w) w = relief_outfile_write(condensed, bufs.condensed.data, bufs.condensed.len, &local);
          if (!w) w = relief_outfile_write(prop64, bufs.prop64.data, bufs.prop64.len, &local);
          if (w) {
            write_status = w;
            if (err) *err = local;
          }
        }
        written += fc->chunks[c].end - fc->chunks[c].begin;
        rows_written += fc->chunks[c].n_rows;
        progress(cfg, "write", written, in.size, rows_written);
      }
    }
    relief_buf_free(&bufs.all);
    relief_buf_free(&bufs.condensed);
    relief_buf_free(&bufs.prop64);
    relief_buf_free(&bufs.tail);
  }
  st = write_status;
done:
  free_chunks(fc);
  relief_input_close(&in);
  fc->text = NULL;
  return st;
}

void relief_output_path(char *out, size_t cap, const char *dir, const char *base, int index,
                        const char *suffix, const char *ext) {
  char idx[32] = "";
  if (index > 0) snprintf(idx, sizeof idx, "_%d", index);
  int has_suffix = suffix && *suffix;
  snprintf(out, cap, "%s/%s%s%s%s%s", dir, base, idx, has_suffix ? "_" : "", has_suffix ? suffix : "",
           ext);
}

relief_status relief_run(const relief_run_config *cfg, relief_run_result *res, relief_error *err) {
  memset(res, 0, sizeof *res);
  if (cfg->threads > 0) omp_set_num_threads(cfg->threads);
  double t0 = omp_get_wtime();
  relief_classifier *classifier = relief_classifier_new();
  if (!classifier) return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot compile patterns");
  relief_flow flow, dismiss_all;
  relief_flow_configurable(&flow, &cfg->options);
  relief_flow_dismiss_all_prop64(&dismiss_all);
  int n_threads = omp_get_max_threads();
  file_ctx fc = {
      .cfg = cfg,
      .classifier = classifier,
      .flow = &flow,
      .dismiss_all = &dismiss_all,
      .eval = {.compute_day = cfg->compute_day},
      .county_len = strlen(cfg->county),
      .arenas = calloc((size_t)n_threads, sizeof(arena_block *)),
  };
  relief_intern_init(&fc.sections);
  size_t n_outs = (size_t)cfg->n_inputs * 3;
  relief_outfile *outs = calloc(n_outs + 1, sizeof *outs);
  relief_status st = RELIEF_OK;
  static const char *const bases[3] = {"All_Results", "All_Results_Condensed", "Prop64_Results"};
  for (int i = 0; i < cfg->n_inputs && !st; i++) {
    int index = cfg->n_inputs > 1 ? i + 1 : 0;
    for (int k = 0; k < 3 && !st; k++) {
      char path[4096];
      relief_output_path(path, sizeof path, cfg->outputs_dir, bases[k], index, cfg->suffix, ".csv");
      st = relief_outfile_open(&outs[i * 3 + k], path, err);
    }
    relief_summary file_sum = {0};
    if (!st) st = process_file(&fc, cfg->inputs[i], &outs[i * 3], &file_sum, res, err);
    for (int k = 0; k < 3 && !st; k++) st = relief_outfile_finish(&outs[i * 3 + k], err);
    if (!st) relief_summary_accumulate(&res->summary, &file_sum);
  }
  res->seconds = omp_get_wtime() - t0;
  if (!st) {
    char *json = relief_summary_json(&res->summary, cfg->county, &flow, &cfg->options, res->seconds,
                                     (int64_t)time(NULL));
    char path[4096];
    relief_output_path(path, sizeof path, cfg->outputs_dir, cfg->gogen_naming ? "gogen" : "summary",
                       0, cfg->suffix, ".json");
    relief_outfile summary;
    st = relief_outfile_open(&summary, path, err);
    if (!st) st = relief_outfile_write(&summary, json, strlen(json), err);
    if (!st) st = relief_outfile_finish(&summary, err);
    free(json);
    /* the manifest describes the finished temporaries, and is committed last */
    relief_outfile manifest = {0};
    const relief_flow *flows[2] = {&flow, &dismiss_all};
    if (!st)
      st = relief_manifest_prepare(cfg, res, flows, 2, outs, n_outs, &summary, &manifest, err);
    /* commit: bundle files first, the summary, then the manifest */
    for (size_t k = 0; k < n_outs && !st; k++) st = relief_outfile_commit(&outs[k], err);
    if (!st) st = relief_outfile_commit(&summary, err);
    if (!st) st = relief_outfile_commit(&manifest, err);
    relief_outfile_discard(&summary);
    relief_outfile_discard(&manifest);
  }
  for (size_t k = 0; k < n_outs; k++) relief_outfile_discard(&outs[k]);
  free(outs);
  for (int t = 0; t < n_threads; t++) arena_free(fc.arenas[t]);
  free(fc.arenas);
  free(fc.classes);
  relief_intern_free(&fc.sections);
  relief_classifier_free(classifier);
  return st;
}
