// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: moving pages between the global pool, dedicated pools, guest
 * memory and the held list, zeroing exactly when a page would show a VM
 * data it may not see.
 *
 * Every function here takes the pool lock itself, or asserts it is held.
 * Zeroing happens outside the lock: grow, split and merge zero a private
 * list of pages in transit, a fault its one page, in transit meanwhile.
 */
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "vmpool.h"
#include "trace.h"

/* Pages handled between two chances to reschedule. */
#define VMPOOL_BATCH		256
/* Pages a grow, shrink or move handles per visit to the pool lock. */
#define VMPOOL_MOVE_BATCH	512
/* Pages zeroed outside the lock between two visits to it. */
#define VMPOOL_SCRUB_BATCH	64
/* How often held pages are checked for their last outside reference. */
#define VMPOOL_HELD_DELAY	(HZ / 10)

/* Whether @vm accepts, unzeroed, a page whose last data is @mark's. */
static bool vmpool_vm_accepts(struct vmpool_vm *vm, u16 mark)
{
	return mark == vm->tenant->slot && (vm->flags & VMPOOL_VM_SHARE_TENANT);
}

/* Whether page @idx, marked @mark, must be zeroed before @vm sees it. */
static bool vmpool_needs_zero(struct vmpool_vm *vm, u32 idx, u16 mark)
{
	return test_bit(idx, vm->pool->dirty) && !vmpool_vm_accepts(vm, mark);
}

/*
 * Take a page of node @nid (%NUMA_NO_NODE: any) out of the global pool
 * for @vm: its tenant's own pages first when it accepts them, then zeroed
 * pages (the scrubber's reserve), then pages holding nobody's data, then
 * the pages of the tenant that has had global pages longest.  *@mark is
 * set to the tenant the page was marked with (0 for none).
 */
static u32 vmpool_global_pop_node(struct vmpool_pool *pool,
				  struct vmpool_vm *vm, int nid, u16 *mark)
{
	struct vmpool_tenant *t = vm->tenant, *other;
	u32 idx;

	if (vm->flags & VMPOOL_VM_SHARE_TENANT) {
		idx = vmpool_tenant_pop(pool, t, nid);
		if (idx != VMPOOL_NONE) {
			*mark = t->slot;
			return idx;
		}
	}
	*mark = 0;
	idx = vmpool_nlist_pop(pool, &pool->zeroed, nid);
	if (idx == VMPOOL_NONE &&
	    (nid == NUMA_NO_NODE ? pool->nr_lent : pool->node_lent[nid])) {
		/* Zeroed pages lent to fault caches, before any to zero. */
		vmpool_cache_drain_all(pool);
		idx = vmpool_nlist_pop(pool, &pool->zeroed, nid);
	}
	if (idx != VMPOOL_NONE) {
		pool->scrub.hits++;
		return idx;
	}
	idx = vmpool_nlist_pop(pool, &pool->unmarked, nid);
	if (idx == VMPOOL_NONE) {
		list_for_each_entry(other, &pool->marked, marked) {
			idx = vmpool_tenant_pop(pool, other, nid);
			if (idx != VMPOOL_NONE)
				break;
		}
		if (idx == VMPOOL_NONE)
			return VMPOOL_NONE;
		*mark = other->slot;
		/* @t itself has a live VM: only another tenant can go. */
		vmpool_tenant_try_free(pool, other);
	}
	if (vmpool_needs_zero(vm, idx, *mark))
		pool->scrub.misses++;
	return idx;
}

/*
 * Take a page out of the global pool for @vm, even one promised to a grow
 * (the grow's own take), from the nodes of place @p in turn (see
 * vmpool_global_pop_node() for the order on each).  None is left only if
 * the pool is empty, or @p binds to nodes that have none.
 */
static u32 vmpool_global_pop(struct vmpool_pool *pool, struct vmpool_vm *vm,
			     const struct vmpool_place *p, u16 *mark)
{
	nodemask_t tried = NODE_MASK_NONE;
	u32 idx = VMPOOL_NONE;
	int nid;

	if (p->first == NUMA_NO_NODE)
		idx = vmpool_global_pop_node(pool, vm, NUMA_NO_NODE, mark);
	while (idx == VMPOOL_NONE && p->first != NUMA_NO_NODE &&
	       (nid = vmpool_place_next(&pool->mem_nodes, p, &tried)) !=
	       NUMA_NO_NODE)
		idx = vmpool_global_pop_node(pool, vm, nid, mark);
	if (idx == VMPOOL_NONE)
		return VMPOOL_NONE;
	vmpool_free_sub(pool, idx);
	vmpool_scrub_kick_locked(pool);
	return idx;
}

/*
 * Take global page @idx, whichever list it is on, for @vm (counted as
 * vmpool_global_pop_node() counts); return the tenant it was marked with
 * (0 for none).  A tenant other than @vm's whose last global page it was,
 * and that nothing else keeps, goes.
 */
static u16 vmpool_global_del(struct vmpool_pool *pool, struct vmpool_vm *vm,
			     u32 idx)
{
	struct vmpool_tenant *t;
	u16 mark = 0;

	if (!test_bit(idx, pool->dirty)) {
		vmpool_nlist_del(pool, &pool->zeroed, idx);
		pool->scrub.hits++;
	} else if (!pool->owner[idx]) {
		vmpool_nlist_del(pool, &pool->unmarked, idx);
	} else {
		mark = pool->owner[idx];
		t = xa_load(&pool->tenants, mark);
		vmpool_tenant_del(pool, t, idx);
		if (t != vm->tenant && !t->free.count)
			vmpool_tenant_try_free(pool, t);
	}
	if (vmpool_needs_zero(vm, idx, mark))
		pool->scrub.misses++;
	vmpool_free_sub(pool, idx);
	return mark;
}

/*
 * vmpool_global_pop(), but not of the pages promised to grows; pages lent
 * to fault caches are called back if no other is left.
 */
static u32 vmpool_global_take(struct vmpool_pool *pool, struct vmpool_vm *vm,
			      const struct vmpool_place *p, u16 *mark)
{
	if (!vmpool_pool_call_back(pool, 1))
		return VMPOOL_NONE;
	return vmpool_global_pop(pool, vm, p, mark);
}

/*
 * Return a page no VM owns any more to the global pool, marked with tenant
 * @t if it may hold data.
 */
