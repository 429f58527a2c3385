/*
 * relief/relief.h — the stable public API of the relief engine: run one
 * county, run all counties at once, explain one person; errors and the
 * version. Nothing internal is exported: options and flows are opaque
 * handles, and every struct here is plain data the caller owns.
 *
 * Threads are a parameter of each call (0 = all cores); the library never
 * changes process-wide state such as the OpenMP thread count. The library
 * never prints and never exits, with one exception: running out of memory
 * calls the handler set by relief_set_oom_handler (default: a message on
 * stderr and exit status 3), since no caller can recover mid-run.
 */
#ifndef RELIEF_RELIEF_H
#define RELIEF_RELIEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RELIEF_API __attribute__((visibility("default")))
#else
#define RELIEF_API
#endif

/* ---- Errors ---- */

/* Exit-code compatible status values: 0 done, 1 usage/options, 2 bad input
 * data, 3 I/O failure (out of memory included). */
typedef enum {
  RELIEF_OK = 0,
  RELIEF_E_USAGE = 1,
  RELIEF_E_DATA = 2,
  RELIEF_E_IO = 3,
} relief_status;

/* What went wrong. Messages never carry personal data: they name files,
 * lines, byte offsets and options, never field values. */
typedef struct relief_error {
  relief_status status;
  char file[1024];    /* input or option file concerned; "" if none */
  long long line;     /* 1-based physical line in file; 0 if not known */
  long long offset;   /* byte offset in file (decompressed for zstd); -1 if none */
  char message[1024]; /* what is wrong, without the file/line prefix */
} relief_error;

/* Formats err as "FILE:LINE: message" (or "FILE: byte N: message", or just
 * the message) into buf (cap bytes). Returns buf. */
RELIEF_API const char *relief_error_format(const relief_error *err, char *buf, size_t cap);

/* "PARSING" for bad input data, "OTHER" for everything else: the reference
 * tool's error kinds, as its gogen.err shows them. */
RELIEF_API const char *relief_error_kind(const relief_error *err);

/* Called when an allocation fails, with the bytes asked for. It must not
 * return (it may clean up, report and _exit). NULL restores the default. */
typedef void (*relief_oom_handler)(size_t size);
RELIEF_API void relief_set_oom_handler(relief_oom_handler handler);

/* The engine's version string, e.g. "0.1.0". Static storage. */
RELIEF_API const char *relief_version(void);

/* ---- Options, flows, dates ---- */

/* Eligibility options (eligibility spec §6.1) and flows (docs/flows.md):
 * opaque, created by the calls below, freed by their _free. */
typedef struct relief_options relief_options;
typedef struct relief_flow relief_flow;

/* Reads and validates an options JSON file. strict (relief mode) refuses
 * unknown keys; not strict reads as the reference did (unknown keys
 * ignored). Errors name the option (RELIEF_E_USAGE). */
RELIEF_API relief_status relief_options_read(const char *path, bool strict, relief_options **out,
                                             relief_error *err);
RELIEF_API void relief_options_free(relief_options *options);

/* A flow by name: "los-angeles" (built in, with its default parameters) or
 * a flow file's path. "configurable" is not a file: pass flow = NULL in a
 * config to decide with the configurable flow built from the options. */
RELIEF_API relief_status relief_flow_read(const char *name, relief_flow **out, relief_error *err);
RELIEF_API void relief_flow_free(relief_flow *flow);

/* Parses YYYY-MM-DD into a day number (days since 1970-01-01). */
RELIEF_API relief_status relief_date_parse(const char *text, int32_t *day, relief_error *err);

/* ---- Running ---- */

/* Progress: done of total in a phase ("parse", "group", "evaluate",
 * "write"), and rows seen so far. Called from one thread at a time. */
typedef void (*relief_progress_fn)(void *user, const char *phase, uint64_t done, uint64_t total,
                                   uint64_t rows);

/* The key CII numbers are hashed with under redaction; the caller owns it. */
typedef struct relief_redaction {
  const unsigned char *key;
  size_t key_len; /* > 0 */
} relief_redaction;

