// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: where the managed memory comes from.
 *
 * - The page allocator (pool_mb=N): the largest blocks it can give at load.
 * - A boot-reserved region (region=<size>@<phys>, with the host booted with
 *   memmap=<size>$<phys>): Linux never uses it; it is not in the direct map,
 *   so the module maps it with memremap() and maps it to users by PFN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>

#include "vmpool.h"

/**
 * vmpool_pool_init_page_alloc - fill the pool from the page allocator
 * @pool: pool to initialise.
 * @nr_pages: pages wanted; below 2^32 - 1.
 *
 * Takes the largest blocks the page allocator can give, falling back to
 * smaller orders as large ones run out, until @nr_pages are held.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -ENOMEM if the memory cannot be had; the pool is
 * left empty on failure.
 */
int vmpool_pool_init_page_alloc(struct vmpool_pool *pool, unsigned long nr_pages)
{
	const gfp_t gfp = GFP_HIGHUSER | __GFP_NOWARN | __GFP_NORETRY;
	unsigned int order = MAX_PAGE_ORDER;
	struct page *page;
	int ret;

	vmpool_pool_init(pool, VMPOOL_SOURCE_PAGE_ALLOC);

	while (pool->nr_pages < nr_pages) {
		while ((1UL << order) > nr_pages - pool->nr_pages)
			order--;
		page = alloc_pages(gfp, order);
		if (!page) {
			if (!order) {
				ret = -ENOMEM;
				goto err_free;
			}
			order--;
			continue;
		}
		ret = vmpool_pool_add_chunk(pool, page_to_pfn(page), 1UL << order,
					    order);
		if (ret) {
			__free_pages(page, order);
			goto err_free;
		}
		cond_resched();
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
 * vmpool_pool_init_region - manage a range reserved at boot
 * @pool: pool to initialise.
 * @phys: first byte of the range; page aligned.
 * @size: bytes in the range; page aligned, not 0.
 *
 * The range must lie entirely within memory the firmware map or memmap=
 * marked reserved, overlap no System RAM, and be claimed by nobody else.
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EINVAL for a range that is not reserved memory;
 * -EBUSY if another driver holds part of it; -ENOMEM.  The pool is left
 * empty on failure.
 */
int vmpool_pool_init_region(struct vmpool_pool *pool, phys_addr_t phys,
			    u64 size)
{
	int ret;

	vmpool_pool_init(pool, VMPOOL_SOURCE_REGION);

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    phys + size < phys || (size >> PAGE_SHIFT) >= VMPOOL_NONE) {
		pr_err("region %pa+%#llx: not a page-aligned range\n", &phys, size);
		return -EINVAL;
	}
	if (region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("region %pa+%#llx overlaps System RAM: reserve it with memmap=\n",
		       &phys, size);
		return -EINVAL;
	}
	if (region_intersects(phys, size, IORESOURCE_MEM,
			      IORES_DESC_RESERVED) != REGION_INTERSECTS) {
		pr_err("region %pa+%#llx is not reserved memory\n", &phys, size);
		return -EINVAL;
	}
	if (!request_mem_region(phys, size, KBUILD_MODNAME)) {
		pr_err("region %pa+%#llx is in use\n", &phys, size);
		return -EBUSY;
	}
	/* From here on vmpool_pool_destroy() unmaps and releases it. */
	pool->region_phys = phys;
	pool->region_size = size;

	pool->region_base = memremap(phys, size, MEMREMAP_WB);
	if (!pool->region_base) {
		pr_err("region %pa+%#llx cannot be mapped\n", &phys, size);
		ret = -ENOMEM;
		goto err_destroy;
	}
	ret = vmpool_pool_add_chunk(pool, PHYS_PFN(phys), size >> PAGE_SHIFT, 0);
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

/**
 * vmpool_region_release - unmap and release the region of a pool
 * @pool: a pool whose source is %VMPOOL_SOURCE_REGION.
 *
 * Context: process context.
 */
void vmpool_region_release(struct vmpool_pool *pool)
{
	if (pool->region_base)
		memunmap(pool->region_base);
	if (pool->region_size)
		release_mem_region(pool->region_phys, pool->region_size);
}
