// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool fault latency (not a test: it asserts nothing, it reports).
 *
 * N first writes to pages of a VM, each timed on its own:
 *   same tenant     re-faults of pages the VM released (its dedicated pool,
 *                   nothing zeroed)
 *   cross, reserve  faults of a new tenant's VM with the scrubber's
 *                   pre-zeroed reserve full
 *   cross, inline   the same with the scrubber off and the reserve empty:
 *                   each page zeroed at the fault
 * p50 and p99 of each, and their ratios to the same-tenant fault, after the
 * counts that do not depend on the machine.  The scrubber's watermarks are
 * set for the run and put back after it.
 *
 * Then what one VM's faults suffer from another's work:
 *   B's same-tenant re-faults alone, and while VM A, of another tenant,
 *   grows by 256 MiB of pages that need zeroing, splits them to a VM of a
 *   third tenant, merges them back and shrinks again (p50 / p99 / worst,
 *   and the ratios);
 *   re-faults per second of one thread on one VM, and of two threads on
 *   two VMs at once (the ratio: 2.0 if they never wait for each other),
 *   after how many of those faults took the pool lock (to refill the VM's
 *   fault cache);
 *   the same for faults on pages still backed, their page table entries
 *   zapped (MADV_DONTNEED, as KVM's MMU notifier or the idle sampling
 *   zap them), with a memfd of the same size as the baseline.
 *
 * usage: vmpool_fault_bench [pages]
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

#include "vmpool_test.h"

#define PAGE	4096UL

static int dev;
static size_t n;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void set_param(const char *name, unsigned long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", val);
	if (vmpool_set_param(name, buf))
		die(name);
}

static void info(struct vmpool_info *i)
{
	if (vmpool_info(dev, i))
		die("VMPOOL_INFO");
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Time the first write to each of @n pages at @p; sorted into @t. */
static void time_faults(char *p, double *t)
{
	struct timespec a, b;
	size_t i;

	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		__atomic_store_n(&p[i * PAGE], 1, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(t, n, sizeof(*t), cmp);
}

static int new_vm(const char *name, char **p)
{
	int vm = vmpool_vm_create(dev, vmpool_new_tenant(), n * PAGE, 0, 0,
				  name);

	if (vm < 0)
		die("VMPOOL_VM_CREATE");
	*p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	if (*p == MAP_FAILED)
		die("mmap");
	return vm;
}

static void drop_vm(int vm, char *p)
{
	munmap(p, n * PAGE);
	close(vm);
}

/* Re-faults of pages the VM released: its dedicated pool. */
static void same_tenant(double *t, __u64 *zeroed)
{
	struct vmpool_vm_stats st;
	char *p;
	int vm;

	vm = new_vm("same", &p);
	memset(p, 1, n * PAGE);
	if (fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		      n * PAGE))
		die("fallocate");
	if (vmpool_vm_stats(vm, &st))
		die("VMPOOL_VM_GET_STATS");
	*zeroed = st.bytes_zeroed;
	time_faults(p, t);
	if (vmpool_vm_stats(vm, &st))
		die("VMPOOL_VM_GET_STATS");
	*zeroed = st.bytes_zeroed - *zeroed;
	drop_vm(vm, p);
}

/* A new tenant's faults from the global pool; what they zeroed, hits. */
static void cross_tenant(double *t, __u64 *zeroed, __u64 *hits)
{
	struct vmpool_vm_stats st;
	struct vmpool_info a, b;
	char *p;
	int vm;

	vm = new_vm("cross", &p);
	info(&a);
	time_faults(p, t);
	info(&b);
	if (vmpool_vm_stats(vm, &st))
		die("VMPOOL_VM_GET_STATS");
	*zeroed = st.bytes_zeroed;
	*hits = b.reserve_hits - a.reserve_hits;
	drop_vm(vm, p);
}

/* Set to end the threads' loops. */
static int stop;

/* Percentile @q of the sorted @t of @len entries. */
static double pct_of(const double *t, size_t len, unsigned int q)
{
	return t[len * q / 100];
}

/* A VM with @n pages touched once and released to its dedicated pool. */
static int released_vm(const char *name, char **p)
{
	int vm = new_vm(name, p);

	memset(*p, 1, n * PAGE);
	if (fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		      n * PAGE))
		die("fallocate");
	return vm;
}

