/*
 * filings.c — a county's court filings: one PDF per motion (OpenMP threads,
 * each with its own libharu document), all motions again in one PDF behind
 * an index by name and bookmarks (built by one task alongside),
 * court_list.csv (one row per motion) and court_counts.csv (one per count).
 * Motions are named by case number; all of it goes into the publication.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/paths.h"
#include "common/text.h"
#include "filings/motion_pdf.h"
#include "output/output.h"
#include "pipeline/pipeline.h"

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
                                      size_t number, const char *file, const filings_options *opt,
                                      relief_error *err) {
  char path[4096], title[32];
  snprintf(path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", file);
  snprintf(title, sizeof title, "Motion %06zu", number);
  pdf_doc pdf;
  relief_status st = pdf_open(&pdf, title, err);
  if (st) return st;
  forms_draw_motion(&pdf, m, number, opt);
  st = pdf_publish(&pdf, pub, path, err);
  pdf_close(&pdf);
  return st;
}

/* ---- file names: the case number, sanitised, made unique ---- */

/* The file name of each motion: its first case number with only letters,
 * digits and '-' kept (others become '-'; at most 48 characters), else
 * "no-case-number"; a name used before gets "_2", "_3", ... A case number is
 * a court's public record, not personal data. */
static char **motion_file_names(const relief_motion *motions, size_t n) {
  char **names = xcalloc(n ? n : 1, sizeof *names);
  char **bases = xcalloc(n ? n : 1, sizeof *bases);
  for (size_t i = 0; i < n; i++) {
    const char *c = motions[i].case_numbers ? motions[i].case_numbers : "";
    char base[64];
    size_t o = 0;
    for (; *c && *c != ';' && o < 48; c++) {
      char ch = *c;
      bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
      if (keep)
        base[o++] = ch;
      else if (o && base[o - 1] != '-')
        base[o++] = '-';
    }
    while (o && base[o - 1] == '-') o--;
    base[o] = 0;
    bases[i] = xstrdup(o ? base : "no-case-number");
  }
  /* uniqueness: count earlier uses of each base (names sorted by case number
   * make equal bases neighbours in the common case; a linear probe over a
   * small open-addressed table handles the rest) */
  size_t cap = 16;
  while (cap < 2 * n + 2) cap *= 2;
  struct slot {
    const char *base;
    int used;
  } *table = xcalloc(cap, sizeof *table);
  for (size_t i = 0; i < n; i++) {
    uint64_t h = 1469598103934665603ull;
    for (const char *c = bases[i]; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
    size_t k = (size_t)h & (cap - 1);
    while (table[k].base && strcmp(table[k].base, bases[i])) k = (k + 1) & (cap - 1);
    table[k].base = bases[i];
    int use = ++table[k].used;
    char name[96];
    if (use == 1)
      snprintf(name, sizeof name, "%s.pdf", bases[i]);
    else
      snprintf(name, sizeof name, "%s_%d.pdf", bases[i], use);
    names[i] = xstrdup(name);
  }
  /* a base like "X_2" of its own could meet a generated "X_2": add a letter
   * until every name is unique */
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < i; j++)
      if (!strcmp(names[i], names[j])) {
        size_t len = strlen(names[i]);
        char *longer = xmalloc(len + 3);
        snprintf(longer, len + 3, "%.*s-x.pdf", (int)(len - 4), names[i]);
        free(names[i]);
        names[i] = longer;
        j = (size_t)-1; /* check again from the start */
      }
  }
  free(table);
  for (size_t i = 0; i < n; i++) free(bases[i]);
  free(bases);
  return names;
}

