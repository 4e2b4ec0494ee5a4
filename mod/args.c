// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: copying extensible ioctl arguments.
 *
 * Every ioctl structure starts with a __u32 size set by userspace, followed
 * by __u32 flags; see the "vmpool ioctl conventions" in the uapi header for
 * the rules enforced here.
 */
#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "vmpool.h"

/**
 * vmpool_copy_args_from_user - fetch an extensible ioctl argument
 * @dst: kernel copy of the structure, @ksize bytes.
 * @ksize: size of the structure this kernel knows.
 * @minsize: smallest size userspace may pass (the ``*_SIZE_VER0``).
 * @valid_flags: flag bits the ioctl defines.
 * @uarg: user pointer; the structure starts with __u32 size, __u32 flags.
 *
 * Members userspace did not pass read as zero in @dst; the size member of
 * @dst holds the size userspace passed.
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EFAULT if @uarg cannot be read; -EINVAL if the size
 * is below @minsize or a flag outside @valid_flags is set; -E2BIG if the
 * size is above PAGE_SIZE or a byte beyond @ksize is not zero.
 */
int vmpool_copy_args_from_user(void *dst, size_t ksize, size_t minsize,
			       u32 valid_flags, const void __user *uarg)
{
	const u32 *hdr = dst;
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < minsize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(dst, ksize, uarg, usize);
	if (ret)
		return ret;
	if (hdr[1] & ~valid_flags)
		return -EINVAL;
	return 0;
}

/**
 * vmpool_copy_args_to_user - return an extensible ioctl argument
 * @uarg: user pointer the argument was read from.
 * @src: kernel copy, as filled by vmpool_copy_args_from_user() and the
 *	ioctl; its size member still holds the size userspace passed.
 * @ksize: size of the structure this kernel knows.
 *
 * Writes back as many bytes as both sides know, and stores that count in
 * the size member.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -EFAULT if @uarg cannot be written.
 */
int vmpool_copy_args_to_user(void __user *uarg, void *src, size_t ksize)
{
	u32 *size = src;

	*size = min_t(size_t, *size, ksize);
	if (copy_to_user(uarg, src, *size))
		return -EFAULT;
	return 0;
}
