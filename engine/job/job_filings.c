/*
 * job_filings.c — what `relief filings` adds to a run: the filing options
 * (filer, the day the motions are prepared) and the files of the folder's
 * earlier Court_Filings/, which a filings-only publication replaces (so a
 * motion no longer approved does not linger beside the new ones).
 */
#include <dirent.h>
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
