/*
 * job_filings.c — what `relief filings` adds to a run: the filing options
 * (filer, the day the motions are prepared) and the files of the folder's
 * earlier Court_Filings/, which a filings-only publication replaces (so a
 * motion no longer approved does not linger beside the new ones); and the
 * report's context (run and compute dates, the office, options in words).
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
#include "job/job.h"

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

void job_previous_filings(const char *outputs_dir, char ***paths, size_t *n) {
  *paths = NULL;
  *n = 0;
  size_t cap = 0;
  int root = open(outputs_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0) return;
  int fd = openat(root, "Court_Filings", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  close(root);
  if (fd >= 0) list_files(fd, "Court_Filings", 0, paths, n, &cap);
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
                          relief_prop64_sections[s[i]]);
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
  relief_civil_from_days(compute_day, &y, &m, &d);
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
