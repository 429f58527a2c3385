/*
 * cmd_statewide.c — `relief statewide`: all inputs (files, or the .dat/.csv/.zst
 * files of a folder) as one population, each person once across county
 * files, every county with Prop 64 convictions decided under its own policy.
 */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "cli/cli.h"
#include "cli/counties.h"
#include "io/publish.h"
#include "io/read_small.h"

typedef struct {
  char **items;
  int n, cap;
} str_list;

static void list_add(str_list *l, const char *s) {
  if (l->n == l->cap)
    l->items = xrealloc(l->items, (size_t)(l->cap = l->cap ? l->cap * 2 : 16) * sizeof *l->items);
  l->items[l->n++] = xstrdup(s);
}

static void list_free(str_list *l) {
  for (int i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule for a folder given to --inputs: a regular file (not a link,
 * not hidden) whose name ends in .dat, .csv or .zst, in any case (so also
 * .dat.zst, .CSV.ZST). Returns NULL when it is taken, else why not. */
static const char *not_taken_reason(int dir_fd, const char *name) {
  if (name[0] == '.') return "hidden file";
  struct stat sb;
  if (fstatat(dir_fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) return "cannot be examined";
  if (S_ISLNK(sb.st_mode)) return "symbolic link";
  if (S_ISDIR(sb.st_mode)) return "a folder: folders are not searched";
  if (!S_ISREG(sb.st_mode)) return "not a regular file";
  size_t n = strlen(name);
  if (n > 4 && (!strcasecmp(name + n - 4, ".dat") || !strcasecmp(name + n - 4, ".csv") ||
                !strcasecmp(name + n - 4, ".zst")))
    return NULL;
  return "name does not end in .dat, .csv or .zst";
}

/* Expands --inputs: a folder gives the files the rule above takes, sorted;
 * what it does not take goes to not_taken as "PATH\tREASON". */
static relief_status expand_inputs(const char *spec, str_list *out, str_list *not_taken,
                                   relief_error *err) {
  char *copy = xstrdup(spec);
  relief_status st = RELIEF_OK;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && !st;
       tok = strtok_r(NULL, ",", &save)) {
    struct stat sb;
    if (stat(tok, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      DIR *d = opendir(tok);
      if (!d) {
        st = error_set(err, RELIEF_E_IO, tok, 0, -1, "cannot read folder: %s", strerror(errno));
        break;
      }
      str_list names = {0}, skipped = {0};
      for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        const char *reason = not_taken_reason(dirfd(d), e->d_name);
        if (!reason) {
          list_add(&names, e->d_name);
        } else {
          char entry[4400];
          snprintf(entry, sizeof entry, "%s\t%s", e->d_name, reason);
          list_add(&skipped, entry);
        }
      }
      closedir(d);
      if (names.n) qsort(names.items, (size_t)names.n, sizeof *names.items, cmp_str);
      if (skipped.n) qsort(skipped.items, (size_t)skipped.n, sizeof *skipped.items, cmp_str);
      char path[4096];
      for (int i = 0; i < names.n; i++) {
        snprintf(path, sizeof path, "%s/%s", tok, names.items[i]);
        list_add(out, path);
      }
      for (int i = 0; i < skipped.n; i++) {
        snprintf(path, sizeof path, "%s/%s", tok, skipped.items[i]);
        list_add(not_taken, path);
      }
      list_free(&names);
      list_free(&skipped);
    } else {
      list_add(out, tok); /* a missing or special file is reported when it is opened */
    }
  }
  free(copy);
  if (!st && out->n == 0) st = error_set(err, RELIEF_E_USAGE, spec, 0, -1, "no input files");
  return st;
}

/* The county policies as loaded: what the warnings read and what is freed. */
typedef struct {
  const char *county; /* canonical, static */
  relief_options *options;
  relief_flow *flow;
} policy;

typedef struct {
  policy *items;
  int n;
} policy_list;

static void policies_free(policy_list *l) {
  for (int i = 0; i < l->n; i++) {
    relief_options_free(l->items[i].options);
    relief_flow_free(l->items[i].flow);
  }
  free(l->items);
}

/* One policy file: "los-angeles", a flow file (it has "rows") or an
 * eligibility-options file; what cannot be read is reported by its loader. */
static relief_status load_policy(const char *file, const char *full, policy *pol,
                                 relief_error *err) {
  if (!strcmp(file, "los-angeles")) return relief_flow_read("los-angeles", &pol->flow, err);
  char *policy_text;
  size_t policy_len;
  relief_error ignored;
  json_error_t jerr;
  json_t *doc = NULL;
  if (!read_small_file(full, 1 << 20, "county policy", RELIEF_E_USAGE, &policy_text, &policy_len,
                       &ignored)) {
    doc = json_loadb(policy_text, policy_len, 0, &jerr);
    free(policy_text);
  }
  bool is_flow = doc && json_is_object(doc) && json_object_get(doc, "rows");
  json_decref(doc);
  if (is_flow) return relief_flow_read(full, &pol->flow, err);
  return relief_options_read(full, true, &pol->options, err);
}

/* Checks one key of the policies file: a county regardless of case and
 * spaces, or the run stops (a policy that matches no county would silently
 * decide nothing), and not one that has a policy already. */
static relief_status policy_county(const char *path, const char *key, const policy_list *l,
                                   const char **canonical, relief_error *err) {
  *canonical = cli_county_canonical(key);
  if (!*canonical) {
    int distance;
    return error_set(err, RELIEF_E_USAGE, path, 0, -1,
                     "county policies: \"%.64s\" is not one of California's 58 counties; "
                     "did you mean '%s'?",
                     key, cli_nearest_county(key, &distance));
  }
  for (int k = 0; k < l->n; k++)
    if (!strcmp(l->items[k].county, *canonical))
      return error_set(err, RELIEF_E_USAGE, path, 0, -1,
                       "county policies: \"%.64s\" names %s, which has a policy already", key,
                       *canonical);
  return RELIEF_OK;
}

/* --county-policies: {"COUNTY": "options.json" | "flow.json" | "los-angeles"},
 * paths relative to the policies file's folder; a file with "rows" is a flow
 * file, any other an eligibility-options file. */
static relief_status load_policies(const char *path, policy_list *out, relief_error *err) {
  json_error_t jerr;
  char *text;
  size_t len;
  if (read_small_file(path, 1 << 20, "county policies", RELIEF_E_USAGE, &text, &len, err))
    return RELIEF_E_USAGE;
  json_t *root = json_loadb(text, len, 0, &jerr);
  free(text);
  if (!root)
    return error_set(err, RELIEF_E_USAGE, path, jerr.line, -1, "county policies: %s", jerr.text);
  if (!json_is_object(root)) {
    json_decref(root);
    return error_set(err, RELIEF_E_USAGE, path, 0, -1,
                     "county policies must map county names to option files");
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    slash[1] = 0;
  else
    dir[0] = 0;
  out->items = xcalloc(json_object_size(root) + 1, sizeof *out->items);
  const char *county;
  json_t *v;
  relief_status st = RELIEF_OK;
  json_object_foreach(root, county, v) {
    if (!json_is_string(v)) {
      st = error_set(err, RELIEF_E_USAGE, path, 0, -1,
                     "county policies: the value for \"%.60s\" must be an options file path",
                     county);
      break;
    }
    policy *pol = &out->items[out->n];
    if ((st = policy_county(path, county, out, &pol->county, err))) break;
    const char *file = json_string_value(v);
    char full[8192];
    snprintf(full, sizeof full, "%s%s", file[0] == '/' ? "" : dir, file);
    st = load_policy(file, full, pol, err);
    out->n++; /* kept to be freed, whatever the result */
    if (st) break;
  }
  json_decref(root);
  return st;
}

/* Options that leave a Prop 64 section without a determination. */
static void warn_options(const cli_env *env, const relief_options *options,
                         const policy_list *policies) {
  char warnings[4][192], prefix[128];
  int n = options_warnings(options, "options: ", warnings);
  for (int k = 0; k < n; k++) fprintf(stderr, "%s: warning: %s\n", env->program, warnings[k]);
  for (int p = 0; p < policies->n; p++) {
    if (policies->items[p].flow) continue;
    snprintf(prefix, sizeof prefix, "options for %.64s: ", policies->items[p].county);
    n = options_warnings(policies->items[p].options, prefix, warnings);
    for (int k = 0; k < n; k++) fprintf(stderr, "%s: warning: %s\n", env->program, warnings[k]);
  }
}

/* The options of `statewide`, as given. */
typedef struct {
  const char *inputs, *compute_at, *options_path, *outputs, *policies_path, *threads, *filer_path,
      *memory_limit;
  bool summary_only, trace, forms;
} statewide_args;

/* What a statewide run holds until it ends. */
typedef struct {
  relief_settings *settings;
  relief_options *options;
  policy_list policies;
  relief_filer filer;
  bool have_filer;
  str_list files, skipped;
} statewide_held;

static int parse_args(int argc, char **argv, const cli_env *env, statewide_args *a) {
  *a = (statewide_args){0};
  const cli_option opts[] = {
      {"inputs", 0, &a->inputs, NULL,
       "a folder of extracts, or files, comma-separated (plain or zstd); of a folder, the "
       "regular files named *.dat, *.csv, *.zst (any case) are taken, and everything else "
       "(other names, hidden files, links, sub-folders, FIFOs) is named on stderr and in "
       "statewide_summary.json as not taken"},
      {"compute-at", 0, &a->compute_at, NULL,
       "date eligibility is decided at, YYYY-MM-DD (default today, UTC)"},
      {"eligibility-options", 0, &a->options_path, NULL,
       "options JSON for counties without their own policy"},
      {"county-policies", 0, &a->policies_path, NULL,
       "JSON mapping county names (any case; an unknown one is an error) to option or flow "
       "files"},
      {"outputs", 0, &a->outputs, NULL,
       "folder for one sub-folder per county and statewide_summary.json"},
      {"summary-only", 0, NULL, &a->summary_only, "write summaries only, no row files"},
      {"trace", 0, NULL, &a->trace, "add a Rule column naming the rule that decided each row"},
      {"forms", 0, NULL, &a->forms, "write court motions under Court_Filings/<COUNTY>/"},
      {"filer", 0, &a->filer_path, NULL, "with --forms: filer profile JSON"},
      {"threads", 0, &a->threads, NULL, "worker threads (default: all cores)"},
      {"memory-limit", 0, &a->memory_limit, NULL,
       "memory to stay under, e.g. 600M or 4G (default: 60% of RAM); rows spill to "
       "compressed files in the output folder's staging area"},
  };
  return cli_parse(argc, argv, opts, (int)(sizeof opts / sizeof *opts),
                   "statewide --inputs=DIR|F[,F...] --eligibility-options=FILE --outputs=DIR "
                   "[--compute-at=YYYY-MM-DD] [--county-policies=FILE] [--summary-only] "
                   "[--threads=N] [--memory-limit=SIZE]",
                   env);
}

/* The date, threads, memory limit, what is written and who files. */
static relief_status settle_run(const statewide_args *a, const cli_env *env, statewide_held *h,
                                relief_error *err) {
  relief_settings *s = h->settings;
  int32_t day;
  int threads;
  uint64_t memory_limit = 0;
  if (cli_parse_common(env, a->compute_at, a->threads, &day, &threads, err) ||
      cli_parse_size(a->memory_limit, "memory-limit", &memory_limit, err))
    return err->status;
  if (cli_load_filer(a->filer_path, &h->filer, &h->have_filer, err)) return err->status;
  if (h->have_filer) relief_settings_set_filer(s, &h->filer);
  bool forms = a->forms, report = true;
  const struct {
    relief_setting key;
    int64_t value;
  } ints[] = {
      {RELIEF_S_COMPUTE_DAY, day},
      {RELIEF_S_THREADS, threads},
      {RELIEF_S_MEMORY_LIMIT, (int64_t)memory_limit},
      {RELIEF_S_SUMMARY_ONLY, a->summary_only},
      {RELIEF_S_TRACE, a->trace},
      {RELIEF_S_REVIEW_FILES, true},
      {RELIEF_S_FORMS, forms},
      {RELIEF_S_REPORT, report},
  };
  relief_status st = RELIEF_OK;
  for (size_t i = 0; i < sizeof ints / sizeof *ints && !st; i++)
    st = relief_settings_set_int(s, ints[i].key, ints[i].value, err);
  if (!st && *a->outputs) /* an empty one fails as a folder that cannot be made */
    st = relief_settings_set_text(s, RELIEF_S_OUTPUTS, a->outputs, err);
  return st;
}

/* The default options and the county policies. */
static relief_status settle_policies(const statewide_args *a, const cli_env *env, statewide_held *h,
                                     relief_error *err) {
  if (cli_load_options(a->options_path, true, &h->options, err)) return err->status;
  relief_settings_set_options(h->settings, h->options);
  if (a->policies_path) {
    relief_status st = load_policies(a->policies_path, &h->policies, err);
    if (st) return st;
  }
  for (int p = 0; p < h->policies.n; p++) {
    const policy *pol = &h->policies.items[p];
    relief_status st =
        relief_settings_add_policy(h->settings, pol->county, pol->options, pol->flow, err);
    if (st) return st;
  }
  warn_options(env, h->options, &h->policies);
  return RELIEF_OK;
}

/* The input files; every file a folder held is accounted for: taken, or
 * named here and in the summary. */
static relief_status settle_inputs(const statewide_args *a, statewide_held *h, relief_error *err) {
  bool expanded = expand_inputs(a->inputs, &h->files, &h->skipped, err) == RELIEF_OK;
  for (int i = 0; i < h->skipped.n; i++) {
    char *tab = strrchr(h->skipped.items[i], '\t');
    *tab = 0;
    relief_settings_add_not_taken(h->settings, h->skipped.items[i], tab + 1);
    fprintf(stderr, "statewide: not taken: %s (%s)\n", h->skipped.items[i], tab + 1);
  }
  if (!expanded) return err->status;
  relief_settings_set_inputs(h->settings, (const char *const *)h->files.items, h->files.n);
  return RELIEF_OK;
}

static void release(statewide_held *h) {
  relief_settings_free(h->settings);
  relief_options_free(h->options);
  policies_free(&h->policies);
  if (h->have_filer) relief_filer_free(&h->filer);
  list_free(&h->files);
  list_free(&h->skipped);
}

/* Runs the job with runner and reports how it went (when this process
 * reports). */
static int run_and_report(int argc, char **argv, const statewide_args *a, const cli_env *env,
                          const cli_statewide_runner *runner, statewide_held *h) {
  relief_settings *s = h->settings;
  const char **command_line = xmalloc((size_t)(argc + 1) * sizeof *command_line);
  command_line[0] = env->program;
  memcpy(command_line + 1, argv, (size_t)argc * sizeof *argv);
  relief_settings_set_command_line(s, command_line, argc + 1);
  free(command_line);
  cli_progress progress;
  cli_progress_init(&progress, !a->summary_only);
  relief_settings_set_progress(s, cli_progress_update, &progress);
  relief_statewide_result res;
  relief_error err = {0};
  relief_status st = runner->run(s, &res, &err);
  cli_progress_finish(&progress);
  if (!runner->reports) return st ? (int)st : 0;
  if (st) return cli_fail(env, a->outputs, NULL, err.file[0] ? err.file : NULL, &err);
  publish_remove_own_file(a->outputs, "errors.json");
  fprintf(stderr,
          "%s: %d files, %lld rows (%lld copies dropped), %lld people, %lld counties, %.2f s -> "
          "%s\n",
          env->program, h->files.n, (long long)res.rows, (long long)res.duplicate_rows,
          (long long)res.people, (long long)res.counties, res.seconds, a->outputs);
  int64_t forms = 0;
  relief_settings_get_int(s, RELIEF_S_FORMS, &forms, &err);
  if (forms) fprintf(stderr, "%s: %lld motions\n", env->program, (long long)res.motions);
  if (res.spilled_partitions)
    fprintf(stderr,
            "%s: spilled %lld partitions (%.1f MB compressed) to stay under the memory limit\n",
            env->program, (long long)res.spilled_partitions, (double)res.spill_bytes / 1e6);
  /* the estimate that decided it, when a limit was asked for or rows spilled */
  if (res.memory_estimate && (a->memory_limit || res.spilled_partitions))
    fprintf(stderr, "%s: memory estimate %.0f MB, limit %.0f MB\n", env->program,
            (double)res.memory_estimate / 1e6, (double)res.memory_limit / 1e6);
  return 0;
}

int cli_statewide_main(int argc, char **argv, const cli_env *env,
                       const cli_statewide_runner *runner) {
  statewide_args a;
  int parsed = parse_args(argc, argv, env, &a);
  if (parsed) return parsed > 0 ? 0 : 1;
  cli_prepare_error_file(env, a.outputs, NULL); /* before anything else allocates */
  relief_error err = {0};
  if (!a.inputs || !a.outputs || !a.options_path) {
    error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
              "missing required option: --%s (see `%s statewide --help`)",
              !a.inputs    ? "inputs"
              : !a.outputs ? "outputs"
                           : "eligibility-options",
              env->program);
    return cli_fail(env, a.outputs, NULL, NULL, &err);
  }
  statewide_held h = {.settings = relief_settings_new()};
  int code;
  if (settle_run(&a, env, &h, &err) || settle_policies(&a, env, &h, &err)) {
    code = cli_fail(env, a.outputs, NULL, NULL, &err);
  } else if (mkdir(a.outputs, 0700) != 0 && errno != EEXIST) {
    error_set(&err, RELIEF_E_IO, a.outputs, 0, -1, "cannot create the output folder: %s",
              strerror(errno));
    code = cli_fail(env, NULL, NULL, NULL, &err);
  } else if (settle_inputs(&a, &h, &err)) {
    code = cli_fail(env, a.outputs, NULL, NULL, &err);
  } else {
    code = run_and_report(argc, argv, &a, env, runner, &h);
  }
  release(&h);
  return code;
}

int cmd_statewide(int argc, char **argv, const cli_env *env) {
  static const cli_statewide_runner in_process = {relief_statewide, true};
  return cli_statewide_main(argc, argv, env, &in_process);
}
