/*
 * publish.c — one publication mechanism for every output. A run writes into
 * OUT/.relief-stage.XXXXXX/ through descriptors it opened with O_EXCL and
 * O_NOFOLLOW, holds OUT/.relief.lock (flock) meanwhile, and at commit
 * flushes the file system once and renames each file into place. Killed
 * runs leave only a staging folder, removed by the next run under the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/alloc.h"
#include "common/hashtab.h"
#include "io/publish.h"

#define STAGE_PREFIX ".relief-stage."
#define LOCK_NAME ".relief.lock"
#define MAX_PUBLICATIONS 16

/* What getdents64 returns: used instead of readdir because the cleanup
 * paths must not allocate (they run from the out-of-memory handler). */
struct linux_dirent64 {
  unsigned long long ino;
  long long off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

typedef struct {
  char *relpath;
  uint64_t size;
  XXH128_hash_t hash;
} entry;

struct pub_file {
  publication *pub;
  int fd;
  size_t index;
  uint64_t size;
  uint64_t flushing; /* bytes whose writeback has been started */
  XXH3_state_t *state;
};

/* A file's writeback is started every this many bytes while the run goes
 * on: a machine with much memory would otherwise hold a whole bundle dirty
 * until the commit's syncfs, and only then write it out. */
#define PUB_WRITEBACK_STEP (32u << 20)

/* A publication's state, changed only by compare-and-swap, so that a
 * commit and an abort from another thread or a signal handler never both
 * act: an abort that wins leaves the commit nothing to rename; a commit that
 * wins makes the abort wait until every file is in place. */
enum { PUB_OPEN, PUB_COMMITTING, PUB_ABORTED, PUB_DONE };

struct publication {
  _Atomic int state;
  char *dir;
  int dir_fd, stage_fd, lock_fd;
  char stage_name[64];
  entry *entries;
  size_t n, cap;
  pthread_mutex_t lock;
};

/* Live publications, for publication_abort_all (signal and OOM paths). */
static publication *volatile live[MAX_PUBLICATIONS];

/* RELIEF_FAIL_WRITE_AFTER=N (tests only): after N bytes written to outputs,
 * every write fails with ENOSPC, as on a full disk. -2 not read yet, -1 off,
 * else the bytes left. */
static _Atomic long long write_budget = -2;

static ssize_t out_write(int fd, const void *buf, size_t len) {
  long long left = atomic_load_explicit(&write_budget, memory_order_relaxed);
  if (left == -2) {
    const char *env = getenv("RELIEF_FAIL_WRITE_AFTER");
    long long n = env && *env ? atoll(env) : -1;
    long long expected = -2;
    atomic_compare_exchange_strong(&write_budget, &expected, n < 0 ? -1 : n);
    left = atomic_load(&write_budget);
  }
  long long take = (long long)len;
  while (left >= 0) { /* threads share the budget: take from it by CAS */
    take = (long long)len < left ? (long long)len : left;
    if (take <= 0) {
      errno = ENOSPC;
      return -1;
    }
    if (atomic_compare_exchange_weak(&write_budget, &left, left - take)) break;
  }
  len = (size_t)take;
  return write(fd, buf, len);
}

static void track(publication *p, bool on) {
  for (int i = 0; i < MAX_PUBLICATIONS; i++) {
    if (on && !live[i]) {
      live[i] = p;
      return;
    }
    if (!on && live[i] == p) {
      live[i] = NULL;
      return;
    }
  }
}

/* Removes name in dir_fd and, if it is a real folder, everything under it,
 * never following a symlink. Async-signal-safe (getdents64, no malloc). */
static void remove_tree_at(int dir_fd, const char *name, int depth) {
  if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT) return;
  if (depth > 16) return;
  int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  for (int pass = 0; pass < 64; pass++) {
    /* a pass reads the folder from its start and removes what it finds;
     * removing while reading may skip entries, so read again until a pass
     * finds nothing left */
    bool found = false;
    lseek(fd, 0, SEEK_SET);
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
      for (long off = 0; off < n;) {
        const struct linux_dirent64 *d = (const void *)(buf + off);
        off += d->reclen;
        if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2]))) continue;
        found = true;
        remove_tree_at(fd, d->name, depth + 1);
      }
    }
    if (!found) break;
  }
  close(fd);
  unlinkat(dir_fd, name, AT_REMOVEDIR);
}

