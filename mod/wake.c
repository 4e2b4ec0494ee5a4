// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the timers that wake a VM's threads.
 *
 * A thread that sleeps until a time it chose (nanosleep, a timed futex or
 * poll, a halted vCPU waiting for its LAPIC timer) has armed an hrtimer
 * whose expiry is the kernel's own statement of when the thread wakes.
 * The predictor (predict.c) uses the earliest such expiry among a VM's
 * threads as one of its rules.
 *
 * Which timers wake a VM is learnt, not assumed: while an hrtimer's
 * callback runs (between hrtimer_expire_entry and hrtimer_expire_exit),
 * a wake-up (sched_waking) of an attached thread from that same context
 * (the hard interrupt of a hard timer, the softirq of a soft one, not a
 * device interrupt that came in between) teaches the VM the callback
 * (hrtimer_wakeup() for every sleeper, the vCPU timer's callback for
 * KVM).  From then on a timer with a learnt callback that an attached
 * thread starts (hrtimer_start, in task context) is recorded with its
 * expiry, and forgotten when that thread cancels it (hrtimer_cancel).  A
 * recorded expiry in the past means nothing: the timer fired or was
 * restarted.  A timer cancelled by a thread that is not attached (KVM's
 * teardown, say) keeps its expiry until that time passes, and a periodic
 * timer that restarts itself from its callback is not recorded again.
 * Timers are only compared by address, never dereferenced after the
 * probe that saw them returns.
 *
 * The probes run in any context, often with interrupts off and an hrtimer
 * base or runqueue lock held: they take only the activity's raw spinlock,
 * for a bounded update.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "vmpool.h"

/*
 * Per CPU: the callback of the hrtimer whose expiry runs, or NULL; one for
 * hard timers (interrupts off throughout), one for soft timers (softirq,
 * interrupts on: a device interrupt may come in between).
 */
static DEFINE_PER_CPU(void *, vmpool_expiring_hard);
static DEFINE_PER_CPU(void *, vmpool_expiring_soft);

/* The slot of the expiry running in the current context, or NULL. */
static void **vmpool_expiring_slot(void)
{
	if (in_hardirq())
		return this_cpu_ptr(&vmpool_expiring_hard);
	if (in_serving_softirq())
		return this_cpu_ptr(&vmpool_expiring_soft);
	/* A task (a threaded softirq on PREEMPT_RT): nothing is learnt. */
	return NULL;
}

/**
 * vmpool_wake_reset - forget expiries seen by an earlier registration
 *
 * Context: before the probes are registered, none running.
 */
void vmpool_wake_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		*per_cpu_ptr(&vmpool_expiring_hard, cpu) = NULL;
		*per_cpu_ptr(&vmpool_expiring_soft, cpu) = NULL;
	}
}

/* The expiry of @timer in CLOCK_MONOTONIC nanoseconds; 0 if unknown. */
static u64 vmpool_timer_expiry(const struct hrtimer *timer)
{
	s64 expires = ktime_to_ns(hrtimer_get_expires(timer));
	s64 offset;

	switch (timer->base->clockid) {
	case CLOCK_MONOTONIC:
		offset = 0;
		break;
	case CLOCK_REALTIME:
		offset = ktime_get_real_fast_ns() - ktime_get_mono_fast_ns();
		break;
	case CLOCK_BOOTTIME:
		offset = ktime_get_boot_fast_ns() - ktime_get_mono_fast_ns();
		break;
	default:
		return 0;
	}
	return expires > offset ? expires - offset : 0;
}

static bool vmpool_wake_fn_known(const struct vmpool_wake *w, const void *fn)
{
	unsigned int i;

	for (i = 0; i < VMPOOL_WAKE_FNS; i++)
		if (READ_ONCE(w->fns[i]) == fn)
			return true;
	return false;
}

/* Record @timer, expiring at @expires; @now is the time. */
static void vmpool_wake_arm(struct vmpool_wake *w, const struct hrtimer *timer,
			    u64 expires, u64 now)
{
	struct vmpool_wake_timer *t, *slot = NULL;
	unsigned int i;

	for (i = 0; i < VMPOOL_WAKE_TIMERS; i++) {
		t = &w->armed[i];
		if (t->timer == timer) {
			slot = t;
			goto set;
		}
	}
	/* A free slot, or one that expired; else the latest, if later. */
	for (i = 0; i < VMPOOL_WAKE_TIMERS; i++) {
		t = &w->armed[i];
		if (t->expires <= now) {
			slot = t;
			goto set;
		}
		if (!slot || t->expires > slot->expires)
			slot = t;
	}
	if (slot->expires <= expires)
		return;
set:
	slot->timer = timer;
	slot->expires = expires;
}

/**
 * vmpool_wake_next - the earliest recorded wake-up timer of a VM
 * @w: the VM's wake-up timers; the activity's lock held.
 * @now: the time, CLOCK_MONOTONIC nanoseconds.
 *
 * Return: the earliest expiry after @now, or 0 if none.
 */
u64 vmpool_wake_next(const struct vmpool_wake *w, u64 now)
{
	u64 next = 0;
	unsigned int i;

	for (i = 0; i < VMPOOL_WAKE_TIMERS; i++)
		if (w->armed[i].expires > now &&
		    (!next || w->armed[i].expires < next))
			next = w->armed[i].expires;
	return next;
}

