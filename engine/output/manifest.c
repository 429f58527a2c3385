/*
 * manifest.c — manifest.json, the record of how a bundle was made: engine
 * version, command line, options and flow tables (with a hash of each
 * flow's canonical JSON), inputs (hashed as they were read) with their rows
 * accounted for, outputs with sizes and XXH3-128 hashes, warnings,
 * compute date, threads and timings. It is written last, from the finished
 * temporary files, so that it describes exactly the bytes being committed;
 * the next run into the folder reads its list of outputs back to remove
 * those its own bundle does not replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "doj/doj.h"
#include "io/read_small.h"
#include "output/output.h"

static json_t *sections_list(const uint8_t *list, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, json_string(prop64_sections[list[i]]));
  return a;
}

/* The options as the engine understood them, in the file's vocabulary. */
static json_t *options_json(const relief_options *o) {
  json_t *base = json_object(), *extra = json_object(), *root = json_object();
  json_object_set_new(base, "dismiss", sections_list(o->dismiss, o->n_dismiss));
  json_object_set_new(base, "reduce", sections_list(o->reduce, o->n_reduce));
  json_object_set_new(extra, "subjectUnder21AtConviction", json_boolean(o->under21_at_conviction));
  json_object_set_new(extra, "subjectHasOnlyProp64Charges", json_boolean(o->only_prop64));
  json_object_set_new(extra, "subjectIsDeceased", json_boolean(o->deceased));
  json_object_set_new(extra, "subjectAgeThreshold", json_integer(o->age_threshold));
  json_object_set_new(extra, "yearsSinceConvictionThreshold",
                      json_integer(o->years_since_conviction));
  json_object_set_new(extra, "yearsCrimeFreeThreshold", json_integer(o->years_crime_free));
  json_object_set_new(root, "baselineEligibility", base);
  json_object_set_new(root, "additionalRelief", extra);
  return root;
}

/* A flow table and "hash": XXH3-64 (16 hex digits) of the table's canonical
 * serialisation, its JSON without "hash" dumped compact with sorted keys. */
static json_t *flow_json(const relief_flow *f) {
  json_t *o = json_object(), *rows = json_array();
  json_object_set_new(o, "name", json_string(f->name));
  json_object_set_new(o, "relevanceMask", json_integer((json_int_t)f->relevance_mask));
  json_object_set_new(o, "relevanceValue", json_integer((json_int_t)f->relevance_value));
  json_object_set_new(o, "ageThreshold", json_integer(f->age_threshold));
  json_object_set_new(o, "yearsSinceConviction", json_integer(f->years_since_conviction));
  json_object_set_new(o, "yearsCrimeFree", json_integer(f->years_crime_free));
  for (int i = 0; i < f->n_rows; i++) {
    const relief_flow_row *r = &f->rows[i];
    json_t *row = json_object();
    json_object_set_new(row, "mask", json_integer((json_int_t)r->mask));
    json_object_set_new(row, "value", json_integer((json_int_t)r->value));
    json_object_set_new(row, "determination", json_string(determination_names[r->determination]));
    json_object_set_new(row, "reason", json_string(r->reason));
    json_object_set_new(row, "id", json_string(r->id));
    json_array_append_new(rows, row);
  }
  json_object_set_new(o, "rows", rows);
  json_object_set_new(o, "yearsConvictionFree", json_integer(f->years_conviction_free));
  json_object_set_new(o, "beforeYear", json_integer(f->before_year));
  char *canonical = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  char hex[17] = "";
  if (canonical)
    snprintf(hex, sizeof hex, "%016llx",
             (unsigned long long)XXH3_64bits(canonical, strlen(canonical)));
  free(canonical);
  json_object_set_new(o, "hash", json_string(hex));
  return o;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const pub_entry *)a)->relpath, ((const pub_entry *)b)->relpath);
}

/* A string, or "(not UTF-8)" for text jansson refuses. */
static json_t *text_or_mark(const char *text) {
  json_t *s = json_string(text);
  return s ? s : json_string("(not UTF-8)");
}

/* What was decided: the command, date, county, options, flows and the
 * counties' own policies (statewide), enough to decide it again. */
