/*
 * motion_pdf.c — one court motion drawn onto a libharu document: a caption in
 * the substance of Judicial Council forms CR-400/CR-401 (HS 11361.8, 11361.9)
 * with the filer's details, the cannabis counts with each one's outcome,
 * basis and a ruling column for the judge, the signature block, the order
 * (with its direction to report to DOJ) and a notice / proof of service on
 * the public defender. Used for the one-motion PDFs and all_motions.pdf.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filings/motion_pdf.h"

enum { LEFT = 40, RIGHT = 572, TOP = 752, BOTTOM = 58, WIDTH = RIGHT - LEFT };

/* What each kind of relief is called and which subdivisions ground it. */
static const struct {
  const char *label;
  const char *basis;
} relief_texts[] = {
    [RELIEF_SOUGHT_DISMISS_AND_SEAL] = {"Dismiss and seal", "HS 11361.8(e)-(f); HS 11361.9"},
    [RELIEF_SOUGHT_REDESIGNATE] = {"Redesignate as misdemeanor or infraction",
                                   "HS 11361.8(e)-(f); HS 11361.9"},
    [RELIEF_SOUGHT_RECALL_AND_RESENTENCE] = {"Recall and resentence",
                                             "HS 11361.8(a)-(b); HS 11361.9"},
};

/* Relief the statute does not mandate (a county's added category) is asked
 * for in furtherance of justice: Penal Code section 1385. */
static const char *const discretionary_basis[] = {
    [RELIEF_SOUGHT_DISMISS_AND_SEAL] = "PC 1385 (in furtherance of justice); HS 11361.9",
    [RELIEF_SOUGHT_REDESIGNATE] = "HS 11361.8(e)-(f); HS 11361.9",
    [RELIEF_SOUGHT_RECALL_AND_RESENTENCE] =
        "PC 1385 (in furtherance of justice); HS 11361.8(a)-(b)",
};

const char *forms_count_basis(const relief_motion_count *c) {
  if (!forms_relief_valid(c->relief)) return "";
  bool dismissal = c->determination != RELIEF_DET_REDUCE;
  return c->discretionary && dismissal ? discretionary_basis[c->relief]
                                       : relief_texts[c->relief].basis;
}

const char *forms_count_outcome(const relief_motion_count *c) {
  bool dismissal = c->determination != RELIEF_DET_REDUCE;
  switch (c->relief) {
  case RELIEF_SOUGHT_DISMISS_AND_SEAL:
    return c->discretionary ? "Dismiss and seal, in the interest of justice"
                            : "Dismiss and seal: legally invalid";
  case RELIEF_SOUGHT_REDESIGNATE:
    return c->felony ? "Redesignate as a misdemeanor" : "Redesignate as an infraction";
  case RELIEF_SOUGHT_RECALL_AND_RESENTENCE:
    if (dismissal)
      return c->discretionary ? "Recall the sentence and dismiss, in the interest of justice"
                              : "Recall the sentence and dismiss: legally invalid";
    return c->felony ? "Recall the sentence and resentence as a misdemeanor"
                     : "Recall the sentence and resentence as an infraction";
  }
  return "";
}

const char *forms_relief_label(relief_sought r) {
  return forms_relief_valid(r) ? relief_texts[r].label : "";
}

int forms_relief_valid(relief_sought r) {
  return (int)r >= 0 && (size_t)r < sizeof relief_texts / sizeof relief_texts[0];
}

/* The table of counts: its columns, left to right. */
enum { COL_SECTION, COL_OFFENSE, COL_DATE, COL_LEVEL, COL_RELIEF, COL_BASIS, COL_RULING, N_COLS };
static const struct {
  const char *title;
  float width;
} columns[N_COLS] = {
    [COL_SECTION] = {"Code section", 60},  [COL_OFFENSE] = {"Offense", 100},
    [COL_DATE] = {"Conv. date", 50},       [COL_LEVEL] = {"Level", 44},
    [COL_RELIEF] = {"Relief sought", 126}, [COL_BASIS] = {"Basis", 90},
    [COL_RULING] = {"Court: G / D", 62},
};
static const float cell_pad = 3, cell_size = 7.5f, cell_leading = 9;
static const int cell_max_lines = 12;

