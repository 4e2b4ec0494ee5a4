// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool VMs and pools: guest memory through VM file descriptors, release
 * and recycle without zeroing inside a tenant, zeroing across tenants, and
 * the pool operations.  Every test runs over each memory source and ends
 * with an accounting audit.
 *
 * Environment: VMPOOL_KO, the module to (re)load; VMPOOL_REGION, the range
 * the guest reserved with memmap= (the region variant is skipped without).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <linux/capability.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE	4096UL

FIXTURE(vm) {
	int dev;
	struct vmpool_info info;
	char params[128];
};

FIXTURE_VARIANT(vm) {
	__u32 source;
};

FIXTURE_VARIANT_ADD(vm, page_alloc) {
	.source = VMPOOL_SOURCE_PAGE_ALLOC,
};

FIXTURE_VARIANT_ADD(vm, region) {
	.source = VMPOOL_SOURCE_REGION,
};

FIXTURE_SETUP(vm)
{
	const char *region = getenv("VMPOOL_REGION");
	struct vmpool_audit audit;
	char *params = self->params;

	ASSERT_EQ(PAGE, sysconf(_SC_PAGESIZE));
	self->dev = -1;
	if (variant->source == VMPOOL_SOURCE_REGION) {
		if (!region)
			SKIP(return, "no region reserved (VMPOOL_REGION)");
		snprintf(params, sizeof(self->params), "region=%s", region);
	} else {
		snprintf(params, sizeof(self->params), "pool_mb=64");
	}
	ASSERT_EQ(0, vmpool_load(params));

	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
	ASSERT_EQ(variant->source, self->info.source);
	/* Tracking costs at most 0.3% of the managed memory. */
	ASSERT_GE(self->info.total_pages * PAGE * 3 / 1000,
		  self->info.metadata_bytes);
	/* Each test starts from an idle, consistent pool. */
	ASSERT_EQ(0, self->info.nr_vms);
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	ASSERT_EQ(0, audit.errors);
}

FIXTURE_TEARDOWN(vm)
{
	struct vmpool_audit audit;
	struct vmpool_info info;

	if (self->dev < 0)
		return;
	/* The accounting invariant holds after every test. */
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(self->info.total_pages, audit.total_pages);
	EXPECT_EQ(audit.total_pages, audit.free_pages + audit.dedicated_pages +
				     audit.mapped_pages + audit.held_pages +
				     audit.transit_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(info.total_pages, info.free_pages + info.dedicated_pages +
				    info.mapped_pages + info.held_pages +
				    info.transit_pages);
	EXPECT_EQ(0, info.held_pages);
	EXPECT_EQ(0, info.transit_pages);
	EXPECT_EQ(audit.free_pages, info.free_pages);
	close(self->dev);
}

static void fill(void *p, size_t len, __u64 marker)
{
	__u64 *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = marker ^ i;
}

/* Pages of [p, p+len) not entirely zero. */
static size_t nonzero_pages(const void *p, size_t len)
{
	const __u64 *w = p;
	size_t i, j, n = 0;

	for (i = 0; i < len / PAGE; i++) {
		for (j = 0; j < PAGE / sizeof(*w); j++) {
			if (w[i * PAGE / sizeof(*w) + j]) {
				n++;
				break;
			}
		}
	}
	return n;
}

/* Words of [p, p+len) that are zero. */
static size_t zero_words(const void *p, size_t len)
{
	const __u64 *w = p;
	size_t i, n = 0;

	for (i = 0; i < len / sizeof(*w); i++)
		n += !w[i];
	return n;
}

/* Words of [p, p+len) carrying @marker as written by fill() at any offset. */
static size_t marker_words(const void *p, size_t len, __u64 marker)
{
	const __u64 *w = p;
	size_t i, n = 0;

	for (i = 0; i < len / sizeof(*w); i++)
		if ((w[i] ^ marker) < len / sizeof(*w))
			n++;
	return n;
}

static void *map_vm(int fd, size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

TEST_F(vm, create_and_close)
{
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	__u32 tenant = vmpool_new_tenant();
	struct stat sb;
	int fd;

	fd = vmpool_vm_create(self->dev, tenant, 64 * PAGE, 16, 0, "basic");
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, fstat(fd, &sb));
	EXPECT_TRUE(S_ISREG(sb.st_mode));
	EXPECT_EQ(64 * PAGE, sb.st_size);
	EXPECT_EQ(64 * PAGE, lseek(fd, 0, SEEK_END));

	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(sizeof(st), st.size);
	EXPECT_EQ(tenant, st.tenant);
	EXPECT_STREQ("basic", st.name);
	EXPECT_EQ(64, st.mem_pages);
	EXPECT_EQ(64, st.limit_pages);
	EXPECT_EQ(16, st.dedicated_pages);
	EXPECT_EQ(0, st.mapped_pages);

	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(1, info.nr_vms);
	EXPECT_EQ(self->info.free_pages - 16, info.free_pages);
	EXPECT_EQ(16, info.dedicated_pages);

	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.nr_vms);
	EXPECT_EQ(self->info.total_pages, info.free_pages);
}

/* VMs VMPOOL_LIST_VMS reports. */
static int listed_vms(int dev)
{
	struct vmpool_vm_list list = {
		.size = sizeof(list),
		.entry_size = sizeof(struct vmpool_vm_stats),
	};

	if (vmpool_ioctl(dev, VMPOOL_LIST_VMS, (unsigned long)&list))
		return -1;
	return list.nr_entries;
}

