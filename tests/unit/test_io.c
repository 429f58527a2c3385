/*
 * test_io.c — mapped and zstd input: multi-frame, truncated, corrupt,
 * frames that claim more than they hold, skippable frames, FIFOs, the hash
 * of what was read; the capped reader of small files; and text_to_utf8,
 * which reads what is not UTF-8 as Windows-1252.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "common/hashtab.h"
#include "common/text.h"
#include "io/input.h"
#include "io/read_small.h"

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
  cr_assert_eq(input_open(&a, plain, &err), RELIEF_OK);
  cr_assert_eq(input_open(&b, packed, &err), RELIEF_OK);
  cr_assert(b.compressed);
  cr_assert_eq(a.size, n);
  cr_assert_eq(b.size, n);
  cr_assert_eq(memcmp(a.data, b.data, n), 0);
  input_close(&a);
  input_close(&b);
  /* truncated: the last frame is cut */
  write_file(packed, z, zn - 10);
  cr_assert_eq(input_open(&b, packed, &err), RELIEF_E_DATA);
  cr_assert_geq(err.offset, 0);
  /* corrupt: the second frame's header is damaged */
  size_t first = ZSTD_findFrameCompressedSize(z, zn);
  z[first] ^= 0x5A;
  write_file(packed, z, zn);
  cr_assert_eq(input_open(&b, packed, &err), RELIEF_E_DATA);
  free(text);
  free(z);
}

Test(io, missing_and_folder_inputs_are_errors) {
  relief_input in;
  relief_error err;
  char path[256];
  snprintf(path, sizeof path, "%s/missing.dat", dir);
  cr_assert_eq(input_open(&in, path, &err), RELIEF_E_IO);
  cr_assert(strstr(err.file, "missing.dat"));
  cr_assert_eq(input_open(&in, dir, &err), RELIEF_E_IO);
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
  cr_assert_eq(input_open(&in, path, &err), RELIEF_E_DATA);
  cr_assert_eq(err.offset, 0);
  cr_assert(strstr(err.message, "claims"), "%s", err.message);
}

/* pzstd leads with a skippable frame (magic 0x184D2A50..5F) before each
 * frame; such a file used to be refused as not zstd (it was read as text). */
static size_t put_skippable(char *out, unsigned magic_low, const char *payload, size_t n) {
  unsigned magic = 0x184D2A50u | (magic_low & 0xF);
  for (int i = 0; i < 4; i++) out[i] = (char)(magic >> (8 * i));
  for (int i = 0; i < 4; i++) out[4 + i] = (char)((unsigned)n >> (8 * i));
  memcpy(out + 8, payload, n);
  return 8 + n;
}

Test(io, skippable_frames_anywhere_are_skipped) {
  size_t n = 100000;
  char *text = malloc(n), *z = malloc(n * 2 + 64);
  for (size_t i = 0; i < n; i++) text[i] = "abc,def\n"[i % 8];
  size_t zn = put_skippable(z, 0, "\x10\x00\x00\x00", 4);
  zn += compress_frames(text, n / 2, 20000, z + zn, n * 2 - zn);
  zn += put_skippable(z + zn, 0xF, "pzstd", 5);
  zn += compress_frames(text + n / 2, n - n / 2, 20000, z + zn, n * 2 - zn);
  zn += put_skippable(z + zn, 7, "", 0);
  char packed[256];
  snprintf(packed, sizeof packed, "%s/skip.dat.zst", dir);
  write_file(packed, z, zn);
  relief_error err;
  for (int lazy = 0; lazy < 2; lazy++) {
    relief_input in;
    relief_status st = lazy ? input_open_lazy(&in, packed, &err) : input_open(&in, packed, &err);
    cr_assert_eq(st, RELIEF_OK, "%s", err.message);
    cr_assert(in.compressed, "a file led by a skippable frame is zstd");
    cr_assert_eq(input_materialize(&in, &err), RELIEF_OK, "%s", err.message);
    cr_assert_eq(in.size, n, "lazy=%d: %zu bytes of text", lazy, in.size);
    cr_assert_eq(memcmp(in.data, text, n), 0);
    input_close(&in);
  }
  free(text);
  free(z);
}

/* The manifest describes the bytes as they were read: the input records
 * XXH3-128 of its bytes at open (the compressed bytes for zstd), and tells
 * when the file changed since. */
