/*
 * input.c — input bytes into memory. Plain files are memory-mapped; a file
 * that starts with the zstd magic is decompressed: when every frame records
 * its content size the frames are decompressed in parallel straight into one
 * buffer, otherwise the stream is decompressed in order.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "io/input.h"

static const unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};

/* A zstd file starts with a frame: a zstd frame, or a skippable one
 * (magic 0x184D2A50..0x184D2A5F, little-endian), as pzstd writes first. */
static bool starts_zstd(const unsigned char *p, size_t n) {
  if (n < 4) return false;
  if (memcmp(p, zstd_magic, 4) == 0) return true;
  return (p[0] & 0xF0) == 0x50 && p[1] == 0x2A && p[2] == 0x4D && p[3] == 0x18;
}

/* A test hook for what another program may do to an input while relief
 * reads it: RELIEF_TEST_AFTER_MAP=shrink truncates each input to 0 bytes
 * right after it is mapped (reading it then raises SIGBUS, which the CLI
 * must turn into exit 3); =touch changes its modification time (the end of
 * the run must notice). Unset, it does nothing. A hook that fails says
 * nothing (the library does not print): the test that set it then fails. */
static void test_after_map_hook(const char *path) {
  const char *v = getenv("RELIEF_TEST_AFTER_MAP");
  if (!v) return;
  if (!strcmp(v, "shrink") && truncate(path, 0) != 0) return;
  if (!strcmp(v, "touch")) {
    const struct timespec long_ago[2] = {{1, 0}, {1, 0}};
    if (utimensat(AT_FDCWD, path, long_ago, 0) != 0) return;
  }
}

static void hash_bytes(const void *data, size_t n, char hex[33]) {
  hex128(XXH3_128bits(data, n), hex);
}

/* XXH3-128 of a whole mapping, block by block, each block's pages given
 * back once hashed: a large input must not become resident just to be
 * hashed (parsing faults the pages in again from the page cache). */
static void hash_mapping(const char *map, size_t n, char hex[33]) {
  XXH3_state_t *state = XXH3_createState();
  if (!state) { /* cannot allocate a state: hash in one go */
    hash_bytes(map, n, hex);
    return;
  }
  XXH3_128bits_reset(state);
  const size_t block = 8u << 20; /* a multiple of the page size: blocks stay aligned */
  for (size_t at = 0; at < n; at += block) {
    size_t len = n - at < block ? n - at : block;
    XXH3_128bits_update(state, map + at, len);
    madvise((char *)map + at, len, MADV_DONTNEED);
  }
  hex128(XXH3_128bits_digest(state), hex);
  XXH3_freeState(state);
}

/* The most a frame of compressed_len bytes can decompress to: each block is
 * at least 3 bytes and yields at most 128 KiB. A header that claims more is
 * corrupt, and must not make us allocate what it claims. */
static unsigned long long frame_content_bound(size_t compressed_len) {
  return ((unsigned long long)compressed_len / 3 + 1) * (128u << 10);
}

static relief_status decompress_streaming(relief_input *in, const char *path, const char *src,
                                          size_t n, relief_error *err) {
  ZSTD_DStream *ds = ZSTD_createDStream();
  if (!ds) return error_set(err, RELIEF_E_IO, path, 0, -1, "out of memory");
  size_t cap = n * 4 + (1 << 20), len = 0;
  char *out = xmalloc(cap);
  ZSTD_inBuffer ib = {src, n, 0};
  size_t ret = 1;
  while (out && ib.pos < ib.size) {
    if (cap - len < ZSTD_DStreamOutSize()) {
      cap *= 2;
      char *grown = xrealloc(out, cap);
      if (!grown) break;
      out = grown;
    }
    ZSTD_outBuffer ob = {out + len, cap - len, 0};
    ret = ZSTD_decompressStream(ds, &ob, &ib);
    len += ob.pos;
    if (ZSTD_isError(ret)) {
      error_set(err, RELIEF_E_DATA, path, 0, (long long)ib.pos, "corrupt zstd data: %s",
                ZSTD_getErrorName(ret));
      ZSTD_freeDStream(ds);
      free(out);
      return RELIEF_E_DATA;
    }
  }
  ZSTD_freeDStream(ds);
  if (!out) return error_set(err, RELIEF_E_IO, path, 0, -1, "out of memory");
  if (ret != 0) {
    free(out);
    return error_set(err, RELIEF_E_DATA, path, 0, (long long)n,
                     "truncated zstd data: the last frame is incomplete");
  }
  in->data = out;
  in->size = len;
  in->map_base = out;
  in->map_size = 0;
  return RELIEF_OK;
}

