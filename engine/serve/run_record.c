/*
 * serve/run_record.c — a finished run outlives the server: its request and status
 * are kept beside its bundle (runs/<id>/.serve-run.json, hidden like the
 * staging folders, so it is never a bundle file), and a server started on
 * the same workspace lists those runs again, numbers new runs after them
 * (a new run never lands in an old run's folder with its review store), and
 * rebuilds their what-if tables in the background, only from inputs whose
 * bytes are still those the bundle was decided from.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "io/publish.h"
#include "io/read_small.h"
#include "output/output.h"
#include "serve/inputs.h"
#include "serve/run_job.h"
#include "serve/run_record.h"

#define RECORD_NAME ".serve-run.json"
#define RECORD_MAX (1u << 20)

relief_status run_record_save(const serve_run *r, relief_error *err) {
  json_t *o = json_object(), *inputs = json_array();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "status", json_string(r->status == RUN_DONE ? "done" : "failed"));
  json_object_set_new(o, "county", json_string(r->county));
  json_object_set_new(o, "computeDay", json_integer(r->compute_day));
  for (int i = 0; i < r->n_inputs; i++) json_array_append_new(inputs, json_string(r->inputs[i]));
  json_object_set_new(o, "inputs", inputs);
  json_object_set_new(o, "options", json_loads(r->options_json ? r->options_json : "{}", 0, NULL));
  json_object_set_new(o, "flow", json_string(r->flow_name));
  if (r->flow_path) json_object_set_new(o, "flowPath", json_string(r->flow_path));
  json_object_set_new(o, "reviewFiles", json_boolean(r->review_files));
  if (r->statewide) json_object_set_new(o, "statewide", json_true());
  if (r->policies_json)
    json_object_set_new(o, "countyPolicies", json_loads(r->policies_json, 0, NULL));
  json_object_set_new(o, "seconds", json_real(r->seconds));
  /* not finished when saved (the record kept before the run starts): if
   * the server is stopped before the run ends, this is what lists */
  if (r->status != RUN_DONE)
    json_object_set_new(o, "error",
                        json_string(r->status == RUN_FAILED && r->error ? r->error : "stopped"));
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  relief_status st = publish_single_file(r->dir, RECORD_NAME, text, strlen(text), err);
  free(text);
  return st;
}

/* The record's flow, as the run was decided with it (a flow file only if
 * it is still under a --data folder). */
static bool load_flow(serve_server *s, json_t *o, serve_run *r) {
  relief_flow_overrides ov = {-1, -1, -1, -1};
  relief_error err = {0};
  const char *flow_path = json_string_value(json_object_get(o, "flowPath"));
  if (!strcmp(r->flow_name, "configurable")) return true;
  r->fixed_flow = true;
  if (!strcmp(r->flow_name, "los-angeles"))
    return flow_los_angeles(&ov, &r->flow, &err) == RELIEF_OK;
  if (strcmp(r->flow_name, "file")) return false;
  char *real = flow_path ? inputs_resolve(s, flow_path) : NULL;
  bool ok = real && flow_load(real, &ov, &r->flow, &err) == RELIEF_OK;
  free(real);
  if (ok) r->flow_path = xstrdup(flow_path);
  return ok;
}

/* Done (with its summary.json, the what-if table to rebuild) or failed. */
static bool load_outcome(json_t *o, serve_run *r) {
  const char *status = json_string_value(json_object_get(o, "status"));
  if (strcmp(status, "done")) {
    const char *e = json_string_value(json_object_get(o, "error"));
    r->status = RUN_FAILED;
    r->error = xstrdup(e ? e : "failed");
    snprintf(r->phase, sizeof r->phase, "failed");
    return true;
  }
  char path[4600];
  size_t len;
  relief_error err = {0};
  snprintf(path, sizeof path, "%s/%s", r->dir,
           r->statewide ? "statewide_summary.json" : "summary.json");
  r->status = RUN_DONE;
  r->progress = 1;
  snprintf(r->phase, sizeof r->phase, "done");
  r->whatif_pending = true; /* the worker rebuilds it */
  return !read_small_file(path, RECORD_MAX, "summary", RELIEF_E_IO, &r->summary, &len, &err);
}

/* The run of folder runs/<id>, or NULL when its record is missing or not
 * what run_record_save writes. */
