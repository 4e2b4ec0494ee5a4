// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the background scrubber, which zeroes free pages ahead of need.
 *
 * A page that crosses to another tenant is zeroed on the way; done at the
 * fault, that is the fault's largest cost.  The scrubber, a kernel thread
 * of the SCHED_IDLE class (it runs only on a CPU that has nothing else to
 * run, so never in place of a vCPU thread), zeroes global pages holding
 * data (other tenants', or memory fresh from the source) into the
 * pre-zeroed reserve, the global pool's zeroed list, which every VM takes
 * from first (but for its own tenant's pages, if it shares with its
 * tenant).  It refills the reserve when it falls below ``scrub_low``
 * percent of the pool, up to ``scrub_high`` percent, oldest tenant's data
 * first; both are module parameters, writable at run time, and 0 (the
 * default) turns it off.
 *
 * It takes a batch of pages off the free lists under the pool lock, zeroes
 * them outside the lock (they are in transit meanwhile) and puts them on
 * the zeroed list.  No vCPU waits for the lock behind a thread of the idle
 * class: the scrubber never queues on the lock (it tries it, and backs off
 * if it is taken, so that the lock is never handed to it while it waits
 * for a CPU), and holds it with preemption off, for list operations only.
 * Whoever finds the pool short while a batch is out waits for it
 * (vmpool_pool_wait_pending()), and a settled report or a grow short of
 * pages pauses the scrubber (vmpool_scrub_pause()); meanwhile the scrubber
 * runs in the normal class, so that they do not wait for an idle CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>
#include <uapi/linux/sched/types.h>

#include "vmpool.h"
#include "trace.h"

/* Pages the scrubber takes off the free lists at a time. */
#define VMPOOL_SCRUB_TAKE	32
/* How long the scrubber backs off when the pool lock is taken, in us. */
#define VMPOOL_SCRUB_BACKOFF_US	50

/* Watermarks, in percent of the pool's pages. */
static unsigned int scrub_low;
static unsigned int scrub_high;

/* The pool whose scrubber runs, for the watermarks' setter. */
static struct vmpool_pool *vmpool_scrub_pool;
/* Guards vmpool_scrub_pool, and the scrubber's task while it is set. */
static DEFINE_MUTEX(vmpool_scrub_mutex);

static int vmpool_scrub_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int pct;
	int ret;

	ret = kstrtouint(val, 0, &pct);
	if (ret)
		return ret;
	if (pct > 100)
		return -EINVAL;
	*(unsigned int *)kp->arg = pct;

	mutex_lock(&vmpool_scrub_mutex);
	if (vmpool_scrub_pool) {
		mutex_lock(&vmpool_scrub_pool->lock);
		vmpool_scrub_kick_locked(vmpool_scrub_pool);
		mutex_unlock(&vmpool_scrub_pool->lock);
	}
	mutex_unlock(&vmpool_scrub_mutex);
	return 0;
}

static const struct kernel_param_ops vmpool_scrub_param_ops = {
	.set	= vmpool_scrub_param_set,
	.get	= param_get_uint,
};

module_param_cb(scrub_low, &vmpool_scrub_param_ops, &scrub_low, 0644);
MODULE_PARM_DESC(scrub_low, "Refill the pre-zeroed reserve when it falls below this percent of the pool (default 0: scrubber off)");
module_param_cb(scrub_high, &vmpool_scrub_param_ops, &scrub_high, 0644);
MODULE_PARM_DESC(scrub_high, "Refill it up to this percent of the pool (default 0: scrubber off)");

/* The watermarks in pages; a low mark above the high one counts as it. */
static void vmpool_scrub_marks(struct vmpool_pool *pool, unsigned long *low,
			       unsigned long *high)
{
	unsigned int l = READ_ONCE(scrub_low), h = READ_ONCE(scrub_high);

	*high = pool->nr_pages * h / 100;
	*low = min(pool->nr_pages * l / 100, *high);
}

/*
 * The node whose reserve is smallest of those with free pages that hold
 * data, or %NUMA_NO_NODE: each node's faults find zeroed pages of their
 * own.
 */