/* A VM of the whole pool with every page mapped once, unmapped again. */
static int whole_pool_vm(int dev, const struct vmpool_info *info)
{
	size_t len = info->total_pages * PAGE;
	char *p;
	int fd;

	fd = vmpool_vm_create(dev, 1, len, 0, 0, "whole");
	if (fd < 0)
		return fd;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || madvise(p, len, MADV_POPULATE_WRITE) ||
	    munmap(p, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A closed VM's memory goes back in the background: at once the VM is
 * neither counted nor listed, and its pages show as closing; INFO with
 * VMPOOL_INFO_SETTLE waits until every one is back.  Several rounds of the
 * whole pool, so that an INFO that did not wait sees pages still closing.
 */
TEST_F(vm, closed_vm_memory_comes_back_in_the_background)
{
	struct vmpool_info now, settled;
	struct vmpool_audit audit;
	int round, fd, seen = 0;

	ASSERT_EQ(1, vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_SETTLE));
	for (round = 0; round < 8; round++) {
		fd = whole_pool_vm(self->dev, &self->info);
		ASSERT_LE(0, fd);
		ASSERT_EQ(1, listed_vms(self->dev));
		ASSERT_EQ(0, close(fd));

		ASSERT_EQ(0, vmpool_info_now(self->dev, &now));
		EXPECT_EQ(VMPOOL_INFO_SIZE_VER6, now.size);
		EXPECT_EQ(0, now.nr_vms);
		EXPECT_EQ(0, listed_vms(self->dev));
		EXPECT_EQ(now.total_pages, now.free_pages + now.closing_pages);
		seen += now.closing_pages != 0;
		/* The accounting holds while the pages come back. */
		audit = (struct vmpool_audit){ .size = sizeof(audit) };
		ASSERT_EQ(0, vmpool_ioctl(self->dev, VMPOOL_AUDIT,
					  (unsigned long)&audit));
		EXPECT_EQ(0, audit.errors);
		EXPECT_GE(1, audit.nr_vms);

		ASSERT_EQ(0, vmpool_info(self->dev, &settled));
		EXPECT_EQ(0, settled.closing_pages);
		EXPECT_EQ(0, settled.mapped_pages);
		EXPECT_EQ(settled.total_pages, settled.free_pages);
	}
	TH_LOG("pages still closing right after close(): %d of 8 rounds", seen);
}

/* A reserve as large as the pool, right after a VM of it closed. */
TEST_F(vm, grow_waits_for_a_closed_vm)
{
	__u64 total = self->info.total_pages;
	struct vmpool_info info;
	int round, fd;

	fd = whole_pool_vm(self->dev, &self->info);
	ASSERT_LE(0, fd);
	for (round = 0; round < 8; round++) {
		ASSERT_EQ(0, close(fd));
		fd = vmpool_vm_create(self->dev, round + 2, total * PAGE, total,
				      0, "reserve");
		ASSERT_LE(0, fd) TH_LOG("round %d: %s", round, strerror(-fd));
	}
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(total, info.free_pages);
}

/*
 * Faults that find the pool empty while a closed VM's memory comes back
 * wait for it: no shortage, no other VM pays.
 */
TEST_F(vm, faults_wait_for_a_closed_vm)
{
	size_t len = self->info.total_pages * PAGE;
	struct vmpool_info info;
	int round, fd, next;
	char *p;

	fd = whole_pool_vm(self->dev, &self->info);
	ASSERT_LE(0, fd);
	for (round = 0; round < 8; round++) {
		next = vmpool_vm_create(self->dev, round + 2, len, 0, 0, "next");
		ASSERT_LE(0, next);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, next, 0);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, close(fd));
		EXPECT_EQ(0, madvise(p, len, MADV_POPULATE_WRITE))
			TH_LOG("round %d: %s", round, strerror(errno));
		ASSERT_EQ(0, munmap(p, len));
		fd = next;
	}
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.shortages);
	EXPECT_EQ(self->info.total_pages, info.free_pages);
}

TEST_F(vm, create_bad_input)
{
	unsigned char buf[sizeof(struct vmpool_vm_create) + 8];
	struct vmpool_vm_create *args = (void *)buf;
	struct vmpool_info info;
	unsigned int bit, size;

#define CREATE_GOOD()						\
	do {							\
		memset(buf, 0, sizeof(buf));			\
		args->size = sizeof(*args);			\
		args->mem_size = 16 * PAGE;			\
		args->tenant = 1;				\
	} while (0)
#define CREATE_FAILS(err)					\
	EXPECT_EQ(err, vmpool_ioctl(self->dev, VMPOOL_VM_CREATE,	\
				    (unsigned long)buf))

	for (bit = 4; bit < 32; bit++) {
		CREATE_GOOD();
		args->flags = 1U << bit;
		CREATE_FAILS(-EINVAL);
	}
	CREATE_GOOD();
	args->reserved = 1;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->reserved2 = 1;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->tenant = 0;
	CREATE_FAILS(-EINVAL);
	/* One tenant, named one way. */
	CREATE_GOOD();
	args->tenant_uuid[15] = 1;
	CREATE_FAILS(-EINVAL);
	/* Owner fields only with VMPOOL_VM_SET_OWNER, and sane. */
	CREATE_GOOD();
	args->uid = 1;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->mode = 0600;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->flags = VMPOOL_VM_SET_OWNER;
	args->mode = 01600;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->flags = VMPOOL_VM_SET_OWNER;
	args->mode = 0600;
	args->uid = (__u32)-1;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->flags = VMPOOL_VM_SET_OWNER;
	args->mode = 0600;
	args->gid = (__u32)-1;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->mem_size = 0;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->mem_size = PAGE - 1;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->mem_size = PAGE + 1;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->mem_size = 1ULL << 62;
	CREATE_FAILS(-E2BIG);
	CREATE_GOOD();
	args->mem_size = ~0ULL & ~(PAGE - 1);
	CREATE_FAILS(-E2BIG);
	CREATE_GOOD();
	args->reserve_pages = 17;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->reserve_pages = 8;
	args->limit_pages = 4;
	CREATE_FAILS(-EINVAL);
	CREATE_GOOD();
	args->mem_size = (self->info.total_pages + 1) * PAGE;
	args->reserve_pages = self->info.total_pages + 1;
	CREATE_FAILS(-ENOSPC);
	CREATE_GOOD();
	memset(args->name, 'x', sizeof(args->name));
	CREATE_FAILS(-EINVAL);
	for (size = 0; size < VMPOOL_VM_CREATE_SIZE_VER0; size += 4) {
		CREATE_GOOD();
		args->size = size;
		CREATE_FAILS(-EINVAL);
	}
	CREATE_GOOD();
	args->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	CREATE_FAILS(-E2BIG);
	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->dev, VMPOOL_VM_CREATE, 0));

	/* Nothing was created, nothing was lost. */
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.nr_vms);
	EXPECT_EQ(self->info.free_pages, info.free_pages);
}

