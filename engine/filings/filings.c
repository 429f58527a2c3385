/*
 * filings.c — a county's court filings: one PDF per motion (OpenMP threads,
 * each with its own libharu document), all motions again in one PDF behind
 * an index (built by one task alongside), and court_list.csv. File names
 * carry the motion number only; all of it goes into the run's publication.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/paths.h"
#include "filings/motion_pdf.h"
#include "output/output.h"

enum { INDEX_ROWS_PER_PAGE = 44 };

/* The first failure by motion order (all_motions.pdf counts as motion n), so
 * that the error reported does not depend on thread timing. */
typedef struct {
  int failed; /* read and written atomically */
  size_t index;
  relief_error err;
} first_failure;

static void note_failure(first_failure *f, size_t index, const relief_error *err) {
#pragma omp critical(relief_forms_failure)
  {
    if (!f->failed || index < f->index) {
      f->index = index;
      f->err = *err;
    }
#pragma omp atomic write
    f->failed = 1;
  }
}

static relief_status write_one_motion(publication *pub, const char *dir, const relief_motion *m,
                                      size_t number, relief_error *err) {
  char path[4096], title[32];
  snprintf(path, sizeof path, "%s%smotion_%06zu.pdf", dir, *dir ? "/" : "", number);
  snprintf(title, sizeof title, "Motion %06zu", number);
  forms_pdf pdf;
  relief_status st = forms_pdf_open(&pdf, title, err);
  if (st) return st;
  forms_draw_motion(&pdf, m, number);
  st = forms_pdf_publish(&pdf, pub, path, err);
  forms_pdf_close(&pdf);
  return st;
}

/* The index's columns: motion number, case numbers, name, first page. */
static const struct {
  const char *title;
  float width;
} index_columns[] = {{"Motion", 60}, {"Case number(s)", 190}, {"Defendant", 222}, {"Page", 60}};

/* Draws index page k (0-based) of the combined document. */
static void draw_index_page(forms_pdf *pdf, HPDF_Page page, int k, int n_index_pages,
                            const relief_motion *motions, size_t n, const int *first_page) {
  const float left = 40, width = 532;
  float y = 740;
  forms_text(page, pdf->bold, 13, left, y, "All motions: index");
  char line[160];
  snprintf(line, sizeof line, "%zu motion%s. Index page %d of %d.", n, n == 1 ? "" : "s", k + 1,
           n_index_pages);
  forms_text(page, pdf->regular, 9, left, y - 16, line);
  y -= 40;
  forms_fill(page, left, y - 4, width, 14, 0xE6E6E6);
  float x = left;
  for (size_t c = 0; c < sizeof index_columns / sizeof index_columns[0]; c++) {
    forms_text(page, pdf->bold, 8.5f, x + 3, y, index_columns[c].title);
    x += index_columns[c].width;
  }
  y -= 16;
  size_t begin = (size_t)k * INDEX_ROWS_PER_PAGE, end = begin + INDEX_ROWS_PER_PAGE;
  if (end > n) end = n;
  if (n == 0) forms_text(page, pdf->regular, 9, left + 3, y, "No motions.");
  for (size_t i = begin; i < end; i++, y -= 14) {
    char number[24], page_no[16];
    snprintf(number, sizeof number, "%06zu", i + 1);
    snprintf(page_no, sizeof page_no, "%d", first_page[i]);
    char *cases = forms_winansi(motions[i].case_numbers), *name = forms_winansi(motions[i].name);
    const char *cells[] = {number, cases, name, page_no};
    x = left;
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
      forms_text_wrapped(page, pdf->regular, 8.5f, x + 3, y, index_columns[c].width - 8, 10, 1,
                         cells[c]);
      x += index_columns[c].width;
    }
    forms_line(page, left, y - 4, left + width, y - 4, 0.3f);
    free(cases);
    free(name);
  }
}

static relief_status write_all_motions(publication *pub, const char *dir,
                                       const relief_motion *motions, size_t n, relief_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s%sall_motions.pdf", dir, *dir ? "/" : "");
  relief_status st;
  int n_index = n ? (int)((n + INDEX_ROWS_PER_PAGE - 1) / INDEX_ROWS_PER_PAGE) : 1;
  int *first_page = xmalloc((n ? n : 1) * sizeof *first_page);
  HPDF_Page *index_pages = xmalloc((size_t)n_index * sizeof *index_pages);
  forms_pdf pdf;
  if ((st = forms_pdf_open(&pdf, "All motions", err))) goto done;
  HPDF_SetPagesConfiguration(pdf.doc, 64); /* a page tree, not one list of 60,000 */
  /* the index comes first but its page numbers are known only once the
   * motions are drawn: add its pages now, fill them at the end */
  for (int k = 0; k < n_index; k++) {
    index_pages[k] = HPDF_AddPage(pdf.doc);
    HPDF_Page_SetSize(index_pages[k], HPDF_PAGE_SIZE_LETTER, HPDF_PAGE_PORTRAIT);
  }
  int page = n_index + 1;
  for (size_t i = 0; i < n && !pdf.status; i++) {
    first_page[i] = page;
    page += forms_draw_motion(&pdf, &motions[i], i + 1);
  }
  for (int k = 0; k < n_index && !pdf.status; k++)
    draw_index_page(&pdf, index_pages[k], k, n_index, motions, n, first_page);
  st = forms_pdf_publish(&pdf, pub, path, err);
  forms_pdf_close(&pdf);
done:
  free(first_page);
  free(index_pages);
  return st;
}

