/*
 * relief/relief.h — the stable public API of the relief engine: run one
 * county, run all counties at once, explain one person; errors and the
 * version. Nothing internal is exported: options, flows and job settings
 * are opaque handles made and freed by the calls below.
 *
 * Threads are a setting of each job (0 = all cores); the library never
 * changes process-wide state: not the OpenMP thread count, not jansson's
 * allocator (a program that wants jansson's allocations to run out of
 * memory like the library's sets json_set_alloc_funcs itself, once). The
 * library never prints and never exits, with one exception: running out of
 * memory calls the handler set by relief_set_oom_handler (default: a
 * message on stderr and exit status 3), since no caller can recover mid-run.
 *
 * Stability. librelief.so.0 keeps this API and ABI for as long as its
 * soname is .0: a later 0.x may add functions, relief_setting keys (at the
 * end of the enum), feature names and error messages, and may change the
 * words of a message, but never removes or changes the meaning of a
 * function, key, enum value or struct field here. A struct here
 * (relief_error, the results, relief_explain_*, relief_filer,
 * relief_redaction, relief_filing_filter) changes only with a new soname
 * (librelief.so.1), and so does anything else that would break a program
 * built against this header. Settings a job gains go into relief_settings,
 * never into a struct. Output files follow the specs in docs/, not this
 * promise.
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
 * a flow file's path. "configurable" is not a file: set no flow to decide
 * with the configurable flow built from the options. */
RELIEF_API relief_status relief_flow_read(const char *name, relief_flow **out, relief_error *err);

/* A value for one of a flow's parameters, by its name in flow files:
 * "age", "yearsConvictionFree", "yearsSinceConviction" or "yearsCrimeFree"
 * (a whole number from 1 to 150). */
typedef struct {
  const char *name;
  int value;
} relief_flow_param;

/* relief_flow_read, with the n given parameters replacing the flow's own
 * values (in its conditions and in the reasons that name them).
 * RELIEF_E_USAGE, naming the parameter, for an unknown name or a value out
 * of range. */
RELIEF_API relief_status relief_flow_read_with(const char *name, const relief_flow_param *params,
                                               int n, relief_flow **out, relief_error *err);
RELIEF_API void relief_flow_free(relief_flow *flow);

/* Parses YYYY-MM-DD into a day number (days since 1970-01-01). */
RELIEF_API relief_status relief_date_parse(const char *text, int32_t *day, relief_error *err);

/* ---- What a job is given: progress, redaction, who files and what ---- */

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


/* ---- Job settings: what relief_run and relief_statewide are told ---- */

/* One opaque object holds a job's settings, for either job: create it,
 * set what differs from the defaults, pass it to relief_run or
 * relief_statewide, free it. A setting added in a later version is a new
 * key or a new setter, never a changed struct, so a program built against
 * this header keeps working. Every setting starts at its default (0, false,
 * NULL or empty), except the compute date, which defaults to the day the
 * job starts (UTC). */
typedef struct relief_settings relief_settings;

/* The keys of relief_settings_set_int/_text and their getters. Each key
 * has one type, a whole number (booleans are 0 or 1) or a text, and
 * applies to run, to statewide, or to both; a job refuses a setting that is
 * not its own and not at its default (RELIEF_E_USAGE naming the key), so
 * that nothing a caller asked for is silently dropped. New keys are added at the end. */
