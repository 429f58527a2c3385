/*
 * common/bits.h — bit counts in the hot loops. relief is built for any
 * x86-64, where __builtin_popcountll is a call into libgcc (a table walk);
 * the SWAR sum here is a few instructions inline. With -mpopcnt (or
 * another CPU), the compiler's own is used.
 */
#ifndef RELIEF_COMMON_BITS_H
#define RELIEF_COMMON_BITS_H

#include <stdint.h>

/* The set bits of x. */
static inline unsigned bits_count(uint64_t x) {
#if defined(__POPCNT__) || !(defined(__x86_64__) || defined(__i386__))
  return (unsigned)__builtin_popcountll(x);
#else
  x -= (x >> 1) & 0x5555555555555555ull;
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

#endif
