// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: clean copies, the pages read back from the store that keep
 * their slot until they are written.
 *
 * A guest page read back from the store keeps the slot it came from, as
 * the swap cache does, while the store is at most half full: if nothing
 * writes the page before it goes out again, the slot still holds its data
 * and the page-out needs no write.  The slot is freed when the page goes
 * out written, or goes (hole punched, VM closed).
 *
 * Writes are known by the page's dirty flag, which the page-out reads
 * after it has unmapped the page from every page table, as writeback
 * does for the page cache: cleared when the page is read back, before
 * anything maps it, it is set by every way to write a page of shared
 * memory.  Unmapping a page-table entry the CPU wrote through moves its
 * dirty bit to the page (zap_pte_range()); KVM marks the page of a dirty
 * (or, without accessed and dirty bits, writable) stage-2 entry dirty when
 * the MMU notifier of that unmapping zaps it (kvm_set_pfn_dirty(), for
 * every page not PG_reserved: the pool's pages are not, of either source);
 * a DMA pin released after the device could write marks it dirty
 * (unpin_user_pages_dirty_lock()), and a page still pinned, or referenced
 * by I/O in flight, does not go out at all.  The KVM selftests check that
 * a guest's writes go out.
 */
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/xarray.h>

#include "vmpool.h"

/**
 * vmpool_clean_keep_locked - keep the slot a guest page was read from
 * @vm: the VM.
 * @index: the guest page.
 * @slot: the slot it was read from.
 * @page: the page it was read into, which no page table maps yet.
 *
 * Context: @vm's pool lock held.
 * Return: true if @slot is now @index's clean copy; false if the caller
 * frees it (the store is more than half full, or no memory).
 */
bool vmpool_clean_keep_locked(struct vmpool_vm *vm, pgoff_t index, u32 slot,
			      struct page *page)
{
	struct vmpool_backing *st = &vm->pool->store;

	lockdep_assert_held(&vm->pool->lock);
	/* Leave room for pages that must go out. */
	if (st->nr_used > st->nr_slots / 2)
		return false;
	/* Not worth reclaim under the pool lock: without it, a write. */
	if (xa_is_err(xa_store(&vm->clean, index, xa_mk_value(slot),
			       GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN)))
		return false;
	/* As its data is in the store; any write from now on sets it. */
	ClearPageDirty(page);
	vm->nr_clean++;
	st->nr_clean++;
	return true;
}

/**
 * vmpool_clean_take_locked - take the clean copy of a guest page going out
 * @vm: the VM.
 * @index: a resident guest page, unmapped from every page table.
 * @page: the page backing it.
 *
 * A copy the page was written over since is freed.
 *
 * Context: @vm's pool lock held.
 * Return: the slot that holds the page's data, now the caller's; or
 * %VMPOOL_NONE if there is none.
 */
u32 vmpool_clean_take_locked(struct vmpool_vm *vm, pgoff_t index,
			     struct page *page)
{
	void *entry;
	u32 slot;

	lockdep_assert_held(&vm->pool->lock);
	if (!vm->nr_clean)
		return VMPOOL_NONE;
	entry = xa_erase(&vm->clean, index);
	if (!entry)
		return VMPOOL_NONE;
	vm->nr_clean--;
	vm->pool->store.nr_clean--;
	slot = xa_to_value(entry);
	if (page && PageDirty(page)) {
		vmpool_store_put_slot(vm->pool, slot);
		return VMPOOL_NONE;
	}
	return slot;
}

/**
 * vmpool_clean_drop_locked - forget the clean copy of a guest page
 * @vm: the VM.
 * @index: a resident guest page, about to go.
 *
 * Its slot, if it has one, is freed.
 *
 * Context: @vm's pool lock held.
 */
void vmpool_clean_drop_locked(struct vmpool_vm *vm, pgoff_t index)
{
	u32 slot = vmpool_clean_take_locked(vm, index, NULL);

	if (slot != VMPOOL_NONE)
		vmpool_store_put_slot(vm->pool, slot);
}