static void put_decision(json_t *root, const manifest_info *info) {
  json_t *argv = json_array();
  for (int i = 0; i < info->n_command_line; i++)
    json_array_append_new(argv, text_or_mark(info->command_line[i]));
  json_object_set_new(root, "commandLine", argv);
  int y, m, d;
  doj_civil_from_days(info->compute_day, &y, &m, &d);
  char date[32];
  snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
  json_object_set_new(root, "computeDate", date[0] ? json_string(date) : json_null());
  json_object_set_new(root, "county", text_or_mark(info->county));
  json_object_set_new(root, "threads", json_integer(info->threads));
  json_object_set_new(root, "redacted", json_boolean(info->redacted));
  json_object_set_new(root, "options", options_json(info->options));
  json_t *flow_list = json_array();
  for (int i = 0; i < info->n_flows; i++)
    json_array_append_new(flow_list, flow_json(info->flows[i]));
  json_object_set_new(root, "flows", flow_list);
  bool statewide = info->folders || (info->county && !strcmp(info->county, "(all counties)"));
  if (statewide) { /* each county's own policy (maybe none), to decide it again */
    json_t *policies = json_object();
    for (int i = 0; i < info->n_policies; i++) {
      const relief_county_policy *pol = &info->policies[i];
      json_t *o = json_object();
      json_object_set_new(o, "options", options_json(pol->options));
      if (pol->flow) json_object_set_new(o, "flow", flow_json(pol->flow));
      json_object_set_new(policies, pol->county, o);
    }
    json_object_set_new(root, "countyPolicies", policies);
  }
}

/* Each input as read, every row accounted for: read = decided + the
 * refused, by reason. */
static json_t *inputs_json(const manifest_info *info) {
  json_t *inputs = json_array();
  for (int i = 0; i < info->n_inputs; i++) {
    const manifest_input *in = &info->inputs[i];
    json_t *o = json_object();
    json_object_set_new(o, "path", text_or_mark(in->path));
    json_object_set_new(o, "size", json_integer((json_int_t)in->size));
    json_object_set_new(o, "xxh3_128", json_string(in->xxh3_128));
    json_t *rows = json_object(), *refused = json_object();
    json_object_set_new(rows, "read", json_integer(in->rows_read));
    json_object_set_new(rows, "decided", json_integer(in->rows_decided));
    if (in->rows_duplicate)
      json_object_set_new(refused, "duplicate of an earlier file's row",
                          json_integer(in->rows_duplicate));
    json_object_set_new(rows, "refused", refused);
    json_object_set_new(o, "rows", rows);
    json_array_append_new(inputs, o);
  }
  return inputs;
}

/* The bundle's files by path (threads create filings in any order; the
 * manifest is the same). */
static json_t *outputs_json(publication *pub) {
  size_t n_out = publication_count(pub);
  pub_entry *entries = xmalloc((n_out ? n_out : 1) * sizeof *entries);
  for (size_t k = 0; k < n_out; k++) publication_entry(pub, k, &entries[k]);
  qsort(entries, n_out, sizeof *entries, by_path);
  json_t *outputs = json_array();
  for (size_t k = 0; k < n_out; k++) {
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(entries[k].relpath));
    json_object_set_new(o, "size", json_integer((json_int_t)entries[k].size));
    json_object_set_new(o, "xxh3_128", json_string(entries[k].xxh3_128));
    json_array_append_new(outputs, o);
  }
  free(entries);
  return outputs;
}

/* The county folders (statewide), warnings, timings and counts. */
static void put_outcome(json_t *root, const manifest_info *info, double t0) {
  if (info->n_folders) {
    json_t *folders = json_object();
    for (size_t k = 0; k < info->n_folders; k++) {
      json_t *f = json_string(info->folders[k]);
      json_object_set_new(folders, info->folder_counties[k], f ? f : json_string(""));
    }
    json_object_set_new(root, "folders", folders);
  }
  json_t *warnings = json_array();
  for (int i = 0; i < info->n_warnings; i++)
    json_array_append_new(warnings, text_or_mark(info->warnings[i]));
  json_object_set_new(root, "warnings", warnings);
  json_t *timings = json_object();
  json_object_set_new(timings, "runSeconds", json_real(info->run_seconds));
  json_object_set_new(timings, "manifestSeconds", json_real(omp_get_wtime() - t0));
  json_object_set_new(root, "timings", timings);
  json_t *counts = json_object();
  json_object_set_new(counts, "rows", json_integer(info->rows));
  json_object_set_new(counts, "people", json_integer(info->people));
  json_object_set_new(root, "counts", counts);
}

