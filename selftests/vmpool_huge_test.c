// SPDX-License-Identifier: GPL-2.0
/*
 * 2 MiB mappings of guest memory: on a pool of ZONE_DEVICE pages (a
 * boot-reserved region, or movable memory blocks), a fault backs a 2 MiB
 * extent of a VM with a whole, aligned block of pool pages and maps it
 * with one PMD.  The faults a process takes (getrusage) say how its
 * memory is mapped: one per 2 MiB, or one per 4 KiB.  A 4 KiB punch
 * inside a PMD leaves the other 511 pages backed and correct; a whole
 * extent punched comes back whole from the VM's own pool; a block that
 * crosses tenants is zeroed; a page pinned inside a PMD is held back
 * alone.  Every test ends with an accounting audit, which checks the
 * blocks and extents too.
 *
 * Environment: VMPOOL_KO; VMPOOL_REGION, the range the guest reserved
 * with memmap=, and VMPOOL_MOVABLE_MB, the movable memory the module may
 * take (each source skipped without, and on kernels that call no
 * ->huge_fault() for a module's mappings: VMPOOL_CAP_PMD is 0).
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define EXTENT		(2UL << 20)
#define EXTENT_PAGES	(EXTENT / PAGE)

FIXTURE(huge) {
	int dev;
	struct vmpool_info info;
	size_t len;	/* the whole pool, in whole extents */
};

FIXTURE_VARIANT(huge) {
	__u32 source;
};

FIXTURE_VARIANT_ADD(huge, region) {
	.source = VMPOOL_SOURCE_REGION,
};

FIXTURE_VARIANT_ADD(huge, movable) {
	.source = VMPOOL_SOURCE_MOVABLE,
};

FIXTURE_SETUP(huge)
{
	char params[128];

	self->dev = -1;
	if (vmpool_source_params(variant->source, params, sizeof(params)))
		SKIP(return, VMPOOL_NO_SOURCE);
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	if (vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
			 VMPOOL_CAP_PMD) != 1) {
		ASSERT_FALSE(vmpool_kernel_maps_pmds());
		SKIP(return, "no PMD mappings on this kernel");
	}
	ASSERT_EQ(0, vmpool_set_param("pmd", "1"));
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
	ASSERT_EQ(VMPOOL_INFO_SIZE_VER6, self->info.size);
	ASSERT_EQ(variant->source, self->info.source);
	ASSERT_EQ(0, self->info.nr_vms);
	self->len = self->info.total_pages * PAGE / EXTENT * EXTENT;
	ASSERT_LE(16 * EXTENT, self->len);
	/* A fresh pool: every block whole. */
	ASSERT_EQ(self->len / EXTENT, self->info.free_blocks);
}

FIXTURE_TEARDOWN(huge)
{
	struct vmpool_audit audit;

	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_set_param("pmd", "1"));
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.held_pages);
	EXPECT_EQ(self->info.total_pages, audit.total_pages);
	close(self->dev);
}

/*
 * Pages of [p + from, p + to) not as vmpool_fill(p, ..., @marker) wrote
 * them.
 */
static size_t bad_pages(const void *p, size_t from, size_t to, __u64 marker)
{
	const __u64 *w = p;
	size_t i, n = 0;

	for (i = from / sizeof(*w); i < to / sizeof(*w); i++) {
		if (w[i] != (marker ^ i)) {
			n++;
			i |= PAGE / sizeof(*w) - 1;
		}
	}
	return n;
}

/* Pages of [p, p+len) holding more than touch() wrote into zeros. */
static size_t not_zero(const char *p, size_t len)
{
	static const char zero[PAGE];
	size_t i, n = 0;

	for (i = 0; i < len; i += PAGE)
		n += p[i] != 1 || memcmp(p + i + 1, zero, PAGE - 1);
	return n;
}

