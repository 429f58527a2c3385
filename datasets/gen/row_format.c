/*
 * row_format.c — turns compact history rows into DOJ research-format text. Which value each
 * of the 95 columns holds is a table per data shape; the hot path appends
 * with hand-written helpers into a pre-reserved buffer, and the columns that
 * depend only on the person are formatted once per person. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

enum column_source {
  SRC_EMPTY,
  SRC_SEPARATOR,
  /* person columns (0..34): formatted once per person */
  SRC_SUBJECT_ID,
  SRC_CII,
  SRC_NAME,
  SRC_GENDER,
  SRC_BIRTH_DATE,
  SRC_RACE_CODE,
  SRC_RACE_NAME,
  SRC_EYE_CODE,
  SRC_EYE_NAME,
  SRC_HAIR_CODE,
  SRC_HAIR_NAME,
  SRC_HEIGHT,
  SRC_WEIGHT,
  SRC_BIRTH_PLACE,
  SRC_BIRTH_PLACE_CODE,
  SRC_CITIZENSHIP,
  SRC_FBI_NUMBER,
  SRC_LICENSE,
  /* row columns (35..94) */
  SRC_CYCLE_ORDER,
  SRC_CYCLE_DATE,
  SRC_STEP_ORDER,
  SRC_EVENT_DATE,
  SRC_STEP_TYPE_CODE,
  SRC_STEP_TYPE,
  SRC_AGENCY_TYPE,
  SRC_AGENCY_TYPE_NAME,
  SRC_AGENCY_CODE,
  SRC_AGENCY_NAME,
  SRC_COUNTY_CODE,
  SRC_COUNTY_NAME,
  SRC_COUNT_ORDER,
  SRC_DISPOSITION_DATE,
  SRC_COURT_CASE,
  SRC_OFFENSE_CODE,
  SRC_OFFENSE,
  SRC_OFFENSE_TOC,
  SRC_QUALIFIER,
  SRC_CONVICTED_OFFENSE_CODE,
  SRC_CONVICTED_OFFENSE,
  SRC_CONVICTED_OFFENSE_TOC,
  SRC_CHARGE_CODE,
  SRC_CHARGE,
  SRC_CHARGE_TOC,
  SRC_DISPOSITION,
  SRC_CONVICTION_STATUS,
  SRC_SENTENCE_ORDER,
  SRC_SENTENCE_LOCATION_CODE,
  SRC_SENTENCE_LOCATION,
  SRC_SENTENCE_LENGTH,
  SRC_SENTENCE_UNIT,
  SRC_SENTENCE_UNIT_NAME,
  SRC_CYCLE_AGE,
  SRC_CII_TYPE,
  SRC_COMMENT,
};

#define PERSON_COLUMN_COUNT 35 /* RECORD_ID .. CITIZENSHIP_LIST */

/* Realistic extracts leave most columns empty. */
static const uint8_t realistic_columns[DOJ_COLUMN_COUNT] = {
    [2] = SRC_SUBJECT_ID,
    [3] = SRC_SEPARATOR,
    [10] = SRC_SEPARATOR,
    [11] = SRC_CII,
    [12] = SRC_NAME,
    [13] = SRC_GENDER,
    [14] = SRC_BIRTH_DATE,
    [20] = SRC_SEPARATOR,
    [21] = SRC_RACE_CODE,
    [22] = SRC_RACE_NAME,
    [23] = SRC_EYE_CODE,
    [25] = SRC_HAIR_CODE,
    [27] = SRC_HEIGHT,
    [28] = SRC_WEIGHT,
    [35] = SRC_SEPARATOR,
    [37] = SRC_CYCLE_DATE,
    [38] = SRC_SEPARATOR,
    [40] = SRC_EVENT_DATE,
    [41] = SRC_STEP_TYPE_CODE,
    [42] = SRC_STEP_TYPE,
    [45] = SRC_AGENCY_CODE,
    [46] = SRC_AGENCY_NAME,
    [47] = SRC_COUNTY_CODE,
    [48] = SRC_COUNTY_NAME,
    [49] = SRC_SEPARATOR,
    [50] = SRC_COUNT_ORDER,
    [51] = SRC_DISPOSITION_DATE,
    [52] = SRC_COURT_CASE,
    [53] = SRC_OFFENSE_CODE,
    [54] = SRC_OFFENSE,
    [55] = SRC_OFFENSE_TOC,
    [56] = SRC_QUALIFIER,
    [80] = SRC_DISPOSITION,
    [82] = SRC_CONVICTION_STATUS,
    [83] = SRC_SEPARATOR,
    [84] = SRC_SENTENCE_ORDER,
    [85] = SRC_SENTENCE_LOCATION_CODE,
    [86] = SRC_SENTENCE_LOCATION,
    [87] = SRC_SENTENCE_LENGTH,
    [88] = SRC_SENTENCE_UNIT,
    [89] = SRC_SENTENCE_UNIT_NAME,
    [90] = SRC_CYCLE_AGE,
    [93] = SRC_COMMENT,
    [94] = SRC_SEPARATOR,
};

