/*
 * io/publish.h — the one way relief writes outputs (after git's lockfile
 * and tempfile). A publication is a set of files written into a hidden
 * staging folder inside the output folder and renamed into place together
 * when the run commits, or removed when it does not. Everything is done
 * relative to directory descriptors, with O_NOFOLLOW and O_EXCL, and every
 * byte is written through the descriptor relief created, so a symlink or a
 * file planted in the folder is never followed, written through or
 * removed. A lock keeps two runs out of one folder.
 */
#ifndef RELIEF_IO_PUBLISH_H
#define RELIEF_IO_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct publication publication;
typedef struct pub_file pub_file;

/* Opens the output folder dir (created, mode 0700, when missing; a symlink
 * is refused), takes its lock (a second run into the folder is refused with
 * RELIEF_E_IO naming it), removes what killed runs left there (their
 * staging folders only), and creates this run's staging folder. */
relief_status publication_begin(const char *dir, publication **out, relief_error *err);

/* Removes what killed runs left in dir (their staging folders, named as
 * relief names them, real folders only, never through a link), under the
 * folder's lock; nothing when dir is not a real folder or another run holds
 * the lock. For a command to call before it checks anything else, so that
 * a run that then fails (a misspelt option) cleans up too. */
void publication_clean_stale(const char *dir);

/* Creates relpath ("All_Results.csv", "Court_Filings/LOS_ANGELES/x.pdf")
 * in the staging folder, mode 0600, subfolders as needed. Thread-safe.
 * The path must be relative, without "." or ".." components. */
relief_status publication_create(publication *p, const char *relpath, pub_file **out,
                                 relief_error *err);

/* Creates a scratch file "name" (a plain name, no slash) in the staging
 * folder, mode 0600, O_EXCL and O_NOFOLLOW, open for reading and writing;
 * it is never published and goes with the staging folder on every exit
 * path (commit, abort, out of memory, signals). Thread-safe. The caller
 * closes *fd. */
relief_status publication_scratch(publication *p, const char *name, int *fd, relief_error *err);

/* An unnamed scratch file (mode 0600) in dir, for a process that holds no
 * publication (a relief-mpi rank other than 0, spilling on its own node):
 * O_TMPFILE, else a file created O_EXCL and unlinked at once, so that it
 * is gone on every exit, kill -9 included. */
relief_status scratch_anonymous(const char *dir, int *fd, relief_error *err);

/* Whether path can name an output: relative, no empty, "." or ".." part. */
bool publication_relpath_ok(const char *path);

/* Appends len bytes (the file's XXH3-128 is kept as it is written). */
relief_status pub_file_write(pub_file *f, const void *buf, size_t len, relief_error *err);

/* Closes the file; its bytes are final. */
relief_status pub_file_close(pub_file *f, relief_error *err);

/* The whole content of a small file in one call: create, write, close. */
relief_status publication_write_file(publication *p, const char *relpath, const void *buf,
                                     size_t len, relief_error *err);

/* Files created so far, in creation order, with what was written. */
size_t publication_count(const publication *p);
typedef struct {
  const char *relpath;
  uint64_t size;
  char xxh3_128[33]; /* lower-case hex, canonical order */
} pub_entry;
void publication_entry(const publication *p, size_t i, pub_entry *out);

/* The output folder's path as given. */
const char *publication_dir(const publication *p);

/* Publishes every file: flushes the file system once, checks every final
 * name (an existing symlink or special file there stops the commit before
 * anything moves), renames the files into place in creation order, removes
 * the files of the folder's previous bundle (previous[0..n_previous), paths
 * relative to the folder, as its manifest listed them) that the new one
 * does not replace — regular files only — then the staging folder and the
 * lock. p is freed, whatever the result. */
relief_status publication_commit(publication *p, const char *const *previous, size_t n_previous,
                                 relief_error *err);

/* Removes the staging folder and the lock; the folder is as it was. p is
 * freed. Safe with NULL. */
void publication_abort(publication *p);

/* Whether a publication is open (begun, neither committed nor aborted). */
bool publication_any_live(void);

/* Aborts every publication of the process: for the out-of-memory and
 * signal handlers. Uses only async-signal-safe calls. */
void publication_abort_all(void);

/* Writes dir/name whole (temporary name in dir, then rename), mode 0600,
 * outside any publication: the error file of a failed run. An existing
 * name that is not a regular file is left alone (RELIEF_E_IO). */
relief_status publish_single_file(const char *dir, const char *name, const void *buf, size_t len,
                                  relief_error *err);

/* Removes dir/name when it is a regular file (an earlier run's error file);
 * anything else there is left alone. */
void publish_remove_own_file(const char *dir, const char *name);

#endif
