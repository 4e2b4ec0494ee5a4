/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpool: what differs between the kernels the module builds for, 6.12
 * and Debian 12's 6.1.  The only place that knows; mod/Kbuild tells it
 * what the kernel has (VMPOOL_HAVE_*, from the kernel's own headers).
 */
#ifndef _VMPOOL_COMPAT_H
#define _VMPOOL_COMPAT_H

#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/magic.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/pid.h>

#ifdef VMPOOL_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* Before 6.4 MAX_ORDER was one above the largest order; 6.8 renamed it. */
#ifndef MAX_PAGE_ORDER
#define MAX_PAGE_ORDER		(MAX_ORDER - 1)
#endif

/* 6.12 made struct fd opaque; before, its file was a member. */
#ifndef fd_file
#define fd_file(f)		((f).file)
#endif

/* Set flags of a mapping being set up (6.3 locked vm_flags). */
static inline void vmpool_vm_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
#ifdef VMPOOL_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * Whether memory policy mode @mode spreads pages over its nodes one by
 * one (6.9 added a weighted kind, whose weights the module ignores).
 */
static inline bool vmpool_mpol_interleaves(unsigned short mode)
{
#ifdef VMPOOL_HAVE_MPOL_WEIGHTED_INTERLEAVE
	if (mode == MPOL_WEIGHTED_INTERLEAVE)
		return true;
#endif
	return mode == MPOL_INTERLEAVE;
}

/* The block device a block device file opens. */
static inline struct block_device *vmpool_file_bdev(struct file *file)
{
#ifdef VMPOOL_HAVE_FILE_BDEV
	return file_bdev(file);
#else
	return I_BDEV(file->f_mapping->host);
#endif
}

/*
 * The struct pid of a pidfd, without a reference; NULL if @file is not a
 * pidfd.  Since 6.9 a pidfd is a pidfs file whose inode holds the pid;
 * before, an anonymous inode file named [pidfd] whose private data is the
 * pid (pidfd_fops, which would tell it for sure, is not exported).
 */
static inline struct pid *vmpool_pidfd_pid(struct file *file)
{
#ifdef VMPOOL_HAVE_PIDFS
	if (file_inode(file)->i_sb->s_magic != PID_FS_MAGIC)
		return NULL;
	return file_inode(file)->i_private;
#else
	if (file_inode(file)->i_sb->s_magic != ANON_INODE_FS_MAGIC ||
	    strcmp(file->f_path.dentry->d_name.name, "[pidfd]"))
		return NULL;
	return file->private_data;
#endif
}

/* ->setattr's first argument: the mount's idmapping (6.3), or user ns. */
#ifdef VMPOOL_HAVE_MNT_IDMAP
#define vmpool_idmap		struct mnt_idmap
#else
#define vmpool_idmap		struct user_namespace
#endif

/* The identity idmapping, of the mount or of the user namespace. */
#ifdef VMPOOL_HAVE_MNT_IDMAP
#define vmpool_nop_idmap	(&nop_mnt_idmap)
#else
#define vmpool_nop_idmap	(&init_user_ns)
#endif

/* A new inode's times, all now (6.7 hid the time members). */
static inline void vmpool_inode_init_ts(struct inode *inode)
{
#ifdef VMPOOL_HAVE_INODE_TS
	simple_inode_init_ts(inode);
#else
	inode->i_atime = inode_set_ctime_current(inode);
	inode->i_mtime = inode->i_atime;
#endif
}

/* A directory whose entries changed: its mtime and ctime are now. */
static inline void vmpool_dir_touch(struct inode *dir)
{
#ifdef VMPOOL_HAVE_INODE_TS
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
#else
	dir->i_mtime = inode_set_ctime_current(dir);
#endif
}

void vmpool_wake_timer_start(struct hrtimer *timer);

/*
 * The probe on the hrtimer_start tracepoint (sched.c registers it) takes
 * exactly the tracepoint's arguments: some 6.12 updates added was_armed.
 */
#ifdef VMPOOL_HAVE_HRTIMER_START_WAS_ARMED
static inline void vmpool_wake_probe_start(void *data, struct hrtimer *timer,
					   enum hrtimer_mode mode,
					   bool was_armed)
{
	vmpool_wake_timer_start(timer);
}
#else
static inline void vmpool_wake_probe_start(void *data, struct hrtimer *timer,
					   enum hrtimer_mode mode)
{
	vmpool_wake_timer_start(timer);
}
#endif

/*
 * Faults may map 2 MiB of guest memory with one PMD (huge.c): the core
 * calls ->huge_fault() for a mapping that is not DAX (the kernels whose
 * ->huge_fault() takes an order do; 6.1 calls it for DAX files only), and
 * a PMD may map a devmap pfn.
 */
#if defined(VMPOOL_HAVE_HUGE_FAULT_ORDER) && \
	defined(CONFIG_TRANSPARENT_HUGEPAGE) && \
	defined(CONFIG_ARCH_HAS_PTE_DEVMAP)
#define VMPOOL_PMD_FAULT
#endif

#endif /* _VMPOOL_COMPAT_H */
