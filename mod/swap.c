// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: paging guest memory out to the store and back.
 *
 * Page-out (VMPOOL_VM_PAGE_OUT) holds the VM's invalidate lock exclusive,
 * as hole punching does: no fault can map a page of the range meanwhile.
 * It zaps the range from every page table (KVM's stage-2 tables follow
 * through its MMU notifier), then takes runs of up to %VMPOOL_SWAP_BATCH
 * consecutive backed pages that nothing else references, writes each run
 * to consecutive slots with one I/O, outside the pool lock, and only then
 * replaces the page map entries by the slots and releases the pages.  A
 * failed write leaves the run where it was.
 *
 * Page-in is a fault on a page whose entry is a slot, or the prefetch:
 * under the VM's swap lock (one read back at a time per VM; faults on
 * resident pages go on) it takes a page the VM may see for each guest page
 * of a run at consecutive slots (one page for a fault, up to
 * %VMPOOL_SWAP_BATCH for the prefetch), keeps them in transit while the
 * slots are read into them with one I/O outside the pool lock, then maps
 * them and frees the slots.  A failed read leaves the entries alone: the
 * data stays in the store, and the access gets SIGBUS.
 *
 * A fault that may not wait (FAULT_FLAG_RETRY_NOWAIT: KVM's first try,
 * which can then give the vCPU something else to do with an asynchronous
 * page fault) only queues the read, to a work of the VM, and returns
 * VM_FAULT_RETRY; the fault that comes back for the page waits for the
 * read under the swap lock, or makes it itself if it comes first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "vmpool.h"

/* Pages with a clean copy sent out under one hold of the pool lock. */
#define VMPOOL_CLEAN_BATCH	256

static struct page *vmpool_pool_page(struct vmpool_pool *pool, u32 idx)
{
	return pfn_to_page(vmpool_page_pfn(pool, idx));
}

/**
 * vmpool_vm_drop_swapped_locked - forget the stored data of a guest page
 * @vm: the VM.
 * @index: a guest page whose entry is a store slot.
 *
 * The slot is freed; the guest page becomes a hole.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_vm_drop_swapped_locked(struct vmpool_vm *vm, pgoff_t index)
{
	vmpool_store_put_slot(vm->pool, vm->map[index] & ~VMPOOL_SWAP_TAG);
	vm->map[index] = VMPOOL_NONE;
	vm->nr_swapped--;
}

/*
 * Move page @idx, which @vm owns and which is on no list, into transit
 * (or out of it): while its data is read, the audit counts it there.
 */
static void vmpool_swap_transit(struct vmpool_vm *vm, u32 idx, bool enter)
{
	struct vmpool_pool *pool = vm->pool;

	if (enter) {
		__clear_bit(idx, pool->owned);
		pool->owner[idx] = 0;
		pool->nr_transit++;
		vm->nr_transit++;
	} else {
		__set_bit(idx, pool->owned);
		pool->owner[idx] = vm->slot;
		pool->nr_transit--;
		vm->nr_transit--;
	}
}

/*
 * Read guest pages back from the store, from @index on: the run of at
 * most @max consecutive guest pages at consecutive slots (and set in
 * @want, if given), with one I/O into pages taken for them (their pool
 * indices in @idx, their bio_vecs in @bv).
 *
 * Return: pages read back, at least 1; -ENODATA if guest page @index is
 * not in the store; -ENOSPC if no page is left for @vm; the errno of a
 * failed read.
 */
