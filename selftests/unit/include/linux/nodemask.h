/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's node masks, as far as the module's pure-logic files use
 * them, for the userspace unit tests: up to 64 nodes.
 */
#ifndef _VMPOOL_UNIT_NODEMASK_H
#define _VMPOOL_UNIT_NODEMASK_H

#define MAX_NUMNODES	64
#define NUMA_NO_NODE	(-1)

struct unit_nodemask {
	unsigned long long bits;
};

/* The kernel's name for it. */
#define nodemask_t		struct unit_nodemask

#define NODE_MASK_NONE		((nodemask_t){ 0 })
#define node_isset(n, m)	((int)(((m).bits >> (n)) & 1))
#define node_set(n, m)		((m).bits |= 1ULL << (n))
#define nodes_clear(m)		((m).bits = 0)
#define nodes_empty(m)		(!(m).bits)
#define nodes_weight(m)		__builtin_popcountll((m).bits)

/* The node after @n in @m, or MAX_NUMNODES. */
static inline int unit_next_node(int n, nodemask_t m)
{
	for (n++; n < MAX_NUMNODES; n++)
		if (node_isset(n, m))
			break;
	return n;
}

/* Move *@n to the next node of @m; false after the last. */
static inline bool unit_node_step(int *n, nodemask_t m)
{
	*n = unit_next_node(*n, m);
	return *n < MAX_NUMNODES;
}

/* Point at @n, set before the first node. */
static inline int *unit_node_start(int *n)
{
	*n = -1;
	return n;
}

#define first_node(m)		unit_next_node(-1, (m))
#define for_each_node_mask(n, m)					\
	for (int *unit_n = unit_node_start(&(n)); unit_node_step(unit_n, (m)); )

static inline nodemask_t nodemask_of_node(int nid)
{
	nodemask_t m = { 1ULL << nid };

	return m;
}

#endif /* _VMPOOL_UNIT_NODEMASK_H */
