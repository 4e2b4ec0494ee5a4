/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpool: the NUMA nodes a page for a VM comes from, and in which order.
 *
 * Pure logic over node masks and the distances between nodes: no locks,
 * no allocation.  The same file builds in the kernel and in the userspace
 * unit test (selftests/unit/place_test.c).
 */
#ifndef _VMPOOL_PLACE_H
#define _VMPOOL_PLACE_H

#include <linux/nodemask.h>
#include <linux/types.h>

/**
 * struct vmpool_place - the nodes a page for a VM comes from
 * @first: the node to try first; %NUMA_NO_NODE for no preference at all.
 * @nodes: the nodes to try next, nearest to @first first.
 * @strict: only @nodes (a bound memory policy); else any node after them.
 */
struct vmpool_place {
	int first;
	nodemask_t nodes;
	bool strict;
};

void vmpool_place_prefer(struct vmpool_place *p, int nid);
void vmpool_place_anywhere(struct vmpool_place *p);
bool vmpool_place_policy(struct vmpool_place *p, unsigned short mode,
			 const nodemask_t *nodes, int home_node,
			 unsigned long index, int local);
int vmpool_place_next(const nodemask_t *mem_nodes,
		      const struct vmpool_place *p, nodemask_t *tried);

#endif /* _VMPOOL_PLACE_H */
