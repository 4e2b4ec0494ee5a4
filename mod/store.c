// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the backing store of paged-out guest memory.
 *
 * The operator gives the pool a regular file or a block device
 * (VMPOOL_SET_STORE); the module keeps its own reference.  Each page of the
 * store is a slot for one guest page, handed out from a bitmap under the
 * pool lock.  A slot is only ever read through the page map entry of the
 * VM that wrote it, and is freed when that entry goes (read back, hole
 * punched, VM closed), so no VM reads a slot it did not write.
 *
 * I/O goes through the store's own read_iter and write_iter, a page at a
 * time from a bio_vec (direct I/O if the operator opened it O_DIRECT), and
 * never under the pool lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "vmpool.h"

/* The store @file names: checked and sized; 0 or a negative errno. */
static int vmpool_store_check(struct file *file, unsigned long *nr_slots)
{
	struct inode *inode = file_inode(file);
	loff_t size;

	if ((file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE))
		return -EBADF;
	if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode))
		return -EINVAL;
	/* Guest memory cannot hold guest memory. */
	if (vmpool_is_vm_file(file))
		return -EINVAL;
	/* For a block device, the size of the device. */
	size = i_size_read(file->f_mapping->host);
	if (size < PAGE_SIZE)
		return -EINVAL;
	*nr_slots = min_t(u64, size >> PAGE_SHIFT, VMPOOL_STORE_MAX_SLOTS);
	return 0;
}

/**
 * vmpool_ioctl_set_store - %VMPOOL_SET_STORE
 * @pool: the pool.
 * @uarg: the &struct vmpool_store.
 *
 * Context: process context, may sleep; takes the pool lock.
 * Return: 0 or a negative errno, as the uapi header says.
 */
long vmpool_ioctl_set_store(struct vmpool_pool *pool,
			    struct vmpool_store __user *uarg)
{
	struct vmpool_backing *st = &pool->store;
	unsigned long *used = NULL, nr_slots = 0;
	struct file *file = NULL, *old;
	struct vmpool_store args;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_STORE_SIZE_VER0, 0, uarg);
	if (ret)
		return ret;
	if (args.reserved || args.nr_slots || args.fd < -1)
		return -EINVAL;

	if (args.fd >= 0) {
		file = fget(args.fd);
		if (!file)
			return -EBADF;
		ret = vmpool_store_check(file, &nr_slots);
		if (ret)
			goto out_put;
		used = kvcalloc(BITS_TO_LONGS(nr_slots), sizeof(*used),
				GFP_KERNEL_ACCOUNT);
		if (!used) {
			ret = -ENOMEM;
			goto out_put;
		}
	}

	mutex_lock(&pool->lock);
	if (st->nr_used) {
		mutex_unlock(&pool->lock);
		ret = -EBUSY;
		goto out_free;
	}
	old = st->file;
	swap(st->used, used);
	st->file = file;
	st->nr_slots = nr_slots;
	st->next = 0;
	mutex_unlock(&pool->lock);
	/* The old store's, now. */
	file = old;

	args.nr_slots = nr_slots;
	ret = vmpool_copy_args_to_user(uarg, &args, sizeof(args));
out_free:
	kvfree(used);
out_put:
	if (file)
		fput(file);
	return ret;
}

/**
 * vmpool_store_release - drop the store when the module goes
 * @pool: the pool; no VM is left, so no slot is used.
 */
void vmpool_store_release(struct vmpool_pool *pool)
{
	struct vmpool_backing *st = &pool->store;

	WARN_ON(st->nr_used);
	if (st->file)
		fput(st->file);
	kvfree(st->used);
	memset(st, 0, sizeof(*st));
}

/**
 * vmpool_store_get_slot - take a free slot of the store
 * @pool: the pool.
 * @slot: receives the slot.
 *
 * Context: the pool lock held.
 * Return: 0; -ENODEV if there is no store; -ENOSPC if it is full.
 */
int vmpool_store_get_slot(struct vmpool_pool *pool, u32 *slot)
{
	struct vmpool_backing *st = &pool->store;
	unsigned long s;

	lockdep_assert_held(&pool->lock);
	if (!st->file)
		return -ENODEV;
	if (st->nr_used == st->nr_slots)
		return -ENOSPC;
	s = find_next_zero_bit(st->used, st->nr_slots, st->next);
	if (s >= st->nr_slots)
		s = find_first_zero_bit(st->used, st->nr_slots);
	__set_bit(s, st->used);
	st->nr_used++;
	st->next = s + 1;
	*slot = s;
	return 0;
}

/**
 * vmpool_store_put_slot - free a slot of the store
 * @pool: the pool.
 * @slot: a slot taken with vmpool_store_get_slot().
 *
 * Context: the pool lock held.
 */
void vmpool_store_put_slot(struct vmpool_pool *pool, u32 slot)
{
	struct vmpool_backing *st = &pool->store;

	lockdep_assert_held(&pool->lock);
	if (WARN_ON_ONCE(slot >= st->nr_slots || !test_bit(slot, st->used)))
		return;
	__clear_bit(slot, st->used);
	st->nr_used--;
}

/**
 * vmpool_store_io - read or write one page at a slot of the store
 * @store: the store's file, with a reference the caller holds.
 * @slot: the slot.
 * @page: the page.
 * @write: write @page to the slot, else read the slot into it.
 *
 * Context: process context, may sleep; no vmpool lock but the VM's
 * invalidate lock or swap lock held.
 * Return: 0, or a negative errno (-EIO for a short transfer).
 */
int vmpool_store_io(struct file *store, u32 slot, struct page *page,
		    bool write)
{
	struct bio_vec bv;
	struct iov_iter iter;
	loff_t pos = (loff_t)slot << PAGE_SHIFT;
	ssize_t n;

	bvec_set_page(&bv, page, PAGE_SIZE, 0);
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, &bv, 1, PAGE_SIZE);
	if (write)
		n = vfs_iter_write(store, &iter, &pos, 0);
	else
		n = vfs_iter_read(store, &iter, &pos, 0);
	if (n < 0)
		return n;
	return n == PAGE_SIZE ? 0 : -EIO;
}
