// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: paging a sleeping VM out, and its working set back in before it
 * runs again.
 *
 * A VM with an idle limit (VMPOOL_VM_SET_IDLE_LIMIT) keeps at most that
 * many pages while its attached threads sleep.  When the scheduler feed
 * sees the VM stop running because its last running thread went to sleep
 * (sched.c; a preempted thread still wants to run, and one waiting in a
 * fault of the VM for its page is not idle either), it queues an
 * irq_work (the probe runs with the runqueue lock held and may not queue
 * work itself), which queues the page-out work.
 *
 * Access information comes from faults (fault-based sampling): every page
 * of the VM is unmapped from every page table when it goes idle (KVM's
 * stage-2 tables too, through its MMU notifier), so each page it touches
 * in its next active period faults once, and the fault marks it touched.
 * The touched pages are its working set (kept as the hot pages until it
 * next goes idle).  Page-out takes the pages the last active period did
 * not touch first, then, if the VM is still above its limit, pages of the
 * working set, which it marks for prefetch.  Other VMs that find the pool
 * empty may take more of its pages, in the same order (reclaim.c).
 *
 * Prefetch: an hrtimer armed for the predicted start of the next active
 * period, less the time reading the marked pages back and mapping the
 * working set take (measured) and a margin, queues the prefetch work,
 * which reads them back into the VM's page map, then maps the resident
 * pages of the working set into the page tables of the processes that
 * map the VM (premap.c), so that touching them costs no fault; their
 * accessed bits, harvested when the VM next goes idle, say which it
 * touched.  Where they cannot be mapped ahead (a process with KVM), the
 * VM's first touch of such a page is a minor fault, not a read.  If the
 * prediction is wrong nothing breaks: a page still out is read back by
 * its fault.
 *
 * Teardown: vmpool_idle_stop() stops everything before the VM's memory is
 * returned.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "vmpool.h"

/* Time added to the measured read time when the prefetch is timed. */
#define VMPOOL_PREFETCH_MARGIN_NS	(2 * NSEC_PER_MSEC)
/* The read time per page assumed before one is measured. */
#define VMPOOL_READ_NS_DEFAULT		(50 * NSEC_PER_USEC)
/* The time mapping a page ahead takes, assumed before one is measured. */
#define VMPOOL_MAP_NS_DEFAULT		(2 * NSEC_PER_USEC)

static void vmpool_idle_irq(struct irq_work *irq)
{
	struct vmpool_idle *idle = container_of(irq, struct vmpool_idle, irq);

	if (!READ_ONCE(idle->off))
		queue_work(system_unbound_wq, &idle->out_work);
}

static enum hrtimer_restart vmpool_idle_timer(struct hrtimer *timer)
{
	struct vmpool_idle *idle = container_of(timer, struct vmpool_idle,
					       timer);

	if (!READ_ONCE(idle->off))
		queue_work(system_unbound_wq, &idle->in_work);
	return HRTIMER_NORESTART;
}

/*
 * Arm the prefetch for the predicted start of the next active period:
 * early enough to read its @pages marked pages back, and to map its
 * working set, before it.  Without a prediction nothing is prefetched;
 * faults read the pages back.
 */
static void vmpool_idle_arm(struct vmpool_vm *vm, unsigned long pages)
{
	struct vmpool_activity *act = vmpool_vm_activity(vm);
	struct vmpool_idle *idle = &vm->idle;
	unsigned long map = bitmap_weight(idle->hot, vm->nr_pages);
	u64 start, lead, now;
	bool running;

	if (!act || (!pages && !map))
		return;
	start = vmpool_activity_next_start(act, &running);
	if (!start)
		return;
	lead = pages * READ_ONCE(idle->read_ns) +
	       map * READ_ONCE(idle->map_ns) + VMPOOL_PREFETCH_MARGIN_NS;
	now = ktime_get_mono_fast_ns();
	start = start > now + lead ? start - lead : now;
	hrtimer_start(&idle->timer, ns_to_ktime(start), HRTIMER_MODE_ABS);
}

