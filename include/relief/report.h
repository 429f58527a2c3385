/*
 * relief/report.h — what a run produces: the row bundle (All_Results,
 * All_Results_Condensed, Prop64_Results), the summary, and the run entry
 * point that drives map → parse → group → evaluate → emit for each input.
 */
#ifndef RELIEF_REPORT_H
#define RELIEF_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relief/error.h"
#include "relief/io.h"
#include "relief/rules.h"

/* ---- CSV output with the reference's quoting (Go encoding/csv) ---- */

/* A growable byte buffer. */
typedef struct {
  char *data;
  size_t len, cap;
} relief_buf;

void relief_buf_reserve(relief_buf *b, size_t extra);
void relief_buf_append(relief_buf *b, const void *p, size_t n);
void relief_buf_free(relief_buf *b);
static inline void relief_buf_putc(relief_buf *b, char c) {
  if (b->len == b->cap) relief_buf_reserve(b, 1);
  b->data[b->len++] = c;
}

/* Whether Go's csv writer would quote this field. */
bool relief_csv_needs_quotes(const char *s, size_t n);

/* Appends one field, quoted when needed, doubling quotes inside. */
void relief_csv_append(relief_buf *b, const char *s, size_t n);

/* Appends n fields joined by commas, each quoted when needed; where[i]
 * receives the offset in b of field i's text as written (quotes included)
 * so that a caller can copy it again without re-quoting. simple (may be
 * NULL) marks values known to hold no comma, quote, CR or LF, whose check
 * is then only their first character. */
void relief_csv_append_fields(relief_buf *b, const char *const *values, const size_t *lens, int n,
                              size_t *where, const uint8_t *simple);

/* The 18 result column names (eligibility spec §5). */
extern const char *const relief_result_columns[18];

/* ---- Summary (eligibility spec §7) ---- */

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
  int64_t hand_review;
} relief_summary;

/* The impact report's "extra" object (see relief/forms.h): outcomes by
 * section, hand-review count, timing and sizes. Returns a new reference. */
struct json_t;
struct json_t *relief_report_extra(const relief_summary *s, double seconds, uint64_t input_bytes,
                                   int64_t people, bool statewide);

/* Adds a thread's partial summary of one file into that file's summary:
 * counts add, the earliest date is the minimum, lineCount is left alone. */
void relief_summary_add_partial(relief_summary *a, const relief_summary *b);

/* Adds file summary b into running summary a (the reference's per-file
 * accumulation, earliest date included). */
void relief_summary_accumulate(relief_summary *a, const relief_summary *b);

/* Renders the summary JSON (key order and formatting of the reference).
 * now_unix is printed as earliestConviction when there is no conviction.
 * Returns a malloc'd NUL-terminated string. */
char *relief_summary_json(const relief_summary *s, const char *county, const relief_flow *flow,
                          const relief_options *opt, double seconds, int64_t now_unix);

/* ---- Running ---- */

/* Progress: bytes done of total in a phase ("parse", "group", "evaluate",
 * "write"), and rows seen so far. Called from one thread at a time. */
typedef void (*relief_progress_fn)(void *user, const char *phase, uint64_t done, uint64_t total,
                                   uint64_t rows);

typedef struct {
  const char *const *inputs; /* input paths */
  int n_inputs;
  const char *county;
  int32_t compute_day;
  relief_options options;
  const char *outputs_dir;
  const char *suffix;      /* file-name suffix, or NULL */
  bool gogen_naming;       /* summary gogen.json instead of summary.json */
  const relief_flow *flow; /* the flow to decide with; NULL = configurable from options */
  bool trace;              /* a Rule column after the 18 */
  bool review_files;       /* also Hand_Review.csv and Prop64_Results_Extended.csv */
  bool forms;              /* court filings under Court_Filings/<COUNTY>[_<index>]/ */
  bool report;             /* report.html and report.pdf */
  int threads;             /* 0 = all cores */
  relief_progress_fn progress;
  void *progress_user;
  const struct relief_redaction *redaction; /* NULL: the bundle keeps every field */
  const char *const *command_line;          /* for the manifest; may be NULL */
  int n_command_line;
} relief_run_config;

typedef struct {
  relief_summary summary;
  int64_t motions;
  double seconds;
  uint64_t input_bytes;
  int64_t people;
  int64_t convictions;
} relief_run_result;

/* Runs the reference-compatible `run`: each input on its own, bundle files
 * written under temporary names and renamed into place only when every input
 * succeeded; the summary last. On failure nothing in outputs_dir changes
 * except that temporary files are removed. */
relief_status relief_run(const relief_run_config *cfg, relief_run_result *res, relief_error *err);

/* ---- Statewide: all inputs as one population ---- */

