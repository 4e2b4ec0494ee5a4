// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: which host threads run which VM.
 *
 * An attachment ties a key to a VM's activity: a task (a thread attached
 * alone), or the struct pid of a thread group (a process attached whole,
 * with every thread it has or creates).  Attachments live in one hash
 * table, keyed by pointer, that the scheduler probe reads under RCU; an
 * attachment holds a reference on its task or pid, so a key is never
 * reused while it is in the table.  Writers hold vmpool_attach_lock, a
 * spinlock because the exit probe detaches with preemption off.
 *
 * Exit: a thread's attachment goes when it passes sched_process_exit, a
 * process's when its last thread does.  Attaching refuses a thread that
 * has PF_EXITING, or a process with no live thread, under the same lock,
 * so no attachment is ever added after its exit was seen.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/magic.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "vmpool.h"

#define VMPOOL_ATTACH_BITS	8

/**
 * struct vmpool_attachment - one thread or process attached to a VM
 * @node: entry in vmpool_attach_table.
 * @vm_node: entry in its activity's list.
 * @key: the task_struct, or for a process the struct pid of its thread
 *	group; a reference is held.
 * @process: @key is a struct pid.
 * @act: the VM's activity.
 * @rcu: freed after a grace period (the probe may be reading it).
 */
struct vmpool_attachment {
	struct hlist_node node;
	struct list_head vm_node;
	void *key;
	bool process;
	struct vmpool_activity *act;
	struct rcu_head rcu;
};

/* Protects vmpool_attach_table and every activity's attachment list. */
static DEFINE_SPINLOCK(vmpool_attach_lock);
static DEFINE_HASHTABLE(vmpool_attach_table, VMPOOL_ATTACH_BITS);

static struct vmpool_attachment *vmpool_attach_find(const void *key)
{
	struct vmpool_attachment *a;

	hash_for_each_possible_rcu(vmpool_attach_table, a, node,
				   (unsigned long)key,
				   lockdep_is_held(&vmpool_attach_lock))
		if (a->key == key)
			return a;
	return NULL;
}

/**
 * vmpool_attach_lookup - the activity of the VM a task runs for
 * @task: the task.
 *
 * Context: RCU read side (the scheduler probe: preemption off).
 * Return: the activity, or NULL if neither the task nor its process is
 * attached.
 */
struct vmpool_activity *vmpool_attach_lookup(struct task_struct *task)
{
	struct vmpool_attachment *a;

	a = vmpool_attach_find(task);
	if (!a)
		a = vmpool_attach_find(task_tgid(task));
	return a ? a->act : NULL;
}

static void vmpool_attachment_free(struct rcu_head *rcu)
{
	struct vmpool_attachment *a = container_of(rcu, struct vmpool_attachment, rcu);

	if (a->process)
		put_pid(a->key);
	else
		put_task_struct(a->key);
	kfree(a);
}

static void vmpool_attachment_remove(struct vmpool_attachment *a)
{
	lockdep_assert_held(&vmpool_attach_lock);
	hash_del_rcu(&a->node);
	list_del(&a->vm_node);
	a->act->nr_attached--;
	call_rcu(&a->rcu, vmpool_attachment_free);
}

/**
 * vmpool_attach_task_exit - detach a thread that exits, and its process
 *	if it was the last thread
 * @task: current, in do_exit().
 *
 * Context: the exit probe; preemption off.
 */
void vmpool_attach_task_exit(struct task_struct *task)
{
	struct vmpool_attachment *a;

	spin_lock(&vmpool_attach_lock);
	a = vmpool_attach_find(task);
	if (a)
		vmpool_attachment_remove(a);
	if (!atomic_read(&task->signal->live)) {
		a = vmpool_attach_find(task_tgid(task));
		if (a)
			vmpool_attachment_remove(a);
	}
	spin_unlock(&vmpool_attach_lock);
}

