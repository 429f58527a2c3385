/*
 * test_publish.c — the one publication mechanism: files appear under their
 * final names only at commit, mode 0600; an abort leaves the folder as it
 * was; a second run is locked out; symlinks are never followed; killed
 * runs' staging folders are cleaned; the previous bundle is replaced whole.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/publish.h"

static char root[] = "/tmp/relief-publish-XXXXXX";
static void setup(void) { cr_assert_not_null(mkdtemp(root)); }
TestSuite(publish, .init = setup);

static void path_of(char *out, size_t cap, const char *name) {
  snprintf(out, cap, "%s/%s", root, name);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
}

static char *read_text(const char *path) {
  static char buf[4096];
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

/* Entries of the folder other than . and .. */
static int entries(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  if (d) closedir(d);
  return n;
}

Test(publish, files_appear_only_at_commit_with_mode_0600) {
  char out[512], file[600], nested[700];
  path_of(out, sizeof out, "a");
  publication *p;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_OK, "%s", err.message);
  cr_assert_eq(publication_write_file(p, "x.csv", "hello", 5, &err), RELIEF_OK);
  cr_assert_eq(publication_write_file(p, "Sub/Dir/y.pdf", "pdf", 3, &err), RELIEF_OK);
  snprintf(file, sizeof file, "%s/x.csv", out);
  struct stat st;
  cr_assert_neq(stat(file, &st), 0, "nothing under the final name before commit");
  cr_assert_eq(publication_count(p), 2);
  pub_entry e;
  publication_entry(p, 0, &e);
  cr_assert_str_eq(e.relpath, "x.csv");
  cr_assert_eq(e.size, 5);
  cr_assert_eq(strlen(e.xxh3_128), 32);
  cr_assert_eq(publication_commit(p, NULL, 0, &err), RELIEF_OK, "%s", err.message);
  cr_assert_str_eq(read_text(file), "hello");
  cr_assert_eq(stat(file, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0600);
  snprintf(nested, sizeof nested, "%s/Sub/Dir/y.pdf", out);
  cr_assert_str_eq(read_text(nested), "pdf");
  cr_assert_eq(entries(out), 2, "x.csv and Sub: no lock, no staging folder left");
}

Test(publish, abort_leaves_the_folder_as_it_was) {
  char out[512], file[600];
  path_of(out, sizeof out, "b");
  mkdir(out, 0700);
  snprintf(file, sizeof file, "%s/x.csv", out);
  write_text(file, "old");
  publication *p;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_OK);
  cr_assert_eq(publication_write_file(p, "x.csv", "new", 3, &err), RELIEF_OK);
  publication_abort(p);
  cr_assert_str_eq(read_text(file), "old");
  cr_assert_eq(entries(out), 1);
}

Test(publish, a_second_run_into_the_folder_is_refused) {
  char out[512];
  path_of(out, sizeof out, "c");
  publication *p, *q;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_OK);
  cr_assert_eq(publication_begin(out, &q, &err), RELIEF_E_IO);
  cr_assert(strstr(err.message, "another relief run"), "%s", err.message);
  publication_abort(p);
  cr_assert_eq(publication_begin(out, &q, &err), RELIEF_OK, "free again after the first ends");
  publication_abort(q);
}

Test(publish, a_symlink_at_a_final_name_stops_the_commit_before_anything_moves) {
  char out[512], link[600], target[600], other[600];
  path_of(out, sizeof out, "d");
  mkdir(out, 0700);
  path_of(target, sizeof target, "outside.txt");
  write_text(target, "victim");
  snprintf(link, sizeof link, "%s/b.csv", out);
  cr_assert_eq(symlink(target, link), 0);
  publication *p;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_OK);
  cr_assert_eq(publication_write_file(p, "a.csv", "a", 1, &err), RELIEF_OK);
  cr_assert_eq(publication_write_file(p, "b.csv", "b", 1, &err), RELIEF_OK);
  cr_assert_eq(publication_commit(p, NULL, 0, &err), RELIEF_E_IO);
  cr_assert_str_eq(read_text(target), "victim", "never written through");
  snprintf(other, sizeof other, "%s/a.csv", out);
  struct stat st;
  cr_assert_neq(stat(other, &st), 0, "nothing published");
  cr_assert_eq(lstat(link, &st), 0);
  cr_assert(S_ISLNK(st.st_mode), "the link is left alone");
}

Test(publish, a_symlinked_output_folder_is_refused) {
  char out[512], real[512];
  path_of(real, sizeof real, "real");
  mkdir(real, 0700);
  path_of(out, sizeof out, "linked");
  cr_assert_eq(symlink(real, out), 0);
  publication *p;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_E_IO);
  cr_assert(strstr(err.message, "symbolic link"), "%s", err.message);
  cr_assert_eq(entries(real), 0);
}

Test(publish, staging_left_by_a_killed_run_is_removed_and_links_in_it_not_followed) {
  char out[512], stage[600], victim_dir[512], victim[600], link[700];
  path_of(out, sizeof out, "e");
  mkdir(out, 0700);
  snprintf(stage, sizeof stage, "%s/.relief-stage.0123456789ab", out);
  mkdir(stage, 0700);
  path_of(victim_dir, sizeof victim_dir, "victim");
  mkdir(victim_dir, 0700);
  snprintf(victim, sizeof victim, "%s/keep.txt", victim_dir);
  write_text(victim, "keep");
  snprintf(link, sizeof link, "%s/dir", stage);
  cr_assert_eq(symlink(victim_dir, link), 0);
  char planted[600];
  snprintf(planted, sizeof planted, "%s/.relief-stage.feedfeedfeed", out);
  cr_assert_eq(symlink(victim_dir, planted), 0);
  publication *p;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_OK);
  publication_abort(p);
  struct stat st;
  cr_assert_neq(lstat(stage, &st), 0, "the killed run's staging folder is gone");
  cr_assert_str_eq(read_text(victim), "keep", "a link inside it was not followed");
  cr_assert_eq(lstat(planted, &st), 0, "a link named like a staging folder is not ours");
}

