/*
 * doj/row_facts.h — one DOJ row as the decision needs it: the compact record
 * (dates as day numbers, hashes of CNT_ORDER, flags for convicted, felony,
 * court action, registration, death notice, sentence length) instead of 95
 * strings, and the helpers that read field values as the reference did.
 */
#ifndef RELIEF_DOJ_ROW_FACTS_H
#define RELIEF_DOJ_ROW_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "doj/doj.h"

enum {
  ROW_CONVICTED = 1,
  ROW_FELONY = 2,
  ROW_COURT_ACTION = 4,
  ROW_REGISTRATION = 8,
  ROW_DECEASED = 16,
  ROW_SUBJECT_EMPTY = 32,   /* run mode: SUBJECT_ID is empty (reference oddity) */
  ROW_DUPLICATE = 64,       /* statewide: a copy of a row kept from an earlier file */
  ROW_ARREST_PROP64 = 128,  /* an arrest step charging a Prop 64 section */
  ROW_CHARGE_UNKNOWN = 256, /* convicted, OFFENSE_DESCR blank, "-" or SEE COMMENT FOR CHARGE */
};

/* One input row as the decision needs it. */
typedef struct {
  uint64_t cnt_key;    /* XXH3 of CNT_ORDER (convicted rows; else 0) */
  uint64_t step_key;   /* its first 6 characters themselves (row_step_key) */
  int64_t sentence_ns; /* this row's sentence part */
  int32_t disp_day;    /* STP_EVENT_DATE (convicted rows; else 0) */
  int32_t dob_day;
  uint32_t class_id; /* code-section class (convicted rows) */
  uint32_t ofn_id;   /* case number's offset in the piece's ofns + 1, 0 none */
  uint32_t person;
  uint16_t county; /* county id (convicted rows) */
  uint16_t flags;
} row_rec;

/* 48 bytes a row: every row of a run is held at once (the cycle key, once
 * a field of its own, is read off the step key) */
_Static_assert(sizeof(row_rec) == 48, "row_rec grew: every row of a run is held at once");

/* The step of CNT_ORDER v (n bytes): its first 6 bytes (fewer if shorter)
 * and how many, packed into one value, so that two steps are equal exactly
 * when their texts are (no hash can collide). */
static inline uint64_t row_step_key(const char *v, size_t n) {
  size_t k = n < 6 ? n : 6;
  uint64_t key = (uint64_t)k << 48;
  for (size_t i = 0; i < k; i++) key |= (uint64_t)(unsigned char)v[i] << (8 * i);
  return key;
}

/* The cycle of a step key: the first 3 of those bytes, and how many. */
static inline uint32_t row_cycle_key(uint64_t step_key) {
  uint32_t len = (uint32_t)(step_key >> 48);
  return (uint32_t)(step_key & 0xFFFFFF) | (len < 3 ? len : 3) << 24;
}

/* Room for unescaping field values (quoted fields with "" or CRLF). */
typedef struct {
  char *data;
  size_t cap;
} field_scratch;

void field_scratch_reserve(field_scratch *s, size_t n);
void field_scratch_free(field_scratch *s);

/* The value of a field: a view into the text, or unescaped into s (inline:
 * the parse calls it about 20 times a row). */
const char *field_value_escaped(const relief_field *f, field_scratch *s, size_t *len);
static inline const char *field_value(const relief_field *f, field_scratch *s, size_t *len) {
  if (!(f->flags & RELIEF_FIELD_ESCAPED)) {
    *len = f->len;
    return f->ptr;
  }
  return field_value_escaped(f, s, len);
}

/* Go strconv.Atoi as the reference used it: sign, digits, saturating on
 * overflow; anything else is 0. */
int64_t atoi_like_go(const char *s, size_t n);

/* One row's sentence in nanoseconds: SENT_LENGTH × the unit of
 * SENT_TIME_CODE (D, M = 732 h, Y = 8784 h), wrapping as Go's Duration. */
int64_t sentence_part_ns(const char *len_s, size_t len_n, const char *code, size_t code_n);

#endif
