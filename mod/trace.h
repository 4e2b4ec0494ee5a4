/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpool: trace events, in tracefs under events/vmpool/ and for
 * "trace-cmd record -e vmpool".  VMs are named by their id (the id
 * VMPOOL_LIST_VMS reports), tenants by their slot.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vmpool

#if !defined(_VMPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VMPOOL_TRACE_H

#include <linux/tracepoint.h>

/* A guest page backed by a pool page, at a fault or a populate. */
TRACE_EVENT(vmpool_alloc,
	    TP_PROTO(u16 vm, u16 tenant, unsigned long index,
		     bool dedicated, bool zeroed),
	    TP_ARGS(vm, tenant, index, dedicated, zeroed),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(u16, tenant)
			     __field(unsigned long, index)
			     __field(bool, dedicated)
			     __field(bool, zeroed)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->tenant = tenant;
			   __entry->index = index;
			   __entry->dedicated = dedicated;
			   __entry->zeroed = zeroed;),
	    TP_printk("vm=%u tenant=%u index=%lu from=%s zeroed=%d",
		      __entry->vm, __entry->tenant, __entry->index,
		      __entry->dedicated ? "dedicated" : "global",
		      __entry->zeroed)
);

/* Guest pages released by hole punching (a balloon inflate). */
TRACE_EVENT(vmpool_release,
	    TP_PROTO(u16 vm, unsigned long start, unsigned long end,
		     unsigned long released, unsigned long held),
	    TP_ARGS(vm, start, end, released, held),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned long, released)
			     __field(unsigned long, held)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->released = released;
			   __entry->held = held;),
	    TP_printk("vm=%u index=%lu-%lu released=%lu held=%lu",
		      __entry->vm, __entry->start, __entry->end,
		      __entry->released, __entry->held)
);

/*
 * A VM closed: its last file went, with @mapped guest pages backed and
 * @dedicated free pages in its pool, which go back in the background.
 */
TRACE_EVENT(vmpool_close,
	    TP_PROTO(u16 vm, u16 tenant, unsigned long mapped,
		     unsigned long dedicated),
	    TP_ARGS(vm, tenant, mapped, dedicated),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(u16, tenant)
			     __field(unsigned long, mapped)
			     __field(unsigned long, dedicated)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->tenant = tenant;
			   __entry->mapped = mapped;
			   __entry->dedicated = dedicated;),
	    TP_printk("vm=%u tenant=%u mapped=%lu dedicated=%lu",
		      __entry->vm, __entry->tenant, __entry->mapped,
		      __entry->dedicated)
);

/* A closed VM's memory is back in the global pool: @pages pages. */
TRACE_EVENT(vmpool_closed,
	    TP_PROTO(u16 vm, u16 tenant, unsigned long pages),
	    TP_ARGS(vm, tenant, pages),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(u16, tenant)
			     __field(unsigned long, pages)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->tenant = tenant;
			   __entry->pages = pages;),
	    TP_printk("vm=%u tenant=%u pages=%lu",
		      __entry->vm, __entry->tenant, __entry->pages)
);

/*
 * Pages zeroed before they reach a VM: from tenant @from (0 for pages of
 * several, or of none) to @vm of tenant @to; by the background scrubber,
 * into the pre-zeroed reserve, with @vm and @to 0.
 */
TRACE_EVENT(vmpool_scrub,
	    TP_PROTO(u16 vm, u16 to, u16 from, unsigned int pages),
	    TP_ARGS(vm, to, from, pages),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(u16, to)
			     __field(u16, from)
			     __field(unsigned int, pages)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->to = to;
			   __entry->from = from;
			   __entry->pages = pages;),
	    TP_printk("vm=%u tenant=%u from_tenant=%u pages=%u",
		      __entry->vm, __entry->to, __entry->from, __entry->pages)
);

DECLARE_EVENT_CLASS(vmpool_resize,
		    TP_PROTO(u16 vm, u16 tenant, unsigned long pages, int ret),
		    TP_ARGS(vm, tenant, pages, ret),
		    TP_STRUCT__entry(__field(u16, vm)
				     __field(u16, tenant)
				     __field(unsigned long, pages)
				     __field(int, ret)),
		    TP_fast_assign(__entry->vm = vm;
				   __entry->tenant = tenant;
				   __entry->pages = pages;
				   __entry->ret = ret;),
		    TP_printk("vm=%u tenant=%u pages=%lu ret=%d",
			      __entry->vm, __entry->tenant, __entry->pages, __entry->ret)
);

