/*
 * pipeline/pipeline_int.h — the pipeline's own state, private to pipeline/:
 * inputs cut into segments (mapped chunks or zstd frames), rows parsed into
 * compact records, people grouped and decided county by county, and the
 * stages the driver (driver.c) runs over them.
 */
#ifndef RELIEF_PIPELINE_INT_H
#define RELIEF_PIPELINE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/hashtab.h"
#include "doj/doj.h"
#include "doj/row_facts.h"
#include "io/input.h"
#include "io/publish.h"
#include "relief/relief.h"
#include "people/people.h"
#include "rules/rules.h"
#include "pipeline/pipeline.h"

/* The spill store of a bounded run (pipeline/spill.c). */
struct spill;

/* A decided conviction's result record: built by the output layer's
 * formatter (output/result_row.h), opaque here. */
struct row_result;

/* ---- a row's record (row_record.c) ---- */

/* The strings of a row the caller keeps: its code section and county
 * (convicted rows) and case number (court actions); len 0 = none. */
typedef struct {
  const char *section, *county, *ofn;
  size_t section_len, county_len, ofn_len;
} row_strings;

/* The last YYYYMMDD date read of one column: its 8 bytes and its day. */
typedef struct {
  uint64_t text;
  int32_t day;
  bool has;
} date_memo;

/* What row_facts keeps from one row for the next: a person's rows come
 * together and repeat the birth date, and the counts of one court action
 * its date, so the last ones read are not parsed again. Zeroed: nothing
 * kept. */
typedef struct {
  date_memo dob, disp;
} row_memo;

/* Fills rec (person, class and county ids left 0) and out from the fields
 * of one parsed row. s holds four scratch buffers, so that every string in
 * out stays valid until the next call with the same s; memo is the
 * caller's, kept from row to row. */
void row_facts(const relief_field f[RELIEF_NCOLS], field_scratch s[4], row_memo *memo, row_rec *rec,
               row_strings *out);

/* A piece of one input that parses on its own: a chunk of a mapped text, or
 * one zstd frame decompressed when needed. */
#define SEGMENT_MAPPED (-1)
#define SEGMENT_STREAMED (-2)

typedef struct {
  int input;
  size_t index;      /* its place in pl->segs (a streamed piece: the place it will take) */
  long frame;        /* zstd frame index, SEGMENT_MAPPED or SEGMENT_STREAMED */
  char *stream_text; /* SEGMENT_STREAMED: the text while it is being read */
  bool parsed;
  size_t begin, end; /* the piece's place in the input's whole text */
  row_rec *rows;
  size_t n_rows, cap_rows;
  XXH128_hash_t *keys; /* per row: the person key (freed once people are grouped) */
  uint64_t *content;   /* statewide, per row: XXH3 of all 95 values (freed after dedupe);
                          with content_kept, only the kept rows' (row_table) */
  uint64_t *content_kept;
  uint32_t *content_rank;
  relief_intern sections, counties; /* distinct strings of this piece */
  relief_buf ofns;                  /* case numbers, each NUL-terminated; rows hold offset + 1 */
  uint32_t *class_map, *county_map; /* piece ids → run ids */
  int64_t *county_rows;             /* convicted rows per piece county id (the county check) */
  const struct row_result **result; /* per row: its result record, or NULL */
  uint32_t spill_id;                /* spilled: the id its rows carry in the spill files */
  uint32_t *spill_counts;           /* spilled: its records per partition, then their case-number
                                       bytes per partition (SPILL_PARTS each) */
  bool spilled;                     /* rows, keys, content and ofns are in the spill files */
  struct row_emit *emit;            /* spilled: what emit needs of each row */
  uint8_t *capture;                 /* --forms: CAPTURE_* bits per row */
  struct captured_row *captured;    /* --forms: the strings of captured rows, by row */
  size_t n_captured;
  int64_t duplicates; /* statewide: its rows marked ROW_DUPLICATE, once counted */
  bool duplicates_counted;
  size_t newlines;       /* LF bytes in the piece, once counted */
  bool newlines_counted; /* streamed and relief-mpi pieces are counted as parsed; others
                            only when an error's line number needs them */
  bool ends_clean;       /* ends with LF (a zstd frame must, to stand alone) */
  bool failed;
  relief_parse_error perr; /* offsets relative to the piece */
} segment_t;

