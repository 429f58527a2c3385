/*
 * test_generator.c — tests of relief-gen through its command line: determinism, manifest truth,
 * row size and shape (95 fields, quote-aware), multi-frame zstd that
 * decompresses to the plain text, county coverage and membership (every
 * person in a county file has a Prop 64 conviction reported there). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zstd.h>

#define COLUMN_COUNT 95
#define COLUMN_SUBJECT_ID 2
#define COLUMN_COUNTY 48
#define COLUMN_OFFENSE 54
#define COLUMN_DISPOSITION 80
#define COLUMN_COMMENT 93

typedef struct file_bytes {
  char *data;
  size_t size;
} file_bytes;

typedef struct field_span {
  const char *chars;
  size_t length;
} field_span;

/* Runs relief-gen with `arguments` into scratch/<name>; returns its exit code. */
static int run_generator(const char *name, const char *arguments, char *directory,
                         size_t capacity) {
  snprintf(directory, capacity, "%s/%s", RELIEF_GEN_SCRATCH, name);
  char command[32768];
  snprintf(command, sizeof command, "rm -rf '%s' && '%s' --out '%s' %s 2>/dev/null", directory,
           RELIEF_GEN_PATH, directory, arguments);
  int status = system(command);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_generator_raw(const char *arguments) {
  char command[32768];
  snprintf(command, sizeof command, "'%s' %s >/dev/null 2>&1", RELIEF_GEN_PATH, arguments);
  int status = system(command);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static file_bytes read_file(const char *directory, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", directory, name);
  file_bytes file = {0};
  FILE *stream = fopen(path, "rb");
  cr_assert_not_null(stream, "cannot open %s", path);
  fseek(stream, 0, SEEK_END);
  file.size = (size_t)ftell(stream);
  fseek(stream, 0, SEEK_SET);
  file.data = malloc(file.size + 1);
  cr_assert(fread(file.data, 1, file.size, stream) == file.size);
  file.data[file.size] = '\0';
  fclose(stream);
  return file;
}

static json_t *read_manifest(const char *directory) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", directory);
  json_error_t error;
  json_t *manifest = json_load_file(path, 0, &error);
  cr_assert_not_null(manifest, "manifest: %s", error.text);
  return manifest;
}

static long long manifest_integer(json_t *object, const char *key) {
  json_t *value = json_object_get(object, key);
  cr_assert(json_is_integer(value), "manifest key %s", key);
  return json_integer_value(value);
}

/* Reads one CSV record from `offset`, quote-aware (doubled quotes, commas and
 * line breaks inside quotes). Fills up to COLUMN_COUNT spans (raw, quotes
 * kept) and returns the offset after the record's line end. */
static size_t next_record(const file_bytes *file, size_t offset, field_span *fields,
                          int *field_count) {
  int count = 0, quoted = 0;
  size_t field_start = offset, i = offset;
  for (; i < file->size; i++) {
    char c = file->data[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < file->size && file->data[i + 1] == '"')
          i++;
        else
          quoted = 0;
      }
      continue;
    }
    if (c == '"') {
      quoted = 1;
    } else if (c == ',' || c == '\n') {
      size_t end = i;
      if (c == '\n' && end > field_start && file->data[end - 1] == '\r') end--;
      if (count < COLUMN_COUNT)
        fields[count] = (field_span){file->data + field_start, end - field_start};
      count++;
      field_start = i + 1;
      if (c == '\n') break;
    }
  }
  *field_count = count;
  return i + 1;
}

static int has_header(const file_bytes *file) {
  return file->size >= 9 && memcmp(file->data, "RECORD_ID", 9) == 0;
}

static size_t first_data_offset(const file_bytes *file) {
  if (!has_header(file)) return 0;
  const char *newline = memchr(file->data, '\n', file->size);
  return newline ? (size_t)(newline - file->data) + 1 : file->size;
}

static int span_equals(field_span span, const char *text) {
  return span.length == strlen(text) && memcmp(span.chars, text, span.length) == 0;
}

