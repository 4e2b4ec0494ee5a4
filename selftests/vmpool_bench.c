// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool benchmark (not a test: it asserts nothing, it reports).
 *
 * A balloon cycle releases N MiB of guest memory and faults it back in:
 *   vmpool same-tenant   fallocate(PUNCH_HOLE) on a VM fd, re-fault
 *   vmpool cross-tenant  release + shrink to the global pool, re-fault by a
 *                        VM of a new tenant (every page zeroed)
 *   anonymous            madvise(MADV_DONTNEED), re-fault (kernel zeroes)
 *   memfd/shmem          fallocate(PUNCH_HOLE), re-fault
 * and the kernel's scrub rate (growing a pool from another tenant's pages)
 * is set against userspace memset() of the same size.  Closing a VM of
 * 1 GiB (or the pool) is set against closing one of 1/16 of that.  Every
 * figure is a ratio against a baseline measured in the same run, beside
 * the counts that do not depend on the machine.
 *
 * usage: vmpool_bench [MiB] [rounds]
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <sys/mman.h>
#include <time.h>

#include "vmpool_test.h"

#define PAGE	4096UL

static size_t len, pages;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void touch(char *p)
{
	size_t i;

	for (i = 0; i < pages; i++)
		__atomic_store_n(&p[i * PAGE], (char)i, __ATOMIC_RELAXED);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *map(int fd)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void punch(int fd)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, len))
		die("fallocate");
}

/* Best of @rounds: seconds per balloon cycle. */
static double cycle_anon(int rounds)
{
	double best = 1e9, t;
	char *p = map(-1);

	touch(p);
	while (rounds--) {
		t = now();
		if (madvise(p, len, MADV_DONTNEED))
			die("madvise");
		touch(p);
		t = now() - t;
		best = t < best ? t : best;
	}
	munmap(p, len);
	return best;
}

static double cycle_memfd(int rounds)
{
	int fd = memfd_create("bench", MFD_CLOEXEC);
	double best = 1e9, t;
	char *p;

	if (fd < 0 || ftruncate(fd, len))
		die("memfd");
	p = map(fd);
	touch(p);
	while (rounds--) {
		t = now();
		punch(fd);
		touch(p);
		t = now() - t;
		best = t < best ? t : best;
	}
	munmap(p, len);
	close(fd);
	return best;
}

static void stats(int vm, struct vmpool_vm_stats *st)
{
	if (vmpool_vm_stats(vm, st))
		die("VMPOOL_VM_GET_STATS");
}

static double cycle_same_tenant(int dev, int rounds, struct vmpool_vm_stats *d)
{
	struct vmpool_vm_stats a, b;
	double best = 1e9, t;
	int vm;
	char *p;

	vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, 0, 0, "same");
	if (vm < 0)
		die("VMPOOL_VM_CREATE");
	p = map(vm);
	touch(p);
	stats(vm, &a);
	for (int r = 0; r < rounds; r++) {
		t = now();
		punch(vm);
		touch(p);
		t = now() - t;
		best = t < best ? t : best;
	}
	stats(vm, &b);
	d->bytes_zeroed = (b.bytes_zeroed - a.bytes_zeroed) / rounds;
	d->faults_dedicated = (b.faults_dedicated - a.faults_dedicated) / rounds;
	d->faults_global = (b.faults_global - a.faults_global) / rounds;
	d->pages_recycled = (b.pages_recycled - a.pages_recycled) / rounds;
	munmap(p, len);
	close(vm);
	return best;
}

/* A VM of a tenant never seen before, its memory mapped. */
static int fresh_vm(int dev, char **p)
{
	int vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, 0, 0, "x");

	if (vm < 0)
		die("VMPOOL_VM_CREATE");
	*p = map(vm);
	return vm;
}

/*
 * Each cycle one VM releases everything to the global pool (punch, then
 * shrink) and exits; a VM of a new tenant faults the same amount back in,
 * so every page it gets held another tenant's data.
 */
static double cycle_cross_tenant(int dev, int rounds, struct vmpool_info *d)
{
	struct vmpool_info a, b;
	double best = 1e9, t;
	int vm, next, r;
	char *p, *q;

	vm = fresh_vm(dev, &p);
	touch(p);
	vmpool_info(dev, &a);
	for (r = 0; r < rounds; r++) {
		next = fresh_vm(dev, &q);
		t = now();
		punch(vm);
		if (vmpool_resize(dev, VMPOOL_POOL_SHRINK, vm, pages))
			die("VMPOOL_POOL_SHRINK");
		touch(q);
		t = now() - t;
		best = t < best ? t : best;
		munmap(p, len);
		close(vm);
		vm = next;
		p = q;
	}
	vmpool_info(dev, &b);
	d->bytes_zeroed = (b.bytes_zeroed - a.bytes_zeroed) / rounds;
	munmap(p, len);
	close(vm);
	return best;
}

