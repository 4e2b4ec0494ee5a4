// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the /dev/vmpool control device.
 *
 * Every ioctl validates its whole argument, then calls the unchecked helper
 * that does the work.  Ioctls that act on a VM take its file descriptor.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "vmpool.h"

/* The pool served by the device; set before registration, never changed. */
static struct vmpool_pool *vmpool_dev_pool;

static int vmpool_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static long vmpool_check_extension(unsigned long ext)
{
	switch (ext) {
	case VMPOOL_CAP_INFO:
	case VMPOOL_CAP_VM:
	case VMPOOL_CAP_POOL_OPS:
	case VMPOOL_CAP_AUDIT:
	case VMPOOL_CAP_PAGES:
	case VMPOOL_CAP_VM_FLAGS:
	case VMPOOL_CAP_STORE:
	case VMPOOL_CAP_SETTLE:
	case VMPOOL_CAP_NODES:
	case VMPOOL_CAP_NUMA:
		return 1;
	case VMPOOL_CAP_SCHED:
		return vmpool_sched_available();
	case VMPOOL_CAP_PMD:
		return vmpool_pmd_available(vmpool_dev_pool);
	default:
		return 0;
	}
}

static long vmpool_ioctl_info(struct vmpool_info __user *uarg)
{
	struct vmpool_pool *pool = vmpool_dev_pool;
	struct vmpool_pool_stats st;
	struct vmpool_info info;
	int ret;

	/* A new member comes with a new size in the uapi header. */
	BUILD_BUG_ON(sizeof(info) != VMPOOL_INFO_SIZE_VER6);
	ret = vmpool_copy_args_from_user(&info, sizeof(info),
					 VMPOOL_INFO_SIZE_VER0, VMPOOL_INFO_SETTLE,
					 uarg);
	if (ret)
		return ret;

	if (info.flags & VMPOOL_INFO_SETTLE) {
		vmpool_scrub_pause(pool);
		vmpool_close_settle(pool);
	}
	vmpool_pool_stats(pool, &st);
	if (info.flags & VMPOOL_INFO_SETTLE)
		vmpool_scrub_resume(pool);
	info.page_size = PAGE_SIZE;
	info.total_pages = st.total_pages;
	info.free_pages = st.free_pages;
	info.metadata_bytes = st.metadata_bytes;
	info.source = pool->source;
	info.nr_chunks = pool->nr_chunks;
	info.dedicated_pages = st.dedicated_pages;
	info.mapped_pages = st.mapped_pages;
	info.nr_vms = st.nr_vms;
	info.nr_tenants = st.nr_tenants;
	info.bytes_zeroed = st.bytes_zeroed;
	info.pages_recycled = st.pages_recycled;
	info.held_pages = st.held_pages;
	info.transit_pages = st.transit_pages;
	info.swapped_pages = st.swapped_pages;
	info.store_slots = st.store_slots;
	info.shortages = st.shortage.shortages;
	info.shortage_failures = st.shortage.failures;
	info.pages_reclaimed = st.shortage.reclaimed;
	info.pages_reclaimed_running = st.shortage.reclaimed_running;
	info.closing_pages = st.closing_pages;
	info.reserve_pages = st.reserve_pages;
	info.scrubbed_bytes = st.scrubbed_bytes;
	info.reserve_hits = st.reserve_hits;
	info.reserve_misses = st.reserve_misses;
	info.promised_pages = st.promised_pages;
	info.leaving_pages = st.leaving_pages;
	info.free_blocks = st.free_blocks;
	info.huge_pages = st.huge_pages;

	return vmpool_copy_args_to_user(uarg, &info, sizeof(info));
}

/* VM creation flags this version knows. */
#define VMPOOL_VM_FLAGS_VALID	(VMPOOL_VM_SHARE_TENANT | \
				 VMPOOL_VM_ZERO_RELEASED | \
				 VMPOOL_VM_SET_OWNER | \
				 VMPOOL_VM_NODE)