/* A staging folder other threads may still be writing into (out of memory,
 * a signal): removed again until it is gone. */
static void remove_stage(int dir_fd, const char *name) {
  for (int attempt = 0; attempt < 8; attempt++) {
    remove_tree_at(dir_fd, name, 0);
    struct stat st;
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  }
}

static bool is_real_dir_at(int dir_fd, const char *name) {
  struct stat st;
  return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Takes OUT/.relief.lock; the file is unlinked by its holder on release, so
 * a lock held on a file no longer at that name is taken again. */
static relief_status take_lock(publication *p, relief_error *err) {
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = openat(p->dir_fd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot create the lock %s: %s", LOCK_NAME,
                       strerror(errno));
    struct stat held, named;
    if (fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
      close(fd);
      return error_set(err, RELIEF_E_IO, p->dir, 0, -1, "%s is not a regular file", LOCK_NAME);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int saved = errno;
      close(fd);
      if (saved == EWOULDBLOCK)
        return error_set(err, RELIEF_E_IO, p->dir, 0, -1,
                         "another relief run is writing to this folder (%s is locked)", LOCK_NAME);
      return error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot lock %s: %s", LOCK_NAME,
                       strerror(saved));
    }
    if (fstatat(p->dir_fd, LOCK_NAME, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        named.st_ino == held.st_ino && named.st_dev == held.st_dev) {
      p->lock_fd = fd;
      return RELIEF_OK;
    }
    close(fd); /* its holder released and unlinked it meanwhile */
  }
  return error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot take the lock %s", LOCK_NAME);
}

static void release_lock(publication *p) {
  if (p->lock_fd < 0) return;
  unlinkat(p->dir_fd, LOCK_NAME, 0);
  close(p->lock_fd);
  p->lock_fd = -1;
}

/* A name make_stage gives: the prefix and 12 hex digits (either case). */
static bool is_stage_name(const char *name) {
  size_t n = strlen(STAGE_PREFIX);
  if (strncmp(name, STAGE_PREFIX, n) != 0 || strlen(name) != n + 12) return false;
  for (const char *c = name + n; *c; c++)
    if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F')))
      return false;
  return true;
}

/* Staging folders of runs that were killed: only real folders named so. */
static void remove_stale_stages(publication *p) {
  int fd = openat(p->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  char names[64][64];
  int n_names = 0;
  long n;
  while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0 && n_names < 64)
    for (long off = 0; off < n && n_names < 64;) {
      const struct linux_dirent64 *d = (const void *)(buf + off);
      off += d->reclen;
      if (is_stage_name(d->name)) snprintf(names[n_names++], sizeof names[0], "%s", d->name);
    }
  close(fd);
  for (int i = 0; i < n_names; i++)
    if (is_real_dir_at(p->dir_fd, names[i])) remove_tree_at(p->dir_fd, names[i], 0);
}

static relief_status make_stage(publication *p, relief_error *err) {
  uint64_t seed = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)p;
  for (int attempt = 0; attempt < 100; attempt++) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = XXH3_64bits_withSeed(&ts, sizeof ts, seed + (uint64_t)attempt);
    snprintf(p->stage_name, sizeof p->stage_name, STAGE_PREFIX "%012llx",
             (unsigned long long)(seed & 0xffffffffffffull));
    if (mkdirat(p->dir_fd, p->stage_name, 0700) == 0) {
      p->stage_fd =
          openat(p->dir_fd, p->stage_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (p->stage_fd >= 0) return RELIEF_OK;
      break;
    }
    if (errno != EEXIST) break;
  }
  p->stage_name[0] = 0;
  return error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot create a staging folder: %s",
                   strerror(errno));
}

