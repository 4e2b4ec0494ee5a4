// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool memory as the RAM of a real KVM guest: a vCPU writes and reads
 * every page of a slot backed by a VM's mapping, through KVM's stage-2
 * fault path (get_user_pages() into the VM's fault handler); the host sees
 * the same bytes through another mapping of the VM file.  Over each memory
 * source.  KVM runs inside the test guest where QEMU's -cpu max exposes
 * SVM (kvm_amd); without /dev/kvm the tests skip, saying why.
 *
 * Environment: as vmpool_vm_test, and VMPOOL_MOVABLE_MB, the movable
 * memory the module may take (the movable variant is skipped without).
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include "vmpool_test.h"
#include "vmpool_kvm.h"
#include "kselftest_harness.h"

#define PAGE	4096UL

FIXTURE(kvm) {
	int dev;
};

FIXTURE_VARIANT(kvm) {
	__u32 source;
};

FIXTURE_VARIANT_ADD(kvm, page_alloc) {
	.source = VMPOOL_SOURCE_PAGE_ALLOC,
};

FIXTURE_VARIANT_ADD(kvm, region) {
	.source = VMPOOL_SOURCE_REGION,
};

FIXTURE_VARIANT_ADD(kvm, movable) {
	.source = VMPOOL_SOURCE_MOVABLE,
};

FIXTURE_SETUP(kvm)
{
	char params[128], why[256];

	self->dev = -1;
	if (!vmpool_kvm_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (vmpool_source_params(variant->source, params, sizeof(params)))
		SKIP(return, VMPOOL_NO_SOURCE);
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(kvm)
{
	struct vmpool_audit audit;

	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.held_pages);
	close(self->dev);
}

/*
 * The guest writes every page; the host reads them through a second open
 * of the VM (what QEMU's mem-path=/proc/self/fd/N does) and a mapping of
 * its own; the guest reads them back.  Then QEMU's discard of half of the
 * memory, and the guest writes again: its faults take the VM's own pages
 * back from its dedicated pool, through the VM's fault cache.
 */
TEST_F_TIMEOUT(kvm, guest_writes_and_reads_every_page, 300)
{
	const __u64 seed = 0x766d706f6f6c0001ULL, seed2 = seed ^ 0xffffffffULL;
	size_t pages = 2048, len = pages * PAGE, half = len / 2;
	struct vmpool_vm_stats before, after;
	__u64 reason = 0;
	char path[64];
	char *ram, *host;
	int vm, fd2;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "kvm");
	ASSERT_LE(0, vm);
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, ram);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", vm);
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	host = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	ASSERT_NE(MAP_FAILED, host);

	ASSERT_EQ(0, vmpool_kvm_fill(ram, len, seed, &reason)) {
		TH_LOG("exit %s", vmpool_kvm_exit_name(reason));
	}
	EXPECT_EQ(KVM_EXIT_HLT, reason);
	EXPECT_EQ(0, vmpool_kvm_check_host(host, len, seed));
	EXPECT_EQ(0, vmpool_kvm_count_mismatch(ram, len, seed));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &before));
	EXPECT_EQ(pages, before.mapped_pages);

	/* A balloon inflate of the upper half, as QEMU does it. */
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       half, half));
	ASSERT_EQ(0, madvise(ram + half, half, MADV_DONTNEED));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &after));
	EXPECT_EQ(pages / 2, after.dedicated_pages);
	EXPECT_EQ(0, after.pages_held);

	/* The deflate: the guest touches the pages again. */
	ASSERT_EQ(0, vmpool_kvm_fill(ram, len, seed2, &reason));
	EXPECT_EQ(0, vmpool_kvm_check_host(host, len, seed2));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &after));
	EXPECT_EQ(pages, after.mapped_pages);
	EXPECT_EQ(pages / 2, after.faults_dedicated - before.faults_dedicated);
	EXPECT_EQ(0, after.bytes_zeroed - before.bytes_zeroed);
	/*
	 * KVM's faults took them from the VM's fault cache, the pool lock
	 * once a batch (not where faults map the pool 2 MiB at a time).
	 */
	if (vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION, VMPOOL_CAP_PMD)) {
		EXPECT_EQ(0, after.cache_faults - before.cache_faults);
	} else {
		EXPECT_EQ(pages / 2, after.cache_faults - before.cache_faults);
		EXPECT_GE(pages / 2 / 16,
			  after.cache_refills - before.cache_refills);
	}

	EXPECT_EQ(0, munmap(host, len));
	EXPECT_EQ(0, close(fd2));
	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, close(vm));
}

