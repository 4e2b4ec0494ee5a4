// SPDX-License-Identifier: GPL-2.0
/*
 * Checks, in a guest booted with an emulated IOMMU and QEMU's edu device,
 * that the vmpool_vfio.h helpers move real bytes between the device and
 * host memory:
 *
 *   scripts/vm-run.sh -M q35,kernel-irqchip=split \
 *       -d intel-iommu,intremap=on -d edu \
 *       -a 'intel_iommu=on iommu=pt no_timer_check' -- \
 *       selftests/vmpool_vfio_probe
 *
 * Exit status: 0 pass, 1 fail, 4 (KSFT_SKIP) if the guest lacks the device
 * or the IOMMU.
 */
#include "vmpool_vfio.h"

#define PAGE		4096UL
#define AREA_LEN	0x100000UL
#define AREA_IOVA	0x100000ULL
#define LONE_IOVA	0x200000ULL
#define KSFT_SKIP	4
/* One transfer: all of the device buffer but its last byte (QEMU 7.2). */
#define XFER		VMPOOL_EDU_XFER_MAX

static int failures;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	if (!ok)
		failures++;
}

/* Word i of a page filled with @seed. */
static void fill(void *page, __u32 seed)
{
	__u32 *w = page;
	size_t i;

	for (i = 0; i < PAGE / 4; i++)
		w[i] = seed ^ (__u32)(i * 0x9e3779b1u);
}

/* Do the first @len bytes of @p match a page filled with @seed? */
static int is_filled(const void *p, __u32 seed, size_t len)
{
	unsigned char page[PAGE];

	fill(page, seed);
	return !memcmp(p, page, len);
}

static int is_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return 0;
	return 1;
}

/* Run one timed transfer; reports and counts a failure. */
static int dma(struct vmpool_edu *edu, int to_ram, __u64 iova,
	       const char *what)
{
	double t = now_us();
	int err;

	err = to_ram ? vmpool_edu_dma_to_ram(edu, iova, XFER) :
		       vmpool_edu_dma_from_ram(edu, iova, XFER);
	printf("  DMA %4lu bytes %-33s IOVA %#llx: %s, %.1f ms\n", XFER, what,
	       (unsigned long long)iova, err ? strerror(-err) : "done",
	       (now_us() - t) / 1e3);
	if (err)
		failures++;
	return err;
}