TEST_F(vm, shared_mappings_see_one_memory)
{
	size_t len = 32 * PAGE;
	struct vmpool_vm_stats st;
	char path[64];
	char *a, *b;
	int fd, fd2;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "two");
	ASSERT_LE(0, fd);
	/* What a VMM does with mem-path=/proc/self/fd/N. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = open(path, O_RDWR);
	ASSERT_LE(0, fd2);
	a = map_vm(fd, len);
	ASSERT_NE(MAP_FAILED, a);
	b = map_vm(fd2, len);
	ASSERT_NE(MAP_FAILED, b);

	fill(a, len, 0x1234);
	EXPECT_EQ(0, memcmp(a, b, len));
	b[5] = 42;
	EXPECT_EQ(42, a[5]);

	ASSERT_EQ(0, vmpool_vm_stats(fd2, &st));
	EXPECT_EQ(32, st.mapped_pages);
	EXPECT_EQ(32, st.faults_global);

	/* The VM lives while any file or mapping of it does. */
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, close(fd2));
	EXPECT_EQ(42, a[5]);
	EXPECT_EQ(0, munmap(a, len));
	EXPECT_EQ(0, munmap(b, len));
}

/*
 * Guest memory is mapped at 2 MiB boundaries (or at the offset's place in
 * one) where the length allows, so that whole 2 MiB extents can be mapped.
 */
TEST_F(vm, mappings_start_at_2mib_boundaries)
{
	const size_t huge = 2UL << 20, len = 4 * huge;
	unsigned long addr[4];
	char *p;
	int fd, i;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "align");
	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++) {
		p = map_vm(fd, len);
		ASSERT_NE(MAP_FAILED, p);
		addr[i] = (unsigned long)p;
	}
	/* At an offset inside an extent: at the same place in one. */
	p = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 huge + PAGE);
	ASSERT_NE(MAP_FAILED, p);
	addr[3] = (unsigned long)p;
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, addr[i] & (huge - 1)) TH_LOG("mapping at %#lx", addr[i]);
	EXPECT_EQ(PAGE, addr[3] & (huge - 1)) TH_LOG("mapping at %#lx", addr[3]);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, munmap((void *)addr[i], len));
	EXPECT_EQ(0, munmap((void *)addr[3], 2 * huge));
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, mmap_bad_input)
{
	size_t len = 8 * PAGE;
	int fd;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "mm");
	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len + PAGE, PROT_READ, MAP_SHARED,
				   fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, len));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd,
				   len - PAGE));
	EXPECT_EQ(EINVAL, errno);
	/* The file's size is the guest's: it does not change. */
	EXPECT_EQ(-1, ftruncate(fd, len * 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ftruncate(fd, len));
	EXPECT_EQ(-1, read(fd, &len, 1));
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, fallocate_modes)
{
	static const int bad_modes[] = {
		FALLOC_FL_PUNCH_HOLE,
		FALLOC_FL_COLLAPSE_RANGE,
		FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_INSERT_RANGE,
		FALLOC_FL_UNSHARE_RANGE,
	};
	size_t len = 16 * PAGE;
	struct vmpool_vm_stats st;
	unsigned int i;
	int fd;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "fa");
	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(bad_modes); i++) {
		EXPECT_EQ(-1, fallocate(fd, bad_modes[i], 0, PAGE));
		EXPECT_EQ(EOPNOTSUPP, errno) {
			TH_LOG("mode %#x", bad_modes[i]);
		}
	}
	EXPECT_EQ(-1, fallocate(fd, 0, 1, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, PAGE + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				PAGE / 2, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, len - PAGE, 2 * PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_KEEP_SIZE, len, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, -PAGE, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);

	/* Populate, with and without KEEP_SIZE; the size stays. */
	ASSERT_EQ(0, fallocate(fd, 0, 0, 4 * PAGE));
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 8 * PAGE, 8 * PAGE));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(12, st.mapped_pages);
	EXPECT_EQ(len, lseek(fd, 0, SEEK_END));
	/* Punch releases to the dedicated pool. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(0, st.mapped_pages);
	EXPECT_EQ(12, st.dedicated_pages);
	EXPECT_EQ(12, st.pages_released);
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, same_tenant_recycle_without_zeroing)
{
	const __u64 marker = 0x5eed000000000000ULL;
	size_t len = 256 * PAGE;
	struct vmpool_vm_stats before, after;
	struct vmpool_info info0, info1;
	char *p;
	int fd;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "rc");
	ASSERT_LE(0, fd);
	p = map_vm(fd, len);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, marker);

	/* Balloon inflate: QEMU punches, then drops its own mapping. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &before));
	EXPECT_EQ(256, before.dedicated_pages);
	EXPECT_EQ(0, before.mapped_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info0));

	/* Deflate: the guest touches the pages again. */
	EXPECT_EQ(256, nonzero_pages(p, len));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &after));
	ASSERT_EQ(0, vmpool_info(self->dev, &info1));
	EXPECT_EQ(before.bytes_zeroed, after.bytes_zeroed);
	EXPECT_EQ(info0.bytes_zeroed, info1.bytes_zeroed);
	EXPECT_EQ(256, after.faults_dedicated - before.faults_dedicated);
	EXPECT_EQ(256, after.pages_recycled - before.pages_recycled);
	/* Proof that nothing was zeroed: the tenant's own data is back. */
	EXPECT_EQ(len / 8, marker_words(p, len, marker));

	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(fd));
}

/* VM A fills @pages pages with @marker, then exits. */
static int fill_and_exit(int dev, __u32 tenant, size_t pages, __u64 marker)
{
	size_t len = pages * PAGE;
	char *p;
	int fd;

	fd = vmpool_vm_create(dev, tenant, len, 0, 0, "filler");
	if (fd < 0)
		return fd;
	p = map_vm(fd, len);
	if (p == MAP_FAILED)
		return -errno;
	fill(p, len, marker);
	munmap(p, len);
	return close(fd);
}

TEST_F_TIMEOUT(vm, cross_tenant_always_zeroed, 300)
{
	const __u64 marker = 0xa11ce00000000000ULL;
	size_t pages = self->info.total_pages, len = pages * PAGE;
	struct vmpool_info before, after;
	struct vmpool_vm_stats st;
	char *p;
	int fd;

	/* A (tenant 1) fills every page of the pool, and exits. */
	ASSERT_EQ(0, fill_and_exit(self->dev, vmpool_new_tenant(), pages,
				   marker));
	ASSERT_EQ(0, vmpool_info(self->dev, &before));

	/* B (tenant 2) faults everything: all zero, all zeroed by us. */
	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "B");
	ASSERT_LE(0, fd);
	p = map_vm(fd, len);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, nonzero_pages(p, len));
	ASSERT_EQ(0, vmpool_info(self->dev, &after));
	EXPECT_EQ(len, after.bytes_zeroed - before.bytes_zeroed);
	EXPECT_EQ(0, after.pages_recycled - before.pages_recycled);
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(len, st.bytes_zeroed);
	EXPECT_EQ(pages, st.faults_global);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(fd));
}