static const char *const petition_text =
    "1. The People of the State of California, through the prosecuting agency named above, ask "
    "the court to grant the relief stated below for each listed count. Under Health and Safety "
    "Code section 11361.9 the prosecution has reviewed the defendant's record and identified "
    "these convictions as eligible for relief under section 11361.8. The prosecution does not "
    "challenge the relief sought.";
static const char *const counts_text =
    "2. Cannabis convictions for which relief is sought (only these counts of the case):";
static const char *const basis_text =
    "3. For a count whose sentence has been completed, the People ask that the conviction be "
    "dismissed and sealed because it is now legally invalid, or redesignated as a misdemeanor or "
    "infraction (HS 11361.8(e)-(f)). For a count whose sentence is still being served, the People "
    "ask that the sentence be recalled and the defendant resentenced to the outcome stated for "
    "that count (HS 11361.8(a)-(b)).";
static const char *const discretion_text =
    "4. A count marked \"in the interest of justice\" is relief beyond what section 11361.8 "
    "requires, granted under this county's policy. As to that count the People move that the "
    "conviction be dismissed in furtherance of justice under Penal Code section 1385; the People "
    "do not assert that it is legally invalid.";
static const char *const scope_text =
    "Any other count of this case is not part of this petition and is not affected by it.";
static const char *const order_checks[] = {
    "GRANTED as to every count listed above: each count is dismissed and sealed, redesignated, "
    "or its sentence recalled and the defendant resentenced, as stated under relief sought.",
    "GRANTED IN PART: granted as to each count marked G and denied as to each count marked D in "
    "the column \"Court: G / D\" above.",
    "DENIED. Reasons are stated on the record.",
    "Set for hearing on (date): ____________________   Dept.: ________",
};
static const char *const clerk_text =
    "The clerk shall report the disposition of each count to the California Department of "
    "Justice, so that the defendant's state criminal history record is corrected (HS 11361.9), "
    "and shall seal the records of each count dismissed and sealed.";
static const char *const footer_note =
    "Prepared in the substance of Judicial Council forms CR-400 and CR-401 (Health and Safety "
    "Code section 11361.8). Not an official Judicial Council form.";

/* Where the drawing is: the document, the current page and the pen height. */
typedef struct {
  pdf_doc *pdf;
  HPDF_Page page;
  float y;
  HPDF_Page *pages;
  int n_pages, cap_pages;
  const char *number;  /* "000001" */
  const char *caption; /* short caption for continuation pages (WinAnsi) */
  const filings_options *opt;
} pen;

/* "COUNTY OF X", or "CITY AND COUNTY OF SAN FRANCISCO" (upper case in). */
static void county_title(const char *county, char *out, size_t cap) {
  if (!strcmp(county, "SAN FRANCISCO"))
    snprintf(out, cap, "CITY AND COUNTY OF SAN FRANCISCO");
  else
    snprintf(out, cap, "COUNTY OF %s", county);
}

/* The filer's office as the caption names it (WinAnsi, malloc'd). */
static char *office_line(const relief_filer *f, const char *county_t) {
  char line[512];
  if (f && f->office && f->office[0]) return pdf_winansi(f->office);
  snprintf(line, sizeof line, "OFFICE OF THE DISTRICT ATTORNEY, %s", county_t);
  return pdf_winansi(line);
}