/* The tenant named by @args, as a 128-bit id: exactly one way may name it. */
static int vmpool_vm_create_tenant(struct vmpool_vm_create *args, uuid_t *id)
{
	bool have_uuid = memchr_inv(args->tenant_uuid, 0,
				    sizeof(args->tenant_uuid));

	if (!args->tenant == !have_uuid)
		return -EINVAL;
	if (have_uuid)
		memcpy(id->b, args->tenant_uuid, sizeof(id->b));
	else
		vmpool_tenant_legacy_uuid(args->tenant, id);
	return 0;
}

static int vmpool_vm_create_owner(struct vmpool_vm_create *args)
{
	if (!(args->flags & VMPOOL_VM_SET_OWNER))
		return args->uid || args->gid || args->mode ? -EINVAL : 0;
	if (args->mode & ~0777U)
		return -EINVAL;
	if (!uid_valid(make_kuid(current_user_ns(), args->uid)) ||
	    !gid_valid(make_kgid(current_user_ns(), args->gid)))
		return -EINVAL;
	return 0;
}

static long vmpool_ioctl_vm_create(struct vmpool_vm_create __user *uarg)
{
	struct vmpool_vm_create args;
	unsigned long nr_pages, limit;
	uuid_t tenant;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_VM_CREATE_SIZE_VER0,
					 VMPOOL_VM_FLAGS_VALID, uarg);
	if (ret)
		return ret;
	if (args.reserved || args.reserved2 || args.reserved3)
		return -EINVAL;
	/* A node the pool has memory on. */
	if (args.flags & VMPOOL_VM_NODE ?
	    !vmpool_pool_has_node(vmpool_dev_pool, args.node) : args.node)
		return -EINVAL;
	ret = vmpool_vm_create_tenant(&args, &tenant);
	if (ret)
		return ret;
	ret = vmpool_vm_create_owner(&args);
	if (ret)
		return ret;
	if (!args.mem_size || !PAGE_ALIGNED(args.mem_size))
		return -EINVAL;
	nr_pages = args.mem_size >> PAGE_SHIFT;
	if (nr_pages > VMPOOL_MAX_VM_PAGES)
		return -E2BIG;
	limit = args.limit_pages ?: nr_pages;
	if (args.reserve_pages > limit)
		return -EINVAL;
	if (!memchr(args.name, '\0', sizeof(args.name)))
		return -EINVAL;

	return vmpool_vm_create(vmpool_dev_pool, &args, &tenant);
}

static long vmpool_ioctl_resize(unsigned int cmd,
				struct vmpool_pool_resize __user *uarg)
{
	struct vmpool_pool_resize args;
	struct vmpool_vm *vm;
	struct fd f;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_POOL_RESIZE_SIZE_VER0, 0,
					 uarg);
	if (ret)
		return ret;
	if (args.reserved || !args.pages)
		return -EINVAL;

	f = fdget(args.vm_fd);
	if (!fd_file(f))
		return -EBADF;
	vm = vmpool_vm_from_file(fd_file(f));
	if (!vm || vm->pool != vmpool_dev_pool)
		ret = -EINVAL;
	else if (cmd == VMPOOL_POOL_GROW)
		ret = vmpool_grow(vm, args.pages);
	else
		ret = vmpool_shrink(vm, args.pages);
	fdput(f);
	return ret;
}

static long vmpool_ioctl_move(unsigned int cmd,
			      struct vmpool_pool_move __user *uarg)
{
	struct vmpool_vm *src, *dst;
	struct vmpool_pool_move args;
	unsigned long moved;
	struct fd sf, df;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_POOL_MOVE_SIZE_VER0, 0,
					 uarg);
	if (ret)
		return ret;
	if (cmd == VMPOOL_POOL_SPLIT ? !args.pages : args.pages)
		return -EINVAL;

	sf = fdget(args.src_fd);
	df = fdget(args.dst_fd);
	if (!fd_file(sf) || !fd_file(df)) {
		ret = -EBADF;
		goto out;
	}
	src = vmpool_vm_from_file(fd_file(sf));
	dst = vmpool_vm_from_file(fd_file(df));
	if (!src || !dst || src == dst || src->pool != vmpool_dev_pool ||
	    dst->pool != vmpool_dev_pool) {
		ret = -EINVAL;
		goto out;
	}

	ret = vmpool_move(src, dst, args.pages, &moved);
	if (ret)
		goto out;
	args.pages = moved;
	ret = vmpool_copy_args_to_user(uarg, &args, sizeof(args));
