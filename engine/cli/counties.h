/*
 * counties.h — the 58 California county names as the DOJ writes them in
 * STP_ORI_CNTY_NAME, and the check that warns about a --county that is not
 * one of them (a typo would silently decide nothing in-county).
 */
#ifndef RELIEF_CLI_COUNTIES_H
#define RELIEF_CLI_COUNTIES_H

#include "cli/cli.h"

enum { CLI_N_COUNTIES = 58 };
extern const char *const cli_county_names[CLI_N_COUNTIES];

/* The county name nearest to name by edit distance (ties: the first in
 * alphabetical order), comparing in upper case; sets *distance. */
const char *cli_nearest_county(const char *name, int *distance);

/* Warns on stderr when county is not exactly one of the 58 names,
 * suggesting the nearest. Never fails: the run proceeds. Returns 1 if it
 * warned, else 0. */
int cli_check_county(const cli_env *env, const char *county);

#endif