static void vmpool_global_put(struct vmpool_pool *pool, struct vmpool_tenant *t,
			      u32 idx)
{
	__clear_bit(idx, pool->owned);
	if (test_bit(idx, pool->dirty)) {
		pool->owner[idx] = t->slot;
		vmpool_tenant_push(pool, t, idx);
	} else {
		pool->owner[idx] = 0;
		vmpool_nlist_push(pool, &pool->zeroed, idx);
	}
	vmpool_free_add(pool, idx);
	vmpool_scrub_kick_locked(pool);
}

/*
 * Hold back a page no VM owns any more but something else still
 * references: it joins no pool, and nobody zeroes it, until the count
 * drops.  The module stays loaded meanwhile.
 */
static void vmpool_held_put(struct vmpool_pool *pool, struct vmpool_tenant *t,
			    u32 idx)
{
	__clear_bit(idx, pool->owned);
	pool->owner[idx] = t->slot;
	t->nr_held++;
	if (!pool->held.count) {
		__module_get(THIS_MODULE);
		mod_delayed_work(system_wq, &pool->held_work, VMPOOL_HELD_DELAY);
	}
	vmpool_list_push(pool, &pool->held, idx);
}

/* Count a zeroed page for @vm. */
static void vmpool_count_zeroed(struct vmpool_vm *vm)
{
	vm->pool->bytes_zeroed += PAGE_SIZE;
	vm->stats.bytes_zeroed += PAGE_SIZE;
}

/**
 * vmpool_count_recycled - count a page handed to @vm with data it may see
 * @vm: the VM.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_count_recycled(struct vmpool_vm *vm)
{
	vm->pool->pages_recycled++;
	vm->stats.pages_recycled++;
}

/* Zero page @idx, of tenant slot @from, for @vm, under the lock; count it. */
static void vmpool_page_scrub(struct vmpool_vm *vm, u32 idx, u16 from)
{
	vmpool_page_zero(vm->pool, idx);
	__clear_bit(idx, vm->pool->dirty);
	vmpool_count_zeroed(vm);
	trace_vmpool_scrub(vm->slot, vm->tenant->slot, from, 1);
}

/*
 * Whether page @idx, marked @mark, must be zeroed before it enters @vm from
 * outside; if not, one holding data @vm may see is counted recycled.
 */
static bool vmpool_enter_needs_zero(struct vmpool_vm *vm, u32 idx, u16 mark)
{
	if (vmpool_needs_zero(vm, idx, mark))
		return true;
	if (test_bit(idx, vm->pool->dirty))
		vmpool_count_recycled(vm);
	return false;
}

/**
 * vmpool_hole_must_zero - whether a dedicated page must be zeroed before it
 *	backs a hole of its VM
 * @vm: the VM.
 * @idx: a page of its dedicated pool.
 * @stale: it holds data of another guest page, which lives on in the
 *	store (else only data the VM released, or zeros).
 *
 * Context: @vm's pool lock held.
 * Return: true if it holds data @vm may not see in a hole.
 */
bool vmpool_hole_must_zero(struct vmpool_vm *vm, u32 idx, bool stale)
{
	return stale || (test_bit(idx, vm->pool->dirty) &&
			 (vm->flags & VMPOOL_VM_ZERO_RELEASED));
}

/*
 * vmpool_hole_must_zero(); if not, a page holding data is counted
 * recycled.
 */
static bool vmpool_hole_needs_zero(struct vmpool_vm *vm, u32 idx, bool stale)
{
	if (vmpool_hole_must_zero(vm, idx, stale))
		return true;
	if (test_bit(idx, vm->pool->dirty))
		vmpool_count_recycled(vm);
	return false;
}

/*
 * Hand page @idx, marked with tenant slot @mark, to @vm, zeroing it first
 * if @vm may not see what it holds.  Every page that enters a VM from
 * outside goes through here or through vmpool_scrub_into().
 */
static void vmpool_page_enter(struct vmpool_vm *vm, u32 idx, u16 mark)
{
	struct vmpool_pool *pool = vm->pool;

	if (vmpool_enter_needs_zero(vm, idx, mark))
		vmpool_page_scrub(vm, idx, mark);
	__set_bit(idx, pool->owned);
	pool->owner[idx] = vm->slot;
}

static void vmpool_dedicated_push(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;

	pool->node_dedicated[vmpool_nlist_push(pool, &vm->dedicated, idx)]++;
	pool->nr_dedicated++;
	vm->tenant->nr_dedicated++;
	vmpool_block_dedicated_add(vm, idx);
}

/*
 * Count page @idx out of @vm's dedicated pool, off its list already;
 * return whether it holds data that lives on in the store.
 */
static bool vmpool_dedicated_out(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;

	pool->nr_dedicated--;
	pool->node_dedicated[vmpool_page_nid(pool, idx)]--;
	vm->tenant->nr_dedicated--;
	vmpool_block_dedicated_sub(vm, idx);
	return __test_and_clear_bit(idx, pool->stale);
}

/*
 * Take a page from @vm's dedicated pool, from the nodes of place @p in
 * turn (any node if @p is NULL); *@stale (if given) says whether it holds
 * data that lives on in the store.
 */
static u32 vmpool_dedicated_pop_stale(struct vmpool_vm *vm,
				      const struct vmpool_place *p,
				      bool *stale)
{
	u32 idx = vmpool_nlist_pop_place(vm->pool, &vm->dedicated, p);
	bool was_stale = false;

	if (idx != VMPOOL_NONE)
		was_stale = vmpool_dedicated_out(vm, idx);
	if (stale)
		*stale = was_stale;
	return idx;
}

static u32 vmpool_dedicated_pop(struct vmpool_vm *vm,
				const struct vmpool_place *p)
{
	return vmpool_dedicated_pop_stale(vm, p, NULL);
}

/* Put page @idx, which must be zeroed for @vm, in transit: on no list. */
static void vmpool_transit_enter(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;

	__clear_bit(idx, pool->owned);
	pool->owner[idx] = 0;
	pool->nr_transit++;
	vm->nr_transit++;
}

/* Put page @idx, which must be zeroed for @vm, in transit on @list. */
static void vmpool_transit_push(struct vmpool_vm *vm, struct vmpool_list *list,
				u32 idx)
{
	vmpool_transit_enter(vm, idx);
	vmpool_list_push(vm->pool, list, idx);
}

/*
 * Page @idx, in transit for @vm and zeroed since, is @vm's: clean and
 * owned, on no list yet.  The caller counts it out of transit.
 */
static void vmpool_transit_zeroed(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;

	__clear_bit(idx, pool->dirty);
	vmpool_count_zeroed(vm);
	__set_bit(idx, pool->owned);
	pool->owner[idx] = vm->slot;
}

