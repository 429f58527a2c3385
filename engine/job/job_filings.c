/*
 * job_filings.c — what filing adds to a run: the filing options (filer, the
 * day the motions are prepared) and the files of the folder's earlier
 * Court_Filings/, which a filings-only publication replaces (so a motion no
 * longer approved does not linger beside the new ones); and the report's
 * context (run and compute dates, the office, options in words). And the
 * job `relief filings`: the bundle decided again from its manifest, filed
 * by agency, every approved item accounted for.
 */
#include <dirent.h>
#include <jansson.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/paths.h"
#include "job/job.h"
#include "job/job_config.h"

filings_options job_filings_options(const relief_filer *filer) {
  return (filings_options){.filer = filer, .prepared_day = (int32_t)(time(NULL) / 86400)};
}

/* Adds the regular files under dirfd (relative path prefix) to the list;
 * never follows a symlink. Depth is bounded. */
static void list_files(int dirfd, const char *prefix, int depth, char ***out, size_t *n,
                       size_t *cap) {
  if (depth > 4) return;
  DIR *d = fdopendir(dirfd);
  if (!d) {
    close(dirfd);
    return;
  }
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue; /* ., .., hidden staging */
    struct stat st;
    if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", prefix, e->d_name);
    if (S_ISREG(st.st_mode)) {
      if (*n == *cap) *out = xrealloc(*out, (*cap = *cap ? 2 * *cap : 64) * sizeof **out);
      (*out)[(*n)++] = xstrdup(path);
    } else if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) list_files(sub, path, depth + 1, out, n, cap);
    }
  }
  closedir(d);
}

void job_previous_filings(const char *outputs_dir, const relief_filing_filter *filter,
                          char ***paths, size_t *n) {
  *paths = NULL;
  *n = 0;
  size_t cap = 0;
  int root = open(outputs_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0) return;
  int fd = openat(root, "Court_Filings", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close(root);
  if (fd < 0) return;
  if (!filter || !filter->groups || !filter->groups_only) {
    list_files(fd, "Court_Filings", 0, paths, n, &cap);
    return;
  }
  /* filing by agency: the folders of the agencies filing now, no other */
  for (int g = 0; g < filter->n_groups; g++) {
    char prefix[600];
    snprintf(prefix, sizeof prefix, "Court_Filings/%s", filter->groups[g].folder);
    int sub = openat(fd, filter->groups[g].folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) list_files(sub, prefix, 1, paths, n, &cap);
  }
  close(fd);
}

void job_free_paths(char **paths, size_t n) {
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

/* "11357, 11358" from section indices. */
static void section_list(char *out, size_t cap, const uint8_t *s, int n) {
  size_t o = 0;
  out[0] = 0;
  for (int i = 0; i < n && o < cap; i++)
    o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? (i == n - 1 ? " and " : ", ") : "",
                          prop64_sections[s[i]]);
}

void job_report_context(json_t *extra, int32_t compute_day, const relief_options *opt,
                        const relief_flow *flow, const relief_filer *filer) {
  char date[32], line[256];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%Y-%m-%d", &tm);
  json_object_set_new(extra, "runDate", json_string(date));
  int y, m, d;
  doj_civil_from_days(compute_day, &y, &m, &d);
  snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
  json_object_set_new(extra, "computeDate", json_string(date));
  if (filer && filer->office) json_object_set_new(extra, "office", json_string(filer->office));
  if (filer && filer->attorney)
    json_object_set_new(extra, "preparer", json_string(filer->attorney));
  json_t *words = json_array();
  if (flow && strcmp(flow->name, "configurable")) {
    snprintf(line, sizeof line, "Decided with the %s flow%s", flow->name,
             flow->age_threshold ? "" : ".");
    if (flow->age_threshold)
      snprintf(line + strlen(line), sizeof line - strlen(line), ": dismissal at age %d or older%s.",
               flow->age_threshold,
               flow->years_conviction_free ? " or after years free of convictions" : "");
    json_array_append_new(words, json_string(line));
    if (flow->years_conviction_free) {
      snprintf(line, sizeof line, "Conviction-free years that dismiss: %d.",
               flow->years_conviction_free);
      json_array_append_new(words, json_string(line));
    }
  } else if (opt) {
    json_array_append_new(words, json_string("Every misdemeanor or infraction is dismissed."));
    if (opt->n_dismiss) {
      section_list(date, sizeof date, opt->dismiss, opt->n_dismiss);
      snprintf(line, sizeof line, "Every felony under HS %s is dismissed.", date);
      json_array_append_new(words, json_string(line));
    }
    if (opt->n_reduce) {
      section_list(date, sizeof date, opt->reduce, opt->n_reduce);
      snprintf(line, sizeof line, "Every other felony under HS %s is reduced to a misdemeanor.",
               date);
      json_array_append_new(words, json_string(line));
    }
    if (opt->under21_at_conviction)
      json_array_append_new(words, json_string("Also dismissed: convictions of people who were "
                                               "21 or younger when convicted."));
    if (opt->age_threshold) {
      snprintf(line, sizeof line, "Also dismissed: convictions of people now %d or older.",
               opt->age_threshold);
      json_array_append_new(words, json_string(line));
    }
    if (opt->years_since_conviction) {
      snprintf(line, sizeof line, "Also dismissed: convictions %d or more years old.",
               opt->years_since_conviction);
      json_array_append_new(words, json_string(line));
    }
    if (opt->years_crime_free) {
      snprintf(line, sizeof line,
               "Also dismissed: convictions of people with no conviction in the past %d years.",
               opt->years_crime_free);
      json_array_append_new(words, json_string(line));
    }
    if (opt->only_prop64)
      json_array_append_new(words, json_string("Also dismissed: convictions of people whose only "
                                               "convictions are cannabis (HS 11357-11360)."));
    if (opt->deceased)
      json_array_append_new(words, json_string("Also dismissed: convictions of people who have "
                                               "died."));
  }
  json_object_set_new(extra, "optionsInWords", words);
}

/* ---- relief filings: the plan, from the manifest ---- */

static relief_status bad_manifest(relief_error *err, const char *dir, const char *what) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  return error_set(err, RELIEF_E_USAGE, path, 0, -1,
                   "the manifest does not record %s: make the bundle again with this "
                   "version of relief",
                   what);
}

