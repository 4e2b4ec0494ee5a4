// SPDX-License-Identifier: GPL-2.0
/*
 * Paging guest memory out to a backing store and back: every rule and bad
 * input of VMPOOL_SET_STORE and VMPOOL_VM_PAGE_OUT, every byte surviving
 * out/in cycles (a regular file and a block device as the store), pages
 * released to the global pool reaching another tenant zeroed, slots of a
 * closed VM reused by another tenant's VM, a full store and a failing one
 * (a file on a tmpfs too small for it), and a pinned page staying.  Over
 * each memory source.
 *
 * Environment: as vmpool_vm_test.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/uio.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define STORE_PAGES	1024
#define TMP_STORE	"/tmp/vmpool-store"

FIXTURE(swap) {
	int dev;
	int store;
};

FIXTURE_VARIANT(swap) {
	__u32 source;
};

FIXTURE_VARIANT_ADD(swap, page_alloc) {
	.source = VMPOOL_SOURCE_PAGE_ALLOC,
};

FIXTURE_VARIANT_ADD(swap, region) {
	.source = VMPOOL_SOURCE_REGION,
};

FIXTURE_SETUP(swap)
{
	char params[128];

	self->dev = -1;
	self->store = -1;
	if (vmpool_source_params(variant->source, params, sizeof(params)))
		SKIP(return, VMPOOL_NO_SOURCE);
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(1, vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_STORE));
	self->store = vmpool_store_file(TMP_STORE, STORE_PAGES);
	ASSERT_LE(0, self->store);
}

FIXTURE_TEARDOWN(swap)
{
	struct vmpool_audit audit;

	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.swapped_pages);
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(self->store);
	close(self->dev);
}

/* A VM of @pages pages, mapped at *@mem. */
static int vm_map(int dev, __u32 tenant, size_t pages, char **mem)
{
	int vm = vmpool_vm_create(dev, tenant, pages * PAGE, 0, 0, "swap");

	if (vm < 0)
		return vm;
	*mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    vm, 0);
	if (*mem == MAP_FAILED) {
		close(vm);
		return -1;
	}
	return vm;
}

/* Pages of [mem, mem + pages) that do not hold vmpool_fill(@marker). */
static size_t bad_pages(const char *mem, size_t pages, __u64 marker)
{
	size_t p, bad = 0;

	for (p = 0; p < pages; p++)
		if (vmpool_marker_words(mem + p * PAGE, PAGE,
					marker ^ (p * PAGE / 8), PAGE) != PAGE / 8)
			bad++;
	return bad;
}

static bool all_zero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

TEST_F(swap, set_store_bad_input)
{
	struct vmpool_store args = { .size = sizeof(args), .fd = self->store };
	int ro, pipefd[2], null, tiny, vm;
	struct vmpool_info info;
	char *mem;
	__u64 n = 0;

	args.flags = 2;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_SET_STORE, (unsigned long)&args));
	/* Encryption needs a store. */
	args.flags = VMPOOL_STORE_ENCRYPT;
	args.fd = -1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_SET_STORE, (unsigned long)&args));
	args.fd = self->store;
	args.flags = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_SET_STORE, (unsigned long)&args));
	args.reserved = 0;
	args.nr_slots = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_SET_STORE, (unsigned long)&args));
	args.nr_slots = 0;
	args.size = VMPOOL_STORE_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_SET_STORE, (unsigned long)&args));
	args.size = sizeof(args);
	args.fd = -2;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_SET_STORE, (unsigned long)&args));
	EXPECT_EQ(-EBADF, vmpool_set_store(self->dev, 1000, NULL));

	ro = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, vmpool_set_store(self->dev, ro, NULL));
	close(ro);
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-EBADF, vmpool_set_store(self->dev, pipefd[0], NULL));
	close(pipefd[0]);
	close(pipefd[1]);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, vmpool_set_store(self->dev, null, NULL));
	close(null);
	tiny = vmpool_store_file(TMP_STORE "-tiny", 0);
	ASSERT_LE(0, tiny);
	ASSERT_EQ(0, ftruncate(tiny, PAGE - 1));
	EXPECT_EQ(-EINVAL, vmpool_set_store(self->dev, tiny, NULL));
	close(tiny);
	vm = vm_map(self->dev, vmpool_new_tenant(), 4, &mem);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-EINVAL, vmpool_set_store(self->dev, vm, NULL));

	/* No store: nothing can go out. */
	EXPECT_EQ(-ENODEV, vmpool_page_out(vm, 0, 0, PAGE, NULL, NULL));
	EXPECT_EQ(0, vmpool_set_store(self->dev, self->store, &n));
	EXPECT_EQ(STORE_PAGES, n);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(STORE_PAGES, info.store_slots);
	memset(mem, 0x5a, 4 * PAGE);
	EXPECT_EQ(0, vmpool_page_out(vm, 0, 0, 4 * PAGE, &n, NULL));
	EXPECT_EQ(4, n);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(4, info.swapped_pages);
	/* Replaced or removed only while it holds no page. */
	EXPECT_EQ(-EBUSY, vmpool_set_store(self->dev, self->store, NULL));
	EXPECT_EQ(-EBUSY, vmpool_set_store(self->dev, -1, NULL));
	EXPECT_EQ(0x5a, mem[3 * PAGE + 7]);
	munmap(mem, 4 * PAGE);
	close(vm);
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, &n));
	EXPECT_EQ(0, n);
}

