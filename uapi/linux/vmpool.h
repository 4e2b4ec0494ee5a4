/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmpool: dedicated per-VM memory pools.
 *
 * Userspace interface of the /dev/vmpool control device.
 */
#ifndef _UAPI_LINUX_VMPOOL_H
#define _UAPI_LINUX_VMPOOL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: vmpool ioctl conventions
 *
 * All ioctls live on the /dev/vmpool misc device, which only a process with
 * CAP_SYS_ADMIN may open.
 *
 * Ioctls that take a structure pass a pointer to it as the argument.  The
 * structure starts with a ``__u32 size`` field that userspace sets to the
 * size of the structure it was built against; members are only ever appended
 * and every size the kernel has accepted is defined as a ``*_SIZE_VER<n>``
 * constant.  The kernel accepts:
 *
 * - a size equal to its own;
 * - a smaller size, down to ``*_SIZE_VER0``: the missing members are taken
 *   as zero on input and are not written on output;
 * - a larger size, as long as every byte beyond the structure the kernel
 *   knows is zero (-E2BIG otherwise) and the size is at most the page size.
 *
 * On output the kernel writes back ``size`` as the number of bytes it filled
 * in.  Every ``flags`` bit not defined here and every reserved field must be
 * zero (-EINVAL otherwise), so that they can be given a meaning later.
 *
 * Ioctl numbers carry no size (``_IO``): the size is in the structure.  An
 * ioctl number this interface does not define fails with -ENOTTY.
 */

/** @VMPOOL_API_VERSION: value returned by %VMPOOL_GET_API_VERSION. */
#define VMPOOL_API_VERSION	1

#define VMPOOL_IOCTL_TYPE	0xB9

/**
 * VMPOOL_GET_API_VERSION - report the interface version
 *
 * The argument must be 0.  Userspace should refuse to go on if the value
 * returned is not the %VMPOOL_API_VERSION it was built against.
 *
 * Return: %VMPOOL_API_VERSION; -EINVAL if the argument is not 0.
 */
#define VMPOOL_GET_API_VERSION	_IO(VMPOOL_IOCTL_TYPE, 0x00)

/**
 * VMPOOL_CHECK_EXTENSION - ask whether an optional feature is present
 *
 * The argument is one of &enum vmpool_extension.
 *
 * Return: 1 if the extension is supported, 0 if it is not or is unknown.
 */
#define VMPOOL_CHECK_EXTENSION	_IO(VMPOOL_IOCTL_TYPE, 0x01)

/**
 * VMPOOL_INFO - describe the global pool
 *
 * The argument points to a &struct vmpool_info whose @size and @flags are set
 * by the caller; the kernel fills in the rest.
 *
 * Return: 0 on success; -EFAULT if the argument cannot be accessed; -EINVAL
 * if @size is below %VMPOOL_INFO_SIZE_VER0 or @flags is not 0; -E2BIG if
 * @size exceeds the page size or a byte beyond the known structure is not 0.
 */
#define VMPOOL_INFO		_IO(VMPOOL_IOCTL_TYPE, 0x02)

/**
 * VMPOOL_VM_CREATE - create a VM and its dedicated pool
 *
 * The argument points to a &struct vmpool_vm_create.  The new VM is a file
 * descriptor (O_RDWR, O_CLOEXEC) returned as the ioctl's value: a regular
 * file of size @mem_size whose shared mappings are the guest's memory.  The
 * VM lives until its last file descriptor and mapping are gone; its memory
 * then returns to the global pool.
 *
 * Memory a VM receives reads as zero unless the VM itself released it (a
 * balloon deflate gets the VM's own pages back, unzeroed) or the VM opted in
 * with %VMPOOL_VM_SHARE_TENANT.
 *
 * Return: a file descriptor on success; -EFAULT; -EINVAL for a bad @size,
 * an unknown bit in @flags, non-zero @reserved or @reserved2, a zero or
 * unaligned @mem_size, no tenant or two (@tenant and @tenant_uuid both zero
 * or both set), @limit_pages below @reserve_pages, a @name that is not a
 * NUL-terminated string, or (with %VMPOOL_VM_SET_OWNER) a @mode with bits
 * beyond 0777 or a @uid or @gid with no mapping in the caller's user
 * namespace; -E2BIG as for every structure, or if @mem_size is beyond what
 * a VM may have; -ENOSPC if the global pool holds fewer than
 * @reserve_pages free pages, or too many VMs or tenants exist; -ENOMEM;
 * -EMFILE; -EINTR if a fatal signal came while the reservation was zeroed.
 */
#define VMPOOL_VM_CREATE	_IO(VMPOOL_IOCTL_TYPE, 0x03)

/**
 * VMPOOL_AUDIT - check the pool's accounting
 *
 * Walks every page and every VM and recomputes what the counters say: each
 * page is on exactly one list, mapped by exactly one VM or in transit, and
 * free + dedicated + mapped + held + transit = total, globally and per
 * tenant.  Inconsistencies are
 * counted in &struct vmpool_audit.errors and described in the kernel log.
 * Takes the pool lock for time proportional to the pool size: a debugging
 * and testing aid.
 *
 * Return: 0 on success (whatever the audit found); -EFAULT; -EINVAL;
 * -E2BIG.
 */
#define VMPOOL_AUDIT		_IO(VMPOOL_IOCTL_TYPE, 0x04)

/**
 * VMPOOL_POOL_GROW - move pages from the global pool to a VM's pool
 *
 * The argument points to a &struct vmpool_pool_resize.  Pages that last held
 * another tenant's data are zeroed before the VM can see them.
 *
 * Pages are zeroed outside the pool lock, so other VMs' faults go on
 * meanwhile; a fatal signal stops the zeroing.
 *
 * Return: 0 on success; -EFAULT; -EINVAL for a bad @size, non-zero @flags or
 * @reserved, or zero @pages; -E2BIG; -EBADF if @vm_fd is not open;
 * -EINVAL if it is not a VM; -ENOSPC if the global pool has fewer free pages
 * or the VM's limit would be passed; -EINTR on a fatal signal (the pages
 * zeroed so far stay in the VM's pool, the others go back to the global
 * pool).  Nothing moves on any other failure.
 */
#define VMPOOL_POOL_GROW	_IO(VMPOOL_IOCTL_TYPE, 0x05)

/**
 * VMPOOL_POOL_SHRINK - return free pages of a VM's pool to the global pool
 *
 * The argument points to a &struct vmpool_pool_resize.  The pages keep the
 * VM's tenant as their owner: they are zeroed only when another tenant
 * takes them.
 *
 * Return: as %VMPOOL_POOL_GROW, with -ENOSPC if the VM's pool has fewer
 * free pages than @pages.
 */
#define VMPOOL_POOL_SHRINK	_IO(VMPOOL_IOCTL_TYPE, 0x06)

/**
 * VMPOOL_POOL_SPLIT - move free pages from one VM's pool to another's
 *
 * The argument points to a &struct vmpool_pool_move; @pages free pages of
 * @src_fd's pool move to @dst_fd's.  The pages are zeroed before the
 * destination can see them unless both VMs belong to one tenant and the
 * destination has %VMPOOL_VM_SHARE_TENANT.
 *
 * Return: 0 on success; -EFAULT; -EINVAL for a bad @size, non-zero @flags,
 * zero @pages, a descriptor that is not a VM, or the same VM twice; -E2BIG;
 * -EBADF; -ENOSPC if the source pool has fewer free pages or the
 * destination's limit would be passed; -EINTR as for %VMPOOL_POOL_GROW.
 * Nothing moves on any other failure.
 */
