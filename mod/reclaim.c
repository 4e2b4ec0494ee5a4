// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: pages for a VM that finds the pool empty, taken from VMs that
 * can do without them.
 *
 * VMs whose memory adds up to more than the pool share it by taking turns.
 * When a VM needs a page (a fault, a prefetch, a populating fallocate())
 * and neither its dedicated pool nor the global pool has one,
 * vmpool_reclaim() picks another VM with an idle limit and takes pages
 * from it: the free pages of its dedicated pool first, then its pages
 * themselves, paged out to the store.  They go to the global pool marked
 * with its tenant, so that they are zeroed on their way to another tenant,
 * as ever.  A VM without an idle limit never gives pages up.
 *
 * Which VM gives: one that sleeps, the one predicted to wake last first
 * (no prediction counts as last; a VM whose thread waits in one of its
 * faults does not sleep: its active period goes on).  For a fault or a
 * fallocate(), when no sleeping VM can, one that runs: the pool then
 * cannot hold the working sets of the VMs running together, and the
 * statistics say so.  Last, for a VM with an idle limit, itself: its
 * pages it did not touch lately go out to make room for the one it
 * needs.  A prefetch only takes pages from sleeping VMs predicted to
 * wake after the VM it reads for, so that two sleeping VMs never take
 * pages from each other in turn, and a running VM never loses pages to a
 * sleeping one.
 *
 * What it gives: the pages its last active period did not touch first,
 * then its working set.  A sleeping VM's working set pages are marked for
 * its prefetch, which is timed again, so that they come back before it
 * wakes if the pool can give them then; if not, its faults read them.
 *
 * Locking: the caller holds no lock of its own VM, so that two VMs taking
 * pages from each other never wait for each other.  The giving VM is
 * pinned (vmpool_vm.reclaimers) under the pool lock, while it is listed
 * and not dying; its teardown waits for the pin to go.  Its invalidate
 * lock is taken exclusive for the page-out, as by %VMPOOL_VM_PAGE_OUT.
 */
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/wait_bit.h>

#include "vmpool.h"

/* Pages taken from a VM at once, at least: a few writes' worth. */
#define VMPOOL_RECLAIM_MIN	(4 * VMPOOL_SWAP_BATCH)
/* VMs asked in turn before a shortage is given up. */
#define VMPOOL_RECLAIM_TRIES	4
/* Guest pages unmapped at a time while looking for pages to page out. */
#define VMPOOL_RECLAIM_CHUNK	1024

/*
 * When @vm is predicted to wake: 0 if it runs, or if no thread of it is
 * attached (nothing tells when it runs); U64_MAX if nothing is predicted
 * (it may sleep for ever, as far as anyone knows).  A thread that sleeps
 * in a fault of the VM, waiting for its page, is in the middle of an
 * active period: the VM runs, whatever the prediction made when that
 * thread left its CPU says.
 *
 * Context: the pool lock held (the activity stays).
 */
static u64 vmpool_reclaim_wake(struct vmpool_vm *vm)
{
	struct vmpool_activity *act = vmpool_vm_activity(vm);
	bool running;
	u64 start;

	if (!act || atomic_read(&vm->idle.faulting))
		return 0;
	start = vmpool_activity_next_start(act, &running);
	if (running)
		return 0;
	return start ?: U64_MAX;
}

/*
 * Whether a page is free for @vm: its dedicated pool or the global one,
 * on the nodes @p binds it to if it does.
 */
static bool vmpool_reclaim_served(struct vmpool_vm *vm,
				  const struct vmpool_place *p)
{
	if (p && p->strict)
		return vmpool_place_has(vm, p);
	return vmpool_pool_call_back(vm->pool, 1) || vmpool_vm_spare(vm);
}

/* Whether @v may give pages to a VM other than itself at all. */
static bool vmpool_reclaim_candidate(struct vmpool_vm *v,
				     struct vmpool_vm * const *tried,
				     unsigned int nr_tried)
{
	unsigned int i;

	if (v->dying ||
	    READ_ONCE(v->idle.limit) == VMPOOL_IDLE_LIMIT_NONE ||
	    (!vmpool_vm_spare(v) && !v->nr_mapped))
		return false;
	for (i = 0; i < nr_tried; i++)
		if (tried[i] == v)
			return false;
	return true;
}

/*
 * The VM that gives pages to @vm: the sleeping one predicted to wake
 * last, after @after; else, unless @prefetch, the running one with the
 * most pages mapped; else @vm itself, if it has an idle limit (pages it
 * did not touch lately make room for the one it needs).  *@running says
 * whether the VM picked runs.
 *
 * Context: the pool lock held.
 */
