/*
 * api.c — the JSON API of docs/api.md: inputs under --data, runs queued to
 * one worker thread that calls relief_run (the CLI's library call, so the
 * bundle is the CLI's to the byte), run status, bundle files and what-if
 * summaries from the run's compact decided data.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "io/publish.h"
#include "job/job_config.h"
#include "review/review.h"
#include "serve/serve_int.h"

static const char *const status_names[] = {"queued", "running", "done", "failed"};

static void reply_json(serve_reply *rep, int status, json_t *j) {
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  rep->status = status;
  rep->type = "application/json";
  rep->body.len = 0;
  relief_buf_append(&rep->body, text, strlen(text));
  free(text);
}

static void log_run(const serve_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_run(const serve_server *s, const char *fmt, ...) {
  if (!s->cfg.log) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("relief serve: ", s->cfg.log);
  vfprintf(s->cfg.log, fmt, ap);
  va_end(ap);
  fputc('\n', s->cfg.log);
  fflush(s->cfg.log);
}

/* ---- inputs ---- */

static bool hidden(const char *name) { return name[0] == '.'; }

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list_folder(const char *dir, json_t *list, int depth) {
  DIR *d = opendir(dir);
  if (!d || depth > 8) {
    if (d) closedir(d);
    return;
  }
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  while ((e = readdir(d))) {
    if (hidden(e->d_name)) continue;
    if (n == cap) names = xreallocarray(names, cap = cap ? cap * 2 : 32, sizeof *names);
    names[n++] = xstrdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (lstat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        list_folder(path, list, depth + 1);
      } else if (S_ISREG(st.st_mode)) {
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(path));
        json_object_set_new(o, "size", json_integer((json_int_t)st.st_size));
        json_array_append_new(list, o);
      }
    }
    free(names[i]);
  }
  free(names);
}

/* realpath(path) when it is a regular file under a --data folder, else NULL. */
char *api_resolve_input(const serve_server *s, const char *path) {
  char *real = realpath(path, NULL);
  struct stat st;
  if (!real || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
    free(real);
    return NULL;
  }
  for (int i = 0; i < s->n_data_dirs; i++) {
    size_t n = strlen(s->data_dirs[i]);
    if (!strncmp(real, s->data_dirs[i], n) && (real[n] == '/' || !strcmp(s->data_dirs[i], "/")))
      return real;
  }
  free(real);
  return NULL;
}

/* ---- runs ---- */

static serve_run *find_run(serve_server *s, const char *id_text, const char **rest) {
  char *end;
  long id = strtol(id_text, &end, 10);
  if (end == id_text || (*end && *end != '/')) return NULL;
  *rest = end;
  serve_run *found = NULL;
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < s->n_runs; i++)
    if (s->runs[i]->id == id) found = s->runs[i];
  pthread_mutex_unlock(&s->lock);
  return found;
}

void api_free_run(serve_run *r) {
  for (int i = 0; i < r->n_inputs; i++) free(r->inputs[i]);
  free(r->inputs);
  free(r->dir);
  free(r->summary);
  free(r->error);
  free(r->filer_json);
  free(r->filings_error);
  free(r->options_json);
  free(r->flow_path);
  free(r->whatif_error);
  whatif_free(r->whatif);
  free(r);
}

void api_free_runs(serve_server *s) {
  for (int i = 0; i < s->n_runs; i++) api_free_run(s->runs[i]);
  free(s->runs);
  s->runs = NULL;
  s->n_runs = 0;
}

/* Options from a JSON object, as an options file would give them. */
bool api_parse_options(json_t *o, relief_options *opt, char *why, size_t cap) {
  relief_error err = {0};
  char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("{}");
  relief_status st = relief_options_parse(text, strlen(text), "options", true, opt, &err);
  free(text);
  if (st) relief_error_format(&err, why, cap);
  return st == RELIEF_OK;
}

