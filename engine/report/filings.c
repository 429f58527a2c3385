/*
 * filings.c — what a run hands to the forms stage: each county's motions
 * (after emit captured the rows' text) written under Court_Filings/, and the
 * impact report built from the summary the run wrote plus its extras.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "relief/forms.h"
#include "report/pipeline.h"

relief_status pipeline_write_filings(pipeline *pl, int county, const char *outputs_dir, int index,
                                     int64_t *n_motions, relief_error *err) {
  char dir[4096], folder[512];
  snprintf(dir, sizeof dir, "%s/Court_Filings", outputs_dir);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return relief_error_set(err, RELIEF_E_IO, dir, 0, -1, "cannot create folder: %s", strerror(errno));
  const char *name = pl->plans[pl->merged ? county : 0].name;
  relief_folder_name(folder, sizeof folder, name);
  if (index > 0) snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%s_%d", folder, index);
  else snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%s", folder);
  motion_list motions;
  pipeline_motions(pl, county, &motions);
  relief_status st = relief_forms_write(dir, motions.motions, motions.n, err);
  *n_motions += (int64_t)motions.n;
  motion_list_free(&motions);
  return st;
}

relief_status write_impact_report(const char *outputs_dir, const char *summary_json, json_t *extra,
                                  relief_error *err) {
  json_t *root = json_object();
  json_t *summary = json_loads(summary_json, 0, NULL);
  json_object_set_new(root, "summary", summary ? summary : json_object());
  json_object_set(root, "extra", extra);
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  relief_status st = relief_report_write(outputs_dir, text, err);
  free(text);
  return st;
}
