// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: tenants, the security domains pages are marked with.
 *
 * A tenant exists while one of its VMs lives or while global pages hold its
 * data; until then its slot cannot be reused, so a page's mark always names
 * the tenant whose data it holds.
 */
#include <linux/lockdep.h>
#include <linux/slab.h>

#include "vmpool.h"

/**
 * vmpool_tenant_get - find or create a tenant and count one more VM in it
 * @pool: the pool.
 * @id: the tenant number userspace gave.
 *
 * Context: @pool->lock held; may sleep.
 * Return: the tenant; ERR_PTR(-ENOMEM), or ERR_PTR(-ENOSPC) when every
 * tenant slot is in use.
 */
struct vmpool_tenant *vmpool_tenant_get(struct vmpool_pool *pool, u32 id)
{
	struct vmpool_tenant *t;
	u32 slot;
	int ret;

	lockdep_assert_held(&pool->lock);

	t = xa_load(&pool->tenant_ids, id);
	if (t) {
		t->nr_vms++;
		return t;
	}

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->id = id;
	t->free.head = VMPOOL_NONE;
	t->nr_vms = 1;

	ret = xa_alloc(&pool->tenants, &slot, t, XA_LIMIT(1, VMPOOL_MAX_SLOT),
		       GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;
	t->slot = slot;
	ret = xa_insert(&pool->tenant_ids, id, t, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_erase_slot;
	return t;

err_erase_slot:
	xa_erase(&pool->tenants, slot);
err_free:
	kfree(t);
	return ERR_PTR(ret == -EBUSY ? -ENOSPC : ret);
}

/**
 * vmpool_tenant_try_free - forget a tenant nothing refers to any more
 * @pool: the pool.
 * @t: the tenant; freed if it has no VM and no page holding its data.
 *
 * Context: @pool->lock held.
 */
void vmpool_tenant_try_free(struct vmpool_pool *pool, struct vmpool_tenant *t)
{
	lockdep_assert_held(&pool->lock);

	if (t->nr_vms || t->free.count)
		return;
	WARN_ON_ONCE(t->nr_dedicated || t->nr_mapped);
	xa_erase(&pool->tenant_ids, t->id);
	xa_erase(&pool->tenants, t->slot);
	kfree(t);
}

/**
 * vmpool_tenant_put - count one VM less in a tenant
 * @pool: the pool.
 * @t: the tenant; may be freed.
 *
 * Context: @pool->lock held.
 */
void vmpool_tenant_put(struct vmpool_pool *pool, struct vmpool_tenant *t)
{
	lockdep_assert_held(&pool->lock);

	t->nr_vms--;
	vmpool_tenant_try_free(pool, t);
}