/*
 * VM A's work: grow by @arg pages of another tenant's data, split them to
 * a VM of a third tenant, merge them back, shrink.
 */
static void *grower(void *arg)
{
	unsigned long pages = (unsigned long)arg;
	int vm, vm2, dirty;
	char *p;

	/* Another tenant's data in the global pool, then A grows over it. */
	dirty = vmpool_vm_create(dev, vmpool_new_tenant(), pages * PAGE, 0, 0,
				 "dirty");
	if (dirty < 0)
		die("VMPOOL_VM_CREATE");
	p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, dirty,
		 0);
	if (p == MAP_FAILED || madvise(p, pages * PAGE, MADV_POPULATE_WRITE))
		die("populate");
	munmap(p, pages * PAGE);
	close(dirty);
	vm = vmpool_vm_create(dev, vmpool_new_tenant(), pages * PAGE, 0, 0, "a");
	vm2 = vmpool_vm_create(dev, vmpool_new_tenant(), pages * PAGE, 0, 0,
			       "a2");
	if (vm < 0 || vm2 < 0)
		die("VMPOOL_VM_CREATE");
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (vmpool_resize(dev, VMPOOL_POOL_GROW, vm, pages) ||
		    vmpool_move(dev, vm, vm2, pages) < 0 ||
		    vmpool_move(dev, vm2, vm, 0) < 0 ||
		    vmpool_resize(dev, VMPOOL_POOL_SHRINK, vm, pages))
			die("grow/split/merge/shrink");
	}
	close(vm2);
	close(vm);
	return NULL;
}

/* B's re-faults, @rounds times over its @n pages, into @t (sorted). */
static void refaults(int vm, char *p, int rounds, double *t)
{
	int r;

	for (r = 0; r < rounds; r++) {
		if (fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			      n * PAGE))
			die("fallocate");
		time_faults(p, t + r * n);
	}
	qsort(t, rounds * n, sizeof(*t), cmp);
}

/* B's fault latency alone and while A grows, splits... across tenants. */
static void under_grow(double *alone, double *busy, int rounds)
{
	pthread_t a;
	char *p;
	int vm;

	vm = released_vm("b", &p);
	refaults(vm, p, rounds, alone);
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	if (pthread_create(&a, NULL, grower, (void *)(65536UL)))
		die("pthread_create");
	usleep(200 * 1000);
	refaults(vm, p, rounds, busy);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(a, NULL);
	drop_vm(vm, p);
}

/* What a faulter does before touching its pages again. */
enum refault {
	REFAULT_PUNCH,		/* release them to the VM's dedicated pool */
	REFAULT_ZAP,		/* zap their page table entries only */
	REFAULT_ZAP_MEMFD,	/* the same, on a memfd */
};

struct faulter {
	int vm;
	char *p;
	enum refault how;
	unsigned long faults;
	__u64 taken;		/* pages its VM's faults took before */
	__u64 locked;		/* of those, with the pool lock */
};

/* Pages @vm's faults took, and how many of them with the pool lock. */
static void vm_taken(int vm, __u64 *taken, __u64 *locked)
{
	struct vmpool_vm_stats st;

	if (vmpool_vm_stats(vm, &st))
		die("VMPOOL_VM_GET_STATS");
	*taken = st.faults_dedicated + st.faults_global;
	*locked = *taken - st.cache_faults + st.cache_refills;
}

