/* county_files.h — the per-county output files of relief-gen and their manifest. */
#ifndef RELIEF_GEN_COUNTY_FILES_H
#define RELIEF_GEN_COUNTY_FILES_H

#include <stdint.h>
#include <stdio.h>

#include "gen.h"

typedef struct county_file {
  uint8_t county;
  char county_name[32]; /* LOS ANGELES */
  char file_name[64];   /* LOS_ANGELES.dat or LOS_ANGELES.dat.zst */
  char path[4096];
  char temporary_path[4200];
  FILE *stream;
  byte_buffer pending; /* text not yet written (or not yet a frame) */
  uint64_t people, rows, bytes, frames, compressed_bytes;
} county_file;

typedef struct output_options {
  const char *directory;
  int compress; /* write zstd frames */
  int compression_level;
  size_t frame_size; /* uncompressed bytes per frame, about */
  int with_header;
} output_options;

typedef struct county_outputs {
  output_options options;
  county_file files[CALIFORNIA_COUNTY_COUNT];
  int file_count;
  int8_t file_of_county[CALIFORNIA_COUNTY_COUNT]; /* -1 when not written */
  void *compressor;                               /* ZSTD_CCtx */
  byte_buffer compressed;
  uint64_t people;
  char error[512]; /* set when a call fails */
} county_outputs;

/* Creates the folder and one temporary file per selected county, each
 * starting with `header` when options->with_header. Returns 0 or -1. */
int county_outputs_open(county_outputs *outputs, const catalog *cat, const output_options *options,
                        const uint8_t *counties, int county_count, const byte_buffer *header);

/* Appends a person's formatted rows to the file of every county in `member`
 * that is written. Returns the number of files written to, or -1. */
int county_outputs_add_person(county_outputs *outputs,
                              const uint8_t member[CALIFORNIA_COUNTY_COUNT], const char *rows_text,
                              const size_t *row_ends, size_t row_count);

/* Flushes and renames every file into place, then writes manifest.json.
 * `extra` (a jansson object, may be NULL) adds keys to the manifest.
 * Returns 0 or -1. */
int county_outputs_close(county_outputs *outputs, void *extra);

/* Releases memory and removes temporary files after a failure. */
void county_outputs_abandon(county_outputs *outputs);

#endif
