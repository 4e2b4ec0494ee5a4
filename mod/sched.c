// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the scheduler feed.
 *
 * A probe on the sched_switch tracepoint sees every context switch.  Each
 * CPU remembers the activity (the VM) of the thread it runs, if that
 * thread is attached (attach.c); a switch that changes it stops the old
 * VM's count of running CPUs and starts the new one's.  A VM is active
 * while its count is above zero; its predictor (predict.c) gets the times
 * of the transitions.
 *
 * The probe runs with the runqueue lock held and interrupts off: it looks
 * the next task up under RCU, exchanges the CPU's slot, and takes the
 * activity's raw spinlock for a bounded update.  It never sleeps,
 * allocates or wakes anyone.  A probe on sched_process_exit detaches
 * exiting threads, and processes whose last thread exits.
 *
 * Probes on the hrtimer tracepoints and on sched_waking (wake.c) tell it
 * when the timers its threads sleep on expire.
 *
 * The probes are registered while some VM has an activity (from its first
 * attachment until the VM is closed), and found by name, as a module must
 * (for_each_kernel_tracepoint()).
 *
 * Lifetime: an activity is freed after a grace period, once no attachment
 * leads to it and no CPU slot holds it.  Teardown removes the attachments,
 * waits for a grace period (no probe can find it any more), clears the
 * slots, and frees it after another (a probe may have taken it out of a
 * slot meanwhile).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <trace/events/sched.h>
#include <trace/events/timer.h>

#include "vmpool.h"
#include "trace.h"

static unsigned int min_idle_us = 1000;
module_param(min_idle_us, uint, 0644);
MODULE_PARM_DESC(min_idle_us,
		 "Shortest pause of a VM's threads that counts as idle (us, default 1000)");

static unsigned int predict_tolerance_us = 2000;
module_param(predict_tolerance_us, uint, 0644);
MODULE_PARM_DESC(predict_tolerance_us,
		 "A predicted start this close to the real one is a hit (us, default 2000)");

/* Per CPU: the activity of the attached thread it runs, or NULL. */
static DEFINE_PER_CPU(struct vmpool_activity *, vmpool_cpu_activity);

/*
 * Serialises creating and tearing down activities and (un)registering the
 * probes; protects vmpool_sched_users.
 */
static DEFINE_MUTEX(vmpool_sched_mutex);
/* Live activities; the probes are registered while it is not zero. */
static unsigned int vmpool_sched_users;

static void vmpool_probe_switch(void *data, bool preempt,
				struct task_struct *prev,
				struct task_struct *next,
				unsigned int prev_state);
static void vmpool_probe_exit(void *data, struct task_struct *task);

/**
 * struct vmpool_tracepoint - a tracepoint the feed probes
 * @name: its name.
 * @probe: the probe function.
 * @tp: the tracepoint, once found.
 */
struct vmpool_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static struct vmpool_tracepoint vmpool_tracepoints[] = {
	{ .name = "sched_switch", .probe = vmpool_probe_switch },
	{ .name = "sched_process_exit", .probe = vmpool_probe_exit },
	{ .name = "sched_waking", .probe = vmpool_wake_probe_waking },
	{ .name = "hrtimer_start", .probe = vmpool_wake_probe_start },
	{ .name = "hrtimer_cancel", .probe = vmpool_wake_probe_cancel },
	/* Exit before entry: registered first, unregistered last. */
	{ .name = "hrtimer_expire_exit", .probe = vmpool_wake_probe_expire_exit },
	{ .name = "hrtimer_expire_entry", .probe = vmpool_wake_probe_expire_entry },
};