#define VMPOOL_POOL_SPLIT	_IO(VMPOOL_IOCTL_TYPE, 0x07)

/**
 * VMPOOL_POOL_MERGE - move all free pages of one VM's pool to another's
 *
 * As %VMPOOL_POOL_SPLIT with every free page of the source pool; @pages
 * must be 0 and is set to the number of pages moved.
 *
 * Return: as %VMPOOL_POOL_SPLIT, -EINVAL if @pages is not 0.
 */
#define VMPOOL_POOL_MERGE	_IO(VMPOOL_IOCTL_TYPE, 0x08)

/**
 * VMPOOL_LIST_VMS - list the live VMs
 *
 * The argument points to a &struct vmpool_vm_list.  Up to @nr_entries
 * &struct vmpool_vm_stats are written at @entries, each with the size the
 * caller gives in @entry_size; @nr_entries is set to the number of live VMs.
 *
 * Return: 0 on success; -EFAULT; -EINVAL for a bad @size or @entry_size,
 * non-zero @flags; -E2BIG.
 */
#define VMPOOL_LIST_VMS		_IO(VMPOOL_IOCTL_TYPE, 0x09)

/**
 * VMPOOL_SET_STORE - give the pool a backing store for paged-out memory
 *
 * The argument points to a &struct vmpool_store naming a regular file or
 * a block device, open for reading and writing; the module keeps its own
 * reference, so closing the descriptor changes nothing.  Each page of the
 * store is a slot for one page of guest memory.  @fd -1 removes the store.
 * With %VMPOOL_STORE_ENCRYPT in @flags, what goes to it is encrypted with
 * a key per tenant.  Needs CAP_SYS_ADMIN.
 *
 * Return: 0, with @nr_slots set; -EFAULT; -EINVAL for a bad @size,
 * unknown @flags, @flags with @fd -1, non-zero @reserved, a file that is
 * neither a regular file nor a block device, a VM file, or one smaller
 * than a page; -EBADF if @fd is not open for reading and writing; -EBUSY
 * if the current store holds pages of a live VM (those of closed VMs are
 * waited for); -EOPNOTSUPP for
 * %VMPOOL_STORE_ENCRYPT on a kernel without "xts(aes)"; -EPERM; -ENOMEM.
 */
#define VMPOOL_SET_STORE	_IO(VMPOOL_IOCTL_TYPE, 0x0a)

/**
 * VMPOOL_LIST_NODES - the pool's memory per NUMA node
 *
 * The argument points to a &struct vmpool_node_list.  Up to @nr_entries
 * &struct vmpool_node_info are written at @entries, one per node that
 * holds pool memory, the lowest node first, each with the size the caller
 * gives in @entry_size; @nr_entries is set to the number of such nodes.
 * With the page allocator as the source (``pool_mb=``) the pool takes an
 * even share from each node with memory; a region (``region=``) is on the
 * node its first page is on.
 *
 * Where a VM's pages come from: a fault follows the memory policy of the
 * mapping it faults in (mbind(2): %MPOL_BIND takes pages of its nodes
 * only, and finds the pool empty when they have none, but for a VM at its
 * limit, which gives back a spare page of another node; %MPOL_PREFERRED,
 * %MPOL_PREFERRED_MANY and %MPOL_LOCAL take them first; %MPOL_INTERLEAVE
 * takes guest page N from the (N mod count)-th of its nodes first);
 * without one, the VM's node (%VMPOOL_VM_NODE), then the faulting task's
 * policy (set_mempolicy(2)), then the node of the CPU it runs on.  Grows,
 * moves into the VM and pages read back ahead of a fault take the VM's
 * node first.  After the nodes it prefers, a page comes from the nearest
 * other node that has one.  Pages the pool holds do not migrate.
 *
 * Return: 0 on success; -EFAULT; -EINVAL for a bad @size or @entry_size,
 * non-zero @flags or @reserved; -E2BIG.
 */
#define VMPOOL_LIST_NODES	_IO(VMPOOL_IOCTL_TYPE, 0x0b)

/**
 * VMPOOL_VM_GET_STATS - describe one VM (on a VM file descriptor)
 *
 * The argument points to a &struct vmpool_vm_stats.  Any holder of the VM's
 * file descriptor may ask; no capability is needed.
 *
 * Return: 0 on success; -EFAULT; -EINVAL for a bad @size or non-zero @flags;
 * -E2BIG.
 */
#define VMPOOL_VM_GET_STATS	_IO(VMPOOL_IOCTL_TYPE, 0x40)

/**
 * VMPOOL_VM_ATTACH - attach host threads that run the VM (on a VM fd)
 *
 * The argument points to a &struct vmpool_attach naming a whole process
 * (%VMPOOL_ATTACH_PROCESS and a pidfd: every thread it has or creates
 * later) or single threads (thread ids in the caller's pid namespace, e.g.
 * QEMU's vCPU threads).  From then on the VM counts as active while any
 * attached thread runs on a CPU, and vmpool predicts when it runs next
 * (&struct vmpool_vm_stats).  A thread detaches when it exits, a process
 * when its last thread exits, and all of them when the VM is closed.
 *
 * The caller must hold CAP_SYS_ADMIN, or be allowed to read the target's
 * state as ptrace would allow it: the target is in the caller's thread
 * group, or runs with the caller's real user and group ids in each of its
 * real, effective and saved ids and is dumpable, or the caller has
 * CAP_SYS_PTRACE over it.  (The security module hook of ptrace is not
 * reachable from a module and is not consulted.)
 *
 * All or nothing: on error, nothing was attached.
 *
 * Return: 0; -EFAULT; -EINVAL for a bad @size, unknown @flags, a non-zero
 * reserved field, @nr_tids of 0 for threads or not 0 for a process, or a
 * file that is not a pidfd; -E2BIG for more than %VMPOOL_ATTACH_MAX_TIDS
 * thread ids; -ESRCH if a thread or process has exited (or is not
 * visible); -EPERM without the permission above; -EBUSY if a thread (or
 * its process) is attached to another VM; -EEXIST if it is attached to
 * this VM already, or named twice; -ENOSPC if the VM would have more than
 * %VMPOOL_VM_MAX_TASKS attachments; -ENOMEM.
 */
#define VMPOOL_VM_ATTACH	_IO(VMPOOL_IOCTL_TYPE, 0x41)

/**
 * VMPOOL_VM_DETACH - detach threads or a process (on a VM fd)
 *
 * The argument is a &struct vmpool_attach, as for %VMPOOL_VM_ATTACH, or
 * one with only %VMPOOL_ATTACH_ALL set, which detaches everything.  All or
 * nothing, as attaching.
 *
 * Return: 0; -EFAULT; -EINVAL as for %VMPOOL_VM_ATTACH; -ESRCH if a thread
 * or process has exited; -ENOENT if one is not attached to this VM.
 */
#define VMPOOL_VM_DETACH	_IO(VMPOOL_IOCTL_TYPE, 0x42)

/**
 * VMPOOL_VM_LIST_TASKS - list what is attached to the VM (on a VM fd)
 *
 * The argument points to a &struct vmpool_task_list.
 *
 * Return: 0; -EFAULT; -EINVAL for a bad @size, non-zero @flags or
 * reserved field; -E2BIG.
 */
#define VMPOOL_VM_LIST_TASKS	_IO(VMPOOL_IOCTL_TYPE, 0x43)

