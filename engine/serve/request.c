/*
 * serve/request.c — replies as the handlers make them: a JSON body, an
 * error {"error": message} that never carries an absolute path, or a file
 * the HTTP side streams from its descriptor (bundle files and zips may be
 * far larger than memory); and the check that a body has no unknown key.
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "serve/request.h"

const char *request_param(const serve_request *req, const char *name) {
  for (int i = 0; i < req->n_params; i++)
    if (!strcmp(req->param_names[i], name)) return req->param_values[i];
  return NULL;
}

const char *request_arg(const serve_request *req, const char *name) {
  return req->arg ? req->arg(req->arg_ctx, name) : NULL;
}

/* Whether an absolute path may start at p (the start of a word). */
static bool path_starts(const char *text, const char *p) {
  return *p == '/' && (p == text || strchr(" \t'\"(=", p[-1]));
}

static bool ends_path(char c) { return !c || strchr(" \t'\",:;)", c); }

void serve_scrub(char *text, size_t cap) {
  char *in = xstrdup(text), *out = text, *end = text + cap - 1;
  for (const char *p = in; *p && out < end;) {
    char quote = *p == '"' ? *p : 0; /* 'key' names a key; "value" is one */
    const char *close = quote ? strchr(p + 1, quote) : NULL;
    const char *put = NULL;
    if (close) { /* a value quoted in a library's message */
      put = "\"...\"";
      p = close + 1;
    } else if (path_starts(in, p)) {
      while (!ends_path(*p)) p++;
      put = "(a path)";
    } else {
      *out++ = *p++;
    }
    for (; put && *put && out < end; put++) *out++ = *put;
  }
  *out = '\0';
  free(in);
}

void serve_reply_error(serve_reply *rep, int status, const char *message) {
  rep->status = status;
  rep->type = "application/json";
  rep->body.len = 0;
  buf_append(&rep->body, "{\"error\":\"", 10);
  for (const char *p = message; *p; p++) {
    if (path_starts(message, p)) { /* never the workspace's or an input's path */
      while (!ends_path(p[1])) p++;
      buf_append(&rep->body, "(a path)", 8);
      continue;
    }
    if (*p == '"' || *p == '\\') buf_putc(&rep->body, '\\');
    buf_putc(&rep->body, (unsigned char)*p < 0x20 ? ' ' : *p);
  }
  buf_append(&rep->body, "\"}", 2);
}

bool request_keys_known(struct json_t *o, const char *const *known, size_t n, const char *where,
                        serve_reply *rep) {
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) found = !strcmp(key, known[i]);
    if (found) continue;
    char why[200];
    snprintf(why, sizeof why, "unknown key '%.60s' in %s", key, where);
    serve_reply_error(rep, 400, why);
    return false;
  }
  return true;
}

void serve_reply_json(serve_reply *rep, int status, json_t *j) {
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  rep->status = status;
  rep->type = "application/json";
  rep->body.len = 0;
  buf_append(&rep->body, text, strlen(text));
  free(text);
}

bool serve_reply_file(serve_reply *rep, const char *path, const char *type, const char *filename) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    return false;
  }
  rep->status = 200;
  rep->type = type;
  rep->fd = fd;
  rep->fd_size = (uint64_t)st.st_size;
  snprintf(rep->filename, sizeof rep->filename, "%s", filename);
  return true;
}
