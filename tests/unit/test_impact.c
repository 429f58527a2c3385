/*
 * test_impact.c — the impact report: report.html references nothing outside
 * itself, every figure it shows equals the JSON value its data-key names and
 * every count of the summary is shown; text is escaped; headless Chromium
 * renders it (offline) to a screenshot that is not blank; report.pdf carries
 * the headline figures (read back with pdftotext).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "impact/impact.h"
#include "scratch.h"

/* The report writer over a publication of the folder out. */
static relief_status relief_report_write(const char *out, const char *json, relief_error *err) {
  publication *pub;
  relief_status st = publication_begin(out, &pub, err);
  if (st) return st;
  st = impact_write_json(pub, "report.html", "report.pdf", json, err);
  if (st) {
    publication_abort(pub);
    return st;
  }
  return publication_commit(pub, NULL, 0, err);
}

static char dir[] = "/tmp/relief-report-XXXXXX";
static void setup(void) { scratch_make(dir); }
static void teardown(void) { scratch_remove(dir); }
TestSuite(report, .init = setup, .fini = teardown, .timeout = 180);

static const char *const county_json =
    "{\"summary\":{\"county\":\"LOS ANGELES\",\"earliestConviction\":\"1979-06-01T00:00:00Z\","
    "\"lineCount\":10482,\"processingTimeInSeconds\":0.132437691,"
    "\"reliefWithCurrentEligibilityChoices\":{\"CountSubjectsNoConviction\":225,"
    "\"CountSubjectsNoConvictionLast7Years\":129,\"CountSubjectsNoFelony\":301},"
    "\"reliefWithDismissAllProp64\":{\"CountSubjectsNoConviction\":231,"
    "\"CountSubjectsNoConvictionLast7Years\":135,\"CountSubjectsNoFelony\":307},"
    "\"prop64ConvictionsCountInCountyByCodeSection\":{\"11357\":544,\"11358\":138,\"11359\":234,"
    "\"11360\":295},\"subjectsWithProp64ConvictionCountInCounty\":794,"
    "\"prop64FelonyConvictionsCountInCounty\":543,\"prop64NonFelonyConvictionsCountInCounty\":668,"
    "\"subjectsWithSomeReliefCount\":790,\"convictionDismissalCountByCodeSection\":{\"11357\":111,"
    "\"11358\":96},\"convictionReductionCountByCodeSection\":{\"11359\":39,\"11360\":40},"
    "\"convictionDismissalCountByAdditionalRelief\":{\"21 years or younger\":43,"
    "\"57 years or older\":137,\"Conviction occurred 10 or more years ago\":57,"
    "\"Only has 11357-60 charges\":20}},"
    "\"extra\":{\"convictionsBySectionAndOutcome\":{\"11357\":{\"Eligible for Dismissal\":520,"
    "\"Hand Review\":24},\"11358\":{\"Eligible for Dismissal\":120,\"Eligible for Reduction\":12,"
    "\"\":6},\"11359\":{\"Eligible for Dismissal\":150,\"Eligible for Reduction\":39,"
    "\"Not eligible\":45},\"11360\":{\"Eligible for Dismissal\":210,\"Eligible for Reduction\":40,"
    "\"Hand Review\":45}},\"handReview\":69,\"processingTimeInSeconds\":1.2345,"
    "\"inputBytes\":14213456,\"people\":3000,\"statewide\":false}}";