/**
 * VMPOOL_VM_PAGE_OUT - write guest pages to the store and give them up
 *	(on a VM fd)
 *
 * The argument points to a &struct vmpool_page_out.  Each page of the
 * range that backs guest memory is written to a free slot of the store
 * (%VMPOOL_SET_STORE), unmapped from every page table (KVM's included, by
 * its MMU notifier) and released: to the VM's dedicated pool, or with
 * %VMPOOL_PAGE_OUT_RELEASE to the global pool, where another tenant gets
 * it only zeroed.  The next access to the page reads it back from the
 * store (a major fault).  Pages that something else still references (a
 * DMA pin, I/O in flight) stay resident.  Holes stay holes.
 *
 * Return: 0, with @pages_out and @pages_skipped set; -EFAULT; -EINVAL for
 * a bad @size, unknown @flags, non-zero @reserved, an unaligned or empty
 * range or one beyond the VM's memory; -E2BIG; -ENODEV if the pool has no
 * store; -ENOSPC if the store is full; the errno of a failed write (the
 * pages stay resident, the error is counted in
 * &struct vmpool_vm_stats.store_errors); -ENOMEM; -EINTR on a fatal
 * signal.  On an error the pages before it are out, the others resident;
 * @pages_out says how many went.  Consecutive pages go out to consecutive
 * slots, up to 32 with one write.  A page read back from the store and
 * not written since needs no write: its slot is kept while the store is at
 * most half full (&struct vmpool_vm_stats.clean_pages).
 */
#define VMPOOL_VM_PAGE_OUT	_IO(VMPOOL_IOCTL_TYPE, 0x44)

/**
 * VMPOOL_VM_SET_IDLE_LIMIT - pages a VM keeps while it sleeps (on a VM fd)
 *
 * The argument points to a &struct vmpool_idle_limit.  Each time the
 * threads attached to the VM (%VMPOOL_VM_ATTACH) stop running because the
 * last of them went to sleep (not preempted, and not waiting for a page
 * of the VM to be read back), the VM is paged out to the store
 * (%VMPOOL_SET_STORE) down to @pages: the pages
 * its last active period did not touch first, then pages it did, which
 * are read back before its next predicted activation.  Every page is
 * unmapped when the VM goes idle, so that the first touch of each page in
 * the next active period is seen.  Before that activation, once its pages
 * are back, the resident pages of its working set are mapped again into
 * the processes that map the VM, unless they have a secondary MMU (KVM),
 * with their accessed bits clear: touching them costs no fault, and the
 * accessed bits show which were touched.  Elsewhere (through KVM) the
 * first touch of a page read back in time is a minor fault.  May be
 * changed at any time; it applies from the next idle period, or at once
 * if the VM has attached threads and none of them runs (it sleeps
 * already).  %VMPOOL_IDLE_LIMIT_NONE (the default) turns it off.  Setting
 * a limit where there was none unmaps the VM's every page, as going idle
 * does: the pages it touched before (its boot, say) are not taken for its
 * working set, only those it touches from then on.
 *
 * A VM with an idle limit also gives pages up to other VMs: when a VM
 * needs a page and neither its dedicated pool nor the global pool has one,
 * the free pages of its dedicated pool and then its pages themselves go
 * out (down to none), those of sleeping VMs first, the VM predicted to
 * wake last first.  A VM that runs gives pages up only to a fault, and
 * only when no sleeping VM can: the working sets of the running VMs did
 * not fit in the pool together (&struct vmpool_info.shortages).  A
 * prefetch takes pages only from VMs predicted to wake after its own.  A
 * VM without an idle limit never gives pages up.
 *
 * Return: 0; -EFAULT; -EINVAL for a bad @size, non-zero @flags or
 * @reserved, or @pages above the VM's memory and not
 * %VMPOOL_IDLE_LIMIT_NONE; -E2BIG.
 */
#define VMPOOL_VM_SET_IDLE_LIMIT	_IO(VMPOOL_IOCTL_TYPE, 0x45)

/**
 * enum vmpool_extension - optional features, for %VMPOOL_CHECK_EXTENSION
 * @VMPOOL_CAP_INFO: %VMPOOL_INFO is available.
 * @VMPOOL_CAP_VM: %VMPOOL_VM_CREATE, %VMPOOL_VM_GET_STATS, %VMPOOL_LIST_VMS
 *	and VM file descriptors with mmap and fallocate are available.
 * @VMPOOL_CAP_POOL_OPS: %VMPOOL_POOL_GROW, %VMPOOL_POOL_SHRINK,
 *	%VMPOOL_POOL_SPLIT and %VMPOOL_POOL_MERGE are available.
 * @VMPOOL_CAP_AUDIT: %VMPOOL_AUDIT is available.
 * @VMPOOL_CAP_PAGES: guest memory is mapped as reference-counted pages, so
 *	get_user_pages() users (KVM, VFIO, O_DIRECT, io_uring, vmsplice,
 *	process_vm_readv, /proc/pid/mem) and MADV_DONTNEED and
 *	MADV_POPULATE_WRITE work on it; pages still referenced when a VM
 *	releases them are held back (&struct vmpool_info.held_pages).
 * @VMPOOL_CAP_VM_FLAGS: &struct vmpool_vm_create takes the flags
 *	%VMPOOL_VM_SHARE_TENANT, %VMPOOL_VM_ZERO_RELEASED and
 *	%VMPOOL_VM_SET_OWNER, and @tenant_uuid.
 * @VMPOOL_CAP_SCHED: %VMPOOL_VM_ATTACH, %VMPOOL_VM_DETACH and
 *	%VMPOOL_VM_LIST_TASKS are available, and &struct vmpool_vm_stats
 *	reports activity and predictions.
 * @VMPOOL_CAP_STORE: %VMPOOL_SET_STORE, %VMPOOL_VM_PAGE_OUT and
 *	%VMPOOL_VM_SET_IDLE_LIMIT are available, and &struct vmpool_vm_stats
 *	reports paging.
 * @VMPOOL_CAP_SETTLE: a closed VM's memory goes back in the background;
 *	&struct vmpool_info reports @closing_pages, and %VMPOOL_INFO_SETTLE
 *	and %VMPOOL_AUDIT_SETTLE wait for it.
 * @VMPOOL_CAP_NODES: %VMPOOL_LIST_NODES is available.
 * @VMPOOL_CAP_NUMA: faults follow memory policies (see
 *	%VMPOOL_LIST_NODES), a VM may have a node (%VMPOOL_VM_NODE), and
 *	&struct vmpool_vm_stats and &struct vmpool_node_info report
 *	placement.
 * @VMPOOL_CAP_PMD: 1 if faults map 2 MiB extents of guest memory with one
 *	PMD: the pool is a boot-reserved region or movable memory blocks
 *	(the ``region`` or ``movable_mb`` module parameter) on a kernel that
 *	allows it, and the ``pmd`` module
 *	parameter is on.  A mapping still gets 4 KiB pages where transparent
 *	huge pages are off for it (sysfs ``never``, %MADV_NOHUGEPAGE,
 *	%PR_SET_THP_DISABLE).  &struct vmpool_info and &struct
 *	vmpool_vm_stats report the extents.
 */
enum vmpool_extension {
	VMPOOL_CAP_INFO = 1,
	VMPOOL_CAP_VM = 2,
	VMPOOL_CAP_POOL_OPS = 3,
	VMPOOL_CAP_AUDIT = 4,
	VMPOOL_CAP_PAGES = 5,
	VMPOOL_CAP_VM_FLAGS = 6,
	VMPOOL_CAP_SCHED = 7,
	VMPOOL_CAP_STORE = 8,
	VMPOOL_CAP_SETTLE = 9,
	VMPOOL_CAP_NODES = 10,
	VMPOOL_CAP_NUMA = 11,
	VMPOOL_CAP_PMD = 12,
};