static void post_run(serve_server *s, const serve_request *req, serve_reply *rep) {
  json_error_t jerr;
  json_t *root = json_loadb(req->body, req->body_len, 0, &jerr);
  if (!json_is_object(root)) {
    json_decref(root);
    return serve_reply_error(rep, 400, "the body must be a JSON object");
  }
  serve_run *r = xcalloc(1, sizeof *r);
  char why[1200] = "";
  json_t *inputs = json_object_get(root, "inputs"), *county = json_object_get(root, "county");
  json_t *compute = json_object_get(root, "computeAt"), *flow = json_object_get(root, "flow");
  int status = 400;
  if (!json_is_array(inputs) || !json_array_size(inputs) ||
      json_array_size(inputs) > SERVE_MAX_INPUTS)
    snprintf(why, sizeof why, "inputs must be a list of 1 to %d paths", SERVE_MAX_INPUTS);
  else if (!json_is_string(county) || !json_string_length(county) ||
           json_string_length(county) >= sizeof r->county)
    snprintf(why, sizeof why, "county must be a county name");
  if (!why[0]) {
    snprintf(r->county, sizeof r->county, "%s", json_string_value(county));
    r->inputs = xcalloc(json_array_size(inputs), sizeof *r->inputs);
    for (size_t i = 0; i < json_array_size(inputs) && !why[0]; i++) {
      json_t *p = json_array_get(inputs, i);
      char *real = json_is_string(p) ? api_resolve_input(s, json_string_value(p)) : NULL;
      if (!real) {
        status = 403;
        snprintf(why, sizeof why, "input %zu is not a file under a --data folder", i + 1);
      } else {
        r->inputs[r->n_inputs++] = real;
      }
    }
  }
  if (!why[0]) {
    if (compute && !json_is_null(compute)) {
      relief_error err = {0};
      if (!json_is_string(compute) ||
          relief_date_parse(json_string_value(compute), &r->compute_day, &err) != RELIEF_OK)
        snprintf(why, sizeof why, "computeAt must be a date YYYY-MM-DD");
    } else {
      r->compute_day = (int32_t)(time(NULL) / 86400);
    }
  }
  if (!why[0]) {
    json_t *options = json_object_get(root, "options");
    if (api_parse_options(options, &r->options, why, sizeof why))
      r->options_json = json_dumps(json_is_object(options) ? options : json_object(), JSON_COMPACT);
  }
  if (!why[0]) {
    const char *name = json_is_string(flow) ? json_string_value(flow) : "configurable";
    relief_error err = {0};
    if (flow && !json_is_null(flow) && !json_is_string(flow)) {
      snprintf(why, sizeof why, "flow must be a name");
    } else if (!strcmp(name, "configurable")) {
      snprintf(r->flow_name, sizeof r->flow_name, "configurable");
    } else if (!strcmp(name, "los-angeles")) {
      relief_flow_overrides ov = {-1, -1, -1, -1};
      r->fixed_flow = true;
      if (relief_flow_los_angeles(&ov, &r->flow, &err)) relief_error_format(&err, why, sizeof why);
      snprintf(r->flow_name, sizeof r->flow_name, "los-angeles");
    } else { /* a flow file, under --data like the inputs */
      char *real = api_resolve_input(s, name);
      relief_flow_overrides ov = {-1, -1, -1, -1};
      r->fixed_flow = true;
      if (!real) {
        status = 403;
        snprintf(why, sizeof why, "flow is not configurable, los-angeles or a file under --data");
      } else if (relief_flow_load(real, &ov, &r->flow, &err)) {
        snprintf(why, sizeof why, "the flow file is not valid: %s", err.message);
      } else {
        r->flow_path = real;
        real = NULL;
      }
      free(real);
      snprintf(r->flow_name, sizeof r->flow_name, "file");
    }
  }
  json_t *review = json_object_get(root, "reviewFiles");
  if (!why[0] && review && !json_is_boolean(review))
    snprintf(why, sizeof why, "reviewFiles must be true or false");
  r->review_files = json_is_true(review);
  json_decref(root);
  if (why[0]) {
    api_free_run(r);
    return serve_reply_error(rep, status, why);
  }
  pthread_mutex_lock(&s->lock);
  r->id = s->next_id++;
  if (s->n_runs == s->cap_runs)
    s->runs = xreallocarray(s->runs, (size_t)(s->cap_runs = s->cap_runs ? s->cap_runs * 2 : 16),
                            sizeof *s->runs);
  s->runs[s->n_runs++] = r;
  snprintf(r->phase, sizeof r->phase, "queued");
  pthread_cond_broadcast(&s->wake);
  pthread_mutex_unlock(&s->lock);
  log_run(s, "run %d queued: %d input(s), flow %s", r->id, r->n_inputs, r->flow_name);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  reply_json(rep, 202, o);
}

static json_t *run_json(serve_server *s, serve_run *r) {
  json_t *o = json_object();
  pthread_mutex_lock(&s->lock);
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "status", json_string(status_names[r->status]));
  json_object_set_new(o, "progress", json_real(r->progress));
  json_object_set_new(o, "phase", json_string(r->phase));
  json_object_set_new(o, "county", json_string(r->county));
  json_object_set_new(o, "flow", json_string(r->flow_name));
  if (r->status == RUN_DONE) {
    json_t *sum = json_loads(r->summary, 0, NULL);
    if (sum) json_object_set_new(o, "summary", sum);
    json_object_set_new(o, "seconds", json_real(r->seconds));
  }
  if (r->error) json_object_set_new(o, "error", json_string(r->error));
  if (r->filings_asked) {
    json_t *f = json_object();
    json_object_set_new(f, "status", json_string(status_names[r->filings]));
    if (r->filings == RUN_DONE) {
      json_object_set_new(f, "motions", json_integer(r->motions));
      json_object_set_new(f, "approved", json_integer(r->approved));
    }
    if (r->filings_error) json_object_set_new(f, "error", json_string(r->filings_error));
    json_object_set_new(o, "filings", f);
  }
  pthread_mutex_unlock(&s->lock);
  return o;
}