/* A county summary with every count distinct from the others'. */
static const char *county_summary(char *out, size_t cap, const char *name, int k) {
  snprintf(out, cap,
           "{\"county\":\"%s\",\"earliestConviction\":\"198%d-02-0%dT00:00:00Z\",\"lineCount\":%d,"
           "\"processingTimeInSeconds\":0.5,\"reliefWithCurrentEligibilityChoices\":"
           "{\"CountSubjectsNoConviction\":%d,\"CountSubjectsNoConvictionLast7Years\":%d,"
           "\"CountSubjectsNoFelony\":%d},\"reliefWithDismissAllProp64\":"
           "{\"CountSubjectsNoConviction\":%d,\"CountSubjectsNoConvictionLast7Years\":%d,"
           "\"CountSubjectsNoFelony\":%d},\"prop64ConvictionsCountInCountyByCodeSection\":"
           "{\"11357\":%d,\"11359\":%d},\"subjectsWithProp64ConvictionCountInCounty\":%d,"
           "\"prop64FelonyConvictionsCountInCounty\":%d,"
           "\"prop64NonFelonyConvictionsCountInCounty\":%d,\"subjectsWithSomeReliefCount\":%d,"
           "\"convictionDismissalCountByCodeSection\":{\"11357\":%d},"
           "\"convictionReductionCountByCodeSection\":{\"11359\":%d},"
           "\"convictionDismissalCountByAdditionalRelief\":{\"Individual is deceased\":%d}}",
           name, k, k, 5000 + k, 101 + k, 102 + k, 103 + k, 104 + k, 105 + k, 106 + k, 107 + k,
           108 + k, 109 + k, 110 + k, 111 + k, 112 + k, 113 + k, 114 + k, 115 + k);
  return out;
}