/* A probe that does not take its tracepoint's arguments does not build. */
static void __maybe_unused vmpool_check_probe_types(void)
{
	check_trace_callback_type_sched_switch(vmpool_probe_switch);
	check_trace_callback_type_sched_process_exit(vmpool_probe_exit);
	check_trace_callback_type_sched_waking(vmpool_wake_probe_waking);
	check_trace_callback_type_hrtimer_start(vmpool_wake_probe_start);
	check_trace_callback_type_hrtimer_cancel(vmpool_wake_probe_cancel);
	check_trace_callback_type_hrtimer_expire_entry(vmpool_wake_probe_expire_entry);
	check_trace_callback_type_hrtimer_expire_exit(vmpool_wake_probe_expire_exit);
}

static void vmpool_activity_start(struct vmpool_activity *act, u64 now)
{
	raw_spin_lock(&act->lock);
	if (!act->dead && act->running++ == 0) {
		/* Back from waiting in a fault: the same active period. */
		if (act->in_fault)
			act->in_fault = false;
		else
			vmpool_predict_start(&act->pred, now);
	}
	raw_spin_unlock(&act->lock);
}

/*
 * A thread of @act left its CPU; @blocked if it went to sleep, rather than
 * being preempted: only a VM whose last running thread sleeps is paged
 * out, not one that waits for a CPU.  Nor one whose thread waits in a
 * fault of the VM for its page (a read from the store, pages another VM
 * gives up): that is part of the active period, for the predictor too,
 * whose history would otherwise fill with the short gaps of slow faults.
 */
static void vmpool_activity_stop(struct vmpool_activity *act, u64 now,
				 bool blocked)
{
	raw_spin_lock(&act->lock);
	if (!act->dead && act->running && --act->running == 0) {
		if (blocked && atomic_read(&act->vm->idle.faulting)) {
			act->in_fault = true;
			raw_spin_unlock(&act->lock);
			return;
		}
		vmpool_predict_stop(&act->pred, now,
				    vmpool_wake_next(&act->wake, now));
		trace_vmpool_predict(act->vm->slot, now, act->pred.pending,
				     act->pred.next_start, act->pred.next_len);
		if (blocked)
			vmpool_idle_notify(act->vm);
	}
	raw_spin_unlock(&act->lock);
}

/* Runqueue lock held, interrupts off. */
static void vmpool_probe_switch(void *data, bool preempt,
				struct task_struct *prev,
				struct task_struct *next,
				unsigned int prev_state)
{
	struct vmpool_activity *act, *old;
	u64 now;

	act = vmpool_attach_lookup(next);
	/* Most switches change nothing: no locked instruction for them. */
	if (READ_ONCE(*this_cpu_ptr(&vmpool_cpu_activity)) == act)
		return;
	/* A locked exchange: teardown clears slots from other CPUs. */
	old = xchg(this_cpu_ptr(&vmpool_cpu_activity), act);
	if (old == act)
		return;
	now = ktime_get_mono_fast_ns();
	if (old)
		vmpool_activity_stop(old, now,
				     !preempt && prev_state != TASK_RUNNING);
	if (act)
		vmpool_activity_start(act, now);
}

/* In do_exit() of @task, current; preemption off. */
static void vmpool_probe_exit(void *data, struct task_struct *task)
{
	vmpool_attach_task_exit(task);
}

static void vmpool_find_tracepoint(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vmpool_tracepoints); i++)
		if (!strcmp(tp->name, vmpool_tracepoints[i].name))
			vmpool_tracepoints[i].tp = tp;
}

/**
 * vmpool_sched_available - whether the scheduler feed can work here
 *
 * Return: true if every tracepoint the feed needs was found.
 */
bool vmpool_sched_available(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vmpool_tracepoints); i++)
		if (!vmpool_tracepoints[i].tp)
			return false;
	return true;
}

static void vmpool_sched_unregister(unsigned int n)
{
	while (n--)
		tracepoint_probe_unregister(vmpool_tracepoints[n].tp,
					    vmpool_tracepoints[n].probe, NULL);
}

