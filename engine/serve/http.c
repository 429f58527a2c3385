/*
 * http.c — the HTTP side of `relief serve` on libmicrohttpd: binding (a
 * non-loopback address only with TLS), the token (getrandom, 256 bits), the
 * checks every request passes (token, Origin and Host, body limit), the
 * request log without personal data, and replies from buffers or files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "io/publish.h"
#include "serve/serve_int.h"

void serve_reply_error(serve_reply *rep, int status, const char *message) {
  rep->status = status;
  rep->type = "application/json";
  rep->body.len = 0;
  relief_buf_append(&rep->body, "{\"error\":\"", 10);
  for (const char *p = message; *p; p++) {
    if (*p == '"' || *p == '\\') relief_buf_putc(&rep->body, '\\');
    relief_buf_putc(&rep->body, (unsigned char)*p < 0x20 ? ' ' : *p);
  }
  relief_buf_append(&rep->body, "\"}", 2);
}

/* Per request: the body as it arrives, or an upload streamed into the
 * workspace's uploads folder through a publication. */
typedef struct {
  relief_buf body;
  bool too_big;
  publication *upload;
  pub_file *file;
  uint64_t uploaded;
  bool upload_failed;
  char upload_name[160];
} request_ctx;

/* An upload's file name: letters, digits, '.', '_', '-'; not hidden. */
static bool upload_name_ok(const char *name) {
  size_t n = strlen(name);
  if (!n || n > 128 || name[0] == '.') return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '.' || *p == '_' || *p == '-'))
      return false;
  return true;
}

static void upload_abort(request_ctx *ctx) {
  if (ctx->file) pub_file_close(ctx->file, NULL);
  ctx->file = NULL;
  publication_abort(ctx->upload);
  ctx->upload = NULL;
}

static void log_line(const serve_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_line(const serve_server *s, const char *fmt, ...) {
  if (!s->cfg.log) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(s->cfg.log, fmt, ap);
  va_end(ap);
  fputc('\n', s->cfg.log);
  fflush(s->cfg.log);
}

/* Constant-time comparison of a presented token with ours. */
static bool token_ok(const serve_server *s, const char *given) {
  if (!given) return false;
  size_t n = strlen(s->token);
  if (strlen(given) != n) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < n; i++) diff |= (unsigned char)(given[i] ^ s->token[i]);
  return diff == 0;
}

