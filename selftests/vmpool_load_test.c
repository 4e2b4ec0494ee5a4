// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool module parameters: each memory source loads, and every bad
 * parameter fails the load cleanly, leaving nothing behind.
 *
 * Environment: VMPOOL_KO, the module; VMPOOL_REGION, the range the guest
 * reserved with memmap= (tests that need it are skipped without).
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

static int load(const char *params)
{
	const char *ko = getenv("VMPOOL_KO");
	int fd, ret;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int unload(void)
{
	if (access("/sys/module/vmpool", F_OK))
		return 0;
	return syscall(SYS_delete_module, "vmpool", O_NONBLOCK) ? -errno : 0;
}

FIXTURE(load) {
	char region[64];
	unsigned long long region_size, region_phys;
};

FIXTURE_SETUP(load)
{
	const char *r = getenv("VMPOOL_REGION");

	if (!getenv("VMPOOL_KO"))
		SKIP(return, "VMPOOL_KO not set");
	if (r) {
		snprintf(self->region, sizeof(self->region), "%s", r);
		self->region_size = strtoull(r, NULL, 0);
		if (strchr(r, 'M'))
			self->region_size <<= 20;
		self->region_phys = strtoull(strchr(r, '@') + 1, NULL, 0);
	}
	ASSERT_EQ(0, unload());
}

FIXTURE_TEARDOWN(load)
{
	/* Leave the module as the suite expects it. */
	EXPECT_EQ(0, unload());
	EXPECT_EQ(0, load("pool_mb=64"));
}

TEST_F(load, page_alloc_default_and_sizes)
{
	struct vmpool_info info;
	int fd;

	ASSERT_EQ(0, load(""));
	fd = open(VMPOOL_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_info(fd, &info));
	EXPECT_EQ(64 * 256, info.total_pages);
	EXPECT_EQ(VMPOOL_SOURCE_PAGE_ALLOC, info.source);
	close(fd);
	ASSERT_EQ(0, unload());

	ASSERT_EQ(0, load("pool_mb=3"));
	fd = open(VMPOOL_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_info(fd, &info));
	EXPECT_EQ(3 * 256, info.total_pages);
	close(fd);
}

TEST_F(load, region)
{
	struct vmpool_info info;
	char params[96];
	int fd;

	if (!self->region[0])
		SKIP(return, "no region reserved");
	snprintf(params, sizeof(params), "region=%s", self->region);
	ASSERT_EQ(0, load(params));
	fd = open(VMPOOL_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_info(fd, &info));
	EXPECT_EQ(VMPOOL_SOURCE_REGION, info.source);
	EXPECT_EQ(1, info.nr_chunks);
	EXPECT_EQ(self->region_size / 4096, info.total_pages);
	close(fd);

	/* A sub-range loads too; the claim is released on unload. */
	ASSERT_EQ(0, unload());
	snprintf(params, sizeof(params), "region=2M@%#llx",
		 self->region_phys + (2 << 20));
	ASSERT_EQ(0, load(params));
}

TEST_F(load, bad_parameters)
{
	char params[96];
	unsigned int i;
	static const char * const bad[] = {
		"pool_mb=1048576000",		/* more than the machine */
		"region=",
		"region=64M",
		"region=64M@",
		"region=64M@0x40000000x",
		"region=0@0x40000000",
		"region=64M@0x40000001",	/* misaligned */
		"region=4097@0x40000000",
		"region=1M@0x40000000",		/* not 2 MiB */
		"region=2M@0x40100000",
		/*
		 * Firmware-reserved memory and a hole around it (QEMU's BIOS
		 * at the top of 4 GiB): reserved, but not RAM memmap= took.
		 */
		"region=2M@0xffe00000",
		"region=64M@0x1000000",		/* System RAM */
		"region=64M@0xfffffffffff00000", /* wraps */
		"region=64M@0x4000000000",	/* no memory there */
	};

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, load(bad[i])) {
			TH_LOG("%s", bad[i]);
		}
		EXPECT_NE(0, access("/sys/module/vmpool", F_OK));
	}
	if (self->region[0]) {
		snprintf(params, sizeof(params), "pool_mb=8 region=%s",
			 self->region);
		EXPECT_EQ(-EINVAL, load(params));
		/* Partly outside the reserved range. */
		snprintf(params, sizeof(params), "region=%lluM@%#llx",
			 (self->region_size >> 20) + 1, self->region_phys);
		EXPECT_EQ(-EINVAL, load(params));
	}
	EXPECT_NE(0, access("/sys/module/vmpool", F_OK));
}

TEST_HARNESS_MAIN