/* Write the first byte of each page of [p, p+len); return the faults taken. */
static long touch(char *p, size_t len)
{
	long before = vmpool_thread_faults(false);
	size_t i;

	for (i = 0; i < len; i += PAGE)
		__atomic_store_n(p + i, 1, __ATOMIC_RELAXED);
	return vmpool_thread_faults(false) - before;
}

/* Read one word of each page of [p, p+len); return the faults taken. */
static long reread(const char *p, size_t len)
{
	long before = vmpool_thread_faults(false);
	size_t i;

	for (i = 0; i < len; i += PAGE)
		(void)__atomic_load_n(p + i, __ATOMIC_RELAXED);
	return vmpool_thread_faults(false) - before;
}

/*
 * A VM of @len bytes of a new tenant, @reserve pages reserved, mapped
 * shared at *@p: its fd, or -1.
 */
static int mapped_vm(int dev, size_t len, __u64 reserve, const char *name,
		     char **p)
{
	int vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, reserve, 0,
				  name);

	if (vm < 0)
		return -1;
	*p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	if (*p == MAP_FAILED) {
		close(vm);
		return -1;
	}
	return vm;
}

/*
 * A VM as large as the pool, touched once: every extent backed by a whole
 * block and mapped by one PMD, one fault per 2 MiB.
 */
TEST_F(huge, touched_once_maps_2mib_per_fault)
{
	size_t extents = self->len / EXTENT;
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	long faults;
	char *p;
	int vm;

	vm = mapped_vm(self->dev, self->len, 0, "touched", &p);
	ASSERT_LE(0, vm);
	/* Mappings of VMs start at 2 MiB boundaries. */
	ASSERT_EQ(0, (unsigned long)p % EXTENT);

	faults = touch(p, self->len);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	TH_LOG("%zu extents: %ld faults, %llu PMD faults, %llu of %zu pages in blocks",
	       extents, faults, (unsigned long long)st.pmd_faults,
	       (unsigned long long)st.huge_pages, self->len / PAGE);
	EXPECT_EQ(extents, st.pmd_faults);
	EXPECT_EQ(extents, faults);
	/* At least 99% of the VM's memory mapped by PMDs. */
	EXPECT_EQ(self->len / PAGE, st.huge_pages);
	EXPECT_EQ(self->len / PAGE, st.mapped_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.free_blocks);
	EXPECT_EQ(self->len / PAGE, info.huge_pages);

	/* Fresh memory reads as zero, and holds what is written. */
	EXPECT_EQ(0, not_zero(p, self->len));
	vmpool_fill(p, self->len, 0x2a11ce0000000000ULL);
	EXPECT_EQ(0, bad_pages(p, 0, self->len, 0x2a11ce0000000000ULL));
	EXPECT_EQ(0, munmap(p, self->len));
	EXPECT_EQ(0, close(vm));
}

/* The same VM with the pmd parameter off: a fault per 4 KiB. */
TEST_F(huge, pmd_off_maps_4kib_per_fault)
{
	struct vmpool_vm_stats st;
	long faults;
	char *p;
	int vm;

	ASSERT_EQ(0, vmpool_set_param("pmd", "0"));
	ASSERT_EQ(0, vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_PMD));
	vm = mapped_vm(self->dev, 4 * EXTENT, 0, "4k", &p);
	ASSERT_LE(0, vm);
	faults = touch(p, 4 * EXTENT);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(4 * EXTENT_PAGES, faults);
	EXPECT_EQ(0, st.pmd_faults);
	EXPECT_EQ(0, st.huge_pages);
	EXPECT_EQ(0, munmap(p, 4 * EXTENT));
	EXPECT_EQ(0, close(vm));
}

/*
 * A balloon page (4 KiB) punched inside a PMD: its extent is a whole block
 * no more; the other 511 pages stay backed and correct, and fault back in
 * 4 KiB each.  Every other extent stays mapped by its PMD: reading it
 * faults nowhere.
 */