static int vmpool_swap_in_run(struct vmpool_vm *vm, pgoff_t index,
			      unsigned int max, const unsigned long *want,
			      u32 *idx, struct bio_vec *bv, bool prefetch)
{
	struct vmpool_pool *pool = vm->pool;
	struct crypto_sync_skcipher *tfm;
	struct file *store;
	unsigned int n = 0, i;
	u32 entry, slot;
	int ret;

	mutex_lock(&vm->swap_lock);
	mutex_lock(&pool->lock);
	entry = vm->map[index];
	if (!vmpool_entry_swapped(entry)) {
		/* Another fault read it back meanwhile, or it was punched. */
		ret = -ENODATA;
		goto unlock;
	}
	slot = entry & ~VMPOOL_SWAP_TAG;
	do {
		if (n && (vm->map[index + n] != ((slot + n) | VMPOOL_SWAP_TAG) ||
			  (want && !test_bit(index + n, want))))
			break;
		ret = vmpool_vm_take_locked(vm, &idx[n], true);
		if (ret)
			break;
		vmpool_swap_transit(vm, idx[n], true);
		bvec_set_page(&bv[n], vmpool_pool_page(pool, idx[n]), PAGE_SIZE,
			      0);
	} while (++n < max && index + n < vm->nr_pages);
	if (!n)
		goto unlock;
	store = get_file(pool->store.file);
	/* The key its VM wrote the slots with: it lives as long as the VM. */
	tfm = pool->store.encrypt ? vm->tenant->crypt : NULL;
	mutex_unlock(&pool->lock);

	if (pool->store.encrypt && !tfm)
		ret = -EIO;
	else
		ret = vmpool_store_rw(store, tfm, slot, bv, n, false, false);
	fput(store);

	mutex_lock(&pool->lock);
	vm->stats.store_reads++;
	for (i = 0; i < n; i++) {
		vmpool_swap_transit(vm, idx[i], false);
		if (ret < 0 || i >= ret) {
			/* Zeros or this VM's data, maybe of another page. */
			vmpool_vm_release_stale_page(vm, idx[i]);
			continue;
		}
		/* The slot stays, as the clean copy, while it may. */
		vm->map[index + i] = VMPOOL_NONE;
		vm->nr_swapped--;
		if (!vmpool_clean_keep_locked(vm, index + i, slot + i,
					      bv[i].bv_page))
			vmpool_store_put_slot(pool, slot + i);
		vmpool_vm_map_locked(vm, index + i, idx[i]);
	}
	if (ret < 0) {
		vm->stats.store_errors++;
		pr_err_ratelimited("VM %u: reading page %lu back from the store: %d\n",
				   vm->slot, index, ret);
		goto unlock;
	}
	vm->stats.pages_in += ret;
	if (!prefetch)
		vm->stats.major_faults++;
unlock:
	mutex_unlock(&pool->lock);
	mutex_unlock(&vm->swap_lock);
	return ret;
}

/**
 * vmpool_swap_in - read a guest page back from the store for a fault
 * @vm: the VM.
 * @index: the guest page.
 * @idx: receives the pool index of the page now backing it.
 *
 * Context: a fault; the VM's invalidate lock held shared.  Takes the
 * VM's swap lock and the pool lock; reads the store with neither of the
 * pool's locks held.
 * Return: 1 if it read the page back, 0 if it did not have to (read back
 * meanwhile, or punched); -ENOSPC if no page is left for @vm; the errno of
 * a failed read (the data stays in the store).
 */
int vmpool_swap_in(struct vmpool_vm *vm, pgoff_t index, u32 *idx)
{
	struct bio_vec bv;
	int ret;

	ret = vmpool_swap_in_run(vm, index, 1, NULL, idx, &bv, false);
	/* Read back by another fault, or punched: back it as usual. */
	if (ret == -ENODATA)
		return vmpool_vm_populate(vm, index, idx);
	return ret < 0 ? ret : 1;
}

/**
 * vmpool_swap_in_nowait - queue the read of a guest page for a fault
 * @vm: the VM.
 * @index: the guest page, faulted by an access that may not wait.
 *
 * Context: a fault with FAULT_FLAG_RETRY_NOWAIT; takes the pool lock only
 * if the page's data is in the store.
 * Return: true if the page's data is in the store: its read is queued,
 * and the fault should return VM_FAULT_RETRY; false otherwise.
 */