static struct vmpool_vm *vmpool_reclaim_pick(struct vmpool_vm *vm, u64 after,
					     bool prefetch,
					     struct vmpool_vm * const *tried,
					     unsigned int nr_tried,
					     bool *running)
{
	struct vmpool_vm *v, *asleep = NULL, *awake = NULL;
	u64 wake, latest = 0;
	unsigned long i;

	lockdep_assert_held(&vm->pool->lock);
	xa_for_each(&vm->pool->vms, i, v) {
		if (v == vm || !vmpool_reclaim_candidate(v, tried, nr_tried))
			continue;
		wake = vmpool_reclaim_wake(v);
		if (!wake) {
			if (!awake || v->nr_mapped > awake->nr_mapped)
				awake = v;
		} else if (wake > after && (!asleep || wake > latest)) {
			asleep = v;
			latest = wake;
		}
	}
	*running = !asleep;
	if (asleep)
		return asleep;
	if (prefetch)
		return NULL;
	if (awake)
		return awake;
	return vmpool_reclaim_candidate(vm, tried, nr_tried) ? vm : NULL;
}

/*
 * Page out of @v the pages @ctl wants, a chunk at a time: only the chunks
 * looked at are unmapped (a running VM keeps the rest).
 *
 * Context: @v's invalidate lock held exclusive.
 */
static void vmpool_reclaim_pass(struct vmpool_vm *v, struct vmpool_out_ctl *ctl)
{
	struct address_space *mapping = v->inode->i_mapping;
	pgoff_t start, end;

	for (start = 0; start < v->nr_pages && ctl->out < ctl->max;
	     start = end) {
		end = min_t(pgoff_t, v->nr_pages, start + VMPOOL_RECLAIM_CHUNK);
		unmap_mapping_range(mapping, (loff_t)start << PAGE_SHIFT,
				    (loff_t)(end - start) << PAGE_SHIFT, 0);
		if (vmpool_page_out_range(v, start, end, ctl))
			break;
	}
}

/*
 * Page @want pages of @v out to the store, for another VM: those its
 * last active period (@running: this one) did not touch first; only
 * those on @nodes, if given.  Pages it
 * had read back ahead and not touched yet are added to *@wasted.
 *
 * Return: pages that went out.
 */
static unsigned long vmpool_reclaim_page_out(struct vmpool_vm *v,
					     const nodemask_t *nodes,
					     unsigned long want, bool running,
					     u64 *wasted)
{
	struct address_space *mapping = v->inode->i_mapping;
	const unsigned long *hot = running ? v->idle.touched : v->idle.hot;
	struct vmpool_out_ctl cold = {
		.release = true, .filter = hot, .filter_set = false,
		.max = want, .nowait = true, .unmark = v->idle.prefetched,
		.nodes = nodes,
	};
	struct vmpool_out_ctl used = {
		.release = true, .filter = hot, .filter_set = true,
		/* A sleeping VM gets its working set back before it wakes. */
		.mark = running ? NULL : v->idle.prefetch,
		.nowait = true, .unmark = v->idle.prefetched,
		.nodes = nodes,
	};

	filemap_invalidate_lock(mapping);
	/*
	 * A running VM's pages mapped ahead show their use only in the
	 * accessed bits, harvested when it goes idle: its last working
	 * set counts as touched.
	 */
	if (running)
		bitmap_or(v->idle.touched, v->idle.touched, v->idle.hot,
			  v->nr_pages);
	vmpool_reclaim_pass(v, &cold);
	used.max = want - cold.out;
	if (used.max)
		vmpool_reclaim_pass(v, &used);
	filemap_invalidate_unlock(mapping);
	if (used.out && !running)
		vmpool_idle_rearm(v);
	*wasted = cold.unmarked + used.unmarked;
	return cold.out + used.out;
}

/*
 * Take up to @want pages from @v, pinned by the caller, into the global
 * pool for @vm, whose pages come from place @p: free pages of its
 * dedicated pool, then pages paged out; those on the nodes of @p first,
 * and no others if it binds.
 *
 * Context: the pool lock held; dropped and taken again for the page-out.
 * Return: pages given.
 */
