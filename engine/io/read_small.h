/*
 * io/read_small.h — the one way a file is read whole into memory (options,
 * flow files, county policies, redaction keys, review routing): it must be
 * a regular file (a FIFO never blocks the run) and no larger than a cap.
 */
#ifndef RELIEF_IO_READ_SMALL_H
#define RELIEF_IO_READ_SMALL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Reads path whole into *buf (malloc'd, NUL-terminated; *len bytes without
 * the NUL). what names the file in messages ("flow file"). Refused, with
 * status_on_error and err naming path: a file that cannot be opened or
 * read, anything that is not a regular file (FIFO, device, socket, folder;
 * opened without blocking), and a file over max_bytes. */
relief_status read_small_file(const char *path, size_t max_bytes, const char *what,
                              relief_status status_on_error, char **buf, size_t *len,
                              relief_error *err);

/* The size and XXH3-128 (32 hex digits) of a file's bytes as stored, read
 * in blocks: to check that a file is still the one a manifest describes.
 * Only a regular file is read (opened without blocking). */
relief_status hash_file(const char *path, uint64_t *size, char hex[33], relief_error *err);

#endif
