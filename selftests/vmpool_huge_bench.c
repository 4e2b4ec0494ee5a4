// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool 2 MiB mappings (not a test: it asserts nothing, it reports).
 *
 * Run on a region pool (the module loaded with region=), whose VMs' 2 MiB
 * extents are mapped with one PMD; the ``pmd`` module parameter off gives
 * the 4 KiB path on the same memory, in the same run:
 *   first touch   a write to each page of a VM whose reserve holds all of
 *                 its memory (zeroed at the grow, before the clock runs):
 *                 faults and time, 2 MiB path against 4 KiB path;
 *   balloon       a same-tenant balloon cycle at 2 MiB granularity: each
 *                 2 MiB extent punched (fallocate(PUNCH_HOLE), then
 *                 MADV_DONTNEED, as QEMU does it) and written again;
 *                 against anonymous memory with transparent huge pages
 *                 (MADV_HUGEPAGE; MADV_DONTNEED, then written again).
 * Counts first (faults, bytes zeroed), then times and their ratios.
 *
 * usage: vmpool_huge_bench [MiB] (default 256)
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <sys/mman.h>
#include <time.h>

#include "vmpool_test.h"

#define PAGE	4096UL
#define EXTENT	(2UL << 20)

static int dev;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* One write to each page of [p, p+len); the faults it took in *@faults. */
static __u64 touch_ns(char *p, size_t len, long *faults)
{
	long before = vmpool_thread_faults(false);
	__u64 start = vmpool_now_ns();
	size_t i;

	for (i = 0; i < len; i += PAGE)
		__atomic_store_n(p + i, 1, __ATOMIC_RELAXED);
	*faults = vmpool_thread_faults(false) - before;
	return vmpool_now_ns() - start;
}

/* A VM of @len bytes whose reserve holds all of it, mapped at *@p. */
static int reserved_vm(size_t len, char **p)
{
	int vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, len / PAGE, 0,
				  "bench");

	if (vm < 0)
		die("VMPOOL_VM_CREATE");
	*p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	if (*p == MAP_FAILED)
		die("mmap");
	return vm;
}

/* First touch of a reserved VM, with the pmd parameter at @pmd. */
static __u64 first_touch(size_t len, const char *pmd, long *faults,
			 struct vmpool_vm_stats *st)
{
	__u64 ns;
	char *p;
	int vm;

	if (vmpool_set_param("pmd", pmd))
		die("pmd");
	vm = reserved_vm(len, &p);
	ns = touch_ns(p, len, faults);
	if (vmpool_vm_stats(vm, st))
		die("VMPOOL_VM_GET_STATS");
	munmap(p, len);
	close(vm);
	return ns;
}

/*
 * @rounds balloon cycles over [p, p+len), extent by extent: the VM's
 * (@vm >= 0: punch, then MADV_DONTNEED) or anonymous memory's (@vm < 0).
 */
static __u64 balloon_ns(int vm, char *p, size_t len, int rounds,
			long *faults)
{
	__u64 ns = 0;
	size_t off;
	long f;
	int r;

	*faults = 0;
	for (r = 0; r < rounds; r++) {
		for (off = 0; off < len; off += EXTENT) {
			__u64 start = vmpool_now_ns();

			if (vm >= 0 &&
			    fallocate(vm, FALLOC_FL_PUNCH_HOLE |
				      FALLOC_FL_KEEP_SIZE, off, EXTENT))
				die("fallocate");
			if (madvise(p + off, EXTENT, MADV_DONTNEED))
				die("madvise");
			ns += vmpool_now_ns() - start;
			ns += touch_ns(p + off, EXTENT, &f);
			*faults += f;
		}
	}
	return ns;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	size_t len = mib << 20, extents = len / EXTENT;
	struct vmpool_vm_stats st4k, st2m, st0, st;
	long f4k, f2m, fvm, fanon;
	__u64 t4k, t2m, tvm, tanon;
	const int rounds = 4;
	char *p, *anon;
	int vm;

	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die(VMPOOL_DEV);
	if (vmpool_ioctl(dev, VMPOOL_CHECK_EXTENSION, VMPOOL_CAP_PMD) != 1) {
		printf("# 2 MiB mappings: not here (no region pool, or kernel)\n");
		return 0;
	}

	printf("# 2 MiB mappings: first touch of a %zu MiB reserved VM\n", mib);
	t4k = first_touch(len, "0", &f4k, &st4k);
	t2m = first_touch(len, "1", &f2m, &st2m);
	printf("faults          4 KiB path %ld, 2 MiB path %ld (%.0fx fewer; %llu PMD faults)\n",
	       f4k, f2m, (double)f4k / (f2m ? f2m : 1),
	       (unsigned long long)st2m.pmd_faults);
	printf("bytes zeroed    4 KiB path %llu, 2 MiB path %llu (at the grow)\n",
	       (unsigned long long)st4k.bytes_zeroed,
	       (unsigned long long)st2m.bytes_zeroed);
	printf("time            4 KiB path %.1f ms, 2 MiB path %.1f ms (%.1fx less)\n",
	       t4k / 1e6, t2m / 1e6, (double)t4k / (t2m ? t2m : 1));

	printf("\n# same-tenant balloon cycle at 2 MiB, %d rounds of %zu extents\n",
	       rounds, extents);
	vm = reserved_vm(len, &p);
	touch_ns(p, len, &fvm);
	if (vmpool_vm_stats(vm, &st0))
		die("VMPOOL_VM_GET_STATS");
	tvm = balloon_ns(vm, p, len, rounds, &fvm);
	if (vmpool_vm_stats(vm, &st))
		die("VMPOOL_VM_GET_STATS");
	anon = mmap(NULL, len + EXTENT, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		die("mmap");
	anon = (char *)(((unsigned long)anon + EXTENT - 1) & ~(EXTENT - 1));
	if (madvise(anon, len, MADV_HUGEPAGE))
		die("MADV_HUGEPAGE");
	touch_ns(anon, len, &fanon);
	tanon = balloon_ns(-1, anon, len, rounds, &fanon);
	printf("faults          vmpool %ld, anonymous THP %ld (%llu PMD faults)\n",
	       fvm, fanon, (unsigned long long)(st.pmd_faults - st0.pmd_faults));
	printf("bytes zeroed    vmpool %llu (its own pages come back), anonymous THP %zu\n",
	       (unsigned long long)(st.bytes_zeroed - st0.bytes_zeroed),
	       (size_t)rounds * len);
	printf("time per cycle  vmpool %.1f us, anonymous THP %.1f us (vmpool/THP %.2f)\n",
	       tvm / 1e3 / (rounds * extents), tanon / 1e3 / (rounds * extents),
	       (double)tvm / (tanon ? tanon : 1));
	munmap(p, len);
	close(vm);
	close(dev);
	return 0;
}
