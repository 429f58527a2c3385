/*
 * result_row.c — the 18 result columns of eligibility spec §5 (and the Rule
 * column of --trace, and the extended columns of the review files), built
 * in one place: evaluate hands each decided conviction here, and the text
 * is formatted once, CSV-quoted, into a row_result that emit copies.
 */
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "common/arena.h"
#include "output/output.h"
#include "output/result_row.h"
#include "pipeline/pipeline.h"

static const row_result *make_result(arena_block **arena, uint8_t flags, const relief_buf *b,
                                     size_t head_len, size_t tail_len) {
  row_result *r = arena_alloc(arena, sizeof *r + b->len);
  r->flags = flags;
  r->head_len = (uint32_t)head_len;
  r->tail_len = (uint32_t)tail_len;
  r->extended_len = (uint32_t)(b->len - head_len - tail_len);
  if (b->len) memcpy(r->text, b->data, b->len);
  return r;
}

static void append_years(relief_buf *b, int32_t day, int32_t compute_day) {
  char tmp[64];
  int n = day == RELIEF_DAY_UNKNOWN
              ? snprintf(tmp, sizeof tmp, "-1.0")
              : snprintf(tmp, sizeof tmp, "%.1f", years_between(day, compute_day));
  buf_append(b, tmp, (size_t)n);
}

static void append_int(relief_buf *b, long long v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%lld", v);
  buf_append(b, tmp, (size_t)n);
}

static void append_str(relief_buf *b, const char *s) { buf_append(b, s, strlen(s)); }

/* Code sections of the person's convictions whose class has bit, joined. */
static void join_sections(const relief_eval_ctx *ctx, const relief_person *p, uint32_t bit,
                          relief_buf *out) {
  out->len = 0;
  for (int i = 0; i < p->n_convictions; i++) {
    if (!(ctx->classes[p->convictions[i].class_id].bits & bit)) continue;
    size_t len = ctx->section_len[p->convictions[i].class_id];
    const char *s = ctx->section_text[p->convictions[i].class_id];
    if (out->len) buf_putc(out, ';');
    buf_append(out, s, len);
  }
  if (!out->len) buf_putc(out, '-');
}

/* Why relief for a conviction is not filed before a reviewer checks the
 * facts: dated after the decision date, or after 11/08/2016 (Prop 64 took
 * effect); "" otherwise. The words of filings_withhold_reason. */
static const char *filing_check(relief_determination det, int32_t day, int32_t compute_day) {
  static const int32_t nov_8_2016 = 17113; /* 2016-11-08 */
  if ((det != RELIEF_DET_DISMISS && det != RELIEF_DET_REDUCE) || day == RELIEF_DAY_UNKNOWN)
    return "";
  if (day > compute_day) return "conviction after the decision date: check the facts before filing";
  if (day > nov_8_2016)
    return "conviction after 11/08/2016, when Prop 64 took effect: check the facts before filing";
  return "";
}

/* The extended columns (HS 11361.8 remedy, basis, possible plea bargain,
 * filing check). */
static void append_extended(relief_buf *b, relief_determination det, bool serving, bool plea,
                            const char *check) {
  const char *remedy = "", *basis = "";
  if (det == RELIEF_DET_DISMISS || det == RELIEF_DET_REDUCE) {
    remedy = serving                     ? "Recall and resentence"
             : det == RELIEF_DET_DISMISS ? "Dismiss and seal"
                                         : "Redesignate as misdemeanor or infraction";
    basis = serving ? "HS 11361.8(a); HS 11361.9" : "HS 11361.8(e); HS 11361.9";
  }
  buf_putc(b, ',');
  csv_append(b, remedy, strlen(remedy));
  buf_putc(b, ',');
  csv_append(b, basis, strlen(basis));
  append_str(b, plea ? ",Y," : ",N,");
  csv_append(b, check, strlen(check));
}

/* Formats the 17 result columns other than §8's (plus the rule id with
 * --trace, and the extended columns) as a result record in the arena. */
