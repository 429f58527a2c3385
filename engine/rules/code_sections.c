/*
 * code_sections.c — eligibility spec §3: which code sections are Prop 64,
 * related charges, superstrikes or PC 290 offenses. The pattern lists are
 * POSIX extended regular expressions compiled once; each distinct code-section
 * string of a run is classified once and rows carry only the class id.
 *
 * The reference matched with Go's RE2, where '.' never matches a newline but
 * a negated class does; the patterns below therefore spell '.' as [^<LF>].
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "rules/rules.h"

const char *const prop64_sections[5] = {"", "11357", "11358", "11359", "11360"};

#define ANY "[^\n]"
#define ENHANCEABLE "((136\\.1)|(215)|(213\\(A\\)\\(1\\)\\(A\\))|(246)|(519)|(12022\\.55))"
#define GANG "186\\.22\\(B\\)\\(4\\)"

static const char *const superstrike_patterns[] = {
    "37 PC",
    "128 PC",
    ENHANCEABLE ANY "*" GANG " PC",
    GANG ANY "*" ENHANCEABLE " PC",
    "187 PC",
    "188 PC",
    "189(\\.[15])? PC",
    "190(\\.[0-9]{1,2})?(\\(" ANY "*\\))? PC",
    "191(\\.5)? PC",
    "205 PC",
    "207 PC",
    "209(\\.5)? PC",
    "217\\.1 PC",
    "218 PC",
    "219 PC",
    "220 PC",
    "245\\(D\\)\\(3\\) PC",
    "261(\\(" ANY "*\\))? PC",
    "262(\\(" ANY "*\\))? PC",
    "264\\.1 PC",
    "269 PC",
    "273AB(\\(" ANY "*\\))? PC",
    "286((\\(C\\)\\([123]\\)(\\([ABC]\\))?)|(\\(D\\)\\([123]\\)))? PC",
    "287 PC",
    "288((\\(A\\))|(\\(B\\)\\([12]\\)))? PC",
    "288A((\\(D\\))|(\\(C\\)\\(1\\))|(\\(C\\)\\(2\\)\\([ABC]\\)))? PC",
    "288\\.5(\\(A\\))? PC",
    "289((\\(J\\))|(\\(A\\)\\(1\\)\\([ABC]\\))|(\\(A\\)\\(2\\)\\(C\\)))? PC",
    "451\\.5 PC",
    "653F PC",
    "667\\.(61|7|71) PC",
    "4500 PC",
    "11418((\\(A\\)\\(1\\))|(\\(B\\)\\([12]\\))) PC",
    "12308 PC",
    "12310 PC",
    "18745 PC",
    "18755 PC",
    "1672\\(A\\) MV",
};

static const char *const pc290_patterns[] = {
    "236\\.1\\([BC]\\)(" ANY "*) PC",
    "243\\.4(" ANY "*) PC",
    "261 PC",
    "261(\\(|\\.|[a-zA-Z])+(" ANY "*) PC",
    "262\\(A\\)(\\(1\\))? PC",
    "264\\.1(\\((" ANY "*))? PC",
    "266 PC",
    "266C PC",
    "266H\\(B\\)(" ANY "*) PC",
    "266I\\(B\\)(" ANY "*) PC",
    "266J PC",
    "267 PC",
    "269 PC",
    "269(\\(|\\.|[a-zA-Z])+(" ANY "*) PC",
    "272 PC",
    "285 PC",
    "287 PC",
    "286([^.]*) PC",
    "288 PC",
    "288A(" ANY "*) PC",
    "288\\.[23457](" ANY "*) PC",
    "289([^.]*) PC",
    "311\\.1(" ANY "*) PC",
    "311\\.2\\([BCD]\\) PC",
    "311\\.([34]|10|11)(" ANY "*) PC",
    "314\\([12]\\) PC",
    "451\\.5 PC",
    "647\\.6(" ANY "*) PC",
    "647A(" ANY "*) PC",
    "653F\\([BC]\\) PC",
};

#define WS "[ \t\n\f\r]*"
static const char *const related_pattern =
    "647\\(f\\)" WS "PC|602" WS "PC|466" WS "PC|148\\.9" WS "PC|148" WS "PC|11364" WS "HS|11550" WS
    "HS|4140" WS "BP|4149" WS "BP|4060" WS "BP|40508" WS "VC|1320[^0-9.][^.]*PC";

#define N_SUPERSTRIKE (sizeof superstrike_patterns / sizeof *superstrike_patterns)
#define N_PC290 (sizeof pc290_patterns / sizeof *pc290_patterns)

struct relief_classifier {
  regex_t superstrike[N_SUPERSTRIKE];
  regex_t pc290[N_PC290];
  regex_t related, gang, enhanceable;
  size_t n_compiled;
  regex_t *compiled[N_SUPERSTRIKE + N_PC290 + 3];
};

static int compile(relief_classifier *c, regex_t *re, const char *pattern) {
  if (regcomp(re, pattern, REG_EXTENDED | REG_NOSUB) != 0) return -1;
  c->compiled[c->n_compiled++] = re;
  return 0;
}

relief_classifier *classifier_new(void) {
  relief_classifier *c = xcalloc(1, sizeof *c);
  if (!c) return NULL;
  int bad = 0;
  for (size_t i = 0; i < N_SUPERSTRIKE; i++)
    bad |= compile(c, &c->superstrike[i], superstrike_patterns[i]);
  for (size_t i = 0; i < N_PC290; i++) bad |= compile(c, &c->pc290[i], pc290_patterns[i]);
  bad |= compile(c, &c->related, related_pattern);
  bad |= compile(c, &c->gang, GANG " PC");
  bad |= compile(c, &c->enhanceable, ENHANCEABLE " PC");
  if (bad) {
    classifier_free(c);
    return NULL;
  }
  return c;
}

void classifier_free(relief_classifier *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_compiled; i++) regfree(c->compiled[i]);
  free(c);
}

static int matches_any(const regex_t *list, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (regexec(&list[i], s, 0, NULL, 0) == 0) return 1;
  return 0;
}

int find_prop64_section(const char *s, size_t len) {
  for (size_t i = 0; i + 5 <= len; i++) {
    if (s[i] != '1' || s[i + 1] != '1' || s[i + 2] != '3') continue;
    char a = s[i + 3], b = s[i + 4];
    if (a == '5' && b >= '7' && b <= '9') return b - '7' + 1;
    if (a == '6' && b == '0') return 4;
  }
  return 0;
}

char find_11357_subsection(const char *s, size_t len) {
  for (size_t i = 0; i + 8 <= len; i++)
    if (memcmp(s + i, "11357(", 6) == 0 && s[i + 6] >= 'A' && s[i + 6] <= 'D' && s[i + 7] == ')')
      return s[i + 6];
  return 0;
}

static int contains(const char *s, size_t len, const char *needle) {
  return memmem(s, len, needle, strlen(needle)) != NULL;
}

relief_code_class rules_classify(const relief_classifier *c, const char *s, size_t len) {
  relief_code_class k = {0, 0, 0};
  k.prop64_section = (uint8_t)find_prop64_section(s, len);
  if (k.prop64_section) k.bits |= RELIEF_CS_PROP64;
  for (int i = 1; i <= 4; i++)
    if (contains(s, len, prop64_sections[i])) k.bits |= RELIEF_CS_HAS_11357 << (i - 1);
  k.subsection_11357 = find_11357_subsection(s, len);
  if (len >= 8 && (!memcmp(s, "11357(A)", 8) || !memcmp(s, "11357(B)", 8)))
    k.bits |= RELIEF_CS_BEGINS_11357_AB;
  /* regexec wants a C string; a NUL inside the field ends the match there,
   * which only matters for fields that are not code sections at all */
  char small[256], *z = len < sizeof small ? small : xmalloc(len + 1);
  if (!z) return k;
  memcpy(z, s, len);
  z[len] = 0;
  if (regexec(&c->related, z, 0, NULL, 0) == 0) k.bits |= RELIEF_CS_RELATED;
  if (matches_any(c->superstrike, N_SUPERSTRIKE, z)) k.bits |= RELIEF_CS_SUPERSTRIKE;
  if (matches_any(c->pc290, N_PC290, z)) k.bits |= RELIEF_CS_PC290;
  if (regexec(&c->gang, z, 0, NULL, 0) == 0) k.bits |= RELIEF_CS_GANG_ENHANCEMENT;
  if (regexec(&c->enhanceable, z, 0, NULL, 0) == 0) k.bits |= RELIEF_CS_ENHANCEABLE;
  if (z != small) free(z);
  return k;
}

