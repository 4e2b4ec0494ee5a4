// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: memory taken from Linux at load as whole movable memory blocks.
 *
 * A host booted with movable memory (movablecore=, kernelcore=, or
 * movable_node for hot-pluggable memory) can give up whole memory blocks:
 * Linux migrates what they hold elsewhere, takes them offline and removes
 * them (offline_and_remove_memory(), as virtio-mem does for memory it
 * unplugs).  The module then holds each block as a range of ZONE_DEVICE
 * pages (vmpool_range_add()), as it does a boot-reserved region: its
 * pages are reference counted one by one, and faults map them 2 MiB at a
 * time.  Pages of the page allocator are order-0 pages, which a PMD
 * cannot map (huge.c).
 *
 * The blocks are those of ZONE_MOVABLE: memory Linux can always migrate
 * away from, so taking a block fails only while a page of it is pinned.
 * An even share comes from each node with memory, the highest blocks
 * first; what a node cannot give comes from the others.  At unload the
 * blocks, zeroed, are added back (add_memory()) and come online as the
 * host's memory hotplug policy says: with memhp_default_state=online_movable
 * (or a udev rule that onlines them movable) a later load finds them
 * again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>

#include "vmpool.h"

#if IS_ENABLED(CONFIG_MEMORY_HOTREMOVE) && IS_ENABLED(CONFIG_ZONE_DEVICE)
/*
 * Whether the block at @phys of @size bytes is online movable memory of
 * node @nid, System RAM from its first page to its last.  Its sections are
 * checked one by one; a hole inside a section makes offlining refuse it.
 */
static bool vmpool_movable_block(phys_addr_t phys, u64 size, int nid)
{
	unsigned long pfn, end = PHYS_PFN(phys + size);
	struct page *page;

	if (!page_is_ram(PHYS_PFN(phys)) || !page_is_ram(end - 1) ||
	    region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_INTERSECTS)
		return false;
	for (pfn = PHYS_PFN(phys); pfn < end; pfn += PAGES_PER_SECTION) {
		page = pfn_to_online_page(pfn);
		if (!page || page_zonenum(page) != ZONE_MOVABLE ||
		    page_to_nid(page) != nid)
			return false;
	}
	return true;
}

static int vmpool_ram_end(struct resource *res, void *arg)
{
	*(u64 *)arg = res->end;
	return 1;
}

/*
 * Whether Linux can remove the block at @phys of @size bytes from the
 * System RAM range that holds it, and the range is Linux's own.
 * Removing a block from the middle of a range splits the range, which
 * fails if a resource nested in it (the kernel image, a crash kernel) lies
 * above the block: the memory would be gone, still claimed as System RAM.
 * Memory a driver added and manages (virtio-mem's, device-dax's under its
 * device) is that driver's to remove.  A resource inserted over the block
 * and the rest of the range above it tells: it nests in a top-level System
 * RAM resource of no driver and takes any resource nested there as its
 * child, or it holds such a resource, nothing nested in it, whole.
 */
static bool vmpool_movable_removable(phys_addr_t phys, u64 size)
{
	struct resource probe = {
		.name = KBUILD_MODNAME,
		.flags = IORESOURCE_MEM,
	};
	struct resource *ram;
	u64 end = 0;
	bool clean;

	walk_iomem_res_desc(IORES_DESC_NONE,
			    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY, phys,
			    U64_MAX, &end, vmpool_ram_end);
	if (end < phys + size - 1)
		return false;
	probe.start = phys;
	probe.end = end;
	if (insert_resource(&iomem_resource, &probe))
		return false;
	if (probe.parent == &iomem_resource) {
		/* The block is a whole range (one added back, say). */
		ram = probe.child;
		clean = ram && !ram->sibling && !ram->child &&
			ram->start == phys && ram->end == end;
	} else {
		ram = probe.parent;
		clean = !probe.child && ram->parent == &iomem_resource;
	}
	clean = clean &&
		(ram->flags & IORESOURCE_SYSTEM_RAM) == IORESOURCE_SYSTEM_RAM &&
		!(ram->flags & IORESOURCE_SYSRAM_DRIVER_MANAGED);
	remove_resource(&probe);
	return clean;
}

/* Where vmpool_movable_next() starts: above every block. */
#define VMPOOL_MOVABLE_TOP	(~(phys_addr_t)0)

/*
 * The next block of @size bytes below *@phys in node @nid's movable zone
 * that may be taken, into *@phys; false if there is none.  Start with
 * *@phys at %VMPOOL_MOVABLE_TOP for the highest block.
 */
static bool vmpool_movable_next(int nid, u64 size, phys_addr_t *phys)
{
	struct zone *zone = &NODE_DATA(nid)->node_zones[ZONE_MOVABLE];
	phys_addr_t first, p;

	/* Only bounds: each block is checked, whatever the span does. */
	first = ALIGN(PFN_PHYS(READ_ONCE(zone->zone_start_pfn)), size);
	p = min_t(phys_addr_t, *phys,
		  ALIGN_DOWN(PFN_PHYS(zone_end_pfn(zone)), size));
	while (p >= first + size) {
		p -= size;
		if (vmpool_movable_block(p, size, nid) &&
		    vmpool_movable_removable(p, size)) {
			*phys = p;
			return true;
		}
	}
	return false;
}

