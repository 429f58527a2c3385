/*
 * group.c — rows into people. Rows are spread over many more partitions
 * (by key) than threads; each partition numbers its people in first-seen
 * order and keeps their rows in input order, so grouping is parallel and
 * its result does not depend on the thread count. Statewide, a row copied
 * into several county files is then kept from the first file only.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "people/group_parts.h"

static inline row_rec *rec_of(const row_table *t, row_ref r) { return &t->rows[r.seg][r.j]; }

void group_starts(size_t *n, size_t k) {
  size_t total = 0;
  for (size_t i = 0; i < k; i++) {
    size_t c = n[i];
    n[i] = total;
    total += c;
  }
  n[k] = total;
}

void group_offsets(const size_t *count, size_t n_segs, size_t *part_first, size_t *at) {
  size_t pos = 0, P = PEOPLE_PARTITIONS;
  for (size_t q = 0; q < P; q++) {
    part_first[q] = pos;
    for (size_t i = 0; i < n_segs; i++) {
      at[i * P + q] = pos;
      pos += count[i * P + q];
    }
  }
  part_first[P] = pos;
}

void group_order_people(const row_table *t, int threads, row_ref *by_part, const size_t *part_first,
                        const size_t *part_people, bool add_base, people_groups *out) {
  size_t P = PEOPLE_PARTITIONS, np = part_people[P], n_rows = part_first[P];
  out->n_people = np;
  out->first = xcalloc(np + 1, sizeof *out->first);
  /* a partition's people take the same places in order as its rows in
   * by_part: each partition is reordered in place, through a copy of its
   * own rows only, so the whole list is never held twice */
  out->order = by_part;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t q = 0; q < P; q++) {
    size_t base = part_people[q], n_local = part_people[q + 1] - base;
    size_t from = part_first[q], n = part_first[q + 1] - from;
    size_t *fill = xcalloc(n_local + 1, sizeof *fill);
    row_ref *rows = xmalloc((n ? n : 1) * sizeof *rows);
    memcpy(rows, by_part + from, n * sizeof *rows);
    /* each row's local number, read once: the rows are all over memory */
    uint32_t *local = xmalloc((n ? n : 1) * sizeof *local);
    uint32_t above = add_base ? 0 : (uint32_t)base; /* what a row's number has above it */
    for (size_t k = 0; k < n; k++) {
      if (k + 8 < n) __builtin_prefetch(rec_of(t, rows[k + 8]));
      row_rec *r = rec_of(t, rows[k]);
      local[k] = r->person - above;
      if (add_base) r->person += (uint32_t)base;
      fill[local[k] + 1]++;
    }
    for (size_t p = 0; p < n_local; p++) fill[p + 1] += fill[p];
    for (size_t p = 0; p < n_local; p++) out->first[base + p] = from + fill[p];
    for (size_t k = 0; k < n; k++) out->order[from + fill[local[k]]++] = rows[k];
    free(local);
    free(rows);
    free(fill);
  }
  out->first[np] = n_rows;
}

void people_group(const row_table *t, int threads, people_groups *out) {
  memset(out, 0, sizeof *out);
  size_t n_segs = t->n_segs, P = PEOPLE_PARTITIONS, n_rows = 0;
  for (size_t i = 0; i < n_segs; i++) n_rows += t->n_rows[i];
  out->n_rows = n_rows;
  size_t *count = xcalloc(n_segs * P + 1, sizeof *count); /* [seg][partition] */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t i = 0; i < n_segs; i++)
    for (size_t j = 0; j < t->n_rows[i]; j++) count[i * P + people_partition(t->keys[i][j])]++;
  size_t *part_first = xcalloc(P + 1, sizeof *part_first),
         *at = xmalloc((n_segs * P + 1) * sizeof *at);
  group_offsets(count, n_segs, part_first, at);
  row_ref *by_part = xmalloc((n_rows ? n_rows : 1) * sizeof *by_part);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t i = 0; i < n_segs; i++)
    for (size_t j = 0; j < t->n_rows[i]; j++)
      by_part[at[i * P + people_partition(t->keys[i][j])]++] = (row_ref){(uint32_t)i, (uint32_t)j};
  free(at);
  free(count);
  /* people of each partition, then their global numbers */
  size_t *part_people = xcalloc(P + 1, sizeof *part_people);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t q = 0; q < P; q++) {
    size_t n = part_first[q + 1] - part_first[q];
    relief_key_map people;
    key_map_init(&people, n / 8 + 16);
    /* a person's rows of one file are next to each other here: only a key
     * other than the row before's is looked up */
    XXH128_hash_t last = {0, 0};
    uint32_t person = 0;
    for (size_t k = part_first[q]; k < part_first[q + 1]; k++) {
      XXH128_hash_t key = t->keys[by_part[k].seg][by_part[k].j];
      if (k == part_first[q] || !person_key_equal(key, last)) {
        last = key;
        person = key_map_get(&people, key);
      }
      rec_of(t, by_part[k])->person = person;
    }
    part_people[q] = people.n;
    key_map_free(&people);
  }
  group_starts(part_people, P);
  group_order_people(t, threads, by_part, part_first, part_people, true, out);
  free(part_first);
  free(part_people);
}

/* One person's rows, as people_drop_copies compares them. */
typedef struct {
  uint64_t content;
  int input;
  bool kept, copy;
} copy_probe;

int64_t people_drop_copies(const row_table *t, const people_groups *g, int threads) {
  /* copies are always the same person's rows, so this is decided person
   * by person; each row's input and content are read once into the
   * thread's probes, not again for every later row compared with it */
  int64_t dropped = 0;
#pragma omp parallel reduction(+ : dropped) num_threads(threads)
  {
    copy_probe *probe = NULL;
    size_t cap = 0;
#pragma omp for schedule(dynamic, 256)
    for (size_t p = 0; p < g->n_people; p++) {
      const row_ref *refs = g->order + g->first[p];
      size_t n = g->first[p + 1] - g->first[p];
      int first_input = t->input_of_seg[refs[0].seg];
      if (t->input_of_seg[refs[n - 1].seg] == first_input) continue; /* one file only */
      if (n > cap) {
        cap = n * 2;
        probe = xreallocarray(probe, cap, sizeof *probe);
      }
      for (size_t k = 0; k < n; k++) {
        copy_probe *c = &probe[k];
        c->input = t->input_of_seg[refs[k].seg];
        /* a person in several inputs has every row's content kept */
        c->kept = row_content(t, refs[k], &c->content);
        row_rec *r = rec_of(t, refs[k]);
        c->copy = (r->flags & ROW_DUPLICATE) != 0;
        if (!c->kept) continue;
        for (size_t e = 0; e < k; e++) {
          if (probe[e].input == c->input) break; /* rows are in input order */
          if (!probe[e].copy && probe[e].kept && probe[e].content == c->content) {
            c->copy = true;
            r->flags |= ROW_DUPLICATE;
            dropped++;
            break;
          }
        }
      }
    }
    free(probe);
  }
  return dropped;
}

void people_groups_free(people_groups *g) {
  free(g->first);
  free(g->order);
  memset(g, 0, sizeof *g);
}
