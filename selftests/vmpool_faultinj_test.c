// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection (debug kernel only): with failslab and fail_page_alloc
 * confined to the module's code (stack filter) and to this task, a share
 * of the allocations made for VM creation, faults and VM listing fail at
 * random.  Each failure must be a clean -ENOMEM (or SIGBUS-free retry of a
 * fault), nothing may leak (the run's kmemleak scan checks that), and the
 * pool must work normally once injection stops.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE	4096UL
#define DEBUGFS	"/sys/kernel/debug"

static int write_str(const char *dir, const char *attr, const char *val)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* Confine @attr (failslab or fail_page_alloc) to the module and this task. */
static int setup(const char *dir)
{
	unsigned long base = 0, size = 0;
	char line[256], val[32];
	FILE *f;

	f = fopen("/proc/modules", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vmpool ", 7))
			sscanf(line, "vmpool %lu %*s %*s %*s %lx", &size, &base);
	}
	fclose(f);
	if (!base || !size)
		return -ENOENT;

	snprintf(val, sizeof(val), "%#lx", base);
	if (write_str(dir, "require-start", val))
		return -EIO;
	snprintf(val, sizeof(val), "%#lx", base + size);
	write_str(dir, "require-end", val);
	write_str(dir, "stacktrace-depth", "32");
	write_str(dir, "task-filter", "Y");
	write_str(dir, "verbose", "0");
	write_str(dir, "probability", "0");
	write_str(dir, "times", "0");
	write_str(dir, "ignore-gfp-wait", "N");
	write_str(dir, "ignore-gfp-highmem", "N");
	write_str(dir, "min-order", "0");
	return write_str("/proc/self", "make-it-fail", "1");
}

/* Fail @percent of the eligible allocations from now on. */
static void arm(const char *dir, int percent)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", percent);
	write_str(dir, "interval", "1");
	write_str(dir, "probability", val);
	write_str(dir, "times", "-1");
}

/* Stop failing. */
static void disarm(const char *dir)
{
	write_str(dir, "times", "0");
	write_str(dir, "probability", "0");
}

FIXTURE(inj) {
	int dev;
};

FIXTURE_VARIANT(inj) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(inj, failslab) {
	.dir = DEBUGFS "/failslab",
};

FIXTURE_VARIANT_ADD(inj, fail_page_alloc) {
	.dir = DEBUGFS "/fail_page_alloc",
};

FIXTURE_SETUP(inj)
{
	self->dev = -1;
	if (access(variant->dir, F_OK))
		SKIP(return, "%s: no fault injection in this kernel", variant->dir);
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, setup(variant->dir));
}

FIXTURE_TEARDOWN(inj)
{
	struct vmpool_audit audit;
	struct vmpool_info info;

	if (self->dev < 0)
		return;
	disarm(variant->dir);
	write_str("/proc/self", "make-it-fail", "0");
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.nr_vms);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(info.total_pages, info.free_pages);
	close(self->dev);
}

TEST_F_TIMEOUT(inj, vm_create_and_fault, 600)
{
	/* Alternately small VMs and a 4 GiB one (a vmalloc'ed page map). */
	static const size_t mems[] = { 16 * PAGE, 4UL << 30 };
	int i, fd, keeper, failed = 0, created = 0;
	char *p;

	/*
	 * While a VM lives, the VM file system stays mounted: the first 200
	 * creations inject into the VM's own allocations, the last 100 also
	 * into the mount a first VM needs.
	 */
	keeper = vmpool_vm_create(self->dev, vmpool_new_tenant(), PAGE, 0, 0,
				  "keeper");
	ASSERT_LE(0, keeper);
	for (i = 0; i < 300; i++) {
		if (i == 200)
			ASSERT_EQ(0, close(keeper));
		arm(variant->dir, 20);
		fd = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				      mems[i % 2], 4, 0, "inj");
		if (fd < 0) {
			disarm(variant->dir);
			EXPECT_EQ(-ENOMEM, fd);
			failed++;
			continue;
		}
		created++;
		p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (p != MAP_FAILED) {
			memset(p, 1, 16 * PAGE);
			munmap(p, 16 * PAGE);
		}
		disarm(variant->dir);
		close(fd);
	}
	TH_LOG("%d creations failed, %d succeeded", failed, created);
	EXPECT_LT(0, created);
	/*
	 * Every creation allocates slab memory from the module, and the
	 * 4 GiB ones a vmalloc'ed page map: both kinds of injection must
	 * have failed some, or this test proved nothing.
	 */
	EXPECT_LT(0, failed);
	/* Working normally again. */
	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), 16 * PAGE, 16, 0,
			      "after");
	ASSERT_LE(0, fd);
	close(fd);
}

