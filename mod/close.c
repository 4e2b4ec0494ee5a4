// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: closing a VM, with its memory returned in the background.
 *
 * When a VM's last file goes (or its file on a vmpool mount is evicted),
 * what must stop at once stops: other VMs stop taking its pages, its idle
 * paging stops, and nothing can open it any more.  Its memory then goes
 * back to the global pool from a work item, a batch at a time, so that the
 * process closing it (QEMU exiting, libvirt waiting for it) does not wait
 * for as long as the VM is large, and VMs faulting meanwhile take the pool
 * lock between batches.
 *
 * Until its memory is back the VM keeps its slot, and its pages keep it as
 * their owner; it is on the pool's closing list, is no longer listed nor
 * counted as a VM, and its pages are reported as closing pages.  Whoever
 * needs them does not go without: a grow that finds too few free pages, and
 * a fault that finds none, wait for the closing VMs first
 * (vmpool_close_settle()), as does %VMPOOL_INFO or %VMPOOL_AUDIT with their
 * SETTLE flag, and the module's unloading; the module cannot be unloaded
 * before it is done.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "vmpool.h"
#include "trace.h"

/**
 * vmpool_vm_close - close a VM whose last file went
 * @vm: the VM; nothing maps it or acts on it through a file any more.
 *
 * Its memory goes back to the global pool later, from the pool's close
 * work; the structure lives until that is done and its inode is gone
 * (vmpool_vm_put()).
 *
 * Context: process context, may sleep, for a time that does not depend on
 * the VM's size.
 */
void vmpool_vm_close(struct vmpool_vm *vm)
{
	struct vmpool_pool *pool = vm->pool;

	/*
	 * Other VMs stop taking its pages, its idle paging stops, and its
	 * threads are free to attach to another VM.
	 */
	vmpool_reclaim_stop(vm);
	vmpool_idle_stop(vm);
	mutex_lock(&pool->lock);
	vm->closed = true;
	mutex_unlock(&pool->lock);
	/* Closed: no listing reads its activity any more. */
	vmpool_sched_vm_destroy(vm);

	refcount_inc(&vm->refs);
	/* Until its memory is back (held pages then pin the module). */
	__module_get(THIS_MODULE);
	mutex_lock(&pool->lock);
	list_add_tail(&vm->close_node, &pool->closing);
	vmpool_cache_drain(vm);
	trace_vmpool_close(vm->slot, vm->tenant->slot, vm->nr_mapped,
			   vm->dedicated.count);
	mutex_unlock(&pool->lock);
	queue_work(system_unbound_wq, &pool->close_work);
}

/**
 * vmpool_close_work - return the memory of closed VMs, oldest first
 * @work: the pool's close work.
 *
 * Context: process context (a work item); takes the pool lock, and drops
 * it between batches of pages.
 */
void vmpool_close_work(struct work_struct *work)
{
	struct vmpool_pool *pool = container_of(work, struct vmpool_pool,
						close_work);
	unsigned long pages;
	struct vmpool_vm *vm;

	for (;;) {
		mutex_lock(&pool->lock);
		vm = list_first_entry_or_null(&pool->closing, struct vmpool_vm,
					      close_node);
		if (!vm) {
			mutex_unlock(&pool->lock);
			return;
		}
		pages = vmpool_vm_holding(vm);
		vmpool_vm_return_all(vm);
		/* Its slot goes last: no event names another VM by it. */
		trace_vmpool_closed(vm->slot, vm->tenant->slot, pages);
		list_del_init(&vm->close_node);
		xa_erase(&pool->vms, vm->slot);
		/* The tenant may go with its last VM. */
		vmpool_tenant_put(pool, vm->tenant);
		mutex_unlock(&pool->lock);
		vmpool_vm_put(vm);
		/* The module's unloading flushes this work before it goes. */
		module_put(THIS_MODULE);
		cond_resched();
	}
}

/**
 * vmpool_close_settle - wait until the memory of closed VMs is back
 * @pool: the pool.
 *
 * Every VM closed before the call has returned its memory to the global
 * pool when it returns.
 *
 * Context: process context, may sleep; no VM's invalidate lock held, nor
 * the pool lock.
 */
void vmpool_close_settle(struct vmpool_pool *pool)
{
	flush_work(&pool->close_work);
}

/**
 * vmpool_closing_pages_locked - pages closed VMs still hold
 * @pool: the pool.
 *
 * Context: the pool lock held.
 * Return: the pages, mapped, dedicated and in transit, of VMs on the
 * closing list.
 */
unsigned long vmpool_closing_pages_locked(struct vmpool_pool *pool)
{
	unsigned long n = 0;
	struct vmpool_vm *vm;

	lockdep_assert_held(&pool->lock);
	list_for_each_entry(vm, &pool->closing, close_node)
		n += vmpool_vm_holding(vm);
	return n;
}
