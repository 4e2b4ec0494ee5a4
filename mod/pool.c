// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the global pool and the memory it is made of.
 *
 * The pool is a list of physically contiguous chunks.  Pool page indices run
 * through the chunks in order, so per-page state can live in flat arrays
 * indexed by pool page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <uapi/linux/vmpool.h>

#include "vmpool.h"

/* Chunks are recorded in an array grown by this many entries at a time. */
#define VMPOOL_CHUNKS_STEP	64

static int vmpool_pool_add_chunk(struct vmpool_pool *pool, unsigned long pfn,
				 unsigned int order)
{
	unsigned int cap = pool->chunks_cap + VMPOOL_CHUNKS_STEP;
	struct vmpool_chunk *chunks;

	if (pool->nr_chunks == pool->chunks_cap) {
		chunks = krealloc_array(pool->chunks, cap, sizeof(*chunks),
					GFP_KERNEL);
		if (!chunks)
			return -ENOMEM;
		pool->chunks = chunks;
		pool->chunks_cap = cap;
	}
	pool->chunks[pool->nr_chunks++] = (struct vmpool_chunk) {
		.pfn = pfn,
		.nr_pages = 1UL << order,
		.order = order,
	};
	pool->nr_pages += 1UL << order;
	return 0;
}

/**
 * vmpool_pool_init_page_alloc - fill the pool from the page allocator
 * @pool: pool to initialise.
 * @nr_pages: pages wanted.
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

	spin_lock_init(&pool->lock);
	pool->source = VMPOOL_SOURCE_PAGE_ALLOC;

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
		ret = vmpool_pool_add_chunk(pool, page_to_pfn(page), order);
		if (ret) {
			__free_pages(page, order);
			goto err_free;
		}
		cond_resched();
	}
	pool->nr_free = pool->nr_pages;
	return 0;

err_free:
	pr_err("cannot take %lu pages from the page allocator\n", nr_pages);
	vmpool_pool_destroy(pool);
	return ret;
}

/**
 * vmpool_pool_destroy - give the pool's memory back
 * @pool: pool to empty.
 *
 * Context: process context, may sleep.  No page of @pool may be in use.
 */
void vmpool_pool_destroy(struct vmpool_pool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_chunks; i++) {
		struct vmpool_chunk *c = &pool->chunks[i];

		if (pool->source == VMPOOL_SOURCE_PAGE_ALLOC)
			__free_pages(pfn_to_page(c->pfn), c->order);
		cond_resched();
	}
	kfree(pool->chunks);
	pool->chunks = NULL;
	pool->nr_chunks = 0;
	pool->chunks_cap = 0;
	pool->nr_pages = 0;
	pool->nr_free = 0;
}

/**
 * vmpool_pool_stats - take a snapshot of the pool's counters
 * @pool: pool to read.
 * @st: where to store the snapshot.
 *
 * Context: process context; takes @pool->lock.
 */
void vmpool_pool_stats(struct vmpool_pool *pool, struct vmpool_pool_stats *st)
{
	spin_lock(&pool->lock);
	st->total_pages = pool->nr_pages;
	st->free_pages = pool->nr_free;
	spin_unlock(&pool->lock);
	st->metadata_bytes = sizeof(*pool) +
			     pool->chunks_cap * sizeof(*pool->chunks);
}
