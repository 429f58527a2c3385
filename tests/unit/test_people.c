/*
 * test_people.c — recognising people: identifier trimming, the statewide
 * person key and the row content hash, grouping rows into people whatever
 * the segments and threads, dropping copies of rows across input files, and
 * building one person's history (eligibility spec §2) from their rows.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doj/doj.h"
#include "common/alloc.h"
#include "people/people.h"

/* ---- helpers ---- */

/* A 95-field CSV line: every field empty except the (column, raw text)
 * pairs given, ended by -1. The raw text is written as is (quotes included). */
static char *csv_line(int first_col, ...) {
  const char *cells[RELIEF_NCOLS] = {0};
  va_list ap;
  va_start(ap, first_col);
  for (int col = first_col; col >= 0; col = va_arg(ap, int)) cells[col] = va_arg(ap, const char *);
  va_end(ap);
  static char buf[8][4096];
  static int next;
  char *out = buf[next++ % 8];
  size_t o = 0;
  for (int i = 0; i < RELIEF_NCOLS; i++) {
    if (i) out[o++] = ',';
    const char *c = cells[i] ? cells[i] : "";
    size_t n = strlen(c);
    memcpy(out + o, c, n);
    o += n;
  }
  out[o++] = '\n';
  out[o] = 0;
  return out;
}

static void parse(const char *text, relief_field f[RELIEF_NCOLS]) {
  size_t pos = 0, start;
  relief_parse_error perr;
  cr_assert_eq(parse_row(text, strlen(text), &pos, f, &start, &perr), 1,
               "the test row does not parse (code %d)", perr.code);
}

static XXH128_hash_t merged_key(const char *line) {
  relief_field f[RELIEF_NCOLS];
  field_scratch s = {0};
  parse(line, f);
  XXH128_hash_t k = person_key_merged(f, &s);
  field_scratch_free(&s);
  return k;
}

static uint64_t content_hash(const char *line) {
  relief_field f[RELIEF_NCOLS];
  field_scratch buf = {0}, s = {0};
  parse(line, f);
  uint64_t h = row_content_hash(f, &buf, &s);
  field_scratch_free(&buf);
  field_scratch_free(&s);
  return h;
}

static XXH128_hash_t key_of(const char *id) { return XXH3_128bits(id, strlen(id)); }

/* ---- keys ---- */

Test(person_id_trim, cuts_spaces_and_tabs_from_both_ends) {
  const char *s = " \t 1234 X\t \t";
  const char *v = s;
  size_t n = person_id_trim(&v, strlen(s));
  cr_assert_eq(n, 6);
  cr_assert_eq(v, s + 3);
  cr_assert_eq(memcmp(v, "1234 X", 6), 0);
}

Test(person_id_trim, leaves_an_identifier_without_blanks_alone) {
  const char *s = "A2001", *v = s;
  cr_assert_eq(person_id_trim(&v, 5), 5);
  cr_assert_eq(v, s);
}

Test(person_id_trim, makes_an_all_blank_identifier_empty) {
  const char *s = " \t\t ", *v = s;
  cr_assert_eq(person_id_trim(&v, 4), 0);
}

Test(person_id_trim, keeps_other_whitespace) {
  const char *s = "\n12\r", *v = s;
  cr_assert_eq(person_id_trim(&v, 4), 4, "only spaces and tabs are blanks");
}

Test(person_key_merged, uses_the_cii_number_first) {
  XXH128_hash_t k =
      merged_key(csv_line(RELIEF_COL_CII_NUMBER, " A100 ", RELIEF_COL_SUBJECT_ID, "S1",
                          RELIEF_COL_PRI_NAME, "\"DOE,JOHN\"", RELIEF_COL_PRI_DOB, "19600101", -1));
  XXH128_hash_t want = XXH3_128bits_withSeed("A100", 4, 1);
  cr_assert(XXH128_isEqual(k, want), "the CII number (trimmed) with seed 1");
  /* another SUBJECT_ID, same CII: same person */
  XXH128_hash_t k2 =
      merged_key(csv_line(RELIEF_COL_CII_NUMBER, "A100", RELIEF_COL_SUBJECT_ID, "S2", -1));
  cr_assert(XXH128_isEqual(k, k2));
}

Test(person_key_merged, falls_back_to_subject_id_when_the_cii_is_blank) {
  XXH128_hash_t k =
      merged_key(csv_line(RELIEF_COL_CII_NUMBER, " \t ", RELIEF_COL_SUBJECT_ID, "\tS77 ", -1));
  cr_assert(XXH128_isEqual(k, XXH3_128bits_withSeed("S77", 3, 2)));
}

