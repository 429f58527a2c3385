/*
 * gen.h — shared types of relief-gen, the synthetic DOJ research-file generator:
 * the catalogue (counties, offenses, names), a person's history as compact
 * row records, the text formatter and the per-county output files. */
#ifndef RELIEF_GEN_H
#define RELIEF_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "random.h"

#define DOJ_COLUMN_COUNT 95
#define CALIFORNIA_COUNTY_COUNT 58
#define NO_COUNTY 0xFF

/* A string with its length known at compile time. */
typedef struct text {
  const char *chars;
  uint32_t length;
} text;
#define TEXT(literal)                                                                              \
  { literal, sizeof(literal) - 1 }

/* ---- catalogue (catalog.c) ---------------------------------------------- */

typedef struct county_entry {
  text name;           /* as in STP_ORI_CNTY_NAME */
  uint32_t population; /* approximate 2020 census count: the draw weight */
} county_entry;

enum offense_class {
  OFFENSE_PROP64,
  OFFENSE_RELATED,
  OFFENSE_SUPERSTRIKE,
  OFFENSE_PC290,
  OFFENSE_OTHER,
  OFFENSE_CLASS_COUNT
};

typedef struct offense_entry {
  text description;    /* OFFENSE_DESCR: "<code section>-<description>" */
  text code;           /* OFFENSE_CODE */
  char type_of_charge; /* OFFENSE_TOC: F, M or I */
  uint8_t offense_class;
  uint16_t weight; /* draw weight within its class */
} offense_entry;

enum step_kind {
  STEP_ARREST,
  STEP_COURT,
  STEP_REGISTRATION,
  STEP_DECEASED,
  STEP_PROBATION,
  STEP_KIND_COUNT
};

typedef struct step_kind_entry {
  text type_code;
  text description; /* STP_TYPE_DESCR */
} step_kind_entry;

/* A disposition; convictions name their sentence location. */
typedef struct disposition_entry {
  text description; /* DISP_DESCR */
  uint8_t is_conviction;
  text sentence_location_code;
  text sentence_location; /* SENT_LOC_DESCR */
} disposition_entry;

enum disposition_id {
  DISPOSITION_NONE,
  DISPOSITION_RELEASED,
  DISPOSITION_DETENTION_ONLY,
  DISPOSITION_CONVICTED_JAIL,
  DISPOSITION_CONVICTED_PROBATION,
  DISPOSITION_CONVICTED_PRISON,
  DISPOSITION_CONVICTED_FINE,
  DISPOSITION_DISMISSED,
  DISPOSITION_ACQUITTED,
  DISPOSITION_COUNT
};

enum conviction_status {
  CONVICTION_STATUS_NONE,
  CONVICTION_STATUS_FELONY,
  CONVICTION_STATUS_MISDEMEANOR,
  CONVICTION_STATUS_INFRACTION,
  CONVICTION_STATUS_COUNT
};

enum sentence_unit {
  SENTENCE_UNIT_NONE,
  SENTENCE_UNIT_DAYS,
  SENTENCE_UNIT_MONTHS,
  SENTENCE_UNIT_YEARS,
  SENTENCE_UNIT_COUNT
};

typedef struct catalog {
  const county_entry *counties; /* CALIFORNIA_COUNTY_COUNT, alphabetical */
  const offense_entry *offenses;
  uint32_t offense_count;
  uint32_t offenses_by_class[OFFENSE_CLASS_COUNT][64]; /* offense indexes */
  uint32_t class_size[OFFENSE_CLASS_COUNT];
  uint32_t class_weight_total[OFFENSE_CLASS_COUNT];
  const step_kind_entry *step_kinds;
  const disposition_entry *dispositions;
  const text *conviction_statuses; /* FELONY, MISDEMEANOR, ... */
  const text *sentence_unit_codes; /* D, M, Y */
  const text *sentence_unit_names; /* DAYS, MONTHS, YEARS */
  const text *last_names;
  uint32_t last_name_count;
  const text *first_names;
  uint32_t first_name_count;
  const text *race_codes;
  const text *race_names;
  uint32_t race_count;
  const text *clean_comments; /* free text with commas and quotes */
  uint32_t clean_comment_count;
  const char *const *column_names; /* DOJ_COLUMN_COUNT */
  uint32_t registration_offense;   /* index of 290 PC-REGISTRATION ... */
} catalog;

/* Fills the derived indexes of the built-in catalogue; never fails. */
void catalog_init(catalog *out);

/* Index of the county named `name` (spaces or underscores), or -1. */
int catalog_find_county(const catalog *cat, const char *name, size_t length);

/* Draws an offense of `offense_class` by weight. */
uint32_t catalog_draw_offense(const catalog *cat, random_stream *rng, int offense_class);

/* ---- a person's history (history.c) ------------------------------------- */

