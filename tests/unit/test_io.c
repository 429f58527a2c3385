/*
 * test_io.c — mapped and zstd input: multi-frame, truncated, corrupt, and
 * frames that claim more than they hold.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "io/input.h"

static char dir[] = "/tmp/relief-io-XXXXXX";
static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
TestSuite(io, .init = setup);

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  fwrite(p, 1, n, f);
  fclose(f);
}

/* text compressed as frames of frame bytes each */
static size_t compress_frames(const char *text, size_t n, size_t frame, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += frame) {
    size_t len = n - i < frame ? n - i : frame;
    size_t c = ZSTD_compress(out + o, cap - o, text + i, len, 3);
    cr_assert_not(ZSTD_isError(c));
    o += c;
  }
  return o;
}

Test(io, plain_and_multi_frame_zstd_give_the_same_text) {
  size_t n = 300000;
  char *text = malloc(n), *z = malloc(n * 2);
  for (size_t i = 0; i < n; i++) text[i] = "abc,def\n"[i % 8] + (char)(i % 97 == 0);
  char plain[256], packed[256];
  snprintf(plain, sizeof plain, "%s/a.dat", dir);
  snprintf(packed, sizeof packed, "%s/a.dat.zst", dir);
  write_file(plain, text, n);
  size_t zn = compress_frames(text, n, 40000, z, n * 2);
  write_file(packed, z, zn);
  relief_input a, b;
  relief_error err;
  cr_assert_eq(relief_input_open(&a, plain, &err), RELIEF_OK);
  cr_assert_eq(relief_input_open(&b, packed, &err), RELIEF_OK);
  cr_assert(b.compressed);
  cr_assert_eq(a.size, n);
  cr_assert_eq(b.size, n);
  cr_assert_eq(memcmp(a.data, b.data, n), 0);
  relief_input_close(&a);
  relief_input_close(&b);
  /* truncated: the last frame is cut */
  write_file(packed, z, zn - 10);
  cr_assert_eq(relief_input_open(&b, packed, &err), RELIEF_E_DATA);
  cr_assert_geq(err.offset, 0);
  /* corrupt: the second frame's header is damaged */
  size_t first = ZSTD_findFrameCompressedSize(z, zn);
  z[first] ^= 0x5A;
  write_file(packed, z, zn);
  cr_assert_eq(relief_input_open(&b, packed, &err), RELIEF_E_DATA);
  free(text);
  free(z);
}

Test(io, missing_and_folder_inputs_are_errors) {
  relief_input in;
  relief_error err;
  char path[256];
  snprintf(path, sizeof path, "%s/missing.dat", dir);
  cr_assert_eq(relief_input_open(&in, path, &err), RELIEF_E_IO);
  cr_assert(strstr(err.file, "missing.dat"));
  cr_assert_eq(relief_input_open(&in, dir, &err), RELIEF_E_IO);
}

/* Found by fuzz_zstd_input: a frame header claiming ~3 GB of content made the
 * frame-parallel path allocate all of it before finding the frame corrupt. */
Test(io, frame_claiming_more_than_it_can_hold_is_corrupt_not_allocated) {
  unsigned char z[64];
  const char text[] = "RECORD_ID\n";
  size_t zn = ZSTD_compress(z, sizeof z, text, sizeof text - 1, 1);
  cr_assert_not(ZSTD_isError(zn));
  /* rewrite the header: 8-byte content size field claiming 3e9 bytes */
  unsigned char forged[96];
  size_t o = 0;
  forged[o++] = 0x28, forged[o++] = 0xB5, forged[o++] = 0x2F, forged[o++] = 0xFD;
  forged[o++] = 0xE0; /* FCS 8 bytes, single segment */
  unsigned long long claim = 3000000000ull;
  for (int i = 0; i < 8; i++) forged[o++] = (unsigned char)(claim >> (8 * i));
  forged[o++] = 0x01, forged[o++] = 0x00, forged[o++] = 0x00; /* last raw block, 0 bytes */
  char path[256];
  snprintf(path, sizeof path, "%s/claim.zst", dir);
  write_file(path, forged, o);
  relief_input in;
  relief_error err;
  cr_assert_eq(relief_input_open(&in, path, &err), RELIEF_E_DATA);
  cr_assert_eq(err.offset, 0);
  cr_assert(strstr(err.message, "claims"), "%s", err.message);
}