/**
 * enum vmpool_source - where the managed memory comes from
 * @VMPOOL_SOURCE_PAGE_ALLOC: chunks taken from the page allocator at load
 *	(module parameter ``pool_mb``).
 * @VMPOOL_SOURCE_REGION: a physical range reserved at boot with ``memmap=``
 *	(module parameter ``region``).
 * @VMPOOL_SOURCE_MOVABLE: whole movable memory blocks taken offline and
 *	removed from Linux at load, added back at unload (module parameter
 *	``movable_mb``).
 */
enum vmpool_source {
	VMPOOL_SOURCE_PAGE_ALLOC = 1,
	VMPOOL_SOURCE_REGION = 2,
	VMPOOL_SOURCE_MOVABLE = 3,
};

/**
 * struct vmpool_info - argument of %VMPOOL_INFO
 * @size: in: size of this structure as known by the caller; out: number of
 *	bytes the kernel filled in.
 * @flags: in: 0 or %VMPOOL_INFO_SETTLE.
 * @page_size: out: size in bytes of one pool page.
 * @total_pages: out: pages managed by the module.
 * @free_pages: out: pages in the global pool, not dedicated to any VM.
 * @metadata_bytes: out: memory the module uses to track the pool.
 * @source: out: one of &enum vmpool_source.
 * @nr_chunks: out: physically contiguous ranges making up the pool.
 * @dedicated_pages: out: free pages in the VMs' dedicated pools.
 * @mapped_pages: out: pages holding guest memory.
 * @nr_vms: out: live VMs (a closed VM whose memory is not back yet is not
 *	counted).
 * @nr_tenants: out: tenants with a live VM or with pages holding their data.
 * @bytes_zeroed: out: bytes zeroed before a page changed tenant.
 * @pages_recycled: out: pages handed to a VM without zeroing because they
 *	last held data of the VM itself, or of its tenant with
 *	%VMPOOL_VM_SHARE_TENANT.
 * @held_pages: out: pages a VM released while something else (a DMA pin,
 *	an O_DIRECT read in flight, a pipe) still referenced them; they belong
 *	to no pool until the last reference goes.
 * @transit_pages: out: pages being zeroed on their way into a VM's pool.
 * @swapped_pages: out: guest pages whose data is in the store
 *	(%VMPOOL_VM_PAGE_OUT); they hold no pool page.
 * @store_slots: out: pages the store holds; 0 without a store.
 * @shortages: out: times a VM needed a page (a fault, a prefetch, a
 *	populating fallocate()) and found neither its dedicated pool nor the
 *	global pool had one, so that pages of other VMs were paged out for it.
 * @shortage_failures: out: of those, times no other VM could give a page:
 *	the access got SIGBUS, the fallocate() -ENOSPC, or the prefetch
 *	stopped.
 * @pages_reclaimed: out: pages VMs gave up for others in a shortage: free
 *	pages of their dedicated pools and pages paged out.
 * @pages_reclaimed_running: out: of those, pages taken from a VM that was
 *	running: the pool could not hold the working sets of the VMs running
 *	at the time.
 * @closing_pages: out: of @dedicated_pages, @mapped_pages and
 *	@transit_pages, the pages of closed VMs, on their way back to the
 *	global pool.
 * @reserve_pages: out: of @free_pages, the pages known to be zero: the
 *	pre-zeroed reserve that the background scrubber fills (module
 *	parameters ``scrub_low`` and ``scrub_high``) and every VM takes from
 *	first.  The rest of @free_pages may hold data: the scrubber's backlog.
 * @scrubbed_bytes: out: bytes the scrubber zeroed (not in @bytes_zeroed,
 *	which counts what VMs waited for).
 * @reserve_hits: out: pages VMs took from the global pool already zeroed.
 * @reserve_misses: out: pages VMs took from the global pool that had to be
 *	zeroed on the way in.
 * @promised_pages: out: of @free_pages, the pages promised to grows in
 *	progress (%VMPOOL_POOL_GROW moves them a batch at a time): no fault
 *	and no other grow takes them.  A grow of N pages fails with -ENOSPC
 *	unless @free_pages - @promised_pages is at least N.
 * @leaving_pages: out: of @dedicated_pages, the pages promised to shrinks
 *	and moves (split, merge) in progress: the faults of the VMs they
 *	leave do not take them.
 * @free_blocks: out: whole 2 MiB blocks in the global pool: 512 free pages
 *	each, physically contiguous and aligned, which a fault maps with one
 *	PMD (%VMPOOL_CAP_PMD).
 * @huge_pages: out: guest pages backed by whole blocks, over all VMs.
 *
 * @free_pages + @dedicated_pages + @mapped_pages + @held_pages +
 * @transit_pages = @total_pages.
 */
struct vmpool_info {
	__u32 size;
	__u32 flags;
	__aligned_u64 page_size;
	__aligned_u64 total_pages;
	__aligned_u64 free_pages;
	__aligned_u64 metadata_bytes;
	__u32 source;
	__u32 nr_chunks;
	__aligned_u64 dedicated_pages;
	__aligned_u64 mapped_pages;
	__u32 nr_vms;
	__u32 nr_tenants;
	__aligned_u64 bytes_zeroed;
	__aligned_u64 pages_recycled;
	__aligned_u64 held_pages;
	__aligned_u64 transit_pages;
	__aligned_u64 swapped_pages;
	__aligned_u64 store_slots;
	__aligned_u64 shortages;
	__aligned_u64 shortage_failures;
	__aligned_u64 pages_reclaimed;
	__aligned_u64 pages_reclaimed_running;
	__aligned_u64 closing_pages;
	__aligned_u64 reserve_pages;
	__aligned_u64 scrubbed_bytes;
	__aligned_u64 reserve_hits;
	__aligned_u64 reserve_misses;
	__aligned_u64 promised_pages;
	__aligned_u64 leaving_pages;
	__aligned_u64 free_blocks;
	__aligned_u64 huge_pages;
};

/** @VMPOOL_INFO_SIZE_VER0: size of the first published &struct vmpool_info. */
#define VMPOOL_INFO_SIZE_VER0	48
/** @VMPOOL_INFO_SIZE_VER1: with @held_pages and @transit_pages. */
#define VMPOOL_INFO_SIZE_VER1	104
/** @VMPOOL_INFO_SIZE_VER2: with @swapped_pages and @store_slots. */
#define VMPOOL_INFO_SIZE_VER2	120
/** @VMPOOL_INFO_SIZE_VER3: with the shortage figures. */
#define VMPOOL_INFO_SIZE_VER3	152
/** @VMPOOL_INFO_SIZE_VER4: with @closing_pages and the scrubber's figures. */
#define VMPOOL_INFO_SIZE_VER4	192
/** @VMPOOL_INFO_SIZE_VER5: with @promised_pages and @leaving_pages. */
#define VMPOOL_INFO_SIZE_VER5	208
/** @VMPOOL_INFO_SIZE_VER6: with @free_blocks and @huge_pages. */
#define VMPOOL_INFO_SIZE_VER6	224

/**
 * DOC: settling the pool
 *
 * A VM's memory goes back to the global pool in the background after its
 * last file goes, so that closing a VM takes a time that does not depend on
 * its size; meanwhile &struct vmpool_info reports it in @closing_pages.  A
 * grow or a fault that finds too few free pages waits for it.
 *
 * %VMPOOL_INFO_SETTLE, %VMPOOL_AUDIT_SETTLE: in the @flags of
 * &struct vmpool_info and &struct vmpool_audit, wait until the memory of
 * every VM closed before the call is back, and the background scrubber
 * has no page in transit, then report.
 */