Test(person_key_merged, falls_back_to_name_letters_and_birth_date) {
  XXH128_hash_t k = merged_key(
      csv_line(RELIEF_COL_PRI_NAME, "\"Doe, John 3rd.\"", RELIEF_COL_PRI_DOB, " 19600101 ", -1));
  /* letters upper-cased and commas kept; spaces, digits and dots dropped */
  const char *want = "DOE,JOHNRD|19600101";
  cr_assert(XXH128_isEqual(k, XXH3_128bits_withSeed(want, strlen(want), 3)));
  XXH128_hash_t same = merged_key(
      csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHN RD\"", RELIEF_COL_PRI_DOB, "19600101", -1));
  cr_assert(XXH128_isEqual(k, same), "spelling variants of one name are one person");
  XXH128_hash_t other_dob = merged_key(
      csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHN RD\"", RELIEF_COL_PRI_DOB, "19600102", -1));
  cr_assert_not(XXH128_isEqual(k, other_dob));
}

Test(person_key_merged, the_three_kinds_never_collide_for_the_same_text) {
  XXH128_hash_t by_cii = merged_key(csv_line(RELIEF_COL_CII_NUMBER, "ABC|", -1));
  XXH128_hash_t by_subject = merged_key(csv_line(RELIEF_COL_SUBJECT_ID, "ABC|", -1));
  XXH128_hash_t by_name = merged_key(csv_line(RELIEF_COL_PRI_NAME, "ABC", -1));
  cr_assert_not(XXH128_isEqual(by_cii, by_subject));
  cr_assert_not(XXH128_isEqual(by_cii, by_name));
  cr_assert_not(XXH128_isEqual(by_subject, by_name));
  /* and none of them is the run mode's plain SUBJECT_ID key */
  cr_assert_not(XXH128_isEqual(by_subject, person_key_subject("ABC|", 4)));
}

Test(row_content_hash, equal_for_equal_values_however_quoted) {
  char plain[4096], quoted[4096], crlf[4096];
  snprintf(plain, sizeof plain, "%s",
           csv_line(0, "1", RELIEF_COL_SUBJECT_ID, "S1", RELIEF_COL_PRI_NAME, "DOE JOHN",
                    RELIEF_COL_CNT_ORDER, "101001001000", RELIEF_COL_COMMENT_TEXT,
                    "\"SAID \"\"HI\"\"\"", -1));
  snprintf(quoted, sizeof quoted, "%s",
           csv_line(0, "\"1\"", RELIEF_COL_SUBJECT_ID, "\"S1\"", RELIEF_COL_PRI_NAME,
                    "\"DOE JOHN\"", RELIEF_COL_CNT_ORDER, "\"101001001000\"", 90, "\"\"",
                    RELIEF_COL_COMMENT_TEXT, "\"SAID \"\"HI\"\"\"", -1));
  uint64_t a = content_hash(plain), b = content_hash(quoted);
  cr_assert_eq(a, b, "quoting changes no value, so not the hash");
  /* a CRLF line end changes no value either */
  size_t n = strlen(plain);
  memcpy(crlf, plain, n - 1);
  memcpy(crlf + n - 1, "\r\n", 3);
  cr_assert_eq(content_hash(crlf), a);
}

Test(row_content_hash, an_unquoted_row_hashed_in_place_equals_its_quoted_copy) {
  /* the fast path hashes an unquoted row's bytes where they lie; a copy
   * with quoted fields (and no comma in any value) must give the same */
  char plain[4096];
  snprintf(plain, sizeof plain, "%s",
           csv_line(0, "1", RELIEF_COL_SUBJECT_ID, "S1", RELIEF_COL_PRI_NAME, "DOE JOHN", -1));
  uint64_t a = content_hash(plain);
  uint64_t b = content_hash(
      csv_line(0, "1", RELIEF_COL_SUBJECT_ID, "\"S1\"", RELIEF_COL_PRI_NAME, "\"DOE JOHN\"", -1));
  cr_assert_eq(a, b);
  uint64_t c = content_hash(
      csv_line(0, "1", RELIEF_COL_SUBJECT_ID, "S1", RELIEF_COL_PRI_NAME, "DOE JOHNN", -1));
  cr_assert_neq(a, c);
}

Test(row_content_hash, commas_inside_values_keep_the_values_apart) {
  uint64_t a = content_hash(csv_line(3, "\"A,B\"", 4, "C", -1));
  uint64_t b = content_hash(csv_line(3, "A", 4, "\"B,C\"", -1));
  uint64_t c = content_hash(csv_line(3, "\"A,B\"", 4, "\"C\"", -1));
  cr_assert_neq(a, b);
  cr_assert_eq(a, c);
}

Test(row_content_hash, a_quoted_value_with_a_comma_hashed_in_place_equals_its_escaped_copy) {
  /* "DOE,JOHN" is hashed where it lies; the same value with a doubled
   * quote elsewhere in the row (the slow path) must give the same hash */
  uint64_t a = content_hash(csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHN\"", 90, "\"X\"\"Y\"", -1));
  uint64_t b =
      content_hash(csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHN\"", 90, "\"X\"\"Y\"", 91, "\"\"", -1));
  uint64_t c = content_hash(csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHN\"", 90, "\"X\"\"Y\"", -1));
  cr_assert_eq(a, b);
  cr_assert_eq(a, c);
  uint64_t d = content_hash(csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHN\"", -1));
  uint64_t e = content_hash(csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHN\"", 91, "\"\"", -1));
  cr_assert_eq(d, e, "an empty quoted value is an empty value");
  uint64_t g = content_hash(csv_line(RELIEF_COL_PRI_NAME, "\"DOE,JOHNN\"", -1));
  cr_assert_neq(d, g);
}