static void start_page(pen *p) {
  p->page = pdf_add_letter_page(p->pdf->doc, &p->pages, &p->n_pages, &p->cap_pages);
  p->y = TOP;
  if (p->n_pages > 1) {
    char head[96];
    snprintf(head, sizeof head, "Motion %s (continued)", p->number);
    pdf_text(p->page, p->pdf->bold, 8, LEFT, p->y, head);
    float indent = pdf_text_width(p->pdf->bold, 8, head) + 10;
    pdf_text_wrapped(p->page, p->pdf->regular, 8, LEFT + indent, p->y, WIDTH - indent, 10, 1,
                     p->caption);
    p->y -= 18;
  }
}

static void need(pen *p, float height) {
  if (p->y - height < BOTTOM) start_page(p);
}

/* A wrapped paragraph at the pen, then a gap. */
static void paragraph(pen *p, HPDF_Font font, float size, const char *text) {
  float leading = size * 1.25f;
  int lines = pdf_line_count(font, size, text, WIDTH);
  need(p, (float)lines * leading);
  pdf_text_wrapped(p->page, font, size, LEFT, p->y - size, WIDTH, leading, lines, text);
  p->y -= (float)lines * leading + 6;
}

/* The caption: counsel and court-use boxes, court, parties, title, case. */
static void caption(pen *p, const relief_motion *m, const char *county, const char *name,
                    const char *akas, const char *cii, const char *cases) {
  HPDF_Page pg = p->page;
  HPDF_Font reg = p->pdf->regular, bold = p->pdf->bold;
  const relief_filer *f = p->opt->filer;
  const float split = 392, counsel_h = 86, court_h = 22, party_h = 70, title_h = 58;
  float y = TOP + 8;
  char line[1024], dob[16], county_t[160];
  county_title(county, county_t, sizeof county_t);
  const float inner = split - LEFT - 12;

  pdf_box(pg, LEFT, y - counsel_h, split - LEFT, counsel_h, 0.8f);
  pdf_text(pg, reg, 6.5f, LEFT + 3, y - 8,
           "ATTORNEY FOR THE PEOPLE (name, State Bar number and address):");
  if (f) {
    snprintf(line, sizeof line, "%s, State Bar No. %s", f->attorney, f->bar_number);
    char *w = pdf_winansi(line);
    pdf_text_wrapped(pg, bold, 8, LEFT + 6, y - 20, inner, 10, 1, w);
    free(w);
  } else {
    pdf_text(pg, reg, 8, LEFT + 6, y - 20,
             "Name: ______________________________   State Bar No.: ____________");
  }
  char *office = office_line(f, county_t);
  pdf_text_wrapped(pg, reg, 8, LEFT + 6, y - 31, inner, 10, 1, office);
  free(office);
  if (f) {
    size_t o = 0;
    line[0] = 0;
    for (int i = 0; i < f->n_address; i++)
      o += (size_t)snprintf(line + o, o < sizeof line ? sizeof line - o : 0, "%s%s", i ? ", " : "",
                            f->address[i]);
    char *w = pdf_winansi(line);
    pdf_text_wrapped(pg, reg, 7.5f, LEFT + 6, y - 42, inner, 9, 2, w);
    free(w);
    snprintf(line, sizeof line, "TELEPHONE: %s%s%s", f->phone, f->email[0] ? "   E-MAIL: " : "",
             f->email);
    w = pdf_winansi(line);
    pdf_text_wrapped(pg, reg, 7.5f, LEFT + 6, y - 62, inner, 9, 1, w);
    free(w);
  } else {
    pdf_text(pg, reg, 8, LEFT + 6, y - 44, "Address: ________________________________________");
    pdf_text(pg, reg, 8, LEFT + 6, y - 62, "Telephone: ______________   E-mail: ______________");
  }
  pdf_text(pg, reg, 8, LEFT + 6, y - 77, "ATTORNEY FOR: The People of the State of California");
  pdf_box(pg, split, y - counsel_h - court_h - party_h, RIGHT - split,
          counsel_h + court_h + party_h, 0.8f);
  pdf_text(pg, reg, 6.5f, split + 3, y - 8, "FOR COURT USE ONLY");
  y -= counsel_h;

  pdf_box(pg, LEFT, y - court_h, split - LEFT, court_h, 0.8f);
  snprintf(line, sizeof line, "SUPERIOR COURT OF CALIFORNIA, %s", county_t);
  float court_size = 8.5f; /* "CITY AND COUNTY OF SAN FRANCISCO" needs a smaller size */
  while (court_size > 6.5f && pdf_text_width(bold, court_size, line) > inner) court_size -= 0.5f;
  pdf_text_wrapped(pg, bold, court_size, LEFT + 6, y - 14, inner, 10, 1, line);
  y -= court_h;

  pdf_box(pg, LEFT, y - party_h, split - LEFT, party_h, 0.8f);
  pdf_text(pg, reg, 8, LEFT + 6, y - 11, "PEOPLE OF THE STATE OF CALIFORNIA, Plaintiff,");
  pdf_text(pg, reg, 8, LEFT + 6, y - 21, "v.");
  snprintf(line, sizeof line, "DEFENDANT: %s", name);
  pdf_text_wrapped(pg, bold, 8.5f, LEFT + 6, y - 32, inner, 10, 1, line);
  snprintf(line, sizeof line, "AKA: %s", akas[0] ? akas : "none");
  pdf_text_wrapped(pg, reg, 7.5f, LEFT + 6, y - 43, inner, 9, 2, line);
  snprintf(line, sizeof line, "DATE OF BIRTH: %s      CII NUMBER: %s", pdf_us_date(m->dob_day, dob),
           cii);
  pdf_text_wrapped(pg, reg, 8, LEFT + 6, y - 64, inner, 10, 1, line);
  y -= party_h;

  pdf_box(pg, LEFT, y - title_h, split - LEFT, title_h, 1.2f);
  pdf_text_wrapped(pg, bold, 9, LEFT + 6, y - 13, inner, 11, 2,
                   "PETITION/APPLICATION AND ORDER FOR DISMISSAL, REDESIGNATION OR "
                   "RESENTENCING");
  char *sub = pdf_winansi("HEALTH AND SAFETY CODE \xc2\xa7 11361.8 (Prop 64) \xe2\x80\x94 "
                          "prosecutor-initiated under \xc2\xa7 11361.9");
  pdf_text_wrapped(pg, reg, 7.5f, LEFT + 6, y - 40, inner, 9, 2, sub);
  free(sub);
  pdf_box(pg, split, y - title_h, RIGHT - split, title_h, 1.2f);
  pdf_text(pg, reg, 6.5f, split + 3, y - 8, "CASE NUMBER(S):");
  pdf_text_wrapped(pg, bold, 8.5f, split + 6, y - 21, RIGHT - split - 12, 10, 4,
                   cases[0] ? cases : "(none in the record)");
  p->y = y - title_h - 12;
}