#define VMPOOL_INFO_SETTLE	0x1
#define VMPOOL_AUDIT_SETTLE	0x1

/** @VMPOOL_NAME_LEN: bytes in a VM name, including the terminating NUL. */
#define VMPOOL_NAME_LEN		32

/**
 * DOC: the vmpool file system
 *
 * ``mount -t vmpool -o tenant=ID[,size=,reserve=,limit=,uid=,gid=,mode=]
 * none DIR`` mounts a file system on which every regular file created is a
 * VM of tenant ID (a number from 1 to 2^32-1, or a UUID), named after the
 * file.  Setting the size of a new file, once, from 0 (ftruncate()) creates
 * the VM, with ``reserve=`` pages taken from the global pool and ``limit=``
 * as its limit; a size that is not a multiple of the page size fails with
 * -EINVAL, one beyond the mount's ``size=`` with -ENOSPC.  Any other size
 * change fails with -EINVAL.  The VM lives until the file is unlinked and
 * its last descriptor and mapping are gone.  Its file takes the same
 * ioctls as a file descriptor from %VMPOOL_VM_CREATE; before its size is
 * set they fail with -ENXIO, and mmap() and fallocate() with -EINVAL.
 */

/** @VMPOOL_FS_MAGIC: f_type that fstatfs() reports for every VM file. */
#define VMPOOL_FS_MAGIC		0x766d706c

/**
 * DOC: VM creation flags
 *
 * %VMPOOL_VM_SHARE_TENANT: the VM accepts, unzeroed, memory that other VMs
 * of its tenant released.  This saves zeroing when one tenant's VMs hand
 * memory to each other, but a fresh page may then hold another VM's data:
 * wrong for any VMM that assumes new memory reads as zero, such as the
 * destination of a migration (QEMU skips zero pages it never receives).
 *
 * %VMPOOL_VM_ZERO_RELEASED: ranges the VM releases (hole punching) read as
 * zero when touched again, as they do on shmem.  For guests that rely on
 * it, e.g. Linux with init_on_free=1 and virtio-balloon free page
 * reporting.  Without it a balloon deflate gets the old contents back, for
 * free.
 *
 * %VMPOOL_VM_SET_OWNER: the VM file is owned by @uid and @gid with mode
 * @mode, so that a VMM running as another user (libvirt's QEMU) can reopen
 * it through /proc/<pid>/fd/<n>.  Without it the file belongs to the caller
 * with mode 0600.
 *
 * %VMPOOL_VM_NODE: the VM's memory comes from NUMA node @node first: its
 * reserve, its grows, and its faults where the mapping has no memory
 * policy (see %VMPOOL_LIST_NODES).  The pool must have memory on @node.
 */
#define VMPOOL_VM_SHARE_TENANT		0x1
#define VMPOOL_VM_ZERO_RELEASED		0x2
#define VMPOOL_VM_SET_OWNER		0x4
#define VMPOOL_VM_NODE			0x8

/** @VMPOOL_TENANT_UUID_LEN: bytes in a 128-bit tenant id. */
#define VMPOOL_TENANT_UUID_LEN		16

/**
 * struct vmpool_vm_create - argument of %VMPOOL_VM_CREATE
 * @size: size of this structure as known by the caller.
 * @flags: ``VMPOOL_VM_*`` creation flags (see "VM creation flags").
 * @mem_size: guest memory in bytes (the file size); a multiple of the page
 *	size.
 * @reserve_pages: pages moved from the global pool into the VM's dedicated
 *	pool at creation.
 * @limit_pages: most pages the VM may hold, mapped and dedicated together;
 *	0 means @mem_size in pages.
 * @tenant: security domain as a 32-bit number, or 0 when @tenant_uuid names
 *	it.  Tenant N is the same tenant as the 128-bit id whose first 12 bytes
 *	are zero and whose last 4 hold N, big-endian.  Memory never crosses
 *	between tenants unzeroed.
 * @reserved: must be 0.
 * @name: NUL-terminated name, for listings and logs.
 * @tenant_uuid: security domain as a 128-bit id (an OpenStack project UUID,
 *	say), or all zero when @tenant names it.
 * @uid: with %VMPOOL_VM_SET_OWNER, owner of the VM file; else must be 0.
 * @gid: with %VMPOOL_VM_SET_OWNER, group of the VM file; else must be 0.
 * @mode: with %VMPOOL_VM_SET_OWNER, permission bits (at most 0777) of the
 *	VM file; else must be 0.
 * @reserved2: must be 0.
 * @node: with %VMPOOL_VM_NODE, the VM's NUMA node; else must be 0.
 * @reserved3: must be 0.
 */
struct vmpool_vm_create {
	__u32 size;
	__u32 flags;
	__aligned_u64 mem_size;
	__aligned_u64 reserve_pages;
	__aligned_u64 limit_pages;
	__u32 tenant;
	__u32 reserved;
	char name[VMPOOL_NAME_LEN];
	__u8 tenant_uuid[VMPOOL_TENANT_UUID_LEN];
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 reserved2;
	__u32 node;
	__u32 reserved3;
};

/** @VMPOOL_VM_CREATE_SIZE_VER0: size of the first &struct vmpool_vm_create. */
#define VMPOOL_VM_CREATE_SIZE_VER0	72
/** @VMPOOL_VM_CREATE_SIZE_VER1: with @tenant_uuid, @uid, @gid and @mode. */
#define VMPOOL_VM_CREATE_SIZE_VER1	104
/** @VMPOOL_VM_CREATE_SIZE_VER2: with @node. */
#define VMPOOL_VM_CREATE_SIZE_VER2	112

/**
 * struct vmpool_pool_resize - argument of %VMPOOL_POOL_GROW and
 *	%VMPOOL_POOL_SHRINK
 * @size: size of this structure as known by the caller.
 * @flags: must be 0.
 * @vm_fd: file descriptor of the VM.
 * @reserved: must be 0.
 * @pages: pages to move, not 0.
 */
struct vmpool_pool_resize {
	__u32 size;
	__u32 flags;
	__s32 vm_fd;
	__u32 reserved;
	__aligned_u64 pages;
};

/** @VMPOOL_POOL_RESIZE_SIZE_VER0: size of the first &struct vmpool_pool_resize. */
#define VMPOOL_POOL_RESIZE_SIZE_VER0	24

/**
 * struct vmpool_pool_move - argument of %VMPOOL_POOL_SPLIT and
 *	%VMPOOL_POOL_MERGE
 * @size: size of this structure as known by the caller.
 * @flags: must be 0.
 * @src_fd: file descriptor of the VM whose pool gives pages.
 * @dst_fd: file descriptor of the VM whose pool receives them.
 * @pages: pages to move (SPLIT); 0 in, pages moved out (MERGE).
 */
struct vmpool_pool_move {
	__u32 size;
	__u32 flags;
	__s32 src_fd;
	__s32 dst_fd;
	__aligned_u64 pages;
};

/** @VMPOOL_POOL_MOVE_SIZE_VER0: size of the first &struct vmpool_pool_move. */
#define VMPOOL_POOL_MOVE_SIZE_VER0	24

