// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the managed memory, its per-page arrays and free lists.
 *
 * The pool is a list of physically contiguous chunks.  Pool page indices run
 * through the chunks in order, so per-page state lives in flat arrays
 * indexed by pool page (see the data layout in vmpool.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "vmpool.h"

/* Chunks are recorded in an array grown by this many entries at a time. */
#define VMPOOL_CHUNKS_STEP	16

/**
 * vmpool_pool_init_pages - set up per-page tracking for the chunks added
 * @pool: pool whose chunks are all added.
 *
 * Puts every page on the unmarked list: memory fresh from the source holds
 * no tenant's data but is dirty, so it is zeroed before its first use.
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int vmpool_pool_init_pages(struct vmpool_pool *pool)
{
	unsigned long i;

	pool->owner = kvcalloc(pool->nr_pages, sizeof(*pool->owner), GFP_KERNEL);
	pool->next = kvmalloc_array(pool->nr_pages, sizeof(*pool->next),
				    GFP_KERNEL);
	pool->prev = kvmalloc_array(pool->nr_pages, sizeof(*pool->prev),
				    GFP_KERNEL);
	pool->owned = bitmap_zalloc(pool->nr_pages, GFP_KERNEL);
	pool->dirty = bitmap_zalloc(pool->nr_pages, GFP_KERNEL);
	pool->mapped = bitmap_zalloc(pool->nr_pages, GFP_KERNEL);
	pool->stale = bitmap_zalloc(pool->nr_pages, GFP_KERNEL);
	pool->node_free = kcalloc(nr_node_ids, sizeof(*pool->node_free),
				  GFP_KERNEL);
	pool->node_dedicated = kcalloc(nr_node_ids,
				       sizeof(*pool->node_dedicated),
				       GFP_KERNEL);
	pool->node_mapped = kcalloc(nr_node_ids, sizeof(*pool->node_mapped),
				    GFP_KERNEL);
	pool->node_lent = kcalloc(nr_node_ids, sizeof(*pool->node_lent),
				  GFP_KERNEL);
	if (!pool->owner || !pool->next || !pool->prev || !pool->owned ||
	    !pool->dirty ||
	    !pool->mapped || !pool->stale || !pool->node_free ||
	    !pool->node_dedicated || !pool->node_mapped || !pool->node_lent ||
	    vmpool_nlist_init(&pool->unmarked, GFP_KERNEL) ||
	    vmpool_nlist_init(&pool->zeroed, GFP_KERNEL) ||
	    vmpool_blocks_init(pool))
		return -ENOMEM;

	/* What the memory held before is unknown. */
	bitmap_fill(pool->dirty, pool->nr_pages);
	for (i = pool->nr_pages; i-- > 0; )
		vmpool_nlist_push(pool, &pool->unmarked, i);
	pool->nr_free = pool->nr_pages;
	for (i = 0; i < pool->nr_chunks; i++) {
		pool->node_free[pool->chunks[i].nid] += pool->chunks[i].nr_pages;
		node_set(pool->chunks[i].nid, pool->mem_nodes);
	}
	return 0;
}

/**
 * vmpool_pool_init - initialise an empty pool
 * @pool: pool to initialise.
 * @source: where its memory will come from (&enum vmpool_source).
 *
 * Context: any context.
 */
void vmpool_pool_init(struct vmpool_pool *pool, u32 source)
{
	/* Named for lockdep and lock_stat: the workqueues' pool->lock is not it. */
	static struct lock_class_key key;

	pool->source = source;
	__mutex_init(&pool->lock, "vmpool_pool_lock", &key);
	pool->held.head = VMPOOL_NONE;
	INIT_LIST_HEAD(&pool->marked);
	INIT_LIST_HEAD(&pool->tenant_list);
	INIT_LIST_HEAD(&pool->ranges);
	INIT_DELAYED_WORK(&pool->held_work, vmpool_held_work);
	INIT_LIST_HEAD(&pool->closing);
	INIT_WORK(&pool->close_work, vmpool_close_work);
	xa_init_flags(&pool->vms, XA_FLAGS_ALLOC1);
	xa_init_flags(&pool->tenants, XA_FLAGS_ALLOC1);
}

/**
 * vmpool_pool_add_chunk - append a physically contiguous range to the pool
 * @pool: the pool, before vmpool_pool_init_pages().
 * @pfn: first page frame.
 * @nr_pages: pages in the range.
 * @order: allocation order (page allocator source), else 0.
 *
 * The range's NUMA node is that of its first page: the caller adds a
 * range on one node.
 *
 * Context: process context, may sleep; the range has struct pages.
 * Return: 0 or -ENOMEM.
 */
int vmpool_pool_add_chunk(struct vmpool_pool *pool, unsigned long pfn,
			  unsigned long nr_pages, unsigned int order)
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
		.nr_pages = nr_pages,
		.first = pool->nr_pages,
		.order = order,
		.nid = page_to_nid(pfn_to_page(pfn)),
	};
	pool->nr_pages += nr_pages;
	return 0;
}

