// SPDX-License-Identifier: GPL-2.0
/*
 * Each VM's fault cache: faults take their pages from it without the pool
 * lock, and take the pool lock only to refill it, a batch at a time, from
 * the VM's dedicated pool first, then from the global pool's pre-zeroed
 * reserve.  What the pool reports does not depend on the caches; pages
 * lent to one come back to whoever needs them; a VM's own released pages
 * go before lent ones; and two VMs of different tenants faulting, punching
 * and re-faulting at once, while a third grows and shrinks, never see each
 * other's data, and the audit finds every page where the counters say.
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <pthread.h>
#include <sys/mman.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define PARAMS		"pool_mb=64 scrub_low=25 scrub_high=50"

FIXTURE(cache) {
	int dev;
	struct vmpool_info info;
	__u64 high;
};

FIXTURE_SETUP(cache)
{
	self->dev = -1;
	ASSERT_EQ(0, vmpool_load(PARAMS));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
	self->high = self->info.total_pages * 50 / 100;
	/* The scrubber has zeroed half the pool: the reserve is full. */
	ASSERT_TRUE(vmpool_wait_reserve(self->dev, self->high, &self->info));
}

FIXTURE_TEARDOWN(cache)
{
	struct vmpool_audit audit;

	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.transit_pages);
	close(self->dev);
	EXPECT_EQ(0, vmpool_load("pool_mb=64"));
}

static char *map_vm(int vm, size_t pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Write @marker into the first word of each of @pages pages. */
static void mark_pages(char *p, size_t pages, __u64 marker)
{
	size_t i;

	for (i = 0; i < pages; i++)
		__atomic_store_n((__u64 *)(p + i * PAGE), marker + i,
				 __ATOMIC_RELAXED);
}

/* Pages of @pages whose first word is not @marker + their number. */
static size_t unmarked_pages(const char *p, size_t pages, __u64 marker)
{
	size_t i, n = 0;

	for (i = 0; i < pages; i++)
		n += __atomic_load_n((const __u64 *)(p + i * PAGE),
				     __ATOMIC_RELAXED) != marker + i;
	return n;
}

/*
 * A reserved VM's first touch takes its own pages, all through the cache:
 * the pool lock once per batch, not once per fault.
 */
TEST_F(cache, reserved_vm_faults_take_the_pool_lock_once_a_batch)
{
	const size_t pages = 4096;
	struct vmpool_vm_stats st;
	char *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE,
			      pages, 0, "cache");
	ASSERT_LE(0, vm);
	p = map_vm(vm, pages);
	ASSERT_NE(NULL, p);
	mark_pages(p, pages, 0x1000);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	ASSERT_EQ(VMPOOL_VM_STATS_SIZE_VER12, st.size);
	TH_LOG("%zu faults: %llu from the cache, %llu refills", pages,
	       (unsigned long long)st.cache_faults,
	       (unsigned long long)st.cache_refills);
	EXPECT_EQ(pages, st.faults_dedicated);
	EXPECT_EQ(0, st.faults_global);
	EXPECT_EQ(pages, st.cache_faults);
	EXPECT_LE(1, st.cache_refills);
	EXPECT_GE(pages / 16, st.cache_refills);
	EXPECT_EQ(pages, st.mapped_pages);
	EXPECT_EQ(0, st.dedicated_pages);
	EXPECT_EQ(0, st.bytes_zeroed);
	EXPECT_EQ(0, unmarked_pages(p, pages, 0x1000));
	munmap(p, pages * PAGE);
	close(vm);
}

/*
 * A new tenant's VM takes pre-zeroed pages of the reserve, lent to its
 * cache a batch at a time: all read as zero, none zeroed at the fault,
 * and the pool reports them as if each had been taken alone.
 */
