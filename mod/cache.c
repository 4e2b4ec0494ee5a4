// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: each VM's fault cache, the pages its faults take without the pool
 * lock.
 *
 * A fault that takes a page takes it from its VM's cache, under the
 * cache's spinlock alone: two VMs faulting at once do not wait for each
 * other.  Only when the cache is empty does a fault take the pool lock, to
 * refill it with up to %VMPOOL_CACHE_PAGES pages at once: of the VM's
 * dedicated pool first, then of the global pool's reserve of zeroed pages,
 * within the VM's limit.  Only pages the VM may see as they are enter it
 * (no zeroing is ever done for a page that might not be used), on the
 * node the fault wants first; a fault its cache cannot serve (a bound
 * memory policy, another first node, pages that must be zeroed first)
 * takes its page under the pool lock, as before.
 *
 * A page in the cache is still counted where it came from (the VM's
 * dedicated pool, or the global pool: lent), so that what the pool reports
 * does not depend on the caches; it is off its free list, and its 2 MiB
 * block is not whole.  A fault that takes one backs its guest page at
 * once (the page map entry, under the cache's lock) and leaves the
 * accounting (counters, statistics, the page's mapped and dirty bits) to
 * whoever next takes the pool lock for the VM: vmpool_cache_fold(), called
 * by anyone who reads the VM's pages or counts, or unmaps one of its
 * pages.  vmpool_cache_drain() also puts the pages not used back where
 * they came from, before anyone counts the VM's spare pages or its limit,
 * or finds the global pool's lists empty.
 */
#include <linux/lockdep.h>
#include <linux/spinlock.h>

#include "vmpool.h"
#include "trace.h"

/*
 * Whether @vm's faults may use a cache: not where faults map whole 2 MiB
 * blocks (huge.c), which the cache's single pages would break up.
 */
static bool vmpool_cache_usable(struct vmpool_vm *vm)
{
	return !vmpool_pmd_available(vm->pool);
}

/* Whether the cache may serve a fault of place @p. */
static bool vmpool_cache_serves(struct vmpool_cache *c,
				const struct vmpool_place *p)
{
	return !p->strict && c->first == p->first;
}

/*
 * Whether the next page of @vm's cache may go to a fault now: one lent by
 * the global pool not while the VM's own pool has a spare page, which it
 * takes first (read without the pool lock: a hint, for the order only).
 */
static bool vmpool_cache_next_ok(struct vmpool_vm *vm)
{
	struct vmpool_cache *c = &vm->cache;

	return (c->how[c->used] & VMPOOL_CACHE_OWN) ||
	       READ_ONCE(vm->dedicated.count) <= READ_ONCE(vm->nr_leaving);
}

/**
 * vmpool_cache_take - back a guest page with a page of its VM's cache
 * @vm: the VM.
 * @p: the nodes the page is to come from.
 * @index: the guest page.
 * @idx: set to the pool index backing it, on success.
 *
 * Context: @vm's invalidate lock held (shared is enough); the pool lock
 * may be held, or not.
 * Return: true if guest page @index is backed by a page now (by this call,
 * or by another fault before it); false if the cache has no page for it,
 * or its data is in the store.
 */
bool vmpool_cache_take(struct vmpool_vm *vm, const struct vmpool_place *p,
		       pgoff_t index, u32 *idx)
{
	struct vmpool_cache *c = &vm->cache;
	bool took = false, own = false;
	u32 e;

	/* Racy: a refill or drain under the pool lock may be under way. */
	if (data_race(c->used == c->nr) || !vmpool_cache_usable(vm))
		return false;
	spin_lock(&c->lock);
	e = vm->map[index];
	if (e == VMPOOL_NONE && c->used < c->nr && vmpool_cache_serves(c, p) &&
	    vmpool_cache_next_ok(vm)) {
		own = c->how[c->used] & VMPOOL_CACHE_OWN;
		e = c->pages[c->used++];
		/* Zeroed, or of the VM, under the pool lock before. */
		smp_store_release(&vm->map[index], e);
		took = true;
	}
	spin_unlock(&c->lock);
	if (e == VMPOOL_NONE || vmpool_entry_swapped(e))
		return false;
	if (took)
		trace_vmpool_alloc(vm->slot, vm->tenant->slot, index, own, false);
	*idx = e;
	return true;
}

/* Count page @idx, handed to a fault of @vm from its cache as @how says. */
static void vmpool_cache_account(struct vmpool_vm *vm, u32 idx, u8 how)
{
	struct vmpool_pool *pool = vm->pool;
	int nid = vmpool_page_nid(pool, idx);

	if (how & VMPOOL_CACHE_OWN) {
		pool->nr_dedicated--;
		pool->node_dedicated[nid]--;
		vm->tenant->nr_dedicated--;
		vm->cache.own--;
		vm->stats.faults_dedicated++;
		if (how & VMPOOL_CACHE_RECYCLED)
			vmpool_count_recycled(vm);
	} else {
		/* Its block's count went when it was lent. */
		pool->nr_free--;
		pool->node_free[nid]--;
		pool->nr_lent--;
		pool->node_lent[nid]--;
		pool->scrub.hits++;
		vm->stats.faults_global++;
	}
	vmpool_count_place(vm, vm->cache.first, idx);
	vm->stats.cache_faults++;
	vmpool_vm_mapped_locked(vm, idx);
}

/* vmpool_cache_fold(), the cache's lock held. */
static void vmpool_cache_fold_locked(struct vmpool_vm *vm)
{
	struct vmpool_cache *c = &vm->cache;
	bool lent = false;
	unsigned int i;

	if (!c->used)
		return;
	for (i = 0; i < c->used; i++) {
		vmpool_cache_account(vm, c->pages[i], c->how[i]);
		lent |= !(c->how[i] & VMPOOL_CACHE_OWN);
	}
	/* The reserve is smaller. */
	if (lent)
		vmpool_scrub_kick_locked(vm->pool);
	c->nr -= c->used;
	memmove(c->pages, c->pages + c->used, c->nr * sizeof(c->pages[0]));
	memmove(c->how, c->how + c->used, c->nr * sizeof(c->how[0]));
	c->used = 0;
}

/**
 * vmpool_cache_fold - count the pages @vm's faults took from its cache
 * @vm: the VM.
 *
 * Each becomes a mapped page in every counter and statistic, as if its
 * fault had taken it under the pool lock.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_cache_fold(struct vmpool_vm *vm)
{
	lockdep_assert_held(&vm->pool->lock);
	/*
	 * Racy: a fault may take a page just after; it is counted by the next
	 * fold.  Whoever must count every page holds the invalidate lock
	 * exclusive (no fault runs), or the cache's lock (vmpool_cache_lock()).
	 */
	if (!data_race(vm->cache.used))
		return;
	spin_lock(&vm->cache.lock);
	vmpool_cache_fold_locked(vm);
	spin_unlock(&vm->cache.lock);
}

/**
 * vmpool_cache_lock - keep @vm's faults from taking pages of its cache
 * @vm: the VM.
 *
 * The pages they took are counted first: until vmpool_cache_unlock(),
 * no entry of @vm's page map changes but under the pool lock, and every
 * mapped page is counted as such.
 *
 * Context: @vm's pool lock held; takes a spinlock.
 */
void vmpool_cache_lock(struct vmpool_vm *vm)
	__acquires(&vm->cache.lock)
{
	lockdep_assert_held(&vm->pool->lock);
	spin_lock(&vm->cache.lock);
	vmpool_cache_fold_locked(vm);
}

/**
 * vmpool_cache_unlock - let @vm's faults take pages of its cache again
 * @vm: the VM, its cache locked by vmpool_cache_lock().
 */
void vmpool_cache_unlock(struct vmpool_vm *vm)
	__releases(&vm->cache.lock)
{
	spin_unlock(&vm->cache.lock);
}

/* Put the pages of @vm's cache back where they came from, its lock held. */
static void vmpool_cache_drain_locked(struct vmpool_vm *vm)
{
	struct vmpool_cache *c = &vm->cache;
	struct vmpool_pool *pool = vm->pool;
	unsigned int i;
	u32 idx;

	vmpool_cache_fold_locked(vm);
	for (i = 0; i < c->nr; i++) {
		idx = c->pages[i];
		if (c->how[i] & VMPOOL_CACHE_OWN) {
			vmpool_nlist_push(pool, &vm->dedicated, idx);
			vmpool_block_dedicated_add(vm, idx);
			c->own--;
		} else {
			__clear_bit(idx, pool->owned);
			pool->owner[idx] = 0;
			pool->node_lent[vmpool_nlist_push(pool, &pool->zeroed,
							  idx)]--;
			pool->nr_lent--;
			vmpool_block_free_add(pool, idx);
		}
	}
	c->nr = 0;
}

/**
 * vmpool_cache_drain - empty @vm's fault cache
 * @vm: the VM.
 *
 * The pages its faults took are counted (vmpool_cache_fold()); the others
 * go back to its dedicated pool, or to the global pool's reserve.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_cache_drain(struct vmpool_vm *vm)
{
	lockdep_assert_held(&vm->pool->lock);
	/* Changed only under the pool lock. */
	if (!vm->cache.nr)
		return;
	spin_lock(&vm->cache.lock);
	vmpool_cache_drain_locked(vm);
	spin_unlock(&vm->cache.lock);
}