/*
 * Page @idx, marked @mark, for @vm's dedicated pool: into it now, or in
 * transit on @scrub if it must be zeroed first.
 */
static void vmpool_dedicated_enter(struct vmpool_vm *vm,
				   struct vmpool_list *scrub, u32 idx, u16 mark)
{
	if (vmpool_needs_zero(vm, idx, mark)) {
		vmpool_transit_push(vm, scrub, idx);
	} else {
		vmpool_page_enter(vm, idx, mark);
		vmpool_dedicated_push(vm, idx);
	}
}

/*
 * Zero the pages in transit on @list, outside the lock, and move them into
 * @vm's dedicated pool.  A fatal signal stops the zeroing: the pages not
 * zeroed yet go back to the global pool unmarked but dirty, so that
 * whoever takes them zeroes them.
 *
 * Return: 0, or -EINTR after a fatal signal.
 */
static int vmpool_scrub_into(struct vmpool_vm *vm, struct vmpool_list *list)
{
	struct vmpool_pool *pool = vm->pool;
	u32 batch[VMPOOL_SCRUB_BATCH];
	unsigned int n, i;
	int ret = 0;
	u32 idx;

	while (list->count) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/* The pages in transit are ours alone: no lock needed. */
		for (n = 0; n < VMPOOL_SCRUB_BATCH && list->count; n++)
			batch[n] = vmpool_list_pop(pool, list);
		for (i = 0; i < n; i++)
			vmpool_page_zero(pool, batch[i]);

		mutex_lock(&pool->lock);
		for (i = 0; i < n; i++) {
			vmpool_transit_zeroed(vm, batch[i]);
			vmpool_dedicated_push(vm, batch[i]);
		}
		pool->nr_transit -= n;
		vm->nr_transit -= n;
		vmpool_vm_landed_locked(vm);
		trace_vmpool_scrub(vm->slot, vm->tenant->slot, 0, n);
		mutex_unlock(&pool->lock);
		cond_resched();
	}

	if (list->count) {
		mutex_lock(&pool->lock);
		while ((idx = vmpool_list_pop(pool, list)) != VMPOOL_NONE) {
			vmpool_nlist_push(pool, &pool->unmarked, idx);
			vmpool_free_add(pool, idx);
			pool->nr_transit--;
			vm->nr_transit--;
		}
		vmpool_vm_landed_locked(vm);
		mutex_unlock(&pool->lock);
	}
	return ret;
}

/**
 * vmpool_grow - move pages from the global pool to a VM's dedicated pool
 * @vm: the VM.
 * @pages: how many.
 *
 * The pages are promised to @vm at once, then move a batch at a time, the
 * pool lock taken once a batch, so that other VMs' faults do not wait for
 * all of them; pages that need zeroing are zeroed outside the lock.  Where
 * faults map PMDs, a batch of 512 is a whole 2 MiB block of the VM's node
 * while the global pool has one, which @vm's faults then map with one PMD
 * (huge.c).
 *
 * Context: process context; takes the pool lock.
 * Return: 0 on success; -ENOSPC if the global pool has fewer free pages or
 * @vm's limit would be passed, in which case nothing moves; -EINTR if a
 * fatal signal stopped the zeroing (the pages moved so far stay).
 */
int vmpool_grow(struct vmpool_vm *vm, unsigned long pages)
{
	struct vmpool_list scrub = { .head = VMPOOL_NONE };
	struct vmpool_pool *pool = vm->pool;
	struct vmpool_place place;
	unsigned long i, n, left;
	bool paused = false;
	u32 idx, block;
	int ret;
	u16 mark;

	mutex_lock(&pool->lock);
	if (pages > vmpool_pool_call_back(pool, pages) &&
	    vmpool_pool_pending_locked(pool)) {
		/*
		 * Pages are on their way back: wait for them, and keep the
		 * scrubber from taking the next batch meanwhile.
		 */
		mutex_unlock(&pool->lock);
		vmpool_close_settle(pool);
		vmpool_scrub_pause(pool);
		paused = true;
		mutex_lock(&pool->lock);
	}
	/* Its cache's pages go back: they count against its limit. */
	vmpool_cache_drain(vm);
	if (pages > vmpool_pool_call_back(pool, pages) ||
	    pages > vm->limit - vmpool_vm_holding(vm)) {
		mutex_unlock(&pool->lock);
		if (paused)
			vmpool_scrub_resume(pool);
		trace_vmpool_grow(vm->slot, vm->tenant->slot, pages, -ENOSPC);
		return -ENOSPC;
	}
	/*
	 * Promised: no one else takes them, nor passes the VM's limit with
	 * them, while they move a batch at a time, the lock free in between.
	 */
	pool->nr_reserved += pages;
	vm->nr_reserved += pages;
	mutex_unlock(&pool->lock);
	if (paused)
		vmpool_scrub_resume(pool);
	/* Never bound: the promised pages are there, on some node. */
	vmpool_place_vm(vm, &place);

	for (left = pages, ret = 0; left && !ret; left -= n) {
		n = min_t(unsigned long, left, VMPOOL_MOVE_BATCH);
		mutex_lock(&pool->lock);
		/* Whole blocks while they last: faults map them whole. */
		block = VMPOOL_NONE;
		if (n == VMPOOL_BLOCK_PAGES && vmpool_pmd_available(pool))
			block = vmpool_block_find(pool, &place);
		for (i = 0; i < n; i++) {
			if (block != VMPOOL_NONE) {
				idx = block * VMPOOL_BLOCK_PAGES + i;
				mark = vmpool_global_del(pool, vm, idx);
			} else {
				idx = vmpool_global_pop(pool, vm, &place,
							&mark);
			}
			vmpool_dedicated_enter(vm, &scrub, idx, mark);
		}
		if (block != VMPOOL_NONE)
			vmpool_scrub_kick_locked(pool);
		pool->nr_reserved -= n;
		vm->nr_reserved -= n;
		vmpool_vm_landed_locked(vm);
		vmpool_scrub_poke_locked(pool);
		mutex_unlock(&pool->lock);
		ret = vmpool_scrub_into(vm, &scrub);
		cond_resched();
	}
	if (left) {
		/* A fatal signal: what is not taken is free for all again. */
		mutex_lock(&pool->lock);
		pool->nr_reserved -= left;
		vm->nr_reserved -= left;
		vmpool_vm_landed_locked(vm);
		vmpool_scrub_poke_locked(pool);
		mutex_unlock(&pool->lock);
	}
	trace_vmpool_grow(vm->slot, vm->tenant->slot, pages, ret);
	return ret;
}