/* Bundle files of a finished run, names relative to its folder. */
static void list_bundle(const char *root, const char *rel, json_t *list, int depth) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && depth < 4) {
    if (hidden(e->d_name)) continue;
    char name[4096], path[8192];
    snprintf(name, sizeof name, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
    snprintf(path, sizeof path, "%s/%s", root, name);
    struct stat st;
    if (lstat(path, &st) != 0) continue;
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

static void get_file(serve_server *s, serve_run *r, const char *name, serve_reply *rep) {
  (void)s;
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!safe_name(name)) return serve_reply_error(rep, 404, "no such file in this run");
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", r->dir, name);
  char *real = realpath(path, NULL);
  size_t n = strlen(r->dir);
  if (!real || strncmp(real, r->dir, n) || real[n] != '/') {
    free(real);
    return serve_reply_error(rep, 404, "no such file in this run");
  }
  int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  free(real);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    return serve_reply_error(rep, 404, "no such file in this run");
  }
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  const char *dot = strrchr(base, '.');
  rep->type = !dot                    ? "application/octet-stream"
              : !strcmp(dot, ".csv")  ? "text/csv; charset=utf-8"
              : !strcmp(dot, ".json") ? "application/json"
              : !strcmp(dot, ".html") ? "text/html; charset=utf-8"
              : !strcmp(dot, ".pdf")  ? "application/pdf"
                                      : "application/octet-stream";
  rep->status = 200;
  rep->fd = fd;
  rep->fd_size = (uint64_t)st.st_size;
  snprintf(rep->filename, sizeof rep->filename, "%s", base);
}

/* ---- people: search the Prop 64 results, explain one person ---- */

static bool contains_ci(const char *hay, const char *needle) {
  return strcasestr(hay, needle) != NULL;
}

static int column(const review_csv_reader *r, const char *name) {
  for (int i = 0; i < r->n_fields; i++)
    if (!strcmp(r->fields[i], name)) return i;
  return -1;
}

static void search_file(const char *path, const char *q, json_t *people, int limit) {
  FILE *f = fopen(path, "rb");
  if (!f) return;
  relief_buf b = {0};
  char chunk[1 << 16];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) relief_buf_append(&b, chunk, n);
  fclose(f);
  review_csv_reader r;
  relief_error err = {0};
  review_csv_init(&r, b.data, b.len, "Prop64_Results.csv");
  if (review_csv_next(&r, &err) == 1) {
    int subject = column(&r, "SUBJECT_ID"), cii = column(&r, "CII_NUMBER");
    int name = column(&r, "PRI_NAME"), dob = column(&r, "PRI_DOB");
    int det = column(&r, "Eligibility Determination");
    while (subject >= 0 && cii >= 0 && name >= 0 && dob >= 0 && det >= 0 &&
           review_csv_next(&r, &err) == 1) {
      if (!contains_ci(r.fields[name], q) && strcmp(r.fields[cii], q) &&
          strcmp(r.fields[subject], q))
        continue;
      json_t *found = NULL;
      size_t i;
      json_t *p;
      json_array_foreach(people, i, p) {
        if (!strcmp(json_string_value(json_object_get(p, "subjectId")), r.fields[subject]))
          found = p;
      }
      if (!found) {
        if ((int)json_array_size(people) >= limit) continue;
        found = json_object();
        json_object_set_new(found, "subjectId", json_string(r.fields[subject]));
        json_object_set_new(found, "cii", json_string(r.fields[cii]));
        json_object_set_new(found, "name", json_string(r.fields[name]));
        json_object_set_new(found, "dob", json_string(r.fields[dob]));
        json_object_set_new(found, "determinations", json_object());
        json_array_append_new(people, found);
      }
      json_t *dets = json_object_get(found, "determinations");
      const char *d = r.fields[det][0] ? r.fields[det] : "(none)";
      json_object_set_new(dets, d, json_integer(json_integer_value(json_object_get(dets, d)) + 1));
    }
  }
  review_csv_free(&r);
  relief_buf_free(&b);
}

static void get_people(serve_run *r, const serve_request *req, serve_reply *rep) {
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!req->q || strlen(req->q) < 2 || strlen(req->q) > 200)
    return serve_reply_error(rep, 400,
                             "q must be 2 to 200 characters of a name, CII or subject id");
  json_t *people = json_array();
  DIR *d = opendir(r->dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (strncmp(e->d_name, "Prop64_Results", 14) || strstr(e->d_name, "Extended") ||
        !strstr(e->d_name, ".csv"))
      continue;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
    search_file(path, req->q, people, 50);
  }
  if (d) closedir(d);
  json_t *o = json_object();
  json_object_set_new(o, "people", people);
  reply_json(rep, 200, o);
}

static void add_conviction(void *user, const relief_explain_conviction *c) {
  json_t *o = json_object();
  json_object_set_new(o, "index", json_integer(c->index));
  json_object_set_new(o, "row", json_integer((json_int_t)c->row));
  json_object_set_new(o, "codeSection", json_string(c->code_section));
  json_object_set_new(o, "county", json_string(c->county));
  char date[16] = "";
  if (c->disposition_known)
    snprintf(date, sizeof date, "%04d-%02d-%02d", c->disposition_year, c->disposition_month,
             c->disposition_mday);
  json_object_set_new(o, "disposition", json_string(date));
  json_object_set_new(o, "felony", json_boolean(c->felony));
  json_object_set_new(o, "relevant", json_boolean(c->relevant));
  json_t *features = json_array();
  for (int i = 0; relief_feature_name(i); i++)
    if (c->features & (1ull << i))
      json_array_append_new(features, json_string(relief_feature_name(i)));
  json_object_set_new(o, "features", features);
  if (c->decided) {
    json_object_set_new(o, "rule", json_string(c->rule_id));
    json_object_set_new(o, "determination", json_string(c->determination));
    json_object_set_new(o, "reason", json_string(c->reason));
  }
  json_array_append_new(user, o);
}

