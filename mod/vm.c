// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: VM files.
 *
 * A VM is a regular-file inode, so that fallocate() reaches it (QEMU's
 * balloon punches holes in guest RAM) and /proc/self/fd/N can be reopened
 * (QEMU opens its mem-path).  %VMPOOL_VM_CREATE makes its inode on a
 * private pseudo file system and returns a file descriptor; a file created
 * on a vmpool mount (fs.c) becomes a VM when its size is set.  Shared
 * mappings of the file are guest memory, backed page by page from the VM's
 * dedicated pool first, then from the global pool.
 *
 * Pool pages are mapped as the pages they are (VM_MIXEDMAP,
 * vm_insert_page()), not as raw PFNs: each mapping holds a reference and
 * the rmap knows it, so get_user_pages() and everything built on it (KVM's
 * stage-2 faults, VFIO pins, O_DIRECT, vmsplice, io_uring buffers,
 * /proc/pid/mem) works, and MADV_DONTNEED and MADV_POPULATE_WRITE do too.
 * A region pool's 2 MiB extents are mapped with one PMD instead (huge.c),
 * which holds no reference; get_user_pages() takes its own on the 4 KiB
 * page it returns all the same.
 * The pages are not in the page cache: the VM's page map says which page
 * backs which offset, and no reclaim, writeback or migration touches them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "vmpool.h"

/*
 * The pseudo file system is mounted while a VM made by %VMPOOL_VM_CREATE
 * lives.  Its superblock holds a reference to this module, so an inode that
 * outlives its VM (an O_PATH file of /proc/self/fd/N, say) keeps the code
 * its operations run.  vmpool_mnt and vmpool_mnt_count are guarded by
 * simple_pin_fs()'s lock.
 */
static struct vfsmount *vmpool_mnt;
static int vmpool_mnt_count;
static struct file_system_type vmpool_anon_fs_type;
static const struct file_operations vmpool_vm_fops;

/**
 * vmpool_vm_put - drop a reference to a VM's structure
 * @vm: the VM, destroyed by vmpool_vm_destroy() or closed by
 *	vmpool_vm_close().
 *
 * The last reference, of its inode or of the close work, frees it.
 */
void vmpool_vm_put(struct vmpool_vm *vm)
{
	if (!refcount_dec_and_test(&vm->refs))
		return;
	/* Freed with the pages they are copies of. */
	WARN_ON_ONCE(vm->nr_clean);
	/* Emptied with the rest of its memory. */
	WARN_ON_ONCE(vm->cache.nr);
	xa_destroy(&vm->clean);
	vmpool_idle_free(vm);
	vmpool_nlist_destroy(&vm->dedicated);
	bitmap_free(vm->huge);
	bitmap_free(vm->whole);
	kvfree(vm->map);
	kfree(vm);
}

/**
 * vmpool_vm_destroy - give a VM's memory back and forget its slot, now
 * @vm: the VM; nothing maps it or acts on it through a file any more.
 *
 * For a VM that never had a file; one whose last file went is closed by
 * vmpool_vm_close() instead.  The structure itself lives on until its
 * inode goes (vmpool_vm_put()).
 *
 * Context: process context, may sleep.
 */
void vmpool_vm_destroy(struct vmpool_vm *vm)
{
	struct vmpool_pool *pool = vm->pool;

	/* Other VMs stop taking its pages, then its idle paging stops. */
	vmpool_reclaim_stop(vm);
	vmpool_idle_stop(vm);
	mutex_lock(&pool->lock);
	vmpool_vm_return_all(vm);
	xa_erase(&pool->vms, vm->slot);
	vmpool_tenant_put(pool, vm->tenant);
	mutex_unlock(&pool->lock);
	/* Out of the pool's list: no listing reads its activity any more. */
	vmpool_sched_vm_destroy(vm);
}

/*
 * The VM behind a VM file: NULL only for a file of a vmpool mount whose
 * size is not set yet.  Published with a release store by whoever set it.
 */
static struct vmpool_vm *vmpool_file_vm(const struct file *file)
{
	/* Pairs with the release in vmpool_fs_set_size(): sees the VM whole. */
	return smp_load_acquire(&file_inode(file)->i_private);
}

