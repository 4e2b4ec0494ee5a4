// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: dedicated per-VM memory pools.
 *
 * Module entry points and parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "vmpool.h"

/* Pool size when no source is given. */
#define VMPOOL_DEFAULT_POOL_MB	64

static unsigned int pool_mb;
module_param(pool_mb, uint, 0444);
MODULE_PARM_DESC(pool_mb, "MiB taken from the page allocator at load (default 64 unless another source is given)");

static char *region;
module_param(region, charp, 0444);
MODULE_PARM_DESC(region, "<size>@<phys>: manage this range, reserved at boot with memmap=<size>$<phys>, instead");

static unsigned int movable_mb;
module_param(movable_mb, uint, 0444);
MODULE_PARM_DESC(movable_mb, "MiB of whole movable memory blocks taken offline at load, instead (a multiple of the block size)");

static struct vmpool_pool vmpool_pool;

static int __init vmpool_init_region(void)
{
	char *at, *end;
	u64 size, phys;

	size = memparse(region, &at);
	if (*at != '@')
		goto bad;
	phys = memparse(at + 1, &end);
	if (*end && *end != '\n')
		goto bad;
	return vmpool_pool_init_region(&vmpool_pool, phys, size);
bad:
	pr_err("region=%s: expected <size>@<phys>, e.g. 64M@0x40000000\n",
	       region);
	return -EINVAL;
}

/* Pages in @mb MiB taken from Linux (parameter @name), or 0 if too many. */
static unsigned long __init vmpool_mb_pages(const char *name, unsigned int mb)
{
	unsigned long nr_pages = (unsigned long)mb * (SZ_1M >> PAGE_SHIFT);

	if (nr_pages > totalram_pages() || nr_pages >= VMPOOL_NONE) {
		pr_err("%s=%u exceeds the memory of this machine\n", name, mb);
		return 0;
	}
	return nr_pages;
}

static int __init vmpool_init_pool(void)
{
	unsigned long nr_pages;

	if (!!region + !!pool_mb + !!movable_mb > 1) {
		pr_err("pool_mb, region and movable_mb exclude each other\n");
		return -EINVAL;
	}
	if (region)
		return vmpool_init_region();
	if (movable_mb) {
		nr_pages = vmpool_mb_pages("movable_mb", movable_mb);
		return nr_pages ? vmpool_pool_init_movable(&vmpool_pool, nr_pages) :
				  -EINVAL;
	}
	if (!pool_mb)
		pool_mb = VMPOOL_DEFAULT_POOL_MB;
	nr_pages = vmpool_mb_pages("pool_mb", pool_mb);
	return nr_pages ? vmpool_pool_init_page_alloc(&vmpool_pool, nr_pages) :
			  -EINVAL;
}

static const char *const vmpool_source_name[] = {
	[VMPOOL_SOURCE_PAGE_ALLOC] = "the page allocator",
	[VMPOOL_SOURCE_REGION] = "the reserved region",
	[VMPOOL_SOURCE_MOVABLE] = "movable memory blocks",
};

static int __init vmpool_init(void)
{
	int ret;

	ret = vmpool_init_pool();
	if (ret)
		return ret;

	vmpool_sched_init();
	ret = vmpool_scrub_start(&vmpool_pool);
	if (ret)
		goto err_destroy_pool;
	ret = vmpool_fs_register(&vmpool_pool);
	if (ret)
		goto err_stop_scrub;
	ret = vmpool_dev_register(&vmpool_pool);
	if (ret)
		goto err_unregister_fs;

	pr_info("%lu pages in %u chunks from %s\n", vmpool_pool.nr_pages,
		vmpool_pool.nr_chunks, vmpool_source_name[vmpool_pool.source]);
	return 0;

err_unregister_fs:
	vmpool_fs_unregister();
err_stop_scrub:
	vmpool_scrub_stop(&vmpool_pool);
err_destroy_pool:
	vmpool_pool_destroy(&vmpool_pool);
	return ret;
}

static void __exit vmpool_exit(void)
{
	vmpool_dev_unregister();
	vmpool_fs_unregister();
	/* Closed VMs return their memory, to the store's slots too. */
	vmpool_close_settle(&vmpool_pool);
	vmpool_scrub_stop(&vmpool_pool);
	vmpool_sched_exit();
	vmpool_store_release(&vmpool_pool);
	vmpool_pool_destroy(&vmpool_pool);
}

module_init(vmpool_init);
module_exit(vmpool_exit);

MODULE_DESCRIPTION("Dedicated per-VM memory pools");
/* As dkms.conf's PACKAGE_VERSION. */
MODULE_VERSION("0.1");
MODULE_LICENSE("GPL");