static int vmpool_sched_register(void)
{
	unsigned int i;
	int ret;

	/* No probe of an earlier registration may still run. */
	tracepoint_synchronize_unregister();
	vmpool_wake_reset();

	for (i = 0; i < ARRAY_SIZE(vmpool_tracepoints); i++) {
		ret = tracepoint_probe_register(vmpool_tracepoints[i].tp,
						vmpool_tracepoints[i].probe,
						NULL);
		if (ret) {
			vmpool_sched_unregister(i);
			return ret;
		}
	}
	return 0;
}

/**
 * vmpool_activity_get - the VM's activity, created on first use
 * @vm: the VM; the caller holds a file of it.
 *
 * The first activity registers the probes.
 *
 * Context: process context, may sleep.
 * Return: the activity, or an ERR_PTR: -EOPNOTSUPP if the tracepoints were
 * not found, -ENOMEM, or what registering a probe returned.
 */
struct vmpool_activity *vmpool_activity_get(struct vmpool_vm *vm)
{
	struct vmpool_activity *act;
	int ret;

	if (!vmpool_sched_available())
		return ERR_PTR(-EOPNOTSUPP);

	mutex_lock(&vmpool_sched_mutex);
	act = vm->activity;
	if (act)
		goto out;
	act = kzalloc(sizeof(*act), GFP_KERNEL);
	if (!act) {
		act = ERR_PTR(-ENOMEM);
		goto out;
	}
	raw_spin_lock_init(&act->lock);
	INIT_LIST_HEAD(&act->attached);
	act->vm = vm;
	vmpool_predict_init(&act->pred,
			    (u64)READ_ONCE(predict_tolerance_us) * NSEC_PER_USEC,
			    (u64)READ_ONCE(min_idle_us) * NSEC_PER_USEC);
	if (!vmpool_sched_users) {
		ret = vmpool_sched_register();
		if (ret) {
			kfree(act);
			act = ERR_PTR(ret);
			goto out;
		}
	}
	vmpool_sched_users++;
	/* Pairs with the acquire in vmpool_vm_activity(). */
	smp_store_release(&vm->activity, act);
out:
	mutex_unlock(&vmpool_sched_mutex);
	return act;
}

/**
 * vmpool_vm_activity - the VM's activity, or NULL if nothing was attached
 * @vm: the VM; the caller holds a file of it, or the pool lock with the VM
 *	in the pool's list.
 *
 * Return: the activity, initialised.
 */
struct vmpool_activity *vmpool_vm_activity(struct vmpool_vm *vm)
{
	/* Pairs with the release in vmpool_activity_get(). */
	return smp_load_acquire(&vm->activity);
}

/**
 * vmpool_sched_vm_destroy - detach everything from a VM that is going
 * @vm: the VM; it is no longer in its pool's list, and no file of it is
 *	open.
 *
 * Context: process context, may sleep (waits for a grace period).
 */
void vmpool_sched_vm_destroy(struct vmpool_vm *vm)
{
	struct vmpool_activity *act = vm->activity;
	unsigned long flags;
	int cpu;

	if (!act)
		return;

	mutex_lock(&vmpool_sched_mutex);
	vmpool_attach_release(act);
	raw_spin_lock_irqsave(&act->lock, flags);
	act->dead = true;
	raw_spin_unlock_irqrestore(&act->lock, flags);
	/* After this no probe can find the activity; only a slot may hold it. */
	synchronize_rcu();
	for_each_possible_cpu(cpu)
		cmpxchg(per_cpu_ptr(&vmpool_cpu_activity, cpu), act, NULL);
	vm->activity = NULL;
	kfree_rcu(act, rcu);
	if (!--vmpool_sched_users)
		vmpool_sched_unregister(ARRAY_SIZE(vmpool_tracepoints));
	mutex_unlock(&vmpool_sched_mutex);
}

/**
 * vmpool_activity_next_start - when a VM is predicted to run again
 * @act: the VM's activity.
 * @running: set if a thread of the VM runs now.
 *
 * Context: any; takes the activity's lock.
 * Return: the predicted start of its next active period (CLOCK_MONOTONIC
 * nanoseconds), or 0 if it runs or nothing is predicted.
 */
