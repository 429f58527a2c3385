/*
 * assign.c — people known while rows are parsed. Each parsed segment hands
 * its person keys to one of 256 locked maps (the key's partition, as in
 * people_group) and its rows take a provisional number: the partition and
 * the key's index in that map. Its keys are then freed, so the 16 bytes a
 * row the keys take are never held for the whole run.
 *
 * Grouping then numbers people exactly as people_group does, whatever order
 * the threads parsed the segments in: within a partition, people in the
 * order of their first row (segment, then row), partitions one after
 * another. A key whose rows were all thrown away (a framed input parsed
 * again whole) has no first row and takes no number.
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "people/group_parts.h"

#define LOCAL_BITS 24
#define LOCAL_MASK ((1u << LOCAL_BITS) - 1)
#define NO_ROW UINT64_MAX

#define SEVERAL_INPUTS 0x80000000u

typedef struct {
  omp_lock_t lock;
  relief_key_map map;
  uint32_t *input_of; /* [index]: the input of its first row, | SEVERAL_INPUTS once another */
  uint64_t *first_at; /* [index]: (segment << 32 | row) of its first row assigned */
  size_t cap_input;
  uint64_t *first;  /* [index]: (segment << 32 | row) of its first row, while grouping */
  uint32_t *number; /* [index]: its number within the partition, while grouping */
} part_map;

struct people_assigner {
  part_map part[PEOPLE_PARTITIONS];
  int full;   /* a partition reached 2^24 keys */
  bool moved; /* segments are not where they were assigned: first_at is stale */
};

people_assigner *people_assigner_new(void) {
  people_assigner *a = xcalloc(1, sizeof *a);
  for (int q = 0; q < PEOPLE_PARTITIONS; q++) {
    omp_init_lock(&a->part[q].lock);
    key_map_init(&a->part[q].map, 0);
  }
  return a;
}

/* Notes that key index of pm has a row in input, at (segment << 32 | row). */
static void note_row(part_map *pm, uint32_t index, uint32_t input, uint64_t row_at) {
  if (index >= pm->cap_input) {
    size_t cap = pm->cap_input ? pm->cap_input * 2 : 1024;
    while (cap <= index) cap *= 2;
    pm->input_of = xreallocarray(pm->input_of, cap, sizeof *pm->input_of);
    pm->first_at = xreallocarray(pm->first_at, cap, sizeof *pm->first_at);
    for (size_t k = pm->cap_input; k < cap; k++) pm->input_of[k] = UINT32_MAX;
    for (size_t k = pm->cap_input; k < cap; k++) pm->first_at[k] = NO_ROW;
    pm->cap_input = cap;
  }
  uint32_t *at = &pm->input_of[index];
  if (*at == UINT32_MAX)
    *at = input;
  else if ((*at & ~SEVERAL_INPUTS) != input)
    *at |= SEVERAL_INPUTS;
  if (row_at < pm->first_at[index]) pm->first_at[index] = row_at;
}

bool people_several_inputs(const people_assigner *a, uint32_t person) {
  const part_map *pm = &a->part[person >> LOCAL_BITS];
  uint32_t index = person & LOCAL_MASK;
  return index < pm->cap_input && pm->input_of[index] != UINT32_MAX &&
         (pm->input_of[index] & SEVERAL_INPUTS);
}

