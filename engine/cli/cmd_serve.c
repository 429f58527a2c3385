/*
 * cmd_serve.c — `relief serve`: starts the web UI and JSON API server
 * (engine/serve), prints its one address line with the token, and stops on
 * SIGTERM/SIGINT/SIGHUP: a running job gets a few seconds to finish, else
 * its publication is aborted so nothing half-made stays behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/counties.h"
#include "common/alloc.h"
#include "io/publish.h"
#include "serve/accounts.h"
#include "serve/serve.h"

/* --data may be given many times; cli_parse takes each option once, so the
 * --data values are taken out of argv first. Returns the remaining argc. */
static int take_data_dirs(int argc, char **argv, const char ***dirs, int *n) {
  *dirs = xcalloc((size_t)argc + 1, sizeof **dirs);
  *n = 0;
  int kept = 1;
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "--data=", 7)) {
      (*dirs)[(*n)++] = argv[i] + 7;
    } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
      (*dirs)[(*n)++] = argv[++i];
    } else {
      argv[kept++] = argv[i];
    }
  }
  return kept;
}

static int usage_fail(const cli_env *env, relief_status status, const char *message) {
  relief_error err = {0};
  error_set(&err, status, NULL, 0, -1, "%s", message);
  return cli_fail(env, NULL, NULL, NULL, &err);
}

/* The password: the first line of stdin (never an argument: argv is
 * visible to all). false when there is none. */
static bool read_password(char *password, size_t cap) {
  if (!fgets(password, (int)cap, stdin)) return false;
  password[strcspn(password, "\r\n")] = '\0';
  return true;
}

/* A misspelt agency would see 0 items: refused when the workspace names
 * others, unless --new-agency. 0 or the exit code. */
static int check_agency(const cli_env *env, const char *ws, const char *agency, bool new_agency) {
  char known[1024];
  if (new_agency || accounts_agency_named(ws, agency, known, sizeof known)) return 0;
  fprintf(stderr, "%s: warning: no routing or review store in %s names agency \"%s\" (%s%s)\n",
          env->program, ws, agency, known[0] ? "they name: " : "none names any agency yet", known);
  if (known[0]) /* a fresh workspace has nothing to check against */
    return usage_fail(env, RELIEF_E_USAGE,
                      "check the agency's spelling, or pass --new-agency to add it anyway");
  return 0;
}

/* add and passwd: the password from stdin, stored hashed. */
static int set_password(const cli_env *env, const char *ws, const char *verb, const char *name,
                        const char *agency, bool defender) {
  char password[1024];
  if (!read_password(password, sizeof password))
    return usage_fail(env, RELIEF_E_USAGE, "no password on stdin");
  umask(077);
  if (mkdir(ws, 0700) != 0 && errno != EEXIST) {
    explicit_bzero(password, sizeof password);
    relief_error err = {0};
    error_set(&err, RELIEF_E_IO, ws, 0, -1, "cannot create the workspace: %s", strerror(errno));
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  relief_error err = {0};
  relief_status st = !strcmp(verb, "add") ? accounts_add(ws, name, agency, defender, password, &err)
                                          : accounts_passwd(ws, name, password, &err);
  explicit_bzero(password, sizeof password);
  if (st) return cli_fail(env, NULL, NULL, NULL, &err);
  fprintf(stderr, "%s: account saved\n", env->program);
  return 0;
}

static int list_accounts(const cli_env *env, const char *ws) {
  account *list;
  int n;
  relief_error err = {0};
  if (accounts_list(ws, &list, &n, &err)) return cli_fail(env, NULL, NULL, NULL, &err);
  for (int i = 0; i < n; i++)
    printf("%s\t%s\t%s%s\n", list[i].name, list[i].agency,
           list[i].disabled ? "disabled" : "enabled",
           list[i].defender ? "\t" ACCOUNT_ROLE_DEFENDER : "");
  free(list);
  if (fflush(stdout) != 0 || ferror(stdout))
    return usage_fail(env, RELIEF_E_IO, "cannot write the list to standard output");
  return 0;
}

#define USERS_USAGE                                                                                \
  "serve users add NAME --agency=AGENCY [--new-agency] | add NAME --role=public-defender "         \
  "[--agency=OFFICE] | passwd NAME | disable NAME | remove NAME | list  [--workspace=DIR] "        \
  "(passwords on stdin)"

/* `relief serve users add|passwd|disable|remove|list`: the accounts in
 * WORKSPACE/accounts.sqlite; a running server applies a change at its
 * next request. */
static int cmd_users(int argc, char **argv, const cli_env *env) {
  const char *agency = NULL, *workspace = NULL, *role = NULL;
  bool new_agency = false;
  const cli_option opts[] = {
      {"agency", 0, &agency, NULL, "the agency whose review items the account sees"},
      {"role", 0, &role, NULL,
       "agency (the default), or public-defender: searches every agency's people, read-only"},
      {"workspace", 0, &workspace, NULL, "the server's workspace (default relief-workspace)"},
      {"new-agency", 0, NULL, &new_agency,
       "the agency is new: no routing or review store of the workspace names it yet"},
  };
  static const char *const verbs[] = {"add", "passwd", "disable", "remove", "list"};
  int verb = -1;
  for (int i = 0; argc > 1 && i < 5; i++)
    if (!strcmp(argv[1], verbs[i])) verb = i;
  bool list = verb == 4;
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf("usage: %s " USERS_USAGE "\n", env->program);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 3;
  }
  if (verb < 0 || (!list && (argc < 3 || argv[2][0] == '-'))) {
    fprintf(stderr, "usage: %s " USERS_USAGE "\n", env->program);
    return 1;
  }
  int skip = list ? 1 : 2; /* the verb, and the name */
  int parsed = cli_parse(argc - skip, argv + skip, opts, 4, USERS_USAGE, env);
  if (parsed) return parsed > 0 ? 0 : 1;
  const char *ws = workspace ? workspace : "relief-workspace", *name = argv[2];
  if (verb != 0 && (agency || new_agency || role))
    return usage_fail(env, RELIEF_E_USAGE, "--agency, --new-agency and --role are for users add");
  if (list) return list_accounts(env, ws);
  if (role && strcmp(role, ACCOUNT_ROLE_AGENCY) && strcmp(role, ACCOUNT_ROLE_DEFENDER))
    return usage_fail(env, RELIEF_E_USAGE, "--role must be agency or public-defender");
  /* the public defender reviews no agency's items: its agency only names its office */
  bool defender = role && !strcmp(role, ACCOUNT_ROLE_DEFENDER);
  if (defender && !agency) agency = ACCOUNT_DEFENDER_AGENCY;
  if (verb == 0 && !agency)
    return usage_fail(env, RELIEF_E_USAGE, "missing required option: --agency");
  int code = verb == 0 && !defender ? check_agency(env, ws, agency, new_agency) : 0;
  if (code) return code;
  if (verb <= 1) return set_password(env, ws, verbs[verb], name, agency, defender);
  relief_error err = {0};
  if (access(ws, F_OK) != 0)
    return usage_fail(env, RELIEF_E_USAGE, "no such workspace: no account to change");
  relief_status st = verb == 2 ? accounts_disable(ws, name, &err) : accounts_remove(ws, name, &err);
  if (st) return cli_fail(env, NULL, NULL, NULL, &err);
  fprintf(stderr, "%s: account %s\n", env->program, verb == 2 ? "disabled" : "removed");
  return 0;
}