struct pipeline {
  bool merged;                       /* statewide: one population over all inputs */
  bool copies_possible;              /* merged over several inputs: rows carry a content hash
                                        (a copy is a row found again in another input) */
  bool keep_keys;                    /* explain: keep the person keys after grouping */
  bool trace;                        /* a Rule column after the 18 */
  bool review_files;                 /* Hand_Review.csv and Prop64_Results_Extended.csv */
  bool forms;                        /* court filings: capture what motions need */
  bool no_results;                   /* nothing is emitted: decide, count, format nothing */
  uint64_t memory_limit;             /* bytes the run should stay under; 0 = no limit */
  uint64_t memory_estimate;          /* what an unspilled run of the inputs holds at its peak */
  uint64_t rows_estimate;            /* rows of the inputs, from a sample (spill_estimate) */
  uint64_t text_estimate;            /* bytes of their text, likewise */
  publication *scratch_pub;          /* where spill files go (its staging folder) */
  const char *scratch_dir;           /* else: unnamed spill files here (relief-mpi ranks > 0) */
  int spill_ways;                    /* > 1: this process holds 1/spill_ways of the rows */
  struct spill *spill;               /* non-NULL: rows are spilled by partition */
  people_assigner *assigner;         /* non-NULL: people numbered as segments are parsed */
  uint32_t **batch_j;                /* spilled: per segment, a batch row's index in it */
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
  int64_t *county_rows;   /* convicted rows per run county id (the county check) */
  /* grouping */
  row_table table; /* the rows as people/ sees them (views of the segments) */
  row_rec **seg_rows;
  size_t *seg_n_rows;
  XXH128_hash_t **seg_keys;
  uint64_t **seg_content;
  uint64_t **seg_content_kept;
  uint32_t **seg_content_rank;
  int *seg_input;
  char **seg_ofns;
  people_groups groups;
  size_t n_rows, n_people;
  size_t *first; /* person p's rows are order[first[p] .. first[p+1]) */
  row_ref *order;
  uint32_t *person_counties;   /* statewide: person p's decided counties ... */
  size_t *person_county_first; /* ... are person_counties[pcf[p] .. pcf[p+1]) */
  int64_t duplicate_rows;
  /* deciding */
  county_plan *plans; /* by county id; run mode: one plan, id 0 */
  bool own_plans;     /* statewide: the driver allocated plans */
  /* statewide: the person counts over all counties, each person once (a
   * conviction keeps its own county's determination): subjects with a
   * Prop 64 conviction, with some relief, and the relief counts */
  relief_summary statewide;
  size_t n_plans;
  int run_county; /* run mode: the county id decided, or -1 */
  relief_flow dismiss_all;
  result_formatter format_result;
  const plan_collector *collect; /* NULL: none */
  arena_block **arenas;          /* per thread: result records */
  pthread_t releaser;            /* gives back the rows' memory (pipeline_release_rows) */
  bool releasing;                /* releaser runs, or ran and is not joined yet */
  int n_threads;                 /* > 0: every parallel region uses exactly this many */
  /* several processes (a plan's transport, pipeline/distribute.c): parse
   * only the segments owns_segment accepts (NULL: all); share_segments is
   * called after each parse wave [from, to) so every process sees the same
   * segment facts and strings. Set by the pipeline itself from dist. */
  bool (*owns_segment)(const pipeline *pl, size_t seg);
  void (*share_segments)(pipeline *pl, size_t from, size_t to);
  struct pipeline_dist *dist;    /* non-NULL: the plan runs across a transport */
  size_t motion_from, motion_to; /* pipeline_motion_window */
  /* between pipeline_evaluate_begin and _end: per-thread summaries, scratch */
  struct evaluate_state *eval;
};

/* Across a transport's ranks (distribute.c), once the counts are folded:
 * true, and the rows of input over all ranks. */
bool dist_input_rows(const pipeline *pl, int input, int64_t *read, int64_t *duplicates);

/* The county plans of plan (driver.c): run mode, the caller's one for its
 * county; statewide, one per county seen (after pipeline_parse). */