static char *statewide_json(void) {
  char a[2048], b[2048], c[2048];
  county_summary(a, sizeof a, "ALAMEDA", 1);
  county_summary(b, sizeof b, "LOS ANGELES", 3);
  county_summary(c, sizeof c, "SAN LUIS OBISPO", 7);
  size_t cap = 16384;
  char *s = malloc(cap);
  snprintf(s, cap,
           "{\"summary\":{\"county\":\"\",\"earliestConviction\":\"1981-02-01T00:00:00Z\","
           "\"lineCount\":15021,\"processingTimeInSeconds\":2.5,"
           "\"reliefWithCurrentEligibilityChoices\":{\"CountSubjectsNoConviction\":316,"
           "\"CountSubjectsNoConvictionLast7Years\":319,\"CountSubjectsNoFelony\":322},"
           "\"reliefWithDismissAllProp64\":{\"CountSubjectsNoConviction\":325,"
           "\"CountSubjectsNoConvictionLast7Years\":328,\"CountSubjectsNoFelony\":331},"
           "\"prop64ConvictionsCountInCountyByCodeSection\":{\"11357\":334,\"11359\":337},"
           "\"subjectsWithProp64ConvictionCountInCounty\":340,"
           "\"prop64FelonyConvictionsCountInCounty\":343,"
           "\"prop64NonFelonyConvictionsCountInCounty\":346,\"subjectsWithSomeReliefCount\":349,"
           "\"convictionDismissalCountByCodeSection\":{\"11357\":352},"
           "\"convictionReductionCountByCodeSection\":{\"11359\":355},"
           "\"convictionDismissalCountByAdditionalRelief\":{\"Individual is deceased\":358},"
           "\"people\":2999,\"rows\":15038,\"duplicateRows\":17,"
           "\"counties\":{\"LOS ANGELES\":%s,\"ALAMEDA\":%s,\"SAN LUIS OBISPO\":%s}},"
           "\"extra\":{\"convictionsBySectionAndOutcome\":{\"11357\":{\"Eligible for Dismissal\":"
           "334},\"11359\":{\"Eligible for Reduction\":300,\"Hand Review\":37}},\"handReview\":37,"
           "\"processingTimeInSeconds\":2.5,\"inputBytes\":1100000,\"people\":2999,"
           "\"statewide\":true}}",
           b, a, c);
  return s;
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

static char *write_report(const char *json, const char *out) {
  relief_error err;
  relief_status st = relief_report_write(out, json, &err);
  cr_assert_eq(st, RELIEF_OK, "relief_report_write: %s", err.message);
  char path[600];
  snprintf(path, sizeof path, "%s/report.html", out);
  return read_all(path);
}

/* Undoes the five entities the report writes. */
static void unescape(char *s) {
  static const struct {
    const char *entity;
    char c;
  } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  char *o = s;
  for (const char *p = s; *p;) {
    size_t i = 0;
    for (; i < 5; i++)
      if (!strncmp(p, entities[i].entity, strlen(entities[i].entity))) break;
    if (i < 5) {
      *o++ = entities[i].c;
      p += strlen(entities[i].entity);
    } else {
      *o++ = *p++;
    }
  }
  *o = 0;
}

/* The JSON value at an RFC 6901 pointer. */
static json_t *at_pointer(json_t *root, const char *pointer) {
  json_t *v = root;
  char key[512];
  for (const char *p = pointer; *p == '/' && v;) {
    size_t n = 0;
    for (p++; *p && *p != '/'; p++) {
      char c = *p;
      if (c == '~') c = *++p == '1' ? '/' : '~';
      key[n++] = c;
    }
    key[n] = 0;
    v = json_object_get(v, key);
  }
  return v;
}

/* Checks every data-key figure against the JSON; returns the keys seen,
 * "\n"-separated with a leading "\n". */
static char *check_figures(const char *html, json_t *root) {
  size_t cap = strlen(html) + 2, len = 1;
  char *seen = calloc(cap, 1);
  seen[0] = '\n';
  int figures = 0;
  for (const char *p = html; (p = strstr(p, "data-key=\"")); figures++) {
    p += 10;
    const char *end = strchr(p, '"');
    char key[1024], text[256];
    snprintf(key, sizeof key, "%.*s", (int)(end - p), p);
    unescape(key);
    const char *open = strchr(end, '>') + 1, *close = strchr(open, '<');
    snprintf(text, sizeof text, "%.*s", (int)(close - open), open);
    json_t *v = at_pointer(root, key);
    cr_assert_not_null(v, "data-key %s names nothing in the JSON", key);
    char want[256];
    if (json_is_integer(v)) { /* shown with thousands separators: 10,482 */
      snprintf(want, sizeof want, "%lld", (long long)json_integer_value(v));
      char *o = text;
      for (const char *c = text; *c; c++)
        if (*c != ',') *o++ = *c;
      *o = 0;
    } else if (json_is_real(v)) {
      snprintf(want, sizeof want, "%.2f", json_real_value(v));
    } else {
      int y, m, d;
      cr_assert(json_is_string(v) && sscanf(json_string_value(v), "%d-%d-%d", &y, &m, &d) == 3);
      snprintf(want, sizeof want, "%02d/%02d/%04d", m, d, y);
    }
    cr_expect_str_eq(text, want, "figure for %s", key);
    len += (size_t)snprintf(seen + len, cap - len, "%s\n", key);
    p = close;
  }
  cr_expect_gt(figures, 20);
  return seen;
}

/* Every integer under v (at pointer base) must be among the seen keys. */
static void expect_all_shown(json_t *v, const char *base, const char *seen) {
  const char *key;
  json_t *child;
  json_object_foreach(v, key, child) {
    char pointer[1024], line[1100];
    snprintf(pointer, sizeof pointer, "%s/%s", base, key);
    if (json_is_object(child)) {
      expect_all_shown(child, pointer, seen);
    } else if (json_is_integer(child)) {
      snprintf(line, sizeof line, "\n%s\n", pointer);
      cr_expect(strstr(seen, line), "the report does not show %s", pointer);
    }
  }
}

static void expect_self_contained(const char *html) {
  static const char *const banned[] = {"http://", "https://", "src=",   "url(",    "@import",
                                       "<script", "<link",    "<img",   "<iframe", "<object",
                                       "<embed",  "srcset",   "ftp://", "//cdn",   "<base"};
  for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
    cr_expect_null(strcasestr(html, banned[i]), "report.html holds %s", banned[i]);
  for (const char *p = html; (p = strstr(p, "href=\"")); p++)
    cr_expect_eq(p[6], '#', "a link that leaves the page: %.40s", p);
  cr_expect(strstr(html, "<meta name=\"viewport\" content=\"width=device-width"));
  cr_expect(strstr(html, "@media print"));
  cr_expect(strstr(html, "<svg"));
}

Test(report, county_html_is_self_contained_and_every_figure_is_the_summarys) {
  char *html = write_report(county_json, dir);
  expect_self_contained(html);
  json_t *root = json_loads(county_json, 0, NULL);
  char *seen = check_figures(html, root);
  expect_all_shown(json_object_get(root, "summary"), "/summary", seen);
  expect_all_shown(
      json_object_get(json_object_get(root, "extra"), "convictionsBySectionAndOutcome"),
      "/extra/convictionsBySectionAndOutcome", seen);
  cr_expect(strstr(seen, "\n/extra/handReview\n"));
  cr_expect(strstr(seen, "\n/extra/inputBytes\n"));
  cr_expect(strstr(seen, "\n/extra/processingTimeInSeconds\n"));
  cr_expect(strstr(seen, "\n/summary/earliestConviction\n"));
  cr_expect(strstr(html, "LOS ANGELES County"));
  cr_expect(strstr(html, "No determination"), "the empty determination gets a name");
  free(seen);
  json_decref(root);
  free(html);
  struct stat st;
  char path[600];
  snprintf(path, sizeof path, "%s/report.pdf", dir);
  cr_assert_eq(stat(path, &st), 0);
  cr_expect_eq(st.st_mode & 0777, 0600);
  snprintf(path, sizeof path, "%s/report.html", dir);
  cr_assert_eq(stat(path, &st), 0);
  cr_expect_eq(st.st_mode & 0777, 0600);
}

Test(report, statewide_html_shows_every_county) {
  char *json = statewide_json();
  char *html = write_report(json, dir);
  expect_self_contained(html);
  json_t *root = json_loads(json, 0, NULL);
  cr_assert_not_null(root);
  char *seen = check_figures(html, root);
  json_t *sum = json_object_get(root, "summary");
  expect_all_shown(sum, "/summary", seen); /* counties included */
  const char *const anchors[] = {"county-alameda", "county-los-angeles", "county-san-luis-obispo"};
  for (int i = 0; i < 3; i++) {
    char want[128];
    snprintf(want, sizeof want, "href=\"#%s\"", anchors[i]);
    cr_expect(strstr(html, want), "county table links %s", anchors[i]);
    snprintf(want, sizeof want, "id=\"%s\"", anchors[i]);
    cr_expect(strstr(html, want), "county section %s", anchors[i]);
  }
  cr_expect(strstr(html, "Prop 64 convictions by county"));
  int charts = 0;
  for (const char *p = html; (p = strstr(p, "<svg")); p++) charts++;
  cr_expect_eq(charts, 2, "a chart by section and outcome and one by county");
  free(seen);
  json_decref(root);
  free(html);
  free(json);
}

Test(report, statewide_people_are_counted_once_and_the_county_sum_is_labelled) {
  char *json = statewide_json();
  char *html = write_report(json, dir);
  json_t *root = json_loads(json, 0, NULL);
  json_t *counties = json_object_get(json_object_get(root, "summary"), "counties");
  long long total = 0;
  const char *name;
  json_t *c;
  json_object_foreach(counties, name, c) {
    total += json_integer_value(json_object_get(c, "subjectsWithSomeReliefCount"));
  }
  cr_expect(!strstr(html, "is counted in each of them"), "the old, wrong explanation");
  cr_expect(strstr(html, "count each person once"));
  cr_expect(strstr(html, "With each county&#39;s current choices") ||
            strstr(html, "With each county's current choices"));
  const char *row = strstr(html, "Sum of the county figures");
  cr_assert(row, "no county sum row");
  char want[64];
  snprintf(want, sizeof want, ">%lld<", total);
  cr_expect(strstr(row, want), "the county sum %lld is not in its row", total);
  cr_expect(strstr(html, "Statewide (each person once)"));
  json_decref(root);
  free(html);
  free(json);
}

Test(report, text_from_the_json_is_escaped) {
  json_t *root = json_loads(county_json, 0, NULL);
  json_t *sum = json_object_get(root, "summary");
  json_object_set_new(sum, "county", json_string("<b>Z&Z's \"county\"</b>"));
  json_object_set_new(json_object_get(sum, "convictionDismissalCountByAdditionalRelief"),
                      "<script>alert(1)</script>", json_integer(4242));
  char *json = json_dumps(root, 0);
  char *html = write_report(json, dir);
  cr_expect_null(strstr(html, "<b>Z"));
  cr_expect_null(strstr(html, "<script>"));
  cr_expect(strstr(html, "&lt;b&gt;Z&amp;Z&#39;s &quot;county&quot;&lt;/b&gt;"));
  cr_expect(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  char *seen = check_figures(html, root);
  cr_expect(
      strstr(seen, "/convictionDismissalCountByAdditionalRelief/<script>alert(1)<~1script>\n"));
  free(seen);
  free(html);
  free(json);
  json_decref(root);
}

Test(report, no_conviction_means_no_earliest_date) {
  json_t *root = json_loads(county_json, 0, NULL);
  json_t *sum = json_object_get(root, "summary");
  json_object_set_new(sum, "subjectsWithProp64ConvictionCountInCounty", json_integer(0));
  json_object_set_new(sum, "earliestConviction", json_string("2024-05-06T07:08:09Z"));
  char *json = json_dumps(root, 0);
  char *html = write_report(json, dir);
  cr_expect_null(strstr(html, "data-key=\"/summary/earliestConviction\""));
  cr_expect_null(strstr(html, "05/06/2024"), "the run's clock is not a conviction date");
  free(html);
  free(json);
  json_decref(root);
}

Test(report, bad_json_is_a_usage_error_and_writes_nothing) {
  char out[600];
  snprintf(out, sizeof out, "%s/out", dir);
  relief_error err;
  cr_expect_eq(relief_report_write(out, "{\"summary\": ", &err), RELIEF_E_USAGE);
  cr_expect_eq(relief_report_write(out, "{\"extra\": {}}", &err), RELIEF_E_USAGE);
  cr_expect(strstr(err.message, "summary"), "%s", err.message);
  /* the publication made the folder; a failed call leaves nothing in it */
  DIR *d = opendir(out);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
  if (d) closedir(d);
  cr_expect_eq(n, 0, "nothing written for a bad call");
}

Test(report, pdf_carries_the_headline_figures) {
  free(write_report(county_json, dir));
  char cmd[700];
  snprintf(cmd, sizeof cmd, "pdftotext -layout '%s/report.pdf' -", dir);
  char *text = capture(cmd);
  static const char *const figures[] = {
      "301", "225", "129", "790", "307",    "231",      "135",        "794",
      "543", "668", "69",  "544", "10,482", "14213456", "06/01/1979", "1.23 seconds"};
  for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
    char *hit = text;
    int whole = 0; /* as a word, not inside a longer number */
    while (!whole && (hit = strstr(hit, figures[i]))) {
      char before = hit == text ? ' ' : hit[-1], after = hit[strlen(figures[i])];
      whole = !(before >= '0' && before <= '9') && !(after >= '0' && after <= '9');
      hit++;
    }
    cr_expect(whole, "report.pdf lacks %s", figures[i]);
  }
  cr_expect(strstr(text, "What changes for people"));
  cr_expect(strstr(text, "Convictions by code section and outcome"));
  free(text);
}

/* Every occurrence of from in s replaced by to (malloc'd). */
static char *replace_all(const char *s, const char *from, const char *to) {
  size_t n = 0, fl = strlen(from), tl = strlen(to);
  for (const char *p = s; (p = strstr(p, from)); p += fl) n++;
  char *out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1), *o = out;
  for (const char *p = s, *q; *p; p = q + fl) {
    q = strstr(p, from);
    if (!q) {
      strcpy(o, p);
      return out;
    }
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    memcpy(o, to, tl);
    o += tl;
  }
  *o = 0;
  return out;
}

