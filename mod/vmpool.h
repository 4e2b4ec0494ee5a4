/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpool: dedicated per-VM memory pools - internal interfaces.
 *
 * Data layout
 * -----------
 * The managed memory is an array of pages, numbered by pool index (see
 * pool.c).  Per page the pool keeps, in flat arrays (10.5 bytes a page):
 *
 *   owned      bitmap: the page belongs to a VM (dedicated or mapped);
 *   owner[i]   if owned, the slot of that VM; otherwise the slot of the
 *              tenant whose data the page may hold, or 0 for none;
 *   dirty      bitmap: the page may hold data (it is not known to be zero);
 *              a dirty page needs scrubbing before it crosses to another
 *              tenant;
 *   mapped     bitmap: the page backs guest memory of its owner;
 *   stale      bitmap: the page is in its VM's dedicated pool and holds
 *              data of a guest page that now lives in the store (page-out
 *              freed it): it is zeroed before it backs a hole, as any new
 *              memory of the VM reads as zero, but not before the store
 *              is read into it;
 *   next[i], prev[i]
 *              links of the free list the page is on (doubly linked: a
 *              whole 2 MiB block leaves its lists page by page, huge.c).
 *
 * Per 2 MiB block of 512 pages, the pool counts its pages in the global
 * pool and in dedicated pools (huge.c).
 *
 * A page that is not mapped is on exactly one free list: the
 * global list of the tenant it is marked with, the global list of unmarked
 * pages, the global list of zeroed pages, the dedicated list of its VM, or
 * the held list; or it is in transit, zeroed outside the lock on the
 * private list of a grow, split or merge, in the scrubber's batch, or as a
 * fault's page, or read from the store; or it is in a VM's fault cache
 * (cache.c), still counted in the dedicated pool or the global pool it
 * came from.  A page a fault took from its VM's cache is mapped, but
 * its mapped and dirty bits and the counters say so only once the cache
 * is folded, under the pool lock (vmpool_cache_fold()).
 *
 * Page references: every pool page is an order-0 page with a reference
 * count, of which the pool owns one.  Guest memory maps the pages
 * themselves (VM_MIXEDMAP, vm_insert_page()), so each mapping, and anything
 * get_user_pages() hands out (KVM, VFIO pins, O_DIRECT, vmsplice), holds a
 * reference of its own; a PMD mapping 2 MiB of a region pool (huge.c)
 * holds none, and get_user_pages() references the 4 KiB page it returns.
 * A page leaving a VM is first unmapped everywhere; if its count is then
 * still above the pool's one, something still reads or writes it, and it
 * goes to the held list, marked with its tenant, until the count drops: it
 * never changes hands, nor is it zeroed, under a reader.
 *
 * The security invariant: a page owned by a VM holds only data of that VM
 * or zeros, unless the VM accepts its tenant's data (VMPOOL_VM_SHARE_TENANT),
 * in which case it holds only data of its tenant or zeros.  A page is
 * zeroed when it enters a VM (fault, populate, grow, split, merge) while
 * dirty, unless it holds the VM's tenant's data and the VM shares with its
 * tenant; a page released by a VM stays with it unzeroed (in its dedicated
 * pool), or, with VMPOOL_VM_ZERO_RELEASED, is zeroed when touched again.
 *
 * Lock ordering
 * -------------
 *   inode->i_rwsem             (of a VM's inode; fallocate() holds it,
 *                               faults do not take it)
 *     mapping->invalidate_lock (faults take it shared, hole punching and
 *                               page-out exclusive)
 *       vmpool_vm.swap_lock    (a fault reading a page back from the
 *                               store)
 *         vmpool_pool.lock     (mutex: every per-page array, every free
 *                               list, every counter, each VM's page map,
 *                               the store's slots)
 *           vmpool_cache.lock  (spinlock, of one VM: its fault cache, and
 *                               each entry of its page map that goes from
 *                               none to a page; a fault that takes a page
 *                               of the cache takes it alone, under the
 *                               invalidate lock)
 *
 * A fault finds a guest page that is backed already under the invalidate
 * lock alone: no page leaves a guest page but under it exclusive.  A fault
 * that takes a new page from its VM's cache (cache.c) takes the cache's
 * lock only; one that finds the cache empty takes the pool lock to refill
 * it, a batch at a time: two VMs' faults wait for each other only then.
 *
 * vm_insert_page() and unmap_mapping_range() take the page table locks and
 * i_mmap_rwsem; they run outside vmpool_pool.lock, under the invalidate
 * lock.  So does the store's I/O (the store file's own locks), never under
 * vmpool_pool.lock.
 *
 * A VM that finds the pool empty takes another VM's invalidate lock
 * exclusive to page it out (reclaim.c) while it holds none of its own
 * (it drops its own first; its inode->i_rwsem in fallocate() and its
 * mm's mmap_lock in a fault stay, and nothing under an invalidate lock
 * takes those).  No one waits for a VM's invalidate lock while holding
 * another's.
 *
 * The close work (close.c) and the scrubber (scrub.c) take vmpool_pool.lock
 * only.  A grow or a fault short of pages waits for them
 * (vmpool_pool_wait_pending()) holding no lock of the pool or of a VM's
 * mapping; its inode->i_rwsem, or its mm's mmap_lock, stays, and neither
 * takes those.
 *
 * The scheduler feed (attach.c, sched.c) has locks of its own, outside all
 * of the above but vmpool_pool.lock:
 *
 *   vmpool_sched_mutex        (attaching and tearing down activities,
 *                              registering the probes)
 *     vmpool_attach_lock      (spinlock: the attachment table and every
 *                              activity's attachment list; the exit probe
 *                              takes it too)
 *   vmpool_activity.lock      (raw spinlock: running count, predictor,
 *                              wake-up timers; the probes take it with
 *                              the runqueue lock, a task's pi_lock or an
 *                              hrtimer base lock held; a leaf, also taken
 *                              under vmpool_pool.lock to read statistics)
 */
#ifndef _VMPOOL_H
#define _VMPOOL_H

#include <linux/bvec.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>

struct crypto_sync_skcipher;
#include <linux/uuid.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/vmpool.h>

#include "compat.h"
#include "place.h"
#include "predict.h"

/* End of a free list; also "no page" in a VM's page map. */
#define VMPOOL_NONE		U32_MAX
/*
 * A VM's page map entry with this bit set (and not %VMPOOL_NONE) is a slot
 * of the store holding the page's data; pool indices stay below it.
 */
#define VMPOOL_SWAP_TAG		BIT(31)
/* Slots a store may have: every tagged slot stays below %VMPOOL_NONE. */
#define VMPOOL_STORE_MAX_SLOTS	(VMPOOL_SWAP_TAG - 1)