/* How many blocks of @size bytes node @nid may give, up to @max. */
static unsigned long vmpool_movable_count(int nid, u64 size,
					  unsigned long max)
{
	phys_addr_t phys = VMPOOL_MOVABLE_TOP;
	unsigned long n = 0;

	while (n < max && vmpool_movable_next(nid, size, &phys))
		n++;
	return n;
}

/*
 * Take up to @want blocks of @size bytes from node @nid's movable zone,
 * the highest first.  *@got counts the blocks taken.  A block that cannot
 * be taken offline (a page of it pinned) or made pool pages is skipped.
 *
 * Return: 0, also with fewer blocks than wanted; -EINTR on a signal;
 * -ENOMEM.
 */
static int vmpool_movable_take(struct vmpool_pool *pool, int nid, u64 size,
			       unsigned long want, unsigned long *got)
{
	phys_addr_t phys = VMPOOL_MOVABLE_TOP;
	unsigned long taken = 0;
	int ret;

	while (taken < want && vmpool_movable_next(nid, size, &phys)) {
		/* Migrates what the block holds: may take a while. */
		ret = offline_and_remove_memory(phys, size);
		if (ret == -EINTR)
			return ret;
		if (ret)
			continue;
		/* On failure the block is Linux's again. */
		ret = vmpool_range_add(pool, phys, size, nid, true);
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			continue;
		taken++;
		cond_resched();
	}
	*got += taken;
	return 0;
}

/**
 * vmpool_pool_init_movable - fill the pool with movable memory blocks
 * @pool: pool to initialise.
 * @nr_pages: pages wanted; a multiple of the memory block size, below
 *	2^32 - 1.
 *
 * An even share of the blocks from each node with memory, the rest from
 * wherever blocks can be had.
 *
 * Context: process context, may sleep (migrating the blocks' pages away
 * may take long, as long as memory is short elsewhere; a signal stops
 * it).
 * Return: 0 on success; -EINVAL if @nr_pages is not whole blocks; -ENOMEM
 * if not enough blocks can be taken; -EINTR on a signal; -EOPNOTSUPP with
 * debug_pagealloc on, or without CONFIG_MEMORY_HOTREMOVE and
 * CONFIG_ZONE_DEVICE; the pool is left empty on failure, the blocks back
 * in Linux.
 */
int vmpool_pool_init_movable(struct vmpool_pool *pool, unsigned long nr_pages)
{
	unsigned int nodes = num_node_state(N_MEMORY), i = 0;
	u64 size = memory_block_size_bytes();
	unsigned long want = nr_pages / PHYS_PFN(size), got = 0, share;
	int nid, ret = 0;

	vmpool_pool_init(pool, VMPOOL_SOURCE_MOVABLE);

	/*
	 * debug_pagealloc takes free pages out of the direct map; those of a
	 * removed block stay out of it once the block is the pool's (x86
	 * keeps a non-present entry when it maps the range again).
	 */
	if (debug_pagealloc_enabled()) {
		pr_err("movable_mb cannot be used with debug_pagealloc=on\n");
		return -EOPNOTSUPP;
	}
	if (!nr_pages || nr_pages % PHYS_PFN(size)) {
		pr_err("movable_mb must be a multiple of the memory block size, %llu MiB\n",
		       size >> 20);
		return -EINVAL;
	}
	/* Not enough blocks at all: fail before taking any. */
	for_each_node_state(nid, N_MEMORY)
		got += vmpool_movable_count(nid, size, want - got);
	if (got < want)
		goto err_few;
	got = 0;
	for_each_node_state(nid, N_MEMORY) {
		share = want / nodes + (i++ < want % nodes);
		ret = vmpool_movable_take(pool, nid, size, share, &got);
		if (ret)
			goto err_destroy;
	}
	for_each_node_state(nid, N_MEMORY) {
		if (got == want)
			break;
		ret = vmpool_movable_take(pool, nid, size, want - got, &got);
		if (ret)
			goto err_destroy;
	}
	if (got < want)
		goto err_few;
	ret = vmpool_pool_init_pages(pool);
	if (ret)
		goto err_destroy;
	return 0;

err_few:
	pr_err("only %lu of %lu movable memory blocks could be taken offline: boot with movablecore=\n",
	       got, want);
	ret = -ENOMEM;
err_destroy:
	vmpool_pool_destroy(pool);
	return ret;
}
#else
int vmpool_pool_init_movable(struct vmpool_pool *pool, unsigned long nr_pages)
{
	vmpool_pool_init(pool, VMPOOL_SOURCE_MOVABLE);
	pr_err("movable_mb needs a kernel with CONFIG_MEMORY_HOTREMOVE and CONFIG_ZONE_DEVICE\n");
	return -EOPNOTSUPP;
}
#endif
