/*
 * test_forms.c — court motions: each motion's PDF and all_motions.pdf hold its
 * case number, CII number and surname (read back with poppler's pdftotext),
 * court_list.csv is exact, file names carry no personal data, files are 0600,
 * bad motions fail before anything is written.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doj/doj.h"
#include "filings/filings.h"
#include "scratch.h"

/* The filings writer over a publication of the folder out, committed when
 * it succeeds (what a run does with Court_Filings/<COUNTY>/). */
static relief_status relief_forms_write(const char *out, const relief_motion *m, size_t n,
                                        relief_error *err) {
  publication *pub;
  relief_status st = publication_begin(out, &pub, err);
  if (st) return st;
  st = filings_write(pub, "", m, n, 2, NULL, err);
  if (st) {
    publication_abort(pub);
    return st;
  }
  return publication_commit(pub, NULL, 0, err);
}

static char dir[] = "/tmp/relief-forms-XXXXXX";
static void setup(void) { scratch_make(dir); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(forms, .init = setup, .fini = teardown, .timeout = 120);

/* stdout of a shell command, NUL-terminated (the caller frees). */
static char *capture(const char *cmd) {
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p, "cannot run %s", cmd);
  size_t cap = 1 << 16, len = 0;
  char *out = malloc(cap);
  for (size_t got; (got = fread(out + len, 1, cap - len - 1, p)) > 0;) {
    len += got;
    if (cap - len < 4096) out = realloc(out, cap *= 2);
  }
  out[len] = 0;
  cr_assert_eq(pclose(p), 0, "command failed: %s", cmd);
  return out;
}

static char *pdftotext_of(const char *path) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' -", path);
  return capture(cmd);
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = 0;
  fclose(f);
  return s;
}

static const relief_motion_count counts_a[] = {
    {"11357(B) HS", "11357(B) HS-POSSESS MARIJUANA", 7000, 0, RELIEF_SOUGHT_DISMISS_AND_SEAL,
     "Misdemeanor or Infraction", RELIEF_DET_DISMISS, 0},
    {"11359 HS", "11359 HS-POSSESS MARIJUANA FOR SALE", 7100, 1, RELIEF_SOUGHT_REDESIGNATE,
     "Reduce all HS 11359 convictions", RELIEF_DET_REDUCE, 0},
};
static const relief_motion_count counts_b[] = {
    {"11360(A) HS", "", RELIEF_DAY_UNKNOWN, 1, RELIEF_SOUGHT_RECALL_AND_RESENTENCE, "",
     RELIEF_DET_REDUCE, 0},
};
static relief_motion_count counts_long[40];

/* five people; surnames, CII and case numbers all distinct */
static const char *const surnames[] = {"GARCIA", "MU\xc3\x91OZ", "OKONKWO", "LINDQVIST",
                                       "BAPTISTE"};
static const char *const names[] = {"GARCIA,MARIA", "MU\xc3\x91OZ,JOS\xc3\x89", "OKONKWO,ADA",
                                    "LINDQVIST,ERIK", "BAPTISTE,JEAN \"JJ\""};
static const char *const ciis[] = {"A12345678", "087654321", "112233445", "998877665", "556677889"};
static const char *const cases[] = {"BA123456", "LA998877; MA112233", "SF445566", "", "KC777001"};
/* motions are named by their first case number (sanitised) */
static const char *const files[] = {"BA123456.pdf", "LA998877.pdf", "SF445566.pdf",
                                    "no-case-number.pdf", "KC777001.pdf"};