/*
 * Split, merge, grow and shrink allocate nothing (pages in transit sit on
 * a list threaded through the pool's own arrays): with every allocation of
 * the module failing half the time, none of them may fail for want of
 * memory, and the pages keep adding up.
 */
TEST_F_TIMEOUT(inj, pool_ops_allocate_nothing, 300)
{
	struct vmpool_vm_stats sa, sb;
	int a, b, i, failed = 0;
	long ret;

	a = vmpool_vm_create(self->dev, vmpool_new_tenant(), 64 * PAGE, 32, 0,
			     "a");
	ASSERT_LE(0, a);
	b = vmpool_vm_create(self->dev, vmpool_new_tenant(), 64 * PAGE, 0, 0,
			     "b");
	ASSERT_LE(0, b);
	for (i = 0; i < 200; i++) {
		arm(variant->dir, 50);
		switch (i % 4) {
		case 0:
			ret = vmpool_move(self->dev, a, b, 8);
			break;
		case 1:
			ret = vmpool_move(self->dev, b, a, 0);
			break;
		case 2:
			ret = vmpool_resize(self->dev, VMPOOL_POOL_GROW, b, 4);
			break;
		default:
			ret = vmpool_resize(self->dev, VMPOOL_POOL_SHRINK, b,
					    4);
			break;
		}
		disarm(variant->dir);
		EXPECT_TRUE(ret >= 0 || ret == -ENOSPC)
			TH_LOG("operation %d: %ld", i % 4, ret);
		if (ret < 0)
			failed++;
	}
	TH_LOG("%d of 200 pool operations found no room (-ENOSPC)", failed);
	ASSERT_EQ(0, vmpool_vm_stats(a, &sa));
	ASSERT_EQ(0, vmpool_vm_stats(b, &sb));
	/* Both pools still work: split back and forth once more. */
	ASSERT_LE(0, vmpool_move(self->dev, a, b, 0));
	ASSERT_LE(0, vmpool_move(self->dev, b, a, 0));
	EXPECT_EQ(0, close(a));
	EXPECT_EQ(0, close(b));
}

TEST_F(inj, list_vms)
{
	struct vmpool_vm_stats ents[4];
	struct vmpool_vm_list list;
	int fd, i, ret, failed = 0;

	fd = vmpool_vm_create(self->dev, vmpool_new_tenant(), PAGE, 0, 0, "l");
	ASSERT_LE(0, fd);
	for (i = 0; i < 100; i++) {
		list = (struct vmpool_vm_list){ .size = sizeof(list),
			.nr_entries = 4, .entry_size = sizeof(ents[0]),
			.entries = (unsigned long)ents };
		arm(variant->dir, 50);
		ret = vmpool_ioctl(self->dev, VMPOOL_LIST_VMS,
				   (unsigned long)&list);
		disarm(variant->dir);
		EXPECT_TRUE(ret == 0 || ret == -ENOMEM);
		if (ret)
			failed++;
		else
			EXPECT_EQ(1, list.nr_entries);
	}
	TH_LOG("%d of 100 listings failed", failed);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