static int vmpool_scrub_node(struct vmpool_pool *pool)
{
	int nid, best = NUMA_NO_NODE;

	for_each_node_mask(nid, pool->mem_nodes) {
		if (pool->node_free[nid] <= vmpool_reserve_pages(pool, nid))
			continue;
		if (best == NUMA_NO_NODE ||
		    vmpool_reserve_pages(pool, nid) <
		    vmpool_reserve_pages(pool, best))
			best = nid;
	}
	return best;
}

/* Free pages that hold data: what the scrubber may zero. */
static unsigned long vmpool_scrub_backlog(struct vmpool_pool *pool)
{
	return pool->nr_free - vmpool_reserve_pages(pool, NUMA_NO_NODE);
}

/**
 * vmpool_scrub_kick_locked - wake the scrubber if the reserve runs low
 * @pool: the pool.
 *
 * Called whenever pages leave the reserve or data reaches the global pool.
 *
 * Context: the pool lock held.
 */
void vmpool_scrub_kick_locked(struct vmpool_pool *pool)
{
	struct vmpool_scrub *s = &pool->scrub;
	unsigned long low, high;

	lockdep_assert_held(&pool->lock);
	if (!s->task || s->active || s->kicked)
		return;
	vmpool_scrub_marks(pool, &low, &high);
	if (vmpool_reserve_pages(pool, NUMA_NO_NODE) >= low ||
	    !vmpool_scrub_backlog(pool))
		return;
	s->kicked = true;
	wake_up(&s->wait);
}

/*
 * Take the pool lock, with preemption off, without ever waiting on it: the
 * lock must not be handed to a thread of the idle class that waits for a
 * CPU.  Undone by vmpool_scrub_unlock().
 */
static void vmpool_scrub_lock(struct vmpool_pool *pool)
{
	while (!mutex_trylock(&pool->lock))
		usleep_range(VMPOOL_SCRUB_BACKOFF_US,
			     2 * VMPOOL_SCRUB_BACKOFF_US);
	preempt_disable();
}

static void vmpool_scrub_unlock(struct vmpool_pool *pool)
{
	mutex_unlock(&pool->lock);
	preempt_enable();
}

/**
 * vmpool_scrub_poke_locked - let a scrubber that stopped part way go on
 * @pool: the pool.
 *
 * Called when what stopped it ends: a pause, or a grow that had every free
 * page promised.
 *
 * Context: the pool lock held.
 */
void vmpool_scrub_poke_locked(struct vmpool_pool *pool)
{
	struct vmpool_scrub *s = &pool->scrub;

	lockdep_assert_held(&pool->lock);
	if (s->task && s->active && !s->paused) {
		s->kicked = true;
		wake_up(&s->wait);
	}
}

/*
 * Take up to @max pages holding data off the global pool into @batch, in
 * transit, all of the node vmpool_scrub_node() picks: the oldest tenant's
 * first, then memory fresh from the source.
 * The slots of tenants whose last global page went are put in @gone, for
 * the caller to free them, with preemption on.
 */
static unsigned int vmpool_scrub_take(struct vmpool_pool *pool, u32 *batch,
				      unsigned int max, u16 *from, u16 *gone,
				      unsigned int *nr_gone)
{
	int nid = vmpool_scrub_node(pool);
	struct vmpool_tenant *t;
	unsigned int n = 0;
	u32 idx;

	*from = 0;
	*nr_gone = 0;
	while (n < max && nid != NUMA_NO_NODE) {
		idx = VMPOOL_NONE;
		list_for_each_entry(t, &pool->marked, marked) {
			idx = vmpool_tenant_pop(pool, t, nid);
			if (idx != VMPOOL_NONE)
				break;
		}
		if (idx != VMPOOL_NONE) {
			*from = n && *from != t->slot ? 0 : t->slot;
			/* Off the marked list: seen once a batch. */
			if (!t->free.count)
				gone[(*nr_gone)++] = t->slot;
		} else {
			idx = vmpool_nlist_pop(pool, &pool->unmarked, nid);
			if (idx == VMPOOL_NONE)
				break;
			*from = 0;
		}
		pool->owner[idx] = 0;
		vmpool_free_sub(pool, idx);
		batch[n++] = idx;
	}
	pool->nr_transit += n;
	pool->scrub.transit += n;
	return n;
}