/* One row of the table: texts per column (WinAnsi); the relief column adds
 * the deciding rule's reason under the relief in smaller type. */
typedef struct {
  const char *cell[N_COLS];
  const char *reason;
} count_row;

static float row_height(const pen *p, const count_row *r, int *lines, int *reason_lines) {
  int most = 1;
  for (int c = 0; c < N_COLS; c++) {
    HPDF_Font font = p->pdf->regular;
    lines[c] = pdf_line_count(font, cell_size, r->cell[c], columns[c].width - 2 * cell_pad);
    if (lines[c] > cell_max_lines) lines[c] = cell_max_lines;
  }
  *reason_lines = 0;
  if (r->reason && r->reason[0]) {
    *reason_lines =
        pdf_line_count(p->pdf->regular, 6.5f, r->reason, columns[COL_RELIEF].width - 2 * cell_pad);
    if (*reason_lines > 4) *reason_lines = 4;
  }
  for (int c = 0; c < N_COLS; c++) {
    int n = lines[c] + (c == COL_RELIEF ? *reason_lines : 0);
    if (n > most) most = n;
  }
  return (float)most * cell_leading + 2 * cell_pad;
}

static void table_header(pen *p) {
  const float h = 14;
  need(p, h + 2 * cell_leading);
  pdf_fill(p->page, LEFT, p->y - h, WIDTH, h, 0xE6E6E6);
  float x = LEFT;
  for (int c = 0; c < N_COLS; c++) {
    pdf_text(p->page, p->pdf->bold, 7, x + cell_pad, p->y - 10, columns[c].title);
    pdf_box(p->page, x, p->y - h, columns[c].width, h, 0.5f);
    x += columns[c].width;
  }
  p->y -= h;
}

