/*
 * fuzz_zstd_input.c — input_open/close on arbitrary file contents:
 * plain, zstd single- and multi-frame, truncated and corrupt streams. The
 * bytes are written to a memfd so that the real open/mmap path runs.
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  omp_set_num_threads(1); /* determinism and speed; chunking is not thread-dependent */
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
  if (fd < 0) abort();
  if (size && write(fd, data, size) != (ssize_t)size) abort();
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  relief_input in;
  relief_error err;
  relief_status st = input_open(&in, path, &err);
  if (st == RELIEF_OK) {
    if (in.stored_size != size) abort();
    if (!in.compressed && (in.size != size || (size && memcmp(in.data, data, size) != 0))) abort();
    uint64_t sum = 0; /* touch every byte */
    for (size_t i = 0; i < in.size; i++) sum += (unsigned char)in.data[i];
    input_release(&in, 0, in.size);
    (void)sum;
  } else {
    if (st != RELIEF_E_DATA && st != RELIEF_E_IO) abort();
    if (!memchr(err.message, 0, sizeof err.message) || !err.file[0]) abort();
  }
  input_close(&in);
  close(fd);
  return 0;
}
