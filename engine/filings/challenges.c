/*
 * filings/challenges.c — what a prosecutor's office sends the public
 * defender when it challenges relief (HS 11361.9): a notice, one page per
 * person, naming the cases and counts challenged and the grounds in words,
 * signed with the agency's filer profile; and challenges.csv, the same
 * items for the public defender's own tracking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filings/filings.h"
#include "output/output.h"
#include "pdf/pdf.h"

enum { C_LEFT = 72, C_WIDTH = PDF_PAGE_W - 144, C_BOTTOM = 96 };

/* YYYYMMDD as MM/DD/YYYY; other text as it is. */
static void us_date_text(const char *ymd, char out[16]) {
  if (ymd && strlen(ymd) == 8)
    snprintf(out, 16, "%.2s/%.2s/%.4s", ymd + 4, ymd + 6, ymd);
  else
    snprintf(out, 16, "%s", ymd ? ymd : "");
}

/* Draws utf8 text wrapped from *y down; returns nothing, moves *y. */
static void para(HPDF_Page page, HPDF_Font font, float size, float indent, float *y,
                 const char *utf8) {
  char *t = pdf_winansi(utf8);
  int room = (int)((*y - C_BOTTOM) / (size + 3));
  if (room < 1) room = 1;
  int n =
      pdf_text_wrapped(page, font, size, C_LEFT + indent, *y, C_WIDTH - indent, size + 3, room, t);
  *y -= (float)n * (size + 3) + 4;
  free(t);
}

static void signature(HPDF_Page page, const pdf_doc *pdf, const relief_filer *f, int32_t day,
                      float y) {
  char date[16], line[600];
  snprintf(line, sizeof line, "Dated: %s", pdf_us_date(day, date));
  para(page, pdf->regular, 10, 0, &y, line);
  y -= 8;
  if (!f) return;
  snprintf(line, sizeof line, "%s", f->signature && *f->signature ? f->signature : "");
  if (*line) para(page, pdf->regular, 10, 260, &y, line);
  pdf_line(page, C_LEFT + 260, y + 10, C_LEFT + C_WIDTH, y + 10, 0.6f);
  snprintf(line, sizeof line, "%s%s%s", f->attorney ? f->attorney : "",
           f->bar_number && *f->bar_number ? ", State Bar No. " : "",
           f->bar_number ? f->bar_number : "");
  para(page, pdf->regular, 10, 260, &y, line);
  if (f->office) para(page, pdf->regular, 10, 260, &y, f->office);
  for (int i = 0; i < f->n_address; i++) para(page, pdf->regular, 9, 260, &y, f->address[i]);
  if (f->phone && *f->phone) para(page, pdf->regular, 9, 260, &y, f->phone);
  if (f->email && *f->email) para(page, pdf->regular, 9, 260, &y, f->email);
}

