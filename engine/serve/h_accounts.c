/*
 * serve/h_accounts.c — office mode's sign-in: POST /api/login (a session
 * cookie), POST /api/logout and GET /api/me. The log says whether a login
 * was accepted, never the name tried.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "serve/handlers.h"
#include "serve/server_log.h"

void h_login(serve_server *s, const serve_request *req, serve_reply *rep) {
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  json_t *name = json_object_get(root, "name"), *password = json_object_get(root, "password");
  char sid[65];
  static const char *const keys[] = {"name", "password"};
  if (json_is_object(root) && !request_keys_known(root, keys, 2, "the body", rep)) {
    json_decref(root);
    return;
  }
  account who;
  int wait = 0;
  login_result got = json_is_string(name) && json_is_string(password)
                         ? accounts_login(&s->book, json_string_value(name),
                                          json_string_value(password), req->addr, sid, &who, &wait)
                         : LOGIN_REFUSED;
  json_decref(root);
  /* never the name tried */
  server_log(s, "login %s",
             got == LOGIN_OK     ? "accepted"
             : got == LOGIN_WAIT ? "held back"
                                 : "refused");
  if (got == LOGIN_WAIT) {
    char why[160];
    snprintf(why, sizeof why, "too many failed sign-ins: try again in %d s", wait);
    return serve_reply_error(rep, 429, why);
  }
  if (got != LOGIN_OK) return serve_reply_error(rep, 401, "wrong name or password");
  snprintf(rep->cookie, sizeof rep->cookie,
           "relief_session=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=%.0f", sid,
           s->book.session_seconds);
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(who.name));
  json_object_set_new(o, "agency", json_string(who.agency));
  json_object_set_new(o, "role",
                      json_string(who.defender ? ACCOUNT_ROLE_DEFENDER : ACCOUNT_ROLE_AGENCY));
  explicit_bzero(&who, sizeof who);
  serve_reply_json(rep, 200, o);
}

void h_logout(serve_server *s, const serve_request *req, serve_reply *rep) {
  accounts_logout(&s->book, req->session);
  snprintf(rep->cookie, sizeof rep->cookie,
           "relief_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
  serve_reply_json(rep, 200, json_object());
}

void h_me(serve_server *s, const serve_request *req, serve_reply *rep) {
  json_t *o = json_object();
  json_object_set_new(o, "name", req->who ? json_string(req->who->name) : json_null());
  json_object_set_new(o, "agency", req->who ? json_string(req->who->agency) : json_null());
  json_object_set_new(o, "role",
                      !req->who            ? json_null()
                      : req->who->defender ? json_string(ACCOUNT_ROLE_DEFENDER)
                                           : json_string(ACCOUNT_ROLE_AGENCY));
  json_object_set_new(o, "admin", json_boolean(req->admin));
  json_object_set_new(o, "office", json_boolean(s->cfg.office));
  serve_reply_json(rep, 200, o);
}
