/*
 * county_files.c — writes the per-county extracts: large buffered blocks for plain text, or a
 * sequence of zstd frames (each ending on a row boundary, content size in
 * its header) for --zstd. Files are written under a temporary name and
 * renamed when complete; manifest.json records the true counts. */
#include "county_files.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define PLAIN_WRITE_BLOCK (1u << 20)

static int fail(county_outputs *outputs, const char *format, ...) {
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(outputs->error, sizeof outputs->error, format, arguments);
  va_end(arguments);
  return -1;
}

/* mkdir -p */
static int make_directories(const char *path) {
  char partial[4096];
  size_t length = strlen(path);
  if (length >= sizeof partial) return -1;
  memcpy(partial, path, length + 1);
  for (size_t i = 1; i <= length; i++) {
    if (partial[i] != '/' && partial[i] != '\0') continue;
    char saved = partial[i];
    partial[i] = '\0';
    if (mkdir(partial, 0755) != 0 && errno != EEXIST) return -1;
    partial[i] = saved;
  }
  return 0;
}

static int write_all(county_outputs *outputs, county_file *file, const void *data, size_t length) {
  if (length && fwrite(data, 1, length, file->stream) != length)
    return fail(outputs, "cannot write %s: %s", file->temporary_path, strerror(errno));
  return 0;
}

/* Writes the pending text: as one zstd frame, or as plain bytes. */
static int flush_pending(county_outputs *outputs, county_file *file) {
  byte_buffer *pending = &file->pending;
  if (!pending->length) return 0;
  if (outputs->options.compress) {
    size_t bound = ZSTD_compressBound(pending->length);
    outputs->compressed.length = 0;
    if (byte_buffer_reserve(&outputs->compressed, bound)) return fail(outputs, "out of memory");
    size_t size =
        ZSTD_compressCCtx(outputs->compressor, outputs->compressed.data, bound, pending->data,
                          pending->length, outputs->options.compression_level);
    if (ZSTD_isError(size)) return fail(outputs, "zstd: %s", ZSTD_getErrorName(size));
    if (write_all(outputs, file, outputs->compressed.data, size)) return -1;
    file->frames++;
    file->compressed_bytes += size;
  } else if (write_all(outputs, file, pending->data, pending->length)) {
    return -1;
  }
  pending->length = 0;
  return 0;
}

static size_t flush_threshold(const county_outputs *outputs) {
  return outputs->options.compress ? outputs->options.frame_size : PLAIN_WRITE_BLOCK;
}

int county_outputs_open(county_outputs *outputs, const catalog *cat, const output_options *options,
                        const uint8_t *counties, int county_count, const byte_buffer *header) {
  memset(outputs, 0, sizeof *outputs);
  outputs->options = *options;
  memset(outputs->file_of_county, -1, sizeof outputs->file_of_county);
  if (make_directories(options->directory))
    return fail(outputs, "cannot create %s: %s", options->directory, strerror(errno));
  if (options->compress && !(outputs->compressor = ZSTD_createCCtx()))
    return fail(outputs, "out of memory");
  for (int i = 0; i < county_count; i++) {
    county_file *file = &outputs->files[outputs->file_count];
    const text *name = &cat->counties[counties[i]].name;
    file->county = counties[i];
    memcpy(file->county_name, name->chars, name->length);
    memcpy(file->file_name, name->chars, name->length);
    for (uint32_t k = 0; k < name->length; k++)
      if (file->file_name[k] == ' ') file->file_name[k] = '_';
    strcpy(file->file_name + name->length, options->compress ? ".dat.zst" : ".dat");
    char path[sizeof file->path];
    snprintf(path, sizeof path, "%s/%s", options->directory, file->file_name);
    memcpy(file->path, path, sizeof path);
    snprintf(file->temporary_path, sizeof file->temporary_path, "%s.tmp", path);
    outputs->file_of_county[counties[i]] = (int8_t)outputs->file_count;
    outputs->file_count++;
    file->stream = fopen(file->temporary_path, "wb");
    if (!file->stream)
      return fail(outputs, "cannot create %s: %s", file->temporary_path, strerror(errno));
    if (options->with_header) {
      if (byte_buffer_reserve(&file->pending, header->length))
        return fail(outputs, "out of memory");
      memcpy(file->pending.data, header->data, header->length);
      file->pending.length = header->length;
      file->bytes += header->length;
    }
  }
  return 0;
}

