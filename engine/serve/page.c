/*
 * serve/page.c — the page `relief serve` answers at /: one HTML file with its
 * script and style (engine/serve/page.html, compiled in by CMake), with the
 * county list filled in so it shows even before the script runs.
 */
#include <string.h>

#include "serve/page.h"

extern const char serve_page_html[];

static void append_escaped(relief_buf *out, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&':
      buf_append(out, "&amp;", 5);
      break;
    case '<':
      buf_append(out, "&lt;", 4);
      break;
    case '>':
      buf_append(out, "&gt;", 4);
      break;
    case '"':
      buf_append(out, "&quot;", 6);
      break;
    default:
      buf_putc(out, *s);
    }
  }
}

void page_render(const serve_server *s, relief_buf *out) {
  static const char mark[] = "<!--COUNTIES-->";
  const char *page = serve_page_html, *at = strstr(page, mark);
  if (!at) {
    buf_append(out, page, strlen(page));
    return;
  }
  buf_append(out, page, (size_t)(at - page));
  for (int i = 0; i < s->cfg.n_counties; i++) {
    buf_append(out, "<option value=\"", 15);
    append_escaped(out, s->cfg.counties[i]);
    buf_append(out, "\">", 2);
    append_escaped(out, s->cfg.counties[i]);
    buf_append(out, "</option>\n", 10);
  }
  at += sizeof mark - 1;
  buf_append(out, at, strlen(at));
}