/**
 * vmpool_attach_release - detach everything from an activity
 * @act: the activity of a VM that is going.
 *
 * Context: process context.
 */
void vmpool_attach_release(struct vmpool_activity *act)
{
	struct vmpool_attachment *a, *tmp;

	spin_lock(&vmpool_attach_lock);
	list_for_each_entry_safe(a, tmp, &act->attached, vm_node)
		vmpool_attachment_remove(a);
	spin_unlock(&vmpool_attach_lock);
}

/*
 * Whether current may watch @task run: ptrace's read access with real
 * credentials (__ptrace_may_access(), PTRACE_MODE_READ_REALCREDS), short
 * of the security module hook, which a module cannot call; or
 * CAP_SYS_ADMIN.
 */
static bool vmpool_may_watch(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	struct mm_struct *mm;
	bool ok;

	if (same_thread_group(task, current) || capable(CAP_SYS_ADMIN))
		return true;

	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(cred->uid, tcred->euid) && uid_eq(cred->uid, tcred->suid) &&
	      uid_eq(cred->uid, tcred->uid) && gid_eq(cred->gid, tcred->egid) &&
	      gid_eq(cred->gid, tcred->sgid) && gid_eq(cred->gid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	if (!ok)
		return false;

	/* Dumpability is read after the credentials, as ptrace does. */
	smp_rmb();
	task_lock(task);
	mm = task->mm;
	if (mm)
		ok = get_dumpable(mm) == SUID_DUMP_USER ||
		     ns_capable(mm->user_ns, CAP_SYS_PTRACE);
	else
		ok = ns_capable(&init_user_ns, CAP_SYS_PTRACE);
	task_unlock(task);
	return ok;
}

/*
 * The struct pid of the process a pidfd refers to, with a reference.  The
 * kernel does not export pidfd_pid(): compat.h finds the pid in the file.
 */
static struct pid *vmpool_pidfd_process(int pidfd)
{
	struct task_struct *task;
	struct pid *pid = NULL;
	struct fd f = fdget(pidfd);

	if (!fd_file(f))
		return ERR_PTR(-EBADF);
	pid = vmpool_pidfd_pid(fd_file(f));
	if (!pid) {
		pid = ERR_PTR(-EINVAL);
		goto out;
	}
	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task) {
		pid = ERR_PTR(-ESRCH);
		goto out;
	}
	if (!vmpool_may_watch(task))
		pid = ERR_PTR(-EPERM);
	else
		pid = get_pid(task_tgid(task));
	put_task_struct(task);
out:
	fdput(f);
	return pid;
}

/* The threads @args names, in @tasks, with a reference each. */
static int vmpool_get_threads(const struct vmpool_attach *args,
			      struct task_struct **tasks)
{
	s32 tids[VMPOOL_ATTACH_MAX_TIDS];
	unsigned int i, j, n = 0;
	struct pid *pid;
	int ret = 0;

	if (copy_from_user(tids, u64_to_user_ptr(args->tids),
			   args->nr_tids * sizeof(tids[0])))
		return -EFAULT;
	for (i = 0; i < args->nr_tids && !ret; i++) {
		for (j = 0; j < i; j++)
			if (tids[j] == tids[i])
				ret = -EEXIST;
		if (ret)
			break;
		if (tids[i] <= 0) {
			ret = -EINVAL;
			break;
		}
		pid = find_get_pid(tids[i]);
		tasks[n] = get_pid_task(pid, PIDTYPE_PID);
		put_pid(pid);
		if (!tasks[n]) {
			ret = -ESRCH;
			break;
		}
		if (!vmpool_may_watch(tasks[n]))
			ret = -EPERM;
		n++;
	}
	if (ret)
		while (n--)
			put_task_struct(tasks[n]);
	return ret;
}

static void vmpool_put_keys(void **keys, unsigned int n, bool process)
{
	while (n--) {
		if (process)
			put_pid(keys[n]);
		else
			put_task_struct(keys[n]);
	}
}