/*
 * The next batch for the scrubber, decided under the lock: 0 when the
 * reserve is full, nothing holds data, or a report pauses it.
 */
static unsigned int vmpool_scrub_next(struct vmpool_pool *pool, u32 *batch,
				      u16 *from)
{
	struct vmpool_scrub *s = &pool->scrub;
	unsigned int n = 0, nr_gone = 0, i;
	u16 gone[VMPOOL_SCRUB_TAKE];
	unsigned long low, high, want, reserve;
	struct vmpool_tenant *t;

	vmpool_scrub_lock(pool);
	s->kicked = false;
	vmpool_scrub_marks(pool, &low, &high);
	reserve = vmpool_reserve_pages(pool, NUMA_NO_NODE);
	if (!s->active && reserve < low && vmpool_scrub_backlog(pool))
		s->active = true;
	if (reserve >= high || !vmpool_scrub_backlog(pool))
		s->active = false;
	if (s->active && !s->paused) {
		want = min3(high - reserve,
			    vmpool_scrub_backlog(pool),
			    (unsigned long)VMPOOL_SCRUB_TAKE);
		/* Never the pages promised to grows in progress. */
		want = min(want, vmpool_pool_available(pool));
		n = vmpool_scrub_take(pool, batch, want, from, gone, &nr_gone);
	}
	vmpool_scrub_unlock(pool);

	/* Tenants whose data is all gone, and nothing else holds, go. */
	if (nr_gone) {
		mutex_lock(&pool->lock);
		for (i = 0; i < nr_gone; i++) {
			t = xa_load(&pool->tenants, gone[i]);
			if (t)
				vmpool_tenant_try_free(pool, t);
		}
		mutex_unlock(&pool->lock);
	}
	return n;
}

/* Put @n zeroed pages of @batch on the zeroed list. */
static void vmpool_scrub_done(struct vmpool_pool *pool, const u32 *batch,
			      unsigned int n, u16 from)
{
	struct vmpool_scrub *s = &pool->scrub;
	unsigned int i;

	vmpool_scrub_lock(pool);
	for (i = 0; i < n; i++) {
		__clear_bit(batch[i], pool->dirty);
		vmpool_nlist_push(pool, &pool->zeroed, batch[i]);
		vmpool_free_add(pool, batch[i]);
	}
	pool->nr_transit -= n;
	s->transit -= n;
	s->batches++;
	s->bytes += (u64)n * PAGE_SIZE;
	s->hurried = false;
	trace_vmpool_scrub(0, 0, from, n);
	vmpool_scrub_unlock(pool);
	/* Whoever waits for the batch (full barrier before the wake). */
	smp_mb();
	wake_up_var(&s->transit);
}

static int vmpool_scrubd(void *data)
{
	struct sched_attr attr = {
		.size		= sizeof(attr),
		.sched_policy	= SCHED_IDLE,
	};
	struct vmpool_pool *pool = data;
	struct vmpool_scrub *s = &pool->scrub;
	u32 batch[VMPOOL_SCRUB_TAKE];
	unsigned int n, i;
	u16 from;

	while (!kthread_should_stop()) {
		/* Back to the idle class after a batch someone waited for. */
		if (current->policy != SCHED_IDLE)
			sched_setattr_nocheck(current, &attr);
		n = vmpool_scrub_next(pool, batch, &from);
		if (!n) {
			wait_event_idle(s->wait, READ_ONCE(s->kicked) ||
					kthread_should_stop());
			continue;
		}
		for (i = 0; i < n; i++) {
			vmpool_page_zero(pool, batch[i]);
			cond_resched();
		}
		vmpool_scrub_done(pool, batch, n, from);
	}
	return 0;
}

/**
 * vmpool_scrub_start - start the pool's scrubber
 * @pool: the pool, with its pages.
 *
 * Context: process context (module load).
 * Return: 0, or the error of creating the thread.
 */
