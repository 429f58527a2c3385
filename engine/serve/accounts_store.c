/*
 * serve/accounts_store.c — office mode's accounts in workspace/accounts.sqlite
 * (mode 0600): one row per account (name, agency, yescrypt hash, disabled,
 * role). `relief serve users` writes it; a running server reads it on every
 * request. The users file of earlier versions is moved into it on first
 * open, and a store of before roles gains the role column.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "io/read_small.h"
#include "serve/accounts.h"

/* the role column (a store made before roles gains it: every account an agency's) */
#define ROLE_COLUMN "role TEXT NOT NULL DEFAULT '" ACCOUNT_ROLE_AGENCY "'"

/* an old users file's line is under 720 bytes: room for thousands */
#define OLD_FILE_MAX_BYTES (4u << 20)

static const char schema[] = "CREATE TABLE IF NOT EXISTS accounts(name TEXT PRIMARY KEY, "
                             "agency TEXT NOT NULL, hash TEXT NOT NULL, "
                             "disabled INTEGER NOT NULL DEFAULT 0, " ROLE_COLUMN ")";

static relief_status db_fail(sqlite3 *db, const char *what, relief_error *err) {
  return error_set(err, RELIEF_E_IO, ACCOUNTS_STORE, 0, -1, "%s: %s", what,
                   db ? sqlite3_errmsg(db) : "out of memory");
}

/* Runs one statement with up to three text parameters; *changes gets the
 * rows it changed. */
static relief_status exec3(sqlite3 *db, const char *sql, const char *a, const char *b,
                           const char *c, int *changes, relief_error *err) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return db_fail(db, "cannot read the accounts", err);
  const char *v[] = {a, b, c};
  for (int i = 0; i < 3 && v[i]; i++) sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return db_fail(db, "cannot write the accounts", err);
  if (changes) *changes = sqlite3_changes(db);
  return RELIEF_OK;
}

/* The old users file's lines (NAME TAB AGENCY TAB HASH) into the store,
 * then the file removed: the store is the one place accounts live. */
static relief_status migrate(sqlite3 *db, const char *workspace, relief_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", workspace, ACCOUNTS_OLD_FILE);
  struct stat sb;
  if (lstat(path, &sb) != 0) return RELIEF_OK;
  char *text;
  size_t len;
  relief_status st =
      read_small_file(path, OLD_FILE_MAX_BYTES, "users", RELIEF_E_IO, &text, &len, err);
  if (st) return st;
  st = exec3(db, "BEGIN IMMEDIATE", NULL, NULL, NULL, NULL, err);
  long long n = 0;
  for (char *line = text, *end = text + len; !st && line < end;) {
    char *nl = memchr(line, '\n', (size_t)(end - line));
    char *next = nl ? nl + 1 : end;
    *(nl ? nl : end) = '\0';
    n++;
    char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (line[0] && !tab2)
      st = error_set(err, RELIEF_E_USAGE, path, n, -1, "not NAME<TAB>AGENCY<TAB>HASH");
    if (line[0] && tab2) {
      *tab1 = *tab2 = '\0';
      st = exec3(db, "INSERT OR IGNORE INTO accounts(name, agency, hash) VALUES(?, ?, ?)", line,
                 tab1 + 1, tab2 + 1, NULL, err);
    }
    line = next;
  }
  explicit_bzero(text, len);
  free(text);
  st = st ? st : exec3(db, "COMMIT", NULL, NULL, NULL, NULL, err);
  if (st) {
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return st;
  }
  if (unlink(path) != 0 && errno != ENOENT)
    return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot remove it: %s", strerror(errno));
  return RELIEF_OK;
}

static bool has_role_column(sqlite3 *db) {
  sqlite3_stmt *q = NULL;
  bool found = false;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('accounts') WHERE name = 'role'", -1,
                         &q, NULL) == SQLITE_OK)
    found = sqlite3_step(q) == SQLITE_ROW;
  sqlite3_finalize(q);
  return found;
}