bool people_assign(people_assigner *a, const XXH128_hash_t *keys, row_rec *rows, size_t n,
                   int input, size_t segment, uint32_t *scratch) {
  /* the segment's rows by partition, so each lock is taken once */
  size_t count[PEOPLE_PARTITIONS + 1] = {0};
  for (size_t j = 0; j < n; j++) count[people_partition(keys[j]) + 1]++;
  for (int q = 0; q < PEOPLE_PARTITIONS; q++) count[q + 1] += count[q];
  size_t at[PEOPLE_PARTITIONS];
  memcpy(at, count, sizeof at);
  uint32_t *by_part = scratch ? scratch : xmalloc((n ? n : 1) * sizeof *by_part);
  for (size_t j = 0; j < n; j++) by_part[at[people_partition(keys[j])]++] = (uint32_t)j;
  bool ok = true;
  for (int q = 0; q < PEOPLE_PARTITIONS; q++) {
    if (count[q] == count[q + 1]) continue;
    part_map *pm = &a->part[q];
    omp_set_lock(&pm->lock);
    /* a person's rows follow one another in a file, so most keys are the
     * one just looked up: only a new key is looked up in the map */
    XXH128_hash_t last = {0, 0};
    uint32_t index = 0;
    for (size_t k = count[q]; k < count[q + 1]; k++) {
      uint32_t j = by_part[k];
      if (k == count[q] || !person_key_equal(keys[j], last)) {
        last = keys[j];
        index = key_map_get(&pm->map, last);
        if (index > LOCAL_MASK) {
          ok = false;
          index = 0;
        }
        /* rows of a partition come in row order: the first of a key's
         * lookups in the segment is its first row there */
        note_row(pm, index, (uint32_t)input, (uint64_t)segment << 32 | j);
      }
      rows[j].person = (uint32_t)q << LOCAL_BITS | index;
    }
    omp_unset_lock(&pm->lock);
  }
  if (by_part != scratch) free(by_part);
  if (!ok) __atomic_store_n(&a->full, 1, __ATOMIC_RELAXED);
  return ok;
}

void people_assigner_moved(people_assigner *a) { a->moved = true; }

bool people_assigner_full(const people_assigner *a) {
  return __atomic_load_n(&a->full, __ATOMIC_RELAXED) != 0;
}

static int cmp_first(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a > b) - (a < b);
}

/* Within each partition, the keys that have rows numbered by their first
 * row; part_people gets each partition's count, then their starts. */
static void number_by_first_row(people_assigner *a, size_t part_people[PEOPLE_PARTITIONS + 1],
                                int threads) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int q = 0; q < PEOPLE_PARTITIONS; q++) {
    part_map *pm = &a->part[q];
    size_t n = pm->map.n, live = 0;
    uint64_t(*by_first)[2] = xmalloc((n ? n : 1) * sizeof *by_first);
    for (size_t k = 0; k < n; k++)
      if (pm->first[k] != NO_ROW) by_first[live][0] = pm->first[k], by_first[live++][1] = k;
    qsort(by_first, live, sizeof *by_first, cmp_first);
    pm->number = xmalloc((n ? n : 1) * sizeof *pm->number);
    for (size_t r = 0; r < live; r++) pm->number[by_first[r][1]] = (uint32_t)r;
    free(by_first);
    free(pm->first);
    pm->first = NULL;
    part_people[q] = live;
  }
  group_starts(part_people, PEOPLE_PARTITIONS);
}

static void number_people(people_assigner *a, const row_table *t, int threads, size_t *count,
                          size_t part_people[PEOPLE_PARTITIONS + 1]) {
  size_t n_segs = t->n_segs;
  /* the keys are done with, their pages given back now and by every thread
   * (a trim of the heap after would be one thread's); their first rows are
   * not */
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads)
  for (int q = 0; q < PEOPLE_PARTITIONS; q++) {
    part_map *pm = &a->part[q];
    size_t n = pm->map.n;
    alloc_discard(pm->map.keys);
    alloc_discard(pm->map.index);
    key_map_free(&pm->map);
    free(pm->input_of);
    pm->input_of = NULL;
    pm->cap_input = 0;
    pm->map.n = n;
    if (a->moved) { /* found again from the rows below */
      free(pm->first_at);
      pm->first = xmalloc((n ? n : 1) * sizeof *pm->first);
      for (size_t k = 0; k < n; k++) pm->first[k] = NO_ROW;
    } else {
      pm->first = pm->first_at;
    }
    pm->first_at = NULL;
  }
  /* the rows of each (segment, partition), for runs past 2^32 rows; each
   * key's first row (segment, row), when its segments moved since they were
   * assigned (else assigning noted it) */
  if (count || a->moved) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t i = 0; i < n_segs; i++)
      for (size_t j = 0; j < t->n_rows[i]; j++) {
        uint32_t person = t->rows[i][j].person, q = person >> LOCAL_BITS;
        if (count) count[i * PEOPLE_PARTITIONS + q]++;
        if (!a->moved) continue;
        uint64_t *first = &a->part[q].first[person & LOCAL_MASK], mine = (uint64_t)i << 32 | j;
        uint64_t seen = __atomic_load_n(first, __ATOMIC_RELAXED);
        while (mine < seen && !__atomic_compare_exchange_n(first, &seen, mine, true,
                                                           __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        }
      }
  }
  number_by_first_row(a, part_people, threads);
}

