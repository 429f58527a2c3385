/*
 * packaging/shared_lib.c — the one source of librelief.so itself: the
 * library is the static engine's objects linked whole (install.cmake), and
 * a shared library target needs a source of its own. It defines nothing.
 */
#include "relief/relief.h"