Test(row_content_hash, differs_when_one_value_differs) {
  uint64_t a =
      content_hash(csv_line(RELIEF_COL_SUBJECT_ID, "S1", RELIEF_COL_CNT_ORDER, "101001001000", -1));
  uint64_t b =
      content_hash(csv_line(RELIEF_COL_SUBJECT_ID, "S1", RELIEF_COL_CNT_ORDER, "101001002000", -1));
  cr_assert_neq(a, b);
  /* length prefixes: moving a character from one field to the next changes it */
  uint64_t c = content_hash(csv_line(3, "AB", 4, "C", -1));
  uint64_t d = content_hash(csv_line(3, "A", 4, "BC", -1));
  cr_assert_neq(c, d);
}

/* ---- grouping ---- */

/* A row table built from per-row person ids, split into segments of the
 * given sizes; input_of[seg] and content per row optional. */
typedef struct {
  row_rec *rows[8];
  XXH128_hash_t *keys[8];
  uint64_t *content[8];
  size_t n_rows[8];
  int input_of[8];
  const char *ofns[8];
  row_table t;
} table;

static void table_make(table *tb, const char *const *ids, const uint64_t *content, size_t n,
                       const size_t *seg_sizes, size_t n_segs, const int *input_of) {
  memset(tb, 0, sizeof *tb);
  size_t k = 0;
  for (size_t s = 0; s < n_segs; s++) {
    tb->n_rows[s] = seg_sizes[s];
    tb->rows[s] = calloc(seg_sizes[s] + 1, sizeof(row_rec));
    tb->keys[s] = calloc(seg_sizes[s] + 1, sizeof(XXH128_hash_t));
    tb->content[s] = calloc(seg_sizes[s] + 1, sizeof(uint64_t));
    tb->input_of[s] = input_of ? input_of[s] : 0;
    tb->ofns[s] = "";
    for (size_t j = 0; j < seg_sizes[s]; j++, k++) {
      tb->keys[s][j] = key_of(ids[k]);
      tb->content[s][j] = content ? content[k] : k;
      tb->rows[s][j].person = 0xDEADBEEF;
    }
  }
  cr_assert_eq(k, n);
  tb->t = (row_table){.n_segs = n_segs,
                      .rows = tb->rows,
                      .n_rows = tb->n_rows,
                      .keys = tb->keys,
                      .content = tb->content,
                      .input_of_seg = tb->input_of,
                      .ofns = tb->ofns};
}

static void table_free(table *tb) {
  for (size_t s = 0; s < tb->t.n_segs; s++) {
    free(tb->rows[s]);
    free(tb->keys[s]);
    free(tb->content[s]);
  }
}

/* The person of the k-th row in input order. */
static uint32_t person_of_row(const table *tb, size_t k) {
  for (size_t s = 0; s < tb->t.n_segs; s++) {
    if (k < tb->n_rows[s]) return tb->rows[s][k].person;
    k -= tb->n_rows[s];
  }
  cr_assert_fail("no row %zu", k);
  return 0;
}

static size_t index_of(const table *tb, row_ref r) {
  size_t k = r.j;
  for (uint32_t s = 0; s < r.seg; s++) k += tb->n_rows[s];
  return k;
}

/* Checks that first[]/order[] and row_rec.person agree and that each
 * person's rows are in input order; returns the people's rows as input
 * indices, person by person, in out (n_rows entries). */
static void check_groups(const table *tb, const people_groups *g, size_t n_rows, size_t *out) {
  cr_assert_eq(g->n_rows, n_rows);
  cr_assert_eq(g->first[0], 0);
  cr_assert_eq(g->first[g->n_people], n_rows);
  int *seen = calloc(n_rows, sizeof *seen);
  for (size_t p = 0; p < g->n_people; p++) {
    cr_assert_lt(g->first[p], g->first[p + 1], "person %zu has no rows", p);
    for (size_t k = g->first[p]; k < g->first[p + 1]; k++) {
      row_ref r = g->order[k];
      cr_assert_lt(r.seg, tb->t.n_segs);
      cr_assert_lt(r.j, tb->n_rows[r.seg]);
      cr_assert_eq(tb->rows[r.seg][r.j].person, p, "row (%u,%u) in person %zu's list says %u",
                   r.seg, r.j, p, tb->rows[r.seg][r.j].person);
      size_t idx = index_of(tb, r);
      cr_assert_not(seen[idx]++, "row %zu listed twice", idx);
      if (k > g->first[p]) cr_assert_gt(idx, index_of(tb, g->order[k - 1]), "not in input order");
      out[k] = idx;
    }
  }
  free(seen);
}

static const char *const ids7[] = {"A", "B", "A", "C", "B", "A", "D"};