enum row_flag {
  ROW_SEE_COMMENT = 1u << 0,          /* OFFENSE_DESCR says SEE COMMENT FOR CHARGE */
  ROW_BLANK_OFFENSE = 1u << 1,        /* OFFENSE_DESCR blank, charge in COMMENT_TEXT */
  ROW_COMMENT_OTHER_PROP64 = 1u << 2, /* COMMENT_TEXT names another Prop 64 charge */
  ROW_UNKNOWN_DATE = 1u << 3,         /* STP_EVENT_DATE unparseable (kind in date_defect) */
  ROW_CRLF = 1u << 4,                 /* line ends in CR LF */
  ROW_FREE_COMMENT = 1u << 5,         /* COMMENT_TEXT is free text with a comma */
  ROW_AKA_NAME = 1u << 6,             /* PRI_NAME spelled differently */
  ROW_PADDED_QUALIFIER = 1u << 7,     /* OFFENSE_QUAL_LST holds only spaces */
};

enum date_defect {
  DATE_DEFECT_ZERO_MONTH_DAY,
  DATE_DEFECT_ALL_ZERO,
  DATE_DEFECT_EMPTY,
  DATE_DEFECT_COUNT
};

/* One row: one count of one step of one cycle. Text is made only when written. */
typedef struct history_row {
  int32_t cycle_day;        /* CYC_DATE, days since 1970-01-01 */
  int32_t event_day;        /* STP_EVENT_DATE */
  uint32_t court_case;      /* OFN number, 0 = none */
  uint16_t cycle_number;    /* first 3 digits of CNT_ORDER */
  uint16_t offense;         /* catalogue index, also for the charge in a comment */
  uint16_t comment_offense; /* with ROW_COMMENT_OTHER_PROP64 */
  uint16_t sentence_length;
  uint16_t flags; /* enum row_flag */
  uint8_t step_number;
  uint8_t count_number;
  uint8_t step_kind;
  uint8_t county;
  uint8_t agency_kind; /* 0 police, 1 sheriff, 2 highway patrol; courts ignore it */
  uint8_t disposition;
  uint8_t conviction_status;
  uint8_t sentence_unit;
  uint8_t sentence_location; /* a disposition whose location the part names */
  uint8_t sentence_order;    /* 1.. for sentence parts, 0 = none */
  uint8_t date_defect;
  uint8_t comment_index; /* with ROW_FREE_COMMENT */
  uint8_t age_at_cycle;
  uint8_t has_offense; /* 0 for death notices */
} history_row;

typedef struct person {
  uint64_t index;
  uint64_t subject_id;
  uint64_t cii_number;
  int32_t birth_day;
  uint16_t last_name, first_name;
  char middle_initial; /* 0 = none */
  char gender;
  uint8_t race;
  uint8_t aka_kind;
  uint16_t height, weight;
  uint8_t home_county;
  uint8_t second_county; /* NO_COUNTY when none */
  history_row *rows;
  size_t row_count, row_capacity;
} person;

enum data_shape { SHAPE_REALISTIC, SHAPE_REFERENCE };

typedef struct history_options {
  enum data_shape shape;
  double dirty_rate;         /* per row, per kind of defect */
  double second_county_rate; /* share of people convicted in a second county */
  uint64_t seed;
  const uint8_t *counties; /* selected counties (catalogue indexes) */
  uint32_t county_count;
  uint64_t county_weight_total;
  const uint64_t *county_weight_cumulative; /* over `counties` */
} history_options;

/* Builds person number `index` from scratch into `out` (rows reused).
 * Returns 0, or -1 when memory runs out. */
int history_build_person(const catalog *cat, const history_options *options, uint64_t index,
                         person *out);

/* The set of counties whose extract holds this person: those with a convicted
 * Prop 64 row reported by an agency there. Writes a 58-entry membership map
 * and returns how many counties hold the person. */
int history_extract_counties(const catalog *cat, const person *someone,
                             uint8_t member[CALIFORNIA_COUNTY_COUNT]);

/* ---- text (row_format.c) ------------------------------------------------ */

typedef struct byte_buffer {
  char *data;
  size_t length, capacity;
} byte_buffer;

/* Makes room for `extra` more bytes; returns 0 or -1 on out-of-memory. */
int byte_buffer_reserve(byte_buffer *buffer, size_t extra);

typedef struct row_formatter row_formatter;

/* A formatter for one data shape; NULL on out-of-memory. Free with
 * row_formatter_free. */
row_formatter *row_formatter_create(const catalog *cat, enum data_shape shape);
void row_formatter_free(row_formatter *formatter);

/* Appends the header line (95 names, LF) to `out`. Returns 0 or -1. */
int row_format_header(const row_formatter *formatter, byte_buffer *out);

/* Appends every row of `someone` to `out`, recording each row's end offset
 * (relative to out->data) in `row_ends`, which holds someone->row_count
 * entries. Returns 0 or -1 on out-of-memory. */
int row_format_person(row_formatter *formatter, const person *someone, byte_buffer *out,
                      size_t *row_ends);

/* ---- calendar helpers (row_format.c) ------------------------------------ */

int32_t days_from_civil(int32_t year, uint32_t month, uint32_t day);
void civil_from_days(int32_t days, int32_t *year, uint32_t *month, uint32_t *day);

#endif