/* The reference tool's own generator fills far more columns, and writes
 * "  -  " in every column it has nothing for. */
static const uint8_t reference_columns[DOJ_COLUMN_COUNT] = {
    [2] = SRC_SUBJECT_ID,
    [3] = SRC_SEPARATOR,
    [4] = SRC_CII,
    [5] = SRC_NAME,
    [6] = SRC_GENDER,
    [7] = SRC_BIRTH_DATE,
    [10] = SRC_SEPARATOR,
    [11] = SRC_CII,
    [12] = SRC_NAME,
    [13] = SRC_GENDER,
    [14] = SRC_BIRTH_DATE,
    [20] = SRC_SEPARATOR,
    [16] = SRC_LICENSE,
    [19] = SRC_FBI_NUMBER,
    [21] = SRC_RACE_CODE,
    [22] = SRC_RACE_NAME,
    [23] = SRC_EYE_CODE,
    [24] = SRC_EYE_NAME,
    [25] = SRC_HAIR_CODE,
    [26] = SRC_HAIR_NAME,
    [27] = SRC_HEIGHT,
    [28] = SRC_WEIGHT,
    [31] = SRC_BIRTH_PLACE_CODE,
    [32] = SRC_BIRTH_PLACE,
    [34] = SRC_CITIZENSHIP,
    [35] = SRC_SEPARATOR,
    [36] = SRC_CYCLE_ORDER,
    [37] = SRC_CYCLE_DATE,
    [38] = SRC_SEPARATOR,
    [39] = SRC_STEP_ORDER,
    [40] = SRC_EVENT_DATE,
    [41] = SRC_STEP_TYPE_CODE,
    [42] = SRC_STEP_TYPE,
    [43] = SRC_AGENCY_TYPE,
    [44] = SRC_AGENCY_TYPE_NAME,
    [45] = SRC_AGENCY_CODE,
    [46] = SRC_AGENCY_NAME,
    [47] = SRC_COUNTY_CODE,
    [48] = SRC_COUNTY_NAME,
    [49] = SRC_SEPARATOR,
    [50] = SRC_COUNT_ORDER,
    [51] = SRC_DISPOSITION_DATE,
    [52] = SRC_COURT_CASE,
    [53] = SRC_OFFENSE_CODE,
    [54] = SRC_OFFENSE,
    [55] = SRC_OFFENSE_TOC,
    [56] = SRC_QUALIFIER,
    [57] = SRC_CHARGE_CODE,
    [58] = SRC_CHARGE,
    [59] = SRC_CHARGE_TOC,
    [62] = SRC_CONVICTED_OFFENSE_CODE,
    [63] = SRC_CONVICTED_OFFENSE,
    [64] = SRC_CONVICTED_OFFENSE_TOC,
    [67] = SRC_AGENCY_CODE,
    [76] = SRC_COURT_CASE,
    [80] = SRC_DISPOSITION,
    [82] = SRC_CONVICTION_STATUS,
    [83] = SRC_SEPARATOR,
    [84] = SRC_SENTENCE_ORDER,
    [85] = SRC_SENTENCE_LOCATION_CODE,
    [86] = SRC_SENTENCE_LOCATION,
    [87] = SRC_SENTENCE_LENGTH,
    [88] = SRC_SENTENCE_UNIT,
    [89] = SRC_SENTENCE_UNIT_NAME,
    [90] = SRC_CYCLE_AGE,
    [91] = SRC_CII_TYPE,
    [93] = SRC_COMMENT,
    [94] = SRC_SEPARATOR,
};

/* Fixed-width text columns of the reference shape, padded with spaces as the
 * DOJ's fixed-width export does. Never a column compared for equality. */
static const uint8_t reference_column_width[DOJ_COLUMN_COUNT] = {
    [46] = 30, [54] = 64, [58] = 64, [63] = 64, [80] = 24, [86] = 10, [89] = 10,
};