/* Splits segments [0, n_segs) into ranges of about equal rows: range r is
 * [from[r], from[r + 1]). */
static void split_segments(const row_table *t, size_t ranges, size_t *from) {
  size_t total = 0, at = 0;
  for (size_t i = 0; i < t->n_segs; i++) total += t->n_rows[i];
  from[0] = 0;
  for (size_t r = 1, i = 0; r <= ranges; r++) {
    size_t want = r == ranges ? SIZE_MAX : total / ranges * r;
    while (i < t->n_segs && at < want) at += t->n_rows[i++];
    from[r] = r == ranges ? t->n_segs : i;
  }
}

/* at[r * np + p], range r's rows of person p, becomes the place of range
 * r's first row of p in the order, and first[p] person p's start: people
 * are cut into one block a thread, each block's rows summed, the sums
 * added up in block order, then each block placed from its start. */
static size_t cursors_from_counts(uint32_t *at, size_t ranges, size_t np, int threads,
                                  size_t *first) {
  size_t blocks = (size_t)(threads > 0 ? threads : 1);
  size_t *start = xcalloc(blocks + 1, sizeof *start);
#pragma omp parallel for schedule(static, 1) num_threads(threads)
  for (size_t b = 0; b < blocks; b++) {
    size_t sum = 0;
    for (size_t p = np * b / blocks; p < np * (b + 1) / blocks; p++)
      for (size_t r = 0; r < ranges; r++) sum += at[r * np + p];
    start[b + 1] = sum;
  }
  for (size_t b = 0; b < blocks; b++) start[b + 1] += start[b];
#pragma omp parallel for schedule(static, 1) num_threads(threads)
  for (size_t b = 0; b < blocks; b++) {
    size_t pos = start[b];
    for (size_t p = np * b / blocks; p < np * (b + 1) / blocks; p++) {
      first[p] = pos;
      for (size_t r = 0; r < ranges; r++) {
        uint32_t c = at[r * np + p];
        at[r * np + p] = (uint32_t)pos;
        pos += c;
      }
    }
  }
  size_t total = start[blocks];
  free(start);
  first[np] = total;
  return total;
}

/* Every row's final number, then each person's rows placed straight into
 * the order: the segments are cut into ranges in input order, each range
 * counts its rows per person, so that a person's rows from range r follow
 * those from the ranges before it, and each range then writes its rows at
 * its own cursors. Rows are read in the order they lie in memory, twice,
 * instead of once each at random (grouping partition by partition). More
 * ranges than threads, taken as threads come free, keep both busy to the
 * end; the order's pages are mapped by every thread at once, in bulk,
 * rather than faulted in one by one by the scattered writes. */
static void place_people(const row_table *t, people_assigner *a, int threads,
                         const size_t *part_people, size_t ranges, people_groups *out) {
  size_t np = part_people[PEOPLE_PARTITIONS];
  size_t *from = xmalloc((ranges + 1) * sizeof *from);
  split_segments(t, ranges, from);
  uint32_t *at = xcalloc(ranges * np + 1, sizeof *at); /* [range][person]: count, then cursor */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t r = 0; r < ranges; r++) {
    uint32_t *mine = at + r * np;
    for (size_t i = from[r]; i < from[r + 1]; i++)
      for (size_t j = 0; j < t->n_rows[i]; j++) {
        row_rec *rec = &t->rows[i][j];
        uint32_t q = rec->person >> LOCAL_BITS;
        rec->person = (uint32_t)part_people[q] + a->part[q].number[rec->person & LOCAL_MASK];
        mine[rec->person]++;
      }
  }
  out->first = xmalloc((np + 1) * sizeof *out->first);
  size_t n = cursors_from_counts(at, ranges, np, threads, out->first);
  out->order = xmalloc((n ? n : 1) * sizeof *out->order);
  const size_t step = 1u << 19; /* rows: 4 MB of the order */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t k = 0; k < n; k += step)
    alloc_populate(out->order + k, (n - k < step ? n - k : step) * sizeof *out->order);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t r = 0; r < ranges; r++) {
    uint32_t *cursor = at + r * np;
    for (size_t i = from[r]; i < from[r + 1]; i++)
      for (size_t j = 0; j < t->n_rows[i]; j++)
        out->order[cursor[t->rows[i][j].person]++] = (row_ref){(uint32_t)i, (uint32_t)j};
  }
  free(at);
  free(from);
}