TEST_F(swap, page_out_bad_input)
{
	struct vmpool_page_out args = { .size = sizeof(args) };
	size_t pages = 16;
	char *mem;
	int vm;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vm = vm_map(self->dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-EINVAL, vmpool_page_out(vm, 2, 0, PAGE, NULL, NULL));
	EXPECT_EQ(-EINVAL, vmpool_page_out(vm, 0, 1, PAGE, NULL, NULL));
	EXPECT_EQ(-EINVAL, vmpool_page_out(vm, 0, 0, PAGE + 1, NULL, NULL));
	EXPECT_EQ(-EINVAL, vmpool_page_out(vm, 0, 0, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, vmpool_page_out(vm, 0, pages * PAGE, PAGE, NULL, NULL));
	EXPECT_EQ(-EINVAL, vmpool_page_out(vm, 0, PAGE, pages * PAGE, NULL, NULL));
	EXPECT_EQ(-EINVAL, vmpool_page_out(vm, 0, PAGE, -PAGE, NULL, NULL));
	args.offset = 0;
	args.length = PAGE;
	args.pages_out = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(vm, VMPOOL_VM_PAGE_OUT, (unsigned long)&args));
	args.pages_out = 0;
	args.pages_skipped = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(vm, VMPOOL_VM_PAGE_OUT, (unsigned long)&args));
	args.pages_skipped = 0;
	args.size = VMPOOL_PAGE_OUT_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(vm, VMPOOL_VM_PAGE_OUT, (unsigned long)&args));
	/* On the device, not a VM: unknown there. */
	args.size = sizeof(args);
	EXPECT_EQ(-ENOTTY, vmpool_ioctl(self->dev, VMPOOL_VM_PAGE_OUT, (unsigned long)&args));
	/* Holes stay holes. */
	EXPECT_EQ(0, vmpool_ioctl(vm, VMPOOL_VM_PAGE_OUT, (unsigned long)&args));
	EXPECT_EQ(0, args.pages_out);
	munmap(mem, pages * PAGE);
	close(vm);
}

/*
 * Out and in, several times over different ranges, from a store on a
 * regular file and on a block device: every byte comes back, the pages
 * really leave the VM's mapping while out, and the audit counts them in
 * the store.
 */
