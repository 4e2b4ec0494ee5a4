// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: 2 MiB extents - whole blocks of pool pages, and guest memory
 * mapped by them with one PMD.
 *
 * A block is 512 pool pages (PMD_SIZE) that are physically contiguous and
 * start at a 2 MiB boundary: pool indices b * 512 to b * 512 + 511 of one
 * chunk whose first page frame of the block is aligned.  The pool counts,
 * per block, its pages in the global pool (vmpool_free_add() and
 * vmpool_free_sub() keep the count) and in dedicated pools (the dedicated
 * pool's push and pop do); a block all of whose pages are in the global
 * pool is whole there (&vmpool_pool.whole), one all of whose pages are in
 * one VM's dedicated pool is whole in it (&vmpool_vm.whole).  The free
 * lists stay lists of pages, so the tenant and dirty rules stay per page;
 * they are doubly linked, so that a whole block leaves them page by page
 * in constant time.
 *
 * An extent is 512 guest pages starting at a multiple of 512.  A fault of
 * a mapping that may map it with one PMD (aligned, 2 MiB inside the
 * mapping, transparent huge pages allowed for it) backs an extent that
 * has no page yet with a whole block at once (vmpool_vm_take_block(): the
 * VM's own first, of the first node of its placement), and maps it with
 * one PMD.  Such an extent is marked in &vmpool_vm.huge until
 * one of its pages leaves it (a hole punched, a page paged out or taken by
 * reclaim: vmpool_vm_unmap_locked()); unmap_mapping_range() of any page of
 * it zaps the whole PMD, and its other pages fault again, 4 KiB each.
 *
 * Only ZONE_DEVICE pages are mapped so: those of a boot-reserved region
 * and of movable memory blocks (source.c, movable.c), which a PMD maps as
 * device-dax's do
 * (vmf_insert_pfn_pmd() of a devmap pfn): the entry holds no page
 * reference, and get_user_pages() takes one on the very 4 KiB page it
 * returns (KVM, VFIO, O_DIRECT), so a page still leaves its VM only once
 * nothing references it.  Pages of the page allocator are order-0 pages:
 * a PMD of them would give get_user_pages() the reference count of the
 * first page of the block for all 512.
 *
 * A PMD has no accessed bit the idle sampling reads (premap.c walks page
 * tables of 4 KiB): a VM with an idle limit is mapped 4 KiB at a time.
 * Setting its first limit unmaps it whole (idle.c).  A PMD-mapped page is
 * never a clean copy (clean.c): such pages come from the store, and a
 * page read back from it is not in a whole block's extent.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pfn_t.h>
#include <linux/slab.h>

#include "vmpool.h"

/* Whether faults may map 2 MiB with one PMD here (compat.h). */
#ifdef VMPOOL_PMD_FAULT
static const bool vmpool_huge_fault_reached = true;
#else
static const bool vmpool_huge_fault_reached;
#endif

static bool pmd = true;
module_param(pmd, bool, 0644);
MODULE_PARM_DESC(pmd, "Map 2 MiB extents of guest memory of a region or movable_mb pool with one PMD (default on)");

/**
 * vmpool_pmd_available - whether faults map extents with one PMD
 * @pool: the pool.
 *
 * Context: any context.
 * Return: true for a pool of ZONE_DEVICE pages (a region, movable memory
 * blocks), on a kernel that calls ->huge_fault() for its mappings, with the
 * ``pmd`` parameter on.
 */
bool vmpool_pmd_available(struct vmpool_pool *pool)
{
	return vmpool_huge_fault_reached && !list_empty(&pool->ranges) &&
	       READ_ONCE(pmd);
}

/* Whether block @b lies in one chunk, at a 2 MiB boundary. */
static bool vmpool_block_aligned(struct vmpool_pool *pool, unsigned long b)
{
	u32 first = b * VMPOOL_BLOCK_PAGES;

	return IS_ALIGNED(vmpool_page_pfn(pool, first), VMPOOL_BLOCK_PAGES) &&
	       vmpool_pages_contiguous(pool, first, VMPOOL_BLOCK_PAGES);
}

/**
 * vmpool_blocks_init - find the pool's blocks, all whole
 * @pool: a pool whose pages are all in the global pool.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int vmpool_blocks_init(struct vmpool_pool *pool)
{
	unsigned long b;

	pool->nr_blocks = pool->nr_pages / VMPOOL_BLOCK_PAGES;
	pool->block_free = kvcalloc(pool->nr_blocks + 1,
				    sizeof(*pool->block_free), GFP_KERNEL);
	pool->block_ok = bitmap_zalloc(pool->nr_blocks + 1, GFP_KERNEL);
	pool->whole = bitmap_zalloc(pool->nr_blocks + 1, GFP_KERNEL);
	pool->block_dedicated = kvcalloc(pool->nr_blocks + 1,
					 sizeof(*pool->block_dedicated),
					 GFP_KERNEL);
	if (!pool->block_free || !pool->block_ok || !pool->whole ||
	    !pool->block_dedicated)
		return -ENOMEM;
	for (b = 0; b < pool->nr_blocks; b++) {
		pool->block_free[b] = VMPOOL_BLOCK_PAGES;
		if (vmpool_block_aligned(pool, b)) {
			__set_bit(b, pool->block_ok);
			__set_bit(b, pool->whole);
		}
	}
	return 0;
}

/**
 * vmpool_blocks_free - free what vmpool_blocks_init() made
 * @pool: the pool.
 *
 * Context: any context.
 */
void vmpool_blocks_free(struct vmpool_pool *pool)
{
	kvfree(pool->block_free);
	bitmap_free(pool->block_ok);
	bitmap_free(pool->whole);
	kvfree(pool->block_dedicated);
}

/**
 * vmpool_block_free_add - count a page entering the global pool in its block
 * @pool: the pool.
 * @idx: the page.
 *
 * Context: the pool lock held.
 */
void vmpool_block_free_add(struct vmpool_pool *pool, u32 idx)
{
	unsigned long b = idx / VMPOOL_BLOCK_PAGES;

	if (b >= pool->nr_blocks)
		return;
	if (++pool->block_free[b] == VMPOOL_BLOCK_PAGES &&
	    test_bit(b, pool->block_ok))
		__set_bit(b, pool->whole);
}

/**
 * vmpool_block_free_sub - count a page leaving the global pool in its block
 * @pool: the pool.
 * @idx: the page.
 *
 * Context: the pool lock held.
 */
void vmpool_block_free_sub(struct vmpool_pool *pool, u32 idx)
{
	unsigned long b = idx / VMPOOL_BLOCK_PAGES;

	if (b >= pool->nr_blocks)
		return;
	if (pool->block_free[b]-- == VMPOOL_BLOCK_PAGES)
		__clear_bit(b, pool->whole);
}

/**
 * vmpool_block_dedicated_add - count a page entering a dedicated pool in
 *	its block
 * @vm: the VM whose dedicated pool it enters.
 * @idx: the page.
 *
 * The block is whole in @vm's dedicated pool when all of its pages are in
 * dedicated pools, all of them @vm's.
 *
 * Context: the pool lock held.
 */
void vmpool_block_dedicated_add(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long b = idx / VMPOOL_BLOCK_PAGES;
	unsigned int k;

	if (b >= pool->nr_blocks ||
	    ++pool->block_dedicated[b] != VMPOOL_BLOCK_PAGES ||
	    !test_bit(b, pool->block_ok))
		return;
	for (k = 0; k < VMPOOL_BLOCK_PAGES; k++)
		if (pool->owner[b * VMPOOL_BLOCK_PAGES + k] != vm->slot)
			return;
	__set_bit(b, vm->whole);
}

/**
 * vmpool_block_dedicated_sub - count a page leaving a dedicated pool in its
 *	block
 * @vm: the VM whose dedicated pool it leaves.
 * @idx: the page.
 *
 * Context: the pool lock held.
 */
void vmpool_block_dedicated_sub(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long b = idx / VMPOOL_BLOCK_PAGES;

	if (b >= pool->nr_blocks)
		return;
	if (pool->block_dedicated[b]-- == VMPOOL_BLOCK_PAGES)
		__clear_bit(b, vm->whole);
}

/* A block set in @whole on node @nid (any node: NUMA_NO_NODE), or none. */
static u32 vmpool_block_find_node(struct vmpool_pool *pool,
				  const unsigned long *whole, int nid)
{
	unsigned long b;

	for_each_set_bit(b, whole, pool->nr_blocks)
		if (nid == NUMA_NO_NODE ||
		    vmpool_page_nid(pool, b * VMPOOL_BLOCK_PAGES) == nid)
			return b;
	return VMPOOL_NONE;
}

/*
 * A block set in @whole for place @p, or none: on its first node only, as
 * the page allocator takes a transparent huge page from the preferred node
 * only (a remote 2 MiB would cost more than it saves); on any of the nodes
 * a bound place names, in their order; on any node for a place without a
 * first node.
 */
static u32 vmpool_block_find_place(struct vmpool_pool *pool,
				   const unsigned long *whole,
				   const struct vmpool_place *p)
{
	nodemask_t tried = NODE_MASK_NONE;
	u32 b = VMPOOL_NONE;
	int nid;

	lockdep_assert_held(&pool->lock);
	if (!p->strict)
		return vmpool_block_find_node(pool, whole, p->first);
	while (b == VMPOOL_NONE &&
	       (nid = vmpool_place_next(&pool->mem_nodes, p, &tried)) !=
	       NUMA_NO_NODE)
		b = vmpool_block_find_node(pool, whole, nid);
	return b;
}

/**
 * vmpool_block_find - a whole block of the global pool for a place
 * @pool: the pool.
 * @p: the place: its first node, or the nodes it binds to.
 *
 * Context: the pool lock held.
 * Return: the block's number, or %VMPOOL_NONE if there is none there.
 */
u32 vmpool_block_find(struct vmpool_pool *pool, const struct vmpool_place *p)
{
	return vmpool_block_find_place(pool, pool->whole, p);
}

/**
 * vmpool_block_find_dedicated - a whole block of a VM's dedicated pool for
 *	a place
 * @vm: the VM.
 * @p: the place: its first node, or the nodes it binds to.
 *
 * Context: the pool lock held.
 * Return: the block's number, or %VMPOOL_NONE if there is none there.
 */
u32 vmpool_block_find_dedicated(struct vmpool_vm *vm,
				const struct vmpool_place *p)
{
	return vmpool_block_find_place(vm->pool, vm->whole, p);
}

/**
 * vmpool_vm_extent_state - what backs an extent of a VM
 * @vm: the VM.
 * @index: the extent's first guest page.
 *
 * Context: the pool lock held.
 * Return: 0 if a whole block backs it (&vmpool_vm.huge); 1 if nothing
 * backs any page of it; -EEXIST otherwise (single pages, the store).
 */
int vmpool_vm_extent_state(struct vmpool_vm *vm, pgoff_t index)
{
	unsigned int k;

	lockdep_assert_held(&vm->pool->lock);
	if (test_bit(index / VMPOOL_BLOCK_PAGES, vm->huge))
		return 0;
	for (k = 0; k < VMPOOL_BLOCK_PAGES; k++)
		/* A fault taking a page of its cache may fill it meanwhile. */
		if (READ_ONCE(vm->map[index + k]) != VMPOOL_NONE)
			return -EEXIST;
	return 1;
}

#ifdef VMPOOL_PMD_FAULT
/**
 * vmpool_vm_pmd_index - the extent a fault may map with one PMD
 * @vm: the VM.
 * @vma: the mapping faulted in.
 * @addr: the faulting address.
 * @index: set to the extent's first guest page.
 *
 * Context: a fault; @vm's invalidate lock held (the idle limit stays).
 * Return: true if the 2 MiB around @addr lies in @vma, maps an extent of
 * @vm, and may be mapped with one PMD.
 */
static bool vmpool_vm_pmd_index(struct vmpool_vm *vm,
				struct vm_area_struct *vma, unsigned long addr,
				pgoff_t *index)
{
	unsigned long start = addr & PMD_MASK;

	if (!vmpool_pmd_available(vm->pool) ||
	    READ_ONCE(vm->idle.limit) != VMPOOL_IDLE_LIMIT_NONE)
		return false;
	if (start < vma->vm_start || start + PMD_SIZE > vma->vm_end)
		return false;
	*index = linear_page_index(vma, start);
	return IS_ALIGNED(*index, VMPOOL_BLOCK_PAGES) &&
	       *index + VMPOOL_BLOCK_PAGES <= vm->nr_pages;
}

/**
 * vmpool_vm_pmd_mapped - whether a fault's 2 MiB is mapped with one PMD now
 * @vmf: a fault of 4 KiB.
 *
 * Context: a fault.
 * Return: true if a PMD maps the 2 MiB around the faulting address.
 */
bool vmpool_vm_pmd_mapped(struct vm_fault *vmf)
{
	return vmf->pmd && pmd_leaf(pmdp_get_lockless(vmf->pmd));
}

/**
 * vmpool_vm_huge_fault - map an extent of guest memory with one PMD
 * @vmf: the fault.
 * @order: the order of the mapping the core asks for.
 *
 * The extent is backed by a whole block (now, if none of it is backed
 * yet), and mapped with one PMD.  Anything else falls back to faults of
 * 4 KiB (vmpool_vm_fault()).
 *
 * Context: process context; the mm's mmap lock, or the VMA's own lock,
 * held for reading.
 * Return: %VM_FAULT_NOPAGE once mapped, %VM_FAULT_FALLBACK, or an error.
 */
vm_fault_t vmpool_vm_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct vmpool_vm *vm = vmpool_vm_from_file(vma->vm_file);
	vm_fault_t ret = VM_FAULT_FALLBACK;
	struct vmpool_place place;
	unsigned long pfn;
	pgoff_t index;
	pmd_t old;

	if (order != PMD_ORDER)
		return VM_FAULT_FALLBACK;

	atomic_inc(&vm->idle.faulting);
	/* Keeps hole punching and page-out away until it is mapped. */
	filemap_invalidate_lock_shared(mapping);
	if (!vmpool_vm_pmd_index(vm, vma, vmf->address, &index))
		goto out;
	/*
	 * Whole already (the bit is cleared only under the invalidate lock
	 * exclusive), or made whole now: the extent is interleaved as one,
	 * as hugetlbfs interleaves by huge page.
	 */
	if (!test_bit(index / VMPOOL_BLOCK_PAGES, vm->huge)) {
		vmpool_place_fault(vm, vma, index / VMPOOL_BLOCK_PAGES,
				   &place);
		if (vmpool_vm_take_block(vm, &place, index))
			goto out;
	}
	/*
	 * A page table of 4 KiB entries, left by faults before: the extent
	 * is mapped through it (it stays until the mapping goes).  A write
	 * to a PMD mapped read-only (write notification, soft-dirty
	 * tracking) falls back: the core zaps it, and the extent is mapped
	 * 4 KiB at a time there.  The PMD is made for a read: it is writable
	 * if the mapping's protection is, and if a PTE table took its place
	 * meanwhile, nothing is mapped and the access faults again.
	 */
	old = pmdp_get_lockless(vmf->pmd);
	if (!pmd_none(old))
		goto out;
	pfn = vmpool_page_pfn(vm->pool, READ_ONCE(vm->map[index]));
	ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP),
				 false);
	if (ret == VM_FAULT_NOPAGE)
		atomic_long_inc(&vm->pmd_faults);
out:
	filemap_invalidate_unlock_shared(mapping);
	atomic_dec(&vm->idle.faulting);
	return ret;
}
#else
bool vmpool_vm_pmd_mapped(struct vm_fault *vmf)
{
	return false;
}
#endif