/**
 * vmpool_cache_drain_all - empty every VM's fault cache
 * @pool: the pool.
 *
 * Context: the pool lock held.
 */
void vmpool_cache_drain_all(struct vmpool_pool *pool)
{
	struct vmpool_vm *vm;
	unsigned long slot;

	lockdep_assert_held(&pool->lock);
	xa_for_each(&pool->vms, slot, vm)
		vmpool_cache_drain(vm);
}

/**
 * vmpool_pool_call_back - global pages anyone may take, calling back the
 *	pages lent to fault caches if fewer than wanted
 * @pool: the pool.
 * @want: pages wanted.
 *
 * Context: the pool lock held.
 * Return: vmpool_pool_available(), after the call back if there was one.
 */
unsigned long vmpool_pool_call_back(struct vmpool_pool *pool,
				    unsigned long want)
{
	lockdep_assert_held(&pool->lock);
	if (vmpool_pool_available(pool) < want && pool->nr_lent)
		vmpool_cache_drain_all(pool);
	return vmpool_pool_available(pool);
}

/**
 * vmpool_cache_fold_all - count the pages every VM's faults took from its
 *	cache
 * @pool: the pool.
 *
 * Context: the pool lock held.
 */
void vmpool_cache_fold_all(struct vmpool_pool *pool)
{
	struct vmpool_vm *vm;
	unsigned long slot;

	lockdep_assert_held(&pool->lock);
	xa_for_each(&pool->vms, slot, vm)
		vmpool_cache_fold(vm);
}