/* Who files the court motions: the prosecuting office and its attorney. A
 * filer profile is JSON with exactly these keys (all required; email and
 * signature may be ""):
 *   office     the office's name, e.g. "Pasadena City Prosecutor"
 *   agency     "district-attorney", "city-attorney" or "city-prosecutor"
 *   attorney   the attorney's name; barNumber their State Bar number (digits)
 *   address    a list of 1 to 6 lines; phone, email
 *   signature  a conformed signature, "/s/ NAME"
 * Strings are UTF-8 without control characters. */
typedef enum {
  RELIEF_FILER_DISTRICT_ATTORNEY = 0,
  RELIEF_FILER_CITY_ATTORNEY = 1,
  RELIEF_FILER_CITY_PROSECUTOR = 2
} relief_filer_agency;

#define RELIEF_FILER_MAX_ADDRESS 6
typedef struct {
  char *office;
  relief_filer_agency agency;
  char *attorney, *bar_number;
  char *address[RELIEF_FILER_MAX_ADDRESS];
  int n_address;
  char *phone, *email, *signature;
} relief_filer;

/* Loads and strictly validates a filer profile (RELIEF_E_USAGE naming the
 * key on any problem: unknown or missing key, wrong type, bad value). */
RELIEF_API relief_status relief_filer_load(const char *path, relief_filer *filer,
                                           relief_error *err);
/* The same from JSON text; name is used in messages. */
RELIEF_API relief_status relief_filer_parse(const char *json, const char *name, relief_filer *filer,
                                            relief_error *err);
RELIEF_API void relief_filer_free(relief_filer *filer);

/* Which motions are filed: only the (person, court case) pairs the callback
 * accepts. person is CII_NUMBER, else SUBJECT_ID; court_case the first six
 * characters of CNT_ORDER. */
typedef struct {
  bool (*accept)(void *user, const char *person, const char *court_case);
  void *user;
  /* Optional, for filings by agency (zero: one folder, cfg's filer).
   * group: which of groups[] an accepted pair is filed by (-1: none); its
   * motions go under Court_Filings/<folder>/<COUNTY>/, signed by its filer. */
  int (*group)(void *user, const char *person, const char *court_case);
  const struct relief_filing_group *groups;
  int n_groups;
  bool groups_only; /* a filings-only job replaces the groups' folders, not all Court_Filings/ */
  /* checked: whether a reviewer approved the case with its facts checked,
   * so that a count dated after 11/08/2016 or after the decision date may
   * be filed (else it is withheld). filed: told of each pair that got a
   * motion. */
  bool (*checked)(void *user, const char *person, const char *court_case);
  void (*filed)(void *user, const char *person, const char *court_case);
} relief_filing_filter;

/* One office filing under Court_Filings/<folder>/ (a sanitised name). */
typedef struct relief_filing_group {
  const char *folder;
  const relief_filer *filer;
} relief_filing_group;

typedef struct {
  const char *const *inputs; /* input paths: DOJ extracts, plain or zstd */
  int n_inputs;
  const char *county;
  int32_t compute_day;
  const relief_options *options; /* required */
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
  const relief_redaction *redaction; /* NULL: the bundle keeps every field */
  const char *const *command_line;   /* for the manifest; may be NULL */
  int n_command_line;
  const relief_filer *filer;          /* forms: who files; NULL leaves the lines blank */
  const relief_filing_filter *filter; /* forms: NULL files every motion */
  bool filings_only;                  /* write Court_Filings/ only (relief filings) */
} relief_run_config;

typedef struct {
  int64_t rows; /* data rows read, all inputs */
  int64_t people;
  int64_t convictions;
  int64_t motions;
  uint64_t input_bytes;
  double seconds;
} relief_run_result;

/* The reference-compatible run: each input on its own (people grouped by
 * SUBJECT_ID within the file), one county decided, the bundle of eligibility
 * spec §7 per input and one summary, all published together only when every
 * input succeeded. On failure outputs_dir is left as it was (plus nothing:
 * the caller writes its error file). */
RELIEF_API relief_status relief_run(const relief_run_config *cfg, relief_run_result *res,
                                    relief_error *err);

