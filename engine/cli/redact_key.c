/*
 * redact_key.c — reads the key of `relief run --redact --redact-key=FILE`.
 * The key is the file's bytes, exactly (a trailing newline is part of it):
 * the same file gives the same hashed CII numbers in every run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "cli/redact_key.h"
#include "common/error.h"
#include "io/read_small.h"

enum { MAX_KEY_BYTES = 1 << 20 };

relief_status cli_load_redaction(bool redact, const char *key_path, relief_redaction *out,
                                 unsigned char **owned, relief_error *err) {
  *owned = NULL;
  memset(out, 0, sizeof *out);
  if (!redact && !key_path) return RELIEF_OK;
  if (!redact)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "--redact-key is only used with --redact");
  if (!key_path || !*key_path)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--redact needs --redact-key=FILE, the key CII numbers are hashed with");
  char *key;
  size_t n;
  relief_status st =
      read_small_file(key_path, MAX_KEY_BYTES, "--redact-key", RELIEF_E_USAGE, &key, &n, err);
  if (st) return st;
  if (n == 0) {
    free(key);
    return error_set(err, RELIEF_E_USAGE, key_path, 0, -1, "--redact-key: the key file is empty");
  }
  *owned = (unsigned char *)key;
  out->key = *owned;
  out->key_len = n;
  return RELIEF_OK;
}
