// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: where the managed memory comes from.
 *
 * - The page allocator (pool_mb=N): the largest blocks it can give at load,
 *   an even share from each NUMA node with memory, split into order-0
 *   pages so that each has a reference count of its own.
 * - A boot-reserved region (region=<size>@<phys>, with the host booted with
 *   memmap=<size>$<phys>): Linux never uses it.  The module gives it struct
 *   pages and a place in the direct map with memremap_pages(), as
 *   device-dax does (vmpool_range_add()), so that its pages too are
 *   reference counted and get_user_pages() works on them.
 * - Movable memory blocks (movable_mb=N, movable.c): whole memory blocks
 *   Linux takes offline and removes at load, made pool pages the same way,
 *   and added back at unload.
 *
 * Every page starts with one reference, the pool's.  Pages of a range
 * (region, memory blocks) are ZONE_DEVICE pages, which faults may map
 * 2 MiB at a time (huge.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#ifdef CONFIG_X86
#include <asm/e820/api.h>
#endif

#include "vmpool.h"

/*
 * Take up to @want pages for @pool from node @nid (NUMA_NO_NODE: from
 * wherever the page allocator gives them), the largest blocks first,
 * falling back to smaller orders as large ones run out.
 *
 * Return: 0, also with fewer pages than wanted; -ENOMEM if a block cannot
 * be recorded (it is given back).
 */
static int vmpool_page_alloc_take(struct vmpool_pool *pool, int nid,
				  unsigned long want)
{
	gfp_t gfp = GFP_HIGHUSER | __GFP_NOWARN | __GFP_NORETRY;
	unsigned int order = MAX_PAGE_ORDER;
	unsigned long got = 0, i;
	struct page *page;
	int ret;

	if (nid != NUMA_NO_NODE)
		gfp |= __GFP_THISNODE;
	while (got < want) {
		while ((1UL << order) > want - got)
			order--;
		if (nid == NUMA_NO_NODE)
			page = alloc_pages(gfp, order);
		else
			page = alloc_pages_node(nid, gfp, order);
		if (!page) {
			if (!order)
				return 0;
			order--;
			continue;
		}
		/* Each page gets its own reference count. */
		split_page(page, order);
		ret = vmpool_pool_add_chunk(pool, page_to_pfn(page), 1UL << order,
					    order);
		if (ret) {
			for (i = 0; i < 1UL << order; i++)
				__free_page(page + i);
			return ret;
		}
		got += 1UL << order;
		cond_resched();
	}
	return 0;
}

/**
 * vmpool_pool_init_page_alloc - fill the pool from the page allocator
 * @pool: pool to initialise.
 * @nr_pages: pages wanted; below 2^32 - 1.
 *
 * Takes an even share from each NUMA node with memory, so that VMs bound
 * to any node find pool memory there; what a node cannot give comes from
 * wherever the page allocator has it.  The largest blocks first.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -ENOMEM if the memory cannot be had; the pool is
 * left empty on failure.
 */
int vmpool_pool_init_page_alloc(struct vmpool_pool *pool, unsigned long nr_pages)
{
	unsigned int nodes = num_node_state(N_MEMORY), i = 0;
	unsigned long share;
	int nid, ret;

	vmpool_pool_init(pool, VMPOOL_SOURCE_PAGE_ALLOC);

	for_each_node_state(nid, N_MEMORY) {
		share = nr_pages / nodes + (i++ < nr_pages % nodes);
		ret = vmpool_page_alloc_take(pool, nid, share);
		if (ret)
			goto err_free;
	}
	ret = vmpool_page_alloc_take(pool, NUMA_NO_NODE,
				     nr_pages - pool->nr_pages);
	if (ret)
		goto err_free;
	if (pool->nr_pages < nr_pages) {
		ret = -ENOMEM;
		goto err_free;
	}

	ret = vmpool_pool_init_pages(pool);
	if (ret)
		goto err_free;
	return 0;

err_free:
	pr_err("cannot take %lu pages from the page allocator\n", nr_pages);
	vmpool_pool_destroy(pool);
	return ret;
}

/**
 * vmpool_page_alloc_release - give a page allocator pool's pages back
 * @pool: a pool whose source is %VMPOOL_SOURCE_PAGE_ALLOC.
 *
 * Drops the pool's reference to every page; a page nothing else holds goes
 * back to the page allocator.
 *
 * Context: process context, may sleep.
 */
void vmpool_page_alloc_release(struct vmpool_pool *pool)
{
	unsigned long i, pfn;
	unsigned int c;

	for (c = 0; c < pool->nr_chunks; c++) {
		struct vmpool_chunk *ch = &pool->chunks[c];

		for (i = 0; i < ch->nr_pages; i++) {
			pfn = ch->pfn + i;
			__free_page(pfn_to_page(pfn));
		}
		cond_resched();
	}
}

/*
 * The range must be RAM that memmap= took away from Linux: RAM in the
 * firmware's map, reserved in the kernel's, every page of it.  Anything
 * else reserved belongs to the firmware or a device and is never touched.
 */
static bool vmpool_region_is_memmap_ram(phys_addr_t phys, u64 size)
{
#ifdef CONFIG_X86
	u64 p;

	for (p = phys; p < phys + size; p += PAGE_SIZE) {
		if (!e820__mapped_raw_any(p, p + PAGE_SIZE, E820_TYPE_RAM) ||
		    !e820__mapped_any(p, p + PAGE_SIZE, E820_TYPE_RESERVED) ||
		    e820__mapped_any(p, p + PAGE_SIZE, E820_TYPE_RAM))
			return false;
		if (!(p & (SZ_64M - 1)))
			cond_resched();
	}
	return true;
#else
	return false;
#endif
}

#ifdef CONFIG_ZONE_DEVICE
static void *vmpool_range_map(struct vmpool_range *r)
{
	return memremap_pages(&r->pgmap, r->nid);
}

static void vmpool_range_unmap(struct vmpool_range *r)
{
	memunmap_pages(&r->pgmap);
}
#else
static void *vmpool_range_map(struct vmpool_range *r)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void vmpool_range_unmap(struct vmpool_range *r)
{
}
#endif

#ifdef CONFIG_MEMORY_HOTPLUG
/* Give Linux back @size bytes at @phys of node @nid that it removed. */
static void vmpool_memory_add_back(phys_addr_t phys, u64 size, int nid)
{
	int ret;

	ret = add_memory(nid, phys, size, MHP_NONE);
	if (ret)
		pr_err("cannot give %pa+%#llx back to Linux (%d): lost until reboot\n",
		       &phys, size, ret);
}
#else
static void vmpool_memory_add_back(phys_addr_t phys, u64 size, int nid)
{
}
#endif

/**
 * vmpool_range_add - make a physical range pool pages
 * @pool: pool, before vmpool_pool_init_pages().
 * @phys: first byte of the range; 2 MiB aligned.
 * @size: bytes in the range; a multiple of 2 MiB.
 * @nid: the range's NUMA node.
 * @removed: the range was Linux's memory until offline_and_remove_memory()
 *	took it; it goes back with add_memory() at unload, or at once if
 *	this fails.
 *
 * Claims the range in the iomem tree, gives it struct pages and a place in
 * the direct map with memremap_pages(), as device-dax does, so that its
 * pages are reference counted and get_user_pages() works on them, and
 * appends it to the pool as one chunk.  On failure the range is neither
 * claimed nor the pool's, except when the chunk cannot be recorded: then
 * vmpool_ranges_release() (from vmpool_pool_destroy()) gives it back.
 *
 * Context: process context, may sleep.
 * Return: 0; -EBUSY if another driver holds part of the range; -ENOMEM;
 * -EOPNOTSUPP without CONFIG_ZONE_DEVICE; memremap_pages()'s error.
 */
int vmpool_range_add(struct vmpool_pool *pool, phys_addr_t phys, u64 size,
		     int nid, bool removed)
{
	struct vmpool_range *r;
	unsigned long pfn;
	void *base;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto err_add_back;
	}
	if (!request_mem_region(phys, size, KBUILD_MODNAME)) {
		pr_err("%pa+%#llx is in use\n", &phys, size);
		ret = -EBUSY;
		goto err_free;
	}
	r->pgmap.type = MEMORY_DEVICE_GENERIC;
	r->pgmap.range.start = phys;
	r->pgmap.range.end = phys + size - 1;
	r->pgmap.nr_range = 1;
	r->nid = nid;
	r->removed = removed;
	base = vmpool_range_map(r);
	if (IS_ERR(base)) {
		ret = PTR_ERR(base);
		pr_err("%pa+%#llx: no struct pages (%d)\n", &phys, size, ret);
		goto err_release;
	}
	/*
	 * ZONE_DEVICE pages come reserved; these are plain memory the pool
	 * owns, and must be pinned and unpinned like any other page (VFIO
	 * never unpins a reserved page).
	 */
	for (pfn = PHYS_PFN(phys); pfn < PHYS_PFN(phys + size); pfn++)
		ClearPageReserved(pfn_to_page(pfn));
	/* From here on vmpool_ranges_release() undoes it. */
	list_add_tail(&r->node, &pool->ranges);
	return vmpool_pool_add_chunk(pool, PHYS_PFN(phys), size >> PAGE_SHIFT, 0);

err_release:
	release_mem_region(phys, size);
err_free:
	kfree(r);
err_add_back:
	if (removed)
		vmpool_memory_add_back(phys, size, nid);
	return ret;
}