/* Options as manifest.json records them (the options file's vocabulary). */
static relief_status options_of(const json_t *o, relief_options *out, relief_error *err) {
  char *text = json_is_object(o) ? json_dumps(o, JSON_COMPACT) : NULL;
  if (!text) return error_set(err, RELIEF_E_USAGE, "manifest.json", 0, -1, "no options");
  relief_status st = options_parse(text, strlen(text), "manifest.json", true, out, err);
  free(text);
  return st;
}

static int json_int(const json_t *o, const char *key) {
  return (int)json_integer_value(json_object_get(o, key));
}

/* A flow table as manifest.json records it, rule names included (a motion
 * asks for relief by the rule's kind). false when a part is missing. */
static bool flow_of(const json_t *o, relief_flow *f) {
  memset(f, 0, sizeof *f);
  const json_t *rows = json_object_get(o, "rows");
  const char *name = json_string_value(json_object_get(o, "name"));
  if (!name || !json_is_array(rows) || json_array_size(rows) > RELIEF_FLOW_MAX_ROWS ||
      !json_object_get(o, "yearsConvictionFree"))
    return false;
  snprintf(f->name, sizeof f->name, "%s", name);
  f->relevance_mask = (uint64_t)json_integer_value(json_object_get(o, "relevanceMask"));
  f->relevance_value = (uint64_t)json_integer_value(json_object_get(o, "relevanceValue"));
  f->age_threshold = json_int(o, "ageThreshold");
  f->years_since_conviction = json_int(o, "yearsSinceConviction");
  f->years_crime_free = json_int(o, "yearsCrimeFree");
  f->years_conviction_free = json_int(o, "yearsConvictionFree");
  f->before_year = json_int(o, "beforeYear");
  for (size_t i = 0; i < json_array_size(rows); i++) {
    const json_t *r = json_array_get(rows, i);
    relief_flow_row *row = &f->rows[f->n_rows++];
    const char *det = json_string_value(json_object_get(r, "determination"));
    const char *reason = json_string_value(json_object_get(r, "reason"));
    const char *id = json_string_value(json_object_get(r, "id"));
    if (!det || !reason || !id) return false;
    row->mask = (uint64_t)json_integer_value(json_object_get(r, "mask"));
    row->value = (uint64_t)json_integer_value(json_object_get(r, "value"));
    int d = -1;
    for (int k = 0; k < RELIEF_DET_COUNT; k++)
      if (determination_names[k] && !strcmp(det, determination_names[k])) d = k;
    if (d < 0) return false;
    row->determination = (relief_determination)d;
    snprintf(row->reason, sizeof row->reason, "%s", reason);
    snprintf(row->id, sizeof row->id, "%s", id);
  }
  return true;
}

