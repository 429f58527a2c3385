/*
 * relief/io.h — getting input bytes into memory and output bytes onto disk.
 * Plain files are memory-mapped; zstd files (recognised by magic bytes) are
 * decompressed frame-parallel into one buffer. Outputs are written to a
 * temporary name and renamed into place only when the whole run succeeds.
 */
#ifndef RELIEF_IO_H
#define RELIEF_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "relief/error.h"

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
  char path[1024];
} relief_input;

/* Opens path: maps it, or decompresses it when it starts with the zstd magic.
 * A missing/unreadable path, a folder, or a corrupt/truncated zstd stream is
 * an error naming the file (and byte offset for zstd). */
relief_status relief_input_open(relief_input *in, const char *path, relief_error *err);

/* Tells the kernel the pages of [offset, offset+len) are done with for now,
 * so a mapped input does not stay resident; reading them again re-faults
 * them from the page cache. No effect on a decompressed (owned) buffer. */
void relief_input_release(const relief_input *in, size_t offset, size_t len);

/* Like relief_input_open, but a zstd file whose frames all record their
 * content size is left compressed: in->data stays NULL, in->frames lists
 * the frames, and relief_input_frame_text decompresses one on demand, so
 * the whole text never has to be in memory. Other inputs open as usual. */
relief_status relief_input_open_lazy(relief_input *in, const char *path, relief_error *err);

/* A zstd input read front to back in blocks (single large frames, or frames
 * that do not record their size). */
typedef struct relief_zstd_stream relief_zstd_stream;

relief_zstd_stream *relief_stream_open(const relief_input *in);
void relief_stream_close(relief_zstd_stream *z);

/* Decompresses more of the stream onto *buf (len bytes used of cap, grown
 * with realloc) until *len >= want or the stream ends (*eof). A corrupt or
 * truncated stream is an error naming the file and compressed byte offset. */
relief_status relief_stream_fill(relief_zstd_stream *z, char **buf, size_t *len, size_t *cap,
                                 size_t want, int *eof, relief_error *err);

/* Decompresses frame i of a lazy input into dst (frames[i].text_size bytes).
 * Thread-safe. A corrupt frame is an error naming the file and byte offset. */
relief_status relief_input_frame_text(const relief_input *in, size_t i, char *dst,
                                      relief_error *err);

/* Turns a lazy input into a decompressed one (in->data set). */
relief_status relief_input_materialize(relief_input *in, relief_error *err);

/* Releases what relief_input_open took. Safe on a zeroed struct. */
void relief_input_close(relief_input *in);

/* An output file written under a temporary name in the same folder. */
typedef struct {
  FILE *fp;
  char final_path[4096];
  char temp_path[4096];
} relief_outfile;

/* Creates a temporary file (mode 0600) beside final_path. */
relief_status relief_outfile_open(relief_outfile *out, const char *final_path, relief_error *err);

/* Writes len bytes; an I/O failure (disk full...) is RELIEF_E_IO. */
relief_status relief_outfile_write(relief_outfile *out, const void *buf, size_t len,
                                   relief_error *err);

/* Flushes, fsyncs and closes the temporary file (it keeps its temporary name). */
relief_status relief_outfile_finish(relief_outfile *out, relief_error *err);

/* Renames the finished temporary file onto its final name. */
relief_status relief_outfile_commit(relief_outfile *out, relief_error *err);

/* Closes (if open) and removes the temporary file. Safe to call twice. */
void relief_outfile_discard(relief_outfile *out);

/* Writes a whole small file atomically (temp + rename), mode 0600. */
relief_status relief_write_file_atomic(const char *path, const void *buf, size_t len,
                                       relief_error *err);

#endif