/**
 * vmpool_ranges_release - give back what vmpool_range_add() took
 * @pool: the pool.
 *
 * Takes away the struct pages and the claim of every range; memory that
 * was Linux's is added back (online as the memory hotplug policy says:
 * ``memhp_default_state``, ``auto_online_blocks``).
 *
 * Context: process context, may sleep.  Nothing but the pool references the
 * pages; memory going back to Linux holds no tenant's data.
 */
void vmpool_ranges_release(struct vmpool_pool *pool)
{
	struct vmpool_range *r, *tmp;
	unsigned long pfn;

	list_for_each_entry_safe(r, tmp, &pool->ranges, node) {
		for (pfn = PHYS_PFN(r->pgmap.range.start);
		     pfn <= PHYS_PFN(r->pgmap.range.end); pfn++)
			SetPageReserved(pfn_to_page(pfn));
		vmpool_range_unmap(r);
		release_mem_region(r->pgmap.range.start,
				   range_len(&r->pgmap.range));
		if (r->removed)
			vmpool_memory_add_back(r->pgmap.range.start,
					       range_len(&r->pgmap.range), r->nid);
		list_del(&r->node);
		kfree(r);
		cond_resched();
	}
}

/**
 * vmpool_pool_init_region - manage a range reserved at boot
 * @pool: pool to initialise.
 * @phys: first byte of the range; 2 MiB aligned.
 * @size: bytes in the range; a multiple of 2 MiB, not 0.
 *
 * Every page of the range must be RAM that memmap= reserved (RAM in the
 * firmware's memory map, reserved in the kernel's), overlap no System RAM,
 * and be claimed by nobody else.  Memory hotplug works in 2 MiB sections,
 * hence the alignment.
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EINVAL for a range that is not such memory;
 * -EBUSY if another driver holds part of it; -EOPNOTSUPP without
 * CONFIG_ZONE_DEVICE; -ENOMEM.  The pool is left empty on failure.
 */
