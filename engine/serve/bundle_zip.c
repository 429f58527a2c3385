/*
 * serve/bundle_zip.c — a run's bundle as one zip (minizip, deflate, zip64): every
 * file of the run folder but hidden ones (and review.sqlite unless asked
 * for: ?review=1), built in memory through minizip's
 * I/O hooks and published whole at mode 0600 beside the run folder.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zip.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "io/publish.h"
#include "serve/bundle_zip.h"

/* minizip's I/O on a growing buffer with a position. */
typedef struct {
  relief_buf b;
  size_t pos;
} mem_stream;

static voidpf ZCALLBACK mem_open(voidpf opaque, const void *name, int mode) {
  (void)name, (void)mode;
  return opaque;
}
static uLong ZCALLBACK mem_read(voidpf opaque, voidpf stream, void *buf, uLong size) {
  (void)opaque, (void)stream, (void)buf, (void)size;
  return 0; /* writing only */
}
static uLong ZCALLBACK mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size) {
  (void)opaque;
  mem_stream *m = stream;
  if (m->pos + size > m->b.len) {
    buf_reserve(&m->b, m->pos + size - m->b.len);
    m->b.len = m->pos + size;
  }
  memcpy(m->b.data + m->pos, buf, size);
  m->pos += size;
  return size;
}
static ZPOS64_T ZCALLBACK mem_tell(voidpf opaque, voidpf stream) {
  (void)opaque;
  return ((mem_stream *)stream)->pos;
}
static long ZCALLBACK mem_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin) {
  (void)opaque;
  mem_stream *m = stream;
  size_t base = origin == ZLIB_FILEFUNC_SEEK_SET   ? 0
                : origin == ZLIB_FILEFUNC_SEEK_CUR ? m->pos
                                                   : m->b.len;
  if (base + offset > m->b.len) return -1;
  m->pos = base + offset;
  return 0;
}
static int ZCALLBACK mem_close(voidpf opaque, voidpf stream) {
  (void)opaque, (void)stream;
  return 0;
}
static int ZCALLBACK mem_error(voidpf opaque, voidpf stream) {
  (void)opaque, (void)stream;
  return 0;
}

/* The review's store (and SQLite's journal files beside it): decisions,
 * notes and who made them, left out of the zip unless asked for. */
static bool is_review_store(const char *rel, const char *name) {
  return !rel[0] && !strncmp(name, "review.sqlite", 13);
}

static bool add_folder(zipFile z, const char *root, const char *rel, int depth, bool with_review) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
  DIR *d = opendir(dir);
  if (!d) return false;
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(d))) {
    if (e->d_name[0] == '.' || (!with_review && is_review_store(rel, e->d_name))) continue;
    char name[4096], path[8192];
    snprintf(name, sizeof name, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
    snprintf(path, sizeof path, "%s/%s", root, name);
    struct stat st;
    if (lstat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (depth < 4) ok = add_folder(z, root, name, depth + 1, with_review);
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    FILE *f = fopen(path, "rb");
    if (!f) return closedir(d), false;
    zip_fileinfo info = {0};
    struct tm tm;
    gmtime_r(&st.st_mtime, &tm);
    info.tmz_date = (tm_zip){(uInt)tm.tm_sec,  (uInt)tm.tm_min, (uInt)tm.tm_hour,
                             (uInt)tm.tm_mday, (uInt)tm.tm_mon, (uInt)tm.tm_year + 1900};
    ok = zipOpenNewFileInZip64(z, name, &info, NULL, 0, NULL, 0, NULL, Z_DEFLATED, 6, 1) == ZIP_OK;
    char *chunk = xmalloc(1 << 20);
    size_t n;
    while (ok && (n = fread(chunk, 1, 1 << 20, f)) > 0)
      ok = zipWriteInFileInZip(z, chunk, (unsigned)n) == ZIP_OK;
    free(chunk);
    fclose(f);
    if (zipCloseFileInZip(z) != ZIP_OK) ok = false;
  }
  closedir(d);
  return ok;
}

relief_status bundle_zip(const char *run_dir, const char *out_dir, const char *name,
                         bool with_review, relief_error *err) {
  mem_stream m = {0};
  zlib_filefunc64_def io = {mem_open, mem_read,  mem_write, mem_tell,
                            mem_seek, mem_close, mem_error, &m};
  zipFile z = zipOpen2_64("bundle.zip", APPEND_STATUS_CREATE, NULL, &io);
  if (!z) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot start the zip");
  bool ok = add_folder(z, run_dir, "", 0, with_review);
  if (zipClose(z, NULL) != ZIP_OK) ok = false;
  relief_status st = ok ? publish_single_file(out_dir, name, m.b.data, m.b.len, err)
                        : error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot write the bundle's zip");
  buf_free(&m.b);
  return st;
}
