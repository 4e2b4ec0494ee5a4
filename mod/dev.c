// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: the /dev/vmpool control device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <uapi/linux/vmpool.h>

#include "vmpool.h"

/* The pool served by the device; set before registration, never changed. */
static struct vmpool_pool *vmpool_dev_pool;

static int vmpool_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static long vmpool_check_extension(unsigned long ext)
{
	switch (ext) {
	case VMPOOL_CAP_INFO:
		return 1;
	default:
		return 0;
	}
}

static long vmpool_ioctl_info(struct vmpool_info __user *uarg)
{
	struct vmpool_pool_stats st;
	struct vmpool_info info;
	int ret;

	ret = vmpool_copy_args_from_user(&info, sizeof(info),
					 VMPOOL_INFO_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;

	vmpool_pool_stats(vmpool_dev_pool, &st);
	info.page_size = PAGE_SIZE;
	info.total_pages = st.total_pages;
	info.free_pages = st.free_pages;
	info.metadata_bytes = st.metadata_bytes;
	info.source = vmpool_dev_pool->source;
	info.nr_chunks = vmpool_dev_pool->nr_chunks;

	return vmpool_copy_args_to_user(uarg, &info, sizeof(info));
}

static long vmpool_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case VMPOOL_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return VMPOOL_API_VERSION;
	case VMPOOL_CHECK_EXTENSION:
		return vmpool_check_extension(arg);
	case VMPOOL_INFO:
		return vmpool_ioctl_info(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vmpool_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= vmpool_dev_open,
	.unlocked_ioctl	= vmpool_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vmpool_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vmpool",
	.fops	= &vmpool_dev_fops,
	.mode	= 0600,
};

/**
 * vmpool_dev_register - create /dev/vmpool
 * @pool: the pool the device controls.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, a negative errno from misc_register() otherwise.
 */
int vmpool_dev_register(struct vmpool_pool *pool)
{
	vmpool_dev_pool = pool;
	return misc_register(&vmpool_miscdev);
}

/**
 * vmpool_dev_unregister - remove /dev/vmpool
 *
 * Context: process context, may sleep.
 */
void vmpool_dev_unregister(void)
{
	misc_deregister(&vmpool_miscdev);
}