/*
 * A store of @slots pages, a VM of @len bytes mapped at *@ram that a guest
 * filled with @seed, all of it paged out: the VM, or -1 (*@store set when
 * it could be made).
 */
static int vm_in_store(struct __test_metadata *_metadata, int dev,
		       size_t slots, size_t len, __u64 seed, int *store,
		       char **ram)
{
	__u64 reason = 0, n = 0;
	int vm;

	*store = vmpool_store_file("/tmp/vmpool-kvm-store", slots);
	if (*store < 0 || vmpool_set_store(dev, *store, NULL))
		return -1;
	vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, 0, 0, "out");
	if (vm < 0)
		return -1;
	*ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	if (*ram == MAP_FAILED)
		return -1;
	EXPECT_EQ(0, vmpool_kvm_fill(*ram, len, seed, &reason));
	/* Page 0 (the code) too: the host reads it back first. */
	EXPECT_EQ(0, vmpool_page_out(vm, 0, 0, len, &n, NULL));
	EXPECT_EQ(len / PAGE, n);
	return vm;
}

/*
 * Pages paged out to the store come back when a guest reads them: KVM's
 * fault path (get_user_pages() into the VM's fault handler) reads each one
 * back from the store, started by KVM's first try, which may not wait.
 */
TEST_F_TIMEOUT(kvm, guest_reads_pages_back_from_the_store, 300)
{
	const __u64 seed = 0x73746f7265646b76ULL;
	size_t pages = 1024, len = pages * PAGE;
	struct vmpool_vm_stats st;
	int vm, store;
	char *ram;

	vm = vm_in_store(_metadata, self->dev, pages, len, seed, &store, &ram);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages, st.pages_swapped);
	EXPECT_EQ(0, st.mapped_pages);

	EXPECT_EQ(0, vmpool_kvm_count_mismatch(ram, len, seed));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(0, st.pages_swapped);
	EXPECT_EQ(pages, st.pages_in);
	EXPECT_EQ(0, st.store_errors);
	/*
	 * KVM tries each guest page first without waiting: the read starts
	 * and the fault asks to be retried.  (The host read page 0, the
	 * guest's code, before the guest ran.)
	 */
	TH_LOG("%llu faults could not wait", st.nowait_faults);
	EXPECT_LE(pages / 2, st.nowait_faults);

	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(store);
}

/*
 * A page read back from the store keeps its slot until it is written:
 * pages the guest only read go out again with no write; pages the guest
 * wrote through its stage-2 mapping go out with one, and the guest reads
 * its new data back, not the copy.  KVM's writes set no dirty bit in the
 * host's page table: the page is marked dirty when KVM's stage-2 entry is
 * zapped by the page-out.
 */
