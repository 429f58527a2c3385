/*
 * main.c — the relief-gen program: writes synthetic CA DOJ research extracts, one file per county,
 * deterministic for a given set of arguments. Parses the command line (one
 * table of options), then generates people one by one, formats their rows
 * once and appends them to every county file that holds them. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "county_files.h"
#include "gen.h"

enum option_id {
  OPTION_PEOPLE,
  OPTION_SEED,
  OPTION_OUT,
  OPTION_COUNTIES,
  OPTION_ZSTD,
  OPTION_FRAME_SIZE,
  OPTION_NO_HEADER,
  OPTION_SHAPE,
  OPTION_DIRTY_RATE,
  OPTION_SECOND_COUNTY_RATE,
  OPTION_HELP,
};

enum option_value { VALUE_NONE, VALUE_REQUIRED, VALUE_OPTIONAL };

static const struct option_spec {
  const char *name;
  enum option_id id;
  enum option_value value;
  const char *help;
} option_specs[] = {
    {"people", OPTION_PEOPLE, VALUE_REQUIRED, "N        people to generate (required)"},
    {"seed", OPTION_SEED, VALUE_REQUIRED, "S          seed of the random streams (required)"},
    {"out", OPTION_OUT, VALUE_REQUIRED, "DIR         output folder, created if missing (required)"},
    {"counties", OPTION_COUNTIES, VALUE_REQUIRED, "all|NAME,NAME  counties to write (default all)"},
    {"zstd", OPTION_ZSTD, VALUE_OPTIONAL,
     "[=LEVEL]    write .dat.zst files of several frames (level 3)"},
    {"frame-size", OPTION_FRAME_SIZE, VALUE_REQUIRED,
     "BYTES uncompressed bytes per zstd frame (4M; K/M/G suffixes)"},
    {"no-header", OPTION_NO_HEADER, VALUE_NONE, "       omit the header line"},
    {"shape", OPTION_SHAPE, VALUE_REQUIRED, "realistic|reference  row shape (default realistic)"},
    {"dirty-rate", OPTION_DIRTY_RATE, VALUE_REQUIRED,
     "R     rate of each dirty-data defect per row (0.005)"},
    {"second-county-rate", OPTION_SECOND_COUNTY_RATE, VALUE_REQUIRED,
     "R  share convicted in a second county (0.1)"},
    {"help", OPTION_HELP, VALUE_NONE, "            this text"},
};

#define OPTION_COUNT (sizeof option_specs / sizeof option_specs[0])

typedef struct generator_arguments {
  uint64_t people;
  uint64_t seed;
  const char *directory;
  uint8_t counties[CALIFORNIA_COUNTY_COUNT];
  int county_count;
  int compress;
  int compression_level;
  size_t frame_size;
  int with_header;
  enum data_shape shape;
  double dirty_rate;
  double second_county_rate;
  int seen_people, seen_seed;
} generator_arguments;

static void print_usage(FILE *stream) {
  fprintf(stream, "usage: relief-gen --people N --seed S --out DIR [options]\n");
  for (size_t i = 0; i < OPTION_COUNT; i++)
    fprintf(stream, "  --%s %s\n", option_specs[i].name, option_specs[i].help);
}

static int usage_error(const char *format, const char *detail) {
  fprintf(stderr, "relief-gen: ");
  fprintf(stderr, format, detail);
  fprintf(stderr, "\n(relief-gen --help lists the options)\n");
  return -1;
}

static int parse_unsigned(const char *value, uint64_t *out, int allow_size_suffix) {
  char *end;
  errno = 0;
  if (!*value || *value == '-') return -1;
  unsigned long long number = strtoull(value, &end, 10);
  if (errno || end == value) return -1;
  if (allow_size_suffix && *end) {
    static const char suffixes[] = "KMG";
    const char *found = strchr(suffixes, *end);
    if (!found || end[1]) return -1;
    for (long shift = 0; shift <= found - suffixes; shift++) number *= 1024;
    end++;
  }
  if (*end) return -1;
  *out = number;
  return 0;
}

static int parse_rate(const char *value, double *out) {
  char *end;
  double number = strtod(value, &end);
  if (!*value || *end || !(number >= 0 && number <= 1)) return -1;
  *out = number;
  return 0;
}

static int parse_counties(const catalog *cat, const char *value, generator_arguments *arguments) {
  uint8_t seen[CALIFORNIA_COUNTY_COUNT] = {0};
  arguments->county_count = 0;
  if (strcmp(value, "all") == 0) {
    for (int i = 0; i < CALIFORNIA_COUNTY_COUNT; i++)
      arguments->counties[arguments->county_count++] = (uint8_t)i;
    return 0;
  }
  const char *start = value;
  for (;;) {
    const char *end = strchr(start, ',');
    size_t length = end ? (size_t)(end - start) : strlen(start);
    int county = catalog_find_county(cat, start, length);
    if (county < 0) return usage_error("unknown county in --counties: %s", start);
    if (!seen[county]) {
      seen[county] = 1;
      arguments->counties[arguments->county_count++] = (uint8_t)county;
    }
    if (!end) return 0;
    start = end + 1;
  }
}

static int apply_option(const catalog *cat, enum option_id id, const char *value,
                        generator_arguments *arguments) {
  uint64_t number;
  switch (id) {
  case OPTION_PEOPLE:
    if (parse_unsigned(value, &arguments->people, 0) || arguments->people == 0 ||
        arguments->people > 100000000)
      return usage_error("--people takes a count from 1 to 100000000, not '%s'", value);
    arguments->seen_people = 1;
    return 0;
  case OPTION_SEED:
    if (parse_unsigned(value, &arguments->seed, 0))
      return usage_error("--seed takes a non-negative integer, not '%s'", value);
    arguments->seen_seed = 1;
    return 0;
  case OPTION_OUT:
    if (!*value) return usage_error("--out needs a folder%s", "");
    arguments->directory = value;
    return 0;
  case OPTION_COUNTIES:
    return parse_counties(cat, value, arguments);
  case OPTION_ZSTD:
    arguments->compress = 1;
    if (value) {
      if (parse_unsigned(value, &number, 0) || number < 1 || (int)number > ZSTD_maxCLevel())
        return usage_error("--zstd level must be 1..19 (or up to 22), not '%s'", value);
      arguments->compression_level = (int)number;
    }
    return 0;
  case OPTION_FRAME_SIZE:
    if (parse_unsigned(value, &number, 1) || number < 1 || number > (1ull << 31))
      return usage_error("--frame-size takes bytes from 1 to 2G, not '%s'", value);
    arguments->frame_size = (size_t)number;
    return 0;
  case OPTION_NO_HEADER:
    arguments->with_header = 0;
    return 0;
  case OPTION_SHAPE:
    if (strcmp(value, "realistic") == 0)
      arguments->shape = SHAPE_REALISTIC;
    else if (strcmp(value, "reference") == 0)
      arguments->shape = SHAPE_REFERENCE;
    else
      return usage_error("--shape is realistic or reference, not '%s'", value);
    return 0;
  case OPTION_DIRTY_RATE:
    if (parse_rate(value, &arguments->dirty_rate))
      return usage_error("--dirty-rate takes a number from 0 to 1, not '%s'", value);
    return 0;
  case OPTION_SECOND_COUNTY_RATE:
    if (parse_rate(value, &arguments->second_county_rate))
      return usage_error("--second-county-rate takes a number from 0 to 1, not '%s'", value);
    return 0;
  case OPTION_HELP:
    print_usage(stdout);
    exit(0);
  }
  return -1;
}

/* Accepts --name value and --name=value; --zstd only as --zstd or --zstd=LEVEL. */
static int parse_arguments(const catalog *cat, int argc, char **argv,
                           generator_arguments *arguments) {
  memset(arguments, 0, sizeof *arguments);
  arguments->with_header = 1;
  arguments->compression_level = 3;
  arguments->frame_size = 4u << 20;
  arguments->dirty_rate = 0.005;
  arguments->second_county_rate = 0.1;
  arguments->shape = SHAPE_REALISTIC;
  int counties_given = 0;

  for (int i = 1; i < argc; i++) {
    const char *argument = argv[i];
    if (strncmp(argument, "--", 2) != 0) return usage_error("unexpected argument '%s'", argument);
    const char *name = argument + 2;
    const char *equals = strchr(name, '=');
    size_t name_length = equals ? (size_t)(equals - name) : strlen(name);
    const struct option_spec *spec = NULL;
    for (size_t k = 0; k < OPTION_COUNT; k++)
      if (strlen(option_specs[k].name) == name_length &&
          strncmp(option_specs[k].name, name, name_length) == 0)
        spec = &option_specs[k];
    if (!spec) return usage_error("unknown option '%s'", argument);
    const char *value = equals ? equals + 1 : NULL;
    if (spec->value == VALUE_NONE && value)
      return usage_error("option '%s' takes no value", argument);
    if (spec->value == VALUE_REQUIRED && !value) {
      if (i + 1 >= argc) return usage_error("option '%s' needs a value", argument);
      value = argv[++i];
    }
    if (spec->id == OPTION_COUNTIES) counties_given = 1;
    if (apply_option(cat, spec->id, value, arguments)) return -1;
  }
  if (!arguments->seen_people || !arguments->seen_seed || !arguments->directory)
    return usage_error("--people, --seed and --out are required%s", "");
  if (!counties_given)
    parse_counties(cat, arguments->shape == SHAPE_REFERENCE ? "LOS ANGELES" : "all", arguments);
  if (arguments->shape == SHAPE_REFERENCE)
    arguments->county_count = 1; /* a single county: the first named */
  return 0;
}