out:
	fdput(df);
	fdput(sf);
	return ret;
}

/*
 * Copy @n entries of @size bytes each, from @src, to the user's array at
 * @uaddr of @entry_size-byte entries: the first bytes of each that both
 * sizes hold, the rest of the user's entry zeroed.
 */
static int vmpool_copy_entries_to_user(u64 uaddr, u32 entry_size,
				       const void *src, size_t size,
				       unsigned int n)
{
	size_t len = min_t(size_t, entry_size, size);
	u8 __user *dst = u64_to_user_ptr(uaddr);
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (copy_to_user(dst, src + i * size, len) ||
		    clear_user(dst + len, entry_size - len))
			return -EFAULT;
		dst += entry_size;
	}
	return 0;
}

static long vmpool_ioctl_list(struct vmpool_vm_list __user *uarg)
{
	struct vmpool_pool *pool = vmpool_dev_pool;
	struct vmpool_vm_stats *stats = NULL;
	struct vmpool_vm_list args;
	unsigned int n = 0, n_out, i;
	struct vmpool_vm *vm;
	unsigned long slot;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_VM_LIST_SIZE_VER0, 0,
					 uarg);
	if (ret)
		return ret;
	if (args.entry_size < VMPOOL_VM_STATS_SIZE_VER0 ||
	    args.entry_size > PAGE_SIZE)
		return -EINVAL;
	args.nr_entries = min_t(u32, args.nr_entries, VMPOOL_MAX_SLOT);
	if (args.nr_entries) {
		stats = kvcalloc(args.nr_entries, sizeof(*stats),
				 GFP_KERNEL | __GFP_NOWARN);
		if (!stats)
			return -ENOMEM;
	}

	/* Snapshot under the lock; copy out after it (a copy may fault). */
	mutex_lock(&pool->lock);
	xa_for_each(&pool->vms, slot, vm) {
		if (vm->closed)
			continue;
		if (n < args.nr_entries)
			vmpool_vm_fill_stats(vm, &stats[n]);
		n++;
	}
	mutex_unlock(&pool->lock);

	n_out = min(n, args.nr_entries);
	for (i = 0; i < n_out; i++)
		stats[i].size = min_t(u32, args.entry_size, sizeof(*stats));
	ret = vmpool_copy_entries_to_user(args.entries, args.entry_size, stats,
					  sizeof(*stats), n_out);
	if (!ret) {
		args.nr_entries = n;
		ret = vmpool_copy_args_to_user(uarg, &args, sizeof(args));
	}
	kvfree(stats);
	return ret;
}

static long vmpool_ioctl_nodes(struct vmpool_node_list __user *uarg)
{
	struct vmpool_pool *pool = vmpool_dev_pool;
	struct vmpool_node_info *nodes = NULL;
	struct vmpool_node_list args;
	unsigned int n = 0, c;
	u64 *total = NULL;
	int nid, ret;

	/* A new member comes with a new size in the uapi header. */
	BUILD_BUG_ON(sizeof(*nodes) != VMPOOL_NODE_INFO_SIZE_VER1);
	BUILD_BUG_ON(sizeof(args) != VMPOOL_NODE_LIST_SIZE_VER0);
	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_NODE_LIST_SIZE_VER0, 0, uarg);
	if (ret)
		return ret;
	if (args.reserved || args.entry_size < VMPOOL_NODE_INFO_SIZE_VER0 ||
	    args.entry_size > PAGE_SIZE)
		return -EINVAL;
	total = kcalloc(nr_node_ids, sizeof(*total), GFP_KERNEL);
	nodes = kcalloc(nr_node_ids, sizeof(*nodes), GFP_KERNEL);
	if (!total || !nodes) {
		ret = -ENOMEM;
		goto out;
	}

	/* The chunks stay as they are from load to unload. */
	for (c = 0; c < pool->nr_chunks; c++)
		total[pool->chunks[c].nid] += pool->chunks[c].nr_pages;
	mutex_lock(&pool->lock);
	vmpool_cache_fold_all(pool);
	for (nid = 0; nid < nr_node_ids; nid++) {
		if (!total[nid])
			continue;
		nodes[n++] = (struct vmpool_node_info) {
			.size = min_t(u32, args.entry_size, sizeof(*nodes)),
			.node = nid,
			.total_pages = total[nid],
			.free_pages = pool->node_free[nid],
			.dedicated_pages = pool->node_dedicated[nid],
			.mapped_pages = pool->node_mapped[nid],
			.reserve_pages = vmpool_reserve_pages(pool, nid),
		};
	}
	mutex_unlock(&pool->lock);

	ret = vmpool_copy_entries_to_user(args.entries, args.entry_size, nodes,
					  sizeof(*nodes), min(n, args.nr_entries));
	if (!ret) {
		args.nr_entries = n;
		ret = vmpool_copy_args_to_user(uarg, &args, sizeof(args));
	}
