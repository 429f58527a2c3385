/*
 * serve/http.c — the HTTP side of `relief serve` on libmicrohttpd: binding
 * (a non-loopback address only with TLS), the token (getrandom, 256 bits),
 * the checks every request passes (no NUL in its address, one Host, token
 * or session, Origin, body limit), connections bounded per address and in
 * time (serve/conns.h), uploads streamed to disk, the request log without
 * personal data, and replies from buffers or files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "io/publish.h"
#include "io/read_small.h"
#include "serve/conns.h"
#include "serve/http.h"
#include "serve/routes.h"
#include "serve/server_log.h"

#define UPLOAD_PREFIX "/api/uploads/"

/* Per request: the body as it arrives, or an upload streamed into the
 * workspace's uploads folder through a publication. */
typedef struct {
  relief_buf body;
  bool too_big;
  publication *upload;
  pub_file *file;
  uint64_t uploaded;
  bool upload_failed;
  bool answered; /* refused before its body */
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

/* Constant-time comparison of two secrets of the same kind (hex digits). */
static bool secret_eq(const char *want, const char *given) {
  if (!given) return false;
  size_t n = strlen(want);
  if (strlen(given) != n) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < n; i++) diff |= (unsigned char)(given[i] ^ want[i]);
  return diff == 0;
}

/* A presented token against ours. */
static bool token_ok(const serve_server *s, const char *given) {
  return secret_eq(s->token, given);
}

/* The token in an Authorization header, the relief_admin cookie the page's
 * token was exchanged for, or ?token= on the page's own address only (so
 * no download link or API address carries it into a browser's history). */
static bool token_authorized(const serve_server *s, struct MHD_Connection *c, const char *url,
                             const char *method) {
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (auth && !strncmp(auth, "Bearer ", 7)) return token_ok(s, auth + 7);
  if (secret_eq(s->admin_sid, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "relief_admin")))
    return true;
  if (strcmp(method, "GET") && strcmp(method, "HEAD")) return false;
  if (strcmp(url, "/") && strcmp(url, "/index.html")) return false;
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

/* Whether the request carries the token in its Authorization header. */
static bool bearer_ok(const serve_server *s, struct MHD_Connection *c) {
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  return auth && !strncmp(auth, "Bearer ", 7) && token_ok(s, auth + 7);
}

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value) {
  (void)kind, (void)value;
  if (!strcasecmp(key, "Host")) ++*(int *)cls;
  return MHD_YES;
}

/* Two Host headers are refused: which one a proxy and we would read differs. */
static bool one_host(struct MHD_Connection *c) {
  int n = 0;
  MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &n);
  return n <= 1;
}

/* A state-changing request from a page of another origin is refused; one
 * without Origin that carries a cookie needs the bearer token as well (a
 * browser sends Origin; one with neither is refused as unsigned, 401). */
