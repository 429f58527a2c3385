/*
 * pipeline/pipeline.h — a job as a plan, and the one driver that runs it:
 * parse -> group -> evaluate -> emit / collect. A job (run, statewide,
 * explain, what-if, relief-mpi) fills a pipeline_plan (inputs, county plans,
 * mode, sinks) and calls pipeline_drive; what it reads back goes through the
 * accessors here. struct pipeline itself is private (pipeline_int.h).
 */
#ifndef RELIEF_PIPELINE_H
#define RELIEF_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/buf.h"
#include "doj/doj.h"
#include "doj/row_facts.h"
#include "io/publish.h"
#include "people/people.h"
#include "pipeline/transport.h"
#include "relief/relief.h"
#include "rules/rules.h"

/* The files of a bundle, in the order they are opened. */
enum {
  BUNDLE_ALL,
  BUNDLE_CONDENSED,
  BUNDLE_PROP64,
  BUNDLE_HAND_REVIEW,
  BUNDLE_EXTENDED,
  BUNDLE_FILES
};

/* What a county's decisions add up to (eligibility spec §7), tallied by
 * evaluate per thread and merged; output/summary.c renders it. */
typedef struct {
  int64_t no_felony, no_conviction, no_conviction_last7;
} relief_relief_counts;

enum { RELIEF_EARLIEST_UNSET = 0, RELIEF_EARLIEST_DAY, RELIEF_EARLIEST_NONE };

typedef struct {
  int earliest_state; /* RELIEF_EARLIEST_*; NONE = no in-county Prop 64 conviction */
  int32_t earliest_day;
  int64_t line_count;
  relief_relief_counts current, dismiss_all;
  int64_t prop64_by_section[5]; /* index 1..4; key shown when > 0 */
  int64_t subjects_with_prop64_in_county;
  int64_t prop64_felony, prop64_nonfelony;
  int64_t subjects_with_relief;
  int64_t count_by_flow_row[RELIEF_FLOW_MAX_ROWS]; /* in-county Prop 64 results per deciding row */
  /* for the impact report, not summary.json: results by Prop 64 section
   * (0 = none) and determination, and those a person must review */
  int64_t by_section_outcome[5][RELIEF_DET_COUNT];
  int64_t hand_review;        /* as the review store's hand-review items: relief a motion cannot
                                 carry (charge or date unknown) included */
  int64_t unknown_date;       /* in-county Prop 64 convictions without a known date */
  int32_t earliest_known_day; /* the earliest in-county Prop 64 conviction with a known date */
  bool has_earliest_known;
} relief_summary;

/* Adds a thread's partial summary of one file into that file's summary:
 * counts add, the earliest date is the minimum, lineCount is left alone. */
void summary_add_partial(relief_summary *a, const relief_summary *b);

/* Adds file summary b into running summary a (the reference's per-file
 * accumulation, earliest date included). */
void summary_accumulate(relief_summary *a, const relief_summary *b);

/* A county's decision: its flow, its summary, its output files. */
typedef struct {
  const char *name;
  const char *folder; /* statewide: its distinct folder name; NULL: from name */
  relief_flow flow;
  relief_options options;
  relief_summary summary;
  pub_file *files[BUNDLE_FILES]; /* open while emitting */
  int n_files;                   /* 0 none, 3 the spec's bundle, 5 with the review files */
} county_plan;

typedef struct pipeline pipeline;

/* What evaluate knows when it decides one conviction, handed to the
 * result formatter. */
typedef struct {
  const relief_eval_ctx *ctx; /* the run's code classes and sections, compute day */
  bool trace;                 /* a Rule column after the 18 */
  const relief_person *person;
  const person_history *history;
  int index;                     /* the conviction's index in person */
  const relief_flow_row *rule;   /* NULL: relevant, but no rule decided */
  uint64_t features;             /* its feature bits under the county's flow */
  const int64_t *section_counts; /* [5]: Prop 64 convictions, then by section */
  bool first_of_person;          /* first result of this person for this county */
  bool plea_only;                /* no result; only a possible plea bargain */
} decision;