/* The VM went idle: take it down to its idle limit. */
static void vmpool_idle_out_work(struct work_struct *work)
{
	struct vmpool_idle *idle = container_of(work, struct vmpool_idle,
					       out_work);
	struct vmpool_vm *vm = container_of(idle, struct vmpool_vm, idle);
	struct address_space *mapping = vm->inode->i_mapping;
	struct vmpool_activity *act = vmpool_vm_activity(vm);
	u64 limit = READ_ONCE(idle->limit), excess, out;
	struct vmpool_out_ctl cold = {
		.filter = idle->hot, .filter_set = false,
	};
	struct vmpool_out_ctl hot = {
		.filter = idle->hot, .filter_set = true,
		.mark = idle->prefetch,
	};
	unsigned long wasted;

	if (READ_ONCE(idle->off) || limit == VMPOOL_IDLE_LIMIT_NONE)
		return;
	/*
	 * Running again already, or waiting for its own page to be read
	 * back: the period goes on.
	 */
	if ((act && READ_ONCE(act->running)) ||
	    atomic_read(&idle->faulting))
		return;

	/*
	 * Pages mapped ahead were touched if their accessed bits say so.
	 * Before the invalidate lock, which comes after the mmap lock: an
	 * access between this and the unmapping below is missed.
	 */
	vmpool_premap_harvest(vm);
	filemap_invalidate_lock(mapping);
	/* Sampling: each page the VM touches from now on faults once. */
	unmap_mapping_range(mapping, 0, 0, 0);
	bitmap_copy(idle->hot, idle->touched, vm->nr_pages);
	bitmap_zero(idle->touched, vm->nr_pages);
	wasted = bitmap_weight(idle->prefetched, vm->nr_pages);
	bitmap_zero(idle->prefetched, vm->nr_pages);

	mutex_lock(&vm->pool->lock);
	vm->stats.prefetch_wasted += wasted;
	/* Asleep, it keeps no pages for faults to come. */
	vmpool_cache_drain(vm);
	excess = vm->nr_mapped > limit ? vm->nr_mapped - limit : 0;
	mutex_unlock(&vm->pool->lock);

	/* Cold pages first, then the working set, which comes back early. */
	cold.max = excess;
	if (excess)
		vmpool_page_out_range(vm, 0, vm->nr_pages, &cold);
	hot.max = excess - cold.out;
	if (hot.max)
		vmpool_page_out_range(vm, 0, vm->nr_pages, &hot);
	out = cold.out + hot.out;
	filemap_invalidate_unlock(mapping);

	mutex_lock(&vm->pool->lock);
	vm->stats.idle_pages_out += out;
	mutex_unlock(&vm->pool->lock);

	if (!READ_ONCE(idle->off))
		vmpool_idle_arm(vm, bitmap_weight(idle->prefetch, vm->nr_pages));
}

/**
 * vmpool_idle_rearm - time the prefetch again
 * @vm: a sleeping VM that just gave pages of its working set to another
 *	VM (reclaim.c), which marked them for prefetch; not going.
 *
 * Context: process context.
 */
void vmpool_idle_rearm(struct vmpool_vm *vm)
{
	if (!READ_ONCE(vm->idle.off))
		vmpool_idle_arm(vm, bitmap_weight(vm->idle.prefetch,
						  vm->nr_pages));
}

/*
 * Start reading back the marked pages of @vm from *@index on, until @q
 * holds %VMPOOL_SWAP_DEPTH reads; *@index ends at the next page to read.
 * When the pool has no page and no read is in flight, take pages from VMs
 * that wake later, dropping the invalidate lock meanwhile (the time that
 * took is added to *@reclaim_ns).  A fault of the VM waiting, maybe for
 * the swap lock, stops it: the reads in flight end first.
 *
 * Return: 0; -ENOSPC if no page is left for @vm (then @q is empty).
 */
static int vmpool_idle_prefetch(struct vmpool_vm *vm, struct vmpool_in_queue *q,
				unsigned long *index, u64 *reclaim_ns)
{
	struct address_space *mapping = vm->inode->i_mapping;
	struct vmpool_idle *idle = &vm->idle;
	bool more;
	u64 start;
	int ret;

	while (q->nr < VMPOOL_SWAP_DEPTH && *index < vm->nr_pages &&
	       !READ_ONCE(idle->off)) {
		if (q->nr && atomic_read(&idle->faulting))
			break;
		ret = vmpool_swap_in_submit(vm, *index, idle->prefetch, q);
		if (ret == -ENOSPC && !q->nr) {
			start = ktime_get_ns();
			filemap_invalidate_unlock_shared(mapping);
			more = vmpool_reclaim(vm, NULL,
					      bitmap_weight(idle->prefetch,
							    vm->nr_pages),
					      true);
			filemap_invalidate_lock_shared(mapping);
			*reclaim_ns += ktime_get_ns() - start;
			if (!more)
				return -ENOSPC;
			ret = vmpool_swap_in_submit(vm, *index, idle->prefetch,
						    q);
		}
		/* No page for it: again once the reads in flight end. */
		if (ret == -ENOSPC)
			return q->nr ? 0 : -ENOSPC;
		/* Not in the store (faulted in, punched). */
		if (ret < 0) {
			clear_bit(*index, idle->prefetch);
			*index = find_next_bit(idle->prefetch, vm->nr_pages,
					       *index + 1);
			continue;
		}
		*index = find_next_bit(idle->prefetch, vm->nr_pages,
				       *index + ret);
	}
	return 0;
}

