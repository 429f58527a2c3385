/*
 * common/error.h — filling relief_error values (the type and its formatting
 * are public, in relief/relief.h). Every fallible internal call takes a
 * relief_error* and returns a relief_status; only engine/cli prints.
 */
#ifndef RELIEF_COMMON_ERROR_H
#define RELIEF_COMMON_ERROR_H

#include "relief/relief.h"

/* Fills err (if non-NULL) and returns status. file may be NULL. */
relief_status error_set(relief_error *err, relief_status status, const char *file, long long line,
                        long long offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
