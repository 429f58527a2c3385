/*
 * serve/request.c — replies as the handlers make them: a JSON body, an
 * error {"error": message}, or a file the HTTP side streams from its
 * descriptor (bundle files and zips may be far larger than memory).
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve/request.h"

const char *request_param(const serve_request *req, const char *name) {
  for (int i = 0; i < req->n_params; i++)
    if (!strcmp(req->param_names[i], name)) return req->param_values[i];
  return NULL;
}

void serve_reply_error(serve_reply *rep, int status, const char *message) {
  rep->status = status;
  rep->type = "application/json";
  rep->body.len = 0;
  relief_buf_append(&rep->body, "{\"error\":\"", 10);
  for (const char *p = message; *p; p++) {
    if (*p == '"' || *p == '\\') relief_buf_putc(&rep->body, '\\');
    relief_buf_putc(&rep->body, (unsigned char)*p < 0x20 ? ' ' : *p);
  }
  relief_buf_append(&rep->body, "\"}", 2);
}

void serve_reply_json(serve_reply *rep, int status, json_t *j) {
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  rep->status = status;
  rep->type = "application/json";
  rep->body.len = 0;
  relief_buf_append(&rep->body, text, strlen(text));
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