/*
 * The next VM of a tenant: fresh memory reads as zero (a migration target
 * relies on it), unless the VM opted in to its tenant's data.
 */
static void next_vm_of_tenant(struct __test_metadata *_metadata, int dev,
			      __u32 flags)
{
	const __u64 marker = 0xb0b0000000000000ULL;
	size_t pages = 512, len = pages * PAGE;
	__u32 tenant = vmpool_new_tenant();
	bool share = flags & VMPOOL_VM_SHARE_TENANT;
	struct vmpool_info before, after;
	struct vmpool_vm_stats st;
	char *p;
	int fd;

	ASSERT_EQ(0, fill_and_exit(dev, tenant, pages, marker));
	ASSERT_EQ(0, vmpool_info(dev, &before));

	fd = vmpool_vm_create_flags(dev, tenant, len, 0, 0, "A2", flags);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(flags, st.vm_flags);
	p = map_vm(fd, len);
	ASSERT_NE(MAP_FAILED, p);
	/* With the opt-in the old VM's data; without, zeros. */
	EXPECT_EQ(share ? len / 8 : 0,
		  share ? marker_words(p, len, marker) : len / 8 - zero_words(p, len));
	ASSERT_EQ(0, vmpool_info(dev, &after));
	EXPECT_EQ(share ? 0 : len, after.bytes_zeroed - before.bytes_zeroed);
	EXPECT_EQ(share ? pages : 0,
		  after.pages_recycled - before.pages_recycled);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, next_vm_of_tenant_reads_zero)
{
	next_vm_of_tenant(_metadata, self->dev, 0);
}

TEST_F(vm, next_vm_shares_tenant_by_opt_in)
{
	next_vm_of_tenant(_metadata, self->dev, VMPOOL_VM_SHARE_TENANT);
}

/* With VMPOOL_VM_ZERO_RELEASED a punched range reads as zero again. */
TEST_F(vm, zero_released_flag)
{
	const __u64 marker = 0x2e50000000000000ULL;
	size_t pages = 64, len = pages * PAGE;
	struct vmpool_vm_stats before, after;
	int fd, plain;
	char *p, *q;

	fd = vmpool_vm_create_flags(self->dev, vmpool_new_tenant(), len, 0, 0,
				    "zr", VMPOOL_VM_ZERO_RELEASED);
	ASSERT_LE(0, fd);
	plain = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0,
				 "plain");
	ASSERT_LE(0, plain);
	p = map_vm(fd, len);
	ASSERT_NE(MAP_FAILED, p);
	q = map_vm(plain, len);
	ASSERT_NE(MAP_FAILED, q);
	fill(p, len, marker);
	fill(q, len, marker);
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len));
	ASSERT_EQ(0, fallocate(plain, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 0, len));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &before));
	EXPECT_EQ(0, nonzero_pages(p, len));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &after));
	/* Its own pages came back, zeroed. */
	EXPECT_EQ(pages, after.faults_dedicated - before.faults_dedicated);
	EXPECT_EQ(len, after.bytes_zeroed - before.bytes_zeroed);
	/* The default gives the guest its own data back. */
	EXPECT_EQ(len / 8, marker_words(q, len, marker));
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, munmap(q, len));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, close(plain));
}

static int create_uuid(int dev, const __u8 uuid[16], size_t pages,
		       __u32 flags)
{
	struct vmpool_vm_create args = {
		.size = sizeof(args),
		.flags = flags,
		.mem_size = pages * PAGE,
	};

	memcpy(args.tenant_uuid, uuid, sizeof(args.tenant_uuid));
	snprintf(args.name, sizeof(args.name), "uuid");
	return vmpool_ioctl(dev, VMPOOL_VM_CREATE, (unsigned long)&args);
}

/*
 * 128-bit tenants: ids that differ anywhere are different tenants, even
 * when a 32-bit hash of them would collide; tenant N is the id 0...0N.
 */
TEST_F(vm, tenant_uuid)
{
	__u8 a[16] = { 0x6f, 0x1e, 0x00, 0x42, 0x9a, 0x3b, 0x4c, 0x5d,
		       0x8e, 0x7f, 0x10, 0x21, 0x32, 0x43, 0x54, 0x65 };
	__u8 b[16], legacy[16] = { 0 };
	const __u64 marker = 0x4d4d000000000000ULL;
	size_t pages = 32, len = pages * PAGE;
	__u32 n = vmpool_new_tenant();
	struct vmpool_vm_stats st;
	int fa, fb, fl, fn;
	char *p;

	memcpy(b, a, sizeof(b));
	b[0] ^= 0x80;
	legacy[12] = n >> 24;
	legacy[13] = n >> 16;
	legacy[14] = n >> 8;
	legacy[15] = n;

	/* A fills, releases to the global pool by closing. */
	fa = create_uuid(self->dev, a, pages, 0);
	ASSERT_LE(0, fa);
	ASSERT_EQ(0, vmpool_vm_stats(fa, &st));
	EXPECT_EQ(0, st.tenant);
	EXPECT_EQ(0, memcmp(a, st.tenant_uuid, 16));
	p = map_vm(fa, len);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, marker);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(fa));

	/* B, one bit away, even sharing with its tenant: zeros only. */
	fb = create_uuid(self->dev, b, pages * 2, VMPOOL_VM_SHARE_TENANT);
	ASSERT_LE(0, fb);
	p = map_vm(fb, len * 2);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, nonzero_pages(p, len * 2));
	EXPECT_EQ(0, munmap(p, len * 2));
	EXPECT_EQ(0, close(fb));

	/* The 32-bit tenant N and the id 0...0N are one tenant. */
	fn = vmpool_vm_create(self->dev, n, len, 0, 0, "n");
	ASSERT_LE(0, fn);
	fl = create_uuid(self->dev, legacy, pages, 0);
	ASSERT_LE(0, fl);
	ASSERT_EQ(0, vmpool_vm_stats(fl, &st));
	EXPECT_EQ(n, st.tenant);
	EXPECT_EQ(0, memcmp(legacy, st.tenant_uuid, 16));
	p = map_vm(fn, len);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, marker);
	ASSERT_EQ(0, fallocate(fn, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len));
	EXPECT_EQ(0, munmap(p, len));
	/* Same tenant: a split needs no zeroing only with the opt-in... */
	EXPECT_EQ(pages, vmpool_move(self->dev, fn, fl, pages));
	ASSERT_EQ(0, vmpool_vm_stats(fl, &st));
	EXPECT_EQ(len, st.bytes_zeroed);
	EXPECT_EQ(0, close(fn));
	EXPECT_EQ(0, close(fl));
}

