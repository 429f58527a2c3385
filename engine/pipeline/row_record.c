/*
 * row_record.c — one parsed row into its compact record (eligibility spec
 * §1–2): whether it is a conviction, a felony, a court action, a PC 290
 * registration or a death notice, its dates, its sentence part, the hashes
 * that tie counts of one step and one cycle together, and its code section.
 */
#include <stdbool.h>
#include <string.h>
#include <xxhash.h>

#include "pipeline/pipeline_int.h"

static int equals(const char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  return n == m && memcmp(s, lit, m) == 0;
}

/* The day of date v (n bytes), from memo when it is the last one's. */
static int32_t memo_day(const char *v, size_t n, date_memo *memo) {
  if (n != 8) return doj_parse_yyyymmdd(v, n);
  uint64_t text;
  memcpy(&text, v, 8);
  if (!memo->has || text != memo->text) {
    memo->text = text;
    memo->day = doj_parse_yyyymmdd(v, n);
    memo->has = true;
  }
  return memo->day;
}

void row_facts(const relief_field f[RELIEF_NCOLS], field_scratch s[4], row_memo *memo, row_rec *rec,
               row_strings *out) {
  field_scratch *a = &s[0], *b = &s[1];
  memset(rec, 0, sizeof *rec);
  memset(out, 0, sizeof *out);
  size_t n;
  const char *v = field_value(&f[RELIEF_COL_PRI_DOB], a, &n);
  rec->dob_day = memo_day(v, n, &memo->dob);
  v = field_value(&f[RELIEF_COL_CNT_ORDER], a, &n);
  rec->step_key = row_step_key(v, n);
  v = field_value(&f[RELIEF_COL_DISP_DESCR], a, &n);
  if (n >= 9 && memcmp(v, "CONVICTED", 9) == 0) rec->flags |= ROW_CONVICTED;
  v = field_value(&f[RELIEF_COL_STP_TYPE_DESCR], a, &n);
  int court = equals(v, n, "COURT ACTION"), registration = equals(v, n, "REGISTRATION");
  int arrest = n >= 6 && memcmp(v, "ARREST", 6) == 0;
  if (equals(v, n, "DECEASED")) rec->flags |= ROW_DECEASED;
  if (court) {
    rec->flags |= ROW_COURT_ACTION;
    out->ofn = field_value(&f[RELIEF_COL_OFN], &s[2], &out->ofn_len);
  }
  if (arrest) {
    size_t off_n, com_n, cs_n;
    bool from_comment;
    const char *off = field_value(&f[RELIEF_COL_OFFENSE_DESCR], a, &off_n);
    const char *com = field_value(&f[RELIEF_COL_COMMENT_TEXT], b, &com_n);
    const char *cs = rules_code_section(off, off_n, com, com_n, &cs_n, &from_comment);
    if (find_prop64_section(cs, cs_n)) rec->flags |= ROW_ARREST_PROP64;
  }
  if (registration) {
    v = field_value(&f[RELIEF_COL_OFFENSE_DESCR], a, &n);
    if (n >= 3 && memcmp(v, "290", 3) == 0) rec->flags |= ROW_REGISTRATION;
  }
  if (!(rec->flags & ROW_CONVICTED)) return;
  /* only a conviction's date and count are read (history.c): a row of
   * another kind leaves them 0 */
  v = field_value(&f[RELIEF_COL_STP_EVENT_DATE], a, &n);
  rec->disp_day = memo_day(v, n, &memo->disp);
  v = field_value(&f[RELIEF_COL_CNT_ORDER], a, &n);
  rec->cnt_key = XXH3_64bits(v, n);
  out->county = field_value(&f[RELIEF_COL_STP_ORI_CNTY_NAME], &s[3], &out->county_len);
  size_t stat_n, toc_n;
  const char *stat = field_value(&f[RELIEF_COL_CONV_STAT_DESCR], a, &stat_n);
  int felony = equals(stat, stat_n, "FELONY");
  if (!stat_n) {
    const char *toc = field_value(&f[RELIEF_COL_OFFENSE_TOC], a, &toc_n);
    felony = equals(toc, toc_n, "F");
  }
  if (felony) rec->flags |= ROW_FELONY;
  size_t len_n, code_n;
  const char *len_s = field_value(&f[RELIEF_COL_SENT_LENGTH], a, &len_n);
  char len_copy[32];
  if (len_n > sizeof len_copy) len_n = sizeof len_copy; /* longer is never a valid int */
  memcpy(len_copy, len_s, len_n);
  const char *code = field_value(&f[RELIEF_COL_SENT_TIME_CODE], a, &code_n);
  rec->sentence_ns = sentence_part_ns(len_copy, len_n, code, code_n);
  size_t off_n, com_n;
  bool from_comment;
  const char *off = field_value(&f[RELIEF_COL_OFFENSE_DESCR], a, &off_n);
  const char *com = field_value(&f[RELIEF_COL_COMMENT_TEXT], b, &com_n);
  out->section = rules_code_section(off, off_n, com, com_n, &out->section_len, &from_comment);
  while (off_n && off[0] == ' ') off++, off_n--;
  while (off_n && off[off_n - 1] == ' ') off_n--;
  if (from_comment || (off_n == 1 && off[0] == '-')) rec->flags |= ROW_CHARGE_UNKNOWN;
}
