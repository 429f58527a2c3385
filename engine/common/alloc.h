/*
 * common/alloc.h — the one allocation policy: allocation never returns NULL
 * to its caller. When memory runs out the process-wide handler runs (set by
 * relief_set_oom_handler; the CLI's writes errors.json, removes its
 * temporaries and exits 3), so no caller checks and no path crashes on NULL.
 */
#ifndef RELIEF_COMMON_ALLOC_H
#define RELIEF_COMMON_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
void *xcalloc(size_t n, size_t size) __attribute__((malloc, returns_nonnull));
void *xrealloc(void *p, size_t size) __attribute__((returns_nonnull));
/* realloc of n elements of size bytes, with the product checked. */
void *xreallocarray(void *p, size_t n, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
char *xstrndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));

/* Hands freed memory back to the system (glibc keeps what is freed inside
 * its heaps mapped): for a run that frees much while it still holds its
 * rows and is limited by what the process holds. */
void alloc_give_back(void);

/* Maps in, at once, the pages of the bytes at p that the caller is about
 * to fill: one call instead of a page fault per 4 KiB page (each costs
 * microseconds, more under a hypervisor). Only a hint: where the kernel
 * cannot, the pages come by faults as before. */
void alloc_populate(void *p, size_t bytes);

/* Hands the whole pages of the block p (from malloc; NULL: none) back to
 * the system now, ahead of free(p): its contents are lost. A run's arrays
 * discarded so from several threads free their pages in parallel, where a
 * trim of the heap or the process's exit would free them on one thread.
 * Only a hint, as alloc_populate: without glibc it does nothing. */
void alloc_discard(void *p);

/* Runs the out-of-memory handler for a request of size bytes; never returns. */
void alloc_out_of_memory(size_t size) __attribute__((noreturn));

/* Test hook: when RELIEF_FAIL_ALLOC_AFTER=N is set in the environment, the
 * allocation after the first N made through this module fails, so tests can
 * drive the out-of-memory path deterministically. */

#endif