/* Whether page map entry @e is a store slot. */
static inline bool vmpool_entry_swapped(u32 e)
{
	return e != VMPOOL_NONE && (e & VMPOOL_SWAP_TAG);
}

/* Pages of a 2 MiB block of the pool, or of an extent of a VM (huge.c). */
#define VMPOOL_BLOCK_PAGES	(PMD_SIZE / PAGE_SIZE)

/* Slots are 16 bits wide; 0 means "none". */
#define VMPOOL_MAX_SLOT		U16_MAX

/**
 * struct vmpool_chunk - one physically contiguous range of the pool
 * @pfn: first page frame.
 * @nr_pages: length of the range in pages.
 * @first: pool index of the chunk's first page.
 * @order: allocation order when taken from the page allocator.
 * @nid: the NUMA node its memory is on.
 */
struct vmpool_chunk {
	unsigned long pfn;
	unsigned long nr_pages;
	unsigned long first;
	unsigned int order;
	int nid;
};

/**
 * struct vmpool_range - a physical range the pool holds as ZONE_DEVICE pages
 * @node: in &vmpool_pool.ranges.
 * @pgmap: its struct pages.
 * @nid: its NUMA node.
 * @removed: Linux's memory until the load removed it (movable memory
 *	blocks); added back at unload.
 *
 * The range is @pgmap.range, claimed in the iomem tree and mapped while it
 * is on the list.
 */
struct vmpool_range {
	struct list_head node;
	struct dev_pagemap pgmap;
	int nid;
	bool removed;
};

/**
 * struct vmpool_list - a doubly linked list of pool pages
 * @head: first page, or %VMPOOL_NONE.
 * @count: pages on the list.
 */
struct vmpool_list {
	u32 head;
	unsigned long count;
};

/**
 * struct vmpool_nlist - free pages on one list per NUMA node (node.c)
 * @node: the lists, one per possible node (nr_node_ids of them), each of
 *	pages on that node only.
 * @count: pages on all of them.
 */
struct vmpool_nlist {
	struct vmpool_list *node;
	unsigned long count;
};

/**
 * struct vmpool_tenant - a security domain
 * @id: the 128-bit tenant id userspace gave.
 * @slot: the tenant's number in per-page marks.
 * @node: entry in vmpool_pool.tenant_list.
 * @marked: entry in vmpool_pool.marked while @free is not empty.
 * @nr_vms: live VMs of this tenant.
 * @free: global pages that last held this tenant's data, by node; the
 *	tenant (and its slot) outlives its VMs until none is left.
 * @nr_held: held pages marked with this tenant; they keep it alive too.
 * @nr_dedicated: free pages in the dedicated pools of this tenant's VMs.
 * @nr_mapped: pages mapped by this tenant's VMs.
 * @crypt: the tenant's key for an encrypted store (crypt.c), made when
 *	one of its VMs first writes there, freed when its last VM goes;
 *	set under vmpool_pool.lock, read without it by its VMs.
 *
 * All fields but @id and @slot are protected by vmpool_pool.lock.
 */
struct vmpool_tenant {
	uuid_t id;
	u16 slot;
	struct list_head node;
	struct list_head marked;
	unsigned int nr_vms;
	struct vmpool_nlist free;
	unsigned long nr_held;
	unsigned long nr_dedicated;
	unsigned long nr_mapped;
	struct crypto_sync_skcipher *crypt;
};

/**
 * struct vmpool_backing - the store paged-out guest pages go to (store.c)
 * @file: a regular file or block device, with a reference; NULL if none.
 * @nr_slots: pages it holds.
 * @used: per slot, set while it holds a page.
 * @nr_used: slots set in @used.
 * @nr_clean: of those, slots that hold clean copies of resident pages
 *	(clean.c).
 * @nr_writing: of those, slots taken by page-out writes in flight, not
 *	yet in a VM's page map (swap.c).
 * @next: where the search for a free slot starts.
 * @encrypt: pages go to the store encrypted with their tenant's key.
 *
 * Protected by vmpool_pool.lock.
 */
struct vmpool_backing {
	struct file *file;
	unsigned long nr_slots;
	unsigned long *used;
	unsigned long nr_used;
	unsigned long nr_clean;
	unsigned long nr_writing;
	unsigned long next;
	bool encrypt;
};

/**
 * struct vmpool_shortage - how often VMs found the pool empty (reclaim.c)
 * @shortages: times a VM needed a page and found none free.
 * @failures: of those, times no other VM could give one.
 * @reclaimed: pages VMs gave up for others.
 * @reclaimed_running: of those, pages given up by running VMs.
 */
struct vmpool_shortage {
	u64 shortages;
	u64 failures;
	u64 reclaimed;
	u64 reclaimed_running;
};

/**
 * struct vmpool_scrub - the background scrubber (scrub.c)
 * @task: its thread; NULL once stopped.
 * @wait: where it sleeps.
 * @kicked: it has been woken to look at the reserve again.
 * @active: it refills the reserve (below the low mark on start, until the
 *	high one).
 * @paused: reports in progress that want none of its pages in transit.
 * @hurried: someone waits for its batch: it runs in the normal class
 *	until the batch is done.
 * @transit: pages it is zeroing, on no list (counted in
 *	vmpool_pool.nr_transit too).
 * @batches: batches it has put on the zeroed list.
 * @bytes: bytes it has zeroed.
 * @hits: pages VMs took from the global pool already zeroed.
 * @misses: pages VMs took from the global pool and had to zero.
 *
 * Protected by vmpool_pool.lock (@transit and @batches are read without
 * it by whoever waits for a batch).
 */
struct vmpool_scrub {
	struct task_struct *task;
	wait_queue_head_t wait;
	bool kicked;
	bool active;
	unsigned int paused;
	bool hurried;
	unsigned long transit;
	u64 batches;
	u64 bytes;
	u64 hits;
	u64 misses;
};

