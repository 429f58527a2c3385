/*
 * manifest.c — manifest.json, the record of how a bundle was made: engine
 * version, command line, options and flow tables (with a hash of each
 * flow's canonical JSON), inputs and outputs with sizes and XXH3-128 hashes,
 * compute date, threads and timings. It is written last, from the finished
 * temporary files, so that it describes exactly the bytes being committed.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "relief/doj.h"
#include "relief/identity.h"
#include "relief/relief.h"
#include "relief/report.h"

/* Size and XXH3-128 of a file's bytes, read in blocks. */
static relief_status hash_file(const char *path, const char *name_for_errors, uint64_t *size,
                               char hex[33], relief_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return relief_error_set(err, RELIEF_E_IO, name_for_errors, 0, -1,
                            "cannot read for the manifest: %s", strerror(errno));
  XXH3_state_t *state = XXH3_createState();
  char *block = malloc(1 << 20);
  relief_status st = RELIEF_OK;
  if (!state || !block) {
    st = relief_error_set(err, RELIEF_E_IO, name_for_errors, 0, -1, "out of memory");
    goto done;
  }
  XXH3_128bits_reset(state);
  *size = 0;
  for (;;) {
    ssize_t got = read(fd, block, 1 << 20);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      st = relief_error_set(err, RELIEF_E_IO, name_for_errors, 0, -1,
                            "cannot read for the manifest: %s", strerror(errno));
      goto done;
    }
    if (got == 0) break;
    XXH3_128bits_update(state, block, (size_t)got);
    *size += (uint64_t)got;
  }
  relief_hex128(XXH3_128bits_digest(state), hex);
done:
  XXH3_freeState(state);
  free(block);
  close(fd);
  return st;
}

static json_t *sections_list(const uint8_t *list, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(a, json_string(relief_prop64_sections[list[i]]));
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
    json_object_set_new(row, "determination",
                        json_string(relief_determination_names[r->determination]));
    json_object_set_new(row, "reason", json_string(r->reason));
    json_array_append_new(rows, row);
  }
  json_object_set_new(o, "rows", rows);
  char *canonical = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  char hex[17] = "";
  if (canonical)
    snprintf(hex, sizeof hex, "%016llx",
             (unsigned long long)XXH3_64bits(canonical, strlen(canonical)));
  free(canonical);
  json_object_set_new(o, "hash", json_string(hex));
  return o;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The output's path relative to the outputs folder (COUNTY/file statewide). */
static const char *relative_to(const char *dir, const char *path) {
  size_t n = strlen(dir);
  if (!strncmp(path, dir, n) && path[n] == '/') return path + n + 1;
  return base_name(path);
}

static relief_status output_entry(json_t *list, const relief_outfile *f, const char *dir,
                                  relief_error *err) {
  uint64_t size;
  char hex[33];
  relief_status st = hash_file(f->temp_path, f->final_path, &size, hex, err);
  if (st) return st;
  json_t *o = json_object();
  json_object_set_new(o, "path", json_string(relative_to(dir, f->final_path)));
  json_object_set_new(o, "size", json_integer((json_int_t)size));
  json_object_set_new(o, "xxh3_128", json_string(hex));
  json_array_append_new(list, o);
  return RELIEF_OK;
}

relief_status relief_manifest_prepare(const relief_run_config *cfg, const relief_run_result *res,
                                      const relief_flow *const *flows, int n_flows,
                                      const relief_outfile *outs, size_t n_outs,
                                      const relief_outfile *summary, relief_outfile *manifest,
                                      relief_error *err) {
  double t0 = omp_get_wtime();
  relief_status st = RELIEF_OK;
  json_t *root = json_object();
  json_object_set_new(root, "engine", json_string("relief"));
  json_object_set_new(root, "version", json_string(relief_version()));
  json_t *argv = json_array();
  for (int i = 0; i < cfg->n_command_line; i++) {
    json_t *arg = json_string(cfg->command_line[i]);
    json_array_append_new(argv, arg ? arg : json_string("(not UTF-8)"));
  }
  json_object_set_new(root, "commandLine", argv);
  int y, m, d;
  relief_civil_from_days(cfg->compute_day, &y, &m, &d);
  char date[32];
  snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
  json_object_set_new(root, "computeDate", date[0] ? json_string(date) : json_null());
  json_t *county = json_string(cfg->county);
  json_object_set_new(root, "county", county ? county : json_string("(not UTF-8)"));
  json_object_set_new(root, "threads", json_integer(omp_get_max_threads()));
  json_object_set_new(root, "redacted", json_boolean(cfg->redaction != NULL));
  json_object_set_new(root, "options", options_json(&cfg->options));
  json_t *flow_list = json_array();
  for (int i = 0; i < n_flows; i++) json_array_append_new(flow_list, flow_json(flows[i]));
  json_object_set_new(root, "flows", flow_list);

  json_t *inputs = json_array();
  for (int i = 0; i < cfg->n_inputs && !st; i++) {
    uint64_t size;
    char hex[33];
    st = hash_file(cfg->inputs[i], cfg->inputs[i], &size, hex, err);
    if (st) break;
    json_t *o = json_object(), *p = json_string(cfg->inputs[i]);
    json_object_set_new(o, "path", p ? p : json_string("(not UTF-8)"));
    json_object_set_new(o, "size", json_integer((json_int_t)size));
    json_object_set_new(o, "xxh3_128", json_string(hex));
    json_array_append_new(inputs, o);
  }
  json_object_set_new(root, "inputs", inputs);
  json_t *outputs = json_array();
  for (size_t k = 0; k < n_outs && !st; k++)
    st = output_entry(outputs, &outs[k], cfg->outputs_dir, err);
  if (!st) st = output_entry(outputs, summary, cfg->outputs_dir, err);
  json_object_set_new(root, "outputs", outputs);
  json_t *timings = json_object();
  json_object_set_new(timings, "runSeconds", json_real(res->seconds));
  json_object_set_new(timings, "manifestSeconds", json_real(omp_get_wtime() - t0));
  json_object_set_new(root, "timings", timings);
  json_t *counts = json_object();
  json_object_set_new(counts, "rows", json_integer(res->summary.line_count));
  json_object_set_new(counts, "people", json_integer(res->people));
  json_object_set_new(root, "counts", counts);

  char *text = st ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (st) return st;
  if (!text) return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot format the manifest");
  char path[4096];
  relief_output_path(path, sizeof path, cfg->outputs_dir, "manifest", 0, cfg->suffix, ".json");
  st = relief_outfile_open(manifest, path, err);
  if (!st) st = relief_outfile_write(manifest, text, strlen(text), err);
  if (!st) st = relief_outfile_write(manifest, "\n", 1, err);
  if (!st) st = relief_outfile_finish(manifest, err);
  free(text);
  return st;
}