/* Seconds to zero @len bytes: kernel scrub (pool grow), userspace memset. */
static void scrub_vs_memset(int dev, double *scrub, double *set, __u64 *zeroed)
{
	struct vmpool_info a, b;
	int vm, other;
	char *p;
	double t;

	/* Another tenant's data in @pages global pages. */
	other = vmpool_vm_create(dev, vmpool_new_tenant(), len, 0, 0, "dirty");
	if (other < 0)
		die("VMPOOL_VM_CREATE");
	p = map(other);
	touch(p);
	munmap(p, len);
	close(other);

	vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, 0, 0, "scrub");
	if (vm < 0)
		die("VMPOOL_VM_CREATE");
	vmpool_info(dev, &a);
	t = now();
	if (vmpool_resize(dev, VMPOOL_POOL_GROW, vm, pages))
		die("VMPOOL_POOL_GROW");
	*scrub = now() - t;
	vmpool_info(dev, &b);
	*zeroed = b.bytes_zeroed - a.bytes_zeroed;
	close(vm);

	p = map(-1);
	memset(p, 1, len);
	t = now();
	memset(p, 0, len);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	*set = now() - t;
	munmap(p, len);
}

/*
 * Closing a VM of @big pages against one of @big / 16, every page mapped:
 * the best of @rounds seconds for close() itself, and until its memory is
 * back in the global pool (INFO with VMPOOL_INFO_SETTLE after the close).
 */
static void close_cost(int dev, size_t big, int rounds, double close_s[2],
		       double back_s[2])
{
	size_t n[2] = { big / 16, big };
	double t, c, b;
	int i, r, vm;
	char *p;

	for (i = 0; i < 2; i++) {
		close_s[i] = 1e9;
		back_s[i] = 1e9;
		for (r = 0; r < rounds; r++) {
			struct vmpool_info info;

			vm = vmpool_vm_create(dev, vmpool_new_tenant(),
					      n[i] * PAGE, 0, 0, "close");
			if (vm < 0)
				die("VMPOOL_VM_CREATE");
			p = mmap(NULL, n[i] * PAGE, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vm, 0);
			if (p == MAP_FAILED ||
			    madvise(p, n[i] * PAGE, MADV_POPULATE_WRITE))
				die("populate");
			munmap(p, n[i] * PAGE);
			t = now();
			close(vm);
			c = now() - t;
			if (vmpool_info(dev, &info))
				die("VMPOOL_INFO");
			b = now() - t;
			close_s[i] = c < close_s[i] ? c : close_s[i];
			back_s[i] = b < back_s[i] ? b : back_s[i];
		}
	}
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int rounds = argc > 2 ? atoi(argv[2]) : 4;
	double anon, memfd, same, cross, scrub, set;
	struct vmpool_vm_stats sd = { 0 };
	struct vmpool_info cd = { 0 };
	double close_s[2], back_s[2];
	struct vmpool_info info;
	size_t big;
	__u64 zeroed;
	int dev;

	len = mib << 20;
	pages = len / PAGE;
	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die(VMPOOL_DEV);

	anon = cycle_anon(rounds);
	memfd = cycle_memfd(rounds);
	same = cycle_same_tenant(dev, rounds, &sd);
	cross = cycle_cross_tenant(dev, rounds, &cd);
	scrub_vs_memset(dev, &scrub, &set, &zeroed);
	if (vmpool_info(dev, &info))
		die("VMPOOL_INFO");
	/* 1 GiB against 64 MiB where the pool allows. */
	big = info.free_pages < (1UL << 30) / PAGE ? info.free_pages & ~15UL :
						      (1UL << 30) / PAGE;
	close_cost(dev, big, rounds, close_s, back_s);

	printf("# balloon cycle of %zu MiB (%zu pages), best of %d rounds\n",
	       mib, pages, rounds);
	printf("# counts per cycle (platform independent):\n");
	printf("vmpool same-tenant:  bytes_zeroed %llu, faults from dedicated %llu",
	       (unsigned long long)sd.bytes_zeroed,
	       (unsigned long long)sd.faults_dedicated);
	printf(" / global %llu, recycled %llu\n",
	       (unsigned long long)sd.faults_global,
	       (unsigned long long)sd.pages_recycled);
	printf("vmpool cross-tenant: bytes_zeroed %llu (%llu pages via the global pool)\n",
	       (unsigned long long)cd.bytes_zeroed, (unsigned long long)pages);
	printf("anonymous, memfd:    every re-fault zeroes a page in the kernel (%zu bytes)\n",
	       len);
	printf("# time ratios, measured under TCG (zeroing costs far more than on hardware):\n");
	printf("cycle cost vs anonymous 1.00: vmpool same-tenant %.2f", same / anon);
	printf(" | vmpool cross-tenant %.2f | memfd %.2f\n", cross / anon,
	       memfd / anon);
	printf("vmpool same-tenant vs memfd: %.2f\n", same / memfd);
	printf("scrub bandwidth vs userspace memset: %.2f (%llu bytes zeroed by the kernel)\n",
	       set / scrub, (unsigned long long)zeroed);
	printf("# closing a VM of %zu MiB against %zu MiB (16x the pages, all mapped):\n",
	       big * PAGE >> 20, big / 16 * PAGE >> 20);
	printf("close() %.2f (%.3f ms vs %.3f ms), ",
	       close_s[1] / close_s[0], close_s[1] * 1e3, close_s[0] * 1e3);
	printf("until the memory is back %.2f (%.1f ms vs %.1f ms)\n",
	       back_s[1] / back_s[0], back_s[1] * 1e3, back_s[0] * 1e3);
	close(dev);
	return 0;
}