relief_status publication_begin(const char *dir, publication **out, relief_error *err) {
  *out = NULL;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot create output folder: %s",
                     strerror(errno));
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    struct stat st;
    if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
      return error_set(err, RELIEF_E_IO, dir, 0, -1,
                       "output folder is a symbolic link; give the folder itself");
    return error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot open output folder: %s",
                     saved == ENOTDIR ? "not a folder" : strerror(saved));
  }
  publication *p = xcalloc(1, sizeof *p);
  p->dir = xstrdup(dir);
  p->dir_fd = fd;
  p->stage_fd = p->lock_fd = -1;
  pthread_mutex_init(&p->lock, NULL);
  relief_status st = take_lock(p, err);
  if (!st) {
    remove_stale_stages(p);
    st = make_stage(p, err);
  }
  if (st) {
    publication_abort(p);
    return st;
  }
  track(p, true);
  *out = p;
  return RELIEF_OK;
}

void publication_clean_stale(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  publication p = {.dir = (char *)dir, .dir_fd = fd, .stage_fd = -1, .lock_fd = -1};
  if (take_lock(&p, NULL) == RELIEF_OK) {
    remove_stale_stages(&p);
    release_lock(&p);
  }
  close(fd);
}

relief_status publication_scratch(publication *p, const char *name, int *fd, relief_error *err) {
  *fd = -1;
  if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
    return error_set(err, RELIEF_E_USAGE, p->dir, 0, -1, "bad scratch file name");
  int f = openat(p->stage_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (f < 0)
    return error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot create scratch file %s: %s", name,
                     strerror(errno));
  *fd = f;
  return RELIEF_OK;
}

relief_status scratch_anonymous(const char *dir, int *fd, relief_error *err) {
  *fd = -1;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot open the scratch folder: %s",
                     strerror(errno));
  int f = openat(dfd, ".", O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  for (int attempt = 0; f < 0 && attempt < 100; attempt++) { /* no O_TMPFILE here */
    char name[64];
    snprintf(name, sizeof name, ".relief-scratch.%d.%d", (int)getpid(), attempt);
    f = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f >= 0) {
      unlinkat(dfd, name, 0);
      break;
    }
    if (errno != EEXIST) break;
  }
  int saved = errno;
  close(dfd);
  if (f < 0)
    return error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot create a scratch file: %s",
                     strerror(saved));
  *fd = f;
  return RELIEF_OK;
}

/* Errors name the output as OUT/relpath, the path the user will look for. */
static relief_status file_error(const publication *p, const char *relpath, relief_error *err,
                                const char *what, int errnum) {
  char path[2048];
  snprintf(path, sizeof path, "%s/%s", p->dir, relpath);
  return error_set(err, RELIEF_E_IO, path, 0, -1, "%s: %s", what, strerror(errnum));
}

bool publication_relpath_ok(const char *path) {
  if (!*path || *path == '/') return false;
  for (const char *c = path; *c;) {
    const char *end = strchr(c, '/');
    size_t n = end ? (size_t)(end - c) : strlen(c);
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return false;
    c += n + (end ? 1 : 0);
    if (end && !*c) return false;
  }
  return true;
}

/* Opens (creating) the folders of relpath under base_fd; returns the
 * innermost folder's descriptor (base_fd itself for none) and sets *leaf. */
static int open_parent(int base_fd, const char *relpath, bool create, const char **leaf) {
  int fd = base_fd;
  const char *c = relpath;
  for (const char *slash; (slash = strchr(c, '/'));) {
    char part[256];
    size_t n = (size_t)(slash - c);
    if (n >= sizeof part) {
      errno = ENAMETOOLONG;
      goto fail;
    }
    memcpy(part, c, n);
    part[n] = 0;
    if (create && mkdirat(fd, part, 0700) != 0 && errno != EEXIST) goto fail;
    int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) goto fail;
    if (fd != base_fd) close(fd);
    fd = next;
    c = slash + 1;
  }
  *leaf = c;
  return fd;
fail:
  if (fd != base_fd) {
    int saved = errno;
    close(fd);
    errno = saved;
  }
  return -1;
}

