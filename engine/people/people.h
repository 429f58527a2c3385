/*
 * people/people.h — recognising people: person keys (XXH3-128 of the CII
 * number, else SUBJECT_ID, else name + birth date), grouping rows into
 * people independent of the thread count, dropping rows copied into several
 * county files, and building one person's history (eligibility spec §2)
 * from their rows.
 */
#ifndef RELIEF_PEOPLE_H
#define RELIEF_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

#include "common/bits.h"
#include "doj/row_facts.h"
#include "rules/rules.h"

/* ---- keys ---- */

/* An identifier with blanks (spaces, tabs) cut from both ends. The one trim
 * used wherever an identifier is compared. */
size_t person_id_trim(const char **s, size_t n);

/* Run mode (the reference's grouping): XXH3-128 of SUBJECT_ID as it is. */
static inline XXH128_hash_t person_key_subject(const char *id, size_t len) {
  return XXH3_128bits(id, len);
}

/* Statewide key: CII number, else SUBJECT_ID, else the name's letters and
 * the birth date; seeded apart so the kinds never collide. */
XXH128_hash_t person_key_merged(const relief_field f[RELIEF_NCOLS], field_scratch *scratch);

/* XXH3 of the 95 values, each length-prefixed: equal rows hash equal
 * whatever their quoting or line ends. buf and scratch are reused. */
uint64_t row_content_hash(const relief_field f[RELIEF_NCOLS], field_scratch *buf,
                          field_scratch *scratch);
/* The same hash of a row's canonical text (relief_row_extent.canonical:
 * the row's own bytes), for the lean parse. */
uint64_t row_content_hash_canonical(const char *text, size_t len);
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RELIEF_CONTENT_HASH_AVX2 1
/* The same hash, compiled for AVX2 (content_avx2.c): only where the CPU has it. */
uint64_t row_content_hash_avx2(const char *text, size_t len);
#endif

/* ---- grouping ---- */

/* People are grouped in partitions of their key, each on its own: the one
 * partitioning that grouping, spill files and relief-mpi's exchange share. */
#define PEOPLE_PARTITIONS 256

static inline uint32_t people_partition(XXH128_hash_t key) {
  return (uint32_t)(key.high64 % PEOPLE_PARTITIONS);
}

/* Whether two person keys are the same: inline, as the hot loops that
 * compare a row's key with the last row's need it (XXH128_isEqual is a
 * call into the library). */
static inline bool person_key_equal(XXH128_hash_t a, XXH128_hash_t b) {
  return a.low64 == b.low64 && a.high64 == b.high64;
}

/* A row: its segment and its index in the segment. */
typedef struct {
  uint32_t seg, j;
} row_ref;

/* The rows of a run as grouping sees them: per segment, its rows, the
 * person key of each row, and (statewide) the content hash of each row and
 * the input file the segment belongs to. */
typedef struct {
  size_t n_segs;
  row_rec **rows;          /* [seg][j] */
  const size_t *n_rows;    /* [seg] */
  XXH128_hash_t **keys;    /* [seg][j] */
  uint64_t **content;      /* [seg][j], statewide only (else NULL) */
  const int *input_of_seg; /* [seg] */
  const char *const *ofns; /* [seg]: case-number text that row_rec.ofn_id points into */
  /* NULL, or [seg] NULL: content[seg] holds every row's. Else only the rows
   * whose bit is set in kept[seg] have one (the rows of people in several
   * inputs: no other row can be a copy), in row order; rank[seg][w] is how
   * many rows before word w have one (row_content) */
  uint64_t *const *content_kept;
  uint32_t *const *content_rank;
} row_table;

/* Row r's content hash into *out; false when it was not kept. */
static inline bool row_content(const row_table *t, row_ref r, uint64_t *out) {
  const uint64_t *values = t->content[r.seg];
  if (!t->content_kept || !t->content_kept[r.seg]) {
    *out = values[r.j];
    return true;
  }
  uint64_t word = t->content_kept[r.seg][r.j >> 6], bit = 1ull << (r.j & 63);
  if (!(word & bit)) return false;
  *out = values[t->content_rank[r.seg][r.j >> 6] + bits_count(word & (bit - 1))];
  return true;
}

/* People as groups of rows: person p's rows are order[first[p] ..
 * first[p+1]), in input order; each row's row_rec.person is set. */
typedef struct {
  size_t n_rows, n_people;
  size_t *first;
  row_ref *order;
} people_groups;

/* Groups rows into people partition by partition (by key), in parallel on
 * threads: within a partition people are numbered in first-seen order, so
 * the result does not depend on the thread count. */
void people_group(const row_table *t, int threads, people_groups *out);

/* Statewide: marks ROW_DUPLICATE on each row whose content appears in an
 * earlier file's row of the same person. Returns the rows marked. */
int64_t people_drop_copies(const row_table *t, const people_groups *g, int threads);

void people_groups_free(people_groups *g);

/* ---- people known while parsing ---- */

/* Keys handed over segment by segment as they are parsed (thread-safe), so
 * that the run never holds a key per row: each row's person takes a
 * provisional number (its key's partition and index), and
 * people_group_assigned then numbers people exactly as people_group would
 * have from the same rows and keys. */
typedef struct people_assigner people_assigner;

people_assigner *people_assigner_new(void);

/* Sets rows[j].person from keys[j] for a segment's n rows, and notes each
 * key's first row: segment is the segment's index in the row table that
 * people_group_assigned will read. scratch holds n entries (a thread's
 * buffer, reused), or is NULL. False when a partition would pass 2^24 keys
 * (16.7 million; about 4 billion people in all), which
 * people_assigner_full then reports. */
bool people_assign(people_assigner *a, const XXH128_hash_t *keys, row_rec *rows, size_t n,
                   int input, size_t segment, uint32_t *scratch);
/* Segments assigned are not at the index they were assigned with, or not
 * in the table at all (thrown away): people_group_assigned finds each
 * key's first row from the table's rows instead. */
void people_assigner_moved(people_assigner *a);
/* Whether the person of a row people_assign numbered (row_rec.person, before
 * grouping) has rows in more than one input: only such a person's rows can
 * be copies of one another (people_drop_copies). */
bool people_several_inputs(const people_assigner *a, uint32_t person);
bool people_assigner_full(const people_assigner *a);

/* people_group for rows whose keys went through people_assign (t->keys is
 * not read); keys whose rows are all gone take no number. */
void people_group_assigned(const row_table *t, people_assigner *a, int threads, people_groups *out);

void people_assigner_free(people_assigner *a);

/* ---- a person's history ---- */

/* Reusable room for building people (one per thread). */
typedef struct {
  relief_conviction *conv;
  uint64_t *seen; /* CNT_ORDER keys already taken as convictions */
  relief_case_number *cases;
  uint32_t *arrest_cycles; /* cycles with a Prop 64 charge at arrest */
  int n_arrest_cycles;
  size_t cap;
} person_history;

/* Builds the person of eligibility spec §2 from their n rows refs (in input
 * order): convictions (one per count, further sentence parts added to the
 * most recent), case numbers, registration, death notice. p points into h
 * until the next build. */
void person_build(const row_table *t, const row_ref *refs, size_t n, person_history *h,
                  relief_person *p);

/* Whether a Prop 64 charge was made at arrest in conviction c's cycle. */
bool person_prop64_arrest_in_cycle(const person_history *h, const relief_conviction *c);

void person_history_free(person_history *h);

#endif
