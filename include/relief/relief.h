/*
 * relief/relief.h — the whole public API of the relief engine in one include.
 * Stages, top to bottom: io (bytes in/out), doj (the format), rules (the
 * decision core), report (bundle, summary, run).
 */
#ifndef RELIEF_RELIEF_H
#define RELIEF_RELIEF_H

#include "relief/error.h"
#include "relief/io.h"
#include "relief/doj.h"
#include "relief/identity.h"
#include "relief/rules.h"
#include "relief/report.h"
#include "relief/forms.h"

/* The engine's version string, e.g. "0.1.0". */
const char *relief_version(void);

#endif