/* Frame-parallel path: returns RELIEF_OK, an error, or -1 to ask for the
 * streaming path (a frame without a recorded content size). */
static int decompress_frames(relief_input *in, const char *path, const char *src, size_t n,
                             relief_error *err) {
  size_t n_frames = 0, cap_frames = 16;
  size_t *frame_off = xmalloc(cap_frames * sizeof *frame_off);
  size_t *frame_len = xmalloc(cap_frames * sizeof *frame_len);
  size_t *out_off = xmalloc(cap_frames * sizeof *out_off);
  size_t total = 0, pos = 0;
  int status = RELIEF_OK;
  while (pos < n) {
    size_t fl = ZSTD_findFrameCompressedSize(src + pos, n - pos);
    if (ZSTD_isError(fl)) {
      status =
          error_set(err, RELIEF_E_DATA, path, 0, (long long)pos, "%s zstd frame: %s",
                    n - pos < 18 ? "truncated" : "corrupt or truncated", ZSTD_getErrorName(fl));
      goto done;
    }
    unsigned long long content = ZSTD_getFrameContentSize(src + pos, fl);
    if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR) {
      status = -1;
      goto done;
    }
    if (content > frame_content_bound(fl) || total + content < total) {
      status = error_set(err, RELIEF_E_DATA, path, 0, (long long)pos,
                         "corrupt zstd frame: its header claims %llu bytes, more than "
                         "its %zu compressed bytes can hold",
                         content, fl);
      goto done;
    }
    if (n_frames == cap_frames) {
      cap_frames *= 2;
      frame_off = xrealloc(frame_off, cap_frames * sizeof *frame_off);
      frame_len = xrealloc(frame_len, cap_frames * sizeof *frame_len);
      out_off = xrealloc(out_off, cap_frames * sizeof *out_off);
    }
    frame_off[n_frames] = pos;
    frame_len[n_frames] = fl;
    out_off[n_frames] = total;
    n_frames++;
    total += (size_t)content;
    pos += fl;
  }
  char *out = xmalloc(total ? total : 1);
  if (!out) {
    status = error_set(err, RELIEF_E_IO, path, 0, -1, "out of memory (%zu bytes)", total);
    goto done;
  }
  long long bad_frame = -1;
  const char *bad_text = NULL;
#pragma omp parallel for schedule(dynamic, 1) num_threads(in->threads > 0 ? in->threads : 1)
  for (size_t i = 0; i < n_frames; i++) {
    size_t want = (i + 1 < n_frames ? out_off[i + 1] : total) - out_off[i];
    size_t got = ZSTD_decompress(out + out_off[i], want, src + frame_off[i], frame_len[i]);
    if (ZSTD_isError(got) || got != want) {
#pragma omp critical(relief_zstd_error)
      if (bad_frame < 0 || (long long)i < bad_frame) {
        bad_frame = (long long)i;
        bad_text = ZSTD_isError(got) ? ZSTD_getErrorName(got) : "frame size mismatch";
      }
    }
  }
  if (bad_frame >= 0) {
    free(out);
    status = error_set(err, RELIEF_E_DATA, path, 0, (long long)frame_off[bad_frame],
                       "corrupt zstd frame: %s", bad_text);
    goto done;
  }
  in->data = out;
  in->size = total;
  in->map_base = out;
  in->map_size = 0;
done:
  free(frame_off);
  free(frame_len);
  free(out_off);
  return status;
}

/* Lists the frames of a zstd file when each records its content size;
 * returns -1 (nothing listed) otherwise, or when the file looks damaged, so
 * that the eager path reports the problem. */
static int scan_frames(relief_input *in, const char *src, size_t n) {
  size_t cap = 64, pos = 0, text = 0;
  relief_zstd_frame *frames = xmalloc(cap * sizeof *frames);
  size_t count = 0;
  while (frames && pos < n) {
    size_t fl = ZSTD_findFrameCompressedSize(src + pos, n - pos);
    unsigned long long content =
        ZSTD_isError(fl) ? ZSTD_CONTENTSIZE_ERROR : ZSTD_getFrameContentSize(src + pos, fl);
    if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR) {
      free(frames);
      return -1;
    }
    if (content == 0) { /* a skippable frame (or an empty one): no text */
      pos += fl;
      continue;
    }
    if (count == cap) frames = xrealloc(frames, (cap *= 2) * sizeof *frames);
    frames[count++] = (relief_zstd_frame){pos, fl, text, (size_t)content};
    text += (size_t)content;
    pos += fl;
  }
  if (!frames) return -1;
  in->frames = frames;
  in->n_frames = count;
  in->size = text;
  return 0;
}

