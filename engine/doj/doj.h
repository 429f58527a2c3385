/*
 * doj/doj.h — the CA DOJ research format: its 95 columns, the row parser
 * (the engine's hot loop, quote-aware, Go encoding/csv compatible), chunking
 * a text at row boundaries, and YYYYMMDD dates as day numbers.
 */
#ifndef RELIEF_DOJ_H
#define RELIEF_DOJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/error.h"

enum {
  RELIEF_COL_RECORD_ID = 0,
  RELIEF_COL_SUBJECT_ID = 2,
  RELIEF_COL_CII_NUMBER = 11,
  RELIEF_COL_PRI_NAME = 12,
  RELIEF_COL_GENDER = 13,
  RELIEF_COL_PRI_DOB = 14,
  RELIEF_COL_PRI_SSN = 15,
  RELIEF_COL_PRI_CDL = 16,
  RELIEF_COL_RACE_DESCR = 22,
  RELIEF_COL_CYC_DATE = 37,
  RELIEF_COL_STP_EVENT_DATE = 40,
  RELIEF_COL_STP_TYPE_DESCR = 42,
  RELIEF_COL_STP_ORI_DESCR = 46,
  RELIEF_COL_STP_ORI_CNTY_NAME = 48,
  RELIEF_COL_CNT_ORDER = 50,
  RELIEF_COL_DISP_DATE = 51,
  RELIEF_COL_OFN = 52,
  RELIEF_COL_OFFENSE_DESCR = 54,
  RELIEF_COL_OFFENSE_TOC = 55,
  RELIEF_COL_DISP_DESCR = 80,
  RELIEF_COL_CONV_STAT_DESCR = 82,
  RELIEF_COL_SENT_LOC_DESCR = 86,
  RELIEF_COL_SENT_LENGTH = 87,
  RELIEF_COL_SENT_TIME_CODE = 88,
  RELIEF_COL_CYC_AGE = 90,
  RELIEF_COL_COMMENT_TEXT = 93,
  RELIEF_COL_END_OF_REC = 94,
  RELIEF_NCOLS = 95,
};

/* The column names, in file order. */
extern const char *const doj_column_names[RELIEF_NCOLS];

/* The 20 input columns of All_Results_Condensed.csv, in order. */
extern const int condensed_columns[20];

/* One field of a parsed row, pointing into the input text. For a quoted
 * field ptr/len cover the text between the quotes; RELIEF_FIELD_ESCAPED says
 * it holds a doubled quote or a CRLF that must be undone to get the value. */
enum { RELIEF_FIELD_QUOTED = 1, RELIEF_FIELD_ESCAPED = 2 };
typedef struct {
  const char *ptr;
  uint32_t len;
  uint32_t flags;
} relief_field;

/* Why a row failed to parse. */
typedef enum {
  RELIEF_PARSE_OK = 0,
  RELIEF_PARSE_FIELD_COUNT,  /* not 95 fields */
  RELIEF_PARSE_BARE_QUOTE,   /* '"' inside an unquoted field */
  RELIEF_PARSE_QUOTE,        /* text after a closing quote */
  RELIEF_PARSE_UNTERMINATED, /* quoted field runs to the end of the input */
  RELIEF_PARSE_CR_ONLY,      /* old Mac line endings: CR without LF */
  RELIEF_PARSE_NUL,          /* a NUL byte in a field */
} relief_parse_code;

typedef struct {
  relief_parse_code code;
  size_t offset;     /* byte offset of the problem */
  size_t row_offset; /* byte offset where the row began */
  int field_count;   /* fields found, for RELIEF_PARSE_FIELD_COUNT */
} relief_parse_error;

/* Parses the record that starts at *pos (skipping empty lines, as Go's
 * encoding/csv does). On success fills fields[0..94], sets *row_start, moves
 * *pos past the record's line end and returns 1. Returns 0 at the end of the
 * text, -1 on a malformed record (perr says why and where). */
int parse_row(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
              size_t *row_start, relief_parse_error *perr);

/* parse_row's implementations, each with its exact contract and
 * results: "scalar" (portable) and the 64-byte bitmask scanners "sse2" and
 * "avx2" (AVX2 + PCLMUL). doj_row_parser returns NULL for an unknown name
 * or one this CPU cannot run. parse_row uses the fastest this CPU
 * runs, or the one the environment variable RELIEF_SCANNER names, chosen on
 * first use; doj_row_parser_name says which. */
typedef int (*relief_parse_row_fn)(const char *text, size_t size, size_t *pos,
                                   relief_field fields[RELIEF_NCOLS], size_t *row_start,
                                   relief_parse_error *perr);
