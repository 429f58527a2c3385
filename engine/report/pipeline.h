/*
 * pipeline.h — the stages `run` and `statewide` share, internal to report/:
 * inputs cut into segments (mapped chunks or zstd frames), rows parsed into
 * compact records, people grouped and evaluated, bundles emitted in input
 * order. `run` drives it once per file; `statewide` once for all files.
 */
#ifndef RELIEF_PIPELINE_H
#define RELIEF_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "relief/doj.h"
#include "relief/forms.h"
#include "relief/identity.h"
#include "relief/io.h"
#include "relief/report.h"
#include "relief/rules.h"

enum {
  ROW_CONVICTED = 1,
  ROW_FELONY = 2,
  ROW_COURT_ACTION = 4,
  ROW_REGISTRATION = 8,
  ROW_DECEASED = 16,
  ROW_SUBJECT_EMPTY = 32,  /* run mode: SUBJECT_ID is empty (reference oddity) */
  ROW_DUPLICATE = 64,      /* statewide: a copy of a row kept from an earlier file */
  ROW_ARREST_PROP64 = 128, /* an arrest step charging a Prop 64 section */
};

/* The files of a bundle, in the order they are opened. */
enum {
  BUNDLE_ALL,
  BUNDLE_CONDENSED,
  BUNDLE_PROP64,
  BUNDLE_HAND_REVIEW,
  BUNDLE_EXTENDED,
  BUNDLE_FILES
};
extern const char *const bundle_names[BUNDLE_FILES];

/* Rows whose text the court filings need (kept during emit). */
enum { CAPTURE_PERSON = 1, CAPTURE_COUNT = 2 };
typedef struct captured_row {
  uint32_t j;
  char *name, *dob, *cii, *offense, *cnt;
} captured_row;

/* A row's result record: flags byte, then "A\0B\0X\0" (A = columns 1-2,
 * B = "," columns 4-18 [+ ",rule"], X = the extended columns). */
enum { RESULT_REVIEW = 1, RESULT_PLEA_ONLY = 2 };

/* One input row as the decision needs it, instead of 95 strings. */
typedef struct {
  uint64_t cnt_key;    /* XXH3 of CNT_ORDER */
  uint64_t step_key;   /* XXH3 of its first 6 characters */
  int64_t sentence_ns; /* this row's sentence part */
  int32_t disp_day;
  int32_t dob_day;
  uint32_t class_id; /* code-section class (convicted rows) */
  uint32_t ofn_id;   /* case number's offset in the piece's ofns + 1, 0 none */
  uint32_t person;
  uint32_t cycle_key; /* hash of the first 3 characters of CNT_ORDER */
  uint16_t county;    /* county id (convicted rows) */
  uint16_t flags;
} row_rec;

/* A piece of one input that parses on its own: a chunk of a mapped text, or
 * one zstd frame decompressed when needed. */
#define SEGMENT_MAPPED (-1)
#define SEGMENT_STREAMED (-2)

typedef struct {
  int input;
  long frame;        /* zstd frame index, SEGMENT_MAPPED or SEGMENT_STREAMED */
  char *stream_text; /* SEGMENT_STREAMED: the text while it is being read */
  bool parsed;
  size_t begin, end; /* the piece's place in the input's whole text */
  row_rec *rows;
  size_t n_rows, cap_rows;
  XXH128_hash_t *keys; /* per row: the person key (freed once people are grouped) */
  uint64_t *content;   /* statewide, per row: XXH3 of all 95 values (freed after dedupe) */
  relief_intern sections, counties; /* distinct strings of this piece */
  relief_buf ofns;                  /* case numbers, each NUL-terminated; rows hold offset + 1 */
  uint32_t *class_map, *county_map; /* piece ids → run ids */
  const char **result;              /* per row: "A\0B\0" result text, or NULL */
  uint8_t *capture;                 /* --forms: CAPTURE_* bits per row */
  struct captured_row *captured;    /* --forms: the strings of captured rows, by row */
  size_t n_captured;
  size_t newlines; /* LF bytes in the piece */
  bool ends_clean; /* ends with LF (a zstd frame must, to stand alone) */
  bool failed;
  relief_parse_error perr; /* offsets relative to the piece */
} segment_t;