static void get_explain(serve_server *s, serve_run *r, const serve_request *req, serve_reply *rep) {
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!req->subject || !*req->subject || strlen(req->subject) > 120)
    return serve_reply_error(rep, 400, "subject must be a SUBJECT_ID or CII number");
  for (int i = 0; i < r->n_inputs; i++) {
    relief_explain_config cfg = {.input = r->inputs[i],
                                 .subject = req->subject,
                                 .county = r->county,
                                 .compute_day = r->compute_day,
                                 .flow = r->fixed_flow ? &r->flow : NULL,
                                 .options = &r->options,
                                 .threads = s->cfg.threads};
    relief_explain_person person = {0};
    json_t *list = json_array();
    relief_error err = {0};
    relief_status st = relief_explain(&cfg, &person, add_conviction, list, &err);
    if (st) {
      json_decref(list);
      char why[2200];
      relief_error_format(&err, why, sizeof why);
      return serve_reply_error(rep, 500, why);
    }
    if (!person.found) {
      json_decref(list);
      continue;
    }
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(person.name));
    json_object_set_new(o, "dob", json_string(person.dob));
    json_object_set_new(o, "cii", json_string(person.cii));
    json_object_set_new(o, "subjectId", json_string(person.subject_id));
    json_object_set_new(o, "deceased", json_boolean(person.deceased));
    json_object_set_new(o, "registered", json_boolean(person.registered));
    json_object_set_new(o, "flow", json_string(person.flow_name));
    json_object_set_new(o, "convictions", list);
    return reply_json(rep, 200, o);
  }
  serve_reply_error(rep, 404, "no such person in this run's inputs");
}

static void get_zip(serve_server *s, serve_run *r, serve_reply *rep) {
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  char name[64], path[4200];
  snprintf(name, sizeof name, "bundle-%d.zip", r->id);
  snprintf(path, sizeof path, "%s/runs/%s", s->workspace, name);
  relief_error err = {0};
  char runs[4200];
  snprintf(runs, sizeof runs, "%s/runs", s->workspace);
  pthread_mutex_lock(&s->zip_lock); /* one zip at a time: they are built in memory */
  relief_status st = bundle_zip(r->dir, runs, name, &err);
  int fd = st ? -1 : open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  pthread_mutex_unlock(&s->zip_lock);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0) {
    if (fd >= 0) close(fd);
    return serve_reply_error(rep, 500, "cannot make the bundle's zip");
  }
  rep->status = 200;
  rep->type = "application/zip";
  rep->fd = fd;
  rep->fd_size = (uint64_t)sb.st_size;
  snprintf(rep->filename, sizeof rep->filename, "relief-run-%d.zip", r->id);
}

static void post_whatif(serve_server *s, serve_run *r, const serve_request *req, serve_reply *rep) {
  pthread_mutex_lock(&s->lock);
  bool pending = r->whatif_pending;
  char why_not[2300] = "";
  if (r->whatif_error) snprintf(why_not, sizeof why_not, "no what-if: %s", r->whatif_error);
  pthread_mutex_unlock(&s->lock);
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (pending)
    return serve_reply_error(rep, 409, "the what-if table is being rebuilt after a restart");
  if (why_not[0] || !r->whatif)
    return serve_reply_error(rep, 409, why_not[0] ? why_not : "no what-if for this run");
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  if (!json_is_object(root)) {
    json_decref(root);
    return serve_reply_error(rep, 400, "the body must be a JSON object");
  }
  relief_options opt;
  char why[1200] = "";
  api_parse_options(json_object_get(root, "options"), &opt, why, sizeof why);
  json_decref(root);
  if (why[0]) return serve_reply_error(rep, 400, why);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  char *text = whatif_summary(r->whatif, &opt);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  log_run(s, "run %d what-if in %.1f ms", r->id, ms);
  json_t *o = json_object();
  json_object_set_new(o, "summary", json_loads(text, 0, NULL));
  json_object_set_new(o, "milliseconds", json_real(ms));
  free(text);
  reply_json(rep, 200, o);
}

/* ---- the review queue (engine/review's store in the run folder) ---- */