/* --session-minutes: a positive number (fractions too), at most a week. */
static bool session_seconds(const char *text, double *out) {
  *out = 0;
  if (!text) return true;
  char *end;
  double m = strtod(text, &end);
  if (end == text || *end || !(m > 0) || m > 7 * 24 * 60) return false;
  *out = m * 60;
  return true;
}

int cmd_serve(int argc, char **argv, const cli_env *env) {
  if (argc > 1 && !strcmp(argv[1], "users")) return cmd_users(argc - 1, argv + 1, env);
  const char *listen = NULL, *workspace = NULL, *cert = NULL, *key = NULL, *threads = NULL,
             *session = NULL;
  bool office = false;
  const char **data_dirs;
  int n_data;
  argc = take_data_dirs(argc, argv, &data_dirs, &n_data);
  const cli_option opts[] = {
      {"listen", 0, &listen, NULL, "ADDR:PORT to listen on (default 127.0.0.1:8064; port 0: any)"},
      {"data", 0, NULL, NULL, "a folder whose files may be inputs (repeatable)"},
      {"workspace", 0, &workspace, NULL, "folder for the runs' bundles (default relief-workspace)"},
      {"tls-cert", 0, &cert, NULL, "PEM certificate: serve HTTPS (needed off loopback)"},
      {"tls-key", 0, &key, NULL, "PEM private key for --tls-cert"},
      {"threads", 0, &threads, NULL, "worker threads per run (default: all cores)"},
      {"office", 0, NULL, &office,
       "office mode: named accounts sign in (relief serve users add); needs TLS"},
      {"session-minutes", 0, &session, NULL, "office mode: how long a sign-in lasts (default 480)"},
  };
  int parsed = cli_parse(argc, argv, opts, (int)(sizeof opts / sizeof *opts),
                         "serve [--listen=ADDR:PORT] [--data=DIR]... [--workspace=DIR] "
                         "[--tls-cert=F --tls-key=F]",
                         env);
  if (parsed) {
    free(data_dirs);
    return parsed > 0 ? 0 : 1;
  }
  relief_error err = {0};
  double seconds;
  if (!session_seconds(session, &seconds)) {
    free(data_dirs);
    return usage_fail(env, RELIEF_E_USAGE,
                      "--session-minutes must be a number of minutes above 0, at most a week");
  }
  int32_t today;
  serve_config cfg = {.listen = listen ? listen : "127.0.0.1:8064",
                      .data_dirs = data_dirs,
                      .n_data_dirs = n_data,
                      .workspace = workspace ? workspace : "relief-workspace",
                      .tls_cert = cert,
                      .tls_key = key,
                      .counties = cli_county_names,
                      .n_counties = CLI_N_COUNTIES,
                      .office = office,
                      .session_seconds = seconds,
                      .log = stderr};
  if (cli_parse_common(env, NULL, threads, &today, &cfg.threads, &err)) {
    free(data_dirs);
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  umask(077); /* every workspace file 0600, folder 0700 */
  /* the stop signals are taken by sigwait below, in this thread only */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  serve_server *server;
  if (serve_start(&cfg, &server, &err) != RELIEF_OK) {
    free(data_dirs);
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  printf("relief serve: %s\n", serve_url(server));
  fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  fprintf(stderr, "relief serve: stopping (signal %d)\n", sig);
  bool clean = serve_stop(server, 2.5);
  free(data_dirs);
  if (!clean) { /* a run is still going: roll its publication back */
    publication_abort_all();
    _exit(128 + sig);
  }
  return 0;
}