static void out_and_in(struct __test_metadata *_metadata, int dev, int store)
{
	static const size_t ranges[][2] = {	/* first page, pages */
		{ 0, 256 }, { 17, 100 }, { 255, 1 }, { 0, 256 },
	};
	const __u64 marker = 0x766d706f6f6c5357ULL;
	struct vmpool_vm_stats st;
	struct vmpool_audit audit;
	size_t pages = 256, r, in = 0;
	__u64 n = 0, total = 0;
	long majflt;
	char *mem;
	int vm;

	ASSERT_EQ(0, vmpool_set_store(dev, store, NULL));
	vm = vm_map(dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	vmpool_fill(mem, pages * PAGE, marker);

	for (r = 0; r < ARRAY_SIZE(ranges); r++) {
		size_t first = ranges[r][0], len = ranges[r][1];

		ASSERT_EQ(0, vmpool_page_out(vm, 0, first * PAGE, len * PAGE, &n, NULL));
		EXPECT_EQ(len, n);
		total += n;
		ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
		EXPECT_EQ(len, st.pages_swapped);
		EXPECT_EQ(pages - len, st.mapped_pages);
		/* Pages read back and not written since need no write. */
		EXPECT_EQ(total, st.pages_out + st.pages_out_clean);
		ASSERT_EQ(0, vmpool_audit(dev, &audit));
		EXPECT_EQ(0, audit.errors);
		EXPECT_EQ(len, audit.swapped_pages);

		/*
		 * Reading them back is a major fault per page, for the
		 * process too.
		 */
		majflt = vmpool_thread_faults(true);
		EXPECT_EQ(0, bad_pages(mem, pages, marker));
		EXPECT_EQ(len, vmpool_thread_faults(true) - majflt);
		in += len;
		ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
		EXPECT_EQ(0, st.pages_swapped);
		EXPECT_EQ(in, st.pages_in);
		EXPECT_EQ(in, st.store_reads);
		EXPECT_EQ(pages, st.mapped_pages);
		EXPECT_EQ(0, st.store_errors);
	}
	munmap(mem, pages * PAGE);
	close(vm);
	EXPECT_EQ(0, vmpool_set_store(dev, -1, NULL));
}

TEST_F(swap, every_byte_survives_out_and_in_a_file)
{
	out_and_in(_metadata, self->dev, self->store);
}

TEST_F(swap, every_byte_survives_out_and_in_a_block_device)
{
	const char *disk = vmpool_ram_disk();
	int fd;

	if (!disk)
		SKIP(return, "no brd RAM disk");
	fd = open(disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, fd);
	out_and_in(_metadata, self->dev, fd);
	close(fd);
}

/*
 * Released pages go to the global pool marked with the tenant: another
 * tenant's VM that takes them reads zeros, and the first VM still reads
 * its data back from the store.
 */
TEST_F(swap, released_pages_reach_another_tenant_zeroed)
{
	const __u64 marker = 0x72656c6561736521ULL;
	struct vmpool_info before, after;
	size_t pages = 64;
	char *a, *b;
	int vma, vmb;
	__u64 n = 0;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vma = vm_map(self->dev, vmpool_new_tenant(), pages, &a);
	ASSERT_LE(0, vma);
	vmpool_fill(a, pages * PAGE, marker);
	ASSERT_EQ(0, vmpool_info(self->dev, &before));
	ASSERT_EQ(0, vmpool_page_out(vma, VMPOOL_PAGE_OUT_RELEASE, 0,
				     pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	ASSERT_EQ(0, vmpool_info(self->dev, &after));
	EXPECT_EQ(before.free_pages + pages, after.free_pages);

	/* Another tenant takes the whole global pool: never A's bytes. */
	vmb = vm_map(self->dev, vmpool_new_tenant(), after.free_pages, &b);
	ASSERT_LE(0, vmb);
	EXPECT_TRUE(all_zero(b, after.free_pages * PAGE));
	munmap(b, after.free_pages * PAGE);
	close(vmb);

	EXPECT_EQ(0, bad_pages(a, pages, marker));
	munmap(a, pages * PAGE);
	close(vma);
}

/*
 * A closed VM's slots are freed and handed to the next VM, of another
 * tenant: it reads its own data back, and zeros where it wrote nothing.
 */
TEST_F(swap, slots_of_a_closed_vm_never_reach_another_tenant)
{
	const __u64 ma = 0x74656e616e744141ULL, mb = 0x74656e616e744242ULL;
	struct vmpool_audit audit;
	size_t pages = 128;
	char *a, *b;
	int vma, vmb;
	__u64 n = 0;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vma = vm_map(self->dev, vmpool_new_tenant(), pages, &a);
	ASSERT_LE(0, vma);
	vmpool_fill(a, pages * PAGE, ma);
	ASSERT_EQ(0, vmpool_page_out(vma, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	munmap(a, pages * PAGE);
	close(vma);
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.swapped_pages);

	vmb = vm_map(self->dev, vmpool_new_tenant(), 2 * pages, &b);
	ASSERT_LE(0, vmb);
	vmpool_fill(b, pages * PAGE, mb);
	ASSERT_EQ(0, vmpool_page_out(vmb, 0, 0, 2 * pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	EXPECT_EQ(0, bad_pages(b, pages, mb));
	EXPECT_TRUE(all_zero(b + pages * PAGE, pages * PAGE));
	munmap(b, 2 * pages * PAGE);
	close(vmb);
}

/*
 * Punching a page that is out frees its slot: its data never comes back
 * (with VMPOOL_VM_ZERO_RELEASED, so that a reused page reads zero too).
 */
TEST_F(swap, punched_page_out_reads_zero)
{
	struct vmpool_vm_stats st;
	struct vmpool_audit audit;
	size_t pages = 8;
	char *mem;
	int vm;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vm = vmpool_vm_create_flags(self->dev, vmpool_new_tenant(), pages * PAGE,
				    0, 0, "punch", VMPOOL_VM_ZERO_RELEASED);
	ASSERT_LE(0, vm);
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0x33, pages * PAGE);
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, NULL, NULL));
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       2 * PAGE, 2 * PAGE));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages - 2, st.pages_swapped);
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(pages - 2, audit.swapped_pages);
	EXPECT_TRUE(all_zero(mem + 2 * PAGE, 2 * PAGE));
	EXPECT_EQ(0x33, mem[PAGE]);
	EXPECT_EQ(0x33, mem[4 * PAGE + 1]);
	munmap(mem, pages * PAGE);
	close(vm);
}