/* What the bundle was decided with, read back from its manifest. */
typedef struct {
  const char **inputs;
  int n_inputs;
  const char *county; /* run; NULL: statewide */
  int32_t compute_day;
  relief_options options;
  relief_flow flow; /* run: flows[0] */
  bool configurable;
  relief_county_policy *policies; /* statewide */
  relief_options *policy_options;
  relief_flow *policy_flows;
  int n_policies;
} recorded_plan;

static void recorded_free(recorded_plan *p) {
  free(p->inputs);
  free(p->policies);
  free(p->policy_options);
  free(p->policy_flows);
}

static relief_status recorded_policies(const json_t *m, const char *dir, recorded_plan *p,
                                       relief_error *err) {
  const json_t *pols = json_object_get(m, "countyPolicies");
  if (!json_is_object(pols)) return bad_manifest(err, dir, "its county policies");
  size_t n = json_object_size(pols);
  p->policies = xcalloc(n + 1, sizeof *p->policies);
  p->policy_options = xcalloc(n + 1, sizeof *p->policy_options);
  p->policy_flows = xcalloc(n + 1, sizeof *p->policy_flows);
  const char *county;
  json_t *v;
  json_object_foreach((json_t *)pols, county, v) {
    relief_county_policy *pol = &p->policies[p->n_policies];
    pol->county = county;
    pol->options = &p->policy_options[p->n_policies];
    if (options_of(json_object_get(v, "options"), &p->policy_options[p->n_policies], err))
      return RELIEF_E_USAGE;
    const json_t *flow = json_object_get(v, "flow");
    if (flow) {
      if (!flow_of(flow, &p->policy_flows[p->n_policies]))
        return bad_manifest(err, dir, "a county policy's flow");
      pol->flow = &p->policy_flows[p->n_policies];
    }
    p->n_policies++;
  }
  return RELIEF_OK;
}

static relief_status recorded_read(const json_t *m, const char *dir, recorded_plan *p,
                                   relief_error *err) {
  memset(p, 0, sizeof *p);
  const json_t *inputs = json_object_get(m, "inputs");
  const char *county = json_string_value(json_object_get(m, "county"));
  const char *date = json_string_value(json_object_get(m, "computeDate"));
  if (!json_is_array(inputs) || !json_array_size(inputs) || !county)
    return bad_manifest(err, dir, "its inputs and county");
  if (!date || doj_parse_iso_date(date, &p->compute_day))
    return bad_manifest(err, dir, "its compute date");
  p->inputs = xcalloc(json_array_size(inputs) + 1, sizeof *p->inputs);
  for (size_t i = 0; i < json_array_size(inputs); i++) {
    const char *path = json_string_value(json_object_get(json_array_get(inputs, i), "path"));
    if (!path) return bad_manifest(err, dir, "its inputs' paths");
    p->inputs[p->n_inputs++] = path;
  }
  if (options_of(json_object_get(m, "options"), &p->options, err)) return RELIEF_E_USAGE;
  if (!strcmp(county, "(all counties)")) return recorded_policies(m, dir, p, err);
  p->county = county;
  const json_t *flow = json_array_get(json_object_get(m, "flows"), 0);
  const char *name = json_string_value(json_object_get(flow, "name"));
  p->configurable = name && !strcmp(name, "configurable");
  if (!p->configurable && !flow_of(flow, &p->flow))
    return bad_manifest(err, dir, "the flow it was decided with");
  return RELIEF_OK;
}

