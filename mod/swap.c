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
 * failed write leaves the run where it was.  Up to %VMPOOL_SWAP_DEPTH
 * writes are in flight: the next runs are gathered while the first are
 * written, and each is finished in turn.
 *
 * Page-in is a fault on a page whose entry is a slot, or the prefetch:
 * under the VM's swap lock (one reader at a time per VM; faults on
 * resident pages go on) it takes a page the VM may see for each guest page
 * of a run at consecutive slots (one page for a fault, up to
 * %VMPOOL_SWAP_BATCH for the prefetch), keeps them in transit while the
 * slots are read into them with one I/O outside the pool lock, then maps
 * them and frees the slots.  The prefetch keeps up to %VMPOOL_SWAP_DEPTH
 * reads in flight, and the swap lock as long as it has any, so that no
 * fault reads a slot that is being read.  A failed read leaves the
 * entries alone: the data stays in the store, and the access gets SIGBUS.
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
#include "trace.h"

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
		vm->nr_reading++;
	} else {
		__set_bit(idx, pool->owned);
		pool->owner[idx] = vm->slot;
		pool->nr_transit--;
		vm->nr_transit--;
		vm->nr_reading--;
	}
}

/*
 * Take a page the VM may see, on the nodes of @p (NULL: the VM's own), for
 * each guest page of the run from @r->index at consecutive slots, at most
 * @max (and set in @want, if given), into @r->idx and @r->bv, and keep
 * them in transit; a reference to the store for the read.
 *
 * Return: pages in the run, at least 1; -ENODATA if guest page @r->index
 * is not in the store; -ENOSPC if no page is left for @vm.
 */
static int vmpool_in_gather(struct vmpool_vm *vm, const struct vmpool_place *p,
			    struct vmpool_in_run *r, unsigned int max,
			    const unsigned long *want)
{
	struct vmpool_pool *pool = vm->pool;
	pgoff_t index = r->index;
	struct bio_vec *bv = r->bv;
	u32 *idx = r->idx;
	unsigned int n = 0;
	u32 entry, slot;
	int ret;

	lockdep_assert_held(&pool->lock);
	entry = vm->map[index];
	if (!vmpool_entry_swapped(entry)) {
		/* Another fault read it back meanwhile, or it was punched. */
		return -ENODATA;
	}
	slot = entry & ~VMPOOL_SWAP_TAG;
	do {
		if (n && (READ_ONCE(vm->map[index + n]) !=
			  ((slot + n) | VMPOOL_SWAP_TAG) ||
			  (want && !test_bit(index + n, want))))
			break;
		ret = vmpool_vm_take_locked(vm, p, &idx[n], true, NULL);
		if (ret)
			break;
		vmpool_swap_transit(vm, idx[n], true);
		bvec_set_page(&bv[n], vmpool_pool_page(pool, idx[n]), PAGE_SIZE,
			      0);
	} while (++n < max && index + n < vm->nr_pages);
	if (!n)
		return ret;
	r->n = n;
	r->slot = slot;
	r->store = get_file(pool->store.file);
	r->encrypt = pool->store.encrypt;
	/* The key its VM wrote the slots with: it lives as long as the VM. */
	r->tfm = pool->store.encrypt ? vm->tenant->crypt : NULL;
	return n;
}

/* Start the read of run @r, gathered, outside the pool lock. */
static void vmpool_in_submit(struct vmpool_in_run *r)
{
	if (r->encrypt && !r->tfm)
		r->err = -EIO;
	else
		vmpool_store_submit(&r->io, r->store, r->tfm, r->slot, r->bv,
				    r->n, false, false);
}

/* Wait for the read of run @r; its result, as vmpool_store_wait(). */
static int vmpool_in_wait(struct vmpool_in_run *r)
{
	int ret = r->err ? r->err : vmpool_store_wait(&r->io);

	fput(r->store);
	return ret;
}

/*
 * Map the pages of run @r that the read (result @ret) filled, their slots
 * kept as clean copies or freed; release the others, whose data stays in
 * the store.
 */