enum agency_kind {
  AGENCY_POLICE,
  AGENCY_SHERIFF,
  AGENCY_HIGHWAY_PATROL,
  AGENCY_COURT,
  AGENCY_CORONER,
  AGENCY_KIND_COUNT
};

static const struct agency_kind_entry {
  text prefix;     /* STP_ORI_DESCR starts with it, the county follows */
  text ori_suffix; /* STP_ORI_CODE is CA + county code + this */
  text type_code;
  text type_name;
} agency_kinds[AGENCY_KIND_COUNT] = {
    [AGENCY_POLICE] = {TEXT("CAPD "), TEXT("0100"), TEXT("PD"), TEXT("POLICE DEPARTMENT")},
    [AGENCY_SHERIFF] = {TEXT("CASO "), TEXT("0000"), TEXT("SO"), TEXT("SHERIFF")},
    [AGENCY_HIGHWAY_PATROL] = {TEXT("CAHP "), TEXT("9800"), TEXT("HP"), TEXT("HIGHWAY PATROL")},
    [AGENCY_COURT] = {TEXT("CASC "), TEXT("015J"), TEXT("SC"), TEXT("SUPERIOR COURT")},
    [AGENCY_CORONER] = {TEXT("CACO "), TEXT("0300"), TEXT("CO"), TEXT("CORONER")},
};

/* The agency of a step, by step kind; arrests use the row's own agency. */
static const int8_t agency_of_step[STEP_KIND_COUNT] = {
    [STEP_ARREST] = -1,
    [STEP_COURT] = AGENCY_COURT,
    [STEP_REGISTRATION] = AGENCY_SHERIFF,
    [STEP_DECEASED] = AGENCY_CORONER,
    [STEP_PROBATION] = AGENCY_SHERIFF,
};

static const text eye_codes[] = {TEXT("BRO"), TEXT("BLK"), TEXT("BLU"), TEXT("GRN"), TEXT("HAZ")};
static const text eye_names[] = {TEXT("BROWN"), TEXT("BLACK"), TEXT("BLUE"), TEXT("GREEN"),
                                 TEXT("HAZEL")};
static const text hair_codes[] = {TEXT("BLK"), TEXT("BRO"), TEXT("BLN"), TEXT("GRY")};
static const text hair_names[] = {TEXT("BLACK"), TEXT("BROWN"), TEXT("BLOND"), TEXT("GRAY")};
static const text birth_places[] = {TEXT("CALIFORNIA"), TEXT("MEXICO"),   TEXT("TEXAS"),
                                    TEXT("CALIFORNIA"), TEXT("NEW YORK"), TEXT("CALIFORNIA")};

#define AGENCY_TEXT_LENGTH 40
#define MAX_COURTHOUSES 6

/* Courthouses of the larger counties, as STP_ORI_DESCR names a court
 * action's court ("CASC " + courthouse); other counties get the county seat
 * and two branches. A court case is heard in one of them, by its number. */
static const struct {
  const char *county;
  const char *courthouses[MAX_COURTHOUSES];
} courthouses[] = {
    {"LOS ANGELES",
     {"LOS ANGELES METRO", "PASADENA", "LONG BEACH", "VAN NUYS", "COMPTON", "AIRPORT"}},
    {"SAN DIEGO",
     {"SAN DIEGO CENTRAL", "VISTA NORTH COUNTY", "CHULA VISTA SOUTH", "EL CAJON EAST"}},
    {"ORANGE",
     {"SANTA ANA CENTRAL", "FULLERTON NORTH", "WESTMINSTER WEST", "NEWPORT BEACH HARBOR"}},
    {"ALAMEDA",
     {"OAKLAND WILEY MANUEL", "HAYWARD HALL OF JUSTICE", "FREMONT", "DUBLIN EAST COUNTY"}},
    {"SAN FRANCISCO", {"SAN FRANCISCO HALL OF JUSTICE"}},
    {"RIVERSIDE", {"RIVERSIDE HALL OF JUSTICE", "INDIO LARSON", "MURRIETA SOUTHWEST", "BANNING"}},
    {"SAN BERNARDINO",
     {"SAN BERNARDINO JUSTICE CENTER", "RANCHO CUCAMONGA", "VICTORVILLE", "JOSHUA TREE"}},
    {"SACRAMENTO", {"SACRAMENTO GORDON SCHABER", "SACRAMENTO CAROL MILLER"}},
};

