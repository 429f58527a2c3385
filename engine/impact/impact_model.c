/*
 * impact_model.c — impact_build_model: turns the report JSON (the run's
 * summary plus "extra") into the report model in the words an office uses
 * (what changes for people, convictions by section and outcome, reasons,
 * per county for statewide runs); impact.c renders it as HTML and PDF.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "impact/impact_model.h"

/* ---- The model's memory: one arena, freed at once ---- */

typedef struct arena_chunk {
  struct arena_chunk *next;
  size_t used, cap;
  _Alignas(max_align_t) char data[];
} arena_chunk;

static void *arena_alloc(report_model *m, size_t n) {
  n = (n + 15) & ~(size_t)15;
  arena_chunk *c = m->arena;
  if (!c || c->used + n > c->cap) {
    size_t cap = n > 65536 ? n : 65536;
    arena_chunk *fresh = xmalloc(sizeof *fresh + cap);
    fresh->next = c;
    fresh->used = 0;
    fresh->cap = cap;
    m->arena = c = fresh;
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

static const char *arena_fmt(report_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *arena_fmt(report_model *m, const char *fmt, ...) {
  va_list ap;
  char probe[1];
  va_start(ap, fmt);
  int n = vsnprintf(probe, sizeof probe, fmt, ap);
  va_end(ap);
  char *s = arena_alloc(m, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

void impact_model_free(report_model *m) {
  for (arena_chunk *c = m->arena, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(m->blocks);
  memset(m, 0, sizeof *m);
}

static report_block *add_block(report_model *m, report_kind kind, int rows, int cols) {
  if (m->n_blocks == m->cap_blocks) {
    m->cap_blocks = m->cap_blocks ? 2 * m->cap_blocks : 32;
    m->blocks = xrealloc(m->blocks, (size_t)m->cap_blocks * sizeof *m->blocks);
  }
  report_block *b = &m->blocks[m->n_blocks++];
  memset(b, 0, sizeof *b);
  b->kind = kind;
  b->rows = rows;
  b->cols = cols;
  if (rows > 0 && cols > 0) b->cells = arena_alloc(m, (size_t)(rows * cols) * sizeof *b->cells);
  return b;
}

static void heading(report_model *m, int level, const char *text, const char *anchor) {
  report_block *b = add_block(m, REPORT_HEADING, 0, 0);
  b->level = level;
  b->text = text;
  b->anchor = anchor;
}

static void paragraph(report_model *m, const char *text) {
  add_block(m, REPORT_PARAGRAPH, 0, 0)->text = text;
}

static report_cell *cell(report_block *b, int row, int col) {
  return &b->cells[row * b->cols + col];
}

/* ---- Figures from the JSON ---- */

/* base + "/" + key as a JSON pointer (RFC 6901: ~ and / escaped). */
static const char *pointer(report_model *m, const char *base, const char *key) {
  size_t n = strlen(base) + 2 * strlen(key) + 2;
  char *p = arena_alloc(m, n), *o = p + strlen(base);
  memcpy(p, base, strlen(base));
  *o++ = '/';
  for (const char *k = key; *k; k++) {
    if (*k == '~' || *k == '/') {
      *o++ = '~';
      *o++ = *k == '~' ? '0' : '1';
    } else {
      *o++ = *k;
    }
  }
  *o = 0;
  return p;
}

/* A whole number with thousands separators: 1,234,567. */
static const char *thousands(report_model *m, long long v) {
  char digits[32], out[48];
  snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
  size_t n = strlen(digits), o = 0;
  if (v < 0) out[o++] = '-';
  for (size_t i = 0; i < n; i++) {
    if (i && (n - i) % 3 == 0) out[o++] = ',';
    out[o++] = digits[i];
  }
  out[o] = 0;
  return arena_fmt(m, "%s", out);
}

/* The number at parent[key] as a cell, or 0 when it is not a number. */
static int figure(report_model *m, report_cell *c, const json_t *parent, const char *base,
                  const char *key) {
  const json_t *v = json_object_get(parent, key);
  if (json_is_integer(v)) {
    c->text = thousands(m, (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    c->text = arena_fmt(m, "%.2f", json_real_value(v));
  } else {
    return 0;
  }
  c->value = json_number_value(v);
  c->key = pointer(m, base, key);
  return 1;
}

static void label(report_cell *c, const char *text) { c->text = text; }

static void absent(report_cell *c) { c->text = "\xe2\x80\x93"; /* en dash */ }

static int by_string(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Object keys, sorted, in an arena array (NULL when obj is not an object). */
static const char **sorted_keys(report_model *m, const json_t *obj, int *n) {
  *n = json_is_object(obj) ? (int)json_object_size(obj) : 0;
  const char **keys = arena_alloc(m, (size_t)(*n + 1) * sizeof *keys);
  int i = 0;
  const char *key;
  json_t *value;
  if (*n) json_object_foreach((json_t *)obj, key, value) keys[i++] = key;
  qsort(keys, (size_t)*n, sizeof *keys, by_string);
  return keys;
}

/* ---- Words ---- */

/* Eligibility determinations in the order a reader expects, with colours. */
static const struct {
  const char *name;
  unsigned color;
} outcomes[] = {
    {"Eligible for Dismissal", 0x1B7F5B},
    {"Eligible for Reduction", 0x2F6FB5},
    {"Hand Review", 0xD08C1F},
    {"To be reviewed by City Attorneys", 0x7B4FA0},
    {"Not eligible", 0xB23B3B},
    {"No determination", 0x8A8F98},
    {"Felony convictions", 0x8C2D04},
    {"Misdemeanor and infraction convictions", 0xF0A04B},
};
static const unsigned palette[] = {0x4E79A7, 0x59A14F, 0xE15759, 0x76B7B2, 0xEDC948, 0xB07AA1};

unsigned report_series_color(const char *name, int index) {
  for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
    if (!strcmp(outcomes[i].name, name)) return outcomes[i].color;
  return palette[(unsigned)index % (sizeof palette / sizeof palette[0])];
}

static int outcome_rank(const char *name) {
  for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
    if (!strcmp(outcomes[i].name, name)) return (int)i;
  return (int)(sizeof outcomes / sizeof outcomes[0]);
}

static int by_outcome(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  int rx = outcome_rank(x[0] ? x : "No determination"),
      ry = outcome_rank(y[0] ? y : "No determination");
  return rx != ry ? rx - ry : strcmp(x, y);
}

typedef struct {
  const char *key, *label;
} named;

static const named scenarios[] = {
    {"reliefWithCurrentEligibilityChoices", "With the county's current choices"},
    {"reliefWithDismissAllProp64", "If every Prop 64 conviction were dismissed"},
};
static const named relief_counts[] = {
    {"CountSubjectsNoFelony", "People who will no longer have a felony conviction"},
    {"CountSubjectsNoConviction", "People who will no longer have any conviction"},
    {"CountSubjectsNoConvictionLast7Years",
     "People who will have no conviction in the last 7 years"},
};
static const named conviction_figures[] = {
    {"subjectsWithProp64ConvictionCountInCounty", "People with a Prop 64 conviction"},
    {"subjectsWithSomeReliefCount", "People who get some relief (a dismissal or a reduction)"},
    {"prop64FelonyConvictionsCountInCounty", "Prop 64 felony convictions"},
    {"prop64NonFelonyConvictionsCountInCounty", "Prop 64 misdemeanor and infraction convictions"},
};
enum { N_SCENARIOS = 2, N_RELIEF_COUNTS = 3, N_CONVICTION_FIGURES = 4 };

/* ---- Sections of the report ---- */

/* Headline figures under the current choices, then both scenarios. */
static void people_blocks(report_model *m, const json_t *sum, const char *base, int level,
                          int statewide) {
  heading(m, level, "What changes for people", NULL);
  const json_t *current = json_object_get(sum, scenarios[0].key);
  const char *current_base = pointer(m, base, scenarios[0].key);
  report_cell names[N_RELIEF_COUNTS + 1] = {{0}}, figures[N_RELIEF_COUNTS + 1] = {{0}};
  int cols = 0;
  for (int i = 0; i < N_RELIEF_COUNTS; i++)
    if (figure(m, &figures[cols], current, current_base, relief_counts[i].key))
      label(&names[cols++], relief_counts[i].label);
  if (figure(m, &figures[cols], sum, base, conviction_figures[1].key))
    label(&names[cols++], conviction_figures[1].label);
  if (cols) {
    report_block *fig = add_block(m, REPORT_FIGURES, 2, cols);
    memcpy(cell(fig, 0, 0), names, (size_t)cols * sizeof *names);
    memcpy(cell(fig, 1, 0), figures, (size_t)cols * sizeof *figures);
  }

  report_block *t = add_block(m, REPORT_TABLE, 1 + N_RELIEF_COUNTS, 1 + N_SCENARIOS);
  t->text = "People whose records change, under each choice";
  label(cell(t, 0, 0), "");
  for (int s = 0; s < N_SCENARIOS; s++) label(cell(t, 0, s + 1), scenarios[s].label);
  if (statewide) label(cell(t, 0, 1), "With each county's current choices");
  for (int r = 0; r < N_RELIEF_COUNTS; r++) {
    label(cell(t, r + 1, 0), relief_counts[r].label);
    for (int s = 0; s < N_SCENARIOS; s++) {
      const json_t *scenario = json_object_get(sum, scenarios[s].key);
      if (!figure(m, cell(t, r + 1, s + 1), scenario, pointer(m, base, scenarios[s].key),
                  relief_counts[r].key))
        absent(cell(t, r + 1, s + 1));
    }
  }
}

/* "1979-06-01T00:00:00Z" as 06/01/1979. */
static const char *us_date_of(report_model *m, const char *rfc3339) {
  int y, mo, d;
  if (sscanf(rfc3339, "%d-%d-%d", &y, &mo, &d) != 3) return rfc3339;
  if (y == 1 && mo == 1 && d == 1) return "01/01/0001 (a conviction with no known date)";
  return arena_fmt(m, "%02d/%02d/%04d", mo, d, y);
}

static void conviction_blocks(report_model *m, const json_t *sum, const char *base,
                              const json_t *extra, int level) {
  heading(m, level, "Prop 64 convictions", NULL);
  report_block *t = add_block(m, REPORT_TABLE, 1 + N_CONVICTION_FIGURES + 4, 2);
  t->text = json_is_true(json_object_get(extra, "statewide"))
                ? "People and Prop 64 convictions statewide (each person once): felonies, "
                  "misdemeanors and infractions"
                : "People and Prop 64 convictions in the county: felonies, misdemeanors and "
                  "infractions";
  label(cell(t, 0, 0), "");
  label(cell(t, 0, 1), "Count");
  int row = 1;
  for (int i = 0; i < N_CONVICTION_FIGURES; i++)
    if (figure(m, cell(t, row, 1), sum, base, conviction_figures[i].key))
      label(cell(t, row++, 0), conviction_figures[i].label);
  if (extra && figure(m, cell(t, row, 1), extra, "/extra", "handReview"))
    label(cell(t, row++, 0), "Convictions that need a hand review (the review's hand-review "
                             "items: relief whose charge or date is unknown included)");
  if (!extra && figure(m, cell(t, row, 1), sum, base, "lineCount")) /* a county's own rows */
    label(cell(t, row++, 0), "Input rows read");
  const json_t *earliest = json_object_get(sum, "earliestConviction");
  const json_t *subjects = json_object_get(sum, conviction_figures[0].key);
  if (json_is_string(earliest)) {
    report_cell *c = cell(t, row, 1);
    label(cell(t, row++, 0), "Earliest Prop 64 conviction");
    const json_t *known = json_object_get(extra, "earliestKnownConviction");
    int y, mo, d;
    bool unknown = sscanf(json_string_value(earliest), "%d-%d-%d", &y, &mo, &d) == 3 && y == 1 &&
                   mo == 1 && d == 1;
    if (json_is_integer(subjects) && json_integer_value(subjects) == 0) {
      c->text = "none"; /* the summary then holds the run's clock, not a conviction */
    } else if (unknown && json_is_string(known)) {
      /* 01/01/0001 stands for a conviction without a date: show the earliest
       * known one, and say that some dates are unknown */
      c->text = us_date_of(m, json_string_value(known));
      c->key = "/extra/earliestKnownConviction";
      label(cell(t, row, 0), "Convictions without a known date");
      if (!figure(m, cell(t, row, 1), extra, "/extra", "convictionsWithoutKnownDate"))
        label(cell(t, row, 1), "some (not counted in this report's data)");
      row++;
    } else if (unknown) {
      c->text = "unknown (no conviction has a known date)";
    } else {
      c->text = us_date_of(m, json_string_value(earliest));
      c->key = pointer(m, base, "earliestConviction");
    }
  }
  t->rows = row;
}

/* Convictions by code section and determination: a table and a chart. */
static void outcome_blocks(report_model *m, const json_t *sum, const char *base,
                           const json_t *extra, int level) {
  const json_t *by = json_object_get(extra, "convictionsBySectionAndOutcome");
  const json_t *totals = json_object_get(sum, "prop64ConvictionsCountInCountyByCodeSection");
  const char *totals_base = pointer(m, base, "prop64ConvictionsCountInCountyByCodeSection");
  int n_sections, n_totals;
  const char **sections = sorted_keys(m, by, &n_sections);
  const char **total_keys = sorted_keys(m, totals, &n_totals);
  if (!n_sections) { /* a county of a statewide run: the section counts only */
    if (!n_totals) return;
    heading(m, level, "Prop 64 convictions by code section", NULL);
    report_block *t = add_block(m, REPORT_TABLE, 1 + n_totals, 2);
    label(cell(t, 0, 0), "Code section");
    label(cell(t, 0, 1), "Convictions");
    for (int i = 0; i < n_totals; i++) {
      label(cell(t, i + 1, 0), arena_fmt(m, "HS\xc2\xa0%s", total_keys[i]));
      if (!figure(m, cell(t, i + 1, 1), totals, totals_base, total_keys[i]))
        absent(cell(t, i + 1, 1));
    }
    return;
  }
  /* the determinations seen in any section, in reading order */
  const char **dets = arena_alloc(m, 64 * sizeof *dets);
  int n_dets = 0;
  for (int s = 0; s < n_sections; s++) {
    int n;
    const char **keys = sorted_keys(m, json_object_get(by, sections[s]), &n);
    for (int k = 0; k < n && n_dets < 64; k++) {
      int seen = 0;
      for (int d = 0; d < n_dets && !seen; d++) seen = !strcmp(dets[d], keys[k]);
      if (!seen) dets[n_dets++] = keys[k];
    }
  }
  qsort(dets, (size_t)n_dets, sizeof *dets, by_outcome);

  heading(m, level, "Convictions by code section and outcome", NULL);
  add_block(m, REPORT_TABLE, 1 + n_sections, 2 + n_dets);
  add_block(m, REPORT_CHART, 1 + n_sections, 1 + n_dets);
  report_block *t = &m->blocks[m->n_blocks - 2], *chart = &m->blocks[m->n_blocks - 1];
  t->text = json_is_true(json_object_get(extra, "statewide"))
                ? "Every Prop 64 conviction in the counties decided (felonies, misdemeanors and "
                  "infractions), by code section and outcome"
                : "Every Prop 64 conviction in the county (felonies, misdemeanors and "
                  "infractions), by code section and outcome";
  chart->text = "Convictions by code section, by outcome";
  label(cell(t, 0, 0), "Code section");
  label(cell(chart, 0, 0), "Code section");
  for (int d = 0; d < n_dets; d++) {
    const char *name = dets[d][0] ? dets[d] : "No determination";
    label(cell(t, 0, d + 1), name);
    label(cell(chart, 0, d + 1), name);
  }
  label(cell(t, 0, n_dets + 1), "All Prop 64 convictions");
  for (int s = 0; s < n_sections; s++) {
    const json_t *row = json_object_get(by, sections[s]);
    const char *row_base = pointer(m, "/extra/convictionsBySectionAndOutcome", sections[s]);
    const char *name = arena_fmt(m, "HS\xc2\xa0%s", sections[s]);
    label(cell(t, s + 1, 0), name);
    label(cell(chart, s + 1, 0), name);
    for (int d = 0; d < n_dets; d++) {
      if (!figure(m, cell(t, s + 1, d + 1), row, row_base, dets[d])) absent(cell(t, s + 1, d + 1));
      *cell(chart, s + 1, d + 1) = *cell(t, s + 1, d + 1);
    }
    if (!figure(m, cell(t, s + 1, n_dets + 1), totals, totals_base, sections[s]))
      absent(cell(t, s + 1, n_dets + 1));
  }
}

/* Dismissals and reductions by the reason that decided them. */
static void reason_blocks(report_model *m, const json_t *sum, const char *base, int level) {
  static const struct {
    const char *key, *before, *after; /* the label is before + key + after */
  } groups[] = {
      {"convictionDismissalCountByCodeSection", "Dismissed: all HS ", " convictions"},
      {"convictionReductionCountByCodeSection", "Reduced: all HS ", " convictions"},
      {"convictionDismissalCountByAdditionalRelief", "Dismissed: ", ""},
  };
  int total = 0;
  for (size_t g = 0; g < 3; g++)
    total += (int)json_object_size(json_object_get(sum, groups[g].key));
  heading(m, level, "Dismissals and reductions by reason", NULL);
  if (!total) {
    paragraph(m, "No conviction was dismissed or reduced under a code-section choice or an "
                 "additional-relief option.");
    return;
  }
  report_block *t = add_block(m, REPORT_TABLE, 1 + total, 2);
  t->text = "Felony convictions only, by the choice that decided them (every misdemeanor and "
            "infraction is dismissed as such and is counted in the tables above)";
  label(cell(t, 0, 0), "Reason");
  label(cell(t, 0, 1), "Convictions");
  int row = 1;
  for (size_t g = 0; g < 3; g++) {
    const json_t *obj = json_object_get(sum, groups[g].key);
    const char *obj_base = pointer(m, base, groups[g].key);
    int n;
    const char **keys = sorted_keys(m, obj, &n);
    for (int k = 0; k < n; k++, row++) {
      label(cell(t, row, 0), arena_fmt(m, "%s%s%s", groups[g].before, keys[k], groups[g].after));
      if (!figure(m, cell(t, row, 1), obj, obj_base, keys[k])) absent(cell(t, row, 1));
    }
  }
}

static void run_blocks(report_model *m, const json_t *sum, const json_t *extra) {
  heading(m, 2, "About this run", NULL);
  report_block *t = add_block(m, REPORT_TABLE, 8, 2);
  t->text = "The input read and the time it took";
  label(cell(t, 0, 0), "");
  label(cell(t, 0, 1), "");
  int row = 1;
  static const struct {
    int from_extra;
    const char *key, *label;
  } rows[] = {
      {0, "lineCount", "Input rows read"},
      {0, "rows", "Rows in the input files"},
      {0, "duplicateRows", "Rows that repeat a row of another file (counted once)"},
      {0, "people", "People in the input"},
      {1, "people", "People in the input"},
  };
  int have_people = 0;
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int is_people = !strcmp(rows[i].key, "people");
    if (is_people && have_people) continue;
    const json_t *from = rows[i].from_extra ? extra : sum;
    if (figure(m, cell(t, row, 1), from, rows[i].from_extra ? "/extra" : "/summary", rows[i].key)) {
      label(cell(t, row++, 0), rows[i].label);
      have_people |= is_people;
    }
  }
  report_cell *c = cell(t, row, 1);
  if (figure(m, c, extra, "/extra", "inputBytes")) {
    label(cell(t, row++, 0), "Input size");
    c->text = arena_fmt(m, "%.0f", c->value);
    c->suffix = arena_fmt(m, " bytes (%.1f MB)", c->value / 1e6);
  }
  c = cell(t, row, 1);
  if (figure(m, c, extra, "/extra", "processingTimeInSeconds") ||
      figure(m, c, sum, "/summary", "processingTimeInSeconds")) {
    label(cell(t, row++, 0), "Processing time");
    c->suffix = " seconds";
  }
  t->rows = row;
}

/* "LOS ANGELES" -> "county-los-angeles" (an id for links inside the page). */
static const char *county_anchor(report_model *m, const char *county) {
  const char *a = arena_fmt(m, "county-%s", county);
  for (char *p = (char *)a + 7; *p; p++)
    *p = (*p >= 'A' && *p <= 'Z')                                 ? (char)(*p - 'A' + 'a')
         : ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) ? *p
                                                                  : '-';
  return a;
}

/* Statewide: one table and one chart over the counties, then each county. */
static void county_totals(report_model *m, report_block *t, int row, const json_t *sum,
                          const json_t *counties, const char **names, int n);

static void county_blocks(report_model *m, const json_t *sum_all, const json_t *counties) {
  int n;
  const char **names = sorted_keys(m, counties, &n);
  if (!n) return;
  heading(m, 2, "By county", NULL);
  paragraph(m, "Each county's own figures follow this table; select a county to go to them.");
  const struct { /* automatic: its initialisers read the tables above */
    const char *scenario, *key, *title;
  } cols[] = {
      {scenarios[0].key, relief_counts[0].key, "No longer a felony"},
      {scenarios[0].key, relief_counts[1].key, "No longer any conviction"},
      {scenarios[0].key, relief_counts[2].key, "No conviction in 7 years"},
      {NULL, conviction_figures[1].key, "People with some relief"},
      {NULL, conviction_figures[2].key, "Felony convictions"},
      {NULL, conviction_figures[3].key, "Misdemeanor and infraction convictions"},
  };
  enum { N_COLS = sizeof cols / sizeof cols[0] };
  add_block(m, REPORT_TABLE, 3 + n, 1 + N_COLS);
  add_block(m, REPORT_CHART, 1 + n, 3);
  report_block *t = &m->blocks[m->n_blocks - 2], *chart = &m->blocks[m->n_blocks - 1];
  t->text = "People whose records change, with each county's current choices; then the "
            "statewide figures (each person once) and the sum of the county figures (a person "
            "with convictions in several counties counted in each)";
  chart->text = "Prop 64 convictions by county";
  label(cell(t, 0, 0), "County");
  label(cell(chart, 0, 0), "County");
  label(cell(chart, 0, 1), outcomes[6].name);
  label(cell(chart, 0, 2), outcomes[7].name);
  for (int c = 0; c < N_COLS; c++) label(cell(t, 0, c + 1), cols[c].title);
  for (int i = 0; i < n; i++) {
    const json_t *sum = json_object_get(counties, names[i]);
    const char *base = pointer(m, "/summary/counties", names[i]);
    label(cell(t, i + 1, 0), names[i]);
    cell(t, i + 1, 0)->link = county_anchor(m, names[i]);
    label(cell(chart, i + 1, 0), names[i]);
    for (int c = 0; c < N_COLS; c++) {
      const json_t *from = cols[c].scenario ? json_object_get(sum, cols[c].scenario) : sum;
      const char *from_base = cols[c].scenario ? pointer(m, base, cols[c].scenario) : base;
      if (!figure(m, cell(t, i + 1, c + 1), from, from_base, cols[c].key))
        absent(cell(t, i + 1, c + 1));
    }
    *cell(chart, i + 1, 1) = *cell(t, i + 1, 5);
    *cell(chart, i + 1, 2) = *cell(t, i + 1, 6);
  }
  county_totals(m, t, n + 1, sum_all, counties, names, n);
  for (int i = 0; i < n; i++) {
    const json_t *sum = json_object_get(counties, names[i]);
    const char *base = pointer(m, "/summary/counties", names[i]);
    heading(m, 3, arena_fmt(m, "%s County", names[i]), county_anchor(m, names[i]));
    people_blocks(m, sum, base, 4, 0);
    conviction_blocks(m, sum, base, NULL, 4);
    outcome_blocks(m, sum, base, NULL, 4);
    reason_blocks(m, sum, base, 4);
  }
}

/* The county table's last two rows: the statewide figure of each column
 * (each person once) and the sum of the counties' (labelled as such). */
static void county_totals(report_model *m, report_block *t, int row, const json_t *sum,
                          const json_t *counties, const char **names, int n) {
  label(cell(t, row, 0), "Statewide (each person once)");
  label(cell(t, row + 1, 0), "Sum of the county figures (a person in several counties is "
                             "counted in each)");
  for (int c = 1; c < t->cols; c++) {
    /* the column's source: the key of its first figure, under a county's base */
    const char *key = NULL, *scenario = NULL;
    for (int i = 1; i <= n && !key; i++) {
      const char *k = cell(t, i, c)->key;
      const char *base = pointer(m, "/summary/counties", names[i - 1]);
      if (k && !strncmp(k, base, strlen(base)) && k[strlen(base)] == '/') key = k + strlen(base);
    }
    long long total = 0;
    for (int i = 0; i < n; i++) {
      const report_cell *v = cell(t, i + 1, c);
      if (v->key) total += (long long)v->value;
    }
    report_cell *s = cell(t, row + 1, c);
    s->text = thousands(m, total);
    s->value = (double)total;
    const char *slash = key ? strchr(key + 1, '/') : NULL;
    if (slash) scenario = arena_fmt(m, "%.*s", (int)(slash - key - 1), key + 1);
    const json_t *from = scenario ? json_object_get(sum, scenario) : sum;
    const char *from_base = scenario ? pointer(m, "/summary", scenario) : "/summary";
    if (!key || !figure(m, cell(t, row, c), from, from_base, slash ? slash + 1 : key + 1))
      absent(cell(t, row, c));
  }
  (void)counties;
}

/* "2024-01-31" as "January 31, 2024". */
static const char *long_date(report_model *m, const char *iso) {
  static const char *const months[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
  int y, mo, d;
  if (!iso || sscanf(iso, "%d-%d-%d", &y, &mo, &d) != 3 || mo < 1 || mo > 12) return iso;
  return arena_fmt(m, "%s %d, %d", months[mo - 1], d, y);
}

/* Who prepared the report, when, as of which date, with which choices. */
static void context_blocks(report_model *m, const json_t *extra, int statewide) {
  const char *office = json_string_value(json_object_get(extra, "office"));
  const char *run = json_string_value(json_object_get(extra, "runDate"));
  const char *compute = json_string_value(json_object_get(extra, "computeDate"));
  const char *preparer = json_string_value(json_object_get(extra, "preparer"));
  paragraph(m, arena_fmt(m, "Office: %s. Preparer: %s.", office ? office : "not given",
                         preparer ? preparer : "not given"));
  if (run || compute)
    paragraph(m, arena_fmt(m, "Run on %s. Eligibility decided as of %s.",
                           run ? long_date(m, run) : "an unrecorded date",
                           compute ? long_date(m, compute) : "an unrecorded date"));
  const json_t *words = json_object_get(extra, "optionsInWords");
  if (json_array_size(words)) {
    report_block *t = add_block(m, REPORT_TABLE, 1 + (int)json_array_size(words), 1);
    t->text = statewide ? "The choices for counties without a policy of their own"
                        : "The county's choices, in plain words";
    label(cell(t, 0, 0), "Choice");
    for (size_t i = 0; i < json_array_size(words); i++)
      label(cell(t, (int)i + 1, 0), json_string_value(json_array_get(words, i)));
  }
  if (statewide)
    paragraph(m, "Statewide figures about people count each person once, across all counties. "
                 "A person with convictions in several counties is also counted in each of those "
                 "counties' own figures, so the county figures add up to more: \"By county\" "
                 "shows both, the statewide figure and the sum of the county figures. The number "
                 "of distinct people in the input is under \"About this run\".");
}

relief_status impact_build_model(report_model *m, const json_t *root, relief_error *err) {
  const json_t *sum = json_object_get(root, "summary"), *extra = json_object_get(root, "extra");
  if (!json_is_object(sum))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "report: the JSON has no \"summary\" object");
  if (!json_is_object(extra)) extra = NULL;
  int statewide = json_is_true(json_object_get(extra, "statewide"));
  const json_t *counties = json_object_get(sum, "counties");
  const char *county = json_string_value(json_object_get(sum, "county"));
  m->title = "Prop 64 relief: impact report";
  heading(m, 1, m->title, NULL);
  if (statewide)
    paragraph(m, "Statewide: every county in the input.");
  else
    paragraph(m, arena_fmt(m, "%s County.", county && county[0] ? county : "Unnamed"));
  context_blocks(m, extra, statewide);
  paragraph(m, "What the eligibility run found, in figures taken from its summary. \"Current "
               "choices\" applies the county's eligibility options; \"every Prop 64 conviction "
               "dismissed\" shows what dismissing all of them would do.");
  people_blocks(m, sum, "/summary", 2, statewide);
  conviction_blocks(m, sum, "/summary", extra, 2);
  outcome_blocks(m, sum, "/summary", extra, 2);
  reason_blocks(m, sum, "/summary", 2);
  const json_t *standing = json_object_get(root, "standing");
  if (json_is_object(standing)) impact_standing_blocks(m, standing, 2);
  run_blocks(m, sum, extra);
  if (statewide && json_is_object(counties)) county_blocks(m, sum, counties);
  return RELIEF_OK;
}

report_block *report_add_block(report_model *m, report_kind kind, int rows, int cols) {
  return add_block(m, kind, rows, cols);
}

const char *report_text(report_model *m, const char *text) {
  return arena_fmt(m, "%s", text);
}

int report_figure(report_model *m, report_cell *c, const json_t *parent, const char *base,
                  const char *key) {
  return figure(m, c, parent, base, key);
}

const char *report_pointer(report_model *m, const char *base, const char *key) {
  return pointer(m, base, key);
}
