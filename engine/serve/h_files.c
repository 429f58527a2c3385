/*
 * serve/h_files.c — files: GET /api/inputs (what a run may read), and a
 * finished run's bundle: GET /api/runs/{id}/files (the list), .../files/
 * {name} (one file, only inside the run's folder) and .../bundle.zip.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "serve/bundle_zip.h"
#include "serve/handlers.h"
#include "serve/inputs.h"
#include "serve/run.h"

void h_inputs(serve_server *s, const serve_request *req, serve_reply *rep) {
  (void)req;
  serve_reply_json(rep, 200, inputs_list(s));
}

/* Files under root/rel (names relative to root, at most 4 folders deep,
 * no hidden one, no link followed) into list as {name, size}. */
static void list_bundle(const char *root, const char *rel, json_t *list, int depth) {
  char dir[4096];
  if (snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel) >= (int)sizeof dir) return;
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && depth < 4) {
    if (e->d_name[0] == '.') continue;
    char name[4096], path[8192];
    struct stat st;
    if (snprintf(name, sizeof name, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
            (int)sizeof name ||
        snprintf(path, sizeof path, "%s/%s", root, name) >= (int)sizeof path ||
        lstat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      list_bundle(root, name, list, depth + 1);
    } else if (S_ISREG(st.st_mode)) {
      json_t *o = json_object();
      json_object_set_new(o, "name", json_string(name));
      json_object_set_new(o, "size", json_integer((json_int_t)st.st_size));
      json_array_append_new(list, o);
    }
  }
  closedir(d);
}

json_t *serve_file_list(const char *root) {
  json_t *list = json_array();
  list_bundle(root, "", list, 0);
  return list;
}

void h_files_list(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = run_of_request(s, req, rep);
  if (!r) return;
  serve_reply_json(rep, 200, r->status == RUN_DONE ? serve_file_list(r->dir) : json_array());
}

/* A bundle file's name: relative, no "." or ".." part, no hidden file. */
static bool safe_name(const char *name) {
  if (!*name || strlen(name) > 1024) return false;
  const char *p = name;
  while (*p) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || p[0] == '.') return false;
    for (size_t i = 0; i < n; i++)
      if ((unsigned char)p[i] < 0x20 || p[i] == '\\' || p[i] == '"') return false;
    p += n + (slash != NULL);
    if (slash && !*p) return false;
  }
  return true;
}

static const char *content_type(const char *base) {
  static const char *const types[][2] = {{".csv", "text/csv; charset=utf-8"},
                                         {".json", "application/json"},
                                         {".html", "text/html; charset=utf-8"},
                                         {".pdf", "application/pdf"},
                                         {".txt", "text/plain; charset=utf-8"}};
  const char *dot = strrchr(base, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
    if (!strcmp(dot, types[i][0])) return types[i][1];
  return "application/octet-stream";
}

bool serve_send_file_in(serve_reply *rep, const char *root, const char *name) {
  if (!name || !safe_name(name)) return false;
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", root, name);
  char *real = realpath(path, NULL), *real_root = realpath(root, NULL);
  size_t n = real_root ? strlen(real_root) : 0;
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  bool sent = real && real_root && !strncmp(real, real_root, n) && real[n] == '/' &&
              serve_reply_file(rep, real, content_type(base), base);
  free(real);
  free(real_root);
  return sent;
}

void h_file_get(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = run_of_request(s, req, rep);
  if (!r) return;
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!serve_send_file_in(rep, r->dir, request_param(req, "name")))
    serve_reply_error(rep, 404, "no such file in this run");
}

void h_bundle_zip(serve_server *s, const serve_request *req, serve_reply *rep) {
  serve_run *r = run_of_request(s, req, rep);
  if (!r) return;
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  char name[64], runs[4200], path[4300], download[64];
  bool with_review = req->review && !strcmp(req->review, "1"); /* decisions and notes */
  snprintf(name, sizeof name, "bundle-%d%s.zip", r->id, with_review ? "-review" : "");
  snprintf(runs, sizeof runs, "%s/runs", s->workspace);
  snprintf(path, sizeof path, "%s/%s", runs, name);
  snprintf(download, sizeof download, "relief-run-%d.zip", r->id);
  relief_error err = {0};
  pthread_mutex_lock(&s->zip_lock); /* one zip at a time: they are built in memory */
  bool ok = bundle_zip(r->dir, runs, name, with_review, &err) == RELIEF_OK &&
            serve_reply_file(rep, path, "application/zip", download);
  pthread_mutex_unlock(&s->zip_lock);
  if (!ok) serve_reply_error(rep, 500, "cannot make the bundle's zip");
}