u64 vmpool_activity_next_start(struct vmpool_activity *act, bool *running)
{
	unsigned long flags;
	u64 start = 0;

	raw_spin_lock_irqsave(&act->lock, flags);
	/* A thread waiting in a fault of the VM is in an active period. */
	*running = act->running || act->in_fault;
	if (act->pred.pending && !*running)
		start = act->pred.next_start;
	raw_spin_unlock_irqrestore(&act->lock, flags);
	return start;
}

/**
 * vmpool_sched_fill_stats - the activity and prediction figures of a VM
 * @vm: the VM.
 * @st: its statistics, filled in by the caller but for these.
 *
 * Context: the pool lock held (the VM is in the pool's list).
 */
void vmpool_sched_fill_stats(struct vmpool_vm *vm, struct vmpool_vm_stats *st)
{
	struct vmpool_activity *act = vmpool_vm_activity(vm);
	const struct vmpool_predict_score *s;
	const struct vmpool_predictor *p;
	unsigned long flags;

	st->prediction_tolerance_ns =
		(u64)READ_ONCE(predict_tolerance_us) * NSEC_PER_USEC;
	if (!act)
		return;

	raw_spin_lock_irqsave(&act->lock, flags);
	p = &act->pred;
	s = &p->score;
	st->nr_attached = READ_ONCE(act->nr_attached);
	st->running = act->running;
	st->activations = s->activations;
	st->active_ns = s->active_ns;
	st->idle_ns = s->idle_ns;
	st->predictions = s->predictions;
	st->prediction_hits = s->hits;
	st->confident_predictions = s->confident;
	st->confident_hits = s->confident_hits;
	st->prediction_error_ns = s->abs_error_ns;
	st->prediction_lead_ns = s->lead_ns;
	st->next_start_ns = p->pending ? p->next_start : 0;
	st->next_len_ns = p->pending ? p->next_len : 0;
	st->prediction_tolerance_ns = p->tolerance_ns;
	st->confidence = p->pending ? p->confidence : 0;
	st->prediction_basis = p->pending ? p->basis : VMPOOL_PREDICT_NONE;
	st->idle_rule_predictions = s->rule_predictions[VMPOOL_PREDICT_IDLE];
	st->idle_rule_hits = s->rule_hits[VMPOOL_PREDICT_IDLE];
	st->cycle_rule_predictions = s->rule_predictions[VMPOOL_PREDICT_CYCLE];
	st->cycle_rule_hits = s->rule_hits[VMPOOL_PREDICT_CYCLE];
	st->timer_rule_predictions = s->rule_predictions[VMPOOL_PREDICT_TIMER];
	st->timer_rule_hits = s->rule_hits[VMPOOL_PREDICT_TIMER];
	vmpool_wake_count(&act->wake, ktime_get_mono_fast_ns(),
			  &st->wake_callbacks, &st->wake_timers);
	raw_spin_unlock_irqrestore(&act->lock, flags);
}

/**
 * vmpool_sched_init - find the tracepoints the feed probes
 *
 * A kernel without them loads the module all the same; attaching then
 * fails with -EOPNOTSUPP.
 *
 * Return: 0.
 */
int vmpool_sched_init(void)
{
	for_each_kernel_tracepoint(vmpool_find_tracepoint, NULL);
	if (!vmpool_sched_available())
		pr_warn("scheduler tracepoints not found: no VM activity tracking\n");
	return 0;
}

/**
 * vmpool_sched_exit - wait for the probes and the freeing of attachments
 *	to be done before the unload
 *
 * Every VM is gone, so the probes are unregistered; one may still be
 * running on another CPU.  Detached attachments are freed by an RCU
 * callback in this module (attach.c), which may not have run yet.
 */
void vmpool_sched_exit(void)
{
	tracepoint_synchronize_unregister();
	rcu_barrier();
}
