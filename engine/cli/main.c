/*
 * main.c — the relief program: one table of subcommands, each in its own
 * file as cmd_<name>. Invoked through a link named `gogen` it behaves as the
 * reference tool of the same name (same flags; gogen.json, gogen.err).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "io/publish.h"

static int cmd_version(int argc, char **argv, const cli_env *env) {
  (void)argc, (void)argv, (void)env;
  printf("%s\n", relief_version());
  return 0;
}

static const struct {
  const char *name;
  cli_command_fn fn;
  const char *summary;
} commands[] = {
    {"run", cmd_run, "decide one county's convictions from DOJ extracts and write the bundle"},
    {"statewide", cmd_statewide,
     "decide all counties at once: every person once across county files"},
    {"explain", cmd_explain, "show why each conviction of one person was decided as it was"},
    {"review", cmd_review, "review proposed relief by agency: init, export, import, status"},
    {"filings", cmd_filings,
     "write court motions from a bundle: only approved items when reviewed"},
    {"court", cmd_court, "after filing: court orders in, status by agency and court, DOJ told"},
    {"status", cmd_status, "one person's cases: decision, challenge, motion, order, DOJ"},
    {"serve", cmd_serve, "the web UI and JSON API: runs, what-if summaries, bundle downloads"},
    {"version", cmd_version, "print the version"},
};

static void usage(FILE *out, const cli_env *env) {
  fprintf(out,
          "usage: %s <command> [options]\n\n"
          "Bulk Prop 64 conviction relief from CA DOJ research extracts.\n\ncommands:\n",
          env->program);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n`%s <command> --help` describes a command's options.\n", env->program);
}

/* A command's results are only as good as their last write: output that
 * did not reach standard output (a full disk, /dev/full, a closed pipe's
 * EIO) turns a success into exit 3. Standard error is best effort. */
static int checked_stdout(int rc, const cli_env *env) {
  errno = 0;
  bool failed = fflush(stdout) != 0;
  int saved = errno;
  failed = ferror(stdout) || failed;
  if (!failed) return rc;
  if (saved)
    fprintf(stderr, "%s: cannot write to standard output: %s\n", env->program, strerror(saved));
  else
    fprintf(stderr, "%s: cannot write to standard output\n", env->program);
  return rc ? rc : RELIEF_E_IO;
}

/* A run into an output folder first removes what killed runs left there,
 * before any check of its options, so that a failing run cleans up too:
 * every folder --outputs names (-o for filings), however the rest reads. */
static void clean_output_folders(const char *cmd, int argc, char **argv) {
  if (strcmp(cmd, "run") && strcmp(cmd, "statewide") && strcmp(cmd, "filings")) return;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strncmp(a, "--outputs=", 10))
      publication_clean_stale(a + 10);
    else if ((!strcmp(a, "--outputs") || (!strcmp(cmd, "filings") && !strcmp(a, "-o"))) &&
             i + 1 < argc)
      publication_clean_stale(argv[++i]);
  }
}

int main(int argc, char **argv) {
  cli_install_handlers();
  const char *base = strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  cli_env env = {"relief", false};
  if (strcmp(base, "gogen") == 0) env = (cli_env){"gogen", true};
  if (argc < 2) {
    usage(stderr, &env);
    return 1;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout, &env);
    return checked_stdout(0, &env);
  }
  if (!strcmp(cmd, "--version")) cmd = "version";
  clean_output_folders(cmd, argc, argv);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(cmd, commands[i].name))
      return checked_stdout(commands[i].fn(argc - 1, argv + 1, &env), &env);
  fprintf(stderr, "%s: unknown command '%s'\n", env.program, cmd);
  usage(stderr, &env);
  return 1;
}