static void table_row(pen *p, const count_row *r) {
  int lines[N_COLS], reason_lines;
  float h = row_height(p, r, lines, &reason_lines);
  if (p->y - h < BOTTOM) {
    start_page(p);
    table_header(p);
  }
  float x = LEFT, base = p->y - cell_pad - cell_size;
  for (int c = 0; c < N_COLS; c++) {
    float inner = columns[c].width - 2 * cell_pad;
    pdf_text_wrapped(p->page, p->pdf->regular, cell_size, x + cell_pad, base, inner, cell_leading,
                     lines[c], r->cell[c]);
    if (c == COL_RELIEF && reason_lines)
      pdf_text_wrapped(p->page, p->pdf->regular, 6.5f, x + cell_pad,
                       base - (float)lines[c] * cell_leading, inner, cell_leading, reason_lines,
                       r->reason);
    pdf_box(p->page, x, p->y - h, columns[c].width, h, 0.5f);
    x += columns[c].width;
  }
  p->y -= h;
}

static void counts_table(pen *p, const relief_motion *m) {
  table_header(p);
  for (int i = 0; i < m->n_counts; i++) {
    const relief_motion_count *c = &m->counts[i];
    char date[16], reason[600];
    char *section = pdf_winansi(c->code_section), *offense = pdf_winansi(c->offense);
    char *why = pdf_winansi(c->reason);
    snprintf(reason, sizeof reason, "Reason: %s", why);
    count_row row = {
        .cell = {[COL_SECTION] = section,
                 [COL_OFFENSE] = offense[0] ? offense : "-",
                 [COL_DATE] = pdf_us_date(c->conviction_day, date),
                 [COL_LEVEL] = c->felony ? "Felony" : "Misd.",
                 [COL_RELIEF] = forms_count_outcome(c),
                 [COL_BASIS] = forms_count_basis(c),
                 [COL_RULING] = "G ___   D ___"},
        .reason = why[0] ? reason : NULL,
    };
    table_row(p, &row);
    free(section);
    free(offense);
    free(why);
  }
  p->y -= 10;
}

/* A signature line with its caption under it. */
static void signature_line(pen *p, float x, float w, float y, const char *under) {
  pdf_line(p->page, x, y, x + w, y, 0.6f);
  pdf_text(p->page, p->pdf->regular, 6.5f, x, y - 8, under);
}

static void prosecutor_block(pen *p) {
  const relief_filer *f = p->opt->filer;
  need(p, 52);
  float y = p->y - 14;
  char date[16];
  pdf_text(p->page, p->pdf->regular, 8, LEFT, y, "Date:");
  if (f && p->opt->prepared_day)
    pdf_text(p->page, p->pdf->regular, 8, LEFT + 28, y + 1,
             pdf_us_date(p->opt->prepared_day, date));
  pdf_line(p->page, LEFT + 24, y - 1, LEFT + 130, y - 1, 0.6f);
  y -= 26;
  if (f) {
    char *name = pdf_winansi(f->attorney), *sig = pdf_winansi(f->signature);
    pdf_text_wrapped(p->page, p->pdf->regular, 8, LEFT, y + 3, 196, 9, 1, name);
    pdf_text(p->page, p->pdf->regular, 8, LEFT + 215, y + 3, f->bar_number);
    pdf_text_wrapped(p->page, p->pdf->regular, 8, LEFT + 320, y + 3, WIDTH - 320, 9, 1, sig);
    free(name);
    free(sig);
  }
  signature_line(p, LEFT, 200, y, "(TYPE OR PRINT NAME OF PROSECUTOR)");
  signature_line(p, LEFT + 215, 90, y, "(STATE BAR NUMBER)");
  signature_line(p, LEFT + 320, WIDTH - 320, y, "(SIGNATURE OF PROSECUTOR)");
  p->y = y - 22;
}