/**
 * struct vmpool_vm_stats - argument of %VMPOOL_VM_GET_STATS, and entry of
 *	%VMPOOL_LIST_VMS
 * @size: size of this structure as known by the caller.
 * @flags: must be 0.
 * @id: the VM's number, unique among live VMs (for display only: ioctls
 *	that act on a VM take its file descriptor).
 * @tenant: the VM's tenant as a 32-bit number, 0 if it has only a 128-bit
 *	id.
 * @name: the VM's name.
 * @mem_pages: guest memory in pages.
 * @limit_pages: most pages the VM may hold.
 * @mapped_pages: pages holding guest memory.
 * @dedicated_pages: free pages in the VM's dedicated pool.
 * @faults_dedicated: pages faulted in or populated from the dedicated pool.
 * @faults_global: pages faulted in or populated from the global pool.
 * @bytes_zeroed: bytes zeroed before pages reached this VM.
 * @pages_recycled: pages this VM received without zeroing.
 * @pages_released: pages released to the dedicated pool by hole punching.
 * @tenant_uuid: the VM's tenant as a 128-bit id.
 * @vm_flags: the ``VMPOOL_VM_*`` flags the VM was created with.
 * @reserved: 0.
 * @pages_held: pages the VM released that were still referenced elsewhere
 *	(a DMA pin, I/O in flight); they left the VM without entering any
 *	pool.
 * @nr_attached: threads and processes attached (%VMPOOL_VM_ATTACH).
 * @running: CPUs running an attached thread at the time of the call.
 * @activations: times the VM started running after an idle period (a
 *	pause shorter than the module parameter ``min_idle_us`` is not one).
 * @active_ns: time spent in finished active periods.
 * @idle_ns: time spent in finished idle periods.
 * @predictions: activations that had a prediction to score.
 * @prediction_hits: predictions whose start was within
 *	@prediction_tolerance_ns of the real start.
 * @confident_predictions: predictions made with a confidence of at least
 *	500.
 * @confident_hits: of those, the hits.
 * @prediction_error_ns: sum of |real start - predicted start| over
 *	@predictions.
 * @prediction_lead_ns: sum over @predictions of the time from the
 *	prediction to the activation.
 * @next_start_ns: predicted start of the next active period, in
 *	CLOCK_MONOTONIC nanoseconds; 0 when there is no prediction (too little
 *	history, or the VM is running).
 * @next_len_ns: predicted length of that active period.
 * @prediction_tolerance_ns: the tolerance of a hit.
 * @confidence: of the prediction, in thousandths: the share of recent
 *	periods the prediction rule would have predicted within the tolerance.
 * @prediction_basis: the rule of the prediction, a ``VMPOOL_BASIS_*``
 *	value.
 * @idle_rule_predictions: activations for which the idle rule
 *	(%VMPOOL_BASIS_IDLE) had a start, whether or not it was chosen.
 * @idle_rule_hits: of those, starts within the tolerance.
 * @cycle_rule_predictions: the same for %VMPOOL_BASIS_CYCLE.
 * @cycle_rule_hits: the same for %VMPOOL_BASIS_CYCLE.
 * @timer_rule_predictions: the same for %VMPOOL_BASIS_TIMER.
 * @timer_rule_hits: the same for %VMPOOL_BASIS_TIMER.
 * @wake_callbacks: distinct timer callbacks seen waking the VM's threads
 *	(at most 4 are remembered).
 * @wake_timers: wake-up timers of its threads armed at the time of the
 *	call (at most 8 are remembered).
 * @pages_swapped: guest pages whose data is in the store.
 * @pages_out: pages written to the store by %VMPOOL_VM_PAGE_OUT.
 * @pages_in: pages read back from the store by a fault (major faults).
 * @store_errors: failed reads and writes of the store.
 * @store_writes: write I/Os to the store (a run of consecutive pages is
 *	one).
 * @store_reads: read I/Os from the store.
 * @idle_limit_pages: the idle limit (%VMPOOL_VM_SET_IDLE_LIMIT).
 * @idle_pages_out: pages paged out because the VM went idle.
 * @prefetched_pages: pages read back before a predicted activation.
 * @prefetch_used: of those, pages the VM touched before it next went idle.
 * @prefetch_wasted: of those, pages it did not.
 * @major_faults: accesses that had to wait for a page to be read back.
 * @shortages: times the VM needed a page and the pool had none, so that
 *	other VMs gave pages up for it (&struct vmpool_info).
 * @shortage_failures: of those, times no VM could give one.
 * @pages_given: pages the VM gave up for other VMs in a shortage: free
 *	pages of its dedicated pool and pages paged out.
 * @pages_given_running: of those, pages it gave up while it was running.
 * @premapped_pages: resident pages of the VM's working set mapped into
 *	the page tables of the processes that map it before a predicted
 *	activation, so that touching them costs no fault
 *	(%VMPOOL_VM_SET_IDLE_LIMIT); once per process that maps them.
 * @nowait_faults: faults on a page in the store that could not wait for
 *	it (KVM's first try, before an asynchronous page fault): its read
 *	was started, and the fault asked to be retried.
 * @clean_pages: resident guest pages read back from the store and not
 *	written since, whose slot still holds their data (kept while the
 *	store is at most half full).
 * @pages_out_clean: pages paged out with no write, their clean copy in
 *	the store being their data (not counted in @pages_out).
 * @promised_pages: pages on their way into the VM's dedicated pool from a
 *	grow or a move in progress, not in @dedicated_pages yet; they count
 *	against @limit_pages already.
 * @leaving_pages: of @dedicated_pages, the pages promised to a shrink of
 *	the VM or a move from it in progress: its faults do not take them.
 * @node: the VM's NUMA node (%VMPOOL_VM_NODE), or -1 for none.
 * @reserved3: 0.
 * @numa_hits: pages that came to back guest memory from the node their
 *	fault (or read ahead) wanted first (see %VMPOOL_LIST_NODES).
 * @numa_misses: pages that came from another node, that one having none.
 * @huge_pages: guest pages backed by whole 2 MiB blocks (a multiple of
 *	512): each such extent is mapped with one PMD where the mapping
 *	allows it (%VMPOOL_CAP_PMD).
 * @pmd_faults: faults that mapped 2 MiB with one PMD.
 * @cache_faults: of @faults_dedicated and @faults_global, faults that took
 *	their page from the VM's fault cache, without the pool lock.
 * @cache_refills: times a fault took the pool lock to fill that cache.
 */