relief_status publication_create(publication *p, const char *relpath, pub_file **out,
                                 relief_error *err) {
  *out = NULL;
  if (!publication_relpath_ok(relpath))
    return error_set(err, RELIEF_E_IO, relpath, 0, -1, "not a valid output name");
  pthread_mutex_lock(&p->lock);
  const char *leaf;
  int parent = open_parent(p->stage_fd, relpath, true, &leaf);
  int fd = parent < 0
               ? -1
               : openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int saved = errno;
  if (parent >= 0 && parent != p->stage_fd) close(parent);
  if (fd < 0) {
    pthread_mutex_unlock(&p->lock);
    return file_error(p, relpath, err, "cannot create output", saved);
  }
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 64;
    p->entries = xreallocarray(p->entries, p->cap, sizeof *p->entries);
  }
  size_t index = p->n++;
  p->entries[index] = (entry){.relpath = xstrdup(relpath)};
  pthread_mutex_unlock(&p->lock);
  pub_file *f = xcalloc(1, sizeof *f);
  f->pub = p;
  f->fd = fd;
  f->index = index;
  f->state = XXH3_createState();
  if (!f->state) alloc_out_of_memory(1024);
  XXH3_128bits_reset(f->state);
  *out = f;
  return RELIEF_OK;
}

relief_status pub_file_write(pub_file *f, const void *buf, size_t len, relief_error *err) {
  const char *c = buf;
  XXH3_128bits_update(f->state, buf, len);
  f->size += len;
  while (len) {
    ssize_t w = out_write(f->fd, c, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int errnum = w < 0 ? errno : ENOSPC;
      pthread_mutex_lock(&f->pub->lock); /* entries may move while others create */
      char name[1024];
      snprintf(name, sizeof name, "%s", f->pub->entries[f->index].relpath);
      pthread_mutex_unlock(&f->pub->lock);
      return file_error(f->pub, name, err, "write failed", errnum);
    }
    c += w;
    len -= (size_t)w;
  }
#ifdef SYNC_FILE_RANGE_WRITE
  if (f->size - f->flushing >= PUB_WRITEBACK_STEP) {
    /* only a hint: a write that fails is reported by the commit's syncfs */
    (void)sync_file_range(f->fd, (off_t)f->flushing, (off_t)(f->size - f->flushing),
                          SYNC_FILE_RANGE_WRITE);
    f->flushing = f->size;
  }
#endif
  return RELIEF_OK;
}

relief_status pub_file_close(pub_file *f, relief_error *err) {
  if (!f) return RELIEF_OK;
  publication *p = f->pub;
#ifdef SYNC_FILE_RANGE_WRITE
  /* its last bytes on their way to the disk now, while the run goes on,
   * rather than all of a bundle's small files at the commit's syncfs (only
   * a hint, as in pub_file_write) */
  if (f->size > f->flushing)
    (void)sync_file_range(f->fd, (off_t)f->flushing, (off_t)(f->size - f->flushing),
                          SYNC_FILE_RANGE_WRITE);
#endif
  int bad = close(f->fd) != 0;
  int saved = errno;
  pthread_mutex_lock(&p->lock);
  entry *e = &p->entries[f->index];
  e->size = f->size;
  e->hash = XXH3_128bits_digest(f->state);
  pthread_mutex_unlock(&p->lock);
  XXH3_freeState(f->state);
  relief_status st = RELIEF_OK;
  if (bad) {
    char name[1024];
    pthread_mutex_lock(&p->lock);
    snprintf(name, sizeof name, "%s", p->entries[f->index].relpath);
    pthread_mutex_unlock(&p->lock);
    st = file_error(p, name, err, "write failed", saved);
  }
  free(f);
  return st;
}

relief_status publication_write_file(publication *p, const char *relpath, const void *buf,
                                     size_t len, relief_error *err) {
  pub_file *f;
  relief_status st = publication_create(p, relpath, &f, err);
  if (st) return st;
  st = pub_file_write(f, buf, len, err);
  relief_status closed = pub_file_close(f, st ? NULL : err);
  return st ? st : closed;
}