/* A VMM running as another user reopens a VM file created for it. */
TEST_F(vm, set_owner_lets_another_user_reopen)
{
	struct vmpool_vm_create args = {
		.size = sizeof(args),
		.flags = VMPOOL_VM_SET_OWNER,
		.mem_size = 4 * PAGE,
		.tenant = vmpool_new_tenant(),
		.uid = 65534,
		.gid = 65534,
		.mode = 0600,
	};
	int fds[2], status;
	struct stat sb;
	pid_t pid;

	snprintf(args.name, sizeof(args.name), "owned");
	fds[0] = vmpool_ioctl(self->dev, VMPOOL_VM_CREATE, (unsigned long)&args);
	ASSERT_LE(0, fds[0]);
	args.flags = 0;
	args.uid = 0;
	args.gid = 0;
	args.mode = 0;
	fds[1] = vmpool_ioctl(self->dev, VMPOOL_VM_CREATE, (unsigned long)&args);
	ASSERT_LE(0, fds[1]);
	ASSERT_EQ(0, fstat(fds[0], &sb));
	EXPECT_EQ(65534, sb.st_uid);
	EXPECT_EQ(65534, sb.st_gid);
	EXPECT_EQ(S_IFREG | 0600, sb.st_mode);
	ASSERT_EQ(0, fstat(fds[1], &sb));
	EXPECT_EQ(0, sb.st_uid);
	EXPECT_EQ(S_IFREG | 0600, sb.st_mode);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char path[64];
		char *p;
		int fd;

		close(self->dev);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		/* What QEMU does with mem-path=/proc/self/fd/N. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
		fd = open(path, O_RDWR);
		if (fd < 0)
			_exit(11);
		p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (p == MAP_FAILED)
			_exit(12);
		p[0] = 1;
		/* The root-owned one stays closed to it. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[1]);
		if (open(path, O_RDWR) >= 0 || errno != EACCES)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, close(fds[0]));
	EXPECT_EQ(0, close(fds[1]));
}

/*
 * A writes a marker into its pages and releases them to its dedicated pool;
 * they then move to B by split or merge, and B faults them in.
 */
static void move_between(struct __test_metadata *_metadata, int dev,
			 bool same_tenant, bool merge, bool share)
{
	const __u64 marker = 0xc0de000000000000ULL;
	size_t pages = 128, len = pages * PAGE;
	struct vmpool_info before, after;
	__u32 ta = vmpool_new_tenant();
	__u32 tb = same_tenant ? ta : vmpool_new_tenant();
	struct vmpool_vm_stats st;
	size_t seen;
	bool keep;
	int a, b;
	char *p;

	a = vmpool_vm_create(dev, ta, len, 0, 0, "A");
	ASSERT_LE(0, a);
	b = vmpool_vm_create_flags(dev, tb, len, 0, 0, "B",
				   share ? VMPOOL_VM_SHARE_TENANT : 0);
	ASSERT_LE(0, b);
	p = map_vm(a, len);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, marker);
	ASSERT_EQ(0, fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len));
	ASSERT_EQ(0, munmap(p, len));

	ASSERT_EQ(0, vmpool_info(dev, &before));
	ASSERT_EQ(pages, vmpool_move(dev, a, b, merge ? 0 : pages));
	ASSERT_EQ(0, vmpool_info(dev, &after));
	/* Kept only for the same tenant, and with the opt-in. */
	keep = same_tenant && share;
	EXPECT_EQ(keep ? 0 : len, after.bytes_zeroed - before.bytes_zeroed);
	ASSERT_EQ(0, vmpool_vm_stats(a, &st));
	EXPECT_EQ(0, st.dedicated_pages);
	ASSERT_EQ(0, vmpool_vm_stats(b, &st));
	EXPECT_EQ(pages, st.dedicated_pages);

	p = map_vm(b, len);
	ASSERT_NE(MAP_FAILED, p);
	/* Kept: A's data; else zeros only. */
	seen = keep ? marker_words(p, len, marker) : nonzero_pages(p, len);
	EXPECT_EQ(keep ? len / 8 : 0, seen);
	ASSERT_EQ(0, vmpool_vm_stats(b, &st));
	EXPECT_EQ(pages, st.faults_dedicated);
	EXPECT_EQ(0, st.faults_global);
	ASSERT_EQ(0, vmpool_info(dev, &before));
	EXPECT_EQ(after.bytes_zeroed, before.bytes_zeroed);

	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(a));
	EXPECT_EQ(0, close(b));
}

TEST_F(vm, split_cross_tenant_zeroes)
{
	move_between(_metadata, self->dev, false, false, true);
}

TEST_F(vm, split_same_tenant_zeroes_without_opt_in)
{
	move_between(_metadata, self->dev, true, false, false);
}

TEST_F(vm, split_same_tenant_keeps_data_by_opt_in)
{
	move_between(_metadata, self->dev, true, false, true);
}

TEST_F(vm, merge_cross_tenant_zeroes)
{
	move_between(_metadata, self->dev, false, true, true);
}

TEST_F(vm, merge_same_tenant_zeroes_without_opt_in)
{
	move_between(_metadata, self->dev, true, true, false);
}

TEST_F(vm, merge_same_tenant_keeps_data_by_opt_in)
{
	move_between(_metadata, self->dev, true, true, true);
}

