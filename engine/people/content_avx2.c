/*
 * content_avx2.c — the statewide content hash (XXH3-64 of a row's whole
 * text, every row of a run) through libxxhash's own header with its AVX2
 * accumulator: the shared library is built for any x86-64, so it hashes
 * 16 bytes a step. Only this file is compiled for AVX2; person_key.c calls
 * it when the CPU has it. The hash is the same value on every path.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("avx2")
#define XXH_INLINE_ALL
#define XXH_VECTOR 2 /* XXH_AVX2 */
#include <xxhash.h>

#include "people/people.h"

uint64_t row_content_hash_avx2(const char *text, size_t len) { return XXH3_64bits(text, len); }
#else
typedef int relief_no_avx2_content_hash; /* not an empty file */
#endif
