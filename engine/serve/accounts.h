/*
 * serve/accounts.h — office mode's named accounts: kept in the workspace's
 * SQLite store (accounts.sqlite, mode 0600: name, agency, yescrypt hash from
 * libcrypt, disabled, role), read afresh on every request so that `relief
 * serve users ...` applies at once; sessions in memory; failed sign-ins slowed.
 */
#ifndef RELIEF_SERVE_ACCOUNTS_H
#define RELIEF_SERVE_ACCOUNTS_H

#include <pthread.h>
#include <stdbool.h>

#include "common/error.h"

#define ACCOUNTS_STORE "accounts.sqlite"
#define ACCOUNTS_OLD_FILE "users" /* before the store: migrated on first open */

/* An account's role (the store's role column): an agency's reviewer, or
 * the public defender, who searches every agency's people, read-only. */
#define ACCOUNT_ROLE_AGENCY "agency"
#define ACCOUNT_ROLE_DEFENDER "public-defender"
#define ACCOUNT_DEFENDER_AGENCY "Public Defender" /* its agency when none is given */

typedef struct {
  char name[65];
  char agency[257];
  char hash[384];
  bool disabled;
  bool defender; /* role public-defender */
} account;

typedef struct {
  char id[65];
  char name[65];
  char hash[384]; /* the password's at sign-in: a new password ends the session */
  double expires; /* CLOCK_MONOTONIC seconds */
} session;

/* Failed sign-ins of one account name ("a:NAME") or address ("i:ADDR"). */
typedef struct {
  char key[330];
  int failures;
  double until; /* no sign-in before (CLOCK_MONOTONIC seconds) */
  double last;  /* the latest failure */
} sign_in_failures;

struct sqlite3;

typedef struct {
  struct sqlite3 *db;
  double session_seconds;
  session *sessions;
  int n_sessions, cap_sessions;
  sign_in_failures *fails;
  int n_fails, cap_fails;
  pthread_mutex_t lock;
  char dummy[384]; /* checked for unknown names */
} account_book;

/* ---- the store (accounts_store.c) ---- */

/* Opens (making it, mode 0600) workspace/accounts.sqlite; an old
 * workspace/users file is moved into it, then removed, and a store made
 * before roles gets its role column (every account an agency's). */
relief_status accounts_store_open(const char *workspace, struct sqlite3 **db, relief_error *err);

/* The account called name (false when there is none). */
bool accounts_store_get(struct sqlite3 *db, const char *name, account *out);

/* Adds an account, or replaces the agency, role and password of an
 * existing one (and enables it), hashing password with yescrypt; defender
 * makes it the public defender's. RELIEF_E_USAGE for a bad name, agency or
 * password. */
relief_status accounts_add(const char *workspace, const char *name, const char *agency,
                           bool defender, const char *password, relief_error *err);

/* A new password for an existing account (RELIEF_E_USAGE when none). */
relief_status accounts_passwd(const char *workspace, const char *name, const char *password,
                              relief_error *err);

/* Disables (its sessions end, it cannot sign in) or removes an account;
 * RELIEF_E_USAGE when there is none. */
relief_status accounts_disable(const char *workspace, const char *name, relief_error *err);
relief_status accounts_remove(const char *workspace, const char *name, relief_error *err);

/* Every account, by name (hash left empty); free *list. */
relief_status accounts_list(const char *workspace, account **list, int *n, relief_error *err);

/* Whether a routing file (workspace/routing-*.json) or a review store
 * (workspace/runs/<id>/review.sqlite) names agency, so a misspelt
 * --agency is caught; known gets the agencies they name, "; "-joined. */
bool accounts_agency_named(const char *workspace, const char *agency, char *known, size_t cap);

/* ---- the running server (accounts.c) ---- */

/* Opens the store of workspace (NULL: none, no account signs in) for a
 * server whose sessions last session_seconds. */
relief_status accounts_load(const char *workspace, double session_seconds, account_book *book,
                            relief_error *err);
void accounts_free(account_book *book);

/* The accounts in the store that may sign in. */
int accounts_enabled(account_book *book);

typedef enum { LOGIN_OK, LOGIN_REFUSED, LOGIN_WAIT } login_result;

/* Checks name and password from address addr; on success makes a session
 * (id into sid, 65 bytes) and copies the account into *who. Slow on purpose
 * (yescrypt), either way. LOGIN_WAIT, *wait the seconds left, while the
 * name's or the address's failures hold sign-ins back (a delay that
 * doubles with each failure past a few). */
login_result accounts_login(account_book *book, const char *name, const char *password,
                            const char *addr, char *sid, account *who, int *wait);

/* The account of a live session id, as the store has it now, into *who;
 * false (and the session ended) when it expired, or its account was
 * removed or disabled or given a new password. Expired sessions are purged. */
bool accounts_session(account_book *book, const char *sid, account *who);

void accounts_logout(account_book *book, const char *sid);

#endif
