// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: mapping a sleeping VM's working set before it wakes, and the
 * accessed bits that say what it touched.
 *
 * A VM with an idle limit is unmapped when it goes idle (idle.c), so that
 * faults show the pages its next active period touches.  Faulting the
 * working set back in page by page would cost a minor fault per page, so
 * before the predicted activation, once its pages are read back, the
 * resident pages of the working set are mapped again into the page tables
 * of the processes that map the VM, with their accessed bits clear.  When
 * the VM next goes idle, the accessed bits of those page tables say which
 * of them it touched, as its faults say for the others.
 *
 * A process with a secondary MMU (KVM) is left out: a vCPU's access
 * through the stage-2 tables sets no accessed bit in the host's page
 * table, and the MMU-notifier call that asks KVM for its own
 * (mmu_notifier_clear_young()) is not available to modules.  There the
 * VM stays sampled by faults: the stage-2 fault of an unmapped page comes
 * to the VM's fault handler.
 *
 * The address spaces that map a VM are tracked through the open and close
 * of its mappings.  An entry holds the mm_struct (mmgrab()); it is used
 * through mmget_not_zero(), with its mmap lock taken for reading before
 * the VM's invalidate lock, as a fault does.  Losing track of one (no
 * memory for the entry when a fork() or a split copies a mapping) costs
 * only the mapping ahead: its pages fault.
 *
 * Only resident pages are mapped, under the VM's invalidate lock held
 * shared: every path that takes a page away from a guest page (page-out,
 * hole punching, another VM's reclaim) holds it exclusive, and a page in
 * transit or stale is in no page map entry.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/oom.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vmpool.h"

/* Pages gathered under the pool lock and mapped with one call. */
#define VMPOOL_PREMAP_BATCH	64

/**
 * struct vmpool_premap_mm - an address space that maps a VM
 * @node: in &vmpool_idle.mms.
 * @mm: the address space, held by mmgrab().
 * @vmas: mappings of the VM in @mm.
 */
struct vmpool_premap_mm {
	struct list_head node;
	struct mm_struct *mm;
	unsigned long vmas;
};

static struct vmpool_premap_mm *vmpool_premap_find(struct vmpool_idle *idle,
						   struct mm_struct *mm)
{
	struct vmpool_premap_mm *e;

	list_for_each_entry(e, &idle->mms, node)
		if (e->mm == mm)
			return e;
	return NULL;
}

/**
 * vmpool_premap_add - a mapping of @vm appeared in @mm
 * @vm: the VM.
 * @mm: the address space of the mapping.
 *
 * Context: process context; @mm's mmap lock held for writing.
 * Return: 0, or -ENOMEM.
 */
int vmpool_premap_add(struct vmpool_vm *vm, struct mm_struct *mm)
{
	struct vmpool_idle *idle = &vm->idle;
	struct vmpool_premap_mm *e, *new;

	new = kmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	mutex_lock(&idle->mms_lock);
	e = vmpool_premap_find(idle, mm);
	if (!e && new) {
		e = new;
		new = NULL;
		e->mm = mm;
		e->vmas = 0;
		mmgrab(mm);
		list_add(&e->node, &idle->mms);
	}
	if (e)
		e->vmas++;
	mutex_unlock(&idle->mms_lock);
	kfree(new);
	return e ? 0 : -ENOMEM;
}

/**
 * vmpool_premap_del - a mapping of @vm in @mm went
 * @vm: the VM.
 * @mm: the address space of the mapping.
 *
 * Context: process context.
 */
void vmpool_premap_del(struct vmpool_vm *vm, struct mm_struct *mm)
{
	struct vmpool_idle *idle = &vm->idle;
	struct vmpool_premap_mm *e;

	mutex_lock(&idle->mms_lock);
	e = vmpool_premap_find(idle, mm);
	if (e && !--e->vmas)
		list_del(&e->node);
	else
		e = NULL;
	mutex_unlock(&idle->mms_lock);
	if (e) {
		mmdrop(e->mm);
		kfree(e);
	}
}

/*
 * The live address spaces mapping @vm, each with a reference
 * (mmget_not_zero()) the caller drops with mmput(); *@n of them.
 * NULL if there are none, or no memory for the array.
 */
static struct mm_struct **vmpool_premap_get_mms(struct vmpool_vm *vm,
						unsigned int *n)
{
	struct vmpool_idle *idle = &vm->idle;
	struct vmpool_premap_mm *e;
	struct mm_struct **mms;
	unsigned int count = 0;

	*n = 0;
	mutex_lock(&idle->mms_lock);
	list_for_each_entry(e, &idle->mms, node)
		count++;
	mms = count ? kmalloc_array(count, sizeof(*mms), GFP_KERNEL) : NULL;
	if (mms)
		list_for_each_entry(e, &idle->mms, node)
			if (mmget_not_zero(e->mm))
				mms[(*n)++] = e->mm;
	mutex_unlock(&idle->mms_lock);
	return mms;
}

static void vmpool_premap_put_mms(struct mm_struct **mms, unsigned int n)
{
	/* The last reference may be dropped here: no exit_mmap() in a work. */
	while (n--)
		mmput_async(mms[n]);
	kfree(mms);
}

/* What a page-table walk over one mapping of a VM works on. */
struct vmpool_premap_walk {
	struct vmpool_vm *vm;
	struct vm_area_struct *vma;
};

/* Mark a guest page whose page-table entry is young touched. */
static int vmpool_premap_young(pte_t *ptep, unsigned long addr, void *data)
{
	struct vmpool_premap_walk *w = data;
	pte_t pte = ptep_get(ptep);

	if (pte_present(pte) && pte_young(pte))
		vmpool_idle_touched(w->vm, linear_page_index(w->vma, addr));
	return 0;
}

/* Clear the accessed bit of a page-table entry. */
static int vmpool_premap_mkold(pte_t *ptep, unsigned long addr, void *data)
{
	struct vm_area_struct *vma = data;
	pte_t pte = ptep_get(ptep);

	if (pte_present(pte) && pte_young(pte)) {
		/* Taken atomically: a dirty bit set meanwhile is kept. */
		pte = ptep_get_and_clear(vma->vm_mm, addr, ptep);
		set_pte_at(vma->vm_mm, addr, ptep, pte_mkold(pte));
	}
	return 0;
}

/* A mapping of @vm that its process may access. */
static bool vmpool_premap_is_vm(struct vmpool_vm *vm,
				struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       vma->vm_file->f_mapping == vm->inode->i_mapping &&
	       (vma->vm_flags & (VM_READ | VM_WRITE));
}

/* Harvest the accessed bits of @vm's mappings in @mm, its mmap lock held. */
static void vmpool_premap_harvest_mm(struct vmpool_vm *vm,
				     struct mm_struct *mm,
				     struct vmpool_premap_walk *w)
{
	struct address_space *mapping = vm->inode->i_mapping;
	struct vm_area_struct *vma;

	VMA_ITERATOR(vmi, mm, 0);

	/*
	 * With an idle limit no fault maps a PMD (huge.c), and the first
	 * limit unmapped the VM whole: the walk meets page tables of 4 KiB
	 * only.
	 */
	filemap_invalidate_lock_shared(mapping);
	if (READ_ONCE(vm->idle.limit) == VMPOOL_IDLE_LIMIT_NONE)
		goto out;
	for_each_vma(vmi, vma) {
		if (!vmpool_premap_is_vm(vm, vma))
			continue;
		w->vma = vma;
		apply_to_existing_page_range(mm, vma->vm_start,
					     vma->vm_end - vma->vm_start,
					     vmpool_premap_young, w);
	}
out:
	filemap_invalidate_unlock_shared(mapping);
}

/**
 * vmpool_premap_harvest - mark the pages whose accessed bits are set
 * @vm: the VM, going idle.
 *
 * Every guest page of @vm mapped with its accessed bit set in a page
 * table of a process that maps it is marked touched
 * (vmpool_idle_touched()).  The caller unmaps the VM afterwards, which
 * clears them.
 *
 * Context: process context, may sleep; the VM's invalidate lock not held.
 */
void vmpool_premap_harvest(struct vmpool_vm *vm)
{
	struct vmpool_premap_walk w = { .vm = vm };
	struct mm_struct **mms;
	unsigned int n, i;

	mms = vmpool_premap_get_mms(vm, &n);
	for (i = 0; i < n; i++) {
		mmap_read_lock(mms[i]);
		/* A fork() that failed left its tree half built. */
		if (!check_stable_address_space(mms[i]))
			vmpool_premap_harvest_mm(vm, mms[i], &w);
		mmap_read_unlock(mms[i]);
	}
	vmpool_premap_put_mms(mms, n);
}

/*
 * Gather, from guest page *@index on and before @end, up to
 * %VMPOOL_PREMAP_BATCH consecutive guest pages of @vm's working set that
 * are resident, into @pages.  *@index ends at the first of them.
 *
 * Context: @vm's invalidate lock held shared: the pages stay resident,
 * and are looked up without the pool lock, as a fault does.
 * Return: the pages gathered; 0 if there are none before @end.
 */
static unsigned long vmpool_premap_gather(struct vmpool_vm *vm,
					  pgoff_t *index, pgoff_t end,
					  struct page **pages)
{
	struct vmpool_pool *pool = vm->pool;
	unsigned long n = 0;
	pgoff_t i;
	u32 idx;

	lockdep_assert_held(&vm->inode->i_mapping->invalidate_lock);
	*index = find_next_bit(vm->idle.hot, end, *index);
	for (i = *index; i < end && n < VMPOOL_PREMAP_BATCH; i++) {
		/* Pairs with the release in vmpool_vm_map_locked(). */
		idx = smp_load_acquire(&vm->map[i]);
		if (!test_bit(i, vm->idle.hot) || idx == VMPOOL_NONE ||
		    vmpool_entry_swapped(idx))
			break;
		pages[n++] = pfn_to_page(vmpool_page_pfn(pool, idx));
	}
	return n;
}

/*
 * @vm runs already (the prediction was late): an access between the
 * mapping of a page and the clearing of its accessed bit could leave a
 * TLB entry that never sets it again, so that a page in use would look
 * untouched.  Its pages are mapped young instead: counted as touched.
 */
static bool vmpool_premap_running(struct vmpool_vm *vm)
{
	struct vmpool_activity *act = vmpool_vm_activity(vm);

	return act && READ_ONCE(act->running);
}

/*
 * Map the resident pages of @vm's working set into @vma, with their
 * accessed bits clear.
 *
 * Return: pages mapped.
 */
static unsigned long vmpool_premap_vma(struct vmpool_vm *vm,
				       struct vm_area_struct *vma,
				       struct page **pages)
{
	pgoff_t index = vma->vm_pgoff, end = vma->vm_pgoff + vma_pages(vma);
	unsigned long addr, n, left, done = 0;
	int err;

	while (index < end && !READ_ONCE(vm->idle.off)) {
		n = vmpool_premap_gather(vm, &index, end, pages);
		if (!n) {
			index++;
			continue;
		}
		addr = vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT);
		left = n;
		err = vm_insert_pages(vma, addr, pages, &left);
		if (n > left && !vmpool_premap_running(vm))
			apply_to_existing_page_range(vma->vm_mm, addr,
						     (n - left) << PAGE_SHIFT,
						     vmpool_premap_mkold, vma);
		done += n - left;
		index += n - left;
		/* -EBUSY: a fault mapped it first.  Go on after it. */
		if (err == -EBUSY && left)
			index++;
		else if (err)
			break;
		cond_resched();
	}
	return done;
}