/**
 * struct vmpool_pool - the memory managed by the module
 * @source: where the memory came from (&enum vmpool_source).
 * @chunks: contiguous ranges, in pool index order; read-only after load.
 * @nr_chunks: entries used in @chunks.
 * @chunks_cap: entries allocated for @chunks.
 * @nr_pages: total pages over all chunks; read-only after load.
 * @mem_nodes: the nodes the chunks are on; read-only after load.
 * @ranges: the physical ranges whose pages the pool made ZONE_DEVICE pages
 *	of (&struct vmpool_range: a boot-reserved region, or movable memory
 *	blocks); empty for the page allocator source; read-only after load.
 * @held_work: returns held pages whose last outside reference went.
 * @lock: protects everything below, and every VM's page map and counters.
 * @owner: per page, owning VM slot if owned, else tenant mark (0: none).
 * @next: per page, free list link.
 * @prev: per page, the link back (free lists are doubly linked).
 * @owned: per page, set while a VM owns the page.
 * @dirty: per page, set while the page may hold data.
 * @mapped: per page, set while the page backs guest memory.
 * @stale: per page, set while the page is in a dedicated pool holding data
 *	that lives on in the store.
 * @zeroed: global pages known to hold zeros, by node: the pre-zeroed
 *	reserve, which every VM takes from first (scrub.c).
 * @unmarked: global pages holding no tenant's data, but not known to be
 *	zero (memory fresh from the source), by node.
 * @marked: tenants whose global list is not empty, oldest first.
 * @held: pages released while referenced elsewhere, marked with their
 *	tenant; while it is not empty the module holds a reference to itself.
 * @nr_free: pages in the global pool (on @unmarked, @zeroed or a tenant's
 *	list).
 * @node_free: per NUMA node (nr_node_ids of them), the pages of @nr_free
 *	on that node.
 * @node_dedicated: per NUMA node, the pages of @nr_dedicated on it.
 * @node_mapped: per NUMA node, the pages of @nr_mapped on it.
 * @nr_reserved: of those, pages promised to grows in progress: no one
 *	else takes them.
 * @nr_lent: of @nr_free, zeroed pages lent to VMs' fault caches
 *	(cache.c): off the lists, but counted in @nr_free, @node_free and
 *	the reserve (vmpool_reserve_pages()) until the fault that
 *	takes one is folded in (vmpool_cache_fold()).
 * @node_lent: per NUMA node, the pages of @nr_lent on it.
 * @nr_transit: pages on no list: being zeroed outside the lock (on the
 *	private list of a grow, split or merge, a fault's page, or in the
 *	scrubber's batch), or read from the store.
 * @nr_dedicated: free pages in dedicated pools.
 * @nr_mapped: pages backing guest memory.
 * @bytes_zeroed: bytes zeroed for a change of tenant.
 * @pages_recycled: pages handed out without zeroing.
 * @vms: live VMs by slot (the xarray has its own lock for writers; entries
 *	are added and removed under @lock too).
 * @tenants: tenants by slot (same rules as @vms).
 * @tenant_list: every tenant, for lookup by id.
 * @store: the backing store of paged-out pages.
 * @shortage: VMs that found the pool empty, and what others gave them.
 * @closing: VMs closed whose memory is not back yet, oldest first
 *	(close.c).
 * @close_work: returns their memory.
 * @scrub: the scrubber that fills @zeroed.
 * @nr_blocks: 2 MiB blocks of the pool (huge.c); read-only after load.
 * @block_ok: per block, set if it is physically contiguous and aligned;
 *	read-only after load.
 * @block_free: per block, its pages in the global pool.
 * @whole: per block, set while it is aligned and all its pages are in
 *	the global pool.
 * @block_dedicated: per block, its pages in dedicated pools.
 */
struct vmpool_pool {
	u32 source;
	struct vmpool_chunk *chunks;
	unsigned int nr_chunks;
	unsigned int chunks_cap;
	unsigned long nr_pages;
	nodemask_t mem_nodes;
	struct list_head ranges;
	struct delayed_work held_work;

	struct mutex lock;	/* see the lock ordering above */
	u16 *owner;
	u32 *next;
	u32 *prev;
	unsigned long *owned;
	unsigned long *dirty;
	unsigned long *mapped;
	unsigned long *stale;
	struct vmpool_nlist unmarked;
	struct list_head marked;
	struct vmpool_list held;
	unsigned long nr_free;
	unsigned long *node_free;
	unsigned long *node_dedicated;
	unsigned long *node_mapped;
	unsigned long nr_reserved;
	unsigned long nr_lent;
	unsigned long *node_lent;
	unsigned long nr_transit;
	unsigned long nr_dedicated;
	unsigned long nr_mapped;
	u64 bytes_zeroed;
	u64 pages_recycled;
	struct xarray vms;
	struct xarray tenants;
	struct list_head tenant_list;
	struct vmpool_backing store;
	struct vmpool_shortage shortage;
	struct list_head closing;
	struct work_struct close_work;
	struct vmpool_nlist zeroed;
	struct vmpool_scrub scrub;
	unsigned long nr_blocks;
	unsigned long *block_ok;
	u16 *block_free;
	unsigned long *whole;
	u16 *block_dedicated;
};

/**
 * struct vmpool_idle - paging a sleeping VM out and back in (idle.c)
 * @limit: pages the VM keeps while idle, or %VMPOOL_IDLE_LIMIT_NONE.
 * @off: the VM is going: nothing more is queued.
 * @touched: per guest page: faulted in since the VM last went idle (or
 *	since its first idle limit was set).
 * @prefetch: per guest page: to read back before the next activation.
 * @prefetched: per guest page: read back ahead, not touched yet.
 * @hot: per guest page: touched in the last active period (its working
 *	set), as @touched was when the VM last went idle.
 * @nowait: per guest page: to read back for a fault that could not wait
 *	(swap.c).
 * @nowait_work: reads them.
 * @mms: the address spaces mapping the VM (premap.c); protected by
 *	@mms_lock.
 * @mms_lock: taken after the mmap lock of an address space.
 * @prefetch_used: prefetched pages touched.
 * @faulting: faults of the VM in progress: a thread that waits for its
 *	page to be read back is not idle.
 * @read_ns: what reading one page back took, smoothed.
 * @map_ns: what mapping one page ahead took, smoothed.
 * @irq: queued by the scheduler probe when the VM goes idle.
 * @out_work: pages the VM out to its limit.
 * @in_work: reads the working set back.
 * @timer: starts @in_work ahead of the predicted activation.
 *
 * The bitmaps are changed with atomic bit operations under the VM's
 * invalidate lock (shared), and cleared whole under it (exclusive).
 */
struct vmpool_idle {
	u64 limit;
	bool off;
	unsigned long *touched;
	unsigned long *prefetch;
	unsigned long *prefetched;
	unsigned long *hot;
	unsigned long *nowait;
	struct work_struct nowait_work;
	struct list_head mms;
	struct mutex mms_lock;	/* guards @mms */
	atomic_long_t prefetch_used;
	atomic_t faulting;
	u64 read_ns;
	u64 map_ns;
	struct irq_work irq;
	struct work_struct out_work;
	struct work_struct in_work;
	struct hrtimer timer;
};