Test(people_group, gathers_each_persons_rows_in_input_order) {
  table tb;
  size_t sizes[] = {3, 2, 2};
  table_make(&tb, ids7, NULL, 7, sizes, 3, NULL);
  people_groups g;
  people_group(&tb.t, 1, &g);
  cr_assert_eq(g.n_people, 4);
  size_t order[7];
  check_groups(&tb, &g, 7, order);
  uint32_t a = person_of_row(&tb, 0), b = person_of_row(&tb, 1), c = person_of_row(&tb, 3),
           d = person_of_row(&tb, 6);
  cr_assert_eq(person_of_row(&tb, 2), a);
  cr_assert_eq(person_of_row(&tb, 5), a);
  cr_assert_eq(person_of_row(&tb, 4), b);
  cr_assert(a != b && a != c && a != d && b != c && b != d && c != d);
  size_t want_a[] = {0, 2, 5}, want_b[] = {1, 4};
  cr_assert_eq(g.first[a + 1] - g.first[a], 3);
  cr_assert_arr_eq(&order[g.first[a]], want_a, sizeof want_a);
  cr_assert_eq(g.first[b + 1] - g.first[b], 2);
  cr_assert_arr_eq(&order[g.first[b]], want_b, sizeof want_b);
  cr_assert_eq(order[g.first[c]], 3);
  cr_assert_eq(order[g.first[d]], 6);
  people_groups_free(&g);
  table_free(&tb);
}

Test(people_group, numbers_people_the_same_however_rows_are_split_and_threaded) {
  /* many people so that several partitions hold more than one */
  enum { N = 600 };
  char names[N][16];
  const char *ids[N];
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "P%d", (i * 7) % 211);
    ids[i] = names[i];
  }
  size_t one[] = {N}, three[] = {100, 1, 499}, five[] = {0, 250, 250, 50, 50};
  const size_t *splits[] = {one, three, five};
  size_t n_splits[] = {1, 3, 5};
  int threads[] = {1, 2, 4};
  uint32_t want[N];
  size_t want_people = 0, want_order[N], got_order[N];
  for (int s = 0; s < 3; s++)
    for (int th = 0; th < 3; th++) {
      table tb;
      table_make(&tb, ids, NULL, N, splits[s], n_splits[s], NULL);
      people_groups g;
      people_group(&tb.t, threads[th], &g);
      cr_assert_eq(g.n_people, 211);
      check_groups(&tb, &g, N, s == 0 && th == 0 ? want_order : got_order);
      for (size_t k = 0; k < N; k++) {
        if (s == 0 && th == 0)
          want[k] = person_of_row(&tb, k);
        else
          cr_assert_eq(person_of_row(&tb, k), want[k], "row %zu: split %d, %d threads", k, s,
                       threads[th]);
      }
      if (s == 0 && th == 0)
        want_people = g.n_people;
      else {
        cr_assert_eq(g.n_people, want_people);
        cr_assert_arr_eq(got_order, want_order, sizeof want_order);
      }
      people_groups_free(&g);
      table_free(&tb);
    }
}

/* people_group_assigned against people_group on n rows of `people` people
 * (row i is person (i * 13) % people), cut into segments of sizes[0..5),
 * assigned last segment first. ghost: a segment is assigned and then thrown
 * away (people_assigner_moved), so first rows are found from the table;
 * else the first rows noted while assigning are used. */
static void assigned_as_grouped(int n, int people, const size_t sizes[5], bool ghost) {
  char(*names)[16] = xmalloc((size_t)n * sizeof *names);
  const char **ids = xmalloc((size_t)n * sizeof *ids);
  for (int i = 0; i < n; i++) {
    snprintf(names[i], sizeof names[i], "P%d", (i * 13) % people);
    ids[i] = names[i];
  }
  size_t most = 0;
  for (int s = 0; s < 5; s++) most = sizes[s] > most ? sizes[s] : most;
  int threads[] = {1, 2, 4};
  for (int th = 0; th < 3; th++) {
    table want, got;
    table_make(&want, ids, NULL, (size_t)n, sizes, 5, NULL);
    table_make(&got, ids, NULL, (size_t)n, sizes, 5, NULL);
    people_groups gw, gg;
    people_group(&want.t, threads[th], &gw);
    people_assigner *a = people_assigner_new();
    if (ghost) {
      /* a thrown-away segment that had index 0: keys of people seen nowhere
       * else, and of two who are, whose rows must not count as their first
       * (P1's row here comes before its first in the table) */
      const char *ghost_ids[] = {"GHOST1", "P1", "GHOST2", "P0", "GHOST3"};
      row_rec rows[5];
      XXH128_hash_t ghost_keys[5];
      for (int k = 0; k < 5; k++) ghost_keys[k] = key_of(ghost_ids[k]);
      cr_assert(people_assign(a, ghost_keys, rows, 5, 0, 0, NULL));
      people_assigner_moved(a);
    }
    uint32_t *scratch = xmalloc((most + 1) * sizeof *scratch);
    for (int s = 4; s >= 0; s--) /* last segment first */
      cr_assert(
          people_assign(a, got.keys[s], got.rows[s], got.n_rows[s], s % 2, (size_t)s, scratch));
    free(scratch);
    cr_assert_not(people_assigner_full(a));
    people_group_assigned(&got.t, a, threads[th], &gg);
    people_assigner_free(a);
    cr_assert_eq(gg.n_people, gw.n_people);
    cr_assert_eq(gg.n_people, (size_t)people);
    size_t *ow = xmalloc((size_t)n * sizeof *ow), *og = xmalloc((size_t)n * sizeof *og);
    check_groups(&want, &gw, (size_t)n, ow);
    check_groups(&got, &gg, (size_t)n, og);
    for (size_t k = 0; k < (size_t)n; k++)
      cr_assert_eq(person_of_row(&got, k), person_of_row(&want, k), "row %zu, %d threads", k,
                   threads[th]);
    cr_assert_arr_eq(og, ow, (size_t)n * sizeof *ow);
    cr_assert_arr_eq(gg.order, gw.order, (size_t)n * sizeof *gw.order);
    cr_assert_arr_eq(gg.first, gw.first, (gw.n_people + 1) * sizeof *gw.first);
    free(ow);
    free(og);
    people_groups_free(&gw);
    people_groups_free(&gg);
    table_free(&want);
    table_free(&got);
  }
  free(names);
  free(ids);
}