static bool origin_ok(const serve_server *s, struct MHD_Connection *c, const char *origin,
                      const char *host) {
  if (!origin) return bearer_ok(s, c) || !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
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

/* An upload is checked before its body is read (Host, Origin, token, name,
 * declared length), then streamed to disk; MHD_YES to read its body. */
static enum MHD_Result upload_begin(serve_server *s, struct MHD_Connection *c, const char *url,
                                    const char *method, request_ctx *ctx) {
  serve_reply rep = {.status = 200, .fd = -1};
  const char *name = url + strlen(UPLOAD_PREFIX);
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
  const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
  const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
  relief_error err = {0};
  if (!one_host(c))
    serve_reply_error(&rep, 400, "more than one Host header");
  else if (!host_ok(s, host) || !origin_ok(s, c, origin, host))
    serve_reply_error(&rep, 403, "cross-origin request refused");
  else if (!token_authorized(s, c, url, method))
    serve_reply_error(&rep, 401, "missing or wrong token");
  else if (!upload_name_ok(name))
    serve_reply_error(&rep, 400, "an upload's name is letters, digits, '.', '_' or '-'");
  else if (length && strtoull(length, NULL, 10) > SERVE_MAX_UPLOAD)
    serve_reply_error(&rep, 413, "upload too large");
  else if (publication_begin(s->uploads, &ctx->upload, &err) != RELIEF_OK)
    serve_reply_error(&rep, 409, "another upload is in progress");
  else if (publication_create(ctx->upload, name, &ctx->file, &err) != RELIEF_OK) {
    upload_abort(ctx);
    serve_reply_error(&rep, 500, "cannot store the upload");
  } else {
    snprintf(ctx->upload_name, sizeof ctx->upload_name, "%s", name);
    return MHD_YES;
  }
  server_log(s, "%s /api/uploads -> %d", method, rep.status);
  return send_reply(s, c, &rep);
}

/* One piece of an upload's body, written through its publication. */
static void upload_write(request_ctx *ctx, const char *data, size_t size) {
  ctx->uploaded += size;
  relief_error err = {0};
  if (ctx->uploaded > SERVE_MAX_UPLOAD || pub_file_write(ctx->file, data, size, &err) != RELIEF_OK)
    ctx->upload_failed = true;
  if (ctx->upload_failed) upload_abort(ctx);
}

/* The whole upload arrived: published, and answered with its path. */
static enum MHD_Result upload_finish(serve_server *s, struct MHD_Connection *c, const char *method,
                                     request_ctx *ctx) {
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
    buf_append(&rep.body, "{\"path\":\"", 9);
    buf_append(&rep.body, path, strlen(path)); /* names are [A-Za-z0-9._-] */
    char tail[64];
    snprintf(tail, sizeof tail, "\",\"size\":%llu}", (unsigned long long)ctx->uploaded);
    buf_append(&rep.body, tail, strlen(tail));
  }
  server_log(s, "%s /api/uploads -> %d (%llu bytes)", method, rep.status,
             (unsigned long long)ctx->uploaded);
  return send_reply(s, c, &rep);
}

/* An upload that failed part way (its publication is already gone): its
 * remaining body is read and dropped, then the failure answered. */
static enum MHD_Result upload_failed(serve_server *s, struct MHD_Connection *c, const char *method,
                                     request_ctx *ctx, size_t *upload_data_size) {
  if (*upload_data_size) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  serve_reply rep = {.fd = -1};
  bool too_large = ctx->uploaded > SERVE_MAX_UPLOAD;
  serve_reply_error(&rep, too_large ? 413 : 500,
                    too_large ? "upload too large" : "cannot store the upload");
  server_log(s, "%s /api/uploads -> %d", method, rep.status);
  return send_reply(s, c, &rep);
}

/* The client's address as text ("" when unknown). */
static void client_address(struct MHD_Connection *c, char *out, size_t cap) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  if (sa && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
              (socklen_t)cap);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
              (socklen_t)cap);
}

/* A ?name= of the request's query (the handlers' request_arg). */
static const char *query_arg(const void *conn, const char *name) {
  return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Who asks (the token, an office session, or neither), and may they: the
 * route's role, then the body's size, then the route's handler. */
static void answer_authorized(serve_server *s, struct MHD_Connection *c, const char *url,
                              const char *method, request_ctx *ctx, serve_reply *rep) {
  route_match m;
  route_find(serve_routes, serve_n_routes, method, url, &m);
  bool token = token_authorized(s, c, url, method);
  const char *sid =
      s->cfg.office ? MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "relief_session") : NULL;
  account live;
  const account *who = !token && accounts_session(&s->book, sid, &live) ? &live : NULL;
  explicit_bzero(live.hash, sizeof live.hash); /* no handler needs it */
  char addr[INET6_ADDRSTRLEN] = "";
  client_address(c, addr, sizeof addr);
  route_caller caller = !who ? CALLER_NONE : who->defender ? CALLER_DEFENDER : CALLER_AGENCY;
  int refused = route_authorize_as(m.route, token, caller, s->cfg.office);
  if (refused == 401) return serve_reply_error(rep, 401, "missing or wrong token");
  if (ctx->too_big) return serve_reply_error(rep, 413, "request body too large");
  if (!m.route)
    return serve_reply_error(rep, m.status, m.status == 405 ? "method not allowed" : "not found");
  if (refused) return serve_reply_error(rep, 403, "not open to this account");
  buf_putc(&ctx->body, '\0');
  serve_request req = {.method = method,
                       .path = url,
                       .who = who,
                       .session = who ? sid : NULL,
                       .addr = addr,
                       .admin = token,
                       .q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q"),
                       .subject = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "subject"),
                       .review = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "review"),
                       .arg = query_arg,
                       .arg_ctx = c,
                       .body = ctx->body.data,
                       .body_len = ctx->body.len - 1};
  route_params_to_request(&m, &req);
  m.route->handler(s, &req, rep);
}