/* Let the waiters of @lock, and the scheduler, in. */
static void vmpool_yield_lock(struct mutex *lock)
{
	mutex_unlock(lock);
	cond_resched();
	mutex_lock(lock);
}

/*
 * Return up to @pages pages of @vm's dedicated pool to the global pool,
 * marked with @vm's tenant: of the nodes of place @p (any if NULL), in
 * turn; the pages returned.
 */
static unsigned long vmpool_dedicated_give(struct vmpool_vm *vm,
					   const struct vmpool_place *p,
					   unsigned long pages)
{
	unsigned long i;
	u32 idx;

	for (i = 0; i < pages; i++) {
		idx = vmpool_dedicated_pop(vm, p);
		if (idx == VMPOOL_NONE)
			break;
		vmpool_global_put(vm->pool, vm->tenant, idx);
		if (i % VMPOOL_BATCH == VMPOOL_BATCH - 1)
			cond_resched();
	}
	return i;
}

/**
 * vmpool_shrink - return free pages of a VM's dedicated pool to the global
 *	pool
 * @vm: the VM.
 * @pages: how many.
 *
 * The pages keep @vm's tenant as their mark.
 *
 * Context: process context; takes the pool lock.
 * Return: 0 on success; -ENOSPC if the dedicated pool has fewer free pages,
 * in which case nothing moves.
 */
int vmpool_shrink(struct vmpool_vm *vm, unsigned long pages)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long n, left;
	int ret = 0;

	mutex_lock(&pool->lock);
	/* Its cache's own pages are spare too. */
	vmpool_cache_drain(vm);
	if (pages > vmpool_vm_spare(vm)) {
		ret = -ENOSPC;
		goto out;
	}
	/* Promised: the VM's faults leave them alone between batches. */
	vm->nr_leaving += pages;
	for (left = pages; left; left -= n) {
		n = min_t(unsigned long, left, VMPOOL_MOVE_BATCH);
		vmpool_dedicated_give(vm, NULL, n);
		vm->nr_leaving -= n;
		if (left > n)
			vmpool_yield_lock(&pool->lock);
	}
out:
	mutex_unlock(&pool->lock);
	trace_vmpool_shrink(vm->slot, vm->tenant->slot, pages, ret);
	return ret;
}

/**
 * vmpool_vm_give_free_locked - return free pages of a VM's dedicated pool
 *	to the global pool
 * @vm: the VM.
 * @p: if not NULL and bound, only pages on its nodes; else any, those on
 *	its nodes first (if not NULL).
 * @pages: how many at most.
 *
 * The pages keep @vm's tenant as their mark.  Pages promised to a shrink
 * or move of @vm in progress stay.
 *
 * Context: @vm's pool lock held.
 * Return: the pages returned.
 */
unsigned long vmpool_vm_give_free_locked(struct vmpool_vm *vm,
					 const struct vmpool_place *p,
					 unsigned long pages)
{
	lockdep_assert_held(&vm->pool->lock);
	vmpool_cache_drain(vm);
	return vmpool_dedicated_give(vm, p, min(pages, vmpool_vm_spare(vm)));
}

/**
 * vmpool_move - move free pages from one VM's dedicated pool to another's
 * @src: the VM giving pages.
 * @dst: the VM receiving them; not @src.
 * @pages: how many; 0 for all of them (merge).
 * @moved: set to the number of pages taken from @src.
 *
 * Pages are zeroed on the way, outside the pool lock, unless @dst accepts
 * @src's data (one tenant, and @dst shares with its tenant).
 *
 * Context: process context; takes the pool lock.
 * Return: 0 on success; -ENOSPC if @src's pool has fewer free pages or
 * @dst's limit would be passed, in which case nothing moves; -EINTR if a
 * fatal signal stopped the zeroing.
 */
int vmpool_move(struct vmpool_vm *src, struct vmpool_vm *dst,
		unsigned long pages, unsigned long *moved)
{
	struct vmpool_list scrub = { .head = VMPOOL_NONE };
	struct vmpool_pool *pool = src->pool;
	u16 mark = src->tenant->slot;
	struct vmpool_place place;
	unsigned long i, n, left, zeroed = 0;
	bool merge = !pages;
	int ret;

	mutex_lock(&pool->lock);
	vmpool_cache_drain(src);
	vmpool_cache_drain(dst);
	if (!pages)
		pages = vmpool_vm_spare(src);
	if (pages > vmpool_vm_spare(src) ||
	    pages > dst->limit - vmpool_vm_holding(dst)) {
		mutex_unlock(&pool->lock);
		trace_vmpool_move(src->slot, dst->slot, merge, 0, 0, -ENOSPC);
		return -ENOSPC;
	}
	/*
	 * Promised: @src's faults leave them alone, and they count against
	 * @dst's limit, while they move a batch at a time.
	 */
	src->nr_leaving += pages;
	dst->nr_arriving += pages;
	mutex_unlock(&pool->lock);
	/* Of @src's pages, those on @dst's node first. */
	vmpool_place_vm(dst, &place);

	for (left = pages, ret = 0; left && !ret; left -= n) {
		n = min_t(unsigned long, left, VMPOOL_MOVE_BATCH);
		mutex_lock(&pool->lock);
		for (i = 0; i < n; i++)
			vmpool_dedicated_enter(dst, &scrub,
					       vmpool_dedicated_pop(src, &place),
					       mark);
		src->nr_leaving -= n;
		dst->nr_arriving -= n;
		vmpool_vm_landed_locked(dst);
		zeroed += scrub.count;
		mutex_unlock(&pool->lock);
		ret = vmpool_scrub_into(dst, &scrub);
		cond_resched();
	}
	if (left) {
		/* A fatal signal: what has not moved stays with @src. */
		mutex_lock(&pool->lock);
		src->nr_leaving -= left;
		dst->nr_arriving -= left;
		vmpool_vm_landed_locked(dst);
		mutex_unlock(&pool->lock);
	}

	*moved = pages - left;
	trace_vmpool_move(src->slot, dst->slot, merge, pages - left, zeroed,
			  ret);
	return ret;
}