int vmpool_scrub_start(struct vmpool_pool *pool)
{
	struct task_struct *task;

	init_waitqueue_head(&pool->scrub.wait);
	task = kthread_run(vmpool_scrubd, pool, "vmpool_scrubd");
	if (IS_ERR(task))
		return PTR_ERR(task);

	mutex_lock(&vmpool_scrub_mutex);
	mutex_lock(&pool->lock);
	pool->scrub.task = task;
	/* What the source gave is dirty: the reserve starts empty. */
	vmpool_scrub_kick_locked(pool);
	mutex_unlock(&pool->lock);
	vmpool_scrub_pool = pool;
	mutex_unlock(&vmpool_scrub_mutex);
	return 0;
}

/**
 * vmpool_scrub_stop - stop the pool's scrubber
 * @pool: the pool.
 *
 * Its batch in flight, if any, is back on the zeroed list when this
 * returns.
 *
 * Context: process context (module unload).
 */
void vmpool_scrub_stop(struct vmpool_pool *pool)
{
	struct task_struct *task;

	mutex_lock(&vmpool_scrub_mutex);
	vmpool_scrub_pool = NULL;
	mutex_lock(&pool->lock);
	task = pool->scrub.task;
	pool->scrub.task = NULL;
	mutex_unlock(&pool->lock);
	mutex_unlock(&vmpool_scrub_mutex);
	if (task)
		kthread_stop(task);
}

/*
 * Someone waits for the scrubber's batch: it runs in the normal class
 * until the batch is done, so that they do not wait for an idle CPU.
 */
static void vmpool_scrub_hurry(struct vmpool_pool *pool)
{
	struct vmpool_scrub *s = &pool->scrub;
	struct task_struct *task = NULL;

	mutex_lock(&pool->lock);
	if (s->transit && s->task && !s->hurried) {
		s->hurried = true;
		task = get_task_struct(s->task);
	}
	mutex_unlock(&pool->lock);
	if (task) {
		sched_set_normal(task, 0);
		put_task_struct(task);
	}
}

/**
 * vmpool_scrub_pause - stop the scrubber taking pages, and wait for its
 *	batch in flight
 * @pool: the pool.
 *
 * For a report of the pool with no page of the scrubber in transit; undone
 * by vmpool_scrub_resume().
 *
 * Context: process context, may sleep; no lock of the pool held.
 */
void vmpool_scrub_pause(struct vmpool_pool *pool)
{
	mutex_lock(&pool->lock);
	pool->scrub.paused++;
	mutex_unlock(&pool->lock);
	vmpool_scrub_hurry(pool);
	wait_var_event(&pool->scrub.transit, !READ_ONCE(pool->scrub.transit));
}

/**
 * vmpool_scrub_resume - undo vmpool_scrub_pause()
 * @pool: the pool.
 *
 * Context: process context; takes the pool lock.
 */
void vmpool_scrub_resume(struct vmpool_pool *pool)
{
	mutex_lock(&pool->lock);
	pool->scrub.paused--;
	vmpool_scrub_poke_locked(pool);
	mutex_unlock(&pool->lock);
}

/**
 * vmpool_pool_pending_locked - whether pages are on their way back to the
 *	global pool
 * @pool: the pool.
 *
 * Context: the pool lock held.
 * Return: true while a closed VM's memory or a batch of the scrubber is
 * out; vmpool_pool_wait_pending() waits for them.
 */
bool vmpool_pool_pending_locked(struct vmpool_pool *pool)
{
	lockdep_assert_held(&pool->lock);
	return !list_empty(&pool->closing) || pool->scrub.transit;
}

/**
 * vmpool_pool_wait_pending - wait for the pages on their way back
 * @pool: the pool.
 *
 * For a grow or a fault that found the pool short: the memory of VMs
 * closed before the call, and the scrubber's batch out at the time, are in
 * the global pool when this returns.
 *
 * Context: process context, may sleep; no lock of the pool or of a VM's
 * mapping held.
 */
void vmpool_pool_wait_pending(struct vmpool_pool *pool)
{
	struct vmpool_scrub *s = &pool->scrub;
	u64 batches;
	bool out;

	vmpool_close_settle(pool);
	mutex_lock(&pool->lock);
	out = s->transit;
	batches = s->batches;
	mutex_unlock(&pool->lock);
	/* That batch, not the ones after it. */
	if (out) {
		vmpool_scrub_hurry(pool);
		wait_var_event(&s->transit, READ_ONCE(s->batches) != batches);
	}
}