static void add_item(void *user, const review_queue_item *it) {
  json_t *o = json_object();
  json_object_set_new(o, "item", json_string(it->item));
  json_object_set_new(o, "agency", json_string(it->agency));
  json_object_set_new(o, "kind", json_string(it->kind));
  json_object_set_new(o, "name", json_string(it->name));
  json_object_set_new(o, "dob", json_string(it->dob));
  json_object_set_new(o, "cii", json_string(it->cii));
  json_object_set_new(o, "caseNumber", json_string(it->case_number));
  json_object_set_new(o, "counts", json_string(it->counts));
  json_object_set_new(o, "proposed", json_string(it->proposed));
  json_object_set_new(o, "reason", json_string(it->reason));
  json_object_set_new(o, "decision", json_string(it->decision));
  json_object_set_new(o, "notes", json_string(it->notes));
  json_object_set_new(o, "reviewer", json_string(it->reviewer));
  json_array_append_new(user, o);
}

static void review_reply(serve_reply *rep, relief_status st, const relief_error *err) {
  char why[2200];
  relief_error_format(err, why, sizeof why);
  serve_reply_error(rep, st == RELIEF_E_USAGE ? 404 : st == RELIEF_E_DATA ? 409 : 500, why);
}

static void review_endpoint(serve_server *s, serve_run *r, const serve_request *req,
                            const char *rest, serve_reply *rep) {
  (void)s;
  bool post = !strcmp(req->method, "POST");
  relief_error err = {0};
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!*rest && post) { /* start the review of this run's bundle */
    if (!req->admin)
      return serve_reply_error(rep, 403, "only the office administrator starts a review");
    /* optional {"routing": {...}}: the routing file's JSON (which agency reviews what) */
    json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
    json_t *routing = json_object_get(root, "routing");
    char routing_path[4200] = "";
    relief_status st = RELIEF_OK;
    if (routing && json_is_object(routing)) {
      char *text = json_dumps(routing, JSON_COMPACT);
      char name[64];
      snprintf(name, sizeof name, "routing-%d.json", r->id);
      snprintf(routing_path, sizeof routing_path, "%s/%s", s->workspace, name);
      st = publish_single_file(s->workspace, name, text, strlen(text), &err);
      free(text);
    } else if (routing && !json_is_null(routing)) {
      json_decref(root);
      return serve_reply_error(rep, 400, "routing must be an object (a routing file's JSON)");
    }
    json_decref(root);
    long long n = 0;
    if (!st) st = review_init(r->dir, routing_path[0] ? routing_path : NULL, false, &n, &err);
    if (st == RELIEF_E_USAGE) return serve_reply_error(rep, 400, err.message);
    if (st) return review_reply(rep, st, &err);
    log_run(s, "run %d review store made: %lld items", r->id, n);
    json_t *o = json_object();
    json_object_set_new(o, "items", json_integer(n));
    return reply_json(rep, 200, o);
  }
  if (!*rest) {
    json_t *list = json_array();
    relief_status st =
        review_queue_list(r->dir, req->who ? req->who->agency : NULL, add_item, list, &err);
    if (st) {
      json_decref(list);
      return review_reply(rep, st, &err);
    }
    json_t *o = json_object();
    json_object_set_new(o, "items", list);
    return reply_json(rep, 200, o);
  }
  if (*rest != '/' || !post) return serve_reply_error(rep, 405, "method not allowed");
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  json_t *decision = json_object_get(root, "decision"), *notes = json_object_get(root, "notes");
  const char *d = json_is_string(decision) ? json_string_value(decision) : "";
  if ((strcmp(d, "Approve") && strcmp(d, "Deny") && strcmp(d, "Hold")) ||
      (notes && (!json_is_string(notes) || json_string_length(notes) > 4000))) {
    json_decref(root);
    return serve_reply_error(rep, 400, "the body must be {decision: Approve|Deny|Hold, notes}");
  }
  /* an account decides only its agency's items, and is recorded as the reviewer */
  relief_status st = review_decide(r->dir, rest + 1, req->who ? req->who->agency : NULL, d,
                                   notes ? json_string_value(notes) : "",
                                   req->who ? req->who->name : "local", &err);
  json_decref(root);
  if (st) return review_reply(rep, st, &err);
  log_run(s, "run %d review decision recorded", r->id);
  json_t *o = json_object();
  json_object_set_new(o, "ok", json_true());
  reply_json(rep, 200, o);
}

/* POST /api/runs/{id}/filings {filer?}: motions for the review's approved
 * items, made by the worker as `relief filings` makes them (the run's
 * Court_Filings/ is replaced). The filer profile is checked here, so a bad
 * one is a 400 naming its key. */
