/*
 * alloc.c — xmalloc and friends, and the one out-of-memory handler (after
 * git's wrapper.c and Redis's zmalloc). Libraries the engine uses (jansson,
 * zstd, libharu) are given these allocators too, so that running out of
 * memory anywhere ends the run the same way: exit 3, never a signal.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/alloc.h"
#include "relief/relief.h"

static void default_oom(size_t size) {
  (void)size;
  static const char msg[] = "relief: out of memory\n";
  ssize_t ignored = write(2, msg, sizeof msg - 1);
  (void)ignored;
  _exit(RELIEF_E_IO);
}

static _Atomic(relief_oom_handler) oom_handler = default_oom;

void relief_set_oom_handler(relief_oom_handler handler) {
  atomic_store(&oom_handler, handler ? handler : default_oom);
}

void alloc_give_back(void) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

/* madvise(advice) over the whole pages inside the bytes at p, if any. */
static void advise_whole_pages(void *p, size_t bytes, int advice) {
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t from = ((uintptr_t)p + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1),
            to = ((uintptr_t)p + bytes) & ~(uintptr_t)(page - 1);
  if (to > from) (void)madvise((void *)from, to - from, advice);
}

void alloc_populate(void *p, size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  advise_whole_pages(p, bytes, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)bytes;
#endif
}

void alloc_discard(void *p) {
#if defined(__GLIBC__) && defined(MADV_DONTNEED)
  /* the allocation's own size, whatever its owner thinks it holds */
  if (p) advise_whole_pages(p, malloc_usable_size(p), MADV_DONTNEED);
#else
  (void)p;
#endif
}

void alloc_out_of_memory(size_t size) {
  atomic_load (&oom_handler)(size);
  _exit(RELIEF_E_IO); /* a handler that returns is not allowed to */
}

/* RELIEF_FAIL_ALLOC_AFTER: -2 not read yet, -1 off, else allocations left. */
static _Atomic long long fail_after = -2;

static int injected_failure(void) {
  long long left = atomic_load_explicit(&fail_after, memory_order_relaxed);
  if (left == -1) return 0;
  if (left == -2) {
    const char *env = getenv("RELIEF_FAIL_ALLOC_AFTER");
    long long n = env && *env ? atoll(env) : -1;
    long long expected = -2;
    atomic_compare_exchange_strong(&fail_after, &expected, n < 0 ? -1 : n);
    if (n < 0) return 0;
  }
  return atomic_fetch_sub(&fail_after, 1) <= 0;
}

void *xmalloc(size_t size) {
  void *p = injected_failure() ? NULL : malloc(size ? size : 1);
  if (!p) alloc_out_of_memory(size);
  return p;
}

void *xcalloc(size_t n, size_t size) {
  if (!n || !size) n = size = 1;
  void *p = injected_failure() ? NULL : calloc(n, size);
  if (!p) alloc_out_of_memory(n * size);
  return p;
}

void *xrealloc(void *old, size_t size) {
  void *p = injected_failure() ? NULL : realloc(old, size ? size : 1);
  if (!p) alloc_out_of_memory(size);
  return p;
}

void *xreallocarray(void *old, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) alloc_out_of_memory(SIZE_MAX);
  return xrealloc(old, n * size);
}

char *xstrndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *p = xmalloc(len + 1);
  memcpy(p, s, len);
  p[len] = 0;
  return p;
}

char *xstrdup(const char *s) {
  size_t len = strlen(s);
  char *p = xmalloc(len + 1);
  memcpy(p, s, len + 1);
  return p;
}