/*
 * Back guest page @index of @vm, with a page on the nodes of @p, reading
 * it back from the store if its data is there; *@idx is the page.  When
 * the pool has no page for it, other VMs give pages up (reclaim.c) while
 * the invalidate lock, held shared on entry and on return, is dropped.
 *
 * Return: 1 if it read the page back, 0 if it did not, or a negative errno.
 */
static int vmpool_vm_back(struct vmpool_vm *vm, const struct vmpool_place *p,
			  pgoff_t index, u32 *idx)
{
	struct address_space *mapping = vm->inode->i_mapping;
	bool more;
	int ret;

	for (;;) {
		ret = vmpool_vm_populate(vm, p, index, idx);
		if (ret == -ENODATA)
			ret = vmpool_swap_in(vm, p, index, idx);
		if (ret != -ENOSPC || fatal_signal_pending(current))
			return ret;
		filemap_invalidate_unlock_shared(mapping);
		more = vmpool_reclaim(vm, p, 1, false);
		filemap_invalidate_lock_shared(mapping);
		if (!more)
			return ret;
	}
}

static vm_fault_t vmpool_vm_fault(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct vmpool_vm *vm = vmpool_file_vm(file);
	struct address_space *mapping = file->f_mapping;
	struct vmpool_place place;
	struct page *page;
	vm_fault_t ret;
	int err, read;
	u32 idx;

	if (vmf->pgoff >= vm->nr_pages)
		return VM_FAULT_SIGBUS;

	vmpool_place_fault(vm, vmf->vma, vmf->pgoff, &place);
	/*
	 * KVM's first try: it may do something else while the page is read
	 * (by a work, into a page of the VM's own node: not for a bound
	 * mapping, whose fault reads it into a page of its nodes).
	 */
	if ((vmf->flags & FAULT_FLAG_ALLOW_RETRY) &&
	    (vmf->flags & FAULT_FLAG_RETRY_NOWAIT) && !place.strict &&
	    vmpool_swap_in_nowait(vm, vmf->pgoff))
		return VM_FAULT_RETRY;

	atomic_inc(&vm->idle.faulting);
	/* Keeps hole punching out until the page is mapped. */
	filemap_invalidate_lock_shared(mapping);
	read = vmpool_vm_back(vm, &place, vmf->pgoff, &idx);
	if (read < 0) {
		ret = VM_FAULT_SIGBUS;
	} else {
		vmpool_idle_touched(vm, vmf->pgoff);
		page = pfn_to_page(vmpool_page_pfn(vm->pool, idx));
		err = vm_insert_page(vmf->vma, vmf->address, page);
		/*
		 * -EBUSY: another thread mapped it first; -ENOMEM with a PMD
		 * there: another thread mapped the whole extent (huge.c).
		 */
		if (!err || err == -EBUSY ||
		    (err == -ENOMEM && vmpool_vm_pmd_mapped(vmf)))
			ret = VM_FAULT_NOPAGE;
		else
			ret = vmf_error(err);
		/* Counted as the process's major fault. */
		if (read)
			ret |= VM_FAULT_MAJOR;
	}
	filemap_invalidate_unlock_shared(mapping);
	atomic_dec(&vm->idle.faulting);
	return ret;
}

/* A mapping split in two, or copied by fork() or mremap(). */
static void vmpool_vm_vma_open(struct vm_area_struct *vma)
{
	struct vmpool_vm *vm = vmpool_file_vm(vma->vm_file);

	/* Without an entry its pages are only ever faulted in. */
	(void)vmpool_premap_add(vm, vma->vm_mm);
}

static void vmpool_vm_vma_close(struct vm_area_struct *vma)
{
	struct vmpool_vm *vm = vmpool_file_vm(vma->vm_file);

	vmpool_premap_del(vm, vma->vm_mm);
}

static const struct vm_operations_struct vmpool_vm_ops = {
	.open = vmpool_vm_vma_open,
	.close = vmpool_vm_vma_close,
	.fault = vmpool_vm_fault,
#ifdef VMPOOL_PMD_FAULT
	.huge_fault = vmpool_vm_huge_fault,
#endif
};

static int vmpool_vm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vmpool_vm *vm = vmpool_file_vm(file);

	/* Guest memory is shared by definition: no private copies. */
	if (!vm || !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= vm->nr_pages ||
	    vma_pages(vma) > vm->nr_pages - vma->vm_pgoff)
		return -EINVAL;

	if (vmpool_premap_add(vm, vma->vm_mm))
		return -ENOMEM;
	/* VM_HUGEPAGE: 2 MiB mappings in the "madvise" mode of THP too. */
	vmpool_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP |
			    VM_HUGEPAGE);
	vma->vm_ops = &vmpool_vm_ops;
	return 0;
}