/* A request whose body (if any) has arrived whole. */
static enum MHD_Result answer(serve_server *s, struct MHD_Connection *c, const char *url,
                              const char *method, request_ctx *ctx) {
  serve_reply rep = {.status = 200, .fd = -1};
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
  const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
  bool safe = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  if (!one_host(c))
    serve_reply_error(&rep, 400, "more than one Host header");
  else if (!host_ok(s, host))
    serve_reply_error(&rep, 403, "unexpected Host header");
  else if (!safe && !origin_ok(s, c, origin, host))
    serve_reply_error(&rep, 403, "cross-origin request refused");
  else
    answer_authorized(s, c, url, method, ctx, &rep);
  /* the path names API routes, run ids and bundle files: no personal data */
  server_log(s, "%s %.200s -> %d", method, url, rep.status);
  return send_reply(s, c, &rep);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  serve_server *s = cls;
  request_ctx *ctx = *con_cls;
  bool is_upload = !strcmp(method, "PUT") && !strncmp(url, UPLOAD_PREFIX, strlen(UPLOAD_PREFIX));
  if (!ctx) {
    *con_cls = ctx = xcalloc(1, sizeof *ctx);
    if (conns_request_began(c, url, version)) { /* "a%00b" would be read as "a" */
      serve_reply rep = {.fd = -1};
      serve_reply_error(&rep, 400, "a NUL byte in the address");
      ctx->answered = true;
      server_log(s, "%s (an address with a NUL) -> 400", method);
      return send_reply(s, c, &rep);
    }
    return is_upload ? upload_begin(s, c, url, method, ctx) : MHD_YES;
  }
  if (ctx->answered) { /* refused at once: its body is read and dropped */
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (ctx->file) { /* an upload's bytes */
    if (!*upload_data_size) return upload_finish(s, c, method, ctx);
    upload_write(ctx, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (is_upload) return upload_failed(s, c, method, ctx, upload_data_size);
  if (*upload_data_size) {
    if (ctx->body.len + *upload_data_size > SERVE_MAX_BODY)
      ctx->too_big = true;
    else
      buf_append(&ctx->body, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  return answer(s, c, url, method, ctx);
}
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
  (void)cls, (void)code;
  conns_request_ended(c);
  request_ctx *ctx = *con_cls;
  if (!ctx) return;
  upload_abort(ctx); /* a client that went away mid-upload leaves nothing */
  buf_free(&ctx->body);
  free(ctx);
  *con_cls = NULL;
}

static relief_status bind_listen(serve_server *s, const char *addr, relief_error *err) {
  const char *colon = strrchr(addr, ':');
  if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof s->host_ip)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--listen must be ADDR:PORT (e.g. 127.0.0.1:8064)");
  memcpy(s->host_ip, addr, (size_t)(colon - addr));
  s->host_ip[colon - addr] = '\0';
  if (!strcmp(s->host_ip, "localhost")) snprintf(s->host_ip, sizeof s->host_ip, "127.0.0.1");
  char *end;
  long port = strtol(colon + 1, &end, 10);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (*end || end == colon + 1 || port < 0 || port > 65535 ||
      inet_pton(AF_INET, s->host_ip, &sa.sin_addr) != 1)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--listen must be an IPv4 ADDR:PORT (e.g. 127.0.0.1:8064)");
  s->loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
  if (!s->loopback && !s->tls)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "listening on %s (not loopback) needs --tls-cert and --tls-key", s->host_ip);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "socket: %s", strerror(errno));
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
    int e = errno;
    close(fd);
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot listen on %s: %s", addr, strerror(e));
  }
  socklen_t len = sizeof sa;
  getsockname(fd, (struct sockaddr *)&sa, &len);
  s->port = ntohs(sa.sin_port);
  s->listen_fd = fd;
  return RELIEF_OK;
}

