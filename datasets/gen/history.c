/*
 * history.c — builds one person's rap sheet as compact row records: identity, cycles of
 * arrest and court steps in date order, convictions with sentence parts,
 * registrations and death notices, and the dirty-data defects real extracts
 * carry. Every person has a Prop 64 conviction in their home county. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define LAST_HISTORY_DAY 18627 /* 2020-12-31 */
#define FIRST_HISTORY_DAY 0    /* 1970-01-01 */
#define MAX_CYCLES 48
#define MAX_CHARGES 4

/* Shares that shape a realistic history; one place to tune them. */
static const struct history_rates {
  double another_cycle; /* geometric cycle count: mean about 3.5 */
  double court_follows_arrest;
  double count_convicted; /* a non-designated court count */
  double count_acquitted; /* of those not convicted */
  double conviction_status_empty;
  double felony_pleads_down; /* F charge convicted as MISDEMEANOR */
  double extra_sentence_part;
  double violent_person; /* has a superstrike conviction */
  double sex_offender;   /* has a PC 290 conviction */
  double registers_after_pc290;
  double registered_without_pc290;
  double deceased;
  double aka_name;
  double cycle_in_home_county;
  double cycle_in_second_county;
  double padded_qualifier;
} rates = {
    .another_cycle = 0.72,
    .court_follows_arrest = 0.8,
    .count_convicted = 0.55,
    .count_acquitted = 0.2,
    .conviction_status_empty = 0.08,
    .felony_pleads_down = 0.25,
    .extra_sentence_part = 0.3,
    .violent_person = 0.02,
    .sex_offender = 0.025,
    .registers_after_pc290 = 0.85,
    .registered_without_pc290 = 0.004,
    .deceased = 0.015,
    .aka_name = 0.05,
    .cycle_in_home_county = 0.85,
    .cycle_in_second_county = 0.08,
    .padded_qualifier = 0.1,
};

/* Class of each further charge on a step, by the class of its first charge. */
static const double companion_class_share[OFFENSE_CLASS_COUNT][OFFENSE_CLASS_COUNT] = {
    [OFFENSE_PROP64] = {[OFFENSE_PROP64] = 0.3, [OFFENSE_RELATED] = 0.5, [OFFENSE_OTHER] = 0.2},
    [OFFENSE_RELATED] = {[OFFENSE_PROP64] = 0.15, [OFFENSE_RELATED] = 0.5, [OFFENSE_OTHER] = 0.35},
    [OFFENSE_SUPERSTRIKE] = {[OFFENSE_RELATED] = 0.3, [OFFENSE_OTHER] = 0.7},
    [OFFENSE_PC290] = {[OFFENSE_RELATED] = 0.4, [OFFENSE_OTHER] = 0.6},
    [OFFENSE_OTHER] = {[OFFENSE_PROP64] = 0.15, [OFFENSE_RELATED] = 0.35, [OFFENSE_OTHER] = 0.5},
};

/* Class of a cycle's first charge when the cycle is not designated. */
static const double primary_class_share[OFFENSE_CLASS_COUNT] = {
    [OFFENSE_PROP64] = 0.3,
    [OFFENSE_RELATED] = 0.2,
    [OFFENSE_OTHER] = 0.5,
};

static int draw_class(random_stream *rng, const double *shares) {
  double ticket = random_unit(rng);
  for (int cls = 0; cls < OFFENSE_CLASS_COUNT; cls++) {
    if (ticket < shares[cls]) return cls;
    ticket -= shares[cls];
  }
  return OFFENSE_OTHER;
}

/* A keyed bijection on [0, limit): a Feistel network over 2*half_bits bits,
 * walked until it lands below the limit. Gives unique ids that look random. */
static uint64_t permute_index(uint64_t index, uint64_t key, int half_bits, uint64_t limit) {
  const uint64_t half_mask = (1ull << half_bits) - 1;
  uint64_t value = index;
  do {
    uint64_t left = value >> half_bits, right = value & half_mask;
    for (uint64_t round = 0; round < 4; round++) {
      uint64_t mix = right ^ key ^ (round << 56);
      uint64_t next = left ^ (splitmix64_next(&mix) & half_mask);
      left = right;
      right = next;
    }
    value = (left << half_bits) | right;
  } while (value >= limit);
  return value;
}

