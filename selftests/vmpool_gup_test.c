// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool guest memory under the kernel's get_user_pages() users: what a
 * VMM does to guest RAM besides touching it (O_DIRECT disks, vmsplice,
 * process_vm_readv, /proc/pid/mem, io_uring buffers, MADV_POPULATE_WRITE,
 * QEMU's discard sequence), and what happens to a page that something
 * still holds when its VM lets it go.  Every test runs over each memory
 * source and ends with an accounting audit.
 *
 * Environment: as vmpool_vm_test, and VMPOOL_MOVABLE_MB, the movable
 * memory the module may take (the movable variant is skipped without).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE	4096UL

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

FIXTURE(gup) {
	int dev;
	struct vmpool_info info;
};

FIXTURE_VARIANT(gup) {
	__u32 source;
};

FIXTURE_VARIANT_ADD(gup, page_alloc) {
	.source = VMPOOL_SOURCE_PAGE_ALLOC,
};

FIXTURE_VARIANT_ADD(gup, region) {
	.source = VMPOOL_SOURCE_REGION,
};

FIXTURE_VARIANT_ADD(gup, movable) {
	.source = VMPOOL_SOURCE_MOVABLE,
};

FIXTURE_SETUP(gup)
{
	char params[128];

	self->dev = -1;
	if (vmpool_source_params(variant->source, params, sizeof(params)))
		SKIP(return, VMPOOL_NO_SOURCE);
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
	ASSERT_EQ(variant->source, self->info.source);
	ASSERT_EQ(0, self->info.nr_vms);
	ASSERT_EQ(1, vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_PAGES));
}

FIXTURE_TEARDOWN(gup)
{
	struct vmpool_audit audit;

	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.held_pages);
	EXPECT_EQ(self->info.total_pages, audit.total_pages);
	close(self->dev);
}

/* Pages of [p, p+len) not as vmpool_fill(@marker) wrote them. */
static size_t bad_pages(const void *p, size_t len, __u64 marker)
{
	const __u64 *w = p;
	size_t i, n = 0;

	for (i = 0; i < len / sizeof(*w); i++) {
		if (w[i] != (marker ^ i)) {
			n++;
			i |= PAGE / sizeof(*w) - 1;
		}
	}
	return n;
}

static void *map_vm(int fd, size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

/* A cache=none disk: the block layer DMAs straight to and from guest RAM. */
TEST_F(gup, o_direct_to_and_from_guest_memory)
{
	const __u64 marker = 0xd1ec700000000000ULL;
	size_t len = 64 * PAGE;
	const char *disk = vmpool_ram_disk();
	char *p;
	int vm, fd;

	if (!disk)
		SKIP(return, "no RAM disk (brd)");
	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), 2 * len, 0, 0,
			      "odirect");
	ASSERT_LE(0, vm);
	p = map_vm(vm, 2 * len);
	ASSERT_NE(MAP_FAILED, p);
	fd = open(disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, fd);

	vmpool_fill(p, len, marker);
	/* Guest RAM to disk, disk back to other guest RAM. */
	ASSERT_EQ(len, pwrite(fd, p, len, 0));
	memset(p + len, 0x55, len);
	ASSERT_EQ(len, pread(fd, p + len, len, 0));
	EXPECT_EQ(0, bad_pages(p + len, len, marker));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, munmap(p, 2 * len));
	EXPECT_EQ(0, close(vm));
}