typedef struct {
  const char *county; /* county name as in STP_ORI_CNTY_NAME */
  relief_options options;
  const relief_flow *flow; /* or NULL: configurable from options */
} relief_county_policy;

typedef struct {
  const char *const *inputs; /* files (folders are expanded by the caller) */
  int n_inputs;
  int32_t compute_day;
  relief_options options; /* for counties without a policy of their own */
  const relief_county_policy *policies;
  int n_policies;
  const char *outputs_dir;
  bool summary_only;        /* no row files */
  bool trace, review_files; /* as in relief_run_config */
  bool forms, report;
  const char *const *command_line; /* for the manifest; may be NULL */
  int n_command_line;
  int threads;
  relief_progress_fn progress;
  void *progress_user;
} relief_statewide_config;

typedef struct {
  int64_t people, rows, duplicate_rows, counties, motions;
  uint64_t input_bytes;
  double seconds;
} relief_statewide_result;

/* Runs `statewide`: every input is part of one population; a person is
 * recognised by CII_NUMBER (else SUBJECT_ID, else name + birth date) across
 * files; a row whose 95 fields appear in several files is kept from the
 * first file only. Writes one folder per county with Prop 64 convictions
 * (its bundle and summary.json) and statewide_summary.json. */
relief_status relief_statewide(const relief_statewide_config *cfg, relief_statewide_result *res,
                               relief_error *err);

/* ---- Explain: why each conviction of one person was decided so ---- */

typedef struct {
  const char *input;   /* one DOJ extract */
  const char *subject; /* SUBJECT_ID or CII number */
  const char *county;
  int32_t compute_day;
  const relief_flow *flow; /* NULL = configurable from options */
  relief_options options;
} relief_explain_config;

typedef struct {
  bool found;
  char name[256], dob[32], cii[64], subject_id[128]; /* from the person's first row */
  int n_convictions;
  bool deceased, registered;
} relief_explain_person;

typedef struct {
  int index;  /* 1-based, in conviction order */
  size_t row; /* 1-based data row in the file */
  const char *code_section, *county;
  int32_t disposition_day;
  bool felony, relevant; /* relevant: gets a result under the flow */
  uint64_t features;
  const relief_flow_row *rule; /* NULL when no row decided */
} relief_explain_conviction;

typedef void (*relief_explain_fn)(void *user, const relief_explain_conviction *c);

/* Finds the person and calls fn for each of their convictions in order. */
relief_status relief_explain(const relief_explain_config *cfg, relief_explain_person *person,
                             relief_explain_fn fn, void *user, relief_error *err);

/* A county name as a folder name: letters, digits, '-' and '.' kept, the
 * rest '_' ("LOS ANGELES" → "LOS_ANGELES"). */
void relief_folder_name(char *out, size_t cap, const char *county);

/* Output file path for the bundle: dir/base[_index][_suffix].ext. index 0 =
 * no index. */
void relief_output_path(char *out, size_t cap, const char *dir, const char *base, int index,
                        const char *suffix, const char *ext);

/* ---- Redaction (`relief run --redact`) ---- */

/* The key that CII numbers are hashed with; the caller owns the bytes. */
typedef struct relief_redaction {
  const unsigned char *key;
  size_t key_len; /* > 0 */
} relief_redaction;

/* Columns a redacted bundle leaves empty: names, dates of birth, SSNs,
 * driver's licence, ID, inmate and FBI numbers. */
extern const int relief_redacted_columns[11];

/* Copies one row's 95 values into out/out_lens with the redacted columns
 * emptied and CII_NUMBER, REQ_CII_NUMBER replaced by the 32 hex digits of
 * XXH3-128(key || value) (an empty value stays empty). The hex text is
 * written into hex, which must outlive out. Thread-safe. */
void relief_redact_row(const relief_redaction *r, const char *const *values, const size_t *lens,
                       const char **out, size_t *out_lens, char hex[2][33]);

/* ---- Manifest (manifest.json beside the outputs) ---- */

/* Writes the run's manifest to a finished temporary file beside the
 * outputs, for the caller to commit last: engine version, command line,
 * options and flows (each with the XXH3-64 of its canonical JSON), each
 * input's path, size and XXH3-128 (of the bytes as stored), compute date,
 * threads, timings, and every output in outs[0..n_outs) plus summary with
 * its size and XXH3-128 (read back from the finished temporary files).
 * Created mode 0600 like every output. */
relief_status relief_manifest_prepare(const relief_run_config *cfg, const relief_run_result *res,
                                      const relief_flow *const *flows, int n_flows,
                                      const relief_outfile *outs, size_t n_outs,
                                      const relief_outfile *summary, relief_outfile *manifest,
                                      relief_error *err);

#endif