struct vmpool_vm_stats {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 tenant;
	char name[VMPOOL_NAME_LEN];
	__aligned_u64 mem_pages;
	__aligned_u64 limit_pages;
	__aligned_u64 mapped_pages;
	__aligned_u64 dedicated_pages;
	__aligned_u64 faults_dedicated;
	__aligned_u64 faults_global;
	__aligned_u64 bytes_zeroed;
	__aligned_u64 pages_recycled;
	__aligned_u64 pages_released;
	__u8 tenant_uuid[VMPOOL_TENANT_UUID_LEN];
	__u32 vm_flags;
	__u32 reserved;
	__aligned_u64 pages_held;
	__u32 nr_attached;
	__u32 running;
	__aligned_u64 activations;
	__aligned_u64 active_ns;
	__aligned_u64 idle_ns;
	__aligned_u64 predictions;
	__aligned_u64 prediction_hits;
	__aligned_u64 confident_predictions;
	__aligned_u64 confident_hits;
	__aligned_u64 prediction_error_ns;
	__aligned_u64 prediction_lead_ns;
	__aligned_u64 next_start_ns;
	__aligned_u64 next_len_ns;
	__aligned_u64 prediction_tolerance_ns;
	__u32 confidence;
	__u32 prediction_basis;
	__aligned_u64 idle_rule_predictions;
	__aligned_u64 idle_rule_hits;
	__aligned_u64 cycle_rule_predictions;
	__aligned_u64 cycle_rule_hits;
	__aligned_u64 timer_rule_predictions;
	__aligned_u64 timer_rule_hits;
	__u32 wake_callbacks;
	__u32 wake_timers;
	__aligned_u64 pages_swapped;
	__aligned_u64 pages_out;
	__aligned_u64 pages_in;
	__aligned_u64 store_errors;
	__aligned_u64 store_writes;
	__aligned_u64 store_reads;
	__aligned_u64 idle_limit_pages;
	__aligned_u64 idle_pages_out;
	__aligned_u64 prefetched_pages;
	__aligned_u64 prefetch_used;
	__aligned_u64 prefetch_wasted;
	__aligned_u64 major_faults;
	__aligned_u64 shortages;
	__aligned_u64 shortage_failures;
	__aligned_u64 pages_given;
	__aligned_u64 pages_given_running;
	__aligned_u64 premapped_pages;
	__aligned_u64 nowait_faults;
	__aligned_u64 clean_pages;
	__aligned_u64 pages_out_clean;
	__aligned_u64 promised_pages;
	__aligned_u64 leaving_pages;
	__s32 node;
	__u32 reserved3;
	__aligned_u64 numa_hits;
	__aligned_u64 numa_misses;
	__aligned_u64 huge_pages;
	__aligned_u64 pmd_faults;
	__aligned_u64 cache_faults;
	__aligned_u64 cache_refills;
};

/** @VMPOOL_BASIS_NONE: no prediction (too little history). */
#define VMPOOL_BASIS_NONE	0
/** @VMPOOL_BASIS_IDLE: last stop plus the median idle period. */
#define VMPOOL_BASIS_IDLE	1
/** @VMPOOL_BASIS_CYCLE: last start plus the median start-to-start period. */
#define VMPOOL_BASIS_CYCLE	2
/** @VMPOOL_BASIS_TIMER: the earliest timer armed to wake the VM's threads. */
#define VMPOOL_BASIS_TIMER	3

/** @VMPOOL_VM_STATS_SIZE_VER0: size of the first &struct vmpool_vm_stats. */
#define VMPOOL_VM_STATS_SIZE_VER0	120
/** @VMPOOL_VM_STATS_SIZE_VER1: with @tenant_uuid, @vm_flags, @pages_held. */
#define VMPOOL_VM_STATS_SIZE_VER1	152
/** @VMPOOL_VM_STATS_SIZE_VER2: with the activity and prediction figures. */
#define VMPOOL_VM_STATS_SIZE_VER2	264
/** @VMPOOL_VM_STATS_SIZE_VER3: with the figures of each prediction rule. */
#define VMPOOL_VM_STATS_SIZE_VER3	320
/** @VMPOOL_VM_STATS_SIZE_VER4: with the paging figures. */
#define VMPOOL_VM_STATS_SIZE_VER4	368
/** @VMPOOL_VM_STATS_SIZE_VER5: with the idle paging figures. */
#define VMPOOL_VM_STATS_SIZE_VER5	416
/** @VMPOOL_VM_STATS_SIZE_VER6: with the shortage figures. */
#define VMPOOL_VM_STATS_SIZE_VER6	448
/** @VMPOOL_VM_STATS_SIZE_VER7: with @premapped_pages, @nowait_faults. */
#define VMPOOL_VM_STATS_SIZE_VER7	464
/** @VMPOOL_VM_STATS_SIZE_VER8: with @clean_pages, @pages_out_clean. */
#define VMPOOL_VM_STATS_SIZE_VER8	480
/** @VMPOOL_VM_STATS_SIZE_VER9: with @promised_pages, @leaving_pages. */
#define VMPOOL_VM_STATS_SIZE_VER9	496
/** @VMPOOL_VM_STATS_SIZE_VER10: with @node, @numa_hits, @numa_misses. */
#define VMPOOL_VM_STATS_SIZE_VER10	520
/** @VMPOOL_VM_STATS_SIZE_VER11: with @huge_pages, @pmd_faults. */
#define VMPOOL_VM_STATS_SIZE_VER11	536
/** @VMPOOL_VM_STATS_SIZE_VER12: with @cache_faults, @cache_refills. */
#define VMPOOL_VM_STATS_SIZE_VER12	552

/**
 * struct vmpool_vm_list - argument of %VMPOOL_LIST_VMS
 * @size: size of this structure as known by the caller.
 * @flags: must be 0.
 * @nr_entries: in: room at @entries; out: number of live VMs.
 * @entry_size: size of one entry, at least %VMPOOL_VM_STATS_SIZE_VER0 and
 *	at most the page size.
 * @entries: user address of the array of &struct vmpool_vm_stats.
 */
struct vmpool_vm_list {
	__u32 size;
	__u32 flags;
	__u32 nr_entries;
	__u32 entry_size;
	__aligned_u64 entries;
};

/** @VMPOOL_VM_LIST_SIZE_VER0: size of the first &struct vmpool_vm_list. */
#define VMPOOL_VM_LIST_SIZE_VER0	24

/**
 * struct vmpool_node_info - the pool's memory on one NUMA node
 * @size: out: bytes of this entry the kernel wrote (the rest is zeroed).
 * @node: out: the node's number.
 * @total_pages: out: pages of the pool on the node.
 * @free_pages: out: of those, pages in the global pool
 *	(&struct vmpool_info.free_pages on this node).
 * @dedicated_pages: out: of those, free pages in VMs' dedicated pools
 *	(&struct vmpool_info.dedicated_pages on this node).
 * @mapped_pages: out: of those, pages backing guest memory
 *	(&struct vmpool_info.mapped_pages on this node).
 * @reserve_pages: out: of @free_pages, pages known to be zero
 *	(&struct vmpool_info.reserve_pages on this node).
 */
struct vmpool_node_info {
	__u32 size;
	__u32 node;
	__aligned_u64 total_pages;
	__aligned_u64 free_pages;
	__aligned_u64 dedicated_pages;
	__aligned_u64 mapped_pages;
	__aligned_u64 reserve_pages;
};

/** @VMPOOL_NODE_INFO_SIZE_VER0: size of the first &struct vmpool_node_info. */
#define VMPOOL_NODE_INFO_SIZE_VER0	24
/** @VMPOOL_NODE_INFO_SIZE_VER1: with the dedicated, mapped and zeroed pages. */
#define VMPOOL_NODE_INFO_SIZE_VER1	48

/**
 * struct vmpool_node_list - argument of %VMPOOL_LIST_NODES
 * @size: size of this structure as known by the caller.
 * @flags: must be 0.
 * @nr_entries: in: room at @entries; out: number of nodes with pool
 *	memory.
 * @entry_size: size of one entry, at least %VMPOOL_NODE_INFO_SIZE_VER0 and
 *	at most the page size.
 * @entries: user address of the array of &struct vmpool_node_info.
 * @reserved: must be 0.
 */
struct vmpool_node_list {
	__u32 size;
	__u32 flags;
	__u32 nr_entries;
	__u32 entry_size;
	__aligned_u64 entries;
	__aligned_u64 reserved;
};

/** @VMPOOL_NODE_LIST_SIZE_VER0: size of the first &struct vmpool_node_list. */
#define VMPOOL_NODE_LIST_SIZE_VER0	32