typedef struct {
  uint32_t seg, j;
} row_ref;

typedef struct arena_block arena_block;

/* A county's decision: its flow, its summary, its output files. */
typedef struct {
  const char *name;
  relief_flow flow;
  relief_options options;
  relief_summary summary;
  relief_outfile files[BUNDLE_FILES];
  int n_files; /* 0 none, 3 the spec's bundle, 5 with the review files */
} county_plan;

typedef struct {
  bool merged;                       /* statewide: one population over all inputs */
  bool keep_keys;                    /* explain: keep the person keys after grouping */
  bool trace;                        /* a Rule column after the 18 */
  bool review_files;                 /* Hand_Review.csv and Prop64_Results_Extended.csv */
  bool forms;                        /* court filings: capture what motions need */
  const relief_redaction *redaction; /* --redact: the bundle's personal fields */
  uint32_t *motion_pairs;            /* (person, county) pairs with a motion, sorted */
  size_t n_motion_pairs;
  const relief_classifier *classifier;
  int32_t compute_day;
  relief_progress_fn progress;
  void *progress_user;
  relief_input *inputs;
  int n_inputs;
  segment_t *segs;
  size_t n_segs;
  relief_intern sections; /* run-wide distinct code sections */
  relief_code_class *classes;
  size_t n_classes, cap_classes;
  const char **section_text; /* code-section string of each class */
  size_t *section_len;
  relief_intern counties; /* run-wide county names of convicted rows */
  /* grouping */
  size_t n_rows, n_people;
  size_t *first; /* person p's rows are order[first[p] .. first[p+1]) */
  row_ref *order;
  uint32_t *person_counties;   /* statewide: person p's decided counties ... */
  size_t *person_county_first; /* ... are person_counties[pcf[p] .. pcf[p+1]) */
  int64_t duplicate_rows;
  /* deciding */
  county_plan *plans; /* by county id; run mode: one plan, id 0 */
  size_t n_plans;
  int run_county; /* run mode: the county id decided, or -1 */
  relief_flow dismiss_all;
  arena_block **arenas;
  int n_threads;
} pipeline;

/* Opens inputs (lazy zstd), cuts them into segments and parses every row in
 * parallel, then interns and classifies code sections and counties. */
relief_status pipeline_parse(pipeline *pl, const char *const *paths, int n, relief_error *err);

/* Groups rows into people (statewide: and drops cross-file copies). */
void pipeline_group(pipeline *pl);

/* Builds and decides every person, filling results and county summaries. */
void pipeline_evaluate(pipeline *pl);

/* Streams the inputs again and writes each plan's bundle in input order. */
relief_status pipeline_emit(pipeline *pl, relief_error *err);

/* Calls fn for each conviction of person (run mode, plans[0]'s flow). */
void pipeline_explain(pipeline *pl, size_t person, relief_explain_fn fn, void *user,
                      relief_explain_person *out);

/* The motions of one county (after emit captured the rows' text), in
 * person then case order. Strings live in *arena until motions_free. */
typedef struct {
  relief_motion *motions;
  size_t n;
  relief_motion_count *counts;
  arena_block *arena;
} motion_list;
void pipeline_motions(pipeline *pl, int county, motion_list *out);
void motion_list_free(motion_list *m);

/* Writes county's motions into OUTPUTS/Court_Filings/<COUNTY>[_<index>]/. */
relief_status pipeline_write_filings(pipeline *pl, int county, const char *outputs_dir, int index,
                                     int64_t *n_motions, relief_error *err);

/* The impact report, written into a hidden staging folder of outputs_dir
 * and renamed into place with the rest of the run's outputs. */
typedef struct {
  char dir[3072];
  relief_outfile files[2]; /* report.html, report.pdf: staged → final */
} staged_report;
struct json_t;
relief_status stage_impact_report(const char *outputs_dir, const char *summary_json,
                                  struct json_t *extra, staged_report *out, relief_error *err);
relief_status staged_report_commit(staged_report *r, relief_error *err);
void staged_report_discard(staged_report *r); /* removes what is left, and the folder */

/* Frees the result text (after emitting). */
void pipeline_free_arenas(pipeline *pl);

/* Frees everything the pipeline holds. */
void pipeline_free(pipeline *pl);

#endif
