/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the module's pure-logic files need from the kernel, for building
 * them in userspace unit tests (-include this file).
 */
#ifndef _VMPOOL_UNIT_KERNEL_H
#define _VMPOOL_UNIT_KERNEL_H

#include <stdbool.h>
#include <linux/types.h>

typedef __u64 u64;
typedef __u32 u32;

/* compat.h of the module: the userspace uapi header's policies. */
#define _VMPOOL_COMPAT_H
#include <linux/mempolicy.h>

static inline bool vmpool_mpol_interleaves(unsigned short mode)
{
	return mode == MPOL_INTERLEAVE;
}

#endif /* _VMPOOL_UNIT_KERNEL_H */