void pipeline_county_plans(pipeline *pl, const pipeline_plan *plan);

/* Opens inputs (lazy zstd), cuts them into segments and parses every row in
 * parallel, then interns and classifies code sections and counties. */
relief_status pipeline_parse(pipeline *pl, const char *const *paths, int n, relief_error *err);

/* RELIEF_E_IO naming the first input that changed since it was opened. */
relief_status pipeline_check_inputs(const pipeline *pl, relief_error *err);

/* Groups rows into people (statewide: and drops cross-file copies). */
void pipeline_group(pipeline *pl);

/* Builds and decides every person, filling results and county summaries. */
void pipeline_evaluate(pipeline *pl);

/* The text of segment s: mapped memory, or its frame decompressed into
 * buf; NULL (err set) when the frame does not decompress. */
const char *pipeline_segment_text(const pipeline *pl, const segment_t *s, field_scratch *buf,
                                  relief_error *err);

/* Spilling (pipeline/spill.c). Estimates, from the inputs' sizes and the
 * bytes per row of a sample of each, their rows and what an unspilled run
 * of them holds at its peak (memory_estimate). */
void spill_estimate(pipeline *pl);

/* Decides from memory_estimate (a relief-mpi rank: from text_bytes) and
 * memory_limit whether rows are spilled; if so, creates the store, which
 * keeps in memory the partitions that fit. */
relief_status spill_begin(pipeline *pl, uint64_t text_bytes, relief_error *err);

/* What holding text_bytes of input in memory takes, in one process (ways
 * <= 1) or in each of ways relief-mpi ranks. */
uint64_t spill_need(uint64_t text_bytes, int ways);

/* Moves a parsed segment's rows into the spill store (thread-safe per
 * OpenMP thread). */
void spill_segment(pipeline *pl, segment_t *s);

/* Writes what is still buffered once every segment is parsed. */
relief_status spill_end_parse(pipeline *pl, relief_error *err);

/* Groups and decides the spilled rows one batch of partitions after
 * another (pipeline_group and pipeline_evaluate call it). */
relief_status spill_evaluate(pipeline *pl, relief_error *err);

/* One batch of spilled partitions as read back: per segment, its rows of
 * those partitions (partition by partition, each in input order) with
 * their keys, content hashes, indices in the segment and case numbers. */
typedef struct {
  row_rec **rows;
  size_t *n_rows;
  XXH128_hash_t **keys;
  uint64_t **content;
  uint32_t **j;
  char **ofns;
  /* kept from batch to batch, so that each batch does not fault in fresh
   * pages for what the last one freed: per segment, the rows and case
   * number bytes its arrays hold room for, and the compressed bytes read */
  size_t *cap_rows, *cap_bytes;
  relief_buf pack;
} spill_batch;

#define SPILL_PARTS PEOPLE_PARTITIONS /* a partition is spilled whole */

void spill_batch_init(const pipeline *pl, spill_batch *b);
/* Frees the per-segment arrays still held (those handed on are NULL). */
void spill_batch_clear(spill_batch *b, size_t n_segs);
void spill_batch_free(spill_batch *b, size_t n_segs);

/* Reads partitions [q0, q1) back into b (after spill_end_parse). */
relief_status spill_load(pipeline *pl, int q0, int q1, spill_batch *b, relief_error *err);

/* Records spilled per partition (this process's). */
void spill_partition_rows(const pipeline *pl, uint64_t rows[SPILL_PARTS]);

/* Partitions written to spill files, and their compressed bytes. */
void spill_stats(const pipeline *pl, int64_t *partitions, uint64_t *bytes);

void spill_free(pipeline *pl);

/* Evaluation in pieces, for spill_evaluate: begin, then people of groups g
 * (their global numbers start at base) any number of times, then end. */
void pipeline_evaluate_begin(pipeline *pl);
void pipeline_evaluate_people(pipeline *pl, const people_groups *g, size_t base);
void pipeline_evaluate_end(pipeline *pl);

/* Frees the result text (after emitting). */
void pipeline_free_arenas(pipeline *pl);

/* Frees everything the pipeline holds. */
void pipeline_free(pipeline *pl);

#endif
