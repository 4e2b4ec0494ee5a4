// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the NUMA nodes a page for a VM comes from (see place.h), from
 * a memory policy, and the order in which they are tried.
 */
#include <linux/mempolicy.h>
#include <linux/nodemask.h>
#include <linux/topology.h>

#include "compat.h"
#include "place.h"

/**
 * vmpool_place_prefer - a place that prefers one node
 * @p: set to node @nid first, then any other.
 * @nid: the node.
 */
void vmpool_place_prefer(struct vmpool_place *p, int nid)
{
	p->first = nid;
	p->nodes = nodemask_of_node(nid);
	p->strict = false;
}

/**
 * vmpool_place_anywhere - a place with no preference
 * @p: set to any node, in the order the free lists come.
 */
void vmpool_place_anywhere(struct vmpool_place *p)
{
	p->first = NUMA_NO_NODE;
	nodes_clear(p->nodes);
	p->strict = false;
}

/* The node of @nodes nearest to @nid, @nid itself if it is one. */
static int vmpool_nearest_of(int nid, const nodemask_t *nodes)
{
	int n, best = NUMA_NO_NODE;

	if (node_isset(nid, *nodes))
		return nid;
	for_each_node_mask(n, *nodes)
		if (best == NUMA_NO_NODE ||
		    node_distance(nid, n) < node_distance(nid, best))
			best = n;
	return best;
}

/* The @n-th node of @nodes (not empty), counting from 0 and round. */
static int vmpool_nth_node(const nodemask_t *nodes, unsigned long n)
{
	int nid;

	n %= nodes_weight(*nodes);
	for_each_node_mask(nid, *nodes)
		if (!n--)
			return nid;
	return first_node(*nodes);
}

/**
 * vmpool_place_policy - the place a memory policy gives a page
 * @p: set from the policy, if it says something.
 * @mode: the policy's mode (``MPOL_*``).
 * @nodes: its nodes.
 * @home_node: its home node, or %NUMA_NO_NODE.
 * @index: the page's offset in the VM, for interleaving.
 * @local: the node of the CPU that asks.
 *
 * %MPOL_BIND: its nodes only, the one nearest to its home node (or to
 * @local, without one) first.  %MPOL_PREFERRED_MANY: the same, then other
 * nodes.
 * %MPOL_PREFERRED: its node first.  Interleaving: the (@index mod count)-th
 * of its nodes first, then the others.  %MPOL_LOCAL: @local first.
 *
 * Return: false, @p untouched, for a policy that says nothing (the
 * default one, or one without nodes).
 */
bool vmpool_place_policy(struct vmpool_place *p, unsigned short mode,
			 const nodemask_t *nodes, int home_node,
			 unsigned long index, int local)
{
	int first;

	if (mode == MPOL_LOCAL) {
		vmpool_place_prefer(p, local);
		return true;
	}
	if (nodes_empty(*nodes))
		return false;
	if (vmpool_mpol_interleaves(mode))
		first = vmpool_nth_node(nodes, index);
	else if (mode == MPOL_BIND || mode == MPOL_PREFERRED_MANY)
		first = vmpool_nearest_of(home_node != NUMA_NO_NODE ?
					  home_node : local, nodes);
	else if (mode == MPOL_PREFERRED)
		first = first_node(*nodes);
	else
		return false;
	if (first == NUMA_NO_NODE)
		return false;
	p->first = first;
	p->nodes = *nodes;
	p->strict = mode == MPOL_BIND;
	return true;
}

/**
 * vmpool_place_next - the next node to take a page from
 * @mem_nodes: the nodes with pool memory; only those count.
 * @p: the place, with a first node (not %NUMA_NO_NODE).
 * @tried: nodes returned before (start with none); the node returned is
 *	added.
 *
 * The first node, then the place's others, then (unless it is strict) the
 * rest; each group nearest to the first node first, the lower number on a
 * tie.
 *
 * Return: the node, or %NUMA_NO_NODE when every node the place allows has
 * been returned.
 */
int vmpool_place_next(const nodemask_t *mem_nodes,
		      const struct vmpool_place *p, nodemask_t *tried)
{
	int n, best = NUMA_NO_NODE;
	bool in, best_in = false;

	for_each_node_mask(n, *mem_nodes) {
		if (node_isset(n, *tried))
			continue;
		in = node_isset(n, p->nodes);
		if (!in && p->strict)
			continue;
		if (best == NUMA_NO_NODE || n == p->first ||
		    (best != p->first &&
		     (in > best_in ||
		      (in == best_in && node_distance(p->first, n) <
					node_distance(p->first, best))))) {
			best = n;
			best_in = in;
		}
	}
	if (best != NUMA_NO_NODE)
		node_set(best, *tried);
	return best;
}