/* Length of the Unicode white-space rune (Go's unicode.IsSpace) at the
 * start of s, or 0. */
static size_t space_at_start(const unsigned char *s, size_t n) {
  if (!n) return 0;
  if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')) return 1;
  if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0)) return 2;
  if (n < 3) return 0;
  if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) return 3; /* U+1680 */
  if (s[0] == 0xE2 && s[1] == 0x80 &&
      (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
    return 3; /* U+2000-200A, U+2028, U+2029, U+202F */
  if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) return 3; /* U+205F */
  if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3; /* U+3000 */
  return 0;
}

/* Length of the white-space rune that ends s, or 0. */
static size_t space_at_end(const unsigned char *s, size_t n) {
  for (size_t k = 1; k <= 3 && k <= n; k++)
    if (space_at_start(s + n - k, k) == k) return k;
  return 0;
}

/* Go's strings.TrimSpace(s) == "" or == "SEE COMMENT FOR CHARGE". */
static bool charge_is_in_comment(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  /* most values start and end with a visible ASCII character: no rune of
   * white space starts or ends there, so there is nothing to trim */
  if (n && u[0] > ' ' && u[0] < 0x7F && u[n - 1] > ' ' && u[n - 1] < 0x7F)
    return n == 22 && memcmp(u, "SEE COMMENT FOR CHARGE", 22) == 0;
  size_t k;
  while ((k = space_at_start(u, n))) u += k, n -= k;
  while ((k = space_at_end(u, n))) n -= k;
  return n == 0 || (n == 22 && memcmp(u, "SEE COMMENT FOR CHARGE", 22) == 0);
}

