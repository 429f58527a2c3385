/*
 * serve/page.h — the page `relief serve` answers at / (engine/serve/page.html,
 * compiled in), with the county list filled in.
 */
#ifndef RELIEF_SERVE_PAGE_H
#define RELIEF_SERVE_PAGE_H

#include "common/buf.h"
#include "serve/server.h"

/* The page, with the county list filled in, appended to out. */
void page_render(const serve_server *s, relief_buf *out);

#endif