static uint8_t draw_county(random_stream *rng, const history_options *options) {
  uint64_t ticket = random_next(rng) % options->county_weight_total;
  uint32_t low = 0, high = options->county_count - 1;
  while (low < high) { /* first cumulative weight above the ticket */
    uint32_t middle = (low + high) / 2;
    if (options->county_weight_cumulative[middle] > ticket)
      high = middle;
    else
      low = middle + 1;
  }
  return options->counties[low];
}

static uint8_t draw_state_county(const catalog *cat, random_stream *rng) {
  static const uint32_t state_population = 39538223;
  uint32_t ticket = random_below(rng, state_population);
  for (int i = 0; i < CALIFORNIA_COUNTY_COUNT; i++) {
    if (ticket < cat->counties[i].population) return (uint8_t)i;
    ticket -= cat->counties[i].population;
  }
  return CALIFORNIA_COUNTY_COUNT - 1;
}

static history_row *append_row(person *someone) {
  if (someone->row_count == someone->row_capacity) {
    size_t capacity = someone->row_capacity ? someone->row_capacity * 2 : 64;
    history_row *rows = realloc(someone->rows, capacity * sizeof *rows);
    if (!rows) return NULL;
    someone->rows = rows;
    someone->row_capacity = capacity;
  }
  history_row *row = &someone->rows[someone->row_count++];
  memset(row, 0, sizeof *row);
  return row;
}

static void sort_days(int32_t *days, int count) {
  for (int i = 1; i < count; i++) {
    int32_t value = days[i];
    int k = i;
    for (; k > 0 && days[k - 1] > value; k--) days[k] = days[k - 1];
    days[k] = value;
  }
}

static uint8_t age_in_years(int32_t birth_day, int32_t day) {
  int32_t age = (day - birth_day) * 4 / 1461;
  return (uint8_t)(age < 0 ? 0 : age > 120 ? 120 : age);
}

/* The conviction status a court writes for a charge of this type. */
static uint8_t conviction_status_for(random_stream *rng, char type_of_charge) {
  if (random_chance(rng, rates.conviction_status_empty)) return CONVICTION_STATUS_NONE;
  switch (type_of_charge) {
  case 'F':
    return random_chance(rng, rates.felony_pleads_down) ? CONVICTION_STATUS_MISDEMEANOR
                                                        : CONVICTION_STATUS_FELONY;
  case 'I':
    return CONVICTION_STATUS_INFRACTION;
  default:
    return CONVICTION_STATUS_MISDEMEANOR;
  }
}

/* One sentence part: where it is served and for how long. */
static void draw_sentence_part(random_stream *rng, uint8_t location, history_row *row) {
  row->sentence_location = location;
  switch (location) {
  case DISPOSITION_CONVICTED_JAIL:
    row->sentence_length = (uint16_t)random_between(rng, 1, 365);
    row->sentence_unit = SENTENCE_UNIT_DAYS;
    break;
  case DISPOSITION_CONVICTED_PROBATION:
    if (random_chance(rng, 0.5)) {
      row->sentence_length = (uint16_t)random_between(rng, 6, 60);
      row->sentence_unit = SENTENCE_UNIT_MONTHS;
    } else {
      row->sentence_length = (uint16_t)random_between(rng, 1, 5);
      row->sentence_unit = SENTENCE_UNIT_YEARS;
    }
    break;
  case DISPOSITION_CONVICTED_PRISON:
    row->sentence_length = (uint16_t)random_between(rng, 16, 96);
    row->sentence_unit = random_chance(rng, 0.5) ? SENTENCE_UNIT_MONTHS : SENTENCE_UNIT_YEARS;
    if (row->sentence_unit == SENTENCE_UNIT_YEARS)
      row->sentence_length = (uint16_t)(row->sentence_length / 12);
    break;
  default:
    row->sentence_length = 0;
    row->sentence_unit = SENTENCE_UNIT_NONE;
    break;
  }
}