TEST_F(cache, a_new_tenants_faults_take_the_reserve_a_batch_at_a_time)
{
	const size_t pages = 2048;
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	size_t i, nonzero = 0;
	char *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE, 0,
			      0, "lent");
	ASSERT_LE(0, vm);
	p = map_vm(vm, pages);
	ASSERT_NE(NULL, p);
	for (i = 0; i < pages * PAGE / sizeof(__u64); i++)
		nonzero += __atomic_load_n((__u64 *)p + i, __ATOMIC_RELAXED) != 0;
	EXPECT_EQ(0, nonzero);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	TH_LOG("%zu faults: %llu from the cache, %llu refills", pages,
	       (unsigned long long)st.cache_faults,
	       (unsigned long long)st.cache_refills);
	EXPECT_EQ(pages, st.faults_global);
	EXPECT_EQ(pages, st.cache_faults);
	EXPECT_GE(pages / 16, st.cache_refills);
	EXPECT_EQ(0, st.bytes_zeroed);
	EXPECT_EQ(pages, st.mapped_pages);
	EXPECT_EQ(0, st.dedicated_pages);

	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(self->info.free_pages - pages, info.free_pages);
	EXPECT_EQ(pages, info.mapped_pages);
	EXPECT_EQ(0, info.dedicated_pages);
	EXPECT_EQ(self->info.reserve_hits + pages, info.reserve_hits);
	EXPECT_EQ(self->info.reserve_misses, info.reserve_misses);
	/* Pages still lent to the cache are in the reserve. */
	EXPECT_EQ(self->high - pages, info.reserve_pages);
	EXPECT_EQ(self->info.bytes_zeroed, info.bytes_zeroed);
	munmap(p, pages * PAGE);
	close(vm);
}

/*
 * Free pages lent to one VM's cache come back to a grow that wants every
 * free page of the pool.
 */
TEST_F(cache, lent_pages_come_back_to_a_grow)
{
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	int a, b;
	char *p;

	a = vmpool_vm_create(self->dev, vmpool_new_tenant(), 64 * PAGE, 0, 0,
			     "a");
	ASSERT_LE(0, a);
	p = map_vm(a, 64);
	ASSERT_NE(NULL, p);
	/* One fault: the rest of the batch stays lent to the cache. */
	p[0] = 1;
	ASSERT_EQ(0, vmpool_vm_stats(a, &st));
	EXPECT_EQ(1, st.cache_refills);
	EXPECT_EQ(1, st.mapped_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(self->info.free_pages - 1, info.free_pages);

	/* Every free page, those lent included. */
	b = vmpool_vm_create(self->dev, vmpool_new_tenant(),
			     info.free_pages * PAGE, info.free_pages, 0, "b");
	ASSERT_LE(0, b);
	ASSERT_EQ(0, vmpool_vm_stats(b, &st));
	EXPECT_EQ(info.free_pages, st.dedicated_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.free_pages);
	EXPECT_EQ(0, info.reserve_pages);
	ASSERT_EQ(0, vmpool_vm_stats(a, &st));
	EXPECT_EQ(1, st.mapped_pages);
	EXPECT_EQ(1, p[0]);
	munmap(p, 64 * PAGE);
	close(b);
	close(a);
}

/*
 * Pages a VM released go back to it before the pages its cache holds,
 * lent by the global pool: a punch and a re-fault take its own pages.
 */
TEST_F(cache, released_pages_go_before_lent_ones)
{
	const size_t size = 64, pages = 40, punched = 8;
	struct vmpool_vm_stats before, after;
	char *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), size * PAGE, 0,
			      0, "order");
	ASSERT_LE(0, vm);
	p = map_vm(vm, size);
	ASSERT_NE(NULL, p);
	/* Two batches: of the second one, 24 pages are left lent. */
	mark_pages(p, pages, 0x2000);
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, punched * PAGE));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &before));
	EXPECT_EQ(punched, before.dedicated_pages);
	mark_pages(p, punched, 0x3000);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &after));
	EXPECT_EQ(punched, after.faults_dedicated - before.faults_dedicated);
	EXPECT_EQ(0, after.faults_global - before.faults_global);
	EXPECT_EQ(punched, after.pages_recycled - before.pages_recycled);
	EXPECT_EQ(0, after.dedicated_pages);
	EXPECT_EQ(0, unmarked_pages(p, punched, 0x3000));
	EXPECT_EQ(0, unmarked_pages(p + punched * PAGE, pages - punched,
				    0x2000 + punched));
	munmap(p, size * PAGE);
	close(vm);
}

#define RACE_PAGES	1024
#define RACE_ROUNDS	30