/* 256 random bits as 64 hex digits into out[65]. */
static relief_status random_hex(char *out, relief_error *err) {
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return error_set(err, RELIEF_E_IO, NULL, 0, -1, "getrandom: %s", strerror(errno));
    got += (size_t)n;
  }
  for (size_t i = 0; i < sizeof raw; i++) snprintf(out + 2 * i, 3, "%02x", raw[i]);
  explicit_bzero(raw, sizeof raw);
  return RELIEF_OK;
}

/* The printed token, and the session cookie's value the page trades it for. */
static relief_status make_token(serve_server *s, relief_error *err) {
  relief_status st = random_hex(s->token, err);
  return st ? st : random_hex(s->admin_sid, err);
}

/* A PEM file whole (certificates and keys are a few kilobytes). */
static char *read_pem(const char *path, const char *what, relief_error *err) {
  char *text;
  size_t len;
  if (read_small_file(path, 1 << 20, what, RELIEF_E_IO, &text, &len, err)) return NULL;
  return text;
}

relief_status http_load_tls(serve_server *s, relief_error *err) {
  const serve_config *cfg = &s->cfg;
  if (!cfg->tls_cert != !cfg->tls_key)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "--tls-cert and --tls-key go together");
  s->tls = cfg->tls_cert != NULL;
  if (!s->tls) return RELIEF_OK;
  s->tls_cert_pem = read_pem(cfg->tls_cert, "TLS certificate", err);
  s->tls_key_pem = s->tls_cert_pem ? read_pem(cfg->tls_key, "TLS key", err) : NULL;
  return s->tls_key_pem ? RELIEF_OK : RELIEF_E_IO;
}

relief_status http_start(serve_server *s, relief_error *err) {
  relief_status st = make_token(s, err);
  if (!st) st = bind_listen(s, s->cfg.listen, err);
  if (st) return st;
  snprintf(s->url, sizeof s->url, "%s://%s:%d/?token=%s", s->tls ? "https" : "http", s->host_ip,
           s->port, s->token);
  unsigned flags =
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | (s->tls ? MHD_USE_TLS : 0);
  if (!(s->conns = conns_start(err))) return err->status;
  /* one address holds at most CONNS_PER_ADDRESS connections, and each must
   * send its request line and headers in CONNS_HEADER_SECONDS (conns.c);
   * a body may pause up to 60 s */
  struct MHD_OptionItem tls[] = {
      {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key_pem},
      {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert_pem},
      {MHD_OPTION_END, 0, NULL},
  };
  s->daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, conns_notify,
      s->conns, MHD_OPTION_UNESCAPE_CALLBACK, conns_unescape, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
      60u, MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNS_TOTAL, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      (unsigned)CONNS_PER_ADDRESS, MHD_OPTION_ARRAY, s->tls ? tls : tls + 2, MHD_OPTION_END);
  if (!s->daemon)
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot start the HTTP server%s",
                     s->tls ? " (check the TLS certificate and key)" : "");
  s->listen_fd = -1; /* the daemon owns it now */
  return RELIEF_OK;
}

void http_stop(serve_server *s) {
  if (s->daemon) MHD_stop_daemon(s->daemon);
  s->daemon = NULL;
  conns_stop(s->conns);
  s->conns = NULL;
}