static bool token_authorized(const serve_server *s, struct MHD_Connection *c, const char *method) {
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (auth && !strncmp(auth, "Bearer ", 7)) return token_ok(s, auth + 7);
  /* GET only: the page's own address and download links carry ?token= */
  if (strcmp(method, "GET") && strcmp(method, "HEAD")) return false;
  return token_ok(s, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"));
}

/* The Host header a loopback server answers to (DNS rebinding defence). */
static bool host_ok(const serve_server *s, const char *host) {
  if (!s->loopback) return true;
  if (!host) return false;
  char a[96], b[96];
  snprintf(a, sizeof a, "%s:%d", s->host_ip, s->port);
  snprintf(b, sizeof b, "localhost:%d", s->port);
  return !strcmp(host, a) || !strcmp(host, b);
}

/* A state-changing request from a page of another origin is refused. */
static bool origin_ok(const serve_server *s, const char *origin, const char *host) {
  if (!origin) return true; /* not a browser's cross-site request */
  if (!host) return false;
  char own[160];
  snprintf(own, sizeof own, "%s://%s", s->tls ? "https" : "http", host);
  return !strcmp(origin, own);
}

static enum MHD_Result send_reply(serve_server *s, struct MHD_Connection *c, serve_reply *rep) {
  struct MHD_Response *r;
  if (rep->fd >= 0) {
    r = MHD_create_response_from_fd(rep->fd_size, rep->fd);
  } else {
    r = MHD_create_response_from_buffer(rep->body.len, rep->body.data, MHD_RESPMEM_MUST_FREE);
    rep->body.data = NULL;
  }
  if (!r) {
    if (rep->fd >= 0) close(rep->fd);
    free(rep->body.data);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", rep->type ? rep->type : "application/json");
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(r, "X-Frame-Options", "SAMEORIGIN");
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'self'; script-src 'unsafe-inline'; style-src "
                          "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'");
  if (s->tls) MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
  if (rep->cookie[0]) MHD_add_response_header(r, "Set-Cookie", rep->cookie);
  if (rep->fd >= 0 && rep->filename[0]) {
    char disp[320];
    /* the report shows inside the page; every other file downloads */
    bool inline_view = rep->type && !strncmp(rep->type, "text/html", 9);
    snprintf(disp, sizeof disp, "%s; filename=\"%s\"", inline_view ? "inline" : "attachment",
             rep->filename);
    MHD_add_response_header(r, "Content-Disposition", disp);
  }
  enum MHD_Result ok = MHD_queue_response(c, (unsigned)rep->status, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  (void)version;
  serve_server *s = cls;
  request_ctx *ctx = *con_cls;
  bool is_upload = !strcmp(method, "PUT") && !strncmp(url, "/api/uploads/", 13);
  if (!ctx) {
    *con_cls = ctx = xcalloc(1, sizeof *ctx);
    if (!is_upload) return MHD_YES;
    /* an upload is checked before its body is read, then streamed to disk */
    serve_reply rep = {.status = 200, .fd = -1};
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    relief_error err = {0};
    if (!host_ok(s, host) || !origin_ok(s, origin, host))
      serve_reply_error(&rep, 403, "cross-origin request refused");
    else if (!token_authorized(s, c, method))
      serve_reply_error(&rep, 401, "missing or wrong token");
    else if (!upload_name_ok(url + 13))
      serve_reply_error(&rep, 400, "an upload's name is letters, digits, '.', '_' or '-'");
    else if (length && strtoull(length, NULL, 10) > SERVE_MAX_UPLOAD)
      serve_reply_error(&rep, 413, "upload too large");
    else if (publication_begin(s->uploads, &ctx->upload, &err) != RELIEF_OK)
      serve_reply_error(&rep, 409, "another upload is in progress");
    else if (publication_create(ctx->upload, url + 13, &ctx->file, &err) != RELIEF_OK) {
      upload_abort(ctx);
      serve_reply_error(&rep, 500, "cannot store the upload");
    } else {
      snprintf(ctx->upload_name, sizeof ctx->upload_name, "%s", url + 13);
      return MHD_YES;
    }
    log_line(s, "relief serve: %s /api/uploads -> %d", method, rep.status);
    return send_reply(s, c, &rep);
  }
  if (ctx->file) { /* an upload's bytes */
    if (*upload_data_size) {
      ctx->uploaded += *upload_data_size;
      relief_error err = {0};
      if (ctx->uploaded > SERVE_MAX_UPLOAD ||
          pub_file_write(ctx->file, upload_data, *upload_data_size, &err) != RELIEF_OK)
        ctx->upload_failed = true;
      *upload_data_size = 0;
      if (ctx->upload_failed) upload_abort(ctx);
      return MHD_YES;
    }
    serve_reply rep = {.status = 201, .fd = -1};
    relief_error err = {0};
    pub_file *f = ctx->file;
    ctx->file = NULL;
    relief_status st = pub_file_close(f, &err);
    if (!st)
      st = publication_commit(ctx->upload, NULL, 0, &err);
    else
      publication_abort(ctx->upload);
    ctx->upload = NULL;
    if (st) {
      serve_reply_error(&rep, 500, "cannot store the upload");
    } else {
      char path[4400];
      snprintf(path, sizeof path, "%s/%s", s->uploads, ctx->upload_name);
      rep.type = "application/json";
      relief_buf_append(&rep.body, "{\"path\":\"", 9);
      relief_buf_append(&rep.body, path, strlen(path)); /* names are [A-Za-z0-9._-] */
      char tail[64];
      snprintf(tail, sizeof tail, "\",\"size\":%llu}", (unsigned long long)ctx->uploaded);
      relief_buf_append(&rep.body, tail, strlen(tail));
    }
    log_line(s, "relief serve: %s /api/uploads -> %d (%llu bytes)", method, rep.status,
             (unsigned long long)ctx->uploaded);
    return send_reply(s, c, &rep);
  }
  if (is_upload) { /* it failed part way: the publication is already gone */
    if (*upload_data_size) {
      *upload_data_size = 0;
      return MHD_YES;
    }
    serve_reply rep = {.fd = -1};
    serve_reply_error(&rep, ctx->uploaded > SERVE_MAX_UPLOAD ? 413 : 500,
                      ctx->uploaded > SERVE_MAX_UPLOAD ? "upload too large"
                                                       : "cannot store the upload");
    log_line(s, "relief serve: %s /api/uploads -> %d", method, rep.status);
    return send_reply(s, c, &rep);
  }
  if (*upload_data_size) {
    if (ctx->body.len + *upload_data_size > SERVE_MAX_BODY)
      ctx->too_big = true;
    else
      relief_buf_append(&ctx->body, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  serve_reply rep = {.status = 200, .fd = -1};
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
  const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
  bool safe = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  if (!host_ok(s, host))
    serve_reply_error(&rep, 403, "unexpected Host header");
  else if (!safe && !origin_ok(s, origin, host))
    serve_reply_error(&rep, 403, "cross-origin request refused");
  else {
    bool token = token_authorized(s, c, method);
    const char *sid =
        s->cfg.office ? MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "relief_session") : NULL;
    const account *who = token ? NULL : accounts_session(&s->book, sid);
    /* office mode: the page and the login answer anyone; the rest needs an account */
    bool open_route =
        s->cfg.office && ((safe && (!strcmp(url, "/") || !strcmp(url, "/index.html"))) ||
                          (!strcmp(method, "POST") && !strcmp(url, "/api/login")));
    if (!token && !who && !open_route)
      serve_reply_error(&rep, 401, "missing or wrong token");
    else if (ctx->too_big)
      serve_reply_error(&rep, 413, "request body too large");
    else {
      relief_buf_putc(&ctx->body, '\0');
      serve_request req = {method,
                           url,
                           who,
                           who ? sid : NULL,
                           token,
                           MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q"),
                           MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "subject"),
                           ctx->body.data,
                           ctx->body.len - 1};
      api_handle(s, &req, &rep);
    }
  }
  /* the path names API routes, run ids and bundle files: no personal data */
  log_line(s, "relief serve: %s %.200s -> %d", method, url, rep.status);
  return send_reply(s, c, &rep);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
  (void)cls, (void)c, (void)code;
  request_ctx *ctx = *con_cls;
  if (!ctx) return;
  upload_abort(ctx); /* a client that went away mid-upload leaves nothing */
  relief_buf_free(&ctx->body);
  free(ctx);
  *con_cls = NULL;
}

/* Reads a PEM file whole (small: certificates and keys). */
static char *read_small_file(const char *path, relief_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    relief_error_set(err, RELIEF_E_IO, path, 0, -1, "cannot read: %s", strerror(errno));
    return NULL;
  }
  relief_buf b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1 << 20))
    relief_buf_append(&b, chunk, n);
  fclose(f);
  relief_buf_putc(&b, '\0');
  return b.data;
}