/* Whether @key may join @act: 0, -EEXIST or -EBUSY. */
static int vmpool_attach_check(struct vmpool_activity *act, void *key)
{
	struct vmpool_attachment *a = vmpool_attach_find(key);

	if (!a)
		return 0;
	return a->act == act ? -EEXIST : -EBUSY;
}

/* Whether a thread of @pid's process is attached to a VM but @act. */
static int vmpool_attach_check_threads(struct vmpool_activity *act,
				       struct pid *pid)
{
	struct task_struct *leader, *t;
	int ret = 0;

	rcu_read_lock();
	leader = pid_task(pid, PIDTYPE_TGID);
	if (!leader || !atomic_read(&leader->signal->live)) {
		ret = -ESRCH;
		goto out;
	}
	for_each_thread(leader, t) {
		if (vmpool_attach_check(act, t) == -EBUSY) {
			ret = -EBUSY;
			break;
		}
	}
out:
	rcu_read_unlock();
	return ret;
}

/* Add the @n @keys to @act, all or none; the references pass to it. */
static int vmpool_attach_keys(struct vmpool_activity *act, void **keys,
			      unsigned int n, bool process)
{
	struct vmpool_attachment *new[VMPOOL_ATTACH_MAX_TIDS] = {};
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		new[i] = kzalloc(sizeof(*new[i]), GFP_KERNEL);
		if (!new[i]) {
			ret = -ENOMEM;
			goto out_free;
		}
	}

	spin_lock(&vmpool_attach_lock);
	if (act->nr_attached + n > VMPOOL_VM_MAX_TASKS)
		ret = -ENOSPC;
	for (i = 0; i < n && !ret; i++) {
		ret = vmpool_attach_check(act, keys[i]);
		if (ret)
			break;
		if (process) {
			ret = vmpool_attach_check_threads(act, keys[i]);
		} else {
			struct task_struct *task = keys[i];

			ret = vmpool_attach_check(act, task_tgid(task));
			if (!ret && (task->flags & PF_EXITING))
				ret = -ESRCH;
		}
	}
	for (i = 0; i < n && !ret; i++) {
		new[i]->key = keys[i];
		new[i]->process = process;
		new[i]->act = act;
		hash_add_rcu(vmpool_attach_table, &new[i]->node,
			     (unsigned long)keys[i]);
		list_add_tail(&new[i]->vm_node, &act->attached);
		act->nr_attached++;
		new[i] = NULL;
	}
	spin_unlock(&vmpool_attach_lock);
	if (!ret)
		return 0;
out_free:
	for (i = 0; i < n; i++)
		kfree(new[i]);
	vmpool_put_keys(keys, n, process);
	return ret;
}

/* Remove the @n @keys from @act, all or none; drops the callers' refs. */
static int vmpool_detach_keys(struct vmpool_activity *act, void **keys,
			      unsigned int n, bool process)
{
	struct vmpool_attachment *a;
	unsigned int i;
	int ret = 0;

	spin_lock(&vmpool_attach_lock);
	for (i = 0; i < n && !ret; i++) {
		a = vmpool_attach_find(keys[i]);
		if (!a || a->act != act)
			ret = -ENOENT;
	}
	for (i = 0; i < n && !ret; i++)
		vmpool_attachment_remove(vmpool_attach_find(keys[i]));
	spin_unlock(&vmpool_attach_lock);
	vmpool_put_keys(keys, n, process);
	return ret;
}

static int vmpool_attach_validate(const struct vmpool_attach *args,
				  unsigned int cmd)
{
	if (args->flags & VMPOOL_ATTACH_ALL) {
		if (cmd != VMPOOL_VM_DETACH || args->flags != VMPOOL_ATTACH_ALL ||
		    args->pidfd || args->nr_tids || args->tids)
			return -EINVAL;
		return 0;
	}
	if (args->flags & VMPOOL_ATTACH_PROCESS)
		return args->nr_tids || args->tids || args->pidfd < 0 ? -EINVAL : 0;
	if (args->pidfd || !args->nr_tids || !args->tids)
		return -EINVAL;
	if (args->nr_tids > VMPOOL_ATTACH_MAX_TIDS)
		return -E2BIG;
	return 0;
}