static void free_names(char **names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* The index's columns: defendant, case numbers, motion number, first page. */
static const struct {
  const char *title;
  float width;
} index_columns[] = {{"Defendant", 222}, {"Case number(s)", 190}, {"Motion", 60}, {"Page", 60}};

/* Motions in the index's order: by defendant's name, then case number. */
static const relief_motion *sort_base;
static int cmp_index(const void *a, const void *b) {
  const relief_motion *x = &sort_base[*(const size_t *)a], *y = &sort_base[*(const size_t *)b];
  int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
  if (!c)
    c = strcmp(x->case_numbers ? x->case_numbers : "", y->case_numbers ? y->case_numbers : "");
  if (!c) c = *(const size_t *)a < *(const size_t *)b ? -1 : 1;
  return c;
}

/* Draws index page k (0-based) of the combined document. */
static void draw_index_page(pdf_doc *pdf, HPDF_Page page, int k, int n_index_pages,
                            const relief_motion *motions, size_t n, const size_t *order,
                            const int *first_page) {
  const float left = 40, width = 532;
  float y = 740;
  pdf_text(page, pdf->bold, 13, left, y, "All motions: index by defendant");
  char line[160];
  snprintf(line, sizeof line,
           "%zu motion%s, filed in case-number order; this index is alphabetical by name. "
           "Page %d of %d.",
           n, n == 1 ? "" : "s", k + 1, n_index_pages);
  pdf_text(page, pdf->regular, 8, left, y - 16, line);
  y -= 40;
  pdf_fill(page, left, y - 4, width, 14, 0xE6E6E6);
  float x = left;
  for (size_t c = 0; c < sizeof index_columns / sizeof index_columns[0]; c++) {
    pdf_text(page, pdf->bold, 8.5f, x + 3, y, index_columns[c].title);
    x += index_columns[c].width;
  }
  y -= 16;
  size_t begin = (size_t)k * INDEX_ROWS_PER_PAGE, end = begin + INDEX_ROWS_PER_PAGE;
  if (end > n) end = n;
  if (n == 0) pdf_text(page, pdf->regular, 9, left + 3, y, "No motions.");
  for (size_t r = begin; r < end; r++, y -= 14) {
    size_t i = order[r];
    char number[24], page_no[16];
    snprintf(number, sizeof number, "%06zu", i + 1);
    snprintf(page_no, sizeof page_no, "%d", first_page[i]);
    char *written = filings_written_name(motions[i].name);
    char *cases = pdf_winansi(motions[i].case_numbers), *name = pdf_winansi(written);
    free(written);
    const char *cells[] = {name, cases, number, page_no};
    x = left;
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
      pdf_text_wrapped(page, pdf->regular, 8.5f, x + 3, y, index_columns[c].width - 8, 10, 1,
                       cells[c]);
      x += index_columns[c].width;
    }
    pdf_line(page, left, y - 4, left + width, y - 4, 0.3f);
    free(cases);
    free(name);
  }
}

/* A bookmark (outline entry) under parent that opens page. */
static void bookmark(pdf_doc *pdf, HPDF_Outline parent, const char *utf8, HPDF_Page page) {
  char *title = pdf_winansi(utf8);
  HPDF_Outline o =
      HPDF_CreateOutline(pdf->doc, parent, title, HPDF_GetEncoder(pdf->doc, "WinAnsiEncoding"));
  free(title);
  if (!o) return;
  HPDF_Destination d = HPDF_Page_CreateDestination(page);
  if (d) {
    HPDF_Destination_SetFit(d);
    HPDF_Outline_SetDestination(o, d);
  }
  HPDF_Outline_SetOpened(o, HPDF_FALSE);
}