/* Return released held pages to the global pool; true if any went. */
static bool vmpool_held_reclaim_locked(struct vmpool_pool *pool)
{
	struct vmpool_list busy = { .head = VMPOOL_NONE };
	unsigned long released = 0;
	struct vmpool_tenant *t;
	u32 idx;

	lockdep_assert_held(&pool->lock);

	if (!pool->held.count)
		return false;
	while ((idx = vmpool_list_pop(pool, &pool->held)) != VMPOOL_NONE) {
		if (vmpool_page_busy(pool, idx)) {
			vmpool_list_push(pool, &busy, idx);
			continue;
		}
		t = xa_load(&pool->tenants, pool->owner[idx]);
		t->nr_held--;
		vmpool_global_put(pool, t, idx);
		vmpool_tenant_try_free(pool, t);
		released++;
	}
	pool->held = busy;
	if (released && !pool->held.count)
		module_put(THIS_MODULE);
	return released;
}

/**
 * vmpool_held_work - check held pages until none is left
 * @work: vmpool_pool.held_work.
 *
 * Context: process context (a workqueue); takes the pool lock.  May drop
 * the module's reference to itself: module exit waits for this work.
 */
void vmpool_held_work(struct work_struct *work)
{
	struct vmpool_pool *pool = container_of(to_delayed_work(work),
						struct vmpool_pool, held_work);

	mutex_lock(&pool->lock);
	vmpool_held_reclaim_locked(pool);
	if (pool->held.count)
		mod_delayed_work(system_wq, &pool->held_work, VMPOOL_HELD_DELAY);
	mutex_unlock(&pool->lock);
}

/**
 * vmpool_count_place - count a page taken for a VM as on the node wanted
 *	first or not
 * @vm: the VM.
 * @first: the node its place wanted first, or %NUMA_NO_NODE (not counted).
 * @idx: the page.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_count_place(struct vmpool_vm *vm, int first, u32 idx)
{
	if (first == NUMA_NO_NODE)
		return;
	if (vmpool_page_nid(vm->pool, idx) == first)
		vm->stats.numa_hits++;
	else
		vm->stats.numa_misses++;
}

/**
 * vmpool_vm_take_locked - a page for @vm to back guest memory with
 * @vm: the VM.
 * @p: the nodes to take it from (vmpool_place_fault()); NULL for the VM's
 *	own (vmpool_place_vm()).
 * @idx: receives the pool index of the page, owned by @vm and ready for
 *	it to see (zeroed unless it holds only what @vm may see), or in
 *	transit if *@zero is set.
 * @fill: the store is read into the page: a page of the dedicated pool
 *	that holds data living on in the store needs no zeroing (if the read
 *	fails, vmpool_vm_release_stale_page() puts it back as such).
 * @zero: if not NULL, a page of the global pool that must be zeroed for
 *	@vm is not zeroed here but left in transit, *@zero set to true, for
 *	the caller to zero outside the lock and hand to @vm with
 *	vmpool_vm_zeroed_locked(); else *@zero is set to false.
 *
 * The VM's dedicated pool first, then the global pool; of each, a page on
 * the nodes of @p in turn.  A VM at its limit with spare pages only off
 * the nodes @p binds it to gives one back for a page of those nodes.
 *
 * Context: @vm's pool lock held.
 * Return: 0, or -ENOSPC if @vm is at its limit or the global pool is empty
 * (on the nodes @p binds to, if it binds).
 */
int vmpool_vm_take_locked(struct vmpool_vm *vm, const struct vmpool_place *p,
			  u32 *idx, bool fill, bool *zero)
{
	struct vmpool_pool *pool = vm->pool;
	struct vmpool_place own;
	bool stale;
	u16 mark;

	lockdep_assert_held(&pool->lock);
	if (!p) {
		vmpool_place_vm(vm, &own);
		p = &own;
	}
	/*
	 * Its cache's own pages back to its pool if none is spare there, all
	 * of them if it is at its limit: a page it may take.
	 */
	if (vm->cache.nr &&
	    ((vm->cache.own && !vmpool_vm_spare(vm)) ||
	     vmpool_vm_holding(vm) >= vm->limit))
		vmpool_cache_drain(vm);
	if (zero)
		*zero = false;
	*idx = VMPOOL_NONE;
	if (vmpool_vm_spare(vm))
		*idx = vmpool_dedicated_pop_stale(vm, p, &stale);
	if (*idx != VMPOOL_NONE) {
		/* The store's data overwrites it: nothing to zero. */
		if (!fill && vmpool_hole_needs_zero(vm, *idx, stale))
			vmpool_page_scrub(vm, *idx, vm->tenant->slot);
		vm->stats.faults_dedicated++;
		vmpool_count_place(vm, p->first, *idx);
		return 0;
	}
	if (vmpool_vm_holding(vm) >= vm->limit) {
		/*
		 * Bound to nodes its spare pages are not on: one of them goes
		 * back to the global pool for a page of those nodes.
		 */
		if (!p->strict || !vmpool_vm_spare(vm) ||
		    !vmpool_place_has_global(pool, p))
			return -ENOSPC;
		vmpool_dedicated_give(vm, NULL, 1);
	}
	if (!vmpool_pool_available(pool))
		vmpool_held_reclaim_locked(pool);
	*idx = vmpool_global_take(pool, vm, p, &mark);
	if (*idx == VMPOOL_NONE)
		return -ENOSPC;
	vm->stats.faults_global++;
	vmpool_count_place(vm, p->first, *idx);
	if (zero && vmpool_needs_zero(vm, *idx, mark)) {
		vmpool_transit_enter(vm, *idx);
		*zero = true;
		return 0;
	}
	vmpool_page_enter(vm, *idx, mark);
	return 0;
}

/*
 * Hand @vm page @idx, which vmpool_vm_take_locked() left in transit and
 * which has been zeroed since, outside the lock.
 */
static void vmpool_vm_zeroed_locked(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;

	pool->nr_transit--;
	vm->nr_transit--;
	vmpool_transit_zeroed(vm, idx);
	trace_vmpool_scrub(vm->slot, vm->tenant->slot, 0, 1);
	vmpool_vm_landed_locked(vm);
}

/**
 * vmpool_vm_mapped_locked - count page @idx as backing guest memory of @vm
 * @vm: the VM.
 * @idx: a page @vm owns, on no list, that its page map names (or is about
 *	to).
 *
 * Context: @vm's pool lock held.
 */
