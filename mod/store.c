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
 * I/O goes through the store's own read_iter and write_iter, as
 * asynchronous kiocbs that the caller starts and later waits for (never
 * under the pool lock), so that it may keep several in flight, from
 * bio_vecs of whole pages at consecutive slots: direct I/O whenever the
 * store can take it, whether or not the operator opened it O_DIRECT, so
 * that a page goes to the device with no copy in a page cache; else
 * buffered, each write a data-sync write.  Slots are taken in runs, so
 * that consecutive guest pages go out, and come back, in one I/O.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
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
					 VMPOOL_STORE_SIZE_VER0,
					 VMPOOL_STORE_ENCRYPT, uarg);
	if (ret)
		return ret;
	if (args.reserved || args.nr_slots || args.fd < -1 ||
	    (args.fd < 0 && args.flags))
		return -EINVAL;
	if (args.flags & VMPOOL_STORE_ENCRYPT) {
		ret = vmpool_crypt_check();
		if (ret)
			return ret;
	}

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

	/* Closed VMs free their slots as their memory comes back. */
	vmpool_close_settle(pool);
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
	st->encrypt = args.flags & VMPOOL_STORE_ENCRYPT;
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
 * vmpool_store_get_slots - take consecutive free slots of the store
 * @pool: the pool.
 * @n: slots wanted, at least 1.
 * @slot: receives the first slot taken.
 *
 * Takes the longest run of at most @n free slots it finds first: @n if
 * there is such a run, else fewer.
 *
 * Context: the pool lock held.
 * Return: slots taken, from 1 to @n; -ENODEV if there is no store;
 * -ENOSPC if it is full.
 */
int vmpool_store_get_slots(struct vmpool_pool *pool, unsigned int n,
			   u32 *slot)
{
	struct vmpool_backing *st = &pool->store;
	unsigned long s;

	lockdep_assert_held(&pool->lock);
	if (!st->file)
		return -ENODEV;
	if (st->nr_used == st->nr_slots)
		return -ENOSPC;
	/* A free slot exists, so a run of 1 at least is found. */
	for (;; n /= 2) {
		s = bitmap_find_next_zero_area(st->used, st->nr_slots, st->next,
					       n, 0);
		if (s >= st->nr_slots)
			s = bitmap_find_next_zero_area(st->used, st->nr_slots,
						       0, n, 0);
		if (s < st->nr_slots)
			break;
	}
	bitmap_set(st->used, s, n);
	st->nr_used += n;
	st->next = s + n;
	*slot = s;
	return n;
}

/**
 * vmpool_store_put_slot - free a slot of the store
 * @pool: the pool.
 * @slot: a slot taken with vmpool_store_get_slots().
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

/*
 * Whether the store takes direct I/O of whole pages at page-aligned
 * offsets: a block device whose logical blocks are no larger than a page,
 * or a file whose file system does direct I/O.  A file system whose
 * direct_IO is noop_direct_IO only lets O_DIRECT opens through and hands
 * the I/O on to another file, which may not take it (6.1's overlayfs over
 * tmpfs fails it with -EINVAL): its page cache it is.
 */
static bool vmpool_store_direct(struct file *store)
{
	const struct address_space_operations *aops = store->f_mapping->a_ops;

	if (!(store->f_mode & FMODE_CAN_ODIRECT) ||
	    (aops && aops->direct_IO == noop_direct_IO))
		return false;
	if (S_ISBLK(file_inode(store)->i_mode))
		return bdev_logical_block_size(vmpool_file_bdev(store)) <=
		       PAGE_SIZE;
	return true;
}

/*
 * ->ki_complete of the store's I/O: the store's answer to an I/O it
 * queued (-EIOCBQUEUED), maybe in interrupt context.  The waiter may free
 * @iocb as soon as it is completed.
 */
static void vmpool_store_io_complete(struct kiocb *iocb, long ret)
{
	struct vmpool_store_io *io = container_of(iocb, struct vmpool_store_io,
						  iocb);

	if (io->end_write)
		kiocb_end_write(iocb);
	io->ret = ret;
	complete(&io->done);
}

/*
 * Start write @io to the store through its write_iter, with the freeze
 * protection vfs_iter_write() would take for a regular file, held until
 * the write completes.  With @nowait, -EAGAIN rather than wait for a
 * freeze, as for a write with IOCB_NOWAIT: the caller may be a fault that
 * holds write access to that file system itself (a write(2) from guest
 * memory), which the freeze waits for.
 */