/* A store made before roles gains the role column; another process adding
 * it at the same moment is no failure. */
static relief_status add_role_column(sqlite3 *db, relief_error *err) {
  if (has_role_column(db)) return RELIEF_OK;
  if (sqlite3_exec(db, "ALTER TABLE accounts ADD COLUMN " ROLE_COLUMN, NULL, NULL, NULL) ==
          SQLITE_OK ||
      has_role_column(db))
    return RELIEF_OK;
  return db_fail(db, "cannot add the role column to the accounts", err);
}

relief_status accounts_store_open(const char *workspace, sqlite3 **db, relief_error *err) {
  *db = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", workspace, ACCOUNTS_STORE);
  /* made 0600 before SQLite opens it (its journals take the same mode) */
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod(fd, 0600) != 0) {
    if (fd >= 0) close(fd);
    return error_set(err, RELIEF_E_IO, path, 0, -1, "cannot open the accounts: %s",
                     strerror(errno));
  }
  close(fd);
  relief_status st = RELIEF_OK;
  if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
    st = db_fail(*db, "cannot open the accounts", err);
  if (!st) sqlite3_busy_timeout(*db, 5000);
  if (!st && sqlite3_exec(*db, schema, NULL, NULL, NULL) != SQLITE_OK)
    st = db_fail(*db, "cannot make the accounts table", err);
  if (!st) st = add_role_column(*db, err);
  if (!st) st = migrate(*db, workspace, err);
  if (st) {
    sqlite3_close(*db);
    *db = NULL;
  }
  return st;
}

/* Whether column c of q's row is the public defender's role. */
static bool is_defender(sqlite3_stmt *q, int c) {
  const char *role = (const char *)sqlite3_column_text(q, c);
  return role && !strcmp(role, ACCOUNT_ROLE_DEFENDER);
}

bool accounts_store_get(sqlite3 *db, const char *name, account *out) {
  sqlite3_stmt *st = NULL;
  bool found = false;
  if (!db || sqlite3_prepare_v2(
                 db, "SELECT name, agency, hash, disabled, role FROM accounts WHERE name = ?", -1,
                 &st, NULL) != SQLITE_OK)
    return false;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW) {
    found = true;
    snprintf(out->name, sizeof out->name, "%.64s", (const char *)sqlite3_column_text(st, 0));
    snprintf(out->agency, sizeof out->agency, "%.256s", (const char *)sqlite3_column_text(st, 1));
    snprintf(out->hash, sizeof out->hash, "%.383s", (const char *)sqlite3_column_text(st, 2));
    out->disabled = sqlite3_column_int(st, 3) != 0;
    out->defender = is_defender(st, 4);
  }
  sqlite3_finalize(st);
  return found;
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

/* password's yescrypt hash into out (384 bytes). */
static relief_status hash_password(const char *password, char *out, relief_error *err) {
  if (strlen(password) < 8)
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "a password has 8 characters or more");
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "cannot make a yescrypt salt");
  struct crypt_data *cd = xcalloc(1, sizeof *cd);
  const char *hash = crypt_r(password, salt, cd);
  bool ok = hash && hash[0] != '*' && strlen(hash) < 384;
  if (ok) snprintf(out, 384, "%s", hash);
  if (cd)
    explicit_bzero(cd, sizeof *cd); /* (xcalloc never returns NULL; gcc -fsanitize cannot tell) */
  free(cd);
  return ok ? RELIEF_OK : error_set(err, RELIEF_E_IO, NULL, 0, -1, "yescrypt is not available");
}

static bool same_password(const char *password, const char *setting) {
  struct crypt_data *cd = xcalloc(1, sizeof *cd);
  const char *hash = crypt_r(password, setting, cd);
  bool same = hash && hash[0] != '*' && !strcmp(hash, setting);
  if (cd)
    explicit_bzero(cd, sizeof *cd); /* (xcalloc never returns NULL; gcc -fsanitize cannot tell) */
  free(cd);
  return same;
}

