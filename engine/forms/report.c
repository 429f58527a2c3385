/*
 * report.c — the impact report (placeholder until the report lands).
 */
#include "forms_internal.h"

relief_status relief_report_write(const char *dir, const char *report_json, relief_error *err) {
  (void)dir;
  (void)report_json;
  return relief_error_set(err, RELIEF_E_USAGE, NULL, 0, -1, "report: not written yet");
}