static ssize_t vmpool_store_write(struct vmpool_store_io *io, bool nowait)
{
	struct kiocb *iocb = &io->iocb;
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	if (S_ISREG(inode->i_mode)) {
		if (!nowait) {
			kiocb_start_write(iocb);
		} else {
			if (!sb_start_write_trylock(inode->i_sb))
				return -EAGAIN;
			/* As kiocb_start_write(): dropped at completion. */
			__sb_writers_release(inode->i_sb, SB_FREEZE_WRITE);
		}
		io->end_write = true;
	}
	ret = iocb->ki_filp->f_op->write_iter(iocb, &io->iter);
	/* Not queued: no completion comes. */
	if (ret != -EIOCBQUEUED && io->end_write)
		kiocb_end_write(iocb);
	return ret;
}

/**
 * vmpool_store_submit - start reading or writing pages at consecutive
 *	slots of the store
 * @io: room for the I/O, until vmpool_store_wait() returns.
 * @store: the store's file, with a reference the caller holds until then.
 * @tfm: the key of the tenant of the pages if the store is encrypted
 *	(crypt.c), else NULL.
 * @slot: the first slot.
 * @bv: the pages, a whole page each; untouched by the caller until then.
 * @n: how many.
 * @write: write the pages to the slots, else read the slots into them.
 * @nowait: for a write: -EAGAIN rather than wait for a freeze of the
 *	store's file system.
 *
 * One asynchronous I/O through the store's read_iter or write_iter:
 * direct I/O if the store can take it (whatever the operator opened it
 * with), else through its page cache, where a write is a data-sync
 * write, so that the device's answer is waited for and a write error
 * comes back while the pages are still resident, not later from
 * writeback when they are gone (direct I/O tells device errors at
 * completion).  The store may complete it before this returns (a page
 * cache does); vmpool_store_wait() ends it either way, and tells its
 * result, errors of the submission included.
 *
 * Context: process context, may sleep; no vmpool lock but the VM's
 * invalidate lock or swap lock held.
 */
void vmpool_store_submit(struct vmpool_store_io *io, struct file *store,
			 struct crypto_sync_skcipher *tfm, u32 slot,
			 struct bio_vec *bv, unsigned int n, bool write,
			 bool nowait)
{
	ssize_t ret;

	*io = (struct vmpool_store_io) {
		.iocb = {
			.ki_filp = store,
			.ki_pos = (loff_t)slot << PAGE_SHIFT,
			.ki_complete = vmpool_store_io_complete,
			.ki_ioprio = get_current_ioprio(),
		},
		.tfm = tfm,
		.bv = bv,
		.sealed = bv,
		.slot = slot,
		.n = n,
		.write = write,
	};
	init_completion(&io->done);
	if (write ? !store->f_op->write_iter : !store->f_op->read_iter) {
		io->ret = -EINVAL;
		return;
	}
	if (tfm && write) {
		io->sealed = vmpool_crypt_seal(tfm, slot, bv, n);
		if (IS_ERR(io->sealed)) {
			io->ret = PTR_ERR(io->sealed);
			io->sealed = bv;
			return;
		}
	}
	if (vmpool_store_direct(store))
		io->iocb.ki_flags |= IOCB_DIRECT;
	iov_iter_bvec(&io->iter, write ? ITER_SOURCE : ITER_DEST, io->sealed,
		      n, (size_t)n << PAGE_SHIFT);
	if (write) {
		io->iocb.ki_flags |= IOCB_WRITE;
		if (!(io->iocb.ki_flags & IOCB_DIRECT))
			io->iocb.ki_flags |= IOCB_DSYNC;
		ret = vmpool_store_write(io, nowait);
	} else {
		ret = store->f_op->read_iter(&io->iocb, &io->iter);
	}
	/*
	 * Queued, maybe completed already (@io->ret is the completion's
	 * then); else (a page cache) done here, and no completion comes.
	 */
	io->queued = ret == -EIOCBQUEUED;
	if (!io->queued)
		io->ret = ret;
}

/**
 * vmpool_store_wait - wait for an I/O of the store to end
 * @io: an I/O vmpool_store_submit() started.
 *
 * It may have transferred fewer pages than asked (a store running out of
 * space): the caller goes on with the rest, and the next I/O tells the
 * error, if any.
 *
 * Context: process context, may sleep; the locks held at the submission.
 * Return: the pages transferred whole, at least 1; or a negative errno
 * (-EIO if not even one page went through and no error was given; never
 * -ENOSPC for a read, which callers take for a lack of pages).
 */
int vmpool_store_wait(struct vmpool_store_io *io)
{
	long done = io->ret;
	int ret;

	if (io->queued) {
		wait_for_completion_io(&io->done);
		done = io->ret;
	}
	if (io->sealed != io->bv)
		vmpool_crypt_free(io->sealed, io->n);
	if (done == -ENOSPC && !io->write)
		return -EIO;
	if (done < 0)
		return done;
	if (done < PAGE_SIZE)
		return -EIO;
	if (io->tfm && !io->write) {
		ret = vmpool_crypt_open(io->tfm, io->slot, io->bv,
					done >> PAGE_SHIFT);
		if (ret)
			return ret;
	}
	return done >> PAGE_SHIFT;
}