bool vmpool_swap_in_nowait(struct vmpool_vm *vm, pgoff_t index)
{
	struct vmpool_pool *pool = vm->pool;

	/*
	 * A hint, without the pool lock, which the fault takes anyway when
	 * the page is not in the store: KVM tries every page this way
	 * first.  A page read back meanwhile costs one retry.
	 */
	if (!vmpool_entry_swapped(READ_ONCE(vm->map[index])))
		return false;
	mutex_lock(&pool->lock);
	vm->stats.nowait_faults++;
	mutex_unlock(&pool->lock);
	if (!test_and_set_bit(index, vm->idle.nowait))
		queue_work(system_unbound_wq, &vm->idle.nowait_work);
	return true;
}

/**
 * vmpool_swap_nowait_work - read back the pages faults may not wait for
 * @work: &vmpool_idle.nowait_work of the VM.
 *
 * Context: a work; the VM lives until vmpool_idle_stop() cancels it.
 */
void vmpool_swap_nowait_work(struct work_struct *work)
{
	struct vmpool_idle *idle = container_of(work, struct vmpool_idle,
					       nowait_work);
	struct vmpool_vm *vm = container_of(idle, struct vmpool_vm, idle);
	struct address_space *mapping = vm->inode->i_mapping;
	unsigned long index;
	struct bio_vec bv;
	u32 idx;

	filemap_invalidate_lock_shared(mapping);
	for_each_set_bit(index, idle->nowait, vm->nr_pages) {
		clear_bit(index, idle->nowait);
		/*
		 * Read back already, punched or no page for it: the fault
		 * that comes back does what it must, and tells the errors.
		 */
		vmpool_swap_in_run(vm, index, 1, NULL, &idx, &bv, false);
		cond_resched();
	}
	filemap_invalidate_unlock_shared(mapping);
}

/**
 * vmpool_swap_in_batch - read guest pages back ahead of an activation
 * @vm: the VM.
 * @index: the first guest page.
 * @want: the pages to read; the run read from @index stops at the first
 *	page not set in it.
 * @b: room for the I/O.
 *
 * Reads the run of guest pages from @index at consecutive slots, up to
 * %VMPOOL_SWAP_BATCH, with one I/O.
 *
 * Context: process context; the VM's invalidate lock held shared.
 * Return: pages read back, at least 1; -ENODATA if guest page @index is
 * not in the store; -ENOSPC if no page is left for @vm; the errno of a
 * failed read.
 */
int vmpool_swap_in_batch(struct vmpool_vm *vm, pgoff_t index,
			 const unsigned long *want, struct vmpool_in_batch *b)
{
	return vmpool_swap_in_run(vm, index, VMPOOL_SWAP_BATCH, want, b->idx,
				  b->bv, true);
}

/* A run of guest pages written to consecutive slots with one I/O. */
struct vmpool_out_batch {
	struct file *store;		/* with a reference, for the write */
	bool encrypt;			/* the store is encrypted */
	pgoff_t index;			/* the first guest page */
	unsigned int n;			/* pages */
	u32 slot;			/* the first slot */
	u32 idx[VMPOOL_SWAP_BATCH];	/* their pool pages */
	struct bio_vec bv[VMPOOL_SWAP_BATCH];
};

/*
 * Guest page @index of @vm, backed by page @idx, has gone out to @slot:
 * the page leaves it.
 */
static void vmpool_out_page_locked(struct vmpool_vm *vm, pgoff_t index,
				   u32 idx, u32 slot,
				   struct vmpool_out_ctl *ctl)
{
	vmpool_vm_unmap_locked(vm, index);
	vm->map[index] = slot | VMPOOL_SWAP_TAG;
	vm->nr_swapped++;
	if (ctl->release)
		vmpool_vm_put_page(vm, idx);
	else
		vmpool_vm_release_stale_page(vm, idx);
	if (ctl->mark)
		set_bit(index, ctl->mark);
	if (ctl->unmark && test_and_clear_bit(index, ctl->unmark))
		ctl->unmarked++;
	ctl->out++;
}

