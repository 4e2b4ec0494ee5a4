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

static unsigned int pool_mb = 64;
module_param(pool_mb, uint, 0444);
MODULE_PARM_DESC(pool_mb, "MiB taken from the page allocator at load for the pool (default 64)");

static struct vmpool_pool vmpool_pool;

static int __init vmpool_init(void)
{
	unsigned long nr_pages = (unsigned long)pool_mb * (SZ_1M >> PAGE_SHIFT);
	int ret;

	if (!pool_mb) {
		pr_err("pool_mb must be at least 1\n");
		return -EINVAL;
	}
	if (nr_pages > totalram_pages()) {
		pr_err("pool_mb=%u exceeds the memory of this machine\n", pool_mb);
		return -EINVAL;
	}

	ret = vmpool_pool_init_page_alloc(&vmpool_pool, nr_pages);
	if (ret)
		return ret;

	ret = vmpool_vm_init();
	if (ret)
		goto err_destroy_pool;

	ret = vmpool_dev_register(&vmpool_pool);
	if (ret)
		goto err_vm_exit;

	pr_info("%lu pages in %u chunks from the page allocator\n",
		vmpool_pool.nr_pages, vmpool_pool.nr_chunks);
	return 0;

err_vm_exit:
	vmpool_vm_exit();
err_destroy_pool:
	vmpool_pool_destroy(&vmpool_pool);
	return ret;
}

static void __exit vmpool_exit(void)
{
	vmpool_dev_unregister();
	vmpool_vm_exit();
	vmpool_pool_destroy(&vmpool_pool);
}

module_init(vmpool_init);
module_exit(vmpool_exit);

MODULE_DESCRIPTION("Dedicated per-VM memory pools");
MODULE_LICENSE("GPL");