TEST_F(vm, grow_and_shrink)
{
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	int fd;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 64 * PAGE, 8, 48,
			      "gs");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_resize(self->dev, VMPOOL_POOL_GROW, fd, 32));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(40, st.dedicated_pages);
	/* 40 + 9 passes the limit of 48: nothing moves. */
	EXPECT_EQ(-ENOSPC, vmpool_resize(self->dev, VMPOOL_POOL_GROW, fd, 9));
	ASSERT_EQ(0, vmpool_resize(self->dev, VMPOOL_POOL_GROW, fd, 8));
	EXPECT_EQ(-ENOSPC, vmpool_resize(self->dev, VMPOOL_POOL_SHRINK, fd, 49));
	ASSERT_EQ(0, vmpool_resize(self->dev, VMPOOL_POOL_SHRINK, fd, 40));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(8, st.dedicated_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(self->info.free_pages - 8, info.free_pages);
	EXPECT_EQ(0, close(fd));

	/* More than the global pool holds. */
	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(),
			      (self->info.total_pages + 8) * PAGE, 0, 0, "big");
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOSPC, vmpool_resize(self->dev, VMPOOL_POOL_GROW, fd,
					 self->info.total_pages + 1));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(0, st.dedicated_pages);
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, pool_ops_bad_input)
{
	struct vmpool_pool_resize rs;
	struct vmpool_pool_move mv;
	struct vmpool_info info;
	unsigned int bit;
	int a, b, null;

	a = vmpool_vm_create(self->dev, vmpool_new_tenant(), 16 * PAGE, 4, 0, "a");
	ASSERT_LE(0, a);
	b = vmpool_vm_create(self->dev, vmpool_new_tenant(), 16 * PAGE, 4, 0, "b");
	ASSERT_LE(0, b);
	null = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null);

	for (bit = 0; bit < 32; bit++) {
		rs = (struct vmpool_pool_resize){ .size = sizeof(rs), .vm_fd = a,
						  .pages = 1, .flags = 1U << bit };
		EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_POOL_GROW,
						(unsigned long)&rs));
		mv = (struct vmpool_pool_move){ .size = sizeof(mv), .src_fd = a,
						.dst_fd = b, .pages = 1,
						.flags = 1U << bit };
		EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_POOL_SPLIT,
						(unsigned long)&mv));
	}
	rs = (struct vmpool_pool_resize){ .size = sizeof(rs), .vm_fd = a,
					  .pages = 1, .reserved = 1 };
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_POOL_SHRINK,
					(unsigned long)&rs));
	rs.size = VMPOOL_POOL_RESIZE_SIZE_VER0 - 1;
	rs.reserved = 0;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_POOL_SHRINK,
					(unsigned long)&rs));
	EXPECT_EQ(-EINVAL, vmpool_resize(self->dev, VMPOOL_POOL_GROW, a, 0));
	EXPECT_EQ(-EBADF, vmpool_resize(self->dev, VMPOOL_POOL_GROW, -1, 1));
	EXPECT_EQ(-EBADF, vmpool_resize(self->dev, VMPOOL_POOL_GROW, 9999, 1));
	EXPECT_EQ(-EINVAL, vmpool_resize(self->dev, VMPOOL_POOL_GROW, null, 1));
	EXPECT_EQ(-EINVAL, vmpool_resize(self->dev, VMPOOL_POOL_SHRINK,
					 self->dev, 1));
	EXPECT_EQ(-EINVAL, vmpool_move(self->dev, a, a, 1));
	EXPECT_EQ(-EINVAL, vmpool_move(self->dev, a, null, 1));
	EXPECT_EQ(-EINVAL, vmpool_move(self->dev, null, b, 0));
	EXPECT_EQ(-EBADF, vmpool_move(self->dev, a, -1, 1));
	EXPECT_EQ(-ENOSPC, vmpool_move(self->dev, a, b, 5));
	EXPECT_EQ(-ENOSPC, vmpool_move(self->dev, a, b, ~0ULL));
	mv = (struct vmpool_pool_move){ .size = sizeof(mv), .src_fd = a,
					.dst_fd = b, .pages = 1 };
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_POOL_MERGE,
					(unsigned long)&mv));
	mv.pages = 0;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_POOL_SPLIT,
					(unsigned long)&mv));

	/* Nothing moved. */
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(8, info.dedicated_pages);
	EXPECT_EQ(0, close(null));
	EXPECT_EQ(0, close(a));
	EXPECT_EQ(0, close(b));
}

static sigjmp_buf sigbus_jmp;
static size_t touched;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, 1);
}

/* Touch every page; returns how many could be touched before SIGBUS. */
static size_t touch_until_sigbus(char *p, size_t pages)
{
	size_t i;

	__atomic_store_n(&touched, 0, __ATOMIC_SEQ_CST);
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(sigbus_jmp, 1) == 0) {
		for (i = 0; i < pages; i++) {
			__atomic_store_n(&p[i * PAGE], 1, __ATOMIC_SEQ_CST);
			__atomic_store_n(&touched, i + 1, __ATOMIC_SEQ_CST);
		}
	}
	signal(SIGBUS, SIG_DFL);
	return __atomic_load_n(&touched, __ATOMIC_SEQ_CST);
}

TEST_F_TIMEOUT(vm, limit_and_exhaustion_sigbus, 300)
{
	size_t pages = self->info.total_pages + 64;
	struct vmpool_vm_stats st;
	char *p;
	int fd;

	/* Over the VM's limit. */
	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 64 * PAGE, 0, 16,
			      "lim");
	ASSERT_LE(0, fd);
	p = map_vm(fd, 64 * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(16, touch_until_sigbus(p, 64));
	EXPECT_EQ(-1, fallocate(fd, 0, 0, 64 * PAGE));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(16, st.mapped_pages);
	EXPECT_EQ(0, munmap(p, 64 * PAGE));
	EXPECT_EQ(0, close(fd));

	/* The whole pool. */
	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE, 0,
			      0, "all");
	ASSERT_LE(0, fd);
	p = map_vm(fd, pages * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(self->info.total_pages, touch_until_sigbus(p, pages));
	EXPECT_EQ(-1, fallocate(fd, 0, 0, pages * PAGE));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(0, munmap(p, pages * PAGE));
	EXPECT_EQ(0, close(fd));

	/* Still healthy. */
	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 4 * PAGE, 4, 0,
			      "after");
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

/* One of two threads writing the pages of a VM, in the same order. */
struct racer {
	pthread_barrier_t *barrier;
	char *p;
	size_t pages;
	int rounds;
	unsigned long failed;
	int first_errno;
	size_t first_page;
};

static void *race_pages(void *arg)
{
	struct racer *r = arg;
	size_t i;
	int round;

	for (round = 0; round < r->rounds; round++) {
		pthread_barrier_wait(r->barrier);
		for (i = 0; i < r->pages; i++)
			if (madvise(r->p + i * PAGE, PAGE,
				    MADV_POPULATE_WRITE) && !r->failed++) {
				r->first_errno = errno;
				r->first_page = i;
			}
		pthread_barrier_wait(r->barrier);
	}
	return NULL;
}

