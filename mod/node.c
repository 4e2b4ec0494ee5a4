// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: NUMA placement - free pages kept by node, and the nodes a page
 * for a VM comes from.
 *
 * The global pool and each VM's dedicated pool keep their free pages on
 * one list per node (struct vmpool_nlist).  Where a page for a VM should
 * come from is a struct vmpool_place:
 *
 *  - a fault follows the memory policy of the mapping it faults in
 *    (mbind(), which QEMU's host-nodes=/policy= and libvirt's numatune
 *    use), as hugetlbfs does; without one, the VM's node (given at its
 *    creation), then the faulting task's policy, then its CPU's node;
 *  - anything else that takes pages for a VM (growing its dedicated pool,
 *    reading its pages back ahead of a fault) takes the VM's node first,
 *    or any node when it has none.
 *
 * Pages come from the first node of the place, then from the others it
 * names, nearest first, then (unless the policy binds: MPOL_BIND) from
 * every other node with pool memory, nearest first (place.c, pure logic).
 * A bound fault with no page on its nodes finds the pool empty, as a
 * hugetlbfs fault does.
 */
#include <linux/mempolicy.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "vmpool.h"

/**
 * vmpool_nlist_init - set up empty per-node lists
 * @nl: the lists.
 * @gfp: allocation flags.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int vmpool_nlist_init(struct vmpool_nlist *nl, gfp_t gfp)
{
	int nid;

	nl->node = kmalloc_array(nr_node_ids, sizeof(*nl->node), gfp);
	if (!nl->node)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++)
		nl->node[nid] = (struct vmpool_list) { .head = VMPOOL_NONE };
	nl->count = 0;
	return 0;
}

/**
 * vmpool_nlist_destroy - free per-node lists
 * @nl: the lists (never set up, perhaps); the pages on them stay where
 *	they are, on no list.
 *
 * Context: any context.
 */
void vmpool_nlist_destroy(struct vmpool_nlist *nl)
{
	kfree(nl->node);
	nl->node = NULL;
}

/**
 * vmpool_nlist_push - put a page on the list of its node
 * @pool: the pool.
 * @nl: the lists.
 * @idx: pool index of a page on no list.
 *
 * Context: @pool->lock held (or the lists are the caller's alone).
 * Return: the page's node.
 */
int vmpool_nlist_push(struct vmpool_pool *pool, struct vmpool_nlist *nl,
		      u32 idx)
{
	int nid = vmpool_page_nid(pool, idx);

	vmpool_list_push(pool, &nl->node[nid], idx);
	nl->count++;
	return nid;
}

/**
 * vmpool_nlist_pop - take a page from the list of a node
 * @pool: the pool.
 * @nl: the lists.
 * @nid: the node, or %NUMA_NO_NODE for the first node that has one.
 *
 * Context: @pool->lock held (or the lists are the caller's alone).
 * Return: the page's pool index, or %VMPOOL_NONE if there is none.
 */
u32 vmpool_nlist_pop(struct vmpool_pool *pool, struct vmpool_nlist *nl,
		     int nid)
{
	u32 idx = VMPOOL_NONE;

	if (!nl->count)
		return VMPOOL_NONE;
	if (nid != NUMA_NO_NODE) {
		idx = vmpool_list_pop(pool, &nl->node[nid]);
	} else {
		for_each_node_mask(nid, pool->mem_nodes) {
			idx = vmpool_list_pop(pool, &nl->node[nid]);
			if (idx != VMPOOL_NONE)
				break;
		}
	}
	if (idx != VMPOOL_NONE)
		nl->count--;
	return idx;
}

/**
 * vmpool_nlist_del - take a page off the list of its node
 * @pool: the pool.
 * @nl: the lists; the page is on the one of its node.
 * @idx: the page.
 *
 * Context: @pool->lock held.
 */
void vmpool_nlist_del(struct vmpool_pool *pool, struct vmpool_nlist *nl,
		      u32 idx)
{
	vmpool_list_del(pool, &nl->node[vmpool_page_nid(pool, idx)], idx);
	nl->count--;
}

/**
 * vmpool_nlist_pop_place - take a page from the lists of the nodes of a
 *	place
 * @pool: the pool.
 * @nl: the lists.
 * @p: the place, tried node by node (vmpool_place_next()); NULL, or one
 *	with no first node, for the first node that has one.
 *
 * Context: @pool->lock held.
 * Return: the page's pool index, or %VMPOOL_NONE if there is none.
 */
