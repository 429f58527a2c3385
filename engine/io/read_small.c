/*
 * read_small.c — reading a small file whole, safely: opened non-blocking so
 * that a FIFO cannot hang the run, refused unless it is a regular file, and
 * capped so that a huge file given by mistake is an error, not a memory hog.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "io/read_small.h"

relief_status read_small_file(const char *path, size_t max_bytes, const char *what,
                              relief_status status_on_error, char **buf, size_t *len,
                              relief_error *err) {
  *buf = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return error_set(err, status_on_error, path, 0, -1, "cannot read %s: %s", what,
                     strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return error_set(err, status_on_error, path, 0, -1,
                     "%s is not a regular file (a FIFO, device or folder is not read)", what);
  }
  /* a regular file: reads may block as usual */
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if ((unsigned long long)st.st_size > max_bytes) {
    close(fd);
    return error_set(err, status_on_error, path, 0, -1, "%s file is over %zu bytes", what,
                     max_bytes);
  }
  /* the file may grow while it is read: read at most one byte past the cap */
  size_t cap = (size_t)st.st_size + 1 < max_bytes + 1 ? (size_t)st.st_size + 1 : max_bytes + 1;
  char *data = xmalloc(cap + 1);
  size_t got = 0;
  for (;;) {
    if (got == cap) {
      if (cap > max_bytes) break;
      cap = cap * 2 < max_bytes + 1 ? cap * 2 : max_bytes + 1;
      data = xrealloc(data, cap + 1);
    }
    ssize_t n = read(fd, data + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      free(data);
      return error_set(err, status_on_error, path, 0, -1, "cannot read %s: %s", what, strerror(e));
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (got > max_bytes) {
    free(data);
    return error_set(err, status_on_error, path, 0, -1, "%s file is over %zu bytes", what,
                     max_bytes);
  }
  data[got] = 0;
  *buf = data;
  *len = got;
  return RELIEF_OK;
}

relief_status hash_file(const char *path, uint64_t *size, char hex[33], relief_error *err) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot read: %s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return error_set(err, RELIEF_E_IO, path, 0, -1, "not a regular file");
  }
  XXH3_state_t *state = XXH3_createState();
  if (!state) alloc_out_of_memory(sizeof(void *));
  XXH3_128bits_reset(state);
  char *block = xmalloc(1 << 20);
  uint64_t total = 0;
  ssize_t n;
  while ((n = read(fd, block, 1 << 20)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    XXH3_128bits_update(state, block, (size_t)n);
    total += (uint64_t)n;
  }
  int failed = n < 0, saved = errno;
  close(fd);
  free(block);
  hex128(XXH3_128bits_digest(state), hex);
  XXH3_freeState(state);
  *size = total;
  if (failed) return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot read: %s", strerror(saved));
  return RELIEF_OK;
}
