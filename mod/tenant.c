// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: tenants, the security domains pages are marked with.
 *
 * A tenant exists while one of its VMs lives or while global or held pages
 * hold its data; until then its slot cannot be reused, so a page's mark
 * always names the tenant whose data it holds.  Tenants with global pages
 * are kept on a list, so that taking another tenant's page is O(1).
 */
#include <linux/lockdep.h>
#include <linux/slab.h>

#include "vmpool.h"

/**
 * vmpool_tenant_get - find or create a tenant and count one more VM in it
 * @pool: the pool.
 * @id: the tenant's 128-bit id.
 *
 * Looking a tenant up walks every tenant: VM creation is rare, faults never
 * look tenants up.
 *
 * Context: @pool->lock held; may sleep.
 * Return: the tenant; ERR_PTR(-ENOMEM), or ERR_PTR(-ENOSPC) when every
 * tenant slot is in use.
 */
struct vmpool_tenant *vmpool_tenant_get(struct vmpool_pool *pool,
					const uuid_t *id)
{
	struct vmpool_tenant *t;
	u32 slot;
	int ret;

	lockdep_assert_held(&pool->lock);

	list_for_each_entry(t, &pool->tenant_list, node) {
		if (uuid_equal(&t->id, id)) {
			t->nr_vms++;
			return t;
		}
	}

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return ERR_PTR(-ENOMEM);
	uuid_copy(&t->id, id);
	INIT_LIST_HEAD(&t->marked);
	t->nr_vms = 1;
	ret = vmpool_nlist_init(&t->free, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;

	ret = xa_alloc(&pool->tenants, &slot, t, XA_LIMIT(1, VMPOOL_MAX_SLOT),
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto err_nlist;
	}
	t->slot = slot;
	list_add_tail(&t->node, &pool->tenant_list);
	return t;

err_nlist:
	vmpool_nlist_destroy(&t->free);
err_free:
	kfree(t);
	return ERR_PTR(ret);
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

	if (t->nr_vms || t->free.count || t->nr_held)
		return;
	WARN_ON_ONCE(t->nr_dedicated || t->nr_mapped);
	list_del(&t->node);
	xa_erase(&pool->tenants, t->slot);
	vmpool_nlist_destroy(&t->free);
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

	/* Its VMs' slots are free: what the store still holds of it is lost. */
	if (!--t->nr_vms && t->crypt)
		vmpool_crypt_forget(t);
	vmpool_tenant_try_free(pool, t);
}

/**
 * vmpool_tenant_push - put a global page holding a tenant's data on its list
 * @pool: the pool.
 * @t: the tenant.
 * @idx: the page, on no list.
 *
 * Context: @pool->lock held.
 */
void vmpool_tenant_push(struct vmpool_pool *pool, struct vmpool_tenant *t,
			u32 idx)
{
	lockdep_assert_held(&pool->lock);

	if (!t->free.count)
		list_add_tail(&t->marked, &pool->marked);
	vmpool_nlist_push(pool, &t->free, idx);
}

/**
 * vmpool_tenant_pop - take a global page holding a tenant's data
 * @pool: the pool.
 * @t: the tenant; it is not freed here even if nothing refers to it now.
 * @nid: the node of the page, or %NUMA_NO_NODE for any.
 *
 * Context: @pool->lock held.
 * Return: the page, or %VMPOOL_NONE if @t has no global page there.
 */
u32 vmpool_tenant_pop(struct vmpool_pool *pool, struct vmpool_tenant *t,
		      int nid)
{
	u32 idx;

	lockdep_assert_held(&pool->lock);

	idx = vmpool_nlist_pop(pool, &t->free, nid);
	if (idx != VMPOOL_NONE && !t->free.count)
		list_del_init(&t->marked);
	return idx;
}

/**
 * vmpool_tenant_del - take a given global page holding a tenant's data
 * @pool: the pool.
 * @t: the tenant; it is not freed here even if nothing refers to it now.
 * @idx: the page, on @t's list.
 *
 * Context: @pool->lock held.
 */
void vmpool_tenant_del(struct vmpool_pool *pool, struct vmpool_tenant *t,
		       u32 idx)
{
	lockdep_assert_held(&pool->lock);

	vmpool_nlist_del(pool, &t->free, idx);
	if (!t->free.count)
		list_del_init(&t->marked);
}

/**
 * vmpool_tenant_legacy_id - the 32-bit number of a tenant, if it has one
 * @t: the tenant.
 *
 * Context: any context.
 * Return: N for the id 00000000-0000-0000-0000-0000NNNNNNNN, else 0.
 */
u32 vmpool_tenant_legacy_id(const struct vmpool_tenant *t)
{
	static const u8 zero[12];

	if (memcmp(t->id.b, zero, sizeof(zero)))
		return 0;
	return get_unaligned_be32(&t->id.b[12]);
}

/**
 * vmpool_tenant_legacy_uuid - the 128-bit id of a tenant named by a number
 * @legacy: the tenant's 32-bit number, N.
 * @id: set to 00000000-0000-0000-0000-0000NNNNNNNN.
 *
 * Context: any context.
 */
void vmpool_tenant_legacy_uuid(u32 legacy, uuid_t *id)
{
	memset(id->b, 0, sizeof(id->b));
	put_unaligned_be32(legacy, &id->b[12]);
}