relief_parse_row_fn doj_row_parser(const char *name);
const char *doj_row_parser_name(void);

/* The decision pass reads about 20 of the 95 columns: the lean parse fills
 * only the fields of the columns in want (bit c of bits[c / 64]; the others
 * may hold anything) and tells where the row's text ends and whether it is
 * its canonical text (every quoted field must be quoted, a comma inside, and
 * holds no escape): then [row_start, end) is what the statewide content
 * hash reads in place. Same rows, errors and positions as parse_row. */
typedef struct {
  uint64_t bits[2];
} relief_columns;

typedef struct {
  size_t end;     /* just past the row's last value as written (its closing quote) */
  bool canonical; /* [row_start, end) is the row's canonical text */
} relief_row_extent;

/* Whether a quoted field is as the canonical text writes it: it must be
 * quoted (a comma inside) and holds no escape. The one test of
 * row_extent_of and the lean scanners. */
static inline bool quoted_field_canonical(const relief_field *f) {
  return !(f->flags & RELIEF_FIELD_ESCAPED) && memchr(f->ptr, ',', f->len) != NULL;
}

typedef int (*relief_parse_lean_fn)(const char *text, size_t size, size_t *pos,
                                    relief_field fields[RELIEF_NCOLS], size_t *row_start,
                                    relief_parse_error *perr, const relief_columns *want,
                                    relief_row_extent *ext);
int parse_row_lean(const char *text, size_t size, size_t *pos, relief_field fields[RELIEF_NCOLS],
                   size_t *row_start, relief_parse_error *perr, const relief_columns *want,
                   relief_row_extent *ext);
/* The lean parser by name, as doj_row_parser. */
relief_parse_lean_fn doj_row_parser_lean(const char *name);

/* The extent of a row from all of its fields (the scalar parser's). */
void row_extent_of(const char *text, const relief_field fields[RELIEF_NCOLS],
                   relief_row_extent *ext);

/* The field's value: ptr itself when it needs no unescaping, else the value
 * written into scratch (which must hold f->len bytes). Sets *len. */
const char *doj_field_value(const relief_field *f, char *scratch, uint32_t *len);

/* Human words for a parse error code. */
const char *parse_code_text(relief_parse_code code);

/* Whether text, the start of a file, has CR-only line endings (old Mac):
 * its first line holds a CR that is not followed by LF before any '"'.
 * Such a file would otherwise read as one header line and no rows. */
bool cr_only_line_ends(const char *text, size_t size);

/* Length of the header line to skip (through its LF) when the text starts
 * with RECORD_ID, else 0. */
size_t header_length(const char *text, size_t size);

/* Called with each range of text the chunker has finished reading. */
typedef void (*relief_release_fn)(void *user, size_t offset, size_t len);

/* Splits text[begin, size) into about n_wanted chunks that start and end on
 * record boundaries, quote-aware. Writes n+1 offsets into bounds (bounds[0] =
 * begin, bounds[n] = size) and returns n (>= 1). bounds must hold n_wanted+1.
 * release (may be NULL) is told of each segment once its quotes are counted.
 * Quotes are counted on threads threads (0 = 1). */
size_t chunk_text(const char *text, size_t begin, size_t size, size_t n_wanted, size_t *bounds,
                  relief_release_fn release, void *release_user, int threads);

/* Offset just past the last LF of text[0, n) that ends a record (outside
 * quotes, text starting outside quotes), or 0 when there is none. */
size_t last_row_end(const char *text, size_t n);

/* 1-based physical line number of byte offset in text. */
long long line_of_offset(const char *text, size_t offset);

/* Dates are day numbers: days since 1970-01-01, proleptic Gregorian. An
 * unknown date is 0001-01-01 (the reference's zero time). */
#define RELIEF_DAY_UNKNOWN (-719162)

/* Parses YYYYMMDD strictly (Go time.Parse "20060102"); unknown on failure. */
int32_t doj_parse_yyyymmdd(const char *s, size_t len);

/* Parses YYYY-MM-DD strictly; returns 0 and sets *day, or -1. */
int doj_parse_iso_date(const char *s, int32_t *day);

/* Day number of y-m-d; d may exceed the month (it rolls over, as Go does). */
int32_t doj_days_from_civil(int64_t y, int m, int d);

/* Splits a day number into year, month, day. */
void doj_civil_from_days(int32_t day, int *y, int *m, int *d);

/* day + years calendar years (Go AddDate(years, 0, 0): Feb 29 → Mar 1). */
int32_t doj_add_years(int32_t day, int years);

#endif