static void make_motions(relief_motion *m) {
  for (int i = 0; i < 40; i++)
    counts_long[i] = (relief_motion_count){"11358 HS",
                                           "11358 HS-CULTIVATE MARIJUANA",
                                           8000 + i,
                                           i % 2,
                                           (relief_sought)(i % 3),
                                           "Dismiss all HS 11358 convictions",
                                           RELIEF_DET_DISMISS,
                                           i % 4 == 0};
  for (int i = 0; i < 5; i++)
    m[i] = (relief_motion){.county = "Los Angeles",
                           .step = "001002",
                           .case_numbers = cases[i],
                           .name = names[i],
                           .akas = i == 1 ? "MUNOZ,JOSE; MUNOS,J" : "",
                           .dob_day =
                               i == 2 ? RELIEF_DAY_UNKNOWN : doj_days_from_civil(1970 + i, 3, 9),
                           .cii = ciis[i],
                           .counts = i == 3   ? counts_long
                                     : i == 1 ? counts_b
                                              : counts_a,
                           .n_counts = i == 3   ? 40
                                       : i == 1 ? 1
                                                : 2};
}

static void write_motions(const char *out, relief_motion *m, size_t n) {
  relief_error err;
  relief_status st = relief_forms_write(out, m, n, &err);
  cr_assert_eq(st, RELIEF_OK, "relief_forms_write: %s", err.message);
}

Test(forms, every_motion_pdf_names_its_case_cii_and_surname) {
  relief_motion m[5];
  make_motions(m);
  write_motions(dir, m, 5);
  for (int i = 0; i < 5; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    char *text = pdftotext_of(path);
    cr_expect(strstr(text, ciis[i]), "motion %d lacks its CII", i + 1);
    cr_expect(strstr(text, surnames[i]), "motion %d lacks its surname", i + 1);
    if (cases[i][0]) {
      cr_expect(strstr(text, cases[i]), "motion %d lacks its case number", i + 1);
    } else {
      cr_expect(strstr(text, "(none in the record)"));
    }
    cr_expect(strstr(text, "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES"));
    cr_expect(strstr(text, "11361.8"));
    cr_expect(strstr(text, "ORDER"));
    cr_expect(strstr(text, "JUDICIAL OFFICER"));
    cr_expect(strstr(text, "(SIGNATURE OF PROSECUTOR)"));
    free(text);
  }
  char path[512];
  snprintf(path, sizeof path, "%s/LA998877.pdf", dir);
  char *text = pdftotext_of(path);
  cr_expect(strstr(text, "MUNOZ, JOSE; MUNOS, J"), "AKAs shown, written LAST, FIRST");
  cr_expect(strstr(text, "Recall the sentence"));
  cr_expect(strstr(text, "as a misdemeanor"), "the outcome of the resentencing is stated");
  cr_expect(strstr(text, "HS 11361.8(a)-(b)"));
  free(text);
  snprintf(path, sizeof path, "%s/SF445566.pdf", dir);
  text = pdftotext_of(path);
  cr_expect(strstr(text, "DATE OF BIRTH: unknown"));
  free(text);
  snprintf(path, sizeof path, "%s/BA123456.pdf", dir);
  text = pdftotext_of(path);
  cr_expect(strstr(text, "Redesignate as a"), "a felony is redesignated as a misdemeanor");
  cr_expect(strstr(text, "NOTICE TO THE PUBLIC DEFENDER"));
  cr_expect(strstr(text, "PROOF OF SERVICE"));
  cr_expect(strstr(text, "Department of"), "the clerk reports to DOJ");
  cr_expect(strstr(text, "Court: G / D"), "a ruling column per count");
  cr_expect_null(strstr(text, "in the interest of justice"), "no discretionary count here");
  cr_expect(strstr(text, "DATE OF BIRTH: 03/09/1970"));
  cr_expect(strstr(text, "Dismiss and seal"));
  cr_expect(strstr(text, "HS 11361.8(e)-(f)"));
  free(text);
}

