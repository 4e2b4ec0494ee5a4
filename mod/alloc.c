// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: moving pages between the global pool, dedicated pools and guest
 * memory, zeroing exactly when a page crosses to another tenant.
 *
 * Every function here takes the pool lock itself, or asserts it is held.
 */
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "vmpool.h"

/* Pages handled between two chances to reschedule. */
#define VMPOOL_BATCH	256

/* Pages a VM holds: mapped and in its dedicated pool. */
static unsigned long vmpool_vm_holding(struct vmpool_vm *vm)
{
	return vm->nr_mapped + vm->dedicated.count;
}

/*
 * Take a page out of the global pool for tenant @t, preferring pages that
 * hold @t's own data, then pages that hold nobody's, then other tenants'.
 * *@mark is set to the tenant the page was marked with (0 for none).
 */
static u32 vmpool_global_take(struct vmpool_pool *pool, struct vmpool_tenant *t,
			      u16 *mark)
{
	struct vmpool_tenant *other;
	unsigned long slot;
	u32 idx;

	idx = vmpool_list_pop(pool, &t->free);
	if (idx != VMPOOL_NONE) {
		*mark = t->slot;
		goto out;
	}
	idx = vmpool_list_pop(pool, &pool->unmarked);
	if (idx != VMPOOL_NONE) {
		*mark = 0;
		goto out;
	}
	xa_for_each(&pool->tenants, slot, other) {
		idx = vmpool_list_pop(pool, &other->free);
		if (idx != VMPOOL_NONE) {
			*mark = other->slot;
			vmpool_tenant_try_free(pool, other);
			goto out;
		}
	}
	return VMPOOL_NONE;
out:
	pool->nr_free--;
	return idx;
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
		vmpool_list_push(pool, &t->free, idx);
	} else {
		pool->owner[idx] = 0;
		vmpool_list_push(pool, &pool->unmarked, idx);
	}
	pool->nr_free++;
}

/*
 * Hand page @idx, marked with tenant slot @mark, to @vm.  It is zeroed first
 * if it may hold data of a tenant other than @vm's: this is the only place
 * a page changes hands, so the security invariant holds by construction.
 */
static void vmpool_page_enter(struct vmpool_vm *vm, u32 idx, u16 mark)
{
	struct vmpool_pool *pool = vm->pool;

	if (test_bit(idx, pool->dirty)) {
		if (mark != vm->tenant->slot) {
			vmpool_page_zero(pool, idx);
			__clear_bit(idx, pool->dirty);
			pool->bytes_zeroed += PAGE_SIZE;
			vm->stats.bytes_zeroed += PAGE_SIZE;
		} else {
			pool->pages_recycled++;
			vm->stats.pages_recycled++;
		}
	}
	__set_bit(idx, pool->owned);
	pool->owner[idx] = vm->slot;
}

static void vmpool_dedicated_push(struct vmpool_vm *vm, u32 idx)
{
	vmpool_list_push(vm->pool, &vm->dedicated, idx);
	vm->pool->nr_dedicated++;
	vm->tenant->nr_dedicated++;
}

static u32 vmpool_dedicated_pop(struct vmpool_vm *vm)
{
	u32 idx = vmpool_list_pop(vm->pool, &vm->dedicated);

	if (idx != VMPOOL_NONE) {
		vm->pool->nr_dedicated--;
		vm->tenant->nr_dedicated--;
	}
	return idx;
}

/**
 * vmpool_grow - move pages from the global pool to a VM's dedicated pool
 * @vm: the VM.
 * @pages: how many.
 *
 * Context: process context; takes the pool lock.
 * Return: 0 on success; -ENOSPC if the global pool has fewer free pages or
 * @vm's limit would be passed, in which case nothing moves.
 */
int vmpool_grow(struct vmpool_vm *vm, unsigned long pages)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long i;
	int ret = 0;
	u16 mark;
	u32 idx;

	mutex_lock(&pool->lock);
	if (pages > pool->nr_free || pages > vm->limit - vmpool_vm_holding(vm)) {
		ret = -ENOSPC;
		goto out;
	}
	for (i = 0; i < pages; i++) {
		idx = vmpool_global_take(pool, vm->tenant, &mark);
		vmpool_page_enter(vm, idx, mark);
		vmpool_dedicated_push(vm, idx);
		if (i % VMPOOL_BATCH == VMPOOL_BATCH - 1)
			cond_resched();
	}
out:
	mutex_unlock(&pool->lock);
	return ret;
}

/**
 * vmpool_shrink - return free pages of a VM's dedicated pool to the global
 *	pool
 * @vm: the VM.
 * @pages: how many.
 *
 * The pages keep @vm's tenant as their mark; they are zeroed only if another
 * tenant takes them.
 *
 * Context: process context; takes the pool lock.
 * Return: 0 on success; -ENOSPC if the dedicated pool has fewer free pages,
 * in which case nothing moves.
 */
int vmpool_shrink(struct vmpool_vm *vm, unsigned long pages)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long i;
	int ret = 0;

	mutex_lock(&pool->lock);
	if (pages > vm->dedicated.count) {
		ret = -ENOSPC;
		goto out;
	}
	for (i = 0; i < pages; i++)
		vmpool_global_put(pool, vm->tenant, vmpool_dedicated_pop(vm));
out:
	mutex_unlock(&pool->lock);
	return ret;
}

/**
 * vmpool_move - move free pages from one VM's dedicated pool to another's
 * @src: the VM giving pages.
 * @dst: the VM receiving them; not @src.
 * @pages: how many; 0 for all of them (merge).
 * @moved: set to the number of pages moved.
 *
 * Pages are zeroed on the way when the VMs' tenants differ.
 *
 * Context: process context; takes the pool lock.
 * Return: 0 on success; -ENOSPC if @src's pool has fewer free pages or
 * @dst's limit would be passed, in which case nothing moves.
 */