/* Pages a VM's fault cache holds at most (cache.c). */
#define VMPOOL_CACHE_PAGES	32
/* A page of the cache came from the VM's dedicated pool (else: lent). */
#define VMPOOL_CACHE_OWN	BIT(0)
/* ... and holds data the VM released, which it may see. */
#define VMPOOL_CACHE_RECYCLED	BIT(1)

/**
 * struct vmpool_cache - pages a VM's faults take without the pool lock
 *	(cache.c)
 * @lock: protects @used, and the entries of @pages and @how from @used
 *	on; @nr, @pages and @how change only with vmpool_pool.lock held too.
 * @pages: pool indices: [0, @used) back guest pages, not counted as
 *	mapped yet; [@used, @nr) are ready for the VM to see (owned by it,
 *	zeroed unless they hold only what it may see).
 * @how: per entry of @pages, %VMPOOL_CACHE_OWN and %VMPOOL_CACHE_RECYCLED.
 * @nr: entries of @pages: pages the VM holds (vmpool_vm_holding()).
 * @used: entries faults took.
 * @own: of @nr, pages from the VM's dedicated pool, which still counts
 *	them (the others are lent by the global pool); protected by
 *	vmpool_pool.lock.
 * @first: the node the entries were taken for first (the place's), or
 *	%NUMA_NO_NODE; protected like @nr.
 */
struct vmpool_cache {
	spinlock_t lock;	/* see above, and the lock ordering */
	u32 pages[VMPOOL_CACHE_PAGES];
	u8 how[VMPOOL_CACHE_PAGES];
	unsigned int nr;
	unsigned int used;
	unsigned int own;
	int first;
};

/**
 * struct vmpool_vm - one VM: a file whose shared mappings are guest memory
 * @pool: the pool it draws from.
 * @inode: the VM's inode; @inode->i_private points back here.
 * @users: open files of a VM made by %VMPOOL_VM_CREATE; when it drops to 0
 *	the VM's memory returns to the global pool (the structure lives until
 *	the inode is evicted).  A VM of a vmpool mount lives as its inode
 *	does, and keeps its first user.
 * @slot: the VM's number in per-page owners.
 * @flags: ``VMPOOL_VM_*`` creation flags.
 * @tenant: the VM's tenant.
 * @name: NUL-terminated name.
 * @nr_pages: guest memory in pages (the file size).
 * @limit: most pages the VM may hold, mapped and dedicated together.
 * @node: the NUMA node its memory comes from first, or %NUMA_NO_NODE.
 * @map: per guest page, the pool index backing it or %VMPOOL_NONE;
 *	protected by @pool->lock.  An entry naming a page also by the VM's
 *	invalidate lock: set under it shared (a release store), cleared
 *	under it exclusive, so that a fault (or the mapping ahead) holding
 *	it shared reads such an entry without @pool->lock
 *	(vmpool_vm_populate(), premap.c).  An entry goes from
 *	%VMPOOL_NONE to a page only under @cache.lock, which a fault that
 *	takes a page of its cache holds instead of @pool->lock.  Read
 *	without any of them only as a hint, by vmpool_swap_in_nowait().
 * @cache: pages its faults take without @pool->lock (cache.c).
 * @dedicated: the VM's dedicated free pages, by node; protected by
 *	@pool->lock.
 * @huge: per extent of 512 guest pages, set while a whole block backs it
 *	(huge.c); changed with atomic bit operations under @pool->lock,
 *	cleared under the invalidate lock exclusive too, so that a fault
 *	holding it shared reads a set bit without @pool->lock.
 * @pmd_faults: faults that mapped an extent with one PMD.
 * @nr_huge: bits set in @huge; protected by @pool->lock.
 * @whole: per block of the pool, set while all its pages are in
 *	@dedicated; protected by @pool->lock.
 * @nr_mapped: guest pages backed; protected by @pool->lock.
 * @nr_transit: pages of it in transit: on their way into @dedicated, a
 *	fault's page being zeroed, or pages the store is read into;
 *	protected by @pool->lock.
 * @nr_reading: of those, pages the store is read into; protected by
 *	@pool->lock.
 * @nr_reserved: pages of the global pool promised to a grow of it in
 *	progress; protected by @pool->lock.
 * @nr_leaving: of @dedicated, pages promised to a shrink of it or a move
 *	from it in progress: nobody else takes them; protected by
 *	@pool->lock.
 * @nr_arriving: pages promised to it by a move from another VM in
 *	progress; protected by @pool->lock.
 * @landed: bumped, under @pool->lock, whenever pages on their way to it
 *	(in transit, or promised) arrive or are given up: a fault that
 *	finds none free while some are on their way waits for it.
 * @stats: counters reported to userspace (mapped_pages and
 *	dedicated_pages are derived); protected by @pool->lock.
 * @activity: when its threads run, and the prediction; NULL until
 *	something is first attached.  Set under vmpool_sched_mutex, cleared
 *	once the VM is @closed (or, for one that never had a file, has left
 *	@pool->vms); read under either, by listings only of VMs not closed.
 * @nr_swapped: guest pages whose data is in the store; protected by
 *	@pool->lock.
 * @clean: per resident guest page read back from the store and not
 *	written since, the slot that still holds its data (a value entry):
 *	its next page-out needs no write; protected by @pool->lock.
 * @nr_clean: entries in @clean; protected by @pool->lock.
 * @swap_lock: held while pages are read back from the store (swap.c),
 *	by the prefetch as long as it has reads in flight; taken before
 *	@pool->lock.
 * @idle: paging while the VM sleeps.
 * @dying: the VM is going: no other VM takes pages from it any more;
 *	protected by @pool->lock.
 * @reclaimers: other VMs taking pages from it (reclaim.c); its memory
 *	goes only once they are done.  Raised under @pool->lock while
 *	@dying is clear.
 * @refs: references to the structure: its inode's, and the close work's
 *	while its memory goes back (close.c).
 * @closed: its last file went; it is on @pool->closing until its memory
 *	is back.  Protected by @pool->lock.
 * @close_node: entry in @pool->closing; protected by @pool->lock.
 */
struct vmpool_vm {
	struct vmpool_pool *pool;
	struct inode *inode;
	refcount_t users;
	u16 slot;
	u32 flags;
	struct vmpool_tenant *tenant;
	char name[VMPOOL_NAME_LEN];
	unsigned long nr_pages;
	unsigned long limit;
	int node;

