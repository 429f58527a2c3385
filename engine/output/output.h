/*
 * output/output.h — what a run writes about its decisions: CSV with the
 * reference's quoting (Go encoding/csv), the row bundle (All_Results,
 * All_Results_Condensed, Prop64_Results and the review files), the summary
 * JSON of eligibility spec §7, redaction and manifest.json.
 */
#ifndef RELIEF_OUTPUT_H
#define RELIEF_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "io/publish.h"
#include "pipeline/pipeline.h"
#include "rules/rules.h"

/* ---- CSV output with the reference's quoting (Go encoding/csv) ---- */

/* Whether Go's csv writer would quote this field. */
bool csv_needs_quotes(const char *s, size_t n);

/* Appends one field, quoted when needed, doubling quotes inside. */
void csv_append(relief_buf *b, const char *s, size_t n);

/* relief's own CSVs (court_list.csv, Hand_Review.csv,
 * Prop64_Results_Extended.csv, review sheets) neutralise spreadsheet
 * formulas: a cell starting with = + - @ TAB or CR gets a leading ' (the
 * result columns' "-" and negative years too: one rule, no exceptions). The
 * reference-format files never do (they must match the reference). */
bool csv_formula_leading(const char *s, size_t n);

/* csv_append with that rule. */
void csv_append_safe(relief_buf *b, const char *s, size_t n);

/* Applies that rule to each cell of the line b->data[start..len) (no
 * newline; written with csv_append's quoting), rewriting it in
 * place; a line with no such cell, checked cheaply first, is left as is. */
void csv_guard_line(relief_buf *b, size_t start);

/* Appends n fields joined by commas, each quoted when needed; where[i]
 * receives the offset in b of field i's text as written (quotes included)
 * so that a caller can copy it again without re-quoting. simple (may be
 * NULL) marks values known to hold no comma, quote, CR or LF, whose check
 * is then only their first character. */
void csv_append_fields(relief_buf *b, const char *const *values, const size_t *lens, int n,
                       size_t *where, const uint8_t *simple);

/* The 18 result column names (eligibility spec §5). */
extern const char *const output_result_columns[18];

/* ---- the row bundle ---- */

/* The bundle's file base names, by BUNDLE_* (pipeline.h). */
extern const char *const bundle_names[BUNDLE_FILES];

/* The result record of each decided conviction, formatted once by
 * evaluate through this formatter (see pipeline.h's result_formatter). */
extern const result_formatter output_result_formatter;

/* The bytes of one result record, which a transport moves whole (a plan's
 * result_bytes). */
size_t output_result_bytes(const struct row_result *r);

/* Streams the inputs again and writes each plan's bundle in input order. */
relief_status output_emit(pipeline *pl, relief_error *err);

/* ---- Summary (eligibility spec §7) ---- */

/* The impact report's "extra" object (see impact/impact.h): outcomes by
 * section, hand-review count, timing and sizes. Returns a new reference. */
struct json_t;
struct json_t *report_extra(const relief_summary *s, double seconds, uint64_t input_bytes,
                            int64_t people, bool statewide);

/* Renders the summary JSON (key order and formatting of the reference).
 * now_unix is printed as earliestConviction when there is no conviction.
 * Returns a malloc'd NUL-terminated string. */
char *output_summary_json(const relief_summary *s, const char *county, const relief_flow *flow,
                          const relief_options *opt, double seconds, int64_t now_unix);

/* ---- Redaction (`relief run --redact`) ---- */

/* Columns a redacted bundle leaves empty: names, dates of birth, SSNs,
 * driver's licence, ID, inmate and FBI numbers. */
extern const int redacted_columns[11];

/* Copies one row's 95 values into out/out_lens with the redacted columns
 * emptied and CII_NUMBER, REQ_CII_NUMBER replaced by the 32 hex digits of
 * XXH3-128(key || value) (an empty value stays empty). The hex text is
 * written into hex, which must outlive out. Thread-safe. */
void output_redact_row(const relief_redaction *r, const char *const *values, const size_t *lens,
                       const char **out, size_t *out_lens, char hex[2][33]);

/* ---- Manifest (manifest.json beside the outputs) ---- */

/* One input as the manifest describes it: the bytes decided (hashed as they
 * were read, not by reopening the path) and where each of its rows went. */
typedef struct manifest_input {
  const char *path;
  uint64_t size;
  char xxh3_128[33];
  int64_t rows_read;      /* data rows parsed */
  int64_t rows_decided;   /* rows in the results */
  int64_t rows_duplicate; /* statewide: copies of an earlier file's row, refused */
} manifest_input;

typedef struct {
  const char *const *command_line;
  int n_command_line;
  int32_t compute_day;
  const char *county; /* or "(all counties)" */
  int threads;
  bool redacted;
  const relief_options *options;
  const relief_flow *const *flows;
  int n_flows;
  const relief_county_policy *policies; /* statewide: the counties' own policies */
  int n_policies;
  const manifest_input *inputs;
  int n_inputs;
  const char *const *warnings; /* what the run warned about, e.g. undecided sections */
  int n_warnings;
  double run_seconds;
  int64_t rows, people;
  /* statewide: each county's folder ("folders": county -> folder) */
  const char *const *folder_counties, *const *folders;
  size_t n_folders;
} manifest_info;

/* Adds the run's manifest to pub as file name, last: engine version,
 * command line, options and flows (each with the XXH3-64 of its canonical
 * JSON), each input's path, size, XXH3-128 and rows (read = decided +
 * refused by reason), warnings, compute date, threads,
 * timings, and every file of the publication so far with its size and
 * XXH3-128 (of the bytes written). */
relief_status manifest_write(const manifest_info *info, publication *pub, const char *name,
                             relief_error *err);

/* The outputs a previous run's manifest (dir/name) lists, for
 * publication_commit to remove those the new bundle does not replace:
 * *list (NULL-terminated too) and *n, paths relative to dir without "." or
 * ".." components, malloc'd; free with manifest_outputs_free. No manifest
 * is an empty list. A manifest that is not a regular file (never followed
 * through a link or opened as a FIFO), over MANIFEST_MAX_BYTES, or not the
 * JSON relief writes is refused (RELIEF_E_IO) with an empty list. */
#define MANIFEST_MAX_BYTES (256u << 20)
/* Reads dir/name (a bundle's manifest) without following a link or
 * blocking on a FIFO, capped in size. *root is NULL when there is none. */
struct json_t;
relief_status manifest_load(const char *dir, const char *name, struct json_t **root,
                            relief_error *err);

/* RELIEF_E_DATA naming the first input of manifest root whose bytes are no
 * longer those the bundle was decided from (its XXH3-128 differs), or the
 * reader's error; RELIEF_OK when every input is unchanged. Before anything
 * is decided again from them (filings, the serve what-if after a restart):
 * a swapped file could put another person's name on a motion. */
relief_status manifest_check_inputs(const struct json_t *root, relief_error *err);

relief_status manifest_read_outputs(const char *dir, const char *name, char ***list, size_t *n,
                                    relief_error *err);
void manifest_outputs_free(char **list, size_t n);

#endif