/* A thread's reusable formatting buffers. */
typedef struct {
  relief_buf line, cases_text, strikes, pc290;
} format_scratch;

/* Formats one decision into a result record allocated in *arena. */
typedef const struct row_result *(*result_formatter)(const decision *d, format_scratch *s,
                                                     arena_block **arena);

/* ---- the plan ---- */

typedef enum {
  PLAN_PER_FILE, /* `run`: people by SUBJECT_ID, one county (plans[0]) decided */
  PLAN_MERGED    /* `statewide`: one population over all inputs, every county */
} plan_mode;

typedef enum {
  PLAN_DECIDE, /* parse, group, evaluate, then the emit sink */
  PLAN_GROUP   /* parse and group only, then the emit sink (explain) */
} plan_stages;

/* Where the stages' products go. emit runs once every person is decided
 * (or, PLAN_GROUP, grouped); it reads the pipeline through the accessors
 * below and the output layer's writers. NULL: nothing to emit. */
typedef struct {
  relief_status (*emit)(void *user, pipeline *pl, relief_error *err);
  void *user;
} plan_sinks;

/* What else sees each decided person: the server's what-if table. begin
 * runs before the first person is decided (the county plans are set),
 * person on any of the threads threads (thread: 0 .. threads-1) once per
 * person with a conviction decided in some county (run mode: the run's
 * county; statewide: each county of a Prop 64 conviction, in counties),
 * and end once every person is decided. */
typedef struct plan_collector {
  void (*begin)(void *user, const pipeline *pl, int threads);
  void (*person)(void *user, int thread, relief_person *p, const uint32_t *counties, int n_counties,
                 const relief_eval_ctx *ctx);
  void (*end)(void *user, const pipeline *pl);
  void *user;
} plan_collector;

/* A job as the driver runs it; every setting a stage reads comes from here. */
typedef struct {
  const char *const *inputs;
  int n_inputs;
  plan_mode mode;
  plan_stages stages;
  /* PLAN_PER_FILE: the county decided and its plan (the caller's, whose
   * summary the driver fills) */
  const char *county;
  county_plan *plan;
  /* PLAN_MERGED: fills plan->options and plan->flow of each county seen on
   * a conviction (plan->name set); the driver holds the plans */
  void (*plan_county)(void *user, county_plan *plan);
  void *plan_user;
  const relief_classifier *classifier;
  int32_t compute_day;
  int threads;                       /* exactly this many in every parallel region */
  bool trace;                        /* a Rule column after the 18 */
  bool review_files;                 /* Hand_Review.csv and Prop64_Results_Extended.csv */
  bool forms;                        /* court filings: capture what motions need */
  bool no_results;                   /* decide and count; format and emit nothing */
  bool keep_keys;                    /* keep the person keys after grouping (explain) */
  uint64_t memory_limit;             /* PLAN_MERGED: bytes to stay under; 0 = no limit */
  publication *scratch_pub;          /* where spill files go */
  const relief_redaction *redaction; /* --redact: the bundle's personal fields */
  result_formatter format_result;    /* NULL: no result records */
  /* PLAN_MERGED across processes (relief-mpi): each parses a share of the
   * segments and decides the people of its partitions; rank 0 writes the
   * files. NULL: this process alone. */
  const pipeline_transport *transport;
  size_t (*result_bytes)(const struct row_result *r); /* a result record's size, to move it */
  const char *scratch_dir;                            /* no scratch_pub: unnamed spill files here */
  relief_progress_fn progress;
  void *progress_user;
  const plan_collector *collector; /* NULL: none */
  plan_sinks sinks;
  /* After emit, with sinks.user: the pipeline holding the decided people
   * (with a transport: this rank's, --forms only, their captured text
   * back). NULL: nothing to collect. */
  relief_status (*collect)(void *user, pipeline *pl, relief_error *err);
} pipeline_plan;

/* Runs plan's stages: parse -> group -> (evaluate) -> emit -> collect,
 * then checks the inputs are unchanged. *out is always set (free it with
 * pipeline_destroy): what was read stays readable through the accessors,
 * even on failure. With a transport, every rank calls it and gets the same
 * status; the counts read back are those of all ranks. */
