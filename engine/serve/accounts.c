/*
 * serve/accounts.c — office mode's accounts and sessions: the users file (one
 * account a line: name TAB agency TAB yescrypt hash), written through the
 * publication layer at mode 0600; crypt_r to check passwords; sessions with
 * ids from getrandom that expire after 8 hours.
 */
#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "io/publish.h"
#include "io/read_small.h"
#include "review/review.h"
#include "serve/accounts.h"

enum { SESSION_SECONDS = 8 * 3600, MAX_SESSIONS = 4096 };
/* an account's line is under 720 bytes: room for thousands of accounts */
#define ACCOUNTS_MAX_BYTES (4u << 20)

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool name_ok(const char *s) {
  size_t n = strlen(s);
  if (!n || n > 64) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '.' || *s == '_' || *s == '-'))
      return false;
  return true;
}

static bool agency_ok(const char *s) {
  size_t n = strlen(s);
  if (!n || n > 256) return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20) return false;
  return true;
}

/* The users file's lines, NAME TAB AGENCY TAB HASH each, into book. */
static relief_status parse_users(char *text, size_t len, const char *path, account_book *book,
                                 relief_error *err) {
  long long n = 0;
  for (char *line = text, *end = text + len; line < end;) {
    char *nl = memchr(line, '\n', (size_t)(end - line));
    char *next = nl ? nl + 1 : end;
    *(nl ? nl : end) = '\0';
    n++;
    if (line[0]) {
      char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
      if (!tab2)
        return relief_error_set(err, RELIEF_E_USAGE, path, n, -1, "not NAME<TAB>AGENCY<TAB>HASH");
      *tab1 = *tab2 = '\0';
      book->accounts =
          xreallocarray(book->accounts, (size_t)book->n_accounts + 1, sizeof *book->accounts);
      account *a = &book->accounts[book->n_accounts++];
      snprintf(a->name, sizeof a->name, "%.64s", line);
      snprintf(a->agency, sizeof a->agency, "%.256s", tab1 + 1);
      snprintf(a->hash, sizeof a->hash, "%.383s", tab2 + 1);
    }
    line = next;
  }
  return RELIEF_OK;
}

relief_status accounts_load(const char *workspace, account_book *book, relief_error *err) {
  memset(book, 0, sizeof *book);
  pthread_mutex_init(&book->lock, NULL);
  /* a hash to check unknown names against, so they take as long as known ones */
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  struct crypt_data *cd = xcalloc(1, sizeof *cd);
  const char *dummy = crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt)
                          ? crypt_r("relief-no-such-account", salt, cd)
                          : NULL;
  snprintf(book->dummy, sizeof book->dummy, "%s", dummy ? dummy : "*");
  free(cd);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", workspace, ACCOUNTS_FILE);
  struct stat sb;
  if (stat(path, &sb) != 0 && errno == ENOENT) return RELIEF_OK;
  char *text;
  size_t len;
  relief_status st =
      relief_read_small_file(path, ACCOUNTS_MAX_BYTES, "users", RELIEF_E_IO, &text, &len, err);
  if (st) return st;
  st = parse_users(text, len, path, book, err);
  free(text);
  return st;
}

void accounts_free(account_book *book) {
  free(book->accounts);
  free(book->sessions);
  pthread_mutex_destroy(&book->lock);
  memset(book, 0, sizeof *book);
}

