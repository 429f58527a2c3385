/*
 * impact/impact_standing.c — the impact report's "where relief stands"
 * section: determined -> approved -> filed -> granted (or denied, or
 * pending) -> reported to DOJ, in all and per agency and per court, as model
 * blocks (in the report, and as a page of its own). Names of agencies and
 * courts only, never a person's.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "impact/impact.h"
#include "impact/impact_model.h"

enum { N_STAGES = 7 };
static const char *const stage_keys[N_STAGES] = {"determined", "approved", "filed",   "granted",
                                                 "denied",     "pending",  "reported"};
static const char *const stage_titles[N_STAGES] = {
    "Determined",          "Approved", "Filed",          "Granted",
    "Denied by the court", "Pending",  "Reported to DOJ"};

static void stage_row(report_model *m, report_block *t, int row, const char *name,
                      const json_t *stages, const char *base) {
  t->cells[row * t->cols].text = name;
  for (int k = 0; k < N_STAGES; k++) {
    report_cell *c = &t->cells[row * t->cols + 1 + k];
    if (!report_figure(m, c, stages, base, stage_keys[k])) c->text = "\xe2\x80\x93";
  }
}

/* A table of by (name -> stages), then the total row. */
static void stage_table(report_model *m, const json_t *standing, const char *by,
                        const char *caption, const char *first) {
  const json_t *rows = json_object_get(standing, by);
  int n = json_is_object(rows) ? (int)json_object_size(rows) : 0;
  report_block *t = report_add_block(m, REPORT_TABLE, n + 2, N_STAGES + 1);
  t->text = caption;
  t->cells[0].text = first;
  for (int k = 0; k < N_STAGES; k++) t->cells[1 + k].text = stage_titles[k];
  int row = 1;
  const char *name;
  json_t *stages;
  if (n) json_object_foreach((json_t *)rows, name, stages) {
      const char *base = report_pointer(m, report_pointer(m, "/standing", by), name);
      stage_row(m, t, row++, report_text(m, name), stages, base);
    }
  stage_row(m, t, row, "All", json_object_get(standing, "total"), "/standing/total");
}

void impact_standing_blocks(report_model *m, const json_t *standing, int level) {
  report_block *h = report_add_block(m, REPORT_HEADING, 0, 0);
  h->level = level;
  h->text = "Where relief stands";
  h->anchor = "where-relief-stands";
  report_add_block(m, REPORT_PARAGRAPH, 0, 0)->text =
      "After the run: the review, the court and the Department of Justice (HS 11361.9), as the "
      "review store records them now. Determined counts the cases (one per person per court "
      "case) the run put before the review, eligible for relief or for a hand review of their "
      "facts; approved, those with an item a reviewer approved. Filed, granted, denied, pending "
      "and reported to DOJ count motions (one per person per court case an agency filed), as "
      "the command relief court status does.";
  const json_t *total = json_object_get(standing, "total");
  static const int headline[] = {0, 1, 2, 3, 6};
  report_block *f = report_add_block(m, REPORT_FIGURES, 2, 5);
  for (int c = 0; c < 5; c++) {
    f->cells[c].text = headline[c] == 6 ? "Reported to DOJ" : stage_titles[headline[c]];
    report_cell *v = &f->cells[5 + c];
    if (!report_figure(m, v, total, "/standing/total", stage_keys[headline[c]]))
      v->text = "\xe2\x80\x93";
  }
  stage_table(m, standing, "byAgency", "Where relief stands, by agency", "Agency");
  stage_table(m, standing, "byCourt", "Where relief stands, by court", "Court");
}

relief_status impact_write_standing(publication *pub, const char *html_name, const json_t *standing,
                                    relief_error *err) {
  report_model m = {0};
  m.title = "Prop 64 relief: where relief stands";
  report_block *h = report_add_block(&m, REPORT_HEADING, 0, 0);
  h->level = 1;
  h->text = m.title;
  impact_standing_blocks(&m, standing, 2);
  size_t len = 0;
  char *html = report_html(&m, &len);
  relief_status st = publication_write_file(pub, html_name, html, len, err);
  free(html);
  impact_model_free(&m);
  return st;
}
