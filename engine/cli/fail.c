/*
 * fail.c — how a failed command reports: one line on stderr in the form
 * FILE:LINE: what is wrong, and an error file in the output folder (the
 * reference's gogen.err JSON in the drop-in). Returns the exit code.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "io/publish.h"

int cli_fail(const cli_env *env, const char *dir, const char *suffix, const char *input,
             const relief_error *err) {
  char line[3072];
  relief_error_format(err, line, sizeof line);
  if (env->gogen && err->file[0] && !strncmp(err->message, "cannot open: ", 13)) {
    /* as Go's os.Open said it: "open PATH: no such file or directory" */
    char reason[256];
    snprintf(reason, sizeof reason, "%s", err->message + 13);
    reason[0] = (char)tolower((unsigned char)reason[0]);
    snprintf(line, sizeof line, "open %s: %s", err->file, reason);
  }
  fprintf(stderr, "%s: %s\n", env->program, line);
  if (dir && *dir) {
    char name[1024];
    relief_output_path(name, sizeof name, "", env->gogen ? "gogen" : "errors", 0, suffix,
                       env->gogen ? ".err" : ".json");
    json_t *root = json_object(), *entry = json_object();
    json_object_set_new(entry, "errorType", json_string(relief_error_kind(err)));
    json_t *msg = json_string(line);
    json_object_set_new(entry, "errorMessage", msg ? msg : json_string("invalid text in message"));
    json_object_set_new(root, input ? input : "", entry);
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    relief_error werr;
    mkdir(dir, 0700); /* a run that failed before making its folder */
    if (text && publish_single_file(dir, name + 1, text, strlen(text), &werr) != RELIEF_OK)
      fprintf(stderr, "%s: could not write the error file: %s\n", env->program, werr.message);
    free(text);
  }
  return err->status ? (int)err->status : 1;
}