/**
 * vmpool_pool_scrub - zero every page that may hold data
 * @pool: a pool no VM uses any more.
 *
 * Run before the memory goes back to Linux (the page allocator, or
 * memory blocks added back), so that no tenant's data reaches the rest of
 * the system.
 *
 * Context: process context, may sleep.
 */
void vmpool_pool_scrub(struct vmpool_pool *pool)
{
	unsigned long i;

	if (!pool->dirty)
		return;
	for_each_set_bit(i, pool->dirty, pool->nr_pages) {
		vmpool_page_zero(pool, i);
		cond_resched();
	}
	bitmap_zero(pool->dirty, pool->nr_pages);
}

/**
 * vmpool_pool_destroy - give the pool's memory back
 * @pool: pool to empty.
 *
 * Tenants that outlived their VMs (their data still marks global pages) go
 * with it.  Memory that goes back to Linux is zeroed first.
 *
 * Context: process context, may sleep.  No VM and no held page may exist.
 */
void vmpool_pool_destroy(struct vmpool_pool *pool)
{
	struct vmpool_tenant *t, *tmp;

	vmpool_close_settle(pool);
	WARN_ON_ONCE(!xa_empty(&pool->vms));
	WARN_ON_ONCE(pool->held.count || pool->nr_transit);
	cancel_delayed_work_sync(&pool->held_work);
	list_for_each_entry_safe(t, tmp, &pool->tenant_list, node) {
		vmpool_nlist_destroy(&t->free);
		kfree(t);
	}
	/* A region stays reserved; other memory goes back to Linux. */
	if (pool->source != VMPOOL_SOURCE_REGION)
		vmpool_pool_scrub(pool);
	if (pool->source == VMPOOL_SOURCE_PAGE_ALLOC)
		vmpool_page_alloc_release(pool);
	vmpool_ranges_release(pool);
	kfree(pool->chunks);
	kvfree(pool->owner);
	kvfree(pool->next);
	kvfree(pool->prev);
	vmpool_blocks_free(pool);
	bitmap_free(pool->owned);
	bitmap_free(pool->dirty);
	bitmap_free(pool->mapped);
	bitmap_free(pool->stale);
	kfree(pool->node_free);
	kfree(pool->node_dedicated);
	kfree(pool->node_mapped);
	kfree(pool->node_lent);
	vmpool_nlist_destroy(&pool->unmarked);
	vmpool_nlist_destroy(&pool->zeroed);
	xa_destroy(&pool->vms);
	xa_destroy(&pool->tenants);
	mutex_destroy(&pool->lock);
	memset(pool, 0, sizeof(*pool));
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
	struct vmpool_vm *vm;
	unsigned long i;
	void *entry;

	mutex_lock(&pool->lock);
	/* The pages VMs' faults took from their caches, counted as mapped. */
	vmpool_cache_fold_all(pool);
	st->total_pages = pool->nr_pages;
	st->free_pages = pool->nr_free;
	st->dedicated_pages = pool->nr_dedicated;
	st->mapped_pages = pool->nr_mapped;
	st->bytes_zeroed = pool->bytes_zeroed;
	st->pages_recycled = pool->pages_recycled;
	st->held_pages = pool->held.count;
	st->transit_pages = pool->nr_transit;
	st->swapped_pages = pool->store.nr_used - pool->store.nr_clean;
	st->store_slots = pool->store.nr_slots;
	st->shortage = pool->shortage;
	st->closing_pages = vmpool_closing_pages_locked(pool);
	st->reserve_pages = vmpool_reserve_pages(pool, NUMA_NO_NODE);
	st->scrubbed_bytes = pool->scrub.bytes;
	st->reserve_hits = pool->scrub.hits;
	st->reserve_misses = pool->scrub.misses;
	st->promised_pages = pool->nr_reserved;
	st->free_blocks = pool->whole ? bitmap_weight(pool->whole,
						      pool->nr_blocks) : 0;
	st->nr_vms = 0;
	st->leaving_pages = 0;
	st->huge_pages = 0;
	xa_for_each(&pool->vms, i, vm) {
		st->nr_vms += !vm->closed;
		st->leaving_pages += vm->nr_leaving;
		st->huge_pages += (u64)vm->nr_huge * VMPOOL_BLOCK_PAGES;
	}
	st->nr_tenants = 0;
	xa_for_each(&pool->tenants, i, entry)
		st->nr_tenants++;
	mutex_unlock(&pool->lock);

	st->metadata_bytes = sizeof(*pool) +
			     pool->chunks_cap * sizeof(*pool->chunks) +
			     pool->nr_pages * (sizeof(*pool->owner) +
					       sizeof(*pool->next) +
					       sizeof(*pool->prev)) +
			     4 * BITS_TO_LONGS(pool->nr_pages) * sizeof(long) +
			     pool->nr_blocks * (sizeof(*pool->block_free) +
						sizeof(*pool->block_dedicated)) +
			     2 * BITS_TO_LONGS(pool->nr_blocks + 1) *
			     sizeof(long);
}

static struct vmpool_chunk *vmpool_chunk_of(struct vmpool_pool *pool, u32 idx)
{
	unsigned int lo = 0, hi = pool->nr_chunks;

	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (pool->chunks[mid].first <= idx)
			lo = mid;
		else
			hi = mid;
	}
	return &pool->chunks[lo];
}

