/*
 * version.c — the engine's version string, set by the build from
 * CMakeLists.txt's project version.
 */
#include "relief/relief.h"

const char *relief_version(void) { return RELIEF_VERSION; }
