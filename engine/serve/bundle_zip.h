/*
 * serve/bundle_zip.h — a run's bundle as one zip file, for one download.
 */
#ifndef RELIEF_SERVE_BUNDLE_ZIP_H
#define RELIEF_SERVE_BUNDLE_ZIP_H

#include <stdbool.h>

#include "common/error.h"

/* Zips every file of run_dir (hidden ones aside, and review.sqlite unless
 * with_review) into out_dir/name. */
relief_status bundle_zip(const char *run_dir, const char *out_dir, const char *name,
                         bool with_review, relief_error *err);

#endif