static void vmpool_in_finish(struct vmpool_vm *vm, struct vmpool_in_run *r,
			     int ret, bool prefetch)
{
	pgoff_t index = r->index;
	u32 *idx = r->idx;
	unsigned int i;

	lockdep_assert_held(&vm->pool->lock);
	vm->stats.store_reads++;
	for (i = 0; i < r->n; i++) {
		vmpool_swap_transit(vm, idx[i], false);
		if (ret < 0 || i >= ret) {
			/* Zeros or this VM's data, maybe of another page. */
			vmpool_vm_release_stale_page(vm, idx[i]);
			continue;
		}
		/*
		 * The slot stays, as the clean copy, while it may.  The entry
		 * goes from the slot to the page directly: a fault taking a
		 * page of its cache fills only entries that are none.
		 */
		vm->nr_swapped--;
		if (!vmpool_clean_keep_locked(vm, index + i, r->slot + i,
					      r->bv[i].bv_page))
			vmpool_store_put_slot(vm->pool, r->slot + i);
		vmpool_vm_map_locked(vm, index + i, idx[i]);
	}
	trace_vmpool_page_in(vm->slot, index, r->slot, r->n, ret, prefetch);
	if (ret < 0) {
		vm->stats.store_errors++;
		pr_err_ratelimited("VM %u: reading page %lu back from the store: %d\n",
				   vm->slot, index, ret);
		return;
	}
	vm->stats.pages_in += ret;
	if (!prefetch)
		vm->stats.major_faults++;
}

/*
 * Read guest page @index back from the store for a fault, into a page
 * taken for it on the nodes of @p (its pool index in *@idx).
 *
 * Return: 1; -ENODATA if guest page @index is not in the store; -ENOSPC
 * if no page is left for @vm; the errno of a failed read.
 */
static int vmpool_swap_in_run(struct vmpool_vm *vm,
			      const struct vmpool_place *p, pgoff_t index,
			      u32 *idx)
{
	struct vmpool_pool *pool = vm->pool;
	struct bio_vec bv;
	struct vmpool_in_run r = { .index = index, .idx = idx, .bv = &bv };
	int ret;

	mutex_lock(&vm->swap_lock);
	mutex_lock(&pool->lock);
	ret = vmpool_in_gather(vm, p, &r, 1, NULL);
	mutex_unlock(&pool->lock);
	if (ret > 0) {
		vmpool_in_submit(&r);
		ret = vmpool_in_wait(&r);
		mutex_lock(&pool->lock);
		vmpool_in_finish(vm, &r, ret, false);
		mutex_unlock(&pool->lock);
	}
	mutex_unlock(&vm->swap_lock);
	return ret;
}

/**
 * vmpool_swap_in - read a guest page back from the store for a fault
 * @vm: the VM.
 * @p: the nodes the page comes from (vmpool_place_fault()).
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
int vmpool_swap_in(struct vmpool_vm *vm, const struct vmpool_place *p,
		   pgoff_t index, u32 *idx)
{
	int ret;

	ret = vmpool_swap_in_run(vm, p, index, idx);
	/* Read back by another fault, or punched: back it as usual. */
	if (ret == -ENODATA)
		return vmpool_vm_populate(vm, p, index, idx);
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
	u32 idx;

	filemap_invalidate_lock_shared(mapping);
	for_each_set_bit(index, idle->nowait, vm->nr_pages) {
		clear_bit(index, idle->nowait);
		/*
		 * Read back already, punched or no page for it: the fault
		 * that comes back does what it must, and tells the errors.
		 */
		vmpool_swap_in_run(vm, NULL, index, &idx);
		cond_resched();
	}
	filemap_invalidate_unlock_shared(mapping);
}

/**
 * vmpool_swap_in_submit - start reading guest pages back ahead of an
 *	activation
 * @vm: the VM.
 * @index: the first guest page.
 * @want: the pages to read; the run read from @index stops at the first
 *	page not set in it.
 * @q: the reads in flight, not %VMPOOL_SWAP_DEPTH of them; the read is
 *	added to it.
 *
 * Starts reading the run of guest pages from @index at consecutive slots,
 * up to %VMPOOL_SWAP_BATCH, with one I/O, into pages it keeps in transit.
 * The first read put in @q takes the VM's swap lock, which the last one
 * vmpool_swap_in_complete() ends drops: faults that read pages back wait
 * for every read in flight.
 *
 * Context: process context; the VM's invalidate lock held shared, as long
 * as @q holds reads.
 * Return: pages it reads back, at least 1; -ENODATA if guest page @index
 * is not in the store; -ENOSPC if no page is left for @vm.  On an error,
 * nothing is added to @q.
 */
