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

enum { MAX_KEY_BYTES = 1 << 20 };

relief_status cli_load_redaction(bool redact, const char *key_path, relief_redaction *out,
                                 unsigned char **owned, relief_error *err) {
  *owned = NULL;
  memset(out, 0, sizeof *out);
  if (!redact && !key_path) return RELIEF_OK;
  if (!redact)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "--redact-key is only used with --redact");
  if (!key_path || !*key_path)
    return relief_error_set(
        err, RELIEF_E_USAGE, NULL, 0, -1,
        "--redact needs --redact-key=FILE, the key CII numbers are hashed with");
  FILE *f = fopen(key_path, "rb");
  if (!f)
    return relief_error_set(err, RELIEF_E_USAGE, key_path, 0, -1, "--redact-key: cannot read: %s",
                            strerror(errno));
  unsigned char *key = xmalloc(MAX_KEY_BYTES + 1);
  size_t n = key ? fread(key, 1, MAX_KEY_BYTES + 1, f) : 0;
  int failed = !key || ferror(f);
  fclose(f);
  relief_status st = RELIEF_OK;
  if (failed)
    st =
        relief_error_set(err, RELIEF_E_USAGE, key_path, 0, -1, "--redact-key: cannot read the key");
  else if (n == 0)
    st = relief_error_set(err, RELIEF_E_USAGE, key_path, 0, -1,
                          "--redact-key: the key file is empty");
  else if (n > MAX_KEY_BYTES)
    st = relief_error_set(err, RELIEF_E_USAGE, key_path, 0, -1,
                          "--redact-key: the key file is over %d bytes", MAX_KEY_BYTES);
  if (st) {
    free(key);
    return st;
  }
  *owned = key;
  out->key = key;
  out->key_len = n;
  return RELIEF_OK;
}