/*
 * Two threads fault the same pages of a VM up to its limit, each page
 * zeroed (another tenant's) outside the pool lock: one that finds the
 * VM's last page of room on its way to the other's fault waits for it,
 * and neither fails.
 */
TEST_F(vm, faults_at_the_limit_wait_for_pages_being_zeroed)
{
	const size_t pages = 64;
	const int rounds = 300;
	struct racer r[2];
	pthread_barrier_t barrier;
	pthread_t th[2];
	int fd, round, i;
	char *p;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE, 0,
			      pages, "racers");
	ASSERT_LE(0, fd);
	p = map_vm(fd, pages * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 3));
	for (i = 0; i < 2; i++) {
		r[i] = (struct racer){ .barrier = &barrier, .p = p,
				       .pages = pages, .rounds = rounds };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_pages, &r[i]));
	}
	for (round = 0; round < rounds; round++) {
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
		/* Back to the global pool: dirty, zeroed again next round. */
		ASSERT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE |
				       FALLOC_FL_KEEP_SIZE, 0, pages * PAGE));
		ASSERT_EQ(0, vmpool_resize(self->dev, VMPOOL_POOL_SHRINK, fd,
					   pages));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	pthread_barrier_destroy(&barrier);
	EXPECT_EQ(0, r[0].failed + r[1].failed) {
		for (i = 0; i < 2; i++)
			if (r[i].failed)
				TH_LOG("thread %d: first at page %zu: %s", i,
				       r[i].first_page, strerror(r[i].first_errno));
	}
	EXPECT_EQ(0, munmap(p, pages * PAGE));
	EXPECT_EQ(0, close(fd));
}

/* What a thread reading the figures during a grow and a move saw. */
struct promise_watch {
	int dev, a, b;
	bool started, done;
	__u64 promised, leaving, a_promised, a_leaving, b_promised;
	unsigned long reads, broken;
};

static __u64 max_u64(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

/*
 * Read the pool's and both VMs' figures until told to stop: the most
 * pages each showed promised, and how often a promise was more than the
 * pages it is a part of.
 */
static void *watch_promises(void *arg)
{
	struct promise_watch *w = arg;
	struct vmpool_vm_stats a, b;
	struct vmpool_info info;

	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		if (vmpool_info_now(w->dev, &info) ||
		    vmpool_vm_stats(w->a, &a) || vmpool_vm_stats(w->b, &b)) {
			w->broken++;
			break;
		}
		w->reads++;
		w->broken += info.promised_pages > info.free_pages ||
			     info.leaving_pages > info.dedicated_pages ||
			     a.leaving_pages > a.dedicated_pages;
		w->promised = max_u64(w->promised, info.promised_pages);
		w->leaving = max_u64(w->leaving, info.leaving_pages);
		w->a_promised = max_u64(w->a_promised, a.promised_pages);
		w->a_leaving = max_u64(w->a_leaving, a.leaving_pages);
		w->b_promised = max_u64(w->b_promised, b.promised_pages);
		__atomic_store_n(&w->started, true, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * A grow promises its pages of the global pool up front and moves them a
 * batch at a time, zeroing them on the way (another tenant's data, the
 * scrubber off); a move (split) of A's released pages to a VM of a third
 * tenant promises pages of A's dedicated pool the same way.  Meanwhile INFO and both VMs'
 * statistics show the promises, each within the pages it is part of;
 * afterwards none is left.
 */
TEST_F(vm, grows_and_moves_in_progress_show_their_promises)
{
	const size_t pages = 8192;
	struct promise_watch w = { .dev = self->dev };
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	pthread_t th;
	int dirty;
	char *p;

	ASSERT_EQ(0, vmpool_scrub_marks(0, 0));
	dirty = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE,
				 0, 0, "dirty");
	ASSERT_LE(0, dirty);
	p = map_vm(dirty, pages * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, pages * PAGE, MADV_POPULATE_WRITE));
	ASSERT_EQ(0, munmap(p, pages * PAGE));
	ASSERT_EQ(0, close(dirty));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	ASSERT_LE(pages, info.free_pages - info.reserve_pages);
	EXPECT_EQ(0, info.promised_pages);
	EXPECT_EQ(0, info.leaving_pages);

	w.a = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE,
			       0, 0, "promised");
	w.b = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE,
			       0, 0, "split");
	ASSERT_LE(0, w.a);
	ASSERT_LE(0, w.b);
	ASSERT_EQ(0, pthread_create(&th, NULL, watch_promises, &w));
	while (!__atomic_load_n(&w.started, __ATOMIC_ACQUIRE))
		usleep(1000);
	EXPECT_EQ(0, vmpool_resize(self->dev, VMPOOL_POOL_GROW, w.a, pages));
	/* A's data in its dedicated pool: the move zeroes it for B. */
	p = map_vm(w.a, pages * PAGE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, pages * PAGE, MADV_POPULATE_WRITE));
	ASSERT_EQ(0, fallocate(w.a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, pages * PAGE));
	ASSERT_EQ(0, munmap(p, pages * PAGE));
	EXPECT_EQ(pages, vmpool_move(self->dev, w.a, w.b, pages));
	__atomic_store_n(&w.done, true, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(th, NULL));
	TH_LOG("%lu reads: promised %llu (A %llu, B %llu), leaving %llu (A %llu)",
	       w.reads, w.promised, w.a_promised, w.b_promised, w.leaving,
	       w.a_leaving);

	EXPECT_EQ(0, w.broken);
	EXPECT_LT(0, w.promised);
	EXPECT_LE(w.promised, pages);
	EXPECT_LT(0, w.a_promised);
	EXPECT_LT(0, w.leaving);
	EXPECT_LT(0, w.a_leaving);
	EXPECT_LT(0, w.b_promised);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.promised_pages);
	EXPECT_EQ(0, info.leaving_pages);
	ASSERT_EQ(0, vmpool_vm_stats(w.b, &st));
	EXPECT_EQ(pages, st.dedicated_pages);
	EXPECT_EQ(0, st.promised_pages);
	ASSERT_EQ(0, vmpool_vm_stats(w.a, &st));
	EXPECT_EQ(0, st.dedicated_pages);
	EXPECT_EQ(0, st.leaving_pages);
	EXPECT_EQ(0, close(w.a));
	EXPECT_EQ(0, close(w.b));
}