TEST_F(gup, process_vm_readv_and_writev)
{
	const __u64 marker = 0x9c0de00000000000ULL;
	size_t len = 16 * PAGE;
	struct iovec local, remote;
	char *p, *buf;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "pvm");
	ASSERT_LE(0, vm);
	p = map_vm(vm, len);
	ASSERT_NE(MAP_FAILED, p);
	buf = malloc(len);
	ASSERT_NE(NULL, buf);

	vmpool_fill(p, len, marker);
	local = (struct iovec){ .iov_base = buf, .iov_len = len };
	remote = (struct iovec){ .iov_base = p, .iov_len = len };
	ASSERT_EQ(len, process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_EQ(0, bad_pages(buf, len, marker));
	vmpool_fill(buf, len, ~marker);
	ASSERT_EQ(len, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_EQ(0, bad_pages(p, len, ~marker));
	free(buf);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

/* What a debugger does: read and write guest RAM through /proc/pid/mem. */
TEST_F(gup, proc_pid_mem)
{
	const __u64 marker = 0x3e3e000000000000ULL;
	size_t len = 8 * PAGE;
	char *p, *buf;
	int vm, mem;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "mem");
	ASSERT_LE(0, vm);
	p = map_vm(vm, len);
	ASSERT_NE(MAP_FAILED, p);
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);

	vmpool_fill(p, len, marker);
	ASSERT_EQ(len, pread(mem, buf, len, (uintptr_t)p));
	EXPECT_EQ(0, bad_pages(buf, len, marker));
	vmpool_fill(buf, len, ~marker);
	ASSERT_EQ(len, pwrite(mem, buf, len, (uintptr_t)p));
	EXPECT_EQ(0, bad_pages(p, len, ~marker));
	EXPECT_EQ(0, close(mem));
	free(buf);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

/* QEMU's -mem-prealloc. */
TEST_F(gup, madv_populate_write)
{
	size_t pages = 256, len = pages * PAGE;
	struct vmpool_vm_stats st;
	char *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "pop");
	ASSERT_LE(0, vm);
	p = map_vm(vm, len);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, len, MADV_POPULATE_WRITE));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages, st.mapped_pages);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

/*
 * A balloon inflate as QEMU's ram_block_discard_range() does it: punch the
 * hole, then MADV_DONTNEED its own mapping.  Both succeed; the deflate
 * gets the VM's own pages back.
 */
TEST_F(gup, qemu_discard_sequence)
{
	const __u64 marker = 0xba11000000000000ULL;
	size_t pages = 128, len = pages * PAGE;
	struct vmpool_vm_stats st;
	char *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0,
			      "discard");
	ASSERT_LE(0, vm);
	p = map_vm(vm, len);
	ASSERT_NE(MAP_FAILED, p);
	vmpool_fill(p, len, marker);
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len));
	ASSERT_EQ(0, madvise(p, len, MADV_DONTNEED));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(0, st.mapped_pages);
	EXPECT_EQ(pages, st.dedicated_pages);
	/* The VM's own pages, unzeroed, at whatever offset. */
	EXPECT_EQ(len / 8, vmpool_marker_words(p, len, marker, len));
	vmpool_fill(p, len, marker);
	/* MADV_DONTNEED alone keeps the memory, as on any shared file. */
	ASSERT_EQ(0, madvise(p, len, MADV_DONTNEED));
	EXPECT_EQ(0, bad_pages(p, len, marker));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages, st.mapped_pages);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
}

static int io_uring_setup(unsigned int entries, struct io_uring_params *p)
{
	return syscall(__NR_io_uring_setup, entries, p);
}

static int io_uring_register(int fd, unsigned int op, void *arg,
			     unsigned int nr)
{
	return syscall(__NR_io_uring_register, fd, op, arg, nr);
}

/*
 * io_uring fixed buffers are long-term pins, as VFIO's are.  A VM that
 * punches or closes under them loses the pages to the held list, not to
 * another VM, until the ring lets them go.
 */
TEST_F(gup, io_uring_buffers_pin_until_unregistered)
{
	size_t pages = 32, len = pages * PAGE;
	struct io_uring_params params = { 0 };
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	struct iovec iov;
	int vm, ring, ret;
	char *p;

	ring = io_uring_setup(4, &params);
	/* Disabled by sysctl, or not built: not vmpool's business. */
	if (ring < 0)
		SKIP(return, "io_uring_setup: %s", strerror(errno));
	ASSERT_LE(0, ring);
	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "uring");
	ASSERT_LE(0, vm);
	p = map_vm(vm, len);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, len);
	iov = (struct iovec){ .iov_base = p, .iov_len = len };
	ret = io_uring_register(ring, IORING_REGISTER_BUFFERS, &iov, 1);
	/* 6.1's io_uring takes no file-backed fixed buffers but hugetlbfs. */
	if (ret && errno == EOPNOTSUPP) {
		munmap(p, len);
		close(vm);
		close(ring);
		SKIP(return, "io_uring here takes no file-backed fixed buffers");
	}
	ASSERT_EQ(0, ret);

	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len / 2));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages / 2, st.pages_held);
	EXPECT_EQ(0, st.dedicated_pages);
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(pages, info.held_pages);

	EXPECT_EQ(0, io_uring_register(ring, IORING_UNREGISTER_BUFFERS, NULL, 0));
	EXPECT_EQ(0, close(ring));
	EXPECT_EQ(0, vmpool_held_after_wait(self->dev));
}