int main(void)
{
	unsigned char page[PAGE], marker[PAGE];
	struct vmpool_edu edu;
	char why[256];
	double t;
	unsigned char *area, *lone;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vmpool_vfio_probe: DMA through VFIO with QEMU's edu device\n");

	t = now_us();
	ret = vmpool_vfio_edu_open(&edu, why, sizeof(why));
	if (ret == 0) {
		printf("SKIP: %s\n", why);
		return KSFT_SKIP;
	}
	if (ret < 0) {
		printf("FAIL: open: %s (%s)\n", why, strerror(-ret));
		return 1;
	}
	printf("  opened edu %s, IOMMU group %d, BAR0 %zu KiB %s, in %.1f ms\n",
	       edu.bdf, edu.group_id, edu.bar0_size >> 10,
	       edu.bar0 ? "mmapped" : "via pread/pwrite",
	       (now_us() - t) / 1e3);
	printf("  edu id register %#llx\n",
	       (unsigned long long)vmpool_edu_rd(&edu, VMPOOL_EDU_REG_ID, 4));

	/* 1. CPU page 3 -> device -> page 7, inside one 1 MiB mapping. */
	area = mmap(NULL, AREA_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(area, 0, AREA_LEN);
	t = now_us();
	ret = vmpool_vfio_map(&edu, area, AREA_IOVA, AREA_LEN);
	printf("  VFIO_IOMMU_MAP_DMA 1 MiB at IOVA %#llx: %s, %.1f ms\n",
	       AREA_IOVA, ret ? strerror(-ret) : "done", (now_us() - t) / 1e3);
	check(!ret, "map 1 MiB of anonymous memory");
	if (ret)
		goto out;
	fill(area + 3 * PAGE, 0x5eed0003);
	if (!dma(&edu, 0, AREA_IOVA + 3 * PAGE, "page 3 -> device") &&
	    !dma(&edu, 1, AREA_IOVA + 7 * PAGE, "device -> page 7")) {
		check(!memcmp(area + 7 * PAGE, area + 3 * PAGE, XFER),
		      "page 7 holds the pattern the CPU wrote into page 3");
		check(!area[8 * PAGE - 1], "last byte of page 7 not written");
		check(is_filled(area + 3 * PAGE, 0x5eed0003, PAGE),
		      "page 3 unchanged");
	}

	/* 2. The device buffer through the library's scratch page. */
	ret = vmpool_edu_buf_read(&edu, page, XFER);
	check(!ret && is_filled(page, 0x5eed0003, XFER),
	      "vmpool_edu_buf_read returns the device buffer");
	fill(page, 0x5eed0009);
	ret = vmpool_edu_buf_write(&edu, page, XFER);
	if (!ret)
		ret = dma(&edu, 1, AREA_IOVA + 9 * PAGE, "device -> page 9");
	check(!ret && is_filled(area + 9 * PAGE, 0x5eed0009, XFER),
	      "vmpool_edu_buf_write, then device -> page 9");

	/* 3. A whole page, RAM to RAM through the device in pieces. */
	t = now_us();
	ret = vmpool_edu_copy(&edu, AREA_IOVA + 3 * PAGE, AREA_IOVA + 8 * PAGE,
			      PAGE);
	printf("  vmpool_edu_copy 4096 bytes page 3 -> page 8: %s, %.1f ms\n",
	       ret ? strerror(-ret) : "done", (now_us() - t) / 1e3);
	check(!ret && !memcmp(area + 8 * PAGE, area + 3 * PAGE, PAGE),
	      "page 8 is a full copy of page 3");
	check(is_zero(area, 3 * PAGE) &&
	      is_zero(area + 4 * PAGE, 3 * PAGE) &&
	      is_zero(area + 10 * PAGE, AREA_LEN - 10 * PAGE),
	      "the other 252 pages untouched");

	/* 4. A page its owner unmapped stays reachable until VFIO unmaps it. */
	lone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lone == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	fill(lone, 0x10e0000a);
	ret = vmpool_vfio_map(&edu, lone, LONE_IOVA, PAGE);
	check(!ret, "map a lone page at IOVA 0x200000");
	munmap(lone, PAGE);
	printf("  lone page munmap()ed by its owner\n");
	if (!ret && !dma(&edu, 0, LONE_IOVA, "unmapped-by-owner page to device")) {
		ret = vmpool_edu_buf_read(&edu, page, XFER);
		check(!ret && is_filled(page, 0x10e0000a, XFER),
		      "device still reads the page after munmap (VFIO pins it)");
	}
	t = now_us();
	ret = vmpool_vfio_unmap(&edu, LONE_IOVA, PAGE);
	printf("  VFIO_IOMMU_UNMAP_DMA IOVA %#llx: %s, %llu bytes, %.1f ms\n",
	       LONE_IOVA, ret ? strerror(-ret) : "done",
	       (unsigned long long)edu.unmapped, (now_us() - t) / 1e3);
	check(!ret && edu.unmapped == PAGE, "VFIO unmap of the lone page");
	memset(marker, 0xa5, XFER);
	ret = vmpool_edu_buf_write(&edu, marker, XFER);
	if (!ret)
		ret = dma(&edu, 0, LONE_IOVA, "no longer mapped -> device");
	if (!ret)
		ret = vmpool_edu_buf_read(&edu, page, XFER);
	check(!ret && !is_filled(page, 0x10e0000a, XFER),
	      "after VFIO unmap the device no longer reads the page");
	printf("  device buffer after the blocked read: %s\n",
	       !memcmp(page, marker, XFER) ? "unchanged (0xa5)" :
	       is_zero(page, XFER) ? "all zero" : "other bytes");

	/* 5. Errors come back as the ioctl's errno. */
	ret = vmpool_vfio_map(&edu, lone, LONE_IOVA, PAGE);
	printf("  map of munmap()ed memory: %s\n", strerror(-ret));
	check(ret == -EFAULT, "map of memory no longer there is -EFAULT");
	ret = vmpool_vfio_map(&edu, area, AREA_IOVA, PAGE);
	printf("  map of an IOVA already mapped: %s\n", strerror(-ret));
	check(ret == -EEXIST, "map of an IOVA already mapped is -EEXIST");
	check(vmpool_edu_dma_to_ram(&edu, VMPOOL_EDU_DMA_LIMIT - 16, 32) ==
	      -EINVAL, "DMA past the 28-bit limit refused");
	check(vmpool_edu_dma_to_ram(&edu, AREA_IOVA, PAGE) == -EINVAL,
	      "4096-byte transfer refused (would abort QEMU 7.2)");

	t = now_us();
	ret = vmpool_vfio_unmap(&edu, AREA_IOVA, AREA_LEN);
	printf("  VFIO_IOMMU_UNMAP_DMA 1 MiB: %s, %llu bytes, %.1f ms\n",
	       ret ? strerror(-ret) : "done",
	       (unsigned long long)edu.unmapped, (now_us() - t) / 1e3);
	check(!ret && edu.unmapped == AREA_LEN, "unmap the 1 MiB");
	munmap(area, AREA_LEN);
out:
	t = now_us();
	vmpool_vfio_edu_close(&edu);
	printf("  closed in %.1f ms\n", (now_us() - t) / 1e3);

	/* 6. The device can be opened again (vfio-pci already loaded, bound). */
	t = now_us();
	ret = vmpool_vfio_edu_open(&edu, why, sizeof(why));
	printf("  reopened in %.1f ms: %s\n", (now_us() - t) / 1e3, why);
	check(ret == 1, "reopen after close");
	if (ret == 1) {
		ret = vmpool_edu_buf_read(&edu, page, XFER);
		check(!ret, "DMA after reopen");
		vmpool_vfio_edu_close(&edu);
	}
	printf("vmpool_vfio_probe: %s (%d failure%s)\n",
	       failures ? "FAIL" : "PASS", failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}