int county_outputs_add_person(county_outputs *outputs,
                              const uint8_t member[CALIFORNIA_COUNTY_COUNT], const char *rows_text,
                              const size_t *row_ends, size_t row_count) {
  int written = 0;
  size_t threshold = flush_threshold(outputs);
  size_t person_length = row_count ? row_ends[row_count - 1] : 0;
  for (int county = 0; county < CALIFORNIA_COUNTY_COUNT; county++) {
    if (!member[county] || outputs->file_of_county[county] < 0) continue;
    county_file *file = &outputs->files[outputs->file_of_county[county]];
    byte_buffer *pending = &file->pending;
    if (byte_buffer_reserve(pending, person_length)) return fail(outputs, "out of memory");
    if (pending->length + person_length < threshold) { /* the usual case: one copy */
      memcpy(pending->data + pending->length, rows_text, person_length);
      pending->length += person_length;
    } else { /* a frame ends inside this person: go row by row */
      size_t row_start = 0;
      for (size_t i = 0; i < row_count; i++) {
        size_t row_length = row_ends[i] - row_start;
        memcpy(pending->data + pending->length, rows_text + row_start, row_length);
        pending->length += row_length;
        row_start = row_ends[i];
        if (pending->length >= threshold && flush_pending(outputs, file)) return -1;
      }
    }
    file->people++;
    file->rows += row_count;
    file->bytes += person_length;
    written++;
  }
  if (written) outputs->people++;
  return written;
}

static void release(county_outputs *outputs) {
  for (int i = 0; i < outputs->file_count; i++) {
    free(outputs->files[i].pending.data);
    outputs->files[i].pending.data = NULL;
  }
  free(outputs->compressed.data);
  outputs->compressed.data = NULL;
  ZSTD_freeCCtx(outputs->compressor);
  outputs->compressor = NULL;
}

void county_outputs_abandon(county_outputs *outputs) {
  for (int i = 0; i < outputs->file_count; i++) {
    county_file *file = &outputs->files[i];
    if (file->stream) {
      fclose(file->stream);
      file->stream = NULL;
    }
    unlink(file->temporary_path);
  }
  release(outputs);
}

static int write_manifest(county_outputs *outputs, json_t *extra) {
  json_t *manifest = json_object();
  json_t *files = json_array();
  uint64_t rows = 0, bytes = 0;
  for (int i = 0; i < outputs->file_count; i++) {
    const county_file *file = &outputs->files[i];
    rows += file->rows;
    bytes += file->bytes;
  }
  json_object_set_new(manifest, "people", json_integer((json_int_t)outputs->people));
  json_object_set_new(manifest, "rows", json_integer((json_int_t)rows));
  json_object_set_new(manifest, "bytes", json_integer((json_int_t)bytes));
  if (extra) json_object_update(manifest, extra);
  for (int i = 0; i < outputs->file_count; i++) {
    const county_file *file = &outputs->files[i];
    json_t *entry = json_object();
    json_object_set_new(entry, "file", json_string(file->file_name));
    json_object_set_new(entry, "county", json_string(file->county_name));
    json_object_set_new(entry, "people", json_integer((json_int_t)file->people));
    json_object_set_new(entry, "rows", json_integer((json_int_t)file->rows));
    json_object_set_new(entry, "bytes", json_integer((json_int_t)file->bytes));
    if (outputs->options.compress) {
      json_object_set_new(entry, "frames", json_integer((json_int_t)file->frames));
      json_object_set_new(entry, "compressed_bytes",
                          json_integer((json_int_t)file->compressed_bytes));
    }
    json_array_append_new(files, entry);
  }
  json_object_set_new(manifest, "files", files);

  char path[4200], temporary_path[4300];
  snprintf(path, sizeof path, "%s/manifest.json", outputs->options.directory);
  snprintf(temporary_path, sizeof temporary_path, "%s.tmp", path);
  int status = json_dump_file(manifest, temporary_path,
                              JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) == 0 &&
                       rename(temporary_path, path) == 0
                   ? 0
                   : -1;
  json_decref(manifest);
  if (status) return fail(outputs, "cannot write %s", path);
  return 0;
}

int county_outputs_close(county_outputs *outputs, void *extra) {
  for (int i = 0; i < outputs->file_count; i++) {
    county_file *file = &outputs->files[i];
    if (flush_pending(outputs, file)) return -1;
    int closed = fclose(file->stream);
    file->stream = NULL;
    if (closed != 0)
      return fail(outputs, "cannot write %s: %s", file->temporary_path, strerror(errno));
    if (rename(file->temporary_path, file->path) != 0)
      return fail(outputs, "cannot rename %s: %s", file->temporary_path, strerror(errno));
  }
  int status = write_manifest(outputs, extra);
  release(outputs);
  return status;
}