struct row_formatter {
  const catalog *cat;
  const uint8_t *columns;
  const uint8_t *column_width; /* pad to this many characters; 0 = as is */
  text empty;                  /* what an empty column holds */
  text blank_offense;          /* OFFENSE_DESCR of a charge moved to the comment */
  char agency_name[CALIFORNIA_COUNTY_COUNT][AGENCY_KIND_COUNT][AGENCY_TEXT_LENGTH];
  uint8_t agency_name_length[CALIFORNIA_COUNTY_COUNT][AGENCY_KIND_COUNT];
  char court_name[CALIFORNIA_COUNTY_COUNT][MAX_COURTHOUSES][AGENCY_TEXT_LENGTH];
  uint8_t court_name_length[CALIFORNIA_COUNTY_COUNT][MAX_COURTHOUSES];
  uint8_t court_count[CALIFORNIA_COUNTY_COUNT];
  char county_code[CALIFORNIA_COUNTY_COUNT][2];
  int32_t cached_day; /* the last date formatted, and its text */
  char cached_date[8];
  byte_buffer prefix;      /* person columns of the current person */
  size_t prefix_length[2]; /* [0] primary name, [1] AKA spelling */
};

#define ROW_RESERVE 4096

int byte_buffer_reserve(byte_buffer *buffer, size_t extra) {
  if (buffer->length + extra <= buffer->capacity) return 0;
  size_t capacity = buffer->capacity ? buffer->capacity : 1 << 16;
  while (capacity < buffer->length + extra) capacity *= 2;
  char *data = realloc(buffer->data, capacity);
  if (!data) return -1;
  buffer->data = data;
  buffer->capacity = capacity;
  return 0;
}

/* ---- calendar -------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years). */
int32_t days_from_civil(int32_t year, uint32_t month, uint32_t day) {
  year -= month <= 2;
  int32_t era = (year >= 0 ? year : year - 399) / 400;
  uint32_t year_of_era = (uint32_t)(year - era * 400);
  uint32_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  uint32_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + (int32_t)day_of_era - 719468;
}

void civil_from_days(int32_t days, int32_t *year, uint32_t *month, uint32_t *day) {
  days += 719468;
  int32_t era = (days >= 0 ? days : days - 146096) / 146097;
  uint32_t day_of_era = (uint32_t)(days - era * 146097);
  uint32_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  uint32_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  uint32_t month_index = (5 * day_of_year + 2) / 153;
  *day = day_of_year - (153 * month_index + 2) / 5 + 1;
  *month = month_index < 10 ? month_index + 3 : month_index - 9;
  *year = (int32_t)year_of_era + era * 400 + (*month <= 2);
}

/* ---- appenders: each takes the write cursor and returns it advanced ----- */

static inline char *put_chars(char *cursor, const char *chars, size_t length) {
  memcpy(cursor, chars, length);
  return cursor + length;
}

static inline char *put_text(char *cursor, text value) {
  return put_chars(cursor, value.chars, value.length);
}

static inline char *put_fixed_digits(char *cursor, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; i--) {
    cursor[i] = (char)('0' + value % 10);
    value /= 10;
  }
  return cursor + width;
}