/**
 * vmpool_wake_count - how many callbacks a VM learnt, and timers it has
 * @w: the VM's wake-up timers; the activity's lock held.
 * @now: the time, CLOCK_MONOTONIC nanoseconds.
 * @fns: set to the callbacks learnt.
 * @timers: set to the timers armed, expiring after @now.
 */
void vmpool_wake_count(const struct vmpool_wake *w, u64 now, u32 *fns,
		       u32 *timers)
{
	unsigned int i;

	*fns = 0;
	*timers = 0;
	for (i = 0; i < VMPOOL_WAKE_FNS; i++)
		*fns += !!w->fns[i];
	for (i = 0; i < VMPOOL_WAKE_TIMERS; i++)
		*timers += w->armed[i].expires > now;
}

/* The activity of current, if it is an attached thread in task context. */
static struct vmpool_activity *vmpool_wake_current(void)
{
	if (!in_task())
		return NULL;
	return vmpool_attach_lookup(current);
}

/**
 * vmpool_wake_timer_start - a timer was started: the hrtimer_start probe
 * @timer: the timer started.
 *
 * The probe itself, whose arguments differ between kernels, is
 * vmpool_wake_probe_start() in compat.h.
 *
 * Context: any; the timer's base lock held.
 */
void vmpool_wake_timer_start(struct hrtimer *timer)
{
	struct vmpool_activity *act = vmpool_wake_current();
	unsigned long flags;
	u64 expires, now;

	if (!act || !vmpool_wake_fn_known(&act->wake, timer->function))
		return;
	expires = vmpool_timer_expiry(timer);
	if (!expires)
		return;
	now = ktime_get_mono_fast_ns();
	raw_spin_lock_irqsave(&act->lock, flags);
	if (!act->dead)
		vmpool_wake_arm(&act->wake, timer, expires, now);
	raw_spin_unlock_irqrestore(&act->lock, flags);
}

/**
 * vmpool_wake_probe_cancel - probe on hrtimer_cancel
 * @data: unused.
 * @timer: the timer cancelled.
 *
 * Context: any; the timer's base lock held.
 */
void vmpool_wake_probe_cancel(void *data, struct hrtimer *timer)
{
	struct vmpool_activity *act = vmpool_wake_current();
	unsigned long flags;
	unsigned int i;

	if (!act)
		return;
	raw_spin_lock_irqsave(&act->lock, flags);
	for (i = 0; i < VMPOOL_WAKE_TIMERS; i++) {
		if (act->wake.armed[i].timer == timer) {
			act->wake.armed[i].timer = NULL;
			act->wake.armed[i].expires = 0;
		}
	}
	raw_spin_unlock_irqrestore(&act->lock, flags);
}

/**
 * vmpool_wake_probe_expire_entry - probe on hrtimer_expire_entry
 * @data: unused.
 * @timer: the timer whose callback is about to run.
 * @now: the time on its clock.
 *
 * Context: hard or soft interrupt, on the CPU that runs the callback.
 */
void vmpool_wake_probe_expire_entry(void *data, struct hrtimer *timer,
				    ktime_t *now)
{
	void **slot = vmpool_expiring_slot();

	if (slot)
		*slot = timer->function;
}

/**
 * vmpool_wake_probe_expire_exit - probe on hrtimer_expire_exit
 * @data: unused.
 * @timer: the timer whose callback returned.
 *
 * Context: as vmpool_wake_probe_expire_entry().
 */
void vmpool_wake_probe_expire_exit(void *data, struct hrtimer *timer)
{
	void **slot = vmpool_expiring_slot();

	if (slot)
		*slot = NULL;
}

/**
 * vmpool_wake_probe_waking - probe on sched_waking
 * @data: unused.
 * @task: the task being woken.
 *
 * Learns the callback of the timer that wakes an attached thread.
 *
 * Context: in try_to_wake_up(), interrupts off, @task's pi_lock held.
 */
void vmpool_wake_probe_waking(void *data, struct task_struct *task)
{
	void **slot = vmpool_expiring_slot();
	struct vmpool_activity *act;
	struct vmpool_wake *w;
	unsigned long flags;
	unsigned int i;
	void *fn;

	fn = slot ? *slot : NULL;
	if (!fn)
		return;
	act = vmpool_attach_lookup(task);
	if (!act || vmpool_wake_fn_known(&act->wake, fn))
		return;
	w = &act->wake;
	raw_spin_lock_irqsave(&act->lock, flags);
	/* Several CPUs may have seen it at once. */
	if (vmpool_wake_fn_known(w, fn))
		goto unlock;
	for (i = 0; i < VMPOOL_WAKE_FNS && w->fns[i]; i++)
		;
	if (i == VMPOOL_WAKE_FNS) {
		/* Full: the oldest goes. */
		i = w->next_fn;
		w->next_fn = (w->next_fn + 1) % VMPOOL_WAKE_FNS;
	}
	WRITE_ONCE(w->fns[i], fn);
unlock:
	raw_spin_unlock_irqrestore(&act->lock, flags);
}