typedef enum {
  /* both jobs */
  RELIEF_S_COMPUTE_DAY = 1, /* int: the day eligibility is decided at (days since 1970-01-01) */
  RELIEF_S_THREADS,         /* int: worker threads, 0..4096; 0 = all cores */
  RELIEF_S_TRACE,           /* bool: a Rule column after the 18 */
  RELIEF_S_REVIEW_FILES,    /* bool: also Hand_Review.csv and Prop64_Results_Extended.csv */
  RELIEF_S_FORMS,           /* bool: court filings under Court_Filings/<COUNTY>[_<index>]/ */
  RELIEF_S_REPORT,          /* bool: report.html and report.pdf */
  RELIEF_S_FILINGS_ONLY,    /* bool: write Court_Filings/ only (relief filings) */
  RELIEF_S_OUTPUTS,         /* text: the output folder (required) */
  /* relief_run only */
  RELIEF_S_COUNTY,       /* text: the county decided (required), as in STP_ORI_CNTY_NAME */
  RELIEF_S_SUFFIX,       /* text: a file-name suffix (_SUFFIX), or NULL */
  RELIEF_S_GOGEN_NAMING, /* bool: summary gogen.json instead of summary.json, no manifest */
  /* relief_statewide only */
  RELIEF_S_SUMMARY_ONLY, /* bool: summaries only, no row files */
  RELIEF_S_MEMORY_LIMIT, /* int: bytes to stay under (rows spill to compressed files in
                            the output folder's staging area); 0 = 60 % of physical memory */
  /* relief_run only (added in 0.1) */
  RELIEF_S_OFFICE, /* text: the office the impact report names; NULL: the filer's office,
                      else "not given" */
} relief_setting;

/* A new settings object with every setting at its default. Never NULL (out
 * of memory runs the handler of relief_set_oom_handler). Free it with
 * relief_settings_free. */
RELIEF_API relief_settings *relief_settings_new(void);

/* Frees s and the copies it holds (NULL is allowed). What was lent to it
 * (options, flows, filer, filter user data, redaction key) stays the
 * caller's. */
RELIEF_API void relief_settings_free(relief_settings *s);

/* Sets a whole-number or boolean key. RELIEF_E_USAGE, naming the key, when
 * key is not a number key or value is out of its range (booleans 0 or 1,
 * threads 0..4096, a compute day in int32_t, a memory limit of 0 or at
 * least 1 MiB); s is then unchanged. */
RELIEF_API relief_status relief_settings_set_int(relief_settings *s, relief_setting key,
                                                 int64_t value, relief_error *err);

/* Reads a whole-number or boolean key into *value (the default when it was
 * never set; for RELIEF_S_COMPUTE_DAY, today). RELIEF_E_USAGE when key is
 * not a number key. */
RELIEF_API relief_status relief_settings_get_int(const relief_settings *s, relief_setting key,
                                                 int64_t *value, relief_error *err);

/* Sets a text key to a copy of value (NULL unsets it). RELIEF_E_USAGE when
 * key is not a text key, or value is "" for RELIEF_S_OUTPUTS or
 * RELIEF_S_COUNTY. */
RELIEF_API relief_status relief_settings_set_text(relief_settings *s, relief_setting key,
                                                  const char *value, relief_error *err);

/* The text of a text key, owned by s and valid until it is set again or s
 * is freed; NULL when unset or when key is not a text key. */
RELIEF_API const char *relief_settings_get_text(const relief_settings *s, relief_setting key);

/* The input files, copied (replacing any given before): DOJ extracts, plain
 * or zstd. relief_run treats each on its own; relief_statewide takes them
 * as one population (folders are expanded by the caller). */
RELIEF_API void relief_settings_set_inputs(relief_settings *s, const char *const *paths, int n);

/* How many inputs s holds, and the i-th (NULL past the last). */
RELIEF_API int relief_settings_input_count(const relief_settings *s);
RELIEF_API const char *relief_settings_input(const relief_settings *s, int i);

/* The eligibility options (lent: they must outlive the job). relief_run
 * needs them unless it has a flow; relief_statewide needs them always, for
 * the counties without a policy of their own. */
RELIEF_API void relief_settings_set_options(relief_settings *s, const relief_options *options);

/* relief_run only: the flow to decide with (lent); NULL (the default)
 * decides with the configurable flow built from the options. */
RELIEF_API void relief_settings_set_flow(relief_settings *s, const relief_flow *flow);