Test(forms, a_long_motion_runs_onto_more_pages_and_the_index_finds_it) {
  relief_motion m[5];
  make_motions(m);
  write_motions(dir, m, 5);
  char path[512], cmd[700];
  snprintf(path, sizeof path, "%s/no-case-number.pdf", dir);
  char *text = pdftotext_of(path);
  cr_expect(strstr(text, "Page 2 of"), "40 counts need a second page");
  cr_expect(strstr(text, "Motion 000004 (continued)"));
  cr_expect(strstr(text, "PC 1385"), "discretionary dismissals cite the interest of justice");
  cr_expect(strstr(text, "in the interest of justice"));
  free(text);
  int pages = 0;
  for (int i = 0; i < 5; i++) {
    snprintf(cmd, sizeof cmd, "pdfinfo '%s/%s' | grep -o 'Pages: *[0-9]*' | tr -dc 0-9", dir,
             files[i]);
    char *n = capture(cmd);
    pages += atoi(n);
    free(n);
  }
  snprintf(cmd, sizeof cmd, "pdfinfo '%s/all_motions.pdf' | grep -o 'Pages: *[0-9]*' | tr -dc 0-9",
           dir);
  char *all_pages = capture(cmd);
  /* one index page, then every motion's pages */
  cr_expect_eq(atoi(all_pages), 1 + pages);
  free(all_pages);
}

Test(forms, all_motions_pdf_has_an_index_and_every_motion) {
  relief_motion m[5];
  make_motions(m);
  write_motions(dir, m, 5);
  char path[512];
  snprintf(path, sizeof path, "%s/all_motions.pdf", dir);
  char *text = pdftotext_of(path);
  char *index_end = strstr(text, "\f"); /* the index is the first page */
  cr_assert_not_null(index_end);
  cr_expect(strstr(text, "All motions: index"));
  for (int i = 0; i < 5; i++) {
    char number[16];
    snprintf(number, sizeof number, "%06d", i + 1);
    char *hit = strstr(text, number);
    cr_expect(hit && hit < index_end, "index lists motion %s", number);
    cr_expect(strstr(index_end, ciis[i]), "motion %d's CII in the combined PDF", i + 1);
    cr_expect(strstr(text, surnames[i]), "motion %d's surname in the combined PDF", i + 1);
    if (cases[i][0]) cr_expect(strstr(index_end, cases[i]), "motion %d's case number", i + 1);
  }
  free(text);
}

Test(forms, court_list_csv_is_exact) {
  relief_motion m[5];
  make_motions(m);
  write_motions(dir, m, 5);
  char path[512];
  snprintf(path, sizeof path, "%s/court_list.csv", dir);
  char *csv = read_all(path);
  const char *expected =
      "Motion,County,Case Number,CII_NUMBER,PRI_NAME,PRI_DOB,Counts,Relief,File,Court,Sections,"
      "Conviction Dates,Filed,Granted,Reported to DOJ,Order,Order Date\n"
      "000001,Los Angeles,BA123456,A12345678,\"GARCIA,MARIA\",03/09/1970,2,"
      "Dismiss and seal; Redesignate as misdemeanor or infraction,BA123456.pdf,,"
      "11357(B) HS; 11359 HS,03/02/1989; 06/10/1989,,,,,\n"
      "000002,Los Angeles,LA998877; MA112233,087654321,\"MU\xc3\x91OZ,JOS\xc3\x89\",03/09/1971,1,"
      "Recall and resentence,LA998877.pdf,,11360(A) HS,unknown,,,,,\n"
      "000003,Los Angeles,SF445566,112233445,\"OKONKWO,ADA\",unknown,2,"
      "Dismiss and seal; Redesignate as misdemeanor or infraction,SF445566.pdf,,"
      "11357(B) HS; 11359 HS,03/02/1989; 06/10/1989,,,,,\n"
      "000004,Los Angeles,,998877665,\"LINDQVIST,ERIK\",03/09/1973,40,"
      "Dismiss and seal; Redesignate as misdemeanor or infraction; Recall and resentence,"
      "no-case-number.pdf,,11358 HS,11/27/1991; 11/28/1991; 11/29/1991; 11/30/1991; 12/01/1991; "
      "12/02/1991; 12/03/19"
      "91; 12/04/1991; 12/05/1991; 12/06/1991; 12/07/1991; 12/08/1991; 12/09/1991; 12/1"
      "0/1991; 12/11/1991; 12/12/1991; 12/13/1991; 12/14/1991; 12/15/1991; 12/16/1991; "
      "12/17/1991; 12/18/1991; 12/19/1991; 12/20/1991; 12/21/1991; 12/22/1991; 12/23/19"
      "91; 12/24/1991; 12/25/1991; 12/26/1991; 12/27/1991; 12/28/1991; 12/29/1991; 12/3"
      "0/1991; 12/31/1991; 01/01/1992; 01/02/1992; 01/03/1992; 01/04/1992; 01/05/1992,,,,,\n"
      "000005,Los Angeles,KC777001,556677889,\"BAPTISTE,JEAN \"\"JJ\"\"\",03/09/1974,2,"
      "Dismiss and seal; Redesignate as misdemeanor or infraction,KC777001.pdf,,"
      "11357(B) HS; 11359 HS,03/02/1989; 06/10/1989,,,,,\n";
  cr_expect_str_eq(csv, expected);
  free(csv);
}