	u32 *map;
	struct vmpool_cache cache;
	struct vmpool_nlist dedicated;
	unsigned long *huge;
	atomic_long_t pmd_faults;
	unsigned long nr_huge;
	unsigned long *whole;
	unsigned long nr_mapped;
	unsigned long nr_transit;
	unsigned long nr_reading;
	unsigned long nr_reserved;
	unsigned long nr_leaving;
	unsigned long nr_arriving;
	unsigned long landed;
	struct vmpool_vm_stats stats;
	struct vmpool_activity *activity;
	unsigned long nr_swapped;
	struct xarray clean;
	unsigned long nr_clean;
	struct mutex swap_lock;	/* serialises reading pages back */
	struct vmpool_idle idle;
	bool dying;
	atomic_t reclaimers;
	refcount_t refs;
	bool closed;
	struct list_head close_node;
};

/*
 * Pages @vm holds: mapped, in its dedicated pool and not promised away,
 * in its fault cache, on their way there, and promised to it.
 */
static inline unsigned long vmpool_vm_holding(struct vmpool_vm *vm)
{
	return vm->nr_mapped + vm->dedicated.count - vm->nr_leaving +
	       vm->cache.nr + vm->nr_transit + vm->nr_reserved +
	       vm->nr_arriving;
}

/*
 * Pages on their way to @vm that a fault may get: in transit to its
 * dedicated pool or to another fault (not read from the store for guest
 * pages of their own), or promised to it.
 */
static inline unsigned long vmpool_vm_incoming(struct vmpool_vm *vm)
{
	return vm->nr_transit - vm->nr_reading + vm->nr_reserved +
	       vm->nr_arriving;
}

/* Pages on their way to @vm arrived, or were given up: wake its faults. */
static inline void vmpool_vm_landed_locked(struct vmpool_vm *vm)
{
	lockdep_assert_held(&vm->pool->lock);
	vm->landed++;
	/* The store seen before the waiters are looked for. */
	smp_mb();
	wake_up_var(&vm->landed);
}

/* Pages of @vm's dedicated pool free for the taking: not promised away. */
static inline unsigned long vmpool_vm_spare(struct vmpool_vm *vm)
{
	return vm->dedicated.count - vm->nr_leaving;
}

/*
 * Zeroed pages of the global pool on node @nid (%NUMA_NO_NODE: all): on
 * the zeroed lists, or lent to VMs' fault caches.
 */
static inline unsigned long vmpool_reserve_pages(struct vmpool_pool *pool,
						 int nid)
{
	if (nid == NUMA_NO_NODE)
		return pool->zeroed.count + pool->nr_lent;
	return pool->zeroed.node[nid].count + pool->node_lent[nid];
}

/*
 * Global pages anyone may take: on the free lists (not lent to a fault
 * cache), and not promised to a grow.  vmpool_pool_call_back() counts
 * the lent ones too.
 */
static inline unsigned long vmpool_pool_available(struct vmpool_pool *pool)
{
	return pool->nr_free - pool->nr_lent - pool->nr_reserved;
}

/* Timer callbacks, and armed timers, remembered per VM (wake.c). */
#define VMPOOL_WAKE_FNS		4
#define VMPOOL_WAKE_TIMERS	8

/**
 * struct vmpool_wake_timer - a timer armed to wake a VM's thread
 * @timer: the timer, compared by address only; NULL for a free slot.
 * @expires: its expiry, CLOCK_MONOTONIC nanoseconds.
 */
struct vmpool_wake_timer {
	const void *timer;
	u64 expires;
};

/**
 * struct vmpool_wake - the timers that wake a VM's threads (wake.c)
 * @fns: callbacks of timers seen waking an attached thread; written
 *	under the activity's lock, read without it.
 * @next_fn: the entry of @fns to replace when it is full.
 * @armed: timers with such a callback that attached threads armed.
 */
struct vmpool_wake {
	void *fns[VMPOOL_WAKE_FNS];
	unsigned int next_fn;
	struct vmpool_wake_timer armed[VMPOOL_WAKE_TIMERS];
};

/**
 * struct vmpool_activity - when a VM's attached threads run
 * @lock: protects @running, @in_fault, @dead, @pred and @wake.
 * @running: CPUs on which an attached thread runs (as last seen by the
 *	probe on each).
 * @in_fault: @running went to 0 while a fault of the VM waited for its
 *	page: the active period goes on, and the next start is no new one.
 * @dead: the VM is gone; the probe leaves the structure alone.
 * @pred: the history of active and idle periods, and the prediction.
 * @wake: the timers that wake its threads.
 * @vm: the VM; it outlives the activity.
 * @attached: the VM's attachments; protected by vmpool_attach_lock.
 * @nr_attached: entries on @attached; protected by vmpool_attach_lock.
 * @rcu: the structure is freed after a grace period: the probe may hold it.
 */
struct vmpool_activity {
	raw_spinlock_t lock;
	unsigned int running;
	bool in_fault;
	bool dead;
	struct vmpool_predictor pred;
	struct vmpool_wake wake;
	struct vmpool_vm *vm;
	struct list_head attached;
	unsigned int nr_attached;
	struct rcu_head rcu;
};

/**
 * struct vmpool_pool_stats - a consistent snapshot of the global pool
 * @total_pages: pages managed.
 * @free_pages: pages in the global pool.
 * @dedicated_pages: free pages in dedicated pools.
 * @mapped_pages: pages backing guest memory.
 * @metadata_bytes: bytes of tracking structures.
 * @nr_vms: live VMs.
 * @nr_tenants: tenants known.
 * @bytes_zeroed: bytes zeroed for a change of tenant.
 * @pages_recycled: pages handed out without zeroing.
 * @held_pages: pages held back while referenced elsewhere.
 * @transit_pages: pages on their way into a dedicated pool.
 * @swapped_pages: guest pages whose data is in the store.
 * @store_slots: pages the store holds.
 * @shortage: VMs that found the pool empty.
 * @closing_pages: pages of closed VMs on their way back.
 * @reserve_pages: free pages known to be zero.
 * @scrubbed_bytes: bytes the scrubber zeroed.
 * @reserve_hits: pages VMs took from the global pool already zeroed.
 * @reserve_misses: pages VMs took from the global pool and zeroed.
 * @promised_pages: of @free_pages, promised to grows in progress.
 * @leaving_pages: of @dedicated_pages, promised to shrinks and moves.
 * @free_blocks: whole 2 MiB blocks in the global pool.
 * @huge_pages: guest pages backed by whole blocks.
 */
struct vmpool_pool_stats {
	u64 total_pages;
	u64 free_pages;
	u64 dedicated_pages;
	u64 mapped_pages;
	u64 metadata_bytes;
	u32 nr_vms;
	u32 nr_tenants;
	u64 bytes_zeroed;
	u64 pages_recycled;
	u64 held_pages;
	u64 transit_pages;
	u64 swapped_pages;
	u64 store_slots;
	struct vmpool_shortage shortage;
	u64 closing_pages;
	u64 reserve_pages;
	u64 scrubbed_bytes;
	u64 reserve_hits;
	u64 reserve_misses;
	u64 promised_pages;
	u64 leaving_pages;
	u64 free_blocks;
	u64 huge_pages;
};

