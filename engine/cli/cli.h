/*
 * cli.h — what the subcommands share: the command table's entry type,
 * option parsing (--name=value, --name value; args.c, common_opts.c),
 * loading through the public API (loaders.c), progress display and the
 * error report (stderr line + error file). Only engine/cli prints or exits.
 */
#ifndef RELIEF_CLI_H
#define RELIEF_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/paths.h"
#include "doj/doj.h"
#include "rules/rules.h"

/* How the program was invoked: as `relief`, or as the drop-in `gogen`. */
typedef struct {
  const char *program; /* "relief" or "gogen" */
  bool gogen;
} cli_env;

typedef int (*cli_command_fn)(int argc, char **argv, const cli_env *env);

/* A command's subcommands (`review init`, `court status`, ...). */
typedef struct {
  const char *name;
  cli_command_fn fn;
} cli_subcommand;

/* Runs argv[1]'s subcommand with (argc - 1, argv + 1). usage (one %s, the
 * program) goes to stdout on --help (exit 0), and to stderr when argv[1] is
 * missing or no subcommand of what's (exit 1). */
int cli_subcommand_run(int argc, char **argv, const cli_env *env, const char *what,
                       const char *usage, const cli_subcommand *subs, size_t n);

int cmd_run(int argc, char **argv, const cli_env *env);
int cmd_statewide(int argc, char **argv, const cli_env *env);

/* How `statewide` runs its job once the options are read: relief_statewide
 * in this process, or relief-mpi's run across ranks. reports is false in a
 * process whose outcome another one reports (relief-mpi's ranks > 0): it
 * then prints no summary and writes no error file after the run. */
typedef struct {
  relief_status (*run)(const relief_settings *settings, relief_statewide_result *res,
                       relief_error *err);
  bool reports;
} cli_statewide_runner;

/* `statewide` with the given runner (cmd_statewide passes relief_statewide;
 * relief-mpi its own). Returns the exit code. */
int cli_statewide_main(int argc, char **argv, const cli_env *env,
                       const cli_statewide_runner *runner);
int cmd_explain(int argc, char **argv, const cli_env *env);
int cmd_review(int argc, char **argv, const cli_env *env);
int cmd_serve(int argc, char **argv, const cli_env *env);
int cmd_filings(int argc, char **argv, const cli_env *env);
int cmd_court(int argc, char **argv, const cli_env *env);
/* Publishes where relief stands into outputs (its page, and the bundle's
 * report drawn again with it; cmd_court.c): 0, or the exit code. */
int cli_publish_standing(const cli_env *env, const char *outputs);
int cmd_status(int argc, char **argv, const cli_env *env);

/* Loads --filer into *filer when path is given (returns 1 with err set when
 * invalid); *loaded says whether it was. */
int cli_load_filer(const char *path, relief_filer *filer, bool *loaded, relief_error *err);

/* Reads eligibility options (relief_options_read) into *options when path
 * is given, else sets it NULL. Free with relief_options_free. */
int cli_load_options(const char *path, bool strict, relief_options **options, relief_error *err);

/* Loads a flow by name: "los-angeles" (built in) or a flow file's path,
 * with --individual-age and --years-conviction-free (each may be NULL)
 * replacing its parameters. Free with relief_flow_free. */
int cli_load_flow(const char *name, const char *age, const char *years_free, relief_flow **flow,
                  relief_error *err);

/* Parses --compute-at (default: today, UTC) and --threads (default 0 = all
 * cores); either may be NULL. Returns non-zero with err set when invalid. */
int cli_parse_common(const cli_env *env, const char *compute_at, const char *threads,
                     int32_t *compute_day, int *n_threads, relief_error *err);

/* One option a subcommand accepts. */
typedef struct {
  const char *name; /* long name without dashes */
  char short_name;  /* or 0 */
  const char **value;
  bool *flag; /* for options without a value */
  const char *help;
} cli_option;

/* Parses argv[1..] against opts. On error prints a message naming the option
 * and returns -1; --help/-h prints usage and returns 1; else 0. */
int cli_parse(int argc, char **argv, const cli_option *opts, int n_opts, const char *usage,
              const cli_env *env);

/* Progress on stderr: a bar on a terminal, one line per phase otherwise
 * (printed as the phase ends, with its own time). The bar's ETA is the
 * whole run's: the phase's rest at its own pace, then the phases still to
 * come, each as its share of the parse's time (cli_progress_eta). */
typedef struct {
  bool tty;
  bool bundle; /* row files are written: a "write" phase comes */
  double start, last_print, phase_start;
  double parse_seconds;            /* the parse's time once it has ended, else 0 */
  uint64_t phase_done, phase_rows; /* the counts when the phase began */
  char phase[32];
} cli_progress;

void cli_progress_init(cli_progress *p, bool bundle);
void cli_progress_update(void *user, const char *phase, uint64_t done, uint64_t total,
                         uint64_t rows);
void cli_progress_finish(cli_progress *p);
/* A new phase (or the same one) at time now, in seconds, without drawing:
 * for tests. */
void cli_progress_update_at(cli_progress *p, double now, const char *phase, uint64_t done);
/* Seconds the whole run has left at time now, the phase being done of
 * total; -1 while there is no pace to go by yet. */
double cli_progress_eta(const cli_progress *p, double now, uint64_t done, uint64_t total);

/* Reports err on stderr and, when dir is given, writes the error file there
 * (gogen.err in the drop-in, errors.json otherwise; JSON keyed by input
 * file). Returns the exit code. */
int cli_fail(const cli_env *env, const char *dir, const char *suffix, const char *input,
             const relief_error *err);

/* Parses an optional whole-number option in [lo, hi] into *out. */
int cli_parse_count(const char *text, const char *option, int lo, int hi, int *out,
                    relief_error *err);

/* Parses an optional size ("600M", "2G", "512K", bytes without a suffix)
 * into *out; at least 1M. */
int cli_parse_size(const char *text, const char *option, uint64_t *out, relief_error *err);

/* Makes descriptors 0-2 safe (open on /dev/null when closed), sets the
 * out-of-memory handler (jansson's allocations included: the program sets
 * it, once, never the library), the SIGBUS handler (a mapped input that shrank:
 * exit 3 with the error file, never a signal) and the SIGINT/SIGTERM/SIGHUP
 * cleanup. Called first. */
void cli_install_handlers(void);

/* Where the out-of-memory handler writes the error file of this command. */
void cli_prepare_error_file(const cli_env *env, const char *dir, const char *suffix);

#endif