/* Sentence location of each part after the first, by the first's location. */
static const uint8_t later_sentence_part[DISPOSITION_COUNT][2] = {
    [DISPOSITION_CONVICTED_JAIL] = {DISPOSITION_CONVICTED_PROBATION, DISPOSITION_CONVICTED_FINE},
    [DISPOSITION_CONVICTED_PROBATION] = {DISPOSITION_CONVICTED_JAIL, DISPOSITION_CONVICTED_FINE},
    [DISPOSITION_CONVICTED_PRISON] = {DISPOSITION_CONVICTED_PROBATION, DISPOSITION_CONVICTED_FINE},
    [DISPOSITION_CONVICTED_FINE] = {DISPOSITION_CONVICTED_PROBATION, DISPOSITION_CONVICTED_JAIL},
};

static uint8_t conviction_disposition_for(random_stream *rng, uint8_t conviction_status) {
  static const uint8_t felony_choice[4] = {
      DISPOSITION_CONVICTED_PRISON, DISPOSITION_CONVICTED_PROBATION, DISPOSITION_CONVICTED_JAIL,
      DISPOSITION_CONVICTED_PROBATION};
  static const uint8_t lesser_choice[4] = {
      DISPOSITION_CONVICTED_JAIL, DISPOSITION_CONVICTED_PROBATION, DISPOSITION_CONVICTED_FINE,
      DISPOSITION_CONVICTED_PROBATION};
  const uint8_t *choice =
      conviction_status == CONVICTION_STATUS_FELONY ? felony_choice : lesser_choice;
  if (conviction_status == CONVICTION_STATUS_INFRACTION) return DISPOSITION_CONVICTED_FINE;
  return choice[random_below(rng, 4)];
}

typedef struct cycle_plan {
  int32_t day;
  uint8_t county;
  int8_t primary_class; /* class of the first charge, -1 = draw */
  uint8_t must_convict; /* first court count is a conviction */
  uint8_t outside_home; /* a county where Prop 64 charges must not convict */
} cycle_plan;

typedef struct person_plan {
  random_stream *rng;
  const catalog *cat;
  const history_options *options;
  person *someone;
} person_plan;

static uint16_t draw_charge(person_plan *plan, int offense_class, int allow_prop64) {
  if (!allow_prop64 && offense_class == OFFENSE_PROP64) offense_class = OFFENSE_RELATED;
  return (uint16_t)catalog_draw_offense(plan->cat, plan->rng, offense_class);
}

static int add_step_rows(person_plan *plan, const cycle_plan *cycle, uint16_t cycle_number,
                         uint8_t step_number, uint8_t step_kind, int32_t day,
                         const uint16_t *charges, int charge_count) {
  random_stream *rng = plan->rng;
  const catalog *cat = plan->cat;
  uint32_t court_case =
      step_kind == STEP_COURT ? (uint32_t)random_between(rng, 100000, 9999999) : 0;
  uint8_t agency_kind = (uint8_t)random_below(rng, 3);
  for (int count = 0; count < charge_count; count++) {
    const offense_entry *offense = &cat->offenses[charges[count]];
    uint8_t disposition = DISPOSITION_NONE;
    uint8_t status = CONVICTION_STATUS_NONE;
    int parts = 1;
    if (step_kind == STEP_ARREST) {
      double ticket = random_unit(rng);
      disposition = ticket < 0.85   ? DISPOSITION_NONE
                    : ticket < 0.95 ? DISPOSITION_RELEASED
                                    : DISPOSITION_DETENTION_ONLY;
    } else if (step_kind == STEP_COURT) {
      int convicted =
          (count == 0 && cycle->must_convict) || random_chance(rng, rates.count_convicted);
      if (cycle->outside_home && offense->offense_class == OFFENSE_PROP64) convicted = 0;
      if (convicted) {
        status = conviction_status_for(rng, offense->type_of_charge);
        disposition = conviction_disposition_for(rng, status);
        parts = 1 + random_chance(rng, rates.extra_sentence_part) +
                random_chance(rng, rates.extra_sentence_part / 2);
      } else {
        disposition = random_chance(rng, rates.count_acquitted) ? DISPOSITION_ACQUITTED
                                                                : DISPOSITION_DISMISSED;
      }
    }
    for (int part = 0; part < parts; part++) {
      history_row *row = append_row(plan->someone);
      if (!row) return -1;
      row->cycle_day = cycle->day;
      row->event_day = day;
      row->court_case = court_case;
      row->cycle_number = cycle_number;
      row->offense = charges[count];
      row->has_offense = 1;
      row->step_number = step_number;
      row->count_number = (uint8_t)(count + 1);
      row->step_kind = step_kind;
      row->county = cycle->county;
      row->agency_kind = agency_kind;
      row->disposition = disposition;
      row->conviction_status = status;
      row->age_at_cycle = age_in_years(plan->someone->birth_day, cycle->day);
      if (cat->dispositions[disposition].is_conviction) {
        uint8_t location = part == 0 ? disposition : later_sentence_part[disposition][part - 1];
        draw_sentence_part(rng, location, row);
        row->sentence_order = (uint8_t)(part + 1);
      }
    }
  }
  return 0;
}