/*
 * The pinned-page rule: tenant A's page sits in a pipe (vmsplice) when A
 * punches it and closes.  Tenant B then takes the whole pool: it never
 * sees A's bytes, and never gets the page; the reader of the pipe still
 * reads A's bytes (nothing zeroed them under it); once the pipe is gone
 * the page comes back.
 */
TEST_F_TIMEOUT(gup, pinned_page_never_changes_hands, 300)
{
	const __u64 marker = 0x5ec2e70000000000ULL;
	size_t pages = 4, len = pages * PAGE;
	size_t all = self->info.total_pages;
	struct vmpool_info info;
	struct iovec iov;
	int a, b, pfd[2];
	char *p, *q, *buf;
	size_t i, touched;

	a = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "A");
	ASSERT_LE(0, a);
	p = map_vm(a, len);
	ASSERT_NE(MAP_FAILED, p);
	vmpool_fill(p, len, marker);
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ .iov_base = p, .iov_len = len };
	ASSERT_EQ(len, vmsplice(pfd[1], &iov, 1, 0));
	ASSERT_EQ(0, fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len));
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(a));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(pages, info.held_pages);
	EXPECT_EQ(all - pages, info.free_pages);

	/* B (another tenant) takes everything it can. */
	b = vmpool_vm_create(self->dev, vmpool_new_tenant(), all * PAGE, 0, 0,
			     "B");
	ASSERT_LE(0, b);
	q = map_vm(b, all * PAGE);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, fallocate(b, 0, 0, (all - pages) * PAGE));
	EXPECT_EQ(-1, fallocate(b, 0, 0, all * PAGE));
	EXPECT_EQ(ENOSPC, errno);
	for (i = 0, touched = 0; i < all - pages; i++)
		touched += q[i * PAGE] == 0;
	EXPECT_EQ(all - pages, touched);
	EXPECT_EQ(0, vmpool_marker_words(q, (all - pages) * PAGE, marker, len));

	/* The pipe still holds A's bytes, untouched. */
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(len, read(pfd[0], buf, len));
	EXPECT_EQ(0, bad_pages(buf, len, marker));
	free(buf);
	EXPECT_EQ(0, close(pfd[0]));
	EXPECT_EQ(0, close(pfd[1]));

	/* The page comes back; B may have it now, zeroed. */
	EXPECT_EQ(0, vmpool_held_after_wait(self->dev));
	ASSERT_EQ(0, fallocate(b, 0, 0, all * PAGE));
	EXPECT_EQ(0, vmpool_marker_words(q, all * PAGE, marker, len));
	EXPECT_EQ(0, munmap(q, all * PAGE));
	EXPECT_EQ(0, close(b));
}

/* The module stays while held pages exist, and unloads after. */
TEST_F(gup, held_pages_pin_the_module)
{
	size_t len = 2 * PAGE;
	struct iovec iov;
	int vm, pfd[2];
	char *p;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "pin");
	ASSERT_LE(0, vm);
	p = map_vm(vm, len);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 7, len);
	ASSERT_EQ(0, pipe(pfd));
	iov = (struct iovec){ .iov_base = p, .iov_len = len };
	ASSERT_EQ(len, vmsplice(pfd[1], &iov, 1, 0));
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, close(self->dev));
	self->dev = -1;

	EXPECT_EQ(-1, syscall(SYS_delete_module, "vmpool", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
	EXPECT_EQ(0, close(pfd[0]));
	EXPECT_EQ(0, close(pfd[1]));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	EXPECT_EQ(0, vmpool_held_after_wait(self->dev));
	EXPECT_EQ(0, close(self->dev));
	self->dev = -1;
	EXPECT_EQ(0, vmpool_unload());
	/* Later programs expect the module as the suite loaded it. */
	ASSERT_EQ(0, vmpool_load("pool_mb=64"));
}

TEST_HARNESS_MAIN
