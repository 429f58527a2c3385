/*
 * fail.c — how a failed command reports: one line on stderr in the form
 * FILE:LINE: what is wrong, and an error file in the output folder (the
 * reference's gogen.err JSON in the drop-in). Returns the exit code.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "io/publish.h"
#include "common/alloc.h"

int cli_fail(const cli_env *env, const char *dir, const char *suffix, const char *input,
             const relief_error *err) {
  char line[3072];
  relief_error_format(err, line, sizeof line);
  if (env->gogen && err->file[0] && !strncmp(err->message, "cannot open: ", 13)) {
    /* as Go's os.Open said it: "open PATH: no such file or directory" */
    char reason[256];
    snprintf(reason, sizeof reason, "%s", err->message + 13);
    reason[0] = (char)tolower((unsigned char)reason[0]);
    snprintf(line, sizeof line, "open %s: %s", err->file, reason);
  }
  fprintf(stderr, "%s: %s\n", env->program, line);
  if (dir && *dir) {
    char name[1024];
    output_path(name, sizeof name, "", env->gogen ? "gogen" : "errors", 0, suffix,
                env->gogen ? ".err" : ".json");
    json_t *root = json_object(), *entry = json_object();
    json_object_set_new(entry, "errorType", json_string(relief_error_kind(err)));
    json_t *msg = json_string(line);
    json_object_set_new(entry, "errorMessage", msg ? msg : json_string("invalid text in message"));
    json_object_set_new(root, input ? input : "", entry);
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    relief_error werr;
    mkdir(dir, 0700); /* a run that failed before making its folder */
    if (text && publish_single_file(dir, name + 1, text, strlen(text), &werr) != RELIEF_OK)
      fprintf(stderr, "%s: could not write the error file: %s\n", env->program, werr.message);
    free(text);
  }
  return err->status ? (int)err->status : 1;
}

/* ---- out of memory and signals ---- */

/* Where the error file goes, prepared before the run so that the handler
 * needs no allocation. */
static char oom_dir[4096], oom_name[1024], oom_program[16];
static bool oom_gogen;

void cli_prepare_error_file(const cli_env *env, const char *dir, const char *suffix) {
  snprintf(oom_program, sizeof oom_program, "%s", env->program);
  oom_gogen = env->gogen;
  if (!dir || !*dir) return;
  char name[1024];
  output_path(name, sizeof name, "", env->gogen ? "gogen" : "errors", 0, suffix,
              env->gogen ? ".err" : ".json");
  snprintf(oom_dir, sizeof oom_dir, "%s", dir);
  snprintf(oom_name, sizeof oom_name, "%s", name + 1);
}

static void put(const char *s) {
  ssize_t ignored = write(2, s, strlen(s));
  (void)ignored;
}

/* Ends the run with exit status 3 after removing its staging folder and
 * writing the error file with plain system calls (no allocation). Only the
 * first thread to get here does it; others wait for the exit. */
static void fail_hard(const char *message) {
  static atomic_flag busy = ATOMIC_FLAG_INIT;
  if (atomic_flag_test_and_set(&busy))
    for (;;) pause();
  publication_abort_all();
  put(oom_program[0] ? oom_program : "relief");
  put(": ");
  put(message);
  put("\n");
  if (oom_dir[0]) {
    static char text[512];
    snprintf(text, sizeof text, "{\"\":{\"errorType\":\"OTHER\",\"errorMessage\":\"%s\"}}",
             message);
    mkdir(oom_dir, 0700); /* the run may not have made it yet */
    int dir_fd = open(oom_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd >= 0) {
      static char temp[1100];
      snprintf(temp, sizeof temp, ".%s.oom.tmp", oom_name);
      int fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ssize_t w = write(fd, text, strlen(text));
        close(fd);
        struct stat st;
        bool replaceable =
            fstatat(dir_fd, oom_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISREG(st.st_mode);
        if (w > 0 && replaceable)
          renameat(dir_fd, temp, dir_fd, oom_name);
        else
          unlinkat(dir_fd, temp, 0);
      }
      close(dir_fd);
    }
  }
  _exit(RELIEF_E_IO);
}

static void on_out_of_memory(size_t size) {
  (void)size;
  fail_hard("out of memory");
}

/* A library that ends the process itself (libgomp exits 1 when it cannot
 * start a thread) does so in the middle of a run: it is a resource failure,
 * exit 3, and the run's staging folder goes like on any other failure. */
static void on_exit_during_run(void) {
  if (publication_any_live()) fail_hard("out of memory or threads: a library ended the run");
}

/* SIGBUS: a mapped input shrank under the run (another program truncated
 * or rewrote it), so its pages past the new end cannot be read. */
static void on_bus_error(int sig) {
  (void)sig;
  fail_hard("input changed while it was read (it shrank)");
}

/* SIGINT, SIGTERM, SIGHUP: nothing half-made stays behind, then the signal
 * takes its usual course. */
static void on_stop_signal(int sig) {
  publication_abort_all();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void *json_alloc(size_t n) { return xmalloc(n); }

void cli_install_handlers(void) {
  /* descriptors 0-2 are made safe first: if one is closed, the next file
   * relief opens would get its number and progress lines would land in it */
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl(fd, F_GETFD) < 0) {
      int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (null >= 0 && null != fd) {
        dup2(null, fd);
        close(null);
      }
    }
  relief_set_oom_handler(on_out_of_memory);
  atexit(on_exit_during_run);
  /* JSON the commands and the library build allocates through the policy
   * too: running out of memory in a JSON call ends the run like anywhere
   * else. The program sets this, once; the library never does. */
  json_set_alloc_funcs(json_alloc, free);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  struct sigaction bus;
  memset(&bus, 0, sizeof bus);
  bus.sa_handler = on_bus_error;
  sigfillset(&bus.sa_mask); /* nothing else runs while the run is taken down */
  sigaction(SIGBUS, &bus, NULL);
  signal(SIGPIPE, SIG_IGN); /* a closed pipe is a write error, exit 3 */
}