static void post_filings(serve_server *s, serve_run *r, const serve_request *req,
                         serve_reply *rep) {
  if (r->status != RUN_DONE) return serve_reply_error(rep, 409, "the run has not finished");
  if (!review_store_exists(r->dir))
    return serve_reply_error(rep, 409, "no review yet: start the review and approve items first");
  json_t *root = req->body_len ? json_loadb(req->body, req->body_len, 0, NULL) : json_object();
  if (!json_is_object(root)) {
    json_decref(root);
    return serve_reply_error(rep, 400, "the body must be {} or {\"filer\": {...}}");
  }
  json_t *filer = json_object_get(root, "filer");
  char *filer_json = NULL;
  if (filer && !json_is_null(filer)) {
    filer_json = json_dumps(filer, JSON_COMPACT | JSON_ENCODE_ANY);
    relief_filer check;
    relief_error err = {0};
    if (!filer_json || relief_filer_parse(filer_json, "filer", &check, &err)) {
      json_decref(root);
      free(filer_json);
      char why[1200];
      relief_error_format(&err, why, sizeof why);
      return serve_reply_error(rep, 400, why);
    }
    relief_filer_free(&check);
  }
  json_decref(root);
  pthread_mutex_lock(&s->lock);
  bool busy = r->filings_asked && (r->filings == RUN_QUEUED || r->filings == RUN_RUNNING);
  if (!busy) {
    r->filings_asked = true;
    r->filings = RUN_QUEUED;
    free(r->filer_json);
    r->filer_json = filer_json;
    filer_json = NULL;
    free(r->filings_error);
    r->filings_error = NULL;
    pthread_cond_broadcast(&s->wake);
  }
  pthread_mutex_unlock(&s->lock);
  free(filer_json);
  if (busy) return serve_reply_error(rep, 409, "motions are being made for this run already");
  log_run(s, "run %d filings queued", r->id);
  json_t *o = json_object();
  json_object_set_new(o, "status", json_string("queued"));
  reply_json(rep, 202, o);
}

static void get_config(serve_server *s, serve_reply *rep) {
  json_t *o = json_object(), *c = json_array();
  for (int i = 0; i < s->cfg.n_counties; i++)
    json_array_append_new(c, json_string(s->cfg.counties[i]));
  json_object_set_new(o, "counties", c);
  json_object_set_new(o, "version", json_string(relief_version()));
  reply_json(rep, 200, o);
}

static void post_login(serve_server *s, const serve_request *req, serve_reply *rep) {
  json_t *root = json_loadb(req->body, req->body_len, 0, NULL);
  json_t *name = json_object_get(root, "name"), *password = json_object_get(root, "password");
  char sid[65];
  bool ok = json_is_string(name) && json_is_string(password) &&
            accounts_login(&s->book, json_string_value(name), json_string_value(password), sid);
  json_decref(root);
  log_run(s, "login %s", ok ? "accepted" : "refused"); /* never the name tried */
  if (!ok) return serve_reply_error(rep, 401, "wrong name or password");
  const account *a = accounts_session(&s->book, sid);
  snprintf(rep->cookie, sizeof rep->cookie,
           "relief_session=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=28800", sid);
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(a->name));
  json_object_set_new(o, "agency", json_string(a->agency));
  reply_json(rep, 200, o);
}

/* What an account (office mode, not the token) may ask for: its agency's
 * review queue and the runs' status, never bundle files or new runs. */
static bool account_may(const serve_request *req) {
  const char *p = req->path;
  bool get = !strcmp(req->method, "GET");
  if (!strcmp(p, "/api/config") || !strcmp(p, "/api/me") || !strcmp(p, "/api/logout")) return true;
  if (!strcmp(p, "/api/runs")) return get;
  if (strncmp(p, "/api/runs/", 10)) return false;
  const char *rest = p + 10 + strspn(p + 10, "0123456789");
  if (!*rest) return get;
  if (!strcmp(rest, "/review")) return get;
  return !strncmp(rest, "/review/", 8) && !strcmp(req->method, "POST");
}

void api_handle(serve_server *s, const serve_request *req, serve_reply *rep) {
  const char *p = req->path;
  bool get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
  bool post = !strcmp(req->method, "POST");
  if (!strcmp(p, "/api/login") && post) return post_login(s, req, rep);
  bool page = !strcmp(p, "/") || !strcmp(p, "/index.html");
  if (!req->admin && !page) {
    if (!req->who) return serve_reply_error(rep, 401, "sign in first");
    if (!account_may(req)) return serve_reply_error(rep, 403, "not open to this account");
  }
  if (!strcmp(p, "/api/me") && get) {
    json_t *o = json_object();
    json_object_set_new(o, "name", req->who ? json_string(req->who->name) : json_null());
    json_object_set_new(o, "agency", req->who ? json_string(req->who->agency) : json_null());
    json_object_set_new(o, "admin", json_boolean(req->admin));
    json_object_set_new(o, "office", json_boolean(s->cfg.office));
    return reply_json(rep, 200, o);
  }
  if (!strcmp(p, "/api/logout") && post) {
    accounts_logout(&s->book, req->session);
    snprintf(rep->cookie, sizeof rep->cookie,
             "relief_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    return reply_json(rep, 200, json_object());
  }
  if (!strcmp(p, "/") || !strcmp(p, "/index.html")) {
    if (!get) return serve_reply_error(rep, 405, "method not allowed");
    rep->status = 200;
    rep->type = "text/html; charset=utf-8";
    page_render(s, &rep->body);
    return;
  }
  if (!strcmp(p, "/api/config") && get) return get_config(s, rep);
  if (!strcmp(p, "/api/inputs") && get) {
    json_t *list = json_array();
    for (int i = 0; i < s->n_data_dirs; i++) list_folder(s->data_dirs[i], list, 0);
    return reply_json(rep, 200, list);
  }
  if (!strcmp(p, "/api/runs")) {
    if (post) return post_run(s, req, rep);
    if (!get) return serve_reply_error(rep, 405, "method not allowed");
    json_t *list = json_array();
    pthread_mutex_lock(&s->lock);
    int n = s->n_runs;
    serve_run **copy = xcalloc((size_t)n + 1, sizeof *copy);
    if (n) memcpy(copy, s->runs, (size_t)n * sizeof *copy);
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < n; i++) json_array_append_new(list, run_json(s, copy[i]));
    free(copy);
    return reply_json(rep, 200, list);
  }
  if (!strncmp(p, "/api/runs/", 10)) {
    const char *rest;
    serve_run *r = find_run(s, p + 10, &rest);
    if (!r) return serve_reply_error(rep, 404, "no such run");
    if (!*rest && get) return reply_json(rep, 200, run_json(s, r));
    if (!strcmp(rest, "/files") && get) {
      json_t *list = json_array();
      if (r->status == RUN_DONE) list_bundle(r->dir, "", list, 0);
      return reply_json(rep, 200, list);
    }
    if (!strncmp(rest, "/files/", 7) && get) return get_file(s, r, rest + 7, rep);
    if (!strcmp(rest, "/bundle.zip") && get) return get_zip(s, r, rep);
    if (!strcmp(rest, "/people") && get) return get_people(r, req, rep);
    if (!strcmp(rest, "/explain") && get) return get_explain(s, r, req, rep);
    if (!strcmp(rest, "/whatif") && post) return post_whatif(s, r, req, rep);
    if (!strcmp(rest, "/filings") && post) {
      if (!req->admin) return serve_reply_error(rep, 403, "not open to this account");
      return post_filings(s, r, req, rep);
    }
    if (!strncmp(rest, "/review", 7) && (!rest[7] || rest[7] == '/'))
      return review_endpoint(s, r, req, rest + 7, rep);
    return serve_reply_error(rep, 405, "method not allowed");
  }
  serve_reply_error(rep, 404, "not found");
}