static serve_run *load_one(serve_server *s, const char *dir, long id) {
  char path[4600], *text = NULL;
  size_t len;
  relief_error err = {0};
  snprintf(path, sizeof path, "%s/%s", dir, RECORD_NAME);
  if (read_small_file(path, RECORD_MAX, "run record", RELIEF_E_IO, &text, &len, &err)) return NULL;
  json_t *o = json_loadb(text, len, 0, NULL);
  free(text);
  json_t *inputs = json_object_get(o, "inputs");
  const char *status = json_string_value(json_object_get(o, "status"));
  const char *county = json_string_value(json_object_get(o, "county"));
  const char *flow = json_string_value(json_object_get(o, "flow"));
  json_t *day = json_object_get(o, "computeDay");
  if (!json_is_object(o) || json_integer_value(json_object_get(o, "id")) != id || !status ||
      !county || strlen(county) >= sizeof((serve_run *)0)->county || !flow ||
      strlen(flow) >= sizeof((serve_run *)0)->flow_name || !json_is_integer(day) ||
      !json_is_array(inputs) || !json_array_size(inputs) ||
      json_array_size(inputs) > SERVE_MAX_INPUTS) {
    json_decref(o);
    return NULL;
  }
  serve_run *r = xcalloc(1, sizeof *r);
  r->id = (int)id;
  r->dir = xstrdup(dir);
  snprintf(r->county, sizeof r->county, "%s", county);
  snprintf(r->flow_name, sizeof r->flow_name, "%s", flow);
  r->compute_day = (int32_t)json_integer_value(day);
  r->review_files = json_is_true(json_object_get(o, "reviewFiles"));
  r->seconds = json_real_value(json_object_get(o, "seconds"));
  r->inputs = xcalloc(json_array_size(inputs), sizeof *r->inputs);
  bool ok = true;
  for (size_t i = 0; i < json_array_size(inputs) && ok; i++) {
    const char *p = json_string_value(json_array_get(inputs, i));
    ok = p != NULL;
    if (ok) r->inputs[r->n_inputs++] = xstrdup(p);
  }
  json_t *options = json_object_get(o, "options");
  char why[1200] = "";
  if (ok) {
    r->options_json = run_options_text(options);
    ok = run_parse_options(options, &r->options, why, sizeof why);
  }
  ok = ok && load_flow(s, o, r);
  r->statewide = json_is_true(json_object_get(o, "statewide"));
  int refused;
  ok = ok &&
       run_take_policies(s, json_object_get(o, "countyPolicies"), r, why, sizeof why, &refused);
  ok = ok && load_outcome(o, r);
  json_decref(o);
  if (!ok) {
    run_free(r);
    return NULL;
  }
  return r;
}

/* A record's temporary that a stop left unrenamed
 * (.serve-run.json.PID.N.tmp, see publish_single_file) goes. */
static void remove_record_temps(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0) close(fd);
    return;
  }
  size_t n = strlen("." RECORD_NAME ".");
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len > n + 4 && !strncmp(e->d_name, "." RECORD_NAME ".", n) &&
        !strcmp(e->d_name + len - 4, ".tmp"))
      unlinkat(fd, e->d_name, 0);
  }
  closedir(d);
}

static int cmp_runs(const void *a, const void *b) {
  const serve_run *x = *(serve_run *const *)a, *y = *(serve_run *const *)b;
  return (x->id > y->id) - (x->id < y->id);
}

void run_record_load_all(serve_server *s) {
  char runs[4200];
  snprintf(runs, sizeof runs, "%s/runs", s->workspace);
  s->next_id = 1;
  int fd = open(runs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0) close(fd);
    return;
  }
  for (struct dirent *e; (e = readdir(d));) {
    char *end;
    errno = 0;
    long id = strtol(e->d_name, &end, 10);
    if (*end || end == e->d_name || id <= 0 || id >= 1000000000 || errno) continue;
    /* any numbered folder, even one without a record (a run killed midway),
     * keeps its number from being used again */
    if (id >= s->next_id) s->next_id = (int)id + 1;
    struct stat st;
    if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) continue;
    char dir[4500];
    snprintf(dir, sizeof dir, "%s/%s", runs, e->d_name);
    serve_run *r = load_one(s, dir, id);
    remove_record_temps(dir);
    /* killed before its record, or stopped mid-run: what its publication
     * staged goes (publication_begin removes it, under the folder's lock) */
    if (!r || r->status != RUN_DONE) {
      publication *p;
      relief_error ignored;
      if (publication_begin(dir, &p, &ignored) == RELIEF_OK) publication_abort(p);
      if (!r) continue;
    }
    runs_append(s, r);
  }
  closedir(d);
  if (s->n_runs) qsort(s->runs, (size_t)s->n_runs, sizeof *s->runs, cmp_runs);
}

relief_status run_inputs_unchanged(const serve_server *s, const serve_run *r, relief_error *err) {
  /* a record is the workspace's, but what it names is read only where a
   * new run could read it: under this server's --data folders */
  for (int i = 0; i < r->n_inputs; i++) {
    char *real = inputs_resolve(s, r->inputs[i]);
    bool ok = real && !strcmp(real, r->inputs[i]);
    free(real);
    if (!ok)
      return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                       "input %d is no longer a file under a --data folder", i + 1);
  }
  json_t *manifest = NULL;
  relief_status st = manifest_load(r->dir, "manifest.json", &manifest, err);
  if (!st && !manifest)
    st = error_set(err, RELIEF_E_IO, NULL, 0, -1, "the run's manifest.json is missing");
  if (!st) st = manifest_check_inputs(manifest, err);
  json_decref(manifest);
  return st;
}

bool run_record_rebuild_whatif(serve_server *s, serve_run *r, relief_error *err) {
  if (run_inputs_unchanged(s, r, err)) return false;
  relief_county_policy *policies = run_policies(r);
  relief_statewide_config cfg = run_statewide_config(s, r, policies);
  whatif_setup setup = {.county = r->county,
                        .flow = r->fixed_flow ? &r->flow : NULL,
                        .statewide = r->statewide ? &cfg : NULL};
  r->whatif = whatif_build(&setup, (const char *const *)r->inputs, r->n_inputs, r->compute_day,
                           s->cfg.threads, r->summary, err);
  free(policies);
  return r->whatif != NULL;
}