static inline char *put_unsigned(char *cursor, uint64_t value) {
  char digits[20];
  int count = 0;
  do {
    digits[count++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  while (count) *cursor++ = digits[--count];
  return cursor;
}

static char *put_date(row_formatter *formatter, char *cursor, int32_t day) {
  if (day != formatter->cached_day) {
    int32_t year;
    uint32_t month, day_of_month;
    civil_from_days(day, &year, &month, &day_of_month);
    put_fixed_digits(formatter->cached_date, (uint64_t)year * 10000 + month * 100 + day_of_month,
                     8);
    formatter->cached_day = day;
  }
  return put_chars(cursor, formatter->cached_date, 8);
}

/* A free-text value, quoted (quotes doubled) when it holds a comma, quote,
 * CR or LF, or begins with a space. */
static char *put_free_text(char *cursor, text value) {
  int needs_quotes = value.length && value.chars[0] == ' ';
  for (uint32_t i = 0; i < value.length && !needs_quotes; i++) {
    char c = value.chars[i];
    needs_quotes = c == ',' || c == '"' || c == '\r' || c == '\n';
  }
  if (!needs_quotes) return put_text(cursor, value);
  *cursor++ = '"';
  for (uint32_t i = 0; i < value.length; i++) {
    if (value.chars[i] == '"') *cursor++ = '"';
    *cursor++ = value.chars[i];
  }
  *cursor++ = '"';
  return cursor;
}

/* ---- person columns ------------------------------------------------------- */

static const char aka_vowel_swap[26] = {
    ['A' - 'A'] = 'E', ['E' - 'A'] = 'A', ['I' - 'A'] = 'Y', ['O' - 'A'] = 'U', ['U' - 'A'] = 'O',
};

/* PRI_NAME as "LAST,FIRST M"; the AKA spelling varies it the way clerks do. */
static char *put_name(const catalog *cat, char *cursor, const person *someone, int aka) {
  text last = cat->last_names[someone->last_name];
  text first = cat->first_names[someone->first_name];
  char middle = someone->middle_initial;
  *cursor++ = '"';
  char *last_start = cursor;
  cursor = put_text(cursor, last);
  if (aka && someone->aka_kind == 1) { /* a doubled letter */
    memmove(last_start + 2, last_start + 1, last.length - 1);
    cursor++;
  } else if (aka && someone->aka_kind == 2) { /* one vowel misheard */
    for (uint32_t i = 1; i < last.length; i++) {
      char c = last_start[i];
      if (c >= 'A' && c <= 'Z' && aka_vowel_swap[c - 'A']) {
        last_start[i] = aka_vowel_swap[c - 'A'];
        break;
      }
    }
  }
  *cursor++ = ',';
  cursor = put_text(cursor, first);
  if (aka && someone->aka_kind == 3) /* middle initial dropped or added */
    middle = middle ? 0 : 'J';
  if (middle) {
    *cursor++ = ' ';
    *cursor++ = middle;
  }
  *cursor++ = '"';
  return cursor;
}

static char *put_person_column(const row_formatter *formatter, char *cursor, int source,
                               const person *someone, int aka) {
  const catalog *cat = formatter->cat;
  switch (source) {
  case SRC_SEPARATOR:
    *cursor++ = '#';
    return cursor;
  case SRC_SUBJECT_ID:
    return put_unsigned(cursor, someone->subject_id);
  case SRC_CII:
    return put_unsigned(cursor, someone->cii_number);
  case SRC_NAME:
    return put_name(cat, cursor, someone, aka);
  case SRC_GENDER:
    *cursor++ = someone->gender;
    return cursor;
  case SRC_BIRTH_DATE: {
    int32_t year;
    uint32_t month, day;
    civil_from_days(someone->birth_day, &year, &month, &day);
    return put_fixed_digits(cursor, (uint64_t)year * 10000 + month * 100 + day, 8);
  }
  case SRC_RACE_CODE:
    return put_text(cursor, cat->race_codes[someone->race]);
  case SRC_RACE_NAME:
    return put_text(cursor, cat->race_names[someone->race]);
  case SRC_EYE_CODE:
    return put_text(cursor, eye_codes[someone->subject_id % 5]);
  case SRC_EYE_NAME:
    return put_text(cursor, eye_names[someone->subject_id % 5]);
  case SRC_HAIR_CODE:
    return put_text(cursor, hair_codes[someone->cii_number % 4]);
  case SRC_HAIR_NAME:
    return put_text(cursor, hair_names[someone->cii_number % 4]);
  case SRC_HEIGHT:
    return put_unsigned(cursor, someone->height);
  case SRC_WEIGHT:
    return put_unsigned(cursor, someone->weight);
  case SRC_BIRTH_PLACE:
    return put_text(cursor, birth_places[someone->subject_id % 6]);
  case SRC_BIRTH_PLACE_CODE:
    return put_chars(cursor, "CA", 2);
  case SRC_CITIZENSHIP:
    return put_chars(cursor, "US", 2);
  case SRC_FBI_NUMBER:
    cursor = put_fixed_digits(cursor, someone->cii_number % 1000000, 6);
    return put_chars(cursor, "AB9", 3);
  case SRC_LICENSE:
    *cursor++ = (char)('A' + someone->subject_id % 26);
    return put_fixed_digits(cursor, someone->cii_number % 10000000, 7);
  default:
    return put_text(cursor, formatter->empty);
  }
}

static int format_person_prefix(row_formatter *formatter, const person *someone) {
  byte_buffer *prefix = &formatter->prefix;
  prefix->length = 0;
  if (byte_buffer_reserve(prefix, 2 * ROW_RESERVE)) return -1;
  char *cursor = prefix->data;
  for (int aka = 0; aka < 2; aka++) {
    char *start = cursor;
    for (int column = 0; column < PERSON_COLUMN_COUNT; column++) {
      cursor = put_person_column(formatter, cursor, formatter->columns[column], someone, aka);
      *cursor++ = ',';
    }
    formatter->prefix_length[aka] = (size_t)(cursor - start);
  }
  return 0;
}

/* ---- row columns -------------------------------------------------------- */

static int agency_of(const history_row *row) {
  int agency = agency_of_step[row->step_kind];
  return agency >= 0 ? agency : row->agency_kind;
}

static char *put_empty(const row_formatter *formatter, char *cursor) {
  return put_text(cursor, formatter->empty);
}

static char *put_row_column(row_formatter *formatter, char *cursor, int source,
                            const history_row *row) {
  const catalog *cat = formatter->cat;
  const offense_entry *offense = &cat->offenses[row->offense];
  const disposition_entry *disposition = &cat->dispositions[row->disposition];
  const disposition_entry *location = &cat->dispositions[row->sentence_location];
  int charge_in_comment = row->flags & (ROW_SEE_COMMENT | ROW_BLANK_OFFENSE);
  int has_sentence = row->sentence_unit != SENTENCE_UNIT_NONE;
  int is_charge_step = row->step_kind == STEP_ARREST || row->step_kind == STEP_COURT;

  switch (source) {
  case SRC_SEPARATOR:
    *cursor++ = '#';
    return cursor;
  case SRC_CYCLE_ORDER:
    return put_fixed_digits(cursor, row->cycle_number, 3);
  case SRC_CYCLE_DATE:
    return put_date(formatter, cursor, row->cycle_day);
  case SRC_STEP_ORDER:
    return put_fixed_digits(cursor, row->step_number, 3);
  case SRC_EVENT_DATE:
    if (!(row->flags & ROW_UNKNOWN_DATE)) return put_date(formatter, cursor, row->event_day);
    switch (row->date_defect) {
    case DATE_DEFECT_ZERO_MONTH_DAY: /* the year survives, month and day do not */
      put_date(formatter, cursor, row->event_day);
      return put_chars(cursor + 4, "0000", 4);
    case DATE_DEFECT_ALL_ZERO:
      return put_chars(cursor, "00000000", 8);
    default:
      return put_empty(formatter, cursor);
    }
  case SRC_STEP_TYPE_CODE:
    return put_text(cursor, cat->step_kinds[row->step_kind].type_code);
  case SRC_STEP_TYPE:
    return put_text(cursor, cat->step_kinds[row->step_kind].description);
  case SRC_AGENCY_TYPE:
    return put_text(cursor, agency_kinds[agency_of(row)].type_code);
  case SRC_AGENCY_TYPE_NAME:
    return put_text(cursor, agency_kinds[agency_of(row)].type_name);
  case SRC_AGENCY_CODE:
    cursor = put_chars(cursor, "CA0", 3);
    cursor = put_chars(cursor, formatter->county_code[row->county], 2);
    return put_text(cursor, agency_kinds[agency_of(row)].ori_suffix);
  case SRC_AGENCY_NAME:
    if (row->step_kind == STEP_COURT) {
      unsigned k = row->court_case % formatter->court_count[row->county];
      return put_chars(cursor, formatter->court_name[row->county][k],
                       formatter->court_name_length[row->county][k]);
    }
    return put_chars(cursor, formatter->agency_name[row->county][agency_of(row)],
                     formatter->agency_name_length[row->county][agency_of(row)]);
  case SRC_COUNTY_CODE:
    return put_chars(cursor, formatter->county_code[row->county], 2);
  case SRC_COUNTY_NAME:
    return put_text(cursor, cat->counties[row->county].name);
  case SRC_COUNT_ORDER:
    cursor = put_fixed_digits(cursor, row->cycle_number, 3);
    cursor = put_fixed_digits(cursor, row->step_number, 3);
    cursor = put_fixed_digits(cursor, row->count_number, 3);
    return put_chars(cursor, "000", 3);
  case SRC_DISPOSITION_DATE:
    if (row->step_kind != STEP_COURT) return put_empty(formatter, cursor);
    return put_date(formatter, cursor, row->event_day);
  case SRC_COURT_CASE:
    if (!row->court_case) return put_empty(formatter, cursor);
    return put_unsigned(cursor, row->court_case);
  case SRC_OFFENSE_CODE:
    if (!row->has_offense) return put_empty(formatter, cursor);
    return put_text(cursor, offense->code);
  case SRC_OFFENSE:
    if (!row->has_offense) return put_empty(formatter, cursor);
    if (row->flags & ROW_SEE_COMMENT) return put_chars(cursor, "SEE COMMENT FOR CHARGE", 22);
    if (row->flags & ROW_BLANK_OFFENSE) return put_text(cursor, formatter->blank_offense);
    return put_text(cursor, offense->description);
  case SRC_OFFENSE_TOC:
    if (!row->has_offense || !is_charge_step) return put_empty(formatter, cursor);
    *cursor++ = offense->type_of_charge;
    return cursor;
  case SRC_QUALIFIER:
    if (row->flags & ROW_PADDED_QUALIFIER) return put_chars(cursor, "              ", 14);
    return put_empty(formatter, cursor);
  case SRC_CONVICTED_OFFENSE_CODE:
    if (!disposition->is_conviction) return put_empty(formatter, cursor);
    return put_text(cursor, offense->code);
  case SRC_CONVICTED_OFFENSE:
    if (!disposition->is_conviction) return put_empty(formatter, cursor);
    return put_text(cursor, offense->description);
  case SRC_CONVICTED_OFFENSE_TOC:
    if (!disposition->is_conviction) return put_empty(formatter, cursor);
    *cursor++ = offense->type_of_charge;
    return cursor;
  case SRC_CHARGE_CODE:
    if (!row->has_offense) return put_empty(formatter, cursor);
    return put_text(cursor, offense->code);
  case SRC_CHARGE:
    if (!row->has_offense) return put_empty(formatter, cursor);
    return put_text(cursor, offense->description);
  case SRC_CHARGE_TOC:
    if (!row->has_offense || !is_charge_step) return put_empty(formatter, cursor);
    *cursor++ = offense->type_of_charge;
    return cursor;
  case SRC_DISPOSITION:
    if (!disposition->description.length) return put_empty(formatter, cursor);
    return put_text(cursor, disposition->description);
  case SRC_CONVICTION_STATUS:
    if (row->conviction_status == CONVICTION_STATUS_NONE) return put_empty(formatter, cursor);
    return put_text(cursor, cat->conviction_statuses[row->conviction_status]);
  case SRC_SENTENCE_ORDER:
    if (!row->sentence_order) return put_empty(formatter, cursor);
    return put_unsigned(cursor, row->sentence_order);
  case SRC_SENTENCE_LOCATION_CODE:
    if (!row->sentence_order) return put_empty(formatter, cursor);
    return put_text(cursor, location->sentence_location_code);
  case SRC_SENTENCE_LOCATION:
    if (!row->sentence_order) return put_empty(formatter, cursor);
    return put_text(cursor, location->sentence_location);
  case SRC_SENTENCE_LENGTH:
    if (!has_sentence) return put_empty(formatter, cursor);
    return put_unsigned(cursor, row->sentence_length);
  case SRC_SENTENCE_UNIT:
    if (!has_sentence) return put_empty(formatter, cursor);
    return put_text(cursor, cat->sentence_unit_codes[row->sentence_unit]);
  case SRC_SENTENCE_UNIT_NAME:
    if (!has_sentence) return put_empty(formatter, cursor);
    return put_text(cursor, cat->sentence_unit_names[row->sentence_unit]);
  case SRC_CYCLE_AGE:
    return put_unsigned(cursor, row->age_at_cycle);
  case SRC_CII_TYPE:
    *cursor++ = 'C';
    return cursor;
  case SRC_COMMENT:
    if (charge_in_comment) return put_text(cursor, offense->description);
    if (row->flags & ROW_COMMENT_OTHER_PROP64)
      return put_text(cursor, cat->offenses[row->comment_offense].description);
    if (row->flags & ROW_FREE_COMMENT)
      return put_free_text(cursor, cat->clean_comments[row->comment_index]);
    return put_empty(formatter, cursor);
  default:
    return put_empty(formatter, cursor);
  }
}

int row_format_person(row_formatter *formatter, const person *someone, byte_buffer *out,
                      size_t *row_ends) {
  if (format_person_prefix(formatter, someone)) return -1;
  if (byte_buffer_reserve(out, someone->row_count * ROW_RESERVE)) return -1;
  const uint8_t *columns = formatter->columns;
  char *cursor = out->data + out->length;
  for (size_t i = 0; i < someone->row_count; i++) {
    const history_row *row = &someone->rows[i];
    int aka = (row->flags & ROW_AKA_NAME) != 0;
    cursor = put_chars(cursor, formatter->prefix.data + (aka ? formatter->prefix_length[0] : 0),
                       formatter->prefix_length[aka]);
    for (int column = PERSON_COLUMN_COUNT; column < DOJ_COLUMN_COUNT; column++) {
      char *start = cursor;
      cursor = put_row_column(formatter, cursor, columns[column], row);
      size_t width = formatter->column_width[column];
      if (width && cursor > start && start[0] != ' ') /* not empty, not "  -  " */
        while ((size_t)(cursor - start) < width) *cursor++ = ' ';
      *cursor++ = ',';
    }
    cursor--; /* no comma after the last column */
    if (row->flags & ROW_CRLF) *cursor++ = '\r';
    *cursor++ = '\n';
    row_ends[i] = (size_t)(cursor - out->data);
  }
  out->length = (size_t)(cursor - out->data);
  return 0;
}

int row_format_header(const row_formatter *formatter, byte_buffer *out) {
  if (byte_buffer_reserve(out, ROW_RESERVE)) return -1;
  char *cursor = out->data + out->length;
  for (int column = 0; column < DOJ_COLUMN_COUNT; column++) {
    const char *name = formatter->cat->column_names[column];
    cursor = put_chars(cursor, name, strlen(name));
    *cursor++ = column + 1 < DOJ_COLUMN_COUNT ? ',' : '\n';
  }
  out->length = (size_t)(cursor - out->data);
  return 0;
}

row_formatter *row_formatter_create(const catalog *cat, enum data_shape shape) {
  row_formatter *formatter = calloc(1, sizeof *formatter);
  if (!formatter) return NULL;
  formatter->cat = cat;
  int reference = shape == SHAPE_REFERENCE;
  formatter->columns = reference ? reference_columns : realistic_columns;
  static const uint8_t no_padding[DOJ_COLUMN_COUNT];
  formatter->column_width = reference ? reference_column_width : no_padding;
  formatter->empty = reference ? (text)TEXT("  -  ") : (text)TEXT("");
  formatter->blank_offense = reference ? (text)TEXT("     ") : (text)TEXT("");
  formatter->cached_day = INT32_MIN;
  for (int county = 0; county < CALIFORNIA_COUNTY_COUNT; county++) {
    put_fixed_digits(formatter->county_code[county], (uint64_t)county + 1, 2);
    for (int kind = 0; kind < AGENCY_KIND_COUNT; kind++) {
      char *start = formatter->agency_name[county][kind];
      char *cursor = put_text(start, agency_kinds[kind].prefix);
      cursor = put_text(cursor, cat->counties[county].name);
      formatter->agency_name_length[county][kind] = (uint8_t)(cursor - start);
    }
    text name = cat->counties[county].name;
    int n = 0;
    for (size_t c = 0; c < sizeof courthouses / sizeof *courthouses && !n; c++) {
      if (strlen(courthouses[c].county) != name.length ||
          memcmp(courthouses[c].county, name.chars, name.length))
        continue;
      for (; n < MAX_COURTHOUSES && courthouses[c].courthouses[n]; n++) {
        char *start = formatter->court_name[county][n];
        char *cursor = put_text(start, agency_kinds[AGENCY_COURT].prefix);
        cursor =
            put_chars(cursor, courthouses[c].courthouses[n], strlen(courthouses[c].courthouses[n]));
        formatter->court_name_length[county][n] = (uint8_t)(cursor - start);
      }
    }
    static const char *const branches[] = {"", " NORTH BRANCH", " SOUTH BRANCH"};
    if (!n) {
      for (int b = 0; b < 3; b++) {
        char *start = formatter->court_name[county][b];
        char *cursor = put_text(start, agency_kinds[AGENCY_COURT].prefix);
        cursor = put_text(cursor, name);
        cursor = put_chars(cursor, branches[b], strlen(branches[b]));
        formatter->court_name_length[county][b] = (uint8_t)(cursor - start);
      }
      n = 3;
    }
    formatter->court_count[county] = (uint8_t)n;
  }
  return formatter;
}

void row_formatter_free(row_formatter *formatter) {
  if (!formatter) return;
  free(formatter->prefix.data);
  free(formatter);
}