static relief_status write_all_motions(publication *pub, const char *dir,
                                       const relief_motion *motions, size_t n,
                                       const filings_options *opt, relief_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s%sall_motions.pdf", dir, *dir ? "/" : "");
  relief_status st;
  int n_index = n ? (int)((n + INDEX_ROWS_PER_PAGE - 1) / INDEX_ROWS_PER_PAGE) : 1;
  int *first_page = xmalloc((n ? n : 1) * sizeof *first_page);
  HPDF_Page *index_pages = xmalloc((size_t)n_index * sizeof *index_pages);
  size_t *order = xmalloc((n ? n : 1) * sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
#pragma omp critical(relief_forms_index_sort)
  {
    sort_base = motions;
    if (n) qsort(order, n, sizeof *order, cmp_index);
  }
  pdf_doc pdf;
  if ((st = pdf_open(&pdf, "All motions", err))) goto done;
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
    page += forms_draw_motion(&pdf, &motions[i], i + 1, opt);
  }
  /* bookmarks: the index, then each motion by case number and name */
  if (!pdf.status) {
    HPDF_Outline root = HPDF_CreateOutline(pdf.doc, NULL, "Index (by defendant)", NULL);
    if (root) {
      HPDF_Destination d = HPDF_Page_CreateDestination(index_pages[0]);
      if (d) HPDF_Outline_SetDestination(root, d);
    }
    HPDF_Outline all =
        n ? HPDF_CreateOutline(pdf.doc, NULL, "Motions (by case number)", NULL) : NULL;
    if (all) HPDF_Outline_SetOpened(all, HPDF_TRUE);
    for (size_t i = 0; i < n && all; i++) {
      char title[400], *written = filings_written_name(motions[i].name);
      snprintf(title, sizeof title, "%s - %s",
               motions[i].case_numbers && motions[i].case_numbers[0] ? motions[i].case_numbers
                                                                     : "no case number",
               written);
      free(written);
      HPDF_Page target = HPDF_GetPageByIndex(pdf.doc, (HPDF_UINT)(first_page[i] - 1));
      if (target) bookmark(&pdf, all, title, target);
    }
    HPDF_SetPageMode(pdf.doc, HPDF_PAGE_MODE_USE_OUTLINE);
  }
  for (int k = 0; k < n_index && !pdf.status; k++)
    draw_index_page(&pdf, index_pages[k], k, n_index, motions, n, order, first_page);
  st = pdf_publish(&pdf, pub, path, err);
  pdf_close(&pdf);
done:
  free(first_page);
  free(index_pages);
  free(order);
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

/* court_list.csv is relief's own file: UTF-8 (an extract's Windows-1252
 * name converted, as in the motions) and formula-leading cells guarded. */
static void csv_field(relief_buf *b, const char *s, int last) {
  size_t n;
  char *utf8 = text_to_utf8(s ? s : "", s ? strlen(s) : 0, &n);
  csv_append_safe(b, utf8, n);
  free(utf8);
  buf_putc(b, last ? '\n' : ',');
}

/* The distinct code sections, or conviction dates, of a motion, "; "-joined. */
static void joined(const relief_motion *m, bool dates, relief_buf *out) {
  out->len = 0;
  for (int i = 0; i < m->n_counts; i++) {
    char date[16];
    const char *v = dates                       ? pdf_us_date(m->counts[i].conviction_day, date)
                    : m->counts[i].code_section ? m->counts[i].code_section
                                                : "";
    bool seen = false;
    for (int j = 0; j < i && !seen; j++) {
      char other[16];
      const char *w = dates                       ? pdf_us_date(m->counts[j].conviction_day, other)
                      : m->counts[j].code_section ? m->counts[j].code_section
                                                  : "";
      seen = !strcmp(v, w);
    }
    if (seen) continue;
    if (out->len) buf_append(out, "; ", 2);
    buf_append(out, v, strlen(v));
  }
  buf_putc(out, 0);
}

static void court_list(relief_buf *b, const relief_motion *motions, size_t n, char **files) {
  static const char *const header[] = {
      "Motion",   "County",           "Case Number", "CII_NUMBER", "PRI_NAME",
      "PRI_DOB",  "Counts",           "Relief",      "File",       "Court",
      "Sections", "Conviction Dates", "Filed",       "Granted",    "Reported to DOJ",
      "Order",    "Order Date"};
  enum { N_FIELDS = sizeof header / sizeof header[0] };
  for (int c = 0; c < N_FIELDS; c++) csv_field(b, header[c], c == N_FIELDS - 1);
  relief_buf sections = {0}, dates = {0};
  for (size_t i = 0; i < n; i++) {
    const relief_motion *m = &motions[i];
    char number[24], dob[16], counts[16], relief[160];
    snprintf(number, sizeof number, "%06zu", i + 1);
    snprintf(counts, sizeof counts, "%d", m->n_counts);
    relief_summary_text(m, relief, sizeof relief);
    joined(m, false, &sections);
    joined(m, true, &dates);
    const char *fields[N_FIELDS] = {number,
                                    m->county,
                                    m->case_numbers,
                                    m->cii,
                                    m->name,
                                    pdf_us_date(m->dob_day, dob),
                                    counts,
                                    relief,
                                    files[i],
                                    m->court,
                                    sections.data,
                                    dates.data,
                                    "",
                                    "",
                                    "",
                                    "",
                                    ""};
    for (int c = 0; c < N_FIELDS; c++) csv_field(b, fields[c], c == N_FIELDS - 1);
  }
  buf_free(&sections);
  buf_free(&dates);
}

/* court_counts.csv: one row per count of every motion, with a column for
 * the court's ruling on it. */
static void court_counts(relief_buf *b, const relief_motion *motions, size_t n, char **files) {
  static const char *const header[] = {"Motion",      "Count",           "County",   "Court",
                                       "Case Number", "CII_NUMBER",      "PRI_NAME", "Code Section",
                                       "Offense",     "Conviction Date", "Level",    "Relief",
                                       "Outcome",     "Basis",           "Reason",   "File",
                                       "Granted"};
  enum { N_FIELDS = sizeof header / sizeof header[0] };
  for (int c = 0; c < N_FIELDS; c++) csv_field(b, header[c], c == N_FIELDS - 1);
  for (size_t i = 0; i < n; i++) {
    const relief_motion *m = &motions[i];
    for (int k = 0; k < m->n_counts; k++) {
      const relief_motion_count *c = &m->counts[k];
      char number[24], count[16], date[16];
      snprintf(number, sizeof number, "%06zu", i + 1);
      snprintf(count, sizeof count, "%d", k + 1);
      const char *fields[N_FIELDS] = {number,
                                      count,
                                      m->county,
                                      m->court,
                                      m->case_numbers,
                                      m->cii,
                                      m->name,
                                      c->code_section,
                                      c->offense,
                                      pdf_us_date(c->conviction_day, date),
                                      c->felony ? "Felony" : "Misdemeanor",
                                      forms_relief_label(c->relief),
                                      forms_count_outcome(c),
                                      forms_count_basis(c),
                                      c->reason,
                                      files[i],
                                      ""};
      for (int f = 0; f < N_FIELDS; f++) csv_field(b, fields[f], f == N_FIELDS - 1);
    }
  }
}

/* Bad motions are the caller's mistake: say which, without personal data. */
static relief_status check_motions(const relief_motion *motions, size_t n, relief_error *err) {
  if (n && !motions) return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "forms: no motions array");
  for (size_t i = 0; i < n; i++) {
    const relief_motion *m = &motions[i];
    if (m->n_counts < 0 || (m->n_counts > 0 && !m->counts))
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "forms: motion %06zu has a bad count list",
                       i + 1);
    for (int c = 0; c < m->n_counts; c++)
      if (!forms_relief_valid(m->counts[c].relief))
        return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                         "forms: motion %06zu count %d has an unknown relief (%d)", i + 1, c + 1,
                         (int)m->counts[c].relief);
  }
  return RELIEF_OK;
}