/**
 * vmpool_page_pfn - page frame of a pool page
 * @pool: the pool.
 * @idx: pool index, below @pool->nr_pages.
 *
 * Context: any context.
 * Return: the page frame number.
 */
unsigned long vmpool_page_pfn(struct vmpool_pool *pool, u32 idx)
{
	struct vmpool_chunk *c = vmpool_chunk_of(pool, idx);

	return c->pfn + (idx - c->first);
}

/**
 * vmpool_page_nid - NUMA node of a pool page
 * @pool: the pool.
 * @idx: pool index, below @pool->nr_pages.
 *
 * Context: any context.
 * Return: the node.
 */
int vmpool_page_nid(struct vmpool_pool *pool, u32 idx)
{
	return vmpool_chunk_of(pool, idx)->nid;
}

/**
 * vmpool_pages_contiguous - whether pool pages are contiguous memory
 * @pool: the pool.
 * @idx: the first page.
 * @n: pages from it, @idx + @n at most the pool's size.
 *
 * Context: any context.
 * Return: true if pages @idx to @idx + @n - 1 lie in one chunk.
 */
bool vmpool_pages_contiguous(struct vmpool_pool *pool, u32 idx,
			     unsigned long n)
{
	const struct vmpool_chunk *c = vmpool_chunk_of(pool, idx);

	return idx + n <= c->first + c->nr_pages;
}

/**
 * vmpool_free_add - count page @idx in the global pool
 * @pool: the pool.
 * @idx: a page that enters the global pool.
 *
 * Context: the pool lock held.
 */
void vmpool_free_add(struct vmpool_pool *pool, u32 idx)
{
	lockdep_assert_held(&pool->lock);
	pool->nr_free++;
	pool->node_free[vmpool_page_nid(pool, idx)]++;
	vmpool_block_free_add(pool, idx);
}

/**
 * vmpool_free_sub - count page @idx out of the global pool
 * @pool: the pool.
 * @idx: a page that leaves the global pool.
 *
 * Context: the pool lock held.
 */
void vmpool_free_sub(struct vmpool_pool *pool, u32 idx)
{
	lockdep_assert_held(&pool->lock);
	pool->nr_free--;
	pool->node_free[vmpool_page_nid(pool, idx)]--;
	vmpool_block_free_sub(pool, idx);
}

/**
 * vmpool_page_zero - zero one pool page
 * @pool: the pool.
 * @idx: pool index.
 *
 * Context: process context.
 */
void vmpool_page_zero(struct vmpool_pool *pool, u32 idx)
{
	clear_highpage(pfn_to_page(vmpool_page_pfn(pool, idx)));
}

/**
 * vmpool_page_busy - whether anything but the pool references a page
 * @pool: the pool.
 * @idx: pool index of a page no page table of the pool's VMs maps.
 *
 * A page no VM maps has only the pool's reference, unless something took
 * one through get_user_pages() while it was mapped (a DMA pin, a read in
 * flight, a pipe), or a physical-memory walker holds it for a moment.
 *
 * Context: any context.
 * Return: true if the page must not change hands yet.
 */
bool vmpool_page_busy(struct vmpool_pool *pool, u32 idx)
{
	return page_ref_count(pfn_to_page(vmpool_page_pfn(pool, idx))) != 1;
}

/**
 * vmpool_list_push - put a page at the head of a free list
 * @pool: the pool.
 * @list: the list.
 * @idx: pool index of a page on no list.
 *
 * Context: @pool->lock held.
 */
void vmpool_list_push(struct vmpool_pool *pool, struct vmpool_list *list,
		      u32 idx)
{
	pool->next[idx] = list->head;
	pool->prev[idx] = VMPOOL_NONE;
	if (list->head != VMPOOL_NONE)
		pool->prev[list->head] = idx;
	list->head = idx;
	list->count++;
}

/**
 * vmpool_list_pop - take the page at the head of a free list
 * @pool: the pool.
 * @list: the list.
 *
 * Context: @pool->lock held.
 * Return: the page's pool index, or %VMPOOL_NONE if @list is empty.
 */
u32 vmpool_list_pop(struct vmpool_pool *pool, struct vmpool_list *list)
{
	u32 idx = list->head;

	if (idx != VMPOOL_NONE) {
		list->head = pool->next[idx];
		if (list->head != VMPOOL_NONE)
			pool->prev[list->head] = VMPOOL_NONE;
		list->count--;
	}
	return idx;
}

/**
 * vmpool_list_del - take a page off the free list it is on
 * @pool: the pool.
 * @list: the list.
 * @idx: pool index of a page on @list.
 *
 * Context: @pool->lock held.
 */
void vmpool_list_del(struct vmpool_pool *pool, struct vmpool_list *list,
		     u32 idx)
{
	u32 prev = pool->prev[idx], next = pool->next[idx];

	if (prev == VMPOOL_NONE)
		list->head = next;
	else
		pool->next[prev] = next;
	if (next != VMPOOL_NONE)
		pool->prev[next] = prev;
	list->count--;
}