static int add_cycle(person_plan *plan, const cycle_plan *cycle, uint16_t cycle_number,
                     int32_t next_cycle_day, int with_registration) {
  random_stream *rng = plan->rng;
  int shape_reference = plan->options->shape == SHAPE_REFERENCE;
  int allow_prop64 = !cycle->outside_home;
  int primary =
      cycle->primary_class >= 0 ? cycle->primary_class : draw_class(rng, primary_class_share);
  int charge_count = shape_reference ? 1 + random_chance(rng, 0.4)
                                     : 1 + random_chance(rng, 0.45) + random_chance(rng, 0.2) +
                                           random_chance(rng, 0.1);
  uint16_t charges[MAX_CHARGES];
  charges[0] = draw_charge(plan, primary, allow_prop64);
  for (int i = 1; i < charge_count; i++)
    charges[i] = draw_charge(plan, draw_class(rng, companion_class_share[primary]), allow_prop64);

  if (add_step_rows(plan, cycle, cycle_number, 1, STEP_ARREST, cycle->day, charges, charge_count))
    return -1;
  int with_court = cycle->must_convict || with_registration || shape_reference ||
                   random_chance(rng, rates.court_follows_arrest);
  if (!with_court) return 0;
  int32_t court_day = cycle->day + random_between(rng, 0, 400);
  if (court_day > next_cycle_day) court_day = next_cycle_day;
  if (add_step_rows(plan, cycle, cycle_number, 2, STEP_COURT, court_day, charges, charge_count))
    return -1;
  if (with_registration) {
    int32_t registration_day = court_day + random_between(rng, 10, 200);
    if (registration_day > next_cycle_day) registration_day = next_cycle_day;
    uint16_t registration = (uint16_t)plan->cat->registration_offense;
    if (add_step_rows(plan, cycle, cycle_number, 3, STEP_REGISTRATION, registration_day,
                      &registration, 1))
      return -1;
  }
  return 0;
}

static void set_identity(const catalog *cat, const history_options *options, uint64_t index,
                         random_stream *rng, person *someone) {
  someone->index = index;
  someone->subject_id = 10000000 + permute_index(index, options->seed ^ 0x5B1EC7ull, 15, 990000000);
  someone->cii_number =
      10000000 + permute_index(index, options->seed ^ 0xC11ull, 17, 9990000000ull);
  someone->last_name = (uint16_t)random_below(rng, cat->last_name_count);
  someone->first_name = (uint16_t)random_below(rng, cat->first_name_count);
  someone->middle_initial = random_chance(rng, 0.6) ? (char)('A' + random_below(rng, 26)) : 0;
  someone->gender = random_chance(rng, 0.8) ? 'M' : 'F';
  someone->race = (uint8_t)random_below(rng, cat->race_count);
  someone->height = (uint16_t)(500 + random_below(rng, 2) * 100 + random_below(rng, 12));
  someone->weight = (uint16_t)random_between(rng, 110, 280);
  int32_t birth_year = random_between(rng, 1935, 2000);
  someone->birth_day = days_from_civil(birth_year, 1, 1) + random_between(rng, 0, 364);
  someone->aka_kind = random_chance(rng, rates.aka_name) ? (uint8_t)(1 + random_below(rng, 3)) : 0;
}