relief_status manifest_write(const manifest_info *info, publication *pub, const char *name,
                             relief_error *err) {
  double t0 = omp_get_wtime();
  json_t *root = json_object();
  json_object_set_new(root, "engine", json_string("relief"));
  /* the build's version, as relief_version() (job/) gives it: output/ sits below job/ */
  json_object_set_new(root, "version", json_string(RELIEF_VERSION));
  put_decision(root, info);
  json_object_set_new(root, "inputs", inputs_json(info));
  json_object_set_new(root, "outputs", outputs_json(pub));
  put_outcome(root, info, t0);
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!text) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot format the manifest");
  size_t len = strlen(text);
  text[len] = '\n'; /* json_dumps leaves room for its NUL; the file ends in a newline */
  relief_status st = publication_write_file(pub, name, text, len + 1, err);
  free(text);
  return st;
}

void manifest_outputs_free(char **list, size_t n) {
  for (size_t i = 0; list && i < n; i++) free(list[i]);
  free(list);
}

relief_status manifest_load(const char *dir, const char *name, json_t **root, relief_error *err) {
  *root = NULL;
  int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) return RELIEF_OK; /* no folder, no bundle */
  int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  int saved = errno;
  close(dir_fd);
  if (fd < 0 && saved == ENOENT) return RELIEF_OK;
  if (fd < 0)
    return error_set(err, RELIEF_E_IO, name, 0, -1, "cannot read the manifest: %s",
                     saved == ELOOP ? "it is a symbolic link" : strerror(saved));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)MANIFEST_MAX_BYTES) {
    bool big = S_ISREG(st.st_mode);
    close(fd);
    return error_set(err, RELIEF_E_IO, name, 0, -1, "the manifest %s",
                     big ? "is too large" : "is not a regular file");
  }
  size_t size = (size_t)st.st_size, got = 0;
  char *text = xmalloc(size + 1);
  while (got < size) {
    ssize_t r = read(fd, text + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break; /* it shrank: parse what is there */
    got += (size_t)r;
  }
  close(fd);
  *root = json_loadb(text, got, 0, NULL);
  free(text);
  if (!json_is_object(*root)) {
    json_decref(*root);
    *root = NULL;
    return error_set(err, RELIEF_E_IO, name, 0, -1, "the manifest is not a JSON object");
  }
  return RELIEF_OK;
}

relief_status manifest_read_outputs(const char *dir, const char *name, char ***list, size_t *n,
                                    relief_error *err) {
  *list = NULL;
  *n = 0;
  json_t *root;
  relief_status st = manifest_load(dir, name, &root, err);
  if (st || !root) return st;
  json_t *outputs = json_object_get(root, "outputs");
  if (!json_is_array(outputs)) {
    json_decref(root);
    return error_set(err, RELIEF_E_IO, name, 0, -1, "the previous manifest has no list of outputs");
  }
  size_t cap = json_array_size(outputs);
  char **out = xcalloc(cap + 1, sizeof *out);
  size_t k = 0;
  json_t *o;
  size_t i;
  json_array_foreach(outputs, i, o) {
    const char *path = json_string_value(json_object_get(o, "path"));
    if (path && publication_relpath_ok(path)) out[k++] = xstrdup(path);
  }
  json_decref(root);
  *list = out;
  *n = k;
  return RELIEF_OK;
}

relief_status manifest_check_inputs(const json_t *root, relief_error *err) {
  json_t *inputs = json_object_get(root, "inputs"), *in;
  size_t i;
  json_array_foreach(inputs, i, in) {
    const char *path = json_string_value(json_object_get(in, "path"));
    const char *want = json_string_value(json_object_get(in, "xxh3_128"));
    uint64_t size;
    char hex[33];
    if (!path || !want) continue;
    relief_status st = hash_file(path, &size, hex, err);
    if (st) return st;
    if (strcmp(hex, want))
      return error_set(err, RELIEF_E_DATA, path, 0, -1, "%s",
                       "changed since the bundle was made (its bytes differ from those "
                       "manifest.json records): make the bundle again");
  }
  return RELIEF_OK;
}