/*
 * The pages page-out frees stay in the VM's dedicated pool, holding data
 * that lives on in the store: a hole of the VM they back reads as zero
 * (new memory of a VM reads as zero), and the paged-out data comes back.
 */
TEST_F(swap, holes_read_zero_after_page_out)
{
	size_t pages = 16, half = 8;
	char *mem;
	int vm;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vm = vm_map(self->dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	memset(mem, 0x5a, half * PAGE);
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, half * PAGE, NULL, NULL));
	EXPECT_TRUE(all_zero(mem + half * PAGE, (pages - half) * PAGE));
	EXPECT_EQ(0x5a, mem[0]);
	EXPECT_EQ(0x5a, mem[half * PAGE - 1]);
	munmap(mem, pages * PAGE);
	close(vm);
}

/*
 * With @store taking 4 pages and failing after (full, or out of space
 * underneath), paging 16 pages out: 4 go out, the others stay resident,
 * no byte is lost, and @store_errors write errors are counted.
 */
static void page_out_until_it_fails(struct __test_metadata *_metadata,
				    int dev, int store, __u64 marker,
				    __u64 store_errors)
{
	struct vmpool_vm_stats st;
	size_t pages = 16;
	char *mem;
	__u64 n = 0;
	int vm;

	ASSERT_EQ(0, vmpool_set_store(dev, store, NULL));
	vm = vm_map(dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	vmpool_fill(mem, pages * PAGE, marker);
	EXPECT_EQ(-ENOSPC, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(4, n);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(store_errors, st.store_errors);
	EXPECT_EQ(4, st.pages_swapped);
	EXPECT_EQ(pages - 4, st.mapped_pages);
	EXPECT_EQ(0, bad_pages(mem, pages, marker));
	munmap(mem, pages * PAGE);
	close(vm);
	EXPECT_EQ(0, vmpool_set_store(dev, -1, NULL));
}

/* Page out the one page of @vm and return the store's slot 0 in @buf. */
static void page_out_slot0(struct __test_metadata *_metadata, int vm,
			   int store, char *buf)
{
	__u64 n = 0;

	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, PAGE, &n, NULL));
	ASSERT_EQ(1, n);
	ASSERT_EQ(PAGE, pread(store, buf, PAGE, 0));
}