relief_status filings_write(publication *pub, const char *dir, const relief_motion *motions,
                            size_t n, int threads, const filings_options *opt, relief_error *err) {
  relief_status st = check_motions(motions, n, err);
  if (st) return st;
  filings_options none = {0};
  if (!opt) opt = &none;
  first_failure failure = {0};
  char **files = motion_file_names(motions, n);

  /* one thread draws the combined document while the others write single
   * motions; it joins them when done (dynamic chunks leave it work to take) */
#pragma omp parallel shared(failure) num_threads(threads)
  {
#pragma omp single nowait
    {
      relief_error e;
      if (write_all_motions(pub, dir, motions, n, opt, &e)) note_failure(&failure, n, &e);
    }
#pragma omp for schedule(dynamic, 8) nowait
    for (size_t i = 0; i < n; i++) {
      relief_error e;
      int failed;
#pragma omp atomic read
      failed = failure.failed;
      if (failed) continue; /* stop early; the first failure is reported */
      if (write_one_motion(pub, dir, &motions[i], i + 1, files[i], opt, &e))
        note_failure(&failure, i, &e);
    }
  }

  if (failure.failed) {
    free_names(files, n);
    if (err) *err = failure.err;
    return failure.err.status;
  }
  relief_buf csv = {0};
  court_list(&csv, motions, n, files);
  char path[4096];
  snprintf(path, sizeof path, "%s%scourt_list.csv", dir, *dir ? "/" : "");
  st = publication_write_file(pub, path, csv.data, csv.len, err);
  if (!st) {
    csv.len = 0;
    court_counts(&csv, motions, n, files);
    snprintf(path, sizeof path, "%s%scourt_counts.csv", dir, *dir ? "/" : "");
    st = publication_write_file(pub, path, csv.data, csv.len, err);
  }
  buf_free(&csv);
  free_names(files, n);
  return st;
}

/* The motions of group g (all when g < 0), in filing order. */
static size_t motions_of_group(const motion_list *all, int g, relief_motion *out) {
  size_t n = 0;
  for (size_t i = 0; i < all->n; i++)
    if (g < 0 || all->motions[i].group == g) out[n++] = all->motions[i];
  return n;
}

relief_status filings_write_county(pipeline *pl, int county, publication *pub, int index,
                                   const filings_options *opt, const relief_filing_filter *filter,
                                   int64_t *n_motions, relief_error *err) {
  char dir[1024], folder[512];
  const county_plan *plan = pipeline_county_plan(pl, county);
  if (plan->folder)
    snprintf(folder, sizeof folder, "%s", plan->folder);
  else
    folder_name(folder, sizeof folder, plan->name);
  motion_list motions;
  filings_motions(pl, county, filter, &motions);
  relief_motion *some = xcalloc(motions.n + 1, sizeof *some);
  bool grouped = filter && filter->group && filter->groups;
  relief_status st = RELIEF_OK;
  /* by agency: Court_Filings/<agency>/<COUNTY>/, each signed by its own
   * filer; a county without motions for an agency gets no folder there */
  for (int g = grouped ? 0 : -1; g < (grouped ? filter->n_groups : 0) && !st; g++) {
    size_t n = motions_of_group(&motions, g, some);
    if (g >= 0 && !n) continue;
    char prefix[600] = "Court_Filings";
    if (g >= 0) snprintf(prefix, sizeof prefix, "Court_Filings/%s", filter->groups[g].folder);
    if (index > 0)
      snprintf(dir, sizeof dir, "%s/%s_%d", prefix, folder, index);
    else
      snprintf(dir, sizeof dir, "%s/%s", prefix, folder);
    filings_options own = *opt;
    if (g >= 0) own.filer = filter->groups[g].filer;
    st = filings_write(pub, dir, some, n, pipeline_threads(pl), &own, err);
    *n_motions += (int64_t)n;
  }
  free(some);
  motion_list_free(&motions);
  return st;
}