int vmpool_move(struct vmpool_vm *src, struct vmpool_vm *dst,
		unsigned long pages, unsigned long *moved)
{
	struct vmpool_pool *pool = src->pool;
	unsigned long i;
	int ret = 0;

	mutex_lock(&pool->lock);
	if (!pages)
		pages = src->dedicated.count;
	if (pages > src->dedicated.count ||
	    pages > dst->limit - vmpool_vm_holding(dst)) {
		ret = -ENOSPC;
		goto out;
	}
	for (i = 0; i < pages; i++) {
		u32 idx = vmpool_dedicated_pop(src);

		vmpool_page_enter(dst, idx, src->tenant->slot);
		vmpool_dedicated_push(dst, idx);
		if (i % VMPOOL_BATCH == VMPOOL_BATCH - 1)
			cond_resched();
	}
	*moved = pages;
out:
	mutex_unlock(&pool->lock);
	return ret;
}

/**
 * vmpool_vm_populate - make sure a guest page is backed
 * @vm: the VM.
 * @index: guest page, below @vm->nr_pages.
 * @idx: set to the pool index backing it.
 *
 * Takes a page from @vm's dedicated pool first, then from the global pool.
 *
 * Context: process context; takes the pool lock.
 * Return: 0 on success; -ENOSPC if @vm is at its limit or the global pool is
 * empty.
 */
int vmpool_vm_populate(struct vmpool_vm *vm, pgoff_t index, u32 *idx)
{
	struct vmpool_pool *pool = vm->pool;
	int ret = 0;
	u16 mark;

	mutex_lock(&pool->lock);
	*idx = vm->map[index];
	if (*idx != VMPOOL_NONE)
		goto out;

	*idx = vmpool_dedicated_pop(vm);
	if (*idx != VMPOOL_NONE) {
		/* Only the VM's own data or zeros: nothing to scrub. */
		if (test_bit(*idx, pool->dirty)) {
			pool->pages_recycled++;
			vm->stats.pages_recycled++;
		}
		vm->stats.faults_dedicated++;
	} else {
		if (vmpool_vm_holding(vm) >= vm->limit) {
			ret = -ENOSPC;
			goto out;
		}
		*idx = vmpool_global_take(pool, vm->tenant, &mark);
		if (*idx == VMPOOL_NONE) {
			ret = -ENOSPC;
			goto out;
		}
		vmpool_page_enter(vm, *idx, mark);
		vm->stats.faults_global++;
	}

	/* The guest may write it from now on. */
	__set_bit(*idx, pool->dirty);
	__set_bit(*idx, pool->mapped);
	vm->map[index] = *idx;
	vm->nr_mapped++;
	vm->tenant->nr_mapped++;
	pool->nr_mapped++;
out:
	mutex_unlock(&pool->lock);
	return ret;
}

static void vmpool_vm_unmap_locked(struct vmpool_vm *vm, pgoff_t index)
{
	struct vmpool_pool *pool = vm->pool;
	u32 idx = vm->map[index];

	vm->map[index] = VMPOOL_NONE;
	__clear_bit(idx, pool->mapped);
	vm->nr_mapped--;
	vm->tenant->nr_mapped--;
	pool->nr_mapped--;
}

/**
 * vmpool_vm_release_range - return guest pages to the VM's dedicated pool
 * @vm: the VM.
 * @start: first guest page.
 * @end: guest page after the last, at most @vm->nr_pages.
 *
 * Nothing is zeroed: the pages stay with the VM.  The caller has removed
 * them from every page table.
 *
 * Context: process context; takes the pool lock.
 * Return: 0, or -EINTR if a signal arrived (the pages before the one
 * reached are released).
 */
int vmpool_vm_release_range(struct vmpool_vm *vm, pgoff_t start, pgoff_t end)
{
	struct vmpool_pool *pool = vm->pool;
	pgoff_t index = start;

	while (index < end) {
		pgoff_t batch_end = min_t(pgoff_t, end, index + VMPOOL_BATCH);

		mutex_lock(&pool->lock);
		for (; index < batch_end; index++) {
			u32 idx = vm->map[index];

			if (idx == VMPOOL_NONE)
				continue;
			vmpool_vm_unmap_locked(vm, index);
			vmpool_dedicated_push(vm, idx);
			vm->stats.pages_released++;
		}
		mutex_unlock(&pool->lock);

		if (index < end) {
			if (signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return 0;
}

/* Let the waiters of @lock, and the scheduler, in. */
static void vmpool_yield_lock(struct mutex *lock)
{
	mutex_unlock(lock);
	cond_resched();
	mutex_lock(lock);
}

/**
 * vmpool_vm_return_all - give every page of a dying VM to the global pool
 * @vm: the VM; no mapping of it remains.
 *
 * The pages keep @vm's tenant as their mark: another VM of the tenant may
 * get them back without zeroing, any other tenant gets them zeroed.
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

	for (index = 0; index < vm->nr_pages; index++) {
		idx = vm->map[index];
		if (idx != VMPOOL_NONE) {
			vmpool_vm_unmap_locked(vm, index);
			vmpool_global_put(pool, vm->tenant, idx);
		}
		if (++n % (16 * VMPOOL_BATCH) == 0)
			vmpool_yield_lock(&pool->lock);
	}
	while ((idx = vmpool_dedicated_pop(vm)) != VMPOOL_NONE) {
		vmpool_global_put(pool, vm->tenant, idx);
		if (++n % VMPOOL_BATCH == 0)
			vmpool_yield_lock(&pool->lock);
	}
}
