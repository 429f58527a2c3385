/*
 * sheet_xlsx.c — reads the first worksheet of an XLSX file as text: the
 * zip (minizip) members xl/sharedStrings.xml and xl/worksheets/sheet1.xml
 * parsed with expat. Cells are shared strings (t="s"), inline strings
 * (t="inlineStr", <is><t>), formula strings (t="str") or numbers/booleans
 * (their <v> text as written). Phonetic runs (<rPh>) are skipped.
 */
#include <expat.h>
#include <fcntl.h>
#include <minizip/unzip.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "output/output.h"
#include "common/alloc.h"
#include "review/review.h"

#define MAX_MEMBER (256u << 20)

static int read_member(unzFile z, const char *name, char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (unzLocateFile(z, name, 0) != UNZ_OK) return 1; /* absent */
  unz_file_info info;
  if (unzGetCurrentFileInfo(z, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK) return -1;
  if (info.uncompressed_size > MAX_MEMBER) return -1;
  if (unzOpenCurrentFile(z) != UNZ_OK) return -1;
  size_t cap = info.uncompressed_size + 1;
  char *buf = xmalloc(cap);
  size_t n = 0;
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > MAX_MEMBER) {
        free(buf);
        unzCloseCurrentFile(z);
        return -1;
      }
      cap *= 2;
      char *b = xrealloc(buf, cap);
      buf = b;
    }
    int got = unzReadCurrentFile(z, buf + n, (unsigned)(cap - n - 1));
    if (got < 0) {
      free(buf);
      unzCloseCurrentFile(z);
      return -1;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  if (unzCloseCurrentFile(z) != UNZ_OK) { /* CRC mismatch */
    free(buf);
    return -1;
  }
  buf[n] = 0;
  *out = buf;
  *len = n;
  return 0;
}

static const char *local(const char *name) { /* strip a namespace prefix */
  const char *c = strrchr(name, ':');
  return c ? c + 1 : name;
}

/* ---- shared strings ---- */
typedef struct {
  char **strings;
  int n, cap;
  relief_buf text;
  int in_si, in_t, in_rph;
} sst_ctx;

static void XMLCALL sst_start(void *u, const XML_Char *name, const XML_Char **atts) {
  (void)atts;
  sst_ctx *x = u;
  name = local(name);
  if (!strcmp(name, "si"))
    x->in_si = 1, x->text.len = 0;
  else if (!strcmp(name, "rPh"))
    x->in_rph = 1;
  else if (!strcmp(name, "t") && x->in_si && !x->in_rph)
    x->in_t = 1;
}

static void XMLCALL sst_end(void *u, const XML_Char *name) {
  sst_ctx *x = u;
  name = local(name);
  if (!strcmp(name, "t"))
    x->in_t = 0;
  else if (!strcmp(name, "rPh"))
    x->in_rph = 0;
  else if (!strcmp(name, "si")) {
    if (x->n == x->cap) {
      x->cap = x->cap ? x->cap * 2 : 256;
      char **s = xrealloc(x->strings, (size_t)x->cap * sizeof *s);
      x->strings = s;
    }
    x->strings[x->n++] = xstrndup(x->text.data ? x->text.data : "", x->text.len);
    x->in_si = 0;
  }
}

static void XMLCALL sst_chars(void *u, const XML_Char *s, int len) {
  sst_ctx *x = u;
  if (x->in_t) buf_append(&x->text, s, (size_t)len);
}

/* ---- worksheet ---- */
typedef struct {
  review_sheet *sheet;
  sst_ctx *sst;
  int row_cap;
  long long row_num; /* current <row r=...> */
  int col;           /* current cell's column (0-based) */
  char type[16];     /* t attribute */
  int in_v, in_t, in_is, in_rph, in_cell;
  relief_buf text;
  int bad; /* a shared-string index out of range */
} ws_ctx;

static int column_of(const char *ref) {
  int c = 0, any = 0;
  for (; *ref >= 'A' && *ref <= 'Z'; ref++) c = c * 26 + (*ref - 'A' + 1), any = 1;
  return any ? c - 1 : -1;
}

static review_row *current_row(ws_ctx *x) {
  review_sheet *s = x->sheet;
  return s->n_rows ? &s->rows[s->n_rows - 1] : NULL;
}

static void XMLCALL ws_start(void *u, const XML_Char *name, const XML_Char **atts) {
  ws_ctx *x = u;
  name = local(name);
  if (!strcmp(name, "row")) {
    review_sheet *s = x->sheet;
    long long r = s->n_rows ? s->rows[s->n_rows - 1].line + 1 : 1;
    for (int i = 0; atts[i]; i += 2)
      if (!strcmp(atts[i], "r")) r = atoll(atts[i + 1]);
    if (s->n_rows == x->row_cap) {
      x->row_cap = x->row_cap ? x->row_cap * 2 : 64;
      review_row *rows = xrealloc(s->rows, (size_t)x->row_cap * sizeof *rows);
      s->rows = rows;
    }
    s->rows[s->n_rows++] = (review_row){.n = 0, .cells = NULL, .line = r};
    x->col = -1;
  } else if (!strcmp(name, "c")) {
    int col = x->col + 1;
    x->type[0] = 0;
    for (int i = 0; atts[i]; i += 2) {
      if (!strcmp(atts[i], "r")) {
        int c = column_of(atts[i + 1]);
        if (c >= 0) col = c;
      } else if (!strcmp(atts[i], "t")) {
        snprintf(x->type, sizeof x->type, "%s", atts[i + 1]);
      }
    }
    x->col = col;
    x->in_cell = 1;
    x->text.len = 0;
  } else if (x->in_cell && !strcmp(name, "v")) {
    x->in_v = 1;
  } else if (x->in_cell && !strcmp(name, "is")) {
    x->in_is = 1;
  } else if (x->in_is && !strcmp(name, "rPh")) {
    x->in_rph = 1;
  } else if (x->in_is && !x->in_rph && !strcmp(name, "t")) {
    x->in_t = 1;
  }
}

