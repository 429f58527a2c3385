/*
 * filings.c — what a run hands to the forms stage: each county's motions
 * (after emit captured the rows' text) written under Court_Filings/, and the
 * impact report built from the summary the run wrote plus its extras.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relief/forms.h"
#include "report/pipeline.h"

relief_status pipeline_write_filings(pipeline *pl, int county, const char *outputs_dir, int index,
                                     int64_t *n_motions, relief_error *err) {
  char dir[4096], folder[512];
  snprintf(dir, sizeof dir, "%s/Court_Filings", outputs_dir);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return relief_error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot create folder: %s",
                            strerror(errno));
  const char *name = pl->plans[pl->merged ? county : 0].name;
  relief_folder_name(folder, sizeof folder, name);
  if (index > 0)
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%s_%d", folder, index);
  else
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%s", folder);
  motion_list motions;
  pipeline_motions(pl, county, &motions);
  relief_status st = relief_forms_write(dir, motions.motions, motions.n, err);
  *n_motions += (int64_t)motions.n;
  motion_list_free(&motions);
  return st;
}

/* Staging folders left by a run that was killed. */
static void remove_stale_stages(const char *outputs_dir) {
  DIR *d = opendir(outputs_dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (strncmp(e->d_name, ".report.", 8) || n != 8 + 6 + 4 || strcmp(e->d_name + n - 4, ".tmp"))
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outputs_dir, e->d_name);
    DIR *inner = opendir(path);
    if (inner) {
      for (struct dirent *f; (f = readdir(inner));) {
        if (f->d_name[0] == '.' && (!f->d_name[1] || (f->d_name[1] == '.' && !f->d_name[2])))
          continue;
        char file[4400];
        snprintf(file, sizeof file, "%s/%s", path, f->d_name);
        unlink(file);
      }
      closedir(inner);
    }
    rmdir(path);
  }
  closedir(d);
}

relief_status stage_impact_report(const char *outputs_dir, const char *summary_json, json_t *extra,
                                  staged_report *out, relief_error *err) {
  memset(out, 0, sizeof *out);
  remove_stale_stages(outputs_dir);
  /* a hidden folder named like the other temporaries: .report.XXXXXX.tmp */
  static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t seed = (uint64_t)getpid() * 2654435761u ^ (uint64_t)time(NULL);
  for (int attempt = 0;; attempt++) {
    char tag[7];
    for (int i = 0; i < 6; i++, seed = seed * 6364136223846793005ull + 1442695040888963407ull)
      tag[i] = letters[(seed >> 33) % 62];
    tag[6] = 0;
    snprintf(out->dir, sizeof out->dir, "%s/.report.%s.tmp", outputs_dir, tag);
    if (mkdir(out->dir, 0700) == 0) break;
    if (errno != EEXIST || attempt > 100) {
      out->dir[0] = 0;
      return relief_error_set(err, RELIEF_E_IO, outputs_dir, 0, -1,
                              "cannot create a staging folder: %s", strerror(errno));
    }
  }
  static const char *const names[2] = {"report.html", "report.pdf"};
  for (int k = 0; k < 2; k++) {
    snprintf(out->files[k].temp_path, sizeof out->files[k].temp_path, "%s/%s", out->dir, names[k]);
    snprintf(out->files[k].final_path, sizeof out->files[k].final_path, "%s/%s", outputs_dir,
             names[k]);
  }
  json_t *root = json_object();
  json_t *summary = json_loads(summary_json, 0, NULL);
  json_object_set_new(root, "summary", summary ? summary : json_object());
  json_object_set(root, "extra", extra);
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  relief_status st = relief_report_write(out->dir, text, err);
  free(text);
  return st;
}

relief_status staged_report_commit(staged_report *r, relief_error *err) {
  relief_status st = RELIEF_OK;
  for (int k = 0; k < 2 && !st && r->dir[0]; k++) st = relief_outfile_commit(&r->files[k], err);
  return st;
}

void staged_report_discard(staged_report *r) {
  if (!r->dir[0]) return;
  for (int k = 0; k < 2; k++) relief_outfile_discard(&r->files[k]);
  rmdir(r->dir);
  r->dir[0] = 0;
}
