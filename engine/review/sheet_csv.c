/*
 * sheet_csv.c — a general CSV reader for review sheets and the bundle's
 * result files, with the semantics of Go's encoding/csv reader (RFC 4180):
 * CRLF read as LF, blank lines skipped, "" inside quotes is a quote, a bare
 * quote in an unquoted field or text after a closing quote is an error, and
 * every record has as many fields as the first.
 */
#include <stdlib.h>
#include <string.h>

#include "io/input.h"
#include "common/alloc.h"
#include "common/text.h"
#include "review/review.h"

void review_csv_init(review_csv_reader *r, const char *data, size_t size, const char *name) {
  memset(r, 0, sizeof *r);
  r->data = data;
  r->size = size;
  r->line = 1;
  r->name = name ? name : "";
}

static void put(review_csv_reader *r, char c) {
  if (r->buf_len + 1 > r->buf_cap) {
    size_t cap = r->buf_cap ? r->buf_cap * 2 : 1024;
    char *b = xrealloc(r->buf, cap);
    r->buf = b;
    r->buf_cap = cap;
  }
  r->buf[r->buf_len++] = c;
}

static void end_field(review_csv_reader *r) {
  put(r, 0);
  if (r->n_fields + 1 > r->cap_fields) {
    int cap = r->cap_fields ? r->cap_fields * 2 : 32;
    size_t *o = xrealloc(r->offs, (size_t)cap * sizeof *o);
    r->offs = o;
    r->cap_fields = cap;
  }
  r->n_fields++;
}

/* The byte at p, reading CRLF as LF; *adv gets how many bytes it took. */
static int peek(const review_csv_reader *r, size_t p, size_t *adv) {
  if (p >= r->size) return -1;
  char c = r->data[p];
  if (c == '\r' && p + 1 < r->size && r->data[p + 1] == '\n') {
    *adv = 2;
    return '\n';
  }
  *adv = 1;
  return (unsigned char)c;
}

int review_csv_next(review_csv_reader *r, relief_error *err) {
  size_t adv;
  /* blank lines */
  for (;;) {
    int c = peek(r, r->pos, &adv);
    if (c < 0) return 0;
    if (c != '\n') break;
    r->pos += adv;
    r->line++;
  }
  r->rec_line = r->line;
  r->buf_len = 0;
  r->n_fields = 0;
  size_t start_field = 0;
  for (;;) { /* one field per pass */
    start_field = r->buf_len;
    int c = peek(r, r->pos, &adv);
    int ended_record = 0;
    if (c == '"') {
      long long qline = r->line;
      r->pos += adv;
      for (;;) {
        c = peek(r, r->pos, &adv);
        if (c < 0) {
          error_set(err, RELIEF_E_DATA, r->name, qline, -1,
                    "extraneous or missing \" in quoted-field");
          return -1;
        }
        r->pos += adv;
        if (c == '"') {
          int d = peek(r, r->pos, &adv);
          if (d == '"') {
            put(r, '"');
            r->pos += adv;
          } else if (d == ',') {
            r->pos += adv;
            break;
          } else if (d == '\n' || d < 0) {
            if (d == '\n') r->pos += adv, r->line++;
            ended_record = 1;
            break;
          } else {
            error_set(err, RELIEF_E_DATA, r->name, r->line, -1,
                      "extraneous or missing \" in quoted-field");
            return -1;
          }
        } else {
          if (c == '\n') r->line++;
          put(r, (char)c);
        }
      }
    } else {
      for (;;) {
        c = peek(r, r->pos, &adv);
        if (c < 0) {
          ended_record = 1;
          break;
        }
        r->pos += adv;
        if (c == ',') break;
        if (c == '\n') {
          r->line++;
          ended_record = 1;
          break;
        }
        if (c == '"') {
          error_set(err, RELIEF_E_DATA, r->name, r->line, -1, "bare \" in non-quoted-field");
          return -1;
        }
        put(r, (char)c);
      }
    }
    end_field(r);
    r->offs[r->n_fields - 1] = start_field;
    if (ended_record) break;
    if (peek(r, r->pos, &adv) < 0) { /* "a," at end of text: one more empty field */
      start_field = r->buf_len;
      end_field(r);
      r->offs[r->n_fields - 1] = start_field;
      break;
    }
  }
  if (!r->want_fields)
    r->want_fields = r->n_fields;
  else if (r->n_fields != r->want_fields) {
    error_set(err, RELIEF_E_DATA, r->name, r->rec_line, -1,
              "wrong number of fields: %d, expected %d", r->n_fields, r->want_fields);
    return -1;
  }
  size_t nuls = 0; /* one ends each field: any other was in a field, and cuts it short */
  for (const char *z = r->buf; (z = memchr(z, 0, r->buf_len - (size_t)(z - r->buf))); z++) nuls++;
  if (nuls != (size_t)r->n_fields) {
    error_set(err, RELIEF_E_DATA, r->name, r->rec_line, -1, "NUL byte in a field");
    return -1;
  }
  char **f = xrealloc(r->fields, (size_t)r->cap_fields * sizeof *f);
  r->fields = f;
  for (int i = 0; i < r->n_fields; i++) r->fields[i] = r->buf + r->offs[i];
  return 1;
}

void review_csv_free(review_csv_reader *r) {
  free(r->buf);
  free(r->offs);
  free(r->fields);
  memset(r, 0, sizeof *r);
}

void review_sheet_free(review_sheet *sheet) {
  for (int i = 0; i < sheet->n_rows; i++) {
    for (int k = 0; k < sheet->rows[i].n; k++) free(sheet->rows[i].cells[k]);
    free(sheet->rows[i].cells);
  }
  free(sheet->rows);
  memset(sheet, 0, sizeof *sheet);
}

relief_status review_sheet_read_csv(const char *path, review_sheet *sheet, relief_error *err) {
  memset(sheet, 0, sizeof *sheet);
  relief_input in = {0};
  relief_status st = input_open(&in, path, err);
  if (st) return st;
  const char *data = in.data;
  size_t size = in.size;
  if (size >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) data += 3, size -= 3; /* a BOM */
  review_csv_reader r;
  review_csv_init(&r, data, size, path);
  int got, cap = 0;
  while ((got = review_csv_next(&r, err)) == 1) {
    if (sheet->n_rows == cap) {
      cap = cap ? cap * 2 : 64;
      review_row *rows = xrealloc(sheet->rows, (size_t)cap * sizeof *rows);
      sheet->rows = rows;
    }
    review_row *row = &sheet->rows[sheet->n_rows++];
    row->n = r.n_fields;
    row->line = r.rec_line;
    row->cells = xmalloc((size_t)r.n_fields * sizeof *row->cells);
    /* a sheet a spreadsheet saved in its code page: UTF-8, as the store */
    for (int i = 0; i < r.n_fields; i++)
      row->cells[i] = text_to_utf8(r.fields[i], strlen(r.fields[i]), NULL);
  }
  review_csv_free(&r);
  input_close(&in);
  if (got < 0) {
    review_sheet_free(sheet);
    return RELIEF_E_DATA;
  }
  return RELIEF_OK;
}
