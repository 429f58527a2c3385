/*
 * test_alloc.c — the one allocation policy: x* allocators return usable
 * memory and never NULL; an impossible request and an injected failure
 * (RELIEF_FAIL_ALLOC_AFTER) run the out-of-memory handler, which ends the
 * process. Criterion runs each test in its own process, so each test's
 * environment is read afresh by the first allocation it makes.
 * alloc_populate maps in exactly the whole pages inside its range;
 * alloc_discard gives back exactly the whole pages inside its block.
 * bits_count (common/bits.h) counts set bits as the loop does.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/bits.h"
#include "relief/relief.h"

static void exit_42(size_t size) {
  (void)size;
  _exit(42);
}

static size_t wanted_size;
static void exit_42_if_size_matches(size_t size) { _exit(size == wanted_size ? 42 : 43); }

static void returns(size_t size) { (void)size; }

Test(alloc, returns_usable_memory) {
  unsetenv("RELIEF_FAIL_ALLOC_AFTER");
  unsigned char *p = xmalloc(4096);
  memset(p, 0xAB, 4096);
  cr_assert_eq(p[4095], 0xAB);
  p = xrealloc(p, 1 << 20);
  cr_assert_eq(p[0], 0xAB, "realloc keeps the contents");
  cr_assert_eq(p[4095], 0xAB);
  p[(1 << 20) - 1] = 1;
  free(p);
  int *z = xcalloc(1000, sizeof *z);
  for (int i = 0; i < 1000; i++) cr_assert_eq(z[i], 0);
  z = xreallocarray(z, 2000, sizeof *z);
  z[1999] = 7;
  cr_assert_eq(z[999], 0);
  free(z);
  char *s = xstrdup("relief");
  cr_assert_str_eq(s, "relief");
  free(s);
  s = xstrndup("relief engine", 6);
  cr_assert_str_eq(s, "relief");
  free(s);
  s = xstrndup("ab", 10);
  cr_assert_str_eq(s, "ab");
  free(s);
}

Test(alloc, zero_sizes_still_give_memory) {
  unsetenv("RELIEF_FAIL_ALLOC_AFTER");
  void *a = xmalloc(0), *b = xcalloc(0, 8), *c = xcalloc(8, 0);
  cr_assert_not_null(a);
  cr_assert_not_null(b);
  cr_assert_not_null(c);
  a = xrealloc(a, 0);
  cr_assert_not_null(a);
  free(a);
  free(b);
  free(c);
}

Test(alloc, reallocarray_overflow_runs_the_handler, .exit_code = 42) {
  unsetenv("RELIEF_FAIL_ALLOC_AFTER");
  relief_set_oom_handler(exit_42_if_size_matches);
  wanted_size = SIZE_MAX;
  void *p = xmalloc(16);
  p = xreallocarray(p, SIZE_MAX / 8 + 1, 8);
  cr_assert_fail("xreallocarray returned %p for an overflowing size", p);
}

Test(alloc, reallocarray_at_the_limit_is_not_an_overflow) {
  unsetenv("RELIEF_FAIL_ALLOC_AFTER");
  relief_set_oom_handler(exit_42);
  void *p = xreallocarray(NULL, 0, SIZE_MAX);
  cr_assert_not_null(p);
  p = xreallocarray(p, 16, 16);
  memset(p, 0, 256);
  free(p);
}

Test(alloc, fail_after_zero_fails_the_first_allocation, .exit_code = 42) {
  setenv("RELIEF_FAIL_ALLOC_AFTER", "0", 1);
  relief_set_oom_handler(exit_42_if_size_matches);
  wanted_size = 1234;
  void *p = xmalloc(1234);
  cr_assert_fail("xmalloc returned %p with RELIEF_FAIL_ALLOC_AFTER=0", p);
}

static volatile int allocations_made;

static void exit_with_count(size_t size) {
  (void)size;
  _exit(allocations_made == 3 ? 42 : 50 + allocations_made);
}

Test(alloc, fail_after_n_lets_n_allocations_through, .exit_code = 42) {
  setenv("RELIEF_FAIL_ALLOC_AFTER", "3", 1);
  relief_set_oom_handler(exit_with_count);
  void *a = xmalloc(8);
  allocations_made++;
  void *b = xcalloc(2, 8);
  allocations_made++;
  char *c = xstrdup("x"); /* one allocation */
  allocations_made++;
  (void)a, (void)b, (void)c;
  void *d = xrealloc(NULL, 8); /* the fourth fails */
  allocations_made++;
  cr_assert_fail("the fourth allocation returned %p", d);
}

Test(alloc, fail_after_counts_calloc_and_realloc, .exit_code = 42) {
  setenv("RELIEF_FAIL_ALLOC_AFTER", "1", 1);
  relief_set_oom_handler(exit_42);
  void *a = xcalloc(4, 4);
  a = xrealloc(a, 64);
  cr_assert_fail("xrealloc returned %p after the one allowed allocation", a);
}

Test(alloc, a_negative_fail_after_is_off) {
  setenv("RELIEF_FAIL_ALLOC_AFTER", "-1", 1);
  relief_set_oom_handler(exit_42);
  for (int i = 0; i < 1000; i++) free(xmalloc(32));
}

Test(alloc, an_empty_fail_after_is_off) {
  setenv("RELIEF_FAIL_ALLOC_AFTER", "", 1);
  relief_set_oom_handler(exit_42);
  for (int i = 0; i < 100; i++) free(xmalloc(32));
}