Test(report, pdf_cuts_nothing_off_at_any_name_length) {
  static const char long_name[] = "SAN LUIS OBISPO AND A COUNTY NAME LONG ENOUGH TO NEED THREE "
                                  "LINES IN ANY COLUMN OF THE REPORT";
  char *base = statewide_json();
  char *json = replace_all(base, "SAN LUIS OBISPO", long_name);
  free(write_report(json, dir));
  char cmd[700];
  snprintf(cmd, sizeof cmd, "pdftotext -raw '%s/report.pdf' - | tr -s ' \\n' '  '", dir);
  char *text = capture(cmd);
  cr_expect(!strstr(text, "..."), "something was cut off");
  cr_expect(strstr(text, long_name), "the long county name is cut");
  cr_expect(strstr(text, "is dismissed as such and is counted in the tables above)"),
            "a caption is cut");
  free(text);
  free(json);
  free(base);
}

/* Decodes a PNG (8-bit RGB/RGBA) with the standard library and prints
 * "width height colours green": distinct colours, and pixels of the
 * report's accent green #1B7F5B. */
static const char *const png_probe =
    "import struct, sys, zlib\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
    "pos, idat = 8, b''\n"
    "while pos < len(data):\n"
    "    n, kind = struct.unpack('>I4s', data[pos:pos + 8])\n"
    "    body = data[pos + 8:pos + 8 + n]\n"
    "    pos += 12 + n\n"
    "    if kind == b'IHDR':\n"
    "        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])\n"
    "    elif kind == b'IDAT':\n"
    "        idat += body\n"
    "assert depth == 8 and ctype in (2, 6)\n"
    "bpp = 3 if ctype == 2 else 4\n"
    "raw, stride = zlib.decompress(idat), w * bpp\n"
    "prev, rows = bytearray(stride), []\n"
    "for y in range(h):\n"
    "    f = raw[y * (stride + 1)]\n"
    "    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])\n"
    "    for x in range(stride):\n"
    "        a = line[x - bpp] if x >= bpp else 0\n"
    "        b = prev[x]\n"
    "        c = prev[x - bpp] if x >= bpp else 0\n"
    "        if f == 1: line[x] = (line[x] + a) & 255\n"
    "        elif f == 2: line[x] = (line[x] + b) & 255\n"
    "        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255\n"
    "        elif f == 4:\n"
    "            p = a + b - c\n"
    "            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)\n"
    "            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & "
    "255\n"
    "        else: break\n"
    "    rows.append(bytes(line))\n"
    "    prev = line\n"
    "colours, green = set(), 0\n"
    "for line in rows:\n"
    "    for x in range(0, stride, bpp):\n"
    "        px = line[x:x + 3]\n"
    "        colours.add(px)\n"
    "        green += abs(px[0] - 0x1b) < 6 and abs(px[1] - 0x7f) < 6 and abs(px[2] - 0x5b) < 6\n"
    "print(w, h, len(colours), green)\n";

