/*
 * serve/accounts.c — office mode's sign-in on the running server: each
 * request reads its account afresh from the store (accounts_store.c), so a
 * disabled, removed or re-passworded account's sessions end and a new
 * agency applies at once; sessions (ids from getrandom) expire and are
 * purged; failed sign-ins hold the name and the address back, longer each.
 */
#include <crypt.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/alloc.h"
#include "review/review.h"
#include "serve/accounts.h"

enum {
  MAX_SESSIONS = 4096,
  MAX_FAILS = 4096,
  FREE_PER_NAME = 3,     /* failures before a name is held back */
  FREE_PER_ADDRESS = 10, /* an office's addresses may be shared */
  MAX_WAIT = 900,        /* seconds */
  FORGET_AFTER = 3600    /* seconds after a name's or address's last failure */
};

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

relief_status accounts_load(const char *workspace, double session_seconds, account_book *book,
                            relief_error *err) {
  memset(book, 0, sizeof *book);
  pthread_mutex_init(&book->lock, NULL);
  book->session_seconds = session_seconds;
  /* a hash to check unknown names against, so they take as long as known ones */
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  struct crypt_data *cd = xcalloc(1, sizeof *cd);
  const char *dummy = crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt)
                          ? crypt_r("relief-no-such-account", salt, cd)
                          : NULL;
  snprintf(book->dummy, sizeof book->dummy, "%s", dummy ? dummy : "*");
  free(cd);
  return workspace ? accounts_store_open(workspace, &book->db, err) : RELIEF_OK;
}

void accounts_free(account_book *book) {
  if (book->db) sqlite3_close(book->db);
  if (book->sessions) explicit_bzero(book->sessions, (size_t)book->cap_sessions * sizeof(session));
  free(book->sessions);
  free(book->fails);
  pthread_mutex_destroy(&book->lock);
  memset(book, 0, sizeof *book);
}

