/*
 * serve/inputs.c — the --data folders as the API shows them: the files
 * listed (names sorted, hidden ones and anything not a file or folder
 * skipped, eight folders deep at most) and a path checked to lie inside.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "serve/inputs.h"

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in dir, hidden ones aside, sorted; NULL when it cannot be read. */
static char **sorted_names(const char *dir, size_t *n_out) {
  DIR *d = opendir(dir);
  *n_out = 0;
  if (!d) return NULL;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) names = xreallocarray(names, cap = cap ? cap * 2 : 32, sizeof *names);
    names[n++] = xstrdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_names);
  *n_out = n;
  return names;
}

static void list_folder(const char *dir, json_t *list, int depth) {
  if (depth > 8) return;
  size_t n;
  char **names = sorted_names(dir, &n);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (lstat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        list_folder(path, list, depth + 1);
      } else if (S_ISREG(st.st_mode)) {
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(path));
        json_object_set_new(o, "size", json_integer((json_int_t)st.st_size));
        json_array_append_new(list, o);
      }
    }
    free(names[i]);
  }
  free(names);
}

json_t *inputs_list(const serve_server *s) {
  json_t *list = json_array();
  for (int i = 0; i < s->n_data_dirs; i++) list_folder(s->data_dirs[i], list, 0);
  return list;
}

char *inputs_resolve(const serve_server *s, const char *path) {
  char *real = realpath(path, NULL);
  struct stat st;
  if (!real || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
    free(real);
    return NULL;
  }
  for (int i = 0; i < s->n_data_dirs; i++) {
    size_t n = strlen(s->data_dirs[i]);
    if (!strncmp(real, s->data_dirs[i], n) && (real[n] == '/' || !strcmp(s->data_dirs[i], "/")))
      return real;
  }
  free(real);
  return NULL;
}
