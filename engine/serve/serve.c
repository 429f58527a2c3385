/*
 * serve/serve.c — a server's life (serve.h): its folders made and checked,
 * TLS and accounts loaded, the HTTP side started, the runs of an earlier
 * server on the workspace listed again, the worker started; and at stop,
 * the wait for a running job and the freeing of it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "serve/http.h"
#include "serve/run.h"
#include "serve/run_record.h"
#include "serve/serve.h"
#include "serve/server_log.h"
#include "serve/worker.h"

static void free_server(serve_server *s) {
  for (int i = 0; i < s->n_data_dirs; i++) free(s->data_dirs[i]);
  free(s->data_dirs);
  free(s->workspace);
  free(s->uploads);
  free(s->tls_cert_pem);
  free(s->tls_key_pem);
  if (s->listen_fd >= 0) close(s->listen_fd);
  if (s->lock_fd >= 0) close(s->lock_fd); /* the workspace is free again */
  runs_free(s);
  accounts_free(&s->book);
  pthread_mutex_destroy(&s->lock);
  pthread_mutex_destroy(&s->zip_lock);
  pthread_cond_destroy(&s->wake);
  free(s);
}

/* The --data folders, each an existing folder, kept as realpaths. */
static relief_status take_data_dirs(serve_server *s, relief_error *err) {
  const serve_config *cfg = &s->cfg;
  s->data_dirs = xcalloc((size_t)cfg->n_data_dirs + 2, sizeof *s->data_dirs);
  for (int i = 0; i < cfg->n_data_dirs; i++) {
    char *real = realpath(cfg->data_dirs[i], NULL);
    struct stat sb;
    if (!real || stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      free(real);
      return error_set(err, RELIEF_E_USAGE, cfg->data_dirs[i], 0, -1,
                       "--data must name an existing folder");
    }
    s->data_dirs[s->n_data_dirs++] = real;
  }
  return RELIEF_OK;
}

/* The workspace (0700) with its runs/ and uploads/ folders; uploaded
 * files are inputs like those under --data. */
static relief_status make_workspace(serve_server *s, relief_error *err) {
  const char *ws = s->cfg.workspace;
  if (mkdir(ws, 0700) != 0 && errno != EEXIST)
    return error_set(err, RELIEF_E_IO, ws, 0, -1, "cannot create the workspace: %s",
                     strerror(errno));
  if (!(s->workspace = realpath(ws, NULL)))
    return error_set(err, RELIEF_E_IO, ws, 0, -1, "cannot resolve the workspace: %s",
                     strerror(errno));
  chmod(s->workspace, 0700);
  char runs[4096];
  snprintf(runs, sizeof runs, "%s/runs", s->workspace);
  if (mkdir(runs, 0700) != 0 && errno != EEXIST)
    return error_set(err, RELIEF_E_IO, runs, 0, -1, "cannot create: %s", strerror(errno));
  snprintf(runs, sizeof runs, "%s/uploads", s->workspace);
  if (mkdir(runs, 0700) != 0 && errno != EEXIST)
    return error_set(err, RELIEF_E_IO, runs, 0, -1, "cannot create: %s", strerror(errno));
  s->uploads = xstrdup(runs);
  s->data_dirs[s->n_data_dirs++] = xstrdup(runs);
  return RELIEF_OK;
}

/* One server per workspace: workspace/.serve.lock, write-locked (fcntl)
 * for the server's life and released by the kernel however it ends. A
 * second server is refused naming the holder's pid. */
static relief_status lock_workspace(serve_server *s, relief_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/.serve.lock", s->workspace);
  s->lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (s->lock_fd < 0)
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot open the workspace's lock: %s",
                     strerror(errno));
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(s->lock_fd, F_SETLK, &fl) == 0) {
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(s->lock_fd, 0) == 0 && pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
      server_log(s, "the workspace's lock file does not name this server's pid");
    return RELIEF_OK;
  }
  int e = errno;
  struct flock holder = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if ((e != EAGAIN && e != EACCES) || fcntl(s->lock_fd, F_GETLK, &holder) != 0)
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot lock the workspace: %s", strerror(e));
  return error_set(err, RELIEF_E_USAGE, s->cfg.workspace, 0, -1,
                   "another relief serve (pid %ld) holds this workspace; stop it or "
                   "choose another --workspace",
                   (long)holder.l_pid);
}

/* Office mode: TLS (its cookies are Secure) and at least one account. */
static relief_status load_accounts(serve_server *s, relief_error *err) {
  if (s->cfg.office && !s->tls)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--office needs TLS (--tls-cert and --tls-key): session cookies are Secure");
  double seconds = s->cfg.session_seconds > 0 ? s->cfg.session_seconds : 8 * 3600;
  relief_status st = accounts_load(s->cfg.office ? s->workspace : NULL, seconds, &s->book, err);
  if (!st && s->cfg.office && !accounts_enabled(&s->book))
    st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                   "--office: no accounts yet (relief serve users add NAME --agency=A)");
  return st;
}

relief_status serve_start(const serve_config *cfg, serve_server **out, relief_error *err) {
  *out = NULL;
  serve_server *s = xcalloc(1, sizeof *s);
  s->cfg = *cfg;
  s->listen_fd = -1;
  s->lock_fd = -1;
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->zip_lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  relief_status st = http_load_tls(s, err);
  if (!st) st = take_data_dirs(s, err);
  if (!st) st = make_workspace(s, err);
  if (!st) st = lock_workspace(s, err);
  if (!st) st = load_accounts(s, err);
  if (!st) st = http_start(s, err);
  if (st) {
    http_stop(s);
    free_server(s);
    return st;
  }
  run_record_load_all(s); /* runs of an earlier server on this workspace */
  if (pthread_create(&s->worker, NULL, worker_main, s) != 0) {
    http_stop(s);
    free_server(s);
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot start the worker thread");
  }
  s->worker_started = true;
  server_log(s, "listening on %s:%d%s, %d data folder(s)", s->host_ip, s->port,
             s->tls ? " (TLS)" : "", s->n_data_dirs);
  *out = s;
  return RELIEF_OK;
}

const char *serve_url(const serve_server *s) { return s->url; }

bool serve_stop(serve_server *s, double wait_seconds) {
  http_stop(s);
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  pthread_cond_broadcast(&s->wake);
  pthread_mutex_unlock(&s->lock);
  /* a running job finishes if it can within wait_seconds */
  bool finished = true;
  for (double waited = 0;; waited += 0.05) {
    pthread_mutex_lock(&s->lock);
    bool busy = s->busy;
    pthread_mutex_unlock(&s->lock);
    if (!busy) break;
    if (waited >= wait_seconds) {
      finished = false;
      break;
    }
    usleep(50000);
  }
  server_log(s, "stopped%s", finished ? "" : " (a run was cut short)");
  if (!finished) return false; /* the worker is mid-run: the caller aborts and exits */
  pthread_join(s->worker, NULL);
  free_server(s);
  return true;
}