Test(io, input_records_the_hash_of_what_it_read_and_notices_a_change) {
  char plain[256];
  snprintf(plain, sizeof plain, "%s/h.csv", dir);
  write_file(plain, "RECORD_ID\n", 10);
  relief_input in;
  relief_error err;
  cr_assert_eq(input_open_lazy(&in, plain, &err), RELIEF_OK);
  char want[33];
  hex128(XXH3_128bits("RECORD_ID\n", 10), want);
  cr_assert_str_eq(in.xxh3_128, want);
  cr_assert_eq(input_check_unchanged(&in, &err), RELIEF_OK);
  write_file(plain, "RECORD_ID,X\n", 12); /* rewritten in place: another size */
  cr_assert_eq(input_check_unchanged(&in, &err), RELIEF_E_IO);
  cr_assert(strstr(err.message, "changed while it was read"), "%s", err.message);
  cr_assert_str_eq(err.file, plain);
  input_close(&in);
  /* replaced by another file of the same size */
  write_file(plain, "RECORD_ID\n", 10);
  cr_assert_eq(input_open(&in, plain, &err), RELIEF_OK);
  char other[256];
  snprintf(other, sizeof other, "%s/h2.csv", dir);
  write_file(other, "RECORD_IX\n", 10);
  cr_assert_eq(rename(other, plain), 0);
  cr_assert_eq(input_check_unchanged(&in, &err), RELIEF_E_IO);
  input_close(&in);
}

/* A FIFO as input used to block the run forever in open(). */
Test(io, a_fifo_input_is_refused_without_blocking, .timeout = 10) {
  char fifo[256];
  snprintf(fifo, sizeof fifo, "%s/pipe.csv", dir);
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  relief_input in;
  relief_error err;
  cr_assert_eq(input_open_lazy(&in, fifo, &err), RELIEF_E_IO);
  cr_assert(strstr(err.message, "not a regular file"), "%s", err.message);
  cr_assert_str_eq(err.file, fifo);
}

/* Every file read whole goes through one reader: regular files only (a
 * FIFO does not block), capped in size. */
Test(io, small_files_are_regular_and_capped, .timeout = 10) {
  char path[256], fifo[256];
  snprintf(path, sizeof path, "%s/small.json", dir);
  snprintf(fifo, sizeof fifo, "%s/small.fifo", dir);
  write_file(path, "{\"a\": 1}", 8);
  char *buf;
  size_t len;
  relief_error err;
  cr_assert_eq(read_small_file(path, 8, "flow file", RELIEF_E_USAGE, &buf, &len, &err), RELIEF_OK);
  cr_assert_eq(len, 8);
  cr_assert_str_eq(buf, "{\"a\": 1}");
  free(buf);
  cr_assert_eq(read_small_file(path, 7, "flow file", RELIEF_E_USAGE, &buf, &len, &err),
               RELIEF_E_USAGE);
  cr_assert(strstr(err.message, "flow file file is over 7 bytes") ||
                strstr(err.message, "over 7 bytes"),
            "%s", err.message);
  cr_assert_null(buf);
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  cr_assert_eq(read_small_file(fifo, 1 << 20, "routing file", RELIEF_E_IO, &buf, &len, &err),
               RELIEF_E_IO);
  cr_assert(strstr(err.message, "not a regular file"), "%s", err.message);
  cr_assert_eq(read_small_file("/dev/zero", 1 << 20, "options", RELIEF_E_USAGE, &buf, &len, &err),
               RELIEF_E_USAGE);
  cr_assert_eq(read_small_file(dir, 1 << 20, "options", RELIEF_E_USAGE, &buf, &len, &err),
               RELIEF_E_USAGE);
}

/* What is not UTF-8 is Windows-1252: 0xD1 is Ñ, 0x80 the euro sign, the
 * undefined 0x81 U+FFFD; valid UTF-8 (a 4-byte form too) is kept as it is,
 * also beside stray bytes; overlong forms and surrogates are not UTF-8. */
Test(text, windows_1252_becomes_utf8) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"MU\xD1OZ", "MU\xC3\x91OZ"},
      {"\x80 5", "\xE2\x82\xAC 5"},
      {"a\x81"
       "b",
       "a\xEF\xBF\xBD"
       "b"},
      {"MU\xC3\x91OZ", "MU\xC3\x91OZ"},
      {"\xF0\x9F\x98\x80 \xE9", "\xF0\x9F\x98\x80 \xC3\xA9"},
      {"\xC0\xAF", "\xC3\x80\xC2\xAF"},
      {"\xED\xA0\x80", "\xC3\xAD\xC2\xA0\xE2\x82\xAC"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t len;
    char *got = text_to_utf8(cases[i].in, strlen(cases[i].in), &len);
    cr_assert_str_eq(got, cases[i].out, "case %zu", i);
    cr_assert_eq(len, strlen(cases[i].out));
    cr_assert(text_is_utf8(got, len));
    free(got);
  }
  cr_assert(!text_is_utf8("MU\xD1OZ", 5));
  cr_assert(text_is_utf8("MU\xC3\x91OZ", 6));
}
