/*
 * redact.c — a bundle without names: `relief run --redact` empties the
 * columns that name or identify a person directly and replaces the CII
 * numbers by a keyed hash, so that rows of one person still line up across
 * files and runs made with the same key, but the number cannot be read back.
 */
#include <stdlib.h>
#include <string.h>
#include "common/alloc.h"
#include "doj/doj.h"
#include "common/hashtab.h"
#include "output/output.h"

const int redacted_columns[11] = {
    5, /* REQ_NAME */
    7, /* REQ_DOB */
    8, /* REQ_CDL */
    9, /* REQ_SSN */
    RELIEF_COL_PRI_NAME,
    RELIEF_COL_PRI_DOB,
    RELIEF_COL_PRI_SSN,
    RELIEF_COL_PRI_CDL,
    17, /* PRI_IDN */
    18, /* PRI_INN */
    19, /* FBI_NUMBER */
};

enum { REQ_CII_NUMBER = 4 };

/* 32 hex digits of XXH3-128(key || value), NUL-terminated. */
static void keyed_hash(const relief_redaction *r, const char *value, size_t len, char hex[33]) {
  char stack[256];
  size_t n = r->key_len + len;
  char *buf = n <= sizeof stack ? stack : xmalloc(n);
  memcpy(buf, r->key, r->key_len);
  memcpy(buf + r->key_len, value, len);
  hex128(XXH3_128bits(buf, n), hex);
  if (buf != stack) free(buf);
}

void output_redact_row(const relief_redaction *r, const char *const *values, const size_t *lens,
                       const char **out, size_t *out_lens, char hex[2][33]) {
  memcpy(out, values, RELIEF_NCOLS * sizeof *out);
  memcpy(out_lens, lens, RELIEF_NCOLS * sizeof *out_lens);
  for (size_t i = 0; i < sizeof redacted_columns / sizeof *redacted_columns; i++) {
    out[redacted_columns[i]] = "";
    out_lens[redacted_columns[i]] = 0;
  }
  static const int hashed[2] = {RELIEF_COL_CII_NUMBER, REQ_CII_NUMBER};
  for (int k = 0; k < 2; k++) {
    int col = hashed[k];
    if (!lens[col]) continue;
    keyed_hash(r, values[col], lens[col], hex[k]);
    out[col] = hex[k];
    out_lens[col] = 32;
  }
}