/* Runs sql on the workspace's store; RELIEF_E_USAGE naming the account
 * when it changed no row. */
static relief_status change(const char *workspace, const char *sql, const char *a, const char *b,
                            const char *c, const char *name, relief_error *err) {
  sqlite3 *db;
  relief_status st = accounts_store_open(workspace, &db, err);
  int changes = 0;
  if (!st) st = exec3(db, sql, a, b, c, &changes, err);
  if (!st && !changes)
    st = error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "no account is called '%s'", name);
  sqlite3_close(db);
  return st;
}

relief_status accounts_add(const char *workspace, const char *name, const char *agency,
                           bool defender, const char *password, relief_error *err) {
  if (!name_ok(name))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "an account name is 1-64 letters, digits, '.', '_' or '-'");
  if (!agency_ok(agency))
    return error_set(err, RELIEF_E_USAGE, NULL, 0, -1,
                     "--agency must be 1-256 characters without control characters");
  char hash[384];
  relief_status st = hash_password(password, hash, err);
  if (st) return st;
  /* the same password again keeps its hash, so the account's sessions
   * stay (with the new agency) */
  sqlite3 *db;
  account old;
  if ((st = accounts_store_open(workspace, &db, err))) return st;
  if (accounts_store_get(db, name, &old) && same_password(password, old.hash))
    snprintf(hash, sizeof hash, "%s", old.hash);
  sqlite3_close(db);
  explicit_bzero(&old, sizeof old);
  /* the role is one of two constants, never text from outside */
  char sql[400];
  snprintf(sql, sizeof sql,
           "INSERT INTO accounts(name, agency, hash, role) VALUES(?, ?, ?, '%s') ON CONFLICT(name)"
           " DO UPDATE SET agency = excluded.agency, hash = excluded.hash, disabled = 0,"
           " role = excluded.role",
           defender ? ACCOUNT_ROLE_DEFENDER : ACCOUNT_ROLE_AGENCY);
  return change(workspace, sql, name, agency, hash, name, err);
}

relief_status accounts_passwd(const char *workspace, const char *name, const char *password,
                              relief_error *err) {
  char hash[384];
  relief_status st = hash_password(password, hash, err);
  if (st) return st;
  return change(workspace, "UPDATE accounts SET hash = ? WHERE name = ?", hash, name, NULL, name,
                err);
}

relief_status accounts_disable(const char *workspace, const char *name, relief_error *err) {
  return change(workspace, "UPDATE accounts SET disabled = 1 WHERE name = ?", name, NULL, NULL,
                name, err);
}

relief_status accounts_remove(const char *workspace, const char *name, relief_error *err) {
  return change(workspace, "DELETE FROM accounts WHERE name = ?", name, NULL, NULL, name, err);
}

relief_status accounts_list(const char *workspace, account **list, int *n, relief_error *err) {
  *list = NULL;
  *n = 0;
  sqlite3 *db;
  relief_status st = accounts_store_open(workspace, &db, err);
  if (st) return st;
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db, "SELECT name, agency, disabled, role FROM accounts ORDER BY name", -1,
                         &q, NULL) != SQLITE_OK)
    st = db_fail(db, "cannot read the accounts", err);
  int rc = SQLITE_DONE;
  while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    *list = xreallocarray(*list, (size_t)*n + 1, sizeof **list);
    account *a = &(*list)[(*n)++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%.64s", (const char *)sqlite3_column_text(q, 0));
    snprintf(a->agency, sizeof a->agency, "%.256s", (const char *)sqlite3_column_text(q, 1));
    a->disabled = sqlite3_column_int(q, 2) != 0;
    a->defender = is_defender(q, 3);
  }
  if (!st && rc != SQLITE_DONE) st = db_fail(db, "cannot read the accounts", err);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return st;
}