static double seconds_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static int generate(const catalog *cat, const generator_arguments *arguments) {
  uint64_t cumulative[CALIFORNIA_COUNTY_COUNT];
  uint64_t total = 0;
  for (int i = 0; i < arguments->county_count; i++) {
    total += cat->counties[arguments->counties[i]].population;
    cumulative[i] = total;
  }
  history_options history = {
      .shape = arguments->shape,
      .dirty_rate = arguments->dirty_rate,
      .second_county_rate = arguments->second_county_rate,
      .seed = arguments->seed,
      .counties = arguments->counties,
      .county_count = (uint32_t)arguments->county_count,
      .county_weight_total = total,
      .county_weight_cumulative = cumulative,
  };
  output_options output = {
      .directory = arguments->directory,
      .compress = arguments->compress,
      .compression_level = arguments->compression_level,
      .frame_size = arguments->frame_size,
      .with_header = arguments->with_header,
  };

  int status = 3;
  person someone = {0};
  byte_buffer header = {0}, rows_text = {0};
  size_t *row_ends = NULL, row_ends_capacity = 0;
  county_outputs outputs;
  row_formatter *formatter = row_formatter_create(cat, arguments->shape);
  double started = seconds_now();
  if (!formatter || row_format_header(formatter, &header)) {
    fprintf(stderr, "relief-gen: out of memory\n");
    goto done;
  }
  if (county_outputs_open(&outputs, cat, &output, arguments->counties, arguments->county_count,
                          &header)) {
    fprintf(stderr, "relief-gen: %s\n", outputs.error);
    county_outputs_abandon(&outputs);
    goto done;
  }
  for (uint64_t index = 0; index < arguments->people; index++) {
    uint8_t member[CALIFORNIA_COUNTY_COUNT];
    if (history_build_person(cat, &history, index, &someone)) goto out_of_memory;
    history_extract_counties(cat, &someone, member);
    if (someone.row_count > row_ends_capacity) {
      row_ends_capacity = someone.row_count * 2;
      free(row_ends);
      if (!(row_ends = malloc(row_ends_capacity * sizeof *row_ends))) goto out_of_memory;
    }
    rows_text.length = 0;
    if (row_format_person(formatter, &someone, &rows_text, row_ends)) goto out_of_memory;
    if (county_outputs_add_person(&outputs, member, rows_text.data, row_ends, someone.row_count) <
        0) {
      fprintf(stderr, "relief-gen: %s\n", outputs.error);
      county_outputs_abandon(&outputs);
      goto done;
    }
  }

  uint64_t rows = 0, bytes = 0;
  for (int i = 0; i < outputs.file_count; i++) {
    rows += outputs.files[i].rows;
    bytes += outputs.files[i].bytes;
  }
  json_t *extra = json_object();
  json_object_set_new(extra, "seed", json_integer((json_int_t)arguments->seed));
  json_object_set_new(extra, "shape",
                      json_string(arguments->shape == SHAPE_REFERENCE ? "reference" : "realistic"));
  json_object_set_new(extra, "dirty_rate", json_real(arguments->dirty_rate));
  json_object_set_new(extra, "header", json_boolean(arguments->with_header));
  json_object_set_new(extra, "zstd", json_boolean(arguments->compress));
  int closed = county_outputs_close(&outputs, extra);
  json_decref(extra);
  if (closed) {
    fprintf(stderr, "relief-gen: %s\n", outputs.error);
    county_outputs_abandon(&outputs);
    goto done;
  }
  double elapsed = seconds_now() - started;
  fprintf(stderr,
          "relief-gen: %llu people, %llu rows, %.1f MB of text in %d files, %.2f s (%.0f MB/s)\n",
          (unsigned long long)outputs.people, (unsigned long long)rows, (double)bytes / 1e6,
          outputs.file_count, elapsed, (double)bytes / 1e6 / (elapsed > 0 ? elapsed : 1e-9));
  status = 0;
  goto done;

out_of_memory:
  fprintf(stderr, "relief-gen: out of memory\n");
  county_outputs_abandon(&outputs);
done:
  row_formatter_free(formatter);
  free(header.data);
  free(rows_text.data);
  free(row_ends);
  free(someone.rows);
  return status;
}

int main(int argc, char **argv) {
  catalog cat;
  catalog_init(&cat);
  generator_arguments arguments;
  if (parse_arguments(&cat, argc, argv, &arguments)) return 1;
  return generate(&cat, &arguments);
}