/* The number maps, once every row carries its final number. */
static void free_numbers(people_assigner *a) {
  for (size_t q = 0; q < PEOPLE_PARTITIONS; q++) {
    free(a->part[q].number);
    a->part[q].number = NULL;
  }
}

/* Runs past 2^32 rows (place_people's cursors are 32 bits): every row's
 * final number and its place in its partition, from count[seg][partition],
 * then each partition ordered by person. */
static void order_by_partition(const row_table *t, people_assigner *a, int threads,
                               const size_t *count, const size_t *part_people, people_groups *out) {
  size_t n_segs = t->n_segs, P = PEOPLE_PARTITIONS;
  size_t *part_first = xcalloc(P + 1, sizeof *part_first),
         *at = xmalloc((n_segs * P + 1) * sizeof *at);
  group_offsets(count, n_segs, part_first, at);
  row_ref *by_part = xmalloc((out->n_rows ? out->n_rows : 1) * sizeof *by_part);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t i = 0; i < n_segs; i++)
    for (size_t j = 0; j < t->n_rows[i]; j++) {
      row_rec *r = &t->rows[i][j];
      uint32_t q = r->person >> LOCAL_BITS;
      r->person = (uint32_t)part_people[q] + a->part[q].number[r->person & LOCAL_MASK];
      by_part[at[i * P + q]++] = (row_ref){(uint32_t)i, (uint32_t)j};
    }
  free(at);
  free_numbers(a);
  group_order_people(t, threads, by_part, part_first, part_people, false, out);
  free(part_first);
}

void people_group_assigned(const row_table *t, people_assigner *a, int threads,
                           people_groups *out) {
  memset(out, 0, sizeof *out);
  size_t n_segs = t->n_segs, P = PEOPLE_PARTITIONS;
  for (size_t i = 0; i < n_segs; i++) out->n_rows += t->n_rows[i];
  /* [seg][partition]: the rows of each, which only order_by_partition reads */
  size_t *count = out->n_rows < UINT32_MAX ? NULL : xcalloc(n_segs * P + 1, sizeof *count);
  size_t *part_people = xcalloc(P + 1, sizeof *part_people);
  number_people(a, t, threads, count, part_people); /* gives back the key maps' pages */
  if (out->n_rows < UINT32_MAX) {
    /* placed at once, in four ranges a thread while their counts (4 bytes a
     * person a range) stay within a byte a row, else fewer */
    size_t np = part_people[P], ranges = 4 * (size_t)(threads > 0 ? threads : 1);
    while (ranges > 1 && ranges * np * 4 > out->n_rows) ranges--;
    place_people(t, a, threads, part_people, ranges, out);
    out->n_people = np;
    free_numbers(a);
  } else {
    order_by_partition(t, a, threads, count, part_people, out);
  }
  free(count);
  free(part_people);
}

void people_assigner_free(people_assigner *a) {
  if (!a) return;
  for (int q = 0; q < PEOPLE_PARTITIONS; q++) {
    omp_destroy_lock(&a->part[q].lock);
    key_map_free(&a->part[q].map);
    free(a->part[q].input_of);
    free(a->part[q].first_at);
    free(a->part[q].first);
    free(a->part[q].number);
  }
  free(a);
}