Test(people_group, numbers_people_the_same_when_assigned_while_parsing) {
  /* people_group_assigned must give people_group's numbers and lists, in
   * whatever order the segments' keys were handed over, and keys whose rows
   * were all thrown away (a segment parsed again) must take no number */
  size_t sizes[] = {120, 0, 1, 379, 400};
  size_t more[] = {1000, 3, 997, 0, 2000};
  for (int ghost = 0; ghost < 2; ghost++) {
    assigned_as_grouped(900, 307, sizes, ghost); /* 3 rows a person: placed in one range */
    /* 40 rows a person, each in every segment: placed in 4, 8 and 10
     * ranges of segments, a person's rows from each range after the last's */
    assigned_as_grouped(4000, 100, more, ghost);
  }
}

Test(people_group, an_empty_table_has_no_people) {
  table tb;
  size_t sizes[] = {0, 0};
  table_make(&tb, NULL, NULL, 0, sizes, 2, NULL);
  people_groups g;
  people_group(&tb.t, 2, &g);
  cr_assert_eq(g.n_people, 0);
  cr_assert_eq(g.n_rows, 0);
  cr_assert_eq(g.first[0], 0);
  people_groups_free(&g);
  table_free(&tb);
}

/* ---- copies across inputs ---- */

Test(people_drop_copies, marks_a_copy_in_a_later_input_only) {
  /* input 0: A(c1) A(c2) B(c5) B(c5); input 1: A(c1) A(c3) B(c5) C(c1) */
  const char *ids[] = {"A", "A", "B", "B", "A", "A", "B", "C"};
  uint64_t content[] = {1, 2, 5, 5, 1, 3, 5, 1};
  size_t sizes[] = {2, 2, 4};
  int inputs[] = {0, 0, 1};
  table tb;
  table_make(&tb, ids, content, 8, sizes, 3, inputs);
  people_groups g;
  people_group(&tb.t, 2, &g);
  int64_t dropped = people_drop_copies(&tb.t, &g, 2);
  cr_assert_eq(dropped, 2);
  int want[8] = {0, 0, 0, 0, 1, 0, 1, 0};
  for (size_t k = 0; k < 8; k++) {
    size_t s = k < 2 ? 0 : k < 4 ? 1 : 2, j = k < 2 ? k : k < 4 ? k - 2 : k - 4;
    cr_assert_eq((tb.rows[s][j].flags & ROW_DUPLICATE) != 0, want[k], "row %zu", k);
  }
  people_groups_free(&g);
  table_free(&tb);
}

Test(people_drop_copies, keeps_equal_rows_within_one_input) {
  /* the same content twice in input 0, split over two segments */
  const char *ids[] = {"A", "A", "A"};
  uint64_t content[] = {9, 9, 9};
  size_t sizes[] = {1, 2};
  int inputs[] = {0, 0};
  table tb;
  table_make(&tb, ids, content, 3, sizes, 2, inputs);
  people_groups g;
  people_group(&tb.t, 1, &g);
  cr_assert_eq(people_drop_copies(&tb.t, &g, 1), 0);
  cr_assert_eq(tb.rows[0][0].flags & ROW_DUPLICATE, 0);
  cr_assert_eq(tb.rows[1][0].flags & ROW_DUPLICATE, 0);
  cr_assert_eq(tb.rows[1][1].flags & ROW_DUPLICATE, 0);
  people_groups_free(&g);
  table_free(&tb);
}