static int span_contains(field_span span, const char *needle) {
  size_t length = strlen(needle);
  for (size_t i = 0; i + length <= span.length; i++)
    if (memcmp(span.chars + i, needle, length) == 0) return 1;
  return 0;
}

/* Code section as the eligibility spec reads it (up to the first '-'). */
static field_span code_section(const field_span *fields) {
  field_span offense = fields[COLUMN_OFFENSE];
  size_t spaces = 0;
  while (spaces < offense.length && offense.chars[spaces] == ' ') spaces++;
  if (spaces == offense.length || span_equals(offense, "SEE COMMENT FOR CHARGE"))
    offense = fields[COLUMN_COMMENT];
  for (size_t i = 0; i < offense.length; i++)
    if (offense.chars[i] == '-') return (field_span){offense.chars, i};
  return offense;
}

static int is_prop64_conviction(const field_span *fields) {
  field_span section = code_section(fields);
  field_span disposition = fields[COLUMN_DISPOSITION];
  return disposition.length >= 9 && memcmp(disposition.chars, "CONVICTED", 9) == 0 &&
         (span_contains(section, "11357") || span_contains(section, "11358") ||
          span_contains(section, "11359") || span_contains(section, "11360"));
}

static int files_identical(const char *left_directory, const char *right_directory,
                           const char *name) {
  file_bytes left = read_file(left_directory, name), right = read_file(right_directory, name);
  int same = left.size == right.size && memcmp(left.data, right.data, left.size) == 0;
  free(left.data);
  free(right.data);
  return same;
}

Test(generator, same_arguments_same_bytes_other_seed_other_bytes) {
  char first[4096], second[4096], other[4096];
  cr_assert_eq(run_generator("det-a", "--people 3000 --seed 5 --zstd --frame-size 100K", first,
                             sizeof first),
               0);
  cr_assert_eq(run_generator("det-b", "--people 3000 --seed 5 --zstd --frame-size 100K", second,
                             sizeof second),
               0);
  cr_assert_eq(run_generator("det-c", "--people 3000 --seed 6 --zstd --frame-size 100K", other,
                             sizeof other),
               0);
  json_t *manifest = read_manifest(first);
  json_t *entry;
  size_t index;
  json_array_foreach(json_object_get(manifest, "files"), index, entry) {
    const char *name = json_string_value(json_object_get(entry, "file"));
    cr_assert(files_identical(first, second, name), "%s differs between equal runs", name);
  }
  cr_assert(files_identical(first, second, "manifest.json"));
  cr_assert_not(files_identical(first, other, "LOS_ANGELES.dat.zst"), "seed changes nothing");
  json_decref(manifest);
}