relief_status pipeline_drive(const pipeline_plan *plan, pipeline **out, relief_error *err);

/* For an emit sink, once it wrote (or failed to write, st) what it writes
 * through pipeline_write: with a transport, every rank calls it, and the
 * others' shares of each file reach rank 0, which appends them in rank
 * order, so that the files are those of one process. Without, returns st. */
relief_status pipeline_emit_gather(pipeline *pl, relief_status st, relief_error *err);

/* With a transport: the seconds this rank spent parsing, exchanging rows,
 * grouping and deciding, and exchanging results, and the bytes it sent in
 * the row and result exchanges. */
typedef struct {
  double parse, rows, decide, results;
  uint64_t bytes_rows, bytes_results;
} pipeline_transport_stats;
void pipeline_transport_stats_of(const pipeline *pl, pipeline_transport_stats *out);

/* After pipeline_drive: gives back the memory of the rows, their results
 * and the people's order on a thread of its own, while the caller goes on
 * (publishing waits on the disk more than it computes). Nothing reads a
 * row after the driver; the counts and plans the accessors give stay.
 * pipeline_destroy waits for it. A spilled run keeps its rows in files and
 * gives back nothing here. */
void pipeline_release_rows(pipeline *pl);

/* Frees the pipeline and everything it holds. */
void pipeline_destroy(pipeline *pl);

/* ---- what a job reads back ---- */

/* Rows read, people grouped, rows refused as copies (statewide). */
size_t pipeline_rows(const pipeline *pl);
size_t pipeline_people(const pipeline *pl);
int64_t pipeline_duplicate_rows(const pipeline *pl);

/* The thread count the stages ran with. */
int pipeline_threads(const pipeline *pl);

/* Inputs opened so far, and input i as read: its stored bytes and the
 * XXH3-128 (hex) of the bytes decided. */
int pipeline_n_inputs(const pipeline *pl);
uint64_t pipeline_input_stored_size(const pipeline *pl, int input);
const char *pipeline_input_hash(const pipeline *pl, int input);

/* Rows of input i: *read parsed, *duplicates of them refused as copies of
 * an earlier file's row (statewide, after grouping; else 0). */
void pipeline_input_rows(const pipeline *pl, int input, int64_t *read, int64_t *duplicates);

/* The county plans (PER_FILE: the caller's one; MERGED: one per county). */
county_plan *pipeline_plans(const pipeline *pl, size_t *n);

/* Statewide: the person-level totals, each person once. */
const relief_summary *pipeline_person_totals(const pipeline *pl);

/* Spilled partitions and their compressed bytes (0, 0 when none). */
void pipeline_spill_stats(const pipeline *pl, int64_t *partitions, uint64_t *bytes);

/* What the run estimated an unspilled run of its inputs holds at its peak,
 * the figure that decided whether to spill (bytes). */
uint64_t pipeline_memory_estimate(const pipeline *pl);

/* The county id (run mode) of the decided county, or -1. */
int pipeline_run_county(const pipeline *pl);

/* What deciding one conviction reads: the code classes, the compute day. */
relief_eval_ctx pipeline_eval_ctx(const pipeline *pl);

/* Calls fn for each person with a conviction, in person order (collect). */
void pipeline_each_person(const pipeline *pl, void (*fn)(void *user, relief_person *p), void *user);

/* The person whose rows carry key (plan keep_keys): true and *person set. */
bool pipeline_find_person(const pipeline *pl, XXH128_hash_t key, size_t *person);

/* Calls fn for each conviction of person (run mode, the plan's flow). */
void pipeline_explain(pipeline *pl, size_t person, relief_explain_fn fn, void *user,
                      relief_explain_person *out);

/* The county check of a run: when fewer than half of the convicted rows
 * read have STP_ORI_CNTY_NAME county, writes a warning naming the county
 * most of them have into out and returns true (county names only). */
bool pipeline_county_warning(const pipeline *pl, const char *county, char *out, size_t cap);

/* The columns the decision pass reads (row_facts, the person keys): the
 * parse fills only these (parse_row_lean). */
