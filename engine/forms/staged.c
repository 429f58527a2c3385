/*
 * staged.c — many outputs, none half-written: each is written under a hidden
 * temporary name (mode 0600) in its folder; when all are complete the file
 * system is flushed once (not one fsync per file: a run writes tens of
 * thousands of motions) and every file is renamed into place in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forms_internal.h"

static char *dup_or_abort(const char *s) {
  char *d = strdup(s);
  if (!d) abort(); /* out of memory: nothing sane to do */
  return d;
}

relief_status forms_staged_create(forms_staged *f, const char *final_path, relief_error *err) {
  f->final_path = dup_or_abort(final_path);
  const char *slash = strrchr(final_path, '/');
  int dir_len = slash ? (int)(slash - final_path + 1) : 0;
  size_t cap = strlen(final_path) + 16;
  f->temp_path = malloc(cap);
  if (!f->temp_path) abort();
  snprintf(f->temp_path, cap, "%.*s.%s.XXXXXX.tmp", dir_len, final_path, final_path + dir_len);
  int fd = mkstemps(f->temp_path, 4); /* creates mode 0600 */
  if (fd < 0) {
    free(f->temp_path);
    f->temp_path = NULL;
    return relief_error_set(err, RELIEF_E_IO, final_path, 0, -1, "cannot create output: %s",
                            strerror(errno));
  }
  close(fd);
  return RELIEF_OK;
}

relief_status forms_staged_write(forms_staged *f, const void *buf, size_t len, relief_error *err) {
  int fd = open(f->temp_path, O_WRONLY | O_TRUNC);
  if (fd < 0)
    return relief_error_set(err, RELIEF_E_IO, f->final_path, 0, -1, "cannot write output: %s",
                            strerror(errno));
  const char *p = buf;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int saved = errno;
      close(fd);
      return relief_error_set(err, RELIEF_E_IO, f->final_path, 0, -1, "write failed: %s",
                              strerror(w < 0 ? saved : ENOSPC));
    }
    p += w;
    len -= (size_t)w;
  }
  if (close(fd) != 0)
    return relief_error_set(err, RELIEF_E_IO, f->final_path, 0, -1, "write failed: %s",
                            strerror(errno));
  return RELIEF_OK;
}

relief_status forms_staged_commit(const char *dir, forms_staged *files, size_t n,
                                  relief_error *err) {
  int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dir_fd < 0)
    return relief_error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot open output folder: %s",
                            strerror(errno));
  if (syncfs(dir_fd) != 0) {
    int saved = errno;
    close(dir_fd);
    return relief_error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot flush outputs: %s",
                            strerror(saved));
  }
  for (size_t i = 0; i < n; i++) {
    if (!files[i].temp_path) continue;
    if (rename(files[i].temp_path, files[i].final_path) != 0) {
      int saved = errno;
      close(dir_fd);
      return relief_error_set(err, RELIEF_E_IO, files[i].final_path, 0, -1,
                              "cannot rename output: %s", strerror(saved));
    }
    free(files[i].temp_path);
    files[i].temp_path = NULL;
  }
  int bad = fsync(dir_fd) != 0;
  int saved = errno;
  close(dir_fd);
  if (bad)
    return relief_error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot sync output folder: %s",
                            strerror(saved));
  return RELIEF_OK;
}

void forms_staged_free(forms_staged *files, size_t n) {
  if (!files) return;
  for (size_t i = 0; i < n; i++) {
    if (files[i].temp_path) unlink(files[i].temp_path);
    free(files[i].temp_path);
    free(files[i].final_path);
    files[i].temp_path = files[i].final_path = NULL;
  }
}

relief_status forms_make_dir(const char *dir, relief_error *err) {
  if (mkdir(dir, 0700) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return RELIEF_OK;
    return relief_error_set(err, RELIEF_E_IO, dir, 0, -1, "output path is not a folder");
  }
  return relief_error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot create output folder: %s",
                          strerror(errno));
}
