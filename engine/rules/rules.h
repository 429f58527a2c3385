/*
 * rules/rules.h — the decision core: code-section classes (each distinct
 * string classified once), eligibility options, people and convictions, the
 * feature bits of a conviction, and flows as tables of (mask, value) rows.
 */
#ifndef RELIEF_RULES_H
#define RELIEF_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* ---- Code-section classes (eligibility spec §3) ---- */

enum {
  RELIEF_CS_PROP64 = 1u << 0,    /* contains 11357, 11358, 11359 or 11360 */
  RELIEF_CS_HAS_11357 = 1u << 1, /* contains the section anywhere */
  RELIEF_CS_HAS_11358 = 1u << 2,
  RELIEF_CS_HAS_11359 = 1u << 3,
  RELIEF_CS_HAS_11360 = 1u << 4,
  RELIEF_CS_RELATED = 1u << 5,          /* a related charge */
  RELIEF_CS_SUPERSTRIKE = 1u << 6,      /* PC 667(e)(2)(C)(iv) list */
  RELIEF_CS_PC290 = 1u << 7,            /* sex-offender registration offense */
  RELIEF_CS_GANG_ENHANCEMENT = 1u << 8, /* 186.22(B)(4) PC (Los Angeles flow) */
  RELIEF_CS_ENHANCEABLE = 1u << 9,      /* 136.1|215|213(A)(1)(A)|246|519|12022.55 PC */
  RELIEF_CS_BEGINS_11357_AB = 1u << 10, /* starts with 11357(A) or 11357(B) */
};

/* Prop 64 sections, by index: 1 = 11357 ... 4 = 11360; 0 = none. */
extern const char *const prop64_sections[5];

typedef struct {
  uint32_t bits;          /* RELIEF_CS_* */
  uint8_t prop64_section; /* leftmost of 11357..11360, as an index 1..4; 0 none */
  char subsection_11357;  /* 'A'..'D' from the leftmost "11357(X)", else 0 */
} relief_code_class;

typedef struct relief_classifier relief_classifier;

/* Compiles the pattern lists once. Returns NULL on allocation failure. */
relief_classifier *classifier_new(void);
void classifier_free(relief_classifier *c);

/* Classifies one code-section string (not NUL-terminated). Thread-safe. */
relief_code_class rules_classify(const relief_classifier *c, const char *s, size_t len);

/* Leftmost Prop 64 section in s (1..4) or 0; used on whole fields by §8. */
int find_prop64_section(const char *s, size_t len);

/* Letter of the leftmost "11357(X)" with X in A-D, or 0. */
char find_11357_subsection(const char *s, size_t len);

/* The code section of a row (spec §1): OFFENSE_DESCR up to its first '-',
 * or COMMENT_TEXT's when OFFENSE_DESCR is blank or SEE COMMENT FOR CHARGE.
 * Sets *from_comment accordingly. Returns a pointer into one of the inputs. */
const char *rules_code_section(const char *offense, size_t offense_len, const char *comment,
                               size_t comment_len, size_t *len, bool *from_comment);

/* Spec §8: whether "Possible Other P64 Charges" shows COMMENT_TEXT for a row
 * with these OFFENSE_DESCR and COMMENT_TEXT values (else it is empty). */
bool possible_other_p64(const char *offense, size_t offense_len, const char *comment,
                        size_t comment_len);

/* ---- Options (eligibility spec §6.1) ---- */

typedef struct relief_options {
  uint8_t dismiss[4]; /* section indices 1..4, list order, first occurrence kept */
  int n_dismiss;
  uint8_t reduce[4];
  int n_reduce;
  bool under21_at_conviction;
  bool only_prop64;
  bool deceased;
  int age_threshold;          /* 0 or 40..65 */
  int years_since_conviction; /* 0 or 1..15 */
  int years_crime_free;       /* 0 or 1..15 */
} relief_options;

/* Parses and validates options JSON. Errors name the option (RELIEF_E_USAGE).
 * strict: a key the options do not know is an error (relief mode); else it
 * is ignored, as the reference's Go encoding/json did (the gogen drop-in). */
relief_status options_parse(const char *json, size_t len, const char *source, bool strict,
                            relief_options *out, relief_error *err);

/* Warnings about options that decide nothing for a section: for each Prop
 * 64 section (11357..11360) neither dismissed nor reduced, a line
 * "PREFIX11360 is neither dismissed nor reduced; its felony convictions
 * that no other option dismisses get no determination" into out[k].
 * Returns how many (0..4). */
int options_warnings(const relief_options *o, const char *prefix, char out[4][192]);

/* Reads path (a regular file of at most 1 MiB) and parses it. */
relief_status options_load(const char *path, bool strict, relief_options *out, relief_error *err);

/* ---- Determinations ---- */

typedef enum {
  RELIEF_DET_NONE = 0,
  RELIEF_DET_DISMISS,
  RELIEF_DET_REDUCE,
  RELIEF_DET_NOT_ELIGIBLE,
  RELIEF_DET_HAND_REVIEW,
  RELIEF_DET_CITY_ATTORNEYS,
  RELIEF_DET_COUNT
} relief_determination;

