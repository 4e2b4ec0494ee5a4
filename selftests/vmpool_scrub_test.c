// SPDX-License-Identifier: GPL-2.0
/*
 * The background scrubber: with scrub_low=25 and scrub_high=50 it zeroes
 * free pages that hold data (fresh from the source at load, or a closed
 * VM's) until half the pool is pre-zeroed, and again whenever the reserve
 * falls below a quarter.  VMs of other tenants take those pages without
 * zeroing them at the fault, and find nothing of the tenant before them.
 * The thread is of the SCHED_IDLE class; the watermarks are writable
 * module parameters, checked.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/mman.h>
#include <time.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define PARAMS		"pool_mb=64 scrub_low=25 scrub_high=50"
#define MARKER		0x5c2b5c2b5c2b5c2bULL

FIXTURE(scrub) {
	int dev;
	struct vmpool_info info;
	__u64 low, high;
};

/* Pages of [p, p+len) not entirely zero. */
static size_t nonzero_pages(const void *p, size_t len)
{
	const __u64 *w = p;
	size_t i, j, n = 0;

	for (i = 0; i < len / PAGE; i++)
		for (j = 0; j < PAGE / sizeof(*w); j++)
			if (w[i * PAGE / sizeof(*w) + j]) {
				n++;
				break;
			}
	return n;
}

FIXTURE_SETUP(scrub)
{
	self->dev = -1;
	/* A fresh pool: every page dirty, the scrubber on from the start. */
	ASSERT_EQ(0, vmpool_load("pool_mb=64"));
	ASSERT_EQ(0, vmpool_load(PARAMS));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
	ASSERT_LE(VMPOOL_INFO_SIZE_VER4, self->info.size);
	self->low = self->info.total_pages * 25 / 100;
	self->high = self->info.total_pages * 50 / 100;
	ASSERT_TRUE(vmpool_wait_reserve(self->dev, self->high, &self->info));
}

FIXTURE_TEARDOWN(scrub)
{
	struct vmpool_audit audit;

	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.transit_pages);
	close(self->dev);
	/* The next test finds the scrubber off. */
	EXPECT_EQ(0, vmpool_load("pool_mb=64"));
}

/* Pages of a fresh pool, all dirty, are zeroed up to the high mark. */
TEST_F(scrub, load_fills_the_reserve_to_the_high_mark)
{
	struct vmpool_info *info = &self->info;

	EXPECT_EQ(self->high, info->reserve_pages);
	EXPECT_EQ(self->high * PAGE, info->scrubbed_bytes);
	EXPECT_EQ(info->total_pages, info->free_pages);
	/* No VM waited for any of it. */
	EXPECT_EQ(0, info->bytes_zeroed);
	EXPECT_EQ(0, info->reserve_hits);
	EXPECT_EQ(0, info->reserve_misses);
	/* And it stays there. */
	usleep(300 * 1000);
	ASSERT_EQ(0, vmpool_info(self->dev, info));
	EXPECT_EQ(self->high, info->reserve_pages);
}

/*
 * A VM's faults take pre-zeroed pages and zero none; below the low mark
 * the scrubber refills the reserve from the pages still dirty.
 */