static const row_result *format_result(const decision *dc, format_scratch *ps,
                                       arena_block **arena) {
  const relief_eval_ctx *ctx = dc->ctx;
  const relief_person *p = dc->person;
  const relief_flow_row *rule = dc->rule;
  const int64_t *section_counts = dc->section_counts;
  const relief_conviction *c = &p->convictions[dc->index];
  relief_buf *b = &ps->line, *cases = &ps->cases_text;
  b->len = cases->len = 0;
  if (dc->first_of_person) {
    join_sections(ctx, p, RELIEF_CS_SUPERSTRIKE, &ps->strikes);
    join_sections(ctx, p, RELIEF_CS_PC290, &ps->pc290);
  }
  relief_determination det = rule ? rule->determination : RELIEF_DET_NONE;
  bool review =
      det == RELIEF_DET_NONE || det == RELIEF_DET_HAND_REVIEW || det == RELIEF_DET_CITY_ATTORNEYS;
  uint8_t flags = review ? RESULT_REVIEW : 0;
  for (int k = 0; k < p->n_case_numbers; k++) {
    if (p->case_numbers[k].step_key != c->step_key) continue;
    if (cases->len) buf_append(cases, "; ", 2);
    append_str(cases, p->case_numbers[k].ofn);
  }
  csv_append(b, cases->data ? cases->data : "", cases->len);
  buf_putc(b, ',');
  append_int(b, p->n_convictions);
  size_t head_len = b->len;
  static const int32_t nov_9_2016 = 17114; /* 2016-11-09 */
  append_str(b, c->disp_day > nov_9_2016 ? ",Y," : ",N,");
  csv_append(b, ps->strikes.data, ps->strikes.len);
  buf_putc(b, ',');
  csv_append(b, ps->pc290.data, ps->pc290.len);
  append_str(b, p->registered ? ",Yes," : ",-,");
  int y, m, d;
  doj_civil_from_days(c->disp_day, &y, &m, &d);
  char date[32];
  int dn = snprintf(date, sizeof date, "%02d/%02d/%04d,", m, d, y);
  buf_append(b, date, (size_t)dn);
  append_years(b, c->disp_day, ctx->compute_day);
  buf_putc(b, ',');
  append_years(b, person_latest_disposition(p), ctx->compute_day);
  for (int k = 0; k < 5; k++) {
    buf_putc(b, ',');
    append_int(b, section_counts[k]);
  }
  append_str(b, p->deceased ? ",Deceased," : ",-,");
  const char *det_name = determination_names[det];
  csv_append(b, det_name, strlen(det_name));
  buf_putc(b, ',');
  if (rule) csv_append(b, rule->reason, strlen(rule->reason));
  if (dc->trace) {
    buf_putc(b, ',');
    if (rule) csv_append(b, rule->id, strlen(rule->id));
  }
  size_t tail_len = b->len - head_len;
  append_extended(b, det, (dc->features & RELIEF_F_SERVING_THIS_SENTENCE) != 0,
                  person_prop64_arrest_in_cycle(dc->history, c),
                  filing_check(det, c->disp_day, ctx->compute_day));
  return make_result(arena, flags, b, head_len, tail_len);
}

/* A record for a conviction that gets no result but may be a plea bargain:
 * a non-Prop 64 conviction in a cycle where Prop 64 was charged at arrest. */
static const row_result *format_plea_only(format_scratch *ps, arena_block **arena) {
  relief_buf *b = &ps->line;
  b->len = 0;
  append_extended(b, RELIEF_DET_NONE, false, true, "");
  return make_result(arena, RESULT_PLEA_ONLY, b, 0, 0);
}

static const row_result *format(const decision *d, format_scratch *s, arena_block **arena) {
  return d->plea_only ? format_plea_only(s, arena) : format_result(d, s, arena);
}

const result_formatter output_result_formatter = format;

size_t output_result_bytes(const struct row_result *r) {
  return offsetof(row_result, text) + r->head_len + r->tail_len + r->extended_len;
}