/* A county's own policy in a statewide run. */
typedef struct {
  const char *county;            /* county name as in STP_ORI_CNTY_NAME */
  const relief_options *options; /* required */
  const relief_flow *flow;       /* or NULL: configurable from options */
} relief_county_policy;

/* A file of an --inputs folder that statewide did not take, and why. */
typedef struct {
  const char *path, *reason;
} relief_not_taken;

typedef struct {
  const char *const *inputs; /* files (folders are expanded by the caller) */
  int n_inputs;
  const relief_not_taken *not_taken; /* what the caller's folders held but it did not take: */
  int n_not_taken;                   /* listed in statewide_summary.json as "notTaken" */
  int32_t compute_day;
  const relief_options *options; /* for counties without a policy of their own */
  const relief_county_policy *policies;
  int n_policies;
  const char *outputs_dir;
  bool summary_only;        /* no row files */
  bool trace, review_files; /* as in relief_run_config */
  bool forms, report;
  const char *const *command_line; /* for the manifest; may be NULL */
  int n_command_line;
  int threads; /* 0 = all cores */
  relief_progress_fn progress;
  void *progress_user;
  const relief_filer *filer;          /* as in relief_run_config */
  const relief_filing_filter *filter; /* as in relief_run_config */
  bool filings_only;                  /* as in relief_run_config */
  /* bytes the run should stay under (rows spill to compressed files in the
   * output folder's staging area when the input would not fit); 0 = 60 %
   * of physical memory */
  uint64_t memory_limit;
} relief_statewide_config;

typedef struct {
  int64_t people, rows, duplicate_rows, counties, motions;
  uint64_t input_bytes;
  double seconds;
  int64_t spilled_partitions; /* partitions written to spill files (0: none) */
  uint64_t spill_bytes;       /* their compressed size */
} relief_statewide_result;

/* Every input is one population: a person is recognised by CII_NUMBER
 * (else SUBJECT_ID, else name + birth date) across files, a row whose 95
 * fields appear in several files is kept from the first file only, and each
 * county with Prop 64 convictions gets a folder with its bundle and summary;
 * statewide_summary.json counts the whole population. */
RELIEF_API relief_status relief_statewide(const relief_statewide_config *cfg,
                                          relief_statewide_result *res, relief_error *err);

/* ---- Explain: why each conviction of one person was decided so ---- */

typedef struct {
  const char *input;   /* one DOJ extract */
  const char *subject; /* SUBJECT_ID or CII number */
  const char *county;
  int32_t compute_day;
  const relief_flow *flow;       /* NULL = configurable from options */
  const relief_options *options; /* required when flow is NULL */
  int threads;                   /* 0 = all cores */
} relief_explain_config;

typedef struct {
  bool found;
  char name[256], dob[32], cii[64], subject_id[128]; /* from the person's first row */
  int n_convictions;
  bool deceased, registered;
  char flow_name[64]; /* the flow that decided */
} relief_explain_person;

typedef struct {
  int index;  /* 1-based, in conviction order */
  size_t row; /* 1-based data row in the file */
  const char *code_section, *county;
  int32_t disposition_day; /* day number; see relief_explain_unknown_day */
  bool disposition_known;
  int disposition_year, disposition_month, disposition_mday;
  bool felony, relevant;                        /* relevant: gets a result under the flow */
  uint64_t features;                            /* bit i set: feature relief_feature_name(i) held */
  bool decided;                                 /* a rule decided (only when relevant) */
  const char *rule_id, *determination, *reason; /* when decided */
} relief_explain_conviction;

typedef void (*relief_explain_fn)(void *user, const relief_explain_conviction *c);

/* Finds the person and calls fn for each of their convictions in order. */
RELIEF_API relief_status relief_explain(const relief_explain_config *cfg,
                                        relief_explain_person *person, relief_explain_fn fn,
                                        void *user, relief_error *err);

/* The name of feature bit i (docs/flows.md), or NULL past the last. */
RELIEF_API const char *relief_feature_name(int i);

#ifdef __cplusplus
}
#endif

#endif