static void set_cell(ws_ctx *x, char *value) {
  review_row *row = current_row(x);
  if (!row || x->col < 0 || x->col > 16383) {
    free(value);
    return;
  }
  if (x->col >= row->n) {
    char **cells = xrealloc(row->cells, (size_t)(x->col + 1) * sizeof *cells);
    for (int i = row->n; i <= x->col; i++) cells[i] = NULL;
    row->cells = cells;
    row->n = x->col + 1;
  }
  free(row->cells[x->col]);
  row->cells[x->col] = value;
}

static void XMLCALL ws_end(void *u, const XML_Char *name) {
  ws_ctx *x = u;
  name = local(name);
  if (!strcmp(name, "v"))
    x->in_v = 0;
  else if (!strcmp(name, "t"))
    x->in_t = 0;
  else if (!strcmp(name, "rPh"))
    x->in_rph = 0;
  else if (!strcmp(name, "is"))
    x->in_is = 0;
  else if (!strcmp(name, "c") && x->in_cell) {
    x->in_cell = 0;
    char *v = xstrndup(x->text.data ? x->text.data : "", x->text.len);
    if (!strcmp(x->type, "s")) {
      long k = strtol(v, NULL, 10);
      free(v);
      if (k < 0 || k >= x->sst->n) {
        x->bad = 1;
        return;
      }
      v = xstrdup(x->sst->strings[k]);
    }
    set_cell(x, v);
  }
}

static void XMLCALL ws_chars(void *u, const XML_Char *s, int len) {
  ws_ctx *x = u;
  if (x->in_v || x->in_t) buf_append(&x->text, s, (size_t)len);
}

static int parse_xml(const char *text, size_t len, void *ctx, XML_StartElementHandler start,
                     XML_EndElementHandler end, XML_CharacterDataHandler chars) {
  /* expat allocates through the one policy too: it never sees NULL */
  static const XML_Memory_Handling_Suite mem = {xmalloc, xrealloc, free};
  XML_Parser p = XML_ParserCreate_MM("UTF-8", &mem, NULL);
  XML_SetUserData(p, ctx);
  XML_SetElementHandler(p, start, end);
  XML_SetCharacterDataHandler(p, chars);
  int ok = XML_Parse(p, text, (int)len, 1) == XML_STATUS_OK;
  XML_ParserFree(p);
  return ok ? 0 : -1;
}

relief_status review_sheet_read_xlsx(const char *path, review_sheet *sheet, relief_error *err) {
  memset(sheet, 0, sizeof *sheet);
  /* a FIFO or device would block or never end inside the zip reader */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat sb;
  bool regular = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
  if (fd >= 0) close(fd);
  if (!regular)
    return error_set(err, RELIEF_E_DATA, path, 0, -1,
                     "not a regular file (a FIFO, device or folder is not read)");
  unzFile z = unzOpen64(path);
  if (!z) return error_set(err, RELIEF_E_DATA, path, 0, -1, "not a readable XLSX (zip) file");
  char *sst_xml = NULL, *ws_xml = NULL;
  size_t sst_len = 0, ws_len = 0;
  relief_status st = RELIEF_OK;
  sst_ctx sst = {0};
  int r = read_member(z, "xl/sharedStrings.xml", &sst_xml, &sst_len);
  if (r < 0) {
    st = error_set(err, RELIEF_E_DATA, path, 0, -1, "cannot read xl/sharedStrings.xml");
    goto done;
  }
  if (read_member(z, "xl/worksheets/sheet1.xml", &ws_xml, &ws_len) != 0) {
    st = error_set(err, RELIEF_E_DATA, path, 0, -1, "cannot read xl/worksheets/sheet1.xml");
    goto done;
  }
  if (sst_xml && parse_xml(sst_xml, sst_len, &sst, sst_start, sst_end, sst_chars)) {
    st = error_set(err, RELIEF_E_DATA, path, 0, -1, "malformed xl/sharedStrings.xml");
    goto done;
  }
  ws_ctx ws = {.sheet = sheet, .sst = &sst};
  if (parse_xml(ws_xml, ws_len, &ws, ws_start, ws_end, ws_chars) || ws.bad) {
    st = error_set(err, RELIEF_E_DATA, path, 0, -1, "malformed xl/worksheets/sheet1.xml");
  }
  buf_free(&ws.text);
  /* empty cells read as "" */
  for (int i = 0; !st && i < sheet->n_rows; i++)
    for (int k = 0; k < sheet->rows[i].n; k++)
      if (!sheet->rows[i].cells[k]) sheet->rows[i].cells[k] = xstrdup("");
done:
  for (int i = 0; i < sst.n; i++) free(sst.strings[i]);
  free(sst.strings);
  buf_free(&sst.text);
  free(sst_xml);
  free(ws_xml);
  unzClose(z);
  if (st) review_sheet_free(sheet);
  return st;
}