struct racer {
	int vm;
	char *p;
	__u64 marker;
	size_t foreign;		/* pages found holding another's data */
	size_t lost;		/* pages that lost what this VM wrote */
	int err;
};

/*
 * Touch every page, checking that it holds zeros or this VM's own words
 * (released pages come back unzeroed), write the VM's words, check them,
 * punch them all; again.
 */
static void *racer(void *arg)
{
	struct racer *r = arg;
	size_t i, round;
	__u64 w;

	for (round = 0; round < RACE_ROUNDS; round++) {
		for (i = 0; i < RACE_PAGES; i++) {
			w = __atomic_load_n((__u64 *)(r->p + i * PAGE),
					    __ATOMIC_RELAXED);
			if (w && (w >> 32) != r->marker)
				r->foreign++;
			__atomic_store_n((__u64 *)(r->p + i * PAGE),
					 r->marker << 32 | i, __ATOMIC_RELAXED);
		}
		for (i = 0; i < RACE_PAGES; i++)
			r->lost += __atomic_load_n((__u64 *)(r->p + i * PAGE),
						   __ATOMIC_RELAXED) !=
				   (r->marker << 32 | i);
		if (fallocate(r->vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      0, RACE_PAGES * PAGE)) {
			r->err = errno;
			break;
		}
	}
	return NULL;
}

/*
 * Two VMs of two tenants fault, punch and fault again at once, through
 * their caches, while a third VM grows and shrinks (draining caches and
 * taking lent pages back) and the pool is listed and audited: nothing of
 * one reaches the other, nothing written is lost, every page is
 * accounted for.
 */
TEST_F_TIMEOUT(cache, two_vms_fault_at_once_while_pages_move, 300)
{
	struct racer r[2] = {};
	struct vmpool_vm_stats st;
	struct vmpool_audit audit;
	struct vmpool_info info;
	unsigned int audits = 0;
	pthread_t th[2];
	int mover, i;

	for (i = 0; i < 2; i++) {
		r[i].marker = 0xa11ce000 + i;
		r[i].vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
					   RACE_PAGES * PAGE, 0, 0, "racer");
		ASSERT_LE(0, r[i].vm);
		r[i].p = map_vm(r[i].vm, RACE_PAGES);
		ASSERT_NE(NULL, r[i].p);
	}
	mover = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				 self->info.total_pages * PAGE, 0, 0, "mover");
	ASSERT_LE(0, mover);

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer, &r[i]));
	for (i = 0; i < 2; i++) {
		while (pthread_tryjoin_np(th[i], NULL)) {
			ASSERT_EQ(0, vmpool_info_now(self->dev, &info));
			/* Most of what is free, lent pages included. */
			if (info.free_pages > 4 * RACE_PAGES &&
			    !vmpool_resize(self->dev, VMPOOL_POOL_GROW, mover,
					   info.free_pages - 4 * RACE_PAGES))
				ASSERT_EQ(0, vmpool_resize(self->dev,
							   VMPOOL_POOL_SHRINK,
							   mover,
							   info.free_pages -
							   4 * RACE_PAGES));
			ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
			ASSERT_EQ(0, audit.errors);
			audits++;
		}
	}
	TH_LOG("%u audits while they ran", audits);
	EXPECT_LT(0, audits);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, r[i].err);
		EXPECT_EQ(0, r[i].foreign);
		EXPECT_EQ(0, r[i].lost);
		ASSERT_EQ(0, vmpool_vm_stats(r[i].vm, &st));
		TH_LOG("vm %d: %llu faults, %llu from the cache, %llu refills",
		       i, (unsigned long long)(st.faults_dedicated +
					       st.faults_global),
		       (unsigned long long)st.cache_faults,
		       (unsigned long long)st.cache_refills);
		EXPECT_EQ((__u64)RACE_PAGES * RACE_ROUNDS,
			  st.faults_dedicated + st.faults_global);
		EXPECT_LT(st.cache_refills, st.cache_faults);
		EXPECT_EQ(0, st.mapped_pages);
		munmap(r[i].p, RACE_PAGES * PAGE);
		close(r[i].vm);
	}
	close(mover);
}

TEST_HARNESS_MAIN
