/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpool: dedicated per-VM memory pools - internal interfaces.
 *
 * Lock ordering:
 *	vmpool_pool.lock	(spinlock, innermost)
 */
#ifndef _VMPOOL_H
#define _VMPOOL_H

#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct vmpool_chunk - one physically contiguous range of the pool
 * @pfn: first page frame.
 * @nr_pages: length of the range in pages.
 * @order: allocation order when taken from the page allocator.
 */
struct vmpool_chunk {
	unsigned long pfn;
	unsigned long nr_pages;
	unsigned int order;
};

/**
 * struct vmpool_pool - the memory managed by the module
 * @source: where the memory came from (&enum vmpool_source).
 * @chunks: contiguous ranges, in the order pool page indices run through
 *	them; set at load, read-only afterwards.
 * @nr_chunks: entries used in @chunks.
 * @chunks_cap: entries allocated for @chunks.
 * @nr_pages: total pages over all chunks; read-only after load.
 * @lock: protects @nr_free.
 * @nr_free: pages in the global pool.
 */
struct vmpool_pool {
	u32 source;
	struct vmpool_chunk *chunks;
	unsigned int nr_chunks;
	unsigned int chunks_cap;
	unsigned long nr_pages;

	spinlock_t lock;	/* protects nr_free */
	unsigned long nr_free;
};

/**
 * struct vmpool_pool_stats - a consistent snapshot of the global pool
 * @total_pages: pages managed.
 * @free_pages: pages in the global pool.
 * @metadata_bytes: bytes of tracking structures.
 */
struct vmpool_pool_stats {
	u64 total_pages;
	u64 free_pages;
	u64 metadata_bytes;
};

int vmpool_pool_init_page_alloc(struct vmpool_pool *pool, unsigned long nr_pages);
void vmpool_pool_destroy(struct vmpool_pool *pool);
void vmpool_pool_stats(struct vmpool_pool *pool, struct vmpool_pool_stats *st);

int vmpool_dev_register(struct vmpool_pool *pool);
void vmpool_dev_unregister(void);

int vmpool_copy_args_from_user(void *dst, size_t ksize, size_t minsize,
			       const void __user *uarg);
int vmpool_copy_args_to_user(void __user *uarg, void *src, size_t ksize);

#endif /* _VMPOOL_H */