static unsigned long vmpool_reclaim_from(struct vmpool_vm *v,
					 struct vmpool_vm *vm,
					 const struct vmpool_place *p,
					 unsigned long want, bool running)
{
	/* Pages off the nodes of a bound place would not serve it. */
	const nodemask_t *nodes = p && p->strict ? &p->nodes : NULL;
	struct vmpool_pool *pool = v->pool;
	unsigned long got;
	u64 wasted = 0;

	got = vmpool_vm_give_free_locked(v, p, want);
	if (got < want && pool->store.file) {
		mutex_unlock(&pool->lock);
		got += vmpool_reclaim_page_out(v, nodes, want - got, running,
					       &wasted);
		mutex_lock(&pool->lock);
	}
	/* Read back ahead, and given away untouched. */
	v->stats.prefetch_wasted += wasted;
	/* Its own pages, not given to another VM. */
	if (v == vm)
		return got;
	v->stats.pages_given += got;
	pool->shortage.reclaimed += got;
	if (running) {
		v->stats.pages_given_running += got;
		pool->shortage.reclaimed_running += got;
	}
	return got;
}

/**
 * vmpool_reclaim - take pages from other VMs for a VM the pool cannot serve
 * @vm: the VM that needs pages.
 * @p: where they may come from (NULL: anywhere); a bound place is served
 *	only by pages on its nodes.
 * @want: how many it needs.
 * @prefetch: the pages are for its prefetch: only VMs predicted to wake
 *	after it give them.
 *
 * The pages go to the global pool; another VM may take them first, so the
 * caller tries again, and calls this again if it must.
 *
 * Context: process context, may sleep; no lock of @vm held (its inode's
 * i_rwsem, or the mmap_lock of a faulting mm, may be).
 * Return: true if pages may be had now (on the nodes of a bound @p), false
 * if no VM could give any (or @vm is at its own limit, which no other VM
 * changes).
 */
bool vmpool_reclaim(struct vmpool_vm *vm, const struct vmpool_place *p,
		    unsigned long want, bool prefetch)
{
	struct vmpool_vm *tried[VMPOOL_RECLAIM_TRIES], *v;
	struct vmpool_pool *pool = vm->pool;
	unsigned int nr_tried = 0;
	unsigned long got = 0;
	bool running;
	u64 after;

	/* Bound to nodes without pool memory: no VM can help. */
	if (p && p->strict && !nodes_intersects(p->nodes, pool->mem_nodes))
		return false;
	want = max_t(unsigned long, want, VMPOOL_RECLAIM_MIN);
	mutex_lock(&pool->lock);
	/* Pages in fault caches are spare, or free: they come back first. */
	vmpool_cache_drain_all(pool);
	if (vmpool_vm_holding(vm) >= vm->limit) {
		mutex_unlock(&pool->lock);
		return false;
	}
	want = min(want, vm->limit - vmpool_vm_holding(vm));
	/* Pages came back meanwhile. */
	if (vmpool_reclaim_served(vm, p)) {
		mutex_unlock(&pool->lock);
		return true;
	}
	/* Pages are on their way back: no one need give any up. */
	if (vmpool_pool_pending_locked(pool)) {
		mutex_unlock(&pool->lock);
		vmpool_pool_wait_pending(pool);
		return true;
	}
	pool->shortage.shortages++;
	vm->stats.shortages++;
	after = prefetch ? vmpool_reclaim_wake(vm) : 0;
	while (!got && nr_tried < VMPOOL_RECLAIM_TRIES) {
		v = vmpool_reclaim_pick(vm, after, prefetch, tried, nr_tried,
					&running);
		if (!v)
			break;
		tried[nr_tried++] = v;
		atomic_inc(&v->reclaimers);
		got = vmpool_reclaim_from(v, vm, p, want, running);
		/* Its teardown may wait for this (full barrier before the wake). */
		if (atomic_dec_and_test(&v->reclaimers))
			wake_up_var(&v->reclaimers);
	}
	/*
	 * Pages that another VM's shortage freed count too; a bound place
	 * only by pages on its nodes, which those given up need not be.
	 */
	if (p && p->strict)
		got = vmpool_reclaim_served(vm, p);
	else if (!got && vmpool_reclaim_served(vm, p))
		got = 1;
	if (!got) {
		pool->shortage.failures++;
		vm->stats.shortage_failures++;
	}
	mutex_unlock(&pool->lock);
	return got;
}

/**
 * vmpool_reclaim_stop - no other VM takes pages from a VM any more
 * @vm: a VM going away.
 *
 * Returns once every VM taking pages from @vm is done.
 *
 * Context: process context, may sleep; takes the pool lock.
 */
void vmpool_reclaim_stop(struct vmpool_vm *vm)
{
	mutex_lock(&vm->pool->lock);
	vm->dying = true;
	mutex_unlock(&vm->pool->lock);
	wait_var_event(&vm->reclaimers, !atomic_read(&vm->reclaimers));
}