TEST_F(huge, punch_inside_a_pmd_keeps_the_other_511)
{
	const __u64 marker = 0x9a7c400000000000ULL;
	size_t len = 8 * EXTENT, hole = 3 * EXTENT + 7 * PAGE;
	struct vmpool_vm_stats st;
	long faults;
	char *p;
	int vm;

	vm = mapped_vm(self->dev, len, 0, "punch", &p);
	ASSERT_LE(0, vm);
	ASSERT_EQ(8, touch(p, len));
	vmpool_fill(p, len, marker);

	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       hole, PAGE));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(len / PAGE - 1, st.mapped_pages);
	EXPECT_EQ(len / PAGE - EXTENT_PAGES, st.huge_pages);
	EXPECT_EQ(1, st.dedicated_pages);

	/* The other extents: not one fault. */
	EXPECT_EQ(0, reread(p, 3 * EXTENT));
	EXPECT_EQ(0, reread(p + 4 * EXTENT, 4 * EXTENT));
	/* The punched one: a fault per page, its pages as written. */
	faults = reread(p + 3 * EXTENT, EXTENT);
	TH_LOG("punched extent: %ld faults", faults);
	EXPECT_EQ(EXTENT_PAGES, faults);
	EXPECT_EQ(0, bad_pages(p, 0, hole, marker));
	EXPECT_EQ(0, bad_pages(p, hole + PAGE, len, marker));
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

/*
 * A whole extent punched (free page reporting, virtio-mem) goes to the
 * VM's dedicated pool as a whole block, and comes back whole: one fault,
 * one PMD, nothing zeroed (it stays in the tenant).
 */
TEST_F(huge, whole_extent_punched_comes_back_whole)
{
	size_t len = 4 * EXTENT;
	struct vmpool_vm_stats st, after;
	struct vmpool_info info;
	char *p;
	int vm;

	vm = mapped_vm(self->dev, len, 0, "whole", &p);
	ASSERT_LE(0, vm);
	ASSERT_EQ(4, touch(p, len));
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       EXTENT, EXTENT));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(EXTENT_PAGES, st.dedicated_pages);
	EXPECT_EQ(3 * EXTENT_PAGES, st.huge_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	/* The VM's own: not the global pool's. */
	EXPECT_EQ(self->len / EXTENT - 4, info.free_blocks);

	EXPECT_EQ(1, touch(p + EXTENT, EXTENT));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &after));
	EXPECT_EQ(0, after.dedicated_pages);
	EXPECT_EQ(4 * EXTENT_PAGES, after.huge_pages);
	EXPECT_EQ(st.pmd_faults + 1, after.pmd_faults);
	EXPECT_EQ(st.bytes_zeroed, after.bytes_zeroed);
	EXPECT_EQ(st.faults_dedicated + EXTENT_PAGES, after.faults_dedicated);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

/*
 * A reserve as large as the VM: its dedicated pool holds whole blocks,
 * which its faults map with PMDs, taking nothing from the global pool.
 */