/* One person's page: challenges c[0..n), all of the same person. */
static void person_page(pdf_doc *pdf, HPDF_Page page, const char *county, const char *agency,
                        const filings_challenge *c, size_t n, const filings_options *opt) {
  float y = PDF_PAGE_H - 72;
  char line[1200], dob[16];
  snprintf(line, sizeof line, "SUPERIOR COURT OF CALIFORNIA, COUNTY OF %s", county);
  para(page, pdf->bold, 11, 0, &y, line);
  para(page, pdf->bold, 12, 0, &y,
       "NOTICE TO THE PUBLIC DEFENDER: CHALLENGE TO RELIEF (Health and Safety Code section "
       "11361.9)");
  y -= 6;
  const char *office = opt->filer && opt->filer->office ? opt->filer->office : agency;
  snprintf(line, sizeof line,
           "To the Public Defender of %s County: %s (%s) challenges the recall, dismissal, "
           "sealing or redesignation of the convictions below, on the grounds stated for each.",
           county, office, agency);
  para(page, pdf->regular, 10, 0, &y, line);
  us_date_text(c[0].dob, dob);
  snprintf(line, sizeof line, "Person: %s    Date of birth: %s    CII: %s", c[0].name, dob,
           c[0].cii);
  para(page, pdf->bold, 10, 0, &y, line);
  for (size_t i = 0; i < n; i++) {
    snprintf(line, sizeof line, "Case %s (review item %s): counts %s; proposed relief: %s.",
             c[i].case_number, c[i].item, c[i].counts, c[i].proposed);
    para(page, pdf->regular, 10, 12, &y, line);
    /* a Deny recorded without notes (the queue of relief serve) says so */
    snprintf(line, sizeof line, "Grounds for the challenge: %s",
             c[i].reason && *c[i].reason ? c[i].reason : "not stated in the review");
    para(page, pdf->regular, 10, 24, &y, line);
  }
  y -= 4;
  para(page, pdf->regular, 10, 0, &y,
       "The public defender is asked to make a reasonable effort to notify the person of this "
       "challenge (HS 11361.9(c)).");
  signature(page, pdf, opt->filer, opt->prepared_day, y - 6);
}

static relief_status challenge_pdf(publication *pub, const char *path, const char *county,
                                   const char *agency, const filings_challenge *c, size_t n,
                                   const filings_options *opt, relief_error *err) {
  pdf_doc pdf;
  relief_status st = pdf_open(&pdf, "Notice to the public defender", err);
  if (st) return st;
  HPDF_Page *pages = NULL;
  int n_pages = 0, cap = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && !strcmp(c[j].person, c[i].person)) j++;
    HPDF_Page page = pdf_add_letter_page(pdf.doc, &pages, &n_pages, &cap);
    person_page(&pdf, page, county, agency, c + i, j - i, opt);
    i = j;
  }
  if (!n) {
    HPDF_Page page = pdf_add_letter_page(pdf.doc, &pages, &n_pages, &cap);
    pdf_text(page, pdf.regular, 11, C_LEFT, PDF_PAGE_H - 72, "No challenges.");
  }
  free(pages);
  st = pdf_check(&pdf, path, err);
  if (!st) st = pdf_publish(&pdf, pub, path, err);
  pdf_close(&pdf);
  return st;
}

static void challenges_csv(relief_buf *b, const char *county, const char *agency,
                           const filings_challenge *c, size_t n) {
  static const char header[] = "Item,Agency,County,Case Number,CII_NUMBER,PRI_NAME,PRI_DOB,"
                               "Counts,Proposed Relief,Challenge Reason,Challenged On,"
                               "Person Notified,Notes\n";
  buf_append(b, header, sizeof header - 1);
  for (size_t i = 0; i < n; i++) {
    char dob[16];
    us_date_text(c[i].dob, dob);
    const char *cells[] = {c[i].item,    agency, county,      c[i].case_number, c[i].cii,
                           c[i].name,    dob,    c[i].counts, c[i].proposed,    c[i].reason,
                           c[i].decided, "",     ""};
    enum { N = sizeof cells / sizeof *cells };
    for (int k = 0; k < N; k++) {
      const char *v = cells[k] ? cells[k] : "";
      csv_append_safe(b, v, strlen(v));
      buf_putc(b, k == N - 1 ? '\n' : ',');
    }
  }
}

relief_status filings_write_challenges(publication *pub, const char *folder, const char *county,
                                       const char *agency, const filings_challenge *c, size_t n,
                                       const filings_options *opt, relief_error *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/notice_to_public_defender.pdf", folder);
  relief_status st = challenge_pdf(pub, path, county, agency, c, n, opt, err);
  if (st) return st;
  relief_buf csv = {0};
  challenges_csv(&csv, county, agency, c, n);
  snprintf(path, sizeof path, "%s/challenges.csv", folder);
  st = publication_write_file(pub, path, csv.data, csv.len, err);
  buf_free(&csv);
  return st;
}