int vmpool_swap_in_submit(struct vmpool_vm *vm, pgoff_t index,
			  const unsigned long *want, struct vmpool_in_queue *q)
{
	struct vmpool_in_batch *b;
	int ret;

	if (WARN_ON_ONCE(q->nr >= VMPOOL_SWAP_DEPTH))
		return -EBUSY;
	b = &q->b[(q->head + q->nr) % VMPOOL_SWAP_DEPTH];
	b->run = (struct vmpool_in_run) {
		.index = index, .idx = b->idx, .bv = b->bv,
	};
	if (!q->nr)
		mutex_lock(&vm->swap_lock);
	mutex_lock(&vm->pool->lock);
	ret = vmpool_in_gather(vm, NULL, &b->run, VMPOOL_SWAP_BATCH, want);
	mutex_unlock(&vm->pool->lock);
	if (ret < 0) {
		if (!q->nr)
			mutex_unlock(&vm->swap_lock);
		return ret;
	}
	vmpool_in_submit(&b->run);
	q->nr++;
	return ret;
}

/**
 * vmpool_swap_in_complete - end the oldest read of the prefetch
 * @vm: the VM.
 * @q: the reads in flight, at least one.
 * @index: receives the first guest page of the read.
 *
 * Waits for the read, then maps the pages read and frees their slots.
 *
 * Context: process context; the VM's invalidate lock held shared.
 * Return: pages read back, at least 1, from *@index on; or the errno of a
 * failed read (the data stays in the store).
 */
int vmpool_swap_in_complete(struct vmpool_vm *vm, struct vmpool_in_queue *q,
			    pgoff_t *index)
{
	struct vmpool_in_batch *b = &q->b[q->head];
	int ret;

	ret = vmpool_in_wait(&b->run);
	mutex_lock(&vm->pool->lock);
	vmpool_in_finish(vm, &b->run, ret, true);
	mutex_unlock(&vm->pool->lock);
	q->head = (q->head + 1) % VMPOOL_SWAP_DEPTH;
	if (!--q->nr)
		mutex_unlock(&vm->swap_lock);
	*index = b->run.index;
	return ret;
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
	struct vmpool_store_io io;	/* the write */
	int err;			/* of the write, before it started */
};

/* Page-out's writes in flight, oldest first. */
struct vmpool_out_queue {
	struct vmpool_out_batch b[VMPOOL_SWAP_DEPTH];	/* a ring */
	unsigned int head;		/* the oldest */
	unsigned int nr;		/* writes in flight */
	u64 pages;			/* pages they write */
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
 * @queued pages are on their way out already.
 *
 * Return: pages in the batch (0: none before *@index), or a negative
 * errno from the store.
 */
static int vmpool_out_gather(struct vmpool_vm *vm, pgoff_t *index,
			     pgoff_t end, struct vmpool_out_batch *b,
			     struct vmpool_out_ctl *ctl, u64 queued)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned int n = 0, clean = 0;
	struct page *page;
	u32 idx, slot;
	int ret;