TEST_F(huge, reserve_is_mapped_2mib_per_fault)
{
	size_t len = 8 * EXTENT;
	struct vmpool_vm_stats st;
	char *p;
	int vm;

	vm = mapped_vm(self->dev, len, len / PAGE, "reserve", &p);
	ASSERT_LE(0, vm);
	EXPECT_EQ(8, touch(p, len));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(len / PAGE, st.huge_pages);
	EXPECT_EQ(len / PAGE, st.faults_dedicated);
	EXPECT_EQ(0, st.faults_global);
	EXPECT_EQ(0, not_zero(p, len));
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

/*
 * Tenant A fills the whole pool through PMDs and closes; tenant B, mapped
 * the same way, finds nothing of A: each block it takes is zeroed.
 */
TEST_F(huge, block_crossing_tenants_is_zeroed)
{
	const __u64 marker = 0xc705500000000000ULL;
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	char *p;
	int a, b;

	a = mapped_vm(self->dev, self->len, 0, "A", &p);
	ASSERT_LE(0, a);
	vmpool_fill(p, self->len, marker);
	ASSERT_EQ(0, vmpool_vm_stats(a, &st));
	EXPECT_EQ(self->len / PAGE, st.huge_pages);
	EXPECT_EQ(0, munmap(p, self->len));
	EXPECT_EQ(0, close(a));
	/* A's memory is back, every block whole again. */
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	ASSERT_EQ(self->len / EXTENT, info.free_blocks);

	b = mapped_vm(self->dev, self->len, 0, "B", &p);
	ASSERT_LE(0, b);
	EXPECT_EQ(self->len / EXTENT, touch(p, self->len));
	EXPECT_EQ(0, not_zero(p, self->len));
	ASSERT_EQ(0, vmpool_vm_stats(b, &st));
	EXPECT_EQ(self->len / PAGE, st.huge_pages);
	EXPECT_EQ(self->len, st.bytes_zeroed);
	EXPECT_EQ(0, munmap(p, self->len));
	EXPECT_EQ(0, close(b));
}

/*
 * get_user_pages() on a PMD takes a reference on the very 4 KiB page it
 * returns: a page of a PMD sitting in a pipe (vmsplice) when its VM
 * punches it and closes is held back alone, with its bytes, while the
 * other 511 go back; another tenant then takes the rest of the pool
 * without seeing them.
 */
TEST_F(huge, page_pinned_inside_a_pmd_is_held_alone)
{
	const __u64 marker = 0x91b5ed0000000000ULL;
	size_t off = 5 * PAGE, all = self->info.total_pages;
	struct vmpool_info info;
	struct iovec iov;
	char *p, *q, *buf;
	int a, b, pfd[2];

	a = mapped_vm(self->dev, EXTENT, 0, "A", &p);
	ASSERT_LE(0, a);
	ASSERT_EQ(1, touch(p, EXTENT));
	vmpool_fill(p, EXTENT, marker);
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ .iov_base = p + off, .iov_len = PAGE };
	ASSERT_EQ(PAGE, vmsplice(pfd[1], &iov, 1, 0));
	ASSERT_EQ(0, fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, EXTENT));
	EXPECT_EQ(0, munmap(p, EXTENT));
	EXPECT_EQ(0, close(a));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(1, info.held_pages);
	EXPECT_EQ(all - 1, info.free_pages);

	b = mapped_vm(self->dev, all * PAGE, 0, "B", &q);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, fallocate(b, 0, 0, (all - 1) * PAGE));
	EXPECT_EQ(0, vmpool_marker_words(q, (all - 1) * PAGE, marker,
					 EXTENT));

	/* The pipe reads the page as A wrote it, at its offset. */
	buf = malloc(off + PAGE);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(PAGE, read(pfd[0], buf + off, PAGE));
	EXPECT_EQ(0, bad_pages(buf, off, off + PAGE, marker));
	free(buf);
	EXPECT_EQ(0, close(pfd[0]));
	EXPECT_EQ(0, close(pfd[1]));
	EXPECT_EQ(0, vmpool_held_after_wait(self->dev));
	EXPECT_EQ(0, munmap(q, all * PAGE));
	EXPECT_EQ(0, close(b));
}

/*
 * A VM with an idle limit is sampled through page tables of 4 KiB: its
 * first limit unmaps its PMDs, and its faults map 4 KiB from then on.
 */
TEST_F(huge, idle_limit_maps_4kib)
{
	struct vmpool_idle_limit lim = { .size = sizeof(lim) };
	size_t len = 2 * EXTENT;
	struct vmpool_vm_stats st;
	char *p;
	int vm;

	vm = mapped_vm(self->dev, len, 0, "idle", &p);
	ASSERT_LE(0, vm);
	EXPECT_EQ(2, touch(p, len));
	lim.pages = len / PAGE;
	ASSERT_EQ(0, vmpool_ioctl(vm, VMPOOL_VM_SET_IDLE_LIMIT,
				  (unsigned long)&lim));
	EXPECT_EQ(len / PAGE, reread(p, len));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(2, st.pmd_faults);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

TEST_HARNESS_MAIN
