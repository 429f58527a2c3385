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
        st = relief_error_set(err, RELIEF_E_IO, tok, 0, -1, "cannot read folder: %s",
                              strerror(errno));
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
  if (!st && out->n == 0) st = relief_error_set(err, RELIEF_E_USAGE, spec, 0, -1, "no input files");
  return st;
}

/* --county-policies: {"COUNTY": "options.json" | "flow.json" | "los-angeles"},
 * paths relative to the policies file's folder; a file with "rows" is a flow
 * file, any other an eligibility-options file. */
static relief_status load_policies(const char *path, relief_county_policy **out, int *n,
                                   relief_flow **flows, relief_options **options, str_list *names,
                                   relief_error *err) {
  json_error_t jerr;
  char *text;
  size_t len;
  if (relief_read_small_file(path, 1 << 20, "county policies", RELIEF_E_USAGE, &text, &len, err))
    return RELIEF_E_USAGE;
  json_t *root = json_loadb(text, len, 0, &jerr);
  free(text);
  if (!root)
    return relief_error_set(err, RELIEF_E_USAGE, path, jerr.line, -1, "county policies: %s",
                            jerr.text);
  if (!json_is_object(root)) {
    json_decref(root);
    return relief_error_set(err, RELIEF_E_USAGE, path, 0, -1,
                            "county policies must map county names to option files");
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    slash[1] = 0;
  else
    dir[0] = 0;
  *out = xcalloc(json_object_size(root) + 1, sizeof **out);
  *flows = xcalloc(json_object_size(root) + 1, sizeof **flows);
  *options = xcalloc(json_object_size(root) + 1, sizeof **options);
  *n = 0;
  const char *county;
  json_t *v;
  relief_status st = RELIEF_OK;
  json_object_foreach(root, county, v) {
    if (!json_is_string(v)) {
      st = relief_error_set(err, RELIEF_E_USAGE, path, 0, -1,
                            "county policies: the value for \"%.60s\" must be an options file path",
                            county);
      break;
    }
    /* a key names a county regardless of case and spaces, or the run stops:
     * a policy that matches no county would silently decide nothing */
    const char *canonical = cli_county_canonical(county);
    if (!canonical) {
      int distance;
      st = relief_error_set(err, RELIEF_E_USAGE, path, 0, -1,
                            "county policies: \"%.64s\" is not one of California's 58 counties; "
                            "did you mean '%s'?",
                            county, cli_nearest_county(county, &distance));
      break;
    }
    for (int k = 0; k < *n; k++)
      if (!strcmp((*out)[k].county, canonical))
        st = relief_error_set(err, RELIEF_E_USAGE, path, 0, -1,
                              "county policies: \"%.64s\" names %s, which has a policy already",
                              county, canonical);
    if (st) break;
    const char *file = json_string_value(v);
    char full[8192];
    snprintf(full, sizeof full, "%s%s", file[0] == '/' ? "" : dir, file);
    list_add(names, canonical);
    relief_county_policy *pol = &(*out)[*n];
    pol->county = names->items[names->n - 1];
    pol->options = &(*options)[*n]; /* zero for a flow: the flow decides */
    relief_flow_overrides keep = {-1, -1, -1, -1};
    if (!strcmp(file, "los-angeles")) {
      st = relief_flow_los_angeles(&keep, &(*flows)[*n], err);
      pol->flow = &(*flows)[*n];
    } else {
      /* a flow file has "rows"; what cannot be read is reported by the loader */
      char *policy_text;
      size_t policy_len;
      relief_error ignored;
      json_t *doc = NULL;
      if (!relief_read_small_file(full, 1 << 20, "county policy", RELIEF_E_USAGE, &policy_text,
                                  &policy_len, &ignored)) {
        doc = json_loadb(policy_text, policy_len, 0, &jerr);
        free(policy_text);
      }
      bool is_flow = doc && json_is_object(doc) && json_object_get(doc, "rows");
      json_decref(doc);
      if (is_flow) {
        st = relief_flow_load(full, &keep, &(*flows)[*n], err);
        pol->flow = &(*flows)[*n];
      } else {
        st = relief_options_load(full, true, &(*options)[*n], err);
      }
    }
    if (st) break;
    (*n)++;
  }
  json_decref(root);
  return st;
}

/* What runs the job: relief_statewide, or relief-mpi's runner. */
cli_statewide_fn cli_statewide_runner = relief_statewide;

int cmd_statewide(int argc, char **argv, const cli_env *env) {
  const char *inputs = NULL, *compute_at = NULL, *options_path = NULL, *outputs = NULL,
             *policies_path = NULL, *threads = NULL, *filer_path = NULL, *memory_limit = NULL;
  bool summary_only = false, trace = false, forms = false;
  const cli_option opts[] = {
      {"inputs", 0, &inputs, NULL,
       "a folder of extracts, or files, comma-separated (plain or zstd); of a folder, the "
       "regular files named *.dat, *.csv, *.zst (any case) are taken, and everything else "
       "(other names, hidden files, links, sub-folders, FIFOs) is named on stderr and in "
       "statewide_summary.json as not taken"},
      {"compute-at", 0, &compute_at, NULL,
       "date eligibility is decided at, YYYY-MM-DD (default today, UTC)"},
      {"eligibility-options", 0, &options_path, NULL,
       "options JSON for counties without their own policy"},
      {"county-policies", 0, &policies_path, NULL,
       "JSON mapping county names (any case; an unknown one is an error) to option or flow "
       "files"},
      {"outputs", 0, &outputs, NULL,
       "folder for one sub-folder per county and statewide_summary.json"},
      {"summary-only", 0, NULL, &summary_only, "write summaries only, no row files"},
      {"trace", 0, NULL, &trace, "add a Rule column naming the rule that decided each row"},
      {"forms", 0, NULL, &forms, "write court motions under Court_Filings/<COUNTY>/"},
      {"filer", 0, &filer_path, NULL, "with --forms: filer profile JSON"},
      {"threads", 0, &threads, NULL, "worker threads (default: all cores)"},
      {"memory-limit", 0, &memory_limit, NULL,
       "memory to stay under, e.g. 600M or 4G (default: 60% of RAM); rows spill to "
       "compressed files in the output folder's staging area"},
  };
  int parsed =
      cli_parse(argc, argv, opts, (int)(sizeof opts / sizeof *opts),
                "statewide --inputs=DIR|F[,F...] --eligibility-options=FILE --outputs=DIR "
                "[--compute-at=YYYY-MM-DD] [--county-policies=FILE] [--summary-only] [--threads=N] "
                "[--memory-limit=SIZE]",
                env);
  if (parsed) return parsed > 0 ? 0 : 1;
  cli_prepare_error_file(env, outputs, NULL); /* before anything else allocates */
  relief_error err = {0};
  if (!inputs || !outputs || !options_path) {
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
                     "missing required option: --%s (see `%s statewide --help`)",
                     !inputs    ? "inputs"
                     : !outputs ? "outputs"
                                : "eligibility-options",
                     env->program);
    return cli_fail(env, outputs, NULL, NULL, &err);
  }
  relief_statewide_config cfg = {.outputs_dir = outputs,
                                 .summary_only = summary_only,
                                 .trace = trace,
                                 .review_files = true,
                                 .forms = forms,
                                 .report = true};
  if (cli_parse_common(env, compute_at, threads, &cfg.compute_day, &cfg.threads, &err) ||
      cli_parse_size(memory_limit, "memory-limit", &cfg.memory_limit, &err))
    return cli_fail(env, outputs, NULL, NULL, &err);
  relief_filer filer;
  bool have_filer = false;
  if (cli_load_filer(filer_path, &filer, &have_filer, &err))
    return cli_fail(env, outputs, NULL, NULL, &err);
  if (have_filer) cfg.filer = &filer;
  relief_options options;
  if (relief_options_load(options_path, true, &options, &err)) {
    if (have_filer) relief_filer_free(&filer);
    return cli_fail(env, outputs, NULL, NULL, &err);
  }
  cfg.options = &options;
  str_list names = {0}, files = {0}, skipped = {0};
  relief_not_taken *not_taken = NULL;
  relief_county_policy *policies = NULL;
  relief_flow *flows = NULL;
  relief_options *policy_options = NULL;
  int code = 0;
  if (policies_path && load_policies(policies_path, &policies, &cfg.n_policies, &flows,
                                     &policy_options, &names, &err)) {
    code = cli_fail(env, outputs, NULL, NULL, &err);
    goto done;
  }
  cfg.policies = policies;
  { /* options that leave a Prop 64 section without a determination */
    char warnings[4][192], prefix[128];
    int n = relief_options_warnings(&options, "options: ", warnings);
    for (int k = 0; k < n; k++) fprintf(stderr, "%s: warning: %s\n", env->program, warnings[k]);
    for (int p = 0; p < cfg.n_policies; p++) {
      if (policies[p].flow) continue;
      snprintf(prefix, sizeof prefix, "options for %.64s: ", policies[p].county);
      n = relief_options_warnings(policies[p].options, prefix, warnings);
      for (int k = 0; k < n; k++) fprintf(stderr, "%s: warning: %s\n", env->program, warnings[k]);
    }
  }
  if (mkdir(outputs, 0700) != 0 && errno != EEXIST) {
    relief_error_set(&err, RELIEF_E_IO, outputs, 0, -1, "cannot create the output folder: %s",
                     strerror(errno));
    code = cli_fail(env, NULL, NULL, NULL, &err);
    goto done;
  }
  bool expanded = expand_inputs(inputs, &files, &skipped, &err) == RELIEF_OK;
  /* every file a folder held is accounted for: taken, or named here */
  not_taken = xcalloc((size_t)skipped.n + 1, sizeof *not_taken);
  for (int i = 0; i < skipped.n; i++) {
    char *tab = strrchr(skipped.items[i], '\t');
    *tab = 0;
    not_taken[i] = (relief_not_taken){skipped.items[i], tab + 1};
    fprintf(stderr, "statewide: not taken: %s (%s)\n", not_taken[i].path, not_taken[i].reason);
  }
  cfg.not_taken = not_taken;
  cfg.n_not_taken = skipped.n;
  if (!expanded) {
    code = cli_fail(env, outputs, NULL, NULL, &err);
    goto done;
  }
  const char **command_line = xmalloc((size_t)(argc + 1) * sizeof *command_line);
  command_line[0] = env->program;
  memcpy(command_line + 1, argv, (size_t)argc * sizeof *argv);
  cfg.command_line = command_line;
  cfg.n_command_line = argc + 1;
  cfg.inputs = (const char *const *)files.items;
  cfg.n_inputs = files.n;
  cli_progress progress;
  cli_progress_init(&progress);
  cfg.progress = cli_progress_update;
  cfg.progress_user = &progress;
  relief_statewide_result res;
  relief_status st = cli_statewide_runner(&cfg, &res, &err);
  free(command_line);
  cli_progress_finish(&progress);
  if (st) {
    code = cli_fail(env, outputs, NULL, err.file[0] ? err.file : NULL, &err);
  } else {
    publish_remove_own_file(outputs, "errors.json");
    fprintf(
        stderr,
        "%s: %d files, %lld rows (%lld copies dropped), %lld people, %lld counties, %.2f s -> %s\n",
        env->program, files.n, (long long)res.rows, (long long)res.duplicate_rows,
        (long long)res.people, (long long)res.counties, res.seconds, outputs);
    if (cfg.forms) fprintf(stderr, "%s: %lld motions\n", env->program, (long long)res.motions);
    if (res.spilled_partitions)
      fprintf(stderr,
              "%s: spilled %lld partitions (%.1f MB compressed) to stay under the memory limit\n",
              env->program, (long long)res.spilled_partitions, (double)res.spill_bytes / 1e6);
  }
done:
  if (have_filer) relief_filer_free(&filer);
  free(policies);
  free(flows);
  free(policy_options);
  list_free(&names);
  list_free(&files);
  list_free(&skipped);
  free(not_taken);
  return code;
}