/* The distinct reliefs of a motion's counts, in relief order, "; "-joined. */
static void relief_summary_text(const relief_motion *m, char *out, size_t cap) {
  out[0] = 0;
  for (int r = 0; forms_relief_valid((relief_sought)r); r++) {
    int seen = 0;
    for (int i = 0; i < m->n_counts && !seen; i++) seen = (int)m->counts[i].relief == r;
    if (!seen) continue;
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "%s%s", len ? "; " : "", forms_relief_label((relief_sought)r));
  }
}

/* court_list.csv is relief's own file: formula-leading cells are guarded. */
static void csv_field(relief_buf *b, const char *s, int last) {
  if (!s) s = "";
  relief_csv_append_safe(b, s, strlen(s));
  relief_buf_putc(b, last ? '\n' : ',');
}

static void court_list(relief_buf *b, const relief_motion *motions, size_t n) {
  static const char *const header[] = {"Motion",  "County", "Case Number", "CII_NUMBER", "PRI_NAME",
                                       "PRI_DOB", "Counts", "Relief",      "File"};
  enum { N_FIELDS = sizeof header / sizeof header[0] };
  for (int c = 0; c < N_FIELDS; c++) csv_field(b, header[c], c == N_FIELDS - 1);
  for (size_t i = 0; i < n; i++) {
    const relief_motion *m = &motions[i];
    char number[24], dob[16], counts[16], relief[160], file[40];
    snprintf(number, sizeof number, "%06zu", i + 1);
    snprintf(counts, sizeof counts, "%d", m->n_counts);
    snprintf(file, sizeof file, "motion_%06zu.pdf", i + 1);
    relief_summary_text(m, relief, sizeof relief);
    const char *fields[N_FIELDS] = {number, m->county, m->case_numbers,
                                    m->cii, m->name,   forms_us_date(m->dob_day, dob),
                                    counts, relief,    file};
    for (int c = 0; c < N_FIELDS; c++) csv_field(b, fields[c], c == N_FIELDS - 1);
  }
}

/* Bad motions are the caller's mistake: say which, without personal data. */
static relief_status check_motions(const relief_motion *motions, size_t n, relief_error *err) {
  if (n && !motions)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "forms: no motions array");
  for (size_t i = 0; i < n; i++) {
    const relief_motion *m = &motions[i];
    if (m->n_counts < 0 || (m->n_counts > 0 && !m->counts))
      return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                              "forms: motion %06zu has a bad count list", i + 1);
    for (int c = 0; c < m->n_counts; c++)
      if (!forms_relief_valid(m->counts[c].relief))
        return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                                "forms: motion %06zu count %d has an unknown relief (%d)", i + 1,
                                c + 1, (int)m->counts[c].relief);
  }
  return RELIEF_OK;
}

relief_status filings_write(publication *pub, const char *dir, const relief_motion *motions,
                            size_t n, int threads, relief_error *err) {
  relief_status st = check_motions(motions, n, err);
  if (st) return st;
  first_failure failure = {0};

  /* one thread draws the combined document while the others write single
   * motions; it joins them when done (dynamic chunks leave it work to take) */
#pragma omp parallel shared(failure) num_threads(threads)
  {
#pragma omp single nowait
    {
      relief_error e;
      if (write_all_motions(pub, dir, motions, n, &e)) note_failure(&failure, n, &e);
    }
#pragma omp for schedule(dynamic, 8) nowait
    for (size_t i = 0; i < n; i++) {
      relief_error e;
      int failed;
#pragma omp atomic read
      failed = failure.failed;
      if (failed) continue; /* stop early; the first failure is reported */
      if (write_one_motion(pub, dir, &motions[i], i + 1, &e)) note_failure(&failure, i, &e);
    }
  }

  if (failure.failed) {
    if (err) *err = failure.err;
    return failure.err.status;
  }
  relief_buf csv = {0};
  court_list(&csv, motions, n);
  char path[4096];
  snprintf(path, sizeof path, "%s%scourt_list.csv", dir, *dir ? "/" : "");
  st = publication_write_file(pub, path, csv.data, csv.len, err);
  relief_buf_free(&csv);
  return st;
}

relief_status filings_write_county(pipeline *pl, int county, publication *pub, int index,
                                   int64_t *n_motions, relief_error *err) {
  char dir[1024], folder[512];
  const county_plan *plan = &pl->plans[pl->merged ? county : 0];
  if (plan->folder)
    snprintf(folder, sizeof folder, "%s", plan->folder);
  else
    relief_folder_name(folder, sizeof folder, plan->name);
  if (index > 0)
    snprintf(dir, sizeof dir, "Court_Filings/%s_%d", folder, index);
  else
    snprintf(dir, sizeof dir, "Court_Filings/%s", folder);
  motion_list motions;
  filings_motions(pl, county, &motions);
  relief_status st = filings_write(pub, dir, motions.motions, motions.n, pl->n_threads, err);
  *n_motions += (int64_t)motions.n;
  motion_list_free(&motions);
  return st;
}
