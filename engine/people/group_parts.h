/*
 * people/group_parts.h — the steps people_group (by key) and
 * people_group_assigned (by the numbers given while parsing) share. Private
 * to people/.
 */
#ifndef RELIEF_PEOPLE_GROUP_PARTS_H
#define RELIEF_PEOPLE_GROUP_PARTS_H

#include "people/people.h"

/* Turns counts n[0..k) into where each starts, n[k] the total. */
void group_starts(size_t *n, size_t k);

/* From count[seg][partition] (rows), where each partition's rows start
 * (part_first[P + 1]) and where each (segment, partition) run starts in
 * the partition list (at[seg][partition]). */
void group_offsets(const size_t *count, size_t n_segs, size_t *part_first, size_t *at);

/* Orders each partition's rows (by_part, in input order within a
 * partition) by person, in place, and fills out->first. Rows carry their
 * person's number within the partition (add_base: part_people[q] is added
 * to it) or already the global one. out->order becomes by_part. */
void group_order_people(const row_table *t, int threads, row_ref *by_part, const size_t *part_first,
                        const size_t *part_people, bool add_base, people_groups *out);

#endif
