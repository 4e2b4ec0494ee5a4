// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the accounting audit.
 *
 * Recomputes from the per-page arrays, the free lists and the VMs' page maps
 * everything the counters claim, and checks that every page is in exactly
 * one place.  A debugging and testing aid: it holds the pool lock for time
 * proportional to the pool size.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": audit: " fmt

#include <linux/bitmap.h>
#include <linux/slab.h>

#include "vmpool.h"

/* Inconsistencies described in the log per audit; the rest only counted. */
#define VMPOOL_AUDIT_REPORTS	8

struct vmpool_auditor {
	struct vmpool_pool *pool;
	unsigned long *seen;
	unsigned long *seen_slots;
	unsigned long *node_free;
	unsigned long *node_dedicated;
	unsigned long *node_mapped;
	unsigned long *node_lent;
	u16 *block_free;
	u16 *block_dedicated;
	struct vmpool_audit *out;
};

#define audit_fail(a, fmt, ...)						\
	do {								\
		if ((a)->out->errors++ < VMPOOL_AUDIT_REPORTS)		\
			pr_err(fmt "\n", ##__VA_ARGS__);		\
	} while (0)

static void audit_expect(struct vmpool_auditor *a, const char *what,
			 unsigned long counted, unsigned long claimed)
{
	if (counted != claimed)
		audit_fail(a, "%s: counted %lu, counter says %lu", what,
			   counted, claimed);
}

/* Mark a page seen; it must not have been seen before. */
static bool audit_see(struct vmpool_auditor *a, u32 idx, const char *where)
{
	if (idx >= a->pool->nr_pages) {
		audit_fail(a, "%s: page %u out of range", where, idx);
		return false;
	}
	if (__test_and_set_bit(idx, a->seen)) {
		audit_fail(a, "%s: page %u seen twice", where, idx);
		return false;
	}
	return true;
}

/*
 * Walk a free list: every page must be unmapped, owned or not as expected,
 * with the expected owner (a VM slot) or mark (a tenant slot).
 */
static unsigned long audit_list(struct vmpool_auditor *a,
				struct vmpool_list *list, bool owned,
				u16 owner, const char *where)
{
	struct vmpool_pool *pool = a->pool;
	u32 idx, prev = VMPOOL_NONE;
	unsigned long n = 0;

	for (idx = list->head; idx != VMPOOL_NONE;
	     prev = idx, idx = pool->next[idx]) {
		if (!audit_see(a, idx, where))
			break;
		if (pool->prev[idx] != prev)
			audit_fail(a, "%s: page %u linked back to %u, not %u",
				   where, idx, pool->prev[idx], prev);
		if (test_bit(idx, pool->owned) != owned ||
		    test_bit(idx, pool->mapped) || pool->owner[idx] != owner)
			audit_fail(a, "%s: page %u: owned %d mapped %d owner %u",
				   where, idx, test_bit(idx, pool->owned),
				   test_bit(idx, pool->mapped),
				   pool->owner[idx]);
		/* A marked global page holds data, by definition. */
		if (!owned && owner && !test_bit(idx, pool->dirty))
			audit_fail(a, "%s: page %u marked but clean", where, idx);
		if (idx / VMPOOL_BLOCK_PAGES < pool->nr_blocks)
			(owned ? a->block_dedicated :
				 a->block_free)[idx / VMPOOL_BLOCK_PAGES]++;
		if (!owned)
			a->node_free[vmpool_page_nid(pool, idx)]++;
		else
			a->node_dedicated[vmpool_page_nid(pool, idx)]++;
		n++;
	}
	audit_expect(a, where, n, list->count);
	return n;
}

/* Walk the per-node lists of @nl: each page on the list of its node. */
static unsigned long audit_nlist(struct vmpool_auditor *a,
				 struct vmpool_nlist *nl, bool owned,
				 u16 owner, const char *where)
{
	struct vmpool_pool *pool = a->pool;
	unsigned long n = 0, i, k;
	int nid;
	u32 idx;

	for (nid = 0; nid < nr_node_ids; nid++) {
		k = audit_list(a, &nl->node[nid], owned, owner, where);
		idx = nl->node[nid].head;
		for (i = 0; i < k; i++, idx = pool->next[idx])
			if (vmpool_page_nid(pool, idx) != nid)
				audit_fail(a, "%s: page %u of node %d on the list of %d",
					   where, idx, vmpool_page_nid(pool, idx),
					   nid);
		n += k;
	}
	audit_expect(a, where, n, nl->count);
	return n;
}

/* The zeroed lists: unmarked global pages, every one clean. */
static unsigned long audit_zeroed(struct vmpool_auditor *a)
{
	struct vmpool_pool *pool = a->pool;
	unsigned long n, i;
	int nid;
	u32 idx;

	n = audit_nlist(a, &pool->zeroed, false, 0, "zeroed list");
	for (nid = 0; nid < nr_node_ids; nid++) {
		idx = pool->zeroed.node[nid].head;
		for (i = 0;
		     i < pool->zeroed.node[nid].count && idx < pool->nr_pages;
		     i++, idx = pool->next[idx])
			if (test_bit(idx, pool->dirty))
				audit_fail(a, "zeroed list: page %u dirty", idx);
	}
	return n;
}

/* A store slot in @vm's page map: used, and in no other entry. */
static void audit_slot(struct vmpool_auditor *a, struct vmpool_vm *vm,
		       pgoff_t index, u32 slot)
{
	struct vmpool_backing *st = &a->pool->store;

	if (slot >= st->nr_slots || !test_bit(slot, st->used) ||
	    __test_and_set_bit(slot, a->seen_slots))
		audit_fail(a, "vm %u: slot %u at %lu: of %lu, used %d, seen twice",
			   vm->slot, slot, index, st->nr_slots,
			   slot < st->nr_slots && test_bit(slot, st->used));
}

/* Clean copies: each of a resident page, in a slot no entry has. */
static unsigned long audit_vm_clean(struct vmpool_auditor *a,
				    struct vmpool_vm *vm)
{
	unsigned long index, n = 0;
	void *entry;
	u32 idx;

	xa_for_each(&vm->clean, index, entry) {
		idx = index < vm->nr_pages ? vm->map[index] : VMPOOL_NONE;
		if (!xa_is_value(entry) || idx == VMPOOL_NONE ||
		    vmpool_entry_swapped(idx))
			audit_fail(a, "vm %u: clean copy at %lu of entry %x",
				   vm->slot, index, idx);
		else
			audit_slot(a, vm, index, xa_to_value(entry));
		n++;
	}
	audit_expect(a, "vm clean", n, vm->nr_clean);
	return n;
}

static unsigned long audit_vm_map(struct vmpool_auditor *a,
				  struct vmpool_vm *vm, unsigned long *swapped,
				  unsigned long *clean)
{
	struct vmpool_pool *pool = a->pool;
	unsigned long n = 0, s = 0;
	pgoff_t index;
	u32 idx;

	for (index = 0; index < vm->nr_pages; index++) {
		idx = vm->map[index];
		if (idx == VMPOOL_NONE)
			continue;
		if (vmpool_entry_swapped(idx)) {
			audit_slot(a, vm, index, idx & ~VMPOOL_SWAP_TAG);
			s++;
			continue;
		}
		if (!audit_see(a, idx, "vm map"))
			continue;
		if (!test_bit(idx, pool->owned) || !test_bit(idx, pool->mapped) ||
		    !test_bit(idx, pool->dirty) || pool->owner[idx] != vm->slot)
			audit_fail(a, "vm %u: page %u at %lu: owned %d mapped %d dirty %d owner %u",
				   vm->slot, idx, index,
				   test_bit(idx, pool->owned),
				   test_bit(idx, pool->mapped),
				   test_bit(idx, pool->dirty), pool->owner[idx]);
		a->node_mapped[vmpool_page_nid(pool, idx)]++;
		n++;
	}
	audit_expect(a, "vm swapped", s, vm->nr_swapped);
	*swapped += s;
	*clean += audit_vm_clean(a, vm);
	return n;
}

/*
 * The extents of @vm marked whole: each backed, page k by page k, by an
 * aligned block of the pool.
 */
static void audit_vm_huge(struct vmpool_auditor *a, struct vmpool_vm *vm)
{
	struct vmpool_pool *pool = a->pool;
	unsigned long e, n = 0;
	unsigned int k;
	u32 first;

	for_each_set_bit(e, vm->huge, vm->nr_pages / VMPOOL_BLOCK_PAGES) {
		first = vm->map[e * VMPOOL_BLOCK_PAGES];
		n++;
		if (first == VMPOOL_NONE || vmpool_entry_swapped(first) ||
		    first % VMPOOL_BLOCK_PAGES ||
		    !test_bit(first / VMPOOL_BLOCK_PAGES, pool->block_ok)) {
			audit_fail(a, "vm %u: extent %lu whole, but page %u first",
				   vm->slot, e, first);
			continue;
		}
		for (k = 1; k < VMPOOL_BLOCK_PAGES; k++)
			if (vm->map[e * VMPOOL_BLOCK_PAGES + k] != first + k)
				audit_fail(a, "vm %u: extent %lu whole, but page %u at %u",
					   vm->slot, e,
					   vm->map[e * VMPOOL_BLOCK_PAGES + k], k);
	}
	audit_expect(a, "vm whole extents", n, vm->nr_huge);
}

/* The VM whose dedicated pool has all of block @b, or NULL. */
static struct vmpool_vm *audit_block_vm(struct vmpool_auditor *a,
					unsigned long b)
{
	struct vmpool_pool *pool = a->pool;
	u32 first = b * VMPOOL_BLOCK_PAGES;
	unsigned int k;

	if (!test_bit(b, pool->block_ok) ||
	    a->block_dedicated[b] != VMPOOL_BLOCK_PAGES)
		return NULL;
	for (k = 1; k < VMPOOL_BLOCK_PAGES; k++)
		if (pool->owner[first + k] != pool->owner[first])
			return NULL;
	return xa_load(&pool->vms, pool->owner[first]);
}

/*
 * Each block's pages in the global pool and in dedicated pools, and the
 * blocks whole in one of them.
 */
static void audit_blocks(struct vmpool_auditor *a)
{
	struct vmpool_pool *pool = a->pool;
	struct vmpool_vm *vm, *owner;
	unsigned long b, slot;
	bool whole;

	for (b = 0; b < pool->nr_blocks; b++) {
		audit_expect(a, "block's global pages", a->block_free[b],
			     pool->block_free[b]);
		audit_expect(a, "block's dedicated pages",
			     a->block_dedicated[b], pool->block_dedicated[b]);
		whole = test_bit(b, pool->block_ok) &&
			a->block_free[b] == VMPOOL_BLOCK_PAGES;
		if (whole != test_bit(b, pool->whole))
			audit_fail(a, "block %lu: %u global pages, whole bit %d",
				   b, a->block_free[b], test_bit(b, pool->whole));
		owner = audit_block_vm(a, b);
		if (owner && !test_bit(b, owner->whole))
			audit_fail(a, "vm %u: block %lu all dedicated, not whole",
				   owner->slot, b);
	}
	xa_for_each(&pool->vms, slot, vm)
		for_each_set_bit(b, vm->whole, pool->nr_blocks)
			if (audit_block_vm(a, b) != vm)
				audit_fail(a, "vm %u: block %lu whole, %u pages dedicated",
					   vm->slot, b, a->block_dedicated[b]);
}

/*
 * The pages of @vm's fault cache, its faults' pages counted: owned by @vm
 * and unmapped; those of its dedicated pool needing no zeroing, those lent
 * by the global pool clean (counted in *@lent and per node).
 */
static void audit_vm_cache(struct vmpool_auditor *a, struct vmpool_vm *vm,
			   unsigned long *lent)
{
	struct vmpool_cache *c = &vm->cache;
	struct vmpool_pool *pool = a->pool;
	unsigned long own = 0;
	unsigned int i;
	bool dirty;
	u32 idx;

	vmpool_cache_lock(vm);
	if (c->used || c->nr > VMPOOL_CACHE_PAGES) {
		audit_fail(a, "vm %u: cache of %u pages, %u used after folding",
			   vm->slot, c->nr, c->used);
		goto out;
	}
	for (i = 0; i < c->nr; i++) {
		idx = c->pages[i];
		if (idx >= pool->nr_pages) {
			audit_fail(a, "vm %u: cache page %u out of range",
				   vm->slot, idx);
			continue;
		}
		dirty = test_bit(idx, pool->dirty);
		if (!test_bit(idx, pool->owned) || test_bit(idx, pool->mapped) ||
		    pool->owner[idx] != vm->slot)
			audit_fail(a, "vm %u: cache page %u: owned %d mapped %d owner %u",
				   vm->slot, idx, test_bit(idx, pool->owned),
				   test_bit(idx, pool->mapped), pool->owner[idx]);
		if (c->how[i] & VMPOOL_CACHE_OWN) {
			/* Ready to be seen: nothing to zero. */
			if (test_bit(idx, pool->stale) ||
			    (dirty && (vm->flags & VMPOOL_VM_ZERO_RELEASED)) ||
			    dirty != !!(c->how[i] & VMPOOL_CACHE_RECYCLED))
				audit_fail(a, "vm %u: own cache page %u: stale %d dirty %d",
					   vm->slot, idx,
					   test_bit(idx, pool->stale), dirty);
			own++;
			continue;
		}
		if (dirty)
			audit_fail(a, "vm %u: lent cache page %u dirty", vm->slot,
				   idx);
		a->node_lent[vmpool_page_nid(pool, idx)]++;
		(*lent)++;
	}
	audit_expect(a, "vm cache's own pages", own, c->own);
out:
	vmpool_cache_unlock(vm);
}

/* Held pages: unowned, unmapped, marked with a live tenant. */
static unsigned long audit_held(struct vmpool_auditor *a)
{
	struct vmpool_pool *pool = a->pool;
	struct vmpool_tenant *t;
	unsigned long n = 0;
	u32 idx;

	for (idx = pool->held.head; idx != VMPOOL_NONE; idx = pool->next[idx]) {
		if (!audit_see(a, idx, "held list"))
			break;
		t = xa_load(&pool->tenants, pool->owner[idx]);
		if (test_bit(idx, pool->owned) || test_bit(idx, pool->mapped) ||
		    !t)
			audit_fail(a, "held list: page %u: owned %d mapped %d mark %u",
				   idx, test_bit(idx, pool->owned),
				   test_bit(idx, pool->mapped), pool->owner[idx]);
		n++;
	}
	audit_expect(a, "held list", n, pool->held.count);
	return n;
}

/* Held pages marked with tenant @t. */
static unsigned long audit_held_of(struct vmpool_pool *pool,
				   struct vmpool_tenant *t)
{
	unsigned long n = 0;
	u32 idx;

	for (idx = pool->held.head; idx != VMPOOL_NONE; idx = pool->next[idx])
		if (pool->owner[idx] == t->slot)
			n++;
	return n;
}

/* Pages in transit are on no list: unseen, unowned and unmapped. */
static unsigned long audit_transit(struct vmpool_auditor *a)
{
	struct vmpool_pool *pool = a->pool;
	unsigned long i, n = 0;

	for_each_clear_bit(i, a->seen, pool->nr_pages) {
		if (test_bit(i, pool->owned) || test_bit(i, pool->mapped))
			audit_fail(a, "page %lu: owned %d mapped %d, on no list",
				   i, test_bit(i, pool->owned),
				   test_bit(i, pool->mapped));
		n++;
	}
	audit_expect(a, "transit", n, pool->nr_transit);
	/* Only a dedicated pool holds stale pages, and they hold data. */
	for_each_set_bit(i, pool->stale, pool->nr_pages)
		if (!test_bit(i, pool->owned) || test_bit(i, pool->mapped) ||
		    !test_bit(i, pool->dirty))
			audit_fail(a, "page %lu: stale but owned %d mapped %d dirty %d",
				   i, test_bit(i, pool->owned),
				   test_bit(i, pool->mapped),
				   test_bit(i, pool->dirty));
	return n;
}

/**
 * vmpool_audit - check the pool's accounting
 * @pool: the pool.
 * @out: receives what was counted and the number of inconsistencies;
 *	its size and flags are left alone.
 *
 * Context: process context; takes the pool lock.
 */
void vmpool_audit(struct vmpool_pool *pool, struct vmpool_audit *out)
{
	struct vmpool_auditor a = { .pool = pool, .out = out };
	unsigned long free = 0, dedicated = 0, mapped = 0, held, transit;
	unsigned long swapped = 0, clean = 0, reserved = 0, vm_transit = 0;
	unsigned long lent = 0;
	unsigned long tslot, vslot;
	struct vmpool_tenant *t;
	struct vmpool_vm *vm;
	unsigned int nid;

	out->errors = 0;
	out->nr_vms = 0;
	a.seen = bitmap_zalloc(pool->nr_pages, GFP_KERNEL);
	/* Free, dedicated, mapped and lent pages per node, one after another. */
	a.node_free = kcalloc(4 * nr_node_ids, sizeof(*a.node_free),
			      GFP_KERNEL);
	if (!a.seen || !a.node_free)
		goto err_free;
	/* Global, then dedicated pages per block, one array after another. */
	a.block_free = kvcalloc(2 * (pool->nr_blocks + 1),
				sizeof(*a.block_free), GFP_KERNEL);
	if (!a.block_free)
		goto err_free;
	a.block_dedicated = a.block_free + pool->nr_blocks + 1;
	a.node_dedicated = a.node_free + nr_node_ids;
	a.node_mapped = a.node_dedicated + nr_node_ids;
	a.node_lent = a.node_mapped + nr_node_ids;

	mutex_lock(&pool->lock);
	/* The store does not change while the pool lock is held. */
	a.seen_slots = kvcalloc(BITS_TO_LONGS(pool->store.nr_slots),
				sizeof(long), GFP_KERNEL);
	if (!a.seen_slots && pool->store.nr_slots) {
		mutex_unlock(&pool->lock);
		goto err_free;
	}
	/*
	 * The VMs' fault caches as they stand, then emptied: no page map
	 * changes under the walk below (a cache is refilled under the pool
	 * lock only), and every page is on a list or in a page map.
	 */
	xa_for_each(&pool->vms, vslot, vm)
		audit_vm_cache(&a, vm, &lent);
	audit_expect(&a, "lent", lent, pool->nr_lent);
	for (nid = 0; nid < nr_node_ids; nid++)
		audit_expect(&a, "lent on a node", a.node_lent[nid],
			     pool->node_lent[nid]);
	vmpool_cache_drain_all(pool);
	free += audit_nlist(&a, &pool->unmarked, false, 0, "unmarked list");
	free += audit_zeroed(&a);
	held = audit_held(&a);

	xa_for_each(&pool->tenants, tslot, t) {
		unsigned long t_ded = 0, t_map = 0, t_vms = 0;

		free += audit_nlist(&a, &t->free, false, t->slot, "tenant list");
		xa_for_each(&pool->vms, vslot, vm) {
			unsigned long n;

			if (vm->tenant != t)
				continue;
			n = audit_nlist(&a, &vm->dedicated, true, vm->slot,
					"dedicated list");
			if (vm->nr_leaving > n)
				audit_fail(&a, "vm %u: %lu pages promised away, %lu free",
					   vm->slot, vm->nr_leaving, n);
			t_ded += n;
			n = audit_vm_map(&a, vm, &swapped, &clean);
			audit_expect(&a, "vm mapped", n, vm->nr_mapped);
			audit_vm_huge(&a, vm);
			t_map += n;
			t_vms++;
		}
		audit_expect(&a, "tenant dedicated", t_ded, t->nr_dedicated);
		audit_expect(&a, "tenant mapped", t_map, t->nr_mapped);
		audit_expect(&a, "tenant vms", t_vms, t->nr_vms);
		audit_expect(&a, "tenant held", audit_held_of(pool, t),
			     t->nr_held);
		if (!t->nr_vms && !t->free.count && !t->nr_held)
			audit_fail(&a, "tenant %u: unused but not freed", t->slot);
		if (list_empty(&t->marked) != !t->free.count)
			audit_fail(&a, "tenant %u: %lu global pages, %s the marked list",
				   t->slot, t->free.count,
				   list_empty(&t->marked) ? "not on" : "on");
		dedicated += t_ded;
		mapped += t_map;
		out->nr_vms += t_vms;
	}

	xa_for_each(&pool->vms, vslot, vm) {
		if (!xa_load(&pool->tenants, vm->tenant->slot))
			audit_fail(&a, "vm %u: tenant not registered", vm->slot);
		reserved += vm->nr_reserved;
		vm_transit += vm->nr_transit;
		if (vmpool_vm_holding(vm) > vm->limit)
			audit_fail(&a, "vm %u: holds %lu pages, limit %lu", vm->slot,
				   vmpool_vm_holding(vm), vm->limit);
		/* Only a file's ioctl or fault promises: a closed VM has none. */
		if (vm->closed && (vm->nr_reserved || vm->nr_leaving ||
				   vm->nr_arriving))
			audit_fail(&a, "vm %u: closed with promises %lu/%lu/%lu",
				   vm->slot, vm->nr_reserved, vm->nr_leaving,
				   vm->nr_arriving);
	}

	transit = audit_transit(&a);
	audit_blocks(&a);
	audit_expect(&a, "global free", free, pool->nr_free);
	for (nid = 0; nid < nr_node_ids; nid++) {
		audit_expect(&a, "global free on a node", a.node_free[nid],
			     pool->node_free[nid]);
		audit_expect(&a, "dedicated on a node", a.node_dedicated[nid],
			     pool->node_dedicated[nid]);
		audit_expect(&a, "mapped on a node", a.node_mapped[nid],
			     pool->node_mapped[nid]);
	}
	/* Promised pages are free pages, each promised to one VM. */
	audit_expect(&a, "reserved", reserved, pool->nr_reserved);
	/* In transit: the VMs' pages, and the scrubber's batch. */
	audit_expect(&a, "transit of VMs and scrubber",
		     vm_transit + pool->scrub.transit, pool->nr_transit);
	if (pool->nr_reserved > free)
		audit_fail(&a, "%lu pages promised, %lu free", pool->nr_reserved,
			   free);
	audit_expect(&a, "dedicated", dedicated, pool->nr_dedicated);
	audit_expect(&a, "mapped", mapped, pool->nr_mapped);
	audit_expect(&a, "mapped bits", bitmap_weight(pool->mapped, pool->nr_pages),
		     mapped);
	audit_expect(&a, "owned bits", bitmap_weight(pool->owned, pool->nr_pages),
		     dedicated + mapped);
	audit_expect(&a, "pages seen + transit",
		     bitmap_weight(a.seen, pool->nr_pages) + transit,
		     pool->nr_pages);
	audit_expect(&a, "free + dedicated + mapped + held + transit",
		     free + dedicated + mapped + held + transit, pool->nr_pages);
	audit_expect(&a, "store slots used",
		     swapped + clean + pool->store.nr_writing,
		     pool->store.nr_used);
	audit_expect(&a, "store clean copies", clean, pool->store.nr_clean);
	mutex_unlock(&pool->lock);

	out->total_pages = bitmap_weight(a.seen, pool->nr_pages) + transit;
	out->free_pages = free;
	out->dedicated_pages = dedicated;
	out->mapped_pages = mapped;
	out->held_pages = held;
	out->transit_pages = transit;
	out->swapped_pages = swapped;
	kvfree(a.seen_slots);
	bitmap_free(a.seen);
	kfree(a.node_free);
	kvfree(a.block_free);
	return;

err_free:
	bitmap_free(a.seen);
	kfree(a.node_free);
	kvfree(a.block_free);
	out->errors = 1;
}
