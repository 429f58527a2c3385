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

/* `relief serve users add NAME --agency=A [--workspace=DIR]`: the password
 * is the first line of stdin (never an argument: argv is visible to all). */
static int cmd_users(int argc, char **argv, const cli_env *env) {
  const char *agency = NULL, *workspace = NULL;
  bool new_agency = false;
  const cli_option opts[] = {
      {"agency", 0, &agency, NULL, "the agency whose review items the account sees"},
      {"workspace", 0, &workspace, NULL, "the server's workspace (default relief-workspace)"},
      {"new-agency", 0, NULL, &new_agency,
       "the agency is new: no routing or review store of the workspace names it yet"},
  };
  relief_error err = {0};
  if (argc < 3 || strcmp(argv[1], "add")) {
    fprintf(stderr,
            "usage: %s serve users add NAME --agency=AGENCY [--workspace=DIR] "
            "(password on stdin)\n",
            env->program);
    return 1;
  }
  const char *name = argv[2];
  int parsed =
      cli_parse(argc - 2, argv + 2, opts, 3,
                "serve users add NAME --agency=AGENCY [--workspace=DIR] [--new-agency]", env);
  if (parsed) return parsed > 0 ? 0 : 1;
  if (!agency) {
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, "missing required option: --agency");
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  const char *ws = workspace ? workspace : "relief-workspace";
  char known[1024];
  /* a misspelt agency would see 0 items */
  if (!new_agency && !accounts_agency_named(ws, agency, known, sizeof known)) {
    fprintf(stderr, "%s: warning: no routing or review store in %s names agency \"%s\" (%s%s)\n",
            env->program, ws, agency, known[0] ? "they name: " : "none names any agency yet",
            known);
    if (known[0] && !new_agency) { /* a fresh workspace has nothing to check against */
      relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1,
                       "check the agency's spelling, or pass --new-agency to add it anyway");
      return cli_fail(env, NULL, NULL, NULL, &err);
    }
  }
  char password[1024];
  if (!fgets(password, sizeof password, stdin)) {
    relief_error_set(&err, RELIEF_E_USAGE, NULL, 0, -1, "no password on stdin");
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  password[strcspn(password, "\r\n")] = '\0';
  umask(077);
  if (mkdir(ws, 0700) != 0 && errno != EEXIST) {
    relief_error_set(&err, RELIEF_E_IO, ws, 0, -1, "cannot create the workspace: %s",
                     strerror(errno));
    return cli_fail(env, NULL, NULL, NULL, &err);
  }
  relief_status st = accounts_add(ws, name, agency, password, &err);
  explicit_bzero(password, sizeof password);
  if (st) return cli_fail(env, NULL, NULL, NULL, &err);
  fprintf(stderr, "%s: account saved\n", env->program);
  return 0;
}

int cmd_serve(int argc, char **argv, const cli_env *env) {
  if (argc > 1 && !strcmp(argv[1], "users")) return cmd_users(argc - 1, argv + 1, env);
  const char *listen = NULL, *workspace = NULL, *cert = NULL, *key = NULL, *threads = NULL;
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