void vmpool_vm_mapped_locked(struct vmpool_vm *vm, u32 idx)
{
	struct vmpool_pool *pool = vm->pool;

	lockdep_assert_held(&pool->lock);
	/* The guest may write it from now on. */
	__set_bit(idx, pool->dirty);
	__set_bit(idx, pool->mapped);
	vm->nr_mapped++;
	vm->tenant->nr_mapped++;
	pool->nr_mapped++;
	pool->node_mapped[vmpool_page_nid(pool, idx)]++;
}

/**
 * vmpool_vm_map_locked - make page @idx back guest page @index of @vm
 * @vm: the VM.
 * @index: a guest page with no page behind it: its entry is in the store,
 *	or none, in which case @vm's cache lock is held too (a fault taking
 *	a page of its cache may back it otherwise).
 * @idx: a page @vm owns, on no list.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_vm_map_locked(struct vmpool_vm *vm, pgoff_t index, u32 idx)
{
	lockdep_assert_held(&vm->pool->lock);
	vmpool_vm_mapped_locked(vm, idx);
	/* With its data: a fault may read it without the lock. */
	smp_store_release(&vm->map[index], idx);
}

/**
 * vmpool_vm_populate - make sure a guest page is backed
 * @vm: the VM.
 * @p: the nodes a page for it comes from; NULL for the VM's own.
 * @index: guest page, below @vm->nr_pages.
 * @idx: set to the pool index backing it.
 *
 * A page backed already is looked up without the pool lock: a fault after
 * the page tables were zapped (the idle sampling, KVM's MMU notifier, a
 * page not mapped ahead) takes no pool-wide lock.  Otherwise it takes a
 * page of @vm's fault cache, without the pool lock too (cache.c); with
 * none there, it takes the pool lock, refills the cache and takes a page
 * of it, or, if the cache cannot serve @p, takes a page from @vm's
 * dedicated pool first, then from the global pool; one that must be
 * zeroed for @vm is zeroed outside the pool lock.  With none to take
 * while pages are on their way to @vm (another fault's page being zeroed,
 * a grow or move in progress), it waits for them.
 *
 * Context: process context; @vm's invalidate lock held (shared is
 * enough), which keeps a page backing @index there until it is dropped;
 * takes the pool lock unless the page is backed already or its cache has
 * a page for it.
 * Return: 0 on success; -ENOSPC if @vm is at its limit or the global pool is
 * empty; -ENODATA if the page's data is in the store (vmpool_swap_in()).
 */
int vmpool_vm_populate(struct vmpool_vm *vm, const struct vmpool_place *p,
		       pgoff_t index, u32 *idx)
{
	struct vmpool_pool *pool = vm->pool;
	struct vmpool_place own;
	u64 dedicated, zeroed;
	unsigned long landed;
	bool zero = false;
	int ret = 0;

	if (!p) {
		vmpool_place_vm(vm, &own);
		p = &own;
	}
	/*
	 * Only vmpool_vm_unmap_locked() takes a backing page away, and its
	 * callers hold the invalidate lock exclusive; pairs with the release
	 * in vmpool_vm_map_locked(): the page's data is seen with it.
	 */
	*idx = smp_load_acquire(&vm->map[index]);
	if (*idx != VMPOOL_NONE && !vmpool_entry_swapped(*idx))
		return 0;
	if (*idx == VMPOOL_NONE && vmpool_cache_take(vm, p, index, idx))
		return 0;

	mutex_lock(&pool->lock);
	/* Backed by a fault that took a page of the cache, perhaps. */
	*idx = smp_load_acquire(&vm->map[index]);
	if (vmpool_entry_swapped(*idx)) {
		ret = -ENODATA;
		goto out;
	}
	if (*idx != VMPOOL_NONE)
		goto out;
	/* The cache, filled a batch at a time: the next faults skip the lock. */
	if (vmpool_cache_refill(vm, p) &&
	    vmpool_cache_take(vm, p, index, idx))
		goto out;
	/* Other faults' pages counted first: the trace's flags are this one's. */
	vmpool_cache_fold(vm);
	dedicated = vm->stats.faults_dedicated;
	zeroed = vm->stats.bytes_zeroed;
	for (;;) {
		ret = vmpool_vm_take_locked(vm, p, idx, false, &zero);
		if (ret != -ENOSPC)
			break;
		/*
		 * At its limit perhaps because a fault backed this very page
		 * meanwhile, with a page of the cache (folded by the take).
		 */
		*idx = smp_load_acquire(&vm->map[index]);
		if (*idx != VMPOOL_NONE) {
			ret = vmpool_entry_swapped(*idx) ? -ENODATA : 0;
			goto out;
		}
		if (!vmpool_vm_incoming(vm) || fatal_signal_pending(current))
			break;
		landed = vm->landed;
		mutex_unlock(&pool->lock);
		wait_var_event_killable(&vm->landed,
					READ_ONCE(vm->landed) != landed);
		mutex_lock(&pool->lock);
		/* Backed meanwhile, by the fault it waited for perhaps. */
		*idx = smp_load_acquire(&vm->map[index]);
		ret = vmpool_entry_swapped(*idx) ? -ENODATA : 0;
		if (*idx != VMPOOL_NONE)
			goto out;
	}
	if (ret)
		goto out;
	if (zero) {
		/* Not under the lock: other VMs' faults go on meanwhile. */
		mutex_unlock(&pool->lock);
		vmpool_page_zero(pool, *idx);
		mutex_lock(&pool->lock);
		vmpool_vm_zeroed_locked(vm, *idx);
	}
	spin_lock(&vm->cache.lock);
	if (vm->map[index] != VMPOOL_NONE) {
		/*
		 * Backed meanwhile, by another fault: the page is spare.  (Not
		 * paged out: that takes the invalidate lock exclusive.)
		 */
		spin_unlock(&vm->cache.lock);
		vmpool_dedicated_push(vm, *idx);
		*idx = vm->map[index];
		if (WARN_ON_ONCE(vmpool_entry_swapped(*idx)))
			ret = -ENODATA;
		goto out;
	}
	vmpool_vm_map_locked(vm, index, *idx);
	spin_unlock(&vm->cache.lock);
	trace_vmpool_alloc(vm->slot, vm->tenant->slot, index,
			   vm->stats.faults_dedicated != dedicated,
			   vm->stats.bytes_zeroed != zeroed);
out:
	mutex_unlock(&pool->lock);
	return ret;
}

/*
 * Take the block at @first, whole in the global pool, for @vm: its pages
 * leave their lists; @zero marks those @vm may not see unzeroed.  The
 * caller puts them in transit.
 */