static relief_status bind_listen(serve_server *s, const char *addr, relief_error *err) {
  const char *colon = strrchr(addr, ':');
  if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof s->host_ip)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "--listen must be ADDR:PORT (e.g. 127.0.0.1:8064)");
  memcpy(s->host_ip, addr, (size_t)(colon - addr));
  s->host_ip[colon - addr] = '\0';
  if (!strcmp(s->host_ip, "localhost")) snprintf(s->host_ip, sizeof s->host_ip, "127.0.0.1");
  char *end;
  long port = strtol(colon + 1, &end, 10);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (*end || end == colon + 1 || port < 0 || port > 65535 ||
      inet_pton(AF_INET, s->host_ip, &sa.sin_addr) != 1)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "--listen must be an IPv4 ADDR:PORT (e.g. 127.0.0.1:8064)");
  s->loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
  if (!s->loopback && !s->tls)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "listening on %s (not loopback) needs --tls-cert and --tls-key",
                            s->host_ip);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0) return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "socket: %s", strerror(errno));
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
    int e = errno;
    close(fd);
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot listen on %s: %s", addr,
                            strerror(e));
  }
  socklen_t len = sizeof sa;
  getsockname(fd, (struct sockaddr *)&sa, &len);
  s->port = ntohs(sa.sin_port);
  s->listen_fd = fd;
  return RELIEF_OK;
}

static relief_status make_token(serve_server *s, relief_error *err) {
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "getrandom: %s", strerror(errno));
    got += (size_t)n;
  }
  for (size_t i = 0; i < sizeof raw; i++) snprintf(s->token + 2 * i, 3, "%02x", raw[i]);
  return RELIEF_OK;
}

static void free_server(serve_server *s) {
  for (int i = 0; i < s->n_data_dirs; i++) free(s->data_dirs[i]);
  free(s->data_dirs);
  free(s->workspace);
  free(s->uploads);
  free(s->tls_cert_pem);
  free(s->tls_key_pem);
  if (s->listen_fd >= 0) close(s->listen_fd);
  api_free_runs(s);
  accounts_free(&s->book);
  pthread_mutex_destroy(&s->lock);
  pthread_mutex_destroy(&s->zip_lock);
  pthread_cond_destroy(&s->wake);
  free(s);
}