/* "Eligible for Dismissal", ... ; "" for RELIEF_DET_NONE. */
extern const char *const determination_names[RELIEF_DET_COUNT];

/* ---- People and convictions (eligibility spec §2) ---- */

typedef struct {
  int32_t disp_day;         /* disposition date; RELIEF_DAY_UNKNOWN if unknown */
  int32_t class_id;         /* index into the run's code-section class table */
  uint64_t step_key;        /* the first 6 characters of CNT_ORDER (row_step_key) */
  uint32_t cycle_key;       /* the first 3, the cycle (row_cycle_key) */
  __int128 sentence_end_ns; /* ns since 1970-01-01 (sentence parts added) */
  uint32_t row;             /* the row's position among the person's rows */
  int32_t county;           /* the run's id of STP_ORI_CNTY_NAME */
  uint8_t felony;
  uint8_t in_county; /* county == the county being decided */
  /* OFFENSE_DESCR blank, "-" or SEE COMMENT FOR CHARGE: relief for it is
   * reviewed by hand, never filed as it is */
  uint8_t charge_unknown;
} relief_conviction;

typedef struct {
  uint64_t step_key;
  const char *ofn; /* NUL-terminated */
} relief_case_number;

typedef struct {
  int32_t dob_day;
  bool deceased;
  bool registered;
  relief_conviction *convictions;
  int n_convictions;
  relief_case_number *case_numbers; /* first-seen order */
  int n_case_numbers;
} relief_person;

/* ---- Features and flows (DESIGN.md step 6) ---- */

/* Feature bits of one conviction of one person; a flow row tests them. */
enum {
  RELIEF_F_IN_COUNTY = 1ull << 0,
  RELIEF_F_PROP64 = 1ull << 1,
  RELIEF_F_RELATED = 1ull << 2,
  RELIEF_F_FELONY = 1ull << 3,
  RELIEF_F_HAS_11357 = 1ull << 4, /* HAS_11357 << (i-1) for section index i */
  RELIEF_F_HAS_11358 = 1ull << 5,
  RELIEF_F_HAS_11359 = 1ull << 6,
  RELIEF_F_HAS_11360 = 1ull << 7,
  RELIEF_F_UNDER_21_AT_CONVICTION = 1ull << 8,  /* birth + 21y after disposition */
  RELIEF_F_AGE_THRESHOLD = 1ull << 9,           /* birth + N y on/before compute */
  RELIEF_F_CONVICTION_N_YEARS_AGO = 1ull << 10, /* disposition <= compute - N y */
  RELIEF_F_CRIME_FREE_N_YEARS = 1ull << 11,     /* latest disposition < compute - N y */
  RELIEF_F_ONLY_PROP64 = 1ull << 12,            /* every conviction is Prop 64 */
  RELIEF_F_DECEASED = 1ull << 13,
  RELIEF_F_PC290_REGISTERED = 1ull << 14,
  RELIEF_F_SUPERSTRIKE = 1ull << 15, /* this conviction is a superstrike */
  RELIEF_F_PC290 = 1ull << 16,       /* this conviction is a PC 290 offense */
  RELIEF_F_PROP64_OR_RELATED = 1ull << 17,
  RELIEF_F_AFTER_NOV_9_2016 = 1ull << 18,       /* disposition on/after 2016-11-09 */
  RELIEF_F_SECTION_11357 = 1ull << 19,          /* its Prop 64 section is 11357 */
  RELIEF_F_BEGINS_11357_AB = 1ull << 20,        /* code section starts 11357(A)/(B) */
  RELIEF_F_EARLIER_SUPERSTRIKE = 1ull << 21,    /* §6.2 check 4 */
  RELIEF_F_EARLIER_PC290 = 1ull << 22,          /* §6.2 check 5 */
  RELIEF_F_TWO_PRIORS = 1ull << 23,             /* §6.2 check 6 */
  RELIEF_F_CURRENT_AGE_21 = 1ull << 24,         /* current age <= 21 */
  RELIEF_F_SENTENCES_COMPLETED = 1ull << 25,    /* no sentence ends after compute */
  RELIEF_F_NO_CONVICTIONS_N_YEARS = 1ull << 26, /* none after compute - N years */
  RELIEF_F_SERVING_THIS_SENTENCE = 1ull << 27,  /* this sentence ends after compute */
  RELIEF_F_PERSON_HAS_SUPERSTRIKE = 1ull << 28, /* any superstrike (or gang-enhanced step) */
  RELIEF_F_DISPOSITION_BEFORE_YEAR = 1ull
                                     << 29, /* disposition before Jan 1 of parameter beforeYear */
  RELIEF_F_COUNT_BITS = 30
};

/* Names of the feature bits, for flow files and explain. */
extern const char *const feature_names[RELIEF_F_COUNT_BITS];

