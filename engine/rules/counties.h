/*
 * rules/counties.h — the 58 California county names as the DOJ writes them
 * in STP_ORI_CNTY_NAME, and the one matcher of a county a person typed (the
 * CLI's --county and the server's "county" both go through it): any case and
 * surrounding spaces, else the nearest by edit distance to name in a refusal.
 */
#ifndef RELIEF_RULES_COUNTIES_H
#define RELIEF_RULES_COUNTIES_H

enum { RELIEF_N_COUNTIES = 58 };
extern const char *const county_names[RELIEF_N_COUNTIES];

/* The county name nearest to name by edit distance (ties: the first in
 * alphabetical order), comparing in upper case; sets *distance. */
const char *county_nearest(const char *name, int *distance);

/* The canonical (upper-case) county name that name denotes, ignoring case
 * and surrounding spaces and tabs; NULL when it names none of the 58. */
const char *county_canonical(const char *name);

#endif