Test(people_drop_copies, a_third_input_copying_the_second_is_marked) {
  const char *ids[] = {"A", "A", "A"};
  uint64_t content[] = {1, 2, 2};
  size_t sizes[] = {1, 1, 1};
  int inputs[] = {0, 1, 2};
  table tb;
  table_make(&tb, ids, content, 3, sizes, 3, inputs);
  people_groups g;
  people_group(&tb.t, 1, &g);
  cr_assert_eq(people_drop_copies(&tb.t, &g, 1), 1);
  cr_assert_eq(tb.rows[1][0].flags & ROW_DUPLICATE, 0);
  cr_assert_eq(tb.rows[2][0].flags & ROW_DUPLICATE, ROW_DUPLICATE);
  people_groups_free(&g);
  table_free(&tb);
}

/* ---- a person's history ---- */

static const int64_t ns_per_day = 86400LL * 1000000000LL;

/* One segment of hand-made rows, all of one person. */
typedef struct {
  row_rec rows[16];
  size_t n;
  char ofns[256];
  size_t ofns_len;
  row_ref refs[16];
  row_rec *seg_rows[1];
  size_t n_rows[1];
  const char *seg_ofns[1];
  int input_of[1];
  row_table t;
} history_rows;

static row_rec *add_row(history_rows *h, uint16_t flags, uint64_t cnt, uint64_t step,
                        uint32_t cycle, const char *ofn) {
  row_rec *r = &h->rows[h->n];
  memset(r, 0, sizeof *r);
  r->flags = flags;
  r->cnt_key = cnt;
  r->step_key = step;
  (void)cycle; /* read off the step key (row_cycle_key) */
  if (ofn) {
    r->ofn_id = (uint32_t)h->ofns_len + 1;
    size_t n = strlen(ofn) + 1;
    memcpy(h->ofns + h->ofns_len, ofn, n);
    h->ofns_len += n;
  }
  h->refs[h->n] = (row_ref){0, (uint32_t)h->n};
  h->n++;
  return r;
}

static void history_table(history_rows *h) {
  h->seg_rows[0] = h->rows;
  h->n_rows[0] = h->n;
  h->seg_ofns[0] = h->ofns;
  h->t = (row_table){.n_segs = 1,
                     .rows = h->seg_rows,
                     .n_rows = h->n_rows,
                     .ofns = h->seg_ofns,
                     .input_of_seg = h->input_of};
}

Test(person_build, a_repeated_count_adds_its_sentence_to_the_most_recent_conviction) {
  history_rows h = {0};
  row_rec *r = add_row(&h, ROW_CONVICTED | ROW_COURT_ACTION, 11, 100, 1, NULL);
  r->disp_day = 1000;
  r->sentence_ns = 5;
  r->dob_day = -3000;
  r->county = 2;
  r = add_row(&h, ROW_CONVICTED | ROW_COURT_ACTION | ROW_FELONY, 12, 100, 1, NULL);
  r->disp_day = 2000;
  r->sentence_ns = 7;
  r->county = 3;
  r->class_id = 4;
  /* count 11 again: a further sentence part, added to count 12 (the most
   * recently added conviction), as the reference did */
  r = add_row(&h, ROW_CONVICTED | ROW_COURT_ACTION, 11, 100, 1, NULL);
  r->disp_day = 3000;
  r->sentence_ns = 1000;
  history_table(&h);
  person_history ph = {0};
  relief_person p;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert_eq(p.n_convictions, 2);
  cr_assert_eq(p.dob_day, -3000);
  cr_assert_eq(p.convictions[0].sentence_end_ns, (__int128)1000 * ns_per_day + 5);
  cr_assert_eq(p.convictions[1].sentence_end_ns, (__int128)2000 * ns_per_day + 7 + 1000);
  cr_assert_eq(p.convictions[0].row, 0);
  cr_assert_eq(p.convictions[1].row, 1);
  cr_assert_eq(p.convictions[0].felony, 0);
  cr_assert_eq(p.convictions[1].felony, 1);
  cr_assert_eq(p.convictions[0].county, 2);
  cr_assert_eq(p.convictions[1].county, 3);
  cr_assert_eq(p.convictions[1].class_id, 4);
  cr_assert_eq(p.convictions[1].disp_day, 2000);
  cr_assert_eq(p.convictions[1].step_key, 100);
  cr_assert_not(p.deceased);
  cr_assert_not(p.registered);
  person_history_free(&ph);
}

Test(person_build, case_numbers_are_kept_once_per_step_in_first_seen_order) {
  history_rows h = {0};
  add_row(&h, ROW_COURT_ACTION, 1, 100, 1, "500");
  add_row(&h, ROW_COURT_ACTION | ROW_CONVICTED, 2, 100, 1, "600");
  add_row(&h, ROW_COURT_ACTION, 3, 100, 1, "500"); /* repeat in the step */
  add_row(&h, ROW_COURT_ACTION, 4, 200, 2, "500"); /* same text, other step */
  add_row(&h, ROW_COURT_ACTION, 5, 200, 2, "600");
  add_row(&h, ROW_COURT_ACTION, 6, 200, 2, "600");
  add_row(&h, ROW_COURT_ACTION, 7, 200, 2, NULL);
  history_table(&h);
  person_history ph = {0};
  relief_person p;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert_eq(p.n_case_numbers, 4);
  uint64_t steps[] = {100, 100, 200, 200};
  const char *ofns[] = {"500", "600", "500", "600"};
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(p.case_numbers[i].step_key, steps[i], "case %d", i);
    cr_assert_str_eq(p.case_numbers[i].ofn, ofns[i], "case %d", i);
  }
  cr_assert_eq(p.n_convictions, 1);
  person_history_free(&ph);
}