/* Counts what a folder of plain files holds and checks the manifest says so. */
Test(generator, manifest_tells_the_truth) {
  char directory[4096];
  cr_assert_eq(run_generator("manifest", "--people 4000 --seed 9 --dirty-rate 0.05", directory,
                             sizeof directory),
               0);
  json_t *manifest = read_manifest(directory);
  json_t *entry;
  size_t index;
  long long total_rows = 0, total_bytes = 0;
  size_t subject_capacity = 1 << 16, subject_count = 0;
  char(*subjects)[16] = calloc(subject_capacity, 16);
  char(*cii_numbers)[16] = calloc(subject_capacity, 16);
  json_array_foreach(json_object_get(manifest, "files"), index, entry) {
    file_bytes file = read_file(directory, json_string_value(json_object_get(entry, "file")));
    long long rows = 0;
    field_span fields[COLUMN_COUNT];
    int field_count;
    char previous_subject[16] = "";
    for (size_t offset = first_data_offset(&file); offset < file.size; rows++) {
      offset = next_record(&file, offset, fields, &field_count);
      char subject[16] = {0};
      memcpy(subject, fields[COLUMN_SUBJECT_ID].chars,
             fields[COLUMN_SUBJECT_ID].length < 15 ? fields[COLUMN_SUBJECT_ID].length : 15);
      if (strcmp(subject, previous_subject) != 0) {
        cr_assert(subject_count < subject_capacity);
        field_span cii = fields[11];
        memcpy(cii_numbers[subject_count], cii.chars, cii.length < 15 ? cii.length : 15);
        cr_assert(cii.length >= 8 && cii.length <= 10, "CII of %zu digits", cii.length);
        memcpy(subjects[subject_count++], subject, 16);
        memcpy(previous_subject, subject, 16);
      }
    }
    cr_assert_eq(rows, manifest_integer(entry, "rows"), "rows of %s",
                 json_string_value(json_object_get(entry, "file")));
    cr_assert_eq((long long)file.size, manifest_integer(entry, "bytes"));
    total_rows += rows;
    total_bytes += (long long)file.size;
    free(file.data);
  }
  cr_assert_eq(total_rows, manifest_integer(manifest, "rows"));
  cr_assert_eq(total_bytes, manifest_integer(manifest, "bytes"));
  /* people: distinct subjects over all files (a person in two files once) */
  qsort(subjects, subject_count, 16, (int (*)(const void *, const void *))strcmp);
  size_t distinct = 0;
  for (size_t i = 0; i < subject_count; i++)
    distinct += i == 0 || strcmp(subjects[i], subjects[i - 1]) != 0;
  cr_assert_eq((long long)distinct, manifest_integer(manifest, "people"));
  cr_assert_eq((long long)distinct, 4000);
  cr_assert(subject_count > distinct, "nobody appears in two counties");
  /* CII numbers are unique per person too */
  qsort(cii_numbers, subject_count, 16, (int (*)(const void *, const void *))strcmp);
  size_t distinct_cii = 0;
  for (size_t i = 0; i < subject_count; i++)
    distinct_cii += i == 0 || strcmp(cii_numbers[i], cii_numbers[i - 1]) != 0;
  cr_assert_eq(distinct_cii, distinct, "CII numbers shared between people");
  free(cii_numbers);
  free(subjects);
  json_decref(manifest);
}

/* Every row has 95 fields, rows average 150-400 bytes, each person's rows
 * stand together, and each person in a county file has a Prop 64
 * conviction reported by that county. Dirty rate raised to hit every defect. */
static void check_rows(const char *directory, int expect_realistic_size) {
  json_t *manifest = read_manifest(directory);
  json_t *entry;
  size_t index;
  long long rows = 0, bytes = 0;
  json_array_foreach(json_object_get(manifest, "files"), index, entry) {
    const char *county = json_string_value(json_object_get(entry, "county"));
    file_bytes file = read_file(directory, json_string_value(json_object_get(entry, "file")));
    cr_assert(file.size == 0 || file.data[file.size - 1] == '\n');
    field_span fields[COLUMN_COUNT];
    int field_count;
    size_t offset = first_data_offset(&file);
    bytes += (long long)(file.size - offset);
    field_span subject = {0};
    int convicted_here = 1;
    char seen_subjects[4096][16];
    int seen_count = 0;
    while (offset < file.size) {
      size_t line = offset;
      offset = next_record(&file, offset, fields, &field_count);
      rows++;
      cr_assert_eq(field_count, COLUMN_COUNT, "%s: %d fields at byte %zu", county, field_count,
                   line);
      if (!subject.chars || subject.length != fields[COLUMN_SUBJECT_ID].length ||
          memcmp(subject.chars, fields[COLUMN_SUBJECT_ID].chars, subject.length) != 0) {
        cr_assert(convicted_here, "%s: a person without a Prop 64 conviction there", county);
        subject = fields[COLUMN_SUBJECT_ID];
        convicted_here = 0;
        char key[16] = {0};
        memcpy(key, subject.chars, subject.length < 15 ? subject.length : 15);
        for (int k = 0; k < seen_count; k++)
          cr_assert_str_neq(seen_subjects[k], key, "%s: rows of %s apart", county, key);
        if (seen_count < 4096) memcpy(seen_subjects[seen_count++], key, 16);
      }
      if (is_prop64_conviction(fields) && span_equals(fields[COLUMN_COUNTY], county))
        convicted_here = 1;
    }
    cr_assert(convicted_here, "%s: last person without a Prop 64 conviction there", county);
    free(file.data);
  }
  if (expect_realistic_size) {
    double average = (double)bytes / (double)rows;
    cr_assert(average >= 150 && average <= 400, "average row %.1f bytes", average);
  }
  json_decref(manifest);
}