/**
 * vmpool_premap - map a VM's working set before it wakes
 * @vm: the VM, asleep, its working set read back.
 *
 * The resident pages of the working set of @vm (&vmpool_idle.hot) are
 * mapped into every process that maps the VM and has no secondary MMU,
 * with their accessed bits clear.
 *
 * Context: process context, may sleep; the VM's invalidate lock not held.
 * Return: pages mapped.
 */
unsigned long vmpool_premap(struct vmpool_vm *vm)
{
	struct address_space *mapping = vm->inode->i_mapping;
	struct vm_area_struct *vma;
	unsigned long done = 0;
	struct mm_struct **mms;
	struct page **pages;
	unsigned int n, i;

	pages = kmalloc_array(VMPOOL_PREMAP_BATCH, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return 0;
	mms = vmpool_premap_get_mms(vm, &n);
	for (i = 0; i < n; i++) {
		VMA_ITERATOR(vmi, mms[i], 0);

		/* Best effort: not at the cost of a process's mmap(). */
		if (!mmap_read_trylock(mms[i]))
			continue;
		/*
		 * A secondary MMU (registered under the mmap lock) sees no
		 * accessed bit; a fork() that failed left its tree half
		 * built.
		 */
		if (!mm_has_notifiers(mms[i]) &&
		    !check_stable_address_space(mms[i])) {
			/* Nothing is unmapped or punched meanwhile. */
			filemap_invalidate_lock_shared(mapping);
			/* Without an idle limit, PMDs may map it (huge.c). */
			while (READ_ONCE(vm->idle.limit) !=
			       VMPOOL_IDLE_LIMIT_NONE &&
			       (vma = vma_next(&vmi)))
				if (vmpool_premap_is_vm(vm, vma))
					done += vmpool_premap_vma(vm, vma,
								  pages);
			filemap_invalidate_unlock_shared(mapping);
		}
		mmap_read_unlock(mms[i]);
	}
	vmpool_premap_put_mms(mms, n);
	kfree(pages);
	return done;
}
