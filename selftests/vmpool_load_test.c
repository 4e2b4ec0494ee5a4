// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool module parameters: each memory source loads, and every bad
 * parameter fails the load cleanly, leaving nothing behind.
 *
 * Unloading gives a tenant's pages back to the page allocator only once they
 * are zeroed, which is checked by reading them through /proc/kcore.
 *
 * Environment: VMPOOL_KO, the module; VMPOOL_REGION, the range the guest
 * reserved with memmap= (tests that need it are skipped without).
 */
#define _GNU_SOURCE
#include <linux/elf.h>
#include <sys/mman.h>
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
	return vmpool_unload();
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

/* Where /proc/kcore holds the kernel's mapping of physical memory. */
struct kcore {
	int fd;
	struct elf64_phdr ph[64];
	unsigned int nr;
};

static int kcore_open(struct kcore *k)
{
	struct elf64_hdr eh;

	k->fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (pread(k->fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(struct elf64_phdr))
		return -EINVAL;
	k->nr = eh.e_phnum < ARRAY_SIZE(k->ph) ? eh.e_phnum : ARRAY_SIZE(k->ph);
	if (pread(k->fd, k->ph, k->nr * sizeof(struct elf64_phdr), eh.e_phoff) !=
	    (ssize_t)(k->nr * sizeof(struct elf64_phdr)))
		return -EINVAL;
	return 0;
}

/* Read the page at physical address @phys; 0 or -errno. */
static int kcore_read(struct kcore *k, __u64 phys, void *buf)
{
	unsigned int i;

	/* System RAM segments give their physical address; others -1. */
	for (i = 0; i < k->nr; i++) {
		struct elf64_phdr *p = &k->ph[i];

		if (p->p_type != PT_LOAD || p->p_paddr == ~0ULL ||
		    phys < p->p_paddr || phys + 4096 > p->p_paddr + p->p_memsz)
			continue;
		return pread(k->fd, buf, 4096, p->p_offset + phys - p->p_paddr) ==
		       4096 ? 0 : -EIO;
	}
	return -ENOENT;
}

/* Pages of @pfns whose words are all vmpool_fill(@marker) words. */
static size_t kcore_marked(struct kcore *k, const __u64 *pfns, size_t n,
			   __u64 marker, size_t span)
{
	static __u64 buf[512];
	size_t i, marked = 0;

	for (i = 0; i < n; i++)
		if (!kcore_read(k, pfns[i] << 12, buf) &&
		    vmpool_marker_words(buf, sizeof(buf), marker, span) == 512)
			marked++;
	return marked;
}

/*
 * What a tenant leaves in the pool is zeroed before the pages go back to
 * the page allocator.  The pages are read through /proc/kcore, once while
 * the pool still has them (the tenant's data is there: the check can see
 * it) and once after the unload.
 */
TEST_F(load, unload_zeroes_what_tenants_left)
{
	const __u64 marker = 0x7e4a470000000000ULL;
	const size_t pages = 1024, len = pages * 4096;
	__u64 *pfns, entry;
	struct kcore k;
	int dev, vm, pm;
	size_t i;
	char *p;

	ASSERT_EQ(0, load("pool_mb=16"));
	if (kcore_open(&k))
		SKIP(return, "no /proc/kcore");
	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, 0, 0, "left");
	ASSERT_LE(0, vm);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < pages; i++)
		vmpool_fill(p + i * 4096, 4096, marker);

	pfns = calloc(pages, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pm);
	for (i = 0; i < pages; i++) {
		ASSERT_EQ(sizeof(entry),
			  pread(pm, &entry, sizeof(entry),
				((uintptr_t)p / 4096 + i) * sizeof(entry)));
		ASSERT_TRUE(entry >> 63);	/* present */
		pfns[i] = entry & ((1ULL << 55) - 1);
	}
	close(pm);
	EXPECT_EQ(pages, kcore_marked(&k, pfns, pages, marker, 4096));

	/* The tenant goes; its pages stay dirty in the global pool. */
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, close(dev));
	ASSERT_EQ(0, unload());
	EXPECT_EQ(0, kcore_marked(&k, pfns, pages, marker, 4096));
	close(k.fd);
	free(pfns);
}

TEST_HARNESS_MAIN