/*
 * A page of @vm's dedicated pool for its cache, on the nodes of @p in
 * turn, if it needs no zeroing (not holding another guest page's data,
 * which lives on in the store, nor data the VM released if it wants such
 * pages zeroed); else none.
 */
static u32 vmpool_cache_pop_own(struct vmpool_vm *vm,
				const struct vmpool_place *p, u8 *how)
{
	struct vmpool_pool *pool = vm->pool;
	u32 idx;

	if (!vmpool_vm_spare(vm))
		return VMPOOL_NONE;
	idx = vmpool_nlist_pop_place(pool, &vm->dedicated, p);
	if (idx == VMPOOL_NONE)
		return VMPOOL_NONE;
	if (vmpool_hole_must_zero(vm, idx, test_bit(idx, pool->stale))) {
		/* Back first in line, for a fault that zeroes it. */
		vmpool_nlist_push(pool, &vm->dedicated, idx);
		return VMPOOL_NONE;
	}
	vmpool_block_dedicated_sub(vm, idx);
	*how = VMPOOL_CACHE_OWN;
	if (test_bit(idx, pool->dirty))
		*how |= VMPOOL_CACHE_RECYCLED;
	return idx;
}

/*
 * A zeroed page of the global pool's reserve, on @p's first node, lent to
 * @vm's cache, if the pool has one anyone may take and @vm may hold
 * another page, and @vm does not take its tenant's pages back first; of
 * the reserve of that node, at most half goes to one cache at once.
 */