Test(generator, rows_are_well_formed_realistic) {
  char directory[4096];
  cr_assert_eq(run_generator("rows", "--people 3000 --seed 3", directory, sizeof directory), 0);
  check_rows(directory, 1);
  cr_assert_eq(run_generator("rows-dirty", "--people 2000 --seed 4 --dirty-rate 0.1 --no-header",
                             directory, sizeof directory),
               0);
  check_rows(directory, 0);
}

Test(generator, rows_are_well_formed_reference_shape) {
  char directory[4096];
  cr_assert_eq(run_generator("reference",
                             "--people 200 --seed 3 --shape reference --counties SAN_DIEGO,YOLO",
                             directory, sizeof directory),
               0);
  json_t *manifest = read_manifest(directory);
  json_t *files = json_object_get(manifest, "files");
  cr_assert_eq(json_array_size(files), 1);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(files, 0), "county")),
                   "SAN DIEGO");
  double per_row =
      (double)manifest_integer(manifest, "bytes") / (double)manifest_integer(manifest, "rows");
  double per_person = (double)manifest_integer(manifest, "rows") / 200.0;
  cr_assert(per_row > 650 && per_row < 950, "reference row %.0f bytes", per_row);
  cr_assert(per_person > 70 && per_person < 110, "reference person %.0f rows", per_person);
  json_decref(manifest);
  check_rows(directory, 0);
}

Test(generator, zstd_frames_end_on_rows_and_decompress_to_the_plain_text) {
  char plain[4096], compressed[4096];
  cr_assert_eq(run_generator("plain", "--people 3000 --seed 12", plain, sizeof plain), 0);
  cr_assert_eq(run_generator("zstd", "--people 3000 --seed 12 --zstd=5 --frame-size 64K",
                             compressed, sizeof compressed),
               0);
  json_t *manifest = read_manifest(compressed);
  json_t *entry;
  size_t index;
  json_array_foreach(json_object_get(manifest, "files"), index, entry) {
    const char *name = json_string_value(json_object_get(entry, "file"));
    char plain_name[128];
    snprintf(plain_name, sizeof plain_name, "%.*s", (int)(strlen(name) - 4), name);
    file_bytes packed = read_file(compressed, name), text = read_file(plain, plain_name);
    size_t offset = 0, produced = 0;
    long long frames = 0;
    while (offset < packed.size) {
      size_t frame_size = ZSTD_findFrameCompressedSize(packed.data + offset, packed.size - offset);
      cr_assert_not(ZSTD_isError(frame_size), "%s: bad frame", name);
      unsigned long long content = ZSTD_getFrameContentSize(packed.data + offset, frame_size);
      cr_assert(content != ZSTD_CONTENTSIZE_UNKNOWN && content != ZSTD_CONTENTSIZE_ERROR,
                "%s: frame without content size", name);
      cr_assert(produced + content <= text.size);
      char *out = malloc(content + 1);
      size_t got = ZSTD_decompress(out, content + 1, packed.data + offset, frame_size);
      cr_assert_eq(got, content);
      cr_assert(memcmp(out, text.data + produced, content) == 0, "%s: frame %lld differs", name,
                frames);
      cr_assert(content == 0 || out[content - 1] == '\n', "%s: frame ends mid-row", name);
      free(out);
      produced += content;
      offset += frame_size;
      frames++;
    }
    cr_assert_eq(produced, text.size, "%s decompresses short", name);
    cr_assert_eq(frames, manifest_integer(entry, "frames"));
    if (strcmp(name, "LOS_ANGELES.dat.zst") == 0)
      cr_assert(frames > 1, "LOS_ANGELES has %lld frame(s)", frames);
    free(packed.data);
    free(text.data);
  }
  json_decref(manifest);
}

typedef struct person_block {
  char subject[16];
  const char *start;
  size_t length;
} person_block;