const char *rules_code_section(const char *offense, size_t offense_len, const char *comment,
                               size_t comment_len, size_t *len, bool *from_comment) {
  *from_comment = charge_is_in_comment(offense, offense_len);
  const char *s = *from_comment ? comment : offense;
  size_t n = *from_comment ? comment_len : offense_len;
  const char *dash = memchr(s, '-', n);
  *len = dash ? (size_t)(dash - s) : n;
  return s;
}

static bool in_group_ab(char c) { return c == 'A' || c == 'B'; }
static bool in_group_cd(char c) { return c == 'C' || c == 'D'; }

bool possible_other_p64(const char *offense, size_t offense_len, const char *comment,
                        size_t comment_len) {
  if (charge_is_in_comment(offense, offense_len)) return false;
  int in_comment = find_prop64_section(comment, comment_len);
  if (!in_comment) return false;
  int in_offense = find_prop64_section(offense, offense_len);
  if (!in_offense || in_offense != in_comment) return true;
  if (in_offense != 1) return false; /* same section, not 11357 */
  char a = find_11357_subsection(offense, offense_len);
  char b = find_11357_subsection(comment, comment_len);
  if (a && b) return (in_group_ab(a) && in_group_cd(b)) || (in_group_cd(a) && in_group_ab(b));
  return b != 0;
}