static long vmpool_vm_punch_hole(struct vmpool_vm *vm, struct inode *inode,
				 loff_t offset, loff_t len)
{
	struct address_space *mapping = inode->i_mapping;
	long ret;

	filemap_invalidate_lock(mapping);
	unmap_mapping_range(mapping, offset, len, 0);
	ret = vmpool_vm_release_range(vm, offset >> PAGE_SHIFT,
				      (offset + len) >> PAGE_SHIFT);
	filemap_invalidate_unlock(mapping);
	return ret;
}

static long vmpool_vm_allocate(struct vmpool_vm *vm, struct inode *inode,
			       loff_t offset, loff_t len)
{
	pgoff_t index, end = (offset + len) >> PAGE_SHIFT;
	struct vmpool_place place;
	long ret = 0;
	u32 idx;

	filemap_invalidate_lock_shared(inode->i_mapping);
	for (index = offset >> PAGE_SHIFT; index < end; index++) {
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		vmpool_place_fault(vm, NULL, index, &place);
		ret = vmpool_vm_back(vm, &place, index, &idx);
		if (ret < 0)
			break;
		ret = 0;
		/* In use from now on, as a faulted page is. */
		vmpool_idle_touched(vm, index);
		cond_resched();
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return ret;
}

/*
 * PUNCH_HOLE|KEEP_SIZE releases the range to the VM's dedicated pool (a
 * balloon inflate); 0 or KEEP_SIZE backs the range (a deflate, or a
 * prefault).  The file size never changes.
 */
static long vmpool_vm_fallocate(struct file *file, int mode, loff_t offset,
				loff_t len)
{
	struct vmpool_vm *vm = vmpool_file_vm(file);
	struct inode *inode = file_inode(file);
	long ret;

	if (!vm)
		return -EINVAL;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if (!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(len))
		return -EINVAL;
	if (offset + len > i_size_read(inode))
		return -EINVAL;

	/* Clearing set-id bits and updating times need the inode lock. */
	inode_lock(inode);
	ret = file_modified(file);
	if (ret)
		goto out;
	if (mode & FALLOC_FL_PUNCH_HOLE)
		ret = vmpool_vm_punch_hole(vm, inode, offset, len);
	else
		ret = vmpool_vm_allocate(vm, inode, offset, len);
out:
	inode_unlock(inode);
	return ret;
}

/**
 * vmpool_vm_fill_stats - describe a VM
 * @vm: the VM.
 * @st: filled in, but for its size and flags.
 *
 * Context: the pool lock held.
 */
void vmpool_vm_fill_stats(struct vmpool_vm *vm, struct vmpool_vm_stats *st)
{
	lockdep_assert_held(&vm->pool->lock);

	vmpool_cache_fold(vm);
	st->id = vm->slot;
	st->tenant = vmpool_tenant_legacy_id(vm->tenant);
	memcpy(st->tenant_uuid, vm->tenant->id.b, sizeof(st->tenant_uuid));
	st->vm_flags = vm->flags;
	st->reserved = 0;
	st->pages_held = vm->stats.pages_held;
	memcpy(st->name, vm->name, sizeof(st->name));
	st->mem_pages = vm->nr_pages;
	st->limit_pages = vm->limit;
	st->mapped_pages = vm->nr_mapped;
	/* With those of its cache that came from it. */
	st->dedicated_pages = vm->dedicated.count + vm->cache.own;
	st->faults_dedicated = vm->stats.faults_dedicated;
	st->faults_global = vm->stats.faults_global;
	st->bytes_zeroed = vm->stats.bytes_zeroed;
	st->pages_recycled = vm->stats.pages_recycled;
	st->pages_released = vm->stats.pages_released;
	st->pages_swapped = vm->nr_swapped;
	st->pages_out = vm->stats.pages_out;
	st->pages_in = vm->stats.pages_in;
	st->store_errors = vm->stats.store_errors;
	st->store_writes = vm->stats.store_writes;
	st->store_reads = vm->stats.store_reads;
	st->idle_limit_pages = READ_ONCE(vm->idle.limit);
	st->idle_pages_out = vm->stats.idle_pages_out;
	st->prefetched_pages = vm->stats.prefetched_pages;
	st->prefetch_used = atomic_long_read(&vm->idle.prefetch_used);
	st->prefetch_wasted = vm->stats.prefetch_wasted;
	st->major_faults = vm->stats.major_faults;
	st->shortages = vm->stats.shortages;
	st->shortage_failures = vm->stats.shortage_failures;
	st->pages_given = vm->stats.pages_given;
	st->pages_given_running = vm->stats.pages_given_running;
	st->premapped_pages = vm->stats.premapped_pages;
	st->nowait_faults = vm->stats.nowait_faults;
	st->clean_pages = vm->nr_clean;
	st->pages_out_clean = vm->stats.pages_out_clean;
	st->promised_pages = vm->nr_reserved + vm->nr_arriving;
	st->leaving_pages = vm->nr_leaving;
	st->node = vm->node;
	st->reserved3 = 0;
	st->numa_hits = vm->stats.numa_hits;
	st->numa_misses = vm->stats.numa_misses;
	st->huge_pages = (u64)vm->nr_huge * VMPOOL_BLOCK_PAGES;
	st->pmd_faults = atomic_long_read(&vm->pmd_faults);
	st->cache_faults = vm->stats.cache_faults;
	st->cache_refills = vm->stats.cache_refills;
	vmpool_sched_fill_stats(vm, st);
}

static long vmpool_vm_ioctl_stats(struct vmpool_vm *vm,
				  struct vmpool_vm_stats __user *uarg)
{
	struct vmpool_vm_stats st;
	int ret;

	/* A new member comes with a new size in the uapi header. */
	BUILD_BUG_ON(sizeof(st) != VMPOOL_VM_STATS_SIZE_VER12);
	ret = vmpool_copy_args_from_user(&st, sizeof(st),
					 VMPOOL_VM_STATS_SIZE_VER0, 0,
					 uarg);
	if (ret)
		return ret;

	mutex_lock(&vm->pool->lock);
	vmpool_vm_fill_stats(vm, &st);
	mutex_unlock(&vm->pool->lock);

	return vmpool_copy_args_to_user(uarg, &st, sizeof(st));
}

static long vmpool_vm_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct vmpool_vm *vm = vmpool_file_vm(file);

	if (!vm)
		return -ENXIO;
	switch (cmd) {
	case VMPOOL_VM_GET_STATS:
		return vmpool_vm_ioctl_stats(vm, (void __user *)arg);
	case VMPOOL_VM_ATTACH:
	case VMPOOL_VM_DETACH:
		return vmpool_vm_ioctl_attach(vm, cmd, (void __user *)arg);
	case VMPOOL_VM_LIST_TASKS:
		return vmpool_vm_ioctl_list_tasks(vm, (void __user *)arg);
	case VMPOOL_VM_PAGE_OUT:
		return vmpool_vm_ioctl_page_out(vm, file, (void __user *)arg);
	case VMPOOL_VM_SET_IDLE_LIMIT:
		return vmpool_vm_ioctl_idle_limit(vm, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

/**
 * vmpool_is_vm_file - whether a file is a VM
 * @file: the file.
 *
 * Return: true for a VM file.
 */
bool vmpool_is_vm_file(const struct file *file)
{
	return file->f_op == &vmpool_vm_fops ||
	       file->f_op == &vmpool_mounted_vm_fops;
}

/* A reopen through /proc/self/fd/N: a new file for the same, live, VM. */
static int vmpool_vm_open(struct inode *inode, struct file *file)
{
	struct vmpool_vm *vm = inode->i_private;

	if (!refcount_inc_not_zero(&vm->users))
		return -ENXIO;
	file->private_data = vm;
	file->f_flags |= O_LARGEFILE;
	return 0;
}

static int vmpool_vm_release(struct inode *inode, struct file *file)
{
	struct vmpool_vm *vm = file->private_data;

	if (refcount_dec_and_test(&vm->users)) {
		vmpool_vm_close(vm);
		/* Files and O_PATH references hold mounts of their own. */
		simple_release_fs(&vmpool_mnt, &vmpool_mnt_count);
	}
	return 0;
}

/*
 * Mappings of guest memory start at 2 MiB boundaries where their length and
 * offset allow, as device-dax and hugetlbfs mappings do: the first step to
 * mapping 2 MiB extents whole.
 */
static const struct file_operations vmpool_vm_fops = {
	.owner		= THIS_MODULE,
	.open		= vmpool_vm_open,
	.release	= vmpool_vm_release,
	.get_unmapped_area = thp_get_unmapped_area,
	.mmap		= vmpool_vm_mmap,
	.fallocate	= vmpool_vm_fallocate,
	.unlocked_ioctl	= vmpool_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= generic_file_llseek,
};

/*
 * Files of a vmpool mount: the inode holds the VM, from the moment its size
 * is set until it is evicted, so opening and closing it count nothing.
 */
const struct file_operations vmpool_mounted_vm_fops = {
	.owner		= THIS_MODULE,
	.get_unmapped_area = thp_get_unmapped_area,
	.mmap		= vmpool_vm_mmap,
	.fallocate	= vmpool_vm_fallocate,
	.unlocked_ioctl	= vmpool_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= generic_file_llseek,
};

/* The size of guest memory is fixed at creation. */
static int vmpool_vm_setattr(vmpool_idmap *idmap, struct dentry *dentry,
			     struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);

	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != i_size_read(inode))
		return -EINVAL;
	attr->ia_valid &= ~ATTR_SIZE;
	return simple_setattr(idmap, dentry, attr);
}

static const struct inode_operations vmpool_vm_iops = {
	.setattr = vmpool_vm_setattr,
	.getattr = simple_getattr,
};

/**
 * vmpool_vm_from_file - the VM behind a file, if it is a VM file
 * @file: any file.
 *
 * Context: any context; the caller holds a reference to @file.
 * Return: the VM, or NULL if @file is not a VM file or is a file of a
 * vmpool mount whose size is not set yet.
 */
struct vmpool_vm *vmpool_vm_from_file(struct file *file)
{
	return vmpool_is_vm_file(file) ? vmpool_file_vm(file) : NULL;
}

static struct file *vmpool_vm_make_file(struct vmpool_vm *vm,
					struct vmpool_vm_create *args)
{
	loff_t size = args->mem_size;
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(vmpool_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	inode->i_mode |= S_IFREG;
	if (args->flags & VMPOOL_VM_SET_OWNER) {
		/* Validated by the caller. */
		inode->i_uid = make_kuid(current_user_ns(), args->uid);
		inode->i_gid = make_kgid(current_user_ns(), args->gid);
		inode->i_mode = S_IFREG | args->mode;
	}
	inode->i_op = &vmpool_vm_iops;
	inode->i_fop = &vmpool_vm_fops;
	inode->i_private = vm;
	i_size_write(inode, size);
	vm->inode = inode;

	/* The file's release drops this; alloc_file_pseudo() takes none. */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, vmpool_mnt, "vmpool-vm", O_RDWR,
				 &vmpool_vm_fops);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		/* The inode must not free the VM: the caller still owns it. */
		inode->i_private = NULL;
		vm->inode = NULL;
		iput(inode);
		return file;
	}
	file->private_data = vm;
	file->f_flags |= O_LARGEFILE;
	return file;
}