static void order_block(pen *p) {
  float text_w = WIDTH - 16;
  float height = 60 + (float)pdf_line_count(p->pdf->regular, 8, clerk_text, WIDTH) * 10 + 8;
  for (size_t i = 0; i < sizeof order_checks / sizeof order_checks[0]; i++)
    height += (float)pdf_line_count(p->pdf->regular, 8, order_checks[i], text_w) * 10 + 6;
  need(p, height + 50);
  pdf_line(p->page, LEFT, p->y, RIGHT, p->y, 1.5f);
  float title_w = pdf_text_width(p->pdf->bold, 11, "ORDER");
  pdf_text(p->page, p->pdf->bold, 11, LEFT + (WIDTH - title_w) / 2, p->y - 15, "ORDER");
  pdf_text(p->page, p->pdf->regular, 8, LEFT, p->y - 30,
           "The court has read and considered the petition/application above and ORDERS:");
  float y = p->y - 44;
  for (size_t i = 0; i < sizeof order_checks / sizeof order_checks[0]; i++) {
    pdf_box(p->page, LEFT, y - 1, 8, 8, 0.6f);
    int lines =
        pdf_text_wrapped(p->page, p->pdf->regular, 8, LEFT + 16, y, text_w, 10, 8, order_checks[i]);
    y -= (float)lines * 10 + 6;
  }
  y -= 4;
  int clerk_lines = pdf_text_wrapped(p->page, p->pdf->bold, 8, LEFT, y, WIDTH, 10, 6, clerk_text);
  y -= (float)clerk_lines * 10 + 16;
  pdf_text(p->page, p->pdf->regular, 8, LEFT, y, "Date:");
  pdf_line(p->page, LEFT + 24, y - 1, LEFT + 130, y - 1, 0.6f);
  signature_line(p, LEFT + 260, WIDTH - 260, y, "JUDICIAL OFFICER OF THE SUPERIOR COURT");
  p->y = y - 20;
}