/*
 * Gather, from guest page *@index on and before @end, the next run of
 * backed pages that nothing else references and that @ctl wants, slots
 * for it and a reference to the store; pages skipped on the way are
 * counted in @ctl.  A page met first that has a clean copy goes out on
 * the way, with no write.  *@index ends after the pages looked at.
 *
 * Return: pages in the batch (0: none before *@index), or a negative
 * errno from the store.
 */
static int vmpool_out_gather(struct vmpool_vm *vm, pgoff_t *index,
			     pgoff_t end, struct vmpool_out_batch *b,
			     struct vmpool_out_ctl *ctl)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned int n = 0, clean = 0;
	struct page *page;
	u32 idx, slot;
	int ret;

	lockdep_assert_held(&pool->lock);
	for (; *index < end && n < VMPOOL_SWAP_BATCH &&
	     clean < VMPOOL_CLEAN_BATCH && ctl->out + n < ctl->max;
	     (*index)++) {
		idx = vm->map[*index];
		if (idx == VMPOOL_NONE || vmpool_entry_swapped(idx) ||
		    (ctl->filter &&
		     test_bit(*index, ctl->filter) != ctl->filter_set)) {
			if (n)
				break;
			continue;
		}
		if (vmpool_page_busy(pool, idx)) {
			/* Counted when the next batch starts from it. */
			if (n)
				break;
			ctl->skipped++;
			continue;
		}
		if (vm->nr_clean && xa_load(&vm->clean, *index)) {
			page = vmpool_pool_page(pool, idx);
			if (!PageDirty(page)) {
				/* Not in this run: first in the next. */
				if (n)
					break;
				/* Its data is in the store already. */
				slot = vmpool_clean_take_locked(vm, *index,
								page);
				vmpool_out_page_locked(vm, *index, idx, slot,
						       ctl);
				vm->stats.pages_out_clean++;
				clean++;
				continue;
			}
			/* Written since it was read back: in the run. */
			vmpool_clean_drop_locked(vm, *index);
		}
		if (!n)
			b->index = *index;
		b->idx[n++] = idx;
	}
	if (!n)
		return 0;
	/* As many consecutive slots as there are, the rest next time. */
	ret = vmpool_store_get_slots(pool, n, &b->slot);
	if (ret < 0)
		return ret;
	*index = b->index + ret;
	b->n = ret;
	b->store = get_file(pool->store.file);
	b->encrypt = pool->store.encrypt;
	return ret;
}

/*
 * Write batch @b to the store, then replace the pages written by their
 * slots and release them; the others stay, and their slots are freed.
 * The VM's invalidate lock is held exclusive, so the pages stay unmapped
 * and unreferenced meanwhile.
 *
 * Return: the pages that went out, or the store's errno when not one did.
 */
static int vmpool_out_write(struct vmpool_vm *vm, struct vmpool_out_batch *b,
			    struct vmpool_out_ctl *ctl)
{
	struct crypto_sync_skcipher *tfm = NULL;
	struct vmpool_pool *pool = vm->pool;
	unsigned int i;
	int done;

	for (i = 0; i < b->n; i++)
		bvec_set_page(&b->bv[i], vmpool_pool_page(pool, b->idx[i]),
			      PAGE_SIZE, 0);
	if (b->encrypt)
		tfm = vmpool_crypt_tfm(vm);
	if (IS_ERR(tfm))
		done = PTR_ERR(tfm);
	else
		done = vmpool_store_rw(b->store, tfm, b->slot, b->bv, b->n,
				       true, ctl->nowait);
	fput(b->store);