int vmpool_pool_init_region(struct vmpool_pool *pool, phys_addr_t phys,
			    u64 size)
{
	int ret;

	vmpool_pool_init(pool, VMPOOL_SOURCE_REGION);

	if (!size || !IS_ALIGNED(phys, SZ_2M) || !IS_ALIGNED(size, SZ_2M) ||
	    phys + size < phys || (size >> PAGE_SHIFT) >= VMPOOL_NONE) {
		pr_err("region %pa+%#llx: not a 2 MiB aligned range\n", &phys,
		       size);
		return -EINVAL;
	}
	if (!IS_ENABLED(CONFIG_ZONE_DEVICE)) {
		pr_err("region= needs a kernel with CONFIG_ZONE_DEVICE\n");
		return -EOPNOTSUPP;
	}
	if (region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("region %pa+%#llx overlaps System RAM: reserve it with memmap=\n",
		       &phys, size);
		return -EINVAL;
	}
	if (!vmpool_region_is_memmap_ram(phys, size)) {
		pr_err("region %pa+%#llx is not RAM reserved with memmap=\n",
		       &phys, size);
		return -EINVAL;
	}
	ret = vmpool_range_add(pool, phys, size,
			       memory_add_physaddr_to_nid(phys), false);
	if (ret)
		goto err_destroy;
	ret = vmpool_pool_init_pages(pool);
	if (ret)
		goto err_destroy;
	return 0;

err_destroy:
	vmpool_pool_destroy(pool);
	return ret;
}