Test(person_build, registration_and_death_notice_mark_the_person) {
  history_rows h = {0};
  add_row(&h, ROW_CONVICTED, 1, 100, 1, NULL);
  add_row(&h, ROW_REGISTRATION, 2, 200, 2, NULL);
  history_table(&h);
  person_history ph = {0};
  relief_person p;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert(p.registered);
  cr_assert_not(p.deceased);
  add_row(&h, ROW_DECEASED, 3, 300, 3, NULL);
  history_table(&h);
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert(p.registered);
  cr_assert(p.deceased);
  /* a new build starts from nothing */
  person_build(&h.t, h.refs, 1, &ph, &p);
  cr_assert_not(p.registered);
  cr_assert_not(p.deceased);
  cr_assert_eq(p.n_convictions, 1);
  person_history_free(&ph);
}

Test(person_build, a_row_with_empty_subject_id_starts_the_person_afresh) {
  history_rows h = {0};
  row_rec *r = add_row(&h, ROW_CONVICTED | ROW_COURT_ACTION | ROW_SUBJECT_EMPTY, 11, 100, 1, "A");
  r->dob_day = 10;
  r = add_row(&h, ROW_CONVICTED | ROW_COURT_ACTION | ROW_SUBJECT_EMPTY, 11, 100, 1, "B");
  r->dob_day = 20;
  r->sentence_ns = 3;
  history_table(&h);
  person_history ph = {0};
  relief_person p;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  /* the seen counts and case numbers were reset: count 11 is a new
   * conviction; the convictions themselves are kept */
  cr_assert_eq(p.n_convictions, 2);
  cr_assert_eq(p.convictions[1].row, 1);
  cr_assert_eq(p.convictions[1].sentence_end_ns, 3);
  cr_assert_eq(p.dob_day, 20, "the birth date of the last re-initialising row");
  cr_assert_eq(p.n_case_numbers, 1);
  cr_assert_str_eq(p.case_numbers[0].ofn, "B");
  /* without the flag, the same rows are one conviction with two parts */
  h.rows[0].flags &= (uint16_t)~ROW_SUBJECT_EMPTY;
  h.rows[1].flags &= (uint16_t)~ROW_SUBJECT_EMPTY;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert_eq(p.n_convictions, 1);
  cr_assert_eq(p.dob_day, 10);
  cr_assert_eq(p.n_case_numbers, 2);
  person_history_free(&ph);
}

Test(person_build, skips_rows_marked_as_copies) {
  history_rows h = {0};
  add_row(&h, ROW_CONVICTED | ROW_COURT_ACTION | ROW_DUPLICATE, 11, 100, 1, "A");
  add_row(&h, ROW_DECEASED | ROW_DUPLICATE, 12, 200, 2, NULL);
  add_row(&h, ROW_REGISTRATION | ROW_DUPLICATE, 13, 300, 3, NULL);
  add_row(&h, ROW_ARREST_PROP64 | ROW_DUPLICATE, 14, 400, 4, NULL);
  row_rec *r = add_row(&h, ROW_CONVICTED, 15, 400, 4, NULL);
  r->dob_day = 77;
  history_table(&h);
  h.rows[0].dob_day = 55;
  person_history ph = {0};
  relief_person p;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert_eq(p.n_convictions, 1);
  cr_assert_eq(p.convictions[0].row, 4);
  cr_assert_eq(p.dob_day, 77, "the first row kept gives the birth date");
  cr_assert_eq(p.n_case_numbers, 0);
  cr_assert_not(p.deceased);
  cr_assert_not(p.registered);
  cr_assert_not(person_prop64_arrest_in_cycle(&ph, &p.convictions[0]));
  person_history_free(&ph);
}

Test(row_step_key, equal_exactly_when_the_first_six_characters_are) {
  cr_assert_eq(row_step_key("001002003", 9), row_step_key("001002999", 9));
  cr_assert_neq(row_step_key("001002003", 9), row_step_key("001003003", 9));
  /* a shorter text is another step, even where its bytes are a prefix or
   * the longer one goes on with a NUL byte */
  cr_assert_neq(row_step_key("00100", 5), row_step_key("001002", 6));
  cr_assert_neq(row_step_key("00100", 5), row_step_key("00100\0", 6));
  cr_assert_neq(row_step_key("", 0), row_step_key("\0", 1));
  cr_assert_eq(row_step_key("", 0), row_step_key("x", 0));
  /* every byte value counts, high bit set included */
  cr_assert_neq(row_step_key("\xff"
                             "01002",
                             6),
                row_step_key("\x7f"
                             "01002",
                             6));
}