TEST_F_TIMEOUT(kvm, guest_writes_over_clean_copies_reach_the_store, 300)
{
	const __u64 seed = 0x636c65616e6b766dULL, seed2 = seed ^ 0xffffffffULL;
	size_t pages = 1024, len = pages * PAGE;
	struct vmpool_vm_stats st, st0;
	__u64 reason = 0, n = 0;
	int vm, store;
	char *ram;

	/* Twice the VM: read back pages keep their slots. */
	vm = vm_in_store(_metadata, self->dev, 2 * pages, len, seed, &store,
			 &ram);
	ASSERT_LE(0, vm);

	/* The guest reads every page back, and only reads. */
	EXPECT_EQ(0, vmpool_kvm_count_mismatch(ram, len, seed));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st0));
	EXPECT_EQ(pages, st0.clean_pages);
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, len, &n, NULL));
	EXPECT_EQ(pages, n);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	TH_LOG("after the guest read: %llu pages out clean, %llu written",
	       st.pages_out_clean, st.pages_out - st0.pages_out);
	/*
	 * How many count as written depends on KVM: the test kernel's marks
	 * none of the pages a guest only read dirty, the debug kernel's
	 * marks them all.  Either way each goes out once.
	 */
	EXPECT_EQ(pages, st.pages_out_clean + st.pages_out - st0.pages_out);

	/* Now it writes every page: each goes out with a write. */
	ASSERT_EQ(0, vmpool_kvm_fill(ram, len, seed2, &reason));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st0));
	ASSERT_EQ(0, vmpool_page_out(vm, 0, 0, len, &n, NULL));
	EXPECT_EQ(pages, n);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	TH_LOG("after the guest wrote: %llu pages out clean, %llu written",
	       st.pages_out_clean - st0.pages_out_clean,
	       st.pages_out - st0.pages_out);
	/* But its code, page 0. */
	EXPECT_LE(pages - 1, st.pages_out - st0.pages_out);
	EXPECT_EQ(pages, st.pages_out - st0.pages_out +
			 st.pages_out_clean - st0.pages_out_clean);
	EXPECT_EQ(0, vmpool_kvm_count_mismatch(ram, len, seed2));
	EXPECT_EQ(0, st.store_errors);

	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(store);
}

/*
 * A fresh VM of another tenant, run by a fresh guest, reads zeros where the
 * first guest wrote: the KVM path honours the scrub as the CPU path does.
 */
TEST_F_TIMEOUT(kvm, next_guest_of_another_tenant_reads_zero, 300)
{
	const __u64 seed = 0x5ec2e7006b766d00ULL;
	size_t pages = 1024, len = pages * PAGE;
	__u64 reason = 0;
	char *ram;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "A");
	ASSERT_LE(0, vm);
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, ram);
	ASSERT_EQ(0, vmpool_kvm_fill(ram, len, seed, &reason));
	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, close(vm));

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "B");
	ASSERT_LE(0, vm);
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, ram);
	/* Every page but the code page differs from A's pattern... */
	EXPECT_EQ(pages - 1, vmpool_kvm_count_mismatch(ram, len, seed));
	/* ...because it reads as zero (checked from the host). */
	EXPECT_EQ(0, memcmp(ram + PAGE, ram + 2 * PAGE, PAGE));
	EXPECT_EQ(0, ram[len - 1]);
	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, close(vm));
}

/*
 * On a pool of ZONE_DEVICE pages (a region, movable memory blocks), guest
 * memory is mapped 2 MiB at a time, and KVM maps
 * it so in its own page tables: the guest's writes land, every 2 MiB
 * extent of the slot is one large stage-2 page (KVM's pages_2m), and a
 * 4 KiB discard inside one of them gives back that page only.
 */
TEST_F_TIMEOUT(kvm, guest_memory_in_2mib_pages, 300)
{
	const __u64 seed = 0x2b1a9e0000000001ULL;
	size_t len = 8UL << 20, extent = 2UL << 20;
	struct vmpool_vm_stats st;
	__u64 reason = 0, pages_2m = 0;
	char *ram;
	int vm;

	if (variant->source == VMPOOL_SOURCE_PAGE_ALLOC)
		SKIP(return, "no PMD mappings of the page allocator's pages");
	if (vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
			 VMPOOL_CAP_PMD) != 1) {
		ASSERT_FALSE(vmpool_kernel_maps_pmds());
		SKIP(return, "no PMD mappings on this kernel");
	}
	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0,
			      "2m");
	ASSERT_LE(0, vm);
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, ram);
	ASSERT_EQ(0, (unsigned long)ram % extent);

	ASSERT_EQ(0, vmpool_kvm_run_stat(ram, len, VMPOOL_KVM_FILL, seed, NULL,
					 &reason, "pages_2m", &pages_2m)) {
		TH_LOG("exit %s", vmpool_kvm_exit_name(reason));
	}
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	TH_LOG("KVM pages_2m %llu; %llu PMD faults, %llu pages in blocks",
	       (unsigned long long)pages_2m, (unsigned long long)st.pmd_faults,
	       (unsigned long long)st.huge_pages);
	EXPECT_EQ(len / extent, pages_2m);
	EXPECT_EQ(len / extent, st.pmd_faults);
	EXPECT_EQ(len / PAGE, st.huge_pages);
	EXPECT_EQ(0, vmpool_kvm_check_host(ram, len, seed));

	/* A balloon page inside the third extent. */
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       2 * extent + 9 * PAGE, PAGE));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(len / PAGE - 1, st.mapped_pages);
	EXPECT_EQ(1, st.dedicated_pages);
	EXPECT_EQ(len / PAGE - extent / PAGE, st.huge_pages);
	EXPECT_EQ(0, vmpool_kvm_count_mismatch(ram, len, seed));
	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, close(vm));
}

