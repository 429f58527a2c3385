/*
 * serve/accounts.h — office mode's named accounts: a users file in the
 * workspace (name, agency, yescrypt hash from libcrypt; mode 0600), login
 * checks, and sessions held in memory under random 256-bit ids.
 */
#ifndef RELIEF_SERVE_ACCOUNTS_H
#define RELIEF_SERVE_ACCOUNTS_H

#include <pthread.h>
#include <stdbool.h>

#include "common/error.h"

#define ACCOUNTS_FILE "users"

typedef struct {
  char name[65];
  char agency[257];
  char hash[384];
} account;

typedef struct {
  char id[65];
  int account;    /* index into accounts */
  double expires; /* CLOCK_MONOTONIC seconds */
} session;

typedef struct {
  account *accounts;
  int n_accounts;
  session *sessions;
  int n_sessions, cap_sessions;
  pthread_mutex_t lock;
  char dummy[384]; /* checked for unknown names */
} account_book;

/* Adds (or replaces the password and agency of) an account in
 * workspace/users, hashing password with yescrypt. RELIEF_E_USAGE for a bad
 * name or agency. */
relief_status accounts_add(const char *workspace, const char *name, const char *agency,
                           const char *password, relief_error *err);

/* Whether a routing file (workspace/routing-*.json) or a review store
 * (workspace/runs/<id>/review.sqlite) names agency, so a misspelt
 * --agency is caught; known gets the agencies they name, "; "-joined. */
bool accounts_agency_named(const char *workspace, const char *agency, char *known, size_t cap);

/* Loads workspace/users (absent: no accounts). */
relief_status accounts_load(const char *workspace, account_book *book, relief_error *err);
void accounts_free(account_book *book);

/* Checks name and password; on success makes a session (id into sid, 65
 * bytes) and returns true. Slow on purpose (yescrypt), either way. */
bool accounts_login(account_book *book, const char *name, const char *password, char *sid);

/* The account of a live session id, or NULL. */
const account *accounts_session(account_book *book, const char *sid);

void accounts_logout(account_book *book, const char *sid);

#endif
