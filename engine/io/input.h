/*
 * io/input.h — getting input bytes into memory. Plain files are
 * memory-mapped; zstd files (recognised by magic bytes) are decompressed
 * frame-parallel into one buffer, on demand frame by frame, or as a stream.
 */
#ifndef RELIEF_IO_INPUT_H
#define RELIEF_IO_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* One zstd frame of a compressed input. */
typedef struct {
  size_t src_offset, src_size;   /* where the frame lies in the file */
  size_t text_offset, text_size; /* where its text lies in the whole text */
} relief_zstd_frame;

typedef struct {
  const char *data;   /* the text; not NUL-terminated (NULL while frames are lazy) */
  size_t size;        /* bytes of text */
  size_t stored_size; /* bytes on disk */
  int compressed;     /* 1 when the file was zstd */
  void *map_base;     /* private: mapping or owned buffer */
  size_t map_size;
  relief_zstd_frame *frames; /* lazy zstd: the frames, text not yet decompressed */
  size_t n_frames;
  const char *zsrc; /* lazy zstd: the mapped compressed file */
  size_t zsrc_size;
  int streamed; /* lazy zstd without usable frames: read as a stream */
  int threads;  /* decompression threads (set by the opener; 0 = 1) */
  char path[1024];
  /* what was read: XXH3-128 (32 hex digits) of the file's bytes as mapped
   * at open (compressed bytes for zstd), and the file's identity, size and
   * modification time then, to tell whether it changed since (descriptors
   * are not kept: a statewide run may have thousands of inputs) */
  char xxh3_128[33];
  unsigned long long opened_dev, opened_ino;
  long long opened_size;
  long long opened_mtime_sec, opened_mtime_nsec;
} relief_input;

/* Opens path: maps it, or decompresses it when it starts with a zstd frame
 * (skippable frames, as pzstd writes them, are skipped wherever they are).
 * A missing/unreadable path, anything but a regular file (a FIFO is opened
 * without blocking and refused), or a corrupt/truncated zstd stream is an
 * error naming the file (and byte offset for zstd). Records the XXH3-128 of
 * the bytes as opened in in->xxh3_128. */
relief_status input_open(relief_input *in, const char *path, relief_error *err);

/* Tells the kernel the pages of [offset, offset+len) are done with for now,
 * so a mapped input does not stay resident; reading them again re-faults
 * them from the page cache. No effect on a decompressed (owned) buffer. */
void input_release(const relief_input *in, size_t offset, size_t len);

/* The same for the compressed bytes of frame i of a lazy zstd input, once
 * its text has been read. */
void input_release_frame(const relief_input *in, size_t i);

/* Like input_open, but a zstd file whose frames all record their
 * content size is left compressed: in->data stays NULL, in->frames lists
 * the frames, and input_frame_text decompresses one on demand, so
 * the whole text never has to be in memory. Other inputs open as usual. */
relief_status input_open_lazy(relief_input *in, const char *path, relief_error *err);

/* A zstd input read front to back in blocks (single large frames, or frames
 * that do not record their size). */
typedef struct relief_zstd_stream relief_zstd_stream;

relief_zstd_stream *stream_open(const relief_input *in);
void stream_close(relief_zstd_stream *z);

/* Decompresses more of the stream onto *buf (len bytes used of cap, grown
 * with realloc) until *len >= want or the stream ends (*eof). A corrupt or
 * truncated stream is an error naming the file and compressed byte offset. */
relief_status stream_fill(relief_zstd_stream *z, char **buf, size_t *len, size_t *cap, size_t want,
                          int *eof, relief_error *err);

/* Decompresses frame i of a lazy input into dst (frames[i].text_size bytes).
 * Thread-safe. A corrupt frame is an error naming the file and byte offset. */
relief_status input_frame_text(const relief_input *in, size_t i, char *dst, relief_error *err);

/* Turns a lazy input into a decompressed one (in->data set). */
relief_status input_materialize(relief_input *in, relief_error *err);

/* RELIEF_E_IO naming the file when it changed since it was opened (its
 * path now names another file, or its size or modification time differs):
 * the bytes decided may not be the bytes the path holds now. */
relief_status input_check_unchanged(const relief_input *in, relief_error *err);

/* Releases what input_open took. Safe on a zeroed struct. */
void input_close(relief_input *in);

#endif