/* The last page: notice to the public defender and a proof of service. */
static void notice_page(pen *p, const char *county, const char *name, const char *cases) {
  start_page(p);
  char county_t[160], line[1024];
  county_title(county, county_t, sizeof county_t);
  float title_w = pdf_text_width(p->pdf->bold, 11, "NOTICE TO THE PUBLIC DEFENDER");
  pdf_text(p->page, p->pdf->bold, 11, LEFT + (WIDTH - title_w) / 2, p->y - 12,
           "NOTICE TO THE PUBLIC DEFENDER");
  p->y -= 28;
  snprintf(line, sizeof line, "To the Office of the Public Defender, %s:", county_t);
  paragraph(p, p->pdf->regular, 8.5f, line);
  snprintf(line, sizeof line,
           "Please take notice that the People have filed the attached petition/application "
           "under Health and Safety Code sections 11361.8 and 11361.9 in People v. %s, case "
           "number(s) %s, asking the court to grant the relief stated for each listed cannabis "
           "count. The People do not challenge that relief.",
           name, cases[0] ? cases : "(none in the record)");
  paragraph(p, p->pdf->regular, 8.5f, line);
  p->y -= 10;
  title_w = pdf_text_width(p->pdf->bold, 11, "PROOF OF SERVICE");
  pdf_text(p->page, p->pdf->bold, 11, LEFT + (WIDTH - title_w) / 2, p->y - 12, "PROOF OF SERVICE");
  p->y -= 28;
  paragraph(p, p->pdf->regular, 8.5f,
            "I am over 18 years of age and not a party to this action. I served a copy of the "
            "petition/application above, with this notice, on the Office of the Public Defender "
            "named above by:");
  static const char *const ways[] = {
      "personal delivery", "electronic service (address):", "first-class mail (address):"};
  for (int i = 0; i < 3; i++) {
    need(p, 14);
    pdf_box(p->page, LEFT + 8, p->y - 9, 8, 8, 0.6f);
    pdf_text(p->page, p->pdf->regular, 8.5f, LEFT + 22, p->y - 8, ways[i]);
    if (i) pdf_line(p->page, LEFT + 160, p->y - 9, RIGHT, p->y - 9, 0.5f);
    p->y -= 16;
  }
  p->y -= 4;
  paragraph(p, p->pdf->regular, 8.5f,
            "on (date): ____________________. I declare under penalty of perjury under the laws "
            "of the State of California that the foregoing is true and correct.");
  need(p, 40);
  float y = p->y - 30;
  signature_line(p, LEFT, 200, y, "(TYPE OR PRINT NAME OF PERSON SERVING)");
  signature_line(p, LEFT + 215, 90, y, "(DATE)");
  signature_line(p, LEFT + 320, WIDTH - 320, y, "(SIGNATURE)");
  p->y = y - 20;
}

static void footers(pen *p) {
  for (int i = 0; i < p->n_pages; i++) {
    char text[64];
    snprintf(text, sizeof text, "Motion %s", p->number);
    pdf_text(p->pages[i], p->pdf->bold, 7.5f, LEFT, 40, text);
    snprintf(text, sizeof text, "Page %d of %d", i + 1, p->n_pages);
    pdf_text(p->pages[i], p->pdf->regular, 7.5f,
             RIGHT - pdf_text_width(p->pdf->regular, 7.5f, text), 40, text);
    pdf_text_wrapped(p->pages[i], p->pdf->regular, 6, LEFT, 30, WIDTH, 7.5f, 2, footer_note);
  }
}

int forms_draw_motion(pdf_doc *pdf, const relief_motion *m, size_t number,
                      const filings_options *opt) {
  filings_options none = {0};
  char num[32], short_caption[400];
  snprintf(num, sizeof num, "%06zu", number);
  char *county = pdf_winansi(m->county), *name = pdf_winansi(m->name);
  char *akas = pdf_winansi(m->akas), *cii = pdf_winansi(m->cii);
  char *cases = pdf_winansi(m->case_numbers);
  for (char *c = county; *c; c++)
    if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
  snprintf(short_caption, sizeof short_caption, "People v. %s; case number(s): %s", name,
           cases[0] ? cases : "none in the record");
  pen p = {.pdf = pdf, .number = num, .caption = short_caption, .opt = opt ? opt : &none};
  start_page(&p);
  caption(&p, m, county, name, akas, cii, cases);
  paragraph(&p, pdf->regular, 8.5f, petition_text);
  paragraph(&p, pdf->bold, 8.5f, counts_text);
  counts_table(&p, m);
  paragraph(&p, pdf->regular, 8.5f, basis_text);
  bool any_discretionary = false;
  for (int i = 0; i < m->n_counts; i++) any_discretionary |= m->counts[i].discretionary != 0;
  if (any_discretionary) paragraph(&p, pdf->regular, 8.5f, discretion_text);
  paragraph(&p, pdf->regular, 8.5f, scope_text);
  prosecutor_block(&p);
  order_block(&p);
  notice_page(&p, county, name, cases);
  footers(&p);
  int pages = p.n_pages;
  free(p.pages);
  free(county);
  free(name);
  free(akas);
  free(cii);
  free(cases);
  return pages;
}