static relief_status open_input(relief_input *in, const char *path, int lazy, relief_error *err) {
  memset(in, 0, sizeof *in);
  snprintf(in->path, sizeof in->path, "%s", path);
  /* non-blocking, so that a FIFO cannot hang the run before it is refused */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return error_set(err, RELIEF_E_IO, path, 0, -1,
                     "not a regular file (a FIFO, device or socket is not read)");
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  in->opened_dev = (unsigned long long)st.st_dev;
  in->opened_ino = (unsigned long long)st.st_ino;
  in->opened_size = (long long)st.st_size;
  in->opened_mtime_sec = (long long)st.st_mtim.tv_sec;
  in->opened_mtime_nsec = (long long)st.st_mtim.tv_nsec;
  size_t n = (size_t)st.st_size;
  in->stored_size = n;
  if (n == 0) {
    close(fd);
    hash_bytes("", 0, in->xxh3_128);
    in->data = "";
    return RELIEF_OK;
  }
  void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  /* the descriptor is not kept: statewide may open thousands of inputs */
  close(fd);
  if (map == MAP_FAILED)
    return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot map: %s", strerror(errno));
  test_after_map_hook(path);
  madvise(map, n, MADV_SEQUENTIAL);   /* read ahead while hashing */
  hash_mapping(map, n, in->xxh3_128); /* the bytes decided, not the path's later bytes */
  if (starts_zstd(map, n)) {
    madvise(map, n, MADV_SEQUENTIAL);
    in->compressed = 1;
    if (lazy) {
      in->zsrc = map;
      in->zsrc_size = n;
      size_t largest = 0;
      if (scan_frames(in, map, n) == 0)
        for (size_t k = 0; k < in->n_frames; k++)
          if (in->frames[k].text_size > largest) largest = in->frames[k].text_size;
      /* finding the frames read every block header, which faulted in the
       * whole file: give the pages back until each frame is decompressed
       * (then from the page cache), else the compressed input stays
       * resident beside the rows for the whole run */
      madvise(map, n, MADV_DONTNEED);
      if (!in->frames || largest > (64u << 20)) { /* read it as a stream instead */
        free(in->frames);
        in->frames = NULL;
        in->n_frames = 0;
        in->size = 0;
        in->streamed = 1;
      }
      return RELIEF_OK;
    }
    int st2 = decompress_frames(in, path, map, n, err);
    if (st2 < 0) st2 = decompress_streaming(in, path, map, n, err);
    munmap(map, n);
    return (relief_status)st2;
  }
  /* segments are parsed in parallel from here: keep the pages coming (the
   * advice values are not flags: MADV_SEQUENTIAL | MADV_WILLNEED was
   * MADV_WILLNEED alone) */
  madvise(map, n, MADV_WILLNEED);
  in->data = map;
  in->size = n;
  in->map_base = map;
  in->map_size = n;
  return RELIEF_OK;
}

relief_status input_open(relief_input *in, const char *path, relief_error *err) {
  return open_input(in, path, 0, err);
}

relief_status input_open_lazy(relief_input *in, const char *path, relief_error *err) {
  return open_input(in, path, 1, err);
}

relief_status input_frame_text(const relief_input *in, size_t i, char *dst, relief_error *err) {
  const relief_zstd_frame *f = &in->frames[i];
  size_t got = ZSTD_decompress(dst, f->text_size, in->zsrc + f->src_offset, f->src_size);
  if (ZSTD_isError(got) || got != f->text_size)
    return error_set(err, RELIEF_E_DATA, in->path, 0, (long long)f->src_offset,
                     "corrupt zstd frame: %s",
                     ZSTD_isError(got) ? ZSTD_getErrorName(got) : "frame size mismatch");
  return RELIEF_OK;
}