TEST_F(scrub, faults_take_zeroed_pages_and_the_reserve_refills)
{
	size_t n = self->high - self->low, i, nonzero = 0;
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	unsigned char *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
			      self->info.total_pages * PAGE, 0, 0, "scrub");
	ASSERT_LE(0, vm);
	p = mmap(NULL, (n + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vm, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* Down to the low mark exactly: no refill yet. */
	for (i = 0; i < n; i++) {
		nonzero += p[i * PAGE] || p[i * PAGE + PAGE - 1];
		p[i * PAGE] = 1;
	}
	EXPECT_EQ(0, nonzero);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(0, st.bytes_zeroed);
	EXPECT_EQ(n, st.faults_global);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(n, info.reserve_hits);
	EXPECT_EQ(0, info.reserve_misses);
	EXPECT_EQ(self->low, info.reserve_pages);
	usleep(300 * 1000);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(self->low, info.reserve_pages);

	/* One more: below the mark, refilled to the high one. */
	p[n * PAGE] = 1;
	ASSERT_TRUE(vmpool_wait_reserve(self->dev, self->high, &info));
	EXPECT_EQ((self->high + self->high - self->low + 1) * PAGE,
		  info.scrubbed_bytes);
	EXPECT_EQ(0, info.bytes_zeroed);
	EXPECT_EQ(n + 1, info.reserve_hits);

	ASSERT_EQ(0, munmap(p, (n + 1) * PAGE));
	ASSERT_EQ(0, close(vm));
}

/*
 * A tenant fills the whole pool and goes; the scrubber zeroes its pages
 * into the reserve, and a VM of another tenant takes them without zeroing
 * any and finds none of the tenant's data.
 */
TEST_F(scrub, another_tenant_finds_nothing_in_scrubbed_pages)
{
	size_t len = self->info.total_pages * PAGE, half = self->high * PAGE;
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	void *p;
	int vm;

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), len, 0, 0, "a");
	ASSERT_LE(0, vm);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, p);
	vmpool_fill(p, len, MARKER);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	/*
	 * At least half came zeroed (more if the scrubber kept up meanwhile),
	 * the rest was zeroed at the fault.
	 */
	EXPECT_LE(self->high, info.reserve_hits);
	EXPECT_EQ(info.reserve_misses * PAGE, st.bytes_zeroed);
	EXPECT_EQ(len, (info.reserve_hits + info.reserve_misses) * PAGE);
	ASSERT_EQ(0, munmap(p, len));
	ASSERT_EQ(0, close(vm));

	/* Every free page held the tenant's data; half is zeroed again. */
	ASSERT_TRUE(vmpool_wait_reserve(self->dev, self->high, &info));

	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), half, 0, 0, "b");
	ASSERT_LE(0, vm);
	p = mmap(NULL, half, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, half, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, vmpool_marker_words(p, half, MARKER, len));
	EXPECT_EQ(0, nonzero_pages(p, half));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(0, st.bytes_zeroed);
	ASSERT_EQ(0, munmap(p, half));
	ASSERT_EQ(0, close(vm));
}

/* The thread never takes a CPU from anything else: SCHED_IDLE. */
TEST_F(scrub, the_scrubber_is_of_the_idle_class)
{
	char path[300], comm[64], line[1024];
	struct dirent *d;
	int found = 0;
	DIR *proc;
	FILE *f;

	proc = opendir("/proc");
	ASSERT_NE(NULL, proc);
	while ((d = readdir(proc))) {
		char *c;
		int policy = -1, i;

		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f) ||
		    strcmp(comm, "vmpool_scrubd\n")) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(line, sizeof(line), f));
		fclose(f);
		/* Field 41, counted from after the command's closing ')'. */
		c = strrchr(line, ')');
		ASSERT_NE(NULL, c);
		for (i = 2; c && i < 41; i++)
			c = strchr(c + 1, ' ');
		ASSERT_NE(NULL, c);
		policy = atoi(c + 1);
		EXPECT_EQ(5 /* SCHED_IDLE */, policy);
		found++;
	}
	closedir(proc);
	EXPECT_EQ(1, found);
}

/* Watermarks are percentages: anything else is refused, nothing changes. */
TEST_F(scrub, watermarks_reject_bad_values)
{
	static const char *const bad[] = { "101", "-1", "abc", "5x", "0x" };
	struct vmpool_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, vmpool_set_param("scrub_high", bad[i]))
			TH_LOG("'%s'", bad[i]);
		EXPECT_EQ(50, vmpool_param("scrub_high"));
	}
	EXPECT_EQ(-ERANGE, vmpool_set_param("scrub_low", "4294967296"));
	EXPECT_EQ(25, vmpool_param("scrub_low"));

	/* Off: the reserve stays as it is; up: it grows to the new mark. */
	ASSERT_EQ(0, vmpool_set_param("scrub_high", "0"));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(self->high, info.reserve_pages);
	ASSERT_EQ(0, vmpool_set_param("scrub_low", "60"));
	ASSERT_EQ(0, vmpool_set_param("scrub_high", "75"));
	ASSERT_TRUE(vmpool_wait_reserve(self->dev,
					self->info.total_pages * 75 / 100,
					&info));
}

TEST_HARNESS_MAIN