/* pool.c */
void vmpool_pool_init(struct vmpool_pool *pool, u32 source);
int vmpool_pool_add_chunk(struct vmpool_pool *pool, unsigned long pfn,
			  unsigned long nr_pages, unsigned int order);
int vmpool_pool_init_pages(struct vmpool_pool *pool);
void vmpool_pool_destroy(struct vmpool_pool *pool);
void vmpool_pool_stats(struct vmpool_pool *pool, struct vmpool_pool_stats *st);
unsigned long vmpool_page_pfn(struct vmpool_pool *pool, u32 idx);
int vmpool_page_nid(struct vmpool_pool *pool, u32 idx);
bool vmpool_pages_contiguous(struct vmpool_pool *pool, u32 idx,
			     unsigned long n);
void vmpool_free_add(struct vmpool_pool *pool, u32 idx);
void vmpool_free_sub(struct vmpool_pool *pool, u32 idx);
void vmpool_page_zero(struct vmpool_pool *pool, u32 idx);
bool vmpool_page_busy(struct vmpool_pool *pool, u32 idx);
void vmpool_pool_scrub(struct vmpool_pool *pool);
void vmpool_list_push(struct vmpool_pool *pool, struct vmpool_list *list, u32 idx);
u32 vmpool_list_pop(struct vmpool_pool *pool, struct vmpool_list *list);
void vmpool_list_del(struct vmpool_pool *pool, struct vmpool_list *list,
		     u32 idx);

/* huge.c */
int vmpool_blocks_init(struct vmpool_pool *pool);
void vmpool_blocks_free(struct vmpool_pool *pool);
void vmpool_block_free_add(struct vmpool_pool *pool, u32 idx);
void vmpool_block_free_sub(struct vmpool_pool *pool, u32 idx);
u32 vmpool_block_find(struct vmpool_pool *pool, const struct vmpool_place *p);
void vmpool_block_dedicated_add(struct vmpool_vm *vm, u32 idx);
void vmpool_block_dedicated_sub(struct vmpool_vm *vm, u32 idx);
u32 vmpool_block_find_dedicated(struct vmpool_vm *vm,
				const struct vmpool_place *p);
int vmpool_vm_extent_state(struct vmpool_vm *vm, pgoff_t index);
bool vmpool_pmd_available(struct vmpool_pool *pool);
bool vmpool_vm_pmd_mapped(struct vm_fault *vmf);
vm_fault_t vmpool_vm_huge_fault(struct vm_fault *vmf, unsigned int order);

/* source.c */
int vmpool_pool_init_page_alloc(struct vmpool_pool *pool, unsigned long nr_pages);
int vmpool_pool_init_region(struct vmpool_pool *pool, phys_addr_t phys,
			    u64 size);
void vmpool_page_alloc_release(struct vmpool_pool *pool);
int vmpool_range_add(struct vmpool_pool *pool, phys_addr_t phys, u64 size,
		     int nid, bool removed);
void vmpool_ranges_release(struct vmpool_pool *pool);

/* movable.c */
int vmpool_pool_init_movable(struct vmpool_pool *pool, unsigned long nr_pages);

/* node.c */
int vmpool_nlist_init(struct vmpool_nlist *nl, gfp_t gfp);
void vmpool_nlist_destroy(struct vmpool_nlist *nl);
int vmpool_nlist_push(struct vmpool_pool *pool, struct vmpool_nlist *nl,
		      u32 idx);
u32 vmpool_nlist_pop(struct vmpool_pool *pool, struct vmpool_nlist *nl,
		     int nid);
u32 vmpool_nlist_pop_place(struct vmpool_pool *pool, struct vmpool_nlist *nl,
			   const struct vmpool_place *p);
void vmpool_nlist_del(struct vmpool_pool *pool, struct vmpool_nlist *nl,
		      u32 idx);
void vmpool_place_vm(struct vmpool_vm *vm, struct vmpool_place *p);
void vmpool_place_fault(struct vmpool_vm *vm, struct vm_area_struct *vma,
			pgoff_t index, struct vmpool_place *p);
bool vmpool_place_has(struct vmpool_vm *vm, const struct vmpool_place *p);
bool vmpool_pool_has_node(struct vmpool_pool *pool, u32 nid);
bool vmpool_place_has_global(struct vmpool_pool *pool,
			     const struct vmpool_place *p);

/* tenant.c */
struct vmpool_tenant *vmpool_tenant_get(struct vmpool_pool *pool,
					const uuid_t *id);
void vmpool_tenant_put(struct vmpool_pool *pool, struct vmpool_tenant *t);
void vmpool_tenant_try_free(struct vmpool_pool *pool, struct vmpool_tenant *t);
void vmpool_tenant_push(struct vmpool_pool *pool, struct vmpool_tenant *t,
			u32 idx);
u32 vmpool_tenant_pop(struct vmpool_pool *pool, struct vmpool_tenant *t,
		      int nid);
void vmpool_tenant_del(struct vmpool_pool *pool, struct vmpool_tenant *t,
		       u32 idx);
u32 vmpool_tenant_legacy_id(const struct vmpool_tenant *t);
void vmpool_tenant_legacy_uuid(u32 legacy, uuid_t *id);

/* cache.c */
void vmpool_cache_init(struct vmpool_vm *vm);
bool vmpool_cache_take(struct vmpool_vm *vm, const struct vmpool_place *p,
		       pgoff_t index, u32 *idx);
bool vmpool_cache_refill(struct vmpool_vm *vm, const struct vmpool_place *p);
void vmpool_cache_fold(struct vmpool_vm *vm);
void vmpool_cache_lock(struct vmpool_vm *vm);
void vmpool_cache_unlock(struct vmpool_vm *vm);
void vmpool_cache_drain(struct vmpool_vm *vm);
void vmpool_cache_fold_all(struct vmpool_pool *pool);
void vmpool_cache_drain_all(struct vmpool_pool *pool);
unsigned long vmpool_pool_call_back(struct vmpool_pool *pool,
				    unsigned long want);

/* alloc.c */
int vmpool_grow(struct vmpool_vm *vm, unsigned long pages);
int vmpool_shrink(struct vmpool_vm *vm, unsigned long pages);
int vmpool_move(struct vmpool_vm *src, struct vmpool_vm *dst,
		unsigned long pages, unsigned long *moved);
int vmpool_vm_take_locked(struct vmpool_vm *vm, const struct vmpool_place *p,
			  u32 *idx, bool fill, bool *zero);