/* publication_clean_stale, which a command calls before any check: the
 * same staging folders go, links and other names stay, no lock is left,
 * and nothing goes while another run holds the folder's lock. */
Test(publish, clean_stale_removes_only_staging_folders_relief_named) {
  char out[512], stage[600], other[600], link[600], victim_dir[512], lock[600];
  path_of(out, sizeof out, "clean");
  mkdir(out, 0700);
  snprintf(stage, sizeof stage, "%s/.relief-stage.0123456789ab", out);
  snprintf(other, sizeof other, "%s/.relief-stage.notrelief", out);
  snprintf(link, sizeof link, "%s/.relief-stage.feedfeedfeed", out);
  snprintf(lock, sizeof lock, "%s/.relief.lock", out);
  path_of(victim_dir, sizeof victim_dir, "clean_victim");
  mkdir(victim_dir, 0700);
  cr_assert_eq(symlink(victim_dir, link), 0);
  mkdir(other, 0700);
  publication *held;
  relief_error err;
  mkdir(stage, 0700);
  cr_assert_eq(publication_begin(out, &held, &err), RELIEF_OK);
  mkdir(stage, 0700); /* made after the running one's own cleanup */
  publication_clean_stale(out);
  struct stat st;
  cr_assert_eq(lstat(stage, &st), 0, "removed while another run held the lock");
  publication_abort(held);
  publication_clean_stale(out);
  cr_assert_neq(lstat(stage, &st), 0, "the killed run's staging folder is gone");
  cr_assert_eq(lstat(other, &st), 0, "a folder relief would not name so was removed");
  cr_assert_eq(lstat(link, &st), 0, "a link named like a staging folder was removed");
  cr_assert_eq(stat(victim_dir, &st), 0);
  cr_assert_neq(lstat(lock, &st), 0, "the lock was left");
  path_of(link, sizeof link, "clean_link");
  cr_assert_eq(symlink(out, link), 0);
  publication_clean_stale(link); /* a linked folder: nothing, no crash */
  publication_clean_stale("/nonexistent/relief");
}

Test(publish, previous_bundle_files_not_replaced_are_removed_regular_files_only) {
  char out[512], file[600];
  path_of(out, sizeof out, "f");
  mkdir(out, 0700);
  const char *old[] = {"old.csv", "Court/X/m1.pdf", "keep.csv", "link.csv", "../escape"};
  char sub[600];
  snprintf(sub, sizeof sub, "%s/Court", out);
  mkdir(sub, 0700);
  snprintf(sub, sizeof sub, "%s/Court/X", out);
  mkdir(sub, 0700);
  for (int i = 0; i < 3; i++) {
    snprintf(file, sizeof file, "%s/%s", out, old[i]);
    write_text(file, "old");
  }
  char target[600];
  path_of(target, sizeof target, "not-ours.txt");
  write_text(target, "mine");
  snprintf(file, sizeof file, "%s/link.csv", out);
  cr_assert_eq(symlink(target, file), 0);
  publication *p;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_OK);
  cr_assert_eq(publication_write_file(p, "keep.csv", "new", 3, &err), RELIEF_OK);
  cr_assert_eq(publication_commit(p, old, 5, &err), RELIEF_OK, "%s", err.message);
  struct stat st;
  snprintf(file, sizeof file, "%s/old.csv", out);
  cr_assert_neq(stat(file, &st), 0, "a file of the old bundle is gone");
  cr_assert_neq(stat(sub, &st), 0, "and the folder it emptied");
  snprintf(file, sizeof file, "%s/keep.csv", out);
  cr_assert_str_eq(read_text(file), "new");
  snprintf(file, sizeof file, "%s/link.csv", out);
  cr_assert_eq(lstat(file, &st), 0, "a symlink is not relief's file: left alone");
  cr_assert_str_eq(read_text(target), "mine");
}

Test(publish, bad_names_are_refused) {
  char out[512];
  path_of(out, sizeof out, "g");
  publication *p;
  relief_error err;
  cr_assert_eq(publication_begin(out, &p, &err), RELIEF_OK);
  pub_file *f;
  cr_assert_eq(publication_create(p, "../x", &f, &err), RELIEF_E_IO);
  cr_assert_eq(publication_create(p, "/abs", &f, &err), RELIEF_E_IO);
  cr_assert_eq(publication_create(p, "a//b", &f, &err), RELIEF_E_IO);
  cr_assert_eq(publication_create(p, "a/./b", &f, &err), RELIEF_E_IO);
  publication_abort(p);
}

Test(publish, single_files_never_replace_what_is_not_a_regular_file) {
  char out[512], fifo[600];
  path_of(out, sizeof out, "h");
  mkdir(out, 0700);
  snprintf(fifo, sizeof fifo, "%s/errors.json", out);
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  relief_error err;
  cr_assert_eq(publish_single_file(out, "errors.json", "{}", 2, &err), RELIEF_E_IO);
  struct stat st;
  cr_assert_eq(lstat(fifo, &st), 0);
  cr_assert(S_ISFIFO(st.st_mode));
  publish_remove_own_file(out, "errors.json");
  cr_assert_eq(lstat(fifo, &st), 0, "only regular files are removed");
  unlink(fifo);
  cr_assert_eq(publish_single_file(out, "errors.json", "{}", 2, &err), RELIEF_OK);
  cr_assert_eq(entries(out), 1, "no temporary left");
}
