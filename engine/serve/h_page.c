/*
 * serve/h_page.c — GET / (the page, with its county list; the token it was
 * opened with is traded for an HttpOnly SameSite=Strict session cookie, and
 * the page then drops it from the address bar) and GET /api/config (the
 * counties and the version the page shows).
 */
#include <jansson.h>
#include <stdio.h>

#include "relief/relief.h"
#include "serve/handlers.h"
#include "serve/page.h"

void h_page(serve_server *s, const serve_request *req, serve_reply *rep) {
  if (req->admin) /* no Max-Age: it ends with the browser, or with the server */
    snprintf(rep->cookie, sizeof rep->cookie,
             "relief_admin=%s; Path=/; HttpOnly; SameSite=Strict%s", s->admin_sid,
             s->tls ? "; Secure" : "");
  rep->status = 200;
  rep->type = "text/html; charset=utf-8";
  page_render(s, &rep->body);
}

void h_config(serve_server *s, const serve_request *req, serve_reply *rep) {
  (void)req;
  json_t *o = json_object(), *c = json_array();
  for (int i = 0; i < s->cfg.n_counties; i++)
    json_array_append_new(c, json_string(s->cfg.counties[i]));
  json_object_set_new(o, "counties", c);
  json_object_set_new(o, "version", json_string(relief_version()));
  serve_reply_json(rep, 200, o);
}
