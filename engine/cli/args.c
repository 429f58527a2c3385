/*
 * args.c — command-line option parsing shared by the subcommands:
 * --name=value, --name value and -x value forms, a usage text built from the
 * option table, and errors that name the offending option.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void print_usage(FILE *out, const cli_option *opts, int n, const char *usage,
                        const cli_env *env) {
  fprintf(out, "usage: %s %s\n\noptions:\n", env->program, usage);
  for (int i = 0; i < n; i++) {
    char left[64];
    snprintf(left, sizeof left, "%s%c%s--%s%s", opts[i].short_name ? "-" : "",
             opts[i].short_name ? opts[i].short_name : ' ', opts[i].short_name ? ", " : "  ",
             opts[i].name, opts[i].value ? "=VALUE" : "");
    fprintf(out, "  %-34s %s\n", left, opts[i].help);
  }
  fprintf(out, "  %-34s %s\n", "-h, --help", "show this help");
}

int cli_parse(int argc, char **argv, const cli_option *opts, int n_opts, const char *usage,
              const cli_env *env) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      print_usage(stdout, opts, n_opts, usage, env);
      return 1;
    }
    const cli_option *o = NULL;
    const char *value = NULL;
    if (arg[0] == '-' && arg[1] == '-') {
      const char *name = arg + 2, *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      for (int k = 0; k < n_opts && !o; k++)
        if (strlen(opts[k].name) == len && !strncmp(opts[k].name, name, len)) o = &opts[k];
      if (eq) value = eq + 1;
    } else if (arg[0] == '-' && arg[1] && !arg[2]) {
      for (int k = 0; k < n_opts && !o; k++)
        if (opts[k].short_name == arg[1]) o = &opts[k];
    } else {
      fprintf(stderr, "%s: unexpected argument '%s' (options are --name=value)\n", env->program,
              arg);
      return -1;
    }
    if (!o) {
      fprintf(stderr, "%s: unknown option '%s'; see --help\n", env->program, arg);
      return -1;
    }
    if (o->flag) {
      if (value) {
        fprintf(stderr, "%s: option --%s takes no value\n", env->program, o->name);
        return -1;
      }
      if (*o->flag) {
        fprintf(stderr, "%s: option --%s given twice\n", env->program, o->name);
        return -1;
      }
      *o->flag = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s: option --%s needs a value\n", env->program, o->name);
        return -1;
      }
      value = argv[++i];
    }
    if (*o->value) {
      fprintf(stderr, "%s: option --%s given twice\n", env->program, o->name);
      return -1;
    }
    *o->value = value;
  }
  return 0;
}