#define RELIEF_FLOW_MAX_ROWS 32
#define RELIEF_REASON_MAX 96

typedef struct {
  uint64_t mask, value; /* the row holds when (features & mask) == value */
  relief_determination determination;
  char reason[RELIEF_REASON_MAX];
  char id[32]; /* the rule's name, for --trace and explain */
} relief_flow_row;

typedef struct relief_flow {
  char name[64];
  uint64_t relevance_mask, relevance_value; /* which convictions get a result */
  relief_flow_row rows[RELIEF_FLOW_MAX_ROWS];
  int n_rows;
  /* Parameters the feature bits are computed with (0 = unused). */
  int age_threshold;
  int years_since_conviction;
  int years_crime_free;
  int years_conviction_free;
  int before_year;
} relief_flow;

/* Parses a flow file (JSON; format in docs/flows.md). Parameters named in
 * the file take the values in overrides when given (>= 0): "age",
 * "yearsConvictionFree", "yearsSinceConviction", "yearsCrimeFree". Errors
 * name the row and field (RELIEF_E_USAGE). */
typedef struct {
  int age, years_conviction_free, years_since_conviction, years_crime_free;
} relief_flow_overrides; /* -1 (or 0) = keep the file's value */
relief_status flow_parse(const char *json, size_t len, const char *source,
                         const relief_flow_overrides *overrides, relief_flow *flow,
                         relief_error *err);
relief_status flow_load(const char *path, const relief_flow_overrides *overrides, relief_flow *flow,
                        relief_error *err);

/* The Los Angeles pilot flow of spec §6.2, from the built-in flow file. */
relief_status flow_los_angeles(const relief_flow_overrides *overrides, relief_flow *flow,
                               relief_error *err);

/* The built-in Los Angeles flow file's text. */
extern const char builtin_los_angeles_flow[];

/* Index of a feature name in feature_names, or -1. */
int feature_index(const char *name);

/* The configurable flow of §6.1 built from options. */
void flow_configurable(relief_flow *flow, const relief_options *opt);

/* The impact flows of §6.3. */
void flow_dismiss_all_prop64(relief_flow *flow);
void flow_dismiss_all_prop64_and_related(relief_flow *flow);

/* Everything a feature computation needs beyond the person. */
typedef struct {
  const relief_code_class *classes; /* the run's class table */
  int32_t compute_day;
  const char *const *section_text; /* code-section string of each class */
  const size_t *section_len;
} relief_eval_ctx;

/* What holds for the person as a whole, computed once per person. */
typedef struct {
  uint64_t bits;                /* person-level feature bits (deceased, only Prop 64, ...) */
  bool has_superstrike;         /* §6.2: a superstrike, or a gang-enhanced step */
  bool has_pc290;               /* a PC 290 conviction or registration */
  int32_t earliest_superstrike; /* §6.2 "earliest date" over superstrike convictions */
  int32_t earliest_pc290;       /* the same over PC 290 convictions */
  /* dates each conviction is compared with, worked out once per person */
  int32_t turns_21;           /* birth date + 21 years */
  int32_t conviction_n_years; /* compute date - flow's years since conviction */
  int32_t before_year;        /* January 1 of the flow's beforeYear */
  int n_prop64;               /* Prop 64 convictions: under 2, none has two priors */
} relief_person_facts;

/* The person-level facts of p under flow's parameters. */
relief_person_facts person_features(const relief_eval_ctx *ctx, const relief_flow *flow,
                                    const relief_person *p);

/* Feature bits of conviction i of p: the person's bits plus its own; facts are
 * person_features of p under the same flow. */
uint64_t rules_features(const relief_eval_ctx *ctx, const relief_flow *flow, const relief_person *p,
                        int i, const relief_person_facts *facts);

/* §6.2's "earliest date" over the convictions of p whose class has bit:
 * an unknown running value is replaced by the next date, known or not. */
int32_t earliest_date(const relief_eval_ctx *ctx, const relief_person *p, uint32_t bit);

/* The first row of flow that holds for features, or NULL. */
const relief_flow_row *flow_decide(const relief_flow *flow, uint64_t features);

/* Whether features make a conviction get a result under flow (§4). */
static inline bool flow_relevant(const relief_flow *flow, uint64_t features) {
  return (features & flow->relevance_mask) == flow->relevance_value;
}

/* (to − from) in hours / (24 × 365.25), the reference's "years since",
 * with Go's time.Duration saturation at about ±292 years. */
double years_between(int32_t from_day, int32_t to_day);

/* Latest disposition date of p's convictions (unknown dates never win);
 * RELIEF_DAY_UNKNOWN when none. */
int32_t person_latest_disposition(const relief_person *p);

/* A county's own policy in a statewide run. */
typedef struct {
  const char *county;            /* county name as in STP_ORI_CNTY_NAME */
  const relief_options *options; /* required */
  const relief_flow *flow;       /* or NULL: configurable from options */
} relief_county_policy;

#endif