Test(forms, file_names_hold_no_personal_data_and_files_are_private) {
  relief_motion m[5];
  make_motions(m);
  write_motions(dir, m, 5);
  DIR *d = opendir(dir);
  cr_assert_not_null(d);
  int n_files = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, ".."))) continue;
    n_files++;
    int motion = 0;
    for (int i = 0; i < 5; i++) motion |= !strcmp(e->d_name, files[i]);
    cr_expect(motion || !strcmp(e->d_name, "all_motions.pdf") ||
                  !strcmp(e->d_name, "court_list.csv") || !strcmp(e->d_name, "court_counts.csv"),
              "unexpected file %s (a temporary left behind?)", e->d_name);
    for (int i = 0; i < 5; i++) {
      cr_expect_null(strstr(e->d_name, ciis[i]));
      cr_expect_null(strcasestr(e->d_name, surnames[i]));
    }
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "%s has mode %o", e->d_name, st.st_mode & 0777);
  }
  closedir(d);
  cr_expect_eq(n_files, 5 + 3);
}

Test(forms, same_motions_give_the_same_bytes) {
  relief_motion m[5];
  make_motions(m);
  char a[600], b[600], cmd[4096];
  snprintf(a, sizeof a, "%s/a", dir);
  snprintf(b, sizeof b, "%s/b", dir);
  write_motions(a, m, 5);
  write_motions(b, m, 5);
  snprintf(cmd, sizeof cmd,
           "cmp '%s/court_list.csv' '%s/court_list.csv' && "
           "cmp '%s/no-case-number.pdf' '%s/no-case-number.pdf' && "
           "cmp '%s/all_motions.pdf' '%s/all_motions.pdf'",
           a, b, a, b, a, b);
  free(capture(cmd));
}

Test(forms, no_motions_gives_a_header_and_an_index_saying_so) {
  write_motions(dir, NULL, 0);
  char path[512];
  snprintf(path, sizeof path, "%s/court_list.csv", dir);
  char *csv = read_all(path);
  cr_expect_str_eq(
      csv, "Motion,County,Case Number,CII_NUMBER,PRI_NAME,PRI_DOB,Counts,Relief,File,"
           "Court,Sections,Conviction Dates,Filed,Granted,Reported to DOJ,Order,Order Date\n");
  free(csv);
  snprintf(path, sizeof path, "%s/all_motions.pdf", dir);
  char *text = pdftotext_of(path);
  cr_expect(strstr(text, "No motions."));
  free(text);
}