relief_columns pipeline_decision_columns(void);

/* ---- the row walk: the inputs read again, row by row, in input order ---- */

/* Rows whose text the court filings need (captured during the walk). */
enum { CAPTURE_PERSON = 1, CAPTURE_COUNT = 2 };
typedef struct captured_row {
  uint32_t j;
  char *name, *dob, *cii, *subject; /* every captured row */
  char *offense, *cnt, *court;      /* counts only: OFFENSE_DESCR, CNT_ORDER, STP_ORI_DESCR */
} captured_row;

/* What the walk needs of a row whose row_rec was spilled. */
typedef struct row_emit {
  uint32_t person;
  uint16_t county, flags;
} row_emit;

/* One segment of an input, handed whole to a sink: its rows parse from
 * text[pos .. size) with parse_row; row j's person, county and
 * flags are rows[j]'s, or emit[j]'s when its record was spilled. */
typedef struct {
  size_t seg;
  const char *text;
  size_t size, pos;
  const row_rec *rows; /* NULL when spilled */
  const row_emit *emit;
  const struct row_result *const *result; /* per row: its result record, or NULL */
  const uint8_t *capture;                 /* --forms: CAPTURE_* bits per row, or NULL */
} pipeline_chunk;

/* Where the walk hands the segments. Each thread gets its own state
 * (thread_begin); chunk runs on any thread, in any order; flush runs in
 * input order right after that thread's chunk (failed: an earlier error,
 * so discard what was formatted instead of writing it). */
typedef struct {
  void *(*thread_begin)(void *user);
  void (*chunk)(void *user, void *thread, const pipeline_chunk *c);
  relief_status (*flush)(void *user, void *thread, bool failed, relief_error *err);
  void (*thread_end)(void *user, void *thread);
  void *user;
} pipeline_row_sink;

/* Reads every segment again (mapped, framed or streamed) and hands each to
 * sink, reporting "write" progress; releases the text as it goes. */
relief_status pipeline_walk_rows(pipeline *pl, const pipeline_row_sink *sink, relief_error *err);

/* Keeps row j of chunk c's text a court filing needs (c->capture[j] set). */
void pipeline_capture_row(pipeline *pl, const pipeline_chunk *c, size_t j, const relief_field *f);

/* Appends bytes to plan k's file f, or where relief-mpi sends them. */
relief_status pipeline_write(pipeline *pl, size_t plan, int file, const void *data, size_t len,
                             relief_error *err);

/* What the walk's sinks and the formatter read: the Rule column, the
 * redaction, and (statewide) each person's decided counties: person p's
 * are counties[first[p] .. first[p+1]); false in run mode. */
bool pipeline_trace(const pipeline *pl);
const relief_redaction *pipeline_redaction(const pipeline *pl);
bool pipeline_person_counties(const pipeline *pl, const size_t **first, const uint32_t **counties);

/* ---- what the court filings read ---- */

/* The (person, county) pairs with a motion, pairs[2k], pairs[2k+1], sorted;
 * returns their count times two. */
size_t pipeline_motion_pairs(const pipeline *pl, const uint32_t **pairs);

/* Narrows what pipeline_motion_pairs returns to its entries [from, to)
 * (even numbers), so that motions are built a slice of people at a time;
 * (0, 0) widens it again. */
void pipeline_motion_window(pipeline *pl, size_t from, size_t to);

/* The people partition of person (plan keep_keys: from their first row's
 * key), the unit in which people are numbered and spread over ranks. */
uint32_t pipeline_person_partition(const pipeline *pl, size_t person);

/* The plan of county id county (run mode: the one plan). */
const county_plan *pipeline_county_plan(const pipeline *pl, int county);

/* Builds person's record into *p (scratch in ps); *refs their rows. */
void pipeline_person(const pipeline *pl, size_t person, person_history *ps, relief_person *p,
                     const row_ref **refs, size_t *n_rows);

/* The text captured of the row ref names (NULL: none, or a copy refused). */
const captured_row *pipeline_captured(const pipeline *pl, const row_ref *ref);

#endif