int accounts_enabled(account_book *book) {
  int n = 0;
  sqlite3_stmt *q = NULL;
  pthread_mutex_lock(&book->lock);
  if (book->db &&
      sqlite3_prepare_v2(book->db, "SELECT count(*) FROM accounts WHERE disabled = 0", -1, &q,
                         NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    n = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  pthread_mutex_unlock(&book->lock);
  return n;
}

/* ---- failed sign-ins (under book->lock) ---- */

static void fails_purge(account_book *book, double now) {
  int kept = 0;
  for (int i = 0; i < book->n_fails; i++)
    if (book->fails[i].until > now || book->fails[i].last + FORGET_AFTER > now)
      book->fails[kept++] = book->fails[i];
  book->n_fails = kept;
}

static sign_in_failures *fails_find(account_book *book, const char *key) {
  for (int i = 0; i < book->n_fails; i++)
    if (!strcmp(book->fails[i].key, key)) return &book->fails[i];
  return NULL;
}

/* Seconds before key may try again (0: now). */
static int fails_wait(account_book *book, const char *key, double now) {
  const sign_in_failures *f = fails_find(book, key);
  return f && f->until > now ? (int)(f->until - now) + 1 : 0;
}

/* One more failure of key: past the free ones, a wait of 1, 2, 4, ... s. */
static void fails_note(account_book *book, const char *key, int free_failures, double now) {
  sign_in_failures *f = fails_find(book, key);
  if (!f) {
    if (book->n_fails == MAX_FAILS) { /* the oldest goes */
      memmove(book->fails, book->fails + 1, (size_t)(MAX_FAILS - 1) * sizeof *book->fails);
      book->n_fails--;
    }
    if (book->n_fails == book->cap_fails)
      book->fails = xreallocarray(book->fails, (size_t)(book->cap_fails = book->cap_fails * 2 + 16),
                                  sizeof *book->fails);
    f = &book->fails[book->n_fails++];
    memset(f, 0, sizeof *f);
    snprintf(f->key, sizeof f->key, "%s", key);
  }
  f->failures++;
  f->last = now;
  int past = f->failures - free_failures;
  int delay = past > 10 ? MAX_WAIT : past > 0 ? 1 << (past - 1) : 0;
  if (delay) f->until = now + (delay > MAX_WAIT ? MAX_WAIT : delay);
}

static void fails_clear(account_book *book, const char *key) {
  sign_in_failures *f = fails_find(book, key);
  if (f) *f = book->fails[--book->n_fails];
}

/* ---- sessions (under book->lock) ---- */

static void sessions_purge(account_book *book, double now) {
  int kept = 0;
  for (int i = 0; i < book->n_sessions; i++)
    if (book->sessions[i].expires > now) book->sessions[kept++] = book->sessions[i];
  book->n_sessions = kept;
}

static void session_add(account_book *book, const char *sid, const account *a, double now) {
  sessions_purge(book, now);
  if (book->n_sessions == MAX_SESSIONS) { /* the oldest goes */
    memmove(book->sessions, book->sessions + 1,
            (size_t)(MAX_SESSIONS - 1) * sizeof *book->sessions);
    book->n_sessions--;
  }
  if (book->n_sessions == book->cap_sessions)
    book->sessions =
        xreallocarray(book->sessions, (size_t)(book->cap_sessions = book->cap_sessions * 2 + 16),
                      sizeof *book->sessions);
  session *s = &book->sessions[book->n_sessions++];
  snprintf(s->id, sizeof s->id, "%s", sid);
  snprintf(s->name, sizeof s->name, "%s", a->name);
  snprintf(s->hash, sizeof s->hash, "%s", a->hash);
  s->expires = now + book->session_seconds;
}

static bool hash_matches(const char *password, const char *setting) {
  struct crypt_data *cd = xcalloc(1, sizeof *cd);
  const char *hash = crypt_r(password, setting, cd);
  bool ok = hash && hash[0] != '*' && strlen(hash) == strlen(setting) &&
            !memcmp(hash, setting, strlen(hash));
  if (cd)
    explicit_bzero(cd, sizeof *cd); /* (xcalloc never returns NULL; gcc -fsanitize cannot tell) */
  free(cd);
  return ok;
}

login_result accounts_login(account_book *book, const char *name, const char *password,
                            const char *addr, char *sid, account *who, int *wait) {
  char name_key[330], addr_key[330];
  snprintf(name_key, sizeof name_key, "a:%.200s", name);
  snprintf(addr_key, sizeof addr_key, "i:%.200s", addr ? addr : "");
  pthread_mutex_lock(&book->lock);
  double now = now_seconds();
  fails_purge(book, now);
  int w1 = fails_wait(book, name_key, now), w2 = fails_wait(book, addr_key, now);
  *wait = w1 > w2 ? w1 : w2;
  bool found = !*wait && accounts_store_get(book->db, name, who);
  pthread_mutex_unlock(&book->lock);
  if (*wait) return LOGIN_WAIT;
  /* an unknown or disabled name costs a hash too, so timing tells nothing */
  bool ok = hash_matches(password, found ? who->hash : book->dummy) && found && !who->disabled;
  unsigned char raw[32];
  if (ok && getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) ok = false;
  for (size_t i = 0; ok && i < sizeof raw; i++) snprintf(sid + 2 * i, 3, "%02x", raw[i]);
  pthread_mutex_lock(&book->lock);
  now = now_seconds();
  if (ok) {
    fails_clear(book, name_key);
    session_add(book, sid, who, now);
  } else {
    fails_note(book, name_key, FREE_PER_NAME, now);
    fails_note(book, addr_key, FREE_PER_ADDRESS, now);
  }
  pthread_mutex_unlock(&book->lock);
  return ok ? LOGIN_OK : LOGIN_REFUSED;
}

bool accounts_session(account_book *book, const char *sid, account *who) {
  if (!sid || strlen(sid) != 64) return false;
  pthread_mutex_lock(&book->lock);
  sessions_purge(book, now_seconds());
  int at = -1;
  for (int i = 0; i < book->n_sessions && at < 0; i++) {
    unsigned char diff = 0;
    for (int k = 0; k < 64; k++) diff |= (unsigned char)(book->sessions[i].id[k] ^ sid[k]);
    if (!diff) at = i;
  }
  /* the account as the store has it now */
  bool live = at >= 0 && accounts_store_get(book->db, book->sessions[at].name, who) &&
              !who->disabled && !strcmp(who->hash, book->sessions[at].hash);
  if (at >= 0 && !live) book->sessions[at] = book->sessions[--book->n_sessions];
  pthread_mutex_unlock(&book->lock);
  return live;
}

void accounts_logout(account_book *book, const char *sid) {
  if (!sid) return;
  pthread_mutex_lock(&book->lock);
  for (int i = 0; i < book->n_sessions; i++)
    if (!strcmp(book->sessions[i].id, sid)) {
      book->sessions[i] = book->sessions[--book->n_sessions];
      break;
    }
  pthread_mutex_unlock(&book->lock);
}

/* ---- the agencies a workspace names (users add) ---- */

static bool note_agency(const char *name, const char *agency, char *known, size_t cap) {
  size_t n = strlen(known), k = strlen(name);
  bool listed = false;
  for (const char *p = known; (p = strstr(p, name)); p++)
    if ((p == known || p[-1] == ' ') && (p[k] == 0 || p[k] == ';')) listed = true;
  if (!listed && n + k + 3 < cap) snprintf(known + n, cap - n, "%s%s", n ? "; " : "", name);
  return !strcmp(name, agency);
}

bool accounts_agency_named(const char *workspace, const char *agency, char *known, size_t cap) {
  bool named = false;
  known[0] = 0;
  char path[4096];
  DIR *d = opendir(workspace);
  for (struct dirent *e; d && (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (strncmp(e->d_name, "routing-", 8) || n < 5 || strcmp(e->d_name + n - 5, ".json")) continue;
    snprintf(path, sizeof path, "%s/%s", workspace, e->d_name);
    review_routing rt;
    relief_error ignored = {0};
    if (review_routing_load(path, &rt, &ignored)) continue;
    named |= note_agency(rt.default_agency, agency, known, cap);
    for (int i = 0; i < rt.n_routes; i++)
      named |= note_agency(rt.routes[i].agency, agency, known, cap);
    review_routing_free(&rt);
  }
  if (d) closedir(d);
  snprintf(path, sizeof path, "%s/runs", workspace);
  d = opendir(path);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/runs/%s", workspace, e->d_name);
    review_status_report r;
    relief_error ignored = {0};
    if (!review_store_exists(path) || review_status(path, &r, &ignored)) continue;
    for (int i = 0; i < r.n_agencies; i++)
      named |= note_agency(r.by_agency[i].agency, agency, known, cap);
    review_status_free(&r);
  }
  if (d) closedir(d);
  return named;
}