Test(forms, a_bad_relief_fails_before_writing_anything) {
  relief_motion m[5];
  make_motions(m);
  relief_motion_count bad = counts_a[0];
  bad.relief = (relief_sought)7;
  m[2].counts = &bad;
  m[2].n_counts = 1;
  char out[600];
  snprintf(out, sizeof out, "%s/out", dir);
  relief_error err;
  cr_assert_eq(relief_forms_write(out, m, 5, &err), RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "motion 000003"), "%s", err.message);
  cr_expect_null(strstr(err.message, "OKONKWO"));
  /* the publication made the folder; a failed call leaves nothing in it */
  DIR *d = opendir(out);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
  if (d) closedir(d);
  cr_expect_eq(n, 0, "nothing written for a bad call");
}

Test(forms, an_unwritable_folder_is_an_io_error) {
  relief_motion m[5];
  make_motions(m);
  char out[600];
  snprintf(out, sizeof out, "%s/ro", dir);
  cr_assert_eq(mkdir(out, 0500), 0);
  relief_error err;
  if (geteuid() == 0) { /* root writes anywhere: make the folder a file's child instead */
    snprintf(out, sizeof out, "%s/file", dir);
    FILE *f = fopen(out, "w");
    fclose(f);
    strcat(out, "/sub");
  }
  cr_expect_eq(relief_forms_write(out, m, 5, &err), RELIEF_E_IO);
  cr_expect(err.message[0]);
}

Test(forms, a_filer_signs_every_motion_in_san_francisco_with_bookmarks_and_embedded_fonts) {
  relief_motion m[5];
  make_motions(m);
  for (int i = 0; i < 5; i++) m[i].county = "SAN FRANCISCO";
  relief_filer filer = {.office = "San Francisco City Attorney",
                        .agency = RELIEF_FILER_CITY_ATTORNEY,
                        .attorney = "Robin O. Vega",
                        .bar_number = "765432",
                        .address = {"1 Dr. Carlton B. Goodlett Pl.", "San Francisco, CA 94102"},
                        .n_address = 2,
                        .phone = "(415) 555-0199",
                        .email = "filings@example.gov",
                        .signature = "/s/ Robin O. Vega"};
  filings_options opt = {.filer = &filer, .prepared_day = doj_days_from_civil(2024, 5, 6)};
  publication *pub;
  relief_error err;
  cr_assert_eq(publication_begin(dir, &pub, &err), RELIEF_OK);
  cr_assert_eq(filings_write(pub, "", m, 5, 2, &opt, &err), RELIEF_OK, "%s", err.message);
  cr_assert_eq(publication_commit(pub, NULL, 0, &err), RELIEF_OK);
  for (int i = 0; i < 5; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    char *text = pdftotext_of(path);
    cr_expect(strstr(text, "Robin O. Vega, State Bar No. 765432"), "motion %d: filer", i + 1);
    cr_expect(strstr(text, "San Francisco City Attorney"));
    cr_expect(strstr(text, "(415) 555-0199"));
    cr_expect(strstr(text, "/s/ Robin O. Vega"));
    cr_expect(strstr(text, "05/06/2024"), "the date the motion was prepared");
    cr_expect(strstr(text, "SUPERIOR COURT OF CALIFORNIA, CITY AND COUNTY OF SAN FRANCISCO"));
    free(text);
  }
  char cmd[700];
  snprintf(cmd, sizeof cmd, "pdffonts '%s/all_motions.pdf' | tail -n +3 | awk '{print $(NF-4)}'",
           dir);
  char *emb = capture(cmd);
  cr_expect(strstr(emb, "yes") && !strstr(emb, "no"), "fonts embedded: %s", emb);
  free(emb);
  char path[512];
  snprintf(path, sizeof path, "%s/all_motions.pdf", dir);
  char *raw = read_all(path);
  cr_expect(strstr(raw, "/Outlines"), "all_motions.pdf has bookmarks");
  free(raw);
  /* the index is alphabetical by name: BAPTISTE before GARCIA before LINDQVIST */
  char *text = pdftotext_of(path);
  char *b = strstr(text, "BAPTISTE"), *g = strstr(text, "GARCIA"), *l = strstr(text, "LINDQVIST");
  cr_expect(b && g && l && b < g && g < l, "index not alphabetical");
  free(text);
}