/* Re-fault the VM's pages until told to stop; count them. */
static void *faulter(void *arg)
{
	struct faulter *f = arg;
	size_t i;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (f->how == REFAULT_PUNCH &&
		    fallocate(f->vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      0, n * PAGE))
			die("fallocate");
		if (f->how != REFAULT_PUNCH &&
		    madvise(f->p, n * PAGE, MADV_DONTNEED))
			die("madvise");
		for (i = 0; i < n && !__atomic_load_n(&stop, __ATOMIC_RELAXED);
		     i++, f->faults++)
			__atomic_store_n(&f->p[i * PAGE], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* A memfd of @n pages, written once, mapped shared at *@p. */
static int memfd_touched(char **p)
{
	int fd = memfd_create("bench", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, n * PAGE))
		die("memfd");
	*p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*p == MAP_FAILED)
		die("mmap");
	memset(*p, 1, n * PAGE);
	return fd;
}

/*
 * Faults per second of @nr threads on a VM (or memfd) each, over @secs
 * seconds, the pages made to fault again as @how says; the VMs' faults
 * that took a page are added to *@taken (if given), those of them that
 * took the pool lock (to refill the VM's fault cache, or without it) to
 * *@locked.
 */
static double parallel_rate(int nr, unsigned int secs, enum refault how,
			    __u64 *taken, __u64 *locked)
{
	struct faulter f[2];
	__u64 t, l;
	unsigned long sum = 0;
	pthread_t th[2];
	struct timespec a, b;
	int i;

	for (i = 0; i < nr; i++) {
		f[i].faults = 0;
		f[i].how = how;
		if (how == REFAULT_ZAP_MEMFD) {
			f[i].vm = memfd_touched(&f[i].p);
		} else {
			f[i].vm = released_vm("par", &f[i].p);
			/* Backed again, to stay so. */
			if (how == REFAULT_ZAP)
				memset(f[i].p, 1, n * PAGE);
			vm_taken(f[i].vm, &f[i].taken, &f[i].locked);
		}
	}
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < nr; i++)
		if (pthread_create(&th[i], NULL, faulter, &f[i]))
			die("pthread_create");
	sleep(secs);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++) {
		pthread_join(th[i], NULL);
		sum += f[i].faults;
		if (taken && how != REFAULT_ZAP_MEMFD) {
			vm_taken(f[i].vm, &t, &l);
			*taken += t - f[i].taken;
			*locked += l - f[i].locked;
		}
		drop_vm(f[i].vm, f[i].p);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return sum / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}

