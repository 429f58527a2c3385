/*
 * outfile.c — outputs that are never half-written: each file is written to a
 * hidden temporary name in its folder (mode 0600), flushed and fsynced, and
 * renamed onto its final name only when the whole run has succeeded. A
 * commit also removes stale temporaries of the same final name, left by a
 * run that was killed (SIGKILL, power loss) before it could clean up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relief/io.h"

relief_status relief_outfile_open(relief_outfile *out, const char *final_path, relief_error *err) {
  memset(out, 0, sizeof *out);
  snprintf(out->final_path, sizeof out->final_path, "%s", final_path);
  const char *slash = strrchr(final_path, '/');
  int dir_len = slash ? (int)(slash - final_path + 1) : 0;
  snprintf(out->temp_path, sizeof out->temp_path, "%.*s.%s.XXXXXX.tmp", dir_len, final_path,
           final_path + dir_len);
  int fd = mkstemps(out->temp_path, 4); /* creates mode 0600 */
  if (fd < 0) {
    out->temp_path[0] = 0;
    return relief_error_set(err, RELIEF_E_IO, final_path, 0, -1, "cannot create output: %s",
                            strerror(errno));
  }
  out->fp = fdopen(fd, "wb");
  if (!out->fp) {
    close(fd);
    relief_outfile_discard(out);
    return relief_error_set(err, RELIEF_E_IO, final_path, 0, -1, "cannot open output");
  }
  setvbuf(out->fp, NULL, _IOFBF, 1 << 20);
  return RELIEF_OK;
}

relief_status relief_outfile_write(relief_outfile *out, const void *buf, size_t len,
                                   relief_error *err) {
  if (len && fwrite(buf, 1, len, out->fp) != len)
    return relief_error_set(err, RELIEF_E_IO, out->final_path, 0, -1, "write failed: %s",
                            strerror(errno));
  return RELIEF_OK;
}

relief_status relief_outfile_finish(relief_outfile *out, relief_error *err) {
  if (!out->fp) return RELIEF_OK;
  int bad = fflush(out->fp) != 0 || ferror(out->fp) || fsync(fileno(out->fp)) != 0;
  int saved = errno;
  bad |= fclose(out->fp) != 0;
  out->fp = NULL;
  if (bad)
    return relief_error_set(err, RELIEF_E_IO, out->final_path, 0, -1, "write failed: %s",
                            strerror(saved ? saved : errno));
  return RELIEF_OK;
}

/* Removes dir/.NAME.XXXXXX.tmp files of final_path's NAME: the names
 * relief_outfile_open makes, and nothing else. Best effort. */
static void remove_stale_temps(const char *final_path) {
  const char *slash = strrchr(final_path, '/');
  const char *name = slash ? slash + 1 : final_path;
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - final_path) : 1,
           slash ? final_path : ".");
  if (!dir[0]) snprintf(dir, sizeof dir, "/");
  size_t name_len = strlen(name);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *n = e->d_name;
    if (strlen(n) != 1 + name_len + 1 + 6 + 4 || n[0] != '.' || strncmp(n + 1, name, name_len) ||
        n[1 + name_len] != '.' || strcmp(n + 1 + name_len + 1 + 6, ".tmp"))
      continue;
    unlinkat(dirfd(d), n, 0);
  }
  closedir(d);
}

relief_status relief_outfile_commit(relief_outfile *out, relief_error *err) {
  if (rename(out->temp_path, out->final_path) != 0)
    return relief_error_set(err, RELIEF_E_IO, out->final_path, 0, -1, "cannot rename output: %s",
                            strerror(errno));
  out->temp_path[0] = 0;
  remove_stale_temps(out->final_path);
  return RELIEF_OK;
}

void relief_outfile_discard(relief_outfile *out) {
  if (out->fp) {
    fclose(out->fp);
    out->fp = NULL;
  }
  if (out->temp_path[0]) {
    unlink(out->temp_path);
    out->temp_path[0] = 0;
  }
}

relief_status relief_write_file_atomic(const char *path, const void *buf, size_t len,
                                       relief_error *err) {
  relief_outfile f;
  relief_status st = relief_outfile_open(&f, path, err);
  if (st) return st;
  if ((st = relief_outfile_write(&f, buf, len, err)) || (st = relief_outfile_finish(&f, err)) ||
      (st = relief_outfile_commit(&f, err))) {
    relief_outfile_discard(&f);
    return st;
  }
  return RELIEF_OK;
}