size_t publication_count(const publication *p) { return p->n; }

void publication_entry(const publication *p, size_t i, pub_entry *out) {
  out->relpath = p->entries[i].relpath;
  out->size = p->entries[i].size;
  hex128(p->entries[i].hash, out->xxh3_128);
}

const char *publication_dir(const publication *p) { return p->dir; }

static void publication_free(publication *p) {
  if (p->stage_fd >= 0) close(p->stage_fd);
  if (p->stage_name[0]) remove_tree_at(p->dir_fd, p->stage_name, 0);
  release_lock(p);
  if (p->dir_fd >= 0) close(p->dir_fd);
  /* last: an abort waiting for this commit may exit once the slot clears,
   * and by then the staging folder and the lock are gone */
  track(p, false);
  for (size_t i = 0; i < p->n; i++) free(p->entries[i].relpath);
  free(p->entries);
  free(p->dir);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

void publication_abort(publication *p) {
  if (p) publication_free(p);
}

bool publication_any_live(void) {
  for (int i = 0; i < MAX_PUBLICATIONS; i++)
    if (live[i]) return true;
  return false;
}

void publication_abort_all(void) {
  for (int i = 0; i < MAX_PUBLICATIONS; i++) {
    publication *p = live[i];
    if (!p) continue;
    int open = PUB_OPEN;
    if (!atomic_compare_exchange_strong(&p->state, &open, PUB_ABORTED)) {
      /* being committed: let the renames finish (a few ms; at most 10 s).
       * The commit clears the slot before it frees p. */
      for (int wait = 0; wait < 10000 && live[i] == p; wait++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
      }
      continue;
    }
    live[i] = NULL;
    if (p->stage_name[0]) remove_stage(p->dir_fd, p->stage_name);
    if (p->lock_fd >= 0) unlinkat(p->dir_fd, LOCK_NAME, 0);
  }
}

/* What is at relpath in the output folder: 0 nothing, 1 a regular file,
 * -1 anything else (a symlink, a folder, a FIFO...) or a parent that is not
 * a real folder. */
static int final_kind(publication *p, const char *relpath) {
  const char *leaf;
  int parent = open_parent(p->dir_fd, relpath, false, &leaf);
  if (parent < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  int r = fstatat(parent, leaf, &st, AT_SYMLINK_NOFOLLOW);
  int saved = errno;
  if (parent != p->dir_fd) close(parent);
  if (r != 0) return saved == ENOENT ? 0 : -1;
  return S_ISREG(st.st_mode) ? 1 : -1;
}

/* Renames relpath from the staging folder into place. */
static relief_status commit_rename(publication *p, const char *relpath, relief_error *err) {
  relief_status st = RELIEF_OK;
  const char *from_leaf, *to_leaf;
  int from = open_parent(p->stage_fd, relpath, false, &from_leaf);
  int to = from < 0 ? -1 : open_parent(p->dir_fd, relpath, true, &to_leaf);
  if (from < 0 || to < 0 || renameat(from, from_leaf, to, to_leaf) != 0)
    st = error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot publish %s: %s", relpath,
                   strerror(errno));
  if (from >= 0 && from != p->stage_fd) close(from);
  if (to >= 0 && to != p->dir_fd) close(to);
  return st;
}

relief_status publication_commit(publication *p, const char *const *previous, size_t n_previous,
                                 relief_error *err) {
  relief_status st = RELIEF_OK;
  int open = PUB_OPEN;
  if (!atomic_compare_exchange_strong(&p->state, &open, PUB_COMMITTING)) {
    /* aborted from a signal handler or another thread: nothing moves */
    publication_free(p);
    return error_set(err, RELIEF_E_IO, NULL, 0, -1, "the run was stopped");
  }
  /* everything that allocates happens before the first rename, so running
   * out of memory can never leave a half-published bundle: a hash set of
   * the new names keeps removing the old bundle linear in files */
  relief_intern names = {0};
  if (n_previous) {
    intern_init(&names);
    for (size_t i = 0; i < p->n; i++)
      intern_get(&names, p->entries[i].relpath, strlen(p->entries[i].relpath));
  }
  if (syncfs(p->stage_fd) != 0)
    st = error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot flush outputs: %s", strerror(errno));
  for (size_t i = 0; i < p->n && !st; i++)
    if (final_kind(p, p->entries[i].relpath) < 0)
      st = error_set(err, RELIEF_E_IO, p->dir, 0, -1,
                     "%s exists and is not a regular file relief wrote; "
                     "nothing was published",
                     p->entries[i].relpath);
  /* the files in folders first, made durable by one flush of the file
   * system (not one fsync of their folder each), then those at the top,
   * the manifest last as it was written */
  bool in_folders = false, removed_in_folders = false;
  for (int top = 0; top < 2; top++) {
    for (size_t i = 0; i < p->n && !st; i++) {
      const char *relpath = p->entries[i].relpath;
      if ((strchr(relpath, '/') == NULL) != top) continue;
      st = commit_rename(p, relpath, err);
      in_folders |= !top;
    }
    if (!st && !top && in_folders) (void)syncfs(p->dir_fd); /* the final fsync reports */
  }
  /* the previous bundle's files that this one does not replace */
  for (size_t k = 0; k < n_previous && !st; k++) {
    if (!publication_relpath_ok(previous[k])) continue;
    bool kept = intern_find(&names, previous[k], strlen(previous[k])) != UINT32_MAX;
    if (kept || final_kind(p, previous[k]) != 1) continue;
    const char *leaf;
    int parent = open_parent(p->dir_fd, previous[k], false, &leaf);
    if (parent < 0) continue;
    unlinkat(parent, leaf, 0);
    removed_in_folders |= parent != p->dir_fd;
    if (parent != p->dir_fd) close(parent);
    /* folders it emptied (Court_Filings/<COUNTY>/) go with it */
    char path[4096];
    snprintf(path, sizeof path, "%s", previous[k]);
    for (char *slash; (slash = strrchr(path, '/'));) {
      *slash = 0;
      if (unlinkat(p->dir_fd, path, AT_REMOVEDIR) != 0) break;
    }
  }
  if (n_previous) intern_free(&names);
  /* the removals in folders durable by one flush too, as the renames */
  if (!st && removed_in_folders) (void)syncfs(p->dir_fd); /* the final fsync reports */
  if (!st && fsync(p->dir_fd) != 0)
    st = error_set(err, RELIEF_E_IO, p->dir, 0, -1, "cannot sync output folder: %s",
                   strerror(errno));
  publication_free(p);
  return st;
}

relief_status publish_single_file(const char *dir, const char *name, const void *buf, size_t len,
                                  relief_error *err) {
  int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0)
    return error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot open output folder: %s",
                     strerror(errno));
  struct stat st;
  if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
    close(dir_fd);
    return error_set(err, RELIEF_E_IO, dir, 0, -1, "%s exists and is not a regular file", name);
  }
  char temp[300];
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
    snprintf(temp, sizeof temp, ".%s.%d.%d.tmp", name, (int)getpid(), attempt);
    fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  relief_status status = RELIEF_OK;
  if (fd < 0) {
    status = error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot create %s: %s", name, strerror(errno));
  } else {
    const char *c = buf;
    while (len && !status) {
      ssize_t w = out_write(fd, c, len);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0)
        status = error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot write %s: %s", name,
                           strerror(w < 0 ? errno : ENOSPC));
      else
        c += w, len -= (size_t)w;
    }
    if (!status && (fsync(fd) != 0 || close(fd) != 0))
      status =
          error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot write %s: %s", name, strerror(errno));
    else if (status)
      close(fd);
    if (!status && renameat(dir_fd, temp, dir_fd, name) != 0)
      status =
          error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot write %s: %s", name, strerror(errno));
    if (status) unlinkat(dir_fd, temp, 0);
  }
  close(dir_fd);
  return status;
}

void publish_remove_own_file(const char *dir, const char *name) {
  int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) return;
  struct stat st;
  if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
    unlinkat(dir_fd, name, 0);
  close(dir_fd);
}