/* Pages moved from the global pool to a VM's dedicated pool. */
DEFINE_EVENT(vmpool_resize, vmpool_grow,
	     TP_PROTO(u16 vm, u16 tenant, unsigned long pages, int ret),
	     TP_ARGS(vm, tenant, pages, ret)
);

/* Free pages of a VM's dedicated pool returned to the global pool. */
DEFINE_EVENT(vmpool_resize, vmpool_shrink,
	     TP_PROTO(u16 vm, u16 tenant, unsigned long pages, int ret),
	     TP_ARGS(vm, tenant, pages, ret)
);

/* Free pages moved between dedicated pools: a split, or a merge of all. */
TRACE_EVENT(vmpool_move,
	    TP_PROTO(u16 src, u16 dst, bool merge, unsigned long pages,
		     unsigned long zeroed, int ret),
	    TP_ARGS(src, dst, merge, pages, zeroed, ret),
	    TP_STRUCT__entry(__field(u16, src)
			     __field(u16, dst)
			     __field(bool, merge)
			     __field(unsigned long, pages)
			     __field(unsigned long, zeroed)
			     __field(int, ret)),
	    TP_fast_assign(__entry->src = src;
			   __entry->dst = dst;
			   __entry->merge = merge;
			   __entry->pages = pages;
			   __entry->zeroed = zeroed;
			   __entry->ret = ret;),
	    TP_printk("%s src=%u dst=%u pages=%lu zeroed=%lu ret=%d",
		      __entry->merge ? "merge" : "split", __entry->src,
		      __entry->dst, __entry->pages, __entry->zeroed, __entry->ret)
);

/* One write of consecutive guest pages to consecutive store slots. */
TRACE_EVENT(vmpool_page_out,
	    TP_PROTO(u16 vm, unsigned long index, u32 slot,
		     unsigned int pages, int done),
	    TP_ARGS(vm, index, slot, pages, done),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(unsigned long, index)
			     __field(u32, slot)
			     __field(unsigned int, pages)
			     __field(int, done)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->index = index;
			   __entry->slot = slot;
			   __entry->pages = pages;
			   __entry->done = done;),
	    TP_printk("vm=%u index=%lu slot=%u pages=%u done=%d",
		      __entry->vm, __entry->index, __entry->slot,
		      __entry->pages, __entry->done)
);

/* One read of guest pages back from the store, for a fault or ahead. */
TRACE_EVENT(vmpool_page_in,
	    TP_PROTO(u16 vm, unsigned long index, u32 slot,
		     unsigned int pages, int done, bool prefetch),
	    TP_ARGS(vm, index, slot, pages, done, prefetch),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(unsigned long, index)
			     __field(u32, slot)
			     __field(unsigned int, pages)
			     __field(int, done)
			     __field(bool, prefetch)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->index = index;
			   __entry->slot = slot;
			   __entry->pages = pages;
			   __entry->done = done;
			   __entry->prefetch = prefetch;),
	    TP_printk("vm=%u index=%lu slot=%u pages=%u done=%d %s",
		      __entry->vm, __entry->index, __entry->slot,
		      __entry->pages, __entry->done,
		      __entry->prefetch ? "prefetch" : "fault")
);

/* A VM's last thread left its CPU: when it is predicted to run again. */
TRACE_EVENT(vmpool_predict,
	    TP_PROTO(u16 vm, u64 now, bool pending, u64 next_start,
		     u64 next_len),
	    TP_ARGS(vm, now, pending, next_start, next_len),
	    TP_STRUCT__entry(__field(u16, vm)
			     __field(u64, now)
			     __field(bool, pending)
			     __field(u64, next_start)
			     __field(u64, next_len)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->now = now;
			   __entry->pending = pending;
			   __entry->next_start = next_start;
			   __entry->next_len = next_len;),
	    TP_printk("vm=%u predicted=%d sleep_ns=%lld run_ns=%llu",
		      __entry->vm, __entry->pending,
		      __entry->pending ?
		      (s64)(__entry->next_start - __entry->now) : 0,
		      __entry->pending ? __entry->next_len : 0)
);

#endif /* _VMPOOL_TRACE_H */

/* Out of the kernel tree: the header is found next to its user. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
