/*
 * xxh.c — a test helper (stdlib Python has no xxHash): prints the XXH3-128
 * (default) or, with -64, the XXH3-64 of each file argument, or of stdin
 * when there is none, as hex in canonical (big-endian) order, one per line.
 */
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

static int hash_stream(FILE *f, int bits64) {
  XXH3_state_t *s = XXH3_createState();
  if (!s) return 1;
  if (bits64)
    XXH3_64bits_reset(s);
  else
    XXH3_128bits_reset(s);
  char block[1 << 16];
  size_t n;
  while ((n = fread(block, 1, sizeof block, f)) > 0) {
    if (bits64)
      XXH3_64bits_update(s, block, n);
    else
      XXH3_128bits_update(s, block, n);
  }
  int bad = ferror(f);
  if (bits64) {
    printf("%016llx\n", (unsigned long long)XXH3_64bits_digest(s));
  } else {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(s));
    for (int i = 0; i < 16; i++) printf("%02x", c.digest[i]);
    printf("\n");
  }
  XXH3_freeState(s);
  return bad;
}

int main(int argc, char **argv) {
  int bits64 = argc > 1 && !strcmp(argv[1], "-64"), first = 1 + bits64, status = 0;
  if (first >= argc) return hash_stream(stdin, bits64);
  for (int i = first; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      perror(argv[i]);
      return 1;
    }
    status |= hash_stream(f, bits64);
    fclose(f);
  }
  return status;
}