Test(row_cycle_key, the_first_three_characters_of_the_step) {
  cr_assert_eq(row_cycle_key(row_step_key("001002", 6)), row_cycle_key(row_step_key("001999", 6)));
  cr_assert_eq(row_cycle_key(row_step_key("001002", 6)), row_cycle_key(row_step_key("001", 3)));
  cr_assert_neq(row_cycle_key(row_step_key("001002", 6)), row_cycle_key(row_step_key("002002", 6)));
  cr_assert_neq(row_cycle_key(row_step_key("00", 2)), row_cycle_key(row_step_key("00\0", 3)));
  cr_assert_neq(row_cycle_key(row_step_key("", 0)), row_cycle_key(row_step_key("\0", 1)));
}

Test(person_prop64_arrest_in_cycle, an_arrest_step_shares_its_cycle_with_the_court_steps) {
  history_rows h = {0};
  add_row(&h, ROW_ARREST_PROP64, 1, row_step_key("004001", 6), 0, NULL);
  add_row(&h, ROW_CONVICTED, 2, row_step_key("004002", 6), 0, NULL);
  add_row(&h, ROW_CONVICTED, 3, row_step_key("005002", 6), 0, NULL);
  history_table(&h);
  person_history ph = {0};
  relief_person p;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert_eq(p.n_convictions, 2);
  cr_assert(person_prop64_arrest_in_cycle(&ph, &p.convictions[0]));
  cr_assert_not(person_prop64_arrest_in_cycle(&ph, &p.convictions[1]));
  person_history_free(&ph);
}

Test(person_prop64_arrest_in_cycle, holds_only_for_a_conviction_in_the_arrests_cycle) {
  history_rows h = {0};
  add_row(&h, ROW_ARREST_PROP64, 1, 100, 7, NULL);
  add_row(&h, ROW_CONVICTED, 2, 100, 7, NULL);
  add_row(&h, ROW_CONVICTED, 3, 200, 8, NULL);
  add_row(&h, 0, 4, 300, 9, NULL); /* an arrest without a Prop 64 charge */
  add_row(&h, ROW_CONVICTED, 5, 300, 9, NULL);
  history_table(&h);
  person_history ph = {0};
  relief_person p;
  person_build(&h.t, h.refs, h.n, &ph, &p);
  cr_assert_eq(p.n_convictions, 3);
  cr_assert(person_prop64_arrest_in_cycle(&ph, &p.convictions[0]));
  cr_assert_not(person_prop64_arrest_in_cycle(&ph, &p.convictions[1]));
  cr_assert_not(person_prop64_arrest_in_cycle(&ph, &p.convictions[2]));
  /* the arrest cycles belong to one build: the next person starts without */
  person_build(&h.t, h.refs + 1, 1, &ph, &p);
  cr_assert_eq(p.n_convictions, 1);
  cr_assert_not(person_prop64_arrest_in_cycle(&ph, &p.convictions[0]));
  person_history_free(&ph);
}

Test(row_content_hash_canonical, is_libxxhash_xxh3_64_on_every_path_and_length) {
  static char text[1100];
  unsigned x = 7;
  for (size_t i = 0; i < sizeof text; i++) text[i] = (char)((x = x * 1103515245u + 12345u) >> 16);
  for (size_t n = 0; n <= sizeof text; n++) {
    cr_assert_eq(row_content_hash_canonical(text, n), XXH3_64bits(text, n), "length %zu", n);
#ifdef RELIEF_CONTENT_HASH_AVX2
    if (__builtin_cpu_supports("avx2"))
      cr_assert_eq(row_content_hash_avx2(text + 1, n - (n > 0)), XXH3_64bits(text + 1, n - (n > 0)),
                   "length %zu, unaligned", n);
#endif
  }
}

Test(people_several_inputs, only_a_person_with_rows_in_two_inputs) {
  people_assigner *a = people_assigner_new();
  const char *ids[] = {"ONE", "ONE", "BOTH", "TWICE"};
  XXH128_hash_t keys[4];
  row_rec first[4], second[2], third[1];
  for (int k = 0; k < 4; k++) keys[k] = key_of(ids[k]);
  cr_assert(people_assign(a, keys, first, 4, 0, 0, NULL));
  XXH128_hash_t later[2] = {key_of("BOTH"), key_of("OTHER")};
  cr_assert(people_assign(a, later, second, 2, 1, 1, NULL)); /* input 1 */
  XXH128_hash_t again[1] = {key_of("TWICE")};
  cr_assert(people_assign(a, again, third, 1, 0, 2, NULL)); /* input 0, another segment */
  cr_assert_not(people_several_inputs(a, first[0].person));
  cr_assert_not(people_several_inputs(a, first[1].person));
  cr_assert(people_several_inputs(a, first[2].person));
  cr_assert(people_several_inputs(a, second[0].person));
  cr_assert_not(people_several_inputs(a, second[1].person));
  cr_assert_not(people_several_inputs(a, first[3].person), "two segments of one input");
  cr_assert_not(people_several_inputs(a, third[0].person));
  people_assigner_free(a);
}