/* ---- relief filings: the approved items, filed by agency ---- */

typedef struct {
  char *key;    /* "person\x1fcourt case" */
  int group;    /* the agency filing the case */
  bool checked; /* an approved hand review with the facts checked */
  bool filed;   /* a motion was made */
  bool held;    /* the case's relief item is not approved: no motion */
} case_entry;

typedef struct {
  const filings_job *job;
  case_entry *cases; /* sorted by key */
  size_t n;
  relief_filing_group *groups;
  char (*folders)[256];
} agency_filter;

static char *case_key(const char *person, const char *court_case) {
  size_t a = strlen(person), b = strlen(court_case);
  char *k = xmalloc(a + b + 2);
  memcpy(k, person, a);
  k[a] = '\x1f';
  memcpy(k + a + 1, court_case, b + 1);
  return k;
}

static int cmp_case(const void *a, const void *b) {
  return strcmp(((const case_entry *)a)->key, ((const case_entry *)b)->key);
}

static case_entry *find_case(const agency_filter *f, const char *person, const char *court_case) {
  case_entry probe = {.key = case_key(person, court_case)};
  case_entry *e = f->n ? bsearch(&probe, f->cases, f->n, sizeof *f->cases, cmp_case) : NULL;
  free(probe.key);
  return e;
}

static bool af_accept(void *user, const char *person, const char *court_case) {
  const agency_filter *f = user;
  const case_entry *e = find_case(f, person, court_case);
  return e && !e->held && f->groups[e->group].filer;
}

static int af_group(void *user, const char *person, const char *court_case) {
  const agency_filter *f = user;
  const case_entry *e = find_case(f, person, court_case);
  return e && !e->held && f->groups[e->group].filer ? e->group : -1;
}

static bool af_checked(void *user, const char *person, const char *court_case) {
  const case_entry *e = find_case(user, person, court_case);
  return e && e->checked;
}

static void af_filed(void *user, const char *person, const char *court_case) {
  case_entry *e = find_case(user, person, court_case);
  if (e) e->filed = true;
}

/* Whether an item's reason is one a reviewer's approval settles (a date to
 * check, see filings_withhold_reason). */
static bool reason_checkable(const char *reason) {
  return reason && !strncmp(reason, "conviction after ", 17);
}

static int agency_index(const filings_job *job, const char *agency) {
  for (int a = 0; a < job->n_agencies; a++)
    if (!strcmp(job->agencies[a].agency, agency)) return a;
  return -1;
}

/* Cases in key order; equal keys by rank (a relief item first), then item. */
typedef struct {
  case_entry e;
  int rank;
  size_t item;
} case_draft;

static int cmp_draft(const void *a, const void *b) {
  const case_draft *x = a, *y = b;
  int c = strcmp(x->e.key, y->e.key);
  if (!c) c = x->rank != y->rank ? x->rank - y->rank : (x->item < y->item ? -1 : 1);
  return c;
}

/* One case per approved item's (person, court case); the case is filed by
 * the agency of its relief item (else of its first item). */