/* relief_statewide only: county's own policy, its options or its flow (one
 * of them, lent; a flow wins). county is copied, and named in
 * STP_ORI_CNTY_NAME's spelling. RELIEF_E_USAGE when county is empty or
 * already has a policy, or when neither options nor flow is given. */
RELIEF_API relief_status relief_settings_add_policy(relief_settings *s, const char *county,
                                                    const relief_options *options,
                                                    const relief_flow *flow, relief_error *err);

/* relief_statewide only: a file of the caller's --inputs folders that it
 * did not take, and why (both copied); listed in statewide_summary.json as
 * "notTaken". */
RELIEF_API void relief_settings_add_not_taken(relief_settings *s, const char *path,
                                              const char *reason);

/* The command line recorded in the manifest, copied; n = 0 records none. */
RELIEF_API void relief_settings_set_command_line(relief_settings *s, const char *const *argv,
                                                 int n);

/* Progress reports go to fn with user (NULL: none). */
RELIEF_API void relief_settings_set_progress(relief_settings *s, relief_progress_fn fn, void *user);

/* relief_run only: redact the bundle, hashing CII numbers with the key
 * (the struct is copied, the key bytes are lent); NULL keeps every field. */
RELIEF_API void relief_settings_set_redaction(relief_settings *s,
                                              const relief_redaction *redaction);

/* With RELIEF_S_FORMS: who files (lent; NULL leaves the lines blank). */
RELIEF_API void relief_settings_set_filer(relief_settings *s, const relief_filer *filer);

/* With RELIEF_S_FORMS: which motions are filed (the struct is copied, its
 * user data lent); NULL files every motion. */
RELIEF_API void relief_settings_set_filter(relief_settings *s, const relief_filing_filter *filter);

/* ---- The jobs ---- */

/* What a run did. Results may gain fields only with a new soname. */
typedef struct {
  int64_t rows; /* data rows read, all inputs */
  int64_t people;
  int64_t convictions;
  int64_t motions;
  uint64_t input_bytes;
  double seconds;
  /* a warning about the input, also in the manifest's "warnings" ("" if
   * none): fewer than half of the convicted rows are the --county's */
  char warning[320];
} relief_run_result;

/* The reference-compatible run with settings s: each input on its own
 * (people grouped by SUBJECT_ID within the file), one county decided, the
 * bundle of eligibility spec §7 per input and one summary, all published
 * together only when every input succeeded. On failure the output folder
 * is left as it was (the caller writes its error file). s is only read. */
RELIEF_API relief_status relief_run(const relief_settings *s, relief_run_result *res,
                                    relief_error *err);

typedef struct {
  int64_t people, rows, duplicate_rows, counties, motions;
  uint64_t input_bytes;
  double seconds;
  int64_t spilled_partitions; /* partitions written to spill files (0: none) */
  uint64_t spill_bytes;       /* their compressed size */
  uint64_t memory_limit;      /* the limit the run kept to (bytes) */
  uint64_t memory_estimate;   /* what it estimated an unspilled run holds (0: not estimated) */
} relief_statewide_result;

/* Every input is one population: a person is recognised by CII_NUMBER
 * (else SUBJECT_ID, else name + birth date) across files, a row whose 95
 * fields appear in several files is kept from the first file only, and each
 * county with Prop 64 convictions gets a folder with its bundle and summary
 * under its policy (relief_settings_add_policy) or the options;
 * statewide_summary.json counts the whole population. s is only read. */
RELIEF_API relief_status relief_statewide(const relief_settings *s, relief_statewide_result *res,
                                          relief_error *err);

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

/* What feature bit i means when it holds, as a sentence, or NULL past the
 * last (explain's words on the page). */
RELIEF_API const char *relief_feature_sentence(int i);

/* The line explain gives a conviction: what decided it, or why nothing did
 * ("decided by rule 'ID': DETERMINATION — REASON"). */
RELIEF_API void relief_explain_verdict(const relief_explain_conviction *c, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