/* The VM is about to run: read its working set back. */
static void vmpool_idle_in_work(struct work_struct *work)
{
	struct vmpool_idle *idle = container_of(work, struct vmpool_idle,
					       in_work);
	struct vmpool_vm *vm = container_of(idle, struct vmpool_vm, idle);
	struct address_space *mapping = vm->inode->i_mapping;
	unsigned long index, n = 0, mapped, i;
	u64 read_ns, reclaim_ns = 0, map_ns;
	struct vmpool_in_queue *q;
	pgoff_t first;
	int ret;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return;
	filemap_invalidate_lock_shared(mapping);
	read_ns = ktime_get_ns();
	index = find_first_bit(idle->prefetch, vm->nr_pages);
	/* No page left: the rest come back by their faults. */
	while (!vmpool_idle_prefetch(vm, q, &index, &reclaim_ns) && q->nr) {
		ret = vmpool_swap_in_complete(vm, q, &first);
		/* Unreadable: left in the store, for its fault. */
		if (ret < 0) {
			clear_bit(first, idle->prefetch);
			continue;
		}
		for (i = first; i < first + ret; i++) {
			clear_bit(i, idle->prefetch);
			set_bit(i, idle->prefetched);
		}
		n += ret;
	}
	read_ns = ktime_get_ns() - read_ns - reclaim_ns;
	filemap_invalidate_unlock_shared(mapping);
	kfree(q);

	/* What one page took, smoothed over the last prefetches. */
	if (n)
		WRITE_ONCE(idle->read_ns, (3 * idle->read_ns + read_ns / n) / 4);
	map_ns = ktime_get_ns();
	mapped = vmpool_premap(vm);
	map_ns = ktime_get_ns() - map_ns;
	if (mapped)
		WRITE_ONCE(idle->map_ns, (3 * idle->map_ns + map_ns / mapped) / 4);

	mutex_lock(&vm->pool->lock);
	vm->stats.prefetched_pages += n;
	vm->stats.premapped_pages += mapped;
	mutex_unlock(&vm->pool->lock);
}

/**
 * vmpool_idle_notify - the scheduler feed saw the VM stop running
 * @vm: the VM.
 *
 * Context: the sched_switch probe: the runqueue lock held, interrupts off,
 * RCU read side; the VM's activity is alive.
 */
void vmpool_idle_notify(struct vmpool_vm *vm)
{
	struct vmpool_idle *idle = &vm->idle;

	if (READ_ONCE(idle->limit) != VMPOOL_IDLE_LIMIT_NONE &&
	    !READ_ONCE(idle->off))
		irq_work_queue(&idle->irq);
}

/**
 * vmpool_idle_touched - guest page @index of @vm was touched
 * @vm: the VM.
 * @index: the guest page.
 *
 * Context: a fault or a populating fallocate() (the VM's invalidate lock
 * held shared), or the harvest of accessed bits (premap.c).
 */
void vmpool_idle_touched(struct vmpool_vm *vm, pgoff_t index)
{
	struct vmpool_idle *idle = &vm->idle;

	if (!test_bit(index, idle->touched))
		set_bit(index, idle->touched);
	if (test_bit(index, idle->prefetched) &&
	    test_and_clear_bit(index, idle->prefetched))
		atomic_long_inc(&idle->prefetch_used);
}

/**
 * vmpool_idle_init - set up a new VM's idle paging (no limit)
 * @vm: the VM.
 *
 * Return: 0, or -ENOMEM: vmpool_idle_free() frees what was allocated.
 */