/*
 * An encrypted store of one slot, so that every page goes to slot 0: a
 * page that went out is not in it in clear, and every byte comes back.
 * The same page of a VM of the same tenant is written the same way (the
 * tenant's key, the same slot), of another tenant differently (its own
 * key).  A slot that holds another tenant's page (written over it behind
 * the module's back) reads back as noise, never as that page.  The same
 * page on a plain store is there in clear.
 */
TEST_F(swap, encrypted_store_keeps_each_tenant_to_itself)
{
	struct vmpool_store args = { .size = sizeof(args),
				     .flags = VMPOOL_STORE_ENCRYPT };
	const __u64 marker = 0x63727970746f6b65ULL;
	static char a[PAGE], a2[PAGE], b[PAGE], plain[PAGE];
	__u32 ta = vmpool_new_tenant(), tb = vmpool_new_tenant();
	char *ma, *ma2, *mb;
	int store, va, va2, vb;
	long ret;

	store = vmpool_store_file("/tmp/vmpool-one-slot", 1);
	ASSERT_LE(0, store);
	args.fd = store;
	ret = vmpool_ioctl(self->dev, VMPOOL_SET_STORE, (unsigned long)&args);
	if (ret == -EOPNOTSUPP)
		SKIP(close(store); return, "no xts(aes) in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(1, args.nr_slots);

	va = vm_map(self->dev, ta, 1, &ma);
	va2 = vm_map(self->dev, ta, 1, &ma2);
	vb = vm_map(self->dev, tb, 1, &mb);
	ASSERT_LE(0, va);
	ASSERT_LE(0, va2);
	ASSERT_LE(0, vb);
	vmpool_fill(ma, PAGE, marker);
	vmpool_fill(ma2, PAGE, marker);
	vmpool_fill(mb, PAGE, marker);

	page_out_slot0(_metadata, va, store, a);
	EXPECT_EQ(0, vmpool_marker_words(a, PAGE, marker, PAGE));
	EXPECT_FALSE(all_zero(a, PAGE));
	EXPECT_EQ(0, bad_pages(ma, 1, marker));

	page_out_slot0(_metadata, va2, store, a2);
	EXPECT_EQ(0, memcmp(a, a2, PAGE));
	EXPECT_EQ(0, bad_pages(ma2, 1, marker));

	page_out_slot0(_metadata, vb, store, b);
	EXPECT_NE(0, memcmp(a, b, PAGE));
	EXPECT_EQ(0, vmpool_marker_words(b, PAGE, marker, PAGE));
	/* Tenant A's page in tenant B's slot. */
	ASSERT_EQ(PAGE, pwrite(store, a, PAGE, 0));
	EXPECT_EQ(0, vmpool_marker_words(mb, PAGE, marker, PAGE));

	/* The same page on a plain store. */
	ASSERT_EQ(0, vmpool_set_store(self->dev, store, NULL));
	page_out_slot0(_metadata, va, store, plain);
	EXPECT_EQ(PAGE / 8, vmpool_marker_words(plain, PAGE, marker, PAGE));
	EXPECT_EQ(0, bad_pages(ma, 1, marker));

	munmap(ma, PAGE);
	munmap(ma2, PAGE);
	munmap(mb, PAGE);
	close(va);
	close(va2);
	close(vb);
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(store);
}

/* A full store: the pages that fit go out, the rest stay, none is lost. */
TEST_F(swap, full_store_keeps_the_rest_resident)
{
	int small = vmpool_store_file(TMP_STORE "-small", 4);

	ASSERT_LE(0, small);
	page_out_until_it_fails(_metadata, self->dev, small,
				0x66756c6c73746f72ULL, 0);
	close(small);
}

/*
 * A store whose writes fail (a file on a tmpfs too small for it): the
 * write error comes back, the page stays resident with its data, and the
 * error is counted.
 */
TEST_F(swap, failing_store_keeps_pages)
{
	const char *dir = "/tmp/vmpool-small-tmpfs";
	char path[64];
	int fd;

	mkdir(dir, 0700);
	ASSERT_EQ(0, mount("none", dir, "tmpfs", 0, "size=16k"));
	snprintf(path, sizeof(path), "%s/store", dir);
	fd = vmpool_store_file(path, 256);
	ASSERT_LE(0, fd);
	page_out_until_it_fails(_metadata, self->dev, fd,
				0x6661696c696e6721ULL, 1);
	close(fd);
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
}

/* A page something else references (a pipe holds it) stays resident. */
TEST_F(swap, pinned_page_stays_resident)
{
	struct vmpool_vm_stats st;
	struct iovec iov;
	size_t pages = 4;
	int pipefd[2], vm;
	char *mem, buf[PAGE];
	__u64 n = 0, skipped = 0;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vm = vm_map(self->dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	memset(mem, 0x77, pages * PAGE);
	ASSERT_EQ(0, pipe(pipefd));
	iov.iov_base = mem + PAGE;
	iov.iov_len = PAGE;
	ASSERT_EQ(PAGE, vmsplice(pipefd[1], &iov, 1, 0));
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, &skipped));
	EXPECT_EQ(pages - 1, n);
	EXPECT_EQ(1, skipped);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(1, st.mapped_pages);
	ASSERT_EQ(PAGE, read(pipefd[0], buf, PAGE));
	EXPECT_EQ(0x77, buf[100]);
	EXPECT_EQ(0x77, mem[3 * PAGE]);
	close(pipefd[0]);
	close(pipefd[1]);
	munmap(mem, pages * PAGE);
	close(vm);
}

