// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: encrypting what goes to the store, with a key per tenant.
 *
 * With %VMPOOL_STORE_ENCRYPT, every page written to the store is
 * encrypted with AES-256 in XTS mode (the kernel crypto API's
 * "xts(aes)"), the slot number as the tweak, as dm-crypt's plain64 does
 * for a sector.  Each tenant has its own key, made at random when one of
 * its VMs first writes and held only in kernel memory (the transform),
 * never given to anyone.  The key goes when the tenant's last VM goes:
 * by then its slots are free, and whatever the store still holds of it
 * can no longer be read by anyone.  A slot is read back only by the VM
 * that wrote it, so a page always decrypts with the key it was written
 * with.
 *
 * Writes go through bounce pages (the guest page stays as it is, and the
 * guest may go on reading it); reads are decrypted in place, in the page
 * that is not yet mapped.
 */
#include <crypto/skcipher.h>
#include <linux/bvec.h>
#include <linux/gfp.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "vmpool.h"

#define VMPOOL_CRYPT_ALG	"xts(aes)"
/* Two AES-256 keys: XTS takes the data key and the tweak key. */
#define VMPOOL_CRYPT_KEY_SIZE	64

static struct crypto_sync_skcipher *vmpool_crypt_alloc(void)
{
	struct crypto_sync_skcipher *tfm;
	u8 key[VMPOOL_CRYPT_KEY_SIZE];
	int ret;

	tfm = crypto_alloc_sync_skcipher(VMPOOL_CRYPT_ALG, 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	get_random_bytes(key, sizeof(key));
	ret = crypto_sync_skcipher_setkey(tfm, key, sizeof(key));
	memzero_explicit(key, sizeof(key));
	if (ret) {
		crypto_free_sync_skcipher(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

/**
 * vmpool_crypt_check - may the store be encrypted
 *
 * Loads the cipher if it is a module.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EOPNOTSUPP if the kernel has no "xts(aes)".
 */
int vmpool_crypt_check(void)
{
	struct crypto_sync_skcipher *tfm = vmpool_crypt_alloc();

	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	crypto_free_sync_skcipher(tfm);
	return 0;
}

/**
 * vmpool_crypt_tfm - the transform holding the key of a VM's tenant
 * @vm: the VM, writing to an encrypted store.
 *
 * Made on the first call for the tenant.
 *
 * Context: process context, may sleep; takes the pool lock.
 * Return: the transform, or an ERR_PTR().
 */
struct crypto_sync_skcipher *vmpool_crypt_tfm(struct vmpool_vm *vm)
{
	struct vmpool_tenant *t = vm->tenant;
	struct crypto_sync_skcipher *tfm, *old;

	/* Set once while the tenant has VMs: published with release. */
	tfm = smp_load_acquire(&t->crypt);
	if (tfm)
		return tfm;
	tfm = vmpool_crypt_alloc();
	if (IS_ERR(tfm))
		return tfm;
	mutex_lock(&vm->pool->lock);
	old = t->crypt;
	if (!old) {
		/* Pairs with the acquire above: the key is set when seen. */
		smp_store_release(&t->crypt, tfm);
	}
	mutex_unlock(&vm->pool->lock);
	if (old) {
		crypto_free_sync_skcipher(tfm);
		tfm = old;
	}
	return tfm;
}

/**
 * vmpool_crypt_forget - forget a tenant's key
 * @t: the tenant, whose last VM went.
 *
 * Context: the pool lock held.
 */
void vmpool_crypt_forget(struct vmpool_tenant *t)
{
	/* Freeing the transform wipes the key schedule too. */
	crypto_free_sync_skcipher(t->crypt);
	t->crypt = NULL;
}

/* Encrypt or decrypt one page: @src into @dst, the slot as the tweak. */
static int vmpool_crypt_page(struct crypto_sync_skcipher *tfm, u64 slot,
			     struct page *src, struct page *dst, bool enc)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg_src, sg_dst;
	__le64 iv[2] = { cpu_to_le64(slot), 0 };
	int ret;

	sg_init_table(&sg_src, 1);
	sg_set_page(&sg_src, src, PAGE_SIZE, 0);
	sg_init_table(&sg_dst, 1);
	sg_set_page(&sg_dst, dst, PAGE_SIZE, 0);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg_src, &sg_dst, PAGE_SIZE, iv);
	ret = enc ? crypto_skcipher_encrypt(req) : crypto_skcipher_decrypt(req);
	skcipher_request_zero(req);
	return ret;
}

/**
 * vmpool_crypt_seal - encrypt pages for the store
 * @tfm: the tenant's transform.
 * @slot: the slot of the first page.
 * @bv: the pages, one per bio_vec, each a whole page.
 * @n: how many.
 *
 * Context: process context, may sleep.
 * Return: bio_vecs of bounce pages holding the encrypted pages, for
 * vmpool_crypt_free(); or an ERR_PTR().
 */
struct bio_vec *vmpool_crypt_seal(struct crypto_sync_skcipher *tfm, u32 slot,
				  const struct bio_vec *bv, unsigned int n)
{
	struct bio_vec *out;
	struct page *page;
	unsigned int i;
	int ret;

	out = kcalloc(n, sizeof(*out), GFP_NOIO);
	if (!out)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		page = alloc_page(GFP_NOIO | __GFP_NOWARN);
		if (!page) {
			ret = -ENOMEM;
			goto err;
		}
		bvec_set_page(&out[i], page, PAGE_SIZE, 0);
		ret = vmpool_crypt_page(tfm, (u64)slot + i, bv[i].bv_page,
					page, true);
		if (ret)
			goto err;
	}
	return out;
err:
	vmpool_crypt_free(out, n);
	return ERR_PTR(ret);
}

/**
 * vmpool_crypt_free - free what vmpool_crypt_seal() returned
 * @bv: the bio_vecs.
 * @n: how many.
 */
void vmpool_crypt_free(struct bio_vec *bv, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (bv[i].bv_page)
			__free_page(bv[i].bv_page);
	kfree(bv);
}

/**
 * vmpool_crypt_open - decrypt pages read from the store, in place
 * @tfm: the tenant's transform.
 * @slot: the slot of the first page.
 * @bv: the pages, one per bio_vec, each a whole page.
 * @n: how many.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno.
 */
int vmpool_crypt_open(struct crypto_sync_skcipher *tfm, u32 slot,
		      struct bio_vec *bv, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = vmpool_crypt_page(tfm, (u64)slot + i, bv[i].bv_page,
					bv[i].bv_page, false);
		if (ret)
			return ret;
	}
	return 0;
}