/** @VMPOOL_ATTACH_PROCESS: attach (detach) the process @pidfd refers to. */
#define VMPOOL_ATTACH_PROCESS		0x1
/** @VMPOOL_ATTACH_ALL: with %VMPOOL_VM_DETACH only: detach everything. */
#define VMPOOL_ATTACH_ALL		0x2
/** @VMPOOL_ATTACH_MAX_TIDS: most thread ids one call takes. */
#define VMPOOL_ATTACH_MAX_TIDS		64
/** @VMPOOL_VM_MAX_TASKS: most threads and processes attached to one VM. */
#define VMPOOL_VM_MAX_TASKS		256

/**
 * struct vmpool_attach - argument of %VMPOOL_VM_ATTACH and %VMPOOL_VM_DETACH
 * @size: size of this structure as known by the caller.
 * @flags: %VMPOOL_ATTACH_PROCESS to name a process by @pidfd; without it,
 *	the threads at @tids.  %VMPOOL_ATTACH_ALL, alone, to detach all.
 * @pidfd: with %VMPOOL_ATTACH_PROCESS, a pidfd of the process (a pidfd of
 *	one of its threads names its process too); otherwise 0.
 * @nr_tids: without %VMPOOL_ATTACH_PROCESS, the number of thread ids at
 *	@tids, 1 to %VMPOOL_ATTACH_MAX_TIDS; otherwise 0.
 * @tids: user address of an array of @nr_tids ``__s32`` thread ids, or 0.
 */
struct vmpool_attach {
	__u32 size;
	__u32 flags;
	__s32 pidfd;
	__u32 nr_tids;
	__aligned_u64 tids;
};

/** @VMPOOL_ATTACH_SIZE_VER0: size of the first &struct vmpool_attach. */
#define VMPOOL_ATTACH_SIZE_VER0		24

/**
 * struct vmpool_task - entry of %VMPOOL_VM_LIST_TASKS
 * @pid: the thread id, or with %VMPOOL_ATTACH_PROCESS the process id, in
 *	the caller's pid namespace; 0 if it has no number there.
 * @flags: %VMPOOL_ATTACH_PROCESS for a process.
 */
struct vmpool_task {
	__s32 pid;
	__u32 flags;
};

/**
 * struct vmpool_task_list - argument of %VMPOOL_VM_LIST_TASKS
 * @size: size of this structure as known by the caller.
 * @flags: must be 0.
 * @nr_entries: in: room at @entries; out: number of attachments.
 * @reserved: must be 0.
 * @entries: user address of an array of &struct vmpool_task.
 */
struct vmpool_task_list {
	__u32 size;
	__u32 flags;
	__u32 nr_entries;
	__u32 reserved;
	__aligned_u64 entries;
};

/** @VMPOOL_TASK_LIST_SIZE_VER0: size of the first &struct vmpool_task_list. */
#define VMPOOL_TASK_LIST_SIZE_VER0	24

/**
 * struct vmpool_audit - argument of %VMPOOL_AUDIT
 * @size: size of this structure as known by the caller.
 * @flags: 0 or %VMPOOL_AUDIT_SETTLE.
 * @errors: out: inconsistencies found (0 when the accounting holds).
 * @nr_vms: out: VMs seen, closed ones whose memory is not back included.
 * @total_pages: out: pages seen, counted one by one.
 * @free_pages: out: pages found in the global pool.
 * @dedicated_pages: out: pages found in dedicated pools.
 * @mapped_pages: out: pages found holding guest memory.
 * @held_pages: out: pages found held back, referenced after their release.
 * @transit_pages: out: pages found on their way into a VM's pool.
 * @swapped_pages: out: guest pages found in the store, each in a slot of
 *	its own that the store counts as used.
 */
struct vmpool_audit {
	__u32 size;
	__u32 flags;
	__u32 errors;
	__u32 nr_vms;
	__aligned_u64 total_pages;
	__aligned_u64 free_pages;
	__aligned_u64 dedicated_pages;
	__aligned_u64 mapped_pages;
	__aligned_u64 held_pages;
	__aligned_u64 transit_pages;
	__aligned_u64 swapped_pages;
};

/** @VMPOOL_AUDIT_SIZE_VER0: size of the first &struct vmpool_audit. */
#define VMPOOL_AUDIT_SIZE_VER0		48
/** @VMPOOL_AUDIT_SIZE_VER1: with @held_pages and @transit_pages. */
#define VMPOOL_AUDIT_SIZE_VER1		64
/** @VMPOOL_AUDIT_SIZE_VER2: with @swapped_pages. */
#define VMPOOL_AUDIT_SIZE_VER2		72

/*
 * Encryption of the store: AES-256 in XTS mode, the slot number as the
 * tweak, a key per tenant.  The key is made at random when a VM of the
 * tenant first writes to the store, is held only by the kernel and goes
 * when the tenant's last VM goes, so that the store then reveals nothing
 * of the tenant.
 */
/** @VMPOOL_STORE_ENCRYPT: encrypt the store, with a key per tenant. */
#define VMPOOL_STORE_ENCRYPT		0x1

/**
 * struct vmpool_store - argument of %VMPOOL_SET_STORE
 * @size: size of this structure as known by the caller.
 * @flags: %VMPOOL_STORE_ENCRYPT or 0; 0 with no store (@fd -1).
 * @fd: the store: a regular file or block device open for reading and
 *	writing; -1 to remove the store.
 * @reserved: must be 0.
 * @nr_slots: out: pages the store can hold.
 */
struct vmpool_store {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 reserved;
	__aligned_u64 nr_slots;
};

/** @VMPOOL_STORE_SIZE_VER0: size of the first &struct vmpool_store. */
#define VMPOOL_STORE_SIZE_VER0		24

/** @VMPOOL_PAGE_OUT_RELEASE: released pages go to the global pool. */
#define VMPOOL_PAGE_OUT_RELEASE		0x1

/**
 * struct vmpool_page_out - argument of %VMPOOL_VM_PAGE_OUT
 * @size: size of this structure as known by the caller.
 * @flags: %VMPOOL_PAGE_OUT_RELEASE or 0.
 * @offset: first byte of the range in guest memory; page aligned.
 * @length: bytes; page aligned, not 0.
 * @pages_out: out: pages that went to the store and were released
 *	(written, or, for a page read back and not written since, with no
 *	write: its slot still held its data).
 * @pages_skipped: out: pages left resident because something else
 *	referenced them.
 */
struct vmpool_page_out {
	__u32 size;
	__u32 flags;
	__aligned_u64 offset;
	__aligned_u64 length;
	__aligned_u64 pages_out;
	__aligned_u64 pages_skipped;
};

/** @VMPOOL_PAGE_OUT_SIZE_VER0: size of the first &struct vmpool_page_out. */
#define VMPOOL_PAGE_OUT_SIZE_VER0	40

/** @VMPOOL_IDLE_LIMIT_NONE: no idle limit. */
#define VMPOOL_IDLE_LIMIT_NONE		(~0ULL)

/**
 * struct vmpool_idle_limit - argument of %VMPOOL_VM_SET_IDLE_LIMIT
 * @size: size of this structure as known by the caller.
 * @flags: must be 0.
 * @pages: pages the VM may keep while it sleeps, or
 *	%VMPOOL_IDLE_LIMIT_NONE.
 * @reserved: must be 0.
 */
struct vmpool_idle_limit {
	__u32 size;
	__u32 flags;
	__aligned_u64 pages;
	__aligned_u64 reserved;
};

/** @VMPOOL_IDLE_LIMIT_SIZE_VER0: size of the first &struct vmpool_idle_limit. */
#define VMPOOL_IDLE_LIMIT_SIZE_VER0	24

#endif /* _UAPI_LINUX_VMPOOL_H */