void vmpool_vm_mapped_locked(struct vmpool_vm *vm, u32 idx);
void vmpool_count_recycled(struct vmpool_vm *vm);
void vmpool_count_place(struct vmpool_vm *vm, int first, u32 idx);
bool vmpool_hole_must_zero(struct vmpool_vm *vm, u32 idx, bool stale);
void vmpool_vm_map_locked(struct vmpool_vm *vm, pgoff_t index, u32 idx);
void vmpool_vm_unmap_locked(struct vmpool_vm *vm, pgoff_t index);
void vmpool_vm_put_page(struct vmpool_vm *vm, u32 idx);
void vmpool_vm_release_page(struct vmpool_vm *vm, u32 idx);
void vmpool_vm_release_stale_page(struct vmpool_vm *vm, u32 idx);
unsigned long vmpool_vm_give_free_locked(struct vmpool_vm *vm,
					 const struct vmpool_place *p,
					 unsigned long pages);
int vmpool_vm_populate(struct vmpool_vm *vm, const struct vmpool_place *p,
		       pgoff_t index, u32 *idx);
int vmpool_vm_take_block(struct vmpool_vm *vm, const struct vmpool_place *p,
			 pgoff_t index);
int vmpool_vm_release_range(struct vmpool_vm *vm, pgoff_t start, pgoff_t end);
void vmpool_vm_return_all(struct vmpool_vm *vm);

/* store.c */
long vmpool_ioctl_set_store(struct vmpool_pool *pool,
			    struct vmpool_store __user *uarg);
void vmpool_store_release(struct vmpool_pool *pool);
int vmpool_store_get_slots(struct vmpool_pool *pool, unsigned int n,
			   u32 *slot);
void vmpool_store_put_slot(struct vmpool_pool *pool, u32 slot);

/**
 * struct vmpool_store_io - an I/O of the store in flight (store.c)
 * @iocb: the I/O, with a completion of its own.
 * @done: completed when the I/O is, if the store queued it.
 * @iter: the pages, as the store transfers them.
 * @tfm: the key of an encrypted store, else NULL.
 * @bv: the caller's pages.
 * @sealed: the encrypted copies of @bv a write of an encrypted store
 *	writes, else @bv.
 * @slot: the first slot.
 * @n: pages.
 * @write: a write, else a read.
 * @queued: the store queued the I/O: @done tells when it ends.
 * @end_write: the freeze protection of a write to a regular file, to drop
 *	when it ends.
 * @ret: the result of the submission, or of a queued I/O once @done.
 */
struct vmpool_store_io {
	struct kiocb iocb;
	struct completion done;
	struct iov_iter iter;
	struct crypto_sync_skcipher *tfm;
	struct bio_vec *bv;
	struct bio_vec *sealed;
	u32 slot;
	unsigned int n;
	bool write;
	bool queued;
	bool end_write;
	long ret;
};

void vmpool_store_submit(struct vmpool_store_io *io, struct file *store,
			 struct crypto_sync_skcipher *tfm, u32 slot,
			 struct bio_vec *bv, unsigned int n, bool write,
			 bool nowait);
int vmpool_store_wait(struct vmpool_store_io *io);

/* crypt.c */
int vmpool_crypt_check(void);
struct crypto_sync_skcipher *vmpool_crypt_tfm(struct vmpool_vm *vm);
void vmpool_crypt_forget(struct vmpool_tenant *t);
struct bio_vec *vmpool_crypt_seal(struct crypto_sync_skcipher *tfm, u32 slot,
				  const struct bio_vec *bv, unsigned int n);
void vmpool_crypt_free(struct bio_vec *bv, unsigned int n);
int vmpool_crypt_open(struct crypto_sync_skcipher *tfm, u32 slot,
		      struct bio_vec *bv, unsigned int n);

/* idle.c */
int vmpool_idle_init(struct vmpool_vm *vm);
void vmpool_idle_free(struct vmpool_vm *vm);
void vmpool_idle_stop(struct vmpool_vm *vm);
void vmpool_idle_notify(struct vmpool_vm *vm);
void vmpool_idle_touched(struct vmpool_vm *vm, pgoff_t index);
void vmpool_idle_rearm(struct vmpool_vm *vm);
long vmpool_vm_ioctl_idle_limit(struct vmpool_vm *vm,
				struct vmpool_idle_limit __user *uarg);

/* premap.c */
int vmpool_premap_add(struct vmpool_vm *vm, struct mm_struct *mm);
void vmpool_premap_del(struct vmpool_vm *vm, struct mm_struct *mm);
void vmpool_premap_harvest(struct vmpool_vm *vm);
unsigned long vmpool_premap(struct vmpool_vm *vm);

/* clean.c */
bool vmpool_clean_keep_locked(struct vmpool_vm *vm, pgoff_t index, u32 slot,
			      struct page *page);
u32 vmpool_clean_take_locked(struct vmpool_vm *vm, pgoff_t index,
			     struct page *page);
void vmpool_clean_drop_locked(struct vmpool_vm *vm, pgoff_t index);

/* swap.c */
/* Pages written to the store with one I/O, at most. */
#define VMPOOL_SWAP_BATCH	32
/* I/Os of a page-out or a prefetch in flight at once, at most. */
#define VMPOOL_SWAP_DEPTH	4

void vmpool_vm_drop_swapped_locked(struct vmpool_vm *vm, pgoff_t index);
int vmpool_swap_in(struct vmpool_vm *vm, const struct vmpool_place *p,
		   pgoff_t index, u32 *idx);

/**
 * struct vmpool_in_run - a run of guest pages read back from consecutive
 *	slots with one I/O
 * @index: the first guest page.
 * @n: pages.
 * @slot: the first slot.
 * @store: the store, with a reference, for the read.
 * @encrypt: the store is encrypted.
 * @tfm: the key the VM wrote the slots with, if @encrypt.
 * @idx: the pool pages read into, in transit meanwhile.
 * @bv: their bio_vecs.
 * @err: of the read, before it started.
 * @io: the read.
 */
struct vmpool_in_run {
	pgoff_t index;
	unsigned int n;
	u32 slot;
	struct file *store;
	bool encrypt;
	struct crypto_sync_skcipher *tfm;
	u32 *idx;
	struct bio_vec *bv;
	int err;
	struct vmpool_store_io io;
};

/**
 * struct vmpool_in_batch - room for reading a run of pages back
 * @run: the run.
 * @idx: the pool pages read into.
 * @bv: their bio_vecs.
 */
