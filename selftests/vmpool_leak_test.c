// SPDX-License-Identifier: GPL-2.0
/*
 * Leak hunting: $VMPOOL_LEAK_CYCLES (default 1000) random cycles of create,
 * write a tenant marker, release, grow, shrink, split, merge and destroy,
 * over VMs of three tenants.  After every cycle every byte every live VM
 * can see is scanned: it must hold zeros or its own tenant's marker, never
 * another tenant's.  VMPOOL_SEED replays a run.  Once with the background
 * scrubber off, once with it zeroing free pages all along, and once on a
 * region pool whose VMs' 2 MiB extents are mapped with one PMD (a fifth
 * of the cycles, over VMs of up to four extents): writes touch whole
 * extents, punches take single pages out of PMDs (a 4 KiB balloon page)
 * or whole extents.
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <sys/mman.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define VMS		6
#define TENANTS		3
#define MAX_PAGES	64
#define EXTENT_PAGES	512
#define MAX_EXTENTS	4
#define MARKER		0x4c45414b00000000ULL	/* "LEAK" */

struct vm {
	int fd;
	__u32 tenant;
	char *mem;
	size_t pages;
};

FIXTURE(leak) {
	int dev;
	struct vm vms[VMS];
	__u32 tenants[TENANTS];
	unsigned long foreign, scanned;
	long long pool_mb;
};

FIXTURE_VARIANT(leak) {
	unsigned int scrub_low, scrub_high;
	bool pmd;
};

FIXTURE_VARIANT_ADD(leak, scrubber_off) {
};

/* Refilled at 10% of the pool, to 30%: it keeps up with the cycles. */
FIXTURE_VARIANT_ADD(leak, scrubber_on) {
	.scrub_low = 10,
	.scrub_high = 30,
};

/* A region pool: extents of 512 pages mapped with one PMD. */
FIXTURE_VARIANT_ADD(leak, pmd) {
	.pmd = true,
};

FIXTURE_SETUP(leak)
{
	char params[128];
	int i;

	self->dev = -1;
	self->pool_mb = vmpool_param("pool_mb");
	if (variant->pmd) {
		if (vmpool_source_params(VMPOOL_SOURCE_REGION, params,
					 sizeof(params)))
			SKIP(return, VMPOOL_NO_SOURCE);
		ASSERT_EQ(0, vmpool_load(params));
	}
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, self->dev);
	if (variant->pmd &&
	    vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION, VMPOOL_CAP_PMD) != 1)
		SKIP(return, "no PMD mappings on this kernel");
	for (i = 0; i < VMS; i++)
		self->vms[i].fd = -1;
	for (i = 0; i < TENANTS; i++)
		self->tenants[i] = vmpool_new_tenant();
	ASSERT_EQ(0, vmpool_scrub_marks(variant->scrub_low,
					variant->scrub_high));
}

FIXTURE_TEARDOWN(leak)
{
	char params[32];

	if (self->dev < 0)
		return;
	EXPECT_EQ(0, vmpool_scrub_marks(0, 0));
	close(self->dev);
	/* The pool the other programs expect. */
	if (variant->pmd && self->pool_mb > 0) {
		snprintf(params, sizeof(params), "pool_mb=%lld", self->pool_mb);
		EXPECT_EQ(0, vmpool_load(params));
	}
}

static void vm_destroy(struct vm *v)
{
	if (v->fd < 0)
		return;
	munmap(v->mem, v->pages * PAGE);
	close(v->fd);
	v->fd = -1;
}

/* Words in @v's memory carrying another tenant's marker. */
static unsigned long scan(struct vm *v, unsigned long *scanned)
{
	const __u64 *w = (const __u64 *)v->mem;
	unsigned long foreign = 0;
	size_t i, n = v->pages * PAGE / sizeof(*w);

	for (i = 0; i < n; i++) {
		if ((w[i] >> 32) == (MARKER >> 32) && (__u32)w[i] != v->tenant)
			foreign++;
	}
	*scanned += v->pages;
	return foreign;
}