	mutex_lock(&pool->lock);
	vm->stats.store_writes++;
	/* -EAGAIN: a freeze of the store's file system; no error. */
	if (done < 0 && done != -EAGAIN)
		vm->stats.store_errors++;
	for (i = 0; i < b->n; i++) {
		if ((int)i >= done) {
			vmpool_store_put_slot(pool, b->slot + i);
			continue;
		}
		vmpool_out_page_locked(vm, b->index + i, b->idx[i],
				       b->slot + i, ctl);
	}
	if (done > 0)
		vm->stats.pages_out += done;
	mutex_unlock(&pool->lock);
	return done;
}

/**
 * vmpool_page_out_range - page guest pages out to the store
 * @vm: the VM.
 * @start: first guest page.
 * @end: guest page after the last.
 * @ctl: which pages, how many, where they go; what went, added to it.
 *
 * Context: process context, may sleep; the VM's invalidate lock held
 * exclusive, and the range unmapped from every page table.
 * Return: 0; -ENODEV without a store; -ENOSPC if it is full; the errno of
 * a failed write; -ENOMEM; -EINTR on a fatal signal.
 */
int vmpool_page_out_range(struct vmpool_vm *vm, pgoff_t start, pgoff_t end,
			  struct vmpool_out_ctl *ctl)
{
	struct vmpool_out_batch *b;
	pgoff_t index;
	int ret = 0;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	for (index = start; index < end && ctl->out < ctl->max; ) {
		mutex_lock(&vm->pool->lock);
		ret = vmpool_out_gather(vm, &index, end, b, ctl);
		mutex_unlock(&vm->pool->lock);
		if (ret < 0)
			break;
		if (ret) {
			ret = vmpool_out_write(vm, b, ctl);
			if (ret < 0)
				break;
			/* Pages a short write left go in the next batch. */
			index = b->index + ret;
			ret = 0;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(b);
	return ret;
}

/**
 * vmpool_vm_ioctl_page_out - %VMPOOL_VM_PAGE_OUT
 * @vm: the VM.
 * @file: the VM file the ioctl came through.
 * @uarg: the &struct vmpool_page_out.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno, as the uapi header says.
 */
long vmpool_vm_ioctl_page_out(struct vmpool_vm *vm, struct file *file,
			      struct vmpool_page_out __user *uarg)
{
	struct address_space *mapping = file->f_mapping;
	struct vmpool_out_ctl ctl = { .max = U64_MAX };
	struct vmpool_page_out args;
	long ret;

	ret = vmpool_copy_args_from_user(&args, sizeof(args),
					 VMPOOL_PAGE_OUT_SIZE_VER0,
					 VMPOOL_PAGE_OUT_RELEASE, uarg);
	if (ret)
		return ret;
	if (args.pages_out || args.pages_skipped || !args.length ||
	    !PAGE_ALIGNED(args.offset) || !PAGE_ALIGNED(args.length) ||
	    args.offset >> PAGE_SHIFT >= vm->nr_pages ||
	    args.length >> PAGE_SHIFT > vm->nr_pages - (args.offset >> PAGE_SHIFT))
		return -EINVAL;
	/* Checked again per batch: the store stays while it holds pages. */
	if (!READ_ONCE(vm->pool->store.file))
		return -ENODEV;
	ctl.release = args.flags & VMPOOL_PAGE_OUT_RELEASE;

	filemap_invalidate_lock(mapping);
	unmap_mapping_range(mapping, args.offset, args.length, 0);
	ret = vmpool_page_out_range(vm, args.offset >> PAGE_SHIFT,
				    (args.offset + args.length) >> PAGE_SHIFT,
				    &ctl);
	filemap_invalidate_unlock(mapping);

	args.pages_out = ctl.out;
	args.pages_skipped = ctl.skipped;
	if (copy_to_user(&uarg->pages_out, &args.pages_out,
			 sizeof(args.pages_out) + sizeof(args.pages_skipped)))
		return -EFAULT;
	return ret;
}
