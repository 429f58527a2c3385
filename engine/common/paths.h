/*
 * common/paths.h — the names outputs get.
 */
#ifndef RELIEF_COMMON_PATHS_H
#define RELIEF_COMMON_PATHS_H

#include <stddef.h>

/* A county name as a folder name: letters, digits, '-' and '.' kept, the
 * rest '_' ("LOS ANGELES" → "LOS_ANGELES"); a leading '.' becomes '_' (no
 * hidden folder, nothing like relief's .relief-stage.* or .relief.lock). */
void folder_name(char *out, size_t cap, const char *county);

/* Distinct folder names for counties[0..n) in that order: folder_name
 * of each; a name already taken (compared without case, so that it holds on
 * any file system) or equal to one of reserved[0..n_reserved) (the
 * top-level outputs) gets the first free of _2, _3, ... out[i] is
 * malloc'd. */
void folder_names_unique(const char *const *counties, size_t n, const char *const *reserved,
                         size_t n_reserved, char **out);

/* Output file path for the bundle: dir/base[_index][_suffix].ext. index 0 =
 * no index. */
void output_path(char *out, size_t cap, const char *dir, const char *base, int index,
                 const char *suffix, const char *ext);

#endif
