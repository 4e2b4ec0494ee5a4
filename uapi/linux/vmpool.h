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
 * enum vmpool_extension - optional features, for %VMPOOL_CHECK_EXTENSION
 * @VMPOOL_CAP_INFO: %VMPOOL_INFO is available.
 */
enum vmpool_extension {
	VMPOOL_CAP_INFO = 1,
};

/**
 * enum vmpool_source - where the managed memory comes from
 * @VMPOOL_SOURCE_PAGE_ALLOC: chunks taken from the page allocator at load
 *	(module parameter ``pool_mb``).
 * @VMPOOL_SOURCE_REGION: a physical range reserved at boot with ``memmap=``
 *	(module parameter ``region``).
 */
enum vmpool_source {
	VMPOOL_SOURCE_PAGE_ALLOC = 1,
	VMPOOL_SOURCE_REGION = 2,
};

/**
 * struct vmpool_info - argument of %VMPOOL_INFO
 * @size: in: size of this structure as known by the caller; out: number of
 *	bytes the kernel filled in.
 * @flags: in: must be 0.
 * @page_size: out: size in bytes of one pool page.
 * @total_pages: out: pages managed by the module.
 * @free_pages: out: pages in the global pool, not dedicated to any VM.
 * @metadata_bytes: out: memory the module uses to track the pool.
 * @source: out: one of &enum vmpool_source.
 * @nr_chunks: out: physically contiguous ranges making up the pool.
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
};

/** @VMPOOL_INFO_SIZE_VER0: size of the first published &struct vmpool_info. */
#define VMPOOL_INFO_SIZE_VER0	48

#endif /* _UAPI_LINUX_VMPOOL_H */