static u32 vmpool_cache_pop_lent(struct vmpool_vm *vm,
				 const struct vmpool_place *p,
				 unsigned int lent)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long reserve;
	u32 idx;

	if (vmpool_vm_holding(vm) >= vm->limit ||
	    !vmpool_pool_available(pool))
		return VMPOOL_NONE;
	if ((vm->flags & VMPOOL_VM_SHARE_TENANT) && vm->tenant->free.count)
		return VMPOOL_NONE;
	reserve = p->first == NUMA_NO_NODE ? pool->zeroed.count :
		  pool->zeroed.node[p->first].count;
	if (lent >= DIV_ROUND_UP(reserve + lent, 2))
		return VMPOOL_NONE;
	idx = vmpool_nlist_pop(pool, &pool->zeroed, p->first);
	if (idx == VMPOOL_NONE)
		return VMPOOL_NONE;
	pool->nr_lent++;
	pool->node_lent[vmpool_page_nid(pool, idx)]++;
	vmpool_block_free_sub(pool, idx);
	__set_bit(idx, pool->owned);
	pool->owner[idx] = vm->slot;
	return idx;
}

/**
 * vmpool_cache_refill - fill @vm's fault cache for a fault
 * @vm: the VM.
 * @p: the nodes the fault's page is to come from.
 *
 * Pages its faults took are counted first.  A cache that holds lent pages
 * while the VM's own pool has spare ones is emptied; one that holds pages
 * for another first node stays as it is (the fault takes its page
 * without it: faults of an interleaving policy or on several nodes do not
 * empty it in turn).
 *
 * Context: @vm's pool lock held.
 * Return: true if the cache has a page for a fault of @p now.
 */
bool vmpool_cache_refill(struct vmpool_vm *vm, const struct vmpool_place *p)
{
	struct vmpool_cache *c = &vm->cache;
	struct vmpool_pool *pool = vm->pool;
	unsigned int added = 0, lent = 0;
	u8 how = 0;
	u32 idx;

	lockdep_assert_held(&pool->lock);
	if (!vmpool_cache_usable(vm)) {
		vmpool_cache_drain(vm);
		return false;
	}
	if (p->strict)
		return false;
	spin_lock(&c->lock);
	vmpool_cache_fold_locked(vm);
	if (c->nr && c->first != p->first) {
		spin_unlock(&c->lock);
		return false;
	}
	if (c->own < c->nr && vmpool_vm_spare(vm))
		vmpool_cache_drain_locked(vm);
	c->first = p->first;
	/* Of the reserve, what it holds already counts. */
	lent = c->nr - c->own;
	while (c->nr < VMPOOL_CACHE_PAGES) {
		idx = vmpool_cache_pop_own(vm, p, &how);
		if (idx == VMPOOL_NONE && !vmpool_vm_spare(vm)) {
			idx = vmpool_cache_pop_lent(vm, p, lent);
			how = 0;
			lent += idx != VMPOOL_NONE;
		}
		if (idx == VMPOOL_NONE)
			break;
		c->pages[c->nr] = idx;
		c->how[c->nr] = how;
		c->own += !!(how & VMPOOL_CACHE_OWN);
		/* Counted in the VM's limit from now on. */
		c->nr++;
		added++;
	}
	spin_unlock(&c->lock);
	if (added)
		vm->stats.cache_refills++;
	return c->nr > 0;
}

/**
 * vmpool_cache_init - an empty fault cache for a new VM
 * @vm: the VM.
 */
void vmpool_cache_init(struct vmpool_vm *vm)
{
	spin_lock_init(&vm->cache.lock);
	vm->cache.first = NUMA_NO_NODE;
}