/* Defects of real extracts, each at the dirty rate, on rows with a charge. */
static void add_defects(const catalog *cat, const history_options *options, random_stream *rng,
                        person *someone) {
  double rate = options->dirty_rate;
  for (size_t i = 0; i < someone->row_count; i++) {
    history_row *row = &someone->rows[i];
    const history_row *previous = i ? row - 1 : NULL;
    int same_count = previous && previous->cycle_number == row->cycle_number &&
                     previous->step_number == row->step_number &&
                     previous->count_number == row->count_number;
    if (same_count ? (previous->flags & ROW_PADDED_QUALIFIER) /* sentence parts agree */
                   : random_chance(rng, rates.padded_qualifier))
      row->flags |= ROW_PADDED_QUALIFIER;
    if (rate <= 0) continue;
    if (random_chance(rng, rate)) row->flags |= ROW_CRLF;
    if (random_chance(rng, rate)) {
      row->flags |= ROW_UNKNOWN_DATE;
      row->date_defect = (uint8_t)random_below(rng, DATE_DEFECT_COUNT);
    }
    if (!row->has_offense || row->step_kind == STEP_REGISTRATION) continue;
    if (random_chance(rng, rate))
      row->flags |= ROW_SEE_COMMENT;
    else if (random_chance(rng, rate))
      row->flags |= ROW_BLANK_OFFENSE;
    else if (cat->offenses[row->offense].offense_class == OFFENSE_PROP64 &&
             random_chance(rng, rate * 4)) {
      row->flags |= ROW_COMMENT_OTHER_PROP64;
      row->comment_offense = (uint16_t)catalog_draw_offense(cat, rng, OFFENSE_PROP64);
    } else if (random_chance(rng, rate)) {
      row->flags |= ROW_FREE_COMMENT;
      row->comment_index = (uint8_t)random_below(rng, cat->clean_comment_count);
    }
  }
}