struct vmpool_in_batch {
	struct vmpool_in_run run;
	u32 idx[VMPOOL_SWAP_BATCH];
	struct bio_vec bv[VMPOOL_SWAP_BATCH];
};

/**
 * struct vmpool_in_queue - the reads of a prefetch in flight
 * @b: their room, a ring.
 * @head: the oldest read.
 * @nr: reads in flight; the VM's swap lock is held while there are any.
 */
struct vmpool_in_queue {
	struct vmpool_in_batch b[VMPOOL_SWAP_DEPTH];
	unsigned int head;
	unsigned int nr;
};

int vmpool_swap_in_submit(struct vmpool_vm *vm, pgoff_t index,
			  const unsigned long *want, struct vmpool_in_queue *q);
int vmpool_swap_in_complete(struct vmpool_vm *vm, struct vmpool_in_queue *q,
			    pgoff_t *index);
bool vmpool_swap_in_nowait(struct vmpool_vm *vm, pgoff_t index);
void vmpool_swap_nowait_work(struct work_struct *work);

/**
 * struct vmpool_out_ctl - what vmpool_page_out_range() pages out
 * @release: released pages go to the global pool, else the VM's own.
 * @filter: if set, only guest pages whose bit in it is @filter_set.
 * @filter_set: see @filter.
 * @mark: if set, the bits of the pages that went out are set in it.
 * @max: pages to page out at most.
 * @out: pages paged out, added to.
 * @skipped: pages left because something else referenced them, added to.
 * @nowait: do not wait for a file system freeze to write the store: the
 *	caller may hold write access to that file system (a fault).
 * @unmark: if set, the bits of the pages that went out are cleared in it.
 * @unmarked: bits cleared in @unmark, added to.
 * @nodes: if set, only pages on these NUMA nodes.
 */
struct vmpool_out_ctl {
	bool release;
	const unsigned long *filter;
	bool filter_set;
	unsigned long *mark;
	u64 max;
	u64 out;
	u64 skipped;
	bool nowait;
	unsigned long *unmark;
	u64 unmarked;
	const nodemask_t *nodes;
};

int vmpool_page_out_range(struct vmpool_vm *vm, pgoff_t start, pgoff_t end,
			  struct vmpool_out_ctl *ctl);
long vmpool_vm_ioctl_page_out(struct vmpool_vm *vm, struct file *file,
			      struct vmpool_page_out __user *uarg);
void vmpool_held_work(struct work_struct *work);

/* reclaim.c */
bool vmpool_reclaim(struct vmpool_vm *vm, const struct vmpool_place *p,
		    unsigned long want, bool prefetch);
void vmpool_reclaim_stop(struct vmpool_vm *vm);

/* vm.c */
/* Largest guest memory of one VM, in pages (1 TiB with 4 KiB pages). */
#define VMPOOL_MAX_VM_PAGES	BIT(28)
extern const struct file_operations vmpool_mounted_vm_fops;
bool vmpool_is_vm_file(const struct file *file);
struct vmpool_vm *vmpool_vm_new(struct vmpool_pool *pool,
				const struct vmpool_vm_create *args,
				const uuid_t *tenant_id);
void vmpool_vm_destroy(struct vmpool_vm *vm);
void vmpool_vm_put(struct vmpool_vm *vm);
int vmpool_vm_create(struct vmpool_pool *pool, struct vmpool_vm_create *args,
		     const uuid_t *tenant);
struct vmpool_vm *vmpool_vm_from_file(struct file *file);
void vmpool_vm_fill_stats(struct vmpool_vm *vm, struct vmpool_vm_stats *st);

/* close.c */
void vmpool_vm_close(struct vmpool_vm *vm);
void vmpool_close_work(struct work_struct *work);
void vmpool_close_settle(struct vmpool_pool *pool);
unsigned long vmpool_closing_pages_locked(struct vmpool_pool *pool);

/* scrub.c */
int vmpool_scrub_start(struct vmpool_pool *pool);
void vmpool_scrub_stop(struct vmpool_pool *pool);
void vmpool_scrub_kick_locked(struct vmpool_pool *pool);
void vmpool_scrub_poke_locked(struct vmpool_pool *pool);
void vmpool_scrub_pause(struct vmpool_pool *pool);
void vmpool_scrub_resume(struct vmpool_pool *pool);
bool vmpool_pool_pending_locked(struct vmpool_pool *pool);
void vmpool_pool_wait_pending(struct vmpool_pool *pool);

/* fs.c */
int vmpool_fs_register(struct vmpool_pool *pool);
void vmpool_fs_unregister(void);

/* audit.c */
void vmpool_audit(struct vmpool_pool *pool, struct vmpool_audit *out);

/* dev.c */
int vmpool_dev_register(struct vmpool_pool *pool);
void vmpool_dev_unregister(void);

/* sched.c */
int vmpool_sched_init(void);
void vmpool_sched_exit(void);
bool vmpool_sched_available(void);
struct vmpool_activity *vmpool_activity_get(struct vmpool_vm *vm);
struct vmpool_activity *vmpool_vm_activity(struct vmpool_vm *vm);
u64 vmpool_activity_next_start(struct vmpool_activity *act, bool *running);
void vmpool_sched_vm_destroy(struct vmpool_vm *vm);
void vmpool_sched_fill_stats(struct vmpool_vm *vm, struct vmpool_vm_stats *st);

/* wake.c */
void vmpool_wake_reset(void);
u64 vmpool_wake_next(const struct vmpool_wake *w, u64 now);
void vmpool_wake_count(const struct vmpool_wake *w, u64 now, u32 *fns,
		       u32 *timers);
void vmpool_wake_probe_cancel(void *data, struct hrtimer *timer);
void vmpool_wake_probe_expire_entry(void *data, struct hrtimer *timer,
				    ktime_t *now);
void vmpool_wake_probe_expire_exit(void *data, struct hrtimer *timer);
void vmpool_wake_probe_waking(void *data, struct task_struct *task);

/* attach.c */
struct vmpool_activity *vmpool_attach_lookup(struct task_struct *task);
void vmpool_attach_task_exit(struct task_struct *task);
void vmpool_attach_release(struct vmpool_activity *act);
long vmpool_vm_ioctl_attach(struct vmpool_vm *vm, unsigned int cmd,
			    struct vmpool_attach __user *uarg);
long vmpool_vm_ioctl_list_tasks(struct vmpool_vm *vm,
				struct vmpool_task_list __user *uarg);

/* args.c */
int vmpool_copy_args_from_user(void *dst, size_t ksize, size_t minsize,
			       u32 valid_flags, const void __user *uarg);
int vmpool_copy_args_to_user(void __user *uarg, void *src, size_t ksize);

#endif /* _VMPOOL_H */