int main(int argc, char **argv)
{
	long long low = vmpool_param("scrub_low"), high = vmpool_param("scrub_high");
	__u64 z_same, z_res, z_in, h_res, h_in;
	double *same, *res, *in;
	struct vmpool_info i;
	unsigned long pct;
	int k, vm;

	n = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096;
	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0 || low < 0 || high < 0)
		die(VMPOOL_DEV);
	same = calloc(n, sizeof(*same));
	res = calloc(n, sizeof(*res));
	in = calloc(n, sizeof(*in));
	if (!same || !res || !in)
		die("calloc");

	same_tenant(same, &z_same);

	/*
	 * A reserve of twice the pages the faults take, filled up to the high
	 * mark, and then no low mark: the scrubber is idle while they run.
	 */
	info(&i);
	pct = (2 * n * 100 + i.total_pages - 1) / i.total_pages;
	set_param("scrub_high", pct);
	set_param("scrub_low", pct);
	for (k = 0; k < 600; k++) {
		info(&i);
		if (i.reserve_pages >= i.total_pages * pct / 100)
			break;
		usleep(100 * 1000);
	}
	set_param("scrub_low", 0);
	cross_tenant(res, &z_res, &h_res);

	/* Off, and the reserve taken by a VM that keeps it. */
	set_param("scrub_low", 0);
	set_param("scrub_high", 0);
	info(&i);
	vm = vmpool_vm_create(dev, vmpool_new_tenant(), i.total_pages * PAGE,
			      i.reserve_pages, 0, "drain");
	if (vm < 0)
		die("VMPOOL_VM_CREATE");
	cross_tenant(in, &z_in, &h_in);
	close(vm);
	set_param("scrub_low", low);
	set_param("scrub_high", high);

	printf("# %zu first writes each, timed one by one\n", n);
	printf("# counts (platform independent):\n");
	printf("same tenant:    bytes_zeroed %llu\n", (unsigned long long)z_same);
	printf("cross, reserve: bytes_zeroed %llu, %llu pages from the reserve\n",
	       (unsigned long long)z_res, (unsigned long long)h_res);
	printf("cross, inline:  bytes_zeroed %llu, %llu pages from the reserve\n",
	       (unsigned long long)z_in, (unsigned long long)h_in);
	printf("# latency in us under TCG, p50 / p99, and against the same-tenant fault:\n");
	printf("same tenant:    %.1f / %.1f\n", same[n / 2], same[n * 99 / 100]);
	printf("cross, reserve: %.1f / %.1f  (%.2f / %.2f)\n", res[n / 2],
	       res[n * 99 / 100], res[n / 2] / same[n / 2],
	       res[n * 99 / 100] / same[n * 99 / 100]);
	printf("cross, inline:  %.1f / %.1f  (%.2f / %.2f)\n", in[n / 2],
	       in[n * 99 / 100], in[n / 2] / same[n / 2],
	       in[n * 99 / 100] / same[n * 99 / 100]);
	free(same);
	free(res);
	free(in);

	{
		const int rounds = 4;
		double *alone = calloc(rounds * n, sizeof(double));
		double *busy = calloc(rounds * n, sizeof(double));
		double one, two, zap1, zap2, memfd1, memfd2;
		__u64 taken = 0, locked = 0;

		if (!alone || !busy)
			die("calloc");
		under_grow(alone, busy, rounds);
		one = parallel_rate(1, 3, REFAULT_PUNCH, &taken, &locked);
		two = parallel_rate(2, 3, REFAULT_PUNCH, &taken, &locked);
		zap1 = parallel_rate(1, 3, REFAULT_ZAP, NULL, NULL);
		zap2 = parallel_rate(2, 3, REFAULT_ZAP, NULL, NULL);
		memfd1 = parallel_rate(1, 3, REFAULT_ZAP_MEMFD, NULL, NULL);
		memfd2 = parallel_rate(2, 3, REFAULT_ZAP_MEMFD, NULL, NULL);
		printf("# B's re-faults (%d x %zu), alone and while A grows, ",
		       rounds, n);
		printf("splits, merges and shrinks 256 MiB across tenants:\n");
		printf("alone:        %.1f / %.1f us, worst %.1f us\n",
		       pct_of(alone, rounds * n, 50),
		       pct_of(alone, rounds * n, 99), alone[rounds * n - 1]);
		printf("during A:     %.1f / %.1f us, worst %.1f us  (%.2f / %.2f / %.2f)\n",
		       pct_of(busy, rounds * n, 50), pct_of(busy, rounds * n, 99),
		       busy[rounds * n - 1],
		       pct_of(busy, rounds * n, 50) / pct_of(alone, rounds * n, 50),
		       pct_of(busy, rounds * n, 99) / pct_of(alone, rounds * n, 99),
		       busy[rounds * n - 1] / alone[rounds * n - 1]);
		printf("# re-faults that took a page; of those, the pool lock:\n");
		printf("re-faults: %llu, pool lock: %llu (1 in %.1f)\n",
		       (unsigned long long)taken, (unsigned long long)locked,
		       locked ? (double)taken / locked : 0.0);
		printf("# re-faults per second, one thread on one VM, two on two:\n");
		printf("one: %.0f, two: %.0f (%.2f)\n", one, two, two / one);
		printf("# faults per second on backed pages (zapped), one thread on one VM,\n");
		printf("# two on two; the same on a memfd, and vmpool against it:\n");
		printf("vmpool: one %.0f, two %.0f (%.2f)\n", zap1, zap2,
		       zap2 / zap1);
		printf("memfd:  one %.0f, two %.0f (%.2f)\n", memfd1, memfd2,
		       memfd2 / memfd1);
		printf("vmpool / memfd: one %.2f, two %.2f\n", zap1 / memfd1,
		       zap2 / memfd2);
		free(alone);
		free(busy);
	}
	close(dev);
	return 0;
}