/* ---- the worker ---- */

typedef struct {
  serve_server *s;
  serve_run *r;
} progress_ctx;

/* The phases of one input, as parts of the whole run's bar. */
static void on_progress(void *user, const char *phase, uint64_t done, uint64_t total,
                        uint64_t rows) {
  (void)rows;
  progress_ctx *pc = user;
  static const struct {
    const char *name;
    double from, to;
  } phases[] = {
      {"parse", 0.0, 0.45}, {"group", 0.45, 0.55}, {"evaluate", 0.55, 0.65}, {"write", 0.65, 0.8}};
  for (size_t i = 0; i < sizeof phases / sizeof *phases; i++) {
    if (strcmp(phase, phases[i].name)) continue;
    double f = total ? (double)done / (double)total : 0;
    double v = phases[i].from + (phases[i].to - phases[i].from) * (f > 1 ? 1 : f);
    pthread_mutex_lock(&pc->s->lock);
    if (v > pc->r->progress) pc->r->progress = v;
    snprintf(pc->r->phase, sizeof pc->r->phase, "%s", phase);
    pthread_mutex_unlock(&pc->s->lock);
  }
}

static char *read_whole(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  relief_buf b = {0};
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) relief_buf_append(&b, chunk, n);
  fclose(f);
  relief_buf_putc(&b, '\0');
  return b.data;
}

static const char *const serve_command_line[] = {"relief", "serve"};

/* The library configuration of run r, as its POST asked for it. */
static void run_config(const serve_server *s, const serve_run *r, relief_run_config *cfg) {
  *cfg = (relief_run_config){.inputs = (const char *const *)r->inputs,
                             .n_inputs = r->n_inputs,
                             .county = r->county,
                             .compute_day = r->compute_day,
                             .options = &r->options,
                             .outputs_dir = r->dir,
                             .flow = r->fixed_flow ? &r->flow : NULL,
                             .report = true,
                             .review_files = r->review_files,
                             .threads = s->cfg.threads,
                             .command_line = serve_command_line,
                             .n_command_line = 2};
}

/* The motions of r's approved review items: the run decided again from the
 * same inputs (refused if they changed), only Court_Filings/ replaced. */
static void execute_filings(serve_server *s, serve_run *r) {
  relief_error err = {0};
  review_filter *approved = NULL;
  size_t n_approved = 0;
  relief_filer filer;
  bool have_filer = false;
  pthread_mutex_lock(&s->lock);
  char *filer_json = r->filer_json ? xstrdup(r->filer_json) : NULL;
  pthread_mutex_unlock(&s->lock);
  /* a motion names a person: decide again only from the bytes the bundle
   * was decided from, and only from files under a --data folder */
  relief_status st = run_inputs_unchanged(s, r, &err);
  if (!st) st = review_filter_load(r->dir, &approved, &n_approved, &err);
  if (!st && filer_json) {
    st = relief_filer_parse(filer_json, "filer", &filer, &err);
    have_filer = !st;
  }
  free(filer_json);
  relief_filing_filter filter = approved ? review_filter_of(approved) : (relief_filing_filter){0};
  relief_run_config cfg;
  run_config(s, r, &cfg);
  cfg.forms = true;
  cfg.filings_only = true;
  cfg.report = false;
  cfg.filter = &filter;
  cfg.filer = have_filer ? &filer : NULL;
  relief_run_result res = {0};
  if (!st) st = job_run(&cfg, &res, &err);
  char why[2200] = "";
  if (st) relief_error_format(&err, why, sizeof why);
  pthread_mutex_lock(&s->lock);
  r->filings = st ? RUN_FAILED : RUN_DONE;
  r->motions = res.motions;
  r->approved = (long long)n_approved;
  if (st) r->filings_error = xstrdup(why);
  pthread_mutex_unlock(&s->lock);
  if (have_filer) relief_filer_free(&filer);
  review_filter_free(approved);
  if (st)
    log_run(s, "run %d filings failed (status %d)", r->id, (int)st);
  else
    log_run(s, "run %d filings done: %lld motions from %zu approved items", r->id,
            (long long)res.motions, n_approved);
}

