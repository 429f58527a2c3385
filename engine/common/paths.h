/*
 * common/paths.h — the names outputs get.
 */
#ifndef RELIEF_COMMON_PATHS_H
#define RELIEF_COMMON_PATHS_H

#include <stddef.h>

/* A county name as a folder name: letters, digits, '-' and '.' kept, the
 * rest '_' ("LOS ANGELES" → "LOS_ANGELES"). */
void relief_folder_name(char *out, size_t cap, const char *county);

/* Output file path for the bundle: dir/base[_index][_suffix].ext. index 0 =
 * no index. */
void relief_output_path(char *out, size_t cap, const char *dir, const char *base, int index,
                        const char *suffix, const char *ext);

#endif