	lockdep_assert_held(&pool->lock);
	/* Its pages taken from the cache counted as mapped (mapped bits). */
	vmpool_cache_fold(vm);
	for (; *index < end && n < VMPOOL_SWAP_BATCH &&
	     clean < VMPOOL_CLEAN_BATCH && ctl->out + queued + n < ctl->max;
	     (*index)++) {
		idx = vm->map[*index];
		if (idx == VMPOOL_NONE || vmpool_entry_swapped(idx) ||
		    (ctl->filter &&
		     test_bit(*index, ctl->filter) != ctl->filter_set) ||
		    (ctl->nodes &&
		     !node_isset(vmpool_page_nid(pool, idx), *ctl->nodes))) {
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
	pool->store.nr_writing += ret;
	*index = b->index + ret;
	b->n = ret;
	b->store = get_file(pool->store.file);
	b->encrypt = pool->store.encrypt;
	return ret;
}

/*
 * Start writing batch @b to the store.  The VM's invalidate lock is held
 * exclusive, so the pages stay unmapped and unreferenced until it is
 * finished.
 */
static void vmpool_out_write(struct vmpool_vm *vm, struct vmpool_out_batch *b,
			     struct vmpool_out_ctl *ctl)
{
	struct crypto_sync_skcipher *tfm = NULL;
	struct vmpool_pool *pool = vm->pool;
	unsigned int i;

	for (i = 0; i < b->n; i++)
		bvec_set_page(&b->bv[i], vmpool_pool_page(pool, b->idx[i]),
			      PAGE_SIZE, 0);
	if (b->encrypt)
		tfm = vmpool_crypt_tfm(vm);
	b->err = 0;
	if (IS_ERR(tfm))
		b->err = PTR_ERR(tfm);
	else
		vmpool_store_submit(&b->io, b->store, tfm, b->slot, b->bv, b->n,
				    true, ctl->nowait);
}

/*
 * Wait for the write of batch @b, then replace the pages written by their
 * slots and release them; the others stay, and their slots are freed.
 *
 * Return: the pages that went out, or the store's errno when not one did.
 */
static int vmpool_out_finish(struct vmpool_vm *vm, struct vmpool_out_batch *b,
			     struct vmpool_out_ctl *ctl)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned int i;
	int done;

	done = b->err ? b->err : vmpool_store_wait(&b->io);
	fput(b->store);

	mutex_lock(&pool->lock);
	vm->stats.store_writes++;
	/* -EAGAIN: a freeze of the store's file system; no error. */
	if (done < 0 && done != -EAGAIN)
		vm->stats.store_errors++;
	pool->store.nr_writing -= b->n;
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
	trace_vmpool_page_out(vm->slot, b->index, b->slot, b->n, done);
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
 * Writes runs of up to %VMPOOL_SWAP_BATCH pages, up to
 * %VMPOOL_SWAP_DEPTH of them in flight after the first has gone out;
 * the first error stops it, once the writes in flight end.
 *
 * Context: process context, may sleep; the VM's invalidate lock held
 * exclusive, and the range unmapped from every page table.
 * Return: 0; -ENODEV without a store; -ENOSPC if it is full; the errno of
 * a failed write; -ENOMEM; -EINTR on a fatal signal.
 */
int vmpool_page_out_range(struct vmpool_vm *vm, pgoff_t start, pgoff_t end,
			  struct vmpool_out_ctl *ctl)
{
	pgoff_t index = start, redo = 0, redo_end = 0;
	unsigned int depth = 1;
	struct vmpool_out_queue *q;
	struct vmpool_out_batch *b;
	bool stop = false, again;
	int ret = 0, done;

	lockdep_assert_held_write(&vm->inode->i_mapping->invalidate_lock);
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	for (;;) {
		/*
		 * The first write alone, so that a failing store costs one
		 * failed write; then up to %VMPOOL_SWAP_DEPTH, what a short
		 * write left first.
		 */
		while (!stop && q->nr < depth &&
		       ctl->out + q->pages < ctl->max) {
			b = &q->b[(q->head + q->nr) % VMPOOL_SWAP_DEPTH];
			again = redo < redo_end;
			if (!again && index >= end)
				break;
			mutex_lock(&vm->pool->lock);
			if (again)
				ret = vmpool_out_gather(vm, &redo, redo_end, b,
							ctl, q->pages);
			else
				ret = vmpool_out_gather(vm, &index, end, b, ctl,
							q->pages);
			mutex_unlock(&vm->pool->lock);
			if (ret < 0) {
				stop = true;
				break;
			}
			/* None left before the end. */
			if (!ret)
				continue;
			ret = 0;
			vmpool_out_write(vm, b, ctl);
			q->pages += b->n;
			q->nr++;
		}
		if (!q->nr)
			break;
		b = &q->b[q->head];
		done = vmpool_out_finish(vm, b, ctl);
		q->head = (q->head + 1) % VMPOOL_SWAP_DEPTH;
		q->nr--;
		q->pages -= b->n;
		if (done < 0) {
			/* The first error; the writes in flight end. */
			if (!ret)
				ret = done;
			stop = true;
			continue;
		}
		depth = VMPOOL_SWAP_DEPTH;
		/*
		 * Pages a short write left go in the next batch, unless
		 * another's are waiting already: those stay resident.
		 */
		if ((unsigned int)done < b->n && redo >= redo_end) {
			redo = b->index + done;
			redo_end = b->index + b->n;
		}
		if (!stop && fatal_signal_pending(current)) {
			ret = -EINTR;
			stop = true;
		}
		cond_resched();
	}
	kfree(q);
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