static void vmpool_global_block_out(struct vmpool_vm *vm, u32 first,
				    unsigned long *zero)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned int k;
	u16 mark;

	for (k = 0; k < VMPOOL_BLOCK_PAGES; k++) {
		mark = vmpool_global_del(pool, vm, first + k);
		if (vmpool_enter_needs_zero(vm, first + k, mark))
			__set_bit(k, zero);
		pool->owner[first + k] = 0;
	}
	vmpool_scrub_kick_locked(pool);
}

/*
 * Take the block at @first, whole in @vm's dedicated pool, for a hole of
 * @vm, as vmpool_vm_take_locked() takes a page of it; @zero marks the
 * pages to zero.  The caller puts them in transit.
 */
static void vmpool_dedicated_block_out(struct vmpool_vm *vm, u32 first,
				       unsigned long *zero)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned int k;
	u32 idx;

	for (k = 0; k < VMPOOL_BLOCK_PAGES; k++) {
		idx = first + k;
		vmpool_nlist_del(pool, &vm->dedicated, idx);
		if (vmpool_hole_needs_zero(vm, idx,
					   vmpool_dedicated_out(vm, idx)))
			__set_bit(k, zero);
		__clear_bit(idx, pool->owned);
		pool->owner[idx] = 0;
	}
}

/*
 * Zero the pages of the block at @first that @zero marks, outside the
 * lock, and hand the whole block, in transit for @vm until now, to it.
 */
static void vmpool_vm_block_zeroed(struct vmpool_vm *vm, u32 first,
				   const unsigned long *zero)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned int k, n = 0;

	for_each_set_bit(k, zero, VMPOOL_BLOCK_PAGES) {
		vmpool_page_zero(pool, first + k);
		if (++n % VMPOOL_SCRUB_BATCH == 0)
			cond_resched();
	}

	mutex_lock(&pool->lock);
	for (k = 0; k < VMPOOL_BLOCK_PAGES; k++) {
		if (test_bit(k, zero)) {
			__clear_bit(first + k, pool->dirty);
			vmpool_count_zeroed(vm);
		}
		__set_bit(first + k, pool->owned);
		pool->owner[first + k] = vm->slot;
	}
	pool->nr_transit -= VMPOOL_BLOCK_PAGES;
	vm->nr_transit -= VMPOOL_BLOCK_PAGES;
	if (n)
		trace_vmpool_scrub(vm->slot, vm->tenant->slot, 0, n);
	vmpool_vm_landed_locked(vm);
}

/**
 * vmpool_vm_take_block - back an extent of guest memory with a whole block
 * @vm: the VM.
 * @p: the nodes the block comes from.
 * @index: the extent's first guest page, a multiple of
 *	%VMPOOL_BLOCK_PAGES, with the whole extent below @vm->nr_pages.
 *
 * An extent nothing backs yet gets a whole block (huge.c): one of @vm's
 * dedicated pool first, else one of the global pool within @vm's limit,
 * on the nodes of @p in turn.  Its pages are zeroed outside the lock
 * where @vm may not see what they hold, as single pages are; guest page
 * @index + k is backed by the block's page k.
 *
 * Context: process context; @vm's invalidate lock held (shared is
 * enough); takes the pool lock.
 * Return: 0 if a whole block backs the extent (now, or before); -EEXIST if
 * single pages or the store back part of it; -ENOSPC if no whole block
 * can be had for it (none free on the nodes of @p, or @vm at its limit).
 */
int vmpool_vm_take_block(struct vmpool_vm *vm, const struct vmpool_place *p,
			 pgoff_t index)
{
	DECLARE_BITMAP(zero, VMPOOL_BLOCK_PAGES);
	struct vmpool_pool *pool = vm->pool;
	bool own = false;
	unsigned int k;
	u32 b, first;
	int ret;

	mutex_lock(&pool->lock);
	ret = vmpool_vm_extent_state(vm, index);
	if (ret <= 0)
		goto out;
	vmpool_cache_drain(vm);
	b = VMPOOL_NONE;
	if (vmpool_vm_spare(vm) >= VMPOOL_BLOCK_PAGES)
		b = vmpool_block_find_dedicated(vm, p);
	own = b != VMPOOL_NONE;
	if (!own && vmpool_vm_holding(vm) + VMPOOL_BLOCK_PAGES <= vm->limit &&
	    vmpool_pool_call_back(pool, VMPOOL_BLOCK_PAGES) >=
	    VMPOOL_BLOCK_PAGES)
		b = vmpool_block_find(pool, p);
	ret = -ENOSPC;
	if (b == VMPOOL_NONE)
		goto out;

	first = b * VMPOOL_BLOCK_PAGES;
	bitmap_zero(zero, VMPOOL_BLOCK_PAGES);
	if (own)
		vmpool_dedicated_block_out(vm, first, zero);
	else
		vmpool_global_block_out(vm, first, zero);
	pool->nr_transit += VMPOOL_BLOCK_PAGES;
	vm->nr_transit += VMPOOL_BLOCK_PAGES;
	mutex_unlock(&pool->lock);

	/* Not under the lock: other VMs' faults go on meanwhile. */
	vmpool_vm_block_zeroed(vm, first, zero);
	/*
	 * Backed meanwhile (another fault of it took a block, or a page of
	 * its cache): spare.
	 */
	spin_lock(&vm->cache.lock);
	ret = vmpool_vm_extent_state(vm, index);
	if (ret <= 0) {
		spin_unlock(&vm->cache.lock);
		for (k = 0; k < VMPOOL_BLOCK_PAGES; k++)
			vmpool_dedicated_push(vm, first + k);
		goto out;
	}
	set_bit(index / VMPOOL_BLOCK_PAGES, vm->huge);
	vm->nr_huge++;
	for (k = 0; k < VMPOOL_BLOCK_PAGES; k++)
		vmpool_vm_map_locked(vm, index + k, first + k);
	spin_unlock(&vm->cache.lock);
	for (k = 0; k < VMPOOL_BLOCK_PAGES; k++) {
		vmpool_count_place(vm, p->first, first + k);
		trace_vmpool_alloc(vm->slot, vm->tenant->slot, index + k, own,
				   test_bit(k, zero));
	}
	if (own)
		vm->stats.faults_dedicated += VMPOOL_BLOCK_PAGES;
	else
		vm->stats.faults_global += VMPOOL_BLOCK_PAGES;
	ret = 0;
out:
	mutex_unlock(&pool->lock);
	return ret;
}