TEST_F(vm, stats_bad_input)
{
	unsigned char buf[sizeof(struct vmpool_vm_stats) + 8];
	struct vmpool_vm_stats *st = (void *)buf;
	unsigned int bit;
	int fd;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), PAGE, 0, 0, "s");
	ASSERT_LE(0, fd);
	for (bit = 0; bit < 32; bit++) {
		memset(buf, 0, sizeof(buf));
		st->size = sizeof(*st);
		st->flags = 1U << bit;
		EXPECT_EQ(-EINVAL, vmpool_ioctl(fd, VMPOOL_VM_GET_STATS,
						(unsigned long)buf));
	}
	memset(buf, 0, sizeof(buf));
	st->size = VMPOOL_VM_STATS_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(fd, VMPOOL_VM_GET_STATS,
					(unsigned long)buf));
	st->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-E2BIG, vmpool_ioctl(fd, VMPOOL_VM_GET_STATS,
				       (unsigned long)buf));
	EXPECT_EQ(-EFAULT, vmpool_ioctl(fd, VMPOOL_VM_GET_STATS, 0));
	/* Each fd type answers only its own ioctls. */
	EXPECT_EQ(-ENOTTY, vmpool_ioctl(fd, VMPOOL_INFO, (unsigned long)buf));
	EXPECT_EQ(-ENOTTY, vmpool_ioctl(fd, VMPOOL_GET_API_VERSION, 0));
	EXPECT_EQ(-ENOTTY, vmpool_ioctl(self->dev, VMPOOL_VM_GET_STATS,
					(unsigned long)buf));
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, list_vms)
{
	struct vmpool_vm_stats ents[2];
	struct vmpool_vm_list list;
	int fds[3], i;

	for (i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "vm%d", i);
		fds[i] = vmpool_vm_create(self->dev, vmpool_new_tenant(),
					  PAGE, 0, 0, name);
		ASSERT_LE(0, fds[i]);
	}
	memset(ents, 0, sizeof(ents));
	list = (struct vmpool_vm_list){ .size = sizeof(list), .nr_entries = 2,
					.entry_size = sizeof(ents[0]),
					.entries = (uintptr_t)ents };
	ASSERT_EQ(0, vmpool_ioctl(self->dev, VMPOOL_LIST_VMS,
				  (unsigned long)&list));
	EXPECT_EQ(3, list.nr_entries);
	EXPECT_EQ(sizeof(ents[0]), ents[0].size);
	EXPECT_STREQ("vm0", ents[0].name);
	EXPECT_STREQ("vm1", ents[1].name);

	list.entry_size = VMPOOL_VM_STATS_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_LIST_VMS,
					(unsigned long)&list));
	list.entry_size = sizeof(ents[0]);
	list.flags = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_LIST_VMS,
					(unsigned long)&list));
	list.flags = 0;
	list.entries = 8;
	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->dev, VMPOOL_LIST_VMS,
					(unsigned long)&list));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, close(fds[i]));
}

TEST_F(vm, rmmod_refused_while_vm_lives)
{
	int fd;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), PAGE, 0, 0, "rm");
	ASSERT_LE(0, fd);
	close(self->dev);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "vmpool", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	EXPECT_EQ(0, close(fd));
}

/*
 * An O_PATH file of /proc/self/fd/N holds the VM's inode past the VM: the
 * module must stay until it goes, since the inode's operations are its code.
 */
TEST_F(vm, o_path_file_outlives_vm)
{
	char path[64];
	struct stat sb;
	int fd, opath;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 2 * PAGE, 0, 0,
			      "opath");
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	opath = open(path, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, opath);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, close(self->dev));
	self->dev = -1;

	EXPECT_EQ(-1, syscall(SYS_delete_module, "vmpool", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
	ASSERT_EQ(0, fstat(opath, &sb));
	EXPECT_TRUE(S_ISREG(sb.st_mode));
	EXPECT_EQ(2 * PAGE, sb.st_size);
	/* The VM is gone: reopening the inode gives no file. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", opath);
	EXPECT_EQ(-1, open(path, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(ENXIO, errno);

	/* With the last reference gone, the module unloads. */
	ASSERT_EQ(0, close(opath));
	ASSERT_EQ(0, vmpool_unload());
	ASSERT_EQ(0, vmpool_load(self->params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
}

/* A write to guest memory by a user without CAP_FSETID drops set-id bits. */
TEST_F(vm, fallocate_clears_setid_bits)
{
	struct stat sb;
	pid_t pid;
	int fd, status;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 4 * PAGE, 0, 0,
			      "setid");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 06676));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, PAGE))
			_exit(11);
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      0, PAGE))
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, fstat(fd, &sb));
	EXPECT_EQ(0676, sb.st_mode & 07777);
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, vm_fd_gives_only_that_vm)
{
	struct vmpool_vm_stats st;
	pid_t pid;
	int fd, status;
	char *p;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 4 * PAGE, 0, 0,
			      "pass");
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->dev);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		/* The VM fd works: its memory and its statistics. */
		p = map_vm(fd, 4 * PAGE);
		if (p == MAP_FAILED)
			_exit(11);
		p[0] = 1;
		if (vmpool_vm_stats(fd, &st) || st.mapped_pages != 1)
			_exit(12);
		/* Nothing else: not the control device. */
		if (open(VMPOOL_DEV, O_RDWR) >= 0 || errno != EACCES)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, close(fd));
}

TEST_F(vm, privileged_ioctls_need_cap_sys_admin)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int fd;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 4 * PAGE, 0, 0,
			      "cap");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, syscall(SYS_capget, &hdr, data));
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	ASSERT_EQ(0, syscall(SYS_capset, &hdr, data));

	EXPECT_EQ(-EPERM, vmpool_vm_create(self->dev, 1, PAGE, 0, 0, "no"));
	EXPECT_EQ(-EPERM, vmpool_resize(self->dev, VMPOOL_POOL_GROW, fd, 1));
	EXPECT_EQ(-EPERM, vmpool_resize(self->dev, VMPOOL_POOL_SHRINK, fd, 1));
	EXPECT_EQ(-EPERM, vmpool_move(self->dev, fd, fd, 1));
	EXPECT_EQ(-EPERM, vmpool_move(self->dev, fd, fd, 0));
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
