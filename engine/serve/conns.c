/*
 * serve/conns.c — bounded connections (conns.h). Each connection gets a
 * state at its start, listed under a mutex, with a duplicate of its socket
 * that the watchdog may shut down (the duplicate is ours, so its number is
 * never reused under the watchdog while the connection is listed). The
 * daemon's per-address and total limits are set in http.c.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "serve/conns.h"

typedef struct conn_state {
  struct conn_state *prev, *next;
  conns *owner;
  double waiting_since; /* monotonic seconds; when it began waiting for a request */
  bool in_request;      /* its headers arrived: a handler has it */
  bool nul;             /* a NUL was decoded from its address */
  int fd;               /* our duplicate of its socket, or -1 */
  /* the strings MHD unescaped for this request (its path, its arguments):
   * where each began and its length before decoding (a raw NUL ends it) */
  const char *decoded[8];
  size_t raw_len[8];
  int n_decoded;
} conn_state;

struct conns {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  conn_state *head;
  bool stopping;
  pthread_t watchdog;
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Every half second: connections past the header deadline are shut down
 * (their thread in the daemon then sees the end and closes them). */
static void *watchdog_main(void *arg) {
  conns *cs = arg;
  pthread_mutex_lock(&cs->lock);
  while (!cs->stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 500000000;
    if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&cs->wake, &cs->lock, &until);
    double now = now_seconds();
    for (conn_state *c = cs->head; c; c = c->next)
      if (!c->in_request && c->fd >= 0 && now - c->waiting_since > CONNS_HEADER_SECONDS) {
        shutdown(c->fd, SHUT_RDWR);
        close(c->fd);
        c->fd = -1;
      }
  }
  pthread_mutex_unlock(&cs->lock);
  return NULL;
}

conns *conns_start(relief_error *err) {
  conns *cs = xcalloc(1, sizeof *cs);
  pthread_mutex_init(&cs->lock, NULL);
  pthread_cond_init(&cs->wake, NULL);
  if (pthread_create(&cs->watchdog, NULL, watchdog_main, cs) != 0) {
    pthread_mutex_destroy(&cs->lock);
    pthread_cond_destroy(&cs->wake);
    free(cs);
    error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot start the connection watchdog");
    return NULL;
  }
  return cs;
}

void conns_stop(conns *cs) {
  if (!cs) return;
  pthread_mutex_lock(&cs->lock);
  cs->stopping = true;
  pthread_cond_broadcast(&cs->wake);
  pthread_mutex_unlock(&cs->lock);
  pthread_join(cs->watchdog, NULL);
  for (conn_state *c = cs->head, *next; c; c = next) { /* none after the daemon stopped */
    next = c->next;
    if (c->fd >= 0) close(c->fd);
    free(c);
  }
  pthread_mutex_destroy(&cs->lock);
  pthread_cond_destroy(&cs->wake);
  free(cs);
}

void conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code) {
  conns *cs = cls;
  conn_state *st = *socket_context;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    st = xcalloc(1, sizeof *st);
    st->owner = cs;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    st->fd = info ? fcntl(info->connect_fd, F_DUPFD_CLOEXEC, 0) : -1;
    st->waiting_since = now_seconds();
    *socket_context = st;
    pthread_mutex_lock(&cs->lock);
    st->next = cs->head;
    if (cs->head) cs->head->prev = st;
    cs->head = st;
    pthread_mutex_unlock(&cs->lock);
    return;
  }
  if (!st) return;
  pthread_mutex_lock(&cs->lock);
  if (st->prev) st->prev->next = st->next;
  if (st->next) st->next->prev = st->prev;
  if (cs->head == st) cs->head = st->next;
  if (st->fd >= 0) close(st->fd);
  pthread_mutex_unlock(&cs->lock);
  free(st);
  *socket_context = NULL;
}

static conn_state *state_of(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info ? info->socket_context : NULL;
}

size_t conns_unescape(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls;
  conn_state *st = state_of(c);
  if (st && st->n_decoded < 8) { /* only the connection's own thread reads these */
    st->decoded[st->n_decoded] = s;
    st->raw_len[st->n_decoded++] = strlen(s);
  }
  for (const char *p = s; *p; p++)
    if (p[0] == '%' && p[1] == '0' && p[2] == '0') {
      if (st) {
        pthread_mutex_lock(&st->owner->lock);
        st->nul = true;
        pthread_mutex_unlock(&st->owner->lock);
      }
      break;
    }
  return MHD_http_unescape(s);
}

/* Whether the request line held a raw NUL byte in its path: MHD splits the
 * line in place, so the path's text, undecoded, ended either at the space
 * before the version or at the '?' before the first argument; ending
 * anywhere else, it was cut short by a NUL ("/api/uploads/a\0b" read as
 * "/api/uploads/a"). */
static bool raw_nul(const conn_state *st, const char *url, const char *version) {
  const char *end = NULL;
  for (int i = 0; i < st->n_decoded && !end; i++)
    if (st->decoded[i] == url) end = url + st->raw_len[i];
  if (!end || !version || end + 1 == version) return false;
  for (int i = 0; i < st->n_decoded; i++)
    if (st->decoded[i] == end + 1) return false; /* the first argument's name */
  return !(end + 2 == version);                  /* "PATH? HTTP/1.1": no argument after the '?' */
}

/* Sets a connection's request flag under the list's lock (the watchdog
 * reads it); returns and clears its NUL mark. */
static bool set_in_request(struct MHD_Connection *c, bool in_request, const char *url,
                           const char *version) {
  conn_state *st = state_of(c);
  if (!st) return false;
  bool raw = in_request && raw_nul(st, url, version);
  st->n_decoded = 0;
  pthread_mutex_lock(&st->owner->lock);
  bool nul = st->nul || raw;
  st->nul = false;
  st->in_request = in_request;
  if (!in_request) st->waiting_since = now_seconds();
  pthread_mutex_unlock(&st->owner->lock);
  return nul;
}

bool conns_request_began(struct MHD_Connection *c, const char *url, const char *version) {
  return set_in_request(c, true, url, version);
}

void conns_request_ended(struct MHD_Connection *c) { (void)set_in_request(c, false, NULL, NULL); }