Test(alloc, the_environment_is_read_once) {
  unsetenv("RELIEF_FAIL_ALLOC_AFTER");
  relief_set_oom_handler(exit_42);
  free(xmalloc(8));
  setenv("RELIEF_FAIL_ALLOC_AFTER", "0", 1); /* too late: the hook is off */
  for (int i = 0; i < 10; i++) free(xmalloc(8));
}

Test(alloc, a_handler_that_returns_still_ends_with_status_3, .exit_code = 3) {
  setenv("RELIEF_FAIL_ALLOC_AFTER", "0", 1);
  relief_set_oom_handler(returns);
  void *p = xmalloc(8);
  cr_assert_fail("xmalloc returned %p", p);
}

Test(alloc, the_default_handler_ends_with_status_3, .exit_code = 3) {
  setenv("RELIEF_FAIL_ALLOC_AFTER", "0", 1);
  relief_set_oom_handler(exit_42);
  relief_set_oom_handler(NULL); /* back to the default */
  int null = open("/dev/null", 1);
  if (null >= 0) dup2(null, 2); /* its message is not this test's output */
  void *p = xmalloc(8);
  cr_assert_fail("xmalloc returned %p", p);
}

Test(alloc, relief_out_of_memory_never_returns, .exit_code = 42) {
  unsetenv("RELIEF_FAIL_ALLOC_AFTER");
  relief_set_oom_handler(exit_42_if_size_matches);
  wanted_size = 77;
  alloc_out_of_memory(77);
}

/* Which of the n pages at base are resident (mincore), as a string of 0/1. */
static void resident_pages(const char *base, size_t page, size_t n, char *out) {
  unsigned char vec[64];
  cr_assert(n <= sizeof vec);
  cr_assert_eq(mincore((void *)base, n * page, vec), 0);
  for (size_t i = 0; i < n; i++) out[i] = (vec[i] & 1) ? '1' : '0';
  out[n] = 0;
}

Test(alloc, populate_maps_in_the_whole_pages_inside_the_range_and_keeps_their_bytes) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  char *base = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  cr_assert_neq(base, MAP_FAILED);
#ifdef MADV_POPULATE_WRITE
  if (madvise(base + 15 * page, page, MADV_POPULATE_WRITE) != 0)
    cr_skip_test("this kernel has no MADV_POPULATE_WRITE");
#else
  cr_skip_test("built without MADV_POPULATE_WRITE");
#endif
  base[5 * page] = 'x';
  char seen[17];
  resident_pages(base, page, 16, seen);
  cr_assert_str_eq(seen, "0000010000000001");
  alloc_populate(base + 100, 0);             /* nothing */
  alloc_populate(base + 12 * page + 1, 100); /* inside one page: no whole page */
  resident_pages(base, page, 16, seen);
  cr_assert_str_eq(seen, "0000010000000001");
  /* [100, 100 + 10 pages): pages 1 to 9 are whole inside it, 0 and 10 are not */
  alloc_populate(base + 100, 10 * page);
  resident_pages(base, page, 16, seen);
  cr_assert_str_eq(seen, "0111111111000001");
  cr_assert_eq(base[5 * page], 'x');
  cr_assert_eq(base[7 * page], 0);
  munmap(base, 16 * page);
}

Test(alloc, discard_gives_back_the_whole_pages_inside_the_block_only) {
#ifndef __GLIBC__
  cr_skip_test("alloc_discard needs glibc's malloc_usable_size");
#endif
  size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 64 * page;
  unsigned char *p = xmalloc(n); /* big enough that it starts inside a page */
  memset(p, 0xAB, n);
  alloc_discard(NULL); /* nothing */
  alloc_discard(p);
  uintptr_t first = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
  size_t head = (size_t)(first - (uintptr_t)p);
  for (size_t i = 0; i < head; i++)
    cr_assert_eq(p[i], 0xAB, "byte %zu before the first whole page", i);
  char seen[17];
  resident_pages((const char *)first + page, page, 16, seen);
  cr_assert_str_eq(seen, "0000000000000000", "the whole pages are given back");
  for (size_t i = head; i < head + 32 * page; i += page / 2)
    cr_assert_eq(p[i], 0, "and read as zeros");
  free(p);
}

/* common/bits.h: the inline bit count is the count, on every bit and on
 * words of every density (a SWAR step that dropped a carry would miss the
 * full words; one that kept a stray bit the sparse ones). */
Test(bits, bits_count_counts_every_set_bit) {
  cr_assert_eq(bits_count(0), 0);
  cr_assert_eq(bits_count(UINT64_MAX), 64);
  for (int i = 0; i < 64; i++) {
    cr_assert_eq(bits_count(1ull << i), 1, "bit %d", i);
    cr_assert_eq(bits_count(UINT64_MAX << i), 64u - (unsigned)i, "ones from bit %d", i);
  }
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int k = 0; k < 10000; k++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    uint64_t w = k % 3 == 0 ? x & (x >> 1) : k % 3 == 1 ? x | (x << 3) : x;
    unsigned want = 0;
    for (uint64_t v = w; v; v >>= 1) want += (unsigned)(v & 1);
    cr_assert_eq(bits_count(w), want, "%#llx", (unsigned long long)w);
  }
}