/**
 * vmpool_vm_new - create a VM with no file yet
 * @pool: the pool the VM draws from.
 * @args: validated creation arguments (@mem_size, @reserve_pages,
 *	@limit_pages, @flags and @name are used).
 * @tenant_id: the tenant's 128-bit id.
 *
 * The caller gives the VM its inode, then publishes it in @inode->i_private;
 * on failure after this, vmpool_vm_destroy() and vmpool_vm_put() undo it.
 *
 * Context: process context, may sleep.
 * Return: the VM, with one user; ERR_PTR(-ENOMEM), ERR_PTR(-ENOSPC) if the
 * global pool holds fewer than @reserve_pages free pages or too many VMs
 * or tenants exist, or ERR_PTR(-EINTR).
 */
struct vmpool_vm *vmpool_vm_new(struct vmpool_pool *pool,
				const struct vmpool_vm_create *args,
				const uuid_t *tenant_id)
{
	unsigned long nr_pages = args->mem_size >> PAGE_SHIFT;
	struct vmpool_tenant *tenant;
	struct vmpool_vm *vm;
	u32 slot;
	int ret;

	ret = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	/* Sized by userspace: a failure is its -ENOMEM, not a kernel warning. */
	vm->map = kvmalloc_array(nr_pages, sizeof(*vm->map),
				 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!vm->map)
		goto err_free_vm;
	memset(vm->map, 0xff, nr_pages * sizeof(*vm->map));
	vm->pool = pool;
	vm->nr_pages = nr_pages;
	if (vmpool_idle_init(vm) ||
	    vmpool_nlist_init(&vm->dedicated, GFP_KERNEL_ACCOUNT))
		goto err_free_idle;
	vm->huge = bitmap_zalloc(DIV_ROUND_UP(nr_pages, VMPOOL_BLOCK_PAGES),
				 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	vm->whole = bitmap_zalloc(pool->nr_blocks + 1,
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!vm->huge || !vm->whole)
		goto err_free_idle;
	vm->limit = args->limit_pages ?: nr_pages;
	vm->flags = args->flags;
	vm->node = args->flags & VMPOOL_VM_NODE ? args->node : NUMA_NO_NODE;
	refcount_set(&vm->users, 1);
	refcount_set(&vm->refs, 1);
	INIT_LIST_HEAD(&vm->close_node);
	mutex_init(&vm->swap_lock);
	xa_init(&vm->clean);
	vmpool_cache_init(vm);
	strscpy(vm->name, args->name, sizeof(vm->name));

	mutex_lock(&pool->lock);
	tenant = vmpool_tenant_get(pool, tenant_id);
	if (IS_ERR(tenant)) {
		ret = PTR_ERR(tenant);
		goto err_unlock;
	}
	vm->tenant = tenant;
	ret = xa_alloc(&pool->vms, &slot, vm, XA_LIMIT(1, VMPOOL_MAX_SLOT),
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto err_put_tenant;
	}
	vm->slot = slot;
	mutex_unlock(&pool->lock);

	ret = vmpool_grow(vm, args->reserve_pages);
	if (ret) {
		vmpool_vm_destroy(vm);
		vmpool_vm_put(vm);
		return ERR_PTR(ret);
	}
	return vm;

err_put_tenant:
	vmpool_tenant_put(pool, tenant);
err_unlock:
	mutex_unlock(&pool->lock);
err_free_idle:
	vmpool_idle_free(vm);
	vmpool_nlist_destroy(&vm->dedicated);
	bitmap_free(vm->huge);
	bitmap_free(vm->whole);
	kvfree(vm->map);
err_free_vm:
	kfree(vm);
	return ERR_PTR(ret);
}

/**
 * vmpool_vm_create - create a VM and install its file descriptor
 * @pool: the pool the VM draws from.
 * @args: validated creation arguments.
 * @tenant_id: the tenant's 128-bit id.
 *
 * Context: process context, may sleep.
 * Return: the new file descriptor, or a negative errno (see
 * %VMPOOL_VM_CREATE).
 */
int vmpool_vm_create(struct vmpool_pool *pool, struct vmpool_vm_create *args,
		     const uuid_t *tenant_id)
{
	struct vmpool_vm *vm;
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	/* Dropped when the VM is destroyed, or below. */
	ret = simple_pin_fs(&vmpool_anon_fs_type, &vmpool_mnt,
			    &vmpool_mnt_count);
	if (ret)
		goto err_put_fd;

	vm = vmpool_vm_new(pool, args, tenant_id);
	if (IS_ERR(vm)) {
		ret = PTR_ERR(vm);
		goto err_release_fs;
	}

	file = vmpool_vm_make_file(vm, args);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		vmpool_vm_destroy(vm);
		vmpool_vm_put(vm);
		goto err_release_fs;
	}
	fd_install(fd, file);
	return fd;

err_release_fs:
	simple_release_fs(&vmpool_mnt, &vmpool_mnt_count);
err_put_fd:
	put_unused_fd(fd);
	return ret;
}

static void vmpool_evict_inode(struct inode *inode)
{
	struct vmpool_vm *vm = inode->i_private;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (vm)
		vmpool_vm_put(vm);
}

static const struct super_operations vmpool_sops = {
	.statfs		= simple_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= vmpool_evict_inode,
};

static int vmpool_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, VMPOOL_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &vmpool_sops;
	return 0;
}

static struct file_system_type vmpool_anon_fs_type = {
	.owner		 = THIS_MODULE,
	.name		 = "vmpool_anon",
	.init_fs_context = vmpool_init_fs_context,
	.kill_sb	 = kill_anon_super,
};