/*
 * Consecutive guest pages go out to consecutive slots, 32 pages per
 * write, so that they can come back in large reads.
 */
TEST_F(swap, consecutive_pages_go_to_consecutive_slots)
{
	const __u64 marker = 0x636f6e7365637574ULL;
	struct vmpool_vm_stats st;
	size_t pages = 96, p;
	char *mem, *copy;
	__u64 n = 0;
	int vm;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vm = vm_map(self->dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	vmpool_fill(mem, pages * PAGE, marker);
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages / 32, st.store_writes);

	copy = malloc(pages * PAGE);
	ASSERT_NE(NULL, copy);
	ASSERT_EQ(pages * PAGE, pread(self->store, copy, pages * PAGE, 0));
	for (p = 0; p < pages; p++)
		EXPECT_EQ(PAGE / 8,
			  vmpool_marker_words(copy + p * PAGE, PAGE,
					      marker ^ (p * PAGE / 8), PAGE)) {
			TH_LOG("store page %zu", p);
		}
	free(copy);
	EXPECT_EQ(0, bad_pages(mem, pages, marker));
	munmap(mem, pages * PAGE);
	close(vm);
}

/* Whether page @p of @mem holds what vmpool_fill(@marker) wrote there. */
static bool page_holds(const char *mem, size_t p, __u64 marker)
{
	return bad_pages(mem + p * PAGE, 1, marker ^ (p * PAGE / 8)) == 0;
}

/*
 * A page read back and not written since keeps its slot: the next
 * page-out writes nothing.  A page written since goes out with a write,
 * and its new data, not the copy, comes back.
 */