/**
 * vmpool_vm_unmap_locked - forget the page behind guest page @index
 * @vm: the VM.
 * @index: a guest page backed by a page.
 *
 * The page stays owned by @vm, on no list: the caller puts it somewhere.
 * Its clean copy, if any, is freed.
 *
 * Context: @vm's pool lock held; and its invalidate lock held exclusive,
 * unless no file of @vm is left: faults look a backed page up without the
 * pool lock (vmpool_vm_populate()).
 */
void vmpool_vm_unmap_locked(struct vmpool_vm *vm, pgoff_t index)
{
	struct vmpool_pool *pool = vm->pool;
	u32 idx = vm->map[index];

	/* Counted as mapped first, if a fault took it from the cache. */
	vmpool_cache_fold(vm);
	vmpool_clean_drop_locked(vm, index);
	/* The extent is a whole block no more. */
	if (vm->nr_huge && test_bit(index / VMPOOL_BLOCK_PAGES, vm->huge)) {
		clear_bit(index / VMPOOL_BLOCK_PAGES, vm->huge);
		vm->nr_huge--;
	}
	vm->map[index] = VMPOOL_NONE;
	__clear_bit(idx, pool->mapped);
	vm->nr_mapped--;
	vm->tenant->nr_mapped--;
	pool->nr_mapped--;
	pool->node_mapped[vmpool_page_nid(pool, idx)]--;
}

/*
 * Hold back page @idx, which just left @vm, if something else still
 * references it; true if it was held.
 */
static bool vmpool_vm_hold_if_busy(struct vmpool_vm *vm, u32 idx)
{
	if (!vmpool_page_busy(vm->pool, idx))
		return false;
	vmpool_held_put(vm->pool, vm->tenant, idx);
	vm->stats.pages_held++;
	return true;
}

/**
 * vmpool_vm_release_range - return guest pages to the VM's dedicated pool
 * @vm: the VM.
 * @start: first guest page.
 * @end: guest page after the last, at most @vm->nr_pages.
 *
 * Nothing is zeroed: the pages stay with the VM.  A page something else
 * still references (a DMA pin, a read in flight) is held back instead, out
 * of every pool until the reference goes.  The caller has removed the
 * pages from every page table and keeps faults out.
 *
 * Context: process context; takes the pool lock.
 * Return: 0, or -EINTR if a fatal signal arrived: the pages before the one
 * reached are released, the others still back the guest, unchanged.
 */
int vmpool_vm_release_range(struct vmpool_vm *vm, pgoff_t start, pgoff_t end)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long released = 0, held = 0;
	pgoff_t index = start;
	int ret = 0;

	lockdep_assert_held_write(&vm->inode->i_mapping->invalidate_lock);
	while (index < end) {
		pgoff_t batch_end = min_t(pgoff_t, end, index + VMPOOL_BATCH);

		mutex_lock(&pool->lock);
		for (; index < batch_end; index++) {
			u32 idx = vm->map[index];

			if (idx == VMPOOL_NONE)
				continue;
			if (vmpool_entry_swapped(idx)) {
				vmpool_vm_drop_swapped_locked(vm, index);
				continue;
			}
			vmpool_vm_unmap_locked(vm, index);
			if (!vmpool_vm_hold_if_busy(vm, idx)) {
				vmpool_dedicated_push(vm, idx);
				vm->stats.pages_released++;
				released++;
			} else {
				held++;
			}
		}
		mutex_unlock(&pool->lock);

		if (index < end) {
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			cond_resched();
		}
	}
	trace_vmpool_release(vm->slot, start, index, released, held);
	return ret;
}

/**
 * vmpool_vm_put_page - a page leaving @vm for the global pool
 * @vm: the VM.
 * @idx: a page @vm owns, on no list.
 *
 * The page keeps @vm's tenant as its mark; it is held back instead while
 * something else references it.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_vm_put_page(struct vmpool_vm *vm, u32 idx)
{
	if (!vmpool_vm_hold_if_busy(vm, idx))
		vmpool_global_put(vm->pool, vm->tenant, idx);
}

/**
 * vmpool_vm_release_page - a page leaving guest memory for @vm's dedicated
 *	pool
 * @vm: the VM.
 * @idx: a page @vm owns, on no list, that nothing else references.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_vm_release_page(struct vmpool_vm *vm, u32 idx)
{
	vmpool_dedicated_push(vm, idx);
}

/**
 * vmpool_vm_release_stale_page - a page whose data lives on in the store
 *	leaving guest memory for @vm's dedicated pool
 * @vm: the VM.
 * @idx: a page @vm owns, on no list, that nothing else references.
 *
 * It is zeroed before it backs a hole of @vm.  It holds data (a page
 * taken clean for a read that failed may hold part of what the store gave
 * back), so it is dirty too: wherever it goes next, it is zeroed before
 * another tenant sees it.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_vm_release_stale_page(struct vmpool_vm *vm, u32 idx)
{
	__set_bit(idx, vm->pool->dirty);
	__set_bit(idx, vm->pool->stale);
	vmpool_dedicated_push(vm, idx);
}

/**
 * vmpool_vm_return_all - give every page of a dying VM to the global pool
 * @vm: the VM; no mapping of it remains.
 *
 * The pages keep @vm's tenant as their mark; pages still referenced
 * elsewhere (a DMA pin that outlives the VM) are held back until the
 * reference goes.
 *
 * Each page moves in one step under the lock, so the lock is dropped between
 * batches: a big VM does not stall the pool.  No file reaches @vm any more,
 * so nothing else changes its pages meanwhile.
 *
 * Context: @vm's pool lock held; dropped and retaken between batches.
 */
void vmpool_vm_return_all(struct vmpool_vm *vm)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long n = 0;
	pgoff_t index;
	u32 idx;

	lockdep_assert_held(&pool->lock);

	vmpool_cache_drain(vm);
	for (index = 0; index < vm->nr_pages; index++) {
		idx = vm->map[index];
		if (vmpool_entry_swapped(idx)) {
			vmpool_vm_drop_swapped_locked(vm, index);
		} else if (idx != VMPOOL_NONE) {
			vmpool_vm_unmap_locked(vm, index);
			vmpool_vm_put_page(vm, idx);
		}
		if (++n % (16 * VMPOOL_BATCH) == 0)
			vmpool_yield_lock(&pool->lock);
	}
	while ((idx = vmpool_dedicated_pop(vm, NULL)) != VMPOOL_NONE) {
		vmpool_vm_put_page(vm, idx);
		if (++n % VMPOOL_BATCH == 0)
			vmpool_yield_lock(&pool->lock);
	}
}
