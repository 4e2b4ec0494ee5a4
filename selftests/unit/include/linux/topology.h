/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The distance between two NUMA nodes, from a table the unit test sets
 * (ACPI SLIT style: 10 to itself).
 */
#ifndef _VMPOOL_UNIT_TOPOLOGY_H
#define _VMPOOL_UNIT_TOPOLOGY_H

#include <linux/nodemask.h>

extern int unit_node_distance[MAX_NUMNODES][MAX_NUMNODES];

#define node_distance(a, b)	(unit_node_distance[a][b])

#endif /* _VMPOOL_UNIT_TOPOLOGY_H */
