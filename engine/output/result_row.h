/*
 * output/result_row.h — a decided conviction's result columns, formatted
 * once (CSV-quoted) by result_row.c and copied by emit into every bundle
 * file the row goes to.
 */
#ifndef RELIEF_OUTPUT_RESULT_ROW_H
#define RELIEF_OUTPUT_RESULT_ROW_H

#include <stdint.h>

enum {
  RESULT_REVIEW = 1,    /* goes to Hand_Review.csv */
  RESULT_PLEA_ONLY = 2, /* no result columns; only the extended ones (a possible plea bargain) */
};

struct row_result {
  uint8_t flags;         /* RESULT_* */
  uint32_t head_len;     /* columns 1-2: case numbers, # of convictions */
  uint32_t tail_len;     /* "," then columns 4-18 [+ ",rule"] */
  uint32_t extended_len; /* ",remedy,basis,Y|N,filing check" */
  char text[];           /* head, tail, extended, back to back (no NUL) */
};
typedef struct row_result row_result;

static inline const char *row_result_head(const row_result *r) { return r->text; }
static inline const char *row_result_tail(const row_result *r) { return r->text + r->head_len; }
static inline const char *row_result_extended(const row_result *r) {
  return r->text + r->head_len + r->tail_len;
}

#endif