/* A VM file @name made on a fresh vmpool mount of @tenant at @dir. */
static int mounted_vm(char *dir, size_t dirlen, __u32 tenant,
		      const char *name, size_t len)
{
	char opts[32], path[96];
	int vm;

	snprintf(dir, dirlen, "/tmp/vmpool-kvm-XXXXXX");
	snprintf(opts, sizeof(opts), "tenant=%u", tenant);
	if (!mkdtemp(dir) || mount("none", dir, "vmpool", 0, opts))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	vm = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (vm >= 0 && ftruncate(vm, len)) {
		close(vm);
		return -1;
	}
	return vm;
}

/*
 * The same on a VM made as QEMU makes it on a vmpool mount: the guest's
 * writes are in the file (reopened by its path), a discard goes to the
 * VM's own pool and comes back unzeroed, and once the file is unlinked
 * and closed, a guest on another tenant's mount reads zeros.
 */
TEST_F_TIMEOUT(kvm, guest_on_a_mounted_vm, 300)
{
	const __u64 seed = 0x6d6f756e74766d01ULL, seed2 = seed ^ 0xffffffffULL;
	size_t pages = 1024, len = pages * PAGE, half = len / 2;
	struct vmpool_vm_stats before, after;
	char dir[64], dir2[64], path[96];
	__u64 reason = 0;
	char *ram, *host;
	int vm, fd2;

	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	vm = mounted_vm(dir, sizeof(dir), vmpool_new_tenant(), "guest", len);
	ASSERT_LE(0, vm);
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, ram);
	ASSERT_EQ(0, vmpool_kvm_fill(ram, len, seed, &reason)) {
		TH_LOG("exit %s", vmpool_kvm_exit_name(reason));
	}
	snprintf(path, sizeof(path), "%s/guest", dir);
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	host = mmap(NULL, len, PROT_READ, MAP_SHARED, fd2, 0);
	ASSERT_NE(MAP_FAILED, host);
	EXPECT_EQ(0, vmpool_kvm_check_host(host, len, seed));

	ASSERT_EQ(0, vmpool_vm_stats(vm, &before));
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       half, half));
	ASSERT_EQ(0, madvise(ram + half, half, MADV_DONTNEED));
	ASSERT_EQ(0, vmpool_kvm_fill(ram, len, seed2, &reason));
	EXPECT_EQ(0, vmpool_kvm_check_host(host, len, seed2));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &after));
	EXPECT_EQ(pages / 2, after.faults_dedicated - before.faults_dedicated);
	EXPECT_EQ(0, after.bytes_zeroed - before.bytes_zeroed);
	EXPECT_EQ(0, munmap(host, len));
	EXPECT_EQ(0, close(fd2));
	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, unlink(path));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, umount2(dir, 0));
	rmdir(dir);

	vm = mounted_vm(dir2, sizeof(dir2), vmpool_new_tenant(), "next", len);
	ASSERT_LE(0, vm);
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, ram);
	EXPECT_EQ(pages - 1, vmpool_kvm_count_mismatch(ram, len, seed2));
	EXPECT_EQ(0, ram[len - 1]);
	EXPECT_EQ(0, munmap(ram, len));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, umount2(dir2, 0));
	rmdir(dir2);
}

TEST_HARNESS_MAIN
