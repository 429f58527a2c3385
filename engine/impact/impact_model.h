/*
 * impact_model.h — the impact report as a list of blocks (headings, text,
 * headline figures, tables, stacked bar charts), built once from the report
 * JSON and rendered twice: as HTML and as PDF. Every figure carries the JSON
 * pointer of the value it shows, so that no number is made up on the way.
 */
#ifndef RELIEF_REPORT_MODEL_H
#define RELIEF_REPORT_MODEL_H

#include <stddef.h>

#include "common/error.h"
#include "io/publish.h"

/* One cell: a label (key NULL) or a figure taken from the JSON. */
typedef struct {
  const char *text;   /* shown, UTF-8 */
  const char *key;    /* JSON pointer of the source value ("/summary/lineCount"), or NULL */
  const char *suffix; /* shown after the figure (" seconds"), or NULL */
  const char *link;   /* id of a heading this label links to, or NULL */
  double value;       /* the figure, for charts */
} report_cell;

typedef enum {
  REPORT_HEADING,   /* text, level 1-3; anchor for level 3 */
  REPORT_PARAGRAPH, /* text */
  REPORT_FIGURES,   /* cols headline figures: row 0 labels, row 1 figures */
  REPORT_TABLE,     /* rows x cols: row 0 column titles, column 0 row labels */
  REPORT_CHART,     /* like a table: row 0 series names, column 0 categories, values */
} report_kind;

typedef struct {
  report_kind kind;
  int level;
  const char *text;   /* heading or paragraph; chart or table caption */
  const char *anchor; /* heading: id to link to, or NULL */
  int rows, cols;
  report_cell *cells; /* rows * cols, row-major */
} report_block;

typedef struct {
  const char *title;
  const char *source; /* the report's source (hex), carried in the HTML page, or NULL */
  report_block *blocks;
  int n_blocks, cap_blocks;
  void *arena; /* owns every string and cell */
} report_model;

static inline const report_cell *report_at(const report_block *b, int row, int col) {
  return &b->cells[row * b->cols + col];
}

/* Colour (0xRRGGBB) of chart series named name (an eligibility determination
 * or a conviction level); index picks from a palette for other names. */
unsigned report_series_color(const char *name, int index);

/* The HTML report: a malloc'd NUL-terminated string; *len gets its length. */
char *report_html(const report_model *m, size_t *len);

/* Writes the PDF report to path (an existing staged file). */
relief_status report_pdf(const report_model *m, publication *pub, const char *relpath,
                         relief_error *err);

/* Builds the model from the report JSON (see impact.h); frees it. */
struct json_t;
relief_status impact_build_model(report_model *m, const struct json_t *root, relief_error *err);
void impact_model_free(report_model *m);

/* For sections built in other files (impact_standing.c): a block added to
 * the model; text kept in its arena; a figure cell from parent[key] with
 * the JSON pointer base/key (0 when it is not a number); base/key as a
 * JSON pointer (~ and / escaped). */
report_block *report_add_block(report_model *m, report_kind kind, int rows, int cols);
const char *report_text(report_model *m, const char *text);
const char *report_pointer(report_model *m, const char *base, const char *key);
int report_figure(report_model *m, report_cell *c, const struct json_t *parent, const char *base,
                  const char *key);

/* The "where relief stands" section (see impact.h) from standing, with its
 * figures' pointers under "/standing". */
void impact_standing_blocks(report_model *m, const struct json_t *standing, int level);

#endif
