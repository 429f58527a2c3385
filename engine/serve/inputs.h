/*
 * serve/inputs.h — the files a run may read: regular files under a --data
 * folder (the uploads folder included), listed for the page and resolved,
 * symlinks and ".." followed, before any is opened.
 */
#ifndef RELIEF_SERVE_INPUTS_H
#define RELIEF_SERVE_INPUTS_H

#include "serve/server.h"

struct json_t;

/* realpath(path) (malloc'd) when it is a regular file under a --data
 * folder, else NULL. */
char *inputs_resolve(const serve_server *s, const char *path);

/* A JSON array of {"path", "size"}: every regular file under the --data
 * folders, hidden ones aside, each folder in name order. */
struct json_t *inputs_list(const serve_server *s);

#endif