/**
 * vmpool_vm_ioctl_attach - %VMPOOL_VM_ATTACH and %VMPOOL_VM_DETACH
 * @vm: the VM.
 * @cmd: which of the two.
 * @uarg: the &struct vmpool_attach.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno, as the uapi header says.
 */
long vmpool_vm_ioctl_attach(struct vmpool_vm *vm, unsigned int cmd,
			    struct vmpool_attach __user *uarg)
{
	void *keys[VMPOOL_ATTACH_MAX_TIDS];
	struct vmpool_activity *act;
	struct vmpool_attach args;
	bool process;
	unsigned int n;
	struct pid *pid;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_ATTACH_SIZE_VER0,
					 VMPOOL_ATTACH_PROCESS | VMPOOL_ATTACH_ALL,
					 uarg);
	if (ret)
		return ret;
	ret = vmpool_attach_validate(&args, cmd);
	if (ret)
		return ret;

	if (args.flags & VMPOOL_ATTACH_ALL) {
		/* Set once; the VM cannot go while its file is in use. */
		act = vmpool_vm_activity(vm);
		if (act)
			vmpool_attach_release(act);
		return 0;
	}

	process = args.flags & VMPOOL_ATTACH_PROCESS;
	if (process) {
		pid = vmpool_pidfd_process(args.pidfd);
		if (IS_ERR(pid))
			return PTR_ERR(pid);
		keys[0] = pid;
		n = 1;
	} else {
		ret = vmpool_get_threads(&args, (struct task_struct **)keys);
		if (ret)
			return ret;
		n = args.nr_tids;
	}

	if (cmd == VMPOOL_VM_ATTACH) {
		act = vmpool_activity_get(vm);
		if (!IS_ERR(act))
			return vmpool_attach_keys(act, keys, n, process);
		ret = PTR_ERR(act);
	} else {
		act = vmpool_vm_activity(vm);
		if (act)
			return vmpool_detach_keys(act, keys, n, process);
		ret = -ENOENT;
	}
	vmpool_put_keys(keys, n, process);
	return ret;
}

/**
 * vmpool_vm_ioctl_list_tasks - %VMPOOL_VM_LIST_TASKS
 * @vm: the VM.
 * @uarg: the &struct vmpool_task_list.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno, as the uapi header says.
 */
long vmpool_vm_ioctl_list_tasks(struct vmpool_vm *vm,
				struct vmpool_task_list __user *uarg)
{
	struct vmpool_activity *act = vmpool_vm_activity(vm);
	struct vmpool_task_list args;
	struct vmpool_attachment *a;
	struct vmpool_task *out;
	unsigned int n = 0;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_TASK_LIST_SIZE_VER0, 0, uarg);
	if (ret)
		return ret;
	if (args.reserved)
		return -EINVAL;

	out = kcalloc(VMPOOL_VM_MAX_TASKS, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	if (act) {
		spin_lock(&vmpool_attach_lock);
		list_for_each_entry(a, &act->attached, vm_node) {
			if (a->process) {
				out[n].pid = pid_vnr(a->key);
				out[n].flags = VMPOOL_ATTACH_PROCESS;
			} else {
				out[n].pid = task_pid_vnr(a->key);
			}
			n++;
		}
		spin_unlock(&vmpool_attach_lock);
	}

	if (copy_to_user(u64_to_user_ptr(args.entries), out,
			 min(n, args.nr_entries) * sizeof(*out))) {
		ret = -EFAULT;
		goto out;
	}
	args.nr_entries = n;
	ret = vmpool_copy_args_to_user(uarg, &args, sizeof(args));
out:
	kfree(out);
	return ret;
}