out:
	kfree(nodes);
	kfree(total);
	return ret;
}

static long vmpool_ioctl_audit(struct vmpool_audit __user *uarg)
{
	struct vmpool_audit args;
	int ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_AUDIT_SIZE_VER0, VMPOOL_AUDIT_SETTLE,
					 uarg);
	if (ret)
		return ret;

	if (args.flags & VMPOOL_AUDIT_SETTLE) {
		vmpool_scrub_pause(vmpool_dev_pool);
		vmpool_close_settle(vmpool_dev_pool);
	}
	vmpool_audit(vmpool_dev_pool, &args);
	if (args.flags & VMPOOL_AUDIT_SETTLE)
		vmpool_scrub_resume(vmpool_dev_pool);
	return vmpool_copy_args_to_user(uarg, &args, sizeof(args));
}

/* Ioctls that change the pool: the opener's privilege is not enough. */
static bool vmpool_cmd_privileged(unsigned int cmd)
{
	switch (cmd) {
	case VMPOOL_VM_CREATE:
	case VMPOOL_POOL_GROW:
	case VMPOOL_POOL_SHRINK:
	case VMPOOL_POOL_SPLIT:
	case VMPOOL_POOL_MERGE:
	case VMPOOL_SET_STORE:
		return true;
	default:
		return false;
	}
}

static long vmpool_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	if (vmpool_cmd_privileged(cmd) && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case VMPOOL_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return VMPOOL_API_VERSION;
	case VMPOOL_CHECK_EXTENSION:
		return vmpool_check_extension(arg);
	case VMPOOL_INFO:
		return vmpool_ioctl_info(argp);
	case VMPOOL_AUDIT:
		return vmpool_ioctl_audit(argp);
	case VMPOOL_LIST_VMS:
		return vmpool_ioctl_list(argp);
	case VMPOOL_LIST_NODES:
		return vmpool_ioctl_nodes(argp);
	case VMPOOL_VM_CREATE:
		return vmpool_ioctl_vm_create(argp);
	case VMPOOL_POOL_GROW:
	case VMPOOL_POOL_SHRINK:
		return vmpool_ioctl_resize(cmd, argp);
	case VMPOOL_POOL_SPLIT:
	case VMPOOL_POOL_MERGE:
		return vmpool_ioctl_move(cmd, argp);
	case VMPOOL_SET_STORE:
		return vmpool_ioctl_set_store(vmpool_dev_pool, argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vmpool_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= vmpool_dev_open,
	.unlocked_ioctl	= vmpool_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vmpool_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vmpool",
	.fops	= &vmpool_dev_fops,
	.mode	= 0600,
};

/**
 * vmpool_dev_register - create /dev/vmpool
 * @pool: the pool the device controls.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, a negative errno from misc_register() otherwise.
 */
int vmpool_dev_register(struct vmpool_pool *pool)
{
	vmpool_dev_pool = pool;
	return misc_register(&vmpool_miscdev);
}

/**
 * vmpool_dev_unregister - remove /dev/vmpool
 *
 * Context: process context, may sleep.
 */
void vmpool_dev_unregister(void)
{
	misc_deregister(&vmpool_miscdev);
}
