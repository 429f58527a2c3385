/*
 * redact_key.h — `--redact` and `--redact-key` of `relief run`: checking the
 * pair and reading the key file.
 */
#ifndef RELIEF_CLI_REDACTION_H
#define RELIEF_CLI_REDACTION_H

#include <stdbool.h>

#include "relief/relief.h"

/* Checks the flags and reads the key. With redact unset and no key path
 * does nothing and returns RELIEF_OK; with both set fills out (the key in
 * *owned, which the caller frees). --redact without a key, a key without
 * --redact, and a missing, unreadable, empty or oversized key file are
 * usage errors (RELIEF_E_USAGE) naming the option. */
relief_status cli_load_redaction(bool redact, const char *key_path, relief_redaction *out,
                                 unsigned char **owned, relief_error *err);

#endif