relief_status input_materialize(relief_input *in, relief_error *err) {
  if (in->data || !in->frames) return RELIEF_OK;
  relief_status st = (relief_status)decompress_frames(in, in->path, in->zsrc, in->zsrc_size, err);
  if ((int)st < 0) st = decompress_streaming(in, in->path, in->zsrc, in->zsrc_size, err);
  if (st) return st;
  munmap((void *)in->zsrc, in->zsrc_size);
  in->zsrc = NULL;
  free(in->frames);
  in->frames = NULL;
  in->n_frames = 0;
  return RELIEF_OK;
}

relief_status input_check_unchanged(const relief_input *in, relief_error *err) {
  struct stat st;
  if (!in->path[0]) return RELIEF_OK;
  if (stat(in->path, &st) != 0 || (unsigned long long)st.st_dev != in->opened_dev ||
      (unsigned long long)st.st_ino != in->opened_ino || (long long)st.st_size != in->opened_size ||
      (long long)st.st_mtim.tv_sec != in->opened_mtime_sec ||
      (long long)st.st_mtim.tv_nsec != in->opened_mtime_nsec)
    return error_set(err, RELIEF_E_IO, in->path, 0, -1,
                     "input changed while it was read (its size, modification time or "
                     "identity differs from when it was opened)");
  return RELIEF_OK;
}

void input_close(relief_input *in) {
  free(in->frames);
  if (in->zsrc) munmap((void *)in->zsrc, in->zsrc_size);
  if (in->map_base) {
    if (in->map_size)
      munmap(in->map_base, in->map_size);
    else
      free(in->map_base);
  }
  memset(in, 0, sizeof *in);
}

void input_release(const relief_input *in, size_t offset, size_t len) {
  if (!in->map_size || !len) return;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t begin = (offset + page - 1) / page * page, end = (offset + len) / page * page;
  if (end > begin) madvise((char *)in->map_base + begin, end - begin, MADV_DONTNEED);
}

void input_release_frame(const relief_input *in, size_t i) {
  if (!in->zsrc || i >= in->n_frames) return;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const relief_zstd_frame *f = &in->frames[i];
  size_t begin = (f->src_offset + page - 1) / page * page,
         end = (f->src_offset + f->src_size) / page * page;
  if (end > begin) madvise((char *)in->zsrc + begin, end - begin, MADV_DONTNEED);
}

struct relief_zstd_stream {
  ZSTD_DStream *ds;
  ZSTD_inBuffer in;
  const char *path;
  size_t last_ret;
};

relief_zstd_stream *stream_open(const relief_input *in) {
  relief_zstd_stream *z = xcalloc(1, sizeof *z);
  if (!z || !(z->ds = ZSTD_createDStream())) {
    free(z);
    return NULL;
  }
  z->in = (ZSTD_inBuffer){in->zsrc, in->zsrc_size, 0};
  z->path = in->path;
  z->last_ret = 1;
  return z;
}

void stream_close(relief_zstd_stream *z) {
  if (!z) return;
  ZSTD_freeDStream(z->ds);
  free(z);
}

relief_status stream_fill(relief_zstd_stream *z, char **buf, size_t *len, size_t *cap, size_t want,
                          int *eof, relief_error *err) {
  *eof = 0;
  while (*len < want) {
    if (z->in.pos == z->in.size) {
      if (z->last_ret != 0)
        return error_set(err, RELIEF_E_DATA, z->path, 0, (long long)z->in.size,
                         "truncated zstd data: the last frame is incomplete");
      *eof = 1;
      return RELIEF_OK;
    }
    if (*cap - *len < ZSTD_DStreamOutSize()) {
      size_t grown_cap = *cap ? *cap * 2 : (8u << 20);
      while (grown_cap - *len < ZSTD_DStreamOutSize()) grown_cap *= 2;
      char *grown = xrealloc(*buf, grown_cap);
      if (!grown) return error_set(err, RELIEF_E_IO, z->path, 0, -1, "out of memory");
      *buf = grown;
      *cap = grown_cap;
    }
    ZSTD_outBuffer out = {*buf + *len, *cap - *len, 0};
    size_t at = z->in.pos;
    size_t ret = ZSTD_decompressStream(z->ds, &out, &z->in);
    if (ZSTD_isError(ret))
      return error_set(err, RELIEF_E_DATA, z->path, 0, (long long)(z->in.pos > at ? z->in.pos : at),
                       "corrupt zstd data: %s", ZSTD_getErrorName(ret));
    z->last_ret = ret;
    *len += out.pos;
  }
  return RELIEF_OK;
}
