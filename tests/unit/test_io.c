/*
 * test_io.c — mapped and zstd input (multi-frame, truncated, corrupt) and
 * outputs that appear under their final name only when committed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "relief/io.h"

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

Test(io, outfile_appears_only_when_committed_mode_0600) {
  char path[256];
  snprintf(path, sizeof path, "%s/out.csv", dir);
  write_file(path, "old", 3);
  relief_outfile f;
  relief_error err;
  cr_assert_eq(relief_outfile_open(&f, path, &err), RELIEF_OK);
  cr_assert_eq(relief_outfile_write(&f, "new data", 8, &err), RELIEF_OK);
  cr_assert_eq(relief_outfile_finish(&f, &err), RELIEF_OK);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_size, 3, "final name untouched before commit");
  cr_assert_eq(stat(f.temp_path, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0600);
  cr_assert_eq(relief_outfile_commit(&f, &err), RELIEF_OK);
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_size, 8);
  /* a discarded file leaves nothing behind */
  cr_assert_eq(relief_outfile_open(&f, path, &err), RELIEF_OK);
  char temp[4096];
  snprintf(temp, sizeof temp, "%s", f.temp_path);
  relief_outfile_discard(&f);
  cr_assert_neq(stat(temp, &st), 0);
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_size, 8);
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

/* A run killed by SIGKILL leaves its hidden temporaries; the next commit of
 * the same name removes them, and leaves other names' files alone. */
Test(io, commit_removes_stale_temporaries_of_its_name_only) {
  char path[256], stale[300], other[300], similar[300];
  snprintf(path, sizeof path, "%s/Stale.csv", dir);
  snprintf(stale, sizeof stale, "%s/.Stale.csv.Ab12Cd.tmp", dir);
  snprintf(other, sizeof other, "%s/.Stale_1.csv.Ab12Cd.tmp", dir);
  snprintf(similar, sizeof similar, "%s/.Stale.csv.Ab12Cd.tmpx", dir);
  write_file(stale, "partial", 7);
  write_file(other, "partial", 7);
  write_file(similar, "keep", 4);
  relief_error err;
  cr_assert_eq(relief_write_file_atomic(path, "done", 4, &err), RELIEF_OK);
  struct stat st;
  cr_assert_neq(stat(stale, &st), 0, "stale temporary of the same name removed");
  cr_assert_eq(stat(other, &st), 0, "another name's temporary kept");
  cr_assert_eq(stat(similar, &st), 0, "a file that only looks similar kept");
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_size, 4);
}