static void execute(serve_server *s, serve_run *r) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/runs/%d", s->workspace, r->id);
  r->dir = xstrdup(dir);
  relief_error err = {0};
  relief_status st = RELIEF_OK;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    st = relief_error_set(&err, RELIEF_E_IO, NULL, 0, -1, "cannot create the run folder: %s",
                          strerror(errno));
  progress_ctx pc = {s, r};
  relief_run_config cfg;
  run_config(s, r, &cfg);
  cfg.progress = on_progress;
  cfg.progress_user = &pc;
  relief_run_result res;
  if (!st) st = job_run(&cfg, &res, &err);
  char *summary = NULL;
  whatif_table *wi = NULL;
  if (!st) {
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (!(summary = read_whole(path)))
      st = relief_error_set(&err, RELIEF_E_IO, NULL, 0, -1, "cannot read the summary back");
  }
  if (!st) {
    pthread_mutex_lock(&s->lock);
    snprintf(r->phase, sizeof r->phase, "what-if");
    r->progress = 0.85;
    pthread_mutex_unlock(&s->lock);
    wi = whatif_build((const char *const *)r->inputs, r->n_inputs, r->county, r->compute_day,
                      r->fixed_flow ? &r->flow : NULL, s->cfg.threads, &err);
    if (!wi) st = err.status ? err.status : RELIEF_E_IO;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  char why[2200] = "";
  if (st) relief_error_format(&err, why, sizeof why);
  pthread_mutex_lock(&s->lock);
  r->seconds = seconds;
  if (st) {
    r->status = RUN_FAILED;
    r->error = xstrdup(why);
    snprintf(r->phase, sizeof r->phase, "failed");
  } else {
    r->summary = summary;
    r->whatif = wi;
    r->status = RUN_DONE;
    r->progress = 1;
    snprintf(r->phase, sizeof r->phase, "done");
    summary = NULL;
  }
  pthread_mutex_unlock(&s->lock);
  free(summary);
  relief_error rec_err = {0};
  if (run_record_save(r, &rec_err)) /* the run stands; it is not listed after a restart */
    log_run(s, "run %d: its record was not kept (status %d)", r->id, (int)rec_err.status);
  if (st) {
    log_run(s, "run %d failed (status %d) after %.2f s", r->id, (int)st, seconds);
  } else {
    size_t people, conv, bytes;
    whatif_stats(wi, &people, &conv, &bytes);
    log_run(s,
            "run %d done: %lld rows, %lld people, %.2f s; what-if table %zu people, %zu "
            "convictions, %zu bytes",
            r->id, (long long)res.rows, (long long)res.people, seconds, people, conv, bytes);
  }
}

void *api_worker(void *server) {
  serve_server *s = server;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    serve_run *next = NULL;
    bool filings = false;
    for (int i = 0; i < s->n_runs && !next; i++) {
      serve_run *r = s->runs[i];
      if (r->status == RUN_QUEUED) next = r;
      if (r->filings_asked && r->filings == RUN_QUEUED) next = r, filings = true;
    }
    if (s->stopping) break;
    serve_run *rebuild = NULL;
    for (int i = 0; i < s->n_runs && !next && !rebuild; i++)
      if (s->runs[i]->whatif_pending) rebuild = s->runs[i];
    if (rebuild) { /* a run listed again after a restart: its what-if table */
      s->busy = true;
      pthread_mutex_unlock(&s->lock);
      relief_error err = {0};
      char why[2200] = "";
      if (!run_record_rebuild_whatif(s, rebuild, &err)) relief_error_format(&err, why, sizeof why);
      pthread_mutex_lock(&s->lock);
      s->busy = false;
      rebuild->whatif_pending = false;
      if (why[0]) rebuild->whatif_error = xstrdup(why);
      continue;
    }
    if (!next) {
      pthread_cond_wait(&s->wake, &s->lock);
      continue;
    }
    if (filings) {
      next->filings = RUN_RUNNING;
    } else {
      next->status = RUN_RUNNING;
      snprintf(next->phase, sizeof next->phase, "starting");
    }
    s->busy = true;
    pthread_mutex_unlock(&s->lock);
    if (filings)
      execute_filings(s, next);
    else
      execute(s, next);
    pthread_mutex_lock(&s->lock);
    s->busy = false;
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}
