/*
 * counties.h — the 58 California county names as the DOJ writes them in
 * STP_ORI_CNTY_NAME, and the checks of a --county that is not one of them
 * (a typo would silently decide nothing in-county): an error naming the
 * nearest in relief mode, a warning in the gogen drop-in.
 */
#ifndef RELIEF_CLI_COUNTIES_H
#define RELIEF_CLI_COUNTIES_H

#include "cli/cli.h"
#include "rules/counties.h"

/* the list lives in rules/counties.c, shared with the server */
enum { CLI_N_COUNTIES = RELIEF_N_COUNTIES };
#define cli_county_names county_names

/* The county name nearest to name by edit distance (ties: the first in
 * alphabetical order), comparing in upper case; sets *distance. */
const char *cli_nearest_county(const char *name, int *distance);

/* The canonical (upper-case) county name that name denotes, ignoring case
 * and surrounding spaces and tabs; NULL when it names none of the 58. */
const char *cli_county_canonical(const char *name);

/* Relief mode: *canonical = the county named (see cli_county_canonical);
 * else RELIEF_E_USAGE with err naming what ("--county") and the nearest. */
relief_status cli_resolve_county(const char *what, const char *county, const char **canonical,
                                 relief_error *err);

/* The gogen drop-in (exact comparison, as the reference): warns on stderr
 * when county is not exactly one of the 58 names, suggesting the nearest.
 * Never fails: the run proceeds. Returns 1 if it warned, else 0. */
int cli_check_county(const cli_env *env, const char *county);

#endif