Test(report, chromium_renders_a_page_that_is_not_blank) {
  free(write_report(county_json, dir));
  char probe[600], shot[600], cmd[4096];
  snprintf(probe, sizeof probe, "%s/png_probe.py", dir);
  FILE *f = fopen(probe, "w");
  fputs(png_probe, f);
  fclose(f);
  snprintf(shot, sizeof shot, "%s/shot.png", dir);
  /* offline: no proxy, every host name unresolvable, no background services;
   * its own profile folder; --no-sandbox because CI runs as root */
  snprintf(cmd, sizeof cmd,
           "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-proxy-server "
           "--host-resolver-rules='MAP * ~NOTFOUND' --disable-background-networking "
           "--disable-component-update --disable-sync --disable-extensions "
           "--disable-default-apps --no-first-run --no-default-browser-check "
           "--hide-scrollbars --user-data-dir='%s/profile' --screenshot='%s' "
           "--window-size=800,1200 'file://%s/report.html' >/dev/null 2>&1",
           dir, shot, dir);
  cr_assert_eq(system(cmd), 0, "chromium failed (setup.sh installs it)");
  struct stat st;
  cr_assert_eq(stat(shot, &st), 0, "no screenshot");
  snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", probe, shot);
  char *out = capture(cmd);
  int w = 0, h = 0, colours = 0, green = 0;
  cr_assert_eq(sscanf(out, "%d %d %d %d", &w, &h, &colours, &green), 4, "%s", out);
  cr_expect_eq(w, 800);
  cr_expect_eq(h, 1200);
  cr_expect_gt(colours, 16, "a blank page has one colour; this one has %d", colours);
  cr_expect_gt(green, 500, "the figures' green accent is drawn (%d pixels)", green);
  free(out);
}