u32 vmpool_nlist_pop_place(struct vmpool_pool *pool, struct vmpool_nlist *nl,
			   const struct vmpool_place *p)
{
	nodemask_t tried = NODE_MASK_NONE;
	u32 idx = VMPOOL_NONE;
	int nid;

	if (!p || p->first == NUMA_NO_NODE)
		return vmpool_nlist_pop(pool, nl, NUMA_NO_NODE);
	while (idx == VMPOOL_NONE && nl->count &&
	       (nid = vmpool_place_next(&pool->mem_nodes, p, &tried)) !=
	       NUMA_NO_NODE)
		idx = vmpool_nlist_pop(pool, nl, nid);
	return idx;
}

/**
 * vmpool_pool_has_node - whether the pool has memory on a node
 * @pool: the pool.
 * @nid: a node number from userspace, unchecked.
 *
 * Context: any context.
 * Return: true if @nid names a node the pool's chunks are on.
 */
bool vmpool_pool_has_node(struct vmpool_pool *pool, u32 nid)
{
	return nid < nr_node_ids && node_isset(nid, pool->mem_nodes);
}

/**
 * vmpool_place_vm - where pages for a VM come from outside a fault
 * @vm: the VM.
 * @p: set to the VM's node first, or to no preference.
 *
 * Context: any context.
 */
void vmpool_place_vm(struct vmpool_vm *vm, struct vmpool_place *p)
{
	if (vm->node != NUMA_NO_NODE)
		vmpool_place_prefer(p, vm->node);
	else
		vmpool_place_anywhere(p);
}

#ifdef CONFIG_NUMA
/*
 * Set @p from memory policy @pol for guest page @index, if it says so.
 * A task's policy has its nodes rewritten in place when its cpuset
 * changes: they are read once, as the allocator does.
 */
static bool vmpool_place_mpol(struct vmpool_place *p,
			      const struct mempolicy *pol, pgoff_t index)
{
	nodemask_t nodes;

	barrier();
	memcpy(&nodes, &pol->nodes, sizeof(nodes));
	barrier();
	return vmpool_place_policy(p, pol->mode, &nodes, pol->home_node,
				   index, numa_node_id());
}
#endif

/**
 * vmpool_place_fault - where the page for a fault comes from
 * @vm: the VM.
 * @vma: the mapping faulted in; its mm's mmap lock (or the mapping's own
 *	lock) is held, which keeps its policy.  NULL for fallocate(), which
 *	has none.
 * @index: the guest page.
 * @p: set from @vma's memory policy, else the VM's node, else the task's
 *	memory policy, else the faulting CPU's node.
 *
 * Context: a fault, in the faulting task.
 */
void vmpool_place_fault(struct vmpool_vm *vm, struct vm_area_struct *vma,
			pgoff_t index, struct vmpool_place *p)
{
#ifdef CONFIG_NUMA
	if (vma && vma->vm_policy && vmpool_place_mpol(p, vma->vm_policy, index))
		return;
#endif
	if (vm->node != NUMA_NO_NODE) {
		vmpool_place_prefer(p, vm->node);
		return;
	}
#ifdef CONFIG_NUMA
	/* The task changes its own policy only: read as the allocator does. */
	if (current->mempolicy &&
	    vmpool_place_mpol(p, current->mempolicy, index))
		return;
#endif
	vmpool_place_prefer(p, numa_node_id());
}

/**
 * vmpool_place_has - whether a page for a VM is free on the nodes of a
 *	place
 * @vm: the VM.
 * @p: the place; only its nodes count.
 *
 * Context: the pool lock held.
 * Return: true if @vm's dedicated pool, or the global pool, has a page
 * on a node of @p that it may take.
 */
bool vmpool_place_has(struct vmpool_vm *vm, const struct vmpool_place *p)
{
	struct vmpool_pool *pool = vm->pool;
	int nid;

	lockdep_assert_held(&pool->lock);
	if (vmpool_place_has_global(pool, p))
		return true;
	if (!vmpool_vm_spare(vm))
		return false;
	for_each_node_mask(nid, p->nodes)
		if (node_isset(nid, pool->mem_nodes) &&
		    vm->dedicated.node[nid].count)
			return true;
	return false;
}

/**
 * vmpool_place_has_global - whether the global pool has a page anyone may
 *	take on the nodes of a place
 * @pool: the pool.
 * @p: the place; only its nodes count.
 *
 * Context: the pool lock held.
 * Return: true if it has.
 */
bool vmpool_place_has_global(struct vmpool_pool *pool,
			     const struct vmpool_place *p)
{
	int nid;

	lockdep_assert_held(&pool->lock);
	/* Exact: no page lent to a fault cache counted on its node. */
	if (pool->nr_lent)
		vmpool_cache_drain_all(pool);
	if (!vmpool_pool_available(pool))
		return false;
	for_each_node_mask(nid, p->nodes)
		if (node_isset(nid, pool->mem_nodes) && pool->node_free[nid])
			return true;
	return false;
}