static void agency_filter_build(const filings_job *job, agency_filter *f) {
  memset(f, 0, sizeof *f);
  f->job = job;
  f->groups = xcalloc((size_t)job->n_agencies + 1, sizeof *f->groups);
  f->folders = xcalloc((size_t)job->n_agencies + 1, sizeof *f->folders);
  for (int a = 0; a < job->n_agencies; a++) {
    folder_name(f->folders[a], sizeof f->folders[a], job->agencies[a].agency);
    f->groups[a] = (relief_filing_group){f->folders[a], job->agencies[a].filer};
  }
  case_draft *d = xcalloc(job->n_items + 1, sizeof *d);
  size_t n = 0;
  for (size_t i = 0; i < job->n_items; i++) {
    const filings_item *it = &job->items[i];
    int a = agency_index(job, it->agency);
    if (a < 0) continue;
    bool relief = !strcmp(it->kind, "relief");
    d[n++] = (case_draft){{.key = case_key(it->person, it->court_case),
                           .group = a,
                           .checked = !relief && reason_checkable(it->reason)},
                          relief ? 0 : 1,
                          i};
  }
  if (n) qsort(d, n, sizeof *d, cmp_draft);
  f->cases = xcalloc(n + 1, sizeof *f->cases);
  for (size_t i = 0; i < n; i++) {
    if (f->n && !strcmp(f->cases[f->n - 1].key, d[i].e.key)) {
      f->cases[f->n - 1].checked |= d[i].e.checked;
      free(d[i].e.key);
    } else {
      f->cases[f->n++] = d[i].e;
    }
  }
  free(d);
  for (size_t i = 0; i < job->n_held_cases; i++) {
    case_entry *e = find_case(f, job->held_cases[i].person, job->held_cases[i].court_case);
    if (!e) continue;
    if (job->held_cases[i].unchecked) /* one withheld count unapproved: none goes */
      e->checked = false;
    else
      e->held = true;
  }
}

static void agency_filter_free(agency_filter *f) {
  for (size_t i = 0; i < f->n; i++) free(f->cases[i].key);
  free(f->cases);
  free(f->groups);
  free(f->folders);
}

/* Why an approved item is in no motion, in words; NULL when it is in one. */
static const char *not_filed_reason(const agency_filter *f, const filings_item *it) {
  int a = agency_index(f->job, it->agency);
  if (a >= 0 && !f->groups[a].filer)
    return "no filer profile for the agency: set one with relief review filer set";
  const case_entry *e = find_case(f, it->person, it->court_case);
  if (e && e->held)
    return "another count of the case is not approved (pending, held or denied): a motion "
           "carries every relieved count of the case, so it waits for that decision";
  bool relief = !strcmp(it->kind, "relief");
  if (e && e->filed && (relief || (reason_checkable(it->reason) && e->checked))) return NULL;
  if (e && reason_checkable(it->reason) && !e->checked)
    return "another count of the case dated after 11/08/2016 or the decision date is not "
           "approved: the motion leaves out such counts until every one is";
  if (!relief && it->reason &&
      (!strncmp(it->reason, "charge unknown", 14) ||
       !strncmp(it->reason, "conviction date unknown", 23)))
    return it->reason;
  if (!relief && !reason_checkable(it->reason))
    return "hand review: relief does not draft this motion; prepare it by hand";
  if (e && e->filed) return NULL;
  return "no count of the case can be filed: each is withheld for review or no longer relieved";
}

/* Court_Filings/<agency>/not_filed.csv for each agency filing now (header
 * only when every approved item is in a motion), in one publication. */
static relief_status write_not_filed(const agency_filter *f, filings_job_result *res,
                                     relief_error *err) {
  const filings_job *job = f->job;
  publication *pub;
  relief_status st = publication_begin(job->outputs_dir, &pub, err);
  if (st) return st;
  relief_buf csv = {0};
  for (int a = 0; a < job->n_agencies && !st; a++) {
    csv.len = 0;
    buf_append(&csv, "Item,Agency,Case Number,Reason\n", 31);
    bool any = false;
    for (size_t i = 0; i < job->n_items; i++) {
      const filings_item *it = &job->items[i];
      if (strcmp(it->agency, job->agencies[a].agency)) continue;
      any = true;
      const char *why = not_filed_reason(f, it);
      if (!why) {
        res->filed++;
        continue;
      }
      res->not_filed++;
      const char *cells[] = {it->item, it->agency, it->case_number, why};
      for (int c = 0; c < 4; c++) {
        csv_append_safe(&csv, cells[c], strlen(cells[c]));
        buf_putc(&csv, c == 3 ? '\n' : ',');
      }
    }
    if (!any) continue;
    char path[600];
    snprintf(path, sizeof path, "Court_Filings/%s/not_filed.csv", f->folders[a]);
    st = publication_write_file(pub, path, csv.data, csv.len, err);
  }
  buf_free(&csv);
  if (!st) return publication_commit(pub, NULL, 0, err);
  publication_abort(pub);
  return st;
}