/* Where relief stands, as review_standing gives it: an agency name with a
 * slash (a pointer escape) and a court with no motions. */
static const char *const standing_json =
    "{\"total\":{\"determined\":703,\"approved\":578,\"filed\":561,\"granted\":291,"
    "\"denied\":145,\"pending\":125,\"reported\":204},"
    "\"byAgency\":{\"Felony/Unit\":{\"determined\":350,\"approved\":290,\"filed\":281,"
    "\"granted\":149,\"denied\":74,\"pending\":58,\"reported\":101},"
    "\"Misdemeanor Unit\":{\"determined\":353,\"approved\":288,\"filed\":280,\"granted\":142,"
    "\"denied\":71,\"pending\":67,\"reported\":103}},"
    "\"byCourt\":{\"CASC AIRPORT\":{\"determined\":702,\"approved\":577,\"filed\":561,"
    "\"granted\":291,\"denied\":145,\"pending\":125,\"reported\":204},"
    "\"CASC COMPTON\":{\"determined\":1,\"approved\":1,\"filed\":0,\"granted\":0,\"denied\":0,"
    "\"pending\":0,\"reported\":0}}}";

Test(report, a_report_drawn_again_shows_where_relief_stands_and_keeps_the_rest) {
  char *first = write_report(county_json, dir);
  cr_expect_null(strstr(first, "where-relief-stands"), "a run's report has no review yet");
  cr_expect(strstr(first, "<!-- relief-report-source:"), "the report carries no source");
  json_t *standing = json_loads(standing_json, 0, NULL);
  relief_error err;
  publication *pub;
  cr_assert_eq(publication_begin(dir, &pub, &err), RELIEF_OK);
  cr_assert_eq(
      impact_rewrite(pub, "report.html", "report.pdf", first, strlen(first), standing, &err),
      RELIEF_OK, "%s", err.message);
  cr_assert_eq(publication_commit(pub, NULL, 0, &err), RELIEF_OK);
  char path[600];
  snprintf(path, sizeof path, "%s/report.html", dir);
  char *html = read_all(path);
  expect_self_contained(html);
  json_t *root = json_loads(county_json, 0, NULL);
  json_object_set(root, "standing", standing);
  char *seen = check_figures(html, root);
  /* (the helper's pointers leave a slash unescaped: the agency's are named below) */
  expect_all_shown(json_object_get(standing, "total"), "/standing/total", seen);
  expect_all_shown(json_object_get(standing, "byCourt"), "/standing/byCourt", seen);
  expect_all_shown(json_object_get(json_object_get(standing, "byAgency"), "Misdemeanor Unit"),
                   "/standing/byAgency/Misdemeanor Unit", seen);
  expect_all_shown(json_object_get(root, "summary"), "/summary", seen);
  cr_expect(strstr(html, "Where relief stands, by agency"));
  cr_expect(strstr(html, "data-key=\"/standing/byAgency/Felony~1Unit/filed\""));
  /* drawn again from the new page: the same page, the source kept */
  cr_assert_eq(publication_begin(dir, &pub, &err), RELIEF_OK);
  cr_assert_eq(impact_rewrite(pub, "again.html", NULL, html, strlen(html), standing, &err),
               RELIEF_OK);
  cr_assert_eq(publication_commit(pub, NULL, 0, &err), RELIEF_OK);
  snprintf(path, sizeof path, "%s/again.html", dir);
  char *again = read_all(path);
  cr_expect_str_eq(again, html, "drawing the page again changed it");
  char cmd[700];
  snprintf(cmd, sizeof cmd, "pdftotext -layout '%s/report.pdf' -", dir);
  char *text = capture(cmd);
  cr_expect(strstr(text, "Where relief stands"), "report.pdf lacks the section");
  cr_expect(strstr(text, "561"), "report.pdf lacks the motions filed");
  /* a page without relief's source is refused, nothing written */
  static const char foreign[] = "<html><body><p>the board's own notes</p></body></html>";
  cr_assert_eq(publication_begin(dir, &pub, &err), RELIEF_OK);
  cr_expect_eq(impact_rewrite(pub, "x.html", NULL, foreign, sizeof foreign - 1, standing, &err),
               RELIEF_E_DATA);
  cr_expect_eq(publication_count(pub), 0);
  publication_abort(pub);
  free(text);
  free(again);
  free(seen);
  free(html);
  free(first);
  json_decref(root);
  json_decref(standing);
}