int history_build_person(const catalog *cat, const history_options *options, uint64_t index,
                         person *someone) {
  random_stream rng;
  random_seed(&rng, options->seed, index + 1);
  someone->row_count = 0;
  set_identity(cat, options, index, &rng, someone);

  int shape_reference = options->shape == SHAPE_REFERENCE;
  someone->home_county =
      index < options->county_count ? options->counties[index] : draw_county(&rng, options);
  if (shape_reference) someone->home_county = options->counties[0];
  someone->second_county = NO_COUNTY;
  if (!shape_reference && random_chance(&rng, options->second_county_rate)) {
    for (int attempt = 0; attempt < 16 && someone->second_county == NO_COUNTY; attempt++) {
      uint8_t county =
          options->county_count > 1 ? draw_county(&rng, options) : draw_state_county(cat, &rng);
      if (county != someone->home_county) someone->second_county = county;
    }
  }

  int cycle_count = 1;
  if (shape_reference)
    cycle_count = random_between(&rng, 24, 32);
  else
    while (cycle_count < 12 && random_chance(&rng, rates.another_cycle)) cycle_count++;
  if (someone->second_county != NO_COUNTY && cycle_count < 2) cycle_count = 2;

  int32_t adult_day = someone->birth_day + 18 * 365 + 4;
  int32_t first_day = adult_day > FIRST_HISTORY_DAY ? adult_day : FIRST_HISTORY_DAY;
  int32_t last_day = LAST_HISTORY_DAY - 400;
  if (first_day > last_day - 30) first_day = last_day - 30;

  cycle_plan cycles[MAX_CYCLES];
  int32_t days[MAX_CYCLES];
  for (int c = 0; c < cycle_count; c++) days[c] = random_between(&rng, first_day, last_day);
  sort_days(days, cycle_count);

  int home_cycle = (int)random_below(&rng, (uint32_t)cycle_count);
  int second_cycle = -1;
  if (someone->second_county != NO_COUNTY)
    second_cycle =
        (home_cycle + 1 + (int)random_below(&rng, (uint32_t)cycle_count - 1)) % cycle_count;
  int violent_cycle = random_chance(&rng, rates.violent_person)
                          ? (int)random_below(&rng, (uint32_t)cycle_count)
                          : -1;
  int sex_cycle =
      random_chance(&rng, rates.sex_offender) ? (int)random_below(&rng, (uint32_t)cycle_count) : -1;
  int registration_cycle = -1;
  if (sex_cycle >= 0 && random_chance(&rng, rates.registers_after_pc290))
    registration_cycle = sex_cycle;
  else if (random_chance(&rng, rates.registered_without_pc290))
    registration_cycle = (int)random_below(&rng, (uint32_t)cycle_count);

  for (int c = 0; c < cycle_count; c++) {
    cycle_plan *cycle = &cycles[c];
    cycle->day = days[c];
    cycle->primary_class = -1;
    cycle->must_convict = 0;
    cycle->outside_home = 0;
    double ticket = random_unit(&rng);
    if (shape_reference || ticket < rates.cycle_in_home_county)
      cycle->county = someone->home_county;
    else if (someone->second_county != NO_COUNTY &&
             ticket < rates.cycle_in_home_county + rates.cycle_in_second_county)
      cycle->county = someone->second_county;
    else
      cycle->county = draw_state_county(cat, &rng);
    if (cycle->county != someone->home_county && cycle->county != someone->second_county)
      cycle->outside_home = 1;
    if (c == violent_cycle) {
      cycle->primary_class = OFFENSE_SUPERSTRIKE;
      cycle->must_convict = 1;
    }
    if (c == sex_cycle) {
      cycle->primary_class = OFFENSE_PC290;
      cycle->must_convict = 1;
    }
    if (c == home_cycle || c == second_cycle) {
      cycle->county = c == home_cycle ? someone->home_county : someone->second_county;
      cycle->primary_class = OFFENSE_PROP64;
      cycle->must_convict = 1;
      cycle->outside_home = 0;
    }
  }

  person_plan plan = {&rng, cat, options, someone};
  int aka_cycle = someone->aka_kind && cycle_count > 1
                      ? 1 + (int)random_below(&rng, (uint32_t)cycle_count - 1)
                      : -1;
  for (int c = 0; c < cycle_count; c++) {
    size_t first_row = someone->row_count;
    int32_t next_day = c + 1 < cycle_count ? days[c + 1] : LAST_HISTORY_DAY;
    if (add_cycle(&plan, &cycles[c], (uint16_t)(101 + c), next_day, c == registration_cycle))
      return -1;
    if (c == aka_cycle)
      for (size_t r = first_row; r < someone->row_count; r++)
        someone->rows[r].flags |= ROW_AKA_NAME;
  }

  if (random_chance(&rng, rates.deceased)) {
    int32_t last_event = someone->rows[someone->row_count - 1].event_day;
    int32_t death_day = last_event + random_between(&rng, 30, 3000);
    if (death_day > LAST_HISTORY_DAY) death_day = LAST_HISTORY_DAY;
    history_row *row = append_row(someone);
    if (!row) return -1;
    row->cycle_day = row->event_day = death_day;
    row->cycle_number = (uint16_t)(101 + cycle_count);
    row->step_number = 1;
    row->count_number = 1;
    row->step_kind = STEP_DECEASED;
    row->county = someone->home_county;
    row->age_at_cycle = age_in_years(someone->birth_day, death_day);
  }
  add_defects(cat, options, &rng, someone);
  return 0;
}

int history_extract_counties(const catalog *cat, const person *someone,
                             uint8_t member[CALIFORNIA_COUNTY_COUNT]) {
  memset(member, 0, CALIFORNIA_COUNTY_COUNT);
  int count = 0;
  for (size_t i = 0; i < someone->row_count; i++) {
    const history_row *row = &someone->rows[i];
    if (!row->has_offense || !cat->dispositions[row->disposition].is_conviction ||
        cat->offenses[row->offense].offense_class != OFFENSE_PROP64)
      continue;
    if (!member[row->county]) {
      member[row->county] = 1;
      count++;
    }
  }
  return count;
}