int vmpool_idle_init(struct vmpool_vm *vm)
{
	struct vmpool_idle *idle = &vm->idle;

	idle->limit = VMPOOL_IDLE_LIMIT_NONE;
	idle->read_ns = VMPOOL_READ_NS_DEFAULT;
	idle->map_ns = VMPOOL_MAP_NS_DEFAULT;
	INIT_LIST_HEAD(&idle->mms);
	mutex_init(&idle->mms_lock);
	idle->touched = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	idle->prefetch = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	idle->prefetched = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	idle->hot = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	idle->nowait = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	/* On failure the caller frees what was allocated. */
	if (!idle->touched || !idle->prefetch || !idle->prefetched ||
	    !idle->hot || !idle->nowait)
		return -ENOMEM;
	INIT_WORK(&idle->nowait_work, vmpool_swap_nowait_work);
	init_irq_work(&idle->irq, vmpool_idle_irq);
	INIT_WORK(&idle->out_work, vmpool_idle_out_work);
	INIT_WORK(&idle->in_work, vmpool_idle_in_work);
	hrtimer_init(&idle->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	idle->timer.function = vmpool_idle_timer;
	return 0;
}

/**
 * vmpool_idle_stop - stop paging a VM that is going
 * @vm: the VM; no file of it is open.
 *
 * After this no idle work of @vm runs or will run.
 *
 * Context: process context, may sleep.
 */
void vmpool_idle_stop(struct vmpool_vm *vm)
{
	struct vmpool_idle *idle = &vm->idle;

	WRITE_ONCE(idle->off, true);
	/* Queued only by faults, and no file of the VM is left to fault. */
	cancel_work_sync(&idle->nowait_work);
	if (!vmpool_vm_activity(vm))
		return;
	/* A probe that saw it on has queued its irq_work by now. */
	synchronize_rcu();
	irq_work_sync(&idle->irq);
	cancel_work_sync(&idle->out_work);
	hrtimer_cancel(&idle->timer);
	cancel_work_sync(&idle->in_work);
}

/**
 * vmpool_idle_free - free what vmpool_idle_init() allocated
 * @vm: the VM.
 */
void vmpool_idle_free(struct vmpool_vm *vm)
{
	/* Every mapping holds a reference to the VM's file. */
	WARN_ON_ONCE(!list_empty(&vm->idle.mms));
	bitmap_free(vm->idle.touched);
	bitmap_free(vm->idle.prefetch);
	bitmap_free(vm->idle.prefetched);
	bitmap_free(vm->idle.hot);
	bitmap_free(vm->idle.nowait);
	vm->idle.nowait = NULL;
	vm->idle.touched = NULL;
	vm->idle.prefetch = NULL;
	vm->idle.prefetched = NULL;
	vm->idle.hot = NULL;
}

/*
 * A limit set while the VM sleeps applies now, not when it next goes to
 * sleep: a guest that idles may not wake for seconds.  The work checks
 * again that no attached thread runs.  A file of the VM is held: it is not
 * being stopped.
 */
static void vmpool_idle_kick(struct vmpool_vm *vm)
{
	struct vmpool_activity *act = vmpool_vm_activity(vm);

	if (act && READ_ONCE(act->nr_attached) && !READ_ONCE(act->running))
		queue_work(system_unbound_wq, &vm->idle.out_work);
}

/**
 * vmpool_vm_ioctl_idle_limit - %VMPOOL_VM_SET_IDLE_LIMIT
 * @vm: the VM.
 * @uarg: the &struct vmpool_idle_limit.
 *
 * Context: process context.
 * Return: 0 or a negative errno, as the uapi header says.
 */
long vmpool_vm_ioctl_idle_limit(struct vmpool_vm *vm,
				struct vmpool_idle_limit __user *uarg)
{
	struct address_space *mapping;
	struct vmpool_idle_limit args;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_IDLE_LIMIT_SIZE_VER0, 0, uarg);
	if (ret)
		return ret;
	if (args.reserved)
		return -EINVAL;
	if (args.pages != VMPOOL_IDLE_LIMIT_NONE && args.pages > vm->nr_pages)
		return -EINVAL;
	/*
	 * The first limit starts the sampling: what the VM touched before
	 * (all of its boot, say) is not its working set, and the next
	 * period's faults tell what is.
	 */
	mapping = vm->inode->i_mapping;
	filemap_invalidate_lock(mapping);
	if (READ_ONCE(vm->idle.limit) == VMPOOL_IDLE_LIMIT_NONE &&
	    args.pages != VMPOOL_IDLE_LIMIT_NONE) {
		unmap_mapping_range(mapping, 0, 0, 0);
		bitmap_zero(vm->idle.touched, vm->nr_pages);
	}
	/* Under the lock other VMs look for pages to take under. */
	mutex_lock(&vm->pool->lock);
	WRITE_ONCE(vm->idle.limit, args.pages);
	mutex_unlock(&vm->pool->lock);
	filemap_invalidate_unlock(mapping);
	if (args.pages != VMPOOL_IDLE_LIMIT_NONE)
		vmpool_idle_kick(vm);
	return 0;
}