relief_status accounts_add(const char *workspace, const char *name, const char *agency,
                           const char *password, relief_error *err) {
  if (!name_ok(name))
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "an account name is 1-64 letters, digits, '.', '_' or '-'");
  if (!agency_ok(agency))
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "--agency must be 1-256 characters without control characters");
  if (strlen(password) < 8)
    return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                            "a password has 8 characters or more");
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot make a yescrypt salt");
  struct crypt_data *cd = xcalloc(1, sizeof *cd);
  const char *hash = crypt_r(password, salt, cd);
  if (!hash || hash[0] == '*') {
    free(cd);
    return relief_error_set(err, RELIEF_E_IO, NULL, 0, -1, "yescrypt is not available");
  }
  account_book book;
  relief_status st = accounts_load(workspace, &book, err);
  if (st) {
    free(cd);
    return st;
  }
  relief_buf out = {0};
  bool replaced = false;
  for (int i = 0; i < book.n_accounts; i++) {
    const account *a = &book.accounts[i];
    bool same = !strcmp(a->name, name);
    replaced |= same;
    const char *parts[] = {a->name, "\t", same ? agency : a->agency, "\t", same ? hash : a->hash,
                           "\n"};
    for (int k = 0; k < 6; k++) relief_buf_append(&out, parts[k], strlen(parts[k]));
  }
  if (!replaced) {
    const char *parts[] = {name, "\t", agency, "\t", hash, "\n"};
    for (int k = 0; k < 6; k++) relief_buf_append(&out, parts[k], strlen(parts[k]));
  }
  accounts_free(&book);
  if (cd)
    explicit_bzero(cd, sizeof *cd); /* (xcalloc never returns NULL; gcc -fsanitize cannot tell) */
  free(cd);
  st = publish_single_file(workspace, ACCOUNTS_FILE, out.data, out.len, err);
  relief_buf_free(&out);
  return st;
}

bool accounts_login(account_book *book, const char *name, const char *password, char *sid) {
  const account *found = NULL;
  int index = -1;
  for (int i = 0; i < book->n_accounts; i++)
    if (!strcmp(book->accounts[i].name, name)) found = &book->accounts[i], index = i;
  struct crypt_data *cd = xcalloc(1, sizeof *cd);
  /* an unknown name costs a hash too, so timing does not tell names apart */
  const char *setting = found ? found->hash : book->dummy;
  const char *hash = crypt_r(password, setting, cd);
  bool ok = found && hash && hash[0] != '*' && strlen(hash) == strlen(found->hash) &&
            !memcmp(hash, found->hash, strlen(hash));
  if (cd)
    explicit_bzero(cd, sizeof *cd); /* (xcalloc never returns NULL; gcc -fsanitize cannot tell) */
  free(cd);
  if (!ok) return false;
  unsigned char raw[32];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) return false;
  for (size_t i = 0; i < sizeof raw; i++) snprintf(sid + 2 * i, 3, "%02x", raw[i]);
  pthread_mutex_lock(&book->lock);
  double now = now_seconds();
  int kept = 0; /* drop expired sessions */
  for (int i = 0; i < book->n_sessions; i++)
    if (book->sessions[i].expires > now) book->sessions[kept++] = book->sessions[i];
  book->n_sessions = kept;
  if (book->n_sessions == MAX_SESSIONS) { /* the oldest goes */
    memmove(book->sessions, book->sessions + 1, (size_t)(kept - 1) * sizeof *book->sessions);
    book->n_sessions--;
  }
  if (book->n_sessions == book->cap_sessions)
    book->sessions =
        xreallocarray(book->sessions, (size_t)(book->cap_sessions = book->cap_sessions * 2 + 16),
                      sizeof *book->sessions);
  session *s = &book->sessions[book->n_sessions++];
  snprintf(s->id, sizeof s->id, "%s", sid);
  s->account = index;
  s->expires = now + SESSION_SECONDS;
  pthread_mutex_unlock(&book->lock);
  return true;
}

const account *accounts_session(account_book *book, const char *sid) {
  if (!sid || strlen(sid) != 64) return NULL;
  const account *a = NULL;
  pthread_mutex_lock(&book->lock);
  double now = now_seconds();
  for (int i = 0; i < book->n_sessions && !a; i++) {
    unsigned char diff = 0;
    for (int k = 0; k < 64; k++) diff |= (unsigned char)(book->sessions[i].id[k] ^ sid[k]);
    if (!diff && book->sessions[i].expires > now) a = &book->accounts[book->sessions[i].account];
  }
  pthread_mutex_unlock(&book->lock);
  return a;
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