relief_status serve_start(const serve_config *cfg, serve_server **out, relief_error *err) {
  *out = NULL;
  serve_server *s = xcalloc(1, sizeof *s);
  s->cfg = *cfg;
  s->listen_fd = -1;
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->zip_lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  relief_status st = RELIEF_OK;
  if (!cfg->tls_cert != !cfg->tls_key)
    st = relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "--tls-cert and --tls-key go together");
  s->tls = cfg->tls_cert != NULL;
  if (!st && s->tls) {
    s->tls_cert_pem = read_small_file(cfg->tls_cert, err);
    s->tls_key_pem = s->tls_cert_pem ? read_small_file(cfg->tls_key, err) : NULL;
    if (!s->tls_key_pem) st = RELIEF_E_IO;
  }
  s->data_dirs = xcalloc((size_t)cfg->n_data_dirs + 2, sizeof *s->data_dirs);
  for (int i = 0; i < cfg->n_data_dirs && !st; i++) {
    char *real = realpath(cfg->data_dirs[i], NULL);
    struct stat sb;
    if (!real || stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      free(real);
      st = relief_error_set(err, RELIEF_E_USAGE, cfg->data_dirs[i], 0, -1,
                            "--data must name an existing folder");
    } else {
      s->data_dirs[s->n_data_dirs++] = real;
    }
  }
  if (!st) {
    if (mkdir(cfg->workspace, 0700) != 0 && errno != EEXIST)
      st = relief_error_set(err, RELIEF_E_IO, cfg->workspace, 0, -1,
                            "cannot create the workspace: %s", strerror(errno));
    else if (!(s->workspace = realpath(cfg->workspace, NULL)))
      st = relief_error_set(err, RELIEF_E_IO, cfg->workspace, 0, -1,
                            "cannot resolve the workspace: %s", strerror(errno));
    if (!st) {
      chmod(s->workspace, 0700);
      char runs[4096];
      snprintf(runs, sizeof runs, "%s/runs", s->workspace);
      if (mkdir(runs, 0700) != 0 && errno != EEXIST)
        st = relief_error_set(err, RELIEF_E_IO, runs, 0, -1, "cannot create: %s", strerror(errno));
      snprintf(runs, sizeof runs, "%s/uploads", s->workspace);
      if (!st && mkdir(runs, 0700) != 0 && errno != EEXIST)
        st = relief_error_set(err, RELIEF_E_IO, runs, 0, -1, "cannot create: %s", strerror(errno));
      if (!st) { /* uploaded files are inputs like those under --data */
        s->uploads = xstrdup(runs);
        s->data_dirs[s->n_data_dirs++] = xstrdup(runs);
      }
    }
  }
  if (!st && cfg->office && !s->tls)
    st = relief_error_set(
        err, RELIEF_E_USAGE, NULL, 0, -1,
        "--office needs TLS (--tls-cert and --tls-key): session cookies are Secure");
  if (!st) st = accounts_load(s->workspace ? s->workspace : ".", &s->book, err);
  if (!st && cfg->office && !s->book.n_accounts)
    st = relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                          "--office: no accounts yet (relief serve users add NAME --agency=A)");
  if (!st) st = make_token(s, err);
  if (!st) st = bind_listen(s, cfg->listen, err);
  if (st) {
    free_server(s);
    return st;
  }
  snprintf(s->url, sizeof s->url, "%s://%s:%d/?token=%s", s->tls ? "https" : "http", s->host_ip,
           s->port, s->token);
  unsigned flags =
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | (s->tls ? MHD_USE_TLS : 0);
  if (s->tls)
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
                                 s->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
                                 64u, MHD_OPTION_HTTPS_MEM_KEY, s->tls_key_pem,
                                 MHD_OPTION_HTTPS_MEM_CERT, s->tls_cert_pem, MHD_OPTION_END);
  else
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
                                 s->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
                                 64u, MHD_OPTION_END);
  if (!s->daemon) {
    free_server(s);
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot start the HTTP server%s",
                            s->tls ? " (check the TLS certificate and key)" : "");
  }
  s->listen_fd = -1;      /* the daemon owns it now */
  run_record_load_all(s); /* runs of an earlier server on this workspace */
  if (pthread_create(&s->worker, NULL, api_worker, s) != 0) {
    MHD_stop_daemon(s->daemon);
    free_server(s);
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot start the worker thread");
  }
  s->worker_started = true;
  log_line(s, "relief serve: listening on %s:%d%s, %d data folder(s)", s->host_ip, s->port,
           s->tls ? " (TLS)" : "", s->n_data_dirs);
  *out = s;
  return RELIEF_OK;
}

const char *serve_url(const serve_server *s) { return s->url; }

bool serve_stop(serve_server *s, double wait_seconds) {
  MHD_stop_daemon(s->daemon);
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
  log_line(s, "relief serve: stopped%s", finished ? "" : " (a run was cut short)");
  if (!finished) return false; /* the worker is mid-run: the caller aborts and exits */
  pthread_join(s->worker, NULL);
  free_server(s);
  return true;
}