TEST_F_TIMEOUT(leak, multi_tenant_cycles, 3600)
{
	const char *cycles_env = getenv("VMPOOL_LEAK_CYCLES");
	const char *seed_env = getenv("VMPOOL_SEED");
	unsigned long cycles = cycles_env ? strtoul(cycles_env, NULL, 0) : 1000;
	unsigned int seed = seed_env ? atoi(seed_env) : 20261122;
	unsigned long c, moves = 0, zeroed0, scrubbed0, huge = 0;
	size_t first, n, i, unit = variant->pmd ? EXTENT_PAGES : 1;
	struct vmpool_vm_stats st;
	struct vmpool_audit audit;
	struct vmpool_info info;
	struct vm *v, *w;
	int k;

	if (variant->pmd)
		cycles = (cycles + 4) / 5;
	TH_LOG("seed %u, %lu cycles", seed, cycles);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	zeroed0 = info.bytes_zeroed;
	scrubbed0 = info.scrubbed_bytes;

	/*
	 * A tenant no cycle uses first fills the whole pool and exits: every
	 * page the cycles get holds its data until zeroed.
	 */
	v = &self->vms[0];
	v->pages = info.free_pages;
	v->tenant = vmpool_new_tenant();
	v->fd = vmpool_vm_create(self->dev, v->tenant, v->pages * PAGE, 0, 0,
				 "filler");
	ASSERT_LE(0, v->fd);
	v->mem = mmap(NULL, v->pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	ASSERT_NE(MAP_FAILED, v->mem);
	for (i = 0; i < v->pages * PAGE / 8; i++)
		((__u64 *)v->mem)[i] = MARKER | v->tenant;
	vm_destroy(v);

	for (c = 0; c < cycles; c++) {
		v = &self->vms[rand_r(&seed) % VMS];
		w = &self->vms[rand_r(&seed) % VMS];
		if (v->fd < 0) {
			v->pages = variant->pmd ?
				   (1 + rand_r(&seed) % MAX_EXTENTS) * unit :
				   1 + rand_r(&seed) % MAX_PAGES;
			v->tenant = self->tenants[rand_r(&seed) % TENANTS];
			v->fd = vmpool_vm_create(self->dev, v->tenant,
						 v->pages * PAGE,
						 rand_r(&seed) % (v->pages + 1),
						 0, "leak");
			ASSERT_LE(0, v->fd);
			v->mem = mmap(NULL, v->pages * PAGE,
				      PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
			ASSERT_NE(MAP_FAILED, v->mem);
		}
		/* On extents, or (a 4 KiB punch in a PMD) on one page. */
		first = rand_r(&seed) % (v->pages / unit) * unit;
		n = (1 + rand_r(&seed) % ((v->pages - first) / unit)) * unit;
		if (unit > 1 && rand_r(&seed) % 2) {
			first += rand_r(&seed) % unit;
			n = 1;
		}

		switch (rand_r(&seed) % 7) {
		case 0:		/* write the tenant's marker */
		case 1:
			for (i = first * PAGE / 8; i < (first + n) * PAGE / 8; i++)
				((__u64 *)v->mem)[i] = MARKER | v->tenant;
			break;
		case 2:		/* balloon inflate */
			ASSERT_EQ(0, fallocate(v->fd, FALLOC_FL_PUNCH_HOLE |
					       FALLOC_FL_KEEP_SIZE,
					       first * PAGE, n * PAGE));
			break;
		case 3:		/* to and from the global pool */
			vmpool_resize(self->dev, VMPOOL_POOL_SHRINK, v->fd, n);
			vmpool_resize(self->dev, VMPOOL_POOL_GROW, v->fd,
				      rand_r(&seed) % 8);
			break;
		case 4:		/* split or merge, whatever the tenants */
			if (w->fd >= 0 && w != v &&
			    vmpool_move(self->dev, v->fd, w->fd,
					rand_r(&seed) % 2 ? n : 0) >= 0)
				moves++;
			break;
		case 5:
			if (v->fd >= 0 && !vmpool_vm_stats(v->fd, &st))
				huge += st.huge_pages / EXTENT_PAGES;
			vm_destroy(v);
			break;
		default:	/* populate */
			fallocate(v->fd, 0, first * PAGE, n * PAGE);
			break;
		}

		/* Everything every live VM can see. */
		for (k = 0; k < VMS; k++) {
			if (self->vms[k].fd >= 0)
				self->foreign += scan(&self->vms[k],
						      &self->scanned);
		}
		ASSERT_EQ(0, self->foreign) {
			TH_LOG("cycle %lu: another tenant's data seen", c);
		}
	}
	for (k = 0; k < VMS; k++)
		vm_destroy(&self->vms[k]);

	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	TH_LOG("%lu cycles, %lu pages scanned, %lu split/merge, 0 foreign bytes",
	       cycles, self->scanned, moves);
	if (variant->pmd) {
		TH_LOG("%lu extents backed by whole blocks at the VMs' end",
		       huge);
		EXPECT_LT(0, huge);
	}
	TH_LOG("%llu bytes zeroed by VMs, %llu by the scrubber",
	       (unsigned long long)(info.bytes_zeroed - zeroed0),
	       (unsigned long long)(info.scrubbed_bytes - scrubbed0));
	EXPECT_LT(0, moves);
	/* Zeroed at the fault, or ahead of it by the scrubber (if it is on). */
	EXPECT_LT(0, (info.bytes_zeroed - zeroed0) +
		     (info.scrubbed_bytes - scrubbed0));
	EXPECT_EQ(!!variant->scrub_high, info.scrubbed_bytes > scrubbed0);
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(info.total_pages, info.free_pages);
}

TEST_HARNESS_MAIN