/* The run or statewide job, Court_Filings/ only. */
static relief_status file_recorded(const filings_job *job, const recorded_plan *p,
                                   const relief_filing_filter *filter, filings_job_result *res,
                                   relief_error *err) {
  const relief_filer *filer = job->reviewed ? NULL : job->filer;
  if (p->county) {
    relief_run_config cfg = {.inputs = p->inputs,
                             .n_inputs = p->n_inputs,
                             .county = p->county,
                             .compute_day = p->compute_day,
                             .options = &p->options,
                             .outputs_dir = job->outputs_dir,
                             .flow = p->configurable ? NULL : &p->flow,
                             .forms = true,
                             .threads = job->threads,
                             .progress = job->progress,
                             .progress_user = job->progress_user,
                             .filer = filer,
                             .filter = filter,
                             .filings_only = true};
    relief_run_result r;
    relief_status st = job_run(&cfg, &r, err);
    res->motions = r.motions;
    res->command = "run";
    return st;
  }
  relief_statewide_config cfg = {.inputs = p->inputs,
                                 .n_inputs = p->n_inputs,
                                 .compute_day = p->compute_day,
                                 .options = &p->options,
                                 .policies = p->policies,
                                 .n_policies = p->n_policies,
                                 .outputs_dir = job->outputs_dir,
                                 .review_files = true,
                                 .forms = true,
                                 .threads = job->threads,
                                 .progress = job->progress,
                                 .progress_user = job->progress_user,
                                 .filer = filer,
                                 .filter = filter,
                                 .filings_only = true};
  relief_statewide_result r;
  relief_status st = job_statewide(&cfg, &r, err);
  res->motions = r.motions;
  res->command = "statewide";
  return st;
}

relief_status job_filings(const filings_job *job, filings_job_result *res, relief_error *err) {
  memset(res, 0, sizeof *res);
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", job->outputs_dir);
  json_t *m = NULL;
  relief_status st = manifest_load(job->outputs_dir, "manifest.json", &m, err);
  if (st) return st;
  if (!m)
    return error_set(err, RELIEF_E_USAGE, path, 0, -1,
                     "no bundle here: manifest.json is needed (make the bundle with "
                     "`relief run` or `relief statewide`)");
  recorded_plan plan = {0};
  if (json_is_true(json_object_get(m, "redacted"))) {
    st = error_set(err, RELIEF_E_USAGE, path, 0, -1,
                   "the bundle was made with --redact: motions would name the people it "
                   "keeps anonymous (file from a bundle made without --redact)");
    goto done;
  }
  /* a motion names a person: the inputs decided again must be the bytes
   * the bundle was decided from, or the filings could name someone else */
  if ((st = manifest_check_inputs(m, err)) || (st = recorded_read(m, job->outputs_dir, &plan, err)))
    goto done;
  agency_filter af = {0};
  relief_filing_filter filter = {0};
  if (job->reviewed) {
    agency_filter_build(job, &af);
    filter = (relief_filing_filter){.accept = af_accept,
                                    .user = &af,
                                    .group = af_group,
                                    .groups = af.groups,
                                    .n_groups = job->n_agencies,
                                    .groups_only = job->one_agency,
                                    .checked = af_checked,
                                    .filed = af_filed};
  }
  st = file_recorded(job, &plan, job->reviewed ? &filter : NULL, res, err);
  if (!st && job->reviewed) st = write_not_filed(&af, res, err);
  if (job->reviewed) agency_filter_free(&af);
done:
  recorded_free(&plan);
  json_decref(m);
  return st;
}