TEST_F(swap, clean_pages_go_out_without_a_write)
{
	const __u64 a = 0x636c65616e5f615fULL, b = ~a;
	struct vmpool_vm_stats st, st0;
	struct vmpool_audit audit;
	size_t pages = 64, p;
	__u64 n = 0;
	char *mem;
	int vm;

	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
	vm = vm_map(self->dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	vmpool_fill(mem, pages * PAGE, a);
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	EXPECT_EQ(0, bad_pages(mem, pages, a));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st0));
	EXPECT_EQ(pages, st0.clean_pages);
	EXPECT_EQ(0, st0.pages_swapped);
	EXPECT_EQ(pages, st0.pages_out);

	/* Only read: out again with no write, and back intact. */
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(st0.pages_out, st.pages_out);
	EXPECT_EQ(st0.store_writes, st.store_writes);
	EXPECT_EQ(pages, st.pages_out_clean);
	EXPECT_EQ(0, st.clean_pages);
	EXPECT_EQ(pages, st.pages_swapped);
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, bad_pages(mem, pages, a));

	/* The odd pages written after they came back. */
	for (p = 1; p < pages; p += 2)
		vmpool_fill(mem + p * PAGE, PAGE, b ^ (p * PAGE / 8));
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st0));
	EXPECT_EQ(st.pages_out + pages / 2, st0.pages_out);
	EXPECT_EQ(st.pages_out_clean + pages / 2, st0.pages_out_clean);
	for (p = 0; p < pages; p++)
		EXPECT_TRUE(page_holds(mem, p, p % 2 ? b : a)) {
			TH_LOG("page %zu holds the %s data", p,
			       page_holds(mem, p, p % 2 ? a : b) ? "other" : "wrong");
		}
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);

	/* All of them written: they go out in runs of 32, as before. */
	vmpool_fill(mem, pages * PAGE, b);
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(st0.pages_out + pages, st.pages_out);
	EXPECT_EQ(st0.store_writes + pages / 32, st.store_writes);
	EXPECT_EQ(0, bad_pages(mem, pages, b));

	/* Clean copies go with their pages: the store ends empty. */
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, pages / 2 * PAGE));
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	munmap(mem, pages * PAGE);
	close(vm);
}

/*
 * A store that cannot do direct I/O (a file on ramfs): pages go out
 * through its page cache and come back whole.
 */
TEST_F(swap, buffered_store_round_trip)
{
	const __u64 marker = 0x72616d6673746f72ULL;
	const char *dir = "/tmp/vmpool-ramfs";
	struct vmpool_vm_stats st;
	size_t pages = 64;
	char path[64], *mem;
	int store, vm;
	__u64 n = 0;

	mkdir(dir, 0700);
	ASSERT_EQ(0, mount("none", dir, "ramfs", 0, NULL));
	snprintf(path, sizeof(path), "%s/store", dir);
	store = vmpool_store_file(path, 2 * pages);
	ASSERT_LE(0, store);
	ASSERT_EQ(0, vmpool_set_store(self->dev, store, NULL));
	vm = vm_map(self->dev, vmpool_new_tenant(), pages, &mem);
	ASSERT_LE(0, vm);
	vmpool_fill(mem, pages * PAGE, marker);
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, pages * PAGE, &n, NULL));
	EXPECT_EQ(pages, n);
	EXPECT_EQ(0, bad_pages(mem, pages, marker));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages / 32, st.store_writes);
	EXPECT_EQ(pages, st.pages_in);
	EXPECT_EQ(0, st.store_errors);
	munmap(mem, pages * PAGE);
	close(vm);
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(store);
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
}

/* The operator's way: vmpoolctl store PATH, and store none. */
TEST_F(swap, vmpoolctl_sets_and_removes_the_store)
{
	const char *ctl = "scripts/vmpoolctl";
	struct vmpool_info info;
	int fd;

	if (access(ctl, X_OK))
		SKIP(return, "%s is not built", ctl);
	fd = open(TMP_STORE "-ctl", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 64 * PAGE));
	EXPECT_EQ(0, system("scripts/vmpoolctl store " TMP_STORE "-ctl >/dev/null"));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(64, info.store_slots);
	EXPECT_EQ(0, system("scripts/vmpoolctl list >/dev/null"));
	EXPECT_EQ(0, system("scripts/vmpoolctl store none"));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.store_slots);
	EXPECT_EQ(0, system("scripts/vmpoolctl store --encrypt " TMP_STORE "-ctl"));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(64, info.store_slots);
	EXPECT_EQ(0, system("scripts/vmpoolctl store none"));
	EXPECT_NE(0, system("scripts/vmpoolctl store /nonexistent 2>/dev/null"));
	close(fd);
	unlink(TMP_STORE "-ctl");
}

TEST_HARNESS_MAIN
