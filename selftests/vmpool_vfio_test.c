// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool memory under a real device's DMA: QEMU's edu device behind an
 * emulated VT-d, driven through VFIO type1.  VFIO pins the pages it maps,
 * so a VM that closes while a device still has its memory mapped loses
 * those pages to the held list: another tenant filling the pool never
 * gets them, and the device, through its stale IOVAs, reads and writes
 * only the first tenant's bytes.  Over each memory source.
 *
 * The suite runs this program in a boot of its own (q35, intel-iommu,
 * edu); elsewhere it skips, saying why.
 *
 * Environment: as vmpool_vm_test.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "vmpool_test.h"
#include "vmpool_vfio.h"
#include "kselftest_harness.h"

#define PAGE	4096UL
#define IOVA	0x100000ULL
/* Bytes one edu transfer may move (see vmpool_vfio.h). */
#define XFER	2048UL

FIXTURE(vfio) {
	int dev;
	struct vmpool_info info;
	struct vmpool_edu edu;
};

FIXTURE_VARIANT(vfio) {
	__u32 source;
};

FIXTURE_VARIANT_ADD(vfio, page_alloc) {
	.source = VMPOOL_SOURCE_PAGE_ALLOC,
};

FIXTURE_VARIANT_ADD(vfio, region) {
	.source = VMPOOL_SOURCE_REGION,
};

FIXTURE_SETUP(vfio)
{
	char params[128], why[256];
	int ret;

	self->dev = -1;
	memset(&self->edu, 0, sizeof(self->edu));
	if (vmpool_source_params(variant->source, params, sizeof(params)))
		SKIP(return, VMPOOL_NO_SOURCE);
	ret = vmpool_vfio_edu_open(&self->edu, why, sizeof(why));
	if (!ret)
		SKIP(return, "%s", why);
	ASSERT_EQ(1, ret) {
		TH_LOG("%s", why);
	}
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
}

FIXTURE_TEARDOWN(vfio)
{
	struct vmpool_audit audit;

	vmpool_vfio_edu_close(&self->edu);
	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	close(self->dev);
}

/* The device moves bytes between pages of guest memory it has mapped. */
TEST_F(vfio, map_dma_moves_bytes)
{
	const __u64 marker = 0xd3a0000000000000ULL;
	size_t pages = 16, len = pages * PAGE;
	char *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "dma");
	ASSERT_LE(0, vm);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, p);
	vmpool_fill(p, len / 2, marker);
	memset(p + len / 2, 0, len / 2);
	ASSERT_EQ(0, vmpool_vfio_map(&self->edu, p, IOVA, len));
	/* Page 3 to page 12, through the device. */
	ASSERT_EQ(0, vmpool_edu_copy(&self->edu, IOVA + 3 * PAGE,
				     IOVA + 12 * PAGE, PAGE));
	EXPECT_EQ(0, memcmp(p + 3 * PAGE, p + 12 * PAGE, PAGE));
	ASSERT_EQ(0, vmpool_vfio_unmap(&self->edu, IOVA, len));
	EXPECT_EQ(len, self->edu.unmapped);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

/*
 * A VM closes while the device still maps its memory.  Another tenant
 * then takes the whole pool and writes its secret everywhere.  Through
 * the old IOVAs the device reads only the first VM's bytes, and what it
 * writes reaches no page of the other tenant.
 */
TEST_F_TIMEOUT(vfio, stale_iova_never_reaches_another_tenant, 300)
{
	const __u64 secret_a = 0xaaaa000000000000ULL;
	const __u64 secret_b = 0xbbbb000000000000ULL;
	size_t pages = 16, len = pages * PAGE;
	size_t all = self->info.total_pages, i;
	struct vmpool_info info;
	char *p, *q, *buf;
	int a, b;

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	a = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "A");
	ASSERT_LE(0, a);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	ASSERT_NE(MAP_FAILED, p);
	vmpool_fill(p, len, secret_a);
	ASSERT_EQ(0, vmpool_vfio_map(&self->edu, p, IOVA, len));
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(a));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(pages, info.held_pages);

	/* B takes every page it can get and writes its secret. */
	b = vmpool_vm_create(self->dev, vmpool_new_tenant(), all * PAGE, 0, 0,
			     "B");
	ASSERT_LE(0, b);
	q = mmap(NULL, all * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, fallocate(b, 0, 0, (all - pages) * PAGE));
	EXPECT_EQ(-1, fallocate(b, 0, 0, all * PAGE));
	vmpool_fill(q, (all - pages) * PAGE, secret_b);

	/* The device reads the old IOVAs: A's bytes, never B's. */
	for (i = 0; i < pages; i++) {
		ASSERT_EQ(0, vmpool_edu_dma_from_ram(&self->edu,
						     IOVA + i * PAGE, XFER));
		ASSERT_EQ(0, vmpool_edu_buf_read(&self->edu, buf + i * PAGE,
						 XFER));
		memset(buf + i * PAGE + XFER, 0, PAGE - XFER);
	}
	EXPECT_EQ(pages * XFER / 8, vmpool_marker_words(buf, len, secret_a, len));
	EXPECT_EQ(0, vmpool_marker_words(buf, len, secret_b, all * PAGE));

	/* And writes there: nothing of B's changes. */
	vmpool_fill(buf, XFER, 0xeeee000000000000ULL);
	ASSERT_EQ(0, vmpool_edu_buf_write(&self->edu, buf, XFER));
	for (i = 0; i < pages; i++)
		ASSERT_EQ(0, vmpool_edu_dma_to_ram(&self->edu, IOVA + i * PAGE,
						   XFER));
	EXPECT_EQ((all - pages) * PAGE / 8,
		  vmpool_marker_words(q, (all - pages) * PAGE, secret_b, all * PAGE));

	/* Unmapping lets the pages go; B may have them, zeroed. */
	ASSERT_EQ(0, vmpool_vfio_unmap(&self->edu, IOVA, len));
	EXPECT_EQ(0, vmpool_held_after_wait(self->dev));
	ASSERT_EQ(0, fallocate(b, 0, 0, all * PAGE));
	EXPECT_EQ(0, vmpool_marker_words(q, all * PAGE, secret_a, len));
	EXPECT_EQ(0, vmpool_marker_words(q, all * PAGE, 0xeeee000000000000ULL, len));
	EXPECT_EQ(0, munmap(q, all * PAGE));
	EXPECT_EQ(0, close(b));
	free(buf);
}

TEST_HARNESS_MAIN