static int compare_blocks(const void *left, const void *right) {
  return strcmp(((const person_block *)left)->subject, ((const person_block *)right)->subject);
}

/* A person in several county files has the same rows, byte for byte, in each. */
static void check_shared_people_identical(const char *directory, json_t *files) {
  size_t capacity = 1 << 16, count = 0;
  person_block *blocks = malloc(capacity * sizeof *blocks);
  file_bytes loaded[64];
  json_t *entry;
  size_t index;
  json_array_foreach(files, index, entry) {
    loaded[index] = read_file(directory, json_string_value(json_object_get(entry, "file")));
    const file_bytes *file = &loaded[index];
    field_span fields[COLUMN_COUNT];
    int field_count;
    for (size_t offset = first_data_offset(file); offset < file->size;) {
      size_t row_start = offset;
      offset = next_record(file, offset, fields, &field_count);
      field_span subject = fields[COLUMN_SUBJECT_ID];
      person_block *last = count ? &blocks[count - 1] : NULL;
      if (last && last->start + last->length == file->data + row_start &&
          strlen(last->subject) == subject.length &&
          memcmp(last->subject, subject.chars, subject.length) == 0) {
        last->length += offset - row_start;
        continue;
      }
      cr_assert(count < capacity);
      person_block *block = &blocks[count++];
      memset(block->subject, 0, sizeof block->subject);
      memcpy(block->subject, subject.chars, subject.length < 15 ? subject.length : 15);
      block->start = file->data + row_start;
      block->length = offset - row_start;
    }
  }
  qsort(blocks, count, sizeof *blocks, compare_blocks);
  size_t shared = 0;
  for (size_t i = 1; i < count; i++) {
    if (strcmp(blocks[i].subject, blocks[i - 1].subject) != 0) continue;
    shared++;
    cr_assert(blocks[i].length == blocks[i - 1].length &&
                  memcmp(blocks[i].start, blocks[i - 1].start, blocks[i].length) == 0,
              "person %s differs between county files", blocks[i].subject);
  }
  cr_assert_gt(shared, 0);
  for (size_t i = 0; i < json_array_size(files); i++) free(loaded[i].data);
  free(blocks);
}

Test(generator, every_county_present_and_shared_people_identical) {
  char directory[4096];
  cr_assert_eq(run_generator("statewide", "--people 20000 --seed 2", directory, sizeof directory),
               0);
  json_t *manifest = read_manifest(directory);
  json_t *files = json_object_get(manifest, "files");
  cr_assert_eq(json_array_size(files), 58);
  json_t *entry;
  size_t index;
  long long appearances = 0;
  json_array_foreach(files, index, entry) {
    cr_assert_gt(manifest_integer(entry, "rows"), 0, "%s is empty",
                 json_string_value(json_object_get(entry, "county")));
    appearances += manifest_integer(entry, "people");
  }
  double shared = (double)(appearances - manifest_integer(manifest, "people")) / 20000.0;
  cr_assert(shared > 0.05 && shared < 0.16, "%.3f of people in a second county", shared);
  check_shared_people_identical(directory, files);
  json_decref(manifest);
}

Test(generator, bad_arguments_exit_1) {
  char out[4200];
  snprintf(out, sizeof out, "--out '%s/bad'", RELIEF_GEN_SCRATCH);
  const char *cases[] = {
      "--people 0 --seed 1",
      "--people x --seed 1",
      "--seed 1",
      "--people 5",
      "--people 5 --seed 1 --counties ATLANTIS",
      "--people 5 --seed 1 --shape round",
      "--people 5 --seed 1 --zstd=99",
      "--people 5 --seed 1 --frame-size 0",
      "--people 5 --seed 1 --dirty-rate 2",
      "--people 5 --seed 1 --bogus",
      "--people 5 --seed 1 stray",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char arguments[8192];
    snprintf(arguments, sizeof arguments, "%s %s", cases[i], out);
    cr_assert_eq(run_generator_raw(arguments), 1, "'%s' did not exit 1", cases[i]);
  }
  cr_assert_eq(run_generator_raw("--people 5 --seed 1"), 1, "missing --out did not exit 1");
}
